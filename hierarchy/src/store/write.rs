//! Writing a validated estate source into the store: every row of every table, in one
//! transaction that first empties the store (an import replaces the previous content).

use super::db::{Arg, Batch, Conn};
use super::json;
use lamina_resolver::compile::sanitize_match;
use lamina_resolver::model::{EstateSource, Origin, Parameter};
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
struct Files {
    ids: HashMap<String, i64>,
    rows: Vec<Vec<Arg>>,
}

impl Files {
    /// `(file_id, line)` arguments for an origin.
    fn origin(&mut self, o: &Origin) -> [Arg; 2] {
        let next = i64::try_from(self.ids.len()).unwrap_or(i64::MAX);
        let id = *self.ids.entry(o.file.to_string()).or_insert_with(|| {
            self.rows.push(vec![Arg::Int(next), Arg::from(o.file.to_string())]);
            next
        });
        [Arg::Int(id), Arg::from(o.line)]
    }
}

struct Writer<'c> {
    conn: &'c mut Conn,
    files: Files,
    params: Batch,
}

const PARAM_COLS: &[&str] =
    &["owner_kind", "owner_id", "pos", "name", "value_json", "parameter_type", "hidden_value", "file_id", "line"];

impl Writer<'_> {
    async fn params(&mut self, kind: &str, owner: usize, list: &[Parameter]) -> Result<(), String> {
        for (pos, p) in list.iter().enumerate() {
            let [f, l] = self.files.origin(&p.origin);
            let row = vec![
                Arg::from(kind),
                Arg::from(owner),
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

    /// Insert `rows` built by `f` into `table`.
    async fn table<T>(
        &mut self,
        table: &'static str,
        cols: &'static [&'static str],
        items: impl IntoIterator<Item = T>,
        mut f: impl FnMut(&mut Files, T) -> Vec<Arg>,
    ) -> Result<(), String> {
        let mut b = Batch::new(table, cols);
        for it in items {
            let row = f(&mut self.files, it);
            b.row(self.conn, row).await?;
        }
        b.flush(self.conn).await
    }

    /// Insert `(owner, pos, name)` rows of a list of names per owner.
    async fn names<'a>(
        &mut self,
        table: &'static str,
        cols: &'static [&'static str],
        lists: impl IntoIterator<Item = &'a [String]>,
    ) -> Result<(), String> {
        let rows = lists.into_iter().enumerate().flat_map(|(owner, list)| {
            list.iter().enumerate().map(move |(pos, n)| vec![Arg::from(owner), Arg::from(pos), Arg::from(n)])
        });
        self.table(table, cols, rows, |_, r| r).await
    }
}

/// Empty the store and write `src`. The caller holds the transaction.
#[allow(clippy::too_many_lines)]
pub(crate) async fn write(conn: &mut Conn, src: &EstateSource) -> Result<(), String> {
    for t in TABLES {
        conn.exec(&format!("DELETE FROM {t}"), &[]).await.map_err(|e| format!("table {t}: {e}"))?;
    }
    let mut w = Writer { conn, files: Files::default(), params: Batch::new("parameters", PARAM_COLS) };

    let s = &src.settings;
    let [f, l] = w.files.origin(&s.origin);
    let lookup = lamina_resolver::Value::Array(s.default_lookup_path.iter().map(|p| p.as_str().into()).collect());
    let row = vec![
        Arg::Int(1),
        Arg::from(json::encode(&lookup)),
        Arg::from(s.matchers_inheritance),
        Arg::from(s.enc_environment),
        Arg::from(&s.root_pass),
        f,
        l,
    ];
    let cols: &[&str] =
        &["id", "default_lookup_path", "matchers_inheritance", "enc_environment", "root_pass", "file_id", "line"];
    w.table("settings", cols, [row], |_, r| r).await?;
    w.params("global", 0, &src.parameters).await?;

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
        &["id", "title", "name", "major", "minor", "description", "password_hash", "file_id", "line"];
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
    let env_lists: Vec<&[String]> =
        src.puppetclasses.iter().map(|c| c.environments.as_deref().unwrap_or(&[])).collect();
    w.names("puppetclass_environments", &["class_id", "pos", "environment"], env_lists).await?;
    let keys = src
        .puppetclasses
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| c.parameters.iter().enumerate().map(move |(p, k)| (ci, p, k)));
    let keys: Vec<_> = keys.collect();
    let key_cols: &[&str] = &[
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
    w.table("smart_class_parameters", key_cols, keys.iter().enumerate(), |files, (id, (ci, pos, k))| {
        let [f, l] = files.origin(&k.origin);
        let order = k.order.as_ref().map(|lines| {
            let v = lamina_resolver::Value::Array(
                lines
                    .iter()
                    .map(|l| lamina_resolver::Value::Array(l.iter().map(|a| a.as_str().into()).collect()))
                    .collect(),
            );
            json::encode(&v)
        });
        vec![
            Arg::from(id),
            Arg::from(*ci),
            Arg::from(*pos),
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
            Arg::Text(k.validator_type.as_ref().map(|t| super::validator_name(t).to_string())),
            Arg::from(&k.validator_rule),
            Arg::from(k.required),
            Arg::from(&k.description),
            f,
            l,
        ]
    })
    .await?;
    let values = keys
        .iter()
        .enumerate()
        .flat_map(|(id, (_, _, k))| k.override_values.iter().enumerate().map(move |(p, v)| (id, p, v)));
    let ov_cols: &[&str] = &["key_id", "pos", "match_text", "match_key", "value_json", "omit", "file_id", "line"];
    w.table("override_values", ov_cols, values, |files, (id, pos, v)| {
        let [f, l] = files.origin(&v.origin);
        // The estate was validated, so every match sanitizes; keep the text as is otherwise.
        let key = sanitize_match(&v.match_).map_or_else(|| v.match_.clone(), |(_, s)| s);
        vec![
            Arg::from(id),
            Arg::from(pos),
            Arg::from(&v.match_),
            Arg::from(key),
            Arg::Text(v.value.as_ref().map(json::encode)),
            Arg::from(v.omit),
            f,
            l,
        ]
    })
    .await?;

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
    let lists: Vec<&[String]> = src.config_groups.iter().map(|c| c.puppetclasses.as_slice()).collect();
    w.names("config_group_classes", &["config_group_id", "pos", "class_name"], lists).await?;

    let hg_cols: &[&str] =
        &["id", "title", "environment", "root_pass", "puppet_proxy", "puppet_ca_proxy", "file_id", "line"];
    w.table("hostgroups", hg_cols, src.hostgroups.iter().enumerate(), |files, (i, g)| {
        let [f, l] = files.origin(&g.origin);
        vec![
            Arg::from(i),
            Arg::from(&g.title),
            Arg::from(&g.environment),
            Arg::from(&g.root_pass),
            Arg::from(&g.puppet_proxy),
            Arg::from(&g.puppet_ca_proxy),
            f,
            l,
        ]
    })
    .await?;
    let lists: Vec<&[String]> = src.hostgroups.iter().map(|g| g.puppetclasses.as_slice()).collect();
    w.names("hostgroup_classes", &["hostgroup_id", "pos", "class_name"], lists).await?;
    let lists: Vec<&[String]> = src.hostgroups.iter().map(|g| g.config_groups.as_slice()).collect();
    w.names("hostgroup_config_groups", &["hostgroup_id", "pos", "config_group"], lists).await?;
    for (i, g) in src.hostgroups.iter().enumerate() {
        w.params("hostgroup", i, &g.parameters).await?;
    }

    w.table("hosts", super::read::HOST_COLS, src.hosts.iter().enumerate(), |files, (i, h)| {
        let [f, l] = files.origin(&h.origin);
        let owner = h.owner.as_ref().map(|o| {
            let mut m = lamina_resolver::Map::new();
            for (k, v) in [("name", &o.name), ("email", &o.email)] {
                if let Some(v) = v {
                    m.insert(k.to_string(), v.as_str().into());
                }
            }
            json::encode_map(&m)
        });
        vec![
            Arg::from(i),
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
    })
    .await?;
    let lists: Vec<&[String]> = src.hosts.iter().map(|h| h.puppetclasses.as_slice()).collect();
    w.names("host_classes", &["host_id", "pos", "class_name"], lists).await?;
    let lists: Vec<&[String]> = src.hosts.iter().map(|h| h.config_groups.as_slice()).collect();
    w.names("host_config_groups", &["host_id", "pos", "config_group"], lists).await?;
    let nics = src
        .hosts
        .iter()
        .enumerate()
        .flat_map(|(h, host)| host.interfaces.iter().enumerate().map(move |(p, n)| (h, p, n)));
    w.table("interfaces", &["host_id", "pos", "attrs_json", "file_id", "line"], nics, |files, (h, p, n)| {
        let [f, l] = files.origin(&n.origin);
        vec![Arg::from(h), Arg::from(p), Arg::from(json::encode_map(&n.attrs)), f, l]
    })
    .await?;
    for (i, h) in src.hosts.iter().enumerate() {
        w.params("host", i, &h.parameters).await?;
    }
    let mut params = std::mem::replace(&mut w.params, Batch::new("parameters", PARAM_COLS));
    params.flush(w.conn).await?;

    let file_rows = std::mem::take(&mut w.files.rows);
    w.table("files", &["id", "path"], file_rows, |_, r| r).await
}
