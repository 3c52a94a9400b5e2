//! Totals of CDRs (`cec fs cdr summarize`): calls, answered, abandoned, talk time,
//! average handle time — overall or per agent, skill or hour.
//!
//! Definitions (from the CDR columns alone): a call is one `call_id`; it is
//! answered when one of its agent rows (`device_type` 2) has a `call_begin`;
//! otherwise abandoned. Talk time is the sum over agent rows of `call_end -
//! call_begin`. CDRs carry no after-call work, so the average handle time is the
//! talk time per answered call (plus nothing).

use std::collections::BTreeMap;

use crate::cdr::CallRow;

/// How to group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One line.
    All,
    /// Per agent of the agent rows; calls no agent answered under `-`.
    Agent,
    /// Per skill queue (the queue row's `device_no`, else the agent row's `pre_device_no`).
    Skill,
    /// Per hour of the call's first time (`HH` of `wait_begin`/`ack_begin`/`call_begin`).
    Hour,
}

/// Totals of one group.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Totals {
    /// Distinct calls.
    pub calls: u64,
    /// Calls an agent answered.
    pub answered: u64,
    /// Calls no agent answered.
    pub abandoned: u64,
    /// Seconds talked.
    pub talk_secs: i64,
    /// Talk seconds per answered call.
    pub avg_handle_secs: f64,
}

fn first_time(r: &CallRow) -> Option<&crate::cdr::CdrTime> {
    r.wait_begin.as_ref().or(r.ack_begin.as_ref()).or(r.call_begin.as_ref())
}

/// Totals of `rows`, grouped; keys sorted.
pub fn summarize(rows: &[CallRow], by: GroupBy) -> BTreeMap<String, Totals> {
    // Rows per call, in file order.
    let mut calls: BTreeMap<&str, Vec<&CallRow>> = BTreeMap::new();
    for r in rows {
        calls.entry(r.call_id.as_str()).or_default().push(r);
    }
    let mut out: BTreeMap<String, Totals> = BTreeMap::new();
    for legs in calls.values() {
        let agent_rows: Vec<&&CallRow> = legs.iter().filter(|r| r.device_type == Some(2)).collect();
        let answered_rows: Vec<&&CallRow> = agent_rows.iter().copied().filter(|r| r.call_begin.is_some()).collect();
        let talk = |r: &CallRow| match (&r.call_begin, &r.call_end) {
            (Some(b), Some(e)) => (e.secs - b.secs).max(0),
            _ => 0,
        };
        let skill = legs
            .iter()
            .find(|r| r.device_type == Some(1))
            .and_then(|r| r.device_no.map(|n| n.to_string()))
            .or_else(|| agent_rows.iter().find(|r| r.pre_device_type == "1").map(|r| r.pre_device_no.clone()))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "-".into());
        let hour = legs
            .iter()
            .filter_map(|r| first_time(r))
            .min()
            .and_then(|t| t.text.get(11..13).map(str::to_owned))
            .unwrap_or_else(|| "-".into());
        // (key, answered by this key, talk of this key)
        let mut parts: Vec<(String, bool, i64)> = Vec::new();
        match by {
            GroupBy::All => {
                parts.push(("all".into(), !answered_rows.is_empty(), answered_rows.iter().map(|r| talk(r)).sum()))
            }
            GroupBy::Skill => {
                parts.push((skill, !answered_rows.is_empty(), answered_rows.iter().map(|r| talk(r)).sum()))
            }
            GroupBy::Hour => parts.push((hour, !answered_rows.is_empty(), answered_rows.iter().map(|r| talk(r)).sum())),
            GroupBy::Agent => {
                if answered_rows.is_empty() {
                    let agent = agent_rows.first().map(|r| r.agent_id.clone()).filter(|a| !a.is_empty());
                    parts.push((agent.unwrap_or_else(|| "-".into()), false, 0));
                }
                let mut per: BTreeMap<String, i64> = BTreeMap::new();
                for r in &answered_rows {
                    *per.entry(r.agent_id.clone()).or_default() += talk(r);
                }
                for (a, t) in per {
                    parts.push((a, true, t));
                }
            }
        }
        for (key, answered, talk) in parts {
            let t = out.entry(key).or_default();
            t.calls += 1;
            if answered {
                t.answered += 1;
            } else {
                t.abandoned += 1;
            }
            t.talk_secs += talk;
        }
    }
    for t in out.values_mut() {
        t.avg_handle_secs = if t.answered == 0 { 0.0 } else { t.talk_secs as f64 / t.answered as f64 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<CallRow> {
        crate::cdr::rows::<CallRow, _>(text.as_bytes(), "t").collect::<Result<_, _>>().unwrap()
    }

    const CSV: &str = "\
d,a,1,,c1,138,10086,2025-12-01 08:00:00,2025-12-01 08:00:05,,,,,1,2,0,,1,1,,\r\n\
d,a,1,1001,c1,138,10086,2025-12-01 08:00:05,2025-12-01 08:00:05,2025-12-01 08:00:05,2025-12-01 08:00:07,2025-12-01 08:00:07,2025-12-01 08:01:07,2,1001,0,0,-1,1,1,2\r\n\
d,a,1,,c2,139,10086,2025-12-01 09:10:00,2025-12-01 09:11:00,,,,,1,2,0,,-1,1,,\r\n\
d,a,1,1001,c3,137,10086,,,2025-12-01 09:20:00,2025-12-01 09:20:02,2025-12-01 09:20:02,2025-12-01 09:20:32,2,1001,0,0,1,1,,\r\n\
d,a,1,1002,c3,137,10086,,,2025-12-01 09:20:32,2025-12-01 09:20:33,2025-12-01 09:20:33,2025-12-01 09:21:03,2,1002,0,0,-1,1,2,1001\r\n";

    #[test]
    fn totals_overall_and_grouped() {
        let r = rows(CSV);
        let all = &summarize(&r, GroupBy::All)["all"];
        assert_eq!((all.calls, all.answered, all.abandoned, all.talk_secs), (3, 2, 1, 120));
        assert_eq!(all.avg_handle_secs, 60.0);
        let by_agent = summarize(&r, GroupBy::Agent);
        assert_eq!(by_agent["1001"].calls, 2, "1001 answered c1 and the first leg of c3");
        assert_eq!(by_agent["1002"].talk_secs, 30);
        assert_eq!(by_agent["-"].abandoned, 1);
        let by_skill = summarize(&r, GroupBy::Skill);
        assert_eq!(by_skill["2"].calls, 2);
        let by_hour = summarize(&r, GroupBy::Hour);
        assert_eq!((by_hour["08"].calls, by_hour["09"].calls), (1, 2));
    }
}
