use super::*;
use crate::Key;

/// The describer's text without the subject, as the old single-line API read.
fn check(t: &str, v: &Data) -> Result<(), String> {
    PType::parse(t).unwrap().check("Found value", v).map_err(|e| {
        e.message
            .lines()
            .map(|l| l.trim().strip_prefix("Found value has wrong type, ").unwrap_or(l.trim()).to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn big_key(d: &str) -> Key {
    match big(d) {
        Data::BigInt(b) => Key::BigInt(b),
        other => panic!("not a bignum: {other}"),
    }
}

fn big(d: &str) -> Data {
    match lamina_value::Int::from_decimal(d) {
        Some(i) => Data::from(i),
        None => panic!("not an integer: {d}"),
    }
}

const BIG: &str = "123456789012345678901234567890";

#[test]
fn basic_types_and_messages() {
    assert_eq!(check("Integer", &Data::from("123")).unwrap_err(), "expects an Integer value, got String");
    assert!(check("String", &Data::from("x")).is_ok());
    assert!(check("Numeric", &Data::Float(1.5)).is_ok());
    assert!(check("Optional[Integer]", &Data::Null).is_ok());
    assert_eq!(
        check("Optional[Integer]", &Data::from("x")).unwrap_err(),
        "expects a value of type Undef or Integer, got String"
    );
    assert_eq!(
        check("Array[Integer]", &Data::Array(vec![Data::Int(1), Data::from("x")])).unwrap_err(),
        "index 1 expects an Integer value, got String"
    );
    assert!(
        check("Hash[String, Integer]", &Data::Hash([(Key::from("a"), Data::Int(1))].into_iter().collect())).is_ok()
    );
    assert_eq!(check("Enum['a', 'b']", &Data::from("c")).unwrap_err(), "expects a match for Enum['a', 'b'], got 'c'");
    assert!(check("Pattern[/^x/]", &Data::from("xy")).is_ok());
    assert!(check("Variant[String, Integer]", &Data::Int(1)).is_ok());
    assert!(check("Data", &Data::Null).is_ok());
    assert_eq!(PType::parse("Nope[").unwrap_err().message, "Syntax error at end of input");
}

/// Texts checked against `puppet lookup --type` (Puppet 7.23).
#[test]
fn detailed_messages_as_puppet() {
    assert_eq!(
        check("Integer[0, 10]", &Data::Int(42)).unwrap_err(),
        "expects an Integer[0, 10] value, got Integer[42, 42]"
    );
    assert_eq!(check("Integer[0, 10]", &Data::Float(1.5)).unwrap_err(), "expects an Integer value, got Float");
    assert_eq!(check("String[1, 2]", &Data::from("abc")).unwrap_err(), "expects a String[1, 2] value, got String");
    assert_eq!(
        check("Variant[String, Boolean, Float]", &Data::Int(1)).unwrap_err(),
        "expects a value of type String, Boolean, or Float, got Integer"
    );
    assert_eq!(
        check("Optional[Variant[Integer[0,10], String]]", &Data::Int(42)).unwrap_err(),
        "expects a value of type Undef, Integer[0, 10], or String, got Integer[42, 42]"
    );
    assert_eq!(
        check("Variant[Integer[0,10], Integer[11,20]]", &Data::Int(42)).unwrap_err(),
        "expects an Integer[0, 20] value, got Integer[42, 42]"
    );
    assert_eq!(
        check("Variant[Enum[a], Enum[c]]", &Data::from("b")).unwrap_err(),
        "expects a match for Enum['a', 'c'], got 'b'"
    );
    assert_eq!(
        check("Variant[Enum[a], Integer]", &Data::from("b")).unwrap_err(),
        "expects a match for Variant[Enum['a'], Integer], got 'b'"
    );
    assert_eq!(
        check("Variant[Integer, Enum[a]]", &Data::from("b")).unwrap_err(),
        "expects a value of type Integer or Enum['a'], got String"
    );
    assert_eq!(
        check("Optional[Enum[a]]", &Data::from("b")).unwrap_err(),
        "expects an undef value or a match for Enum['a'], got 'b'"
    );
    let va = Data::Array(vec![Data::Int(1), Data::from("x")]);
    assert_eq!(
        check("Variant[Array[String], Integer]", &va).unwrap_err(),
        "variant 0 index 0 expects a String value, got Integer\nvariant 1 expects an Integer value, got Tuple"
    );
    assert_eq!(check("Array[Integer, 5, 10]", &va).unwrap_err(), "expects size to be between 5 and 10, got 2");
    assert_eq!(check("Array[Integer, 0, 1]", &va).unwrap_err(), "expects size to be at most 1, got 2");
    let hh: Data =
        Data::Hash([(Key::from("a"), Data::from("x")), (Key::from("b"), Data::from("y"))].into_iter().collect());
    assert_eq!(
        check("Hash[Integer, String]", &hh).unwrap_err(),
        "key of entry 'a' expects an Integer value, got String\nkey of entry 'b' expects an Integer value, got String"
    );
    assert_eq!(
        check("Boolean[true]", &Data::Bool(false)).unwrap_err(),
        "expects a Boolean[true] value, got Boolean[false]"
    );
    assert_eq!(
        check("Float[0, 1]", &Data::Float(1.5)).unwrap_err(),
        "expects a Float[0.0, 1.0] value, got Float[1.5, 1.5]"
    );
    // A bare Optional or Variant fails with an empty message.
    assert_eq!(check("Optional", &Data::Int(1)).unwrap_err(), "");
}

#[test]
fn bignums_are_integers() {
    let b = big(BIG);
    for ok in
        ["Integer", "Numeric", "Scalar", "ScalarData", "Any", "Optional[Integer]", "NotUndef[Integer]", "Integer[0]"]
    {
        assert!(check(ok, &b).is_ok(), "{ok}");
    }
    assert!(check(&format!("Integer[1, {BIG}]"), &b).is_ok());
    assert_eq!(check("String", &b).unwrap_err(), "expects a String value, got Integer");
    assert_eq!(check("Float", &b).unwrap_err(), "expects a Float value, got Integer");
    assert_eq!(
        check("Integer[0, 10]", &b).unwrap_err(),
        format!("expects an Integer[0, 10] value, got Integer[{BIG}, {BIG}]")
    );
    assert_eq!(
        check("Integer[0, 9223372036854775807]", &big("9223372036854775808")).unwrap_err(),
        "expects an Integer[0, 9223372036854775807] value, got Integer[9223372036854775808, 9223372036854775808]"
    );
    assert!(check("Integer[-9223372036854775808]", &big("-9223372036854775809")).is_err());
    assert_eq!(
        check("Variant[String, Boolean]", &b).unwrap_err(),
        "expects a value of type String or Boolean, got Integer"
    );
    let ints = Data::Array(vec![Data::Int(1), b.clone()]);
    assert!(check("Array[Integer]", &ints).is_ok());
    assert_eq!(
        check("Array[String]", &ints).unwrap_err(),
        "index 0 expects a String value, got Integer\nindex 1 expects a String value, got Integer"
    );
    // Integer keys (bignums too) are Integers: the hash is then no Struct.
    let ik: Data = Data::Hash([(Key::Int(1), Data::from("a")), (big_key(BIG), Data::from("b"))].into_iter().collect());
    assert!(check("Hash[Integer, String]", &ik).is_ok());
    assert_eq!(
        check("Hash[String, String]", &ik).unwrap_err(),
        format!(
            "expects a Hash[String, String] value, got Hash[Variant[Integer[1, 1], Integer[{BIG}, {BIG}]], Enum['a', 'b']]"
        )
    );
}

#[test]
fn parse_errors_as_puppet() {
    let e = |t: &str| PType::parse_cli(t, crate::Strict::Warning).unwrap_err().message;
    assert_eq!(e("Data"), super::super::type_parser::CLI_LOAD_ERROR);
    assert_eq!(e("Optional[RichData]"), super::super::type_parser::CLI_LOAD_ERROR);
    assert!(PType::parse("Data").is_ok());
    assert_eq!(e("Integer[1,2,3]"), "Invalid number of type parameters specified: Integer requires 1 or 2, 3 provided");
    assert_eq!(e("String[1,2,3]"), "Invalid number of type parameters specified: String requires 1 to 2, 3 provided");
    assert_eq!(e("Hash[String]"), "Invalid number of type parameters specified: Hash requires 2 to 4, 1 provided");
    assert_eq!(e("Scalar[1]"), "Not a parameterized type <Scalar>");
    assert_eq!(e("Integer['a']"), "The expression <Integer['a']> is not a valid type specification.");
    assert_eq!(e("integer"), "The expression <integer> is not a valid type specification.");
    assert_eq!(e("Integer[50, 10]"), "'from' must be less or equal to 'to'. Got (50, 10");
    assert_eq!(e("Integer]"), "Syntax error at ']' (line: 1, column: 8)");
    assert_eq!(PType::parse("Integer[-0x10, 0x10]").unwrap().to_string(), "Integer[-16, 16]");
    assert_eq!(PType::parse("Enum[c, a]").unwrap().to_string(), "Enum['a', 'c']");
    assert_eq!(
        PType::parse(&format!("Integer[default, {BIG}]")).unwrap().to_string(),
        format!("Integer[default, {BIG}]")
    );
}

#[test]
fn convert_to_values() {
    assert_eq!(convert_to("k", Data::from("0x1F"), &Data::from("Integer")).unwrap(), Data::Int(31));
    let h = Data::Hash([(Key::from("k"), Data::from("v"))].into_iter().collect());
    let spec = Data::Array(vec![Data::from("Array"), Data::Bool(true)]);
    assert_eq!(convert_to("k", h.clone(), &spec).unwrap(), Data::Array(vec![h]));
    assert_eq!(
        convert_to("k", Data::from("s"), &Data::from("Sensitive")).unwrap(),
        Data::from("Sensitive [value redacted]")
    );
    assert_eq!(
        convert_to("conv_bad", Data::Int(1), &Data::from("Nope[")).unwrap_err().message,
        "Invalid data type in lookup_options for key 'conv_bad' could not parse 'Nope[', error: 'Syntax error at end of input"
    );
}

#[test]
fn convert_to_bignums() {
    let conv = |v: Data, t: &str| convert_to("k", v, &Data::from(t)).unwrap();
    assert_eq!(conv(big(BIG), "Integer"), big(BIG));
    assert_eq!(conv(big(BIG), "Numeric"), big(BIG));
    assert_eq!(conv(big(BIG), "Float"), Data::Float(1.2345678901234568e29));
    assert_eq!(conv(big(BIG), "String"), Data::from(BIG));
    assert_eq!(conv(big(BIG), "Boolean"), Data::Bool(true));
    assert_eq!(conv(Data::Int(0), "Boolean"), Data::Bool(false));
    assert_eq!(conv(Data::from(BIG), "Integer"), big(BIG));
    assert_eq!(conv(Data::from("0x1234567890abcdef1234567890"), "Integer"), big("1442304682740643783150283421840"));
    assert_eq!(conv(Data::Float(1.0e30), "Integer"), big("1000000000000000019884624838656"));
    let radix = Data::Array(vec![Data::from("Integer"), Data::Int(10)]);
    assert_eq!(convert_to("k", Data::from(format!("00{BIG}")), &radix).unwrap(), big(BIG));
    assert_eq!(
        convert_to("k", Data::from("12 "), &Data::from("Integer")).unwrap_err().message,
        "The convert_to lookup_option for key 'k' raised error: 'new' The string '12 ' cannot be converted to Integer"
    );
}
