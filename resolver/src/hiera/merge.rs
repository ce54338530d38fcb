//! Merge strategies (`pops/merge_strategy.rb`) and the deep_merge gem 1.1.1 that Puppet's `deep`
//! strategy calls (`deep_merge/core.rb`).
//!
//! Every merge is a left fold in priority order: `e1` is the higher-priority accumulator, `e2`
//! the next (lower-priority) value.

use super::HieraError;
use crate::{Map, Value};
use regex::Regex;

/// Options of the `deep` strategy (the only strategy with options Puppet accepts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeepOptions {
    /// deep_merge's `knockout_prefix`, used (as the gem does) unescaped in a regex `^P`.
    pub knockout_prefix: Option<String>,
    /// Sort every merged array.
    pub sort_merged_arrays: bool,
    /// Merge two arrays of hashes index by index.
    pub merge_hash_arrays: bool,
}

/// A merge strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// `first` (Puppet's `default` too): the first found value.
    First,
    /// `unique`: flattened arrays, highest priority first, de-duplicated.
    Unique,
    /// `hash`: shallow hash merge, higher priority wins per key.
    Hash,
    /// `deep`: the deep_merge gem.
    Deep(DeepOptions),
}

impl Strategy {
    /// Puppet's name of the strategy (explain output).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::First => "first",
            Strategy::Unique => "unique",
            Strategy::Hash => "hash",
            Strategy::Deep(_) => "deep",
        }
    }

    /// `merge_single`: what one variant becomes when it is the only variant of a fold
    /// (`MergeStrategy#lookup`, `when 1`). Unique de-duplicates without flattening.
    #[must_use]
    pub fn merge_single(&self, v: Value) -> Value {
        match (self, v) {
            (Strategy::Unique, Value::Array(a)) => Value::Array(uniq(a)),
            (_, v) => v,
        }
    }

    /// `convert_value`: the first found value of a fold of two or more variants.
    #[must_use]
    pub fn convert_value(&self, v: Value) -> Value {
        match (self, v) {
            (Strategy::Unique, Value::Array(a)) => Value::Array(flatten(a)),
            (Strategy::Unique, v) => Value::Array(vec![v]),
            (_, v) => v,
        }
    }

    /// `merge(e1, e2)`: type-check both sides, then merge. `e1` has the higher priority.
    ///
    /// # Errors
    /// Puppet's type-mismatch messages, or a deep_merge failure (bad knockout regex, sort of
    /// incomparable values).
    pub fn merge(&self, e1: Value, e2: Value) -> Result<Value, HieraError> {
        match self {
            Strategy::First => Ok(e1),
            Strategy::Unique => {
                check_unique("first", &e1)?;
                check_unique("second", &e2)?;
                let mut out = self.convert_value(e1);
                let Value::Array(ref mut acc) = out else { unreachable!("converted") };
                let Value::Array(more) = self.convert_value(e2) else { unreachable!("converted") };
                for v in more {
                    if !acc.contains(&v) {
                        acc.push(v);
                    }
                }
                *acc = uniq(std::mem::take(acc));
                Ok(out)
            }
            Strategy::Hash => {
                let Value::Hash(h1) = check_hash("first", e1)? else { unreachable!("checked") };
                let Value::Hash(mut h2) = check_hash("second", e2)? else { unreachable!("checked") };
                // Ruby `e2.merge(e1)`: e2's key order, e1's values win, new e1 keys appended.
                for (k, v) in h1 {
                    h2.insert(k, v);
                }
                Ok(Value::Hash(h2))
            }
            Strategy::Deep(o) => {
                let ko = match &o.knockout_prefix {
                    Some(p) if p.is_empty() => {
                        return Err(HieraError::plain("knockout_prefix cannot be an empty string in deep_merge!"));
                    }
                    Some(p) => Some(
                        Regex::new(&format!("(?m)^{p}"))
                            .map_err(|e| HieraError::plain(format!("invalid knockout_prefix {p:?}: {e}")))?,
                    ),
                    None => None,
                };
                let dm = DeepMerge { ko, prefix: o.knockout_prefix.as_deref(), opts: o };
                dm.merge(e1, Some(e2))
            }
        }
    }
}

/// Puppet's generalised type name of a value in merge and type errors (`TypeCalculator`
/// inference, then `generalize`): arrays are Tuples, hashes Structs.
#[must_use]
pub fn puppet_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Undef",
        Value::Bool(_) => "Boolean",
        Value::Int(_) => "Integer",
        Value::Float(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "Tuple",
        Value::Hash(_) => "Struct",
    }
}

fn check_unique(which: &str, v: &Value) -> Result<(), HieraError> {
    // value_t = Variant[Scalar, Array[Data]]: only nil and hashes fail (arrays are Data).
    if matches!(v, Value::Null | Value::Hash(_)) {
        return Err(HieraError::plain(format!(
            "The {which} element of the merge has wrong type, expects a value of type Scalar or Array, got {}",
            puppet_type_name(v)
        )));
    }
    Ok(())
}

fn check_hash(which: &str, v: Value) -> Result<Value, HieraError> {
    if !matches!(v, Value::Hash(_)) {
        return Err(HieraError::plain(format!(
            "The {which} element of the merge has wrong type, expects a Hash value, got {}",
            puppet_type_name(&v)
        )));
    }
    Ok(v)
}

/// Ruby `Array#flatten` (full depth).
fn flatten(a: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(a.len());
    let mut stack: Vec<std::vec::IntoIter<Value>> = vec![a.into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(Value::Array(inner)) => stack.push(inner.into_iter()),
            Some(v) => out.push(v),
            None => {
                stack.pop();
            }
        }
    }
    out
}

/// Ruby `Array#uniq`: first occurrences, in order.
fn uniq(a: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(a.len());
    for v in a {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Ruby truthiness: only nil and false are falsy.
fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

struct DeepMerge<'a> {
    ko: Option<Regex>,
    prefix: Option<&'a str>,
    opts: &'a DeepOptions,
}

impl DeepMerge<'_> {
    /// `DeepMerge.deep_merge!(source, dest)` with `preserve_unmergeables: false`.
    /// `dest` is `None` for Ruby's nil/false dest only through [`Self::merge_value`].
    fn merge(&self, source: Value, dest: Option<Value>) -> Result<Value, HieraError> {
        // "do nothing if source is nil"
        if source.is_null() {
            return Ok(dest.unwrap_or(Value::Null));
        }
        let dest = match dest {
            // "if dest doesn't exist, then simply copy source to it"
            None => return Ok(source),
            Some(d) if !truthy(&d) => return Ok(source),
            Some(d) => d,
        };
        match source {
            Value::Hash(src) => match dest {
                Value::Hash(mut d) => {
                    for (k, sv) in src {
                        let merged = match d.get(&k) {
                            Some(dv) if truthy(dv) => {
                                let dv = d.get_mut(&k).map(std::mem::take);
                                self.merge(sv, dv)?
                            }
                            // A new (or nil/false) key merges the source value into its own
                            // shallow copy (the gem's `src_dup`).
                            _ => self.merge_new(sv)?,
                        };
                        d.insert(k, merged);
                    }
                    Ok(Value::Hash(d))
                }
                // `dest = overwrite_unmergeables(source, dest)` runs inside `source.each`: an
                // empty source leaves dest; otherwise the first key makes dest the source hash
                // itself, and every later key then merges that value into itself.
                other if src.is_empty() => Ok(other),
                _ => {
                    let mut out = Map::new();
                    for (i, (k, v)) in src.into_iter().enumerate() {
                        let v = if i == 0 { v } else { self.merge_self(v)? };
                        out.insert(k, v);
                    }
                    Ok(Value::Hash(out))
                }
            },
            Value::Array(src) => self.merge_array(src, dest, false),
            scalar => self.overwrite_unmergeables(scalar, dest),
        }
    }

    /// `deep_merge!(src_value, src_value.dup)`: the destination lacks the key. The dup is
    /// shallow, so everything below it is the very same object in source and dest.
    fn merge_new(&self, v: Value) -> Result<Value, HieraError> {
        match v {
            Value::Null | Value::Bool(false) => Ok(v),
            Value::Hash(h) => self.merge_self_hash(h),
            Value::Array(a) => {
                let dup = Value::Array(a.clone());
                self.merge_array(a, dup, true)
            }
            scalar => self.overwrite_unmergeables(scalar.clone(), scalar),
        }
    }

    /// `deep_merge!(x, x)` with source and dest the same Ruby object (below a new key).
    fn merge_self(&self, v: Value) -> Result<Value, HieraError> {
        match v {
            Value::Null | Value::Bool(false) => Ok(v),
            Value::Hash(h) => self.merge_self_hash(h),
            Value::Array(mut a) => {
                // A naked prefix clears dest, which is source too.
                if let Some(p) = self.prefix
                    && a.iter().any(|v| v.as_str() == Some(p))
                {
                    return Ok(Value::Array(Vec::new()));
                }
                if let Some(re) = &self.ko {
                    aliased_delete_if(&mut a, re);
                }
                let mut out = if self.opts.merge_hash_arrays && a.iter().all(|v| matches!(v, Value::Hash(_))) {
                    a.into_iter().map(|v| self.merge_self(v)).collect::<Result<Vec<_>, _>>()?
                } else {
                    uniq(a)
                };
                if self.opts.sort_merged_arrays {
                    ruby_sort(&mut out)?;
                }
                Ok(Value::Array(out))
            }
            scalar => self.overwrite_unmergeables(scalar.clone(), scalar),
        }
    }

    /// A hash merged into itself: every truthy value merges into itself, in place.
    fn merge_self_hash(&self, h: Map) -> Result<Value, HieraError> {
        let mut out = Map::new();
        for (k, v) in h {
            let v = if truthy(&v) { self.merge_self(v)? } else { v };
            out.insert(k, v);
        }
        Ok(Value::Hash(out))
    }

    /// The array branch of `deep_merge!`. `fresh`: dest is a shallow dup of src, so the hashes
    /// of a hash-array merge are each merged into themselves.
    fn merge_array(&self, mut src: Vec<Value>, dest: Value, fresh: bool) -> Result<Value, HieraError> {
        let mut dest = dest;
        // A naked knockout prefix in the source truncates dest.
        if let Some(p) = self.prefix
            && src.iter().any(|v| v.as_str() == Some(p))
        {
            dest = match dest {
                Value::Array(_) => Value::Array(Vec::new()),
                Value::Hash(_) => Value::Hash(Map::new()),
                Value::String(_) => Value::String(String::new()),
                _ => Value::Null,
            };
            // Ruby `source.delete(prefix)` removes every occurrence.
            src.retain(|v| v.as_str() != Some(p));
        }
        match dest {
            Value::Array(mut d) => {
                if let Some(re) = &self.ko {
                    src.retain(|item| {
                        let Value::String(s) = item else { return true };
                        let stripped = re.replace_all(s, "");
                        if stripped == s.as_str() {
                            return true;
                        }
                        let stripped = Value::String(stripped.into_owned());
                        d.retain(|x| x != &stripped && x != item);
                        false
                    });
                }
                let all_hashes = |a: &[Value]| a.iter().all(|v| matches!(v, Value::Hash(_)));
                let mut out = if self.opts.merge_hash_arrays && all_hashes(&src) && all_hashes(&d) {
                    let n = d.len();
                    let mut list = Vec::with_capacity(n.max(src.len()));
                    let mut src_iter = src.into_iter();
                    for dv in d {
                        let sv = src_iter.next().unwrap_or_else(|| Value::Hash(Map::new()));
                        list.push(if fresh { self.merge_self(dv)? } else { self.merge(sv, Some(dv))? });
                    }
                    list.extend(src_iter);
                    list
                } else {
                    // `dest | source`: union, dest order first.
                    let mut u = uniq(d);
                    for v in src {
                        if !u.contains(&v) {
                            u.push(v);
                        }
                    }
                    u
                };
                if self.opts.sort_merged_arrays {
                    ruby_sort(&mut out)?;
                }
                Ok(Value::Array(out))
            }
            other => self.overwrite_unmergeables(Value::Array(src), other),
        }
    }

    /// `overwrite_unmergeables`: the source replaces dest, minus knockouts.
    fn overwrite_unmergeables(&self, source: Value, _dest: Value) -> Result<Value, HieraError> {
        let Some(re) = &self.ko else { return Ok(source) };
        Ok(match source {
            Value::String(s) => {
                let stripped = re.replace_all(&s, "");
                if stripped == s.as_str() { Value::String(s) } else { Value::String(String::new()) }
            }
            // `source.delete_if` mutates source itself, so `src_tmp == source` always holds and
            // the array (minus its knockout elements) replaces dest.
            Value::Array(mut a) => {
                a.retain(|v| !matches!(v, Value::String(s) if re.is_match(s)));
                Value::Array(a)
            }
            other => other,
        })
    }
}

/// The gem's knockout `source.delete_if { dest.delete(item); dest.delete(ko_item) }` when source
/// and dest are the same array: Ruby 3.1's `reject_bang_i` walks `a` while the block compacts
/// it, so the element after a deleted knockout is skipped and `select_bang_ensure` then cuts the
/// array at the write index (`["b","--z","w"]` becomes `["b"]`).
fn aliased_delete_if(a: &mut Vec<Value>, re: &Regex) {
    let (mut i1, mut i2) = (0usize, 0usize);
    while i1 < a.len() {
        let v = a[i1].clone();
        let knocked = match &v {
            Value::String(s) => {
                let stripped = re.replace_all(s, "");
                if stripped == s.as_str() {
                    false
                } else {
                    let stripped = Value::String(stripped.into_owned());
                    a.retain(|x| x != &stripped);
                    a.retain(|x| x != &v);
                    true
                }
            }
            _ => false,
        };
        if !knocked {
            if i1 != i2 {
                a[i2] = v;
            }
            i2 += 1;
        }
        i1 += 1;
    }
    // select_bang_ensure
    let len = a.len();
    if i2 < len && i2 < i1 {
        let tail = len.saturating_sub(i1);
        for j in 0..tail {
            a[i2 + j] = a[i1 + j].clone();
        }
        a.truncate(i2 + tail);
    }
}

/// Ruby `Array#sort!` over Puppet data: numbers with numbers, strings with strings, arrays
/// element-wise; anything else fails as Ruby does (`comparison of String with 2 failed`).
fn ruby_sort(a: &mut [Value]) -> Result<(), HieraError> {
    let mut err = None;
    a.sort_by(|x, y| match ruby_cmp(x, y) {
        Some(o) => o,
        None => {
            if err.is_none() {
                err = Some(format!(
                    "comparison of {} with {} failed",
                    x.ruby_class_name(),
                    super::interp::ruby_inspect(y)
                ));
            }
            std::cmp::Ordering::Equal
        }
    });
    err.map_or(Ok(()), |e| Err(HieraError::plain(e)))
}

fn ruby_cmp(x: &Value, y: &Value) -> Option<std::cmp::Ordering> {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        #[allow(clippy::cast_precision_loss)]
        (Value::Int(a), Value::Float(b)) => (*a as f64).partial_cmp(b),
        #[allow(clippy::cast_precision_loss)]
        (Value::Float(a), Value::Int(b)) => a.partial_cmp(&(*b as f64)),
        (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
        (Value::String(a), Value::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Value::Array(a), Value::Array(b)) => {
            for (p, q) in a.iter().zip(b) {
                match ruby_cmp(p, q)? {
                    std::cmp::Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(a.len().cmp(&b.len()))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
