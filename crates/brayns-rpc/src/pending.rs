//! The pending-request map shared by callers and the connection task: who waits for which id.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, oneshot};

use crate::control::Control;
use crate::error::Result;
use crate::request::RequestId;
use crate::response::{Progress, Response};

/// Where the outcome of one request goes.
pub(crate) struct Slot {
    pub(crate) method: Cow<'static, str>,
    pub(crate) done: oneshot::Sender<Result<Response>>,
    /// Set for tasks: receives progress notifications.
    pub(crate) progress: Option<mpsc::UnboundedSender<Progress>>,
}

/// State shared by every [`Client`](crate::Client) clone and the connection task.
pub(crate) struct Shared {
    state: Mutex<State>,
    connected: AtomicBool,
    next_id: AtomicI64,
    /// How client handles ask the connection task to stop.
    control: Control,
}

/// How many abandoned ids are remembered. A late reply to an id forgotten beyond this is
/// taken for a second reply (logged at WARN instead of DEBUG): only after more calls than
/// this timed out or were dropped with no answer ever coming.
const MAX_ABANDONED: usize = 4096;

struct State {
    slots: HashMap<i64, Slot, BuildHasherDefault<IdHasher>>,
    /// Ids whose caller stopped waiting (timed out, dropped, fire-and-forget cancels) and that
    /// the server has not answered yet: a reply for one of them is late, not a second reply.
    abandoned: BTreeSet<i64>,
    /// Set once the connection is gone; later inserts fail with this reason.
    closed: Option<Arc<str>>,
}

impl State {
    fn remember_abandoned(&mut self, id: i64) {
        self.abandoned.insert(id);
        if self.abandoned.len() > MAX_ABANDONED {
            // Ids only grow: the first is the oldest.
            self.abandoned.pop_first();
        }
    }
}

/// What became of a progress notification.
pub(crate) enum ProgressRoute {
    Delivered,
    /// The id belongs to a plain call, not a task: nobody listens for progress.
    NotATask,
    Unknown,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        Shared {
            state: Mutex::new(State {
                slots: HashMap::default(),
                abandoned: BTreeSet::new(),
                closed: None,
            }),
            connected: AtomicBool::new(true),
            next_id: AtomicI64::new(1),
            control: Control::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; if something did, the map is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn control(&self) -> &Control {
        &self.control
    }

    /// A fresh id; ids are never reused.
    pub(crate) fn next_id(&self) -> RequestId {
        RequestId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Whether `id` was handed out already (a reply for it is late or a second one, not for
    /// an id the server made up).
    pub(crate) fn was_issued(&self, id: i64) -> bool {
        id >= 1 && id < self.next_id.load(Ordering::Relaxed)
    }

    /// Stops waiting for `id`: its entry, if any, is removed and returned, and then a reply
    /// arriving later is expected. Without an entry, the reply has arrived already.
    pub(crate) fn abandon(&self, id: i64) -> Option<Slot> {
        let mut state = self.lock();
        let slot = state.slots.remove(&id);
        if slot.is_some() {
            state.remember_abandoned(id);
        }
        slot
    }

    /// Expects a reply nobody waits for: `id` was sent without an entry (a fire-and-forget
    /// cancel).
    pub(crate) fn expect_unwaited_reply(&self, id: i64) {
        self.lock().remember_abandoned(id);
    }

    /// Whether `id` was abandoned and not answered yet; it counts as answered from now on.
    pub(crate) fn answer_abandoned(&self, id: i64) -> bool {
        self.lock().abandoned.remove(&id)
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// Registers a waiter, unless the connection is already closed.
    pub(crate) fn insert(&self, id: RequestId, slot: Slot) -> Result<(), Arc<str>> {
        let mut state = self.lock();
        if let Some(reason) = &state.closed {
            return Err(reason.clone());
        }
        state.slots.insert(id.0, slot);
        Ok(())
    }

    pub(crate) fn remove(&self, id: i64) -> Option<Slot> {
        self.lock().slots.remove(&id)
    }

    pub(crate) fn progress(&self, id: i64, progress: Progress) -> ProgressRoute {
        let state = self.lock();
        match state.slots.get(&id) {
            Some(Slot {
                progress: Some(sender),
                ..
            }) => {
                // The task handle may be gone already; then the progress is simply unwanted.
                let _ = sender.send(progress);
                ProgressRoute::Delivered
            }
            Some(_) => ProgressRoute::NotATask,
            None => ProgressRoute::Unknown,
        }
    }

    /// Marks the connection closed and takes every waiter, so they can be failed at once.
    pub(crate) fn close(&self, reason: Arc<str>) -> Vec<Slot> {
        let mut state = self.lock();
        self.connected.store(false, Ordering::Release);
        if state.closed.is_none() {
            state.closed = Some(reason);
        }
        state.slots.drain().map(|(_, slot)| slot).collect()
    }

    pub(crate) fn closed_reason(&self) -> Option<Arc<str>> {
        self.lock().closed.clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().slots.len()
    }
}

/// Removes a pending entry when the waiting future is dropped or times out.
pub(crate) struct PendingGuard<'a> {
    shared: &'a Shared,
    id: Option<i64>,
}

impl<'a> PendingGuard<'a> {
    pub(crate) fn new(shared: &'a Shared, id: RequestId) -> PendingGuard<'a> {
        PendingGuard {
            shared,
            id: Some(id.0),
        }
    }

    /// The reply arrived; the connection task already removed the entry.
    pub(crate) fn disarm(mut self) {
        self.id = None;
    }
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.shared.abandon(id);
        }
    }
}

/// Hashes the sequential `i64` ids with one multiplication (Fibonacci hashing), which spreads
/// them over the whole `u64` range as the hash table expects.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, id: i64) {
        self.0 = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> Slot {
        Slot {
            method: Cow::Borrowed("m"),
            done: oneshot::channel().0,
            progress: None,
        }
    }

    #[test]
    fn only_calls_still_waiting_expect_a_late_reply() {
        let shared = Shared::new();
        let waiting = shared.next_id();
        shared.insert(waiting, slot()).unwrap();
        assert!(shared.abandon(waiting.0).is_some());
        // Answered before its caller gave up: a reply now would be a second one.
        let answered = shared.next_id();
        assert!(shared.abandon(answered.0).is_none());
        let cancel = shared.next_id();
        shared.expect_unwaited_reply(cancel.0);
        assert!(shared.answer_abandoned(waiting.0));
        assert!(!shared.answer_abandoned(waiting.0), "answered once");
        assert!(!shared.answer_abandoned(answered.0));
        assert!(shared.answer_abandoned(cancel.0));
    }

    #[test]
    fn abandoned_ids_are_bounded_and_the_oldest_go_first() {
        let shared = Shared::new();
        for id in 1..=(MAX_ABANDONED as i64 + 10) {
            shared.expect_unwaited_reply(id);
        }
        assert_eq!(shared.lock().abandoned.len(), MAX_ABANDONED);
        assert!(!shared.answer_abandoned(10));
        assert!(shared.answer_abandoned(11));
    }
}
