//! Code generated from the spec by `cargo xtask generate`: the wire schema as data.
pub mod schema;
