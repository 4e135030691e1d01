//! `types.rs`: every named type of the snapshot.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::defaults::{Defaults, derivable, has_default, is_zero};
use super::{Settings, doc, ty_tokens};
use crate::CodegenError;
use crate::model::{DefKind, Field, Model, Presence, Ty, TypeDef};
use crate::naming::{field_idents, snake, type_ident, variant_names};

pub(super) fn file(settings: &Settings<'_>) -> Result<TokenStream, CodegenError> {
    let model = &settings.api.model;
    let runtime = &settings.runtime;
    let mut defs: Vec<&TypeDef> = model.defs.iter().collect();
    defs.sort_by(|a, b| a.name.cmp(&b.name));
    let items = defs
        .into_iter()
        .map(|def| match &def.kind {
            DefKind::Struct(fields) => structure(model, def, fields),
            DefKind::Enum { values, open } => Ok(enumeration(def, values, *open)),
            DefKind::OneOf(types) => Ok(union(model, def, types, false)),
            DefKind::OneOfWithNull(types) => Ok(union(model, def, types, true)),
            DefKind::RequestId => Ok(request_id(runtime, def)),
            DefKind::EngineObject(types) => Ok(engine_object(model, def, types)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quote! {
        //! Every params, result and loader properties type of the snapshot.
        //!
        //! Params types leave out the server's read-only properties; result types keep them
        //! and ignore properties they do not know. Optional properties are `Option`s,
        //! omitted on the wire when `None`; properties with a schema default are plain
        //! values holding that default.

        #(#items)*
    })
}

/// An engine object override: `{"name": <type>, "params": <that type's params>}`, one
/// variant per type, so a misspelled type or params of another type do not compile.
fn engine_object(model: &Model, def: &TypeDef, types: &[(String, Ty)]) -> TokenStream {
    let name = type_ident(&def.name);
    let names: Vec<String> = types.iter().map(|(wire, _)| wire.clone()).collect();
    let variants: Vec<_> = variant_names(&names)
        .iter()
        .map(|v| type_ident(v))
        .collect();
    let arms = types.iter().zip(&variants).map(|((wire, ty), variant)| {
        let ty = ty_tokens(model, ty);
        let text = format!(" The `{wire}` type, with its params.");
        quote! {
            #[doc = #text]
            #[serde(rename = #wire)]
            #variant(#ty),
        }
    });
    let conversions = types
        .iter()
        .zip(&variants)
        .filter_map(|((_, ty), variant)| {
            // One `From` per params type; two types sharing one would conflict.
            let unique = types.iter().filter(|(_, other)| other == ty).count() == 1;
            let ty = ty_tokens(model, ty);
            unique.then(|| {
                quote! {
                    impl From<#ty> for #name {
                        fn from(params: #ty) -> Self {
                            Self::#variant(params)
                        }
                    }
                }
            })
        });
    let kind = def.name.to_lowercase();
    let doc = doc(&format!(
        "A {kind} for one call, of a type this release makes: sent as \
         `{{\"name\": <type>, \"params\": ...}}`, so a misspelled type cannot compile.\n\n\
         Used by {}.",
        def.users
            .iter()
            .map(|user| format!("`{user}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let keep = format!(" Keep the instance's current {kind} (an empty name).");
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "name", content = "params")]
        pub enum #name {
            #(#arms)*
            #[doc = #keep]
            #[serde(rename = "")]
            Current,
        }

        #(#conversions)*
    }
}

/// The transport's request id, under the name the snapshot's title gave it.
fn request_id(runtime: &syn::Path, def: &TypeDef) -> TokenStream {
    let name = type_ident(&def.name);
    let rename = (name != "RequestId").then(|| quote!(as #name));
    quote! {
        /// The id of a request this client sent, as `cancel` takes it: the transport's
        /// request id (`Task::id` gives it). Brayns' schema also allows `null` and strings,
        /// but it only cancels requests of the same connection, whose ids are this
        /// client's integers.
        pub use #runtime::rpc::RequestId #rename;
    }
}

fn type_doc(def: &TypeDef) -> TokenStream {
    let mut text = def
        .description
        .as_deref()
        .map(super::escape_markdown)
        .unwrap_or_else(|| match &def.title {
            Some(title) => format!("The `{title}` object."),
            None => "A value of the Brayns API.".to_owned(),
        });
    let mut users: Vec<String> = def
        .users
        .iter()
        .take(4)
        .map(|user| format!("`{user}`"))
        .collect();
    if def.users.len() > 4 {
        users.push(format!("{} more", def.users.len() - 4));
    }
    text.push_str(&format!("\n\nUsed by {}.", users.join(", ")));
    doc(&text)
}

fn structure(model: &Model, def: &TypeDef, fields: &[Field]) -> Result<TokenStream, CodegenError> {
    let name = type_ident(&def.name);
    let type_doc = type_doc(def);
    let mut default_fns = Vec::new();
    let mut members = Vec::with_capacity(fields.len());
    let mut default_inits = Vec::with_capacity(fields.len());
    let idents = field_idents(fields.iter().map(|field| field.wire.as_str()));
    for (field, ident) in fields.iter().zip(idents) {
        let plain = ident.to_string();
        let rename = (plain.trim_start_matches("r#") != field.wire).then(|| {
            let wire = &field.wire;
            quote!(#[serde(rename = #wire)])
        });
        let ty = ty_tokens(model, &field.ty);
        let defaults = Defaults {
            model,
            origin: &field.origin,
        };
        let (ty, serde) = match &field.presence {
            Presence::Required => (ty, quote!()),
            Presence::Optional => (
                quote!(Option<#ty>),
                quote!(#[serde(default, skip_serializing_if = "Option::is_none")]),
            ),
            Presence::Defaulted(value) if is_zero(model, &field.ty, value) => {
                // Checked for a type mismatch all the same.
                defaults.expr(&field.ty, value)?;
                (ty, quote!(#[serde(default)]))
            }
            Presence::Defaulted(value) => {
                let function = format_ident!(
                    "default_{}_{}",
                    snake(&def.name),
                    plain.trim_start_matches("r#")
                );
                let function_name = function.to_string();
                let expr = defaults.expr(&field.ty, value)?;
                default_fns.push(quote! {
                    fn #function() -> #ty {
                        #expr
                    }
                });
                (ty, quote!(#[serde(default = #function_name)]))
            }
        };
        if has_default(fields) {
            default_inits.push(match &field.presence {
                Presence::Defaulted(value) if !is_zero(model, &field.ty, value) => {
                    let function = format_ident!(
                        "default_{}_{}",
                        snake(&def.name),
                        plain.trim_start_matches("r#")
                    );
                    quote!(#ident: #function())
                }
                Presence::Optional => quote!(#ident: None),
                _ => quote!(#ident: Default::default()),
            });
        }
        let mut text = field
            .description
            .as_deref()
            .map(super::escape_markdown)
            .unwrap_or_else(|| format!("The `{}` property.", field.wire));
        if let Presence::Defaulted(value) = &field.presence {
            text.push_str(&format!("\n\nDefault: `{value}`."));
        }
        if field.read_only {
            text.push_str("\n\nRead-only: set by the server.");
        }
        let doc = doc(&text);
        members.push(quote! {
            #doc
            #rename
            #serde
            pub #ident: #ty,
        });
    }
    let derivable = derivable(model, fields);
    let derive_default = derivable.then(|| quote!(Default,));
    let default_impl = (has_default(fields) && !derivable).then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self { #(#default_inits),* }
                }
            }
        }
    });
    let constructor = match super::loaders::constructor(model, def, fields)? {
        Some(loader_constructor) => Some(loader_constructor),
        None => required_constructor(model, def, fields)?,
    };
    Ok(quote! {
        #type_doc
        #[derive(Debug, Clone, PartialEq, #derive_default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#members)*
        }
        #default_impl
        #constructor
        #(#default_fns)*
    })
}

/// For params structs with required properties (so no `Default`) and optional ones: `new`
/// taking the required ones, every other property left to its default, so users need not
/// spell out ten `None`s to set one field.
fn required_constructor(
    model: &Model,
    def: &TypeDef,
    fields: &[Field],
) -> Result<Option<TokenStream>, CodegenError> {
    let optional = fields
        .iter()
        .any(|field| field.presence != Presence::Required);
    if !def.in_params || has_default(fields) || !optional {
        return Ok(None);
    }
    let ConstructorParts {
        arguments,
        argument_names,
        inits,
    } = constructor_parts(model, fields, |_, _| None)?;
    let name = type_ident(&def.name);
    let text = format!(
        "`{}` with {}, and every optional property left to its default.",
        def.name,
        argument_names.join(", ")
    );
    let doc = doc(&text);
    Ok(Some(quote! {
        impl #name {
            #doc
            pub fn new(#(#arguments),*) -> Self {
                Self { #(#inits),* }
            }
        }
    }))
}

/// What a constructor is made of.
pub(super) struct ConstructorParts {
    /// `name: Type`, one per required field.
    pub(super) arguments: Vec<TokenStream>,
    /// The wire names of those fields, quoted for the docs.
    pub(super) argument_names: Vec<String>,
    /// `name: value`, one per field.
    pub(super) inits: Vec<TokenStream>,
}

/// An argument per required field and every field's initializer (the others at their
/// default); `special` may take over a field's initializer.
pub(super) fn constructor_parts(
    model: &Model,
    fields: &[Field],
    special: impl Fn(&Field, &proc_macro2::Ident) -> Option<TokenStream>,
) -> Result<ConstructorParts, CodegenError> {
    let idents = field_idents(fields.iter().map(|field| field.wire.as_str()));
    let mut arguments = Vec::new();
    let mut argument_names = Vec::new();
    let mut inits = Vec::with_capacity(fields.len());
    for (field, ident) in fields.iter().zip(idents) {
        let init = match (special(field, &ident), &field.presence) {
            (Some(init), _) => init,
            (None, Presence::Required) => {
                let ty = ty_tokens(model, &field.ty);
                arguments.push(quote!(#ident: #ty));
                argument_names.push(format!("`{}`", field.wire));
                quote!(#ident)
            }
            (None, _) => {
                let value = Defaults {
                    model,
                    origin: &field.origin,
                }
                .absent(field)?;
                quote!(#ident: #value)
            }
        };
        inits.push(init);
    }
    Ok(ConstructorParts {
        arguments,
        argument_names,
        inits,
    })
}

/// A string enum. A closed one is `Copy` with a `const` spelling; an open one (see
/// [`DefKind::Enum`]) adds `Unknown(String)`, tried last, which keeps any other value as sent.
fn enumeration(def: &TypeDef, values: &[String], open: bool) -> TokenStream {
    let name = type_ident(&def.name);
    let doc = type_doc(def);
    let names = variant_names(values);
    let variants: Vec<_> = names.iter().map(|v| type_ident(v)).collect();
    let members = values.iter().zip(&variants).map(|(value, variant)| {
        let text = format!(" `{value}`");
        quote! {
            #[doc = #text]
            #[serde(rename = #value)]
            #variant,
        }
    });
    let arms = values
        .iter()
        .zip(&variants)
        .map(|(value, variant)| quote!(Self::#variant => #value,));
    if !open {
        return quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
            pub enum #name {
                #(#members)*
            }

            impl #name {
                /// The value's spelling on the wire.
                pub const fn as_str(self) -> &'static str {
                    match self {
                        #(#arms)*
                    }
                }
            }
        };
    }
    let unknown = type_ident(&crate::naming::unique("Unknown".to_owned(), |taken| {
        names.iter().any(|name| name == taken)
    }));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum #name {
            #(#members)*
            /// A value this SDK's snapshot does not list (a newer Brayns may send one), kept
            /// as sent.
            #[serde(untagged)]
            #unknown(String),
        }

        impl #name {
            /// The value's spelling on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#arms)*
                    Self::#unknown(value) => value,
                }
            }
        }
    }
}

/// The variant name of a union member type.
pub(super) fn union_variant(ty: &Ty) -> &'static str {
    match ty {
        Ty::Bool => "Boolean",
        Ty::I64 | Ty::U64 => "Integer",
        Ty::F64 => "Number",
        _ => "String",
    }
}

fn union(model: &Model, def: &TypeDef, types: &[Ty], nullable: bool) -> TokenStream {
    let name = type_ident(&def.name);
    let doc = type_doc(def);
    let null = nullable.then(|| {
        quote! {
            /// `null`.
            Null,
        }
    });
    let members = types.iter().map(|ty| {
        let variant = type_ident(union_variant(ty));
        let inner = ty_tokens(model, ty);
        let text = format!(" A JSON {}.", union_variant(ty).to_lowercase());
        quote! {
            #[doc = #text]
            #variant(#inner),
        }
    });
    let conversions = types.iter().map(|ty| {
        let variant = type_ident(union_variant(ty));
        let inner = ty_tokens(model, ty);
        let from_str = matches!(ty, Ty::String).then(|| {
            quote! {
                impl From<&str> for #name {
                    fn from(value: &str) -> Self {
                        Self::#variant(value.to_owned())
                    }
                }
            }
        });
        quote! {
            impl From<#inner> for #name {
                fn from(value: #inner) -> Self {
                    Self::#variant(value)
                }
            }
            #from_str
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(untagged)]
        pub enum #name {
            #null
            #(#members)*
        }
        #(#conversions)*
    }
}
