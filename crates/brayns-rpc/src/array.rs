//! Serializing large JSON arrays on several threads.
//!
//! Brayns' `add-*` geometry methods take arrays of up to millions of items (64 MiB of spheres
//! is ordinary), and formatting their floats is the costliest step of such a call. The items
//! are independent, so chunks of the array are formatted in parallel and concatenated. The
//! bytes are exactly those of `serde_json::to_writer(items)`: serde_json's compact formatter
//! writes a sequence as `[`, the items separated by `,`, and `]`, and an item's text does not
//! depend on its position.

use std::num::NonZeroUsize;

use serde::Serialize;

use crate::spare::SparePool;

/// Items formatted first on the calling thread, to estimate the size of the whole array.
const SAMPLE_ITEMS: usize = 256;

/// Below this estimated size the whole array is formatted on the calling thread: starting a
/// thread (tens of microseconds) must stay small next to the work it takes over.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Smallest share of the estimated text handed to one thread.
const BYTES_PER_THREAD: usize = 512 << 10;

/// Appends the JSON array of `items` to `out`, byte for byte what `serde_json::to_writer`
/// would write, using up to [`std::thread::available_parallelism`] threads for large arrays.
///
/// On error `out` holds a partial array; the error is the one of the first failing item.
pub(crate) fn write_array<T: Serialize + Sync>(
    out: &mut Vec<u8>,
    items: &[T],
) -> serde_json::Result<()> {
    write_array_with(crate::spare::global(), out, items)
}

/// [`write_array`], taking large buffers from `spare` (and handing helpers' back to it).
fn write_array_with<T: Serialize + Sync>(
    spare: &SparePool,
    out: &mut Vec<u8>,
    items: &[T],
) -> serde_json::Result<()> {
    let start = out.len();
    out.push(b'[');
    let (sample, rest) = items.split_at(items.len().min(SAMPLE_ITEMS));
    write_items(out, sample)?;
    if !rest.is_empty() {
        let per_item = (out.len() - start) / sample.len();
        let estimate = per_item.saturating_mul(items.len());
        let threads = threads_for(estimate);
        // Room for the whole array up front (plus slack for the estimate's error), so neither
        // this thread's chunk nor the appended ones move the buffer; a large one is a spare
        // buffer of an earlier request when there is one, its pages already mapped.
        let needed = estimate + estimate / 16;
        if out.capacity() - out.len() < needed {
            let mut larger = spare.take(out.len() + needed);
            larger.extend_from_slice(out);
            *out = larger;
        }
        if threads <= 1 {
            out.push(b',');
            write_items(out, rest)?;
        } else {
            write_parallel(spare, out, rest, threads, per_item)?;
        }
    }
    out.push(b']');
    Ok(())
}

/// Threads worth using for about `estimate` bytes of text.
fn threads_for(estimate: usize) -> usize {
    if estimate < PARALLEL_MIN_BYTES {
        return 1;
    }
    let available = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    available.min(estimate / BYTES_PER_THREAD).max(1)
}

/// Appends `,` and `items` (non-empty) to `out`, in `threads` chunks: the first formatted by
/// this thread straight into `out`, the others by scoped threads into their own buffers
/// (spare ones when there are: see [`crate::spare`]).
fn write_parallel<T: Serialize + Sync>(
    spare: &SparePool,
    out: &mut Vec<u8>,
    items: &[T],
    threads: usize,
    per_item: usize,
) -> serde_json::Result<()> {
    let chunk_len = items.len().div_ceil(threads);
    let mut chunks = items.chunks(chunk_len);
    let first = chunks.next().unwrap_or_default();
    let (first_result, others) = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .map(|chunk| {
                scope.spawn(move || {
                    let mut text = spare.take(per_item.saturating_mul(chunk.len()) + 64);
                    write_items(&mut text, chunk).map(|()| text)
                })
            })
            .collect();
        out.push(b',');
        let first_result = write_items(out, first);
        let others: Vec<_> = handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        (first_result, others)
    });
    // The first error in item order, as a sequential serialization would report.
    first_result?;
    let others = others.into_iter().collect::<serde_json::Result<Vec<_>>>()?;
    let more: usize = others.iter().map(|text| text.len() + 1).sum();
    out.reserve(more);
    for text in others {
        out.push(b',');
        out.extend_from_slice(&text);
        spare.keep(text);
    }
    Ok(())
}

/// Writes `items` separated by `,`, without brackets.
fn write_items<T: Serialize>(out: &mut Vec<u8>, items: &[T]) -> serde_json::Result<()> {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        // A serializer is only a wrapper around the writer: one per item costs nothing.
        serde_json::to_writer(&mut *out, item)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Sphere {
        center: [f64; 3],
        radius: f64,
        color: [f64; 4],
        label: Option<String>,
    }

    /// Spheres with full-precision floats (a deterministic xorshift) and some escaped text.
    fn spheres(count: usize) -> Vec<Sphere> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..count)
            .map(|index| Sphere {
                center: [next() * 1e3, -next(), next() * 1e-7],
                radius: next(),
                color: [next(), next(), next(), 1.0],
                label: (index % 7 == 0).then(|| format!("s\"{index}\"\n")),
            })
            .collect()
    }

    fn parallel(items: &[impl Serialize + Sync]) -> Vec<u8> {
        let mut out = b"prefix".to_vec();
        write_array(&mut out, items).unwrap();
        out.drain(..6);
        out
    }

    #[test]
    fn small_and_empty_arrays_match_serde_json() {
        for count in [
            0,
            1,
            2,
            SAMPLE_ITEMS - 1,
            SAMPLE_ITEMS,
            SAMPLE_ITEMS + 1,
            3000,
        ] {
            let items = spheres(count);
            assert_eq!(
                parallel(&items),
                serde_json::to_vec(&items).unwrap(),
                "{count} items"
            );
        }
    }

    #[test]
    fn large_arrays_split_across_threads_match_serde_json() {
        // About 6 MiB: above the parallel threshold, and an item count that does not divide
        // evenly into chunks.
        let items = spheres(40_001);
        let expected = serde_json::to_vec(&items).unwrap();
        assert!(threads_for(expected.len()) >= threads_for(PARALLEL_MIN_BYTES));
        assert_eq!(parallel(&items), expected);
        // Whatever this machine's parallelism, the chunked path itself is exercised, whether
        // the size estimate is good or far off.
        let per_item = expected.len() / items.len();
        for estimate in [per_item, per_item / 3] {
            let mut out = vec![b'['];
            write_items(&mut out, &items[..1]).unwrap();
            write_parallel(crate::spare::global(), &mut out, &items[1..], 3, estimate).unwrap();
            out.push(b']');
            assert_eq!(out, expected, "estimate {estimate} bytes per item");
        }
    }

    /// Buffers as the socket hands them back, full of an earlier (masked) frame: the
    /// request's buffer and a helper's chunk really come from them (checked by address), and
    /// none of their old bytes reach the request.
    #[test]
    fn spare_buffers_holding_stale_bytes_never_leak_into_a_request() {
        // A pool of its own, so no other test takes the stale buffers first.
        let spare = SparePool::new(std::time::Duration::from_secs(3600));
        let items = spheres(40_001);
        let expected = serde_json::to_vec(&items).unwrap();

        // The request's buffer: the only kept one large enough for the whole array.
        let stale = vec![b'X'; expected.len() * 2];
        let address = stale.as_ptr();
        spare.keep(stale);
        let mut text = Vec::new();
        write_array_with(&spare, &mut text, &items).unwrap();
        assert_eq!(
            text.as_ptr(),
            address,
            "the request's buffer is the kept one"
        );
        assert!(!text.contains(&b'X'));
        assert_eq!(text, expected);

        // A helper's chunk, whatever this machine's parallelism: two threads, the helper's
        // half fits the kept buffer, which goes back to the pool once appended.
        let stale = vec![b'X'; expected.len()];
        let address = stale.as_ptr();
        spare.keep(stale);
        let per_item = expected.len() / items.len();
        let mut text = vec![b'['];
        write_items(&mut text, &items[..1]).unwrap();
        write_parallel(&spare, &mut text, &items[1..], 2, per_item).unwrap();
        text.push(b']');
        assert!(
            spare.holds(address),
            "the helper wrote into the kept buffer"
        );
        assert!(!text.contains(&b'X'));
        assert_eq!(text, expected);
    }

    /// Fails to serialize at the given indices, each with its own message.
    struct Failing(u32);

    impl Serialize for Failing {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self.0 {
                30_000 | 45_000 => Err(serde::ser::Error::custom(format!("item {}", self.0))),
                _ => serializer.serialize_u32(self.0),
            }
        }
    }

    #[test]
    fn the_first_failing_item_reports_the_error() {
        let items: Vec<Failing> = (0..50_000).map(Failing).collect();
        let sequential = serde_json::to_vec(&items).unwrap_err().to_string();
        assert_eq!(sequential, "item 30000");
        let mut out = Vec::new();
        let error = write_parallel(crate::spare::global(), &mut out, &items, 4, 8).unwrap_err();
        assert_eq!(error.to_string(), sequential);
        let error = write_array(&mut Vec::new(), &items).unwrap_err();
        assert_eq!(error.to_string(), sequential);
    }
}
