//! The shapes of the generated tables: what the bindings know about the snapshot's
//! release, methods and loaders.
//!
//! These types are the same for every snapshot, so they are written here once; the
//! generated code only fills them in (`generated/mod.rs`: `SNAPSHOT_VERSION`, `METHODS`;
//! `generated/loaders.rs`: `LOADERS`).

/// A Brayns release, as `get-version` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotVersion {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
    /// Source control revision of the build.
    pub revision: &'static str,
}

/// What the bindings know about one method, for tooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MethodInfo {
    /// The method's wire name (`get-version`).
    pub name: &'static str,
    /// The plugin registering it (`Core`, `Circuit Explorer`...).
    pub plugin: &'static str,
    /// The schema description.
    pub description: &'static str,
    /// Whether it runs as a task with progress and cancel.
    pub is_async: bool,
    /// Whether the server marks it deprecated.
    pub deprecated: bool,
    /// Whether it takes params (otherwise they must be absent).
    pub has_params: bool,
    /// Whether it returns a result (otherwise `null`).
    pub has_result: bool,
    /// Whether the request carries a binary payload.
    pub binary_request: bool,
    /// Whether the reply may carry a binary payload.
    pub binary_reply: bool,
}

/// What `get-loaders` says about one loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoaderInfo {
    /// The loader name, as `loader_name` takes it.
    pub name: &'static str,
    /// The plugin providing the loader (`None` for servers older than 3.5).
    pub plugin: Option<&'static str>,
    /// The file extensions (or file names) the loader reads.
    pub extensions: &'static [&'static str],
    /// Whether the loader can read uploaded bytes (`None` for servers older than 3.5).
    pub binary: Option<bool>,
}
