//! Large buffers kept between requests, so the next large request writes into mapped pages.
//!
//! A 64 MiB `add-spheres` request is serialized into fresh buffers (the request's, and one per
//! helper thread of [`crate::array`]), and the allocator maps fresh pages for each and unmaps
//! them when the frame has been written. Faulting those pages in costs about as much as
//! formatting the floats on this project's 2-core machines (57 against 32 ms per 64 MiB, see
//! BENCHMARKS.md), so a client that sends large arrays again and again (an interactive loop
//! adding geometry) would spend half its encoding time in the kernel. Buffers of at least
//! [`MIN_KEPT`] bytes are therefore handed back here once written (or appended), and taken
//! again by the next large serialization.
//!
//! Kept memory is bounded twice: at most [`MAX_KEPT`] buffers (the largest win), and every
//! buffer is released once none has been taken or kept for [`IDLE_RELEASE`], by a short-lived
//! thread armed when the first buffer is kept. So a single large call does not pin its
//! memory for the life of the process.

use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Smallest buffer worth keeping: below this, fresh allocations come from the allocator's
/// own free lists and cost nothing measurable.
pub(crate) const MIN_KEPT: usize = 1 << 20;

/// Most buffers kept at once: a request's plus one per helper thread on a large machine.
const MAX_KEPT: usize = 8;

/// How long unused buffers stay mapped.
const IDLE_RELEASE: Duration = Duration::from_secs(5);

/// The process-wide pool used by requests and the connection tasks.
static POOL: LazyLock<SparePool> = LazyLock::new(|| SparePool::new(IDLE_RELEASE));

/// A buffer of capacity at least `capacity`, empty: a kept one if there is one, else a fresh one.
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    POOL.take(capacity)
}

/// Hands `buffer` back for a later [`take`] if it is large enough to be worth it.
pub(crate) fn keep(buffer: Vec<u8>) {
    POOL.keep(buffer);
}

/// Spare buffers and when they were last used.
pub(crate) struct SparePool {
    state: Arc<Mutex<State>>,
    idle_release: Duration,
}

struct State {
    buffers: Vec<Vec<u8>>,
    last_used: Instant,
    /// Whether a release thread is waiting for the pool to go idle.
    release_armed: bool,
}

impl SparePool {
    pub(crate) fn new(idle_release: Duration) -> SparePool {
        SparePool {
            state: Arc::new(Mutex::new(State {
                buffers: Vec::new(),
                last_used: Instant::now(),
                release_armed: false,
            })),
            idle_release,
        }
    }

    /// The smallest kept buffer of at least `capacity` bytes, else the largest kept one grown
    /// to `capacity` (growing a large allocation remaps its pages rather than copying them),
    /// else a fresh one.
    pub(crate) fn take(&self, capacity: usize) -> Vec<u8> {
        if capacity < MIN_KEPT {
            return Vec::with_capacity(capacity);
        }
        let taken = {
            let mut state = lock(&self.state);
            state.last_used = Instant::now();
            let fitting = state
                .buffers
                .iter()
                .enumerate()
                .filter(|(_, buffer)| buffer.capacity() >= capacity)
                .min_by_key(|(_, buffer)| buffer.capacity())
                .map(|(index, _)| index);
            let largest = || {
                state
                    .buffers
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, buffer)| buffer.capacity())
                    .map(|(index, _)| index)
            };
            match fitting.or_else(largest) {
                Some(index) => state.buffers.swap_remove(index),
                None => Vec::new(),
            }
        };
        let mut buffer = taken;
        buffer.clear();
        buffer.reserve(capacity);
        buffer
    }

    /// Keeps `buffer` if it holds at least [`MIN_KEPT`] bytes, dropping the smallest kept
    /// buffer when there are already [`MAX_KEPT`].
    pub(crate) fn keep(&self, buffer: Vec<u8>) {
        if buffer.capacity() < MIN_KEPT {
            return;
        }
        let evicted = {
            let mut state = lock(&self.state);
            state.last_used = Instant::now();
            if !state.release_armed {
                if !self.arm_release() {
                    // No thread to release it later: do not keep anything.
                    return;
                }
                state.release_armed = true;
            }
            state.buffers.push(buffer);
            if state.buffers.len() > MAX_KEPT {
                let smallest = state
                    .buffers
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, buffer)| buffer.capacity())
                    .map_or(0, |(index, _)| index);
                Some(state.buffers.swap_remove(smallest))
            } else {
                None
            }
        };
        // Unmapping happens outside the lock.
        drop(evicted);
    }

    /// Starts the thread that releases every buffer once the pool has been idle long enough.
    fn arm_release(&self) -> bool {
        let state = Arc::downgrade(&self.state);
        let idle_release = self.idle_release;
        std::thread::Builder::new()
            .name("brayns-rpc-spare-buffers".to_owned())
            .spawn(move || {
                let mut wait = idle_release;
                loop {
                    std::thread::sleep(wait);
                    let Some(state) = state.upgrade() else { return };
                    let mut state = lock(&state);
                    let idle = state.last_used.elapsed();
                    if idle >= idle_release {
                        let released = std::mem::take(&mut state.buffers);
                        state.release_armed = false;
                        drop(state);
                        drop(released);
                        return;
                    }
                    wait = idle_release - idle;
                }
            })
            .is_ok()
    }

    #[cfg(test)]
    fn kept(&self) -> Vec<usize> {
        let mut capacities: Vec<_> = lock(&self.state)
            .buffers
            .iter()
            .map(Vec::capacity)
            .collect();
        capacities.sort_unstable();
        capacities
    }
}

/// The pool's state; a panic while it was held cannot leave it inconsistent (every update is
/// one push or remove), so poisoning is ignored.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    fn pool() -> SparePool {
        SparePool::new(Duration::from_secs(3600))
    }

    #[test]
    fn a_kept_buffer_is_taken_again_empty() {
        let pool = pool();
        let mut buffer = pool.take(2 * MIB);
        buffer.extend_from_slice(&[7; 100]);
        let address = buffer.as_ptr();
        pool.keep(buffer);
        let again = pool.take(2 * MIB);
        assert_eq!(again.as_ptr(), address, "the same allocation");
        assert!(again.is_empty());
        assert!(again.capacity() >= 2 * MIB);
        assert!(pool.kept().is_empty());
    }

    #[test]
    fn small_buffers_and_small_requests_bypass_the_pool() {
        let pool = pool();
        pool.keep(Vec::with_capacity(MIB - 1));
        assert!(pool.kept().is_empty());
        pool.keep(Vec::with_capacity(4 * MIB));
        let small = pool.take(1024);
        assert!(small.capacity() < MIB);
        assert_eq!(pool.kept(), [4 * MIB]);
    }

    #[test]
    fn the_smallest_fitting_buffer_is_taken_else_the_largest_grows() {
        let pool = pool();
        for size in [2, 8, 4] {
            pool.keep(Vec::with_capacity(size * MIB));
        }
        assert_eq!(pool.take(3 * MIB).capacity(), 4 * MIB);
        let grown = pool.take(16 * MIB);
        assert!(grown.capacity() >= 16 * MIB);
        assert_eq!(pool.kept(), [2 * MIB]);
    }

    #[test]
    fn at_most_max_kept_buffers_and_the_smallest_goes_first() {
        let pool = pool();
        for size in 1..=MAX_KEPT + 2 {
            pool.keep(Vec::with_capacity(size * MIB));
        }
        let kept = pool.kept();
        assert_eq!(kept.len(), MAX_KEPT);
        assert_eq!(kept[0], 3 * MIB);
    }

    #[test]
    fn idle_buffers_are_released() {
        let pool = SparePool::new(Duration::from_millis(50));
        pool.keep(Vec::with_capacity(2 * MIB));
        assert_eq!(pool.kept(), [2 * MIB]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !pool.kept().is_empty() {
            assert!(Instant::now() < deadline, "never released");
            std::thread::sleep(Duration::from_millis(10));
        }
        // And the pool keeps (and releases) again afterwards.
        pool.keep(Vec::with_capacity(2 * MIB));
        assert_eq!(pool.kept(), [2 * MIB]);
        while !pool.kept().is_empty() {
            assert!(Instant::now() < deadline, "never released the second time");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
