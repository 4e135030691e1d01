//! What the generator needs from a snapshot folder (`version.json`, `registry.json`,
//! `loaders.json` when present, `entrypoints/<method>.json`), read with `brayns-snapshot`.

use std::path::{Path, PathBuf};

use brayns_snapshot::Version;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::CodegenError;

/// One entrypoint's `schema` answer.
#[derive(Debug, Clone)]
pub(crate) struct Entrypoint {
    pub(crate) method: String,
    pub(crate) plugin: String,
    pub(crate) description: String,
    pub(crate) is_async: bool,
    /// Absent before 3.1: treated as not deprecated.
    pub(crate) deprecated: bool,
    pub(crate) params: Option<Value>,
    pub(crate) returns: Option<Value>,
}

/// One `get-loaders` item.
#[derive(Debug, Clone)]
pub(crate) struct Loader {
    pub(crate) name: String,
    /// Absent before 3.5.
    pub(crate) plugin: Option<String>,
    pub(crate) extensions: Vec<String>,
    /// Absent before 3.5.
    pub(crate) binary: Option<bool>,
    pub(crate) schema: Value,
}

/// The snapshot's answers as compact JSON text (keys in the server's order), to embed
/// them in the bindings.
#[derive(Debug, Clone)]
pub(crate) struct Texts {
    /// `version.json`.
    pub(crate) version: String,
    /// `registry.json`, sorted.
    pub(crate) registry: String,
    /// `loaders.json`, when the snapshot has one.
    pub(crate) loaders: Option<String>,
    /// `(method, entrypoints/<method>.json)`, sorted by method.
    pub(crate) entrypoints: Vec<(String, String)>,
}

/// A snapshot, as the generator needs it.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) version: Version,
    pub(crate) texts: Texts,
    /// Sorted by method name.
    pub(crate) entrypoints: Vec<Entrypoint>,
    /// Sorted by loader name; empty when the snapshot has no `loaders.json`.
    pub(crate) loaders: Vec<Loader>,
}

impl Snapshot {
    /// Reads a snapshot folder with `brayns-snapshot` (the one definition of the layout), then
    /// parses what the generator needs.
    pub(crate) fn load(dir: &Path) -> Result<Self, CodegenError> {
        let snapshot = brayns_snapshot::Snapshot::load(dir).map_err(|error| match error {
            brayns_snapshot::SnapshotError::Io { path, source } => CodegenError::io(path, source),
            other => CodegenError::snapshot(dir, other.to_string()),
        })?;
        let parse = |path: PathBuf, raw: &RawValue| {
            serde_json::from_str::<Value>(raw.get())
                .map_err(|error| CodegenError::snapshot(path, error.to_string()))
        };
        let registry: Vec<&str> = snapshot.methods().collect();
        let mut texts = Texts {
            version: compact(&parse(dir.join("version.json"), snapshot.version_json())?),
            registry: compact(&Value::from(registry.clone())),
            loaders: None,
            entrypoints: Vec::with_capacity(registry.len()),
        };
        let mut entrypoints = Vec::with_capacity(registry.len());
        for method in registry {
            let path = dir.join("entrypoints").join(format!("{method}.json"));
            let raw = snapshot
                .entrypoint(method)
                .ok_or_else(|| CodegenError::snapshot(&path, "missing"))?;
            let json = parse(path.clone(), raw)?;
            texts.entrypoints.push((method.to_owned(), compact(&json)));
            entrypoints.push(entrypoint(method.to_owned(), json, &path)?);
        }
        let mut loaders = match snapshot.loaders() {
            Some(raw) => {
                let loaders_path = dir.join("loaders.json");
                let json = parse(loaders_path.clone(), raw)?;
                texts.loaders = Some(compact(&json));
                let Value::Array(items) = json else {
                    return Err(CodegenError::snapshot(
                        loaders_path,
                        "expected an array of loaders",
                    ));
                };
                items
                    .into_iter()
                    .map(|item| loader(item, &loaders_path))
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => Vec::new(),
        };
        loaders.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            version: snapshot.version().clone(),
            texts,
            entrypoints,
            loaders,
        })
    }
}

/// JSON text without white space; `serde_json`'s `preserve_order` keeps the keys in the
/// file's order.
fn compact(json: &Value) -> String {
    json.to_string()
}

fn entrypoint(method: String, json: Value, path: &Path) -> Result<Entrypoint, CodegenError> {
    let Value::Object(mut map) = json else {
        return Err(CodegenError::snapshot(path, "expected an object"));
    };
    let text = |map: &serde_json::Map<String, Value>, key: &str| match map.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        None => Ok(String::new()),
        Some(_) => Err(CodegenError::snapshot(
            path,
            format!("`{key}` is not a string"),
        )),
    };
    let flag = |map: &serde_json::Map<String, Value>, key: &str| match map.get(key) {
        Some(Value::Bool(flag)) => Ok(*flag),
        None => Ok(false),
        Some(_) => Err(CodegenError::snapshot(
            path,
            format!("`{key}` is not a boolean"),
        )),
    };
    let plugin = text(&map, "plugin")?;
    let plugin = if plugin.is_empty() {
        "Core".to_owned()
    } else {
        plugin
    };
    Ok(Entrypoint {
        description: text(&map, "description")?,
        is_async: flag(&map, "async")?,
        deprecated: flag(&map, "deprecated")?,
        params: map.remove("params"),
        returns: map.remove("returns"),
        plugin,
        method,
    })
}

fn loader(json: Value, path: &Path) -> Result<Loader, CodegenError> {
    #[derive(Deserialize)]
    struct Raw {
        name: String,
        plugin: Option<String>,
        #[serde(default)]
        extensions: Vec<String>,
        binary: Option<bool>,
        input_parameters_schema: Value,
    }
    let raw: Raw = serde_json::from_value(json)
        .map_err(|error| CodegenError::snapshot(path, format!("a loader: {error}")))?;
    Ok(Loader {
        name: raw.name,
        plugin: raw.plugin,
        extensions: raw.extensions,
        binary: raw.binary,
        schema: raw.input_parameters_schema,
    })
}
