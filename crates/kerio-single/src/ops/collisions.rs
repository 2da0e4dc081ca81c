//! Who already holds an address in Kerio, asked before a mailbox is created.
//!
//! Kerio accepts duplicates silently — "creating duplicates is often allowed but may cause
//! unwanted effects" (IDL note of `Server.findEntityByEmail`, docs/emulator.md) — so a new
//! mailbox whose name is another user's alias, a group's or a mailing list's address would be
//! created and mail would go astray. `Server.findEntityByEmail` lists every holder; the entry
//! marked `isPattern` is the entity being checked itself and is skipped (Kerio's own
//! `checkUser.php` does the same).

use crate::address::Address;
use crate::error::{quote, Error};
use crate::session::{DomainInfo, Kerio};
use kerio_api::Entity;

/// Kerio's entity kind of a user.
const USER_KIND: &str = "EntityUser";

/// The entities that hold any of `addresses` (of `domain`) there, with one
/// `Server.findEntityByEmail`; `collision_address` says which.
pub fn holders(
    kerio: &mut Kerio,
    domain: &DomainInfo,
    addresses: &[&Address],
) -> Result<Vec<Entity>, Error> {
    let locals: Vec<String> = addresses.iter().map(|a| a.local().to_string()).collect();
    let found = kerio.client().find_entity_by_email(&locals, &domain.id)?;
    Ok(found
        .into_iter()
        .filter(|entity| !entity.is_pattern)
        .collect())
}

/// Whether a user holds the address as its login name (the mailbox itself, perhaps this
/// service's from an earlier try), rather than as an alias or through another entity.
pub fn held_by_login(holders: &[Entity], address: &Address) -> bool {
    holders
        .iter()
        .any(|entity| entity.kind == USER_KIND && entity.name.eq_ignore_ascii_case(address.local()))
}

/// What holds the address, for the `already_taken` message: "it is held by the user jsmith
/// (alias), the group sales".
pub fn holders_phrase(holders: &[Entity]) -> String {
    if holders.is_empty() {
        return "another Kerio entity uses it".to_string();
    }
    let named: Vec<String> = holders
        .iter()
        .map(|entity| format!("{} {}", kind_name(&entity.kind), quote(&entity.name)))
        .collect();
    format!("it is held by {}", named.join(", "))
}

/// A reader's name for an entity kind.
fn kind_name(kind: &str) -> &str {
    match kind {
        USER_KIND => "the user",
        "EntityAlias" => "the alias",
        "EntityGroup" => "the group",
        "EntityMailingList" => "the mailing list",
        "EntityResource" => "the resource",
        _ => "the Kerio entity",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(kind: &str, name: &str) -> Entity {
        Entity {
            kind: kind.to_string(),
            name: name.to_string(),
            ..Entity::default()
        }
    }

    #[test]
    fn only_a_user_of_that_login_holds_it_by_login() {
        let address = Address::parse("sales@example.com").unwrap();
        assert!(held_by_login(&[entity(USER_KIND, "Sales")], &address));
        assert!(!held_by_login(&[entity(USER_KIND, "jsmith")], &address));
        assert!(!held_by_login(&[entity("EntityGroup", "sales")], &address));
    }

    #[test]
    fn the_phrase_names_every_holder() {
        let phrase = holders_phrase(&[
            entity(USER_KIND, "jsmith"),
            entity("EntityMailingList", "sales"),
        ]);
        assert_eq!(
            phrase,
            "it is held by the user \"jsmith\", the mailing list \"sales\""
        );
        assert!(holders_phrase(&[]).contains("another"));
    }
}
