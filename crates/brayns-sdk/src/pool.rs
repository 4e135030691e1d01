//! One movie's frames rendered on several Brayns instances at once ([`FramePool`]).

crate::generated::feature_capture! {
    use std::collections::VecDeque;
    use std::future::Future;
    use std::sync::Mutex;
    use std::task::{Poll, Waker};

    use crate::{Brayns, CancelToken, Error, FrameEvent, FrameProgress, FrameRender, Result};

    /// Renders one movie's frames ([`FrameRender`]) on several instances at once: each
    /// instance is set up by a callback (load, colors, camera), then takes the next frame
    /// whenever it is free. A frame that fails on one instance is retried on another (at most
    /// [`max_attempts`](Self::max_attempts) times in all); an instance whose connection is
    /// lost (or whose setup fails) leaves the pool and its frame goes back to the others.
    /// Frames already on disk are skipped, as by [`FrameRender::render`]. An instance that
    /// hangs without dropping its connection is noticed only through a timeout: connect to
    /// the instances with a [`Connector::request_timeout`](crate::Connector::request_timeout)
    /// longer than a frame takes, and a frame timing out is retried on another instance.
    ///
    /// In practice the instances are one `braynsService` per node of a Slurm allocation
    /// (`srun --ntasks-per-node=1 braynsService --uri 0.0.0.0:5000 ...`), connected to by
    /// node name; see the crate README's "Several instances" section.
    ///
    /// ```no_run
    /// # async fn demo(
    /// #     instances: Vec<brayns_sdk::Brayns>,
    /// #     render: brayns_sdk::FrameRender,
    /// # ) -> brayns_sdk::Result<()> {
    /// use brayns_sdk::{CancelToken, FramePool};
    ///
    /// let report = FramePool::new(instances)
    ///     .render(
    ///         &render,
    ///         |_instance, brayns| async move {
    ///             // Load the circuit, set colors and camera on `brayns` here.
    ///             brayns.get_version().await.map(drop)
    ///         },
    ///         &CancelToken::new(),
    ///         |progress| println!("{} of {} frames", progress.done, progress.count),
    ///     )
    ///     .await?;
    /// println!("frames per instance: {:?}", report.per_instance);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug, Clone)]
    pub struct FramePool {
        instances: Vec<Brayns>,
        max_attempts: u32,
    }

    /// Progress over the whole movie, from every instance.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PoolProgress {
        /// Frames on disk so far (skipped ones included).
        pub done: usize,
        /// Frames in the movie.
        pub count: usize,
        /// What happened.
        pub event: PoolEvent,
    }

    /// One event of a [`FramePool`] render.
    #[derive(Debug, Clone, PartialEq)]
    #[non_exhaustive]
    pub enum PoolEvent {
        /// A frame's progress on an instance (its index in the pool), or `None` for a frame
        /// skipped because it was already on disk.
        Frame {
            /// The instance, by its index in [`FramePool::new`]'s list.
            instance: Option<usize>,
            /// The frame's own progress.
            progress: FrameProgress,
        },
        /// A frame failed on an instance and goes back to the queue.
        Retrying {
            /// The instance it failed on.
            instance: usize,
            /// The movie frame.
            position: usize,
            /// How many times it has failed.
            failures: u32,
            /// Why it failed.
            error: String,
        },
        /// An instance left the pool: connection lost, or its setup failed.
        InstanceLost {
            /// The instance.
            instance: usize,
            /// Why.
            error: String,
        },
    }

    /// What a [`FramePool`] render did.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct PoolReport {
        /// Frames rendered by each instance, by index.
        pub per_instance: Vec<usize>,
        /// Frames already on disk, not rendered again.
        pub skipped: usize,
        /// Frames that failed once and were handed out again.
        pub retries: usize,
        /// The instances that left the pool, by index.
        pub lost: Vec<usize>,
    }

    impl PoolReport {
        /// Frames rendered, by every instance.
        pub fn rendered(&self) -> usize {
            self.per_instance.iter().sum()
        }
    }

    /// A frame waiting for an instance.
    #[derive(Debug)]
    struct Pending {
        position: usize,
        failed_on: Vec<usize>,
    }

    /// What the instances share: the queue, who is alive, the outcome.
    #[derive(Debug)]
    struct Board {
        queue: VecDeque<Pending>,
        in_flight: usize,
        alive: Vec<bool>,
        done: usize,
        report: PoolReport,
        fatal: Option<Error>,
        wakers: Vec<Waker>,
    }

    impl Board {
        fn wake_all(&mut self) {
            self.wakers.drain(..).for_each(Waker::wake);
        }

        /// Whether `instance` may take `pending`: not failed there, or no other live
        /// instance could take it.
        fn may_take(&self, instance: usize, pending: &Pending) -> bool {
            !pending.failed_on.contains(&instance)
                || !self.alive.iter().enumerate().any(|(other, &alive)| {
                    alive && other != instance && !pending.failed_on.contains(&other)
                })
        }

        /// Takes the instance out of the pool; the last one out ends the render.
        fn lose(&mut self, instance: usize, error: Error) {
            self.alive[instance] = false;
            self.report.lost.push(instance);
            if !self.alive.iter().any(|&alive| alive) && self.fatal.is_none() {
                let unfinished = !self.queue.is_empty() || self.in_flight > 0;
                if unfinished {
                    self.fatal = Some(error);
                }
            }
            self.wake_all();
        }
    }

    impl FramePool {
        /// A pool of connected instances (at least one).
        pub fn new(instances: impl IntoIterator<Item = Brayns>) -> Self {
            Self {
                instances: instances.into_iter().collect(),
                max_attempts: 3,
            }
        }

        /// How many times one frame may be tried in all before the render fails with its
        /// last error (default 3, at least 1).
        pub fn max_attempts(mut self, attempts: u32) -> Self {
            self.max_attempts = attempts.max(1);
            self
        }

        /// The instances.
        pub fn instances(&self) -> &[Brayns] {
            &self.instances
        }

        /// Sets every instance up with `setup` (given its index and a handle to it), then
        /// renders `render`'s missing frames on them all. Ends with the first frame failing
        /// `max_attempts` times, with the last instance lost, or with [`Error::Aborted`]
        /// when `cancel` is cancelled (snapshots under way are cancelled; saved frames stay).
        pub async fn render<S, F>(
            &self,
            render: &FrameRender,
            setup: S,
            cancel: &CancelToken,
            progress: impl FnMut(PoolProgress) + Send,
        ) -> Result<PoolReport>
        where
            S: Fn(usize, Brayns) -> F,
            F: Future<Output = Result<()>>,
        {
            if self.instances.is_empty() {
                return Err(Error::Usage("a frame pool needs at least one instance".to_owned()));
            }
            std::fs::create_dir_all(render.files().folder()).map_err(|source| Error::Io {
                path: render.files().folder().to_owned(),
                source,
            })?;
            let count = render.frames().len();
            let progress = Mutex::new(progress);
            let emit = |done: usize, event: PoolEvent| {
                let mut progress = progress.lock().unwrap_or_else(|error| error.into_inner());
                (*progress)(PoolProgress { done, count, event });
            };
            let mut board = Board {
                queue: VecDeque::new(),
                in_flight: 0,
                alive: vec![true; self.instances.len()],
                done: 0,
                report: PoolReport {
                    per_instance: vec![0; self.instances.len()],
                    ..PoolReport::default()
                },
                fatal: None,
                wakers: Vec::new(),
            };
            for position in 0..count {
                if render.files().exists(position) {
                    board.done += 1;
                    board.report.skipped += 1;
                    let progress = FrameProgress {
                        position,
                        count,
                        simulation_frame: render.frames()[position],
                        event: FrameEvent::Skipped,
                    };
                    emit(board.done, PoolEvent::Frame { instance: None, progress });
                } else {
                    board.queue.push_back(Pending { position, failed_on: Vec::new() });
                }
            }
            let board = Mutex::new(board);
            let lock = || board.lock().unwrap_or_else(|error| error.into_inner());
            let workers = self.instances.iter().enumerate().map(|(instance, brayns)| {
                let setup = &setup;
                let emit = &emit;
                let lock = &lock;
                async move {
                    if let Err(error) = setup(instance, brayns.clone()).await {
                        let message = error.to_string();
                        let done = {
                            let mut board = lock();
                            board.lose(instance, error);
                            board.done
                        };
                        emit(done, PoolEvent::InstanceLost { instance, error: message });
                        return;
                    }
                    loop {
                        let next = std::future::poll_fn(|cx| {
                            let mut board = lock();
                            if board.fatal.is_some() {
                                return Poll::Ready(None);
                            }
                            if cancel.is_cancelled() {
                                board.fatal = Some(Error::Aborted);
                                board.wake_all();
                                return Poll::Ready(None);
                            }
                            let found = board
                                .queue
                                .iter()
                                .position(|pending| board.may_take(instance, pending));
                            if let Some(index) = found {
                                let pending = board.queue.remove(index);
                                board.in_flight += 1;
                                return Poll::Ready(pending);
                            }
                            if board.queue.is_empty() && board.in_flight == 0 {
                                return Poll::Ready(None);
                            }
                            board.wakers.push(cx.waker().clone());
                            Poll::Pending
                        });
                        let Some(mut pending) = next.await else { break };
                        let position = pending.position;
                        let mut forward = |frame: FrameProgress| {
                            let saved = matches!(frame.event, FrameEvent::Saved(_));
                            let done = lock().done + usize::from(saved);
                            let event = PoolEvent::Frame {
                                instance: Some(instance),
                                progress: frame,
                            };
                            emit(done, event);
                        };
                        let result = render
                            .render_frame(brayns, position, cancel, &mut forward)
                            .await;
                        let mut board = lock();
                        board.in_flight -= 1;
                        match result {
                            Ok(_) => {
                                board.done += 1;
                                board.report.per_instance[instance] += 1;
                                board.wake_all();
                            }
                            Err(Error::Aborted) => {
                                board.fatal.get_or_insert(Error::Aborted);
                                board.wake_all();
                                break;
                            }
                            Err(error) => {
                                let message = error.to_string();
                                let lost = error.is_disconnected();
                                pending.failed_on.push(instance);
                                let failures = pending.failed_on.len() as u32;
                                let done = board.done;
                                if failures >= self.max_attempts {
                                    board.fatal.get_or_insert(error);
                                    board.wake_all();
                                    break;
                                }
                                board.report.retries += 1;
                                board.queue.push_front(pending);
                                if lost {
                                    board.lose(instance, error);
                                } else {
                                    board.wake_all();
                                }
                                drop(board);
                                let retrying = PoolEvent::Retrying {
                                    instance,
                                    position,
                                    failures,
                                    error: message.clone(),
                                };
                                emit(done, retrying);
                                if lost {
                                    let lost = PoolEvent::InstanceLost {
                                        instance,
                                        error: message,
                                    };
                                    emit(done, lost);
                                    break;
                                }
                            }
                        }
                    }
                }
            });
            futures_util::future::join_all(workers).await;
            let mut board = board.into_inner().unwrap_or_else(|error| error.into_inner());
            if let Some(error) = board.fatal.take() {
                return Err(error);
            }
            if board.done != count {
                // Every instance left before the queue was empty (setups failed).
                return Err(Error::Usage(format!(
                    "every instance left the pool with {} of {count} frames done",
                    board.done
                )));
            }
            Ok(board.report)
        }
    }
}
