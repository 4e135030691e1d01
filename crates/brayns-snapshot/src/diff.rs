//! What changed between two snapshots.

use std::fmt;

use serde_json::{Map, Value};

use crate::{Snapshot, Version};

/// A part of a method's `schema` answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SchemaPart {
    /// The JSON Schema of the params (or whether there are params at all).
    Params,
    /// The JSON Schema of the result (or whether there is a result at all).
    Returns,
    /// The `async` flag.
    Async,
    /// The `deprecated` flag.
    Deprecated,
    /// The plugin that registers the method.
    Plugin,
    /// The description.
    Description,
    /// Any other key of the answer, by name.
    Other(String),
}

impl SchemaPart {
    fn from_key(key: &str) -> Self {
        match key {
            "params" => Self::Params,
            "returns" => Self::Returns,
            "async" => Self::Async,
            "deprecated" => Self::Deprecated,
            "plugin" => Self::Plugin,
            "description" => Self::Description,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for SchemaPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Params => "params",
            Self::Returns => "result",
            Self::Async => "async flag",
            Self::Deprecated => "deprecated flag",
            Self::Plugin => "plugin",
            Self::Description => "description",
            Self::Other(key) => key,
        })
    }
}

/// A method present in both snapshots whose schema differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodChange {
    /// The method.
    pub method: String,
    /// What differs, sorted.
    pub parts: Vec<SchemaPart>,
}

/// The differences between an expected snapshot and an actual one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDiff {
    /// The expected snapshot's release.
    pub expected_version: Version,
    /// The actual snapshot's release.
    pub actual_version: Version,
    /// Methods only the actual snapshot has, sorted.
    pub added: Vec<String>,
    /// Methods only the expected snapshot has, sorted.
    pub removed: Vec<String>,
    /// Methods whose schema differs, sorted by method.
    pub changed: Vec<MethodChange>,
    /// Whether the `get-loaders` answers differ (including one being absent).
    pub loaders_changed: bool,
}

impl SnapshotDiff {
    /// Whether the releases differ.
    pub fn version_changed(&self) -> bool {
        self.expected_version != self.actual_version
    }

    /// Whether any method or loader differs; the version alone does not count.
    pub fn schemas_changed(&self) -> bool {
        !(self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && !self.loaders_changed)
    }

    /// Whether the two snapshots are the same release with the same schemas.
    pub fn is_empty(&self) -> bool {
        !self.version_changed() && !self.schemas_changed()
    }
}

impl fmt::Display for SnapshotDiff {
    /// One line per difference, `+` added, `-` removed, `~` changed; "no differences"
    /// when there are none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no differences (Brayns {})", self.actual_version);
        }
        if self.version_changed() {
            writeln!(
                f,
                "version: expected {}, found {}",
                self.expected_version, self.actual_version
            )?;
        }
        for method in &self.added {
            writeln!(f, "+ {method} (added)")?;
        }
        for method in &self.removed {
            writeln!(f, "- {method} (removed)")?;
        }
        for change in &self.changed {
            let parts: Vec<String> = change.parts.iter().map(ToString::to_string).collect();
            writeln!(f, "~ {} ({} changed)", change.method, parts.join(", "))?;
        }
        if self.loaders_changed {
            writeln!(f, "~ get-loaders (loaders changed)")?;
        }
        Ok(())
    }
}

/// Compares an `expected` snapshot (a committed one, say) with an `actual` one (a live
/// instance's, say). Schemas are compared as JSON values, so key order and white space
/// do not count.
pub fn diff(expected: &Snapshot, actual: &Snapshot) -> SnapshotDiff {
    let expected_methods: Vec<&str> = expected.methods().collect();
    let actual_methods: Vec<&str> = actual.methods().collect();
    let only_in = |these: &[&str], those: &[&str]| -> Vec<String> {
        these
            .iter()
            .filter(|method| !those.contains(method))
            .map(|method| (*method).to_owned())
            .collect()
    };
    let changed = expected_methods
        .iter()
        .filter_map(|method| {
            let before = parse_object(expected.entrypoint_json(method)?);
            let after = parse_object(actual.entrypoint_json(method)?);
            let parts = changed_parts(&before, &after);
            (!parts.is_empty()).then(|| MethodChange {
                method: (*method).to_owned(),
                parts,
            })
        })
        .collect();
    let loaders = |snapshot: &Snapshot| snapshot.loaders_json().map(parse_value);
    SnapshotDiff {
        expected_version: expected.version(),
        actual_version: actual.version(),
        added: only_in(&actual_methods, &expected_methods),
        removed: only_in(&expected_methods, &actual_methods),
        changed,
        loaders_changed: loaders(expected) != loaders(actual),
    }
}

fn changed_parts(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<SchemaPart> {
    let mut parts: Vec<SchemaPart> = before
        .keys()
        .chain(after.keys().filter(|key| !before.contains_key(*key)))
        .filter(|key| before.get(*key) != after.get(*key))
        .map(|key| SchemaPart::from_key(key))
        .collect();
    parts.sort();
    parts
}

/// Snapshots validated their answers when built, so these parses cannot fail; a
/// corrupt one compares as `null` rather than panicking.
fn parse_value(raw: &serde_json::value::RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

fn parse_object(raw: &serde_json::value::RawValue) -> Map<String, Value> {
    match parse_value(raw) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
