//! The lookup algorithm (`pops/lookup.rb`, `lookup_adapter.rb`, `configured_data_provider.rb`,
//! `data_hash_function_provider.rb`).

use super::key::{Segment, dig, root_name, split_key};
use super::merge::Strategy;
use super::options::{key_options, parse_merge};
use super::{Config, DataSource, HieraError, Layers, Level, Locations, MAX_NESTING, Query, join_path};
use crate::{Map, Value};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::sync::Arc;

/// Cached lookup_options of one module (or of none).
type LoResult = Result<Arc<Map>, HieraError>;

/// A lookup session over fixed layers, data and scope. Caches lookup_options, resolved
/// locations and nested lookups; collects warnings and, on request, an explanation.
pub struct Hiera<'a> {
    pub(super) layers: &'a Layers,
    pub(super) source: &'a dyn DataSource,
    pub(super) scope: &'a Map,
    lo_cache: RefCell<FxHashMap<Option<String>, LoResult>>,
    loc_cache: RefCell<FxHashMap<usize, Arc<Vec<String>>>>,
    pub(super) memo: RefCell<FxHashMap<String, Value>>,
    pub(super) stack: RefCell<Vec<String>>,
    warnings: RefCell<Vec<String>>,
    explain: Option<RefCell<Explain>>,
}

impl std::fmt::Debug for Hiera<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hiera").field("layers", self.layers).finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Explain {
    depth: usize,
    lines: Vec<String>,
}

/// Which layer is being searched (module name for the module layer).
#[derive(Clone, Copy)]
enum Layer<'k> {
    Global,
    Environment,
    Module(&'k str),
}

impl<'a> Hiera<'a> {
    /// A session. `scope` holds the top-scope variables (facts, `facts`, `trusted`,
    /// `server_facts`, `environment`, node parameters).
    #[must_use]
    pub fn new(layers: &'a Layers, source: &'a dyn DataSource, scope: &'a Map) -> Self {
        Hiera {
            layers,
            source,
            scope,
            lo_cache: RefCell::default(),
            loc_cache: RefCell::default(),
            memo: RefCell::default(),
            stack: RefCell::default(),
            warnings: RefCell::default(),
            explain: None,
        }
    }

    /// Records an explanation of every lookup (see [`Self::explanation`]).
    #[must_use]
    pub fn with_explain(mut self) -> Self {
        self.explain = Some(RefCell::default());
        self
    }

    /// The explanation recorded so far: a tree with two-space indents, in the spirit of
    /// `puppet lookup --explain` (same node names, not the same bytes).
    #[must_use]
    pub fn explanation(&self) -> String {
        self.explain.as_ref().map(|e| e.borrow().lines.join("\n")).unwrap_or_default()
    }

    /// Warnings so far, each once (`Undefined variable 'x'`, invalid data files).
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.borrow().clone()
    }

    pub(super) fn warn(&self, w: String) {
        let mut ws = self.warnings.borrow_mut();
        if !ws.contains(&w) {
            ws.push(w);
        }
    }

    pub(super) fn note(&self, line: impl FnOnce() -> String) {
        if let Some(e) = &self.explain {
            let mut e = e.borrow_mut();
            let l = format!("{}{}", "  ".repeat(e.depth), line());
            e.lines.push(l);
        }
    }

    fn nested<T>(&self, f: impl FnOnce() -> T) -> T {
        if let Some(e) = &self.explain {
            e.borrow_mut().depth += 1;
        }
        let r = f();
        if let Some(e) = &self.explain {
            e.borrow_mut().depth -= 1;
        }
        r
    }

    /// `lookup(names, type, merge, default)`: the first name found wins, then the default.
    /// `Ok(None)` means not found (see [`super::not_found_message`]).
    ///
    /// # Errors
    /// Any lookup error, and type mismatches of the found value or the default.
    pub fn query(&self, q: &Query) -> Result<Option<Value>, HieraError> {
        for name in &q.names {
            if let Some(v) = self.lookup(name, q.merge.as_ref())? {
                if let Some(t) = &q.value_type {
                    t.check(&v).map_err(|e| HieraError::plain(format!("Found value has wrong type, {e}")))?;
                }
                return Ok(Some(v));
            }
        }
        if let Some(d) = &q.default {
            if let Some(t) = &q.value_type {
                t.check(d).map_err(|e| HieraError::plain(format!("Default value has wrong type, {e}")))?;
            }
            return Ok(Some(d.clone()));
        }
        Ok(None)
    }

    /// One key through every layer (`LookupAdapter#lookup`), `merge` overriding the key's
    /// `lookup_options`.
    ///
    /// # Errors
    /// Any lookup error.
    pub fn lookup(&self, key: &str, merge: Option<&Strategy>) -> Result<Option<Value>, HieraError> {
        self.note(|| format!("Searching for \"{key}\""));
        self.nested(|| self.lookup_inner(key, merge))
    }

    fn lookup_inner(&self, key: &str, merge: Option<&Strategy>) -> Result<Option<Value>, HieraError> {
        let segs = split_key(key)?;
        let root = root_name(&segs);
        if root == "lookup_options" {
            self.note(|| "Invalid key \"lookup_options\"".into());
            return Ok(None);
        }
        let module = root.split_once("::").map(|(m, _)| m).filter(|m| !m.is_empty());
        let lo = self.lookup_options(module)?;
        let opts = key_options(&lo, &root)?;
        let strategy = match (merge, opts.and_then(|o| o.get("merge"))) {
            (Some(m), _) => m.clone(),
            (None, Some(m)) => {
                self.note(|| "Using merge options from \"lookup_options\" hash".into());
                parse_merge(m)?
            }
            (None, None) => Strategy::First,
        };
        self.note(|| format!("Merge strategy {}", strategy.name()));
        let merged = self.fold(&strategy, 3, |i| {
            let layer = match i {
                0 => Layer::Global,
                1 => Layer::Environment,
                _ => match module {
                    Some(m) => Layer::Module(m),
                    None => return Ok(None),
                },
            };
            self.layer_lookup(layer, &root, key, &strategy, false)
        })?;
        let mut found = match merged {
            Some(v) => dig(key, &segs[1..], &v)?.cloned(),
            None => None,
        };
        if found.is_none()
            && let Some(m) = module
        {
            found = self.default_hierarchy_lookup(m, &root, key, &segs, merge)?;
        }
        match (found, opts.and_then(|o| o.get("convert_to"))) {
            (Some(v), Some(t)) => super::types::convert_to(&root, v, t).map(Some),
            (found, _) => Ok(found),
        }
    }

    /// The module's `default_hierarchy`, only when no layer found anything, with its own
    /// lookup_options (`lookup_adapter.rb:74-76,178`).
    fn default_hierarchy_lookup(
        &self,
        module: &str,
        root: &str,
        key: &str,
        segs: &[Segment],
        merge: Option<&Strategy>,
    ) -> Result<Option<Value>, HieraError> {
        let Some(Some(Ok(cfg))) = self.layers.modules.get(module) else { return Ok(None) };
        if cfg.default_hierarchy.is_empty() {
            return Ok(None);
        }
        self.note(|| format!("Module \"{module}\" default hierarchy"));
        let lo = self.levels_fold(cfg, &cfg.default_hierarchy, "lookup_options", &Strategy::Hash, Some(module))?;
        let lo = match lo {
            Some(Value::Hash(h)) => h,
            Some(_) => return Err(HieraError::coded("value of lookup_options must be a hash")),
            None => Map::new(),
        };
        let strategy = match (merge, key_options(&lo, root)?.and_then(|o| o.get("merge"))) {
            (Some(m), _) => m.clone(),
            (None, Some(m)) => parse_merge(m)?,
            (None, None) => Strategy::First,
        };
        let v = self.check(key, || self.levels_fold(cfg, &cfg.default_hierarchy, root, &strategy, Some(module)))?;
        match v {
            Some(v) => Ok(dig(key, &segs[1..], &v)?.cloned()),
            None => Ok(None),
        }
    }

    /// `MergeStrategy#lookup` over `n` variants produced lazily by `f`.
    pub(super) fn fold(
        &self,
        strategy: &Strategy,
        n: usize,
        mut f: impl FnMut(usize) -> Result<Option<Value>, HieraError>,
    ) -> Result<Option<Value>, HieraError> {
        if n == 1 {
            return Ok(f(0)?.map(|v| strategy.merge_single(v)));
        }
        let mut memo: Option<Value> = None;
        for i in 0..n {
            let Some(v) = f(i)? else { continue };
            if *strategy == Strategy::First {
                return Ok(Some(v));
            }
            memo = Some(match memo {
                None => strategy.convert_value(v),
                Some(m) => strategy.merge(m, v)?,
            });
        }
        if n > 1
            && let Some(m) = &memo
        {
            self.note(|| format!("Merged result: {m}"));
        }
        Ok(memo)
    }

    /// Invocation#check: detects re-entry of `name` and caps the nesting.
    pub(super) fn check<T>(&self, name: &str, f: impl FnOnce() -> Result<T, HieraError>) -> Result<T, HieraError> {
        {
            let mut st = self.stack.borrow_mut();
            if st.iter().any(|s| s == name) {
                return Err(HieraError::plain(format!("Recursive lookup detected in [{}]", st.join(", "))));
            }
            if st.len() >= MAX_NESTING {
                return Err(HieraError::plain(format!(
                    "Lookup nesting deeper than {MAX_NESTING} (Lamina's limit) at '{name}'"
                )));
            }
            st.push(name.to_string());
        }
        let r = f();
        self.stack.borrow_mut().pop();
        r
    }

    fn layer_config(&self, layer: Layer<'_>) -> Option<&'a Result<Config, HieraError>> {
        match layer {
            Layer::Global => self.layers.global.as_ref(),
            Layer::Environment => self.layers.environment.as_ref(),
            Layer::Module(m) => self.layers.modules.get(m).and_then(Option::as_ref),
        }
    }

    /// One layer; errors crossing the global layer get Puppet's `Lookup of key` prefix.
    fn layer_lookup(
        &self,
        layer: Layer<'_>,
        root: &str,
        key: &str,
        strategy: &Strategy,
        options_pass: bool,
    ) -> Result<Option<Value>, HieraError> {
        let title = match layer {
            Layer::Global => "Global Data Provider (hiera configuration version 5)".to_string(),
            Layer::Environment => "Environment Data Provider (hiera configuration version 5)".to_string(),
            Layer::Module(m) => {
                if !self.layers.modules.contains_key(m) {
                    self.note(|| format!("Module \"{m}\" not found"));
                    return Ok(None);
                }
                format!("Module \"{m}\" Data Provider (hiera configuration version 5)")
            }
        };
        let Some(cfg) = self.layer_config(layer) else { return Ok(None) };
        let module = match layer {
            Layer::Module(m) => Some(m),
            _ => None,
        };
        self.note(|| title);
        let r = self.nested(|| {
            let cfg = cfg.as_ref().map_err(Clone::clone)?;
            self.note(|| format!("Using configuration \"{}\"", cfg.file));
            let name = if options_pass { "lookup_options" } else { key };
            self.check(name, || self.levels_fold(cfg, &cfg.hierarchy, root, strategy, module))
        });
        match (layer, r) {
            (Layer::Global, Err(e)) if !e.coded => {
                Err(HieraError::plain(format!("Lookup of key '{key}' failed: {}", e.message)))
            }
            (_, r) => r,
        }
    }

    /// The strategy over the levels of one configuration, then over each level's locations.
    fn levels_fold(
        &self,
        cfg: &Config,
        levels: &[Level],
        root: &str,
        strategy: &Strategy,
        module: Option<&str>,
    ) -> Result<Option<Value>, HieraError> {
        self.fold(strategy, levels.len(), |i| {
            let level = &levels[i];
            self.note(|| format!("Hierarchy entry \"{}\"", level.name));
            self.nested(|| {
                let locs = self.locations(cfg, level)?;
                self.fold(strategy, locs.len(), |j| self.location_lookup(level, &locs[j], root, module))
            })
        })
    }

    fn location_lookup(
        &self,
        level: &Level,
        path: &str,
        root: &str,
        module: Option<&str>,
    ) -> Result<Option<Value>, HieraError> {
        self.note(|| format!("Path \"{path}\""));
        self.nested(|| {
            let mut warns = Vec::new();
            let data = self.source.data(&level.function, path, &mut |w| warns.push(w));
            for w in warns {
                self.warn(w);
            }
            let Some(data) = data? else {
                self.note(|| "Path not found".into());
                return Ok(None);
            };
            if let Some(m) = module {
                let prefix = format!("{m}::");
                if data.keys().any(|k| k != "lookup_options" && !k.starts_with(&prefix)) {
                    self.warn(format!(
                        "Module '{m}': Value returned from data_hash function '{}', when using location '{path}', must use keys qualified with the name of the module",
                        level.function
                    ));
                }
            }
            match data.get(root) {
                None => {
                    self.note(|| format!("No such key: \"{root}\""));
                    Ok(None)
                }
                Some(v) => {
                    let v = self.interpolate(v.clone(), true, None)?;
                    self.note(|| format!("Found key: \"{root}\" value: {v}"));
                    Ok(Some(v))
                }
            }
        })
    }

    /// A level's locations, interpolated against the scope (no methods) and cached.
    fn locations(&self, cfg: &Config, level: &Level) -> Result<Arc<Vec<String>>, HieraError> {
        let id = std::ptr::from_ref(level) as usize;
        if let Some(l) = self.loc_cache.borrow().get(&id) {
            return Ok(Arc::clone(l));
        }
        let in_file = |e: HieraError| {
            if e.coded { HieraError::coded(format!("{} (file: {})", e.message, cfg.file)) } else { e }
        };
        let interp = |s: &str, local: Option<(&str, &Value)>| -> Result<String, HieraError> {
            let v = self.interpolate(Value::from(s), false, local).map_err(in_file)?;
            Ok(super::interp::to_s(&v))
        };
        let datadir = interp(&level.datadir, None)?;
        let locs: Vec<String> = match &level.locations {
            Locations::None => {
                return Err(HieraError::coded(format!(
                    "'{}' one of 'path', 'paths' 'glob', 'globs' or 'mapped_paths' must be declared in hiera.yaml when using this data_hash function",
                    level.function
                )));
            }
            Locations::Paths(ps) => {
                ps.iter().map(|p| Ok(join_path(&datadir, &interp(p, None)?))).collect::<Result<_, HieraError>>()?
            }
            Locations::Globs(gs) => {
                let mut out = Vec::new();
                for g in gs {
                    out.extend(self.source.glob(&join_path(&datadir, &interp(g, None)?)));
                }
                out
            }
            Locations::Mapped { var, name, template } => {
                let elems = match self.scope_value(var, None)? {
                    None | Some(Value::Null) => vec![],
                    Some(Value::String(s)) if s.is_empty() => vec![],
                    Some(Value::Array(a)) => a,
                    Some(Value::Hash(h)) => {
                        h.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), v])).collect()
                    }
                    Some(other) => vec![other],
                };
                elems.iter().map(|e| Ok(join_path(&datadir, &interp(template, Some((name, e)))?))).collect::<Result<
                    _,
                    HieraError,
                >>(
                )?
            }
        };
        let locs = Arc::new(locs);
        self.loc_cache.borrow_mut().insert(id, Arc::clone(&locs));
        Ok(locs)
    }

    /// The merged lookup_options for a module (or none): global over environment, then over the
    /// module's own, which must all be qualified with its name (`lookup_adapter.rb:341,380`).
    fn lookup_options(&self, module: Option<&str>) -> Result<Arc<Map>, HieraError> {
        let ck = module.map(str::to_string);
        if let Some(r) = self.lo_cache.borrow().get(&ck) {
            return r.clone();
        }
        let r = self.compute_lookup_options(module).map(Arc::new);
        self.lo_cache.borrow_mut().insert(ck, r.clone());
        r
    }

    fn compute_lookup_options(&self, module: Option<&str>) -> Result<Map, HieraError> {
        let as_hash = |v: Option<Value>| match v {
            None => Ok(None),
            Some(Value::Hash(h)) => Ok(Some(h)),
            Some(_) => Err(HieraError::coded("value of lookup_options must be a hash")),
        };
        let lo = |layer| {
            self.note(|| "Searching for \"lookup_options\"".into());
            self.nested(|| self.layer_lookup(layer, "lookup_options", "lookup_options", &Strategy::Hash, true))
        };
        let global = as_hash(lo(Layer::Global)?)?;
        let env = as_hash(lo(Layer::Environment)?)?;
        let mut merged = match (global, env) {
            (Some(g), Some(e)) => hash_over(g, e),
            (g, e) => g.or(e).unwrap_or_default(),
        };
        if let Some(m) = module
            && let Some(mo) = as_hash(lo(Layer::Module(m))?)?
        {
            let prefix = format!("{m}::");
            for k in mo.keys() {
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

    /// A scope expression (`facts.a.b`, `::x`, a mapped_paths local): `Ok(None)` for an
    /// undefined variable (warned), `Some(Null)` for a missing segment.
    pub(super) fn scope_value(&self, expr: &str, local: Option<(&str, &Value)>) -> Result<Option<Value>, HieraError> {
        let segs = split_key(expr)?;
        let root = root_name(&segs);
        let name = root.strip_prefix("::").unwrap_or(&root);
        let base = match local {
            Some((n, v)) if n == name => v,
            _ => match self.scope.get(name) {
                Some(v) => v,
                None => {
                    self.warn(format!("Undefined variable '{root}'"));
                    return Ok(None);
                }
            },
        };
        Ok(Some(dig(expr, &segs[1..], base)?.cloned().unwrap_or(Value::Null)))
    }
}

/// Hash merge of two lookup_options hashes, `high` winning per key.
fn hash_over(high: Map, mut low: Map) -> Map {
    for (k, v) in high {
        low.insert(k, v);
    }
    low
}
