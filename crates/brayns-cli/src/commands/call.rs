//! `brayns call METHOD [PARAMS]`: any method, params checked locally first; tasks followed
//! with progress and cancelled on Ctrl-C; binary payloads from and to files.

use std::path::PathBuf;

use brayns_sdk::rpc::{Request, Response};
use brayns_sdk::{Brayns, Task, compiled_snapshot};
use clap::Args;
use serde_json::{Value, json};

use crate::commands::Context;
use crate::error::{CliError, Result};
use crate::params;
use crate::progress::follow;

/// `brayns call` options.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The method (`brayns methods` lists them).
    pub method: String,
    /// The params: JSON text, `@FILE` for a file's content, or `-` for stdin. None: the
    /// request has no params.
    #[arg(value_name = "PARAMS_JSON | @FILE | -")]
    pub params: Option<String>,
    /// Write the reply's binary payload (an image...) to this file.
    #[arg(long, value_name = "FILE")]
    pub binary_out: Option<PathBuf>,
    /// Send this file's bytes as the request's binary payload (`upload-model`...).
    #[arg(long, value_name = "FILE")]
    pub binary_in: Option<PathBuf>,
    /// Send without checking the method and params against the built-in schemas (for an
    /// instance with methods this tool does not know).
    #[arg(long)]
    pub no_validate: bool,
}

/// Calls the method and prints its result.
pub async fn run(args: &CallArgs, context: &Context<'_>) -> Result<()> {
    let params = args
        .params
        .as_deref()
        .map(|text| params::read_json(text, "params"))
        .transpose()?;
    if !args.no_validate {
        params::check(&args.method, params.as_ref())?;
    }
    let mut request = Request::new(args.method.clone());
    if let Some(params) = params {
        request = request.params_value(params);
    }
    if let Some(path) = &args.binary_in {
        let bytes = std::fs::read(path).map_err(|error| CliError::io(path.display(), error))?;
        request = request.binary(bytes);
    }
    let brayns = context.connection.connect().await?;
    let is_async = is_async(&brayns, &args.method).await?;
    let response = if is_async {
        let task = brayns.rpc().start_task(request)?;
        let task: Task<Response> = Task::new(task, Ok);
        follow(task, &args.method, &context.interrupt).await?
    } else {
        brayns.rpc().call(request).await?
    };
    let result: Value = serde_json::from_str(response.result_json()).map_err(|error| {
        CliError::failure(format!("{}: the result is not JSON: {error}", args.method))
    })?;
    save_binary(args, &response)?;
    context.printer.print_json(&result);
    Ok(())
}

/// Whether `method` runs as a task (progress, and a `cancel` on Ctrl-C): from the built-in
/// schemas, or for a method they lack (sent with `--no-validate`) from the instance's own
/// `schema`.
async fn is_async(brayns: &Brayns, method: &str) -> Result<bool> {
    if let Some(entrypoint) = compiled_snapshot().entrypoint(method) {
        return Ok(entrypoint.is_async);
    }
    let request = Request::new("schema").params_value(json!({"endpoint": method}));
    match brayns.rpc().call(request).await {
        Ok(response) => Ok(response.decode::<Value>()?["async"] == true),
        // The instance does not know it either: it is sent as it is, and refused with the
        // server's own error.
        Err(error) if error.server_error().is_some() => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Writes the reply's binary payload where `--binary-out` says; without it, says on stderr
/// that one came.
fn save_binary(args: &CallArgs, response: &Response) -> Result<()> {
    let binary = response.binary();
    match &args.binary_out {
        Some(path) if binary.is_empty() => Err(CliError::failure(format!(
            "{}: the reply carried no binary payload; {} not written",
            args.method,
            path.display()
        ))),
        Some(path) => {
            std::fs::write(path, binary).map_err(|error| CliError::io(path.display(), error))
        }
        None => {
            if !binary.is_empty() {
                eprintln!(
                    "brayns: the reply carried {} bytes of binary payload (save them with --binary-out FILE)",
                    binary.len()
                );
            }
            Ok(())
        }
    }
}
