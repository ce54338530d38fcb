//! `lookup_options`: finding a key's entry (`lookup_adapter.rb:245`) and reading its `merge`
//! (`MergeStrategy.strategy`, `merge_strategy.rb:20`).

use super::HieraError;
use super::merge::{DeepOptions, Strategy};
use crate::{Data, DataMap};
use regex::Regex;

/// The options entry of `root`: an exact key wins, else the first key starting with `^` whose
/// regex matches, in the merged hash's order.
///
/// # Errors
/// A pattern that is not a valid regex.
pub(crate) fn key_options<'m>(lo: &'m DataMap, root: &str) -> Result<Option<&'m DataMap>, HieraError> {
    if let Some(v) = lo.get(root) {
        return Ok(as_map(v));
    }
    for (k, v) in lo {
        if let Some(k) = k.as_str()
            && k.starts_with('^')
            && compile_pattern(k)?.is_match(root)
        {
            return Ok(as_map(v));
        }
    }
    Ok(None)
}

/// A `^pattern` key of lookup_options as a regex.
///
/// # Errors
/// An invalid regex.
pub(crate) fn compile_pattern(k: &str) -> Result<Regex, HieraError> {
    Regex::new(k).map_err(|e| HieraError::plain(format!("invalid lookup_options pattern '{k}': {e}")))
}

/// `v` when it is a hash.
pub(super) fn as_map(v: &Data) -> Option<&DataMap> {
    match v {
        Data::Hash(h) => Some(h),
        _ => None,
    }
}

/// A strategy by name (`first`/`default`, `unique`, `hash`, `deep`).
///
/// # Errors
/// `Unknown merge strategy: 'x'`.
pub fn strategy_by_name(name: &str) -> Result<Strategy, HieraError> {
    Ok(match name {
        "first" | "default" => Strategy::First,
        "unique" => Strategy::Unique,
        "hash" => Strategy::Hash,
        "deep" => Strategy::Deep(DeepOptions::default()),
        other => return Err(HieraError::plain(format!("Unknown merge strategy: '{other}'"))),
    })
}

/// The deep-merge flags were given with a merge that is not `deep` (Puppet allows them only
/// with `deep`; each front-end words the refusal as its own flags are spelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeepFlagsWithoutDeep;

/// An explicit merge with `puppet lookup`'s deep-merge flags (`--knock-out-prefix`,
/// `--sort-merged-arrays`, `--merge-hash-arrays`) applied over it.
///
/// # Errors
/// [`DeepFlagsWithoutDeep`] when a flag is given and the merge is not `deep`.
pub fn with_deep_flags(
    merge: Option<Strategy>,
    knockout_prefix: Option<&str>,
    sort_merged_arrays: bool,
    merge_hash_arrays: bool,
) -> Result<Option<Strategy>, DeepFlagsWithoutDeep> {
    if knockout_prefix.is_none() && !sort_merged_arrays && !merge_hash_arrays {
        return Ok(merge);
    }
    let Some(Strategy::Deep(mut o)) = merge else { return Err(DeepFlagsWithoutDeep) };
    if let Some(p) = knockout_prefix {
        o.knockout_prefix = Some(p.to_string());
    }
    o.sort_merged_arrays |= sort_merged_arrays;
    o.merge_hash_arrays |= merge_hash_arrays;
    Ok(Some(Strategy::Deep(o)))
}

/// A `merge` option: a name, or a hash with `strategy` and the deep options, type-checked as
/// Puppet's `options_t` does.
///
/// # Errors
/// Unknown strategy, missing `strategy`, badly typed or unknown options.
pub fn parse_merge(v: &Data) -> Result<Strategy, HieraError> {
    match v {
        Data::String(s) => strategy_by_name(s),
        Data::Hash(h) => {
            let Some(Data::String(name)) = h.get("strategy") else {
                return Err(HieraError::plain(
                    "The hash given as 'merge' must contain the name of a strategy in string form for the key 'strategy'",
                ));
            };
            let mut strategy = strategy_by_name(name)?;
            let wrong = |k: &str, want: &str, got: &Data| {
                HieraError::plain(format!(
                    "The merge options has wrong type, entry '{k}' expects a value of type Undef or {want}, got {}",
                    super::merge::puppet_type_name(got)
                ))
            };
            for (k, val) in h {
                let k = k.to_s();
                match (&mut strategy, &*k) {
                    (_, "strategy") => {}
                    (Strategy::Deep(o), "knockout_prefix") => match val {
                        Data::Null => o.knockout_prefix = None,
                        Data::String(s) => o.knockout_prefix = Some(s.clone()),
                        other => return Err(wrong(&k, "String", other)),
                    },
                    (Strategy::Deep(o), "sort_merged_arrays" | "merge_hash_arrays" | "merge_debug") => {
                        let b = match val {
                            Data::Null => false,
                            Data::Bool(b) => *b,
                            other => return Err(wrong(&k, "Boolean", other)),
                        };
                        match &*k {
                            "sort_merged_arrays" => o.sort_merged_arrays = b,
                            "merge_hash_arrays" => o.merge_hash_arrays = b,
                            _ => {}
                        }
                    }
                    (_, other) => {
                        return Err(HieraError::plain(format!(
                            "The merge options has wrong type, unrecognized key '{other}'"
                        )));
                    }
                }
            }
            Ok(strategy)
        }
        other => Err(HieraError::plain(format!("Unknown merge strategy: '{}'", super::interp::to_s(other)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    fn map(pairs: &[(&str, Data)]) -> DataMap {
        pairs.iter().map(|(k, v)| (Key::from(*k), v.clone())).collect()
    }

    fn merge_of(s: &str) -> Data {
        Data::Hash(map(&[("merge", Data::from(s))]))
    }

    #[test]
    fn exact_key_wins_over_patterns() {
        let lo = map(&[("^profile::", merge_of("deep")), ("profile::x", merge_of("first"))]);
        let o = key_options(&lo, "profile::x").unwrap().unwrap();
        assert_eq!(o.get("merge"), Some(&Data::from("first")));
    }

    #[test]
    fn first_matching_pattern_in_merged_order() {
        // The oracle case lookup_options_regex: `^profile::` comes first in merged order.
        let lo = map(&[("^profile::", merge_of("deep")), ("^profile::.*::packages$", merge_of("unique"))]);
        let o = key_options(&lo, "profile::web::packages").unwrap().unwrap();
        assert_eq!(o.get("merge"), Some(&Data::from("deep")));
        assert!(key_options(&lo, "other::x").unwrap().is_none());
        // Patterns are unanchored at the end unless `$`.
        let lo = map(&[("^a::b$", merge_of("hash"))]);
        assert!(key_options(&lo, "a::bc").unwrap().is_none());
        // Keys not starting with ^ are never patterns.
        let lo = map(&[("a.*", merge_of("hash"))]);
        assert!(key_options(&lo, "abc").unwrap().is_none());
    }

    #[test]
    fn merge_option_parsing() {
        assert_eq!(parse_merge(&Data::from("unique")).unwrap(), Strategy::Unique);
        assert_eq!(parse_merge(&Data::from("nosuch")).unwrap_err().message, "Unknown merge strategy: 'nosuch'");
        let deep = Data::Hash(map(&[
            ("strategy", Data::from("deep")),
            ("knockout_prefix", Data::from("--")),
            ("sort_merged_arrays", Data::Bool(true)),
        ]));
        let Strategy::Deep(o) = parse_merge(&deep).unwrap() else { panic!("deep") };
        assert_eq!(o.knockout_prefix.as_deref(), Some("--"));
        assert!(o.sort_merged_arrays && !o.merge_hash_arrays);
        let bad = Data::Hash(map(&[("strategy", Data::from("deep")), ("knockout_prefix", Data::Int(1))]));
        assert_eq!(
            parse_merge(&bad).unwrap_err().message,
            "The merge options has wrong type, entry 'knockout_prefix' expects a value of type Undef or String, got Integer"
        );
    }
}

#[cfg(test)]
mod deep_flag_tests {
    use super::{DeepFlagsWithoutDeep, Strategy, strategy_by_name, with_deep_flags};

    #[test]
    fn deep_flags_apply_over_deep_only() {
        let deep = strategy_by_name("deep").ok();
        match with_deep_flags(deep, Some("--"), true, false) {
            Ok(Some(Strategy::Deep(o))) => {
                assert_eq!(o.knockout_prefix.as_deref(), Some("--"));
                assert!(o.sort_merged_arrays && !o.merge_hash_arrays);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(with_deep_flags(strategy_by_name("hash").ok(), None, false, true), Err(DeepFlagsWithoutDeep));
        assert_eq!(with_deep_flags(None, Some("x"), false, false), Err(DeepFlagsWithoutDeep));
        assert!(matches!(
            with_deep_flags(strategy_by_name("unique").ok(), None, false, false),
            Ok(Some(Strategy::Unique))
        ));
    }
}
