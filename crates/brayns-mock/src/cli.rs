//! The binary's command line: `braynsService`'s own (Brayns 3.10.1, `brayns/parameters/`), read
//! with the rules of its parser (`brayns/parameters/argv/ArgvParser.cpp`), plus the mock's own
//! options under the same rules. Only the binary uses this module.
//!
//! The rules, from the parser: every option is `--name value` (no `--name=value`, no bare flags,
//! so booleans are `true`/`false`/`1`/`0`); an option may be given once unless it makes a list
//! (`--plugin`, `--latency`, `--malformed-frame`); a value made of several numbers is one argument
//! with the numbers separated by single spaces (`--window-size '1920 1080'`); numbers are read
//! the way `std::istream >> double` reads them (a valid prefix is enough: `12abc` is 12) and
//! checked against the option's bounds. The first problem ends the parse with its message.

use std::collections::HashMap;
use std::fmt::Write as _;

/// What an option's value is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    String,
    Boolean,
    Integer,
    /// A string from this list.
    Enum(&'static [&'static str]),
}

impl Kind {
    /// The type name the help prints (`ArgvType.h`; an enumeration is a string there).
    fn name(self) -> &'static str {
        match self {
            Kind::String | Kind::Enum(_) => "string",
            Kind::Boolean => "boolean",
            Kind::Integer => "integer",
        }
    }
}

/// One option, with the attributes `ArgvProperty.h` gives it.
#[derive(Debug, Clone, Copy)]
struct Property {
    name: &'static str,
    kind: Kind,
    description: &'static str,
    /// The value the help shows when the option is not given.
    default: &'static str,
    /// Several values in one argument, separated by spaces.
    multitoken: bool,
    /// Given several times, it makes a list.
    composable: bool,
    minimum: Option<f64>,
    maximum: Option<f64>,
    min_items: Option<usize>,
    max_items: Option<usize>,
}

/// Log levels, in the order of `EnumReflector<LogLevel>` (`brayns/utils/Log.cpp`).
const LOG_LEVELS: &[&str] = &[
    "trace", "debug", "info", "warn", "warning", "error", "critical", "off",
];

// Type limits as the parser stores them: `std::numeric_limits<T>` converted to double.
const U32_MAX: f64 = 4_294_967_295.0;
const USIZE_MAX: f64 = 18_446_744_073_709_551_615.0;
const I64_MAX: f64 = 9_223_372_036_854_775_807.0;
/// The mock's own counts and durations stop at 2^53, the last integer a double holds exactly.
const EXACT_MAX: f64 = 9_007_199_254_740_992.0;

/// A scalar, as `ArgvReflector<T>` makes it: exactly one value.
const fn scalar(name: &'static str, kind: Kind, description: &'static str) -> Property {
    Property {
        name,
        kind,
        description,
        default: "",
        multitoken: false,
        composable: false,
        minimum: None,
        maximum: None,
        min_items: Some(1),
        max_items: Some(1),
    }
}

const fn default(mut property: Property, value: &'static str) -> Property {
    property.default = value;
    property
}

const fn bounds(mut property: Property, minimum: f64, maximum: f64) -> Property {
    property.minimum = Some(minimum);
    property.maximum = Some(maximum);
    property
}

/// A list given as `--name a --name b` (`ArgvBuilder::composable`).
const fn composable(name: &'static str, description: &'static str) -> Property {
    Property {
        name,
        kind: Kind::String,
        description,
        default: "",
        multitoken: false,
        composable: true,
        minimum: None,
        maximum: None,
        min_items: None,
        max_items: None,
    }
}

/// `braynsService`'s options in the order its help lists them: `ParametersManager::forEach`
/// visits simulation (none), application (`ApplicationParameters.cpp`) then network
/// (`NetworkParameters.cpp`) parameters.
const BRAYNS: &[Property] = &[
    composable("plugin", "Plugins libraries to load"),
    default(
        scalar("log-level", Kind::Enum(LOG_LEVELS), "Log level"),
        "info",
    ),
    Property {
        name: "window-size",
        kind: Kind::Integer,
        description: "Viewport size",
        default: "800 600",
        multitoken: true,
        composable: false,
        minimum: Some(64.0),
        maximum: Some(U32_MAX),
        min_items: Some(2),
        max_items: Some(2),
    },
    default(
        scalar("client", Kind::Boolean, "Enable client mode"),
        "false",
    ),
    default(scalar("secure", Kind::Boolean, "Enable SSL"), "false"),
    default(
        bounds(
            scalar(
                "max-clients",
                Kind::Integer,
                "Max simultaneous connections (braynsService's default is 2)",
            ),
            0.0,
            USIZE_MAX,
        ),
        // Scripts and benchmarks have long relied on the mock taking any number of clients.
        "unlimited",
    ),
    scalar("uri", Kind::String, "Server URI (host:port)"),
    default(
        bounds(
            scalar(
                "reconnection-period",
                Kind::Integer,
                "Client mode reconnection period in ms",
            ),
            0.0,
            I64_MAX,
        ),
        "300",
    ),
    scalar(
        "private-key-file",
        Kind::String,
        "Private key file path if secure",
    ),
    scalar(
        "private-key-passphrase",
        Kind::String,
        "Private key password if any",
    ),
    scalar(
        "certificate-file",
        Kind::String,
        "Server or client certificate",
    ),
    scalar(
        "ca-location",
        Kind::String,
        "File or folder of additional CA",
    ),
];

/// The mock's own options (not in `braynsService`).
const EXTENSIONS: &[Property] = &[
    scalar(
        "api",
        Kind::String,
        "Snapshot directory (registry.json, version.json, loaders.json, entrypoints/); \
         default: the Brayns 3.10.1 snapshot embedded in the binary",
    ),
    default(
        scalar(
            "host",
            Kind::String,
            "IP address to listen on when --uri is not given",
        ),
        "127.0.0.1",
    ),
    default(
        bounds(
            scalar(
                "port",
                Kind::Integer,
                "Port to listen on when --uri is not given (0: any free port; the stdout line \
                 tells which)",
            ),
            0.0,
            65_535.0,
        ),
        "5000",
    ),
    default(
        bounds(
            scalar(
                "max-models",
                Kind::Integer,
                "Most models the scene holds at once; more are an error (-32603)",
            ),
            0.0,
            EXACT_MAX,
        ),
        "10000",
    ),
    composable(
        "latency",
        "Extra latency of a method, as METHOD=MILLISECONDS",
    ),
    bounds(
        scalar(
            "drop-after-messages",
            Kind::Integer,
            "Drop each connection when the client sends its (N+1)-th message",
        ),
        0.0,
        EXACT_MAX,
    ),
    composable(
        "malformed-frame",
        "Reply to METHOD with a malformed frame, as METHOD=KIND with KIND one of invalid-utf8, \
         invalid-json, reserved-opcode, truncated-binary-header",
    ),
    bounds(
        scalar(
            "refuse-connections-for",
            Kind::Integer,
            "Refuse connections for this many milliseconds after start",
        ),
        0.0,
        EXACT_MAX,
    ),
    bounds(
        scalar(
            "binary-payload-size",
            Kind::Integer,
            "Send a filler payload of this many bytes instead of encoding images (benchmarks)",
        ),
        0.0,
        EXACT_MAX,
    ),
    default(
        bounds(
            scalar(
                "progress-steps",
                Kind::Integer,
                "Progress steps of async entrypoints",
            ),
            0.0,
            U32_MAX,
        ),
        "3",
    ),
    default(
        bounds(
            scalar(
                "step-duration",
                Kind::Integer,
                "Duration of one simulated step of an async entrypoint, in milliseconds",
            ),
            0.0,
            EXACT_MAX,
        ),
        "2",
    ),
    default(
        bounds(
            scalar(
                "worker-threads",
                Kind::Integer,
                "Runtime threads; 1 serves everything on one thread (lowest latency per \
                 request), more let busy connections read and write in parallel",
            ),
            0.0,
            1024.0,
        ),
        "1",
    ),
];

/// One parsed value (`ArgvValue.h`; no 3.10.1 option is a floating-point number).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    String(String),
    Boolean(bool),
    Integer(i64),
}

impl Value {
    /// As Brayns prints a value in its start-up log and help (`ArgvStringifier`).
    fn stringify(&self) -> String {
        match self {
            Value::String(text) => text.clone(),
            Value::Boolean(value) => value.to_string(),
            Value::Integer(value) => value.to_string(),
        }
    }
}

/// The values given, by option name; every option given has at least one value.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    values: HashMap<&'static str, Vec<Value>>,
}

impl Parsed {
    pub(crate) fn given(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub(crate) fn string(&self, name: &str) -> Option<&str> {
        match self.values.get(name)?.first()? {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn strings(&self, name: &str) -> Vec<String> {
        self.values
            .get(name)
            .into_iter()
            .flatten()
            .map(Value::stringify)
            .collect()
    }

    pub(crate) fn boolean(&self, name: &str) -> Option<bool> {
        match self.values.get(name)?.first()? {
            Value::Boolean(value) => Some(*value),
            _ => None,
        }
    }

    /// The integers of an integer option (one for a scalar).
    pub(crate) fn integers(&self, name: &str) -> Vec<i64> {
        self.values
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|value| match value {
                Value::Integer(value) => Some(*value),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn integer(&self, name: &str) -> Option<i64> {
        self.integers(name).first().copied()
    }

    /// `'name' = 'value'` for every `braynsService` option, given or not: what Brayns logs at
    /// start (`LoggingStartup::_logParameters` in `brayns/Brayns.cpp`).
    pub(crate) fn brayns_values(&self) -> Vec<(&'static str, String)> {
        BRAYNS
            .iter()
            .map(|property| {
                let value = match self.values.get(property.name) {
                    Some(values) => values
                        .iter()
                        .map(Value::stringify)
                        .collect::<Vec<_>>()
                        .join(" "),
                    None => property.default.to_owned(),
                };
                (property.name, value)
            })
            .collect()
    }
}

/// Parses `args` (the program name first, as in `argv`) as `ArgvParser::parse` does; the error
/// is the parser's message.
pub(crate) fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut index = 1;
    while index < args.len() {
        let token = &args[index];
        let Some(key) = token.strip_prefix("--") else {
            return Err(format!("Unknown positional argument '{token}'"));
        };
        // The value is looked for before the name is: a last `--unknown` has no value first.
        if index + 1 >= args.len() {
            return Err(format!("No value for keyword argument '{key}'"));
        }
        let property = find(key).ok_or_else(|| format!("Unknown keyword argument '{key}'"))?;
        let value = &args[index + 1];
        index += 2;
        let values = parsed.values.entry(property.name).or_default();
        if !values.is_empty() && !property.composable {
            return Err(format!("Duplicated keyword argument '{}'", property.name));
        }
        let tokens: Vec<&str> = if property.multitoken {
            value.split(' ').collect()
        } else {
            vec![value.as_str()]
        };
        for token in tokens {
            values.push(parse_value(property, token)?);
        }
        check_item_count(property, values.len())?;
    }
    Ok(parsed)
}

fn find(name: &str) -> Option<&'static Property> {
    BRAYNS
        .iter()
        .chain(EXTENSIONS)
        .find(|property| property.name == name)
}

/// One token, tried as the parser tries its value parsers: enumeration, boolean, integer,
/// (number,) string.
fn parse_value(property: &Property, token: &str) -> Result<Value, String> {
    let name = property.name;
    match property.kind {
        Kind::Enum(names) => {
            if names.contains(&token) {
                Ok(Value::String(token.to_owned()))
            } else {
                Err(format!(
                    "Invalid enum value for keyword argument '{name}': '{token}' not in [{}]",
                    names.join(", ")
                ))
            }
        }
        Kind::Boolean => match token {
            "true" | "1" => Ok(Value::Boolean(true)),
            "false" | "0" => Ok(Value::Boolean(false)),
            _ => Err(format!(
                "Invalid boolean value for keyword argument '{name}': '{token}'"
            )),
        },
        Kind::Integer => {
            let value = number(property, token)?;
            if value.floor() != value {
                return Err(format!(
                    "Invalid integer value for keyword argument '{name}': {}",
                    format_double(value)
                ));
            }
            // The parser casts to int64_t; Rust's cast saturates where C++'s would be undefined.
            Ok(Value::Integer(value as i64))
        }
        Kind::String => Ok(Value::String(token.to_owned())),
    }
}

/// `ArgvNumberExtractor::extract`: read a double, then check the bounds.
fn number(property: &Property, token: &str) -> Result<f64, String> {
    let name = property.name;
    let value = read_double(token)
        .ok_or_else(|| format!("Invalid numeric value for keyword argument '{name}': '{token}'"))?;
    if let Some(minimum) = property.minimum.filter(|minimum| value < *minimum) {
        return Err(format!(
            "Value below minimum for keyword argument '{name}': {} < {}",
            format_double(value),
            format_double(minimum)
        ));
    }
    if let Some(maximum) = property.maximum.filter(|maximum| value > *maximum) {
        return Err(format!(
            "Value above maximum for keyword argument '{name}': {} > {}",
            format_double(value),
            format_double(maximum)
        ));
    }
    Ok(value)
}

/// `ArgvItemCountValidator`: after each argument, the option's values so far.
fn check_item_count(property: &Property, count: usize) -> Result<(), String> {
    let name = property.name;
    if let Some(minimum) = property.min_items.filter(|minimum| count < *minimum) {
        return Err(format!(
            "Not enough items for keyword argument '{name}': {count} < {minimum}"
        ));
    }
    if let Some(maximum) = property.max_items.filter(|maximum| count > *maximum) {
        return Err(format!(
            "Too many items for keyword argument '{name}': {count} > {maximum}"
        ));
    }
    Ok(())
}

/// Reads a double as `std::istringstream >> double` does: leading white space is skipped, the
/// longest decimal prefix is taken and the rest ignored; no digits, or a value out of range, is
/// a failure. (`inf`, `nan` and hexadecimal forms fail, as they do with libstdc++.)
fn read_double(token: &str) -> Option<f64> {
    let text = token.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let bytes = text.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end += 1;
    }
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    };
    let integral = digits(end);
    end += integral;
    let mut fraction = 0;
    if bytes.get(end) == Some(&b'.') {
        fraction = digits(end + 1);
        end += 1 + fraction;
    }
    if integral + fraction == 0 {
        return None;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exponent = end + 1;
        if matches!(bytes.get(exponent), Some(b'+' | b'-')) {
            exponent += 1;
        }
        let count = digits(exponent);
        if count > 0 {
            end = exponent + count;
        }
    }
    let value: f64 = text[..end].parse().ok()?;
    value.is_finite().then_some(value)
}

/// A double as `std::ostream <<` prints it by default (`%g`, 6 significant digits), the form of
/// the numbers in the parser's messages: `64`, `2.5`, `4.29497e+09`.
pub(crate) fn format_double(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let scientific = format!("{value:.5e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("the e format has an exponent");
    let exponent: i32 = exponent.parse().expect("a decimal exponent");
    let trim = |text: &str| {
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text.to_owned()
        }
    };
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exponent.abs())
    } else {
        let decimals = usize::try_from(5 - exponent).unwrap_or(0);
        trim(&format!("{value:.decimals$}"))
    }
}

/// The help: `CommandLine::getHelp` (`brayns/CommandLine.cpp`) for `braynsService`'s options,
/// then the mock's own in the same form.
pub(crate) fn help(version_line: &str) -> String {
    let mut text = String::new();
    text.push_str(version_line);
    text.push_str(
        "\n\nBrayns can be configured using command line options with keyword arguments \
         (--name value).\n\nExample: brayns-mock --uri 0.0.0.0:5000 --window-size '1920 1080'\
         \n\nThe supported options are the following:",
    );
    for property in BRAYNS {
        text.push_str("\n\n");
        describe(&mut text, property);
    }
    text.push_str("\n\nbrayns-mock also accepts these options of its own (not in braynsService):");
    for property in EXTENSIONS {
        text.push_str("\n\n");
        describe(&mut text, property);
    }
    text.push_str("\n\nUse '-v' or '--version' to get version info.\n");
    text.push_str("Use '-h' or '-?' or '--help' to get the list of available commands.");
    text
}

fn describe(text: &mut String, property: &Property) {
    let _ = write!(
        text,
        "{} [{}]: {} (default = '{}').",
        property.name,
        property.kind.name(),
        property.description,
        property.default
    );
    if let Kind::Enum(names) = property.kind {
        let _ = write!(
            text,
            "\n    Enumeration: this option must be one of the following values: [{}].",
            names.join(", ")
        );
    }
    if property.multitoken {
        text.push_str(
            "\n    Multitoken: this option accepts multiple tokens grouped using quotes.",
        );
    }
    if property.composable {
        text.push_str(
            "\n    Composable: this option can be specified multiple times to make a list.",
        );
    }
    if property.multitoken || property.composable {
        if let Some(minimum) = property.min_items {
            let _ = write!(
                text,
                "\n    Minimum items: this option requires at least {minimum} items."
            );
        }
        if let Some(maximum) = property.max_items {
            let _ = write!(
                text,
                "\n    Maximum items: this option accepts at most {maximum} items."
            );
        }
    }
    if let Some(minimum) = property.minimum {
        let _ = write!(
            text,
            "\n    Minimum: the value(s) of this option must be >= {}.",
            format_double(minimum)
        );
    }
    if let Some(maximum) = property.maximum {
        let _ = write!(
            text,
            "\n    Maximum: the value(s) of this option must be <= {}.",
            format_double(maximum)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("brayns-mock")
            .chain(list.iter().copied())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn doubles_print_as_ostream_does() {
        for (value, text) in [
            (64.0, "64"),
            (2.5, "2.5"),
            (-1.0, "-1"),
            (U32_MAX, "4.29497e+09"),
            (USIZE_MAX, "1.84467e+19"),
            (123_456.0, "123456"),
            (1_234_567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (999_999.5, "1e+06"),
        ] {
            assert_eq!(format_double(value), text, "{value}");
        }
    }

    #[test]
    fn doubles_read_as_istream_does() {
        assert_eq!(read_double("12abc"), Some(12.0));
        assert_eq!(read_double("  1e3"), Some(1000.0));
        assert_eq!(read_double("1e"), Some(1.0));
        assert_eq!(read_double(".5"), Some(0.5));
        assert_eq!(read_double("-2."), Some(-2.0));
        for bad in ["", "abc", ".", "-", "inf", "nan", "1e999"] {
            assert_eq!(read_double(bad), None, "{bad}");
        }
    }

    #[test]
    fn lists_accumulate_and_scalars_do_not() {
        let parsed = parse(&args(&["--plugin", "a", "--plugin", "b"])).unwrap();
        assert_eq!(parsed.strings("plugin"), ["a", "b"]);
        assert_eq!(
            parse(&args(&["--uri", "a:1", "--uri", "b:2"])).unwrap_err(),
            "Duplicated keyword argument 'uri'"
        );
        // A multitoken value is split on single spaces: two spaces make an empty token.
        assert_eq!(
            parse(&args(&["--window-size", "100  200"])).unwrap_err(),
            "Invalid numeric value for keyword argument 'window-size': ''"
        );
    }

    #[test]
    fn brayns_values_show_defaults_and_given_values() {
        let parsed = parse(&args(&["--window-size", "100 200", "--secure", "1"])).unwrap();
        let values: HashMap<_, _> = parsed.brayns_values().into_iter().collect();
        assert_eq!(values["window-size"], "100 200");
        assert_eq!(values["secure"], "true");
        assert_eq!(values["max-clients"], "unlimited");
        assert_eq!(values["log-level"], "info");
    }
}
