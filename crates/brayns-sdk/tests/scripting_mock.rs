//! The scripting layer against `brayns-mock`: bounds of what was added, framing the camera
//! on them with the instance's projection and viewport, the simulation, and coloring.

use std::time::Duration;

use brayns_mock::MockServer;
use brayns_sdk::Brayns;
use brayns_sdk::camera::{Framing, Orthographic, Perspective, Projection};
use brayns_sdk::color::{
    Color, ColorMethod, ColorRamp, MorphologySection, OpacityCurve, ValueRange,
};
use brayns_sdk::math::{Bounds, DVec3};
use brayns_sdk::types::{AddBoxesGeometryWithColor, BoxType};

/// Every test is bounded: nothing may hang CI.
const LIMIT: Duration = Duration::from_secs(20);

async fn start(width: u32, height: u32) -> (MockServer, Brayns) {
    let mock = MockServer::builder()
        .window_size(width, height)
        .start()
        .await
        .expect("the mock starts");
    let brayns = Brayns::connect(mock.uri())
        .await
        .expect("the mock accepts connections");
    (mock, brayns)
}

/// A circuit loaded with a compartment report: it has a simulation, a color ramp and the
/// circuit color methods (the mock reads no circuit file).
async fn add_circuit_with_report(brayns: &Brayns) -> u64 {
    let params = serde_json::json!({
        "path": "/circuit/BlueConfig",
        "loader_name": "BBP loader",
        "loader_properties": {"report_type": "compartment", "report_name": "soma"}
    });
    let models = brayns
        .rpc()
        .request("add-model", Some(params))
        .await
        .expect("add-model");
    models[0]["model_id"].as_u64().expect("a model id")
}

async fn add_box(brayns: &Brayns, min: [f64; 3], max: [f64; 3]) -> u64 {
    let item = AddBoxesGeometryWithColor {
        color: Color::RED.to_array(),
        geometry: BoxType { min, max },
    };
    brayns.add_boxes(&[item]).await.expect("add-boxes").model_id
}

#[tokio::test]
async fn bounds_of_models_and_the_scene() {
    tokio::time::timeout(LIMIT, async {
        let (_mock, brayns) = start(800, 600).await;
        let first = add_box(&brayns, [-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]).await;
        add_box(&brayns, [2.0, 0.0, 0.0], [4.0, 3.0, 1.0]).await;
        let model = brayns.model_bounds(first).await.unwrap();
        assert_eq!(model, Bounds::new(DVec3::splat(-1.0), DVec3::ONE));
        let scene = brayns.scene_bounds().await.unwrap();
        assert_eq!(
            scene,
            Bounds::new(DVec3::splat(-1.0), DVec3::new(4.0, 3.0, 1.0))
        );
        assert!(brayns.model_bounds(99).await.is_err(), "no model 99");
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn framing_the_scene_uses_the_projection_and_viewport() {
    tokio::time::timeout(LIMIT, async {
        let (_mock, brayns) = start(1600, 900).await;
        add_box(&brayns, [0.0, 0.0, 0.0], [8.0, 2.0, 2.0]).await;
        add_box(&brayns, [-8.0, -1.0, -2.0], [0.0, 1.0, 0.0]).await;
        let bounds = brayns.scene_bounds().await.unwrap();
        assert!((brayns.aspect_ratio().await.unwrap() - 16.0 / 9.0).abs() < 1e-12);

        let camera = brayns.frame_scene().await.unwrap();
        let expected = Framing::new(bounds)
            .resolution(1600, 900)
            .projection(Perspective::default())
            .camera();
        assert_eq!(camera, expected);
        // The instance now has that camera.
        assert_eq!(brayns.camera_view().await.unwrap(), expected.view);
        assert_eq!(brayns.camera_view().await.unwrap().target, bounds.center());
        // 16 wide, 16 / (16/9) = 9 high at 45 degrees, plus half the depth.
        let distance = 9.0 / 2.0 / (22.5f64.to_radians()).tan() + 2.0;
        assert!(
            (camera.view.distance() - distance).abs() < 1e-9,
            "{}",
            camera.view.distance()
        );

        // With an orthographic camera, the framing sets its height.
        brayns
            .set_camera_projection(&Projection::Orthographic(Orthographic { height: 1.0 }))
            .await
            .unwrap();
        let camera = brayns.frame_model(0).await.unwrap();
        assert_eq!(
            camera.projection,
            Projection::Orthographic(Orthographic { height: 4.5 })
        );
        assert_eq!(
            brayns.camera_projection().await.unwrap(),
            Some(camera.projection)
        );
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn projections_round_trip_in_degrees() {
    tokio::time::timeout(LIMIT, async {
        let (_mock, brayns) = start(800, 600).await;
        assert_eq!(
            brayns.camera_projection().await.unwrap(),
            Some(Projection::default())
        );
        let projection = Projection::Perspective(Perspective::radians(1.0));
        brayns.set_camera_projection(&projection).await.unwrap();
        let fovy = brayns.get_camera_perspective().await.unwrap().fovy.unwrap();
        assert!(
            (fovy - 1f64.to_degrees()).abs() < 1e-9,
            "the wire takes degrees: {fovy}"
        );
        let Some(Projection::Perspective(back)) = brayns.camera_projection().await.unwrap() else {
            panic!("a perspective");
        };
        assert!((back.fovy.to_radians() - 1.0).abs() < 1e-12);
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn the_simulation_and_its_current_frame() {
    tokio::time::timeout(LIMIT, async {
        let (_mock, brayns) = start(800, 600).await;
        let simulation = brayns.simulation().await.unwrap();
        let raw = brayns.get_simulation_parameters().await.unwrap();
        assert_eq!(simulation.start_frame, raw.start_frame);
        assert_eq!(simulation.end_frame, raw.end_frame);
        assert_eq!(simulation.delta_time, raw.dt);
        // Beyond the last frame: clamped, and the instance shows the frame returned.
        let shown = brayns.set_simulation_frame(u64::MAX).await.unwrap();
        assert_eq!(shown, simulation.end_frame);
        assert_eq!(
            brayns.get_simulation_parameters().await.unwrap().current,
            Some(shown)
        );
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn coloring_models_and_their_ramps() {
    tokio::time::timeout(LIMIT, async {
        let (_mock, brayns) = start(800, 600).await;
        let model = add_box(&brayns, [0.0; 3], [1.0; 3]).await;
        brayns.set_model_color(model, Color::GREEN).await.unwrap();
        brayns
            .color_model_by(model, ColorMethod::Primitive, [("0", Color::RED)])
            .await
            .unwrap();
        // Sections, layers and a color ramp belong to circuits with a report (a box has
        // `solid` and `primitive` only, and no ramp).
        let model = add_circuit_with_report(&brayns).await;
        brayns
            .color_by_sections(
                model,
                [
                    (MorphologySection::Soma, Color::RED),
                    (MorphologySection::Axon, Color::BLUE),
                ],
            )
            .await
            .unwrap();
        let palette = [Color::RED, Color::BLUE];
        let colored = brayns
            .color_by_palette(model, ColorMethod::Layer, &palette)
            .await
            .unwrap();
        let values = brayns
            .get_color_values(&brayns_sdk::types::ColorMethodValuesMessage {
                id: model,
                method: "layer".to_owned(),
            })
            .await
            .unwrap();
        assert_eq!(colored.len(), values.len());
        for (index, (value, color)) in colored.iter().enumerate() {
            assert_eq!((value, *color), (&values[index], palette[index % 2]));
        }
        assert!(
            brayns.set_model_color(99, Color::RED).await.is_err(),
            "no model 99"
        );

        let ramp = ColorRamp {
            range: ValueRange::new(-80.0, -10.0),
            colors: vec![Color::BLUE, Color::WHITE, Color::RED],
        }
        .with_opacity(&OpacityCurve::default());
        brayns.set_model_color_ramp(model, &ramp).await.unwrap();
        assert_eq!(brayns.model_color_ramp(model).await.unwrap(), ramp);
    })
    .await
    .expect("in time");
}
