//! The estate as written: Foreman objects with the field names of Foreman's API (v2), each
//! remembering where it was defined so that every error can name the file and line.
//!
//! This is the *input* model. [`crate::compile`] validates it the way Foreman validates the same
//! objects when it saves them and turns it into the indexed, immutable [`crate::Estate`].

use crate::value::{Map, Value};
use std::sync::Arc;

/// Where an object was defined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// File path as given to the loader (or a label such as `<api>`).
    pub file: Arc<str>,
    /// 1-based line; 0 when unknown.
    pub line: u32,
}

impl Origin {
    /// An origin in `file` at `line`.
    #[must_use]
    pub fn new(file: &Arc<str>, line: u32) -> Self {
        Origin { file: Arc::clone(file), line }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 { write!(f, "{}:{}", self.file, self.line) } else { write!(f, "{}", self.file) }
    }
}

/// Foreman's `key_type` / `parameter_type` (core `app/models/concerns/key_type.rb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// `string`
    String,
    /// `boolean`
    Boolean,
    /// `integer`
    Integer,
    /// `real`
    Real,
    /// `array`
    Array,
    /// `hash`
    Hash,
    /// `yaml`
    Yaml,
    /// `json`
    Json,
}

impl ParamType {
    /// Every type, in Foreman's `KEY_TYPES` order.
    pub const ALL: [ParamType; 8] = [
        ParamType::String,
        ParamType::Boolean,
        ParamType::Integer,
        ParamType::Real,
        ParamType::Array,
        ParamType::Hash,
        ParamType::Yaml,
        ParamType::Json,
    ];

    /// Parse Foreman's name of the type.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Foreman's name of the type.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Boolean => "boolean",
            ParamType::Integer => "integer",
            ParamType::Real => "real",
            ParamType::Array => "array",
            ParamType::Hash => "hash",
            ParamType::Yaml => "yaml",
            ParamType::Json => "json",
        }
    }

    /// Types whose overrides may be merged (`merge_overrides`).
    #[must_use]
    pub fn mergeable(self) -> bool {
        matches!(self, ParamType::Array | ParamType::Hash | ParamType::Yaml | ParamType::Json)
    }
}

/// A custom parameter (global, organization, location, domain, subnet, OS, host group, host).
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Name (no whitespace).
    pub name: String,
    /// Value as written (cast by [`crate::compile`]).
    pub value: Value,
    /// Declared type; `None` in the map form, where the YAML value's own type is kept.
    pub parameter_type: Option<ParamType>,
    /// Display-only masking; the ENC gets the real value.
    pub hidden_value: bool,
    /// Where it was defined.
    pub origin: Origin,
}

/// Settings that change resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Foreman's `Default_parameters_Lookup_Path`.
    pub default_lookup_path: Vec<String>,
    /// Host group / organization / location matchers also match ancestors.
    pub matchers_inheritance: bool,
    /// Emit `environment` in the ENC.
    pub enc_environment: bool,
    /// Crypted default root password (`Setting[:root_pass]`).
    pub root_pass: Option<String>,
    /// Render ERB in parameter values per host (Foreman's `interpolate_erb_in_parameters`, on by
    /// default); off, templates are sent as written.
    pub interpolate_erb_in_parameters: bool,
    /// Render that ERB in Foreman's safemode jail (`safemode_render`, on by default), which refuses
    /// some attributes (`@host.environment`); off, they are allowed.
    pub safemode_render: bool,
    /// Where each setting was given, for messages.
    pub origin: Origin,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_lookup_path: ["fqdn", "hostgroup", "os", "domain"].map(String::from).to_vec(),
            matchers_inheritance: true,
            enc_environment: true,
            root_pass: None,
            interpolate_erb_in_parameters: true,
            safemode_render: true,
            origin: Origin::default(),
        }
    }
}

/// An organization or a location: nested by its title `Parent/Child`.
#[derive(Clone, Debug, PartialEq)]
pub struct Taxonomy {
    /// Full title.
    pub title: String,
    /// Own parameters.
    pub parameters: Vec<Parameter>,
    /// Where it was defined.
    pub origin: Origin,
}

/// A DNS domain.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    /// Name, e.g. `example.com`.
    pub name: String,
    /// Description (`foreman_domain_description`).
    pub fullname: Option<String>,
    /// Own parameters.
    pub parameters: Vec<Parameter>,
    /// Where it was defined.
    pub origin: Origin,
}

/// A subnet. `attrs` holds the exported attributes (`network`, `mask`, ...) as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Subnet {
    /// Name.
    pub name: String,
    /// Exported attributes other than the name.
    pub attrs: Map,
    /// Own parameters.
    pub parameters: Vec<Parameter>,
    /// Where it was defined.
    pub origin: Origin,
}

/// An operating system.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatingSystem {
    /// Name, e.g. `CentOS`.
    pub name: String,
    /// Major version (a string).
    pub major: String,
    /// Minor version (a string, may be empty).
    pub minor: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Password hash (`Base64` suppresses `root_pw`).
    pub password_hash: Option<String>,
    /// Family (Foreman's `type`: `Redhat`, `Debian`, `Suse`, `Windows`...), read by templates.
    pub family: Option<String>,
    /// Own parameters.
    pub parameters: Vec<Parameter>,
    /// Where it was defined.
    pub origin: Origin,
}

impl OperatingSystem {
    /// Foreman's `Operatingsystem#to_label`/`to_s`: `"<name> <major>[.<minor>]"`.
    #[must_use]
    pub fn title(&self) -> String {
        match self.minor.as_deref() {
            Some(m) if !m.is_empty() => format!("{} {}.{}", self.name, self.major, m),
            _ => format!("{} {}", self.name, self.major),
        }
    }
}

/// `regexp` or `list` validation of a smart class parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValidatorType {
    /// `value =~ /rule/` (unanchored).
    Regexp,
    /// `rule.split(',').map(&:strip).include?(value.to_s)`.
    List,
}

/// A smart class parameter (Foreman's `PuppetclassLookupKey`).
#[derive(Clone, Debug, PartialEq)]
pub struct SmartParam {
    /// Parameter name (`key`).
    pub key: String,
    /// `parameter_type` (default string).
    pub parameter_type: ParamType,
    /// `default_value`, absent when not given.
    pub default_value: Option<Value>,
    /// Only overridden keys are sent in the ENC.
    pub override_: bool,
    /// `override_value_order` lines, each a list of attributes; `None` = settings default.
    pub order: Option<Vec<Vec<String>>>,
    /// Merge matching overrides.
    pub merge_overrides: bool,
    /// Start the merge from the default.
    pub merge_default: bool,
    /// Arrays: drop duplicates while merging.
    pub avoid_duplicates: bool,
    /// Do not send the default value.
    pub omit: bool,
    /// Display-only masking.
    pub hidden_value: bool,
    /// Validation kind.
    pub validator_type: Option<ValidatorType>,
    /// Validation rule.
    pub validator_rule: Option<String>,
    /// Stored, shown as a warning in Foreman, never enforced by the ENC.
    pub required: bool,
    /// Free text.
    pub description: Option<String>,
    /// Override values (`LookupValue`s).
    pub override_values: Vec<OverrideValue>,
    /// Where it was defined.
    pub origin: Origin,
}

/// One override value of a smart class parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct OverrideValue {
    /// The matcher as written, e.g. `domain=example.com,hostgroup=Base`.
    pub match_: String,
    /// The value (absent only with `omit`).
    pub value: Option<Value>,
    /// When this value wins, the parameter is not sent.
    pub omit: bool,
    /// Where it was defined.
    pub origin: Origin,
}

/// A Puppet class.
#[derive(Clone, Debug, PartialEq)]
pub struct PuppetClass {
    /// Class name, e.g. `ntp` or `profile::web`.
    pub name: String,
    /// Environments that have the class; `None` = every environment.
    pub environments: Option<Vec<String>>,
    /// Smart class parameters.
    pub parameters: Vec<SmartParam>,
    /// Where it was defined.
    pub origin: Origin,
}

/// A config group: a named set of classes.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigGroup {
    /// Name.
    pub name: String,
    /// Class names.
    pub puppetclasses: Vec<String>,
    /// Where it was defined.
    pub origin: Origin,
}

/// A host group, nested by its title `Parent/Child`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Hostgroup {
    /// Full title.
    pub title: String,
    /// Puppet environment (inherited by descendants that set none).
    pub environment: Option<String>,
    /// Directly assigned classes.
    pub puppetclasses: Vec<String>,
    /// Config groups.
    pub config_groups: Vec<String>,
    /// Own parameters.
    pub parameters: Vec<Parameter>,
    /// Crypted root password (inherited).
    pub root_pass: Option<String>,
    /// Puppet proxy host (inherited) → `puppetmaster`.
    pub puppet_proxy: Option<String>,
    /// Puppet CA proxy host (inherited) → `puppet_ca`.
    pub puppet_ca_proxy: Option<String>,
    /// Where it was defined.
    pub origin: Origin,
}

/// A host's owner.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Owner {
    /// Display name → `owner_name`.
    pub name: Option<String>,
    /// Mail → `owner_email`.
    pub email: Option<String>,
}

/// A network interface, attributes as written (`identifier`, `ip`, `mac`, `subnet`, ...).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Interface {
    /// Attributes as written.
    pub attrs: Map,
    /// Where it was defined.
    pub origin: Origin,
}

impl Interface {
    /// A string attribute.
    #[must_use]
    pub fn get_str(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).and_then(Value::as_str)
    }
    /// True if `primary: true`.
    #[must_use]
    pub fn is_primary(&self) -> bool {
        matches!(self.attrs.get("primary"), Some(Value::Bool(true)))
    }
}

/// A host.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Host {
    /// FQDN.
    pub name: String,
    /// What Puppet asks for; defaults to `name`.
    pub certname: Option<String>,
    /// Host group title.
    pub hostgroup: Option<String>,
    /// Organization title.
    pub organization: Option<String>,
    /// Location title.
    pub location: Option<String>,
    /// Domain name.
    pub domain: Option<String>,
    /// IPv4 subnet name.
    pub subnet: Option<String>,
    /// IPv6 subnet name.
    pub subnet6: Option<String>,
    /// OS title.
    pub operatingsystem: Option<String>,
    /// Architecture name.
    pub architecture: Option<String>,
    /// Puppet environment; `None` = the host group's.
    pub environment: Option<String>,
    /// Directly assigned classes.
    pub puppetclasses: Vec<String>,
    /// Directly assigned config groups.
    pub config_groups: Vec<String>,
    /// Own parameters.
    pub parameters: Vec<Parameter>,
    /// Free text.
    pub comment: Option<String>,
    /// Owner.
    pub owner: Option<Owner>,
    /// Crypted root password.
    pub root_pass: Option<String>,
    /// Puppet proxy host.
    pub puppet_proxy: Option<String>,
    /// Puppet CA proxy host.
    pub puppet_ca_proxy: Option<String>,
    /// Interfaces.
    pub interfaces: Vec<Interface>,
    /// Facts, nested as Facter reports them.
    pub facts: Arc<Map>,
    /// Where it was defined.
    pub origin: Origin,
}

impl Host {
    /// The certname Puppet uses.
    #[must_use]
    pub fn certname(&self) -> &str {
        self.certname.as_deref().unwrap_or(&self.name)
    }
}

/// Everything an estate holds, as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EstateSource {
    /// Settings.
    pub settings: Settings,
    /// Global parameters.
    pub parameters: Vec<Parameter>,
    /// Organizations.
    pub organizations: Vec<Taxonomy>,
    /// Locations.
    pub locations: Vec<Taxonomy>,
    /// Domains.
    pub domains: Vec<Domain>,
    /// Subnets.
    pub subnets: Vec<Subnet>,
    /// Operating systems.
    pub operatingsystems: Vec<OperatingSystem>,
    /// Puppet environments (with where each was named).
    pub environments: Vec<(String, Origin)>,
    /// Puppet classes.
    pub puppetclasses: Vec<PuppetClass>,
    /// Config groups.
    pub config_groups: Vec<ConfigGroup>,
    /// Host groups.
    pub hostgroups: Vec<Hostgroup>,
    /// Hosts.
    pub hosts: Vec<Host>,
}
