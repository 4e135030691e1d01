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
//! - `mod.rs`: the module tree, `BRAYNS_VERSION`, `SNAPSHOT_VERSION` and the `METHODS` table.
//! - `snapshot.rs`: the snapshot's files as compact JSON string constants, so the SDK can
//!   compare a live instance with the snapshot (`verify_schemas`) without files at run time.
//! - `tests.rs` (optional): round trips of every type against the snapshot's schemas.
//! - `calls.rs` (optional, [`Options::call_tests`]): one end-to-end test per method, calling
//!   the typed method against `brayns-mock` through the SDK's test harness.
//!
//! The generated code uses only `serde`, `serde_json` and a small runtime contract with the
//! SDK's hand-written layer: `crate::Result`, `crate::Task<T>`, `crate::WithBinary<T>`,
//! `crate::Bytes`, the client type's `rpc()`, the non-generic helpers of `crate::client`
//! (`call`, `start_task`, `encode_params`, `array_params`, `decode*`), the table types of
//! `crate::meta` (`SnapshotVersion`, `MethodInfo`, `LoaderInfo`, re-exported from
//! `loaders.rs`) and, for `tests.rs`, the checks of `crate::round_trip`.
//!
//! Like progenitor's output, the generated files hold only what varies with the snapshot:
//! anything that would be the same for every snapshot (a table's type, a test helper) is
//! hand-written in the SDK once and referred to by path.
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
mod snapshot;

use std::path::{Component, Path, PathBuf};

pub use brayns_snapshot::Version;
pub use error::CodegenError;

/// How to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// The type the methods are implemented on, as a Rust path. The SDK uses
    /// `crate::Brayns`; fixtures compiled inside the SDK's tests use their own.
    pub client_type: String,
    /// The snapshot folder as a path relative to the output folder (`../../../../schemas/3.10.1`),
    /// for the generated round-trip tests' `include_str!`. `None`: no `tests.rs`.
    pub snapshot_from_out: Option<String>,
    /// Whether to generate `calls.rs`: one end-to-end test per method that calls the typed
    /// method against `brayns-mock` and checks its typed output. The tests use the SDK's
    /// `crate::e2e::Call` harness (see the SDK's `src/e2e.rs`), so only the SDK enables it.
    pub call_tests: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            client_type: "crate::Brayns".to_owned(),
            snapshot_from_out: None,
            call_tests: false,
        }
    }
}

impl Options {
    /// The SDK's options for a snapshot and an output folder: methods on `crate::Brayns`,
    /// tests reading the snapshot through a relative path, end-to-end call tests.
    pub fn for_dirs(snapshot_dir: &Path, out_dir: &Path) -> Self {
        Self {
            snapshot_from_out: relative_path(out_dir, snapshot_dir),
            call_tests: true,
            ..Self::default()
        }
    }
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output folder (`types.rs`).
    pub path: PathBuf,
    /// The formatted source, header included.
    pub contents: String,
}

/// Generates the bindings for the snapshot in `snapshot_dir`.
pub fn generate(
    snapshot_dir: &Path,
    options: &Options,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let snapshot = snapshot::Snapshot::load(snapshot_dir)?;
    let api = api::Api::new(snapshot)?;
    let client =
        syn::parse_str::<syn::Path>(&options.client_type).map_err(|error| CodegenError::Emit {
            file: "options".to_owned(),
            message: format!("client type `{}`: {error}", options.client_type),
        })?;
    let settings = emit::Settings {
        api: &api,
        client,
        snapshot_from_out: options.snapshot_from_out.clone(),
        call_tests: options.call_tests,
    };
    Ok(emit::files(&settings)?
        .into_iter()
        .map(|(path, contents)| GeneratedFile {
            path: path.into(),
            contents,
        })
        .collect())
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
    let mut start = vec![0; emit::HEADER.len()];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| start == emit::HEADER.as_bytes())
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

/// `.rs` files in `out_dir` that `files` does not contain.
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
        if path.extension().is_some_and(|extension| extension == "rs") && !generated {
            extra.push(path);
        }
    }
    extra.sort();
    Ok(extra)
}

/// `to` relative to `from` with `/` separators, both taken as absolute paths (relative ones
/// against the current folder); `None` if they share no root.
pub fn relative_path(from: &Path, to: &Path) -> Option<String> {
    let absolute = |path: &Path| -> Option<Vec<String>> {
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        let mut parts: Vec<String> = Vec::new();
        for component in path.components() {
            match component {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::CurDir => {}
                Component::RootDir | Component::Prefix(_) => parts.push(String::new()),
            }
        }
        Some(parts)
    };
    let (from, to) = (absolute(from)?, absolute(to)?);
    if from.first() != to.first() {
        return None;
    }
    let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - shared];
    parts.extend(to[shared..].iter().map(String::as_str));
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_then_descend() {
        assert_eq!(
            relative_path(
                Path::new("/w/crates/sdk/src/generated"),
                Path::new("/w/schemas/3.10.1")
            )
            .as_deref(),
            Some("../../../../schemas/3.10.1")
        );
        assert_eq!(
            relative_path(
                Path::new("/w/fixture/expected"),
                Path::new("/w/fixture/./snapshot")
            )
            .as_deref(),
            Some("../snapshot")
        );
    }
}
