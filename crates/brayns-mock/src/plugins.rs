//! `--plugin`: which plugin libraries the instance acts as if it had loaded.
//!
//! Brayns 3.10.1 loads each `--plugin NAME` as the shared library `libNAME.so`
//! (`brayns/PluginManager.cpp`, `brayns/utils/DynamicLib.cpp`); the library then registers its
//! entrypoints and loaders under a display name (`plugins/*/*Plugin.cpp`), which is what a
//! snapshot's `plugin` fields hold. Core's entrypoints and loaders are built in and always there.

use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::snapshot::{Snapshot, SnapshotError};

/// The display name under which Core registers (always loaded).
pub(crate) const CORE: &str = "Core";

/// The plugin libraries built with Brayns 3.10.1, the display name each registers under
/// (`plugins/<Dir>/<Dir>Plugin.cpp`), and the first entrypoint it registers, which is the one a
/// second load of the same library fails on (`EntrypointRegistry.cpp`: "already registered").
const LIBRARIES: &[(&str, &str, Option<&str>)] = &[
    (
        "braynsAtlasExplorer",
        "Atlas Explorer",
        Some("get-available-atlas-usecases"),
    ),
    (
        "braynsCircuitExplorer",
        "Circuit Explorer",
        Some("get-circuit-ids"),
    ),
    (
        "braynsCylindricCamera",
        "Cylindric Camera",
        Some("set-camera-cylindric"),
    ),
    // DTI and Molecule Explorer register loaders only.
    ("braynsDTI", "DTI", None),
    ("braynsMoleculeExplorer", "Molecule Explorer", None),
];

/// The plugin libraries the snapshot's entrypoints and loaders come from, in the order of the
/// official Python launcher's `Plugin.all` (what it passes by default).
pub(crate) fn all_in(snapshot: &Snapshot) -> Vec<String> {
    let mut present: Vec<&str> = snapshot
        .entrypoints()
        .map(|entrypoint| entrypoint.plugin.as_str())
        .collect();
    for loader in snapshot.loaders().unwrap_or_default() {
        present.extend(loader.plugin.as_deref());
    }
    let order = [
        "braynsCircuitExplorer",
        "braynsAtlasExplorer",
        "braynsCylindricCamera",
        "braynsDTI",
        "braynsMoleculeExplorer",
    ];
    order
        .iter()
        .filter(|library| {
            LIBRARIES
                .iter()
                .any(|(name, display, _)| name == *library && present.contains(display))
        })
        .map(|library| (*library).to_owned())
        .collect()
}

/// The snapshot as an instance started with `--plugin` for each of `libraries` serves it:
/// Core plus what those libraries register. Fails as Brayns does on a library it cannot open
/// and on a library loaded twice that registers entrypoints.
pub(crate) fn restrict(snapshot: &Snapshot, libraries: &[String]) -> Result<Snapshot, String> {
    let mut displays: Vec<&str> = vec![CORE];
    for library in libraries {
        // Core is built in: naming it loads nothing. (Brayns itself would look for libCore.so
        // and fail; the mock accepts it, as documented in the crate's differences.)
        if library == CORE {
            continue;
        }
        let Some((_, display, first)) = LIBRARIES.iter().find(|(name, _, _)| name == library)
        else {
            // The text dlerror gives for a missing library, after DynamicLib's own prefix.
            let file = format!("lib{library}.so");
            return Err(format!(
                "Error opening dynamic library: {file}: {file}: cannot open shared object file: \
                 No such file or directory"
            ));
        };
        if displays.contains(display) {
            // A second load registers the same entrypoints again, which the registry refuses;
            // a loader-only plugin loads twice without complaint.
            if let Some(method) = first.filter(|method| snapshot.entrypoint(method).is_some()) {
                return Err(format!("Entrypoint '{method}' already registered"));
            }
            continue;
        }
        displays.push(display);
    }
    filter(snapshot, &displays).map_err(|error| error.to_string())
}

/// Keeps the entrypoints and loaders registered under one of `displays`. Loaders of snapshots
/// older than 3.5 do not say their plugin; they are all kept.
fn filter(snapshot: &Snapshot, displays: &[&str]) -> Result<Snapshot, SnapshotError> {
    let inner = snapshot.snapshot();
    let raw = |text: String| {
        RawValue::from_string(text).map_err(|error| SnapshotError::Shape {
            path: "loaders.json".to_owned(),
            problem: error.to_string(),
        })
    };
    let entrypoints: BTreeMap<String, Box<RawValue>> = inner
        .entrypoints()
        .filter(|entrypoint| displays.contains(&entrypoint.plugin.as_str()))
        .filter_map(|entrypoint| {
            let json = inner.entrypoint_json(&entrypoint.method)?;
            Some((entrypoint.method.clone(), json.to_owned()))
        })
        .collect();
    let loaders = match inner.loaders_json() {
        None => None,
        Some(json) => {
            let items: Vec<Value> =
                serde_json::from_str(json.get()).map_err(|error| SnapshotError::Shape {
                    path: "loaders.json".to_owned(),
                    problem: error.to_string(),
                })?;
            let kept: Vec<Value> = items
                .into_iter()
                .filter(
                    |loader| match loader.get("plugin").and_then(Value::as_str) {
                        Some(plugin) => displays.contains(&plugin),
                        None => true,
                    },
                )
                .collect();
            Some(raw(Value::Array(kept).to_string())?)
        }
    };
    let version = inner.version_json().to_owned();
    let restricted = brayns_snapshot::Snapshot::new(version, loaders, entrypoints)?;
    Snapshot::serving(&restricted)
}
