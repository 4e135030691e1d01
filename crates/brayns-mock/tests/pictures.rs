//! The pictures of `snapshot`, `render-image` and `export-gbuffers` show the scene as Brayns
//! 3.10.1 would frame it. Expected pixels are computed here from the camera model (not by the
//! mock's code): a perspective camera with a vertical `fovy` in degrees, an orthographic one
//! `height` world units tall, the cylindric camera's 180-degree panorama, pixel (0, 0) at the
//! top left, the aspect from the resolution.

mod common;

use std::time::Duration;

use common::{Client, Incoming};
use serde_json::{Value, json};
use tokio::net::TcpStream;

const RED: [f64; 4] = [1.0, 0.0, 0.0, 1.0];
const WIDTH: u32 = 128;
const HEIGHT: u32 = 96;

async fn start() -> (brayns_mock::MockServer, Client<TcpStream>) {
    let mock = brayns_mock::MockServer::builder()
        .progress_steps(1)
        .step_duration(Duration::ZERO)
        .start()
        .await
        .expect("mock starts");
    let mut client = common::connect(&mock.uri()).await;
    // A black, opaque background keeps hits and misses apart.
    client
        .call(
            "set-renderer-interactive",
            Some(json!({"background_color": [0.0, 0.0, 0.0, 1.0]})),
        )
        .await;
    (mock, client)
}

/// A decoded RGBA picture.
struct Picture {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl Picture {
    fn decode(bytes: &[u8]) -> Picture {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a valid PNG");
        let mut rgba = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut rgba).expect("pixels");
        assert_eq!(info.color_type, png::ColorType::Rgba, "PNG keeps alpha");
        rgba.truncate(info.buffer_size());
        Picture {
            width: info.width,
            height: info.height,
            rgba,
        }
    }

    fn at(&self, x: u32, y: u32) -> [u8; 4] {
        assert!(x < self.width && y < self.height, "({x}, {y}) is outside");
        let i = ((y * self.width + x) * 4) as usize;
        self.rgba[i..i + 4].try_into().unwrap()
    }

    fn is_red(&self, x: u32, y: u32) -> bool {
        let [r, g, b, a] = self.at(x, y);
        r > 120 && g < 10 && b < 10 && a == 255
    }

    fn is_background(&self, x: u32, y: u32) -> bool {
        self.at(x, y) == [0, 0, 0, 255]
    }

    /// Red, however dark the shading (a light at the camera keeps a quarter of the color on
    /// surfaces seen edge-on).
    fn is_shaded_red(&self, x: u32, y: u32) -> bool {
        let [r, g, b, a] = self.at(x, y);
        r > 40 && g == 0 && b == 0 && a == 255
    }

    /// The red pixels' bounding rows and columns: (min x, max x, min y, max y).
    fn red_extent(&self) -> Option<(u32, u32, u32, u32)> {
        let mut extent: Option<(u32, u32, u32, u32)> = None;
        for y in 0..self.height {
            for x in 0..self.width {
                if self.is_shaded_red(x, y) {
                    extent = Some(match extent {
                        None => (x, x, y, y),
                        Some((x0, x1, y0, y1)) => (x0.min(x), x1.max(x), y0.min(y), y1.max(y)),
                    });
                }
            }
        }
        extent
    }
}

async fn snapshot(client: &mut Client<TcpStream>, mut params: Value) -> Picture {
    params["image_settings"] = json!({"format": "png", "size": [WIDTH, HEIGHT]});
    let id = client.request("snapshot", Some(params)).await;
    match client.response(id).await {
        Incoming::Binary(_, payload) => Picture::decode(&payload),
        other => panic!("snapshot should reply with an image: {other:?}"),
    }
}

async fn add_sphere(client: &mut Client<TcpStream>, center: [f64; 3], radius: f64) -> Value {
    client
        .call(
            "add-spheres",
            Some(json!([{"geometry": {"center": center, "radius": radius}, "color": RED}])),
        )
        .await
}

fn view(position: [f64; 3], target: [f64; 3]) -> Value {
    json!({"position": position, "target": target, "up": [0.0, 1.0, 0.0]})
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn unit(a: [f64; 3]) -> [f64; 3] {
    let length = dot(a, a).sqrt();
    [a[0] / length, a[1] / length, a[2] / length]
}

/// Where a pinhole camera at `eye` looking at `target` (up +y, vertical field `fovy` degrees)
/// puts `point` in a WIDTH×HEIGHT image, in pixels from the top left.
fn project(point: [f64; 3], eye: [f64; 3], target: [f64; 3], fovy: f64) -> (f64, f64) {
    let forward = unit(sub(target, eye));
    let right = unit(cross(forward, [0.0, 1.0, 0.0]));
    let up = cross(right, forward);
    let relative = sub(point, eye);
    let depth = dot(relative, forward);
    let half_height = (fovy.to_radians() / 2.0).tan();
    let half_width = half_height * f64::from(WIDTH) / f64::from(HEIGHT);
    let x = dot(relative, right) / depth / half_width;
    let y = dot(relative, up) / depth / half_height;
    (
        (x + 1.0) / 2.0 * f64::from(WIDTH),
        (1.0 - y) / 2.0 * f64::from(HEIGHT),
    )
}

/// `brayns/engine/camera/Camera.cpp` (view to OSPRay position/direction/up) and OSPRay's
/// `PerspectiveCamera.cpp` (fovy is vertical, in degrees; aspect from the frame size).
#[tokio::test]
async fn a_red_sphere_in_front_of_the_camera_is_drawn_at_the_centre() {
    let (_mock, mut client) = start().await;
    add_sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    let picture = snapshot(
        &mut client,
        json!({"camera_view": view([0.0, 0.0, 5.0], [0.0, 0.0, 0.0])}),
    )
    .await;
    assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
    assert!(
        picture.is_red(WIDTH / 2, HEIGHT / 2),
        "{:?}",
        picture.at(64, 48)
    );
    for (x, y) in [
        (0, 0),
        (WIDTH - 1, 0),
        (0, HEIGHT - 1),
        (WIDTH - 1, HEIGHT - 1),
    ] {
        assert!(picture.is_background(x, y), "corner ({x}, {y})");
    }
    // The sphere's apparent radius: the tangent cone's half angle asin(r / d).
    let (x0, x1, y0, y1) = picture.red_extent().expect("red pixels");
    let half_angle = (0.5f64 / 5.0).asin();
    let radius = half_angle.tan() / (22.5f64).to_radians().tan() * f64::from(HEIGHT) / 2.0;
    for (extent, expected) in [(x1 - x0 + 1, 2.0 * radius), (y1 - y0 + 1, 2.0 * radius)] {
        assert!(
            (f64::from(extent) - expected).abs() <= 2.0,
            "{extent} vs {expected}"
        );
    }
}

/// `brayns/engine/camera/View.h` and `Camera.cpp`: the camera looks from `position` to
/// `target`; up is the view's `up` made orthogonal to the direction.
#[tokio::test]
async fn moving_the_sphere_or_the_target_moves_it_to_the_projected_pixel() {
    let (_mock, mut client) = start().await;
    let model = add_sphere(&mut client, [1.0, 0.6, 0.0], 0.2).await;
    let eye = [0.0, 0.0, 5.0];
    let picture = snapshot(
        &mut client,
        json!({"camera_view": view(eye, [0.0, 0.0, 0.0])}),
    )
    .await;
    let (x, y) = project([1.0, 0.6, 0.0], eye, [0.0, 0.0, 0.0], 45.0);
    assert!(
        x > 70.0 && y < 40.0,
        "up and right of the centre: ({x}, {y})"
    );
    assert!(
        picture.is_red(x as u32, y as u32),
        "at the projection ({x}, {y})"
    );
    // Mirrored left/right or up/down, as a flipped camera would draw it: nothing.
    assert!(picture.is_background(WIDTH - x as u32, y as u32));
    assert!(picture.is_background(x as u32, HEIGHT - y as u32));

    // Looking at it puts it at the centre.
    let picture = snapshot(
        &mut client,
        json!({"camera_view": view(eye, [1.0, 0.6, 0.0])}),
    )
    .await;
    assert!(picture.is_red(WIDTH / 2, HEIGHT / 2));
    assert!(!picture.is_red(x as u32, y as u32));

    // A model's transform moves it (`update-model`; scale, rotation, then translation).
    client
        .call(
            "update-model",
            Some(
                json!({"model_id": model["model_id"], "model": {"transform": {
                "translation": [-2.0, -1.2, 0.0]}}}),
            ),
        )
        .await;
    client
        .call("set-camera-view", Some(view(eye, [0.0, 0.0, 0.0])))
        .await;
    let picture = snapshot(&mut client, json!({})).await;
    let (x, y) = project([-1.0, -0.6, 0.0], eye, [0.0, 0.0, 0.0], 45.0);
    assert!(
        picture.is_red(x as u32, y as u32),
        "translated to ({x}, {y})"
    );
    assert_eq!(
        picture.red_extent().map(|e| e.0 < 64 && e.2 > 48),
        Some(true)
    );
}

/// OSPRay's `OrthographicCamera.cpp` (Brayns `Orthographic.cpp` passes `height`): the view is
/// `height` world units tall and `height × aspect` wide, whatever the distance.
#[tokio::test]
async fn the_orthographic_height_sets_the_scale() {
    let (_mock, mut client) = start().await;
    add_sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    for height in [2.0, 4.0] {
        let picture = snapshot(
            &mut client,
            json!({
                "camera": {"name": "orthographic", "params": {"height": height}},
                "camera_view": view([0.0, 0.0, 50.0], [0.0, 0.0, 0.0]),
            }),
        )
        .await;
        let (x0, x1, y0, y1) = picture.red_extent().expect("red pixels");
        // The diameter, 1, in pixels: HEIGHT / height, the same both ways.
        let expected = f64::from(HEIGHT) / height;
        for extent in [x1 - x0 + 1, y1 - y0 + 1] {
            assert!(
                (f64::from(extent) - expected).abs() <= 1.5,
                "{extent} vs {expected}"
            );
        }
    }
}

/// The cylindric camera (`plugins/CylindricCamera`; its ray generation was
/// `OsprayCylindricCamera.ispc`): 180 degrees around the up axis across the width, from the
/// left (-right) at x = 0 to the right at the last column.
#[tokio::test]
async fn the_cylindric_camera_is_a_half_panorama() {
    let (_mock, mut client) = start().await;
    // Looking down -z from the origin: right is +x. Spheres ahead, 45 degrees to the right,
    // and 80 degrees to the left, all 5 away.
    for degrees in [0.0f64, 45.0, -80.0] {
        let angle = degrees.to_radians();
        add_sphere(
            &mut client,
            [5.0 * angle.sin(), 0.0, -5.0 * angle.cos()],
            0.3,
        )
        .await;
    }
    let picture = snapshot(
        &mut client,
        json!({
            "camera": {"name": "cylindric", "params": {"fovy": 60.0}},
            "camera_view": view([0.0, 0.0, 0.0], [0.0, 0.0, -1.0]),
        }),
    )
    .await;
    for degrees in [0.0f64, 45.0, -80.0] {
        let x = (0.5 + degrees / 180.0) * f64::from(WIDTH);
        assert!(
            picture.is_red(x as u32, HEIGHT / 2),
            "sphere at {degrees} degrees, x {x}"
        );
    }
    // Halfway between them: nothing.
    let between = (0.5 + 22.5 / 180.0) * f64::from(WIDTH);
    assert!(picture.is_background(between as u32, HEIGHT / 2));
    // A perspective camera there cannot see the sphere at -80 degrees.
    let picture = snapshot(
        &mut client,
        json!({
            "camera": {"name": "perspective", "params": {"fovy": 60.0}},
            "camera_view": view([0.0, 0.0, 0.0], [0.0, 0.0, -1.0]),
        }),
    )
    .await;
    assert!(picture.is_red(WIDTH / 2, HEIGHT / 2));
    assert!(picture.is_background(1, HEIGHT / 2));
}

/// OSPRay's cameras start rays at `nearClip` (`Camera.cpp` of Brayns passes the near clipping
/// distance): what is nearer is not drawn.
#[tokio::test]
async fn the_near_clip_removes_what_is_nearer() {
    let (_mock, mut client) = start().await;
    add_sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    let eye = view([0.0, 0.0, 5.0], [0.0, 0.0, 0.0]);
    for (near, seen) in [(4.0, true), (5.2, true), (5.6, false)] {
        client
            .call("set-camera-near-clip", Some(json!({"distance": near})))
            .await;
        let picture = snapshot(&mut client, json!({"camera_view": eye})).await;
        assert_eq!(
            picture.is_red(WIDTH / 2, HEIGHT / 2),
            seen,
            "near clip {near}"
        );
    }
    // The request's own near clip wins over the camera's.
    let picture = snapshot(
        &mut client,
        json!({"camera_view": eye, "camera_near_clip": 1.0}),
    )
    .await;
    assert!(picture.is_red(WIDTH / 2, HEIGHT / 2));
}

/// OSPRay's `Camera_subRegion` maps the screen into `[image_start, image_end]`; Brayns'
/// default region (`Camera.h`) is start (0, 1), end (1, 0), y growing downwards in the image.
#[tokio::test]
async fn the_image_region_crops_the_view() {
    let (_mock, mut client) = start().await;
    let point = [1.2, 0.6, 0.0];
    add_sphere(&mut client, point, 0.15).await;
    let eye = [0.0, 0.0, 5.0];
    let (x, y) = project(point, eye, [0.0, 0.0, 0.0], 45.0);
    // The top right quarter of the view fills the image: twice as large.
    let picture = snapshot(
        &mut client,
        json!({
            "camera_view": view(eye, [0.0, 0.0, 0.0]),
            "image_start": [0.5, 1.0],
            "image_end": [1.0, 0.5],
        }),
    )
    .await;
    let (cx, cy) = (2.0 * (x - f64::from(WIDTH) / 2.0), 2.0 * y);
    assert!(
        picture.is_red(cx as u32, cy as u32),
        "cropped to ({cx}, {cy})"
    );
    let (x0, x1, _, _) = picture.red_extent().expect("red");
    let full = snapshot(
        &mut client,
        json!({"camera_view": view(eye, [0.0, 0.0, 0.0])}),
    )
    .await;
    let (f0, f1, _, _) = full.red_extent().expect("red");
    let ratio = f64::from(x1 - x0 + 1) / f64::from(f1 - f0 + 1);
    assert!((ratio - 2.0).abs() < 0.35, "twice as large: {ratio}");
    // The region set on the camera applies to every picture.
    client
        .call(
            "set-camera-region",
            Some(json!({"image_start": [0.5, 1.0], "image_end": [1.0, 0.5]})),
        )
        .await;
    let again = snapshot(
        &mut client,
        json!({"camera_view": view(eye, [0.0, 0.0, 0.0])}),
    )
    .await;
    assert_eq!(again.rgba, picture.rgba);
}

/// The renderers' `background_color` (`Interactive.h`, `Production.h`), RGBA: PNG keeps its
/// alpha (Brayns encodes its RGBA framebuffer, `StbiHelper.cpp`).
#[tokio::test]
async fn the_background_is_the_renderers_color_and_alpha() {
    let (_mock, mut client) = start().await;
    client
        .call(
            "set-renderer-interactive",
            Some(json!({"background_color": [0.2, 0.4, 0.6, 0.5]})),
        )
        .await;
    let picture = snapshot(&mut client, json!({})).await;
    assert_eq!(picture.at(10, 10), [51, 102, 153, 128]);
    // A snapshot's own renderer wins.
    let picture = snapshot(
        &mut client,
        json!({"renderer": {"name": "production", "params": {"background_color": [1.0, 1.0, 0.0, 1.0]}}}),
    )
    .await;
    assert_eq!(picture.at(10, 10), [255, 255, 0, 255]);
    // So does switching the renderer.
    client
        .call(
            "set-renderer-production",
            Some(json!({"background_color": [0.0, 1.0, 0.0, 1.0]})),
        )
        .await;
    let picture = snapshot(&mut client, json!({})).await;
    assert_eq!(picture.at(10, 10), [0, 255, 0, 255]);
}

/// `brayns/engine/geometry/types/Box.h` (min, max corners): the box covers exactly its
/// projection; a loaded model is drawn as its bounds (the mock loads no file).
#[tokio::test]
async fn boxes_and_loaded_models_are_drawn_as_boxes() {
    let (_mock, mut client) = start().await;
    client
        .call(
            "add-boxes",
            Some(
                json!([{"geometry": {"min": [-0.5, -0.25, -0.5], "max": [0.5, 0.25, 0.5]},
                         "color": RED}]),
            ),
        )
        .await;
    let orthographic = json!({
        "camera": {"name": "orthographic", "params": {"height": 2.0}},
        "camera_view": view([0.0, 0.0, 10.0], [0.0, 0.0, 0.0]),
    });
    let picture = snapshot(&mut client, orthographic.clone()).await;
    // Height 2 over 96 rows: 48 pixels per unit, the same across.
    let (x0, x1, y0, y1) = picture.red_extent().expect("red");
    assert_eq!((x0, x1, y0, y1), (64 - 24, 64 + 23, 48 - 12, 48 + 11));

    client.call("clear-models", None).await;
    let upload = json!({"jsonrpc": "2.0", "id": 1000, "method": "upload-model", "params": {
        "loader_name": "raw-volume", "type": "raw", "loader_properties": {
            "data_type": "unsinged_char", "dimensions": [2, 2, 2], "spacing": [1.0, 1.0, 1.0]}}});
    client
        .send_binary(&upload, &[0, 64, 128, 255, 0, 64, 128, 255])
        .await;
    let models = match client.response(1000).await {
        Incoming::Text(reply) if reply.get("result").is_some() => reply["result"].clone(),
        other => panic!("{other:?}"),
    };
    let bounds = &models[0]["bounds"];
    let centre: Vec<f64> = (0..3)
        .map(|i| (bounds["min"][i].as_f64().unwrap() + bounds["max"][i].as_f64().unwrap()) / 2.0)
        .collect();
    let eye = [centre[0], centre[1], centre[2] + 20.0];
    let picture = snapshot(
        &mut client,
        json!({"camera_view": view(eye, [centre[0], centre[1], centre[2]])}),
    )
    .await;
    let [r, g, b, a] = picture.at(WIDTH / 2, HEIGHT / 2);
    assert!(
        r > 100 && r == g && g == b && a == 255,
        "grey box: {:?}",
        [r, g, b, a]
    );
    assert!(picture.is_background(2, 2));
}

/// Clipping geometries (`AddClippingGeometryEntrypoint.cpp`, `ClippingModelBuilder.h`): a
/// plane removes the half-space behind it (opposite its normal); `invert_normals` switches
/// the side.
#[tokio::test]
async fn a_clipping_plane_removes_half_a_sphere() {
    let (_mock, mut client) = start().await;
    add_sphere(&mut client, [0.0, 0.0, 0.0], 1.0).await;
    let params = json!({"camera_view": view([0.0, 0.0, 5.0], [0.0, 0.0, 0.0])});
    let (left, right) = (WIDTH / 2 - 10, WIDTH / 2 + 10);
    client
        .call(
            "add-clip-plane",
            Some(json!({"coefficients": [1.0, 0.0, 0.0, 0.0]})),
        )
        .await;
    let picture = snapshot(&mut client, params.clone()).await;
    assert!(picture.is_background(left, HEIGHT / 2), "x < 0 removed");
    assert!(picture.is_red(right, HEIGHT / 2), "x > 0 kept");

    client.call("clear-clipping-geometries", None).await;
    client
        .call(
            "add-clipping-planes",
            Some(
                json!({"primitives": [{"coefficients": [1.0, 0.0, 0.0, 0.0]}],
                        "invert_normals": true}),
            ),
        )
        .await;
    let picture = snapshot(&mut client, params.clone()).await;
    assert!(picture.is_red(left, HEIGHT / 2));
    assert!(picture.is_background(right, HEIGHT / 2));

    // A clipping box along the view axis bores a tunnel through it.
    client.call("clear-clipping-geometries", None).await;
    client
        .call(
            "add-clipping-boxes",
            Some(json!({"primitives": [{"min": [-0.3, -0.3, -5.0], "max": [0.3, 0.3, 5.0]}]})),
        )
        .await;
    let picture = snapshot(&mut client, params.clone()).await;
    assert!(
        picture.is_background(WIDTH / 2, HEIGHT / 2),
        "through the tunnel"
    );
    assert!(picture.is_red(right, HEIGHT / 2));

    // A clipping sphere around the front of the sphere opens it: the far side shows, 6 away
    // instead of 4 (depth from `export-gbuffers`).
    client.call("clear-clipping-geometries", None).await;
    client
        .call(
            "add-clipping-spheres",
            Some(json!({"primitives": [{"center": [0.0, 0.0, 1.0], "radius": 0.5}]})),
        )
        .await;
    let mut export = params;
    export["channels"] = json!(["depth"]);
    export["resolution"] = json!([WIDTH, HEIGHT]);
    let id = client.request("export-gbuffers", Some(export)).await;
    let Incoming::Binary(_, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    let (_, _, channels) = read_exr(&payload);
    let depth = |x: u32, y: u32| channels[0].values[(y * WIDTH + x) as usize];
    assert!(
        (depth(WIDTH / 2, HEIGHT / 2) - 6.0).abs() < 0.01,
        "the far side"
    );
    let edge = depth(WIDTH / 2 + 16, HEIGHT / 2);
    assert!(
        edge > 4.0 && edge < 5.0,
        "the front, outside the hole: {edge}"
    );
}

/// `render-image` draws the current scene too, through the current camera.
#[tokio::test]
async fn render_image_draws_the_scene() {
    let (_mock, mut client) = start().await;
    add_sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    client
        .call(
            "set-camera-view",
            Some(view([0.0, 0.0, 5.0], [0.0, 0.0, 0.0])),
        )
        .await;
    client
        .call(
            "set-application-parameters",
            Some(json!({"viewport": [WIDTH, HEIGHT]})),
        )
        .await;
    let id = client
        .request(
            "render-image",
            Some(json!({"format": "png", "force": true})),
        )
        .await;
    let picture = match client.response(id).await {
        Incoming::Binary(_, payload) => Picture::decode(&payload),
        other => panic!("{other:?}"),
    };
    assert!(picture.is_red(WIDTH / 2, HEIGHT / 2));
    assert!(picture.is_background(0, 0));
}

/// A channel of an EXR file: name and values, rows from the top.
struct ExrChannel {
    part: String,
    name: String,
    values: Vec<f32>,
}

/// Reads the uncompressed float scanline EXR (single or multi-part) `ExrCodec.cpp` writes.
fn read_exr(bytes: &[u8]) -> (u32, u32, Vec<ExrChannel>) {
    assert_eq!(&bytes[..4], &[0x76, 0x2f, 0x31, 0x01], "EXR magic");
    let multipart = bytes[5] & 0x10 != 0;
    let mut at = 8;
    let cstring = |at: &mut usize| {
        let end = bytes[*at..].iter().position(|&b| b == 0).unwrap() + *at;
        let text = String::from_utf8(bytes[*at..end].to_vec()).unwrap();
        *at = end + 1;
        text
    };
    let int = |at: usize| i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let mut parts = Vec::new();
    loop {
        let mut channels = Vec::new();
        let mut size = (0, 0);
        let mut name = String::new();
        loop {
            let attribute = cstring(&mut at);
            if attribute.is_empty() {
                break;
            }
            let kind = cstring(&mut at);
            let length = int(at) as usize;
            at += 4;
            let value = at;
            at += length;
            match (attribute.as_str(), kind.as_str()) {
                ("channels", "chlist") => {
                    let mut cursor = value;
                    loop {
                        let channel = cstring(&mut cursor);
                        if channel.is_empty() {
                            break;
                        }
                        assert_eq!(int(cursor), 2, "32-bit float");
                        channels.push(channel);
                        cursor += 16;
                    }
                }
                ("compression", _) => assert_eq!(bytes[value], 0, "uncompressed"),
                ("dataWindow", "box2i") => {
                    size = (int(value + 8) + 1, int(value + 12) + 1);
                }
                ("name", _) => name = String::from_utf8(bytes[value..at].to_vec()).unwrap(),
                _ => {}
            }
        }
        parts.push((name, channels, size));
        if !multipart || bytes[at] == 0 {
            at += usize::from(multipart);
            break;
        }
    }
    let (width, height) = (parts[0].2.0 as usize, parts[0].2.1 as usize);
    let tables = at;
    let mut result = Vec::new();
    for (index, (part, channels, _)) in parts.iter().enumerate() {
        let mut values = vec![vec![0f32; width * height]; channels.len()];
        for line in 0..height {
            let entry = tables + (index * height + line) * 8;
            let mut chunk =
                u64::from_le_bytes(bytes[entry..entry + 8].try_into().unwrap()) as usize;
            if multipart {
                assert_eq!(int(chunk), index as i32);
                chunk += 4;
            }
            let y = int(chunk) as usize;
            let mut data = chunk + 8;
            for channel in values.iter_mut() {
                for x in 0..width {
                    channel[y * width + x] =
                        f32::from_le_bytes(bytes[data..data + 4].try_into().unwrap());
                    data += 4;
                }
            }
        }
        for (name, values) in channels.iter().zip(values) {
            result.push(ExrChannel {
                part: part.clone(),
                name: name.clone(),
                values,
            });
        }
    }
    (width as u32, height as u32, result)
}

/// `ExportGBuffersEntrypoint.cpp` and `ExrCodec.cpp`: one part per channel (named after it),
/// float values; depth is the distance along the ray, normals are in world space.
#[tokio::test]
async fn export_gbuffers_holds_depth_and_normals_of_the_scene() {
    let (_mock, mut client) = start().await;
    add_sphere(&mut client, [0.0, 0.0, 0.0], 0.5).await;
    let id = client
        .request(
            "export-gbuffers",
            Some(json!({
                "channels": ["depth", "normal"],
                "resolution": [WIDTH, HEIGHT],
                "camera_view": view([0.0, 0.0, 5.0], [0.0, 0.0, 0.0]),
            })),
        )
        .await;
    let payload = match client.response(id).await {
        Incoming::Binary(_, payload) => payload,
        other => panic!("{other:?}"),
    };
    let (width, height, channels) = read_exr(&payload);
    assert_eq!((width, height), (WIDTH, HEIGHT));
    let names: Vec<(&str, &str)> = channels
        .iter()
        .map(|c| (c.part.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("depth", "R"),
            ("normal", "B"),
            ("normal", "G"),
            ("normal", "R")
        ]
    );
    let centre = (HEIGHT / 2 * WIDTH + WIDTH / 2) as usize;
    let depth = channels[0].values[centre];
    assert!((depth - 4.5).abs() < 0.01, "depth {depth}");
    assert!(channels[0].values[0].is_infinite(), "nothing hit");
    let normal = [
        channels[3].values[centre],
        channels[2].values[centre],
        channels[1].values[centre],
    ];
    assert!(
        normal[2] > 0.99 && normal[0].abs() < 0.05,
        "facing the camera: {normal:?}"
    );
    // Up and to the right of the centre, the normal leans that way.
    let off = ((HEIGHT / 2 - 6) * WIDTH + WIDTH / 2 + 6) as usize;
    let (nx, ny) = (channels[3].values[off], channels[2].values[off]);
    assert!(nx > 0.1 && ny > 0.1, "({nx}, {ny})");

    // A single channel is a single-part file.
    let id = client
        .request(
            "export-gbuffers",
            Some(json!({"channels": ["color"], "resolution": [WIDTH, HEIGHT],
                        "camera_view": view([0.0, 0.0, 5.0], [0.0, 0.0, 0.0])})),
        )
        .await;
    let payload = match client.response(id).await {
        Incoming::Binary(_, payload) => payload,
        other => panic!("{other:?}"),
    };
    let (_, _, channels) = read_exr(&payload);
    let names: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "G", "R"]);
    assert!(channels[3].values[centre] > 0.9 && channels[2].values[centre] < 0.01);
}

/// Large `add-*` params (from 256 KiB) stay text in the mock and are parsed by the first
/// picture: they are drawn all the same, here a red sphere after 4000 others behind the
/// camera.
#[tokio::test]
async fn the_primitives_of_a_large_request_are_drawn_too() {
    let (_mock, mut client) = start().await;
    let mut spheres: Vec<Value> = (0..4000)
        .map(|i| {
            json!({"geometry": {"center": [f64::from(i % 50), f64::from(i / 50), 100.0],
                                "radius": 0.25}, "color": [0.0, 1.0, 0.0, 1.0]})
        })
        .collect();
    spheres.push(json!({"geometry": {"center": [0.0, 0.0, 0.0], "radius": 0.5}, "color": RED}));
    let params = Value::Array(spheres);
    assert!(
        params.to_string().len() >= 256 * 1024,
        "large enough to stay text"
    );
    client.call("add-spheres", Some(params)).await;
    let picture = snapshot(
        &mut client,
        json!({"camera_view": view([0.0, 0.0, 5.0], [0.0, 0.0, 0.0])}),
    )
    .await;
    assert!(picture.is_red(WIDTH / 2, HEIGHT / 2));
    assert!(picture.is_background(2, 2));
}

/// A deterministic pseudo-random stream in [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn point(&mut self) -> [f64; 3] {
        [0, 1, 2].map(|_| self.next() * 4.0 - 2.0)
    }

    fn color(&mut self) -> [f64; 4] {
        [self.next(), self.next(), self.next(), 1.0]
    }
}

/// Snapshots trace neighbouring pixels together and `export-gbuffers` one ray at a time: in a
/// dense scene of every bounded shape, with a clipping sphere, both see the same primitive
/// with the same shading at every pixel (a row's last pixels in a smaller group included).
#[tokio::test]
async fn snapshots_show_what_export_gbuffers_shows_pixel_for_pixel() {
    let (_mock, mut client) = start().await;
    let mut random = Lcg(11);
    let spheres: Vec<Value> = (0..150)
        .map(|_| {
            json!({"geometry": {"center": random.point(), "radius": 0.05 + random.next() * 0.2},
                   "color": random.color()})
        })
        .collect();
    let capsules: Vec<Value> = (0..150)
        .map(|_| {
            let p0 = random.point();
            let p1 = [0, 1, 2].map(|i| p0[i] + random.next() * 0.6 - 0.3);
            json!({"geometry": {"p0": p0, "r0": 0.08, "p1": p1, "r1": 0.03},
                   "color": random.color()})
        })
        .collect();
    let boxes: Vec<Value> = (0..150)
        .map(|_| {
            let min = random.point();
            let max = [0, 1, 2].map(|i| min[i] + 0.05 + random.next() * 0.3);
            json!({"geometry": {"min": min, "max": max}, "color": random.color()})
        })
        .collect();
    client
        .call("add-spheres", Some(Value::Array(spheres)))
        .await;
    client
        .call("add-capsules", Some(Value::Array(capsules)))
        .await;
    client.call("add-boxes", Some(Value::Array(boxes))).await;
    client
        .call(
            "add-clipping-spheres",
            Some(json!({"primitives": [{"center": [0.5, 0.0, 2.0], "radius": 0.8}]})),
        )
        .await;
    // 100 columns: six groups of 16 and one of 4.
    let (width, height) = (100u32, 72u32);
    let camera_view = view([0.3, 0.2, 6.0], [0.0, 0.0, 0.0]);
    let id = client
        .request(
            "snapshot",
            Some(json!({"camera_view": camera_view,
                        "image_settings": {"format": "png", "size": [width, height]}})),
        )
        .await;
    let picture = match client.response(id).await {
        Incoming::Binary(_, payload) => Picture::decode(&payload),
        other => panic!("{other:?}"),
    };
    let id = client
        .request(
            "export-gbuffers",
            Some(json!({"channels": ["color"], "resolution": [width, height],
                        "camera_view": camera_view})),
        )
        .await;
    let Incoming::Binary(_, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    let (_, _, channels) = read_exr(&payload);
    // Channels A, B, G, R.
    let exported = |x: u32, y: u32, channel: usize| {
        let value = channels[3 - channel].values[(y * width + x) as usize];
        (f64::from(value).clamp(0.0, 1.0) * 255.0).round() as i32
    };
    let mut hits = 0;
    for y in 0..height {
        for x in 0..width {
            let pixel = picture.at(x, y);
            for (channel, &value) in pixel.iter().enumerate() {
                let expected = exported(x, y, channel);
                assert!(
                    (i32::from(value) - expected).abs() <= 1,
                    "pixel ({x}, {y}) channel {channel}: {value} in the snapshot, \
                     {expected} exported"
                );
            }
            hits += usize::from(!picture.is_background(x, y));
        }
    }
    assert!(hits > (width * height / 3) as usize, "{hits} pixels hit");
}
