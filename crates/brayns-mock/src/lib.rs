//! A schema-driven stand-in Brayns instance.
