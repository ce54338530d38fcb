//! Ruby's behaviour for the values a template handles: `to_s`, `inspect`, truthiness,
//! equality, and the methods of strings, arrays, hashes, numbers and nil that templates call,
//! with Ruby 3.0's error messages (the Ruby Foreman 3.x runs on).

use lamina_value::{Int, Value, ruby_float};

/// Ruby's truthiness: everything but `nil` and `false`.
pub(crate) fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// Ruby's `to_s`: arrays and hashes print as `inspect` does.
pub(crate) fn to_s(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Hash(_) => inspect(v),
        other => other.to_ruby_s(),
    }
}

/// Ruby's `inspect` (Ruby 3.0 to 3.3: `{"a"=>1}`).
pub(crate) fn inspect(v: &Value) -> String {
    lamina_value::ruby_inspect(&lamina_value::Data::from(v))
}

/// How a `NoMethodError` names its receiver: `nil:NilClass` as Ruby 3.0 says it, and other
/// values by class only (`an instance of String`, Ruby 3.3's wording), so that a hidden
/// parameter's value never reaches an error message.
pub(crate) fn receiver(v: &Value) -> String {
    match v {
        Value::Null => "nil:NilClass".into(),
        Value::Bool(true) => "true:TrueClass".into(),
        Value::Bool(false) => "false:FalseClass".into(),
        other => format!("an instance of {}", other.ruby_class_name()),
    }
}

/// `NoMethodError`'s message.
pub(crate) fn no_method(name: &str, v: &Value) -> String {
    format!("undefined method `{name}' for {}", receiver(v))
}

/// Ruby's `==`, numbers compared by value.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(_), Value::Int(_) | Value::BigInt(_) | Value::Float(_))
        | (Value::Int(_) | Value::BigInt(_), Value::Float(_)) => num(a) == num(b),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (Value::Hash(x), Value::Hash(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn num(v: &Value) -> f64 {
    match v {
        #[allow(clippy::cast_precision_loss)]
        Value::Int(i) => *i as f64,
        Value::BigInt(b) => b.to_f64(),
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

fn int(i: Int) -> Value {
    match i {
        Int::Small(i) => Value::Int(i),
        Int::Big(b) => Value::BigInt(b),
    }
}

/// Ruby's `String#to_i`.
pub(crate) fn str_to_i(s: &str) -> Value {
    int(Int::ruby_to_i(s, 10))
}

/// Ruby's `String#to_f`: the longest prefix that reads as a decimal number (`"3.10.2"` is 3.1,
/// `"1e3"` 1000.0), after leading whitespace; none is 0.0.
fn str_to_f(s: &str) -> Value {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let b = t.as_bytes();
    let digits = |mut k: usize| {
        let start = k;
        while k < b.len()
            && (b[k].is_ascii_digit() || (b[k] == b'_' && k > start && b.get(k + 1).is_some_and(u8::is_ascii_digit)))
        {
            k += 1;
        }
        k
    };
    let mut k = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_end = digits(k);
    if int_end == k {
        return Value::Float(0.0);
    }
    k = int_end;
    if b.get(k) == Some(&b'.') && b.get(k + 1).is_some_and(u8::is_ascii_digit) {
        k = digits(k + 1);
    }
    if matches!(b.get(k), Some(b'e' | b'E')) {
        let e = k + 1 + usize::from(matches!(b.get(k + 1), Some(b'+' | b'-')));
        let end = digits(e);
        if end > e {
            k = end;
        }
    }
    let text: String = t[..k].chars().filter(|&c| c != '_').collect();
    Value::Float(text.parse().unwrap_or(0.0))
}

/// Ruby's `String#split`: no separator or `" "` splits on runs of whitespace (leading ones
/// ignored); another string splits on each occurrence; `""` gives the characters; trailing
/// empty strings are dropped.
fn split(s: &str, sep: Option<&str>) -> Value {
    let mut parts: Vec<String> = match sep {
        None | Some(" ") => s.split_ascii_whitespace().map(str::to_string).collect(),
        Some("") => s.chars().map(|c| c.to_string()).collect(),
        Some(sep) => s.split(sep).map(str::to_string).collect(),
    };
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    Value::Array(parts.into_iter().map(Value::String).collect())
}

/// ActiveSupport's `blank?`: nil, false, empty collections and whitespace-only strings.
pub(crate) fn blank(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.chars().all(char::is_whitespace),
        Value::Array(a) => a.is_empty(),
        Value::Hash(h) => h.is_empty(),
        _ => false,
    }
}

/// Ruby's `Array#join`: a nested array is joined with the same separator and counts as one
/// element (so `[1, [], 2]` gives `1,,2`), `nil` is empty.
fn join(a: &[Value], sep: &str, out: &mut String) {
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match v {
            Value::Array(inner) => join(inner, sep, out),
            v => out.push_str(&to_s(v)),
        }
    }
}

fn want_str<'a>(name: &str, v: &'a Value) -> Result<&'a str, String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(format!("no implicit conversion of {} into String (in `{name}')", class_phrase(other))),
    }
}

/// How Ruby names a value in a `TypeError`: `nil`, `Integer`, `true`.
pub(crate) fn class_phrase(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        other => other.ruby_class_name(),
    }
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), String> {
    if args.len() < min || args.len() > max {
        let expected = if min == max { min.to_string() } else { format!("{min}..{max}") };
        return Err(format!("wrong number of arguments (given {}, expected {expected}) in `{name}'", args.len()));
    }
    Ok(())
}

/// Ruby's `recv[args]` for hashes and arrays.
pub(crate) fn index(recv: &Value, args: &[Value]) -> Result<Value, String> {
    arity("[]", args, 1, 1)?;
    match (recv, &args[0]) {
        (Value::Hash(h), Value::String(k)) => Ok(h.get(k).cloned().unwrap_or(Value::Null)),
        (Value::Hash(_), _) => Ok(Value::Null),
        (Value::Array(a), Value::Int(i)) => {
            let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
            let i = if *i < 0 { len + i } else { *i };
            Ok(usize::try_from(i).ok().and_then(|i| a.get(i)).cloned().unwrap_or(Value::Null))
        }
        (Value::Array(_), other) => Err(format!("no implicit conversion of {} into Integer", class_phrase(other))),
        (Value::String(s), Value::Int(i)) => {
            let len = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
            let i = if *i < 0 { len + i } else { *i };
            Ok(usize::try_from(i)
                .ok()
                .and_then(|i| s.chars().nth(i))
                .map_or(Value::Null, |c| Value::String(c.to_string())))
        }
        (Value::String(s), Value::String(sub)) => {
            Ok(if s.contains(sub.as_str()) { Value::String(sub.clone()) } else { Value::Null })
        }
        (Value::String(_), other) => Err(format!("no implicit conversion of {} into Integer", class_phrase(other))),
        (other, _) => Err(no_method("[]", other)),
    }
}

/// A method of a plain value; `Ok(None)` when the name is outside the subset.
pub(crate) fn call(recv: &Value, name: &str, args: &[Value]) -> Result<Option<Value>, String> {
    let no_args = |n: usize| arity(name, args, n, n);
    // Methods that take no argument refuse one, as Ruby does.
    const NO_ARGS: [&str; 20] = [
        "to_i",
        "to_f",
        "to_a",
        "upcase",
        "downcase",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "empty?",
        "size",
        "length",
        "uniq",
        "sort",
        "keys",
        "values",
        "nil?",
        "blank?",
        "present?",
        "presence",
    ];
    if NO_ARGS.contains(&name) {
        no_args(0)?;
    }
    let v = match (name, recv) {
        ("to_s", v) => {
            no_args(0)?;
            Value::String(to_s(v))
        }
        ("inspect", v) => {
            no_args(0)?;
            Value::String(inspect(v))
        }
        ("nil?", v) => {
            no_args(0)?;
            Value::Bool(v.is_null())
        }
        ("blank?", v) => {
            no_args(0)?;
            Value::Bool(blank(v))
        }
        ("present?", v) => {
            no_args(0)?;
            Value::Bool(!blank(v))
        }
        ("presence", v) => {
            no_args(0)?;
            if blank(v) { Value::Null } else { v.clone() }
        }
        ("to_i", Value::String(s)) => {
            no_args(0)?;
            str_to_i(s)
        }
        ("to_i", Value::Null) => Value::Int(0),
        ("to_i", v @ (Value::Int(_) | Value::BigInt(_))) => v.clone(),
        ("to_i", Value::Float(f)) => {
            int(Int::from_f64(*f).ok_or_else(|| format!("FloatDomainError: {}", ruby_float(*f)))?)
        }
        ("to_f", Value::String(s)) => str_to_f(s),
        ("to_f", Value::Null) => Value::Float(0.0),
        ("to_f", v @ (Value::Int(_) | Value::BigInt(_) | Value::Float(_))) => Value::Float(num(v)),
        ("to_a", Value::Null) => Value::Array(Vec::new()),
        ("to_a", v @ Value::Array(_)) => v.clone(),
        ("to_a", Value::Hash(h)) => {
            Value::Array(h.iter().map(|(k, v)| Value::Array(vec![Value::String(k.clone()), v.clone()])).collect())
        }
        ("upcase", Value::String(s)) => Value::String(s.to_uppercase()),
        ("downcase", Value::String(s)) => Value::String(s.to_lowercase()),
        ("capitalize", Value::String(s)) => {
            let mut c = s.chars();
            Value::String(
                c.next()
                    .map(|f| f.to_uppercase().chain(c.as_str().to_lowercase().chars()).collect())
                    .unwrap_or_default(),
            )
        }
        ("strip", Value::String(s)) => {
            Value::String(s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0').to_string())
        }
        ("lstrip", Value::String(s)) => {
            Value::String(s.trim_start_matches(|c: char| c.is_ascii_whitespace()).to_string())
        }
        ("rstrip", Value::String(s)) => {
            Value::String(s.trim_end_matches(|c: char| c.is_ascii_whitespace() || c == '\0').to_string())
        }
        ("chomp", Value::String(s)) => {
            arity(name, args, 0, 1)?;
            let t = match args.first() {
                None => s.strip_suffix("\r\n").or_else(|| s.strip_suffix('\n')).or_else(|| s.strip_suffix('\r')),
                Some(Value::Null) => None,
                Some(sep) => s.strip_suffix(want_str(name, sep)?),
            };
            Value::String(t.unwrap_or(s).to_string())
        }
        ("split", Value::String(s)) => {
            arity(name, args, 0, 1)?;
            match args.first() {
                None | Some(Value::Null) => split(s, None),
                Some(sep) => split(s, Some(want_str(name, sep)?)),
            }
        }
        ("include?", Value::String(s)) => {
            no_args(1)?;
            Value::Bool(s.contains(want_str(name, &args[0])?))
        }
        ("start_with?", Value::String(s)) => {
            let mut any = false;
            for a in args {
                any |= s.starts_with(want_str(name, a)?);
            }
            Value::Bool(any)
        }
        ("end_with?", Value::String(s)) => {
            let mut any = false;
            for a in args {
                any |= s.ends_with(want_str(name, a)?);
            }
            Value::Bool(any)
        }
        ("empty?", Value::String(s)) => Value::Bool(s.is_empty()),
        ("size" | "length", Value::String(s)) => Value::Int(i64::try_from(s.chars().count()).unwrap_or(i64::MAX)),
        ("join", Value::Array(a)) => {
            arity(name, args, 0, 1)?;
            let sep = match args.first() {
                None | Some(Value::Null) => "",
                Some(sep) => want_str(name, sep)?,
            };
            let mut out = String::new();
            join(a, sep, &mut out);
            Value::String(out)
        }
        ("include?", Value::Array(a)) => {
            no_args(1)?;
            Value::Bool(a.iter().any(|x| equal(x, &args[0])))
        }
        ("empty?", Value::Array(a)) => Value::Bool(a.is_empty()),
        ("size" | "length", Value::Array(a)) => Value::Int(i64::try_from(a.len()).unwrap_or(i64::MAX)),
        ("first" | "last", Value::Array(a)) => {
            arity(name, args, 0, 1)?;
            match args.first() {
                None if name == "first" => a.first().cloned().unwrap_or(Value::Null),
                None => a.last().cloned().unwrap_or(Value::Null),
                Some(Value::Int(n)) if *n >= 0 => {
                    let n = usize::try_from(*n).unwrap_or(usize::MAX).min(a.len());
                    Value::Array(if name == "first" { a[..n].to_vec() } else { a[a.len() - n..].to_vec() })
                }
                Some(Value::Int(_)) => return Err("negative array size".into()),
                Some(other) => return Err(format!("no implicit conversion of {} into Integer", class_phrase(other))),
            }
        }
        ("uniq", Value::Array(a)) => {
            // `uniq` compares with `eql?`: 1 and 1.0 are distinct.
            let mut out: Vec<Value> = Vec::with_capacity(a.len());
            for x in a {
                if !out.iter().any(|y| y == x) {
                    out.push(x.clone());
                }
            }
            Value::Array(out)
        }
        ("sort", Value::Array(a)) => {
            let mut out = a.clone();
            if out.iter().all(|x| matches!(x, Value::String(_))) {
                out.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
            } else if out.iter().all(|x| matches!(x, Value::Int(_) | Value::Float(_))) {
                out.sort_by(|x, y| num(x).total_cmp(&num(y)));
            } else {
                return Err("comparison of array elements failed (in `sort')".into());
            }
            Value::Array(out)
        }
        ("include?" | "key?" | "has_key?", Value::Hash(h)) => {
            no_args(1)?;
            Value::Bool(args[0].as_str().is_some_and(|k| h.contains_key(k)))
        }
        ("empty?", Value::Hash(h)) => Value::Bool(h.is_empty()),
        ("size" | "length", Value::Hash(h)) => Value::Int(i64::try_from(h.len()).unwrap_or(i64::MAX)),
        ("keys", Value::Hash(h)) => Value::Array(h.keys().map(|k| Value::String(k.clone())).collect()),
        ("values", Value::Hash(h)) => Value::Array(h.values().cloned().collect()),
        ("fetch", Value::Hash(h)) => {
            arity(name, args, 1, 2)?;
            match args[0].as_str().and_then(|k| h.get(k)) {
                Some(v) => v.clone(),
                None => match args.get(1) {
                    Some(d) => d.clone(),
                    None => return Err(format!("key not found: {}", inspect(&args[0]))),
                },
            }
        }
        ("dig", v @ (Value::Hash(_) | Value::Array(_))) => {
            let mut cur = v.clone();
            for a in args {
                cur = match &cur {
                    Value::Null => return Ok(Some(Value::Null)),
                    Value::Hash(_) | Value::Array(_) => index(&cur, std::slice::from_ref(a))?,
                    other => return Err(format!("{} does not have #dig method", other.ruby_class_name())),
                };
            }
            cur
        }
        (n, v) if crate::parse::METHODS.contains(&n) => return Err(no_method(n, v)),
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// An integer beyond 64 bits (Ruby's Integers have no bound).
fn big(i: i128) -> Value {
    int(Int::from_decimal(&i.to_string()).unwrap_or(Int::Small(0)))
}

/// Ruby's `+`.
pub(crate) fn add(a: &Value, b: &Value) -> Result<Value, String> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(Value::String(format!("{x}{y}"))),
        (Value::String(_), other) => Err(format!("no implicit conversion of {} into String", class_phrase(other))),
        (Value::Int(x), Value::Int(y)) => {
            Ok(x.checked_add(*y).map_or_else(|| big(i128::from(*x) + i128::from(*y)), Value::Int))
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => Ok(Value::Float(num(a) + num(b))),
        (Value::Int(_) | Value::Float(_), other) => {
            Err(format!("{} can't be coerced into {}", class_phrase(other), a.ruby_class_name()))
        }
        (Value::Array(x), Value::Array(y)) => Ok(Value::Array(x.iter().chain(y).cloned().collect())),
        (Value::Array(_), other) => Err(format!("no implicit conversion of {} into Array", class_phrase(other))),
        (other, _) => Err(no_method("+", other)),
    }
}

/// Ruby's `-` on numbers.
pub(crate) fn sub(a: &Value, b: &Value) -> Result<Value, String> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            Ok(x.checked_sub(*y).map_or_else(|| big(i128::from(*x) - i128::from(*y)), Value::Int))
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => Ok(Value::Float(num(a) - num(b))),
        (Value::Int(_) | Value::Float(_), other) => {
            Err(format!("{} can't be coerced into {}", class_phrase(other), a.ruby_class_name()))
        }
        (other, _) => Err(no_method("-", other)),
    }
}

/// Ruby's `<`, `>`, `<=`, `>=` on numbers and strings.
pub(crate) fn compare(a: &Value, op: &str, b: &Value) -> Result<bool, String> {
    let ord = match (a, b) {
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Int(_) | Value::BigInt(_) | Value::Float(_), Value::Int(_) | Value::BigInt(_) | Value::Float(_)) => {
            num(a)
                .partial_cmp(&num(b))
                .ok_or_else(|| format!("comparison of {} with {} failed", a.ruby_class_name(), class_phrase(b)))?
        }
        (Value::String(_) | Value::Int(_) | Value::BigInt(_) | Value::Float(_), _) => {
            return Err(format!("comparison of {} with {} failed", a.ruby_class_name(), class_phrase(b)));
        }
        (other, _) => return Err(no_method(op, other)),
    };
    Ok(match op {
        "<" => ord.is_lt(),
        ">" => ord.is_gt(),
        "<=" => ord.is_le(),
        _ => ord.is_ge(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lamina_value::Map;

    #[test]
    fn inspect_like_ruby_3_0() {
        let h: Map =
            [("a".to_string(), Value::Int(1)), ("b".to_string(), Value::Array(vec![Value::Null, Value::from("x\"y")]))]
                .into_iter()
                .collect();
        assert_eq!(to_s(&Value::Hash(h)), r#"{"a"=>1, "b"=>[nil, "x\"y"]}"#);
        assert_eq!(to_s(&Value::Array(vec![Value::Int(1), Value::Int(2)])), "[1, 2]");
        assert_eq!(inspect(&Value::from("#{x} \u{1}")), r#""\#{x} \u0001""#);
    }

    #[test]
    fn to_i_and_split_like_ruby() {
        assert_eq!(str_to_i("  -12_3abc"), Value::Int(-123));
        assert_eq!(str_to_i("0x1A"), Value::Int(0));
        assert_eq!(str_to_i("1__2"), Value::Int(1));
        assert_eq!(to_s(&str_to_i("99999999999999999999")), "99999999999999999999");
        assert_eq!(split(" a  b ", None), Value::Array(vec![Value::from("a"), Value::from("b")]));
        assert_eq!(split("a,,b,,", Some(",")), Value::Array(vec![Value::from("a"), Value::from(""), Value::from("b")]));
        assert_eq!(split("", Some(",")), Value::Array(vec![]));
    }

    #[test]
    fn errors_read_as_ruby_3_0() {
        assert_eq!(call(&Value::Null, "upcase", &[]).unwrap_err(), "undefined method `upcase' for nil:NilClass");
        assert_eq!(
            add(&Value::from("a"), &Value::Int(1)).unwrap_err(),
            "no implicit conversion of Integer into String"
        );
        assert_eq!(call(&Value::from("a"), "gsub", &[]).unwrap(), None);
        assert!(equal(&Value::Int(1), &Value::Float(1.0)));
    }
}
