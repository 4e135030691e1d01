//! `brayns load PATH`: a file of the instance's loaded as models (`add-model`), with progress.

use brayns_sdk::Brayns;
use brayns_sdk::rpc::Request;
use brayns_sdk::types::{Loader, ModelInstance};
use clap::Args;
use serde_json::{Map, Value, json};

use crate::commands::Context;
use crate::error::{CliError, Result};
use crate::output::{bounds, table, to_json};
use crate::params::{check, read_json};
use crate::progress::follow;

/// `brayns load` options.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The file, on the instance's file system.
    pub path: String,
    /// The loader (`brayns loaders` lists them). Default: the one loader reading the file's
    /// extension.
    #[arg(long, value_name = "NAME")]
    pub loader: Option<String>,
    /// Loader properties set over the loader's defaults: JSON text, `@FILE` or `-`.
    #[arg(long, value_name = "JSON")]
    pub properties: Option<String>,
}

/// Loads the file and prints the models.
pub async fn run(args: &LoadArgs, context: &Context<'_>) -> Result<()> {
    let overrides = match &args.properties {
        Some(text) => match read_json(text, "--properties")? {
            Value::Object(map) => map,
            other => {
                return Err(CliError::Usage(format!(
                    "--properties must be a JSON object, not {other}"
                )));
            }
        },
        None => Map::new(),
    };
    let brayns = context.connection.connect().await?;
    let loader = choose_loader(&brayns, args).await?;
    let mut properties = defaults(&loader.input_parameters_schema);
    properties.extend(overrides);
    let params = json!({
        "path": args.path,
        "loader_name": loader.name,
        "loader_properties": properties,
    });
    check("add-model", Some(&params))?;
    let task = brayns
        .rpc()
        .start_task(Request::new("add-model").params_value(params))?;
    let task = brayns_sdk::Task::new(
        task,
        |response| Ok(response.decode::<Vec<ModelInstance>>()?),
    );
    let models = follow(task, "add-model", &context.interrupt).await?;
    let json = to_json(&models, "add-model: the models")?;
    context.printer.print(&json, |_| {
        let rows: Vec<Vec<String>> = models
            .iter()
            .map(|model| {
                vec![
                    model.model_id.to_string(),
                    model.model_type.clone(),
                    bounds(&model.bounds),
                ]
            })
            .collect();
        format!(
            "loaded {} with {}\n{}",
            args.path,
            loader.name,
            table(&["ID", "TYPE", "BOUNDS"], &rows)
        )
    });
    Ok(())
}

/// The loader asked for, or the only one of the instance reading the file.
async fn choose_loader(brayns: &Brayns, args: &LoadArgs) -> Result<Loader> {
    match &args.loader {
        Some(name) => named_loader(brayns, name).await,
        None => loader_for_file(brayns, &args.path).await,
    }
}

/// The instance's loader called `name`.
async fn named_loader(brayns: &Brayns, name: &str) -> Result<Loader> {
    let loaders = brayns.get_loaders().await?;
    let names: Vec<&str> = loaders.iter().map(|loader| loader.name.as_str()).collect();
    let known = names.join(", ");
    loaders
        .into_iter()
        .find(|loader| loader.name == name)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "the instance has no loader '{name}'; it has: {known}"
            ))
        })
}

/// The one loader of the instance that reads `path` (by its extension).
async fn loader_for_file(brayns: &Brayns, path: &str) -> Result<Loader> {
    let candidates = brayns.loaders_for_file(path).await?;
    match <[Loader; 1]>::try_from(candidates) {
        Ok([only]) => Ok(only),
        Err(candidates) if candidates.is_empty() => Err(CliError::Usage(format!(
            "no loader of the instance reads '{path}'; choose one with --loader (`brayns loaders` lists them)"
        ))),
        Err(candidates) => {
            let names: Vec<String> = candidates.into_iter().map(|loader| loader.name).collect();
            Err(CliError::Usage(format!(
                "several loaders read '{path}' ({}); choose one with --loader",
                names.join(", ")
            )))
        }
    }
}

/// The `default` of each property of a loader's params schema.
fn defaults(schema: &Map<String, Value>) -> Map<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, property)| Some((key.clone(), property.get("default")?.clone())))
        .collect()
}
