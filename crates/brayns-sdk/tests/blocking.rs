//! The blocking facade running a script's steps against `brayns-mock` (on a thread of its
//! own), from plain `#[test]` functions: no async anywhere in the caller.

use std::time::Duration;

use brayns_mock::MockServer;
use brayns_sdk::blocking::Brayns;
use brayns_sdk::types::{AddBoxesGeometryWithColor, BoxType, ImageSettings, SnapshotParams, View};
use brayns_sdk::{BRAYNS_VERSION, Error};

fn mock(steps: u32, step: Duration) -> brayns_mock::BackgroundMockServer {
    MockServer::builder()
        .progress_steps(steps)
        .step_duration(step)
        .start_in_background()
        .expect("the mock starts")
}

#[test]
fn a_script_runs_without_async() {
    let mock = mock(3, Duration::from_millis(1));
    let brayns = Brayns::connect(mock.uri()).expect("connects");

    let version = brayns.get_version().unwrap();
    assert_eq!(
        (version.major, version.minor, version.patch),
        (
            BRAYNS_VERSION.major as i64,
            BRAYNS_VERSION.minor as i64,
            BRAYNS_VERSION.patch as i64
        )
    );
    let model = brayns
        .add_boxes(&[AddBoxesGeometryWithColor {
            geometry: BoxType {
                min: [0.0; 3],
                max: [1.0; 3],
            },
            color: [1.0, 0.0, 0.0, 1.0],
        }])
        .unwrap();
    assert_eq!(brayns.get_scene().unwrap().models.len(), 1);
    assert_eq!(model.model_id, 0);
    let view = View {
        position: [0.0, 0.0, 5.0],
        target: [0.5; 3],
        up: [0.0, 1.0, 0.0],
    };
    brayns.set_camera_view(&view).unwrap();
    assert_eq!(brayns.get_camera_view().unwrap(), view);

    let mut task = brayns
        .snapshot(&SnapshotParams {
            image_settings: Some(ImageSettings {
                format: "png".to_owned(),
                quality: 100,
                size: Some([64, 64]),
            }),
            ..SnapshotParams::default()
        })
        .unwrap();
    assert!(task.id().is_some());
    let steps = task.progress().count();
    assert!(steps > 0, "progress arrives as an iterator");
    let image = task.wait().unwrap();
    assert_eq!(&image.binary[1..4], b"PNG");

    // What only the async API has is reachable through the facade's own runtime.
    let diff = brayns
        .block_on(brayns.asynchronous().verify_schemas())
        .unwrap()
        .unwrap();
    assert!(diff.is_empty(), "{diff}");
    brayns.disconnect().unwrap();
    mock.stop();
}

#[test]
fn a_task_cancels_and_ends_cancelled() {
    let mock = mock(1000, Duration::from_millis(10));
    let brayns = Brayns::connect(mock.uri()).unwrap();
    let mut task = brayns.snapshot(&SnapshotParams::default()).unwrap();
    assert!(task.next_progress().is_some(), "the snapshot is running");
    task.cancel().unwrap();
    let ended = task.wait();
    assert!(matches!(ended, Err(Error::Cancelled(_))), "{ended:?}");
    mock.stop();
}

#[test]
fn errors_are_the_async_apis_errors() {
    let mock = mock(1, Duration::from_millis(1));
    let brayns = Brayns::connect(mock.uri()).unwrap();
    let error = brayns
        .get_model(&brayns_sdk::types::GetModelMessage { id: 42 })
        .unwrap_err();
    assert!(matches!(error, Error::Server(_)), "{error:?}");
    mock.stop();
    // Nobody listens any more: connecting fails, it does not hang.
    let refused = Brayns::connect_with(
        brayns_sdk::Connector::new(mock_uri_after_stop())
            .max_attempts(Some(1))
            .connect_timeout(Duration::from_secs(2)),
        brayns_sdk::VersionPolicy::Ignore,
    );
    assert!(refused.is_err());
}

/// An address nothing listens on: a port bound and closed again.
fn mock_uri_after_stop() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    address.to_string()
}

#[test]
fn calls_from_inside_an_async_runtime_fail_instead_of_blocking() {
    let mock = mock(1, Duration::from_millis(1));
    let brayns = Brayns::connect(mock.uri()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let inside = runtime.block_on(async { brayns.get_version() });
    assert!(
        matches!(&inside, Err(Error::Usage(text)) if text.contains("async runtime")),
        "{inside:?}"
    );
    // The facade still works outside, and dropping it inside a runtime does not panic.
    assert!(brayns.get_version().is_ok());
    runtime.block_on(async move { drop(brayns) });
    mock.stop();
}

#[test]
fn the_scripting_layer_has_blocking_twins() {
    use brayns_sdk::Capture;
    use brayns_sdk::camera::Framing;
    use brayns_sdk::color::{Color, ColorMethod};
    use brayns_sdk::math::{Bounds, DVec3};
    use brayns_sdk::types::{ApplicationParametersUpdate, ColorMethodValuesMessage};

    let mock = mock(3, Duration::from_millis(1));
    let brayns = Brayns::connect(mock.uri()).expect("connects");
    brayns
        .set_application_parameters(&ApplicationParametersUpdate {
            viewport: Some([1600, 900]),
        })
        .unwrap();
    let first = brayns
        .add_boxes(&[AddBoxesGeometryWithColor {
            geometry: BoxType {
                min: [-1.0; 3],
                max: [1.0; 3],
            },
            color: [1.0; 4],
        }])
        .unwrap();
    brayns
        .add_boxes(&[AddBoxesGeometryWithColor {
            geometry: BoxType {
                min: [2.0, 0.0, 0.0],
                max: [4.0, 3.0, 1.0],
            },
            color: [1.0; 4],
        }])
        .unwrap();

    // Bounds and framing, as the async methods give them.
    let scene = Bounds::new(DVec3::splat(-1.0), DVec3::new(4.0, 3.0, 1.0));
    assert_eq!(brayns.scene_bounds().unwrap(), scene);
    assert_eq!(
        brayns.model_bounds(first.model_id).unwrap(),
        Bounds::new(DVec3::splat(-1.0), DVec3::ONE)
    );
    assert!((brayns.aspect_ratio().unwrap() - 16.0 / 9.0).abs() < 1e-12);
    let camera = brayns.frame_scene().unwrap();
    assert_eq!(
        camera,
        Framing::new(scene)
            .resolution(1600, 900)
            .projection(brayns.camera_projection().unwrap().unwrap())
            .camera()
    );
    assert_eq!(brayns.camera_view().unwrap(), camera.view);
    assert_eq!(
        brayns.frame_model(first.model_id).unwrap().view.target,
        DVec3::ZERO
    );

    // The simulation's frame is clamped.
    let simulation = brayns.simulation().unwrap();
    assert_eq!(
        brayns.set_simulation_frame(u64::MAX).unwrap(),
        simulation.end_frame
    );

    // Colors reach the model.
    brayns.set_model_color(first.model_id, Color::RED).unwrap();
    let values = brayns
        .get_color_values(&ColorMethodValuesMessage {
            id: first.model_id,
            method: ColorMethod::Solid.as_str().to_owned(),
        })
        .map(|values| values.len())
        .unwrap_or(0);
    let colored = brayns
        .color_by_palette(first.model_id, ColorMethod::Solid, &[Color::BLUE])
        .unwrap();
    assert_eq!(colored.len(), values);

    // Loading a file is one call, its progress an iterator.
    let mut task = brayns
        .load(
            "/data/cell.swc",
            brayns_sdk::types::NeuronMorphologyLoaderParameters::default(),
        )
        .unwrap();
    let _ = task.progress().count();
    assert_eq!(task.wait().unwrap().len(), 1);
    let loaders = brayns.loaders_for_file("/data/cell.swc").unwrap();
    assert!(
        loaders
            .iter()
            .any(|loader| loader.name == "Neuron Morphology loader")
    );

    // A capture saved to a file, its format from the extension.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scene.png");
    let saved = brayns
        .save_capture(
            &Capture::new().resolution(brayns_sdk::Resolution::new(64, 64)),
            &path,
        )
        .unwrap();
    assert_eq!(saved, path);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG file");
    assert!(
        brayns
            .save_capture(&Capture::new(), dir.path().join("scene.bmp"))
            .is_err(),
        "an unknown extension is refused"
    );
}
