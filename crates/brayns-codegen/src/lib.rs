//! Typed Rust bindings from a Brayns schema snapshot.
