//! `brayns loaders`: the instance's loaders and what they read.

use serde_json::Value;

use crate::commands::Context;
use crate::error::Result;
use crate::output::table;

/// Prints the loaders, as the instance describes them (`get-loaders`).
pub async fn run(context: &Context<'_>) -> Result<()> {
    let brayns = context.connection.connect().await?;
    let loaders: Value = brayns
        .rpc()
        .call(brayns_sdk::rpc::Request::new("get-loaders"))
        .await?
        .decode()?;
    context.printer.print(&loaders, |loaders| {
        let rows: Vec<Vec<String>> = loaders
            .as_array()
            .into_iter()
            .flatten()
            .map(|loader| {
                let extensions: Vec<&str> = loader["extensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                vec![
                    loader["name"].as_str().unwrap_or_default().to_owned(),
                    loader["plugin"].as_str().unwrap_or("-").to_owned(),
                    match loader["binary"].as_bool() {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "-",
                    }
                    .to_owned(),
                    extensions.join(" "),
                ]
            })
            .collect();
        table(&["LOADER", "PLUGIN", "UPLOAD", "EXTENSIONS"], &rows)
    });
    Ok(())
}
