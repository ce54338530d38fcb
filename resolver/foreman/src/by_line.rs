//! Smart class parameters seen one order line at a time: what each line alone gives a host.
//!
//! Foreman picks a key's value from the candidates of every order line, the first line first
//! (`values_hash_query.rb`); Hiera picks from hierarchy levels, the first level first. With one
//! level per order line, a level's data file can hold exactly what that line alone gives the
//! hosts that read it, inherited host group, organization and location titles already walked
//! (Foreman's `matches_generator.rb`): this is what an export to Hiera writes.

use crate::Idx;
use crate::error::{Error, ErrorKind};
use crate::estate::{Estate, Key};
use crate::keys::sanitize_match;
use crate::model::SmartParam;
use crate::resolve::{default_value, host_params, line_matches, merge_line};
use crate::value::Value;

/// A smart class parameter Foreman sends (`override: true`), as an export needs it.
#[derive(Clone, Copy, Debug)]
pub struct SmartKey<'e> {
    /// Its index among the estate's keys ([`LineValue::key`]).
    pub id: Idx,
    /// The class.
    pub class: &'e str,
    /// The key as written.
    pub param: &'e SmartParam,
    /// The effective order lines, each a list of attributes.
    pub lines: &'e [Vec<String>],
}

impl SmartKey<'_> {
    /// What Foreman sends when no override value matches: the default, or what Foreman's
    /// caster makes of a missing one (`true` for array, hash and yaml keys: its nil-cast
    /// quirk); `None` when nothing is sent.
    #[must_use]
    pub fn fallback(&self, estate: &Estate) -> Option<Value> {
        default_value(&estate.keys[self.id as usize])
    }

    /// Indexes of the lines some override value of the key is written for.
    #[must_use]
    pub fn used_lines(&self) -> Vec<usize> {
        let mut used: Vec<usize> = Vec::new();
        for ov in &self.param.override_values {
            // The attributes as compile reads them (`keys.rs`): sanitized, in the match's order.
            let Some((attrs, _)) = sanitize_match(&ov.match_) else { continue };
            if let Some(i) = self.lines.iter().position(|l| l.iter().eq(attrs.iter().map(|(a, _)| a)))
                && !used.contains(&i)
            {
                used.push(i);
            }
        }
        used.sort_unstable();
        used
    }
}

/// What one order line alone gives a host for one key.
#[derive(Clone, Debug, PartialEq)]
pub struct LineValue {
    /// The key ([`SmartKey::id`]).
    pub key: Idx,
    /// The line's index in the key's lines.
    pub line: usize,
    /// The value: the line's first candidate, or for a merged key the line's candidates merged
    /// as Foreman merges them; `None` when that candidate is omitted (`omit: true`).
    pub value: Option<Value>,
}

impl Estate {
    /// Every smart class parameter Foreman sends, by class then key.
    #[must_use]
    pub fn smart_keys(&self) -> Vec<SmartKey<'_>> {
        let mut out = Vec::new();
        for class in self.classes.iter() {
            for &k in &class.override_keys {
                let key: &Key = &self.keys[k as usize];
                out.push(SmartKey { id: k, class: &class.name, param: &key.src, lines: &key.lines });
            }
        }
        out
    }

    /// What each order line alone gives host `host`, for every key of its classes and every
    /// line with a candidate.
    ///
    /// # Errors
    /// A line whose candidates cannot be merged (as resolving the host would say).
    ///
    /// # Panics
    /// When `host` is not an index [`Self::host`] gave for this estate.
    pub fn line_values(&self, host: Idx) -> Result<Vec<LineValue>, Error> {
        let h = &self.hosts[host as usize];
        let params = host_params(self, h, false);
        let mut out = Vec::new();
        line_matches(self, h, &params, |key, line, cands| {
            let k = &self.keys[key as usize];
            let value = if k.src.merge_overrides {
                match merge_line(k, cands)? {
                    Some(v) => Some(v),
                    // Every candidate omitted: the line gives nothing.
                    None => return Ok(()),
                }
            } else {
                let first = cands[0];
                if first.omit { None } else { first.value.clone() }
            };
            out.push(LineValue { key, line, value });
            Ok(())
        })
        .map_err(|msg| Error::new(ErrorKind::Resolve, format!("host {}", h.src.name), msg).at(&h.src.origin))?;
        Ok(out)
    }
}
