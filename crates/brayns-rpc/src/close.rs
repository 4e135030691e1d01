//! Close frames (RFC 6455 §5.5.1, §7.4): reading the server's, and the status codes the client
//! fails a connection with.

/// The peer broke the protocol (§7.4.1).
pub(crate) const PROTOCOL_ERROR: u16 = 1002;
/// A message's data does not fit its type, such as a Close reason that is not UTF-8.
pub(crate) const INVALID_DATA: u16 = 1007;
/// A message over the client's limit.
pub(crate) const TOO_BIG: u16 = 1009;
/// The client could not go on for a reason of its own (out of memory).
pub(crate) const INTERNAL_ERROR: u16 = 1011;

/// Why the client fails a connection: the status code its Close carries, and a description
/// for the log and the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) code: u16,
    pub(crate) reason: String,
}

impl Violation {
    /// The server broke the websocket protocol.
    pub(crate) fn protocol(reason: impl Into<String>) -> Violation {
        Violation {
            code: PROTOCOL_ERROR,
            reason: reason.into(),
        }
    }
}

/// A valid Close from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Close {
    /// Its status code, when it has one; an echo carries the same.
    pub(crate) code: Option<u16>,
    pub(crate) reason: String,
}

impl Close {
    /// What the log and the pending calls are told.
    pub(crate) fn describe(&self) -> String {
        match self.code {
            Some(code) if self.reason.is_empty() => format!("the server sent Close ({code})"),
            Some(code) => format!("the server sent Close ({code} {})", self.reason),
            None => "the server sent Close".to_owned(),
        }
    }
}

/// Reads a Close payload: empty, or a status code a peer may send followed by a UTF-8 reason.
pub(crate) fn parse(payload: &[u8]) -> Result<Close, Violation> {
    let (code, reason) = match payload {
        [] => {
            return Ok(Close {
                code: None,
                reason: String::new(),
            });
        }
        [_] => {
            return Err(Violation::protocol(
                "the server sent a Close with a one-byte body (a status code takes two)",
            ));
        }
        [high, low, reason @ ..] => (u16::from_be_bytes([*high, *low]), reason),
    };
    if !may_be_sent(code) {
        return Err(Violation::protocol(format!(
            "the server sent a Close with status {code}, which no peer may send"
        )));
    }
    let reason = std::str::from_utf8(reason).map_err(|_| Violation {
        code: INVALID_DATA,
        reason: "the server sent a Close whose reason is not UTF-8".to_owned(),
    })?;
    Ok(Close {
        code: Some(code),
        reason: reason.to_owned(),
    })
}

/// Whether a peer may put `code` in a Close (§7.4.1, §7.4.2): the defined codes but 1004,
/// and 1005, 1006 and 1015 which only describe a close locally, the codes IANA registered
/// since (1012-1014), and the ranges for libraries (3000-3999) and applications (4000-4999).
fn may_be_sent(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The payload of a Close with `code`, or an empty one.
pub(crate) fn payload(code: Option<u16>) -> Vec<u8> {
    code.map(|code| code.to_be_bytes().to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_payloads_are_checked_per_rfc_6455() {
        assert_eq!(parse(&[]).unwrap().code, None);
        let close = parse(b"\x03\xe8bye").unwrap();
        assert_eq!((close.code, close.reason.as_str()), (Some(1000), "bye"));
        assert_eq!(close.describe(), "the server sent Close (1000 bye)");
        for code in [1000u16, 1001, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert_eq!(parse(&code.to_be_bytes()).unwrap().code, Some(code));
        }
        for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let violation = parse(&code.to_be_bytes()).unwrap_err();
            assert_eq!(violation.code, PROTOCOL_ERROR, "{code}");
        }
        assert_eq!(parse(&[3]).unwrap_err().code, PROTOCOL_ERROR);
        assert_eq!(parse(b"\x03\xe8\xff").unwrap_err().code, INVALID_DATA);
        assert_eq!(payload(Some(1002)), [0x03, 0xea]);
        assert!(payload(None).is_empty());
    }
}
