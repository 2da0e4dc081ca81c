//! One logged-in conversation with Kerio and the lookups every operation shares.
//!
//! Each operation is: login, the fewest calls that do the job, logout. Domains are looked up
//! with one `Domains.get` (conditions `name Eq …` combined with `Or`), users with one `Users.get`
//! per domain (`loginName Eq …`), asking only for the fields the operation needs. Results are
//! also filtered here, case-insensitively, so a server that ignores a condition still gives the
//! right answer.

use crate::address::{parse_domain, Address};
use crate::error::{quote, Error};
use crate::server::ServerSettings;
use crate::translate::DOES_NOT_EXIST;
use kerio_api::{
    parse_field, Client, Combining, Comparator, Domain, Exchange, ListResult, SearchQuery,
    ServerVersion, User, UserDetails, UsersRead,
};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Users fetched per `Users.get` page when listing whole domains.
pub const PAGE_SIZE: i64 = 5000;

/// Most domain names [`Kerio::domains`] asks for by name; for more it reads the whole list.
pub const NAMED_DOMAINS_QUERY_MAX: usize = 16;

/// Domain fields every lookup reads: id, name and the password policy.
const DOMAIN_FIELDS: &[&str] = &[
    "id",
    "name",
    "passwordComplexityEnabled",
    "passwordMinimumLength",
];

/// A Kerio domain as the operations need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInfo {
    /// Kerio id, `keriodb://domain/…`.
    pub id: String,
    /// Lower-case name.
    pub name: String,
    /// Whether complex passwords are required.
    pub complexity: bool,
    /// The domain's minimum password length (0 = none).
    pub min_length: usize,
}

impl DomainInfo {
    /// Reads the fields of a `Domains.get` item; items without id or name are skipped, and so
    /// (`Err` with the name) is a name that is not a host name (`<script>`, `a..b`: a broken or
    /// hostile server's), so it never reaches an order form or a product's settings.
    fn from_kerio(domain: Domain) -> Option<Result<DomainInfo, String>> {
        let name = domain.name?.to_ascii_lowercase();
        if parse_domain(&name).ok().as_deref() != Some(name.as_str()) {
            return Some(Err(name));
        }
        Some(Ok(DomainInfo {
            id: domain.id?,
            name,
            complexity: domain.password_complexity_enabled.unwrap_or(false),
            min_length: domain
                .password_minimum_length
                .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        }))
    }
}

/// An existing mailbox: its domain, its Kerio id and the requested user fields.
#[derive(Debug, Clone)]
pub struct Mailbox {
    /// The mailbox's domain.
    pub domain: DomainInfo,
    /// Kerio user id.
    pub id: String,
    /// The user record with the fields asked for.
    pub user: User,
}

impl Mailbox {
    /// The user's description (empty when none).
    pub fn description(&self) -> &str {
        self.user.description.as_deref().unwrap_or("")
    }
}

/// A logged-in Kerio client.
pub struct Kerio<'c> {
    client: &'c mut Client,
    /// Domain names Kerio listed that are not host names (quoted for messages), skipped.
    skipped_domains: Vec<String>,
    /// A mark to bring up to date before the session ends: user id and new description.
    mark: Option<(String, String)>,
}

/// Logs in with `settings`, runs `work`, logs out, and appends every API exchange to
/// `transcript` (also when something failed). A failed logout does not change the result.
/// When `work` succeeded and left a mark to bring up to date ([`Kerio::defer_mark`]) that no
/// `Users.set` of it carried, one `Users.set` writes it before logout; its failure only shows
/// in the transcript (the next op tries again).
pub fn with_session<T>(
    settings: &ServerSettings,
    transcript: &mut Vec<Exchange>,
    work: impl FnOnce(&mut Kerio) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut client = Client::new(settings.client_config()?)?;
    let result = client
        .login(settings.username.trim(), &settings.password)
        .map_err(Error::from)
        .and_then(|()| {
            let mut kerio = Kerio {
                client: &mut client,
                skipped_domains: Vec::new(),
                mark: None,
            };
            let result = work(&mut kerio);
            if result.is_ok() {
                let _ = kerio.write_deferred_mark();
            }
            result
        });
    if client.is_logged_in() {
        // The outcome is decided; a failed logout only shows in the transcript.
        let _ = client.logout();
    }
    transcript.extend(client.take_transcript());
    result
}

impl Kerio<'_> {
    /// The underlying client, for the calls that have no helper here.
    pub fn client(&mut self) -> &mut Client {
        self.client
    }

    /// The domain names Kerio listed in this session that are not host names and were skipped,
    /// each quoted (cut and escaped) for a message; sorted, each once.
    pub fn skipped_domains(&self) -> Vec<String> {
        let mut names = self.skipped_domains.clone();
        names.sort();
        names.dedup();
        names
    }

    /// The usable domains of a `Domains.get` answer; names that are not host names are noted in
    /// [`Kerio::skipped_domains`].
    fn domain_infos(&mut self, listed: Vec<Domain>) -> Vec<DomainInfo> {
        let mut usable = Vec::with_capacity(listed.len());
        for outcome in listed.into_iter().filter_map(DomainInfo::from_kerio) {
            match outcome {
                Ok(domain) => usable.push(domain),
                Err(name) => self.skipped_domains.push(quote(&name)),
            }
        }
        usable
    }

    /// Remembers that user `user_id`'s description must become `description` (its mark brought
    /// up to date): carried by the next [`Kerio::set_user`] of that user, else written when the
    /// session's work succeeded.
    pub fn defer_mark(&mut self, user_id: &str, description: String) {
        self.mark = Some((user_id.to_string(), description));
    }

    /// Applies `pattern` to user `id` with one `Users.set`, carrying a deferred mark of that user.
    pub fn set_user(&mut self, id: &str, pattern: &User) -> Result<(), Error> {
        let ids = [id.to_string()];
        match self.mark.take() {
            Some((user, description)) if user == id && pattern.description.is_none() => {
                let pattern = User {
                    description: Some(description),
                    ..pattern.clone()
                };
                Ok(self.client.users_set(&ids, &pattern)?)
            }
            other => {
                self.mark = other.filter(|(user, _)| user != id);
                Ok(self.client.users_set(&ids, pattern)?)
            }
        }
    }

    /// Writes a deferred mark no `Users.set` carried (one `Users.set`), if any.
    fn write_deferred_mark(&mut self) -> Result<(), Error> {
        let Some((user, description)) = self.mark.take() else {
            return Ok(());
        };
        let pattern = User {
            description: Some(description),
            ..User::default()
        };
        self.set_user(&user, &pattern)
    }

    /// The domains named in `names` that exist, with one `Domains.get`: by name conditions for a
    /// few names, the whole list for more than [`NAMED_DOMAINS_QUERY_MAX`] (one condition per
    /// name made the server compare every domain with every name: 0.9 s for 1,000 names on the
    /// emulator, where the whole list of 1,000 domains takes a few ms).
    pub fn domains(&mut self, names: &[&str]) -> Result<Vec<DomainInfo>, Error> {
        let mut wanted = HashSet::new();
        let lower: Vec<String> = names
            .iter()
            .map(|name| name.to_ascii_lowercase())
            .filter(|name| wanted.insert(name.clone()))
            .collect();
        let found = if lower.len() > NAMED_DOMAINS_QUERY_MAX {
            self.all_domains()?
        } else {
            let lower_names: Vec<&str> = lower.iter().map(String::as_str).collect();
            self.domains_matching(&domain_query(&lower_names))?
        };
        Ok(found
            .into_iter()
            .filter(|domain| wanted.contains(&domain.name))
            .collect())
    }

    /// The domain `name` and the user `user_id` of the domain `domain_id` (the one the user id
    /// names), read together in one `Batch.run` exchange; `None` for what does not exist.
    /// `fields` are the user fields wanted besides `id` and `loginName`.
    pub fn domain_and_user(
        &mut self,
        name: &str,
        domain_id: &str,
        user_id: &str,
        fields: &[&str],
    ) -> Result<(Option<DomainInfo>, Option<User>), Error> {
        let domains = domain_query(&[name]);
        let users = SearchQuery::new().fields(&with_identity(fields)).condition(
            "id",
            Comparator::Eq,
            user_id,
        );
        let mut outcomes = self
            .client
            .batch(&[
                ("Domains.get", json!({ "query": domains })),
                (
                    "Users.get",
                    json!({ "query": users, "domainId": domain_id }),
                ),
            ])?
            .into_iter();
        let (Some(domain), Some(user)) = (outcomes.next(), outcomes.next()) else {
            return Ok((None, None));
        };
        let listed = list_of::<Domain>("Domains.get", domain?)?;
        let domain = self
            .domain_infos(listed)
            .into_iter()
            .find(|domain| domain.name == name.to_ascii_lowercase());
        let user = match user {
            Ok(answer) => list_of::<User>("Users.get", answer)?
                .into_iter()
                .find(|user| user.id.as_deref() == Some(user_id)),
            // The id's domain does not exist (the id is stale or forged).
            Err(error) if error.kerio_code() == Some(DOES_NOT_EXIST) => None,
            Err(error) => return Err(error.into()),
        };
        Ok((domain, user))
    }

    /// What Test Connection asks of the server, in one `Batch.run`: its version, the logged-in
    /// admin (`Session.whoAmI`) and every domain (as [`Kerio::all_domains`]). The domains are an
    /// outcome of their own: a role that may not list them is refused by the caller first.
    pub fn admin_overview(&mut self) -> Result<AdminOverview, Error> {
        let query = SearchQuery::new().fields(DOMAIN_FIELDS);
        let mut outcomes = self
            .client
            .batch(&[
                ("Server.getVersion", json!({})),
                ("Session.whoAmI", json!({})),
                ("Domains.get", json!({ "query": query })),
            ])?
            .into_iter();
        let (Some(version), Some(me), Some(domains)) =
            (outcomes.next(), outcomes.next(), outcomes.next())
        else {
            return Err(kerio_api::Error::InvalidJson {
                method: "Batch.run".to_string(),
                detail: "the answer lists fewer than three results".to_string(),
            }
            .into());
        };
        let version: ServerVersion = parse_field("Server.getVersion", version?, None)?;
        let me: UserDetails = parse_field("Session.whoAmI", me?, Some(UserDetails::IN_WHO_AM_I))?;
        let domains = domains
            .map_err(Error::from)
            .and_then(|answer| list_of::<Domain>("Domains.get", answer))
            .map(|listed| {
                let mut domains = self.domain_infos(listed);
                domains.sort_by(|a, b| a.name.cmp(&b.name));
                domains
            });
        Ok(AdminOverview {
            version,
            me,
            domains,
        })
    }

    /// The domain `name`, if it exists.
    pub fn domain(&mut self, name: &str) -> Result<Option<DomainInfo>, Error> {
        Ok(self.domains(&[name])?.into_iter().next())
    }

    /// Every domain on the server, sorted by name.
    pub fn all_domains(&mut self) -> Result<Vec<DomainInfo>, Error> {
        let mut domains = self.domains_matching(&SearchQuery::new().fields(DOMAIN_FIELDS))?;
        domains.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(domains)
    }

    /// Runs one `Domains.get`.
    fn domains_matching(&mut self, query: &SearchQuery) -> Result<Vec<DomainInfo>, Error> {
        let found = self.client.domains_get(query)?;
        Ok(self.domain_infos(found.list))
    }

    /// Looks up several mailboxes: one `Domains.get` for all their domains, then one `Users.get`
    /// per domain. The answer is in the order of `addresses`; `None` where a mailbox does not
    /// exist. `fields` are the user fields wanted besides `id` and `loginName`.
    pub fn mailboxes(
        &mut self,
        addresses: &[&Address],
        fields: &[&str],
    ) -> Result<Vec<Option<Mailbox>>, Error> {
        let mut names: Vec<&str> = addresses.iter().map(|a| a.domain()).collect();
        names.sort_unstable();
        names.dedup();
        let domains = self.domains(&names)?;
        let mut found = vec![None; addresses.len()];
        for domain in &domains {
            self.find_in(domain, addresses, fields, &mut found)?;
        }
        Ok(found)
    }

    /// The mailbox at `address` in the already looked-up `domain`, with one `Users.get`.
    pub fn mailbox_in(
        &mut self,
        domain: &DomainInfo,
        address: &Address,
        fields: &[&str],
    ) -> Result<Option<Mailbox>, Error> {
        let mut found = vec![None];
        self.find_in(domain, &[address], fields, &mut found)?;
        Ok(found.pop().flatten())
    }

    /// Fills `found` (parallel to `addresses`) with the mailboxes of `domain`, one `Users.get`.
    fn find_in(
        &mut self,
        domain: &DomainInfo,
        addresses: &[&Address],
        fields: &[&str],
        found: &mut [Option<Mailbox>],
    ) -> Result<(), Error> {
        let wanted: Vec<&str> = addresses
            .iter()
            .filter(|a| a.domain() == domain.name)
            .map(|a| a.local())
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        for user in self.users_named(&domain.id, &wanted, fields)? {
            place_user(found, addresses, domain, user);
        }
        Ok(())
    }

    /// The mailbox at `address`, if it exists (see [`Kerio::mailboxes`]).
    pub fn mailbox(
        &mut self,
        address: &Address,
        fields: &[&str],
    ) -> Result<Option<Mailbox>, Error> {
        Ok(self
            .mailboxes(&[address], fields)?
            .into_iter()
            .next()
            .flatten())
    }

    /// The mailbox at `address`, or a `not_found` error.
    pub fn existing_mailbox(
        &mut self,
        address: &Address,
        fields: &[&str],
    ) -> Result<Mailbox, Error> {
        self.mailbox(address, fields)?
            .ok_or_else(|| Error::mailbox_not_found(&address.to_string()))
    }

    /// One `Users.get` for the users of `domain_id` whose login is one of `logins`.
    fn users_named(
        &mut self,
        domain_id: &str,
        logins: &[&str],
        fields: &[&str],
    ) -> Result<Vec<User>, Error> {
        let query = logins
            .iter()
            .fold(
                SearchQuery::new().fields(&with_identity(fields)),
                |query, login| query.condition("loginName", Comparator::Eq, *login),
            )
            .combining(Combining::Or);
        let found = self.client.users_get(domain_id, &query)?;
        Ok(found.list)
    }

    /// Pages through every user of each domain in `domain_ids` ([`PAGE_SIZE`] per `Users.get`,
    /// ordered by login), handing each page, the index of its domain and the domain's total to
    /// `on_page`, which returns `false` when that domain needs no more pages. Up to
    /// [`Client::parallel_reads`] pages are read at once, over as many connections of the session
    /// ([`Client::users_get_pipelined`]: each connection asks for the next page as soon as it has
    /// its answer), and only those are held in memory; `on_page` runs on this thread, in the order
    /// the pages arrive.
    ///
    /// The users carry `loginName` and `fields`, not their id: listings never need it, and it
    /// made up almost half of every page.
    pub fn for_each_domain_page(
        &mut self,
        domain_ids: &[&str],
        fields: &[&str],
        mut on_page: impl FnMut(usize, Vec<User>, u64) -> bool,
    ) -> Result<(), Error> {
        let fields = with_login(fields);
        let read = |index: usize, start: i64| -> UsersRead<(usize, i64)> {
            (
                (index, start),
                domain_ids[index].to_string(),
                page_query(&fields, start),
            )
        };
        let first = (0..domain_ids.len()).map(|index| read(index, 0)).collect();
        self.client
            .users_get_pipelined(first, |(index, start), page| {
                let page = page?;
                let count = page.list.len();
                let total = page.total_items;
                let keep_going = on_page(index, page.list, total);
                let next = start.saturating_add(i64::try_from(count).unwrap_or(i64::MAX));
                let more =
                    keep_going && count > 0 && u64::try_from(next).unwrap_or(u64::MAX) < total;
                Ok(more.then(|| read(index, next)))
            })
            .map_err(Error::from)
    }
}

/// The `Domains.get` query for the domains named in `names`.
fn domain_query(names: &[&str]) -> SearchQuery {
    names
        .iter()
        .fold(SearchQuery::new().fields(DOMAIN_FIELDS), |query, name| {
            query.condition("name", Comparator::Eq, *name)
        })
        .combining(Combining::Or)
}

/// What [`Kerio::admin_overview`] reads.
pub struct AdminOverview {
    /// `Server.getVersion`.
    pub version: ServerVersion,
    /// `Session.whoAmI`: the logged-in admin and its role.
    pub me: UserDetails,
    /// Every domain, sorted by name, or why they could not be listed.
    pub domains: Result<Vec<DomainInfo>, Error>,
}

/// The `list` of a `Domains.get` / `Users.get` answer read from a batch.
fn list_of<T: serde::de::DeserializeOwned>(method: &str, answer: Value) -> Result<Vec<T>, Error> {
    Ok(parse_field::<ListResult<T>>(method, answer, None)?.list)
}

/// The query for one page of users from `start`, ordered by login (stable paging).
fn page_query(fields: &[&str], start: i64) -> SearchQuery {
    SearchQuery::new()
        .fields(fields)
        .start(start)
        .limit(PAGE_SIZE)
        .order_by("loginName", kerio_api::Direction::Asc)
}

/// `fields` plus the two every lookup needs to identify a user.
fn with_identity<'f>(fields: &[&'f str]) -> Vec<&'f str> {
    leading(&["id", "loginName"], fields)
}

/// `fields` plus `loginName`, which listings report and order their pages by.
fn with_login<'f>(fields: &[&'f str]) -> Vec<&'f str> {
    leading(&["loginName"], fields)
}

/// `first`, then the other `fields`.
fn leading<'f>(first: &[&'f str], fields: &[&'f str]) -> Vec<&'f str> {
    let mut all = first.to_vec();
    all.extend(fields.iter().filter(|field| !first.contains(field)));
    all
}

/// Puts `user` at every position of `addresses` it answers (matching login case-insensitively).
fn place_user(
    found: &mut [Option<Mailbox>],
    addresses: &[&Address],
    domain: &DomainInfo,
    user: User,
) {
    let (Some(login), Some(id)) = (user.login_name.clone(), user.id.clone()) else {
        return;
    };
    for (slot, address) in found.iter_mut().zip(addresses) {
        if address.domain() == domain.name && address.local().eq_ignore_ascii_case(&login) {
            *slot = Some(Mailbox {
                domain: domain.clone(),
                id: id.clone(),
                user: user.clone(),
            });
        }
    }
}
