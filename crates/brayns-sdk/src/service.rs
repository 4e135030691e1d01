//! Launching a local `braynsService`: its command line ([`Service`]), the running process
//! with its log ([`ServiceProcess`]), and starting and connecting in one call
//! ([`Service::start_and_connect`]).
//!
//! Everything here runs on plain threads (two to read the service's output, one to notice its
//! exit), so it needs no runtime of its own; only connecting is async, like
//! [`Brayns::connect`].

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::task::AtomicWaker;

use crate::{Brayns, Connector, Error, Result, VersionPolicy};

/// How many of the service's last log lines a [`ServiceProcess`] keeps (the default of
/// [`Service::log_capacity`]).
pub const DEFAULT_LOG_CAPACITY: usize = 1000;

/// How many log lines an [`Error::Exited`] carries.
const ERROR_LOG_LINES: usize = 20;

/// How long stopping waits for the output readers once the process is gone.
const READER_GRACE: Duration = Duration::from_secs(1);

/// How often the exit watcher looks at the process.
const EXIT_POLL: Duration = Duration::from_millis(20);

/// `braynsService`'s log levels (`--log-level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Debugging details.
    Debug,
    /// What the service does.
    Info,
    /// Problems it works around (the default, as the official client's).
    #[default]
    Warn,
    /// Failed requests.
    Error,
    /// Fatal errors only.
    Critical,
    /// Nothing.
    Off,
}

impl LogLevel {
    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Critical => "critical",
            Self::Off => "off",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `braynsService` command line, built once and started any number of times.
///
/// The defaults are the official client's: `braynsService` from `PATH`, `localhost:5000`,
/// one client, log level `warn`, every built-in plugin ([`Service::ALL_PLUGINS`]).
///
/// ```no_run
/// # async fn demo() -> brayns_sdk::Result<()> {
/// use brayns_sdk::{Connector, Service, VersionPolicy};
///
/// let (process, brayns) = Service::new()
///     .uri("localhost:5000")
///     .env("LD_LIBRARY_PATH", "/opt/brayns/lib")
///     .start_and_connect(
///         Connector::new("localhost:5000").max_attempts(Some(100)),
///         VersionPolicy::default(),
///     )
///     .await?;
/// println!("{:?}", brayns.get_version().await?);
/// process.stop()?; // also done when `process` is dropped
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    executable: PathBuf,
    uri: String,
    plugins: Vec<String>,
    log_level: LogLevel,
    max_clients: u32,
    certificate_file: Option<PathBuf>,
    private_key_file: Option<PathBuf>,
    private_key_passphrase: Option<String>,
    ca_location: Option<PathBuf>,
    secure: bool,
    env: Vec<(OsString, OsString)>,
    extra_args: Vec<OsString>,
    log_capacity: usize,
}

impl Default for Service {
    fn default() -> Self {
        Self::new()
    }
}

impl Service {
    /// The plugins built into Brayns 3.x, by library name.
    pub const ALL_PLUGINS: &'static [&'static str] = &[
        "braynsCircuitExplorer",
        "braynsAtlasExplorer",
        "braynsCylindricCamera",
        "braynsDTI",
        "braynsMoleculeExplorer",
    ];

    /// The official client's defaults (see [`Service`]).
    pub fn new() -> Self {
        Self {
            executable: PathBuf::from("braynsService"),
            uri: "localhost:5000".to_owned(),
            plugins: Self::ALL_PLUGINS
                .iter()
                .map(|&name| name.to_owned())
                .collect(),
            log_level: LogLevel::default(),
            max_clients: 1,
            certificate_file: None,
            private_key_file: None,
            private_key_passphrase: None,
            ca_location: None,
            secure: false,
            env: Vec::new(),
            extra_args: Vec::new(),
            log_capacity: DEFAULT_LOG_CAPACITY,
        }
    }

    /// The program to run: a path, or a name looked up on `PATH`.
    pub fn executable(mut self, executable: impl Into<PathBuf>) -> Self {
        self.executable = executable.into();
        self
    }

    /// Where the service listens, `host:port` (`0.0.0.0:5000` for every interface).
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = uri.into();
        self
    }

    /// The plugins to load, replacing the list (empty: none).
    pub fn plugins<I, S>(mut self, plugins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.plugins = plugins.into_iter().map(Into::into).collect();
        self
    }

    /// The service's log level.
    pub fn log_level(mut self, level: LogLevel) -> Self {
        self.log_level = level;
        self
    }

    /// How many clients may connect at once.
    pub fn max_clients(mut self, max_clients: u32) -> Self {
        self.max_clients = max_clients;
        self
    }

    /// Serves `wss://` with this certificate and private key (PEM files).
    pub fn tls(
        mut self,
        certificate_file: impl Into<PathBuf>,
        private_key_file: impl Into<PathBuf>,
    ) -> Self {
        self.secure = true;
        self.certificate_file = Some(certificate_file.into());
        self.private_key_file = Some(private_key_file.into());
        self
    }

    /// The private key's passphrase (with [`tls`](Self::tls)).
    pub fn private_key_passphrase(mut self, passphrase: impl Into<String>) -> Self {
        self.private_key_passphrase = Some(passphrase.into());
        self
    }

    /// Trusted CAs, a file or a folder (with [`tls`](Self::tls)).
    pub fn ca_location(mut self, location: impl Into<PathBuf>) -> Self {
        self.ca_location = Some(location.into());
        self
    }

    /// An environment variable for the service (`LD_LIBRARY_PATH`...), on top of this
    /// process's environment.
    pub fn env(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// An argument appended to the command line as is (an option this builder lacks).
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    /// How many of the last log lines the process handle keeps (default
    /// [`DEFAULT_LOG_CAPACITY`]).
    pub fn log_capacity(mut self, lines: usize) -> Self {
        self.log_capacity = lines;
        self
    }

    /// The address given with `--uri`.
    pub fn uri_value(&self) -> &str {
        &self.uri
    }

    /// The program that will run.
    pub fn executable_value(&self) -> &Path {
        &self.executable
    }

    /// The arguments after the program, as they will be passed.
    pub fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--uri".into(),
            self.uri.clone().into(),
            "--max-clients".into(),
            self.max_clients.to_string().into(),
            "--log-level".into(),
            self.log_level.as_str().into(),
        ];
        for plugin in &self.plugins {
            args.push("--plugin".into());
            args.push(plugin.into());
        }
        if self.secure {
            args.push("--secure".into());
            args.push("true".into());
            let files = [
                ("--private-key-file", &self.private_key_file),
                ("--certificate-file", &self.certificate_file),
            ];
            for (option, file) in files {
                if let Some(file) = file {
                    args.push(option.into());
                    args.push(file.into());
                }
            }
            if let Some(passphrase) = &self.private_key_passphrase {
                args.push("--private-key-passphrase".into());
                args.push(passphrase.into());
            }
            if let Some(location) = &self.ca_location {
                args.push("--ca-location".into());
                args.push(location.into());
            }
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }

    /// What is wrong with the settings, found before anything runs.
    fn check(&self) -> Result<()> {
        let usage = |message: String| Err(Error::Usage(message));
        if self.executable.as_os_str().is_empty() {
            return usage("the service's executable is empty".to_owned());
        }
        let (host, port) = match self.uri.rsplit_once(':') {
            Some(parts) => parts,
            None => return usage(format!("service uri '{}' is not host:port", self.uri)),
        };
        if host.is_empty() || port.parse::<u16>().is_err() {
            return usage(format!("service uri '{}' is not host:port", self.uri));
        }
        if self.max_clients == 0 {
            return usage("the service needs max_clients of at least 1".to_owned());
        }
        if self.plugins.iter().any(|plugin| plugin.trim().is_empty()) {
            return usage("a plugin name is empty".to_owned());
        }
        if self.private_key_passphrase.is_some() && !self.secure {
            return usage("a private key passphrase needs tls(certificate, key)".to_owned());
        }
        if self.ca_location.is_some() && !self.secure {
            return usage("a CA location needs tls(certificate, key)".to_owned());
        }
        Ok(())
    }

    /// Starts the service. Its stdout and stderr are read line by line on threads of their
    /// own, kept ([`ServiceProcess::logs`]) and forwarded to `tracing` (target
    /// `brayns_service`, at the level of the line's `[level]` tag). It is not yet listening
    /// when this returns: connect with retries, or use
    /// [`start_and_connect`](Self::start_and_connect).
    pub fn start(&self) -> Result<ServiceProcess> {
        self.check()?;
        let mut command = Command::new(&self.executable);
        command
            .args(self.args())
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            program: self.executable.clone(),
            source,
        })?;
        let logs = Arc::new(Logs::new(self.log_capacity));
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.push(read_lines(stdout, Arc::clone(&logs)));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.push(read_lines(stderr, Arc::clone(&logs)));
        }
        let child = Arc::new(Mutex::new(child));
        let exit = Arc::new(ExitWatch::default());
        let watcher = {
            let (child_, exit_) = (Arc::clone(&child), Arc::clone(&exit));
            let watcher = std::thread::Builder::new()
                .name("brayns-service-exit".to_owned())
                .spawn(move || watch_exit(&child_, &exit_));
            match watcher {
                Ok(watcher) => watcher,
                Err(source) => {
                    let mut child = child.lock().unwrap_or_else(|error| error.into_inner());
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::Spawn {
                        program: self.executable.clone(),
                        source,
                    });
                }
            }
        };
        tracing::debug!(program = %self.executable.display(), uri = %self.uri, "braynsService started");
        Ok(ServiceProcess {
            program: self.executable.clone(),
            uri: self.uri.clone(),
            child,
            logs,
            exit,
            threads: readers.into_iter().chain([watcher]).collect(),
        })
    }

    /// Starts the service and connects to it with `connector` (whose retries wait for the
    /// service to listen: give it enough attempts), checking its release with `policy`.
    /// If the service exits first, the error is [`Error::Exited`] with its status and last
    /// log lines; on any failure the process is stopped.
    pub async fn start_and_connect(
        &self,
        connector: Connector,
        policy: VersionPolicy,
    ) -> Result<(ServiceProcess, Brayns)> {
        let process = self.start()?;
        let connecting = Brayns::connect_with(connector, policy);
        let exited = ExitFuture {
            exit: Arc::clone(&process.exit),
        };
        futures_util::pin_mut!(connecting);
        match futures_util::future::select(connecting, exited).await {
            futures_util::future::Either::Left((Ok(brayns), _)) => Ok((process, brayns)),
            futures_util::future::Either::Left((Err(error), _)) => {
                // A refused connection may be the service's death: say so rather.
                let exited = process.exited_error();
                drop(process);
                Err(exited.unwrap_or(error))
            }
            futures_util::future::Either::Right(((), _)) => {
                let error = process.exited_error();
                drop(process);
                Err(error.unwrap_or_else(|| Error::Usage("the service exited".to_owned())))
            }
        }
    }
}

/// The service's last log lines, shared with the reader threads.
#[derive(Debug)]
struct Logs {
    capacity: usize,
    lines: Mutex<VecDeque<String>>,
}

impl Logs {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            lines: Mutex::new(VecDeque::new()),
        }
    }

    fn push(&self, line: String) {
        let mut lines = self.lines.lock().unwrap_or_else(|error| error.into_inner());
        if self.capacity == 0 {
            return;
        }
        if lines.len() == self.capacity {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    fn last(&self, count: usize) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(|error| error.into_inner());
        let skip = lines.len().saturating_sub(count);
        lines.iter().skip(skip).cloned().collect()
    }
}

/// Reads `stream` line by line into `logs` and `tracing`, until it closes.
fn read_lines(stream: impl Read + Send + 'static, logs: Arc<Logs>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buffer);
                    let line = line.trim_end_matches(['\n', '\r']).to_owned();
                    forward(&line);
                    logs.push(line);
                }
            }
        }
    })
}

/// The level a log line gives itself: Brayns' spdlog `[level]` tag, or a level word among its
/// first words (`2024-01-01T00:00:00Z  WARN ...`, as `tracing` writes them).
fn line_level(line: &str) -> Option<String> {
    if let Some((tag, _)) = line.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        return Some(tag.to_ascii_lowercase());
    }
    line.split_whitespace()
        .take(3)
        .map(str::to_ascii_lowercase)
        .find(|word| ["trace", "debug", "info", "warn", "error"].contains(&word.as_str()))
}

/// One log line to `tracing`, at the level it gives itself (info otherwise).
fn forward(line: &str) {
    match line_level(line).as_deref() {
        Some("trace") => tracing::trace!(target: "brayns_service", "{line}"),
        Some("debug") => tracing::debug!(target: "brayns_service", "{line}"),
        Some("warn" | "warning") => tracing::warn!(target: "brayns_service", "{line}"),
        Some("error" | "critical") => tracing::error!(target: "brayns_service", "{line}"),
        _ => tracing::info!(target: "brayns_service", "{line}"),
    }
}

/// The process's exit, as seen by the watcher thread.
#[derive(Debug, Default)]
struct ExitWatch {
    status: OnceLock<ExitStatus>,
    /// Set when the handle stops the process itself (no watching needed any more).
    stopping: AtomicBool,
    waker: AtomicWaker,
}

/// Polls the child until it exits (or the handle stops it), then records the status.
fn watch_exit(child: &Mutex<Child>, exit: &ExitWatch) {
    loop {
        let status = {
            let mut child = child.lock().unwrap_or_else(|error| error.into_inner());
            child.try_wait()
        };
        match status {
            Ok(Some(status)) => {
                let _ = exit.status.set(status);
                break;
            }
            Ok(None) if !exit.stopping.load(Ordering::Acquire) => std::thread::sleep(EXIT_POLL),
            _ => break,
        }
    }
    exit.waker.wake();
}

/// Resolves once the process has exited (or the watcher stopped).
struct ExitFuture {
    exit: Arc<ExitWatch>,
}

impl Future for ExitFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.exit.waker.register(cx.waker());
        if self.exit.status.get().is_some() || self.exit.stopping.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A running `braynsService` (or any program started by a [`Service`]): its log, its
/// status, and stopping it. Dropping the handle kills the process and waits for it, so it
/// never outlives its owner.
#[derive(Debug)]
pub struct ServiceProcess {
    program: PathBuf,
    uri: String,
    child: Arc<Mutex<Child>>,
    logs: Arc<Logs>,
    exit: Arc<ExitWatch>,
    threads: Vec<JoinHandle<()>>,
}

impl ServiceProcess {
    /// The operating system's process id.
    pub fn id(&self) -> u32 {
        self.child
            .lock()
            .unwrap_or_else(|error| error.into_inner())
            .id()
    }

    /// The address the service was told to listen on (`--uri`).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The last log lines (stdout and stderr, in the order they were read), oldest first.
    pub fn logs(&self) -> Vec<String> {
        self.logs.last(usize::MAX)
    }

    /// The exit status, once the process has exited (`None` while it runs).
    pub fn exit_status(&self) -> Option<ExitStatus> {
        if let Some(status) = self.exit.status.get() {
            return Some(*status);
        }
        let mut child = self.child.lock().unwrap_or_else(|error| error.into_inner());
        child.try_wait().ok().flatten()
    }

    /// Whether the process still runs.
    pub fn is_running(&self) -> bool {
        self.exit_status().is_none()
    }

    /// `Ok` while the process runs; [`Error::Exited`] with its status and last log lines
    /// once it has exited.
    pub fn check_running(&self) -> Result<()> {
        match self.exited_error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Waits until the process exits, at most `timeout`; its status if it did.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.exit_status() {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(EXIT_POLL);
        }
    }

    fn exited_error(&self) -> Option<Error> {
        let status = self.exit_status()?;
        // The readers may still hold the last lines: give them a moment to reach EOF.
        let deadline = std::time::Instant::now() + Duration::from_millis(500);
        while self
            .threads
            .iter()
            .take(2)
            .any(|thread| !thread.is_finished())
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        Some(Error::Exited {
            program: self.program.clone(),
            status,
            logs: self.logs.last(ERROR_LOG_LINES),
        })
    }

    /// Kills the process (if it still runs) and waits for it; gives its exit status.
    pub fn stop(mut self) -> Result<ExitStatus> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<ExitStatus> {
        self.exit.stopping.store(true, Ordering::Release);
        let status = {
            let mut child = self.child.lock().unwrap_or_else(|error| error.into_inner());
            match child.try_wait() {
                Ok(Some(status)) => Ok(status),
                _ => {
                    let _ = child.kill();
                    child.wait()
                }
            }
        };
        // The readers end when the pipes close; a grandchild the program left behind may hold
        // them open, so they get a moment and are then left to end on their own (stopping
        // never hangs).
        let deadline = std::time::Instant::now() + READER_GRACE;
        while self.threads.iter().any(|thread| !thread.is_finished())
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        for thread in self.threads.drain(..) {
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
        let status = status.map_err(|source| Error::Io {
            path: self.program.clone(),
            source,
        })?;
        let _ = self.exit.status.set(status);
        tracing::debug!(program = %self.program.display(), %status, "braynsService stopped");
        Ok(status)
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            let _ = self.shutdown();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_braynsservices() {
        let service = Service::new()
            .executable("/opt/braynsService")
            .uri("0.0.0.0:5001")
            .plugins(["braynsCircuitExplorer"])
            .log_level(LogLevel::Debug)
            .max_clients(2)
            .tls("cert.pem", "key.pem")
            .private_key_passphrase("secret")
            .ca_location("ca.pem")
            .arg("--window-size")
            .arg("800")
            .arg("600");
        let args: Vec<String> = service
            .args()
            .into_iter()
            .map(|arg| arg.into_string().unwrap())
            .collect();
        assert_eq!(
            args.join(" "),
            "--uri 0.0.0.0:5001 --max-clients 2 --log-level debug --plugin braynsCircuitExplorer \
             --secure true --private-key-file key.pem --certificate-file cert.pem \
             --private-key-passphrase secret --ca-location ca.pem --window-size 800 600"
        );
        let defaults: Vec<OsString> = Service::new().args();
        assert_eq!(defaults.len(), 6 + 2 * Service::ALL_PLUGINS.len());
        assert_eq!(defaults[5], "warn");
    }

    #[test]
    fn bad_settings_are_refused_before_anything_runs() {
        let cases = [
            Service::new().uri("localhost"),
            Service::new().uri(":5000"),
            Service::new().uri("localhost:99999"),
            Service::new().executable(""),
            Service::new().max_clients(0),
            Service::new().plugins([" "]),
            Service::new().private_key_passphrase("x"),
            Service::new().ca_location("ca.pem"),
        ];
        for service in cases {
            let error = service.start().unwrap_err();
            assert!(matches!(error, Error::Usage(_)), "{service:?}: {error:?}");
        }
    }

    #[test]
    fn log_levels_come_from_spdlog_tags_or_level_words() {
        assert_eq!(line_level("[warn][12:00:00] x").as_deref(), Some("warn"));
        assert_eq!(
            line_level("[critical][12:00:00] Fatal").as_deref(),
            Some("critical")
        );
        let traced = "2026-12-05T03:29:26.400Z ERROR brayns_mock: no";
        assert_eq!(line_level(traced).as_deref(), Some("error"));
        assert_eq!(line_level("listening on ws://127.0.0.1:5000"), None);
        assert_eq!(line_level("a b c error"), None);
    }

    #[test]
    fn log_lines_keep_the_last_ones() {
        let logs = Logs::new(2);
        for line in ["a", "b", "c"] {
            logs.push(line.to_owned());
        }
        assert_eq!(logs.last(usize::MAX), ["b", "c"]);
        assert_eq!(logs.last(1), ["c"]);
    }
}
