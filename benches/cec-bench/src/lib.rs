//! Shared pieces of the cec-rs benchmarks (`cargo xtask bench <name>`).
//!
//! This crate exists so that heavy baselines (criterion, aws-sigv4 and its
//! smithy dependencies) stay out of the NE crates' dependencies. The
//! benchmarks are the binaries in `src/bin/` and `benches/`.

use std::fmt::Write as _;

/// Min, median and max of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Smallest sample.
    pub min: f64,
    /// Median sample.
    pub median: f64,
    /// Largest sample.
    pub max: f64,
}

impl Summary {
    /// The summary of `samples` (all zero when empty).
    pub fn of(mut samples: Vec<f64>) -> Self {
        if samples.is_empty() {
            return Summary { min: 0.0, median: 0.0, max: 0.0 };
        }
        samples.sort_by(f64::total_cmp);
        Summary { min: samples[0], median: samples[samples.len() / 2], max: samples[samples.len() - 1] }
    }

    /// `min/median/max` with `digits` decimals.
    pub fn fmt(&self, digits: usize) -> String {
        format!("{:.d$}/{:.d$}/{:.d$}", self.min, self.median, self.max, d = digits)
    }
}

/// A CC-CMS `agentstatusinfobyagentids` answer of about 4 KB: the envelope
/// (`result`, `resultCode`) and the per-agent states in `resultDesc` and its
/// legacy copy `resultDatas`, deterministic.
pub fn agent_status_answer() -> Vec<u8> {
    let agent = |i: i64| {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"{{"agentId":{},"locationId":{},"currentStateReason":{},"prevState":{},"prevStateTime":{},"currentState":{},"currentStateTime":{},"logonTime":{},"agentRelease":{},"currentPrivateCallNum":{}}}"#,
            1001 + i,
            i % 3,
            (i * 7) % 11,
            (i * 5) % 10,
            100 + i * 37,
            (i * 3) % 10,
            10 + i * 13,
            1_768_465_800_123 + i * 1000,
            i % 4,
            i % 2
        );
        s
    };
    let list = |n: i64| (0..n).map(agent).collect::<Vec<_>>().join(",");
    format!(r#"{{"result":"0","resultCode":"0100000","resultDesc":[{}],"resultDatas":[{}]}}"#, list(9), list(9))
        .into_bytes()
}

/// The SDK's own decoding of a complete HTTP 200 answer (what `Client::call` runs):
/// envelope and typed result in one pass.
pub fn sdk_decode<T: serde::de::DeserializeOwned>(op: &'static cec_core::OperationMeta, body: &[u8]) -> Option<T> {
    cec_core::envelope::decode_typed(op, http::StatusCode::OK, &http::HeaderMap::new(), body).ok()
}
