//! Field-by-field conversion of estate YAML nodes into the resolver's input model. Unknown
//! fields and wrong types are errors naming the file, line and field: typos must not pass.

use super::into_value;
use super::schema::fields_of;
use super::shape::{Shape, shape_of};
use lamina_foreman::model::{
    ConfigGroup, Domain, EstateSource, Host, Hostgroup, Interface, OperatingSystem, Origin, Owner, ParamType,
    Parameter, Subnet, Taxonomy,
};
use lamina_foreman::{Error, ErrorKind};
use lamina_foreman::{Map, Value};
use lamina_yaml::{Node, NodeKind};
use std::sync::Arc;

/// What one file contributed.
#[derive(Debug, Default)]
pub(crate) struct FileParts {
    settings: Vec<(String, Node)>,
    src: EstateSource,
    /// The file could not be read or parsed: whatever it defines is missing to the others.
    pub(crate) unread: bool,
    /// What its top level looks like (an estate file or not).
    pub(crate) shape: Shape,
}

impl FileParts {
    /// The parts of a file that could not be read or parsed.
    pub(crate) fn unread() -> FileParts {
        FileParts { unread: true, ..FileParts::default() }
    }

    /// Every attribute named by an order line in this file: each smart class parameter's
    /// `override_value_order` and `settings.default_lookup_path`.
    pub(crate) fn order_attributes(&self, out: &mut Vec<String>) {
        for c in &self.src.puppetclasses {
            for p in &c.parameters {
                for line in p.order.iter().flatten() {
                    out.extend(line.iter().cloned());
                }
            }
        }
        for (k, node) in &self.settings {
            if k == "default_lookup_path" {
                match node.to_value() {
                    Value::Array(a) => {
                        for l in a.iter().filter_map(Value::as_str) {
                            out.extend(lamina_foreman::split_line(l));
                        }
                    }
                    Value::String(t) => {
                        for l in t.split_whitespace() {
                            out.extend(lamina_foreman::split_line(l));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Lists are concatenated; settings are merged by key (the same key twice is an error
    /// naming both places).
    pub(crate) fn merge_into(self, into: &mut EstateSource, seen: &mut Vec<(String, Origin)>, errs: &mut Vec<Error>) {
        let FileParts { settings, src, .. } = self;
        let file = src.settings.origin.file.clone();
        for (k, node) in settings {
            let o = Origin::new(&file, node.mark.line);
            if let Some((_, prev)) = seen.iter().find(|(n, _)| *n == k) {
                errs.push(
                    Error::new(
                        ErrorKind::Duplicate,
                        format!("setting {k}"),
                        format!("defined twice (first at {prev})"),
                    )
                    .at(&o),
                );
                continue;
            }
            seen.push((k.clone(), o.clone()));
            let s = &mut into.settings;
            s.origin = o.clone();
            let bad =
                |what: &str| Error::new(ErrorKind::Invalid, format!("setting {k}"), format!("must be {what}")).at(&o);
            match k.as_str() {
                "default_lookup_path" => match into_value(node) {
                    Value::Array(a) => {
                        let lines: Option<Vec<String>> =
                            a.into_iter().map(|v| v.as_str().map(str::to_string)).collect();
                        match lines {
                            Some(l) => s.default_lookup_path = l,
                            None => errs.push(bad("a list of strings")),
                        }
                    }
                    Value::String(t) => s.default_lookup_path = t.split_whitespace().map(str::to_string).collect(),
                    _ => errs.push(bad("a list of strings")),
                },
                "matchers_inheritance" | "enc_environment" | "interpolate_erb_in_parameters" | "safemode_render" => {
                    match into_value(node) {
                        Value::Bool(b) => match k.as_str() {
                            "matchers_inheritance" => s.matchers_inheritance = b,
                            "enc_environment" => s.enc_environment = b,
                            "interpolate_erb_in_parameters" => s.interpolate_erb_in_parameters = b,
                            _ => s.safemode_render = b,
                        },
                        _ => errs.push(bad("a boolean")),
                    }
                }
                "root_pass" => match into_value(node) {
                    Value::String(t) => s.root_pass = Some(t),
                    _ => errs.push(bad("a string")),
                },
                _ => unreachable!("fields checked"),
            }
        }
        into.parameters.extend(src.parameters);
        into.organizations.extend(src.organizations);
        into.locations.extend(src.locations);
        into.domains.extend(src.domains);
        into.subnets.extend(src.subnets);
        into.operatingsystems.extend(src.operatingsystems);
        into.environments.extend(src.environments);
        into.puppetclasses.extend(src.puppetclasses);
        into.config_groups.extend(src.config_groups);
        into.hostgroups.extend(src.hostgroups);
        into.hosts.extend(src.hosts);
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) file: Arc<str>,
    pub(crate) errs: &'a mut Vec<Error>,
}

type Fields = Vec<(String, Node)>;

impl Ctx<'_> {
    pub(super) fn origin(&self, n: &Node) -> Origin {
        Origin::new(&self.file, n.mark.line)
    }

    pub(super) fn err(&mut self, n: &Node, object: impl Into<String>, msg: impl Into<String>) {
        let o = self.origin(n);
        self.errs.push(Error::new(ErrorKind::Invalid, object, msg).at(&o).at_column(n.mark.col));
    }

    /// A mapping with only `allowed` keys; reports unknown, duplicate and non-string keys.
    pub(super) fn fields(&mut self, n: Node, what: &str, allowed: &[&str]) -> Option<(Fields, Origin)> {
        let origin = self.origin(&n);
        let NodeKind::Map(pairs) = n.kind else {
            self.errs.push(Error::new(ErrorKind::Invalid, what.to_string(), "must be a mapping").at(&origin));
            return None;
        };
        let mut out: Fields = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let NodeKind::Scalar(Value::String(key)) = &k.kind else {
                self.err(&k, what, "field names must be strings");
                continue;
            };
            if !allowed.contains(&key.as_str()) {
                // A near miss (`hostgrup`, `enviroment`) is named first; the whole list follows.
                let hint = lamina_foreman::did_you_mean(key, allowed.iter().copied());
                self.err(&k, what, format!("unknown field {key:?}{hint} (expected one of: {})", allowed.join(", ")));
                continue;
            }
            if out.iter().any(|(x, _)| x == key) {
                self.err(&k, what, format!("field {key:?} given twice"));
                continue;
            }
            out.push((key.clone(), v));
        }
        Some((out, origin))
    }

    pub(super) fn string(&mut self, n: Node, what: &str, field: &str) -> Option<String> {
        match n.kind {
            NodeKind::Scalar(Value::String(s)) => Some(s),
            // Versions and numbers written bare are accepted as their decimal text.
            NodeKind::Scalar(Value::Int(i)) => Some(i.to_string()),
            NodeKind::Scalar(Value::Null) => None,
            NodeKind::Scalar(ref v) => {
                let t = v.type_name();
                self.err(&n, what, format!("field {field} must be a string, not {t} (quote it)"));
                None
            }
            _ => {
                self.err(&n, what, format!("field {field} must be a string"));
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, n: Node, what: &str, field: &str) -> bool {
        match n.kind {
            NodeKind::Scalar(Value::Bool(b)) => b,
            _ => {
                self.err(&n, what, format!("field {field} must be true or false"));
                false
            }
        }
    }

    pub(super) fn strings(&mut self, n: Node, what: &str, field: &str) -> Vec<String> {
        let line = self.origin(&n);
        match n.kind {
            NodeKind::Seq(items) => items.into_iter().filter_map(|i| self.string(i, what, field)).collect(),
            NodeKind::Scalar(Value::Null) => Vec::new(),
            _ => {
                self.errs.push(
                    Error::new(
                        ErrorKind::Invalid,
                        what.to_string(),
                        format!("field {field} must be a list of strings"),
                    )
                    .at(&line),
                );
                Vec::new()
            }
        }
    }

    pub(super) fn list(&mut self, n: Node, what: &str) -> Vec<Node> {
        match n.kind {
            NodeKind::Seq(items) => items,
            NodeKind::Scalar(Value::Null) => Vec::new(),
            _ => {
                self.err(&n, what, "must be a list");
                Vec::new()
            }
        }
    }

    pub(crate) fn file_parts(&mut self, n: Node) -> FileParts {
        const TOP: &[&str] = fields_of("estate");
        let mut parts = FileParts { shape: shape_of(&n), ..FileParts::default() };
        parts.src.settings.origin = Origin::new(&self.file, 0);
        let Some((fields, _)) = self.fields(n, "estate file", TOP) else { return parts };
        for (k, v) in fields {
            match k.as_str() {
                "settings" => {
                    if let Some((f, _)) = self.fields(v, "settings", const { fields_of("settings") }) {
                        parts.settings = f;
                    }
                }
                "parameters" => parts.src.parameters = self.params(v, "global parameters"),
                "organizations" | "locations" => {
                    let what = if k == "organizations" { "organization" } else { "location" };
                    let list: Vec<Taxonomy> =
                        self.list(v, &k).into_iter().filter_map(|i| self.taxonomy(i, what)).collect();
                    if k == "organizations" { parts.src.organizations = list } else { parts.src.locations = list }
                }
                "domains" => parts.src.domains = self.list(v, &k).into_iter().filter_map(|i| self.domain(i)).collect(),
                "subnets" => parts.src.subnets = self.list(v, &k).into_iter().filter_map(|i| self.subnet(i)).collect(),
                "operatingsystems" => {
                    parts.src.operatingsystems = self.list(v, &k).into_iter().filter_map(|i| self.os(i)).collect()
                }
                "environments" => {
                    for i in self.list(v, &k) {
                        let o = self.origin(&i);
                        if let Some(s) = self.string(i, "environments", "environment") {
                            parts.src.environments.push((s, o));
                        }
                    }
                }
                "puppetclasses" => parts.src.puppetclasses = self.classes(v),
                "config_groups" => {
                    parts.src.config_groups =
                        self.list(v, &k).into_iter().filter_map(|i| self.config_group(i)).collect()
                }
                "hostgroups" => {
                    parts.src.hostgroups = self.list(v, &k).into_iter().filter_map(|i| self.hostgroup(i)).collect()
                }
                "hosts" => parts.src.hosts = self.list(v, &k).into_iter().filter_map(|i| self.host(i)).collect(),
                _ => unreachable!("fields checked"),
            }
        }
        parts
    }

    /// PARAMS: a map `name: value` (typed by YAML) or a list of `{name, value, parameter_type,
    /// hidden_value}` (type default `string`).
    fn params(&mut self, n: Node, owner: &str) -> Vec<Parameter> {
        let what = format!("{owner} parameters");
        match n.kind {
            NodeKind::Scalar(Value::Null) => Vec::new(),
            NodeKind::Map(pairs) => {
                let mut out = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let origin = self.origin(&k);
                    let name = match k.kind {
                        NodeKind::Scalar(Value::String(s)) => s,
                        _ => {
                            self.err(&k, &what, "parameter names must be strings");
                            continue;
                        }
                    };
                    out.push(Parameter {
                        name,
                        value: into_value(v),
                        parameter_type: None,
                        hidden_value: false,
                        origin,
                    });
                }
                out
            }
            NodeKind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let Some((f, origin)) = self.fields(i, &what, const { fields_of("parameters") }) else {
                        continue;
                    };
                    let mut p = Parameter {
                        name: String::new(),
                        value: Value::Null,
                        parameter_type: Some(ParamType::String),
                        hidden_value: false,
                        origin,
                    };
                    let mut has_name = false;
                    for (k, v) in f {
                        match k.as_str() {
                            "name" => {
                                if let Some(s) = self.string(v, &what, "name") {
                                    p.name = s;
                                    has_name = true;
                                }
                            }
                            "value" => p.value = into_value(v),
                            "parameter_type" => p.parameter_type = self.ptype(v, &what),
                            "hidden_value" => p.hidden_value = self.boolean(v, &what, "hidden_value"),
                            _ => unreachable!(),
                        }
                    }
                    if !has_name {
                        self.errs.push(
                            Error::new(ErrorKind::Invalid, what.clone(), "a parameter needs a name").at(&p.origin),
                        );
                        continue;
                    }
                    out.push(p);
                }
                out
            }
            _ => {
                self.err(&n, &what, "must be a mapping or a list");
                Vec::new()
            }
        }
    }

    pub(super) fn ptype(&mut self, n: Node, what: &str) -> Option<ParamType> {
        let o = self.origin(&n);
        let s = self.string(n, what, "parameter_type")?;
        let t = ParamType::parse(&s);
        if t.is_none() {
            self.errs.push(
                Error::new(
                    ErrorKind::Invalid,
                    what.to_string(),
                    format!("parameter_type {s:?} is not one of string boolean integer real array hash yaml json"),
                )
                .at(&o),
            );
        }
        t
    }

    pub(super) fn required(
        &mut self,
        name: Option<String>,
        what: &str,
        field: &str,
        origin: &Origin,
    ) -> Option<String> {
        if name.is_none() {
            self.errs.push(
                Error::new(ErrorKind::Invalid, what.to_string(), format!("field {field} is required")).at(origin),
            );
        }
        name
    }

    fn taxonomy(&mut self, n: Node, what: &str) -> Option<Taxonomy> {
        let section = if what == "organization" {
            const { fields_of("organizations") }
        } else {
            const { fields_of("locations") }
        };
        let (f, origin) = self.fields(n, what, section)?;
        let (mut title, mut params) = (None, Vec::new());
        for (k, v) in f {
            match k.as_str() {
                "title" => title = self.string(v, what, "title"),
                _ => params = self.params(v, what),
            }
        }
        let title = self.required(title, what, "title", &origin)?;
        Some(Taxonomy { title, parameters: params, origin })
    }

    fn domain(&mut self, n: Node) -> Option<Domain> {
        let (f, origin) = self.fields(n, "domain", const { fields_of("domains") })?;
        let mut d = Domain { name: String::new(), fullname: None, parameters: Vec::new(), origin };
        let mut name = None;
        for (k, v) in f {
            match k.as_str() {
                "name" => name = self.string(v, "domain", "name"),
                "fullname" => d.fullname = self.string(v, "domain", "fullname"),
                _ => d.parameters = self.params(v, "domain"),
            }
        }
        d.name = self.required(name, "domain", "name", &d.origin)?;
        Some(d)
    }

    fn subnet(&mut self, n: Node) -> Option<Subnet> {
        // Every attribute Foreman exports, plus the subnet's parameters.
        let (f, origin) = self.fields(n, "subnet", const { fields_of("subnets") })?;
        let mut s = Subnet { name: String::new(), attrs: Map::new(), parameters: Vec::new(), origin };
        let mut name = None;
        for (k, v) in f {
            match k.as_str() {
                "name" => name = self.string(v, "subnet", "name"),
                "parameters" => s.parameters = self.params(v, "subnet"),
                _ => match into_value(v) {
                    v @ (Value::String(_) | Value::Int(_) | Value::Null) => {
                        s.attrs.insert(k, v);
                    }
                    _ => self.errs.push(
                        Error::new(ErrorKind::Invalid, "subnet", format!("field {k} must be a scalar")).at(&s.origin),
                    ),
                },
            }
        }
        s.name = self.required(name, "subnet", "name", &s.origin)?;
        Some(s)
    }

    fn os(&mut self, n: Node) -> Option<OperatingSystem> {
        let (f, origin) = self.fields(n, "operating system", const { fields_of("operatingsystems") })?;
        let w = "operating system";
        let mut o = OperatingSystem {
            name: String::new(),
            major: String::new(),
            minor: None,
            description: None,
            password_hash: None,
            family: None,
            parameters: Vec::new(),
            origin,
        };
        let (mut name, mut major) = (None, None);
        for (k, v) in f {
            match k.as_str() {
                "name" => name = self.string(v, w, "name"),
                "major" => major = self.string(v, w, "major"),
                "minor" => o.minor = self.string(v, w, "minor"),
                "description" => o.description = self.string(v, w, "description"),
                "password_hash" => o.password_hash = self.string(v, w, "password_hash"),
                "family" => o.family = self.string(v, w, "family"),
                _ => o.parameters = self.params(v, w),
            }
        }
        o.name = self.required(name, w, "name", &o.origin)?;
        o.major = self.required(major, w, "major", &o.origin)?;
        Some(o)
    }

    fn config_group(&mut self, n: Node) -> Option<ConfigGroup> {
        let (f, origin) = self.fields(n, "config group", const { fields_of("config_groups") })?;
        let (mut name, mut classes) = (None, Vec::new());
        for (k, v) in f {
            if k == "name" {
                name = self.string(v, "config group", "name");
            } else {
                classes = self.strings(v, "config group", "puppetclasses");
            }
        }
        let name = self.required(name, "config group", "name", &origin)?;
        Some(ConfigGroup { name, puppetclasses: classes, origin })
    }

    fn hostgroup(&mut self, n: Node) -> Option<Hostgroup> {
        const F: &[&str] = fields_of("hostgroups");
        let (f, origin) = self.fields(n, "host group", F)?;
        let mut g = Hostgroup { origin, ..Hostgroup::default() };
        let w = "host group";
        let mut title = None;
        for (k, v) in f {
            match k.as_str() {
                "title" => title = self.string(v, w, "title"),
                "environment" => g.environment = self.string(v, w, "environment"),
                "puppetclasses" => g.puppetclasses = self.strings(v, w, "puppetclasses"),
                "config_groups" => g.config_groups = self.strings(v, w, "config_groups"),
                "parameters" => g.parameters = self.params(v, w),
                "root_pass" => g.root_pass = self.string(v, w, "root_pass"),
                "puppet_proxy" => g.puppet_proxy = self.string(v, w, "puppet_proxy"),
                _ => g.puppet_ca_proxy = self.string(v, w, "puppet_ca_proxy"),
            }
        }
        g.title = self.required(title, w, "title", &g.origin)?;
        Some(g)
    }

    fn host(&mut self, n: Node) -> Option<Host> {
        const F: &[&str] = fields_of("hosts");
        let (f, origin) = self.fields(n, "host", F)?;
        let mut h = Host { origin, ..Host::default() };
        let mut name = None;
        let w = "host";
        for (k, v) in f {
            match k.as_str() {
                "name" => name = self.string(v, w, "name"),
                "certname" => h.certname = self.string(v, w, "certname"),
                "hostgroup" => h.hostgroup = self.string(v, w, "hostgroup"),
                "organization" => h.organization = self.string(v, w, "organization"),
                "location" => h.location = self.string(v, w, "location"),
                "domain" => h.domain = self.string(v, w, "domain"),
                "subnet" => h.subnet = self.string(v, w, "subnet"),
                "subnet6" => h.subnet6 = self.string(v, w, "subnet6"),
                "operatingsystem" => h.operatingsystem = self.string(v, w, "operatingsystem"),
                "architecture" => h.architecture = self.string(v, w, "architecture"),
                "environment" => h.environment = self.string(v, w, "environment"),
                "puppetclasses" => h.puppetclasses = self.strings(v, w, "puppetclasses"),
                "config_groups" => h.config_groups = self.strings(v, w, "config_groups"),
                "parameters" => h.parameters = self.params(v, w),
                "comment" => h.comment = self.string(v, w, "comment"),
                "root_pass" => h.root_pass = self.string(v, w, "root_pass"),
                "puppet_proxy" => h.puppet_proxy = self.string(v, w, "puppet_proxy"),
                "puppet_ca_proxy" => h.puppet_ca_proxy = self.string(v, w, "puppet_ca_proxy"),
                "owner" => {
                    if let Some((f, _)) = self.fields(v, "host owner", const { fields_of("hosts.owner") }) {
                        let mut o = Owner::default();
                        for (k, v) in f {
                            if k == "name" {
                                o.name = self.string(v, "host owner", "name");
                            } else {
                                o.email = self.string(v, "host owner", "email");
                            }
                        }
                        h.owner = Some(o);
                    }
                }
                "interfaces" => {
                    for i in self.list(v, "host interfaces") {
                        if let Some(nic) = self.interface(i) {
                            h.interfaces.push(nic);
                        }
                    }
                }
                "facts" => match into_value(v) {
                    Value::Hash(m) => h.facts = std::sync::Arc::new(m),
                    Value::Null => {}
                    _ => self.errs.push(Error::new(ErrorKind::Invalid, w, "facts must be a mapping").at(&h.origin)),
                },
                _ => unreachable!(),
            }
        }
        h.name = self.required(name, w, "name", &h.origin)?;
        Some(h)
    }

    fn interface(&mut self, n: Node) -> Option<Interface> {
        // An interface takes exactly the attributes Foreman exports for it.
        let (f, origin) = self.fields(n, "interface", const { fields_of("hosts.interfaces") })?;
        let mut nic = Interface { attrs: Map::new(), origin };
        for (k, v) in f {
            let val = into_value(v);
            let ok = match k.as_str() {
                "primary" | "provision" | "managed" | "virtual" | "link" => matches!(val, Value::Bool(_)),
                "attrs" => matches!(val, Value::Hash(_)),
                _ => matches!(val, Value::String(_) | Value::Null),
            };
            if ok {
                nic.attrs.insert(k, val);
            } else {
                self.errs.push(
                    Error::new(
                        ErrorKind::Invalid,
                        "interface",
                        format!("field {k} has the wrong type ({})", val.type_name()),
                    )
                    .at(&nic.origin),
                );
            }
        }
        Some(nic)
    }
}
