//! Measures the small-request rate the mock sustains on loopback, driven by bare
//! tokio-tungstenite clients keeping a window of requests in flight.
//!
//! ```sh
//! cargo run --release -p brayns-mock --example mock_rate -- [connections] [in-flight per connection] [seconds]
//! ```
//! Defaults: 1 connection × 64 in flight, then 4 × 16, for 2 s each, calling `get-version`.
//! Then the large-message throughput: 64 MiB binary `snapshot` replies (filler payload) and
//! 64 MiB `upload-model` requests.

use std::time::{Duration, Instant};

use brayns_mock::MockServer;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

async fn drive(uri: String, window: usize, duration: Duration) -> u64 {
    let stream = tokio::net::TcpStream::connect(&uri).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{uri}/"), stream)
        .await
        .expect("handshake");
    let (mut sink, mut stream) = ws.split();
    let request = |id: u64| {
        Message::text(format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"get-version"}}"#
        ))
    };
    let mut next_id = 0u64;
    for _ in 0..window {
        sink.send(request(next_id)).await.expect("send");
        next_id += 1;
    }
    let deadline = Instant::now() + duration;
    let mut done = 0u64;
    while let Some(message) = stream.next().await {
        match message.expect("receive") {
            Message::Text(_) => done += 1,
            other => panic!("unexpected {other:?}"),
        }
        if Instant::now() < deadline {
            sink.send(request(next_id)).await.expect("send");
            next_id += 1;
        } else if done == next_id {
            break;
        }
    }
    done
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let seconds = args.get(2).copied().unwrap_or(2) as u64;
    let shapes: Vec<(usize, usize)> = match (args.first(), args.get(1)) {
        (Some(&c), Some(&w)) => vec![(c, w)],
        _ => vec![(1, 64), (4, 16)],
    };
    let mock = MockServer::builder()
        .start_in_background()
        .expect("mock starts");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for (connections, window) in shapes {
        let started = Instant::now();
        let total: u64 = runtime.block_on(async {
            let tasks: Vec<_> = (0..connections)
                .map(|_| tokio::spawn(drive(mock.uri(), window, Duration::from_secs(seconds))))
                .collect();
            let mut total = 0;
            for task in tasks {
                total += task.await.expect("client task");
            }
            total
        });
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "{connections} connection(s) x {window} in flight: {total} get-version in {elapsed:.2} s = {:.0} requests/s",
            total as f64 / elapsed
        );
    }
    mock.stop();
    runtime.block_on(large_messages());
}

/// Round trips of 64 MiB binary replies and 64 MiB binary requests on one connection.
async fn large_messages() {
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
    const SIZE: usize = 64 << 20;
    const ROUNDS: usize = 10;
    let mock = MockServer::builder()
        .binary_payload_size(SIZE)
        .start()
        .await
        .expect("mock starts");
    let stream = tokio::net::TcpStream::connect(mock.addr())
        .await
        .expect("connect");
    let config = WebSocketConfig::default()
        .max_message_size(Some(1 << 31))
        .max_frame_size(Some(1 << 31));
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(
        format!("ws://{}/", mock.uri()),
        stream,
        Some(config),
    )
    .await
    .expect("handshake");
    let final_reply = async |ws: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>| loop {
        match ws.next().await.expect("open").expect("receive") {
            Message::Binary(bytes) => return bytes.len(),
            Message::Text(text) if text.contains("\"result\"") || text.contains("\"error\"") => {
                return text.len();
            }
            _ => continue,
        }
    };
    let started = Instant::now();
    for id in 0..ROUNDS {
        let request = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"snapshot","params":{{}}}}"#);
        ws.send(Message::text(request)).await.expect("send");
        let size = final_reply(&mut ws).await;
        assert!(size > SIZE);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "snapshot, 64 MiB binary replies: {:.1} ms each, {:.0} MiB/s",
        elapsed * 1000.0 / ROUNDS as f64,
        (ROUNDS * 64) as f64 / elapsed
    );

    let json = r#"{"jsonrpc":"2.0","id":1,"method":"upload-model","params":{"type":"obj","loader_name":"mesh","loader_properties":null}}"#;
    let mut frame = (json.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(json.as_bytes());
    frame.resize(frame.len() + SIZE, 7);
    let frame = bytes::Bytes::from(frame);
    let started = Instant::now();
    for _ in 0..ROUNDS {
        ws.send(Message::Binary(frame.clone())).await.expect("send");
        final_reply(&mut ws).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "upload-model, 64 MiB binary requests: {:.1} ms each, {:.0} MiB/s",
        elapsed * 1000.0 / ROUNDS as f64,
        (ROUNDS * 64) as f64 / elapsed
    );

    // 64 MiB of JSON params: add-spheres with ~800k spheres (parsed and schema-validated).
    let sphere =
        r#"{"color":[1.0,0.5,0.25,1.0],"geometry":{"center":[1.5,2.5,3.5],"radius":0.75}}"#;
    let count = SIZE / (sphere.len() + 1);
    let mut request = String::with_capacity(SIZE + 100);
    request.push_str(r#"{"jsonrpc":"2.0","id":1,"method":"add-spheres","params":["#);
    for i in 0..count {
        if i > 0 {
            request.push(',');
        }
        request.push_str(sphere);
    }
    request.push_str("]}");
    let request = tokio_tungstenite::tungstenite::Utf8Bytes::from(request);
    let started = Instant::now();
    for _ in 0..3 {
        ws.send(Message::Text(request.clone())).await.expect("send");
        final_reply(&mut ws).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "add-spheres, 64 MiB JSON params ({count} spheres): {:.0} ms each",
        elapsed * 1000.0 / 3.0
    );
    mock.stop().await;
}
