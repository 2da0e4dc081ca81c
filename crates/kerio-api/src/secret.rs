//! A string that must never be printed: passwords and session tokens.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The text printed instead of a secret value (in Debug, Display and transcripts).
pub const MASK: &str = "********";

/// A secret string: `Debug` and `Display` print `********`; [`Secret::expose`] gives the value.
///
/// It serialises to its real value, because it is only ever serialised into the request body
/// sent to Kerio; transcripts redact request bodies separately (see [`crate::Exchange`]).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value; call it only where the value goes onto the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("hunter2-Password");
        assert_eq!(format!("{secret:?}"), MASK);
        assert_eq!(format!("{secret}"), MASK);
        assert_eq!(secret.expose(), "hunter2-Password");
    }

    #[test]
    fn serialises_the_real_value_for_the_wire() {
        let secret = Secret::new("pw");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"pw\"");
        let back: Secret = serde_json::from_str("\"pw\"").unwrap();
        assert_eq!(back, secret);
    }
}
