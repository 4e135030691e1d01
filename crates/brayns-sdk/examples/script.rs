//! A rendering script as a scientist writes one, without async: build a small scene, light
//! it, color it, frame the camera on it and save a picture.
//!
//! ```sh
//! cargo run --example script -- scene.png                            # embedded brayns-mock
//! BRAYNS_URI=localhost:5000 cargo run --example script -- scene.jpg  # a running Brayns
//! ```
//!
//! The same script with the official Python client (`brayns` 3.10.1):
//!
//! ```python
//! import sys
//! import brayns
//!
//! with brayns.Connector("localhost:5000").connect() as instance:
//!     brayns.clear_models(instance)
//!     box = brayns.Box(brayns.Vector3(-1, -1, -1), brayns.Vector3(1, 1, 1))
//!     boxes = brayns.add_geometries(instance, [(box, brayns.Color4.white)])
//!     spheres = brayns.add_geometries(instance, [
//!         (brayns.Sphere(0.5, brayns.Vector3(x, 1.5, 0)), brayns.Color4.white)
//!         for x in (-1, 0, 1)
//!     ])
//!     brayns.set_model_color(instance, boxes.id, brayns.parse_hex_color("#1f77b4"))
//!     brayns.set_model_color(instance, spheres.id, brayns.Color4.red)
//!     brayns.add_light(instance, brayns.AmbientLight(intensity=0.4))
//!     brayns.add_light(instance, brayns.DirectionalLight(intensity=4))
//!
//!     resolution = brayns.Resolution.full_hd
//!     brayns.set_resolution(instance, resolution)
//!     controller = brayns.CameraController(
//!         brayns.get_bounds(instance), aspect_ratio=resolution.aspect_ratio
//!     )
//!     brayns.set_camera(instance, controller.camera)
//!     brayns.Snapshot(resolution).save(instance, sys.argv[1])
//! ```

mod common;

use anyhow::Context;
use brayns_sdk::blocking::Brayns;
use brayns_sdk::color::Color;
use brayns_sdk::types::{
    AddBoxesGeometryWithColor, AddSpheresGeometryWithColor, AmbientLight,
    ApplicationParametersUpdate, BoxType, DirectionalLight, Sphere,
};
use brayns_sdk::{Capture, Resolution};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scene.png".to_owned());
    let instance = common::instance()?;
    let brayns = Brayns::connect(&instance.uri).context("connecting to Brayns")?;

    // A box with three spheres on top.
    brayns.clear_models()?;
    let boxes = brayns.add_boxes(&[AddBoxesGeometryWithColor {
        geometry: BoxType {
            min: [-1.0, -1.0, -1.0],
            max: [1.0, 1.0, 1.0],
        },
        color: Color::WHITE.into(),
    }])?;
    let spheres: Vec<_> = [-1.0, 0.0, 1.0]
        .into_iter()
        .map(|x| AddSpheresGeometryWithColor {
            geometry: Sphere {
                center: [x, 1.5, 0.0],
                radius: 0.5,
            },
            color: Color::WHITE.into(),
        })
        .collect();
    let spheres = brayns.add_spheres(&spheres)?;

    // Colors, by model.
    let blue = Color::from_hex("#1f77b4")?;
    brayns.set_model_color(boxes.model_id, blue)?;
    brayns.set_model_color(spheres.model_id, Color::RED)?;

    // Lights.
    brayns.add_light_ambient(&AmbientLight {
        intensity: 0.4,
        ..Default::default()
    })?;
    brayns.add_light_directional(&DirectionalLight {
        intensity: 4.0,
        ..Default::default()
    })?;

    // Full HD, with the camera framing everything in the scene.
    let resolution = Resolution::FULL_HD;
    brayns.set_application_parameters(&ApplicationParametersUpdate {
        viewport: Some([resolution.width, resolution.height]),
    })?;
    let camera = brayns.frame_scene()?;
    println!(
        "Camera at {} looking at {}.",
        camera.view.position, camera.view.target
    );

    // The picture; its format comes from the file's extension.
    let saved = brayns.save_capture(&Capture::new().resolution(resolution), &path)?;
    println!("Saved {}.", saved.display());
    if instance.is_mock {
        println!("(The embedded mock draws a test picture, not the scene: set BRAYNS_URI.)");
    }
    Ok(())
}
