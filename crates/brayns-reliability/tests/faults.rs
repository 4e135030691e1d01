//! Faults: the server vanishes, stalls, quits, is not up yet, or is full.

mod support;

use std::io::ErrorKind;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use brayns_mock::MockServer;
use brayns_rpc::{Client, Connector, Error, Request};
use serde_json::{Value, json};
use support::{ReservedPort, ScriptServer, bounded};

async fn connect(uri: String) -> Client {
    Connector::new(uri).connect().await.expect("server is up")
}

#[tokio::test]
async fn server_drop_with_1000_calls_pending_fails_every_call_promptly() {
    bounded(async {
        // The first get-version holds the queue (like a long render on Brayns), so the next 999
        // stay queued; the 1001st message makes the mock drop the connection without Close.
        let mock = MockServer::builder()
            .latency("get-version", Duration::from_secs(30))
            .drop_after_messages(1000)
            .start()
            .await
            .unwrap();
        let client = connect(mock.uri()).await;
        let brayns = brayns_sdk::Brayns::new(client.clone());
        let calls: Vec<_> = (0..1001)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.request("get-version", None).await })
            })
            .collect();
        // Far below the 30 s latency: nothing may wait for an answer that will never come.
        let outcomes = tokio::time::timeout(Duration::from_secs(10), async {
            let mut outcomes = Vec::with_capacity(calls.len());
            for call in calls {
                outcomes.push(call.await.expect("no panic"));
            }
            outcomes
        })
        .await
        .expect("every pending call fails promptly, none hangs");
        for outcome in outcomes {
            let error = outcome.expect_err("no reply can arrive");
            assert!(error.is_disconnected(), "{error:?}");
        }
        assert!(!client.is_connected(), "the client reports the state");
        assert_eq!(client.pending_count(), 0, "nothing left behind");

        // Later calls fail fast, through every entry point.
        let error = client.request("get-version", None).await.unwrap_err();
        assert!(matches!(error, Error::Disconnected { .. }), "{error:?}");
        assert!(
            client
                .start_task(Request::new("snapshot").params_value(json!({})))
                .unwrap_err()
                .is_disconnected()
        );
        assert!(brayns.get_version().await.unwrap_err().is_disconnected());
        drop(mock);
    })
    .await;
}

#[tokio::test]
async fn stalled_calls_time_out_while_the_connection_keeps_serving_others() {
    bounded(async {
        // Never answers `stall` until asked to `release` (then answers them late);
        // echoes everything else at once.
        let server = ScriptServer::start(|mut peer| async move {
            let mut stalled = Vec::new();
            while let Some(request) = peer.recv().await {
                match request.method() {
                    "stall" => stalled.push(request.id()),
                    "release" => {
                        for id in stalled.drain(..) {
                            peer.reply(&id, json!("too late")).await;
                        }
                        peer.reply(&request.id(), json!("released")).await;
                    }
                    _ => {
                        let result = json!({"method": request.method(), "params": request.params()});
                        peer.reply(&request.id(), result).await;
                    }
                }
            }
        })
        .await;
        let client = connect(server.uri()).await;
        let timeout = Duration::from_millis(200);
        let stalls: Vec<_> = (0..50)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    client.call(Request::new("stall").timeout(timeout)).await
                })
            })
            .collect();
        // While the stalls are pending, other calls are answered, each with its own answer.
        let others: Vec<_> = (0..200)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let answer = client.request("echo", Some(json!({"n": i}))).await.unwrap();
                    assert_eq!(answer["params"]["n"], i);
                })
            })
            .collect();
        for other in others {
            other.await.unwrap();
        }
        for stall in stalls {
            let error = stall.await.unwrap().unwrap_err();
            assert!(
                matches!(&error, Error::Timeout { method, after } if method == "stall" && *after == timeout),
                "{error:?}"
            );
        }
        assert_eq!(client.pending_count(), 0, "timed-out calls free their entries");
        // The late answers to the timed-out calls are ignored; the connection is fine.
        assert_eq!(client.request("release", None).await.unwrap(), "released");
        assert!(client.is_connected());
        let answer = client.request("echo", Some(json!("after"))).await.unwrap();
        assert_eq!(answer["params"], "after");
    })
    .await;
}

#[tokio::test]
async fn a_stalled_mock_request_times_out_and_the_connection_is_reused() {
    bounded(async {
        // Brayns runs one request at a time: a stall delays everything queued behind it, so
        // the later call is served once the stall is over, on the same connection.
        let mock = MockServer::builder()
            .latency("get-camera-type", Duration::from_millis(400))
            .start()
            .await
            .unwrap();
        let client = connect(mock.uri()).await;
        let error = client
            .call(Request::new("get-camera-type").timeout(Duration::from_millis(50)))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
        assert!(client.is_connected());
        let version = client.request("get-version", None).await.unwrap();
        assert_eq!(
            (version["major"].as_i64(), version["minor"].as_i64()),
            (Some(3), Some(10))
        );
        assert_eq!(client.pending_count(), 0);
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn quit_mid_stream_ends_every_call_and_task_without_hanging() {
    bounded(async {
        let mock = MockServer::builder()
            .progress_steps(20)
            .step_duration(Duration::from_millis(10))
            .start()
            .await
            .unwrap();
        let quitter = connect(mock.uri()).await;
        let streamer = connect(mock.uri()).await;

        // A task streaming progress, and four callers hammering the server from another client.
        let mut snapshot = streamer
            .start_task(
                Request::new("snapshot")
                    .params_value(json!({"image_settings": {"size": [64, 64]}})),
            )
            .unwrap();
        let answered = Arc::new(Mutex::new(0usize));
        let callers: Vec<_> = (0..4)
            .map(|_| {
                let (client, answered) = (streamer.clone(), answered.clone());
                tokio::spawn(async move {
                    loop {
                        match client.request("get-version", None).await {
                            Ok(version) => {
                                assert_eq!(version["patch"], 1, "the right answer or none");
                                *answered.lock().unwrap() += 1;
                            }
                            Err(error) => return error,
                        }
                    }
                })
            })
            .collect();
        snapshot
            .next_progress()
            .await
            .expect("the snapshot is streaming");
        assert_eq!(quitter.request("quit", None).await.unwrap(), Value::Null);

        // Everything queued before `quit` is answered; everything after fails with a
        // disconnect once the server goes, and nothing hangs.
        for caller in callers {
            let error = caller.await.unwrap();
            assert!(error.is_disconnected(), "{error:?}");
        }
        match snapshot.wait().await {
            Ok(response) => assert!(!response.binary().is_empty(), "queued before quit"),
            Err(error) => assert!(error.is_disconnected(), "{error:?}"),
        }
        mock.stopped().await;
        for client in [&quitter, &streamer] {
            let error = client.request("get-version", None).await.unwrap_err();
            assert!(error.is_disconnected(), "{error:?}");
            assert!(!client.is_connected());
            assert_eq!(client.pending_count(), 0);
        }
        assert!(
            *answered.lock().unwrap() > 0,
            "calls queued before quit were answered"
        );
    })
    .await;
}

#[tokio::test]
async fn refused_connections_are_retried_until_attempts_run_out() {
    bounded(async {
        let mock = MockServer::builder()
            .refuse_connections_for(Duration::from_secs(5))
            .start()
            .await
            .unwrap();
        let error = Connector::new(mock.uri())
            .max_attempts(Some(3))
            .attempt_period(Duration::from_millis(20))
            .connect()
            .await
            .unwrap_err();
        let Error::Connect {
            attempts, source, ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(*attempts, 3);
        assert_eq!(source.kind(), ErrorKind::ConnectionRefused);
        drop(mock);
    })
    .await;
}

#[tokio::test]
async fn refused_then_available_connects_within_max_attempts() {
    bounded(async {
        let mock = MockServer::builder()
            .refuse_connections_for(Duration::from_millis(300))
            .start()
            .await
            .unwrap();
        let client = Connector::new(mock.uri())
            .max_attempts(Some(200))
            .attempt_period(Duration::from_millis(20))
            .connect()
            .await
            .expect("connects once the server listens");
        assert_eq!(
            client.request("get-version", None).await.unwrap()["minor"],
            10
        );
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn unlimited_attempts_wait_until_the_server_comes_up() {
    bounded(async {
        // `None` keeps trying: against a port nobody listens on (kept so, for the whole test),
        // it is still trying later.
        let nobody = ReservedPort::new();
        let forever = Connector::new(nobody.addr().to_string())
            .max_attempts(None)
            .attempt_period(Duration::from_millis(20));
        assert!(
            tokio::time::timeout(Duration::from_millis(500), forever.connect())
                .await
                .is_err(),
            "still retrying after 500 ms"
        );
        // And it connects once the server comes up.
        let mock = MockServer::builder()
            .refuse_connections_for(Duration::from_millis(500))
            .start()
            .await
            .unwrap();
        let client = Connector::new(mock.uri())
            .max_attempts(None)
            .attempt_period(Duration::from_millis(20))
            .connect()
            .await
            .expect("connects once the server listens");
        assert_eq!(
            client.request("get-version", None).await.unwrap()["patch"],
            1
        );
        mock.stop().await;
    })
    .await;
}

#[tokio::test]
async fn excess_clients_hang_in_the_handshake_until_the_connect_timeout() {
    bounded(async {
        let mock = MockServer::builder().max_clients(1).start().await.unwrap();
        let first = connect(mock.uri()).await;
        let error = Connector::new(mock.uri())
            .connect_timeout(Duration::from_millis(200))
            .max_attempts(Some(2))
            .attempt_period(Duration::from_millis(10))
            .connect()
            .await
            .unwrap_err();
        let Error::Connect {
            attempts, source, ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(
            *attempts, 2,
            "a handshake timeout counts as unavailable and is retried"
        );
        assert_eq!(source.kind(), ErrorKind::TimedOut);

        // Once the slot frees up, a retrying client gets in.
        let connector = Connector::new(mock.uri())
            .connect_timeout(Duration::from_millis(200))
            .max_attempts(None)
            .attempt_period(Duration::from_millis(10));
        let waiting = tokio::spawn(async move { connector.connect().await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        first.disconnect().await;
        let second = waiting.await.unwrap().expect("the freed slot serves it");
        assert_eq!(
            second.request("get-version", None).await.unwrap()["major"],
            3
        );
        mock.stop().await;
    })
    .await;
}

mod drop_after_some_answers {
    use super::*;
    use proptest::prelude::*;

    /// The server answers `answered` of `calls` pending calls (in a generated order), then
    /// vanishes: exactly those calls get their own answer, all others fail with a disconnect.
    async fn case(calls: usize, order: Vec<usize>, answered: usize) {
        let plan = Arc::new(Mutex::new(Some(order)));
        let server = ScriptServer::start(move |mut peer| {
            let order = plan.lock().unwrap().take().unwrap_or_default();
            async move {
                let mut received = Vec::new();
                for _ in 0..calls {
                    received.push(peer.recv().await.expect("every call arrives"));
                }
                for &n in order.iter().take(answered) {
                    let request = &received[n];
                    peer.reply(&request.id(), request.params()).await;
                }
                // Vanish: dropping the peer closes TCP without a Close frame.
            }
        })
        .await;
        let client = connect(server.uri()).await;
        let pending: Vec<_> = (0..calls)
            .map(|n| {
                let client = client.clone();
                tokio::spawn(async move { (n, client.request("m", Some(json!(n))).await) })
            })
            .collect();
        let mut ok = 0;
        for call in pending {
            let (n, outcome) = call.await.unwrap();
            match outcome {
                Ok(answer) => {
                    assert_eq!(answer, json!(n), "its own answer");
                    ok += 1;
                }
                Err(error) => assert!(error.is_disconnected(), "{error:?}"),
            }
        }
        assert_eq!(
            ok, answered,
            "every sent answer arrives, no other call succeeds"
        );
        // When every call was answered, the calls can all finish before the client reads
        // the end of the stream behind the last answer: it must notice the drop promptly,
        // not before the calls return (the whole case is bounded by `bounded`).
        while client.is_connected() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(client.pending_count(), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn answers_sent_before_a_drop_all_arrive_and_the_rest_fail(
            (calls, order, answered) in (1usize..40).prop_flat_map(|calls| {
                (Just(calls), Just((0..calls).collect::<Vec<_>>()).prop_shuffle(), 0..=calls)
            }),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(bounded(case(calls, order, answered)));
        }
    }
}

/// The support's reserved port itself: refused until the test listens, and nobody else can
/// take it meanwhile (the fault tests above rely on both).
#[tokio::test]
async fn a_reserved_port_refuses_until_listening_then_accepts() {
    let port = ReservedPort::new();
    let addr = port.addr();
    let refused = tokio::net::TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    assert!(
        std::net::TcpListener::bind(addr).is_err(),
        "nobody else can take the port meanwhile"
    );
    let listener = port.listen();
    let (connected, accepted) =
        bounded(async { tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept()) })
            .await;
    connected.unwrap();
    accepted.unwrap();
}
