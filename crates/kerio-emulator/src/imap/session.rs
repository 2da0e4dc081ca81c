//! One IMAP connection's state and its commands: CAPABILITY, NOOP, LOGOUT, LOGIN, AUTHENTICATE
//! PLAIN, NAMESPACE, LIST, LSUB, CREATE, SELECT, EXAMINE, STATUS, CLOSE, UNSELECT, CHECK,
//! SUBSCRIBE, UNSUBSCRIBE here; APPEND, SEARCH, FETCH, STORE and EXPUNGE in [`super::messages`].
//! Each handler returns an [`Outcome`]: untagged data and the tagged status.

use std::net::SocketAddr;
use std::sync::Arc;

use imap_codec::encode::Encoder;
use imap_codec::imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_codec::imap_types::command::{Command, CommandBody};
use imap_codec::imap_types::core::{AString, Atom, IString, QuotedChar, Tag};
use imap_codec::imap_types::extensions::namespace::Namespace;
use imap_codec::imap_types::flag::{Flag, FlagNameAttribute, FlagPerm};
use imap_codec::imap_types::mailbox::{ListMailbox, Mailbox};
use imap_codec::imap_types::response::{
    Capability, Code, CodeOther, Data, Greeting, GreetingKind, Response, Status, StatusKind,
};
use imap_codec::imap_types::status::{StatusDataItem, StatusDataItemName};
use imap_codec::{GreetingCodec, ResponseCodec};

use crate::mailstore::{canonical, Folder, Message, DEFAULT_FOLDERS, DELIMITER};
use crate::session::check_credentials;
use crate::webmail::record_login;
use crate::{lock, Emulator};

use super::messages;

/// Largest message (literal) accepted, in bytes: a larger APPEND is refused before its bytes
/// are sent. [I] Kerio's limit is a server setting; 64 MB covers the 25 MB messages of tests.
pub(crate) const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// What the listener advertises. [I] No IDLE, LITERAL+ or MULTIAPPEND: not modelled.
const CAPABILITIES: [&str; 5] = [
    "IMAP4rev1",
    "AUTH=PLAIN",
    "NAMESPACE",
    "UIDPLUS",
    "SPECIAL-USE",
];

/// The answer to one command: untagged data and the tagged status's kind, code and text.
pub(crate) struct Outcome {
    pub data: Vec<u8>,
    pub kind: StatusKind,
    pub code: Option<Code<'static>>,
    pub text: String,
}

impl Outcome {
    /// A tagged OK with `text` after `data`.
    pub fn ok(data: Vec<u8>, text: &str) -> Outcome {
        Outcome {
            data,
            kind: StatusKind::Ok,
            code: None,
            text: text.to_string(),
        }
    }

    /// A tagged NO.
    pub fn no(text: &str) -> Outcome {
        Outcome {
            data: Vec::new(),
            kind: StatusKind::No,
            code: None,
            text: text.to_string(),
        }
    }

    /// A tagged BAD.
    pub fn bad(text: &str) -> Outcome {
        Outcome {
            kind: StatusKind::Bad,
            ..Outcome::no(text)
        }
    }

    /// The same with a response code.
    pub fn with_code(mut self, code: Code<'static>) -> Outcome {
        self.code = Some(code);
        self
    }
}

/// A response code without its own variant in imap-types (e.g. `AUTHENTICATIONFAILED`).
pub(crate) fn other_code(name: &'static str) -> Code<'static> {
    Code::Other(CodeOther::unvalidated(name.as_bytes()))
}

/// The selected folder.
pub(crate) struct Selected {
    pub folder: String,
    pub read_only: bool,
}

/// One connection.
pub(crate) struct Session {
    pub emulator: Arc<Emulator>,
    peer: SocketAddr,
    /// The logged-in user's id.
    pub user: Option<String>,
    pub selected: Option<Selected>,
    /// Tag of an AUTHENTICATE waiting for the client's answer.
    pending_auth: Option<String>,
    closed: bool,
}

/// Serialises one response.
pub(crate) fn encode(response: &Response) -> Vec<u8> {
    ResponseCodec::new().encode(response).dump()
}

/// Serialises one untagged data response.
pub(crate) fn data(item: Data) -> Vec<u8> {
    encode(&Response::Data(item))
}

/// The continuation request for a synchronising literal.
pub(crate) fn continuation() -> Vec<u8> {
    b"+ Ready for literal data\r\n".to_vec()
}

fn capabilities() -> Vec<Capability<'static>> {
    CAPABILITIES
        .iter()
        .filter_map(|name| Atom::try_from(*name).ok().map(Capability::from))
        .collect()
}

/// The status line ending a command; untagged when `tag` is not a valid tag (a line the
/// decoder could not read, or an AUTHENTICATE answer without its command).
fn tagged(tag: &str, kind: StatusKind, code: Option<Code>, text: &str) -> Vec<u8> {
    match Status::new(Tag::try_from(tag).ok(), kind, code, text) {
        Ok(status) => encode(&Response::Status(status)),
        Err(_) => b"* BAD The server could not word its answer\r\n".to_vec(),
    }
}

fn mailbox_name(mailbox: &Mailbox) -> String {
    match mailbox {
        Mailbox::Inbox => "INBOX".to_string(),
        Mailbox::Other(other) => canonical(&String::from_utf8_lossy(other.inner().as_ref())),
    }
}

/// The IMAP form of a stored folder name.
pub(crate) fn mailbox_of(name: &str) -> Option<Mailbox<'static>> {
    AString::try_from(name.to_string()).ok().map(Mailbox::from)
}

/// Whether `name` matches a LIST pattern (`*` anything, `%` anything but the delimiter).
fn matches_pattern(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| matches_pattern(rest, &name[i..])),
        Some((b'%', rest)) => (0..=name.len())
            .take_while(|&i| i == 0 || name[i - 1] != DELIMITER as u8)
            .any(|i| matches_pattern(rest, &name[i..])),
        Some((first, rest)) => name
            .split_first()
            .is_some_and(|(n, tail)| n.eq_ignore_ascii_case(first) && matches_pattern(rest, tail)),
    }
}

fn list_text(list: &ListMailbox) -> String {
    match list {
        ListMailbox::Token(token) => String::from_utf8_lossy(token.as_ref()).into_owned(),
        ListMailbox::String(string) => String::from_utf8_lossy(string.as_ref()).into_owned(),
    }
}

fn special_use(name: &str) -> Vec<FlagNameAttribute<'static>> {
    DEFAULT_FOLDERS
        .iter()
        .find(|(folder, _)| *folder == name)
        .and_then(|(_, attribute)| *attribute)
        .and_then(|attribute| Atom::try_from(attribute.trim_start_matches('\\')).ok())
        .map(FlagNameAttribute::from)
        .into_iter()
        .collect()
}

/// `PLAIN` (RFC 4616): authorisation identity, user name and password separated by NUL.
fn plain_credentials(message: &[u8]) -> Option<(String, String)> {
    let mut parts = message.split(|&b| b == 0);
    let _authzid = parts.next()?;
    let user = String::from_utf8(parts.next()?.to_vec()).ok()?;
    let password = String::from_utf8(parts.next()?.to_vec()).ok()?;
    parts.next().is_none().then_some((user, password))
}

impl Session {
    /// A new connection from `peer`.
    pub fn new(emulator: Arc<Emulator>, peer: SocketAddr) -> Session {
        Session {
            emulator,
            peer,
            user: None,
            selected: None,
            pending_auth: None,
            closed: false,
        }
    }

    /// The greeting with the capabilities. [I] Kerio's exact greeting text is not known.
    pub fn greeting(&self) -> Vec<u8> {
        let code = Code::Capability(
            capabilities()
                .try_into()
                .unwrap_or_else(|_| Capability::Imap4Rev1.into()),
        );
        match Greeting::new(
            GreetingKind::Ok,
            Some(code),
            "Kerio Connect IMAP server ready",
        ) {
            Ok(greeting) => GreetingCodec::new().encode(&greeting).dump(),
            Err(_) => b"* OK Kerio Connect IMAP server ready\r\n".to_vec(),
        }
    }

    /// Whether the connection is to be closed (after LOGOUT).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Whether an AUTHENTICATE waits for the client's answer line.
    pub fn awaits_auth_data(&self) -> bool {
        self.pending_auth.is_some()
    }

    /// Runs one decoded command and returns everything to write.
    pub fn handle(&mut self, command: Command) -> Vec<u8> {
        let tag = command.tag.as_ref().to_string();
        if let CommandBody::Authenticate {
            mechanism,
            initial_response,
        } = &command.body
        {
            if self.user.is_none()
                && *mechanism == AuthMechanism::Plain
                && initial_response.is_none()
            {
                self.pending_auth = Some(tag);
                return b"+ \r\n".to_vec();
            }
        }
        let outcome = self.dispatch(command.body);
        let mut out = outcome.data;
        out.extend(tagged(&tag, outcome.kind, outcome.code, &outcome.text));
        out
    }

    /// The client's answer to AUTHENTICATE PLAIN.
    pub fn auth_data(&mut self, answer: AuthenticateData) -> Vec<u8> {
        let tag = self.pending_auth.take().unwrap_or_default();
        let outcome = match answer {
            AuthenticateData::Continue(message) => self.plain(message.declassify().as_ref()),
            AuthenticateData::Cancel => Outcome::bad("Authentication cancelled"),
        };
        tagged(&tag, outcome.kind, outcome.code, &outcome.text)
    }

    /// An AUTHENTICATE answer that is not base64.
    pub fn auth_data_invalid(&mut self) -> Vec<u8> {
        let tag = self.pending_auth.take().unwrap_or_default();
        tagged(
            &tag,
            StatusKind::Bad,
            None,
            "The answer must be one line of base64",
        )
    }

    /// A literal larger than [`MAX_MESSAGE`]: refused before its bytes are sent.
    pub fn literal_too_big(&mut self, tag: &Tag, length: u32) -> Vec<u8> {
        let text =
            format!("The message is {length} bytes; the largest accepted is {MAX_MESSAGE} bytes");
        tagged(tag.as_ref(), StatusKind::No, Some(Code::TooBig), &text)
    }

    /// A line the decoder could not read: `BAD` with the tag when one can be found.
    pub fn unparsable(&mut self, line: &[u8]) -> Vec<u8> {
        let first = line
            .split(|&b| b == b' ' || b == b'\r' || b == b'\n')
            .next()
            .unwrap_or_default();
        let tag = std::str::from_utf8(first)
            .ok()
            .filter(|t| Tag::validate(t).is_ok())
            .unwrap_or_default();
        tagged(
            tag,
            StatusKind::Bad,
            None,
            "Command not understood (see RFC 3501 for its syntax)",
        )
    }

    fn dispatch(&mut self, body: CommandBody) -> Outcome {
        match body {
            CommandBody::Capability => {
                let caps = capabilities().try_into().map(Data::Capability);
                Outcome::ok(caps.map(data).unwrap_or_default(), "CAPABILITY completed")
            }
            CommandBody::Noop | CommandBody::Check => Outcome::ok(Vec::new(), "Completed"),
            CommandBody::Logout => {
                self.closed = true;
                let bye = Status::bye(None, "Kerio Connect IMAP server logging out")
                    .map(|s| encode(&Response::Status(s)))
                    .unwrap_or_default();
                Outcome::ok(bye, "LOGOUT completed")
            }
            CommandBody::Login { username, password } => {
                let user = String::from_utf8_lossy(username.as_ref()).into_owned();
                let password = String::from_utf8_lossy(password.declassify().as_ref()).into_owned();
                self.login(&user, &password)
            }
            CommandBody::Authenticate {
                mechanism,
                initial_response,
            } => match (mechanism, initial_response) {
                (AuthMechanism::Plain, Some(message)) => self.plain(message.declassify().as_ref()),
                (AuthMechanism::Plain, None) => Outcome::bad("Already logged in"),
                _ => Outcome::no("Only AUTHENTICATE PLAIN is supported"),
            },
            body => self.authenticated(body),
        }
    }

    fn plain(&mut self, message: &[u8]) -> Outcome {
        match plain_credentials(message) {
            Some((user, password)) => self.login(&user, &password),
            None => Outcome::bad("PLAIN needs authzid NUL user NUL password, base64-encoded"),
        }
    }

    /// LOGIN and AUTHENTICATE PLAIN: the mailbox address and password, with the brute-force
    /// blocking the admin and webmail logins share. Unknown users, wrong passwords and disabled
    /// users get the same answer. [I] wording and code (RFC 5530 AUTHENTICATIONFAILED).
    fn login(&mut self, user_name: &str, password: &str) -> Outcome {
        if self.user.is_some() {
            return Outcome::bad("Already logged in");
        }
        match check_credentials(&self.emulator, self.peer.ip(), user_name, password) {
            Ok(user) => {
                if let Err(error) = lock(&self.emulator.mail).ensure_defaults(&user.id) {
                    eprintln!("kerio-emulator: storage error: {error}");
                    return Outcome::no("The mailbox cannot be opened now");
                }
                eprintln!("kerio-emulator: {} IMAP login ok", self.peer.ip());
                // [I] the protocol name Kerio records for IMAP over TLS.
                let protocol = if self.emulator.settings.plain {
                    "IMAP"
                } else {
                    "IMAPS"
                };
                record_login(&self.emulator, &user.id, protocol, |u| u.imap_logins += 1);
                self.user = Some(user.id);
                let caps = capabilities().try_into().map(Code::Capability).ok();
                Outcome {
                    code: caps,
                    ..Outcome::ok(Vec::new(), "LOGIN completed")
                }
            }
            Err(_) => {
                eprintln!("kerio-emulator: {} IMAP login failed", self.peer.ip());
                Outcome::no("Authentication failed").with_code(other_code("AUTHENTICATIONFAILED"))
            }
        }
    }

    fn authenticated(&mut self, body: CommandBody) -> Outcome {
        let Some(user) = self.user.clone() else {
            return Outcome::bad("Log in first (LOGIN or AUTHENTICATE PLAIN)");
        };
        match body {
            CommandBody::Namespace => namespace(),
            CommandBody::List {
                reference,
                mailbox_wildcard,
            } => self.list(&user, &reference, &mailbox_wildcard, false),
            CommandBody::Lsub {
                reference,
                mailbox_wildcard,
            } => self.list(&user, &reference, &mailbox_wildcard, true),
            CommandBody::Create { mailbox } => self.create(&user, &mailbox_name(&mailbox)),
            CommandBody::Select { mailbox, .. } => {
                self.select(&user, &mailbox_name(&mailbox), false)
            }
            CommandBody::Examine { mailbox, .. } => {
                self.select(&user, &mailbox_name(&mailbox), true)
            }
            CommandBody::Status {
                mailbox,
                item_names,
            } => self.status(&user, &mailbox_name(&mailbox), &item_names),
            CommandBody::Subscribe { .. } | CommandBody::Unsubscribe { .. } => {
                Outcome::ok(Vec::new(), "Completed")
            }
            CommandBody::Append {
                mailbox,
                flags,
                date,
                message,
            } => messages::append(self, &user, &mailbox_name(&mailbox), &flags, date, &message),
            body => self.in_folder(&user, body),
        }
    }

    fn in_folder(&mut self, user: &str, body: CommandBody) -> Outcome {
        let Some(selected) = &self.selected else {
            return Outcome::bad("Select a folder first (SELECT or EXAMINE)");
        };
        let folder = selected.folder.clone();
        let read_only = selected.read_only;
        match body {
            CommandBody::Search { criteria, uid, .. } => {
                messages::search(self, user, &folder, criteria.as_ref(), uid)
            }
            CommandBody::Fetch {
                sequence_set,
                macro_or_item_names,
                uid,
            } => messages::fetch(
                self,
                user,
                &folder,
                &sequence_set,
                &macro_or_item_names,
                uid,
            ),
            CommandBody::Store {
                sequence_set,
                kind,
                response,
                flags,
                uid,
            } if !read_only => messages::store(
                self,
                user,
                &folder,
                messages::StoreRequest {
                    set: &sequence_set,
                    kind,
                    response,
                    flags: &flags,
                    uid,
                },
            ),
            CommandBody::Expunge if !read_only => messages::expunge(self, user, &folder, true),
            CommandBody::Close => {
                let outcome = if read_only {
                    Outcome::ok(Vec::new(), "CLOSE completed")
                } else {
                    let mut outcome = messages::expunge(self, user, &folder, false);
                    outcome.text = "CLOSE completed".to_string();
                    outcome
                };
                self.selected = None;
                outcome
            }
            CommandBody::Unselect => {
                self.selected = None;
                Outcome::ok(Vec::new(), "UNSELECT completed")
            }
            CommandBody::Store { .. } | CommandBody::Expunge => {
                Outcome::no("The folder was opened read-only (EXAMINE)")
            }
            other => Outcome::bad(&format!(
                "{} is not supported by the emulator",
                other.name()
            )),
        }
    }

    fn list(&self, user: &str, reference: &Mailbox, wildcard: &ListMailbox, lsub: bool) -> Outcome {
        let pattern = list_text(wildcard);
        if pattern.is_empty() && !lsub {
            let root = Data::List {
                items: vec![FlagNameAttribute::Noselect],
                delimiter: QuotedChar::try_from(DELIMITER).ok(),
                mailbox: mailbox_of("").unwrap_or(Mailbox::Inbox),
            };
            return Outcome::ok(data(root), "LIST completed");
        }
        let reference = match reference {
            Mailbox::Inbox => "INBOX".to_string(),
            other => mailbox_name(other),
        };
        let full = format!("{reference}{pattern}");
        let folders = match lock(&self.emulator.mail).folders(user) {
            Ok(folders) => folders,
            Err(error) => return storage_failure(error),
        };
        let mut out = Vec::new();
        for folder in folders
            .iter()
            .filter(|f| matches_pattern(full.as_bytes(), f.name.as_bytes()))
        {
            let Some(mailbox) = mailbox_of(&folder.name) else {
                continue;
            };
            let items = special_use(&folder.name);
            let delimiter = QuotedChar::try_from(DELIMITER).ok();
            out.extend(data(if lsub {
                Data::Lsub {
                    items,
                    delimiter,
                    mailbox,
                }
            } else {
                Data::List {
                    items,
                    delimiter,
                    mailbox,
                }
            }));
        }
        Outcome::ok(
            out,
            if lsub {
                "LSUB completed"
            } else {
                "LIST completed"
            },
        )
    }

    fn create(&self, user: &str, name: &str) -> Outcome {
        if name.is_empty() || name == "INBOX" {
            return Outcome::no("Give the new folder a name other than INBOX");
        }
        match lock(&self.emulator.mail).create(user, name) {
            Ok(true) => Outcome::ok(Vec::new(), "CREATE completed"),
            Ok(false) => Outcome::no(&format!("A folder named {name} exists already"))
                .with_code(other_code("ALREADYEXISTS")),
            Err(error) => storage_failure(error),
        }
    }

    /// The folder `name` of `user`, or the NO answer.
    pub(crate) fn folder(&self, user: &str, name: &str) -> Result<Folder, Outcome> {
        match lock(&self.emulator.mail).folder(user, name) {
            Ok(Some(folder)) => Ok(folder),
            Ok(None) => {
                Err(Outcome::no(&format!("There is no folder named {name}"))
                    .with_code(Code::TryCreate))
            }
            Err(error) => Err(storage_failure(error)),
        }
    }

    /// The folder `name` of `user` with its messages, or the NO answer.
    fn folder_and_messages(
        &self,
        user: &str,
        name: &str,
    ) -> Result<(Folder, Vec<Message>), Outcome> {
        let folder = self.folder(user, name)?;
        let messages = lock(&self.emulator.mail)
            .messages(user, &folder.name)
            .map_err(storage_failure)?;
        Ok((folder, messages))
    }

    fn select(&mut self, user: &str, name: &str, read_only: bool) -> Outcome {
        self.selected = None;
        let (folder, messages) = match self.folder_and_messages(user, name) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let system = ["Answered", "Flagged", "Deleted", "Seen", "Draft"];
        let flags: Vec<Flag> = system
            .iter()
            .filter_map(|f| Atom::try_from(*f).ok().map(Flag::system))
            .collect();
        let mut out = data(Data::Flags(flags.clone()));
        out.extend(data(Data::Exists(messages.len() as u32)));
        out.extend(data(Data::Recent(0)));
        let mut permanent: Vec<FlagPerm> = flags.into_iter().map(FlagPerm::Flag).collect();
        permanent.push(FlagPerm::Asterisk);
        for code in [
            non_zero(folder.uid_validity).map(Code::UidValidity),
            non_zero(folder.uid_next).map(Code::UidNext),
            Some(Code::PermanentFlags(permanent)),
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(status) = Status::ok(None, Some(code), "Ok") {
                out.extend(encode(&Response::Status(status)));
            }
        }
        self.selected = Some(Selected {
            folder: folder.name,
            read_only,
        });
        let (code, text) = if read_only {
            (Code::ReadOnly, "EXAMINE completed")
        } else {
            (Code::ReadWrite, "SELECT completed")
        };
        Outcome::ok(out, text).with_code(code)
    }

    fn status(&self, user: &str, name: &str, names: &[StatusDataItemName]) -> Outcome {
        let (folder, messages) = match self.folder_and_messages(user, name) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let has = |flag: &str| {
            messages
                .iter()
                .filter(|m| m.flags.iter().any(|f| f.eq_ignore_ascii_case(flag)))
                .count() as u32
        };
        let items: Vec<StatusDataItem> = names
            .iter()
            .filter_map(|item| match item {
                StatusDataItemName::Messages => {
                    Some(StatusDataItem::Messages(messages.len() as u32))
                }
                StatusDataItemName::Recent => Some(StatusDataItem::Recent(0)),
                StatusDataItemName::UidNext => {
                    non_zero(folder.uid_next).map(StatusDataItem::UidNext)
                }
                StatusDataItemName::UidValidity => {
                    non_zero(folder.uid_validity).map(StatusDataItem::UidValidity)
                }
                StatusDataItemName::Unseen => Some(StatusDataItem::Unseen(
                    messages.len() as u32 - has("\\Seen"),
                )),
                StatusDataItemName::Deleted => Some(StatusDataItem::Deleted(has("\\Deleted"))),
                _ => None,
            })
            .collect();
        let Some(mailbox) = mailbox_of(&folder.name) else {
            return Outcome::no("The folder name cannot be shown");
        };
        let answer = Data::Status {
            mailbox,
            items: items.into(),
        };
        Outcome::ok(data(answer), "STATUS completed")
    }
}

fn namespace() -> Outcome {
    let personal = IString::try_from("")
        .map(|prefix| vec![Namespace::new(prefix, QuotedChar::try_from(DELIMITER).ok())])
        .unwrap_or_default();
    let answer = Data::Namespace {
        personal,
        other: Vec::new(),
        shared: Vec::new(),
    };
    Outcome::ok(data(answer), "NAMESPACE completed")
}

/// `value` as a non-zero number (UIDs, UIDVALIDITY).
pub(crate) fn non_zero(value: u32) -> Option<std::num::NonZeroU32> {
    std::num::NonZeroU32::new(value)
}

/// A storage error: logged, answered NO without details.
pub(crate) fn storage_failure(error: std::io::Error) -> Outcome {
    eprintln!("kerio-emulator: storage error: {error}");
    Outcome::no("The server could not read or write the mailbox; try again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_patterns() {
        assert!(matches_pattern(b"*", b"Sent Items"));
        assert!(matches_pattern(b"%", b"Drafts"));
        assert!(!matches_pattern(b"%", b"Drafts/Old"));
        assert!(matches_pattern(b"Drafts/%", b"Drafts/Old"));
        assert!(matches_pattern(b"inbox", b"INBOX"));
        assert!(!matches_pattern(b"Dr", b"Drafts"));
    }

    #[test]
    fn plain_needs_three_parts() {
        assert_eq!(
            plain_credentials(b"\0jo@example.com\0pw"),
            Some(("jo@example.com".to_string(), "pw".to_string()))
        );
        assert_eq!(plain_credentials(b"jo@example.com\0pw"), None);
    }
}
