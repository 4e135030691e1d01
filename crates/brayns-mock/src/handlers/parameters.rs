//! Parameter getters and setters (camera, renderer, application, simulation): what a fresh
//! instance reports, then what the setters changed.

use super::*;

impl State {
    pub(super) fn is_global_getter(&self, method: &str) -> bool {
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
    pub(super) fn global(&self, getter: &str) -> Value {
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
            // The `--plugin` list as given and the `--window-size`
            // (`ApplicationParametersAdapter.h` reads both straight from the parameters).
            "get-application-parameters" => {
                json!({"plugins": self.plugins, "viewport": self.window_size})
            }
            "get-camera-view" => {
                json!({"position": [0.0, 0.0, 1.0], "target": [0.0, 0.0, 0.0], "up": [0.0, 1.0, 0.0]})
            }
            "get-camera-perspective" => {
                json!({"aperture_radius": 0.0, "focus_distance": 1.0, "fovy": 45.0})
            }
            // `brayns/parameters/SimulationParameters.h`: no frames, `dt` 0, and a unit
            // that is always "ms" (a constant there, so no loader can change it).
            "get-simulation-parameters" => {
                json!({"start_frame": 0, "end_frame": 0, "current": 0, "dt": 0.0, "unit": "ms"})
            }
            "get-camera-orthographic" => json!({"height": 1.0}),
            "get-camera-cylindric" => json!({"fovy": 45.0}),
            "get-camera-near-clip" => json!({"distance": 0.0}),
            // `Camera.h`: lower (0, 1), upper (1, 0), which flips y so that the framebuffer's
            // first row is the top of the view.
            "get-camera-region" => json!({"image_end": [1.0, 0.0], "image_start": [0.0, 1.0]}),
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

    pub(super) fn viewport(&self) -> (u32, u32) {
        let parameters = self.global("get-application-parameters");
        let viewport = parameters.get("viewport").and_then(Value::as_array);
        let edge = |i: usize, default: u64| {
            viewport
                .and_then(|v| v.get(i))
                .and_then(Value::as_u64)
                .unwrap_or(default)
                .min(u64::from(u32::MAX)) as u32
        };
        let [width, height] = self.window_size.map(u64::from);
        (edge(0, width), edge(1, height))
    }
}
