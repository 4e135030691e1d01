//! `brayns version`: the instance's release, the SDK's and this tool's.

use serde_json::json;

use crate::commands::Context;
use crate::error::Result;
use crate::output::to_json;

/// Prints the versions.
pub async fn run(context: &Context<'_>) -> Result<()> {
    let brayns = context.connection.connect().await?;
    let instance = brayns.get_version().await?;
    let json = json!({
        "instance": to_json(&instance, "get-version: the version")?,
        "sdk": brayns_sdk::BRAYNS_VERSION.to_string(),
        "cli": env!("CARGO_PKG_VERSION"),
    });
    context.printer.print(&json, |_| {
        format!(
            "instance:  Brayns {}.{}.{} (revision {})\nsdk:       Brayns {}\nbrayns:    {}",
            instance.major,
            instance.minor,
            instance.patch,
            instance.revision,
            brayns_sdk::BRAYNS_VERSION,
            env!("CARGO_PKG_VERSION"),
        )
    });
    Ok(())
}
