//! Typed readers of the CC-FS index files (no header row; columns in the
//! documented order, see `../shared/cec-api/cc-fs.json` `file_formats`): the CDRs
//! (`*_call_*.csv`), the recording index (`*_record_*.csv`), the agent operations
//! (`*_agentOprInfo_*.csv`) and the agent skill changes (`*_agentSkillInfo*.csv`).
//!
//! Built on the `csv` crate (quoted cells, embedded commas and line breaks are
//! read correctly). Exact about the documented columns: a missing column or a cell
//! that is not of its documented type is an error naming the file, the line and the
//! column. Tolerant of extra trailing columns (kept in `extra`). Times are kept as
//! written (`yyyy-MM-dd HH:mm:ss`, the tenant's zone) with their seconds parsed.

use std::io::Read;
use std::path::Path;

use cec_core::{ErrorKind, download::file_name_of_path};

use crate::Error;

/// A time cell: the text as written and its seconds (naive: the tenant's zone).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct CdrTime {
    /// `yyyy-MM-dd HH:mm:ss`.
    pub text: String,
    /// Seconds since 1970-01-01 00:00:00 of that wall-clock time.
    pub secs: i64,
}

fn decode_error(msg: String) -> Error {
    Error::from(cec_core::Error::new(ErrorKind::Decode, msg))
}

/// One row's cells, with the context errors need.
struct Cols<'r> {
    rec: &'r csv::StringRecord,
    file: &'r str,
    line: u64,
    names: &'static [&'static str],
}

impl Cols<'_> {
    fn err(&self, i: usize, why: String) -> Error {
        decode_error(format!("{} line {} column {} ({}): {why}", self.file, self.line, i + 1, self.names[i]))
    }
    fn s(&self, i: usize) -> String {
        self.rec.get(i).unwrap_or("").to_owned()
    }
    fn int(&self, i: usize) -> Result<Option<i64>, Error> {
        let v = self.rec.get(i).unwrap_or("").trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse().map(Some).map_err(|_| self.err(i, format!("expected an integer, got {v:?}")))
    }
    fn time(&self, i: usize) -> Result<Option<CdrTime>, Error> {
        let v = self.rec.get(i).unwrap_or("").trim();
        if v.is_empty() {
            return Ok(None);
        }
        crate::time::parse_cdr(v)
            .map(|secs| Some(CdrTime { text: v.to_owned(), secs }))
            .ok_or_else(|| self.err(i, format!("expected a time yyyy-MM-dd HH:mm:ss, got {v:?}")))
    }
    fn extra(&self) -> Vec<String> {
        self.rec.iter().skip(self.names.len()).map(str::to_owned).collect()
    }
}

/// A row type of one of the index files.
pub trait CdrRow: Sized {
    /// What the file is, for errors.
    const KIND: &'static str;
    /// The documented columns, in order.
    const COLUMNS: &'static [&'static str];
    #[doc(hidden)]
    fn from_cols(c: &ColsRef<'_>) -> Result<Self, Error>;
}

/// The cells of one row (opaque; used by [`CdrRow`] implementations).
pub struct ColsRef<'r>(Cols<'r>);

impl std::fmt::Debug for ColsRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColsRef").field("file", &self.0.file).field("line", &self.0.line).finish()
    }
}

/// One CDR row of `*_call_*.csv` (21 documented columns). A call spans several rows
/// with the same `call_id` (queue, then one per agent leg; see `call_id_num`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)]
pub struct CallRow {
    pub developer: String,
    pub account_id: String,
    pub cc_id: String,
    pub agent_id: String,
    pub call_id: String,
    pub caller_no: String,
    pub callee_no: String,
    pub wait_begin: Option<CdrTime>,
    pub wait_end: Option<CdrTime>,
    pub ack_begin: Option<CdrTime>,
    pub ack_end: Option<CdrTime>,
    pub call_begin: Option<CdrTime>,
    pub call_end: Option<CdrTime>,
    /// 1 skill queue, 2 agent, 3 IVR flow.
    pub device_type: Option<i64>,
    /// Skill, agent or IVR flow id per `device_type`.
    pub device_no: Option<i64>,
    pub call_type: Option<i64>,
    pub release_cause: Option<i64>,
    /// -1 for a single or the last row, else 1, 2, 3…
    pub call_id_num: Option<i64>,
    pub vdn_id: String,
    pub pre_device_type: String,
    pub pre_device_no: String,
    /// Undocumented trailing columns.
    pub extra: Vec<String>,
}

impl CdrRow for CallRow {
    const KIND: &'static str = "call.csv";
    const COLUMNS: &'static [&'static str] = &[
        "developer",
        "account_id",
        "cc_id",
        "agent_id",
        "call_id",
        "caller_no",
        "callee_no",
        "wait_begin",
        "wait_end",
        "ack_begin",
        "ack_end",
        "call_begin",
        "call_end",
        "device_type",
        "device_no",
        "call_type",
        "release_cause",
        "call_id_num",
        "vdn_id",
        "pre_device_type",
        "pre_device_no",
    ];
    fn from_cols(c: &ColsRef<'_>) -> Result<Self, Error> {
        let c = &c.0;
        Ok(CallRow {
            developer: c.s(0),
            account_id: c.s(1),
            cc_id: c.s(2),
            agent_id: c.s(3),
            call_id: c.s(4),
            caller_no: c.s(5),
            callee_no: c.s(6),
            wait_begin: c.time(7)?,
            wait_end: c.time(8)?,
            ack_begin: c.time(9)?,
            ack_end: c.time(10)?,
            call_begin: c.time(11)?,
            call_end: c.time(12)?,
            device_type: c.int(13)?,
            device_no: c.int(14)?,
            call_type: c.int(15)?,
            release_cause: c.int(16)?,
            call_id_num: c.int(17)?,
            vdn_id: c.s(18),
            pre_device_type: c.s(19),
            pre_device_no: c.s(20),
            extra: c.extra(),
        })
    }
}

/// One row of the recording index `*_record_*.csv` (18 columns).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)]
pub struct RecordingRow {
    pub developer: String,
    pub account_id: String,
    pub cc_id: String,
    pub agent_id: String,
    pub call_id: String,
    pub caller_no: String,
    pub callee_no: String,
    pub call_begin: Option<CdrTime>,
    pub call_end: Option<CdrTime>,
    /// Input of `downloadRecordFile` (`/10/1/record/100/13533/0903379.wav`).
    pub file_name: String,
    pub task_status: String,
    pub task_result: String,
    /// Input of `downloadRecord` (`X:\17\0\20180903\15470\2043295.V3`).
    pub original_file_name: String,
    pub vdn_id: String,
    pub call_type: String,
    pub media_type: String,
    pub user_wanted_skill_id: String,
    pub current_skill_id: String,
    /// Undocumented trailing columns.
    pub extra: Vec<String>,
}

impl CdrRow for RecordingRow {
    const KIND: &'static str = "record.csv";
    const COLUMNS: &'static [&'static str] = &[
        "developer",
        "account_id",
        "cc_id",
        "agent_id",
        "call_id",
        "caller_no",
        "callee_no",
        "call_begin",
        "call_end",
        "file_name",
        "task_status",
        "task_result",
        "original_file_name",
        "vdn_id",
        "call_type",
        "media_type",
        "user_wanted_skill_id",
        "current_skill_id",
    ];
    fn from_cols(c: &ColsRef<'_>) -> Result<Self, Error> {
        let c = &c.0;
        Ok(RecordingRow {
            developer: c.s(0),
            account_id: c.s(1),
            cc_id: c.s(2),
            agent_id: c.s(3),
            call_id: c.s(4),
            caller_no: c.s(5),
            callee_no: c.s(6),
            call_begin: c.time(7)?,
            call_end: c.time(8)?,
            file_name: c.s(9),
            task_status: c.s(10),
            task_result: c.s(11),
            original_file_name: c.s(12),
            vdn_id: c.s(13),
            call_type: c.s(14),
            media_type: c.s(15),
            user_wanted_skill_id: c.s(16),
            current_skill_id: c.s(17),
            extra: c.extra(),
        })
    }
}

/// One row of the agent operation file `*_agentOprInfo_*.csv` (21 columns).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)]
pub struct AgentOperationRow {
    pub id: String,
    pub developer_id: String,
    pub account_id: String,
    pub agent_id: String,
    pub service_no: String,
    pub skill_id: String,
    pub call_id: String,
    pub begin_time: Option<CdrTime>,
    pub end_time: Option<CdrTime>,
    pub op_type: String,
    pub op_object: String,
    pub op_cause: String,
    pub media_type: String,
    pub vdn_id: String,
    pub cc_id: String,
    pub agent_type: String,
    pub phone_no: String,
    pub call_in_out: String,
    pub location_id: String,
    pub logon_sn: String,
    pub skill_info_sn: String,
    /// Undocumented trailing columns.
    pub extra: Vec<String>,
}

impl CdrRow for AgentOperationRow {
    const KIND: &'static str = "agentOprInfo.csv";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "developer_id",
        "account_id",
        "agent_id",
        "service_no",
        "skill_id",
        "call_id",
        "begin_time",
        "end_time",
        "op_type",
        "op_object",
        "op_cause",
        "media_type",
        "vdn_id",
        "cc_id",
        "agent_type",
        "phone_no",
        "callIn_out",
        "location_id",
        "logon_sn",
        "skillInfo_sn",
    ];
    fn from_cols(c: &ColsRef<'_>) -> Result<Self, Error> {
        let c = &c.0;
        Ok(AgentOperationRow {
            id: c.s(0),
            developer_id: c.s(1),
            account_id: c.s(2),
            agent_id: c.s(3),
            service_no: c.s(4),
            skill_id: c.s(5),
            call_id: c.s(6),
            begin_time: c.time(7)?,
            end_time: c.time(8)?,
            op_type: c.s(9),
            op_object: c.s(10),
            op_cause: c.s(11),
            media_type: c.s(12),
            vdn_id: c.s(13),
            cc_id: c.s(14),
            agent_type: c.s(15),
            phone_no: c.s(16),
            call_in_out: c.s(17),
            location_id: c.s(18),
            logon_sn: c.s(19),
            skill_info_sn: c.s(20),
            extra: c.extra(),
        })
    }
}

/// One row of the skill change file `*_agentSkillInfo*.csv` (16 columns).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[allow(missing_docs)]
pub struct SkillChangeRow {
    pub id: String,
    pub developer_id: String,
    pub account_id: String,
    pub sub_cc_no: Option<i64>,
    pub vdn: Option<i64>,
    pub agent_id: Option<i64>,
    pub operate_time: Option<CdrTime>,
    pub operate_id: Option<i64>,
    pub operate_type: Option<i64>,
    /// Skill ids (the cell separates them with `;`).
    pub skill_list: Vec<String>,
    pub logon_sn: String,
    pub operate_sn: Option<i64>,
    pub operate_end_time: Option<CdrTime>,
    pub renew_flag: Option<i64>,
    /// Stored time (UTC), kept as written: the page gives its type as a bare DATE.
    pub update_time: String,
    pub month_of_year: Option<i64>,
    /// Undocumented trailing columns.
    pub extra: Vec<String>,
}

impl CdrRow for SkillChangeRow {
    const KIND: &'static str = "agentSkillInfo.csv";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "developer_id",
        "account_id",
        "sub_cc_no",
        "vdn",
        "agent_id",
        "operate_time",
        "operate_id",
        "operate_type",
        "skill_list",
        "logon_sn",
        "operate_sn",
        "operate_end_time",
        "renew_flag",
        "update_time",
        "month_of_year",
    ];
    fn from_cols(c: &ColsRef<'_>) -> Result<Self, Error> {
        let c = &c.0;
        Ok(SkillChangeRow {
            id: c.s(0),
            developer_id: c.s(1),
            account_id: c.s(2),
            sub_cc_no: c.int(3)?,
            vdn: c.int(4)?,
            agent_id: c.int(5)?,
            operate_time: c.time(6)?,
            operate_id: c.int(7)?,
            operate_type: c.int(8)?,
            skill_list: c.s(9).split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            logon_sn: c.s(10),
            operate_sn: c.int(11)?,
            operate_end_time: c.time(12)?,
            renew_flag: c.int(13)?,
            update_time: c.s(14),
            month_of_year: c.int(15)?,
            extra: c.extra(),
        })
    }
}

/// Counts the line breaks that stream through, so a record's byte offset can be
/// turned into its line (the csv crate's own line count lags with CRLF files).
struct Lines<R> {
    inner: R,
    offset: u64,
    /// Offsets of `\n` bytes read but not yet passed by a record start.
    pending: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u64>>>,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut q = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                q.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Rows of one file, read lazily (constant memory whatever its size).
pub struct Rows<R: Read, T> {
    reader: csv::Reader<Lines<R>>,
    pending: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u64>>>,
    lines_before: u64,
    file: String,
    record: csv::StringRecord,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<R: Read, T> Rows<R, T> {
    /// One more than the line breaks before byte `end`, not counting a `\n`
    /// terminator the reader already consumed (LF files).
    fn line_of(&mut self, end: u64) -> u64 {
        let mut q = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let mut last = None;
        while q.front().is_some_and(|o| *o < end) {
            last = q.pop_front();
            self.lines_before += 1;
        }
        let own_terminator = u64::from(end > 0 && last == Some(end - 1));
        self.lines_before + 1 - own_terminator
    }
}

impl<R: Read, T> std::fmt::Debug for Rows<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").field("file", &self.file).finish_non_exhaustive()
    }
}

/// Reads rows of `T` from `reader`; `file` names it in errors.
pub fn rows<T: CdrRow, R: Read>(reader: R, file: impl Into<String>) -> Rows<R, T> {
    let pending = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
    let lines = Lines { inner: reader, offset: 0, pending: pending.clone() };
    let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(lines);
    Rows {
        reader,
        pending,
        lines_before: 0,
        file: file.into(),
        record: csv::StringRecord::new(),
        _t: std::marker::PhantomData,
    }
}

impl<R: Read, T: CdrRow> Iterator for Rows<R, T> {
    type Item = Result<T, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    let at = self.reader.position().byte();
                    let line = self.line_of(at);
                    return Some(Err(decode_error(format!("{} line {line}: {e}", self.file))));
                }
            }
            // The record ends where the reader now is; its first line is the number of
            // line breaks before that end, less those inside its own cells, plus one.
            let end = self.reader.position().byte();
            let inside: u64 = self.record.iter().map(|c| c.bytes().filter(|b| *b == b'\n').count() as u64).sum();
            let line = self.line_of(end).saturating_sub(inside);
            // A blank line (a trailing CRLF) is not a row.
            if self.record.len() == 1 && self.record.get(0).is_some_and(|c| c.trim().is_empty()) {
                continue;
            }
            if self.record.len() < T::COLUMNS.len() {
                let missing = T::COLUMNS[self.record.len()];
                return Some(Err(decode_error(format!(
                    "{} line {line}: {} columns, {} has {} (column {} {missing} is missing)",
                    self.file,
                    self.record.len(),
                    T::KIND,
                    T::COLUMNS.len(),
                    self.record.len() + 1
                ))));
            }
            let cols = ColsRef(Cols { rec: &self.record, file: &self.file, line, names: T::COLUMNS });
            return Some(T::from_cols(&cols));
        }
    }
}

/// Which index file a zip member is, by its documented name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// `*_call_*.csv`.
    Calls,
    /// `*_record_*.csv`.
    Recordings,
    /// `*_agentOprInfo_*.csv`.
    AgentOperations,
    /// `*_agentSkillInfo*.csv`.
    SkillChanges,
}

impl Member {
    /// The kind of a member named `name`, if it is one of the index files.
    pub fn of(name: &str) -> Option<Member> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if !base.to_ascii_lowercase().ends_with(".csv") {
            return None;
        }
        if base.contains("_call_") {
            Some(Member::Calls)
        } else if base.contains("_record_") {
            Some(Member::Recordings)
        } else if base.contains("_agentOprInfo") {
            Some(Member::AgentOperations)
        } else if base.contains("_agentSkillInfo") {
            Some(Member::SkillChanges)
        } else {
            None
        }
    }
}

/// Checks a zip completely: it opens and every member reads back with a matching CRC.
pub fn verify_zip(path: &Path) -> Result<usize, Error> {
    let f = std::fs::File::open(path)
        .map_err(|e| Error::from(cec_core::Error::io(format!("opening {}", path.display()), e)))?;
    let bad = |e: &dyn std::fmt::Display| decode_error(format!("{} is not a valid zip: {e}", path.display()));
    let mut z = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| bad(&e))?;
    for i in 0..z.len() {
        let mut m = z.by_index(i).map_err(|e| bad(&e))?;
        std::io::copy(&mut m, &mut std::io::sink()).map_err(|e| bad(&e))?;
    }
    Ok(z.len())
}

/// Reads every member of kind `want` of the zip at `path` into rows of `T`.
pub fn read_zip<T: CdrRow>(path: &Path, want: Member) -> Result<Vec<T>, Error> {
    let f = std::fs::File::open(path)
        .map_err(|e| Error::from(cec_core::Error::io(format!("opening {}", path.display()), e)))?;
    let bad = |e: &dyn std::fmt::Display| decode_error(format!("{} is not a valid zip: {e}", path.display()));
    let mut z = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| bad(&e))?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let m = z.by_index(i).map_err(|e| bad(&e))?;
        let name = m.name().map(|n| n.to_string()).unwrap_or_default();
        if Member::of(&name) != Some(want) {
            continue;
        }
        let label = format!("{}!{name}", path.display());
        for row in rows::<T, _>(m, label) {
            out.push(row?);
        }
    }
    Ok(out)
}

/// Extracts the index files of the zip at `path` into `dir` (each written to a
/// temporary name and renamed); returns the paths written. Member names are
/// reduced to a safe file name; one that cannot be made safe is an error.
pub fn extract_zip(path: &Path, dir: &Path) -> Result<Vec<std::path::PathBuf>, Error> {
    let io = |what: String, e: std::io::Error| Error::from(cec_core::Error::io(what, e));
    let f = std::fs::File::open(path).map_err(|e| io(format!("opening {}", path.display()), e))?;
    let bad = |e: &dyn std::fmt::Display| decode_error(format!("{} is not a valid zip: {e}", path.display()));
    let mut z = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| bad(&e))?;
    std::fs::create_dir_all(dir).map_err(|e| io(format!("creating {}", dir.display()), e))?;
    let mut written = Vec::new();
    for i in 0..z.len() {
        let mut m = z.by_index(i).map_err(|e| bad(&e))?;
        let raw = m.name().map(|n| n.to_string()).unwrap_or_default();
        if m.is_dir() {
            continue;
        }
        let name = file_name_of_path(&raw).map_err(|e| decode_error(format!("{}: member {e}", path.display())))?;
        let target = dir.join(&name);
        let tmp = dir.join(format!(".{name}{}", cec_core::download::PARTIAL_SUFFIX));
        let result = (|| {
            let mut out = std::fs::File::create(&tmp)?;
            std::io::copy(&mut m, &mut out)?;
            out.sync_all()?;
            std::fs::rename(&tmp, &target)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(format!("extracting {raw} of {}", path.display()), e));
        }
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = "app,tenant,1,1001,1700-1,\"138,0001\",10086,2025-12-01 08:00:00,2025-12-01 08:00:05,2025-12-01 08:00:05,2025-12-01 08:00:07,2025-12-01 08:00:07,2025-12-01 08:03:07,2,1001,0,0,-1,1,1,1\r\n";

    #[test]
    fn call_rows_are_typed_and_quoted_cells_kept() {
        let rows: Vec<CallRow> = rows::<CallRow, _>(ROW.as_bytes(), "x_call_1.csv").collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.caller_no, "138,0001", "a quoted comma stays in its cell");
        assert_eq!(r.device_type, Some(2));
        assert_eq!(r.call_end.as_ref().map(|t| t.secs - r.call_begin.as_ref().map(|b| b.secs).unwrap_or(0)), Some(180));
        assert!(r.extra.is_empty());
    }

    #[test]
    fn extra_trailing_columns_are_kept_and_blank_lines_skipped() {
        let text = format!("{}\r\n\r\n{},new1,new2\r\n", ROW.trim_end(), ROW.trim_end());
        let rows: Vec<CallRow> = rows::<CallRow, _>(text.as_bytes(), "f").collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].extra, vec!["new1", "new2"]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let text = format!("{ROW}\r\n{}", ROW.replace(",2,1001,", ",queue,1001,"));
        let e = rows::<CallRow, _>(text.as_bytes(), "a_call_1.csv").nth(1).unwrap().unwrap_err();
        let m = e.to_string();
        assert!(m.contains("a_call_1.csv line 3 column 14 (device_type)") && m.contains("\"queue\""), "{m}");
        let lf = format!("{}\n\n{}", ROW.trim_end(), ROW.replace(",2,1001,", ",queue,1001,").replace("\r\n", "\n"));
        let e = rows::<CallRow, _>(lf.as_bytes(), "lf.csv").nth(1).unwrap().unwrap_err().to_string();
        assert!(e.contains("lf.csv line 3 "), "{e}");
        let quoted = format!(
            "{}\n{}",
            ROW.replace("\"138,0001\"", "\"138\n0001\"").trim_end(),
            ROW.replace(",2,1001,", ",x,1001,")
        );
        let e = rows::<CallRow, _>(quoted.as_bytes(), "q.csv").nth(1).unwrap().unwrap_err().to_string();
        assert!(e.contains("q.csv line 3 "), "a quoted line break moves the next row down: {e}");
        let short = "a,b,c\r\n";
        let e = rows::<CallRow, _>(short.as_bytes(), "s.csv").next().unwrap().unwrap_err().to_string();
        assert!(e.contains("s.csv line 1") && e.contains("column 4 agent_id is missing"), "{e}");
        let bad_time = ROW.replace("2025-12-01 08:00:00", "yesterday");
        let e = rows::<CallRow, _>(bad_time.as_bytes(), "t.csv").next().unwrap().unwrap_err().to_string();
        assert!(e.contains("column 8 (wait_begin)"), "{e}");
    }

    #[test]
    fn skill_lists_split() {
        let row =
            "1,dev,acc,1,1,1001,2025-12-01 08:00:00,100,1,1;2; 3,sn,1,2025-12-01 08:00:01,0,2025-12-01 00:00:01,12\n";
        let r: SkillChangeRow = rows::<SkillChangeRow, _>(row.as_bytes(), "s").next().unwrap().unwrap();
        assert_eq!(r.skill_list, vec!["1", "2", "3"]);
        assert_eq!(r.agent_id, Some(1001));
    }

    #[test]
    fn members_by_name() {
        assert_eq!(Member::of("20251201080000123456_call_1.csv"), Some(Member::Calls));
        assert_eq!(Member::of("x_record_2.csv"), Some(Member::Recordings));
        assert_eq!(Member::of("x_agentOprInfo_1.csv"), Some(Member::AgentOperations));
        assert_eq!(Member::of("x_agentSkillInfo.csv"), Some(Member::SkillChanges));
        assert_eq!(Member::of("x_call_1.txt"), None);
    }
}
