//! Schema `default` values as Rust expressions.
//!
//! A field with a default is a plain `T` filled with that value when absent, so that
//! decoding `{}` and `Default::default()` give what the server assumes. A default that is
//! the type's own zero (`false`, `0`, `""`, `[]`, `{}` of a defaultable struct) uses
//! `#[serde(default)]`; any other gets a generated function.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::CodegenError;
use crate::model::{DefKind, Field, Model, Presence, Ty};
use crate::naming::{field_idents, type_ident, variant_names};

/// Builds default expressions, reporting errors at the field's schema path.
pub(crate) struct Defaults<'a> {
    pub(crate) model: &'a Model,
    pub(crate) origin: &'a (String, String),
}

impl Defaults<'_> {
    fn error(&self, problem: impl Into<String>) -> CodegenError {
        CodegenError::schema(&self.origin.0, &self.origin.1, problem)
    }

    /// `value` as an expression of type `ty`.
    pub(crate) fn expr(&self, ty: &Ty, value: &Value) -> Result<TokenStream, CodegenError> {
        let mismatch = || self.error(format!("default `{value}` does not fit its type"));
        Ok(match (ty, value) {
            (Ty::Any, _) => {
                if value.is_null() {
                    quote!(serde_json::Value::Null)
                } else {
                    let text = value.to_string();
                    quote!(serde_json::from_str(#text).unwrap_or_default())
                }
            }
            (Ty::Bool, Value::Bool(flag)) => quote!(#flag),
            (Ty::I64, Value::Number(number)) => {
                let number = number.as_i64().ok_or_else(mismatch)?;
                let literal = Literal::i64_unsuffixed(number);
                quote!(#literal)
            }
            (Ty::U64, Value::Number(number)) => {
                let literal = Literal::u64_unsuffixed(number.as_u64().ok_or_else(mismatch)?);
                quote!(#literal)
            }
            (Ty::F64, Value::Number(number)) => {
                let literal = Literal::f64_unsuffixed(number.as_f64().ok_or_else(mismatch)?);
                quote!(#literal)
            }
            (Ty::String, Value::String(text)) => quote!(String::from(#text)),
            (Ty::Array(item, len), Value::Array(items)) if items.len() == *len => {
                let items = items
                    .iter()
                    .map(|value| self.expr(item, value))
                    .collect::<Result<Vec<_>, _>>()?;
                quote!([#(#items),*])
            }
            (Ty::Vec(item), Value::Array(items)) => {
                let items = items
                    .iter()
                    .map(|value| self.expr(item, value))
                    .collect::<Result<Vec<_>, _>>()?;
                quote!(vec![#(#items),*])
            }
            (Ty::Map(item), Value::Object(entries)) => {
                let entries = entries
                    .iter()
                    .map(|(key, value)| {
                        let value = self.expr(item, value)?;
                        Ok(quote!((String::from(#key), #value)))
                    })
                    .collect::<Result<Vec<_>, CodegenError>>()?;
                quote!(std::collections::BTreeMap::from([#(#entries),*]))
            }
            (Ty::OpenObject, Value::Object(entries)) if entries.is_empty() => {
                quote!(serde_json::Map::new())
            }
            (Ty::Named(id), _) => {
                let def = self.model.def(*id);
                let name = type_ident(&def.name);
                match (&def.kind, value) {
                    (DefKind::Enum { values, .. }, Value::String(text)) => {
                        let index = values.iter().position(|v| v == text).ok_or_else(mismatch)?;
                        let variant = type_ident(&variant_names(values)[index]);
                        quote!(#name::#variant)
                    }
                    (DefKind::Struct(fields), Value::Object(given)) => {
                        if let Some(key) = given
                            .keys()
                            .find(|key| !fields.iter().any(|f| &f.wire == *key))
                        {
                            return Err(
                                self.error(format!("default sets unknown property `{key}`"))
                            );
                        }
                        let idents = field_idents(fields.iter().map(|field| field.wire.as_str()));
                        let inits = fields
                            .iter()
                            .zip(idents)
                            .map(|(field, ident)| {
                                let value = match given.get(&field.wire) {
                                    Some(value) if field.presence == Presence::Optional => {
                                        let value = self.expr(&field.ty, value)?;
                                        quote!(Some(#value))
                                    }
                                    Some(value) => self.expr(&field.ty, value)?,
                                    None => Defaults {
                                        model: self.model,
                                        origin: &field.origin,
                                    }
                                    .absent(field)?,
                                };
                                Ok(quote!(#ident: #value))
                            })
                            .collect::<Result<Vec<_>, CodegenError>>()?;
                        quote!(#name { #(#inits),* })
                    }
                    (DefKind::OneOfWithNull(_), Value::Null) => quote!(#name::Null),
                    (DefKind::OneOf(types) | DefKind::OneOfWithNull(types), value) => {
                        let (variant, ty) = types
                            .iter()
                            .map(|ty| (super::types::union_variant(ty), ty))
                            .find(|(_, ty)| fits(ty, value))
                            .ok_or_else(mismatch)?;
                        let value = self.expr(ty, value)?;
                        let variant = type_ident(variant);
                        quote!(#name::#variant(#value))
                    }
                    _ => return Err(mismatch()),
                }
            }
            _ => return Err(mismatch()),
        })
    }

    /// The value of `field` when its property is absent: `None`, its default, or an error
    /// for a required field.
    pub(crate) fn absent(&self, field: &Field) -> Result<TokenStream, CodegenError> {
        match &field.presence {
            Presence::Optional => Ok(quote!(None)),
            Presence::Defaulted(value) => self.expr(&field.ty, value),
            Presence::Required => Err(self.error(format!(
                "a `{{}}` default leaves required property `{}` unset",
                field.wire
            ))),
        }
    }
}

/// Whether a JSON value has the wire type of a union variant.
fn fits(ty: &Ty, value: &Value) -> bool {
    match (ty, value) {
        (Ty::Bool, Value::Bool(_)) | (Ty::String, Value::String(_)) => true,
        (Ty::I64, Value::Number(number)) => number.is_i64(),
        (Ty::U64, Value::Number(number)) => number.is_u64(),
        (Ty::F64, Value::Number(_)) => true,
        _ => false,
    }
}

/// Whether `value` is what `T::default()` gives for `ty`, so `#[serde(default)]` suffices.
pub(crate) fn is_zero(model: &Model, ty: &Ty, value: &Value) -> bool {
    match (ty, value) {
        (Ty::Any, Value::Null) | (Ty::Bool, Value::Bool(false)) => true,
        (Ty::I64 | Ty::U64 | Ty::F64, Value::Number(number)) => number.as_f64() == Some(0.0),
        (Ty::String, Value::String(text)) => text.is_empty(),
        (Ty::Vec(_), Value::Array(items)) => items.is_empty(),
        (Ty::Array(item, len), Value::Array(items)) => {
            items.len() == *len && items.iter().all(|value| is_zero(model, item, value))
        }
        (Ty::Map(_) | Ty::OpenObject, Value::Object(entries)) => entries.is_empty(),
        (Ty::Named(id), Value::Object(entries)) => {
            entries.is_empty()
                && matches!(&model.def(*id).kind, DefKind::Struct(fields) if has_default(fields))
        }
        _ => false,
    }
}

/// Whether a struct with these fields gets `Default`: when none is required.
pub(crate) fn has_default(fields: &[Field]) -> bool {
    fields
        .iter()
        .all(|field| field.presence != Presence::Required)
}

/// Whether `Default` can be derived: every field is `None` or its type's zero.
pub(crate) fn derivable(model: &Model, fields: &[Field]) -> bool {
    fields.iter().all(|field| match &field.presence {
        Presence::Required => false,
        Presence::Optional => true,
        Presence::Defaulted(value) => is_zero(model, &field.ty, value),
    })
}
