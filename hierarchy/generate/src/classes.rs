//! Puppet classes, config groups, smart class parameters and their override values.

use super::emit::V;
use super::rng::Rng;
use super::world::{DEFAULT_LOOKUP_PATH, ENVS, Host, Virt, World, secret};

#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) classes: Vec<Class>,
    pub(crate) config_groups: Vec<ConfigGroup>,
}

#[derive(Debug)]
pub(crate) struct Class {
    pub(crate) name: String,
    /// `None`: every environment.
    pub(crate) envs: Option<Vec<usize>>,
    pub(crate) keys: Vec<Key>,
}

#[derive(Debug)]
pub(crate) struct ConfigGroup {
    pub(crate) name: String,
    pub(crate) classes: Vec<usize>,
}

#[derive(Debug)]
pub(crate) struct Key {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) default: Option<V>,
    pub(crate) override_: bool,
    /// Index into [`ORDERS`] (`None`: settings.default_lookup_path) and whether it is written as a
    /// newline-separated string rather than a list.
    pub(crate) order: Option<(usize, bool)>,
    pub(crate) merge: bool,
    pub(crate) merge_default: bool,
    pub(crate) avoid_duplicates: bool,
    pub(crate) omit: bool,
    pub(crate) hidden: bool,
    pub(crate) validator: Option<(&'static str, &'static str)>,
    pub(crate) required: bool,
    pub(crate) description: Option<String>,
    pub(crate) values: Vec<OverrideValue>,
}

impl Key {
    /// The lines of the key's `override_value_order`, each a list of attributes.
    pub(crate) fn lines(&self) -> Vec<Vec<&'static str>> {
        let lines: &[&str] = match self.order {
            Some((i, _)) => ORDERS[i],
            None => DEFAULT_LOOKUP_PATH,
        };
        lines.iter().map(|l| l.split(',').collect()).collect()
    }
}

#[derive(Debug)]
pub(crate) struct OverrideValue {
    pub(crate) matcher: String,
    /// `None` only with `omit`.
    pub(crate) value: Option<V>,
    pub(crate) omit: bool,
}

/// What a parameter holds; decides its type, validator and realistic values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ensure,
    Port,
    Count,
    Flag,
    Text,
    Path,
    Host,
    Addr,
    Servers,
    Users,
    Packages,
    Options,
    Settings,
    Ratio,
    YamlDoc,
    JsonDoc,
    Secret,
    Version,
    LogLevel,
    Timeout,
}

impl Kind {
    pub(crate) fn ptype(self) -> &'static str {
        match self {
            Kind::Ensure
            | Kind::Text
            | Kind::Path
            | Kind::Host
            | Kind::Addr
            | Kind::Secret
            | Kind::Version
            | Kind::LogLevel => "string",
            Kind::Port | Kind::Count | Kind::Timeout => "integer",
            Kind::Flag => "boolean",
            Kind::Servers | Kind::Users | Kind::Packages => "array",
            Kind::Options | Kind::Settings => "hash",
            Kind::Ratio => "real",
            Kind::YamlDoc => "yaml",
            Kind::JsonDoc => "json",
        }
    }
    fn mergeable(self) -> bool {
        matches!(self, Kind::Servers | Kind::Users | Kind::Packages | Kind::Options | Kind::Settings)
    }
}

/// Override orders. Index 0 means "none given" (settings.default_lookup_path applies).
pub(crate) const ORDERS: &[&[&str]] = &[
    &[],
    &["fqdn", "hostgroup", "location", "organization", "domain"],
    &["fqdn", "domain,hostgroup", "hostgroup", "os", "environment"],
    &["fqdn", "os::family", "hostgroup", "location"],
    &["fqdn", "is_virtual", "organization", "environment"],
    &["fqdn", "tier", "hostgroup", "os"],
    &["fqdn", "hostgroup,organization", "hostgroup", "organization", "location"],
    &["fqdn", "environment", "datacenter", "os::release::major", "virtual"],
    &["fqdn", "organization,location", "location", "organization", "os"],
    &["fqdn", "hostgroup", "environment", "domain"],
];
const ORDER_WEIGHTS: &[u32] = &[25, 15, 12, 8, 6, 8, 6, 6, 6, 8];

const MODULES: &[&str] = &[
    "ntp",
    "motd",
    "ssh",
    "sudo",
    "accounts",
    "rsyslog",
    "logrotate",
    "chrony",
    "postfix",
    "apache",
    "nginx",
    "haproxy",
    "keepalived",
    "postgresql",
    "mysql",
    "mongodb",
    "redis",
    "memcached",
    "rabbitmq",
    "kafka",
    "zookeeper",
    "elasticsearch",
    "kibana",
    "logstash",
    "filebeat",
    "prometheus",
    "node_exporter",
    "grafana",
    "collectd",
    "nrpe",
    "icinga2",
    "docker",
    "containerd",
    "kubernetes",
    "etcd",
    "consul",
    "vault",
    "nomad",
    "java",
    "tomcat",
    "jenkins",
    "gitlab_runner",
    "nfs",
    "autofs",
    "samba",
    "bind",
    "dnsmasq",
    "dhcp",
    "openldap",
    "sssd",
    "firewalld",
    "iptables",
    "selinux",
    "auditd",
    "aide",
    "clamav",
    "cron",
    "sysctl",
    "limits",
    "tuned",
    "lvm",
    "mdadm",
    "squid",
    "varnish",
    "php",
    "python",
    "nodejs",
    "ruby",
    "certbot",
    "openvpn",
    "wireguard",
    "snmp",
    "lldpd",
    "ipa",
    "krb5",
    "unbound",
    "telegraf",
    "influxdb",
    "minio",
    "ceph",
];
const SUBS: &[&str] = &[
    "install",
    "config",
    "service",
    "repo",
    "server",
    "client",
    "agent",
    "plugin",
    "exporter",
    "backup",
    "tuning",
    "monitoring",
    "firewall",
    "users",
    "vhost",
    "instance",
    "cluster",
    "logging",
];
const PROFILES: &[&str] = &[
    "base",
    "web",
    "db",
    "cache",
    "queue",
    "lb",
    "monitoring",
    "logging",
    "ci",
    "bastion",
    "mail",
    "dns",
    "storage",
    "search",
    "k8s_node",
    "k8s_master",
    "vpn",
    "proxy",
    "backup",
    "security",
    "app_java",
    "app_php",
];
const CONFIG_GROUPS: &[&str] = &[
    "monitoring",
    "base_security",
    "logging",
    "backup",
    "web_stack",
    "db_stack",
    "observability",
    "hardening",
    "cis_level1",
    "container_host",
    "mail_relay",
    "directory_client",
    "time_sync",
    "patching",
];
const PARAMS: &[(&str, Kind)] = &[
    ("ensure", Kind::Ensure),
    ("package_ensure", Kind::Ensure),
    ("port", Kind::Port),
    ("listen_port", Kind::Port),
    ("ssl_port", Kind::Port),
    ("workers", Kind::Count),
    ("max_connections", Kind::Count),
    ("threads", Kind::Count),
    ("retention_days", Kind::Count),
    ("manage_service", Kind::Flag),
    ("service_enable", Kind::Flag),
    ("manage_repo", Kind::Flag),
    ("purge_configs", Kind::Flag),
    ("ssl", Kind::Flag),
    ("config_dir", Kind::Path),
    ("log_dir", Kind::Path),
    ("data_dir", Kind::Path),
    ("package_name", Kind::Text),
    ("service_name", Kind::Text),
    ("user", Kind::Text),
    ("group", Kind::Text),
    ("banner", Kind::Text),
    ("server", Kind::Host),
    ("upstream", Kind::Host),
    ("listen_address", Kind::Addr),
    ("servers", Kind::Servers),
    ("upstreams", Kind::Servers),
    ("allowed_hosts", Kind::Servers),
    ("admin_users", Kind::Users),
    ("users", Kind::Users),
    ("extra_packages", Kind::Packages),
    ("plugins", Kind::Packages),
    ("options", Kind::Options),
    ("env_vars", Kind::Options),
    ("settings", Kind::Settings),
    ("tuning", Kind::Settings),
    ("memory_ratio", Kind::Ratio),
    ("sample_rate", Kind::Ratio),
    ("config_yaml", Kind::YamlDoc),
    ("overrides", Kind::YamlDoc),
    ("metadata", Kind::JsonDoc),
    ("labels", Kind::JsonDoc),
    ("password", Kind::Secret),
    ("api_key", Kind::Secret),
    ("version", Kind::Version),
    ("log_level", Kind::LogLevel),
    ("timeout", Kind::Timeout),
    ("interval", Kind::Timeout),
];
/// Strings, several of which YAML 1.1 would misread if they were not quoted.
const TEXTS: &[&str] = &[
    "default",
    "main",
    "enabled",
    "www-data",
    "nobody",
    "yes",
    "no",
    "on",
    "off",
    "0755",
    "1:30",
    "2024-06-01",
    "null",
    "~",
    "1e3",
    "0x1F",
    "+12",
    ".inf",
    "true",
    "y",
    "n",
    "a value with spaces",
    "with: colon",
    "hash # not a comment",
    "-leading-dash",
    "[not, a, list]",
    "{not: a map}",
    "multi\nline",
    "tab\there",
    "quote \" inside",
    "back\\slash",
    "ünïcödé",
    "Managed by Puppet",
    "*not-an-alias",
    "&not-an-anchor",
    "!not-a-tag",
    "%not-a-directive",
    "@at",
    "`backtick",
];
const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "deploy", "backup", "monitor",
];
const PACKAGES: &[&str] = &[
    "curl",
    "wget",
    "vim",
    "htop",
    "strace",
    "tcpdump",
    "jq",
    "git",
    "rsync",
    "lsof",
    "sysstat",
    "iotop",
    "unzip",
    "bind-utils",
    "net-tools",
    "tmux",
    "python3-requests",
    "openssl",
    "ca-certificates",
    "chrony",
];

impl Catalog {
    /// Class names, their environments and config groups (smart parameters come later, once
    /// the hosts exist).
    pub(crate) fn names(rng: &mut Rng, hosts: usize) -> Catalog {
        let count = (hosts / 3).clamp(20, 300);
        let mut names: Vec<String> = Vec::with_capacity(count);
        let mut seen = std::collections::HashSet::new();
        let mut order: Vec<usize> = (0..MODULES.len()).collect();
        // Fisher-Yates, so small estates get a varied set of modules.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &m in order.iter().take(count.min(MODULES.len() * 2 / 3)) {
            names.push(MODULES[m].to_string());
            seen.insert(MODULES[m].to_string());
        }
        while names.len() < count {
            let n = match rng.below(4) {
                0 => format!("profile::{}", rng.pick(PROFILES)),
                1 => format!("role::{}", rng.pick(PROFILES)),
                _ => format!("{}::{}", rng.pick(MODULES), rng.pick(SUBS)),
            };
            if seen.insert(n.clone()) {
                names.push(n);
            }
        }
        let classes: Vec<Class> = names
            .into_iter()
            .map(|name| {
                let envs =
                    if rng.chance(0.15) { Some(if rng.chance(0.5) { vec![0] } else { vec![0, 2] }) } else { None };
                Class { name, envs, keys: Vec::new() }
            })
            .collect();
        let ncg = (count / 12).clamp(4, 25);
        let config_groups = (0..ncg)
            .map(|i| ConfigGroup {
                name: if i < CONFIG_GROUPS.len() {
                    CONFIG_GROUPS[i].to_string()
                } else {
                    format!("{}_{}", CONFIG_GROUPS[i % CONFIG_GROUPS.len()], i / CONFIG_GROUPS.len() + 1)
                },
                classes: rng.sample_between(classes.len(), 2, 5),
            })
            .collect();
        Catalog { classes, config_groups }
    }

    /// Smart class parameters and override values. Matchers are built from real hosts'
    /// attributes, so they name host groups, OSes, facts... that exist, and many of them match.
    pub(crate) fn fill_keys(&mut self, rng: &mut Rng, w: &World) {
        let fqdn_hosts: Vec<usize> = {
            let mut v: Vec<usize> = (0..w.hosts.len()).filter(|_| rng.chance(0.05)).collect();
            if v.is_empty() && !w.hosts.is_empty() {
                v.push(rng.below(w.hosts.len()));
            }
            v
        };
        for class in &mut self.classes {
            let module = class.name.rsplit("::").next().unwrap_or(&class.name).to_string();
            let nkeys = 1 + rng.weighted(&[8, 12, 14, 14, 12, 10, 8, 6, 5, 4]);
            for pi in rng.sample(PARAMS.len(), nkeys) {
                let (name, kind) = PARAMS[pi];
                class.keys.push(make_key(rng, name, kind, &module, w));
            }
        }
        // ~5% of hosts get fqdn= values, on 1-3 overridden keys each.
        let overridden: Vec<(usize, usize)> = self
            .classes
            .iter()
            .enumerate()
            .flat_map(|(c, cl)| cl.keys.iter().enumerate().filter(|(_, k)| k.override_).map(move |(k, _)| (c, k)))
            .collect();
        if overridden.is_empty() {
            return;
        }
        for h in fqdn_hosts {
            let host = &w.hosts[h];
            for _ in 0..rng.range(1, 3) {
                let (c, k) = *rng.pick(&overridden);
                let matcher = format!("fqdn={}", host.name);
                let (kind, merge, taken) = {
                    let key = &self.classes[c].keys[k];
                    (key.kind, key.merge, key.values.iter().any(|v| v.matcher == matcher))
                };
                if taken {
                    continue;
                }
                let omit = rng.chance(0.05);
                let module = module_of(&self.classes[c].name);
                let value = if omit { None } else { Some(value_for(rng, kind, &module, w, merge)) };
                self.classes[c].keys[k].values.push(OverrideValue { matcher, value, omit });
            }
        }
    }
}

fn module_of(class: &str) -> String {
    class.rsplit("::").next().unwrap_or(class).to_string()
}

fn make_key(rng: &mut Rng, name: &'static str, kind: Kind, module: &str, w: &World) -> Key {
    let override_ = rng.chance(0.4);
    // Foreman only lets overridden keys be edited, so most non-overridden keys look imported:
    // no order, no validator, no values. A few keep values from when they were overridden.
    let stored_values = !override_ && rng.chance(0.1);
    let order = if !(override_ || stored_values) || rng.chance(0.25) {
        None
    } else {
        let i = rng.weighted(ORDER_WEIGHTS);
        if i == 0 { None } else { Some((i, rng.chance(0.5))) }
    };
    let merge = override_ && kind.mergeable() && rng.chance(0.45);
    let is_array = matches!(kind, Kind::Servers | Kind::Users | Kind::Packages);
    let avoid_duplicates = merge && is_array && rng.chance(0.5);
    let merge_default = merge && rng.chance(0.5);
    let validator = if override_ || stored_values { validator_for(rng, kind) } else { None };
    let mut key = Key {
        name,
        kind,
        default: None,
        override_,
        order,
        merge,
        merge_default,
        avoid_duplicates,
        omit: override_ && rng.chance(0.05),
        hidden: kind == Kind::Secret,
        validator,
        required: override_ && rng.chance(0.05),
        description: rng.chance(0.3).then(|| format!("{} for {module}", name.replace('_', " "))),
        values: Vec::new(),
    };
    // A few non-overridden keys have no default (Puppet's own default applies).
    key.default = if !override_ && rng.chance(0.05) {
        None
    } else if merge && !is_array && rng.chance(0.3) {
        Some(V::H(vec![]))
    } else {
        Some(value_for(rng, kind, module, w, merge))
    };
    let nvalues = if w.hosts.is_empty() {
        0
    } else if override_ {
        rng.weighted(&[6, 8, 12, 14, 14, 12, 10, 8, 6, 4, 3, 2, 1])
    } else if stored_values {
        rng.range(1, 2) as usize
    } else {
        0
    };
    let lines = key.lines();
    let non_fqdn: Vec<&Vec<&str>> = lines.iter().filter(|l| l.as_slice() != ["fqdn"]).collect();
    let mut tries = 0;
    while key.values.len() < nvalues && tries < nvalues * 4 {
        tries += 1;
        let line = *rng.pick(&non_fqdn);
        let host = &w.hosts[rng.below(w.hosts.len())];
        let Some(matcher) = matcher_for(rng, line, host, w) else { continue };
        if key.values.iter().any(|v| v.matcher == matcher) {
            continue;
        }
        let omit = rng.chance(0.06);
        let value = if omit { None } else { Some(value_for(rng, kind, module, w, merge)) };
        key.values.push(OverrideValue { matcher, value, omit });
    }
    key
}

/// A `attr=value[,attr=value]` matcher for `line`, from the attributes of `host`.
fn matcher_for(rng: &mut Rng, line: &[&str], host: &Host, w: &World) -> Option<String> {
    let mut out = String::new();
    for (i, &attr) in line.iter().enumerate() {
        let v: String = match attr {
            "fqdn" => host.name.clone(),
            "hostgroup" => {
                let path = w.hostgroup_ancestry(host.hostgroup?);
                // Half the time an ancestor: exercised through matchers inheritance.
                w.hostgroups[*rng.pick(&path)].title.clone()
            }
            "organization" => ancestor_title(rng, &w.orgs[host.org].title),
            "location" => ancestor_title(rng, &w.locs[host.loc].title),
            "domain" => w.domains[host.domain].name.to_string(),
            "os" => w.oses[host.os].title(),
            "environment" => ENVS[w.host_env(host)?].to_string(),
            "os::family" => w.oses[host.os].family.to_string(),
            "os::release::major" => w.oses[host.os].fact_major.to_string(),
            "is_virtual" => (host.virt != Virt::Physical).to_string(),
            "virtual" => host.virt.fact().to_string(),
            "datacenter" => w.locs[host.loc].code.to_string(),
            "tier" => host.tier.to_string(),
            _ => return None,
        };
        if i > 0 {
            out.push(',');
        }
        out.push_str(attr);
        out.push('=');
        out.push_str(&v);
    }
    Some(out)
}

fn ancestor_title(rng: &mut Rng, title: &str) -> String {
    let segs: Vec<&str> = title.split('/').collect();
    let n = if rng.chance(0.6) { segs.len() } else { 1 + rng.below(segs.len()) };
    segs[..n].join("/")
}

fn validator_for(rng: &mut Rng, kind: Kind) -> Option<(&'static str, &'static str)> {
    match kind {
        Kind::Ensure if rng.chance(0.8) => Some(("list", "present, absent, latest, installed")),
        Kind::LogLevel if rng.chance(0.8) => Some(("list", "debug, info, warning, error, critical")),
        // Integer keys take list validators: Foreman matches a regexp against the cast value, and
        // an Integer never matches, so a regexp would refuse every value.
        Kind::Port if rng.chance(0.5) => {
            Some(("list", "80, 443, 8080, 8443, 3306, 5432, 6379, 9090, 9100, 11211, 5666, 2181"))
        }
        Kind::Count if rng.chance(0.3) => Some(("list", "1, 2, 4, 8, 16, 32, 64, 100, 128, 256, 500, 1024")),
        Kind::Timeout if rng.chance(0.3) => Some(("list", "5, 10, 15, 30, 60, 120, 300, 600")),
        Kind::Version if rng.chance(0.5) => Some(("regexp", "^\\d+(\\.\\d+)*$")),
        Kind::Path if rng.chance(0.4) => Some(("regexp", "^/")),
        _ => None,
    }
}

/// A realistic value of `kind` (one that passes the kind's validators).
fn value_for(rng: &mut Rng, kind: Kind, module: &str, w: &World, merge: bool) -> V {
    let dom = || w.domains[0].name;
    match kind {
        Kind::Ensure => V::s(*rng.pick(&["present", "absent", "latest", "installed"])),
        Kind::Port => V::I(*rng.pick(&[80, 443, 8080, 8443, 3306, 5432, 6379, 9090, 9100, 11211, 5666, 2181]) as i64),
        Kind::Count => V::I(*rng.pick(&[1, 2, 4, 8, 16, 32, 64, 100, 128, 256, 500, 1024]) as i64),
        Kind::Timeout => V::I(*rng.pick(&[5, 10, 15, 30, 60, 120, 300, 600]) as i64),
        Kind::Flag => {
            let b = rng.chance(0.6);
            // Now and then the string form Foreman casts.
            if rng.chance(0.1) { V::s(if b { "yes" } else { "off" }) } else { V::B(b) }
        }
        Kind::Text => V::s(*rng.pick(TEXTS)),
        Kind::Path => V::S(format!("{}/{module}", rng.pick(&["/etc", "/var/log", "/var/lib", "/srv", "/opt"]))),
        Kind::Host => {
            let d = &w.domains[rng.below(w.domains.len())];
            V::S(format!("{module}{:02}.{}", rng.range(1, 12), d.name))
        }
        Kind::Addr => V::s(*rng.pick(&["0.0.0.0", "127.0.0.1", "::", "::1", "10.16.0.10", "192.168.10.5"])),
        Kind::Servers => {
            let n = rng.range(1, 4) as usize;
            V::A((0..n).map(|_| V::S(format!("{module}{:02}.{}", rng.range(1, 8), dom()))).collect())
        }
        Kind::Users => V::A(rng.sample_between(USERS.len(), 1, 4).into_iter().map(|i| V::s(USERS[i])).collect()),
        Kind::Packages => {
            V::A(rng.sample_between(PACKAGES.len(), 1, 5).into_iter().map(|i| V::s(PACKAGES[i])).collect())
        }
        Kind::Options | Kind::Settings => hash_value(rng, module, 0),
        Kind::Ratio => V::R(rng.range(5, 95) as f64 / 100.0, 2),
        Kind::YamlDoc => {
            let h = hash_value(rng, module, 1);
            if rng.chance(0.5) && !merge { V::S(yaml_text(&h)) } else { h }
        }
        Kind::JsonDoc => {
            let h = hash_value(rng, module, 1);
            if rng.chance(0.5) && !merge { V::S(h.to_text()) } else { h }
        }
        Kind::Secret => V::S(secret(rng)),
        Kind::Version => V::S(format!("{}.{}.{}", rng.range(1, 15), rng.range(0, 20), rng.range(0, 40))),
        Kind::LogLevel => V::s(*rng.pick(&["debug", "info", "warning", "error", "critical"])),
    }
}

const HASH_KEYS: &[&str] = &[
    "max_size",
    "enabled",
    "timeout",
    "mode",
    "buffer_size",
    "log_level",
    "compression",
    "retries",
    "backend",
    "cache",
    "limits",
    "tls",
    "pool",
    "listen",
    "path",
];

fn hash_value(rng: &mut Rng, module: &str, depth: usize) -> V {
    let n = rng.range(1, 5) as usize;
    let pairs = rng
        .sample(HASH_KEYS.len(), n)
        .into_iter()
        .map(|i| {
            let k = HASH_KEYS[i];
            let v = match rng.below(6) {
                0 if depth < 2 => hash_value(rng, module, depth + 1),
                1 => V::B(rng.chance(0.5)),
                2 => V::s(*rng.pick(&["auto", "fast", "gzip", "strict", "on", "0644"])),
                3 => V::A(vec![V::S(format!("{module}-a")), V::S(format!("{module}-b"))]),
                _ => V::I(rng.range(1, 4096) as i64),
            };
            (k.to_string(), v)
        })
        .collect();
    V::H(pairs)
}

/// Block-style YAML text of a hash value (for yaml-typed parameters written as strings).
fn yaml_text(v: &V) -> String {
    let mut out = super::emit::Out::default();
    if let V::H(pairs) = v {
        for (k, x) in pairs {
            out.kv_v(0, k, x);
        }
    }
    String::from_utf8(out.b).unwrap_or_default()
}
