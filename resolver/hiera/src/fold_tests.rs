//! The by-reference fold must give exactly what the pairwise fold of `Strategy::merge` on owned
//! values gives — values, key order and errors — for any data, not only the shapes of the
//! benchmark: nil, false, scalars against containers, duplicates, keys new at any level.

use super::*;
use crate::Key;
use proptest::prelude::{ProptestConfig, prop_assert_eq, prop_oneof, proptest};
use proptest::strategy::Strategy as _;

/// The reference: `MergeStrategy#lookup` as the engine did it before, on owned copies.
fn reference(strategy: &Strategy, vals: &[Data]) -> Result<Option<Data>, HieraError> {
    if vals.len() == 1 {
        return Ok(Some(strategy.merge_single(vals[0].clone())));
    }
    let mut memo: Option<Data> = None;
    for v in vals {
        if *strategy == Strategy::First {
            return Ok(Some(v.clone()));
        }
        memo = Some(match memo {
            None => strategy.convert_value(v.clone()),
            Some(m) => strategy.merge(m, v.clone())?,
        });
    }
    Ok(memo)
}

/// The same through [`Fold`] with every value borrowed from a shared map.
fn by_reference(strategy: &Strategy, vals: &[Data]) -> Result<Option<Data>, HieraError> {
    let found = |i: usize| {
        let v = &vals[i];
        Found::Data(v, flags(v, v.is_rich()))
    };
    if vals.len() == 1 {
        return Ok(Some(merge_single(strategy, found(0)).into_value()));
    }
    let hashes = KeyHashes::default();
    let mut fold = Fold::new(strategy, &hashes, vals.len());
    for i in 0..vals.len() {
        fold.push(found(i))?;
    }
    Ok(fold.finish()?.map(Found::into_value))
}

fn scalar() -> impl proptest::strategy::Strategy<Value = Data> {
    prop_oneof![
        (0i64..3).prop_map(Data::Int),
        "[a-c]".prop_map(Data::String),
        proptest::bool::ANY.prop_map(Data::Bool),
        proptest::strategy::Just(Data::Null),
    ]
}

/// Hash keys: mostly Strings, sometimes the Integer key 1 (which the `hash` and `unique`
/// strategies refuse).
fn key() -> impl proptest::strategy::Strategy<Value = Key> {
    prop_oneof![12 => "[a-d]".prop_map(Key::from), 1 => proptest::strategy::Just(Key::Int(1))]
}

fn data() -> impl proptest::strategy::Strategy<Value = Data> {
    scalar().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Data::Array),
            proptest::collection::vec((key(), inner), 0..4).prop_map(|kv| Data::Hash(kv.into_iter().collect())),
        ]
    })
}

/// Mostly hashes of hashes and arrays (what deep merges meet), sometimes anything.
fn level() -> impl proptest::strategy::Strategy<Value = Data> {
    prop_oneof![
        3 => proptest::collection::vec((key(), data()), 0..5).prop_map(|kv| Data::Hash(kv.into_iter().collect())),
        1 => data(),
    ]
}

fn same(strategy: &Strategy, vals: &[Data]) -> Result<(), proptest::test_runner::TestCaseError> {
    // Key order matters: compare the printed form too.
    let a = reference(strategy, vals).map(|v| v.map(|v| (v.to_string(), v)));
    let b = by_reference(strategy, vals).map(|v| v.map(|v| (v.to_string(), v)));
    prop_assert_eq!(a, b);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn deep_fold_is_the_pairwise_fold(vals in proptest::collection::vec(level(), 1..6)) {
        same(&Strategy::Deep(DeepOptions::default()), &vals)?;
    }

    #[test]
    fn unique_and_hash_folds_are_the_pairwise_folds(vals in proptest::collection::vec(data(), 1..6)) {
        same(&Strategy::Unique, &vals)?;
        same(&Strategy::Hash, &vals)?;
        same(&Strategy::First, &vals)?;
    }

    #[test]
    fn deep_with_options_folds_pairwise(vals in proptest::collection::vec(level(), 1..5)) {
        let o = DeepOptions { knockout_prefix: Some("--".into()), sort_merged_arrays: false, merge_hash_arrays: true };
        same(&Strategy::Deep(o), &vals)?;
    }
}

#[test]
fn fixture_shapes() {
    let lvl = |n: i64| {
        Data::Hash(
            [
                (Key::from(format!("l{n}")), Data::Int(n)),
                ("shared".into(), Data::Int(n)),
                (
                    "nested".into(),
                    Data::Hash(
                        [(Key::from(format!("a{n}")), Data::Array(vec![Data::Int(n), Data::from("x")]))]
                            .into_iter()
                            .collect(),
                    ),
                ),
            ]
            .into_iter()
            .collect(),
        )
    };
    let vals: Vec<Data> = (0..5).map(lvl).collect();
    let merged = by_reference(&Strategy::Deep(DeepOptions::default()), &vals).unwrap().unwrap();
    assert_eq!(merged, reference(&Strategy::Deep(DeepOptions::default()), &vals).unwrap().unwrap());
    assert_eq!(
        merged.to_string(),
        r#"{"l4":4,"shared":0,"nested":{"a4":[4,"x"],"a3":[3,"x"],"a2":[2,"x"],"a1":[1,"x"],"a0":[0,"x"]},"l3":3,"l2":2,"l1":1,"l0":0}"#
    );
}
