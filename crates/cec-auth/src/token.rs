//! A cached bearer-style token with single-flight refresh.

use std::future::Future;
use std::time::{Duration, Instant};

use cec_core::{Result, Secret};
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
