//! `cec popup serve`: a local page that shows what a screen pop-up receives;
//! `cec popup token`: a page token for the configured address; and the pop-up
//! loads `cec sim` prints for ringing calls.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cec_workbench::{Callout, Field, PageToken, PageTokenKey, PopupContext, PopupParser};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

/// `cec popup …`.
#[derive(Debug, Subcommand)]
pub enum PopupCmd {
    /// Serve a local page showing the call data a screen pop-up receives (GET query or POST form), until Ctrl-C.
    Serve(ServeArgs),
    /// Issue a page token to put into the pop-up's configured address (key from an environment variable).
    Token {
        /// The page the token is for (A-Z a-z 0-9 _ -).
        #[arg(long)]
        page: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: u64,
        /// Environment variable holding the key (at least 16 bytes).
        #[arg(long, default_value = "CEC_POPUP_TOKEN_KEY")]
        key_env: String,
    },
}

/// `cec popup serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:8044")]
    listen: SocketAddr,
    /// Read a documented parameter from the name your pop-up configuration gives it, `callerNum=ani` (repeatable).
    #[arg(long = "rename", value_name = "DOCUMENTED=CONFIGURED")]
    rename: Vec<String>,
    /// Require a page token in this parameter (see `cec popup token`).
    #[arg(long, value_name = "PARAM")]
    token_param: Option<String>,
    /// Environment variable holding the token key.
    #[arg(long, default_value = "CEC_POPUP_TOKEN_KEY")]
    key_env: String,
    /// With --token-param: the page the token must name.
    #[arg(long)]
    page: Option<String>,
    /// Accept only this workbench origin, e.g. https://service.example.com (repeatable; requires `origin`).
    #[arg(long = "origin", value_name = "ORIGIN")]
    origins: Vec<String>,
}

pub async fn run(cmd: PopupCmd) -> anyhow::Result<()> {
    match cmd {
        PopupCmd::Serve(args) => serve(args).await,
        PopupCmd::Token { page, days, key_env } => {
            let key = key_from_env(&key_env)?;
            let expires = SystemTime::now() + Duration::from_secs(days.saturating_mul(86_400));
            line(&PageToken::issue(&key, &page, expires)?)?;
            Ok(())
        }
    }
}

/// One line on stdout; a closed pipe is an error, not a panic.
fn line(s: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")?;
    out.flush()
}

fn key_from_env(var: &str) -> anyhow::Result<PageTokenKey> {
    let value =
        std::env::var(var).map_err(|_| anyhow::anyhow!("set {var} to the page token key (16 bytes or more)"))?;
    Ok(PageTokenKey::new(value.into_bytes())?)
}

fn parser(args: &ServeArgs) -> anyhow::Result<PopupParser> {
    let mut p = PopupParser::new();
    for r in &args.rename {
        let (doc, name) =
            r.split_once('=').ok_or_else(|| anyhow::anyhow!("--rename {r}: expected DOCUMENTED=CONFIGURED"))?;
        let field = Field::ALL.into_iter().find(|f| f.documented_name() == doc).ok_or_else(|| {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.documented_name()).collect();
            anyhow::anyhow!("--rename {r}: `{doc}` is not a documented parameter ({})", names.join(", "))
        })?;
        p = p.rename(field, name)?;
    }
    if let Some(param) = &args.token_param {
        p = p.require_token(param, key_from_env(&args.key_env)?)?;
        if let Some(page) = &args.page {
            p = p.for_page(page);
        }
    }
    if !args.origins.is_empty() {
        p = p.allow_origins(args.origins.iter().cloned());
    }
    Ok(p)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        anyhow::bail!("refusing to listen on {}: the pop-up inspector serves loopback (127.0.0.1) only", args.listen);
    }
    let parser = parser(&args)?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/__popup/callout", axum::routing::get(callout))
        .fallback(inspect)
        .with_state(parser.clone());
    let base = format!("http://{addr}");
    line(&format!("pop-up inspector at {base}/ (Ctrl-C to stop)"))?;
    let name = |f: Field| parser.name_of(f).to_owned();
    line(&format!(
        "  try {base}/?{}=13800000001&{}=10086&{}=1700000000-1&{}=1&{}=0&{}=1001&{}=General&{}=1&{}=1001&{}=http%3A%2F%2F127.0.0.1%3A8043",
        name(Field::CallerNum),
        name(Field::CalledNum),
        name(Field::CallId),
        name(Field::MediaType),
        name(Field::CallType),
        name(Field::WorkNo),
        name(Field::CallSkill),
        name(Field::CallSkillId),
        name(Field::AgentName),
        name(Field::Origin),
    ))?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn inspect(
    State(parser): State<PopupParser>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let parsed = parser.parse_http(method.as_str(), uri.query(), ctype, &body);
    let wants_json =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    let status = if parsed.is_ok() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    if wants_json {
        let v = match &parsed {
            Ok(ctx) => json!({ "ok": true, "context": ctx }),
            Err(e) => {
                json!({ "ok": false, "error": e.to_string(), "field": e.field(), "kind": format!("{:?}", e.kind()) })
            }
        };
        return (status, axum::Json(v)).into_response();
    }
    let html = page(&parser, method.as_str(), &uri, &parsed);
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

#[derive(Debug, serde::Deserialize)]
struct CalloutQuery {
    number: String,
    #[serde(default)]
    mode: Option<String>,
}

/// The message the page posts for a one-click outbound call, built by cec-workbench.
async fn callout(Query(q): Query<CalloutQuery>) -> Response {
    let built = Callout::new(q.number).map(|c| if q.mode.as_deref() == Some("video") { c.video() } else { c });
    match built {
        Ok(c) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], c.to_message_string()).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e.to_string() }))).into_response(),
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON for an inline script (no `</script>` can close it early).
fn script_json(v: &Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

fn page(parser: &PopupParser, method: &str, uri: &Uri, parsed: &Result<PopupContext, cec_workbench::Error>) -> String {
    let mut body = String::new();
    body.push_str(&format!("<p class=req><b>{}</b> {}</p>", esc(method), esc(&uri.to_string())));
    let mut customer = String::new();
    let mut origin = Value::Null;
    match parsed {
        Ok(ctx) => {
            let opt = |v: &Option<String>| v.as_deref().map(esc).unwrap_or_else(|| "<i>absent</i>".into());
            let rows = [
                (Field::CallerNum, opt(&ctx.caller_num)),
                (Field::CalledNum, opt(&ctx.called_num)),
                (Field::CallId, opt(&ctx.call_id)),
                (Field::MediaType, opt(&ctx.media_type.map(|m| m.to_string()))),
                (Field::CallType, opt(&ctx.call_type.map(|c| c.to_string()))),
                (Field::WorkNo, opt(&ctx.work_no)),
                (Field::CallSkill, opt(&ctx.skill)),
                (Field::CallSkillId, opt(&ctx.skill_id.map(|s| s.to_string()))),
                (Field::AgentName, opt(&ctx.agent_name)),
                (Field::Origin, opt(&ctx.origin)),
                (Field::CallData, opt(&ctx.call_data)),
            ];
            body.push_str("<h2>Call data</h2><table><tr><th>documented</th><th>read from</th><th>value</th></tr>");
            for (f, v) in rows {
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{v}</td></tr>",
                    f.documented_name(),
                    esc(parser.name_of(f))
                ));
            }
            body.push_str("</table>");
            if let Some(claims) = &ctx.page {
                body.push_str(&format!(
                    "<p class=ok>Page token valid for page <b>{}</b> until {} (Unix time).</p>",
                    esc(&claims.page),
                    claims.expires
                ));
            }
            body.push_str("<h2>Other parameters</h2>");
            if ctx.extra.is_empty() {
                body.push_str("<p><i>none</i></p>");
            } else {
                body.push_str("<table><tr><th>name</th><th>value</th></tr>");
                for (k, v) in &ctx.extra {
                    body.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(v)));
                }
                body.push_str("</table>");
            }
            customer = ctx.customer_number().unwrap_or_default().to_owned();
            origin = ctx.origin.clone().map(Value::String).unwrap_or(Value::Null);
        }
        Err(e) => {
            body.push_str(&format!("<h2>Refused</h2><p class=err>{}</p>", esc(&e.to_string())));
        }
    }
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>cec pop-up inspector</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .6em;text-align:left}}
.err{{color:#a00}}.ok{{color:#070}}.note{{background:#ffd;padding:.5em}}.req{{font-family:monospace;word-break:break-all}}</style></head>
<body><h1>Screen pop-up inspector</h1>
<p class=note>The agent workbench does not authenticate the page it opens: anyone who knows the address can send any data.
Protect a real page with a page token (<code>cec popup token</code>) and an origin allow-list.</p>
{body}
<h2>Try a URL</h2>
<form id=paste><input id=u size=90 placeholder="paste the pop-up URL the workbench loads"> <button>Open here</button></form>
<h2>One-click outbound call</h2>
<p><input id=num value="{customer}"> <select id=mode><option>audio</option><option>video</option></select>
<button id=call>Post callout to the workbench</button></p><pre id=sent></pre>
<script>
const origin = {origin};
document.getElementById('paste').onsubmit = (e) => {{
  e.preventDefault();
  try {{ const u = new URL(document.getElementById('u').value); location.href = location.pathname + u.search; }}
  catch (err) {{ document.getElementById('sent').textContent = 'not a URL: ' + err; }}
}};
document.getElementById('call').onclick = async () => {{
  const n = document.getElementById('num').value, m = document.getElementById('mode').value;
  const r = await fetch('/__popup/callout?number=' + encodeURIComponent(n) + '&mode=' + m);
  const text = await r.text();
  const sent = document.getElementById('sent');
  if (!r.ok) {{ sent.textContent = text; return; }}
  if (origin && window.top !== window) {{ window.top.postMessage(text, origin); sent.textContent = 'posted to ' + origin + ': ' + text; }}
  else {{ sent.textContent = (origin ? 'not embedded in the workbench; would post: ' : 'no origin parameter: cannot post; message: ') + text; }}
}};
</script></body></html>
"#,
        customer = esc(&customer),
        origin = script_json(&origin),
    )
}

/// `cec sim --popup-url`: the pop-up page every ringing call opens (keeps the scenario's mode).
pub fn apply_url(scenario: &mut cec_sim::Scenario, url: Option<String>) {
    if let Some(url) = url {
        let mode = scenario.popup.as_ref().map(|p| p.mode).unwrap_or_default();
        scenario.popup = Some(cec_sim::PopupConfig { url, mode });
    }
}

/// Serves until Ctrl-C, printing the pop-up the workbench would load for each
/// call as it rings (when the scenario configures one).
pub async fn print_until_ctrl_c(sim: &cec_sim::Simulator, json: bool) -> anyhow::Result<()> {
    let Some(cfg) = sim.scenario().popup else {
        tokio::signal::ctrl_c().await?;
        return Ok(());
    };
    if !json {
        line(&format!("  pop-up page: {} ({:?}); each ringing call prints the URL it loads", cfg.url, cfg.mode))?;
    }
    let mut seen = HashSet::new();
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            r = &mut stop => { r?; return Ok(()); }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                for load in sim.popup_loads() {
                    if !seen.insert((load.call_id.clone(), load.agent.clone(), load.offered_ms)) {
                        continue;
                    }
                    if json {
                        line(&json!({ "popup": load }).to_string())?;
                    } else {
                        line(&format!("pop-up for agent {} (call {}): {} {}", load.agent, load.call_id, load.method, load.url))?;
                        if let Some(form) = &load.form {
                            line(&format!("  form: {form}"))?;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_script_escaping() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert!(!script_json(&json!("</script><b>")).contains('<'));
    }
}
