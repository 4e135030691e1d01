//! Measures how fast the mock draws pictures of a scene: `snapshot` round trips on loopback of
//! a 1920×1080 frame of a few thousand primitives (tracing, encoding and the transfer), the
//! camera moved a little every frame so no cached image is reused.
//!
//! ```sh
//! cargo run --release -p brayns-mock --example picture_rate -- [primitives] [frames]
//! taskset -c 0 cargo run --release -p brayns-mock --example picture_rate   # one core
//! ```
//! Defaults: 3000 primitives (spheres, capsules and boxes in a cube of side 20), 10 frames,
//! PNG then JPEG.

use std::time::{Duration, Instant};

use brayns_mock::MockServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Sends one request and waits for its reply, skipping progress; returns the binary payload
/// size (0 for a text reply).
async fn call(ws: &mut Socket, id: u64, method: &str, params: Value) -> usize {
    let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    ws.send(Message::text(request.to_string()))
        .await
        .expect("send");
    loop {
        match ws.next().await.expect("a reply").expect("receive") {
            Message::Binary(bytes) => {
                let size = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
                return bytes.len() - 4 - size;
            }
            Message::Text(text) => {
                let reply: Value = serde_json::from_str(&text).expect("JSON");
                if reply.get("id") == Some(&json!(id)) {
                    assert!(reply.get("error").is_none(), "{method}: {reply}");
                    return 0;
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// A deterministic pseudo-random stream in [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn point(&mut self) -> [f64; 3] {
        [0, 1, 2].map(|_| self.next() * 20.0 - 10.0)
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let primitives: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3000);
    let frames: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let mock = MockServer::builder()
        .progress_steps(1)
        .step_duration(Duration::ZERO)
        .start()
        .await
        .expect("mock starts");
    let uri = mock.uri();
    let stream = tokio::net::TcpStream::connect(&uri).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{uri}/"), stream)
        .await
        .expect("handshake");

    let mut random = Lcg(7);
    let color = |random: &mut Lcg| [random.next(), random.next(), random.next(), 1.0];
    let third = primitives / 3;
    let spheres: Vec<Value> = (0..primitives - 2 * third)
        .map(|_| {
            json!({"geometry": {"center": random.point(), "radius": 0.1 + random.next() * 0.4},
                   "color": color(&mut random)})
        })
        .collect();
    let capsules: Vec<Value> = (0..third)
        .map(|_| {
            let p0 = random.point();
            let p1 = [0, 1, 2].map(|i| p0[i] + random.next() - 0.5);
            json!({"geometry": {"p0": p0, "r0": 0.15, "p1": p1, "r1": 0.05},
                   "color": color(&mut random)})
        })
        .collect();
    let boxes: Vec<Value> = (0..third)
        .map(|_| {
            let min = random.point();
            let max = [0, 1, 2].map(|i| min[i] + 0.2 + random.next() * 0.5);
            json!({"geometry": {"min": min, "max": max}, "color": color(&mut random)})
        })
        .collect();
    call(&mut ws, 1, "add-spheres", Value::Array(spheres)).await;
    call(&mut ws, 2, "add-capsules", Value::Array(capsules)).await;
    call(&mut ws, 3, "add-boxes", Value::Array(boxes)).await;

    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut id = 10;
    for format in ["png", "jpg"] {
        let start = Instant::now();
        let mut bytes = 0;
        for frame in 0..frames {
            id += 1;
            let params = json!({
                "image_settings": {"format": format, "size": [1920, 1080]},
                "camera_view": {"position": [f64::from(frame) * 0.01, 0.0, 35.0],
                                "target": [0.0, 0.0, 0.0], "up": [0.0, 1.0, 0.0]},
            });
            bytes += call(&mut ws, id, "snapshot", params).await;
        }
        let per_frame = start.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);
        println!(
            "snapshot 1920x1080 {format}, {primitives} primitives: {per_frame:.1} ms/frame \
             ({} KiB/frame, {threads} thread(s) available)",
            bytes / frames as usize / 1024
        );
    }
    mock.stop().await;
}
