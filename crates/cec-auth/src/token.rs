//! A cached bearer-style token with single-flight refresh.

use std::future::Future;
use std::time::{Duration, Instant};

use cec_core::{Error, ErrorKind, Result, Secret};
use tokio::sync::Mutex;

/// A token and when it stops being usable.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// The token.
    pub value: Secret<String>,
    /// When the NE will stop accepting it.
    pub expires_at: Instant,
}

/// Holds one token; refreshes it before expiry with one refresh in flight
/// however many callers wait.
#[derive(Debug)]
pub(crate) struct TokenCache {
    slot: Mutex<Option<CachedToken>>,
    /// Refresh this long before expiry.
    skew: Duration,
}

impl TokenCache {
    pub(crate) fn new(skew: Duration) -> Self {
        TokenCache { slot: Mutex::new(None), skew }
    }

    /// The current token, fetching a new one if it is missing or about to expire.
    /// The lock is held across the fetch, so concurrent callers wait for the
    /// one refresh and then share its result.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Secret<String>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedToken>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(t) = slot.as_ref()
            && t.expires_at > Instant::now() + self.skew
        {
            return Ok(t.value.clone());
        }
        let fresh = fetch().await?;
        let v = fresh.value.clone();
        *slot = Some(fresh);
        Ok(v)
    }

    /// Drops the cached token (the NE rejected it).
    pub(crate) fn clear(&self) -> bool {
        match self.slot.try_lock() {
            Ok(mut s) => {
                s.take();
                true
            }
            // A refresh is in flight: the next caller gets its result.
            Err(_) => true,
        }
    }
}

/// The error of a token call. When the token endpoint refused the credentials
/// (HTTP 401/403 or an auth result code) it says so plainly — `refused` names
/// them — keeping the status, code and request id; the pipeline then fails the
/// business call at once instead of asking for a token again. Other failures
/// (network, 5xx) pass unchanged.
pub(crate) fn credential_error(e: Error, refused: &str) -> Error {
    if !e.is_auth() {
        return e;
    }
    let said = if e.message().is_empty() { String::new() } else { format!(" (the endpoint said: {})", e.message()) };
    let mut out = Error::new(ErrorKind::Auth, format!("{refused}{said}: check them in the configuration"))
        .with_request_id(e.request_id().map(str::to_owned));
    if let Some(op) = e.operation() {
        out = out.with_operation(op);
    }
    if let Some(s) = e.status() {
        out = out.with_status(s);
    }
    if let Some(c) = e.code() {
        out = out.with_code(c);
    }
    out
}

/// Lifetime used when the NE does not state one, and the refresh margin.
pub(crate) fn lifetime(secs: Option<u64>, default: u64) -> Duration {
    Duration::from_secs(secs.filter(|s| *s > 0).unwrap_or(default))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_refresh_for_many_waiters() {
        let cache = Arc::new(TokenCache::new(Duration::from_secs(60)));
        let fetches = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(CachedToken {
                            value: Secret::from("tok"),
                            expires_at: Instant::now() + Duration::from_secs(600),
                        })
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().expose_str(), "tok");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn refused_credentials_are_named() {
        let e = Error::new(ErrorKind::Auth, "invalid app_key or app_secret")
            .with_operation("auth.tokenByAkSk")
            .with_status(401)
            .with_code("1")
            .with_request_id(Some("r-1".into()));
        let e = credential_error(e, "API Fabric refused the app_key `k` and its app_secret");
        assert!(e.is_auth());
        assert_eq!(
            (e.status(), e.code(), e.request_id(), e.operation()),
            (Some(401), Some("1"), Some("r-1"), Some("auth.tokenByAkSk"))
        );
        assert!(e.message().contains("refused the app_key `k`") && e.message().contains("invalid app_key"), "{e}");
        let net = Error::new(ErrorKind::Connect, "could not connect");
        assert_eq!(credential_error(net, "x").message(), "could not connect");
    }

    #[tokio::test]
    async fn refreshes_before_expiry() {
        let cache = TokenCache::new(Duration::from_secs(60));
        let mk = |v: &'static str, secs| async move {
            Ok(CachedToken { value: Secret::from(v), expires_at: Instant::now() + Duration::from_secs(secs) })
        };
        assert_eq!(cache.get(|| mk("a", 30)).await.unwrap().expose_str(), "a");
        // "a" expires within the 60 s margin, so the next call refreshes.
        assert_eq!(cache.get(|| mk("b", 600)).await.unwrap().expose_str(), "b");
        assert_eq!(cache.get(|| mk("c", 600)).await.unwrap().expose_str(), "b");
        assert!(cache.clear());
        assert_eq!(cache.get(|| mk("d", 600)).await.unwrap().expose_str(), "d");
    }
}
