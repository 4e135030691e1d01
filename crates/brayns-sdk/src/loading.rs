//! Loading files: which of an instance's loaders read a file, and loading one with a
//! loader's typed properties in one call.

// Each feature's items sit in a module of their own, so their imports cannot clash in
// releases that have both.
crate::generated::feature_load! {
    mod load {
        use crate::loaders::LoaderProperties;
        use crate::types::{AddModelParams, ModelInstance};
        use crate::{Brayns, Result, Task};

        impl Brayns {
            /// Loads the file at `path` (on the server's file system) with a loader's typed
            /// properties, `NeuronMorphologyLoaderParameters { .. }` say, whose type names the
            /// loader: one call for `add-model`. The task gives the models loaded.
            ///
            /// ```no_run
            /// # async fn demo(brayns: brayns_sdk::Brayns) -> brayns_sdk::Result<()> {
            /// use brayns_sdk::types::NeuronMorphologyLoaderParameters;
            ///
            /// let models = brayns
            ///     .load("/data/cell.swc", NeuronMorphologyLoaderParameters::default())?
            ///     .await?;
            /// println!("loaded model {}", models[0].model_id);
            /// # Ok(())
            /// # }
            /// ```
            pub fn load(
                &self,
                path: impl Into<String>,
                properties: impl Into<LoaderProperties>,
            ) -> Result<Task<Vec<ModelInstance>>> {
                let params = AddModelParams::new(path.into(), &properties.into())
                    .map_err(brayns_rpc::Error::Serialize)?;
                self.add_model(&params)
            }
        }
    }
}

crate::generated::feature_loaders_for_file! {
    mod loaders_for_file {
        use std::path::Path;

        use crate::types::Loader;
        use crate::{Brayns, Result};

        impl Brayns {
            /// The instance's loaders (`get-loaders`) that read the file at `path`, judged by
            /// its name as Brayns does: a loader reads a file whose name ends with one of its
            /// extensions (`cell.swc` for `swc`, `a.nrrd` for `.nrrd`,
            /// `x.circuit.morphologies.h5` for `circuit.morphologies.h5`) or is one of them
            /// (`BlueConfig`), ignoring case. The file itself is not read: it may only exist on
            /// the server's side.
            ///
            /// Needs `get-loaders` with its `Loader` type (Brayns 3.5 and later).
            pub async fn loaders_for_file(&self, path: impl AsRef<Path>) -> Result<Vec<Loader>> {
                let name = path
                    .as_ref()
                    .file_name()
                    .map(|name| name.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                let loaders = self.get_loaders().await?;
                Ok(loaders
                    .into_iter()
                    .filter(|loader| reads(&loader.extensions, &name))
                    .collect())
            }
        }

        /// Whether a loader with `extensions` reads a file called `name` (lower case).
        fn reads(extensions: &[String], name: &str) -> bool {
            !name.is_empty()
                && extensions.iter().any(|extension| {
                    let extension = extension.trim_start_matches('.').to_lowercase();
                    !extension.is_empty()
                        && (name == extension
                            || name
                                .strip_suffix(extension.as_str())
                                .is_some_and(|stem| stem.ends_with('.')))
                })
        }

        #[cfg(test)]
        mod tests {
            use super::reads;

            fn extensions(list: &[&str]) -> Vec<String> {
                list.iter().map(|extension| (*extension).to_owned()).collect()
            }

            #[test]
            fn a_file_is_read_by_its_extension_or_its_whole_name() {
                let mesh = extensions(&["off", "stl", "ply", "obj"]);
                assert!(reads(&mesh, "cell.obj"));
                assert!(!reads(&mesh, "cell.objx"));
                assert!(!reads(&mesh, "obj.swc"));
                assert!(!reads(&mesh, "cellobj"));
                assert!(reads(&extensions(&[".nrrd"]), "atlas.nrrd"));
                assert!(reads(&extensions(&["BlueConfig"]), "blueconfig"));
                let placement = extensions(&["circuit.morphologies.h5"]);
                assert!(reads(&placement, "x.circuit.morphologies.h5"));
                assert!(!reads(&placement, "x.morphologies.h5"));
                assert!(!reads(&extensions(&[""]), "a."));
                assert!(!reads(&mesh, ""));
            }
        }
    }
}

crate::generated::feature_circuit_loading! {
    mod circuit_loading {
        use serde_json::{Value, json};

        use crate::types::{BBPLoaderParameters, NeuronMorphologyLoaderParameters};

        /// `T` from its defaults with `patch` set over them. Built through JSON because
        /// releases differ in which fields exist and which are optional; a patch that no
        /// longer fits the release's type is a generator-level mismatch, reported by the
        /// tests, so it falls back to the plain defaults rather than failing a script.
        fn patched<T: Default + serde::Serialize + serde::de::DeserializeOwned>(patch: Value) -> T {
            let mut value = serde_json::to_value(T::default()).unwrap_or(Value::Null);
            if let (Value::Object(value), Value::Object(patch)) = (&mut value, patch) {
                value.extend(patch);
            }
            serde_json::from_value(value).unwrap_or_default()
        }

        impl NeuronMorphologyLoaderParameters {
            /// The whole morphology: soma, axon and dendrites.
            pub fn full() -> Self {
                patched(json!({"load_soma": true, "load_axon": true, "load_dendrites": true}))
            }

            /// The soma only: one sphere per cell, the cheapest way to see a circuit.
            pub fn soma_only() -> Self {
                patched(json!({"load_soma": true, "load_axon": false, "load_dendrites": false}))
            }
        }

        impl BBPLoaderParameters {
            /// The cells of `targets` (empty: the circuit's default target), `percentage`
            /// of them (0 to 1), with `morphology` for each cell.
            pub fn cells_of_targets<I, S>(
                targets: I,
                percentage: f64,
                morphology: NeuronMorphologyLoaderParameters,
            ) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                let targets: Vec<String> = targets.into_iter().map(Into::into).collect();
                patched(json!({
                    "targets": targets,
                    "percentage": percentage.clamp(0.0, 1.0),
                    "neuron_morphology_parameters": morphology,
                }))
            }

            /// These cells with the circuit's spike report, each spike fading over
            /// `transition_ms`.
            pub fn with_spikes(self, transition_ms: f64) -> Self {
                let mut patch = serde_json::to_value(&self).unwrap_or(Value::Null);
                patch["report_type"] = json!("spikes");
                patch["spike_transition_time"] = json!(transition_ms);
                patched(patch)
            }

            /// These cells with the compartment report `name`.
            pub fn with_compartment_report(self, name: impl Into<String>) -> Self {
                let mut patch = serde_json::to_value(&self).unwrap_or(Value::Null);
                patch["report_type"] = json!("compartment");
                patch["report_name"] = json!(name.into());
                patched(patch)
            }
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            #[test]
            fn constructors_set_what_they_say() {
                let full = NeuronMorphologyLoaderParameters::full();
                assert!(full.load_soma && full.load_axon && full.load_dendrites);
                let soma = NeuronMorphologyLoaderParameters::soma_only();
                assert!(soma.load_soma && !soma.load_axon && !soma.load_dendrites);

                let cells = BBPLoaderParameters::cells_of_targets(["Layer1", "Layer2"], 1.5, soma.clone());
                assert_eq!(cells.targets, Some(vec!["Layer1".to_owned(), "Layer2".to_owned()]));
                assert_eq!(cells.percentage, 1.0, "clamped");
                assert_eq!(cells.neuron_morphology_parameters, soma);

                let spikes = serde_json::to_value(cells.clone().with_spikes(2.5)).unwrap();
                assert_eq!(spikes["report_type"], "spikes");
                assert_eq!(spikes["spike_transition_time"], 2.5);
                assert_eq!(spikes["targets"], json!(["Layer1", "Layer2"]), "targets kept");
                let report = serde_json::to_value(cells.with_compartment_report("soma")).unwrap();
                assert_eq!(report["report_type"], "compartment");
                assert_eq!(report["report_name"], "soma");
            }
        }
    }
}
