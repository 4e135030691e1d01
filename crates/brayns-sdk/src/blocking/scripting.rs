//! Blocking twins of the hand-written scripting layer: bounds and framing, the camera as one
//! value, colors, simulation frames, and a [`Capture`](crate::Capture) saved to a file.
//! Each waits for its async original, with the same arguments and results.

use crate::Result;
use crate::camera::{Camera, Projection, View};
use crate::color::{Color, ColorMethod, ColorRamp, MorphologySection};
use crate::math::Bounds;
use crate::simulation::Simulation;

use super::Brayns;

/// `name(args) -> T`: a blocking twin of the async method of the same name.
macro_rules! twins {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty;
    )*) => {
        impl Brayns {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nThe blocking twin of [`Brayns::", stringify!($name), "`](crate::Brayns::", stringify!($name), ").")]
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out> {
                    self.block_on(self.asynchronous().$name($($arg),*))?
                }
            )*
        }
    };
}

twins! {
    /// The bounds of everything in the scene.
    fn scene_bounds() -> Bounds;
    /// The bounds of the model `model_id`.
    fn model_bounds(model_id: u64) -> Bounds;
    /// Where the camera stands and looks.
    fn camera_view() -> View;
    /// The camera's projection, `None` for a camera type this SDK does not know.
    fn camera_projection() -> Option<Projection>;
    /// Sets the camera's projection.
    fn set_camera_projection(projection: &Projection) -> ();
    /// Sets the camera's projection and view.
    fn set_camera(camera: &Camera) -> ();
    /// The viewport's width over its height.
    fn aspect_ratio() -> f64;
    /// Frames `bounds` from the front, sets the camera and returns it.
    fn frame_bounds(bounds: Bounds) -> Camera;
    /// Frames the whole scene, sets the camera and returns it.
    fn frame_scene() -> Camera;
    /// Frames the model `model_id`, sets the camera and returns it.
    fn frame_model(model_id: u64) -> Camera;
    /// The simulation's frames and times.
    fn simulation() -> Simulation;
    /// Moves to `frame`, clamped to the simulation's frames; gives the frame set.
    fn set_simulation_frame(frame: u64) -> u64;
    /// Colors the whole model `model_id` with `color`.
    fn set_model_color(model_id: u64, color: Color) -> ();
    /// Colors the model `model_id` by `method`, each value with the next color of `palette`.
    fn color_by_palette(model_id: u64, method: ColorMethod, palette: &[Color]) -> Vec<(String, Color)>;
    /// The color ramp of the model `model_id`.
    fn model_color_ramp(model_id: u64) -> ColorRamp;
    /// Sets the color ramp of the model `model_id`.
    fn set_model_color_ramp(model_id: u64, ramp: &ColorRamp) -> ();
}

impl Brayns {
    /// Colors the model `model_id` by `method`, each value to its color: the blocking twin
    /// of [`Brayns::color_model_by`](crate::Brayns::color_model_by).
    pub fn color_model_by<K, I>(&self, model_id: u64, method: ColorMethod, values: I) -> Result<()>
    where
        K: Into<String>,
        I: IntoIterator<Item = (K, Color)>,
    {
        self.block_on(self.asynchronous().color_model_by(model_id, method, values))?
    }

    /// Colors the sections of a morphology or circuit model by type: the blocking twin of
    /// [`Brayns::color_by_sections`](crate::Brayns::color_by_sections).
    pub fn color_by_sections(
        &self,
        model_id: u64,
        colors: impl IntoIterator<Item = (MorphologySection, Color)>,
    ) -> Result<()> {
        self.block_on(self.asynchronous().color_by_sections(model_id, colors))?
    }
}

crate::generated::feature_capture! {
    mod capture {
        use std::path::PathBuf;

        use crate::{Capture, Result};

        impl super::Brayns {
            /// Renders `capture`, downloads the image and writes it to `path` on this
            /// machine (the format comes from the extension), then gives the path: the
            /// blocking form of [`Capture::save`]. For progress and cancel, use
            /// [`Capture::save`] with [`block_on`](Self::block_on).
            pub fn save_capture(&self, capture: &Capture, path: impl Into<PathBuf>) -> Result<PathBuf> {
                let task = capture.save(self.asynchronous(), path)?;
                self.block_on(task.wait())?
            }
        }
    }
}

crate::generated::feature_load! {
    mod load {
        use crate::blocking::Task;
        use crate::loaders::LoaderProperties;
        use crate::types::ModelInstance;
        use crate::Result;

        impl super::Brayns {
            /// Loads the file at `path` (on the server's file system) with a loader's typed
            /// properties: the blocking twin of [`Brayns::load`](crate::Brayns::load). The
            /// task's progress is an iterator; `wait` gives the models loaded.
            pub fn load(
                &self,
                path: impl Into<String>,
                properties: impl Into<LoaderProperties>,
            ) -> Result<Task<Vec<ModelInstance>>> {
                let task = self.asynchronous().load(path, properties)?;
                Ok(crate::seam::Blocking::task(self, task))
            }
        }
    }
}

crate::generated::feature_loaders_for_file! {
    mod loaders_for_file {
        use std::path::Path;

        use crate::types::Loader;
        use crate::Result;

        impl super::Brayns {
            /// The instance's loaders that read the file at `path`: the blocking twin of
            /// [`Brayns::loaders_for_file`](crate::Brayns::loaders_for_file).
            pub fn loaders_for_file(&self, path: impl AsRef<Path>) -> Result<Vec<Loader>> {
                self.block_on(self.asynchronous().loaders_for_file(path))?
            }
        }
    }
}
