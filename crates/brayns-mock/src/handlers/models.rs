//! What a model's components allow: color ramp, color methods, material checks, and the
//! bounds of lights.

use super::bounds::{self, Aabb};
use super::*;

/// `JsonRpcException` (code 0) of the material entrypoints for a model with no material.
pub(super) fn no_material() -> RpcError {
    RpcError::new(codes::DOMAIN_ERROR, "The model does not have material")
}

/// How many items a JSON array holds (0 when it is not one), without building them.
pub(super) fn count_items(json: &str) -> usize {
    serde_json::from_str::<Vec<serde::de::IgnoredAny>>(json).map_or(0, |items| items.len())
}

/// The bounds of a new light (`brayns/engine/light/types/`): a quad light spans its four
/// corners; ambient, directional and sphere lights have no extent.
pub(super) fn light_bounds(method: &str, params: &Value) -> Option<Aabb> {
    if method != "add-light-quad" {
        return None;
    }
    let vector = |key: &str, default: [f64; 3]| -> [f64; 3] {
        let items = params.get(key).and_then(Value::as_array);
        std::array::from_fn(|axis| {
            items
                .and_then(|items| items.get(axis))
                .and_then(Value::as_f64)
                .unwrap_or(default[axis])
        })
    };
    let position = vector("position", [0.0; 3]);
    let edge1 = vector("edge1", [1.0, 0.0, 0.0]);
    let edge2 = vector("edge2", [0.0, 0.0, 1.0]);
    let add = |a: [f64; 3], b: [f64; 3]| -> [f64; 3] { std::array::from_fn(|i| a[i] + b[i]) };
    bounds::of_points([
        position,
        add(position, edge1),
        add(position, edge2),
        add(add(position, edge1), edge2),
    ])
}

/// A per-primitive color key, `"i"`, `"a-b"` or a comma-separated list of those, against
/// `count` primitives (`RangeParser.h`, `PrimitiveColorMethod.cpp`). Keys that are not numbers
/// pass: the parser's messages for them are not modelled.
fn check_range(key: &str, count: usize) -> Result<(), RpcError> {
    let mut highest = None;
    for range in key.split(',') {
        let (start, end) = match range.split_once('-') {
            Some((start, end)) => (start, end),
            None => (range, range),
        };
        let (Ok(start), Ok(end)) = (start.trim().parse::<u64>(), end.trim().parse::<u64>()) else {
            return Ok(());
        };
        if start > end {
            return Err(refused(format!("Invalid range {start}-{end}")));
        }
        highest = highest.max(Some(end));
    }
    match highest {
        Some(highest) if highest >= count as u64 => {
            Err(refused(format!("Range out of bounds: {key}")))
        }
        _ => Ok(()),
    }
}

/// `std::invalid_argument` from a model's systems, answered as -32603.
fn refused(message: impl Into<String>) -> RpcError {
    RpcError::new(codes::INTERNAL_ERROR, message)
}

impl State {
    /// `ExtractAtlas::fromId` (`plugins/AtlasExplorer/network/entrypoints/common/`): the model
    /// must exist and hold atlas data, which NRRD volumes and the models made from them have
    /// (model type `atlas`).
    pub(super) fn extract_atlas(&self, params: &Value) -> Result<(), RpcError> {
        let model = self.extract(params, "model_id")?;
        if model.instance.get("model_type").and_then(Value::as_str) == Some("atlas") {
            return Ok(());
        }
        Err(RpcError::new(
            codes::INVALID_PARAMS,
            "The requested model does not have an Atlas component",
        ))
    }

    /// `set-color-ramp` (`ColorRampEntrypoint.cpp`): only for a model with a color ramp; the
    /// range is applied before the colors, each checked as `ColorRamp.cpp` checks it (a range
    /// set before a refused color list stays set).
    pub(super) fn set_color_ramp(&mut self, params: &Value) -> Outcome {
        let id = match self.extract(params, "id") {
            Ok(model) => model.id,
            Err(error) => return Outcome::Error(error),
        };
        let update = params.get("color_ramp").cloned().unwrap_or(Value::Null);
        let Some(model) = self.model_mut(id) else {
            return Outcome::Error(no_model(id));
        };
        let Some(ramp) = model.color_ramp.as_mut() else {
            return Outcome::Error(RpcError::new(
                codes::INVALID_REQUEST,
                "The requested model does not have a color ramp",
            ));
        };
        if let Some(range) = update.get("range").and_then(Value::as_array) {
            let bound = |i: usize| range.get(i).and_then(Value::as_f64).unwrap_or(0.0);
            if bound(0) >= bound(1) {
                return Outcome::Error(refused(
                    "Color ramp range must define a non zero positive interval",
                ));
            }
            set_if_present(ramp, "range", Value::Array(range.clone()));
        }
        if let Some(colors) = update.get("colors").and_then(Value::as_array) {
            if colors.is_empty() {
                return Outcome::Error(refused("A color ramp must have at least one color"));
            }
            if colors.len() > 256 {
                return Outcome::Error(refused("A color ramp cannot have more than 256 colors"));
            }
            set_if_present(ramp, "colors", Value::Array(colors.clone()));
        }
        Outcome::Result("null".to_owned())
    }

    /// `get-color-methods`, `get-color-values` and `color-model` (`ModelColoringEntrypoint.cpp`,
    /// `GenericColorSystem.cpp`): a model without a color system has no methods and ignores
    /// colors; `add-*` geometry has `primitive` and `solid`, a mesh `solid` and `triangle`.
    pub(super) fn coloring(&mut self, method: &str, params: &Value) -> Outcome {
        let values = params.get("values").and_then(Value::as_object);
        if method == "color-model" && values.is_none_or(|values| values.is_empty()) {
            return params_error("Color values cannot be empty");
        }
        let coloring = match self.extract(params, "id") {
            Ok(model) => model.coloring.clone(),
            Err(error) => return Outcome::Error(error),
        };
        let Coloring::Primitives { name, count } = coloring else {
            return match (coloring, method) {
                (Coloring::Nothing, "color-model") => Outcome::Result("null".to_owned()),
                (Coloring::Nothing, _) => Outcome::Result("[]".to_owned()),
                _ => match self.returns(method) {
                    Some(schema) => Outcome::Result(text(&sample(schema))),
                    None => Outcome::Result("null".to_owned()),
                },
            };
        };
        if method == "get-color-methods" {
            let mut methods = vec![name, "solid"];
            methods.sort_unstable();
            return Outcome::Result(text(&json!(methods)));
        }
        let color_method = get_str(params, "method", "");
        if color_method != name && color_method != "solid" {
            return Outcome::Error(refused(format!("Color method '{color_method}' not found")));
        }
        if method == "get-color-values" {
            let values = if color_method == "solid" {
                json!(["color"])
            } else {
                json!([format!("0-{}", count.saturating_sub(1))])
            };
            return Outcome::Result(text(&values));
        }
        if color_method == "solid" && !values.is_some_and(|values| values.contains_key("color")) {
            return Outcome::Error(refused("Missing solid method input key 'color'"));
        }
        if color_method == name {
            for range in values.into_iter().flat_map(|values| values.keys()) {
                if let Err(error) = check_range(range, count) {
                    return Outcome::Error(error);
                }
            }
        }
        Outcome::Result("null".to_owned())
    }
}
