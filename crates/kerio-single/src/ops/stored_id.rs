//! Acting on a mailbox by the Kerio user id the module stored when it created it.
//!
//! Kerio addresses a user by its id, and finding the id of an address costs a `Domains.get` and a
//! `Users.get`. The module keeps the id `create_account` returned (the admin-only custom field
//! `kerio_id`) and passes it as `user_id`, so suspend, unsuspend, terminate, change_password and
//! change_package can skip that lookup.
//!
//! Why acting by the id is safe without reading the user's description: Kerio ids
//! (`keriodb://user/<domain-uuid>/<user-uuid>`) are never reused, so an id recorded from this
//! service's own create names that service's mailbox or nothing at all. When Kerio answers that
//! the id does not exist (error 1002, as the failed item of `Users.set` / `Users.remove` or as the
//! error of `Users.getStatistics`), the id is *stale* (the mailbox was deleted, perhaps recreated
//! in Kerio): the operation falls back to the address lookup with the usual ownership check by
//! `WHMCS service #ID`, and returns the fresh id for the module to store.
//!
//! That Kerio reports an unknown id as 1002 rather than ignoring it is inferred ([I] in the
//! reference, §4.4/§6.3); the emulator does so.

use crate::error::Error;
use crate::session::Kerio;
use crate::translate::DOES_NOT_EXIST;
use kerio_api::{ByteValueWithUnits, Error as ApiError, SearchQuery};
use serde::Deserialize;
use serde_json::json;

/// How every Kerio user id begins.
const USER_ID_PREFIX: &str = "keriodb://user/";
/// Longest stored id accepted (two UUIDs and the prefix need about 90 characters).
const MAX_USER_ID_LENGTH: usize = 200;

/// The stored user id, checked for the shape of a Kerio user id; `None` when none was given.
pub fn parse(given: Option<&str>) -> Result<Option<&str>, Error> {
    let Some(id) = given else {
        return Ok(None);
    };
    let well_formed = id.starts_with(USER_ID_PREFIX)
        && id.len() > USER_ID_PREFIX.len()
        && id.len() <= MAX_USER_ID_LENGTH
        && id.chars().all(|c| c.is_ascii_graphic());
    if well_formed {
        return Ok(Some(id));
    }
    Err(Error::invalid_input(
        format!("The stored Kerio user ID is not a Kerio user id (they look like {USER_ID_PREFIX}…); nothing was changed."),
        "Empty the service's \"Kerio user ID\" field: the module then finds the mailbox by its address and records its id again.",
    ))
}

/// The outcome of a call made with the stored id: `None` when Kerio answered that the id does
/// not exist (stale), the value otherwise; any other failure is an error.
pub fn attempt<T>(outcome: Result<T, ApiError>) -> Result<Option<T>, Error> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kerio_code() == Some(DOES_NOT_EXIST) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The mailbox's live usage by user id, with one `Users.getStatistics`; `None` when the id is
/// stale.
///
/// `occupiedSpace.storage` is the size of the user's store, the figure `consumedSize` reports in
/// `Users.get` [I: reference §5 gives the shape, not the equality]. Chosen over `Domains.get` +
/// `Users.get` filtered by id because it needs no domain id: change_package stays at login,
/// this read, `Users.set`, logout.
pub fn storage_used(kerio: &mut Kerio, id: &str) -> Result<Option<ByteValueWithUnits>, Error> {
    let params = json!({"userIds": [id], "query": SearchQuery::all()});
    let Some(answer) = attempt(kerio.client().call(STATISTICS, params))? else {
        return Ok(None);
    };
    let answer: StatisticsAnswer =
        serde_json::from_value(answer).map_err(|e| malformed_statistics(&e.to_string()))?;
    // One id asked, so at most one entry; none (a server that skips unknown ids) means stale.
    Ok(answer
        .list
        .into_iter()
        .next()
        .map(|stats| stats.occupied_space.storage))
}

/// Kerio's method for per-user statistics.
const STATISTICS: &str = "Users.getStatistics";

/// The part of a `Users.getStatistics` answer the engine reads.
#[derive(Deserialize)]
struct StatisticsAnswer {
    list: Vec<UserStatistics>,
}

/// One user's statistics (`UserStats`), the storage part only.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserStatistics {
    occupied_space: OccupiedSpace,
}

/// `UserStats.occupiedSpace`.
#[derive(Deserialize)]
struct OccupiedSpace {
    storage: ByteValueWithUnits,
}

/// The error for a statistics answer without the expected shape.
fn malformed_statistics(detail: &str) -> Error {
    ApiError::InvalidJson {
        method: STATISTICS.to_string(),
        detail: detail.to_string(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn only_kerio_user_ids_are_accepted() {
        assert_eq!(parse(None).unwrap(), None);
        let id = "keriodb://user/2f4c/9a1b";
        assert_eq!(parse(Some(id)).unwrap(), Some(id));
        for bad in [
            "keriodb://user/",
            "keriodb://domain/2f4c",
            "42",
            "keriodb://user/a b",
            &format!("keriodb://user/{}", "x".repeat(200)),
        ] {
            let error = parse(Some(bad)).unwrap_err();
            assert_eq!(error.code, Code::InvalidInput, "{bad}");
            assert!(error.hint.contains("Kerio user ID"), "{bad}");
        }
    }

    #[test]
    fn only_does_not_exist_marks_an_id_stale() {
        let item = |code| ApiError::Items {
            method: "Users.set".into(),
            errors: vec![kerio_api::ItemError {
                input_index: 0,
                code,
                message: "User %1 does not exist.".into(),
            }],
        };
        assert_eq!(attempt::<()>(Err(item(1002))).unwrap(), None);
        assert_eq!(attempt(Ok(7)).unwrap(), Some(7));
        assert_eq!(
            attempt::<()>(Err(item(1004))).unwrap_err().code,
            Code::Permission
        );
        let timeout = ApiError::Timeout { phase: "read" };
        assert_eq!(attempt::<()>(Err(timeout)).unwrap_err().code, Code::Timeout);
    }
}
