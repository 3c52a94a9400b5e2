//! `client.bills(from, to)`: the CDR half of the reference's "CDR download and
//! recording backhaul" job. For each window of at most 3 days: `queryBillData` with
//! the time range and a `callBackURL`, the CDR-ready notice (checked by a
//! [`NoticeInbox`]), `downloadBillFile` into the directory (temporary file, zip
//! check, rename), and typed records from the zip.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cec_core::ErrorKind;

use crate::cdr::{CallRow, Member, RecordingRow, read_zip};
use crate::files::VERSION;
use crate::generated::{CcfsQueryBillDataBodyMsgBody, CcfsQueryBillDataBodyRequest};
use crate::notice::NoticeInbox;
use crate::time::format_cdr;
use crate::{Client, Error};

/// The longest range one `queryBillData` may cover (the reference's default limit).
pub const MAX_WINDOW_SECS: i64 = 3 * 86_400;

/// How long to wait for a CDR-ready notice by default.
pub const DEFAULT_NOTICE_WAIT: Duration = Duration::from_secs(15 * 60);

/// One query window `[from, to)` in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    /// First second.
    pub from: i64,
    /// One past the last second.
    pub to: i64,
}

/// Splits `[from, to)` into windows of at most [`MAX_WINDOW_SECS`].
pub fn windows(from: i64, to: i64) -> Vec<Window> {
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let end = (at + MAX_WINDOW_SECS).min(to);
        out.push(Window { from: at, to: end });
        at = end;
    }
    out
}

/// A bill zip fetched and checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BillFile {
    /// The window it covers.
    pub window: Window,
    /// `responseId` of the query.
    pub response_id: String,
    /// The server's file name (checked safe).
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
    /// Size.
    pub bytes: u64,
    /// SHA-256 (hex).
    pub sha256: String,
}

impl BillFile {
    /// The CDR rows of its `*_call_*.csv` members.
    pub fn calls(&self) -> Result<Vec<CallRow>, Error> {
        read_zip(&self.path, Member::Calls)
    }
    /// The rows of its recording index.
    pub fn recordings(&self) -> Result<Vec<RecordingRow>, Error> {
        read_zip(&self.path, Member::Recordings)
    }
}

/// A bills job: see [`Client::bills`].
#[must_use = "nothing is asked until you call to_dir"]
#[derive(Debug)]
pub struct Bills<'a> {
    client: &'a Client,
    from: i64,
    to: i64,
    inbox: Option<(Arc<NoticeInbox>, String)>,
    wait: Duration,
    offset_minutes: i32,
    agent_id: Option<String>,
    call_id: Option<String>,
    data_type: Option<String>,
}

impl Client {
    /// The bill zips (CDRs and recording index) of `[from, to)`, unix seconds.
    /// Give where the notices arrive with [`Bills::notices`].
    pub fn bills(&self, from: i64, to: i64) -> Bills<'_> {
        Bills {
            client: self,
            from,
            to,
            inbox: None,
            wait: DEFAULT_NOTICE_WAIT,
            offset_minutes: 0,
            agent_id: None,
            call_id: None,
            data_type: None,
        }
    }
}

impl<'a> Bills<'a> {
    /// Where CC-FS is told to send the notices (`callback_url`) and the inbox that
    /// receives them (the built-in receiver's, or one your server feeds).
    pub fn notices(mut self, inbox: Arc<NoticeInbox>, callback_url: impl Into<String>) -> Self {
        self.inbox = Some((inbox, callback_url.into()));
        self
    }
    /// How long to wait for each notice (default 15 minutes; CC-FS repeats a notice
    /// every 10 minutes until it is answered).
    pub fn wait(mut self, d: Duration) -> Self {
        self.wait = d;
        self
    }
    /// The tenant's zone as minutes east of UTC (the times CC-FS reads); default 0.
    pub fn tenant_offset_minutes(mut self, m: i32) -> Self {
        self.offset_minutes = m;
        self
    }
    /// Only this agent's calls.
    pub fn agent_id(mut self, id: impl Into<String>) -> Self {
        self.agent_id = Some(id.into());
        self
    }
    /// Only this call.
    pub fn call_id(mut self, id: impl Into<String>) -> Self {
        self.call_id = Some(id.into());
        self
    }
    /// `call`, `record` or `call_record` (default: the NE's).
    pub fn data_type(mut self, t: impl Into<String>) -> Self {
        self.data_type = Some(t.into());
        self
    }

    /// The query windows this job covers.
    pub fn windows(&self) -> Vec<Window> {
        windows(self.from, self.to)
    }

    /// Asks for one window and waits for its notice; returns `(responseId, file name)`.
    pub async fn request(&self, w: Window) -> Result<(String, String), Error> {
        let (inbox, url) = self.inbox.as_ref().ok_or_else(|| {
            Error::from(cec_core::Error::usage("bills: no notice inbox and callback URL given (Bills::notices)"))
        })?;
        let body = CcfsQueryBillDataBodyMsgBody {
            begin_time: Some(format_cdr(w.from, self.offset_minutes)),
            end_time: Some(format_cdr(w.to - 1, self.offset_minutes)),
            agent_id: self.agent_id.clone(),
            call_id: self.call_id.clone(),
            data_type: self.data_type.clone(),
            call_back_url: Some(url.clone()),
            ..Default::default()
        };
        let answer = self
            .client
            .ccfs_query_bill_data()
            .request(CcfsQueryBillDataBodyRequest { version: Some(VERSION.into()) })
            .msg_body(body)
            .send()
            .await?;
        let response_id =
            answer.result_data.and_then(|d| d.response_id).filter(|r| !r.is_empty()).ok_or_else(|| {
                Error::from(cec_core::Error::new(ErrorKind::Decode, "queryBillData answered no resultData.responseId"))
            })?;
        let notice = inbox.wait(&response_id, self.wait).await.ok_or_else(|| {
            Error::from(cec_core::Error::new(
                ErrorKind::Timeout,
                format!(
                    "no CDR-ready notice for responseId {response_id} within {:?} (CC-FS was told to call {url})",
                    self.wait
                ),
            ))
        })?;
        Ok((response_id, notice.file_name))
    }

    /// Runs every window into `dir` (which must exist).
    pub async fn to_dir(self, dir: impl AsRef<Path>) -> Result<Vec<BillFile>, Error> {
        let dir = dir.as_ref();
        cec_core::download::check_dir(dir).await?;
        let mut out = Vec::new();
        for w in self.windows() {
            let (response_id, name) = self.request(w).await?;
            let dl = self.client.bill_file(&name);
            let safe =
                dl.file_name().map_err(|e| Error::from(cec_core::Error::new(e.kind(), e.message().to_owned())))?;
            let path = dir.join(safe);
            let done = dl.sha256(true).to_file(&path).await?;
            let sha256 = done.sha256.unwrap_or_default();
            out.push(BillFile { window: w, response_id, name, path, bytes: done.bytes, sha256 });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_in_three_day_steps() {
        assert_eq!(windows(0, 0), vec![]);
        assert_eq!(windows(0, 86_400), vec![Window { from: 0, to: 86_400 }]);
        let w = windows(0, 7 * 86_400);
        assert_eq!(w.len(), 3);
        assert_eq!(w[2], Window { from: 6 * 86_400, to: 7 * 86_400 });
        assert!(w.windows(2).all(|p| p[0].to == p[1].from));
    }
}
