-- Lamina's estate store, schema 1: the estate input (lamina_resolver::model) as rows.
--
-- Portable on purpose: every statement here runs unchanged on SQLite and PostgreSQL, so one
-- migration serves both. Only BIGINT, TEXT and BOOLEAN are used (64-bit on both; SQLite stores
-- BOOLEAN as 0/1). Typed values (parameters, defaults, override values, facts, subnet and
-- interface attributes) are JSON text written by Lamina's own codec, which keeps integer vs real
-- and non-finite reals exactly (a JSON column type would differ between the two engines).
-- Ids are the objects' positions in the estate as loaded, so `ORDER BY id` gives back the order
-- of definition; lists inside an object carry a `pos`. Every object keeps its origin
-- (`file_id` -> files.path, `line`) so that errors after a load from the store still name the
-- file and line the object came from.

CREATE TABLE files (
    id BIGINT PRIMARY KEY,
    path TEXT NOT NULL
);

-- One row (id 1).
CREATE TABLE settings (
    id BIGINT PRIMARY KEY,
    default_lookup_path TEXT NOT NULL, -- JSON list of lines
    matchers_inheritance BOOLEAN NOT NULL,
    enc_environment BOOLEAN NOT NULL,
    root_pass TEXT,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

-- Custom parameters of every level. owner_kind: global (owner_id 0), organization, location,
-- domain, subnet, os, hostgroup, host; owner_id is that object's id.
CREATE TABLE parameters (
    owner_kind TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    name TEXT NOT NULL,
    value_json TEXT NOT NULL,
    parameter_type TEXT, -- NULL: the map form, typed by the YAML value
    hidden_value BOOLEAN NOT NULL,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, pos)
);

CREATE TABLE organizations (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE locations (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE domains (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    fullname TEXT,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE subnets (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    attrs_json TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE operatingsystems (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL UNIQUE, -- "<name> <major>[.<minor>]", what hosts refer to
    name TEXT NOT NULL,
    major TEXT NOT NULL,
    minor TEXT,
    description TEXT,
    password_hash TEXT,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE environments (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE puppetclasses (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    all_environments BOOLEAN NOT NULL, -- no `environments` list: every environment
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE puppetclass_environments (
    class_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    environment TEXT NOT NULL,
    PRIMARY KEY (class_id, pos)
);

CREATE TABLE smart_class_parameters (
    id BIGINT PRIMARY KEY,
    class_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    key_name TEXT NOT NULL,
    parameter_type TEXT NOT NULL,
    default_json TEXT, -- NULL: no default_value given
    is_override BOOLEAN NOT NULL,
    order_json TEXT, -- JSON list of lines (lists of attributes); NULL: the settings' default
    merge_overrides BOOLEAN NOT NULL,
    merge_default BOOLEAN NOT NULL,
    avoid_duplicates BOOLEAN NOT NULL,
    omit BOOLEAN NOT NULL,
    hidden_value BOOLEAN NOT NULL,
    validator_type TEXT,
    validator_rule TEXT,
    required BOOLEAN NOT NULL,
    description TEXT,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);
CREATE INDEX smart_class_parameters_class ON smart_class_parameters (class_id, pos);

-- match_text is the matcher as written (exported as is); match_key is Foreman's sanitized form,
-- which is what a host's generated match strings are compared with.
CREATE TABLE override_values (
    key_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    match_text TEXT NOT NULL,
    match_key TEXT NOT NULL,
    value_json TEXT, -- NULL: no value (only with omit)
    omit BOOLEAN NOT NULL,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL,
    PRIMARY KEY (key_id, pos)
);
-- The per-host read asks for (key, candidate match string) pairs.
CREATE INDEX override_values_key_match ON override_values (key_id, match_key);

CREATE TABLE config_groups (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE config_group_classes (
    config_group_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    class_name TEXT NOT NULL,
    PRIMARY KEY (config_group_id, pos)
);

CREATE TABLE hostgroups (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    environment TEXT,
    root_pass TEXT,
    puppet_proxy TEXT,
    puppet_ca_proxy TEXT,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE hostgroup_classes (
    hostgroup_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    class_name TEXT NOT NULL,
    PRIMARY KEY (hostgroup_id, pos)
);

CREATE TABLE hostgroup_config_groups (
    hostgroup_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    config_group TEXT NOT NULL,
    PRIMARY KEY (hostgroup_id, pos)
);

-- lookup_certname is the certname Puppet asks for (certname, else name): the ENC's key.
CREATE TABLE hosts (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    certname TEXT,
    lookup_certname TEXT NOT NULL UNIQUE,
    hostgroup TEXT,
    organization TEXT,
    location TEXT,
    domain TEXT,
    subnet TEXT,
    subnet6 TEXT,
    operatingsystem TEXT,
    architecture TEXT,
    environment TEXT,
    comment TEXT,
    owner_json TEXT, -- {name, email}; NULL: no owner
    root_pass TEXT,
    puppet_proxy TEXT,
    puppet_ca_proxy TEXT,
    facts_json TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE host_classes (
    host_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    class_name TEXT NOT NULL,
    PRIMARY KEY (host_id, pos)
);

CREATE TABLE host_config_groups (
    host_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    config_group TEXT NOT NULL,
    PRIMARY KEY (host_id, pos)
);

CREATE TABLE interfaces (
    host_id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    attrs_json TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL,
    PRIMARY KEY (host_id, pos)
);
