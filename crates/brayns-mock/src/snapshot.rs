//! The schema snapshot the mock serves: what a live instance answers to `registry`,
//! `get-version`, `get-loaders` and `schema`, in the layout of `schemas/3.10.1/`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_snapshot.rs"));
}

/// Why a snapshot could not be served.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The files could not be read, or are not a snapshot (see [`brayns_snapshot::Snapshot`]).
    #[error(transparent)]
    Load(#[from] brayns_snapshot::SnapshotError),
    /// A valid snapshot the mock cannot serve.
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
        Snapshot::serving(&brayns_snapshot::Snapshot::load(dir)?)
    }

    /// Builds a snapshot from (relative path, contents) pairs, as found in a snapshot directory.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Snapshot, SnapshotError> {
        let files: BTreeMap<String, String> = files.into_iter().collect();
        let get = |name: &str| {
            files
                .get(name)
                .map(String::as_str)
                .ok_or_else(|| SnapshotError::Shape {
                    path: name.to_owned(),
                    problem: "missing file".to_owned(),
                })
        };
        let entrypoints = files.iter().filter_map(|(path, text)| {
            let method = path.strip_prefix("entrypoints/")?.strip_suffix(".json")?;
            Some((method, text.as_str()))
        });
        let snapshot = brayns_snapshot::Snapshot::from_texts(
            get("version.json")?,
            get("registry.json")?,
            files.get("loaders.json").map(String::as_str),
            entrypoints,
        )?;
        Snapshot::serving(&snapshot)
    }

    /// Serves what `snapshot` holds (a folder loaded or fetched with `brayns-snapshot`, or an
    /// SDK's compiled-in one).
    pub fn serving(snapshot: &brayns_snapshot::Snapshot) -> Result<Snapshot, SnapshotError> {
        let registry: Vec<String> = snapshot.methods().map(str::to_owned).collect();
        // `loaders.json` is required exactly when the registry has `get-loaders`; without it
        // the mock plays an instance older than that method, and accepts any loader name.
        let loaders = if registry.iter().any(|method| method == "get-loaders") {
            let loaders = snapshot.loaders().ok_or_else(|| SnapshotError::Shape {
                path: "loaders.json".to_owned(),
                problem: "missing file (the registry has get-loaders)".to_owned(),
            })?;
            parse("loaders.json", loaders)?
        } else {
            Value::Null
        };
        let mut entrypoints = HashMap::new();
        for method in &registry {
            let path = format!("entrypoints/{method}.json");
            let schema = snapshot
                .entrypoint(method)
                .ok_or_else(|| SnapshotError::Shape {
                    path: path.clone(),
                    problem: "missing file".to_owned(),
                })?;
            let entrypoint = entrypoint(method, &path, &parse(&path, schema)?)?;
            entrypoints.insert(method.clone(), Arc::new(entrypoint));
        }
        let version_json = compact(&parse("version.json", snapshot.version_json())?);
        Ok(Snapshot {
            inner: Arc::new(SnapshotData {
                registry_json: compact(&Value::from(registry.clone())),
                registry,
                version_json,
                loaders_json: compact(&loaders),
                loaders,
                entrypoints,
            }),
        })
    }

    /// Method names, sorted (the order of the snapshot's `registry.json`).
    pub fn methods(&self) -> &[String] {
        &self.inner.registry
    }

    /// One entrypoint by method name.
    pub fn entrypoint(&self, method: &str) -> Option<&Arc<Entrypoint>> {
        self.inner.entrypoints.get(method)
    }

    /// Every entrypoint, sorted by method name.
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

/// The value of a snapshot answer; `serde_json`'s `preserve_order` keeps the keys in the
/// server's order.
fn parse(path: &str, raw: &RawValue) -> Result<Value, SnapshotError> {
    serde_json::from_str(raw.get()).map_err(|error| SnapshotError::Shape {
        path: path.to_owned(),
        problem: error.to_string(),
    })
}

fn compact(value: &Value) -> Arc<str> {
    Arc::from(value.to_string())
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
