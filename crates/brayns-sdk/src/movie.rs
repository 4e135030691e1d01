//! Movies of a simulation: which simulation frames to render ([`MovieFrames`]), rendering
//! them to numbered images in a folder ([`FrameRender`], resumable and cancellable), and
//! encoding the images with `ffmpeg` ([`Movie`]).

use std::ffi::OsString;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::{Error, ImageFormat, Resolution, Result};

/// How many of `ffmpeg`'s last log lines an [`Error::Exited`] carries.
const ENCODER_LOG_LINES: usize = 30;

/// A simulation's frame range and rate, as `get-simulation-parameters` reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulationFrames {
    /// The first frame's index.
    pub start_frame: u64,
    /// The last frame's index (included).
    pub end_frame: u64,
    /// Simulation frames per second of simulated time.
    pub fps: f64,
}

impl SimulationFrames {
    /// Frames `start_frame..=end_frame` at `fps` frames per second of simulated time.
    pub fn new(start_frame: u64, end_frame: u64, fps: f64) -> Self {
        Self {
            start_frame,
            end_frame,
            fps,
        }
    }

    /// From `get-simulation-parameters`' `start_frame`, `end_frame`, `dt` (the time between
    /// two frames) and `unit` (`"ms"`, what Brayns reports, or `"s"`).
    pub fn from_parameters(start_frame: u64, end_frame: u64, dt: f64, unit: &str) -> Result<Self> {
        let per_second = match unit {
            "ms" => 1000.0,
            "s" => 1.0,
            other => {
                return Err(Error::Usage(format!(
                    "simulation time unit '{other}': expected 'ms' or 's'"
                )));
            }
        };
        if !(dt.is_finite() && dt > 0.0) {
            return Err(Error::Usage(format!(
                "simulation dt {dt}: it must be a positive number"
            )));
        }
        Ok(Self::new(start_frame, end_frame, per_second / dt))
    }

    /// `frame` brought into the simulation's range.
    pub fn clamp(&self, frame: u64) -> u64 {
        frame.clamp(self.start_frame, self.end_frame.max(self.start_frame))
    }
}

/// Which simulation frames a movie shows: its frame rate, a range of the simulation (indices
/// counted from its end when negative, `-1` being the last frame) and a slow-motion factor.
///
/// The frames are those the official client picks: from the first frame, every
/// `simulation fps / movie fps / slowing factor` frames (rounded), so a movie at the
/// simulation's rate shows every frame, a slower movie skips frames and a slowed-down one
/// repeats them.
///
/// ```
/// use brayns_sdk::{MovieFrames, SimulationFrames};
///
/// // 0.1 ms between frames: 10 000 frames per simulated second.
/// let simulation = SimulationFrames::from_parameters(0, 99, 0.1, "ms")?;
/// let frames = MovieFrames::new(2500.0).indices(&simulation)?;
/// assert_eq!(frames, (0..100).step_by(4).collect::<Vec<u64>>());
/// # Ok::<(), brayns_sdk::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MovieFrames {
    fps: f64,
    start_frame: i64,
    end_frame: i64,
    slowing_factor: f64,
}

impl Default for MovieFrames {
    /// 25 fps, the whole simulation, real time.
    fn default() -> Self {
        Self::new(25.0)
    }
}

impl MovieFrames {
    /// The whole simulation, in real time, in a movie at `fps` frames per second.
    pub fn new(fps: f64) -> Self {
        Self {
            fps,
            start_frame: 0,
            end_frame: -1,
            slowing_factor: 1.0,
        }
    }

    /// The movie's first simulation frame (negative: from the end; default 0). Clamped to the
    /// simulation.
    pub fn start_frame(mut self, frame: i64) -> Self {
        self.start_frame = frame;
        self
    }

    /// The movie's last simulation frame (negative: from the end; default -1, the last).
    /// Clamped to the simulation.
    pub fn end_frame(mut self, frame: i64) -> Self {
        self.end_frame = frame;
        self
    }

    /// Slow motion: 2 shows the simulation at half speed (default 1).
    pub fn slowing_factor(mut self, factor: f64) -> Self {
        self.slowing_factor = factor;
        self
    }

    /// The movie's frame rate.
    pub fn fps(&self) -> f64 {
        self.fps
    }

    /// The simulation frames to render, in movie order (empty when the range is).
    pub fn indices(&self, simulation: &SimulationFrames) -> Result<Vec<u64>> {
        let positive = |value: f64, what: &str| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(Error::Usage(format!(
                    "{what} {value}: it must be a positive number"
                )))
            }
        };
        positive(self.fps, "movie fps")?;
        positive(self.slowing_factor, "slowing factor")?;
        positive(simulation.fps, "simulation fps")?;
        if simulation.end_frame < simulation.start_frame {
            return Err(Error::Usage(format!(
                "simulation frames {}..={}: the end comes before the start",
                simulation.start_frame, simulation.end_frame
            )));
        }
        let frame = |frame: i64| -> u64 {
            let frame = if frame < 0 {
                i128::from(frame) + i128::from(simulation.end_frame) + 1
            } else {
                i128::from(frame)
            };
            simulation.clamp(u64::try_from(frame.max(0)).unwrap_or(u64::MAX))
        };
        let (start, end) = (frame(self.start_frame), frame(self.end_frame));
        let step = simulation.fps / self.fps / self.slowing_factor;
        let mut indices = Vec::new();
        let mut current = start as f64;
        while current <= end as f64 {
            // Python's round: halves to even.
            indices.push(current.round_ties_even() as u64);
            current += step;
        }
        Ok(indices)
    }
}

/// Stops a long job ([`FrameRender::render`]...) from another task or thread: the job ends
/// with [`Error::Aborted`] at once, cancelling the snapshot it waits for. Clones share the
/// same flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the jobs holding this token (or a clone).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::Release);
        let wakers = std::mem::take(
            &mut *self
                .inner
                .wakers
                .lock()
                .unwrap_or_else(|error| error.into_inner()),
        );
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Acquire)
    }

    /// Resolves once the token is cancelled.
    pub fn cancelled(&self) -> impl Future<Output = ()> + Send + '_ {
        Cancelled { token: self }
    }
}

struct Cancelled<'a> {
    token: &'a CancelToken,
}

impl Future for Cancelled<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.token.is_cancelled() {
            return Poll::Ready(());
        }
        let mut wakers = self
            .token
            .inner
            .wakers
            .lock()
            .unwrap_or_else(|error| error.into_inner());
        if self.token.is_cancelled() {
            return Poll::Ready(());
        }
        if !wakers.iter().any(|waker| waker.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// The numbered image files of a movie's frames: `00000.png`, `00001.png`... in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameFiles {
    folder: PathBuf,
    format: ImageFormat,
    digits: usize,
}

impl FrameFiles {
    /// PNG files with five-digit numbers in `folder`.
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: folder.into(),
            format: ImageFormat::Png,
            digits: 5,
        }
    }

    /// The image format (default PNG).
    pub fn format(mut self, format: ImageFormat) -> Self {
        self.format = format;
        self
    }

    /// How many digits the numbers have, zero-padded (default 5, at least 1).
    pub fn digits(mut self, digits: usize) -> Self {
        self.digits = digits.max(1);
        self
    }

    /// The folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The image format.
    pub fn image_format(&self) -> ImageFormat {
        self.format
    }

    fn extension(&self) -> &'static str {
        match self.format {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
        }
    }

    /// The file of the movie's frame `position` (0 for the first).
    pub fn path(&self, position: usize) -> PathBuf {
        self.folder.join(format!(
            "{position:0digits$}.{}",
            self.extension(),
            digits = self.digits
        ))
    }

    /// The files' name pattern as `ffmpeg` reads it (`folder/%05d.png`).
    pub fn pattern(&self) -> PathBuf {
        self.folder
            .join(format!("%0{}d.{}", self.digits, self.extension()))
    }

    /// Whether frame `position` is already on disk (a non-empty file).
    pub fn exists(&self, position: usize) -> bool {
        std::fs::metadata(self.path(position)).is_ok_and(|meta| meta.is_file() && meta.len() > 0)
    }

    /// Where frame `position` is written before it is complete (renamed once it is), so an
    /// interrupted run never leaves a partial image under the final name.
    fn partial_path(&self, position: usize) -> PathBuf {
        self.folder.join(format!(
            "{position:0digits$}.partial.{}",
            self.extension(),
            digits = self.digits
        ))
    }
}

/// What a movie render is doing, for progress displays.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameProgress {
    /// The movie frame (0 for the first).
    pub position: usize,
    /// How many frames the movie has.
    pub count: usize,
    /// The simulation frame it shows.
    pub simulation_frame: u64,
    /// What happened.
    pub event: FrameEvent,
}

/// One step of a frame in [`FrameProgress`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FrameEvent {
    /// Already on disk from an earlier run: not rendered again.
    Skipped,
    /// The snapshot's own progress.
    Rendering(crate::Progress),
    /// Written to this file.
    Saved(PathBuf),
}

crate::generated::feature_capture! {
    mod render {
        use std::path::PathBuf;

        use futures_util::future::{Either, select};

        use super::{CancelToken, FrameEvent, FrameFiles, FrameProgress};
        use crate::{Brayns, Capture, Error, Result};

        /// Renders a movie's frames to numbered image files, in order, with one
        /// [`Capture`] for all of them (its simulation frame set for each).
        ///
        /// Resumable: frames already on disk are skipped, and a frame is written under its
        /// final name only once complete. Cancellable with a [`CancelToken`].
        ///
        /// ```no_run
        /// # async fn demo(brayns: brayns_sdk::Brayns) -> brayns_sdk::Result<()> {
        /// use brayns_sdk::{
        ///     CancelToken, Capture, FrameFiles, FrameRender, MovieFrames, Resolution,
        ///     SimulationFrames,
        /// };
        ///
        /// let simulation = SimulationFrames::from_parameters(0, 999, 0.1, "ms")?;
        /// let frames = MovieFrames::new(25.0).indices(&simulation)?;
        /// let render = FrameRender::new(
        ///     Capture::new().resolution(Resolution::FULL_HD),
        ///     frames,
        ///     FrameFiles::new("frames"),
        /// );
        /// render
        ///     .render(&brayns, &CancelToken::new(), |progress| {
        ///         let (frame, count) = (progress.position + 1, progress.count);
        ///         println!("frame {frame} of {count}: {:?}", progress.event)
        ///     })
        ///     .await?;
        /// # Ok(())
        /// # }
        /// ```
        #[derive(Debug, Clone)]
        pub struct FrameRender {
            capture: Capture,
            frames: Vec<u64>,
            files: FrameFiles,
        }

        impl FrameRender {
            /// `frames` (simulation frame indices, in movie order: see
            /// [`MovieFrames::indices`](super::MovieFrames::indices)) rendered with `capture`
            /// to `files`.
            pub fn new(capture: Capture, frames: Vec<u64>, files: FrameFiles) -> Self {
                Self {
                    capture,
                    frames,
                    files,
                }
            }

            /// The simulation frames, in movie order.
            pub fn frames(&self) -> &[u64] {
                &self.frames
            }

            /// Where the images go.
            pub fn files(&self) -> &FrameFiles {
                &self.files
            }

            /// The movie frames not on disk yet.
            pub fn missing(&self) -> Vec<usize> {
                (0..self.frames.len())
                    .filter(|&position| !self.files.exists(position))
                    .collect()
            }

            /// Renders every frame not on disk yet, in order; gives how many were rendered.
            /// `progress` hears of each frame skipped, each snapshot's progress and each file
            /// saved. Cancelling `cancel` ends it with [`Error::Aborted`] (the snapshot under
            /// way is cancelled, the frames saved stay).
            pub async fn render(
                &self,
                brayns: &Brayns,
                cancel: &CancelToken,
                mut progress: impl FnMut(FrameProgress),
            ) -> Result<usize> {
                std::fs::create_dir_all(self.files.folder()).map_err(|source| Error::Io {
                    path: self.files.folder().to_owned(),
                    source,
                })?;
                let mut rendered = 0;
                for position in 0..self.frames.len() {
                    if cancel.is_cancelled() {
                        return Err(Error::Aborted);
                    }
                    if self.files.exists(position) {
                        progress(self.progress(position, FrameEvent::Skipped));
                        continue;
                    }
                    self.render_frame(brayns, position, cancel, &mut progress)
                        .await?;
                    rendered += 1;
                }
                Ok(rendered)
            }

            fn progress(&self, position: usize, event: FrameEvent) -> FrameProgress {
                FrameProgress {
                    position,
                    count: self.frames.len(),
                    simulation_frame: self.frames[position],
                    event,
                }
            }

            /// Renders movie frame `position` whether or not it is on disk; gives its file.
            pub async fn render_frame(
                &self,
                brayns: &Brayns,
                position: usize,
                cancel: &CancelToken,
                progress: &mut impl FnMut(FrameProgress),
            ) -> Result<PathBuf> {
                let Some(&frame) = self.frames.get(position) else {
                    return Err(Error::Usage(format!(
                        "movie frame {position}: the movie has {} frames",
                        self.frames.len()
                    )));
                };
                let partial = self.files.partial_path(position);
                let mut task = self.capture.clone().frame(frame).save(brayns, &partial)?;
                loop {
                    let next = std::pin::pin!(task.next_progress());
                    match select(next, std::pin::pin!(cancel.cancelled())).await {
                        Either::Left((Some(step), _)) => {
                            progress(self.progress(position, FrameEvent::Rendering(step)));
                        }
                        Either::Left((None, _)) => break,
                        // Dropping the task cancels the snapshot on the server.
                        Either::Right(_) => return Err(Error::Aborted),
                    }
                }
                let waiting = std::pin::pin!(task.wait());
                match select(waiting, std::pin::pin!(cancel.cancelled())).await {
                    Either::Left((written, _)) => {
                        written?;
                    }
                    Either::Right(_) => {
                        let _ = std::fs::remove_file(&partial);
                        return Err(Error::Aborted);
                    }
                }
                let path = self.files.path(position);
                std::fs::rename(&partial, &path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                progress(self.progress(position, FrameEvent::Saved(path.clone())));
                Ok(path)
            }
        }
    }
    pub use render::FrameRender;
}

/// A movie encoded by `ffmpeg` from numbered images ([`FrameFiles`]): frame rate, codec,
/// bitrate or quality, resolution. The movie lasts `frames / fps` seconds.
///
/// ```no_run
/// use brayns_sdk::{FrameFiles, Movie, Resolution};
///
/// let logs = Movie::new(FrameFiles::new("frames").pattern(), 25.0)
///     .codec("libx264")
///     .quality(23)
///     .resolution(Resolution::HD)
///     .encode("movie.mp4")?;
/// # Ok::<(), brayns_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Movie {
    frames_pattern: PathBuf,
    fps: f64,
    resolution: Option<Resolution>,
    bitrate: Option<u64>,
    quality: Option<u8>,
    codec: Option<String>,
    pixel_format: Option<String>,
    ffmpeg: PathBuf,
}

impl Movie {
    /// A movie of the images matching `frames_pattern` (a `printf` number pattern as
    /// `ffmpeg` reads it: `frames/%05d.png`, see [`FrameFiles::pattern`]) at `fps`.
    /// Defaults: `ffmpeg` from `PATH`, the codec `ffmpeg` picks for the file's extension,
    /// the images' size, pixel format `yuv420p` (what players read).
    pub fn new(frames_pattern: impl Into<PathBuf>, fps: f64) -> Self {
        Self {
            frames_pattern: frames_pattern.into(),
            fps,
            resolution: None,
            bitrate: None,
            quality: None,
            codec: None,
            pixel_format: Some("yuv420p".to_owned()),
            ffmpeg: PathBuf::from("ffmpeg"),
        }
    }

    /// The `ffmpeg` program: a path, or a name looked up on `PATH`.
    pub fn ffmpeg(mut self, program: impl Into<PathBuf>) -> Self {
        self.ffmpeg = program.into();
        self
    }

    /// Scales the images to this size (`yuv420p` needs even sizes).
    pub fn resolution(mut self, resolution: Resolution) -> Self {
        self.resolution = Some(resolution);
        self
    }

    /// The video bitrate in bits per second (`-b:v`).
    pub fn bitrate(mut self, bits_per_second: u64) -> Self {
        self.bitrate = Some(bits_per_second);
        self
    }

    /// Constant quality (`-crf`: lower is better; 0-51 for H.264 and H.265, 0-63 for VP9).
    pub fn quality(mut self, crf: u8) -> Self {
        self.quality = Some(crf);
        self
    }

    /// The video codec, by `ffmpeg`'s encoder name (`libx264`, `libvpx-vp9`, `mpeg4`...).
    pub fn codec(mut self, encoder: impl Into<String>) -> Self {
        self.codec = Some(encoder.into());
        self
    }

    /// The pixel format (default `yuv420p`; `None`: the encoder's choice).
    pub fn pixel_format(mut self, format: Option<String>) -> Self {
        self.pixel_format = format;
        self
    }

    /// The arguments after the program for a movie written to `output`.
    pub fn args(&self, output: impl AsRef<Path>) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "-y".into(),
            "-hide_banner".into(),
            "-nostdin".into(),
            "-framerate".into(),
            self.fps.to_string().into(),
            "-i".into(),
            self.frames_pattern.clone().into(),
        ];
        let mut filters = vec![format!("fps={}", self.fps)];
        if let Some(format) = &self.pixel_format {
            filters.push(format!("format={format}"));
        }
        args.push("-vf".into());
        args.push(filters.join(",").into());
        if let Some(size) = self.resolution {
            args.push("-s".into());
            args.push(size.to_string().into());
        }
        if let Some(bitrate) = self.bitrate {
            args.push("-b:v".into());
            args.push(bitrate.to_string().into());
        }
        if let Some(crf) = self.quality {
            args.push("-crf".into());
            args.push(crf.to_string().into());
        }
        if let Some(codec) = &self.codec {
            args.push("-c:v".into());
            args.push(codec.into());
        }
        args.push(output.as_ref().into());
        args
    }

    /// Runs `ffmpeg` to write the movie to `output` (overwritten), waiting for it; gives
    /// its log. A missing program is [`Error::Spawn`], a failed encoding [`Error::Exited`]
    /// with its last log lines. It blocks: from async code, call it in
    /// `spawn_blocking`.
    pub fn encode(&self, output: impl AsRef<Path>) -> Result<Vec<String>> {
        let output = output.as_ref();
        if !(self.fps.is_finite() && self.fps > 0.0) {
            return Err(Error::Usage(format!(
                "movie fps {}: it must be a positive number",
                self.fps
            )));
        }
        if self
            .resolution
            .is_some_and(|size| size.width == 0 || size.height == 0)
        {
            return Err(Error::Usage(
                "a movie resolution cannot be empty".to_owned(),
            ));
        }
        if output.as_os_str().is_empty() {
            return Err(Error::Usage("the movie's file name is empty".to_owned()));
        }
        let mut child = Command::new(&self.ffmpeg)
            .args(self.args(output))
            .env("AV_LOG_FORCE_NOCOLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| Error::Spawn {
                program: self.ffmpeg.clone(),
                source,
            })?;
        let mut logs = Vec::new();
        if let Some(stderr) = child.stderr.take() {
            for line in BufReader::new(stderr).split(b'\n') {
                let Ok(line) = line else { break };
                let line = String::from_utf8_lossy(&line);
                // Progress lines are separated by carriage returns.
                for part in line.split('\r').filter(|part| !part.trim().is_empty()) {
                    tracing::debug!(target: "brayns_movie", "{part}");
                    logs.push(part.to_owned());
                }
            }
        }
        let status = child.wait().map_err(|source| Error::Io {
            path: self.ffmpeg.clone(),
            source,
        })?;
        if !status.success() {
            let skip = logs.len().saturating_sub(ENCODER_LOG_LINES);
            return Err(Error::Exited {
                program: self.ffmpeg.clone(),
                status,
                logs: logs.split_off(skip),
            });
        }
        Ok(logs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simulation(start: u64, end: u64, fps: f64) -> SimulationFrames {
        SimulationFrames::new(start, end, fps)
    }

    #[test]
    fn indices_follow_the_official_clients_steps() {
        // Same rate: every frame.
        let all = MovieFrames::new(25.0)
            .indices(&simulation(0, 9, 25.0))
            .unwrap();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        // Step 2.5, rounded half to even as Python does: 0, 2.5 -> 2, 5, 7.5 -> 8, 10.
        let sparse = MovieFrames::new(10.0)
            .indices(&simulation(0, 10, 25.0))
            .unwrap();
        assert_eq!(sparse, [0, 2, 5, 8, 10]);
        // Slowed down: frames repeat (step 0.5: 0, 0.5 -> 0, 1, 1.5 -> 2, 2, 2.5 -> 2, 3).
        let slow = MovieFrames::new(25.0)
            .slowing_factor(2.0)
            .indices(&simulation(0, 3, 25.0))
            .unwrap();
        assert_eq!(slow, [0, 0, 1, 2, 2, 2, 3]);
        // Negative indices count from the end; out of range is clamped.
        let tail = MovieFrames::new(1.0)
            .start_frame(-3)
            .end_frame(100)
            .indices(&simulation(10, 20, 1.0))
            .unwrap();
        assert_eq!(tail, [18, 19, 20]);
        let clamped = MovieFrames::new(1.0)
            .start_frame(-100)
            .end_frame(11)
            .indices(&simulation(10, 20, 1.0))
            .unwrap();
        assert_eq!(clamped, [10, 11]);
        // An empty range gives no frame.
        let empty = MovieFrames::new(1.0)
            .start_frame(5)
            .end_frame(2)
            .indices(&simulation(0, 9, 1.0))
            .unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn simulation_rates_come_from_dt_and_unit() {
        let rate = SimulationFrames::from_parameters(0, 9, 0.025, "ms").unwrap();
        assert!((rate.fps - 40_000.0).abs() < 1e-6);
        assert_eq!(
            SimulationFrames::from_parameters(0, 9, 0.5, "s")
                .unwrap()
                .fps,
            2.0
        );
        for (dt, unit) in [(0.1, "h"), (0.0, "ms"), (f64::NAN, "ms"), (-1.0, "s")] {
            let error = SimulationFrames::from_parameters(0, 9, dt, unit).unwrap_err();
            assert!(matches!(error, Error::Usage(_)), "{dt} {unit}: {error:?}");
        }
    }

    #[test]
    fn bad_rates_and_ranges_are_usage_errors() {
        let good = simulation(0, 9, 25.0);
        for frames in [
            MovieFrames::new(0.0),
            MovieFrames::new(f64::INFINITY),
            MovieFrames::new(25.0).slowing_factor(-1.0),
        ] {
            assert!(
                matches!(frames.indices(&good), Err(Error::Usage(_))),
                "{frames:?}"
            );
        }
        let backwards = simulation(9, 0, 25.0);
        assert!(matches!(
            MovieFrames::new(25.0).indices(&backwards),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            MovieFrames::new(25.0).indices(&simulation(0, 9, 0.0)),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn frame_files_are_numbered_and_match_the_ffmpeg_pattern() {
        let files = FrameFiles::new("out").digits(3).format(ImageFormat::Jpeg);
        assert_eq!(files.path(7), Path::new("out/007.jpg"));
        assert_eq!(files.pattern(), Path::new("out/%03d.jpg"));
        assert_eq!(FrameFiles::new("f").path(12), Path::new("f/00012.png"));
    }

    #[test]
    fn the_ffmpeg_command_line_has_the_settings() {
        let movie = Movie::new("f/%05d.png", 12.5)
            .resolution(Resolution::new(64, 48))
            .bitrate(1_000_000)
            .quality(20)
            .codec("libx264");
        let args: Vec<String> = movie
            .args("m.mp4")
            .into_iter()
            .map(|arg| arg.into_string().unwrap())
            .collect();
        assert_eq!(
            args.join(" "),
            "-y -hide_banner -nostdin -framerate 12.5 -i f/%05d.png -vf fps=12.5,format=yuv420p \
             -s 64x48 -b:v 1000000 -crf 20 -c:v libx264 m.mp4"
        );
    }

    #[test]
    fn a_cancelled_token_wakes_its_waiters() {
        let token = CancelToken::new();
        let clone = token.clone();
        let waiter = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            runtime.block_on(clone.cancelled());
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!token.is_cancelled());
        token.cancel();
        waiter.join().unwrap();
        assert!(token.is_cancelled());
    }
}
