//! `snapshot.rs`: the snapshot itself, embedded as compact JSON text, so the SDK can
//! compare a live instance with what it was generated from (and the mock can serve it)
//! without any file at run time.

use brayns_snapshot::{Snapshot, compact};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The file, with `EmbeddedSnapshot` named through `snapshot_crate` (`crate`,
/// `brayns_snapshot`): the path where the runtime exports `brayns_snapshot::EmbeddedSnapshot`.
pub(crate) fn file(snapshot: &Snapshot, snapshot_crate: &syn::Path) -> TokenStream {
    let version = raw_string(&compact(snapshot.version_json()));
    let methods: Vec<&str> = snapshot.methods().collect();
    let registry = raw_string(&serde_json::Value::from(methods).to_string());
    let loaders = match snapshot.loaders_json() {
        Some(answer) => {
            let text = raw_string(&compact(answer));
            quote!(Some(#text))
        }
        None => quote!(None),
    };
    let entrypoints = snapshot.methods().filter_map(|method| {
        let text = raw_string(&compact(snapshot.entrypoint_json(method)?));
        Some(quote!((#method, #text)))
    });
    let release = format!(
        " Brayns {}'s schema snapshot, as compact JSON text (keys in the server's order).",
        snapshot.version()
    );
    quote! {
        //! The schema snapshot the bindings were generated from: the files `cargo xtask
        //! fetch` wrote, embedded so that nothing is read at run time.

        #[doc = #release]
        pub(crate) const SNAPSHOT: #snapshot_crate::EmbeddedSnapshot = #snapshot_crate::EmbeddedSnapshot {
            version: #version,
            registry: #registry,
            loaders: #loaders,
            entrypoints: &[#(#entrypoints),*],
        };
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
