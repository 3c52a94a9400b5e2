//! Jittered exponential backoff and a retry budget (token bucket, as in smithy-rs).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::config::RetryPolicy;
use crate::error::{Error, ErrorKind};

/// Tokens a retry costs.
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout costs.
pub const TIMEOUT_RETRY_COST: u32 = 10;

/// A shared retry budget. When many requests fail at once (an NE is down),
/// the budget runs dry and the client stops adding retry load.
#[derive(Debug)]
pub struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
}

impl RetryBudget {
    /// A full budget.
    pub fn new(capacity: u32) -> Self {
        RetryBudget { tokens: AtomicU32::new(capacity), capacity }
    }

    /// Takes the cost of retrying after `err`; false when the budget is spent.
    pub fn try_acquire(&self, err: &Error) -> bool {
        let cost = if err.kind() == ErrorKind::Timeout { TIMEOUT_RETRY_COST } else { RETRY_COST };
        self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost)).is_ok()
    }

    /// A success returns one token.
    pub fn on_success(&self) {
        let cap = self.capacity;
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| (t < cap).then_some(t + 1));
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

/// Full-jitter backoff before retry number `retry` (1-based):
/// uniform in `0..=min(max, initial * 2^(retry-1))`, at least the server's `Retry-After`.
pub fn backoff(policy: &RetryPolicy, retry: u32, retry_after: Option<Duration>) -> Duration {
    let exp = retry.saturating_sub(1).min(20);
    let ceiling = policy.initial_backoff.saturating_mul(1u32 << exp).min(policy.max_backoff);
    let jittered = Duration::from_nanos(fastrand::u64(0..=ceiling.as_nanos().min(u64::MAX as u128) as u64));
    match retry_after {
        Some(ra) => jittered.max(ra),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Defaults;

    #[test]
    fn budget_runs_dry_and_refills() {
        let b = RetryBudget::new(12);
        let e = Error::new(ErrorKind::Http, "x");
        assert!(b.try_acquire(&e));
        assert!(b.try_acquire(&e));
        assert!(!b.try_acquire(&e));
        assert_eq!(b.available(), 2);
        b.on_success();
        assert_eq!(b.available(), 3);
        let t = Error::new(ErrorKind::Timeout, "t");
        assert!(!b.try_acquire(&t));
    }

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy::defaults(Defaults::V1);
        for r in 1..40 {
            let d = backoff(&p, r, None);
            assert!(d <= p.max_backoff);
            let ceiling = p.initial_backoff.saturating_mul(1 << (r - 1).min(20)).min(p.max_backoff);
            assert!(d <= ceiling);
        }
        assert!(backoff(&p, 1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
    }
}
