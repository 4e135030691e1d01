//! The scene: models added by `add-*`, loaded or instantiated, their ids, materials and color
//! ramps, as `get-scene`/`get-model` list them.

use super::bounds::{self, Aabb};
use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Category {
    Geometry,
    Light,
    Clipping,
    Loaded,
}

/// The color system of a model (`brayns/engine/systems/GenericColorSystem.cpp`).
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Coloring {
    /// No color system: no methods, no values, `color-model` does nothing (lights, clipping
    /// geometries).
    Nothing,
    /// `solid` and a per-primitive method called `name` over `count` primitives (`add-*`
    /// geometry: "primitive"; meshes: "triangle").
    Primitives { name: &'static str, count: usize },
    /// Methods the mock does not model (circuits, atlases...): sampled answers.
    Sampled,
}

pub(super) struct Model {
    pub(super) id: u64,
    pub(super) category: Category,
    pub(super) instance: Value,
    pub(super) material: Option<(String, Value)>,
    /// The model's color ramp; `None` when it has no such component (only volumes and
    /// simulations have one in Brayns).
    pub(super) color_ramp: Option<Value>,
    /// Bounds before the instance transform; `None` when the model has no extent.
    pub(super) local_bounds: Option<Aabb>,
    pub(super) coloring: Coloring,
    /// Whether the model has a simulation (`enable-simulation` refuses the others).
    pub(super) simulation: bool,
    /// The primitives of `add-*` geometry and `add-clip*` models, for pictures.
    pub(super) picture: Option<std::sync::Arc<Shapes>>,
}

/// What a new model is made of, by whoever adds it.
pub(super) struct NewModel {
    pub(super) category: Category,
    pub(super) model_type: String,
    /// The `add-model` / `upload-model` params (`Value::Null`: not loaded).
    pub(super) load: Value,
    pub(super) local_bounds: Option<Aabb>,
    pub(super) coloring: Coloring,
    pub(super) color_ramp: bool,
    pub(super) simulation: bool,
    /// `info.metadata` (loaded models only).
    pub(super) metadata: Value,
    /// The primitives of `add-*` geometry and `add-clip*` models, for pictures.
    pub(super) picture: Option<std::sync::Arc<Shapes>>,
}

impl NewModel {
    pub(super) fn new(category: Category, model_type: &str) -> NewModel {
        NewModel {
            category,
            model_type: model_type.to_owned(),
            load: Value::Null,
            local_bounds: None,
            coloring: Coloring::Nothing,
            color_ramp: false,
            simulation: false,
            metadata: json!({}),
            picture: None,
        }
    }
}

/// Ids like Brayns' `IDFactory` (`brayns/utils/IDFactory.h`): the last released id is reused
/// first, else the next new one.
#[derive(Default)]
pub(super) struct Ids {
    pub(super) next: u64,
    pub(super) released: Vec<u64>,
}

impl Ids {
    pub(super) fn take(&mut self) -> u64 {
        self.released.pop().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }

    pub(super) fn release(&mut self, id: u64) {
        self.released.push(id);
    }
}

/// What entrypoints that look a model up through `ExtractModel` answer for an unknown id
/// (`brayns/network/common/ExtractModel.cpp`).
pub(super) fn no_model(id: u64) -> RpcError {
    RpcError::new(
        codes::INVALID_PARAMS,
        format!("No model found with ID {id}"),
    )
}

/// What the model manager itself throws for an unknown id, which `remove-model` and
/// `instantiate-model` let through as an internal error
/// (`brayns/engine/scene/ModelManager.cpp`).
pub(super) fn no_instance(id: u64) -> RpcError {
    RpcError::new(
        codes::INTERNAL_ERROR,
        format!("No instance with id {id} was found"),
    )
}

pub(super) fn identity_transform() -> Value {
    json!({"rotation": [0.0, 0.0, 0.0, 1.0], "scale": [1.0, 1.0, 1.0], "translation": [0.0, 0.0, 0.0]})
}

/// The default color ramp (`brayns/engine/components/ColorRamp.cpp`): transparent black to
/// white over [0, 255].
pub(super) fn default_color_ramp() -> Value {
    json!({"colors": [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]], "range": [0.0, 255.0]})
}

impl State {
    /// `add-*` methods whose params are an array of geometries (spheres, boxes, ...).
    pub(super) fn is_geometry_method(&self, method: &str) -> bool {
        method.starts_with("add-")
            && self.returns_model(method)
            && self
                .snapshot
                .entrypoint(method)
                .and_then(|entrypoint| entrypoint.params.as_ref())
                .is_some_and(|schema| schema.get("type").and_then(Value::as_str) == Some("array"))
    }

    pub(super) fn returns_model(&self, method: &str) -> bool {
        self.returns(method)
            .and_then(|schema| schema.get("properties"))
            .is_some_and(|properties| properties.get("model_id").is_some())
    }

    pub(super) fn model(&self, id: u64) -> Option<&Model> {
        self.models.iter().find(|model| model.id == id)
    }

    pub(super) fn model_mut(&mut self, id: u64) -> Option<&mut Model> {
        self.models.iter_mut().find(|model| model.id == id)
    }

    /// The model `params[key]` names, or the `ExtractModel` error.
    pub(super) fn extract(&self, params: &Value, key: &str) -> Result<&Model, RpcError> {
        let id = get_u64(params, key).unwrap_or_default();
        self.model(id).ok_or_else(|| no_model(id))
    }

    pub(super) fn instance_template(&self) -> Value {
        let schema = self
            .returns("get-model")
            .or_else(|| self.returns("update-model"));
        let mut instance = schema.map(sample).unwrap_or_else(|| json!({}));
        if !instance.is_object() {
            instance = json!({});
        }
        instance
    }

    /// Whether `count` more models fit in the scene's limit
    /// ([`crate::MockServerBuilder::max_models`]); -32603 (what an allocation failure gives in
    /// the server) when they do not.
    pub(super) fn check_room(&self, count: usize) -> Result<(), RpcError> {
        let limit = self.max_models;
        if count > limit.saturating_sub(self.models.len()) {
            return Err(RpcError::new(
                codes::INTERNAL_ERROR,
                format!(
                    "The mock's scene holds at most {limit} models ({} now, {count} more asked)",
                    self.models.len()
                ),
            ));
        }
        Ok(())
    }

    /// Adds a model and returns its instance JSON (an error when the scene is full).
    pub(super) fn add(&mut self, new: NewModel) -> Result<Value, RpcError> {
        self.check_room(1)?;
        let id = self.ids.take();
        let mut instance = self.instance_template();
        set_if_present(&mut instance, "model_id", json!(id));
        set_if_present(&mut instance, "model_type", json!(new.model_type));
        set_if_present(&mut instance, "is_visible", json!(true));
        set_if_present(&mut instance, "transform", identity_transform());
        set_if_present(&mut instance, "bounds", bounds::to_json(new.local_bounds));
        if instance.get("info").is_some() {
            let info = self.model_info(&new);
            set_if_present(&mut instance, "info", info);
        }
        // `GeometryDataSystem` gives every geometry model (`add-*`, meshes, circuits) a
        // default material; lights and clipping geometries have none.
        let material = match new.category {
            Category::Geometry | Category::Loaded => {
                let mut matte = self.sample_of("get-material-matte");
                set_if_present(&mut matte, "opacity", json!(1.0));
                Some(("matte".to_owned(), matte))
            }
            _ => None,
        };
        self.models.push(Model {
            id,
            category: new.category,
            instance: instance.clone(),
            material,
            color_ramp: new.color_ramp.then(default_color_ramp),
            local_bounds: new.local_bounds,
            coloring: new.coloring,
            simulation: new.simulation,
            picture: new.picture,
        });
        Ok(instance)
    }

    /// `info` lists only the components a model has (`brayns/engine/model/ModelInfo.cpp`):
    /// nothing for `add-*` geometry, lights and clipping geometries; load info and metadata
    /// for loaded models.
    fn model_info(&self, new: &NewModel) -> Value {
        let Value::Object(fields) = &new.load else {
            return json!({});
        };
        let mut load_info = self
            .instance_template()
            .pointer("/info/load_info")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let source = if fields.contains_key("path") {
            "from_file"
        } else {
            "from_blob"
        };
        set_if_present(&mut load_info, "source", json!(source));
        set_if_present(
            &mut load_info,
            "loader_name",
            fields.get("loader_name").cloned().unwrap_or(json!("")),
        );
        set_if_present(
            &mut load_info,
            "path",
            fields.get("path").cloned().unwrap_or(json!("")),
        );
        set_if_present(
            &mut load_info,
            "load_parameters",
            fields
                .get("loader_properties")
                .cloned()
                .unwrap_or(Value::Null),
        );
        json!({"load_info": load_info, "metadata": new.metadata})
    }

    /// Sets the instance transform and the bounds that follow from it.
    fn place(model: &mut Model, transform: Value) {
        let world = Self::world_bounds(model, &bounds::Transform::from_json(&transform));
        set_if_present(&mut model.instance, "transform", transform);
        set_if_present(&mut model.instance, "bounds", bounds::to_json(world));
    }

    /// A model's bounds under `transform`. Brayns transforms each primitive of `add-*`
    /// geometry on its own (`ModelInstance::computeBounds` runs the model's bounds systems
    /// with the instance matrix), which under a rotation can give a smaller box than turning
    /// the model's unrotated box; the primitives kept for pictures give that exactly. They are
    /// parsed (once, shared with pictures) only when a rotation makes a difference, so adding
    /// a big model stays a copy of its text. Loaded files have no primitives: their box turns.
    fn world_bounds(model: &Model, transform: &bounds::Transform) -> Option<Aabb> {
        if model.category == Category::Geometry
            && transform.is_rotated()
            && let Some(shapes) = &model.picture
        {
            let primitives = shapes.primitives();
            if !primitives.is_empty() {
                return transform.primitive_bounds(&primitives.shapes);
            }
        }
        transform.bounds(model.local_bounds)
    }

    /// Removes the models `ids` names, releasing their ids in that order
    /// (`ModelManager::removeModelInstancesById`: every id is checked before any removal).
    pub(super) fn remove_ids(&mut self, ids: &[u64]) -> Result<(), RpcError> {
        if let Some(id) = ids.iter().find(|id| self.model(**id).is_none()) {
            return Err(no_instance(*id));
        }
        for id in ids {
            // A repeated id is gone the second time: the server throws then, midway.
            let Some(index) = self.models.iter().position(|model| model.id == *id) else {
                return Err(no_instance(*id));
            };
            self.models.remove(index);
            self.ids.release(*id);
        }
        Ok(())
    }

    /// `clear-models` empties the scene and restarts ids at 0; the other `clear-*` remove the
    /// models of their kind one by one, releasing their ids.
    pub(super) fn clear(&mut self, remove: impl Fn(Category) -> bool, all: bool) -> Outcome {
        if all {
            self.models.clear();
            self.ids = Ids::default();
            return Outcome::Result("null".to_owned());
        }
        let ids: Vec<u64> = self
            .models
            .iter()
            .filter(|model| remove(model.category))
            .map(|model| model.id)
            .collect();
        if let Err(error) = self.remove_ids(&ids) {
            return Outcome::Error(error);
        }
        Outcome::Result("null".to_owned())
    }

    /// The scene: its models and the union of their bounds (empty when none has an extent).
    pub(super) fn get_scene(&self) -> Outcome {
        let mut scene = self.sample_of("get-scene");
        let instances: Vec<Value> = self
            .models
            .iter()
            .map(|model| model.instance.clone())
            .collect();
        let union = self.models.iter().fold(None, |union, model| {
            bounds::union(
                union,
                model.instance.get("bounds").and_then(bounds::from_json),
            )
        });
        set_if_present(&mut scene, "bounds", bounds::to_json(union));
        set_if_present(&mut scene, "models", Value::Array(instances));
        self.result("get-scene", scene)
    }

    /// `update-model`: visibility and transform (each transform field given replaces the
    /// current one), bounds recomputed (`ModelInstance::setTransform`).
    pub(super) fn update_model(&mut self, params: &Value) -> Outcome {
        let id = get_u64(params, "model_id").unwrap_or_default();
        let update = params.get("model").cloned().unwrap_or(Value::Null);
        let Some(model) = self.model_mut(id) else {
            return Outcome::Error(no_model(id));
        };
        if let Some(visible) = update.get("is_visible").filter(|v| v.is_boolean()) {
            set_if_present(&mut model.instance, "is_visible", visible.clone());
        }
        if let Some(transform) = update.get("transform").filter(|t| t.is_object())
            && let Some(current) = model.instance.get("transform")
        {
            let mut full = current.clone();
            merge(&mut full, transform);
            Self::place(model, full);
        }
        let instance = model.instance.clone();
        self.result("update-model", instance)
    }

    /// `instantiate-model` (`InstantiateModelEntrypoint.cpp`): an empty list is refused first,
    /// then the source is looked up; each copy shares the source's model (its bounds before
    /// transform, material, color system) and takes its own transform.
    pub(super) fn instantiate(&mut self, params: &Value) -> Outcome {
        let transforms = params
            .get("transforms")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if transforms.is_empty() {
            return Outcome::Error(RpcError::new(
                codes::DOMAIN_ERROR,
                "transforms list cannot be empty",
            ));
        }
        let id = get_u64(params, "model_id").unwrap_or_default();
        let Some(source) = self.model(id) else {
            return Outcome::Error(no_instance(id));
        };
        let template = Model {
            id,
            category: source.category,
            instance: source.instance.clone(),
            material: source.material.clone(),
            color_ramp: source.color_ramp.clone(),
            local_bounds: source.local_bounds,
            coloring: source.coloring.clone(),
            simulation: source.simulation,
            picture: source.picture.clone(),
        };
        if let Err(error) = self.check_room(transforms.len()) {
            return Outcome::Error(error);
        }
        let mut created = Vec::with_capacity(transforms.len());
        for transform in transforms {
            let new_id = self.ids.take();
            let mut model = Model {
                id: new_id,
                category: template.category,
                instance: template.instance.clone(),
                material: template.material.clone(),
                color_ramp: template.color_ramp.clone(),
                local_bounds: template.local_bounds,
                coloring: template.coloring.clone(),
                simulation: template.simulation,
                picture: template.picture.clone(),
            };
            set_if_present(&mut model.instance, "model_id", json!(new_id));
            let mut full = identity_transform();
            merge(&mut full, &transform);
            Self::place(&mut model, full);
            created.push(model.instance.clone());
            self.models.push(model);
        }
        self.result("instantiate-model", Value::Array(created))
    }
}

/// The radius a point of `add-*` geometry grows by, as `computeBounds` grows it
/// (`brayns/engine/geometry/types/`): a sphere's center by its radius, a capsule's p0 by r0
/// and p1 by r1 (`Capsule.cpp`), box and bounded-plane corners by nothing.
fn radius_key(point_key: &str) -> Option<&'static str> {
    match point_key {
        "center" => Some("radius"),
        "p0" => Some("r0"),
        "p1" => Some("r1"),
        _ => None,
    }
}

/// The unturned bounds of `add-*` geometry: every XYZ point found in the items' `geometry`
/// (a bounded plane's in its `bounds`), grown by its own radius.
pub(super) fn geometry_bounds(params: &Value) -> Value {
    let mut min = [f64::INFINITY; 3];
    let mut max = [f64::NEG_INFINITY; 3];
    for item in params.as_array().into_iter().flatten() {
        let Some(geometry) = item.get("geometry").and_then(Value::as_object) else {
            continue;
        };
        let bounded = geometry.get("bounds").and_then(Value::as_object);
        for (key, value) in geometry.iter().chain(bounded.into_iter().flatten()) {
            let Some(point) = value.as_array().filter(|items| items.len() == 3) else {
                continue;
            };
            let radius = radius_key(key)
                .and_then(|radius| geometry.get(radius)?.as_f64())
                .unwrap_or(0.0);
            for axis in 0..3 {
                let coordinate = point[axis].as_f64().unwrap_or_default();
                min[axis] = min[axis].min(coordinate - radius);
                max[axis] = max[axis].max(coordinate + radius);
            }
        }
    }
    if min[0].is_infinite() {
        // Nothing with an extent (planes): the empty box, as Brayns reports it.
        return bounds::to_json(None);
    }
    json!({"max": max, "min": min})
}

/// The fields of `add-*` geometries that position them.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Geometry {
    center: Option<[f64; 3]>,
    min: Option<[f64; 3]>,
    max: Option<[f64; 3]>,
    p0: Option<[f64; 3]>,
    p1: Option<[f64; 3]>,
    radius: Option<f64>,
    r0: Option<f64>,
    r1: Option<f64>,
    /// Boxed: a million spheres then carry 8 bytes for it, not 56.
    bounds: Option<Box<Corners>>,
}

/// A bounded plane's box.
#[derive(serde::Deserialize)]
struct Corners {
    min: [f64; 3],
    max: [f64; 3],
}

#[derive(serde::Deserialize)]
struct Item {
    #[serde(default)]
    geometry: Geometry,
}

/// [`geometry_bounds`] from JSON text, with a typed parse (large `add-*` requests).
pub(super) fn geometry_bounds_text(json: &str) -> Value {
    let Ok(items) = serde_json::from_str::<Vec<Item>>(json) else {
        return bounds::to_json(None);
    };
    let mut min = [f64::INFINITY; 3];
    let mut max = [f64::NEG_INFINITY; 3];
    for Item { geometry } in &items {
        let mut grow = |point: [f64; 3], radius: f64| {
            for axis in 0..3 {
                min[axis] = min[axis].min(point[axis] - radius);
                max[axis] = max[axis].max(point[axis] + radius);
            }
        };
        // Each point alone, so that a million spheres cost one branch each.
        if let Some(center) = geometry.center {
            grow(center, geometry.radius.unwrap_or(0.0));
        }
        if let Some(p0) = geometry.p0 {
            grow(p0, geometry.r0.unwrap_or(0.0));
        }
        if let Some(p1) = geometry.p1 {
            grow(p1, geometry.r1.unwrap_or(0.0));
        }
        let corners = geometry
            .bounds
            .as_ref()
            .map(|corners| (corners.min, corners.max));
        for (low, high) in [(geometry.min, geometry.max), corners.unzip()] {
            for corner in [low, high].into_iter().flatten() {
                grow(corner, 0.0);
            }
        }
    }
    if min[0].is_infinite() {
        // Nothing with an extent (planes): the empty box, as Brayns reports it.
        return bounds::to_json(None);
    }
    json!({"max": max, "min": min})
}
