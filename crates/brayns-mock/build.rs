//! Embeds the committed 3.10.1 schema snapshot (`schemas/3.10.1`) into the crate, so the mock
//! serves it with no files at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("../../schemas/3.10.1");
    println!("cargo:rerun-if-changed={}", root.display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("entrypoints").display()
    );

    let mut files = Vec::new();
    for name in ["registry.json", "version.json", "loaders.json"] {
        files.push((name.to_owned(), root.join(name)));
    }
    let mut entrypoints: Vec<_> = fs::read_dir(root.join("entrypoints"))
        .expect("schemas/3.10.1/entrypoints is committed")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    entrypoints.sort();
    for path in entrypoints {
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        println!("cargo:rerun-if-changed={}", path.display());
        files.push((format!("entrypoints/{name}"), path));
    }

    let mut table = String::from(
        "/// Every file of the embedded snapshot: (path relative to the snapshot dir, contents).\n",
    );
    table.push_str("pub(crate) static FILES: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        let absolute = canonical(path);
        writeln!(table, "    ({name:?}, include_str!({absolute:?})),")
            .expect("writing to a String");
    }
    table.push_str("];\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("embedded_snapshot.rs"), table).expect("OUT_DIR is writable");
}

fn canonical(path: &Path) -> String {
    fs::canonicalize(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .to_string_lossy()
        .into_owned()
}
