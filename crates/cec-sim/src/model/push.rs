//! Push mode: agents that signed in with `callBackUri` and `serviceToken` get
//! their events POSTed to that URL (`agentevent.push_callback`), oldest first,
//! with the agent's current `Guid` and the `service_token` as headers. A failed
//! push is retried after `push_retry`; pushes failing for `push_fail_total` sign
//! the agent out, as CC-Gateway does.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Notify;

use super::Shared;

static NEXT_TARGET: AtomicU64 = AtomicU64::new(1);

/// Where an agent's events go.
#[derive(Debug)]
pub(crate) struct PushTarget {
    id: u64,
    url: String,
    token: String,
    pub(super) wake: Arc<Notify>,
    in_flight: bool,
    failing_since: Option<Instant>,
    next_try: Instant,
}

impl PushTarget {
    pub(crate) fn new(url: &str, token: &str, wake: Arc<Notify>) -> Self {
        PushTarget {
            id: NEXT_TARGET.fetch_add(1, Ordering::Relaxed),
            url: url.to_owned(),
            token: token.to_owned(),
            wake,
            in_flight: false,
            failing_since: None,
            next_try: Instant::now(),
        }
    }
}

#[derive(Debug)]
struct Batch {
    agent: String,
    target: u64,
    url: String,
    token: String,
    guid: String,
    events: Vec<Value>,
}

impl Shared {
    /// Takes the queued events of every push-mode agent that is due a delivery.
    fn take_push_batches(&self) -> Vec<Batch> {
        let mut m = self.lock();
        let now = Instant::now();
        let mut out = Vec::new();
        for (id, a) in m.agents.iter_mut() {
            let Some(p) = a.push.as_mut() else { continue };
            if p.in_flight || a.events.is_empty() || p.next_try > now {
                continue;
            }
            p.in_flight = true;
            let guid = a.guid.clone().unwrap_or_default();
            out.push(Batch {
                agent: id.clone(),
                target: p.id,
                url: p.url.clone(),
                token: p.token.clone(),
                guid,
                events: a.events.drain(..).collect(),
            });
        }
        out
    }

    /// Records a delivery's outcome: failed events go back to the front of the queue.
    fn push_done(&self, batch: Batch, ok: bool) {
        let mut m = self.lock();
        let retry = self.config.push_retry;
        let limit = self.config.push_fail_total;
        let Some(a) = m.agents.get_mut(&batch.agent) else { return };
        let Some(p) = a.push.as_mut().filter(|p| p.id == batch.target) else { return };
        p.in_flight = false;
        if ok {
            p.failing_since = None;
            p.wake.notify_one();
            return;
        }
        let since = *p.failing_since.get_or_insert_with(Instant::now);
        p.next_try = Instant::now() + retry;
        for e in batch.events.into_iter().rev() {
            a.events.push_front(e);
        }
        if since.elapsed() >= limit {
            tracing::info!(agent = %batch.agent, "event push failing too long: signing the agent out");
            self.end_call(&mut m, &batch.agent);
            if let Some(a) = m.agents.get_mut(&batch.agent) {
                a.sign_out();
            }
        }
    }
}

async fn deliver(client: reqwest::Client, batch: &Batch) -> bool {
    let body = json!({ "workNo": batch.agent, "eventList": batch.events });
    let resp = client
        .post(&batch.url)
        .header("content-type", "application/json;charset=UTF-8")
        .header("guid", &batch.guid)
        .header("service_token", &batch.token)
        .body(body.to_string())
        .send()
        .await;
    match resp {
        Ok(r) if r.status().is_success() => {
            let bytes = r.bytes().await.unwrap_or_default();
            let ack: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            // The receiver acknowledges with retcode "0".
            ack.get("retcode").and_then(Value::as_str) == Some("0")
        }
        Ok(r) => {
            tracing::debug!(agent = %batch.agent, status = r.status().as_u16(), "event push refused");
            false
        }
        Err(e) => {
            tracing::debug!(agent = %batch.agent, error = %e, "event push failed");
            false
        }
    }
}

/// The simulator's HTTP client for everything it sends out (pushed events,
/// CDR-ready and dialer callbacks).
pub(crate) fn http_client() -> Option<reqwest::Client> {
    let tls = cec_core::transport::rustls_config(&Default::default(), false).ok()?;
    reqwest::Client::builder().tls_backend_preconfigured(tls).timeout(Duration::from_secs(5)).build().ok()
}

/// Delivers pushed events (runs for the simulator's lifetime).
pub(crate) async fn push_loop(shared: Arc<Shared>) {
    let Some(client) = shared.http.clone() else {
        tracing::error!("no HTTP client for event push");
        return;
    };
    loop {
        for batch in shared.take_push_batches() {
            let shared = shared.clone();
            let client = client.clone();
            tokio::spawn(async move {
                let ok = deliver(client, &batch).await;
                shared.push_done(batch, ok);
            });
        }
        tokio::select! {
            _ = shared.push_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}
