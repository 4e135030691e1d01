//! `round_trips.rs`: round-trip tests of every params, result and loader properties type
//! against the snapshot's own schemas.
//!
//! Each test only names its schema and its type; the checks are `brayns_mock::conformance`
//! (`params_round_trip`, `result_round_trip`...), the same for every snapshot. The schemas
//! come from the snapshot embedded in the bindings, so the tests read no file.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Settings, TestSettings, ty_tokens};
use crate::model::{DefKind, Ty};
use crate::naming::snake;

pub(super) fn file(settings: &Settings<'_>, tests: &TestSettings) -> TokenStream {
    let bindings = &tests.bindings;
    let snapshot = &tests.snapshot;
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
        let params = method.params.as_ref().map(|ty| {
            let tokens = ty_tokens(model, ty);
            let default =
                has_default(ty).then(|| quote!(default_is_empty_object::<#tokens>(schema);));
            quote! {
                let schema = entrypoint.params.as_ref().expect("the method takes params");
                params_round_trip::<#tokens>(schema);
                #default
            }
        });
        let result = method.result.as_ref().map(|ty| {
            let tokens = ty_tokens(model, ty);
            quote! {
                let schema = entrypoint.returns.as_ref().expect("the method has a result");
                result_round_trip::<#tokens>(schema);
            }
        });
        quote! {
            #[test]
            fn #test() {
                let entrypoint = entrypoint(#wire);
                #params
                #result
            }
        }
    });
    let loader_tests = settings.api.loaders.iter().filter_map(|binding| {
        let ty = binding.properties.as_ref()?;
        let name = &binding.loader.name;
        let test = format_ident!("loader_{}", snake(&binding.variant));
        let tokens = ty_tokens(model, ty);
        let default = has_default(ty).then(|| quote!(default_is_empty_object::<#tokens>(schema);));
        Some(quote! {
            #[test]
            fn #test() {
                let schema = &loader(#name).properties;
                params_round_trip::<#tokens>(schema);
                #default
            }
        })
    });
    quote! {
        //! Round trips of every generated type through the snapshot's own schemas, with
        //! values from `brayns_mock::samples` (every enum value and `oneOf` variant) checked
        //! by `brayns_mock::validate`.

        #![allow(unused_imports, deprecated)]

        use brayns_mock::conformance::{
            default_is_empty_object, params_round_trip, result_round_trip,
        };
        // Named in full: the bindings may have types called `Entrypoint` or `Loader`.
        use #bindings::types::*;

        /// The method's schemas, from the snapshot the bindings were generated from.
        fn entrypoint(method: &str) -> &'static brayns_mock::Entrypoint {
            let snapshot = #snapshot;
            snapshot.entrypoint(method).expect("the snapshot has the method")
        }

        /// The loader's properties schema, from the same snapshot.
        fn loader(name: &str) -> &'static brayns_mock::Loader {
            let snapshot = #snapshot;
            let loaders = snapshot.loaders().expect("the snapshot has loaders");
            loaders.iter().find(|loader| loader.name == name).expect("the snapshot has the loader")
        }

        #(#method_tests)*
        #(#loader_tests)*
    }
}
