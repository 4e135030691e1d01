//! Parsing the address given to the connector: `host:port`, `ws://...` or `wss://...`.

use crate::error::{Error, Result};

/// Where to connect, split for the TCP, TLS and HTTP layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// Host as written, without IPv6 brackets (for DNS and the TLS server name).
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `ws://host:port/path` or `wss://...`: the URL used for the upgrade request.
    pub(crate) url: String,
    pub(crate) secure: bool,
}

/// The scheme written in the address, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Bare,
    Ws,
    Wss,
}

pub(crate) fn scheme_of(uri: &str) -> Result<Scheme> {
    let lower = uri.trim().to_ascii_lowercase();
    if lower.starts_with("ws://") {
        Ok(Scheme::Ws)
    } else if lower.starts_with("wss://") {
        Ok(Scheme::Wss)
    } else if let Some((scheme, _)) = lower.split_once("://") {
        Err(Error::Config(format!(
            "unsupported scheme {scheme:?} in {uri:?} (expected host:port, ws:// or wss://)"
        )))
    } else {
        Ok(Scheme::Bare)
    }
}

/// Parses `uri`; `secure` says whether TLS is used (already reconciled with the scheme).
pub(crate) fn parse(uri: &str, secure: bool) -> Result<Target> {
    let trimmed = uri.trim();
    // The address ends up in the upgrade request: a CR or LF there would add headers to it,
    // and a space would end its request target.
    if let Some(bad) = trimmed
        .chars()
        .find(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::Config(format!(
            "invalid address {uri:?}: it contains {bad:?} (control characters and spaces are \
             not allowed)"
        )));
    }
    let rest = match scheme_of(trimmed)? {
        Scheme::Bare => trimmed,
        Scheme::Ws => &trimmed[5..],
        Scheme::Wss => &trimmed[6..],
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(index) if rest[index..].starts_with('/') => (&rest[..index], &rest[index..]),
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    let invalid = |why: &str| Error::Config(format!("invalid address {uri:?}: {why}"));
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| invalid("unclosed '['"))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(invalid("missing host"));
    }
    let port = match port {
        Some(port) => port
            .parse::<u16>()
            .map_err(|_| invalid("the port is not a number from 0 to 65535"))?,
        None if trimmed.contains("://") => {
            if secure {
                443
            } else {
                80
            }
        }
        None => return Err(invalid("expected host:port")),
    };
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let scheme = if secure { "wss" } else { "ws" };
    Ok(Target {
        host: host.to_owned(),
        port,
        url: format!("{scheme}://{authority}{path}"),
        secure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port() {
        let target = parse("localhost:5000", false).unwrap();
        assert_eq!(target.host, "localhost");
        assert_eq!(target.port, 5000);
        assert_eq!(target.url, "ws://localhost:5000/");
    }

    #[test]
    fn urls_and_ipv6() {
        let target = parse("wss://[::1]:8200/x", true).unwrap();
        assert_eq!((target.host.as_str(), target.port), ("::1", 8200));
        assert_eq!(target.url, "wss://[::1]:8200/x");
        assert_eq!(parse("ws://example.org", false).unwrap().port, 80);
        assert_eq!(parse("wss://example.org", true).unwrap().port, 443);
    }

    #[test]
    fn rejects_bad_addresses() {
        for uri in ["localhost", ":80", "http://a:1", "a:99999", "[::1:80"] {
            assert!(parse(uri, false).is_err(), "{uri}");
        }
    }

    #[test]
    fn control_characters_and_spaces_cannot_reach_the_request() {
        for uri in [
            "ws://h:1/a\r\nX-Injected: 1",
            "h:1\nX: y",
            "ws://h:1/a b",
            "ws://h\0:1/",
            "ws://h:1/\u{7f}",
            "ws://h:1/\u{85}x",
        ] {
            match parse(uri, false) {
                Err(Error::Config(message)) => {
                    assert!(message.contains("not allowed"), "{message}")
                }
                other => panic!("{uri:?}: {other:?}"),
            }
        }
    }
}
