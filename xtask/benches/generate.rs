//! How long `cargo xtask codegen` takes: the committed 3.10.1 snapshot to formatted Rust.
//!
//! ```sh
//! cargo bench -p xtask --bench generate
//! ```

use std::path::PathBuf;

use brayns_codegen::{Generated, Options, TestOptions};

fn main() {
    divan::main();
}

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/3.10.1")
}

/// Load the snapshot, build the IR, emit and format every file (nothing is written).
#[divan::bench(sample_count = 10)]
fn generate_3_10_1() -> Generated {
    // The SDK's options: bindings and both test files.
    let options = Options {
        tests: Some(TestOptions {
            bindings: "brayns_sdk".to_owned(),
            snapshot: "brayns_sdk::compiled_snapshot()".to_owned(),
            calls: true,
        }),
        ..Options::default()
    };
    brayns_codegen::generate(&snapshot_dir(), &options).expect("generates")
}
