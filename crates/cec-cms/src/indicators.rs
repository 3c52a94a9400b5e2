//! Typed CMS indicators: what each indicator id of the reference means, its unit, and
//! its answer decoded (`Duration`s, percentages, counts). Ids this SDK does not know
//! stay `Unknown(raw)` and their values stay as the NE sent them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::generated::{
    AgentHistoryIndicator, SkillHistoryExtraIndicator, SkillHistoryIndicator, SkillRealtimeIndicator,
    VdnHistoryIndicator, VdnRealtimeIndicator,
};

/// The unit of an indicator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A number of calls, agents or operations.
    Count,
    /// A duration the NE sends in milliseconds.
    Milliseconds,
    /// A duration the NE sends in seconds.
    Seconds,
    /// A percentage (0–100).
    Percent,
}

/// A decoded indicator value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "unit", content = "value", rename_all = "lowercase")]
pub enum IndicatorValue {
    /// A count.
    Count(u64),
    /// A duration (serialized as seconds with fractions).
    #[serde(serialize_with = "secs")]
    Duration(Duration),
    /// A percentage (0–100).
    Percent(f64),
    /// A value that did not decode as the unit says (kept as sent).
    Raw(Value),
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl IndicatorValue {
    /// Decodes a value as `unit` (numbers or numeric strings; anything else stays raw).
    pub fn decode(unit: Unit, v: &Value) -> IndicatorValue {
        let n = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match (unit, n) {
            (_, Some(x)) if !x.is_finite() || x < 0.0 => IndicatorValue::Raw(v.clone()),
            (Unit::Count, Some(x)) if x.fract() == 0.0 => IndicatorValue::Count(x as u64),
            (Unit::Milliseconds, Some(x)) => IndicatorValue::Duration(Duration::from_secs_f64(x / 1000.0)),
            (Unit::Seconds, Some(x)) => IndicatorValue::Duration(Duration::from_secs_f64(x)),
            (Unit::Percent, Some(x)) => IndicatorValue::Percent(x),
            _ => IndicatorValue::Raw(v.clone()),
        }
    }

    /// The count, if this is one.
    pub fn count(&self) -> Option<u64> {
        match self {
            IndicatorValue::Count(n) => Some(*n),
            _ => None,
        }
    }

    /// The duration, if this is one.
    pub fn duration(&self) -> Option<Duration> {
        match self {
            IndicatorValue::Duration(d) => Some(*d),
            _ => None,
        }
    }
}

impl std::fmt::Display for IndicatorValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndicatorValue::Count(n) => write!(f, "{n}"),
            IndicatorValue::Duration(d) => f.write_str(&format_duration(*d)),
            IndicatorValue::Percent(p) => write!(f, "{p:.1}%"),
            IndicatorValue::Raw(v) => write!(f, "{v}"),
        }
    }
}

/// `0:07`, `3:12`, `1:02:03` (hours only when needed).
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// An indicator id of one of the reference's indicator tables.
pub trait Indicator {
    /// The id on the wire.
    fn id(&self) -> &str;
    /// What the indicator counts or measures.
    fn meaning(&self) -> &str;
    /// The unit of its value.
    fn unit(&self) -> Unit;
    /// Its value decoded.
    fn decode(&self, v: &Value) -> IndicatorValue {
        IndicatorValue::decode(self.unit(), v)
    }
}

/// The unit an unknown id's name implies (`IDX_DURATION_…` durations, `…_RATE…` percent).
pub fn unit_from_id(id: &str) -> Unit {
    if id.starts_with("IDX_DURATION_") {
        Unit::Milliseconds
    } else if id.contains("_RATE") || id.contains("PERCENT") {
        Unit::Percent
    } else {
        Unit::Count
    }
}

impl Indicator for SkillRealtimeIndicator {
    fn id(&self) -> &str {
        match self {
            Self::Unknown(s) => s,
            other => other.code(),
        }
    }
    fn meaning(&self) -> &str {
        match self {
            Self::CountRealSkillQueue => "calls waiting in the queue now",
            Self::CountRealSkillHandle => "calls of the queue being handled by agents now",
            Self::DurationSkillMaxQueueAck => "longest wait of a call queuing now",
            Self::Count20sCallFor5min => "calls answered within 20 s in the last 5 minutes",
            Self::CountRealAgentSignIn => "agents of the queue signed in",
            Self::CountRealAgentConnect => "agents of the queue talking",
            Self::CountRealAgentSetIdle => "agents of the queue idle",
            Self::CountRealAgentUsable => "agents of the queue available for a call",
            Self::CountRealAgentSetBusy => "agents of the queue set busy",
            Self::CountRealAgentAcw => "agents of the queue in after-call work",
            Self::CountRealAgentRest => "agents of the queue resting",
            Self::CountRealAgentStudy => "agents of the queue learning",
            _ => "unknown indicator",
        }
    }
    fn unit(&self) -> Unit {
        match self {
            Self::DurationSkillMaxQueueAck => Unit::Milliseconds,
            Self::Unknown(s) => unit_from_id(s),
            _ => Unit::Count,
        }
    }
}

impl Indicator for VdnRealtimeIndicator {
    fn id(&self) -> &str {
        match self {
            Self::Unknown(s) => s,
            other => other.code(),
        }
    }
    fn meaning(&self) -> &str {
        match self {
            Self::CountRealVdnConnect => "calls of the VDN connected now",
            Self::CountRealVdnCall => "calls of the VDN in progress now",
            _ => "unknown indicator",
        }
    }
    fn unit(&self) -> Unit {
        match self {
            Self::Unknown(s) => unit_from_id(s),
            _ => Unit::Count,
        }
    }
}

/// The generated tables whose descriptions come from the reference and whose values
/// are counts unless the id says a duration.
macro_rules! described_counts {
    ($($t:ty),*) => {$(
        impl Indicator for $t {
            fn id(&self) -> &str {
                match self {
                    Self::Unknown(s) => s,
                    other => other.code(),
                }
            }
            fn meaning(&self) -> &str {
                self.description().unwrap_or("unknown indicator")
            }
            fn unit(&self) -> Unit {
                unit_from_id(self.id())
            }
        }
    )*};
}
described_counts!(SkillHistoryIndicator, AgentHistoryIndicator, VdnHistoryIndicator);

impl Indicator for SkillHistoryExtraIndicator {
    fn id(&self) -> &str {
        match self {
            Self::Unknown(s) => s,
            other => other.code(),
        }
    }
    fn meaning(&self) -> &str {
        match self {
            Self::DurationSkillAvgAbandonAck => "average wait of the calls abandoned",
            _ => "unknown indicator",
        }
    }
    fn unit(&self) -> Unit {
        unit_from_id(self.id())
    }
}

/// The `N` values of `IDX_COUNT_SKILL_CONNECTED_IN_(N)` / `IDX_COUNT_SKILL_ABANDON_IN_(N)`.
pub const WITHIN_SECONDS: &[u32] = &[3, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60];

/// `IDX_COUNT_SKILL_CONNECTED_IN_<n>` (calls answered within `n` seconds); `n` must be one of
/// [`WITHIN_SECONDS`].
pub fn connected_within(n: u32) -> Result<String, crate::Error> {
    within("IDX_COUNT_SKILL_CONNECTED_IN_", n)
}

/// `IDX_COUNT_SKILL_ABANDON_IN_<n>` (calls abandoned within `n` seconds).
pub fn abandoned_within(n: u32) -> Result<String, crate::Error> {
    within("IDX_COUNT_SKILL_ABANDON_IN_", n)
}

fn within(prefix: &str, n: u32) -> Result<String, crate::Error> {
    if WITHIN_SECONDS.contains(&n) {
        Ok(format!("{prefix}{n}"))
    } else {
        Err(cec_core::Error::validation(
            "hisindex.skill",
            "indexIds",
            format!("N must be one of {WITHIN_SECONDS:?}, not {n}"),
        )
        .into())
    }
}

/// The `logonTime` CMS reports for an agent who is not signed in (2106-02-07).
pub const NOT_SIGNED_IN_LOGON_MS: i64 = 4_294_967_295_000;

/// A `logonTime` (epoch milliseconds) as a time; `None` for a signed-out agent's far-future
/// marker (4294967295000), 0 or negative values.
pub fn logon_time(ms: i64) -> Option<SystemTime> {
    if ms <= 0 || ms >= NOT_SIGNED_IN_LOGON_MS {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_millis(ms as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_decode_by_unit() {
        let q = SkillRealtimeIndicator::DurationSkillMaxQueueAck;
        assert_eq!(q.decode(&json!("12500")), IndicatorValue::Duration(Duration::from_millis(12_500)));
        assert_eq!(SkillRealtimeIndicator::CountRealSkillQueue.decode(&json!(3)), IndicatorValue::Count(3));
        assert_eq!(SkillRealtimeIndicator::CountRealSkillQueue.decode(&json!("x")), IndicatorValue::Raw(json!("x")));
        assert_eq!(IndicatorValue::decode(Unit::Percent, &json!("87.5")), IndicatorValue::Percent(87.5));
        assert_eq!(IndicatorValue::decode(Unit::Count, &json!(-1)), IndicatorValue::Raw(json!(-1)));
        assert_eq!(format_duration(Duration::from_secs(3723)), "1:02:03");
        assert_eq!(IndicatorValue::Duration(Duration::from_secs(75)).to_string(), "1:15");
    }

    #[test]
    fn unknown_ids_are_kept_with_a_unit_from_their_name() {
        let u = SkillRealtimeIndicator::from_code("IDX_DURATION_NEW_ONE");
        assert_eq!(u, SkillRealtimeIndicator::Unknown("IDX_DURATION_NEW_ONE".into()));
        assert_eq!(u.id(), "IDX_DURATION_NEW_ONE");
        assert_eq!(u.unit(), Unit::Milliseconds);
        assert_eq!(SkillHistoryIndicator::CountSkillConnected.unit(), Unit::Count);
        assert!(SkillHistoryIndicator::CountSkillConnected.meaning().contains("connected"));
        for i in SkillRealtimeIndicator::CODES {
            assert_ne!(SkillRealtimeIndicator::from_code(i).meaning(), "unknown indicator", "{i}");
        }
    }

    #[test]
    fn signed_out_logon_time_is_none() {
        assert_eq!(logon_time(4_294_967_295_000), None);
        assert_eq!(logon_time(0), None);
        assert_eq!(logon_time(1_700_000_000_000), UNIX_EPOCH.checked_add(Duration::from_millis(1_700_000_000_000)));
    }

    #[test]
    fn within_n_is_checked() {
        assert_eq!(connected_within(20).unwrap(), "IDX_COUNT_SKILL_CONNECTED_IN_20");
        assert!(connected_within(7).unwrap_err().to_string().contains("indexIds"));
        assert_eq!(abandoned_within(60).unwrap(), "IDX_COUNT_SKILL_ABANDON_IN_60");
    }
}
