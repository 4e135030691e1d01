//! Stateful entrypoints: models, camera, renderer, materials, parameters.

mod common;

use brayns_mock::MockServer;
use common::{connect, error, mock};
use serde_json::{Value, json};

fn sphere(x: f64) -> Value {
    json!([{"color": [1.0, 0.0, 0.0, 1.0], "geometry": {"center": [x, 0.0, 0.0], "radius": 1.0}}])
}

#[tokio::test]
async fn models_are_added_listed_and_removed() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let scene = client.call("get-scene", None).await;
    assert_eq!(scene["models"], json!([]));

    let first = client.call("add-spheres", Some(sphere(0.0))).await;
    assert_eq!(first["model_id"], 0);
    assert_eq!(first["model_type"], "geometry");
    assert_eq!(
        first["bounds"],
        json!({"max": [1.0, 1.0, 1.0], "min": [-1.0, -1.0, -1.0]})
    );
    let second = client.call("add-spheres", Some(sphere(10.0))).await;
    assert_eq!(second["model_id"], 1);
    let light = client.call("add-light-ambient", Some(json!({}))).await;
    assert_eq!(light["model_type"], "light");
    let mesh = common::obj_file();
    let path = mesh.to_str().unwrap();
    let loaded = client
        .call(
            "add-model",
            Some(json!({"path": path, "loader_name": "mesh", "loader_properties": null})),
        )
        .await;
    assert_eq!(loaded[0]["model_id"], 3);
    assert_eq!(loaded[0]["info"]["load_info"]["path"], path);
    assert_eq!(loaded[0]["info"]["load_info"]["source"], "from_file");

    let scene = client.call("get-scene", None).await;
    let ids: Vec<&Value> = scene["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["model_id"])
        .collect();
    assert_eq!(ids, [&json!(0), &json!(1), &json!(2), &json!(3)]);
    assert_eq!(scene["bounds"]["max"], json!([11.0, 2.0, 1.0]));
    assert_eq!(
        client.call("get-model", Some(json!({"id": 1}))).await,
        second
    );

    let updated = client.call("update-model", Some(json!({"model_id": 1, "model": {"is_visible": false, "transform": {"translation": [1.0, 2.0, 3.0]}}}))).await;
    assert_eq!(updated["is_visible"], false);
    assert_eq!(updated["transform"]["translation"], json!([1.0, 2.0, 3.0]));
    let copies = client
        .call(
            "instantiate-model",
            Some(json!({"model_id": 0, "transforms": [{}, {"scale": [2.0, 2.0, 2.0]}]})),
        )
        .await;
    assert_eq!(copies.as_array().unwrap().len(), 2);
    assert_eq!(copies[1]["transform"]["scale"], json!([2.0, 2.0, 2.0]));

    assert_eq!(
        client.call("remove-model", Some(json!({"ids": [1]}))).await,
        Value::Null
    );
    assert_eq!(
        client.call_error("get-model", Some(json!({"id": 1}))).await,
        error(-32602, "No model found with ID 1")
    );
    assert_eq!(
        client
            .call_error("remove-model", Some(json!({"ids": [0, 42]})))
            .await,
        error(-32603, "No instance with id 42 was found")
    );
    // Nothing was removed by the failed call.
    client.call("get-model", Some(json!({"id": 0}))).await;

    client.call("clear-lights", None).await;
    let scene = client.call("get-scene", None).await;
    assert!(
        scene["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["model_type"] != "light")
    );
    client.call("clear-models", None).await;
    assert_eq!(client.call("get-scene", None).await["models"], json!([]));
    mock.stop().await;
}

#[tokio::test]
async fn camera_and_renderer_setters_change_the_getters() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    assert_eq!(client.call("get-camera-type", None).await, "perspective");
    assert_eq!(
        client.call("get-camera-perspective", None).await["fovy"],
        45.0
    );
    client
        .call("set-camera-perspective", Some(json!({"fovy": 30.0})))
        .await;
    let perspective = client.call("get-camera-perspective", None).await;
    assert_eq!(perspective["fovy"], 30.0);
    assert_eq!(
        perspective["focus_distance"], 1.0,
        "unset fields keep their value"
    );

    client
        .call("set-camera-orthographic", Some(json!({"height": 5.0})))
        .await;
    assert_eq!(client.call("get-camera-type", None).await, "orthographic");
    assert_eq!(
        client.call("get-camera-orthographic", None).await,
        json!({"height": 5.0})
    );

    let view =
        json!({"position": [1.0, 2.0, 3.0], "target": [0.0, 0.0, 0.0], "up": [0.0, 0.0, 1.0]});
    client.call("set-camera-view", Some(view.clone())).await;
    assert_eq!(client.call("get-camera-view", None).await, view);
    assert_eq!(
        client.call("get-camera-type", None).await,
        "orthographic",
        "view does not change the type"
    );

    assert_eq!(client.call("get-renderer-type", None).await, "interactive");
    client
        .call(
            "set-renderer-production",
            Some(json!({"samples_per_pixel": 64})),
        )
        .await;
    assert_eq!(client.call("get-renderer-type", None).await, "production");
    assert_eq!(
        client.call("get-renderer-production", None).await["samples_per_pixel"],
        64
    );

    client
        .call(
            "set-application-parameters",
            Some(json!({"viewport": [320, 200]})),
        )
        .await;
    let parameters = client.call("get-application-parameters", None).await;
    assert_eq!(parameters["viewport"], json!([320, 200]));
    // Brayns reports the `--plugin` libraries; Core is built in and never listed. Without a
    // list the mock acts as if every plugin of the snapshot had been given.
    assert!(
        parameters["plugins"]
            .as_array()
            .unwrap()
            .contains(&json!("braynsCircuitExplorer"))
    );

    // `brayns/parameters/SimulationParameters.h`: a fresh instance has no frames and its
    // unit is the constant "ms" (an empty unit made the official client's get_simulation
    // raise).
    assert_eq!(
        client.call("get-simulation-parameters", None).await,
        json!({"current": 0, "dt": 0.0, "end_frame": 0, "start_frame": 0, "unit": "ms"})
    );
    // No simulation loaded: frame 4 is out of the (empty) range and nothing changes.
    assert_eq!(
        client
            .call_error("set-simulation-parameters", Some(json!({"current": 4})))
            .await,
        error(-32603, "Simulation frame out of range")
    );
    assert_eq!(
        client.call("get-simulation-parameters", None).await["current"],
        0
    );
    mock.stop().await;
}

#[tokio::test]
async fn materials_and_color_ramps_are_per_model() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    client.call("add-spheres", Some(sphere(0.0))).await;
    let light = client.call("add-light-ambient", Some(json!({}))).await;
    assert_eq!(
        client
            .call("get-material-type", Some(json!({"id": 0})))
            .await,
        "matte"
    );
    client
        .call(
            "set-material-metal",
            Some(json!({"model_id": 0, "material": {"roughness": 0.25}})),
        )
        .await;
    assert_eq!(
        client
            .call("get-material-type", Some(json!({"id": 0})))
            .await,
        "metal"
    );
    assert_eq!(
        client
            .call("get-material-metal", Some(json!({"id": 0})))
            .await,
        json!({"roughness": 0.25})
    );
    let mismatch = client
        .call_error("get-material-glass", Some(json!({"id": 0})))
        .await;
    assert_eq!(
        mismatch,
        error(-32600, "Invalid material type (should be 'metal')")
    );
    assert_eq!(
        client
            .call_error("get-material-type", Some(json!({"id": light["model_id"]})))
            .await,
        error(0, "The model does not have material")
    );
    assert_eq!(
        client
            .call_error(
                "set-material-metal",
                Some(json!({"model_id": 9, "material": {}}))
            )
            .await,
        error(-32602, "No model found with ID 9")
    );
    mock.stop().await;
}

#[tokio::test]
async fn state_is_shared_by_all_clients() {
    let mock = mock().await;
    let mut a = connect(&mock.uri()).await;
    let mut b = connect(&mock.uri()).await;
    a.call("add-boxes", Some(json!([{"color": [1.0, 1.0, 1.0, 1.0], "geometry": {"min": [0.0, 0.0, 0.0], "max": [1.0, 2.0, 3.0]}}]))).await;
    let scene = b.call("get-scene", None).await;
    assert_eq!(
        scene["models"][0]["bounds"],
        json!({"max": [1.0, 2.0, 3.0], "min": [0.0, 0.0, 0.0]})
    );
    mock.stop().await;
}

/// The scene is bounded: `instantiate-model` multiplies models from a short request, so a count
/// over the limit is an error (-32603) that adds nothing, and the mock keeps serving.
#[tokio::test]
async fn the_scene_holds_a_bounded_number_of_models() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    client.call("add-spheres", Some(sphere(0.0))).await;
    // 200 000 models would take GiBs; the default limit is 10 000.
    let many = vec![json!({}); 200_000];
    let error = client
        .call_error(
            "instantiate-model",
            Some(json!({"model_id": 0, "transforms": many})),
        )
        .await;
    assert_eq!(error["code"], -32603, "{error}");
    let scene = client.call("get-scene", None).await;
    assert_eq!(
        scene["models"].as_array().unwrap().len(),
        1,
        "nothing added"
    );
    assert_eq!(client.call("get-version", None).await["major"], 3);
    mock.stop().await;

    // At the limit: every way of adding a model is refused, removing one makes room.
    let mock = MockServer::builder().max_models(4).start().await.unwrap();
    let mesh = common::obj_file();
    let nrrd = tempfile::Builder::new()
        .suffix(".nrrd")
        .tempfile()
        .unwrap()
        .into_temp_path();
    let mut client = connect(&mock.uri()).await;
    client.call("add-spheres", Some(sphere(0.0))).await;
    // An atlas (model 1), for visualize-atlas-usecase; the mock parses no NRRD data.
    let atlas = json!({"path": nrrd.to_str().unwrap(), "loader_name": "NRRD loader", "loader_properties": {"type": "scalar"}});
    client.call("add-model", Some(atlas)).await;
    let too_many = json!({"model_id": 0, "transforms": [{}, {}, {}, {}]});
    let error = client.call_error("instantiate-model", Some(too_many)).await;
    assert_eq!(
        error,
        json!({"code": -32603, "message": "The mock's scene holds at most 4 models (2 now, 4 more asked)"})
    );
    let copies = json!({"model_id": 0, "transforms": [{}, {}]});
    client.call("instantiate-model", Some(copies)).await;
    let full = [
        ("add-spheres", sphere(1.0)),
        ("add-light-ambient", json!({})),
        (
            "add-model",
            json!({"path": mesh.to_str().unwrap(), "loader_name": "mesh", "loader_properties": null}),
        ),
        (
            "visualize-atlas-usecase",
            json!({"model_id": 1, "use_case": "x", "params": null}),
        ),
    ];
    for (method, params) in full {
        let error = client.call_error(method, Some(params)).await;
        assert_eq!(error["code"], -32603, "{method}: {error}");
    }
    client.call("remove-model", Some(json!({"ids": [3]}))).await;
    client.call("add-light-ambient", Some(json!({}))).await;
    assert_eq!(
        client.call("get-scene", None).await["models"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    mock.stop().await;
}

/// The builder's side of `--plugin` and `--window-size` (`brayns/PluginManager.cpp`,
/// `brayns/parameters/ApplicationParameters.cpp`); the binary's tests cover the command line.
#[tokio::test]
async fn plugin_list_and_window_size_shape_a_fresh_instance() {
    let mock = MockServer::builder()
        .plugins(["braynsCylindricCamera"])
        .window_size(640, 480)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    let parameters = client.call("get-application-parameters", None).await;
    assert_eq!(
        parameters,
        json!({"plugins": ["braynsCylindricCamera"], "viewport": [640, 480]})
    );
    let registry = client.call("registry", None).await;
    let registry = registry.as_array().unwrap();
    assert!(registry.contains(&json!("set-camera-cylindric")));
    assert!(!registry.contains(&json!("get-circuit-ids")));
    mock.stop().await;

    let unknown = MockServer::builder()
        .plugins(["braynsNothing"])
        .start()
        .await;
    assert!(
        unknown
            .unwrap_err()
            .to_string()
            .starts_with("Error opening dynamic library: libbraynsNothing.so")
    );
}
