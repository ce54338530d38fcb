//! Edits of one estate object (what the server's write API does), in two steps without I/O:
//!
//! 1. [`parse_body`] reads a request body ([`BodyFormat`]: JSON as RFC 8259 defines it, or YAML
//!    1.1 when the client says so) through the estate loader itself, by wrapping it in the
//!    section it belongs to —
//!    so an object written through the API is checked field by field exactly as one written in
//!    an estate file (unknown fields, wrong types, YAML 1.1 scalars), and errors name the
//!    request and the body's line;
//! 2. [`apply`] replaces (or removes) the object in an in-memory estate source and returns the
//!    store [`Change`] that does the same to the store. The caller then compiles the new source
//!    (the whole estate's validation: references, casts, matchers, cycles) before committing.

use crate::load_source_node;
use lamina_foreman::model::{EstateSource, Host, Hostgroup, OverrideValue, Parameter, SmartParam};
use lamina_foreman::{Error, ErrorKind, Errors};
use lamina_foreman::{Map, Owner, Value};
use lamina_yaml::{Limits, Mark, Node, NodeKind, parse_node};
use std::sync::Arc;

/// Whose parameter list a [`Change::Params`] replaces (objects named as in estate files).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParamOwner {
    /// Global parameters.
    Global,
    /// An organization, by title.
    Organization(String),
    /// A location, by title.
    Location(String),
    /// A domain, by name.
    Domain(String),
    /// A subnet, by name.
    Subnet(String),
    /// An operating system, by title (`CentOS 7.9`).
    Os(String),
    /// A host group, by title.
    Hostgroup(String),
    /// A host, by name.
    Host(String),
}

impl ParamOwner {
    /// The compiled estate's name for this owner; `None` for a host, whose parameters are part
    /// of the host.
    #[must_use]
    pub fn as_owner(&self) -> Option<Owner<'_>> {
        Some(match self {
            ParamOwner::Global => Owner::Global,
            ParamOwner::Organization(t) => Owner::Organization(t),
            ParamOwner::Location(t) => Owner::Location(t),
            ParamOwner::Domain(n) => Owner::Domain(n),
            ParamOwner::Subnet(n) => Owner::Subnet(n),
            ParamOwner::Os(t) => Owner::Os(t),
            ParamOwner::Hostgroup(t) => Owner::Hostgroup(t),
            ParamOwner::Host(_) => return None,
        })
    }
}

/// One object replaced (or removed, with `None`) in the store. The caller has validated the
/// estate the change leads to.
#[derive(Debug, Clone)]
pub enum Change {
    /// A host, by name.
    Host(String, Option<Box<Host>>),
    /// A host group, by title.
    Hostgroup(String, Option<Box<Hostgroup>>),
    /// The whole parameter list of one owner.
    Params(ParamOwner, Vec<Parameter>),
    /// A smart class parameter of a class, by key name, with its override values.
    Key { class: String, key: String, param: Option<Box<SmartParam>> },
    /// The facts of the host with this certname (shared with the host that has them).
    Facts(String, Arc<Map>),
}

/// One edit, typed.
#[derive(Debug, Clone)]
pub enum Op {
    /// Create or replace a host.
    PutHost(Box<Host>),
    /// Remove the host with this name.
    DeleteHost(String),
    /// Create or replace a host group.
    PutHostgroup(Box<Hostgroup>),
    /// Remove the host group with this title.
    DeleteHostgroup(String),
    /// Create or replace one parameter of an owner.
    PutParam(ParamOwner, Parameter),
    /// Remove one parameter of an owner.
    DeleteParam(ParamOwner, String),
    /// Create or replace a smart class parameter (with its override values) of a class.
    PutKey(String, Box<SmartParam>),
    /// Remove a smart class parameter.
    DeleteKey(String, String),
    /// Create or replace one override value (by its match) of a smart class parameter.
    PutOverride(String, String, OverrideValue),
    /// Remove one override value (class, key, match).
    DeleteOverride(String, String, String),
    /// Replace the facts of the host with this certname.
    Facts(String, Map),
}

impl Op {
    /// Whether the edit removes its object.
    #[must_use]
    pub fn is_delete(&self) -> bool {
        matches!(
            self,
            Op::DeleteHost(_)
                | Op::DeleteHostgroup(_)
                | Op::DeleteParam(..)
                | Op::DeleteKey(..)
                | Op::DeleteOverride(..)
        )
    }
}

/// An object (or owner) an edit names that does not exist ([`ErrorKind::NotFound`]).
fn not_found(message: String) -> Error {
    Error::new(ErrorKind::NotFound, "", message)
}

/// What a body describes, with the names the URL gives.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A host named `name`.
    Host(&'a str),
    /// A host group titled `title`.
    Hostgroup(&'a str),
    /// A parameter named `name` (`{value, parameter_type?, hidden_value?}`).
    Param(&'a str),
    /// Smart class parameter `key` of class `class`.
    Key(&'a str, &'a str),
    /// Override value `match` of `class`'s `key` (`{value?, omit?}`).
    Override(&'a str, &'a str, &'a str),
}

fn node(kind: NodeKind) -> Node {
    Node { kind, mark: Mark { line: 1, col: 1 } }
}

fn text(s: &str) -> Node {
    node(NodeKind::Scalar(Value::String(s.to_string())))
}

fn map(pairs: Vec<(&str, Node)>) -> Node {
    node(NodeKind::Map(pairs.into_iter().map(|(k, v)| (text(k), v)).collect()))
}

fn invalid(label: &str, msg: impl Into<String>) -> Errors {
    Errors(vec![Error::new(ErrorKind::Invalid, label.to_string(), msg)])
}

/// The value of `field` in a mapping node, when it is a string.
fn field<'n>(body: &'n Node, field: &str) -> Option<&'n Node> {
    match &body.kind {
        NodeKind::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar(Value::String(s)) if s == field))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Put `name` into the body's `field` when it has none; refuse a different one (a rename is
/// a delete and a put).
fn named(mut body: Node, fname: &str, name: &str, label: &str) -> Result<Node, Errors> {
    match field(&body, fname).map(|n| &n.kind) {
        None => {
            if let NodeKind::Map(pairs) = &mut body.kind {
                pairs.insert(0, (text(fname), text(name)));
            }
            Ok(body)
        }
        Some(NodeKind::Scalar(Value::String(s))) if s == name => Ok(body),
        Some(_) => Err(invalid(label, format!("the body's `{fname}` differs from the URL's {name:?}"))),
    }
}

/// How a request body is written: its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// JSON (RFC 8259), read strictly: `0755`, `no` and trailing commas are errors, not the
    /// YAML 1.1 readings 493, `false` and a shorter list (`lamina_yaml::parse_json`).
    Json,
    /// YAML 1.1, as Psych reads it (`application/yaml`).
    Yaml,
}

impl BodyFormat {
    /// The format a `Content-Type` names: YAML only when it says so (`application/yaml`,
    /// `text/yaml`, `application/x-yaml`); JSON otherwise — the API's format, and what a client
    /// that names none (curl's `-d`) most likely sends.
    #[must_use]
    pub fn of_content_type(content_type: Option<&str>) -> BodyFormat {
        let essence = content_type.and_then(|c| c.split(';').next()).map(|c| c.trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/yaml" | "text/yaml" | "application/x-yaml" | "text/x-yaml") => BodyFormat::Yaml,
            _ => BodyFormat::Json,
        }
    }

    fn name(self) -> &'static str {
        match self {
            BodyFormat::Json => "JSON",
            BodyFormat::Yaml => "YAML",
        }
    }
}

fn syntax(label: &str, e: lamina_yaml::YamlError) -> Errors {
    let col = e.col;
    Errors(vec![Error::new(ErrorKind::Syntax, label.to_string(), e.to_string()).at_column(col).caused_by(e)])
}

/// Parse `body` as the object `target` names, through the estate loader (see the module docs).
/// `label` names the request in messages (e.g. `PUT /v1/hosts/web01`).
///
/// # Errors
/// Every error of the body, naming `label`, the line and the field.
pub fn parse_body(body: &str, format: BodyFormat, target: Target<'_>, label: &str) -> Result<Op, Errors> {
    let limits = Limits { max_bytes: 8 << 20, ..Limits::hiera() };
    let parsed = match format {
        BodyFormat::Json => lamina_yaml::parse_json(body, label, &limits).map(Some),
        BodyFormat::Yaml => parse_node(body, label, &limits),
    }
    .map_err(|e| syntax(label, e))?;
    let Some(body) = parsed.filter(|n| matches!(n.kind, NodeKind::Map(_))) else {
        return Err(invalid(label, format!("the body must be a {} object", format.name())));
    };
    let seq = |n: Node| node(NodeKind::Seq(vec![n]));
    let src = |doc: Node| load_source_node(doc, label);
    let one = |what: &str| invalid(label, format!("the body does not describe one {what}"));
    match target {
        Target::Host(name) => {
            let doc = map(vec![("hosts", seq(named(body, "name", name, label)?))]);
            let mut s = src(doc)?;
            s.hosts.pop().map(|h| Op::PutHost(Box::new(h))).ok_or_else(|| one("host"))
        }
        Target::Hostgroup(title) => {
            let doc = map(vec![("hostgroups", seq(named(body, "title", title, label)?))]);
            let mut s = src(doc)?;
            s.hostgroups.pop().map(|g| Op::PutHostgroup(Box::new(g))).ok_or_else(|| one("host group"))
        }
        Target::Param(name) => {
            // Without a declared type (or hidden flag), the map form: the value keeps its own
            // JSON/YAML type, as `name: value` in an estate file does.
            let doc = if field(&body, "parameter_type").is_none() && field(&body, "hidden_value").is_none() {
                let Some(value) = field(&body, "value").cloned() else {
                    return Err(invalid(label, "the body has no `value`"));
                };
                if let NodeKind::Map(pairs) = &body.kind
                    && let Some((k, _)) = pairs
                        .iter()
                        .find(|(k, _)| !matches!(&k.kind, NodeKind::Scalar(Value::String(s)) if s == "value"))
                {
                    return Err(invalid(label, format!("unknown field {:?} in a parameter", k.to_value().to_ruby_s())));
                }
                map(vec![("parameters", map(vec![(name, value)]))])
            } else {
                map(vec![("parameters", seq(named(body, "name", name, label)?))])
            };
            let mut s = src(doc)?;
            s.parameters.pop().map(|p| Op::PutParam(ParamOwner::Global, p)).ok_or_else(|| one("parameter"))
        }
        Target::Key(class, key) => {
            let doc =
                map(vec![("puppetclasses", map(vec![(class, map(vec![("parameters", map(vec![(key, body)]))]))]))]);
            let mut s = src(doc)?;
            let k = s
                .puppetclasses
                .pop()
                .and_then(|mut c| c.parameters.pop())
                .ok_or_else(|| one("smart class parameter"))?;
            Ok(Op::PutKey(class.to_string(), Box::new(k)))
        }
        Target::Override(class, key, m) => {
            let body = named(body, "match", m, label)?;
            let doc = map(vec![(
                "puppetclasses",
                map(vec![(
                    class,
                    map(vec![("parameters", map(vec![(key, map(vec![("override_values", seq(body))]))]))]),
                )]),
            )]);
            let mut s = src(doc)?;
            let v = s
                .puppetclasses
                .pop()
                .and_then(|mut c| c.parameters.pop())
                .and_then(|mut k| k.override_values.pop())
                .ok_or_else(|| one("override value"))?;
            Ok(Op::PutOverride(class.to_string(), key.to_string(), v))
        }
    }
}

/// Facts from an upload body: a hash of facts, or Foreman's upload shape
/// `{"name": CERTNAME, "facts": {...}}` (what node.rb/enc.rb `--push-facts` sends to
/// `/api/hosts/facts`; `name` may be left out), whose `facts` are taken. The shape is Foreman's
/// only when the body has nothing but its fields (`name`, `certname`, `facts`,
/// `facts_source`) and `facts` is a hash: a facts hash with a fact called `facts` stays a facts
/// hash. A `name` or `certname` in the body must be `certname`, the host the URL names. Read
/// within `limits` (size, depth, nodes): a server bounds what one upload may cost.
///
/// # Errors
/// A body that is not a hash, or an upload for another host, naming `label`; a body over a
/// limit (named in the message).
pub fn parse_facts_within(
    body: &str,
    format: BodyFormat,
    certname: &str,
    label: &str,
    limits: &Limits,
) -> Result<Map, Errors> {
    if body.len() > limits.max_bytes {
        return Err(invalid(
            label,
            format!("the facts are {} bytes, more than the limit of {}", body.len(), limits.max_bytes),
        ));
    }
    let v = match format {
        BodyFormat::Json => {
            Some(lamina_yaml::parse_json_value_strict(body, label, limits).map_err(|e| syntax(label, e))?)
        }
        BodyFormat::Yaml => lamina_yaml::parse_value(body, label, limits).map_err(|e| syntax(label, e))?,
    };
    let Some(Value::Hash(mut h)) = v else {
        return Err(invalid(label, format!("the facts must be a {} object", format.name())));
    };
    let foreman = matches!(h.get("facts"), Some(Value::Hash(_)))
        && h.keys().all(|k| ["name", "certname", "facts", "facts_source"].contains(&k.as_str()));
    if !foreman {
        return Ok(h);
    }
    for field in ["name", "certname"] {
        match h.get(field) {
            None => {}
            Some(Value::String(n)) if n == certname => {}
            Some(other) => {
                return Err(invalid(
                    label,
                    format!("the upload's `{field}` is {}, but the URL names {certname:?}", other.to_ruby_s()),
                ));
            }
        }
    }
    match h.swap_remove("facts") {
        Some(Value::Hash(f)) => Ok(f),
        _ => Ok(Map::new()),
    }
}

fn owner_params<'s>(src: &'s mut EstateSource, owner: &ParamOwner) -> Result<&'s mut Vec<Parameter>, Error> {
    let missing = |what: &str, name: &str| not_found(format!("no {what} {name:?}"));
    Ok(match owner {
        ParamOwner::Global => &mut src.parameters,
        ParamOwner::Organization(t) => {
            &mut src
                .organizations
                .iter_mut()
                .find(|o| &o.title == t)
                .ok_or_else(|| missing("organization", t))?
                .parameters
        }
        ParamOwner::Location(t) => {
            &mut src.locations.iter_mut().find(|o| &o.title == t).ok_or_else(|| missing("location", t))?.parameters
        }
        ParamOwner::Domain(n) => {
            &mut src.domains.iter_mut().find(|d| &d.name == n).ok_or_else(|| missing("domain", n))?.parameters
        }
        ParamOwner::Subnet(n) => {
            &mut src.subnets.iter_mut().find(|d| &d.name == n).ok_or_else(|| missing("subnet", n))?.parameters
        }
        ParamOwner::Os(t) => {
            &mut src
                .operatingsystems
                .iter_mut()
                .find(|o| &o.title() == t)
                .ok_or_else(|| missing("operating system", t))?
                .parameters
        }
        ParamOwner::Hostgroup(t) => {
            &mut src.hostgroups.iter_mut().find(|g| &g.title == t).ok_or_else(|| missing("host group", t))?.parameters
        }
        ParamOwner::Host(n) => {
            &mut src.hosts.iter_mut().find(|h| &h.name == n).ok_or_else(|| missing("host", n))?.parameters
        }
    })
}

fn key_mut<'s>(src: &'s mut EstateSource, class: &str, key: &str) -> Result<&'s mut SmartParam, Error> {
    let c = src
        .puppetclasses
        .iter_mut()
        .find(|c| c.name == class)
        .ok_or_else(|| not_found(format!("no class {class:?}")))?;
    c.parameters
        .iter_mut()
        .find(|k| k.key == key)
        .ok_or_else(|| not_found(format!("no smart class parameter {key:?} in class {class:?}")))
}

/// Replace in place, or append: the in-memory order then matches the store's ids (an existing
/// object keeps its id, a new one gets the next).
fn upsert<T>(list: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    match list.iter_mut().find(|x| same(x)) {
        Some(slot) => *slot = item,
        None => list.push(item),
    }
}

fn remove<T>(list: &mut Vec<T>, same: impl Fn(&T) -> bool, what: impl FnOnce() -> String) -> Result<(), Error> {
    let before = list.len();
    list.retain(|x| !same(x));
    if list.len() == before { Err(not_found(what())) } else { Ok(()) }
}

/// Make the edit in `src`; the store change that makes it in the store.
///
/// # Errors
/// [`ErrorKind::NotFound`] for an object (or owner) that does not exist.
pub fn apply(src: &mut EstateSource, op: Op) -> Result<Change, Error> {
    Ok(match op {
        Op::PutHost(h) => {
            let name = h.name.clone();
            upsert(&mut src.hosts, (*h).clone(), |x| x.name == name);
            Change::Host(name, Some(h))
        }
        Op::DeleteHost(name) => {
            remove(&mut src.hosts, |x| x.name == name, || format!("no host {name:?}"))?;
            Change::Host(name, None)
        }
        Op::PutHostgroup(g) => {
            let title = g.title.clone();
            upsert(&mut src.hostgroups, (*g).clone(), |x| x.title == title);
            Change::Hostgroup(title, Some(g))
        }
        Op::DeleteHostgroup(title) => {
            remove(&mut src.hostgroups, |x| x.title == title, || format!("no host group {title:?}"))?;
            Change::Hostgroup(title, None)
        }
        Op::PutParam(owner, p) => {
            let list = owner_params(src, &owner)?;
            let name = p.name.clone();
            upsert(list, p, |x| x.name == name);
            Change::Params(owner, list.clone())
        }
        Op::DeleteParam(owner, name) => {
            let list = owner_params(src, &owner)?;
            remove(list, |x| x.name == name, || format!("no parameter {name:?}"))?;
            Change::Params(owner, list.clone())
        }
        Op::PutKey(class, k) => {
            let c = src
                .puppetclasses
                .iter_mut()
                .find(|c| c.name == class)
                .ok_or_else(|| not_found(format!("no class {class:?} (classes come with an import)")))?;
            let key = k.key.clone();
            upsert(&mut c.parameters, (*k).clone(), |x| x.key == key);
            Change::Key { class, key, param: Some(k) }
        }
        Op::DeleteKey(class, key) => {
            let c = src
                .puppetclasses
                .iter_mut()
                .find(|c| c.name == class)
                .ok_or_else(|| not_found(format!("no class {class:?}")))?;
            remove(
                &mut c.parameters,
                |x| x.key == key,
                || format!("no smart class parameter {key:?} in class {class:?}"),
            )?;
            Change::Key { class, key, param: None }
        }
        Op::PutOverride(class, key, v) => {
            let k = key_mut(src, &class, &key)?;
            let m = v.match_.clone();
            upsert(&mut k.override_values, v, |x| x.match_ == m);
            Change::Key { class, key, param: Some(Box::new(k.clone())) }
        }
        Op::DeleteOverride(class, key, m) => {
            let k = key_mut(src, &class, &key)?;
            remove(
                &mut k.override_values,
                |x| x.match_ == m,
                || format!("no override value {m:?} for {class}::{key}"),
            )?;
            Change::Key { class, key, param: Some(Box::new(k.clone())) }
        }
        Op::Facts(certname, facts) => {
            let h = src
                .hosts
                .iter_mut()
                .find(|h| h.certname() == certname)
                .ok_or_else(|| not_found(format!("no host {certname:?}")))?;
            h.facts = Arc::new(facts);
            Change::Facts(certname, Arc::clone(&h.facts))
        }
    })
}

/// A parameter edit names its owner in the URL; the body parser sees a global parameter.
#[must_use]
pub fn with_owner(op: Op, owner: ParamOwner) -> Op {
    match op {
        Op::PutParam(_, p) => Op::PutParam(owner, p),
        other => other,
    }
}

/// Make in `src` a change read from a store's feed (another server's write, already validated
/// there). Removing what is already gone is not an error: the feed gives each object's current
/// state, not the path to it.
///
/// # Errors
/// [`ErrorKind::NotFound`] when the owner of a parameter list or the class of a smart class
/// parameter does not exist.
pub fn replay(src: &mut EstateSource, change: Change) -> Result<(), Error> {
    let op = match change {
        Change::Host(_, Some(h)) => Op::PutHost(h),
        Change::Host(n, None) => Op::DeleteHost(n),
        Change::Hostgroup(_, Some(g)) => Op::PutHostgroup(g),
        Change::Hostgroup(t, None) => Op::DeleteHostgroup(t),
        Change::Params(owner, list) => {
            *owner_params(src, &owner)? = list;
            return Ok(());
        }
        Change::Key { class, param: Some(p), .. } => Op::PutKey(class, p),
        Change::Key { class, key, param: None } => Op::DeleteKey(class, key),
        Change::Facts(c, f) => {
            // Moved in, not copied as `apply` would (it hands the facts back in its change).
            let h =
                src.hosts.iter_mut().find(|h| h.certname() == c).ok_or_else(|| not_found(format!("no host {c:?}")))?;
            h.facts = f;
            return Ok(());
        }
    };
    let removal = matches!(op, Op::DeleteHost(_) | Op::DeleteHostgroup(_) | Op::DeleteKey(..));
    match apply(src, op) {
        Err(e) if removal && e.kind == ErrorKind::NotFound => Ok(()),
        other => other.map(|_| ()),
    }
}

pub use crate::reach::{patched, reached, touched};

/// What puts one edit back ([`apply_undoable`]): the object as it was before, kept instead of a
/// copy of the whole source, so that an edit refused by validation, or by the store, costs what
/// the object costs.
#[derive(Debug)]
pub struct Undo(Restore);

#[derive(Debug)]
enum Restore {
    Nothing,
    /// A host: where it was and what it was, or that the edit appended it.
    Host(Option<(usize, Box<Host>)>),
    /// A host's facts only.
    Facts(usize, Arc<Map>),
    /// A host group: where it was and what it was, or that the edit appended it.
    Hostgroup(Option<(usize, Box<Hostgroup>)>),
    /// One owner's parameter list.
    Params(ParamOwner, Vec<Parameter>),
    /// One class's smart class parameters.
    Keys(String, Vec<SmartParam>),
}

fn params_of<'s>(src: &'s mut EstateSource, owner: &ParamOwner) -> Option<&'s mut Vec<Parameter>> {
    owner_params(src, owner).ok()
}

/// [`apply`], with what undoes it.
///
/// # Errors
/// As [`apply`]; nothing is changed then.
pub fn apply_undoable(src: &mut EstateSource, op: Op) -> Result<(Change, Undo), Error> {
    // The common write (an agent's upload): one search, and the old facts moved out rather
    // than copied.
    let op = match op {
        Op::Facts(c, facts) => {
            let i =
                src.hosts.iter().position(|h| h.certname() == c).ok_or_else(|| not_found(format!("no host {c:?}")))?;
            let facts = Arc::new(facts);
            let old = std::mem::replace(&mut src.hosts[i].facts, Arc::clone(&facts));
            return Ok((Change::Facts(c, facts), Undo(Restore::Facts(i, old))));
        }
        other => other,
    };
    let host_at = |src: &EstateSource, name: &str| src.hosts.iter().position(|h| h.name == name);
    let restore = match &op {
        Op::PutHost(h) => Restore::Host(host_at(src, &h.name).map(|i| (i, Box::new(src.hosts[i].clone())))),
        Op::DeleteHost(n) => Restore::Host(host_at(src, n).map(|i| (i, Box::new(src.hosts[i].clone())))),
        Op::PutParam(ParamOwner::Host(n), _) | Op::DeleteParam(ParamOwner::Host(n), _) => match host_at(src, n) {
            Some(i) => Restore::Host(Some((i, Box::new(src.hosts[i].clone())))),
            None => Restore::Nothing,
        },
        // Handled above.
        Op::Facts(..) => Restore::Nothing,
        Op::PutHostgroup(g) => {
            let at = src.hostgroups.iter().position(|x| x.title == g.title);
            Restore::Hostgroup(at.map(|i| (i, Box::new(src.hostgroups[i].clone()))))
        }
        Op::DeleteHostgroup(t) => {
            let at = src.hostgroups.iter().position(|x| &x.title == t);
            Restore::Hostgroup(at.map(|i| (i, Box::new(src.hostgroups[i].clone()))))
        }
        Op::PutParam(owner, _) | Op::DeleteParam(owner, _) => match params_of(src, owner) {
            Some(list) => Restore::Params(owner.clone(), list.clone()),
            None => Restore::Nothing,
        },
        Op::PutKey(class, _)
        | Op::DeleteKey(class, _)
        | Op::PutOverride(class, _, _)
        | Op::DeleteOverride(class, _, _) => match src.puppetclasses.iter().find(|c| &c.name == class) {
            Some(c) => Restore::Keys(class.clone(), c.parameters.clone()),
            None => Restore::Nothing,
        },
    };
    let appended_host = matches!((&op, &restore), (Op::PutHost(_), Restore::Host(None)));
    let appended_group = matches!((&op, &restore), (Op::PutHostgroup(_), Restore::Hostgroup(None)));
    let change = apply(src, op)?;
    let restore = match restore {
        Restore::Host(None) if !appended_host => Restore::Nothing,
        Restore::Hostgroup(None) if !appended_group => Restore::Nothing,
        r => r,
    };
    Ok((change, Undo(restore)))
}

impl Undo {
    /// Put the edit back in `src` (the source it was applied to, with no other edit since,
    /// or only edits undone before this one).
    pub fn undo(self, src: &mut EstateSource) {
        match self.0 {
            Restore::Nothing => {}
            Restore::Host(None) => {
                src.hosts.pop();
            }
            Restore::Host(Some((i, h))) => {
                if src.hosts.get(i).is_some_and(|x| x.name == h.name) {
                    src.hosts[i] = *h;
                } else {
                    src.hosts.insert(i.min(src.hosts.len()), *h);
                }
            }
            Restore::Facts(i, f) => {
                if let Some(h) = src.hosts.get_mut(i) {
                    h.facts = f;
                }
            }
            Restore::Hostgroup(None) => {
                src.hostgroups.pop();
            }
            Restore::Hostgroup(Some((i, g))) => {
                if src.hostgroups.get(i).is_some_and(|x| x.title == g.title) {
                    src.hostgroups[i] = *g;
                } else {
                    src.hostgroups.insert(i.min(src.hostgroups.len()), *g);
                }
            }
            Restore::Params(owner, list) => {
                if let Some(l) = params_of(src, &owner) {
                    *l = list;
                }
            }
            Restore::Keys(class, keys) => {
                if let Some(c) = src.puppetclasses.iter_mut().find(|c| c.name == class) {
                    c.parameters = keys;
                }
            }
        }
    }
}
