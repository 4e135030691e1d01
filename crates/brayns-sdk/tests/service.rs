//! Launching a service: `brayns-mock` started through `braynsService`'s own command line,
//! connected once it listens, its log captured, an early exit reported with its status and
//! last lines, and no process left behind (stopped or dropped).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use brayns_sdk::{Connector, Error, LogLevel, Service, VersionPolicy};
use common::{LIMIT, free_port, mock_binary};

fn mock_service(port: u16) -> Service {
    Service::new()
        .executable(mock_binary())
        .uri(format!("127.0.0.1:{port}"))
        .plugins(["braynsCircuitExplorer"])
        .log_level(LogLevel::Info)
}

fn connector(port: u16) -> Connector {
    Connector::new(format!("127.0.0.1:{port}"))
        .max_attempts(Some(200))
        .attempt_period(Duration::from_millis(25))
}

/// Whether a process with this id still exists (Linux: its /proc entry).
fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn start_and_connect_gives_a_working_instance_and_its_log() {
    let port = free_port();
    let (process, brayns) = tokio::time::timeout(
        LIMIT,
        mock_service(port).start_and_connect(connector(port), VersionPolicy::Exact),
    )
    .await
    .expect("bounded")
    .expect("the service starts and the SDK connects");
    assert!(process.is_running());
    assert_eq!(process.uri(), format!("127.0.0.1:{port}"));
    let version = brayns.get_version().await.unwrap();
    assert_eq!((version.major, version.minor), (3, 10));
    let logs = process.logs();
    let listening = format!("listening on ws://127.0.0.1:{port}");
    assert!(logs.iter().any(|line| line == &listening), "{logs:#?}");
    assert!(
        logs.iter().any(|line| line.contains("'max-clients' = '1'")),
        "the service's stderr is captured too: {logs:#?}"
    );
    let pid = process.id();
    assert!(process_exists(pid));
    process.stop().unwrap();
    assert!(!process_exists(pid), "stopping reaps the process");
    let error = brayns.get_version().await.unwrap_err();
    assert!(error.is_disconnected(), "{error:?}");
}

#[tokio::test]
async fn dropping_the_handle_kills_the_service() {
    let port = free_port();
    let process = mock_service(port).start().unwrap();
    let pid = process.id();
    let client = tokio::time::timeout(LIMIT, connector(port).connect())
        .await
        .unwrap()
        .expect("it listens");
    drop(process);
    assert!(
        !process_exists(pid),
        "the process is gone once the handle is dropped"
    );
    assert!(client.request("get-version", None).await.is_err());
}

#[tokio::test]
async fn a_service_exiting_early_is_an_error_with_its_status_and_log() {
    let port = free_port();
    // Retrying for ever: only the exit can end connecting.
    let forever = Connector::new(format!("127.0.0.1:{port}"))
        .max_attempts(None)
        .attempt_period(Duration::from_millis(25));
    let service = mock_service(port).arg("--no-such-option");
    let error = tokio::time::timeout(
        LIMIT,
        service.start_and_connect(forever, VersionPolicy::Warn),
    )
    .await
    .expect("the exit ends connecting")
    .unwrap_err();
    let Error::Exited {
        program,
        status,
        logs,
    } = &error
    else {
        panic!("expected Exited, got {error:?}");
    };
    assert_eq!(program, &mock_binary());
    assert_eq!(status.code(), Some(1));
    assert!(
        logs.iter()
            .any(|line| line.contains("Fatal error") && line.contains("no-such-option")),
        "{logs:#?}"
    );
    assert!(error.to_string().contains("Fatal error"), "{error}");
}

#[tokio::test]
async fn a_busy_port_is_reported_by_the_second_service() {
    let port = free_port();
    let (first, _brayns) = mock_service(port)
        .start_and_connect(connector(port), VersionPolicy::Warn)
        .await
        .unwrap();
    let second = mock_service(port).start().unwrap();
    assert!(second.wait_timeout(LIMIT).is_some(), "the second one exits");
    let error = second.check_running().unwrap_err();
    assert!(
        matches!(&error, Error::Exited { logs, .. } if logs.iter().any(|line| line.contains("Address already in use"))),
        "{error}"
    );
    assert!(first.check_running().is_ok());
}

#[test]
fn a_missing_executable_is_named() {
    let missing = "/nonexistent/braynsService";
    let error = Service::new().executable(missing).start().unwrap_err();
    assert!(matches!(&error, Error::Spawn { program, .. } if program.as_os_str() == missing));
    let message = error.to_string();
    assert!(
        message.contains(missing) && message.contains("not found"),
        "{message}"
    );
}

/// A `MakeWriter` collecting what `tracing` writes.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<Vec<u8>>>);

impl Write for Collected {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn environment_and_arguments_reach_the_program_and_its_lines_reach_tracing() {
    let collected = Collected::default();
    let writer = collected.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .init();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("braynsService");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"[warn] var=$BRAYNS_TEST_VAR\"\necho \"args: $*\" >&2\nexit 3\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let process = Service::new()
        .executable(&script)
        .plugins(Vec::<String>::new())
        .env("BRAYNS_TEST_VAR", "from-the-builder")
        .start()
        .unwrap();
    let status = process.wait_timeout(LIMIT).expect("the script exits");
    assert_eq!(status.code(), Some(3));
    let Err(Error::Exited { logs, .. }) = process.check_running() else {
        panic!("an exited process is not running");
    };
    assert!(
        logs.contains(&"[warn] var=from-the-builder".to_owned()),
        "{logs:#?}"
    );
    assert!(
        logs.contains(&"args: --uri localhost:5000 --max-clients 1 --log-level warn".to_owned()),
        "{logs:#?}"
    );
    let traced = String::from_utf8(collected.0.lock().unwrap().clone()).unwrap();
    assert!(
        traced.lines().any(|line| line.contains("WARN")
            && line.contains("brayns_service")
            && line.contains("var=from-the-builder")),
        "{traced}"
    );
    assert_eq!(process.stop().unwrap().code(), Some(3));
}

#[cfg(unix)]
#[test]
fn stopping_never_hangs_on_output_a_grandchild_keeps_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("grandchild.pid");
    let script = dir.path().join("wrapper");
    // A wrapper leaving a background process with the service's stdout.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsleep 30 &\necho $! > {}\necho started\nexec sleep 30\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let process = Service::new().executable(&script).start().unwrap();
    let deadline = std::time::Instant::now() + LIMIT;
    while !process.logs().contains(&"started".to_owned()) {
        assert!(std::time::Instant::now() < deadline, "the wrapper starts");
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = std::time::Instant::now();
    let status = process.stop().unwrap();
    assert!(!status.success(), "killed");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The grandchild was started by this test: end it by its id.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let killed = std::process::Command::new("kill")
        .arg(pid.trim())
        .status()
        .unwrap();
    assert!(killed.success());
}

#[tokio::test]
async fn a_secure_service_is_reached_over_wss_with_its_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let port = free_port();
    let service = Service::new()
        .executable(mock_binary())
        .uri(format!("localhost:{port}"))
        .plugins(Vec::<String>::new())
        .tls(&cert_file, &key_file);
    let connector = Connector::new(format!("wss://localhost:{port}"))
        .tls(brayns_sdk::rpc::Tls::CustomCaFile(cert_file.clone()))
        .max_attempts(Some(200))
        .attempt_period(Duration::from_millis(25));
    let (process, brayns) = tokio::time::timeout(
        LIMIT,
        service.start_and_connect(connector, VersionPolicy::Warn),
    )
    .await
    .expect("bounded")
    .expect("the secure service starts and the SDK connects over TLS");
    assert!(
        brayns.rpc().uri().starts_with("wss://"),
        "{}",
        brayns.rpc().uri()
    );
    brayns.get_version().await.unwrap();
    assert!(
        process
            .logs()
            .iter()
            .any(|line| line.starts_with("listening on wss://")),
        "{:#?}",
        process.logs()
    );
    process.stop().unwrap();

    // A key file that is not one: the service says so and exits.
    let bad = mock_service(free_port())
        .tls(&cert_file, &cert_file)
        .start()
        .unwrap();
    assert!(bad.wait_timeout(LIMIT).is_some(), "it exits");
    let error = bad.check_running().unwrap_err();
    assert!(
        matches!(&error, Error::Exited { status, .. } if status.code() == Some(1)),
        "{error}"
    );
}
