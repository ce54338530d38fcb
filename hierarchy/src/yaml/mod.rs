//! YAML 1.1 reading with the exact scalar rules of Ruby's Psych, as Puppet 7 loads Hiera data,
//! ENC output and facts: `YAML.safe_load(src, permitted_classes: [Symbol], aliases: true)`.
//!
//! Events come from `saphyr-parser` (a YAML 1.2 parser: the *syntax* of 1.1 and 1.2 is close
//! enough; the *types* are not, and they are all decided here). What matches Psych 4.0.3:
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
//! Deliberate differences: integers outside i64 fail (Psych makes a Bignum; Hiera data, read
//! by [`parse_hiera_data`], keeps them); `!!binary` fails;
//! Ruby Symbols (`:foo`, permitted by Puppet) become the string `foo` — as map keys that is exactly
//! what Puppet's `symkeys_to_string` does (`:symkey: v` is found as `symkey`); as values Puppet's
//! lookup would refuse the Runtime[ruby, 'Symbol'] value, but failing the whole file would also
//! break every other key, so the name is the least surprising value. Non-string map keys are
//! stringified by [`Node::to_value`]. Hiera data is read by [`parse_hiera_data`] instead, which
//! keeps both apart for the lookup engine (marked strings, `lamina_resolver::hiera::rich`), so
//! that lookups refuse Symbols and `true`/`nil` keys and dig Integer keys as Puppet does. A flow
//! item starting with `?` (`[?x]`, which Psych turns into `{"x"=>nil}`) is refused.
//! On top of Psych: budgets ([`Limits`]), and a UTF-8-only input check.
//!
//! Syntax: where saphyr (YAML 1.2) refuses what libyaml reads — `key:<TAB>value`, a lone `-` in a
//! flow collection — the text is repaired and parsed again (`parse_with`); where libyaml
//! refuses what saphyr reads and the difference matters (`{:foo => :bar}`, `[:a]`) the reader
//! refuses too. Remaining differences are leniencies on broken input that Puppet would refuse
//! anyway (`[|]`, `{: a}`, `- <TAB>` at the end of a line); error positions and wording are
//! saphyr's, not libyaml's.

mod reader;
mod scalar;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_psych;

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::path::Path;

use lamina_resolver::{Map, Value};

pub use reader::Skip;
use reader::{Fail, NodeSink, Sink, ValueSink};

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

/// A reading error with its position (1-based; 0:0 when there is no position, e.g. I/O).
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl YamlError {
    fn new(file: &str, line: u32, col: u32, message: impl Into<String>) -> Self {
        YamlError { file: file.to_string(), line, col, message: message.into() }
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)
    }
}

impl std::error::Error for YamlError {}

/// Psych's `ScalarScanner#tokenize` for an unquoted, untagged plain scalar. `Err` carries the
/// message Psych/Puppet fails with (`Tried to load unspecified class: Date`, `...: Time`,
/// `invalid value for Integer(): "0b"`) or our 64-bit range error. Symbols (`:foo`) give their
/// name as a string (see the module docs).
///
/// # Errors
/// When Psych would raise for this scalar, or the integer does not fit in 64 bits.
pub fn resolve_plain_scalar(s: &str) -> Result<Value, String> {
    scalar::tokenize(s.to_string()).and_then(scalar::Token::into_value)
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

/// [`parse_value`] for Hiera data: non-string keys and Symbols are marked rather than
/// stringified, and a top-level value Puppet refuses as not `RichData` is replaced by the mark
/// of its refusal (`lamina_resolver::hiera::rich`, read only by the lookup engine).
///
/// # Errors
/// As [`parse_node`].
pub fn parse_hiera_data(src: &str, file: &str, limits: &Limits) -> Result<Option<Value>, YamlError> {
    let v = parse_with(src, file, limits, ValueSink::rich, None)?;
    Ok(v.map(|v| match v {
        Value::Hash(h) => {
            Value::Hash(h.into_iter().map(|(k, v)| (k, lamina_resolver::hiera::rich::checked(v))).collect())
        }
        other => other,
    }))
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
        return Err(YamlError::new(file, 1, 1, msg));
    }
    check_characters(src.as_bytes(), file)?;
    let mut text = Cow::Borrowed(src);
    let mut dashes = Vec::new();
    let mut spent = 0usize;
    loop {
        spent = spent.saturating_add(text.len().max(1));
        let err = match reader::build(&text, limits, sink(), &dashes, skip) {
            Ok(v) => return Ok(v),
            Err(Fail::Syntax(e)) => e,
            Err(Fail::Psych(msg, m) | Fail::Refused(msg, m)) => return Err(YamlError::new(file, m.line, m.col, msg)),
        };
        let m = reader::mark(err.marker());
        let repaired = match err.info() {
            TAB_AFTER_COLON if spent < REPAIR_BUDGET => patch_tab_after_colon(&text, m),
            DASH_IN_FLOW if spent < REPAIR_BUDGET => patch_dash_in_flow(&text, m, &mut dashes),
            _ => None,
        };
        if let Some(patched) = repaired {
            text = Cow::Owned(patched);
            continue;
        }
        let message = match err.info() {
            TAB_AFTER_COLON => format!("{TAB_AFTER_COLON} (replace the tab after ':' with a space)"),
            DASH_IN_FLOW => format!("{DASH_IN_FLOW} (quote the '-')"),
            // saphyr's scanner keeps the flow level in a u8 and scans ahead of the parser, so a
            // `[[[[...` bomb can hit its limit (256) before our depth check sees level 65.
            "recursion limit exceeded" => format!("nesting deeper than {}", limits.max_depth.min(255)),
            other => other.to_string(),
        };
        return Err(YamlError::new(file, m.line, m.col, message));
    }
}

/// Two spots where saphyr-parser 0.3 (YAML 1.2 rules) refuses what libyaml, and so Puppet,
/// reads. Both are repaired by patching the text at the error position and parsing again; the
/// patches keep every line and column in place, so marks stay exact.
const TAB_AFTER_COLON: &str = "':' must be followed by a valid YAML whitespace";
const DASH_IN_FLOW: &str = "plain scalar cannot start with '-' followed by ,[]{}";

/// Work budget for those re-parses (bytes parsed in total), so that a file full of such spots
/// cannot make parsing quadratic; past it the saphyr error is reported with a hint.
const REPAIR_BUDGET: usize = 64 << 20;

/// `[a, -, b]`: libyaml reads a lone `-` in a flow collection as the string "-" (the oracle's own
/// `yaml_scalars` case has one). The `-` becomes [`reader::DASH_SENTINEL`], a single character
/// (so columns do not move) that the reader turns back into "-" at exactly the recorded marks.
fn patch_dash_in_flow(text: &str, m: Mark, dashes: &mut Vec<Mark>) -> Option<String> {
    let pos = byte_offset(text, m)?;
    if text.as_bytes().get(pos) != Some(&b'-') {
        return None;
    }
    dashes.push(m);
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str(&text[..pos]);
    out.push(reader::DASH_SENTINEL);
    out.push_str(&text[pos + 1..]);
    Some(out)
}

/// saphyr-parser 0.3 refuses `key:<TAB>value` (`scanner.rs` `fetch_value`: a tab after `:` then
/// an alphanumeric or `-` is an error), which libyaml — and so Puppet — accepts as an ordinary
/// separator (`a:\t1` → {"a"=>1}, verified). The tab there is a pure separator, never content,
/// so replacing it by a space (same byte length: all marks stay valid) and parsing again gives
/// libyaml's reading. Returns `None` if the error position is not after `:` + blanks.
fn patch_tab_after_colon(text: &str, m: Mark) -> Option<String> {
    let pos = byte_offset(text, m)?;
    let b = text.as_bytes();
    let mut start = pos;
    while start > 0 && matches!(b[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    if start == 0 || b[start - 1] != b':' || !b[start..pos].contains(&b'\t') {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for c in &mut bytes[start..pos] {
        *c = b' ';
    }
    String::from_utf8(bytes).ok()
}

/// Byte offset of a saphyr mark: lines are broken by LF, CR or CRLF, columns count characters.
fn byte_offset(text: &str, m: Mark) -> Option<usize> {
    offset_in(text, &line_starts(text), m)
}

/// Byte offsets where each line starts, with saphyr's line breaks (LF, CR, CRLF).
pub(crate) fn line_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

/// [`byte_offset`] with the line table already built.
pub(crate) fn offset_in(text: &str, starts: &[usize], m: Mark) -> Option<usize> {
    let start = *starts.get(usize::try_from(m.line.checked_sub(1)?).ok()?)?;
    let col = usize::try_from(m.col.checked_sub(1)?).ok()?;
    let line = &text[start..];
    match line.char_indices().nth(col) {
        Some((i, _)) => Some(start + i),
        None => (line.chars().count() == col).then_some(text.len()),
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
/// allowed"): C0 controls except TAB/LF/CR, DEL, C1 controls except NEL, U+FFFE/U+FFFF. saphyr
/// only refuses some of them; NUL must never reach PostgreSQL text columns.
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
                let what =
                    if b[i] == 0 { "NUL byte".to_string() } else { format!("control character {:?}", char_at(b, i)) };
                return Err(YamlError::new(file, line, col, format!("{what} is not allowed in YAML")));
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
    let name = path.display().to_string();
    let io = |e: std::io::Error| YamlError::new(&name, 0, 0, format!("cannot read file: {e}"));
    let file = std::fs::File::open(path).map_err(io)?;
    let known_len = file.metadata().ok().filter(std::fs::Metadata::is_file).map(|m| m.len());
    let too_large = |n: Option<u64>| {
        let size = n.map_or_else(|| format!("more than {}", limits.max_bytes), |n| n.to_string());
        YamlError::new(&name, 0, 0, format!("file too large ({size} bytes, limit {})", limits.max_bytes))
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
    decode_utf8(buf, &name)
}

fn decode_utf8(mut buf: Vec<u8>, name: &str) -> Result<String, YamlError> {
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) || buf.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(YamlError::new(name, 1, 1, "UTF-16/UTF-32 byte order mark: only UTF-8 files are supported"));
    }
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buf.drain(..3);
    }
    if let Some(pos) = buf.iter().position(|&c| c == 0) {
        let (line, col) = line_col(&buf, pos);
        return Err(YamlError::new(name, line, col, "NUL byte in file (only UTF-8 text is supported)"));
    }
    String::from_utf8(buf).map_err(|e| {
        let pos = e.utf8_error().valid_up_to();
        let (line, col) = line_col(e.as_bytes(), pos);
        YamlError::new(name, line, col, format!("invalid UTF-8 (byte 0x{:02X})", e.as_bytes()[pos]))
    })
}
