//! What every example needs first: a Brayns instance to talk to.

use std::time::Duration;

use brayns_mock::{BackgroundMockServer, MockServer};

/// The instance an example talks to: the one at `BRAYNS_URI`, or an embedded mock that
/// lives as long as this value.
pub struct Instance {
    /// `host:port` (or `ws://`/`wss://` URI) to connect to.
    pub uri: String,
    /// Whether it is the embedded mock (which draws a stand-in of the scene, not a rendering).
    pub is_mock: bool,
    _mock: Option<BackgroundMockServer>,
}

/// The instance at `BRAYNS_URI` when set, otherwise a `brayns-mock` started in the
/// background on a free loopback port. Says which on standard output.
pub fn instance() -> anyhow::Result<Instance> {
    if let Some(uri) = std::env::var("BRAYNS_URI")
        .ok()
        .filter(|uri| !uri.trim().is_empty())
    {
        println!("Using the Brayns instance at {uri} (BRAYNS_URI).");
        return Ok(Instance {
            uri,
            is_mock: false,
            _mock: None,
        });
    }
    // Progress slow enough to be seen, fast enough for a tour of a few seconds.
    let mock = MockServer::builder()
        .progress_steps(20)
        .step_duration(Duration::from_millis(40))
        .start_in_background()?;
    println!(
        "BRAYNS_URI is not set: started the embedded brayns-mock (a stand-in for Brayns {}) at {}.",
        brayns_sdk::BRAYNS_VERSION,
        mock.uri()
    );
    Ok(Instance {
        uri: mock.uri(),
        is_mock: true,
        _mock: Some(mock),
    })
}
