//! Throughput and peak memory of the load scenarios, for BENCHMARKS.md ("Load (reliability
//! suite)"). Run in release mode, one scenario per process so the peak memory is its own:
//!
//! ```text
//! cargo bench -p brayns-reliability --bench load -- one      # 10,000 calls, 100 tasks, 1 connection
//! cargo bench -p brayns-reliability --bench load -- sixteen  # 16 connections at once
//! cargo bench -p brayns-reliability --bench load -- mock     # 16 connections to brayns-mock
//! ```
//!
//! The servers run in the same process (echo server or mock), so the memory includes them.

use std::time::Instant;

use brayns_mock::MockServer;
#[path = "../tests/support/mod.rs"]
mod support;

use brayns_rpc::Connector;
use support::{ScriptServer, load, peak_memory_kib};

const ROUNDS: usize = 5;

#[tokio::main]
async fn main() {
    // `cargo bench` appends `--bench` to the arguments: the scenario is the first word.
    let scenario = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .unwrap_or_else(|| "one".to_owned());
    let baseline = peak_memory_kib();
    let mut rates = Vec::with_capacity(ROUNDS);
    let mut calls = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        calls = match scenario.as_str() {
            "one" => {
                let server = ScriptServer::echo().await;
                let client = Connector::new(server.uri())
                    .connect()
                    .await
                    .expect("connects");
                load::echo_calls(&client, 100, 100).await
            }
            "sixteen" => {
                let server = ScriptServer::echo().await;
                load::echo_connections(&server.uri(), 16, 10, 100).await
            }
            "mock" => {
                let mock = MockServer::builder().start().await.expect("mock starts");
                let checked = load::mock_get_model(&mock.uri(), 16, 1_000).await;
                mock.stop().await;
                checked
            }
            other => panic!("unknown scenario {other:?} (one, sixteen, mock)"),
        };
        rates.push(calls as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[ROUNDS / 2];
    let mib = |kib: Option<u64>| {
        kib.map_or("n/a".to_owned(), |kib| {
            format!("{:.1} MiB", kib as f64 / 1024.0)
        })
    };
    let (baseline, peak) = (mib(baseline), mib(peak_memory_kib()));
    println!(
        "{scenario}: {calls} calls per round, {ROUNDS} rounds, median {median:.0} calls/s \
         (min {:.0}, max {:.0}), peak RSS {peak} (at start {baseline})",
        rates[0],
        rates[ROUNDS - 1]
    );
}
