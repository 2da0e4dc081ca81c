//! The messages of every mailbox, for the IMAP listener: folders (with UIDVALIDITY and the next
//! UID) and messages (UID, flags, internal date, size, Message-ID and the bytes) in two tables of
//! the emulator's SQLite database, on a connection of their own so that message bodies never sit
//! in the [`crate::state::Store`] that every admin request locks. Only the IMAP session and the
//! control API's mailbox listing read them.

use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::state::{io_error, unix_now};

/// Kerio's default mail folders with their special-use attribute (RFC 6154). Names: Inbox,
/// Drafts and Junk E-Mail are named as default personal folders in Kerio's user guide [V];
/// "Sent Items" and "Deleted Items" are Kerio's (Outlook-style) names [I]; the special-use
/// attributes are an emulator choice [I] (docs/emulator.md).
pub const DEFAULT_FOLDERS: [(&str, Option<&str>); 5] = [
    ("INBOX", None),
    ("Sent Items", Some("\\Sent")),
    ("Deleted Items", Some("\\Trash")),
    ("Drafts", Some("\\Drafts")),
    ("Junk E-Mail", Some("\\Junk")),
];

/// The hierarchy delimiter of folder names. [I]
pub const DELIMITER: char = '/';

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mail_folders (user_id TEXT NOT NULL, name TEXT NOT NULL,
    uid_validity INTEGER NOT NULL, uid_next INTEGER NOT NULL, PRIMARY KEY (user_id, name));
CREATE TABLE IF NOT EXISTS mail_messages (user_id TEXT NOT NULL, folder TEXT NOT NULL,
    uid INTEGER NOT NULL, flags TEXT NOT NULL, internal_date INTEGER NOT NULL,
    tz_offset INTEGER NOT NULL, size INTEGER NOT NULL, message_id TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (user_id, folder, uid));
";

/// One folder of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// Name as IMAP shows it (modified UTF-7 as the client sent it; `INBOX` upper case).
    pub name: String,
    /// UIDVALIDITY.
    pub uid_validity: u32,
    /// The UID the next message will get.
    pub uid_next: u32,
}

/// What is known of a message without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// UID in its folder.
    pub uid: u32,
    /// Flags such as `\Seen` or keywords.
    pub flags: Vec<String>,
    /// Internal date, Unix seconds.
    pub internal_date: i64,
    /// The internal date's time-zone offset, seconds east of UTC.
    pub tz_offset: i32,
    /// Size in bytes (RFC822.SIZE).
    pub size: u64,
    /// The Message-ID header's value, empty when absent.
    pub message_id: String,
}

/// A message to store.
pub struct NewMessage<'a> {
    /// Flags to set.
    pub flags: Vec<String>,
    /// Internal date (Unix seconds) and offset (seconds east of UTC).
    pub internal_date: (i64, i32),
    /// The whole message.
    pub body: &'a [u8],
}

/// The folders and messages of all mailboxes.
pub struct MailStore {
    conn: Connection,
}

/// Who owns the messages of a mailbox kept by `Users.remove` (`UDeleteUser`) until a user with
/// the same login is created again in the domain.
pub fn kept_owner(domain_id: &str, login: &str) -> String {
    format!("kept:{domain_id}:{}", login.to_ascii_lowercase())
}

/// The canonical spelling of a folder name: `INBOX` in any case is `INBOX` (RFC 3501).
pub fn canonical(name: &str) -> String {
    if name.eq_ignore_ascii_case("INBOX") {
        "INBOX".to_string()
    } else {
        name.to_string()
    }
}

impl MailStore {
    /// Opens (creating the tables if needed) the database file `file` in `dir`.
    pub fn open(dir: &Path, file: &str) -> io::Result<MailStore> {
        let conn = Connection::open(dir.join(file)).map_err(io_error)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(io_error)?;
        // As the main store: WAL, and no fsync per APPEND (an emulator, not a mail server).
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .map_err(io_error)?;
        conn.execute_batch(SCHEMA).map_err(io_error)?;
        Ok(MailStore { conn })
    }

    /// Creates the default folders of `user_id` that are missing.
    pub fn ensure_defaults(&mut self, user_id: &str) -> io::Result<()> {
        for (name, _) in DEFAULT_FOLDERS {
            if self.folder(user_id, name)?.is_none() {
                self.insert_folder(user_id, name)?;
            }
        }
        Ok(())
    }

    fn insert_folder(&mut self, user_id: &str, name: &str) -> io::Result<()> {
        // UIDVALIDITY from the clock, so a folder deleted and created again gets a new one.
        let validity = u32::try_from(unix_now()).unwrap_or(1).max(1);
        self.conn
            .execute(
                "INSERT INTO mail_folders (user_id, name, uid_validity, uid_next) VALUES (?1, ?2, ?3, 1)",
                params![user_id, name, validity],
            )
            .map_err(io_error)?;
        Ok(())
    }

    /// The folders of `user_id`, by name.
    pub fn folders(&self, user_id: &str) -> io::Result<Vec<Folder>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT name, uid_validity, uid_next FROM mail_folders WHERE user_id = ?1 ORDER BY name",
            )
            .map_err(io_error)?;
        let rows = statement
            .query_map(params![user_id], folder_row)
            .map_err(io_error)?;
        rows.collect::<Result<_, _>>().map_err(io_error)
    }

    /// The folder `name` of `user_id`.
    pub fn folder(&self, user_id: &str, name: &str) -> io::Result<Option<Folder>> {
        self.conn
            .prepare_cached(
                "SELECT name, uid_validity, uid_next FROM mail_folders WHERE user_id = ?1 AND name = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![user_id, canonical(name)], folder_row)
                    .optional()
            })
            .map_err(io_error)
    }

    /// Creates folder `name` (and its missing parents); `Ok(false)` when it exists already.
    pub fn create(&mut self, user_id: &str, name: &str) -> io::Result<bool> {
        let name = canonical(name.trim_end_matches(DELIMITER));
        if self.folder(user_id, &name)?.is_some() {
            return Ok(false);
        }
        let mut prefix = String::new();
        for part in name.split(DELIMITER) {
            if !prefix.is_empty() {
                prefix.push(DELIMITER);
            }
            prefix.push_str(part);
            if self.folder(user_id, &prefix)?.is_none() {
                self.insert_folder(user_id, &prefix)?;
            }
        }
        Ok(true)
    }

    /// Stores `message` in `folder` (which must exist) and returns its UID (the folder's next).
    pub fn append(
        &mut self,
        user_id: &str,
        folder: &Folder,
        message: NewMessage,
    ) -> io::Result<u32> {
        // The UID is read again here: another connection may have appended since `folder` was read.
        let uid = self
            .folder(user_id, &folder.name)?
            .map_or(folder.uid_next, |current| current.uid_next);
        let transaction = self.conn.transaction().map_err(io_error)?;
        transaction
            .execute(
                "INSERT INTO mail_messages (user_id, folder, uid, flags, internal_date, tz_offset, size, message_id, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    user_id,
                    folder.name,
                    uid,
                    message.flags.join(" "),
                    message.internal_date.0,
                    message.internal_date.1,
                    message.body.len() as i64,
                    message_id(message.body),
                    message.body,
                ],
            )
            .map_err(io_error)?;
        transaction
            .execute(
                "UPDATE mail_folders SET uid_next = ?3 WHERE user_id = ?1 AND name = ?2",
                params![user_id, folder.name, uid + 1],
            )
            .map_err(io_error)?;
        transaction.commit().map_err(io_error)?;
        Ok(uid)
    }

    /// The messages of `folder`, by UID.
    pub fn messages(&self, user_id: &str, folder: &str) -> io::Result<Vec<Message>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT uid, flags, internal_date, tz_offset, size, message_id FROM mail_messages
                 WHERE user_id = ?1 AND folder = ?2 ORDER BY uid",
            )
            .map_err(io_error)?;
        let rows = statement
            .query_map(params![user_id, folder], |row| {
                let flags: String = row.get(1)?;
                Ok(Message {
                    uid: row.get(0)?,
                    flags: flags.split_whitespace().map(str::to_string).collect(),
                    internal_date: row.get(2)?,
                    tz_offset: row.get(3)?,
                    size: row.get::<_, i64>(4)?.unsigned_abs(),
                    message_id: row.get(5)?,
                })
            })
            .map_err(io_error)?;
        rows.collect::<Result<_, _>>().map_err(io_error)
    }

    /// The bytes of one message.
    pub fn body(&self, user_id: &str, folder: &str, uid: u32) -> io::Result<Option<Vec<u8>>> {
        self.conn
            .prepare_cached(
                "SELECT body FROM mail_messages WHERE user_id = ?1 AND folder = ?2 AND uid = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![user_id, folder, uid], |row| row.get(0))
                    .optional()
            })
            .map_err(io_error)
    }

    /// Replaces the flags of one message.
    pub fn set_flags(
        &mut self,
        user_id: &str,
        folder: &str,
        uid: u32,
        flags: &[String],
    ) -> io::Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE mail_messages SET flags = ?4 WHERE user_id = ?1 AND folder = ?2 AND uid = ?3",
            )
            .and_then(|mut s| s.execute(params![user_id, folder, uid, flags.join(" ")]))
            .map_err(io_error)?;
        Ok(())
    }

    /// Gives every folder and message of `from` to `to` (a user's kept mailbox, see
    /// [`kept_owner`]).
    pub fn transfer(&mut self, from: &str, to: &str) -> io::Result<()> {
        for table in ["mail_folders", "mail_messages"] {
            self.conn
                .execute(
                    &format!("UPDATE {table} SET user_id = ?2 WHERE user_id = ?1"),
                    params![from, to],
                )
                .map_err(io_error)?;
        }
        Ok(())
    }

    /// Deletes every folder and message of `owner`.
    pub fn remove_owner(&mut self, owner: &str) -> io::Result<()> {
        for table in ["mail_folders", "mail_messages"] {
            self.conn
                .execute(
                    &format!("DELETE FROM {table} WHERE user_id = ?1"),
                    params![owner],
                )
                .map_err(io_error)?;
        }
        Ok(())
    }

    /// Removes the messages of `folder` flagged `\Deleted`; returns them.
    pub fn expunge(&mut self, user_id: &str, folder: &str) -> io::Result<Vec<Message>> {
        let removed: Vec<Message> = self
            .messages(user_id, folder)?
            .into_iter()
            .filter(|m| m.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Deleted")))
            .collect();
        for message in &removed {
            self.conn
                .prepare_cached(
                    "DELETE FROM mail_messages WHERE user_id = ?1 AND folder = ?2 AND uid = ?3",
                )
                .and_then(|mut s| s.execute(params![user_id, folder, message.uid]))
                .map_err(io_error)?;
        }
        Ok(removed)
    }
}

fn folder_row(row: &rusqlite::Row) -> rusqlite::Result<Folder> {
    Ok(Folder {
        name: row.get(0)?,
        uid_validity: row.get(1)?,
        uid_next: row.get(2)?,
    })
}

/// Where the header section ends (after its blank line), or the whole length without one.
pub fn header_end(body: &[u8]) -> usize {
    let crlf = body
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4);
    let lf = body.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(body.len()),
    }
}

/// The header fields of `body` whose names are in `names` (any case), each with its folded
/// continuation lines, followed by the blank line (RFC 3501 `HEADER.FIELDS`).
pub fn header_fields(body: &[u8], names: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut keep = false;
    for line in body[..header_end(body)].split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if !line.starts_with(b" ") && !line.starts_with(b"\t") {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            keep = names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name.trim_ascii()));
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The value of the first header field `name` (unfolded, trimmed), if any.
pub fn header_value(body: &[u8], name: &str) -> Option<String> {
    let fields = header_fields(body, &[name.to_string()]);
    let text = String::from_utf8_lossy(&fields);
    let (_, value) = text.split_once(':')?;
    let unfolded: Vec<&str> = value.split_whitespace().collect();
    Some(unfolded.join(" "))
}

/// The Message-ID of a message, empty when it has none.
pub fn message_id(body: &[u8]) -> String {
    header_value(body, "Message-ID").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_keep_folded_lines_and_stop_at_the_body() {
        let body =
            b"From: a@b\r\nMessage-ID:\r\n <x@y>\r\nSubject: s\r\n\r\nMessage-ID: <body>\r\n";
        assert_eq!(
            header_fields(body, &["message-id".to_string()]),
            b"Message-ID:\r\n <x@y>\r\n\r\n".to_vec()
        );
        assert_eq!(message_id(body), "<x@y>");
        assert_eq!(message_id(b"Subject: none\r\n\r\n"), "");
    }
}
