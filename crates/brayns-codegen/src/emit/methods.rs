//! One module per plugin: the plugin's methods, as inherent methods of the client type.
//!
//! A method builds a `brayns_rpc::Request`, sends it through the runtime's one seam
//! (`Caller::rpc_client`, then `Client::call` or `Client::start_task`, both non-generic) and
//! decodes the `Response`: the only generic code per method is encoding its params and
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
    let blocking = settings.blocking.as_ref().map(|blocking| {
        let (client, feature) = (&blocking.client, &blocking.feature);
        let functions = methods
            .iter()
            .map(|method| blocking_function(settings, blocking, method));
        let doc = format!(" Methods of the {plugin} plugin, blocking.");
        quote! {
            #[cfg(feature = #feature)]
            #[doc = #doc]
            impl #client {
                #(#functions)*
            }
        }
    });
    quote! {
        #![doc = #module_doc]

        #imports

        #[doc = #impl_doc]
        impl #client {
            #(#functions)*
        }

        #blocking
    }
}

/// A method's blocking twin: the same signature without `async`, waiting on the facade's
/// runtime (`seam::Blocking`); a task comes back as the facade's blocking task.
fn blocking_function(
    settings: &Settings<'_>,
    blocking: &super::BlockingSettings,
    method: &Method,
) -> TokenStream {
    let model = &settings.api.model;
    let runtime = &settings.runtime;
    let entry = &method.entry;
    let name = value_ident(&entry.method);
    let params_arg = method.params.as_ref().map(|ty| {
        let ty = match ty {
            Ty::Vec(item) => {
                let item = ty_tokens(model, item);
                quote!([#item])
            }
            other => ty_tokens(model, other),
        };
        quote!(params: &#ty,)
    });
    let binary_arg = (method.binary == BinaryUse::Request).then(|| quote!(data: #runtime::Bytes,));
    let mut arguments = Vec::new();
    if method.params.is_some() {
        arguments.push(quote!(params));
    }
    if method.binary == BinaryUse::Request {
        arguments.push(quote!(data));
    }
    let output = output_type(settings, method);
    let deprecated = entry.deprecated.then(|| {
        let note = match entry.description.trim() {
            "" => "deprecated by Brayns",
            description => description,
        };
        quote!(#[deprecated(note = #note)])
    });
    let call = quote!(#runtime::seam::Blocking::asynchronous(self).#name(#(#arguments),*));
    let text = format!(
        " Calls `{}` and waits: the blocking twin of [`Brayns::{name}`]({}::Brayns::{name}).",
        entry.method,
        quote!(#runtime).to_string().replace(' ', "")
    );
    if entry.is_async {
        let task = &blocking.task;
        quote! {
            #[doc = #text]
            #deprecated
            #[allow(deprecated)]
            pub fn #name(&self, #params_arg #binary_arg) -> #runtime::Result<#task<#output>> {
                Ok(#runtime::seam::Blocking::task(self, #call?))
            }
        }
    } else {
        quote! {
            #[doc = #text]
            #deprecated
            #[allow(deprecated)]
            pub fn #name(&self, #params_arg #binary_arg) -> #runtime::Result<#output> {
                #runtime::seam::Blocking::block_on(self, #call)?
            }
        }
    }
}

/// What a method's call gives: its result, with the reply's bytes where it has some.
fn output_type(settings: &Settings<'_>, method: &Method) -> TokenStream {
    let runtime = &settings.runtime;
    let result = method
        .result
        .as_ref()
        .map(|ty| ty_tokens(&settings.api.model, ty));
    match (method.binary, result) {
        (BinaryUse::Reply, Some(result)) => quote!(#runtime::WithBinary<#result>),
        (BinaryUse::Reply, None) => quote!(#runtime::Bytes),
        (_, Some(result)) => result,
        (_, None) => quote!(()),
    }
}

fn function(settings: &Settings<'_>, method: &Method) -> TokenStream {
    let model = &settings.api.model;
    let entry = &method.entry;
    let wire = &entry.method;
    let name = value_ident(wire);

    let runtime = &settings.runtime;
    let (params_arg, set_params) = match &method.params {
        None => (None, None),
        Some(ty) => {
            // Arrays (the `add-*` methods' primitives, up to millions of them) go to the
            // request unserialized, so large ones are serialized on several threads.
            let (ty, set) = match ty {
                Ty::Vec(item) => {
                    let item = ty_tokens(model, item);
                    (quote!([#item]), quote!(.params_array(params)?))
                }
                other => (ty_tokens(model, other), quote!(.params(params)?)),
            };
            (Some(quote!(params: &#ty,)), Some(set))
        }
    };
    let (binary_arg, set_binary) = match method.binary {
        BinaryUse::Request => (
            Some(quote!(data: #runtime::Bytes,)),
            Some(quote!(.binary(data))),
        ),
        _ => (None, None),
    };
    let request = quote!(#runtime::rpc::Request::new(#wire) #set_params #set_binary);
    let result = method.result.as_ref().map(|ty| ty_tokens(model, ty));
    let (output, decode) = match (method.binary, &result) {
        (BinaryUse::Reply, Some(result)) => (
            quote!(#runtime::WithBinary<#result>),
            quote!({
                let result = response.decode()?;
                Ok(#runtime::WithBinary { result, binary: response.into_binary() })
            }),
        ),
        (BinaryUse::Reply, None) => (quote!(#runtime::Bytes), quote!(Ok(response.into_binary()))),
        (_, Some(result)) => (quote!(#result), quote!(Ok(response.decode()?))),
        (_, None) => (
            quote!(()),
            quote!({
                // The server sends `null`: nothing to decode.
                drop(response);
                Ok(())
            }),
        ),
    };
    let client = quote!(#runtime::seam::Caller::rpc_client(self));

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
            pub fn #name(&self, #params_arg #binary_arg) -> #runtime::Result<#runtime::Task<#output>> {
                let task = #client.start_task(#request)?;
                Ok(#runtime::Task::new(task, |response| #decode))
            }
        }
    } else {
        let doc = doc(&text);
        quote! {
            #doc
            #deprecated
            pub async fn #name(&self, #params_arg #binary_arg) -> #runtime::Result<#output> {
                let response = #client.call(#request).await?;
                #decode
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
