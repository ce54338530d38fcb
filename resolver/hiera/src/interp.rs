//! `%{...}` interpolation (`pops/lookup/interpolation.rb`) and Ruby's `to_s`/`inspect` of the
//! interpolated values.

use super::engine::{Hiera, Memo};
use super::{HieraError, MAX_ALIAS_NODES, MAX_NESTING, MAX_STRING};
use crate::{Data, DataMap, Key};
use lamina_value::ruby_float;
use regex::Regex;
use std::sync::LazyLock;

static METHOD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^(\w+)\((?:"([^"]+)"|'([^']+)')\)$"#).expect("method regex"));

/// Expressions that interpolate to `''` (Puppet's escape mechanism, `interpolation.rb:34`).
const EMPTY: [&str; 6] = ["", "::", "\"\"", "''", "\"::\"", "'::'"];

/// Ruby `to_s` of an interpolated value: nil is `''`, containers use Ruby 3.1's `inspect`.
#[must_use]
pub fn to_s(v: &Data) -> String {
    match v {
        Data::Null => String::new(),
        Data::BigInt(b) => b.to_string(),
        Data::String(s) | Data::Symbol(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => ruby_float(*f),
        other => ruby_inspect(other),
    }
}

pub use lamina_value::ruby_inspect;

/// Counts nodes up to `cap` (early exit).
fn node_count(v: &Data, cap: usize) -> usize {
    let mut n = 0;
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        n += 1;
        if n > cap {
            return n;
        }
        match x {
            Data::Array(a) => stack.extend(a),
            Data::Hash(h) => stack.extend(h.values()),
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
        v: Data,
        allow_methods: bool,
        local: Option<(&str, &Data)>,
    ) -> Result<Data, HieraError> {
        match v {
            Data::String(s) => self.interpolate_string(s, allow_methods, local),
            Data::Array(a) => a
                .into_iter()
                .map(|x| self.interpolate(x, allow_methods, local))
                .collect::<Result<_, _>>()
                .map(Data::Array),
            Data::Hash(h) => {
                let mut out = DataMap::with_capacity(h.len());
                for (k, x) in h {
                    // Keys that are not strings are not interpolated.
                    let k = match k {
                        Key::Str(k) => Key::Str(to_s(&self.interpolate_string(k, allow_methods, local)?)),
                        other => other,
                    };
                    out.insert(k, self.interpolate(x, allow_methods, local)?);
                }
                Ok(Data::Hash(out))
            }
            other => Ok(other),
        }
    }

    fn interpolate_string(
        &self,
        s: String,
        allow_methods: bool,
        local: Option<(&str, &Data)>,
    ) -> Result<Data, HieraError> {
        if find_expr(&s, 0).is_none() {
            return Ok(Data::String(s));
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (start, end) in expressions(&s) {
            let whole = &s[start..end];
            out.push_str(&s[last..start]);
            last = end;
            let expr = whole[2..whole.len() - 1].trim();
            if EMPTY.contains(&expr) {
                continue;
            }
            self.note(|| format!("Interpolation on \"{whole}\""));
            let method_call = if expr.contains('(') { METHOD.captures(expr) } else { None };
            let (method, arg) = match method_call {
                Some(mc) => {
                    if !allow_methods {
                        return Err(HieraError::coded(
                            "Interpolation using method syntax is not allowed in this context",
                        ));
                    }
                    let arg = mc.get(2).or_else(|| mc.get(3)).map_or("", |a| a.as_str());
                    (mc.get(1).map_or("", |m| m.as_str()), arg)
                }
                None => ("scope", expr),
            };
            let value = match method {
                "alias" => {
                    if s != whole {
                        return Err(HieraError::coded(
                            "'alias' interpolation is only permitted if the expression is equal to the entire string",
                        ));
                    }
                    let v = self.nested_lookup(arg)?;
                    if node_count(&v, MAX_ALIAS_NODES) > MAX_ALIAS_NODES {
                        return Err(HieraError::plain(format!(
                            "alias('{arg}') yields more than {MAX_ALIAS_NODES} values (Lamina's limit)"
                        )));
                    }
                    return Ok(v);
                }
                "lookup" | "hiera" => {
                    let v = self.nested_lookup(arg)?;
                    self.reinterpolate(|| arg.to_string(), v, local)?
                }
                "scope" if local.is_none() && self.push_scope_text(&mut out, arg) => {
                    check_len(&out, &s)?;
                    continue;
                }
                "scope" => {
                    // A malformed variable name is reported against the whole string being
                    // interpolated (puppet `lookup/interpolation.rb`: "#{problem} in string: #{subject}").
                    let v = self.scope_ref(arg, local).map_err(|e| {
                        if e.message.starts_with("Syntax error in key") {
                            HieraError::plain(format!("Syntax error in string: {s}"))
                        } else {
                            e
                        }
                    })?;
                    match v {
                        // The common case: a string or number copied straight into the result.
                        Some(v) if !contains_expr(v) => {
                            let start = out.len();
                            push_to_s(&mut out, v);
                            if local.is_none() {
                                self.scope_text.borrow_mut().insert(arg.to_string(), out[start..].to_string());
                            }
                            check_len(&out, &s)?;
                            continue;
                        }
                        Some(v) => self.reinterpolate(|| format!("scope:{arg}"), v.clone(), local)?,
                        None => Data::Null,
                    }
                }
                "literal" => Data::from(arg),
                other => return Err(HieraError::coded(format!("Unknown interpolation method '{other}'"))),
            };
            push_to_s(&mut out, &value);
            check_len(&out, &s)?;
        }
        out.push_str(&s[last..]);
        Ok(Data::String(out))
    }

    /// Appends the memoised text of a scope expression; false when it is not known yet.
    fn push_scope_text(&self, out: &mut String, expr: &str) -> bool {
        match self.scope_text.borrow().get(expr) {
            Some(t) => {
                out.push_str(t);
                true
            }
            None => false,
        }
    }

    /// The value of a lookup or variable is interpolated again, under a recursion check
    /// (`check(method_key == :scope ? "scope:#{key}" : key)`).
    fn reinterpolate(
        &self,
        name: impl FnOnce() -> String,
        v: Data,
        local: Option<(&str, &Data)>,
    ) -> Result<Data, HieraError> {
        if !contains_expr(&v) {
            return Ok(v);
        }
        self.check(&name(), || self.interpolate(v, true, local))
    }

    /// `Lookup.lookup(key, nil, '', true, nil)`: the key's own lookup_options, `''` when not
    /// found. Memoised: the scope is fixed, so a key yields the same value wherever its
    /// recursion checks pass (see [`Memo`]); Puppet itself looks it up again every time.
    fn nested_lookup(&self, key: &str) -> Result<Data, HieraError> {
        self.frames.set(self.frames.get() + 1);
        if let Some(v) = self.memo_hit(key) {
            return Ok(v);
        }
        let (start, depth0) = (self.trail.borrow().len(), self.stack.borrow().len());
        let outer_deepest = self.deepest.replace(depth0);
        self.recording.set(self.recording.get() + 1);
        let r = self.lookup(key, None);
        self.recording.set(self.recording.get() - 1);
        let depth = self.deepest.get() - depth0;
        self.deepest.set(outer_deepest.max(self.deepest.get()));
        let mut names = {
            let mut trail = self.trail.borrow_mut();
            let names = trail.get(start..).unwrap_or_default().to_vec();
            if self.recording.get() == 0 {
                trail.clear();
            }
            names
        };
        let v = r?.unwrap_or_else(|| Data::from(""));
        names.sort_unstable();
        names.dedup();
        self.memo.borrow_mut().insert(key.to_string(), Memo { value: v.clone(), names, depth });
        Ok(v)
    }

    /// The memoised answer for `key` when a fresh lookup here would give it too; the names and
    /// depth it stands for are added to an enclosing recording.
    fn memo_hit(&self, key: &str) -> Option<Data> {
        let memo = self.memo.borrow();
        let m = memo.get(key)?;
        let st = self.stack.borrow();
        if st.len() + m.depth > MAX_NESTING || m.names.iter().any(|n| st.contains(n)) {
            return None;
        }
        if self.recording.get() > 0 {
            self.trail.borrow_mut().extend(m.names.iter().cloned());
            self.deepest.set(self.deepest.get().max(st.len() + m.depth));
        }
        Some(m.value.clone())
    }
}

/// The byte ranges of the `%{...}` expressions of `s`, left to right: what the regex
/// `/%\{([^}]*)\}/` of `interpolation.rb` matches, scanned by hand (it is the hot path of every
/// interpolated value).
fn expressions(s: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = find_expr(s, from)?;
        let end = start + 2 + s[start + 2..].find('}')? + 1;
        from = end;
        Some((start, end))
    })
}

/// `out << v.to_s`.
fn push_to_s(out: &mut String, v: &Data) {
    match v {
        Data::String(x) => out.push_str(x),
        Data::Null => {}
        other => out.push_str(&to_s(other)),
    }
}

fn check_len(out: &str, s: &str) -> Result<(), HieraError> {
    if out.len() > MAX_STRING {
        return Err(HieraError::plain(format!(
            "Interpolation of '{}' produces more than {MAX_STRING} bytes (Lamina's limit)",
            truncate(s, 80)
        )));
    }
    Ok(())
}

/// The byte offset of the first `%{` at or after `from` (a byte scan: `str::find` with a
/// two-byte pattern sets up a two-way searcher on every call, a measurable cost here).
fn find_expr(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(p) = b.get(i..)?.iter().position(|&c| c == b'%') {
        i += p;
        if b.get(i + 1) == Some(&b'{') {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether interpolating `v` can change it (a `%{` in a string or a key) and whether it is
/// [`Data::is_rich`], in one walk.
#[must_use]
pub(crate) fn scan(v: &Data) -> (bool, bool) {
    fn walk(v: &Data, acc: &mut (bool, bool)) {
        match v {
            Data::String(s) => acc.0 |= find_expr(s, 0).is_some(),
            Data::BigInt(_) | Data::Symbol(_) => acc.1 = true,
            Data::Array(a) => a.iter().for_each(|x| walk(x, acc)),
            Data::Hash(h) => h.iter().for_each(|(k, x)| {
                match k {
                    Key::Str(s) => acc.0 |= find_expr(s, 0).is_some(),
                    _ => acc.1 = true,
                }
                walk(x, acc);
            }),
            _ => {}
        }
    }
    let mut acc = (false, false);
    walk(v, &mut acc);
    acc
}

fn contains_expr(v: &Data) -> bool {
    match v {
        Data::String(s) => find_expr(s, 0).is_some(),
        Data::Array(a) => a.iter().any(contains_expr),
        Data::Hash(h) => {
            h.iter().any(|(k, x)| k.as_str().is_some_and(|k| find_expr(k, 0).is_some()) || contains_expr(x))
        }
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
