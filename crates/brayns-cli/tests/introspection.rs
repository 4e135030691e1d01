//! `methods`, `schema`, `version`, `loaders`, `diff`, the output formats, help and
//! completions, run as the real binary against a mock.

mod common;

use common::{command, edited_snapshot, expect_code, finish, json, mock, mock_with, run, stderr};
use serde_json::Value;

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|method| method["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[test]
fn methods_lists_the_instance_methods_with_flags_and_filters() {
    let mock = mock();
    let all = json(&run(&mock.uri(), &["methods"]));
    let expected: Vec<String> = brayns_sdk::compiled_snapshot()
        .methods()
        .map(str::to_owned)
        .collect();
    assert_eq!(names(&all), expected);
    let snapshot = all
        .as_array()
        .unwrap()
        .iter()
        .find(|method| method["name"] == "snapshot")
        .expect("snapshot is listed");
    assert_eq!(snapshot["plugin"], "Core");
    assert_eq!(snapshot["async"], true);
    assert_eq!(snapshot["deprecated"], false);
    // 3.10.1 deprecates the clip plane methods.
    for name in ["add-clip-plane", "clear-clip-planes"] {
        let method = all
            .as_array()
            .unwrap()
            .iter()
            .find(|method| method["name"] == name)
            .unwrap_or_else(|| panic!("{name} is listed"));
        assert_eq!(method["deprecated"], true, "{name}");
    }
    let pretty = expect_code(
        &run(
            &mock.uri(),
            &["methods", "clip-plane", "--output", "pretty"],
        ),
        0,
    );
    let flags = |name: &str| {
        pretty
            .lines()
            .find(|line| line.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{pretty}"))
            .split_whitespace()
            .nth(2)
            .map(str::to_owned)
    };
    assert_eq!(
        flags("add-clip-plane").as_deref(),
        Some("deprecated"),
        "{pretty}"
    );
    assert_eq!(
        flags("clear-clip-planes").as_deref(),
        Some("deprecated"),
        "{pretty}"
    );
    let snapshot_line = expect_code(
        &run(&mock.uri(), &["methods", "snapshot", "--output", "pretty"]),
        0,
    );
    assert!(
        snapshot_line
            .lines()
            .any(|line| line.starts_with("snapshot ") && line.trim_end().ends_with(" async")),
        "{snapshot_line}"
    );

    let camera = names(&json(&run(&mock.uri(), &["methods", "CAMERA"])));
    assert!(!camera.is_empty());
    assert!(
        camera.iter().all(|name| name.contains("camera")),
        "{camera:?}"
    );
    assert!(camera.contains(&"get-camera-view".to_owned()));

    let circuit = json(&run(&mock.uri(), &["methods", "--plugin", "circuit"]));
    assert!(!names(&circuit).is_empty());
    for method in circuit.as_array().unwrap() {
        assert!(
            method["plugin"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("circuit")
        );
    }

    let tasks = names(&json(&run(&mock.uri(), &["methods", "--async"])));
    assert_eq!(
        tasks,
        ["add-model", "export-gbuffers", "snapshot", "upload-model"]
    );
}

#[test]
fn methods_offline_needs_no_instance_and_matches_the_instance() {
    let mock = mock();
    let online = json(&run(&mock.uri(), &["methods"]));
    let offline = json(&run(&common::unreachable_uri(), &["methods", "--offline"]));
    assert_eq!(online, offline);
}

#[test]
fn output_is_json_when_piped_and_a_table_when_pretty() {
    let mock = mock();
    let piped = run(&mock.uri(), &["methods", "get-version"]);
    assert_eq!(names(&json(&piped)), ["get-version"]);

    let pretty = run(
        &mock.uri(),
        &["methods", "get-version", "--output", "pretty"],
    );
    let text = expect_code(&pretty, 0);
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("METHOD") && lines[0].contains("PLUGIN"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("get-version") && lines[1].contains("Core"),
        "{text}"
    );

    let forced_json = run(&mock.uri(), &["--output", "json", "methods", "get-version"]);
    assert_eq!(json(&forced_json), json(&piped));
}

#[test]
fn a_terminal_gets_pretty_output_by_default() {
    // `script` gives the binary a pseudo-terminal as stdout, as an interactive shell would.
    let mock = mock();
    let line = format!(
        "{} --uri {} methods get-version",
        env!("CARGO_BIN_EXE_brayns"),
        mock.uri()
    );
    let output = finish(
        std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("BRAYNS_URI")
            .env_remove("RUST_LOG"),
    );
    let text = expect_code(&output, 0);
    assert!(
        text.contains("METHOD") && text.contains("get-version"),
        "{text}"
    );
    assert!(!text.trim_start().starts_with('['), "{text}");
}

#[test]
fn schema_shows_params_and_result_online_and_offline() {
    let mock = mock();
    let online = json(&run(&mock.uri(), &["schema", "set-camera-view"]));
    assert_eq!(online["method"], "set-camera-view");
    let expected: Value = serde_json::from_str(
        brayns_sdk::compiled_snapshot()
            .entrypoint_json("set-camera-view")
            .unwrap()
            .get(),
    )
    .unwrap();
    assert_eq!(online["schema"], expected);
    let offline = json(&run(
        &common::unreachable_uri(),
        &["schema", "set-camera-view", "--offline"],
    ));
    assert_eq!(offline, online);

    let pretty = expect_code(
        &run(
            &mock.uri(),
            &["schema", "get-camera-view", "--output", "pretty"],
        ),
        0,
    );
    assert!(pretty.starts_with("get-camera-view (Core)"), "{pretty}");
    assert!(pretty.contains("params: none"), "{pretty}");
    assert!(pretty.contains("result:\n{"), "{pretty}");
    assert!(pretty.contains("\"position\""), "{pretty}");
}

#[test]
fn schema_of_an_unknown_method_fails() {
    let mock = mock();
    let offline = run(&mock.uri(), &["schema", "get-camera-veiw", "--offline"]);
    expect_code(&offline, 5);
    assert!(
        stderr(&offline).contains("did you mean get-camera-view"),
        "{}",
        stderr(&offline)
    );
    let online = run(&mock.uri(), &["schema", "get-camera-veiw"]);
    expect_code(&online, 4);
    assert!(
        stderr(&online).contains("server error -32601: Method 'get-camera-veiw' not found"),
        "{}",
        stderr(&online)
    );
}

#[test]
fn version_reports_the_instance_the_sdk_and_the_tool() {
    let mock = mock_with(brayns_mock::MockServer::builder().snapshot(edited_snapshot(
        |path, json| {
            if path == "version.json" {
                json["patch"] = 7.into();
            }
        },
    )));
    let version = json(&run(&mock.uri(), &["version"]));
    assert_eq!(version["instance"]["major"], 3);
    assert_eq!(version["instance"]["minor"], 10);
    assert_eq!(version["instance"]["patch"], 7);
    assert_eq!(version["sdk"], brayns_sdk::BRAYNS_VERSION.to_string());
    assert_eq!(version["cli"], env!("CARGO_PKG_VERSION"));
    let pretty = expect_code(&run(&mock.uri(), &["version", "--output", "pretty"]), 0);
    assert!(
        pretty.starts_with("instance:  Brayns 3.10.7 (revision "),
        "{pretty}"
    );
}

#[test]
fn version_check_strict_refuses_another_release_and_warn_warns() {
    let mock = mock_with(brayns_mock::MockServer::builder().snapshot(edited_snapshot(
        |path, json| {
            if path == "version.json" {
                json["patch"] = 7.into();
            }
        },
    )));
    let strict = run(&mock.uri(), &["--version-check", "strict", "version"]);
    expect_code(&strict, 6);
    assert!(stderr(&strict).contains("3.10.7"), "{}", stderr(&strict));
    let minor = run(&mock.uri(), &["--version-check", "minor", "version"]);
    expect_code(&minor, 0);
    // Only the patch differs: `minor` accepts it without a word.
    assert_eq!(stderr(&minor), "");
    let warned = run(&mock.uri(), &["version"]);
    expect_code(&warned, 0);
    assert!(stderr(&warned).contains("WARN"), "{}", stderr(&warned));
    let quiet = run(&mock.uri(), &["--version-check", "off", "version"]);
    expect_code(&quiet, 0);
    assert_eq!(stderr(&quiet), "");
}

#[test]
fn version_check_minor_refuses_another_minor() {
    let mock = mock_with(brayns_mock::MockServer::builder().snapshot(edited_snapshot(
        |path, json| {
            if path == "version.json" {
                json["minor"] = 9.into();
            }
        },
    )));
    let minor = run(&mock.uri(), &["--version-check", "minor", "version"]);
    expect_code(&minor, 6);
    assert!(stderr(&minor).contains("3.9."), "{}", stderr(&minor));
    let warned = run(&mock.uri(), &["--version-check", "warn", "version"]);
    expect_code(&warned, 0);
    assert!(stderr(&warned).contains("WARN"), "{}", stderr(&warned));
}

#[test]
fn verbose_logs_the_transport_on_stderr() {
    let mock = mock();
    let quiet = run(&mock.uri(), &["version"]);
    expect_code(&quiet, 0);
    assert_eq!(stderr(&quiet), "");
    let verbose = run(&mock.uri(), &["-v", "version"]);
    expect_code(&verbose, 0);
    assert!(
        stderr(&verbose).contains("brayns_rpc"),
        "{}",
        stderr(&verbose)
    );
    // -vv traces every frame: fetching every schema logs more than a pipe holds (64 KiB),
    // which the test helpers read while the command runs.
    let traced = run(&mock.uri(), &["-vv", "methods"]);
    expect_code(&traced, 0);
    assert!(
        traced.stderr.len() > 64 * 1024,
        "{} bytes",
        traced.stderr.len()
    );
}

#[test]
fn loaders_lists_the_instance_loaders() {
    let mock = mock_with(brayns_mock::MockServer::builder().plugins(["braynsCircuitExplorer"]));
    let loaders = json(&run(&mock.uri(), &["loaders"]));
    let listed: Vec<&str> = loaders
        .as_array()
        .unwrap()
        .iter()
        .map(|loader| loader["name"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"mesh"), "{listed:?}");
    assert!(listed.contains(&"BBP loader"), "{listed:?}");
    // Only Core and the plugin named: the list is the instance's, not the SDK's.
    assert!(!listed.contains(&"protein"), "{listed:?}");
    let pretty = expect_code(&run(&mock.uri(), &["loaders", "--output", "pretty"]), 0);
    assert!(
        pretty
            .lines()
            .any(|line| line.starts_with("mesh") && line.contains("ply")),
        "{pretty}"
    );
}

#[test]
fn diff_says_identical_for_the_sdk_release_and_lists_differences_otherwise() {
    let same = mock();
    let identical = json(&run(&same.uri(), &["diff"]));
    assert_eq!(identical["identical"], true);
    assert_eq!(
        identical["actual_version"],
        brayns_sdk::BRAYNS_VERSION.to_string()
    );

    let edited = mock_with(brayns_mock::MockServer::builder().snapshot(edited_snapshot(
        |path, json| match path {
            "registry.json" => {
                json.as_array_mut()
                    .unwrap()
                    .retain(|method| method != "get-scene");
            }
            "entrypoints/get-version.json" => {
                json["description"] = "changed".into();
            }
            _ => {}
        },
    )));
    let output = run(&edited.uri(), &["diff"]);
    let text = expect_code(&output, 7);
    let differences: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(differences["identical"], false);
    assert_eq!(differences["removed"], serde_json::json!(["get-scene"]));
    assert_eq!(
        differences["changed"],
        serde_json::json!([{"method": "get-version", "parts": ["description"]}])
    );
    let pretty = expect_code(&run(&edited.uri(), &["diff", "--output", "pretty"]), 7);
    assert!(pretty.contains("- get-scene (removed)"), "{pretty}");
}

#[test]
fn help_documents_exit_codes_and_examples() {
    let help = expect_code(&finish(command().arg("--help")), 0);
    for needle in [
        "Exit codes:",
        "130",
        "brayns mock",
        "--output",
        "--version-check",
        "BRAYNS_URI",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
    for subcommand in [
        "methods",
        "schema",
        "version",
        "loaders",
        "call",
        "snapshot",
        "render",
        "load",
        "scene",
        "diff",
        "mock",
        "completions",
    ] {
        let text = expect_code(&finish(command().args([subcommand, "--help"])), 0);
        assert!(
            text.contains("Example"),
            "`{subcommand} --help` has no example:\n{text}"
        );
    }
}

#[test]
fn help_and_readme_list_the_same_exit_codes() {
    let help = expect_code(&finish(command().arg("--help")), 0);
    let readme = include_str!("../README.md");
    let section = readme
        .split("## Exit codes")
        .nth(1)
        .expect("the README has an exit code section");
    let rows: Vec<(&str, &str)> = section
        .lines()
        .skip_while(|line| !line.starts_with("| code"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0], cells[1])
        })
        .collect();
    let codes: Vec<&str> = rows.iter().map(|(code, _)| *code).collect();
    assert_eq!(codes, ["0", "1", "2", "3", "4", "5", "6", "7", "130"]);
    // --help wraps its lines to the terminal's width, so rows are compared word by word.
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let help_words = words(&help);
    for (code, meaning) in &rows {
        let row = words(&format!("{code} {meaning}"));
        assert!(
            help_words.contains(&row),
            "README row {code} ({meaning}) is not in --help:\n{help}"
        );
    }
    let help_rows = help
        .lines()
        .skip_while(|line| *line != "Exit codes:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        // A row starts with its code; its wrapped continuation lines start with spaces only.
        .filter(|line| line.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(help_rows, rows.len(), "{help}");
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_brayns()"),
        ("zsh", "#compdef brayns"),
        ("fish", "complete -c brayns"),
    ] {
        let script = expect_code(&finish(command().args(["completions", shell])), 0);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("snapshot"), "{shell} completes subcommands");
    }
    let bad = finish(command().args(["completions", "nushell-or-so"]));
    expect_code(&bad, 2);
}
