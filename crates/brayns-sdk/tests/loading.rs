//! Loading files against `brayns-mock`: the loaders that read a file, and a load in one
//! call with a loader's typed properties.

use brayns_mock::MockServer;
use brayns_sdk::Brayns;
use brayns_sdk::types::NeuronMorphologyLoaderParameters;

async fn start() -> (MockServer, Brayns) {
    let mock = MockServer::builder()
        .start()
        .await
        .expect("the mock starts");
    let brayns = Brayns::connect(mock.uri()).await.expect("the SDK connects");
    (mock, brayns)
}

#[tokio::test]
async fn the_loaders_of_a_file_are_found_by_its_name() {
    let (mock, brayns) = start().await;
    let names = |loaders: Vec<brayns_sdk::types::Loader>| -> Vec<String> {
        loaders.into_iter().map(|loader| loader.name).collect()
    };
    let morphology = brayns.loaders_for_file("/data/cell.SWC").await.unwrap();
    assert_eq!(names(morphology), ["Neuron Morphology loader"]);
    let circuit = brayns.loaders_for_file("/data/BlueConfig").await.unwrap();
    assert_eq!(names(circuit), ["BBP loader"]);
    assert!(
        brayns
            .loaders_for_file("/data/notes.txt")
            .await
            .unwrap()
            .is_empty()
    );
    mock.stop().await;
}

#[tokio::test]
async fn a_load_is_one_call_with_typed_properties() {
    let (mock, brayns) = start().await;
    let models = brayns
        .load(
            "/data/cell.swc",
            NeuronMorphologyLoaderParameters::default(),
        )
        .unwrap()
        .await
        .unwrap();
    assert_eq!(models.len(), 1);
    let scene = brayns.get_scene().await.unwrap();
    assert_eq!(scene.models.len(), 1);
    assert_eq!(scene.models[0].model_id, models[0].model_id);
    // The mock refuses loader names it does not know: the properties' type named it.
    let message = brayns_sdk::types::GetModelMessage {
        id: models[0].model_id,
    };
    assert!(brayns.get_model(&message).await.is_ok());

    mock.stop().await;
}

#[tokio::test]
async fn a_circuit_loads_from_its_constructors_properties() {
    use brayns_sdk::types::BBPLoaderParameters;
    let (mock, brayns) = start().await;
    let cells = BBPLoaderParameters::cells_of_targets(
        ["mini50"],
        0.5,
        NeuronMorphologyLoaderParameters::soma_only(),
    )
    .with_spikes(1.0);
    // What is sent is valid against the release's own schema of the loader's properties.
    let schema = &brayns_sdk::compiled_snapshot()
        .loaders()
        .unwrap()
        .iter()
        .find(|loader| loader.name == "BBP loader")
        .unwrap()
        .properties;
    let sent = serde_json::to_value(&cells).unwrap();
    assert_eq!(brayns_mock::validate(schema, &sent), Vec::<String>::new());
    let models = brayns
        .load("/data/BlueConfig", cells)
        .unwrap()
        .await
        .unwrap();
    assert_eq!(models.len(), 1);
    mock.stop().await;
}
