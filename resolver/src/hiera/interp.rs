//! `%{...}` interpolation (`pops/lookup/interpolation.rb`) and Ruby's `to_s`/`inspect` of the
//! interpolated values.

use super::engine::Hiera;
use super::{HieraError, MAX_ALIAS_NODES, MAX_STRING};
use crate::value::ruby_float;
use crate::{Map, Value};
use regex::Regex;
use std::fmt::Write as _;
use std::sync::LazyLock;

static EXPR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"%\{([^\}]*)\}").expect("interpolation regex"));
static METHOD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^(\w+)\((?:"([^"]+)"|'([^']+)')\)$"#).expect("method regex"));

/// Expressions that interpolate to `''` (Puppet's escape mechanism, `interpolation.rb:34`).
const EMPTY: [&str; 6] = ["", "::", "\"\"", "''", "\"::\"", "'::'"];

/// Ruby `to_s` of an interpolated value: nil is `''`, containers use Ruby 3.1's `inspect`.
#[must_use]
pub fn to_s(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => ruby_float(*f),
        other => ruby_inspect(other),
    }
}

/// Ruby 3.1 `inspect`: `{"a"=>1, "b"=>[nil, true]}`.
#[must_use]
pub fn ruby_inspect(v: &Value) -> String {
    let mut out = String::new();
    inspect_into(&mut out, v);
    out
}

fn inspect_into(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("nil"),
        Value::String(s) => inspect_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inspect_into(out, x);
            }
            out.push(']');
        }
        Value::Hash(h) => {
            out.push('{');
            for (i, (k, x)) in h.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inspect_str(out, k);
                out.push_str("=>");
                inspect_into(out, x);
            }
            out.push('}');
        }
        other => out.push_str(&to_s(other)),
    }
}

fn inspect_str(out: &mut String, s: &str) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '#' if matches!(chars.peek(), Some('{' | '$' | '@')) => out.push_str("\\#"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Counts nodes up to `cap` (early exit).
fn node_count(v: &Value, cap: usize) -> usize {
    let mut n = 0;
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        n += 1;
        if n > cap {
            return n;
        }
        match x {
            Value::Array(a) => stack.extend(a),
            Value::Hash(h) => stack.extend(h.values()),
            _ => {}
        }
    }
    n
}

impl Hiera<'_> {
    /// Interpolates every string in `v`, hash keys included (`interpolation.rb:17-30`).
    /// `allow_methods` is false in hiera.yaml; `local` binds a mapped_paths variable.
    ///
    /// # Errors
    /// Interpolation errors with Puppet's wording, and Lamina's size limits.
    pub(super) fn interpolate(
        &self,
        v: Value,
        allow_methods: bool,
        local: Option<(&str, &Value)>,
    ) -> Result<Value, HieraError> {
        match v {
            Value::String(s) => self.interpolate_string(s, allow_methods, local),
            Value::Array(a) => a
                .into_iter()
                .map(|x| self.interpolate(x, allow_methods, local))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Hash(h) => {
                let mut out = Map::with_capacity(h.len());
                for (k, x) in h {
                    let k = to_s(&self.interpolate_string(k, allow_methods, local)?);
                    out.insert(k, self.interpolate(x, allow_methods, local)?);
                }
                Ok(Value::Hash(out))
            }
            other => Ok(other),
        }
    }

    fn interpolate_string(
        &self,
        s: String,
        allow_methods: bool,
        local: Option<(&str, &Value)>,
    ) -> Result<Value, HieraError> {
        if !s.contains("%{") {
            return Ok(Value::String(s));
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for caps in EXPR.captures_iter(&s) {
            let m = caps.get(0).expect("whole match");
            out.push_str(&s[last..m.start()]);
            last = m.end();
            let expr = caps[1].trim();
            if EMPTY.contains(&expr) {
                continue;
            }
            self.note(|| format!("Interpolation on \"{}\"", m.as_str()));
            let (method, arg) = match METHOD.captures(expr) {
                Some(mc) => {
                    if !allow_methods {
                        return Err(HieraError::coded(
                            "Interpolation using method syntax is not allowed in this context",
                        ));
                    }
                    let arg = mc.get(2).or_else(|| mc.get(3)).map_or("", |a| a.as_str());
                    (mc[1].to_string(), arg.to_string())
                }
                None => ("scope".to_string(), expr.to_string()),
            };
            let value = match method.as_str() {
                "alias" => {
                    if s != m.as_str() {
                        return Err(HieraError::coded(
                            "'alias' interpolation is only permitted if the expression is equal to the entire string",
                        ));
                    }
                    let v = self.nested_lookup(&arg)?;
                    if node_count(&v, MAX_ALIAS_NODES) > MAX_ALIAS_NODES {
                        return Err(HieraError::plain(format!(
                            "alias('{arg}') yields more than {MAX_ALIAS_NODES} values (Lamina's limit)"
                        )));
                    }
                    return Ok(v);
                }
                "lookup" | "hiera" => {
                    let v = self.nested_lookup(&arg)?;
                    self.reinterpolate(&arg, v, local)?
                }
                "scope" => {
                    // A malformed variable name is reported against the whole string being
                    // interpolated (puppet `lookup/interpolation.rb`: "#{problem} in string: #{subject}").
                    let v = self
                        .scope_value(&arg, local)
                        .map_err(|e| {
                            if e.message.starts_with("Syntax error in key") {
                                HieraError::plain(format!("Syntax error in string: {s}"))
                            } else {
                                e
                            }
                        })?
                        .unwrap_or(Value::Null);
                    self.reinterpolate(&format!("scope:{arg}"), v, local)?
                }
                "literal" => Value::String(arg),
                other => return Err(HieraError::coded(format!("Unknown interpolation method '{other}'"))),
            };
            out.push_str(&to_s(&value));
            if out.len() > MAX_STRING {
                return Err(HieraError::plain(format!(
                    "Interpolation of '{}' produces more than {MAX_STRING} bytes (Lamina's limit)",
                    truncate(&s, 80)
                )));
            }
        }
        out.push_str(&s[last..]);
        Ok(Value::String(out))
    }

    /// The value of a lookup or variable is interpolated again, under a recursion check
    /// (`check(method_key == :scope ? "scope:#{key}" : key)`).
    fn reinterpolate(&self, name: &str, v: Value, local: Option<(&str, &Value)>) -> Result<Value, HieraError> {
        if !contains_expr(&v) {
            return Ok(v);
        }
        self.check(name, || self.interpolate(v, true, local))
    }

    /// `Lookup.lookup(key, nil, '', true, nil)`: the key's own lookup_options, `''` when not
    /// found. Memoised: the scope is fixed, so a key always yields the same value.
    fn nested_lookup(&self, key: &str) -> Result<Value, HieraError> {
        if let Some(v) = self.memo.borrow().get(key) {
            return Ok(v.clone());
        }
        let v = self.lookup(key, None)?.unwrap_or_else(|| Value::from(""));
        self.memo.borrow_mut().insert(key.to_string(), v.clone());
        Ok(v)
    }
}

fn contains_expr(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("%{"),
        Value::Array(a) => a.iter().any(contains_expr),
        Value::Hash(h) => h.iter().any(|(k, x)| k.contains("%{") || contains_expr(x)),
        _ => false,
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
#[path = "interp_tests.rs"]
mod tests;
