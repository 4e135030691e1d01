//! Connecting: the version policy against mocks serving other releases, and
//! `verify_schemas` against mocks serving the same or a changed snapshot.

use brayns_mock::MockServer;
use brayns_sdk::{Brayns, Connector, Error, SchemaPart, VersionPolicy};

mod common;

use common::{LIMIT, mock_of_release, snapshot_files};

async fn connect(mock: &MockServer, policy: VersionPolicy) -> Result<Brayns, Error> {
    Brayns::connect_with(Connector::new(mock.uri()), policy).await
}

#[tokio::test]
async fn the_target_release_is_accepted_by_every_policy() {
    tokio::time::timeout(LIMIT, async {
        let mock = MockServer::builder().start().await.unwrap();
        for policy in [
            VersionPolicy::Exact,
            VersionPolicy::SameMinor,
            VersionPolicy::Warn,
            VersionPolicy::Ignore,
        ] {
            let brayns = connect(&mock, policy).await.unwrap();
            let version = brayns.get_version().await.unwrap();
            assert_eq!(
                format!("{}.{}.{}", version.major, version.minor, version.patch),
                brayns_sdk::BRAYNS_VERSION.to_string()
            );
        }
        let brayns = Brayns::connect(mock.uri()).await.unwrap();
        assert_eq!(
            brayns.check_version(VersionPolicy::Exact).await.unwrap(),
            Some(brayns_sdk::BRAYNS_VERSION)
        );
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn another_patch_fails_exact_and_passes_same_minor() {
    tokio::time::timeout(LIMIT, async {
        let target = brayns_sdk::BRAYNS_VERSION;
        let mock = mock_of_release(target.major, target.minor, target.patch + 1).await;
        let error = connect(&mock, VersionPolicy::Exact).await.unwrap_err();
        let Error::VersionMismatch {
            expected,
            actual,
            policy,
            uri,
        } = &error
        else {
            panic!("expected a version mismatch, got {error:?}");
        };
        assert_eq!(*expected, target);
        assert_eq!(actual.patch, target.patch + 1);
        assert_eq!(*policy, VersionPolicy::Exact);
        assert!(uri.contains(&mock.addr().port().to_string()), "{uri}");
        let text = error.to_string();
        assert!(
            text.contains(&target.to_string()) && text.contains(&actual.to_string()),
            "the message names both releases: {text}"
        );

        let brayns = connect(&mock, VersionPolicy::SameMinor).await.unwrap();
        brayns.get_camera_view().await.unwrap();
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn another_minor_fails_same_minor_but_warn_and_ignore_connect() {
    tokio::time::timeout(LIMIT, async {
        let target = brayns_sdk::BRAYNS_VERSION;
        let mock = mock_of_release(target.major, target.minor + 1, 0).await;
        let error = connect(&mock, VersionPolicy::SameMinor).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::VersionMismatch {
                    policy: VersionPolicy::SameMinor,
                    ..
                }
            ),
            "{error:?}"
        );
        for policy in [VersionPolicy::Warn, VersionPolicy::Ignore] {
            let brayns = connect(&mock, policy).await.unwrap();
            assert_eq!(
                brayns.get_version().await.unwrap().minor as u64,
                target.minor + 1
            );
        }
        // The default policy is Warn: a mismatch connects.
        Brayns::connect(mock.uri()).await.unwrap();
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn connect_failures_are_typed() {
    tokio::time::timeout(LIMIT, async {
        let mock = MockServer::builder().start().await.unwrap();
        let uri = mock.uri();
        mock.stop().await;
        let error = Brayns::connect(uri).await.unwrap_err();
        assert!(
            matches!(error, Error::Rpc(brayns_sdk::rpc::Error::Connect { .. })),
            "{error:?}"
        );
        let error = Brayns::connect("not a uri at all").await.unwrap_err();
        assert!(matches!(error, Error::Rpc(_)), "{error:?}");
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn verify_schemas_is_empty_against_the_same_snapshot() {
    tokio::time::timeout(LIMIT, async {
        let mock = MockServer::builder().start().await.unwrap();
        let brayns = Brayns::connect(mock.uri()).await.unwrap();
        let diff = brayns.verify_schemas().await.unwrap();
        assert!(diff.is_empty(), "{diff}");
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn verify_schemas_names_the_changed_method() {
    tokio::time::timeout(LIMIT, async {
        let snapshot = snapshot_files(|path, json| {
            if path == "entrypoints/set-camera-view.json" {
                json["params"]["properties"]["position"]["description"] =
                    "Moved to another field".into();
            }
        });
        let mock = MockServer::builder()
            .snapshot(snapshot)
            .start()
            .await
            .unwrap();
        let brayns = Brayns::connect(mock.uri()).await.unwrap();
        let diff = brayns.verify_schemas().await.unwrap();
        assert!(diff.added.is_empty() && diff.removed.is_empty(), "{diff}");
        assert_eq!(diff.changed.len(), 1, "{diff}");
        assert_eq!(diff.changed[0].method, "set-camera-view");
        assert_eq!(diff.changed[0].parts, [SchemaPart::Params]);
        assert!(diff.to_string().contains("set-camera-view"), "{diff}");
        assert!(!diff.version_changed());
        mock.stop().await;
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn verify_schemas_reports_removed_methods_and_another_release() {
    tokio::time::timeout(LIMIT, async {
        let target = brayns_sdk::BRAYNS_VERSION;
        let snapshot = snapshot_files(|path, json| match path {
            "registry.json" => {
                let methods = json.as_array_mut().unwrap();
                methods.retain(|method| method != "get-camera-near-clip");
            }
            "version.json" => json["patch"] = (target.patch + 1).into(),
            _ => {}
        });
        let mock = MockServer::builder()
            .snapshot(snapshot)
            .start()
            .await
            .unwrap();
        let brayns = Brayns::connect(mock.uri()).await.unwrap();
        let diff = brayns.verify_schemas().await.unwrap();
        assert_eq!(diff.removed, ["get-camera-near-clip"], "{diff}");
        assert!(diff.changed.is_empty(), "{diff}");
        assert!(diff.version_changed());
        mock.stop().await;
    })
    .await
    .expect("in time");
}
