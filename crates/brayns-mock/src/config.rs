//! Behaviour knobs of the mock: fault injection and simulated timings.

use std::collections::HashMap;
use std::time::Duration;

/// A malformed frame the mock can send instead of a reply, to test client robustness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedFrame {
    /// A text frame whose payload is not UTF-8.
    InvalidUtf8,
    /// A text frame whose payload is not JSON.
    InvalidJson,
    /// A frame with a reserved opcode (0x3).
    ReservedOpcode,
    /// A binary frame whose JSON length (u32 LE) points past the end of the frame.
    TruncatedBinaryHeader,
}

impl MalformedFrame {
    /// The raw frame bytes (header included, unmasked).
    pub(crate) fn bytes(self) -> Vec<u8> {
        match self {
            MalformedFrame::InvalidUtf8 => vec![0x81, 0x04, 0xff, 0xfe, 0xfd, 0xfc],
            MalformedFrame::InvalidJson => {
                let mut frame = vec![0x81, 0x09];
                frame.extend_from_slice(b"{not json");
                frame
            }
            MalformedFrame::ReservedOpcode => vec![0x83, 0x02, b'{', b'}'],
            MalformedFrame::TruncatedBinaryHeader => vec![0x82, 0x05, 0x10, 0x00, 0x00, 0x00, b'{'],
        }
    }
}

/// Most models the scene holds by default (lights and clipping geometries included). Each costs a
/// few KiB, and one `instantiate-model` request of a few MiB could otherwise ask for millions.
pub(crate) const DEFAULT_MAX_MODELS: usize = 10_000;

/// Viewport of a fresh instance (`_windowSize` in `brayns/parameters/ApplicationParameters.h`).
pub(crate) const DEFAULT_WINDOW_SIZE: [u32; 2] = [800, 600];

/// Everything configurable, filled by [`crate::MockServerBuilder`].
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) latency: HashMap<String, Duration>,
    pub(crate) drop_after_messages: Option<u64>,
    pub(crate) malformed: HashMap<String, MalformedFrame>,
    pub(crate) refuse_for: Option<Duration>,
    pub(crate) binary_payload_size: Option<usize>,
    pub(crate) max_clients: Option<usize>,
    pub(crate) max_models: usize,
    pub(crate) progress_steps: u32,
    pub(crate) step_duration: Duration,
    /// `--plugin` libraries; `None`: every plugin the snapshot has.
    pub(crate) plugins: Option<Vec<String>>,
    /// `--window-size`: the viewport of a fresh instance.
    pub(crate) window_size: [u32; 2],
    /// Whether a result built from the state that its `returns` schema rejects is an error
    /// reply (true) or replaced by a sample (false).
    pub(crate) strict_results: bool,
    /// A simulation as a loaded report gives one: its last frame and `dt`.
    pub(crate) simulation: Option<(u64, f64)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            latency: HashMap::new(),
            drop_after_messages: None,
            malformed: HashMap::new(),
            refuse_for: None,
            binary_payload_size: None,
            max_clients: None,
            max_models: DEFAULT_MAX_MODELS,
            progress_steps: 3,
            step_duration: Duration::from_millis(2),
            plugins: None,
            window_size: DEFAULT_WINDOW_SIZE,
            strict_results: false,
            simulation: None,
        }
    }
}
