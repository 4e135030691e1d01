//! Renders a simulation's frames to numbered images, then encodes them with ffmpeg.
//!
//! ```sh
//! cargo run --example movie -- out/ --frames 10   # embedded mock: stand-in frames
//! BRAYNS_URI=localhost:5000 cargo run --example movie -- out/ --fps 25 --width 1920 --height 1080
//! ```
//!
//! Run it again after an interruption (Ctrl-C): the frames already in `out/frames` are kept.

mod common;

use std::io::Write;
use std::path::PathBuf;

use brayns_sdk::{
    Brayns, CancelToken, Capture, FrameEvent, FrameFiles, FrameRender, Movie, MovieFrames,
    Resolution, SimulationFrames,
};
use clap::Parser;

/// Renders the movie of the loaded simulation (or of 50 mock frames) and encodes it.
#[derive(Parser)]
struct Args {
    /// Output folder: frames/ and movie.mp4 go there.
    out: PathBuf,
    /// Movie frames per second.
    #[arg(long, default_value_t = 25.0)]
    fps: f64,
    /// Image width.
    #[arg(long, default_value_t = 640)]
    width: u64,
    /// Image height.
    #[arg(long, default_value_t = 360)]
    height: u64,
    /// Frames to render when no simulation is loaded (the mock).
    #[arg(long, default_value_t = 50)]
    frames: u64,
    /// The ffmpeg program.
    #[arg(long, default_value = "ffmpeg")]
    ffmpeg: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let instance = common::instance()?;
    let brayns = Brayns::connect(&instance.uri).await?;

    let parameters = brayns.get_simulation_parameters().await?;
    let simulation = if parameters.end_frame > parameters.start_frame {
        SimulationFrames::from_parameters(
            parameters.start_frame,
            parameters.end_frame,
            parameters.dt,
            &parameters.unit,
        )?
    } else {
        anyhow::ensure!(args.frames > 0, "--frames must be at least 1");
        println!(
            "No simulation loaded: {} frames at the movie's rate.",
            args.frames
        );
        SimulationFrames::new(0, args.frames - 1, args.fps)
    };
    let mut frames = MovieFrames::new(args.fps).indices(&simulation)?;
    if parameters.end_frame <= parameters.start_frame {
        // Without a simulation the instance has frame 0 only (it refuses any other): every
        // image of the movie shows it.
        frames.iter_mut().for_each(|frame| *frame = 0);
    }
    println!("{} frames to render.", frames.len());

    let files = FrameFiles::new(args.out.join("frames"));
    let render = FrameRender::new(
        Capture::new().resolution(Resolution::new(args.width, args.height)),
        frames,
        files.clone(),
    );
    let cancel = CancelToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let rendered = render
        .render(&brayns, &cancel, |progress| {
            let frame = progress.position + 1;
            match progress.event {
                FrameEvent::Rendering(step) => {
                    print!(
                        "\rframe {frame}/{}: {:3.0}%",
                        progress.count,
                        step.amount * 100.0
                    )
                }
                FrameEvent::Saved(_) => print!("\rframe {frame}/{}: saved", progress.count),
                FrameEvent::Skipped => print!("\rframe {frame}/{}: on disk", progress.count),
                _ => {}
            }
            let _ = std::io::stdout().flush();
        })
        .await?;
    println!(
        "\nRendered {rendered} frames into {}.",
        files.folder().display()
    );
    brayns.rpc().disconnect().await;

    let output = args.out.join("movie.mp4");
    let movie = Movie::new(files.pattern(), args.fps).ffmpeg(&args.ffmpeg);
    let encoding = {
        let output = output.clone();
        tokio::task::spawn_blocking(move || movie.encode(output))
    };
    encoding.await??;
    let note = if instance.is_mock {
        " (the mock draws stand-ins of the scene)"
    } else {
        ""
    };
    println!("Encoded {}{note}.", output.display());
    Ok(())
}
