//! `inspect`: what the camera sees at a normalized screen position, as
//! `brayns/network/entrypoints/InspectEntrypoint.cpp` (Brayns 3.10.1) asks OSPRay's
//! `FrameBuffer::pick` with the current framebuffer, renderer, camera and world.
//!
//! The position is not checked (the params schema only asks for two numbers): OSPRay casts
//! the camera's ray through it, so a position outside [0, 1] extrapolates the view. Nothing
//! hit gives `InspectResult`'s defaults (`hit` false, position zero, model 0, metadata
//! null: an empty `JsonValue`). A hit gives the world position, the id of the instance hit
//! and what the model's inspect system says; only circuits have one (`neuron_id`,
//! `plugins/CircuitExplorer/systems/NeuronInspectSystem.cpp`), other models answer `{}`
//! (`SystemsView::inspect` returns an empty object).

use serde_json::json;

use super::*;

impl State {
    pub(super) fn inspect(&self, params: &Value) -> Outcome {
        // `InspectMessage` starts at (0, 0); the schema makes `position` two numbers.
        let position = params
            .get("position")
            .and_then(Value::as_array)
            .filter(|items| items.len() == 2)
            .map(|items| [0, 1].map(|i| items[i].as_f64().unwrap_or(0.0)))
            .unwrap_or([0.0, 0.0]);
        // The framebuffer is the viewport's size, and the camera's aspect follows it.
        let (width, height) = self.viewport();
        let picked = self.picture(&Value::Null).pick(width, height, position);
        let answer = match picked {
            None => json!({
                "hit": false,
                "position": [0.0, 0.0, 0.0],
                "model_id": 0,
                "metadata": null,
            }),
            Some(picked) => json!({
                "hit": true,
                "position": picked.position.to_array(),
                "model_id": picked.model_id,
                // Models drawn as their bounds box (circuits among them) have no primitives
                // the mock knows, so no neuron id either.
                "metadata": {},
            }),
        };
        self.result("inspect", answer)
    }
}
