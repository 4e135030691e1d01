//! The engine's own rules behind the parameter setters and getters: checks on camera,
//! renderer, simulation and framebuffer values (a refused value changes nothing), what
//! switching the camera or renderer type does, and the framebuffer's accumulation.

use super::*;

/// `std::invalid_argument` thrown by the engine, which the server answers as -32603.
pub(super) fn refused(message: impl Into<String>) -> RpcError {
    RpcError::new(codes::INTERNAL_ERROR, message)
}

fn vector(value: &Value, key: &str) -> Vec<f64> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect()
}

/// The framebuffer of the engine (`brayns/engine/framebuffer/`): static (the default) or
/// progressive, with its accumulated frame count.
#[derive(Default)]
pub(super) struct Frame {
    /// `Some(scale)`: progressive, whose first frame after a change is rendered smaller.
    progressive: Option<u32>,
    /// Frames accumulated since the last change (both resolutions of a progressive one).
    pub(super) accumulation: u64,
    /// The next image comes from the low-resolution frame (progressive only).
    low_res: bool,
    /// A frame exists: the engine committed once since the framebuffer was made.
    pub(super) committed: bool,
    /// The request running set a value equal to the current one (see [`Frame::changed`]).
    pub(super) unchanged: bool,
}

impl Frame {
    /// Something the frame depends on was set: the next commit clears the frame, unless the
    /// value set was the current one.
    pub(super) fn changed(&mut self) {
        if std::mem::take(&mut self.unchanged) {
            return;
        }
        self.accumulation = 0;
        self.low_res = true;
    }

    /// One `commitAndRender` (`Engine::_render`): a new frame while fewer than `max` were
    /// accumulated.
    pub(super) fn render(&mut self, max: u64) -> bool {
        self.committed = true;
        if self.accumulation >= max {
            return false;
        }
        self.accumulation += 1;
        true
    }

    /// The size of the image read now (`ProgressiveFrameHandler::getImage` switches to full
    /// resolution after the first read; `FrameSizeScaler::safeScale` keeps a 64 px minimum).
    pub(super) fn image_size(&mut self, (width, height): (u32, u32)) -> (u32, u32) {
        let Some(scale) = self.progressive else {
            return (width, height);
        };
        if !std::mem::replace(&mut self.low_res, false) {
            return (width, height);
        }
        let safe = (width / 64).max(1).min((height / 64).max(1));
        let applied = scale.min(safe).max(1);
        (width / applied, height / applied)
    }
}

/// The methods after which the next frame starts over (they change what the engine commits).
pub(super) fn changes_the_frame(method: &str) -> bool {
    method.starts_with("set-")
        || method.starts_with("add-")
        || method.starts_with("clear-")
        || matches!(
            method,
            "remove-model"
                | "update-model"
                | "instantiate-model"
                | "color-model"
                | "enable-simulation"
                | "upload-model"
                | "visualize-atlas-usecase"
        )
}

impl State {
    /// The engine object type (`camera`, `renderer`) a getter or setter of `name` is about.
    fn engine_kind(&self, name: &str) -> Option<(EngineObject, String)> {
        for (object, prefix) in [
            (EngineObject::Camera, "camera-"),
            (EngineObject::Renderer, "renderer-"),
        ] {
            if let Some(kind) = name.strip_prefix(prefix)
                && self.is_engine_type(object, kind)
            {
                return Some((object, kind.to_owned()));
            }
        }
        None
    }

    fn current_type(&self, object: EngineObject) -> &str {
        match object {
            EngineObject::Camera => &self.camera_type,
            _ => &self.renderer_type,
        }
    }

    /// A parameter getter: a camera or renderer getter answers only for the current type
    /// (`GetCameraEntrypoint`, `GetRendererEntrypoint`).
    pub(super) fn get_parameters(&self, method: &str) -> Outcome {
        if let Some((object, kind)) = self.engine_kind(&method["get-".len()..]) {
            let current = self.current_type(object);
            if current != kind {
                let what = match object {
                    EngineObject::Camera => "camera",
                    _ => "renderer",
                };
                return Outcome::Error(RpcError::new(
                    codes::INVALID_REQUEST,
                    format!("Invalid {what} type (should be '{current}')"),
                ));
            }
        }
        let value = self.global(method);
        self.result(method, value)
    }

    /// A parameter setter: the new value is the current one (or, when the camera or renderer
    /// type changes, the new type's defaults) with the params over it; it is checked as the
    /// engine checks it and kept only when accepted.
    pub(super) fn set_parameters(&mut self, method: &str, params: &Value) -> Outcome {
        let name = &method["set-".len()..];
        let getter = format!("get-{name}");
        let engine_kind = self.engine_kind(name);
        let mut value = match &engine_kind {
            Some((object, kind)) if self.current_type(*object) != kind => self.initial(&getter),
            _ => self.global(&getter),
        };
        let checked = match name {
            "simulation-parameters" => self.simulation_update(&mut value, params),
            "framebuffer-progressive" => {
                // A new handler: nothing accumulated, its first image small. (The schema
                // keeps the scale at 1 or more.)
                let scale = get_u64(params, "scale")
                    .unwrap_or(1)
                    .clamp(1, u64::from(u32::MAX));
                self.frame = Frame {
                    progressive: Some(scale as u32),
                    low_res: true,
                    ..Frame::default()
                };
                Ok(())
            }
            "framebuffer-static" => {
                self.frame = Frame::default();
                Ok(())
            }
            _ => {
                merge(&mut value, params);
                check(name, &value)
            }
        };
        if let Err(error) = checked {
            return Outcome::Error(error);
        }
        // Camera view, near clip, region, the viewport and the simulation frame are compared
        // with their current value (`ModifiedFlag::update`): setting the same value leaves the
        // frame as it is. Projections, renderers and framebuffers are replaced, which always
        // counts as a change.
        if matches!(
            name,
            "camera-view"
                | "camera-near-clip"
                | "camera-region"
                | "application-parameters"
                | "simulation-parameters"
        ) && value == self.global(&getter)
        {
            self.frame.unchanged = true;
        }
        match engine_kind {
            Some((EngineObject::Camera, kind)) => self.camera_type = kind,
            Some((_, kind)) => self.renderer_type = kind,
            None => {}
        }
        if self.is_global_getter(&getter) {
            self.globals.insert(getter, value);
        }
        Outcome::Result("null".to_owned())
    }

    /// `set-simulation-parameters` sets `current` only, within the frame range
    /// (`SimulationParametersAdapter.h`, `SimulationParameters::setFrame`).
    fn simulation_update(&self, value: &mut Value, params: &Value) -> Result<(), RpcError> {
        let Some(current) = get_u64(params, "current") else {
            return Ok(());
        };
        let start = get_u64(value, "start_frame").unwrap_or(0);
        let end = get_u64(value, "end_frame").unwrap_or(0);
        if current < start || current > end {
            return Err(refused("Simulation frame out of range"));
        }
        set_if_present(value, "current", json!(current));
        Ok(())
    }

    /// What `snapshot` and `export-gbuffers` check before rendering, in their order
    /// (`SnapshotEntrypoint.cpp`, `ExportGBuffersEntrypoint.cpp`): the simulation frame, the
    /// renderer, the image size, the camera, then its view, near clip and region (each
    /// defaulting to the current one).
    pub(super) fn check_render_setup(
        &self,
        params: &Value,
        (width, height): (u32, u32),
    ) -> Result<(), RpcError> {
        if let Some(frame) = get_u64(params, "simulation_frame") {
            let mut simulation = self.global("get-simulation-parameters");
            self.simulation_update(&mut simulation, &json!({"current": frame}))?;
        }
        self.check_engine_object(params, EngineObject::Renderer)?;
        if width < 64 || height < 64 {
            return Err(refused(
                "Frame size must be greather than or equal to 64x64",
            ));
        }
        self.check_engine_object(params, EngineObject::Camera)?;
        if let Some(view) = params.get("camera_view") {
            check("camera-view", view)?;
        }
        if let Some(distance) = params.get("camera_near_clip") {
            check("camera-near-clip", &json!({"distance": distance}))?;
        }
        let mut region = json!({});
        for key in ["image_start", "image_end"] {
            if let Some(corner) = params.get(key) {
                region[key] = corner.clone();
            }
        }
        check("camera-region", &region)
    }

    /// The renderer's samples per pixel: how many frames accumulate before rendering stops.
    pub(super) fn samples_per_pixel(&self) -> u64 {
        let getter = format!("get-renderer-{}", self.renderer_type);
        get_u64(&self.global(&getter), "samples_per_pixel").unwrap_or(1)
    }
}

/// The checks the engine makes on a new value of `name` (`brayns/engine/camera/Camera.cpp`,
/// the projections' and renderers' `checkParameters`).
fn check(name: &str, value: &Value) -> Result<(), RpcError> {
    let number = |key: &str| value.get(key).and_then(Value::as_f64);
    match name {
        "camera-perspective" if number("fovy").is_some_and(|fovy| fovy <= 0.0) => {
            Err(refused("Perspective fovy must be greater than 0"))
        }
        "camera-orthographic" if number("height").is_some_and(|height| height <= 0.0) => {
            Err(refused("Orthographic height must be greater than 0"))
        }
        "camera-cylindric" if number("fovy").is_some_and(|fovy| fovy <= 0.0) => {
            Err(refused("Fovy must be greater than 0"))
        }
        "camera-near-clip" if number("distance").is_some_and(|distance| distance < 0.0) => {
            Err(refused("Near clipping distance cannot be < 0"))
        }
        "camera-region" => {
            let corners = [vector(value, "image_start"), vector(value, "image_end")];
            if corners
                .iter()
                .flatten()
                .any(|coordinate| !(0.0..=1.0).contains(coordinate))
            {
                return Err(refused("Image region should be normalized and not empty"));
            }
            Ok(())
        }
        "camera-view" => check_view(value),
        _ if name.starts_with("renderer-") => {
            let limit = f64::from(i32::MAX);
            for (key, what) in [
                ("ao_samples", "ao samples"),
                ("max_ray_bounces", "ray bounces"),
                ("samples_per_pixel", "samples per pixel"),
            ] {
                if number(key).is_some_and(|count| count > limit) {
                    return Err(refused(format!("{what} cannot be higher than 2^31")));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `ViewIntegrity` of `Camera.cpp`: a view needs a direction, an up vector, and the two must
/// not be aligned.
fn check_view(value: &Value) -> Result<(), RpcError> {
    let position = vector(value, "position");
    let target = vector(value, "target");
    let up = vector(value, "up");
    if position.len() != 3 || target.len() != 3 || up.len() != 3 {
        return Ok(());
    }
    if position == target {
        return Err(refused("View position cannot be equal to view target"));
    }
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    if dot(&up, &up) == 0.0 {
        return Err(refused("View up cannot be zero length"));
    }
    let direction: Vec<f64> = target.iter().zip(&position).map(|(t, p)| t - p).collect();
    // In single precision, as the engine computes it: nearly aligned vectors count as aligned.
    let cosine = dot(&direction, &up) / (dot(&direction, &direction) * dot(&up, &up)).sqrt();
    if (cosine.abs() as f32) == 1.0 {
        return Err(refused("View direction and up cannot be aligned"));
    }
    Ok(())
}
