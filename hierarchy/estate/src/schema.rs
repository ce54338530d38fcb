//! The field names of the estate format, per section: the one table the loader accepts (every
//! `unknown field` check reads its list from here), that the store's writer, reader and exporter
//! are held to (`tests/estate_fields.rs` round-trips every field of it), and that the generator
//! writes from. `docs/estate-format.md` documents each field.

use lamina_foreman::{NIC_EXPORT, SUBNET_EXPORT};

/// A subnet: every attribute Foreman exports for it (`name` first), then its parameters.
const SUBNET: [&str; SUBNET_EXPORT.len() + 1] = {
    let mut out = [""; SUBNET_EXPORT.len() + 1];
    let mut i = 0;
    while i < SUBNET_EXPORT.len() {
        out[i] = SUBNET_EXPORT[i];
        i += 1;
    }
    out[SUBNET_EXPORT.len()] = "parameters";
    out
};

/// Every section of the estate format and the fields it accepts, in the order the loader lists
/// them in its `unknown field` messages. Sections are named by their place in an estate file:
///
/// - `estate`: the top level of an estate file;
/// - `settings`;
/// - `parameters`: one entry of a parameter list (PARAMS in its list form), whoever owns it;
/// - `organizations`, `locations`, `domains`, `subnets`, `operatingsystems`, `config_groups`,
///   `hostgroups`, `hosts`: one entry of that list;
/// - `puppetclasses`: one class (the value under its name);
/// - `puppetclasses.parameters`: one smart class parameter (the value under its key);
/// - `puppetclasses.parameters.override_values`: one override value;
/// - `hosts.owner`, `hosts.interfaces`: a host's owner, one of its interfaces.
///
/// `environments` is a list of names and has no fields; a PARAMS map, `facts` and an
/// interface's `attrs` hold names the user chooses.
pub const FIELDS: &[(&str, &[&str])] = &[
    (
        "estate",
        &[
            "settings",
            "parameters",
            "organizations",
            "locations",
            "domains",
            "subnets",
            "operatingsystems",
            "environments",
            "puppetclasses",
            "config_groups",
            "hostgroups",
            "hosts",
        ],
    ),
    (
        "settings",
        &[
            "default_lookup_path",
            "matchers_inheritance",
            "enc_environment",
            "root_pass",
            "interpolate_erb_in_parameters",
            "safemode_render",
        ],
    ),
    ("parameters", &["name", "value", "parameter_type", "hidden_value"]),
    ("organizations", &["title", "parameters"]),
    ("locations", &["title", "parameters"]),
    ("domains", &["name", "fullname", "parameters"]),
    ("subnets", &SUBNET),
    ("operatingsystems", &["name", "major", "minor", "description", "password_hash", "family", "parameters"]),
    ("puppetclasses", &["environments", "parameters"]),
    (
        "puppetclasses.parameters",
        &[
            "parameter_type",
            "default_value",
            "override",
            "override_value_order",
            "merge_overrides",
            "merge_default",
            "avoid_duplicates",
            "omit",
            "hidden_value",
            "validator_type",
            "validator_rule",
            "required",
            "description",
            "override_values",
            "key_type",
        ],
    ),
    ("puppetclasses.parameters.override_values", &["match", "value", "omit"]),
    ("config_groups", &["name", "puppetclasses"]),
    (
        "hostgroups",
        &[
            "title",
            "environment",
            "puppetclasses",
            "config_groups",
            "parameters",
            "root_pass",
            "puppet_proxy",
            "puppet_ca_proxy",
        ],
    ),
    (
        "hosts",
        &[
            "name",
            "certname",
            "hostgroup",
            "organization",
            "location",
            "domain",
            "subnet",
            "subnet6",
            "operatingsystem",
            "architecture",
            "environment",
            "puppetclasses",
            "config_groups",
            "parameters",
            "comment",
            "owner",
            "root_pass",
            "puppet_proxy",
            "puppet_ca_proxy",
            "interfaces",
            "facts",
        ],
    ),
    ("hosts.owner", &["name", "email"]),
    // An interface takes exactly the attributes Foreman exports for it.
    ("hosts.interfaces", &NIC_EXPORT),
];

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The fields of `section` in [`FIELDS`]. The loader calls it in constants, so a section
/// missing from the table fails the build.
///
/// # Panics
/// When `section` is not in [`FIELDS`].
#[must_use]
pub const fn fields_of(section: &str) -> &'static [&'static str] {
    let mut i = 0;
    while i < FIELDS.len() {
        if same(FIELDS[i].0, section) {
            return FIELDS[i].1;
        }
        i += 1;
    }
    panic!("no such section in the estate format's field table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_fields_are_unique() {
        for (i, (s, fields)) in FIELDS.iter().enumerate() {
            assert!(FIELDS[..i].iter().all(|(t, _)| t != s), "section {s} twice");
            for (j, f) in fields.iter().enumerate() {
                assert!(!f.is_empty() && !fields[..j].contains(f), "{s}: field {f:?}");
            }
        }
    }

    #[test]
    fn subnets_and_interfaces_follow_the_enc() {
        assert_eq!(fields_of("subnets")[..SUBNET_EXPORT.len()], SUBNET_EXPORT);
        assert_eq!(fields_of("subnets").last(), Some(&"parameters"));
        assert_eq!(fields_of("hosts.interfaces"), NIC_EXPORT);
    }

    /// An unknown field in each section, and the exact message naming what is accepted.
    #[test]
    fn unknown_field_messages() {
        let cases: [(&str, &str, &str); 16] = [
            (
                "bogus: 1",
                "estate file",
                "settings, parameters, organizations, locations, domains, subnets, operatingsystems, environments, puppetclasses, config_groups, hostgroups, hosts",
            ),
            (
                "settings: {bogus: 1}",
                "settings",
                "default_lookup_path, matchers_inheritance, enc_environment, root_pass, interpolate_erb_in_parameters, safemode_render",
            ),
            (
                "parameters: [{name: a, bogus: 1}]",
                "global parameters parameters",
                "name, value, parameter_type, hidden_value",
            ),
            ("organizations: [{title: a, bogus: 1}]", "organization", "title, parameters"),
            ("locations: [{title: a, bogus: 1}]", "location", "title, parameters"),
            ("domains: [{name: a, bogus: 1}]", "domain", "name, fullname, parameters"),
            (
                "subnets: [{name: a, bogus: 1}]",
                "subnet",
                "name, network, mask, gateway, dns_primary, dns_secondary, from, to, boot_mode, ipam, vlanid, mtu, nic_delay, network_type, description, parameters",
            ),
            (
                "operatingsystems: [{name: a, major: '1', bogus: 1}]",
                "operating system",
                "name, major, minor, description, password_hash, family, parameters",
            ),
            ("puppetclasses: {a: {bogus: 1}}", "puppet class a", "environments, parameters"),
            (
                "puppetclasses: {a: {parameters: {k: {bogus: 1}}}}",
                "a::k",
                "parameter_type, default_value, override, override_value_order, merge_overrides, merge_default, avoid_duplicates, omit, hidden_value, validator_type, validator_rule, required, description, override_values, key_type",
            ),
            (
                "puppetclasses: {a: {parameters: {k: {override_values: [{match: 'fqdn=x', bogus: 1}]}}}}",
                "a::k override value",
                "match, value, omit",
            ),
            ("config_groups: [{name: a, bogus: 1}]", "config group", "name, puppetclasses"),
            (
                "hostgroups: [{title: a, bogus: 1}]",
                "host group",
                "title, environment, puppetclasses, config_groups, parameters, root_pass, puppet_proxy, puppet_ca_proxy",
            ),
            (
                "hosts: [{name: a, bogus: 1}]",
                "host",
                "name, certname, hostgroup, organization, location, domain, subnet, subnet6, operatingsystem, architecture, environment, puppetclasses, config_groups, parameters, comment, owner, root_pass, puppet_proxy, puppet_ca_proxy, interfaces, facts",
            ),
            ("hosts: [{name: a, owner: {bogus: 1}}]", "host owner", "name, email"),
            (
                "hosts: [{name: a, interfaces: [{bogus: 1}]}]",
                "interface",
                "ip, ip6, mac, name, attrs, virtual, link, identifier, managed, primary, provision, subnet, subnet6, tag, attached_to, type",
            ),
        ];
        for (text, what, expected) in cases {
            let errs = crate::load_source_str(text, "t.yaml", &lamina_yaml::Limits::default()).expect_err(text);
            // The error points at the key itself: line and column.
            let col = text.find("bogus").expect("bogus") + 1;
            let want = format!("t.yaml:1:{col}: {what}: unknown field \"bogus\" (expected one of: {expected})");
            assert!(errs.0.iter().any(|e| e.to_string() == want), "{text}: {errs:?}\nwanted {want}");
        }
    }
}
