//! Bringing old mail in from another IMAP server (issue 19). So far `import_probe`: what a source
//! mailbox holds and where each folder would go in Kerio, after every safety rule on the source
//! (docs/bridge-protocol.md, `import_probe`).
//!
//! Order of checks: the arguments and the source (host, port, security, credentials, literal
//! addresses) without any network; then the target mailbox's ownership in a Kerio session
//! (closed again); only then the host is resolved once, every address checked, and the source
//! contacted at those addresses.

pub mod folders;
pub mod imap;
pub mod source;

use crate::error::Error;
use crate::ops::target::MailboxRef;
use crate::ops::Context;
use imap::{Connection, Listed};
use serde::{Deserialize, Serialize};
use source::{Source, SourceArgs, SourcePolicy};

/// Arguments of `import_probe`.
#[derive(Debug, Deserialize)]
pub struct ProbeArgs {
    /// The target mailbox: it must be this service's.
    #[serde(flatten)]
    pub mailbox: MailboxRef,
    /// The old mail server and the customer's login there.
    pub source: SourceArgs,
    /// What the server's settings allow (ports, private networks, plain, a trusted fingerprint).
    #[serde(flatten)]
    pub policy: SourcePolicy,
}

/// One source folder in the `import_probe` result.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ProbeFolder {
    /// The folder's name at the source (decoded from modified UTF-7).
    pub name: String,
    /// Messages not marked `\Deleted`.
    pub messages: u64,
    /// Their bytes (RFC822.SIZE).
    pub bytes: u64,
    /// The Kerio folder it would be copied into.
    pub maps_to: String,
}

/// Result of `import_probe`.
#[derive(Debug, Serialize)]
pub struct ProbeResult {
    /// Every selectable source folder, INBOX first, then by name.
    pub folders: Vec<ProbeFolder>,
    /// Messages over all folders.
    pub messages: u64,
    /// Bytes over all folders.
    pub bytes: u64,
}

/// `import_probe`: checks the source, checks that the target mailbox is this service's (login,
/// `Batch.run`, logout), then logs in to the source, lists its folders and sizes each one
/// (EXAMINE + one `UID FETCH 1:* (RFC822.SIZE FLAGS)`), and logs out.
pub fn import_probe(context: &mut Context, args: ProbeArgs) -> Result<ProbeResult, Error> {
    let target = args.mailbox.target("import_probe")?;
    let source = Source::check(args.source, &args.policy)?;
    context.session(|kerio| target.existing(kerio, &[]).map(drop))?;
    let addresses = source.resolve()?;
    let mut connection = Connection::open(&source, &addresses)?;
    connection.login(&source)?;
    let folders = probe(&mut connection)?;
    connection.logout();
    Ok(ProbeResult {
        messages: folders.iter().map(|f| f.messages).sum(),
        bytes: folders.iter().map(|f| f.bytes).sum(),
        folders,
    })
}

/// Every selectable folder of the logged-in `connection` with its size and Kerio folder.
fn probe(connection: &mut Connection) -> Result<Vec<ProbeFolder>, Error> {
    let listed: Vec<Listed> = connection
        .list()?
        .into_iter()
        .filter(Listed::selectable)
        .collect();
    let mut folders = Vec::with_capacity(listed.len());
    for folder in &listed {
        let size = connection.size_of(folder)?;
        folders.push(ProbeFolder {
            maps_to: folders::maps_to(&folder.name, &folder.attributes, folder.delimiter),
            name: folder.name.clone(),
            messages: size.messages,
            bytes: size.bytes,
        });
    }
    folders.sort_by(|a, b| (a.name != "INBOX", &a.name).cmp(&(b.name != "INBOX", &b.name)));
    Ok(folders)
}
