//! jsonrpsee's websocket client (the most used Rust JSON-RPC client) doing the Brayns SDK
//! bench's calls against a running server, for the side-by-side table of BENCHMARKS.md.
//!
//! ```sh
//! cargo run --release --manifest-path bench/peers/jsonrpsee/Cargo.toml -- \
//!     --uri 127.0.0.1:5000 [--quick]
//! ```
//!
//! Prints one line of JSON with the field names of the SDK bench (`crates/brayns-sdk/examples/
//! bench.rs`): `sequential_rps` (`get-version`, one call at a time), `pipelined_rps` (64 in
//! flight), `large_params_mib_s` (`add-spheres` with about 64 MiB of params, the typed params
//! serialized on every call as the SDK does), and the client's CPU time per call
//! (`*_cpu_us_per_call`: on-CPU time of every thread of this process, from
//! `/proc/self/task/*/schedstat`, divided by the calls). Every figure is the median of the
//! rounds.
//!
//! No binary figure: Brayns sends a reply that carries binary data (`snapshot`) as one
//! binary websocket frame (a length-prefixed JSON header, then the bytes), and jsonrpsee
//! only reads JSON text, so it cannot receive that reply; nor can it follow Brayns' progress
//! notifications (they name the request in `params.id`, not as a JSON-RPC id or a
//! subscription). `binary_mib_s` is therefore `null`, with the reason in `binary_note`.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use jsonrpsee_core::client::ClientT;
use jsonrpsee_core::rpc_params;
use jsonrpsee_core::traits::ToRpcParams;
use jsonrpsee_ws_client::{WsClient, WsClientBuilder};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// Calls in flight in the pipelined workload, as in the SDK bench.
const WINDOW: usize = 64;
/// Target size of the `add-spheres` params, as in the SDK bench.
const LARGE: usize = 64 << 20;
const MIB: f64 = (1 << 20) as f64;

fn main() -> anyhow::Result<()> {
    let mut uri = None;
    let mut quick = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--uri" => uri = Some(args.next().context("--uri needs host:port")?),
            "--quick" => quick = true,
            other => {
                bail!("unknown argument {other:?}; usage: jsonrpsee-peer --uri host:port [--quick]")
            }
        }
    }
    let uri = uri.context("usage: jsonrpsee-peer --uri host:port [--quick]")?;
    let url = format!(
        "ws://{}/",
        uri.trim_start_matches("ws://").trim_end_matches('/')
    );
    let (rounds, round, large_rounds) = if quick {
        (5, Duration::from_millis(300), 3)
    } else {
        (5, Duration::from_secs(2), 5)
    };
    // A current-thread runtime like the SDK bench's client: jsonrpsee's background task runs
    // on this thread too.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let figures = runtime.block_on(measure(&url, rounds, round, large_rounds))?;
    println!("{}", serde_json::to_string(&figures)?);
    Ok(())
}

async fn measure(
    url: &str,
    rounds: usize,
    round: Duration,
    large_rounds: usize,
) -> anyhow::Result<Value> {
    let client = WsClientBuilder::default()
        .max_request_size(u32::MAX)
        .max_response_size(u32::MAX)
        .max_concurrent_requests(4 * WINDOW)
        .request_timeout(Duration::from_secs(120))
        .build(url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    for _ in 0..100 {
        get_version(&client).await?;
    }

    let mut sequential = Vec::new();
    for _ in 0..rounds {
        let (calls, seconds, cpu) = timed(async {
            let deadline = Instant::now() + round;
            let mut calls = 0u64;
            while Instant::now() < deadline {
                get_version(&client).await?;
                calls += 1;
            }
            anyhow::Ok(calls)
        })
        .await?;
        sequential.push((calls as f64 / seconds, cpu / calls as f64));
    }

    let mut pipelined = Vec::new();
    for _ in 0..rounds {
        let (calls, seconds, cpu) = timed(async {
            let deadline = Instant::now() + round;
            let mut in_flight: FuturesUnordered<_> =
                (0..WINDOW).map(|_| get_version(&client)).collect();
            let mut calls = 0u64;
            while let Some(reply) = in_flight.next().await {
                reply?;
                calls += 1;
                if Instant::now() < deadline {
                    in_flight.push(get_version(&client));
                }
            }
            anyhow::Ok(calls)
        })
        .await?;
        pipelined.push((calls as f64 / seconds, cpu / calls as f64));
    }

    let spheres = spheres_of_about(LARGE);
    let params_len = serde_json::to_string(&spheres)?.len();
    let mut large = Vec::new();
    for _ in 0..large_rounds {
        let (_, seconds, _) = timed(async {
            let _: Value = client
                .request("add-spheres", ArrayOf(&spheres))
                .await
                .context("add-spheres")?;
            anyhow::Ok(1)
        })
        .await?;
        large.push((params_len as f64 / MIB / seconds, 0.0));
        // Not timed: do not let models pile up on the server.
        let _: Value = client.request("clear-models", rpc_params![]).await?;
    }

    let (sequential_rps, sequential_cpu) = medians(sequential);
    let (pipelined_rps, pipelined_cpu) = medians(pipelined);
    let (large_mib_s, _) = medians(large);
    Ok(serde_json::json!({
        "client": "jsonrpsee-ws-client 0.26",
        "sequential_rps": round2(sequential_rps),
        "sequential_cpu_us_per_call": round2(sequential_cpu),
        "pipelined_rps": round2(pipelined_rps),
        "pipelined_cpu_us_per_call": round2(pipelined_cpu),
        "window": WINDOW,
        "binary_mib_s": null,
        "binary_note": "jsonrpsee reads JSON text only: it cannot receive Brayns' binary replies (nor its progress notifications)",
        "large_params_mib_s": round2(large_mib_s),
        "large_params_mib": round2(params_len as f64 / MIB),
    }))
}

async fn get_version(client: &WsClient) -> anyhow::Result<Version> {
    // `rpc_params![]` sends no `params` key, as Brayns requires for methods without params.
    Ok(client.request("get-version", rpc_params![]).await?)
}

/// What `get-version` returns, decoded as the SDK decodes it (a typed struct).
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Version {
    major: i64,
    minor: i64,
    patch: i64,
    revision: String,
}

/// Runs `work`; returns its output, the wall time and this process's CPU time in µs.
async fn timed<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<(T, f64, f64)> {
    let cpu = cpu_ns();
    let started = Instant::now();
    let output = work.await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok((output, seconds, (cpu_ns() - cpu) as f64 / 1000.0))
}

/// On-CPU time of every thread of this process, in nanoseconds (the first field of each
/// thread's `schedstat`).
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn medians(pairs: Vec<(f64, f64)>) -> (f64, f64) {
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let (a, b): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
    (median(a), median(b))
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The params of `add-spheres`: the array itself, serialized on every call.
struct ArrayOf<'a>(&'a [Spheres]);

impl ToRpcParams for ArrayOf<'_> {
    fn to_rpc_params(self) -> Result<Option<Box<RawValue>>, serde_json::Error> {
        serde_json::value::to_raw_value(self.0).map(Some)
    }
}

/// One entry of `add-spheres`' params, as Brayns' schema names its fields.
#[derive(Serialize)]
struct Spheres {
    color: [f64; 4],
    geometry: Sphere,
}

#[derive(Serialize)]
struct Sphere {
    center: [f64; 3],
    radius: f64,
}

/// The SDK bench's spheres (same generator, same sizes): about `bytes` of JSON.
fn spheres_of_about(bytes: usize) -> Vec<Spheres> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut sphere = || Spheres {
        color: [next(), next(), next(), 1.0],
        geometry: Sphere {
            center: [next() * 1000.0, next() * 1000.0, next() * 1000.0],
            radius: next() * 10.0,
        },
    };
    let sample: Vec<_> = (0..1000).map(|_| sphere()).collect();
    let per_sphere = serde_json::to_string(&sample).map_or(200, |json| json.len() / 1000);
    let count = bytes / per_sphere.max(1);
    let mut spheres = sample;
    spheres.extend((spheres.len()..count).map(|_| sphere()));
    spheres
}
