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

use serde::Deserialize;
use serde::de::{Deserializer, Error as _};
use serde_json::Value;

/// An integer code from a number or a numeric string.
pub fn int_code<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().ok_or_else(|| D::Error::custom(format!("code {n} is not an integer"))),
        Value::String(s) => s.trim().parse().map_err(|_| D::Error::custom(format!("code {s:?} is not an integer"))),
        other => Err(D::Error::custom(format!("expected a code, got {other}"))),
    }
}

/// A text code from a string or a number.
pub fn text_code<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!("expected a code, got {other}"))),
    }
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
