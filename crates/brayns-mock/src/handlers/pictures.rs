//! What the pictures of `snapshot`, `render-image` and `export-gbuffers` show, read from the
//! state: the current camera (type, its parameters, view, near clip, image region) and
//! renderer background, each overridden by a request's own `camera`, `camera_view`,
//! `camera_near_clip`, `image_start`, `image_end` and `renderer` as
//! `brayns/network/entrypoints/SnapshotEntrypoint.cpp` (and `ExportGBuffersEntrypoint.cpp`)
//! fill their params from the engine before reading the request's; and the visible models.

use std::sync::Arc;

use glam::DVec3;

use super::*;
use crate::picture::{self, Camera, Picture, Projection};

/// The color of models drawn as their bounds (loaded files, atlas use cases).
const BOUNDS_COLOR: [f64; 4] = [0.75, 0.75, 0.75, 1.0];

/// Brayns' defaults when a request names a camera or renderer type
/// (`Perspective.h`, `Orthographic.h`, the cylindric plugin's `Cylindric.h`; both renderers'
/// background, as the mock reports it).
const DEFAULT_FOVY: f64 = 45.0;
const DEFAULT_CYLINDRIC_FOVY: f64 = 48.549;
const DEFAULT_HEIGHT: f64 = 1.0;
const DEFAULT_BACKGROUND: [f64; 4] = [0.004, 0.016, 0.102, 0.0];

impl State {
    /// The picture for a request with these params (`Value::Null` for `render-image`, which
    /// has no overrides).
    pub(super) fn picture(&self, params: &Value) -> Picture {
        Picture {
            camera: self.picture_camera(params),
            models: self.picture_models(),
            background: self.picture_background(params),
        }
    }

    fn picture_camera(&self, params: &Value) -> Camera {
        let requested = params.get("camera").unwrap_or(&Value::Null);
        let name = get_str(requested, "name", "");
        let (kind, settings) = if name.is_empty() {
            let kind = self.camera_type.as_str();
            (kind, self.global(&format!("get-camera-{kind}")))
        } else {
            (
                name,
                requested.get("params").cloned().unwrap_or(Value::Null),
            )
        };
        let number =
            |key: &str, default: f64| settings.get(key).and_then(Value::as_f64).unwrap_or(default);
        let projection = match kind {
            "orthographic" => Projection::Orthographic {
                height: number("height", DEFAULT_HEIGHT),
            },
            "cylindric" => Projection::Cylindric {
                fovy: number("fovy", DEFAULT_CYLINDRIC_FOVY),
            },
            _ => Projection::Perspective {
                fovy: number("fovy", DEFAULT_FOVY),
            },
        };
        let view = match params.get("camera_view").filter(|view| view.is_object()) {
            Some(view) => view.clone(),
            None => self.global("get-camera-view"),
        };
        let near_clip = params
            .get("camera_near_clip")
            .and_then(Value::as_f64)
            .unwrap_or_else(|| {
                self.global("get-camera-near-clip")
                    .get("distance")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
            });
        let region = self.global("get-camera-region");
        let corner = |key: &str, default: [f64; 2]| {
            let value = params.get(key).or_else(|| region.get(key));
            pair(value).unwrap_or(default)
        };
        Camera {
            projection,
            position: vector(view.get("position")).unwrap_or(DVec3::ZERO),
            target: vector(view.get("target")).unwrap_or(DVec3::Z),
            up: vector(view.get("up")).unwrap_or(DVec3::Y),
            near_clip,
            // Brayns' own default region flips y (Camera.h: lower (0, 1), upper (1, 0)).
            region: [
                corner("image_start", [0.0, 1.0]),
                corner("image_end", [1.0, 0.0]),
            ],
        }
    }

    fn picture_background(&self, params: &Value) -> [f64; 4] {
        let requested = params.get("renderer").unwrap_or(&Value::Null);
        let name = get_str(requested, "name", "");
        let settings = if name.is_empty() {
            self.global(&format!("get-renderer-{}", self.renderer_type))
        } else {
            requested.get("params").cloned().unwrap_or(Value::Null)
        };
        let color = settings.get("background_color").and_then(Value::as_array);
        match color {
            Some(color) if color.len() == 4 => {
                let channel = |i: usize| color[i].as_f64().unwrap_or(0.0);
                [channel(0), channel(1), channel(2), channel(3)]
            }
            _ => DEFAULT_BACKGROUND,
        }
    }

    fn picture_models(&self) -> Vec<picture::Model> {
        let mut models = Vec::new();
        for model in &self.models {
            if model.instance.get("is_visible").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let part = match (model.category, &model.picture) {
                (Category::Geometry, Some(shapes)) => picture::Part::Geometry(Arc::clone(shapes)),
                (Category::Clipping, Some(shapes)) => picture::Part::Clipping(Arc::clone(shapes)),
                // The box of what the loader read, placed by the model's transform.
                (Category::Loaded, _) => match model.local_bounds {
                    Some((min, max)) => picture::Part::BoundsBox {
                        min: DVec3::from_array(min),
                        max: DVec3::from_array(max),
                        color: BOUNDS_COLOR,
                    },
                    None => continue,
                },
                _ => continue,
            };
            models.push(picture::Model {
                id: model.id,
                part,
                transform: bounds::Transform::from_json(
                    model.instance.get("transform").unwrap_or(&Value::Null),
                )
                .affine(),
            });
        }
        models
    }
}

fn vector(value: Option<&Value>) -> Option<DVec3> {
    let items = value?.as_array().filter(|items| items.len() == 3)?;
    Some(DVec3::new(
        items[0].as_f64()?,
        items[1].as_f64()?,
        items[2].as_f64()?,
    ))
}

fn pair(value: Option<&Value>) -> Option<[f64; 2]> {
    let items = value?.as_array().filter(|items| items.len() == 2)?;
    Some([items[0].as_f64()?, items[1].as_f64()?])
}
