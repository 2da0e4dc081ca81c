//! The message commands: APPEND (with the mailbox quota), SEARCH, FETCH, STORE and EXPUNGE.
//! Stored messages count in the user's `consumedSize` and item count (Users.get), on top of what
//! the control API's `usage` set.

use std::num::NonZeroU32;

use chrono::{FixedOffset, TimeZone};
use imap_codec::imap_types::core::{IString, Literal, NString, Vec1};
use imap_codec::imap_types::datetime::DateTime;
use imap_codec::imap_types::extensions::binary::LiteralOrLiteral8;
use imap_codec::imap_types::fetch::{
    MacroOrMessageDataItemNames, MessageDataItem, MessageDataItemName, Section,
};
use imap_codec::imap_types::flag::{Flag, FlagFetch, StoreResponse, StoreType};
use imap_codec::imap_types::response::{Code, Data};
use imap_codec::imap_types::search::SearchKey;
use imap_codec::imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

use crate::mailstore::{header_end, header_fields, header_value, Message, NewMessage};
use crate::state::{unix_now, User};
use crate::{lock, Emulator};

use super::session::{data, non_zero, other_code, storage_failure, Outcome, Session};

/// Whether storing `size` more bytes (one more item) would pass the user's quota; the refusal
/// names the numbers. [I] Kerio's wording is not known; the code is RFC 5530's OVERQUOTA.
fn over_quota(user: &User, size: u64) -> Option<String> {
    let used = user.mailbox.bytes;
    if user.disk_size_limit.is_active {
        let limit = user.disk_size_limit.limit.to_bytes().unwrap_or(u128::MAX);
        if u128::from(used) + u128::from(size) > limit {
            return Some(format!(
                "Mailbox quota exceeded: {used} of {limit} bytes used, the message has {size} bytes"
            ));
        }
    }
    if user.item_limit.is_active && user.mailbox.items >= user.item_limit.limit {
        return Some(format!(
            "Mailbox item limit reached: {} items",
            user.item_limit.limit
        ));
    }
    None
}

/// Adds (or with `sign` false removes) messages to the user's counted usage.
fn count_usage(emulator: &Emulator, user_id: &str, bytes: u64, items: u64, add: bool) {
    let mut store = lock(&emulator.store);
    let Some(mut user) = store.user(user_id).cloned() else {
        return;
    };
    if add {
        user.mailbox.bytes = user.mailbox.bytes.saturating_add(bytes);
        user.mailbox.items = user.mailbox.items.saturating_add(items);
    } else {
        user.mailbox.bytes = user.mailbox.bytes.saturating_sub(bytes);
        user.mailbox.items = user.mailbox.items.saturating_sub(items);
    }
    if let Err(error) = store.update_user(user) {
        eprintln!("kerio-emulator: storage error: {error}");
    }
}

fn flag_names(flags: &[Flag]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for flag in flags {
        let name = flag.to_string();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            names.push(name);
        }
    }
    names
}

/// APPEND: into an existing folder (else NO [TRYCREATE]), within the quota (else NO
/// [OVERQUOTA]), with its flags and internal date (now when not given).
pub(super) fn append(
    session: &mut Session,
    user_id: &str,
    name: &str,
    flags: &[Flag],
    date: Option<DateTime>,
    message: &LiteralOrLiteral8,
) -> Outcome {
    let body: &[u8] = match message {
        LiteralOrLiteral8::Literal(literal) => literal.data(),
        LiteralOrLiteral8::Literal8(literal) => &literal.data,
    };
    let folder = match session.folder(user_id, name) {
        Ok(folder) => folder,
        Err(outcome) => return outcome,
    };
    let user = lock(&session.emulator.store).user(user_id).cloned();
    let Some(user) = user else {
        return Outcome::no("The account no longer exists");
    };
    if let Some(reason) = over_quota(&user, body.len() as u64) {
        return Outcome::no(&reason).with_code(Code::OverQuota);
    }
    let internal_date = date.map_or((unix_now(), 0), |d| {
        let d = d.as_ref();
        (d.timestamp(), d.offset().local_minus_utc())
    });
    let stored = lock(&session.emulator.mail).append(
        user_id,
        &folder,
        NewMessage {
            flags: flag_names(flags),
            internal_date,
            body,
        },
    );
    match stored {
        Ok(uid) => {
            count_usage(&session.emulator, user_id, body.len() as u64, 1, true);
            let code = match (non_zero(folder.uid_validity), non_zero(uid)) {
                (Some(validity), Some(uid)) => {
                    Code::Other(imap_codec::imap_types::response::CodeOther::unvalidated(
                        format!("APPENDUID {validity} {uid}").into_bytes(),
                    ))
                }
                _ => other_code("APPENDUID"),
            };
            Outcome::ok(Vec::new(), "APPEND completed").with_code(code)
        }
        Err(error) => storage_failure(error),
    }
}

fn resolve(value: &SeqOrUid, largest: u32) -> u32 {
    match value {
        SeqOrUid::Value(n) => n.get(),
        SeqOrUid::Asterisk => largest,
    }
}

/// Whether `value` is in `set`, `*` standing for `largest` (a range may be given backwards).
fn in_set(set: &SequenceSet, value: u32, largest: u32) -> bool {
    set.0.as_ref().iter().any(|sequence| {
        let (a, b) = match sequence {
            Sequence::Single(one) => (resolve(one, largest), resolve(one, largest)),
            Sequence::Range(from, to) => (resolve(from, largest), resolve(to, largest)),
        };
        (a.min(b)..=a.max(b)).contains(&value)
    })
}

fn has_flag(message: &Message, flag: &str) -> bool {
    message.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
}

/// One message with its position, for SEARCH; the body is read only when a key needs it.
struct Candidate<'m> {
    message: &'m Message,
    seq: u32,
    largest_seq: u32,
    largest_uid: u32,
}

fn matches(
    session: &Session,
    user_id: &str,
    folder: &str,
    key: &SearchKey,
    c: &Candidate,
) -> Result<bool, String> {
    let m = c.message;
    Ok(match key {
        SearchKey::All => true,
        SearchKey::And(keys) => {
            for key in keys.as_ref() {
                if !matches(session, user_id, folder, key, c)? {
                    return Ok(false);
                }
            }
            true
        }
        SearchKey::Or(a, b) => {
            matches(session, user_id, folder, a, c)? || matches(session, user_id, folder, b, c)?
        }
        SearchKey::Not(key) => !matches(session, user_id, folder, key, c)?,
        SearchKey::Uid(set) => in_set(set, m.uid, c.largest_uid),
        SearchKey::SequenceSet(set) => in_set(set, c.seq, c.largest_seq),
        SearchKey::Seen => has_flag(m, "\\Seen"),
        SearchKey::Unseen => !has_flag(m, "\\Seen"),
        SearchKey::Deleted => has_flag(m, "\\Deleted"),
        SearchKey::Undeleted => !has_flag(m, "\\Deleted"),
        SearchKey::Flagged => has_flag(m, "\\Flagged"),
        SearchKey::Unflagged => !has_flag(m, "\\Flagged"),
        SearchKey::Answered => has_flag(m, "\\Answered"),
        SearchKey::Draft => has_flag(m, "\\Draft"),
        SearchKey::Larger(n) => m.size > u64::from(*n),
        SearchKey::Smaller(n) => m.size < u64::from(*n),
        SearchKey::Header(name, value) => {
            let name = String::from_utf8_lossy(name.as_ref()).into_owned();
            let wanted = String::from_utf8_lossy(value.as_ref()).to_lowercase();
            if name.eq_ignore_ascii_case("Message-ID") {
                m.message_id.to_lowercase().contains(&wanted)
            } else {
                let body = session_body(session, user_id, folder, m.uid);
                header_value(&body, &name).is_some_and(|v| v.to_lowercase().contains(&wanted))
            }
        }
        other => {
            return Err(format!(
                "SEARCH key {other:?} is not supported by the emulator"
            ))
        }
    })
}

fn session_body(session: &Session, user_id: &str, folder: &str, uid: u32) -> Vec<u8> {
    lock(&session.emulator.mail)
        .body(user_id, folder, uid)
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn folder_messages(
    session: &Session,
    user_id: &str,
    folder: &str,
) -> Result<Vec<Message>, Outcome> {
    lock(&session.emulator.mail)
        .messages(user_id, folder)
        .map_err(storage_failure)
}

/// SEARCH and UID SEARCH.
pub(super) fn search(
    session: &mut Session,
    user_id: &str,
    folder: &str,
    criteria: &[SearchKey],
    uid: bool,
) -> Outcome {
    let messages = match folder_messages(session, user_id, folder) {
        Ok(messages) => messages,
        Err(outcome) => return outcome,
    };
    let largest_uid = messages.last().map_or(0, |m| m.uid);
    let mut found = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        let candidate = Candidate {
            message,
            seq: index as u32 + 1,
            largest_seq: messages.len() as u32,
            largest_uid,
        };
        let mut hit = true;
        for key in criteria {
            match matches(session, user_id, folder, key, &candidate) {
                Ok(true) => {}
                Ok(false) => {
                    hit = false;
                    break;
                }
                Err(reason) => return Outcome::bad(&reason),
            }
        }
        if hit {
            found.extend(non_zero(if uid { message.uid } else { candidate.seq }));
        }
    }
    Outcome::ok(data(Data::Search(found)), "SEARCH completed")
}

/// The messages a sequence set (or UID set) names, with their sequence numbers.
fn selected_by<'m>(
    messages: &'m [Message],
    set: &SequenceSet,
    uid: bool,
) -> Vec<(u32, &'m Message)> {
    let largest_uid = messages.last().map_or(0, |m| m.uid);
    let count = messages.len() as u32;
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| (i as u32 + 1, m))
        .filter(|(seq, m)| {
            if uid {
                in_set(set, m.uid, largest_uid)
            } else {
                in_set(set, *seq, count)
            }
        })
        .collect()
}

fn flags_item(flags: &[String]) -> MessageDataItem<'_> {
    MessageDataItem::Flags(
        flags
            .iter()
            .filter_map(|f| Flag::try_from(f.as_str()).ok().map(FlagFetch::Flag))
            .collect(),
    )
}

fn literal(bytes: Vec<u8>) -> Result<NString<'static>, String> {
    Literal::try_from(bytes)
        .map(|l| NString(Some(IString::Literal(l))))
        .map_err(|_| "The message holds bytes an IMAP literal cannot carry".to_string())
}

/// The part of `body` a BODY[section] names (the whole body is handed on, not copied).
fn section_bytes(body: Vec<u8>, section: &Option<Section>) -> Result<Vec<u8>, String> {
    Ok(match section {
        None => body,
        Some(Section::Header(None)) => body[..header_end(&body)].to_vec(),
        Some(Section::Text(None)) => body[header_end(&body)..].to_vec(),
        Some(Section::HeaderFields(None, names)) => {
            let names: Vec<String> = names
                .as_ref()
                .iter()
                .map(|n| String::from_utf8_lossy(n.as_ref()).into_owned())
                .collect();
            header_fields(&body, &names)
        }
        Some(other) => return Err(format!("BODY[{other:?}] is not supported by the emulator")),
    })
}

fn partial(bytes: Vec<u8>, range: Option<(u32, NonZeroU32)>) -> Vec<u8> {
    match range {
        None => bytes,
        Some((origin, length)) => {
            let start = (origin as usize).min(bytes.len());
            let end = start.saturating_add(length.get() as usize).min(bytes.len());
            bytes[start..end].to_vec()
        }
    }
}

/// What one FETCH item answers for one message; `seen` is set when a non-peek body fetch
/// should set `\Seen`.
fn fetch_item<'a>(
    name: &MessageDataItemName<'a>,
    message: &'a Message,
    body: &dyn Fn() -> Vec<u8>,
    seen: &mut bool,
) -> Result<MessageDataItem<'a>, String> {
    Ok(match name {
        MessageDataItemName::Uid => {
            MessageDataItem::Uid(non_zero(message.uid).ok_or("a message has no UID")?)
        }
        MessageDataItemName::Flags => flags_item(&message.flags),
        MessageDataItemName::InternalDate => {
            let offset = FixedOffset::east_opt(message.tz_offset).ok_or("bad time zone")?;
            let date = offset
                .timestamp_opt(message.internal_date, 0)
                .single()
                .ok_or("bad internal date")?;
            MessageDataItem::InternalDate(DateTime::try_from(date).map_err(|e| e.to_string())?)
        }
        MessageDataItemName::Rfc822Size => {
            MessageDataItem::Rfc822Size(u32::try_from(message.size).unwrap_or(u32::MAX))
        }
        MessageDataItemName::Rfc822 => {
            *seen = true;
            MessageDataItem::Rfc822(literal(body())?)
        }
        MessageDataItemName::Rfc822Header => {
            let bytes = body();
            MessageDataItem::Rfc822Header(literal(bytes[..header_end(&bytes)].to_vec())?)
        }
        MessageDataItemName::BodyExt {
            section,
            partial: range,
            peek,
        } => {
            *seen |= !peek;
            let bytes = partial(section_bytes(body(), section)?, *range);
            MessageDataItem::BodyExt {
                section: section.clone(),
                origin: range.map(|(origin, _)| origin),
                data: literal(bytes)?,
            }
        }
        other => return Err(format!("FETCH {other:?} is not supported by the emulator")),
    })
}

/// FETCH and UID FETCH (UID FETCH always answers the UID).
pub(super) fn fetch(
    session: &mut Session,
    user_id: &str,
    folder: &str,
    set: &SequenceSet,
    names: &MacroOrMessageDataItemNames,
    uid: bool,
) -> Outcome {
    let mut names: Vec<MessageDataItemName> = match names {
        MacroOrMessageDataItemNames::Macro(m) => m.expand(),
        MacroOrMessageDataItemNames::MessageDataItemNames(names) => names.clone(),
    };
    if uid && !names.contains(&MessageDataItemName::Uid) {
        names.insert(0, MessageDataItemName::Uid);
    }
    let messages = match folder_messages(session, user_id, folder) {
        Ok(messages) => messages,
        Err(outcome) => return outcome,
    };
    let read_only = session.selected.as_ref().is_some_and(|s| s.read_only);
    let mut out = Vec::new();
    for (seq, message) in selected_by(&messages, set, uid) {
        let loader = || session_body(session, user_id, folder, message.uid);
        let mut seen = false;
        let mut items = Vec::new();
        for name in &names {
            match fetch_item(name, message, &loader, &mut seen) {
                Ok(item) => items.push(item),
                Err(reason) => return Outcome::bad(&reason),
            }
        }
        let mut flags = message.flags.clone();
        if seen && !read_only && !has_flag(message, "\\Seen") {
            flags.push("\\Seen".to_string());
            if let Err(error) =
                lock(&session.emulator.mail).set_flags(user_id, folder, message.uid, &flags)
            {
                return storage_failure(error);
            }
            items.push(flags_item(&flags));
        }
        let (Some(seq), Ok(items)) = (non_zero(seq), Vec1::try_from(items)) else {
            continue;
        };
        out.extend(data(Data::Fetch { seq, items }));
    }
    Outcome::ok(out, "FETCH completed")
}

/// What a STORE asks.
pub(super) struct StoreRequest<'r, 'a> {
    pub set: &'r SequenceSet,
    pub kind: StoreType,
    pub response: StoreResponse,
    pub flags: &'r [Flag<'a>],
    pub uid: bool,
}

fn new_flags(current: &[String], kind: &StoreType, given: &[String]) -> Vec<String> {
    let mut flags: Vec<String> = match kind {
        StoreType::Replace => Vec::new(),
        _ => current.to_vec(),
    };
    match kind {
        StoreType::Remove => flags.retain(|f| !given.iter().any(|g| g.eq_ignore_ascii_case(f))),
        _ => {
            for flag in given {
                if !flags.iter().any(|f| f.eq_ignore_ascii_case(flag)) {
                    flags.push(flag.clone());
                }
            }
        }
    }
    flags
}

/// STORE and UID STORE (FLAGS, +FLAGS, -FLAGS, with or without .SILENT).
pub(super) fn store(
    session: &mut Session,
    user_id: &str,
    folder: &str,
    request: StoreRequest,
) -> Outcome {
    let messages = match folder_messages(session, user_id, folder) {
        Ok(messages) => messages,
        Err(outcome) => return outcome,
    };
    let given = flag_names(request.flags);
    let mut out = Vec::new();
    for (seq, message) in selected_by(&messages, request.set, request.uid) {
        let flags = new_flags(&message.flags, &request.kind, &given);
        if let Err(error) =
            lock(&session.emulator.mail).set_flags(user_id, folder, message.uid, &flags)
        {
            return storage_failure(error);
        }
        if request.response == StoreResponse::Silent {
            continue;
        }
        let mut items = vec![flags_item(&flags)];
        if request.uid {
            items.extend(non_zero(message.uid).map(MessageDataItem::Uid));
        }
        if let (Some(seq), Ok(items)) = (non_zero(seq), Vec1::try_from(items)) {
            out.extend(data(Data::Fetch { seq, items }));
        }
    }
    Outcome::ok(out, "STORE completed")
}

/// EXPUNGE (and the silent one of CLOSE): removes the `\Deleted` messages and gives their
/// space back to the quota.
pub(super) fn expunge(session: &mut Session, user_id: &str, folder: &str, report: bool) -> Outcome {
    let before = match folder_messages(session, user_id, folder) {
        Ok(messages) => messages,
        Err(outcome) => return outcome,
    };
    let removed = match lock(&session.emulator.mail).expunge(user_id, folder) {
        Ok(removed) => removed,
        Err(error) => return storage_failure(error),
    };
    let bytes: u64 = removed.iter().map(|m| m.size).sum();
    count_usage(
        &session.emulator,
        user_id,
        bytes,
        removed.len() as u64,
        false,
    );
    let mut out = Vec::new();
    if report {
        // Highest sequence number first, so no number shifts under the client.
        for (index, message) in before.iter().enumerate().rev() {
            if removed.iter().any(|r| r.uid == message.uid) {
                out.extend(
                    non_zero(index as u32 + 1)
                        .map(|n| data(Data::Expunge(n)))
                        .unwrap_or_default(),
                );
            }
        }
    }
    Outcome::ok(out, "EXPUNGE completed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_kinds_change_flags() {
        let current = vec!["\\Seen".to_string()];
        let given = vec!["\\Deleted".to_string()];
        assert_eq!(
            new_flags(&current, &StoreType::Add, &given),
            ["\\Seen", "\\Deleted"]
        );
        assert_eq!(
            new_flags(&current, &StoreType::Replace, &given),
            ["\\Deleted"]
        );
        assert!(new_flags(&given, &StoreType::Remove, &given).is_empty());
    }
}
