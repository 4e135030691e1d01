//! Connections: the accept loop (refusal window, connection limit, TLS), the per-connection
//! reader that parses and dispatches frames, and the writer that batches replies.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;

use crate::executor::{Connection, Hub};
use crate::jsonrpc::{self, Parsed};
use crate::wire::{self, Handshake, Outgoing};

/// The listening socket, or the bound one waiting for its refusal window to end.
pub(crate) enum Pending {
    Listening(TcpListener),
    Refusing(TcpSocket, Duration),
}

pub(crate) async fn accept_loop(hub: Arc<Hub>, pending: Pending, tls: Option<TlsAcceptor>) {
    let mut shutdown = hub.shutdown.subscribe();
    let listener = match pending {
        Pending::Listening(listener) => listener,
        Pending::Refusing(socket, duration) => {
            // Bound but not listening: connection attempts are refused by the OS.
            tokio::select! {
                _ = tokio::time::sleep(duration) => {}
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            }
            match socket.listen(1024) {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::error!(%error, "cannot listen");
                    hub.shutdown.send_replace(true);
                    return;
                }
            }
        }
    };
    let slots = hub.config.max_clients.map(|n| Arc::new(Semaphore::new(n)));
    loop {
        let accepted = tokio::select! {
            biased;
            _ = shutdown.wait_for(|stopped| *stopped) => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::debug!(%error, "accept failed");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let hub = hub.clone();
        let tls = tls.clone();
        let slots = slots.clone();
        tokio::spawn(async move {
            // Beyond max-clients the connection waits here, before the upgrade is answered.
            let _permit = match &slots {
                Some(slots) => match slots.clone().acquire_owned().await {
                    Ok(permit) => Some(permit),
                    Err(_) => return,
                },
                None => None,
            };
            tracing::debug!(%peer, "connection");
            serve(hub, stream, tls).await;
            tracing::debug!(%peer, "disconnected");
        });
    }
}

async fn serve(hub: Arc<Hub>, stream: TcpStream, tls: Option<TlsAcceptor>) {
    match tls {
        None => serve_stream(hub, stream).await,
        Some(acceptor) => {
            let mut shutdown = hub.shutdown.subscribe();
            let stream = tokio::select! {
                stream = acceptor.accept(stream) => stream,
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            };
            match stream {
                Ok(stream) => serve_stream(hub, stream).await,
                Err(error) => tracing::debug!(%error, "TLS handshake failed"),
            }
        }
    }
}

async fn serve_stream<S>(hub: Arc<Hub>, stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut shutdown = hub.shutdown.subscribe();
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let upgraded = tokio::select! {
        result = wire::handshake(&mut reader) => result,
        _ = shutdown.wait_for(|stopped| *stopped) => return,
    };
    match upgraded {
        Ok(Handshake::Upgraded) => {}
        Ok(Handshake::Done) => return,
        Err(error) => {
            tracing::debug!(%error, "handshake failed");
            return;
        }
    }
    let (mut read_half, write_half) = tokio::io::split(reader);
    let (tx, rx) = mpsc::unbounded_channel();
    let conn = hub.connection(tx);
    let mut writer = tokio::spawn(write_loop(write_half, rx));
    let mut received = 0u64;
    let graceful = loop {
        let frame = tokio::select! {
            biased;
            _ = shutdown.wait_for(|stopped| *stopped) => break true,
            frame = wire::read_frame(&mut read_half) => frame,
        };
        let frame = match frame {
            Ok(Some(frame)) => frame,
            Ok(None) => break false,
            Err(error) => {
                tracing::debug!(%error, "read failed");
                break false;
            }
        };
        // Close, ping and pong all carry the 0x08 bit: the server reads them all as Close.
        if frame.flags & 0x08 != 0 || (frame.flags == 0 && frame.payload.is_empty()) {
            break false;
        }
        received += 1;
        if hub
            .config
            .drop_after_messages
            .is_some_and(|limit| received > limit)
        {
            break false;
        }
        if hub.is_quitting() {
            continue;
        }
        handle_frame(&hub, &conn, frame).await;
    };
    conn.close();
    if !graceful {
        writer.abort();
        return;
    }
    // quit / stop: flush what is queued (the quit reply) before the connection ends, with
    // no Close frame, as the server never sends one.
    conn.finish();
    let write_half = match tokio::time::timeout(Duration::from_secs(2), &mut writer).await {
        Ok(Ok(write_half)) => write_half,
        Ok(Err(_)) => None,
        Err(_) => {
            writer.abort();
            None
        }
    };
    if hub.is_quitting() {
        // After quit the server still takes a moment to tear connections down. A client that
        // checks for a closed connection before reading what it received (the official
        // Python client does) loses the reply if the end follows it at once; so the
        // connection stays open a little, reading what the client still sends (until its
        // Close or EOF): input left unread when the socket is dropped makes the kernel
        // reset the connection.
        let _ = tokio::time::timeout(QUIT_LINGER, drain_until_close(&mut read_half)).await;
    }
    if let Some(mut write_half) = write_half {
        let _ = write_half.shutdown().await;
    }
}

/// How long a connection stays open after the `quit` reply was flushed.
const QUIT_LINGER: Duration = Duration::from_millis(250);

/// Reads and drops frames until the client's Close frame, EOF or an error.
async fn drain_until_close<R: AsyncRead + Unpin>(reader: &mut R) {
    while let Ok(Some(frame)) = wire::read_frame(reader).await {
        if frame.flags & 0x0F == 0x08 {
            return;
        }
    }
}

/// Frames from this size on are parsed on the blocking pool, so validating tens of MiB does not
/// hold up the async workers (the reader still waits, which keeps this client's order).
const BLOCKING_PARSE: usize = 1 << 20;

async fn handle_frame(hub: &Hub, conn: &Arc<Connection>, frame: wire::Frame) {
    let parsed = if frame.payload.len() >= BLOCKING_PARSE {
        let snapshot = hub.snapshot.clone();
        match tokio::task::spawn_blocking(move || {
            jsonrpc::parse(frame.flags, frame.payload, &snapshot)
        })
        .await
        {
            Ok(parsed) => parsed,
            Err(error) => {
                tracing::error!(%error, "request parsing failed");
                return;
            }
        }
    } else {
        jsonrpc::parse(frame.flags, frame.payload, &hub.snapshot)
    };
    match parsed {
        Parsed::Request(request) => hub.dispatch(conn, request),
        Parsed::Error { id, error } => conn.send(Outgoing::Text(jsonrpc::error_text(&id, &error))),
        Parsed::Silent => {}
    }
}

/// Writes what the connection sends, batching what is ready into one flush. After
/// [`Outgoing::Finish`] it flushes and hands the stream back, still open; `None` when writing
/// failed or the channel closed.
async fn write_loop<W: AsyncWrite + Unpin>(
    writer: W,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
) -> Option<BufWriter<W>> {
    let mut writer = BufWriter::with_capacity(64 * 1024, writer);
    while let Some(message) = rx.recv().await {
        let mut finish = matches!(message, Outgoing::Finish);
        wire::write_message(&mut writer, &message).await.ok()?;
        // Batch whatever else is ready into the same flush.
        while !finish {
            let Ok(message) = rx.try_recv() else { break };
            finish = matches!(message, Outgoing::Finish);
            wire::write_message(&mut writer, &message).await.ok()?;
        }
        writer.flush().await.ok()?;
        if finish {
            return Some(writer);
        }
    }
    None
}
