//! `cec cms wallboard` in a real browser: headless Chromium loads the page served
//! against an in-process simulator, waits for the live values pushed by server-sent
//! events, and they are checked against CC-CMS. A screenshot is kept as a test artifact
//! (`target/tmp/wallboard.png`).
//!
//! Skips only when no Chromium is installed and `CEC_REQUIRE_CHROMIUM` is unset; CI
//! (`.ci/run`) installs Debian's `chromium` and sets it, so there the test always runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn chromium() -> Option<String> {
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        let found = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().ok()?;
        if found.status.success() {
            return Some(String::from_utf8_lossy(&found.stdout).trim().to_string());
        }
    }
    None
}

/// Text of the element with `id` in a dumped DOM.
fn text_of(dom: &str, id: &str) -> Option<String> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let rest = &dom[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')? + start;
    Some(rest[start..end].trim().to_string())
}

fn browse(chrome: &str, url: &str, extra: &[&str]) -> std::process::Output {
    let profile = std::env::temp_dir().join(format!("cec-wallboard-chrome-{}", std::process::id()));
    Command::new(chrome)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=8000", "--window-size=1280,900", "--timeout=30000"])
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("run chromium")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallboard_shows_live_cms_values_in_chromium() {
    let Some(chrome) = chromium() else {
        if std::env::var_os("CEC_REQUIRE_CHROMIUM").is_some() {
            panic!("CEC_REQUIRE_CHROMIUM is set but no chromium is installed (apt-get install -y chromium)");
        }
        eprintln!(
            "SKIPPED the_wallboard_shows_live_cms_values_in_chromium: no chromium found (apt-get install -y chromium)"
        );
        return;
    };
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await.unwrap();
    let sc = sim.scenario();
    let endpoint = sim.endpoint();
    for caller in ["13800000001", "13800000002", "13800000003"] {
        sim.inject_queue_call(1, caller).unwrap();
    }
    let cfg = std::env::temp_dir().join(format!("cec-wallboard-empty-{}.toml", std::process::id()));
    std::fs::write(&cfg, "").unwrap();
    let mut board = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(["cms", "wallboard", "--listen", "127.0.0.1:0", "--interval", "0.5"])
        .env_remove("CEC_PROFILE")
        .env("CEC_CONFIG", &cfg)
        .env("CEC_CMS_ENDPOINT", &endpoint)
        .env("CEC_CMS_AK", &sc.ak)
        .env("CEC_CMS_SK", &sc.sk)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(board.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url =
        first.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("{first}")).to_string();
    tokio::time::sleep(Duration::from_millis(1200)).await;

    // What CC-CMS says, through the SDK.
    let auth = cec_cms::C2Auth::Signature(cec_cms::AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap());
    let cms = cec_cms::Client::new(cec_cms::Config::builder(&endpoint).build().unwrap(), auth)
        .unwrap()
        .with_tenant(cec_cms::TenantDefaults::new().cc_id(sc.cc_id).vdn(sc.vdn));
    let queues = cms.queue_status(&[1, 2]).await.unwrap();
    let waiting: u64 = queues.iter().map(|q| q.waiting).sum();
    assert_eq!(waiting, 3);

    // The page closes its event stream after three updates so the browser goes idle and dumps.
    let out = browse(&chrome, &format!("{url}?events=3"), &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("data-events=\""), "no page:\n{dom}\n{}", String::from_utf8_lossy(&out.stderr));
    let events: u64 =
        dom.split("data-events=\"").nth(1).and_then(|s| s.split('"').next()).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert_eq!(events, 3, "three server-sent events reached the page:\n{dom}");
    let seq: u64 =
        dom.split("data-seq=\"").nth(1).and_then(|s| s.split('"').next()).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(seq >= 3, "the page shows a refreshed snapshot (seq {seq}):\n{dom}");
    assert_eq!(text_of(&dom, "waiting").as_deref(), Some(waiting.to_string().as_str()), "{dom}");
    let longest = text_of(&dom, "longest").unwrap();
    assert!(longest.contains(':') && longest != "0:00", "longest wait shown: {longest}");
    assert!(dom.contains("data-skill=\"1\"") && dom.contains("General"), "queue rows:\n{dom}");
    assert!(text_of(&dom, "sl").is_some_and(|s| s.ends_with('%')), "service level:\n{dom}");
    assert!(!dom.contains(&sc.sk) && !dom.contains(&sc.ak), "no credential in the page");

    // The screenshot artifact.
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wallboard.png");
    let _ = std::fs::remove_file(&shot);
    let out = browse(&chrome, &format!("{url}?events=3"), &[&format!("--screenshot={}", shot.display())]);
    assert!(shot.exists(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    eprintln!("wallboard screenshot: {}", shot.display());

    board.kill().unwrap();
    board.wait().unwrap();
    sim.shutdown().await;
}
