//! Operations over many mailboxes: `usage` (for WHMCS's daily usage update) and `list_accounts`
//! (for WHMCS's server sync).
//!
//! Both read whole domains page by page (`Users.get`, [`crate::session::PAGE_SIZE`] users each,
//! several domains at once over parallel connections of the session), asking only for the few
//! fields they report; never one call per mailbox. Only the pages being read are in memory, and
//! `usage` stops reading a domain once every wanted address in it is found.
//!
//! What the bulk `usage` checks: given `service_ids` (the module always sends them), a figure is
//! reported at a position only when the account's description carries the mark of the service
//! asked at that position (and of this `installation`, when given): the figures of an account
//! that is not the service's own never land on it. The roles are not read here: a marked
//! mailbox's figures are its own service's even if Kerio later made it an admin, and figures
//! reveal nothing of another account; every op that changes or shows the mailbox itself (and
//! `account_usage`, the Refresh usage button) applies the whole rule. Reading `description` is
//! the only cost (one more field per user); no exchange is added.

use super::account::status;
use super::target::MailboxRef;
use super::{Context, Progress};
use crate::address::{parse_domain, Address};
use crate::de;
use crate::error::Error;
use crate::ownership;
use crate::quota;
use crate::session::{DomainInfo, Kerio};
use kerio_api::User;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// User fields `usage` reads.
const USAGE_FIELDS: &[&str] = &["loginName", "consumedSize", "diskSizeLimit"];
/// User fields `usage` reads when it checks the marks (`service_ids` given).
const MARKED_USAGE_FIELDS: &[&str] = &["loginName", "consumedSize", "diskSizeLimit", "description"];
/// User fields `list_accounts` reads.
const LIST_FIELDS: &[&str] = &[
    "loginName",
    "isEnabled",
    "consumedSize",
    "diskSizeLimit",
    "description",
];

/// Arguments of `usage`.
#[derive(Debug, Deserialize)]
pub struct UsageArgs {
    /// The addresses to report.
    pub addresses: Vec<String>,
    /// Answer in the compact shape ([`CompactUsage`]) instead of [`UsageResult`].
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub compact: Option<bool>,
    /// Hand the compact figures to the progress sink as they are found
    /// ([`Progress::usage_found`]; the bridge writes them as lines before its answer), and
    /// answer only how many there were ([`StreamedUsage`]).
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub stream: Option<bool>,
    /// The WHMCS service asking at each position of `addresses` (same length): a figure is
    /// reported only for an account carrying that service's mark. Absent = no mark check (the
    /// CLI, the server admin's own view).
    #[serde(default)]
    pub service_ids: Option<Vec<u64>>,
    /// The WHMCS installation asking: marks of another installation are not reported.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub installation: Option<String>,
}

/// Arguments of `account_usage`: the one mailbox (checked by the ownership rule).
pub type AccountUsageArgs = MailboxRef;

/// Result of `account_usage`.
#[derive(Debug, Serialize)]
pub struct AccountUsage {
    /// The mailbox address.
    pub address: String,
    /// Used MB, rounded to a whole MB (as WHMCS stores it).
    pub used_mb: u64,
    /// Quota MB (0 = unlimited).
    pub limit_mb: u64,
    /// The Kerio user id of the mailbox.
    pub user_id: String,
}

/// What `usage` answers: the full shape by default, the compact one or the count of streamed
/// figures when asked for.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum UsageAnswer {
    /// Addresses with their figures, and those not found.
    Full(UsageResult),
    /// Only the figures WHMCS stores, position by position.
    Compact(CompactUsage),
    /// The figures went to the progress sink as they were found.
    Streamed(StreamedUsage),
}

/// The `usage` result when the figures were streamed: how many `[position, used, limit]`
/// entries were handed over (the caller checks it received them all).
#[derive(Debug, Serialize)]
pub struct StreamedUsage {
    /// Entries handed to [`Progress::usage_found`].
    pub streamed: usize,
    /// Positions whose account exists but does not carry the mark of the service asked there.
    pub not_owned: usize,
}

/// One streamed figure: the position of the address asked and `[whole used MB, limit MB]`.
pub type FoundUsage = (usize, [u64; 2]);

/// The compact `usage` result: for each address asked, at the same position, `[used MB rounded
/// to a whole MB, limit MB]` (what WHMCS stores in diskusage/disklimit), or `null` when it has no
/// mailbox or is not an address. About a seventh of the full shape's bytes at 10,000 addresses.
#[derive(Debug, Serialize)]
pub struct CompactUsage {
    /// One entry per address asked, in the order asked (duplicates included).
    pub usage: Vec<Option<[u64; 2]>>,
}

/// Result of `usage`.
#[derive(Debug, Serialize)]
pub struct UsageResult {
    /// Usage of every address found, in the order asked.
    pub accounts: Vec<Usage>,
    /// Addresses with no mailbox (or not a valid address), in the order asked.
    pub not_found: Vec<String>,
    /// Addresses whose account does not carry the mark of the service asked (with
    /// `service_ids`), in the order asked.
    pub not_owned: Vec<String>,
}

/// Usage of one mailbox.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    /// The address.
    pub address: String,
    /// Used MB.
    pub used_mb: f64,
    /// Quota MB (0 = unlimited).
    pub limit_mb: u64,
}

/// Arguments of `list_accounts`.
#[derive(Debug, Deserialize)]
pub struct ListArgs {
    /// Only this domain (default: every domain).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub domain: Option<String>,
    /// Answer in the compact shape ([`CompactList`]) instead of [`ListResult`].
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub compact: Option<bool>,
}

/// What `list_accounts` answers: the full shape by default, the compact one when asked for.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ListAnswer {
    /// Every field of every mailbox.
    Full(ListResult),
    /// Only what WHMCS's server sync shows.
    Compact(CompactList),
}

/// Result of `list_accounts`.
#[derive(Debug, Serialize)]
pub struct ListResult {
    /// Every mailbox, sorted by address.
    pub accounts: Vec<Account>,
}

/// The compact `list_accounts` result: `[address, 1 if suspended else 0, quota MB]` per mailbox,
/// sorted by address. At 100,000 mailboxes PHP decodes small lists instead of objects with five
/// keys (about a fifth of the memory).
#[derive(Debug, Serialize)]
pub struct CompactList {
    /// One entry per mailbox.
    pub accounts: Vec<(String, u8, u64)>,
}

/// One mailbox in `list_accounts`.
#[derive(Debug, Serialize)]
pub struct Account {
    /// The address.
    pub address: String,
    /// `active` or `suspended`.
    pub status: &'static str,
    /// Quota MB (0 = unlimited).
    pub quota_mb: u64,
    /// Used MB.
    pub used_mb: f64,
    /// The WHMCS service id from the description, if any.
    pub service_id: Option<u64>,
}

/// The figures found for one wanted address.
#[derive(Debug, Clone, Copy)]
struct Figures {
    used_mb: f64,
    limit_mb: u64,
    /// The service whose mark (of this installation) the account carries; read only when the
    /// marks are checked. Kept instead of the description: 100,000 descriptions held until the
    /// end of a run cost the engine ~10 MB.
    owner: Option<u64>,
}

/// Which figures may be reported at which position: all (no `service_ids`), or only an
/// account's carrying the mark of the service asked at that position.
struct Owners {
    /// The service asked at each position.
    service_ids: Option<Vec<u64>>,
    /// The installation asking.
    installation: Option<String>,
}

impl Owners {
    /// Checks the arguments: `service_ids`, when given, has one entry per address.
    fn new(args: &UsageArgs) -> Result<Owners, Error> {
        if let Some(ids) = &args.service_ids {
            if ids.len() != args.addresses.len() {
                return Err(Error::invalid_request(format!(
                    "`service_ids` must name the service of each address: {} addresses, {} service ids.",
                    args.addresses.len(),
                    ids.len()
                )));
            }
        }
        Ok(Owners {
            service_ids: args.service_ids.clone(),
            installation: ownership::parse_installation(args.installation.as_deref())?,
        })
    }

    /// The user fields to read.
    fn fields(&self) -> &'static [&'static str] {
        if self.service_ids.is_some() {
            MARKED_USAGE_FIELDS
        } else {
            USAGE_FIELDS
        }
    }

    /// The service whose mark `description` carries, when the marks are checked and the mark is
    /// not another installation's.
    fn owner_of(&self, description: Option<&str>) -> Option<u64> {
        self.service_ids.as_ref()?;
        ownership::marked_service(description?, self.installation.as_deref()).ok()
    }

    /// Whether `figures` may be reported at `position`.
    fn allow(&self, position: usize, figures: &Figures) -> bool {
        let Some(ids) = &self.service_ids else {
            return true;
        };
        ids.get(position)
            .is_some_and(|&service_id| figures.owner == Some(service_id))
    }
}

/// One wanted login: its figures once found, and where it was asked (for streaming).
#[derive(Debug, Default)]
struct Slot {
    figures: Option<Figures>,
    positions: Vec<usize>,
}

/// Wanted logins by domain name.
type Wanted = BTreeMap<String, HashMap<String, Slot>>;

/// `usage`: used and limit MB for each address; one `Domains.get`, then one paged `Users.get`
/// per domain. Each address is parsed once (a usage run may ask for tens of thousands); the
/// texts asked are kept only for the full answer, which names them.
pub fn usage(context: &mut Context, args: UsageArgs) -> Result<UsageAnswer, Error> {
    let owners = Owners::new(&args)?;
    let UsageArgs {
        addresses,
        compact,
        stream,
        ..
    } = args;
    let stream = stream == Some(true);
    let parsed: Vec<Option<Address>> = addresses
        .iter()
        .map(|text| Address::parse(text).ok())
        .collect();
    let asked = if compact == Some(true) || stream {
        drop(addresses);
        None
    } else {
        Some(addresses)
    };
    let mut wanted: Wanted = BTreeMap::new();
    for (position, address) in parsed.iter().enumerate() {
        if let Some(address) = address {
            wanted
                .entry(address.domain().to_string())
                .or_default()
                .entry(address.local().to_string())
                .or_default()
                .positions
                .push(position);
        }
    }
    let mut streamed = StreamedUsage {
        streamed: 0,
        not_owned: 0,
    };
    if !wanted.is_empty() {
        context.session_with_progress(|kerio, progress| {
            let names: Vec<String> = wanted.keys().cloned().collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let domains = kerio.domains(&names)?;
            let sink = stream.then_some(&mut streamed);
            let reading = Reading {
                domains: &domains,
                owners: &owners,
            };
            read_usage(kerio, progress, reading, &mut wanted, sink)
        })?;
    }
    Ok(match asked {
        None if stream => UsageAnswer::Streamed(streamed),
        None => UsageAnswer::Compact(figures(&parsed, &wanted, &owners)),
        Some(asked) => UsageAnswer::Full(arrange(&asked, &parsed, &wanted, &owners)),
    })
}

/// What a usage run reads: the domains, and whose figures may be reported where.
struct Reading<'r> {
    domains: &'r [DomainInfo],
    owners: &'r Owners,
}

/// Reads the domains page by page, filling the usage of the `wanted` logins (by domain name);
/// stops reading a domain once all its wanted logins are found. With `streamed` (the counts),
/// the figures of each page are also handed to [`Progress::usage_found`] at once, position by
/// position (only where the owners allow), and counted.
fn read_usage(
    kerio: &mut Kerio,
    progress: &mut dyn Progress,
    reading: Reading,
    wanted: &mut Wanted,
    mut streamed: Option<&mut StreamedUsage>,
) -> Result<(), Error> {
    let Reading { domains, owners } = reading;
    let ids: Vec<&str> = domains.iter().map(|domain| domain.id.as_str()).collect();
    let mut missing: Vec<usize> = domains
        .iter()
        .map(|domain| wanted.get(&domain.name).map_or(0, HashMap::len))
        .collect();
    let mut done = vec![0; domains.len()];
    kerio.for_each_domain_page(&ids, owners.fields(), |index, page, total| {
        let domain = &domains[index];
        done[index] += page.len() as u64;
        progress.users_read(&domain.name, done[index], total);
        let Some(logins) = wanted.get_mut(&domain.name) else {
            return false;
        };
        let mut found: Vec<FoundUsage> = Vec::new();
        let mut refused = 0;
        for user in page {
            let Some(login) = user.login_name.as_deref().map(str::to_ascii_lowercase) else {
                continue;
            };
            let Some(slot) = logins.get_mut(&login).filter(|slot| slot.figures.is_none()) else {
                continue;
            };
            let figures = Figures {
                used_mb: quota::user_used_mb(&user),
                limit_mb: quota::user_limit_mb(&user),
                owner: owners.owner_of(user.description.as_deref()),
            };
            missing[index] -= 1;
            if streamed.is_some() {
                let entry = [whole_mb(figures.used_mb), figures.limit_mb];
                for &position in &slot.positions {
                    if owners.allow(position, &figures) {
                        found.push((position, entry));
                    } else {
                        refused += 1;
                    }
                }
            }
            slot.figures = Some(figures);
        }
        if let Some(counts) = streamed.as_deref_mut() {
            counts.not_owned += refused;
            if !found.is_empty() {
                counts.streamed += found.len();
                progress.usage_found(&found);
            }
        }
        missing[index] > 0
    })
}

/// The figures found for the address at `position`, if any, and whether they may be reported
/// there.
fn found_at<'w>(
    position: usize,
    address: &Address,
    found: &'w Wanted,
    owners: &Owners,
) -> Option<(&'w Figures, bool)> {
    let figures = found
        .get(address.domain())?
        .get(address.local())?
        .figures
        .as_ref()?;
    Some((figures, owners.allow(position, figures)))
}

/// Puts the results in the order asked (`parsed` holds each asked text's address, if valid);
/// each address once.
fn arrange(
    asked: &[String],
    parsed: &[Option<Address>],
    found: &Wanted,
    owners: &Owners,
) -> UsageResult {
    let mut result = UsageResult {
        accounts: Vec::new(),
        not_found: Vec::new(),
        not_owned: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    for (position, (text, address)) in asked.iter().zip(parsed).enumerate() {
        let figures = address
            .as_ref()
            .and_then(|address| Some((address, found_at(position, address, found, owners)?)));
        let shown = text.trim().to_ascii_lowercase();
        match figures {
            Some((address, (figures, true))) => {
                let usage = Usage {
                    address: format!("{}@{}", address.local(), address.domain()),
                    used_mb: figures.used_mb,
                    limit_mb: figures.limit_mb,
                };
                if seen.insert(usage.address.clone()) {
                    result.accounts.push(usage);
                }
            }
            Some((_, (_, false))) => result.not_owned.push(shown),
            None if seen.insert(shown.clone()) => result.not_found.push(shown),
            None => {}
        }
    }
    result
}

/// The compact result: each asked address's `[whole used MB, limit MB]`, position by position
/// (`null` where nothing was found or the account is not the service's).
fn figures(parsed: &[Option<Address>], found: &Wanted, owners: &Owners) -> CompactUsage {
    let usage = parsed
        .iter()
        .enumerate()
        .map(|(position, address)| {
            let (figures, allowed) = found_at(position, address.as_ref()?, found, owners)?;
            allowed.then(|| [whole_mb(figures.used_mb), figures.limit_mb])
        })
        .collect();
    CompactUsage { usage }
}

/// `account_usage`: used and limit MB of this service's mailbox only (the ownership rule
/// applies; the Refresh usage button). By stored id: login, `Batch.run`, logout.
pub fn account_usage(context: &mut Context, args: AccountUsageArgs) -> Result<AccountUsage, Error> {
    let target = args.target("account_usage")?;
    let mailbox =
        context.session(|kerio| target.existing(kerio, &["consumedSize", "diskSizeLimit"]))?;
    Ok(AccountUsage {
        address: target.address.to_string(),
        used_mb: whole_mb(quota::user_used_mb(&mailbox.user)),
        limit_mb: quota::user_limit_mb(&mailbox.user),
        user_id: mailbox.id,
    })
}

/// MB rounded to a whole MB, halves away from zero (as PHP's `round`), as WHMCS stores it.
fn whole_mb(mb: f64) -> u64 {
    // Used sizes are never negative; `as` saturates, so a bogus figure cannot wrap.
    mb.round() as u64
}

/// `list_accounts`: every mailbox (of one domain, or of all), for WHMCS's server sync.
pub fn list_accounts(context: &mut Context, args: ListArgs) -> Result<ListAnswer, Error> {
    let accounts = read_accounts(context, args.domain.as_deref())?;
    Ok(if args.compact == Some(true) {
        ListAnswer::Compact(CompactList {
            accounts: accounts
                .into_iter()
                .map(|account| {
                    let suspended = u8::from(account.status == status(Some(false)));
                    (account.address, suspended, account.quota_mb)
                })
                .collect(),
        })
    } else {
        ListAnswer::Full(ListResult { accounts })
    })
}

/// Every mailbox of domain `only` (or of all domains), sorted by address.
fn read_accounts(context: &mut Context, only: Option<&str>) -> Result<Vec<Account>, Error> {
    let only = only.map(parse_domain).transpose()?;
    context.session_with_progress(|kerio, progress| {
        let domains = match &only {
            Some(name) => vec![kerio
                .domain(name)?
                .ok_or_else(|| super::passwords::unknown_domain(name))?],
            None => kerio.all_domains()?,
        };
        let ids: Vec<&str> = domains.iter().map(|domain| domain.id.as_str()).collect();
        let mut done = vec![0; domains.len()];
        let mut accounts = Vec::new();
        kerio.for_each_domain_page(&ids, LIST_FIELDS, |index, page, total| {
            let domain = &domains[index];
            done[index] += page.len() as u64;
            progress.users_read(&domain.name, done[index], total);
            accounts.extend(
                page.iter()
                    .filter_map(|user| account_of(&domain.name, user)),
            );
            true
        })?;
        accounts.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(accounts)
    })
}

/// The `list_accounts` entry of one user.
fn account_of(domain: &str, user: &User) -> Option<Account> {
    let login = user.login_name.as_deref()?.to_ascii_lowercase();
    Some(Account {
        address: format!("{login}@{domain}"),
        status: status(user.is_enabled),
        quota_mb: quota::user_limit_mb(user),
        used_mb: quota::user_used_mb(user),
        service_id: user.description.as_deref().and_then(ownership::service_of),
    })
}
