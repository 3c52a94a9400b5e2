//! Recordings and bill zips as downloads that never lose data (`cec_core::download`):
//! temporary file beside the target, length check, zip check for bill zips, fsync,
//! rename; resumed with `Range` when the body breaks.

use std::path::{Path, PathBuf};

use cec_core::download::{Download, Downloaded, file_name_of_path, safe_file_name};
use cec_core::{Call, ErrorKind, OperationMeta};

use crate::generated::{
    CCFS_DOWNLOAD_BILL_FILE, CCFS_DOWNLOAD_RECORD, CCFS_DOWNLOAD_RECORD_FILE, CCFS_IVR_DOWNLOAD_FILE,
    CcfsDownloadBillFileBodyMsgBody, CcfsDownloadBillFileBodyRequest, CcfsDownloadRecordBodyMsgBody,
    CcfsDownloadRecordBodyRequest, CcfsDownloadRecordFileBodyMsgBody, CcfsDownloadRecordFileBodyRequest,
    CcfsIvrDownloadFileBodyMsgBody, CcfsIvrDownloadFileBodyRequest, CcfsIvrGetFileHashBodyMsgBody,
    CcfsIvrGetFileHashBodyRequest,
};
use crate::{Client, Error};

/// The protocol version every wrapped CC-FS body carries.
pub const VERSION: &str = "2.0";

/// A file of CC-FS to fetch: see [`Client::recording`], [`Client::recording_file`],
/// [`Client::bill_file`].
#[must_use = "a download does nothing until you call to_dir, to_file, to_writer or bytes"]
pub struct FileDownload<'a> {
    client: &'a Client,
    op: &'static OperationMeta,
    call: Result<Call, Error>,
    /// The local file name (from the call id or the server's file name, made safe).
    name: Result<String, Error>,
    zip: bool,
    resume: bool,
    progress: Option<cec_core::download::ProgressFn<'a>>,
    /// The server path `ccfs.ivr.getFileHash` knows the file by ([`Client::ivr_file`] only).
    hash_path: Option<String>,
    /// Check the file against `getFileHash` ([`FileDownload::verify_file_hash`]).
    check_hash: bool,
    /// `fsync` before the rename ([`FileDownload::fsync`]).
    fsync: bool,
    /// Compute the SHA-256 ([`FileDownload::sha256`]).
    sha256: bool,
}

impl std::fmt::Debug for FileDownload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDownload").field("operation", &self.op.id).field("name", &self.name.as_ref().ok()).finish()
    }
}

fn unsafe_name(e: cec_core::download::UnsafeFileName) -> Error {
    Error::from(cec_core::Error::new(ErrorKind::Decode, e.to_string()))
}

impl Client {
    /// The recording(s) of a call (`downloadRecord` by `callId`): a `.wav`, or a
    /// `.zip` when the call has several recordings. Saved as `<call id>.wav|.zip`.
    pub fn recording(&self, call_id: &str) -> FileDownload<'_> {
        let call = self
            .ccfs_download_record()
            .request(CcfsDownloadRecordBodyRequest { version: Some(VERSION.into()) })
            .msg_body(CcfsDownloadRecordBodyMsgBody { call_id: Some(call_id.to_owned()), ..Default::default() })
            .into_call()
            .map_err(Error::from);
        let name = safe_file_name(&format!("{call_id}.wav")).map_err(unsafe_name);
        FileDownload::new(self, &CCFS_DOWNLOAD_RECORD, call, name, false)
    }

    /// One recording by its relative path from the recording index (`file_name`,
    /// `downloadRecordFile`). Saved under the path's last component, made safe.
    pub fn recording_file(&self, file_name: &str) -> FileDownload<'_> {
        let call = self
            .ccfs_download_record_file()
            .request(CcfsDownloadRecordFileBodyRequest { version: Some(VERSION.into()) })
            .msg_body(CcfsDownloadRecordFileBodyMsgBody { file_name: Some(file_name.to_owned()) })
            .into_call()
            .map_err(Error::from);
        let name = file_name_of_path(file_name).map_err(unsafe_name);
        FileDownload::new(self, &CCFS_DOWNLOAD_RECORD_FILE, call, name, false)
    }

    /// A bill zip named by the CDR-ready notice (`downloadBillFile`). The name
    /// comes from the server and is never used as a path: one with a separator,
    /// `..`, or that cannot be made safe is refused before anything is sent. The
    /// zip is checked (every member's CRC) before it gets its final name.
    pub fn bill_file(&self, bill_file_name: &str) -> FileDownload<'_> {
        let name = safe_file_name(bill_file_name).map_err(unsafe_name);
        let call = match &name {
            Ok(_) => self
                .ccfs_download_bill_file()
                .request(CcfsDownloadBillFileBodyRequest { version: Some(VERSION.into()) })
                .msg_body(CcfsDownloadBillFileBodyMsgBody { bill_file_name: Some(bill_file_name.to_owned()) })
                .into_call()
                .map_err(Error::from),
            Err(e) => Err(Error::from(cec_core::Error::new(e.kind(), e.message().to_owned()))),
        };
        FileDownload::new(self, &CCFS_DOWNLOAD_BILL_FILE, call, name, true)
    }

    /// A file of the third-party IVR storage by its full server path
    /// (`ccfs.ivr.downloadFile`, e.g. `/3rdfile/1/thirdvoicebotfile/welcome.wav`).
    /// Saved under the path's last component, made safe. With
    /// [`verify_file_hash`](FileDownload::verify_file_hash) it is checked against
    /// `ccfs.ivr.getFileHash` before it gets its final name.
    pub fn ivr_file(&self, file_path: &str) -> FileDownload<'_> {
        let call = self
            .ccfs_ivr_download_file()
            .request(CcfsIvrDownloadFileBodyRequest { version: Some(VERSION.into()) })
            .msg_body(CcfsIvrDownloadFileBodyMsgBody { file_path: Some(file_path.to_owned()), mode: None })
            .into_call()
            .map_err(Error::from);
        let name = file_name_of_path(file_path).map_err(unsafe_name);
        let mut dl = FileDownload::new(self, &CCFS_IVR_DOWNLOAD_FILE, call, name, false);
        dl.hash_path = Some(file_path.to_owned());
        dl
    }

    /// The SHA-256 CC-FS gives for an uploaded IVR file (`ccfs.ivr.getFileHash`),
    /// as 32 bytes.
    ///
    /// The reference does not document the answer's fields nor the algorithm (its
    /// response table is not readable in any copy): the digest is taken from
    /// `resultData`, either a string or the first string field of it whose name
    /// contains `hash`, `sha` or `digest`, and must be 64 hex digits (SHA-256).
    /// Anything else is an error naming the file: the file cannot be verified.
    pub async fn ivr_file_hash(&self, file_path: &str) -> Result<[u8; 32], Error> {
        let answer = self
            .ccfs_ivr_get_file_hash()
            .request(CcfsIvrGetFileHashBodyRequest { version: Some(VERSION.into()) })
            .msg_body(CcfsIvrGetFileHashBodyMsgBody { file_name: Some(file_path.to_owned()), ..Default::default() })
            .send()
            .await?;
        digest_of_answer(&answer).map_err(|why| {
            Error::from(cec_core::Error::new(
                ErrorKind::Decode,
                format!("getFileHash of {file_path}: {why}; the file cannot be verified"),
            ))
        })
    }
}

/// The SHA-256 in a `getFileHash` answer (see [`Client::ivr_file_hash`]).
fn digest_of_answer(answer: &serde_json::Value) -> Result<[u8; 32], String> {
    let data = answer.get("resultData").ok_or("the answer has no resultData")?;
    let text = match data {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Object(m) => m
            .iter()
            .find_map(|(k, v)| {
                let k = k.to_ascii_lowercase();
                (k.contains("hash") || k.contains("sha") || k.contains("digest")).then_some(v.as_str()).flatten()
            })
            .ok_or("resultData holds no hash field")?,
        _ => return Err("resultData is neither a string nor an object".into()),
    };
    let text = text.trim();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("the hash {text:?} is not a SHA-256 in hex"));
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The SHA-256 of the file at `path`, read in 256 KiB pieces.
fn sha256_of_file(path: &Path) -> std::io::Result<[u8; 32]> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

impl<'a> FileDownload<'a> {
    fn new(
        client: &'a Client,
        op: &'static OperationMeta,
        call: Result<Call, Error>,
        name: Result<String, Error>,
        zip: bool,
    ) -> Self {
        FileDownload {
            client,
            op,
            call,
            name,
            zip,
            resume: false,
            progress: None,
            hash_path: None,
            check_hash: false,
            fsync: true,
            sha256: false,
        }
    }

    /// [`Client::ivr_file`] only: before the download, ask `ccfs.ivr.getFileHash`
    /// for the file's hash; the complete temporary file must match it before it
    /// is renamed (a mismatch is an error naming the file, and nothing is left
    /// under the final name). [`to_writer`](Self::to_writer) and
    /// [`bytes`](Self::bytes) check it before returning. On another kind of file,
    /// an error before anything is downloaded.
    pub fn verify_file_hash(mut self, yes: bool) -> Self {
        self.check_hash = yes;
        self
    }

    /// The local file name [`to_dir`](Self::to_dir) uses.
    pub fn file_name(&self) -> Result<&str, &Error> {
        self.name.as_deref()
    }

    /// Calls `f(done, total)` as bytes arrive.
    pub fn on_progress(mut self, f: impl FnMut(u64, Option<u64>) + Send + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Progress as a stream for UIs: each item is `(done, total)`; the stream ends
    /// when the download is over (it replaces an `on_progress` callback).
    pub fn progress_stream(mut self) -> (Self, impl futures_util::Stream<Item = (u64, Option<u64>)> + Send + 'static) {
        let (tx, rx) = tokio::sync::watch::channel((0u64, None::<u64>));
        self.progress = Some(Box::new(move |d, t| {
            let _ = tx.send((d, t));
        }));
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.changed().await.ok()?;
            let v = *rx.borrow_and_update();
            Some((v, rx))
        });
        (self, stream)
    }

    /// `fsync` the file before the rename (default on; see `cec_core::download`):
    /// off only for a target on tmpfs or a job that syncs the file system itself.
    pub fn fsync(mut self, yes: bool) -> Self {
        self.fsync = yes;
        self
    }

    /// Compute the file's SHA-256 while it downloads (`Downloaded::sha256`; off by
    /// default, see `cec_core::download`).
    pub fn sha256(mut self, yes: bool) -> Self {
        self.sha256 = yes;
        self
    }

    /// Continue a temporary file left by a killed run (see `cec_core::download`).
    pub fn resume_partial(mut self, yes: bool) -> Self {
        self.resume = yes;
        self
    }

    async fn download(self) -> Result<(Download<'a>, bool), Error> {
        let call = self.call?;
        let expected = match (self.check_hash, &self.hash_path) {
            (false, _) => None,
            (true, Some(p)) => Some((p.clone(), self.client.ivr_file_hash(p).await?)),
            (true, None) => {
                return Err(Error::from(cec_core::Error::usage(format!(
                    "verify_file_hash: {} files have no getFileHash (IVR files only)",
                    self.op.id
                ))));
            }
        };
        let mut dl = self
            .client
            .core()
            .download(self.op, call)
            .resume_partial(self.resume)
            .fsync(self.fsync)
            .sha256(self.sha256);
        if let Some(p) = self.progress {
            dl = dl.on_progress(p);
        }
        if self.zip {
            dl = dl.verify(|p| crate::cdr::verify_zip(p).map(|_| ()).map_err(Error::into_inner));
        }
        if let Some((server_path, want)) = expected {
            // Read back from the disk, not from the streaming hasher: what is checked is what was written.
            dl = dl.verify(move |p| {
                let got = sha256_of_file(p).map_err(|e| cec_core::Error::io(format!("reading {}", p.display()), e))?;
                if got == want {
                    return Ok(());
                }
                Err(cec_core::Error::new(
                    ErrorKind::Decode,
                    format!(
                        "{server_path}: the downloaded file's SHA-256 ({}) differs from getFileHash's ({})",
                        hex(&got),
                        hex(&want)
                    ),
                ))
            });
        }
        Ok((dl, self.zip))
    }

    /// For sinks without a temporary file: the getFileHash digest becomes the
    /// download's expected SHA-256 (checked before returning).
    async fn with_expected_sha256(self) -> Result<(Download<'a>, bool), Error> {
        let want = match (self.check_hash, &self.hash_path) {
            (true, Some(p)) => Some((p.clone(), self.client.ivr_file_hash(p).await?)),
            _ => None,
        };
        let check = self.check_hash;
        let (dl, zip) = FileDownload { check_hash: check && want.is_none(), ..self }.download().await?;
        Ok((if let Some((_, w)) = want { dl.expect_sha256(hex(&w)) } else { dl }, zip))
    }

    /// Saves into the existing directory `dir` under [`file_name`](Self::file_name);
    /// returns the final path. A recording by call id that comes back as a zip is
    /// named `.zip`.
    pub async fn to_dir(self, dir: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let name =
            self.name.as_ref().map_err(|e| Error::from(cec_core::Error::new(e.kind(), e.message().to_owned())))?;
        let path = dir.as_ref().join(name);
        let done = self.to_file(&path).await?;
        let zip = done.content_type().is_some_and(|c| c.to_ascii_lowercase().contains("zip"));
        if zip && path.extension().is_some_and(|e| e != "zip") {
            let to = path.with_extension("zip");
            tokio::fs::rename(&path, &to).await.map_err(|e| {
                Error::from(cec_core::Error::io(format!("renaming {} to {}", path.display(), to.display()), e))
            })?;
            return Ok(to);
        }
        Ok(path)
    }

    /// Saves to `path` (its directory must exist); returns size, hash, resumes.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<Downloaded, Error> {
        let (dl, _) = self.download().await?;
        Ok(dl.to_path(path).await?)
    }

    /// Streams into `w` (no zip check: the bytes are gone before the end).
    pub async fn to_writer<W: tokio::io::AsyncWrite + Unpin + Send>(self, w: &mut W) -> Result<Downloaded, Error> {
        let (dl, _) = self.with_expected_sha256().await?;
        Ok(dl.to_writer(w).await?)
    }

    /// The whole file in memory, refused past `limit` bytes.
    pub async fn bytes(self, limit: usize) -> Result<Vec<u8>, Error> {
        let (dl, zip) = self.with_expected_sha256().await?;
        let (bytes, _) = dl.bytes(limit).await?;
        if zip {
            zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).map_err(|e| {
                Error::from(cec_core::Error::new(ErrorKind::Decode, format!("the bill file is not a valid zip: {e}")))
            })?;
        }
        Ok(bytes.to_vec())
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_file_hash_answers_are_read_as_sha256_hex() {
        let hex64 = "00ff".repeat(16);
        let mut want = [0u8; 32];
        for (i, b) in want.iter_mut().enumerate() {
            *b = if i % 2 == 0 { 0x00 } else { 0xff };
        }
        for answer in [
            serde_json::json!({"resultCode": "0", "resultData": hex64}),
            serde_json::json!({"resultCode": "0", "resultData": {"fileName": "/a", "hashValue": hex64.to_uppercase()}}),
            serde_json::json!({"resultData": {"sha256": format!(" {hex64} ")}}),
        ] {
            assert_eq!(digest_of_answer(&answer), Ok(want), "{answer}");
        }
        for bad in [
            serde_json::json!({"resultCode": "0"}),
            serde_json::json!({"resultData": ""}),
            serde_json::json!({"resultData": {"fileName": "/a"}}),
            serde_json::json!({"resultData": "d41d8cd98f00b204e9800998ecf8427e"}),
            serde_json::json!({"resultData": "zz".repeat(32)}),
            serde_json::json!({"resultData": 5}),
        ] {
            assert!(digest_of_answer(&bad).is_err(), "{bad}");
        }
    }
}
