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
                size: Some([40, 30]),
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
