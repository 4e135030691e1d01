//! Typed async Rust SDK for Brayns.
