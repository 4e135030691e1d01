//! The snapshot model and its files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use crate::SnapshotError;
use crate::model::{EngineObject, Entrypoint, Loader, Version, parse_version};

const VERSION_FILE: &str = "version.json";
const REGISTRY_FILE: &str = "registry.json";
const LOADERS_FILE: &str = "loaders.json";
const ENTRYPOINTS_DIR: &str = "entrypoints";

/// What one Brayns instance says about itself: its version, its methods and their
/// schemas, and its loaders.
///
/// The answers are kept as the server's JSON text (see the crate docs for why), next to
/// their typed reading ([`Entrypoint`], [`Loader`], [`Version`]), made once when the
/// snapshot is built.
#[derive(Debug, Clone)]
pub struct Snapshot {
    version: Version,
    revision: String,
    version_json: Box<RawValue>,
    loaders: Option<Answered<Vec<Loader>>>,
    /// `schema` answers by method; the keys are the registry, sorted.
    entrypoints: BTreeMap<String, Answered<Entrypoint>>,
}

/// An answer as the server sent it, and what it says.
#[derive(Debug, Clone)]
struct Answered<T> {
    json: Box<RawValue>,
    typed: T,
}

impl Snapshot {
    /// Builds a snapshot from the instance's answers.
    ///
    /// `entrypoints` maps every registered method to its `schema` answer; `loaders` is
    /// `None` for instances without `get-loaders`. Fails when an answer is not what the
    /// protocol says it is.
    pub fn new(
        version_json: Box<RawValue>,
        loaders: Option<Box<RawValue>>,
        entrypoints: BTreeMap<String, Box<RawValue>>,
    ) -> Result<Self, SnapshotError> {
        let (version, revision) = parse_version(&version_json)?;
        let loaders = loaders
            .map(|json| {
                let typed = Loader::parse_all(&json)?;
                Ok::<_, SnapshotError>(Answered { json, typed })
            })
            .transpose()?;
        let entrypoints = entrypoints
            .into_iter()
            .map(|(method, json)| {
                check_method_name(&method)?;
                let typed = Entrypoint::parse(&method, &json)?;
                Ok((method, Answered { json, typed }))
            })
            .collect::<Result<_, SnapshotError>>()?;
        Ok(Self {
            version,
            revision,
            version_json,
            loaders,
            entrypoints,
        })
    }

    /// Builds a snapshot from the text of its files, for snapshots embedded in a binary.
    ///
    /// `entrypoints` yields `(method, schema JSON)` pairs; `registry` must list exactly
    /// those methods.
    pub fn from_texts<'a>(
        version: &str,
        registry: &str,
        loaders: Option<&str>,
        entrypoints: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SnapshotError> {
        let raw = |what: &str, text: &str| {
            RawValue::from_string(text.trim_end().to_owned())
                .map_err(|source| SnapshotError::json(what, source))
        };
        let registry: Vec<String> = serde_json::from_str(registry)
            .map_err(|source| SnapshotError::json(REGISTRY_FILE, source))?;
        let mut schemas = BTreeMap::new();
        for (method, text) in entrypoints {
            schemas.insert(method.to_owned(), raw(method, text)?);
        }
        check_registry(&registry, &schemas)?;
        let loaders = loaders.map(|text| raw(LOADERS_FILE, text)).transpose()?;
        Self::new(raw(VERSION_FILE, version)?, loaders, schemas)
    }

    /// Reads a snapshot folder (`schemas/3.10.1`, say).
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, SnapshotError> {
        let dir = dir.as_ref();
        let read = |path: PathBuf| {
            std::fs::read_to_string(&path).map_err(|source| SnapshotError::io(path, source))
        };
        let version = read(dir.join(VERSION_FILE))?;
        let registry_text = read(dir.join(REGISTRY_FILE))?;
        let registry: Vec<String> = serde_json::from_str(&registry_text).map_err(|source| {
            SnapshotError::json(dir.join(REGISTRY_FILE).display().to_string(), source)
        })?;
        let loaders_path = dir.join(LOADERS_FILE);
        let loaders = if loaders_path.exists() {
            Some(read(loaders_path)?)
        } else {
            None
        };

        let entrypoints_dir = dir.join(ENTRYPOINTS_DIR);
        let mut texts = Vec::with_capacity(registry.len());
        for method in &registry {
            check_method_name(method)?;
            texts.push((
                method.as_str(),
                read(entrypoint_path(&entrypoints_dir, method))?,
            ));
        }
        for file in list_json_files(&entrypoints_dir)? {
            if !registry.contains(&file) {
                return Err(SnapshotError::invalid(
                    entrypoints_dir
                        .join(format!("{file}.json"))
                        .display()
                        .to_string(),
                    "the method is not in registry.json",
                ));
            }
        }
        Self::from_texts(
            &version,
            &registry_text,
            loaders.as_deref(),
            texts.iter().map(|(method, text)| (*method, text.as_str())),
        )
    }

    /// The release the snapshot was taken from.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The source control revision of the build the snapshot was taken from (`747afcdfc`).
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// The `get-version` answer, as the server sent it (with any field [`Version`] leaves out).
    pub fn version_json(&self) -> &RawValue {
        &self.version_json
    }

    /// The registered methods, sorted.
    pub fn methods(&self) -> impl ExactSizeIterator<Item = &str> {
        self.entrypoints.keys().map(String::as_str)
    }

    /// What `method` is, if it is registered.
    pub fn entrypoint(&self, method: &str) -> Option<&Entrypoint> {
        self.entrypoints.get(method).map(|answer| &answer.typed)
    }

    /// Every registered method, sorted by name.
    pub fn entrypoints(&self) -> impl ExactSizeIterator<Item = &Entrypoint> {
        self.entrypoints.values().map(|answer| &answer.typed)
    }

    /// The types of engine objects of `kind` the instance makes, sorted: each type's name
    /// (as `{"name": ...}` takes it) and the method that sets the current object of that
    /// type, whose params are the type's params (`("perspective", set-camera-perspective)`).
    pub fn engine_types(&self, kind: EngineObject) -> Vec<(&str, &Entrypoint)> {
        self.entrypoints()
            .filter_map(|entrypoint| {
                let name = entrypoint.method.strip_prefix(kind.setter_prefix())?;
                (kind.is_type(name) && entrypoint.params.is_some()).then_some((name, entrypoint))
            })
            .collect()
    }

    /// The `schema` answer for `method`, as the server sent it, if it is registered.
    pub fn entrypoint_json(&self, method: &str) -> Option<&RawValue> {
        self.entrypoints.get(method).map(|answer| &*answer.json)
    }

    /// The loaders, sorted by name; `None` for instances without `get-loaders` (before 3.5).
    pub fn loaders(&self) -> Option<&[Loader]> {
        self.loaders.as_ref().map(|answer| answer.typed.as_slice())
    }

    /// The `get-loaders` answer, as the server sent it, if the instance has that method.
    pub fn loaders_json(&self) -> Option<&RawValue> {
        self.loaders.as_ref().map(|answer| &*answer.json)
    }

    /// The snapshot's files: paths relative to the snapshot folder, and their contents.
    pub fn files(&self) -> Result<Vec<(PathBuf, String)>, SnapshotError> {
        let mut files = Vec::with_capacity(self.entrypoints.len() + 3);
        files.push((
            VERSION_FILE.into(),
            pretty(VERSION_FILE, &self.version_json)?,
        ));
        let registry: Vec<&str> = self.methods().collect();
        let registry = serde_json::to_string_pretty(&registry)
            .map_err(|source| SnapshotError::json(REGISTRY_FILE, source))?;
        files.push((REGISTRY_FILE.into(), registry + "\n"));
        if let Some(loaders) = &self.loaders {
            files.push((LOADERS_FILE.into(), pretty(LOADERS_FILE, &loaders.json)?));
        }
        for (method, schema) in &self.entrypoints {
            files.push((
                entrypoint_path(Path::new(ENTRYPOINTS_DIR), method),
                pretty(method, &schema.json)?,
            ));
        }
        Ok(files)
    }

    /// Writes the snapshot into `dir`, creating it, and removes the schema files of
    /// methods the snapshot no longer has, so the folder holds exactly this snapshot.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<(), SnapshotError> {
        let dir = dir.as_ref();
        let entrypoints_dir = dir.join(ENTRYPOINTS_DIR);
        std::fs::create_dir_all(&entrypoints_dir)
            .map_err(|source| SnapshotError::io(&entrypoints_dir, source))?;
        for (path, contents) in self.files()? {
            let path = dir.join(path);
            std::fs::write(&path, contents).map_err(|source| SnapshotError::io(path, source))?;
        }
        if self.loaders.is_none() {
            remove_if_present(&dir.join(LOADERS_FILE))?;
        }
        for file in list_json_files(&entrypoints_dir)? {
            if !self.entrypoints.contains_key(&file) {
                remove_if_present(&entrypoint_path(&entrypoints_dir, &file))?;
            }
        }
        Ok(())
    }
}

/// Fails unless `method` can name its schema file: ASCII letters, digits, `-`, `_` and `.`,
/// not starting with `.`. Brayns' names are all like `add-model`; anything else (`../x`, an
/// absolute path, a control character) would read or write a file outside the snapshot
/// folder, so a registry listing it is refused.
pub(crate) fn check_method_name(method: &str) -> Result<(), SnapshotError> {
    let valid = !method.is_empty()
        && method.len() <= 128
        && !method.starts_with('.')
        && method
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(SnapshotError::invalid(
            REGISTRY_FILE,
            format!(
                "{method:?} is not a method name a snapshot can store \
                 (ASCII letters, digits, '-', '_' and '.', not first)"
            ),
        ))
    }
}

fn entrypoint_path(entrypoints_dir: &Path, method: &str) -> PathBuf {
    entrypoints_dir.join(format!("{method}.json"))
}

fn check_registry(
    registry: &[String],
    schemas: &BTreeMap<String, Box<RawValue>>,
) -> Result<(), SnapshotError> {
    let mut sorted = registry.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != registry.len() {
        return Err(SnapshotError::invalid(
            REGISTRY_FILE,
            "lists a method twice",
        ));
    }
    if let Some(missing) = sorted.iter().find(|method| !schemas.contains_key(*method)) {
        return Err(SnapshotError::invalid(
            REGISTRY_FILE,
            format!("lists '{missing}' but its schema is missing"),
        ));
    }
    if let Some(extra) = schemas.keys().find(|method| !sorted.contains(method)) {
        return Err(SnapshotError::invalid(
            REGISTRY_FILE,
            format!("does not list '{extra}' but its schema is given"),
        ));
    }
    Ok(())
}

/// The method names of the `*.json` files in `dir` (none if `dir` does not exist).
fn list_json_files(dir: &Path) -> Result<Vec<String>, SnapshotError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(SnapshotError::io(dir, error)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| SnapshotError::io(dir, source))?
            .path();
        if path
            .extension()
            .is_some_and(|extension| extension == "json")
            && let Some(stem) = path.file_stem().and_then(|stem| stem.to_str())
        {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn remove_if_present(path: &Path) -> Result<(), SnapshotError> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(SnapshotError::io(path, error))
        }
        _ => Ok(()),
    }
}

/// Re-indents JSON text with two spaces, token by token, so keys stay in the order the
/// server sent them.
fn pretty(what: &str, raw: &RawValue) -> Result<String, SnapshotError> {
    let mut out = Vec::with_capacity(raw.get().len() * 2);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    serde_transcode::transcode(&mut deserializer, &mut serializer)
        .map_err(|source| SnapshotError::json(what, source))?;
    out.push(b'\n');
    String::from_utf8(out).map_err(|error| SnapshotError::invalid(what, error.to_string()))
}

/// JSON text without white space, token by token, so keys stay in the order the server
/// sent them: what a server puts on the wire, and what bindings embed.
pub fn compact(raw: &RawValue) -> String {
    let mut out = Vec::with_capacity(raw.get().len());
    let mut serializer = serde_json::Serializer::new(&mut out);
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    // A `RawValue` holds valid JSON, so re-serializing its tokens cannot fail, and the
    // serializer writes UTF-8 only.
    match serde_transcode::transcode(&mut deserializer, &mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| raw.get().to_owned()),
        Err(_) => raw.get().to_owned(),
    }
}

/// A snapshot compiled into a binary: its answers as compact JSON text constants, which
/// `cargo xtask codegen` writes from a snapshot folder. Nothing is read at run time.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedSnapshot {
    /// `version.json`: the `get-version` answer.
    pub version: &'static str,
    /// `registry.json`: the method names, sorted.
    pub registry: &'static str,
    /// `loaders.json`: the `get-loaders` answer, for instances with that method.
    pub loaders: Option<&'static str>,
    /// `(method, entrypoints/<method>.json)`: every `schema` answer, sorted by method.
    pub entrypoints: &'static [(&'static str, &'static str)],
}

impl EmbeddedSnapshot {
    /// Builds the [`Snapshot`]. Fails only if the constants were edited by hand: the
    /// generator wrote them from a snapshot that loaded.
    pub fn load(&self) -> Result<Snapshot, SnapshotError> {
        Snapshot::from_texts(
            self.version,
            self.registry,
            self.loaders,
            self.entrypoints.iter().copied(),
        )
    }
}
