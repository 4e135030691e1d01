//! `mod.rs`: the module tree, the snapshot's version and the method table.
//!
//! The table types (`SnapshotVersion`, `MethodInfo`) are the SDK's hand-written
//! `crate::meta`; only their values are generated.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Settings, plugin_modules};
use crate::binary::BinaryUse;
use crate::naming::value_ident;

pub(super) fn file(settings: &Settings<'_>) -> TokenStream {
    let api = settings.api;
    let version = &api.version;
    let (major, minor, patch, revision) = (
        proc_macro2::Literal::u64_unsuffixed(version.major),
        proc_macro2::Literal::u64_unsuffixed(version.minor),
        proc_macro2::Literal::u64_unsuffixed(version.patch),
        &version.revision,
    );
    let modules = plugin_modules(&api.methods)
        .into_iter()
        .map(|(module, plugin)| {
            let module = value_ident(&module);
            let text = format!(" The {plugin} plugin's methods.");
            quote!(#[doc = #text] mod #module;)
        });
    let tests = settings.snapshot_from_out.is_some().then(|| {
        quote!(
            #[cfg(test)]
            mod tests;
        )
    });
    let calls = settings.call_tests.then(|| {
        quote!(
            #[cfg(test)]
            mod calls;
        )
    });
    let release = format!("{}.{}.{}", version.major, version.minor, version.patch);
    let methods = api.methods.iter().map(|method| {
        let entry = &method.entry;
        let (name, plugin, description) = (&entry.method, &entry.plugin, entry.description.trim());
        let (is_async, deprecated) = (entry.is_async, entry.deprecated);
        let (has_params, has_result) = (method.params.is_some(), method.result.is_some());
        let binary_request = method.binary == BinaryUse::Request;
        let binary_reply = method.binary == BinaryUse::Reply;
        quote! {
            MethodInfo {
                name: #name,
                plugin: #plugin,
                description: #description,
                is_async: #is_async,
                deprecated: #deprecated,
                has_params: #has_params,
                has_result: #has_result,
                binary_request: #binary_request,
                binary_reply: #binary_reply,
            }
        }
    });
    let summary = format!(
        " Bindings for Brayns {}.{}.{} ({} methods, {} loaders), generated from its schema snapshot.",
        version.major,
        version.minor,
        version.patch,
        api.methods.len(),
        api.loaders.len()
    );
    quote! {
        #![doc = #summary]

        pub mod loaders;
        pub(crate) mod snapshot;
        pub mod types;
        #(#modules)*
        #tests
        #calls

        use crate::meta::{MethodInfo, SnapshotVersion};

        /// The Brayns release the bindings were generated from, `major.minor.patch`.
        pub const BRAYNS_VERSION: &str = #release;

        /// The release the bindings were generated from.
        pub const SNAPSHOT_VERSION: SnapshotVersion = SnapshotVersion {
            major: #major,
            minor: #minor,
            patch: #patch,
            revision: #revision,
        };

        /// Every method of the snapshot, sorted by name.
        pub const METHODS: &[MethodInfo] = &[#(#methods),*];
    }
}
