//! Micro-benchmarks of the SDK's message path: building requests with params, decoding typed
//! results, and whole round trips over loopback against a canned server (which is where the
//! transport classifies replies and splits binary frames).
//!
//! ```sh
//! cargo bench -p brayns-sdk --bench messages
//! ```

use std::sync::OnceLock;

use brayns_sdk::Brayns;
use brayns_sdk::rpc::{Connector, Request};
use brayns_sdk::types::{
    AddSpheresGeometryWithColor, ImageSettings, ModelInstance, SnapshotParams, SnapshotResult,
    Sphere, VersionMessage,
};
use divan::Bencher;
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

/// `count` spheres with full-precision coordinates (about 180 bytes of JSON each).
fn spheres(count: usize) -> Vec<AddSpheresGeometryWithColor> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| AddSpheresGeometryWithColor {
            color: [next(), next(), next(), 1.0],
            geometry: Sphere {
                center: [next() * 1000.0, next() * 1000.0, next() * 1000.0],
                radius: next() * 10.0,
            },
        })
        .collect()
}

/// Building requests: the params are serialized into the outgoing buffer.
mod encode {
    use super::*;

    #[divan::bench]
    fn no_params() -> Request {
        Request::new("get-version")
    }

    #[divan::bench]
    fn snapshot_params() -> Request {
        let params = SnapshotParams {
            image_settings: Some(ImageSettings {
                format: "png".to_owned(),
                quality: 100,
                size: Some([3840, 2160]),
            }),
            ..SnapshotParams::default()
        };
        Request::new("snapshot")
            .params(divan::black_box(&params))
            .expect("serializes")
    }

    /// `add-spheres` params as the generated methods encode them: typed params to JSON text,
    /// then the request around it.
    #[divan::bench(args = [1_000, 100_000])]
    fn add_spheres(bencher: Bencher<'_, '_>, count: usize) {
        let spheres = spheres(count);
        let len = serde_json::to_string(&spheres).expect("serializes").len();
        bencher.counter(BytesCount::new(len)).bench_local(|| {
            let raw = serde_json::value::to_raw_value(divan::black_box(&spheres[..]))
                .expect("serializes");
            Request::new("add-spheres").params_raw(raw)
        });
    }

    /// The same params through `Request::params` (serialized straight into the buffer).
    #[divan::bench(args = [1_000, 100_000])]
    fn add_spheres_direct(bencher: Bencher<'_, '_>, count: usize) {
        let spheres = spheres(count);
        let len = serde_json::to_string(&spheres).expect("serializes").len();
        bencher.counter(BytesCount::new(len)).bench_local(|| {
            Request::new("add-spheres")
                .params(divan::black_box(&spheres[..]))
                .expect("serializes")
        });
    }
}

/// Decoding typed results from the `result` text of a reply (what `Response::decode` does).
mod decode {
    use super::*;

    #[divan::bench]
    fn version() -> VersionMessage {
        serde_json::from_str(divan::black_box(
            r#"{"major":3,"minor":10,"patch":1,"revision":"747afcdfc"}"#,
        ))
        .expect("decodes")
    }

    #[divan::bench]
    fn snapshot_result() -> SnapshotResult {
        serde_json::from_str(divan::black_box(
            r#"{"color_buffer":{"offset":0,"size":67108864}}"#,
        ))
        .expect("decodes")
    }

    #[divan::bench]
    fn model_instance() -> ModelInstance {
        serde_json::from_str(divan::black_box(MODEL_INSTANCE)).expect("decodes")
    }

    const MODEL_INSTANCE: &str = r#"{"bounds":{"max":[1001.5,1002.25,1003.125],"min":[-1.5,-2.25,-3.125]},"info":{"base_transform":{"rotation":[0,0,0,1],"scale":[1,1,1],"translation":[0,0,0]},"load_info":null,"metadata":{}},"is_visible":true,"model_id":0,"model_type":"geometry","transform":{"rotation":[0,0,0,1],"scale":[1,1,1],"translation":[0,0,0]}}"#;
}

/// Whole calls over loopback against a canned server: request encoding, the socket task,
/// reply classification, binary split and typed decoding, on one current-thread runtime.
mod round_trip {
    use super::*;

    #[divan::bench]
    fn get_version(bencher: Bencher<'_, '_>) {
        let (runtime, sdk) = connected();
        bencher.bench_local(|| runtime.block_on(sdk.get_version()).expect("replies"));
    }

    /// A snapshot whose reply carries a binary payload of `size` bytes.
    #[divan::bench(args = [1 << 10, 1 << 20, 16 << 20])]
    fn snapshot_binary(bencher: Bencher<'_, '_>, size: usize) {
        let (runtime, sdk) = connected();
        // The canned server sends as many bytes as the image is wide.
        let params = SnapshotParams {
            image_settings: Some(ImageSettings {
                format: "png".to_owned(),
                quality: 100,
                size: Some([size as u64, 1]),
            }),
            ..SnapshotParams::default()
        };
        bencher.counter(BytesCount::new(size)).bench_local(|| {
            runtime
                .block_on(async { sdk.snapshot(&params)?.await })
                .expect("replies")
        });
    }

    fn connected() -> (&'static tokio::runtime::Runtime, Brayns) {
        let runtime = runtime();
        let address = canned::server_address(runtime);
        let client = runtime
            .block_on(Connector::new(address).connect())
            .expect("connects");
        (runtime, Brayns::new(client))
    }

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
        })
    }
}

/// A websocket server answering `get-version` and `snapshot` with canned replies, echoing
/// the request id.
mod canned {
    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::Message;

    const VERSION: &str = r#"{"major":3,"minor":10,"patch":1,"revision":"747afcdfc"}"#;

    /// Starts the server on `runtime` (it runs while the runtime is driven) and returns its
    /// address.
    pub(crate) fn server_address(runtime: &tokio::runtime::Runtime) -> String {
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("binds");
        let address = listener.local_addr().expect("address").to_string();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream));
            }
        });
        address
    }

    async fn serve(stream: tokio::net::TcpStream) {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        while let Some(Ok(Message::Text(request))) = ws.next().await {
            let id = field(&request, r#""id":"#).unwrap_or("null");
            let reply = if request.contains(r#""method":"snapshot""#) {
                // The image width, set by the bench, is the payload size.
                let size: usize = field(&request, r#""size":["#)
                    .and_then(|width| width.parse().ok())
                    .unwrap_or(0);
                let json = format!(
                    r#"{{"id":{id},"jsonrpc":"2.0","result":{{"color_buffer":{{"offset":0,"size":{size}}}}}}}"#
                );
                let mut frame = Vec::with_capacity(4 + json.len() + size);
                frame.extend_from_slice(&(json.len() as u32).to_le_bytes());
                frame.extend_from_slice(json.as_bytes());
                frame.resize(frame.len() + size, 0x5a);
                Message::Binary(frame.into())
            } else {
                Message::text(format!(
                    r#"{{"id":{id},"jsonrpc":"2.0","result":{VERSION}}}"#
                ))
            };
            if ws.send(reply).await.is_err() {
                return;
            }
        }
    }

    /// The digits following `key` in `text`.
    fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
        let start = text.find(key)? + key.len();
        let rest = &text[start..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        Some(&rest[..end])
    }
}

/// Serialization alone, into a buffer already large enough: the floor for `encode`.
#[divan::bench(args = [1_000, 100_000, 370_000])]
fn serialize_presized(bencher: Bencher<'_, '_>, count: usize) {
    let spheres = spheres(count);
    let len = serde_json::to_string(&spheres).expect("serializes").len();
    bencher.counter(BytesCount::new(len)).bench_local(|| {
        let mut buffer = Vec::with_capacity(len + 64);
        serde_json::to_writer(&mut buffer, divan::black_box(&spheres[..])).expect("serializes");
        buffer
    });
}

/// Serialization alone into a growing `String` (what `to_raw_value` does).
#[divan::bench(args = [1_000, 100_000, 370_000])]
fn serialize_growing(bencher: Bencher<'_, '_>, count: usize) {
    let spheres = spheres(count);
    let len = serde_json::to_string(&spheres).expect("serializes").len();
    bencher
        .counter(BytesCount::new(len))
        .bench_local(|| serde_json::to_string(divan::black_box(&spheres[..])).expect("serializes"));
}
