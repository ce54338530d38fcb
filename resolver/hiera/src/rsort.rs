//! Ruby 3.1's `Array#sort!` over Puppet data, as deep_merge's `sort_merged_arrays` calls it —
//! the comparison *sequence* matters, because the first incomparable pair raises and the message
//! names its operands in order (`comparison of String with 1 failed`).
//!
//! Ruby's `ruby_qsort` (`util.c`) hands the work to the C library's `qsort_r` when it is GNU's;
//! Debian 12's glibc 2.36 `qsort_r` is a top-down merge sort (`stdlib/msort.c`:
//! `msort_with_tmp`, `n1 = n / 2`, merge taking the left element while `cmp <= 0`), which is
//! reproduced here: the same pairs are compared in the same order and equal elements keep their
//! order. (Checked against Ruby 3.1.2 by logging the pairs a sort block receives.)

use super::int::IntRef;
use crate::Value;
use std::cmp::Ordering;

/// Sorts `a` as Ruby's `sort!` does; the error is Ruby's `ArgumentError` message for the first
/// pair `<=>` cannot order.
pub(super) fn ruby_sort(a: &mut Vec<Value>) -> Result<(), String> {
    if a.len() < 2 {
        return Ok(());
    }
    let mut v: Vec<Value> = std::mem::take(a);
    let r = msort(&mut v);
    *a = v;
    r
}

/// glibc `msort_with_tmp` over a slice (the temporary buffer is a fresh vector per merge).
fn msort(b: &mut [Value]) -> Result<(), String> {
    let n = b.len();
    if n <= 1 {
        return Ok(());
    }
    let n1 = n / 2;
    msort(&mut b[..n1])?;
    msort(&mut b[n1..])?;
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        match sort_2(&b[i], &b[j])? {
            Ordering::Greater => {
                order.push(j);
                j += 1;
            }
            _ => {
                order.push(i);
                i += 1;
            }
        }
    }
    order.extend(i..n1);
    order.extend(j..n);
    let mut taken: Vec<Value> = b.iter_mut().map(std::mem::take).collect();
    for (dst, src) in b.iter_mut().zip(order) {
        *dst = std::mem::take(&mut taken[src]);
    }
    Ok(())
}

/// `sort_2` (`array.c`): `a <=> b`, nil raising `rb_cmperr(a, b)`.
fn sort_2(a: &Value, b: &Value) -> Result<Ordering, String> {
    spaceship(a, b).ok_or_else(|| cmperr(a, b))
}

/// `rb_cmperr` (`compar.c`): the class of `x`; `y` by `inspect` when it is a special constant
/// (nil, true, false, a Fixnum) or a Float, else by its class (a Bignum is an `Integer`).
fn cmperr(x: &Value, y: &Value) -> String {
    let class = |v: &Value| if IntRef::of(v).is_some() { "Integer" } else { v.ruby_class_name() };
    let ys = match y {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => super::interp::ruby_inspect(y),
        other => class(other).to_string(),
    };
    format!("comparison of {} with {ys} failed", class(x))
}

/// Ruby's `<=>` between two data values; `None` is Ruby's nil (incomparable).
fn spaceship(x: &Value, y: &Value) -> Option<Ordering> {
    // Integers of any size (bignums are marked strings) compare exactly with each other and
    // with Floats.
    match (IntRef::of(x), IntRef::of(y)) {
        (Some(a), Some(b)) => return Some(a.cmp(&b)),
        (Some(a), None) if let Value::Float(b) = y => return a.cmp_f64(*b),
        (None, Some(b)) if let Value::Float(a) = x => return b.cmp_f64(*a).map(Ordering::reverse),
        (Some(_), None) | (None, Some(_)) => return None,
        (None, None) => {}
    }
    match (x, y) {
        (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
        // `rb_str_cmp`: bytes, then length.
        (Value::String(a), Value::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        // `Array#<=>`: element-wise `<=>` (nil stops it), then the lengths.
        (Value::Array(a), Value::Array(b)) => {
            for (p, q) in a.iter().zip(b) {
                match spaceship(p, q)? {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(a.len().cmp(&b.len()))
        }
        // Numbers and strings refuse everything else; `Object#<=>` (nil, booleans, hashes) is 0
        // for `==` values and nil otherwise.
        (Value::Int(_) | Value::Float(_) | Value::String(_) | Value::Array(_), _) => None,
        _ => ruby_eq(x, y).then_some(Ordering::Equal),
    }
}

/// Ruby's `==` over data: numbers across Integer/Float (bignums too), hashes by key (any order).
pub(super) fn ruby_eq(x: &Value, y: &Value) -> bool {
    let int_float = |a: &Value, b: &Value| IntRef::of(a).is_some() && matches!(b, Value::Float(_));
    match (x, y) {
        _ if int_float(x, y) || int_float(y, x) => spaceship(x, y) == Some(Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(p, q)| ruby_eq(p, q)),
        (Value::Hash(a), Value::Hash(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| ruby_eq(v, w)))
        }
        _ => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    #[test]
    fn first_failing_pair_as_ruby() {
        // Ruby 3.1: ["a", 1, "b", 2].sort => comparison of String with 1 failed
        let mut a = vec![s("a"), Value::Int(1), s("b"), Value::Int(2)];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of String with 1 failed");
        // [1, "a"].sort => comparison of Integer with String failed
        let mut a = vec![Value::Int(1), s("a")];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of Integer with String failed");
        let mut a = vec![s("a"), Value::Float(1.5)];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of String with 1.5 failed");
    }

    #[test]
    fn stable_merge_sort() {
        let mut a = vec![Value::Float(1.0), Value::Int(3), Value::Int(1), s("x")];
        assert!(ruby_sort(&mut a).is_err());
        let mut a = vec![Value::Int(2), Value::Float(1.0), Value::Int(1), Value::Float(0.5)];
        ruby_sort(&mut a).unwrap();
        assert_eq!(a, vec![Value::Float(0.5), Value::Float(1.0), Value::Int(1), Value::Int(2)]);
        let mut a = vec![Value::Null, Value::Null];
        ruby_sort(&mut a).unwrap();
        let mut a = vec![Value::Bool(true), Value::Null];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of TrueClass with nil failed");
    }
}
