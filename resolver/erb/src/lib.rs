//! The ERB Foreman sites write in parameter values, parsed once and rendered per host without
//! Ruby.
//!
//! Foreman renders ERB in every custom parameter and smart class parameter value it sends to
//! Puppet (setting `interpolate_erb_in_parameters`, on by default) through its safemode
//! renderer. This crate implements the subset of that language parameter values use:
//!
//! - tags as Ruby's ERB reads them with Foreman's `trim_mode: '-'`: `<%= expr %>`,
//!   `<% if %>`/`elsif`/`else`/`unless`/`end`, `<%# comment %>`, `<%-` and `-%>` trimming,
//!   `<%%` for a literal `<%`;
//! - expressions: `nil`, `true`, `false`, integers, floats, single- and double-quoted strings
//!   with `#{}` interpolation, array literals, `@host` and the attributes the [`Context`]
//!   allows, `[]` on hashes and arrays, `==`, `!=`, `<`, `>`, `<=`, `>=`, `+`, `-`, `!`, `&&`,
//!   `||`, `and`, `or`, `not`, `a ? b : c`, `x if y`, `x unless y`, `&.`;
//! - functions: Foreman's `host_param`, `host_param!`, `host_param_true?`, `host_param_false?`,
//!   `host_enc`, answered by the [`Context`];
//! - methods of Ruby's strings, arrays, hashes, numbers and nil with Ruby's results
//!   (`to_s`, `to_i`, `upcase`, `downcase`, `split`, `join`, `include?`, `nil?`, `empty?`,
//!   ActiveSupport's `present?`/`blank?`, and a few more: see `parse::METHODS`).
//!
//! Anything else (assignments, blocks, loops, other methods and functions) is refused with an
//! [`Error`] that names the construct and its line and column in the template, so that a host
//! whose parameter uses it fails rather than receive a raw or half-rendered template.
//!
//! Rendering is pure: the caller's [`Context`] answers `@host`, its attributes and the macros.
//!
//! ```
//! use lamina_erb::{Context, Obj, R, Template};
//! use lamina_value::{Map, Value};
//!
//! struct Host;
//! impl Context for Host {
//!     fn ivar(&mut self, name: &str) -> Option<R> {
//!         (name == "host").then_some(R::Obj(Obj { class: "Host", id: 0 }))
//!     }
//!     fn method(&mut self, _: Obj, name: &str, _: &[Value]) -> Option<Result<R, String>> {
//!         (name == "name").then(|| Ok(R::from("web01.example.com")))
//!     }
//!     fn to_s(&mut self, _: Obj) -> String {
//!         "web01.example.com".into()
//!     }
//!     fn host_param(&mut self, name: &str) -> Result<Option<Value>, String> {
//!         Ok(self.params()?.get(name).cloned())
//!     }
//!     fn params(&mut self) -> Result<Map, String> {
//!         Ok(Map::from_iter([("tier".to_string(), Value::from("gold"))]))
//!     }
//!     fn host_enc(&mut self, _: &[Value]) -> Result<Value, String> {
//!         Err("not here".into())
//!     }
//! }
//!
//! let t = Template::parse("<%= @host.name.split('.').first %>-<%= host_param('tier', 'none').upcase %>").unwrap();
//! assert_eq!(t.render(&mut Host).unwrap(), "web01-GOLD");
//! let e = Template::parse("<% [1].each do |x| %>").unwrap_err();
//! assert_eq!((e.line, e.column), (1, 8));
//! assert!(e.message.contains("`each`"), "{}", e.message);
//! ```

mod eval;
mod lex;
mod parse;
mod ruby;
mod scan;

pub use eval::to_bool;
pub use eval::{Context, Obj, R};

/// Ruby's `to_s` of a value: what `<%= value %>` writes (`nil` is empty, arrays and hashes
/// print as Ruby 3.0's `inspect`: `[1, 2]`, `{"a"=>1}`).
#[must_use]
pub fn to_s(v: &lamina_value::Value) -> String {
    ruby::to_s(v)
}
use std::fmt;

/// Why a template cannot be parsed or rendered, and where in the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What went wrong, naming the construct.
    pub message: String,
    /// Line in the template (1-based).
    pub line: u32,
    /// Column in that line, in characters (1-based).
    pub column: u32,
}

impl Error {
    /// An error at byte `offset` of template `tpl`.
    pub(crate) fn at(tpl: &str, offset: usize, message: String) -> Error {
        let offset = offset.min(tpl.len());
        let before = tpl.get(..offset).unwrap_or(tpl);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        Error { message, line: u32::try_from(line).unwrap_or(u32::MAX), column: u32::try_from(col).unwrap_or(u32::MAX) }
    }

    /// A construct outside the supported subset.
    pub(crate) fn unsupported(tpl: &str, offset: usize, what: &str) -> Error {
        Error::at(tpl, offset, format!("{what} is outside the ERB subset Lamina renders"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERB line {} column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for Error {}

/// A parsed template: parse once, render for many hosts.
#[derive(Clone, Debug)]
pub struct Template {
    src: String,
    nodes: Vec<parse::Node>,
}

impl Template {
    /// Parse `src`.
    ///
    /// # Errors
    /// A syntax error or a construct outside the subset, with its line and column.
    pub fn parse(src: &str) -> Result<Template, Error> {
        let segs = scan::scan(src)?;
        let nodes = parse::parse(src, segs)?;
        Ok(Template { src: src.to_string(), nodes })
    }

    /// The template's source.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Render with `ctx` answering `@host` and the macros.
    ///
    /// # Errors
    /// What Ruby would raise (`undefined method 'upcase' for nil:NilClass`), a method the
    /// context does not allow, or an error of the context (a missing `host_param!`), with the
    /// line and column of the expression.
    pub fn render(&self, ctx: &mut dyn Context) -> Result<String, Error> {
        eval::render(&self.src, &self.nodes, ctx)
    }
}

/// Whether Foreman treats `s` as a template (core `config/initializers/core_extensions.rb`:
/// `String#contains_erb?` is `size > 4 && index('<%')`, `size` in characters).
#[must_use]
pub fn contains_erb(s: &str) -> bool {
    lamina_value::Value::str_contains_erb(s)
}
