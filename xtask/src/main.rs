//! `cargo xtask`: project automation.

fn main() {
    eprintln!("usage: cargo xtask <fetch|codegen>");
    std::process::exit(2);
}
