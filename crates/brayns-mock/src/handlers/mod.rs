//! What each entrypoint answers. Introspection comes byte for byte from the snapshot; the scene
//! (models, materials, color ramps), camera, renderer and parameters are stateful where users
//! notice; everything else answers a deterministic [`sample`] of its `returns` schema.

use std::collections::HashMap;

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

mod bounds;
mod engine;
mod inspect;
mod loading;
mod media;
mod mesh_file;
mod models;
mod parameters;
mod pictures;
mod scene;

use engine::{Frame, changes_the_frame};
use models::{light_bounds, no_material};
use scene::{
    Category, Coloring, Ids, Model, NewModel, geometry_bounds, geometry_bounds_text, no_model,
};

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
    frame: Frame,
    images: ImageCache,
    filler: Option<Bytes>,
    max_models: usize,
    /// What `get-application-parameters` reports as `plugins`.
    plugins: Vec<String>,
    /// The viewport of a fresh instance.
    window_size: [u32; 2],
    /// See [`crate::MockServerBuilder::strict_results`].
    strict_results: bool,
    /// See [`crate::MockServerBuilder::simulation`]; `None` once cleared.
    simulation: Option<(u64, f64)>,
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
            frame: Frame::default(),
            images: ImageCache::default(),
            filler,
            max_models: config.max_models,
            strict_results: config.strict_results,
            simulation: config.simulation,
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
            Params::Text(raw) if self.is_geometry_method(method) => Some((
                geometry_bounds_text(raw.get()),
                models::count_items(raw.get()),
            )),
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
        if !matches!(outcome, Outcome::Error(_)) && changes_the_frame(method) {
            self.frame.changed();
        }
        self.frame.unchanged = false;
        outcome
    }

    fn run_sync(
        &mut self,
        method: &str,
        params: &Value,
        geometry: Option<(Value, usize)>,
        shapes: Option<Shapes>,
    ) -> Outcome {
        match method {
            "get-scene" => self.get_scene(),
            "inspect" => self.inspect(params),
            "get-model" => match self.extract(params, "id") {
                Ok(model) => self.result(method, model.instance.clone()),
                Err(error) => Outcome::Error(error),
            },
            "update-model" => self.update_model(params),
            "remove-model" => {
                let ids: Vec<u64> = params
                    .get("ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64)
                    .collect();
                match self.remove_ids(&ids) {
                    Ok(()) => Outcome::Result("null".to_owned()),
                    Err(error) => Outcome::Error(error),
                }
            }
            "clear-models" => {
                self.reset_simulation();
                self.clear(|_| true, true)
            }
            "clear-lights" => self.clear(|category| category == Category::Light, false),
            "clear-clipping-geometries" | "clear-clip-planes" => {
                self.clear(|category| category == Category::Clipping, false)
            }
            "clear-renderables" => {
                self.reset_simulation();
                self.clear(
                    |category| matches!(category, Category::Geometry | Category::Loaded),
                    false,
                )
            }
            "instantiate-model" => self.instantiate(params),
            "visualize-atlas-usecase" => {
                if let Err(error) = self.extract_atlas(params) {
                    return Outcome::Error(error);
                }
                let use_case = get_str(params, "use_case", "").to_owned();
                // A new model with the source's atlas data, and no load info.
                let mut new = NewModel::new(Category::Loaded, "atlas");
                new.coloring = Coloring::Sampled;
                new.color_ramp = matches!(use_case.as_str(), "Density" | "Layer distance");
                new.local_bounds = Some(([-1.0; 3], [1.0; 3]));
                match self.add(new) {
                    Ok(instance) => self.result(method, instance),
                    Err(error) => Outcome::Error(error),
                }
            }
            "get-camera-type" => Outcome::Result(text(&json!(self.camera_type))),
            "get-renderer-type" => Outcome::Result(text(&json!(self.renderer_type))),
            "get-material-type" => match self.extract(params, "id") {
                Err(error) => Outcome::Error(error),
                Ok(model) => match &model.material {
                    Some((kind, _)) => Outcome::Result(text(&json!(kind))),
                    None => Outcome::Error(no_material()),
                },
            },
            "get-color-ramp" => match self.extract(params, "id") {
                Err(error) => Outcome::Error(error),
                Ok(model) => match model.color_ramp.clone() {
                    Some(ramp) => self.result(method, ramp),
                    None => Outcome::Error(RpcError::new(
                        codes::DOMAIN_ERROR,
                        "The requested model does not have a color ramp",
                    )),
                },
            },
            "set-color-ramp" => self.set_color_ramp(params),
            "get-color-methods" | "get-color-values" | "color-model" => {
                self.coloring(method, params)
            }
            "enable-simulation" => match self.extract(params, "model_id") {
                Err(error) => Outcome::Error(error),
                Ok(model) if !model.simulation => Outcome::Error(RpcError::new(
                    codes::DOMAIN_ERROR,
                    "The model does not have simulation",
                )),
                Ok(_) => Outcome::Result("null".to_owned()),
            },
            "get-available-atlas-usecases" => match self.extract_atlas(params) {
                Err(error) => Outcome::Error(error),
                Ok(()) => match self.returns(method) {
                    Some(schema) => Outcome::Result(text(&sample(schema))),
                    None => Outcome::Result("null".to_owned()),
                },
            },
            "get-circuit-ids" | "set-circuit-thickness" => {
                let key = if params.get("model_id").is_some() {
                    "model_id"
                } else {
                    "id"
                };
                match self.extract(params, key) {
                    Err(error) => Outcome::Error(error),
                    Ok(_) => match self.returns(method) {
                        Some(schema) => Outcome::Result(text(&sample(schema))),
                        None => Outcome::Result("null".to_owned()),
                    },
                }
            }
            _ if method.starts_with("add-") && self.returns_model(method) => {
                let category = if method.starts_with("add-light-") {
                    Category::Light
                } else if method.starts_with("add-clip") {
                    Category::Clipping
                } else {
                    Category::Geometry
                };
                let mut new = match category {
                    Category::Light => NewModel::new(category, "light"),
                    // `add-clip-plane` names its model differently from `add-clipping-*`
                    // (AddClipPlaneEntrypoint.cpp, ClippingModelBuilder.h).
                    Category::Clipping if method == "add-clip-plane" => {
                        NewModel::new(category, "clipping_geometry")
                    }
                    Category::Clipping => NewModel::new(category, "clip_geometry"),
                    _ => NewModel::new(category, "geometry"),
                };
                match category {
                    Category::Geometry => {
                        let (bounds, count) = match geometry {
                            Some(parsed) => parsed,
                            None => (
                                geometry_bounds(params),
                                params.as_array().map_or(0, Vec::len),
                            ),
                        };
                        new.local_bounds = bounds::from_json(&bounds);
                        new.coloring = Coloring::Primitives {
                            name: "primitive",
                            count,
                        };
                    }
                    Category::Light => new.local_bounds = light_bounds(method, params),
                    _ => {}
                }
                new.picture = shapes.map(std::sync::Arc::new);
                match self.add(new) {
                    Ok(instance) => self.result(method, instance),
                    Err(error) => Outcome::Error(error),
                }
            }
            _ if method.starts_with("set-material-") => {
                let kind = &method["set-material-".len()..];
                let model = match self.extract(params, "model_id") {
                    Ok(model) => model,
                    Err(error) => return Outcome::Error(error),
                };
                if model.material.is_none() {
                    return Outcome::Error(no_material());
                }
                // The new material is built from its defaults and the params, not from the
                // current one (`SetMaterialEntrypoint`).
                let mut material = self.sample_of(&format!("get-material-{kind}"));
                if material.is_null() {
                    material = json!({});
                }
                let id = model.id;
                merge(
                    &mut material,
                    &self.setter_defaults(method, "/properties/material"),
                );
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
                match self
                    .extract(params, "id")
                    .map(|model| model.material.clone())
                {
                    Err(error) => Outcome::Error(error),
                    Ok(None) => Outcome::Error(no_material()),
                    Ok(Some((current, _))) if current != kind => Outcome::Error(RpcError::new(
                        codes::INVALID_REQUEST,
                        format!("Invalid material type (should be '{current}')"),
                    )),
                    Ok(Some((_, material))) => self.result(method, material),
                }
            }
            _ if method.starts_with("set-") => self.set_parameters(method, params),
            _ if self.is_global_getter(method) => self.get_parameters(method),
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
