//! The whole snapshot lowered: every method and loader with its Rust types.

use brayns_snapshot::{EngineObject, Entrypoint, Loader, Snapshot, Version};

use crate::CodegenError;
use crate::binary::{BinaryUse, binary_use};
use crate::model::{Context, Model, Role, Root, Ty};
use crate::naming::{assign_type_names, camel, unique};
use crate::schema::{self, Kind};

/// One method with its types.
#[derive(Debug)]
pub(crate) struct Method {
    pub(crate) entry: Entrypoint,
    pub(crate) params: Option<Ty>,
    pub(crate) result: Option<Ty>,
    pub(crate) binary: BinaryUse,
}

/// One loader with its properties type.
#[derive(Debug)]
pub(crate) struct LoaderBinding {
    pub(crate) loader: Loader,
    /// The `LoaderProperties` variant (`Bbp` for "BBP loader").
    pub(crate) variant: String,
    /// `None` when the loader takes no properties (an untyped schema): it is sent `{}`.
    pub(crate) properties: Option<Ty>,
}

/// A lowered snapshot.
#[derive(Debug)]
pub(crate) struct Api {
    pub(crate) version: Version,
    /// The snapshot itself, embedded in the bindings.
    pub(crate) snapshot: Snapshot,
    pub(crate) model: Model,
    pub(crate) methods: Vec<Method>,
    pub(crate) loaders: Vec<LoaderBinding>,
}

impl Api {
    pub(crate) fn new(snapshot: Snapshot) -> Result<Self, CodegenError> {
        let mut model = Model::default();
        // The engine object types first: `snapshot`'s `camera` and `renderer` take one of
        // them, typed by the params of the method that sets it.
        for kind in [EngineObject::Camera, EngineObject::Renderer] {
            let mut types = Vec::new();
            for (name, setter) in snapshot.engine_types(kind) {
                let Some(params) = &setter.params else {
                    continue;
                };
                let node = schema::parse(&setter.method, "params", params)?;
                let owner = camel(&setter.method);
                let context = Context {
                    owner_label: &setter.method,
                    owner: &owner,
                    enclosing: None,
                    property: None,
                    root: Some(Root::Params),
                };
                types.push((name.to_owned(), model.lower(&node, Role::Params, &context)?));
            }
            model.set_engine_types(kind.property(), types);
        }
        let mut methods = Vec::with_capacity(snapshot.methods().len());
        for entry in snapshot.entrypoints() {
            let mut entry = entry.clone();
            // Every method belongs to a plugin module; the core registers unnamed ones.
            if entry.plugin.is_empty() {
                entry.plugin = "Core".to_owned();
            }
            let owner = camel(&entry.method);
            let mut lower = |part: &str, schema: &Option<serde_json::Value>, role, root| {
                schema
                    .as_ref()
                    .map(|schema| {
                        let node = schema::parse(&entry.method, part, schema)?;
                        let context = Context {
                            owner_label: &entry.method,
                            owner: &owner,
                            enclosing: None,
                            property: None,
                            root: Some(root),
                        };
                        model.lower(&node, role, &context)
                    })
                    .transpose()
            };
            let params = lower("params", &entry.params, Role::Params, Root::Params)?;
            let result = lower("returns", &entry.returns, Role::Result, Root::Result)?;
            methods.push(Method {
                binary: binary_use(&entry.method),
                entry,
                params,
                result,
            });
        }
        let snapshot_loaders = snapshot.loaders().unwrap_or_default();
        let mut loaders = Vec::with_capacity(snapshot_loaders.len());
        let variants = loader_variants(snapshot_loaders);
        for (loader, variant) in snapshot_loaders.iter().cloned().zip(variants) {
            let label = format!("loader[{}]", loader.name);
            let node = schema::parse(&label, "input_parameters_schema", &loader.properties)?;
            let properties = if node.kind == Kind::Any {
                None
            } else {
                let context = Context {
                    owner_label: &label,
                    owner: &variant,
                    enclosing: None,
                    property: None,
                    root: Some(Root::Loader),
                };
                Some(model.lower(&node, Role::Params, &context)?)
            };
            loaders.push(LoaderBinding {
                loader,
                variant,
                properties,
            });
        }
        assign_type_names(&mut model);
        Ok(Self {
            version: snapshot.version(),
            snapshot,
            model,
            methods,
            loaders,
        })
    }
}

/// `LoaderProperties` variant names: the loader name without a trailing "loader"
/// ("BBP loader" gives `Bbp`), unless that would be empty or repeat another.
fn loader_variants(loaders: &[Loader]) -> Vec<String> {
    let short = |name: &str| {
        let trimmed = name.trim();
        let lower = trimmed.to_ascii_lowercase();
        let stem = if lower.ends_with(" loader") {
            &trimmed[..trimmed.len() - " loader".len()]
        } else {
            trimmed
        };
        camel(stem)
    };
    let mut names: Vec<String> = Vec::with_capacity(loaders.len());
    for loader in loaders {
        let mut name = short(&loader.name);
        if names.contains(&name) {
            name = camel(&loader.name);
        }
        let name = unique(name, |name| names.iter().any(|other| other == name));
        names.push(name);
    }
    names
}
