//! Files that must not be kept: a corrupt bill zip (the zip check fails: nothing
//! under the final name, the old copy kept) and a write error (disk full) that
//! aborts the file cleanly without retrying.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::pin::Pin;
use std::task::{Context, Poll};

use cec_core::{Config, RetryPolicy};
use httpmock::MockServer;

fn client(server: &MockServer) -> cec_fs::Client {
    let cfg = Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap();
    cec_fs::Client::new(cfg, cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new("ak", "sk").unwrap())).unwrap()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cec-fs-bad-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_corrupt_bill_zip_is_refused_and_the_old_copy_stays() {
    let server = MockServer::start_async().await;
    // Looks like a zip (the local header magic), is not one.
    let mut body = b"PK\x03\x04".to_vec();
    body.extend(std::iter::repeat_n(0xA5u8, 4000));
    server
        .mock_async(|when, then| {
            when.method("POST").path("/CCFS/resource/ccfs/downloadBillFile");
            then.status(200).header("content-type", "application/octet-stream").body(body.clone());
        })
        .await;
    let dir = tempdir("zip");
    let name = "20260301_0123456789abcdef.zip";
    std::fs::write(dir.join(name), b"yesterday's copy").unwrap();
    let e = client(&server).bill_file(name).to_dir(&dir).await.unwrap_err();
    assert!(e.to_string().contains("zip"), "{e}");
    assert_eq!(std::fs::read(dir.join(name)).unwrap(), b"yesterday's copy");
    assert_eq!(names(&dir), vec![name.to_owned()], "no temporary file is left");
    // In memory too.
    let e = client(&server).bill_file(name).bytes(1 << 20).await.unwrap_err();
    assert!(e.to_string().contains("not a valid zip"), "{e}");
}

/// A writer whose disk fills after `room` bytes.
struct DiskFull {
    room: usize,
    written: usize,
    calls_after_full: usize,
}

impl tokio::io::AsyncWrite for DiskFull {
    fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        if self.written >= self.room {
            self.calls_after_full += 1;
            return Poll::Ready(Err(std::io::Error::from_raw_os_error(28))); // ENOSPC
        }
        let n = buf.len().min(self.room - self.written);
        self.written += n;
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_full_disk_aborts_the_recording_without_retrying() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("POST").path("/CCFS/resource/ccfs/downloadRecord");
            then.status(200).header("content-type", "application/octet-stream").body(vec![7u8; 64 * 1024]);
        })
        .await;
    let mut w = DiskFull { room: 10_000, written: 0, calls_after_full: 0 };
    let e = client(&server).recording("1700000000-1").to_writer(&mut w).await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Io, "{e}");
    assert!(e.to_string().contains("No space left") || format!("{e:?}").contains("28"), "{e:?}");
    assert_eq!(w.calls_after_full, 1, "the write error ends the download at once");
    assert_eq!(mock.calls_async().await, 1, "a write error is not retried");
}
