//! `tests.rs`: round-trip tests of every params, result and loader properties type
//! against the snapshot's own schemas (run as the SDK's unit tests).
//!
//! Each test only names its schema and its type; the checks are the SDK's hand-written
//! `crate::round_trip` (`params_round_trip`, `result_round_trip`...), the same for every
//! snapshot.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Settings, ty_tokens};
use crate::model::{DefKind, Ty};
use crate::naming::snake;

pub(super) fn file(settings: &Settings<'_>, snapshot_from_out: &str) -> TokenStream {
    let model = &settings.api.model;
    let has_default = |ty: &Ty| match ty {
        Ty::Named(id) => match &model.def(*id).kind {
            DefKind::Struct(fields) => super::defaults::has_default(fields),
            _ => false,
        },
        _ => false,
    };
    let methods = settings
        .api
        .methods
        .iter()
        .filter(|m| m.params.is_some() || m.result.is_some());
    let method_tests = methods.map(|method| {
        let wire = &method.entry.method;
        let test = format_ident!("method_{}", snake(wire));
        let path = format!("{snapshot_from_out}/entrypoints/{wire}.json");
        let params = method.params.as_ref().map(|ty| {
            let tokens = ty_tokens(model, ty);
            let default = has_default(ty)
                .then(|| quote!(default_is_empty_object::<#tokens>(&schema_of(TEXT, "params"));));
            quote! {
                params_round_trip::<#tokens>(&schema_of(TEXT, "params"));
                #default
            }
        });
        let result = method.result.as_ref().map(|ty| {
            let tokens = ty_tokens(model, ty);
            quote!(result_round_trip::<#tokens>(&schema_of(TEXT, "returns"));)
        });
        quote! {
            #[test]
            fn #test() {
                const TEXT: &str = include_str!(#path);
                #params
                #result
            }
        }
    });
    let loaders_path = format!("{snapshot_from_out}/loaders.json");
    let loader_tests = settings.api.loaders.iter().filter_map(|binding| {
        let ty = binding.properties.as_ref()?;
        let name = &binding.loader.name;
        let test = format_ident!("loader_{}", snake(&binding.variant));
        let tokens = ty_tokens(model, ty);
        let default = has_default(ty).then(|| quote!(default_is_empty_object::<#tokens>(&schema);));
        Some(quote! {
            #[test]
            fn #test() {
                let schema = loader_schema(include_str!(#loaders_path), #name);
                params_round_trip::<#tokens>(&schema);
                #default
            }
        })
    });
    quote! {
        //! Round trips of every generated type through the snapshot's own schemas, with
        //! values from `brayns_mock::sample` checked by `brayns_mock::validate`.

        #![allow(unused_imports, deprecated)]

        use super::types::*;
        use crate::round_trip::{
            default_is_empty_object, loader_schema, params_round_trip, result_round_trip, schema_of,
        };

        #(#method_tests)*
        #(#loader_tests)*
    }
}
