//! `mod.rs`: the module tree, the snapshot's version and the method table.

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

        /// The Brayns release the bindings were generated from, `major.minor.patch`.
        pub const BRAYNS_VERSION: &str = #release;

        /// A Brayns release, as `get-version` reports it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct SnapshotVersion {
            /// Major version.
            pub major: u64,
            /// Minor version.
            pub minor: u64,
            /// Patch version.
            pub patch: u64,
            /// Source control revision of the build.
            pub revision: &'static str,
        }

        /// The release the bindings were generated from.
        pub const SNAPSHOT_VERSION: SnapshotVersion = SnapshotVersion {
            major: #major,
            minor: #minor,
            patch: #patch,
            revision: #revision,
        };

        /// What the bindings know about one method, for tooling.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct MethodInfo {
            /// The method's wire name (`get-version`).
            pub name: &'static str,
            /// The plugin registering it (`Core`, `Circuit Explorer`...).
            pub plugin: &'static str,
            /// The schema description.
            pub description: &'static str,
            /// Whether it runs as a task with progress and cancel.
            pub is_async: bool,
            /// Whether the server marks it deprecated.
            pub deprecated: bool,
            /// Whether it takes params (otherwise they must be absent).
            pub has_params: bool,
            /// Whether it returns a result (otherwise `null`).
            pub has_result: bool,
            /// Whether the request carries a binary payload.
            pub binary_request: bool,
            /// Whether the reply may carry a binary payload.
            pub binary_reply: bool,
        }

        /// Every method of the snapshot, sorted by name.
        pub const METHODS: &[MethodInfo] = &[#(#methods),*];
    }
}
