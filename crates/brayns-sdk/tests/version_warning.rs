//! The default version policy's warning, through `tracing`.
//!
//! Alone in its own test binary on purpose: `tracing::subscriber::set_default` is
//! thread-scoped, but callsite interest is cached process-wide, so another test hitting
//! the same `warn!` on another thread while this one installs its subscriber can make
//! the event invisible here (it failed that way, rarely, beside the other connect tests).

mod common;

use brayns_mock::MockServer;
use brayns_sdk::Brayns;
use common::{LIMIT, mock_of_release};

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_default_policy_warns_through_tracing_naming_both_releases() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    // The current-thread runtime keeps every poll on this thread, under this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);
    tokio::time::timeout(LIMIT, async {
        let target = brayns_sdk::BRAYNS_VERSION;
        let mock = mock_of_release(target.major, target.minor + 2, 5).await;
        Brayns::connect(mock.uri()).await.unwrap();
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("WARN"), "{logs}");
        let other = format!("{}.{}.5", target.major, target.minor + 2);
        assert!(
            logs.contains(&other) && logs.contains(&target.to_string()),
            "{logs}"
        );

        captured.0.lock().unwrap().clear();
        let same = MockServer::builder().start().await.unwrap();
        Brayns::connect(same.uri()).await.unwrap();
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(!logs.contains("another Brayns release"), "{logs}");
        mock.stop().await;
        same.stop().await;
    })
    .await
    .expect("in time");
}
