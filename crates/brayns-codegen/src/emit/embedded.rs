//! `snapshot.rs`: the snapshot itself, embedded as compact JSON text, so the SDK can
//! compare a live instance with what it was generated from without any file at run time.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::Settings;

pub(super) fn file(settings: &Settings<'_>) -> TokenStream {
    let texts = &settings.api.texts;
    let version = raw_string(&texts.version);
    let registry = raw_string(&texts.registry);
    let loaders = match &texts.loaders {
        Some(text) => {
            let text = raw_string(text);
            quote!(Some(#text))
        }
        None => quote!(None),
    };
    let entrypoints = texts.entrypoints.iter().map(|(method, text)| {
        let text = raw_string(text);
        quote!((#method, #text))
    });
    quote! {
        //! The schema snapshot the bindings were generated from, as compact JSON text (keys
        //! in the server's order): the files `cargo xtask fetch` wrote, embedded so that
        //! nothing is read at run time.

        /// `version.json`: the `get-version` answer.
        pub(crate) const VERSION: &str = #version;

        /// `registry.json`: the method names, sorted.
        pub(crate) const REGISTRY: &str = #registry;

        /// `loaders.json`: the `get-loaders` answer, if the instance had that method.
        pub(crate) const LOADERS: Option<&str> = #loaders;

        /// `(method, entrypoints/<method>.json)`: every `schema` answer, sorted by method.
        pub(crate) const ENTRYPOINTS: &[(&str, &str)] = &[#(#entrypoints),*];
    }
}

/// `text` as a raw string literal with just enough `#`s (JSON is full of `"`).
fn raw_string(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("a raw string literal with enough hashes parses")
}
