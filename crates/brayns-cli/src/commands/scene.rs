//! `brayns scene`: the scene's bounds and models.

use crate::commands::Context;
use crate::error::Result;
use crate::output::{bounds, table, to_json};

/// Prints the scene.
pub async fn run(context: &Context<'_>) -> Result<()> {
    let brayns = context.connection.connect().await?;
    let scene = brayns.get_scene().await?;
    let json = to_json(&scene, "get-scene: the scene")?;
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
                    bounds(&model.bounds),
                ]
            })
            .collect();
        let scene_bounds = format!("bounds: {}", bounds(&scene.bounds));
        if rows.is_empty() {
            format!("{scene_bounds}\nno models")
        } else {
            format!(
                "{scene_bounds}\n{} model(s)\n{}",
                rows.len(),
                table(&["ID", "TYPE", "VISIBLE", "BOUNDS"], &rows)
            )
        }
    });
    Ok(())
}
