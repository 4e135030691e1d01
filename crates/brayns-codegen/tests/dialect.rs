//! Schemas outside Brayns' dialect stop the generator with the method and JSON path.

mod common;

use std::path::PathBuf;

use brayns_codegen::CodegenError;
use common::snapshot;
use serde_json::json;

fn error_for(name: &str, schema: serde_json::Value) -> (String, String, String) {
    match brayns_codegen::generate(&snapshot(name, schema), &Default::default()) {
        Err(CodegenError::Schema {
            owner,
            path,
            problem,
        }) => (owner, path, problem),
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn unknown_keywords_are_rejected_with_their_path() {
    let (owner, path, problem) = error_for(
        "ref",
        json!({"type": "object", "additionalProperties": false,
               "properties": {"a": {"$ref": "#/definitions/A"}}}),
    );
    assert_eq!(owner, "do-it");
    assert_eq!(path, "params.properties.a");
    assert!(problem.contains("`$ref`"), "{problem}");
}

#[test]
fn any_of_and_type_arrays_are_rejected() {
    let (_, path, problem) = error_for("anyof", json!({"anyOf": [{"type": "string"}]}));
    assert_eq!(path, "params");
    assert!(problem.contains("anyOf"), "{problem}");
    let (_, _, problem) = error_for("type-array", json!({"type": ["string", "null"]}));
    assert!(problem.contains("single type"), "{problem}");
}

#[test]
fn object_variants_in_one_of_are_rejected() {
    let (_, path, problem) = error_for(
        "oneof-object",
        json!({"type": "object", "properties": {"id": {"oneOf": [{"type": "null"}, {"type": "object"}]}}}),
    );
    assert_eq!(path, "params.properties.id.oneOf[1]");
    assert!(problem.contains("primitive"), "{problem}");
}

#[test]
fn misplaced_keywords_and_bad_required_are_rejected() {
    let (_, path, problem) = error_for(
        "misplaced",
        json!({"type": "object", "properties": {"n": {"type": "string", "minimum": 0}}}),
    );
    assert_eq!(path, "params.properties.n");
    assert!(problem.contains("`minimum`"), "{problem}");
    let (_, _, problem) = error_for(
        "required",
        json!({"type": "object", "properties": {}, "required": ["ghost"]}),
    );
    assert!(problem.contains("ghost"), "{problem}");
}

#[test]
fn defaults_that_do_not_fit_their_type_are_rejected() {
    let (_, path, problem) = error_for(
        "bad-default",
        json!({"type": "object", "title": "P", "additionalProperties": false,
               "properties": {"mode": {"type": "string", "enum": ["a"], "default": "b"}}}),
    );
    assert_eq!(path, "params.properties.mode");
    assert!(problem.contains("default"), "{problem}");
}

#[test]
fn a_missing_snapshot_file_is_an_io_error() {
    let error =
        brayns_codegen::generate(&PathBuf::from("/nonexistent/snapshot"), &Default::default())
            .unwrap_err();
    assert!(matches!(error, CodegenError::Io { .. }), "{error}");
}
