//! `mod.rs`: the module tree, the snapshot's release, the method table and the switches
//! of the hand-written features; `release.md`: what the release's crate docs say about it.
//!
//! The table types (`Version`, `MethodInfo`) are the runtime's; only their values are
//! generated.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{MARKDOWN_HEADER, Settings, plugin_modules};
use crate::Feature;
use crate::binary::BinaryUse;
use crate::naming::value_ident;

pub(super) fn file(settings: &Settings<'_>) -> TokenStream {
    let api = settings.api;
    let runtime = &settings.runtime;
    let version = api.version;
    let (major, minor, patch) = (
        proc_macro2::Literal::u64_unsuffixed(version.major),
        proc_macro2::Literal::u64_unsuffixed(version.minor),
        proc_macro2::Literal::u64_unsuffixed(version.patch),
    );
    let revision = api.snapshot.revision();
    let modules = plugin_modules(&api.methods)
        .into_iter()
        .map(|(module, plugin)| {
            let module = value_ident(&module);
            let text = format!(" The {plugin} plugin's methods.");
            quote!(#[doc = #text] mod #module;)
        });
    let methods = api.methods.iter().map(|method| {
        let entry = &method.entry;
        let (name, plugin, description) = (&entry.method, &entry.plugin, entry.description.trim());
        let flags = [
            (entry.is_async, quote!(with_async)),
            (entry.deprecated, quote!(with_deprecated)),
            (method.params.is_some(), quote!(with_params)),
            (method.result.is_some(), quote!(with_result)),
            (
                method.binary == BinaryUse::Request,
                quote!(with_binary_request),
            ),
            (method.binary == BinaryUse::Reply, quote!(with_binary_reply)),
        ];
        let flags = flags
            .iter()
            .filter(|(set, _)| *set)
            .map(|(_, call)| quote!(.#call()));
        quote!(MethodInfo::new(#name, #plugin, #description) #(#flags)*)
    });
    let summary = format!(
        " Bindings for Brayns {version} ({} methods, {} loaders), generated from its schema snapshot.",
        api.methods.len(),
        api.loaders.len()
    );
    let features = settings
        .features
        .iter()
        .map(|feature| feature_switch(settings, feature));
    quote! {
        #![doc = #summary]

        pub mod loaders;
        pub(crate) mod snapshot;
        pub mod types;
        #(#modules)*

        use #runtime::{MethodInfo, Version};

        /// The Brayns release the bindings were generated from.
        pub const BRAYNS_VERSION: Version = Version::new(#major, #minor, #patch);

        /// The source control revision of the Brayns build the snapshot was taken from.
        pub const BRAYNS_REVISION: &str = #revision;

        /// Every method of the snapshot, sorted by name.
        pub const METHODS: &[MethodInfo] = &[#(#methods),*];

        #(#features)*
    }
}

/// What `feature` needs that this release lacks: its methods, then its types, as the
/// docs name them (`get-loaders`, `types::Loader`).
fn missing(settings: &Settings<'_>, feature: &Feature) -> Vec<String> {
    let api = settings.api;
    let methods = feature
        .methods
        .iter()
        .filter(|method| api.snapshot.entrypoint(method).is_none())
        .cloned();
    let types = feature
        .types
        .iter()
        .filter(|name| !api.model.defs.iter().any(|def| &def.name == *name))
        .map(|name| format!("types::{name}"));
    methods.chain(types).collect()
}

/// `feature_<name>!{ items }`: the items, when this release has every method the feature
/// needs; nothing otherwise. The hand-written layer wraps each such feature in its switch,
/// so one source compiles against every release's bindings.
fn feature_switch(settings: &Settings<'_>, feature: &Feature) -> TokenStream {
    let name = format_ident!("feature_{}", feature.name);
    let lacking = missing(settings, feature);
    let methods = feature.methods.join("`, `");
    let (doc, body) = if lacking.is_empty() {
        (
            format!(
                " `{}` ({}): kept, this release has `{methods}`.",
                feature.name, feature.provides
            ),
            quote!($($item)*),
        )
    } else {
        (
            format!(
                " `{}` ({}): left out, this release lacks `{}`.",
                feature.name,
                feature.provides,
                lacking.join("`, `")
            ),
            TokenStream::new(),
        )
    };
    quote! {
        #[doc = #doc]
        macro_rules! #name {
            ($($item:item)*) => { #body };
        }

        pub(crate) use #name;
    }
}

/// `release.md`: the release's section of the crate docs, saying which hand-written
/// features it leaves out.
pub(super) fn release_notes(settings: &Settings<'_>) -> String {
    let api = settings.api;
    let mut text = format!(
        "{MARKDOWN_HEADER}\n# This release\n\nThese bindings were generated from the schemas of \
         Brayns {} (revision `{}`): {} methods, {} loaders.\n",
        api.version,
        api.snapshot.revision(),
        api.methods.len(),
        api.loaders.len()
    );
    let left_out: Vec<String> = settings
        .features
        .iter()
        .filter_map(|feature| {
            let lacking = missing(settings, feature);
            (!lacking.is_empty()).then(|| {
                format!(
                    "- {}: needs `{}`, which Brayns {} does not have.\n",
                    feature.provides,
                    lacking.join("`, `"),
                    api.version
                )
            })
        })
        .collect();
    if settings.features.is_empty() {
        // Bindings without a hand-written layer (fixtures) have nothing to leave out.
    } else if left_out.is_empty() {
        text.push_str("\nEvery feature of the hand-written layer is available.\n");
    } else {
        text.push_str(
            "\n## Left out of this release\n\nThe hand-written layer's features that need methods \
             this release lacks are not compiled in:\n\n",
        );
        text.extend(left_out);
    }
    text
}
