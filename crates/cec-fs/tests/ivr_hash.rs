//! IVR files checked against `ccfs.ivr.getFileHash`, against the simulator
//! (which hashes its own copy): a match is saved, a mismatch is an error naming
//! the file and leaves nothing under the final name (an older copy stays).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cec_core::{Config, RetryPolicy};
use sha2::Digest;

const GOOD: &str = "/3rdfile/1/thirdvoicebotfile/welcome.wav";
const BAD: &str = "/3rdfile/1/thirdvoicebotfile/corrupt.wav";

async fn sim() -> cec_sim::Simulator {
    let toml = format!(
        "[[ivr_files]]\npath = \"{GOOD}\"\nmillis = 1500\n\n[[ivr_files]]\npath = \"{BAD}\"\nmillis = 700\ncorrupt = true\n"
    );
    let scenario = cec_sim::Scenario::from_toml(&toml).unwrap();
    cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await.unwrap()
}

fn client(sim: &cec_sim::Simulator) -> cec_fs::Client {
    let sc = sim.scenario();
    let cfg = Config::builder(&sim.endpoint()).retry(RetryPolicy::disabled()).build().unwrap();
    let signer = cec_auth::AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap();
    cec_fs::Client::new(cfg, cec_auth::C2Auth::Signature(signer)).unwrap()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cec-fs-ivr-hash-{name}-{}", std::process::id()));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_matching_get_file_hash_is_saved() {
    let sim = sim().await;
    let c = client(&sim);
    let dir = tempdir("good");
    let path = c.ivr_file(GOOD).verify_file_hash(true).to_dir(&dir).await.unwrap();
    assert_eq!(path, dir.join("welcome.wav"));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 44 + 16_000 * 3 / 2, "1.5 s of 8 kHz 16-bit mono");
    // The digest the server gives is that of the bytes on disk.
    let raw = c
        .ccfs_ivr_get_file_hash()
        .request(cec_fs::generated::CcfsIvrGetFileHashBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsIvrGetFileHashBodyMsgBody {
            file_name: Some(GOOD.into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let want: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(raw["resultData"]["hashValue"].as_str(), Some(want.as_str()), "{raw}");
    assert_eq!(c.ivr_file_hash(GOOD).await.unwrap().as_slice(), sha2::Sha256::digest(&bytes).as_slice());
    // In memory too.
    let mem = c.ivr_file(GOOD).verify_file_hash(true).bytes(1 << 20).await.unwrap();
    assert_eq!(mem, bytes);
    assert_eq!(names(&dir), vec!["welcome.wav".to_owned()]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mismatch_names_the_file_and_leaves_nothing_under_the_final_name() {
    let sim = sim().await;
    let c = client(&sim);
    let dir = tempdir("bad");
    let e = c.ivr_file(BAD).verify_file_hash(true).to_dir(&dir).await.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains(BAD) && msg.contains("getFileHash"), "{msg}");
    assert!(names(&dir).is_empty(), "left behind: {:?}", names(&dir));
    // An older copy under the final name is left as it was.
    std::fs::write(dir.join("corrupt.wav"), b"last week's copy").unwrap();
    assert!(c.ivr_file(BAD).verify_file_hash(true).to_dir(&dir).await.is_err());
    assert_eq!(std::fs::read(dir.join("corrupt.wav")).unwrap(), b"last week's copy");
    assert_eq!(names(&dir), vec!["corrupt.wav".to_owned()]);
    // Without the check, the same bytes are accepted (the length is right).
    let unchecked = c.ivr_file(BAD).bytes(1 << 20).await.unwrap();
    assert_eq!(unchecked.len(), 44 + 16_000 * 7 / 10);
    // In memory and to a writer, the check fails the same way.
    assert!(c.ivr_file(BAD).verify_file_hash(true).bytes(1 << 20).await.is_err());
    let mut sink = Vec::new();
    assert!(c.ivr_file(BAD).verify_file_hash(true).to_writer(&mut sink).await.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_hash_no_file_and_other_kinds_of_file_are_errors() {
    let sim = sim().await;
    let c = client(&sim);
    let dir = tempdir("other");
    // A file the server does not have: getFileHash fails first, nothing is written.
    let e = c.ivr_file("/3rdfile/1/thirdvoicebotfile/none.wav").verify_file_hash(true).to_dir(&dir).await.unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
    // Recordings have no getFileHash.
    let e = c.recording("1700000000-1").verify_file_hash(true).to_dir(&dir).await.unwrap_err();
    assert!(e.to_string().contains("getFileHash"), "{e}");
    assert!(names(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
