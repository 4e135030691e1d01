//! How long `cargo xtask codegen` takes: the committed 3.10.1 snapshot to formatted Rust.
//!
//! ```sh
//! cargo bench -p brayns-codegen --bench generate
//! ```

use std::path::PathBuf;

use brayns_codegen::{GeneratedFile, Options};

fn main() {
    divan::main();
}

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/3.10.1")
}

/// Load the snapshot, build the IR, emit and format every file (nothing is written).
#[divan::bench(sample_count = 10)]
fn generate_3_10_1() -> Vec<GeneratedFile> {
    let schemas = snapshot_dir();
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../brayns-sdk/src/generated");
    brayns_codegen::generate(&schemas, &Options::for_dirs(&schemas, &out)).expect("generates")
}
