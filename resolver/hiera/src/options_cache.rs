//! lookup_options as a session keeps them, with Puppet's adapter rules (`lookup_adapter.rb`
//! `lookup_lookup_options`, `retrieve_lookup_options` `:341`, `global_lookup_options` `:370`,
//! `env_lookup_options` `:380`): the global layer's once, the global and environment ones
//! merged once, each module's once, compiled. Their values are interpolated like any data, so a
//! `%{lookup('k')}` in them starts a nested lookup while they are being read: it sees the
//! global layer's options as none (Puppet marks them read before reading them) and reads the
//! environment's and the module's again, which Puppet's recursion check refuses
//! (`Recursive lookup detected in [lookup_options]`) when that layer exists.

use super::HieraError;
use super::engine::{Hiera, Layer};
use super::fold::Found;
use super::merge::Strategy;
use super::options::as_map;
use crate::{Data, DataMap};
use std::rc::Rc;

/// Merged lookup_options of one module (or of none), with their `^pattern` keys compiled once
/// (`lookup_adapter.rb` compiles them once per adapter too).
#[derive(Debug)]
pub(super) struct LookupOptions {
    map: DataMap,
    /// Index in `map` and the compiled regex (or its error) of every `^pattern` key, in order.
    patterns: Vec<(usize, Result<regex::Regex, HieraError>)>,
}

/// The global layer's lookup_options: not read yet, being read (reads meanwhile see none), read.
#[derive(Debug)]
pub(super) enum Part {
    NotStarted,
    InProgress,
    Done(Option<DataMap>),
}

impl Hiera<'_> {
    /// The merged lookup_options for a module (or none): global over environment, then over the
    /// module's own, which must all be qualified with its name. Kept for the session once read,
    /// as the adapter keeps them for a compilation; an error is not kept (the next lookup tries
    /// again, as the next fresh `puppet lookup` does).
    ///
    /// (`Rc`: a session is single-threaded, and every lookup takes one.)
    pub(super) fn lookup_options(&self, module: Option<&str>) -> Result<Rc<LookupOptions>, HieraError> {
        let ck = module.unwrap_or("");
        if let Some(r) = self.lo_cache.borrow().get(ck) {
            return Ok(r.clone());
        }
        let depth = self.lo_depth.get();
        self.lo_depth.set(depth + 1);
        let r = self.compute_lookup_options(module);
        self.lo_depth.set(depth);
        if depth > 0 {
            self.lo_nested.set(true);
        } else if self.lo_nested.replace(false) {
            // Nested lookups stored options read while others were half read (as the adapter
            // does for the rest of a compilation): they served this lookup; a later one reads
            // afresh, as a fresh `puppet lookup` does.
            self.lo_cache.borrow_mut().clear();
            if r.is_err() {
                *self.env_lo.borrow_mut() = None;
            }
        }
        let r = Rc::new(LookupOptions::new(r?));
        self.lo_cache.borrow_mut().insert(ck.to_string(), r.clone());
        Ok(r)
    }

    fn compute_lookup_options(&self, module: Option<&str>) -> Result<DataMap, HieraError> {
        let env = self.env_options()?;
        let Some(m) = module else { return Ok(env.unwrap_or_default()) };
        // `@lookup_options[nil] = compile_patterns(opts) unless @lookup_options.include?(nil)`:
        // unqualified keys looked up while the module's options are read see the environment's.
        if !self.lo_cache.borrow().contains_key("") {
            let unqualified = Rc::new(LookupOptions::new(env.clone().unwrap_or_default()));
            self.lo_cache.borrow_mut().insert(String::new(), unqualified);
        }
        let mut merged = env.unwrap_or_default();
        if let Some(mo) = as_hash(self.options_in(Layer::Module(m))?)? {
            let prefix = format!("{m}::");
            for k in mo.keys() {
                let k = k.to_s();
                if let Some(pat) = k.strip_prefix('^') {
                    if !pat.starts_with(&prefix) {
                        return Err(HieraError::coded(format!(
                            "all lookup_options patterns must match a key starting with module name '{m}'"
                        )));
                    }
                } else if !k.starts_with(&prefix) {
                    return Err(HieraError::coded(format!(
                        "all lookup_options keys must start with module name '{m}'"
                    )));
                }
            }
            merged = hash_over(merged, mo);
        }
        Ok(merged)
    }

    /// Global over environment (`env_lookup_options`).
    fn env_options(&self) -> Result<Option<DataMap>, HieraError> {
        if let Some(v) = self.env_lo.borrow().as_ref() {
            return Ok(v.clone());
        }
        let global = self.global_options()?;
        let env = as_hash(self.options_in(Layer::Environment)?)?;
        let v = match (global, env) {
            (Some(g), Some(e)) => Some(hash_over(g, e)),
            (g, e) => g.or(e),
        };
        *self.env_lo.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    /// `global_lookup_options`: marked as read (none) before it is read.
    fn global_options(&self) -> Result<Option<DataMap>, HieraError> {
        match &*self.global_lo.borrow() {
            Part::InProgress => return Ok(None),
            Part::Done(v) => return Ok(v.clone()),
            Part::NotStarted => {}
        }
        *self.global_lo.borrow_mut() = Part::InProgress;
        let r = self.options_in(Layer::Global).and_then(as_hash);
        *self.global_lo.borrow_mut() = match &r {
            Ok(v) => Part::Done(v.clone()),
            Err(_) => Part::NotStarted,
        };
        r
    }

    /// `lookup_options` hash-merged over one layer's levels.
    fn options_in(&self, layer: Layer<'_>) -> Result<Option<Found<'_>>, HieraError> {
        self.note(|| "Searching for \"lookup_options\"".into());
        self.nested(|| self.layer_lookup(layer, "lookup_options", "lookup_options", &Strategy::Hash, true))
    }
}

fn as_hash(v: Option<Found<'_>>) -> Result<Option<DataMap>, HieraError> {
    match v.map(Found::into_value) {
        None => Ok(None),
        Some(Data::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(HieraError::coded("value of lookup_options must be a hash")),
    }
}

/// Hash merge of two lookup_options hashes, `high` winning per key.
fn hash_over(high: DataMap, mut low: DataMap) -> DataMap {
    for (k, v) in high {
        low.insert(k, v);
    }
    low
}

impl LookupOptions {
    fn new(map: DataMap) -> Self {
        let patterns = map
            .keys()
            .enumerate()
            .filter_map(|(i, k)| Some((i, k.as_str().filter(|k| k.starts_with('^'))?)))
            .map(|(i, k)| (i, super::options::compile_pattern(k)))
            .collect();
        LookupOptions { map, patterns }
    }

    /// [`super::options::key_options`] with the patterns compiled once.
    pub(super) fn key_options(&self, root: &str) -> Result<Option<&DataMap>, HieraError> {
        if let Some(v) = self.map.get(root) {
            return Ok(as_map(v));
        }
        for (i, re) in &self.patterns {
            if re.as_ref().map_err(Clone::clone)?.is_match(root) {
                return Ok(self.map.get_index(*i).and_then(|(_, v)| as_map(v)));
            }
        }
        Ok(None)
    }
}
