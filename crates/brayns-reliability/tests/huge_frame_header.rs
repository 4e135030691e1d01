//! A server announcing a frame of almost 2 GiB and sending a few bytes of it: the client's
//! memory follows the bytes received, not the header's word. Alone in its test binary: it
//! measures the process's virtual memory, which other tests running beside it would move.

mod support;

use std::time::Duration;

use brayns_rpc::{Connector, Error, Request};
use support::{RawServer, bounded, switching_protocols, virtual_memory_kib};

#[test]
fn a_header_announcing_2_gib_costs_only_the_bytes_that_arrive() {
    // One thread: when the server task sees the client's request, the connection task has
    // finished the turn that sent it, and that turn read the frame header (queued first).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bounded(async {
        let announced: u64 = (2 << 30) - 1;
        let server = RawServer::start(move |key| {
            let mut answer = format!("{}\r\n", switching_protocols(key)).into_bytes();
            answer.extend_from_slice(&[0x82, 127]);
            answer.extend_from_slice(&announced.to_be_bytes());
            answer.extend_from_slice(&[7; 1000]);
            answer
        })
        .await;
        let before = virtual_memory_kib().expect("/proc/self/status (Linux)");
        let client = Connector::new(server.uri()).connect().await.unwrap();
        client
            .send_notification(Request::new("after-the-header"))
            .unwrap();
        let request_arrived = || {
            let bytes = &server.received()[0];
            let head = bytes.windows(4).position(|window| window == b"\r\n\r\n");
            head.is_some_and(|head| bytes.len() > head + 4)
        };
        while !request_arrived() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let after = virtual_memory_kib().expect("/proc/self/status (Linux)");
        let grown_mib = after.saturating_sub(before) / 1024;
        assert!(
            grown_mib < 1024,
            "{grown_mib} MiB more virtual memory for 1000 bytes of a 2 GiB frame"
        );
        // The connection is still reading the frame: a call waits (and times out).
        let error = client
            .call(Request::new("m").timeout(Duration::from_millis(100)))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    }));
}
