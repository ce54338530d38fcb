//! Puppet's `Integer.new` on strings, for `convert_to` and `--type` conversions: Ruby
//! Integers of any size ([`lamina_value::Int`]) from the texts Puppet accepts.

pub(crate) use lamina_value::Int;

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// `Integer.new(string, radix)` (`PIntegerType.new_function`): the string must match
/// `INTEGER_PATTERN_LENIENT` (sign, blanks, then decimal digits, `0x` hex or `0b` binary; no
/// outer blanks), then Ruby's `Integer(s)` (a leading `0` means octal) or `Integer(s, radix)`
/// (which accepts the radix's own prefix: `0x`, `0b`, `0o`/`0`, `0d`).
#[must_use]
pub(crate) fn parse_integer(s: &str, radix: Option<u32>) -> Option<Int> {
    let (neg, rest) = split_sign(s);
    let body = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let lower = body.to_ascii_lowercase();
    let lenient = (!body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()))
        || lower.strip_prefix("0x").is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
        || lower.strip_prefix("0b").is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b == b'0' || b == b'1'));
    if !lenient {
        return None;
    }
    let (digits, radix) = match radix {
        None => {
            if let Some(h) = lower.strip_prefix("0x") {
                (h, 16)
            } else if let Some(b) = lower.strip_prefix("0b") {
                (b, 2)
            } else if lower.len() > 1 && lower.starts_with('0') {
                (&lower[1..], 8)
            } else {
                (lower.as_str(), 10)
            }
        }
        Some(r) => {
            let prefix = match r {
                16 => "0x",
                2 => "0b",
                8 => "0o",
                _ => "0d",
            };
            let d = lower.strip_prefix(prefix).unwrap_or(&lower);
            let d = if r == 8 && d.len() > 1 { d.strip_prefix('0').unwrap_or(d) } else { d };
            (d, r)
        }
    };
    Int::from_radix(neg, digits, radix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_new_strings() {
        let p = |s: &str| parse_integer(s, None).map(|i| i.to_string());
        assert_eq!(p("123456789012345678901234567890").as_deref(), Some("123456789012345678901234567890"));
        assert_eq!(p("0x1234567890abcdef1234567890").as_deref(), Some("1442304682740643783150283421840"));
        assert_eq!(p("01234567012345670123456701234567").as_deref(), Some("1616895878810725189668911479"));
        assert_eq!(p("-0x10").as_deref(), Some("-16"));
        assert_eq!(p("- 12").as_deref(), Some("-12"));
        assert_eq!(p(" 12").as_deref(), Some("12"));
        assert_eq!(p("12 "), None);
        assert_eq!(p("09"), None);
        assert_eq!(p("1_000"), None);
        let r = |s: &str, r| parse_integer(s, Some(r)).map(|i| i.to_string());
        assert_eq!(r("00123456789012345678901234567890", 10).as_deref(), Some("123456789012345678901234567890"));
        assert_eq!(r("0x1f", 16).as_deref(), Some("31"));
        assert_eq!(r("ff", 16), None);
    }
}
