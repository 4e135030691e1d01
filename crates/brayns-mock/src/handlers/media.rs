//! Rendering entrypoints: `snapshot`, `export-gbuffers` and `render-image`, with binary replies.

use super::*;
use crate::picture::Channel;

/// How many frames `render-image` accumulates before it stops rendering new ones.
pub(super) const MAX_ACCUMULATION: u64 = 16;

impl State {
    /// Runs the simulated render loop of snapshot / export-gbuffers: a first progress at once,
    /// then one per step.
    pub(super) async fn render_loop(
        context: &TaskContext<'_>,
        operation: &str,
    ) -> Result<(), Stop> {
        let steps = context.config().progress_steps.max(1);
        context.progress(operation, 0.0)?;
        for step in 1..steps {
            context.step().await;
            context.progress(operation, f64::from(step) / f64::from(steps))?;
        }
        context.step().await;
        context.poll()
    }

    /// Checks the `renderer`, then the `camera` object of a snapshot or g-buffers export, as the
    /// server's engine factories do before anything renders: an empty or absent `name` keeps the
    /// current object (its `params` unread); a known type needs `params` valid against the
    /// type's schema (that of `set-<camera|renderer>-<name>`), else -32602 `Invalid engine JSON
    /// schema` with the problems; an unknown name is -32603 `Unknown type name <name>`.
    fn check_engine_objects(&self, params: &Value) -> Result<(), RpcError> {
        for kind in [EngineObject::Renderer, EngineObject::Camera] {
            let object = params.get(kind.property()).unwrap_or(&Value::Null);
            let name = get_str(object, "name", "");
            if name.is_empty() {
                continue;
            }
            let types = self.snapshot.snapshot().engine_types(kind);
            let Some((_, setter)) = types.iter().find(|(type_name, _)| *type_name == name) else {
                return Err(RpcError::new(
                    codes::INTERNAL_ERROR,
                    format!("Unknown type name {name}"),
                ));
            };
            let Some(schema) = setter.params.as_ref() else {
                continue;
            };
            let problems = validate(schema, object.get("params").unwrap_or(&Value::Null));
            if !problems.is_empty() {
                return Err(
                    RpcError::new(codes::INVALID_PARAMS, "Invalid engine JSON schema")
                        .with_data(json!(problems)),
                );
            }
        }
        Ok(())
    }

    pub(super) fn payload_or(
        &mut self,
        make: impl FnOnce(&mut Self) -> Result<Bytes, String>,
    ) -> Result<Bytes, RpcError> {
        match &self.filler {
            Some(filler) => Ok(filler.clone()),
            None => make(self).map_err(|message| RpcError::new(codes::INTERNAL_ERROR, message)),
        }
    }

    pub(super) async fn snapshot_image(
        &mut self,
        context: &mut TaskContext<'_>,
        params: &Value,
    ) -> Outcome {
        if let Err(error) = self.check_engine_objects(params) {
            return Outcome::Error(error);
        }
        let settings = params.get("image_settings").cloned().unwrap_or(Value::Null);
        let (format, quality) = match image_encoding(&settings, "png", "quality") {
            Ok(encoding) => encoding,
            Err(error) => return error,
        };
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
            match self.payload_or(|state| state.image(params, format, width, height, quality)) {
                Ok(payload) => payload,
                Err(error) => return Outcome::Error(error),
            };
        if let Some(buffer) = result.get_mut("color_buffer") {
            set_if_present(buffer, "offset", json!(0));
            set_if_present(buffer, "size", json!(payload.len()));
        }
        match self.fit("snapshot", result) {
            Ok(result) => Outcome::Binary {
                result: text(&result),
                payload,
            },
            Err(error) => Outcome::Error(error),
        }
    }

    pub(super) async fn export_gbuffers(
        &mut self,
        context: &mut TaskContext<'_>,
        params: &Value,
    ) -> Outcome {
        if let Err(error) = self.check_engine_objects(params) {
            return Outcome::Error(error);
        }
        let (width, height) = match params.get("resolution").and_then(Value::as_array) {
            Some(size) if size.len() == 2 => {
                let edge = |i: usize| size[i].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
                (edge(0), edge(1))
            }
            _ => self.viewport(),
        };
        let channels = channels(params);
        let file_path = get_str(params, "file_path", "");
        let downloading = file_path.is_empty();
        context.cancel_on_disconnect(downloading);
        if let Err(stop) = Self::render_loop(context, "Exporting g-buffers ...").await {
            return Outcome::Stopped(stop);
        }
        if !downloading {
            return Outcome::Result("null".to_owned());
        }
        match self.payload_or(|state| {
            let floats = channels.iter().map(|channel| channel.components()).sum();
            image::check_gbuffers(width, height, floats)?;
            let picture = state.picture(params);
            Ok(Bytes::from(picture.gbuffers(width, height, &channels)))
        }) {
            Ok(payload) => Outcome::Binary {
                result: "null".to_owned(),
                payload,
            },
            Err(error) => Outcome::Error(error),
        }
    }

    pub(super) fn render_image(&mut self, params: &Value) -> Outcome {
        let send = get_bool(params, "send", true);
        let force = get_bool(params, "force", false);
        if !send && force {
            return params_error("Cannot force sending if send is disabled");
        }
        let (format, quality) = match image_encoding(params, "jpg", "jpeg_quality") {
            Ok(encoding) => encoding,
            Err(error) => return error,
        };
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
        let result = match self.fit("render-image", result) {
            Ok(result) => text(&result),
            Err(error) => return Outcome::Error(error),
        };
        if !(send && (new_frame || force)) {
            return Outcome::Result(result);
        }
        let (width, height) = self.viewport();
        match self.payload_or(|state| state.image(&Value::Null, format, width, height, quality)) {
            Ok(payload) => Outcome::Binary { result, payload },
            Err(error) => Outcome::Error(error),
        }
    }
}

/// The channels an `export-gbuffers` request names, each once, in its order (color when it
/// names none). The schema allows repeats; a channel named twice is still one buffer, so a
/// long list cannot multiply the payload.
fn channels(params: &Value) -> Vec<Channel> {
    let mut channels = Vec::new();
    let names = params.get("channels").and_then(Value::as_array);
    for channel in names
        .into_iter()
        .flatten()
        .filter_map(|name| Channel::parse(name.as_str()?))
    {
        if !channels.contains(&channel) {
            channels.push(channel);
        }
    }
    if channels.is_empty() {
        channels.push(Channel::Color);
    }
    channels
}

impl State {
    /// The encoded picture a request asks for (`params` holds its overrides of the camera and
    /// renderer), from the cache when the same picture was encoded already.
    fn image(
        &mut self,
        params: &Value,
        format: ImageFormat,
        width: u32,
        height: u32,
        quality: u8,
    ) -> Result<Bytes, String> {
        let picture = self.picture(params);
        let key = picture.key();
        self.images.get(format, width, height, quality, key, || {
            picture.rgba(width, height)
        })
    }
}

/// The image format (`format`, `default_format` when absent) and quality (under
/// `quality_key`, 100 when absent, at most 100) an image request asks for; `snapshot` and
/// `render-image` spell them differently.
fn image_encoding(
    settings: &Value,
    default_format: &str,
    quality_key: &str,
) -> Result<(ImageFormat, u8), Outcome> {
    let format_name = get_str(settings, "format", default_format);
    let format = ImageFormat::parse(format_name)
        .ok_or_else(|| params_error(format!("Unsupported image format '{format_name}'")))?;
    let quality = settings
        .get(quality_key)
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .min(100) as u8;
    Ok((format, quality))
}
