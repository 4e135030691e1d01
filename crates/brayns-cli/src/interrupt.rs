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
        tokio::spawn(async move {
            // If the handler cannot be installed, Ctrl-C keeps its default effect.
            while tokio::signal::ctrl_c().await.is_ok() {
                sender.send_modify(|presses| *presses += 1);
            }
        });
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
