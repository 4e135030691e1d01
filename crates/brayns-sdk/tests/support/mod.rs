//! The harness of the generated end-to-end tests (`tests/generated/calls.rs`): one mock per
//! test, the state a method needs, schema-valid params, and checks of the typed output.
//!
//! The generator writes one test per method from its signature alone; what the server
//! needs to accept a call (a model to refer to, a running task to cancel, a loader that
//! exists) is Brayns knowledge, kept here by hand in [`Call::start`] and [`ADJUSTMENTS`].

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use brayns_mock::{Entrypoint, MockServer};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use brayns_sdk::{Brayns, Bytes, Connector, Result, Task, VersionPolicy, WithBinary};

/// Bounds every connection, request and task of a test: nothing may hang CI.
const LIMIT: Duration = Duration::from_secs(10);

/// Params members set over the sampled ones, by method: what the schema cannot say.
const ADJUSTMENTS: &[(&str, &str)] = &[
    // A loader that exists, with properties it accepts, for the 8 bytes of `Call::data`.
    (
        "upload-model",
        r#"{"type": "raw", "loader_name": "raw-volume", "loader_properties":
            {"data_type": "unsinged_char", "dimensions": [2, 2, 2], "spacing": [1, 1, 1]}}"#,
    ),
    // The BBP loader reads its circuit with its own library, which the mock does not model:
    // any path goes, but not an empty one.
    (
        "add-model",
        r#"{"path": "/circuit/BlueConfig", "loader_name": "BBP loader", "loader_properties": {}}"#,
    ),
    // Values the engine accepts (sampled numbers are 0, which a camera refuses).
    ("set-camera-perspective", r#"{"fovy": 45}"#),
    ("set-camera-cylindric", r#"{"fovy": 45}"#),
    ("set-camera-orthographic", r#"{"height": 1}"#),
    (
        "set-camera-view",
        r#"{"position": [0, 0, -1], "target": [0, 0, 0], "up": [0, 1, 0]}"#,
    ),
    // Model 0 (a box) has the `solid` and `primitive` color methods.
    (
        "color-model",
        r#"{"method": "solid", "values": {"color": [1, 1, 1, 1]}}"#,
    ),
    ("get-color-values", r#"{"method": "solid"}"#),
    // Model 1, an atlas, has use cases.
    ("get-available-atlas-usecases", r#"{"model_id": 1}"#),
    ("visualize-atlas-usecase", r#"{"model_id": 1}"#),
    // Model 1, a circuit with a report, has a simulation and a color ramp.
    ("enable-simulation", r#"{"model_id": 1}"#),
    ("get-color-ramp", r#"{"id": 1}"#),
    (
        "set-color-ramp",
        r#"{"id": 1, "color_ramp": {"colors": [[0, 0, 0, 1]], "range": [0, 1]}}"#,
    ),
    // Images come back as bytes only when they are not saved on the server; the sampled
    // size is 0×0 (the engine needs 64×64 at least) and the sampled view has no direction.
    (
        "snapshot",
        r#"{"file_path": "", "image_settings": {"format": "png", "size": [64, 64]},
            "camera_view": {"position": [0, 0, -1], "target": [0, 0, 0], "up": [0, 1, 0]}}"#,
    ),
    // An entrypoint that exists.
    ("schema", r#"{"endpoint": "get-version"}"#),
    (
        "export-gbuffers",
        r#"{"file_path": "", "resolution": [64, 64],
            "camera_view": {"position": [0, 0, -1], "target": [0, 0, 0], "up": [0, 1, 0]}}"#,
    ),
    // A frame is always sent, so the binary reply can be checked.
    ("render-image", r#"{"send": true, "force": true}"#),
];

/// The mock's snapshot, parsed once for all tests: the SDK's own compiled-in one, so the
/// tests follow the bindings to whatever release they are regenerated for.
fn snapshot() -> brayns_mock::Snapshot {
    static SNAPSHOT: OnceLock<brayns_mock::Snapshot> = OnceLock::new();
    SNAPSHOT
        .get_or_init(|| {
            brayns_mock::Snapshot::serving(brayns_sdk::compiled_snapshot())
                .expect("the mock serves the compiled-in snapshot")
        })
        .clone()
}

/// One method's end-to-end test: a mock, a connected [`Brayns`], and the method's schemas.
pub struct Call {
    method: &'static str,
    entry: Arc<Entrypoint>,
    mock: MockServer,
    brayns: Brayns,
    /// The task `cancel` is asked to cancel.
    running: Option<brayns_rpc::Task>,
}

impl Call {
    /// Starts a mock, connects, and prepares what `method` refers to: model 0 always
    /// exists; for `cancel`, a long task is running.
    pub async fn start(method: &'static str) -> Call {
        // Strict results: a result the mock builds from its state that the schema rejects
        // fails the call, rather than being replaced by a sample that would pass the check.
        let mut builder = MockServer::builder()
            .snapshot(snapshot())
            .strict_results(true)
            .progress_steps(2)
            .step_duration(Duration::from_millis(1));
        if method == "cancel" {
            builder = builder
                .progress_steps(1000)
                .step_duration(Duration::from_millis(10));
        }
        let mock = bounded("starting the mock", builder.start())
            .await
            .expect("the mock starts");
        let entry = mock
            .snapshot()
            .entrypoint(method)
            .unwrap_or_else(|| panic!("the mock has no `{method}`"))
            .clone();
        let connector = Connector::new(mock.uri())
            .connect_timeout(LIMIT)
            .request_timeout(Some(LIMIT));
        let brayns = bounded(
            "connecting",
            Brayns::connect_with(connector, VersionPolicy::Exact),
        )
        .await
        .expect("the SDK connects to the mock");
        let model: Value = bounded(
            "adding model 0",
            brayns.rpc().request(
                "add-boxes",
                Some(json!([{"geometry": {"min": [0, 0, 0], "max": [1, 1, 1]}, "color": [1, 1, 1, 1]}])),
            ),
        )
        .await
        .expect("a model is added");
        assert_eq!(model["model_id"], 0, "the first model is 0");
        if let Some(material) = method.strip_prefix("get-material-")
            && material != "type"
        {
            // Model 0 must have that material for the server to return it.
            let setter = format!("set-material-{material}");
            let schema = mock
                .snapshot()
                .entrypoint(&setter)
                .and_then(|e| e.params.clone());
            let mut params = brayns_mock::sample_request(&schema.expect("setters take params"));
            params["model_id"] = json!(0);
            bounded(
                "setting the material",
                brayns.rpc().request(setter.clone(), Some(params)),
            )
            .await
            .expect("the material is set");
        }
        if matches!(
            method,
            "enable-simulation" | "get-color-ramp" | "set-color-ramp"
        ) {
            // Only a model with a simulation has those: a circuit loaded with a report.
            let params = json!({
                "path": "/circuit/BlueConfig",
                "loader_name": "BBP loader",
                "loader_properties": {"report_type": "compartment", "report_name": "soma"}
            });
            let models: Value = bounded(
                "loading model 1",
                brayns.rpc().request("add-model", Some(params)),
            )
            .await
            .expect("a circuit is loaded");
            assert_eq!(models[0]["model_id"], 1, "the second model is 1");
        }
        if matches!(
            method,
            "get-available-atlas-usecases" | "visualize-atlas-usecase"
        ) {
            // Only an atlas (an NRRD volume) has use cases; the mock reads the file, parses
            // nothing.
            let nrrd = tempfile::Builder::new()
                .suffix(".nrrd")
                .tempfile()
                .expect("a temp file")
                .into_temp_path();
            let params = json!({
                "path": nrrd.to_str().expect("a UTF-8 path"),
                "loader_name": "NRRD loader",
                "loader_properties": {"type": "scalar"}
            });
            let models: Value = bounded(
                "loading model 1",
                brayns.rpc().request("add-model", Some(params)),
            )
            .await
            .expect("an atlas is loaded");
            assert_eq!(models[0]["model_id"], 1, "the second model is 1");
        }
        for (prefix, types) in [
            ("get-camera-", ["orthographic", "cylindric"].as_slice()),
            ("get-renderer-", ["production"].as_slice()),
        ] {
            if let Some(kind) = method.strip_prefix(prefix)
                && types.contains(&kind)
            {
                // A camera or renderer getter answers for the current type only.
                let setter = format!("set-{}", &method["get-".len()..]);
                let params = match kind {
                    "orthographic" => json!({"height": 1}),
                    _ => json!({}),
                };
                bounded(
                    "switching the type",
                    brayns.rpc().request(setter, Some(params)),
                )
                .await
                .map(|_: Value| ())
                .expect("the type is switched");
            }
        }
        let mut running = None;
        if method == "cancel" {
            let mut task = brayns
                .rpc()
                .start_task(brayns_rpc::Request::new("snapshot").params_value(json!({})))
                .expect("a task starts");
            // Running for sure once it reports progress.
            let progress = bounded("the task to cancel", task.next_progress()).await;
            assert!(progress.is_some(), "the task to cancel is running");
            running = Some(task);
        }
        Call {
            method,
            entry,
            mock,
            brayns,
            running,
        }
    }

    /// The client to call the method with.
    pub fn brayns(&self) -> &Brayns {
        &self.brayns
    }

    /// Schema-valid params (`brayns_mock::sample_request` of the method's params schema,
    /// with [`ADJUSTMENTS`]), decoded into the method's params type.
    pub fn params<P: DeserializeOwned>(&self) -> P {
        let schema = self.entry.params.as_ref().expect("the method takes params");
        let mut params = brayns_mock::sample_request(schema);
        if let Some((_, adjustment)) = ADJUSTMENTS.iter().find(|(m, _)| *m == self.method) {
            let adjustment: Value = serde_json::from_str(adjustment).expect("adjustments are JSON");
            merge(&mut params, adjustment);
        }
        if let Some(task) = &self.running {
            params["id"] = json!(task.id().get());
        }
        let errors = brayns_mock::validate(schema, &params);
        assert!(
            errors.is_empty(),
            "{}: {params} is invalid: {errors:?}",
            self.method
        );
        serde_json::from_value(params.clone()).unwrap_or_else(|error| {
            panic!(
                "{}: {params} does not decode into the params type: {error}",
                self.method
            )
        })
    }

    /// The binary payload of a request (`upload-model`): 2×2×2 unsigned chars.
    pub fn data(&self) -> Bytes {
        Bytes::from_static(&[7; 8])
    }

    /// Follows a task's progress to its end and returns its output.
    pub async fn run_task<T: Send + 'static>(&self, task: Result<Task<T>>) -> Result<T> {
        let method = self.method;
        let mut task = task.unwrap_or_else(|error| panic!("{method}: not started: {error}"));
        bounded("the task", async move {
            let mut steps = 0;
            while let Some(progress) = task.next_progress().await {
                assert!(
                    (0.0..=1.0).contains(&progress.amount),
                    "{method}: {progress:?}"
                );
                steps += 1;
            }
            assert!(steps > 0, "{method}: a task reports progress");
            task.await
        })
        .await
    }

    /// The call succeeded and its typed result, encoded again, is a valid reply.
    pub fn check_result<T: Serialize>(&self, output: Result<T>) {
        let result = self.unwrap(output);
        let schema = self
            .entry
            .returns
            .as_ref()
            .expect("the method has a result");
        let value = serde_json::to_value(&result).expect("results encode");
        let errors = brayns_mock::validate_reply(schema, &value);
        assert!(
            errors.is_empty(),
            "{}: {value} is not a valid result: {errors:?}",
            self.method
        );
    }

    /// The call of a method without result succeeded.
    pub fn check_unit(&self, output: Result<()>) {
        self.unwrap(output);
        assert!(self.entry.returns.is_none(), "{} has a result", self.method);
    }

    /// The result is valid and the image came as the binary payload.
    pub fn check_with_binary<T: Serialize>(&self, output: Result<WithBinary<T>>) {
        let WithBinary { result, binary } = self.unwrap(output);
        assert!(!binary.is_empty(), "{}: no binary payload", self.method);
        self.check_result(Ok(result));
    }

    /// The binary payload (the only output) came.
    pub fn check_binary(&self, output: Result<Bytes>) {
        let binary = self.unwrap(output);
        assert!(!binary.is_empty(), "{}: no binary payload", self.method);
    }

    /// Checks that the task `cancel` cancelled ended so, and stops the mock (after `quit`
    /// it has stopped already).
    pub async fn finish(self) {
        if let Some(task) = self.running {
            let end = bounded("the cancelled task", task.wait()).await;
            assert!(
                matches!(end, Err(brayns_rpc::Error::Cancelled(_))),
                "the cancelled task ended with {end:?}"
            );
        }
        self.brayns.rpc().disconnect().await;
        bounded("stopping the mock", self.mock.stop()).await;
    }

    fn unwrap<T>(&self, output: Result<T>) -> T {
        output.unwrap_or_else(|error| panic!("{}: {error:?}", self.method))
    }
}

/// `future`, or a panic naming `what` after [`LIMIT`].
async fn bounded<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} took more than {LIMIT:?}"))
}

/// Sets the members of `patch` in `target`, recursively.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
        (target, patch) => *target = patch,
    }
}
