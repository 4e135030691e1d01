//! The generator on the committed 3.10.1 snapshot, the reference API: every method and loader
//! bound, names as the findings note expects. (That the committed bindings are up to date is
//! checked by `codegen.rs`, through `cargo xtask codegen --check` itself.)

use std::path::Path;

#[test]
fn every_method_and_loader_is_bound() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = brayns_codegen::generate(&root.join("schemas/3.10.1"), &Default::default())
        .expect("the 3.10.1 snapshot generates")
        .bindings;
    let text = |name: &str| {
        files
            .iter()
            .find(|file| file.path == Path::new(name))
            .map(|file| file.contents.clone())
            .unwrap_or_default()
    };
    let registry: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(root.join("schemas/3.10.1/registry.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(registry.len(), 90);
    let methods: String = files
        .iter()
        .filter(|file| {
            ![
                "mod.rs",
                "types.rs",
                "loaders.rs",
                "snapshot.rs",
                "release.md",
            ]
            .contains(&file.path.to_str().unwrap())
        })
        .map(|file| file.contents.as_str())
        .collect();
    for method in &registry {
        let function = method.replace('-', "_");
        let calls = methods
            .matches(&format!("Request::new(\"{method}\")"))
            .count();
        assert_eq!(calls, 1, "`{method}` must be called by exactly one method");
        assert!(
            methods.contains(&format!("pub fn {function}("))
                || methods.contains(&format!("pub async fn {function}(")),
            "no method `{function}` for `{method}`"
        );
    }
    assert_eq!(text("mod.rs").matches("MethodInfo::new(").count(), 90);
    assert_eq!(text("loaders.rs").matches("LoaderInfo::new(").count(), 11);
    // One module per plugin.
    for module in [
        "core.rs",
        "circuit_explorer.rs",
        "atlas_explorer.rs",
        "cylindric_camera.rs",
    ] {
        assert!(
            files.iter().any(|file| file.path == Path::new(module)),
            "no {module}"
        );
    }
}

#[test]
fn type_names_follow_titles_and_resolve_collisions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = brayns_codegen::generate(&root.join("schemas/3.10.1"), &Default::default())
        .expect("the 3.10.1 snapshot generates")
        .bindings;
    let types = &files
        .iter()
        .find(|file| file.path == Path::new("types.rs"))
        .unwrap()
        .contents;
    let defines = |name: &str| {
        types.contains(&format!("pub struct {name} {{"))
            || types.contains(&format!("pub enum {name} {{"))
    };
    // Thirty decorated uses of `ModelInstance`: one type.
    assert_eq!(types.matches("pub struct ModelInstance {").count(), 1);
    // `GeometryWithColor`, `ClippingGeometry`, `SetMaterialMessage` are templates: one type per shape.
    assert!(!defines("GeometryWithColor") && !defines("SetMaterialMessage"));
    // Untitled properties with names too generic to stand alone are qualified.
    assert!(!defines("Type") && !defines("Source"));
    assert!(defines("NRRDLoaderParametersType") && defines("LoadInfoSource"));
    for name in [
        "AddBoxesGeometryWithColor",
        "AddSpheresGeometryWithColor",
        "AddClippingPlanesClippingGeometry",
        "SetMaterialPhongMessage",
        "SetMaterialMatteMessage",
    ] {
        assert!(defines(name), "no type {name}");
    }
    // readOnly-free params shapes, prelude names, and plain titles.
    for name in [
        "ModelInstanceUpdate",
        "SimulationParametersUpdate",
        "BoxType",
        "Matte",
        "Phong",
    ] {
        assert!(defines(name), "no type {name}");
    }
    assert!(!defines("Box"));
    // `cancel`'s id is the transport's request id, re-exported, not a type of its own.
    assert!(!defines("RequestId"));
    assert!(types.contains("pub use crate::rpc::RequestId;"));
    assert!(types.contains("pub r#async: bool,"));
}
