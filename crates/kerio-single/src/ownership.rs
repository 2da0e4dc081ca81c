//! Which WHMCS service a Kerio mailbox belongs to, recorded in the user's `description`.
//!
//! Create writes `WHMCS service #42`; a retried create recognises its own mailbox by it, and no
//! operation given a service id touches a mailbox that names a different service.

/// The marker before the service id in a Kerio user description.
const MARKER: &str = "WHMCS service #";

/// The description written on a mailbox created for `service_id`.
pub fn description_for(service_id: u64) -> String {
    format!("{MARKER}{service_id}")
}

/// The WHMCS service id named in a Kerio user description, if any.
pub fn service_of(description: &str) -> Option<u64> {
    let start = description.find(MARKER)? + MARKER.len();
    let digits: String = description[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A short phrase naming who owns a mailbox, for "already taken" messages.
pub fn owner_phrase(description: &str) -> String {
    match service_of(description) {
        Some(id) => format!("it belongs to WHMCS service #{id}"),
        None => "it exists in Kerio and was not created for this service".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_service_id() {
        assert_eq!(description_for(42), "WHMCS service #42");
        assert_eq!(service_of(&description_for(42)), Some(42));
        assert_eq!(
            service_of("Sales team; WHMCS service #7 (migrated)"),
            Some(7)
        );
    }

    #[test]
    fn other_descriptions_name_no_service() {
        assert_eq!(service_of(""), None);
        assert_eq!(service_of("WHMCS service #"), None);
        assert_eq!(service_of("manual account"), None);
    }

    #[test]
    fn owner_phrase_distinguishes_services_from_manual_accounts() {
        assert!(owner_phrase("WHMCS service #9").contains("#9"));
        assert!(owner_phrase("").contains("not created for this service"));
    }
}
