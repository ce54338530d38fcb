//! Deterministic generation of large, realistic estates (for benchmarks, load tests and demos).
//!
//! [`generate`] writes an estate directory (see `docs/estate-format.md`) shaped like a real
//! Foreman site: nested organizations and locations, domains, subnets, operating systems, host
//! group trees up to five levels deep, a few hundred Puppet classes whose smart class parameters
//! carry thousands of override values over every matcher kind (fqdn, hostgroup, os, domain,
//! organization, location, environment, combined lines, facts, host parameters), merges, `omit`,
//! hidden values, validators, custom parameters at every level, and hosts with Facter-like facts
//! (~6 KB of YAML each). Output depends only on `(hosts, seed)`: same options, same bytes.
//!
//! Layout: `settings.yaml`, `parameters.yaml`, `organizations.yaml`, `network.yaml`,
//! `operatingsystems.yaml`, `puppetclasses.yaml`, `hostgroups.yaml`, and the hosts split over
//! `hosts/hosts-0000.yaml`, `hosts/hosts-0001.yaml`, ... ([`HOSTS_PER_FILE`] each) so that a
//! loader can parse them in parallel.
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let summary = lamina_generate::generate(&lamina_generate::GenOptions { hosts: 20, seed: 1 }, dir.path())?;
//! assert_eq!(summary.hosts, 20);
//! assert!(dir.path().join("hosts/hosts-0000.yaml").is_file());
//! # Ok::<(), std::io::Error>(())
//! ```

mod classes;
mod emit;
mod facts;
mod rng;
mod world;

use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;

use classes::{Catalog, ORDERS};
use emit::{Out, V};
use rng::Rng;
use world::{ListParam, Params, Subnet, World, ip_text};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Number of hosts.
    pub hosts: usize,
    /// PRNG seed; the same `(hosts, seed)` always gives byte-identical files.
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenSummary {
    /// Files written.
    pub files: usize,
    /// Total size of the files written.
    pub bytes: u64,
    /// Hosts written.
    pub hosts: usize,
    /// Host groups written.
    pub hostgroups: usize,
    /// Puppet classes written.
    pub classes: usize,
    /// Smart class parameters over all classes.
    pub smart_parameters: usize,
    /// Override values over all smart class parameters.
    pub override_values: usize,
}

/// Hosts per `hosts/hosts-NNNN.yaml` file.
pub const HOSTS_PER_FILE: usize = 250;

const STREAM_MODEL: u64 = 1;
const STREAM_FACTS: u64 = 2;

/// Writes a generated estate into `out` (created if missing). Files of a previous run named
/// `hosts/hosts-NNNN.yaml` beyond this run's last one are removed, so that a smaller estate
/// generated over a larger one is not mixed with stale hosts; nothing else is touched.
pub fn generate(opts: &GenOptions, out: &Path) -> io::Result<GenSummary> {
    let mut rng = Rng::derive(opts.seed, STREAM_MODEL, 0);
    let mut catalog = Catalog::names(&mut rng, opts.hosts);
    let world = World::build(&mut rng, opts.hosts, &catalog);
    catalog.fill_keys(&mut rng, &world);

    fs::create_dir_all(out.join("hosts"))?;
    let docs: Vec<(&str, Vec<u8>)> = vec![
        ("settings.yaml", settings_doc(&world)),
        ("parameters.yaml", parameters_doc(&world)),
        ("organizations.yaml", organizations_doc(&world)),
        ("network.yaml", network_doc(&world)),
        ("operatingsystems.yaml", operatingsystems_doc(&world)),
        ("puppetclasses.yaml", puppetclasses_doc(&catalog)),
        ("hostgroups.yaml", hostgroups_doc(&world, &catalog)),
    ];
    let mut files = 0;
    let mut bytes = 0u64;
    for (name, doc) in &docs {
        fs::write(out.join(name), doc)?;
        files += 1;
        bytes += doc.len() as u64;
    }

    let chunks = opts.hosts.div_ceil(HOSTS_PER_FILE);
    let host_bytes: Vec<u64> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let lo = c * HOSTS_PER_FILE;
            let hi = (lo + HOSTS_PER_FILE).min(opts.hosts);
            let doc = hosts_doc(&world, &catalog, lo..hi, opts.seed);
            fs::write(out.join("hosts").join(host_file_name(c)), &doc)?;
            Ok(doc.len() as u64)
        })
        .collect::<io::Result<_>>()?;
    files += host_bytes.len();
    bytes += host_bytes.iter().sum::<u64>();
    remove_stale_host_files(&out.join("hosts"), chunks)?;

    Ok(GenSummary {
        files,
        bytes,
        hosts: world.hosts.len(),
        hostgroups: world.hostgroups.len(),
        classes: catalog.classes.len(),
        smart_parameters: catalog.classes.iter().map(|c| c.keys.len()).sum(),
        override_values: catalog.classes.iter().flat_map(|c| &c.keys).map(|k| k.values.len()).sum(),
    })
}

fn host_file_name(chunk: usize) -> String {
    format!("hosts-{chunk:04}.yaml")
}

fn remove_stale_host_files(dir: &Path, chunks: usize) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(num) = name.strip_prefix("hosts-").and_then(|s| s.strip_suffix(".yaml")) else { continue };
        if num.len() >= 4 && num.bytes().all(|b| b.is_ascii_digit()) && num.parse::<usize>().is_ok_and(|n| n >= chunks)
        {
            fs::remove_file(dir.join(name))?;
        }
    }
    Ok(())
}

const HEADER: &str = "# Generated by lamina-hierarchy's estate generator; do not edit.\n";

fn settings_doc(w: &World) -> Vec<u8> {
    let mut o = Out::with_capacity(1024);
    o.raw(HEADER);
    o.open(0, "settings");
    o.kv_strs(1, "default_lookup_path", world::DEFAULT_LOOKUP_PATH);
    o.kv_b(1, "matchers_inheritance", true);
    o.kv_b(1, "enc_environment", true);
    let mut r = Rng::new(0x5e77);
    o.kv_s(1, "root_pass", &world::crypted(&mut r));
    o.kv_strs(0, "environments", &w.envs);
    o.b
}

fn parameters_doc(w: &World) -> Vec<u8> {
    let mut o = Out::with_capacity(4096);
    o.raw(HEADER);
    write_params(&mut o, 0, &w.globals);
    o.b
}

/// `parameters:` at `ind` (nothing when empty).
fn write_params(o: &mut Out, ind: usize, p: &Params) {
    if p.is_empty() {
        return;
    }
    o.open(ind, "parameters");
    match p {
        Params::Map(m) => {
            for (k, v) in m {
                o.kv_v(ind + 1, k, v);
            }
        }
        Params::List(l) => {
            for ListParam { name, value, ptype, hidden } in l {
                o.indent(ind + 1);
                o.raw("- {name: ");
                o.qstr(name);
                o.raw(", value: ");
                o.value(value);
                if let Some(t) = ptype {
                    o.raw(", parameter_type: ");
                    o.qstr(t);
                }
                if *hidden {
                    o.raw(", hidden_value: true");
                }
                o.raw("}\n");
            }
        }
    }
}

fn organizations_doc(w: &World) -> Vec<u8> {
    let mut o = Out::with_capacity(4096);
    o.raw(HEADER);
    for (section, items) in [("organizations", &w.orgs), ("locations", &w.locs)] {
        o.open(0, section);
        for t in items {
            o.raw("  - title: ");
            o.qstr(&t.title);
            o.nl();
            write_params(&mut o, 2, &t.params);
        }
    }
    o.b
}

fn network_doc(w: &World) -> Vec<u8> {
    let mut o = Out::with_capacity(16 * 1024);
    o.raw(HEADER);
    o.open(0, "domains");
    for d in &w.domains {
        o.raw("  - name: ");
        o.qstr(d.name);
        o.nl();
        o.kv_s(2, "fullname", d.fullname);
        write_params(&mut o, 2, &d.params);
    }
    o.open(0, "subnets");
    for s in &w.subnets {
        o.raw("  - name: ");
        o.qstr(&s.name);
        o.nl();
        o.kv_s(2, "network", &s.network());
        o.kv_s(2, "mask", Subnet::MASK);
        o.kv_s(2, "gateway", &format!("10.{}.0.1", s.o2));
        o.kv_s(2, "dns_primary", &format!("10.{}.0.2", s.o2));
        o.kv_s(2, "dns_secondary", &format!("10.{}.0.3", s.o2));
        o.kv_s(2, "from", &format!("10.{}.0.10", s.o2));
        o.kv_s(2, "to", &format!("10.{}.15.250", s.o2));
        o.kv_i(2, "vlanid", i64::from(s.vlan));
        o.kv_i(2, "mtu", i64::from(s.mtu));
        o.kv_s(2, "boot_mode", s.boot_mode);
        o.kv_s(2, "ipam", s.ipam);
        o.kv_s(2, "network_type", "IPv4");
        o.kv_s(2, "description", &s.description);
        write_params(&mut o, 2, &s.params);
    }
    o.b
}

fn operatingsystems_doc(w: &World) -> Vec<u8> {
    let mut o = Out::with_capacity(4096);
    o.raw(HEADER);
    o.open(0, "operatingsystems");
    for os in &w.oses {
        o.raw("  - name: ");
        o.qstr(os.name);
        o.nl();
        o.kv_s(2, "major", os.major);
        if let Some(m) = os.minor {
            o.kv_s(2, "minor", m);
        }
        o.kv_s(2, "description", os.description);
        o.kv_s(2, "password_hash", "SHA512");
        write_params(&mut o, 2, &os.params);
    }
    o.b
}

fn puppetclasses_doc(cat: &Catalog) -> Vec<u8> {
    let mut o = Out::with_capacity(2 << 20);
    o.raw(HEADER);
    o.open(0, "puppetclasses");
    for c in &cat.classes {
        o.key(1, &c.name);
        if c.keys.is_empty() && c.envs.is_none() {
            o.raw(" {}\n");
            continue;
        }
        o.nl();
        if let Some(envs) = &c.envs {
            let names: Vec<&str> = envs.iter().map(|&e| world::ENVS[e]).collect();
            o.kv_strs(2, "environments", &names);
        }
        if c.keys.is_empty() {
            continue;
        }
        o.open(2, "parameters");
        for k in &c.keys {
            o.open(3, k.name);
            if let Some(d) = &k.description {
                o.kv_s(4, "description", d);
            }
            o.kv_s(4, "parameter_type", k.kind.ptype());
            if let Some(d) = &k.default {
                o.kv_v(4, "default_value", d);
            }
            o.kv_b(4, "override", k.override_);
            if let Some((i, as_text)) = k.order {
                if as_text {
                    o.kv_s(4, "override_value_order", &ORDERS[i].join("\n"));
                } else {
                    o.kv_strs(4, "override_value_order", ORDERS[i]);
                }
            }
            for (flag, name) in [
                (k.merge, "merge_overrides"),
                (k.merge_default, "merge_default"),
                (k.avoid_duplicates, "avoid_duplicates"),
                (k.omit, "omit"),
                (k.hidden, "hidden_value"),
                (k.required, "required"),
            ] {
                if flag {
                    o.kv_b(4, name, true);
                }
            }
            if let Some((ty, rule)) = k.validator {
                o.kv_s(4, "validator_type", ty);
                o.kv_s(4, "validator_rule", rule);
            }
            if k.values.is_empty() {
                continue;
            }
            o.open(4, "override_values");
            for v in &k.values {
                o.indent(5);
                o.raw("- {match: ");
                o.qstr(&v.matcher);
                if let Some(val) = &v.value {
                    o.raw(", value: ");
                    o.value(val);
                }
                if v.omit {
                    o.raw(", omit: true");
                }
                o.raw("}\n");
            }
        }
    }
    o.open(0, "config_groups");
    for g in &cat.config_groups {
        o.raw("  - {name: ");
        o.qstr(&g.name);
        o.raw(", puppetclasses: [");
        for (i, &c) in g.classes.iter().enumerate() {
            if i > 0 {
                o.raw(", ");
            }
            o.qstr(&cat.classes[c].name);
        }
        o.raw("]}\n");
    }
    o.b
}

fn class_list(o: &mut Out, ind: usize, key: &str, cat: &Catalog, classes: &[usize]) {
    if classes.is_empty() {
        return;
    }
    let names: Vec<&str> = classes.iter().map(|&c| cat.classes[c].name.as_str()).collect();
    o.kv_strs(ind, key, &names);
}

fn config_group_list(o: &mut Out, ind: usize, cat: &Catalog, groups: &[usize]) {
    if groups.is_empty() {
        return;
    }
    let names: Vec<&str> = groups.iter().map(|&g| cat.config_groups[g].name.as_str()).collect();
    o.kv_strs(ind, "config_groups", &names);
}

fn hostgroups_doc(w: &World, cat: &Catalog) -> Vec<u8> {
    let mut o = Out::with_capacity(w.hostgroups.len() * 600);
    o.raw(HEADER);
    o.open(0, "hostgroups");
    for g in &w.hostgroups {
        o.raw("  - title: ");
        o.qstr(&g.title);
        o.nl();
        if let Some(e) = g.env {
            o.kv_s(2, "environment", world::ENVS[e]);
        }
        class_list(&mut o, 2, "puppetclasses", cat, &g.classes);
        config_group_list(&mut o, 2, cat, &g.config_groups);
        write_params(&mut o, 2, &g.params);
        if let Some(p) = &g.root_pass {
            o.kv_s(2, "root_pass", p);
        }
        if let Some(p) = g.puppet_proxy {
            o.kv_s(2, "puppet_proxy", p);
        }
        if let Some(p) = g.puppet_ca_proxy {
            o.kv_s(2, "puppet_ca_proxy", p);
        }
    }
    o.b
}

fn hosts_doc(w: &World, cat: &Catalog, range: std::ops::Range<usize>, seed: u64) -> Vec<u8> {
    let mut o = Out::with_capacity(range.len() * 7 * 1024);
    o.raw(HEADER);
    o.open(0, "hosts");
    for h in &w.hosts[range] {
        let mut rng = Rng::derive(seed, STREAM_FACTS, h.index as u64);
        o.raw("  - name: ");
        o.qstr(&h.name);
        o.nl();
        if let Some(g) = h.hostgroup {
            o.kv_s(2, "hostgroup", &w.hostgroups[g].title);
        }
        o.kv_s(2, "organization", &w.orgs[h.org].title);
        o.kv_s(2, "location", &w.locs[h.loc].title);
        o.kv_s(2, "domain", w.domains[h.domain].name);
        o.kv_s(2, "subnet", &w.subnets[h.subnet].name);
        o.kv_s(2, "operatingsystem", &w.oses[h.os].title());
        o.kv_s(2, "architecture", "x86_64");
        if let Some(e) = h.env {
            o.kv_s(2, "environment", world::ENVS[e]);
        }
        class_list(&mut o, 2, "puppetclasses", cat, &h.classes);
        config_group_list(&mut o, 2, cat, &h.config_groups);
        if let Some(c) = h.comment {
            o.kv_s(2, "comment", c);
        }
        if let Some((name, email)) = h.owner {
            o.kv_v(2, "owner", &V::H(vec![("name".into(), V::s(name)), ("email".into(), V::s(email))]));
        }
        if let Some(p) = &h.root_pass {
            o.kv_s(2, "root_pass", p);
        }
        if let Some(p) = h.puppet_proxy {
            o.kv_s(2, "puppet_proxy", p);
        }
        write_params(&mut o, 2, &h.params);
        o.open(2, "interfaces");
        nic_line(&mut o, "eth0", h.ip, &h.mac, &w.subnets[h.subnet].name, true);
        if let Some((s2, ip2)) = h.secondary {
            let mac2 = format!("{}:{:02x}", &h.mac[..14], (h.index % 251) as u8);
            nic_line(&mut o, "eth1", ip2, &mac2, &w.subnets[s2].name, false);
        }
        o.open(2, "facts");
        facts::write_facts(&mut o, 3, w, h, &mut rng);
    }
    o.b
}

fn nic_line(o: &mut Out, id: &str, ip: [u8; 4], mac: &str, subnet: &str, primary: bool) {
    o.raw("      - {identifier: ");
    o.qstr(id);
    o.raw(", ip: ");
    o.qstr(&ip_text(ip));
    o.raw(", mac: ");
    o.qstr(mac);
    o.raw(", subnet: ");
    o.qstr(subnet);
    if primary {
        o.raw(", primary: true, provision: true");
    } else {
        o.raw(", primary: false, provision: false");
    }
    o.raw(", managed: true, type: \"interface\"}\n");
}

#[cfg(test)]
mod tests;
