//! `brayns methods`: the methods, their plugin and flags, filtered.

use std::borrow::Cow;

use brayns_sdk::{Snapshot, compiled_snapshot};
use clap::Args;
use serde_json::{Value, json};

use crate::commands::Context;
use crate::error::{CliError, Result};
use crate::output::table;

/// `brayns methods` options.
#[derive(Debug, Args)]
pub struct MethodsArgs {
    /// Only methods whose name contains this text (case-insensitive).
    pub filter: Option<String>,
    /// Only methods of plugins whose name contains this text (case-insensitive).
    #[arg(long)]
    pub plugin: Option<String>,
    /// Only async methods (tasks with progress and cancel).
    #[arg(long = "async")]
    pub only_async: bool,
    /// List the methods built into this tool (the SDK's schemas), without connecting.
    #[arg(long)]
    pub offline: bool,
}

/// Lists the methods.
pub async fn run(args: &MethodsArgs, context: &Context<'_>) -> Result<()> {
    let snapshot = source(args.offline, context).await?;
    let contains = |text: &str, part: &Option<String>| {
        part.as_ref()
            .is_none_or(|part| text.to_lowercase().contains(&part.to_lowercase()))
    };
    let methods: Vec<Value> = snapshot
        .entrypoints()
        .filter(|entrypoint| contains(&entrypoint.method, &args.filter))
        .filter(|entrypoint| contains(&entrypoint.plugin, &args.plugin))
        .filter(|entrypoint| !args.only_async || entrypoint.is_async)
        .map(|entrypoint| {
            json!({
                "name": entrypoint.method,
                "plugin": entrypoint.plugin,
                "async": entrypoint.is_async,
                "deprecated": entrypoint.deprecated,
                "description": entrypoint.description,
            })
        })
        .collect();
    context.printer.print(&Value::Array(methods), |methods| {
        let rows: Vec<Vec<String>> = methods
            .as_array()
            .into_iter()
            .flatten()
            .map(|method| {
                let flag =
                    |key: &str, name: &str| if method[key] == true { name } else { "" }.to_owned();
                vec![
                    method["name"].as_str().unwrap_or_default().to_owned(),
                    method["plugin"].as_str().unwrap_or_default().to_owned(),
                    [flag("async", "async"), flag("deprecated", "deprecated")]
                        .into_iter()
                        .filter(|flag| !flag.is_empty())
                        .collect::<Vec<_>>()
                        .join(","),
                ]
            })
            .collect();
        if rows.is_empty() {
            "no method matches".to_owned()
        } else {
            table(&["METHOD", "PLUGIN", "FLAGS"], &rows)
        }
    });
    Ok(())
}

/// The instance's schemas, or the SDK's with `offline`.
pub async fn source(offline: bool, context: &Context<'_>) -> Result<Cow<'static, Snapshot>> {
    if offline {
        return Ok(Cow::Borrowed(compiled_snapshot()));
    }
    let brayns = context.connection.connect().await?;
    let snapshot = brayns_snapshot::fetch(brayns.rpc(), |_| {})
        .await
        .map_err(|error| CliError::Sdk(error.into()))?;
    Ok(Cow::Owned(snapshot))
}
