//! Params from the command line (`JSON`, `@file`, `-`), and their check against the schemas
//! built into the SDK, with the messages Brayns gives.

use std::io::Read;

use brayns_sdk::compiled_snapshot;
use serde_json::Value;

use crate::error::{CliError, Result};

/// Reads a JSON argument: the text itself, `@PATH` for a file's content, `-` for stdin.
/// `what` names the argument in errors (`params`, `--camera`...).
pub fn read_json(argument: &str, what: &str) -> Result<Value> {
    let (text, source) = if argument == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| CliError::io("stdin", error))?;
        (text, "stdin".to_owned())
    } else if let Some(path) = argument.strip_prefix('@') {
        let text = std::fs::read_to_string(path).map_err(|error| CliError::io(path, error))?;
        (text, path.to_owned())
    } else {
        (argument.to_owned(), "the argument".to_owned())
    };
    serde_json::from_str(&text)
        .map_err(|error| CliError::Usage(format!("{what} from {source} are not JSON: {error}")))
}

/// Checks `params` for `method` against the SDK's schemas, as the server would, before
/// anything is sent: an unknown method names the close ones, invalid params give Brayns'
/// code, message and problems.
pub fn check(method: &str, params: Option<&Value>) -> Result<()> {
    let snapshot = compiled_snapshot();
    let Some(entrypoint) = snapshot.entrypoint(method) else {
        return Err(unknown_method(method));
    };
    brayns_mock::check_params(entrypoint, params).map_err(|refusal| CliError::Invalid {
        message: format!(
            "{method}: error {}: {} (checked against the Brayns {} schemas built in)",
            refusal.code,
            refusal.message,
            snapshot.version()
        ),
        data: refusal.data,
    })
}

/// The error for a method the SDK does not know, with the names closest to it.
pub fn unknown_method(method: &str) -> CliError {
    let close = close_matches(method, compiled_snapshot().methods());
    let hint = if close.is_empty() {
        "; `brayns methods` lists them".to_owned()
    } else {
        format!("; did you mean {}?", close.join(", "))
    };
    CliError::Invalid {
        message: format!(
            "unknown method '{method}' (not in the Brayns {} schemas built in){hint} \
             (--no-validate sends it anyway)",
            compiled_snapshot().version()
        ),
        data: None,
    }
}

/// Up to five names close to `wanted`: few edits away, or containing it (or contained).
fn close_matches<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted = wanted.to_lowercase();
    let allowed = (wanted.chars().count() / 3).clamp(1, 4);
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|name| {
            let distance = edit_distance(&wanted, &name.to_lowercase());
            let related = name.contains(wanted.as_str()) || wanted.contains(name);
            (distance <= allowed || (related && wanted.len() >= 3)).then_some((distance, name))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(5)
        .map(|(_, name)| name.to_owned())
        .collect()
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("get-version", "get-version"), 0);
        assert_eq!(edit_distance("get-versoin", "get-version"), 2);
        assert_eq!(edit_distance("get-versio", "get-version"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn close_matches_rank_by_distance_and_keep_related_names() {
        let names = ["get-version", "get-scene", "snapshot", "get-camera-look-at"];
        let close = close_matches("get-versoin", names.into_iter());
        assert_eq!(close.first().map(String::as_str), Some("get-version"));
        assert!(
            close_matches("camera", names.into_iter()).contains(&"get-camera-look-at".to_owned())
        );
        assert!(close_matches("zzzzzzzzzzzz", names.into_iter()).is_empty());
    }
}
