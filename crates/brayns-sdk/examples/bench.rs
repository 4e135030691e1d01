//! The SDK against the raw websocket floor, side by side on the same server in one run.
//!
//! ```sh
//! cargo run --release -p brayns-sdk --example bench -- [--uri host:port] [--quick] \
//!     [--pin-server CORE] [--pin-client CORE]
//! ```
//!
//! Prints one line of JSON: for each workload the typed SDK's figure, the figure of a bare
//! tokio-tungstenite client sending the literal request text (`raw_*`, the floor) and their
//! ratio (`*_ratio`, SDK / raw):
//!
//! - `sequential_rps`: `get-version`, one call at a time;
//! - `pipelined_rps`: `get-version`, 64 calls in flight on one connection;
//! - `binary_mib_s`: `snapshot` replies with a binary payload (64 MiB from the embedded mock;
//!   with `--uri` the server decides);
//! - `large_params_mib_s`: `add-spheres` calls whose params serialize to about 64 MiB (the SDK
//!   serializes its typed params on every call, as the generated method does, on several
//!   threads: `large_params_encode_ms` of each call; the floor sends text built once);
//! - `*_cpu_us_per_call` (`binary_cpu_ms_per_call`): the client's CPU time per call, SDK and
//!   raw: on-CPU time of the client's thread (`/proc/thread-self/schedstat`; the client runs
//!   on a current-thread runtime, so that is all of it) over the calls of a round;
//! - `peak_rss_mib`: peak resident memory (VmHWM) of a child process of this binary that only
//!   connects through the SDK and takes snapshots, so it reflects the binary case alone;
//! - `server_rps`: the server's own small-request rate (4 raw connections × 16 in flight);
//! - `pinned`, `load_average`: the cores asked for, and the 1-minute load when the run began.
//!
//! Without `--uri` an embedded brayns-mock is started on its own runtime and thread. Every
//! figure is the median of interleaved rounds (raw, SDK, raw, SDK...), so drift in machine
//! load hits both sides alike. `--quick` runs short rounds (10 to 15 s in all, once built).
//!
//! `--pin-client CORE` pins the client (every thread of this process but the embedded
//! mock's) to one core and `--pin-server CORE` the embedded mock's thread to another, with
//! util-linux's `taskset` (`sched_setaffinity` would need `unsafe`). Against a separate
//! server, pin it yourself: `taskset -c 0 brayns-mock ...` and `--pin-client 1` (or run this
//! binary under `taskset -c 1`); `bench/compare.sh --pin` does that for every client.
//! `--profile WORKLOAD CALLS` (with `--uri`) makes only that many calls of one workload, for
//! instruction counts under `valgrind --tool=callgrind`.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use brayns_mock::MockServer;
use brayns_sdk::Brayns;
use brayns_sdk::rpc::{Connector, Request};
use brayns_sdk::types::{AddSpheresGeometryWithColor, SnapshotParams, Sphere};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::json;

/// Calls in flight in the pipelined workload.
const WINDOW: usize = 64;
/// Binary payload of the embedded mock's snapshots, and target size of the large params.
const LARGE: usize = 64 << 20;
const MIB: f64 = (1 << 20) as f64;

fn main() -> anyhow::Result<()> {
    let options = Options::parse()?;
    if let Some((workload, calls)) = &options.profile {
        let uri = options.uri.as_deref().context("--profile needs --uri")?;
        return client_runtime()?.block_on(profile(uri, workload, *calls));
    }
    if options.rss_child {
        let uri = options.uri.as_deref().context("--rss-child needs --uri")?;
        return rss_child(uri, options.plan().binary_calls);
    }
    let mock;
    let (uri, server) = match &options.uri {
        Some(uri) => (uri.clone(), uri.clone()),
        None => {
            eprintln!(
                "bench: no --uri given: starting an embedded brayns-mock (own runtime and thread, \
                 {} MiB binary payload)",
                LARGE >> 20
            );
            mock = MockServer::builder()
                .binary_payload_size(LARGE)
                .start_in_background()?;
            (mock.uri(), "embedded brayns-mock".to_owned())
        }
    };
    // The client first (every thread of the process, the mock's included), then the mock's
    // thread: threads made later inherit the core of the thread that makes them.
    if let Some(core) = options.pin_client {
        pin::process(core)?;
    }
    if let Some(core) = options.pin_server {
        pin::threads_named("brayns-mock", core)?;
    }
    let plan = options.plan();
    let started = Instant::now();
    let runtime = client_runtime()?;
    let mut figures = runtime.block_on(measure(&uri, &plan))?;
    let rss = rss_of_child(&uri, options.quick)?;
    let object = figures.as_object_mut().context("figures are an object")?;
    object.insert("server".into(), json!(server));
    object.insert("quick".into(), json!(options.quick));
    object.insert(
        "pinned".into(),
        json!({"server": options.pin_server, "client": options.pin_client}),
    );
    object.insert("load_average".into(), json!(load_average()));
    object.insert("peak_rss_mib".into(), rss["peak_rss_mib"].clone());
    object.insert("rss_baseline_mib".into(), rss["baseline_rss_mib"].clone());
    object.insert("rss_payload_mib".into(), rss["payload_mib"].clone());
    if let (Some(peak), Some(payload)) = (
        rss["peak_rss_mib"].as_f64(),
        rss["payload_mib"].as_f64().filter(|&p| p > 0.0),
    ) {
        object.insert(
            "peak_rss_payload_ratio".into(),
            json!(round(peak / payload)),
        );
    }
    object.insert(
        "elapsed_s".into(),
        json!(round(started.elapsed().as_secs_f64())),
    );
    println!("{}", serde_json::to_string(&figures)?);
    Ok(())
}

const USAGE: &str =
    "usage: bench [--uri host:port] [--quick] [--pin-server CORE] [--pin-client CORE]";

/// The 1-minute load average when the run began (`/proc/loadavg`), to judge the figures by.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The client side's runtime, the same for the SDK and the floor.
///
/// A current-thread runtime: the machine's other cores are left to the server (the embedded
/// mock runs on its own thread), and the SDK's connection task and the caller then hand
/// replies over without crossing threads. (Serializing large array params still uses every
/// core: `Request::params_array` starts scoped threads of its own.)
fn client_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

struct Options {
    uri: Option<String>,
    quick: bool,
    /// Core of the embedded mock's thread (`--pin-server`).
    pin_server: Option<usize>,
    /// Core of the client: this whole process but the embedded mock (`--pin-client`).
    pin_client: Option<usize>,
    /// Hidden: run only the binary case through the SDK and print peak RSS.
    rss_child: bool,
    /// `--profile WORKLOAD CALLS`: only that many SDK calls of one workload, for a profiler.
    profile: Option<(String, u64)>,
}

impl Options {
    fn parse() -> anyhow::Result<Options> {
        let mut options = Options {
            uri: None,
            quick: false,
            pin_server: None,
            pin_client: None,
            rss_child: false,
            profile: None,
        };
        let core = |arg: Option<String>, what: &str| -> anyhow::Result<usize> {
            arg.with_context(|| format!("{what} needs a core number"))?
                .parse()
                .with_context(|| format!("{what} needs a core number"))
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--uri" => options.uri = Some(args.next().context("--uri needs host:port")?),
                "--quick" => options.quick = true,
                "--pin-server" => options.pin_server = Some(core(args.next(), "--pin-server")?),
                "--pin-client" => options.pin_client = Some(core(args.next(), "--pin-client")?),
                "--rss-child" => options.rss_child = true,
                "--profile" => {
                    let workload = args.next().context("--profile needs a workload")?;
                    let calls = core(args.next(), "--profile")? as u64;
                    options.profile = Some((workload, calls));
                }
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => {
                    bail!("unknown argument {other:?}; {USAGE}")
                }
            }
        }
        if options.uri.is_some() && options.pin_server.is_some() {
            bail!(
                "--pin-server pins the embedded mock; pin a separate server yourself \
                 (taskset -c CORE brayns-mock ...)"
            );
        }
        if let Some(uri) = &mut options.uri {
            // The floor dials host:port itself; accept a ws:// URL too.
            let bare = uri.trim_start_matches("ws://").trim_end_matches('/');
            *uri = bare.to_owned();
        }
        Ok(options)
    }

    fn plan(&self) -> Plan {
        if self.quick {
            Plan {
                rounds: 5,
                round: Duration::from_millis(300),
                binary_calls: 3,
                large_rounds: 3,
                large_calls: 1,
            }
        } else {
            Plan {
                rounds: 5,
                round: Duration::from_secs(2),
                binary_calls: 10,
                large_rounds: 5,
                large_calls: 3,
            }
        }
    }
}

/// How long each measurement runs.
struct Plan {
    /// Interleaved rounds per side; the median is reported.
    rounds: usize,
    /// Duration of one round of small calls.
    round: Duration,
    /// Snapshot calls per round.
    binary_calls: usize,
    /// Interleaved rounds per side of `add-spheres` (each call takes about half a second).
    large_rounds: usize,
    /// `add-spheres` calls per round.
    large_calls: usize,
}

/// Every workload, SDK and raw, interleaved round by round.
async fn measure(uri: &str, plan: &Plan) -> anyhow::Result<serde_json::Value> {
    let sdk = Brayns::new(
        Connector::new(uri.to_owned())
            .max_attempts(Some(50))
            .connect()
            .await?,
    );
    let mut raw = raw::Raw::connect(uri).await?;
    // Warm both connections (and the server's caches) up.
    for _ in 0..100 {
        sdk.get_version().await?;
        raw.get_version().await?;
    }

    let (sequential, raw_sequential) = rounds(plan.rounds, async |side| {
        let deadline = Instant::now() + plan.round;
        let started = Instant::now();
        let mut calls = 0u64;
        while Instant::now() < deadline {
            match side {
                Side::Sdk => drop(sdk.get_version().await?),
                Side::Raw => raw.get_version().await?,
            }
            calls += 1;
        }
        Ok(Sample {
            rate: calls as f64 / started.elapsed().as_secs_f64(),
            units: calls as f64,
        })
    })
    .await?;

    let (pipelined, raw_pipelined) = rounds(plan.rounds, async |side| match side {
        Side::Sdk => sdk_pipelined(&sdk, plan.round).await,
        Side::Raw => raw.pipelined(WINDOW, plan.round).await,
    })
    .await?;

    let params = SnapshotParams::default();
    let mut payload = 0usize;
    let (binary, raw_binary) = rounds(plan.rounds, async |side| {
        let started = Instant::now();
        let mut bytes = 0usize;
        for _ in 0..plan.binary_calls {
            let received = match side {
                Side::Sdk => sdk.snapshot(&params)?.await?.binary.len(),
                Side::Raw => raw.snapshot().await?,
            };
            payload = payload.max(received);
            bytes += received;
        }
        Ok(Sample {
            rate: bytes as f64 / MIB / started.elapsed().as_secs_f64(),
            units: plan.binary_calls as f64,
        })
    })
    .await?;

    let spheres = spheres_of_about(LARGE);
    let params_len = serde_json::to_string(&spheres)?.len();
    let add_spheres = raw::add_spheres_text(&spheres)?;
    let (large, raw_large) = rounds(plan.large_rounds, async |side| {
        let started = Instant::now();
        for _ in 0..plan.large_calls {
            match side {
                Side::Sdk => drop(sdk.add_spheres(&spheres).await?),
                Side::Raw => drop(raw.send_text(add_spheres.clone()).await?),
            }
        }
        let rate = (params_len * plan.large_calls) as f64 / MIB / started.elapsed().as_secs_f64();
        // Not timed: do not let models pile up on the server.
        sdk.clear_models().await?;
        Ok(Sample {
            rate,
            units: plan.large_calls as f64,
        })
    })
    .await?;
    // What the SDK adds on this workload: serializing the typed params (any client must).
    let mut encode_ms = Vec::with_capacity(plan.large_rounds);
    for _ in 0..plan.large_rounds {
        let started = Instant::now();
        drop(Request::new("add-spheres").params_array(&spheres)?);
        encode_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    drop(spheres);

    let server_rps = raw::server_rate(uri, 4, 16, plan.round * 2).await?;
    sdk.rpc().disconnect().await;

    let ratio = |sdk: Figure, raw: Figure| round(sdk.rate / raw.rate);
    Ok(json!({
        "sequential_rps": round(sequential.rate),
        "raw_sequential_rps": round(raw_sequential.rate),
        "sequential_ratio": ratio(sequential, raw_sequential),
        "sequential_cpu_us_per_call": round(sequential.cpu_us),
        "raw_sequential_cpu_us_per_call": round(raw_sequential.cpu_us),
        "pipelined_rps": round(pipelined.rate),
        "raw_pipelined_rps": round(raw_pipelined.rate),
        "pipelined_ratio": ratio(pipelined, raw_pipelined),
        "pipelined_cpu_us_per_call": round(pipelined.cpu_us),
        "raw_pipelined_cpu_us_per_call": round(raw_pipelined.cpu_us),
        "window": WINDOW,
        "binary_mib_s": round(binary.rate),
        "raw_binary_mib_s": round(raw_binary.rate),
        "binary_ratio": ratio(binary, raw_binary),
        "binary_cpu_ms_per_call": round(binary.cpu_us / 1000.0),
        "raw_binary_cpu_ms_per_call": round(raw_binary.cpu_us / 1000.0),
        "binary_payload_mib": round(payload as f64 / MIB),
        "large_params_mib_s": round(large.rate),
        "raw_large_params_mib_s": round(raw_large.rate),
        "large_params_ratio": ratio(large, raw_large),
        "large_params_mib": round(params_len as f64 / MIB),
        "large_params_encode_ms": round(median(encode_ms)),
        "server_rps": round(server_rps),
    }))
}

#[derive(Clone, Copy)]
enum Side {
    Raw,
    Sdk,
}

/// One round's outcome: its rate, and the units of work it did (calls, or bytes) for the
/// CPU time per unit.
struct Sample {
    rate: f64,
    units: f64,
}

/// Medians over the rounds of one side.
#[derive(Clone, Copy)]
struct Figure {
    rate: f64,
    /// On-CPU time of the client thread per unit of work, in µs.
    cpu_us: f64,
}

/// Runs `body` `count` times per side, alternating raw and SDK; medians of (SDK, raw).
///
/// The client's CPU time is that of this thread (`/proc/thread-self/schedstat`): the client
/// runtime is a current-thread one, so every task of the SDK and of the floor runs here, and
/// the embedded mock's threads are not counted.
async fn rounds(
    count: usize,
    mut body: impl AsyncFnMut(Side) -> anyhow::Result<Sample>,
) -> anyhow::Result<(Figure, Figure)> {
    let mut sdk = Vec::with_capacity(count);
    let mut raw = Vec::with_capacity(count);
    for _ in 0..count {
        for (side, samples) in [(Side::Raw, &mut raw), (Side::Sdk, &mut sdk)] {
            let cpu = thread_cpu_ns();
            let sample = body(side).await?;
            let used = thread_cpu_ns().saturating_sub(cpu) as f64 / 1000.0;
            samples.push((sample.rate, used / sample.units.max(1.0)));
        }
    }
    Ok((figure(sdk), figure(raw)))
}

fn figure(samples: Vec<(f64, f64)>) -> Figure {
    let (rates, cpu): (Vec<f64>, Vec<f64>) = samples.into_iter().unzip();
    Figure {
        rate: median(rates),
        cpu_us: median(cpu),
    }
}

/// This thread's on-CPU time in nanoseconds (0 where the kernel does not say).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|stat| stat.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// `get-version` through the SDK with `WINDOW` calls in flight for `duration`.
async fn sdk_pipelined(sdk: &Brayns, duration: Duration) -> anyhow::Result<Sample> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut in_flight: FuturesUnordered<_> = (0..WINDOW).map(|_| sdk.get_version()).collect();
    let mut calls = 0u64;
    while let Some(reply) = in_flight.next().await {
        reply?;
        calls += 1;
        if Instant::now() < deadline {
            in_flight.push(sdk.get_version());
        }
    }
    Ok(Sample {
        rate: calls as f64 / started.elapsed().as_secs_f64(),
        units: calls as f64,
    })
}

/// Spheres with full-precision coordinates whose JSON is about `bytes` long.
fn spheres_of_about(bytes: usize) -> Vec<AddSpheresGeometryWithColor> {
    // A deterministic xorshift: realistic, incompressible floats rather than round numbers.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut sphere = || AddSpheresGeometryWithColor {
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

/// `calls` SDK calls of one workload (`sequential`, `pipelined`, `binary`; `raw-` before one
/// of the first two for the floor) and nothing else: a fixed amount of work whose instruction
/// count a profiler (`valgrind --tool=callgrind`) can compare between builds.
async fn profile(uri: &str, workload: &str, calls: u64) -> anyhow::Result<()> {
    let sdk = Brayns::new(Connector::new(uri.to_owned()).connect().await?);
    let mut raw = raw::Raw::connect(uri).await?;
    match workload {
        "sequential" => {
            for _ in 0..calls {
                sdk.get_version().await?;
            }
        }
        "raw-sequential" => {
            for _ in 0..calls {
                raw.get_version().await?;
            }
        }
        "pipelined" => {
            let mut in_flight: FuturesUnordered<_> =
                (0..WINDOW).map(|_| sdk.get_version()).collect();
            let mut sent = WINDOW as u64;
            while let Some(reply) = in_flight.next().await {
                reply?;
                if sent < calls {
                    in_flight.push(sdk.get_version());
                    sent += 1;
                }
            }
        }
        "raw-pipelined" => raw.pipelined_calls(WINDOW, calls).await?,
        "binary" => {
            for _ in 0..calls {
                drop(sdk.snapshot(&SnapshotParams::default())?.await?);
            }
        }
        "raw-binary" => {
            for _ in 0..calls {
                raw.snapshot().await?;
            }
        }
        other => bail!("unknown workload {other:?}"),
    }
    sdk.rpc().disconnect().await;
    Ok(())
}

/// Runs this binary again with `--rss-child` and reads its figures.
fn rss_of_child(uri: &str, quick: bool) -> anyhow::Result<serde_json::Value> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--rss-child", "--uri", uri]);
    if quick {
        command.arg("--quick");
    }
    let output = command.output().context("running the peak-RSS child")?;
    if !output.status.success() {
        bail!(
            "the peak-RSS child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// The child: connect through the SDK, take snapshots, report peak RSS (VmHWM).
fn rss_child(uri: &str, calls: usize) -> anyhow::Result<()> {
    let runtime = client_runtime()?;
    let (baseline, payload) = runtime.block_on(async {
        let sdk = Brayns::new(Connector::new(uri.to_owned()).connect().await?);
        sdk.get_version().await?;
        let baseline = peak_rss_mib();
        let mut payload = 0;
        for _ in 0..calls {
            let image = sdk.snapshot(&SnapshotParams::default())?.await?;
            payload = payload.max(image.binary.len());
        }
        sdk.rpc().disconnect().await;
        anyhow::Ok((baseline, payload))
    })?;
    println!(
        "{}",
        json!({
            "peak_rss_mib": peak_rss_mib().map(round),
            "baseline_rss_mib": baseline.map(round),
            "payload_mib": round(payload as f64 / MIB),
        })
    );
    Ok(())
}

/// This process's peak resident set size (Linux: VmHWM in /proc/self/status).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Pinning to cores with util-linux's `taskset` (the workspace denies `unsafe`, which
/// `sched_setaffinity` would need).
mod pin {
    use std::process::Command;

    use anyhow::{Context, bail};

    /// Pins every thread of this process to `core`.
    pub(crate) fn process(core: usize) -> anyhow::Result<()> {
        taskset(&[
            "-a",
            "-p",
            "-c",
            &core.to_string(),
            &std::process::id().to_string(),
        ])
    }

    /// Pins the threads of this process named `name` to `core`.
    pub(crate) fn threads_named(name: &str, core: usize) -> anyhow::Result<()> {
        let mut found = 0;
        for task in std::fs::read_dir("/proc/self/task")? {
            let task = task?;
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.trim_end() == name {
                let tid = task.file_name().to_string_lossy().into_owned();
                taskset(&["-p", "-c", &core.to_string(), &tid])?;
                found += 1;
            }
        }
        if found == 0 {
            bail!("no thread named {name} to pin");
        }
        Ok(())
    }

    fn taskset(args: &[&str]) -> anyhow::Result<()> {
        let output = Command::new("taskset")
            .args(args)
            .output()
            .context("running taskset (util-linux) to pin threads")?;
        if !output.status.success() {
            bail!(
                "taskset {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }
}

/// The floor: a bare tokio-tungstenite client sending literal request text and reading
/// replies without parsing more than it must to spot the final one.
mod raw {
    use std::time::{Duration, Instant};

    use anyhow::{Context, bail};
    use brayns_sdk::types::AddSpheresGeometryWithColor;

    use crate::Sample;
    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpStream;
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

    pub(crate) struct Raw {
        ws: WebSocketStream<TcpStream>,
        next_id: u64,
    }

    impl Raw {
        pub(crate) async fn connect(uri: &str) -> anyhow::Result<Raw> {
            let stream = TcpStream::connect(uri)
                .await
                .with_context(|| format!("connecting to {uri}"))?;
            stream.set_nodelay(true)?;
            let config = WebSocketConfig::default()
                .max_message_size(Some(2 << 30))
                .max_frame_size(Some(2 << 30));
            let (ws, _) = tokio_tungstenite::client_async_with_config(
                format!("ws://{uri}/"),
                stream,
                Some(config),
            )
            .await?;
            Ok(Raw { ws, next_id: 1 })
        }

        fn text(&mut self, method: &str, params: &str) -> Message {
            let id = self.next_id;
            self.next_id += 1;
            Message::text(format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}"{params}}}"#
            ))
        }

        pub(crate) async fn get_version(&mut self) -> anyhow::Result<()> {
            let message = self.text("get-version", "");
            self.send_text(message).await.map(drop)
        }

        /// A `snapshot`; returns the size of the binary payload.
        pub(crate) async fn snapshot(&mut self) -> anyhow::Result<usize> {
            let message = self.text("snapshot", r#","params":{}"#);
            self.send_text(message).await
        }

        /// Sends one request and waits for its final reply (skipping progress); returns the
        /// binary payload size (0 for a text reply).
        pub(crate) async fn send_text(&mut self, message: Message) -> anyhow::Result<usize> {
            self.ws.send(message).await?;
            final_reply(&mut self.ws).await
        }

        /// `get-version` with `window` calls in flight for `duration`; calls per second.
        pub(crate) async fn pipelined(
            &mut self,
            window: usize,
            duration: Duration,
        ) -> anyhow::Result<Sample> {
            pipelined(&mut self.ws, &mut self.next_id, window, duration).await
        }
    }

    impl Raw {
        /// `get-version` with `window` calls in flight until `calls` were answered.
        pub(crate) async fn pipelined_calls(
            &mut self,
            window: usize,
            calls: u64,
        ) -> anyhow::Result<()> {
            let ws = &mut self.ws;
            let mut next_id = self.next_id;
            let mut request = || {
                next_id += 1;
                Message::text(format!(
                    r#"{{"jsonrpc":"2.0","id":{next_id},"method":"get-version"}}"#
                ))
            };
            for _ in 0..window {
                ws.feed(request()).await?;
            }
            ws.flush().await?;
            let mut sent = window as u64;
            let mut in_flight = window;
            while in_flight > 0 {
                final_reply(ws).await?;
                in_flight -= 1;
                if sent < calls {
                    ws.send(request()).await?;
                    sent += 1;
                    in_flight += 1;
                }
            }
            Ok(())
        }
    }

    /// Request text of `add-spheres`, built once.
    pub(crate) fn add_spheres_text(
        spheres: &[AddSpheresGeometryWithColor],
    ) -> anyhow::Result<Message> {
        let mut text = String::from(r#"{"jsonrpc":"2.0","id":1,"method":"add-spheres","params":"#);
        text.push_str(&serde_json::to_string(spheres)?);
        text.push('}');
        Ok(Message::text(text))
    }

    async fn final_reply(ws: &mut WebSocketStream<TcpStream>) -> anyhow::Result<usize> {
        loop {
            match ws
                .next()
                .await
                .context("the server closed the connection")??
            {
                Message::Binary(frame) => return Ok(frame.len()),
                Message::Text(text) if text.contains(r#""error""#) => bail!("error reply: {text}"),
                Message::Text(text) if text.contains(r#""result""#) => return Ok(0),
                _ => continue,
            }
        }
    }

    async fn pipelined(
        ws: &mut WebSocketStream<TcpStream>,
        next_id: &mut u64,
        window: usize,
        duration: Duration,
    ) -> anyhow::Result<Sample> {
        let mut request = || {
            let id = *next_id;
            *next_id += 1;
            Message::text(format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"get-version"}}"#
            ))
        };
        let started = Instant::now();
        let deadline = started + duration;
        for _ in 0..window {
            ws.feed(request()).await?;
        }
        ws.flush().await?;
        let mut in_flight = window;
        let mut calls = 0u64;
        while in_flight > 0 {
            final_reply(ws).await?;
            calls += 1;
            in_flight -= 1;
            if Instant::now() < deadline {
                ws.send(request()).await?;
                in_flight += 1;
            }
        }
        Ok(Sample {
            rate: calls as f64 / started.elapsed().as_secs_f64(),
            units: calls as f64,
        })
    }

    /// The server's own small-request rate: `connections` raw clients with `window` calls in
    /// flight each, for `duration`.
    pub(crate) async fn server_rate(
        uri: &str,
        connections: usize,
        window: usize,
        duration: Duration,
    ) -> anyhow::Result<f64> {
        let mut clients = Vec::with_capacity(connections);
        for _ in 0..connections {
            clients.push(Raw::connect(uri).await?);
        }
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|mut client| {
                tokio::spawn(async move {
                    let rate = client.pipelined(window, duration).await;
                    (rate, client.ws.close(None).await)
                })
            })
            .collect();
        let mut total = 0.0;
        for task in tasks {
            let (rate, _) = task.await?;
            total += rate?.rate;
        }
        Ok(total)
    }
}
