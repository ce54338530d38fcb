use super::*;

/// The describer's text without the subject, as the old single-line API read.
fn check(t: &str, v: &Value) -> Result<(), String> {
    PType::parse(t).unwrap().check("Found value", v).map_err(|e| {
        e.lines()
            .map(|l| l.trim().strip_prefix("Found value has wrong type, ").unwrap_or(l.trim()).to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn big(d: &str) -> Value {
    Value::String(rich::bignum(d))
}

const BIG: &str = "123456789012345678901234567890";

#[test]
fn basic_types_and_messages() {
    assert_eq!(check("Integer", &Value::from("123")).unwrap_err(), "expects an Integer value, got String");
    assert!(check("String", &Value::from("x")).is_ok());
    assert!(check("Numeric", &Value::Float(1.5)).is_ok());
    assert!(check("Optional[Integer]", &Value::Null).is_ok());
    assert_eq!(
        check("Optional[Integer]", &Value::from("x")).unwrap_err(),
        "expects a value of type Undef or Integer, got String"
    );
    assert_eq!(
        check("Array[Integer]", &Value::Array(vec![Value::Int(1), Value::from("x")])).unwrap_err(),
        "index 1 expects an Integer value, got String"
    );
    assert!(
        check("Hash[String, Integer]", &Value::Hash([("a".to_string(), Value::Int(1))].into_iter().collect())).is_ok()
    );
    assert_eq!(check("Enum['a', 'b']", &Value::from("c")).unwrap_err(), "expects a match for Enum['a', 'b'], got 'c'");
    assert!(check("Pattern[/^x/]", &Value::from("xy")).is_ok());
    assert!(check("Variant[String, Integer]", &Value::Int(1)).is_ok());
    assert!(check("Data", &Value::Null).is_ok());
    assert_eq!(PType::parse("Nope[").unwrap_err(), "Syntax error at end of input");
}

/// Texts checked against `puppet lookup --type` (Puppet 7.23).
#[test]
fn detailed_messages_as_puppet() {
    assert_eq!(
        check("Integer[0, 10]", &Value::Int(42)).unwrap_err(),
        "expects an Integer[0, 10] value, got Integer[42, 42]"
    );
    assert_eq!(check("Integer[0, 10]", &Value::Float(1.5)).unwrap_err(), "expects an Integer value, got Float");
    assert_eq!(check("String[1, 2]", &Value::from("abc")).unwrap_err(), "expects a String[1, 2] value, got String");
    assert_eq!(
        check("Variant[String, Boolean, Float]", &Value::Int(1)).unwrap_err(),
        "expects a value of type String, Boolean, or Float, got Integer"
    );
    assert_eq!(
        check("Optional[Variant[Integer[0,10], String]]", &Value::Int(42)).unwrap_err(),
        "expects a value of type Undef, Integer[0, 10], or String, got Integer[42, 42]"
    );
    assert_eq!(
        check("Variant[Integer[0,10], Integer[11,20]]", &Value::Int(42)).unwrap_err(),
        "expects an Integer[0, 20] value, got Integer[42, 42]"
    );
    assert_eq!(
        check("Variant[Enum[a], Enum[c]]", &Value::from("b")).unwrap_err(),
        "expects a match for Enum['a', 'c'], got 'b'"
    );
    assert_eq!(
        check("Variant[Enum[a], Integer]", &Value::from("b")).unwrap_err(),
        "expects a match for Variant[Enum['a'], Integer], got 'b'"
    );
    assert_eq!(
        check("Variant[Integer, Enum[a]]", &Value::from("b")).unwrap_err(),
        "expects a value of type Integer or Enum['a'], got String"
    );
    assert_eq!(
        check("Optional[Enum[a]]", &Value::from("b")).unwrap_err(),
        "expects an undef value or a match for Enum['a'], got 'b'"
    );
    let va = Value::Array(vec![Value::Int(1), Value::from("x")]);
    assert_eq!(
        check("Variant[Array[String], Integer]", &va).unwrap_err(),
        "variant 0 index 0 expects a String value, got Integer\nvariant 1 expects an Integer value, got Tuple"
    );
    assert_eq!(check("Array[Integer, 5, 10]", &va).unwrap_err(), "expects size to be between 5 and 10, got 2");
    assert_eq!(check("Array[Integer, 0, 1]", &va).unwrap_err(), "expects size to be at most 1, got 2");
    let hh: Value =
        Value::Hash([("a".to_string(), Value::from("x")), ("b".to_string(), Value::from("y"))].into_iter().collect());
    assert_eq!(
        check("Hash[Integer, String]", &hh).unwrap_err(),
        "key of entry 'a' expects an Integer value, got String\nkey of entry 'b' expects an Integer value, got String"
    );
    assert_eq!(
        check("Boolean[true]", &Value::Bool(false)).unwrap_err(),
        "expects a Boolean[true] value, got Boolean[false]"
    );
    assert_eq!(
        check("Float[0, 1]", &Value::Float(1.5)).unwrap_err(),
        "expects a Float[0.0, 1.0] value, got Float[1.5, 1.5]"
    );
    // A bare Optional or Variant fails with an empty message.
    assert_eq!(check("Optional", &Value::Int(1)).unwrap_err(), "");
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
    let ints = Value::Array(vec![Value::Int(1), b.clone()]);
    assert!(check("Array[Integer]", &ints).is_ok());
    assert_eq!(
        check("Array[String]", &ints).unwrap_err(),
        "index 0 expects a String value, got Integer\nindex 1 expects a String value, got Integer"
    );
    // Integer keys (bignums too) are Integers: the hash is then no Struct.
    let ik: Value = Value::Hash(
        [(rich::int_key("1"), Value::from("a")), (rich::int_key(BIG), Value::from("b"))].into_iter().collect(),
    );
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
    let e = |t: &str| PType::parse_cli(t).unwrap_err();
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
    assert_eq!(convert_to("k", Value::from("0x1F"), &Value::from("Integer")).unwrap(), Value::Int(31));
    let h = Value::Hash([("k".to_string(), Value::from("v"))].into_iter().collect());
    let spec = Value::Array(vec![Value::from("Array"), Value::Bool(true)]);
    assert_eq!(convert_to("k", h.clone(), &spec).unwrap(), Value::Array(vec![h]));
    assert_eq!(
        convert_to("k", Value::from("s"), &Value::from("Sensitive")).unwrap(),
        Value::from("Sensitive [value redacted]")
    );
    assert_eq!(
        convert_to("conv_bad", Value::Int(1), &Value::from("Nope[")).unwrap_err().message,
        "Invalid data type in lookup_options for key 'conv_bad' could not parse 'Nope[', error: 'Syntax error at end of input"
    );
}

#[test]
fn convert_to_bignums() {
    let conv = |v: Value, t: &str| convert_to("k", v, &Value::from(t)).unwrap();
    assert_eq!(conv(big(BIG), "Integer"), big(BIG));
    assert_eq!(conv(big(BIG), "Numeric"), big(BIG));
    assert_eq!(conv(big(BIG), "Float"), Value::Float(1.2345678901234568e29));
    assert_eq!(conv(big(BIG), "String"), Value::from(BIG));
    assert_eq!(conv(big(BIG), "Boolean"), Value::Bool(true));
    assert_eq!(conv(Value::Int(0), "Boolean"), Value::Bool(false));
    assert_eq!(conv(Value::from(BIG), "Integer"), big(BIG));
    assert_eq!(conv(Value::from("0x1234567890abcdef1234567890"), "Integer"), big("1442304682740643783150283421840"));
    assert_eq!(conv(Value::Float(1.0e30), "Integer"), big("1000000000000000019884624838656"));
    let radix = Value::Array(vec![Value::from("Integer"), Value::Int(10)]);
    assert_eq!(convert_to("k", Value::from(format!("00{BIG}")), &radix).unwrap(), big(BIG));
    assert_eq!(
        convert_to("k", Value::from("12 "), &Value::from("Integer")).unwrap_err().message,
        "The convert_to lookup_option for key 'k' raised error: 'new' The string '12 ' cannot be converted to Integer"
    );
}
