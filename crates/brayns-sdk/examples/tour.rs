//! The tour of the SDK: the README's main job.

fn main() {
    println!("brayns-rs tour: the SDK is being built; see README.md");
}
