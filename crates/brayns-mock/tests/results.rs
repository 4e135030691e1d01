//! Every entrypoint answers a result valid against its `returns` schema (or `null`), whatever
//! the order of calls: a deterministic sweep and a property test over random call sequences.

mod common;

use std::sync::OnceLock;

use brayns_mock::{
    BackgroundMockServer, MockServer, Snapshot, sample, sample_request, samples, samples_request,
    validate, validate_reply,
};
use common::{Incoming, connect};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Methods left out of random sequences: `quit` stops the server, `cancel` answers about other
/// requests. The sweep calls both (cancel as an expected error, quit last).
const SKIPPED: [&str; 2] = ["quit", "cancel"];

fn methods(snapshot: &Snapshot) -> Vec<String> {
    snapshot
        .methods()
        .iter()
        .filter(|m| !SKIPPED.contains(&m.as_str()))
        .cloned()
        .collect()
}

/// A mesh file for `add-model` to read, for the whole test binary.
fn mesh_path() -> &'static str {
    static MESH: OnceLock<tempfile::TempPath> = OnceLock::new();
    MESH.get_or_init(common::obj_file).to_str().unwrap()
}

/// The sampled params of `method`, with names the server looks up pointing at things that
/// exist and values the engine accepts (sampled numbers are 0, which a camera refuses).
fn sampled_params(snapshot: &Snapshot, method: &str) -> Option<Value> {
    let entrypoint = snapshot.entrypoint(method).unwrap();
    let mut params = entrypoint.params.as_ref().map(sample_request);
    // Sampled strings are empty; name things that exist where the server looks them up.
    if let Some(Value::Object(fields)) = &mut params {
        if fields.contains_key("loader_name") {
            fields.insert("loader_name".to_owned(), json!("mesh"));
        }
        let accepted = match method {
            "schema" => json!({"endpoint": "snapshot"}),
            "add-model" => json!({"path": mesh_path()}),
            "upload-model" => json!({"type": "obj"}),
            "color-model" => json!({"method": "solid", "values": {"color": [1.0, 1.0, 1.0, 1.0]}}),
            "get-color-values" => json!({"method": "solid"}),
            "set-camera-perspective" | "set-camera-cylindric" => json!({"fovy": 45.0}),
            "set-camera-orthographic" => json!({"height": 1.0}),
            "set-camera-view" => json!({"position": [0.0, 0.0, -1.0], "up": [0.0, 1.0, 0.0]}),
            // 64 x 64 at least, and a view with a direction.
            "snapshot" => json!({
                "image_settings": {"size": [64, 64]},
                "camera_view": {"position": [0.0, 0.0, -1.0], "target": [0.0, 0.0, 0.0], "up": [0.0, 1.0, 0.0]}
            }),
            "export-gbuffers" => json!({
                "resolution": [64, 64],
                "camera_view": {"position": [0.0, 0.0, -1.0], "target": [0.0, 0.0, 0.0], "up": [0.0, 1.0, 0.0]}
            }),
            "set-color-ramp" => {
                json!({"color_ramp": {"colors": [[0.0, 0.0, 0.0, 1.0]], "range": [0.0, 1.0]}})
            }
            _ => json!({}),
        };
        for (key, value) in accepted.as_object().unwrap() {
            fields.insert(key.clone(), value.clone());
        }
    }
    params
}

/// Calls `method` with `params` and returns its final message (result or error).
async fn call(
    client: &mut common::Client<tokio::net::TcpStream>,
    method: &str,
    params: Option<Value>,
) -> Value {
    let id = if method == "upload-model" {
        let request = json!({"jsonrpc": "2.0", "id": 1000, "method": method, "params": params});
        client
            .send_binary(&request, common::TRIANGLE_OBJ.as_bytes())
            .await;
        1000
    } else {
        client.request(method, params).await
    };
    match client.response(id).await {
        Incoming::Text(json) | Incoming::Binary(json, _) => json,
        Incoming::Closed => panic!("{method}: connection closed"),
    }
}

/// Checks a successful reply of `method` against its `returns` schema (or `null`).
fn check_result(snapshot: &Snapshot, method: &str, reply: &Value) {
    let result = &reply["result"];
    match &snapshot.entrypoint(method).unwrap().returns {
        Some(schema) => {
            let problems = validate_reply(schema, result);
            assert!(
                problems.is_empty(),
                "{method} answered {result}: {problems:?}"
            );
        }
        None => assert_eq!(result, &Value::Null, "{method}"),
    }
}

/// Whether `message` is `pattern`, where `{N}` stands for a decimal number and `{S}` for
/// any text without a quote (at most one of them per pattern).
fn message_matches(pattern: &str, message: &str) -> bool {
    let (before, after, fits): (&str, &str, fn(&str) -> bool) =
        if let Some((before, after)) = pattern.split_once("{N}") {
            (before, after, |number| {
                !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
            })
        } else if let Some((before, after)) = pattern.split_once("{S}") {
            (before, after, |text| !text.contains('\''))
        } else {
            return pattern == message;
        };
    message
        .strip_prefix(before)
        .and_then(|rest| rest.strip_suffix(after))
        .is_some_and(fits)
}

/// Whether `error` is one of `expected` (code, message pattern).
fn error_is_one_of(error: &Value, expected: &[(i64, &str)]) -> bool {
    expected.iter().any(|(code, pattern)| {
        error["code"] == *code
            && error["message"]
                .as_str()
                .is_some_and(|message| message_matches(pattern, message))
            && error.get("data").is_none()
    })
}

/// The only methods that fail in the sweep, with why and their exact error.
const SWEEP_ERRORS: &[(&str, &str, i64, &str)] = &[
    (
        "enable-simulation",
        "model 0 is geometry, which has no simulation (EnableSimulationEntrypoint.cpp)",
        0,
        "The model does not have simulation",
    ),
    (
        "cancel",
        "the sampled id (0) names no request of this client",
        -32602,
        "No requests found with ID {N}.",
    ),
];

/// What a random call sequence may legitimately get instead of a result: a sampled id naming a
/// model that an earlier call removed, a model without the component asked for, a getter of
/// another camera, renderer or material type than the current one, and the engine's checks on
/// a state an earlier call left (a sampled viewport of 0, an empty simulation).
const SEQUENCE_ERRORS: &[(i64, &str)] = &[
    (-32602, "No model found with ID {N}"),
    (-32603, "No instance with id {N} was found"),
    (0, "The model does not have material"),
    (-32600, "Invalid material type (should be '{S}')"),
    (-32600, "Invalid camera type (should be '{S}')"),
    (-32600, "Invalid renderer type (should be '{S}')"),
    (0, "The requested model does not have a color ramp"),
    (-32600, "The requested model does not have a color ramp"),
    (-32603, "Color method '{S}' not found"),
    (0, "The model does not have simulation"),
    (
        -32602,
        "The requested model does not have an Atlas component",
    ),
    (-32603, "Simulation frame out of range"),
    (-32603, "Frame size must be greather than or equal to 64x64"),
];

/// Calls `method` with sampled params in a random sequence: a valid result or a known error.
async fn check_call(
    client: &mut common::Client<tokio::net::TcpStream>,
    snapshot: &Snapshot,
    method: &str,
) {
    let reply = call(client, method, sampled_params(snapshot, method)).await;
    if let Some(error) = reply.get("error") {
        assert!(
            error_is_one_of(error, SEQUENCE_ERRORS),
            "{method}: unexpected error {error}"
        );
        return;
    }
    check_result(snapshot, method, &reply);
}

#[test]
fn samples_validate_in_their_direction() {
    let snapshot = Snapshot::embedded();
    for entrypoint in snapshot.entrypoints() {
        let method = &entrypoint.method;
        if let Some(schema) = &entrypoint.params {
            let all = samples_request(schema);
            assert_eq!(all[0], sample_request(schema), "{method}: sample first");
            assert_eq!(samples_request(schema), all, "deterministic");
            for value in &all {
                assert_eq!(
                    validate(schema, value),
                    Vec::<String>::new(),
                    "{method} params {value}"
                );
            }
        }
        if let Some(schema) = &entrypoint.returns {
            let all = samples(schema);
            assert_eq!(all[0], sample(schema), "{method}: sample first");
            for value in &all {
                assert_eq!(
                    validate_reply(schema, value),
                    Vec::<String>::new(),
                    "{method} returns {value}"
                );
            }
        }
    }
    for loader in snapshot.loaders().unwrap() {
        let schema = &loader.properties;
        for value in samples_request(schema) {
            assert!(
                validate(schema, &value).is_empty(),
                "{}: {value}",
                loader.name
            );
        }
    }
}

/// Every method answers a schema-valid result, with the preconditions it needs set up first;
/// only the methods of [`SWEEP_ERRORS`] fail, with exactly their error.
#[tokio::test]
async fn every_entrypoint_answers_a_valid_result() {
    // Strict: a result built from the state that its schema rejects is an error here, not
    // quietly replaced by a (valid) sample, which would let this sweep pass over it.
    let mock = MockServer::builder()
        .step_duration(std::time::Duration::ZERO)
        .strict_results(true)
        .start()
        .await
        .unwrap();
    let snapshot = mock.snapshot().clone();
    let mut client = connect(&mock.uri()).await;
    // Give sampled model ids (0) something to point at.
    let spheres = sampled_params(&snapshot, "add-spheres");
    let model = client.call("add-spheres", spheres.clone()).await;
    assert_eq!(model["model_id"], 0);
    let mut ordered = methods(&snapshot);
    // Destructive calls last, so the others see model 0; then cancel, then quit.
    ordered.sort_by_key(|m| m.starts_with("clear-") || m == "remove-model");
    ordered.push("cancel".to_owned());
    ordered.push("quit".to_owned());
    let mut failed = Vec::new();
    for method in &ordered {
        let mut params = sampled_params(&snapshot, method);
        for (prefix, kinds) in [("get-camera-", CAMERAS), ("get-renderer-", RENDERERS)] {
            if let Some(kind) = method.strip_prefix(prefix)
                && kinds.contains(&kind)
            {
                // A camera or renderer getter answers for the current type only.
                let setter = format!("set-{}", &method["get-".len()..]);
                client
                    .call(&setter, sampled_params(&snapshot, &setter))
                    .await;
            }
        }
        if method == "get-available-atlas-usecases" || method == "visualize-atlas-usecase" {
            // Only an atlas (an NRRD volume) has use cases: load one, name it.
            let atlas = client.call("add-model", Some(nrrd_atlas())).await;
            params.as_mut().unwrap()["model_id"] = atlas[0]["model_id"].clone();
        }
        if method == "get-color-ramp" || method == "set-color-ramp" {
            // Only volumes (and simulations) have a color ramp: load one, name it.
            let volume = client.call("add-model", Some(raw_volume())).await;
            params.as_mut().unwrap()["id"] = volume[0]["model_id"].clone();
        }
        if let Some(kind) = method.strip_prefix("get-material-")
            && kind != "type"
        {
            // A getter answers for the model's current material type only: set that type first.
            let setter = format!("set-material-{kind}");
            client
                .call(&setter, sampled_params(&snapshot, &setter))
                .await;
        }
        if method == "remove-model" {
            // Remove a model that exists (model 0 went with clear-models).
            let added = client.call("add-spheres", spheres.clone()).await;
            params = Some(json!({"ids": [added["model_id"]]}));
        }
        let reply = call(&mut client, method, params).await;
        let Some(error) = reply.get("error") else {
            check_result(&snapshot, method, &reply);
            continue;
        };
        let expected = SWEEP_ERRORS
            .iter()
            .find(|(name, ..)| name == method)
            .unwrap_or_else(|| panic!("{method}: unexpected error {error}"));
        let (_, reason, code, message) = *expected;
        assert!(
            error_is_one_of(error, &[(code, message)]),
            "{method} ({reason}): expected {code} {message:?}, got {error}"
        );
        failed.push(method.as_str());
    }
    let expected: Vec<&str> = SWEEP_ERRORS.iter().map(|(method, ..)| *method).collect();
    assert_eq!(failed, expected, "every listed failure happens");
    client.expect_closed().await;
    mock.stop().await;
}

/// The camera and renderer types with getters, which answer for the current type only.
const CAMERAS: &[&str] = &["perspective", "orthographic", "cylindric"];
const RENDERERS: &[&str] = &["interactive", "production"];

/// `add-model` params loading a 2x2x2 volume of bytes, which has a color ramp.
fn raw_volume() -> Value {
    static VOLUME: OnceLock<tempfile::TempPath> = OnceLock::new();
    let path = VOLUME.get_or_init(|| {
        let file = tempfile::Builder::new().suffix(".raw").tempfile().unwrap();
        std::fs::write(file.path(), [0u8; 8]).unwrap();
        file.into_temp_path()
    });
    json!({
        "path": path.to_str().unwrap(),
        "loader_name": "raw-volume",
        "loader_properties": {"data_type": "unsinged_char", "dimensions": [2, 2, 2], "spacing": [1.0, 1.0, 1.0]}
    })
}

/// `add-model` params loading an NRRD atlas (the mock reads the file but parses nothing).
fn nrrd_atlas() -> Value {
    static ATLAS: OnceLock<tempfile::TempPath> = OnceLock::new();
    let path = ATLAS.get_or_init(|| {
        let file = tempfile::Builder::new().suffix(".nrrd").tempfile().unwrap();
        std::fs::write(file.path(), b"NRRD0004\n").unwrap();
        file.into_temp_path()
    });
    json!({"path": path.to_str().unwrap(), "loader_name": "NRRD loader", "loader_properties": {"type": "scalar"}})
}

fn shared_mock() -> &'static BackgroundMockServer {
    static MOCK: OnceLock<BackgroundMockServer> = OnceLock::new();
    MOCK.get_or_init(|| {
        MockServer::builder()
            .step_duration(std::time::Duration::ZERO)
            // As in the sweep: a misfit is an unexpected error, never a sample.
            .strict_results(true)
            .start_in_background()
            .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_call_sequence_answers_valid_results(sequence in proptest::collection::vec(any::<prop::sample::Index>(), 1..10)) {
        let snapshot = Snapshot::embedded();
        let all = methods(&snapshot);
        let uri = shared_mock().uri();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut client = connect(&uri).await;
            for index in &sequence {
                check_call(&mut client, &snapshot, &all[index.index(all.len())]).await;
            }
        });
    }
}
