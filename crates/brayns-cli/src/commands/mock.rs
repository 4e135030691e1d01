//! `brayns mock`: the embedded stand-in instance, in the foreground until Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use brayns_mock::MockServer;
use clap::Args;

use crate::commands::Context;
use crate::error::{CliError, Result};
use crate::output::print_line;

/// `brayns mock` options.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0: a free one, printed).
    #[arg(long, default_value_t = 5000)]
    pub port: u16,
    /// Progress messages each async method (snapshot, add-model...) sends.
    #[arg(long, default_value_t = 3)]
    pub progress_steps: u32,
    /// Milliseconds between two progress messages (raise it to try Ctrl-C on a task).
    #[arg(long, default_value_t = 2)]
    pub step_ms: u64,
}

/// Serves until Ctrl-C.
pub async fn run(args: &MockArgs, context: &Context<'_>) -> Result<()> {
    // Ctrl-C is the normal way to stop: the server is shut down, and the exit code is 0.
    let _guard = context.interrupt.handle_in_task();
    let mock = MockServer::builder()
        .bind(SocketAddr::new(args.host, args.port))
        .progress_steps(args.progress_steps)
        .step_duration(Duration::from_millis(args.step_ms))
        .start()
        .await
        .map_err(|error| CliError::failure(format!("the mock cannot start: {error}")))?;
    // The one line on stdout, which scripts read for the port.
    // Written like results: a reader gone (`brayns mock | head -1`) is no reason to panic.
    print_line(&format!("listening on ws://{}", mock.uri()));
    eprintln!(
        "brayns: serving the Brayns {} schemas; try `brayns --uri {} methods`; Ctrl-C stops",
        brayns_sdk::BRAYNS_VERSION,
        mock.uri()
    );
    tokio::select! {
        () = context.interrupt.pressed() => {}
        () = mock.stopped() => {}
    }
    mock.stop().await;
    Ok(())
}
