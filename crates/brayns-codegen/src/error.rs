//! What can go wrong while generating.

use std::path::PathBuf;

/// Why a snapshot could not be turned into Rust.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A snapshot file is not valid JSON, or not the JSON a snapshot holds.
    #[error("{path}: {problem}")]
    Snapshot {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A schema uses something outside Brayns' schema dialect, or something the generator
    /// cannot express. Nothing is silently dropped: the generator stops here.
    #[error("{owner}: {path}: {problem}")]
    Schema {
        /// The method (`add-model`) or loader (`loader[BBP loader]`) the schema belongs to.
        owner: String,
        /// The JSON path inside that owner's schema answer (`params.properties.id.oneOf[0]`).
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// The emitted tokens are not valid Rust: a generator bug.
    #[error("generated `{file}` does not parse: {message}")]
    Emit {
        /// The generated file.
        file: String,
        /// What the parser said.
        message: String,
    },
}

impl CodegenError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn snapshot(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Self::Snapshot {
            path: path.into(),
            problem: problem.into(),
        }
    }

    pub(crate) fn schema(
        owner: impl Into<String>,
        path: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Self::Schema {
            owner: owner.into(),
            path: path.into(),
            problem: problem.into(),
        }
    }
}
