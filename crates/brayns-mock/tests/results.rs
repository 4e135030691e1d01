//! Every entrypoint answers a result valid against its `returns` schema (or `null`), whatever
//! the order of calls: a deterministic sweep and a property test over random call sequences.

mod common;

use std::sync::OnceLock;

use brayns_mock::{
    BackgroundMockServer, MockServer, Snapshot, sample, sample_request, validate, validate_reply,
};
use common::{Incoming, connect};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Methods left out of sequences: `quit` stops the server, `cancel` answers about other requests.
const SKIPPED: [&str; 2] = ["quit", "cancel"];

fn methods(snapshot: &Snapshot) -> Vec<String> {
    snapshot
        .methods()
        .iter()
        .filter(|m| !SKIPPED.contains(&m.as_str()))
        .cloned()
        .collect()
}

/// Calls `method` with sampled params and checks the answer against the snapshot.
async fn check_call(
    client: &mut common::Client<tokio::net::TcpStream>,
    snapshot: &Snapshot,
    method: &str,
) {
    let entrypoint = snapshot.entrypoint(method).unwrap();
    let mut params = entrypoint.params.as_ref().map(sample_request);
    // Sampled strings are empty; name things that exist where the server looks them up.
    if let Some(Value::Object(fields)) = &mut params {
        if fields.contains_key("loader_name") {
            fields.insert("loader_name".to_owned(), json!("mesh"));
        }
        if method == "schema" {
            fields.insert("endpoint".to_owned(), json!("snapshot"));
        }
    }
    let id = if method == "upload-model" {
        let request = json!({"jsonrpc": "2.0", "id": 1000, "method": method, "params": params});
        client.send_binary(&request, b"payload").await;
        1000
    } else {
        client.request(method, params).await
    };
    let reply = client.response(id).await;
    let json = match &reply {
        Incoming::Text(json) | Incoming::Binary(json, _) => json,
        Incoming::Closed => panic!("{method}: connection closed"),
    };
    if let Some(error) = json.get("error") {
        // Sampled ids may name a model that a previous call removed (-32603); material getters
        // may ask for another material type, or a model without material (0).
        let code = error["code"].as_i64().unwrap();
        assert!(
            [-32603, 0].contains(&code),
            "{method}: unexpected error {error}"
        );
        assert_ne!(
            error["message"], "Invalid params schema",
            "{method}: sampled params must validate"
        );
        return;
    }
    let result = &json["result"];
    match &entrypoint.returns {
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

#[test]
fn samples_validate_in_their_direction() {
    let snapshot = Snapshot::embedded();
    for entrypoint in snapshot.entrypoints() {
        if let Some(schema) = &entrypoint.params {
            let value = sample_request(schema);
            assert_eq!(
                validate(schema, &value),
                Vec::<String>::new(),
                "{} params {value}",
                entrypoint.name
            );
            assert_eq!(sample_request(schema), value, "deterministic");
        }
        if let Some(schema) = &entrypoint.returns {
            let value = sample(schema);
            assert_eq!(
                validate_reply(schema, &value),
                Vec::<String>::new(),
                "{} returns {value}",
                entrypoint.name
            );
        }
    }
    for loader in snapshot.loaders().as_array().unwrap() {
        let schema = &loader["input_parameters_schema"];
        assert!(
            validate(schema, &sample_request(schema)).is_empty(),
            "{}",
            loader["name"]
        );
    }
}

#[tokio::test]
async fn every_entrypoint_answers_a_valid_result() {
    let mock = MockServer::builder()
        .step_duration(std::time::Duration::ZERO)
        .start()
        .await
        .unwrap();
    let snapshot = mock.snapshot().clone();
    let mut client = connect(&mock.uri()).await;
    // Give sampled model ids (0) something to point at.
    client
        .call(
            "add-spheres",
            Some(sample_request(
                snapshot
                    .entrypoint("add-spheres")
                    .unwrap()
                    .params
                    .as_ref()
                    .unwrap(),
            )),
        )
        .await;
    let mut ordered = methods(&snapshot);
    // Destructive calls last, so the others see a model.
    ordered.sort_by_key(|m| m.starts_with("clear-") || m == "remove-model");
    for method in &ordered {
        check_call(&mut client, &snapshot, method).await;
    }
    mock.stop().await;
}

fn shared_mock() -> &'static BackgroundMockServer {
    static MOCK: OnceLock<BackgroundMockServer> = OnceLock::new();
    MOCK.get_or_init(|| {
        MockServer::builder()
            .step_duration(std::time::Duration::ZERO)
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
