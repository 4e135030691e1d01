//! `loaders.rs`: the snapshot's loaders and typed `loader_properties`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Settings, doc, named_in, ty_tokens};
use crate::CodegenError;
use crate::model::{Field, Model, Presence, Ty, TypeDef};
use crate::naming::type_ident;

pub(super) fn file(settings: &Settings<'_>) -> TokenStream {
    let runtime = &settings.runtime;
    let model = &settings.api.model;
    let loaders = &settings.api.loaders;
    let mut used = Vec::new();
    for binding in loaders {
        if let Some(ty) = &binding.properties {
            named_in(ty, &mut used);
        }
    }
    let mut imports: Vec<_> = used.iter().map(|id| model.def(*id).name.clone()).collect();
    imports.sort();
    let imports: Vec<_> = imports.iter().map(|name| type_ident(name)).collect();
    let imports = (!imports.is_empty()).then(|| quote!(use super::types::{#(#imports),*};));
    let infos = loaders.iter().map(|binding| {
        let loader = &binding.loader;
        let name = &loader.name;
        // Releases before 3.5 say neither the plugin nor whether bytes can be uploaded.
        let plugin = loader
            .plugin
            .as_ref()
            .map(|plugin| quote!(.with_plugin(#plugin)));
        let binary = loader.binary.map(|binary| quote!(.with_binary(#binary)));
        let extensions = &loader.extensions;
        quote!(LoaderInfo::new(#name, &[#(#extensions),*]) #plugin #binary)
    });
    let variants = loaders.iter().map(|binding| {
        let variant = type_ident(&binding.variant);
        let loader = &binding.loader;
        let mut text = format!("Properties of the loader `{}`", loader.name);
        if let Some(plugin) = &loader.plugin {
            text.push_str(&format!(" ({plugin})"));
        }
        if !loader.extensions.is_empty() {
            text.push_str(&format!(", for {}", loader.extensions.join(", ")));
        }
        text.push('.');
        if binding.properties.is_none() {
            text.push_str("\n\nThe loader takes no properties: sent as `{}`.");
        }
        let doc = doc(&text);
        match &binding.properties {
            Some(ty) => {
                let ty = ty_tokens(model, ty);
                quote!(#doc #variant(#ty),)
            }
            None => quote!(#doc #variant,),
        }
    });
    let name_arms = loaders.iter().map(|binding| {
        let variant = type_ident(&binding.variant);
        let name = &binding.loader.name;
        match binding.properties {
            Some(_) => quote!(Self::#variant(_) => #name,),
            None => quote!(Self::#variant => #name,),
        }
    });
    let json_arms = loaders.iter().map(|binding| {
        let variant = type_ident(&binding.variant);
        match binding.properties {
            Some(_) => quote!(Self::#variant(properties) => serde_json::to_value(properties),),
            None => {
                quote!(Self::#variant => Ok(serde_json::Value::Object(serde_json::Map::new())),)
            }
        }
    });
    // `From` only for a properties type that belongs to one loader.
    let conversions = loaders.iter().filter_map(|binding| {
        let ty = binding.properties.as_ref()?;
        let shared = loaders
            .iter()
            .filter(|other| other.properties.as_ref() == Some(ty))
            .count()
            > 1;
        if shared {
            return None;
        }
        let variant = type_ident(&binding.variant);
        let ty = ty_tokens(model, ty);
        Some(quote! {
            impl From<#ty> for LoaderProperties {
                fn from(properties: #ty) -> Self {
                    Self::#variant(properties)
                }
            }
        })
    });
    let (name_match, json_match) = if loaders.is_empty() {
        (quote!(match *self {}), quote!(match *self {}))
    } else {
        (
            quote!(match self { #(#name_arms)* }),
            quote!(match self { #(#json_arms)* }),
        )
    };
    quote! {
        //! The loaders of the snapshot (`get-loaders`) and typed `loader_properties`.

        #imports

        pub use #runtime::LoaderInfo;

        /// Every loader of the snapshot, sorted by name.
        pub const LOADERS: &[LoaderInfo] = &[#(#infos),*];

        /// The properties of one loader, typed: what `add-model` and `upload-model` take as
        /// `loader_name` and `loader_properties`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum LoaderProperties {
            #(#variants)*
        }

        impl LoaderProperties {
            /// The loader's name, as `loader_name` takes it.
            pub fn loader_name(&self) -> &'static str {
                #name_match
            }

            /// The properties as the `loader_properties` JSON.
            pub fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
                #json_match
            }
        }

        #(#conversions)*
    }
}

/// For params structs with `loader_name` and `loader_properties`: a constructor taking the
/// other required properties and a [`LoaderProperties`] value.
pub(super) fn constructor(
    model: &Model,
    def: &TypeDef,
    fields: &[Field],
) -> Result<Option<TokenStream>, CodegenError> {
    let is = |field: &Field, wire: &str, ty: &Ty| {
        field.wire == wire && field.ty == *ty && field.presence == Presence::Required
    };
    let has_name = fields.iter().any(|f| is(f, "loader_name", &Ty::String));
    let has_properties = fields.iter().any(|f| is(f, "loader_properties", &Ty::Any));
    if !(has_name && has_properties) {
        return Ok(None);
    }
    let super::types::ConstructorParts {
        arguments,
        argument_names,
        inits,
    } = super::types::constructor_parts(model, fields, |field, ident| match field.wire.as_str() {
        "loader_name" => Some(quote!(#ident: loader.loader_name().to_owned())),
        "loader_properties" => Some(quote!(#ident: loader.to_json()?)),
        _ => None,
    })?;
    let name = type_ident(&def.name);
    let text = format!(
        "Params for `loader`, with {} and every optional property left to its default.\n\n\
         Fails only if the properties cannot be turned into JSON.",
        if argument_names.is_empty() {
            "nothing else".to_owned()
        } else {
            argument_names.join(", ")
        }
    );
    let doc = doc(&text);
    Ok(Some(quote! {
        impl #name {
            #doc
            pub fn new(
                #(#arguments,)*
                loader: &super::loaders::LoaderProperties,
            ) -> Result<Self, serde_json::Error> {
                Ok(Self { #(#inits),* })
            }
        }
    }))
}
