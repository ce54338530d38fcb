use super::*;

fn check(t: &str, v: &Value) -> Result<(), String> {
    PType::parse(t).unwrap().check(v)
}

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
