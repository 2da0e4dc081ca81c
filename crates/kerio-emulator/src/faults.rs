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
    /// Carry out the call, then make its answer hostile ([`Hostile`]): what a broken or
    /// malicious server could send.
    HostileAfter,
}

impl FaultKind {
    const ALL: [FaultKind; 10] = [
        FaultKind::Http500,
        FaultKind::Http502,
        FaultKind::Reset,
        FaultKind::Malformed,
        FaultKind::Delay,
        FaultKind::ExpireSession,
        FaultKind::ResetAfter,
        FaultKind::Http500After,
        FaultKind::DelayAfter,
        FaultKind::HostileAfter,
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
            FaultKind::HostileAfter => "hostile_after",
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
    /// What [`FaultKind::HostileAfter`] does to the answer.
    pub hostile: Hostile,
}

/// How a [`FaultKind::HostileAfter`] answer is made hostile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hostile {
    /// Bytes appended to every `description` in the answer (at any depth): the text stays, so a
    /// service's mark still reads, followed by `<script>` and `x`s.
    pub description_bytes: usize,
    /// Extra domains added to every domain list in the answer (copies of its first domain with
    /// these names and fresh ids), e.g. `<script>`, `a..b`.
    pub domain_names: Vec<String>,
}

/// Largest `description_bytes` accepted (200 MB).
const MAX_HOSTILE_BYTES: u64 = 200 * 1024 * 1024;

impl Hostile {
    /// Parses `description_bytes` (default 0) and `domain_names` (default none) of a fault.
    fn from_json(value: &Value) -> Result<Hostile, String> {
        let description_bytes = match value.get("description_bytes") {
            None => 0,
            Some(bytes) => bytes
                .as_u64()
                .filter(|b| *b <= MAX_HOSTILE_BYTES)
                .and_then(|b| usize::try_from(b).ok())
                .ok_or("\"description_bytes\" must be an integer from 0 to 209715200")?,
        };
        let domain_names = match value.get("domain_names") {
            None => Vec::new(),
            Some(names) => names
                .as_array()
                .and_then(|names| {
                    names
                        .iter()
                        .map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .ok_or("\"domain_names\" must be a list of strings")?,
        };
        Ok(Hostile {
            description_bytes,
            domain_names,
        })
    }

    /// Makes `answer` (a call's result) hostile, at any depth.
    pub fn apply(&self, answer: &mut Value) {
        match answer {
            Value::Object(map) => {
                if let Some(Value::String(text)) = map.get_mut("description") {
                    text.push_str(" <script>alert(1)</script>");
                    text.extend(std::iter::repeat_n('x', self.description_bytes));
                }
                if let Some(Value::Array(list)) = map.get_mut("list") {
                    self.add_domains(list);
                }
                map.values_mut().for_each(|inner| self.apply(inner));
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.apply(item)),
            _ => {}
        }
    }

    /// Adds the hostile domains to `list` when it is a list of domains.
    fn add_domains(&self, list: &mut Vec<Value>) {
        let Some(first) = list.first().cloned() else {
            return;
        };
        let is_domain = first
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.starts_with("keriodb://domain/"));
        if !is_domain {
            return;
        }
        for (n, name) in self.domain_names.iter().enumerate() {
            let mut domain = first.clone();
            domain["id"] = json!(format!("keriodb://domain/hostile-{n}"));
            domain["name"] = json!(name);
            list.push(domain);
        }
    }
}

impl Fault {
    /// Parses `{"method","kind","times","delay_ms"}` (times default 1, delay_ms default 0), and
    /// for `hostile_after` `description_bytes` and `domain_names` ([`Hostile`]).
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
            hostile: Hostile::from_json(value)?,
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
