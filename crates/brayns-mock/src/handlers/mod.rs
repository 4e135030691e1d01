//! What each entrypoint answers. Introspection comes byte for byte from the snapshot; the scene
//! (models, materials, color ramps), camera, renderer and parameters are stateful where users
//! notice; everything else answers a deterministic [`sample`] of its `returns` schema.

use std::collections::{HashMap, VecDeque};

use brayns_snapshot::EngineObject;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::executor::{Stop, TaskContext};
use crate::image::{self, ImageCache, ImageFormat};
use crate::jsonrpc::{Params, Request, RpcError, codes};
use crate::picture::Shapes;
use crate::sample::sample;
use crate::snapshot::Snapshot;
use crate::validate::{validate, validate_reply};

mod loading;
mod media;
mod parameters;
mod pictures;
mod scene;

use scene::{Category, Ids, Model, geometry_bounds, geometry_bounds_text};

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
    max_models: usize,
    /// What `get-application-parameters` reports as `plugins`.
    plugins: Vec<String>,
    /// The viewport of a fresh instance.
    window_size: [u32; 2],
    /// See [`crate::MockServerBuilder::strict_results`].
    strict_results: bool,
}

fn text(value: &Value) -> String {
    value.to_string()
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

impl State {
    pub(crate) fn new(snapshot: Snapshot, config: &Config) -> State {
        let filler = config
            .binary_payload_size
            .map(|size| Bytes::from((0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>()));
        let plugins = match &config.plugins {
            Some(plugins) => plugins.clone(),
            None => crate::plugins::all_in(&snapshot),
        };
        State {
            plugins,
            window_size: config.window_size,
            snapshot,
            models: Vec::new(),
            ids: Ids::default(),
            globals: HashMap::new(),
            camera_type: "perspective".to_owned(),
            renderer_type: "interactive".to_owned(),
            accumulation: 0,
            images: ImageCache::default(),
            filler,
            max_models: config.max_models,
            strict_results: config.strict_results,
        }
    }

    fn returns(&self, method: &str) -> Option<&Value> {
        self.snapshot
            .entrypoint(method)
            .and_then(|entrypoint| entrypoint.returns.as_ref())
    }

    /// A result for `method` built from `value`, checked against its `returns` schema. When
    /// `value` does not fit (a modified snapshot, or a bug of the mock): an internal error
    /// naming the problems if results are strict, else a plain sample, so every answer stays
    /// valid.
    fn fit(&self, method: &str, value: Value) -> Result<Value, RpcError> {
        let Some(schema) = self.returns(method) else {
            return Ok(value);
        };
        let problems = validate_reply(schema, &value);
        if problems.is_empty() {
            return Ok(value);
        }
        if self.strict_results {
            return Err(RpcError::new(
                codes::INTERNAL_ERROR,
                format!(
                    "brayns-mock: the result built for '{method}' does not fit its returns \
                     schema: {}",
                    problems.join("; ")
                ),
            ));
        }
        tracing::warn!(
            method,
            ?problems,
            "state does not fit the returns schema; answering a sample"
        );
        Ok(sample(schema))
    }

    fn result(&self, method: &str, value: Value) -> Outcome {
        match self.fit(method, value) {
            Ok(value) => Outcome::Result(text(&value)),
            Err(error) => Outcome::Error(error),
        }
    }

    pub(crate) async fn run(
        &mut self,
        context: &mut TaskContext<'_>,
        request: &Request,
    ) -> Outcome {
        let method = request.entrypoint.method.as_str();
        // Large params stay text until here; `add-*` geometry only needs its bounds, read with a
        // typed parse instead of building a value tree of the whole array.
        let geometry = match &request.params {
            Params::Text(raw) if self.is_geometry_method(method) => {
                Some(geometry_bounds_text(raw.get()))
            }
            _ => None,
        };
        let parsed;
        let params: &Value = match &request.params {
            Params::Value(value) => value,
            Params::Text(_) if geometry.is_some() => &Value::Null,
            Params::Text(raw) => {
                parsed = serde_json::from_str::<Value>(raw.get()).unwrap_or(Value::Null);
                &parsed
            }
        };
        // The primitives `add-*` and `add-clip*` carry, kept for pictures.
        let shapes = match &request.params {
            Params::Text(raw) => Shapes::from_text(method, raw.get()),
            Params::Value(value) => Shapes::from_params(method, value),
        };
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
                match self.snapshot.schema_json(endpoint) {
                    Some(answer) => Outcome::Result(answer.to_string()),
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
            _ => self.run_sync(method, params, geometry, shapes),
        };
        if method.starts_with("set-") || method.starts_with("add-") || method.starts_with("clear-")
        {
            self.accumulation = 0;
        }
        outcome
    }

    fn run_sync(
        &mut self,
        method: &str,
        params: &Value,
        geometry: Option<Value>,
        shapes: Option<Shapes>,
    ) -> Outcome {
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
                match self.add(
                    Category::Loaded,
                    "atlas",
                    json!({"use_case": use_case}),
                    None,
                ) {
                    Ok(instance) => self.result(method, instance),
                    Err(error) => Outcome::Error(error),
                }
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
                let bounds = (category == Category::Geometry)
                    .then(|| geometry.unwrap_or_else(|| geometry_bounds(params)));
                match self.add(category, model_type, Value::Null, bounds) {
                    Ok(instance) => {
                        if let Some(model) = self.models.last_mut() {
                            model.picture = shapes.map(std::sync::Arc::new);
                        }
                        self.result(method, instance)
                    }
                    Err(error) => Outcome::Error(error),
                }
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
                    && self.is_engine_type(EngineObject::Camera, kind)
                {
                    self.camera_type = kind.to_owned();
                }
                if let Some(kind) = name.strip_prefix("renderer-")
                    && self.is_engine_type(EngineObject::Renderer, kind)
                {
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

    /// Whether `kind` is a type of engine object of `object` this instance makes.
    fn is_engine_type(&self, object: EngineObject, kind: &str) -> bool {
        self.snapshot
            .snapshot()
            .engine_types(object)
            .iter()
            .any(|(name, _)| *name == kind)
    }

    fn sample_of(&self, method: &str) -> Value {
        self.returns(method).map(sample).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(strict_results: bool) -> State {
        let config = Config {
            strict_results,
            ..Config::default()
        };
        State::new(Snapshot::embedded(), &config)
    }

    #[test]
    fn a_result_that_does_not_fit_is_an_error_when_strict_and_a_sample_otherwise() {
        let schema = state(false)
            .returns("get-model")
            .cloned()
            .expect("a result");
        let misfit = json!({"model_id": "not a number"});

        let error = state(true)
            .fit("get-model", misfit.clone())
            .expect_err("strict results refuse it");
        assert_eq!(error.code, codes::INTERNAL_ERROR);
        assert!(error.message.contains("'get-model'"), "{}", error.message);

        let answer = state(false).fit("get-model", misfit).expect("a sample");
        assert_eq!(answer, sample(&schema));
    }

    #[test]
    fn a_result_that_fits_is_kept_as_built() {
        let schema = state(false)
            .returns("get-model")
            .cloned()
            .expect("a result");
        let mut built = sample(&schema);
        built["model_id"] = json!(7);
        let answer = state(true)
            .fit("get-model", built.clone())
            .expect("it fits");
        assert_eq!(answer, built);
    }
}
