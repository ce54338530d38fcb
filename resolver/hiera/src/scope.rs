//! The top scope a lookup sees, as `puppet lookup` builds it.

use crate::{Data, DataMap};

/// Top scope: facts, then ENC parameters (they win), then `facts`, `trusted`, `server_facts`
/// and `environment` as `puppet lookup` sets them (`node.rb:209` for `trusted`).
pub fn top_scope(facts: DataMap, params: DataMap, certname: Option<String>, environment: &str) -> DataMap {
    let mut scope = facts.clone();
    for (k, v) in params {
        scope.insert(k, v);
    }
    let given = match facts.get("trusted") {
        Some(Data::Hash(t)) if ["authenticated", "certname", "extensions"].iter().all(|k| t.contains_key(*k)) => {
            Some(Data::Hash(t.clone()))
        }
        _ => None,
    };
    let trusted = given.unwrap_or_else(|| {
        let all = ["clientcert", "hostname", "domain", "fqdn"].iter().all(|k| facts.contains_key(*k));
        let fact = |k: &str| if all { facts.get(k).cloned().unwrap_or_default() } else { Data::Null };
        let certname = certname.map(Data::String).unwrap_or_else(|| fact("clientcert"));
        let mut t = DataMap::new();
        t.insert("authenticated".into(), Data::from("local"));
        t.insert("certname".into(), certname);
        t.insert("extensions".into(), Data::Hash(DataMap::new()));
        t.insert("hostname".into(), fact("hostname"));
        t.insert("domain".into(), fact("domain"));
        t.insert("external".into(), Data::Hash(DataMap::new()));
        Data::Hash(t)
    });
    scope.insert("facts".into(), Data::Hash(facts));
    scope.insert("trusted".into(), trusted);
    scope.insert("server_facts".into(), Data::Hash(DataMap::new()));
    scope.insert("environment".into(), Data::from(environment));
    scope
}
