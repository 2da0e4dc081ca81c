//! Injected faults: per API method (or `*` for any), a kind and how many calls it hits.

use serde_json::{json, Value};

/// What an injected fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer HTTP 500.
    Http500,
    /// Answer HTTP 502.
    Http502,
    /// Close the connection without answering.
    Reset,
    /// Answer 200 with a truncated JSON body.
    Malformed,
    /// Wait `delay_ms`, then answer normally.
    Delay,
    /// End the caller's session first, so the call fails with -32001.
    ExpireSession,
    /// Carry out the call, then close the connection without answering.
    ResetAfter,
    /// Carry out the call, then answer HTTP 500 instead of its result.
    Http500After,
    /// Carry out the call (its answer computed from the state at that moment), wait `delay_ms`,
    /// then send that answer: a read that is stale by the time the caller gets it, so a caller's
    /// read-modify-write races with others for real.
    DelayAfter,
}

impl FaultKind {
    const ALL: [FaultKind; 9] = [
        FaultKind::Http500,
        FaultKind::Http502,
        FaultKind::Reset,
        FaultKind::Malformed,
        FaultKind::Delay,
        FaultKind::ExpireSession,
        FaultKind::ResetAfter,
        FaultKind::Http500After,
        FaultKind::DelayAfter,
    ];

    /// The name used in the control API.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Http500 => "http500",
            FaultKind::Http502 => "http502",
            FaultKind::Reset => "reset",
            FaultKind::Malformed => "malformed",
            FaultKind::Delay => "delay",
            FaultKind::ExpireSession => "expire_session",
            FaultKind::ResetAfter => "reset_after",
            FaultKind::Http500After => "http500_after",
            FaultKind::DelayAfter => "delay_after",
        }
    }

    fn parse(name: &str) -> Option<FaultKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One injected fault.
#[derive(Debug, Clone)]
pub struct Fault {
    /// `Interface.method` or `*`.
    pub method: String,
    /// What it does.
    pub kind: FaultKind,
    /// Calls it still hits.
    pub times: u32,
    /// Delay for [`FaultKind::Delay`] and [`FaultKind::DelayAfter`].
    pub delay_ms: u64,
}

impl Fault {
    /// Parses `{"method","kind","times","delay_ms"}` (times default 1, delay_ms default 0).
    pub fn from_json(value: &Value) -> Result<Fault, String> {
        let method = value
            .get("method")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .ok_or("\"method\" must be an API method name like \"Users.get\" or \"*\"")?;
        let kind_names: Vec<&str> = FaultKind::ALL.iter().map(|k| k.name()).collect();
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .and_then(FaultKind::parse)
            .ok_or_else(|| format!("\"kind\" must be one of {}", kind_names.join(", ")))?;
        let times = match value.get("times") {
            None => 1,
            Some(times) => times
                .as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .filter(|t| *t > 0)
                .ok_or("\"times\" must be a positive integer")?,
        };
        let delay_ms = match value.get("delay_ms") {
            None => 0,
            Some(delay) => delay
                .as_u64()
                .filter(|d| *d <= 600_000)
                .ok_or("\"delay_ms\" must be an integer from 0 to 600000")?,
        };
        Ok(Fault {
            method: method.to_string(),
            kind,
            times,
            delay_ms,
        })
    }

    /// The control-API form.
    pub fn to_json(&self) -> Value {
        json!({"method": self.method, "kind": self.kind.name(), "times": self.times, "delay_ms": self.delay_ms})
    }
}

/// The active faults, oldest first.
#[derive(Default)]
pub struct Faults {
    active: Vec<Fault>,
}

impl Faults {
    /// Adds a fault.
    pub fn add(&mut self, fault: Fault) {
        self.active.push(fault);
    }

    /// Removes all faults.
    pub fn clear(&mut self) {
        self.active.clear();
    }

    /// The active faults.
    pub fn list(&self) -> Vec<Value> {
        self.active.iter().map(Fault::to_json).collect()
    }

    /// Uses up one hit of the first fault matching `method` (exact name or `*`).
    pub fn take(&mut self, method: &str) -> Option<Fault> {
        let position = self
            .active
            .iter()
            .position(|f| f.method == method || f.method == "*")?;
        let fault = &mut self.active[position];
        fault.times -= 1;
        let hit = fault.clone();
        if fault.times == 0 {
            self.active.remove(position);
        }
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_run_out() {
        let mut faults = Faults::default();
        faults.add(
            Fault::from_json(&json!({"method": "Users.get", "kind": "http500", "times": 2}))
                .unwrap(),
        );
        assert!(faults.take("Users.set").is_none());
        assert!(faults.take("Users.get").is_some());
        assert!(faults.take("Users.get").is_some());
        assert!(faults.take("Users.get").is_none());
    }

    #[test]
    fn delay_after_is_a_kind_with_its_delay() {
        let fault = Fault::from_json(
            &json!({"method": "Batch.run", "kind": "delay_after", "delay_ms": 1500, "times": 10}),
        )
        .unwrap();
        assert_eq!(fault.kind, FaultKind::DelayAfter);
        assert_eq!(fault.to_json()["delay_ms"], 1500);
    }

    #[test]
    fn bad_kind_is_explained() {
        let error = Fault::from_json(&json!({"method": "*", "kind": "boom"})).unwrap_err();
        assert!(error.contains("http500"));
    }
}
