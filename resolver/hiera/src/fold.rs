//! `MergeStrategy#lookup` over found values without copying them first: a value found in a data
//! file stays a reference into that file's (shared, immutable) data until the merge builds its
//! result, once, from all the found values together. The result is exactly what the pairwise
//! left fold of [`Strategy::merge`] gives (`merge(merge(v1, v2), v3)...`, `v1` the highest
//! priority): the type checks run at the same steps, so errors come in the same order, and the
//! deep merge follows the deep_merge gem's steps key by key ([`deep`]). A deep merge with options
//! (knockout prefix, sorting, hash arrays) keeps the pairwise fold on owned values.

use super::HieraError;
use super::merge::{DeepOptions, Strategy, check_hash, check_unique, dedup_arrays, truthy};
use crate::{Data, DataMap, Key};
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
    /// By [`str_fingerprint`] for keys below 8 bytes (it is the key then: no string compare).
    short: RefCell<FxHashMap<u64, u64>>,
    long: RefCell<FxHashMap<Box<str>, u64>>,
}

/// Most keys remembered (a session reads bounded data; this only caps a pathological one).
const MAX_CACHED_KEYS: usize = 1 << 16;

impl KeyHashes {
    fn map(&self, n: usize) -> DataMap {
        DataMap::with_capacity_and_hasher(n, self.state.clone())
    }

    fn hash(&self, k: &str) -> u64 {
        if k.len() < 8 {
            let fp = str_fingerprint(k);
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
    fn insert(&self, out: &mut DataMap, k: &Key, v: Data) {
        let Key::Str(s) = k else {
            // Keys of other types are rare: no cached hash.
            out.insert(k.clone(), v);
            return;
        };
        let hash = self.hash(s);
        match out.raw_entry_mut_v1().from_hash(hash, |x| matches!(x, Key::Str(x) if x == s)) {
            RawEntryMut::Vacant(e) => {
                e.insert_hashed_nocheck(hash, k.clone(), v);
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
    Data(&'d Data, u8),
    /// A value built for this lookup (interpolated, merged).
    Owned(Data),
}

/// [`flags`]: the value is rich ([`Data::is_rich`]): it may have non-string keys.
pub(super) const RICH: u8 = 8;
/// [`flags`]: the value is an array with duplicates.
const DUPLICATES: u8 = 16;
/// [`flags`]: the value is not Puppet's `RichData`: a lookup of it fails.
pub(super) const REFUSED: u8 = 32;

/// What the merges want to know of a data value without walking it each time. `rich`: the
/// value is [`Data::is_rich`] (the caller's scan found it out).
pub(super) fn flags(v: &Data, rich: bool) -> u8 {
    let dups = matches!(v, Data::Array(a) if has_duplicates(a));
    let refused = rich && !is_rich_data(v);
    (if rich { RICH } else { 0 }) | if dups { DUPLICATES } else { 0 } | if refused { REFUSED } else { 0 }
}

/// Puppet's `RichData`: no Symbol (a `Runtime[ruby, 'Symbol']`), and no hash key that is a
/// Boolean or nil (`RichDataKey` is `Variant[String, Numeric]`).
fn is_rich_data(v: &Data) -> bool {
    match v {
        Data::Symbol(_) => false,
        Data::Array(a) => a.iter().all(is_rich_data),
        Data::Hash(h) => h.iter().all(|(k, v)| !matches!(k, Key::Bool(_) | Key::Nil) && is_rich_data(v)),
        _ => true,
    }
}

impl Found<'_> {
    pub(super) fn value(&self) -> &Data {
        match self {
            Found::Data(v, _) => v,
            Found::Owned(v) => v,
        }
    }

    pub(super) fn into_value(self) -> Data {
        match self {
            Found::Data(v, _) => v.clone(),
            Found::Owned(v) => v,
        }
    }

    /// Whether the value may hold non-string keys (a built value is not known not to).
    fn rich(&self) -> bool {
        !matches!(self, Found::Data(_, f) if f & RICH == 0)
    }
}

/// [`Strategy::merge_single`] by reference: a copy only when Unique removes duplicates.
pub(super) fn merge_single<'d>(strategy: &Strategy, v: Found<'d>) -> Found<'d> {
    let dups = *strategy == Strategy::Unique
        && match &v {
            Found::Data(_, f) => f & DUPLICATES != 0,
            Found::Owned(Data::Array(a)) => has_duplicates(a),
            Found::Owned(_) => false,
        };
    if dups { Found::Owned(strategy.merge_single(v.into_value())) } else { v }
}

fn has_duplicates(a: &[Data]) -> bool {
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
    memo: Option<Data>,
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
        // A value that is not rich has no non-string keys: only its type is checked then.
        if self.rest.is_empty() {
            match self.strategy {
                Strategy::Unique if first.rich() => check_unique_converted(first.value())?,
                Strategy::Hash if first.rich() => check_hash("first", first.value())?,
                Strategy::Hash if !matches!(first.value(), Data::Hash(_)) => check_hash("first", first.value())?,
                _ => {}
            }
            self.rest.reserve_exact(self.n.saturating_sub(1));
        }
        let plain = !v.rich();
        match (self.strategy, v.value()) {
            (Strategy::Unique, Data::Null | Data::Hash(_)) => check_unique("second", v.value())?,
            (Strategy::Unique, _) if plain => {}
            (Strategy::Unique, x) => check_unique("second", x)?,
            (Strategy::Hash, Data::Hash(_)) if plain => {}
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
                (Strategy::Unique, Data::Array(a)) if !a.iter().any(|x| matches!(x, Data::Array(_))) => first,
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
fn check_unique_converted(v: &Data) -> Result<(), HieraError> {
    let mut items = Vec::new();
    flatten_into(v, &mut items);
    if items.iter().any(|x| x.has_rich_keys()) {
        return check_unique("first", &Strategy::Unique.convert_value(v.clone()));
    }
    Ok(())
}

/// `convert_value` of one value by reference: an array's flattened elements, else the value.
fn flatten_into<'a>(v: &'a Data, out: &mut Vec<&'a Data>) {
    match v {
        Data::Array(a) => {
            for x in a {
                match x {
                    Data::Array(_) => flatten_into(x, out),
                    x => out.push(x),
                }
            }
        }
        v => out.push(v),
    }
}

/// Unique: the flattened values, highest priority first, each element once.
fn unique(v1: &Data, rest: &[Found<'_>]) -> Data {
    let vals = || std::iter::once(v1).chain(rest.iter().map(Found::value));
    let n = vals().map(|v| if let Data::Array(a) = v { a.len() } else { 1 }).sum();
    let mut items: Vec<&Data> = Vec::with_capacity(n);
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
    Data::Array(items.into_iter().cloned().collect())
}

/// The keys of `maps` (highest priority first) as the folds order them — the lowest priority
/// map's keys first, then each higher one's new keys — appended to `keys`, and which map holds
/// which key appended to `table` (`table[key * maps.len() + map]`, both relative to their ends
/// on entry).
fn key_table<'m>(maps: &[&'m DataMap], keys: &mut Vec<(&'m Key, u64)>, table: &mut Vec<Option<&'m Data>>) {
    let m = maps.len();
    let (kbase, tbase) = (keys.len(), table.len());
    // Rows for every key there could be; cut to the keys there are at the end.
    let total: usize = maps.iter().map(|h| h.len()).sum();
    keys.reserve(total);
    table.resize(tbase + total * m, None);
    // Past a few dozen keys a hashed index beats scanning the list.
    let mut index: Option<rustc_hash::FxHashMap<&Key, usize>> = None;
    for (j, h) in maps.iter().enumerate().rev() {
        for (k, v) in h.iter() {
            let (fp, exact) = fingerprint(k);
            let slot = match &mut index {
                Some(ix) => ix.get(k).copied(),
                None => keys[kbase..].iter().position(|(o, ofp)| *ofp == fp && (exact || *o == k)),
            };
            let slot = slot.unwrap_or_else(|| {
                keys.push((k, fp));
                let n = keys.len() - kbase;
                if let Some(ix) = &mut index {
                    ix.insert(k, n - 1);
                } else if n > 32 {
                    index = Some(keys[kbase..].iter().enumerate().map(|(i, (o, _))| (*o, i)).collect());
                }
                n - 1
            });
            table[tbase + slot * m + j] = Some(v);
        }
    }
    table.truncate(tbase + (keys.len() - kbase) * m);
}

/// A String key's length and first bytes in one word: equal words mean equal keys below 8
/// bytes (then `true`: the word is exact), and tell most longer keys apart without comparing
/// them. Keys of other types (rare) share one word and are compared.
fn fingerprint(k: &Key) -> (u64, bool) {
    match k {
        Key::Str(k) => (str_fingerprint(k), k.len() < 8),
        _ => (u64::MAX, false),
    }
}

fn str_fingerprint(k: &str) -> u64 {
    // Shifts, not a copy: a variable-length copy is a `memcpy` call.
    let len = u64::try_from(k.len()).unwrap_or(u64::MAX).min(255);
    k.bytes().take(7).enumerate().fold(len << 56, |w, (i, c)| w | u64::from(c) << (8 * i))
}

/// Hash: Ruby's `e2.merge(e1)` folded: the lowest priority keys first, each key's value from
/// the highest priority map holding it.
fn hash(hashes: &KeyHashes, v1: &Data, rest: &[Found<'_>]) -> Data {
    let maps: Vec<&DataMap> = std::iter::once(v1)
        .chain(rest.iter().map(Found::value))
        .filter_map(|v| if let Data::Hash(h) = v { Some(h) } else { None })
        .collect();
    let (mut order, mut table) = (Vec::new(), Vec::new());
    key_table(&maps, &mut order, &mut table);
    let mut out = hashes.map(order.len());
    for (slot, (k, _)) in order.into_iter().enumerate() {
        if let Some(v) = table[slot * maps.len()..(slot + 1) * maps.len()].iter().find_map(|v| *v) {
            hashes.insert(&mut out, k, v.clone());
        }
    }
    Data::Hash(out)
}

/// One step of a deep merge fold, applied to the value so far.
#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    /// `deep_merge!(so_far, dest)`: the next (lower priority) value.
    Merge(&'a Data),
    /// `deep_merge!(so_far, so_far.dup)` (a key the next hash lacks, or holds nil or false):
    /// without options, each array below loses its duplicates.
    Dedup,
}

/// Deep (no options): the fold of `vals` (highest priority first), built once.
fn deep<'a>(hashes: &'a KeyHashes, v1: &'a Data, rest: &'a [Found<'_>]) -> Data {
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
    maps: Vec<&'a DataMap>,
    /// Their keys in result order, and which hash holds which (see [`key_table`]).
    keys: Vec<(&'a Key, u64)>,
    table: Vec<Option<&'a Data>>,
    /// An array's elements.
    items: Vec<&'a Data>,
}

impl<'a> Deep<'a> {
    /// The value `init` becomes through `ops[lo..hi]`: what the gem's pairwise merges give,
    /// without building the intermediate values.
    fn eval(&mut self, init: &'a Data, lo: usize, hi: usize) -> Data {
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
            Data::Array(a) => self.array(a, i, hi),
            Data::Hash(h) => {
                // A hash over a (truthy) non-hash keeps a mix of raw and merged values: rare,
                // so it is done by the pairwise merges themselves.
                let clash = self.ops[i..hi]
                    .iter()
                    .any(|op| matches!(op, Op::Merge(d) if truthy(d) && !matches!(d, Data::Hash(_))));
                if clash { pairwise(start, &self.ops[i..hi]) } else { self.hash(h, i, hi) }
            }
            // A scalar (false included) overwrites whatever comes next; nil stays nil.
            scalar => scalar.clone(),
        }
    }

    /// An array through `ops[lo..hi]`: `dest | source` for each array merged into it (the
    /// lowest priority elements first), de-duplicated by a `Dedup`; other values leave it.
    fn array(&mut self, a: &'a [Data], lo: usize, hi: usize) -> Data {
        let ops = &self.ops[lo..hi];
        let merged = |op: &Op<'a>| if let Op::Merge(Data::Array(d)) = op { Some(d.as_slice()) } else { None };
        if !ops.iter().any(|op| merged(op).is_some())
            && (!ops.iter().any(|op| matches!(op, Op::Dedup)) || !has_duplicates(a))
        {
            return Data::Array(a.to_vec());
        }
        let base = self.items.len();
        for x in ops.iter().rev().filter_map(merged).flatten().chain(a) {
            if !self.items[base..].iter().any(|y| same_value(x, y)) {
                self.items.push(x);
            }
        }
        let out = self.items[base..].iter().map(|x| (*x).clone()).collect();
        self.items.truncate(base);
        Data::Array(out)
    }

    /// A hash through `ops[lo..hi]`, which merge only hashes (or nil/false, which leave it):
    /// key by key, each key's own steps derived as the gem takes them.
    fn hash(&mut self, h: &'a DataMap, lo: usize, hi: usize) -> Data {
        let (mbase, kbase, tbase) = (self.maps.len(), self.keys.len(), self.table.len());
        self.maps.push(h);
        for i in lo..hi {
            if let Op::Merge(Data::Hash(d)) = self.ops[i] {
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
                && !matches!(v, Data::Null | Data::Array(_) | Data::Hash(_))
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
                    Op::Merge(Data::Hash(_)) => {
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
        Data::Hash(out)
    }
}

/// String equality that compares short keys inline (no `memcmp` call for each).
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && if a.len() <= 16 { a.bytes().zip(b.bytes()).all(|(x, y)| x == y) } else { a == b }
}

/// `==` of two values, with strings compared inline (most array elements are short strings).
fn same_value(a: &Data, b: &Data) -> bool {
    match (a, b) {
        (Data::String(x), Data::String(y)) => same_key(x, y),
        _ => a == b,
    }
}

/// The pairwise fold itself, on owned copies.
fn pairwise(start: &Data, ops: &[Op<'_>]) -> Data {
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
