//! `brayns loaders`: the instance's loaders and what they read.

use crate::commands::Context;
use crate::error::Result;
use crate::output::{table, to_json};

/// Prints the loaders, as the instance describes them (`get-loaders`).
pub async fn run(context: &Context<'_>) -> Result<()> {
    let brayns = context.connection.connect().await?;
    let loaders = brayns.get_loaders().await?;
    let json = to_json(&loaders, "get-loaders: the loaders")?;
    context.printer.print(&json, |_| {
        let rows: Vec<Vec<String>> = loaders
            .iter()
            .map(|loader| {
                vec![
                    loader.name.clone(),
                    loader.plugin.clone(),
                    if loader.binary { "yes" } else { "no" }.to_owned(),
                    loader.extensions.join(" "),
                ]
            })
            .collect();
        table(&["LOADER", "PLUGIN", "UPLOAD", "EXTENSIONS"], &rows)
    });
    Ok(())
}
