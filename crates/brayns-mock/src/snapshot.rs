//! The schema snapshot the mock serves: what a live instance answers to `registry`,
//! `get-version`, `get-loaders` and `schema`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use brayns_snapshot::{Entrypoint, Loader};
use serde_json::Value;
use serde_json::value::RawValue;

#[rustfmt::skip]
mod embedded;

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

/// A schema snapshot as the mock serves it: the typed snapshot of `brayns-snapshot`, and
/// its introspection answers as compact JSON in the files' key order, so they go out byte
/// for byte without re-serializing.
#[derive(Debug, Clone)]
pub struct Snapshot {
    inner: Arc<SnapshotData>,
}

#[derive(Debug)]
struct SnapshotData {
    snapshot: brayns_snapshot::Snapshot,
    registry: Vec<String>,
    registry_json: Arc<str>,
    version_json: Arc<str>,
    loaders_json: Arc<str>,
    /// Every entrypoint, with its `schema` answer as compact JSON.
    entrypoints: HashMap<String, (Arc<Entrypoint>, Arc<str>)>,
}

impl Snapshot {
    /// The Brayns 3.10.1 snapshot embedded in this crate at compile time (generated from
    /// the workspace's `schemas/3.10.1` by `cargo xtask codegen`).
    pub fn embedded() -> Snapshot {
        let snapshot = embedded::SNAPSHOT
            .load()
            .expect("the generator wrote the embedded snapshot from one that loaded");
        Snapshot::serving(&snapshot).expect("the embedded 3.10.1 snapshot is servable")
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

    /// This snapshot with `edit` applied to the JSON of each of its files (`version.json`,
    /// `registry.json`, `loaders.json`, `entrypoints/<method>.json`, paths with `/`): an
    /// instance unlike any release, for a test of how a client meets it (another version, a
    /// method gone from the registry, a schema with other bounds). The schema files of methods
    /// the edited registry no longer lists are left out.
    pub fn edited(&self, edit: impl Fn(&str, &mut Value)) -> Result<Snapshot, SnapshotError> {
        let mut files = Vec::new();
        for (path, text) in self.snapshot().files()? {
            let path = path.to_string_lossy().replace('\\', "/");
            let mut json: Value =
                serde_json::from_str(&text).map_err(|error| SnapshotError::Shape {
                    path: path.clone(),
                    problem: error.to_string(),
                })?;
            edit(&path, &mut json);
            files.push((path, json));
        }
        let listed: Vec<String> = files
            .iter()
            .find(|(path, _)| path == "registry.json")
            .and_then(|(_, registry)| registry.as_array())
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|method| format!("entrypoints/{method}.json"))
            .collect();
        let files = files
            .into_iter()
            .filter(|(path, _)| !path.starts_with("entrypoints/") || listed.contains(path))
            .map(|(path, json)| (path, json.to_string()));
        Snapshot::from_files(files)
    }

    /// Serves what `snapshot` holds (a folder loaded or fetched with `brayns-snapshot`, or an
    /// SDK's compiled-in one).
    pub fn serving(snapshot: &brayns_snapshot::Snapshot) -> Result<Snapshot, SnapshotError> {
        let registry: Vec<String> = snapshot.methods().map(str::to_owned).collect();
        // Without `loaders.json` the mock knows no loader, so it accepts any loader name and
        // `get-loaders` lists none: the recorded snapshots of Brayns 3.0 to 3.4 have the
        // method but not its answer.
        let loaders_json = match snapshot.loaders_json() {
            Some(loaders) => compact(loaders),
            None => Arc::from("[]"),
        };
        let entrypoints = snapshot
            .entrypoints()
            .map(|entrypoint| {
                let answer = snapshot
                    .entrypoint_json(&entrypoint.method)
                    .map(compact)
                    .unwrap_or_else(|| Arc::from("null"));
                let method = entrypoint.method.clone();
                (method, (Arc::new(entrypoint.clone()), answer))
            })
            .collect();
        Ok(Snapshot {
            inner: Arc::new(SnapshotData {
                registry_json: Arc::from(serde_json::to_string(&registry).unwrap_or_default()),
                registry,
                version_json: compact(snapshot.version_json()),
                loaders_json,
                entrypoints,
                snapshot: snapshot.clone(),
            }),
        })
    }

    /// The typed snapshot served.
    pub fn snapshot(&self) -> &brayns_snapshot::Snapshot {
        &self.inner.snapshot
    }

    /// Method names, sorted (the order of the snapshot's `registry.json`).
    pub fn methods(&self) -> &[String] {
        &self.inner.registry
    }

    /// One entrypoint by method name.
    pub fn entrypoint(&self, method: &str) -> Option<&Arc<Entrypoint>> {
        self.inner
            .entrypoints
            .get(method)
            .map(|(entrypoint, _)| entrypoint)
    }

    /// Every entrypoint, sorted by method name.
    pub fn entrypoints(&self) -> impl Iterator<Item = &Arc<Entrypoint>> {
        self.inner
            .registry
            .iter()
            .filter_map(|name| self.entrypoint(name))
    }

    /// The loaders (`get-loaders`), sorted by name; `None` when the registry has no
    /// `get-loaders`.
    pub fn loaders(&self) -> Option<&[Loader]> {
        self.inner.snapshot.loaders()
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

    /// The `schema` answer of `method`, compact.
    pub(crate) fn schema_json(&self, method: &str) -> Option<&Arc<str>> {
        self.inner.entrypoints.get(method).map(|(_, answer)| answer)
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot::embedded()
    }
}

fn compact(raw: &RawValue) -> Arc<str> {
    Arc::from(brayns_snapshot::compact(raw))
}
