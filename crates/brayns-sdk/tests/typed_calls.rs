//! The generated methods against the mock server: typed params out, typed results back,
//! binary payloads both ways, async tasks with progress and cancel, server errors typed.

use std::time::Duration;

use brayns_mock::MockServer;
use brayns_sdk::loaders::LoaderProperties;
use brayns_sdk::types::{
    BBPLoaderParameters, CancelParams, Channels, DataType, GBuffersParams, GetModelMessage,
    ModelInstanceUpdate, RawVolumeLoaderParameters, RenderImageParams, SnapshotParams,
    UpdateModelMessage, UploadModelParams,
};
use brayns_sdk::{Brayns, Error};

/// Every test is bounded: nothing may hang CI.
const LIMIT: Duration = Duration::from_secs(20);

async fn connect(mock: &MockServer) -> Brayns {
    Brayns::connect(mock.uri())
        .await
        .expect("the mock accepts connections")
}

/// A mock whose snapshots take 10 s (1000 steps), so they can be cancelled while running,
/// and a client of it.
async fn slow_snapshots() -> (MockServer, Brayns) {
    let mock = MockServer::builder()
        .progress_steps(1000)
        .step_duration(Duration::from_millis(10))
        .start()
        .await
        .expect("the mock starts");
    let brayns = connect(&mock).await;
    (mock, brayns)
}

async fn mock() -> MockServer {
    MockServer::builder()
        .bind("127.0.0.1:0".parse().unwrap())
        .step_duration(Duration::from_millis(20))
        .start()
        .await
        .expect("the mock starts")
}

#[tokio::test]
async fn methods_without_params_return_typed_results() {
    tokio::time::timeout(LIMIT, async {
        let mock = mock().await;
        let brayns = connect(&mock).await;
        let version = brayns.get_version().await.unwrap();
        assert_eq!((version.major, version.minor, version.patch), (3, 10, 1));
        let registry = brayns.registry().await.unwrap();
        assert_eq!(registry.len(), brayns_sdk::METHODS.len());
        brayns.clear_models().await.unwrap();
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn snapshot_is_a_task_with_progress_and_image_bytes() {
    tokio::time::timeout(LIMIT, async {
        let mock = mock().await;
        let brayns = connect(&mock).await;
        let mut task = brayns.snapshot(&SnapshotParams::default()).unwrap();
        let mut progress = 0;
        while let Some(step) = task.next_progress().await {
            assert!((0.0..=1.0).contains(&step.amount), "{step:?}");
            progress += 1;
        }
        let output = task.await.unwrap();
        assert!(progress > 0, "the mock reports progress");
        assert!(
            !output.binary.is_empty(),
            "the image comes as the binary payload"
        );
        assert_eq!(output.result.color_buffer.size, output.binary.len() as u64);
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn binary_replies_of_export_gbuffers_and_render_image() {
    tokio::time::timeout(LIMIT, async {
        let mock = mock().await;
        let brayns = connect(&mock).await;
        // The required property, every optional one left out.
        let params = GBuffersParams::new(vec![Channels::Color]);
        assert_eq!(
            serde_json::to_value(&params).unwrap(),
            serde_json::json!({"channels": ["color"]})
        );
        let exr = brayns.export_gbuffers(&params).unwrap().await.unwrap();
        assert!(!exr.is_empty(), "the EXR comes as the binary payload");
        let image = brayns
            .render_image(&RenderImageParams::default())
            .await
            .unwrap();
        assert!(image.result.accumulation <= image.result.max_accumulation);
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn a_task_whose_cancel_was_accepted_ends_cancelled_not_with_its_result() {
    tokio::time::timeout(LIMIT, async {
        let mock = MockServer::builder()
            .bind("127.0.0.1:0".parse().unwrap())
            .progress_steps(50)
            .step_duration(Duration::from_millis(50))
            .start()
            .await
            .unwrap();
        let brayns = connect(&mock).await;
        let mut task = brayns.snapshot(&SnapshotParams::default()).unwrap();
        assert!(task.next_progress().await.is_some(), "the task runs");
        // The server accepted the cancel, so the task was still its to stop (2.5 s of steps
        // were left): it must end cancelled. A result here would mean the cancel was lost.
        task.cancel().await.unwrap();
        let end = task.wait().await;
        assert!(matches!(end, Err(Error::Cancelled(_))), "{end:?}");
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn models_load_with_typed_loader_properties_and_update_without_read_only_fields() {
    tokio::time::timeout(LIMIT, async {
        let mock = mock().await;
        let brayns = connect(&mock).await;
        let properties = LoaderProperties::from(RawVolumeLoaderParameters {
            data_type: DataType::UnsingedChar,
            dimensions: [2, 2, 2],
            spacing: [1.0, 1.0, 1.0],
        });
        let params = UploadModelParams::new("raw".to_owned(), &properties).unwrap();
        assert_eq!(params.loader_name, "raw-volume");
        assert_eq!(params.loader_properties["data_type"], "unsinged_char");
        let models = brayns
            .upload_model(&params, brayns_sdk::Bytes::from_static(&[0; 8]))
            .unwrap()
            .await
            .unwrap();
        let model_id = models[0].model_id;

        let bbp = LoaderProperties::from(BBPLoaderParameters {
            percentage: 0.5,
            ..BBPLoaderParameters::default()
        });
        let params =
            brayns_sdk::types::AddModelParams::new("circuit/BlueConfig".into(), &bbp).unwrap();
        assert_eq!(
            params.loader_properties["neuron_morphology_parameters"]["growth"],
            1.0
        );
        brayns.add_model(&params).unwrap().await.unwrap();

        let updated = brayns
            .update_model(&UpdateModelMessage {
                model_id,
                model: ModelInstanceUpdate {
                    is_visible: Some(false),
                    ..Default::default()
                },
            })
            .await
            .unwrap();
        assert_eq!(updated.model_id, model_id);
        assert_eq!(updated.is_visible, Some(false));
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn server_errors_are_typed() {
    tokio::time::timeout(LIMIT, async {
        let mock = mock().await;
        let brayns = connect(&mock).await;
        let error = brayns
            .get_model(&GetModelMessage { id: 123_456 })
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Server(_)), "{error}");
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn invalid_params_come_back_typed_with_the_validation_messages() {
    tokio::time::timeout(LIMIT, async {
        let mock = mock().await;
        let brayns = connect(&mock).await;
        let light = brayns_sdk::types::AmbientLight {
            intensity: -1.0,
            ..Default::default()
        };
        let error = brayns.add_light_ambient(&light).await.unwrap_err();
        let Error::Server(server) = &error else {
            panic!("expected a server error, got {error:?}");
        };
        assert_eq!(server.code, brayns_sdk::rpc::ServerError::INVALID_PARAMS);
        assert_eq!(error.server_error(), Some(server));
        let data = server
            .data
            .as_ref()
            .expect("validation errors come as data");
        assert!(data.to_string().contains("intensity"), "{data}");
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn cancelling_a_running_snapshot_ends_it_cancelled() {
    tokio::time::timeout(LIMIT, async {
        let (mock, brayns) = slow_snapshots().await;
        let mut task = brayns.snapshot(&SnapshotParams::default()).unwrap();
        let first = task.next_progress().await;
        assert!(first.is_some(), "the task runs");
        task.cancel().await.unwrap();
        let id = serde_json::json!(task.id().get());
        let error = task.await.unwrap_err();
        assert!(matches!(error, Error::Cancelled(_)), "{error:?}");
        let log = mock.task_log();
        log.wait_until(|events| {
            events
                .iter()
                .any(|event| event.outcome == brayns_mock::TaskOutcome::Cancelled)
        })
        .await;
        assert!(
            log.outcomes_of(&id)
                .contains(&brayns_mock::TaskOutcome::Cancelled)
        );
        mock.stop().await;
    })
    .await
    .expect("in time");
}

/// The generated `cancel` method takes the id of a task the SDK started.
#[tokio::test]
async fn the_cancel_method_takes_a_task_id() {
    tokio::time::timeout(LIMIT, async {
        let (mock, brayns) = slow_snapshots().await;
        let mut task = brayns.snapshot(&SnapshotParams::default()).unwrap();
        assert!(task.next_progress().await.is_some(), "the task runs");
        brayns
            .cancel(&CancelParams { id: task.id() })
            .await
            .unwrap();
        let error = task.await.unwrap_err();
        assert!(matches!(error, Error::Cancelled(_)), "{error:?}");
        mock.stop().await;
    })
    .await
    .expect("in time");
}
