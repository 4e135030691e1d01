//! `snapshot`, `render`, `load` and `scene`, run as the real binary against a mock.

mod common;

use brayns_mock::MockServer;
use common::{expect_code, json, mock, mock_with, run, stderr};
use serde_json::json;

/// Width and height of a PNG file's bytes (its IHDR chunk).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    )
}

#[test]
fn snapshot_saves_an_image_of_the_size_asked_in_the_format_of_the_extension() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("image.png");
    let result = json(&run(
        &mock.uri(),
        &["snapshot", "-o", png.to_str().unwrap(), "--size", "96x64"],
    ));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(png_size(&bytes), (96, 64));
    assert_eq!(
        result,
        json!({"file": png.to_str().unwrap(), "bytes": bytes.len()})
    );

    let jpeg = dir.path().join("image.JPG");
    json(&run(
        &mock.uri(),
        &[
            "snapshot",
            "--output-file",
            jpeg.to_str().unwrap(),
            "--quality",
            "50",
        ],
    ));
    assert_eq!(&std::fs::read(&jpeg).unwrap()[..2], b"\xff\xd8");
}

#[test]
fn snapshot_takes_a_camera_and_a_renderer_checked_by_the_server() {
    let mock = mock();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("image.png");
    let camera = r#"{"name": "perspective", "params": {"fovy": 30}}"#;
    let renderer = r#"{"name": "production", "params": {"samples_per_pixel": 4}}"#;
    json(&run(
        &mock.uri(),
        &[
            "snapshot",
            "-o",
            png.to_str().unwrap(),
            "--size",
            "64x64",
            "--camera",
            camera,
            "--renderer",
            renderer,
        ],
    ));
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (64, 64));

    // A camera type the SDK does not know is refused before connecting.
    let unknown = run(
        &mock.uri(),
        &[
            "snapshot",
            "-o",
            png.to_str().unwrap(),
            "--camera",
            r#"{"name": "fisheye", "params": {}}"#,
        ],
    );
    expect_code(&unknown, 2);
    assert!(
        stderr(&unknown).contains("--camera"),
        "{}",
        stderr(&unknown)
    );
    // Params the server's schema rejects come back as its error: the camera reaches the
    // server (this instance's perspective camera refuses a fovy under 1 degree).
    let picky = mock_with(
        MockServer::builder().snapshot(common::edited_snapshot(|path, json| {
            if path == "entrypoints/set-camera-perspective.json" {
                json["params"]["properties"]["fovy"]["minimum"] = 1.into();
            }
        })),
    );
    let narrow = run(
        &picky.uri(),
        &[
            "snapshot",
            "-o",
            png.to_str().unwrap(),
            "--camera",
            r#"{"name": "perspective", "params": {"fovy": 0.5}}"#,
        ],
    );
    expect_code(&narrow, 4);
    assert!(
        stderr(&narrow).contains("server error -32602") && stderr(&narrow).contains("fovy"),
        "{}",
        stderr(&narrow)
    );
    let bad = r#"{"name": "production", "params": {"samples_per_pixel": 0}}"#;
    let refused = run(
        &mock.uri(),
        &["snapshot", "-o", png.to_str().unwrap(), "--renderer", bad],
    );
    expect_code(&refused, 4);
    assert!(
        stderr(&refused).contains("server error -32602"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn snapshot_refuses_bad_sizes_and_extensions_before_connecting() {
    let uri = common::unreachable_uri();
    let gif = run(&uri, &["snapshot", "-o", "image.gif"]);
    expect_code(&gif, 2);
    assert!(stderr(&gif).contains("image.gif"), "{}", stderr(&gif));
    expect_code(&run(&uri, &["snapshot", "-o", "a.png", "--size", "12"]), 2);
    expect_code(
        &run(&uri, &["snapshot", "-o", "a.png", "--quality", "101"]),
        2,
    );
    expect_code(&run(&uri, &["snapshot"]), 2);
}

#[test]
fn render_saves_the_current_frame() {
    let mock = mock_with(MockServer::builder().window_size(80, 64));
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("frame.png");
    let result = json(&run(&mock.uri(), &["render", "-o", png.to_str().unwrap()]));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(png_size(&bytes), (80, 64));
    assert_eq!(result["bytes"], bytes.len());
    assert_eq!(result["accumulation"], 1);
    // Forced: a second render of an unchanged scene still gives an image, although the
    // interactive renderer's one sample per pixel is already accumulated.
    let jpg = dir.path().join("frame.jpeg");
    let again = json(&run(&mock.uri(), &["render", "-o", jpg.to_str().unwrap()]));
    assert_eq!(again["accumulation"], 1);
    assert_eq!(again["max_accumulation"], 1);
    assert_eq!(&std::fs::read(&jpg).unwrap()[..2], b"\xff\xd8");
    expect_code(&run(&mock.uri(), &["render", "-o", "frame.bmp"]), 2);
}

#[test]
fn load_picks_the_loader_by_extension_and_scene_lists_the_models() {
    let mock = mock();
    let data = common::DataFiles::new();
    let mesh = data.path("mesh.ply");
    let empty = json(&run(&mock.uri(), &["scene"]));
    assert_eq!(empty["models"], json!([]));

    let models = json(&run(&mock.uri(), &["load", &mesh]));
    assert_eq!(models[0]["model_id"], 0);
    assert_eq!(models[0]["info"]["load_info"]["loader_name"], "mesh");
    assert_eq!(models[0]["info"]["load_info"]["path"], mesh.as_str());

    // Properties start from the loader's defaults; --properties sets some over them.
    let morphology = json(&run(
        &mock.uri(),
        &[
            "load",
            &data.path("cell.swc"),
            "--properties",
            r#"{"load_soma": true}"#,
        ],
    ));
    let properties = &morphology[0]["info"]["load_info"]["load_parameters"];
    assert_eq!(properties["load_soma"], true);
    assert_eq!(properties["geometry_type"], "smooth");

    let scene = json(&run(&mock.uri(), &["scene"]));
    let ids: Vec<u64> = scene["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| model["model_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [0, 1]);
    let pretty = expect_code(&run(&mock.uri(), &["scene", "--output", "pretty"]), 0);
    assert!(pretty.contains("2 model(s)"), "{pretty}");
    assert!(
        pretty
            .lines()
            .any(|line| line.starts_with("0 ") && line.contains("mesh")),
        "{pretty}"
    );
}

#[test]
fn load_explains_missing_ambiguous_and_refused_loaders() {
    let mock = mock();
    let data = common::DataFiles::new();
    let none = run(&mock.uri(), &["load", "/data/file.unknown"]);
    expect_code(&none, 2);
    assert!(stderr(&none).contains("--loader"), "{}", stderr(&none));
    let unknown = run(
        &mock.uri(),
        &["load", &data.path("mesh.ply"), "--loader", "nope"],
    );
    expect_code(&unknown, 2);
    assert!(
        stderr(&unknown).contains("no loader 'nope'"),
        "{}",
        stderr(&unknown)
    );
    // The SONATA and DTI loaders of 3.10.1 both read `.json` files.
    let ambiguous = run(&mock.uri(), &["load", "/data/circuit.json"]);
    expect_code(&ambiguous, 2);
    assert!(
        stderr(&ambiguous).contains("several loaders read '/data/circuit.json'")
            && stderr(&ambiguous).contains("SONATA loader")
            && stderr(&ambiguous).contains("DTI loader"),
        "{}",
        stderr(&ambiguous)
    );
    let explicit = json(&run(
        &mock.uri(),
        &["load", &data.path("model.bin"), "--loader", "mesh"],
    ));
    assert_eq!(explicit[0]["info"]["load_info"]["loader_name"], "mesh");
    let not_object = run(
        &mock.uri(),
        &["load", &data.path("mesh.ply"), "--properties", "[1]"],
    );
    expect_code(&not_object, 2);
}

#[test]
fn a_load_the_server_refuses_exits_4_with_its_error() {
    // A scene that holds one model: the second load is refused by the server.
    let mock = mock_with(MockServer::builder().max_models(1));
    let data = common::DataFiles::new();
    json(&run(&mock.uri(), &["load", &data.path("mesh.ply")]));
    let refused = run(&mock.uri(), &["load", &data.path("other.ply")]);
    expect_code(&refused, 4);
    assert!(
        stderr(&refused).starts_with("brayns: server error -32603: "),
        "{}",
        stderr(&refused)
    );
    assert!(refused.stdout.is_empty(), "{}", common::describe(&refused));
}

#[test]
fn snapshot_frame_reaches_the_server() {
    // This instance's snapshot schema accepts frames up to 5 of a 10-frame simulation: a
    // frame over 5 is the server's schema error, so the frame reached the server.
    let mock = mock_with(MockServer::builder().simulation(10, 0.1).snapshot(
        common::edited_snapshot(|path, json| {
            if path == "entrypoints/snapshot.json" {
                json["params"]["properties"]["simulation_frame"]["maximum"] = 5.into();
            }
        }),
    ));
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("image.png");
    let file = png.to_str().unwrap();
    json(&run(
        &mock.uri(),
        &["snapshot", "-o", file, "--size", "64x64", "--frame", "5"],
    ));
    let over = run(
        &mock.uri(),
        &["snapshot", "-o", file, "--size", "64x64", "--frame", "6"],
    );
    expect_code(&over, 4);
    assert!(
        stderr(&over).contains("server error -32602") && stderr(&over).contains("simulation_frame"),
        "{}",
        stderr(&over)
    );
}

#[test]
fn quality_sets_the_jpeg_compression_of_snapshot_and_render() {
    let mock = mock_with(MockServer::builder().window_size(200, 150));
    let dir = tempfile::tempdir().unwrap();
    let size_of = |args: &[&str], name: &str, quality: &str| {
        let file = dir.path().join(name);
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["-o", file.to_str().unwrap(), "--quality", quality]);
        let result = json(&run(&mock.uri(), &args));
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(&bytes[..2], b"\xff\xd8", "{name} is a JPEG");
        assert_eq!(result["bytes"], bytes.len());
        bytes.len()
    };
    let snapshot = ["snapshot", "--size", "200x150"];
    let (low, high) = (
        size_of(&snapshot, "low.jpg", "5"),
        size_of(&snapshot, "high.jpg", "100"),
    );
    assert!(
        low < high,
        "snapshot: quality 5 gave {low} bytes, 100 gave {high}"
    );
    let (low, high) = (
        size_of(&["render"], "low-frame.jpg", "5"),
        size_of(&["render"], "high-frame.jpg", "100"),
    );
    assert!(
        low < high,
        "render: quality 5 gave {low} bytes, 100 gave {high}"
    );
}

#[test]
fn render_accumulate_renders_up_to_the_maximum_accumulation() {
    let mock = mock();
    // The production renderer accumulates its samples per pixel, one frame each.
    let renderer = r#"{"samples_per_pixel": 4}"#;
    json(&run(
        &mock.uri(),
        &["call", "set-renderer-production", renderer],
    ));
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("frame.png");
    let result = json(&run(
        &mock.uri(),
        &["render", "-o", png.to_str().unwrap(), "--accumulate"],
    ));
    assert_eq!(result["max_accumulation"], 4, "{result}");
    assert_eq!(
        result["accumulation"], result["max_accumulation"],
        "{result}"
    );
    assert!(png.exists());
}
