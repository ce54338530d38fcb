//! Foreman's caster and validators.
//!
//! Follows core `app/services/foreman/parameters/caster.rb` and `app/services/foreman/cast.rb`
//! (with `app/models/concerns/key_type.rb` for the type names) and
//! `app/services/foreman/parameters/validator.rb`.

use crate::error::Error;
use crate::model::{ParamType, ValidatorType};
use crate::value::Value;
use regex::Regex;
use std::sync::LazyLock;

/// Parses text embedded in values: `array`/`hash`/`yaml` strings with YAML 1.1 (Psych's
/// `YAML.safe_load`) and `json` strings. Supplied by the loader so that this crate stays free
/// of YAML parsers.
pub trait TextParser: Sync {
    /// `YAML.safe_load(s)`.
    ///
    /// # Errors
    /// When the text is not YAML Psych would load.
    fn yaml(&self, s: &str) -> Result<Value, Error>;
    /// `JSON.load(s)`.
    ///
    /// # Errors
    /// When the text is not JSON.
    fn json(&self, s: &str) -> Result<Value, Error>;
    /// A parser the compiled estate keeps, for the values it can only cast per host (smart class
    /// parameter values rendered from ERB).
    fn shared(&self) -> std::sync::Arc<dyn TextParser + Send + Sync>;
}

/// The parser an [`crate::Estate`] keeps.
#[derive(Clone)]
pub(crate) struct SharedParser(pub(crate) std::sync::Arc<dyn TextParser + Send + Sync>);

impl std::fmt::Debug for SharedParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedParser")
    }
}

// The caster's own patterns: `^`/`$` are Ruby's line anchors (a value with a trailing newline,
// as a template's `-%>` may leave, still matches), `\Z` allows one final newline.
static HEX_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?mi)^0x[0-9a-f]+$").expect("regex"));
static OCT_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^0[0-7]+$").expect("regex"));
static DEC_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^-?[0-9]+$").expect("regex"));
static REAL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\A[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\n?\z").expect("regex"));

/// Cast `value` to `to` as Foreman does when it saves a parameter or renders a smart class
/// parameter. Strings are parsed; values that already have the right type pass through.
///
/// # Errors
/// `"is invalid <type>"` when Foreman's caster raises `TypeError`.
pub(crate) fn cast(value: &Value, to: ParamType, parser: &dyn TextParser) -> Result<Value, String> {
    let invalid = || format!("is invalid {}", to.name());
    match to {
        ParamType::String => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Null => Ok(Value::String(String::new())),
            Value::Bool(_) | Value::Int(_) | Value::BigInt(_) | Value::Float(_) => Ok(Value::String(value.to_ruby_s())),
            // Ruby would store the collection and later `to_s` it into its inspect form; no
            // operator means that, so refuse it.
            _ => Err(invalid()),
        },
        // `Foreman::Cast.to_bool`, anything but true or false being invalid.
        ParamType::Boolean => lamina_erb::to_bool(value).map(Value::Bool).ok_or_else(invalid),
        ParamType::Integer => match value {
            Value::Int(_) | Value::BigInt(_) => Ok(value.clone()),
            #[allow(clippy::cast_possible_truncation)]
            Value::Float(f) if f.is_finite() => Ok(Value::Int(f.trunc() as i64)),
            Value::String(s) => cast_integer(s).ok_or_else(invalid),
            _ => Err(invalid()),
        },
        ParamType::Real => match value {
            Value::Int(_) | Value::BigInt(_) | Value::Float(_) => Ok(value.clone()),
            Value::String(s) if REAL_RE.is_match(s) => {
                s.trim_end_matches('\n').parse::<f64>().map(Value::Float).map_err(|_| invalid())
            }
            Value::String(s) => cast_integer(s).ok_or_else(invalid),
            _ => Err(invalid()),
        },
        ParamType::Array => match value {
            Value::Array(_) => Ok(value.clone()),
            Value::String(s) => match load_yaml_or_json(s, parser) {
                Some(v @ Value::Array(_)) => Ok(v),
                _ => Err(invalid()),
            },
            _ => Err(invalid()),
        },
        ParamType::Hash => match value {
            Value::Hash(_) => Ok(value.clone()),
            Value::String(s) => match load_yaml_or_json(s, parser) {
                Some(v @ Value::Hash(_)) => Ok(v),
                _ => Err(invalid()),
            },
            _ => Err(invalid()),
        },
        ParamType::Yaml => match value {
            Value::String(s) => parser.yaml(s).map_err(|_| invalid()),
            other => Ok(other.clone()),
        },
        ParamType::Json => match value {
            Value::String(s) => parser.json(s).map_err(|_| invalid()),
            other => Ok(other.clone()),
        },
    }
}

/// The caster's `cast_integer`: the first pattern that matches decides, then Ruby's `to_i(16)`,
/// `to_i(8)` or `to_i` of the whole string, of any size (Ruby Integers are unbounded; Foreman's
/// own test draws from `rand(1000..2**64)`).
fn cast_integer(s: &str) -> Option<Value> {
    let radix = if HEX_RE.is_match(s) {
        16
    } else if OCT_RE.is_match(s) {
        8
    } else if DEC_RE.is_match(s) {
        10
    } else {
        return None;
    };
    Some(match lamina_value::Int::ruby_to_i(s, radix) {
        lamina_value::Int::Small(i) => Value::Int(i),
        lamina_value::Int::Big(b) => Value::BigInt(b),
    })
}

/// Caster `load_yaml_or_json`: `YAML.safe_load`, falling back to `JSON.load` on a syntax error.
fn load_yaml_or_json(s: &str, parser: &dyn TextParser) -> Option<Value> {
    parser.yaml(s).ok().or_else(|| parser.json(s).ok())
}

/// Foreman's validator (`Foreman::Parameters::Validator#validate`).
///
/// # Errors
/// The message Foreman stores on the value.
pub(crate) fn validate(value: &Value, validator: Option<&ValidatorType>, rule: Option<&str>) -> Result<(), String> {
    let (Some(kind), Some(rule)) = (validator, rule) else { return Ok(()) };
    if rule.trim().is_empty() {
        return Ok(());
    }
    let text = value.to_ruby_s();
    match kind {
        // `value =~ /rule/` on the cast value: only a String can match (an Integer's or an
        // Array's `=~` is nil), so a regexp refuses every value of another type.
        ValidatorType::Regexp if !matches!(value, Value::String(_)) => {
            compile_ruby_regexp(rule)?;
            Err(format!("is invalid (a {} cannot match {rule})", value.type_name()))
        }
        ValidatorType::Regexp => {
            let re = compile_ruby_regexp(rule)?;
            if re.is_match(&text) { Ok(()) } else { Err(format!("is invalid (does not match {rule})")) }
        }
        ValidatorType::List => {
            if rule.split(',').map(str::trim).any(|x| x == text) {
                Ok(())
            } else {
                Err(format!("{text} is not one of {rule}"))
            }
        }
    }
}

/// Ruby's `/#{rule}/`: `\A`, `\z`, `\Z`, `\h` and friends have Rust equivalents; Ruby's `^`/`$`
/// are line anchors, so multi-line mode is on.
///
/// # Errors
/// When the rule is not a valid regular expression.
pub(crate) fn compile_ruby_regexp(rule: &str) -> Result<Regex, String> {
    let translated = rule.replace("\\Z", "\\z").replace("\\h", "[0-9a-fA-F]");
    Regex::new(&format!("(?m){translated}")).map_err(|e| format!("invalid validator_rule: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoParse;
    impl TextParser for NoParse {
        fn yaml(&self, _: &str) -> Result<Value, Error> {
            Err(Error::new(crate::ErrorKind::Syntax, "", "no"))
        }
        fn json(&self, _: &str) -> Result<Value, Error> {
            Err(Error::new(crate::ErrorKind::Syntax, "", "no"))
        }
        fn shared(&self) -> std::sync::Arc<dyn TextParser + Send + Sync> {
            std::sync::Arc::new(NoParse)
        }
    }

    #[test]
    fn integers_follow_foreman() {
        let c = |s: &str| cast(&Value::from(s), ParamType::Integer, &NoParse);
        assert_eq!(c("0x1F"), Ok(Value::Int(31)));
        assert_eq!(c("0755"), Ok(Value::Int(493)));
        assert_eq!(c("-12"), Ok(Value::Int(-12)));
        assert!(c("+5").is_err());
        assert!(c("1.5").is_err());
    }

    #[test]
    fn booleans_follow_foreman() {
        let c = |s: &str| cast(&Value::from(s), ParamType::Boolean, &NoParse);
        for t in ["yes", "Y", "on", "1", "true", "t"] {
            assert_eq!(c(t), Ok(Value::Bool(true)), "{t}");
        }
        for f in ["no", "off", "0", "false", "F", ""] {
            assert_eq!(c(f), Ok(Value::Bool(false)), "{f}");
        }
        assert!(c("maybe").is_err());
    }

    #[test]
    fn validators() {
        let v = Value::from("abc");
        assert!(validate(&v, Some(&ValidatorType::Regexp), Some("^a")).is_ok());
        assert!(validate(&v, Some(&ValidatorType::Regexp), Some("^b")).is_err());
        assert!(validate(&v, Some(&ValidatorType::List), Some("x, abc")).is_ok());
        assert_eq!(validate(&v, Some(&ValidatorType::List), Some("x,y")), Err("abc is not one of x,y".into()));
    }
}
