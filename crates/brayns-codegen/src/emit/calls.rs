//! `calls.rs`: one end-to-end test per method, in the SDK's integration tests. Each calls
//! the typed method against `brayns-mock` with schema-valid params and checks the typed
//! output.
//!
//! The generator only knows each method's signature; everything about the server (starting
//! the mock, which state a method needs first, sample params, checking the output against
//! the `returns` schema) is the tests' hand-written harness `crate::support::Call`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Settings, TestSettings, ty_tokens};
use crate::binary::BinaryUse;
use crate::naming::{snake, value_ident};

pub(super) fn file(settings: &Settings<'_>, tests: &TestSettings) -> TokenStream {
    let bindings = &tests.bindings;
    let model = &settings.api.model;
    let tests = settings.api.methods.iter().map(|method| {
        let wire = &method.entry.method;
        let test = format_ident!("call_{}", snake(wire));
        let function = value_ident(wire);
        let params = method.params.as_ref().map(|ty| {
            let ty = ty_tokens(model, ty);
            quote!(let params: #ty = call.params();)
        });
        let mut arguments = Vec::new();
        if method.params.is_some() {
            arguments.push(quote!(&params));
        }
        if method.binary == BinaryUse::Request {
            arguments.push(quote!(call.data()));
        }
        let invoke = quote!(call.brayns().#function(#(#arguments),*));
        let output = if method.entry.is_async {
            quote!(let output = call.run_task(#invoke).await;)
        } else {
            quote!(let output = #invoke.await;)
        };
        let check = match (method.binary, method.result.is_some()) {
            (BinaryUse::Reply, true) => quote!(call.check_with_binary(output);),
            (BinaryUse::Reply, false) => quote!(call.check_binary(output);),
            (_, true) => quote!(call.check_result(output);),
            (_, false) => quote!(call.check_unit(output);),
        };
        quote! {
            #[tokio::test]
            async fn #test() {
                let call = Call::start(#wire).await;
                #params
                #output
                #check
                call.finish().await;
            }
        }
    });
    quote! {
        //! Every method called through its typed method against `brayns-mock`, with
        //! schema-valid params, its output decoded and checked by the tests' harness
        //! (`crate::support::Call`).

        #![allow(unused_imports, deprecated)]

        use #bindings::types::*;
        use crate::support::Call;

        #(#tests)*
    }
}
