//! One module per subcommand; [`run`] dispatches.

pub mod call;
pub mod completions;
pub mod diff;
pub mod load;
pub mod loaders;
pub mod methods;
pub mod mock;
pub mod render;
pub mod scene;
pub mod schema;
pub mod snapshot;
pub mod version;

use crate::cli::Command;
use crate::connection::ConnectionArgs;
use crate::error::{Result, code};
use crate::interrupt::Interrupt;
use crate::output::Printer;

/// What every command gets: how to connect, how to print, and Ctrl-C.
pub struct Context<'a> {
    /// The connection options.
    pub connection: &'a ConnectionArgs,
    /// Where results go.
    pub printer: Printer,
    /// Ctrl-C, for commands running tasks.
    pub interrupt: Interrupt,
}

/// Runs `command`; gives the exit code of a command that did its job (0, or 7 for `diff`
/// finding differences).
pub async fn run(command: &Command, context: &Context<'_>) -> Result<u8> {
    match command {
        Command::Methods(args) => methods::run(args, context).await?,
        Command::Schema(args) => schema::run(args, context).await?,
        Command::Version => version::run(context).await?,
        Command::Loaders => loaders::run(context).await?,
        Command::Call(args) => call::run(args, context).await?,
        Command::Snapshot(args) => snapshot::run(args, context).await?,
        Command::Render(args) => render::run(args, context).await?,
        Command::Load(args) => load::run(args, context).await?,
        Command::Scene => scene::run(context).await?,
        Command::Diff => return diff::run(context).await,
        Command::Mock(args) => mock::run(args, context).await?,
        Command::Completions(args) => completions::run(args),
    }
    Ok(code::OK)
}
