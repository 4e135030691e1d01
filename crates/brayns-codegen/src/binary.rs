//! Which methods carry binary data.
//!
//! The schemas cannot say it: the server attaches binary payloads in code
//! (`PROTOCOL.md` §3.4). This table is the only place the generator knows about it.

/// How a method uses binary frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryUse {
    /// Text frames only.
    None,
    /// The request carries bytes the method reads (the generated method takes a `Bytes`).
    Request,
    /// The reply may carry bytes (the generated method returns them with the result).
    Reply,
}

/// Methods with binary payloads, by wire name.
///
/// - `upload-model`: the model file is the request payload (required; an empty one is
///   refused).
/// - `snapshot`, `export-gbuffers`: the reply payload is the encoded image / EXR when no
///   `file_path` is given (empty otherwise).
/// - `render-image`: the reply payload is the encoded image when `send` is true and a frame
///   was rendered (empty otherwise).
pub const BINARY_METHODS: &[(&str, BinaryUse)] = &[
    ("export-gbuffers", BinaryUse::Reply),
    ("render-image", BinaryUse::Reply),
    ("snapshot", BinaryUse::Reply),
    ("upload-model", BinaryUse::Request),
];

/// How `method` uses binary frames.
pub fn binary_use(method: &str) -> BinaryUse {
    BINARY_METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map_or(BinaryUse::None, |(_, binary)| *binary)
}
