//! Snapshots as a rendering script wants them: a [`Capture`] built once (resolution, format,
//! quality, camera and renderer overrides, simulation frame), then saved to a local file,
//! saved on the server's side, or returned as bytes, each a task with progress and cancel.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// An image size in pixels, with the usual presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resolution {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
}

impl Resolution {
    /// 1280 x 720.
    pub const HD: Resolution = Resolution::new(1280, 720);
    /// 1920 x 1080.
    pub const FULL_HD: Resolution = Resolution::new(1920, 1080);
    /// 2560 x 1440.
    pub const QHD: Resolution = Resolution::new(2560, 1440);
    /// 3840 x 2160.
    pub const UHD_4K: Resolution = Resolution::new(3840, 2160);
    /// 7680 x 4320.
    pub const UHD_8K: Resolution = Resolution::new(7680, 4320);

    /// `width` x `height`.
    pub const fn new(width: u64, height: u64) -> Self {
        Self { width, height }
    }

    /// Width over height (`0` for an empty height).
    pub fn aspect_ratio(self) -> f64 {
        if self.height == 0 {
            0.0
        } else {
            self.width as f64 / self.height as f64
        }
    }

    /// Scaled by `factor` (a preview at half the size: `Resolution::FULL_HD.scaled(0.5)`),
    /// rounded, never below one pixel.
    pub fn scaled(self, factor: f64) -> Self {
        let scale = |pixels: u64| ((pixels as f64 * factor).round() as u64).max(1);
        Self::new(scale(self.width), scale(self.height))
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// The encodings Brayns writes images in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// PNG, lossless.
    Png,
    /// JPEG, with a quality from 0 to 100.
    Jpeg,
}

impl ImageFormat {
    /// The format a file name asks for by its extension (`png`, `jpg`, `jpeg`, any case).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("png") => Ok(Self::Png),
            Some("jpg" | "jpeg") => Ok(Self::Jpeg),
            _ => Err(Error::Usage(format!(
                "{}: the image format comes from the extension, which must be .png, .jpg or \
                 .jpeg",
                path.display()
            ))),
        }
    }

    /// The name `image_settings.format` takes.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
        }
    }
}

crate::generated::feature_capture! {
    use std::future::{Future, IntoFuture};
    use std::pin::Pin;

    use crate::types::{Camera, ImageSettings, Renderer, SnapshotParams, SnapshotResult, View};
    use crate::{Brayns, Bytes, Progress, Task};

    /// One snapshot's settings: build it once, then [`save`](Capture::save) it to a local
    /// file, [`save_remotely`](Capture::save_remotely) on the server's side, or
    /// [`download`](Capture::download) its bytes. Unset settings are the instance's own (its
    /// viewport size, current camera and renderer, current frame).
    ///
    /// ```no_run
    /// # async fn demo(brayns: brayns_sdk::Brayns) -> brayns_sdk::Result<()> {
    /// use brayns_sdk::{Capture, Resolution};
    ///
    /// let mut task = Capture::new()
    ///     .resolution(Resolution::FULL_HD)
    ///     .jpeg_quality(90)
    ///     .save(&brayns, "frame.jpg")?;
    /// while let Some(progress) = task.next_progress().await {
    ///     println!("{:.0}%", progress.amount * 100.0);
    /// }
    /// task.await?;
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Capture {
        resolution: Option<Resolution>,
        jpeg_quality: Option<u64>,
        camera: Option<Camera>,
        view: Option<View>,
        renderer: Option<Renderer>,
        frame: Option<u64>,
    }

    impl Capture {
        /// A snapshot with the instance's own settings.
        pub fn new() -> Self {
            Self::default()
        }

        /// The image size (default: the instance's viewport).
        pub fn resolution(mut self, resolution: Resolution) -> Self {
            self.resolution = Some(resolution);
            self
        }

        /// The JPEG quality, 0 to 100 (default 100); PNG ignores it.
        pub fn jpeg_quality(mut self, quality: u8) -> Self {
            self.jpeg_quality = Some(u64::from(quality.min(100)));
            self
        }

        /// A camera for this snapshot only (`Camera::Perspective(...)`, or any of the
        /// release's camera params types, which convert into it).
        pub fn camera(mut self, camera: impl Into<Camera>) -> Self {
            self.camera = Some(camera.into());
            self
        }

        /// Where the camera stands and looks, for this snapshot only (a
        /// [`camera::View`](crate::camera::View) or the generated `types::View`).
        pub fn view(mut self, view: impl Into<View>) -> Self {
            self.view = Some(view.into());
            self
        }

        /// A renderer for this snapshot only.
        pub fn renderer(mut self, renderer: impl Into<Renderer>) -> Self {
            self.renderer = Some(renderer.into());
            self
        }

        /// The simulation frame to render (default: the current one).
        pub fn frame(mut self, frame: u64) -> Self {
            self.frame = Some(frame);
            self
        }

        /// The `snapshot` params for `format`, saved on the server at `file_path` if given.
        pub fn params(
            &self,
            format: ImageFormat,
            file_path: Option<String>,
        ) -> Result<SnapshotParams> {
            let quality = match format {
                ImageFormat::Jpeg => self.jpeg_quality.unwrap_or(100),
                ImageFormat::Png => 100,
            };
            // Through JSON: releases differ in which of these fields are optional.
            let mut settings = serde_json::json!({"format": format.wire_name(), "quality": quality});
            if let Some(size) = self.resolution {
                settings["size"] = serde_json::json!([size.width, size.height]);
            }
            let image_settings: ImageSettings = serde_json::from_value(settings)
                .map_err(brayns_rpc::Error::Serialize)?;
            Ok(SnapshotParams {
                image_settings: Some(image_settings),
                camera: self.camera.clone(),
                camera_view: self.view.clone(),
                renderer: self.renderer.clone(),
                simulation_frame: self.frame,
                file_path,
                ..SnapshotParams::default()
            })
        }

        /// Renders and returns the encoded image's bytes.
        pub fn download(&self, brayns: &Brayns, format: ImageFormat) -> Result<Task<Bytes>> {
            let task = brayns.snapshot(&self.params(format, None)?)?.into_inner();
            Ok(Task::new(task, |response| Ok(response.into_binary())))
        }

        /// Renders and has the server write the image to `path` on its own file system;
        /// the format comes from the extension.
        pub fn save_remotely(
            &self,
            brayns: &Brayns,
            path: impl AsRef<Path>,
        ) -> Result<Task<SnapshotResult>> {
            let path = path.as_ref();
            let format = ImageFormat::from_path(path)?;
            let file_path = path.to_string_lossy().into_owned();
            let task = brayns.snapshot(&self.params(format, Some(file_path))?)?.into_inner();
            Ok(Task::new(task, |response| Ok(response.decode()?)))
        }

        /// Renders, downloads the image and writes it to `path` on this machine; the format
        /// comes from the extension, checked before anything is sent. The file is written
        /// only once the whole image has arrived.
        pub fn save(&self, brayns: &Brayns, path: impl Into<PathBuf>) -> Result<SaveTask> {
            let path = path.into();
            let format = ImageFormat::from_path(&path)?;
            Ok(SaveTask {
                task: self.download(brayns, format)?,
                path,
            })
        }
    }

    /// A snapshot on its way to a local file: follow its progress, cancel it, or await the
    /// path it was written to.
    #[derive(Debug)]
    pub struct SaveTask {
        task: Task<Bytes>,
        path: PathBuf,
    }

    impl SaveTask {
        /// The next progress notification, `None` once rendering has ended.
        pub async fn next_progress(&mut self) -> Option<Progress> {
            self.task.next_progress().await
        }

        /// Asks the server to cancel the snapshot; nothing is written then.
        pub async fn cancel(&self) -> Result<()> {
            self.task.cancel().await
        }

        /// Waits for the image and writes it; gives the file's path.
        pub async fn wait(self) -> Result<PathBuf> {
            let bytes = self.task.wait().await?;
            if bytes.is_empty() {
                return Err(Error::Usage(
                    "the snapshot came back without image data".to_owned(),
                ));
            }
            std::fs::write(&self.path, &bytes).map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })?;
            Ok(self.path)
        }
    }

    impl IntoFuture for SaveTask {
        type Output = Result<PathBuf>;
        type IntoFuture = Pin<Box<dyn Future<Output = Result<PathBuf>> + Send>>;

        fn into_future(self) -> Self::IntoFuture {
            Box::pin(self.wait())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_extensions_in_any_case() {
        assert_eq!(ImageFormat::from_path("a/b.PNG").unwrap(), ImageFormat::Png);
        assert_eq!(ImageFormat::from_path("b.jpg").unwrap(), ImageFormat::Jpeg);
        assert_eq!(ImageFormat::from_path("b.JPEG").unwrap(), ImageFormat::Jpeg);
        for bad in ["b.gif", "b", "png", "b.png.txt"] {
            let error = ImageFormat::from_path(bad).unwrap_err();
            assert!(
                matches!(&error, Error::Usage(message) if message.contains(bad)),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn resolutions_have_presets_ratios_and_scaling() {
        assert_eq!(Resolution::FULL_HD, Resolution::new(1920, 1080));
        assert_eq!(Resolution::UHD_4K.to_string(), "3840x2160");
        assert!((Resolution::FULL_HD.aspect_ratio() - 16.0 / 9.0).abs() < 1e-12);
        assert_eq!(Resolution::FULL_HD.scaled(0.5), Resolution::HD.scaled(0.75));
        assert_eq!(Resolution::new(3, 3).scaled(0.01), Resolution::new(1, 1));
        assert_eq!(Resolution::new(4, 0).aspect_ratio(), 0.0);
    }
}
