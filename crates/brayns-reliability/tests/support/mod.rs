//! Shared support for the reliability and security suite (`tests/`): purpose-built
//! misbehaving websocket servers ([`ScriptServer`], and [`RawServer`] for bytes no websocket
//! library would send), a TCP proxy that counts connection
//! attempts ([`CountingProxy`]), certificates made with rcgen ([`Pki`]), a port that refuses
//! connections until the test listens on it ([`ReservedPort`]), and a bound on every test body
//! ([`bounded`]) so nothing can hang CI.
//!
//! The suite's map of failure modes to tests is `docs/RELIABILITY.md`.
//!
//! Each test binary declares `mod support;` and uses part of it, so what one binary leaves
//! unused is not dead code.
#![allow(dead_code, unused_imports)]

pub mod load;
mod pki;
mod port;
mod proxy;
mod raw;
mod script;

use std::future::Future;
use std::time::Duration;

pub use pki::Pki;
pub use port::ReservedPort;
pub use proxy::CountingProxy;
pub use raw::{RawServer, switching_protocols};
pub use script::{Peer, ScriptServer, binary_frame};

/// Upper bound for any single test body.
pub const TEST_LIMIT: Duration = Duration::from_secs(20);

/// Runs `body`, panicking if it takes longer than [`TEST_LIMIT`].
pub async fn bounded<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .expect("test exceeded its time limit")
}

/// Peak resident memory of this process in KiB (`VmHWM`), where the OS reports it (Linux).
pub fn peak_memory_kib() -> Option<u64> {
    proc_status_kib("VmHWM:")
}

/// Virtual memory of this process in KiB (`VmSize`), where the OS reports it (Linux): what
/// `ulimit -v` limits, and what an allocation counts against even before its pages are used.
pub fn virtual_memory_kib() -> Option<u64> {
    proc_status_kib("VmSize:")
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
