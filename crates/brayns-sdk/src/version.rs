//! Which Brayns releases the SDK accepts on connect.

pub use brayns_snapshot::Version;

use crate::{BRAYNS_VERSION, Error, Result};

/// The release a `get-version` answer reports. Fails (a protocol error) on a negative
/// number, which the schema's `integer` allows but no release has.
pub(crate) fn reported(major: i64, minor: i64, patch: i64) -> Result<Version> {
    let number = |part: i64| {
        u64::try_from(part).map_err(|_| {
            Error::from(brayns_rpc::Error::Protocol(format!(
                "get-version reported a negative version number: {major}.{minor}.{patch}"
            )))
        })
    };
    Ok(Version::new(number(major)?, number(minor)?, number(patch)?))
}
/// What to do on connect when the instance's release is not [`BRAYNS_VERSION`], the one
/// this SDK was generated from.
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
        let expected = BRAYNS_VERSION;
        let accepted = match self {
            Self::Exact => actual == expected,
            Self::SameMinor => actual.same_minor(expected),
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
        Version::new(major, minor, patch)
    }

    #[test]
    fn exact_accepts_only_the_target() {
        let target = BRAYNS_VERSION;
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
        let target = BRAYNS_VERSION;
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
    fn a_reported_release_is_a_version_unless_negative() {
        assert_eq!(reported(3, 10, 1).unwrap(), version(3, 10, 1));
        let error = reported(-3, 10, 1).unwrap_err();
        assert!(error.to_string().contains("negative"), "{error}");
    }

    #[test]
    fn the_target_is_the_crate_version() {
        assert_eq!(
            BRAYNS_VERSION,
            env!("CARGO_PKG_VERSION").parse::<Version>().unwrap()
        );
    }
}
