//! Smart class parameters: Foreman's save-time validation of keys and their override values,
//! and the interning of order lines and match strings used by per-host matching.

use crate::cast::{TextParser, cast, compile_ruby_regexp, validate};
use crate::compile::{Group, Idx, Key};
use crate::error::{Error, ErrorKind};
use crate::model::{Origin, ParamType, Settings};
use crate::value::Value;
use rustc_hash::FxHashMap as HashMap;

#[allow(clippy::cast_possible_truncation)]
fn idx(i: usize) -> Idx {
    i as Idx
}

/// Intern order lines and match strings so that per-host matching compares integers.
pub(crate) fn intern_matchers(keys: &mut [Key]) -> (Vec<Vec<String>>, HashMap<String, Idx>) {
    let mut rules: Vec<Vec<String>> = Vec::new();
    let mut rule_ids: HashMap<Vec<String>, Idx> = HashMap::default();
    let mut match_ids: HashMap<String, Idx> = HashMap::default();
    for k in keys.iter_mut() {
        k.line_ids = k
            .lines
            .iter()
            .map(|l| {
                *rule_ids.entry(l.clone()).or_insert_with(|| {
                    rules.push(l.clone());
                    idx(rules.len() - 1)
                })
            })
            .collect();
        for (m, &vi) in &k.values {
            let n = idx(match_ids.len());
            let id = *match_ids.entry(m.clone()).or_insert(n);
            k.value_ids.insert(id, vi);
        }
    }
    (rules, match_ids)
}

/// A validator's message for a hidden key, without the value (secrets never reach logs).
fn masked(msg: String, hidden: bool) -> String {
    if hidden { "is not valid for the key's validator (value hidden)".to_string() } else { msg }
}

pub(crate) struct KeyCtx<'a> {
    pub(crate) settings: &'a Settings,
    /// Whether a host of this name exists (`fqdn=` matches must name one).
    pub(crate) host_exists: &'a dyn Fn(&str) -> bool,
    pub(crate) hostgroups: &'a [Group],
    pub(crate) hg_index: &'a HashMap<String, Idx>,
    pub(crate) parser: &'a dyn TextParser,
    /// Skip the `fqdn=`/`hostgroup=` existence checks (see `CompileOptions`).
    pub(crate) trusted_references: bool,
}

impl KeyCtx<'_> {
    /// Foreman's `LookupKey`/`PuppetclassLookupKey`/`LookupValue` validations
    /// (core `app/models/lookup_keys/lookup_key.rb`, `app/models/lookup_value.rb`,
    /// fp `app/models/foreman_puppet/puppetclass_lookup_key.rb`).
    #[allow(clippy::too_many_lines)]
    pub(crate) fn check_key(&self, k: &mut Key, class_name: &str, errs: &mut Vec<Error>) {
        let name = format!("{class_name}::{}", k.src.key);
        let p = &mut k.src;
        let origin = p.origin.clone();
        let mut err = |msg: String, o: &Origin| errs.push(Error::new(ErrorKind::Invalid, name.clone(), msg).at(o));

        if p.key.is_empty() || p.key.chars().any(char::is_whitespace) {
            err("key can't contain whitespace or be blank".into(), &origin);
        }
        let t = p.parameter_type;
        if p.merge_overrides && !t.mergeable() {
            err("merge_overrides can only be set for array, hash, json or yaml".into(), &origin);
        }
        if p.avoid_duplicates && !(t == ParamType::Array && p.merge_overrides) {
            err("avoid_duplicates can only be set for arrays that have merge_overrides set to true".into(), &origin);
        }
        if p.merge_default && !p.merge_overrides {
            err("merge_default can only be set when merge_overrides is set to true".into(), &origin);
        }
        if p.validator_type.is_some() && p.validator_rule.as_deref().is_none_or(|r| r.trim().is_empty()) {
            err("validator_rule can't be blank when validator_type is set".into(), &origin);
        }
        if p.validator_type == Some(crate::model::ValidatorType::Regexp)
            && let Some(rule) = &p.validator_rule
            && let Err(e) = compile_ruby_regexp(rule)
        {
            err(e, &origin);
        }
        // Only an overridden key has its default cast and validated; an omitted one skips
        // both (fp puppetclass_lookup_key.rb).
        if p.override_
            && !p.omit
            && let Some(d) = &p.default_value
            && !d.contains_erb()
        {
            match cast(d, t, self.parser) {
                Ok(v) => {
                    if let Err(e) = validate(&v, p.validator_type.as_ref(), p.validator_rule.as_deref()) {
                        err(format!("default_value {}", masked(e, p.hidden_value)), &origin);
                    }
                    p.default_value = Some(v);
                }
                Err(e) => err(format!("default_value {e}"), &origin),
            }
        }

        // Order lines: sanitized (spaces removed, downcased), split on whitespace, then ','.
        let lines: Vec<Vec<String>> = match &p.order {
            Some(lines) => lines.clone(),
            None => self.settings.default_lookup_path.iter().map(|l| split_line(l)).collect(),
        };
        if lines.is_empty() || lines.iter().any(Vec::is_empty) {
            err("override_value_order can't be blank".into(), &origin);
        }
        let line_strings: Vec<String> = lines.iter().map(|l| l.join(",")).collect();

        let mut values = HashMap::default();
        for (vi, ov) in p.override_values.iter_mut().enumerate() {
            let o = ov.origin.clone();
            let Some((attrs, sanitized)) = sanitize_match(&ov.match_) else {
                err(format!("override value match {:?} is invalid", ov.match_), &o);
                continue;
            };
            let attr_line = attrs.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>().join(",");
            if !line_strings.contains(&attr_line) {
                err(format!("override value match {:?}: {attr_line} does not exist in order field", ov.match_), &o);
            }
            for (a, v) in attrs.iter().filter(|_| !self.trusted_references) {
                match a.as_str() {
                    "fqdn" if !(self.host_exists)(v) => {
                        err(format!("override value match {:?}: host {v:?} does not exist", ov.match_), &o);
                    }
                    "hostgroup"
                        if !self.hg_index.contains_key(v)
                            && !self.hostgroups.iter().any(|g| g.src.title.rsplit('/').next() == Some(v.as_str())) =>
                    {
                        let mut titles: Vec<&str> = self.hg_index.keys().map(String::as_str).collect();
                        titles.sort_unstable();
                        let hint = crate::suggest::did_you_mean(v, titles);
                        err(format!("override value match {:?}: host group {v:?} does not exist{hint}", ov.match_), &o);
                    }
                    _ => {}
                }
            }
            if values.insert(sanitized.clone(), vi).is_some() {
                err(format!("override value match {sanitized:?} has already been taken"), &o);
            }
            ov.match_ = sanitized;
            // Values are cast and validated unless omitted; ERB is stored uncast.
            if ov.omit {
                continue;
            }
            match &ov.value {
                None | Some(Value::Null) => err(format!("override value {:?} can't be blank", ov.match_), &o),
                // fp PuppetclassLookupKey: values must be non-empty unless omitted.
                Some(Value::String(s)) if s.is_empty() => {
                    err(format!("override value {:?} can't be blank", ov.match_), &o);
                }
                Some(v) if v.contains_erb() => {}
                Some(v) => match cast(v, t, self.parser) {
                    Ok(c) => {
                        if let Err(e) = validate(&c, p.validator_type.as_ref(), p.validator_rule.as_deref()) {
                            err(format!("override value {:?} {}", ov.match_, masked(e, p.hidden_value)), &o);
                        }
                        ov.value = Some(c);
                    }
                    Err(e) => err(format!("override value {:?} {e}", ov.match_), &o),
                },
            }
        }
        k.lines = lines;
        k.values = values;
    }
}

/// Split one order line `"domain, hostgroup"` into sanitized attributes.
#[must_use]
pub fn split_line(line: &str) -> Vec<String> {
    line.split(',')
        .map(|a| a.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase())
        .filter(|a| !a.is_empty())
        .collect()
}

/// Validate and sanitize a matcher as `LookupValue` does: `VALUE_REGEX =
/// /\A[^,]+=[^,]+(,[^,]+=[^,]+)*\Z/`, each attribute downcased and stripped, each value stripped
/// and — a Foreman quirk kept on purpose — truncated to the part after its last `=`
/// (`split('=').last`, core `app/models/lookup_value.rb#sanitize_match`).
#[must_use]
pub fn sanitize_match(m: &str) -> Option<(Vec<(String, String)>, String)> {
    let mut out = Vec::new();
    for part in m.split(',') {
        let (a, v) = part.split_once('=')?;
        if a.is_empty() || v.is_empty() {
            return None;
        }
        let attr = a.trim().to_lowercase();
        let val = v.rsplit('=').next().unwrap_or(v).trim().to_string();
        if attr.is_empty() || val.is_empty() {
            return None;
        }
        out.push((attr, val));
    }
    if out.is_empty() {
        return None;
    }
    let s = out.iter().map(|(a, v)| format!("{a}={v}")).collect::<Vec<_>>().join(",");
    Some((out, s))
}

/// [`intern_matchers`] for one replaced key against the tables of the version it replaces:
/// order lines and match strings already interned keep their ids, new ones are appended
/// (copying a table only when it grows). Ids of strings no key uses any more stay behind,
/// harmlessly: a host that generates such a string finds no override value for it.
pub(crate) fn intern_key(
    k: &mut Key,
    rules: &mut std::sync::Arc<Vec<Vec<String>>>,
    match_ids: &mut std::sync::Arc<HashMap<String, Idx>>,
) {
    k.line_ids = k
        .lines
        .iter()
        .map(|l| match rules.iter().position(|r| r == l) {
            Some(i) => idx(i),
            None => {
                let r = std::sync::Arc::make_mut(rules);
                r.push(l.clone());
                idx(r.len() - 1)
            }
        })
        .collect();
    k.value_ids.clear();
    for (m, &vi) in &k.values {
        let id = match match_ids.get(m) {
            Some(&id) => id,
            None => {
                let ids = std::sync::Arc::make_mut(match_ids);
                let n = idx(ids.len());
                ids.insert(m.clone(), n);
                n
            }
        };
        k.value_ids.insert(id, vi);
    }
}
