//! Waiting for the platform: poll with jittered backoff until a condition holds or a
//! deadline passes (aws-sdk-rust's waiters). NE crates build concrete waiters on it
//! (`cec_isales::Client::wait_for_campaign_status`) instead of hand-written loops.

use std::future::Future;
use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// How long and how often to poll. `#[non_exhaustive]`: build it with [`Waiter::new`]
/// and the `with_*` methods.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Waiter {
    /// Give up after this long (the last poll may end a little later).
    pub timeout: Duration,
    /// Pause after the first poll that did not satisfy the condition.
    pub initial_delay: Duration,
    /// Longest pause between two polls.
    pub max_delay: Duration,
}

impl Waiter {
    /// Polls for up to `timeout`, first after 200 ms, then backing off to at most 5 s.
    pub fn new(timeout: Duration) -> Self {
        Waiter { timeout, initial_delay: Duration::from_millis(200), max_delay: Duration::from_secs(5) }
    }
    /// Sets the first pause.
    pub fn with_initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }
    /// Sets the longest pause.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The pause after the `n`-th unsatisfied poll (1-based): doubling from
    /// `initial_delay` up to `max_delay`, each pause drawn between half of it and all of it
    /// so that many waiters do not poll in step.
    pub fn delay(&self, n: u32) -> Duration {
        let grown = self.initial_delay.saturating_mul(1u32 << n.saturating_sub(1).min(20));
        let ceiling = grown.min(self.max_delay.max(self.initial_delay));
        let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(nanos / 2 + fastrand::u64(0..=nanos / 2))
    }

    /// Calls `poll` until it returns `Ok(Some(t))` (done: `t` is returned) or an error
    /// (returned at once: a failing query is not retried here, the client's retry policy
    /// already applied). `Ok(None)` means "not yet": pause and poll again. After
    /// `timeout`, fails with an [`ErrorKind::Timeout`] error naming `what` and the
    /// number of polls.
    pub async fn wait<T, E, F, Fut>(&self, what: &str, mut poll: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
        E: From<Error>,
    {
        let started = tokio::time::Instant::now();
        let deadline = started + self.timeout;
        let mut polls = 0u32;
        loop {
            polls += 1;
            if let Some(t) = poll().await? {
                return Ok(t);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(E::from(
                    Error::new(
                        ErrorKind::Timeout,
                        format!("{what}: still not reached after {:?} ({polls} polls)", self.timeout),
                    )
                    .with_attempts(polls, started.elapsed()),
                ));
            }
            tokio::time::sleep(self.delay(polls).min(deadline - now)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test(start_paused = true)]
    async fn polls_until_the_condition_holds() {
        let n = Cell::new(0);
        let w = Waiter::new(Duration::from_secs(60));
        let got: Result<u32, Error> = w
            .wait("state 3", || {
                n.set(n.get() + 1);
                let v = n.get();
                async move { Ok((v >= 4).then_some(v)) }
            })
            .await;
        assert_eq!(got.unwrap(), 4);
        assert_eq!(n.get(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_deadline_with_a_timeout_naming_what() {
        let n = Cell::new(0u32);
        let w = Waiter::new(Duration::from_secs(10)).with_initial_delay(Duration::from_secs(1));
        let started = tokio::time::Instant::now();
        let e = w
            .wait("campaign 7 running", || {
                n.set(n.get() + 1);
                async { Ok::<Option<()>, Error>(None) }
            })
            .await
            .unwrap_err();
        assert!(e.is_timeout(), "{e}");
        assert!(e.message().contains("campaign 7 running"), "{e}");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(10) && waited < Duration::from_secs(11), "{waited:?}");
        assert!(n.get() >= 3, "backed off but kept polling: {}", n.get());
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_of_the_query_ends_the_wait_at_once() {
        let w = Waiter::new(Duration::from_secs(10));
        let e = w
            .wait("x", || async { Err::<Option<()>, Error>(Error::new(ErrorKind::Service, "campaign not found")) })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Service);
    }

    #[test]
    fn delays_grow_and_stay_bounded() {
        let w = Waiter::new(Duration::from_secs(60));
        for n in 1..40 {
            let d = w.delay(n);
            assert!(d <= Duration::from_secs(5), "{n}: {d:?}");
        }
        assert!(w.delay(1) <= Duration::from_millis(200) && w.delay(1) >= Duration::from_millis(100));
        assert!(w.delay(10) >= Duration::from_millis(2500));
    }
}
