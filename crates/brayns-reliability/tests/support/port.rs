//! A loopback port kept for a test: nothing listens on it, so connections are refused, and
//! nothing else can take it until the test starts listening there itself.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

/// A port on 127.0.0.1, bound but not listening: connecting to it is refused.
///
/// Releasing a port and binding it again later would leave a window in which anything else on
/// the machine may take it (the test would then hang or talk to a stranger). Holding the
/// bound socket closes that window. `SO_REUSEADDR` is deliberately left off: on Linux another
/// socket may share a bound, non-listening port only if both set it.
#[derive(Debug)]
pub struct ReservedPort {
    socket: TcpSocket,
    addr: SocketAddr,
}

impl ReservedPort {
    /// Reserves an ephemeral loopback port.
    pub fn new() -> ReservedPort {
        let socket = TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("loopback bind");
        let addr = socket.local_addr().expect("bound");
        ReservedPort { socket, addr }
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts listening on the port: from now on connections are accepted.
    pub fn listen(self) -> TcpListener {
        self.socket
            .listen(1024)
            .expect("listen on the reserved port")
    }
}

impl Default for ReservedPort {
    fn default() -> ReservedPort {
        ReservedPort::new()
    }
}
