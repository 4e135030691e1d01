//! RFC 6455 frame headers and masking, as pure functions on bytes: what the socket reads and
//! writes around each payload.

use std::io;

use crate::close::{TOO_BIG, Violation};

/// Continuation of a fragmented message.
pub(crate) const CONTINUATION: u8 = 0x0;
/// A UTF-8 text message.
pub(crate) const TEXT: u8 = 0x1;
/// A binary message.
pub(crate) const BINARY: u8 = 0x2;
/// Close.
pub(crate) const CLOSE: u8 = 0x8;
/// Ping.
pub(crate) const PING: u8 = 0x9;
/// Pong.
pub(crate) const PONG: u8 = 0xA;

/// The longest header: 2 bytes, a 64-bit length and a mask.
pub(crate) const MAX_HEADER: usize = 14;

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
    /// Payload length in bytes.
    pub(crate) len: usize,
}

/// Parses the header at the start of `bytes`: `Ok(None)` while it is incomplete, otherwise the
/// header and its size. Fails on anything this client never negotiated or a server must not
/// send (reserved bits, masked frames, oversized or malformed control frames) and on a payload
/// over `max` bytes, before anything is allocated for it.
pub(crate) fn parse_header(bytes: &[u8], max: usize) -> Result<Option<(Header, usize)>, Violation> {
    let [first, second, ..] = *bytes else {
        return Ok(None);
    };
    if first & 0x70 != 0 {
        return Err(Violation::protocol(
            "the server set reserved frame bits (no extension was negotiated)",
        ));
    }
    if second & 0x80 != 0 {
        // RFC 6455 §5.1: a client must close the connection on a masked frame.
        return Err(Violation::protocol("the server sent a masked frame"));
    }
    let fin = first & 0x80 != 0;
    let opcode = first & 0x0f;
    let (len, size) = match second & 0x7f {
        126 => match bytes.get(2..4) {
            Some(wide) => (u64::from(u16::from_be_bytes([wide[0], wide[1]])), 4),
            None => return Ok(None),
        },
        127 => match bytes.get(2..10) {
            Some(wide) => (u64::from_be_bytes(wide.try_into().expect("8 bytes")), 10),
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    if opcode & 0x08 != 0 {
        if !matches!(opcode, CLOSE | PING | PONG) {
            return Err(Violation::protocol(format!(
                "the server sent a frame with reserved opcode {opcode:#x}"
            )));
        }
        if !fin || len > 125 {
            return Err(Violation::protocol(format!(
                "the server sent a fragmented or oversized control frame (opcode {opcode:#x})"
            )));
        }
    } else if !matches!(opcode, CONTINUATION | TEXT | BINARY) {
        return Err(Violation::protocol(format!(
            "the server sent a frame with reserved opcode {opcode:#x}"
        )));
    }
    let len = match usize::try_from(len) {
        Ok(len) if len <= max => len,
        _ => {
            return Err(Violation {
                code: TOO_BIG,
                reason: format!(
                    "the server sent a {len}-byte frame, over the {max}-byte message limit"
                ),
            });
        }
    };
    Ok(Some((Header { fin, opcode, len }, size)))
}

/// The header of a final, masked client frame: the bytes and how many of them are used.
pub(crate) fn client_header(opcode: u8, len: usize, mask: [u8; 4]) -> ([u8; MAX_HEADER], usize) {
    let mut header = [0u8; MAX_HEADER];
    header[0] = 0x80 | opcode;
    let mut size = 2;
    if len <= 125 {
        header[1] = 0x80 | len as u8;
    } else if let Ok(short) = u16::try_from(len) {
        header[1] = 0x80 | 126;
        header[2..4].copy_from_slice(&short.to_be_bytes());
        size = 4;
    } else {
        header[1] = 0x80 | 127;
        header[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        size = 10;
    }
    header[size..size + 4].copy_from_slice(&mask);
    (header, size + 4)
}

/// XORs `payload` with the repeating `mask` (masking and unmasking are the same operation),
/// eight bytes at a time.
pub(crate) fn apply_mask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes((&*chunk).try_into().expect("chunks of 8")) ^ wide;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    // Chunks of 8 keep the mask aligned: the tail starts at mask byte 0.
    for (byte, key) in chunks.into_remainder().iter_mut().zip(mask.iter().cycle()) {
        *byte ^= key;
    }
}

/// Masking keys (RFC 6455 §5.3 asks for a fresh one per frame from a strong source of
/// entropy, so a proxy cannot predict the masked bytes), drawn from the OS random source in
/// batches: one `getrandom` call per frame was a system call per request, a large share of
/// a small call's client CPU time. Each key is still four bytes the OS source gave, used once.
pub(crate) struct MaskKeys {
    batch: [u8; KEY_BATCH],
    /// Bytes of `batch` already handed out.
    used: usize,
}

/// Bytes fetched from the OS per batch: 128 keys.
const KEY_BATCH: usize = 512;

impl Default for MaskKeys {
    fn default() -> MaskKeys {
        MaskKeys {
            batch: [0; KEY_BATCH],
            used: KEY_BATCH,
        }
    }
}

impl MaskKeys {
    /// A fresh, unpredictable masking key.
    pub(crate) fn next(&mut self) -> io::Result<[u8; 4]> {
        if self.used == KEY_BATCH {
            getrandom::fill(&mut self.batch).map_err(|error| {
                io::Error::other(format!(
                    "no masking key: the OS random source failed: {error}"
                ))
            })?;
            self.used = 0;
        }
        let key = self.batch[self.used..self.used + 4]
            .try_into()
            .expect("4 bytes");
        self.used += 4;
        Ok(key)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The header of an unmasked server frame whose first byte is `first`.
    pub(crate) fn server_header(first: u8, len: u64) -> Vec<u8> {
        let mut bytes = vec![first];
        if len <= 125 {
            bytes.push(len as u8);
        } else if len <= 0xffff {
            bytes.push(126);
            bytes.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            bytes.push(127);
            bytes.extend_from_slice(&len.to_be_bytes());
        }
        bytes
    }

    #[test]
    fn client_headers_use_the_shortest_length_encoding() {
        let mask = [1, 2, 3, 4];
        for (len, size, marker) in [
            (0, 6, 0),
            (125, 6, 125),
            (126, 8, 126),
            (65535, 8, 126),
            (65536, 14, 127),
            (64 << 20, 14, 127),
        ] {
            let (header, used) = client_header(TEXT, len, mask);
            assert_eq!(used, size, "length {len}");
            assert_eq!(header[0], 0x81, "final text frame");
            assert_eq!(header[1] & 0x80, 0x80, "masked");
            assert_eq!(
                header[1] & 0x7f,
                if marker == 0 { len as u8 } else { marker }
            );
            assert_eq!(&header[used - 4..used], &mask);
            // The server-side parser of the same header (mask bit cleared) reads it back.
            let mut unmasked = header[..used - 4].to_vec();
            unmasked[1] &= 0x7f;
            let (parsed, parsed_size) = parse_header(&unmasked, usize::MAX).unwrap().unwrap();
            assert_eq!(parsed_size, used - 4);
            assert_eq!(
                parsed,
                Header {
                    fin: true,
                    opcode: TEXT,
                    len
                }
            );
        }
    }

    #[test]
    fn server_headers_parse_at_every_length_boundary() {
        for len in [0u64, 1, 125, 126, 127, 65535, 65536, 20 << 20] {
            let bytes = server_header(0x82, len);
            let (header, size) = parse_header(&bytes, usize::MAX).unwrap().unwrap();
            assert_eq!(size, bytes.len());
            assert_eq!(header.len as u64, len);
            assert_eq!(header.opcode, BINARY);
            assert!(header.fin);
            // Every strict prefix is incomplete, never an error.
            for cut in 0..bytes.len() {
                assert_eq!(
                    parse_header(&bytes[..cut], usize::MAX),
                    Ok(None),
                    "{len} cut {cut}"
                );
            }
        }
    }

    #[test]
    fn the_limit_is_checked_from_the_header() {
        let bytes = server_header(0x82, 16 << 10);
        assert!(parse_header(&bytes, 16 << 10).unwrap().is_some());
        let over = server_header(0x82, (16 << 10) + 1);
        let error = parse_header(&over, 16 << 10).unwrap_err();
        assert!(error.reason.contains("limit"), "{error:?}");
        assert_eq!(error.code, TOO_BIG);
        let huge = server_header(0x82, u64::MAX);
        assert!(parse_header(&huge, 2 << 30).is_err());
    }

    #[test]
    fn protocol_violations_are_rejected() {
        for (bytes, what) in [
            (vec![0x81 | 0x40, 0], "reserved bit"),
            (vec![0x81, 0x80, 0, 0, 0, 0], "masked"),
            (vec![0x83, 0], "reserved data opcode"),
            (vec![0x8B, 0], "reserved control opcode"),
            (vec![0x09, 0], "fragmented ping"),
            (server_header(0x88, 126), "oversized close"),
        ] {
            assert!(parse_header(&bytes, usize::MAX).is_err(), "{what}");
        }
        // Fragments parse; what to do with them is the socket's business.
        let (header, _) = parse_header(&[0x01, 3], usize::MAX).unwrap().unwrap();
        assert!(!header.fin);
        assert_eq!(header.opcode, TEXT);
    }

    #[test]
    fn masking_round_trips_and_matches_the_bytewise_definition() {
        let mask = [0xde, 0xad, 0xbe, 0xef];
        for len in [0, 1, 3, 7, 8, 9, 15, 16, 17, 1000] {
            let original: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mut masked = original.clone();
            apply_mask(&mut masked, mask);
            let expected: Vec<u8> = original
                .iter()
                .enumerate()
                .map(|(i, byte)| byte ^ mask[i % 4])
                .collect();
            assert_eq!(masked, expected, "length {len}");
            apply_mask(&mut masked, mask);
            assert_eq!(masked, original);
        }
    }

    #[test]
    fn mask_keys_vary() {
        // Across several batches, so a refill that repeated the first batch would show.
        let mut keys = MaskKeys::default();
        let count = 3 * KEY_BATCH / 4;
        let distinct: std::collections::HashSet<[u8; 4]> =
            (0..count).map(|_| keys.next().unwrap()).collect();
        assert!(
            distinct.len() > count - 4,
            "{} distinct keys of {count}",
            distinct.len()
        );
    }

    proptest::proptest! {
        /// Whatever the bytes and the limit: no panic, a header never longer than the bytes,
        /// and no length over the limit let through (nothing is allocated from a header
        /// that fails).
        #[test]
        fn any_bytes_parse_or_fail_cleanly(
            // Often a plausible first byte and an unmasked length, so the length checks run.
            first in proptest::prop_oneof![
                proptest::sample::select(vec![0x00u8, 0x01, 0x02, 0x80, 0x81, 0x82, 0x88, 0x89, 0x8A]),
                proptest::prelude::any::<u8>(),
            ],
            second in proptest::prelude::any::<u8>(),
            unmasked in proptest::prelude::any::<bool>(),
            rest in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
            cut in 0usize..14,
            max in proptest::prop_oneof![0usize..300, proptest::prelude::any::<usize>()],
        ) {
            let mut bytes = vec![first, if unmasked { second & 0x7f } else { second }];
            bytes.extend(rest);
            bytes.truncate(cut);
            match parse_header(&bytes, max) {
                Ok(Some((header, size))) => {
                    proptest::prop_assert!(matches!(size, 2 | 4 | 10));
                    proptest::prop_assert!(size <= bytes.len());
                    proptest::prop_assert!(header.len <= max);
                    proptest::prop_assert!(matches!(
                        header.opcode,
                        CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG
                    ));
                }
                Ok(None) => proptest::prop_assert!(bytes.len() < 10),
                Err(violation) => proptest::prop_assert!(!violation.reason.is_empty()),
            }
        }
    }
}
