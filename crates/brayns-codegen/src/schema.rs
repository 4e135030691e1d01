//! Brayns' JSON Schema dialect, parsed and checked.
//!
//! The server's serializer (`brayns/json/adapters/SchemaAdapter.cpp`) can only emit 16
//! keywords; [`KEYWORDS`] lists them. Anything else (a `$ref`, an `anyOf`, a type array,
//! an object variant in a `oneOf`...) is rejected with the JSON path where it occurs, so a
//! future server that widens the dialect stops the generator instead of being mistranslated.

use serde_json::{Map, Value};

use crate::CodegenError;

/// Every keyword of the dialect.
pub const KEYWORDS: [&str; 16] = [
    "title",
    "description",
    "readOnly",
    "writeOnly",
    "default",
    "type",
    "minimum",
    "maximum",
    "enum",
    "items",
    "minItems",
    "maxItems",
    "properties",
    "required",
    "additionalProperties",
    "oneOf",
];

/// One schema node with its decorations.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) read_only: bool,
    pub(crate) write_only: bool,
    pub(crate) default: Option<Value>,
    pub(crate) kind: Kind,
    /// Where the node is, for error messages (`params.properties.id`).
    pub(crate) path: String,
}

/// What values a node accepts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// No `type` and no `oneOf`: any JSON value.
    Any,
    Null,
    Boolean,
    Integer {
        minimum: Option<f64>,
    },
    Number,
    String,
    /// A string restricted to these values.
    Enum(Vec<String>),
    Array {
        items: Box<Node>,
        min_items: Option<u64>,
        max_items: Option<u64>,
    },
    Object {
        properties: Vec<Property>,
        additional: Additional,
    },
    OneOf(Vec<Node>),
}

/// One property of an object node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Property {
    pub(crate) name: String,
    pub(crate) required: bool,
    pub(crate) node: Node,
}

/// The `additionalProperties` keyword.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Additional {
    /// Absent: the object is open (any extra key).
    Absent,
    /// `false`: a closed object.
    Closed,
    /// `true`: open, like absent.
    Open,
    /// A schema: a map from any key to values of that schema.
    Map(Box<Node>),
}

/// Parses `value` (found at `path` inside `owner`'s answer) as a dialect schema.
pub(crate) fn parse(owner: &str, path: &str, value: &Value) -> Result<Node, CodegenError> {
    Parser { owner }.node(path, value)
}

struct Parser<'a> {
    owner: &'a str,
}

impl Parser<'_> {
    fn error(&self, path: &str, problem: impl Into<String>) -> CodegenError {
        CodegenError::schema(self.owner, path, problem)
    }

    fn node(&self, path: &str, value: &Value) -> Result<Node, CodegenError> {
        let Value::Object(map) = value else {
            return Err(self.error(path, "a schema must be a JSON object"));
        };
        if let Some(key) = map.keys().find(|key| !KEYWORDS.contains(&key.as_str())) {
            return Err(self.error(
                path,
                format!("keyword `{key}` is outside the Brayns schema dialect"),
            ));
        }
        let kind = self.kind(path, map)?;
        if let Some(key) = self.misplaced(map, &kind) {
            return Err(self.error(path, format!("keyword `{key}` does not apply here")));
        }
        Ok(Node {
            title: self.string(path, map, "title")?,
            description: self.string(path, map, "description")?,
            read_only: self.flag(path, map, "readOnly")?,
            write_only: self.flag(path, map, "writeOnly")?,
            default: map.get("default").cloned(),
            kind,
            path: path.to_owned(),
        })
    }

    fn kind(&self, path: &str, map: &Map<String, Value>) -> Result<Kind, CodegenError> {
        if let Some(variants) = map.get("oneOf") {
            if map.contains_key("type") {
                return Err(self.error(path, "`oneOf` next to `type` is not supported"));
            }
            let Value::Array(variants) = variants else {
                return Err(self.error(path, "`oneOf` must be an array"));
            };
            if variants.is_empty() {
                return Err(self.error(path, "`oneOf` has no variants"));
            }
            let mut nodes = Vec::with_capacity(variants.len());
            for (index, variant) in variants.iter().enumerate() {
                let variant_path = format!("{path}.oneOf[{index}]");
                let node = self.node(&variant_path, variant)?;
                if !matches!(
                    node.kind,
                    Kind::Null | Kind::Boolean | Kind::Integer { .. } | Kind::Number | Kind::String
                ) {
                    return Err(self.error(
                        &variant_path,
                        "only primitive `oneOf` variants (null, boolean, integer, number, string) are supported",
                    ));
                }
                if nodes
                    .iter()
                    .any(|other: &Node| same_primitive(&other.kind, &node.kind))
                {
                    return Err(self.error(&variant_path, "two `oneOf` variants of the same type"));
                }
                nodes.push(node);
            }
            return Ok(Kind::OneOf(nodes));
        }
        let Some(kind) = map.get("type") else {
            return Ok(Kind::Any);
        };
        let Value::String(kind) = kind else {
            return Err(self.error(path, "`type` must be a single type name"));
        };
        Ok(match kind.as_str() {
            "null" => Kind::Null,
            "boolean" => Kind::Boolean,
            "integer" => Kind::Integer {
                minimum: self.number(path, map, "minimum")?,
            },
            "number" => Kind::Number,
            "string" => match map.get("enum") {
                None => Kind::String,
                Some(Value::Array(values)) => {
                    let mut names = Vec::with_capacity(values.len());
                    for value in values {
                        let Value::String(name) = value else {
                            return Err(self.error(path, "`enum` values must be strings"));
                        };
                        if names.contains(name) {
                            return Err(self.error(path, format!("`enum` lists `{name}` twice")));
                        }
                        names.push(name.clone());
                    }
                    if names.is_empty() {
                        return Err(self.error(path, "`enum` is empty"));
                    }
                    Kind::Enum(names)
                }
                Some(_) => return Err(self.error(path, "`enum` must be an array")),
            },
            "array" => {
                let Some(items) = map.get("items") else {
                    return Err(self.error(path, "an array schema needs `items`"));
                };
                Kind::Array {
                    items: Box::new(self.node(&format!("{path}.items"), items)?),
                    min_items: self.count(path, map, "minItems")?,
                    max_items: self.count(path, map, "maxItems")?,
                }
            }
            "object" => self.object(path, map)?,
            other => return Err(self.error(path, format!("unknown type `{other}`"))),
        })
    }

    fn object(&self, path: &str, map: &Map<String, Value>) -> Result<Kind, CodegenError> {
        let required: Vec<String> = match map.get("required") {
            None => Vec::new(),
            Some(Value::Array(names)) => names
                .iter()
                .map(|name| match name {
                    Value::String(name) => Ok(name.clone()),
                    _ => Err(self.error(path, "`required` must list property names")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(self.error(path, "`required` must be an array")),
        };
        let mut properties = Vec::new();
        match map.get("properties") {
            None => {}
            Some(Value::Object(entries)) => {
                for (name, schema) in entries {
                    properties.push(Property {
                        name: name.clone(),
                        required: required.contains(name),
                        node: self.node(&format!("{path}.properties.{name}"), schema)?,
                    });
                }
            }
            Some(_) => return Err(self.error(path, "`properties` must be an object")),
        }
        if let Some(name) = required
            .iter()
            .find(|name| !properties.iter().any(|property| &property.name == *name))
        {
            return Err(self.error(
                path,
                format!("`required` names `{name}`, which is not a property"),
            ));
        }
        let additional = match map.get("additionalProperties") {
            None => Additional::Absent,
            Some(Value::Bool(false)) => Additional::Closed,
            Some(Value::Bool(true)) => Additional::Open,
            Some(schema @ Value::Object(_)) => Additional::Map(Box::new(
                self.node(&format!("{path}.additionalProperties"), schema)?,
            )),
            Some(_) => {
                return Err(
                    self.error(path, "`additionalProperties` must be a boolean or a schema")
                );
            }
        };
        if matches!(additional, Additional::Map(_)) && !properties.is_empty() {
            return Err(self.error(
                path,
                "an object with both `properties` and an `additionalProperties` schema is not supported",
            ));
        }
        Ok(Kind::Object {
            properties,
            additional,
        })
    }

    /// A keyword that exists in the dialect but not for this kind of node.
    fn misplaced(&self, map: &Map<String, Value>, kind: &Kind) -> Option<&'static str> {
        let allowed: &[&str] = match kind {
            Kind::Integer { .. } | Kind::Number => &["minimum", "maximum"],
            Kind::Enum(_) => &["enum"],
            Kind::Array { .. } => &["items", "minItems", "maxItems"],
            Kind::Object { .. } => &["properties", "required", "additionalProperties"],
            Kind::OneOf(_) => &["oneOf"],
            Kind::Any | Kind::Null | Kind::Boolean | Kind::String => &[],
        };
        const SPECIFIC: [&str; 10] = [
            "minimum",
            "maximum",
            "enum",
            "items",
            "minItems",
            "maxItems",
            "properties",
            "required",
            "additionalProperties",
            "oneOf",
        ];
        SPECIFIC
            .into_iter()
            .find(|key| map.contains_key(*key) && !allowed.contains(key))
    }

    /// The member `key` of `map` read by `read`, `None` when absent; an error naming
    /// `expected` (`"a string"`) when present with another type.
    fn member<T>(
        &self,
        path: &str,
        map: &Map<String, Value>,
        key: &str,
        expected: &str,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Result<Option<T>, CodegenError> {
        map.get(key)
            .map(|value| {
                read(value).ok_or_else(|| self.error(path, format!("`{key}` must be {expected}")))
            })
            .transpose()
    }

    fn string(
        &self,
        path: &str,
        map: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<String>, CodegenError> {
        self.member(path, map, key, "a string", |value| {
            value.as_str().map(str::to_owned)
        })
    }

    fn flag(&self, path: &str, map: &Map<String, Value>, key: &str) -> Result<bool, CodegenError> {
        Ok(self
            .member(path, map, key, "a boolean", Value::as_bool)?
            .unwrap_or(false))
    }

    fn number(
        &self,
        path: &str,
        map: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<f64>, CodegenError> {
        self.member(path, map, key, "a number", Value::as_f64)
    }

    fn count(
        &self,
        path: &str,
        map: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<u64>, CodegenError> {
        self.member(path, map, key, "a non-negative integer", Value::as_u64)
    }
}

fn same_primitive(a: &Kind, b: &Kind) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}
