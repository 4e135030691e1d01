//! What the CLI's tests share: a mock on an ephemeral port, and the real `brayns` binary
//! run against it with a deadline.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use brayns_mock::{BackgroundMockServer, MockServer, MockServerBuilder};
use serde_json::Value;

/// No test may hang: every run of the binary is killed after this.
pub const LIMIT: Duration = Duration::from_secs(30);

/// A mock started in the background (stopped when dropped).
pub fn mock() -> BackgroundMockServer {
    mock_with(MockServer::builder())
}

/// A mock built by `builder`.
pub fn mock_with(builder: MockServerBuilder) -> BackgroundMockServer {
    builder
        .strict_results(true)
        .start_in_background()
        .expect("the mock starts")
}

/// `brayns` with a clean environment: no `BRAYNS_URI`, no `RUST_LOG`.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_brayns"));
    command.env_remove("BRAYNS_URI").env_remove("RUST_LOG");
    command
}

/// Runs `brayns --uri URI ARGS...` with piped stdout/stderr and no stdin.
pub fn run(uri: &str, args: &[&str]) -> Output {
    let mut command = command();
    command.arg("--uri").arg(uri).args(args);
    finish(command.stdin(Stdio::null()))
}

/// Runs `brayns --uri URI ARGS...` with `input` on stdin.
pub fn run_with_stdin(uri: &str, args: &[&str], input: &str) -> Output {
    let mut command = command();
    command
        .arg("--uri")
        .arg(uri)
        .args(args)
        .stdin(Stdio::piped());
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("brayns starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("stdin written");
    wait(child)
}

/// Runs `command` to its end (killed after [`LIMIT`]).
pub fn finish(command: &mut Command) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("brayns starts");
    wait(child)
}

/// Waits for `child`, killing it after [`LIMIT`]. Its piped stdout and stderr are read
/// meanwhile, in threads: a child writing more than a pipe holds would otherwise block.
pub fn wait(mut child: Child) -> Output {
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + LIMIT;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be polled") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            timed_out = true;
            break child.wait().expect("the killed child is reaped");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: stdout.join().expect("the stdout reader"),
        stderr: stderr.join().expect("the stderr reader"),
    };
    assert!(
        !timed_out,
        "brayns did not finish within {LIMIT:?}: {}",
        describe(&output)
    );
    output
}

/// Reads a pipe to its end in a thread (nothing for an absent one).
pub fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// The exit code, stdout and stderr, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Asserts the exit code and gives stdout as text.
pub fn expect_code(output: &Output, code: i32) -> String {
    assert_eq!(output.status.code(), Some(code), "{}", describe(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts success and parses stdout as one JSON document.
pub fn json(output: &Output) -> Value {
    let stdout = expect_code(output, 0);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {}", describe(output)))
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The embedded 3.10.1 snapshot (the SDK's own) with `edit` applied to each file's JSON.
pub fn edited_snapshot(edit: impl Fn(&str, &mut Value)) -> brayns_mock::Snapshot {
    brayns_mock::Snapshot::embedded()
        .edited(edit)
        .expect("the edited snapshot loads")
}

/// A loopback address where nothing listens: a port bound, then released.
pub fn unreachable_uri() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("its address");
    drop(listener);
    addr.to_string()
}

/// Sends SIGINT to `child`, as Ctrl-C in a terminal does.
pub fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Kills the child if the test fails before it ends.
pub struct ChildGuard(pub Option<Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A small ASCII PLY mesh: three vertices spanning (-1, 0, 0) to (1, 2, 1), one triangle.
pub const PLY_MESH: &[u8] = b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 1 1\n-1 2 0\n3 0 1 2\n";

/// Files the mock reads when asked to load them: like Brayns, it opens the files of its
/// mesh and volume loaders, so a load needs a real file on the mock's side (here, the same
/// machine). Removed when dropped.
pub struct DataFiles {
    dir: tempfile::TempDir,
}

impl DataFiles {
    /// `mesh.ply` and `other.ply` (a real mesh each), `model.bin` (the same bytes under a name
    /// no loader claims) and `cell.swc` (a name only: the morphology loader's file is not read).
    pub fn new() -> DataFiles {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for name in ["mesh.ply", "other.ply", "model.bin"] {
            std::fs::write(dir.path().join(name), PLY_MESH).expect("a mesh file");
        }
        std::fs::write(dir.path().join("cell.swc"), b"1 1 0 0 0 1 -1\n").expect("an swc file");
        DataFiles { dir }
    }

    /// The path of `name` in this directory, as text for the command line.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }
}
