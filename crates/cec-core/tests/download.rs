//! Downloads never lose data: temporary file, length check, rename only when
//! complete; resume with `Range` (206) or restart (200) when the body breaks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cec_core::{
    AuthKind, Call, Client, Config, Envelope, ErrorKind, HttpRequest, HttpResponse, NoAuth, OperationMeta,
    ResponseKind, Result, RetryClass, RetryPolicy, Sent, Transport,
};
use http::{HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

static ENV: Envelope = Envelope {
    code_fields: &["resultCode"],
    success: &["0"],
    message_fields: &["resultDesc"],
    auth_codes: &[],
    code_required: false,
};

const fn op(id: &'static str, retry: RetryClass) -> OperationMeta {
    OperationMeta {
        id,
        ne: "Test",
        method: "POST",
        path: "/file",
        auth: AuthKind::None,
        retry,
        envelope: &ENV,
        response: ResponseKind::Binary,
        doc: "",
    }
}
static SAFE_FILE: OperationMeta = op("t.safeFile", RetryClass::Safe);
static UNSAFE_FILE: OperationMeta = op("t.unsafeFile", RetryClass::Unsafe);

/// How one answer misbehaves.
#[derive(Debug, Clone, Copy)]
enum Break {
    /// The connection fails after that many bytes of the answer.
    ResetAfter(usize),
    /// The answer ends cleanly after that many bytes (short of its Content-Length).
    EndAfter(usize),
    /// The answer stops sending after that many bytes, forever.
    StallAfter(usize),
    /// More bytes than Content-Length says.
    Overlong,
    /// A JSON failure envelope sent as an octet stream (CC-FS playVoice does).
    Envelope,
}

/// A file server: honours `Range` or not, breaks answers from a script, records requests.
#[derive(Debug)]
struct FileServer {
    file: Mutex<Vec<u8>>,
    honor_range: bool,
    breaks: Mutex<VecDeque<Option<Break>>>,
    ranges: Mutex<Vec<Option<String>>>,
    /// Replaces the file after the first answer (a file that changes).
    then: Mutex<Option<Vec<u8>>>,
}

impl FileServer {
    fn new(file: Vec<u8>, honor_range: bool, breaks: Vec<Option<Break>>) -> Arc<Self> {
        Arc::new(FileServer {
            file: Mutex::new(file),
            honor_range,
            breaks: Mutex::new(breaks.into()),
            ranges: Mutex::new(Vec::new()),
            then: Mutex::new(None),
        })
    }
    fn ranges(&self) -> Vec<Option<String>> {
        self.ranges.lock().unwrap().clone()
    }
    fn requests(&self) -> usize {
        self.ranges.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl Transport for FileServer {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let range = request.headers.get("range").and_then(|v| v.to_str().ok()).map(str::to_owned);
        self.ranges.lock().unwrap().push(range.clone());
        let file = self.file.lock().unwrap().clone();
        if let Some(next) = self.then.lock().unwrap().take() {
            *self.file.lock().unwrap() = next;
        }
        let start: usize = match (&range, self.honor_range) {
            (Some(r), true) => r.trim_start_matches("bytes=").trim_end_matches('-').parse().unwrap(),
            _ => 0,
        };
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/octet-stream"));
        let status = if start > 0 {
            let cr = format!("bytes {start}-{}/{}", file.len() - 1, file.len());
            h.insert("content-range", HeaderValue::from_str(&cr).unwrap());
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        };
        let body = file[start..].to_vec();
        h.insert("content-length", HeaderValue::from(body.len()));
        let brk = self.breaks.lock().unwrap().pop_front().flatten();
        // Several chunks, as a network delivers them.
        let chunks =
            |b: &[u8]| -> Vec<Result<Bytes>> { b.chunks(1000).map(|c| Ok(Bytes::copy_from_slice(c))).collect() };
        let stream: cec_core::BodyStream = match brk {
            None => Box::pin(futures_util::stream::iter(chunks(&body))),
            Some(Break::ResetAfter(n)) => {
                let mut items = chunks(&body[..n.min(body.len())]);
                items.push(Err(cec_core::Error::new(ErrorKind::Transport, "connection reset").with_sent(Sent::Yes)));
                Box::pin(futures_util::stream::iter(items))
            }
            Some(Break::EndAfter(n)) => Box::pin(futures_util::stream::iter(chunks(&body[..n.min(body.len())]))),
            Some(Break::StallAfter(n)) => {
                use futures_util::StreamExt;
                Box::pin(
                    futures_util::stream::iter(chunks(&body[..n.min(body.len())]))
                        .chain(futures_util::stream::pending()),
                )
            }
            Some(Break::Envelope) => {
                let e = br#"{"resultData": null, "resultCode": "010106", "resultDesc": "Parameter token is empty."}"#;
                h.insert("content-length", HeaderValue::from(e.len()));
                Box::pin(futures_util::stream::iter([Ok(Bytes::from_static(e))]))
            }
            Some(Break::Overlong) => {
                let mut more = body.clone();
                more.extend_from_slice(b"extra bytes");
                Box::pin(futures_util::stream::iter(chunks(&more)))
            }
        };
        Ok(HttpResponse { status, headers: h, body: stream })
    }
}

fn policy(max_attempts: u32, budget: u32) -> RetryPolicy {
    RetryPolicy::defaults(cec_core::Defaults::V1)
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .with_budget(budget)
}

fn client(t: Arc<FileServer>, p: RetryPolicy) -> Client {
    let cfg = Config::builder("https://fs.example.com:28443")
        .retry(p)
        .read_idle_timeout(Duration::from_millis(300))
        .transport(t)
        .build()
        .unwrap();
    Client::new(cfg, Arc::new(NoAuth)).unwrap()
}

/// 10 000 bytes that differ from one position to the next.
fn content() -> Vec<u8> {
    (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

fn sha(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|b| format!("{b:02x}")).collect()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cec-core-dl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn an_interrupted_download_resumes_with_range() {
    let t = FileServer::new(content(), true, vec![Some(Break::ResetAfter(4000)), None]);
    let dir = tempdir("resume");
    let path = dir.join("rec.wav");
    let done =
        client(t.clone(), policy(3, 500)).download(&SAFE_FILE, Call::new()).sha256(true).to_path(&path).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!((done.bytes, done.resumed, done.restarted), (10_000, 1, 0));
    assert_eq!(done.sha256, Some(sha(&content())));
    assert_eq!(done.path.as_deref(), Some(path.as_path()));
    assert_eq!(t.ranges(), vec![None, Some("bytes=4000-".to_owned())]);
    assert_eq!(listing(&dir), vec!["rec.wav"]);
}

#[tokio::test]
async fn a_server_that_ignores_range_restarts_the_file_from_zero() {
    let t = FileServer::new(content(), false, vec![Some(Break::ResetAfter(6000)), None]);
    let dir = tempdir("restart");
    let path = dir.join("rec.wav");
    let done =
        client(t.clone(), policy(3, 500)).download(&SAFE_FILE, Call::new()).sha256(true).to_path(&path).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content(), "no bytes twice: the file was rewound");
    assert_eq!((done.resumed, done.restarted), (0, 1));
    assert_eq!(done.sha256, Some(sha(&content())));
    assert_eq!(t.ranges(), vec![None, Some("bytes=6000-".to_owned())]);
}

#[tokio::test]
async fn an_answer_shorter_than_its_content_length_is_resumed_not_kept() {
    let t = FileServer::new(content(), true, vec![Some(Break::EndAfter(2500)), Some(Break::EndAfter(100)), None]);
    let dir = tempdir("short");
    let path = dir.join("rec.wav");
    let done = client(t.clone(), policy(3, 500)).download(&SAFE_FILE, Call::new()).to_path(&path).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(done.resumed, 2);
    assert_eq!(t.ranges(), vec![None, Some("bytes=2500-".into()), Some("bytes=2600-".into())]);
}

#[tokio::test]
async fn a_failed_download_leaves_no_partial_file_and_keeps_the_existing_one() {
    let always = vec![Some(Break::ResetAfter(3000)), Some(Break::ResetAfter(0)), Some(Break::ResetAfter(0))];
    let t = FileServer::new(content(), true, always);
    let dir = tempdir("fail");
    let path = dir.join("rec.wav");
    std::fs::write(&path, b"the good file from yesterday").unwrap();
    let e = client(t.clone(), policy(3, 500)).download(&SAFE_FILE, Call::new()).to_path(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.message().contains("after 3000 of 10000 bytes"), "{e}");
    assert_eq!(t.requests(), 3, "attempts without progress are bounded by max_attempts");
    assert_eq!(std::fs::read(&path).unwrap(), b"the good file from yesterday");
    assert_eq!(listing(&dir), vec!["rec.wav"], "no temporary file left");
}

#[tokio::test]
async fn unsafe_binary_interfaces_are_not_repeated_when_the_body_breaks() {
    let t = FileServer::new(content(), true, vec![Some(Break::ResetAfter(3000)), None]);
    let dir = tempdir("unsafe");
    let e = client(t.clone(), policy(3, 500))
        .download(&UNSAFE_FILE, Call::new())
        .to_path(dir.join("x.bin"))
        .await
        .unwrap_err();
    assert!(e.message().contains("not safe to repeat"), "{e}");
    assert_eq!(t.requests(), 1);
    assert!(listing(&dir).is_empty());
}

#[tokio::test]
async fn the_retry_budget_bounds_body_retries() {
    // One retry costs 5 tokens: a budget of 5 allows exactly one.
    let t = FileServer::new(content(), true, vec![Some(Break::ResetAfter(1000)), Some(Break::ResetAfter(1000)), None]);
    let c = client(t.clone(), policy(10, 5));
    let e = c.download(&SAFE_FILE, Call::new()).bytes(1 << 20).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(t.requests(), 2);
    assert!(c.retry_budget() < 5, "the retry was paid for");
}

#[tokio::test]
async fn an_answer_longer_than_announced_is_refused() {
    let t = FileServer::new(content(), true, vec![Some(Break::Overlong)]);
    let dir = tempdir("overlong");
    let e = client(t, policy(3, 500)).download(&SAFE_FILE, Call::new()).to_path(dir.join("x.bin")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("longer than the 10000 bytes"), "{e}");
    assert!(listing(&dir).is_empty());
}

#[tokio::test]
async fn a_missing_target_directory_fails_before_anything_is_sent() {
    let t = FileServer::new(content(), true, vec![]);
    let missing = std::env::temp_dir().join(format!("cec-no-such-dir-{}", std::process::id())).join("sub");
    let e = client(t.clone(), policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .to_path(missing.join("rec.wav"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(!e.may_have_been_sent());
    assert!(e.message().contains(&missing.display().to_string()), "{e}");
    assert_eq!(t.requests(), 0);
}

#[tokio::test]
async fn a_stalled_body_is_resumed_and_a_dropped_download_removes_its_temporary_file() {
    // The stall runs into read_idle (300 ms), then the download resumes.
    let t = FileServer::new(content(), true, vec![Some(Break::StallAfter(5000)), None]);
    let dir = tempdir("stall");
    let done = client(t, policy(3, 500)).download(&SAFE_FILE, Call::new()).to_path(dir.join("a.wav")).await.unwrap();
    assert_eq!(done.resumed, 1);
    // Dropped midway (the caller gave up): nothing is left behind.
    let t = FileServer::new(content(), true, vec![Some(Break::StallAfter(5000))]);
    let c = client(t, policy(3, 500));
    let fut = c.download(&SAFE_FILE, Call::new()).to_path(dir.join("b.wav"));
    assert!(tokio::time::timeout(Duration::from_millis(100), fut).await.is_err());
    assert_eq!(listing(&dir), vec!["a.wav"]);
}

#[tokio::test]
async fn a_partial_file_left_by_a_killed_run_is_continued_when_asked() {
    let t = FileServer::new(content(), true, vec![None]);
    let dir = tempdir("leftover");
    let path = dir.join("rec.wav");
    let partial = cec_core::download::partial_path(&path).unwrap();
    std::fs::write(&partial, &content()[..7000]).unwrap();
    let done = client(t.clone(), policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .resume_partial(true)
        .sha256(true)
        .to_path(&path)
        .await
        .unwrap();
    assert_eq!(t.ranges(), vec![Some("bytes=7000-".to_owned())]);
    assert_eq!((done.reused, done.bytes), (7000, 10_000));
    assert_eq!(done.sha256, Some(sha(&content())));
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(listing(&dir), vec!["rec.wav"]);
    // Without resume_partial a leftover is discarded, not trusted.
    std::fs::write(&partial, b"garbage").unwrap();
    let t = FileServer::new(content(), true, vec![None]);
    let done = client(t.clone(), policy(3, 500)).download(&SAFE_FILE, Call::new()).to_path(&path).await.unwrap();
    assert_eq!(t.ranges(), vec![None]);
    assert_eq!(std::fs::read(&path).unwrap(), content());
    // No hash was asked for: none is computed, the length is still checked.
    assert_eq!((done.sha256, done.bytes), (None, 10_000));
}

#[tokio::test]
async fn without_fsync_the_file_still_arrives_complete_under_its_final_name() {
    let t = FileServer::new(content(), true, vec![Some(Break::ResetAfter(4000)), None]);
    let dir = tempdir("nofsync");
    let path = dir.join("rec.wav");
    let done = client(t, policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .fsync(false)
        .sha256(true)
        .to_path(&path)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(done.sha256, Some(sha(&content())));
    assert_eq!(listing(&dir), vec!["rec.wav"]);
}

#[tokio::test]
async fn a_writer_that_cannot_rewind_gets_each_byte_once_after_a_restart() {
    let t = FileServer::new(content(), false, vec![Some(Break::ResetAfter(4000)), None]);
    let mut out: Vec<u8> = Vec::new();
    let done = client(t, policy(3, 500)).download(&SAFE_FILE, Call::new()).to_writer(&mut out).await.unwrap();
    assert_eq!(out, content());
    assert_eq!(done.restarted, 1);
    assert_eq!(done.sha256, Some(sha(&content())));
}

#[tokio::test]
async fn a_restarted_answer_whose_first_bytes_differ_fails() {
    let t = FileServer::new(content(), false, vec![Some(Break::ResetAfter(4000)), None]);
    let mut changed = content();
    changed[10] ^= 0xff;
    *t.then.lock().unwrap() = Some(changed);
    let mut out: Vec<u8> = Vec::new();
    let e = client(t, policy(3, 500)).download(&SAFE_FILE, Call::new()).to_writer(&mut out).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("differ"), "{e}");
}

/// A writer that fails like a full disk after `room` bytes.
struct FullDisk {
    room: usize,
}

impl tokio::io::AsyncWrite for FullDisk {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.room == 0 {
            return std::task::Poll::Ready(Err(std::io::Error::from_raw_os_error(28)));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        std::task::Poll::Ready(Ok(n))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_write_error_aborts_the_download_without_retrying() {
    let t = FileServer::new(content(), true, vec![None]);
    let e = client(t.clone(), policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .to_writer(&mut FullDisk { room: 5000 })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    let cause = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default();
    assert!(cause.contains("No space left") || cause.contains("os error 28"), "{cause}");
    assert_eq!(t.requests(), 1);
}

#[tokio::test]
async fn progress_reaches_the_total() {
    let t = FileServer::new(content(), true, vec![Some(Break::ResetAfter(5000)), None]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let (bytes, done) = client(t, policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .on_progress(move |d, total| s.lock().unwrap().push((d, total)))
        .bytes(1 << 20)
        .await
        .unwrap();
    assert_eq!(&bytes[..], &content()[..]);
    assert_eq!(done.bytes, 10_000);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first(), Some(&(0, Some(10_000))));
    assert_eq!(seen.last(), Some(&(10_000, Some(10_000))));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "never goes back when resumed");
}

#[tokio::test]
async fn a_failure_envelope_sent_as_an_octet_stream_is_an_error_not_a_file() {
    let t = FileServer::new(content(), true, vec![Some(Break::Envelope)]);
    let dir = tempdir("envelope");
    let path = dir.join("x.wav");
    std::fs::write(&path, b"kept").unwrap();
    let e = client(t, policy(3, 500)).download(&SAFE_FILE, Call::new()).to_path(&path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e}");
    assert_eq!(e.code(), Some("010106"));
    assert_eq!(std::fs::read(&path).unwrap(), b"kept");
    assert_eq!(listing(&dir), vec!["x.wav"]);
    // A file that merely starts with `{` (no failure code) is still a file.
    let json_file = br#"{"not": "an envelope"}"#.to_vec();
    let t = FileServer::new(json_file.clone(), true, vec![None]);
    let (bytes, _) = client(t, policy(3, 500)).download(&SAFE_FILE, Call::new()).bytes(1 << 20).await.unwrap();
    assert_eq!(&bytes[..], &json_file[..]);
}

#[tokio::test]
async fn a_failed_check_or_hash_leaves_nothing_under_the_final_name() {
    let dir = tempdir("verify");
    let path = dir.join("bill.zip");
    let t = FileServer::new(content(), true, vec![None]);
    let e = client(t, policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .verify(|tmp| {
            assert!(tmp.exists(), "the check sees the complete temporary file");
            Err(cec_core::Error::new(ErrorKind::Decode, "not a zip"))
        })
        .to_path(&path)
        .await
        .unwrap_err();
    assert!(e.message().contains("not a zip"));
    assert!(listing(&dir).is_empty());
    let t = FileServer::new(content(), true, vec![None]);
    let e = client(t, policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .expect_sha256("00".repeat(32))
        .to_path(&path)
        .await
        .unwrap_err();
    assert!(e.message().contains("SHA-256"), "{e}");
    assert!(listing(&dir).is_empty());
    let t = FileServer::new(content(), true, vec![None]);
    client(t, policy(3, 500))
        .download(&SAFE_FILE, Call::new())
        .expect_sha256(sha(&content()).to_uppercase())
        .verify(|_| Ok(()))
        .to_path(&path)
        .await
        .unwrap();
    assert_eq!(listing(&dir), vec!["bill.zip"]);
}
