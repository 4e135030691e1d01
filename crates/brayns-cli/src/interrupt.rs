//! Ctrl-C: noticed from the start of the program, handled either by the command (a running
//! task cancels itself on the server) or, for everything else, by stopping at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

/// How many times Ctrl-C was pressed, and whether a task handles the first one.
#[derive(Debug, Clone)]
pub struct Interrupt {
    presses: watch::Receiver<u32>,
    task_handles_it: Arc<AtomicBool>,
}

impl Interrupt {
    /// Starts listening for Ctrl-C on the current runtime. From now on Ctrl-C no longer
    /// kills the process: [`Interrupt::stop_requested`] says when to stop.
    pub fn listen() -> Self {
        let (sender, presses) = watch::channel(0u32);
        count_presses(sender);
        Self {
            presses,
            task_handles_it: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Resolves when the whole command must stop: on the first Ctrl-C, unless a task is
    /// cancelling itself (then on the second).
    pub async fn stop_requested(&self) {
        let mut presses = self.presses.clone();
        let flag = self.task_handles_it.clone();
        let _ = presses
            .wait_for(|&count| count >= 2 || (count >= 1 && !flag.load(Ordering::SeqCst)))
            .await;
    }

    /// Lets a task handle the first Ctrl-C (by cancelling itself) while the guard lives.
    pub fn handle_in_task(&self) -> TaskGuard {
        self.task_handles_it.store(true, Ordering::SeqCst);
        TaskGuard {
            flag: self.task_handles_it.clone(),
        }
    }

    /// Resolves on the first Ctrl-C.
    pub async fn pressed(&self) {
        let mut presses = self.presses.clone();
        let _ = presses.wait_for(|&count| count >= 1).await;
    }
}

/// Counts every Ctrl-C from now on in `presses`. One signal stream, installed here (not
/// when a task first runs), serves the whole program: no press falls between two listeners.
/// If it cannot be installed, Ctrl-C keeps its default effect (the process ends).
#[cfg(unix)]
fn count_presses(presses: watch::Sender<u32>) {
    use tokio::signal::unix::{SignalKind, signal};
    if let Ok(mut signals) = signal(SignalKind::interrupt()) {
        tokio::spawn(async move {
            while signals.recv().await.is_some() {
                presses.send_modify(|count| *count += 1);
            }
        });
    }
}

/// Counts every Ctrl-C from now on in `presses` (the console's Ctrl-C event stream).
#[cfg(windows)]
fn count_presses(presses: watch::Sender<u32>) {
    if let Ok(mut signals) = tokio::signal::windows::ctrl_c() {
        tokio::spawn(async move {
            while signals.recv().await.is_some() {
                presses.send_modify(|count| *count += 1);
            }
        });
    }
}

/// While alive, the first Ctrl-C is the running task's to handle.
#[derive(Debug)]
pub struct TaskGuard {
    flag: Arc<AtomicBool>,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.flag.store(false, Ordering::SeqCst);
    }
}
