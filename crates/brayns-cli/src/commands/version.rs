//! `brayns version`: the instance's release, the SDK's and this tool's.

use serde_json::{Value, json};

use crate::commands::Context;
use crate::error::Result;

/// Prints the versions.
pub async fn run(context: &Context<'_>) -> Result<()> {
    let brayns = context.connection.connect().await?;
    let instance: Value = brayns
        .rpc()
        .call(brayns_sdk::rpc::Request::new("get-version"))
        .await?
        .decode()?;
    let json = json!({
        "instance": instance,
        "sdk": brayns_sdk::BRAYNS_VERSION.to_string(),
        "cli": env!("CARGO_PKG_VERSION"),
    });
    context.printer.print(&json, |json| {
        let instance = &json["instance"];
        format!(
            "instance:  Brayns {}.{}.{} (revision {})\nsdk:       Brayns {}\nbrayns:    {}",
            instance["major"],
            instance["minor"],
            instance["patch"],
            instance["revision"].as_str().unwrap_or("?"),
            json["sdk"].as_str().unwrap_or("?"),
            json["cli"].as_str().unwrap_or("?"),
        )
    });
    Ok(())
}
