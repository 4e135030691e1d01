//! Micro-benchmarks of message encoding and decoding (being written).

fn main() {
    divan::main();
}
