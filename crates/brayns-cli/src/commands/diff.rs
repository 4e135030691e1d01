//! `brayns diff`: the instance's schemas against the SDK's (`verify_schemas`).

use serde_json::json;

use crate::commands::Context;
use crate::error::{Result, code};

/// Compares, prints the differences, and gives 0 (none) or 7 (some).
pub async fn run(context: &Context<'_>) -> Result<u8> {
    let brayns = context.connection.connect().await?;
    let diff = brayns.verify_schemas().await?;
    let changed: Vec<_> = diff
        .changed
        .iter()
        .map(|change| {
            json!({
                "method": change.method,
                "parts": change.parts.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        })
        .collect();
    let json = json!({
        "identical": diff.is_empty(),
        "expected_version": diff.expected_version.to_string(),
        "actual_version": diff.actual_version.to_string(),
        "added": diff.added,
        "removed": diff.removed,
        "changed": changed,
        "loaders_changed": diff.loaders_changed,
    });
    context.printer.print(&json, |_| diff.to_string());
    Ok(if diff.is_empty() {
        code::OK
    } else {
        code::DIFFERENCES
    })
}
