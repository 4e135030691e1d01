//! `brayns schema METHOD`: a method's params and result schemas.

use brayns_sdk::compiled_snapshot;
use brayns_sdk::rpc::Request;
use clap::Args;
use serde_json::{Value, json};

use crate::commands::Context;
use crate::error::{CliError, Result};
use crate::output::indented;
use crate::params::unknown_method;

/// `brayns schema` options.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The method (`brayns methods` lists them).
    pub method: String,
    /// Show the schema built into this tool (the SDK's), without connecting.
    #[arg(long)]
    pub offline: bool,
}

/// Prints the method's schema.
pub async fn run(args: &SchemaArgs, context: &Context<'_>) -> Result<()> {
    let schema: Value = if args.offline {
        let raw = compiled_snapshot()
            .entrypoint_json(&args.method)
            .ok_or_else(|| unknown_method(&args.method))?;
        serde_json::from_str(raw.get()).map_err(|error| {
            CliError::failure(format!(
                "the built-in schema of {} is not JSON: {error}",
                args.method
            ))
        })?
    } else {
        let brayns = context.connection.connect().await?;
        let request = Request::new("schema").params_value(json!({"endpoint": args.method}));
        let response = brayns.rpc().call(request).await?;
        response.decode()?
    };
    let json = json!({"method": args.method, "schema": schema});
    context
        .printer
        .print(&json, |json| pretty(&args.method, &json["schema"]));
    Ok(())
}

/// The schema for people: a title line, the description, then params and result.
fn pretty(method: &str, schema: &Value) -> String {
    let mut flags = vec![schema["plugin"].as_str().unwrap_or("?").to_owned()];
    if schema["async"] == true {
        flags.push("async: a task with progress and cancel".to_owned());
    }
    if schema["deprecated"] == true {
        flags.push("deprecated".to_owned());
    }
    let mut text = format!("{method} ({})\n", flags.join(", "));
    if let Some(description) = schema["description"].as_str() {
        text.push_str(&format!("  {description}\n"));
    }
    for (key, title) in [("params", "params"), ("returns", "result")] {
        match schema.get(key) {
            Some(part) => text.push_str(&format!("\n{title}:\n{}\n", indented(part))),
            None => text.push_str(&format!("\n{title}: none\n")),
        }
    }
    text
}
