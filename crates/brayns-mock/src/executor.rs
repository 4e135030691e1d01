//! The execution model of the real server (PROTOCOL §6–§9): one global FIFO, one request
//! executing at a time across all clients, `cancel` handled at once, async tasks that poll for
//! cancellation and disconnection between progress steps, and `quit` draining the queue.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::handlers::{Outcome, State};
use crate::jsonrpc::{self, Request, RpcError, codes};
use brayns_snapshot::Entrypoint;

use crate::snapshot::Snapshot;
use crate::task_log::{TaskLog, TaskOutcome};
use crate::wire::Outgoing;

/// One client connection as the executor sees it: where its messages go and whether it is gone.
pub(crate) struct Connection {
    pub(crate) id: u64,
    tx: mpsc::UnboundedSender<Outgoing>,
    closed: AtomicBool,
}

impl Connection {
    pub(crate) fn new(id: u64, tx: mpsc::UnboundedSender<Outgoing>) -> Connection {
        Connection {
            id,
            tx,
            closed: AtomicBool::new(false),
        }
    }

    pub(crate) fn send(&self, message: Outgoing) {
        if !self.is_closed() {
            // The writer may already be gone; like the server, send errors are swallowed.
            let _ = self.tx.send(message);
        }
    }

    /// Queues a marker after which the writer flushes and stops.
    pub(crate) fn finish(&self) {
        let _ = self.tx.send(Outgoing::Finish);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// The number the server prints in "No requests found with ID <N>.": the address of the
    /// connection's handle object (a server bug); the mock makes up a plausible one.
    fn handle(&self) -> u64 {
        0x5581_2c40_0000 + self.id * 0x1a0
    }
}

/// A queued or running request with an id, visible to `cancel`.
pub(crate) struct TaskEntry {
    conn_id: u64,
    id: Value,
    entrypoint: Arc<Entrypoint>,
    cancelled: AtomicBool,
}

impl TaskEntry {
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

pub(crate) struct Job {
    conn: Arc<Connection>,
    request: Request,
    entry: Option<(u64, Arc<TaskEntry>)>,
}

/// State shared by the connections and the executor.
pub(crate) struct Hub {
    pub(crate) snapshot: Snapshot,
    pub(crate) config: Config,
    pub(crate) log: TaskLog,
    tasks: Mutex<HashMap<u64, Arc<TaskEntry>>>,
    next_task: AtomicU64,
    next_connection: AtomicU64,
    queue: mpsc::UnboundedSender<Job>,
    quitting: AtomicBool,
    pub(crate) shutdown: watch::Sender<bool>,
}

impl Hub {
    pub(crate) fn new(
        snapshot: Snapshot,
        config: Config,
    ) -> (Arc<Hub>, mpsc::UnboundedReceiver<Job>) {
        let (queue, jobs) = mpsc::unbounded_channel();
        let hub = Hub {
            snapshot,
            config,
            log: TaskLog::default(),
            tasks: Mutex::new(HashMap::new()),
            next_task: AtomicU64::new(0),
            next_connection: AtomicU64::new(1),
            queue,
            quitting: AtomicBool::new(false),
            shutdown: watch::Sender::new(false),
        };
        (Arc::new(hub), jobs)
    }

    pub(crate) fn connection(&self, tx: mpsc::UnboundedSender<Outgoing>) -> Arc<Connection> {
        Arc::new(Connection::new(
            self.next_connection.fetch_add(1, Ordering::Relaxed),
            tx,
        ))
    }

    /// True once `quit` ran: new frames are ignored while the queue drains.
    pub(crate) fn is_quitting(&self) -> bool {
        self.quitting.load(Ordering::Acquire)
    }

    fn tasks(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<TaskEntry>>> {
        self.tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Step 7: queue a valid request (or run `cancel` at once).
    pub(crate) fn dispatch(&self, conn: &Arc<Connection>, request: Request) {
        if request.entrypoint.method == "cancel" {
            self.cancel(conn, &request);
            return;
        }
        let entry = request.id.as_ref().map(|id| {
            let key = self.next_task.fetch_add(1, Ordering::Relaxed);
            let entry = Arc::new(TaskEntry {
                conn_id: conn.id,
                id: id.clone(),
                entrypoint: request.entrypoint.clone(),
                cancelled: AtomicBool::new(false),
            });
            self.tasks().insert(key, entry.clone());
            (key, entry)
        });
        let job = Job {
            conn: conn.clone(),
            request,
            entry,
        };
        if let Err(mpsc::error::SendError(job)) = self.queue.send(job) {
            // The executor is gone (server stopping): the request is dropped like on quit.
            if let Some((key, _)) = job.entry {
                self.tasks().remove(&key);
            }
        }
    }

    /// `cancel` (PROTOCOL §8). The reply is queued before the target can observe the flag, so it
    /// always precedes the target's code-20 error.
    fn cancel(&self, conn: &Arc<Connection>, request: &Request) {
        let target = request.params.get("id").unwrap_or(Value::Null);
        let reply = |result: Result<(), RpcError>| {
            let Some(id) = &request.id else {
                return;
            };
            let text = match result {
                Ok(()) => jsonrpc::reply_text(id, "null"),
                Err(error) => jsonrpc::error_text(id, &error),
            };
            conn.send(Outgoing::Text(text));
        };
        if target.is_null() {
            reply(Err(RpcError::new(codes::INVALID_PARAMS, "Empty task ID")));
            return;
        }
        let tasks = self.tasks();
        let mut matches: Vec<(&u64, &Arc<TaskEntry>)> = tasks
            .iter()
            .filter(|(_, entry)| entry.conn_id == conn.id && entry.id == target)
            .collect();
        matches.sort_by_key(|(key, _)| **key);
        if matches.is_empty() {
            let message = format!("No requests found with ID {}.", conn.handle());
            reply(Err(RpcError::new(codes::INVALID_PARAMS, message)));
            return;
        }
        for (_, entry) in &matches {
            if !entry.entrypoint.is_async {
                let message = format!("Method '{}' is not cancellable.", entry.entrypoint.method);
                reply(Err(RpcError::new(codes::INVALID_PARAMS, message)));
                return;
            }
            if entry.is_cancelled() {
                let shown = match &target {
                    Value::String(text) => format!("'{text}'"),
                    other => other.to_string(),
                };
                reply(Err(RpcError::new(
                    codes::INVALID_PARAMS,
                    format!("Request {shown} already cancelled"),
                )));
                return;
            }
        }
        reply(Ok(()));
        for (_, entry) in matches {
            entry.cancelled.store(true, Ordering::Release);
        }
    }
}

/// What a running handler sees of its request: progress, and polls for cancel and disconnect.
pub(crate) struct TaskContext<'a> {
    hub: &'a Hub,
    conn: &'a Arc<Connection>,
    entry: Option<&'a Arc<TaskEntry>>,
    id: Option<&'a Value>,
    method: &'a str,
    cancel_on_disconnect: bool,
}

/// Why an async handler stopped at a poll.
pub(crate) enum Stop {
    Cancelled,
    Disconnected,
}

impl TaskContext<'_> {
    pub(crate) fn config(&self) -> &Config {
        &self.hub.config
    }

    /// Whether a disconnection of the client stops this task (uploads and downloads do).
    pub(crate) fn cancel_on_disconnect(&mut self, value: bool) {
        self.cancel_on_disconnect = value;
    }

    /// `CancellationToken::poll`: stops the task if it was cancelled or its client left.
    pub(crate) fn poll(&self) -> Result<(), Stop> {
        if self.entry.is_some_and(|entry| entry.is_cancelled()) {
            return Err(Stop::Cancelled);
        }
        if self.cancel_on_disconnect && self.conn.is_closed() {
            return Err(Stop::Disconnected);
        }
        Ok(())
    }

    /// Polls, then sends a progress notification (requests with an id only).
    pub(crate) fn progress(&self, operation: &str, amount: f64) -> Result<(), Stop> {
        self.poll()?;
        if let Some(id) = self.id {
            self.conn.send(Outgoing::Text(jsonrpc::progress_text(
                self.method,
                id,
                operation,
                amount,
            )));
        }
        Ok(())
    }

    /// Sleeps one simulated work step.
    pub(crate) async fn step(&self) {
        let duration = self.hub.config.step_duration;
        if !duration.is_zero() {
            tokio::time::sleep(duration).await;
        }
    }
}

/// Runs the queue until the server stops or `quit` has drained it.
pub(crate) async fn run(hub: Arc<Hub>, mut jobs: mpsc::UnboundedReceiver<Job>, mut state: State) {
    let mut shutdown = hub.shutdown.subscribe();
    loop {
        let job = tokio::select! {
            biased;
            _ = shutdown.wait_for(|stopped| *stopped) => None,
            job = jobs.recv() => job,
        };
        let Some(job) = job else {
            break;
        };
        if execute(&hub, &mut state, job).await {
            hub.quitting.store(true, Ordering::Release);
            while let Ok(job) = jobs.try_recv() {
                execute(&hub, &mut state, job).await;
            }
            hub.shutdown.send_replace(true);
            break;
        }
    }
}

/// Executes one job; true when it was `quit`.
async fn execute(hub: &Hub, state: &mut State, job: Job) -> bool {
    let Job {
        conn,
        request,
        entry,
    } = job;
    let method = request.entrypoint.method.as_str();
    let id = request.id.as_ref();
    let finish = |outcome: TaskOutcome| {
        if let Some((key, _)) = &entry {
            hub.tasks().remove(key);
        }
        hub.log.push(method, id, outcome);
    };
    if conn.is_closed() {
        finish(TaskOutcome::Dropped);
        return false;
    }
    if entry
        .as_ref()
        .is_some_and(|(_, entry)| entry.is_cancelled())
    {
        finish(TaskOutcome::Cancelled);
        send_error(
            &conn,
            id,
            &RpcError::new(codes::TASK_CANCELLED, "Task has been cancelled"),
        );
        return false;
    }
    if let Some(latency) = hub.config.latency.get(method) {
        tokio::time::sleep(*latency).await;
    }
    if request.entrypoint.is_async {
        hub.log.push(method, id, TaskOutcome::Started);
    }
    let mut context = TaskContext {
        hub,
        conn: &conn,
        entry: entry.as_ref().map(|(_, entry)| entry),
        id,
        method,
        cancel_on_disconnect: false,
    };
    let outcome = state.run(&mut context, &request).await;
    if let Some((key, _)) = &entry {
        hub.tasks().remove(key);
    }
    let malformed = hub.config.malformed.get(method).copied();
    let (logged, quit) = match outcome {
        Outcome::Result(result) => {
            send_reply(&conn, id, malformed, || {
                Outgoing::Text(jsonrpc::reply_text(id.unwrap_or(&Value::Null), &result))
            });
            (TaskOutcome::Completed, false)
        }
        Outcome::Binary { result, payload } => {
            send_reply(&conn, id, malformed, || Outgoing::Binary {
                json: jsonrpc::reply_text(id.unwrap_or(&Value::Null), &result),
                payload,
            });
            (TaskOutcome::Completed, false)
        }
        Outcome::Error(error) => {
            send_error(&conn, id, &error);
            (TaskOutcome::Failed(error.code), false)
        }
        Outcome::Stopped(Stop::Cancelled) => {
            send_error(
                &conn,
                id,
                &RpcError::new(codes::TASK_CANCELLED, "Task has been cancelled"),
            );
            (TaskOutcome::Cancelled, false)
        }
        Outcome::Stopped(Stop::Disconnected) => (TaskOutcome::Aborted, false),
        Outcome::Quit => {
            send_reply(&conn, id, malformed, || {
                Outgoing::Text(jsonrpc::reply_text(id.unwrap_or(&Value::Null), "null"))
            });
            (TaskOutcome::Completed, true)
        }
    };
    hub.log.push(method, id, logged);
    quit
}

fn send_reply(
    conn: &Connection,
    id: Option<&Value>,
    malformed: Option<crate::config::MalformedFrame>,
    message: impl FnOnce() -> Outgoing,
) {
    if id.is_none() {
        return;
    }
    match malformed {
        Some(frame) => conn.send(Outgoing::Raw(frame.bytes())),
        None => conn.send(message()),
    }
}

fn send_error(conn: &Connection, id: Option<&Value>, error: &RpcError) {
    if let Some(id) = id {
        conn.send(Outgoing::Text(jsonrpc::error_text(id, error)));
    }
}
