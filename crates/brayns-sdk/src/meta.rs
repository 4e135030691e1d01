//! The shapes of the generated tables: what the bindings know about the snapshot's
//! methods and loaders.
//!
//! These types are the same for every snapshot, so they are written here once; the
//! generated code only fills them in (`METHODS`, `loaders::LOADERS`), through the `const`
//! constructors below (the types are `#[non_exhaustive]`, so bindings compiled in another
//! crate cannot use struct literals).

/// What the bindings know about one method, for tooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MethodInfo {
    /// The method's wire name (`get-version`).
    pub name: &'static str,
    /// The plugin registering it (`Core`, `Circuit Explorer`...).
    pub plugin: &'static str,
    /// The schema description.
    pub description: &'static str,
    /// Whether it runs as a task with progress and cancel.
    pub is_async: bool,
    /// Whether the server marks it deprecated.
    pub deprecated: bool,
    /// Whether it takes params (otherwise they must be absent).
    pub has_params: bool,
    /// Whether it returns a result (otherwise `null`).
    pub has_result: bool,
    /// Whether the request carries a binary payload.
    pub binary_request: bool,
    /// Whether the reply may carry a binary payload.
    pub binary_reply: bool,
}

impl MethodInfo {
    /// A sync method without params, result or binary payload; the `with_*` methods add
    /// what it has.
    pub const fn new(name: &'static str, plugin: &'static str, description: &'static str) -> Self {
        Self {
            name,
            plugin,
            description,
            is_async: false,
            deprecated: false,
            has_params: false,
            has_result: false,
            binary_request: false,
            binary_reply: false,
        }
    }

    /// Runs as a task.
    pub const fn with_async(mut self) -> Self {
        self.is_async = true;
        self
    }

    /// Marked deprecated.
    pub const fn with_deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// Takes params.
    pub const fn with_params(mut self) -> Self {
        self.has_params = true;
        self
    }

    /// Returns a result.
    pub const fn with_result(mut self) -> Self {
        self.has_result = true;
        self
    }

    /// The request carries a binary payload.
    pub const fn with_binary_request(mut self) -> Self {
        self.binary_request = true;
        self
    }

    /// The reply may carry a binary payload.
    pub const fn with_binary_reply(mut self) -> Self {
        self.binary_reply = true;
        self
    }
}

/// What `get-loaders` says about one loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoaderInfo {
    /// The loader name, as `loader_name` takes it.
    pub name: &'static str,
    /// The plugin providing the loader (`None` for servers older than 3.5).
    pub plugin: Option<&'static str>,
    /// The file extensions (or file names) the loader reads.
    pub extensions: &'static [&'static str],
    /// Whether the loader can read uploaded bytes (`None` for servers older than 3.5).
    pub binary: Option<bool>,
}

impl LoaderInfo {
    /// A loader as servers older than 3.5 describe it: a name and extensions.
    pub const fn new(name: &'static str, extensions: &'static [&'static str]) -> Self {
        Self {
            name,
            plugin: None,
            extensions,
            binary: None,
        }
    }

    /// The plugin providing it.
    pub const fn with_plugin(mut self, plugin: &'static str) -> Self {
        self.plugin = Some(plugin);
        self
    }

    /// Whether it reads uploaded bytes.
    pub const fn with_binary(mut self, binary: bool) -> Self {
        self.binary = Some(binary);
        self
    }
}
