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

    /// The current value of a parameter getter: what the setters made of it, else its
    /// [`initial`](Self::initial) value.
    pub(super) fn global(&self, getter: &str) -> Value {
        match self.globals.get(getter) {
            Some(value) => value.clone(),
            None => self.initial(getter),
        }
    }

    /// The defaults a setter's params schema gives its properties (`at` is the JSON pointer
    /// of the object schema inside the params schema, "" for the params themselves).
    pub(super) fn setter_defaults(&self, setter: &str, at: &str) -> Value {
        let defaults: Map<String, Value> = self
            .snapshot
            .entrypoint(setter)
            .and_then(|entrypoint| entrypoint.params.as_ref())
            .and_then(|params| params.pointer(at))
            .and_then(|schema| schema.get("properties"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(key, property)| {
                property
                    .get("default")
                    .map(|default| (key.clone(), default.clone()))
            })
            .collect();
        Value::Object(defaults)
    }

    /// What a fresh instance reports for a parameter getter (and what a camera or renderer
    /// type starts from when it is switched to): the engine's defaults over the setter's
    /// schema defaults over a sample of the getter's schema.
    pub(super) fn initial(&self, getter: &str) -> Value {
        let mut value = self.sample_of(getter);
        let setter = format!("set-{}", &getter["get-".len()..]);
        merge(&mut value, &self.setter_defaults(&setter, ""));
        let fresh = match getter {
            // The `--plugin` list as given and the `--window-size`
            // (`ApplicationParametersAdapter.h` reads both straight from the parameters).
            "get-application-parameters" => {
                json!({"plugins": self.plugins, "viewport": self.window_size})
            }
            // `brayns/engine/camera/View.h`: at the origin, looking down +Z.
            "get-camera-view" => {
                json!({"position": [0.0, 0.0, 0.0], "target": [0.0, 0.0, 1.0], "up": [0.0, 1.0, 0.0]})
            }
            // `brayns/engine/camera/projections/Perspective.h`.
            "get-camera-perspective" => {
                json!({"aperture_radius": 0.0, "focus_distance": 1.0, "fovy": 45.0})
            }
            // `brayns/parameters/SimulationParameters.h`: no frames, `dt` 0, and a unit
            // that is always "ms" (a constant there, so no loader can change it).
            "get-simulation-parameters" => {
                let (end_frame, dt) = self.simulation.unwrap_or((0, 0.0));
                json!({"start_frame": 0, "end_frame": end_frame, "current": 0, "dt": dt, "unit": "ms"})
            }
            "get-camera-orthographic" => json!({"height": 1.0}),
            // `plugins/CylindricCamera/camera/Cylindric.h` (the OpenDeck's field of view).
            "get-camera-cylindric" => json!({"fovy": 48.549}),
            // `brayns/engine/camera/Camera.h`: 1e-6 and the region {(0, 1), (1, 0)}, which
            // `get-camera-region` reports as start = lower, end = upper.
            "get-camera-near-clip" => json!({"distance": 1e-6}),
            "get-camera-region" => json!({"image_end": [1.0, 0.0], "image_start": [0.0, 1.0]}),
            // `brayns/engine/renderer/types/Interactive.h` and `Production.h`.
            "get-renderer-interactive" => json!({
                "ao_samples": 0, "background_color": [0.004, 0.016, 0.102, 0.0],
                "enable_shadows": true, "max_ray_bounces": 3, "samples_per_pixel": 1
            }),
            "get-renderer-production" => {
                json!({"background_color": [0.0, 0.0, 0.0, 1.0], "max_ray_bounces": 3, "samples_per_pixel": 5})
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

    /// `SimulationParameters::reset` (`clear-models`, `clear-renderables`): no frames left.
    pub(super) fn reset_simulation(&mut self) {
        self.simulation = None;
        self.globals.remove("get-simulation-parameters");
    }
}
