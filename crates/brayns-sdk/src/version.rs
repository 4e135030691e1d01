//! Which Brayns releases the SDK accepts on connect.

use std::fmt;

use crate::generated::SNAPSHOT_VERSION;
use crate::types::VersionMessage;
use crate::{Error, Result};

/// A Brayns release, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
}

impl Version {
    /// The release this SDK was generated from ([`crate::BRAYNS_VERSION`]).
    pub const TARGET: Version = Version {
        major: SNAPSHOT_VERSION.major,
        minor: SNAPSHOT_VERSION.minor,
        patch: SNAPSHOT_VERSION.patch,
    };
}

/// The release a `get-version` answer reports. Fails (a protocol error) on a negative
/// number, which the schema's `integer` allows but no release has.
impl TryFrom<&VersionMessage> for Version {
    type Error = Error;

    fn try_from(reported: &VersionMessage) -> Result<Version> {
        let number = |part: i64| {
            u64::try_from(part).map_err(|_| {
                Error::from(brayns_rpc::Error::Protocol(format!(
                    "get-version reported a negative version number: {reported:?}"
                )))
            })
        };
        Ok(Version {
            major: number(reported.major)?,
            minor: number(reported.minor)?,
            patch: number(reported.patch)?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What to do on connect when the instance's release is not [`Version::TARGET`].
///
/// Methods and types are generated from one release's schemas; another release may have
/// renamed, added or changed methods, so calls may fail with invalid params or results
/// that do not decode. [`Brayns::verify_schemas`](crate::Brayns::verify_schemas) says
/// exactly which methods differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum VersionPolicy {
    /// Only the exact release (`major.minor.patch`); otherwise connecting fails with
    /// [`Error::VersionMismatch`].
    Exact,
    /// Any patch of the same `major.minor` (Brayns keeps schemas stable within a minor);
    /// otherwise connecting fails with [`Error::VersionMismatch`].
    SameMinor,
    /// Any release; a different one is logged at `WARN` through `tracing`. The default.
    #[default]
    Warn,
    /// Any release, without asking the instance for its version.
    Ignore,
}

impl VersionPolicy {
    /// Whether the policy lets the SDK talk to `actual`: `Ok` or
    /// [`Error::VersionMismatch`] naming both releases. [`VersionPolicy::Warn`] logs a
    /// mismatch and accepts it.
    pub fn check(self, uri: &str, actual: Version) -> Result<()> {
        let expected = Version::TARGET;
        let accepted = match self {
            Self::Exact => actual == expected,
            Self::SameMinor => (actual.major, actual.minor) == (expected.major, expected.minor),
            Self::Warn => {
                if actual != expected {
                    tracing::warn!(
                        uri,
                        %actual,
                        %expected,
                        "the instance runs another Brayns release than the one this SDK was \
                         generated from: some calls may fail (see Brayns::verify_schemas)"
                    );
                }
                true
            }
            Self::Ignore => true,
        };
        if accepted {
            Ok(())
        } else {
            Err(Error::VersionMismatch {
                uri: uri.to_owned(),
                expected,
                actual,
                policy: self,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    #[test]
    fn exact_accepts_only_the_target() {
        let target = Version::TARGET;
        assert!(VersionPolicy::Exact.check("uri", target).is_ok());
        let patched = version(target.major, target.minor, target.patch + 1);
        let error = VersionPolicy::Exact.check("uri", patched).unwrap_err();
        assert!(
            matches!(error, Error::VersionMismatch { expected, actual, policy: VersionPolicy::Exact, .. }
                if expected == target && actual == patched),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains(&target.to_string()) && text.contains(&patched.to_string()),
            "{text}"
        );
    }

    #[test]
    fn same_minor_accepts_other_patches_only() {
        let target = Version::TARGET;
        let patched = version(target.major, target.minor, target.patch + 7);
        assert!(VersionPolicy::SameMinor.check("uri", patched).is_ok());
        let next_minor = version(target.major, target.minor + 1, 0);
        assert!(VersionPolicy::SameMinor.check("uri", next_minor).is_err());
        let next_major = version(target.major + 1, target.minor, target.patch);
        assert!(VersionPolicy::SameMinor.check("uri", next_major).is_err());
    }

    #[test]
    fn warn_and_ignore_accept_anything() {
        let other = version(1, 0, 0);
        assert!(VersionPolicy::Warn.check("uri", other).is_ok());
        assert!(VersionPolicy::Ignore.check("uri", other).is_ok());
        assert_eq!(VersionPolicy::default(), VersionPolicy::Warn);
    }

    #[test]
    fn a_version_message_gives_its_release_unless_negative() {
        let message = |major| VersionMessage {
            major,
            minor: 10,
            patch: 1,
            revision: "abc".to_owned(),
        };
        assert_eq!(Version::try_from(&message(3)).unwrap(), version(3, 10, 1));
        let error = Version::try_from(&message(-3)).unwrap_err();
        assert!(error.to_string().contains("negative"), "{error}");
    }

    #[test]
    fn the_target_is_the_crate_version() {
        assert_eq!(Version::TARGET.to_string(), crate::BRAYNS_VERSION);
        assert_eq!(
            crate::BRAYNS_VERSION,
            env!("CARGO_PKG_VERSION").split('+').next().unwrap()
        );
    }
}
