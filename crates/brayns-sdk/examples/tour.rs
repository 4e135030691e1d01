//! The tour of the SDK: connect, look around, build a scene, frame the camera on it, save a
//! picture, and see how errors and cancellation look.
//!
//! ```sh
//! cargo run --example tour                         # against an embedded brayns-mock
//! BRAYNS_URI=localhost:5000 cargo run --example tour # against a running instance
//! cargo run --example tour -- /tmp/tour.png         # where to write the image
//! ```

mod common;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use brayns_sdk::color::Color;
use brayns_sdk::loaders::LoaderProperties;
use brayns_sdk::types::{
    AddBoxesGeometryWithColor, AmbientLight, BoxType, DataType, ImageSettings, Production,
    RawVolumeLoaderParameters, SnapshotParams, UploadModelParams,
};
use brayns_sdk::{Brayns, Capture, Error, Resolution};
use indicatif::{ProgressBar, ProgressStyle};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let instance = common::instance()?;
    tour(&instance).await
}

async fn tour(instance: &common::Instance) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let output = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("brayns-tour.png"));

    section("1. Connect");
    // One line; the default version policy warns (through `tracing`) if the instance runs
    // another release than the one the SDK was generated from.
    let brayns = Brayns::connect(&instance.uri)
        .await
        .with_context(|| format!("connecting to {}", instance.uri))?;
    println!("Connected to {}.", brayns.rpc().uri());

    section("2. What is it?");
    let version = brayns.get_version().await?;
    println!(
        "Brayns {}.{}.{} (revision {}); this SDK targets Brayns {}.",
        version.major,
        version.minor,
        version.patch,
        version.revision,
        brayns_sdk::BRAYNS_VERSION
    );
    let registry = brayns.registry().await?;
    println!(
        "It has {} entrypoints; the SDK has a typed method for each of its {}.",
        registry.len(),
        brayns_sdk::METHODS.len()
    );
    let diff = brayns.verify_schemas().await?;
    if diff.schemas_changed() {
        println!("Its schemas differ from the SDK's:\n{diff}");
    } else {
        println!("Its schemas are exactly the ones the SDK was generated from.");
    }
    let loaders = brayns.get_loaders().await?;
    println!("{} loaders:", loaders.len());
    for loader in &loaders {
        let extensions = if loader.extensions.is_empty() {
            "no extensions".to_owned()
        } else {
            loader.extensions.join(", ")
        };
        println!("  - {} ({extensions})", loader.name);
    }

    section("3. Build a scene");
    brayns.clear_models().await?;
    let boxes = brayns
        .add_boxes(&[AddBoxesGeometryWithColor {
            geometry: BoxType {
                min: [-1.0, -1.0, -1.0],
                max: [1.0, 1.0, 1.0],
            },
            color: [0.2, 0.5, 0.9, 1.0],
        }])
        .await?;
    println!("Added a box: model {}.", boxes.model_id);
    // A model from bytes: a 2×2×2 volume of unsigned chars, uploaded as a binary frame.
    let volume = LoaderProperties::from(RawVolumeLoaderParameters {
        data_type: DataType::UnsingedChar,
        dimensions: [2, 2, 2],
        spacing: [1.0, 1.0, 1.0],
    });
    let upload = UploadModelParams::new("raw".to_owned(), &volume)?;
    let models = brayns
        .upload_model(
            &upload,
            brayns_sdk::Bytes::from_static(&[0, 64, 128, 255, 0, 64, 128, 255]),
        )?
        .await?;
    for model in &models {
        println!("Uploaded a volume: model {}.", model.model_id);
    }
    brayns
        .add_light_ambient(&AmbientLight {
            intensity: 0.8,
            ..Default::default()
        })
        .await?;
    println!("Added an ambient light.");

    section("4. Camera and renderer");
    // Frame the camera on what was loaded, for the viewport's aspect ratio, as the official
    // client's camera controller does: the view and the projection are set for us.
    let camera = brayns.frame_scene().await?;
    println!(
        "Camera framed on the scene: at {:.2?} looking at {:.2?}.",
        camera.view.position.to_array(),
        camera.view.target.to_array()
    );
    brayns
        .set_renderer_production(&Production {
            samples_per_pixel: Some(16),
            max_ray_bounces: Some(3),
            background_color: Some(Color::rgb(0.05, 0.05, 0.08).into()),
        })
        .await?;
    println!("Production renderer, 16 samples per pixel.");

    section("5. Snapshot");
    // The format comes from the file's extension; the file is written once the image is in.
    let mut task = Capture::new()
        .resolution(Resolution::new(800, 600))
        .save(&brayns, &output)?;
    let bar = ProgressBar::new(100).with_style(
        ProgressStyle::with_template("{spinner} {msg:24} [{bar:40}] {pos:>3}%")?
            .progress_chars("=> "),
    );
    let mut updates = 0;
    while let Some(progress) = task.next_progress().await {
        updates += 1;
        bar.set_message(progress.operation.clone());
        bar.set_position((progress.amount * 100.0).round() as u64);
    }
    bar.finish_and_clear();
    println!("The snapshot task reported progress {updates} times.");
    let written = task.await?;
    println!(
        "Rendered {} bytes into {}{}.",
        std::fs::metadata(&written)?.len(),
        written.display(),
        if instance.is_mock {
            " (the mock draws a stand-in of the scene)"
        } else {
            ""
        }
    );

    section("6. A typed error");
    // The types cannot stop a negative intensity; the server's validation does, and its
    // messages come back in the error's `data`.
    let error = brayns
        .add_light_ambient(&AmbientLight {
            intensity: -1.0,
            ..Default::default()
        })
        .await
        .expect_err("Brayns refuses a negative intensity");
    match error {
        Error::Server(server) => {
            println!("add-light-ambient with intensity -1 was refused:");
            println!("  code    {}", server.code);
            println!("  message {}", server.message);
            if let Some(data) = &server.data {
                println!(
                    "  data    {}",
                    serde_json::to_string_pretty(data)?.replace('\n', "\n          ")
                );
            }
        }
        other => return Err(anyhow::Error::new(other).context("expected a server error")),
    }

    section("7. Cancelling a task");
    let mut task = brayns.snapshot(&SnapshotParams {
        image_settings: Some(ImageSettings {
            format: "png".to_owned(),
            quality: 100,
            size: Some([3840, 2160]),
        }),
        ..Default::default()
    })?;
    // Cancel once it is under way (or after a moment, if it reports no progress).
    let _ = tokio::time::timeout(Duration::from_millis(500), task.next_progress()).await;
    task.cancel().await?;
    match task.await {
        Err(Error::Cancelled(error)) => println!("A 4K snapshot was cancelled: {}.", error.message),
        Ok(_) => println!("The 4K snapshot finished before the cancel arrived."),
        Err(other) => return Err(other.into()),
    }

    section("Done");
    brayns.rpc().disconnect().await;
    println!("Disconnected. The image is at {}.", output.display());
    Ok(())
}

fn section(title: &str) {
    println!("\n== {title}");
}
