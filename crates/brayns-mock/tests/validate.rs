//! `validate` / `validate_reply` / `sample`: Brayns' wording, paths and rules.

use brayns_mock::{format_number, sample, sample_request, validate, validate_reply};
use serde_json::{Value, json};

fn object(properties: Value, required: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required})
}

#[test]
fn type_messages_use_brayns_type_names() {
    let cases = [
        (
            json!({"type": "object"}),
            json!(null),
            "invalid type, expected object got null",
        ),
        (
            json!({"type": "string"}),
            json!(1),
            "invalid type, expected string got integer",
        ),
        (
            json!({"type": "integer"}),
            json!(1.5),
            "invalid type, expected integer got number",
        ),
        (
            json!({"type": "boolean"}),
            json!("x"),
            "invalid type, expected boolean got string",
        ),
        (
            json!({"type": "array", "items": {}}),
            json!({}),
            "invalid type, expected array got object",
        ),
        (
            json!({"type": "null"}),
            json!([]),
            "invalid type, expected null got array",
        ),
        (
            json!({"type": "integer"}),
            json!(true),
            "invalid type, expected integer got boolean",
        ),
    ];
    for (schema, value, message) in cases {
        assert_eq!(
            validate(&schema, &value),
            vec![message.to_owned()],
            "{schema} {value}"
        );
    }
    // number accepts integers; untyped schemas accept anything.
    assert!(validate(&json!({"type": "number"}), &json!(3)).is_empty());
    assert!(validate(&json!({"description": "any"}), &json!({"a": [1]})).is_empty());
}

#[test]
fn paths_join_keys_with_dots_and_indices_in_brackets() {
    let schema = object(
        json!({"a": object(json!({"b": {"type": "array", "items": {"type": "array", "items": {"type": "integer", "minimum": 0}}}}), json!([]))}),
        json!([]),
    );
    let value = json!({"a": {"b": [[0], [1, -2]]}});
    assert_eq!(
        validate(&schema, &value),
        vec!["a.b[1][1]: value below minimum -2 < 0"]
    );
    let items =
        json!({"type": "array", "items": object(json!({"x": {"type": "string"}}), json!(["x"]))});
    assert_eq!(
        validate(&items, &json!([{"x": "ok"}, {}])),
        vec!["[1]: missing required property 'x'"]
    );
}

#[test]
fn object_rules_and_order() {
    let schema = object(
        json!({
            "id": {"type": "integer", "readOnly": true},
            "name": {"type": "string"},
            "size": {"type": "integer"},
            "zeta": {"type": "boolean", "default": true}
        }),
        json!(["size", "name", "id"]),
    );
    // Keys are visited sorted (unknown, read-only, invalid), then missing required (sorted);
    // read-only required keys are not required in requests.
    let value = json!({"zz": 1, "id": 3, "aa": 2});
    assert_eq!(
        validate(&schema, &value),
        vec![
            "unknown property 'aa'",
            "read only property 'id'",
            "unknown property 'zz'",
            "missing required property 'name'",
            "missing required property 'size'"
        ]
    );
    // null means "the default": allowed with a default, a type error without.
    assert!(validate(&schema, &json!({"name": "n", "size": 1, "zeta": null})).is_empty());
    assert_eq!(
        validate(&schema, &json!({"name": null, "size": 1})),
        vec!["name: invalid type, expected string got null"]
    );
    // In replies read-only keys are expected.
    assert!(validate_reply(&schema, &json!({"id": 1, "name": "n", "size": 1})).is_empty());
    assert_eq!(
        validate_reply(&schema, &json!({"name": "n", "size": 1})),
        vec!["missing required property 'id'"]
    );
}

#[test]
fn maps_and_open_objects() {
    let map = json!({"type": "object", "additionalProperties": {"type": "number"}});
    assert_eq!(
        validate(&map, &json!({"a": 1, "b": "x"})),
        vec!["b: invalid type, expected number got string"]
    );
    let open = json!({"type": "object", "title": "JsonSchema"});
    assert!(validate(&open, &json!({"anything": [1, 2]})).is_empty());
    let closed_empty = json!({"type": "object", "additionalProperties": false});
    assert_eq!(
        validate(&closed_empty, &json!({"k": 1})),
        vec!["unknown property 'k'"]
    );
}

#[test]
fn limits_enums_counts_and_one_of() {
    let number = json!({"type": "number", "minimum": 0.5, "maximum": 1});
    assert_eq!(
        validate(&number, &json!(0.25)),
        vec!["value below minimum 0.25 < 0.5"]
    );
    assert_eq!(
        validate(&number, &json!(3)),
        vec!["value above maximum 3 > 1"]
    );
    let enumeration = json!({"type": "string", "enum": ["a", "b"]});
    assert_eq!(
        validate(&enumeration, &json!("c")),
        vec!["invalid enum 'c' not in ['a', 'b']"]
    );
    let array = json!({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2});
    assert_eq!(
        validate(&array, &json!([1])),
        vec!["item count below minimum 1 < 2"]
    );
    assert_eq!(
        validate(&array, &json!([1, "x", 3])),
        vec![
            "[1]: invalid type, expected number got string",
            "item count above maximum 3 > 2"
        ]
    );
    let id = json!({"oneOf": [{"type": "null"}, {"type": "integer"}, {"type": "string"}]});
    for ok in [json!(null), json!(1), json!("a")] {
        assert!(validate(&id, &ok).is_empty());
    }
    assert_eq!(
        validate(&id, &json!(1.5)),
        vec!["invalid oneOf, no schemas match input"]
    );
}

#[test]
fn numbers_print_like_the_server() {
    assert_eq!(format_number(-1.0), "-1");
    assert_eq!(format_number(0.1), "0.1");
    assert_eq!(format_number(1e300), "1e+300");
    assert_eq!(format_number(2.5e-7), "2.5e-07");
}

#[test]
fn samples_respect_the_schema() {
    let schema = json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "color": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
            "count": {"type": "integer", "minimum": 1},
            "kind": {"type": "string", "enum": ["x", "y"]},
            "list": {"type": "array", "items": {"type": "integer"}},
            "mode": {"type": "string", "default": "fast"},
            "ratio": {"type": "number", "minimum": -2, "maximum": -1},
            "hidden": {"type": "integer", "readOnly": true},
            "id": {"oneOf": [{"type": "null"}, {"type": "integer"}]},
            "any": {"description": "anything"}
        },
        "required": ["count", "hidden"]
    });
    let value = sample(&schema);
    assert_eq!(
        value,
        json!({"color": [0.0, 0.0, 0.0, 0.0], "count": 1, "kind": "x", "list": [0], "mode": "fast", "ratio": -1.0, "hidden": 0, "id": 0, "any": null})
    );
    assert!(validate_reply(&schema, &value).is_empty());
    let request = sample_request(&schema);
    assert!(request.get("hidden").is_none());
    assert_eq!(validate(&schema, &request), Vec::<String>::new());
    assert_eq!(
        sample(&json!({"type": "array", "items": {"type": "string"}, "maxItems": 0})),
        Value::Array(vec![])
    );
}

#[test]
fn check_params_refuses_params_as_the_server_does() {
    let snapshot = brayns_mock::Snapshot::embedded();
    let no_params = snapshot.entrypoint("get-version").unwrap();
    assert_eq!(brayns_mock::check_params(no_params, None), Ok(()));
    assert_eq!(
        brayns_mock::check_params(no_params, Some(&json!(null))),
        Ok(())
    );
    let refusal = brayns_mock::check_params(no_params, Some(&json!({}))).unwrap_err();
    assert_eq!(refusal.code, brayns_mock::codes::INVALID_PARAMS);
    assert_eq!(refusal.message, "This method takes no params");
    assert_eq!(refusal.data, None);

    let view = snapshot.entrypoint("set-camera-view").unwrap();
    let valid = json!({"position": [0, 0, 1], "target": [0, 0, 0], "up": [0, 1, 0]});
    assert_eq!(brayns_mock::check_params(view, Some(&valid)), Ok(()));
    let refusal = brayns_mock::check_params(view, Some(&json!({"position": [0, 0]}))).unwrap_err();
    assert_eq!(refusal.code, brayns_mock::codes::INVALID_PARAMS);
    assert_eq!(refusal.message, "Invalid params schema");
    assert_eq!(
        refusal.data,
        Some(json!([
            "position: item count below minimum 2 < 3",
            "missing required property 'target'",
            "missing required property 'up'"
        ]))
    );
    assert_eq!(
        refusal.to_string(),
        format!(
            "error -32602: Invalid params schema {}",
            refusal.data.unwrap()
        )
    );
    // Absent params are validated as null, i.e. against the schema's default.
    assert!(brayns_mock::check_params(view, None).is_err());
}
