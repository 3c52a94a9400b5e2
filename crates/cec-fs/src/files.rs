//! Recordings and bill zips as downloads that never lose data (`cec_core::download`):
//! temporary file beside the target, length check, zip check for bill zips, fsync,
//! rename; resumed with `Range` when the body breaks.

use std::path::{Path, PathBuf};

use cec_core::download::{Download, Downloaded, file_name_of_path, safe_file_name};
use cec_core::{Call, ErrorKind, OperationMeta};

use crate::generated::{
    CCFS_DOWNLOAD_BILL_FILE, CCFS_DOWNLOAD_RECORD, CCFS_DOWNLOAD_RECORD_FILE, CcfsDownloadBillFileBodyMsgBody,
    CcfsDownloadBillFileBodyRequest, CcfsDownloadRecordBodyMsgBody, CcfsDownloadRecordBodyRequest,
    CcfsDownloadRecordFileBodyMsgBody, CcfsDownloadRecordFileBodyRequest,
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
}

impl<'a> FileDownload<'a> {
    fn new(
        client: &'a Client,
        op: &'static OperationMeta,
        call: Result<Call, Error>,
        name: Result<String, Error>,
        zip: bool,
    ) -> Self {
        FileDownload { client, op, call, name, zip, resume: false, progress: None }
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

    /// Continue a temporary file left by a killed run (see `cec_core::download`).
    pub fn resume_partial(mut self, yes: bool) -> Self {
        self.resume = yes;
        self
    }

    fn download(self) -> Result<(Download<'a>, bool), Error> {
        let call = self.call?;
        let mut dl = self.client.core().download(self.op, call).resume_partial(self.resume);
        if let Some(p) = self.progress {
            dl = dl.on_progress(p);
        }
        if self.zip {
            dl = dl.verify(|p| crate::cdr::verify_zip(p).map(|_| ()).map_err(Error::into_inner));
        }
        Ok((dl, self.zip))
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
        let (dl, _) = self.download()?;
        Ok(dl.to_path(path).await?)
    }

    /// Streams into `w` (no zip check: the bytes are gone before the end).
    pub async fn to_writer<W: tokio::io::AsyncWrite + Unpin + Send>(self, w: &mut W) -> Result<Downloaded, Error> {
        let (dl, _) = self.download()?;
        Ok(dl.to_writer(w).await?)
    }

    /// The whole file in memory, refused past `limit` bytes.
    pub async fn bytes(self, limit: usize) -> Result<Vec<u8>, Error> {
        let (dl, zip) = self.download()?;
        let (bytes, _) = dl.bytes(limit).await?;
        if zip {
            zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).map_err(|e| {
                Error::from(cec_core::Error::new(ErrorKind::Decode, format!("the bill file is not a valid zip: {e}")))
            })?;
        }
        Ok(bytes.to_vec())
    }
}
