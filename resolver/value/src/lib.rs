//! Lamina's value types, shared by every crate, and Ruby's spelling of them.
//!
//! - [`Value`] (with [`Map`]) is what an estate holds and an ENC document carries: Foreman's
//!   parameters, facts, smart class parameter values. Hash keys are strings and integers fit in
//!   64 bits, as Foreman validates and sends them.
//! - [`Data`] (with [`DataMap`] and [`Key`]) is Ruby data as Puppet's lookup sees it in Hiera
//!   files and facts: what Psych or Ruby's json gem loads. Hash keys keep their Ruby types
//!   (`1:` is an Integer key, not the string `"1"`), Symbols stay Symbols (`:foo`) and Integers
//!   have any size ([`BigInt`]). Puppet treats all of these differently from strings, so the Hiera
//!   engine (`lamina-hiera`) works on `Data`.
//! - [`ruby_float`] and [`Int`] give Ruby's text and exact comparisons of numbers.
//!
//! ```
//! use lamina_value::{Data, DataMap, Key, Map, Value};
//!
//! // An estate value: string keys.
//! let mut m = Map::new();
//! m.insert("ntp".into(), Value::from("pool.ntp.org"));
//! assert_eq!(Value::Hash(m).to_string(), r#"{"ntp":"pool.ntp.org"}"#);
//!
//! // Hiera data: the Integer key 1 and the String key "1" are two keys.
//! let mut d = DataMap::new();
//! d.insert(Key::Int(1), Data::from("integer key"));
//! d.insert(Key::from("1"), Data::from("string key"));
//! assert_eq!(d.len(), 2);
//! assert_eq!(d.get("1"), Some(&Data::from("string key")), "a &str finds only a String key");
//! assert_eq!(d.get(&Key::Int(1)), Some(&Data::from("integer key")));
//! // What callers outside Hiera see: Ruby's `to_s` of each key (the later one wins).
//! assert_eq!(Data::Hash(d).into_value().to_string(), r#"{"1":"string key"}"#);
//! ```

mod data;
mod inspect;
mod int;
mod value;

pub use data::{Data, DataMap, Key};
pub use inspect::{inspect_str, ruby_inspect};
pub use int::{BigInt, Int, IntRef};
pub use value::{Map, Value, ruby_float};
