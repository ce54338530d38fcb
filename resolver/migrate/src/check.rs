//! `migrate-check`: each host's ENC class parameters against Hiera's answers for the same keys.

use lamina_foreman::{Estate, Idx, MASK, Map, Value, resolve};
use lamina_hiera::{DataSource, Hiera, Layers, Origin, top_scope};
use lamina_value::{Data, DataMap, Key};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A smart class parameter whose Hiera value differs from what the ENC sends.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// The host's certname.
    pub host: String,
    /// Its host group's title.
    pub hostgroup: Option<String>,
    /// The class.
    pub class: String,
    /// The Hiera key, `class::parameter`.
    pub key: String,
    /// What the ENC sends ([`MASK`] for a hidden key).
    pub enc: Value,
    /// What Hiera gives (`None`: not found; [`MASK`] for a hidden key).
    pub hiera: Option<Value>,
    /// Where Foreman's value came from, as `lamina enc --explain` says it.
    pub enc_source: Value,
    /// Where Hiera found its value: one level and file, or each contributor of a merge.
    pub hiera_found: Vec<Origin>,
    /// The lookup's error, when it failed (then `hiera` is `None`).
    pub hiera_error: Option<String>,
}

/// One host checked.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct HostCheck {
    /// The certname.
    pub certname: String,
    /// Smart class parameters the ENC sends (each compared).
    pub compared: usize,
    /// Those whose Hiera value differs.
    pub mismatches: Vec<Mismatch>,
    /// Why the host's ENC cannot be resolved (then nothing was compared).
    pub error: Option<String>,
}

fn data_map(m: &Map) -> DataMap {
    m.iter().map(|(k, v)| (Key::Str(k.clone()), Data::from(v.clone()))).collect()
}

/// Checks host `host` of `estate`: every smart class parameter its ENC sends, looked up in
/// Hiera as `class::key` with the layers `layers` gives for the host's environment and the data
/// files of `source`, in the host's scope: its facts (as the
/// estate holds them: open it with every fact), its ENC parameters as top-scope variables
/// (which win over facts of the same name), `trusted` from its certname, and `environment` its
/// ENC environment (else `production`), as a Puppet master compiling its catalog sees them.
#[must_use]
pub fn check_host(
    estate: &Estate,
    host: Idx,
    layers: &dyn Fn(&str) -> Arc<Layers>,
    source: &dyn DataSource,
) -> HostCheck {
    let src = estate.host_source(host);
    let certname = src.certname().to_string();
    let failed = |e: String| HostCheck { certname: certname.clone(), error: Some(e), ..HostCheck::default() };
    let r = match resolve(estate, host, false) {
        Ok(r) => r,
        Err(e) => return failed(e.to_string()),
    };
    let doc = match r.document() {
        Ok(d) => d,
        Err(e) => return failed(e.to_string()),
    };
    let env = doc.environment.clone().unwrap_or_else(|| "production".to_string());
    let scope = top_scope(data_map(&src.facts), data_map(&doc.parameters), Some(certname.clone()), &env);
    let layers = layers(&env);
    let hiera = Hiera::new(&layers, source, &scope).with_origins();
    let mut out = HostCheck { certname: certname.clone(), ..HostCheck::default() };
    for (class, params) in doc.classes.iter().flatten() {
        for (param, enc) in params.iter().flatten() {
            out.compared += 1;
            let key = format!("{class}::{param}");
            let found = hiera.lookup(&key, None);
            let origins = hiera.take_origins();
            let expected = Data::from(enc.clone());
            let (hiera_value, hiera_error) = match found {
                Ok(Some(v)) if v == expected => continue,
                Ok(v) => (v, None),
                Err(e) => (None, Some(e.message)),
            };
            let secret = r.secret_class_parameter(class, param);
            let shown = |v: Value| if secret { Value::from(MASK) } else { v };
            out.mismatches.push(Mismatch {
                host: certname.clone(),
                hostgroup: src.hostgroup.clone(),
                class: class.clone(),
                key,
                enc: shown(enc.clone()),
                hiera: hiera_value.map(|v| shown(v.into_value())),
                enc_source: r.class_parameter_source(class, param, false).unwrap_or(Value::Null),
                hiera_found: origins,
                hiera_error,
            });
        }
    }
    out
}

/// Every host checked: the mismatches, the hosts that could not be checked, and counts.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    /// Hosts checked (including those that failed).
    pub hosts: usize,
    /// Parameters compared.
    pub compared: usize,
    /// Every mismatch, by host then key.
    pub mismatches: Vec<Mismatch>,
    /// Hosts whose ENC cannot be resolved, with the reason.
    pub failures: Vec<(String, String)>,
}

impl Report {
    /// The report of `checks` (in any order).
    #[must_use]
    pub fn new(mut checks: Vec<HostCheck>) -> Report {
        checks.sort_by(|a, b| a.certname.cmp(&b.certname));
        let mut report = Report { hosts: checks.len(), ..Report::default() };
        for c in checks {
            report.compared += c.compared;
            if let Some(e) = c.error {
                report.failures.push((c.certname, e));
            }
            report.mismatches.extend(c.mismatches);
        }
        report
    }

    /// Whether any parameter differs or any host could not be checked.
    #[must_use]
    pub fn differs(&self) -> bool {
        !self.mismatches.is_empty() || !self.failures.is_empty()
    }

    /// Mismatches counted by class, by key and by host group.
    #[must_use]
    pub fn counts(&self) -> [(&'static str, BTreeMap<String, usize>); 3] {
        let (mut classes, mut keys, mut groups) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for m in &self.mismatches {
            *classes.entry(m.class.clone()).or_insert(0) += 1;
            *keys.entry(m.key.clone()).or_insert(0) += 1;
            *groups.entry(m.hostgroup.clone().unwrap_or_else(|| "(none)".into())).or_insert(0) += 1;
        }
        [("by_class", classes), ("by_key", keys), ("by_hostgroup", groups)]
    }

    /// The report as data: `{"mismatches": [...], "failures": [...], "summary": {...}}`.
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mismatches = self.mismatches.iter().map(mismatch_value).collect();
        let failures = self
            .failures
            .iter()
            .map(|(h, e)| {
                Value::Hash(Map::from_iter([
                    ("host".to_string(), Value::from(h.as_str())),
                    ("error".to_string(), Value::from(e.as_str())),
                ]))
            })
            .collect();
        let mut summary = Map::new();
        summary.insert("hosts".into(), int(self.hosts));
        summary.insert("compared".into(), int(self.compared));
        summary.insert("mismatches".into(), int(self.mismatches.len()));
        summary.insert("hosts_with_mismatches".into(), int(self.hosts_with_mismatches()));
        summary.insert("failures".into(), int(self.failures.len()));
        for (name, counts) in self.counts() {
            summary.insert(name.into(), Value::Hash(counts.into_iter().map(|(k, n)| (k, int(n))).collect()));
        }
        Value::Hash(Map::from_iter([
            ("mismatches".to_string(), Value::Array(mismatches)),
            ("failures".to_string(), Value::Array(failures)),
            ("summary".to_string(), Value::Hash(summary)),
        ]))
    }

    fn hosts_with_mismatches(&self) -> usize {
        let mut n = 0;
        let mut last: Option<&str> = None;
        for m in &self.mismatches {
            if last != Some(m.host.as_str()) {
                n += 1;
                last = Some(&m.host);
            }
        }
        n
    }

    /// The report for people: the summary, the counts, then each mismatch with both sides'
    /// provenance.
    #[must_use]
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} of {} class parameters differ between the ENC and Hiera, on {} of {} hosts; {} hosts cannot be resolved",
            self.mismatches.len(),
            self.compared,
            self.hosts_with_mismatches(),
            self.hosts,
            self.failures.len()
        );
        for (name, counts) in self.counts() {
            if counts.is_empty() {
                continue;
            }
            let title = match name {
                "by_class" => "class",
                "by_key" => "key",
                _ => "host group",
            };
            let list = lamina_diff::top(&counts);
            let _ = writeln!(s, "by {title}: {}", list.join(", "));
        }
        for (h, e) in &self.failures {
            let _ = writeln!(s, "\n{h}: cannot be resolved: {e}");
        }
        let mut last: Option<&str> = None;
        for m in &self.mismatches {
            if last != Some(m.host.as_str()) {
                let _ = writeln!(s, "\n{}", m.host);
                last = Some(&m.host);
            }
            let hiera = match (&m.hiera, &m.hiera_error) {
                (_, Some(e)) => format!("lookup failed: {e}"),
                (Some(v), None) => v.to_string(),
                (None, None) => "not found".to_string(),
            };
            let _ = writeln!(s, "  {}: ENC {} ≠ Hiera {hiera}", m.key, m.enc);
            let _ = writeln!(s, "    ENC:   {}", foreman_text(&m.enc_source));
            let found = if m.hiera_found.is_empty() {
                "no level has it".to_string()
            } else {
                m.hiera_found.iter().map(|o| format!("{} ({})", o.level, o.path)).collect::<Vec<_>>().join(", ")
            };
            let _ = writeln!(s, "    Hiera: {found}");
        }
        s
    }
}

fn int(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn origin_value(o: &Origin) -> Value {
    Value::Hash(Map::from_iter([
        ("level".to_string(), Value::from(o.level.as_str())),
        ("path".to_string(), Value::from(o.path.as_str())),
    ]))
}

fn mismatch_value(m: &Mismatch) -> Value {
    let mut v = Map::new();
    v.insert("host".into(), Value::from(m.host.as_str()));
    v.insert("key".into(), Value::from(m.key.as_str()));
    v.insert("enc".into(), m.enc.clone());
    v.insert("hiera".into(), m.hiera.clone().unwrap_or(Value::Null));
    v.insert("hostgroup".into(), m.hostgroup.as_deref().map_or(Value::Null, Value::from));
    v.insert("class".into(), Value::from(m.class.as_str()));
    v.insert("enc_source".into(), m.enc_source.clone());
    v.insert("hiera_found".into(), Value::Array(m.hiera_found.iter().map(origin_value).collect()));
    if let Some(e) = &m.hiera_error {
        v.insert("hiera_error".into(), Value::from(e.as_str()));
    }
    Value::Hash(v)
}

/// One line for an explained source: `matcher hostgroup=web (order line hostgroup) at
/// FILE:LINE`, `default value at FILE:LINE`, `merged overrides fqdn=a, hostgroup=b`.
fn foreman_text(src: &Value) -> String {
    let Value::Hash(h) = src else { return "unknown".into() };
    let get = |k: &str| match h.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        _ => String::new(),
    };
    let at = match (get("file"), get("line")) {
        (f, _) if f.is_empty() => String::new(),
        (f, l) if l.is_empty() => format!(" at {f}"),
        (f, l) => format!(" at {f}:{l}"),
    };
    match get("from").as_str() {
        "matcher" => format!("matcher {} (order line {}){at}", get("match"), get("order_line")),
        "merged overrides" => {
            let names: Vec<String> = match h.get("contributors") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|c| match c {
                        Value::Hash(c) => c.get("match").map(ToString::to_string),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let default =
                if matches!(h.get("merge_default"), Some(Value::Bool(true))) { " and the default" } else { "" };
            format!("merged overrides {}{default}", names.join(", "))
        }
        other => format!("{other}{at}"),
    }
}
