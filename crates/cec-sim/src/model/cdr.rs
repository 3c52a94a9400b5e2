//! CC-FS call detail records: a CDR for every released call, bill zips holding
//! `*_call_*.csv` (the documented 21 columns) and `*_record_*.csv` (the
//! recording index), `queryBillData` / `downloadBillFile`, and the CDR-ready
//! notice POSTed to the caller's `callBackURL` (and to the scenario's
//! `cdr_callback_url` after each released call).

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use super::effects::{Effect, run_effects};
use super::queues::CallRecord;
use super::{Model, Shared};
use crate::api::{Reply, Req, Route, failure};

/// The CDR of one call: its `call.csv` rows and its recording-index row.
#[derive(Debug, Clone)]
pub(super) struct CdrCall {
    pub(super) call_id: String,
    pub(super) agent: String,
    /// When the call began (queued, else offered), epoch ms: what `beginTime`/`endTime` filter.
    pub(super) start_ms: u64,
    pub(super) caller: String,
    pub(super) called: String,
    pub(super) rows: Vec<Vec<String>>,
    pub(super) record_row: Option<Vec<String>>,
}

/// CDRs and generated bill files.
#[derive(Debug, Default)]
pub(crate) struct Cdrs {
    pub(super) calls: Vec<CdrCall>,
    /// Bill zips by file name (`yyyyMMdd_{responseId}.zip`).
    pub(super) bills: BTreeMap<String, Vec<u8>>,
}

/// `(year, month, day, hour, minute, second, millisecond)` of epoch milliseconds (UTC).
pub(super) fn civil(ms: u64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let secs = (ms / 1000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (rem / 3600) as u32, ((rem % 3600) / 60) as u32, (rem % 60) as u32, (ms % 1000) as u32)
}

/// `YYYY-MM-DD hh:mm:ss` (UTC), the CDR date format.
pub(super) fn datetime(ms: u64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// Epoch ms of a `YYYY-MM-DD hh:mm:ss` (UTC) time; `None` on any other shape.
pub(super) fn parse_datetime(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let p = s.get(r)?;
        p.bytes().all(|c| c.is_ascii_digit()).then(|| p.parse().ok())?
    };
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = cec_core::time::days_from_civil(y, mo as u32, d as u32);
    u64::try_from((days * 86_400 + h * 3600 + mi * 60 + se) * 1000).ok()
}

fn opt_dt(ms: Option<u64>) -> String {
    ms.map(datetime).unwrap_or_default()
}

fn csv_line(cols: &[String]) -> String {
    let cells: Vec<String> = cols
        .iter()
        .map(|c| if c.contains([',', '"', '\n', '\r']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.clone() })
        .collect();
    cells.join(",") + "\r\n"
}

impl Shared {
    /// Whether file answers honour `Range` (`SimConfig::honor_range`).
    pub(crate) fn honor_range(&self) -> bool {
        self.config.honor_range
    }

    /// A call was released: its CDR (and the CDR-ready notice if the scenario wants one).
    pub(super) fn call_released(&self, m: &mut Model, call_id: &str) -> Vec<Effect> {
        self.chat_released(m, call_id);
        let Some(rec) = m.queues.records.get(call_id).cloned() else { return Vec::new() };
        let cdr = self.cdr_of(m, &rec);
        m.cdrs.calls.push(cdr.clone());
        let mut effects = Vec::new();
        if let Some(url) = self.config.scenario.cdr_callback_url.clone() {
            let (name, response_id) = self.store_bill(m, &[cdr], DataType::Both);
            effects.push(Effect::Post { url, body: bill_notice(&response_id, &name, None), signed: true });
        }
        effects
    }

    pub(super) fn cdr_of(&self, m: &Model, rec: &CallRecord) -> CdrCall {
        let sc = &self.config.scenario;
        let agent = rec.agent.clone().unwrap_or_default();
        let released = rec.released_ms;
        let base = |agent_id: &str| -> Vec<String> {
            vec![
                sc.app_key.clone(),
                sc.oiap_app_key.clone(),
                sc.cc_id.to_string(),
                agent_id.to_owned(),
                rec.id.clone(),
                rec.caller.clone(),
                rec.called.clone(),
            ]
        };
        let call_type = if rec.direction == "in" { "0" } else { "40" };
        let mut rows = Vec::new();
        // A call that waited in a queue has a queue row (1) then an agent row (-1).
        if let Some(q) = rec.skill {
            let mut row = base("");
            let left_queue = rec.offered_ms.or(released);
            row.extend([
                opt_dt(rec.queued_ms),
                opt_dt(left_queue),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "1".into(),
                q.to_string(),
                call_type.into(),
                String::new(),
                if rec.agent.is_some() { "1".into() } else { "-1".into() },
                sc.vdn.to_string(),
                String::new(),
                String::new(),
            ]);
            rows.push(row);
        }
        // One agent row per agent leg (a transfer adds a leg); the first leg's
        // offer time is the call's own.
        for (n, leg) in rec.legs.iter().enumerate() {
            let offered = if n == 0 { rec.offered_ms.or(Some(leg.offered_ms)) } else { Some(leg.offered_ms) };
            let ended = leg.ended_ms.or(released);
            let mut row = base(&leg.agent);
            row.extend([
                opt_dt(offered),
                opt_dt(offered),
                opt_dt(offered),
                opt_dt(leg.answered_ms.or(ended)),
                opt_dt(leg.answered_ms),
                opt_dt(leg.answered_ms.and(ended)),
                "2".into(),
                leg.agent.clone(),
                call_type.into(),
                "0".into(),
                "-1".into(),
                sc.vdn.to_string(),
                rec.skill.map(|_| "1".to_string()).unwrap_or_default(),
                rec.skill.map(|q| q.to_string()).unwrap_or_default(),
            ]);
            rows.push(row);
        }
        let record_row = m.recordings.contains_key(&rec.id).then(|| {
            let mut row = base(&agent);
            let file = format!("/{}/{}/record/{}/{}.wav", sc.cc_id, sc.vdn, agent, rec.id);
            row.extend([
                opt_dt(rec.answered_ms),
                opt_dt(released),
                file,
                "0".into(),
                String::new(),
                format!("X:\\{}\\{}\\{}.V3", sc.cc_id, sc.vdn, rec.id),
                sc.vdn.to_string(),
                if rec.direction == "in" { "0".into() } else { "1".into() },
                rec.media_type.to_string(),
                rec.skill.map(|q| q.to_string()).unwrap_or_default(),
                rec.skill.map(|q| q.to_string()).unwrap_or_default(),
            ]);
            row
        });
        let start_ms = rec.queued_ms.or(rec.offered_ms).or(rec.legs.first().map(|l| l.offered_ms)).unwrap_or(0);
        CdrCall {
            call_id: rec.id.clone(),
            agent,
            start_ms,
            caller: rec.caller.clone(),
            called: rec.called.clone(),
            rows,
            record_row,
        }
    }

    /// Zips CDRs into a bill file; returns `(file name, responseId)`.
    fn store_bill(&self, m: &mut Model, cdrs: &[CdrCall], data: DataType) -> (String, String) {
        let a = self.next_id(m);
        let b = self.next_id(m);
        let response_id = format!("{a:016x}{b:016x}");
        let now = m.clock.now_ms();
        let (y, mo, d, h, mi, s, ms) = civil(now);
        let stamp = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}{ms:03}{:03}", a % 1000);
        let name = format!("{y:04}{mo:02}{d:02}_{response_id}.zip");
        let call_csv: String = cdrs.iter().flat_map(|c| c.rows.iter()).map(|r| csv_line(r)).collect();
        // The scenario's unsafe call ids (a test knob) replace the call id column
        // (index 4) of the first recording-index rows.
        let odd = self.config.scenario.history.as_ref().map(|h| h.unsafe_call_ids.as_slice()).unwrap_or_default();
        let record_csv: String = cdrs
            .iter()
            .filter_map(|c| c.record_row.as_ref())
            .enumerate()
            .map(|(i, r)| match odd.get(i) {
                Some(id) => {
                    let mut r = r.clone();
                    if let Some(c) = r.get_mut(4) {
                        c.clone_from(id);
                    }
                    csv_line(&r)
                }
                None => csv_line(r),
            })
            .collect();
        let mut members = Vec::new();
        if data != DataType::Record {
            members.push((format!("{stamp}_call_1.csv"), call_csv));
        }
        if data != DataType::Call {
            members.push((format!("{stamp}_record_1.csv"), record_csv));
        }
        // Entry times from the model's clock too: a pinned clock gives the same bytes.
        let when = zip::DateTime::from_date_and_time(
            y.clamp(1980, 2107) as u16,
            mo as u8,
            d as u8,
            h as u8,
            mi as u8,
            s as u8,
        )
        .unwrap_or_default();
        match zip_files(&members, when) {
            Ok(bytes) => {
                m.cdrs.bills.insert(name.clone(), bytes);
            }
            Err(e) => tracing::warn!(error = %e, "bill zip not written"),
        }
        (name, response_id)
    }

    pub(super) fn query_bill_data(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_fs::generated::CcfsQueryBillDataBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if b.request.and_then(|r| r.version).as_deref() != Some("2.0") {
            return failure(route, "0300006", "wrong version; current version 2.0");
        }
        let body = b.msg_body.unwrap_or_default();
        let text = |v: Option<String>| v.filter(|s| !s.is_empty());
        let Some(url) = text(body.call_back_url) else { return failure(route, "0300001", "callBackURL is null") };
        let (agent, call, account) = (text(body.agent_id), text(body.call_id), text(body.account_id));
        let (caller, callee) = (text(body.caller_no), text(body.callee_no));
        let data = match text(body.data_type).as_deref() {
            Some("call") => DataType::Call,
            Some("record") => DataType::Record,
            _ => DataType::Both,
        };
        let (Some(begin), Some(end)) = (
            text(body.begin_time).as_deref().and_then(parse_datetime),
            text(body.end_time).as_deref().and_then(parse_datetime),
        ) else {
            return failure(route, "0300004", "beginTime/endTime must be yyyy-MM-dd HH:mm:ss");
        };
        if begin > end {
            return failure(route, "0300013", "The beginTime cannot be later than the endTime.");
        }
        let (name, response_id) = {
            let mut m = self.lock();
            let cdrs: Vec<CdrCall> = m
                .cdrs
                .calls
                .iter()
                .filter(|c| (begin..=end).contains(&c.start_ms))
                .filter(|c| agent.as_ref().is_none_or(|a| &c.agent == a))
                .filter(|c| call.as_ref().is_none_or(|id| &c.call_id == id))
                .filter(|c| caller.as_ref().is_none_or(|n| &c.caller == n))
                .filter(|c| callee.as_ref().is_none_or(|n| &c.called == n))
                .cloned()
                .collect();
            self.store_bill(&mut m, &cdrs, data)
        };
        let notice = bill_notice(&response_id, &name, account.as_deref());
        run_effects(self, vec![Effect::Post { url, body: notice, signed: true }]);
        Reply::ok(json!({
            "resultCode": "0", "resultDesc": "success", "resultData": { "responseId": response_id },
            "response": { "version": "2.0", "resultCode": "0", "resultMsg": "success" }
        }))
    }

    pub(super) fn download_bill_file(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_fs::generated::CcfsDownloadBillFileBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let name = b.msg_body.and_then(|m| m.bill_file_name).unwrap_or_default();
        let m = self.lock();
        match m.cdrs.bills.get(&name) {
            Some(z) => Reply::File(z.clone(), "application/octet-stream;charset=UTF-8"),
            None => failure(route, "0300004", "no such bill file"),
        }
    }
}

/// Which files `queryBillData` puts in the zip (`dataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DataType {
    Call,
    Record,
    Both,
}

/// The CDR-ready notice CC-FS posts to `callBackURL`.
fn bill_notice(response_id: &str, file: &str, account: Option<&str>) -> Value {
    let mut body = json!({ "responseId": response_id, "billFileName": file });
    if let (Some(a), Some(o)) = (account, body.as_object_mut()) {
        o.insert("accountId".into(), json!(a));
    }
    json!({ "request": { "version": "2.0" }, "msgBody": body })
}

fn zip_files(files: &[(String, String)], when: zip::DateTime) -> zip::result::ZipResult<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(when);
    for (name, text) in files {
        w.start_file(name.as_str(), options)?;
        w.write_all(text.as_bytes())?;
    }
    Ok(w.finish()?.into_inner())
}
