//! Dotted keys: `SubLookup.split_key` and `sub_lookup` (`pops/lookup/sub_lookup.rb`).

use super::HieraError;
use super::int::Int;
use crate::{Data, Key, Strict};
use regex::Regex;
use std::sync::LazyLock;

/// One segment of a dotted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A name (quoted segments are always names).
    Name(String),
    /// An unquoted `^[+-]?[0-9]+$` segment: indexes arrays, matches integer hash keys.
    Index(i64),
    /// Such a segment beyond 64 bits (Ruby's `to_i` makes a Bignum of it): its digits.
    Big(String),
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Segment::Name(s) => f.write_str(s),
            Segment::Index(i) => write!(f, "{i}"),
            Segment::Big(d) => f.write_str(&big_digits(d)),
        }
    }
}

/// The canonical digits (`to_i.to_s`) of an integer segment beyond 64 bits.
fn big_digits(d: &str) -> String {
    Int::from_decimal(d).map_or_else(|| d.to_string(), |i| i.to_string())
}

static SEGMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\s*"[^"]+"\s*|\s*'[^']+'\s*|[^'".]+"#).expect("segment regex"));
static INTEGER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[+-]?[0-9]+$").expect("integer regex"));

/// Splits a key into its root and segments as `SubLookup.split_key` does, with Ruby's
/// `String#split` on a capturing regex: the key must be an alternation of segments and single
/// dots, starting and ending with a segment.
///
/// # Errors
/// `Syntax error in key: 'k'` (`cfg..db`, `.cfg`, `cfg.`).
pub(crate) fn split_key(key: &str) -> Result<Vec<Segment>, HieraError> {
    if !key.contains(['.', '\'', '"']) {
        return Ok(vec![Segment::Name(key.to_string())]);
    }
    let syntax = || HieraError::plain(format!("Syntax error in key: '{key}'"));
    // Ruby's split result: separator, capture, separator, capture, ..., trailing separator,
    // with trailing empty strings removed.
    let mut parts: Vec<&str> = Vec::new();
    let mut last = 0;
    for m in SEGMENT.find_iter(key) {
        parts.push(&key[last..m.start()]);
        parts.push(m.as_str());
        last = m.end();
    }
    parts.push(&key[last..]);
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    if parts.is_empty() || !parts[0].is_empty() {
        return Err(syntax());
    }
    let rest = &parts[1..];
    let count = rest.len();
    if count == 0 {
        return Err(syntax());
    }
    let kept: Vec<&str> = rest.iter().copied().filter(|s| *s != ".").collect();
    if kept.len() * 2 != count + 1 {
        return Err(syntax());
    }
    Ok(kept
        .into_iter()
        .map(|seg| {
            let seg = seg.trim();
            if seg.starts_with(['"', '\'']) && seg.len() >= 2 {
                Segment::Name(seg[1..seg.len() - 1].to_string())
            } else if INTEGER.is_match(seg) {
                match seg.parse::<i64>() {
                    Ok(i) => Segment::Index(i),
                    Err(_) => Segment::Big(seg.to_string()),
                }
            } else {
                Segment::Name(seg.to_string())
            }
        })
        .collect())
}

/// The root of a split key as a name (an integer root is looked up by its digits).
#[must_use]
pub(crate) fn root_name(segs: &[Segment]) -> String {
    segs.first().map(ToString::to_string).unwrap_or_default()
}

/// `sub_lookup`: digs `segments` into `value`. `Ok(None)` is Puppet's `:no_such_key`. An
/// Index segment finds only an Integer key, as Ruby's `value[2]` does (not the String `"2"`).
///
/// # Errors
/// `Data Provider type mismatch: Got Array when a hash-like object was expected ...`.
pub(crate) fn dig<'v>(
    full_key: &str,
    segments: &[Segment],
    value: &'v Data,
    strict: Strict,
) -> Result<Option<&'v Data>, HieraError> {
    dig_refs(
        full_key,
        segments.iter().map(|s| match s {
            Segment::Name(n) => SegRef::Name(n),
            Segment::Index(i) => SegRef::Index(*i),
            Segment::Big(d) => SegRef::Big(d),
        }),
        value,
        strict,
    )
}

/// A borrowed [`Segment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegRef<'a> {
    /// A name.
    Name(&'a str),
    /// An integer.
    Index(i64),
    /// An integer beyond 64 bits (its digits as written).
    Big(&'a str),
}

impl std::fmt::Display for SegRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SegRef::Name(s) => f.write_str(s),
            SegRef::Index(i) => write!(f, "{i}"),
            SegRef::Big(d) => f.write_str(&big_digits(d)),
        }
    }
}

/// The segments of a key without quotes, borrowed (no regex, no allocation): what
/// [`split_key`] returns for it, or `None` when the key needs [`split_key`] (quotes, or an
/// empty segment, which is a syntax error).
#[must_use]
pub(crate) fn simple_segments(key: &str) -> Option<impl Iterator<Item = SegRef<'_>> + Clone> {
    if key.contains(['\'', '"']) || key.split('.').any(str::is_empty) {
        return None;
    }
    Some(key.split('.').map(|piece| {
        let seg = piece.trim();
        let digits = seg.strip_prefix(['+', '-']).unwrap_or(seg);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return SegRef::Name(seg);
        }
        match seg.parse::<i64>() {
            Ok(i) => SegRef::Index(i),
            Err(_) => SegRef::Big(seg),
        }
    }))
}

/// [`dig`] over borrowed segments.
///
/// # Errors
/// As [`dig`].
pub(crate) fn dig_refs<'v, 'a>(
    full_key: &str,
    segments: impl Iterator<Item = SegRef<'a>>,
    mut value: &'v Data,
    strict: Strict,
) -> Result<Option<&'v Data>, HieraError> {
    for seg in segments {
        if value.is_null() {
            return Ok(None);
        }
        match (seg, value) {
            (SegRef::Index(i), Data::Array(a)) => {
                let Some(v) = usize::try_from(i).ok().and_then(|i| a.get(i)) else { return Ok(None) };
                value = v;
            }
            // An Integer segment finds only an Integer key (`value[1]` in Ruby): the string key
            // "1" is not found, as in Puppet.
            (SegRef::Name(n), Data::Hash(h)) => {
                let Some(v) = h.get(n) else { return Ok(None) };
                value = v;
            }
            (SegRef::Index(i), Data::Hash(h)) => {
                let Some(v) = h.get(&Key::Int(i)) else { return Ok(None) };
                value = v;
            }
            // Beyond any array's size.
            (SegRef::Big(_), Data::Array(_)) => return Ok(None),
            (SegRef::Big(d), Data::Hash(h)) => {
                let key = match Int::from_decimal(d) {
                    Some(Int::Big(b)) => Key::BigInt(b),
                    Some(Int::Small(i)) => Key::Int(i),
                    None => return Ok(None),
                };
                let Some(v) = h.get(&key) else { return Ok(None) };
                value = v;
            }
            // An Integer responds to `[]`, so Puppet goes on to `value.include?(segment)`, which
            // Integer lacks (`sub_lookup.rb:60`): Ruby's NoMethodError is the message, worded by
            // Ruby 3.1 under Puppet 7.23 and by Ruby 3.3 (class only) under Puppet 8.10.
            (_, other) if let Some(i) = other.as_int() => {
                return Err(HieraError::plain(if strict == Strict::Error {
                    "undefined method `include?' for an instance of Integer".to_string()
                } else {
                    format!("undefined method `include?' for {i}:Integer")
                }));
            }
            (_, other) => {
                return Err(HieraError::plain(format!(
                    "Data Provider type mismatch: Got {} when a hash-like object was expected to access value using '{seg}' from key '{full_key}'",
                    other.ruby_class_name()
                )));
            }
        }
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(k: &str) -> Vec<String> {
        split_key(k).unwrap().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn simple_segments_agree_with_split_key() {
        for k in ["facts.os.family", "a.1.-1", "a. b .+2", "x.01", "a.b c", "::x.y"] {
            let full: Vec<String> = split_key(k).unwrap().iter().map(ToString::to_string).collect();
            let simple: Vec<String> = simple_segments(k).unwrap().map(|s| s.to_string()).collect();
            assert_eq!(full, simple, "{k}");
            let kinds = |segs: Vec<bool>| segs;
            assert_eq!(
                kinds(split_key(k).unwrap().iter().map(|s| matches!(s, Segment::Index(_))).collect()),
                kinds(simple_segments(k).unwrap().map(|s| matches!(s, SegRef::Index(_))).collect()),
                "{k}"
            );
        }
        assert!(simple_segments("a..b").is_none() && simple_segments("a.'b'").is_none());
    }

    #[test]
    fn split_plain_dotted_and_quoted() {
        assert_eq!(names("a::b"), ["a::b"]);
        assert_eq!(names("cfg.db.host"), ["cfg", "db", "host"]);
        assert_eq!(names("cfg.'a.b'"), ["cfg", "a.b"]);
        assert_eq!(names("cfg.\"a.b\""), ["cfg", "a.b"]);
        assert_eq!(names("\"cfg\".db"), ["cfg", "db"]);
        assert_eq!(names("'x.y'"), ["x.y"]);
        assert_eq!(split_key("a.1.-1").unwrap()[1..], [Segment::Index(1), Segment::Index(-1)]);
        assert_eq!(split_key("a.'1'").unwrap()[1], Segment::Name("1".into()));
    }

    #[test]
    fn split_syntax_errors() {
        for k in ["cfg..db", ".cfg", "cfg."] {
            assert_eq!(split_key(k).unwrap_err().message, format!("Syntax error in key: '{k}'"));
        }
    }

    #[test]
    fn dig_rules() {
        let v = Data::Hash(
            [(Key::from("l"), Data::Array(vec![Data::Int(1), Data::Int(2)])), (Key::from("s"), Data::from("x"))]
                .into_iter()
                .collect(),
        );
        let d = |k: &str| dig(k, &split_key(k).unwrap()[1..], &v, Strict::Warning);
        assert_eq!(d("r.l.1").unwrap(), Some(&Data::Int(2)));
        assert_eq!(d("r.l.2").unwrap(), None);
        assert_eq!(d("r.l.-1").unwrap(), None);
        assert_eq!(d("r.nope").unwrap(), None);
        assert_eq!(
            d("r.s.x").unwrap_err().message,
            "Data Provider type mismatch: Got String when a hash-like object was expected to access value using 'x' from key 'r.s.x'"
        );
        assert!(d("r.l.x").unwrap_err().message.contains("Got Array"));
    }
}
