//! Importing call data of any size into a campaign (`calldata.add_v2`), row by row
//! accounted for.
//!
//! Rows come as a `Stream`, each with a caller-chosen key (the CRM's id, sent as the
//! record's `sessionId`). They go out in chunks of the size the tenant allows (the
//! reference's default is 20 per call, the tenant parameter `isales.api.calldata.max`
//! raises it), at most `concurrency` requests at a time and never two within
//! `min_interval` (the reference asks for 1 s; `0200022` and HTTP 429 wait and resend).
//! The NE refuses a call as a whole when one record is bad (blocklisted, repeated or
//! malformed number): the chunk is split in halves until the bad rows stand alone, so
//! every row gets its own result — accepted with its `dataId`, or refused with the NE's
//! code and message (or, with no code, by the SDK's own check before sending).
//!
//! A journal file (JSON lines) makes a re-run safe: rows accepted before are skipped,
//! and rows whose request was in flight when the process died are first removed from
//! the campaign by key (`calldata.delete` by `sessionId`) and then sent again, so no row
//! is in the campaign twice.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use serde_json::{Value, json};

use crate::Error;
use crate::generated::{CalldataAddV2BodyCallDataList, CalldataAddV2BodyCallDataListCalled};

/// One record of call data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallDataRow {
    /// The caller's key of the row (the CRM's id; sent as `sessionId`, at most 32 characters).
    pub key: String,
    /// The customer's numbers, dialled in order (digits, `*`, `#`; at most 24 each).
    pub numbers: Vec<String>,
    /// Calling number.
    pub caller: Option<String>,
    /// Custom field (at most 200).
    pub custom_field: Option<String>,
    /// Call-associated data (at most 1024).
    pub call_data: Option<String>,
    /// Priority 1–5.
    pub priority: Option<String>,
    /// Recycle time (`yyyy-mm-dd hh:mm:ss`).
    pub recycle_time: Option<String>,
}

/// What became of a row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum RowOutcome {
    /// Accepted in this run.
    Accepted {
        /// The record's `dataId`.
        data_id: String,
    },
    /// Accepted by an earlier run (from the journal); not sent again.
    AlreadyAccepted {
        /// The record's `dataId`.
        data_id: String,
    },
    /// Refused: by the NE (`code` is its result code) or, with no code, by the SDK's check
    /// of the reference's rules before sending.
    Refused {
        /// The NE's result code; `None` when refused before sending.
        code: Option<String>,
        /// Why.
        reason: String,
    },
}

/// One row's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowResult {
    /// The row's key.
    pub key: String,
    /// Its outcome.
    #[serde(flatten)]
    pub outcome: RowOutcome,
}

impl RowResult {
    /// Accepted now or before.
    pub fn accepted(&self) -> bool {
        matches!(self.outcome, RowOutcome::Accepted { .. } | RowOutcome::AlreadyAccepted { .. })
    }
}

/// How an import runs.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Records per request (the tenant's `isales.api.calldata.max`; default 20).
    pub chunk_size: usize,
    /// Requests in flight at most (default 2).
    pub concurrency: usize,
    /// Least time between two requests to the campaign (default 1 s, as the reference asks).
    pub min_interval: Duration,
    /// The journal file; `None` runs without one (not safe to re-run).
    pub journal: Option<PathBuf>,
    /// How often one request may be throttled (`0200022`, HTTP 429) before the import fails.
    pub max_throttled: u32,
    /// Refuse a row whose key repeats an earlier row's (default on). It keeps a 64-bit
    /// fingerprint of every key sent (about 20 bytes a row: some 20 MB for a million
    /// rows); turn it off when the keys are known to be unique (a CRM's primary key) and
    /// memory must not grow with the row count. Two different keys share a fingerprint
    /// with a chance of about 3 in 10^8 in a million rows; the later row is then refused
    /// (reported, never dropped).
    pub check_repeated_keys: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            chunk_size: 20,
            concurrency: 2,
            min_interval: Duration::from_secs(1),
            journal: None,
            max_throttled: 30,
            check_repeated_keys: true,
        }
    }
}

/// Result codes that blame one or more records of the call: split the chunk.
const ROW_CODES: &[&str] = &[
    "0200001", "0200018", "0200024", "0200029", "0200030", "02000001", "02000002", "02000003", "02000004", "02000005",
    "02000006", "02000007", "02000008", "02000009", "02000010", "02000011",
];
/// "Called too fast".
const THROTTLED: &str = "0200022";
/// "Outbound data does not exist" (`calldata.delete`).
const NO_DATA: &str = "0200033";

const OP: &str = "calldata.add_v2";

/// The journal: append-only JSON lines.
#[derive(Debug)]
struct Journal {
    file: Option<Mutex<std::fs::File>>,
    accepted: HashMap<String, String>,
    in_doubt: Vec<String>,
}

impl Journal {
    fn open(path: Option<&Path>, campaign: i64) -> Result<Journal, Error> {
        let Some(path) = path else {
            return Ok(Journal { file: None, accepted: HashMap::new(), in_doubt: Vec::new() });
        };
        let io = |e: std::io::Error| -> Error { cec_core::Error::io(format!("journal {}", path.display()), e).into() };
        let mut accepted = HashMap::new();
        let mut pending: HashSet<String> = HashSet::new();
        let mut fresh = true;
        if path.exists() {
            let f = std::fs::File::open(path).map_err(io)?;
            for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
                let line = line.map_err(io)?;
                // A line cut short by a crash is the last one; anything else unreadable is refused.
                let Ok(v) = serde_json::from_str::<Value>(&line) else { continue };
                if n == 0 {
                    fresh = false;
                    if v.get("campaign").and_then(Value::as_i64) != Some(campaign) {
                        return Err(cec_core::Error::usage(format!(
                            "journal {} belongs to campaign {}, not {campaign}",
                            path.display(),
                            v.get("campaign").unwrap_or(&Value::Null)
                        ))
                        .into());
                    }
                    continue;
                }
                if let Some(keys) = v.get("p").and_then(Value::as_array) {
                    pending.extend(keys.iter().filter_map(Value::as_str).map(str::to_owned));
                } else if let (Some(k), Some(d)) =
                    (v.get("a").and_then(Value::as_str), v.get("d").and_then(Value::as_str))
                {
                    pending.remove(k);
                    accepted.insert(k.to_owned(), d.to_owned());
                } else if let Some(k) = v.get("r").or_else(|| v.get("x")).and_then(Value::as_str) {
                    pending.remove(k);
                }
            }
        }
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        if fresh {
            writeln!(file, "{}", json!({ "campaign": campaign })).map_err(io)?;
        }
        let mut in_doubt: Vec<String> = pending.into_iter().filter(|k| !accepted.contains_key(k)).collect();
        in_doubt.sort();
        Ok(Journal { file: Some(Mutex::new(file)), accepted, in_doubt })
    }

    fn write(&self, v: Value) -> Result<(), Error> {
        let mut line = v.to_string();
        line.push('\n');
        self.write_lines(&line)
    }

    /// Appends `lines` (whole lines, each ending in a newline) in one write.
    fn write_lines(&self, lines: &str) -> Result<(), Error> {
        let Some(f) = &self.file else { return Ok(()) };
        let mut f = f.lock().map_err(|_| cec_core::Error::usage("journal lock poisoned"))?;
        f.write_all(lines.as_bytes()).map_err(|e| cec_core::Error::io("journal", e).into())
    }
}

/// Paces requests: never two starts within the interval.
#[derive(Debug)]
struct Pacer {
    every: Duration,
    last: tokio::sync::Mutex<Option<Instant>>,
}

impl Pacer {
    async fn wait(&self) {
        let mut last = self.last.lock().await;
        if let Some(l) = *last {
            let next = l + self.every;
            let now = Instant::now();
            if next > now {
                tokio::time::sleep(next - now).await;
            }
        }
        *last = Some(Instant::now());
    }
}

struct Ctx {
    client: crate::Client,
    campaign: i64,
    opts: ImportOptions,
    journal: Journal,
    pacer: Pacer,
    /// Set by the first error: no chunk starts after it; those in flight finish, so
    /// their rows are journaled with an outcome instead of left in doubt.
    failed: AtomicBool,
    /// The first error, given last, after the results of the chunks that were in flight.
    error: Mutex<Option<Error>>,
}

/// The SDK's own check of one row against the reference's rules.
fn check(row: &CallDataRow) -> Result<CalldataAddV2BodyCallDataList, String> {
    if row.key.is_empty() {
        return Err("key: must not be empty (it is sent as sessionId)".into());
    }
    if row.numbers.is_empty() {
        return Err("called: at least one number".into());
    }
    for n in &row.numbers {
        if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#') {
            return Err(format!("called: {n:?} is not digits, * and # only"));
        }
    }
    let rec = CalldataAddV2BodyCallDataList {
        session_id: Some(row.key.clone()),
        called: Some(
            row.numbers
                .iter()
                .map(|n| CalldataAddV2BodyCallDataListCalled { called_no: Some(n.clone()), ..Default::default() })
                .collect(),
        ),
        caller: row.caller.clone(),
        custom_field: row.custom_field.clone(),
        recycle_time: row.recycle_time.clone(),
        call_data: row.call_data.clone(),
        priority: row.priority.clone(),
    };
    rec.validate(OP, "", &[]).map_err(|e| e.to_string())?;
    Ok(rec)
}

fn refused(key: &str, code: Option<&str>, reason: impl Into<String>) -> RowResult {
    RowResult {
        key: key.to_owned(),
        outcome: RowOutcome::Refused { code: code.map(str::to_owned), reason: reason.into() },
    }
}

fn is_throttled(e: &Error) -> bool {
    e.status() == Some(429) || e.code() == Some(THROTTLED)
}

impl Ctx {
    /// Records the import's first error and stops new chunks.
    fn fail(&self, e: Error) {
        self.failed.store(true, Ordering::Relaxed);
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(e);
        }
    }

    fn take_error(&self) -> Option<Error> {
        self.error.lock().ok().and_then(|mut slot| slot.take())
    }

    /// Sends one chunk; splits it when the NE blames a record.
    fn send(
        self: Arc<Self>,
        rows: Vec<(String, CalldataAddV2BodyCallDataList)>,
    ) -> BoxFuture<Result<Vec<RowResult>, Error>> {
        Box::pin(async move {
            self.pacer.wait().await;
            // An error elsewhere while this chunk waited its turn: it is not sent (and
            // so not in doubt); the re-run sends it.
            if self.failed.load(Ordering::Relaxed) {
                return Ok(Vec::new());
            }
            let keys: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            self.journal.write(json!({ "p": keys }))?;
            let mut throttled = 0;
            let answer = loop {
                let list: Vec<CalldataAddV2BodyCallDataList> = rows.iter().map(|r| r.1.clone()).collect();
                let mut b = self.client.calldata_add_v2().campaign_id(self.campaign).call_data_list(list);
                if let Some(v) = self.client.tenant().vdn_id {
                    b = b.vdn_id(v);
                }
                match b.send().await {
                    Err(e) if is_throttled(&e) && throttled < self.opts.max_throttled => {
                        throttled += 1;
                        let wait = e.retry_after().unwrap_or(self.opts.min_interval).max(Duration::from_millis(50));
                        tracing::debug!(campaign = self.campaign, ?wait, "calldata.add throttled; waiting");
                        tokio::time::sleep(wait).await;
                        self.pacer.wait().await;
                    }
                    other => break other,
                }
            };
            match answer {
                Ok(r) => {
                    let created = r.return_object.and_then(|o| o.data_id_list).unwrap_or_default();
                    // In order; a record the NE skipped silently is reported, not lost.
                    let mut by_number: HashMap<String, std::collections::VecDeque<String>> = HashMap::new();
                    for c in created {
                        if let (Some(n), Some(d)) = (c.called, c.data_id) {
                            by_number.entry(n).or_default().push_back(d);
                        }
                    }
                    let mut out = Vec::with_capacity(rows.len());
                    // The chunk's journal lines go out in one write, after the loop.
                    let mut lines = String::new();
                    let mut line = |v: Value| {
                        lines.push_str(&v.to_string());
                        lines.push('\n');
                    };
                    for (key, rec) in &rows {
                        let first = rec
                            .called
                            .as_ref()
                            .and_then(|c| c.first())
                            .and_then(|c| c.called_no.clone())
                            .unwrap_or_default();
                        match by_number.get_mut(&first).and_then(|q| q.pop_front()) {
                            Some(data_id) => {
                                line(json!({ "a": key, "d": data_id }));
                                out.push(RowResult { key: key.clone(), outcome: RowOutcome::Accepted { data_id } });
                            }
                            None => {
                                let why = "the NE answered success but listed no record for this row";
                                line(json!({ "r": key, "c": "0200000", "m": why }));
                                out.push(refused(key, Some("0200000"), why));
                            }
                        }
                    }
                    self.journal.write_lines(&lines)?;
                    Ok(out)
                }
                Err(e) if e.code().is_some_and(|c| ROW_CODES.contains(&c)) => {
                    if rows.len() == 1 {
                        let code = e.code().map(str::to_owned);
                        let reason = e.message().to_owned();
                        self.journal.write(json!({ "r": rows[0].0, "c": code, "m": reason }))?;
                        return Ok(vec![refused(&rows[0].0, code.as_deref(), reason)]);
                    }
                    // The call was refused as a whole: nothing was added. Halve and retry.
                    let mut rows = rows;
                    let right = rows.split_off(rows.len() / 2);
                    let mut out = self.clone().send(rows).await?;
                    out.extend(self.send(right).await?);
                    Ok(out)
                }
                Err(e) => Err(e),
            }
        })
    }

    /// Rows whose request was in flight when an earlier run died: removed from the
    /// campaign by key (if they were added) so they can be sent again.
    async fn settle_in_doubt(&self) -> Result<(), Error> {
        for key in &self.journal.in_doubt {
            let mut throttled = 0;
            loop {
                self.pacer.wait().await;
                let mut b = self.client.calldata_delete().campaign_id(self.campaign).session_id(key.clone());
                if let Some(v) = self.client.tenant().vdn_id {
                    b = b.vdn_id(v);
                }
                match b.send().await {
                    Ok(_) => break,
                    Err(e) if e.code() == Some(NO_DATA) => break,
                    Err(e) if is_throttled(&e) && throttled < self.opts.max_throttled => {
                        throttled += 1;
                        tokio::time::sleep(e.retry_after().unwrap_or(self.opts.min_interval)).await;
                    }
                    Err(e) => return Err(e),
                }
            }
            self.journal.write(json!({ "x": key }))?;
        }
        Ok(())
    }
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// A row on its way: decided already, or to send.
enum Item {
    Done(RowResult),
    Send(String, Box<CalldataAddV2BodyCallDataList>),
}

impl crate::Client {
    /// Imports `rows` into `campaign`'s call data; one result per row, in the order
    /// chunks complete. The stream ends with an `Err` when the import cannot go on (the
    /// campaign is missing or full, the NE is down): re-run it with the same journal.
    /// After the first error no chunk starts, and the chunks already in flight finish
    /// first (their results come before the error), so only a chunk whose own request
    /// failed without a clear answer is left in doubt for the re-run to settle.
    pub fn import_call_data<S>(
        &self,
        campaign: i64,
        rows: S,
        opts: ImportOptions,
    ) -> BoxStream<'static, Result<RowResult, Error>>
    where
        S: Stream<Item = CallDataRow> + Send + 'static,
    {
        let journal = match Journal::open(opts.journal.as_deref(), campaign) {
            Ok(j) => j,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        let chunk = opts.chunk_size.max(1);
        let concurrency = opts.concurrency.max(1);
        let pacer = Pacer { every: opts.min_interval, last: tokio::sync::Mutex::new(None) };
        let ctx = Arc::new(Ctx {
            client: self.clone(),
            campaign,
            opts,
            journal,
            pacer,
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
        });
        let settle = {
            let ctx = ctx.clone();
            stream::once(async move {
                if let Err(e) = ctx.settle_in_doubt().await {
                    ctx.fail(e);
                }
            })
            .filter_map(|()| async { None::<Result<RowResult, Error>> })
        };
        let mut seen: HashSet<u64> = HashSet::new();
        let fingerprint = std::collections::hash_map::RandomState::new();
        let check_repeated = ctx.opts.check_repeated_keys;
        let decide = ctx.clone();
        let items = rows.map(move |row| {
            if let Some(d) = decide.journal.accepted.get(&row.key) {
                return Item::Done(RowResult {
                    key: row.key,
                    outcome: RowOutcome::AlreadyAccepted { data_id: d.clone() },
                });
            }
            if check_repeated && !seen.insert(std::hash::BuildHasher::hash_one(&fingerprint, row.key.as_str())) {
                return Item::Done(refused(&row.key, None, "key: repeats an earlier row's key"));
            }
            match check(&row) {
                Ok(rec) => Item::Send(row.key, Box::new(rec)),
                Err(why) => Item::Done(refused(&row.key, None, why)),
            }
        });
        let sender = ctx.clone();
        let stopped = ctx.clone();
        let results = items
            .chunks(chunk)
            // After an error no more rows are read from the input.
            .take_while(move |_| std::future::ready(!stopped.failed.load(Ordering::Relaxed)))
            .map(move |items| {
                let ctx = sender.clone();
                async move {
                    let mut done = Vec::new();
                    let mut send = Vec::new();
                    for i in items {
                        match i {
                            Item::Done(r) => done.push(r),
                            Item::Send(k, rec) => send.push((k, *rec)),
                        }
                    }
                    if !send.is_empty() {
                        done.extend(ctx.send(send).await?);
                    }
                    Ok::<_, Error>(done)
                }
            })
            .buffer_unordered(concurrency);
        let failing = ctx.clone();
        let results = results.flat_map(move |r: Result<Vec<RowResult>, Error>| {
            let rows = r.unwrap_or_else(|e| {
                failing.fail(e);
                Vec::new()
            });
            stream::iter(rows.into_iter().map(Ok))
        });
        // Nothing goes out before the rows in doubt are settled; after an error no chunk
        // starts, those in flight give their results, then the error ends the stream.
        let last = stream::once(async move { ctx.take_error() }).filter_map(|e| async move { e.map(Err) });
        settle.chain(results).chain(last).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_before_sending() {
        let ok = CallDataRow { key: "crm-1".into(), numbers: vec!["13800000001".into()], ..Default::default() };
        assert!(check(&ok).is_ok());
        let bad = CallDataRow { numbers: vec!["12ab".into()], ..ok.clone() };
        assert!(check(&bad).unwrap_err().contains("12ab"));
        let long_key = CallDataRow { key: "k".repeat(33), ..ok.clone() };
        assert!(check(&long_key).unwrap_err().contains("sessionId"), "{:?}", check(&long_key));
        let none = CallDataRow { numbers: vec![], ..ok };
        assert!(check(&none).is_err());
    }

    #[test]
    fn the_journal_remembers_accepted_and_in_doubt_rows() {
        let dir = std::env::temp_dir().join(format!("cec-isales-journal-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let j = Journal::open(Some(&dir), 501).unwrap();
        j.write(json!({ "p": ["a", "b", "c"] })).unwrap();
        j.write(json!({ "a": "a", "d": "900001" })).unwrap();
        j.write(json!({ "r": "b", "c": "0200024", "m": "blocklisted" })).unwrap();
        drop(j);
        let j = Journal::open(Some(&dir), 501).unwrap();
        assert_eq!(j.accepted.get("a").map(String::as_str), Some("900001"));
        assert_eq!(j.in_doubt, vec!["c".to_string()]);
        assert!(Journal::open(Some(&dir), 502).unwrap_err().to_string().contains("campaign 501"));
        let _ = std::fs::remove_file(&dir);
    }
}
