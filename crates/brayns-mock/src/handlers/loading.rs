//! `add-model` and `upload-model`: loader checks, loader-style progress, new models.

use super::*;

impl State {
    pub(super) fn check_loader(&self, params: &Value) -> Result<(), RpcError> {
        let name = get_str(params, "loader_name", "");
        let known = self
            .snapshot
            .loaders()
            .is_none_or(|loaders| loaders.iter().any(|loader| loader.name == name));
        if known {
            Ok(())
        } else {
            Err(RpcError::new(
                codes::INVALID_PARAMS,
                format!("Loader '{name}' not found"),
            ))
        }
    }

    pub(super) fn loaded_model_type(loader: &str) -> &'static str {
        let loader = loader.to_ascii_lowercase();
        if loader.contains("mesh") {
            "mesh"
        } else if loader.contains("volume") || loader.contains("nrrd") {
            "volume"
        } else {
            "neurons"
        }
    }

    pub(super) async fn add_model(
        &mut self,
        context: &mut TaskContext<'_>,
        params: &Value,
    ) -> Outcome {
        if let Err(error) = self.check_loader(params) {
            return Outcome::Error(error);
        }
        // add-model keeps loading when its client leaves (no onDisconnect in the server).
        context.cancel_on_disconnect(false);
        let path = get_str(params, "path", "");
        let steps = context.config().progress_steps.max(1);
        for step in 0..steps {
            context.step().await;
            let operation = format!("Loading {path} ...");
            if let Err(stop) = context.progress(&operation, f64::from(step) / f64::from(steps)) {
                return Outcome::Stopped(stop);
            }
        }
        let loader = get_str(params, "loader_name", "");
        let model_type = Self::loaded_model_type(loader);
        match self.add(Category::Loaded, model_type, params.clone(), None) {
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
        if binary.is_empty() {
            // The server's own typo.
            return params_error("Mo model binary data");
        }
        if let Err(error) = self.check_loader(params) {
            return Outcome::Error(error);
        }
        context.cancel_on_disconnect(true);
        if let Err(stop) = context.progress("Model uploaded", 0.5) {
            return Outcome::Stopped(stop);
        }
        let steps = context.config().progress_steps.max(1);
        for step in 0..steps {
            context.step().await;
            let amount = 0.5 + 0.5 * f64::from(step) / f64::from(steps);
            if let Err(stop) = context.progress("Loading blob ...", amount) {
                return Outcome::Stopped(stop);
            }
        }
        let loader = get_str(params, "loader_name", "");
        let model_type = Self::loaded_model_type(loader);
        let mut load = params.clone();
        if let Some(object) = load.as_object_mut() {
            object.remove("path");
        }
        match self.add(Category::Loaded, model_type, load, None) {
            Ok(instance) => self.result("upload-model", Value::Array(vec![instance])),
            Err(error) => Outcome::Error(error),
        }
    }
}
