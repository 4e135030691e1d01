//! `brayns scene`: the scene's bounds and models.

use crate::commands::Context;
use crate::error::{CliError, Result};
use crate::output::table;

/// Prints the scene.
pub async fn run(context: &Context<'_>) -> Result<()> {
    let brayns = context.connection.connect().await?;
    let scene = brayns.get_scene().await?;
    let json = serde_json::to_value(&scene)
        .map_err(|error| CliError::failure(format!("get-scene: the scene as JSON: {error}")))?;
    context.printer.print(&json, |_| {
        let rows: Vec<Vec<String>> = scene
            .models
            .iter()
            .map(|model| {
                vec![
                    model.model_id.to_string(),
                    model.model_type.clone(),
                    match model.is_visible {
                        Some(false) => "no",
                        _ => "yes",
                    }
                    .to_owned(),
                    format!("{:?} .. {:?}", model.bounds.min, model.bounds.max),
                ]
            })
            .collect();
        let bounds = format!("bounds: {:?} .. {:?}", scene.bounds.min, scene.bounds.max);
        if rows.is_empty() {
            format!("{bounds}\nno models")
        } else {
            format!(
                "{bounds}\n{} model(s)\n{}",
                rows.len(),
                table(&["ID", "TYPE", "VISIBLE", "BOUNDS"], &rows)
            )
        }
    });
    Ok(())
}
