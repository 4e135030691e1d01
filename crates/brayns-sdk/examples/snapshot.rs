//! Saves one image of the current scene.
//!
//! ```sh
//! cargo run --example snapshot -- image.png                  # 800×600, embedded mock
//! BRAYNS_URI=localhost:5000 cargo run --example snapshot -- image.jpg --width 1920 --height 1080
//! ```
//!
//! The format follows the file's extension (`png` or `jpg`).

mod common;

use std::path::PathBuf;

use anyhow::Context;
use brayns_sdk::Brayns;
use brayns_sdk::types::{ImageSettings, SnapshotParams};
use clap::Parser;

/// Saves a snapshot of the Brayns instance at BRAYNS_URI (or of an embedded mock).
#[derive(Parser)]
struct Args {
    /// Where to write the image; its extension (png, jpg) is the format.
    path: PathBuf,
    /// Image width in pixels.
    #[arg(long, default_value_t = 800)]
    width: u64,
    /// Image height in pixels.
    #[arg(long, default_value_t = 600)]
    height: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let format = match args.path.extension().and_then(|e| e.to_str()) {
        Some("png") => "png",
        Some("jpg" | "jpeg") => "jpg",
        other => anyhow::bail!("unsupported image extension {other:?}: use .png or .jpg"),
    };
    anyhow::ensure!(args.width > 0 && args.height > 0, "the size must not be 0");
    let instance = common::instance()?;
    save(&args, format, &instance).await
}

async fn save(args: &Args, format: &str, instance: &common::Instance) -> anyhow::Result<()> {
    let brayns = Brayns::connect(&instance.uri).await?;
    let params = SnapshotParams {
        image_settings: Some(ImageSettings {
            format: format.to_owned(),
            quality: 100,
            size: Some([args.width, args.height]),
        }),
        ..Default::default()
    };
    let image = brayns.snapshot(&params)?.await?;
    std::fs::write(&args.path, &image.binary)
        .with_context(|| format!("writing {}", args.path.display()))?;
    println!(
        "Saved a {}x{} {format} snapshot ({} bytes) to {}{}.",
        args.width,
        args.height,
        image.binary.len(),
        args.path.display(),
        if instance.is_mock {
            " (the mock draws a stand-in of the scene)"
        } else {
            ""
        }
    );
    brayns.rpc().disconnect().await;
    Ok(())
}
