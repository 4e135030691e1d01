//! The schema snapshot the mock serves: what a live instance answers to `registry`,
//! `get-version`, `get-loaders` and `schema`, in the layout of `schemas/3.10.1/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_snapshot.rs"));
}

/// Why a snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// A file of the snapshot could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file of the snapshot is not valid JSON.
    #[error("{path}: invalid JSON: {source}")]
    Json {
        /// The file (relative to the snapshot directory).
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A file has valid JSON of the wrong shape.
    #[error("{path}: {problem}")]
    Shape {
        /// The file (relative to the snapshot directory).
        path: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// One entrypoint of the snapshot (`entrypoints/<method>.json`).
#[derive(Debug)]
pub struct Entrypoint {
    /// Method name.
    pub name: String,
    /// Plugin that registers it ("Core", "Circuit Explorer", ...).
    pub plugin: String,
    /// Whether it is async (progress and cancel).
    pub is_async: bool,
    /// Whether it is deprecated.
    pub deprecated: bool,
    /// JSON schema of its params, `None` when it takes none.
    pub params: Option<Value>,
    /// JSON schema of its result, `None` when it returns `null`.
    pub returns: Option<Value>,
    /// The compact JSON answered by `schema` for this method, keys in file order.
    pub(crate) schema_json: Arc<str>,
}

/// A schema snapshot: the registry, version, loaders and every entrypoint schema.
///
/// Introspection answers are kept as compact JSON in the files' key order, so the mock sends
/// them byte for byte without re-serializing.
#[derive(Debug, Clone)]
pub struct Snapshot {
    inner: Arc<SnapshotData>,
}

#[derive(Debug)]
struct SnapshotData {
    registry: Vec<String>,
    registry_json: Arc<str>,
    version_json: Arc<str>,
    loaders: Value,
    loaders_json: Arc<str>,
    entrypoints: HashMap<String, Arc<Entrypoint>>,
}

impl Snapshot {
    /// The Brayns 3.10.1 snapshot embedded in this crate at compile time.
    pub fn embedded() -> Snapshot {
        Snapshot::from_files(
            embedded::FILES
                .iter()
                .map(|(path, text)| (path.to_string(), text.to_string())),
        )
        .expect("the embedded 3.10.1 snapshot is valid")
    }

    /// Loads a snapshot directory (`registry.json`, `version.json`, `loaders.json` when the
    /// registry has `get-loaders`, `entrypoints/<method>.json` for every method of the registry).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Snapshot, SnapshotError> {
        let dir = dir.as_ref();
        let read = |relative: &str| {
            let path = dir.join(relative);
            std::fs::read_to_string(&path).map_err(|source| SnapshotError::Read { path, source })
        };
        let mut files = Vec::new();
        for name in ["registry.json", "version.json"] {
            files.push((name.to_owned(), read(name)?));
        }
        // Instances older than `get-loaders` have no loaders file.
        if dir.join("loaders.json").exists() {
            files.push(("loaders.json".to_owned(), read("loaders.json")?));
        }
        let registry: Value = parse("registry.json", &files[0].1)?;
        for method in registry_names(&registry)? {
            let relative = format!("entrypoints/{method}.json");
            let text = read(&relative)?;
            files.push((relative, text));
        }
        Snapshot::from_files(files)
    }

    /// Builds a snapshot from (relative path, contents) pairs, as found in a snapshot directory.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Snapshot, SnapshotError> {
        let files: HashMap<String, String> = files.into_iter().collect();
        let get = |name: &str| {
            files.get(name).ok_or_else(|| SnapshotError::Shape {
                path: name.to_owned(),
                problem: "missing file".to_owned(),
            })
        };
        let registry_value = parse("registry.json", get("registry.json")?)?;
        let registry = registry_names(&registry_value)?;
        let version = parse("version.json", get("version.json")?)?;
        // `loaders.json` is required exactly when the registry has `get-loaders`; without it
        // the mock plays an instance older than that method, and accepts any loader name.
        let loaders = if registry.iter().any(|method| method == "get-loaders") {
            parse("loaders.json", get("loaders.json")?)?
        } else {
            Value::Null
        };
        let mut entrypoints = HashMap::new();
        for method in &registry {
            let path = format!("entrypoints/{method}.json");
            let schema = parse(&path, get(&path)?)?;
            let entrypoint = entrypoint(method, &path, &schema)?;
            entrypoints.insert(method.clone(), Arc::new(entrypoint));
        }
        Ok(Snapshot {
            inner: Arc::new(SnapshotData {
                registry_json: compact(&registry_value),
                registry,
                version_json: compact(&version),
                loaders_json: compact(&loaders),
                loaders,
                entrypoints,
            }),
        })
    }

    /// Method names in registry order.
    pub fn methods(&self) -> &[String] {
        &self.inner.registry
    }

    /// One entrypoint by method name.
    pub fn entrypoint(&self, method: &str) -> Option<&Arc<Entrypoint>> {
        self.inner.entrypoints.get(method)
    }

    /// Every entrypoint, in registry order.
    pub fn entrypoints(&self) -> impl Iterator<Item = &Arc<Entrypoint>> {
        self.inner
            .registry
            .iter()
            .filter_map(|name| self.inner.entrypoints.get(name))
    }

    /// The loaders (`get-loaders` result); `null` when the registry has no `get-loaders`.
    pub fn loaders(&self) -> &Value {
        &self.inner.loaders
    }

    pub(crate) fn registry_json(&self) -> &Arc<str> {
        &self.inner.registry_json
    }

    pub(crate) fn version_json(&self) -> &Arc<str> {
        &self.inner.version_json
    }

    pub(crate) fn loaders_json(&self) -> &Arc<str> {
        &self.inner.loaders_json
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot::embedded()
    }
}

fn parse(path: &str, text: &str) -> Result<Value, SnapshotError> {
    serde_json::from_str(text).map_err(|source| SnapshotError::Json {
        path: path.to_owned(),
        source,
    })
}

fn compact(value: &Value) -> Arc<str> {
    Arc::from(value.to_string())
}

fn registry_names(registry: &Value) -> Result<Vec<String>, SnapshotError> {
    let shape = |problem: &str| SnapshotError::Shape {
        path: "registry.json".to_owned(),
        problem: problem.to_owned(),
    };
    let items = registry
        .as_array()
        .ok_or_else(|| shape("expected an array of method names"))?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_owned)
                .ok_or_else(|| shape("expected an array of method names"))
        })
        .collect()
}

fn entrypoint(method: &str, path: &str, schema: &Value) -> Result<Entrypoint, SnapshotError> {
    let shape = |problem: String| SnapshotError::Shape {
        path: path.to_owned(),
        problem,
    };
    let object = schema
        .as_object()
        .ok_or_else(|| shape("expected an object".to_owned()))?;
    let flag = |key: &str| object.get(key).and_then(Value::as_bool).unwrap_or(false);
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    for key in ["params", "returns"] {
        if let Some(value) = object.get(key)
            && !value.is_object()
        {
            return Err(shape(format!("'{key}' must be a JSON schema object")));
        }
    }
    Ok(Entrypoint {
        name: method.to_owned(),
        plugin: text("plugin"),
        is_async: flag("async"),
        deprecated: flag("deprecated"),
        params: object.get("params").cloned(),
        returns: object.get("returns").cloned(),
        schema_json: compact(schema),
    })
}
