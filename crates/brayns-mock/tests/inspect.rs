//! `inspect` picks what the current camera sees at a normalized screen position, as Brayns
//! 3.10.1 does: `brayns/network/entrypoints/InspectEntrypoint.cpp` asks OSPRay's
//! `FrameBuffer::pick` (the camera's ray through the position, the image region applied, the
//! world's clipping applied) and answers `InspectResult` (`brayns/network/messages/
//! InspectMessage.h`): on a miss its defaults (`hit` false, position zero, model 0, metadata
//! an empty `JsonValue`, i.e. null), on a hit the world position, the instance's model id
//! and the model's inspect metadata (`brayns/engine/model/SystemsView.cpp`: `{}` without an
//! inspect system; only circuits have one).
//!
//! Every mock here fits its results strictly (`strict_results(true)`): an answer that did not
//! fit the `inspect` returns schema would be an error, and `call` fails on errors.
//!
//! Expected positions are computed here from the camera model: a perspective camera with a
//! vertical `fovy` of 45 degrees, the aspect of the 800×600 viewport, and Brayns' default
//! region (start (0, 1), end (1, 0)), so screen y = 0 is the top of the view.

mod common;

use common::Client;
use serde_json::{Value, json};
use tokio::net::TcpStream;

const RED: [f64; 4] = [1.0, 0.0, 0.0, 1.0];
const EYE: [f64; 3] = [0.0, 0.0, 5.0];

async fn start() -> (brayns_mock::MockServer, Client<TcpStream>) {
    let mock = brayns_mock::MockServer::builder()
        .strict_results(true)
        .start()
        .await
        .expect("mock starts");
    let mut client = common::connect(&mock.uri()).await;
    // Looking down -Z at the origin from z = 5.
    client
        .call(
            "set-camera-view",
            Some(json!({"position": EYE, "target": [0.0, 0.0, 0.0], "up": [0.0, 1.0, 0.0]})),
        )
        .await;
    (mock, client)
}

/// Adds one sphere and returns its model id.
async fn sphere(client: &mut Client<TcpStream>, center: [f64; 3], radius: f64) -> u64 {
    let model = client
        .call(
            "add-spheres",
            Some(json!([{"geometry": {"center": center, "radius": radius}, "color": RED}])),
        )
        .await;
    model["model_id"].as_u64().expect("a model id")
}

async fn inspect(client: &mut Client<TcpStream>, x: f64, y: f64) -> Value {
    client
        .call("inspect", Some(json!({"position": [x, y]})))
        .await
}

fn position(result: &Value) -> [f64; 3] {
    let items = result["position"].as_array().expect("a position");
    assert_eq!(items.len(), 3, "{result}");
    [0, 1, 2].map(|i| items[i].as_f64().expect("a number"))
}

fn assert_near(actual: [f64; 3], expected: [f64; 3]) {
    for axis in 0..3 {
        assert!(
            (actual[axis] - expected[axis]).abs() < 1e-6,
            "{actual:?} is not {expected:?}"
        );
    }
}

/// The direction of the ray through normalized screen position (`x`, `y`), from the camera
/// at `EYE` looking down -Z with up +Y.
fn direction(x: f64, y: f64) -> [f64; 3] {
    let plane_height = 2.0 * (45f64.to_radians() / 2.0).tan();
    let plane_width = plane_height * 800.0 / 600.0;
    // The default region maps screen y to 1 - y: y = 0 is the top of the view.
    let (sx, sy) = (x, 1.0 - y);
    let d = [plane_width * (sx - 0.5), plane_height * (sy - 0.5), -1.0];
    let length = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
    d.map(|c| c / length)
}

/// Where a ray from `EYE` along unit `d` first enters the sphere (`center`, `radius`).
fn sphere_entry(d: [f64; 3], center: [f64; 3], radius: f64) -> [f64; 3] {
    let oc = [0, 1, 2].map(|i| EYE[i] - center[i]);
    let b = oc[0] * d[0] + oc[1] * d[1] + oc[2] * d[2];
    let c = oc[0] * oc[0] + oc[1] * oc[1] + oc[2] * oc[2] - radius * radius;
    let t = -b - (b * b - c).sqrt();
    [0, 1, 2].map(|i| EYE[i] + d[i] * t)
}

/// The full `InspectResult` of a miss: `InspectMessage.h`'s defaults.
fn miss() -> Value {
    json!({"hit": false, "position": [0.0, 0.0, 0.0], "model_id": 0, "metadata": null})
}

/// `InspectEntrypoint.cpp`: a sphere in the middle of the view is hit there, on its surface,
/// and reported with its model id and the empty metadata of geometry (no inspect system).
#[tokio::test]
async fn a_sphere_in_the_middle_is_hit_on_its_surface() {
    let (_mock, mut client) = start().await;
    sphere(&mut client, [3.0, 0.0, 0.0], 0.5).await;
    let id = sphere(&mut client, [0.0, 0.0, 0.0], 1.0).await;
    assert_eq!(id, 1);
    let result = inspect(&mut client, 0.5, 0.5).await;
    assert_eq!(result["hit"], json!(true), "{result}");
    assert_eq!(result["model_id"], json!(id));
    assert_eq!(result["metadata"], json!({}));
    assert_near(position(&result), [0.0, 0.0, 1.0]);

    // Off the centre: the point where the camera's ray enters the sphere.
    for (x, y) in [(0.55, 0.45), (0.42, 0.6)] {
        let result = inspect(&mut client, x, y).await;
        assert_eq!(result["model_id"], json!(id), "{result}");
        let expected = sphere_entry(direction(x, y), [0.0, 0.0, 0.0], 1.0);
        assert_near(position(&result), expected);
    }
}

/// `Camera.h`'s default region (start (0, 1), end (1, 0)) applies to picking as to images:
/// screen y = 0.3 is above the middle of the view.
#[tokio::test]
async fn screen_y_counts_from_the_top_of_the_image() {
    let (_mock, mut client) = start().await;
    let above = sphere(&mut client, [0.0, 0.6, 0.0], 0.3).await;
    let below = sphere(&mut client, [0.0, -0.6, 0.0], 0.3).await;
    let top = inspect(&mut client, 0.5, 0.35).await;
    assert_eq!(top["model_id"], json!(above), "{top}");
    assert!(position(&top)[1] > 0.0, "{top}");
    let bottom = inspect(&mut client, 0.5, 0.65).await;
    assert_eq!(bottom["model_id"], json!(below), "{bottom}");

    // Turning the region upright flips it back.
    client
        .call(
            "set-camera-region",
            Some(json!({"image_start": [0.0, 0.0], "image_end": [1.0, 1.0]})),
        )
        .await;
    let top = inspect(&mut client, 0.5, 0.35).await;
    assert_eq!(top["model_id"], json!(below), "{top}");
}

/// `InspectEntrypoint.cpp`: nothing under the position answers `InspectResult`'s defaults,
/// every field present (the returns schema requires them all).
#[tokio::test]
async fn a_corner_without_models_is_a_miss() {
    let (_mock, mut client) = start().await;
    assert_eq!(inspect(&mut client, 0.5, 0.5).await, miss(), "empty scene");
    sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    assert_eq!(inspect(&mut client, 0.02, 0.03).await, miss());
    assert_eq!(inspect(&mut client, 0.5, 0.5).await["hit"], json!(true));
}

/// OSPRay's pick reports the nearest hit along the ray, whatever the order models were added.
#[tokio::test]
async fn the_nearer_of_two_models_is_reported() {
    let (_mock, mut client) = start().await;
    sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    let near = sphere(&mut client, [0.0, 0.0, 2.0], 0.5).await;
    assert_eq!(near, 1);
    let result = inspect(&mut client, 0.5, 0.5).await;
    assert_eq!(result["model_id"], json!(near), "{result}");
    assert_near(position(&result), [0.0, 0.0, 2.5]);

    // Added the other way round.
    client.call("clear-models", None).await;
    let near = sphere(&mut client, [0.0, 0.0, 2.0], 0.5).await;
    let far = sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    assert_eq!(near, 0);
    let result = inspect(&mut client, 0.5, 0.5).await;
    assert_eq!(result["model_id"], json!(near), "{result}");

    // Hidden models are out of the world (`ModelInstance::setVisible`).
    client
        .call(
            "update-model",
            Some(json!({"model_id": near, "model": {"is_visible": false}})),
        )
        .await;
    let result = inspect(&mut client, 0.5, 0.5).await;
    assert_eq!(result["model_id"], json!(far), "{result}");
    assert_near(position(&result), [0.0, 0.0, 0.5]);
}

/// OSPRay's pick traces the same world as rendering, clipping included: a clipped part is not
/// hit, the ray goes on to what is behind it (here the inside of the sphere's back), and the
/// clipping model itself is never reported.
#[tokio::test]
async fn a_clipped_part_is_not_hit() {
    let (_mock, mut client) = start().await;
    let id = sphere(&mut client, [0.0, 0.0, 0.0], 1.0).await;
    assert_near(
        position(&inspect(&mut client, 0.5, 0.5).await),
        [0.0, 0.0, 1.0],
    );
    client
        .call(
            "add-clipping-spheres",
            Some(json!({"primitives": [{"center": [0.0, 0.0, 1.0], "radius": 0.5}]})),
        )
        .await;
    let result = inspect(&mut client, 0.5, 0.5).await;
    assert_eq!(result["model_id"], json!(id), "{result}");
    assert_near(position(&result), [0.0, 0.0, -1.0]);
    // Outside the clipping sphere the front is still there.
    let (x, y) = (0.5, 0.3);
    let result = inspect(&mut client, x, y).await;
    let expected = sphere_entry(direction(x, y), [0.0, 0.0, 0.0], 1.0);
    assert_near(position(&result), expected);
}

/// Loaded models are drawn as their bounds box: picking hits that box, with `{}` as metadata.
#[tokio::test]
async fn a_loaded_mesh_is_hit_on_its_bounds_box() {
    let (_mock, mut client) = start().await;
    let file = tempfile::Builder::new()
        .suffix(".obj")
        .tempfile()
        .expect("temp file");
    // A tetrahedron: bounds (-1, -1, -1) to (1, 1, 1).
    let obj = "v -1 -1 -1\nv 1 -1 -1\nv 0 1 -1\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 2 3 4\nf 3 1 4\n";
    std::fs::write(file.path(), obj).expect("write the mesh");
    let path = file.path().to_str().expect("a UTF-8 path");
    let models = client
        .call(
            "add-model",
            Some(json!({"path": path, "loader_name": "mesh", "loader_properties": {}})),
        )
        .await;
    let id = models[0]["model_id"].as_u64().expect("a model id");
    let result = inspect(&mut client, 0.5, 0.5).await;
    assert_eq!(result["model_id"], json!(id), "{result}");
    assert_eq!(result["metadata"], json!({}));
    assert_near(position(&result), [0.0, 0.0, 1.0]);
}
