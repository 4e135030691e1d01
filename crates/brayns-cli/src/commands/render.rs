//! `brayns render -o FILE`: the current frame (`render-image`) saved here.

use brayns_sdk::ImageFormat;
use brayns_sdk::types::RenderImageParams;
use clap::Args;
use serde_json::json;

use crate::cli::ImageOutput;
use crate::commands::Context;
use crate::error::{CliError, Result};

/// `brayns render` options.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Where to write the image, and its quality.
    #[command(flatten)]
    pub image: ImageOutput,
    /// Render until the instance's maximum accumulation before sending.
    #[arg(long)]
    pub accumulate: bool,
}

/// Renders the frame and saves it.
pub async fn run(args: &RenderArgs, context: &Context<'_>) -> Result<()> {
    let format = ImageFormat::from_path(&args.image.output_file)?;
    let params = RenderImageParams {
        accumulate: args.accumulate,
        // Forced, so an image comes back even when nothing changed since the last frame.
        force: true,
        format: format.wire_name().to_owned(),
        jpeg_quality: args.image.quality.map_or(100, u64::from),
        render: true,
        send: true,
    };
    let brayns = context.connection.connect().await?;
    let image = brayns.render_image(&params).await?;
    if image.binary.is_empty() {
        return Err(CliError::failure(
            "render-image answered without image data",
        ));
    }
    let path = &args.image.output_file;
    std::fs::write(path, &image.binary).map_err(|error| CliError::io(path.display(), error))?;
    let json = json!({
        "file": path.display().to_string(),
        "bytes": image.binary.len(),
        "accumulation": image.result.accumulation,
        "max_accumulation": image.result.max_accumulation,
    });
    context.printer.print(&json, |json| {
        format!(
            "wrote {} ({} bytes, accumulation {}/{})",
            path.display(),
            json["bytes"],
            json["accumulation"],
            json["max_accumulation"]
        )
    });
    Ok(())
}
