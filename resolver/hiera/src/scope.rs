//! The top scope a lookup sees, as `puppet lookup` builds it.

use crate::{Map, Value};

/// Top scope: facts, then ENC parameters (they win), then `facts`, `trusted`, `server_facts`
/// and `environment` as `puppet lookup` sets them (`node.rb:209` for `trusted`).
pub fn top_scope(facts: Map, params: Map, certname: Option<String>, environment: &str) -> Map {
    let mut scope = facts.clone();
    for (k, v) in params {
        scope.insert(k, v);
    }
    let given = match facts.get("trusted") {
        Some(Value::Hash(t)) if ["authenticated", "certname", "extensions"].iter().all(|k| t.contains_key(*k)) => {
            Some(Value::Hash(t.clone()))
        }
        _ => None,
    };
    let trusted = given.unwrap_or_else(|| {
        let all = ["clientcert", "hostname", "domain", "fqdn"].iter().all(|k| facts.contains_key(*k));
        let fact = |k: &str| if all { facts.get(k).cloned().unwrap_or_default() } else { Value::Null };
        let certname = certname.map(Value::String).unwrap_or_else(|| fact("clientcert"));
        let mut t = Map::new();
        t.insert("authenticated".into(), Value::from("local"));
        t.insert("certname".into(), certname);
        t.insert("extensions".into(), Value::Hash(Map::new()));
        t.insert("hostname".into(), fact("hostname"));
        t.insert("domain".into(), fact("domain"));
        t.insert("external".into(), Value::Hash(Map::new()));
        Value::Hash(t)
    });
    scope.insert("facts".into(), Value::Hash(facts));
    scope.insert("trusted".into(), trusted);
    scope.insert("server_facts".into(), Value::Hash(Map::new()));
    scope.insert("environment".into(), Value::from(environment));
    scope
}
