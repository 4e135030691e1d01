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
//! Kept memory is bounded three ways: at most [`MAX_KEPT`] buffers and [`MAX_KEPT_BYTES`] in
//! all (the least recently used go first), each buffer is released once it has not been used
//! for [`IDLE_RELEASE`] (by a short-lived thread, armed while anything is kept), and a buffer
//! is only handed to a request needing at least a quarter of it, so a run of smaller requests
//! cannot keep one huge buffer alive. So a single large call does not pin its memory.

use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Smallest buffer worth keeping: below this, fresh allocations come from the allocator's
/// own free lists and cost nothing measurable.
const MIN_KEPT: usize = 1 << 20;

/// Most buffers kept at once: a request's plus one per helper thread on a large machine.
const MAX_KEPT: usize = 8;

/// Most bytes kept at once.
const MAX_KEPT_BYTES: usize = 1 << 30;

/// A kept buffer serves requests of at least `1 / OVERSIZE` of its capacity.
const OVERSIZE: usize = 4;

/// How long an unused buffer stays mapped.
pub(crate) const IDLE_RELEASE: Duration = Duration::from_secs(5);

/// The process-wide pool used by requests and the connection tasks.
static POOL: LazyLock<SparePool> = LazyLock::new(|| SparePool::new(IDLE_RELEASE));

/// The process-wide pool.
pub(crate) fn global() -> &'static SparePool {
    &POOL
}

/// A buffer of capacity at least `capacity`, empty: a kept one if one fits, else a fresh one.
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    POOL.take(capacity)
}

/// Hands `buffer` back for a later [`take`] if it is large enough to be worth it.
pub(crate) fn keep(buffer: Vec<u8>) {
    POOL.keep(buffer);
}

/// Spare buffers and when each was last used.
pub(crate) struct SparePool {
    state: Arc<Mutex<State>>,
    idle_release: Duration,
}

struct State {
    /// Oldest first: `(buffer, when it was kept)`.
    buffers: Vec<(Vec<u8>, Instant)>,
    /// Whether a release thread is waiting for the oldest buffer to expire.
    release_armed: bool,
}

impl SparePool {
    pub(crate) fn new(idle_release: Duration) -> SparePool {
        SparePool {
            state: Arc::new(Mutex::new(State {
                buffers: Vec::new(),
                release_armed: false,
            })),
            idle_release,
        }
    }

    /// The smallest kept buffer of at least `capacity` bytes and at most [`OVERSIZE`] times
    /// that, else a fresh one.
    pub(crate) fn take(&self, capacity: usize) -> Vec<u8> {
        if capacity < MIN_KEPT {
            return Vec::with_capacity(capacity);
        }
        let fits = |buffer: &Vec<u8>| {
            buffer.capacity() >= capacity && buffer.capacity() / OVERSIZE <= capacity
        };
        let taken = {
            let mut state = lock(&self.state);
            let best = state
                .buffers
                .iter()
                .enumerate()
                .filter(|(_, (buffer, _))| fits(buffer))
                .min_by_key(|(_, (buffer, _))| buffer.capacity())
                .map(|(index, _)| index);
            best.map(|index| state.buffers.remove(index).0)
        };
        match taken {
            Some(mut buffer) => {
                buffer.clear();
                buffer
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// Keeps `buffer` if it holds at least [`MIN_KEPT`] bytes, dropping the least recently
    /// kept buffers beyond [`MAX_KEPT`] or [`MAX_KEPT_BYTES`].
    pub(crate) fn keep(&self, buffer: Vec<u8>) {
        if buffer.capacity() < MIN_KEPT || buffer.capacity() > MAX_KEPT_BYTES {
            return;
        }
        let evicted = {
            let mut state = lock(&self.state);
            if !state.release_armed {
                if !self.arm_release() {
                    // No thread to release it later: do not keep anything.
                    return;
                }
                state.release_armed = true;
            }
            state.buffers.push((buffer, Instant::now()));
            let mut evicted = Vec::new();
            while state.buffers.len() > MAX_KEPT || kept_bytes(&state) > MAX_KEPT_BYTES {
                evicted.push(state.buffers.remove(0));
            }
            evicted
        };
        // Unmapping happens outside the lock.
        drop(evicted);
    }

    /// Starts the thread that releases each buffer once it has been kept, unused, for the
    /// idle time; it ends when nothing is kept any more.
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
                    let now = Instant::now();
                    let (released, next) = release_expired(&mut state, now, idle_release);
                    if next.is_none() {
                        state.release_armed = false;
                    }
                    drop(state);
                    drop(released);
                    match next {
                        Some(deadline) => wait = deadline.saturating_duration_since(now),
                        None => return,
                    }
                }
            })
            .is_ok()
    }

    /// Whether the pool holds the allocation starting at `address`.
    #[cfg(test)]
    pub(crate) fn holds(&self, address: *const u8) -> bool {
        lock(&self.state)
            .buffers
            .iter()
            .any(|(buffer, _)| buffer.as_ptr() == address)
    }

    #[cfg(test)]
    fn kept(&self) -> Vec<usize> {
        let mut capacities: Vec<_> = lock(&self.state)
            .buffers
            .iter()
            .map(|(buffer, _)| buffer.capacity())
            .collect();
        capacities.sort_unstable();
        capacities
    }
}

/// Takes out the buffers kept at least `idle_release` before `now` (a prefix: they are kept
/// in time order), and says when the next one expires, if any is left.
fn release_expired(
    state: &mut State,
    now: Instant,
    idle_release: Duration,
) -> (Vec<(Vec<u8>, Instant)>, Option<Instant>) {
    let expired = state
        .buffers
        .iter()
        .take_while(|(_, kept)| now.saturating_duration_since(*kept) >= idle_release)
        .count();
    let released = state.buffers.drain(..expired).collect();
    let next = state.buffers.first().map(|(_, kept)| *kept + idle_release);
    (released, next)
}

fn kept_bytes(state: &State) -> usize {
    state
        .buffers
        .iter()
        .map(|(buffer, _)| buffer.capacity())
        .sum()
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
    fn the_smallest_fitting_buffer_is_taken_and_never_one_far_too_large() {
        let pool = pool();
        for size in [2, 8, 4] {
            pool.keep(Vec::with_capacity(size * MIB));
        }
        assert_eq!(pool.take(3 * MIB).capacity(), 4 * MIB);
        // Nothing kept is large enough: a fresh buffer, the kept ones stay.
        assert_eq!(pool.take(16 * MIB).capacity(), 16 * MIB);
        // 8 MiB is more than four times 1.5 MiB: the 2 MiB one serves it.
        assert_eq!(pool.take(3 * MIB / 2).capacity(), 2 * MIB);
        assert_eq!(pool.kept(), [8 * MIB]);
    }

    /// One huge request, then a steady stream of small ones: the huge buffer is never handed
    /// to them, so it is left to expire instead of staying mapped for as long as they come.
    #[test]
    fn small_requests_do_not_keep_a_huge_buffer_alive() {
        let pool = pool();
        pool.keep(Vec::with_capacity(256 * MIB));
        for _ in 0..10 {
            let buffer = pool.take(2 * MIB);
            assert_eq!(buffer.capacity(), 2 * MIB);
            pool.keep(buffer);
        }
        assert_eq!(pool.kept(), [2 * MIB, 256 * MIB]);
    }

    #[test]
    fn kept_bytes_are_capped_and_the_least_recently_kept_go_first() {
        let pool = pool();
        // Reserved, never touched: no memory is actually used.
        pool.keep(Vec::with_capacity(MAX_KEPT_BYTES + 1));
        assert!(pool.kept().is_empty(), "larger than the cap on its own");
        pool.keep(Vec::with_capacity(600 * MIB));
        pool.keep(Vec::with_capacity(500 * MIB));
        assert_eq!(pool.kept(), [500 * MIB], "the older one made room");
    }

    #[test]
    fn each_buffer_expires_on_its_own() {
        let start = Instant::now();
        let idle = Duration::from_secs(5);
        let mut state = State {
            buffers: vec![
                (Vec::with_capacity(MIB), start),
                (Vec::with_capacity(2 * MIB), start + Duration::from_secs(3)),
            ],
            release_armed: true,
        };
        let (released, next) = release_expired(&mut state, start + Duration::from_secs(4), idle);
        assert!(released.is_empty());
        assert_eq!(next, Some(start + idle));
        let (released, next) = release_expired(&mut state, start + idle, idle);
        assert_eq!(released.len(), 1);
        assert_eq!(released[0].0.capacity(), MIB);
        assert_eq!(next, Some(start + Duration::from_secs(8)));
        let (released, next) = release_expired(&mut state, start + Duration::from_secs(9), idle);
        assert_eq!(released.len(), 1);
        assert_eq!(next, None);
        assert!(state.buffers.is_empty());
    }

    #[test]
    fn at_most_max_kept_buffers_and_the_oldest_goes_first() {
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
        // Long enough that the check right after `keep` cannot race the release.
        let pool = SparePool::new(Duration::from_millis(300));
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
