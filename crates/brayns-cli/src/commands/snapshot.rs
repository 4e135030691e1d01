//! `brayns snapshot -o FILE`: a snapshot rendered with the SDK's `Capture` and saved here.

use brayns_sdk::types::{Camera, Renderer};
use brayns_sdk::{Capture, Resolution};
use clap::Args;
use serde_json::json;

use crate::cli::ImageOutput;
use crate::commands::Context;
use crate::error::{CliError, Result};
use crate::params::read_json;
use crate::progress::follow;

/// `brayns snapshot` options.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Where to write the image, and its quality.
    #[command(flatten)]
    pub image: ImageOutput,
    /// Image size, WIDTHxHEIGHT (default: the instance's viewport).
    #[arg(long, value_name = "WIDTHxHEIGHT", value_parser = parse_size)]
    pub size: Option<Resolution>,
    /// A camera for this snapshot only: `{"name": TYPE, "params": {...}}` as JSON text,
    /// `@FILE` or `-`.
    #[arg(long, value_name = "JSON")]
    pub camera: Option<String>,
    /// A renderer for this snapshot only: `{"name": TYPE, "params": {...}}` as JSON text,
    /// `@FILE` or `-`.
    #[arg(long, value_name = "JSON")]
    pub renderer: Option<String>,
    /// The simulation frame to render (default: the current one).
    #[arg(long)]
    pub frame: Option<u64>,
}

/// `1920x1080` as a resolution.
fn parse_size(text: &str) -> Result<Resolution, String> {
    let (width, height) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT (1920x1080, say)"))?;
    let number = |part: &str| {
        part.trim()
            .parse::<u64>()
            .ok()
            .filter(|&pixels| pixels > 0)
            .ok_or_else(|| format!("`{part}` in `{text}` is not a positive number of pixels"))
    };
    Ok(Resolution::new(number(width)?, number(height)?))
}

/// Renders and saves the snapshot.
pub async fn run(args: &SnapshotArgs, context: &Context<'_>) -> Result<()> {
    let mut capture = Capture::new();
    if let Some(size) = args.size {
        capture = capture.resolution(size);
    }
    if let Some(quality) = args.image.quality {
        capture = capture.jpeg_quality(quality);
    }
    if let Some(frame) = args.frame {
        capture = capture.frame(frame);
    }
    if let Some(text) = &args.camera {
        let camera: Camera = serde_json::from_value(read_json(text, "--camera")?)
            .map_err(|error| CliError::Usage(format!("--camera: {error}")))?;
        capture = capture.camera(camera);
    }
    if let Some(text) = &args.renderer {
        let renderer: Renderer = serde_json::from_value(read_json(text, "--renderer")?)
            .map_err(|error| CliError::Usage(format!("--renderer: {error}")))?;
        capture = capture.renderer(renderer);
    }
    // The extension is checked before connecting: a typo costs no render.
    brayns_sdk::ImageFormat::from_path(&args.image.output_file)?;
    let brayns = context.connection.connect().await?;
    let task = capture.save(&brayns, &args.image.output_file)?;
    let path = follow(task, "snapshot", &context.interrupt).await?;
    let bytes = std::fs::metadata(&path)
        .map_err(|error| CliError::io(path.display(), error))?
        .len();
    let json = json!({"file": path.display().to_string(), "bytes": bytes});
    context.printer.print(&json, |_| {
        format!("wrote {} ({bytes} bytes)", path.display())
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_width_x_height_in_positive_pixels() {
        assert_eq!(parse_size("1920x1080"), Ok(Resolution::new(1920, 1080)));
        assert_eq!(parse_size("64X32"), Ok(Resolution::new(64, 32)));
        for bad in ["1920", "0x10", "ax10", "10x", "-1x5"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
