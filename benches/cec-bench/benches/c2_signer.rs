//! The C2 (`auth-v2`) signer against an HMAC-SHA256 floor and aws-sigv4, on one
//! ~1 KiB JSON POST to CC-CMS.
//!
//! `main` first times the four functions itself (median of batches, same run)
//! and prints ns/op and the ratios, then runs the criterion group.

// Bench code: setup failures should abort loudly, and the ratio table is printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use cec_core::sign::{SignableRequest, authorization, canonical_request};
use criterion::{Criterion, criterion_group};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const HOST: &str = "cms.example.com:28443";
const URI: &str = "https://cms.example.com:28443/rest/cmsapp/v1/openapi/vdn/querycalls";
const PATH: &str = "/rest/cmsapp/v1/openapi/vdn/querycalls";
const CONTENT_TYPE: &str = "application/json;charset=UTF-8";
const AK: &str = "exampleak";
const SK: &[u8] = b"example-sk-0001";
const TIMESTAMP: &str = "2026-01-15T08:30:00.123Z";

/// A realistic VDN call query, built deterministically and grown to ~1 KiB.
fn body_1k() -> String {
    let mut b = String::from(
        r#"{"ccId":1,"vdn":23,"beginDate":"2026-01-15 00:00:00","endDate":"2026-01-15 23:59:59","callType":"all","limit":50,"offset":0,"callIds":["#,
    );
    let mut i = 0u64;
    while b.len() < 1000 {
        if i > 0 {
            b.push(',');
        }
        // Deterministic call ids shaped like the platform's `1736929800-12345`.
        write!(b, r#""{}-{:05}""#, 1_736_929_800 + i * 37, (i * 7919) % 100_000).unwrap();
        i += 1;
    }
    b.push_str(r#"],"remark":"daily report, agent & skill view"}"#);
    b
}

struct Fixture {
    body: Vec<u8>,
    content_length: String,
    identity: Identity,
    time: SystemTime,
}

impl Fixture {
    fn new() -> Self {
        let body = body_1k().into_bytes();
        let content_length = body.len().to_string();
        let identity = Credentials::new(AK, "example-sk-0001", None, None, "bench").into();
        // 2026-01-15T08:30:00Z, fixed so every iteration signs the same input.
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_768_465_800);
        Self { body, content_length, identity, time }
    }

    fn headers(&self) -> [(&str, &str); 3] {
        [("content-length", self.content_length.as_str()), ("content-type", CONTENT_TYPE), ("host", HOST)]
    }

    fn cec_sign(&self) -> String {
        let headers = self.headers();
        let req = SignableRequest { method: "POST", path: PATH, query: &[], headers: &headers, body: &self.body };
        authorization(AK, SK, TIMESTAMP, &req)
    }

    fn cec_canonical(&self) -> String {
        let headers = self.headers();
        let req = SignableRequest { method: "POST", path: PATH, query: &[], headers: &headers, body: &self.body };
        canonical_request(&req)
    }

    fn hmac_floor(&self) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(SK).unwrap();
        m.update(&self.body);
        let tag = m.finalize().into_bytes();
        let mut hex = String::with_capacity(64);
        for b in tag {
            write!(hex, "{b:02x}").unwrap();
        }
        hex
    }

    fn aws_sign(&self) -> String {
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region("eu-west-1")
            .name("cms")
            .time(self.time)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let req = aws_sigv4::http_request::SignableRequest::new(
            "POST",
            URI,
            self.headers().into_iter(),
            SignableBody::Bytes(&self.body),
        )
        .unwrap();
        let (_instructions, signature) = sign(req, &params).unwrap().into_parts();
        signature
    }
}

fn bench_c2(c: &mut Criterion) {
    let f = Fixture::new();
    let mut g = c.benchmark_group("c2_signer");
    g.bench_function("cec_c2_sign_1k", |b| b.iter(|| black_box(black_box(&f).cec_sign())));
    g.bench_function("cec_c2_canonical_1k", |b| b.iter(|| black_box(black_box(&f).cec_canonical())));
    g.bench_function("hmac_sha256_1k_baseline", |b| b.iter(|| black_box(black_box(&f).hmac_floor())));
    g.bench_function("aws_sigv4_sign_1k", |b| b.iter(|| black_box(black_box(&f).aws_sign())));
    g.finish();
}

criterion_group!(benches, bench_c2);

const ITERS: u32 = 20_000;
const BATCHES: usize = 15;

/// Median ns/op over `BATCHES` batches of `ITERS` calls, after one warm-up batch.
fn median_ns(f: &Fixture, op: fn(&Fixture) -> String) -> f64 {
    let batch = || {
        let start = Instant::now();
        for _ in 0..ITERS {
            black_box(op(black_box(f)));
        }
        start.elapsed().as_nanos() as f64 / f64::from(ITERS)
    };
    batch();
    let mut samples: Vec<f64> = (0..BATCHES).map(|_| batch()).collect();
    samples.sort_by(f64::total_cmp);
    samples[BATCHES / 2]
}

fn ratio_table() {
    let f = Fixture::new();
    println!("c2_signer: body {} bytes, median of {BATCHES} batches x {ITERS} iterations", f.body.len());
    let cec = median_ns(&f, Fixture::cec_sign);
    let canonical = median_ns(&f, Fixture::cec_canonical);
    let floor = median_ns(&f, Fixture::hmac_floor);
    let aws = median_ns(&f, Fixture::aws_sign);
    println!("  cec_c2_sign_1k:          {cec:>9.1} ns/op");
    println!("  cec_c2_canonical_1k:     {canonical:>9.1} ns/op");
    println!("  hmac_sha256_1k_baseline: {floor:>9.1} ns/op");
    println!("  aws_sigv4_sign_1k:       {aws:>9.1} ns/op");
    println!("  ratio cec / hmac floor:  {:>9.2}", cec / floor);
    println!("  ratio cec / aws-sigv4:   {:>9.2}", cec / aws);
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then
    // only criterion's one-shot test mode should run.
    if std::env::args().any(|a| a == "--bench") {
        ratio_table();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
