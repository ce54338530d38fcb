//! ERB in parameter values (issue 13): what Foreman does that its own tests do not cover,
//! derived from its code (`corpus/conformance/erb_*.yaml` hold the transcribed tests).

use lamina_estate::load_str;
use lamina_foreman::{Value, resolve};

/// The host's ENC document, or its error as text.
fn enc(yaml: &str, host: &str) -> Result<Value, String> {
    let estate = load_str(yaml, "estate.yaml").map_err(|e| format!("load: {e}"))?;
    let i = estate.host(host).ok_or("unknown host")?;
    resolve(&estate, i, false)
        .and_then(|r| r.document())
        .map(lamina_foreman::EncDocument::into_value)
        .map_err(|e| e.to_string())
}

fn param(doc: &Value, name: &str) -> Value {
    let Value::Hash(d) = doc else { panic!("not a hash") };
    let Some(Value::Hash(p)) = d.get("parameters") else { panic!("no parameters") };
    p.get(name).cloned().unwrap_or(Value::Null)
}

fn class_param(doc: &Value, class: &str, key: &str) -> Option<Value> {
    let Value::Hash(d) = doc else { panic!("not a hash") };
    let Some(Value::Hash(c)) = d.get("classes") else { panic!("no classes") };
    match c.get(class)? {
        Value::Hash(k) => k.get(key).cloned(),
        _ => None,
    }
}

const HOST: &str = "web01.example.com";

fn estate(params: &str) -> String {
    format!(
        "domains: [{{name: example.com}}]\n\
         hostgroups: [{{title: base}}, {{title: base/web}}]\n\
         parameters:\n{params}\n\
         hosts:\n  - {{name: {HOST}, hostgroup: base/web, domain: example.com}}\n"
    )
}

#[test]
fn issue13_erb_parameters_refer_to_rendered_parameters_in_any_layer() {
    let y = estate(
        "  - {name: a, value: \"<%= host_param('b') %>-a\"}\n  - {name: b, value: \"<%= @host.hostgroup.name %>\"}",
    );
    let doc = enc(&y, HOST).expect("renders");
    assert_eq!(param(&doc, "b"), Value::from("web"));
    assert_eq!(param(&doc, "a"), Value::from("web-a"), "host_param gives the rendered value");
}

#[test]
fn issue13_erb_host_param_cycle_fails_the_host_naming_the_cycle() {
    let y =
        estate("  - {name: a, value: \"<%= host_param('b') %>\"}\n  - {name: b, value: \"x<%= host_param('a') %>\"}");
    let e = enc(&y, HOST).expect_err("a cycle cannot render");
    assert!(e.contains("host_param cycle a -> b -> a") && e.contains("stack level too deep"), "{e}");
    assert!(e.contains("parameter a (from global)"), "{e}");
}

#[test]
fn issue13_erb_host_params_inside_a_host_parameter_fails_as_foreman_recurses() {
    for tpl in ["<%= @host.params['b'] %>", "<%= host_param!('b') %>", "<%= host_param_true?('b') %>"] {
        let y = estate(&format!("  - {{name: a, value: \"{tpl}\"}}\n  - {{name: b, value: x}}"));
        let e = enc(&y, HOST).expect_err(tpl);
        assert!(e.contains("without end") && e.contains("parameter a"), "{tpl}: {e}");
    }
}

#[test]
fn issue13_erb_outside_the_subset_names_construct_and_position() {
    let y = estate("  - {name: loop, value: \"x\\n<% @host.interfaces.each do |i| %>\"}");
    let e = enc(&y, HOST).expect_err("a block is outside the subset");
    assert!(e.contains("parameter loop"), "{e}");
    assert!(e.contains("ERB line 2 column 21: `each` with a block"), "{e}");
    assert!(e.contains("outside the ERB subset"), "{e}");
}

#[test]
fn issue13_erb_safemode_refuses_environment_unless_off() {
    let base = "environments: [production]\nhosts:\n  - {name: h.example.com, environment: production, parameters: {env: \"<%= @host.environment %>\"}}\n";
    let e = enc(base, "h.example.com").expect_err("the jail refuses environment");
    assert!(e.contains("undefined method 'environment' for Host::Managed::Jail"), "{e}");
    let off = format!("settings: {{safemode_render: false}}\n{base}");
    let doc = enc(&off, "h.example.com").expect("unsafe mode allows it");
    assert_eq!(param(&doc, "env"), Value::from("production"));
}

#[test]
fn issue13_erb_class_parameter_cast_quirks() {
    // A boolean key whose template renders neither true nor false: the caster's TypeError is
    // rescued by ClassificationResult#type_cast, which returns the logger's `true`. An empty
    // rendering gives nil (not sent). A json key's unparsable text fails the host.
    let y = "environments: [production]\n\
             puppetclasses:\n  c:\n    environments: [production]\n    parameters:\n\
             \x20     flag: {override: true, parameter_type: boolean, default_value: \"<%= 'maybe' %>\"}\n\
             \x20     empty: {override: true, parameter_type: boolean, default_value: \"<%= '' %>\"}\n\
             \x20     num: {override: true, parameter_type: integer, default_value: \"<%= 6 + 1 %>\"}\n\
             \x20     hex: {override: true, parameter_type: integer, default_value: \"<%= '0x1F' %>\"}\n\
             hosts:\n  - {name: h.example.com, environment: production, puppetclasses: [c]}\n";
    let doc = enc(y, "h.example.com").expect("renders");
    assert_eq!(class_param(&doc, "c", "flag"), Some(Value::Bool(true)));
    assert_eq!(class_param(&doc, "c", "empty"), None);
    assert_eq!(class_param(&doc, "c", "num"), Some(Value::Int(7)));
    assert_eq!(class_param(&doc, "c", "hex"), Some(Value::Int(31)));
    let bad = y.replace(
        "parameter_type: integer, default_value: \"<%= 6 + 1 %>\"",
        "parameter_type: json, default_value: \"<%= '{' %>\"",
    );
    let e = enc(&bad, "h.example.com").expect_err("unparsable JSON");
    assert!(e.contains("smart class parameter c::num") && e.contains("JSON"), "{e}");
}

#[test]
fn issue13_erb_interpolate_off_casts_the_template_as_written() {
    let y = "settings: {interpolate_erb_in_parameters: false}\nenvironments: [production]\n\
             puppetclasses:\n  c:\n    environments: [production]\n    parameters:\n\
             \x20     s: {override: true, parameter_type: string, default_value: \"<%= 1 %>\"}\n\
             \x20     a: {override: true, parameter_type: array, default_value: \"<%= [1] %>\"}\n\
             hosts:\n  - {name: h.example.com, environment: production, puppetclasses: [c]}\n";
    let doc = enc(y, "h.example.com").expect("renders");
    assert_eq!(class_param(&doc, "c", "s"), Some(Value::from("<%= 1 %>")));
    // YAML reads the template as a string, not an array: the TypeError's `true`.
    assert_eq!(class_param(&doc, "c", "a"), Some(Value::Bool(true)));
}

#[test]
fn issue13_erb_builtin_parameters_render_without_the_host() {
    let y = "hosts:\n  - {name: h.example.com, comment: \"rack <%= 2 + 1 %>\"}\n  - {name: g.example.com, comment: \"<%= @host.name %>\"}\n";
    let doc = enc(y, "h.example.com").expect("a template that does not touch the host renders");
    assert_eq!(param(&doc, "comment"), Value::from("rack 3"));
    let e = enc(y, "g.example.com").expect_err("StaticInfo passes itself as @host");
    assert!(e.contains("built-in parameter comment") && e.contains("HostInfoProviders::StaticInfo"), "{e}");
}

#[test]
fn issue13_erb_matchers_read_rendered_parameters() {
    let y = "environments: [production]\n\
             parameters:\n  - {name: tier, value: \"<%= 'go' + 'ld' %>\"}\n\
             puppetclasses:\n  c:\n    environments: [production]\n    parameters:\n\
             \x20     k:\n        override: true\n        default_value: none\n        override_value_order: \"tier\"\n\
             \x20       override_values: [{match: tier=gold, value: matched}]\n\
             hosts:\n  - {name: h.example.com, environment: production, puppetclasses: [c]}\n";
    let doc = enc(y, "h.example.com").expect("renders");
    assert_eq!(class_param(&doc, "c", "k"), Some(Value::from("matched")));
}

#[test]
fn issue13_erb_reading_facts_makes_facts_matter() {
    let y = "parameters:\n  - {name: p, value: \"<%= @host.facts['uptime'] %>\"}\nhosts:\n  - {name: h.example.com}\n";
    let estate = load_str(y, "estate.yaml").expect("load");
    let h = estate.host("h.example.com").expect("host");
    let facts: lamina_foreman::Map = [("uptime".to_string(), Value::from("5 days"))].into_iter().collect();
    assert!(estate.facts_matter(h, &facts), "a template reads facts: a new uptime changes the ENC");
    let plain = load_str("hosts:\n  - {name: h.example.com}\n", "estate.yaml").expect("load");
    let h = plain.host("h.example.com").expect("host");
    assert!(!plain.facts_matter(h, &facts), "no matcher or template reads facts");
    let with = estate.with_facts(estate.host("h.example.com").expect("host"), std::sync::Arc::new(facts));
    let doc = enc_of(&with, "h.example.com");
    assert_eq!(param(&doc, "p"), Value::from("5 days"));
}

fn enc_of(estate: &lamina_foreman::Estate, host: &str) -> Value {
    let i = estate.host(host).expect("host");
    resolve(estate, i, false).and_then(|r| r.document()).expect("renders").into_value()
}

#[test]
fn issue13_erb_review_casts_follow_rubys_anchors_and_regexps() {
    // An integer key whose template leaves a newline: Foreman's caster matches `/^-?\d+$/`
    // (line anchors) and takes `to_i`, so 5432; a regexp validator refuses a non-String value
    // (`5432 =~ /re/` is nil in Ruby).
    let y = "environments: [production]\n\
             puppetclasses:\n  c:\n    environments: [production]\n    parameters:\n\
             \x20     port: {override: true, parameter_type: integer, default_value: \"<% if true -%>\\n5432\\n<% end -%>\\n\"}\n\
             \x20     real: {override: true, parameter_type: real, default_value: \"<%= 1.5 %>\\n\"}\n\
             hosts:\n  - {name: h.example.com, environment: production, puppetclasses: [c]}\n";
    let doc = enc(y, "h.example.com").expect("renders");
    assert_eq!(class_param(&doc, "c", "port"), Some(Value::Int(5432)));
    assert_eq!(class_param(&doc, "c", "real"), Some(Value::Float(1.5)));
    let validated = y.replace(
        "parameter_type: integer, default_value:",
        "parameter_type: integer, validator_type: regexp, validator_rule: '^[0-9]+$', default_value:",
    );
    let e = enc(&validated, "h.example.com").expect_err("a regexp cannot match an Integer");
    assert!(e.contains("Invalid value '5432'") && e.contains("cannot match"), "{e}");
    let e = load_str(&validated.replace("\"<% if true -%>\\n5432\\n<% end -%>\\n\"", "5432"), "e.yaml")
        .expect_err("nor at load");
    assert!(e.to_string().contains("cannot match"), "{e}");
}

#[test]
fn issue13_erb_host_param_chains_are_bounded() {
    let mut params = String::new();
    for i in 0..40 {
        params.push_str(&format!("  - {{name: p{i}, value: \"<%= host_param('p{}') %>x\"}}\n", i + 1));
    }
    params.push_str("  - {name: p40, value: end}");
    let e = enc(&estate(&params), HOST).expect_err("too deep");
    assert!(e.contains("nest deeper than 16 parameters"), "{e}");
}
