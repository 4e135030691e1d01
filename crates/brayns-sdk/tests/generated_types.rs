//! The properties the generated 3.10.1 types promise, checked on the types themselves.

use std::collections::BTreeMap;

use brayns_sdk::loaders::{LOADERS, LoaderProperties};
use brayns_sdk::types::{
    AddBoxesGeometryWithColor, AddSpheresGeometryWithColor, BBPLoaderParameters, CancelParams,
    ColorModelMessage, DataType, ImageSettings, LoadInfoSource, ModelInstance, ModelInstanceUpdate,
    NeuronMorphologyLoaderParameters, RequestId, SnapshotParams, UpdateModelMessage,
};
use brayns_sdk::{BRAYNS_VERSION, METHODS, Version};
use serde_json::json;

#[test]
fn same_title_different_shapes_are_different_types() {
    let sphere = json!({"color": [1, 0, 0, 1], "geometry": {"center": [0, 0, 0], "radius": 1}});
    let decoded: AddSpheresGeometryWithColor = serde_json::from_value(sphere.clone()).unwrap();
    assert_eq!(decoded.geometry.radius, 1.0);
    // The box variant of `GeometryWithColor` needs `min`/`max`: a sphere is not a box.
    assert!(serde_json::from_value::<AddBoxesGeometryWithColor>(sphere).is_err());
}

#[test]
fn params_leave_out_read_only_properties_and_results_keep_them() {
    let update = UpdateModelMessage {
        model_id: 3,
        model: ModelInstanceUpdate {
            is_visible: Some(true),
            ..Default::default()
        },
    };
    assert_eq!(
        serde_json::to_value(&update).unwrap(),
        json!({"model_id": 3, "model": {"is_visible": true}})
    );
    // The result type requires the read-only `bounds`, `info`, `model_id`, `model_type`.
    let missing = serde_json::from_value::<ModelInstance>(json!({"is_visible": true}));
    assert!(missing.unwrap_err().to_string().contains("missing field"));
}

#[test]
fn optional_fields_are_omitted_not_null() {
    assert_eq!(
        serde_json::to_value(SnapshotParams::default()).unwrap(),
        json!({})
    );
    let with_settings = SnapshotParams {
        image_settings: Some(ImageSettings {
            size: None,
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(with_settings).unwrap(),
        json!({"image_settings": {"format": "png", "quality": 100}})
    );
}

#[test]
fn defaults_are_what_the_server_assumes_for_an_empty_object() {
    let morphology = NeuronMorphologyLoaderParameters::default();
    assert_eq!(morphology.growth, 1.0);
    assert_eq!(morphology.radius_multiplier, 1.0);
    assert_eq!(morphology, serde_json::from_str("{}").unwrap());
    // A nested `{}` default honours the inner defaults.
    let bbp = BBPLoaderParameters::default();
    assert_eq!(bbp.neuron_morphology_parameters.growth, 1.0);
    assert_eq!(bbp.percentage, 0.1);
    assert_eq!(bbp, serde_json::from_str("{}").unwrap());
}

#[test]
fn enums_keep_the_exact_wire_spellings() {
    assert_eq!(
        serde_json::to_value(DataType::UnsingedChar).unwrap(),
        json!("unsinged_char")
    );
    assert_eq!(DataType::UnsingedChar.as_str(), "unsinged_char");
    assert_eq!(
        serde_json::from_value::<LoadInfoSource>(json!("none")).unwrap(),
        LoadInfoSource::None
    );
    assert!(serde_json::from_value::<DataType>(json!("unsigned_char")).is_err());
}

/// A newer Brayns may add a load source; every `add-*`, `get-model` and `get-scene` result
/// carries one, so an unknown value must decode (kept as sent), not fail the whole result.
#[test]
fn result_enums_keep_values_a_newer_server_adds() {
    let instance = |source: &str| {
        json!({
            "bounds": {"min": [0, 0, 0], "max": [1, 1, 1]},
            "info": {"load_info": {
                "load_parameters": {}, "loader_name": "mesh", "path": "/a.obj", "source": source
            }},
            "model_id": 3,
            "model_type": "mesh",
        })
    };
    let source_of = |value| {
        let model: ModelInstance = serde_json::from_value(value).unwrap();
        model.info.load_info.unwrap().source
    };
    assert_eq!(source_of(instance("from_blob")), LoadInfoSource::FromBlob);
    let unknown = source_of(instance("from_network"));
    assert_eq!(unknown, LoadInfoSource::Unknown("from_network".to_owned()));
    assert_eq!(unknown.as_str(), "from_network");
    assert_eq!(
        serde_json::to_value(&unknown).unwrap(),
        json!("from_network")
    );
    // Params-only enums stay closed: a typo is caught when decoding user input.
    assert!(serde_json::from_value::<DataType>(json!("unsigned_char")).is_err());
}

#[test]
fn maps_are_maps_and_request_ids_are_the_transports() {
    let message = ColorModelMessage {
        id: 1,
        method: "element".into(),
        values: BTreeMap::from([("a".to_owned(), [1.0, 0.0, 0.0, 1.0])]),
    };
    assert_eq!(
        serde_json::to_value(&message).unwrap()["values"]["a"],
        json!([1.0, 0.0, 0.0, 1.0])
    );
    // `cancel` takes the transport's own request id: a task's id is passed as it is.
    let id: RequestId = serde_json::from_value(json!(7)).unwrap();
    let params = CancelParams { id };
    let value = serde_json::to_value(&params).unwrap();
    assert_eq!(value, json!({ "id": 7 }));
    assert_eq!(
        serde_json::from_value::<CancelParams>(value).unwrap(),
        params
    );
    let _: fn(&brayns_sdk::Task<()>) -> CancelParams = |task| CancelParams { id: task.id() };
    // Ids this client never sends (null, strings) are refused at decoding.
    assert!(serde_json::from_value::<CancelParams>(json!({ "id": null })).is_err());
    assert!(serde_json::from_value::<CancelParams>(json!({ "id": "seven" })).is_err());
}

#[test]
fn tables_describe_the_snapshot() {
    assert_eq!(BRAYNS_VERSION, Version::new(3, 10, 1));
    assert_eq!(METHODS.len(), 90);
    let deprecated: Vec<&str> = METHODS
        .iter()
        .filter(|m| m.deprecated)
        .map(|m| m.name)
        .collect();
    assert_eq!(deprecated, ["add-clip-plane", "clear-clip-planes"]);
    let asynchronous: Vec<&str> = METHODS
        .iter()
        .filter(|m| m.is_async)
        .map(|m| m.name)
        .collect();
    assert_eq!(
        asynchronous,
        ["add-model", "export-gbuffers", "snapshot", "upload-model"]
    );
    let upload = METHODS.iter().find(|m| m.name == "upload-model").unwrap();
    assert!(upload.binary_request && upload.has_params && upload.has_result);
    assert_eq!(LOADERS.len(), 11);
    assert!(
        LOADERS
            .iter()
            .any(|loader| loader.name == "BBP loader" && loader.plugin == Some("Circuit Explorer"))
    );
}

#[test]
fn loader_properties_know_their_loader() {
    assert_eq!(LoaderProperties::Mesh.loader_name(), "mesh");
    assert_eq!(LoaderProperties::Mesh.to_json().unwrap(), json!({}));
    let bbp = LoaderProperties::from(BBPLoaderParameters::default());
    assert_eq!(bbp.loader_name(), "BBP loader");
    assert_eq!(
        bbp.to_json().unwrap()["neuron_morphology_parameters"]["geometry_type"],
        "smooth"
    );
}
