//! Timeouts, dropped calls, disconnection and websocket hygiene (no pings).

mod support;

use std::future::Future;
use std::time::Duration;

use brayns_rpc::{Client, Connector, Error, Request};
use serde_json::json;
use support::{Conn, Kind, Server, bounded};
use tokio::sync::mpsc;

/// What `Client::disconnect` promises for the Close and what was queued before it: this
/// much, never more (the crate's `CLOSE_GRACE`).
const CLOSE_GRACE: Duration = Duration::from_millis(250);

/// After the last handle is dropped, how long the last frames may go without progress (the
/// crate's `ABANDON_GRACE`).
const ABANDON_GRACE: Duration = Duration::from_secs(2);

/// Slack over a grace, in timer time: the timer wheel rounds deadlines up to the next
/// millisecond, and nothing else adds to it (see [`timer_time_of`]).
const TIMER_SLACK: Duration = Duration::from_millis(20);

/// How long `future` waits on timers. The runtime's clock is paused while it runs, so it
/// moves only when every task waits, straight to the next deadline: the result counts the
/// timers the client waited for (a grace, a timeout) and none of the machine's slowness, so
/// a bound on it is a bound on the protocol's waits that load cannot break. The clock
/// resumes afterwards, because the rest of a test may wait on sockets, and a paused clock
/// would jump past a deadline whenever the runtime is idle waiting for bytes.
async fn timer_time_of<F: Future>(future: F) -> (F::Output, Duration) {
    tokio::time::pause();
    let start = tokio::time::Instant::now();
    let output = future.await;
    let elapsed = start.elapsed();
    tokio::time::resume();
    (output, elapsed)
}

/// Waits until `count` calls are registered (a call registers and queues its frame in one go).
async fn wait_pending(client: &Client, count: usize) {
    while client.pending_count() != count {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn timed_out_call_frees_its_entry_and_the_connection_stays_usable() {
    bounded(async {
        let server = Server::start(|mut conn| async move {
            let silent = conn.recv().await.unwrap();
            let next = conn.recv().await.unwrap();
            // The late reply to the timed-out call arrives first and must be ignored.
            conn.reply(&silent.id(), json!("late")).await;
            conn.reply(&next.id(), json!("next")).await;
            conn.echo().await;
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let error = client
            .call(Request::new("silent").timeout(Duration::from_millis(50)))
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Timeout { ref method, after } if method == "silent" && after == Duration::from_millis(50)),
            "{error:?}"
        );
        assert_eq!(client.pending_count(), 0);
        assert!(client.is_connected());
        assert_eq!(client.request("next", None).await.unwrap(), json!("next"));
        assert_eq!(client.pending_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn dropped_call_future_frees_its_entry() {
    bounded(async {
        // Answers everything but the `never-*` methods.
        let server = Server::start(|mut conn| async move {
            while let Some(request) = conn.recv().await {
                if !request.method().starts_with("never") {
                    conn.reply(&request.id(), json!(null)).await;
                }
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let call = client.request("never-answered", None);
        tokio::select! {
            _ = call => panic!("must not complete"),
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
        assert_eq!(client.pending_count(), 0);

        // Same through an aborted spawned task.
        let spawned = {
            let client = client.clone();
            tokio::spawn(async move { client.request("never-answered-either", None).await })
        };
        wait_pending(&client, 1).await;
        spawned.abort();
        let _ = spawned.await;
        assert_eq!(client.pending_count(), 0);
        client.request("ok", None).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn server_drop_fails_every_pending_call_at_once() {
    bounded(async {
        let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
        let server = Server::start(move |mut conn| {
            let ready_tx = ready_tx.clone();
            async move {
                // Read all 100 requests (and a task), then vanish without a Close frame.
                let _ = conn.recv_many(101).await;
                let _ = ready_tx.send(());
                drop(conn);
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let task = client
            .start_task(Request::new("snapshot").params(&json!({})).unwrap())
            .unwrap();
        let calls: Vec<_> = (0..100)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move { client.request(format!("m{i}"), None).await })
            })
            .collect();
        ready_rx.recv().await.unwrap();
        // None of these calls has a timeout: if they were not failed at once they would hang
        // until the test limit.
        for call in calls {
            let error = call.await.unwrap().unwrap_err();
            assert!(error.is_disconnected(), "{error:?}");
        }
        assert!(task.await.unwrap_err().is_disconnected());
        assert!(!client.is_connected());
        assert_eq!(client.pending_count(), 0);

        // Later calls fail fast.
        let error = client.request("after", None).await.unwrap_err();
        assert!(matches!(error, Error::Disconnected { .. }), "{error:?}");
        assert!(
            client
                .start_task(Request::new("snapshot"))
                .unwrap_err()
                .is_disconnected()
        );
        assert!(
            client
                .notify("n", None)
                .await
                .unwrap_err()
                .is_disconnected()
        );
    })
    .await;
}

#[tokio::test]
async fn disconnect_fails_pending_calls_and_does_not_wait_for_the_server() {
    bounded(async {
        let (closed_tx, mut closed_rx) = mpsc::unbounded_channel::<()>();
        let server = Server::start(move |mut conn| {
            let closed_tx = closed_tx.clone();
            async move {
                // Reads but never answers, and never answers a Close either.
                while conn.recv().await.is_some() {}
                let _ = closed_tx.send(());
                // Keep the socket open past the test limit: a client waiting for the close
                // handshake (or for EOF) would hang the test.
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let pending = {
            let client = client.clone();
            tokio::spawn(async move { client.request("never-answered", None).await })
        };
        wait_pending(&client, 1).await;
        // The server reads the Close but never answers it: a client that waited for an
        // answer would wait the whole grace (or for ever), none at all is the promise.
        let ((), waited) = timer_time_of(client.disconnect()).await;
        assert!(
            waited < CLOSE_GRACE,
            "disconnect() waited {waited:?} for an answer that never comes"
        );
        assert!(!client.is_connected());
        assert!(pending.await.unwrap().unwrap_err().is_disconnected());
        assert!(
            client
                .request("after", None)
                .await
                .unwrap_err()
                .is_disconnected()
        );
        // The server saw the connection end, with a Close frame as the last message.
        closed_rx.recv().await.unwrap();
        let kinds: Vec<Kind> = server.recorded().iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [Kind::Text, Kind::Close]);
        // Disconnecting twice is harmless.
        client.disconnect().await;
    })
    .await;
}

#[tokio::test]
async fn no_pings_or_pongs_are_ever_sent() {
    bounded(async {
        let server = Server::start(|conn| conn.echo()).await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        for i in 0..5 {
            client.request(format!("m{i}"), None).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        client
            .call(Request::new("bin").binary(vec![1u8, 2, 3]))
            .await
            .unwrap();
        // Idle for a while: no keepalive may fire.
        tokio::time::sleep(Duration::from_millis(500)).await;
        client.request("last", None).await.unwrap();
        let kinds: Vec<Kind> = server.recorded().iter().map(|r| r.kind).collect();
        assert_eq!(kinds.len(), 7, "{kinds:?}");
        assert!(
            kinds.iter().all(|k| matches!(k, Kind::Text | Kind::Binary)),
            "{kinds:?}"
        );
        assert!(client.is_connected());
    })
    .await;
}

#[tokio::test]
async fn dropping_every_handle_closes_the_connection() {
    bounded(async {
        let (closed_tx, mut closed_rx) = mpsc::unbounded_channel::<()>();
        let server = Server::start(move |conn| {
            let closed_tx = closed_tx.clone();
            async move {
                conn.echo().await;
                let _ = closed_tx.send(());
            }
        })
        .await;
        let client = Connector::new(server.uri()).connect().await.unwrap();
        let clone = client.clone();
        client.request("m", None).await.unwrap();
        drop(client);
        clone.request("still-open", None).await.unwrap();
        // A notification sent just before the last handle goes is still delivered.
        clone.notify("last-words", None).await.unwrap();
        drop(clone);
        closed_rx.recv().await.unwrap();
        let recorded = server.recorded();
        let last_text = recorded
            .iter()
            .rev()
            .find(|r| r.kind == Kind::Text)
            .unwrap();
        assert!(String::from_utf8_lossy(&last_text.data).contains("last-words"));
        assert_eq!(recorded.last().unwrap().kind, Kind::Close);
    })
    .await;
}

/// Accepts one websocket connection by hand, then reads slowly (128 KiB every 20 ms, about
/// 6.5 MB/s: far slower than the client writes, and slow enough that the kernel's send
/// buffer takes longer than disconnect()'s 250 ms grace to drain) until the client closes
/// the TCP connection; returns every byte the client sent after the upgrade.
async fn slow_reader(listener: tokio::net::TcpListener) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut tcp, _) = listener.accept().await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tcp.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let key = head
        .lines()
        .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap();
    let accept =
        tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.trim().as_bytes());
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    tcp.write_all(answer.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 128 << 10];
    loop {
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return received,
            Ok(read) => received.extend_from_slice(&chunk[..read]),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Nobody waits for a dropped client, so its last frames may take as long as the server
/// keeps reading: a 12 MiB notification to a slow but live server arrives whole (it takes
/// about 2 s, and the writer sees no progress for longer than 250 ms at a time), followed by
/// the Close.
// Two threads, so a busy test thread cannot stall the reader and the writer together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_lets_a_slow_server_read_the_last_notification_whole() {
    bounded(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(slow_reader(listener));
        let client = Connector::new(uri).connect().await.unwrap();
        let words = "w".repeat(12 << 20);
        client
            .notify("last-words", Some(json!([words])))
            .await
            .unwrap();
        drop(client);
        let received = server.await.unwrap();
        // One final masked text frame with a 64-bit length, then a masked empty Close.
        assert_eq!(received[0], 0x81, "a final text frame");
        assert_eq!(received[1], 0x80 | 127, "masked, 64-bit length");
        let len = u64::from_be_bytes(received[2..10].try_into().unwrap()) as usize;
        assert!(len > 12 << 20);
        assert_eq!(
            received.len(),
            14 + len + 6,
            "the whole frame, then the Close"
        );
        assert_eq!(&received[14 + len..14 + len + 2], &[0x88, 0x80]);
    })
    .await;
}

/// A server that completes the upgrade and then never reads again: a frozen peer.
async fn frozen(conn: Conn) {
    let _held = conn;
    tokio::time::sleep(Duration::from_secs(60)).await;
}

/// Connects to a frozen server and sends a request far larger than the socket buffers of both
/// ends hold, so the client's writer stays blocked in the middle of it. The request itself
/// times out.
async fn client_with_a_blocked_writer(server: &Server) -> Client {
    let client = Connector::new(server.uri()).connect().await.unwrap();
    let huge = Request::new("upload-model")
        .binary(vec![0u8; 64 << 20])
        .timeout(Duration::from_millis(300));
    let error = client.call(huge).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    client
}

#[tokio::test]
async fn disconnect_is_prompt_while_the_writer_is_blocked_by_a_frozen_server() {
    bounded(async {
        let server = Server::start(frozen).await;
        let client = client_with_a_blocked_writer(&server).await;
        // A small call queued behind the stuck frame is bounded by its timeout...
        let error = client
            .call(Request::new("small").timeout(Duration::from_millis(100)))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
        // ...and one without a timeout ends with the disconnect.
        let waiting = {
            let client = client.clone();
            tokio::spawn(async move { client.request("small", None).await })
        };
        wait_pending(&client, 1).await;
        // The Close cannot go out (the writer is stuck), so the whole grace is used, and
        // nothing more: not the abandon grace, not a wait for the server to read.
        let ((), waited) = timer_time_of(client.disconnect()).await;
        assert!(
            waited <= CLOSE_GRACE + TIMER_SLACK,
            "disconnect() took {waited:?} of timers, the grace is {CLOSE_GRACE:?}"
        );
        assert!(!client.is_connected());
        let error = waiting.await.unwrap().unwrap_err();
        assert!(error.is_disconnected(), "{error:?}");
        assert_eq!(client.pending_count(), 0);
        let error = client.request("after", None).await.unwrap_err();
        assert!(error.is_disconnected(), "{error:?}");
    })
    .await;
}

#[tokio::test]
async fn dropping_every_handle_ends_the_connection_while_the_writer_is_blocked() {
    bounded(async {
        let server = Server::start(frozen).await;
        let client = client_with_a_blocked_writer(&server).await;
        // The runtime's live tasks: the server's accept loop and frozen connection, and the
        // client's connection task, which must end once the last handle is gone.
        let metrics = tokio::runtime::Handle::current().metrics();
        let alive = metrics.num_alive_tasks();
        drop(client);
        // The stuck frame makes no progress, so the task gives up after one abandon grace.
        let ((), waited) = timer_time_of(async {
            while metrics.num_alive_tasks() >= alive {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(
            waited <= ABANDON_GRACE + TIMER_SLACK,
            "the connection task lived {waited:?} of timers after the last handle went"
        );
        assert_eq!(server.connections(), 1);
    })
    .await;
}
