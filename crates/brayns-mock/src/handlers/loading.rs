//! `add-model` and `upload-model`: the server's checks in its order
//! (`AddModelEntrypoint.cpp`, `UploadModelEntrypoint.cpp`, `LoaderHelper.cpp`), the files the
//! loaders read (`brayns/utils/FileReader.cpp`), loader-style progress, new models.

use brayns_snapshot::Loader;

use super::bounds;
use super::mesh_file;
use super::scene::{Coloring, NewModel};
use super::*;

/// Loaders that read their file whole through `FileReader` before anything else, so a
/// missing file fails the same way for all of them. The circuit loaders open their files
/// through their own libraries (errors the mock does not model).
const FILE_READERS: [&str; 7] = [
    "mesh",
    "raw-volume",
    "mhd-volume",
    "NRRD loader",
    "DTI loader",
    "protein",
    "xyz",
];

/// The format of a path as `LoaderFormat::fromPath` names it: the extension in lower case
/// without its dot, or the whole file name when there is none.
fn format_of(path: &str) -> String {
    let path = std::path::Path::new(path);
    match path.extension() {
        Some(extension) => extension.to_string_lossy().to_lowercase(),
        None => path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// Whether `loader` lists `format` (extensions are listed with or without their dot).
fn reads_format(loader: &Loader, format: &str) -> bool {
    loader.extensions.iter().any(|extension| {
        extension
            .trim_start_matches('.')
            .eq_ignore_ascii_case(format)
    })
}

/// `FileReader::read`: the file's bytes, or its error (-32603).
fn read_file(path: &str) -> Result<Vec<u8>, RpcError> {
    let refused = |message: String| RpcError::new(codes::INTERNAL_ERROR, message);
    let file = std::path::Path::new(path);
    if !file.exists() {
        return Err(refused(format!("File {path} does not exists")));
    }
    if !file.is_file() {
        return Err(refused(format!("File {path} is not a regular file")));
    }
    std::fs::read(file).map_err(|_| refused(format!("Cannot read file '{path}'")))
}

/// Bytes per voxel of a raw volume's `data_type` (`VolumeLoader.cpp`).
fn voxel_size(data_type: &str) -> Option<u64> {
    match data_type {
        // Brayns spells it so in its enum.
        "unsinged_char" => Some(1),
        "short" | "unsigned_short" | "half_float" => Some(2),
        "float" => Some(4),
        "double" => Some(8),
        _ => None,
    }
}

/// Whether circuit loader properties ask for a report: a `report_type` other than "none"
/// anywhere in them (BBP and SONATA loaders name it so).
fn has_report(load: &Value) -> bool {
    match load {
        Value::Object(fields) => fields.iter().any(|(key, value)| {
            (key == "report_type" && value.as_str().is_some_and(|kind| kind != "none"))
                || has_report(value)
        }),
        Value::Array(items) => items.iter().any(has_report),
        _ => false,
    }
}

impl State {
    /// `LoaderHelper::findAndValidate`: by name when one is given, else by format; then the
    /// loader properties against the loader's schema. Answers the loader's name.
    fn find_loader(&self, params: &Value, format: &str) -> Result<String, RpcError> {
        let name = get_str(params, "loader_name", "");
        let Some(loaders) = self.snapshot.loaders() else {
            // A snapshot without `get-loaders`: any name goes.
            return Ok(name.to_owned());
        };
        let found = if name.is_empty() {
            loaders
                .iter()
                .find(|loader| reads_format(loader, format))
                .ok_or_else(|| {
                    RpcError::new(
                        codes::INVALID_PARAMS,
                        format!("Unsupported file format: '{format}'"),
                    )
                })?
        } else {
            loaders
                .iter()
                .find(|loader| loader.name == name)
                .ok_or_else(|| {
                    RpcError::new(
                        codes::INVALID_PARAMS,
                        format!("Invalid loader name: '{name}'"),
                    )
                })?
        };
        let properties = params.get("loader_properties").unwrap_or(&Value::Null);
        let problems = validate(&found.properties, properties);
        if !problems.is_empty() {
            return Err(
                RpcError::new(codes::INVALID_PARAMS, "Invalid loader params schema")
                    .with_data(json!(problems)),
            );
        }
        if found.binary == Some(false) && params.get("type").is_some() {
            return Err(RpcError::new(
                codes::INVALID_PARAMS,
                format!("Loader '{}' cannot load binary", found.name),
            ));
        }
        Ok(found.name.clone())
    }

    /// The model a loader makes of `data` (the file's or the upload's bytes).
    fn loaded_model(
        loader: &str,
        format: &str,
        data: Option<&[u8]>,
        load: Value,
    ) -> Result<NewModel, RpcError> {
        let model_type = match loader {
            "mesh" => "mesh",
            "raw-volume" | "mhd-volume" => "Volume",
            "NRRD loader" => "atlas",
            "DTI loader" => "dti",
            "protein" => "protein",
            "xyz" => "xyz",
            "Neuron Morphology loader" => "morphology",
            _ => "neurons",
        };
        let mut new = NewModel::new(Category::Loaded, model_type);
        // Where the mock reads nothing: a unit box around the origin.
        new.local_bounds = Some(([-1.0; 3], [1.0; 3]));
        new.coloring = Coloring::Sampled;
        match (loader, data) {
            ("mesh", Some(data)) => {
                if let Some(mesh) = mesh_file::parse(format, data) {
                    if mesh.vertices.is_empty() {
                        return Err(RpcError::new(codes::INTERNAL_ERROR, "No meshes found"));
                    }
                    new.local_bounds = bounds::of_points(mesh.vertices.iter().copied());
                    new.metadata = json!({
                        "meshes": "1",
                        "vertices": mesh.vertices.len().to_string(),
                        "faces": mesh.triangles.to_string(),
                    });
                    new.coloring = Coloring::Primitives {
                        name: "triangle",
                        count: mesh.triangles,
                    };
                }
            }
            ("raw-volume", Some(data)) => {
                let properties = load.get("loader_properties").unwrap_or(&Value::Null);
                let triple = |key: &str| -> [f64; 3] {
                    let items = properties.get(key).and_then(Value::as_array);
                    std::array::from_fn(|axis| {
                        items
                            .and_then(|items| items.get(axis))
                            .and_then(Value::as_f64)
                            .unwrap_or(0.0)
                    })
                };
                let dimensions = triple("dimensions");
                let voxels: f64 = dimensions.iter().product();
                if voxels == 0.0 {
                    return Err(RpcError::new(
                        codes::INTERNAL_ERROR,
                        "Volume dimensions are empty",
                    ));
                }
                let voxel = voxel_size(get_str(properties, "data_type", "")).unwrap_or(1);
                if voxels * voxel as f64 != data.len() as f64 {
                    return Err(RpcError::new(
                        codes::INTERNAL_ERROR,
                        "Data size and expected size mismatch",
                    ));
                }
                let spacing = triple("spacing");
                let size: [f64; 3] = std::array::from_fn(|axis| dimensions[axis] * spacing[axis]);
                new.local_bounds = bounds::of_points([[0.0; 3], size]);
            }
            _ => {}
        }
        // Volumes come with a color ramp (`VolumeDataSystem.cpp`) and no material; circuits
        // loaded with a report have a simulation and a color ramp (`ReportFactory.cpp`).
        new.simulation = has_report(&load);
        new.color_ramp = model_type == "Volume" || new.simulation;
        new.load = load;
        Ok(new)
    }

    /// Adds a loaded model, unless it is a volume: volumes have no material.
    fn add_loaded(&mut self, new: NewModel) -> Result<Value, RpcError> {
        let volume = new.model_type == "Volume";
        let instance = self.add(new)?;
        if volume && let Some(model) = self.models.last_mut() {
            model.material = None;
        }
        Ok(instance)
    }

    pub(super) async fn add_model(
        &mut self,
        context: &mut TaskContext<'_>,
        params: &Value,
    ) -> Outcome {
        let path = get_str(params, "path", "");
        if path.is_empty() {
            return params_error("Missing model path");
        }
        let format = format_of(path);
        let loader = match self.find_loader(params, &format) {
            Ok(loader) => loader,
            Err(error) => return Outcome::Error(error),
        };
        let data = if FILE_READERS.contains(&loader.as_str()) {
            match read_file(path) {
                Ok(data) => Some(data),
                Err(error) => return Outcome::Error(error),
            }
        } else {
            None
        };
        // add-model keeps loading when its client leaves (no onDisconnect in the server).
        context.cancel_on_disconnect(false);
        let steps = context.config().progress_steps.max(1);
        for step in 0..steps {
            context.step().await;
            let operation = format!("Loading {path} ...");
            if let Err(stop) = context.progress(&operation, f64::from(step) / f64::from(steps)) {
                return Outcome::Stopped(stop);
            }
        }
        let new = match Self::loaded_model(&loader, &format, data.as_deref(), params.clone()) {
            Ok(new) => new,
            Err(error) => return Outcome::Error(error),
        };
        match self.add_loaded(new) {
            Ok(instance) => self.result("add-model", Value::Array(vec![instance])),
            Err(error) => Outcome::Error(error),
        }
    }

    pub(super) async fn upload_model(
        &mut self,
        context: &mut TaskContext<'_>,
        params: &Value,
        binary: &Bytes,
    ) -> Outcome {
        let format = get_str(params, "type", "").to_owned();
        if format.is_empty() {
            return params_error("No model type");
        }
        if binary.is_empty() {
            // The server's own typo.
            return params_error("Mo model binary data");
        }
        context.cancel_on_disconnect(true);
        if let Err(stop) = context.progress("Model uploaded", 0.5) {
            return Outcome::Stopped(stop);
        }
        let loader = match self.find_loader(params, &format) {
            Ok(loader) => loader,
            Err(error) => return Outcome::Error(error),
        };
        let steps = context.config().progress_steps.max(1);
        for step in 0..steps {
            context.step().await;
            let amount = 0.5 + 0.5 * f64::from(step) / f64::from(steps);
            if let Err(stop) = context.progress("Loading blob ...", amount) {
                return Outcome::Stopped(stop);
            }
        }
        let mut load = params.clone();
        if let Some(object) = load.as_object_mut() {
            object.remove("path");
        }
        let format = format.trim_start_matches('.').to_lowercase();
        let new = match Self::loaded_model(&loader, &format, Some(binary), load) {
            Ok(new) => new,
            Err(error) => return Outcome::Error(error),
        };
        match self.add_loaded(new) {
            Ok(instance) => self.result("upload-model", Value::Array(vec![instance])),
            Err(error) => Outcome::Error(error),
        }
    }
}
