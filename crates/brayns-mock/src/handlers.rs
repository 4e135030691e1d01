//! What each entrypoint answers. Introspection comes byte for byte from the snapshot; the scene
//! (models, materials, color ramps), camera, renderer and parameters are stateful where users
//! notice; everything else answers a deterministic [`sample`] of its `returns` schema.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::executor::{Stop, TaskContext};
use crate::image::{self, ImageCache, ImageFormat};
use crate::jsonrpc::{Request, RpcError, codes};
use crate::sample::sample;
use crate::snapshot::Snapshot;
use crate::validate::validate_reply;

/// The result of running one request.
pub(crate) enum Outcome {
    /// A text reply with this serialized result.
    Result(String),
    /// A binary reply: serialized result and payload.
    Binary { result: String, payload: Bytes },
    /// An error reply.
    Error(RpcError),
    /// An async task stopped at a poll.
    Stopped(Stop),
    /// `quit`: reply `null`, then drain and shut down.
    Quit,
}

/// How many frames `render-image` accumulates before it stops rendering new ones.
const MAX_ACCUMULATION: u64 = 16;

/// Viewport of a fresh instance.
const DEFAULT_VIEWPORT: [u64; 2] = [800, 600];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Category {
    Geometry,
    Light,
    Clipping,
    Loaded,
}

struct Model {
    id: u64,
    category: Category,
    instance: Value,
    material: Option<(String, Value)>,
    color_ramp: Option<Value>,
}

/// Ids like Brayns' `IDFactory`: released ids are reused first.
#[derive(Default)]
struct Ids {
    next: u64,
    released: VecDeque<u64>,
}

impl Ids {
    fn take(&mut self) -> u64 {
        self.released.pop_front().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }

    fn release(&mut self, id: u64) {
        self.released.push_back(id);
    }
}

/// Everything the instance remembers, owned by the executor (one request at a time).
pub(crate) struct State {
    snapshot: Snapshot,
    models: Vec<Model>,
    ids: Ids,
    /// Current values of parameter getters, keyed by getter method name.
    globals: HashMap<String, Value>,
    camera_type: String,
    renderer_type: String,
    accumulation: u64,
    images: ImageCache,
    filler: Option<Bytes>,
}

fn text(value: &Value) -> String {
    value.to_string()
}

fn model_not_found(id: u64) -> RpcError {
    RpcError::new(
        codes::INTERNAL_ERROR,
        format!("No instance with id {id} was found"),
    )
}

fn params_error(message: impl Into<String>) -> Outcome {
    Outcome::Error(RpcError::new(codes::INVALID_PARAMS, message))
}

fn get_u64(params: &Value, key: &str) -> Option<u64> {
    params.get(key).and_then(Value::as_u64)
}

fn get_str<'a>(params: &'a Value, key: &str, default: &'a str) -> &'a str {
    params.get(key).and_then(Value::as_str).unwrap_or(default)
}

fn get_bool(params: &Value, key: &str, default: bool) -> bool {
    params.get(key).and_then(Value::as_bool).unwrap_or(default)
}

/// Overwrites the keys of `target` with the non-null values of `update` that `target` has.
fn merge(target: &mut Value, update: &Value) {
    let (Some(target), Some(update)) = (target.as_object_mut(), update.as_object()) else {
        return;
    };
    for (key, value) in update {
        if !value.is_null() && target.contains_key(key) {
            target.insert(key.clone(), value.clone());
        }
    }
}

fn set_if_present(target: &mut Value, key: &str, value: Value) {
    if let Some(object) = target.as_object_mut()
        && object.contains_key(key)
    {
        object.insert(key.to_owned(), value);
    }
}

fn identity_transform() -> Value {
    json!({"rotation": [0.0, 0.0, 0.0, 1.0], "scale": [1.0, 1.0, 1.0], "translation": [0.0, 0.0, 0.0]})
}

impl State {
    pub(crate) fn new(snapshot: Snapshot, binary_payload_size: Option<usize>) -> State {
        let filler = binary_payload_size
            .map(|size| Bytes::from((0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>()));
        State {
            snapshot,
            models: Vec::new(),
            ids: Ids::default(),
            globals: HashMap::new(),
            camera_type: "perspective".to_owned(),
            renderer_type: "interactive".to_owned(),
            accumulation: 0,
            images: ImageCache::default(),
            filler,
        }
    }

    fn returns(&self, method: &str) -> Option<&Value> {
        self.snapshot
            .entrypoint(method)
            .and_then(|entrypoint| entrypoint.returns.as_ref())
    }

    /// A result for `method` built from `value`, or a plain sample when `value` does not fit the
    /// schema (a modified snapshot), so every answer stays valid.
    fn fit(&self, method: &str, value: Value) -> Value {
        match self.returns(method) {
            Some(schema) if !validate_reply(schema, &value).is_empty() => {
                tracing::warn!(
                    method,
                    "state does not fit the returns schema; answering a sample"
                );
                sample(schema)
            }
            _ => value,
        }
    }

    fn result(&self, method: &str, value: Value) -> Outcome {
        Outcome::Result(text(&self.fit(method, value)))
    }

    pub(crate) async fn run(
        &mut self,
        context: &mut TaskContext<'_>,
        request: &Request,
    ) -> Outcome {
        let method = request.entrypoint.name.as_str();
        let params = &request.params;
        if method != "schema"
            && let Err(error) = self.check_model_ids(params)
        {
            return Outcome::Error(error);
        }
        let outcome = match method {
            "registry" => Outcome::Result(self.snapshot.registry_json().to_string()),
            "get-version" => Outcome::Result(self.snapshot.version_json().to_string()),
            "get-loaders" => Outcome::Result(self.snapshot.loaders_json().to_string()),
            "schema" => {
                let endpoint = get_str(params, "endpoint", "");
                match self.snapshot.entrypoint(endpoint) {
                    Some(entrypoint) => Outcome::Result(entrypoint.schema_json.to_string()),
                    None => Outcome::Error(RpcError::new(
                        codes::METHOD_NOT_FOUND,
                        format!("Method '{endpoint}' not found"),
                    )),
                }
            }
            "quit" => Outcome::Quit,
            "add-model" => self.add_model(context, params).await,
            "upload-model" => self.upload_model(context, params, &request.binary).await,
            "snapshot" => self.snapshot_image(context, params).await,
            "export-gbuffers" => self.export_gbuffers(context, params).await,
            "render-image" => self.render_image(params),
            _ => self.run_sync(method, params),
        };
        if method.starts_with("set-") || method.starts_with("add-") || method.starts_with("clear-")
        {
            self.accumulation = 0;
        }
        outcome
    }

    fn run_sync(&mut self, method: &str, params: &Value) -> Outcome {
        match method {
            "get-scene" => self.get_scene(),
            "get-model" => {
                let id = get_u64(params, "id").unwrap_or_default();
                let instance = self
                    .model(id)
                    .map(|model| model.instance.clone())
                    .unwrap_or(Value::Null);
                self.result(method, instance)
            }
            "update-model" => self.update_model(params),
            "remove-model" => {
                let ids: Vec<u64> = params
                    .get("ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64)
                    .collect();
                self.remove_models(|model| ids.contains(&model.id));
                Outcome::Result("null".to_owned())
            }
            "clear-models" => self.clear(|_| true),
            "clear-lights" => self.clear(|category| category == Category::Light),
            "clear-clipping-geometries" | "clear-clip-planes" => {
                self.clear(|category| category == Category::Clipping)
            }
            "clear-renderables" => {
                self.clear(|category| matches!(category, Category::Geometry | Category::Loaded))
            }
            "instantiate-model" => self.instantiate(params),
            "visualize-atlas-usecase" => {
                let use_case = get_str(params, "use_case", "").to_owned();
                let instance = self.add(
                    Category::Loaded,
                    "atlas",
                    json!({"use_case": use_case}),
                    None,
                );
                self.result(method, instance)
            }
            "get-camera-type" => Outcome::Result(text(&json!(self.camera_type))),
            "get-renderer-type" => Outcome::Result(text(&json!(self.renderer_type))),
            "get-material-type" => {
                let id = get_u64(params, "id").unwrap_or_default();
                match self.model(id).and_then(|model| model.material.as_ref()) {
                    Some((kind, _)) => Outcome::Result(text(&json!(kind))),
                    None => Outcome::Error(RpcError::new(
                        codes::DOMAIN_ERROR,
                        "The model does not have material",
                    )),
                }
            }
            "get-color-ramp" => {
                let id = get_u64(params, "id").unwrap_or_default();
                let stored = self.model(id).and_then(|model| model.color_ramp.clone());
                let ramp = stored.unwrap_or_else(|| self.default_color_ramp());
                self.result(method, ramp)
            }
            "set-color-ramp" => {
                let id = get_u64(params, "id").unwrap_or_default();
                let ramp = params.get("color_ramp").cloned().unwrap_or(Value::Null);
                if let Some(model) = self.model_mut(id) {
                    model.color_ramp = Some(ramp);
                }
                Outcome::Result("null".to_owned())
            }
            "inspect" => {
                let mut value = self.sample_of(method);
                if let Some(position) = params.get("position") {
                    set_if_present(&mut value, "position", position.clone());
                }
                self.result(method, value)
            }
            _ if method.starts_with("add-") && self.returns_model(method) => {
                let category = if method.starts_with("add-light-") {
                    Category::Light
                } else if method.starts_with("add-clip") {
                    Category::Clipping
                } else {
                    Category::Geometry
                };
                let model_type = match category {
                    Category::Light => "light",
                    Category::Clipping => "clipping_geometry",
                    _ => "geometry",
                };
                let bounds = (category == Category::Geometry).then(|| geometry_bounds(params));
                let instance = self.add(category, model_type, Value::Null, bounds);
                self.result(method, instance)
            }
            _ if method.starts_with("set-material-") => {
                let kind = &method["set-material-".len()..];
                let id = get_u64(params, "model_id").unwrap_or_default();
                let mut material = self.sample_of(&format!("get-material-{kind}"));
                if material.is_null() {
                    material = json!({});
                }
                merge(
                    &mut material,
                    params.get("material").unwrap_or(&Value::Null),
                );
                if let Some(model) = self.model_mut(id) {
                    model.material = Some((kind.to_owned(), material));
                }
                Outcome::Result("null".to_owned())
            }
            _ if method.starts_with("get-material-") => {
                let kind = &method["get-material-".len()..];
                let id = get_u64(params, "id").unwrap_or_default();
                match self.model(id).and_then(|model| model.material.clone()) {
                    None => Outcome::Error(RpcError::new(
                        codes::DOMAIN_ERROR,
                        "The model does not have material",
                    )),
                    Some((current, _)) if current != kind => Outcome::Error(RpcError::new(
                        codes::DOMAIN_ERROR,
                        format!("The model material is '{current}', not '{kind}'"),
                    )),
                    Some((_, material)) => self.result(method, material),
                }
            }
            _ if method.starts_with("set-") => {
                let name = &method["set-".len()..];
                if let Some(kind) = name.strip_prefix("camera-")
                    && self
                        .snapshot
                        .entrypoint(&format!("get-camera-{kind}"))
                        .is_some()
                    && !matches!(kind, "view" | "near-clip" | "region")
                {
                    self.camera_type = kind.to_owned();
                }
                if let Some(kind) = name.strip_prefix("renderer-") {
                    self.renderer_type = kind.to_owned();
                }
                let getter = format!("get-{name}");
                if self.is_global_getter(&getter) {
                    let mut current = self.global(&getter);
                    merge(&mut current, params);
                    self.globals.insert(getter, current);
                }
                Outcome::Result("null".to_owned())
            }
            _ if self.is_global_getter(method) => {
                let value = self.global(method);
                self.result(method, value)
            }
            _ => match self.returns(method) {
                Some(schema) => Outcome::Result(text(&sample(schema))),
                None => Outcome::Result("null".to_owned()),
            },
        }
    }

    fn sample_of(&self, method: &str) -> Value {
        self.returns(method).map(sample).unwrap_or(Value::Null)
    }

    fn returns_model(&self, method: &str) -> bool {
        self.returns(method)
            .and_then(|schema| schema.get("properties"))
            .is_some_and(|properties| properties.get("model_id").is_some())
    }

    fn is_global_getter(&self, method: &str) -> bool {
        self.snapshot.entrypoint(method).is_some_and(|entrypoint| {
            entrypoint.params.is_none()
                && entrypoint
                    .returns
                    .as_ref()
                    .is_some_and(|r| r.get("properties").is_some())
        })
    }

    /// The current value of a parameter getter, initialized from its schema, the setter's
    /// defaults and what a fresh instance reports.
    fn global(&self, getter: &str) -> Value {
        if let Some(value) = self.globals.get(getter) {
            return value.clone();
        }
        let mut value = self.sample_of(getter);
        let setter = format!("set-{}", &getter["get-".len()..]);
        if let Some(params) = self
            .snapshot
            .entrypoint(&setter)
            .and_then(|entrypoint| entrypoint.params.as_ref())
        {
            let defaults: Map<String, Value> = params
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(key, property)| {
                    property
                        .get("default")
                        .map(|default| (key.clone(), default.clone()))
                })
                .collect();
            merge(&mut value, &Value::Object(defaults));
        }
        let fresh = match getter {
            "get-application-parameters" => {
                let mut plugins: Vec<String> = Vec::new();
                for entrypoint in self.snapshot.entrypoints() {
                    if !entrypoint.plugin.is_empty() && !plugins.contains(&entrypoint.plugin) {
                        plugins.push(entrypoint.plugin.clone());
                    }
                }
                json!({"plugins": plugins, "viewport": DEFAULT_VIEWPORT})
            }
            "get-camera-view" => {
                json!({"position": [0.0, 0.0, 1.0], "target": [0.0, 0.0, 0.0], "up": [0.0, 1.0, 0.0]})
            }
            "get-camera-perspective" => {
                json!({"aperture_radius": 0.0, "focus_distance": 1.0, "fovy": 45.0})
            }
            "get-camera-orthographic" => json!({"height": 1.0}),
            "get-camera-cylindric" => json!({"fovy": 45.0}),
            "get-camera-near-clip" => json!({"distance": 0.0}),
            "get-camera-region" => json!({"image_end": [1.0, 1.0], "image_start": [0.0, 0.0]}),
            "get-renderer-interactive" => json!({
                "ao_samples": 0, "background_color": [0.004, 0.016, 0.102, 0.0],
                "enable_shadows": true, "max_ray_bounces": 3, "samples_per_pixel": 1
            }),
            "get-renderer-production" => {
                json!({"background_color": [0.004, 0.016, 0.102, 0.0], "max_ray_bounces": 7, "samples_per_pixel": 128})
            }
            _ => Value::Null,
        };
        let mut candidate = value.clone();
        merge(&mut candidate, &fresh);
        match self.returns(getter) {
            Some(schema) if validate_reply(schema, &candidate).is_empty() => candidate,
            _ => value,
        }
    }

    fn viewport(&self) -> (u32, u32) {
        let parameters = self.global("get-application-parameters");
        let viewport = parameters.get("viewport").and_then(Value::as_array);
        let edge = |i: usize, default: u64| {
            viewport
                .and_then(|v| v.get(i))
                .and_then(Value::as_u64)
                .unwrap_or(default)
                .min(u64::from(u32::MAX)) as u32
        };
        (edge(0, DEFAULT_VIEWPORT[0]), edge(1, DEFAULT_VIEWPORT[1]))
    }

    fn model(&self, id: u64) -> Option<&Model> {
        self.models.iter().find(|model| model.id == id)
    }

    fn model_mut(&mut self, id: u64) -> Option<&mut Model> {
        self.models.iter_mut().find(|model| model.id == id)
    }

    /// Every request naming a model (`model_id`, `id`, `ids`) needs it to exist, as in the server.
    fn check_model_ids(&self, params: &Value) -> Result<(), RpcError> {
        let mut ids: Vec<u64> = ["model_id", "id"]
            .iter()
            .filter_map(|key| get_u64(params, key))
            .collect();
        if let Some(list) = params.get("ids").and_then(Value::as_array) {
            ids.extend(list.iter().filter_map(Value::as_u64));
        }
        match ids.into_iter().find(|id| self.model(*id).is_none()) {
            Some(id) => Err(model_not_found(id)),
            None => Ok(()),
        }
    }

    fn instance_template(&self) -> Value {
        let schema = self
            .returns("get-model")
            .or_else(|| self.returns("update-model"));
        let mut instance = schema.map(sample).unwrap_or_else(|| json!({}));
        if !instance.is_object() {
            instance = json!({});
        }
        instance
    }

    /// Adds a model and returns its instance JSON.
    fn add(
        &mut self,
        category: Category,
        model_type: &str,
        load: Value,
        bounds: Option<Value>,
    ) -> Value {
        let id = self.ids.take();
        let mut instance = self.instance_template();
        set_if_present(&mut instance, "model_id", json!(id));
        set_if_present(&mut instance, "model_type", json!(model_type));
        set_if_present(&mut instance, "is_visible", json!(true));
        set_if_present(&mut instance, "transform", identity_transform());
        let bounds = bounds.unwrap_or_else(|| match category {
            Category::Loaded => json!({"max": [1.0, 1.0, 1.0], "min": [-1.0, -1.0, -1.0]}),
            _ => json!({"max": [0.0, 0.0, 0.0], "min": [0.0, 0.0, 0.0]}),
        });
        set_if_present(&mut instance, "bounds", bounds);
        if let Some(info) = instance.get_mut("info") {
            set_if_present(info, "base_transform", identity_transform());
            set_if_present(info, "metadata", json!({}));
            if let Some(load_info) = info.get_mut("load_info") {
                let (source, loader, path, parameters) = match &load {
                    Value::Object(fields) if fields.contains_key("loader_name") => (
                        if fields.contains_key("path") {
                            "from_file"
                        } else {
                            "from_blob"
                        },
                        fields.get("loader_name").cloned().unwrap_or(json!("")),
                        fields.get("path").cloned().unwrap_or(json!("")),
                        fields
                            .get("loader_properties")
                            .cloned()
                            .unwrap_or(Value::Null),
                    ),
                    _ => ("none", json!(""), json!(""), Value::Null),
                };
                set_if_present(load_info, "source", json!(source));
                set_if_present(load_info, "loader_name", loader);
                set_if_present(load_info, "path", path);
                set_if_present(load_info, "load_parameters", parameters);
            }
        }
        let material = match category {
            Category::Geometry | Category::Loaded => {
                let mut matte = self.sample_of("get-material-matte");
                set_if_present(&mut matte, "opacity", json!(1.0));
                Some(("matte".to_owned(), matte))
            }
            _ => None,
        };
        self.models.push(Model {
            id,
            category,
            instance: instance.clone(),
            material,
            color_ramp: None,
        });
        instance
    }

    fn remove_models(&mut self, remove: impl Fn(&Model) -> bool) {
        let mut kept = Vec::with_capacity(self.models.len());
        for model in self.models.drain(..) {
            if remove(&model) {
                self.ids.release(model.id);
            } else {
                kept.push(model);
            }
        }
        self.models = kept;
    }

    fn clear(&mut self, remove: impl Fn(Category) -> bool) -> Outcome {
        self.remove_models(|model| remove(model.category));
        if self.models.is_empty() {
            self.ids = Ids::default();
        }
        Outcome::Result("null".to_owned())
    }

    fn get_scene(&self) -> Outcome {
        let mut scene = self.sample_of("get-scene");
        let instances: Vec<Value> = self
            .models
            .iter()
            .map(|model| model.instance.clone())
            .collect();
        let mut bounds: Option<([f64; 3], [f64; 3])> = None;
        for model in &self.models {
            let Some((min, max)) = read_bounds(&model.instance) else {
                continue;
            };
            bounds = Some(match bounds {
                None => (min, max),
                Some((a, b)) => (
                    [a[0].min(min[0]), a[1].min(min[1]), a[2].min(min[2])],
                    [b[0].max(max[0]), b[1].max(max[1]), b[2].max(max[2])],
                ),
            });
        }
        let (min, max) = bounds.unwrap_or(([0.0; 3], [0.0; 3]));
        set_if_present(&mut scene, "bounds", json!({"max": max, "min": min}));
        set_if_present(&mut scene, "models", Value::Array(instances));
        self.result("get-scene", scene)
    }

    fn update_model(&mut self, params: &Value) -> Outcome {
        let id = get_u64(params, "model_id").unwrap_or_default();
        let update = params.get("model").cloned().unwrap_or(Value::Null);
        let Some(model) = self.model_mut(id) else {
            return Outcome::Error(model_not_found(id));
        };
        if let Some(visible) = update.get("is_visible").filter(|v| v.is_boolean()) {
            set_if_present(&mut model.instance, "is_visible", visible.clone());
        }
        if let Some(transform) = update.get("transform").filter(|t| t.is_object())
            && let Some(current) = model.instance.get_mut("transform")
        {
            merge(current, transform);
        }
        let instance = model.instance.clone();
        self.result("update-model", instance)
    }

    fn instantiate(&mut self, params: &Value) -> Outcome {
        let id = get_u64(params, "model_id").unwrap_or_default();
        let Some(source) = self.model(id) else {
            return Outcome::Error(model_not_found(id));
        };
        let (category, template, material) = (
            source.category,
            source.instance.clone(),
            source.material.clone(),
        );
        let transforms = params
            .get("transforms")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut created = Vec::with_capacity(transforms.len());
        for transform in transforms {
            let new_id = self.ids.take();
            let mut instance = template.clone();
            set_if_present(&mut instance, "model_id", json!(new_id));
            let mut full = identity_transform();
            merge(&mut full, &transform);
            set_if_present(&mut instance, "transform", full);
            self.models.push(Model {
                id: new_id,
                category,
                instance: instance.clone(),
                material: material.clone(),
                color_ramp: None,
            });
            created.push(instance);
        }
        self.result("instantiate-model", Value::Array(created))
    }

    fn default_color_ramp(&self) -> Value {
        let mut ramp = self.sample_of("get-color-ramp");
        set_if_present(
            &mut ramp,
            "colors",
            json!([[0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]]),
        );
        set_if_present(&mut ramp, "range", json!([0.0, 1.0]));
        ramp
    }

    fn check_loader(&self, params: &Value) -> Result<(), RpcError> {
        let name = get_str(params, "loader_name", "");
        let known = self.snapshot.loaders().as_array().is_none_or(|loaders| {
            loaders
                .iter()
                .any(|loader| loader.get("name").and_then(Value::as_str) == Some(name))
        });
        if known {
            Ok(())
        } else {
            Err(RpcError::new(
                codes::INVALID_PARAMS,
                format!("Loader '{name}' not found"),
            ))
        }
    }

    fn loaded_model_type(loader: &str) -> &'static str {
        let loader = loader.to_ascii_lowercase();
        if loader.contains("mesh") {
            "mesh"
        } else if loader.contains("volume") || loader.contains("nrrd") {
            "volume"
        } else {
            "neurons"
        }
    }

    async fn add_model(&mut self, context: &mut TaskContext<'_>, params: &Value) -> Outcome {
        if let Err(error) = self.check_loader(params) {
            return Outcome::Error(error);
        }
        // add-model keeps loading when its client leaves (no onDisconnect in the server).
        context.cancel_on_disconnect(false);
        let path = get_str(params, "path", "");
        let steps = context.config().progress_steps.max(1);
        for step in 0..steps {
            context.step().await;
            let operation = format!("Loading {path} ...");
            if let Err(stop) = context.progress(&operation, f64::from(step) / f64::from(steps)) {
                return Outcome::Stopped(stop);
            }
        }
        let loader = get_str(params, "loader_name", "");
        let model_type = Self::loaded_model_type(loader);
        let instance = self.add(Category::Loaded, model_type, params.clone(), None);
        self.result("add-model", Value::Array(vec![instance]))
    }

    async fn upload_model(
        &mut self,
        context: &mut TaskContext<'_>,
        params: &Value,
        binary: &Bytes,
    ) -> Outcome {
        if binary.is_empty() {
            // The server's own typo.
            return params_error("Mo model binary data");
        }
        if let Err(error) = self.check_loader(params) {
            return Outcome::Error(error);
        }
        context.cancel_on_disconnect(true);
        if let Err(stop) = context.progress("Model uploaded", 0.5) {
            return Outcome::Stopped(stop);
        }
        let steps = context.config().progress_steps.max(1);
        for step in 0..steps {
            context.step().await;
            let amount = 0.5 + 0.5 * f64::from(step) / f64::from(steps);
            if let Err(stop) = context.progress("Loading blob ...", amount) {
                return Outcome::Stopped(stop);
            }
        }
        let loader = get_str(params, "loader_name", "");
        let model_type = Self::loaded_model_type(loader);
        let mut load = params.clone();
        if let Some(object) = load.as_object_mut() {
            object.remove("path");
        }
        let instance = self.add(Category::Loaded, model_type, load, None);
        self.result("upload-model", Value::Array(vec![instance]))
    }

    /// Runs the simulated render loop of snapshot / export-gbuffers: a first progress at once,
    /// then one per step.
    async fn render_loop(context: &TaskContext<'_>, operation: &str) -> Result<(), Stop> {
        let steps = context.config().progress_steps.max(1);
        context.progress(operation, 0.0)?;
        for step in 1..steps {
            context.step().await;
            context.progress(operation, f64::from(step) / f64::from(steps))?;
        }
        context.step().await;
        context.poll()
    }

    fn payload_or(
        &mut self,
        make: impl FnOnce(&mut Self) -> Result<Bytes, String>,
    ) -> Result<Bytes, RpcError> {
        match &self.filler {
            Some(filler) => Ok(filler.clone()),
            None => make(self).map_err(|message| RpcError::new(codes::INTERNAL_ERROR, message)),
        }
    }

    async fn snapshot_image(&mut self, context: &mut TaskContext<'_>, params: &Value) -> Outcome {
        let settings = params.get("image_settings").cloned().unwrap_or(Value::Null);
        let format_name = get_str(&settings, "format", "png").to_owned();
        let Some(format) = ImageFormat::parse(&format_name) else {
            return params_error(format!("Unsupported image format '{format_name}'"));
        };
        let quality = settings
            .get("quality")
            .and_then(Value::as_u64)
            .unwrap_or(100)
            .min(100) as u8;
        let (width, height) = match settings.get("size").and_then(Value::as_array) {
            Some(size) if size.len() == 2 => {
                let edge = |i: usize| size[i].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
                (edge(0), edge(1))
            }
            _ => self.viewport(),
        };
        let file_path = get_str(params, "file_path", "");
        let downloading = file_path.is_empty();
        context.cancel_on_disconnect(downloading);
        if let Err(stop) = Self::render_loop(context, "Rendering snapshot ...").await {
            return Outcome::Stopped(stop);
        }
        let mut result = self.sample_of("snapshot");
        if !downloading {
            if let Some(buffer) = result.get_mut("color_buffer") {
                set_if_present(buffer, "offset", json!(0));
                set_if_present(buffer, "size", json!(0));
            }
            return self.result("snapshot", result);
        }
        let payload =
            match self.payload_or(|state| state.images.get(format, width, height, quality)) {
                Ok(payload) => payload,
                Err(error) => return Outcome::Error(error),
            };
        if let Some(buffer) = result.get_mut("color_buffer") {
            set_if_present(buffer, "offset", json!(0));
            set_if_present(buffer, "size", json!(payload.len()));
        }
        Outcome::Binary {
            result: text(&self.fit("snapshot", result)),
            payload,
        }
    }

    async fn export_gbuffers(&mut self, context: &mut TaskContext<'_>, params: &Value) -> Outcome {
        let (width, height) = match params.get("resolution").and_then(Value::as_array) {
            Some(size) if size.len() == 2 => {
                let edge = |i: usize| size[i].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
                (edge(0), edge(1))
            }
            _ => self.viewport(),
        };
        let channels = params
            .get("channels")
            .and_then(Value::as_array)
            .map_or(1, Vec::len);
        let file_path = get_str(params, "file_path", "");
        let downloading = file_path.is_empty();
        context.cancel_on_disconnect(downloading);
        if let Err(stop) = Self::render_loop(context, "Exporting g-buffers ...").await {
            return Outcome::Stopped(stop);
        }
        if !downloading {
            return Outcome::Result("null".to_owned());
        }
        match self.payload_or(|_| image::gbuffers(width, height, channels).map(Bytes::from)) {
            Ok(payload) => Outcome::Binary {
                result: "null".to_owned(),
                payload,
            },
            Err(error) => Outcome::Error(error),
        }
    }

    fn render_image(&mut self, params: &Value) -> Outcome {
        let send = get_bool(params, "send", true);
        let force = get_bool(params, "force", false);
        if !send && force {
            return params_error("Cannot force sending if send is disabled");
        }
        let format_name = get_str(params, "format", "jpg").to_owned();
        let Some(format) = ImageFormat::parse(&format_name) else {
            return params_error(format!("Unsupported image format '{format_name}'"));
        };
        let quality = params
            .get("jpeg_quality")
            .and_then(Value::as_u64)
            .unwrap_or(100)
            .min(100) as u8;
        let render = get_bool(params, "render", true);
        let new_frame = render && self.accumulation < MAX_ACCUMULATION;
        if new_frame {
            self.accumulation = if get_bool(params, "accumulate", false) {
                MAX_ACCUMULATION
            } else {
                self.accumulation + 1
            };
        }
        let mut result = self.sample_of("render-image");
        set_if_present(&mut result, "accumulation", json!(self.accumulation));
        set_if_present(&mut result, "max_accumulation", json!(MAX_ACCUMULATION));
        let result = text(&self.fit("render-image", result));
        if !(send && (new_frame || force)) {
            return Outcome::Result(result);
        }
        let (width, height) = self.viewport();
        match self.payload_or(|state| state.images.get(format, width, height, quality)) {
            Ok(payload) => Outcome::Binary { result, payload },
            Err(error) => Outcome::Error(error),
        }
    }
}

fn read_bounds(instance: &Value) -> Option<([f64; 3], [f64; 3])> {
    let bounds = instance.get("bounds")?;
    let vector = |key: &str| -> Option<[f64; 3]> {
        let items = bounds.get(key)?.as_array()?;
        Some([
            items.first()?.as_f64()?,
            items.get(1)?.as_f64()?,
            items.get(2)?.as_f64()?,
        ])
    };
    Some((vector("min")?, vector("max")?))
}

/// Rough bounds of `add-*` geometry: every XYZ point found in the items' `geometry`, grown by
/// the largest radius.
fn geometry_bounds(params: &Value) -> Value {
    let mut min = [f64::INFINITY; 3];
    let mut max = [f64::NEG_INFINITY; 3];
    for item in params.as_array().into_iter().flatten() {
        let Some(geometry) = item.get("geometry").and_then(Value::as_object) else {
            continue;
        };
        let radius = ["radius", "r0", "r1"]
            .iter()
            .filter_map(|key| geometry.get(*key)?.as_f64())
            .fold(0.0, f64::max);
        for value in geometry.values() {
            let Some(point) = value.as_array().filter(|items| items.len() == 3) else {
                continue;
            };
            for axis in 0..3 {
                let coordinate = point[axis].as_f64().unwrap_or_default();
                min[axis] = min[axis].min(coordinate - radius);
                max[axis] = max[axis].max(coordinate + radius);
            }
        }
    }
    if min[0].is_infinite() {
        return json!({"max": [0.0, 0.0, 0.0], "min": [0.0, 0.0, 0.0]});
    }
    json!({"max": max, "min": min})
}
