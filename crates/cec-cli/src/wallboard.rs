//! `cec cms wallboard`: a live page for a wall screen. One poller asks CC-CMS every
//! interval (queue status, team counts, service level) and publishes a snapshot; the
//! embedded page (`wallboard.html`, plain HTML/CSS/JS) receives each one as a
//! server-sent event and keeps the last hour for its chart. The page holds data only:
//! no credential, no endpoint of the NE.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clap::Args;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::cms_watch::{Selection, agents, interval, now_ms, skills};

const PAGE: &str = include_str!("wallboard.html");

/// `cec cms wallboard` options.
#[derive(Debug, Args)]
pub struct WallboardArgs {
    /// Address to serve the page on. Loopback unless `--allow-remote`; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8045")]
    pub listen: SocketAddr,
    /// Serve on a non-loopback address too (anyone who can reach it sees the figures).
    #[arg(long)]
    pub allow_remote: bool,
    /// Service-level threshold in seconds (3, 5, 10, 15, … 60).
    #[arg(long, default_value_t = 20)]
    pub threshold: u32,
    #[command(flatten)]
    pub sel: Selection,
}

/// An hour of history at most.
const HISTORY: Duration = Duration::from_secs(3600);

/// Builds one snapshot (JSON) from CMS.
async fn snapshot(
    client: &cec_cms::Client,
    skills: &[(i64, String)],
    agents: &[i64],
    threshold: u32,
) -> Result<Value, cec_cms::Error> {
    let ids: Vec<i64> = skills.iter().map(|s| s.0).collect();
    let queues = client.queue_status(&ids).await?;
    let sl = client.service_level(&ids, Duration::from_secs(u64::from(threshold))).await?;
    let team = if agents.is_empty() { None } else { Some(client.team_status(agents).await?) };
    let name = |id: i64| skills.iter().find(|s| s.0 == id).map(|s| s.1.clone()).unwrap_or_default();
    let rows: Vec<Value> = queues
        .iter()
        .map(|q| {
            let level = sl.iter().find(|s| s.skill == q.skill).and_then(|s| s.percent);
            json!({
                "skill": q.skill, "name": name(q.skill), "waiting": q.waiting,
                "longestWait": q.longest_wait.as_secs(), "available": q.available, "talking": q.talking,
                "signedIn": q.signed_in, "serviceLevel": level
            })
        })
        .collect();
    let offered: u64 = sl.iter().map(|s| s.offered).sum();
    let within: u64 = sl.iter().map(|s| s.answered_within).sum();
    let level = (offered > 0).then(|| within as f64 * 100.0 / offered as f64);
    Ok(json!({
        "queues": rows,
        "waiting": queues.iter().map(|q| q.waiting).sum::<u64>(),
        "longestWait": queues.iter().map(|q| q.longest_wait.as_secs()).max().unwrap_or(0),
        "serviceLevel": level, "offered": offered, "answeredWithin": within, "threshold": threshold,
        "agents": team,
    }))
}

/// Polls CMS forever, publishing each snapshot with the last hour of history.
async fn poll(
    client: cec_cms::Client,
    skills: Vec<(i64, String)>,
    agents: Vec<i64>,
    threshold: u32,
    every: Duration,
    tx: watch::Sender<Arc<String>>,
) {
    let mut history: VecDeque<Value> = VecDeque::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq = 0u64;
    loop {
        tick.tick().await;
        let t = now_ms();
        seq += 1;
        let mut v = match snapshot(&client, &skills, &agents, threshold).await {
            Ok(v) => v,
            // The page shows the error and keeps its last figures.
            Err(e) => json!({ "error": e.to_string() }),
        };
        if v.get("error").is_none() {
            history.push_back(json!({ "t": t, "waiting": v["waiting"], "serviceLevel": v["serviceLevel"] }));
            while history
                .front()
                .and_then(|h| h["t"].as_u64())
                .is_some_and(|h| t.saturating_sub(h) > HISTORY.as_millis() as u64)
            {
                history.pop_front();
            }
        }
        v["t"] = json!(t);
        v["seq"] = json!(seq);
        v["history"] = json!(history);
        if tx.send(Arc::new(v.to_string())).is_err() {
            return;
        }
    }
}

/// The server-sent event stream: the latest snapshot at once, then each new one.
fn events(rx: watch::Receiver<Arc<String>>) -> Response {
    let first = rx.borrow().clone();
    let initial =
        futures_util::stream::iter((!first.is_empty()).then(|| Ok::<_, Infallible>(format!("data: {first}\n\n"))));
    let updates = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok()?;
        let v = rx.borrow_and_update().clone();
        Some((Ok::<_, Infallible>(format!("data: {v}\n\n")), rx))
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(initial, updates));
    ([(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// The router of the page, its event stream and the latest snapshot as JSON.
fn router(rx: watch::Receiver<Arc<String>>) -> Router {
    let page = || async {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
                ),
            ],
            PAGE,
        )
    };
    let ev = rx.clone();
    let latest = rx;
    Router::new()
        .route("/", get(page))
        .route(
            "/events",
            get(move || {
                let rx = ev.clone();
                async move { events(rx) }
            }),
        )
        .route(
            "/snapshot.json",
            get(move || {
                let v = latest.borrow().clone();
                async move {
                    if v.is_empty() {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            [(header::CONTENT_TYPE, "application/json")],
                            "{}".to_string(),
                        )
                    } else {
                        (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], v.to_string())
                    }
                }
            }),
        )
}

/// Serves the wallboard until Ctrl-C.
pub async fn serve(client: cec_cms::Client, a: WallboardArgs) -> anyhow::Result<()> {
    if !a.listen.ip().is_loopback() && !a.allow_remote {
        anyhow::bail!(
            "refusing to serve the wallboard on {}: pass --allow-remote to show it beyond this machine",
            a.listen
        );
    }
    cec_cms::indicators::connected_within(a.threshold)?;
    let skills = skills(&client, &a.sel).await?;
    let agents = agents(&client, &a.sel).await?;
    let listener = tokio::net::TcpListener::bind(a.listen).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = watch::channel(Arc::new(String::new()));
    let poller = tokio::spawn(poll(client, skills, agents, a.threshold, interval(a.sel.interval), tx));
    outln!("wallboard at http://{addr}/ (Ctrl-C to stop)")?;
    let server = axum::serve(listener, router(rx)).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    let r = server.await;
    poller.abort();
    Ok(r?)
}
