//! Writing a validated estate source into the store: every row of every table, in one
//! transaction that first empties the store (an import replaces the previous content).

use super::db::{Arg, Batch, Col, Conn};
use super::json;
use lamina_foreman::model::{EstateSource, Host, Hostgroup, Origin, OverrideValue, Parameter, SmartParam};
use lamina_foreman::sanitize_match;
use std::collections::HashMap;

/// Every table, children first (the order the store is emptied in).
pub(crate) const TABLES: [&str; 22] = [
    "interfaces",
    "host_config_groups",
    "host_classes",
    "hosts",
    "hostgroup_config_groups",
    "hostgroup_classes",
    "hostgroups",
    "config_group_classes",
    "config_groups",
    "override_values",
    "smart_class_parameters",
    "puppetclass_environments",
    "puppetclasses",
    "environments",
    "operatingsystems",
    "subnets",
    "domains",
    "locations",
    "organizations",
    "parameters",
    "settings",
    "files",
];

/// Origin files, interned: each row stores a small id instead of the path.
#[derive(Debug, Default)]
pub(crate) struct Files {
    ids: HashMap<String, i64>,
    next: i64,
    /// Rows of paths not yet in the store.
    rows: Vec<Vec<Arg>>,
}

impl Files {
    /// The files the store already has (for a change written into an existing estate).
    pub(crate) async fn load(conn: &mut Conn) -> Result<Files, String> {
        let rows = conn.fetch("SELECT id, path FROM files", &[], &[Col::Int, Col::Text]).await?;
        let mut files = Files::default();
        for mut r in rows {
            files.next = files.next.max(r.int(0) + 1);
            files.ids.insert(r.text(1), r.int(0));
        }
        Ok(files)
    }

    /// `(file_id, line)` arguments for an origin.
    fn origin(&mut self, o: &Origin) -> [Arg; 2] {
        let next = self.next;
        let id = *self.ids.entry(o.file.to_string()).or_insert_with(|| {
            self.rows.push(vec![Arg::Int(next), Arg::from(o.file.to_string())]);
            self.next += 1;
            next
        });
        [Arg::Int(id), Arg::from(o.line)]
    }
}

pub(crate) struct Writer<'c> {
    pub(crate) conn: &'c mut Conn,
    pub(crate) files: Files,
    params: Batch,
}

async fn insert(
    conn: &mut Conn,
    table: &'static str,
    cols: &'static [&'static str],
    rows: Vec<Vec<Arg>>,
) -> Result<(), String> {
    let mut b = Batch::new(table, cols);
    for row in rows {
        b.row(conn, row).await?;
    }
    b.flush(conn).await
}

const PARAM_COLS: &[&str] =
    &["owner_kind", "owner_id", "pos", "name", "value_json", "parameter_type", "hidden_value", "file_id", "line"];

impl<'c> Writer<'c> {
    pub(crate) fn new(conn: &'c mut Conn, files: Files) -> Writer<'c> {
        Writer { conn, files, params: Batch::new("parameters", PARAM_COLS) }
    }

    /// Write what is still queued: parameters, then the new files' rows.
    pub(crate) async fn finish(mut self) -> Result<(), String> {
        let mut params = std::mem::replace(&mut self.params, Batch::new("parameters", PARAM_COLS));
        params.flush(self.conn).await?;
        let file_rows = std::mem::take(&mut self.files.rows);
        self.table("files", &["id", "path"], file_rows, |_, r| r).await
    }

    pub(crate) async fn params(&mut self, kind: &str, owner: impl Into<Arg>, list: &[Parameter]) -> Result<(), String> {
        let owner: Arg = owner.into();
        for (pos, p) in list.iter().enumerate() {
            let [f, l] = self.files.origin(&p.origin);
            let row = vec![
                Arg::from(kind),
                owner.clone(),
                Arg::from(pos),
                Arg::from(&p.name),
                Arg::from(json::encode(&p.value)),
                Arg::Text(p.parameter_type.map(|t| t.name().to_string())),
                Arg::from(p.hidden_value),
                f,
                l,
            ];
            self.params.row(self.conn, row).await?;
        }
        Ok(())
    }

    /// Insert `rows` built by `f` into `table`. The rows are built before anything is awaited,
    /// so that the future holds only owned rows (and stays `Send` for a multi-threaded server).
    fn table<T>(
        &mut self,
        table: &'static str,
        cols: &'static [&'static str],
        items: impl IntoIterator<Item = T>,
        mut f: impl FnMut(&mut Files, T) -> Vec<Arg>,
    ) -> super::live::BoxFuture<'_, Result<(), String>> {
        let rows: Vec<Vec<Arg>> = items.into_iter().map(|it| f(&mut self.files, it)).collect();
        Box::pin(insert(self.conn, table, cols, rows))
    }

    /// Insert `(owner, pos, name)` rows of a list of names per owner.
    fn names<'a>(
        &mut self,
        table: &'static str,
        cols: &'static [&'static str],
        lists: impl IntoIterator<Item = (i64, &'a [String])>,
    ) -> super::live::BoxFuture<'_, Result<(), String>> {
        let rows: Vec<Vec<Arg>> = lists
            .into_iter()
            .flat_map(|(owner, list)| {
                list.iter().enumerate().map(move |(pos, n)| vec![Arg::Int(owner), Arg::from(pos), Arg::from(n)])
            })
            .collect();
        Box::pin(insert(self.conn, table, cols, rows))
    }

    /// Host groups with their ids: their rows, classes, config groups and parameters.
    pub(crate) async fn hostgroups(&mut self, items: &[(i64, &Hostgroup)]) -> Result<(), String> {
        self.table("hostgroups", HG_COLS, items.iter().copied(), |files, (i, g)| hostgroup_row(files, i, g)).await?;
        let lists = items.iter().map(|(i, g)| (*i, g.puppetclasses.as_slice()));
        self.names("hostgroup_classes", &["hostgroup_id", "pos", "class_name"], lists).await?;
        let lists = items.iter().map(|(i, g)| (*i, g.config_groups.as_slice()));
        self.names("hostgroup_config_groups", &["hostgroup_id", "pos", "config_group"], lists).await?;
        for (i, g) in items {
            self.params("hostgroup", *i, &g.parameters).await?;
        }
        Ok(())
    }

    /// Hosts with their ids: their rows, classes, config groups, interfaces and parameters.
    pub(crate) async fn hosts(&mut self, items: &[(i64, &Host)]) -> Result<(), String> {
        self.table("hosts", super::read::HOST_COLS, items.iter().copied(), |files, (i, h)| host_row(files, i, h))
            .await?;
        let lists = items.iter().map(|(i, h)| (*i, h.puppetclasses.as_slice()));
        self.names("host_classes", &["host_id", "pos", "class_name"], lists).await?;
        let lists = items.iter().map(|(i, h)| (*i, h.config_groups.as_slice()));
        self.names("host_config_groups", &["host_id", "pos", "config_group"], lists).await?;
        let nics = items.iter().flat_map(|(h, host)| host.interfaces.iter().enumerate().map(move |(p, n)| (*h, p, n)));
        self.table("interfaces", &["host_id", "pos", "attrs_json", "file_id", "line"], nics, |files, (h, p, n)| {
            let [f, l] = files.origin(&n.origin);
            vec![Arg::Int(h), Arg::from(p), Arg::from(json::encode_map(&n.attrs)), f, l]
        })
        .await?;
        for (i, h) in items {
            self.params("host", *i, &h.parameters).await?;
        }
        Ok(())
    }

    /// Smart class parameters as `(id, class id, position in the class, key)`, with their
    /// override values.
    pub(crate) async fn keys(&mut self, items: &[(i64, i64, i64, &SmartParam)]) -> Result<(), String> {
        self.table("smart_class_parameters", KEY_COLS, items.iter().copied(), |files, (id, ci, pos, k)| {
            key_row(files, id, ci, pos, k)
        })
        .await?;
        let values =
            items.iter().flat_map(|(id, _, _, k)| k.override_values.iter().enumerate().map(move |(p, v)| (*id, p, v)));
        self.table("override_values", OV_COLS, values, |files, (id, pos, v)| override_row(files, id, pos, v)).await
    }
}

const HG_COLS: &[&str] =
    &["id", "title", "environment", "root_pass", "puppet_proxy", "puppet_ca_proxy", "file_id", "line"];

fn hostgroup_row(files: &mut Files, i: i64, g: &Hostgroup) -> Vec<Arg> {
    let [f, l] = files.origin(&g.origin);
    vec![
        Arg::Int(i),
        Arg::from(&g.title),
        Arg::from(&g.environment),
        Arg::from(&g.root_pass),
        Arg::from(&g.puppet_proxy),
        Arg::from(&g.puppet_ca_proxy),
        f,
        l,
    ]
}

fn host_row(files: &mut Files, i: i64, h: &Host) -> Vec<Arg> {
    let [f, l] = files.origin(&h.origin);
    let owner = h.owner.as_ref().map(|o| {
        let mut m = lamina_foreman::Map::new();
        for (k, v) in [("name", &o.name), ("email", &o.email)] {
            if let Some(v) = v {
                m.insert(k.to_string(), v.as_str().into());
            }
        }
        json::encode_map(&m)
    });
    vec![
        Arg::Int(i),
        Arg::from(&h.name),
        Arg::from(&h.certname),
        Arg::from(h.certname()),
        Arg::from(&h.hostgroup),
        Arg::from(&h.organization),
        Arg::from(&h.location),
        Arg::from(&h.domain),
        Arg::from(&h.subnet),
        Arg::from(&h.subnet6),
        Arg::from(&h.operatingsystem),
        Arg::from(&h.architecture),
        Arg::from(&h.environment),
        Arg::from(&h.comment),
        Arg::Text(owner),
        Arg::from(&h.root_pass),
        Arg::from(&h.puppet_proxy),
        Arg::from(&h.puppet_ca_proxy),
        Arg::from(json::encode_map(&h.facts)),
        f,
        l,
    ]
}

const KEY_COLS: &[&str] = &[
    "id",
    "class_id",
    "pos",
    "key_name",
    "parameter_type",
    "default_json",
    "is_override",
    "order_json",
    "merge_overrides",
    "merge_default",
    "avoid_duplicates",
    "omit",
    "hidden_value",
    "validator_type",
    "validator_rule",
    "required",
    "description",
    "file_id",
    "line",
];

fn key_row(files: &mut Files, id: i64, ci: i64, pos: i64, k: &SmartParam) -> Vec<Arg> {
    let [f, l] = files.origin(&k.origin);
    let order = k.order.as_ref().map(|lines| {
        let v = lamina_foreman::Value::Array(
            lines.iter().map(|l| lamina_foreman::Value::Array(l.iter().map(|a| a.as_str().into()).collect())).collect(),
        );
        json::encode(&v)
    });
    vec![
        Arg::Int(id),
        Arg::Int(ci),
        Arg::Int(pos),
        Arg::from(&k.key),
        Arg::from(k.parameter_type.name()),
        Arg::Text(k.default_value.as_ref().map(json::encode)),
        Arg::from(k.override_),
        Arg::Text(order),
        Arg::from(k.merge_overrides),
        Arg::from(k.merge_default),
        Arg::from(k.avoid_duplicates),
        Arg::from(k.omit),
        Arg::from(k.hidden_value),
        Arg::Text(k.validator_type.as_ref().map(|t| lamina_estate::write::validator_name(t).to_string())),
        Arg::from(&k.validator_rule),
        Arg::from(k.required),
        Arg::from(&k.description),
        f,
        l,
    ]
}

const OV_COLS: &[&str] = &["key_id", "pos", "match_text", "match_key", "value_json", "omit", "file_id", "line"];

fn override_row(files: &mut Files, key_id: i64, pos: usize, v: &OverrideValue) -> Vec<Arg> {
    let [f, l] = files.origin(&v.origin);
    // The estate was validated, so every match sanitizes; keep the text as is otherwise.
    let key = sanitize_match(&v.match_).map_or_else(|| v.match_.clone(), |(_, s)| s);
    vec![
        Arg::Int(key_id),
        Arg::from(pos),
        Arg::from(&v.match_),
        Arg::from(key),
        Arg::Text(v.value.as_ref().map(json::encode)),
        Arg::from(v.omit),
        f,
        l,
    ]
}

fn id(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

/// Empty the store and write `src`. The caller holds the transaction.
#[allow(clippy::too_many_lines)]
pub(crate) async fn write(conn: &mut Conn, src: &EstateSource) -> Result<(), String> {
    for t in TABLES {
        conn.exec(&format!("DELETE FROM {t}"), &[]).await.map_err(|e| format!("table {t}: {e}"))?;
    }
    let mut w = Writer::new(conn, Files::default());

    let s = &src.settings;
    let [f, l] = w.files.origin(&s.origin);
    let lookup = lamina_foreman::Value::Array(s.default_lookup_path.iter().map(|p| p.as_str().into()).collect());
    let row = vec![
        Arg::Int(1),
        Arg::from(json::encode(&lookup)),
        Arg::from(s.matchers_inheritance),
        Arg::from(s.enc_environment),
        Arg::from(&s.root_pass),
        f,
        l,
        Arg::from(s.interpolate_erb_in_parameters),
        Arg::from(s.safemode_render),
    ];
    let cols: &[&str] = &[
        "id",
        "default_lookup_path",
        "matchers_inheritance",
        "enc_environment",
        "root_pass",
        "file_id",
        "line",
        "interpolate_erb_in_parameters",
        "safemode_render",
    ];
    w.table("settings", cols, [row], |_, r| r).await?;
    w.params("global", 0_i64, &src.parameters).await?;

    for (table, kind, list) in
        [("organizations", "organization", &src.organizations), ("locations", "location", &src.locations)]
    {
        w.table(table, &["id", "title", "file_id", "line"], list.iter().enumerate(), |files, (i, t)| {
            let [f, l] = files.origin(&t.origin);
            vec![Arg::from(i), Arg::from(&t.title), f, l]
        })
        .await?;
        for (i, t) in list.iter().enumerate() {
            w.params(kind, i, &t.parameters).await?;
        }
    }

    w.table(
        "domains",
        &["id", "name", "fullname", "file_id", "line"],
        src.domains.iter().enumerate(),
        |files, (i, d)| {
            let [f, l] = files.origin(&d.origin);
            vec![Arg::from(i), Arg::from(&d.name), Arg::from(&d.fullname), f, l]
        },
    )
    .await?;
    w.table(
        "subnets",
        &["id", "name", "attrs_json", "file_id", "line"],
        src.subnets.iter().enumerate(),
        |files, (i, s)| {
            let [f, l] = files.origin(&s.origin);
            vec![Arg::from(i), Arg::from(&s.name), Arg::from(json::encode_map(&s.attrs)), f, l]
        },
    )
    .await?;
    let os_cols: &[&str] =
        &["id", "title", "name", "major", "minor", "description", "password_hash", "file_id", "line", "family"];
    w.table("operatingsystems", os_cols, src.operatingsystems.iter().enumerate(), |files, (i, o)| {
        let [f, l] = files.origin(&o.origin);
        vec![
            Arg::from(i),
            Arg::from(o.title()),
            Arg::from(&o.name),
            Arg::from(&o.major),
            Arg::from(&o.minor),
            Arg::from(&o.description),
            Arg::from(&o.password_hash),
            f,
            l,
            Arg::from(&o.family),
        ]
    })
    .await?;
    for (i, d) in src.domains.iter().enumerate() {
        w.params("domain", i, &d.parameters).await?;
    }
    for (i, s) in src.subnets.iter().enumerate() {
        w.params("subnet", i, &s.parameters).await?;
    }
    for (i, o) in src.operatingsystems.iter().enumerate() {
        w.params("os", i, &o.parameters).await?;
    }
    w.table(
        "environments",
        &["id", "name", "file_id", "line"],
        src.environments.iter().enumerate(),
        |files, (i, e)| {
            let [f, l] = files.origin(&e.1);
            vec![Arg::from(i), Arg::from(&e.0), f, l]
        },
    )
    .await?;

    // Classes, their environments, their smart class parameters and override values.
    w.table(
        "puppetclasses",
        &["id", "name", "all_environments", "file_id", "line"],
        src.puppetclasses.iter().enumerate(),
        |files, (i, c)| {
            let [f, l] = files.origin(&c.origin);
            vec![Arg::from(i), Arg::from(&c.name), Arg::from(c.environments.is_none()), f, l]
        },
    )
    .await?;
    let env_lists =
        src.puppetclasses.iter().enumerate().map(|(i, c)| (id(i), c.environments.as_deref().unwrap_or(&[])));
    w.names("puppetclass_environments", &["class_id", "pos", "environment"], env_lists).await?;
    let keys: Vec<_> = src
        .puppetclasses
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| c.parameters.iter().enumerate().map(move |(p, k)| (id(ci), id(p), k)))
        .enumerate()
        .map(|(i, (ci, p, k))| (id(i), ci, p, k))
        .collect();
    w.keys(&keys).await?;

    w.table(
        "config_groups",
        &["id", "name", "file_id", "line"],
        src.config_groups.iter().enumerate(),
        |files, (i, c)| {
            let [f, l] = files.origin(&c.origin);
            vec![Arg::from(i), Arg::from(&c.name), f, l]
        },
    )
    .await?;
    let lists = src.config_groups.iter().enumerate().map(|(i, c)| (id(i), c.puppetclasses.as_slice()));
    w.names("config_group_classes", &["config_group_id", "pos", "class_name"], lists).await?;

    let groups: Vec<_> = src.hostgroups.iter().enumerate().map(|(i, g)| (id(i), g)).collect();
    w.hostgroups(&groups).await?;
    let hosts: Vec<_> = src.hosts.iter().enumerate().map(|(i, h)| (id(i), h)).collect();
    w.hosts(&hosts).await?;
    w.finish().await
}
