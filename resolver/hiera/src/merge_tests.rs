use super::Strategy;
use super::*;
use crate::Key;
use proptest::prelude::{ProptestConfig, prop_assert_eq, prop_oneof, proptest};
use proptest::strategy::Strategy as _;

fn s(x: &str) -> Data {
    Data::from(x)
}
fn arr(xs: &[Data]) -> Data {
    Data::Array(xs.to_vec())
}
fn hash_k(pairs: &[(Key, Data)]) -> Data {
    Data::Hash(pairs.iter().cloned().collect())
}

fn hash(pairs: &[(&str, Data)]) -> Data {
    Data::Hash(pairs.iter().map(|(k, v)| (Key::from(*k), v.clone())).collect())
}
fn deep(o: DeepOptions) -> Strategy {
    Strategy::Deep(o)
}

#[test]
fn unique_is_highest_first_and_flattened() {
    // merge_strategies/arr --merge unique: [c,a,[x,[y]]] ∪ [b,a,c] ∪ d.
    let u = Strategy::Unique;
    let m = u.convert_value(arr(&[s("c"), s("a"), arr(&[s("x"), arr(&[s("y")])])]));
    let m = u.merge(m, arr(&[s("b"), s("a"), s("c")])).unwrap();
    let m = u.merge(m, s("d")).unwrap();
    assert_eq!(m, arr(&[s("c"), s("a"), s("x"), s("y"), s("b"), s("d")]));
    assert_eq!(
        u.merge(arr(&[s("a")]), hash(&[("k", s("v"))])).unwrap_err().message,
        "The second element of the merge has wrong type, expects a value of type Scalar or Array, got Struct"
    );
    // An empty hash infers to `Hash[0, 0]`, not a Struct (Puppet 7.23: `got Hash`).
    assert_eq!(
        u.merge(arr(&[s("a")]), hash(&[])).unwrap_err().message,
        "The second element of the merge has wrong type, expects a value of type Scalar or Array, got Hash"
    );
}

#[test]
fn hash_is_shallow_with_low_keys_first() {
    let h = Strategy::Hash;
    let m = h.merge(hash(&[("z", s("high")), ("a", s("high"))]), hash(&[("b", s("low")), ("z", s("low"))])).unwrap();
    assert_eq!(m, hash(&[("b", s("low")), ("z", s("high")), ("a", s("high"))]));
    let Data::Hash(m) = m else { panic!() };
    assert_eq!(m.keys().map(|k| k.to_s()).collect::<Vec<_>>(), ["b", "z", "a"]);
    assert_eq!(
        h.merge(arr(&[s("x")]), hash(&[])).unwrap_err().message,
        "The first element of the merge has wrong type, expects a Hash value, got Tuple"
    );
    // An empty array infers to `Array[0, 0]`, not a Tuple.
    assert_eq!(
        h.merge(arr(&[]), hash(&[])).unwrap_err().message,
        "The first element of the merge has wrong type, expects a Hash value, got Array"
    );
}

#[test]
fn deep_merge_gem_rules() {
    let d = deep(DeepOptions::default());
    // Arrays: dest (lower) first, then new source elements, no flattening.
    let m = d.merge(arr(&[s("c"), s("a"), arr(&[s("x")])]), arr(&[s("b"), s("a"), s("c")])).unwrap();
    assert_eq!(m, arr(&[s("b"), s("a"), s("c"), arr(&[s("x")])]));
    // A nil source keeps dest; scalars replace.
    assert_eq!(d.merge(Data::Null, hash(&[("y", Data::Int(2))])).unwrap(), hash(&[("y", Data::Int(2))]));
    assert_eq!(d.merge(s("high"), hash(&[])).unwrap(), s("high"));
}

#[test]
fn deep_knockout_sort_and_hash_arrays() {
    let ko = deep(DeepOptions { knockout_prefix: Some("--".into()), ..DeepOptions::default() });
    let high = hash(&[
        ("users", arr(&[s("--bob"), s("carol")])),
        ("groups", s("--")),
        ("--gone", s("x")),
        ("list", arr(&[s("--"), s("admins")])),
    ]);
    let low = hash(&[
        ("users", arr(&[s("alice"), s("bob")])),
        ("groups", arr(&[s("wheel")])),
        ("gone", s("y")),
        ("list", arr(&[s("wheel")])),
    ]);
    let m = ko.merge(high, low).unwrap();
    assert_eq!(
        m,
        hash(&[
            ("users", arr(&[s("alice"), s("carol")])),
            ("groups", s("")),
            ("gone", s("y")),
            ("list", arr(&[s("admins")])),
            ("--gone", s("x")),
        ])
    );
    let sorted = deep(DeepOptions { sort_merged_arrays: true, ..DeepOptions::default() });
    assert_eq!(
        sorted.merge(arr(&[Data::Int(3), Data::Int(1)]), arr(&[Data::Int(2), Data::Int(4)])).unwrap(),
        arr(&[1, 2, 3, 4].map(Data::Int))
    );
    assert!(sorted.merge(arr(&[s("a")]), arr(&[Data::Int(2)])).unwrap_err().message.starts_with("comparison of"));
    let mha = deep(DeepOptions { merge_hash_arrays: true, ..DeepOptions::default() });
    let m = mha
        .merge(arr(&[hash(&[("port", Data::Int(443))])]), arr(&[hash(&[("name", s("x"))]), hash(&[("name", s("y"))])]))
        .unwrap();
    assert_eq!(m, arr(&[hash(&[("name", s("x")), ("port", Data::Int(443))]), hash(&[("name", s("y"))])]));
}

fn ko() -> Strategy {
    deep(DeepOptions { knockout_prefix: Some("--".into()), ..DeepOptions::default() })
}

#[test]
fn deep_knockout_in_new_subtrees() {
    // Puppet 7.23, merge_knockout `ko_new --merge deep --knock-out-prefix --`: a new key's value
    // merges into its shallow dup, so everything below it merges into itself.
    let high = hash(&[
        ("sub", hash(&[("fresh", s("--gone")), ("list", arr(&[s("--a"), s("b")]))])),
        ("top_fresh", s("--x")),
        (
            "newsub",
            hash(&[("deep", hash(&[("s", s("--y")), ("keep", Data::Int(1)), ("l", arr(&[s("--q"), s("r")]))]))]),
        ),
    ]);
    let low = hash(&[("sub", hash(&[("other", Data::Int(1))])), ("keep", Data::Int(2))]);
    assert_eq!(
        ko().merge(high, low).unwrap(),
        hash(&[
            ("sub", hash(&[("other", Data::Int(1)), ("fresh", s("")), ("list", arr(&[s("b")]))])),
            ("keep", Data::Int(2)),
            ("top_fresh", s("")),
            ("newsub", hash(&[("deep", hash(&[("s", s("")), ("keep", Data::Int(1)), ("l", arr(&[]))]))])),
        ])
    );
    // Random case c0071 `h3`: the knockout deletes from the array it walks, so Ruby's delete_if
    // skips the next element and then truncates ("w" is lost too).
    let high = hash(&[("n", hash(&[("k1", s("--beta")), ("k2", arr(&[s("beta"), s("alpha"), s("--z"), s("w")]))]))]);
    assert_eq!(
        ko().merge(high, hash(&[("o", Data::Int(1))])).unwrap(),
        hash(&[("o", Data::Int(1)), ("n", hash(&[("k1", s("")), ("k2", arr(&[s("beta"), s("alpha")]))]))])
    );
    // Naked prefix below a new key empties the array; a new array's own copy is cleared only.
    let high = hash(&[
        ("fresh", hash(&[("l", arr(&[s("a"), s("--"), s("b")]))])),
        ("arr", arr(&[s("--"), s("c"), s("--d"), s("d")])),
    ]);
    assert_eq!(
        ko().merge(high, hash(&[("other", Data::Int(1))])).unwrap(),
        hash(&[("other", Data::Int(1)), ("fresh", hash(&[("l", arr(&[]))])), ("arr", arr(&[s("c"), s("d")])),])
    );
    // Hash arrays below a new key: each hash merges into itself only with merge_hash_arrays.
    let high = hash(&[(
        "fresh",
        hash(&[("l", arr(&[hash(&[("a", s("--x"))]), hash(&[("b", arr(&[s("y"), s("--y"), s("z")]))])]))]),
    )]);
    let low = hash(&[("other", Data::Int(1))]);
    assert_eq!(ko().merge(high.clone(), low.clone()).unwrap(), {
        let mut want = low.clone();
        let (Data::Hash(w), Data::Hash(h)) = (&mut want, &high) else { unreachable!() };
        w.insert("fresh".into(), h["fresh"].clone());
        want
    });
    let mha =
        deep(DeepOptions { knockout_prefix: Some("--".into()), merge_hash_arrays: true, ..DeepOptions::default() });
    assert_eq!(
        mha.merge(high, low).unwrap(),
        hash(&[
            ("other", Data::Int(1)),
            ("fresh", hash(&[("l", arr(&[hash(&[("a", s(""))]), hash(&[("b", arr(&[s("z")]))])]))])),
        ])
    );
}

#[test]
fn deep_hash_over_non_hash() {
    // Random case c0067 `h1`: `overwrite_unmergeables` runs inside `source.each`, so the first
    // key is copied raw and every later key merges into itself (knockouts applied).
    let high = hash(&[(
        "sub",
        hash(&[("a", s("--x")), ("b", s("--y")), ("c", hash(&[("l", arr(&[s("--q"), s("r"), s("s")]))]))]),
    )]);
    let low = hash(&[("sub", s("--z"))]);
    assert_eq!(
        ko().merge(high.clone(), low.clone()).unwrap(),
        hash(&[("sub", hash(&[("a", s("--x")), ("b", s("")), ("c", hash(&[("l", arr(&[s("s")]))]))]))])
    );
    assert_eq!(deep(DeepOptions::default()).merge(high.clone(), low).unwrap(), high);
    // An empty hash over a scalar leaves the scalar.
    let d = deep(DeepOptions::default());
    assert_eq!(d.merge(hash(&[("sub", hash(&[]))]), hash(&[("sub", s("text"))])).unwrap(), hash(&[("sub", s("text"))]));
    // Without knockouts a new subtree's arrays are de-duplicated (and sorted when asked).
    let high = hash(&[(
        "fresh",
        hash(&[("l", arr(&[s("a"), s("b"), s("a")])), ("s", arr(&[s("c"), s("a"), s("b"), s("c")]))]),
    )]);
    let low = hash(&[("other", Data::Int(1))]);
    assert_eq!(
        d.merge(high.clone(), low.clone()).unwrap(),
        hash(&[
            ("other", Data::Int(1)),
            ("fresh", hash(&[("l", arr(&[s("a"), s("b")])), ("s", arr(&[s("c"), s("a"), s("b")]))])),
        ])
    );
    let sorted = deep(DeepOptions { sort_merged_arrays: true, ..DeepOptions::default() });
    assert_eq!(
        sorted.merge(high, low).unwrap(),
        hash(&[
            ("other", Data::Int(1)),
            ("fresh", hash(&[("l", arr(&[s("a"), s("b")])), ("s", arr(&[s("a"), s("b"), s("c")]))])),
        ])
    );
}

fn scalar() -> impl proptest::strategy::Strategy<Value = Data> {
    prop_oneof![(0i64..4).prop_map(Data::Int), "[a-c]".prop_map(Data::String)]
}

fn data() -> impl proptest::strategy::Strategy<Value = Data> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Data::Array),
            proptest::collection::vec(("[a-d]", inner), 0..4)
                .prop_map(|kv| Data::Hash(kv.into_iter().map(|(k, v)| (Key::from(k), v)).collect())),
        ]
    })
}

fn arrays() -> impl proptest::strategy::Strategy<Value = Data> {
    proptest::collection::vec(scalar(), 0..5).prop_map(Data::Array)
}

fn shaped() -> impl proptest::strategy::Strategy<Value = Data> {
    let inner = proptest::collection::vec(("[a-c]", arrays()), 0..3)
        .prop_map(|kv| Data::Hash(kv.into_iter().map(|(k, v)| (Key::from(k), v)).collect()));
    proptest::collection::vec(("[a-c]", inner), 0..3)
        .prop_map(|kv| Data::Hash(kv.into_iter().map(|(k, v)| (Key::from(k), v)).collect()))
}

fn hashes() -> impl proptest::strategy::Strategy<Value = Data> {
    proptest::collection::vec(("[a-e]", data()), 0..5)
        .prop_map(|kv| Data::Hash(kv.into_iter().map(|(k, v)| (Key::from(k), v)).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn unique_associative_and_idempotent(a in arrays(), b in arrays(), c in arrays()) {
        let u = Strategy::Unique;
        let ab_c = u.merge(u.merge(a.clone(), b.clone()).unwrap(), c.clone()).unwrap();
        let a_bc = u.merge(a.clone(), u.merge(b, c).unwrap()).unwrap();
        prop_assert_eq!(ab_c, a_bc);
        let aa = u.merge(a.clone(), a.clone()).unwrap();
        prop_assert_eq!(u.merge(aa.clone(), a).unwrap(), aa);
    }

    #[test]
    fn hash_associative_and_idempotent(a in hashes(), b in hashes(), c in hashes()) {
        let h = Strategy::Hash;
        let ab_c = h.merge(h.merge(a.clone(), b.clone()).unwrap(), c.clone()).unwrap();
        let a_bc = h.merge(a.clone(), h.merge(b, c).unwrap()).unwrap();
        prop_assert_eq!(format!("{ab_c}"), format!("{a_bc}"));
        prop_assert_eq!(h.merge(a.clone(), a.clone()).unwrap(), a);
    }

    // Deep merge is associative only where the shapes agree (a scalar over an array replaces it,
    // an array over a scalar too): hashes of hashes of arrays.
    #[test]
    fn deep_associative_and_idempotent(a in shaped(), b in shaped(), c in shaped()) {
        let d = Strategy::Deep(DeepOptions::default());
        // The gem merges a new key's value into its own copy, which de-duplicates arrays, so
        // the property holds on values already in that normal form (arrays without duplicates).
        let norm = |v: Data| d.merge(v.clone(), v).unwrap();
        let (a, b, c) = (norm(a), norm(b), norm(c));
        let ab_c = d.merge(d.merge(a.clone(), b.clone()).unwrap(), c.clone()).unwrap();
        let a_bc = d.merge(a.clone(), d.merge(b, c).unwrap()).unwrap();
        prop_assert_eq!(format!("{ab_c}"), format!("{a_bc}"));
        let aa = d.merge(a.clone(), a.clone()).unwrap();
        prop_assert_eq!(d.merge(aa.clone(), aa.clone()).unwrap(), aa);
    }
}

/// Non-string keys fail `Hash[String,Data]` and `Array[Data]`
/// with the describer's texts (checked against `puppet lookup` 7.23).
#[test]
fn non_string_keys_fail_data_types_as_puppet_says() {
    let e = Strategy::Hash.merge(hash_k(&[(Key::Int(1), s("one"))]), hash(&[("b", s("x"))])).unwrap_err();
    assert_eq!(
        e.message,
        "The first element of the merge has wrong type, expects a Hash[String, Data] value, got Hash[Integer[1, 1], String]"
    );
    let nested = hash(&[
        ("a", hash_k(&[(Key::Int(1), s("x"))])),
        ("c", hash(&[("d", arr(&[hash_k(&[(Key::Int(3), s("x"))])]))])),
    ]);
    let e = Strategy::Hash.merge(nested, hash(&[])).unwrap_err();
    assert_eq!(
        e.message,
        " The first element of the merge has wrong type, entry 'a' expects a Data value, got Hash\n  \
         The first element of the merge has wrong type, entry 'c' variant 0 expects a ScalarData value, got Struct\n  \
         The first element of the merge has wrong type, entry 'c' variant 1 entry 'd' variant 0 expects a ScalarData value, got Tuple\n  \
         The first element of the merge has wrong type, entry 'c' variant 1 entry 'd' variant 1 expects a Hash value, got Tuple\n  \
         The first element of the merge has wrong type, entry 'c' variant 1 entry 'd' variant 2 index 0 expects a Data value, got Hash\n  \
         The first element of the merge has wrong type, entry 'c' variant 2 expects an Array value, got Struct"
    );
    let e = Strategy::Unique.merge(arr(&[s("x")]), arr(&[s("y"), hash_k(&[(Key::Int(1), s("a"))])])).unwrap_err();
    assert_eq!(
        e.message,
        " The second element of the merge has wrong type, variant 0 expects a Scalar value, got Tuple\n  \
         The second element of the merge has wrong type, variant 1 index 1 expects a Data value, got Hash"
    );
    // Integer keys are kept apart from string keys by the deep merge.
    let got = deep(DeepOptions::default()).merge(hash_k(&[(Key::Int(1), s("a"))]), hash(&[("1", s("b"))])).unwrap();
    assert_eq!(got, hash_k(&[(Key::from("1"), s("b")), (Key::Int(1), s("a"))]));
}
