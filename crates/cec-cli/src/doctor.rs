//! `cec doctor`: checks every NE of a profile before the first real call.
//!
//! Per NE, one row: TCP reachability, TLS (the certificate problem explained
//! when there is one), the cheapest authenticated call the NE has, and the
//! clock offset read from the response's `Date` header; then what to set or fix.
//!
//! - CC-CMS: `POST /rest/cmsapp/v1/ping` in **every** C2 dialect (timestamp with
//!   or without milliseconds × the three signed-header sets), reporting which
//!   ones the NE accepts — the points of C2 that only a live NE can settle.
//! - CC-FS and CC-iSales: one harmless query (a download of a file that does not
//!   exist; the campaign list) signed in the accepted dialect.
//! - API Fabric (C1) and OIAP (C3): their token calls.
//! - CC-Gateway: TCP and TLS only. The doctor never signs an agent in.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use cec_auth::{AkSkSigner, ApiFabricAuth, ApiFabricCredentials, OiapAuth, OiapCredentials};
use cec_core::sign::C2Dialect;
use cec_core::transport::{HttpRequest, ReqwestTransport, Transport, explain_tls_failure};
use cec_core::{Config, ErrorKind};
use serde::Serialize;
use serde_json::json;

use crate::ops::Clients;

/// The outcome of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// `ok`, `fail`, `skip` or `warn`.
    pub status: &'static str,
    /// What was found, in plain words.
    pub detail: String,
}

impl Check {
    fn ok(d: impl Into<String>) -> Self {
        Check { status: "ok", detail: d.into() }
    }
    fn fail(d: impl Into<String>) -> Self {
        Check { status: "fail", detail: d.into() }
    }
    fn skip(d: impl Into<String>) -> Self {
        Check { status: "skip", detail: d.into() }
    }
    fn warn(d: impl Into<String>) -> Self {
        Check { status: "warn", detail: d.into() }
    }
    fn is_fail(&self) -> bool {
        self.status == "fail"
    }
}

/// One C2 dialect tried against CC-CMS.
#[derive(Debug, Clone, Serialize)]
pub struct DialectProbe {
    /// `millis/content-length;content-type;host`…
    pub dialect: String,
    /// Whether the NE accepted the signature.
    pub accepted: bool,
    /// HTTP status, or the transport error.
    pub answer: String,
}

/// The report of one NE.
#[derive(Debug, Clone, Serialize)]
pub struct NeReport {
    /// The CLI's NE name (`cms`, `gateway`…).
    pub ne: &'static str,
    /// The endpoint checked.
    pub endpoint: String,
    /// TCP connect.
    pub tcp: Check,
    /// TLS handshake and certificate.
    pub tls: Check,
    /// The authenticated call.
    pub auth: Check,
    /// For CC-CMS: every C2 dialect tried.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dialects: Vec<DialectProbe>,
    /// Server clock minus this machine's, in seconds, from the `Date` header.
    pub clock_offset_s: Option<i64>,
    /// What to set or fix.
    pub advice: Vec<String>,
}

impl NeReport {
    /// True when nothing failed.
    pub fn healthy(&self) -> bool {
        !(self.tcp.is_fail() || self.tls.is_fail() || self.auth.is_fail())
    }
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs every check of the profile behind `clients`. Never signs an agent in.
pub async fn run(clients: &Clients) -> anyhow::Result<Vec<NeReport>> {
    let profile = clients.profile();
    let mut reports = Vec::new();
    let mut accepted: Option<C2Dialect> = None;
    for ne in ["gateway", "apifabric", "oiap", "cms", "isales", "fs"] {
        let Some(endpoint) = profile.ne(ne).endpoint.filter(|e| !e.trim().is_empty()) else {
            continue;
        };
        let mut r = NeReport {
            ne,
            endpoint: endpoint.clone(),
            tcp: Check::skip("not checked"),
            tls: Check::skip("not checked"),
            auth: Check::skip("not checked"),
            dialects: Vec::new(),
            clock_offset_s: None,
            advice: Vec::new(),
        };
        let config = match clients.config_for(ne, &endpoint) {
            Ok(c) => c,
            Err(e) => {
                r.tcp = Check::fail(format!("{e:#}"));
                reports.push(r);
                continue;
            }
        };
        reach(&config, &mut r).await;
        if r.tcp.is_fail() || r.tls.is_fail() {
            reports.push(r);
            continue;
        }
        match ne {
            "gateway" => {
                r.auth = Check::skip("not probed: the only authenticated calls sign an agent in");
                r.clock_offset_s = date_probe(&config).await;
                clock_advice(&mut r);
            }
            "apifabric" | "oiap" => {
                token_check(clients, ne, &mut r).await;
                r.clock_offset_s = date_probe(&config).await;
                clock_advice(&mut r);
            }
            "cms" => {
                cms_dialects(clients, &config, &mut r).await;
                accepted = accepted.or_else(|| first_accepted(&r));
            }
            _ => c2_query(clients, ne, &config, accepted, &mut r).await,
        }
        reports.push(r);
    }
    Ok(reports)
}

fn first_accepted(r: &NeReport) -> Option<C2Dialect> {
    r.dialects.iter().find(|d| d.accepted).and_then(|d| d.dialect.parse().ok())
}

/// TCP, then TLS for https endpoints.
async fn reach(config: &Config, r: &mut NeReport) {
    let url = config.endpoint();
    let host = url.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let started = Instant::now();
    let tcp = match tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect((host.as_str(), port))).await {
        Err(_) => {
            r.tcp = Check::fail(format!("no answer from {host}:{port} within {TIMEOUT:?} (firewall, wrong port?)"));
            r.advice.push(format!("check that {host}:{port} is reachable from here (firewall, VPN, port)"));
            return;
        }
        Ok(Err(e)) => {
            r.tcp = Check::fail(format!("{host}:{port}: {e}"));
            r.advice.push(format!("check the endpoint's host and port ({host}:{port})"));
            return;
        }
        Ok(Ok(s)) => s,
    };
    r.tcp = Check::ok(format!("{host}:{port} in {} ms", started.elapsed().as_millis()));
    if url.scheme() != "https" {
        r.tls = Check::warn("plain http: no TLS (acceptable only on a lab network)");
        return;
    }
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    let tls_cfg = match cec_core::transport::rustls_config(config.tls(), true) {
        Ok(c) => c,
        Err(e) => {
            r.tls = Check::fail(format!("TLS configuration: {e}"));
            return;
        }
    };
    let Ok(name) = rustls::pki_types::ServerName::try_from(host.clone()) else {
        r.tls = Check::fail(format!("`{host}` is not a valid TLS server name"));
        return;
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_cfg));
    match tokio::time::timeout(TIMEOUT, connector.connect(name, tcp)).await {
        Err(_) => r.tls = Check::fail("the TLS handshake did not finish within 10 s"),
        Ok(Err(e)) => {
            let why = explain_tls_failure(&e).unwrap_or_else(|| e.to_string());
            r.tls = Check::fail(why);
        }
        Ok(Ok(stream)) => {
            let (_, conn) = stream.get_ref();
            let version = conn.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
            r.tls = Check::ok(format!("{} certificate valid for {host}", version.replace('_', ".")));
            if config.tls().is_insecure() {
                r.tls = Check::warn("certificate NOT verified (insecure_skip_tls_verify)");
                r.advice.push("turn TLS verification back on: give the NE's CA as ca_bundle instead".into());
            }
        }
    }
    if is_ip {
        r.advice.push(format!(
            "{host} is an IP address, so no host name (SNI) is sent: SaaS tenants' firewalls refuse such \
             handshakes (some answer HTTP 418); use the tenant's host name if it has one"
        ));
    }
}

/// Sends one signed request and reads the status, the body and the `Date` header.
async fn send_signed(
    config: &Config,
    signer: &AkSkSigner,
    method: http::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<(u16, serde_json::Value, Option<i64>), String> {
    let transport = ReqwestTransport::from_config(config).map_err(|e| e.to_string())?;
    let mut url = config.endpoint().clone();
    let base = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}{path}"));
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap_or_default()).unwrap_or_default();
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(cec_core::client::JSON_CONTENT_TYPE));
    let mut req = HttpRequest { method, url, headers, body: bytes.into() };
    signer.sign_request(&mut req).map_err(|e| e.to_string())?;
    let sent = SystemTime::now();
    let resp = tokio::time::timeout(TIMEOUT, transport.send(req))
        .await
        .map_err(|_| "no answer within 10 s".to_owned())?
        .map_err(|e| format!("{e:#}"))?;
    let offset = offset_from(&resp.headers, sent);
    let status = resp.status.as_u16();
    let raw = resp.bytes(1 << 20).await.map_err(|e| e.to_string())?;
    let value = serde_json::from_slice(&raw).unwrap_or_else(|_| json!(String::from_utf8_lossy(&raw)));
    Ok((status, value, offset))
}

/// The clock offset from an unauthenticated GET of the endpoint's root (any
/// answer carries `Date`; nothing is changed and no credential is sent).
async fn date_probe(config: &Config) -> Option<i64> {
    let transport = ReqwestTransport::from_config(config).ok()?;
    let req = HttpRequest {
        method: http::Method::GET,
        url: config.endpoint().clone(),
        headers: http::HeaderMap::new(),
        body: Default::default(),
    };
    let sent = SystemTime::now();
    let resp = tokio::time::timeout(TIMEOUT, transport.send(req)).await.ok()?.ok()?;
    offset_from(&resp.headers, sent)
}

/// Server clock minus local clock, in whole seconds (the `Date` header has second precision).
fn offset_from(headers: &http::HeaderMap, sent: SystemTime) -> Option<i64> {
    let date = headers.get(http::header::DATE)?.to_str().ok()?;
    let server = httpdate::parse_http_date(date).ok()?;
    let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    Some((secs(server) - secs(sent)).round() as i64)
}

fn clock_advice(r: &mut NeReport) {
    if let Some(o) = r.clock_offset_s
        && o.abs() > 60
    {
        r.advice.push(format!(
            "this machine's clock is {}{} s off the NE's: C2 signatures carry a timestamp and the NE's tolerance \
             is not published; synchronise the clock (NTP)",
            if o > 0 { "behind by " } else { "ahead by " },
            o.abs()
        ));
    }
}

async fn cms_dialects(clients: &Clients, config: &Config, r: &mut NeReport) {
    let signer = match clients.signer("cms") {
        Ok(s) => s,
        Err(e) => {
            r.auth = Check::fail(format!("{e:#}"));
            r.advice.push("set ak and sk for cms (or CEC_CMS_AK / CEC_CMS_SK)".into());
            return;
        }
    };
    let configured = signer.dialect();
    for d in C2Dialect::all() {
        let s = signer.clone().with_dialect(d);
        let body = json!({ "say": "cec doctor" });
        let probe = match send_signed(config, &s, http::Method::POST, "/rest/cmsapp/v1/ping", Some(body)).await {
            Ok((status, _, offset)) => {
                r.clock_offset_s = r.clock_offset_s.or(offset);
                DialectProbe { dialect: d.to_string(), accepted: status == 200, answer: format!("HTTP {status}") }
            }
            Err(e) => DialectProbe { dialect: d.to_string(), accepted: false, answer: e },
        };
        r.dialects.push(probe);
    }
    let ok: Vec<&DialectProbe> = r.dialects.iter().filter(|p| p.accepted).collect();
    r.auth = match ok.len() {
        0 => {
            let why = r.dialects.first().map(|p| p.answer.clone()).unwrap_or_default();
            r.advice.push(
                "no C2 dialect was accepted: check ak/sk (issued by CEC operations) and the clock; \
                 401 on every form means the key pair or the clock is wrong"
                    .into(),
            );
            Check::fail(format!("the ping was refused in every C2 dialect ({why})"))
        }
        n => Check::ok(format!("ping accepted in {n} of {} C2 dialects", r.dialects.len())),
    };
    if !ok.is_empty() && !ok.iter().any(|p| p.dialect == configured.to_string()) {
        r.advice.push(format!(
            "the configured C2 dialect ({configured}) is refused: set c2_dialect = \"{}\" for cms, isales and fs \
             (or CEC_CMS_C2_DIALECT…)",
            ok[0].dialect
        ));
    } else if !ok.is_empty() {
        r.advice.push(format!("the configured C2 dialect ({configured}) is accepted"));
    }
    clock_advice(r);
}

async fn c2_query(clients: &Clients, ne: &'static str, config: &Config, accepted: Option<C2Dialect>, r: &mut NeReport) {
    let signer = match clients.signer(ne) {
        Ok(s) => s,
        Err(e) => {
            r.auth = Check::fail(format!("{e:#}"));
            return;
        }
    };
    let dialect = accepted.unwrap_or(signer.dialect());
    let signer = signer.with_dialect(dialect);
    let (method, path, body, what) = if ne == "fs" {
        (
            http::Method::POST,
            "/CCFS/resource/ccfs/downloadRecordFile".to_owned(),
            Some(json!({ "request": { "version": "2.0" }, "msgBody": { "fileName": "cec-doctor-probe.wav" } })),
            "a download of a file that does not exist",
        )
    } else {
        let vdn = clients.profile().ne(ne).vdn.unwrap_or(1);
        (http::Method::GET, format!("/rest/isales/v1/openapi/campaigns/{vdn}"), None, "the campaign list")
    };
    r.auth = match send_signed(config, &signer, method, &path, body).await {
        Ok((status, _, offset)) => {
            r.clock_offset_s = offset;
            match status {
                401 | 403 => {
                    r.advice.push(format!(
                        "{ne} refused the signature in dialect {dialect}: check its ak/sk; if CMS accepted another \
                         dialect, the NEs differ: set c2_dialect for {ne}"
                    ));
                    Check::fail(format!("HTTP {status}: signature refused ({what}, dialect {dialect})"))
                }
                s => Check::ok(format!("signature accepted (HTTP {s} to {what}, dialect {dialect})")),
            }
        }
        Err(e) => Check::fail(e),
    };
    clock_advice(r);
}

async fn token_check(clients: &Clients, ne: &'static str, r: &mut NeReport) {
    let s = clients.profile().ne(ne);
    let outcome: anyhow::Result<()> = async {
        let endpoint = s.endpoint.clone().unwrap_or_default();
        let app_key = s.app_key.clone().filter(|k| !k.is_empty()).context("app_key is not set")?;
        let secret = s.app_secret.clone().filter(|k| !k.is_empty()).context("app_secret is not set")?;
        if ne == "apifabric" {
            let token_ep = s.token_endpoint.clone().unwrap_or(endpoint);
            let auth =
                ApiFabricAuth::new(clients.config_for(ne, &token_ep)?, ApiFabricCredentials::new(app_key, secret))?;
            auth.token().await?;
        } else {
            let auth = OiapAuth::new(clients.config_for(ne, &endpoint)?, OiapCredentials::tenant(app_key, secret))?;
            auth.token().await?;
        }
        Ok(())
    }
    .await;
    r.auth = match outcome {
        Ok(()) => Check::ok("token issued"),
        Err(e) => {
            let auth = e.downcast_ref::<cec_core::Error>().is_some_and(|c| c.kind() == ErrorKind::Auth);
            if auth {
                r.advice.push(format!("{ne}: the app key or secret was refused; check them with CEC operations"));
            }
            Check::fail(format!("{e:#}"))
        }
    };
}

/// The reports as text: one row per NE, then the details and advice.
pub fn render_text(reports: &[NeReport]) -> String {
    let mut out = String::new();
    if reports.is_empty() {
        out.push_str("no NE endpoint is configured in this profile (see `cec --help` for the config file)\n");
        return out;
    }
    let w = reports.iter().map(|r| r.endpoint.len()).max().unwrap_or(8).max(8);
    out.push_str(&format!("{:<9} {:<w$}  {:<5} {:<5} {:<5} {:>6}\n", "NE", "endpoint", "TCP", "TLS", "auth", "clock"));
    for r in reports {
        let clock = r.clock_offset_s.map(|o| format!("{o:+} s")).unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<9} {:<w$}  {:<5} {:<5} {:<5} {:>6}\n",
            r.ne, r.endpoint, r.tcp.status, r.tls.status, r.auth.status, clock
        ));
    }
    for r in reports {
        out.push_str(&format!("\n{} ({})\n", r.ne, r.endpoint));
        out.push_str(&format!("  tcp:  {}\n  tls:  {}\n  auth: {}\n", r.tcp.detail, r.tls.detail, r.auth.detail));
        for d in &r.dialects {
            out.push_str(&format!(
                "    {:<40} {}  ({})\n",
                d.dialect,
                if d.accepted { "accepted" } else { "refused " },
                d.answer
            ));
        }
        for a in &r.advice {
            out.push_str(&format!("  → {a}\n"));
        }
    }
    out
}
