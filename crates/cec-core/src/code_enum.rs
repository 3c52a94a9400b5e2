//! Typed code tables (agent states, indicator ids, fail codes, result codes)
//! whose unknown values still parse: every enum has an `Unknown(raw)` arm.

/// Defines an enum over integer codes. Serializes as the number; deserializes
/// from a number or a numeric string; unknown codes become `Unknown(code)`.
#[macro_export]
macro_rules! int_code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal => $desc:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = $desc] $variant,)*
            /// A code this version of the SDK does not know.
            Unknown(i64),
        }

        impl $name {
            /// Every code of the table.
            pub const CODES: &'static [i64] = &[$($code),*];

            /// The enum value of a code.
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }
            /// The code on the wire.
            pub fn code(&self) -> i64 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(c) => *c,
                }
            }
            /// What the reference says the code means (`None` for unknown codes).
            pub fn description(&self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($desc),)*
                    Self::Unknown(_) => None,
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::code_enum::int_code(d).map(Self::from_code)
            }
        }
    };
}

/// Defines an enum over text codes (`"0100000"`, `"IDX_COUNT_AGENT_SIGN_IN"`).
/// Deserializes from a string or a number; unknown codes become `Unknown(code)`.
#[macro_export]
macro_rules! str_code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal => $desc:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = $desc] $variant,)*
            /// A code this version of the SDK does not know.
            Unknown(String),
        }

        impl $name {
            /// Every code of the table, as on the wire.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The enum value of a code.
            pub fn from_code(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
            /// The code on the wire.
            pub fn code(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(c) => c,
                }
            }
            /// What the reference says the code means (`None` for unknown codes).
            pub fn description(&self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($desc),)*
                    Self::Unknown(_) => None,
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::code_enum::text_code(d).map(|c| Self::from_code(&c))
            }
        }
    };
}

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// The type of a JSON value that is not a code, for the error message.
macro_rules! not_a_code {
    () => {
        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
            Err(E::custom(format!("expected a code, got {b}")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(E::custom("expected a code, got null"))
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom("expected a code, got an object"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom("expected a code, got a list"))
        }
    };
}

struct IntCode;

impl<'de> Visitor<'de> for IntCode {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer code")
    }
    not_a_code!();
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<i64, E> {
        Ok(n)
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<i64, E> {
        i64::try_from(n).map_err(|_| E::custom(format!("code {n} is not an integer")))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<i64, E> {
        let text = serde_json::Number::from_f64(f).map(|n| n.to_string()).unwrap_or_else(|| f.to_string());
        Err(E::custom(format!("code {text} is not an integer")))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<i64, E> {
        s.trim().parse().map_err(|_| E::custom(format!("code {s:?} is not an integer")))
    }
}

/// An integer code from a number or a numeric string.
pub fn int_code<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntCode)
}

struct TextCode;

impl<'de> Visitor<'de> for TextCode {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text code")
    }
    not_a_code!();
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<String, E> {
        Ok(n.to_string())
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<String, E> {
        Ok(n.to_string())
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<String, E> {
        Ok(serde_json::Number::from_f64(f).map(|n| n.to_string()).unwrap_or_else(|| f.to_string()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
        Ok(s.to_owned())
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<String, E> {
        Ok(s)
    }
}

/// A text code from a string or a number.
pub fn text_code<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(TextCode)
}

#[cfg(test)]
mod tests {
    crate::int_code_enum! {
        /// Test states.
        State { Idle = 1 => "idle", Talking = 5 => "talking" }
    }
    crate::str_code_enum! {
        /// Test codes.
        Code { Ok = "0100000" => "success" }
    }

    #[test]
    fn known_and_unknown_codes_round_trip() {
        let s: Vec<State> = serde_json::from_str(r#"[1, "5", 42]"#).unwrap();
        assert_eq!(s, vec![State::Idle, State::Talking, State::Unknown(42)]);
        assert_eq!(serde_json::to_string(&s).unwrap(), "[1,5,42]");
        assert_eq!(State::Talking.description(), Some("talking"));
        let c: Vec<Code> = serde_json::from_str(r#"["0100000", "0100999", 7]"#).unwrap();
        assert_eq!(c[0], Code::Ok);
        assert_eq!(c[1], Code::Unknown("0100999".into()));
        assert_eq!(c[2].code(), "7");
        assert!(serde_json::from_str::<State>("\"x\"").is_err());
        assert_eq!(Code::Ok.description(), Some("success"));
        assert_eq!(Code::Unknown("x".into()).description(), None);
        assert_eq!((State::CODES, Code::CODES), (&[1i64, 5][..], &["0100000"][..]));
    }
}
