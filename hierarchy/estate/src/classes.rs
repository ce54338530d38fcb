//! Puppet classes and their smart class parameters, field by field.

use super::fields::Ctx;
use super::into_value;
use super::schema::fields_of;
use lamina_foreman::Value;
use lamina_foreman::model::{Origin, OverrideValue, ParamType, PuppetClass, SmartParam, ValidatorType};
use lamina_foreman::{Error, ErrorKind};
use lamina_yaml::{Node, NodeKind};

impl Ctx<'_> {
    pub(super) fn classes(&mut self, n: Node) -> Vec<PuppetClass> {
        let origin = self.origin(&n);
        let NodeKind::Map(pairs) = n.kind else {
            if !matches!(n.kind, NodeKind::Scalar(Value::Null)) {
                self.errs.push(
                    Error::new(ErrorKind::Invalid, "puppetclasses", "must be a mapping of class name to class")
                        .at(&origin),
                );
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in pairs {
            let corigin = self.origin(&k);
            let NodeKind::Scalar(Value::String(name)) = k.kind else {
                self.err(&k, "puppetclasses", "class names must be strings");
                continue;
            };
            let what = format!("puppet class {name}");
            let mut class = PuppetClass { name, environments: None, parameters: Vec::new(), origin: corigin };
            if !matches!(v.kind, NodeKind::Scalar(Value::Null)) {
                let Some((f, _)) = self.fields(v, &what, const { fields_of("puppetclasses") }) else { continue };
                for (k, v) in f {
                    if k == "environments" {
                        class.environments = Some(self.strings(v, &what, "environments"));
                    } else {
                        class.parameters = self.smart_params(v, &class.name);
                    }
                }
            }
            out.push(class);
        }
        out
    }

    fn smart_params(&mut self, n: Node, class: &str) -> Vec<SmartParam> {
        let NodeKind::Map(pairs) = n.kind else {
            if !matches!(n.kind, NodeKind::Scalar(Value::Null)) {
                self.err(
                    &n,
                    format!("puppet class {class}"),
                    "parameters must be a mapping of name to smart class parameter",
                );
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in pairs {
            let origin = self.origin(&k);
            let NodeKind::Scalar(Value::String(key)) = k.kind else {
                self.err(&k, format!("puppet class {class}"), "parameter names must be strings");
                continue;
            };
            if let Some(p) = self.smart_param(v, class, key, origin) {
                out.push(p);
            }
        }
        out
    }

    fn smart_param(&mut self, n: Node, class: &str, key: String, origin: Origin) -> Option<SmartParam> {
        const F: &[&str] = fields_of("puppetclasses.parameters");
        let what = format!("{class}::{key}");
        let mut p = SmartParam {
            key,
            parameter_type: ParamType::String,
            default_value: None,
            override_: false,
            order: None,
            merge_overrides: false,
            merge_default: false,
            avoid_duplicates: false,
            omit: false,
            hidden_value: false,
            validator_type: None,
            validator_rule: None,
            required: false,
            description: None,
            override_values: Vec::new(),
            origin,
        };
        if matches!(n.kind, NodeKind::Scalar(Value::Null)) {
            return Some(p);
        }
        let (f, _) = self.fields(n, &what, F)?;
        for (k, v) in f {
            match k.as_str() {
                "parameter_type" | "key_type" => p.parameter_type = self.ptype(v, &what).unwrap_or(ParamType::String),
                "default_value" => p.default_value = Some(into_value(v)),
                "override" => p.override_ = self.boolean(v, &what, "override"),
                "override_value_order" => p.order = self.order(v, &what),
                "merge_overrides" => p.merge_overrides = self.boolean(v, &what, "merge_overrides"),
                "merge_default" => p.merge_default = self.boolean(v, &what, "merge_default"),
                "avoid_duplicates" => p.avoid_duplicates = self.boolean(v, &what, "avoid_duplicates"),
                "omit" => p.omit = self.boolean(v, &what, "omit"),
                "hidden_value" => p.hidden_value = self.boolean(v, &what, "hidden_value"),
                "required" => p.required = self.boolean(v, &what, "required"),
                "description" => p.description = self.string(v, &what, "description"),
                "validator_rule" => p.validator_rule = self.string(v, &what, "validator_rule"),
                "validator_type" => {
                    let o = self.origin(&v);
                    p.validator_type = match self.string(v, &what, "validator_type").as_deref() {
                        None | Some("") => None,
                        Some("regexp") => Some(ValidatorType::Regexp),
                        Some("list") => Some(ValidatorType::List),
                        Some(other) => {
                            self.errs.push(
                                Error::new(
                                    ErrorKind::Invalid,
                                    what.clone(),
                                    format!("validator_type {other:?} is not regexp or list"),
                                )
                                .at(&o),
                            );
                            None
                        }
                    }
                }
                "override_values" => {
                    for i in self.list(v, &what) {
                        if let Some(ov) = self.override_value(i, &what) {
                            p.override_values.push(ov);
                        }
                    }
                }
                _ => unreachable!(),
            }
        }
        Some(p)
    }

    /// `override_value_order`: a string split on any whitespace, or a list (one line each);
    /// each line sanitized as Foreman does (spaces removed, downcased) and split on `,`.
    fn order(&mut self, n: Node, what: &str) -> Option<Vec<Vec<String>>> {
        let o = self.origin(&n);
        let lines: Vec<String> = match into_value(n) {
            Value::String(s) => s.split_whitespace().map(str::to_string).collect(),
            Value::Array(a) => {
                let mut out = Vec::new();
                for v in a {
                    match v {
                        Value::String(s) => out.push(s),
                        _ => {
                            self.errs.push(
                                Error::new(
                                    ErrorKind::Invalid,
                                    what.to_string(),
                                    "override_value_order lines must be strings",
                                )
                                .at(&o),
                            );
                            return None;
                        }
                    }
                }
                out
            }
            _ => {
                self.errs.push(
                    Error::new(ErrorKind::Invalid, what.to_string(), "override_value_order must be a string or a list")
                        .at(&o),
                );
                return None;
            }
        };
        Some(lines.iter().map(|l| lamina_foreman::split_line(l)).collect())
    }

    fn override_value(&mut self, n: Node, what: &str) -> Option<OverrideValue> {
        let (f, origin) = self.fields(
            n,
            &format!("{what} override value"),
            const { fields_of("puppetclasses.parameters.override_values") },
        )?;
        let mut ov = OverrideValue { match_: String::new(), value: None, omit: false, origin };
        let mut m = None;
        for (k, v) in f {
            match k.as_str() {
                "match" => m = self.string(v, what, "match"),
                "value" => ov.value = Some(into_value(v)),
                _ => ov.omit = self.boolean(v, what, "omit"),
            }
        }
        ov.match_ = self.required(m, &format!("{what} override value"), "match", &ov.origin)?;
        Some(ov)
    }
}
