//! Rendering entrypoints: `snapshot`, `export-gbuffers` and `render-image`, with binary replies.

use super::engine::refused;
use super::*;
use crate::picture::Channel;

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

    /// Checks the `renderer` or `camera` object of a snapshot or g-buffers export, as the
    /// server's engine factories do before anything renders: an empty or absent `name` keeps the
    /// current object (its `params` unread); a known type needs `params` valid against the
    /// type's schema (that of `set-<camera|renderer>-<name>`), else -32602 `Invalid engine JSON
    /// schema` with the problems; an unknown name is -32603 `Unknown type name <name>`.
    pub(super) fn check_engine_object(
        &self,
        params: &Value,
        kind: EngineObject,
    ) -> Result<(), RpcError> {
        let object = params.get(kind.property()).unwrap_or(&Value::Null);
        let name = get_str(object, "name", "");
        if name.is_empty() {
            return Ok(());
        }
        let types = self.snapshot.snapshot().engine_types(kind);
        let Some((_, setter)) = types.iter().find(|(type_name, _)| *type_name == name) else {
            return Err(RpcError::new(
                codes::INTERNAL_ERROR,
                format!("Unknown type name {name}"),
            ));
        };
        let Some(schema) = setter.params.as_ref() else {
            return Ok(());
        };
        let problems = validate(schema, object.get("params").unwrap_or(&Value::Null));
        if !problems.is_empty() {
            return Err(
                RpcError::new(codes::INVALID_PARAMS, "Invalid engine JSON schema")
                    .with_data(json!(problems)),
            );
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
        let settings = params.get("image_settings").cloned().unwrap_or(Value::Null);
        let (format_name, quality) = image_encoding(&settings, "png", "quality");
        let (width, height) = match settings.get("size").and_then(Value::as_array) {
            Some(size) if size.len() == 2 => {
                let edge = |i: usize| size[i].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
                (edge(0), edge(1))
            }
            _ => self.viewport(),
        };
        if let Err(error) = self.check_render_setup(params, (width, height)) {
            return Outcome::Error(error);
        }
        let file_path = get_str(params, "file_path", "");
        let downloading = file_path.is_empty();
        context.cancel_on_disconnect(downloading);
        if let Err(stop) = Self::render_loop(context, "Rendering snapshot ...").await {
            return Outcome::Stopped(stop);
        }
        let mut result = self.sample_of("snapshot");
        // Saved on the server, the image takes the format of the file's extension.
        let format = match downloading {
            true => codec(&format_name),
            false => saved_format(file_path),
        };
        let format = match format {
            Ok(format) => format,
            Err(error) => return Outcome::Error(error),
        };
        let payload =
            match self.payload_or(|state| state.image(params, format, width, height, quality)) {
                Ok(payload) => payload,
                Err(error) => return Outcome::Error(error),
            };
        if let Some(buffer) = result.get_mut("color_buffer") {
            set_if_present(buffer, "offset", json!(0));
            set_if_present(buffer, "size", json!(payload.len()));
        }
        if !downloading {
            if let Err(error) = write_file(file_path, &payload) {
                return Outcome::Error(error);
            }
            // Saved on the server: nothing comes back.
            if let Some(buffer) = result.get_mut("color_buffer") {
                set_if_present(buffer, "size", json!(0));
            }
            return self.result("snapshot", result);
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
        let (width, height) = match params.get("resolution").and_then(Value::as_array) {
            Some(size) if size.len() == 2 => {
                let edge = |i: usize| size[i].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
                (edge(0), edge(1))
            }
            _ => self.viewport(),
        };
        if let Err(error) = self.check_render_setup(params, (width, height)) {
            return Outcome::Error(error);
        }
        let channels = channels(params);
        let file_path = get_str(params, "file_path", "");
        let downloading = file_path.is_empty();
        context.cancel_on_disconnect(downloading);
        if let Err(stop) = Self::render_loop(context, "Exporting g-buffers ...").await {
            return Outcome::Stopped(stop);
        }
        let payload = self.payload_or(|state| {
            let floats = channels.iter().map(|channel| channel.components()).sum();
            image::check_gbuffers(width, height, floats)?;
            let picture = state.picture(params);
            Ok(Bytes::from(picture.gbuffers(width, height, &channels)))
        });
        let payload = match payload {
            Ok(payload) => payload,
            Err(error) => return Outcome::Error(error),
        };
        if !downloading {
            // Saved as EXR: `.exr` is added unless the path has it.
            let path = if file_path.ends_with(".exr") {
                file_path.to_owned()
            } else {
                format!("{file_path}.exr")
            };
            return match write_file(&path, &payload) {
                Ok(()) => Outcome::Result("null".to_owned()),
                Err(error) => Outcome::Error(error),
            };
        }
        Outcome::Binary {
            result: "null".to_owned(),
            payload,
        }
    }

    /// `render-image` (`RenderImageEntrypoint.cpp`): renders one frame (all the remaining ones
    /// with `accumulate`) unless the frame already has the renderer's samples per pixel; the
    /// image is sent for a new frame, or when forced (empty before anything was rendered).
    pub(super) fn render_image(&mut self, params: &Value) -> Outcome {
        let send = get_bool(params, "send", true);
        let force = get_bool(params, "force", false);
        if !send && force {
            return params_error("Cannot force sending if send is disabled");
        }
        let (format_name, quality) = image_encoding(params, "jpg", "jpeg_quality");
        let max = self.samples_per_pixel();
        let render = get_bool(params, "render", true);
        let (width, height) = self.viewport();
        if render && (width < 64 || height < 64) {
            // `StaticFrameHandler::setFrameSize`, when the engine commits the viewport.
            return Outcome::Error(refused(
                "Frame size must be greather than or equal to 64x64",
            ));
        }
        let new_frame = if !render {
            false
        } else if get_bool(params, "accumulate", false) {
            let mut frames = 0;
            while self.frame.render(max) {
                frames += 1;
            }
            frames > 0
        } else {
            self.frame.render(max)
        };
        let mut result = self.sample_of("render-image");
        set_if_present(&mut result, "accumulation", json!(self.frame.accumulation));
        set_if_present(&mut result, "max_accumulation", json!(max));
        let result = match self.fit("render-image", result) {
            Ok(result) => text(&result),
            Err(error) => return Outcome::Error(error),
        };
        if !(send && (new_frame || force)) {
            return Outcome::Result(result);
        }
        if !self.frame.committed {
            return Outcome::Binary {
                result,
                payload: Bytes::new(),
            };
        }
        let format = match codec(&format_name) {
            Ok(format) => format,
            Err(error) => return Outcome::Error(error),
        };
        let (width, height) = self.frame.image_size(self.viewport());
        match self.payload_or(|state| state.image(&Value::Null, format, width, height, quality)) {
            Ok(payload) => Outcome::Binary { result, payload },
            Err(error) => Outcome::Error(error),
        }
    }
}

/// The format of an image saved at `path`: its extension (`ImageFormat::fromFilename`), which
/// must name a codec (`ImageCodecRegistry::getCodec`).
fn saved_format(path: &str) -> Result<ImageFormat, RpcError> {
    let extension = std::path::Path::new(path)
        .extension()
        .map(|extension| extension.to_string_lossy().into_owned())
        .unwrap_or_default();
    codec(&extension)
}

/// `FileWriter::write`: the server writes the file itself.
fn write_file(path: &str, data: &[u8]) -> Result<(), RpcError> {
    std::fs::write(path, data)
        .map_err(|_| RpcError::new(codes::INTERNAL_ERROR, format!("Cannot write file '{path}'")))
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

/// The image format name (`format`, `default_format` when absent) and quality (under
/// `quality_key`, 100 when absent, at most 100) an image request asks for; `snapshot` and
/// `render-image` spell them differently. The name is checked only when encoding, after
/// rendering, as in the server ([`codec`]).
fn image_encoding(settings: &Value, default_format: &str, quality_key: &str) -> (String, u8) {
    let format_name = get_str(settings, "format", default_format).to_owned();
    let quality = settings
        .get(quality_key)
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .min(100) as u8;
    (format_name, quality)
}

/// The codec of a format name, case-insensitive (`ImageCodecRegistry::getCodec`): png and jpg
/// (EXR, which Brayns also encodes, is not produced by the mock).
fn codec(name: &str) -> Result<ImageFormat, RpcError> {
    ImageFormat::parse(name).ok_or_else(|| {
        RpcError::new(
            codes::INTERNAL_ERROR,
            format!("Format not supported: '{name}'"),
        )
    })
}
