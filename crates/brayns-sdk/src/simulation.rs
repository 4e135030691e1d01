//! The simulation of the loaded reports: its frames, their times, and the current one.
//!
//! ```
//! use brayns_sdk::simulation::{Simulation, TimeUnit};
//!
//! // Frames 0 to 1000, 0.1 ms apart.
//! let simulation = Simulation::new(0, 1000, 0.1, TimeUnit::Millisecond);
//! assert_eq!(simulation.frame_count(), 1001);
//! assert_eq!(simulation.fps(), 10_000.0);
//! assert_eq!(simulation.frame_at(25.0), 250);
//! assert_eq!(simulation.frame_at(1e9), 1000); // clamped to the last frame
//! assert_eq!(simulation.time_of(250), 25.0);
//! ```

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use crate::compat::field;
use crate::{Brayns, Result, types};

/// The unit of simulation times. Brayns 3 always reports milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TimeUnit {
    /// `s`.
    Second,
    /// `ms`.
    #[default]
    Millisecond,
    /// `us`.
    Microsecond,
    /// `ns`.
    Nanosecond,
}

impl TimeUnit {
    /// The unit's symbol, as Brayns writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Second => "s",
            Self::Millisecond => "ms",
            Self::Microsecond => "us",
            Self::Nanosecond => "ns",
        }
    }

    /// How many of this unit make a second.
    pub fn per_second(self) -> f64 {
        match self {
            Self::Second => 1.0,
            Self::Millisecond => 1e3,
            Self::Microsecond => 1e6,
            Self::Nanosecond => 1e9,
        }
    }

    /// One of this unit in seconds.
    pub fn seconds(self) -> f64 {
        1.0 / self.per_second()
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A time unit that is not one of [`TimeUnit`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time unit {0:?} (expected s, ms, us or ns)")]
pub struct UnknownTimeUnit(pub String);

impl FromStr for TimeUnit {
    type Err = UnknownTimeUnit;

    fn from_str(unit: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match unit {
            "s" => Self::Second,
            "ms" => Self::Millisecond,
            "us" | "µs" => Self::Microsecond,
            "ns" => Self::Nanosecond,
            _ => return Err(UnknownTimeUnit(unit.to_owned())),
        })
    }
}

/// The simulation's frames: the first, the last, the current one, and the time between two.
///
/// Frame `n` is at time `n × delta_time` (the first frame needs not be 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulation {
    /// The first frame.
    pub start_frame: u64,
    /// The last frame (included).
    pub end_frame: u64,
    /// The frame being shown.
    pub current_frame: u64,
    /// The time between two frames, in [`unit`](Self::unit).
    pub delta_time: f64,
    /// The unit of times.
    pub unit: TimeUnit,
}

impl Simulation {
    /// Frames `start_frame..=end_frame`, `delta_time` apart, the current one the first.
    pub fn new(start_frame: u64, end_frame: u64, delta_time: f64, unit: TimeUnit) -> Self {
        Self {
            start_frame,
            end_frame,
            current_frame: start_frame,
            delta_time,
            unit,
        }
    }

    /// The frames, first to last.
    pub fn frames(&self) -> RangeInclusive<u64> {
        self.start_frame..=self.end_frame
    }

    /// How many frames there are (0 if the last is before the first).
    pub fn frame_count(&self) -> u64 {
        (self.end_frame + 1).saturating_sub(self.start_frame)
    }

    /// The time from the first frame to the last, in [`unit`](Self::unit).
    pub fn duration(&self) -> f64 {
        self.end_frame.saturating_sub(self.start_frame) as f64 * self.delta_time
    }

    /// The frames per second of simulated time.
    pub fn fps(&self) -> f64 {
        self.unit.per_second() / self.delta_time
    }

    /// `frame` brought into the simulation's frames.
    pub fn clamp(&self, frame: u64) -> u64 {
        frame.clamp(self.start_frame, self.end_frame.max(self.start_frame))
    }

    /// The frame nearest to `time` (in [`unit`](Self::unit)), clamped to the simulation's
    /// frames (a time that is not a number gives the first frame).
    pub fn frame_at(&self, time: f64) -> u64 {
        let frame = (time / self.delta_time).round();
        if frame.is_nan() || frame <= self.start_frame as f64 {
            return self.start_frame;
        }
        // `as` saturates: huge times give u64::MAX, clamped below.
        self.clamp(frame as u64)
    }

    /// The time of `frame`, in [`unit`](Self::unit) (not clamped).
    pub fn time_of(&self, frame: u64) -> f64 {
        frame as f64 * self.delta_time
    }

    /// The time of `frame`, in seconds (not clamped).
    pub fn seconds_of(&self, frame: u64) -> f64 {
        self.time_of(frame) * self.unit.seconds()
    }
}

impl TryFrom<types::SimulationParameters> for Simulation {
    type Error = UnknownTimeUnit;

    /// A release whose schema leaves fields optional (3.0, 3.1) reads a missing frame or
    /// delta as 0. A missing or empty unit (no simulation loaded) reads as milliseconds.
    fn try_from(parameters: types::SimulationParameters) -> std::result::Result<Self, Self::Error> {
        let start_frame = field::<u64>(parameters.start_frame).unwrap_or_default();
        Ok(Self {
            start_frame,
            end_frame: field::<u64>(parameters.end_frame).unwrap_or_default(),
            current_frame: parameters.current.unwrap_or(start_frame),
            delta_time: field::<f64>(parameters.dt).unwrap_or_default(),
            unit: match field::<String>(parameters.unit) {
                Some(unit) if !unit.is_empty() => unit.parse()?,
                _ => TimeUnit::default(),
            },
        })
    }
}

impl Brayns {
    /// The simulation (`get-simulation-parameters`).
    ///
    /// A unit this SDK does not know is an [`Error::Rpc`](crate::Error::Rpc) with a
    /// [`Protocol`](crate::rpc::Error::Protocol) error: Brayns 3 always sends `ms`.
    pub async fn simulation(&self) -> Result<Simulation> {
        let parameters = self.get_simulation_parameters().await?;
        Simulation::try_from(parameters).map_err(|error| {
            crate::Error::Rpc(crate::rpc::Error::Protocol(format!(
                "get-simulation-parameters: {error}"
            )))
        })
    }

    /// Shows `frame` (`set-simulation-parameters`), clamped to the simulation's frames,
    /// and returns the frame shown.
    pub async fn set_simulation_frame(&self, frame: u64) -> Result<u64> {
        let frame = self.simulation().await?.clamp(frame);
        // 3.0 and 3.1 take more (optional) fields than `current`.
        #[allow(clippy::needless_update)]
        let update = types::SimulationParametersUpdate {
            current: Some(frame),
            ..Default::default()
        };
        self.set_simulation_parameters(&update).await?;
        Ok(frame)
    }
}
