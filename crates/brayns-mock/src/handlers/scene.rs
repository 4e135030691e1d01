//! The scene: models added by `add-*`, loaded or instantiated, their ids, materials and color
//! ramps, as `get-scene`/`get-model` list them.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Category {
    Geometry,
    Light,
    Clipping,
    Loaded,
}

pub(super) struct Model {
    pub(super) id: u64,
    pub(super) category: Category,
    pub(super) instance: Value,
    pub(super) material: Option<(String, Value)>,
    pub(super) color_ramp: Option<Value>,
    /// The primitives of `add-*` geometry and `add-clip*` models, for pictures.
    pub(super) picture: Option<std::sync::Arc<Shapes>>,
}

/// Ids like Brayns' `IDFactory`: released ids are reused first.
#[derive(Default)]
pub(super) struct Ids {
    pub(super) next: u64,
    pub(super) released: VecDeque<u64>,
}

impl Ids {
    pub(super) fn take(&mut self) -> u64 {
        self.released.pop_front().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }

    pub(super) fn release(&mut self, id: u64) {
        self.released.push_back(id);
    }
}

pub(super) fn model_not_found(id: u64) -> RpcError {
    RpcError::new(
        codes::INTERNAL_ERROR,
        format!("No instance with id {id} was found"),
    )
}

pub(super) fn identity_transform() -> Value {
    json!({"rotation": [0.0, 0.0, 0.0, 1.0], "scale": [1.0, 1.0, 1.0], "translation": [0.0, 0.0, 0.0]})
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

    /// Every request naming a model (`model_id`, `id`, `ids`) needs it to exist, as in the server.
    pub(super) fn check_model_ids(&self, params: &Value) -> Result<(), RpcError> {
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
    pub(super) fn add(
        &mut self,
        category: Category,
        model_type: &str,
        load: Value,
        bounds: Option<Value>,
    ) -> Result<Value, RpcError> {
        self.check_room(1)?;
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
            picture: None,
        });
        Ok(instance)
    }

    pub(super) fn remove_models(&mut self, remove: impl Fn(&Model) -> bool) {
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

    pub(super) fn clear(&mut self, remove: impl Fn(Category) -> bool) -> Outcome {
        self.remove_models(|model| remove(model.category));
        if self.models.is_empty() {
            self.ids = Ids::default();
        }
        Outcome::Result("null".to_owned())
    }

    pub(super) fn get_scene(&self) -> Outcome {
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

    pub(super) fn update_model(&mut self, params: &Value) -> Outcome {
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

    pub(super) fn instantiate(&mut self, params: &Value) -> Outcome {
        let id = get_u64(params, "model_id").unwrap_or_default();
        let Some(source) = self.model(id) else {
            return Outcome::Error(model_not_found(id));
        };
        let (category, template, material, picture) = (
            source.category,
            source.instance.clone(),
            source.material.clone(),
            source.picture.clone(),
        );
        let transforms = params
            .get("transforms")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Err(error) = self.check_room(transforms.len()) {
            return Outcome::Error(error);
        }
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
                picture: picture.clone(),
            });
            created.push(instance);
        }
        self.result("instantiate-model", Value::Array(created))
    }

    pub(super) fn default_color_ramp(&self) -> Value {
        let mut ramp = self.sample_of("get-color-ramp");
        set_if_present(
            &mut ramp,
            "colors",
            json!([[0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]]),
        );
        set_if_present(&mut ramp, "range", json!([0.0, 1.0]));
        ramp
    }
}

pub(super) fn read_bounds(instance: &Value) -> Option<([f64; 3], [f64; 3])> {
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
pub(super) fn geometry_bounds(params: &Value) -> Value {
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
}

#[derive(serde::Deserialize)]
struct Item {
    #[serde(default)]
    geometry: Geometry,
}

/// [`geometry_bounds`] from JSON text, with a typed parse (large `add-*` requests).
pub(super) fn geometry_bounds_text(json: &str) -> Value {
    let Ok(items) = serde_json::from_str::<Vec<Item>>(json) else {
        return json!({"max": [0.0, 0.0, 0.0], "min": [0.0, 0.0, 0.0]});
    };
    let mut min = [f64::INFINITY; 3];
    let mut max = [f64::NEG_INFINITY; 3];
    for Item { geometry } in &items {
        let radius = [geometry.radius, geometry.r0, geometry.r1]
            .into_iter()
            .flatten()
            .fold(0.0, f64::max);
        for point in [
            geometry.center,
            geometry.min,
            geometry.max,
            geometry.p0,
            geometry.p1,
        ]
        .into_iter()
        .flatten()
        {
            for axis in 0..3 {
                min[axis] = min[axis].min(point[axis] - radius);
                max[axis] = max[axis].max(point[axis] + radius);
            }
        }
    }
    if min[0].is_infinite() {
        return json!({"max": [0.0, 0.0, 0.0], "min": [0.0, 0.0, 0.0]});
    }
    json!({"max": max, "min": min})
}
