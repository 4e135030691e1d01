//! Following a task: a progress bar on a terminal, and Ctrl-C turned into a real `cancel`
//! on the server.

use std::future::Future;
use std::io::IsTerminal;
use std::time::Duration;

use brayns_sdk::{Progress, Task};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{CliError, Result};
use crate::interrupt::Interrupt;

/// How long to wait for a cancelled task's end before giving up on it.
const CANCEL_GRACE: Duration = Duration::from_secs(10);

/// What the follower needs of a task; the SDK's `Task` and `SaveTask` provide it.
pub trait FollowedTask: Send {
    /// What the task gives when it completes.
    type Output;
    /// The next progress message, `None` once the task has ended.
    fn next_progress(&mut self) -> impl Future<Output = Option<Progress>> + Send;
    /// Asks the server to cancel the task.
    fn cancel(&self) -> impl Future<Output = brayns_sdk::Result<()>> + Send;
    /// The task's outcome.
    fn wait(self) -> impl Future<Output = brayns_sdk::Result<Self::Output>> + Send;
}

impl<T: Send> FollowedTask for Task<T> {
    type Output = T;
    fn next_progress(&mut self) -> impl Future<Output = Option<Progress>> + Send {
        Task::next_progress(self)
    }
    fn cancel(&self) -> impl Future<Output = brayns_sdk::Result<()>> + Send {
        Task::cancel(self)
    }
    fn wait(self) -> impl Future<Output = brayns_sdk::Result<T>> + Send {
        Task::wait(self)
    }
}

impl FollowedTask for brayns_sdk::SaveTask {
    type Output = std::path::PathBuf;
    fn next_progress(&mut self) -> impl Future<Output = Option<Progress>> + Send {
        brayns_sdk::SaveTask::next_progress(self)
    }
    fn cancel(&self) -> impl Future<Output = brayns_sdk::Result<()>> + Send {
        brayns_sdk::SaveTask::cancel(self)
    }
    fn wait(self) -> impl Future<Output = brayns_sdk::Result<std::path::PathBuf>> + Send {
        brayns_sdk::SaveTask::wait(self)
    }
}

/// Follows `task` to its end: progress on stderr when it is a terminal; on Ctrl-C, a
/// `cancel` request, then the task's end awaited, then [`CliError::Interrupted`].
pub async fn follow<T: FollowedTask>(
    mut task: T,
    method: &str,
    interrupt: &Interrupt,
) -> Result<T::Output> {
    let _guard = interrupt.handle_in_task();
    let bar = bar(method);
    loop {
        tokio::select! {
            progress = task.next_progress() => match progress {
                Some(progress) => {
                    bar.set_position((progress.amount.clamp(0.0, 1.0) * 1000.0) as u64);
                    bar.set_message(progress.operation);
                }
                None => break,
            },
            () = interrupt.pressed() => {
                bar.set_message("cancelling...");
                let outcome = cancel(task, method).await;
                bar.finish_and_clear();
                return Err(outcome);
            }
        }
    }
    bar.finish_and_clear();
    Ok(task.wait().await?)
}

/// Cancels `task` on the server and says how it ended. The `cancel` request and the task's
/// end share [`CANCEL_GRACE`]: a server that answers neither does not hold the command.
async fn cancel<T: FollowedTask>(task: T, method: &str) -> CliError {
    let cancelled = async {
        task.cancel().await.map_err(|error| {
            format!("{method}: the server refused the cancel ({error}); the task may still run")
        })?;
        Ok(task.wait().await)
    };
    let message = match tokio::time::timeout(CANCEL_GRACE, cancelled).await {
        Ok(Err(refused)) => refused,
        Ok(Ok(Err(brayns_sdk::Error::Cancelled(_)))) => {
            format!("{method} cancelled on the server")
        }
        Ok(Ok(Ok(_))) => format!("{method} completed before the cancel reached it"),
        Ok(Ok(Err(error))) => format!("{method} ended after the cancel with: {error}"),
        Err(_) => format!(
            "{method}: cancel sent, but the task did not end within {}s; it may still run",
            CANCEL_GRACE.as_secs()
        ),
    };
    CliError::Interrupted(message)
}

/// A progress bar on stderr when it is a terminal, a hidden one otherwise (scripts and
/// pipes get no bar codes in their logs).
fn bar(method: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1000);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg}")
    {
        bar.set_style(style);
    }
    bar.set_prefix(method.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
