//! The generated tests of the bindings (`tests/generated`, written by `cargo xtask codegen`
//! with the bindings): every type's round trip through the snapshot's schemas, and every
//! method called end to end against `brayns-mock` serving the same snapshot. They follow
//! the bindings to whatever release they are generated for.

mod support;

#[rustfmt::skip]
mod generated;
