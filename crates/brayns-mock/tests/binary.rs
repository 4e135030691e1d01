//! PROTOCOL §3.3–§3.4: binary replies with real images, binary requests, payload sizes.

mod common;

use brayns_mock::MockServer;
use common::{Incoming, connect, error, mock};
use serde_json::{Value, json};

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a valid PNG");
    let info = reader.info();
    (info.width, info.height)
}

/// Width and height from the JPEG SOF0 marker.
fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..2], &[0xff, 0xd8], "JPEG SOI");
    let mut i = 2;
    while i + 9 < bytes.len() {
        assert_eq!(bytes[i], 0xff);
        let marker = bytes[i + 1];
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if (0xc0..=0xc2).contains(&marker) {
            let height = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]) as u32;
            let width = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]) as u32;
            return (width, height);
        }
        i += 2 + len;
    }
    panic!("no SOF marker");
}

#[tokio::test]
async fn snapshot_replies_with_a_png_of_the_requested_size() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let id = client
        .request(
            "snapshot",
            Some(json!({"image_settings": {"size": [96, 64]}})),
        )
        .await;
    let Incoming::Binary(reply, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(
        reply,
        json!({"id": id, "jsonrpc": "2.0", "result": {"color_buffer": {"offset": 0, "size": payload.len()}}})
    );
    assert_eq!(png_size(&payload), (96, 64));

    let id = client
        .request(
            "snapshot",
            Some(json!({"image_settings": {"size": [70, 80], "format": "jpg", "quality": 50}})),
        )
        .await;
    let Incoming::Binary(_, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(jpeg_size(&payload), (70, 80));

    // Default size: the viewport.
    client
        .call(
            "set-application-parameters",
            Some(json!({"viewport": [128, 64]})),
        )
        .await;
    let id = client.request("snapshot", Some(json!({}))).await;
    let Incoming::Binary(_, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(png_size(&payload), (128, 64));

    let huge = client
        .call_error(
            "snapshot",
            Some(json!({"image_settings": {"size": [60000, 60000]}})),
        )
        .await;
    assert_eq!(huge["code"], -32603);
    // With a file path the server writes the file (SnapshotEntrypoint.cpp); the reply is
    // text and size 0.
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("a.png");
    let id = client
        .request(
            "snapshot",
            Some(json!({"file_path": path.to_str().unwrap()})),
        )
        .await;
    let Incoming::Text(reply) = client.response(id).await else {
        panic!("a text reply")
    };
    assert_eq!(reply["result"]["color_buffer"]["size"], 0);
    assert_eq!(png_size(&std::fs::read(&path).unwrap()), (128, 64));
    mock.stop().await;
}

#[tokio::test]
async fn render_image_sends_new_frames_or_when_forced() {
    // Follows brayns/network/entrypoints/RenderImageEntrypoint.cpp: frames accumulate up to
    // the renderer's samples per pixel.
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    client
        .call(
            "set-application-parameters",
            Some(json!({"viewport": [80, 64]})),
        )
        .await;
    client
        .call(
            "set-renderer-interactive",
            Some(json!({"samples_per_pixel": 3})),
        )
        .await;
    let id = client.request("render-image", Some(json!({}))).await;
    let Incoming::Binary(reply, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(
        reply["result"],
        json!({"accumulation": 1, "max_accumulation": 3})
    );
    assert_eq!(jpeg_size(&payload), (80, 64), "jpg by default");

    let id = client
        .request(
            "render-image",
            Some(json!({"accumulate": true, "format": "png"})),
        )
        .await;
    let Incoming::Binary(reply, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(reply["result"]["accumulation"], 3);
    assert_eq!(png_size(&payload), (80, 64));
    // Nothing new to render: text unless forced.
    let id = client.request("render-image", Some(json!({}))).await;
    assert!(matches!(client.response(id).await, Incoming::Text(_)));
    let id = client
        .request("render-image", Some(json!({"force": true})))
        .await;
    assert!(matches!(client.response(id).await, Incoming::Binary(..)));
    let id = client
        .request("render-image", Some(json!({"send": false})))
        .await;
    assert!(matches!(client.response(id).await, Incoming::Text(_)));
    assert_eq!(
        client
            .call_error("render-image", Some(json!({"send": false, "force": true})))
            .await,
        error(-32602, "Cannot force sending if send is disabled")
    );
    mock.stop().await;
}

#[tokio::test]
async fn export_gbuffers_is_binary_with_null_result() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let id = client
        .request(
            "export-gbuffers",
            Some(json!({"channels": ["color", "depth"], "resolution": [64, 64]})),
        )
        .await;
    let Incoming::Binary(reply, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(reply, json!({"id": id, "jsonrpc": "2.0", "result": null}));
    assert_eq!(&payload[..4], &[0x76, 0x2f, 0x31, 0x01], "EXR magic");
    // A multi-part EXR (tests/pictures.rs reads it): at least the 64 x 64 pixels' floats,
    // 4 of color and 1 of depth each.
    assert_eq!(payload[5] & 0x10, 0x10, "multi-part");
    assert!(payload.len() > 64 * 64 * (4 + 1) * 4, "{}", payload.len());
    // Saved on the server with `.exr` added (ExportGBuffersEntrypoint.cpp).
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("g");
    let id = client
        .request(
            "export-gbuffers",
            Some(json!({"channels": ["color"], "file_path": path.to_str().unwrap()})),
        )
        .await;
    assert!(
        matches!(client.response(id).await, Incoming::Text(reply) if reply["result"] == Value::Null)
    );
    let saved = std::fs::read(directory.path().join("g.exr")).unwrap();
    assert_eq!(&saved[..4], &[0x76, 0x2f, 0x31, 0x01], "EXR magic");
    mock.stop().await;
}

#[tokio::test]
async fn upload_model_requires_a_binary_payload() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let params = json!({"type": "obj", "loader_name": "mesh", "loader_properties": null});
    assert_eq!(
        client
            .call_error("upload-model", Some(params.clone()))
            .await,
        error(-32602, "Mo model binary data")
    );
    client
        .send_binary(
            &json!({"jsonrpc": "2.0", "id": 5, "method": "upload-model", "params": params}),
            b"",
        )
        .await;
    assert_eq!(
        client.response(5).await.json()["error"],
        error(-32602, "Mo model binary data")
    );
    client
        .send_binary(
            &json!({"jsonrpc": "2.0", "id": 6, "method": "upload-model", "params": params}),
            b"o cube\nv 0 0 0",
        )
        .await;
    let reply = client.response(6).await;
    let Incoming::Text(reply) = reply else {
        panic!("upload-model replies in text")
    };
    assert_eq!(
        reply["result"][0]["info"]["load_info"]["source"],
        "from_blob"
    );
    assert_eq!(reply["result"][0]["model_type"], "mesh");
    let unknown = json!({"type": "obj", "loader_name": "nope", "loader_properties": null});
    client
        .send_binary(
            &json!({"jsonrpc": "2.0", "id": 7, "method": "upload-model", "params": unknown}),
            b"x",
        )
        .await;
    assert_eq!(client.response(7).await.json()["error"]["code"], -32602);
    mock.stop().await;
}

#[tokio::test]
async fn binary_payload_size_replaces_images() {
    let size = 3 << 20;
    let mock = MockServer::builder()
        .binary_payload_size(size)
        .start()
        .await
        .unwrap();
    let mut client = connect(&mock.uri()).await;
    for method in ["snapshot", "render-image"] {
        let params = if method == "render-image" {
            json!({"force": true})
        } else {
            json!({})
        };
        let id = client.request(method, Some(params)).await;
        let Incoming::Binary(reply, payload) = client.response(id).await else {
            panic!("a binary reply")
        };
        assert_eq!(payload.len(), size, "{method}");
        if method == "snapshot" {
            assert_eq!(reply["result"]["color_buffer"]["size"], size);
        }
    }
    mock.stop().await;
}

/// Sizes come from requests: none may make the mock allocate without bound. The first request
/// below once aborted the process ("memory allocation of 53687091208 bytes failed").
#[tokio::test]
async fn oversized_buffers_are_errors_and_the_mock_keeps_serving() {
    let mock = mock().await;
    let mut client = connect(&mock.uri()).await;
    let too_large = |error: &Value| {
        assert_eq!(error["code"], -32603, "{error}");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("exceed")),
            "{error}"
        );
    };
    // The schema allows repeated channels: one channel is still 8192 x 8192 x 4 bytes, over the
    // mock's 8192 x 8192 RGB budget.
    let repeated = vec!["color"; 200];
    too_large(
        &client
            .call_error(
                "export-gbuffers",
                Some(json!({"channels": repeated, "resolution": [8192, 8192]})),
            )
            .await,
    );
    // Four distinct channels of 4096 x 4096 are over it too (the check counts channels).
    let kinds: Vec<&str> = ["color", "depth", "albedo", "normal"].repeat(50);
    too_large(
        &client
            .call_error(
                "export-gbuffers",
                Some(json!({"channels": kinds, "resolution": [4096, 4096]})),
            )
            .await,
    );
    // A repeated channel is exported once.
    let mut export = async |channels: &[&str]| {
        let id = client
            .request(
                "export-gbuffers",
                Some(json!({"channels": channels, "resolution": [64, 64]})),
            )
            .await;
        let Incoming::Binary(_, payload) = client.response(id).await else {
            panic!("a binary reply")
        };
        payload
    };
    assert_eq!(
        export(&repeated).await,
        export(&["color"]).await,
        "one channel"
    );
    // Sizes taken from a huge viewport: snapshot, render-image and export-gbuffers.
    client
        .call(
            "set-application-parameters",
            Some(json!({"viewport": [4_000_000_000u64, 4_000_000_000u64]})),
        )
        .await;
    too_large(&client.call_error("snapshot", Some(json!({}))).await);
    too_large(
        &client
            .call_error("render-image", Some(json!({"force": true})))
            .await,
    );
    too_large(
        &client
            .call_error("export-gbuffers", Some(json!({"channels": ["depth"]})))
            .await,
    );
    let version = client.call("get-version", None).await;
    assert_eq!(version["major"], 3);
    mock.stop().await;
}
