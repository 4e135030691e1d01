//! Typed Rust bindings from a Brayns schema snapshot.
//!
//! [`generate`] reads a snapshot folder (the layout `cargo xtask fetch` writes:
//! `version.json`, `registry.json`, `loaders.json`, `entrypoints/<method>.json`) and returns
//! formatted Rust files; [`write()`] puts them in place and [`stale_files`] says whether the
//! committed ones are up to date. `cargo xtask codegen` is the command-line front end.
//!
//! # What is generated
//!
//! - `types.rs`: one type per distinct schema shape (params, results, loader properties).
//! - one module per plugin (`core.rs`, `circuit_explorer.rs`...): one method per entrypoint,
//!   implemented on the SDK's client type, named from the method (`get-version` gives
//!   `get_version`), documented with the schema description, `#[deprecated]` where the
//!   schema says so, with no params argument when the method takes none. Async
//!   entrypoints return a task handle; binary payloads are part of the signature
//!   ([`binary::BINARY_METHODS`]).
//! - `loaders.rs`: the loader table and a `LoaderProperties` enum with one typed variant per
//!   loader, convertible to the `loader_properties` JSON.
//! - `mod.rs`: the module tree, `BRAYNS_VERSION`, `BRAYNS_REVISION`, the `METHODS` table,
//!   and one `feature_<name>!` switch per hand-written feature ([`Feature`]).
//! - `snapshot.rs`: the snapshot's files as compact JSON string constants, so the SDK can
//!   compare a live instance with the snapshot (`verify_schemas`) without files at run time.
//! - `release.md`: the release's part of the crate docs: what it has, what it leaves out.
//!
//! And, with [`Options::tests`], the tests, in a folder of their own ([`Generated::tests`]):
//! round trips of every type against the snapshot's schemas, and (optionally) one
//! end-to-end call per method against `brayns-mock` through the test crate's harness.
//!
//! # The runtime contract
//!
//! The generated bindings use only `serde`, `serde_json` and the public API of the runtime
//! crate ([`Options::runtime`], `brayns_sdk`): `rpc::Request` and `rpc::Response` from the
//! transport, `Result`, `Task::new`, `WithBinary`, `Bytes`, the table types `Version`,
//! `MethodInfo`, `LoaderInfo` and `EmbeddedSnapshot`, and one seam,
//! `seam::Caller::rpc_client`, which the client type implements to hand over its
//! connection. Renaming anything private in the SDK never touches the generator.
//!
//! Like progenitor's output, the generated files hold only what varies with the snapshot:
//! anything that would be the same for every snapshot (a table's type, a test helper) is
//! hand-written once and referred to by path.
//!
//! # Why not typify
//!
//! The first plan was schemars + typify for the types. On exactly these schemas typify 0.8
//! silently merges different shapes that share a title (all five `GeometryWithColor` params
//! became the bounded-plane one), ignores `readOnly` (params types demanded fields the
//! server refuses), derives a wrong `Default` for objects whose default is `{}` (inner
//! defaults ignored), puts `deny_unknown_fields` on results (a newer server's extra field
//! breaks decoding), and costs ~17 s of cold build. Fixing that takes a normalization pass
//! so deep that it is the real generator anyway. Brayns' dialect is closed (16 keywords,
//! [`schema::KEYWORDS`]), so our own small IR, emitted with `quote` and formatted with
//! `prettyplease`, is fully controllable, and anything outside the dialect is an error
//! naming the method and JSON path ([`CodegenError::Schema`]).
//!
//! # Properties of the output
//!
//! - Types are deduplicated structurally ([`model`](crate#type-identity)); names are
//!   deterministic (see [`naming`]).
//! - Params types omit `readOnly` properties; result types keep them and accept unknown
//!   fields. A string enum that any result carries also accepts values the snapshot does not
//!   list, as a last `Unknown(String)` variant (`#[serde(untagged)]`, kept as sent), so a
//!   newer server's new value does not fail the whole result; enums only params use stay
//!   closed (and `Copy`), so a misspelled value is still caught.
//! - Optional fields are `Option`s skipped when `None` (never `null`); fields with a schema
//!   default hold it, and `Default` equals what the server assumes for `{}`. Params types
//!   with required fields (so no `Default`) and optional ones get `new(required...)`, every
//!   other field at that same default; loader params take a `LoaderProperties` instead of
//!   `loader_name` and `loader_properties`.
//! - Deprecated methods are `#[deprecated]` with Brayns' own description as the note (it
//!   names the replacement).
//! - `minItems == maxItems` arrays are `[T; N]`, `minimum >= 0` integers are `u64`, string
//!   enums keep their exact wire spellings, maps are `BTreeMap`s, untyped values are
//!   `serde_json::Value`, and `oneOf` of primitives is an untagged enum.
//!
//! # Type identity
//!
//! Two schemas are one Rust type exactly when they are equal once the decorations of their
//! root (`description`, `readOnly`, `writeOnly`, `default`) are removed: those describe the
//! property using the type. The title is part of the shape (it is the server's name for the
//! C++ type), so `Matte` and `Phong` stay two types though their fields are identical.

pub mod binary;
mod error;
pub mod naming;
pub mod schema;

mod api;
mod emit;
mod model;

use std::path::{Path, PathBuf};

use brayns_snapshot::Snapshot;
pub use brayns_snapshot::Version;
pub use error::CodegenError;

/// How to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// The runtime crate as the generated code names it: `crate` for the SDK's own
    /// bindings, `::brayns_sdk` for bindings compiled elsewhere (the fixtures). The
    /// generated code uses only its public API (see the SDK's `seam` module).
    pub runtime: String,
    /// The type the methods are implemented on, as a Rust path (`crate::Brayns`); it must
    /// implement the runtime's `seam::Caller`.
    pub client_type: String,
    /// The hand-written layer's features that need methods: each gets a switch that keeps
    /// its items in releases with those methods and leaves them out of the others.
    pub features: Vec<Feature>,
    /// The generated tests; `None` generates none.
    pub tests: Option<TestOptions>,
    /// A blocking twin of every method, on a facade type; `None`: async methods only.
    pub blocking: Option<BlockingOptions>,
}

/// Where the blocking twins of the methods go: each waits for its async method on the
/// facade's runtime (`seam::Blocking`), and returns the facade's task for async entrypoints.
#[derive(Debug, Clone)]
pub struct BlockingOptions {
    /// The facade's client type, as a Rust path (`crate::blocking::Brayns`); it must
    /// implement the runtime's `seam::Blocking`.
    pub client: String,
    /// The facade's task type, as a Rust path (`crate::blocking::Task`).
    pub task: String,
    /// The Cargo feature the twins are compiled under (`blocking`).
    pub feature: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            runtime: "crate".to_owned(),
            client_type: "crate::Brayns".to_owned(),
            features: Vec::new(),
            tests: None,
            blocking: None,
        }
    }
}

/// How to generate the tests of the bindings.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// Where the tests find the bindings, as a Rust path (`brayns_sdk`): the types are
    /// `<bindings>::types::*`.
    pub bindings: String,
    /// A Rust expression giving the `&'static Snapshot` the bindings were generated from
    /// (`brayns_sdk::compiled_snapshot()`): the round trips take their schemas from it.
    pub snapshot: String,
    /// Whether to generate `calls.rs`: one end-to-end test per method that calls the typed
    /// method against `brayns-mock` and checks its typed output, through the test crate's
    /// hand-written harness `crate::support::Call`.
    pub calls: bool,
}

/// A hand-written feature that needs some methods and generated types (`loaders_for_file`
/// needs `get-loaders` and its item type `Loader`).
///
/// The generated `mod.rs` defines `feature_<name>!`, which expands its items when the
/// release has every method and type, and to nothing otherwise; `release.md` lists what
/// is left out.
/// Whether a release has a feature is decided here, from its snapshot, never by a list of
/// versions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Feature {
    /// The switch's name, a snake_case identifier: `feature_<name>!`.
    pub name: String,
    /// What users get, for the docs (`` `Brayns::loaders_for_file` ``).
    pub provides: String,
    /// The wire names of the methods it needs.
    pub methods: Vec<String>,
    /// The generated types it names (`Loader`, for `types::Loader`).
    #[serde(default)]
    pub types: Vec<String>,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output folder (`types.rs`).
    pub path: PathBuf,
    /// The formatted source, header included.
    pub contents: String,
}

/// The output of one generation: the bindings, and their tests (written to another folder:
/// tests are not part of the published sources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The bindings (`mod.rs`, `types.rs`, one file per plugin...).
    pub bindings: Vec<GeneratedFile>,
    /// The tests (`mod.rs`, `round_trips.rs`, `calls.rs`); empty without [`Options::tests`].
    pub tests: Vec<GeneratedFile>,
}

/// Generates the bindings for the snapshot in `snapshot_dir`.
pub fn generate(snapshot_dir: &Path, options: &Options) -> Result<Generated, CodegenError> {
    generate_from(load(snapshot_dir)?, options)
}

/// Generates the bindings for a loaded snapshot.
pub fn generate_from(snapshot: Snapshot, options: &Options) -> Result<Generated, CodegenError> {
    for feature in &options.features {
        let valid = !feature.name.is_empty()
            && feature
                .name
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
        if !valid || feature.methods.is_empty() {
            return Err(CodegenError::Emit {
                file: "options".to_owned(),
                message: format!(
                    "feature `{}`: the name must be snake_case and it must need a method",
                    feature.name
                ),
            });
        }
    }
    let api = api::Api::new(snapshot)?;
    let settings = emit::Settings {
        api: &api,
        runtime: parse_option("runtime", &options.runtime)?,
        client: parse_option("client type", &options.client_type)?,
        features: &options.features,
        blocking: options
            .blocking
            .as_ref()
            .map(|blocking| {
                Ok::<_, CodegenError>(emit::BlockingSettings {
                    client: parse_option("blocking client", &blocking.client)?,
                    task: parse_option("blocking task", &blocking.task)?,
                    feature: blocking.feature.clone(),
                })
            })
            .transpose()?,
    };
    let bindings = emit::bindings(&settings)?;
    let tests = match &options.tests {
        None => Vec::new(),
        Some(tests) => {
            let tests = emit::TestSettings {
                bindings: parse_option("tests' bindings", &tests.bindings)?,
                snapshot: parse_option("tests' snapshot", &tests.snapshot)?,
                calls: tests.calls,
            };
            emit::tests(&settings, &tests)?
        }
    };
    Ok(Generated {
        bindings: files(bindings),
        tests: files(tests),
    })
}

/// The snapshot in `snapshot_dir` alone, as `embedded.rs`: a `SNAPSHOT` constant of type
/// `<snapshot_crate>::EmbeddedSnapshot` (the mock embeds the release it serves by default).
pub fn generate_embedded(
    snapshot_dir: &Path,
    snapshot_crate: &str,
) -> Result<GeneratedFile, CodegenError> {
    let snapshot = load(snapshot_dir)?;
    let contents =
        emit::embedded_snapshot(&snapshot, &parse_option("snapshot crate", snapshot_crate)?)?;
    Ok(GeneratedFile {
        path: "embedded.rs".into(),
        contents,
    })
}

/// Reads a snapshot folder with `brayns-snapshot`, the one reader of the layout.
fn load(snapshot_dir: &Path) -> Result<Snapshot, CodegenError> {
    Snapshot::load(snapshot_dir).map_err(|error| match error {
        brayns_snapshot::SnapshotError::Io { path, source } => CodegenError::io(path, source),
        other => CodegenError::snapshot(snapshot_dir, other.to_string()),
    })
}

fn parse_option<T: syn::parse::Parse>(what: &str, text: &str) -> Result<T, CodegenError> {
    syn::parse_str(text).map_err(|error| CodegenError::Emit {
        file: "options".to_owned(),
        message: format!("{what} `{text}`: {error}"),
    })
}

fn files(files: Vec<(String, String)>) -> Vec<GeneratedFile> {
    files
        .into_iter()
        .map(|(path, contents)| GeneratedFile {
            path: path.into(),
            contents,
        })
        .collect()
}

/// Writes `files` into `out_dir` (created if needed) and removes the `.rs` files there that
/// are not generated any more. Files already up to date are not touched.
///
/// Only files carrying the generated header are ever overwritten or removed: if any file in
/// the way lacks it (a mistyped `--out` pointing at hand-written sources), nothing is written
/// and the error names it.
pub fn write(out_dir: &Path, files: &[GeneratedFile]) -> Result<(), CodegenError> {
    let stale = stale_files(out_dir, files)?;
    if let Some(foreign) = stale
        .iter()
        .find(|path| path.exists() && !is_generated(path))
    {
        return Err(CodegenError::NotGenerated {
            path: foreign.clone(),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|error| CodegenError::io(out_dir, error))?;
    for path in stale {
        match files.iter().find(|file| out_dir.join(&file.path) == path) {
            Some(file) => std::fs::write(&path, &file.contents),
            None => std::fs::remove_file(&path),
        }
        .map_err(|error| CodegenError::io(&path, error))?;
    }
    Ok(())
}

/// Whether the file at `path` starts with the header every generated file has.
fn is_generated(path: &Path) -> bool {
    use std::io::Read as _;
    let header = if path.extension().is_some_and(|extension| extension == "md") {
        emit::MARKDOWN_HEADER
    } else {
        emit::HEADER
    };
    let mut start = vec![0; header.len()];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| start == header.as_bytes())
}

/// The files of `out_dir` that differ from `files`: changed, missing, or no longer
/// generated. Empty when the output is up to date.
pub fn stale_files(out_dir: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, CodegenError> {
    let mut stale = Vec::new();
    for file in files {
        let path = out_dir.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(file.contents.as_str()) {
            stale.push(path);
        }
    }
    stale.extend(extra_files(out_dir, files)?);
    Ok(stale)
}

/// `.rs` and `.md` files in `out_dir` that `files` does not contain.
fn extra_files(out_dir: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, CodegenError> {
    let entries = match std::fs::read_dir(out_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(CodegenError::io(out_dir, error)),
    };
    let mut extra = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|error| CodegenError::io(out_dir, error))?
            .path();
        let generated = files.iter().any(|file| out_dir.join(&file.path) == path);
        let ours = path
            .extension()
            .is_some_and(|extension| extension == "rs" || extension == "md");
        if ours && !generated {
            extra.push(path);
        }
    }
    extra.sort();
    Ok(extra)
}
