//! The lookup algorithm (`pops/lookup.rb`, `lookup_adapter.rb`, `configured_data_provider.rb`,
//! `data_hash_function_provider.rb`).

use super::fold::{Fold, Found, KeyHashes};
use super::key::{SegRef, Segment, dig, dig_refs, root_name, simple_segments, split_key};
use super::loc::{Loc, LocData};
use super::merge::Strategy;
use super::options::{key_options, parse_merge};
use super::options_cache::{LookupOptions, Part};
use super::{Config, DataSource, HieraError, HieraErrorKind, Layers, Level, Locations, MAX_NESTING, Query, join_path};
use crate::{Data, DataMap};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;

/// A lookup session over fixed layers, data and scope. Caches lookup_options (patterns
/// compiled), resolved locations with their data, rendered scope interpolations, entries
/// interpolated from the scope only, and nested lookups with the recursion checks they passed —
/// so that every answer is a fresh lookup's; collects warnings and, on request, an explanation.
pub struct Hiera<'a> {
    pub(super) layers: &'a Layers,
    pub(super) source: &'a dyn DataSource,
    pub(super) scope: &'a DataMap,
    /// By module name (`""` for none).
    pub(super) lo_cache: RefCell<FxHashMap<String, Rc<LookupOptions>>>,
    /// The global layer's lookup_options, and the global and environment ones merged (see
    /// `options_cache`).
    pub(super) global_lo: RefCell<Part>,
    pub(super) env_lo: RefCell<Option<Option<DataMap>>>,
    /// lookup_options reads under way, and whether one started inside another.
    pub(super) lo_depth: Cell<usize>,
    pub(super) lo_nested: Cell<bool>,
    /// The resolved locations of each level of the layers (see `level_slots`), set on first
    /// use and never changed: found values borrow from their data for the whole session.
    locs: Vec<OnceCell<Vec<Loc>>>,
    /// Index in `locs` of every level of the layers, by address (a session's layers never move).
    level_slots: FxHashMap<usize, usize>,
    /// Nested lookups already answered (see [`Memo`]).
    pub(super) memo: RefCell<FxHashMap<String, Memo>>,
    /// Recursion-checked frames and nested lookups (`lookup`/`hiera`/`alias`, memoised or not)
    /// entered so far: an entry interpolated while this did not move read only the scope.
    pub(super) frames: Cell<u64>,
    /// While a nested lookup is computed (`recording > 0`): every name its frames pushed, and
    /// the deepest the stack went.
    pub(super) recording: Cell<usize>,
    pub(super) trail: RefCell<Vec<String>>,
    pub(super) deepest: Cell<usize>,
    pub(super) stack: RefCell<Vec<String>>,
    /// `%{expr}` scope interpolations already rendered: the scope is fixed for the session, so
    /// an expression always gives the same text (only values that need no further
    /// interpolation are kept).
    pub(super) scope_text: RefCell<FxHashMap<String, String>>,
    /// Buffers of popped `stack` names, for reuse.
    spare: RefCell<Vec<String>>,
    /// The hasher of the maps merges build, and the hashes of their keys.
    key_hashes: KeyHashes,
    warnings: RefCell<Vec<String>>,
    explain: Option<RefCell<Explain>>,
    /// With [`Self::with_origins`]: where the values of the key looked up were found.
    origins: Option<RefCell<Vec<Origin>>>,
    /// Puppet's `strict` setting (see [`Strict`]).
    strict: Strict,
    /// Above 0 while a level's paths are interpolated, where an undefined variable only warns.
    in_paths: Cell<usize>,
}

/// Interpolates one hiera.yaml path (with a `mapped_paths` local).
type PathInterp<'f> = dyn Fn(&str, Option<(&str, &Data)>) -> Result<String, HieraError> + 'f;

/// Puppet's `strict` setting, as far as lookups see it: an undefined variable interpolated in a
/// data value, and a YAML data file that is not a hash (the file source's part).
///
/// Each value also answers as the Puppet whose default it is, down to the wording of the errors
/// its Ruby raises: `Error` as Puppet 8.10 (Ruby 3.3, json 2.7, Psych 5), `Warning` and `Off`
/// as Puppet 7.23 (Ruby 3.1, json 2.6, Psych 4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strict {
    /// Puppet 8's default (and Lamina's): both are errors (`Undefined variable 'x'; `). In a
    /// hierarchy path an undefined variable still only warns, and `facts.x`, `trusted.x` or a
    /// missing `lookup()` still give `""`.
    #[default]
    Error,
    /// Puppet 7's default: both warn, and the variable or the file is taken as empty.
    Warning,
    /// No warning either.
    Off,
}

/// Where a value of a looked-up key was found: the hierarchy level and the data file. A merge
/// has one per contributing file, highest priority first; a `first` lookup one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The level's `name` in its `hiera.yaml`.
    pub level: String,
    /// The data file (absolute, as interpolated for this scope).
    pub path: String,
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
pub(super) enum Layer<'k> {
    Global,
    Environment,
    Module(&'k str),
}

impl<'a> Hiera<'a> {
    /// A session. `scope` holds the top-scope variables (facts, `facts`, `trusted`,
    /// `server_facts`, `environment`, node parameters).
    #[must_use]
    pub fn new(layers: &'a Layers, source: &'a dyn DataSource, scope: &'a DataMap) -> Self {
        let configs = [&layers.global, &layers.environment]
            .into_iter()
            .flatten()
            .chain(layers.modules.values().flatten())
            .filter_map(|c| c.as_ref().ok());
        let level_slots: FxHashMap<usize, usize> = configs
            .flat_map(|c| c.hierarchy.iter().chain(&c.default_hierarchy))
            .enumerate()
            .map(|(i, level)| (std::ptr::from_ref(level) as usize, i))
            .collect();
        Hiera {
            layers,
            source,
            scope,
            lo_cache: RefCell::default(),
            global_lo: RefCell::new(Part::NotStarted),
            env_lo: RefCell::default(),
            lo_depth: Cell::new(0),
            lo_nested: Cell::new(false),
            locs: (0..level_slots.len()).map(|_| OnceCell::new()).collect(),
            level_slots,
            memo: RefCell::default(),
            frames: Cell::new(0),
            recording: Cell::new(0),
            trail: RefCell::default(),
            deepest: Cell::new(0),
            stack: RefCell::default(),
            spare: RefCell::default(),
            key_hashes: KeyHashes::default(),
            scope_text: RefCell::default(),
            warnings: RefCell::default(),
            explain: None,
            origins: None,
            strict: Strict::default(),
            in_paths: Cell::new(0),
        }
    }

    /// Answers with Puppet's `strict` set to `strict` (Puppet 8's `error` by default).
    #[must_use]
    pub fn with_strict(mut self, strict: Strict) -> Self {
        self.strict = strict;
        self
    }

    /// Records where the values of each key looked up were found (see [`Self::take_origins`]):
    /// the provenance a migration check shows beside Foreman's. Values read by nested lookups
    /// (`%{lookup('x')}`, `alias`) and `lookup_options` are not recorded: they are how a value
    /// was computed, not where the key was found.
    #[must_use]
    pub fn with_origins(mut self) -> Self {
        self.origins = Some(RefCell::default());
        self
    }

    /// The origins recorded since the last call (empty without [`Self::with_origins`]).
    pub fn take_origins(&self) -> Vec<Origin> {
        self.origins.as_ref().map(|o| std::mem::take(&mut *o.borrow_mut())).unwrap_or_default()
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

    #[inline]
    pub(super) fn note(&self, line: impl FnOnce() -> String) {
        if let Some(e) = &self.explain {
            let mut e = e.borrow_mut();
            let l = format!("{}{}", "  ".repeat(e.depth), line());
            e.lines.push(l);
        }
    }

    #[inline]
    pub(super) fn nested<T>(&self, f: impl FnOnce() -> T) -> T {
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
    /// `Ok(None)` means not found (see [`super::not_found_message`]). The value keeps Ruby's
    /// types ([`Data`]); [`Data::into_value`] gives what callers outside Hiera see.
    ///
    /// # Errors
    /// Any lookup error, and type mismatches of the found value or the default.
    pub fn query(&self, q: &Query) -> Result<Option<Data>, HieraError> {
        for name in &q.names {
            if let Some(v) = self.lookup(name, q.merge.as_ref())? {
                if let Some(t) = &q.value_type {
                    t.check("Found value", &v)?;
                }
                return Ok(Some(v));
            }
        }
        if let Some(d) = &q.default {
            if let Some(t) = &q.value_type {
                t.check("Default value", d)?;
            }
            return Ok(Some(d.clone()));
        }
        Ok(None)
    }

    /// One key through every layer (`LookupAdapter#lookup`), `merge` overriding the key's
    /// `lookup_options`: what nested lookups and [`Self::query`] work on.
    ///
    /// # Errors
    /// Any lookup error.
    pub fn lookup(&self, key: &str, merge: Option<&Strategy>) -> Result<Option<Data>, HieraError> {
        self.note(|| format!("Searching for \"{key}\""));
        self.nested(|| self.lookup_inner(key, merge))
    }

    fn lookup_inner(&self, key: &str, merge: Option<&Strategy>) -> Result<Option<Data>, HieraError> {
        // A key without dots or quotes is its own root: no segments to split or dig. (A byte
        // scan: `contains` with a char set decodes UTF-8.)
        let (segs, root): (Vec<Segment>, Cow<'_, str>) = if key.bytes().any(|b| matches!(b, b'.' | b'\'' | b'"')) {
            let segs = split_key(key)?;
            let root = root_name(&segs);
            (segs, Cow::Owned(root))
        } else {
            (Vec::new(), Cow::Borrowed(key))
        };
        let segs = segs.get(1..).unwrap_or(&[]);
        if root == "lookup_options" {
            self.note(|| "Invalid key \"lookup_options\"".into());
            return Ok(None);
        }
        let module = module_name(&root);
        let lo = self.lookup_options(module)?;
        let opts = lo.key_options(&root)?;
        let strategy: Cow<'_, Strategy> = match (merge, opts.and_then(|o| o.get("merge"))) {
            (Some(m), _) => Cow::Borrowed(m),
            (None, Some(m)) => {
                self.note(|| "Using merge options from \"lookup_options\" hash".into());
                Cow::Owned(parse_merge(m)?)
            }
            (None, None) => Cow::Owned(Strategy::First),
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
        // Only the part a dotted key digs out is copied.
        let mut found = match merged {
            Some(v) if segs.is_empty() => Some(v.into_value()),
            Some(v) => dig(key, segs, v.value(), self.strict)?.cloned(),
            None => None,
        };
        if found.is_none()
            && let Some(m) = module
        {
            found = self.default_hierarchy_lookup(m, &root, key, segs, merge)?;
        }
        match (found, opts.and_then(|o| o.get("convert_to"))) {
            (Some(v), Some(t)) => Ok(Some(super::types::convert_to(&root, v, t)?)),
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
    ) -> Result<Option<Data>, HieraError> {
        let Some(Some(Ok(cfg))) = self.layers.modules.get(module) else { return Ok(None) };
        if cfg.default_hierarchy.is_empty() {
            return Ok(None);
        }
        self.note(|| format!("Module \"{module}\" default hierarchy"));
        let lo = self.levels_fold(cfg, &cfg.default_hierarchy, "lookup_options", &Strategy::Hash, Some(module))?;
        let lo = match lo.map(Found::into_value) {
            Some(Data::Hash(h)) => h,
            Some(_) => return Err(HieraError::coded("value of lookup_options must be a hash")),
            None => DataMap::new(),
        };
        let strategy = match (merge, key_options(&lo, root)?.and_then(|o| o.get("merge"))) {
            (Some(m), _) => m.clone(),
            (None, Some(m)) => parse_merge(m)?,
            (None, None) => Strategy::First,
        };
        let v = self.check(key, || self.levels_fold(cfg, &cfg.default_hierarchy, root, &strategy, Some(module)))?;
        match v {
            Some(v) => Ok(dig(key, segs, v.value(), self.strict)?.cloned()),
            None => Ok(None),
        }
    }

    /// `MergeStrategy#lookup` over `n` variants produced lazily by `f` (see [`Fold`]).
    fn fold<'s>(
        &'s self,
        strategy: &Strategy,
        n: usize,
        mut f: impl FnMut(usize) -> Result<Option<Found<'s>>, HieraError>,
    ) -> Result<Option<Found<'s>>, HieraError> {
        if *strategy == Strategy::First {
            for i in 0..n {
                if let Some(v) = f(i)? {
                    return Ok(Some(v));
                }
            }
            return Ok(None);
        }
        if n == 1 {
            return Ok(f(0)?.map(|v| super::fold::merge_single(strategy, v)));
        }
        let mut fold = Fold::new(strategy, &self.key_hashes, n);
        for i in 0..n {
            if let Some(v) = f(i)? {
                fold.push(v)?;
            }
        }
        let merged = fold.finish()?;
        if let Some(m) = &merged {
            self.note(|| format!("Merged result: {}", m.value()));
        }
        Ok(merged)
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
            // The names' buffers are reused: no allocation per lookup in a warm session.
            let mut slot = self.spare.borrow_mut().pop().unwrap_or_default();
            slot.clear();
            slot.push_str(name);
            st.push(slot);
            self.frames.set(self.frames.get() + 1);
            if self.recording.get() > 0 {
                self.trail.borrow_mut().push(name.to_string());
                self.deepest.set(self.deepest.get().max(st.len()));
            }
        }
        let r = f();
        if let Some(slot) = self.stack.borrow_mut().pop() {
            self.spare.borrow_mut().push(slot);
        }
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
    pub(super) fn layer_lookup(
        &self,
        layer: Layer<'_>,
        root: &str,
        key: &str,
        strategy: &Strategy,
        options_pass: bool,
    ) -> Result<Option<Found<'_>>, HieraError> {
        if let Layer::Module(m) = layer
            && !self.layers.modules.contains_key(m)
        {
            self.note(|| format!("Module \"{m}\" not found"));
            return Ok(None);
        }
        let title = || match layer {
            Layer::Global => "Global Data Provider (hiera configuration version 5)".to_string(),
            Layer::Environment => "Environment Data Provider (hiera configuration version 5)".to_string(),
            Layer::Module(m) => format!("Module \"{m}\" Data Provider (hiera configuration version 5)"),
        };
        let Some(cfg) = self.layer_config(layer) else { return Ok(None) };
        let module = match layer {
            Layer::Module(m) => Some(m),
            _ => None,
        };
        self.note(title);
        let r = self.nested(|| {
            let cfg = cfg.as_ref().map_err(Clone::clone)?;
            self.note(|| format!("Using configuration \"{}\"", cfg.file));
            let name = if options_pass { "lookup_options" } else { key };
            self.check(name, || self.levels_fold(cfg, &cfg.hierarchy, root, strategy, module))
        });
        match (layer, r) {
            (Layer::Global, Err(e)) if e.kind != HieraErrorKind::Issue => {
                Err(HieraError { message: format!("Lookup of key '{key}' failed: {}", e.message), ..e })
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
    ) -> Result<Option<Found<'_>>, HieraError> {
        self.fold(strategy, levels.len(), |i| {
            let level = &levels[i];
            self.note(|| format!("Hierarchy entry \"{}\"", level.name));
            self.nested(|| {
                let locs = self.locations(cfg, level)?;
                self.fold(strategy, locs.len(), |j| self.location_lookup(level, &locs[j], root, module))
            })
        })
    }

    fn location_lookup<'s>(
        &'s self,
        level: &Level,
        loc: &'s Loc,
        root: &str,
        module: Option<&str>,
    ) -> Result<Option<Found<'s>>, HieraError> {
        let path = loc.path.as_str();
        self.note(|| format!("Path \"{path}\""));
        self.nested(|| {
            let data = loc.data.get_or_init(|| self.read_location(level, path, module));
            let Some(data) = data.as_ref().map_err(Clone::clone)? else {
                self.note(|| "Path not found".into());
                return Ok(None);
            };
            match loc.get(data, root) {
                None => {
                    self.note(|| format!("No such key: \"{root}\""));
                    Ok(None)
                }
                Some((idx, v)) => {
                    // Most values hold no `%{`: they stay references into the data until a
                    // merge or the caller copies what it needs.
                    let (interpolate, flags) = loc.scan(data, idx, v);
                    // `validate_data_value` (`data_provider.rb:84`): a Symbol, or a Boolean or
                    // nil key, is not RichData.
                    if flags & super::fold::REFUSED != 0 {
                        return Err(HieraError::plain(format!(
                            "Value for key '{root}', in hash returned from data_hash function '{}', when using location '{path}', has wrong type, expects Puppet::LookupValue, got {}",
                            level.function,
                            super::infer::infer(v)
                        )));
                    }
                    let found = if interpolate {
                        self.interpolate_entry(loc, data, idx, v, flags)?
                    } else {
                        Found::Data(v, flags)
                    };
                    self.note(|| format!("Found key: \"{root}\" value: {}", found.value()));
                    if let Some(o) = &self.origins {
                        // Depth 1 is the key's own frame (`layer_lookup`'s check): nested
                        // lookups run deeper, and the lookup_options pass has its own name.
                        let st = self.stack.borrow();
                        if st.len() == 1 && st[0] != "lookup_options" {
                            o.borrow_mut().push(Origin { level: level.name.clone(), path: path.to_string() });
                        }
                    }
                    Ok(Some(found))
                }
            }
        })
    }

    /// Entry `idx` (`v`) of a location, interpolated. Kept for the session when nothing but the
    /// scope was read: a nested `lookup`/`hiera`/`alias` may depend on what is being looked up
    /// (its recursion check), and `--explain` records every interpolation.
    fn interpolate_entry<'s>(
        &'s self,
        loc: &'s Loc,
        data: &DataMap,
        idx: usize,
        v: &Data,
        flags: u8,
    ) -> Result<Found<'s>, HieraError> {
        let cell = loc.interpolated(data, idx);
        if let Some((iv, f)) = cell.and_then(OnceCell::get) {
            return Ok(Found::Data(iv, *f));
        }
        let before = self.frames.get();
        let iv = self.interpolate(v.clone(), true, None)?;
        let scope_only = self.frames.get() == before;
        let (Some(cell), None, true) = (cell, &self.explain, scope_only) else {
            return Ok(Found::Owned(iv));
        };
        let (_, rich) = super::interp::scan(&iv);
        let f = super::fold::flags(&iv, rich || flags & super::fold::RICH != 0);
        let (iv, f) = cell.get_or_init(|| (iv, f));
        Ok(Found::Data(iv, *f))
    }

    /// Reads a location's data (once per session: the source caches files per process, and
    /// the warnings are the same every time).
    fn read_location(&self, level: &Level, path: &str, module: Option<&str>) -> LocData {
        let mut warns = Vec::new();
        let data = self.source.data(&level.function, path, &mut |w| warns.push(w));
        for w in warns {
            self.warn(w);
        }
        if let (Some(m), Ok(Some(data))) = (module, &data) {
            let prefix = format!("{m}::");
            if data.keys().any(|k| k.as_str().is_none_or(|k| k != "lookup_options" && !k.starts_with(&prefix))) {
                self.warn(format!(
                    "Module '{m}': Value returned from data_hash function '{}', when using location '{path}', must use keys qualified with the name of the module",
                    level.function
                ));
            }
        }
        data
    }

    /// A level's locations, interpolated against the scope (no methods) and cached.
    fn locations(&self, cfg: &Config, level: &Level) -> Result<&[Loc], HieraError> {
        let id = std::ptr::from_ref(level) as usize;
        let Some(cell) = self.level_slots.get(&id).and_then(|&i| self.locs.get(i)) else {
            return Err(HieraError::plain(format!("Lamina: hierarchy level '{}' is not in the layers", level.name)));
        };
        if let Some(l) = cell.get() {
            return Ok(l);
        }
        let in_file = |e: HieraError| {
            if e.kind == HieraErrorKind::Issue {
                HieraError::coded(format!("{} (file: {})", e.message, cfg.file)).in_file(&cfg.file)
            } else {
                e
            }
        };
        let interp = |s: &str, local: Option<(&str, &Data)>| -> Result<String, HieraError> {
            let v = self.interpolate(Data::from(s), false, local).map_err(in_file)?;
            Ok(super::interp::to_s(&v))
        };
        self.in_paths.set(self.in_paths.get() + 1);
        let locs = self.level_paths(level, &interp);
        self.in_paths.set(self.in_paths.get() - 1);
        let locs = locs?;
        // A nested lookup while interpolating the paths may have filled the cell already: the
        // locations are the same (the scope is fixed), the first set stays.
        let _ = cell.set(locs.into_iter().map(Loc::new).collect());
        Ok(cell.get().map_or(&[], Vec::as_slice))
    }

    /// The data files of one level, its datadir and paths interpolated (the caller marks this
    /// as path interpolation, where an undefined variable only warns).
    fn level_paths(&self, level: &Level, interp: &PathInterp<'_>) -> Result<Vec<String>, HieraError> {
        let datadir = interp(&level.datadir, None)?;
        Ok(match &level.locations {
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
                    None | Some(Data::Null) => vec![],
                    Some(Data::String(s)) if s.is_empty() => vec![],
                    Some(Data::Array(a)) => a,
                    Some(Data::Hash(h)) => h.into_iter().map(|(k, v)| Data::Array(vec![k.to_data(), v])).collect(),
                    Some(other) => vec![other],
                };
                elems.iter().map(|e| Ok(join_path(&datadir, &interp(template, Some((name, e)))?))).collect::<Result<
                    _,
                    HieraError,
                >>(
                )?
            }
        })
    }

    /// A scope expression (`facts.a.b`, `::x`, a mapped_paths local): `Ok(None)` for an
    /// undefined variable (warned), `Some(Null)` for a missing segment.
    pub(super) fn scope_value(&self, expr: &str, local: Option<(&str, &Data)>) -> Result<Option<Data>, HieraError> {
        Ok(self.scope_ref(expr, local)?.cloned())
    }

    /// [`Self::scope_value`] by reference (interpolation copies the text it needs only).
    pub(super) fn scope_ref<'v>(
        &'v self,
        expr: &str,
        local: Option<(&str, &'v Data)>,
    ) -> Result<Option<&'v Data>, HieraError> {
        // The common `%{facts.os.family}` is split without the regex parser or allocations.
        if !expr.contains('.') && !expr.contains(['\'', '"']) {
            return self.scope_dig(expr, expr, std::iter::empty(), local);
        }
        if let Some(mut segs) = simple_segments(expr)
            && let Some(SegRef::Name(root)) = segs.next()
        {
            return self.scope_dig(expr, root, segs, local);
        }
        let segs = split_key(expr)?;
        let root = root_name(&segs);
        let rest = segs[1..].iter().map(|s| match s {
            Segment::Name(n) => SegRef::Name(n),
            Segment::Index(i) => SegRef::Index(*i),
            Segment::Big(d) => SegRef::Big(d),
        });
        self.scope_dig(expr, &root, rest, local)
    }

    fn scope_dig<'s, 'v>(
        &'v self,
        expr: &str,
        root: &str,
        segs: impl Iterator<Item = SegRef<'s>>,
        local: Option<(&str, &'v Data)>,
    ) -> Result<Option<&'v Data>, HieraError> {
        static NULL: Data = Data::Null;
        let name = root.strip_prefix("::").unwrap_or(root);
        let base = match local {
            Some((n, v)) if n == name => v,
            _ => match self.scope.get(name) {
                Some(v) => v,
                None => {
                    // `Puppet::Parser::Scope#variable_not_found`: built-in and numeric variables
                    // always exist; otherwise `strict=error` raises in a data value, while
                    // hiera.yaml paths interpolate with a warning.
                    let numeric = name == "0"
                        || (!name.starts_with('0') && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()));
                    if numeric || name == "module_name" || name == "caller_module_name" {
                        return Ok(None);
                    }
                    if self.strict == Strict::Error && self.in_paths.get() == 0 {
                        return Err(HieraError::coded(format!("Undefined variable '{root}'; ")));
                    }
                    if self.strict != Strict::Off {
                        self.warn(format!("Undefined variable '{root}'"));
                    }
                    return Ok(None);
                }
            },
        };
        Ok(Some(dig_refs(expr, segs, base, self.strict)?.unwrap_or(&NULL)))
    }
}

/// A nested lookup's answer, and what makes it the answer in another context too: a fresh
/// lookup of the key differs only where the stack meets its recursion checks — one of the
/// `names` its frames pushed is already on it, or it goes past [`MAX_NESTING`] (`depth` frames
/// deeper than where it starts).
#[derive(Debug)]
pub(super) struct Memo {
    pub(super) value: Data,
    pub(super) names: Vec<String>,
    pub(super) depth: usize,
}

/// The module of a root key: the part before its first `::`, if not empty. (A byte scan:
/// `split_once("::")` sets up a substring searcher on every lookup.)
fn module_name(root: &str) -> Option<&str> {
    let b = root.as_bytes();
    let i = b.windows(2).position(|w| w == b"::")?;
    (i > 0).then(|| &root[..i])
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod session_tests;
