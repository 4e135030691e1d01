//! Loading files: which of an instance's loaders read a file, and loading one with a
//! loader's typed properties in one call.

// Each feature's items sit in a module of their own, so their imports cannot clash in
// releases that have both.
crate::generated::feature_load! {
    mod load {
        use crate::loaders::LoaderProperties;
        use crate::types::{AddModelParams, ModelInstance};
        use crate::{Brayns, Error, Result, Task};

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
                    .map_err(|error| Error::Rpc(brayns_rpc::Error::Serialize(error)))?;
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
