//! `docs/FROM_PYTHON.md` stays honest: one row for each of the 198 names of the official
//! Python client's `brayns.__all__` (3.10.1), no more, no less, and every Rust path it cites
//! names an item that exists in the SDK's sources (hand-written or generated).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `brayns.__all__` of the `brayns` 3.10.1 package on PyPI, as it lists them.
const PYTHON_ALL: &str = "
add_clipping_geometries add_geometries add_light AmbientLight Application
AtlasColumnHighlight AtlasDensity AtlasDistanceType AtlasFlatmapAreas AtlasLayerDistance
AtlasOrientationField AtlasShellOutline AtlasUsecase AtlasVectorField Axis BbpCells
BbpLoader BbpReport BbpReportType BoundedPlane Bounds Box Camera CameraController
CameraRotation Capsule CarPaintMaterial CellPlacementLoader check_version
CircuitColorMethod clear_clipping_geometries clear_lights clear_models clear_renderables
color_model Color3 Color4 ColorMethod ColorRamp ColumnNeighbor ColumnPosition
componentwise_max componentwise_min ConnectionClosedError Connector ControlPoint
CylindricProjection deserialize_schema DirectionalLight DtiLoader EmissiveMaterial
enable_simulation Entrypoint Error euler Fovy Framebuffer Future GBufferChannel
GBufferExporter Geometry GeometryType get_application get_atlas_usecases get_bounds
get_camera_name get_camera_near_clip get_camera_projection get_camera_region
get_camera_view get_camera get_circuit_ids get_color_methods get_color_ramp
get_color_values get_entrypoint get_entrypoints get_loaders get_material_name get_material
get_methods get_model get_models get_renderer_name get_renderer get_scene get_simulation
get_version GhostMaterial GlassMaterial Image ImageFormat ImageInfo ImageMetadata Instance
instantiate_model InteractiveRenderer InvalidServerCertificateError JsonRpcError
JsonRpcFuture JsonRpcProgress JsonRpcReply JsonRpcRequest JsonSchema JsonType Light Loader
LoaderInfo Logger LogLevel Manager Material MatteMaterial merge_bounds MeshLoader
MetalMaterial MhdVolumeLoader Model ModelRotation Morphology MorphologyColorMethod
MorphologyLoader Movie MovieError MovieFrames NrrdLoader OpacityCurve
OrthographicProjection parse_hex_color parse_image_format PerspectiveProjection
PhongMaterial pick PickResult Plane PlaneEquation PlasticMaterial Plugin PrincipledMaterial
Process ProductionRenderer ProgressiveFramebuffer Projection ProteinColorScheme
ProteinLoader ProtocolError QuadLight Quaternion RawVolumeLoader remove_models Renderer
Resolution Rotation Scene serialize_schema Service ServiceUnavailableError
set_camera_near_clip set_camera_projection set_camera_region set_camera_view set_camera
set_circuit_thickness set_color_ramp set_framebuffer set_material set_model_color
set_renderer set_resolution set_simulation_frame Simulation Snapshot SonataEdgePopulation
SonataLoader SonataNodePopulation SonataNodes SonataReport SonataReportType Sphere
SphereLight SslClientContext SslServerContext start StaticFramebuffer stop TimeUnit
Transform update_model ValueRange Vector2 Vector3 Version VersionError View VolumeDataType
VoxelType WebSocketError XyzLoader";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A row of the doc's tables: the Python name, the Rust cell, the notes.
struct Row {
    python: String,
    rust: String,
    notes: String,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(root().join("docs/FROM_PYTHON.md")).expect("the doc exists");
    text.lines()
        .map(str::trim)
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 3, "a row has three cells: {line}");
            Row {
                python: cells[0].trim_matches('`').to_owned(),
                rust: cells[1].to_owned(),
                notes: cells[2].to_owned(),
            }
        })
        .collect()
}

/// The text between backticks in `cell`.
fn quoted(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_python_name_has_exactly_one_row() {
    let expected: BTreeSet<&str> = PYTHON_ALL.split_whitespace().collect();
    assert_eq!(
        expected.len(),
        198,
        "brayns.__all__ of 3.10.1 has 198 names"
    );
    let rows = rows();
    let mut seen = BTreeMap::new();
    for row in &rows {
        *seen.entry(row.python.as_str()).or_insert(0) += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "names with more than one row: {twice:?}");
    let documented: BTreeSet<&str> = seen.keys().copied().collect();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&expected).collect();
    assert!(missing.is_empty(), "names without a row: {missing:?}");
    assert!(
        unknown.is_empty(),
        "rows for names not in brayns.__all__: {unknown:?}"
    );
    assert_eq!(rows.len(), 198);
}

#[test]
fn rows_without_a_counterpart_say_why() {
    for row in rows() {
        if row.rust.starts_with('`') {
            continue;
        }
        assert!(
            row.rust == "not provided" || row.rust == "planned (issue 13)",
            "`{}`: the Rust cell is a path, \"not provided\" or \"planned (issue 13)\": {}",
            row.python,
            row.rust
        );
        assert!(
            row.notes.len() > 10,
            "`{}` has no counterpart and needs a reason",
            row.python
        );
    }
}

/// The names the `.rs` files under `dir` define or re-export: functions, types, traits,
/// modules, constants, enum variants, `pub use` names (with their aliases).
fn defined_names(dir: &Path, names: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            defined_names(&path, names);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            let text = std::fs::read_to_string(&path).expect("a source file");
            collect_names(&text, names);
        }
    }
}

fn identifier(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let name = &text[..end];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

fn collect_names(text: &str, names: &mut BTreeSet<String>) {
    const ITEMS: [&str; 11] = [
        "fn ",
        "const fn ",
        "async fn ",
        "unsafe fn ",
        "struct ",
        "enum ",
        "trait ",
        "type ",
        "mod ",
        "const ",
        "static ",
    ];
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut line = line.trim();
        for visibility in ["pub(crate) ", "pub(super) ", "pub "] {
            line = line.strip_prefix(visibility).unwrap_or(line);
        }
        if let Some(rest) = line.strip_prefix("use ") {
            // A `use` up to its `;`, across lines; every name it brings, aliases included.
            let mut statement = rest.to_owned();
            while !statement.contains(';') {
                match lines.next() {
                    Some(next) => statement.push_str(next),
                    None => break,
                }
            }
            for part in statement.split([',', '{', '}', ';']) {
                let last = part.split(" as ").last().unwrap_or(part);
                let last = last.rsplit("::").next().unwrap_or(last).trim();
                if let Some(name) = identifier(last) {
                    names.insert(name.to_owned());
                }
            }
            continue;
        }
        if let Some(rest) = ITEMS.iter().find_map(|item| line.strip_prefix(item)) {
            if let Some(name) = identifier(rest) {
                names.insert(name.to_owned());
            }
            continue;
        }
        // Enum variants: `Name,`, `Name(...)`, `Name {`.
        if let Some(name) = identifier(line)
            && name.starts_with(|c: char| c.is_ascii_uppercase())
        {
            let after = line[name.len()..].trim_start();
            if after.is_empty() || after.starts_with([',', '(', '{']) {
                names.insert(name.to_owned());
            }
        }
    }
}

#[test]
fn every_cited_rust_path_names_an_item_of_the_sdk() {
    let crates = root().join("crates");
    let mut sdk = BTreeSet::new();
    defined_names(&crates.join("brayns-sdk/src"), &mut sdk);
    defined_names(&crates.join("brayns-snapshot/src"), &mut sdk);
    let mut rpc = BTreeSet::new();
    defined_names(&crates.join("brayns-rpc/src"), &mut rpc);
    // What the crate root exports: the first segment of every path.
    let mut exported = BTreeSet::new();
    let lib = std::fs::read_to_string(crates.join("brayns-sdk/src/lib.rs")).expect("lib.rs");
    // Every `pub` statement, with the lines a multi-line `pub use` continues on.
    let mut public = Vec::new();
    let mut continuing = false;
    for line in lib.lines() {
        if line.trim_start().starts_with("pub ") || continuing {
            public.push(line);
            continuing = line.trim_start().starts_with("pub use") && !line.contains(';')
                || continuing && !line.contains(';');
        }
    }
    collect_names(&public.join("\n"), &mut exported);

    let mut unresolved = Vec::new();
    let mut cited = 0;
    for row in rows() {
        for path in quoted(&row.rust) {
            cited += 1;
            let segments: Vec<&str> = path.split("::").collect();
            let (first, rest) = segments.split_first().expect("a path has a segment");
            let names = if *first == "rpc" { &rpc } else { &sdk };
            let resolves = exported.contains(*first)
                && rest.iter().all(|segment| names.contains(*segment))
                && segments
                    .iter()
                    .all(|segment| identifier(segment) == Some(segment));
            if !resolves {
                unresolved.push(format!("`{}` -> `{path}`", row.python));
            }
        }
    }
    assert!(cited >= 150, "only {cited} paths cited");
    assert!(
        unresolved.is_empty(),
        "paths that name nothing in the SDK:\n{}",
        unresolved.join("\n")
    );
}

#[test]
fn the_path_check_catches_a_made_up_name() {
    let mut names = BTreeSet::new();
    collect_names(
        "pub struct Capture {\n}\npub enum Side {\n    Front,\n    Back(u8),\n}\n\
         impl X {\n    pub async fn frame_scene(&self) {}\n}\n\
         pub use glam::{self, DVec3 as Vector, DQuat};\npub use brayns_rpc as rpc;\n",
        &mut names,
    );
    for name in [
        "Capture",
        "Side",
        "Front",
        "Back",
        "frame_scene",
        "Vector",
        "DQuat",
        "rpc",
    ] {
        assert!(names.contains(name), "{name} is found");
    }
    assert!(!names.contains("frame_model"));
    assert!(
        !names.contains("DVec3"),
        "an aliased name is known by its alias"
    );
}
