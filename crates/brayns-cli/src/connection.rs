//! Where and how to connect: the global options mapped onto the SDK's `Connector` and
//! `VersionPolicy`.

use std::path::PathBuf;
use std::time::Duration;

use brayns_sdk::rpc::Tls;
use brayns_sdk::{Brayns, Connector, VersionPolicy};
use clap::{Args, ValueEnum};

use crate::error::{CliError, Result};

/// The pause between two connection attempts.
const ATTEMPT_PERIOD: Duration = Duration::from_millis(100);

/// The connection options, valid before or after the subcommand.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// The instance: `host:port`, `ws://host:port` or `wss://host:port`.
    #[arg(
        long,
        global = true,
        env = "BRAYNS_URI",
        default_value = "localhost:5000",
        value_name = "URI"
    )]
    pub uri: String,

    /// Use TLS (`wss://`), trusting the operating system's root certificates.
    #[arg(long, global = true)]
    pub secure: bool,

    /// Use TLS, trusting the CA certificate(s) of this PEM file (a self-signed server
    /// certificate works too). Implies --secure.
    #[arg(long, global = true, value_name = "PEM_FILE")]
    pub ca_file: Option<PathBuf>,

    /// Seconds allowed for each connection attempt, and for each reply (a task's whole run
    /// included). Default: 10 s per attempt, replies wait as long as they take.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,

    /// Connection attempts while nothing listens yet (refused, reset before answering),
    /// 100 ms apart. The default, 30, gives an instance just started in the background
    /// (`brayns mock &`) about 3 s to listen; 1 fails at the first refusal.
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub connect_attempts: u32,

    /// What to do when the instance runs another Brayns release than the SDK's.
    #[arg(long, global = true, value_enum, default_value_t = VersionCheck::Warn)]
    pub version_check: VersionCheck,
}

/// `--version-check`: the SDK's [`VersionPolicy`] by a shell-friendly name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionCheck {
    /// Only the exact release the SDK was generated from; otherwise exit 6.
    Strict,
    /// Any patch of the same major.minor; otherwise exit 6.
    Minor,
    /// Any release; a different one is reported as a warning on stderr.
    Warn,
    /// Do not ask the instance for its release.
    Off,
}

impl VersionCheck {
    fn policy(self) -> VersionPolicy {
        match self {
            Self::Strict => VersionPolicy::Exact,
            Self::Minor => VersionPolicy::SameMinor,
            Self::Warn => VersionPolicy::Warn,
            Self::Off => VersionPolicy::Ignore,
        }
    }
}

/// A non-negative number of seconds, fractions allowed.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is not a usable duration"))
}

impl ConnectionArgs {
    /// The SDK connector these options describe.
    pub fn connector(&self) -> Connector {
        let mut connector = Connector::new(self.uri.clone())
            .max_attempts(Some(self.connect_attempts))
            .attempt_period(ATTEMPT_PERIOD);
        if let Some(ca) = &self.ca_file {
            connector = connector.tls(Tls::CustomCaFile(ca.clone()));
        } else if self.secure {
            connector = connector.tls(Tls::SystemRoots);
        }
        if let Some(timeout) = self.timeout {
            connector = connector
                .connect_timeout(timeout)
                .request_timeout(Some(timeout));
        }
        connector
    }

    /// Connects and checks the instance's release as `--version-check` asks.
    pub async fn connect(&self) -> Result<Brayns> {
        Brayns::connect_with(self.connector(), self.version_check.policy())
            .await
            .map_err(CliError::from)
    }
}
