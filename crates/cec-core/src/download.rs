//! Downloads that never lose data.
//!
//! [`Client::download`] sends a binary interface (a recording, a bill zip) and
//! writes its answer to a file ([`Download::to_path`]), to any writer
//! ([`Download::to_writer`]) or to memory ([`Download::bytes`]):
//!
//! - **To a file**: the bytes go to a temporary file in the target directory
//!   (`.<name>.cec-partial`); the length is checked against `Content-Length` (or
//!   the total of `Content-Range`); the file is flushed and `fsync`ed, then renamed
//!   to its final name (and the directory synced). On any failure — a broken
//!   body, a short or overlong answer, a write error (disk full), the future
//!   being dropped — the temporary file is removed and a file already under the
//!   final name is left untouched. Nothing partial is ever under a final name.
//! - **When the body breaks** (connection reset, a truncated answer, a stall past
//!   `Timeouts::read_idle`) on an interface whose spec says `safe`, the download
//!   is repeated within the client's retry policy and budget: with
//!   `Range: bytes=N-` for the bytes still missing. A server that answers `206`
//!   with a matching `Content-Range` continues the file; one that answers `200`
//!   restarts it from zero (the file is rewound). Every attempt that brings no
//!   new byte counts against `RetryPolicy::max_attempts`; each retry spends
//!   budget tokens like any other retry.
//! - **To a writer** that cannot be rewound (stdout), a restart from zero does
//!   not write the first bytes again: they are read, hashed and compared with
//!   what was already written, and the download fails if they differ.
//!
//! Memory stays constant whatever the size: a few chunks in flight plus a 256 KiB
//! write buffer. A download yields the SHA-256 of the whole file when asked
//! ([`Download::sha256`], and always with [`Download::expect_sha256`] and
//! [`Download::to_writer`]), computed on a blocking thread beside the transfer so
//! that hashing slows the download only when both cores are already busy.
//!
//! [`Download::fsync`]`(false)` skips the `fsync` before the rename (for a target on
//! tmpfs, or a job that syncs the file system itself once at the end); the rename
//! stays atomic, but after a power cut the final name may hold a short file.

use std::future::Future;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt, BufWriter};

use crate::client::{BinaryResponse, Call, Client};
use crate::error::{Error, ErrorKind, Result, Sent};
use crate::operation::{OperationMeta, RetryClass};
use crate::retry::backoff;

/// Size of the write buffer between the network and the file.
pub const WRITE_BUFFER: usize = 256 * 1024;

/// Suffix of the temporary file a download writes before the rename.
pub const PARTIAL_SUFFIX: &str = ".cec-partial";

/// A progress callback: `(bytes done, total when known)`.
pub type ProgressFn<'a> = Box<dyn FnMut(u64, Option<u64>) + Send + 'a>;

/// A check of the complete temporary file before it is renamed (zip integrity…);
/// runs on a blocking thread.
pub type VerifyFn = Box<dyn FnOnce(&Path) -> Result<()> + Send + 'static>;

/// A download in preparation: see the [module docs](self).
#[must_use = "a download does nothing until you call to_path, to_writer or bytes"]
pub struct Download<'a> {
    client: &'a Client,
    op: &'static OperationMeta,
    call: Call,
    progress: Option<ProgressFn<'a>>,
    resume_partial: bool,
    verify: Option<VerifyFn>,
    expect_sha256: Option<String>,
    fsync: bool,
    sha256: bool,
}

impl std::fmt::Debug for Download<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("operation", &self.op.id)
            .field("resume_partial", &self.resume_partial)
            .field("verify", &self.verify.is_some())
            .field("expect_sha256", &self.expect_sha256)
            .field("fsync", &self.fsync)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// A completed download.
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// The final path ([`Download::to_path`] only).
    pub path: Option<PathBuf>,
    /// Bytes of the file.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the whole file, when it was computed
    /// ([`Download::sha256`], [`Download::expect_sha256`], [`Download::to_writer`]).
    pub sha256: Option<String>,
    /// Headers of the last answer (`Content-Type`, `Content-Disposition`…).
    pub headers: HeaderMap,
    /// Times the download continued with `Range` after its body broke (`206`).
    pub resumed: u32,
    /// Times it started again from zero (the server ignored `Range`).
    pub restarted: u32,
    /// Bytes taken over from a partial file left by an earlier run ([`Download::resume_partial`]).
    pub reused: u64,
}

impl Downloaded {
    /// `Content-Type` of the answer.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE)?.to_str().ok()
    }
}

impl Client {
    /// A download of a binary interface (`response_kind: binary`); nothing is sent
    /// until [`Download::to_path`], [`Download::to_writer`] or [`Download::bytes`].
    pub fn download(&self, op: &'static OperationMeta, call: Call) -> Download<'_> {
        Download {
            client: self,
            op,
            call,
            progress: None,
            resume_partial: false,
            verify: None,
            expect_sha256: None,
            fsync: true,
            sha256: false,
        }
    }
}

impl<'a> Download<'a> {
    /// Calls `f(done, total)` as bytes arrive (and after each restart).
    pub fn on_progress(mut self, f: impl FnMut(u64, Option<u64>) + Send + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// [`to_path`](Self::to_path) only: continue a temporary file left by an
    /// earlier run that was killed (asked for with `Range`). Use it only for files
    /// that never change under the same name (recordings, bill zips); the length
    /// is checked at the end as always. Off by default: a leftover is discarded.
    pub fn resume_partial(mut self, yes: bool) -> Self {
        self.resume_partial = yes;
        self
    }

    /// [`to_path`](Self::to_path) only: `f` checks the complete temporary file
    /// before the rename (e.g. that a zip opens and every member's CRC matches); an
    /// error leaves nothing under the final name.
    pub fn verify(mut self, f: impl FnOnce(&Path) -> Result<()> + Send + 'static) -> Self {
        self.verify = Some(Box::new(f));
        self
    }

    /// Compute the file's SHA-256 while it downloads ([`Downloaded::sha256`]); off by
    /// default (the length is always checked), on by itself with
    /// [`expect_sha256`](Self::expect_sha256) and [`to_writer`](Self::to_writer).
    pub fn sha256(mut self, yes: bool) -> Self {
        self.sha256 = yes;
        self
    }

    /// The file's SHA-256 must be `hex` (lower or upper case); checked before the
    /// rename ([`to_path`](Self::to_path)) or before returning.
    pub fn expect_sha256(mut self, hex: impl Into<String>) -> Self {
        self.expect_sha256 = Some(hex.into().to_ascii_lowercase());
        self
    }

    /// [`to_path`](Self::to_path) only: `fsync` the complete file before the rename
    /// (default on). Off, the download saves the time the disk needs to write the
    /// file through, but after a power cut the final name may hold a short file: use
    /// it for targets on tmpfs, or when the job syncs the file system itself at the end.
    pub fn fsync(mut self, yes: bool) -> Self {
        self.fsync = yes;
        self
    }

    /// Writes the file to `path` (temporary file, length check, fsync, rename).
    /// A missing target directory is an error before anything is sent.
    pub async fn to_path(mut self, path: impl AsRef<Path>) -> Result<Downloaded> {
        let path = path.as_ref().to_path_buf();
        let op = self.op.id;
        let (dir, tmp) = temp_path_for(&path).map_err(|e| e.with_operation(op))?;
        check_dir(&dir).await.map_err(|e| e.with_operation(op))?;
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
            return Err(Error::new(ErrorKind::Io, format!("{} is a directory", path.display()))
                .with_sent(Sent::No)
                .with_operation(op));
        }
        let mut guard = TempGuard { path: tmp.clone(), armed: true };
        let (file, reused, hasher) = open_temp(&tmp, self.resume_partial).await.map_err(|e| e.with_operation(op))?;
        let mut sink = FileSink { file: BufWriter::with_capacity(WRITE_BUFFER, file), tmp: tmp.clone() };
        let verify = self.verify.take();
        let fsync = self.fsync;
        let mut done = self.drive(&mut sink, reused, hasher).await?;
        if fsync {
            sink.sync().await.map_err(|e| e.with_operation(op))?;
        }
        if let Some(f) = verify {
            let t = tmp.clone();
            tokio::task::spawn_blocking(move || f(&t))
                .await
                .map_err(|e| Error::new(ErrorKind::Io, format!("the check of {} stopped: {e}", tmp.display())))?
                .map_err(|e| e.with_operation(op))?;
        }
        sink.commit(&path, &dir).await.map_err(|e| e.with_operation(op))?;
        guard.armed = false;
        done.path = Some(path);
        done.reused = reused;
        Ok(done)
    }

    /// Streams the file into `w` (stdout, a socket, a hasher…) and flushes it.
    /// Nothing here can be rewound: see the module docs for a restart.
    pub async fn to_writer<W: AsyncWrite + Unpin + Send>(mut self, w: &mut W) -> Result<Downloaded> {
        let op = self.op.id;
        // A restart from zero is checked against the digest of what was written.
        self.sha256 = true;
        let mut sink = WriterSink { w };
        let done = self.drive(&mut sink, 0, Sha256::new()).await?;
        sink.w.flush().await.map_err(|e| Error::io("flushing the output", e).with_operation(op))?;
        Ok(done)
    }

    /// The whole file in memory, refused past `limit` bytes.
    pub async fn bytes(self, limit: usize) -> Result<(Bytes, Downloaded)> {
        let mut sink = MemSink { buf: Vec::new(), limit };
        let done = self.drive(&mut sink, 0, Sha256::new()).await?;
        Ok((Bytes::from(sink.buf), done))
    }

    /// The request/resume loop shared by every sink. `have` bytes are already in
    /// the sink (a reused partial file), `hasher` holds their digest.
    async fn drive<S: Sink>(mut self, sink: &mut S, have: u64, hasher: Sha256) -> Result<Downloaded> {
        let mut hasher =
            if self.sha256 || self.expect_sha256.is_some() { HashPipe::start(hasher) } else { HashPipe::off() };
        let op = self.op;
        let policy = self.client.config().retry;
        // `pos`: bytes of the file accounted for (hashed); `written`: bytes in the sink.
        let (mut pos, mut written) = (have, have);
        let mut total: Option<u64> = None;
        let (mut resumed, mut restarted, mut fails) = (0u32, 0u32, 0u32);
        // After a restart into a sink that cannot rewind: the digest of the
        // `written` bytes the new answer must reproduce before anything more is written.
        let mut verify: Option<(u64, sha2::digest::Output<Sha256>)> = None;
        let mut use_range = true;
        loop {
            let mut call = self.call.clone();
            if pos > 0 && use_range {
                call.headers.push(("Range".to_owned(), format!("bytes={pos}-")));
            }
            let resp = match self.client.call_binary(op, call).await {
                Ok(r) => r,
                // The server refuses the range (the leftover is longer than the file): start again.
                Err(e) if pos > 0 && e.status() == Some(416) => {
                    use_range = false;
                    fails += 1;
                    if fails >= policy.max_attempts.max(1) {
                        return Err(e);
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let BinaryResponse { status, headers, body } = resp;
            // Some NEs send their JSON failure envelope as an octet stream (CC-FS
            // playVoice documents it): a short answer that is such an envelope fails.
            let mut body = sniff_envelope(op, status, &headers, body).await?;
            let (start, this_total) = answer_range(op, status, &headers)?;
            if start != pos {
                if start != 0 {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!("asked for the bytes from {pos} on, the server sent them from {start} on"),
                    )
                    .with_operation(op.id)
                    .with_status(status.as_u16()));
                }
                // The server ignored Range: the file starts again.
                if sink.rewind().await.map_err(|e| e.with_operation(op.id))? {
                    written = 0;
                    verify = None;
                } else if verify.is_none() && written > 0 {
                    verify = Some((written, hasher.snapshot().await?));
                }
                hasher.reset().await?;
                pos = 0;
                restarted += 1;
            } else if pos > 0 {
                resumed += 1;
            }
            if let Some(t) = this_total {
                if let Some(prev) = total.filter(|p| *p != t) {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!("the file changed size during the download ({prev} bytes, then {t})"),
                    )
                    .with_operation(op.id));
                }
                total = Some(t);
            }
            if let Some(t) = total.filter(|t| pos > *t) {
                return Err(Error::new(ErrorKind::Decode, format!("{pos} bytes already held, the file has only {t}"))
                    .with_operation(op.id));
            }
            self.report(pos, total);
            let at_start = pos;
            let mut broke = None;
            while let Some(item) = body.next().await {
                let chunk = match item {
                    Ok(c) => c,
                    Err(e) => {
                        broke = Some(e);
                        break;
                    }
                };
                let mut data: Bytes = chunk;
                if let Some(t) = total.filter(|t| pos + data.len() as u64 > *t) {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!("the answer is longer than the {t} bytes announced"),
                    )
                    .with_operation(op.id)
                    .with_status(status.as_u16()));
                }
                if let Some((upto, digest)) = &verify {
                    let n = ((upto - pos) as usize).min(data.len());
                    hasher.update(data.slice(..n)).await?;
                    pos += n as u64;
                    data = data.slice(n..);
                    if pos == *upto {
                        if hasher.snapshot().await? != *digest {
                            return Err(Error::new(
                                ErrorKind::Decode,
                                format!(
                                    "the server restarted the file and its first {upto} bytes differ from those already written"
                                ),
                            )
                            .with_operation(op.id));
                        }
                        verify = None;
                    }
                }
                if !data.is_empty() {
                    let len = data.len() as u64;
                    sink.write(&data).await.map_err(|e| e.with_operation(op.id))?;
                    hasher.update(data).await?;
                    pos += len;
                    written += len;
                }
                self.report(pos, total);
            }
            let err = match broke {
                // Every announced byte arrived before the connection failed: complete.
                Some(_) if total == Some(pos) && verify.is_none() => {
                    sink.finish().await.map_err(|e| e.with_operation(op.id))?;
                    let digest = hasher.finish().await?;
                    return self.finish(pos, digest, headers, resumed, restarted);
                }
                Some(e) => e,
                None => match total {
                    Some(t) if pos < t => {
                        Error::new(ErrorKind::Transport, format!("the answer ended after {pos} of {t} bytes"))
                            .with_operation(op.id)
                            .with_sent(Sent::Yes)
                    }
                    None if verify.is_some() => {
                        return Err(Error::new(
                            ErrorKind::Decode,
                            "the restarted answer is shorter than the bytes already written",
                        )
                        .with_operation(op.id));
                    }
                    _ => {
                        sink.finish().await.map_err(|e| e.with_operation(op.id))?;
                        let digest = hasher.finish().await?;
                        return self.finish(pos, digest, headers, resumed, restarted);
                    }
                },
            };
            if pos > at_start {
                fails = 0;
            }
            fails += 1;
            let repeat = op.retry == RetryClass::Safe
                && err.is_retryable()
                && fails < policy.max_attempts
                && self.client.budget().try_acquire(&err);
            let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
            if !repeat {
                let why = if op.retry != RetryClass::Safe { "; the interface is not safe to repeat" } else { "" };
                return Err(Error::new(
                    err.kind(),
                    format!("{} (the download broke after {pos}{of} bytes, {fails} attempt(s){why})", err.message()),
                )
                .with_operation(op.id)
                .with_sent(err.sent())
                .with_source(err));
            }
            let wait = backoff(&policy, fails, None);
            tracing::debug!(operation = op.id, bytes = pos, error = %err, wait_ms = wait.as_millis() as u64, "download broke; repeating");
            tokio::time::sleep(wait).await;
        }
    }

    /// The result of a complete body (after the SHA-256 check).
    fn finish(
        &self,
        bytes: u64,
        digest: Option<Digest256>,
        headers: HeaderMap,
        resumed: u32,
        restarted: u32,
    ) -> Result<Downloaded> {
        let sha256 = digest.map(|d| hex(&d));
        if let (Some(want), Some(got)) = (&self.expect_sha256, &sha256)
            && want != got
        {
            let sha256 = got;
            return Err(Error::new(ErrorKind::Decode, format!("the file's SHA-256 is {sha256}, {want} was expected"))
                .with_operation(self.op.id));
        }
        Ok(Downloaded { path: None, bytes, sha256, headers, resumed, restarted, reused: 0 })
    }

    fn report(&mut self, done: u64, total: Option<u64>) {
        if let Some(f) = &mut self.progress {
            f(done, total);
        }
    }
}

/// A SHA-256 digest.
type Digest256 = sha2::digest::Output<Sha256>;

/// What the hashing thread is asked to do.
enum HashMsg {
    Data(Bytes),
    /// Start again from an empty digest (the server restarted the file).
    Reset,
    /// The digest of everything so far, the hash going on.
    Snapshot(tokio::sync::oneshot::Sender<Digest256>),
}

/// SHA-256 of a download computed on a blocking thread beside the transfer (or
/// nothing at all: [`HashPipe::off`]): the
/// chunks (`Bytes`, not copied) go through a bounded channel, so at most
/// [`HashPipe::DEPTH`] chunks wait and the transfer slows down to the hash's pace
/// rather than holding more memory.
struct HashPipe {
    tx: Option<tokio::sync::mpsc::Sender<HashMsg>>,
    done: Option<tokio::task::JoinHandle<Digest256>>,
    on: bool,
}

impl HashPipe {
    /// Chunks waiting for the hashing thread at most.
    const DEPTH: usize = 32;

    /// Continues `state` (the digest of bytes already held).
    fn start(state: Sha256) -> HashPipe {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<HashMsg>(Self::DEPTH);
        let done = tokio::task::spawn_blocking(move || {
            let mut h = state;
            while let Some(m) = rx.blocking_recv() {
                match m {
                    HashMsg::Data(b) => h.update(&b),
                    HashMsg::Reset => h = Sha256::new(),
                    HashMsg::Snapshot(reply) => {
                        let _ = reply.send(h.clone().finalize());
                    }
                }
            }
            h.finalize()
        });
        HashPipe { tx: Some(tx), done: Some(done), on: true }
    }

    /// No hash: updates do nothing, the digest is `None`.
    fn off() -> HashPipe {
        HashPipe { tx: None, done: None, on: false }
    }

    fn stopped() -> Error {
        Error::new(ErrorKind::Io, "the thread hashing the download stopped")
    }

    async fn send(&self, m: HashMsg) -> Result<()> {
        match &self.tx {
            Some(tx) => tx.send(m).await.map_err(|_| Self::stopped()),
            None => Err(Self::stopped()),
        }
    }

    async fn update(&self, b: Bytes) -> Result<()> {
        if b.is_empty() || !self.on {
            return Ok(());
        }
        self.send(HashMsg::Data(b)).await
    }

    async fn reset(&self) -> Result<()> {
        if !self.on {
            return Ok(());
        }
        self.send(HashMsg::Reset).await
    }

    async fn snapshot(&self) -> Result<Digest256> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(HashMsg::Snapshot(tx)).await?;
        rx.await.map_err(|_| Self::stopped())
    }

    /// The digest of everything sent (`None` when off).
    async fn finish(&mut self) -> Result<Option<Digest256>> {
        self.tx = None;
        match self.done.take() {
            Some(h) => h.await.map(Some).map_err(|_| Self::stopped()),
            None if !self.on => Ok(None),
            None => Err(Self::stopped()),
        }
    }
}

/// Largest answer examined as a possible JSON failure envelope.
const SNIFF_LIMIT: usize = 64 * 1024;

/// An answer whose first byte is `{` is read (up to 64 KiB) and decoded as the
/// interface's envelope: a failure code becomes the error; anything else (a
/// success code, not JSON, longer) is passed on as the file's bytes.
async fn sniff_envelope(
    op: &'static OperationMeta,
    status: StatusCode,
    headers: &HeaderMap,
    body: crate::transport::BodyStream,
) -> Result<crate::transport::BodyStream> {
    // Fused: the stream may be polled again after it ended (the chains below).
    let mut body: crate::transport::BodyStream = Box::pin(body.fuse());
    let first = match body.next().await {
        None => return Ok(body),
        Some(Err(e)) => return Ok(Box::pin(futures_util::stream::iter([Err(e)]).chain(body))),
        Some(Ok(c)) => c,
    };
    if first.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Ok(Box::pin(futures_util::stream::iter([Ok(first)]).chain(body)));
    }
    let mut buf = first.to_vec();
    let mut tail = None;
    while buf.len() <= SNIFF_LIMIT {
        match body.next().await {
            None => {
                crate::envelope::decode(op, status, headers, &buf)?;
                break;
            }
            Some(Ok(c)) => buf.extend_from_slice(&c),
            Some(Err(e)) => {
                tail = Some(e);
                break;
            }
        }
    }
    let head = futures_util::stream::iter([Ok(Bytes::from(buf))]);
    let tail = futures_util::stream::iter(tail.map(Err));
    Ok(Box::pin(head.chain(tail).chain(body)))
}

/// `(first byte of this answer, total size when known)`.
fn answer_range(op: &'static OperationMeta, status: StatusCode, headers: &HeaderMap) -> Result<(u64, Option<u64>)> {
    let length: Option<u64> =
        headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    if status != StatusCode::PARTIAL_CONTENT {
        return Ok((0, length));
    }
    let bad = || {
        Error::new(ErrorKind::Decode, "206 answer without a valid Content-Range").with_operation(op.id).with_status(206)
    };
    let value = headers.get(CONTENT_RANGE).and_then(|v| v.to_str().ok()).ok_or_else(bad)?;
    let (start, end, total) = parse_content_range(value).ok_or_else(bad)?;
    // `bytes N-M/*`: the size is unknown; this answer ends at M.
    Ok((start, total.or(Some(end + 1))))
}

/// `bytes START-END/TOTAL` (`TOTAL` may be `*`).
pub fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (start, end): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    if end < start {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse::<u64>().ok().filter(|t| *t > end)?),
    };
    Some((start, end, total))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `(directory, temporary path)` for a final path.
fn temp_path_for(path: &Path) -> Result<(PathBuf, PathBuf)> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(ErrorKind::Io, format!("{} names no file", path.display())).with_sent(Sent::No))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = std::ffi::OsString::from(".");
    tmp.push(name);
    tmp.push(PARTIAL_SUFFIX);
    Ok((dir.clone(), dir.join(tmp)))
}

/// The temporary file a download of `path` writes (for tools that look for leftovers).
pub fn partial_path(path: &Path) -> Option<PathBuf> {
    temp_path_for(path).ok().map(|(_, t)| t)
}

/// Fails, before anything is sent, when `dir` is not an existing directory.
pub async fn check_dir(dir: &Path) -> Result<()> {
    match tokio::fs::metadata(dir).await {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => {
            Err(Error::new(ErrorKind::Io, format!("target {} is not a directory", dir.display())).with_sent(Sent::No))
        }
        Err(e) => Err(Error::io(format!("target directory {} does not exist", dir.display()), e).with_sent(Sent::No)),
    }
}

async fn open_temp(tmp: &Path, resume: bool) -> Result<(tokio::fs::File, u64, Sha256)> {
    let ctx = |what: &str| format!("{what} {}", tmp.display());
    if resume && let Ok(mut f) = tokio::fs::OpenOptions::new().read(true).write(true).open(tmp).await {
        // Hash what an earlier run left, then append.
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; WRITE_BUFFER];
        let mut n = 0u64;
        loop {
            let got = f.read(&mut buf).await.map_err(|e| Error::io(ctx("reading"), e))?;
            if got == 0 {
                break;
            }
            hasher.update(&buf[..got]);
            n += got as u64;
        }
        f.seek(std::io::SeekFrom::Start(n)).await.map_err(|e| Error::io(ctx("seeking in"), e))?;
        return Ok((f, n, hasher));
    }
    let f = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp)
        .await
        .map_err(|e| Error::io(ctx("creating"), e))?;
    Ok((f, 0, Sha256::new()))
}

/// Removes the temporary file unless the download completed (also when the
/// download's future is dropped midway).
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Where the bytes go.
trait Sink: Send {
    fn write(&mut self, b: &[u8]) -> impl Future<Output = Result<()>> + Send;
    /// Drops what was written; false when that is impossible.
    fn rewind(&mut self) -> impl Future<Output = Result<bool>> + Send;
    fn finish(&mut self) -> impl Future<Output = Result<()>> + Send;
}

struct FileSink {
    file: BufWriter<tokio::fs::File>,
    tmp: PathBuf,
}

impl FileSink {
    fn ctx(&self, what: &str) -> String {
        format!("{what} {}", self.tmp.display())
    }

    /// fsync.
    async fn sync(&mut self) -> Result<()> {
        self.file.get_mut().sync_all().await.map_err(|e| Error::io(self.ctx("syncing"), e))
    }

    /// Rename to the final name, sync the directory.
    async fn commit(&mut self, path: &Path, dir: &Path) -> Result<()> {
        tokio::fs::rename(&self.tmp, path)
            .await
            .map_err(|e| Error::io(format!("renaming {} to {}", self.tmp.display(), path.display()), e))?;
        #[cfg(unix)]
        {
            let dir = dir.to_path_buf();
            // The rename itself is durable only once the directory is synced.
            let _ = tokio::task::spawn_blocking(move || std::fs::File::open(dir).and_then(|d| d.sync_all())).await;
        }
        #[cfg(not(unix))]
        let _ = dir;
        Ok(())
    }
}

impl Sink for FileSink {
    async fn write(&mut self, b: &[u8]) -> Result<()> {
        let ctx = self.ctx("writing");
        self.file.write_all(b).await.map_err(|e| Error::io(ctx, e))
    }
    async fn rewind(&mut self) -> Result<bool> {
        let ctx = self.ctx("rewinding");
        self.file.flush().await.map_err(|e| Error::io(ctx.clone(), e))?;
        let f = self.file.get_mut();
        f.set_len(0).await.map_err(|e| Error::io(ctx.clone(), e))?;
        f.seek(std::io::SeekFrom::Start(0)).await.map_err(|e| Error::io(ctx, e))?;
        Ok(true)
    }
    async fn finish(&mut self) -> Result<()> {
        let ctx = self.ctx("writing");
        self.file.flush().await.map_err(|e| Error::io(ctx, e))
    }
}

struct WriterSink<'w, W> {
    w: &'w mut W,
}

impl<W: AsyncWrite + Unpin + Send> Sink for WriterSink<'_, W> {
    async fn write(&mut self, b: &[u8]) -> Result<()> {
        self.w.write_all(b).await.map_err(|e| Error::io("writing the output", e))
    }
    async fn rewind(&mut self) -> Result<bool> {
        Ok(false)
    }
    async fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

struct MemSink {
    buf: Vec<u8>,
    limit: usize,
}

impl Sink for MemSink {
    async fn write(&mut self, b: &[u8]) -> Result<()> {
        if self.buf.len() + b.len() > self.limit {
            return Err(Error::new(ErrorKind::Decode, format!("file larger than {} bytes", self.limit)));
        }
        self.buf.extend_from_slice(b);
        Ok(())
    }
    async fn rewind(&mut self) -> Result<bool> {
        self.buf.clear();
        Ok(true)
    }
    async fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Why a file name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeFileName {
    /// The name as given.
    pub name: String,
    /// Why it was refused.
    pub reason: &'static str,
}

impl std::fmt::Display for UnsafeFileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "file name {:?} cannot be used: {}", self.name, self.reason)
    }
}

impl std::error::Error for UnsafeFileName {}

/// Longest file name accepted (bytes, as most file systems allow).
pub const MAX_FILE_NAME: usize = 255;

/// Makes `name` (a name from a server or from an interface's data) safe as one
/// file name inside a target directory, or says why it cannot be.
///
/// Refused: an empty name, `.`/`..` (and names of dots only), any path separator
/// (`/`, `\`: no absolute path, no traversal), longer than 255 bytes. Made safe:
/// control characters and `< > : " | ? *` become `_`; leading and trailing
/// spaces and trailing dots are dropped; a Windows device name (`CON`, `PRN`,
/// `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, with any extension) gets a `_` prefix.
pub fn safe_file_name(name: &str) -> std::result::Result<String, UnsafeFileName> {
    let refuse = |reason| Err(UnsafeFileName { name: name.to_owned(), reason });
    if name.contains(['/', '\\']) {
        return refuse("it contains a path separator");
    }
    let cleaned: String =
        name.chars().map(|c| if c.is_control() || "<>:\"|?*".contains(c) { '_' } else { c }).collect();
    let cleaned = cleaned.trim_start_matches(' ').trim_end_matches([' ', '.']);
    if cleaned.is_empty() {
        return refuse(if name.chars().all(|c| c == '.') && !name.is_empty() {
            "it is a relative directory name"
        } else {
            "nothing is left of it"
        });
    }
    if cleaned.len() > MAX_FILE_NAME {
        return refuse("it is longer than 255 bytes");
    }
    let stem = cleaned.split('.').next().unwrap_or("").trim_end_matches(' ').to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        if cleaned.len() + 1 > MAX_FILE_NAME {
            return refuse("it is longer than 255 bytes");
        }
        return Ok(format!("_{cleaned}"));
    }
    Ok(cleaned.to_owned())
}

/// The last component of a server path (`/1/1/record/1001/a.wav`,
/// `X:\1\1\a.V3`), made safe with [`safe_file_name`].
pub fn file_name_of_path(path: &str) -> std::result::Result<String, UnsafeFileName> {
    let last = path.rsplit(['/', '\\']).find(|s| !s.is_empty()).unwrap_or("");
    safe_file_name(last).map_err(|e| UnsafeFileName { name: path.to_owned(), reason: e.reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parses() {
        assert_eq!(parse_content_range("bytes 100-199/200"), Some((100, 199, Some(200))));
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes 0-9/5"), None);
        assert_eq!(parse_content_range("items 0-9/10"), None);
        assert_eq!(parse_content_range("bytes */10"), None);
    }

    #[test]
    fn file_names_are_made_safe_or_refused() {
        assert_eq!(safe_file_name("20240101_abc.zip").as_deref(), Ok("20240101_abc.zip"));
        assert_eq!(safe_file_name("a:b?.wav").as_deref(), Ok("a_b_.wav"));
        assert_eq!(safe_file_name(" x.wav. ").as_deref(), Ok("x.wav"));
        assert_eq!(safe_file_name("con.wav").as_deref(), Ok("_con.wav"));
        assert_eq!(safe_file_name("LPT1").as_deref(), Ok("_LPT1"));
        assert_eq!(safe_file_name("COMPANY.csv").as_deref(), Ok("COMPANY.csv"));
        assert_eq!(safe_file_name("a\u{0}b").as_deref(), Ok("a_b"));
        for bad in ["", ".", "..", "...", "../x", "/etc/passwd", "a/b", "a\\b", "C:\\x", " . "] {
            let e = safe_file_name(bad).expect_err(bad);
            assert_eq!(e.name, bad);
            assert!(e.to_string().contains("cannot be used"), "{e}");
        }
        assert!(safe_file_name(&"x".repeat(256)).is_err());
        assert_eq!(file_name_of_path("/1/1/record/1001/a.wav").as_deref(), Ok("a.wav"));
        assert_eq!(file_name_of_path("X:\\17\\0\\2043295.V3").as_deref(), Ok("2043295.V3"));
        assert_eq!(file_name_of_path("/voice/1/IVRrecordFile/").as_deref(), Ok("IVRrecordFile"));
        assert!(file_name_of_path("/a/..").is_err());
        assert!(file_name_of_path("").is_err());
    }

    #[test]
    fn temp_file_sits_beside_the_target() {
        let (dir, tmp) = temp_path_for(Path::new("/a/b/c.wav")).unwrap_or_default();
        assert_eq!(dir, Path::new("/a/b"));
        assert_eq!(tmp, Path::new("/a/b/.c.wav.cec-partial"));
        let (dir, _) = temp_path_for(Path::new("c.wav")).unwrap_or_default();
        assert_eq!(dir, Path::new("."));
    }
}
