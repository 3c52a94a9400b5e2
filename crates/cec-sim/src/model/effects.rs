//! What the model does once its lock is released: callbacks POSTed to the
//! customer (CDR-ready notices, dialer results), C2-signed where the NE signs.

use std::time::SystemTime;

use serde_json::Value;

use super::Shared;

/// Something to do once the model lock is released.
#[derive(Debug)]
pub(super) enum Effect {
    /// POST a JSON body to a plain-HTTP URL, C2-signed with the scenario's AK/SK when `signed`.
    Post { url: String, body: Value, signed: bool },
}

/// Runs effects on the runtime (outside the lock).
pub(super) fn run_effects(shared: &Shared, effects: Vec<Effect>) {
    if effects.is_empty() {
        return;
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no runtime: callbacks not sent");
        return;
    };
    let Some(client) = shared.http.clone() else {
        tracing::warn!("no HTTP client: callbacks not sent");
        return;
    };
    let sc = &shared.config.scenario;
    for Effect::Post { url, body, signed } in effects {
        let creds = signed.then(|| (sc.ak.clone(), sc.sk.clone()));
        rt.spawn(post_json(client.clone(), url, body, creds));
    }
}

/// POSTs `body` as JSON to a plain `http://` URL (C2-signed when `creds` is set); logs failures.
async fn post_json(client: reqwest::Client, url: String, body: Value, creds: Option<(String, String)>) {
    match post_inner(&client, &url, &body, creds).await {
        Ok(status) => tracing::debug!(%url, status, "callback sent"),
        Err(e) => tracing::warn!(%url, error = %e, "callback failed"),
    }
}

async fn post_inner(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    creds: Option<(String, String)>,
) -> Result<u16, String> {
    let u = url::Url::parse(url).map_err(|e| e.to_string())?;
    if u.scheme() != "http" {
        return Err("the simulator sends callbacks to plain http:// URLs only".into());
    }
    let host = u.host_str().ok_or("no host")?.to_owned();
    let host_header = u.port().map(|p| format!("{host}:{p}")).unwrap_or(host);
    let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let ctype = "application/json;charset=UTF-8";
    let len = bytes.len().to_string();
    let mut req = client.post(u.as_str()).header("content-type", ctype);
    if let Some((ak, sk)) = creds {
        // Signed over the headers the request carries (reqwest sets the same Host and Content-Length).
        let headers = [("content-length", len.as_str()), ("content-type", ctype), ("host", host_header.as_str())];
        let query: Vec<(String, String)> = u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let signable = cec_core::sign::SignableRequest {
            method: "POST",
            path: u.path(),
            query: &query,
            headers: &headers,
            body: &bytes,
        };
        let ts = cec_core::time::format_utc_millis(SystemTime::now());
        req = req.header("authorization", cec_core::sign::authorization(&ak, sk.as_bytes(), &ts, &signable));
    }
    let resp = req.body(bytes).send().await.map_err(|e| e.to_string())?;
    Ok(resp.status().as_u16())
}
