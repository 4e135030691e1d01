//! One module per plugin: the plugin's methods, as inherent methods of the client type.
//!
//! Every method goes through the same few non-generic helpers of the SDK's hand-written
//! layer (`crate::client`): the only generic code per method is encoding its params and
//! decoding its result.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::{Settings, doc, named_in, ty_tokens};
use crate::api::Method;
use crate::binary::BinaryUse;
use crate::model::Ty;
use crate::naming::{type_ident, value_ident};

/// The plugin modules: `(module name, plugin name)`, sorted by module.
pub(crate) fn plugin_modules(methods: &[Method]) -> Vec<(String, String)> {
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for method in methods {
        let module = value_ident(&method.entry.plugin).to_string();
        modules
            .entry(module)
            .or_insert_with(|| method.entry.plugin.clone());
    }
    modules.into_iter().collect()
}

pub(super) fn files(settings: &Settings<'_>) -> Vec<(String, TokenStream)> {
    plugin_modules(&settings.api.methods)
        .into_iter()
        .map(|(module, plugin)| {
            let methods: Vec<&Method> = settings
                .api
                .methods
                .iter()
                .filter(|method| method.entry.plugin == plugin)
                .collect();
            (module, plugin_file(settings, &plugin, &methods))
        })
        .collect()
}

fn plugin_file(settings: &Settings<'_>, plugin: &str, methods: &[&Method]) -> TokenStream {
    let model = &settings.api.model;
    let mut used = Vec::new();
    for method in methods {
        for ty in method.params.iter().chain(&method.result) {
            named_in(ty, &mut used);
        }
    }
    let mut imports: Vec<String> = used.iter().map(|id| model.def(*id).name.clone()).collect();
    imports.sort();
    let imports: Vec<_> = imports.iter().map(|name| type_ident(name)).collect();
    let imports = (!imports.is_empty()).then(|| quote!(use super::types::{#(#imports),*};));
    let client = &settings.client;
    let functions = methods.iter().map(|method| function(settings, method));
    let module_doc = format!(" The methods of the {plugin} plugin.");
    let impl_doc = format!(" Methods of the {plugin} plugin.");
    quote! {
        #![doc = #module_doc]

        #imports

        #[doc = #impl_doc]
        impl #client {
            #(#functions)*
        }
    }
}

fn function(settings: &Settings<'_>, method: &Method) -> TokenStream {
    let model = &settings.api.model;
    let entry = &method.entry;
    let wire = &entry.method;
    let name = value_ident(wire);

    let (params_arg, params_value) = match &method.params {
        None => (None, quote!(None)),
        Some(ty) => {
            // Arrays (the `add-*` methods' primitives, up to millions of them) go to the
            // request unserialized, so large ones are serialized on several threads.
            let (ty, value) = match ty {
                Ty::Vec(item) => {
                    let item = ty_tokens(model, item);
                    (
                        quote!([#item]),
                        quote!(Some(crate::client::array_params(params))),
                    )
                }
                other => (
                    ty_tokens(model, other),
                    quote!(Some(crate::client::encode_params(params)?)),
                ),
            };
            (Some(quote!(params: &#ty,)), value)
        }
    };
    let (binary_arg, binary_value) = match method.binary {
        BinaryUse::Request => (Some(quote!(data: crate::Bytes,)), quote!(Some(data))),
        _ => (None, quote!(None)),
    };
    let result = method.result.as_ref().map(|ty| ty_tokens(model, ty));
    let (output, decode) = match (method.binary, &result) {
        (BinaryUse::Reply, Some(result)) => (
            quote!(crate::WithBinary<#result>),
            quote!(crate::client::decode_with_binary::<#result>),
        ),
        (BinaryUse::Reply, None) => (quote!(crate::Bytes), quote!(crate::client::decode_binary)),
        (_, Some(result)) => (quote!(#result), quote!(crate::client::decode::<#result>)),
        (_, None) => (quote!(()), quote!(crate::client::decode_unit)),
    };

    let mut text = super::escape_markdown(entry.description.trim());
    if text.is_empty() {
        text = format!("Calls `{wire}`.");
    } else {
        text.push_str(&format!("\n\nCalls `{wire}`."));
    }
    if let Some(ty) = &method.params {
        text.push_str(&format!(" Params: `{}`.", ty_name(settings, ty)));
    }
    if let Some(ty) = &method.result {
        text.push_str(&format!(" Result: `{}`.", ty_name(settings, ty)));
    }
    match method.binary {
        BinaryUse::Request => text.push_str("\n\n`data` is sent as the request's binary payload."),
        BinaryUse::Reply => text.push_str(
            "\n\nThe reply's binary payload (the encoded data) is returned with the result; it is \
             empty when the server sent none (when the params ask it to save to a file, or \
             not to send the data).",
        ),
        BinaryUse::None => {}
    }
    // Brayns' description of a deprecated method names its replacement.
    let deprecated = entry.deprecated.then(|| {
        let note = match entry.description.trim() {
            "" => "deprecated by Brayns",
            description => description,
        };
        quote!(#[deprecated(note = #note)])
    });
    if entry.is_async {
        text.push_str(
            "\n\nAsync on the server: returns a task at once; await it for the result, follow its \
             progress or cancel it.",
        );
        let doc = doc(&text);
        quote! {
            #doc
            #deprecated
            pub fn #name(&self, #params_arg #binary_arg) -> crate::Result<crate::Task<#output>> {
                crate::client::start_task(self.rpc(), #wire, #params_value, #binary_value, #decode)
            }
        }
    } else {
        let doc = doc(&text);
        quote! {
            #doc
            #deprecated
            pub async fn #name(&self, #params_arg #binary_arg) -> crate::Result<#output> {
                let response = crate::client::call(self.rpc(), #wire, #params_value, #binary_value).await?;
                #decode(response)
            }
        }
    }
}

/// A short type name for docs.
fn ty_name(settings: &Settings<'_>, ty: &Ty) -> String {
    let tokens = ty_tokens(&settings.api.model, ty).to_string();
    tokens
        .replace(' ', "")
        .replace(',', ", ")
        .replace(';', "; ")
}
