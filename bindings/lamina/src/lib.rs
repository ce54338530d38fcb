//! Lamina as a library (work in progress: the facade the front-ends share).

use lamina_foreman::Estate;
use lamina_foreman::error::{Error, ErrorKind};
use lamina_foreman::{enc, resolve};
use lamina_value::{Map, Value};

/// The top scope a Puppet master gives a host's Hiera lookups: its facts, its ENC parameters
/// as top-scope variables (winning over facts of the same name, as Puppet's node merge does),
/// `trusted.certname` = its certname, and `environment` = its ENC environment (else
/// `production`, Puppet's default).
///
/// # Errors
/// When the host cannot be resolved (as its ENC would fail).
pub fn lookup_scope(estate: &Estate, host: lamina_foreman::compile::Idx) -> Result<Map, Error> {
    let doc = enc::document(&resolve::resolve(estate, host, false)?)?;
    let Value::Hash(mut doc) = doc else { return Err(Error::new(ErrorKind::Resolve, "ENC", "not a hash")) };
    let environment = match doc.get("environment") {
        Some(Value::String(e)) => e.clone(),
        _ => "production".to_string(),
    };
    let params = match doc.swap_remove("parameters") {
        Some(Value::Hash(p)) => p,
        _ => Map::new(),
    };
    let src = &estate.hosts[host as usize].src;
    Ok(lamina_hiera::top_scope(src.facts.clone(), params, Some(src.certname().to_string()), &environment))
}
