//! Ruby 3.1's `Array#sort!` over Puppet data, as deep_merge's `sort_merged_arrays` calls it —
//! the comparison *sequence* matters, because the first incomparable pair raises and the message
//! names its operands in order (`comparison of String with 1 failed`).
//!
//! Ruby's `ruby_qsort` (`util.c`) hands the work to the C library's `qsort_r` when it is GNU's;
//! Debian 12's glibc 2.36 `qsort_r` is a top-down merge sort (`stdlib/msort.c`:
//! `msort_with_tmp`, `n1 = n / 2`, merge taking the left element while `cmp <= 0`), which is
//! reproduced here: the same pairs are compared in the same order and equal elements keep their
//! order. (Checked against Ruby 3.1.2 by logging the pairs a sort block receives.)

use crate::Data;
use std::cmp::Ordering;

/// Sorts `a` as Ruby's `sort!` does; the error is Ruby's `ArgumentError` message for the first
/// pair `<=>` cannot order.
pub(super) fn ruby_sort(a: &mut Vec<Data>) -> Result<(), String> {
    if a.len() < 2 {
        return Ok(());
    }
    let mut v: Vec<Data> = std::mem::take(a);
    let r = msort(&mut v);
    *a = v;
    r
}

/// glibc `msort_with_tmp` over a slice (the temporary buffer is a fresh vector per merge).
fn msort(b: &mut [Data]) -> Result<(), String> {
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
    let mut taken: Vec<Data> = b.iter_mut().map(std::mem::take).collect();
    for (dst, src) in b.iter_mut().zip(order) {
        *dst = std::mem::take(&mut taken[src]);
    }
    Ok(())
}

/// `sort_2` (`array.c`): `a <=> b`, nil raising `rb_cmperr(a, b)`.
fn sort_2(a: &Data, b: &Data) -> Result<Ordering, String> {
    spaceship(a, b).ok_or_else(|| cmperr(a, b))
}

/// `rb_cmperr` (`compar.c`): the class of `x`; `y` by `inspect` when it is a special constant
/// (nil, true, false, a Fixnum) or a Float, else by its class (a Bignum is an `Integer`).
fn cmperr(x: &Data, y: &Data) -> String {
    let class = |v: &Data| if v.as_int().is_some() { "Integer" } else { v.ruby_class_name() };
    let ys = match y {
        Data::Null | Data::Bool(_) | Data::Int(_) | Data::Float(_) => super::interp::ruby_inspect(y),
        other => class(other).to_string(),
    };
    format!("comparison of {} with {ys} failed", class(x))
}

/// Ruby's `<=>` between two data values; `None` is Ruby's nil (incomparable).
fn spaceship(x: &Data, y: &Data) -> Option<Ordering> {
    // Integers of any size compare exactly with each other and
    // with Floats.
    match (x.as_int(), y.as_int()) {
        (Some(a), Some(b)) => return Some(a.cmp(&b)),
        (Some(a), None) if let Data::Float(b) = y => return a.cmp_f64(*b),
        (None, Some(b)) if let Data::Float(a) = x => return b.cmp_f64(*a).map(Ordering::reverse),
        (Some(_), None) | (None, Some(_)) => return None,
        (None, None) => {}
    }
    match (x, y) {
        (Data::Float(a), Data::Float(b)) => a.partial_cmp(b),
        // `rb_str_cmp`: bytes, then length.
        (Data::String(a), Data::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        // `Array#<=>`: element-wise `<=>` (nil stops it), then the lengths.
        (Data::Array(a), Data::Array(b)) => {
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
        (Data::Int(_) | Data::Float(_) | Data::String(_) | Data::Array(_), _) => None,
        _ => ruby_eq(x, y).then_some(Ordering::Equal),
    }
}

/// Ruby's `==` over data: numbers across Integer/Float (bignums too), hashes by key (any order).
pub(super) fn ruby_eq(x: &Data, y: &Data) -> bool {
    let int_float = |a: &Data, b: &Data| a.as_int().is_some() && matches!(b, Data::Float(_));
    match (x, y) {
        _ if int_float(x, y) || int_float(y, x) => spaceship(x, y) == Some(Ordering::Equal),
        (Data::Array(a), Data::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(p, q)| ruby_eq(p, q)),
        (Data::Hash(a), Data::Hash(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| ruby_eq(v, w)))
        }
        _ => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Data {
        Data::from(x)
    }

    #[test]
    fn first_failing_pair_as_ruby() {
        // Ruby 3.1: ["a", 1, "b", 2].sort => comparison of String with 1 failed
        let mut a = vec![s("a"), Data::Int(1), s("b"), Data::Int(2)];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of String with 1 failed");
        // [1, "a"].sort => comparison of Integer with String failed
        let mut a = vec![Data::Int(1), s("a")];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of Integer with String failed");
        let mut a = vec![s("a"), Data::Float(1.5)];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of String with 1.5 failed");
    }

    #[test]
    fn stable_merge_sort() {
        let mut a = vec![Data::Float(1.0), Data::Int(3), Data::Int(1), s("x")];
        assert!(ruby_sort(&mut a).is_err());
        let mut a = vec![Data::Int(2), Data::Float(1.0), Data::Int(1), Data::Float(0.5)];
        ruby_sort(&mut a).unwrap();
        assert_eq!(a, vec![Data::Float(0.5), Data::Float(1.0), Data::Int(1), Data::Int(2)]);
        let mut a = vec![Data::Null, Data::Null];
        ruby_sort(&mut a).unwrap();
        let mut a = vec![Data::Bool(true), Data::Null];
        assert_eq!(ruby_sort(&mut a).unwrap_err(), "comparison of TrueClass with nil failed");
    }
}
