//! The agent's state and calls as events report them: what a connection bar draws.

use crate::generated::AgentEvent;

/// What the agent is doing, as the session has seen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AgentState {
    /// Not signed in (before sign-in, after sign-out, or signed out by the platform).
    #[default]
    SignedOut,
    /// Signed in, state not reported yet.
    SignedIn,
    /// Idle: ready for calls.
    Idle,
    /// Busy (not ready), or occupied by a call the agent placed.
    Busy,
    /// Resting.
    Rest,
    /// After-call work.
    Work,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallState {
    /// Offered to the agent.
    Ringing,
    /// Placed by the agent; the other party is ringing.
    Dialing,
    /// Connected.
    Talking,
    /// Held by the agent.
    Held,
    /// Three-party call.
    Conference,
}

/// A call the agent holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallView {
    /// Call id.
    pub call_id: String,
    /// Calling number.
    pub caller: Option<String>,
    /// Called number.
    pub called: Option<String>,
    /// State.
    pub state: CallState,
}

/// The agent and its calls: enough to draw a connection bar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentView {
    /// Agent state.
    pub state: AgentState,
    /// Calls, oldest first.
    pub calls: Vec<CallView>,
    /// Microphone muted (as the session asked; the platform sends no event for it).
    pub muted: bool,
    /// Events applied so far.
    pub events_seen: u64,
}

impl AgentView {
    /// Updates the view from one event.
    pub fn apply(&mut self, event: &AgentEvent) {
        use AgentEvent as E;
        self.events_seen += 1;
        match event {
            E::InService => self.state = AgentState::SignedIn,
            E::ShutdownService(_) => {
                self.state = AgentState::SignedOut;
                self.calls.clear();
            }
            E::StateReady | E::StateCancelNotReadySuccess | E::StateCancelRestSuccess | E::StateCancelWorkSuccess => {
                self.state = AgentState::Idle
            }
            // Busy asked for during a call takes effect when the call ends.
            E::StateSetNotReadySuccess(_) if !self.calls.is_empty() => {}
            E::StateBusy | E::StateSetNotReadySuccess(_) => self.state = AgentState::Busy,
            E::StateSetRestSuccess(_) => self.state = AgentState::Rest,
            E::StateWork | E::StateSetWorkSuccess => self.state = AgentState::Work,
            E::Ringing(c) => {
                if let Some(id) = &c.callid {
                    self.upsert(id, c.caller.clone(), c.called.clone(), CallState::Ringing);
                }
            }
            E::CustomerAlerting(c) => {
                if let Some(id) = &c.callid {
                    self.upsert(id, None, c.other_phone.clone(), CallState::Dialing);
                }
            }
            E::Talking(c) => {
                if let Some(id) = &c.callid {
                    self.upsert(id, c.caller.clone(), c.called.clone(), CallState::Talking);
                }
            }
            E::Conference(c) => {
                if let Some(id) = &c.callid {
                    self.upsert(id, None, None, CallState::Conference);
                }
            }
            E::Hold { call_id } => self.set_call_state(call_id, CallState::Held),
            E::CallRelease { call_id } | E::CallOutFail { call_id } | E::InsideCallFail { call_id } => {
                self.remove(call_id)
            }
            E::CustomerRelease(c) => {
                if let Some(id) = &c.callid {
                    self.remove(id);
                }
            }
            _ => {}
        }
    }

    fn remove(&mut self, id: &str) {
        self.calls.retain(|c| c.call_id != id);
        if self.calls.is_empty() {
            self.muted = false;
        }
    }

    pub(crate) fn upsert(&mut self, id: &str, caller: Option<String>, called: Option<String>, state: CallState) {
        match self.calls.iter_mut().find(|c| c.call_id == id) {
            Some(c) => {
                c.state = state;
                c.caller = caller.or(c.caller.take());
                c.called = called.or(c.called.take());
            }
            None => self.calls.push(CallView { call_id: id.to_owned(), caller, called, state }),
        }
    }

    pub(crate) fn set_call_state(&mut self, id: &str, state: CallState) {
        if let Some(c) = self.calls.iter_mut().find(|c| c.call_id == id) {
            c.state = state;
        }
    }

    /// The call ringing at the agent, if any.
    pub fn ringing(&self) -> Option<&CallView> {
        self.calls.iter().find(|c| c.state == CallState::Ringing)
    }

    /// The connected call (talking or in conference), if any.
    pub fn talking(&self) -> Option<&CallView> {
        self.calls.iter().find(|c| matches!(c.state, CallState::Talking | CallState::Conference))
    }

    /// The call the agent is on now (not held), if any.
    pub fn active(&self) -> Option<&CallView> {
        self.calls.iter().find(|c| c.state != CallState::Held)
    }

    /// Held calls, oldest first.
    pub fn held(&self) -> impl Iterator<Item = &CallView> {
        self.calls.iter().filter(|c| c.state == CallState::Held)
    }

    /// Signed in (any state but [`AgentState::SignedOut`]).
    pub fn signed_in(&self) -> bool {
        self.state != AgentState::SignedOut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn view_follows_a_call() {
        let mut v = AgentView::default();
        v.apply(&AgentEvent::from_raw("AgentOther_InService", serde_json::Value::Null));
        v.apply(&AgentEvent::from_raw("AgentState_Ready", serde_json::Value::Null));
        assert_eq!(v.state, AgentState::Idle);
        v.apply(&AgentEvent::from_raw("AgentEvent_Ringing", json!({"callid": "c1", "caller": "139"})));
        assert_eq!(v.ringing().map(|c| c.call_id.as_str()), Some("c1"));
        v.apply(&AgentEvent::from_raw("AgentEvent_Talking", json!({"callid": "c1"})));
        assert_eq!(v.calls[0].state, CallState::Talking);
        assert_eq!(v.calls[0].caller.as_deref(), Some("139"));
        v.apply(&AgentEvent::from_raw("AgentEvent_Hold", json!("c1")));
        assert_eq!(v.calls[0].state, CallState::Held);
        assert!(v.active().is_none());
        assert_eq!(v.held().count(), 1);
        v.apply(&AgentEvent::from_raw("AgentEvent_Call_Release", json!("c1")));
        assert!(v.calls.is_empty());
        v.apply(&AgentEvent::from_raw("AgentState_SetRest_Success", json!({"reason": "4"})));
        assert_eq!(v.state, AgentState::Rest);
        v.apply(&AgentEvent::from_raw("AgentEvent_FromTheFuture", json!({})));
        assert_eq!(v.events_seen, 8);
    }

    #[test]
    fn outbound_consult_and_conference() {
        let mut v = AgentView::default();
        v.apply(&AgentEvent::from_raw("AgentEvent_Customer_Alerting", json!({"callid": "o1", "otherPhone": "555"})));
        assert_eq!(v.calls[0].state, CallState::Dialing);
        assert_eq!(v.calls[0].called.as_deref(), Some("555"));
        v.apply(&AgentEvent::from_raw("AgentEvent_Call_Out_Fail", json!("o1")));
        assert!(v.calls.is_empty());
        v.apply(&AgentEvent::from_raw("AgentEvent_Talking", json!({"callid": "c1"})));
        v.apply(&AgentEvent::from_raw("AgentEvent_Hold", json!("c1")));
        v.apply(&AgentEvent::from_raw("AgentEvent_Customer_Alerting", json!({"callid": "k1", "otherPhone": "1002"})));
        v.apply(&AgentEvent::from_raw("AgentEvent_Talking", json!({"callid": "k1"})));
        assert_eq!(v.talking().map(|c| c.call_id.as_str()), Some("k1"));
        v.apply(&AgentEvent::from_raw("AgentEvent_Call_Release", json!("k1")));
        v.apply(&AgentEvent::from_raw("AgentEvent_Conference", json!({"callid": "c1", "partner": "1002"})));
        assert_eq!(v.calls.len(), 1);
        assert_eq!(v.calls[0].state, CallState::Conference);
        // Busy during a call waits for the call to end.
        v.apply(&AgentEvent::from_raw("AgentState_Ready", json!(null)));
        v.apply(&AgentEvent::from_raw("AgentState_SetNotReady_Success", json!({"reason": "1"})));
        assert_eq!(v.state, AgentState::Idle);
        v.apply(&AgentEvent::from_raw("AgentEvent_Customer_Release", json!({"callid": "c1"})));
        v.apply(&AgentEvent::from_raw("AgentState_Busy", json!(null)));
        assert_eq!(v.state, AgentState::Busy);
        assert!(v.calls.is_empty());
    }
}
