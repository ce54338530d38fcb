//! The estate's skeleton: organizations, locations, domains, subnets, operating systems,
//! environments, host groups and hosts, with their custom parameters. Built in memory first so
//! that smart class parameter matchers can name things that exist.

use super::classes::Catalog;
use super::emit::V;
use super::rng::Rng;

/// Custom parameters in one of the two forms the estate format accepts.
#[derive(Debug, Clone)]
pub(crate) enum Params {
    /// `name: value`, the type following the YAML value.
    Map(Vec<(String, V)>),
    /// Foreman's API shape: `{name, value, parameter_type, hidden_value}`.
    List(Vec<ListParam>),
}

impl Params {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Params::Map(m) => m.is_empty(),
            Params::List(l) => l.is_empty(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ListParam {
    pub(crate) name: String,
    /// Written as is: a string that Foreman casts with `ptype`, or a native value.
    pub(crate) value: V,
    pub(crate) ptype: Option<&'static str>,
    pub(crate) hidden: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Titled {
    pub(crate) title: String,
    /// A short code (locations: used by the `datacenter` fact).
    pub(crate) code: &'static str,
    pub(crate) params: Params,
}

#[derive(Debug, Clone)]
pub(crate) struct Domain {
    pub(crate) name: &'static str,
    pub(crate) fullname: &'static str,
    pub(crate) params: Params,
}

#[derive(Debug, Clone)]
pub(crate) struct Subnet {
    pub(crate) name: String,
    /// Second octet of `10.<o2>.0.0/20`.
    pub(crate) o2: u8,
    pub(crate) domain: usize,
    pub(crate) loc: usize,
    pub(crate) vlan: u16,
    pub(crate) mtu: u32,
    pub(crate) boot_mode: &'static str,
    pub(crate) ipam: &'static str,
    pub(crate) description: String,
    pub(crate) params: Params,
}

impl Subnet {
    pub(crate) fn network(&self) -> String {
        format!("10.{}.0.0", self.o2)
    }
    pub(crate) const MASK: &'static str = "255.255.240.0";
    /// The address of the `k`-th host on this subnet (wraps after 3,600).
    pub(crate) fn host_ip(&self, k: usize) -> [u8; 4] {
        let k = k % (15 * 240);
        [10, self.o2, (k / 240) as u8, (10 + k % 240) as u8]
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Os {
    pub(crate) name: &'static str,
    pub(crate) major: &'static str,
    pub(crate) minor: Option<&'static str>,
    pub(crate) family: &'static str,
    pub(crate) description: &'static str,
    /// Facter's `os.release.full` / `.major` / `.minor`.
    pub(crate) release_full: &'static str,
    pub(crate) fact_major: &'static str,
    pub(crate) fact_minor: &'static str,
    pub(crate) kernel: &'static str,
    pub(crate) codename: Option<&'static str>,
    pub(crate) params: Params,
}

impl Os {
    /// Foreman's `Operatingsystem#to_s`: `"<name> <major>[.<minor>]"`.
    pub(crate) fn title(&self) -> String {
        match self.minor {
            Some(m) => format!("{} {}.{}", self.name, self.major, m),
            None => format!("{} {}", self.name, self.major),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Hostgroup {
    pub(crate) title: String,
    pub(crate) parent: Option<usize>,
    pub(crate) depth: usize,
    pub(crate) env: Option<usize>,
    pub(crate) classes: Vec<usize>,
    pub(crate) config_groups: Vec<usize>,
    pub(crate) params: Params,
    pub(crate) root_pass: Option<String>,
    pub(crate) puppet_proxy: Option<&'static str>,
    pub(crate) puppet_ca_proxy: Option<&'static str>,
    /// Effective `tier` parameter (own or inherited), for `tier=` matchers.
    pub(crate) tier: &'static str,
    /// Effective environment (own or inherited).
    pub(crate) eff_env: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Virt {
    Kvm,
    Vmware,
    Physical,
}

impl Virt {
    pub(crate) fn fact(self) -> &'static str {
        match self {
            Virt::Kvm => "kvm",
            Virt::Vmware => "vmware",
            Virt::Physical => "physical",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) hostgroup: Option<usize>,
    pub(crate) org: usize,
    pub(crate) loc: usize,
    pub(crate) domain: usize,
    pub(crate) subnet: usize,
    pub(crate) os: usize,
    /// The host's own `environment` field.
    pub(crate) env: Option<usize>,
    pub(crate) ip: [u8; 4],
    pub(crate) mac: String,
    pub(crate) virt: Virt,
    pub(crate) cpus: u32,
    pub(crate) mem_gib: u32,
    pub(crate) tier: &'static str,
    pub(crate) classes: Vec<usize>,
    pub(crate) config_groups: Vec<usize>,
    pub(crate) params: Params,
    pub(crate) comment: Option<&'static str>,
    pub(crate) owner: Option<(&'static str, &'static str)>,
    pub(crate) root_pass: Option<String>,
    pub(crate) puppet_proxy: Option<&'static str>,
    /// A second, non-primary NIC: (subnet, address).
    pub(crate) secondary: Option<(usize, [u8; 4])>,
}

impl Host {
    pub(crate) fn short(&self) -> &str {
        self.name.split('.').next().unwrap_or(&self.name)
    }
}

#[derive(Debug)]
pub(crate) struct World {
    pub(crate) globals: Params,
    pub(crate) orgs: Vec<Titled>,
    pub(crate) locs: Vec<Titled>,
    pub(crate) domains: Vec<Domain>,
    pub(crate) subnets: Vec<Subnet>,
    pub(crate) oses: Vec<Os>,
    pub(crate) envs: Vec<&'static str>,
    pub(crate) hostgroups: Vec<Hostgroup>,
    pub(crate) hosts: Vec<Host>,
}

pub(crate) const TIERS: &[&str] = &["bronze", "silver", "gold", "platinum"];
pub(crate) const ENVS: &[&str] = &["production", "development", "testing"];
pub(crate) const DEFAULT_LOOKUP_PATH: &[&str] = &["fqdn", "hostgroup", "os", "domain"];

const ORGS: &[&str] = &["ACME", "ACME/Engineering", "ACME/Operations", "Globex", "Globex/Retail"];
const LOCS: &[(&str, &str)] = &[
    ("EU", "eu"),
    ("EU/Frankfurt", "fra"),
    ("EU/Frankfurt/FRA1", "fra1"),
    ("EU/Amsterdam", "ams1"),
    ("US", "us"),
    ("US/East", "iad"),
    ("US/East/NYC2", "nyc2"),
    ("US/West", "sjc1"),
    ("APAC", "apac"),
    ("APAC/Singapore", "sin1"),
];
/// Locations that hold subnets (and so hosts).
const SUBNET_LOCS: &[usize] = &[2, 3, 6, 7, 9, 2, 6, 1, 5, 3];
const DOMAINS: &[(&str, &str)] = &[
    ("prod.example.com", "Production services"),
    ("stage.example.com", "Staging"),
    ("dev.example.com", "Development"),
    ("dmz.example.com", "Internet-facing DMZ"),
    ("mgmt.example.com", "Management network"),
    ("corp.example.net", "Corporate IT"),
    ("eu.example.com", "Europe"),
    ("us.example.com", "North America"),
];
const PURPOSES: &[&str] = &["app", "web", "db", "mgmt", "dmz", "storage", "backup", "build"];
const PROXIES: &[&str] = &[
    "puppet01.mgmt.example.com",
    "puppet02.mgmt.example.com",
    "puppet-eu.mgmt.example.com",
    "puppet-us.mgmt.example.com",
    "puppet-apac.mgmt.example.com",
];
const CA_PROXY: &str = "puppetca.mgmt.example.com";
const ROOT_GROUPS: &[&str] = &[
    "Base",
    "Web",
    "Data",
    "Apps",
    "Platform",
    "Edge",
    "Corp",
    "Analytics",
    "Storage",
    "Security",
    "Batch",
    "Mail",
    "Build",
    "Monitoring",
    "Network",
    "Identity",
    "Messaging",
    "Search",
    "Cache",
    "Compute",
];
const CHILD_GROUPS: &[&str] = &[
    "Frontend",
    "Backend",
    "API",
    "Workers",
    "Cache",
    "Queue",
    "Primary",
    "Replica",
    "Batch",
    "Canary",
    "Blue",
    "Green",
    "Internal",
    "Public",
    "Search",
    "Storage",
    "Ingest",
    "Reporting",
    "Billing",
    "Auth",
    "Payments",
    "Metrics",
    "Logging",
    "Build",
    "Staging",
    "Legacy",
    "Shard",
    "Gateway",
    "Scheduler",
    "Archive",
];
/// Comments, some of which YAML 1.1 would misread unquoted.
const COMMENTS: &[&str] = &[
    "Managed by the platform team",
    "Decommission after Q4",
    "Legacy - do not reboot during business hours",
    "yes",
    "0755",
    "1:30",
    "2024-06-01",
    "on call: #ops-primary",
    "Migrated from VMware",
    "No",
    "~",
    "Contains \"quoted\" text and a backslash \\ too",
];
const OWNERS: &[(&str, &str)] = &[
    ("Web Team", "web@example.com"),
    ("Database Team", "dba@example.com"),
    ("Platform Team", "platform@example.com"),
    ("Security Team", "security@example.com"),
    ("Data Engineering", "data-eng@example.com"),
    ("Corporate IT", "it@example.com"),
];

/// A custom parameter template: name, typed value, Foreman parameter_type.
fn custom_param(rng: &mut Rng, which: usize) -> (String, V, &'static str, bool) {
    let dom = DOMAINS[rng.below(DOMAINS.len())].0;
    let (name, v, t): (&str, V, &str) = match which % 30 {
        0 => ("ntp_server", V::S(format!("ntp{}.{dom}", rng.range(1, 3))), "string"),
        1 => ("dns_servers", V::A(vec![V::S(format!("10.{}.0.2", rng.range(1, 60))), V::s("10.0.0.53")]), "array"),
        2 => ("syslog_server", V::S(format!("syslog.{dom}")), "string"),
        3 => ("smtp_relay", V::S(format!("mx{}.{dom}", rng.range(1, 2))), "string"),
        4 => ("proxy_url", V::S(format!("http://proxy.{dom}:3128")), "string"),
        5 => ("backup_enabled", V::B(rng.chance(0.7)), "boolean"),
        6 => ("backup_retention_days", V::I(*rng.pick(&[7, 14, 30, 90]) as i64), "integer"),
        7 => ("monitoring_enabled", V::B(rng.chance(0.9)), "boolean"),
        8 => ("log_retention_days", V::I(rng.range(7, 365) as i64), "integer"),
        9 => ("cpu_alarm_ratio", V::R(rng.range(50, 95) as f64 / 100.0, 2), "real"),
        10 => ("admin_emails", V::A(vec![V::s("ops@example.com"), V::S(format!("oncall@{dom}"))]), "array"),
        11 => ("timezone", V::s(*rng.pick(&["UTC", "Europe/Berlin", "America/New_York", "Asia/Singapore"])), "string"),
        12 => ("locale", V::s("en_US.UTF-8"), "string"),
        13 => (
            "kernel_params",
            V::H(vec![
                ("vm_swappiness".into(), V::I(rng.range(1, 60) as i64)),
                ("net_core_somaxconn".into(), V::I(*rng.pick(&[1024, 4096, 65535]) as i64)),
            ]),
            "hash",
        ),
        14 => ("java_heap_mb", V::I(*rng.pick(&[512, 1024, 2048, 4096, 8192]) as i64), "integer"),
        15 => ("app_env", V::s(*rng.pick(&["prod", "stage", "dev", "qa"])), "string"),
        // Strings that YAML 1.1 would read as numbers, booleans or dates when unquoted.
        16 => ("cost_center", V::s(*rng.pick(&["0042", "4200", "0755", "1e3", "12:30"])), "string"),
        17 => ("patch_window", V::s(*rng.pick(&["Sun 02:00", "Sat 23:30", "2024-06-01", "no", "off"])), "string"),
        18 => ("maintenance_mode", V::B(rng.chance(0.05)), "boolean"),
        19 => ("no_proxy", V::A(vec![V::s("localhost"), V::s("127.0.0.1"), V::S(format!(".{dom}"))]), "array"),
        20 => ("db_password", V::S(secret(rng)), "string"),
        21 => ("api_token", V::S(secret(rng)), "string"),
        22 => (
            "feature_flags",
            V::H(vec![
                ("new_ui".into(), V::B(rng.chance(0.5))),
                ("canary".into(), V::B(rng.chance(0.2))),
                ("rollout_percent".into(), V::I(rng.range(0, 100) as i64)),
            ]),
            "hash",
        ),
        23 => ("max_open_files", V::I(*rng.pick(&[1024, 65536, 1048576]) as i64), "integer"),
        24 => ("firewall_zone", V::s(*rng.pick(&["internal", "dmz", "public", "trusted"])), "string"),
        25 => ("rack", V::S(format!("R{:02}", rng.range(1, 40))), "string"),
        26 => ("owner_team", V::s(*rng.pick(&["web", "dba", "platform", "security", "data"])), "string"),
        27 => ("ssh_port", V::I(*rng.pick(&[22, 22, 2222]) as i64), "integer"),
        28 => ("disk_alarm_ratio", V::R(rng.range(70, 98) as f64 / 100.0, 2), "real"),
        _ => ("motd_suffix", V::s("Authorized use only"), "string"),
    };
    let hidden = name.ends_with("password") || name.ends_with("token");
    (name.to_string(), v, t, hidden)
}

pub(crate) fn secret(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(24);
    let n = rng.range(14, 24) as usize;
    rng.chars(b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-_.", n, &mut s);
    s
}

pub(crate) fn crypted(rng: &mut Rng) -> String {
    let mut s = String::from("$5$");
    let abc = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    rng.chars(abc, 16, &mut s);
    s.push('$');
    rng.chars(abc, 43, &mut s);
    s
}

/// `n` distinct custom parameters (plus `extra`), in map or list form.
pub(crate) fn make_params(rng: &mut Rng, n: usize, list_form: bool, extra: Vec<(String, V, &'static str)>) -> Params {
    let mut items: Vec<(String, V, &'static str, bool)> = extra.into_iter().map(|(n, v, t)| (n, v, t, false)).collect();
    for which in rng.sample(30, n) {
        let p = custom_param(rng, which);
        if !items.iter().any(|x| x.0 == p.0) {
            items.push(p);
        }
    }
    if !list_form {
        return Params::Map(items.into_iter().map(|(n, v, _, _)| (n, v)).collect());
    }
    Params::List(
        items
            .into_iter()
            .map(|(name, v, t, hidden)| {
                // The list form carries strings that Foreman casts, as its API does.
                let text = match (&v, rng.below(4)) {
                    (V::B(true), 0) => "yes".to_string(),
                    (V::B(false), 0) => "off".to_string(),
                    (V::I(i), 0) if *i > 0 => format!("0x{i:X}"),
                    _ => v.to_text(),
                };
                ListParam { name, value: V::S(text), ptype: (t != "string").then_some(t), hidden }
            })
            .collect(),
    )
}

impl World {
    pub(crate) fn build(rng: &mut Rng, hosts: usize, catalog: &Catalog) -> World {
        let globals = make_params(
            rng,
            22,
            false,
            vec![("tier".into(), V::s("bronze"), "string"), ("datacenter_code".into(), V::s("global"), "string")],
        );
        let orgs = ORGS
            .iter()
            .map(|t| Titled {
                title: t.to_string(),
                code: "",
                params: {
                    let n = rng.range(2, 5) as usize;
                    make_params(rng, n, true, vec![])
                },
            })
            .collect();
        let locs = LOCS
            .iter()
            .map(|&(t, code)| {
                let n = rng.range(1, 4) as usize;
                let list = rng.chance(0.5);
                Titled {
                    title: t.to_string(),
                    code,
                    params: make_params(rng, n, list, vec![("datacenter_code".into(), V::s(code), "string")]),
                }
            })
            .collect();
        let domains = DOMAINS
            .iter()
            .map(|&(name, fullname)| {
                let n = rng.range(1, 4) as usize;
                let list = rng.chance(0.3);
                Domain { name, fullname, params: make_params(rng, n, list, vec![]) }
            })
            .collect();
        let subnets = (0..40)
            .map(|i| {
                let loc = SUBNET_LOCS[i % SUBNET_LOCS.len()];
                let purpose = PURPOSES[(i / 5) % PURPOSES.len()];
                let n = rng.range(0, 3) as usize;
                let list = rng.chance(0.5);
                Subnet {
                    name: format!("{}-{}-{:02}", LOCS[loc].1, purpose, i + 1),
                    o2: (i + 16) as u8,
                    domain: (i * 3 + i / 8) % DOMAINS.len(),
                    loc,
                    vlan: 100 + i as u16 * 10,
                    mtu: if purpose == "storage" || purpose == "backup" { 9000 } else { 1500 },
                    boot_mode: if rng.chance(0.8) { "DHCP" } else { "Static" },
                    ipam: if rng.chance(0.6) { "DHCP" } else { "Internal DB" },
                    description: format!("{} {} network {}", LOCS[loc].0, purpose, i + 1),
                    params: make_params(rng, n, list, vec![]),
                }
            })
            .collect();
        let oses = os_table(rng);
        let mut w = World {
            globals,
            orgs,
            locs,
            domains,
            subnets,
            oses,
            envs: ENVS.to_vec(),
            hostgroups: Vec::new(),
            hosts: Vec::new(),
        };
        w.hostgroups = build_hostgroups(rng, hosts, catalog);
        w.hosts = build_hosts(rng, hosts, &w, catalog);
        w
    }

    /// The group and its ancestors, root first.
    pub(crate) fn hostgroup_ancestry(&self, mut g: usize) -> Vec<usize> {
        let mut out = vec![g];
        while let Some(p) = self.hostgroups[g].parent {
            out.push(p);
            g = p;
        }
        out.reverse();
        out
    }

    /// The host's effective environment.
    pub(crate) fn host_env(&self, h: &Host) -> Option<usize> {
        h.env.or_else(|| h.hostgroup.and_then(|g| self.hostgroups[g].eff_env))
    }
}

fn os_table(rng: &mut Rng) -> Vec<Os> {
    type Row = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    );
    let rows: &[Row] = &[
        (
            "CentOS",
            "7",
            Some("9"),
            "RedHat",
            "CentOS Linux 7.9",
            "7.9.2009",
            "7",
            "9",
            "3.10.0-1160.119.1.el7.x86_64",
            None,
        ),
        (
            "RedHat",
            "8",
            Some("9"),
            "RedHat",
            "Red Hat Enterprise Linux 8.9",
            "8.9",
            "8",
            "9",
            "4.18.0-513.24.1.el8_9.x86_64",
            None,
        ),
        (
            "RedHat",
            "9",
            Some("3"),
            "RedHat",
            "Red Hat Enterprise Linux 9.3",
            "9.3",
            "9",
            "3",
            "5.14.0-362.24.1.el9_3.x86_64",
            None,
        ),
        (
            "Debian",
            "11",
            None,
            "Debian",
            "Debian 11 (bullseye)",
            "11.9",
            "11",
            "9",
            "5.10.0-28-amd64",
            Some("bullseye"),
        ),
        ("Debian", "12", None, "Debian", "Debian 12 (bookworm)", "12.5", "12", "5", "6.1.0-21-amd64", Some("bookworm")),
        (
            "Ubuntu",
            "22",
            Some("04"),
            "Debian",
            "Ubuntu 22.04.4 LTS",
            "22.04",
            "22.04",
            "",
            "5.15.0-105-generic",
            Some("jammy"),
        ),
    ];
    rows.iter()
        .map(|&(name, major, minor, family, description, release_full, fact_major, fact_minor, kernel, codename)| {
            let pm = if family == "RedHat" { if major == "7" { "yum" } else { "dnf" } } else { "apt" };
            let n = rng.range(1, 3) as usize;
            let list = rng.chance(0.5);
            Os {
                name,
                major,
                minor,
                family,
                description,
                release_full,
                fact_major,
                fact_minor,
                kernel,
                codename,
                params: make_params(rng, n, list, vec![("package_manager".into(), V::s(pm), "string")]),
            }
        })
        .collect()
}

fn build_hostgroups(rng: &mut Rng, hosts: usize, catalog: &Catalog) -> Vec<Hostgroup> {
    let total = (hosts / 20).max(36);
    let roots = (total / 10).clamp(6, ROOT_GROUPS.len());
    let mut groups: Vec<Hostgroup> = Vec::with_capacity(total);
    let nclasses = catalog.classes.len();
    let ncg = catalog.config_groups.len();
    let mut titles = std::collections::HashSet::new();
    for _ in 0..total {
        let i = groups.len();
        let parent = if i < roots {
            None
        } else if i == roots || rng.chance(0.35) {
            // Deepen the most recent group: gives chains down to depth 5.
            let last = groups.len() - 1;
            if groups[last].depth < 5 { Some(last) } else { Some(pick_shallow(rng, &groups)) }
        } else {
            Some(pick_shallow(rng, &groups))
        };
        let (title, depth) = match parent {
            None => (ROOT_GROUPS[i].to_string(), 1),
            Some(p) => {
                let base = format!("{}/{}", groups[p].title, rng.pick(CHILD_GROUPS));
                let mut t = base.clone();
                let mut n = 2;
                while titles.contains(&t) {
                    t = format!("{base}-{n}");
                    n += 1;
                }
                (t, groups[p].depth + 1)
            }
        };
        titles.insert(title.clone());
        let ancestors_classes: Vec<usize> = {
            let mut v = Vec::new();
            let mut g = parent;
            while let Some(p) = g {
                v.extend_from_slice(&groups[p].classes);
                g = groups[p].parent;
            }
            v
        };
        let want = if parent.is_none() { rng.range(2, 5) } else { rng.range(0, 4) } as usize;
        let mut classes = Vec::new();
        for c in rng.sample(nclasses, want) {
            if !ancestors_classes.contains(&c) {
                classes.push(c);
            }
        }
        let config_groups = if rng.chance(0.3) { rng.sample_between(ncg, 1, 2) } else { vec![] };
        let env = match parent {
            None => Some(*rng.pick(&[0, 0, 0, 0, 1, 2])),
            Some(_) if rng.chance(0.15) => Some(rng.below(ENVS.len())),
            Some(_) => None,
        };
        let eff_env = env.or_else(|| parent.and_then(|p| groups[p].eff_env));
        let own_tier = if parent.is_none() || rng.chance(0.3) { Some(*rng.pick(&TIERS[1..])) } else { None };
        let tier = own_tier.unwrap_or_else(|| parent.map(|p| groups[p].tier).unwrap_or("bronze"));
        let extra = own_tier.map(|t| vec![("tier".to_string(), V::s(t), "string")]).unwrap_or_default();
        let n = rng.range(0, 4) as usize;
        let list = rng.chance(0.5);
        let params = make_params(rng, n, list, extra);
        groups.push(Hostgroup {
            title,
            parent,
            depth,
            env,
            classes,
            config_groups,
            params,
            root_pass: (parent.is_none() || rng.chance(0.1)).then(|| crypted(rng)),
            puppet_proxy: (parent.is_none() || rng.chance(0.1)).then(|| *rng.pick(PROXIES)),
            puppet_ca_proxy: parent.is_none().then_some(CA_PROXY),
            tier,
            eff_env,
        });
    }
    groups
}

fn pick_shallow(rng: &mut Rng, groups: &[Hostgroup]) -> usize {
    loop {
        let g = rng.below(groups.len());
        if groups[g].depth < 5 {
            return g;
        }
    }
}

fn build_hosts(rng: &mut Rng, n: usize, w: &World, catalog: &Catalog) -> Vec<Host> {
    let mut per_subnet = vec![0usize; w.subnets.len()];
    let os_weights = [10, 25, 25, 10, 15, 15];
    let mut hosts = Vec::with_capacity(n);
    for index in 0..n {
        let subnet = rng.below(w.subnets.len());
        let sn = &w.subnets[subnet];
        let k = per_subnet[subnet];
        per_subnet[subnet] += 1;
        let domain = sn.domain;
        let virt = match rng.below(20) {
            0..=13 => Virt::Kvm,
            14..=16 => Virt::Vmware,
            _ => Virt::Physical,
        };
        let mac = match virt {
            Virt::Kvm => format!("52:54:00:{}", mac_tail(rng)),
            Virt::Vmware => format!("00:50:56:{}", mac_tail(rng)),
            Virt::Physical => format!("b8:ca:3a:{}", mac_tail(rng)),
        };
        let hostgroup = if rng.chance(0.01) { None } else { Some(rng.below(w.hostgroups.len())) };
        let env = match hostgroup {
            // Hosts without a host group: half have an environment of their own, half none.
            None => rng.chance(0.5).then_some(0),
            Some(_) if rng.chance(0.08) => Some(rng.below(ENVS.len())),
            Some(_) => None,
        };
        let params = if rng.chance(0.25) {
            let extra = if rng.chance(0.1) { vec![("tier".to_string(), V::s("platinum"), "string")] } else { vec![] };
            let cnt = rng.range(1, 3) as usize;
            let list = rng.chance(0.5);
            make_params(rng, cnt, list, extra)
        } else {
            Params::Map(vec![])
        };
        let own_tier = match &params {
            Params::Map(m) => m.iter().any(|(k, _)| k == "tier"),
            Params::List(l) => l.iter().any(|p| p.name == "tier"),
        };
        let tier = if own_tier { "platinum" } else { hostgroup.map(|g| w.hostgroups[g].tier).unwrap_or("bronze") };
        let mut classes = if rng.chance(0.1) || hostgroup.is_none() {
            rng.sample_between(catalog.classes.len(), 1, 2)
        } else {
            vec![]
        };
        if let Some(g) = hostgroup {
            // A host may not repeat a class its host groups already give it (not an error in
            // Foreman, but real estates rarely do it).
            let path = w.hostgroup_ancestry(g);
            classes.retain(|c| !path.iter().any(|&p| w.hostgroups[p].classes.contains(c)));
        }
        // A class assigned to the host itself must exist in the host's environment (Foreman
        // refuses the host otherwise); inherited classes are filtered at resolution instead.
        if let Some(e) = env.or_else(|| hostgroup.and_then(|g| w.hostgroups[g].eff_env)) {
            classes.retain(|&c| catalog.classes[c].envs.as_ref().is_none_or(|envs| envs.contains(&e)));
        }
        let config_groups = if rng.chance(0.05) { vec![rng.below(catalog.config_groups.len())] } else { vec![] };
        let secondary = rng.chance(0.1).then(|| {
            let s2 = rng.below(w.subnets.len());
            let k2 = per_subnet[s2];
            per_subnet[s2] += 1;
            (s2, w.subnets[s2].host_ip(k2))
        });
        hosts.push(Host {
            index,
            name: format!("host-{index:06}.{}", w.domains[domain].name),
            hostgroup,
            org: rng.below(ORGS.len()),
            loc: sn.loc,
            domain,
            subnet,
            os: rng.weighted(&os_weights),
            env,
            ip: sn.host_ip(k),
            mac,
            virt,
            cpus: *rng.pick(&[2, 2, 4, 4, 4, 8, 8, 16]),
            mem_gib: *rng.pick(&[4, 8, 8, 16, 16, 32, 64, 128]),
            tier,
            classes,
            config_groups,
            params,
            comment: rng.chance(0.2).then(|| *rng.pick(COMMENTS)),
            owner: rng.chance(0.3).then(|| *rng.pick(OWNERS)),
            root_pass: rng.chance(0.01).then(|| crypted(rng)),
            puppet_proxy: rng.chance(0.02).then(|| *rng.pick(PROXIES)),
            secondary,
        });
    }
    hosts
}

fn mac_tail(rng: &mut Rng) -> String {
    let h = rng.hex(6);
    format!("{}:{}:{}", &h[0..2], &h[2..4], &h[4..6])
}

pub(crate) fn ip_text(ip: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3])
}
