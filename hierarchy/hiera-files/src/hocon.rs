//! A HOCON subset for `hocon_data`: an object (root braces optional) of `key = value`,
//! `key: value` or `key { ... }` fields separated by commas or newlines, dotted keys, arrays,
//! quoted and unquoted strings, numbers, `true`/`false`/`null`, `#` and `//` comments;
//! repeated object keys merge as HOCON merges them. Substitutions (`${x}`) and `include` are
//! refused rather than misread.

use lamina_value::{Map, Value};

/// Parses a HOCON document into its root object.
///
/// # Errors
/// A description of the first unsupported or malformed construct.
pub(crate) fn parse(text: &str) -> Result<Map, String> {
    let mut p = P { s: text.chars().collect(), i: 0 };
    p.ws(true);
    let braced = p.peek() == Some('{');
    if braced {
        p.i += 1;
    }
    let m = p.fields(if braced { Some('}') } else { None })?;
    p.ws(true);
    if p.i < p.s.len() {
        return Err(format!("unexpected {:?} at offset {}", p.s[p.i], p.i));
    }
    Ok(m)
}

struct P {
    s: Vec<char>,
    i: usize,
}

impl P {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    /// Skips blanks and comments; newlines too when `nl`.
    fn ws(&mut self, nl: bool) {
        while let Some(c) = self.peek() {
            if c == '#' || (c == '/' && self.s.get(self.i + 1) == Some(&'/')) {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
            } else if c == ' ' || c == '\t' || c == '\r' || (nl && c == '\n') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn fields(&mut self, close: Option<char>) -> Result<Map, String> {
        let mut m = Map::new();
        loop {
            self.ws(true);
            match self.peek() {
                None if close.is_none() => return Ok(m),
                None => return Err("unterminated object".into()),
                Some(c) if Some(c) == close => {
                    self.i += 1;
                    return Ok(m);
                }
                Some(',') => self.i += 1,
                Some(_) => {
                    let path = self.key()?;
                    self.ws(false);
                    let v = match self.peek() {
                        Some('=' | ':') => {
                            self.i += 1;
                            self.ws(true);
                            self.value()?
                        }
                        Some('{') => self.value()?,
                        other => return Err(format!("expected '=', ':' or '{{' after key, got {other:?}")),
                    };
                    let v = path.into_iter().rev().fold(v, |acc, k| Value::Hash(std::iter::once((k, acc)).collect()));
                    let Value::Hash(one) = v else { unreachable!("folded into a hash") };
                    for (k, v) in one {
                        merge_field(&mut m, k, v);
                    }
                }
            }
        }
    }

    fn key(&mut self) -> Result<Vec<String>, String> {
        let mut path = Vec::new();
        loop {
            let k = if self.peek() == Some('"') {
                self.quoted()?
            } else {
                let start = self.i;
                while self.peek().is_some_and(|c| !"=:{}[],.\"#\n \t\r".contains(c)) {
                    self.i += 1;
                }
                self.s[start..self.i].iter().collect()
            };
            if k.is_empty() {
                return Err(format!("empty key at offset {}", self.i));
            }
            if k == "include" {
                return Err("HOCON include is not supported by Lamina".into());
            }
            path.push(k);
            if self.peek() == Some('.') {
                self.i += 1;
            } else {
                return Ok(path);
            }
        }
    }

    fn quoted(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return Err("unterminated string".into()),
                Some('"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.i += 1;
                    let c = self.peek().ok_or("unterminated string")?;
                    out.push(match c {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                    self.i += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some('{') => {
                self.i += 1;
                self.fields(Some('}')).map(Value::Hash)
            }
            Some('[') => {
                self.i += 1;
                let mut a = Vec::new();
                loop {
                    self.ws(true);
                    match self.peek() {
                        Some(']') => {
                            self.i += 1;
                            return Ok(Value::Array(a));
                        }
                        Some(',') => self.i += 1,
                        None => return Err("unterminated array".into()),
                        Some(_) => a.push(self.value()?),
                    }
                }
            }
            Some('"') => self.quoted().map(Value::String),
            Some('$') => Err("HOCON substitutions are not supported by Lamina".into()),
            _ => {
                let start = self.i;
                while self.peek().is_some_and(|c| !",}]\n#".contains(c)) {
                    if c_is_comment(&self.s, self.i) {
                        break;
                    }
                    self.i += 1;
                }
                let raw: String = self.s[start..self.i].iter().collect();
                let raw = raw.trim();
                Ok(match raw {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => raw
                        .parse::<i64>()
                        .map(Value::Int)
                        .or_else(|_| raw.parse::<f64>().map(Value::Float))
                        .unwrap_or_else(|_| Value::from(raw)),
                })
            }
        }
    }
}

fn c_is_comment(s: &[char], i: usize) -> bool {
    s[i] == '/' && s.get(i + 1) == Some(&'/')
}

/// HOCON: a repeated key whose old and new values are both objects merges them.
fn merge_field(m: &mut Map, k: String, v: Value) {
    match (m.get_mut(&k), v) {
        (Some(Value::Hash(old)), Value::Hash(new)) => {
            for (k2, v2) in new {
                merge_field(old, k2, v2);
            }
        }
        (_, v) => {
            m.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset() {
        let m = parse("list = [hocon]\nhocon_only { a = 1, b = \"two\" }\n# c\nx.y: 1.5\nx.z = true // c\n").unwrap();
        assert_eq!(m.get("list"), Some(&Value::Array(vec![Value::from("hocon")])));
        let Some(Value::Hash(h)) = m.get("hocon_only") else { panic!() };
        assert_eq!(h.get("a"), Some(&Value::Int(1)));
        assert_eq!(h.get("b"), Some(&Value::from("two")));
        let Some(Value::Hash(x)) = m.get("x") else { panic!() };
        assert_eq!(x.get("y"), Some(&Value::Float(1.5)));
        assert_eq!(x.get("z"), Some(&Value::Bool(true)));
        assert!(parse("{\"a\": 1}").unwrap().contains_key("a"));
        assert!(parse("a = ${b}").is_err());
    }
}
