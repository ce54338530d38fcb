//! Ruby Integers of any size, as far as Lamina needs them: read (decimal, or any radix from 2 to
//! 16), compared exactly (with each other and with floats), printed. No arithmetic beyond
//! parsing is needed: decimal texts are compared by sign, length and digits.

use std::cmp::Ordering;
use std::fmt;

/// An Integer beyond 64 bits (a Ruby Bignum), as its canonical decimal text: an optional `-`,
/// no leading zeros, never a value that fits an `i64` (those are [`Int::Small`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BigInt(Box<str>);

impl BigInt {
    /// The decimal text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a negative number.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.0.starts_with('-')
    }

    /// As an [`IntRef`], for comparisons.
    #[must_use]
    pub fn as_int_ref(&self) -> IntRef<'_> {
        IntRef::Big(&self.0)
    }

    /// The number as a float (Ruby's `Integer#to_f`, correctly rounded).
    #[must_use]
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Integer: an `i64`, or a [`BigInt`] beyond it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Int {
    /// Fits 64 bits.
    Small(i64),
    /// Beyond 64 bits.
    Big(BigInt),
}

/// A borrowed [`Int`]: what a value holds, compared without allocating in the `i64` case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntRef<'a> {
    /// Fits 64 bits.
    Small(i64),
    /// The decimal text of a [`BigInt`].
    Big(&'a str),
}

impl Int {
    /// Ruby's `String#to_i(radix)` (radix 2, 8, 10 or 16): leading whitespace, a sign, the
    /// radix's prefix (`0x`, `0o`, `0b`), digits with single underscores between them; anything
    /// else ends the number, and no digits is 0 (`"abc\n0x1F".to_i(16)` is 2748).
    #[must_use]
    pub fn ruby_to_i(s: &str, radix: u32) -> Int {
        let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let (neg, mut rest) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let prefix: &[&str] = match radix {
            16 => &["0x", "0X"],
            8 => &["0o", "0O", "0_"],
            2 => &["0b", "0B"],
            _ => &[],
        };
        if let Some(p) = prefix.iter().find(|p| rest.starts_with(**p)) {
            rest = &rest[p.len()..];
        }
        let b = rest.as_bytes();
        let mut digits = String::new();
        for (i, &c) in b.iter().enumerate() {
            if char::from(c).is_digit(radix) {
                digits.push(char::from(c));
            } else if c == b'_'
                && i > 0
                && char::from(b[i - 1]).is_digit(radix)
                && b.get(i + 1).is_some_and(|n| char::from(*n).is_digit(radix))
            {
            } else {
                break;
            }
        }
        Int::from_radix(neg, &digits, radix).unwrap_or(Int::Small(0))
    }

    /// From decimal text (optional sign, leading zeros allowed); `None` if not decimal.
    #[must_use]
    pub fn from_decimal(s: &str) -> Option<Int> {
        let (neg, digits) = split_sign(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Int::canonical(neg, digits))
    }

    /// From sign and magnitude digits (ASCII decimal, not empty).
    fn canonical(neg: bool, digits: &str) -> Int {
        let mag = digits.trim_start_matches('0');
        let text = if neg && !mag.is_empty() {
            format!("-{mag}")
        } else if mag.is_empty() {
            "0".into()
        } else {
            mag.into()
        };
        match text.parse::<i64>() {
            Ok(i) => Int::Small(i),
            Err(_) => Int::Big(BigInt(text.into_boxed_str())),
        }
    }

    /// Digits in `radix` (2 to 16, no prefix) as an Integer; `None` for an invalid digit or no
    /// digits.
    #[must_use]
    pub fn from_radix(neg: bool, digits: &str, radix: u32) -> Option<Int> {
        if digits.is_empty() {
            return None;
        }
        if radix == 10 {
            return digits.bytes().all(|b| b.is_ascii_digit()).then(|| Int::canonical(neg, digits));
        }
        // Little-endian limbs of 10^9: multiply by the radix and add each digit.
        const BASE: u64 = 1_000_000_000;
        let mut limbs: Vec<u64> = vec![0];
        for c in digits.chars() {
            let mut carry = u64::from(c.to_digit(radix)?);
            for l in &mut limbs {
                let x = *l * u64::from(radix) + carry;
                *l = x % BASE;
                carry = x / BASE;
            }
            if carry > 0 {
                limbs.push(carry);
            }
        }
        let mut text = String::new();
        for (i, l) in limbs.iter().rev().enumerate() {
            if i == 0 { text.push_str(&l.to_string()) } else { text.push_str(&format!("{l:09}")) }
        }
        Some(Int::canonical(neg, &text))
    }

    /// Ruby's `Float#to_i` (truncation) for a finite float; `None` for NaN and infinities.
    #[must_use]
    pub fn from_f64(f: f64) -> Option<Int> {
        if !f.is_finite() {
            return None;
        }
        let t = f.trunc();
        // 2^63: below it (and at or above -2^63) the cast is exact.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        #[allow(clippy::cast_possible_truncation)]
        if (-LIMIT..LIMIT).contains(&t) {
            return Some(Int::Small(t as i64));
        }
        // Rust prints a float's exact decimal value.
        Int::from_decimal(&format!("{t:.0}"))
    }

    /// Borrowed form.
    #[must_use]
    pub fn as_ref(&self) -> IntRef<'_> {
        match self {
            Int::Small(i) => IntRef::Small(*i),
            Int::Big(b) => IntRef::Big(b.as_str()),
        }
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl fmt::Display for IntRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntRef::Small(i) => write!(f, "{i}"),
            IntRef::Big(s) => f.write_str(s),
        }
    }
}

impl IntRef<'_> {
    /// The value as a float (Ruby's `Integer#to_f`, correctly rounded).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            IntRef::Small(i) => i as f64,
            IntRef::Big(s) => s.parse().unwrap_or(f64::NAN),
        }
    }

    /// Exact comparison with a float (`rb_integer_float_cmp`); `None` for NaN.
    #[must_use]
    pub fn cmp_f64(self, f: f64) -> Option<Ordering> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(if f > 0.0 { Ordering::Less } else { Ordering::Greater });
        }
        let t = Int::from_f64(f)?;
        Some(self.cmp(&t.as_ref()).then_with(|| {
            let frac = f - f.trunc();
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }))
    }
}

/// Exact comparison of Integers of any size.
impl Ord for IntRef<'_> {
    fn cmp(&self, other: &IntRef<'_>) -> Ordering {
        if let (IntRef::Small(a), IntRef::Small(b)) = (self, other) {
            return a.cmp(b);
        }
        // Sign, then magnitude by length and digits (reversed for negatives).
        let (an, am) = magnitude(*self);
        let (bn, bm) = magnitude(*other);
        match (an, bn) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (neg, _) => {
                let o = am.len().cmp(&bm.len()).then_with(|| am.cmp(&bm));
                if neg { o.reverse() } else { o }
            }
        }
    }
}

impl PartialOrd for IntRef<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Sign and magnitude digits without leading zeros ("0" for zero).
fn magnitude(i: IntRef<'_>) -> (bool, String) {
    let text = i.to_string();
    let (neg, digits) = split_sign(&text);
    let mag = digits.trim_start_matches('0');
    (neg && !mag.is_empty(), if mag.is_empty() { "0".into() } else { mag.into() })
}

/// A leading sign and the rest.
fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> Int {
        Int::from_decimal(s).unwrap()
    }

    #[test]
    fn compares_exactly() {
        let b = big("123456789012345678901234567890");
        let nb = big("-123456789012345678901234567890");
        assert!(matches!(b, Int::Big(_)));
        assert_eq!(b.as_ref().cmp(&IntRef::Small(i64::MAX)), Ordering::Greater);
        assert_eq!(nb.as_ref().cmp(&IntRef::Small(i64::MIN)), Ordering::Less);
        assert_eq!(IntRef::Big("9223372036854775808").cmp(&IntRef::Small(i64::MAX)), Ordering::Greater);
        assert_eq!(IntRef::Big("-99999999999999999999").cmp(&nb.as_ref()), Ordering::Greater);
        assert_eq!(big("+007"), Int::Small(7));
        assert_eq!(big("-0"), Int::Small(0));
        assert_eq!(b.as_ref().cmp_f64(1.2e29), Some(Ordering::Greater));
        assert_eq!(b.as_ref().cmp_f64(f64::INFINITY), Some(Ordering::Less));
    }

    #[test]
    fn radix_and_floats() {
        let r = |s: &str, r| Int::from_radix(false, s, r).map(|i| i.to_string());
        assert_eq!(r("1234567890abcdef1234567890", 16).as_deref(), Some("1442304682740643783150283421840"));
        assert_eq!(r("1234567012345670123456701234567", 8).as_deref(), Some("1616895878810725189668911479"));
        assert_eq!(r("12", 2), None);
        assert_eq!(Int::from_radix(true, "10", 16), Some(Int::Small(-16)));
        assert_eq!(Int::from_f64(1.0e30).unwrap().to_string(), "1000000000000000019884624838656");
        assert_eq!(Int::from_f64(-2.5e20).unwrap().to_string(), "-250000000000000000000");
    }
}
