//! The type model: schemas lowered to Rust type shapes, deduplicated structurally.
//!
//! Two schemas become one Rust type exactly when they are equal after removing the
//! decorations of their root (`description`, `readOnly`, `writeOnly`, `default`): those
//! belong to the property that uses the type, not to the type. The title is part of the
//! shape: it is the server's name for the C++ type, so `Phong` and `Matte` stay two types
//! even though their fields are identical, while the thirty `ModelInstance` results are one.
//!
//! Lowering depends on the direction: params types drop `readOnly` properties (the server
//! refuses them), results keep them, so a title used both ways can give two shapes.

use std::collections::HashMap;

use serde_json::Value;

use crate::CodegenError;
use crate::schema::{Additional, Kind, Node, Property};

/// Which way values of a type travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Client to server: method params and loader properties.
    Params,
    /// Server to client: method results.
    Result,
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    /// Free-form JSON: `serde_json::Value`.
    Any,
    Bool,
    I64,
    U64,
    F64,
    String,
    /// `[T; N]`: an array with `minItems == maxItems`.
    Array(Box<Ty>, usize),
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// An object with no declared properties that accepts any: `serde_json::Map`.
    OpenObject,
    Named(TypeId),
}

/// Index of a [`TypeDef`] in [`Model::defs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TypeId(pub(crate) usize);

/// A named Rust type.
#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    /// Filled by [`crate::naming::assign_type_names`].
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) kind: DefKind,
    /// The description at the first place the type is used.
    pub(crate) description: Option<String>,
    /// Where the type was first met; drives its name.
    pub(crate) site: Site,
    /// A params shape that lost `readOnly` properties: named `<Title>Update`.
    pub(crate) dropped_read_only: bool,
    /// Params (or loader properties) carry it: users build values of it.
    pub(crate) in_params: bool,
    /// Methods and loaders using the type, in discovery order, without repeats.
    pub(crate) users: Vec<String>,
}

/// What a named type is.
#[derive(Debug, Clone)]
pub(crate) enum DefKind {
    Struct(Vec<Field>),
    /// A string enum: the exact wire values.
    Enum {
        values: Vec<String>,
        /// Results carry it: it also holds values this snapshot does not list (a newer server
        /// may add some), so they decode instead of failing the whole result.
        open: bool,
    },
    /// An untagged union of primitive types.
    OneOf(Vec<Ty>),
    /// `oneOf` variant `null`, kept apart from `Ty` because only unions can hold it.
    OneOfWithNull(Vec<Ty>),
    /// The id of a JSON-RPC request (`cancel`'s `id`): the transport's own
    /// `rpc::RequestId`, re-exported, not a type of the bindings. The schema allows
    /// `null | integer | string`, but the server only cancels requests of the same
    /// connection, and this client's requests always have integer ids from its counter, so
    /// any other id is one the server would refuse.
    RequestId,
    /// An engine object override (`snapshot`'s `camera`, `renderer`): one variant per type
    /// the release makes, `(name on the wire, its params type)`, written as
    /// `{"name": ..., "params": ...}`, plus the empty name that keeps the current object.
    EngineObject(Vec<(String, Ty)>),
}

/// One struct field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) wire: String,
    pub(crate) ty: Ty,
    pub(crate) presence: Presence,
    pub(crate) description: Option<String>,
    pub(crate) read_only: bool,
    /// `(owner, path)` of the property, for errors found while emitting.
    pub(crate) origin: (String, String),
}

/// Whether a field must be present on the wire.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Presence {
    Required,
    /// `Option<T>`, omitted when `None`.
    Optional,
    /// `T`, filled with this schema default when absent.
    Defaulted(Value),
}

/// Where a named type was first met.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// `UpperCamel` of the method or loader (`AddBoxes`, `BbpLoader`).
    pub(crate) owner: String,
    /// The nearest titled object around the type, as a type name base.
    pub(crate) enclosing: Option<String>,
    /// The property holding the type (through arrays and maps).
    pub(crate) property: Option<String>,
    /// Set when the type is the root of a params, result or loader schema.
    pub(crate) root: Option<Root>,
}

/// Which root a type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    Params,
    Result,
    Loader,
}

/// Every named type of a snapshot.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) defs: Vec<TypeDef>,
    keys: HashMap<String, TypeId>,
    /// The engine object types by the property that carries them (`camera`): an
    /// `EngineObjectData` there is lowered to a typed enum of these.
    engine_objects: HashMap<String, Vec<(String, Ty)>>,
}

/// Where the node being lowered sits.
#[derive(Debug, Clone)]
pub(crate) struct Context<'a> {
    /// The owner as users know it: `add-model`, `loader[BBP loader]`.
    pub(crate) owner_label: &'a str,
    pub(crate) owner: &'a str,
    pub(crate) enclosing: Option<String>,
    pub(crate) property: Option<String>,
    pub(crate) root: Option<Root>,
}

impl Model {
    pub(crate) fn def(&self, id: TypeId) -> &TypeDef {
        &self.defs[id.0]
    }

    /// Makes `EngineObjectData` at `property` the typed enum of `types` (each type's wire
    /// name and params type, lowered from its setter).
    pub(crate) fn set_engine_types(&mut self, property: &str, types: Vec<(String, Ty)>) {
        self.engine_objects.insert(property.to_owned(), types);
    }

    /// Lowers `node` to a type expression, registering the named types it needs.
    pub(crate) fn lower(
        &mut self,
        node: &Node,
        role: Role,
        context: &Context<'_>,
    ) -> Result<Ty, CodegenError> {
        let error = |problem: &str| CodegenError::schema(context.owner_label, &node.path, problem);
        let ty = match &node.kind {
            Kind::Any => Ty::Any,
            Kind::Null => return Err(error("`type: null` is only supported inside `oneOf`")),
            Kind::Boolean => Ty::Bool,
            Kind::Integer { minimum } => {
                if minimum.is_some_and(|minimum| minimum >= 0.0) {
                    Ty::U64
                } else {
                    Ty::I64
                }
            }
            Kind::Number => Ty::F64,
            Kind::String => Ty::String,
            Kind::Enum(values) => {
                let key = format!("enum {:?} {:?}", node.title, values);
                let kind = DefKind::Enum {
                    values: values.clone(),
                    open: false,
                };
                let ty = self.intern(key, node, context, false, kind);
                // One type serves both directions, so an enum any result carries is open.
                if let (Role::Result, Ty::Named(id)) = (role, &ty)
                    && let DefKind::Enum { open, .. } = &mut self.defs[id.0].kind
                {
                    *open = true;
                }
                ty
            }
            Kind::Array {
                items,
                min_items,
                max_items,
            } => {
                let item = self.lower(items, role, &context.nested())?;
                match (min_items, max_items) {
                    // serde implements arrays up to 32 items.
                    (Some(min), Some(max)) if min == max && *max <= 32 => {
                        Ty::Array(Box::new(item), *max as usize)
                    }
                    _ => Ty::Vec(Box::new(item)),
                }
            }
            Kind::Object {
                properties,
                additional,
            } if node.title.as_deref() == Some("EngineObjectData") => {
                match context
                    .property
                    .as_deref()
                    .and_then(|p| self.engine_objects.get(p))
                {
                    Some(types) if !types.is_empty() => {
                        let property = context.property.as_deref().unwrap_or_default();
                        // Named after what it is, `Camera` or `Renderer`, not after the
                        // server's generic `EngineObjectData`.
                        let mut named = node.clone();
                        named.title = Some(crate::naming::camel(property));
                        let kind = DefKind::EngineObject(types.clone());
                        let key = format!("engine {property}");
                        self.intern(key, &named, context, false, kind)
                    }
                    _ => self.lower_object(node, (properties, additional), role, context)?,
                }
            }
            Kind::Object {
                properties,
                additional,
            } => self.lower_object(node, (properties, additional), role, context)?,
            Kind::OneOf(variants) => {
                let mut types = Vec::with_capacity(variants.len());
                let mut nullable = false;
                for variant in variants {
                    if variant.kind == Kind::Null {
                        nullable = true;
                    } else {
                        types.push(self.lower(variant, role, &context.nested())?);
                    }
                }
                // Untagged deserialization tries variants in order: integers before floats.
                types.sort_by_key(|ty| match ty {
                    Ty::Bool => 0,
                    Ty::U64 | Ty::I64 => 1,
                    Ty::F64 => 2,
                    _ => 3,
                });
                let key = format!(
                    "oneOf {:?} {} {:?}",
                    node.title,
                    nullable,
                    types.iter().map(|ty| self.key_of(ty)).collect::<Vec<_>>()
                );
                let kind = if is_request_id(node.title.as_deref(), nullable, &types) {
                    DefKind::RequestId
                } else if nullable {
                    DefKind::OneOfWithNull(types)
                } else {
                    DefKind::OneOf(types)
                };
                self.intern(key, node, context, false, kind)
            }
        };
        Ok(ty)
    }

    /// An object schema: a map, an open object, or a struct of its properties.
    fn lower_object(
        &mut self,
        node: &Node,
        (properties, additional): (&[Property], &Additional),
        role: Role,
        context: &Context<'_>,
    ) -> Result<Ty, CodegenError> {
        Ok(match additional {
            Additional::Map(values) => {
                Ty::Map(Box::new(self.lower(values, role, &context.nested())?))
            }
            Additional::Absent | Additional::Open if properties.is_empty() => Ty::OpenObject,
            Additional::Absent | Additional::Open | Additional::Closed => {
                let enclosing = node.title.as_deref().map(crate::naming::title_base);
                let mut fields = Vec::with_capacity(properties.len());
                let mut dropped_read_only = false;
                for property in properties {
                    if role == Role::Params && property.node.read_only {
                        dropped_read_only = true;
                        continue;
                    }
                    let inner = Context {
                        owner_label: context.owner_label,
                        owner: context.owner,
                        enclosing: enclosing.clone().or_else(|| context.enclosing.clone()),
                        property: Some(property.name.clone()),
                        root: None,
                    };
                    let ty = self.lower(&property.node, role, &inner)?;
                    // The server never sends write-only properties.
                    let write_only_result = role == Role::Result && property.node.write_only;
                    let presence = if property.required && !write_only_result {
                        Presence::Required
                    } else if let Some(default) = &property.node.default {
                        Presence::Defaulted(default.clone())
                    } else {
                        Presence::Optional
                    };
                    fields.push(Field {
                        wire: property.name.clone(),
                        ty,
                        presence,
                        description: property.node.description.clone(),
                        read_only: property.node.read_only,
                        origin: (context.owner_label.to_owned(), property.node.path.clone()),
                    });
                }
                let key = format!(
                    "struct {:?} {} [{}]",
                    node.title,
                    dropped_read_only,
                    fields
                        .iter()
                        .map(|field| format!(
                            "{:?} {:?} {:?} {:?} {}",
                            field.wire,
                            self.key_of(&field.ty),
                            field.presence,
                            field.description,
                            field.read_only
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let ty = self.intern(
                    key,
                    node,
                    context,
                    dropped_read_only,
                    DefKind::Struct(fields),
                );
                if let (Role::Params, Ty::Named(id)) = (role, &ty) {
                    self.defs[id.0].in_params = true;
                }
                ty
            }
        })
    }

    fn intern(
        &mut self,
        key: String,
        node: &Node,
        context: &Context<'_>,
        dropped_read_only: bool,
        kind: DefKind,
    ) -> Ty {
        if let Some(id) = self.keys.get(&key) {
            let def = &mut self.defs[id.0];
            if !def.users.iter().any(|user| user == context.owner_label) {
                def.users.push(context.owner_label.to_owned());
            }
            return Ty::Named(*id);
        }
        let id = TypeId(self.defs.len());
        self.defs.push(TypeDef {
            name: String::new(),
            title: node.title.clone(),
            kind,
            description: node.description.clone(),
            site: Site {
                owner: context.owner.to_owned(),
                enclosing: context.enclosing.clone(),
                property: context.property.clone(),
                root: context.root,
            },
            dropped_read_only,
            in_params: false,
            users: vec![context.owner_label.to_owned()],
        });
        self.keys.insert(key, id);
        Ty::Named(id)
    }

    /// A structural key for a type expression (named types by identity).
    fn key_of(&self, ty: &Ty) -> String {
        match ty {
            Ty::Array(item, len) => format!("[{}; {len}]", self.key_of(item)),
            Ty::Vec(item) => format!("Vec<{}>", self.key_of(item)),
            Ty::Map(value) => format!("Map<{}>", self.key_of(value)),
            Ty::Named(id) => format!("#{}", id.0),
            other => format!("{other:?}"),
        }
    }
}

impl Context<'_> {
    /// The context of a node inside this one (array items, map values, union variants):
    /// same owner, property and root (an untitled item of a root array takes the root's name).
    fn nested(&self) -> Self {
        Self {
            owner_label: self.owner_label,
            owner: self.owner,
            enclosing: self.enclosing.clone(),
            property: self.property.clone(),
            root: self.root,
        }
    }
}

/// Whether a `oneOf` is Brayns' `RequestId`: titled so, and `null | integer | string`, the
/// JSON-RPC id's own shape.
fn is_request_id(title: Option<&str>, nullable: bool, types: &[Ty]) -> bool {
    title == Some("RequestId") && nullable && matches!(types, [Ty::I64 | Ty::U64, Ty::String])
}
