//! Rendering a parsed template against a [`Context`].

use crate::Error;
use crate::parse::{Expr, Kind, Node, Part};
use crate::ruby;
use lamina_value::{Int, Value};

/// An object the context knows (`@host`, its host group, domain...): a class name and an
/// index the context gives meaning to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Obj {
    /// The Ruby class it stands for (`Host`, `Hostgroup`, `Domain`...).
    pub class: &'static str,
    /// The context's index of the object.
    pub id: u32,
}

/// A value in a template: plain data, or an object the context answers for.
#[derive(Clone, Debug, PartialEq)]
pub enum R {
    /// Plain data (`nil`, strings, numbers, arrays, hashes).
    V(Value),
    /// An object.
    Obj(Obj),
}

impl From<&str> for R {
    fn from(s: &str) -> R {
        R::V(Value::String(s.to_string()))
    }
}

impl From<Value> for R {
    fn from(v: Value) -> R {
        R::V(v)
    }
}

/// What a template can see of its host: Foreman's safemode jail and the host template macros
/// (core `app/services/foreman/renderer/scope/macros/host_template.rb`).
pub trait Context {
    /// `@name`; `None` when the template may not use it (it is then `nil`, as in Ruby).
    fn ivar(&mut self, name: &str) -> Option<R>;

    /// Method `name` of `obj` with `args`: `None` when it is outside the subset; an error when
    /// Foreman would raise (a method its safemode jail refuses).
    fn method(&mut self, obj: Obj, name: &str, args: &[Value]) -> Option<Result<R, String>>;

    /// `obj.to_s`, what `<%= obj %>` writes.
    fn to_s(&mut self, obj: Obj) -> String;

    /// `host.host_param(name)`: the parameter's rendered value; `Ok(None)` when the host has no
    /// such parameter.
    ///
    /// # Errors
    /// When the parameter cannot be rendered (a cycle, its own template failing).
    fn host_param(&mut self, name: &str) -> Result<Option<Value>, String>;

    /// `host.params`: every host parameter, rendered.
    ///
    /// # Errors
    /// When they cannot be rendered here (inside a host parameter Foreman would render them all
    /// again, without end).
    fn params(&mut self) -> Result<lamina_value::Map, String>;

    /// `host_enc(*path)`.
    ///
    /// # Errors
    /// When the ENC cannot be given here (inside a parameter value Foreman would compute the ENC,
    /// and so render this value, again without end).
    fn host_enc(&mut self, path: &[Value]) -> Result<Value, String>;
}

struct Eval<'a> {
    tpl: &'a str,
    ctx: &'a mut dyn Context,
}

pub(crate) fn render(tpl: &str, nodes: &[Node], ctx: &mut dyn Context) -> Result<String, Error> {
    let mut out = String::new();
    Eval { tpl, ctx }.nodes(nodes, &mut out)?;
    Ok(out)
}

/// `Foreman::Cast.to_bool` (core `app/services/foreman/cast.rb`): `true`/`false` as they are,
/// `nil` and blank strings false, strings and the integers 1 and 0 by their spelling, anything
/// else `nil`.
#[must_use]
pub fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Null => Some(false),
        Value::Int(1) => Some(true),
        Value::Int(0) => Some(false),
        Value::String(s) if s.trim().is_empty() => Some(false),
        Value::String(s) => match s.to_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
            "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

impl Eval<'_> {
    fn nodes(&mut self, nodes: &[Node], out: &mut String) -> Result<(), Error> {
        for n in nodes {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Out(e) => {
                    let v = self.expr(e)?;
                    out.push_str(&self.text(&v));
                }
                Node::Eval(e) => {
                    self.expr(e)?;
                }
                Node::If(branches, els) => {
                    let mut taken = false;
                    for (cond, body) in branches {
                        if self.truthy(cond)? {
                            self.nodes(body, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.nodes(els, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The host's name for messages (`@host.to_s`).
    fn host_name(&mut self) -> String {
        match self.ctx.ivar("host") {
            Some(R::Obj(o)) => self.ctx.to_s(o),
            _ => String::new(),
        }
    }

    fn text(&mut self, v: &R) -> String {
        match v {
            R::V(v) => ruby::to_s(v),
            R::Obj(o) => self.ctx.to_s(*o),
        }
    }

    fn truthy(&mut self, e: &Expr) -> Result<bool, Error> {
        Ok(match self.expr(e)? {
            R::V(v) => ruby::truthy(&v),
            R::Obj(_) => true,
        })
    }

    fn err(&self, e: &Expr, msg: String) -> Error {
        Error::at(self.tpl, e.at, msg)
    }

    /// A plain value, or an error naming what Ruby would say of an object there.
    fn data(&mut self, e: &Expr) -> Result<Value, Error> {
        match self.expr(e)? {
            R::V(v) => Ok(v),
            R::Obj(o) => Err(self
                .err(e, format!("a {} object cannot be used as a value here (call one of its attributes)", o.class))),
        }
    }

    fn args(&mut self, args: &[Expr]) -> Result<Vec<Value>, Error> {
        args.iter().map(|a| self.data(a)).collect()
    }

    fn expr(&mut self, e: &Expr) -> Result<R, Error> {
        let v = match &e.kind {
            Kind::Nil => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(s) => match Int::from_decimal(s) {
                Some(Int::Small(i)) => Value::Int(i),
                Some(Int::Big(b)) => Value::BigInt(b),
                None => return Err(self.err(e, format!("invalid integer {s}"))),
            },
            Kind::Float(f) => Value::Float(*f),
            Kind::Str(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        Part::Lit(l) => s.push_str(l),
                        Part::Expr(x) => {
                            let v = self.expr(x)?;
                            s.push_str(&self.text(&v));
                        }
                    }
                }
                Value::String(s)
            }
            Kind::Array(items) => Value::Array(self.args(items)?),
            Kind::Ivar(name) => {
                return match self.ctx.ivar(name) {
                    Some(v) => Ok(v),
                    // Ruby's unset instance variables are nil; Foreman sets only @host here.
                    None => Ok(R::V(Value::Null)),
                };
            }
            Kind::Func(name, args) => return self.func(e, name, args),
            Kind::Method { recv, name, args, safe } => {
                let r = self.expr(recv)?;
                if *safe && r == R::V(Value::Null) {
                    return Ok(r);
                }
                return self.method(e, r, name, args);
            }
            Kind::Index(recv, args) => {
                let r = self.data(recv)?;
                let args = self.args(args)?;
                ruby::index(&r, &args).map_err(|m| self.err(e, m))?
            }
            Kind::Not(x) => Value::Bool(!self.truthy(x)?),
            Kind::Neg(x) => match self.data(x)? {
                Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(|| self.err(e, "integer overflow".into()))?),
                Value::Float(f) => Value::Float(-f),
                other => return Err(self.err(e, ruby::no_method("-@", &other))),
            },
            Kind::And(a, b) => {
                let l = self.expr(a)?;
                return if matches!(&l, R::V(v) if !ruby::truthy(v)) { Ok(l) } else { self.expr(b) };
            }
            Kind::Or(a, b) => {
                let l = self.expr(a)?;
                return if matches!(&l, R::V(v) if !ruby::truthy(v)) { self.expr(b) } else { Ok(l) };
            }
            Kind::Eq(a, b, neg) => {
                let (l, r) = (self.expr(a)?, self.expr(b)?);
                let eq = match (&l, &r) {
                    (R::V(x), R::V(y)) => ruby::equal(x, y),
                    (R::Obj(x), R::Obj(y)) => x == y,
                    _ => false,
                };
                Value::Bool(eq != *neg)
            }
            Kind::Cmp(a, op, b) => {
                let (l, r) = (self.data(a)?, self.data(b)?);
                Value::Bool(ruby::compare(&l, op, &r).map_err(|m| self.err(e, m))?)
            }
            Kind::Add(a, b) => {
                let (l, r) = (self.data(a)?, self.data(b)?);
                ruby::add(&l, &r).map_err(|m| self.err(e, m))?
            }
            Kind::Sub(a, b) => {
                let (l, r) = (self.data(a)?, self.data(b)?);
                ruby::sub(&l, &r).map_err(|m| self.err(e, m))?
            }
            Kind::If(c, a, b) => return if self.truthy(c)? { self.expr(a) } else { self.expr(b) },
        };
        Ok(R::V(v))
    }

    fn method(&mut self, e: &Expr, recv: R, name: &str, args: &[Expr]) -> Result<R, Error> {
        match recv {
            R::Obj(o) => {
                if name == "to_s" && args.is_empty() {
                    return Ok(R::V(Value::String(self.ctx.to_s(o))));
                }
                if matches!(name, "nil?" | "blank?") && args.is_empty() {
                    return Ok(R::V(Value::Bool(false)));
                }
                if name == "present?" && args.is_empty() {
                    return Ok(R::V(Value::Bool(true)));
                }
                let args = self.args(args)?;
                match self.ctx.method(o, name, &args) {
                    Some(r) => r.map_err(|m| self.err(e, m)),
                    None => Err(Error::unsupported(self.tpl, e.at, &format!("`{}#{name}`", o.class))),
                }
            }
            R::V(v) => {
                let args = self.args(args)?;
                match ruby::call(&v, name, &args).map_err(|m| self.err(e, m))? {
                    Some(v) => Ok(R::V(v)),
                    None => Err(Error::unsupported(self.tpl, e.at, &format!("the method `{name}`"))),
                }
            }
        }
    }

    fn func(&mut self, e: &Expr, name: &str, args: &[Expr]) -> Result<R, Error> {
        let args = self.args(args)?;
        let tpl = self.tpl;
        let want = |n: std::ops::RangeInclusive<usize>| -> Result<(), Error> {
            if n.contains(&args.len()) {
                return Ok(());
            }
            let expected =
                if n.start() == n.end() { n.start().to_string() } else { format!("{}..{}", n.start(), n.end()) };
            Err(Error::at(
                tpl,
                e.at,
                format!("wrong number of arguments (given {}, expected {expected}) in `{name}'", args.len()),
            ))
        };
        let param = |this: &mut Self, v: &Value| -> Result<Option<Value>, Error> {
            let key = ruby::to_s(v);
            this.ctx.host_param(&key).map_err(|m| this.err(e, m))
        };
        let v = match name {
            // `host.host_param(name) || default`: `false` gives the default too.
            "host_param" => {
                want(1..=2)?;
                match param(self, &args[0])? {
                    Some(v) if ruby::truthy(&v) => v,
                    _ => args.get(1).cloned().unwrap_or(Value::Null),
                }
            }
            // `raise HostParamUndefined unless host.params.key?(name)`, then `host_param(name)`.
            "host_param!" => {
                want(1..=1)?;
                let key = ruby::to_s(&args[0]);
                let all = self.ctx.params().map_err(|m| self.err(e, m))?;
                if !all.contains_key(&key) {
                    let host = self.host_name();
                    return Err(self.err(e, format!("Parameter {key} is not set for host {host}")));
                }
                match param(self, &args[0])? {
                    Some(v) if ruby::truthy(&v) => v,
                    _ => Value::Null,
                }
            }
            // `Foreman::Cast.to_bool(host.params.fetch(name, default)) == true` (or `== false`).
            "host_param_true?" | "host_param_false?" => {
                want(1..=2)?;
                let truth = name == "host_param_true?";
                let key = ruby::to_s(&args[0]);
                let all = self.ctx.params().map_err(|m| self.err(e, m))?;
                let v = all.get(&key).cloned().unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::Bool(!truth)));
                Value::Bool(to_bool(&v) == Some(truth))
            }
            "host_enc" => self.ctx.host_enc(&args).map_err(|m| self.err(e, m))?,
            other => return Err(Error::unsupported(self.tpl, e.at, &format!("`{other}`"))),
        };
        Ok(R::V(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Template;
    use lamina_value::Map;

    struct Fake;
    impl Context for Fake {
        fn ivar(&mut self, name: &str) -> Option<R> {
            (name == "host").then_some(R::Obj(Obj { class: "Host", id: 0 }))
        }
        fn method(&mut self, _: Obj, name: &str, _: &[Value]) -> Option<Result<R, String>> {
            match name {
                "name" => Some(Ok(R::from("web01.example.com"))),
                "comment" => Some(Ok(R::V(Value::Null))),
                "params" => Some(self.params().map(|m| R::V(Value::Hash(m)))),
                "environment" => {
                    Some(Err("undefined method 'environment' for Host::Managed::Jail (Host::Managed)".into()))
                }
                _ => None,
            }
        }
        fn to_s(&mut self, _: Obj) -> String {
            "web01.example.com".into()
        }
        fn host_param(&mut self, name: &str) -> Result<Option<Value>, String> {
            Ok(self.params()?.get(name).cloned())
        }
        fn params(&mut self) -> Result<Map, String> {
            Ok(Map::from_iter([
                ("tier".to_string(), Value::from("gold")),
                ("off".to_string(), Value::Bool(false)),
                ("yes".to_string(), Value::from("yes")),
                ("list".to_string(), Value::from("a, b,c")),
            ]))
        }
        fn host_enc(&mut self, _: &[Value]) -> Result<Value, String> {
            Err("no ENC here".into())
        }
    }

    fn r(src: &str) -> String {
        Template::parse(src).and_then(|t| t.render(&mut Fake)).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    fn fails(src: &str) -> crate::Error {
        match Template::parse(src) {
            Err(e) => e,
            Ok(t) => t.render(&mut Fake).expect_err(src),
        }
    }

    #[test]
    fn conditionals_and_trimming() {
        let t = "<% if host_param('tier') == 'gold' -%>\nG\n<% elsif host_param('tier') == 'silver' -%>\nS\n<% else -%>\nB\n<% end -%>\n";
        assert_eq!(r(t), "G\n");
        assert_eq!(r("<% unless host_param_true?('off') %>on<% end %>"), "on");
        assert_eq!(r("<%= 'x' if host_param_true?('yes') %>|<%= 'y' unless true %>"), "x|");
        assert_eq!(r("<%= host_param('nope') ? 'a' : 'b' %>"), "b");
        assert_eq!(r("a\n  <%- if true -%>\n  b\n  <%- end -%>\nc"), "a\n  b\nc");
    }

    #[test]
    fn ruby_values_and_methods() {
        assert_eq!(r("<%= \"#{@host.name.split('.').first.upcase}-#{1 + 2}\" %>"), "WEB01-3");
        assert_eq!(r("<%= host_param('list').split(',').join('|') %>"), "a| b|c");
        assert_eq!(
            r("<%= host_param('list').include?('b,') %> <%= [1, 2].include?(2) %> <%= 'a b'.split %>"),
            "true true [\"a\", \"b\"]"
        );
        assert_eq!(
            r("<%= ' 42abc'.to_i + 1 %> <%= 'Web'.downcase %> <%= ''.empty? %> <%= [].empty? %>"),
            "43 web true true"
        );
        assert_eq!(
            r("<%= @host.params['tier'] %>|<%= @host.params['missing'] %>|<%= @host.params.key?('tier') %>"),
            "gold||true"
        );
    }

    #[test]
    fn operators_keep_ruby_values() {
        assert_eq!(r("<%= nil || 'd' %>|<%= 'a' && 'b' %>|<%= false && host_param('x') %>"), "d|b|false");
        assert_eq!(
            r("<%= host_param('off', 'dflt') %>"),
            "dflt",
            "`host_param(x) || default`: false gives the default"
        );
        assert_eq!(
            r("<%= [1, 'a', nil] %> <%= @host.comment.nil? %> <%= @host.comment.to_s.empty? %>"),
            "[1, \"a\", nil] true true"
        );
        assert_eq!(
            r("<%= '10'.to_i > 9 %> <%= 'b' >= 'a' %> <%= 1 == 1.0 %> <%= 'a' != 'a' %>"),
            "true true true false"
        );
        assert_eq!(r("<%= @host.comment&.upcase %>|<%= not true %>|<%= !nil %>"), "|false|true");
    }

    #[test]
    fn ruby_details_checked_with_ruby_3_1() {
        // Each expected text is what `ERB.new(src, trim_mode: '-').result` gives in Ruby 3.1.
        assert_eq!(r("<%= 'foo.example.com'.chomp('.example.com') %>"), "foo");
        assert_eq!(r("<%= 'a.b.c'.split('.').first(2).join('.') %>|<%= [1, 2, 3].last(2) %>"), "a.b|[2, 3]");
        assert_eq!(r("<%= [1, [], 2].join(',') %>|<%= [[], []].join(',') %>"), "1,,2|,");
        assert_eq!(
            r("<%= '3.10.2'.to_f %> <%= '1e3'.to_f %> <%= '1..2'.to_f %> <%= 'x'.to_f %>"),
            "3.1 1000.0 1.0 0.0"
        );
        assert_eq!(r("<%= \"\\u00e9\\x41\\101\\u{263A}\" %>"), "éAA☺");
        assert_eq!(
            r("<%= 'a b'.include? 'a' %>|<%= host_param ('tier') %>|<%= 'abc'[0] %>|<%= 'abc'[-1] %>"),
            "true|gold|a|c"
        );
        assert_eq!(r("<%= [1,\n 2].size + (1 +\n 2) %>"), "5");
        assert_eq!(
            r("<%= -1.to_s %>|<%= 9223372036854775807 + 1 %>|<%= [1, 1.0].uniq %>"),
            "-1|9223372036854775808|[1, 1.0]"
        );
        assert_eq!(
            fails("<%= 'a'.upcase(1) %>").message,
            "wrong number of arguments (given 1, expected 0) in `upcase'"
        );
    }

    #[test]
    fn deep_nesting_fails_the_template_not_the_process() {
        for src in [
            format!("<%= {}1{} %>", "(".repeat(10_000), ")".repeat(10_000)),
            format!("<%= {}1 %>", "!".repeat(100_000)),
            format!("<%= {}1{} %>", "[".repeat(10_000), "]".repeat(10_000)),
            format!("<%= {}1 %>", "not ".repeat(10_000)),
            format!("<%= {}1 %>", "-".repeat(10_000)),
        ] {
            let e = fails(&src);
            assert!(e.message.contains("nest deeper than 64"), "{}", e.message);
        }
        // Fifty levels are fine (templates nest a few).
        assert_eq!(r(&format!("<%= {}1{} %>", "(".repeat(50), ")".repeat(50))), "1");
        let nested = (0..200).fold("1".to_string(), |acc, _| format!("\"#{{{acc}}}\""));
        assert!(fails(&format!("<%= {nested} %>")).message.contains("nest deeper"));
    }

    #[test]
    fn errors_name_construct_and_position() {
        let e = fails("ok\n<%= @host.comment.upcase %>");
        assert_eq!((e.line, e.column, e.message.as_str()), (2, 19, "undefined method `upcase' for nil:NilClass"));
        let e = fails("<%= @host.name.gsub('.', '-') %>");
        assert!(e.message.contains("the method `gsub` is outside"), "{e}");
        assert_eq!((e.line, e.column), (1, 16));
        let e = fails("<%= @host.ptable %>");
        assert!(e.message.contains("`Host#ptable` is outside"), "{e}");
        let e = fails("<%= @host.environment %>");
        assert!(e.message.contains("Host::Managed::Jail"), "{e}");
        let e = fails("<% x = 1 %>");
        assert!(e.message.contains("assignment"), "{e}");
        let e = fails("<% if true %>never closed");
        assert!(e.message.contains("`if` without `end`"), "{e}");
        let e = fails("<%= 'a' + 1 %>");
        assert_eq!(e.message, "no implicit conversion of Integer into String");
        let e = fails("<%= host_enc('parameters') %>");
        assert_eq!(e.message, "no ENC here");
        let e = fails("<%= system('id') %>");
        assert!(e.message.contains("`system` is outside"), "{e}");
    }
}
