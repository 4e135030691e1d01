//! The typed view of a snapshot's answers: releases, entrypoints and loaders.
//!
//! Every crate that needs to know what a method is (the generator, the mock, the SDK) reads
//! these types; none of them parses a `schema` or `get-loaders` answer on its own.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::SnapshotError;

/// A Brayns release, `major.minor.patch`: the one version type of the project.
///
/// The SDK targets one ([`Snapshot::version`](crate::Snapshot::version)), an instance
/// reports one (`get-version`), a snapshot folder is named after one (`schemas/3.10.1`).
/// The build's source control revision is kept apart
/// ([`Snapshot::revision`](crate::Snapshot::revision)): two builds of one release are the
/// same release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub struct Version {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
}

impl Version {
    /// `major.minor.patch`.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Whether `other` has the same major and minor numbers (Brayns keeps its schemas
    /// within a minor release).
    pub const fn same_minor(self, other: Version) -> bool {
        self.major == other.major && self.minor == other.minor
    }
}

impl fmt::Display for Version {
    /// `major.minor.patch`: the name of the snapshot's folder.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a text is not a `major.minor.patch` release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a release (expected major.minor.patch, such as 3.10.1)")]
pub struct ParseVersionError {
    text: String,
}

impl FromStr for Version {
    type Err = ParseVersionError;

    /// Parses `3.10.1`; build metadata (`3.10.1+sdk.2`) is ignored, as SemVer does.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseVersionError {
            text: text.to_owned(),
        };
        let release = text.split('+').next().unwrap_or(text);
        let mut parts = release.split('.').map(|part| {
            // `u64::from_str` takes a leading `+`; a release number never has one.
            if part.bytes().all(|byte| byte.is_ascii_digit()) {
                part.parse::<u64>().ok()
            } else {
                None
            }
        });
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Some(major)), Some(Some(minor)), Some(Some(patch)), None) => {
                Ok(Self::new(major, minor, patch))
            }
            _ => Err(error()),
        }
    }
}

/// One method, as its `schema` answer describes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Entrypoint {
    /// The method's wire name (`get-version`).
    pub method: String,
    /// The plugin registering it (`Core`, `Circuit Explorer`...).
    pub plugin: String,
    /// What the method does, in the server's words.
    pub description: String,
    /// Whether it runs as a task, with progress and cancel.
    pub is_async: bool,
    /// Whether the server marks it deprecated (releases before 3.1 never do).
    pub deprecated: bool,
    /// The JSON Schema of its params; `None` when it takes none.
    pub params: Option<Value>,
    /// The JSON Schema of its result; `None` when it returns `null`.
    pub returns: Option<Value>,
}

impl Entrypoint {
    /// Reads a `schema` answer. Fails on a member of the wrong type; members a newer
    /// server may add are ignored.
    pub(crate) fn parse(method: &str, answer: &RawValue) -> Result<Self, SnapshotError> {
        let what = || format!("schema of '{method}'");
        let object: Map<String, Value> = serde_json::from_str(answer.get()).map_err(|error| {
            SnapshotError::invalid(what(), format!("expected an object: {error}"))
        })?;
        let text = |key: &str| match object.get(key) {
            None => Ok(String::new()),
            Some(Value::String(text)) => Ok(text.clone()),
            Some(_) => Err(SnapshotError::invalid(
                what(),
                format!("`{key}` is not a string"),
            )),
        };
        let flag = |key: &str| match object.get(key) {
            None => Ok(false),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(_) => Err(SnapshotError::invalid(
                what(),
                format!("`{key}` is not a boolean"),
            )),
        };
        let schema = |key: &str| match object.get(key) {
            None => Ok(None),
            Some(schema @ Value::Object(_)) => Ok(Some(schema.clone())),
            Some(_) => Err(SnapshotError::invalid(
                what(),
                format!("`{key}` is not a JSON Schema object"),
            )),
        };
        Ok(Self {
            method: method.to_owned(),
            plugin: text("plugin")?,
            description: text("description")?,
            is_async: flag("async")?,
            deprecated: flag("deprecated")?,
            params: schema("params")?,
            returns: schema("returns")?,
        })
    }
}

/// The kinds of engine objects `snapshot` and `export-gbuffers` take as per-call
/// overrides (`{"name": <type>, "params": ...}`), each made by a factory of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineObject {
    /// A camera: `perspective`, `orthographic`, `cylindric`...
    Camera,
    /// A renderer: `interactive`, `production`...
    Renderer,
}

impl EngineObject {
    /// The property that carries it in `snapshot` and `export-gbuffers` params.
    pub const fn property(self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Renderer => "renderer",
        }
    }

    /// The prefix of the methods that set the current object of this kind, one per type
    /// (`set-camera-perspective` sets a `perspective` camera).
    pub const fn setter_prefix(self) -> &'static str {
        match self {
            Self::Camera => "set-camera-",
            Self::Renderer => "set-renderer-",
        }
    }

    /// The `set-camera-*` methods that change a setting every camera shares rather than
    /// making a camera of a type: their names are not camera types.
    const CAMERA_SETTINGS: [&'static str; 3] = ["view", "near-clip", "region"];

    /// Whether `suffix` (what follows the setter prefix) names a type of this kind.
    pub(crate) fn is_type(self, suffix: &str) -> bool {
        match self {
            Self::Camera => !Self::CAMERA_SETTINGS.contains(&suffix),
            Self::Renderer => true,
        }
    }
}

/// One loader, as `get-loaders` describes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Loader {
    /// The name `add-model` takes as `loader_name`.
    pub name: String,
    /// The plugin providing it; `None` before Brayns 3.5, which did not say.
    pub plugin: Option<String>,
    /// The file extensions (or whole file names) it reads.
    pub extensions: Vec<String>,
    /// Whether it reads uploaded bytes; `None` before Brayns 3.5, which did not say.
    pub binary: Option<bool>,
    /// The JSON Schema of its `loader_properties`.
    pub properties: Value,
}

impl Loader {
    /// Reads a `get-loaders` answer, sorted by loader name.
    pub(crate) fn parse_all(answer: &RawValue) -> Result<Vec<Self>, SnapshotError> {
        #[derive(Deserialize)]
        struct Item {
            name: String,
            plugin: Option<String>,
            #[serde(default)]
            extensions: Vec<String>,
            binary: Option<bool>,
            #[serde(default)]
            input_parameters_schema: Value,
        }
        let items: Vec<Item> = serde_json::from_str(answer.get()).map_err(|error| {
            SnapshotError::invalid(
                "get-loaders",
                format!("expected an array of loader objects: {error}"),
            )
        })?;
        let mut loaders: Vec<Self> = items
            .into_iter()
            .map(|item| Self {
                name: item.name,
                plugin: item.plugin,
                extensions: item.extensions,
                binary: item.binary,
                properties: item.input_parameters_schema,
            })
            .collect();
        loaders.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(loaders)
    }
}

/// The `get-version` answer: the release and the build's revision.
pub(crate) fn parse_version(answer: &RawValue) -> Result<(Version, String), SnapshotError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(flatten)]
        version: Version,
        #[serde(default)]
        revision: String,
    }
    let answer: Answer = serde_json::from_str(answer.get())
        .map_err(|source| SnapshotError::json("get-version", source))?;
    Ok((answer.version, answer.revision))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_compare_and_print() {
        let version: Version = "3.10.1".parse().unwrap();
        assert_eq!(version, Version::new(3, 10, 1));
        assert_eq!(version.to_string(), "3.10.1");
        assert_eq!("3.10.1+sdk.2".parse::<Version>().unwrap(), version);
        assert!(Version::new(3, 9, 0) < version);
        assert!(version.same_minor(Version::new(3, 10, 0)));
        assert!(!version.same_minor(Version::new(3, 9, 1)));
        for bad in [
            "", "3", "3.10", "3.10.1.2", "3.x.1", "3.+1.0", "-3.1.0", "3..1",
        ] {
            let error = bad.parse::<Version>().unwrap_err();
            assert!(error.to_string().contains("major.minor.patch"), "{bad}");
        }
    }

    #[test]
    fn entrypoints_read_defaults_and_refuse_wrong_types() {
        let answer = RawValue::from_string(
            r#"{"async":true,"description":"d","plugin":"Core","params":{"type":"object"},"extra":1}"#
                .to_owned(),
        )
        .unwrap();
        let entrypoint = Entrypoint::parse("m", &answer).unwrap();
        assert!(entrypoint.is_async && !entrypoint.deprecated);
        assert_eq!(
            entrypoint.params,
            Some(serde_json::json!({"type": "object"}))
        );
        assert_eq!(entrypoint.returns, None);
        for bad in [
            r#"[]"#,
            r#"{"async":1}"#,
            r#"{"plugin":2}"#,
            r#"{"params":true}"#,
        ] {
            let answer = RawValue::from_string(bad.to_owned()).unwrap();
            let error = Entrypoint::parse("m", &answer).unwrap_err();
            assert!(
                error.to_string().contains("schema of 'm'"),
                "{bad}: {error}"
            );
        }
    }
}
