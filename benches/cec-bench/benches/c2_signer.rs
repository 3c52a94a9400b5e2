//! The C2 (`auth-v2`) signer against its floor (one HMAC-SHA256 over the
//! canonical request's bytes) and aws-sigv4, on a ~1 KiB and a 64 KiB JSON POST
//! to CC-CMS (`cargo xtask bench sign`).
//!
//! `main` first times the functions itself (rounds of batches, same run) and
//! prints us/op and the ratios, then (under `cargo bench`) runs the criterion group.

// Bench code: setup failures should abort loudly, and the ratio table is printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use cec_core::sign::{SignableRequest, auth_prefix, authorization, canonical_request, signing_key};
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
const SIGNED: &str = "content-length;content-type;host";

/// A realistic VDN call query, built deterministically and grown to `size` bytes.
fn body_of(size: usize) -> String {
    let mut b = String::from(
        r#"{"ccId":1,"vdn":23,"beginDate":"2026-01-15 00:00:00","endDate":"2026-01-15 23:59:59","callType":"all","limit":50,"offset":0,"callIds":["#,
    );
    let tail = r#"],"remark":"daily report, agent & skill view"}"#;
    let mut i = 0u64;
    while b.len() + tail.len() + 19 < size {
        if i > 0 {
            b.push(',');
        }
        // Deterministic call ids shaped like the platform's `1736929800-12345`.
        write!(b, r#""{}-{:05}""#, 1_736_929_800 + i * 37, (i * 7919) % 100_000).unwrap();
        i += 1;
    }
    b.push_str(tail);
    b
}

struct Fixture {
    body: Vec<u8>,
    content_length: String,
    identity: Identity,
    time: SystemTime,
    /// The canonical request's bytes and the signing key (the floor's input).
    canonical: Vec<u8>,
    key: [u8; 64],
}

impl Fixture {
    fn new(size: usize) -> Self {
        let body = body_of(size).into_bytes();
        let content_length = body.len().to_string();
        let identity = Credentials::new(AK, "example-sk-0001", None, None, "bench").into();
        // 2026-01-15T08:30:00Z, fixed so every iteration signs the same input.
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_768_465_800);
        let mut f = Self { body, content_length, identity, time, canonical: Vec::new(), key: [0; 64] };
        f.canonical = f.cec_canonical().into_bytes();
        let prefix = auth_prefix(AK, TIMESTAMP, SIGNED);
        f.key = signing_key(SK, &prefix);
        f
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

    /// The floor: one HMAC-SHA256 over the canonical request's bytes.
    fn hmac_floor(&self) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap();
        m.update(&self.canonical);
        let tag = m.finalize().into_bytes();
        let mut hex = String::with_capacity(64);
        for b in tag {
            write!(hex, "{b:02x}").unwrap();
        }
        hex
    }

    /// One HMAC-SHA256 over the raw body (the floor the issue measured first).
    fn hmac_raw_body(&self) -> String {
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
    let f = Fixture::new(1024);
    let mut g = c.benchmark_group("c2_signer");
    g.bench_function("cec_c2_sign_1k", |b| b.iter(|| black_box(black_box(&f).cec_sign())));
    g.bench_function("cec_c2_canonical_1k", |b| b.iter(|| black_box(black_box(&f).cec_canonical())));
    g.bench_function("hmac_sha256_canonical_1k_floor", |b| b.iter(|| black_box(black_box(&f).hmac_floor())));
    g.bench_function("aws_sigv4_sign_1k", |b| b.iter(|| black_box(black_box(&f).aws_sign())));
    g.finish();
}

criterion_group!(benches, bench_c2);

/// Min/median/max over `rounds` of the median ns/op of `batches` batches; the
/// operations take turns inside each batch round so that load hits them alike.
fn measure(f: &Fixture, ops: &[fn(&Fixture) -> String], rounds: usize) -> Vec<Vec<f64>> {
    let per_batch = (2_000_000 / f.body.len().max(1)).clamp(20, 20_000) as u32;
    let batch = |op: fn(&Fixture) -> String| {
        let start = Instant::now();
        for _ in 0..per_batch {
            black_box(op(black_box(f)));
        }
        start.elapsed().as_nanos() as f64 / f64::from(per_batch)
    };
    for op in ops {
        batch(*op);
    }
    let mut out = vec![Vec::new(); ops.len()];
    for _ in 0..rounds {
        let mut samples = vec![Vec::new(); ops.len()];
        for _ in 0..5 {
            for (i, op) in ops.iter().enumerate() {
                samples[i].push(batch(*op));
            }
        }
        for (i, mut s) in samples.into_iter().enumerate() {
            s.sort_by(f64::total_cmp);
            out[i].push(s[s.len() / 2]);
        }
    }
    out
}

fn mmm(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

fn ratio_table(rounds: usize) {
    println!("c2 signer: {rounds} rounds, each the median of 5 batches per operation (operations take turns)");
    println!("floor = one HMAC-SHA256 over the canonical request's bytes (percent-encoded body included)");
    for size in [1024usize, 64 * 1024] {
        let f = Fixture::new(size);
        let ops: [(&str, SignOp); 5] = [
            ("cec c2 sign", Fixture::cec_sign),
            ("floor: hmac(canonical)", Fixture::hmac_floor),
            ("aws-sigv4 sign", Fixture::aws_sign),
            ("cec canonical string", Fixture::cec_canonical),
            ("hmac(raw body)", Fixture::hmac_raw_body),
        ];
        let fns: Vec<fn(&Fixture) -> String> = ops.iter().map(|o| o.1).collect();
        let res = measure(&f, &fns, rounds);
        println!("\nbody {} bytes (canonical request {} bytes); us/op min/med/max", f.body.len(), f.canonical.len());
        for (i, (name, _)) in ops.iter().enumerate() {
            let (a, b, c) = mmm(res[i].iter().map(|ns| ns / 1000.0).collect());
            println!("  {name:<24} {a:>9.2} {b:>9.2} {c:>9.2}");
        }
        let ratio = |x: usize, y: usize| mmm(res[x].iter().zip(&res[y]).map(|(a, b)| a / b).collect());
        let (a, b, c) = ratio(0, 1);
        println!("  ratio sign / floor       {a:>9.2} {b:>9.2} {c:>9.2}");
        let (a, b, c) = ratio(0, 2);
        println!("  ratio sign / aws-sigv4   {a:>9.2} {b:>9.2} {c:>9.2}");
    }
}

/// One signing path under test, over a fixture.
type SignOp = fn(&Fixture) -> String;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo xtask bench sign` passes `--table`: only the ratio table.
    if args.iter().any(|a| a == "--table") {
        let rounds = args
            .iter()
            .position(|a| a == "--rounds")
            .and_then(|i| args.get(i + 1))
            .and_then(|r| r.parse().ok())
            .unwrap_or(5);
        ratio_table(rounds);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then
    // only criterion's one-shot test mode should run.
    if args.iter().any(|a| a == "--bench") {
        ratio_table(3);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
