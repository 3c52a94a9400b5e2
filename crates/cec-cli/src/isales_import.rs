//! `cec isales import|campaigns|results`; any other word is a CC-iSales interface id.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cec_isales::{CallDataRow, ImportOptions, RowOutcome, TenantDefaults};
use clap::{Args, Subcommand, ValueEnum};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::{ops, profile};

/// `cec isales …`.
#[derive(Debug, Args)]
pub struct IsalesArgs {
    #[command(subcommand)]
    cmd: IsalesCmd,
}

#[derive(Debug, Subcommand)]
enum IsalesCmd {
    /// Import call data from a CSV or JSON-lines file (or `-`) into a campaign; every row accounted for.
    Import(ImportArgs),
    /// List the VDN's campaigns.
    Campaigns {
        #[command(flatten)]
        t: Tenant,
        /// `json`: one JSON array; default: a table.
        #[arg(long, value_enum)]
        output: Option<Listing>,
    },
    /// The call results of a campaign (final results; `--detail` every attempt).
    Results {
        /// Campaign id.
        #[arg(long)]
        campaign: i64,
        /// Every attempt, not only each number's final result.
        #[arg(long)]
        detail: bool,
        #[command(flatten)]
        t: Tenant,
        /// `csv`, `json` (one array); default: a table.
        #[arg(long, value_enum)]
        output: Option<Listing>,
    },
    /// A CC-iSales interface by id (see `cec ops isales`).
    #[command(external_subcommand)]
    Op(Vec<String>),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Listing {
    Json,
    Csv,
    Table,
}

#[derive(Debug, Args, Clone)]
struct Tenant {
    /// VDN id (default: the profile's `vdn`, else 1).
    #[arg(long)]
    vdn: Option<i64>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// Campaign id.
    #[arg(long)]
    campaign: i64,
    /// `FILE.csv` (with a header row), `FILE.jsonl` (one object per line), or `-` (standard input, CSV unless `--format jsonl`).
    file: PathBuf,
    /// Input column to row field: `column=field`. Fields: key (required: the CRM's id, sent as
    /// sessionId), called (numbers separated by `;`), caller, customField, callData, priority,
    /// recycleTime. Columns named like a field map to it unless mapped otherwise.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
    /// Input format (default: from the file name).
    #[arg(long, value_enum)]
    format: Option<InputFormat>,
    /// Records per request: the tenant's `isales.api.calldata.max` (the reference's default is 20; at most 2000 advised).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    chunk: u64,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=16))]
    concurrency: u64,
    /// Milliseconds between two requests (the reference asks for at least 1000).
    #[arg(long, default_value_t = 1000)]
    min_interval_ms: u64,
    /// Journal file that makes a re-run skip accepted rows (default: `FILE.journal`; required for `-`).
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Failure report: each refused row with its code and reason (default: `FILE.failures.csv` / `.jsonl`).
    #[arg(long)]
    failures: Option<PathBuf>,
    /// Do not refuse rows whose key repeats an earlier row's: for keys known to be unique
    /// (a CRM's primary key), so memory does not grow with the row count (~27 bytes a row).
    #[arg(long)]
    no_key_check: bool,
    #[command(flatten)]
    t: Tenant,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum InputFormat {
    Csv,
    Jsonl,
}

/// Exit code when some rows were refused.
pub const PARTIAL: u8 = 2;

/// Runs `cec isales …`; the exit code.
pub async fn run(
    a: IsalesArgs,
    config: Option<PathBuf>,
    profile_name: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<u8> {
    let client = |t: &Tenant| -> anyhow::Result<cec_isales::Client> {
        let p = profile::load(config.as_deref(), profile_name.as_deref(), env)?;
        let vdn = t.vdn.or(p.ne("isales").vdn).unwrap_or(1);
        Ok(ops::Clients::new(p).isales()?.with_tenant(TenantDefaults::new().vdn_id(vdn)))
    };
    match a.cmd {
        IsalesCmd::Op(words) => {
            let op = crate::parse_op("isales", words)?;
            crate::call("isales", op, config.clone(), profile_name.clone(), env).await?;
            Ok(0)
        }
        IsalesCmd::Campaigns { t, output } => campaigns(&client(&t)?, output).await.map(|_| 0),
        IsalesCmd::Results { campaign, detail, t, output } => {
            results(&client(&t)?, campaign, detail, output).await.map(|_| 0)
        }
        IsalesCmd::Import(i) => {
            let c = client(&i.t)?;
            import(&c, i).await
        }
    }
}

async fn campaigns(client: &cec_isales::Client, output: Option<Listing>) -> anyhow::Result<()> {
    let mut all: Vec<Value> = Vec::new();
    let mut page = 1;
    loop {
        let r = client.campaign_query_all().status(0).device_type(0).cur_page(page).rows_per_page(100).send().await?;
        let data = r.data.unwrap_or_default();
        let n = data.len();
        all.extend(data.iter().map(|c| {
            json!({ "id": c.id, "name": c.name, "status": c.status, "deviceType": c.device_type,
                    "begin": c.str_begin_time, "end": c.str_end_time, "callerNo": c.caller_no })
        }));
        let total = r.total_size.and_then(|t| usize::try_from(t).ok());
        if n < 100 || total.is_some_and(|t| all.len() >= t) {
            break;
        }
        page += 1;
    }
    let cols = ["id", "name", "status", "deviceType", "begin", "end", "callerNo"];
    print_rows(&all, &cols, output)
}

async fn results(
    client: &cec_isales::Client,
    campaign: i64,
    detail: bool,
    output: Option<Listing>,
) -> anyhow::Result<()> {
    let b = client.callresult_query().campaign_id(campaign).show_detail(i64::from(detail));
    let b = match client.tenant().vdn_id {
        Some(v) => b.vdn_id(v),
        None => b,
    };
    let mut items = Box::pin(b.into_paginator().items());
    let cols = ["campaignId", "sessionId", "called", "callTimeStr", "callStatus", "failCode", "callId"];
    let mut all = Vec::new();
    while let Some(item) = items.next().await {
        let v = serde_json::to_value(item?)?;
        if output == Some(Listing::Csv) {
            // Streamed: a campaign's results can be large.
            if all.is_empty() {
                outln!("{}", cols.join(","))?;
                all.push(Value::Null);
            }
            outln!("{}", csv_line(cols.iter().map(|c| cell(&v[*c]))))?;
        } else {
            all.push(v);
        }
    }
    if output == Some(Listing::Csv) {
        if all.is_empty() {
            outln!("{}", cols.join(","))?;
        }
        return Ok(());
    }
    print_rows(&all, &cols, output)
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_line(cells: impl Iterator<Item = String>) -> String {
    cells
        .map(|c| if c.contains([',', '"', '\n', '\r']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c })
        .collect::<Vec<_>>()
        .join(",")
}

fn print_rows(rows: &[Value], cols: &[&str], output: Option<Listing>) -> anyhow::Result<()> {
    match output {
        Some(Listing::Json) => outln!("{}", serde_json::to_string_pretty(rows)?)?,
        Some(Listing::Csv) => {
            outln!("{}", cols.join(","))?;
            for r in rows {
                outln!("{}", csv_line(cols.iter().map(|c| cell(&r[*c]))))?;
            }
        }
        _ => {
            let table: Vec<Vec<String>> = rows.iter().map(|r| cols.iter().map(|c| cell(&r[*c])).collect()).collect();
            let width: Vec<usize> = cols
                .iter()
                .enumerate()
                .map(|(i, c)| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(c.len()))
                .collect();
            let line = |cells: Vec<String>| {
                cells
                    .iter()
                    .zip(&width)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            outln!("{}", line(cols.iter().map(|c| c.to_string()).collect()))?;
            for r in table {
                outln!("{}", line(r))?;
            }
        }
    }
    Ok(())
}

/// The fields a column can map to.
const FIELDS: &[&str] = &["key", "called", "caller", "customField", "callData", "priority", "recycleTime"];

/// One input record: its raw cells (for the failure report) and the row.
struct Input {
    raw: Value,
    row: CallDataRow,
}

/// Column name → field, from `--map` and same-named columns.
fn mapping(columns: &[String], maps: &[String]) -> anyhow::Result<HashMap<String, String>> {
    let mut m = HashMap::new();
    for c in columns {
        if FIELDS.contains(&c.as_str()) {
            m.insert(c.clone(), c.clone());
        }
    }
    for s in maps {
        let (col, field) = s.split_once('=').with_context(|| format!("--map {s}: expected COLUMN=FIELD"))?;
        if !FIELDS.contains(&field) {
            bail!("--map {s}: unknown field {field:?} (fields: {})", FIELDS.join(", "));
        }
        m.retain(|_, f| f != field);
        m.insert(col.to_string(), field.to_string());
    }
    if !m.values().any(|f| f == "key") {
        bail!("no column maps to `key` (the row's id, sent as sessionId): add --map COLUMN=key");
    }
    if !m.values().any(|f| f == "called") {
        bail!("no column maps to `called` (the numbers): add --map COLUMN=called");
    }
    Ok(m)
}

fn to_row(cells: &[(String, String)], m: &HashMap<String, String>) -> CallDataRow {
    let mut row = CallDataRow::default();
    for (col, v) in cells {
        let opt = || (!v.is_empty()).then(|| v.clone());
        match m.get(col).map(String::as_str) {
            Some("key") => row.key = v.trim().to_string(),
            Some("called") => {
                row.numbers = v.split([';', '|']).map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect()
            }
            Some("caller") => row.caller = opt(),
            Some("customField") => row.custom_field = opt(),
            Some("callData") => row.call_data = opt(),
            Some("priority") => row.priority = opt(),
            Some("recycleTime") => row.recycle_time = opt(),
            _ => {}
        }
    }
    row
}

/// A blocking reader of input records, on its own thread, feeding a bounded channel.
fn reader(
    path: &Path,
    format: InputFormat,
    maps: Vec<String>,
) -> anyhow::Result<(Vec<String>, tokio::sync::mpsc::Receiver<anyhow::Result<Input>>)> {
    let input: Box<dyn std::io::Read + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?)
    };
    let (tx, rx) = tokio::sync::mpsc::channel(4096);
    match format {
        InputFormat::Csv => {
            let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(input);
            let headers: Vec<String> = r.headers()?.iter().map(str::to_owned).collect();
            let m = mapping(&headers, &maps)?;
            let cols = headers.clone();
            std::thread::spawn(move || {
                for rec in r.records() {
                    let item = rec.map_err(anyhow::Error::from).map(|rec| {
                        let cells: Vec<(String, String)> =
                            cols.iter().cloned().zip(rec.iter().map(str::to_owned)).collect();
                        let raw = Value::Array(rec.iter().map(|c| json!(c)).collect());
                        Input { row: to_row(&cells, &m), raw }
                    });
                    if tx.blocking_send(item).is_err() {
                        return;
                    }
                }
            });
            Ok((headers, rx))
        }
        InputFormat::Jsonl => {
            let lines = std::io::BufReader::new(input).lines();
            let maps2 = maps.clone();
            std::thread::spawn(move || {
                let mut m: Option<HashMap<String, String>> = None;
                for (n, line) in lines.enumerate() {
                    let item = (|| -> anyhow::Result<Option<Input>> {
                        let line = line?;
                        if line.trim().is_empty() {
                            return Ok(None);
                        }
                        let v: Value = serde_json::from_str(&line).with_context(|| format!("line {}", n + 1))?;
                        let obj = v.as_object().with_context(|| format!("line {}: not a JSON object", n + 1))?;
                        let cells: Vec<(String, String)> = obj.iter().map(|(k, v)| (k.clone(), cell(v))).collect();
                        if m.is_none() {
                            let cols: Vec<String> = obj.keys().cloned().collect();
                            m = Some(mapping(&cols, &maps2)?);
                        }
                        let row = to_row(&cells, m.as_ref().unwrap_or(&HashMap::new()));
                        Ok(Some(Input { raw: v, row }))
                    })();
                    let item = match item {
                        Ok(None) => continue,
                        Ok(Some(i)) => Ok(i),
                        Err(e) => Err(e),
                    };
                    if tx.blocking_send(item).is_err() {
                        return;
                    }
                }
            });
            Ok((Vec::new(), rx))
        }
    }
}

/// Data lines of a file (for the ETA); `None` for standard input.
fn count_rows(path: &Path, format: InputFormat) -> Option<u64> {
    if path.as_os_str() == "-" {
        return None;
    }
    let f = std::fs::File::open(path).ok()?;
    let n = std::io::BufReader::new(f).lines().map_while(Result::ok).filter(|l| !l.trim().is_empty()).count() as u64;
    Some(if format == InputFormat::Csv { n.saturating_sub(1) } else { n })
}

async fn import(client: &cec_isales::Client, a: ImportArgs) -> anyhow::Result<u8> {
    let stdin = a.file.as_os_str() == "-";
    let format = a.format.unwrap_or_else(|| {
        let ext = a.file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if ext == "jsonl" || ext == "ndjson" || ext == "json" { InputFormat::Jsonl } else { InputFormat::Csv }
    });
    let with_ext = |e: &str| {
        let mut s = a.file.clone().into_os_string();
        s.push(e);
        PathBuf::from(s)
    };
    let journal = match (&a.journal, stdin) {
        (Some(j), _) => j.clone(),
        (None, false) => with_ext(".journal"),
        (None, true) => bail!("reading standard input: name a --journal so a re-run can skip accepted rows"),
    };
    let failures = match (&a.failures, stdin, format) {
        (Some(f), ..) => f.clone(),
        (None, false, InputFormat::Csv) => with_ext(".failures.csv"),
        (None, false, InputFormat::Jsonl) => with_ext(".failures.jsonl"),
        (None, true, InputFormat::Csv) => PathBuf::from("import.failures.csv"),
        (None, true, InputFormat::Jsonl) => PathBuf::from("import.failures.jsonl"),
    };
    let total = count_rows(&a.file, format);
    let (headers, mut rx) = reader(&a.file, format, a.map.clone())?;

    // The raw record of every row not answered yet, for the failure report.
    let raw: Arc<Mutex<HashMap<String, Value>>> = Arc::new(Mutex::new(HashMap::new()));
    let read_error: Arc<Mutex<Option<anyhow::Error>>> = Arc::new(Mutex::new(None));
    let (raw2, err2) = (raw.clone(), read_error.clone());
    let rows = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).filter_map(move |item| {
        let out = match item {
            Ok(i) => {
                if let Ok(mut m) = raw2.lock() {
                    m.insert(i.row.key.clone(), i.raw);
                }
                Some(i.row)
            }
            Err(e) => {
                if let Ok(mut slot) = err2.lock() {
                    slot.get_or_insert(e);
                }
                None
            }
        };
        async move { out }
    });

    let opts = ImportOptions {
        chunk_size: a.chunk as usize,
        concurrency: a.concurrency as usize,
        min_interval: Duration::from_millis(a.min_interval_ms),
        journal: Some(journal.clone()),
        check_repeated_keys: !a.no_key_check,
        ..Default::default()
    };
    let mut results = client.import_call_data(a.campaign, rows, opts);

    let tmp = failures.with_extension("partial");
    let mut report = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("creating the failure report {}", tmp.display()))?,
    );
    if format == InputFormat::Csv {
        let mut head = headers.clone();
        head.extend(["code".to_string(), "reason".to_string()]);
        writeln!(report, "{}", csv_line(head.into_iter()))?;
    }
    let progress = Progress::new(total);
    let (mut accepted, mut before, mut refused) = (0u64, 0u64, 0u64);
    let mut fatal: Option<anyhow::Error> = None;
    while let Some(r) = results.next().await {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                fatal = Some(e.into());
                break;
            }
        };
        let rec = raw.lock().ok().and_then(|mut m| m.remove(&r.key)).unwrap_or(Value::Null);
        match &r.outcome {
            RowOutcome::Accepted { .. } => accepted += 1,
            RowOutcome::AlreadyAccepted { .. } => before += 1,
            RowOutcome::Refused { code, reason } => {
                refused += 1;
                let code = code.clone().unwrap_or_else(|| "local".into());
                match format {
                    InputFormat::Csv => {
                        let mut cells: Vec<String> =
                            rec.as_array().map(|a| a.iter().map(cell).collect()).unwrap_or_else(|| vec![r.key.clone()]);
                        cells.extend([code, reason.clone()]);
                        writeln!(report, "{}", csv_line(cells.into_iter()))?;
                    }
                    InputFormat::Jsonl => {
                        let mut v = if rec.is_object() { rec } else { json!({ "key": r.key }) };
                        v["_code"] = json!(code);
                        v["_reason"] = json!(reason);
                        writeln!(report, "{v}")?;
                    }
                }
            }
        }
        progress.tick(accepted + before + refused, accepted + before, refused);
    }
    report.flush()?;
    drop(report);
    progress.finish();
    std::fs::rename(&tmp, &failures).with_context(|| format!("writing {}", failures.display()))?;
    if let Some(e) = read_error.lock().ok().and_then(|mut e| e.take()) {
        return Err(
            e.context(format!("reading {} (the rows before it were imported; fix it and re-run)", a.file.display()))
        );
    }
    let summary = format!(
        "{accepted} accepted, {before} accepted by an earlier run, {refused} refused (report: {}; journal: {})",
        failures.display(),
        journal.display()
    );
    if let Some(e) = fatal {
        return Err(e.context(format!("import stopped: {summary}; re-run to continue")));
    }
    outln!("{summary}")?;
    Ok(if refused == 0 { 0 } else { PARTIAL })
}

/// A progress bar on a terminal, a plain line every few seconds elsewhere.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    last: Mutex<Instant>,
    total: Option<u64>,
}

impl Progress {
    fn new(total: Option<u64>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = total.map(indicatif::ProgressBar::new).unwrap_or_else(indicatif::ProgressBar::no_length);
            b.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        Progress { bar, start: Instant::now(), last: Mutex::new(Instant::now()), total }
    }

    fn tick(&self, done: u64, ok: u64, refused: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
            b.set_message(format!("{ok} accepted, {refused} refused"));
            return;
        }
        let Ok(mut last) = self.last.lock() else { return };
        if last.elapsed() < Duration::from_secs(5) {
            return;
        }
        *last = Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / secs;
        let eta = self
            .total
            .filter(|_| rate > 0.0)
            .map(|t| format!(", ETA {:.0} s", t.saturating_sub(done) as f64 / rate))
            .unwrap_or_default();
        eprintln!("{done} rows ({ok} accepted, {refused} refused), {rate:.0} rows/s{eta}");
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish();
        }
    }
}
