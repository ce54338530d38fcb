//! New versions of a compiled estate with one smart class parameter changed, added or removed
//! (the rest of [`crate::patch`]): the key is checked alone by the full compile's own check, its
//! order lines and matches are interned against the tables of the version it replaces, and its
//! class's list of overridden keys follows.

use crate::cast::TextParser;
use crate::compile::fqdn_refs;
use crate::estate::{Estate, Idx, Key};
use crate::keys::{KeyCtx, intern_key};
use crate::model::SmartParam;
use crate::patch::with_row;
use std::sync::Arc;

#[allow(clippy::cast_possible_truncation)]
fn idx(i: usize) -> Idx {
    i as Idx
}

/// Whether a key's override values name hosts (`fqdn=`), which the estate's `fqdn_refs` collect.
fn names_hosts(k: &Key) -> bool {
    k.values.keys().any(|m| m.split(',').any(|p| p.starts_with("fqdn=")))
}

/// Class `ci`'s overridden keys by key name, as the full compile lists them.
fn overridden(keys: &[Arc<Key>], ci: Idx) -> Vec<Idx> {
    let mut list: Vec<Idx> =
        (0..keys.len()).filter(|&i| keys[i].class == ci && keys[i].src.override_).map(idx).collect();
    list.sort_by(|&a, &b| keys[a as usize].src.key.cmp(&keys[b as usize].src.key));
    list
}

impl Estate {
    /// This estate with the smart class parameter `key` of class `class` replaced by `param`
    /// (its default, flags, order lines and override values), or added: checked as the full
    /// compile checks it, its order lines and matches interned, its class's list of overridden
    /// keys updated. `None` for a renamed key or a class the estate does not have, or any error
    /// (compile the whole source).
    #[must_use]
    pub fn with_key(&self, class: &str, key: &str, param: SmartParam, parser: &dyn TextParser) -> Option<Estate> {
        if param.key != key {
            return None;
        }
        let ci = *self.names.classes.get(class)?;
        let at = self.keys.iter().position(|k| k.class == ci && k.src.key == key);
        let ctx = KeyCtx {
            settings: &self.settings,
            host_exists: &|n| self.host_by_name.contains_key(n),
            hostgroups: &self.hostgroups,
            hg_index: &self.names.hostgroups,
            parser,
            trusted_references: false,
        };
        let mut k = Key {
            class: ci,
            src: param,
            lines: Vec::new(),
            values: rustc_hash::FxHashMap::default(),
            line_ids: Vec::new(),
            value_ids: rustc_hash::FxHashMap::default(),
        };
        let mut errs = Vec::new();
        ctx.check_key(&mut k, class, &mut errs);
        if !errs.is_empty() {
            return None;
        }
        let mut next = self.clone();
        intern_key(&mut k, &mut next.rules, &mut next.match_ids);
        let old = at.map(|i| &self.keys[i]);
        let refs_change = old.is_some_and(|o| names_hosts(o)) || names_hosts(&k);
        let override_changes = old.map_or(k.src.override_, |o| o.src.override_ != k.src.override_);
        let mut keys = (*self.keys).clone();
        match at {
            Some(i) => keys[i] = Arc::new(k),
            // A new key goes last: keys are found by class and name, never by place.
            None => keys.push(Arc::new(k)),
        }
        if override_changes {
            let list = overridden(&keys, ci);
            next.classes = with_row(&self.classes, ci, |c| c.override_keys = list);
        }
        if refs_change {
            next.fqdn_refs = Arc::new(fqdn_refs(keys.iter().map(|k| &**k)));
        }
        next.keys = Arc::new(keys);
        Some(next)
    }

    /// This estate without the smart class parameter `key` of class `class` (nothing else
    /// refers to a key, so removing one cannot fail); `None` when there is no such key. The last
    /// key takes its place, and its class's list of overridden keys is renumbered.
    #[must_use]
    pub fn without_key(&self, class: &str, key: &str) -> Option<Estate> {
        let ci = *self.names.classes.get(class)?;
        let ki = self.keys.iter().position(|k| k.class == ci && k.src.key == key)?;
        let mut keys = (*self.keys).clone();
        let gone = keys.swap_remove(ki);
        let mut next = self.clone();
        let mut classes = (*self.classes).clone();
        classes[ci as usize].override_keys.retain(|&x| x as usize != ki);
        if let Some(moved) = keys.get(ki) {
            let last = idx(keys.len());
            for x in &mut classes[moved.class as usize].override_keys {
                if *x == last {
                    *x = idx(ki);
                }
            }
        }
        next.classes = Arc::new(classes);
        if names_hosts(&gone) {
            next.fqdn_refs = Arc::new(fqdn_refs(keys.iter().map(|k| &**k)));
        }
        next.keys = Arc::new(keys);
        Some(next)
    }
}
