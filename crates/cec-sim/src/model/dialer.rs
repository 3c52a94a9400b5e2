//! CC-iSales: running campaigns dial their call data at the scenario's pace
//! (or when stepped), with a seeded, exact answer / fail split, fail codes,
//! retry policy, blocklist and pause / resume; results are queryable.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use serde_json::{Value, json};

use super::effects::{Effect, run_effects};
use super::{Model, Shared, mix};
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
    deleted: bool,
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
    /// Records not done (kept as records change, so `calldata.add` does not count them).
    open: usize,
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
    /// When each campaign last took a `calldata.add` call.
    last_add: BTreeMap<i64, Instant>,
    /// Records ever accepted by `calldata.add` and removed by `calldata.delete`.
    pub(super) added_total: u64,
    pub(super) deleted_total: u64,
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
        run.open += 1;
        run.data.push(DataRec {
            called: called.into(),
            session_id: session.into(),
            custom_field: custom.into(),
            attempts: 0,
            done: false,
            succeeded: false,
            deleted: false,
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
        // Answered predictive calls queued by `dial_one` ring an agent now.
        let offered = if dialed.is_empty() { Vec::new() } else { self.settle_locked(m) };
        let mut effects = match &self.config.scenario.dialer.result_callback_url {
            Some(url) if !dialed.is_empty() => {
                let vdn = self.config.scenario.vdn;
                let body = json!(dialed.iter().map(|r| result_json(r, vdn)).collect::<Vec<_>>());
                vec![Effect::Post { url: url.clone(), body, signed: false }]
            }
            _ => Vec::new(),
        };
        effects.extend(offered);
        (dialed.len(), effects)
    }

    /// Dials the next number of campaign `c` (skipping blocklisted numbers).
    fn dial_one(&self, m: &mut Model, c: i64) -> Option<DialResult> {
        let dialer = &self.config.scenario.dialer;
        let now = self.clock.now_ms();
        let idx = loop {
            let run = m.dialer.runs.get_mut(&c)?;
            let idx = run.pending.pop_front()?;
            let called = run.data[idx].called.clone();
            if m.dialer.blocked(&called, now) {
                // A blocklisted number is never dialed; it is done.
                if let Some(run) = m.dialer.runs.get_mut(&c)
                    && !run.data[idx].done
                {
                    run.data[idx].done = true;
                    run.open -= 1;
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
        if !retry && !rec.done {
            run.open -= 1;
        }
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
        let mut result = result;
        // A predictive campaign's answered call waits in the campaign's skill queue for
        // one of its agents (offered by the next settle), like an inbound call: it is
        // handled, released and gets its CDR, and CMS counts it.
        let queue = m.campaigns.get(&c).filter(|c| c.device_type == 2).and_then(|c| c.skill);
        if status == 6
            && let Some(q) = queue
        {
            let caller = self.access_code_of(q);
            let media = self.queue_media(q);
            let id = self.enqueue(m, q, &caller, &result.called, media);
            if let Some(rec) = m.queues.records.get_mut(&id) {
                rec.direction = "out".into();
            }
            result.call_id = id;
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

    /// The checks every CC-iSales behaviour starts with: the VDN in the path.
    fn isales_vdn(&self, route: &Route, req: &Req) -> Result<(), Reply> {
        let vdn = self.config.scenario.vdn;
        if req.params.contains_key("vdnId") && req.param("vdnId") != vdn.to_string() {
            return Err(failure(route, "0200001", "unknown VDN"));
        }
        Ok(())
    }

    /// The campaign in the path, which must exist.
    fn isales_campaign(&self, m: &Model, route: &Route, req: &Req) -> Result<i64, Reply> {
        let campaign: i64 = req.param("campaignId").parse().unwrap_or(-1);
        if m.campaigns.contains_key(&campaign) {
            Ok(campaign)
        } else {
            Err(failure(route, "0200014", "campaign not found"))
        }
    }

    /// `campaign.pause` / `campaign.resume`.
    pub(super) fn campaign_pause_resume(&self, route: &Route, req: &Req) -> Reply {
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let campaign: i64 = req.param("campaignId").parse().unwrap_or(-1);
        let mut m = self.lock();
        let (from, to) = if route.id() == "campaign.pause" { (2, 3) } else { (3, 2) };
        let Some(c) = m.campaigns.get_mut(&campaign) else {
            return failure(route, "0200014", "campaign not found");
        };
        if c.status != from {
            let why = if from == 2 { "campaign is not running" } else { "campaign is not suspended" };
            return failure(route, "0200015", why);
        }
        c.status = to;
        if to == 2 {
            m.dialer.last_tick = None;
        }
        ok_body(json!({}))
    }

    /// Adds records to a campaign's call data. As the reference documents, the call is
    /// refused as a whole (nothing added) when it comes less than
    /// `calldata_min_interval_ms` after the campaign's previous one (`0200022`), holds more
    /// than `calldata_max_per_call` records (`0200029`), a number is empty or not digits,
    /// `*`, `#` (`02000002`), a record repeats a number (`0200018`), a number is
    /// blocklisted (`0200024`), or the campaign would exceed its uncompleted limit (`0200020`).
    fn add_call_data(&self, route: &Route, req: &Req, rows: Vec<NewData>) -> Reply {
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let dialer = &self.config.scenario.dialer;
        let now = self.clock.now_ms();
        let mut m = self.lock();
        let campaign = match self.isales_campaign(&m, route, req) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let at = Instant::now();
        if let Some(last) = m.dialer.last_add.get(&campaign)
            && at.duration_since(*last).as_millis() < u128::from(dialer.calldata_min_interval_ms)
        {
            return failure(route, "0200022", "the interface is called too frequently (at least 1 s apart)");
        }
        m.dialer.last_add.insert(campaign, at);
        if rows.len() > dialer.calldata_max_per_call {
            let why = format!("at most {} records per call, got {}", dialer.calldata_max_per_call, rows.len());
            return failure(route, "0200029", &why);
        }
        for (i, d) in rows.iter().enumerate() {
            for (j, n) in d.called.iter().enumerate() {
                let ok =
                    !n.is_empty() && n.len() <= 24 && n.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#');
                if !ok {
                    let why = format!("callDataList[{i}].called[{j}]: illegal number {n:?}");
                    return failure(route, "02000002", &why);
                }
                if d.called[..j].contains(n) {
                    return failure(route, "0200018", &format!("callDataList[{i}]: duplicate number {n}"));
                }
                if m.dialer.blocked(n, now) {
                    return failure(route, "0200024", &format!("callDataList[{i}]: number {n} is blocklisted"));
                }
            }
            if d.called.is_empty() {
                return failure(route, "02000001", &format!("callDataList[{i}].called is empty"));
            }
        }
        let open = m.dialer.runs.get(&campaign).map(|r| r.open).unwrap_or(0);
        if open + rows.len() > dialer.calldata_max_uncompleted {
            return failure(route, "0200020", "more than the campaign's limit of uncompleted numbers");
        }
        let mut created = Vec::new();
        for d in rows {
            let first = d.called[0].clone();
            let id = m.dialer.add_number(campaign, &first, &d.session_id, &d.custom_field);
            m.dialer.added_total += 1;
            created.push(json!({ "called": first, "dataId": id }));
        }
        ok_body(json!({ "returnObject": { "totalSize": created.len(), "dataIdList": created } }))
    }

    /// `calldata.delete`: removes the campaign's records of `sessionId` (and `called`, when
    /// given) that have not been dialed yet; `0200033` when there is none.
    pub(super) fn calldata_delete(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::CalldataDeleteBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let mut m = self.lock();
        let campaign = match self.isales_campaign(&m, route, req) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let (session, called) = (b.session_id.unwrap_or_default(), b.called);
        if session.is_empty() && called.is_none() {
            return failure(route, "02000001", "sessionId or called is required");
        }
        let Some(run) = m.dialer.runs.get_mut(&campaign) else {
            return failure(route, "0200033", "outbound data does not exist");
        };
        let hit = |d: &DataRec| {
            d.attempts == 0
                && (session.is_empty() || d.session_id == session)
                && called.as_ref().is_none_or(|c| &d.called == c)
        };
        let gone: Vec<usize> = run.data.iter().enumerate().filter(|(_, d)| hit(d)).map(|(i, _)| i).collect();
        if gone.is_empty() {
            return failure(route, "0200033", "outbound data does not exist");
        }
        for i in &gone {
            if !run.data[*i].done {
                run.open -= 1;
            }
            run.data[*i].done = true;
            run.data[*i].session_id = String::new();
            run.data[*i].deleted = true;
        }
        run.pending.retain(|i| !gone.contains(i));
        m.dialer.deleted_total += gone.len() as u64;
        ok_body(json!({}))
    }

    /// The live (not deleted) records of a campaign: `(sessionId, first number)`, in order.
    pub(crate) fn call_data(&self, campaign: i64) -> Vec<(String, String)> {
        let m = self.lock();
        m.dialer
            .runs
            .get(&campaign)
            .map(|r| r.data.iter().filter(|d| !d.deleted).map(|d| (d.session_id.clone(), d.called.clone())).collect())
            .unwrap_or_default()
    }

    /// Records ever accepted and ever deleted by `calldata.add` / `calldata.delete`.
    pub(crate) fn call_data_counts(&self) -> (u64, u64) {
        let m = self.lock();
        (m.dialer.added_total, m.dialer.deleted_total)
    }

    /// `calldata.add_v1`: one called number per row.
    pub(super) fn calldata_add_v1(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::CalldataAddV1Body = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let rows = b
            .call_data_list
            .unwrap_or_default()
            .into_iter()
            .map(|d| NewData {
                called: vec![d.called.unwrap_or_default()],
                session_id: d.session_id.unwrap_or_default(),
                custom_field: d.custom_field.unwrap_or_default(),
            })
            .collect();
        self.add_call_data(route, req, rows)
    }

    /// `calldata.add_v2`: a list of called-number objects per row; the dialer dials
    /// the first (`calledNo`).
    pub(super) fn calldata_add_v2(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::CalldataAddV2Body = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let rows = b
            .call_data_list
            .unwrap_or_default()
            .into_iter()
            .map(|d| NewData {
                called: d.called.unwrap_or_default().into_iter().map(|c| c.called_no.unwrap_or_default()).collect(),
                session_id: d.session_id.unwrap_or_default(),
                custom_field: d.custom_field.unwrap_or_default(),
            })
            .collect();
        self.add_call_data(route, req, rows)
    }

    pub(super) fn blocklist_add(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::BlocklistAddBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let now = self.clock.now_ms();
        let unit_ms: u64 = match b.validity_time_unit.unwrap_or(4) {
            1 => 365 * 86_400_000,
            2 => 30 * 86_400_000,
            3 => 86_400_000,
            _ => 3_600_000,
        };
        let expiry = b
            .validity_expiration_time
            .as_deref()
            .and_then(parse_datetime)
            .or_else(|| b.validity_time.and_then(|n| u64::try_from(n).ok()).map(|n| now + n * unit_ms));
        let cover = b.is_cover_dup_no == Some(1);
        let mut m = self.lock();
        for n in b.blocklist.unwrap_or_default() {
            if cover || !m.dialer.blocklist.contains_key(&n) {
                m.dialer.blocklist.insert(n, expiry);
            }
        }
        ok_body(json!({}))
    }

    pub(super) fn blocklist_delete(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::BlocklistDeleteBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let n = b.blocklist_no.unwrap_or_default();
        let mut m = self.lock();
        if m.dialer.blocklist.remove(&n).is_none() {
            return failure(route, "0200001", "number is not blocklisted");
        }
        ok_body(json!({}))
    }

    pub(super) fn blocklist_delete_all(&self, route: &Route, req: &Req) -> Reply {
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        self.lock().dialer.blocklist.clear();
        ok_body(json!({}))
    }

    pub(super) fn blocklist_query(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::BlocklistQueryBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let now = self.clock.now_ms();
        let m = self.lock();
        let wanted = b.blocklist.unwrap_or_default();
        let live: Vec<(&String, &Option<u64>)> =
            m.dialer.blocklist.iter().filter(|(_, e)| e.is_none_or(|e| e > now)).collect();
        let picked: Vec<Value> = if wanted.is_empty() {
            let offset = b.offset.and_then(|o| usize::try_from(o).ok()).unwrap_or(0);
            let limit = b.limit.and_then(|l| usize::try_from(l).ok()).unwrap_or(100).clamp(1, 100);
            live.iter().skip(offset).take(limit).map(|(n, e)| block_json(n, **e)).collect()
        } else {
            live.iter().filter(|(n, _)| wanted.contains(n)).map(|(n, e)| block_json(n, **e)).collect()
        };
        // The spec's names (blockNum, totalCount); totalCount is read as the number of
        // live entries the query matches, so a client can page by it.
        ok_body(json!({ "totalCount": live.len(), "data": picked }))
    }

    pub(super) fn set_retry_policy(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::CampaignSetRetryPolicyBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let mut m = self.lock();
        let campaign = match self.isales_campaign(&m, route, req) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let run = m.dialer.runs.entry(campaign).or_default();
        // policyJson is JSON text (typed String); its `policy` is an object or JSON text again.
        let policy: Value = b.policy_json.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null);
        let inner = match policy.get("policy") {
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
            Some(v) => v.clone(),
            None => Value::Null,
        };
        let retries = inner.get("retryNumber").and_then(Value::as_u64).and_then(|r| u32::try_from(r).ok());
        let per_day = inner.get("retryDay").and_then(Value::as_u64).and_then(|d| u32::try_from(d).ok());
        run.max_attempts = retries.map(|r| r + 1).or(per_day);
        run.no_retry = policy
            .get("noRetryPolicy")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        run.policy = Some(json!({ "policyType": b.policy_type.unwrap_or(0), "policyJson": policy }));
        ok_body(json!({}))
    }

    pub(super) fn query_retry_policy(&self, route: &Route, req: &Req) -> Reply {
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let m = self.lock();
        let campaign = match self.isales_campaign(&m, route, req) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let p = m.dialer.runs.get(&campaign).and_then(|r| r.policy.clone()).unwrap_or(Value::Null);
        ok_body(json!({ "returnObject": p }))
    }

    pub(super) fn callresult_query(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_isales::generated::CallresultQueryBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let vdn = self.config.scenario.vdn;
        let m = self.lock();
        let campaign = match self.isales_campaign(&m, route, req) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let detail = b.show_detail == Some(1);
        let session = b.session_id.as_deref();
        let custom = b.custom_field.as_deref();
        let all: Vec<&DialResult> = m
            .dialer
            .results
            .iter()
            .filter(|r| r.campaign == campaign && (detail || r.last))
            .filter(|r| session.is_none_or(|s| r.session_id == s))
            .filter(|r| custom.is_none_or(|s| r.custom_field == s))
            .collect();
        let size = b.page_size.and_then(|s| usize::try_from(s).ok()).unwrap_or(2000).clamp(1, 2000);
        let page = b.page_num.and_then(|p| usize::try_from(p).ok()).unwrap_or(1).max(1);
        let data: Vec<Value> = all.iter().skip((page - 1) * size).take(size).map(|r| result_json(r, vdn)).collect();
        ok_body(json!({ "totalCount": all.len(), "data": data }))
    }

    pub(super) fn calldata_statistics(&self, route: &Route, req: &Req) -> Reply {
        if let Err(r) = self.isales_vdn(route, req) {
            return r;
        }
        let m = self.lock();
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
}

/// A number `calldata.add_v1/v2` adds.
struct NewData {
    /// The record's numbers (V1: one).
    called: Vec<String>,
    session_id: String,
    custom_field: String,
}

fn block_json(n: &str, expiry: Option<u64>) -> Value {
    json!({ "blockNum": n, "validityExpirationTime": expiry.map(super::cdr::datetime).unwrap_or_default() })
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
