//! Requests to end the connection, which the connection task must notice whatever its writer is
//! doing.
//!
//! Frames go through a channel that the task reads only while the socket takes more bytes: a
//! peer that stops reading would leave a disconnect request queued behind them forever (and
//! sending it would not even wake the task). So ending the connection is also signalled here,
//! and the task polls this signal first on every wake-up.

use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

const DISCONNECT: u8 = 1;
const ABANDONED: u8 = 2;

/// Why the connection task is asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// [`Client::disconnect`](crate::Client::disconnect) was called.
    Disconnect,
    /// Every client handle was dropped.
    Abandoned,
}

/// A stop signal raised by client handles and polled by the connection task.
#[derive(Default)]
pub(crate) struct Control {
    raised: AtomicU8,
    waker: AtomicWaker,
}

impl Control {
    /// Asks the connection task to disconnect.
    pub(crate) fn disconnect(&self) {
        self.raise(DISCONNECT);
    }

    /// Tells the connection task that no client handle is left.
    pub(crate) fn abandon(&self) {
        self.raise(ABANDONED);
    }

    fn raise(&self, flag: u8) {
        self.raised.fetch_or(flag, Ordering::AcqRel);
        self.waker.wake();
    }

    /// Ready once a stop was asked for; otherwise registers the task to be woken when it is.
    pub(crate) fn poll_stop(&self, cx: &mut Context<'_>) -> Poll<Stop> {
        // Register before looking, so a stop raised in between still wakes the task.
        self.waker.register(cx.waker());
        let raised = self.raised.load(Ordering::Acquire);
        if raised & DISCONNECT != 0 {
            Poll::Ready(Stop::Disconnect)
        } else if raised & ABANDONED != 0 {
            Poll::Ready(Stop::Abandoned)
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_stop_raised_while_waiting_wakes_the_waiter() {
        let control = Arc::new(Control::default());
        let raiser = control.clone();
        let waiter = tokio::spawn(async move { poll_fn(|cx| control.poll_stop(cx)).await });
        tokio::task::yield_now().await;
        raiser.abandon();
        let stop = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .unwrap();
        assert_eq!(stop, Stop::Abandoned);
    }

    #[test]
    fn a_disconnect_wins_over_abandonment() {
        let control = Control::default();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(control.poll_stop(&mut cx).is_pending());
        control.abandon();
        control.disconnect();
        assert_eq!(control.poll_stop(&mut cx), Poll::Ready(Stop::Disconnect));
    }
}
