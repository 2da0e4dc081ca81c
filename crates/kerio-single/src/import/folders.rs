//! Where each source folder goes in Kerio (`maps_to`): special-use attributes (RFC 6154) first,
//! then well-known names of other servers and clients, else the folder keeps its hierarchy with
//! the source's delimiter replaced by Kerio's `/`.
//!
//! Kerio's folder names and delimiter are listed with their evidence in docs/bridge-protocol.md
//! (`import_probe`).

/// Kerio's IMAP hierarchy delimiter.
pub const KERIO_DELIMITER: char = '/';
/// Kerio's inbox.
pub const INBOX: &str = "INBOX";
/// Kerio's folder for sent mail.
pub const SENT: &str = "Sent Items";
/// Kerio's folder for deleted mail.
pub const DELETED: &str = "Deleted Items";
/// Kerio's folder for spam.
pub const JUNK: &str = "Junk E-mail";
/// Kerio's folder for drafts.
pub const DRAFTS: &str = "Drafts";

/// Special-use attributes (lower case, with the backslash) and the Kerio folder each maps to.
const SPECIAL_USE: &[(&str, &str)] = &[
    ("\\sent", SENT),
    ("\\trash", DELETED),
    ("\\junk", JUNK),
    ("\\drafts", DRAFTS),
];

/// Well-known folder names (compared case-insensitively, as a top-level folder) and their
/// Kerio folder.
const WELL_KNOWN: &[(&str, &str)] = &[
    ("inbox", INBOX),
    ("sent", SENT),
    ("sent messages", SENT),
    ("sent items", SENT),
    ("gesendet", SENT),
    ("trash", DELETED),
    ("deleted messages", DELETED),
    ("deleted items", DELETED),
    ("papierkorb", DELETED),
    ("spam", JUNK),
    ("junk", JUNK),
    ("junk e-mail", JUNK),
    ("drafts", DRAFTS),
    ("entwürfe", DRAFTS),
];

/// The Kerio folder for a source folder `name` (decoded) with `attributes` (as listed, any
/// case) and hierarchy `delimiter` (`None` = flat).
pub fn maps_to(name: &str, attributes: &[String], delimiter: Option<char>) -> String {
    let special = attributes.iter().find_map(|attribute| {
        let lower = attribute.to_lowercase();
        SPECIAL_USE
            .iter()
            .find(|(use_, _)| *use_ == lower)
            .map(|(_, folder)| *folder)
    });
    if let Some(folder) = special {
        return folder.to_string();
    }
    let lower = name.to_lowercase();
    if let Some((_, folder)) = WELL_KNOWN.iter().find(|(known, _)| *known == lower) {
        return folder.to_string();
    }
    match delimiter {
        Some(delimiter) if delimiter != KERIO_DELIMITER => translated(name, delimiter),
        _ => name.to_string(),
    }
}

/// `name` with the source `delimiter` turned into Kerio's, and any `/` inside a level (which
/// Kerio would read as a level) turned into `_`.
fn translated(name: &str, delimiter: char) -> String {
    name.split(delimiter)
        .map(|level| level.replace(KERIO_DELIMITER, "_"))
        .collect::<Vec<_>>()
        .join(&KERIO_DELIMITER.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn special_use_wins_over_the_name() {
        assert_eq!(
            maps_to("Gesendete Objekte", &attrs(&["\\Sent"]), Some('/')),
            SENT
        );
        assert_eq!(
            maps_to(
                "Inbox.Rubbish",
                &attrs(&["\\HasNoChildren", "\\Trash"]),
                Some('.')
            ),
            DELETED
        );
        assert_eq!(maps_to("Bulk", &attrs(&["\\JUNK"]), None), JUNK);
        assert_eq!(maps_to("Drafts", &attrs(&["\\Sent"]), None), SENT);
    }

    #[test]
    fn well_known_names_map_without_attributes() {
        for (name, folder) in [
            ("INBOX", INBOX),
            ("Sent Messages", SENT),
            ("Gesendet", SENT),
            ("Deleted Messages", DELETED),
            ("Papierkorb", DELETED),
            ("Spam", JUNK),
            ("Junk", JUNK),
            ("Entwürfe", DRAFTS),
            ("drafts", DRAFTS),
        ] {
            assert_eq!(maps_to(name, &[], Some('/')), folder, "{name}");
        }
    }

    #[test]
    fn other_folders_keep_their_hierarchy_in_kerio_form() {
        assert_eq!(
            maps_to("Projects/2024/Q1.report", &[], Some('/')),
            "Projects/2024/Q1.report"
        );
        assert_eq!(
            maps_to("Projects.2024.Q1", &[], Some('.')),
            "Projects/2024/Q1"
        );
        assert_eq!(maps_to("A/B.C", &[], Some('.')), "A_B/C");
        assert_eq!(maps_to("Projects.Sent", &[], Some('.')), "Projects/Sent");
        assert_eq!(maps_to("Über uns", &[], None), "Über uns");
    }
}
