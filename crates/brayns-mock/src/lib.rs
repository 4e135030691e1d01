//! A schema-driven stand-in Brayns instance, for tests, examples and benchmarks.
//!
//! [`MockServer`] behaves like a Brayns 3.10.1 `braynsService` on the wire
//! (`docs/PROTOCOL.md`): it serves a schema snapshot directory (by default the 3.10.1
//! snapshot embedded in this crate), validates requests in the server's order with its exact
//! codes, messages and `data` strings, runs one request at a time across all clients, sends
//! progress for async entrypoints and honours `cancel`, replies with binary frames carrying real
//! PNG/JPEG images, keeps a scene, camera and renderer state, and can inject faults.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = brayns_mock::MockServer::builder().start().await?;
//! println!("connect to ws://{}", mock.uri());
//! mock.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! What it answers:
//! - `registry`, `schema`, `get-version`, `get-loaders`: the snapshot files, compact, keys in
//!   file order; `registry` sorted (Brayns leaves its order unspecified). With
//!   [`MockServerBuilder::plugins`] (`--plugin`) only Core's entrypoints and loaders and those of
//!   the plugins named are served, as `brayns/PluginManager.cpp` loads them.
//! - Models (`add-*`, `add-model`, `upload-model`, `instantiate-model`, `visualize-atlas-usecase`)
//!   get ids as Brayns' `IDFactory` gives them, are listed by `get-scene` / `get-model`, updated
//!   by `update-model` and removed by `remove-model` / `clear-*`, with the server's errors, info,
//!   bounds, color ramps, color methods and materials. `add-model` reads the file it is given.
//! - `set-X` changes what `get-X` returns, with the engine's checks on the values;
//!   `set-camera-*` / `set-renderer-*` switch the camera / renderer type.
//! - `SEMANTICS.md`, next to this crate's `Cargo.toml`, lists every entrypoint as compared
//!   with the Brayns 3.10.1 source: what follows it, and what is not modelled and why.
//! - `snapshot` (no `file_path`) and `render-image` (`send` and a new frame or `force`) reply with a
//!   binary frame holding a real PNG/JPEG picture of the scene (see "Pictures" below) of the
//!   requested size (default: the viewport, 800x600), or a filler payload of
//!   [`MockServerBuilder::binary_payload_size`] bytes (nothing is drawn then).
//!   `render-image` renders a new frame per call until the renderer's samples per pixel are
//!   accumulated; any change starts over. With `file_path`, `snapshot` and `export-gbuffers`
//!   write the file on the mock's machine, as the server writes it on its own.
//! - The `renderer` and `camera` objects of `snapshot` and `export-gbuffers` are checked as the
//!   server's engine factories check them, before anything renders: a known type (a
//!   `set-renderer-<name>` / `set-camera-<name>` method) needs `params` valid against that
//!   method's schema (-32602 `Invalid engine JSON schema`, with the problems as `data`), an
//!   unknown name is -32603 `Unknown type name <name>`, an empty name keeps the current object.
//! - `inspect` picks what the current camera sees at the normalized screen position, with the
//!   pictures' tracer (below): the camera's ray through that position (image region and near
//!   clip applied, so (0, 0) is the top left of the image under the default region), the
//!   nearest visible model (clipping applied) answered with the world position hit, its id and
//!   `{}` as metadata; nothing hit answers `{"hit": false, "position": [0, 0, 0],
//!   "model_id": 0, "metadata": null}`, as Brayns' defaults give it.
//! - Every other entrypoint answers a deterministic [`sample`] of its `returns` schema, or `null`.
//! - A result built from the state that its `returns` schema rejects (a snapshot the mock was
//!   not written for) is replaced by a sample, with a warning; with
//!   [`MockServerBuilder::strict_results`] it is an internal error (-32603) instead.
//! - Async entrypoints send [`MockServerBuilder::progress_steps`] progress messages, polling for
//!   cancellation and disconnection between steps of [`MockServerBuilder::step_duration`].
//!
//! Deliberate differences from the real server:
//! - `cancel` is handled the moment it arrives, even while a sync request runs (the server
//!   handles it at the next poll of an async task, or when the queue drains).
//! - Validation (PROTOCOL §4 steps 0–6) runs on each connection's task as frames arrive, so its
//!   errors go out at once, even while a sync request runs: ahead of that request's reply,
//!   whether the same client or another one sent it. The server validates on its main thread,
//!   which reads frames only between requests and at the polls of async tasks, so there an
//!   error waits until the running sync request (and the queue after it) is done. Requests
//!   still queued are overtaken in both. The messages are the same; only their timing differs.
//! - `Invalid JSON: '<text>'` carries serde_json's parser message, not Poco's.
//! - `No requests found with ID <N>.` prints a made-up connection handle (the server prints an
//!   address).
//! - Of the files loaders read, only meshes and raw volumes are parsed (see `SEMANTICS.md` for
//!   what else is not modelled). Pictures are a stand-in of the renderer (below): of the
//!   renderer object of a snapshot only the background color is used, and every accumulated
//!   frame is the same picture.
//! - Sizes a request asks for are bounded, so no request can exhaust the memory of the process
//!   (often a user's whole test binary): an image over 8192 x 8192 RGB pixels (or 65 535 pixels
//!   per edge), g-buffers over the same byte count (4 bytes per pixel and distinct channel), and
//!   a scene over [`MockServerBuilder::max_models`] models answer -32603 with a message naming
//!   the mock's limit; the server would try, and could run out of memory.
//!
//! Pictures (`snapshot`, `render-image`, `export-gbuffers`) show the scene as the camera sees
//! it, so a test can check framing and colors by pixels:
//! - Cameras as Brayns 3.10.1 sets up OSPRay's: perspective (`fovy` vertical, in degrees),
//!   orthographic (`height` of the view in world units), the cylindric plugin's 180-degree
//!   panorama; the view (looking from `position` to `target`, `up` made orthogonal), near clip
//!   (rays start that far), image region (normalized, Brayns' default start (0, 1) and end
//!   (1, 0)), aspect from the resolution; pixel (0, 0) is the top left of the image. A request's
//!   `camera`, `camera_view`, `camera_near_clip`, `image_start`, `image_end` and `renderer`
//!   override the current ones for that picture.
//! - `add-*` primitives (spheres, boxes, capsules, planes, bounded planes) in their own colors,
//!   placed by their model's transform (`update-model`, `instantiate-model`), under a light at
//!   the camera: `color × (0.25 + 0.75 cos θ)`, θ between the ray and the surface normal, and
//!   opaque. Loaded models (and atlas use cases), which the mock cannot draw, are the box of
//!   their bounds, in light grey. Hidden models (`is_visible` false) are not drawn.
//! - Clipping models (`add-clip-plane`, `add-clipping-*`) remove what is inside a sphere, box
//!   or capsule, or behind a plane (the side its normal points away from); `invert_normals`
//!   switches the side.
//! - Where nothing is hit: the renderer's `background_color`, alpha included in PNG (Brayns
//!   encodes its RGBA framebuffer); JPEG has no alpha.
//! - `export-gbuffers`: an uncompressed float OpenEXR as Brayns writes it (one part per channel,
//!   named after it, when several are asked): color (RGBA), depth (distance along the ray,
//!   infinite on the background), normal (world space) and albedo (the primitive's color).
//!
//! Not modelled in pictures: lights (the light at the camera replaces them), materials,
//! shadows, ambient occlusion, samples and accumulation (every frame is final), depth of field
//! (`aperture_radius`), tone mapping and sRGB encoding (colors are written as given × 255),
//! color alpha (hits are opaque), meshes, volumes and circuits (their bounds box instead, for
//! `inspect` too: a circuit picked gives `{}`, not Brayns' `neuron_id`), and
//! the exact shape of capsules with different radii (a cone between the end points and the
//! two end spheres; OSPRay's round curve is tangent to the spheres).
//!
//! Deliberate differences of the `brayns-mock` binary from `braynsService`'s command line
//! (Brayns 3.10.1, `brayns/parameters/`; the binary's tests in `tests/cli.rs` check the rest):
//! - The log, and the `[critical][HH:MM:SS] Fatal error: '...'.` line, go to stderr (Brayns
//!   logs to stdout): the mock's stdout carries only its `listening on` line, which launchers
//!   and tests read. The clock in that line is UTC (spdlog prints local time). `--log-level
//!   critical` filters as `error` (tracing has no critical level).
//! - Without `--uri` the mock listens on `--host`:`--port` (`127.0.0.1:5000`), as it always
//!   has; Brayns fails with "Trying to run a service without URI". `--uri` together with
//!   `--host` or `--port` is refused.
//! - `--max-clients` defaults to unlimited (Brayns: 2), for the scripts and benchmarks that
//!   relied on it. Connections over the limit all wait in the upgrade; Poco queues as many as
//!   the limit and closes the rest. `--max-clients 0` fails as in Brayns (Poco asserts a
//!   positive thread count), with the path of Poco's source file in the message shortened.
//! - `--plugin Core` is accepted and loads nothing (Core is built in): Brayns would look for
//!   `libCore.so` and fail. A loader-only plugin (`braynsDTI`, `braynsMoleculeExplorer`) named
//!   twice lists its loaders once; Brayns registers them twice.
//! - `--client true` (reverse mode, `ClientSocket.cpp`) is refused at start with a reason: the
//!   mock only serves. `--reconnection-period` is checked and otherwise unused.
//! - `--secure true` without a certificate file stops the start-up; Brayns starts and then
//!   fails every handshake.
//! - Password-protected keys must be PKCS#8 PBES2 (`BEGIN ENCRYPTED PRIVATE KEY`, PBKDF2 with
//!   HMAC-SHA256 or scrypt, AES-CBC or 3DES: what `openssl pkcs8 -topk8` writes, and what
//!   Brayns' own test key uses). The legacy OpenSSL form (`Proc-Type: 4,ENCRYPTED`) and
//!   PBKDF2 with HMAC-SHA1 are refused at start, saying so; OpenSSL reads both.
//! - `--ca-location` is only checked (a file of PEM certificates, or a directory), as Poco's
//!   `Context` loads it. Neither server asks clients for a certificate, but OpenSSL may also use
//!   those CAs to complete the chain it sends; the mock sends the certificate file as it is.
//! - A `--uri` naming a Unix socket path (Poco accepts one) is not modelled.
//! - `--version` prints Brayns' line for the version of the snapshot served (`--api`), not a
//!   version of the mock, so a launcher checking the version learns which API it gets.
//! - Integers beyond 2^63 saturate where Brayns' cast from double is undefined.

mod config;
pub mod conformance;
mod connection;
mod executor;
mod handlers;
mod image;
mod jsonrpc;
mod picture;
mod plugins;
mod sample;
mod server;
mod snapshot;
mod task_log;
mod tls;
mod validate;
mod validate_raw;
mod wire;

pub use brayns_snapshot::{Entrypoint, Loader};
pub use config::MalformedFrame;
pub use jsonrpc::codes;
pub use sample::{sample, sample_request, samples, samples_request};
pub use server::{BackgroundMockServer, MockServer, MockServerBuilder, StartError};
pub use snapshot::{Snapshot, SnapshotError};
pub use task_log::{TaskEvent, TaskLog, TaskOutcome};
pub use validate::{ParamsRefusal, check_params, format_number, validate, validate_reply};
