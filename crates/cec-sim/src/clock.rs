//! The simulator's wall clock: the system clock, or a clock pinned to a given
//! instant (`SimConfig::clock`, the scenario's `clock`, `cec sim --clock`) that
//! stands still until it is advanced (`Simulator::advance_clock`, `POST
//! /__sim/clock`). Every time the model writes into a CDR, a bill file's name
//! or zip entries, a recording or an event reads this clock, so the same seed
//! and the same pinned clock give the same files and events byte for byte.
//! (Signatures and token lifetimes stay on real time: clients sign with it.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The model's clock (cheap to clone; clones share a pinned time).
#[derive(Debug, Clone, Default)]
pub(crate) struct Clock {
    pinned: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The system clock, or one pinned at `pinned_ms` (epoch milliseconds).
    pub(crate) fn new(pinned_ms: Option<u64>) -> Clock {
        Clock { pinned: pinned_ms.map(|ms| Arc::new(AtomicU64::new(ms))) }
    }

    /// Now, in epoch milliseconds.
    pub(crate) fn now_ms(&self) -> u64 {
        match &self.pinned {
            Some(t) => t.load(Ordering::SeqCst),
            None => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0),
        }
    }

    /// Whether the clock is pinned.
    pub(crate) fn is_pinned(&self) -> bool {
        self.pinned.is_some()
    }

    /// Moves a pinned clock forward; the new time (`None`: the clock follows the system's).
    pub(crate) fn advance(&self, ms: u64) -> Option<u64> {
        self.pinned.as_ref().map(|t| t.fetch_add(ms, Ordering::SeqCst) + ms)
    }
}

/// Epoch milliseconds of an RFC 3339 time or a `YYYY-MM-DD` date (midnight UTC),
/// as `cec fs` reads times; an error naming the rule otherwise.
pub fn parse_clock(s: &str) -> Result<u64, String> {
    let secs = cec_fs::time::parse_time_arg(s)?;
    u64::try_from(secs).map(|s| s * 1000).map_err(|_| format!("{s:?} is before 1970"))
}

/// `GET /__sim/clock` (the model's time, pinned or not) and `POST /__sim/clock`
/// `{"advance_ms": N}` (moves a pinned clock; 409 when it follows the system's).
pub(crate) fn admin_routes(shared: Arc<crate::model::Shared>) -> axum::Router {
    use axum::extract::State;
    use axum::response::IntoResponse;
    type S = State<Arc<crate::model::Shared>>;
    async fn get(State(shared): S) -> axum::response::Response {
        let c = &shared.clock;
        axum::Json(serde_json::json!({ "now_ms": c.now_ms(), "pinned": c.is_pinned() })).into_response()
    }
    async fn post(State(shared): S, axum::Json(body): axum::Json<serde_json::Value>) -> axum::response::Response {
        let Some(ms) = body.get("advance_ms").and_then(serde_json::Value::as_u64) else {
            let msg = serde_json::json!({ "error": "body must be {\"advance_ms\": <milliseconds>}" });
            return (http::StatusCode::BAD_REQUEST, axum::Json(msg)).into_response();
        };
        match shared.clock.advance(ms) {
            Some(now) => {
                shared.settle();
                axum::Json(serde_json::json!({ "now_ms": now, "pinned": true })).into_response()
            }
            None => {
                let msg = serde_json::json!({ "error": "the clock is not pinned (cec sim --clock)" });
                (http::StatusCode::CONFLICT, axum::Json(msg)).into_response()
            }
        }
    }
    axum::Router::new().route("/__sim/clock", axum::routing::get(get).post(post)).with_state(shared)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn clock_times_parse() {
        assert_eq!(parse_clock("2026-03-02T00:00:00Z").unwrap(), 1_772_409_600_000);
        assert_eq!(parse_clock("2026-03-02T08:00:00+08:00").unwrap(), 1_772_409_600_000);
        assert!(parse_clock("1969-12-31T00:00:00Z").is_err());
        assert!(parse_clock("yesterday").is_err());
    }

    #[test]
    fn a_pinned_clock_stands_still_until_advanced() {
        let c = Clock::new(Some(1000));
        assert_eq!(c.now_ms(), 1000);
        assert_eq!(c.clone().advance(500), Some(1500));
        assert_eq!(c.now_ms(), 1500);
        assert!(Clock::new(None).advance(1).is_none());
    }
}
