//! Load scenarios shared by the load tests (correctness only) and the `load` example
//! (throughput and memory, release mode): many calls in flight, each answer checked by
//! content against what that very call asked, so a lost or crossed answer cannot pass.

use brayns_rpc::{Client, Connector};
use futures_util::future::join_all;
use serde_json::{Value, json};

/// `tasks` spawned tasks on one client, each with `calls_per_task` calls in flight at once to
/// a server that echoes (`{"method", "params"}`, see [`crate::Peer::echo`]). Panics on any
/// failed, lost or wrong answer; returns how many answers were checked.
pub async fn echo_calls(client: &Client, tasks: usize, calls_per_task: usize) -> usize {
    let workers: Vec<_> = (0..tasks)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let calls = (0..calls_per_task).map(|call| {
                    let client = &client;
                    async move {
                        let params = json!({"task": task, "call": call});
                        let answer = client
                            .request("echo", Some(params.clone()))
                            .await
                            .unwrap_or_else(|error| panic!("call {task}/{call} failed: {error}"));
                        assert_eq!(
                            answer,
                            json!({"method": "echo", "params": params}),
                            "call {task}/{call} got someone else's answer"
                        );
                    }
                });
                join_all(calls).await.len()
            })
        })
        .collect();
    let mut checked = 0;
    for worker in workers {
        checked += worker.await.expect("worker panicked");
    }
    checked
}

/// `connections` clients to the echo server at `uri`, at once, each running
/// [`echo_calls`] with `tasks` × `calls_per_task`. Returns how many answers were checked.
pub async fn echo_connections(
    uri: &str,
    connections: usize,
    tasks: usize,
    calls_per_task: usize,
) -> usize {
    let clients =
        join_all((0..connections).map(|_| async { Connector::new(uri).connect().await })).await;
    let clients: Vec<Client> = clients
        .into_iter()
        .map(|client| client.expect("connects"))
        .collect();
    let runs = clients
        .iter()
        .map(|client| echo_calls(client, tasks, calls_per_task));
    join_all(runs).await.into_iter().sum()
}

/// Against brayns-mock: adds one sphere model per connection, then `connections` clients at
/// once each ask `get-model` `calls` times (all in flight), cycling through every model id;
/// each answer must describe the model that was asked for. Returns how many were checked.
pub async fn mock_get_model(uri: &str, connections: usize, calls: usize) -> usize {
    let setup = Connector::new(uri).connect().await.expect("connects");
    let mut ids = Vec::with_capacity(connections);
    for n in 0..connections {
        let sphere =
            json!([{"color": [1, 1, 1, 1], "geometry": {"center": [n, 0, 0], "radius": 1}}]);
        let model = setup
            .request("add-spheres", Some(sphere))
            .await
            .expect("add-spheres");
        ids.push(model["model_id"].as_u64().expect("a model id"));
    }
    let clients =
        join_all((0..connections).map(|_| async { Connector::new(uri).connect().await })).await;
    let runs = clients.into_iter().enumerate().map(|(n, client)| {
        let client = client.expect("connects");
        let ids = &ids;
        async move {
            let calls = (0..calls).map(|call| {
                let client = &client;
                let id = ids[(n + call) % ids.len()];
                async move {
                    let model: Value = client
                        .request("get-model", Some(json!({"id": id})))
                        .await
                        .unwrap_or_else(|error| panic!("get-model {id} failed: {error}"));
                    assert_eq!(model["model_id"], id, "get-model {id} got another model");
                }
            });
            join_all(calls).await.len()
        }
    });
    join_all(runs).await.into_iter().sum()
}
