//! Scalar resolution exactly as Psych 4.0.3 (Ruby 3.1, the Psych Puppet 7 runs on) does it.
//!
//! Psych turns an untagged plain scalar into a Ruby object with `ScalarScanner#tokenize`
//! (<https://github.com/ruby/psych/blob/v4.0.3/lib/psych/scalar_scanner.rb>, quoted below as
//! `ss:LINE`) and a tagged scalar with `Visitors::ToRuby#deserialize` (`lib/psych/visitors/to_ruby.rb`,
//! quoted as `tr:LINE`). Psych's regexes are hand-compiled here: this crate has no regex
//! dependency, and the hand-written matchers are several times faster on the hot path (every plain
//! scalar of every fact payload goes through [`tokenize`]).
//!
//! Ruby details that matter: `\d`, `\s` and `[0-9]` are ASCII-only, `^`/`$` are *line* anchors
//! (they only differ from string anchors in the multi-line branch, see [`keyword_lines`]), and
//! `String#to_i`/`#to_f` accept single underscores between digits.

use lamina_value::Value;

/// The core-schema string tag. Psych's merge-key test (`tr:337`) compares against this full form,
/// so `!!str <<` is an ordinary key while `"<<"` and `!str <<` still merge.
pub(crate) const STR_TAG: &str = "tag:yaml.org,2002:str";

/// What `tokenize` produced. Symbols are kept apart so `!!float :x` can fail as in Ruby; the
/// reader then stores them as their name (see `super` docs on symbols).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Value(Value),
    Symbol(String),
    /// An integer beyond 64 bits (a Ruby Bignum): the scalar as written and its decimal digits.
    Big {
        text: String,
        decimal: String,
    },
}

impl Token {
    /// The value (a bignum as [`Value::BigInt`]).
    pub(crate) fn into_value(self) -> Result<Value, String> {
        match self {
            Token::Value(v) => Ok(v),
            Token::Symbol(s) => Ok(Value::String(s)),
            Token::Big { text, decimal } => match lamina_value::Int::from_decimal(&decimal) {
                Some(lamina_value::Int::Big(b)) => Ok(Value::BigInt(b)),
                Some(lamina_value::Int::Small(i)) => Ok(Value::Int(i)),
                None => Err(out_of_range(&text)),
            },
        }
    }
}

pub(crate) fn disallowed(class: &str) -> String {
    // Psych::DisallowedClass#initialize (exception.rb): "Tried to #{action} unspecified class: #{klass_name}"
    format!("Tried to load unspecified class: {class}")
}

/// `ScalarScanner#tokenize` for an untagged plain scalar (`ss:30-98`). Takes the scalar by value
/// so that the (by far most common) string result reuses the parser's allocation.
pub(crate) fn tokenize(s: String) -> Result<Token, String> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Ok(Token::Value(Value::Null)); // ss:31
    }
    // ss:36 — "looks like a word": goes to the keyword checks, never to numbers or dates.
    let multi_line = b.contains(&b'\n');
    if multi_line || starts_like_word(&s) {
        // ss:37 `return string if string.length > 5` (characters, not bytes)
        if b.len() > 5 && (b.len() > 20 || s.chars().count() > 5) {
            return Ok(Token::Value(Value::String(s)));
        }
        return Ok(Token::Value(keyword_lines(s)));
    }
    if is_time(b) {
        // ss:50 then parse_time → class_loader.load 'Time' (ss:109) raises before any
        // ArgumentError rescue can turn an impossible time back into a string.
        return Err(disallowed("Time"));
    }
    if is_date(b) {
        // ss:56-59: class_loader.date raises DisallowedClass before strptime validates the date,
        // so 2001-02-30 fails too (Puppet: "Tried to load unspecified class: Date").
        return Err(disallowed("Date"));
    }
    // ss:63-68, case-insensitive
    if s.eq_ignore_ascii_case(".inf") || s.eq_ignore_ascii_case("+.inf") {
        return Ok(Token::Value(Value::Float(f64::INFINITY)));
    }
    if s.eq_ignore_ascii_case("-.inf") {
        return Ok(Token::Value(Value::Float(f64::NEG_INFINITY)));
    }
    if s.eq_ignore_ascii_case(".nan") {
        return Ok(Token::Value(Value::Float(f64::NAN)));
    }
    if b[0] == b':' && b.len() > 1 {
        return Ok(Token::Symbol(symbol_name(&s)));
    }
    if sexagesimal(b, false) {
        return sexagesimal_int(&s).map(|i| Token::Value(Value::Int(i)));
    }
    if sexagesimal(b, true) {
        return Ok(Token::Value(Value::Float(sexagesimal_float(&s))));
    }
    if is_float(b) {
        // ss:88 `string.match?(/\A[-+]?\.\Z/)` keeps "." / "-." as strings
        if matches!(b, [b'.'] | [b'+' | b'-', b'.']) {
            return Ok(Token::Value(Value::String(s)));
        }
        return float_literal(&s).map(|f| Token::Value(Value::Float(f)));
    }
    if is_integer(b) {
        return match parse_int(&s) {
            Ok(i) => Ok(Token::Value(Value::Int(i))),
            Err(e) => big_decimal(&s).map(|decimal| Token::Big { text: s.clone(), decimal }).ok_or(e),
        };
    }
    Ok(Token::Value(Value::String(s)))
}

/// Ruby whitespace `\s`: ASCII only.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// The character class of ss:36 `[[:alpha:]_\s!@#$%\^&*(){}<>|/\\~;=]`.
/// Onigmo's `[[:alpha:]]` is Letter|Mark, Rust's `is_alphabetic` is the Alphabetic property; they
/// differ only on non-ASCII characters, which can never make a number/date pattern match
/// afterwards, so the final result is the same either way.
fn wordish(c: char) -> bool {
    c.is_alphabetic() || is_space(c) || "_!@#$%^&*(){}<>|/\\~;=".contains(c)
}

/// ss:36 `^[^\d.:-]?[[:alpha:]...]+` (prefix match): the first character is wordish, or the first
/// is not one of `0-9 . : -` and the second is wordish.
fn starts_like_word(s: &str) -> bool {
    let mut it = s.chars();
    let Some(c0) = it.next() else { return false };
    if wordish(c0) {
        return true;
    }
    if c0.is_ascii_digit() || matches!(c0, '.' | ':' | '-') {
        return false;
    }
    it.next().is_some_and(wordish)
}

/// ss:39-49 for strings of at most 5 characters. Because Ruby's `^`/`$` match at every line, a
/// multi-line plain scalar such as `"y\nyes"` (written `y` / blank line / `yes`) is `true` in
/// Psych: any line may supply the keyword, and any line starting with another character (an empty
/// line counts: `[^ytonf~]` matches the newline itself) makes it a string.
fn keyword_lines(s: String) -> Value {
    // `^` after a final newline has no character to test; plain scalars never end in one, but
    // callers of the public function may pass anything.
    let lines = || s.strip_suffix('\n').unwrap_or(&s).split('\n');
    let other_start = lines().any(|l| l.chars().next().is_none_or(|c| !"ytonfYTONF~".contains(c)));
    if other_start {
        return Value::String(s);
    }
    let any = |words: &[&str]| lines().any(|l| words.iter().any(|w| l.eq_ignore_ascii_case(w)));
    if s == "~" || any(&["null"]) {
        Value::Null
    } else if any(&["yes", "true", "on"]) {
        Value::Bool(true)
    } else if any(&["no", "false", "off"]) {
        Value::Bool(false)
    } else {
        Value::String(s)
    }
}

/// Length of the run of ASCII digits starting at `i`.
fn digit_run(b: &[u8], i: usize) -> usize {
    b.get(i..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
}

/// ss:9 `TIME = /^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$/`
fn is_time(b: &[u8]) -> bool {
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut i = usize::from(b.first() == Some(&b'-'));
    // Each `\d{n,m}` below is followed by a non-digit literal, so the whole digit run must fit.
    let field = |i: &mut usize, min: usize, max: usize, then: Option<u8>| -> bool {
        let n = digit_run(b, *i);
        if n < min || n > max {
            return false;
        }
        *i += n;
        match then {
            Some(c) if b.get(*i) == Some(&c) => {
                *i += 1;
                true
            }
            Some(_) => false,
            None => true,
        }
    };
    if !(field(&mut i, 4, 4, Some(b'-')) && field(&mut i, 1, 2, Some(b'-')) && field(&mut i, 1, 2, None)) {
        return false;
    }
    match b.get(i) {
        Some(b'T' | b't') => i += 1,
        Some(&c) if ws(c) => {
            while b.get(i).is_some_and(|&c| ws(c)) {
                i += 1;
            }
        }
        _ => return false,
    }
    if !(field(&mut i, 1, 2, Some(b':')) && field(&mut i, 2, 2, Some(b':')) && field(&mut i, 2, 2, None)) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1 + digit_run(b, i + 1);
    }
    if i == b.len() {
        return true;
    }
    // The optional zone group must match entirely: trailing blanks alone do not.
    while b.get(i).is_some_and(|&c| ws(c)) {
        i += 1;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            // `\d{1,2}:?(?:\d\d)?$` — with backtracking that is D, DD, DDD, DDDD, D:, DD:, D:DD, DD:DD
            let rest = &b[i + 1..];
            match rest.iter().position(|&c| c == b':') {
                Some(p) => {
                    (1..=2).contains(&p)
                        && digit_run(rest, 0) == p
                        && matches!(rest.len() - p - 1, 0 | 2)
                        && digit_run(rest, p + 1) == rest.len() - p - 1
                }
                None => (1..=4).contains(&rest.len()) && digit_run(rest, 0) == rest.len(),
            }
        }
        _ => false,
    }
}

/// ss:56 `/^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$/`
fn is_date(b: &[u8]) -> bool {
    if b.len() < 8 || digit_run(b, 0) != 4 || b[4] != b'-' {
        return false;
    }
    let m = digit_run(b, 5);
    let month_ok = m == 1 || (m == 2 && (b[5] == b'0' || (b[5] == b'1' && b[6] <= b'2')));
    if !month_ok || b.get(5 + m) != Some(&b'-') {
        return false;
    }
    let d0 = 6 + m;
    let d = digit_run(b, d0);
    d0 + d == b.len() && (d == 1 || (d == 2 && (b[d0] <= b'2' || (b[d0] == b'3' && b[d0 + 1] <= b'1'))))
}

/// ss:69-74. `:"a b"` → `a b`; otherwise the leading colon is dropped. Psych's quote regex is not
/// end-anchored and `.*` is greedy, so the name runs to the *last* matching quote.
fn symbol_name(s: &str) -> String {
    let rest = &s[1..];
    if let Some(q) = rest.chars().next().filter(|&c| c == '"' || c == '\'')
        && let Some(end) = rest[1..].rfind(q)
    {
        let inner = &rest[1..1 + end];
        return inner.strip_prefix(':').unwrap_or(inner).to_string();
    }
    rest.to_string()
}

/// ss:75 `/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$/` and, with `float`, ss:81 (the same followed by
/// `\.[0-9_]*`).
fn sexagesimal(b: &[u8], float: bool) -> bool {
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut parts = 1;
    while b.get(i) == Some(&b':') && parts < 3 {
        let n = digit_run(b, i + 1);
        let ok = n == 1 || (n == 2 && b[i + 1] <= b'5');
        if !ok {
            return false;
        }
        i += 1 + n;
        parts += 1;
    }
    if parts == 1 {
        return false;
    }
    if float {
        if b.get(i) != Some(&b'.') {
            return false;
        }
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// ss:76-80: `i += n.to_i * 60 ** (e - 2).abs` — note the exponent: `1:30` is 1*3600 + 30*60 =
/// 5400 (Psych's well-known quirk, which Puppet inherits), `1:30:00` is also 5400.
fn sexagesimal_int(s: &str) -> Result<i64, String> {
    let mut acc: i64 = 0;
    for (e, part) in s.split(':').enumerate() {
        let n = ruby_to_i(part).ok_or_else(|| out_of_range(s))?;
        let w = 60i64.pow(e.abs_diff(2) as u32);
        acc = n.checked_mul(w).and_then(|x| acc.checked_add(x)).ok_or_else(|| out_of_range(s))?;
    }
    Ok(acc)
}

/// ss:82-86, the same sum with `String#to_f`, accumulated in the same order.
fn sexagesimal_float(s: &str) -> f64 {
    let mut acc = 0.0;
    for (e, part) in s.split(':').enumerate() {
        acc += ruby_to_f(part) * f64::from(60u32.pow(e.abs_diff(2) as u32));
    }
    acc
}

/// Digits with single underscores between them, as `String#to_i`/`#to_f` read them; stops at the
/// first character that does not continue the number ("1__0".to_i == 1).
fn ruby_digits(b: &[u8], mut i: usize, out: &mut String) -> usize {
    while i < b.len() {
        if b[i].is_ascii_digit() {
            out.push(b[i] as char);
            i += 1;
        } else if b[i] == b'_' && i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// `String#to_i` on the strings the sexagesimal regex admits; `None` on i64 overflow.
fn ruby_to_i(part: &str) -> Option<i64> {
    let b = part.as_bytes();
    let neg = b.first() == Some(&b'-');
    let start = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut digits = String::new();
    ruby_digits(b, start, &mut digits);
    let mut n: i64 = 0;
    for d in digits.bytes() {
        n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if neg { -n } else { n })
}

/// `String#to_f` on the strings the sexagesimal-float regex admits ("30.5_5" → 30.55, "30._5" → 30.0).
fn ruby_to_f(part: &str) -> f64 {
    let b = part.as_bytes();
    let mut clean = String::new();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        clean.push(b[0] as char);
        i = 1;
    }
    i = ruby_digits(b, i, &mut clean);
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        clean.push('.');
        ruby_digits(b, i + 1, &mut clean);
    }
    clean.parse().unwrap_or(0.0)
}

/// ss:13 `FLOAT = /^(?:[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?)$/` — a dot is required and
/// so is the exponent's sign: `1e3` and `1.0e3` stay strings, `1.0e+3` is 1000.0.
fn is_float(b: &[u8]) -> bool {
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if b.get(i).is_some_and(u8::is_ascii_digit) {
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_' || *c == b',') {
            i += 1;
        }
    }
    if b.get(i) != Some(&b'.') {
        return false;
    }
    i += 1 + digit_run(b, i + 1);
    if matches!(b.get(i), Some(b'e' | b'E')) {
        if !matches!(b.get(i + 1), Some(b'+' | b'-')) {
            return false;
        }
        let n = digit_run(b, i + 2);
        if n == 0 {
            return false;
        }
        i += 2 + n;
    }
    i == b.len()
}

/// ss:91 `Float(string.gsub(/[,_]|\.([Ee]|$)/, '\1'))`. Ruby's `Float()` then rejects what is left
/// without a mantissa digit (".e+3" → "e+3": ArgumentError, which Puppet reports).
fn float_literal(s: &str) -> Result<f64, String> {
    let mut clean = String::with_capacity(s.len());
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b',' | b'_' => {}
            b'.' if matches!(b.get(i + 1), None | Some(b'e' | b'E')) => {}
            _ => clean.push(c as char),
        }
    }
    let mantissa = clean.split(['e', 'E']).next().unwrap_or("");
    if !mantissa.bytes().any(|c| c.is_ascii_digit()) {
        return Err(format!("invalid value for Float(): {clean:?}"));
    }
    clean.parse().map_err(|_| format!("invalid value for Float(): {clean:?}"))
}

/// ss:16-19 `INTEGER` (binary, octal with a leading 0, decimal with `_`/`,` only between digits,
/// hex). `08`, `0o17`, `1__000` match none of them and stay strings.
fn is_integer(b: &[u8]) -> bool {
    let i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let r = &b[i..];
    let all = |r: &[u8], f: fn(u8) -> bool| !r.is_empty() && r.iter().all(|&c| f(c) || c == b'_' || c == b',');
    match r {
        [b'0', b'b', rest @ ..] => all(rest, |c| c == b'0' || c == b'1'),
        [b'0', b'x', rest @ ..] => all(rest, |c| c.is_ascii_hexdigit()),
        [b'0'] => true,
        [b'0', rest @ ..] => all(rest, |c| (b'0'..=b'7').contains(&c)),
        [b'1'..=b'9', rest @ ..] => {
            // (?:[0-9]|,[0-9]|_[0-9])*
            let mut j = 0;
            while j < rest.len() {
                match rest[j] {
                    c if c.is_ascii_digit() => j += 1,
                    b',' | b'_' if rest.get(j + 1).is_some_and(u8::is_ascii_digit) => j += 2,
                    _ => return false,
                }
            }
            true
        }
        _ => false,
    }
}

/// The decimal digits of an integer scalar that [`parse_int`] refused as out of range (what Ruby's
/// `Integer()` makes a Bignum of); `None` when it is not a valid integer at all.
fn big_decimal(s: &str) -> Option<String> {
    let clean: String = s.chars().filter(|&c| c != '_' && c != ',').collect();
    let (neg, radix, digits) = int_parts(&clean);
    lamina_value::Int::from_radix(neg, digits, radix).map(|i| i.to_string())
}

/// Ruby's `Integer()` of a cleaned integer text, taken apart: sign, the radix its `0b`/`0x`/`0`
/// prefix gives, the digits.
fn int_parts(clean: &str) -> (bool, u32, &str) {
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean),
    };
    if let Some(d) = body.strip_prefix("0b") {
        (neg, 2, d)
    } else if let Some(d) = body.strip_prefix("0x") {
        (neg, 16, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (neg, 8, &body[1..])
    } else {
        (neg, 10, body)
    }
}

pub(crate) fn out_of_range(s: &str) -> String {
    // Only where an integer must be a machine one (a sexagesimal `1:30:00` part).
    format!("integer {s} is out of range (must fit in 64 bits)")
}

/// ss:103 `Integer(string.gsub(/[,_]/, ''))` — Ruby's `Integer()` reads the 0b/0x/0 prefixes.
fn parse_int(s: &str) -> Result<i64, String> {
    let clean: String = s.chars().filter(|&c| c != '_' && c != ',').collect();
    let (neg, radix, digits) = int_parts(&clean);
    if digits.is_empty() {
        // "0b_" → Integer("0b"): ArgumentError, the whole load fails in Psych.
        return Err(format!("invalid value for Integer(): {clean:?}"));
    }
    let mag = u64::from_str_radix(digits, radix).map_err(|_| out_of_range(s))?;
    if neg {
        0i64.checked_sub_unsigned(mag).ok_or_else(|| out_of_range(s))
    } else {
        i64::try_from(mag).map_err(|_| out_of_range(s))
    }
}

/// Ruby `Float(x)` for the `!!float` tag (`tr:93 Float(@ss.tokenize(o.value))`).
fn ruby_float_of(t: Token) -> Result<f64, String> {
    match t {
        Token::Value(Value::Float(f)) => Ok(f),
        Token::Value(Value::Int(i)) => Ok(i as f64),
        Token::Value(Value::Null) => Err("can't convert nil into Float".into()),
        Token::Value(Value::Bool(b)) => Err(format!("can't convert {b} into Float")),
        Token::Symbol(_) => Err("can't convert Symbol into Float".into()),
        Token::Big { decimal, .. } => decimal.parse::<f64>().map_err(|e| e.to_string()),
        Token::Value(Value::String(s)) => ruby_float_str(&s),
        Token::Value(_) => Err("can't convert into Float".into()),
    }
}

/// `Kernel#Float(String)`: surrounding blanks, `_` between digits, hex integers, a fraction needs a
/// digit after the dot.
fn ruby_float_str(s: &str) -> Result<f64, String> {
    let bad = || format!("invalid value for Float(): {s:?}");
    let t = s.trim_matches(is_space).as_bytes();
    let (sign, body) = match t.first() {
        Some(b'-') => ("-", &t[1..]),
        Some(b'+') => ("", &t[1..]),
        _ => ("", t),
    };
    if let Some(hex) = body.strip_prefix(b"0x").or_else(|| body.strip_prefix(b"0X")) {
        let h: String = hex.iter().filter(|&&c| c != b'_').map(|&c| c as char).collect();
        let v = u64::from_str_radix(&h, 16).map_err(|_| bad())?;
        return Ok(if sign == "-" { -(v as f64) } else { v as f64 });
    }
    let mut clean = String::from(sign);
    let mut i = ruby_digits(body, 0, &mut clean);
    let int_digits = clean.len() - sign.len();
    if body.get(i) == Some(&b'.') {
        if !body.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return Err(bad());
        }
        clean.push('.');
        i = ruby_digits(body, i + 1, &mut clean);
    } else if int_digits == 0 {
        return Err(bad());
    }
    if matches!(body.get(i), Some(b'e' | b'E')) {
        clean.push('e');
        i += 1;
        if let Some(&c @ (b'+' | b'-')) = body.get(i) {
            clean.push(c as char);
            i += 1;
        }
        let before = clean.len();
        i = ruby_digits(body, i, &mut clean);
        if clean.len() == before {
            return Err(bad());
        }
    }
    if i != body.len() {
        return Err(bad());
    }
    clean.parse().map_err(|_| bad())
}

/// The class name after `PREFIX` / `PREFIX:` in a tag, or `None` if the tag is not of that family.
fn tag_class<'t>(tag: &'t str, prefix: &str, colon_required: bool) -> Option<&'t str> {
    let rest = tag.strip_prefix(prefix)?;
    match rest.strip_prefix(':') {
        Some(c) => Some(c),
        None if rest.is_empty() && !colon_required => Some(""),
        None => None,
    }
}

/// A scalar carrying an explicit tag (`tr:51-127`). Unknown tags (`!foo`, `!`, `!!int`,
/// `!!bool`, `!!null`) fall through to `tokenize`, so `!!int "12"` is 12 and `!foo yes` is true.
pub(crate) fn resolve_tagged(text: String, tag: &str) -> Result<Token, String> {
    let string = |t: String| Ok(Token::Value(Value::String(t)));
    match tag {
        // Psych decodes base64 into a binary String; Lamina refuses it (brief: binary values have
        // no place in parameters, and a non-UTF-8 result would have no Value form).
        "!binary" | "tag:yaml.org,2002:binary" => Err("!!binary scalars are not supported".into()),
        STR_TAG => string(text),
        "!ruby/object:BigDecimal" => Err(disallowed("BigDecimal")),
        "!ruby/object:DateTime" => Err(disallowed("DateTime")),
        "!ruby/object:Complex" => Err(disallowed("Complex")),
        "!ruby/object:Rational" => Err(disallowed("Rational")),
        "!ruby/encoding" => Err("!ruby/encoding (a Ruby Encoding object) is not supported".into()),
        // resolve_class(value): an empty name loads nothing and yields nil.
        "!ruby/class" | "!ruby/module" if text.is_empty() => Ok(Token::Value(Value::Null)),
        "!ruby/class" | "!ruby/module" => Err(disallowed(&text)),
        "tag:yaml.org,2002:float" | "!float" => ruby_float_of(tokenize(text)?).map(|f| Token::Value(Value::Float(f))),
        "!ruby/regexp" => Err(disallowed("Regexp")),
        "!ruby/range" => Err(disallowed("Range")),
        _ => {
            // tr:65 /^!(?:str|ruby\/string)(?::(.*))?$/
            if let Some(class) = tag_class(tag, "!str", false).or_else(|| tag_class(tag, "!ruby/string", false)) {
                return if class.is_empty() { string(text) } else { Err(disallowed(class)) };
            }
            // tr:120 /^!ruby\/sym(bol)?:?(.*)?$/ — the scalar text is the symbol name as-is.
            if tag.starts_with("!ruby/sym") {
                return Ok(Token::Symbol(text));
            }
            tokenize(text)
        }
    }
}

/// What a sequence's tag makes of it (`tr:143-157`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqKind {
    Array,
    /// `!!omap`: a `Psych::Omap` (a Hash subclass Psych creates without asking the class loader).
    Omap,
}

pub(crate) fn seq_kind(tag: &str) -> Result<SeqKind, String> {
    match tag {
        "!omap" | "tag:yaml.org,2002:omap" => Ok(SeqKind::Omap),
        _ => match tag_class(tag, "!seq", true).or_else(|| tag_class(tag, "!ruby/array", true)) {
            Some("") => Err(format!("unsupported tag {tag} on a sequence")),
            Some(class) => Err(disallowed(class)),
            None => Ok(SeqKind::Array),
        },
    }
}

/// Checks a mapping's tag (`tr:161-315`); `Ok` means "an ordinary Hash" (merge keys apply).
pub(crate) fn check_map_tag(tag: &str) -> Result<(), String> {
    let class_or =
        |class: &str, default: &str| Err(if class.is_empty() { disallowed(default) } else { disallowed(class) });
    let unsupported = || Err(format!("unsupported tag {tag} on a mapping"));
    if let Some(c) = tag.strip_prefix("!ruby/struct") {
        return class_or(c.strip_prefix(':').unwrap_or(c), "Struct");
    }
    if let Some(c) = tag.strip_prefix("!ruby/object") {
        // tr:192 `name = $1 || 'Object'`; "!ruby/object:Hash" is revived as a plain Hash.
        let c = c.strip_prefix(':').unwrap_or(c);
        return if c == "Hash" { Ok(()) } else { class_or(c, "Object") };
    }
    if tag == STR_TAG {
        return unsupported();
    }
    if let Some(c) = tag_class(tag, "!str", false).or_else(|| tag_class(tag, "!ruby/string", false)) {
        return if c.is_empty() { unsupported() } else { Err(disallowed(c)) };
    }
    if let Some(c) = tag_class(tag, "!ruby/array", true) {
        return if c.is_empty() { unsupported() } else { Err(disallowed(c)) };
    }
    if tag == "!ruby/range" {
        return Err(disallowed("Range"));
    }
    if let Some(c) = tag.strip_prefix("!ruby/exception") {
        return class_or(c.strip_prefix(':').unwrap_or(c), "Exception");
    }
    if tag == "!set" || tag == "tag:yaml.org,2002:set" {
        return Err(disallowed("Psych::Set"));
    }
    if let Some(c) = tag_class(tag, "!ruby/hash-with-ivars", false)
        .or_else(|| tag_class(tag, "!map", true))
        .or_else(|| tag_class(tag, "!ruby/hash", true))
        .or_else(|| tag_class(tag, "!ruby/marshalable", true))
    {
        return if c.is_empty() { unsupported() } else { Err(disallowed(c)) };
    }
    if tag == "!omap" || tag == "tag:yaml.org,2002:omap" {
        return Err(disallowed("Psych::Omap"));
    }
    Ok(())
}
