//! The `brayns-mock` binary end to end, started as a launcher starts `braynsService`: its
//! command line (Brayns 3.10.1, `brayns/parameters/`), read as Brayns' parser reads it, and what
//! each option does to the instance. Every process listens on loopback on a port the system
//! picks (`--port 0` or `--uri host:0`, the address read from the `listening on` line) and is
//! killed and reaped by a guard, whatever the test's outcome.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{Incoming, TIMEOUT, connect, connect_raw};
use serde_json::{Value, json};

/// The committed snapshot the binary serves with `--api`.
fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/3.10.1")
}

/// A running `brayns-mock`; dropping it kills the process and waits for it, so none outlives
/// its test.
struct Process {
    child: Child,
    /// `host:port` from the `listening on` line.
    uri: String,
    /// `ws` or `wss`.
    scheme: String,
}

impl Process {
    /// Waits (bounded) for the process to end on its own; its exit status.
    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("a waitable child") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process ends in time"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_brayns-mock"));
    command
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

/// Starts the binary with exactly `args` and waits for its `listening on` line.
fn launch(args: &[&str]) -> Process {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the brayns-mock binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut process = Process {
        child,
        uri: String::new(),
        scheme: String::new(),
    };
    // The read blocks, so it runs on its own thread; the guard above kills the process (and so
    // ends that read) if the line never comes.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver
        .recv_timeout(TIMEOUT)
        .expect("a listening line in time");
    let address = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let (scheme, uri) = address.split_once("://").expect("scheme://host:port");
    assert!(
        !uri.ends_with(":0"),
        "the bound port, not the requested one"
    );
    process.uri = uri.to_owned();
    process.scheme = scheme.to_owned();
    process
}

/// Starts the binary with `args` plus `--port 0`.
fn start(args: &[&str]) -> Process {
    let process = launch(&[args, &["--port", "0"]].concat());
    assert!(process.uri.starts_with("127.0.0.1:"), "{}", process.uri);
    process
}

/// How a run that ends by itself ended.
struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with exactly `args` to its end (bounded: killed after [`TIMEOUT`]).
fn run_to_end(args: &[&str]) -> Ended {
    let child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the brayns-mock binary runs");
    let id = child.id();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let output = match receiver.recv_timeout(TIMEOUT) {
        Ok(output) => output.expect("the output of the binary"),
        Err(_) => {
            // Still running: end it by its id (the waiting thread then reaps it) and fail.
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            panic!("brayns-mock {args:?} did not end in time");
        }
    };
    Ended {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The message of the one `[critical][HH:MM:SS] Fatal error: '<message>'.` line `main.cpp`
/// prints before it exits with status 1.
fn fatal(args: &[&str]) -> String {
    let ended = run_to_end(args);
    assert_eq!(ended.code, Some(1), "{args:?}: {}", ended.stderr);
    let line = ended
        .stderr
        .lines()
        .find(|line| line.starts_with("[critical]["))
        .unwrap_or_else(|| panic!("{args:?}: no critical line in {:?}", ended.stderr));
    let (clock, rest) = line["[critical][".len()..]
        .split_once("] ")
        .expect("[critical][HH:MM:SS] ");
    assert!(
        clock.len() == 8 && clock.chars().filter(|c| *c == ':').count() == 2,
        "{line}"
    );
    rest.strip_prefix("Fatal error: '")
        .and_then(|rest| rest.strip_suffix("'."))
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned()
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a valid PNG");
    (reader.info().width, reader.info().height)
}

fn methods(registry: &Value) -> Vec<&str> {
    registry
        .as_array()
        .expect("an array")
        .iter()
        .map(|method| method.as_str().expect("a name"))
        .collect()
}

#[tokio::test]
async fn serves_the_api_directory_over_ws_and_exits_on_quit() {
    // A copy of the snapshot with another version proves --api is read (not the embedded one).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("entrypoints")).unwrap();
    for name in ["registry.json", "loaders.json"] {
        std::fs::copy(schemas().join(name), dir.path().join(name)).unwrap();
    }
    for entry in std::fs::read_dir(schemas().join("entrypoints")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.path()
                .join("entrypoints")
                .join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let mut version: Value =
        serde_json::from_str(&std::fs::read_to_string(schemas().join("version.json")).unwrap())
            .unwrap();
    version["patch"] = json!(77);
    std::fs::write(dir.path().join("version.json"), version.to_string()).unwrap();

    let mut process = start(&["--api", dir.path().to_str().unwrap()]);
    assert_eq!(process.scheme, "ws");
    let mut client = connect(&process.uri).await;
    assert_eq!(client.call("get-version", None).await, version);
    assert_eq!(client.call("quit", None).await, Value::Null);
    assert!(process.wait().success());
}

/// `Poco::Net::SocketAddress(uri)` in `brayns/network/socket/ServerSocket.cpp`: a host name is
/// resolved (`localhost` to a loopback address: IPv4 or IPv6, as getaddrinfo orders them);
/// `host:port` is the whole form, and Poco's texts say what is wrong with it.
#[tokio::test]
async fn uri_host_names_resolve_and_the_instance_serves_there() {
    let process = launch(&["--uri", "localhost:0", "--plugin", "Core"]);
    assert_eq!(process.scheme, "ws");
    let address: std::net::SocketAddr = process.uri.parse().expect("an IP address and port");
    assert!(address.ip().is_loopback(), "{address}");
    let mut client = connect(&process.uri).await;
    assert_eq!(client.call("get-version", None).await["minor"], 10);

    for (uri, message) in [
        ("localhost", "Invalid argument: Missing port number"),
        ("[::1:5000", "Invalid argument: Malformed IPv6 address"),
        ("127.0.0.1:70000", "Service not found: 70000"),
        (
            "no-such-host.invalid:5000",
            "Host not found: no-such-host.invalid",
        ),
    ] {
        assert_eq!(
            fatal(&["--uri", uri]),
            format!("Cannot initialize server socket: '{message}'"),
            "{uri}"
        );
    }
    // The extensions' address and --uri name the same thing: one or the other.
    assert_eq!(
        fatal(&["--uri", "127.0.0.1:0", "--port", "0"]),
        "Keyword argument 'uri' cannot be combined with 'port'"
    );
}

/// `brayns/parameters/argv/ArgvParser.cpp` (the messages) and `apps/BraynsService/main.cpp` (the
/// critical line and status 1), for every kind of mistake the parser reports.
#[test]
fn bad_command_lines_are_refused_as_brayns_refuses_them() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--no-such-option", "1"],
            "Unknown keyword argument 'no-such-option'",
        ),
        // 3.x has no JPEG option (2.0 had --jpeg-compression); braynsService refuses it too.
        (
            &["--jpeg-quality", "90"],
            "Unknown keyword argument 'jpeg-quality'",
        ),
        (
            &["--uri=127.0.0.1:5000"],
            "No value for keyword argument 'uri=127.0.0.1:5000'",
        ),
        (&["--secure"], "No value for keyword argument 'secure'"),
        (&["serve"], "Unknown positional argument 'serve'"),
        (
            &["--max-clients", "1", "-v"],
            "Unknown positional argument '-v'",
        ),
        (
            &["--max-clients", "1", "--max-clients", "2"],
            "Duplicated keyword argument 'max-clients'",
        ),
        (
            &["--secure", "yes"],
            "Invalid boolean value for keyword argument 'secure': 'yes'",
        ),
        (
            &["--max-clients", "two"],
            "Invalid numeric value for keyword argument 'max-clients': 'two'",
        ),
        (
            &["--max-clients", "2.5"],
            "Invalid integer value for keyword argument 'max-clients': 2.5",
        ),
        (
            &["--max-clients", "-1"],
            "Value below minimum for keyword argument 'max-clients': -1 < 0",
        ),
        (
            &["--reconnection-period", "-5"],
            "Value below minimum for keyword argument 'reconnection-period': -5 < 0",
        ),
        (
            &["--window-size", "32 32"],
            "Value below minimum for keyword argument 'window-size': 32 < 64",
        ),
        (
            &["--window-size", "5000000000 64"],
            "Value above maximum for keyword argument 'window-size': 5e+09 > 4.29497e+09",
        ),
        (
            &["--window-size", "640"],
            "Not enough items for keyword argument 'window-size': 1 < 2",
        ),
        (
            &["--window-size", "640 480 64"],
            "Too many items for keyword argument 'window-size': 3 > 2",
        ),
        (
            &["--window-size", "640  480"],
            "Invalid numeric value for keyword argument 'window-size': ''",
        ),
        (
            &["--log-level", "verbose"],
            "Invalid enum value for keyword argument 'log-level': 'verbose' not in \
             [trace, debug, info, warn, warning, error, critical, off]",
        ),
        // The mock's own options follow the same rules.
        (
            &["--port", "65536"],
            "Value above maximum for keyword argument 'port': 65536 > 65535",
        ),
        (
            &["--latency", "registry=soon"],
            "Invalid value for keyword argument 'latency': invalid milliseconds 'soon': \
             invalid digit found in string",
        ),
        (
            &["--malformed-frame", "registry=weird"],
            "Invalid value for keyword argument 'malformed-frame': unknown malformed frame \
             kind 'weird'",
        ),
        (
            &["--host", "localhost"],
            "Invalid IP address for keyword argument 'host': 'localhost'",
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(&fatal(args), expected, "{args:?}");
    }
    // A number is read as `istream >> double` reads it: a valid prefix is enough.
    drop(start(&["--max-clients", "3abc"]));
    assert!(
        fatal(&["--api", "/nonexistent/brayns/api", "--port", "0"])
            .starts_with("cannot load the snapshot")
    );
}

/// `brayns/CommandLine.cpp`: `-v`/`--version` and `-h`/`-?`/`--help`, looked for as the first
/// argument only, print and exit with status 0 before anything starts.
#[test]
fn version_and_help_print_as_brayns_prints_them() {
    for flag in ["-v", "--version"] {
        let ended = run_to_end(&[flag]);
        assert_eq!(ended.code, Some(0));
        assert_eq!(
            ended.stdout,
            "Brayns version 3.10.1 (747afcdfc) Copyright (c) 2015-2024 EPFL/Blue Brain Project\n"
        );
    }
    for flag in ["-h", "-?", "--help"] {
        let ended = run_to_end(&[flag, "--whatever"]);
        assert_eq!(ended.code, Some(0));
        assert!(
            ended
                .stdout
                .contains("The supported options are the following:")
        );
        assert!(ended.stdout.contains(
            "window-size [integer]: Viewport size (default = '800 600').\n    \
             Multitoken: this option accepts multiple tokens grouped using quotes."
        ));
        assert!(ended.stdout.contains("ca-location [string]"));
        assert!(ended.stdout.contains("latency [string]"));
    }
}

/// `brayns/PluginManager.cpp` loads each `--plugin NAME` as `libNAME.so`; each library registers
/// its entrypoints and loaders (`plugins/CircuitExplorer/CircuitExplorerPlugin.cpp`, ...) next
/// to Core's, and `get-application-parameters` reports the list as given
/// (`brayns/network/adapters/ApplicationParametersAdapter.h`).
#[tokio::test]
async fn plugins_follow_the_plugin_list() {
    let process = start(&["--plugin", "braynsCircuitExplorer", "--plugin", "braynsDTI"]);
    let mut client = connect(&process.uri).await;
    let registry = client.call("registry", None).await;
    let served = methods(&registry);
    assert!(served.contains(&"get-circuit-ids"));
    assert!(served.contains(&"set-circuit-thickness"));
    assert!(served.contains(&"add-model"), "Core is always there");
    for absent in [
        "set-camera-cylindric",
        "get-available-atlas-usecases",
        "visualize-atlas-usecase",
    ] {
        assert!(!served.contains(&absent), "{absent}");
        let error = client
            .call_error("schema", Some(json!({"endpoint": absent})))
            .await;
        assert_eq!(error["code"], -32601, "{absent}: {error}");
    }
    let loaders = client.call("get-loaders", None).await;
    let mut plugins: Vec<&str> = loaders
        .as_array()
        .unwrap()
        .iter()
        .map(|loader| loader["plugin"].as_str().unwrap())
        .collect();
    plugins.sort_unstable();
    plugins.dedup();
    assert_eq!(plugins, ["Circuit Explorer", "Core", "DTI"]);
    let parameters = client.call("get-application-parameters", None).await;
    assert_eq!(
        parameters["plugins"],
        json!(["braynsCircuitExplorer", "braynsDTI"])
    );
    // The cylindric camera is a plugin's: without it, a snapshot cannot ask for it.
    let error = client
        .call_error(
            "snapshot",
            Some(json!({"camera": {"name": "cylindric", "params": {}}, "image_settings": {"size": [64, 64]}})),
        )
        .await;
    assert_eq!(error["message"], "Unknown type name cylindric");

    // Core alone: only Core's entrypoints and loaders.
    let process = start(&["--plugin", "Core"]);
    let mut client = connect(&process.uri).await;
    let registry = client.call("registry", None).await;
    assert!(!methods(&registry).contains(&"get-circuit-ids"));
    assert_eq!(registry.as_array().unwrap().len(), 84);
    let loaders = client.call("get-loaders", None).await;
    assert!(
        loaders
            .as_array()
            .unwrap()
            .iter()
            .all(|loader| loader["plugin"] == "Core")
    );

    // No --plugin: every plugin the snapshot has, reported by library name.
    let process = start(&[]);
    let mut client = connect(&process.uri).await;
    assert_eq!(
        client.call("get-application-parameters", None).await["plugins"],
        json!([
            "braynsCircuitExplorer",
            "braynsAtlasExplorer",
            "braynsCylindricCamera",
            "braynsDTI",
            "braynsMoleculeExplorer"
        ])
    );

    // A library that does not exist ends the start-up as dlopen's failure does; a plugin with
    // entrypoints loaded twice registers them twice (`EntrypointRegistry.cpp`).
    assert_eq!(
        fatal(&["--plugin", "braynsNothing", "--port", "0"]),
        "Error opening dynamic library: libbraynsNothing.so: libbraynsNothing.so: cannot open \
         shared object file: No such file or directory"
    );
    assert_eq!(
        fatal(&[
            "--plugin",
            "braynsCircuitExplorer",
            "--plugin",
            "braynsCircuitExplorer",
            "--port",
            "0"
        ]),
        "Entrypoint 'get-circuit-ids' already registered"
    );
}

/// `brayns/parameters/ApplicationParameters.cpp`: `--window-size` is the viewport, which
/// `get-application-parameters` reports and images without a size of their own take.
#[tokio::test]
async fn window_size_is_the_default_viewport() {
    let process = start(&["--window-size", "320 240"]);
    let mut client = connect(&process.uri).await;
    assert_eq!(
        client.call("get-application-parameters", None).await["viewport"],
        json!([320, 240])
    );
    let id = client.request("snapshot", Some(json!({}))).await;
    let Incoming::Binary(_, payload) = client.response(id).await else {
        panic!("a binary reply")
    };
    assert_eq!(png_size(&payload), (320, 240));
}

/// `brayns/Brayns.cpp` applies `--log-level` once the command line is read and logs every
/// option's value at info; `apps/BraynsService/main.cpp` reports a start-up failure at critical
/// level, so `--log-level off` leaves only the exit status.
#[test]
fn log_level_filters_the_log() {
    let ended = run_to_end(&[
        "--log-level",
        "off",
        "--plugin",
        "braynsNothing",
        "--port",
        "0",
    ]);
    assert_eq!(ended.code, Some(1));
    assert_eq!(ended.stderr, "");
    let ended = run_to_end(&[
        "--log-level",
        "info",
        "--plugin",
        "braynsNothing",
        "--port",
        "0",
    ]);
    assert_eq!(ended.code, Some(1));
    assert!(
        ended.stderr.contains("'window-size' = '800 600'"),
        "{}",
        ended.stderr
    );
    assert!(
        ended.stderr.contains("'plugin' = 'braynsNothing'"),
        "{}",
        ended.stderr
    );
    // Every value is logged but the passphrase, which is only said to be there.
    let ended = run_to_end(&[
        "--log-level",
        "info",
        "--private-key-passphrase",
        "hunter2",
        "--plugin",
        "braynsNothing",
        "--port",
        "0",
    ]);
    assert!(
        ended
            .stderr
            .contains("'private-key-passphrase' = '<hidden>'")
            && !ended.stderr.contains("hunter2"),
        "{}",
        ended.stderr
    );
    let ended = run_to_end(&[
        "--log-level",
        "error",
        "--plugin",
        "braynsNothing",
        "--port",
        "0",
    ]);
    assert!(!ended.stderr.contains("'window-size'"), "{}", ended.stderr);
    assert!(ended.stderr.contains("Fatal error"), "{}", ended.stderr);
    // A mistake on the command line comes before any level applies: always printed.
    assert!(
        !run_to_end(&["--log-level", "off", "--bogus", "1"])
            .stderr
            .is_empty()
    );
}

/// `ServerParamsFactory` in `brayns/network/socket/ServerSocket.cpp`: `--max-clients` bounds the
/// connections served at once (further ones wait in the upgrade) and must fit an int.
#[tokio::test]
async fn max_clients_bounds_the_connections_served() {
    let process = start(&["--max-clients", "1"]);
    let mut first = connect(&process.uri).await;
    assert_eq!(first.call("get-version", None).await["major"], 3);
    let tcp = tokio::net::TcpStream::connect(&process.uri).await.unwrap();
    let upgrade = tokio_tungstenite::client_async(format!("ws://{}/", process.uri), tcp);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), upgrade)
            .await
            .is_err(),
        "a second client waits while the first holds the only slot"
    );
    assert_eq!(
        fatal(&["--max-clients", "3000000000", "--port", "0"]),
        "Max client cannot be above 2**31"
    );
    // Poco's TCPServerParams asserts a positive thread count; Brayns reports the assertion.
    assert!(
        fatal(&["--max-clients", "0", "--port", "0"])
            .starts_with("Cannot initialize server socket: 'Assertion violation: count > 0")
    );
    // The socket comes first: a port in use is reported before the connection limit.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    assert_eq!(
        fatal(&["--max-clients", "0", "--port", &port]),
        format!(
            "Cannot initialize server socket: 'Net Exception: Address already in use: \
             127.0.0.1:{port}'"
        )
    );
}

/// Builds an encrypted PKCS#8 PEM of `key_der` (PKCS#8 DER) with the passphrase `test`:
/// PBKDF2-SHA256 with AES-256-CBC (`openssl pkcs8 -topk8 -v2 aes256`) or 3DES (what Brayns' own
/// TLS test key, `python/testapi/network/assets/key.pem`, uses).
fn encrypt(key_der: &[u8], des3: bool) -> String {
    use pkcs8::pkcs5::pbes2;
    let salt = [7u8; 16];
    let aes_iv = [9u8; 16];
    let des_iv = [5u8; 8];
    let params = if des3 {
        pbes2::Parameters {
            kdf: pbes2::Pbkdf2Params::hmac_with_sha256(2048, &salt)
                .unwrap()
                .into(),
            encryption: pbes2::EncryptionScheme::DesEde3Cbc { iv: &des_iv },
        }
    } else {
        pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &salt, &aes_iv).unwrap()
    };
    pkcs8::PrivateKeyInfo::try_from(key_der)
        .unwrap()
        .encrypt_with_params(params, "test")
        .unwrap()
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

/// `SslServerContextFactory` in `brayns/network/socket/ServerSocket.cpp`: TLS only with
/// `--secure true`; the certificate and the private key (decrypted with the passphrase) from
/// their files; the CA location must be loadable; any failure is "Cannot initialize server
/// socket". Set up as Brayns' own live test does (`python/testapi/network/test_connector.py`):
/// the certificate doubles as the CA location and the key is protected by the passphrase `test`.
#[tokio::test]
async fn secure_serves_wss_with_a_passphrase_protected_key() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let ca = certified.cert.der().clone();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("certificate.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    let cert = cert.to_str().unwrap();
    let key_der = certified.signing_key.serialize_der();
    for des3 in [false, true] {
        let key = dir.path().join(format!("key-{des3}.pem"));
        std::fs::write(&key, encrypt(&key_der, des3)).unwrap();
        let key = key.to_str().unwrap();
        let secure = [
            "--secure",
            "true",
            "--certificate-file",
            cert,
            "--private-key-file",
            key,
            "--ca-location",
            cert,
        ];
        let process = launch(
            &[
                &secure[..],
                &["--uri", "localhost:0", "--private-key-passphrase", "test"],
            ]
            .concat(),
        );
        assert_eq!(process.scheme, "wss");
        let mut client = common::connect_tls(&process.uri, ca.clone()).await;
        assert_eq!(client.call("get-version", None).await["patch"], 1);

        for (extra, problem) in [
            (
                &["--private-key-passphrase", "wrong"][..],
                "cannot decrypt the private key",
            ),
            (&[][..], "cannot decrypt the private key"),
        ] {
            let message = fatal(&[&secure[..], extra, &["--port", "0"]].concat());
            assert!(
                message.starts_with("Cannot initialize server socket: '")
                    && message.contains(problem),
                "{extra:?}: {message}"
            );
        }
    }
    // A plain key ignores a passphrase; an unreadable CA location stops the start-up.
    let key = dir.path().join("plain.pem");
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let key = key.to_str().unwrap();
    let process = start(&[
        "--secure",
        "true",
        "--certificate-file",
        cert,
        "--private-key-file",
        key,
        "--private-key-passphrase",
        "unused",
    ]);
    assert_eq!(process.scheme, "wss");
    assert_eq!(
        fatal(&[
            "--secure",
            "true",
            "--certificate-file",
            cert,
            "--private-key-file",
            key,
            "--ca-location",
            "/nonexistent/ca.pem",
            "--port",
            "0",
        ]),
        "Cannot initialize server socket: 'SSL context exception: Cannot load CA file/directory \
         at /nonexistent/ca.pem'"
    );
    // Certificate files without --secure true: Brayns does not read them, plain ws it is.
    let process = start(&["--certificate-file", cert, "--private-key-file", key]);
    assert_eq!(process.scheme, "ws");
    let mut client = connect(&process.uri).await;
    assert_eq!(client.call("get-version", None).await["major"], 3);
    // Not a key at all: the start-up fails, saying why.
    std::fs::write(dir.path().join("plain.pem"), "not a key").unwrap();
    let message = fatal(&[
        "--secure",
        "true",
        "--certificate-file",
        cert,
        "--private-key-file",
        key,
        "--port",
        "0",
    ]);
    assert!(
        message.starts_with("Cannot initialize server socket: '"),
        "{message}"
    );
    // The legacy OpenSSL encryption (not PKCS#8) is not read by the mock: it says so.
    std::fs::write(
        dir.path().join("plain.pem"),
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
         DEK-Info: AES-256-CBC,00000000000000000000000000000000\n\nAAAA\n\
         -----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    let message = fatal(&[
        "--secure",
        "true",
        "--certificate-file",
        cert,
        "--private-key-file",
        key,
        "--private-key-passphrase",
        "test",
        "--port",
        "0",
    ]);
    assert!(
        message.contains("legacy OpenSSL encrypted PEM"),
        "{message}"
    );
}

/// `--client true` asks Brayns to dial out (`brayns/network/socket/ClientSocket.cpp`); the mock
/// only serves, and says so rather than wait for nothing.
#[test]
fn client_mode_is_refused_with_a_reason() {
    assert_eq!(
        fatal(&["--client", "true", "--uri", "127.0.0.1:5000"]),
        "Client mode (--client true) is not modelled by brayns-mock"
    );
}

#[tokio::test]
async fn fault_flags_reach_the_server() {
    let process = start(&[
        "--malformed-frame",
        "get-loaders=invalid-json",
        "--latency",
        "registry=1",
        "--max-models",
        "1",
    ]);
    // --malformed-frame: get-loaders answers a text frame that is not JSON.
    let mut raw = connect_raw(&process.uri).await;
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "get-loaders"}).to_string();
    raw.frame(0x81, request.as_bytes()).await;
    assert_eq!(raw.read().await, Some((0x81, b"{not json".to_vec())));
    // --latency delays without changing the answer; --max-models bounds the scene.
    let mut client = connect(&process.uri).await;
    assert!(client.call("registry", None).await.is_array());
    let sphere = json!([{"color": [1.0, 0.0, 0.0, 1.0], "geometry": {"center": [0.0, 0.0, 0.0], "radius": 1.0}}]);
    client.call("add-spheres", Some(sphere.clone())).await;
    assert_eq!(
        client.call_error("add-spheres", Some(sphere)).await["code"],
        -32603
    );

    // --drop-after-messages 1: the second message ends the connection.
    let process = start(&["--drop-after-messages", "1"]);
    let mut client = connect(&process.uri).await;
    assert_eq!(client.call("get-version", None).await["major"], 3);
    client.request("get-version", None).await;
    client.expect_closed().await;
}
