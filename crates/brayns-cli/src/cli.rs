//! The command line: global options and one subcommand per job, with their help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::connection::ConnectionArgs;
use crate::output::OutputArgs;

/// Printed after the main `--help`: the exit codes scripts can rely on.
const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    other failure: a params or image file unreadable or unwritable, an answer that makes no sense
  2    usage error: bad arguments or --uri, unparsable JSON, unknown image extension or --loader, no single loader for the file
  3    connection error: refused, TLS (an unreadable --ca-file included), timeout, connection lost
  4    the server answered an error: its code and message are printed, then its data
  5    unknown method or invalid params, found before sending (with Brayns' own messages)
  6    the instance's release is refused by --version-check
  7    `brayns diff` found differences
  130  interrupted by Ctrl-C (a running task is cancelled on the server first)

Errors are one line on stderr starting with `brayns:`, followed by the server's data
(one problem per line) when it sent some. Results go to stdout.";

const ABOUT: &str = "Talk to a Brayns instance from the shell: list and call its methods, render \
images, load files, compare its schemas with the SDK's";

const LONG_ABOUT: &str = "\
Talk to a Brayns instance (braynsService) from the shell: discover its methods and their \
schemas, call any of them with params checked locally first, render snapshots, load files, \
and compare its schemas with the ones this tool was built with. `brayns mock` starts a \
stand-in instance, so every command can be tried without Brayns.

Output is JSON (one document per line) when stdout is not a terminal, and human-readable on \
a terminal; choose with --output.

Examples:
  brayns mock &                                # a stand-in instance on localhost:5000
                                               # (commands retry for ~3 s while it starts)
  brayns methods camera                        # methods whose name contains `camera`
  brayns schema get-camera-view                # params and result of a method
  brayns call get-camera-view                  # call it; JSON when piped
  brayns call set-camera-view '{\"position\": [0, 0, 10], \"target\": [0, 0, 0], \"up\": [0, 1, 0]}'
  brayns snapshot -o image.png --size 1920x1080
  BRAYNS_URI=bbpv1:5000 brayns version";

/// `brayns`: the whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "brayns",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    /// Where and how to connect.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// How to print results and logs.
    #[command(flatten)]
    pub output: OutputArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the instance's methods, with their plugin and flags.
    #[command(long_about = "\
List the methods of the instance (or, with --offline, of the schemas built into this tool): \
name, plugin, and whether each is async (a task with progress and cancel) or deprecated.

Examples:
  brayns methods                       # every method
  brayns methods model                 # names containing `model`
  brayns methods --plugin Circuit      # plugins whose name contains `Circuit`
  brayns methods --offline --output json | jq -r '.[].name'")]
    Methods(commands::methods::MethodsArgs),

    /// Show a method's params and result schemas.
    #[command(long_about = "\
Show a method's description, flags, params schema and result schema, as the instance \
reports them (`schema` entrypoint), or with --offline as built into this tool.

Examples:
  brayns schema snapshot
  brayns schema add-model --offline --output json | jq .params")]
    Schema(commands::schema::SchemaArgs),

    /// Show the instance's release and this tool's.
    #[command(long_about = "\
Show the Brayns release of the instance (`get-version`), the release this tool's SDK was \
generated from, and this tool's version.

Example:
  brayns --uri bbpv1:5000 version")]
    Version,

    /// List the instance's loaders and the files they read.
    #[command(long_about = "\
List the instance's loaders (`get-loaders`): name, plugin, the file extensions each reads, \
and whether it reads uploaded bytes.

Example:
  brayns loaders --output json | jq -r '.[].name'")]
    Loaders,

    /// Call any method with JSON params, checked locally before sending.
    #[command(long_about = "\
Call a method with params given as JSON text, as `@FILE`, or as `-` (read from stdin). \
The params are first checked against the schema built into this tool, with the messages \
Brayns itself gives, so a typo costs no round trip (exit code 5); --no-validate sends them as \
they are (for a method this tool does not know).

Async methods show a progress bar on a terminal; Ctrl-C cancels the task on the server, \
waits for its end and exits with 130. A binary reply (an image) is written with \
--binary-out; --binary-in sends a file's bytes as the request's binary payload.

Examples:
  brayns call get-version
  brayns call get-camera-view --output pretty
  brayns call set-camera-view @view.json
  echo '{\"path\": \"/data/cell.swc\", \"loader_name\": \"Neuron morphology loader\", \"loader_properties\": {}}' | brayns call add-model -
  brayns call snapshot '{\"image_settings\": {\"format\": \"png\"}}' --binary-out image.png
  brayns call upload-model '{\"type\": \"ply\", \"loader_name\": \"mesh\", \"loader_properties\": {}}' --binary-in mesh.ply")]
    Call(commands::call::CallArgs),

    /// Render a snapshot and save it (PNG or JPEG, from the extension).
    #[command(long_about = "\
Render a snapshot (`snapshot`) and save it on this machine; the format comes from the file \
extension (.png, .jpg, .jpeg). Unset options are the instance's own (viewport size, current \
camera and renderer). Progress shows on a terminal; Ctrl-C cancels the render.

--camera and --renderer take the SDK's form, `{\"name\": TYPE, \"params\": {...}}`, with the \
params of the matching `set-camera-TYPE` / `set-renderer-TYPE` method.

Examples:
  brayns snapshot -o image.png
  brayns snapshot -o frame.jpg --size 1920x1080 --quality 90
  brayns snapshot -o image.png --renderer '{\"name\": \"production\", \"params\": {\"samples_per_pixel\": 64}}'")]
    Snapshot(commands::snapshot::SnapshotArgs),

    /// Render the current frame (`render-image`) and save it.
    #[command(long_about = "\
Render the current frame with the instance's viewport (`render-image`, forced so an image \
always comes back) and save it; the format comes from the extension (.png, .jpg, .jpeg).

Example:
  brayns render -o frame.jpg --quality 80")]
    Render(commands::render::RenderArgs),

    /// Load a file (on the instance's side) as models, with progress.
    #[command(long_about = "\
Load a file from the instance's file system (`add-model`). Without --loader the loader is \
the one of the instance's loaders that reads the file's extension (it must be exactly one). \
The properties start from the loader's defaults; --properties sets some over them. \
Progress shows on a terminal; Ctrl-C cancels the load.

Examples:
  brayns load /data/cell.swc
  brayns load /gpfs/circuit/BlueConfig --loader 'BBP loader' --properties '{\"percentage\": 0.1}'")]
    Load(commands::load::LoadArgs),

    /// Show the scene: its bounds and models.
    #[command(long_about = "\
Show the scene (`get-scene`): its bounds, and each model's id, type, visibility and bounds.

Example:
  brayns scene --output json | jq '.models | length'")]
    Scene,

    /// Compare the instance's schemas with the ones this tool was built with.
    #[command(long_about = "\
Fetch every schema of the instance and compare them with the ones built into this tool (the \
SDK's `verify_schemas`): methods added, removed or changed (and which part), and loaders. \
Exits with 7 when there are differences, 0 when there are none.

Example:
  brayns diff || echo \"this instance is not the release the tool was built for\"")]
    Diff,

    /// Start a stand-in Brayns instance (the embedded mock) in the foreground.
    #[command(long_about = "\
Start the embedded mock in the foreground: a stand-in braynsService serving the schemas \
built into this tool, so every command can be tried without Brayns. It prints \
`listening on ws://HOST:PORT` on stdout once it listens, and stops on Ctrl-C (exit 0). \
--port 0 picks a free port.

Examples:
  brayns mock
  brayns mock --port 0 --progress-steps 20 --step-ms 200   # slow tasks, to try Ctrl-C")]
    Mock(commands::mock::MockArgs),

    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(long_about = "\
Print the completion script for a shell on stdout.

Examples:
  brayns completions bash > ~/.local/share/bash-completion/completions/brayns
  brayns completions zsh > \"${fpath[1]}/_brayns\"
  brayns completions fish > ~/.config/fish/completions/brayns.fish")]
    Completions(CompletionsArgs),
}

/// `brayns completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// An output file argument, shared by `snapshot` and `render`.
#[derive(Debug, Args)]
pub struct ImageOutput {
    /// The image file to write (.png, .jpg or .jpeg).
    #[arg(short, long, value_name = "FILE")]
    pub output_file: PathBuf,
    /// JPEG quality, 0 to 100 (PNG ignores it).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub quality: Option<u8>,
}
