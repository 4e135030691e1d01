//! A record of what the executor did with each request, so tests can observe server-side effects
//! a client cannot see (a task dropped because its client left, a download cancelled on disconnect).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::Notify;

/// How many events are kept (the oldest are forgotten), so long benchmarks stay bounded.
const CAPACITY: usize = 10_000;

/// What happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    /// It started executing (logged for async entrypoints only, before their progress).
    Started,
    /// It finished with a result.
    Completed,
    /// It finished with an error reply (its code).
    Failed(i64),
    /// It was cancelled by `cancel` (queued or running) and answered with code 20.
    Cancelled,
    /// It was still queued when its client disconnected: skipped, never executed.
    Dropped,
    /// It was running when its client disconnected and stopped (downloads and uploads).
    Aborted,
}

/// One entry of the [`TaskLog`].
#[derive(Debug, Clone, PartialEq)]
pub struct TaskEvent {
    /// Method of the request.
    pub method: String,
    /// Its id (`Value::Null` for notifications).
    pub id: Value,
    /// What happened.
    pub outcome: TaskOutcome,
}

/// The executor's log of requests (shared, cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct TaskLog {
    inner: Arc<LogInner>,
}

#[derive(Debug, Default)]
struct LogInner {
    events: Mutex<VecDeque<TaskEvent>>,
    changed: Notify,
}

impl TaskLog {
    pub(crate) fn push(&self, method: &str, id: Option<&Value>, outcome: TaskOutcome) {
        let event = TaskEvent {
            method: method.to_owned(),
            id: id.cloned().unwrap_or(Value::Null),
            outcome,
        };
        let mut events = self
            .inner
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if events.len() == CAPACITY {
            events.pop_front();
        }
        events.push_back(event);
        drop(events);
        self.inner.changed.notify_waiters();
    }

    /// A copy of the events so far, oldest first.
    pub fn events(&self) -> Vec<TaskEvent> {
        self.inner
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// The outcomes logged for one request id, oldest first.
    pub fn outcomes_of(&self, id: &Value) -> Vec<TaskOutcome> {
        self.events()
            .into_iter()
            .filter(|event| &event.id == id)
            .map(|event| event.outcome)
            .collect()
    }

    /// Waits until `predicate` holds for the events (wrap it in a timeout).
    pub async fn wait_until(&self, predicate: impl Fn(&[TaskEvent]) -> bool) {
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if predicate(&self.events()) {
                return;
            }
            changed.await;
        }
    }
}
