//! Lenient deserializers for generated response types: the NEs send numbers as
//! strings and strings as numbers, and "reserved" objects as `""` or `null`.
//! Unknown fields are always ignored.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, Error as _, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::secret::Secret;

// Every decoder here is a visitor over the input itself (`deserialize_any`):
// no intermediate `serde_json::Value` is built, so a lenient field costs what
// a plain one does.

/// A float as serde_json writes it (`1e20`, `1.5`), as the text of a number.
fn float_text(f: f64) -> String {
    serde_json::Number::from_f64(f).map(|n| n.to_string()).unwrap_or_else(|| f.to_string())
}

/// Defines the `visit_*` methods that refuse a JSON type with "expected {what}, got {kind}".
macro_rules! refuse {
    ($what:literal: $($method:ident),*) => {
        $(refuse!(@one $what, $method);)*
    };
    (@one $what:literal, bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(E::custom(concat!("expected ", $what, ", got a boolean")))
        }
    };
    (@one $what:literal, number) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(E::custom(concat!("expected ", $what, ", got a number")))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(E::custom(concat!("expected ", $what, ", got a number")))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom(concat!("expected ", $what, ", got a number")))
        }
    };
    (@one $what:literal, map) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(A::Error::custom(concat!("expected ", $what, ", got an object")))
        }
    };
    (@one $what:literal, seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(A::Error::custom(concat!("expected ", $what, ", got a list")))
        }
    };
}

/// `null` (and an absent `Option`) is absent.
macro_rules! absent_on_null {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

struct StringV;

impl<'de> Visitor<'de> for StringV {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    absent_on_null!();
    refuse!("a string": map, seq);
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(s.to_owned()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Some(s))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Some(n.to_string()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Some(n.to_string()))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
        Ok(Some(float_text(f)))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Some(b.to_string()))
    }
}

/// A string, accepting numbers and booleans as their text.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(StringV)
}

/// A secret string (token, GUID, password).
pub fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    opt_string(d).map(|o| o.map(Secret::new))
}

struct I64V;

impl<'de> Visitor<'de> for I64V {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer")
    }
    absent_on_null!();
    refuse!("an integer": bool, map, seq);
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Some(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        // Above i64::MAX: the float's integer value, saturated (as before, through f64).
        Ok(Some(i64::try_from(n).unwrap_or(n as f64 as i64)))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
        if f.fract() == 0.0 {
            Ok(Some(f as i64))
        } else {
            Err(E::custom(format!("expected an integer, got {}", float_text(f))))
        }
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse().map(Some).map_err(|_| E::custom(format!("expected an integer, got {s:?}")))
    }
}

/// An integer, accepting numeric strings; `""` is absent.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(I64V)
}

struct NumberV;

impl<'de> Visitor<'de> for NumberV {
    type Value = Option<serde_json::Number>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    absent_on_null!();
    refuse!("a number": bool, map, seq);
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Some(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Some(n.into()))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
        serde_json::Number::from_f64(f).map(Some).ok_or_else(|| E::custom("expected a finite number"))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let n = t
            .parse::<i64>()
            .map(serde_json::Number::from)
            .ok()
            .or_else(|| t.parse::<f64>().ok().and_then(serde_json::Number::from_f64));
        n.map(Some).ok_or_else(|| E::custom(format!("expected a number, got {s:?}")))
    }
}

/// A JSON number kept as written (integer or decimal), accepting numeric strings.
pub fn opt_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Number>, D::Error> {
    d.deserialize_any(NumberV)
}

struct BoolV;

impl<'de> Visitor<'de> for BoolV {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }
    absent_on_null!();
    refuse!("a boolean": map, seq);
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Some(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        match n {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::custom(format!("expected a boolean, got {n}"))),
        }
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        match n {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::custom(format!("expected a boolean, got {n}"))),
        }
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!("expected a boolean, got {}", float_text(f))))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            "" => Ok(None),
            _ => Err(E::custom(format!("expected a boolean, got {s:?}"))),
        }
    }
}

/// A boolean, accepting `"true"`/`"false"` and `0`/`1`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(BoolV)
}

struct ObjectV<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for ObjectV<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    absent_on_null!();
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::deserialize(SeqAccessDeserializer::new(seq)).map(Some)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        if s.is_empty() { Ok(None) } else { T::deserialize(s.into_deserializer()).map(Some) }
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        if s.is_empty() { Ok(None) } else { T::deserialize(s.into_deserializer()).map(Some) }
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        T::deserialize(n.into_deserializer()).map(Some)
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        T::deserialize(n.into_deserializer()).map(Some)
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
        T::deserialize(f.into_deserializer()).map(Some)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        T::deserialize(b.into_deserializer()).map(Some)
    }
}

/// A nested object; `null`, `""` and `{}`-less placeholders are absent.
pub fn opt_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(ObjectV(PhantomData))
}

struct VecV<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for VecV<T> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    absent_on_null!();
    refuse!("a list": bool, number, map);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        <Vec<T> as de::Deserialize>::deserialize(SeqAccessDeserializer::new(seq)).map(Some)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        if s.is_empty() { Ok(None) } else { Err(E::custom("expected a list, got a string")) }
    }
}

/// A list; `null` and `""` are absent.
pub fn opt_vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<Vec<T>>, D::Error> {
    d.deserialize_any(VecV(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

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
