//! Rust names for schema things: types, fields, variants, methods and modules.
//!
//! Rules, in the order they apply to a named type:
//! 1. Its base is its title, kept verbatim when it is already an `UpperCamel` identifier
//!    (`BBPLoaderParameters`), otherwise made one (`GeometryWithColor<Box>` becomes
//!    `GeometryWithColorBox`). Untitled types are named after their property
//!    (`data_type` becomes `DataType`) or, at a root, after their method
//!    (`<Method>Params`, `<Method>Result`, `<Loader>Properties`). A params shape that lost
//!    `readOnly` properties gets the suffix `Update` (`ModelInstanceUpdate`).
//! 2. A base that is a Rust prelude or std name, or a name the SDK itself exports
//!    ([`RESERVED`]), gets the suffix `Type` (`Box` becomes `BoxType`), so a glob import never
//!    shadows `Box`, `Option` or `Result`.
//! 3. A base shared by differently-shaped types is used by none of them: each is qualified
//!    with the nearest titled object around it, or its method, as `<Owner><Base>`
//!    (`AddBoxesGeometryWithColor`); then with both; then, as a last resort, numbered in
//!    discovery order. Names therefore depend only on the snapshot, never on hash order.
//!    A base too generic to name a type on its own ([`GENERIC`]: an untitled `type` or
//!    `source` property) is qualified the same way from the start (`LoadInfoSource`), so
//!    `types::Type` never exists and a later release adding another `type` enum renames
//!    nothing.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

use crate::model::{Model, Root, TypeDef};

/// Type names never generated as-is: the Rust prelude, common std names, and the names the
/// SDK's hand-written layer defines next to the generated types.
pub const RESERVED: &[&str] = &[
    // Prelude and common std.
    "AsMut",
    "AsRef",
    "BTreeMap",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Display",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Future",
    "HashMap",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "Map",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Self",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Value",
    "Vec",
    // serde and the SDK's own names.
    "Brayns",
    "Bytes",
    "Client",
    "Deserialize",
    "DeserializeOwned",
    "Error",
    "LoaderInfo",
    "LoaderProperties",
    "MethodInfo",
    "Request",
    "Response",
    "Serialize",
    "SnapshotVersion",
    "Task",
    "WithBinary",
];

/// Bases that say nothing on their own: qualified like a collision (rule 3).
pub const GENERIC: &[&str] = &[
    "Type", "Kind", "Source", "Data", "Value", "Name", "Mode", "Id", "Info", "Item", "Items",
];

/// Rust keywords (all editions, including reserved ones).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// A title as a type name base (rule 1).
pub(crate) fn title_base(title: &str) -> String {
    let verbatim = title.starts_with(|c: char| c.is_ascii_uppercase())
        && title.chars().all(|c| c.is_ascii_alphanumeric());
    if verbatim {
        title.to_owned()
    } else {
        camel(title)
    }
}

/// `UpperCamel` of any text, never empty, never starting with a digit.
pub(crate) fn camel(text: &str) -> String {
    identifier(text, |words| words.to_upper_camel_case(), 'V')
}

/// `snake_case` of any text, never empty, never starting with a digit.
pub(crate) fn snake(text: &str) -> String {
    identifier(text, |words| words.to_snake_case(), 'v')
}

/// `text`'s alphanumeric words joined by `case`, with `prefix` in front when that would
/// be empty or start with a digit.
fn identifier(text: &str, case: impl FnOnce(&str) -> String, prefix: char) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let name = case(&spaced);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}{name}")
    } else {
        name
    }
}

/// A value identifier (field, function, module) for `name`: itself when it is a valid
/// `snake_case` identifier, a raw identifier for keywords (`r#type`), a trailing `_` for
/// the few keywords that cannot be raw.
pub(crate) fn value_ident(name: &str) -> Ident {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name != "_";
    let name = if valid { name.to_owned() } else { snake(name) };
    if NOT_RAW.contains(&name.as_str()) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name.as_str()) {
        Ident::new_raw(&name, Span::call_site())
    } else {
        Ident::new(&name, Span::call_site())
    }
}

/// A type-namespace identifier (type, variant) for an already `UpperCamel` name.
pub(crate) fn type_ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Enum variant names for string enum values, in order, unique.
pub(crate) fn variant_names(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let mut name = camel(value);
        if name == "Self" {
            name = "SelfValue".to_owned();
        }
        let name = unique(name, |name| names.iter().any(|other| other == name));
        names.push(name);
    }
    names
}

/// `name` itself if it is not `taken`, else the first of `name2`, `name3`... that is not.
pub(crate) fn unique(name: String, taken: impl Fn(&str) -> bool) -> String {
    if taken(&name) {
        numbered(&name, taken)
    } else {
        name
    }
}

/// The first of `stem2`, `stem3`... that is not `taken`.
fn numbered(stem: &str, taken: impl Fn(&str) -> bool) -> String {
    (2..)
        .map(|number| format!("{stem}{number}"))
        .find(|name| !taken(name))
        .expect("finitely many names are taken")
}

/// `<prefix><base>`, without repeating the words they share: `SetMaterialPhong` and
/// `SetMaterialMessage` give `SetMaterialPhongMessage`.
pub(crate) fn qualify(prefix: &str, base: &str) -> String {
    let prefix_words = words(prefix);
    let base_words = words(base);
    let shared = prefix_words
        .iter()
        .zip(&base_words)
        .take_while(|(a, b)| a == b)
        .count();
    // Keep at least one word of the base.
    let shared = shared.min(base_words.len().saturating_sub(1));
    format!("{prefix}{}", base_words[shared..].concat())
}

/// The words of an `UpperCamel` name (`BBPLoaderParameters` gives `BBP`, `Loader`,
/// `Parameters`).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (index, &c) in chars.iter().enumerate() {
        let starts_word = c.is_ascii_uppercase()
            && index > 0
            && (chars[index - 1].is_ascii_lowercase()
                || chars[index - 1].is_ascii_digit()
                || chars
                    .get(index + 1)
                    .is_some_and(|next| next.is_ascii_lowercase()));
        if starts_word && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The base name of a type (rules 1 and 2).
fn base(def: &TypeDef) -> String {
    let mut base = match (&def.title, &def.site.property, def.site.root) {
        (Some(title), _, _) => title_base(title),
        (None, Some(property), _) => camel(property),
        (None, None, Some(Root::Params)) => format!("{}Params", def.site.owner),
        (None, None, Some(Root::Result)) => format!("{}Result", def.site.owner),
        (None, None, Some(Root::Loader)) => format!("{}Properties", def.site.owner),
        (None, None, None) => format!("{}Item", def.site.owner),
    };
    if def.dropped_read_only {
        base.push_str("Update");
    }
    if RESERVED.contains(&base.as_str()) {
        base.push_str("Type");
    }
    base
}

/// Names every type of `model` (rule 3).
pub(crate) fn assign_type_names(model: &mut Model) {
    let bases: Vec<String> = model.defs.iter().map(base).collect();
    let candidates = |level: usize, index: usize| -> String {
        let def = &model.defs[index];
        let base = &bases[index];
        let near = def.site.enclosing.as_deref().unwrap_or(&def.site.owner);
        match level {
            0 => base.clone(),
            1 => qualify(near, base),
            _ => qualify(&def.site.owner, &qualify(near, base)),
        }
    };
    let mut names: Vec<Option<String>> = vec![None; model.defs.len()];
    let mut taken: BTreeSet<String> = RESERVED
        .iter()
        .chain(GENERIC)
        .map(|name| (*name).to_owned())
        .collect();
    for level in 0..3 {
        let pending: Vec<usize> = (0..names.len()).filter(|i| names[*i].is_none()).collect();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for &index in &pending {
            *counts.entry(candidates(level, index)).or_default() += 1;
        }
        for &index in &pending {
            let candidate = candidates(level, index);
            if counts[&candidate] == 1 && !taken.contains(&candidate) {
                taken.insert(candidate.clone());
                names[index] = Some(candidate);
            }
        }
    }
    for (index, slot) in names.iter_mut().enumerate() {
        if slot.is_none() {
            let name = numbered(&candidates(2, index), |name| taken.contains(name));
            taken.insert(name.clone());
            *slot = Some(name);
        }
    }
    for (def, name) in model.defs.iter_mut().zip(names) {
        def.name = name.unwrap_or_default();
    }
}

/// Field identifiers for wire property names, in order, unique within the struct
/// (`a-b` and `a_b` give `a_b` and `a_b_2`).
pub(crate) fn field_idents<'a>(wires: impl IntoIterator<Item = &'a str>) -> Vec<Ident> {
    let mut idents: Vec<Ident> = Vec::new();
    for wire in wires {
        let mut ident = value_ident(wire);
        let mut index = 2;
        while idents.iter().any(|other| other == &ident) {
            ident = value_ident(&format!("{}_{index}", snake(wire)));
            index += 1;
        }
        idents.push(ident);
    }
    idents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_type_names() {
        assert_eq!(title_base("BBPLoaderParameters"), "BBPLoaderParameters");
        assert_eq!(title_base("GeometryWithColor<Box>"), "GeometryWithColorBox");
        assert_eq!(title_base("Empty loader params"), "EmptyLoaderParams");
    }

    #[test]
    fn qualification_does_not_repeat_shared_words() {
        assert_eq!(
            qualify("SetMaterialPhong", "SetMaterialMessage"),
            "SetMaterialPhongMessage"
        );
        assert_eq!(
            qualify("AddBoxes", "GeometryWithColor"),
            "AddBoxesGeometryWithColor"
        );
        assert_eq!(qualify("Box", "Box"), "BoxBox");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(value_ident("type").to_string(), "r#type");
        assert_eq!(value_ident("async").to_string(), "r#async");
        assert_eq!(value_ident("self").to_string(), "self_");
        assert_eq!(value_ident("get-version").to_string(), "get_version");
        assert_eq!(
            value_ident("Circuit Explorer").to_string(),
            "circuit_explorer"
        );
        assert_eq!(value_ident("3d").to_string(), "v3d");
    }

    #[test]
    fn field_identifiers_stay_distinct() {
        let idents: Vec<String> = field_idents(["a-b", "a_b", "type", "Self"])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(idents, ["a_b", "a_b_2", "r#type", "self_"]);
    }

    #[test]
    fn enum_values_keep_distinct_variants() {
        let values = ["unsinged_char", "none", "Self", "a-b", "a_b"].map(String::from);
        assert_eq!(
            variant_names(&values),
            ["UnsingedChar", "None", "SelfValue", "AB", "AB2"]
        );
    }

    #[test]
    fn acronyms_split_into_words() {
        assert_eq!(
            words("BBPLoaderParameters"),
            ["BBP", "Loader", "Parameters"]
        );
        assert_eq!(words("SetMaterialMessage"), ["Set", "Material", "Message"]);
    }
}
