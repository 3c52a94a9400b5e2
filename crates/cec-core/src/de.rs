//! Lenient deserializers for generated response types: the NEs send numbers as
//! strings and strings as numbers, and "reserved" objects as `""` or `null`.
//! Unknown fields are always ignored.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::Value;

use crate::secret::Secret;

/// A string, accepting numbers and booleans as their text.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => return Err(D::Error::custom(format!("expected a string, got {}", kind(&other)))),
    })
}

/// A secret string (token, GUID, password).
pub fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    opt_string(d).map(|o| o.map(Secret::new))
}

/// An integer, accepting numeric strings; `""` is absent.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Number(n) => match n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)) {
            Some(i) => Some(i),
            None => return Err(D::Error::custom(format!("expected an integer, got {n}"))),
        },
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => {
            Some(s.trim().parse().map_err(|_| D::Error::custom(format!("expected an integer, got {s:?}")))?)
        }
        other => return Err(D::Error::custom(format!("expected an integer, got {}", kind(&other)))),
    })
}

/// A JSON number kept as written (integer or decimal), accepting numeric strings.
pub fn opt_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Number>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Number(n) => Some(n),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => {
            let t = s.trim();
            let n = t
                .parse::<i64>()
                .map(serde_json::Number::from)
                .ok()
                .or_else(|| t.parse::<f64>().ok().and_then(serde_json::Number::from_f64));
            Some(n.ok_or_else(|| D::Error::custom(format!("expected a number, got {s:?}")))?)
        }
        other => return Err(D::Error::custom(format!("expected a number, got {}", kind(&other)))),
    })
}

/// A boolean, accepting `"true"`/`"false"` and `0`/`1`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Bool(b) => Some(b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            "" => None,
            _ => return Err(D::Error::custom(format!("expected a boolean, got {s:?}"))),
        },
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => return Err(D::Error::custom(format!("expected a boolean, got {n}"))),
        },
        other => return Err(D::Error::custom(format!("expected a boolean, got {}", kind(&other)))),
    })
}

/// A nested object; `null`, `""` and `{}`-less placeholders are absent.
pub fn opt_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        v => serde_json::from_value(v).map(Some).map_err(D::Error::custom),
    }
}

/// A list; `null` and `""` are absent.
pub fn opt_vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<Vec<T>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        v @ Value::Array(_) => serde_json::from_value(v).map(Some).map_err(D::Error::custom),
        other => Err(D::Error::custom(format!("expected a list, got {}", kind(&other)))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, Default, PartialEq)]
    #[serde(default)]
    struct T {
        #[serde(deserialize_with = "opt_string")]
        s: Option<String>,
        #[serde(deserialize_with = "opt_i64")]
        i: Option<i64>,
        #[serde(deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(deserialize_with = "opt_object")]
        o: Option<std::collections::BTreeMap<String, i64>>,
    }

    #[test]
    fn tolerant() {
        let t: T = serde_json::from_str(r#"{"s":12,"i":"34","b":"true","o":"","extra":[1]}"#).unwrap();
        assert_eq!(t, T { s: Some("12".into()), i: Some(34), b: Some(true), o: None });
        let t: T = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(t, T::default());
        assert!(serde_json::from_str::<T>(r#"{"i":"abc"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"s":{}}"#).is_err());
    }
}
