//! Reading estate objects back from the store, either all of them or only those named (the
//! per-host path asks for a handful by name). Every reader keeps definition order.

use super::db::{Arg, Col, Conn, Row, placeholders};
use super::json::{self, Spelling};
use lamina_foreman::model::{
    ConfigGroup, Domain, EstateSource, Host, Hostgroup, Interface, OperatingSystem, Origin, OverrideValue, Owner,
    ParamType, Parameter, PuppetClass, Settings, SmartParam, Subnet, Taxonomy, ValidatorType,
};
use lamina_foreman::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The columns of `hosts`, in the order the writer and the reader use.
pub(crate) const HOST_COLS: &[&str] = &[
    "id",
    "name",
    "certname",
    "lookup_certname",
    "hostgroup",
    "organization",
    "location",
    "domain",
    "subnet",
    "subnet6",
    "operatingsystem",
    "architecture",
    "environment",
    "comment",
    "owner_json",
    "root_pass",
    "puppet_proxy",
    "puppet_ca_proxy",
    "facts_json",
    "file_id",
    "line",
];

/// Which rows to read: all, or those whose column is one of the values.
pub(crate) type Filter<'a> = Option<&'a [Arg]>;

/// `WHERE col IN (...)` for a filter, with placeholders from `first`.
fn where_in(col: &str, filter: Filter<'_>, first: usize) -> String {
    match filter {
        None => String::new(),
        Some(vals) => format!("WHERE {col} IN ({})", placeholders(first, vals.len())),
    }
}

/// A reader over one connection, with the origin files loaded.
pub(crate) struct Reader<'c> {
    pub(crate) conn: &'c mut Conn,
    files: Vec<Arc<str>>,
    /// How the store's value columns spell non-finite reals (its schema's).
    spelling: Spelling,
}

type Res<T> = Result<T, String>;

impl<'c> Reader<'c> {
    pub(crate) async fn new(conn: &'c mut Conn, spelling: Spelling) -> Res<Reader<'c>> {
        let rows = conn.fetch("SELECT id, path FROM files ORDER BY id", &[], &[Col::Int, Col::Text]).await?;
        let files = rows.into_iter().map(|mut r| Arc::from(r.text(1))).collect();
        Ok(Reader { conn, files, spelling })
    }

    fn origin(&self, r: &Row, at: usize) -> Origin {
        let file = self.files.get(r.idx(at)).cloned().unwrap_or_else(|| Arc::from("<store>"));
        Origin { file, line: u32::try_from(r.int(at + 1)).unwrap_or(0) }
    }

    /// Run a select; an empty filter list needs no query.
    async fn select(&mut self, sql: &str, filter: Filter<'_>, cols: &[Col]) -> Res<Vec<Row>> {
        if filter.is_some_and(<[Arg]>::is_empty) {
            return Ok(Vec::new());
        }
        self.conn.fetch(sql, filter.unwrap_or(&[]), cols).await
    }

    pub(crate) async fn settings(&mut self) -> Res<Settings> {
        let sql = "SELECT default_lookup_path, matchers_inheritance, enc_environment, root_pass, file_id, line, \
                   interpolate_erb_in_parameters, safemode_render FROM settings WHERE id = 1";
        let cols = [Col::Text, Col::Bool, Col::Bool, Col::Text, Col::Int, Col::Int, Col::Bool, Col::Bool];
        let mut rows = self.conn.fetch(sql, &[], &cols).await?;
        let Some(mut r) = rows.pop() else { return Err("table settings: the settings row is missing".into()) };
        let path = match json::decode(&r.text(0), self.spelling)
            .map_err(|e| format!("table settings: default_lookup_path: {e}"))?
        {
            Value::Array(a) => a.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => return Err("table settings: default_lookup_path is not a list".into()),
        };
        Ok(Settings {
            default_lookup_path: path,
            matchers_inheritance: r.bool(1),
            enc_environment: r.bool(2),
            root_pass: r.opt(3),
            interpolate_erb_in_parameters: r.bool(6),
            safemode_render: r.bool(7),
            origin: self.origin(&r, 4),
        })
    }

    /// Parameters of the given owners (`(kind, ids)`; `None` ids = every owner of that kind),
    /// by owner, in order.
    pub(crate) async fn params(
        &mut self,
        owners: &[(&str, Filter<'_>)],
    ) -> Res<HashMap<(String, i64), Vec<Parameter>>> {
        let mut clauses = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        for (kind, ids) in owners {
            if ids.is_some_and(<[Arg]>::is_empty) {
                continue;
            }
            args.push(Arg::from(*kind));
            let mut c = format!("(owner_kind = ${}", args.len());
            if let Some(ids) = ids {
                c.push_str(&format!(" AND owner_id IN ({}))", placeholders(args.len() + 1, ids.len())));
                args.extend(ids.iter().cloned());
            } else {
                c.push(')');
            }
            clauses.push(c);
        }
        let mut out: HashMap<(String, i64), Vec<Parameter>> = HashMap::new();
        if clauses.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT owner_kind, owner_id, name, value_json, parameter_type, hidden_value, file_id, line \
             FROM parameters WHERE {} ORDER BY owner_kind, owner_id, pos",
            clauses.join(" OR ")
        );
        let cols = [Col::Text, Col::Int, Col::Text, Col::Text, Col::Text, Col::Bool, Col::Int, Col::Int];
        for mut r in self.conn.fetch(&sql, &args, &cols).await? {
            let (kind, owner, name) = (r.text(0), r.int(1), r.text(2));
            let bad = |e: String| format!("table parameters: {kind} #{owner} parameter {name}: {e}");
            let value = json::decode(&r.text(3), self.spelling).map_err(bad)?;
            let parameter_type = match r.opt(4) {
                None => None,
                Some(t) => Some(ParamType::parse(&t).ok_or_else(|| bad(format!("unknown parameter_type {t:?}")))?),
            };
            let p = Parameter { name, value, parameter_type, hidden_value: r.bool(5), origin: self.origin(&r, 6) };
            out.entry((kind, owner)).or_default().push(p);
        }
        Ok(out)
    }

    /// Organizations or locations: `(id, taxonomy)` without parameters.
    pub(crate) async fn taxonomies(&mut self, table: &str, titles: Filter<'_>) -> Res<Vec<(i64, Taxonomy)>> {
        let sql = format!("SELECT id, title, file_id, line FROM {table} {} ORDER BY id", where_in("title", titles, 1));
        let rows = self.select(&sql, titles, &[Col::Int, Col::Text, Col::Int, Col::Int]).await?;
        Ok(rows
            .into_iter()
            .map(|mut r| (r.int(0), Taxonomy { title: r.text(1), parameters: Vec::new(), origin: self.origin(&r, 2) }))
            .collect())
    }

    pub(crate) async fn domains(&mut self, names: Filter<'_>) -> Res<Vec<(i64, Domain)>> {
        let sql =
            format!("SELECT id, name, fullname, file_id, line FROM domains {} ORDER BY id", where_in("name", names, 1));
        let rows = self.select(&sql, names, &[Col::Int, Col::Text, Col::Text, Col::Int, Col::Int]).await?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                let d =
                    Domain { name: r.text(1), fullname: r.opt(2), parameters: Vec::new(), origin: self.origin(&r, 3) };
                (r.int(0), d)
            })
            .collect())
    }

    pub(crate) async fn subnets(&mut self, names: Filter<'_>) -> Res<Vec<(i64, Subnet)>> {
        let sql = format!(
            "SELECT id, name, attrs_json, file_id, line FROM subnets {} ORDER BY id",
            where_in("name", names, 1)
        );
        let rows = self.select(&sql, names, &[Col::Int, Col::Text, Col::Text, Col::Int, Col::Int]).await?;
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows {
            let name = r.text(1);
            let attrs = json::decode_map(&r.text(2), self.spelling)
                .map_err(|e| format!("table subnets: subnet {name}: {e}"))?;
            out.push((r.int(0), Subnet { name, attrs, parameters: Vec::new(), origin: self.origin(&r, 3) }));
        }
        Ok(out)
    }

    pub(crate) async fn operatingsystems(&mut self, titles: Filter<'_>) -> Res<Vec<(i64, OperatingSystem)>> {
        let sql = format!(
            "SELECT id, name, major, minor, description, password_hash, file_id, line, family FROM operatingsystems {} \
             ORDER BY id",
            where_in("title", titles, 1)
        );
        let cols = [Col::Int, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Int, Col::Int, Col::Text];
        let rows = self.select(&sql, titles, &cols).await?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                let o = OperatingSystem {
                    name: r.text(1),
                    major: r.text(2),
                    minor: r.opt(3),
                    description: r.opt(4),
                    password_hash: r.opt(5),
                    family: r.opt(8),
                    parameters: Vec::new(),
                    origin: self.origin(&r, 6),
                };
                (r.int(0), o)
            })
            .collect())
    }

    pub(crate) async fn environments(&mut self) -> Res<Vec<(String, Origin)>> {
        let sql = "SELECT name, file_id, line FROM environments ORDER BY id";
        let rows = self.conn.fetch(sql, &[], &[Col::Text, Col::Int, Col::Int]).await?;
        Ok(rows.into_iter().map(|mut r| (r.text(0), self.origin(&r, 1))).collect())
    }

    /// Lists of names kept per owner (`host_classes`, `config_group_classes`, ...).
    async fn name_lists(
        &mut self,
        table: &str,
        owner_col: &str,
        name_col: &str,
        ids: Filter<'_>,
    ) -> Res<HashMap<i64, Vec<String>>> {
        let sql = format!(
            "SELECT {owner_col}, {name_col} FROM {table} {} ORDER BY {owner_col}, pos",
            where_in(owner_col, ids, 1)
        );
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        for mut r in self.select(&sql, ids, &[Col::Int, Col::Text]).await? {
            out.entry(r.int(0)).or_default().push(r.text(1));
        }
        Ok(out)
    }

    /// Classes with their environments and smart class parameters (no override values): the
    /// classes, and for each key its database id, as `(class index, key index, key id)`.
    pub(crate) async fn classes(&mut self, names: Filter<'_>) -> Res<(Vec<PuppetClass>, Vec<(usize, usize, i64)>)> {
        let sql = format!(
            "SELECT id, name, all_environments, file_id, line FROM puppetclasses {} ORDER BY id",
            where_in("name", names, 1)
        );
        let rows = self.select(&sql, names, &[Col::Int, Col::Text, Col::Bool, Col::Int, Col::Int]).await?;
        let ids: Vec<Arg> = rows.iter().map(|r| Arg::Int(r.int(0))).collect();
        let filter = names.map(|_| ids.as_slice());
        let mut envs = self.name_lists("puppetclass_environments", "class_id", "environment", filter).await?;
        let mut classes = Vec::with_capacity(rows.len());
        let mut by_id = HashMap::new();
        for mut r in rows {
            let id = r.int(0);
            let environments = if r.bool(2) { None } else { Some(envs.remove(&id).unwrap_or_default()) };
            by_id.insert(id, classes.len());
            classes.push(PuppetClass {
                name: r.text(1),
                environments,
                parameters: Vec::new(),
                origin: self.origin(&r, 3),
            });
        }
        let sql = format!(
            "SELECT id, class_id, key_name, parameter_type, default_json, is_override, order_json, merge_overrides, \
             merge_default, avoid_duplicates, omit, hidden_value, validator_type, validator_rule, required, \
             description, file_id, line FROM smart_class_parameters {} ORDER BY class_id, pos",
            where_in("class_id", filter, 1)
        );
        use Col::{Bool as B, Int as I, Text as T};
        let cols = [I, I, T, T, T, B, T, B, B, B, B, B, T, T, B, T, I, I];
        let mut keys = Vec::new();
        for mut r in self.select(&sql, filter, &cols).await? {
            let Some(&ci) = by_id.get(&r.int(1)) else { continue };
            let class = &mut classes[ci];
            let key = r.text(2);
            let bad = |e: String| format!("table smart_class_parameters: {}::{key}: {e}", class.name);
            let t = r.text(3);
            let parameter_type = ParamType::parse(&t).ok_or_else(|| bad(format!("unknown parameter_type {t:?}")))?;
            let default_value = r.opt(4).map(|j| json::decode(&j, self.spelling)).transpose().map_err(bad)?;
            let order = match r.opt(6) {
                None => None,
                Some(j) => Some(
                    order_lines(&json::decode(&j, self.spelling).map_err(bad)?)
                        .ok_or_else(|| bad("bad order".into()))?,
                ),
            };
            let validator_type = match r.opt(12).as_deref() {
                None => None,
                Some("regexp") => Some(ValidatorType::Regexp),
                Some("list") => Some(ValidatorType::List),
                Some(o) => return Err(bad(format!("unknown validator_type {o:?}"))),
            };
            keys.push((ci, class.parameters.len(), r.int(0)));
            class.parameters.push(SmartParam {
                key,
                parameter_type,
                default_value,
                override_: r.bool(5),
                order,
                merge_overrides: r.bool(7),
                merge_default: r.bool(8),
                avoid_duplicates: r.bool(9),
                omit: r.bool(10),
                hidden_value: r.bool(11),
                validator_type,
                validator_rule: r.opt(13),
                required: r.bool(14),
                description: r.opt(15),
                override_values: Vec::new(),
                origin: self.origin(&r, 16),
            });
        }
        Ok((classes, keys))
    }

    /// Override values, all (`None`) or those of the given keys whose sanitized match is one
    /// of `matches`; `(key id, value)` in key and position order.
    pub(crate) async fn override_values(&mut self, only: Option<(&[Arg], &[Arg])>) -> Res<Vec<(i64, OverrideValue)>> {
        let mut args = Vec::new();
        let filter = match only {
            None => String::new(),
            Some((keys, matches)) => {
                if keys.is_empty() || matches.is_empty() {
                    return Ok(Vec::new());
                }
                args.extend_from_slice(keys);
                args.extend_from_slice(matches);
                format!(
                    "WHERE key_id IN ({}) AND match_key IN ({})",
                    placeholders(1, keys.len()),
                    placeholders(keys.len() + 1, matches.len())
                )
            }
        };
        let sql = format!(
            "SELECT key_id, match_text, value_json, omit, file_id, line FROM override_values {filter} \
             ORDER BY key_id, pos"
        );
        let cols = [Col::Int, Col::Text, Col::Text, Col::Bool, Col::Int, Col::Int];
        let mut out = Vec::new();
        for mut r in self.conn.fetch(&sql, &args, &cols).await? {
            let m = r.text(1);
            let value = r
                .opt(2)
                .map(|j| json::decode(&j, self.spelling))
                .transpose()
                .map_err(|e| format!("table override_values: key #{} match {m:?}: {e}", r.int(0)))?;
            out.push((r.int(0), OverrideValue { match_: m, value, omit: r.bool(3), origin: self.origin(&r, 4) }));
        }
        Ok(out)
    }

    /// The override values of one key, in position order.
    pub(crate) async fn override_values_of(&mut self, key: i64) -> Res<Vec<OverrideValue>> {
        let sql = "SELECT key_id, match_text, value_json, omit, file_id, line FROM override_values \
                   WHERE key_id = $1 ORDER BY pos";
        let cols = [Col::Int, Col::Text, Col::Text, Col::Bool, Col::Int, Col::Int];
        let mut out = Vec::new();
        for mut r in self.conn.fetch(sql, &[Arg::Int(key)], &cols).await? {
            let m = r.text(1);
            let value = r
                .opt(2)
                .map(|j| json::decode(&j, self.spelling))
                .transpose()
                .map_err(|e| format!("table override_values: key #{key} match {m:?}: {e}"))?;
            out.push(OverrideValue { match_: m, value, omit: r.bool(3), origin: self.origin(&r, 4) });
        }
        Ok(out)
    }

    pub(crate) async fn config_groups(&mut self, names: Filter<'_>) -> Res<Vec<ConfigGroup>> {
        let sql =
            format!("SELECT id, name, file_id, line FROM config_groups {} ORDER BY id", where_in("name", names, 1));
        let rows = self.select(&sql, names, &[Col::Int, Col::Text, Col::Int, Col::Int]).await?;
        let ids: Vec<Arg> = rows.iter().map(|r| Arg::Int(r.int(0))).collect();
        let mut lists = self
            .name_lists("config_group_classes", "config_group_id", "class_name", names.map(|_| ids.as_slice()))
            .await?;
        Ok(rows
            .into_iter()
            .map(|mut r| ConfigGroup {
                puppetclasses: lists.remove(&r.int(0)).unwrap_or_default(),
                name: r.text(1),
                origin: self.origin(&r, 2),
            })
            .collect())
    }

    pub(crate) async fn hostgroups(&mut self, titles: Filter<'_>) -> Res<Vec<(i64, Hostgroup)>> {
        let sql = format!(
            "SELECT id, title, environment, root_pass, puppet_proxy, puppet_ca_proxy, file_id, line FROM hostgroups \
             {} ORDER BY id",
            where_in("title", titles, 1)
        );
        let cols = [Col::Int, Col::Text, Col::Text, Col::Text, Col::Text, Col::Text, Col::Int, Col::Int];
        let rows = self.select(&sql, titles, &cols).await?;
        let ids: Vec<Arg> = rows.iter().map(|r| Arg::Int(r.int(0))).collect();
        let f = titles.map(|_| ids.as_slice());
        let mut classes = self.name_lists("hostgroup_classes", "hostgroup_id", "class_name", f).await?;
        let mut cgs = self.name_lists("hostgroup_config_groups", "hostgroup_id", "config_group", f).await?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                let id = r.int(0);
                let g = Hostgroup {
                    title: r.text(1),
                    environment: r.opt(2),
                    puppetclasses: classes.remove(&id).unwrap_or_default(),
                    config_groups: cgs.remove(&id).unwrap_or_default(),
                    parameters: Vec::new(),
                    root_pass: r.opt(3),
                    puppet_proxy: r.opt(4),
                    puppet_ca_proxy: r.opt(5),
                    origin: self.origin(&r, 6),
                };
                (id, g)
            })
            .collect())
    }

    /// Hosts, all (`None`) or the one whose `col` is `value`, with classes, config groups and
    /// interfaces (no parameters).
    pub(crate) async fn hosts(&mut self, one: Option<(&str, &str)>) -> Res<Vec<(i64, Host)>> {
        let sel = HOST_COLS.join(", ");
        let (sql, args) = match one {
            None => (format!("SELECT {sel} FROM hosts ORDER BY id"), Vec::new()),
            Some((col, v)) => (format!("SELECT {sel} FROM hosts WHERE {col} = $1"), vec![Arg::from(v)]),
        };
        let mut cols = vec![Col::Text; HOST_COLS.len()];
        cols[0] = Col::Int;
        cols[19] = Col::Int;
        cols[20] = Col::Int;
        let rows = self.conn.fetch(&sql, &args, &cols).await?;
        let ids: Vec<Arg> = rows.iter().map(|r| Arg::Int(r.int(0))).collect();
        let f = one.map(|_| ids.as_slice());
        let mut classes = self.name_lists("host_classes", "host_id", "class_name", f).await?;
        let mut cgs = self.name_lists("host_config_groups", "host_id", "config_group", f).await?;
        let nic_sql = format!(
            "SELECT host_id, attrs_json, file_id, line FROM interfaces {} ORDER BY host_id, pos",
            where_in("host_id", f, 1)
        );
        let mut nics: HashMap<i64, Vec<Interface>> = HashMap::new();
        for mut r in self.select(&nic_sql, f, &[Col::Int, Col::Text, Col::Int, Col::Int]).await? {
            let attrs = json::decode_map(&r.text(1), self.spelling)
                .map_err(|e| format!("table interfaces: host #{}: {e}", r.int(0)))?;
            nics.entry(r.int(0)).or_default().push(Interface { attrs, origin: self.origin(&r, 2) });
        }
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows {
            let id = r.int(0);
            let name = r.text(1);
            let bad = |e: String| format!("table hosts: host {name}: {e}");
            let owner = match r.opt(14) {
                None => None,
                Some(j) => {
                    let m = json::decode_map(&j, self.spelling).map_err(bad)?;
                    let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
                    Some(Owner { name: s("name"), email: s("email") })
                }
            };
            let facts: Map = json::decode_map(&r.text(18), self.spelling).map_err(bad)?;
            let h = Host {
                certname: r.opt(2),
                hostgroup: r.opt(4),
                organization: r.opt(5),
                location: r.opt(6),
                domain: r.opt(7),
                subnet: r.opt(8),
                subnet6: r.opt(9),
                operatingsystem: r.opt(10),
                architecture: r.opt(11),
                environment: r.opt(12),
                puppetclasses: classes.remove(&id).unwrap_or_default(),
                config_groups: cgs.remove(&id).unwrap_or_default(),
                parameters: Vec::new(),
                comment: r.opt(13),
                owner,
                root_pass: r.opt(15),
                puppet_proxy: r.opt(16),
                puppet_ca_proxy: r.opt(17),
                interfaces: nics.remove(&id).unwrap_or_default(),
                facts: facts.into(),
                origin: self.origin(&r, 19),
                name,
            };
            out.push((id, h));
        }
        Ok(out)
    }
}

/// `[[attr, ...], ...]` back into order lines.
fn order_lines(v: &Value) -> Option<Vec<Vec<String>>> {
    let Value::Array(lines) = v else { return None };
    lines
        .iter()
        .map(|l| match l {
            Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
            _ => None,
        })
        .collect()
}

/// Attach parameters read by [`Reader::params`] to their owners.
pub(crate) fn take_params(all: &mut HashMap<(String, i64), Vec<Parameter>>, kind: &str, id: i64) -> Vec<Parameter> {
    all.remove(&(kind.to_string(), id)).unwrap_or_default()
}

/// The whole estate source.
pub(crate) async fn read_all(conn: &mut Conn, spelling: Spelling) -> Res<EstateSource> {
    let mut r = Reader::new(conn, spelling).await?;
    let settings = r.settings().await?;
    let kinds = ["global", "organization", "location", "domain", "subnet", "os", "hostgroup", "host"];
    let owners: Vec<(&str, Filter<'_>)> = kinds.iter().map(|k| (*k, None)).collect();
    let mut params = r.params(&owners).await?;
    let mut tax = |list: Vec<(i64, Taxonomy)>, kind: &str| -> Vec<Taxonomy> {
        list.into_iter()
            .map(|(id, mut t)| {
                t.parameters = take_params(&mut params, kind, id);
                t
            })
            .collect()
    };
    let organizations = tax(r.taxonomies("organizations", None).await?, "organization");
    let locations = tax(r.taxonomies("locations", None).await?, "location");
    let mut src = EstateSource {
        settings,
        parameters: take_params(&mut params, "global", 0),
        organizations,
        locations,
        environments: r.environments().await?,
        ..EstateSource::default()
    };
    for (id, mut d) in r.domains(None).await? {
        d.parameters = take_params(&mut params, "domain", id);
        src.domains.push(d);
    }
    for (id, mut s) in r.subnets(None).await? {
        s.parameters = take_params(&mut params, "subnet", id);
        src.subnets.push(s);
    }
    for (id, mut o) in r.operatingsystems(None).await? {
        o.parameters = take_params(&mut params, "os", id);
        src.operatingsystems.push(o);
    }
    let (mut classes, keys) = r.classes(None).await?;
    let at: HashMap<i64, (usize, usize)> = keys.into_iter().map(|(c, k, id)| (id, (c, k))).collect();
    for (key, v) in r.override_values(None).await? {
        if let Some(&(c, k)) = at.get(&key) {
            classes[c].parameters[k].override_values.push(v);
        }
    }
    src.puppetclasses = classes;
    src.config_groups = r.config_groups(None).await?;
    for (id, mut g) in r.hostgroups(None).await? {
        g.parameters = take_params(&mut params, "hostgroup", id);
        src.hostgroups.push(g);
    }
    for (id, mut h) in r.hosts(None).await? {
        h.parameters = take_params(&mut params, "host", id);
        src.hosts.push(h);
    }
    Ok(src)
}
