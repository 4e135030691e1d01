//! Load: thousands of calls in flight, on one connection and on sixteen at once; every call
//! gets its own answer (checked by content), nothing is lost. Correctness only: throughput
//! and memory are measured by `examples/load.rs` in release mode (BENCHMARKS.md).

mod support;

use brayns_mock::MockServer;
use brayns_rpc::Connector;
use support::{ScriptServer, bounded, load};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_from_100_tasks_on_one_connection() {
    bounded(async {
        let server = ScriptServer::echo().await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        assert_eq!(load::echo_calls(&client, 100, 100).await, 10_000);
        assert_eq!(client.pending_count(), 0, "nothing left behind");
        assert!(client.is_connected());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_connections_at_once() {
    bounded(async {
        let server = ScriptServer::echo().await;
        assert_eq!(
            load::echo_connections(&server.uri(), 16, 10, 50).await,
            16 * 500
        );
        assert_eq!(server.accepted(), 16);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_connections_to_the_mock_each_get_the_model_they_asked_for() {
    bounded(async {
        let mock = MockServer::builder().start().await.unwrap();
        assert_eq!(load::mock_get_model(&mock.uri(), 16, 250).await, 16 * 250);
        mock.stop().await;
    })
    .await;
}
