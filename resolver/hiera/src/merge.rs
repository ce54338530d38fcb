//! Merge strategies (`pops/merge_strategy.rb`) and the deep_merge gem 1.1.1 that Puppet's `deep`
//! strategy calls (`deep_merge/core.rb`).
//!
//! Every merge is a left fold in priority order: `e1` is the higher-priority accumulator, `e2`
//! the next (lower-priority) value.

use super::HieraError;
use crate::{Data, DataMap, Key};
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
    pub fn merge_single(&self, v: Data) -> Data {
        match (self, v) {
            (Strategy::Unique, Data::Array(a)) => Data::Array(uniq(a)),
            (_, v) => v,
        }
    }

    /// `convert_value`: the first found value of a fold of two or more variants.
    #[must_use]
    pub fn convert_value(&self, v: Data) -> Data {
        match (self, v) {
            (Strategy::Unique, Data::Array(a)) => Data::Array(flatten(a)),
            (Strategy::Unique, v) => Data::Array(vec![v]),
            (_, v) => v,
        }
    }

    /// `merge(e1, e2)`: type-check both sides, then merge. `e1` has the higher priority.
    ///
    /// # Errors
    /// Puppet's type-mismatch messages, or a deep_merge failure (bad knockout regex, sort of
    /// incomparable values).
    pub fn merge(&self, e1: Data, e2: Data) -> Result<Data, HieraError> {
        match self {
            Strategy::First => Ok(e1),
            Strategy::Unique => {
                check_unique("first", &e1)?;
                check_unique("second", &e2)?;
                // `(e1 + e2).uniq`, with e1 de-duplicated first so each element of e2 is
                // checked once.
                let Data::Array(acc) = self.convert_value(e1) else { unreachable!("converted") };
                let mut acc = uniq(acc);
                let Data::Array(more) = self.convert_value(e2) else { unreachable!("converted") };
                for v in more {
                    if !acc.contains(&v) {
                        acc.push(v);
                    }
                }
                Ok(Data::Array(acc))
            }
            Strategy::Hash => {
                check_hash("first", &e1)?;
                check_hash("second", &e2)?;
                let (Data::Hash(h1), Data::Hash(mut h2)) = (e1, e2) else { unreachable!("checked") };
                // Ruby `e2.merge(e1)`: e2's key order, e1's values win, new e1 keys appended.
                for (k, v) in h1 {
                    h2.insert(k, v);
                }
                Ok(Data::Hash(h2))
            }
            Strategy::Deep(o) => {
                let ko = match &o.knockout_prefix {
                    Some(p) if p.is_empty() => {
                        return Err(HieraError::plain("knockout_prefix cannot be an empty string in deep_merge!"));
                    }
                    Some(p) => Some(knockout_regex(p)?),
                    None => None,
                };
                let dm = DeepMerge { ko, prefix: o.knockout_prefix.as_deref(), opts: o };
                dm.merge(e1, Some(e2))
            }
        }
    }
}

/// The knockout regex of a prefix, compiled once per thread (a deep merge runs once per
/// hierarchy level and layer of every lookup).
fn knockout_regex(p: &str) -> Result<Regex, HieraError> {
    thread_local! {
        static CACHE: std::cell::RefCell<rustc_hash::FxHashMap<String, Regex>> = std::cell::RefCell::default();
    }
    if let Some(re) = CACHE.with(|c| c.borrow().get(p).cloned()) {
        return Ok(re);
    }
    let re = Regex::new(&format!("(?m)^{p}"))
        .map_err(|e| HieraError::plain(format!("invalid knockout_prefix {p:?}: {e}")))?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() < 64 {
            c.insert(p.to_string(), re.clone());
        }
    });
    Ok(re)
}

/// Puppet's generalised type name of a value in merge and type errors (`TypeCalculator`
/// `infer_set`, then `generalize`): non-empty arrays are Tuples, string-keyed hashes Structs,
/// bignums Integers.
#[must_use]
pub fn puppet_type_name(v: &Data) -> &'static str {
    super::describe::type_name(v)
}

pub(super) fn check_unique(which: &str, v: &Data) -> Result<(), HieraError> {
    // value_t = Variant[Scalar, Array[Data]]: only nil and hashes fail (arrays are Data).
    if matches!(v, Data::Null | Data::Hash(_)) {
        return Err(HieraError::plain(format!(
            "The {which} element of the merge has wrong type, expects a value of type Scalar or Array, got {}",
            puppet_type_name(v)
        )));
    }
    // An array holding a hash with non-string keys is not `Array[Data]`: the describer reports
    // each variant and each bad element (`type_mismatch_describer.rb`).
    if let Data::Array(a) = v
        && a.iter().any(Data::has_rich_keys)
    {
        let mut found = vec!["variant 0 expects a Scalar value, got Tuple".to_string()];
        for (i, x) in a.iter().enumerate().filter(|(_, x)| x.has_rich_keys()) {
            data_mismatches(&format!("variant 1 index {i}"), x, &mut found);
        }
        return Err(mismatch(which, &found));
    }
    Ok(())
}

pub(super) fn check_hash(which: &str, v: &Data) -> Result<(), HieraError> {
    let Data::Hash(h) = v else {
        return Err(HieraError::plain(format!(
            "The {which} element of the merge has wrong type, expects a Hash value, got {}",
            puppet_type_name(v)
        )));
    };
    // `Hash[String,Data]` (`merge_strategy.rb:266`): Integer, Float, Boolean or nil keys fail
    // it, here (the describer names the whole type) or below an entry.
    if h.keys().any(|k| !matches!(k, Key::Str(_))) {
        return Err(HieraError::plain(format!(
            "The {which} element of the merge has wrong type, expects a Hash[String, Data] value, got {}",
            super::infer::describe_hash(v)
        )));
    }
    let mut found = Vec::new();
    for (k, x) in h.iter().filter(|(_, x)| x.has_rich_keys()) {
        data_mismatches(&format!("entry '{k}'"), x, &mut found);
    }
    if found.is_empty() { Ok(()) } else { Err(mismatch(which, &found)) }
}

/// The describer's message: one mismatch on a line, several each on its own line.
fn mismatch(which: &str, found: &[String]) -> HieraError {
    let line = |f: &String| format!("The {which} element of the merge has wrong type, {f}");
    match found {
        [one] => HieraError::plain(line(one)),
        many => HieraError::plain(format!(" {}", many.iter().map(line).collect::<Vec<_>>().join("\n  "))),
    }
}

/// Why `x` (which holds a hash with non-string keys) is not `Data` =
/// `Variant[ScalarData, Hash[String, Data], Array[Data]]`, as the describer words it at `path`.
fn data_mismatches(path: &str, x: &Data, out: &mut Vec<String>) {
    match x {
        Data::Hash(h) if h.keys().any(|k| !matches!(k, Key::Str(_))) => {
            out.push(format!("{path} expects a Data value, got Hash"));
        }
        Data::Hash(h) => {
            out.push(format!("{path} variant 0 expects a ScalarData value, got Struct"));
            for (k, v) in h.iter().filter(|(_, v)| v.has_rich_keys()) {
                data_mismatches(&format!("{path} variant 1 entry '{k}'"), v, out);
            }
            out.push(format!("{path} variant 2 expects an Array value, got Struct"));
        }
        Data::Array(a) => {
            out.push(format!("{path} variant 0 expects a ScalarData value, got Tuple"));
            out.push(format!("{path} variant 1 expects a Hash value, got Tuple"));
            for (i, v) in a.iter().enumerate().filter(|(_, v)| v.has_rich_keys()) {
                data_mismatches(&format!("{path} variant 2 index {i}"), v, out);
            }
        }
        _ => {}
    }
}

/// Ruby `Array#flatten` (full depth).
fn flatten(a: Vec<Data>) -> Vec<Data> {
    if !a.iter().any(|v| matches!(v, Data::Array(_))) {
        return a;
    }
    let mut out = Vec::with_capacity(a.len());
    let mut stack: Vec<std::vec::IntoIter<Data>> = vec![a.into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(Data::Array(inner)) => stack.push(inner.into_iter()),
            Some(v) => out.push(v),
            None => {
                stack.pop();
            }
        }
    }
    out
}

/// Ruby `Array#uniq`: first occurrences, in order. Returns `a` itself when it has no
/// duplicates (the common case: no new allocation).
fn uniq(a: Vec<Data>) -> Vec<Data> {
    if a.iter().enumerate().all(|(i, v)| !a[..i].contains(v)) {
        return a;
    }
    let mut out: Vec<Data> = Vec::with_capacity(a.len());
    for v in a {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// [`DeepMerge::merge_new`] and [`DeepMerge::merge_self`] without deep options: arrays
/// de-duplicated (not their elements), hashes recursed.
pub(super) fn dedup_arrays(v: Data) -> Data {
    match v {
        Data::Array(a) => Data::Array(uniq(a)),
        Data::Hash(mut h) => {
            for x in h.values_mut() {
                if matches!(x, Data::Array(_) | Data::Hash(_)) {
                    *x = dedup_arrays(std::mem::take(x));
                }
            }
            Data::Hash(h)
        }
        other => other,
    }
}

/// Ruby truthiness: only nil and false are falsy.
pub(super) fn truthy(v: &Data) -> bool {
    !matches!(v, Data::Null | Data::Bool(false))
}

struct DeepMerge<'a> {
    ko: Option<Regex>,
    prefix: Option<&'a str>,
    opts: &'a DeepOptions,
}

impl DeepMerge<'_> {
    /// `DeepMerge.deep_merge!(source, dest)` with `preserve_unmergeables: false`.
    /// `dest` is `None` for Ruby's nil/false dest only through [`Self::merge_value`].
    fn merge(&self, source: Data, dest: Option<Data>) -> Result<Data, HieraError> {
        // "do nothing if source is nil"
        if source.is_null() {
            return Ok(dest.unwrap_or(Data::Null));
        }
        let dest = match dest {
            // "if dest doesn't exist, then simply copy source to it"
            None => return Ok(source),
            Some(d) if !truthy(&d) => return Ok(source),
            Some(d) => d,
        };
        match source {
            Data::Hash(src) => match dest {
                Data::Hash(mut d) => {
                    // One hash of each key (the entry), not three (get, get_mut, insert); an
                    // existing key keeps its position as with `insert`.
                    for (k, sv) in src {
                        match d.entry(k) {
                            indexmap::map::Entry::Occupied(mut e) if truthy(e.get()) => {
                                let dv = std::mem::take(e.get_mut());
                                *e.get_mut() = self.merge(sv, Some(dv))?;
                            }
                            // A new (or nil/false) key merges the source value into its own
                            // shallow copy (the gem's `src_dup`).
                            indexmap::map::Entry::Occupied(mut e) => *e.get_mut() = self.merge_new(sv)?,
                            indexmap::map::Entry::Vacant(e) => {
                                e.insert(self.merge_new(sv)?);
                            }
                        }
                    }
                    Ok(Data::Hash(d))
                }
                // `dest = overwrite_unmergeables(source, dest)` runs inside `source.each`: an
                // empty source leaves dest; otherwise the first key makes dest the source hash
                // itself, and every later key then merges that value into itself.
                other if src.is_empty() => Ok(other),
                _ => {
                    let mut out = DataMap::new();
                    for (i, (k, v)) in src.into_iter().enumerate() {
                        let v = if i == 0 { v } else { self.merge_self(v)? };
                        out.insert(k, v);
                    }
                    Ok(Data::Hash(out))
                }
            },
            Data::Array(src) => self.merge_array(src, dest, false),
            scalar => self.overwrite_unmergeables(scalar, dest),
        }
    }

    /// `deep_merge!(src_value, src_value.dup)`: the destination lacks the key. The dup is
    /// shallow, so everything below it is the very same object in source and dest.
    fn merge_new(&self, v: Data) -> Result<Data, HieraError> {
        if self.ko.is_none() && !self.opts.sort_merged_arrays && !self.opts.merge_hash_arrays {
            // Without options a value merged into its own dup only loses the duplicates of
            // its arrays (`dest | source` with dest == source), recursively through hashes.
            return Ok(dedup_arrays(v));
        }
        match v {
            Data::Null | Data::Bool(false) => Ok(v),
            Data::Hash(h) => self.merge_self_hash(h),
            Data::Array(a) => {
                let dup = Data::Array(a.clone());
                self.merge_array(a, dup, true)
            }
            scalar => self.overwrite_unmergeables(scalar.clone(), scalar),
        }
    }

    /// `deep_merge!(x, x)` with source and dest the same Ruby object (below a new key).
    fn merge_self(&self, v: Data) -> Result<Data, HieraError> {
        match v {
            Data::Null | Data::Bool(false) => Ok(v),
            Data::Hash(h) => self.merge_self_hash(h),
            Data::Array(mut a) => {
                // A naked prefix clears dest, which is source too.
                if let Some(p) = self.prefix
                    && a.iter().any(|v| v.as_str() == Some(p))
                {
                    return Ok(Data::Array(Vec::new()));
                }
                if let Some(re) = &self.ko {
                    aliased_delete_if(&mut a, re);
                }
                let mut out = if self.opts.merge_hash_arrays && a.iter().all(|v| matches!(v, Data::Hash(_))) {
                    a.into_iter().map(|v| self.merge_self(v)).collect::<Result<Vec<_>, _>>()?
                } else {
                    uniq(a)
                };
                if self.opts.sort_merged_arrays {
                    ruby_sort(&mut out)?;
                }
                Ok(Data::Array(out))
            }
            scalar => self.overwrite_unmergeables(scalar.clone(), scalar),
        }
    }

    /// A hash merged into itself: every truthy value merges into itself, in place.
    fn merge_self_hash(&self, mut h: DataMap) -> Result<Data, HieraError> {
        // In place: the keys stay, only the values change.
        for v in h.values_mut() {
            if truthy(v) {
                *v = self.merge_self(std::mem::take(v))?;
            }
        }
        Ok(Data::Hash(h))
    }

    /// The array branch of `deep_merge!`. `fresh`: dest is a shallow dup of src, so the hashes
    /// of a hash-array merge are each merged into themselves.
    fn merge_array(&self, mut src: Vec<Data>, dest: Data, fresh: bool) -> Result<Data, HieraError> {
        let mut dest = dest;
        // A naked knockout prefix in the source truncates dest.
        if let Some(p) = self.prefix
            && src.iter().any(|v| v.as_str() == Some(p))
        {
            dest = match dest {
                Data::Array(_) => Data::Array(Vec::new()),
                Data::Hash(_) => Data::Hash(DataMap::new()),
                Data::String(_) => Data::String(String::new()),
                _ => Data::Null,
            };
            // Ruby `source.delete(prefix)` removes every occurrence.
            src.retain(|v| v.as_str() != Some(p));
        }
        match dest {
            Data::Array(mut d) => {
                if let Some(re) = &self.ko {
                    src.retain(|item| {
                        let Data::String(s) = item else { return true };
                        let stripped = re.replace_all(s, "");
                        if stripped == s.as_str() {
                            return true;
                        }
                        let stripped = Data::String(stripped.into_owned());
                        d.retain(|x| x != &stripped && x != item);
                        false
                    });
                }
                let all_hashes = |a: &[Data]| a.iter().all(|v| matches!(v, Data::Hash(_)));
                let mut out = if self.opts.merge_hash_arrays && all_hashes(&src) && all_hashes(&d) {
                    let n = d.len();
                    let mut list = Vec::with_capacity(n.max(src.len()));
                    let mut src_iter = src.into_iter();
                    for dv in d {
                        let sv = src_iter.next().unwrap_or_else(|| Data::Hash(DataMap::new()));
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
                Ok(Data::Array(out))
            }
            other => self.overwrite_unmergeables(Data::Array(src), other),
        }
    }

    /// `overwrite_unmergeables`: the source replaces dest, minus knockouts.
    fn overwrite_unmergeables(&self, source: Data, _dest: Data) -> Result<Data, HieraError> {
        let Some(re) = &self.ko else { return Ok(source) };
        Ok(match source {
            Data::String(s) => {
                let stripped = re.replace_all(&s, "");
                if stripped == s.as_str() { Data::String(s) } else { Data::String(String::new()) }
            }
            // `source.delete_if` mutates source itself, so `src_tmp == source` always holds and
            // the array (minus its knockout elements) replaces dest.
            Data::Array(mut a) => {
                a.retain(|v| !matches!(v, Data::String(s) if re.is_match(s)));
                Data::Array(a)
            }
            other => other,
        })
    }
}

/// The gem's knockout `source.delete_if { dest.delete(item); dest.delete(ko_item) }` when source
/// and dest are the same array: Ruby 3.1's `reject_bang_i` walks `a` while the block compacts
/// it, so the element after a deleted knockout is skipped and `select_bang_ensure` then cuts the
/// array at the write index (`["b","--z","w"]` becomes `["b"]`).
fn aliased_delete_if(a: &mut Vec<Data>, re: &Regex) {
    let (mut i1, mut i2) = (0usize, 0usize);
    while i1 < a.len() {
        let v = a[i1].clone();
        let knocked = match &v {
            Data::String(s) => {
                let stripped = re.replace_all(s, "");
                if stripped == s.as_str() {
                    false
                } else {
                    let stripped = Data::String(stripped.into_owned());
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

/// Ruby `Array#sort!` with Ruby's comparison sequence ([`super::rsort`]).
fn ruby_sort(a: &mut Vec<Data>) -> Result<(), HieraError> {
    super::rsort::ruby_sort(a).map_err(HieraError::plain)
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
