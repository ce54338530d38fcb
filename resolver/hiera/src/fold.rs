//! `MergeStrategy#lookup` over found values without copying them first: a value found in a data
//! file stays a reference into that file's (shared, immutable) data until the merge builds its
//! result, once, from all the found values together. The result is exactly what the pairwise
//! left fold of [`Strategy::merge`] gives (`merge(merge(v1, v2), v3)...`, `v1` the highest
//! priority): the type checks run at the same steps, so errors come in the same order, and the
//! deep merge follows the deep_merge gem's steps key by key ([`deep`]). A deep merge with options
//! (knockout prefix, sorting, hash arrays) keeps the pairwise fold on owned values.

use super::HieraError;
use super::merge::{DeepOptions, Strategy, check_hash, check_unique, dedup_arrays, truthy};
use crate::{Map, Value};
use indexmap::map::RawEntryApiV1;
use indexmap::map::raw_entry_v1::RawEntryMut;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// The maps merges build share one hasher per session, so each key's (SipHash) hash is
/// computed once per session rather than once per insertion: a merged hash is mostly the same
/// few keys, lookup after lookup.
#[derive(Debug, Default)]
pub(super) struct KeyHashes {
    state: RandomState,
    /// By [`fingerprint`] for keys below 8 bytes (it is the key then: no string compare).
    short: RefCell<FxHashMap<u64, u64>>,
    long: RefCell<FxHashMap<Box<str>, u64>>,
}

/// Most keys remembered (a session reads bounded data; this only caps a pathological one).
const MAX_CACHED_KEYS: usize = 1 << 16;

impl KeyHashes {
    fn map(&self, n: usize) -> Map {
        Map::with_capacity_and_hasher(n, self.state.clone())
    }

    fn hash(&self, k: &str) -> u64 {
        if k.len() < 8 {
            let fp = fingerprint(k);
            if let Some(&h) = self.short.borrow().get(&fp) {
                return h;
            }
            let h = self.state.hash_one(k);
            let mut cache = self.short.borrow_mut();
            if cache.len() < MAX_CACHED_KEYS {
                cache.insert(fp, h);
            }
            return h;
        }
        if let Some(&h) = self.long.borrow().get(k) {
            return h;
        }
        let h = self.state.hash_one(k);
        let mut cache = self.long.borrow_mut();
        if cache.len() < MAX_CACHED_KEYS {
            cache.insert(k.into(), h);
        }
        h
    }

    /// `out.insert(k, v)` for a map made by [`Self::map`].
    fn insert(&self, out: &mut Map, k: &str, v: Value) {
        let hash = self.hash(k);
        match out.raw_entry_mut_v1().from_hash(hash, |x| x == k) {
            RawEntryMut::Vacant(e) => {
                e.insert_hashed_nocheck(hash, k.to_string(), v);
            }
            RawEntryMut::Occupied(mut e) => *e.get_mut() = v,
        }
    }
}

/// A value found for a key.
#[derive(Debug, Clone)]
pub(super) enum Found<'d> {
    /// A value of a data file, as read (no interpolation needed), borrowed from the session's
    /// data, with its [`flags`] (computed once per session).
    Data(&'d Value, u8),
    /// A value built for this lookup (interpolated, merged).
    Owned(Value),
}

/// [`flags`]: the value holds a mark ([`super::rich`]): it may have non-string keys.
pub(super) const MARKED: u8 = 8;
/// [`flags`]: the value is an array with duplicates.
const DUPLICATES: u8 = 16;

/// What the merges want to know of a data value without walking it each time.
pub(super) fn flags(v: &Value, marked: bool) -> u8 {
    let dups = matches!(v, Value::Array(a) if has_duplicates(a));
    (if marked { MARKED } else { 0 }) | if dups { DUPLICATES } else { 0 }
}

impl Found<'_> {
    pub(super) fn value(&self) -> &Value {
        match self {
            Found::Data(v, _) => v,
            Found::Owned(v) => v,
        }
    }

    pub(super) fn into_value(self) -> Value {
        match self {
            Found::Data(v, _) => v.clone(),
            Found::Owned(v) => v,
        }
    }

    /// Whether the value may hold non-string keys (a built value is not known not to).
    fn marked(&self) -> bool {
        !matches!(self, Found::Data(_, f) if f & MARKED == 0)
    }
}

/// [`Strategy::merge_single`] by reference: a copy only when Unique removes duplicates.
pub(super) fn merge_single<'d>(strategy: &Strategy, v: Found<'d>) -> Found<'d> {
    let dups = *strategy == Strategy::Unique
        && match &v {
            Found::Data(_, f) => f & DUPLICATES != 0,
            Found::Owned(Value::Array(a)) => has_duplicates(a),
            Found::Owned(_) => false,
        };
    if dups { Found::Owned(strategy.merge_single(v.into_value())) } else { v }
}

fn has_duplicates(a: &[Value]) -> bool {
    a.iter().enumerate().any(|(i, v)| a[..i].iter().any(|x| same_value(x, v)))
}

/// The values of one fold, merged when it ends.
#[derive(Debug)]
pub(super) struct Fold<'s, 'd> {
    strategy: &'s Strategy,
    hashes: &'s KeyHashes,
    /// A deep merge with options: the pairwise fold on owned values (in `memo`).
    pairwise: bool,
    /// The highest priority value, then the others (often none: no allocation then).
    first: Option<Found<'d>>,
    rest: Vec<Found<'d>>,
    memo: Option<Value>,
    /// At most this many values come.
    n: usize,
}

impl<'s, 'd> Fold<'s, 'd> {
    /// A fold of at most `n` values.
    pub(super) fn new(strategy: &'s Strategy, hashes: &'s KeyHashes, n: usize) -> Self {
        let pairwise = matches!(strategy, Strategy::Deep(o) if *o != DeepOptions::default());
        Fold { strategy, hashes, pairwise, first: None, rest: Vec::new(), memo: None, n }
    }

    /// The next (lower priority) value, with the checks `Strategy::merge` would make now.
    pub(super) fn push(&mut self, v: Found<'d>) -> Result<(), HieraError> {
        if self.pairwise {
            self.memo = Some(match self.memo.take() {
                None => self.strategy.convert_value(v.into_value()),
                Some(m) => self.strategy.merge(m, v.into_value())?,
            });
            return Ok(());
        }
        let Some(first) = &self.first else {
            self.first = Some(v);
            return Ok(());
        };
        // The checks of the first element (the fold so far) can only fail on the first merge:
        // later values passed them as second elements, and the fold only gathers their parts.
        // Without marks a value has no non-string keys: only its type is checked then.
        if self.rest.is_empty() {
            match self.strategy {
                Strategy::Unique if first.marked() => check_unique_converted(first.value())?,
                Strategy::Hash if first.marked() => check_hash("first", first.value())?,
                Strategy::Hash if !matches!(first.value(), Value::Hash(_)) => check_hash("first", first.value())?,
                _ => {}
            }
            self.rest.reserve_exact(self.n.saturating_sub(1));
        }
        let plain = !v.marked();
        match (self.strategy, v.value()) {
            (Strategy::Unique, Value::Null | Value::Hash(_)) => check_unique("second", v.value())?,
            (Strategy::Unique, _) if plain => {}
            (Strategy::Unique, x) => check_unique("second", x)?,
            (Strategy::Hash, Value::Hash(_)) if plain => {}
            (Strategy::Hash, x) => check_hash("second", x)?,
            _ => {}
        }
        self.rest.push(v);
        Ok(())
    }

    /// The merged value (`None` if nothing was found).
    pub(super) fn finish(self) -> Result<Option<Found<'d>>, HieraError> {
        if self.pairwise {
            return Ok(self.memo.map(Found::Owned));
        }
        let Some(first) = self.first else { return Ok(None) };
        if self.rest.is_empty() || *self.strategy == Strategy::First {
            // `convert_value`: only Unique converts (flattens, or wraps a non-array).
            return Ok(Some(match (self.strategy, first.value()) {
                (Strategy::Unique, Value::Array(a)) if !a.iter().any(|x| matches!(x, Value::Array(_))) => first,
                (Strategy::Unique, _) => Found::Owned(self.strategy.convert_value(first.into_value())),
                _ => first,
            }));
        }
        let (v1, rest) = (first.value(), self.rest.as_slice());
        Ok(Some(Found::Owned(match self.strategy {
            Strategy::Unique => unique(v1, rest),
            Strategy::Hash => hash(self.hashes, v1, rest),
            _ => deep(self.hashes, v1, rest),
        })))
    }
}

/// `check_unique("first", convert_value(v))` without converting when it cannot fail.
fn check_unique_converted(v: &Value) -> Result<(), HieraError> {
    let mut items = Vec::new();
    flatten_into(v, &mut items);
    if items.iter().any(|x| super::rich::has_rich_keys(x)) {
        return check_unique("first", &Strategy::Unique.convert_value(v.clone()));
    }
    Ok(())
}

/// `convert_value` of one value by reference: an array's flattened elements, else the value.
fn flatten_into<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(a) => {
            for x in a {
                match x {
                    Value::Array(_) => flatten_into(x, out),
                    x => out.push(x),
                }
            }
        }
        v => out.push(v),
    }
}

/// Unique: the flattened values, highest priority first, each element once.
fn unique(v1: &Value, rest: &[Found<'_>]) -> Value {
    let vals = || std::iter::once(v1).chain(rest.iter().map(Found::value));
    let n = vals().map(|v| if let Value::Array(a) = v { a.len() } else { 1 }).sum();
    let mut items: Vec<&Value> = Vec::with_capacity(n);
    let mut all = Vec::with_capacity(n);
    for v in vals() {
        all.clear();
        flatten_into(v, &mut all);
        for x in &all {
            if !items.iter().any(|y| same_value(x, y)) {
                items.push(x);
            }
        }
    }
    Value::Array(items.into_iter().cloned().collect())
}

/// The keys of `maps` (highest priority first) as the folds order them — the lowest priority
/// map's keys first, then each higher one's new keys — appended to `keys`, and which map holds
/// which key appended to `table` (`table[key * maps.len() + map]`, both relative to their ends
/// on entry).
fn key_table<'m>(maps: &[&'m Map], keys: &mut Vec<(&'m String, u64)>, table: &mut Vec<Option<&'m Value>>) {
    let m = maps.len();
    let (kbase, tbase) = (keys.len(), table.len());
    // Rows for every key there could be; cut to the keys there are at the end.
    let total: usize = maps.iter().map(|h| h.len()).sum();
    keys.reserve(total);
    table.resize(tbase + total * m, None);
    // Past a few dozen keys a hashed index beats scanning the list.
    let mut index: Option<rustc_hash::FxHashMap<&str, usize>> = None;
    for (j, h) in maps.iter().enumerate().rev() {
        for (k, v) in h.iter() {
            let fp = fingerprint(k);
            let slot = match &mut index {
                Some(ix) => ix.get(k.as_str()).copied(),
                None => keys[kbase..].iter().position(|(o, ofp)| *ofp == fp && (k.len() < 8 || *o == k)),
            };
            let slot = slot.unwrap_or_else(|| {
                keys.push((k, fp));
                let n = keys.len() - kbase;
                if let Some(ix) = &mut index {
                    ix.insert(k.as_str(), n - 1);
                } else if n > 32 {
                    index = Some(keys[kbase..].iter().enumerate().map(|(i, (o, _))| (o.as_str(), i)).collect());
                }
                n - 1
            });
            table[tbase + slot * m + j] = Some(v);
        }
    }
    table.truncate(tbase + (keys.len() - kbase) * m);
}

/// A key's length and first bytes in one word: equal words mean equal keys below 8 bytes, and
/// tell most longer keys apart without comparing them.
fn fingerprint(k: &str) -> u64 {
    // Shifts, not a copy: a variable-length copy is a `memcpy` call.
    let len = u64::try_from(k.len()).unwrap_or(u64::MAX).min(255);
    k.bytes().take(7).enumerate().fold(len << 56, |w, (i, c)| w | u64::from(c) << (8 * i))
}

/// Hash: Ruby's `e2.merge(e1)` folded: the lowest priority keys first, each key's value from
/// the highest priority map holding it.
fn hash(hashes: &KeyHashes, v1: &Value, rest: &[Found<'_>]) -> Value {
    let maps: Vec<&Map> = std::iter::once(v1)
        .chain(rest.iter().map(Found::value))
        .filter_map(|v| if let Value::Hash(h) = v { Some(h) } else { None })
        .collect();
    let (mut order, mut table) = (Vec::new(), Vec::new());
    key_table(&maps, &mut order, &mut table);
    let mut out = hashes.map(order.len());
    for (slot, (k, _)) in order.into_iter().enumerate() {
        if let Some(v) = table[slot * maps.len()..(slot + 1) * maps.len()].iter().find_map(|v| *v) {
            hashes.insert(&mut out, k, v.clone());
        }
    }
    Value::Hash(out)
}

/// One step of a deep merge fold, applied to the value so far.
#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    /// `deep_merge!(so_far, dest)`: the next (lower priority) value.
    Merge(&'a Value),
    /// `deep_merge!(so_far, so_far.dup)` (a key the next hash lacks, or holds nil or false):
    /// without options, each array below loses its duplicates.
    Dedup,
}

/// Deep (no options): the fold of `vals` (highest priority first), built once.
fn deep<'a>(hashes: &'a KeyHashes, v1: &'a Value, rest: &'a [Found<'_>]) -> Value {
    let n = rest.len();
    // Room for a few nesting levels: the stacks then never grow in common data.
    let mut d = Deep {
        hashes,
        ops: Vec::with_capacity(n * 4),
        maps: Vec::with_capacity((n + 1) * 4),
        keys: Vec::with_capacity(64),
        table: Vec::with_capacity(64 * (n + 1)),
        items: Vec::new(),
    };
    d.ops.extend(rest.iter().map(|v| Op::Merge(v.value())));
    d.eval(v1, 0, n)
}

/// Scratch stacks of a deep merge: each nesting level appends its part past its parent's and
/// truncates it when done, so a merge allocates its scratch once, then only its result.
struct Deep<'a> {
    hashes: &'a KeyHashes,
    /// Steps; `ops[lo..hi]` are the current value's.
    ops: Vec<Op<'a>>,
    /// The hashes merged at each open level.
    maps: Vec<&'a Map>,
    /// Their keys in result order, and which hash holds which (see [`key_table`]).
    keys: Vec<(&'a String, u64)>,
    table: Vec<Option<&'a Value>>,
    /// An array's elements.
    items: Vec<&'a Value>,
}

impl<'a> Deep<'a> {
    /// The value `init` becomes through `ops[lo..hi]`: what the gem's pairwise merges give,
    /// without building the intermediate values.
    fn eval(&mut self, init: &'a Value, lo: usize, hi: usize) -> Value {
        // A nil so far takes the next value as it is ("do nothing if source is nil").
        let mut start = init;
        let mut i = lo;
        while start.is_null() && i < hi {
            if let Op::Merge(d) = self.ops[i] {
                start = d;
            }
            i += 1;
        }
        match start {
            Value::Array(a) => self.array(a, i, hi),
            Value::Hash(h) => {
                // A hash over a (truthy) non-hash keeps a mix of raw and merged values: rare,
                // so it is done by the pairwise merges themselves.
                let clash = self.ops[i..hi]
                    .iter()
                    .any(|op| matches!(op, Op::Merge(d) if truthy(d) && !matches!(d, Value::Hash(_))));
                if clash { pairwise(start, &self.ops[i..hi]) } else { self.hash(h, i, hi) }
            }
            // A scalar (false included) overwrites whatever comes next; nil stays nil.
            scalar => scalar.clone(),
        }
    }

    /// An array through `ops[lo..hi]`: `dest | source` for each array merged into it (the
    /// lowest priority elements first), de-duplicated by a `Dedup`; other values leave it.
    fn array(&mut self, a: &'a [Value], lo: usize, hi: usize) -> Value {
        let ops = &self.ops[lo..hi];
        let merged = |op: &Op<'a>| if let Op::Merge(Value::Array(d)) = op { Some(d.as_slice()) } else { None };
        if !ops.iter().any(|op| merged(op).is_some())
            && (!ops.iter().any(|op| matches!(op, Op::Dedup)) || !has_duplicates(a))
        {
            return Value::Array(a.to_vec());
        }
        let base = self.items.len();
        for x in ops.iter().rev().filter_map(merged).flatten().chain(a) {
            if !self.items[base..].iter().any(|y| same_value(x, y)) {
                self.items.push(x);
            }
        }
        let out = self.items[base..].iter().map(|x| (*x).clone()).collect();
        self.items.truncate(base);
        Value::Array(out)
    }

    /// A hash through `ops[lo..hi]`, which merge only hashes (or nil/false, which leave it):
    /// key by key, each key's own steps derived as the gem takes them.
    fn hash(&mut self, h: &'a Map, lo: usize, hi: usize) -> Value {
        let (mbase, kbase, tbase) = (self.maps.len(), self.keys.len(), self.table.len());
        self.maps.push(h);
        for i in lo..hi {
            if let Op::Merge(Value::Hash(d)) = self.ops[i] {
                self.maps.push(d);
            }
        }
        let m = self.maps.len() - mbase;
        key_table(&self.maps[mbase..], &mut self.keys, &mut self.table);
        let n = self.keys.len() - kbase;
        let mut out = self.hashes.map(n);
        for slot in 0..n {
            let row = tbase + slot * m;
            // A key that starts as a scalar keeps it, whatever follows (the common leaf).
            if let Some(v) = self.table[row..row + m].iter().find_map(|v| *v)
                && !matches!(v, Value::Null | Value::Array(_) | Value::Hash(_))
            {
                self.hashes.insert(&mut out, self.keys[kbase + slot].0, v.clone());
                continue;
            }
            let base = self.ops.len();
            let mut init = self.table[row];
            // The hashes merged so far (column in the row).
            let mut j = 0;
            for i in lo..hi {
                match self.ops[i] {
                    Op::Merge(Value::Hash(_)) => {
                        j += 1;
                        match (self.table[row + j], init) {
                            // The key so far merges into the next hash's value, or (nil, false
                            // or absent there) into its own copy.
                            (Some(dv), Some(_)) if truthy(dv) => self.ops.push(Op::Merge(dv)),
                            (_, Some(_)) => self.ops.push(Op::Dedup),
                            // A key new to the fold: the next hash's value as it is.
                            (Some(dv), None) => init = Some(dv),
                            (None, None) => {}
                        }
                    }
                    Op::Dedup if init.is_some() => self.ops.push(Op::Dedup),
                    _ => {}
                }
            }
            if let Some(init) = init {
                let v = self.eval(init, base, self.ops.len());
                self.hashes.insert(&mut out, self.keys[kbase + slot].0, v);
            }
            self.ops.truncate(base);
        }
        self.maps.truncate(mbase);
        self.keys.truncate(kbase);
        self.table.truncate(tbase);
        Value::Hash(out)
    }
}

/// String equality that compares short keys inline (no `memcmp` call for each).
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && if a.len() <= 16 { a.bytes().zip(b.bytes()).all(|(x, y)| x == y) } else { a == b }
}

/// `==` of two values, with strings compared inline (most array elements are short strings).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => same_key(x, y),
        _ => a == b,
    }
}

/// The pairwise fold itself, on owned copies.
fn pairwise(start: &Value, ops: &[Op<'_>]) -> Value {
    let deep = Strategy::Deep(DeepOptions::default());
    let mut acc = start.clone();
    for op in ops {
        acc = match op {
            // Without options the gem cannot fail.
            Op::Merge(d) => deep.merge(acc, (*d).clone()).unwrap_or_default(),
            Op::Dedup => dedup_arrays(acc),
        };
    }
    acc
}

#[cfg(test)]
#[path = "fold_tests.rs"]
mod tests;
