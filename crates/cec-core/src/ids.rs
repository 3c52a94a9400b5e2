//! Typed ids (async-stripe's `ids.rs`): an agent id, a skill queue id, a call id, a
//! campaign id and a VDN id are different things, each checked when it is made, so a
//! value that cannot be valid fails before a request is built, naming the rule.
//!
//! Each converts into the wire form the generated builders take (`String` for the
//! gateway's agent ids, `i64` for CMS/iSales numbers) with `From`, and parses from text
//! with `FromStr`.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Agent (work) ids: 101–999999 without the documented gap 60000–69999
/// (CC-CMS agent-id rules: "101-59999 and 70000-999999").
pub const AGENT_ID_RANGE: (u32, u32) = (101, 999_999);
/// The gap inside [`AGENT_ID_RANGE`] that no agent id takes.
pub const AGENT_ID_GAP: (u32, u32) = (60_000, 69_999);
/// VDN ids: 1–5000 (CC-CMS field rules).
pub const VDN_ID_RANGE: (u32, u32) = (1, 5_000);

fn refuse(what: &'static str, value: impl fmt::Display, rule: &str) -> Error {
    Error::validation("id", what, format!("{value} {rule}"))
}

macro_rules! number_id {
    ($(#[$m:meta])* $name:ident($repr:ty), $what:literal, $check:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name($repr);

        impl $name {
            /// Checks the documented rule and makes the id.
            pub fn new(v: $repr) -> Result<Self> {
                let check: fn($repr) -> std::result::Result<(), String> = $check;
                check(v).map_err(|rule| refuse($what, v, &rule))?;
                Ok($name(v))
            }
            /// The number.
            pub fn get(self) -> $repr {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                let v: $repr = s.trim().parse().map_err(|_| refuse($what, format!("{s:?}"), "is not a number"))?;
                Self::new(v)
            }
        }

        impl TryFrom<i64> for $name {
            type Error = Error;
            fn try_from(v: i64) -> Result<Self> {
                let n = <$repr>::try_from(v).map_err(|_| refuse($what, v, "is out of range"))?;
                Self::new(n)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                i64::from(id.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }
    };
}

number_id!(
    /// An agent (work) id: 101–999999, not 60000–69999.
    AgentId(u32),
    "agentId",
    |v| {
        if v < AGENT_ID_RANGE.0 || v > AGENT_ID_RANGE.1 {
            Err(format!("is outside {}-{}", AGENT_ID_RANGE.0, AGENT_ID_RANGE.1))
        } else if (AGENT_ID_GAP.0..=AGENT_ID_GAP.1).contains(&v) {
            Err(format!("falls in the gap {}-{} no agent id takes", AGENT_ID_GAP.0, AGENT_ID_GAP.1))
        } else {
            Ok(())
        }
    }
);

number_id!(
    /// A skill queue id (positive).
    SkillId(u32),
    "skillId",
    |v| if v == 0 { Err("must be positive".into()) } else { Ok(()) }
);

number_id!(
    /// An outbound campaign id (CC-iSales; positive).
    CampaignId(i64),
    "campaignId",
    |v| if v <= 0 { Err("must be positive".into()) } else { Ok(()) }
);

number_id!(
    /// A VDN (virtual call center) id: 1–5000.
    VdnId(u32),
    "vdn",
    |v| {
        if v < VDN_ID_RANGE.0 || v > VDN_ID_RANGE.1 {
            Err(format!("is outside {}-{}", VDN_ID_RANGE.0, VDN_ID_RANGE.1))
        } else {
            Ok(())
        }
    }
);

/// A call id as the platform gives it (`1768465800-4711`): non-empty, at most 64
/// characters, no whitespace or control characters. Opaque otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CallId(String);

impl CallId {
    /// Checks the id and makes it.
    pub fn new(v: impl Into<String>) -> Result<Self> {
        let v = v.into();
        if v.is_empty() {
            return Err(refuse("callId", "\"\"", "must not be empty"));
        }
        if v.chars().count() > 64 {
            return Err(refuse("callId", format!("{} characters", v.chars().count()), "is longer than 64"));
        }
        if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse("callId", format!("{v:?}"), "holds whitespace or a control character"));
        }
        Ok(CallId(v))
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CallId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        CallId::new(s)
    }
}

impl TryFrom<String> for CallId {
    type Error = Error;
    fn try_from(v: String) -> Result<Self> {
        CallId::new(v)
    }
}

impl From<CallId> for String {
    fn from(id: CallId) -> String {
        id.0
    }
}

impl AsRef<str> for CallId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_follow_the_documented_range_and_gap() {
        for ok in [101, 1001, 59_999, 70_000, 999_999] {
            assert_eq!(AgentId::new(ok).unwrap().get(), ok);
        }
        for bad in [0, 100, 60_000, 65_432, 69_999, 1_000_000] {
            let e = AgentId::new(bad).unwrap_err();
            assert_eq!(e.field(), Some("agentId"), "{e}");
            assert!(e.to_string().contains(&bad.to_string()), "{e}");
        }
        assert!(AgentId::new(65_000).unwrap_err().to_string().contains("gap"));
        assert_eq!("1001".parse::<AgentId>().unwrap(), AgentId::new(1001).unwrap());
        assert!("10a1".parse::<AgentId>().unwrap_err().to_string().contains("not a number"));
        assert_eq!(String::from(AgentId::new(1001).unwrap()), "1001");
        assert_eq!(i64::from(AgentId::new(1001).unwrap()), 1001);
    }

    #[test]
    fn ids_keep_their_wire_form_in_json() {
        let a: AgentId = serde_json::from_str("1001").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "1001");
        assert!(serde_json::from_str::<AgentId>("65000").is_err());
        assert!(serde_json::from_str::<VdnId>("5001").is_err());
        let c: CallId = serde_json::from_str("\"1768465800-4711\"").unwrap();
        assert_eq!(c.as_str(), "1768465800-4711");
        assert!(serde_json::from_str::<CallId>("\"\"").is_err());
    }

    #[test]
    fn other_ids() {
        assert!(SkillId::new(0).is_err() && SkillId::new(1).is_ok());
        assert!(CampaignId::new(0).is_err() && CampaignId::try_from(7).is_ok());
        assert!(VdnId::new(0).is_err() && VdnId::new(5000).is_ok() && VdnId::try_from(-1).is_err());
        assert!(CallId::new("a b").is_err() && CallId::new("x".repeat(65)).is_err());
    }
}
