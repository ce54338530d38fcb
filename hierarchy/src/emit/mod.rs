//! ENC document emitting: YAML that Puppet's YAML 1.1 reader (Psych) reads back with exactly the
//! types Lamina meant, and JSON.
//!
//! Why a hand-written YAML emitter: the output is read by Psych (`Puppet::Util::Yaml.safe_load`),
//! where an unquoted `no` is `false`, `0755` is 493, `1:30` is 5400, `:x` is a Symbol and an
//! unquoted `2001-01-01` makes the whole node lookup fail. The emitter decides each string's
//! style in one pass over its bytes (see [`yaml::classify`]) and writes straight into the
//! caller's buffer; it is several times faster than a serde-based serializer and never folds
//! lines (Foreman dumps with `line_width: -1`). The shape follows Psych's `to_yaml`: a leading
//! `---`, block style, sequences inside mappings not indented, nested collections in a
//! sequence item start on the dash line, `[]`/`{}` for empty collections, nothing after the
//! indicator for null.
//!
//! The emitter is iterative (an explicit stack), so no value depth can overflow the stack.

mod yaml;

#[cfg(test)]
mod tests;

use lamina_resolver::Value;

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
