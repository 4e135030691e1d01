//! The SDK without `async`, for scripts (feature `blocking`, on by default), as reqwest
//! has `reqwest::blocking`.
//!
//! [`Brayns`] owns a small runtime of its own (one worker thread, which keeps the connection
//! served between calls) and has a blocking twin of every method of the async
//! [`crate::Brayns`], with the same params and results; async entrypoints give a [`Task`]
//! whose progress is an iterator. The async API stays the primary one: the facade waits on
//! it, so both behave the same.
//!
//! ```no_run
//! use brayns_sdk::blocking::Brayns;
//! use brayns_sdk::types::SnapshotParams;
//!
//! # fn main() -> brayns_sdk::Result<()> {
//! let brayns = Brayns::connect("localhost:5000")?;
//! println!("{:?}", brayns.get_version()?);
//! let mut task = brayns.snapshot(&SnapshotParams::default())?;
//! for progress in task.progress() {
//!     println!("{:.0}%", progress.amount * 100.0);
//! }
//! let image = task.wait()?;
//! # Ok(())
//! # }
//! ```
//!
//! Its calls must not be made from inside an async runtime (they would block one of its
//! threads): there they fail with [`Error::Usage`], never block or panic.

mod scripting;

use std::future::Future;
use std::sync::Arc;

use brayns_rpc::{Connector, Progress, RequestId};

use crate::{Error, Result, VersionPolicy};

/// The facade's runtime. Shut down in the background when the last handle goes, so that
/// dropping a facade can never panic or block, wherever it happens.
#[derive(Debug)]
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn new() -> Result<Self> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("brayns-blocking")
            .enable_all()
            .build()
            .map(|runtime| Self(Some(runtime)))
            .map_err(|error| Error::Usage(format!("cannot start the blocking runtime: {error}")))
    }

    /// Runs `future` to its end on this runtime; refused inside another runtime.
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Usage(
                "the blocking facade was called from inside an async runtime: use the async \
                 brayns_sdk::Brayns there"
                    .to_owned(),
            ));
        }
        match &self.0 {
            Some(runtime) => Ok(runtime.block_on(future)),
            None => Err(Error::Usage("the blocking runtime is shut down".to_owned())),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A Brayns instance, blocking: every entrypoint as a method that waits for its result.
///
/// Cloning is cheap (the connection and the runtime are shared).
#[derive(Debug, Clone)]
pub struct Brayns {
    inner: crate::Brayns,
    runtime: Arc<Runtime>,
}

impl Brayns {
    /// Connects as [`crate::Brayns::connect`] does.
    pub fn connect(uri: impl Into<String>) -> Result<Self> {
        Self::connect_with(Connector::new(uri), VersionPolicy::default())
    }

    /// Connects as [`crate::Brayns::connect_with`] does.
    pub fn connect_with(connector: Connector, policy: VersionPolicy) -> Result<Self> {
        let runtime = Arc::new(Runtime::new()?);
        let inner = runtime.block_on(crate::Brayns::connect_with(connector, policy))??;
        Ok(Self { inner, runtime })
    }

    /// The async client this facade waits on, for what only the async API has (streams,
    /// [`crate::Brayns::rpc`]); use it from inside an async runtime only.
    pub fn asynchronous(&self) -> &crate::Brayns {
        &self.inner
    }

    /// Runs any future of the async API to its end on this facade's runtime:
    /// `brayns.block_on(brayns.asynchronous().verify_schemas())`.
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        self.runtime.block_on(future)
    }

    /// Closes the connection and waits until it is closed.
    pub fn disconnect(&self) -> Result<()> {
        self.block_on(self.inner.rpc().disconnect())
    }
}

impl crate::seam::Blocking for Brayns {
    type Task<T> = Task<T>;

    fn asynchronous(&self) -> &crate::Brayns {
        &self.inner
    }

    fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        self.runtime.block_on(future)
    }

    fn task<T>(&self, task: crate::Task<T>) -> Task<T> {
        Task {
            inner: Some(task),
            runtime: self.runtime.clone(),
        }
    }
}

/// A running async entrypoint, blocking: follow its progress, cancel it, wait for its
/// output. Dropping it unfinished cancels it on the server, as the async task does.
#[derive(Debug)]
pub struct Task<T> {
    /// `None` once waited for.
    inner: Option<crate::Task<T>>,
    runtime: Arc<Runtime>,
}

impl<T> Task<T> {
    /// The id of the request, as `cancel` takes it.
    pub fn id(&self) -> Option<RequestId> {
        self.inner.as_ref().map(crate::Task::id)
    }

    /// Waits for the next progress notification; `None` once the task has ended (or when
    /// called from inside an async runtime).
    pub fn next_progress(&mut self) -> Option<Progress> {
        let inner = self.inner.as_mut()?;
        self.runtime.block_on(inner.next_progress()).ok().flatten()
    }

    /// The progress notifications as an iterator, ending with the task.
    pub fn progress(&mut self) -> impl Iterator<Item = Progress> + '_ {
        std::iter::from_fn(move || self.next_progress())
    }

    /// Asks the server to cancel the task (see [`crate::Task::cancel`]).
    pub fn cancel(&self) -> Result<()> {
        match &self.inner {
            Some(inner) => self.runtime.block_on(inner.cancel())?,
            None => Ok(()),
        }
    }

    /// Waits for the output.
    pub fn wait(mut self) -> Result<T> {
        match self.inner.take() {
            Some(inner) => self.runtime.block_on(inner.wait())?,
            None => Err(Error::Usage("the task was already waited for".to_owned())),
        }
    }
}
