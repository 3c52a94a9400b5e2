//! CC-iSales: running campaigns dial their call data at the scenario's pace
//! (or when stepped), with a seeded, exact answer / fail split, fail codes,
//! retry policy, blocklist and pause / resume; results are queryable.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use serde_json::{Value, json};

use super::effects::{Effect, run_effects};
use super::{Model, Shared, mix, now_ms};
use crate::api::{Reply, Req, Route, failure};
use crate::scenario::Scenario;

/// One number of a campaign.
#[derive(Debug, Clone)]
pub(super) struct DataRec {
    called: String,
    session_id: String,
    custom_field: String,
    attempts: u32,
    done: bool,
    succeeded: bool,
}

/// One dial attempt.
#[derive(Debug, Clone)]
pub(super) struct DialResult {
    campaign: i64,
    session_id: String,
    custom_field: String,
    called: String,
    call_id: String,
    time_ms: u64,
    /// 5 failed, 6 succeeded.
    status: i64,
    fail_code: String,
    /// The number's last attempt (no retry follows).
    last: bool,
}

#[derive(Debug, Default)]
pub(super) struct CampaignRun {
    data: Vec<DataRec>,
    pending: VecDeque<usize>,
    attempts: u64,
    answered: u64,
    failed: u64,
    policy: Option<Value>,
    max_attempts: Option<u32>,
    no_retry: Vec<String>,
}

/// Dialer state.
#[derive(Debug, Default)]
pub(crate) struct DialerState {
    runs: BTreeMap<i64, CampaignRun>,
    /// Blocklisted numbers and when each expires (epoch ms; `None` = never).
    blocklist: BTreeMap<String, Option<u64>>,
    results: Vec<DialResult>,
    data_seq: u64,
    last_tick: Option<Instant>,
    credit_ms: u64,
}

impl DialerState {
    pub(super) fn new(sc: &Scenario) -> Self {
        let mut d = DialerState::default();
        for cd in &sc.campaign_data {
            for n in &cd.numbers {
                d.add_number(cd.campaign, n, "", "");
            }
        }
        d
    }

    fn add_number(&mut self, campaign: i64, called: &str, session: &str, custom: &str) -> String {
        self.data_seq += 1;
        let data_id = format!("{}", 900_000 + self.data_seq);
        let run = self.runs.entry(campaign).or_default();
        run.pending.push_back(run.data.len());
        run.data.push(DataRec {
            called: called.into(),
            session_id: session.into(),
            custom_field: custom.into(),
            attempts: 0,
            done: false,
            succeeded: false,
        });
        data_id
    }

    fn blocked(&self, number: &str, now: u64) -> bool {
        self.blocklist.get(number).is_some_and(|exp| exp.is_none_or(|e| e > now))
    }
}

fn ok_body(extra: Value) -> Reply {
    let mut v =
        json!({ "resultCode": "0200000", "resultDesc": "success", "returnCode": "0200000", "returnDesc": "success" });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    Reply::ok(v)
}

fn result_json(r: &DialResult, vdn: i64) -> Value {
    json!({
        "campaignId": r.campaign.to_string(), "sessionId": r.session_id, "called": r.called,
        "callTimeStr": super::cdr::datetime(r.time_ms), "callStatus": r.status, "failCode": r.fail_code,
        "resultCode": r.fail_code, "vdnId": vdn, "callId": r.call_id, "customField": r.custom_field, "recordPath": ""
    })
}

impl Shared {
    /// Dials one number of every running campaign; returns how many were dialed.
    pub(crate) fn dial_step(&self) -> usize {
        let (n, effects) = {
            let mut m = self.lock();
            self.dial_round(&mut m)
        };
        run_effects(self, effects);
        n
    }

    fn dial_round(&self, m: &mut Model) -> (usize, Vec<Effect>) {
        let running: Vec<i64> = m.campaigns.values().filter(|c| c.status == 2).map(|c| c.id).collect();
        let mut dialed = Vec::new();
        for c in running {
            if let Some(r) = self.dial_one(m, c) {
                dialed.push(r);
            }
        }
        let effects = match &self.config.scenario.dialer.result_callback_url {
            Some(url) if !dialed.is_empty() => {
                let vdn = self.config.scenario.vdn;
                let body = json!(dialed.iter().map(|r| result_json(r, vdn)).collect::<Vec<_>>());
                vec![Effect::Post { url: url.clone(), body, signed: false }]
            }
            _ => Vec::new(),
        };
        (dialed.len(), effects)
    }

    /// Dials the next number of campaign `c` (skipping blocklisted numbers).
    fn dial_one(&self, m: &mut Model, c: i64) -> Option<DialResult> {
        let dialer = &self.config.scenario.dialer;
        let now = now_ms() as u64;
        let idx = loop {
            let run = m.dialer.runs.get_mut(&c)?;
            let idx = run.pending.pop_front()?;
            let called = run.data[idx].called.clone();
            if m.dialer.blocked(&called, now) {
                // A blocklisted number is never dialed; it is done.
                if let Some(run) = m.dialer.runs.get_mut(&c) {
                    run.data[idx].done = true;
                }
                continue;
            }
            break idx;
        };
        let call_id = self.new_call_id(m);
        let seed = self.config.seed;
        let run = m.dialer.runs.get_mut(&c)?;
        run.attempts += 1;
        // An exact split: each attempt goes to the outcome furthest behind its share
        // (answered, failed, no answer); the seed breaks ties. After n attempts every
        // count is within one of n * percent / 100, and equal to it when that is whole.
        let shares = [
            u64::from(dialer.answer_percent.min(100)),
            u64::from(dialer.fail_percent.min(100 - dialer.answer_percent.min(100))),
            0,
        ];
        let shares = [shares[0], shares[1], 100 - shares[0] - shares[1]];
        let counts = [run.answered, run.failed, run.attempts - 1 - run.answered - run.failed];
        let rot = (mix(seed ^ c as u64) % 3) as usize;
        let n = run.attempts as i64;
        let outcome = (0..3)
            .map(|i| (rot + i) % 3)
            .max_by_key(|&k| (n * shares[k] as i64 - 100 * counts[k] as i64, 3 - (k + 3 - rot) % 3))
            .unwrap_or(2);
        let (status, fail_code) = match outcome {
            0 => {
                run.answered += 1;
                (6, "00000".to_string())
            }
            1 if !dialer.fail_codes.is_empty() => {
                run.failed += 1;
                let pick = mix(seed ^ mix(run.attempts ^ ((c as u64) << 20))) % dialer.fail_codes.len() as u64;
                (5, dialer.fail_codes[pick as usize].clone())
            }
            _ => (5, "00147".to_string()),
        };
        let max = run.max_attempts.unwrap_or(dialer.max_attempts).max(1);
        let rec = &mut run.data[idx];
        rec.attempts += 1;
        let retry = status != 6 && rec.attempts < max && !run.no_retry.contains(&fail_code);
        rec.done = !retry;
        rec.succeeded = status == 6;
        let result = DialResult {
            campaign: c,
            session_id: rec.session_id.clone(),
            custom_field: rec.custom_field.clone(),
            called: rec.called.clone(),
            call_id,
            time_ms: now,
            status,
            fail_code,
            last: !retry,
        };
        if retry {
            run.pending.push_back(idx);
        }
        m.dialer.results.push(result.clone());
        Some(result)
    }

    /// Real-time dialing at `dialer.interval_ms` (0: only when stepped).
    pub(super) fn dialer_tick(&self) {
        let every = self.config.scenario.dialer.interval_ms;
        if every == 0 {
            return;
        }
        let effects = {
            let mut m = self.lock();
            let now = Instant::now();
            let elapsed = m.dialer.last_tick.map(|t| now.duration_since(t).as_millis() as u64).unwrap_or(0);
            m.dialer.last_tick = Some(now);
            m.dialer.credit_ms += elapsed;
            let mut effects = Vec::new();
            while m.dialer.credit_ms >= every {
                m.dialer.credit_ms -= every;
                effects.extend(self.dial_round(&mut m).1);
            }
            effects
        };
        run_effects(self, effects);
    }

    /// CC-iSales interfaces that read the dialer; `None`: the spec's sample.
    pub(super) fn isales(&self, route: &Route, req: &Req) -> Option<Reply> {
        let vdn = self.config.scenario.vdn;
        if req.params.contains_key("vdnId") && req.param("vdnId") != vdn.to_string() {
            return Some(failure(route, "0200001", "unknown VDN"));
        }
        let campaign: i64 = req.param("campaignId").parse().unwrap_or(-1);
        let b = &req.body;
        let now = now_ms() as u64;
        let mut m = self.lock();
        let known = m.campaigns.contains_key(&campaign);
        let reply = match route.id() {
            "campaign.pause" | "campaign.resume" => {
                let (from, to) = if route.id() == "campaign.pause" { (2, 3) } else { (3, 2) };
                let Some(c) = m.campaigns.get_mut(&campaign) else {
                    return Some(failure(route, "0200014", "campaign not found"));
                };
                if c.status != from {
                    let why = if from == 2 { "campaign is not running" } else { "campaign is not suspended" };
                    return Some(failure(route, "0200015", why));
                }
                c.status = to;
                if to == 2 {
                    m.dialer.last_tick = None;
                }
                ok_body(json!({}))
            }
            "calldata.add_v1" | "calldata.add_v2" => {
                if !known {
                    return Some(failure(route, "0200014", "campaign not found"));
                }
                let list = b.get("callDataList").and_then(Value::as_array).cloned().unwrap_or_default();
                let mut created = Vec::new();
                for d in &list {
                    let text = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                    // V2 carries a list of numbers; V1 a single string.
                    let called = match d.get("called") {
                        Some(Value::Array(a)) => a.first().and_then(Value::as_str).unwrap_or("").to_owned(),
                        _ => text("called"),
                    };
                    if called.is_empty() || m.dialer.blocked(&called, now) {
                        continue;
                    }
                    let id = m.dialer.add_number(campaign, &called, &text("sessionId"), &text("customField"));
                    created.push(json!({ "called": called, "dataId": id }));
                }
                ok_body(json!({ "returnObject": { "totalSize": created.len(), "dataIdList": created } }))
            }
            "blocklist.add" => {
                let unit_ms: u64 = match b.get("validityTimeUnit").and_then(Value::as_i64).unwrap_or(4) {
                    1 => 365 * 86_400_000,
                    2 => 30 * 86_400_000,
                    3 => 86_400_000,
                    _ => 3_600_000,
                };
                let expiry = b
                    .get("validityExpirationTime")
                    .and_then(Value::as_str)
                    .and_then(parse_datetime)
                    .or_else(|| b.get("validityTime").and_then(Value::as_u64).map(|n| now + n * unit_ms));
                let cover = b.get("isCoverDupNo").and_then(Value::as_i64) == Some(1);
                for n in b.get("blocklist").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                    if cover || !m.dialer.blocklist.contains_key(n) {
                        m.dialer.blocklist.insert(n.to_owned(), expiry);
                    }
                }
                ok_body(json!({}))
            }
            "blocklist.delete" => {
                let n = b.get("blocklistNo").and_then(Value::as_str).unwrap_or("");
                if m.dialer.blocklist.remove(n).is_none() {
                    return Some(failure(route, "0200001", "number is not blocklisted"));
                }
                ok_body(json!({}))
            }
            "blocklist.delete_all" => {
                m.dialer.blocklist.clear();
                ok_body(json!({}))
            }
            "blocklist.query" => {
                let wanted: Vec<&str> = b
                    .get("blocklist")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let live: Vec<(&String, &Option<u64>)> =
                    m.dialer.blocklist.iter().filter(|(_, e)| e.is_none_or(|e| e > now)).collect();
                let picked: Vec<Value> = if wanted.is_empty() {
                    let offset = b.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
                    let limit = b.get("limit").and_then(Value::as_u64).unwrap_or(100).clamp(1, 100) as usize;
                    live.iter().skip(offset).take(limit).map(|(n, e)| block_json(n, **e)).collect()
                } else {
                    live.iter().filter(|(n, _)| wanted.contains(&n.as_str())).map(|(n, e)| block_json(n, **e)).collect()
                };
                ok_body(json!({ "total": live.len(), "data": picked }))
            }
            "campaign.set_retry_policy" => {
                let Some(run) = known.then(|| m.dialer.runs.entry(campaign).or_default()) else {
                    return Some(failure(route, "0200014", "campaign not found"));
                };
                // policyJson is documented as a serialized JSON string; accept an object too.
                let policy = match b.get("policyJson") {
                    Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
                    Some(v) => v.clone(),
                    None => Value::Null,
                };
                let inner = match policy.get("policy") {
                    Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
                    Some(v) => v.clone(),
                    None => Value::Null,
                };
                let retries = inner.get("retryNumber").and_then(Value::as_u64);
                let per_day = inner.get("retryDay").and_then(Value::as_u64);
                run.max_attempts = retries.map(|r| r as u32 + 1).or(per_day.map(|d| d as u32));
                run.no_retry = policy
                    .get("noRetryPolicy")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                run.policy = Some(
                    json!({ "policyType": b.get("policyType").cloned().unwrap_or(json!(0)), "policyJson": policy }),
                );
                ok_body(json!({}))
            }
            "campaign.query_retry_policy" => {
                if !known {
                    return Some(failure(route, "0200014", "campaign not found"));
                }
                let p = m.dialer.runs.get(&campaign).and_then(|r| r.policy.clone()).unwrap_or(Value::Null);
                ok_body(json!({ "returnObject": p }))
            }
            "callresult.query" => {
                if !known {
                    return Some(failure(route, "0200014", "campaign not found"));
                }
                let detail = b.get("showDetail").and_then(Value::as_i64) == Some(1);
                let session = b.get("sessionId").and_then(Value::as_str);
                let custom = b.get("customField").and_then(Value::as_str);
                let all: Vec<&DialResult> = m
                    .dialer
                    .results
                    .iter()
                    .filter(|r| r.campaign == campaign && (detail || r.last))
                    .filter(|r| session.is_none_or(|s| r.session_id == s))
                    .filter(|r| custom.is_none_or(|s| r.custom_field == s))
                    .collect();
                let size = b.get("pageSize").and_then(Value::as_u64).unwrap_or(2000).clamp(1, 2000) as usize;
                let page = b.get("pageNum").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
                let data: Vec<Value> =
                    all.iter().skip((page - 1) * size).take(size).map(|r| result_json(r, vdn)).collect();
                ok_body(json!({ "totalCount": all.len(), "data": data }))
            }
            "calldata.statistics" => {
                let wanted = req.query("campaignId").filter(|s| !s.is_empty()).and_then(|s| s.parse::<i64>().ok());
                let rows: Vec<Value> = m
                    .dialer
                    .runs
                    .iter()
                    .filter(|(c, _)| wanted.is_none_or(|w| w == **c))
                    .map(|(c, run)| {
                        let dialed = m.dialer.results.iter().filter(|r| r.campaign == *c).count();
                        let succ = m.dialer.results.iter().filter(|r| r.campaign == *c && r.status == 6).count();
                        let finished = run.data.iter().filter(|d| d.done).count();
                        let uncalled = run.data.iter().filter(|d| !d.done && d.attempts == 0).count();
                        json!({
                            "campaignId": c.to_string(), "unCallCount": uncalled, "calledCount": dialed,
                            "finishCount": finished, "batchDetail": [], "totalCalledCount": dialed,
                            "totalCallSucc": succ, "totalFinishCount": finished, "totalCount": run.data.len(),
                            "dailyCalledCount": dialed, "dailyCallSucc": succ, "dailyFinishCount": finished,
                            "dailyCount": run.data.len()
                        })
                    })
                    .collect();
                ok_body(json!({ "countDetail": rows }))
            }
            _ => return None,
        };
        Some(reply)
    }
}

fn block_json(n: &str, expiry: Option<u64>) -> Value {
    json!({ "blocklistNo": n, "validityExpirationTime": expiry.map(super::cdr::datetime).unwrap_or_default() })
}

/// `yyyy-MM-dd HH:mm:ss` (UTC) to epoch milliseconds.
fn parse_datetime(s: &str) -> Option<u64> {
    let (date, time) = s.trim().split_once(' ')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, mo, dd) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, se) = (t.next()??, t.next()??, t.next()??);
    // days_from_civil (Howard Hinnant).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(((days * 86_400) + h * 3600 + mi * 60 + se) * 1000).ok()
}
