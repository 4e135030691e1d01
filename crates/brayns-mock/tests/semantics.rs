//! The engine's rules beyond the schemas, each test following the Brayns 3.10.1 source it
//! names: ids, errors and their order, model info and bounds, loaders reading their files,
//! camera, renderer and simulation checks, color ramps and methods, and `render-image`
//! accumulation.

mod common;

use brayns_mock::MockServer;
use common::{Incoming, connect, error, mock};
use serde_json::{Value, json};

/// The JSON of an empty box: min = +FLT_MAX, max = -FLT_MAX.
fn empty_bounds() -> Value {
    let max = f64::from(f32::MAX);
    json!({"max": [-max, -max, -max], "min": [max, max, max]})
}

fn sphere(center: [f64; 3], radius: f64) -> Value {
    json!([{"color": [1.0, 0.0, 0.0, 1.0], "geometry": {"center": center, "radius": radius}}])
}

fn unit_box() -> Value {
    json!([{"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"min": [0.0, 0.0, 0.0], "max": [1.0, 2.0, 3.0]}}])
}

/// Asserts that `bounds` is (`min`, `max`) within rounding.
fn assert_bounds(bounds: &Value, min: [f64; 3], max: [f64; 3]) {
    for (key, expected) in [("min", min), ("max", max)] {
        let actual: Vec<f64> = bounds[key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key} in {bounds}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for axis in 0..3 {
            assert!(
                (actual[axis] - expected[axis]).abs() < 1e-9,
                "{key}: {actual:?}, expected {expected:?}"
            );
        }
    }
}

/// A file with `contents` whose name ends with `suffix`, removed on drop.
fn file(suffix: &str, contents: &[u8]) -> tempfile::TempPath {
    let file = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    std::fs::write(file.path(), contents).unwrap();
    file.into_temp_path()
}

fn load(path: &str, loader: &str, properties: Value) -> Value {
    json!({"path": path, "loader_name": loader, "loader_properties": properties})
}

/// Follows brayns/utils/IDFactory.h and brayns/engine/scene/ModelManager.cpp: the last
/// released id is given out first; removing by kind releases ids without restarting them;
/// only `clear-models` starts over at 0.
#[tokio::test]
async fn ids_are_reused_last_released_first() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    for _ in 0..4 {
        client
            .call("add-spheres", Some(sphere([0.0; 3], 1.0)))
            .await;
    }
    client
        .call("remove-model", Some(json!({"ids": [1, 2]})))
        .await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            client
                .call("add-spheres", Some(sphere([0.0; 3], 1.0)))
                .await["model_id"]
                .clone(),
        );
    }
    assert_eq!(ids, [json!(2), json!(1), json!(4)]);

    client.call("add-light-ambient", Some(json!({}))).await;
    client.call("clear-renderables", None).await;
    // The light (5) is all that is left; the next id is the last geometry released.
    assert_eq!(
        client.call("add-light-ambient", Some(json!({}))).await["model_id"],
        4
    );
    client.call("clear-models", None).await;
    assert_eq!(
        client.call("add-light-ambient", Some(json!({}))).await["model_id"],
        0
    );
    mock.stop().await;
}

/// Follows brayns/network/common/ExtractModel.cpp (-32602 for a model looked up by an
/// entrypoint), brayns/engine/scene/ModelManager.cpp (-32603 where the manager's own error
/// goes through: remove-model, instantiate-model) and InstantiateModelEntrypoint.cpp (an empty
/// transform list is refused before the model is looked up).
#[tokio::test]
async fn unknown_model_ids_fail_as_each_entrypoint_reports_them() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let by_entrypoint = error(-32602, "No model found with ID 7");
    for (method, params) in [
        ("get-model", json!({"id": 7})),
        ("update-model", json!({"model_id": 7, "model": {}})),
        ("get-material-type", json!({"id": 7})),
        ("set-material-matte", json!({"model_id": 7, "material": {}})),
        ("get-color-ramp", json!({"id": 7})),
        ("get-color-methods", json!({"id": 7})),
        ("enable-simulation", json!({"model_id": 7, "enabled": true})),
    ] {
        assert_eq!(
            client.call_error(method, Some(params)).await,
            by_entrypoint,
            "{method}"
        );
    }
    assert_eq!(
        client
            .call_error("remove-model", Some(json!({"ids": [7]})))
            .await,
        error(-32603, "No instance with id 7 was found")
    );
    assert_eq!(
        client
            .call_error(
                "instantiate-model",
                Some(json!({"model_id": 7, "transforms": []}))
            )
            .await,
        error(0, "transforms list cannot be empty")
    );
    assert_eq!(
        client
            .call_error(
                "instantiate-model",
                Some(json!({"model_id": 7, "transforms": [{}]}))
            )
            .await,
        error(-32603, "No instance with id 7 was found")
    );
    // color-model checks its values before the model.
    assert_eq!(
        client
            .call_error(
                "color-model",
                Some(json!({"id": 7, "method": "solid", "values": {}}))
            )
            .await,
        error(-32602, "Color values cannot be empty")
    );
    mock.stop().await;
}

/// Follows brayns/engine/model/ModelInfo.cpp (info lists the components a model has),
/// AddGeometryEntrypoint.h, AddLightEntrypoint.h, ClippingModelBuilder.h,
/// AddClipPlaneEntrypoint.cpp (model types) and
/// brayns/io/loaders/mesh/MeshLoader.cpp (mesh metadata).
#[tokio::test]
async fn model_info_and_types_follow_the_components() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let geometry = client.call("add-boxes", Some(unit_box())).await;
    assert_eq!(geometry["model_type"], "geometry");
    assert_eq!(geometry["info"], json!({}));
    let light = client.call("add-light-ambient", Some(json!({}))).await;
    assert_eq!(light["model_type"], "light");
    assert_eq!(light["info"], json!({}));
    let clip = client
        .call(
            "add-clipping-planes",
            Some(json!({"primitives": [{"coefficients": [1.0, 0.0, 0.0, 0.0]}]})),
        )
        .await;
    assert_eq!(clip["model_type"], "clip_geometry");
    let plane = client
        .call(
            "add-clip-plane",
            Some(json!({"coefficients": [1.0, 0.0, 0.0, 0.0]})),
        )
        .await;
    assert_eq!(plane["model_type"], "clipping_geometry");
    assert_eq!(plane["info"], json!({}));
    let mesh = common::obj_file();
    let path = mesh.to_str().unwrap();
    let loaded = client
        .call("add-model", Some(load(path, "mesh", Value::Null)))
        .await;
    assert_eq!(loaded[0]["model_type"], "mesh");
    assert_eq!(
        loaded[0]["info"]["metadata"],
        json!({"meshes": "1", "vertices": "3", "faces": "1"})
    );
    assert_eq!(loaded[0]["info"]["load_info"]["source"], "from_file");
    assert_eq!(loaded[0]["info"]["load_info"]["path"], path);
    mock.stop().await;
}

/// Follows brayns/engine/components/Bounds.cpp (an empty box is +FLT_MAX..-FLT_MAX),
/// brayns/engine/light/types/ (only quad lights have an extent),
/// brayns/engine/geometry/types/Plane.cpp (planes have none), ClippingModelBuilder.h (no bounds
/// system) and brayns/engine/scene/ModelManager.cpp (the scene is the union).
#[tokio::test]
async fn models_without_extent_report_empty_bounds() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    assert_eq!(
        client.call("get-scene", None).await["bounds"],
        empty_bounds()
    );
    let ambient = client.call("add-light-ambient", Some(json!({}))).await;
    assert_eq!(ambient["bounds"], empty_bounds());
    let plane = client
        .call(
            "add-planes",
            Some(json!([{"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"coefficients": [0.0, 1.0, 0.0, 0.0]}}])),
        )
        .await;
    assert_eq!(plane["bounds"], empty_bounds());
    let clip = client
        .call(
            "add-clipping-spheres",
            Some(json!({"primitives": [{"center": [0.0, 0.0, 0.0], "radius": 1.0}]})),
        )
        .await;
    assert_eq!(clip["bounds"], empty_bounds());
    assert_eq!(
        client.call("get-scene", None).await["bounds"],
        empty_bounds()
    );
    let quad = client
        .call(
            "add-light-quad",
            Some(json!({"position": [1.0, 1.0, 1.0], "edge1": [2.0, 0.0, 0.0], "edge2": [0.0, 0.0, 3.0]})),
        )
        .await;
    assert_bounds(&quad["bounds"], [1.0, 1.0, 1.0], [3.0, 1.0, 4.0]);
    client
        .call("add-spheres", Some(sphere([10.0, 0.0, 0.0], 1.0)))
        .await;
    assert_bounds(
        &client.call("get-scene", None).await["bounds"],
        [1.0, -1.0, -1.0],
        [11.0, 1.0, 4.0],
    );
    mock.stop().await;
}

/// Follows brayns/engine/model/ModelInstance.cpp (`setTransform` recomputes the bounds) and
/// brayns/utils/MathTypes.h (translation + rotation(scale * point)); instances
/// (InstantiateModelEntrypoint.cpp) share the model and take their own transform.
#[tokio::test]
async fn bounds_follow_the_transform_of_each_instance() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let model = client.call("add-boxes", Some(unit_box())).await;
    assert_bounds(&model["bounds"], [0.0; 3], [1.0, 2.0, 3.0]);
    let moved = client
        .call(
            "update-model",
            Some(json!({"model_id": 0, "model": {"transform": {"translation": [10.0, 0.0, 0.0], "scale": [2.0, 1.0, 1.0]}}})),
        )
        .await;
    assert_bounds(&moved["bounds"], [10.0, 0.0, 0.0], [12.0, 2.0, 3.0]);
    // A quarter turn about +Z: x becomes y, y becomes -x (the scale stays).
    let half = std::f64::consts::FRAC_1_SQRT_2;
    let turned = client
        .call(
            "update-model",
            Some(json!({"model_id": 0, "model": {"transform": {"rotation": [0.0, 0.0, half, half]}}})),
        )
        .await;
    assert_bounds(&turned["bounds"], [8.0, 0.0, 0.0], [10.0, 2.0, 3.0]);
    let copies = client
        .call(
            "instantiate-model",
            Some(json!({"model_id": 0, "transforms": [{"translation": [0.0, 0.0, -5.0]}]})),
        )
        .await;
    assert_bounds(&copies[0]["bounds"], [0.0, 0.0, -5.0], [1.0, 2.0, -2.0]);
    assert_bounds(
        &client.call("get-scene", None).await["bounds"],
        [0.0, 0.0, -5.0],
        [10.0, 2.0, 3.0],
    );
    mock.stop().await;
}

/// `point` scaled by `scale`, turned by `angle` radians about +Z, then moved by `translation`:
/// the affine map of brayns/utils/MathTypes.h written out for a rotation about one axis.
fn about_z(point: [f64; 3], scale: [f64; 3], angle: f64, translation: [f64; 3]) -> [f64; 3] {
    let [x, y, z] = [
        point[0] * scale[0],
        point[1] * scale[1],
        point[2] * scale[2],
    ];
    let (sin, cos) = angle.sin_cos();
    [
        translation[0] + cos * x - sin * y,
        translation[1] + sin * x + cos * y,
        translation[2] + z,
    ]
}

/// The (min, max) box of `points`.
fn box_of(points: &[[f64; 3]]) -> ([f64; 3], [f64; 3]) {
    let mut min = [f64::INFINITY; 3];
    let mut max = [f64::NEG_INFINITY; 3];
    for point in points {
        for axis in 0..3 {
            min[axis] = min[axis].min(point[axis]);
            max[axis] = max[axis].max(point[axis]);
        }
    }
    (min, max)
}

/// The 8 corners of the box (`min`, `max`).
fn corners(min: [f64; 3], max: [f64; 3]) -> Vec<[f64; 3]> {
    (0..8)
        .map(|corner: usize| {
            std::array::from_fn(|axis| {
                if corner >> axis & 1 == 0 {
                    min[axis]
                } else {
                    max[axis]
                }
            })
        })
        .collect()
}

/// The quaternion (x, y, z, w) of a turn by `angle` radians about +Z.
fn z_turn(angle: f64) -> Value {
    let half = angle / 2.0;
    json!([0.0, 0.0, half.sin(), half.cos()])
}

/// Follows brayns/engine/geometry/types/Sphere.cpp (`computeBounds` sends only center - radius
/// and center + radius through the matrix), brayns/engine/systems/GenericBoundsSystem.h (the
/// model's box is the union over its primitives) and ModelInstance.cpp (`setTransform`
/// recomputes it with the instance matrix): a turned sphere reports the box of two turned
/// points, not the box of its unturned box's 8 turned corners.
#[tokio::test]
async fn a_turned_sphere_reports_the_box_of_its_two_turned_corners() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let (center, radius) = ([1.0, 2.0, 3.0], 1.5);
    client
        .call("add-spheres", Some(sphere(center, radius)))
        .await;
    let angle = std::f64::consts::FRAC_PI_4;
    let translation = [0.5, -1.0, 2.0];
    let turned = client
        .call(
            "update-model",
            Some(json!({"model_id": 0, "model": {"transform": {"rotation": z_turn(angle), "translation": translation}}})),
        )
        .await;
    let low = center.map(|value| value - radius);
    let high = center.map(|value| value + radius);
    let (min, max) = box_of(&[
        about_z(low, [1.0; 3], angle, translation),
        about_z(high, [1.0; 3], angle, translation),
    ]);
    assert_bounds(&turned["bounds"], min, max);
    // The 8-corner box is wider along x (the two points line up on x = 0.5 - 0.5 * sqrt(2)).
    let (corner_min, corner_max) = box_of(
        &corners(low, high)
            .into_iter()
            .map(|corner| about_z(corner, [1.0; 3], angle, translation))
            .collect::<Vec<_>>(),
    );
    assert!(corner_max[0] - corner_min[0] > max[0] - min[0] + 1.0);
    assert_bounds(&client.call("get-scene", None).await["bounds"], min, max);
    // Back to no rotation: the plain box again.
    let straight = client
        .call(
            "update-model",
            Some(json!({"model_id": 0, "model": {"transform": {"rotation": [0.0, 0.0, 0.0, 1.0], "translation": [0.0, 0.0, 0.0]}}})),
        )
        .await;
    assert_bounds(&straight["bounds"], low, high);
    mock.stop().await;
}

/// Follows brayns/engine/geometry/types/Box.cpp (each box sends its own 8 corners through
/// `TransformMatrix::transformBounds`, brayns/utils/MathTypes.h) and GenericBoundsSystem.h (the
/// union over boxes): two turned boxes far apart report less than their common box turned.
#[tokio::test]
async fn turned_boxes_report_the_union_of_each_turned_box() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let boxes = [
        ([0.0, 0.0, 0.0], [1.0, 1.0, 1.0]),
        ([4.0, 4.0, -1.0], [5.0, 6.0, 0.5]),
    ];
    let items: Vec<Value> = boxes
        .iter()
        .map(|(min, max)| json!({"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"min": min, "max": max}}))
        .collect();
    let model = client.call("add-boxes", Some(Value::Array(items))).await;
    assert_bounds(&model["bounds"], [0.0, 0.0, -1.0], [5.0, 6.0, 1.0]);
    let angle = std::f64::consts::FRAC_PI_4;
    let scale = [2.0, 1.0, 3.0];
    let turned = client
        .call(
            "update-model",
            Some(json!({"model_id": 0, "model": {"transform": {"rotation": z_turn(angle), "scale": scale}}})),
        )
        .await;
    let points: Vec<[f64; 3]> = boxes
        .iter()
        .flat_map(|(min, max)| corners(*min, *max))
        .map(|corner| about_z(corner, scale, angle, [0.0; 3]))
        .collect();
    let (min, max) = box_of(&points);
    assert_bounds(&turned["bounds"], min, max);
    let (corner_min, _) = box_of(
        &corners([0.0, 0.0, -1.0], [5.0, 6.0, 1.0])
            .into_iter()
            .map(|corner| about_z(corner, scale, angle, [0.0; 3]))
            .collect::<Vec<_>>(),
    );
    assert!(corner_min[0] < min[0] - 1.0);
    mock.stop().await;
}

/// Follows InstantiateModelEntrypoint.cpp (each instance takes its own transform),
/// ModelInstance.cpp (`setTransform` recomputes the bounds from the shared model's systems) and
/// brayns/engine/geometry/types/Capsule.cpp (each end sends center - radius and center + radius
/// through the matrix): a turned instance of capsules reports the box of those 4 points.
#[tokio::test]
async fn a_turned_instance_of_capsules_reports_the_box_of_its_turned_end_corners() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let (p0, r0, p1, r1) = ([0.0, 0.0, 0.0], 1.0, [3.0, 0.0, 0.0], 0.5);
    client
        .call(
            "add-capsules",
            Some(json!([{"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"p0": p0, "r0": r0, "p1": p1, "r1": r1}}])),
        )
        .await;
    let angle = std::f64::consts::FRAC_PI_3;
    let translation = [0.0, 0.0, -10.0];
    let copies = client
        .call(
            "instantiate-model",
            Some(json!({"model_id": 0, "transforms": [{"rotation": z_turn(angle), "translation": translation}, {"translation": [1.0, 0.0, 0.0]}]})),
        )
        .await;
    let ends = [
        p0.map(|value| value - r0),
        p0.map(|value| value + r0),
        p1.map(|value| value - r1),
        p1.map(|value| value + r1),
    ];
    let (min, max) = box_of(
        &ends
            .iter()
            .map(|end| about_z(*end, [1.0; 3], angle, translation))
            .collect::<Vec<_>>(),
    );
    assert_bounds(&copies[0]["bounds"], min, max);
    assert_bounds(&copies[1]["bounds"], [0.0, -1.0, -1.0], [4.5, 1.0, 1.0]);
    // The source model keeps its own, unturned, bounds.
    let source = client.call("get-model", Some(json!({"id": 0}))).await;
    assert_bounds(&source["bounds"], [-1.0, -1.0, -1.0], [3.5, 1.0, 1.0]);
    mock.stop().await;
}

/// Follows brayns/engine/geometry/types/BoundedPlane.cpp (a bounded plane's bounds are its
/// box's, through `GeometryTraits<Box>::computeBounds`): its box unturned, the box of its 8
/// turned corners turned.
#[tokio::test]
async fn a_bounded_plane_reports_its_box() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let (low, high) = ([-1.0, 0.0, 2.0], [3.0, 0.5, 4.0]);
    let model = client
        .call(
            "add-bounded-planes",
            Some(json!([{"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"coefficients": [0.0, 1.0, 0.0, 0.0], "bounds": {"min": low, "max": high}}}])),
        )
        .await;
    assert_bounds(&model["bounds"], low, high);
    let angle = 0.3;
    let turned = client
        .call(
            "update-model",
            Some(json!({"model_id": 0, "model": {"transform": {"rotation": z_turn(angle)}}})),
        )
        .await;
    let (min, max) = box_of(
        &corners(low, high)
            .into_iter()
            .map(|corner| about_z(corner, [1.0; 3], angle, [0.0; 3]))
            .collect::<Vec<_>>(),
    );
    assert_bounds(&turned["bounds"], min, max);
    mock.stop().await;
}

/// The same rules as [`a_bounded_plane_reports_its_box`] and the capsule ends of
/// [`a_turned_instance_of_capsules_reports_the_box_of_its_turned_end_corners`] (Capsule.cpp,
/// BoundedPlane.cpp) for params large enough (over 256 KiB) that the mock reads their bounds
/// from the text with a typed parse.
#[tokio::test]
async fn large_capsule_and_bounded_plane_params_report_the_same_bounds() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let count = 4000;
    let capsules: Vec<Value> = (0..count)
        .map(|i| {
            let x = f64::from(i);
            json!({"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"p0": [x, 0.0, 0.0], "r0": 2.0, "p1": [x, 1.0, 0.0], "r1": 0.5}})
        })
        .collect();
    assert!(Value::Array(capsules.clone()).to_string().len() > 256 * 1024);
    let model = client
        .call("add-capsules", Some(Value::Array(capsules)))
        .await;
    // y: p0 grows to 2, p1 only to 1.5 (1 + r1), not 3 (1 + the larger r0).
    let last = f64::from(count - 1);
    assert_bounds(&model["bounds"], [-2.0, -2.0, -2.0], [last + 2.0, 2.0, 2.0]);
    let planes: Vec<Value> = (0..count)
        .map(|i| {
            let x = f64::from(i);
            json!({"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"coefficients": [0.0, 0.0, 1.0, 0.0], "bounds": {"min": [x, 0.0, 0.0], "max": [x + 1.0, 1.0, 0.0]}}})
        })
        .collect();
    let model = client
        .call("add-bounded-planes", Some(Value::Array(planes)))
        .await;
    assert_bounds(&model["bounds"], [0.0; 3], [f64::from(count), 1.0, 0.0]);
    mock.stop().await;
}

/// Follows AddModelEntrypoint.cpp and LoaderHelper.cpp (the path, then the loader by name or
/// by format, then its properties) and brayns/utils/FileReader.cpp (the file must exist and be
/// a regular file).
#[tokio::test]
async fn add_model_checks_path_loader_properties_and_file_in_order() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    assert_eq!(
        client
            .call_error("add-model", Some(load("", "nope", Value::Null)))
            .await,
        error(-32602, "Missing model path")
    );
    assert_eq!(
        client
            .call_error("add-model", Some(load("/no/such.obj", "nope", Value::Null)))
            .await,
        error(-32602, "Invalid loader name: 'nope'")
    );
    assert_eq!(
        client
            .call_error("add-model", Some(load("/no/such.ABC", "", Value::Null)))
            .await,
        error(-32602, "Unsupported file format: 'abc'")
    );
    let bad_properties = client
        .call_error(
            "add-model",
            Some(load("/no/such.raw", "raw-volume", json!({"data_type": 3}))),
        )
        .await;
    assert_eq!(bad_properties["code"], -32602);
    assert_eq!(bad_properties["message"], "Invalid loader params schema");
    assert_eq!(
        client
            .call_error("add-model", Some(load("/no/such.obj", "mesh", Value::Null)))
            .await,
        error(-32603, "File /no/such.obj does not exists")
    );
    let directory = tempfile::tempdir().unwrap();
    let directory = directory.path().to_str().unwrap().to_owned();
    assert_eq!(
        client
            .call_error("add-model", Some(load(&directory, "mesh", Value::Null)))
            .await,
        error(-32603, &format!("File {directory} is not a regular file"))
    );
    // Found by its format when no loader is named.
    let mesh = common::obj_file();
    let loaded = client
        .call(
            "add-model",
            Some(load(mesh.to_str().unwrap(), "", Value::Null)),
        )
        .await;
    assert_eq!(loaded[0]["model_type"], "mesh");
    mock.stop().await;
}

/// Follows brayns/io/loaders/mesh/MeshLoader.cpp and its parsers, and
/// brayns/engine/geometry/types/TriangleMesh.cpp (a mesh is bounded by its vertices).
#[tokio::test]
async fn mesh_bounds_come_from_the_file() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let off = file(
        ".off",
        b"OFF\n# a comment\n4 2 0\n-1 -2 -3\n4 0 0\n0 5 0\n0 0 6\n3 0 1 2\n3 0 2 3\n",
    );
    let mut stl = vec![0u8; 80];
    stl.extend_from_slice(&1u32.to_le_bytes());
    for value in [
        0.0f32, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 3.0, -1.0,
    ] {
        stl.extend_from_slice(&value.to_le_bytes());
    }
    stl.extend_from_slice(&[0, 0]);
    let stl = file(".stl", &stl);
    let ply = file(
        ".ply",
        b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 1 1\n-1 2 0\n3 0 1 2\n",
    );
    for (path, min, max, faces) in [
        (off, [-1.0, -2.0, -3.0], [4.0, 5.0, 6.0], "2"),
        (stl, [1.0, 1.0, -1.0], [2.0, 3.0, 1.0], "1"),
        (ply, [-1.0, 0.0, 0.0], [1.0, 2.0, 1.0], "1"),
    ] {
        let loaded = client
            .call(
                "add-model",
                Some(load(path.to_str().unwrap(), "mesh", Value::Null)),
            )
            .await;
        assert_bounds(&loaded[0]["bounds"], min, max);
        assert_eq!(loaded[0]["info"]["metadata"]["faces"], faces);
    }
    let empty = file(".obj", b"o nothing\n");
    assert_eq!(
        client
            .call_error(
                "add-model",
                Some(load(empty.to_str().unwrap(), "mesh", Value::Null))
            )
            .await,
        error(-32603, "No meshes found")
    );
    mock.stop().await;
}

/// Follows brayns/io/loaders/volume/VolumeLoader.cpp (the data must fill the dimensions),
/// brayns/engine/volume/types/RegularVolume.cpp (bounds are dimensions x spacing from the
/// origin), brayns/engine/systems/VolumeDataSystem.cpp and ColorRamp.cpp (volumes have the
/// default ramp) and ColorRampEntrypoint.cpp (only models with a ramp have one).
#[tokio::test]
async fn volumes_have_sized_bounds_and_a_color_ramp() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let properties =
        json!({"data_type": "unsigned_short", "dimensions": [2, 3, 4], "spacing": [0.5, 1.0, 2.0]});
    let short = file(".raw", &[0u8; 10]);
    assert_eq!(
        client
            .call_error(
                "add-model",
                Some(load(
                    short.to_str().unwrap(),
                    "raw-volume",
                    properties.clone()
                ))
            )
            .await,
        error(-32603, "Data size and expected size mismatch")
    );
    let data = file(".raw", &[0u8; 48]);
    let volume = client
        .call(
            "add-model",
            Some(load(data.to_str().unwrap(), "raw-volume", properties)),
        )
        .await;
    assert_eq!(volume[0]["model_type"], "Volume");
    assert_bounds(&volume[0]["bounds"], [0.0; 3], [1.0, 3.0, 8.0]);
    let id = volume[0]["model_id"].clone();
    assert_eq!(
        client.call("get-color-ramp", Some(json!({"id": id}))).await,
        json!({"colors": [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]], "range": [0.0, 255.0]})
    );
    assert_eq!(
        client
            .call_error(
                "set-color-ramp",
                Some(json!({"id": id, "color_ramp": {"range": [5.0, 5.0]}}))
            )
            .await,
        error(
            -32603,
            "Color ramp range must define a non zero positive interval"
        )
    );
    let ramp = json!({"colors": [[0.0, 1.0, 0.0, 1.0]], "range": [2.0, 3.0]});
    client
        .call(
            "set-color-ramp",
            Some(json!({"id": id, "color_ramp": ramp})),
        )
        .await;
    assert_eq!(
        client.call("get-color-ramp", Some(json!({"id": id}))).await,
        ramp
    );

    let geometry = client
        .call("add-spheres", Some(sphere([0.0; 3], 1.0)))
        .await;
    let id = geometry["model_id"].clone();
    assert_eq!(
        client
            .call_error("get-color-ramp", Some(json!({"id": id})))
            .await,
        error(0, "The requested model does not have a color ramp")
    );
    assert_eq!(
        client
            .call_error(
                "set-color-ramp",
                Some(json!({"id": id, "color_ramp": ramp}))
            )
            .await,
        error(-32600, "The requested model does not have a color ramp")
    );
    mock.stop().await;
}

/// Follows ModelColoringEntrypoint.cpp, brayns/engine/systems/GenericColorSystem.cpp,
/// SolidColorMethod.cpp, PrimitiveColorMethod.cpp and RangeParser.h (geometry), SystemsView.cpp (a model
/// without a color system has no methods and ignores colors), MaterialEntrypoint.h and
/// EnableSimulationEntrypoint.cpp.
#[tokio::test]
async fn color_methods_materials_and_simulation_follow_the_components() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    client
        .call(
            "add-spheres",
            Some(json!([
                {"color": [1.0, 0.0, 0.0, 1.0], "geometry": {"center": [0.0, 0.0, 0.0], "radius": 1.0}},
                {"color": [1.0, 0.0, 0.0, 1.0], "geometry": {"center": [1.0, 0.0, 0.0], "radius": 1.0}},
                {"color": [1.0, 0.0, 0.0, 1.0], "geometry": {"center": [2.0, 0.0, 0.0], "radius": 1.0}}
            ])),
        )
        .await;
    assert_eq!(
        client
            .call("get-color-methods", Some(json!({"id": 0})))
            .await,
        json!(["primitive", "solid"])
    );
    assert_eq!(
        client
            .call(
                "get-color-values",
                Some(json!({"id": 0, "method": "primitive"}))
            )
            .await,
        json!(["0-2"])
    );
    assert_eq!(
        client
            .call(
                "get-color-values",
                Some(json!({"id": 0, "method": "solid"}))
            )
            .await,
        json!(["color"])
    );
    assert_eq!(
        client
            .call_error(
                "color-model",
                Some(json!({"id": 0, "method": "rainbow", "values": {"x": [1.0, 1.0, 1.0, 1.0]}}))
            )
            .await,
        error(-32603, "Color method 'rainbow' not found")
    );
    assert_eq!(
        client
            .call_error(
                "color-model",
                Some(json!({"id": 0, "method": "solid", "values": {"x": [1.0, 1.0, 1.0, 1.0]}}))
            )
            .await,
        error(-32603, "Missing solid method input key 'color'")
    );
    client
        .call(
            "color-model",
            Some(json!({"id": 0, "method": "solid", "values": {"color": [0.0, 1.0, 0.0, 1.0]}})),
        )
        .await;
    // Three spheres: indices 0 to 2 (RangeParser.h, PrimitiveColorMethod.cpp).
    let green = json!([0.0, 1.0, 0.0, 1.0]);
    client
        .call(
            "color-model",
            Some(json!({"id": 0, "method": "primitive", "values": {"0,1-2": green}})),
        )
        .await;
    assert_eq!(
        client
            .call_error(
                "color-model",
                Some(json!({"id": 0, "method": "primitive", "values": {"1-3": green}}))
            )
            .await,
        error(-32603, "Range out of bounds: 1-3")
    );
    assert_eq!(
        client
            .call_error(
                "color-model",
                Some(json!({"id": 0, "method": "primitive", "values": {"2-1": green}}))
            )
            .await,
        error(-32603, "Invalid range 2-1")
    );

    let light = client.call("add-light-ambient", Some(json!({}))).await;
    let id = light["model_id"].clone();
    assert_eq!(
        client
            .call("get-color-methods", Some(json!({"id": id})))
            .await,
        json!([])
    );
    client
        .call(
            "color-model",
            Some(json!({"id": id, "method": "solid", "values": {"color": [0.0, 1.0, 0.0, 1.0]}})),
        )
        .await;
    assert_eq!(
        client
            .call_error(
                "set-material-matte",
                Some(json!({"model_id": id, "material": {}}))
            )
            .await,
        error(0, "The model does not have material")
    );
    assert_eq!(
        client
            .call_error("get-material-glass", Some(json!({"id": 0})))
            .await,
        error(-32600, "Invalid material type (should be 'matte')")
    );
    assert_eq!(
        client
            .call_error(
                "enable-simulation",
                Some(json!({"model_id": 0, "enabled": true}))
            )
            .await,
        error(0, "The model does not have simulation")
    );
    mock.stop().await;
}

/// Follows brayns/engine/camera/View.h, Camera.h, projections/Perspective.h and
/// plugins/CylindricCamera/camera/Cylindric.h (defaults), Camera.cpp and the projections'
/// `checkParameters` (a refused value changes nothing) and CameraEntrypoint.h (a getter answers
/// for the current type only; switching type starts from the new type's defaults).
#[tokio::test]
async fn camera_defaults_checks_and_type_switches() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    assert_eq!(
        client.call("get-camera-view", None).await,
        json!({"position": [0.0, 0.0, 0.0], "target": [0.0, 0.0, 1.0], "up": [0.0, 1.0, 0.0]})
    );
    assert_eq!(
        client.call("get-camera-near-clip", None).await,
        json!({"distance": 1e-6})
    );
    assert_eq!(
        client.call("get-camera-region", None).await,
        json!({"image_end": [1.0, 0.0], "image_start": [0.0, 1.0]})
    );
    for (method, params, message) in [
        (
            "set-camera-perspective",
            json!({"fovy": 0.0}),
            "Perspective fovy must be greater than 0",
        ),
        (
            "set-camera-orthographic",
            json!({"height": -1.0}),
            "Orthographic height must be greater than 0",
        ),
        (
            "set-camera-cylindric",
            json!({"fovy": 0.0}),
            "Fovy must be greater than 0",
        ),
        (
            "set-camera-near-clip",
            json!({"distance": -1.0}),
            "Near clipping distance cannot be < 0",
        ),
        (
            "set-camera-region",
            json!({"image_start": [0.0, 0.0], "image_end": [1.5, 1.0]}),
            "Image region should be normalized and not empty",
        ),
        (
            "set-camera-view",
            json!({"position": [0.0, 0.0, 1.0], "target": [0.0, 0.0, 1.0], "up": [0.0, 1.0, 0.0]}),
            "View position cannot be equal to view target",
        ),
        (
            "set-camera-view",
            json!({"position": [0.0, 0.0, 0.0], "target": [0.0, 0.0, 1.0], "up": [0.0, 0.0, 0.0]}),
            "View up cannot be zero length",
        ),
        (
            "set-camera-view",
            json!({"position": [0.0, 0.0, 0.0], "target": [0.0, 0.0, 1.0], "up": [0.0, 0.0, -2.0]}),
            "View direction and up cannot be aligned",
        ),
    ] {
        assert_eq!(
            client.call_error(method, Some(params)).await,
            error(-32603, message),
            "{method}"
        );
    }
    // Nothing changed.
    assert_eq!(client.call("get-camera-type", None).await, "perspective");
    assert_eq!(
        client.call("get-camera-perspective", None).await["fovy"],
        45.0
    );
    assert_eq!(
        client.call("get-camera-view", None).await["up"],
        json!([0.0, 1.0, 0.0])
    );

    client
        .call("set-camera-perspective", Some(json!({"fovy": 30.0})))
        .await;
    assert_eq!(
        client.call_error("get-camera-orthographic", None).await,
        error(-32600, "Invalid camera type (should be 'perspective')")
    );
    client.call("set-camera-cylindric", Some(json!({}))).await;
    assert_eq!(
        client.call("get-camera-cylindric", None).await,
        json!({"fovy": 48.549})
    );
    client.call("set-camera-perspective", Some(json!({}))).await;
    assert_eq!(
        client.call("get-camera-perspective", None).await["fovy"],
        45.0,
        "back to the defaults, not the earlier 30"
    );
    mock.stop().await;
}

/// Follows brayns/engine/renderer/types/Interactive.h and Production.h (defaults) and
/// RendererEntrypoint.h (type switches and getters).
#[tokio::test]
async fn renderer_defaults_and_type_switches() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    assert_eq!(
        client.call_error("get-renderer-production", None).await,
        error(-32600, "Invalid renderer type (should be 'interactive')")
    );
    client
        .call(
            "set-renderer-interactive",
            Some(json!({"samples_per_pixel": 4})),
        )
        .await;
    client
        .call("set-renderer-production", Some(json!({})))
        .await;
    assert_eq!(
        client.call("get-renderer-production", None).await,
        json!({"background_color": [0.0, 0.0, 0.0, 1.0], "max_ray_bounces": 3, "samples_per_pixel": 5})
    );
    client
        .call("set-renderer-interactive", Some(json!({})))
        .await;
    assert_eq!(
        client.call("get-renderer-interactive", None).await["samples_per_pixel"],
        1,
        "back to the defaults"
    );
    mock.stop().await;
}

/// Follows brayns/parameters/SimulationParameters.cpp (the frame must be in range; a refused
/// frame changes nothing).
#[tokio::test]
async fn simulation_sets_the_current_frame_only_within_range() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    client
        .call("set-simulation-parameters", Some(json!({"current": 0})))
        .await;
    assert_eq!(
        client.call("get-simulation-parameters", None).await,
        json!({"current": 0, "dt": 0.0, "end_frame": 0, "start_frame": 0, "unit": "ms"})
    );
    assert_eq!(
        client
            .call_error("set-simulation-parameters", Some(json!({"current": 1})))
            .await,
        error(-32603, "Simulation frame out of range")
    );
    mock.stop().await;
}

/// Follows RenderImageEntrypoint.cpp and brayns/engine/core/Engine.cpp: a frame accumulates up
/// to the renderer's samples per pixel, any change starts over (Camera.cpp: setting the
/// current view is none), a viewport under 64 pixels is
/// refused when rendering (StaticFrameHandler.cpp), and before anything was rendered a forced
/// image is empty.
#[tokio::test]
async fn render_image_accumulates_up_to_the_samples_per_pixel() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let id = client
        .request(
            "render-image",
            Some(json!({"render": false, "force": true})),
        )
        .await;
    let Incoming::Binary(reply, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(
        reply["result"],
        json!({"accumulation": 0, "max_accumulation": 1})
    );
    assert!(payload.is_empty(), "nothing rendered yet");

    client
        .call(
            "set-renderer-interactive",
            Some(json!({"samples_per_pixel": 3})),
        )
        .await;
    let mut accumulation = Vec::new();
    for _ in 0..4 {
        accumulation.push(
            client
                .call("render-image", Some(json!({"send": false})))
                .await["accumulation"]
                .clone(),
        );
    }
    assert_eq!(accumulation, [json!(1), json!(2), json!(3), json!(3)]);
    // The current view set again changes nothing (Camera::setView compares); another one
    // starts over, as does a new model.
    let view = client.call("get-camera-view", None).await;
    client.call("set-camera-view", Some(view.clone())).await;
    assert_eq!(
        client
            .call("render-image", Some(json!({"send": false})))
            .await["accumulation"],
        3,
        "the same view keeps the frame"
    );
    let mut moved = view;
    moved["position"] = json!([0.0, 0.0, -1.0]);
    client.call("set-camera-view", Some(moved)).await;
    assert_eq!(
        client
            .call("render-image", Some(json!({"send": false})))
            .await["accumulation"],
        1,
        "another view starts over"
    );
    client
        .call("render-image", Some(json!({"send": false})))
        .await;
    client
        .call("add-spheres", Some(sphere([0.0; 3], 1.0)))
        .await;
    assert_eq!(
        client
            .call("render-image", Some(json!({"send": false})))
            .await["accumulation"],
        1,
        "a change starts over"
    );

    client
        .call(
            "set-application-parameters",
            Some(json!({"viewport": [63, 100]})),
        )
        .await;
    assert_eq!(
        client.call_error("render-image", Some(json!({}))).await,
        error(-32603, "Frame size must be greather than or equal to 64x64")
    );
    mock.stop().await;
}

/// Follows FramebufferEntrypoint.cpp and ProgressiveFrameHandler.cpp: after a change the first
/// image of a progressive framebuffer is the frame divided by its scale (keeping 64 pixels at
/// least), the next ones are full size.
#[tokio::test]
async fn a_progressive_framebuffer_sends_a_small_first_image() {
    let mock = MockServer::builder()
        .window_size(640, 256)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    client
        .call(
            "set-renderer-interactive",
            Some(json!({"samples_per_pixel": 2})),
        )
        .await;
    client
        .call("set-framebuffer-progressive", Some(json!({"scale": 8})))
        .await;
    let mut sizes = Vec::new();
    for _ in 0..2 {
        let id = client
            .request("render-image", Some(json!({"format": "png"})))
            .await;
        let Incoming::Binary(_, payload) = client.response(id).await else {
            panic!("a binary reply")
        };
        let width = u32::from_be_bytes(payload[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(payload[20..24].try_into().unwrap());
        sizes.push((width, height));
    }
    // 256 / 64 = 4 caps the scale of 8.
    assert_eq!(sizes, [(160, 64), (640, 256)]);
    mock.stop().await;
}

/// Follows SnapshotEntrypoint.cpp: before rendering, the simulation frame, the image size (64
/// pixels at least, StaticFrameHandler.cpp) and the camera view are checked; with a
/// `file_path` the server writes the image itself in the format of the file's extension
/// (ImageEncoder.cpp, ImageCodecRegistry.cpp) and fails as FileWriter.cpp does; an unknown
/// format fails when encoding (also for `render-image`, RenderImageEntrypoint.cpp).
#[tokio::test]
async fn snapshot_checks_its_setup_and_writes_the_file_on_the_server() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let small = json!({"image_settings": {"size": [64, 63]}});
    assert_eq!(
        client.call_error("snapshot", Some(small)).await,
        error(-32603, "Frame size must be greather than or equal to 64x64")
    );
    assert_eq!(
        client
            .call_error("snapshot", Some(json!({"simulation_frame": 3})))
            .await,
        error(-32603, "Simulation frame out of range")
    );
    let view = json!({"camera_view": {"position": [1.0, 1.0, 1.0], "target": [1.0, 1.0, 1.0], "up": [0.0, 1.0, 0.0]}});
    assert_eq!(
        client.call_error("snapshot", Some(view)).await,
        error(-32603, "View position cannot be equal to view target")
    );

    let directory = tempfile::tempdir().unwrap();
    let saved = directory.path().join("shot.jpg");
    let params =
        json!({"file_path": saved.to_str().unwrap(), "image_settings": {"size": [80, 64]}});
    let result = client.call("snapshot", Some(params)).await;
    assert_eq!(result["color_buffer"], json!({"offset": 0, "size": 0}));
    let bytes = std::fs::read(&saved).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG, as the extension says");

    // The codecs are png and jpg; a format is checked when encoding, after rendering.
    assert_eq!(
        client
            .call_error(
                "snapshot",
                Some(json!({"image_settings": {"format": "jpeg"}}))
            )
            .await,
        error(-32603, "Format not supported: 'jpeg'")
    );
    assert_eq!(
        client
            .call_error("render-image", Some(json!({"format": "bmp"})))
            .await,
        error(-32603, "Format not supported: 'bmp'")
    );
    client
        .call(
            "render-image",
            Some(json!({"format": "bmp", "send": false})),
        )
        .await;
    let unknown = directory.path().join("shot.gif");
    assert_eq!(
        client
            .call_error(
                "snapshot",
                Some(json!({"file_path": unknown.to_str().unwrap()}))
            )
            .await,
        error(-32603, "Format not supported: 'gif'")
    );
    let unwritable = directory.path().join("missing").join("shot.png");
    let unwritable = unwritable.to_str().unwrap();
    assert_eq!(
        client
            .call_error("snapshot", Some(json!({"file_path": unwritable})))
            .await,
        error(-32603, &format!("Cannot write file '{unwritable}'"))
    );
    mock.stop().await;
}

/// Follows brayns/engine/common/SimulationScanner.cpp and SimulationParameters.cpp: a loaded
/// report gives the instance its frames (the mock's `simulation` option stands for one), and
/// clearing the models resets them.
#[tokio::test]
async fn a_simulation_accepts_its_frames_until_cleared() {
    let mock = MockServer::builder()
        .simulation(9, 0.5)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    assert_eq!(
        client.call("get-simulation-parameters", None).await,
        json!({"current": 0, "dt": 0.5, "end_frame": 9, "start_frame": 0, "unit": "ms"})
    );
    client
        .call("set-simulation-parameters", Some(json!({"current": 9})))
        .await;
    assert_eq!(
        client
            .call_error("set-simulation-parameters", Some(json!({"current": 10})))
            .await,
        error(-32603, "Simulation frame out of range")
    );
    let shot = json!({"simulation_frame": 9, "image_settings": {"size": [64, 64]}});
    client.call("snapshot", Some(shot.clone())).await;
    client.call("clear-models", None).await;
    assert_eq!(
        client.call("get-simulation-parameters", None).await,
        json!({"current": 0, "dt": 0.0, "end_frame": 0, "start_frame": 0, "unit": "ms"})
    );
    assert_eq!(
        client.call_error("snapshot", Some(shot)).await,
        error(-32603, "Simulation frame out of range")
    );
    mock.stop().await;
}

/// Follows plugins/AtlasExplorer/network/entrypoints/common/ExtractAtlas.cpp and
/// plugins/AtlasExplorer/io/NRRDLoader.cpp: only a model with atlas data (an NRRD volume, or
/// a model made from one) has use cases.
#[tokio::test]
async fn atlas_use_cases_need_an_atlas() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    client
        .call("add-spheres", Some(sphere([0.0; 3], 1.0)))
        .await;
    let no_atlas = error(
        -32602,
        "The requested model does not have an Atlas component",
    );
    assert_eq!(
        client
            .call_error("get-available-atlas-usecases", Some(json!({"model_id": 0})))
            .await,
        no_atlas
    );
    assert_eq!(
        client
            .call_error(
                "visualize-atlas-usecase",
                Some(json!({"model_id": 0, "use_case": "Density", "params": null}))
            )
            .await,
        no_atlas
    );
    let nrrd = file(".nrrd", b"NRRD0004\n");
    let atlas = client
        .call(
            "add-model",
            Some(load(
                nrrd.to_str().unwrap(),
                "NRRD loader",
                json!({"type": "scalar"}),
            )),
        )
        .await;
    assert_eq!(atlas[0]["model_type"], "atlas");
    let id = atlas[0]["model_id"].clone();
    client
        .call(
            "get-available-atlas-usecases",
            Some(json!({"model_id": id})),
        )
        .await;
    let made = client
        .call(
            "visualize-atlas-usecase",
            Some(json!({"model_id": id, "use_case": "Density", "params": null})),
        )
        .await;
    assert_eq!(made["model_type"], "atlas");
    mock.stop().await;
}
