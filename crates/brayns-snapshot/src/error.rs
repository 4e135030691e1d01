//! Errors of reading and writing snapshot files.

use std::path::PathBuf;

/// A snapshot could not be read, written or made sense of.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file is not the JSON it should be.
    #[error("{what}: {source}")]
    Json {
        /// Which file or answer (a path, or a method name).
        what: String,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// The content is valid JSON but not what a snapshot holds.
    #[error("{what}: {problem}")]
    Invalid {
        /// Which file or answer.
        what: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl SnapshotError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(what: impl Into<String>, source: serde_json::Error) -> Self {
        Self::Json {
            what: what.into(),
            source,
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            what: what.into(),
            problem: problem.into(),
        }
    }
}
