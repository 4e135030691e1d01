//! Renders one movie's frames on several Brayns instances at once.
//!
//! ```sh
//! # N embedded mocks whose snapshots take --frame-ms each (the BENCHMARKS.md measurement):
//! cargo run --release --example movie_pool -- out/ --mocks 4 --frames 64 --frame-ms 100
//! # Real instances, one per node of a Slurm allocation (see the README):
//! cargo run --release --example movie_pool -- out/ --uri node001:5000 --uri node002:5000
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use brayns_mock::{BackgroundMockServer, MockServer};
use brayns_sdk::{
    Brayns, CancelToken, Capture, FrameFiles, FramePool, FrameRender, PoolEvent, Resolution,
};
use clap::Parser;

/// Renders --frames frames on the instances given, or on embedded mocks.
#[derive(Parser)]
struct Args {
    /// Output folder for the frames (emptied first with --fresh).
    out: PathBuf,
    /// Instances to use (host:port), repeated; without any, --mocks embedded mocks.
    #[arg(long)]
    uri: Vec<String>,
    /// How many embedded mocks to start when no --uri is given.
    #[arg(long, default_value_t = 4)]
    mocks: usize,
    /// The mocks' time per snapshot, in milliseconds.
    #[arg(long, default_value_t = 100)]
    frame_ms: u64,
    /// Frames to render (simulation frames 0..N).
    #[arg(long, default_value_t = 64)]
    frames: u64,
    /// Removes the frames already on disk first (otherwise they are skipped).
    #[arg(long)]
    fresh: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut mocks: Vec<BackgroundMockServer> = Vec::new();
    let uris = if args.uri.is_empty() {
        anyhow::ensure!(args.mocks > 0, "--mocks must be at least 1");
        for _ in 0..args.mocks {
            // Ten progress steps per snapshot: a fixed per-frame delay. Each mock stands for
            // an instance with a simulation of `--frames` frames loaded (Brayns refuses a
            // frame outside the simulation).
            let mock = MockServer::builder()
                .progress_steps(10)
                .step_duration(Duration::from_millis(args.frame_ms / 10))
                .simulation(args.frames.saturating_sub(1), 0.1)
                .start_in_background()?;
            mocks.push(mock);
        }
        mocks.iter().map(BackgroundMockServer::uri).collect()
    } else {
        args.uri.clone()
    };
    let mut instances = Vec::new();
    for uri in &uris {
        instances.push(Brayns::connect(uri).await?);
    }
    if args.fresh && args.out.exists() {
        std::fs::remove_dir_all(&args.out)?;
    }
    let render = FrameRender::new(
        Capture::new().resolution(Resolution::new(320, 180)),
        (0..args.frames).collect(),
        FrameFiles::new(&args.out),
    );
    let started = Instant::now();
    let report = FramePool::new(instances)
        .render(
            &render,
            // Per instance: load the data, colors and camera here.
            |_, _brayns| async { Ok(()) },
            &CancelToken::new(),
            |progress| match &progress.event {
                PoolEvent::InstanceLost { instance, error } => {
                    eprintln!("instance {instance} lost: {error}")
                }
                PoolEvent::Retrying {
                    instance,
                    position,
                    error,
                    ..
                } => {
                    eprintln!("frame {position} failed on instance {instance}: {error}")
                }
                _ => {}
            },
        )
        .await?;
    let elapsed = started.elapsed();
    println!(
        "{} frames on {} instances in {:.2} s ({:.1} frames/s); per instance {:?}, {} skipped.",
        report.rendered(),
        uris.len(),
        elapsed.as_secs_f64(),
        report.rendered() as f64 / elapsed.as_secs_f64(),
        report.per_instance,
        report.skipped
    );
    Ok(())
}
