//! The compiled-in schema snapshot and the comparison of a live instance with it.

use std::sync::OnceLock;

use brayns_snapshot::{Snapshot, SnapshotDiff};

use crate::{Brayns, Result};

/// The schema snapshot this SDK was generated from, embedded in the binary (the
/// generator writes its files as constants, so nothing is read at run time).
pub fn compiled_snapshot() -> &'static Snapshot {
    static SNAPSHOT: OnceLock<Snapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        crate::generated::snapshot::SNAPSHOT
            .load()
            // The texts were validated by the generator from a snapshot that loaded; the
            // unit test below builds them on every test run.
            .expect("the generated snapshot constants make a snapshot")
    })
}

impl Brayns {
    /// Fetches the instance's schemas (`get-version`, `registry`, `schema` for every method,
    /// `get-loaders`) and compares them with the ones this SDK was generated from.
    ///
    /// The [`SnapshotDiff`] lists the methods the instance added, removed or changed
    /// ([`SnapshotDiff::changed`] names the parts: params, result, async...), whether the
    /// loaders differ, and both releases; it is empty when the instance is the release
    /// the SDK was generated from with the same schemas. Its `Display` is one line per
    /// difference.
    pub async fn verify_schemas(&self) -> Result<SnapshotDiff> {
        let live = brayns_snapshot::fetch(self.rpc(), |_| {}).await?;
        Ok(brayns_snapshot::diff(compiled_snapshot(), &live))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_snapshot_is_the_generated_release_with_every_method() {
        let snapshot = compiled_snapshot();
        assert_eq!(snapshot.version(), crate::BRAYNS_VERSION);
        assert_eq!(snapshot.revision(), crate::BRAYNS_REVISION);
        let methods: Vec<&str> = snapshot.methods().collect();
        let bound: Vec<&str> = crate::METHODS.iter().map(|method| method.name).collect();
        assert_eq!(methods, bound);
        let loaders: Vec<&str> = snapshot
            .loaders()
            .unwrap_or_default()
            .iter()
            .map(|loader| loader.name.as_str())
            .collect();
        let bound: Vec<&str> = crate::loaders::LOADERS
            .iter()
            .map(|loader| loader.name)
            .collect();
        assert_eq!(loaders, bound);
    }
}
