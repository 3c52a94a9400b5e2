//! Checks of the reference's documented constraints, run before a request is sent.
//! Generated request builders call these; each failure names the field and the rule.
//!
//! Untyped input (a JSON body from the CLI, a file, a user's `serde_json::Value`) is
//! checked against the documented shape first ([`check_json`]): an unknown field is
//! refused with the nearest documented name, and a value of the wrong type is refused
//! with its path (`msgBody.callId: expected a string`). Fields the reference has but
//! the spec lacks go through the explicit pass-through (`extra_field` on builders,
//! `--extra-field` in the CLI), never silently.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

/// Fails when a required field is missing.
pub fn required<T>(op: &'static str, field: &str, v: &Option<T>) -> Result<()> {
    if v.is_none() {
        return Err(Error::validation(op, field, "is required"));
    }
    Ok(())
}

/// Fails when a string is longer than `max` characters.
pub fn max_len(op: &'static str, field: &str, v: &str, max: usize) -> Result<()> {
    let n = v.chars().count();
    if n > max {
        return Err(Error::validation(op, field, format!("must be at most {max} characters (got {n})")));
    }
    Ok(())
}

/// Fails when a string is shorter than `min` characters.
pub fn min_len(op: &'static str, field: &str, v: &str, min: usize) -> Result<()> {
    let n = v.chars().count();
    if n < min {
        return Err(Error::validation(op, field, format!("must be at least {min} characters (got {n})")));
    }
    Ok(())
}

/// Fails when a number is outside `min..=max`.
pub fn range(op: &'static str, field: &str, v: i64, min: i64, max: i64) -> Result<()> {
    if v < min || v > max {
        return Err(Error::validation(op, field, format!("must be in {min}..={max} (got {v})")));
    }
    Ok(())
}

/// Fails when a numeric string is not an integer in `min..=max` (agent ids are strings on the wire).
pub fn numeric_range(op: &'static str, field: &str, v: &str, min: i64, max: i64) -> Result<()> {
    match v.trim().parse::<i64>() {
        Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) => range(op, field, n, min, max),
        _ => Err(Error::validation(op, field, format!("must be an integer in {min}..={max} (got {v:?})"))),
    }
}

/// Fails when a string is not one of the allowed values.
pub fn one_of(op: &'static str, field: &str, v: &str, allowed: &[&str]) -> Result<()> {
    if !allowed.contains(&v) {
        return Err(Error::validation(op, field, format!("must be one of {allowed:?} (got {v:?})")));
    }
    Ok(())
}

/// Fails when an integer is not one of the allowed values.
pub fn one_of_int(op: &'static str, field: &str, v: i64, allowed: &[i64]) -> Result<()> {
    if !allowed.contains(&v) {
        return Err(Error::validation(op, field, format!("must be one of {allowed:?} (got {v})")));
    }
    Ok(())
}

/// Fails when a list holds more than `max` items.
pub fn max_items<T>(op: &'static str, field: &str, v: &[T], max: usize) -> Result<()> {
    if v.len() > max {
        return Err(Error::validation(op, field, format!("must hold at most {max} items (got {})", v.len())));
    }
    Ok(())
}

/// Fails when a string holds characters other than ASCII letters and digits.
pub fn alphanumeric(op: &'static str, field: &str, v: &str) -> Result<()> {
    if !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::validation(op, field, "must hold only letters and digits"));
    }
    Ok(())
}

/// Fails when an integer falls inside a documented gap `min..=max` (agent ids 60000-69999).
pub fn not_range(op: &'static str, field: &str, v: i64, min: i64, max: i64) -> Result<()> {
    if (min..=max).contains(&v) {
        return Err(Error::validation(
            op,
            field,
            format!("must not be in {min}..={max} (got {v}): the reference leaves that range out"),
        ));
    }
    Ok(())
}

/// [`not_range`] for a digit string.
pub fn not_range_numeric(op: &'static str, field: &str, v: &str, min: i64, max: i64) -> Result<()> {
    match v.trim().parse::<i64>() {
        Ok(n) => not_range(op, field, n, min, max),
        Err(_) => Ok(()),
    }
}

/// Fails when a value is not a code of the reference's code table `table`. The SDK's
/// copy of a table may lag the NE: the error says how to send the value unchecked.
pub fn in_table(op: &'static str, field: &str, v: &str, table: &str, codes: &[&str]) -> Result<()> {
    if codes.contains(&v) {
        return Ok(());
    }
    let hint = match nearest(v, codes.iter().copied()) {
        Some(n) => format!(" (did you mean `{n}`?)"),
        None => String::new(),
    };
    Err(Error::validation(
        op,
        field,
        format!(
            "`{v}` is not in the reference's table {table}{hint}; to send it anyway, pass the field unchecked with `extra_field` (CLI: `--extra-field`)"
        ),
    ))
}

/// Fails when none of the named fields is set (`present` pairs each name with whether it is set).
pub fn at_least_one(op: &'static str, at: &str, present: &[(&str, bool)]) -> Result<()> {
    if present.iter().any(|(_, set)| *set) {
        return Ok(());
    }
    let names: Vec<String> = present.iter().map(|(n, _)| format!("{at}{n}")).collect();
    let field = names.join(" or ");
    Err(Error::validation(op, &field, "at least one of them is required"))
}

/// The documented shape of one JSON field, for checking untyped input ([`check_json`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldShape {
    /// The field's name on the wire.
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
}

/// The JSON shape of a documented value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON string.
    String,
    /// A JSON integer.
    Int,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Bool,
    /// Anything (the reference does not describe it).
    Any,
    /// An object with these documented fields.
    Object(&'static [FieldShape]),
    /// A list of values of one shape.
    Array(&'static Shape),
}

impl Shape {
    fn expected(&self) -> &'static str {
        match self {
            Shape::String => "a string",
            Shape::Int => "an integer",
            Shape::Number => "a number",
            Shape::Bool => "a boolean",
            Shape::Any => "any value",
            Shape::Object(_) => "an object",
            Shape::Array(_) => "a list",
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a decimal number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Checks untyped JSON against the documented fields of an object. `at` prefixes
/// paths in errors (`""` at the top). With `strict`, a field the reference does not
/// document is refused, naming the nearest documented one; without it (the
/// simulator, which like an NE ignores what it does not know) it is let through.
/// `null` is accepted for any field (it means "not set").
pub fn check_json(op: &'static str, fields: &[FieldShape], v: &Value, strict: bool) -> Result<()> {
    check_object(op, "", fields, v, strict)
}

fn check_object(op: &'static str, at: &str, fields: &[FieldShape], v: &Value, strict: bool) -> Result<()> {
    let obj = match v {
        Value::Object(o) => o,
        Value::Null => return Ok(()),
        other => {
            let what = if at.is_empty() { "the body".to_owned() } else { at.trim_end_matches('.').to_owned() };
            return Err(Error::validation(op, &what, format!("expected an object, got {}", kind(other))));
        }
    };
    for (name, value) in obj {
        match fields.iter().find(|f| f.name == name) {
            Some(f) => check_value(op, &format!("{at}{name}"), &f.shape, value, strict)?,
            None if strict => {
                let hint = match nearest(name, fields.iter().map(|f| f.name)) {
                    Some(n) => format!("did you mean `{at}{n}`?"),
                    None if fields.is_empty() => "the reference documents none here".to_owned(),
                    None => format!("documented: {}", fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")),
                };
                return Err(Error::validation(
                    op,
                    &format!("{at}{name}"),
                    format!(
                        "is not a documented field ({hint}); to send a field the reference has but the SDK lacks, use `extra_field` (CLI: `--extra-field`)"
                    ),
                ));
            }
            None => {}
        }
    }
    Ok(())
}

fn check_value(op: &'static str, path: &str, shape: &Shape, v: &Value, strict: bool) -> Result<()> {
    let ok = match (shape, v) {
        (_, Value::Null) | (Shape::Any, _) => true,
        (Shape::String, Value::String(_)) => true,
        (Shape::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Shape::Number, Value::Number(_)) => true,
        (Shape::Bool, Value::Bool(_)) => true,
        (Shape::Object(fields), Value::Object(_)) => return check_object(op, &format!("{path}."), fields, v, strict),
        (Shape::Array(item), Value::Array(items)) => {
            for (i, x) in items.iter().enumerate() {
                check_value(op, &format!("{path}[{i}]"), item, x, strict)?;
            }
            true
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::validation(op, path, format!("expected {}, got {}", shape.expected(), kind(v))))
    }
}

/// Decodes untyped JSON into a request type after [`check_json`]; a decode failure the
/// shape check did not foresee is still a validation error, never a silent default.
pub fn from_json<T: DeserializeOwned>(op: &'static str, fields: &[FieldShape], v: &Value, strict: bool) -> Result<T> {
    check_json(op, fields, v, strict)?;
    T::deserialize(v).map_err(|e| Error::validation(op, "the body", e.to_string()))
}

/// The candidate nearest to `name` (case-insensitive edit distance), when near enough
/// to be a likely typo.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = distance(&lower, &c.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (name.chars().count().max(c.chars().count()) / 3).max(2);
    (d <= limit).then_some(c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(numeric_range("o", "agentid", "101", 101, 999_999).is_ok());
        let e = numeric_range("o", "agentid", "100", 101, 999_999).unwrap_err();
        assert!(e.to_string().contains("agentid") && e.to_string().contains("101..=999999"));
        assert!(numeric_range("o", "agentid", "-5", 101, 999_999).is_err());
        assert!(numeric_range("o", "agentid", "1e3", 101, 999_999).is_err());
        assert!(max_len("o", "phonenum", &"1".repeat(25), 24).is_err());
        assert!(max_len("o", "phonenum", &"1".repeat(24), 24).is_ok());
        assert!(required::<u8>("o", "password", &None).is_err());
        assert!(one_of("o", "seat", "vir", &["vir", "ass"]).is_ok());
        assert!(alphanumeric("o", "serviceToken", "abc-1").is_err());
        assert!(not_range("o", "agentIds[0]", 60_001, 60_000, 69_999).is_err());
        assert!(not_range("o", "agentIds[0]", 59_999, 60_000, 69_999).is_ok());
        let e = in_table("o", "indexIds[0]", "IDX_COUNT_AGENT_SIGNIN", "T", &["IDX_COUNT_AGENT_SIGN_IN"]).unwrap_err();
        assert!(e.to_string().contains("did you mean `IDX_COUNT_AGENT_SIGN_IN`"), "{e}");
        let e = at_least_one("o", "msgBody.", &[("fileName", false), ("callId", false)]).unwrap_err();
        assert!(e.to_string().contains("msgBody.fileName or msgBody.callId"), "{e}");
        assert!(at_least_one("o", "", &[("fileName", false), ("callId", true)]).is_ok());
    }

    static INNER: &[FieldShape] = &[FieldShape { name: "callId", shape: Shape::String }];
    static BODY: &[FieldShape] = &[
        FieldShape { name: "agentIds", shape: Shape::Array(&Shape::Int) },
        FieldShape { name: "msgBody", shape: Shape::Object(INNER) },
        FieldShape { name: "ccId", shape: Shape::Int },
    ];

    #[test]
    fn unknown_fields_name_the_nearest_documented_one() {
        let v = serde_json::json!({"agentIdz": [1001]});
        let e = check_json("o", BODY, &v, true).unwrap_err();
        assert!(e.to_string().contains("agentIdz") && e.to_string().contains("did you mean `agentIds`?"), "{e}");
        assert!(check_json("o", BODY, &v, false).is_ok(), "lenient mode lets unknown fields through");
        let e = check_json("o", BODY, &serde_json::json!({"msgBody": {"calId": "1"}}), true).unwrap_err();
        assert!(e.to_string().contains("msgBody.calId") && e.to_string().contains("`msgBody.callId`"), "{e}");
        let e = check_json("o", BODY, &serde_json::json!({"zzzzzzzz": 1}), true).unwrap_err();
        assert!(e.to_string().contains("documented: agentIds, msgBody, ccId"), "{e}");
    }

    #[test]
    fn type_errors_name_the_path() {
        let e = check_json("o", BODY, &serde_json::json!({"msgBody": {"callId": 17}}), false).unwrap_err();
        assert!(e.to_string().contains("msgBody.callId") && e.to_string().contains("expected a string"), "{e}");
        let e = check_json("o", BODY, &serde_json::json!({"agentIds": [1001, "1002"]}), false).unwrap_err();
        assert!(e.to_string().contains("agentIds[1]") && e.to_string().contains("expected an integer"), "{e}");
        let e = check_json("o", BODY, &serde_json::json!({"ccId": 1.5}), false).unwrap_err();
        assert!(e.to_string().contains("ccId") && e.to_string().contains("decimal"), "{e}");
        assert!(check_json("o", BODY, &serde_json::json!({"ccId": null, "agentIds": [1]}), true).is_ok());
        let e = check_json("o", BODY, &serde_json::json!([1]), true).unwrap_err();
        assert!(e.to_string().contains("the body"), "{e}");
    }

    #[test]
    fn nearest_names() {
        assert_eq!(nearest("agentIdz", ["ccId", "agentIds"]), Some("agentIds"));
        assert_eq!(nearest("AGENTIDS", ["agentIds"]), Some("agentIds"));
        assert_eq!(nearest("completelydifferent", ["agentIds"]), None);
    }
}
