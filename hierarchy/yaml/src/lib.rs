//! YAML 1.1 as Puppet reads and writes it: a reader with the exact rules of Ruby's Psych (as
//! Puppet loads Hiera data, ENC output and facts: `YAML.safe_load(src, permitted_classes:
//! [Symbol], aliases: true)`) and hard budgets, and emitters whose output Psych reads back with
//! the types meant ([`to_yaml`]; JSON as Ruby writes it: [`to_ruby_json`]).
//!
//! ```
//! use lamina_yaml::{Limits, parse_value, to_yaml};
//! use lamina_value::Value;
//!
//! // YAML 1.1, as Psych reads it: `no` is false, `0755` is octal, `1:30` is sexagesimal.
//! let v = parse_value("a: no\nb: 0755\nc: 1:30\nd: '0755'\n", "x.yaml", &Limits::default())?.unwrap();
//! assert_eq!(v.to_string(), r#"{"a":false,"b":493,"c":5400,"d":"0755"}"#);
//! // Written back, every string Psych would misread is quoted.
//! assert_eq!(to_yaml(&v), "---\na: false\nb: 493\nc: 5400\nd: '0755'\n");
//! // An unquoted date fails as it fails Puppet, with the line and column.
//! let e = parse_value("when: 2024-01-01\n", "x.yaml", &Limits::default()).unwrap_err();
//! assert_eq!((e.line, e.message.as_str()), (1, "Tried to load unspecified class: Date"));
//! # Ok::<(), lamina_yaml::YamlError>(())
//! ```
//!
//! ## Reading
//! Events come from libyaml itself — `libyaml-safer`, a line-by-line safe Rust port of the C
//! libyaml that Psych links (vendored with its panics on malformed input fixed,
//! `third_party/libyaml-safer/PATCHES.md`) — so what is a syntax error, and how it is worded and
//! positioned, is exactly what Puppet reports ([`PsychError::Syntax`]); the *types* are decided
//! here. What matches Psych 4.0.3:
//!
//! * Plain scalars go through [`resolve_plain_scalar`] (Psych's `ScalarScanner#tokenize`):
//!   `yes/no/on/off` any case are booleans, `y`/`n` strings, `0755` octal, `1_000`, `1:30`
//!   (= 5400), `1.0e+3`; `1e3` stays a string. Quoted and block scalars are strings.
//! * Unquoted dates and timestamps fail the whole document with Psych's words, `Tried to load
//!   unspecified class: Date` / `Time`, which is what Puppet does with such a Hiera file.
//! * Tags as `Visitors::ToRuby` treats them: `!!str`, `!!float`, `!ruby/sym`; Ruby class tags fail
//!   with `Tried to load unspecified class: X`; unknown tags (`!foo`, `!!int`) are ignored.
//! * Merge keys `<<` as Psych 4.0.3 applies them: `hash.merge!`, so merged values override keys
//!   written *before* the `<<` and are overridden by keys written after it.
//! * Only the first document of a stream is read.
//!
//! Estate files are read into [`Value`]s, with deliberate differences: integers outside i64
//! fail (Psych makes a Bignum); `!!binary` fails; Ruby Symbols (`:foo`, permitted by Puppet)
//! become the string `foo` — as map keys that is exactly what Puppet's `symkeys_to_string` does
//! (`:symkey: v` is found as `symkey`); as values Puppet's lookup would refuse the
//! Runtime[ruby, 'Symbol'] value, but failing the whole file would also break every other key, so
//! the name is the least surprising value. Non-string map keys are stringified by
//! [`Node::to_value`]. Hiera data is read by [`parse_data`] instead, into [`Data`], which keeps
//! Ruby's types (Integer keys, Symbols, bignums), so that lookups refuse Symbols and `true`/`nil`
//! keys and dig Integer keys as Puppet does.
//!
//! On top of Psych: budgets ([`Limits`]), a UTF-8-only input check, and positions for
//! control characters (Psych reports libyaml's reader errors at line 1 column 1).
//!
//! `hierarchy/yaml/src/tests_psych.rs` (`psych_parity_live`) holds the reader to the installed
//! Ruby's Psych on some 12,000 documents (curated, generated and randomly broken ones): the same
//! value, or the same exception with the same message.

mod emit;
mod hint;
mod reader;
mod rfc8259;
mod scalar;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_psych;

use std::fmt;
use std::io::Read;
use std::path::Path;

use lamina_value::{Data, Map, Value};

pub use emit::{Emit, EmitKey, Shape, to_json, to_json_pretty, to_ruby_json, to_ruby_json_string, to_yaml, write_yaml};
pub use reader::Skip;
use reader::{DataSink, Fail, NodeSink, Sink, ValueSink};
pub use rfc8259::{parse_json, parse_json_value_strict, short_escape};

/// Budgets for one document. Psych has none (a 292-byte alias bomb costs Puppet minutes and
/// gigabytes); these make hostile input fail fast with bounded memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest collection nesting (a scalar at the top is depth 0, `[1]` is 1).
    pub max_depth: usize,
    /// Most nodes (scalars and collections, alias expansions included) in one document.
    pub max_nodes: usize,
    /// Most nodes produced by expanding aliases, counted cumulatively over the document.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 256 << 20, max_depth: 64, max_nodes: 20_000_000, max_alias_nodes: 100_000 }
    }
}

impl Limits {
    /// Limits for one Hiera / estate data file.
    #[must_use]
    pub fn hiera() -> Self {
        Limits { max_bytes: 8 << 20, max_depth: 64, max_nodes: 1_000_000, max_alias_nodes: 100_000 }
    }
}

/// A position in the source, both 1-based (column in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub line: u32,
    pub col: u32,
}

/// A document node with its position.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub mark: Mark,
}

/// A node's content. `Map` keeps every pair in document order, duplicate keys included (merge
/// keys are already applied, see `reader::NodeSink`).
#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar(Value),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// The string a map key becomes in a `Value::Hash`: strings as they are, other scalars as Ruby's
/// `to_s` (`1` → "1", `true` → "true", `nil` → ""), collections in the workspace's JSON-ish form
/// (`Value::to_ruby_s`, shared with the estate loader so both agree).
pub(crate) fn key_string(k: Value) -> String {
    match k {
        Value::String(s) => s,
        other => other.to_ruby_s(),
    }
}

impl Node {
    /// The node as a `Value`: duplicate keys keep the first key's position and the last value
    /// (Ruby Hash semantics); non-string keys are stringified (see `key_string`).
    /// Recursive, but a tree from [`parse_node`] is at most `max_depth` deep.
    #[must_use]
    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Scalar(v) => v.clone(),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeKind::Map(pairs) => {
                let mut m = Map::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let key = match &k.kind {
                        NodeKind::Scalar(Value::String(s)) => s.clone(),
                        _ => key_string(k.to_value()),
                    };
                    m.insert(key, v.to_value());
                }
                Value::Hash(m)
            }
        }
    }
}

/// What kind of YAML failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum YamlErrorKind {
    /// Not YAML: libyaml refuses it (`Psych::SyntaxError`).
    Syntax,
    /// YAML that Psych refuses to convert (an unquoted date, a Ruby class tag, a bad number).
    Conversion,
    /// YAML that Lamina refuses where Psych would load it (`!!binary`, a recursive alias, an
    /// integer beyond 64 bits in an estate).
    Unsupported,
    /// Not UTF-8 text (a UTF-16 byte order mark, a NUL byte, invalid UTF-8).
    Encoding,
    /// Over one of the [`Limits`].
    Limit,
    /// The file cannot be read.
    Io,
    /// A value that cannot be written in the format asked for (NaN in JSON).
    Write,
}

/// A reading (or writing) error with its position (1-based; 0:0 when there is no position,
/// e.g. I/O).
#[derive(Debug, Clone)]
pub struct YamlError {
    /// What kind.
    pub kind: YamlErrorKind,
    /// The file (or label) read.
    pub file: String,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column in characters; 0 when unknown.
    pub col: u32,
    /// What is wrong.
    pub message: String,
    /// What Psych raises on the same input, when it raises (our own budgets and I/O errors
    /// have no Psych counterpart).
    pub psych: Option<PsychError>,
    /// What the message likely means for this file, in plain words (a tab in the indentation,
    /// a string never closed, a date to quote), shown after it; `message` keeps Psych's words.
    /// (Boxed: every parse returns this error type, which stays small.)
    pub hint: Option<Box<str>>,
    /// The I/O error behind an [`YamlErrorKind::Io`] failure.
    pub source: Option<std::sync::Arc<std::io::Error>>,
}

impl PartialEq for YamlError {
    /// Equal kinds, positions, messages and Psych exceptions (causes are not compared).
    fn eq(&self, other: &YamlError) -> bool {
        self.kind == other.kind
            && self.file == other.file
            && self.line == other.line
            && self.col == other.col
            && self.message == other.message
            && self.psych == other.psych
            && self.hint == other.hint
    }
}

/// The exception Psych 4.0.3 raises for a document, as far as Puppet's messages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsychError {
    /// `Psych::SyntaxError`: libyaml's words and Psych's position ("problem context at line L
    /// column C"), without the `(file): ` prefix.
    Syntax(String),
    /// `Psych::DisallowedClass` ("Tried to load unspecified class: Date").
    DisallowedClass(String),
    /// Any other exception raised while converting (`Psych::BadAlias`, `ArgumentError` ...).
    Other(String),
}

impl YamlError {
    pub(crate) fn new(kind: YamlErrorKind, file: &str, line: u32, col: u32, message: impl Into<String>) -> Self {
        YamlError {
            kind,
            file: file.to_string(),
            line,
            col,
            message: message.into(),
            psych: None,
            hint: None,
            source: None,
        }
    }

    /// A value that cannot be written (the emitters'), with no position.
    pub(crate) fn write(message: &str) -> Self {
        YamlError::new(YamlErrorKind::Write, "", 0, 0, message)
    }

    /// The message of the `YamlLoadError` that `Puppet::Util::Yaml.safe_load` raises for this
    /// error in file `path` (`puppet/util/yaml.rb`): Psych's syntax errors carry `(path): `,
    /// disallowed classes get it from Puppet, other Psych exceptions go without. Errors Psych
    /// does not have read like a syntax error, with our position.
    #[must_use]
    pub fn puppet_message(&self, path: &str) -> String {
        match &self.psych {
            Some(PsychError::Syntax(m) | PsychError::DisallowedClass(m)) => format!("({path}): {m}"),
            Some(PsychError::Other(m)) => m.clone(),
            None if self.line > 0 => format!("({path}): {} at line {} column {}", self.message, self.line, self.col),
            None => format!("({path}): {}", self.message),
        }
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)?;
        match &self.hint {
            Some(h) => write!(f, " ({h})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for YamlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Psych's `ScalarScanner#tokenize` for an unquoted, untagged plain scalar. `Err` carries the
/// message Psych/Puppet fails with (`Tried to load unspecified class: Date`, `...: Time`,
/// `invalid value for Integer(): "0b"`) or our 64-bit range error. Symbols (`:foo`) give their
/// name as a string (see the module docs).
///
/// # Errors
/// When Psych would raise for this scalar, or the integer does not fit in 64 bits.
pub fn resolve_plain_scalar(s: &str) -> Result<Value, YamlError> {
    scalar::tokenize(s.to_string())
        .and_then(scalar::Token::into_value)
        .map_err(|m| YamlError::new(YamlErrorKind::Conversion, "<scalar>", 1, 1, m))
}

/// Parses the first document of `src` into a [`Node`] tree. `Ok(None)` for an empty stream or an
/// empty document (`---` alone).
///
/// # Errors
/// Syntax errors, Psych conversion errors (dates, Ruby classes, ...) and exceeded [`Limits`].
pub fn parse_node(src: &str, file: &str, limits: &Limits) -> Result<Option<Node>, YamlError> {
    parse_with(src, file, limits, || NodeSink, None)
}

/// [`parse_node`], leaving out the subtrees `skip` drops (their events are read, nothing is
/// built for them).
///
/// # Errors
/// As [`parse_node`]; also an alias to an anchor inside a dropped subtree.
pub fn parse_node_skipping(src: &str, file: &str, limits: &Limits, skip: Skip<'_>) -> Result<Option<Node>, YamlError> {
    parse_with(src, file, limits, || NodeSink, Some(skip))
}

/// Same result as `parse_node(..).map(|n| n.map(|n| n.to_value()))`, built straight from the
/// parser events without the intermediate tree.
///
/// # Errors
/// As [`parse_node`].
pub fn parse_value(src: &str, file: &str, limits: &Limits) -> Result<Option<Value>, YamlError> {
    parse_with(src, file, limits, ValueSink::default, None)
}

/// Ruby data as Puppet reads a Hiera data file ([`Data`]): keys keep their types (`1:` is an
/// Integer key), Symbols stay Symbols, Integers beyond 64 bits are kept.
///
/// # Errors
/// As [`parse_node`].
pub fn parse_data(src: &str, file: &str, limits: &Limits) -> Result<Option<Data>, YamlError> {
    parse_with(src, file, limits, DataSink::typed, None)
}

/// A facts file as `puppet lookup --facts` reads it: as [`parse_value`] (keys by their `to_s`,
/// Symbols by their names), except that Integers beyond 64 bits are kept: Puppet has them as
/// Integers, and interpolation prints their digits.
///
/// # Errors
/// As [`parse_node`].
pub fn parse_facts(src: &str, file: &str, limits: &Limits) -> Result<Option<Data>, YamlError> {
    parse_with(src, file, limits, DataSink::default, None)
}

fn parse_with<S: Sink>(
    src: &str,
    file: &str,
    limits: &Limits,
    sink: impl Fn() -> S,
    skip: Option<Skip<'_>>,
) -> Result<Option<S::Item>, YamlError> {
    if src.len() > limits.max_bytes {
        let msg = format!("input too large ({} bytes, limit {})", src.len(), limits.max_bytes);
        return Err(YamlError::new(YamlErrorKind::Limit, file, 1, 1, msg));
    }
    check_characters(src.as_bytes(), file)?;
    match reader::build(src, limits, sink(), skip) {
        Ok(v) => Ok(v),
        Err(Fail::Syntax(e)) => Err(syntax_error(src, file, &e)),
        Err(Fail::Psych(msg, m)) => {
            // Psych's own exceptions keep its words; our deliberate refusals (`!!binary`,
            // recursive aliases, unsupported tags) have no Psych counterpart and read with their
            // position.
            let (kind, psych) = if msg.starts_with(DISALLOWED) {
                (YamlErrorKind::Conversion, Some(PsychError::DisallowedClass(msg.clone())))
            } else if PSYCH_OTHER.iter().any(|p| msg.starts_with(p)) {
                (YamlErrorKind::Conversion, Some(PsychError::Other(msg.clone())))
            } else {
                (YamlErrorKind::Unsupported, None)
            };
            let hint = msg.strip_prefix(DISALLOWED).and_then(|class| hint::date(src, m, class)).map(Box::from);
            Err(YamlError { psych, hint, ..YamlError::new(kind, file, m.line, m.col, msg) })
        }
        Err(Fail::Refused(msg, m)) => Err(YamlError::new(YamlErrorKind::Limit, file, m.line, m.col, msg)),
    }
}

const DISALLOWED: &str = "Tried to load unspecified class: ";
/// How the other exceptions Psych raises while converting begin (`ArgumentError` from
/// `Integer()`/`Float()`, `TypeError` from `Float()`, `Psych::BadAlias`).
const PSYCH_OTHER: &[&str] = &["invalid value for ", "can't convert ", "Unknown alias: "];

/// A libyaml error as ours, at the problem's position, and as Psych reports it
/// (`Psych::SyntaxError`: "problem context at line L column C", where Psych 4.0.3's
/// `parser.c` `make_exception` takes libyaml's *context* mark — the start of the enclosing
/// construct for most errors, and line 1 column 1 when libyaml sets none: reader errors and
/// parser errors without a context). `hint::syntax` may place it elsewhere (an unclosed string at
/// its opening quote) and say what it means.
fn syntax_error(src: &str, file: &str, e: &libyaml_safer::Error) -> YamlError {
    use libyaml_safer::ErrorKind;
    let text = match e.context() {
        Some(c) => format!("{} {c}", e.problem()),
        None => e.problem().to_string(),
    };
    let hint = hint::syntax(src, e);
    let at = match &hint {
        Some(h) => h.at,
        None => e.problem_mark().map(reader::mark).unwrap_or(Mark { line: 1, col: 1 }),
    };
    let psych_at = match e.kind() {
        // Scanner errors always set a context mark (the current position when there is no
        // context, which is the problem mark).
        ErrorKind::Scanner => e.context_mark().or(e.problem_mark()).map(reader::mark),
        _ => e.context_mark().map(reader::mark),
    }
    .unwrap_or(Mark { line: 1, col: 1 });
    let psych = format!("{text} at line {} column {}", psych_at.line, psych_at.col);
    YamlError {
        psych: Some(PsychError::Syntax(psych)),
        hint: hint.map(|h| h.text.into_boxed_str()),
        ..YamlError::new(YamlErrorKind::Syntax, file, at.line, at.col, text)
    }
}

/// 1-based line and column (in characters) of byte `pos`.
fn line_col(b: &[u8], pos: usize) -> (u32, u32) {
    let before = &b[..pos.min(b.len())];
    let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    // Count characters, not bytes: skip UTF-8 continuation bytes.
    let col = before[line_start..].iter().filter(|&&c| c & 0xC0 != 0x80).count() + 1;
    (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(col).unwrap_or(u32::MAX))
}

/// libyaml refuses non-printable characters anywhere in the stream ("control characters are not
/// allowed"): C0 controls except TAB/LF/CR, DEL, C1 controls except NEL, U+FFFE/U+FFFF. Its
/// reader error carries no position Psych reports (always line 1 column 1), so they are looked
/// for here first, to name the character and its place.
fn check_characters(b: &[u8], file: &str) -> Result<(), YamlError> {
    // Bytes that may start a refused character: a branch-free test over 32-byte blocks (which the
    // compiler vectorises) skips clean blocks; only suspicious blocks are looked at closely.
    let suspicious =
        |c: u8| (c < 0x20 && c != b'\t' && c != b'\n' && c != b'\r') | (c == 0x7F) | (c == 0xC2) | (c == 0xEF);
    const BLOCK: usize = 32;
    for (n, block) in b.chunks(BLOCK).enumerate() {
        if !block.iter().fold(false, |acc, &c| acc | suspicious(c)) {
            continue;
        }
        for i in n * BLOCK..n * BLOCK + block.len() {
            let bad = match b[i] {
                b'\t' | b'\n' | b'\r' => false,
                0..=0x1F | 0x7F => true,
                0xC2 => matches!(b.get(i + 1), Some(&n) if (0x80..=0x9F).contains(&n) && n != 0x85),
                0xEF => b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)),
                _ => false,
            };
            if bad {
                let (line, col) = line_col(b, i);
                let what = if b[i] == 0 { "NUL byte".to_string() } else { format!("{:?}", char_at(b, i)) };
                // libyaml's reader error, which Psych reports at line 1 column 1 (no context
                // mark); ours names the character and where it is.
                let psych = PsychError::Syntax("control characters are not allowed at line 1 column 1".into());
                let msg = format!("control characters are not allowed ({what})");
                return Err(YamlError {
                    psych: Some(psych),
                    ..YamlError::new(YamlErrorKind::Encoding, file, line, col, msg)
                });
            }
        }
    }
    Ok(())
}

fn char_at(b: &[u8], i: usize) -> char {
    let end = (i + 4).min(b.len());
    String::from_utf8_lossy(&b[i..end]).chars().next().unwrap_or('\u{FFFD}')
}

/// Reads a data file: at most `max_bytes + 1` bytes are ever read (`Read::take`), a UTF-8 BOM is
/// stripped (Puppet reads Hiera files as `bom|utf-8`), UTF-16/32 (BOM), NUL bytes and invalid
/// UTF-8 are refused with their line and column.
///
/// # Errors
/// I/O errors (at 0:0), `file too large (N bytes, limit M)`, and the encoding errors above.
pub fn read_file_limited(path: &Path, limits: &Limits) -> Result<String, YamlError> {
    let buf = read_bytes_limited(path, limits)?;
    decode_utf8(buf, &path.display().to_string())
}

/// The bytes of a file, at most `max_bytes + 1` of them ever read (`Read::take`), undecoded
/// (what Puppet hands Ruby's JSON parser).
///
/// # Errors
/// I/O errors and `file too large (N bytes, limit M)`, at 0:0.
pub fn read_bytes_limited(path: &Path, limits: &Limits) -> Result<Vec<u8>, YamlError> {
    let name = path.display().to_string();
    let io = |e: std::io::Error| {
        let message = format!("cannot read file: {e}");
        YamlError { source: Some(std::sync::Arc::new(e)), ..YamlError::new(YamlErrorKind::Io, &name, 0, 0, message) }
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let known_len = file.metadata().ok().filter(std::fs::Metadata::is_file).map(|m| m.len());
    let too_large = |n: Option<u64>| {
        let size = n.map_or_else(|| format!("more than {}", limits.max_bytes), |n| n.to_string());
        YamlError::new(
            YamlErrorKind::Limit,
            &name,
            0,
            0,
            format!("file too large ({size} bytes, limit {})", limits.max_bytes),
        )
    };
    let cap = limits.max_bytes as u64;
    if known_len.is_some_and(|n| n > cap) {
        return Err(too_large(known_len));
    }
    let mut buf = Vec::with_capacity(usize::try_from(known_len.unwrap_or(0).min(cap)).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > cap {
        // The file grew after the metadata call, or is not a regular file.
        return Err(too_large(known_len.filter(|&n| n > cap)));
    }
    Ok(buf)
}

fn decode_utf8(mut buf: Vec<u8>, name: &str) -> Result<String, YamlError> {
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) || buf.starts_with(&[0, 0, 0xFE, 0xFF]) {
        let msg = "UTF-16/UTF-32 byte order mark: only UTF-8 files are supported";
        return Err(YamlError::new(YamlErrorKind::Encoding, name, 1, 1, msg));
    }
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buf.drain(..3);
    }
    if let Some(pos) = buf.iter().position(|&c| c == 0) {
        let (line, col) = line_col(&buf, pos);
        let msg = "NUL byte in file (only UTF-8 text is supported)";
        return Err(YamlError::new(YamlErrorKind::Encoding, name, line, col, msg));
    }
    String::from_utf8(buf).map_err(|e| {
        let pos = e.utf8_error().valid_up_to();
        let (line, col) = line_col(e.as_bytes(), pos);
        let b = e.as_bytes();
        let psych = PsychError::Syntax(format!("{} at line 1 column 1", libyaml_utf8_problem(&b[pos..])));
        YamlError {
            psych: Some(psych),
            ..YamlError::new(YamlErrorKind::Encoding, name, line, col, format!("invalid UTF-8 (byte 0x{:02X})", b[pos]))
        }
    })
}

/// libyaml's reader error for the invalid UTF-8 sequence at the start of `b` (`reader.c`
/// `yaml_parser_update_buffer`, checked in its order).
fn libyaml_utf8_problem(b: &[u8]) -> &'static str {
    let lead = b[0];
    let width = match lead {
        0x00..=0x7F => 1,
        _ if lead & 0xE0 == 0xC0 => 2,
        _ if lead & 0xF0 == 0xE0 => 3,
        _ if lead & 0xF8 == 0xF0 => 4,
        _ => return "invalid leading UTF-8 octet",
    };
    if b.len() < width {
        return "incomplete UTF-8 octet sequence";
    }
    let mut value = u32::from(lead & [0x7F, 0x1F, 0x0F, 0x07][width - 1]);
    for &c in &b[1..width] {
        if c & 0xC0 != 0x80 {
            return "invalid trailing UTF-8 octet";
        }
        value = (value << 6) | u32::from(c & 0x3F);
    }
    let shortest = match width {
        1 => true,
        2 => value >= 0x80,
        3 => value >= 0x800,
        _ => value >= 0x10000,
    };
    if !shortest {
        return "invalid length of a UTF-8 sequence";
    }
    "invalid Unicode character"
}
