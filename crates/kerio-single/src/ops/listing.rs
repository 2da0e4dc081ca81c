//! Operations over many mailboxes: `usage` (for WHMCS's daily usage update) and `list_accounts`
//! (for WHMCS's server sync).
//!
//! Both read whole domains page by page (`Users.get`, [`crate::session::PAGE_SIZE`] users each,
//! several domains at once over parallel connections of the session), asking only for the few
//! fields they report; never one call per mailbox. Only the pages being read are in memory, and
//! `usage` stops reading a domain once every wanted address in it is found.

use super::account::status;
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
    let UsageArgs {
        addresses,
        compact,
        stream,
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
    let mut streamed = 0;
    if !wanted.is_empty() {
        context.session_with_progress(|kerio, progress| {
            let names: Vec<String> = wanted.keys().cloned().collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let domains = kerio.domains(&names)?;
            let sink = stream.then_some(&mut streamed);
            read_usage(kerio, progress, &domains, &mut wanted, sink)
        })?;
    }
    Ok(match asked {
        None if stream => UsageAnswer::Streamed(StreamedUsage { streamed }),
        None => UsageAnswer::Compact(figures(&parsed, &wanted)),
        Some(asked) => UsageAnswer::Full(arrange(&asked, &parsed, &wanted)),
    })
}

/// Reads `domains` page by page, filling the usage of the `wanted` logins (by domain name);
/// stops reading a domain once all its wanted logins are found. With `streamed` (a count), the
/// figures of each page are also handed to [`Progress::usage_found`] at once, position by
/// position, and counted.
fn read_usage(
    kerio: &mut Kerio,
    progress: &mut dyn Progress,
    domains: &[DomainInfo],
    wanted: &mut Wanted,
    mut streamed: Option<&mut usize>,
) -> Result<(), Error> {
    let ids: Vec<&str> = domains.iter().map(|domain| domain.id.as_str()).collect();
    let mut missing: Vec<usize> = domains
        .iter()
        .map(|domain| wanted.get(&domain.name).map_or(0, HashMap::len))
        .collect();
    let mut done = vec![0; domains.len()];
    kerio.for_each_domain_page(&ids, USAGE_FIELDS, |index, page, total| {
        let domain = &domains[index];
        done[index] += page.len() as u64;
        progress.users_read(&domain.name, done[index], total);
        let Some(logins) = wanted.get_mut(&domain.name) else {
            return false;
        };
        let mut found: Vec<FoundUsage> = Vec::new();
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
            };
            slot.figures = Some(figures);
            missing[index] -= 1;
            if streamed.is_some() {
                let entry = [whole_mb(figures.used_mb), figures.limit_mb];
                found.extend(slot.positions.iter().map(|&position| (position, entry)));
            }
        }
        if let Some(count) = streamed.as_deref_mut().filter(|_| !found.is_empty()) {
            *count += found.len();
            progress.usage_found(&found);
        }
        missing[index] > 0
    })
}

/// Puts the results in the order asked (`parsed` holds each asked text's address, if valid);
/// each address once.
fn arrange(asked: &[String], parsed: &[Option<Address>], found: &Wanted) -> UsageResult {
    let mut result = UsageResult {
        accounts: Vec::new(),
        not_found: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    for (text, address) in asked.iter().zip(parsed) {
        let usage = address.as_ref().and_then(|address| {
            let figures = found
                .get(address.domain())?
                .get(address.local())?
                .figures
                .as_ref()?;
            Some(Usage {
                address: format!("{}@{}", address.local(), address.domain()),
                used_mb: figures.used_mb,
                limit_mb: figures.limit_mb,
            })
        });
        match usage {
            Some(usage) if seen.insert(usage.address.clone()) => result.accounts.push(usage),
            Some(_) => {}
            None if seen.insert(text.trim().to_ascii_lowercase()) => {
                result.not_found.push(text.trim().to_ascii_lowercase())
            }
            None => {}
        }
    }
    result
}

/// The compact result: each asked address's `[whole used MB, limit MB]`, position by position.
fn figures(parsed: &[Option<Address>], found: &Wanted) -> CompactUsage {
    let usage = parsed
        .iter()
        .map(|address| {
            let address = address.as_ref()?;
            let usage = found
                .get(address.domain())?
                .get(address.local())?
                .figures
                .as_ref()?;
            Some([whole_mb(usage.used_mb), usage.limit_mb])
        })
        .collect();
    CompactUsage { usage }
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
