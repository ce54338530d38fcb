//! ENC document emitting: YAML that Puppet's YAML 1.1 reader (Psych) reads back with exactly the
//! types Lamina meant, and JSON.
//!
//! Why a hand-written YAML emitter: the output is read by Psych (`Puppet::Util::Yaml.safe_load`),
//! where an unquoted `no` is `false`, `0755` is 493, `1:30` is 5400, `1,000` is 1000, `:x` is a
//! Symbol, a quoted `'<<'` key still merges its mapping, and an unquoted `2001-01-01` makes the
//! whole node lookup fail. `serde_saphyr::to_string` (2.2) gets most of these right but not
//! `1,000`, `00:30`, a `"<<"` key, or a multi-line string starting with a tab (which it writes as a
//! block scalar Psych refuses), and it is about 2.5 times slower. Here each string's style is
//! decided in one pass over its bytes (`yaml::classify`, conservative: when in doubt, quote) and
//! written straight into the caller's buffer, never folded (Foreman dumps with `line_width: -1`).
//! The shape follows Psych's `to_yaml`: a leading `---`, block style, sequences inside mappings
//! not indented, a nested collection in a sequence item starts on the dash line, `[]`/`{}` for
//! empty collections, nothing after the indicator for null, floats as Ruby writes them.
//!
//! The emitter is iterative (an explicit stack), so no value depth can overflow the stack.

mod yaml;

mod ruby_json;
#[cfg(test)]
mod tests;

pub use ruby_json::to_ruby_json;

use lamina_value::Value;

/// The ENC document as YAML, starting with `---\n`, like Psych's `to_yaml(line_width: -1)`.
#[must_use]
pub fn to_yaml(doc: &Value) -> String {
    let mut out = String::with_capacity(1024);
    write_yaml(doc, &mut out);
    out
}

/// Append the YAML document for `doc` (starting with `---\n`) to `out`.
pub fn write_yaml(doc: &Value, out: &mut String) {
    yaml::write_document(doc, out);
}

/// The document as compact one-line JSON, keys in insertion order. Non-finite floats become
/// `null` (JSON has no spelling for them).
#[must_use]
pub fn to_json(doc: &Value) -> String {
    // Serializing a `Value` cannot fail: keys are strings, and serde_json writes NaN/inf as null.
    serde_json::to_string(doc).unwrap_or_default()
}

/// The document as indented JSON, keys in insertion order.
#[must_use]
pub fn to_json_pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}
