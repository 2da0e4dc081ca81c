//! `password_rules` and `check_password`, and the password checks create and change use.
//!
//! Without a domain read from Kerio the rules assume the domain's complex-password policy is on:
//! the order form then never accepts a password that Kerio might refuse later.

use super::Context;
use crate::de;
use crate::error::Error;
use crate::rules::{self, PasswordContext, Rule};
use crate::session::DomainInfo;
use kerio_api::Secret;
use serde::{Deserialize, Serialize};

/// Arguments of `password_rules` (and the rule part of `check_password`).
#[derive(Debug, Default, Deserialize)]
pub struct RulesArgs {
    /// Mail domain; with a server its policy is read from Kerio.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub domain: Option<String>,
    /// The product's minimum password length.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub min_length: Option<u64>,
    /// The chosen mailbox name.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub localpart: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub givenname: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub surname: Option<String>,
    /// Reserved mailbox names replacing the default list.
    #[serde(default)]
    pub reserved_localparts: Option<Vec<String>>,
    /// The domain's policy as a caller read it before (a `policy` of an earlier answer): used
    /// instead of reading Kerio, so cached order forms cost no Kerio login.
    #[serde(default)]
    pub policy: Option<Policy>,
}

/// The rule lists for the order form.
#[derive(Debug, Serialize)]
pub struct RulesResult {
    /// Password rules.
    pub password: Vec<Rule>,
    /// Mailbox-name rules.
    pub localpart: Vec<Rule>,
    /// The domain policy the rules were made with (read from Kerio, given, or assumed).
    pub policy: Policy,
}

/// Arguments of `check_password`.
#[derive(Debug, Deserialize)]
pub struct CheckArgs {
    /// The password to check.
    #[serde(deserialize_with = "de::secret")]
    pub password: Secret,
    /// Everything the rules depend on.
    #[serde(flatten)]
    pub rules: RulesArgs,
}

/// Result of `check_password`.
#[derive(Debug, Serialize)]
pub struct CheckResult {
    /// Whether every password rule passed.
    pub ok: bool,
    /// The message of each failed rule.
    pub failures: Vec<String>,
    /// The message of each mailbox-name rule the given `localpart` fails (empty without one).
    pub localpart_failures: Vec<String>,
    /// The rules checked.
    pub rules: RulesResult,
}

/// A domain's password policy.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
pub struct Policy {
    /// Complex passwords required.
    pub complexity: bool,
    /// Minimum length set on the domain.
    pub min_length: usize,
}

impl Policy {
    /// The assumption when the domain's policy cannot be read: complexity on.
    pub const ASSUMED: Policy = Policy {
        complexity: true,
        min_length: 0,
    };

    /// The policy of a domain read from Kerio.
    pub fn of(domain: &DomainInfo) -> Policy {
        Policy {
            complexity: domain.complexity,
            min_length: domain.min_length,
        }
    }
}

/// Everything the password rules of one mailbox depend on.
pub struct PasswordSubject<'a> {
    /// Mailbox name.
    pub localpart: Option<&'a str>,
    /// Mail domain.
    pub domain: Option<&'a str>,
    /// First name.
    pub givenname: Option<&'a str>,
    /// Last name.
    pub surname: Option<&'a str>,
    /// The product's minimum length.
    pub product_min_length: Option<u64>,
}

/// The password rules for `subject` under `policy`.
pub fn rules_for(policy: Policy, subject: &PasswordSubject) -> Vec<Rule> {
    rules::password_rules(&PasswordContext {
        complexity: policy.complexity,
        domain_min_length: policy.min_length,
        product_min_length: subject
            .product_min_length
            .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        localpart: subject.localpart.map(str::to_string),
        domain: subject.domain.map(str::to_string),
        givenname: subject.givenname.map(str::to_string),
        surname: subject.surname.map(str::to_string),
    })
}

/// Fails with `invalid_input` listing every rule the password breaks (never the password).
pub fn require_valid_password(
    password: &Secret,
    policy: Policy,
    subject: &PasswordSubject,
) -> Result<(), Error> {
    let failures = rules::failures(&rules_for(policy, subject), password.expose());
    if failures.is_empty() {
        return Ok(());
    }
    Err(Error::invalid_input(
        "The password does not meet the password rules.",
        format!("Choose a password with: {}.", failures.join("; ")),
    ))
}

/// The reserved names in force: the given list, or the default one.
pub fn reserved_names(given: &Option<Vec<String>>) -> Vec<String> {
    given.clone().unwrap_or_else(rules::default_reserved)
}

/// `password_rules`: the rule lists, with the domain's policy read from Kerio when possible.
pub fn password_rules(context: &mut Context, args: RulesArgs) -> Result<RulesResult, Error> {
    let policy = match args.policy {
        Some(given) => given,
        None => policy_for(context, args.domain.as_deref())?,
    };
    let subject = PasswordSubject {
        localpart: args.localpart.as_deref(),
        domain: args.domain.as_deref(),
        givenname: args.givenname.as_deref(),
        surname: args.surname.as_deref(),
        product_min_length: args.min_length,
    };
    Ok(RulesResult {
        password: rules_for(policy, &subject),
        localpart: rules::localpart_rules(&reserved_names(&args.reserved_localparts)),
        policy,
    })
}

/// `check_password`: every failed rule's message, plus the rules themselves.
pub fn check_password(context: &mut Context, args: CheckArgs) -> Result<CheckResult, Error> {
    let localpart = args.rules.localpart.clone();
    let rules = password_rules(context, args.rules)?;
    let failures = rules::failures(&rules.password, args.password.expose());
    let localpart_failures = localpart
        .map(|name| rules::failures(&rules.localpart, &name))
        .unwrap_or_default();
    Ok(CheckResult {
        ok: failures.is_empty(),
        failures,
        localpart_failures,
        rules,
    })
}

/// The policy of `domain` read from Kerio when a server is given, else [`Policy::ASSUMED`].
fn policy_for(context: &mut Context, domain: Option<&str>) -> Result<Policy, Error> {
    let Some(name) = domain.filter(|_| context.has_server()) else {
        return Ok(Policy::ASSUMED);
    };
    let name = crate::address::parse_domain(name)?;
    let found = context.session(|kerio| kerio.domain(&name))?;
    found
        .map(|domain| Policy::of(&domain))
        .ok_or_else(|| unknown_domain(&name))
}

/// The error for a domain that does not exist on the server.
pub fn unknown_domain(name: &str) -> Error {
    Error::invalid_input(
        format!("The domain {name} does not exist on the Kerio server."),
        "Create the domain in Kerio Administration > Domains, or remove it from the product's domains.",
    )
}
