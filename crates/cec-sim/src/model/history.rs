//! A period of finished calls before the simulator's start (the scenario's
//! `[history]`): call records, CDRs and recordings made from the seed and the
//! clock, so a nightly job (`cec fs sync`) has a day to fetch with no live traffic.

use super::queues::{AgentLeg, CallRecord};
use super::{Model, Recording, Shared, mix};
use crate::scenario::History;

/// A deterministic sequence of numbers from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }
    /// `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn percent(&mut self, p: u32) -> bool {
        self.next() % 100 < u64::from(p)
    }
}

impl Shared {
    /// Fills the model with the scenario's history (nothing without `[history]`).
    pub(crate) fn generate_history(&self) {
        let Some(h) = self.config.scenario.history.clone() else { return };
        let mut m = self.lock();
        let start = m.clock.now_ms();
        let mut rng = Rng(mix(self.config.seed ^ 0x4849_5354_4f52_5900));
        for record in self.history_calls(&mut m, &h, start, &mut rng) {
            if record.answered_ms.is_some() {
                let tone = record.id.bytes().fold(self.config.seed, |a, b| mix(a ^ u64::from(b)));
                let millis = record.talk_ms().min(u64::from(h.recording_max_secs) * 1000).div_ceil(1000) * 1000;
                if millis > 0 {
                    m.recordings.insert(record.id.clone(), Recording { millis, tone });
                }
            }
            let cdr = self.cdr_of(&m, &record);
            m.cdrs.calls.push(cdr);
            m.queues.order.push(record.id.clone());
            m.queues.records.insert(record.id.clone(), record);
        }
        tracing::info!(calls = h.calls, "history generated");
    }

    fn history_calls(&self, m: &mut Model, h: &History, start: u64, rng: &mut Rng) -> Vec<CallRecord> {
        let sc = &self.config.scenario;
        let voice: Vec<u32> = sc.queues.iter().filter(|q| q.media_type == 5).map(|q| q.id).collect();
        let span = u64::from(h.hours) * 3_600_000;
        let slot = span / u64::from(h.calls.max(1));
        let begin = start.saturating_sub(span);
        let mut out = Vec::new();
        for n in 0..u64::from(h.calls) {
            let Some(&queue) = voice.get((rng.next() % voice.len().max(1) as u64) as usize) else { break };
            let id = self.new_call_id(m);
            // Whole seconds, as CDRs write times.
            let queued = (begin + n * slot + rng.range(0, slot.saturating_sub(1) / 2)) / 1000 * 1000;
            let wait = rng.range(3, 90) * 1000;
            let caller = format!("139{:08}", rng.next() % 100_000_000);
            let agents: Vec<&str> =
                sc.agents.iter().filter(|a| a.skills.contains(&queue)).map(|a| a.id.as_str()).collect();
            let mut rec = CallRecord {
                id,
                caller,
                called: self.access_code_of(queue),
                direction: "in".into(),
                media_type: 5,
                skill: Some(queue),
                agent: None,
                queued_ms: Some(queued),
                offered_ms: None,
                answered_ms: None,
                released_ms: Some(queued + wait),
                legs: Vec::new(),
            };
            if agents.is_empty() || rng.percent(h.abandon_percent) {
                out.push(rec);
                continue;
            }
            let agent = agents[(rng.next() % agents.len() as u64) as usize];
            let offered = queued + wait;
            let answered = offered + rng.range(2, 12) * 1000;
            let talk = rng.range(u64::from(h.min_talk_secs), u64::from(h.max_talk_secs)) * 1000;
            let released = answered + talk;
            rec.agent = Some(agent.into());
            rec.offered_ms = Some(offered);
            rec.answered_ms = Some(answered);
            rec.released_ms = Some(released);
            let others: Vec<&str> = sc.agents.iter().map(|a| a.id.as_str()).filter(|a| *a != agent).collect();
            if !others.is_empty() && rng.percent(h.transfer_percent) {
                // A blind transfer halfway: the second agent rings, answers and ends the call.
                let to = others[(rng.next() % others.len() as u64) as usize];
                let at = answered + talk / 2000 * 1000;
                rec.legs.push(AgentLeg {
                    agent: agent.into(),
                    offered_ms: offered,
                    answered_ms: Some(answered),
                    ended_ms: Some(at),
                });
                let picked = (at + rng.range(2, 8) * 1000).min(released);
                rec.legs.push(AgentLeg {
                    agent: to.into(),
                    offered_ms: at,
                    answered_ms: Some(picked),
                    ended_ms: Some(released),
                });
            } else {
                rec.legs.push(AgentLeg {
                    agent: agent.into(),
                    offered_ms: offered,
                    answered_ms: Some(answered),
                    ended_ms: Some(released),
                });
            }
            out.push(rec);
        }
        out
    }
}
