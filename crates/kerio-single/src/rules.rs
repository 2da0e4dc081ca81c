//! Input rules as declarative data: the mailbox-name (local part) rules and the password rules.
//!
//! The same rule list is evaluated here (Rust, `regex` crate) and by the order form's JavaScript,
//! which receives it as JSON from the `password_rules` operation. A rule therefore only uses
//! constructs both engines agree on: ASCII character classes, `^`, `$`, `|`, `\.` and `\xNN`
//! escapes. Lengths count Unicode code points (JavaScript: `[...value].length`).
//!
//! Rule kinds (the JSON `kind` field) are listed in docs/bridge-protocol.md, section "Rules".

use regex::Regex;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Local parts refused by default because they belong to the mail system or its operators: the
/// role mailboxes of RFC 2142 (business, network operations and support services) plus the usual
/// system, no-reply, administrator and certificate-validation names (issue 17 item 7). A product's
/// *Reserved mailbox names* setting replaces this list.
pub const DEFAULT_RESERVED_LOCALPARTS: &[&str] = &[
    // RFC 2142 section 3 (business), 4 (network operations), 5 (support services)
    "info",
    "marketing",
    "sales",
    "support",
    "abuse",
    "noc",
    "security",
    "postmaster",
    "hostmaster",
    "usenet",
    "news",
    "webmaster",
    "www",
    "uucp",
    "ftp",
    // system and no-reply senders
    "no-reply",
    "noreply",
    "mailer-daemon",
    "root",
    // administrators, and the names certificate authorities validate a domain with
    "admin",
    "administrator",
    "ssl-admin",
    "ssladmin",
    "ssl-administrator",
    "sslwebmaster",
    "it",
    "billing",
];

/// Longest local part accepted (RFC 5321 limit).
pub const LOCALPART_MAX_LENGTH: usize = 64;

/// Longest password accepted. [I] Kerio documents no maximum; 128 characters is far beyond any
/// typed password and keeps IMAP/SMTP logins of every mail app working.
pub const PASSWORD_MAX_LENGTH: usize = 128;

/// Shortest password Kerio accepts when the domain's complex-password policy is on.
pub const COMPLEX_PASSWORD_MIN_LENGTH: usize = 8;

/// How many of the four character classes a complex password needs.
pub const COMPLEX_PASSWORD_MIN_CLASSES: usize = 3;

/// Name parts this long or shorter may appear in a complex password (Kerio's rule: "longer than 2").
const SHORT_NAME_PART: usize = 2;

/// One rule: an id, the sentence shown when it fails, and the check itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable identifier, e.g. `min_length`.
    pub id: &'static str,
    /// What the value must satisfy, phrased for the customer ("At least 8 characters").
    pub message: String,
    /// The check, serialised as `kind` plus its parameters.
    #[serde(flatten)]
    pub check: Check,
}

/// The checks a rule can make. Serialised with `kind` in snake_case and the parameters beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// Passes when the value has at least `value` characters.
    MinLength {
        /// Minimum number of characters.
        value: usize,
    },
    /// Passes when the value has at most `value` characters.
    MaxLength {
        /// Maximum number of characters.
        value: usize,
    },
    /// Passes when the whole value matches `pattern`.
    Regex {
        /// Pattern, anchored by the evaluator.
        pattern: &'static str,
    },
    /// Passes when no part of the value matches `pattern`.
    NotRegex {
        /// Pattern searched anywhere in the value.
        pattern: &'static str,
    },
    /// Passes when at least `value` of the `classes` patterns occur in the value.
    MinClasses {
        /// How many classes must occur.
        value: usize,
        /// One pattern per character class.
        classes: Vec<&'static str>,
    },
    /// Passes when the lower-cased value contains none of `values`.
    NotContains {
        /// Lower-case fragments that must not occur.
        values: Vec<String>,
    },
    /// Passes when the lower-cased value equals none of `values`.
    NotIn {
        /// Lower-case values that are refused.
        values: Vec<String>,
    },
}

impl Rule {
    /// Whether `value` satisfies this rule.
    pub fn passes(&self, value: &str) -> bool {
        match &self.check {
            Check::MinLength { value: min } => value.chars().count() >= *min,
            Check::MaxLength { value: max } => value.chars().count() <= *max,
            Check::Regex { pattern } => builtin_regex(pattern, true).is_match(value),
            Check::NotRegex { pattern } => !builtin_regex(pattern, false).is_match(value),
            Check::MinClasses {
                value: min,
                classes,
            } => {
                let present = classes
                    .iter()
                    .filter(|class| builtin_regex(class, false).is_match(value))
                    .count();
                present >= *min
            }
            Check::NotContains { values } => {
                let lower = value.to_lowercase();
                !values
                    .iter()
                    .any(|fragment| lower.contains(fragment.as_str()))
            }
            Check::NotIn { values } => {
                let lower = value.to_lowercase();
                !values.contains(&lower)
            }
        }
    }
}

/// Compiles one of the patterns written in this module (never input from outside).
///
/// Each pattern is compiled once per process and then shared: a usage run checks thousands of
/// addresses, and compiling the rules' patterns for every one of them dominated its CPU time.
/// The compiled regex is shared through an `Arc`, not cloned: a cloned `Regex` gets a new,
/// empty matching cache, and building that cache for every check was the next largest cost.
/// With `whole_value` the pattern must match the whole value. The lookup builds no text: at
/// 100,000 addresses formatting the anchored pattern for each check was a tenth of a usage run.
fn builtin_regex(pattern: &'static str, whole_value: bool) -> Arc<Regex> {
    type Compiled = HashMap<(&'static str, bool), Arc<Regex>>;
    static COMPILED: OnceLock<Mutex<Compiled>> = OnceLock::new();
    let mut compiled = COMPILED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let regex = compiled.entry((pattern, whole_value)).or_insert_with(|| {
        let source = if whole_value {
            format!("^(?:{pattern})$")
        } else {
            pattern.to_string()
        };
        Arc::new(Regex::new(&source).expect("built-in rule patterns are valid regular expressions"))
    });
    Arc::clone(regex)
}

/// The messages of every rule in `rules` that `value` fails, in rule order.
pub fn failures(rules: &[Rule], value: &str) -> Vec<String> {
    rules
        .iter()
        .filter(|rule| !rule.passes(value))
        .map(|rule| rule.message.clone())
        .collect()
}

/// Pattern of the characters a local part may contain.
const LOCALPART_CHARSET: &str = r"[A-Za-z0-9._-]+";
/// Pattern of a dot at the start, at the end, or doubled.
const LOCALPART_BAD_DOTS: &str = r"^\.|\.$|\.\.";
/// Pattern of control characters (tab, line breaks, DEL …), which no login form can carry.
const CONTROL_CHARACTERS: &str = r"[\x00-\x1F\x7F]";
/// Anything outside ASCII. Refused in passwords: IMAP LOGIN, SMTP AUTH PLAIN and many mail apps
/// do not agree on how to encode other alphabets, so such a password works in webmail only.
const NON_ASCII: &str = r"[^\x00-\x7F]";
/// The four character classes of Kerio's complex-password rule.
const CHARACTER_CLASSES: [&str; 4] = ["[a-z]", "[A-Z]", "[0-9]", "[^A-Za-z0-9]"];

/// Rules that make a local part well-formed, without the reserved-name rule.
///
/// Used to parse addresses of existing mailboxes (a reserved name may exist already).
pub fn localpart_syntax_rules() -> Vec<Rule> {
    vec![
        Rule {
            id: "localpart_charset",
            message: "Only letters a-z, digits, dot, underscore and hyphen".to_string(),
            check: Check::Regex {
                pattern: LOCALPART_CHARSET,
            },
        },
        Rule {
            id: "localpart_dots",
            message: "No dot at the start or the end, and no two dots in a row".to_string(),
            check: Check::NotRegex {
                pattern: LOCALPART_BAD_DOTS,
            },
        },
        Rule {
            id: "localpart_max_length",
            message: format!("At most {LOCALPART_MAX_LENGTH} characters"),
            check: Check::MaxLength {
                value: LOCALPART_MAX_LENGTH,
            },
        },
    ]
}

/// Every rule a new mailbox name must pass: the syntax rules plus the reserved names.
pub fn localpart_rules(reserved: &[String]) -> Vec<Rule> {
    let mut rules = localpart_syntax_rules();
    rules.push(Rule {
        id: "localpart_reserved",
        message: "This mailbox name is reserved; choose another one".to_string(),
        check: Check::NotIn {
            values: reserved.iter().map(|name| name.to_lowercase()).collect(),
        },
    });
    rules
}

/// The default reserved local parts as owned strings.
pub fn default_reserved() -> Vec<String> {
    DEFAULT_RESERVED_LOCALPARTS
        .iter()
        .map(|name| name.to_string())
        .collect()
}

/// Everything the password rules depend on.
#[derive(Debug, Clone, Default)]
pub struct PasswordContext {
    /// Whether the domain's complex-password policy is on (Kerio `passwordComplexityEnabled`).
    pub complexity: bool,
    /// The domain's minimum length (Kerio `passwordMinimumLength`), 0 when none.
    pub domain_min_length: usize,
    /// The product's minimum length (WHMCS module setting), 0 when none.
    pub product_min_length: usize,
    /// The mailbox name, which a complex password must not contain.
    pub localpart: Option<String>,
    /// The mail domain, which a complex password must not contain.
    pub domain: Option<String>,
    /// First name; its parts longer than two characters are refused in a complex password.
    pub givenname: Option<String>,
    /// Last name; as `givenname`.
    pub surname: Option<String>,
}

impl PasswordContext {
    /// The length every password must reach: the largest of the product minimum, the domain
    /// minimum and (with complexity) Kerio's 8; never below 1.
    pub fn min_length(&self) -> usize {
        let policy_floor = if self.complexity {
            COMPLEX_PASSWORD_MIN_LENGTH
        } else {
            1
        };
        policy_floor
            .max(self.domain_min_length)
            .max(self.product_min_length)
    }

    /// Lower-case fragments a complex password must not contain: the local part, the domain and
    /// each name part longer than two characters.
    fn personal_fragments(&self) -> Vec<String> {
        let mut fragments: Vec<String> = [&self.localpart, &self.domain]
            .into_iter()
            .flatten()
            .map(|value| value.trim().to_lowercase())
            .filter(|value| !value.is_empty())
            .collect();
        for name in [&self.givenname, &self.surname].into_iter().flatten() {
            fragments.extend(
                name.split(|c: char| !c.is_alphanumeric())
                    .filter(|part| part.chars().count() > SHORT_NAME_PART)
                    .map(str::to_lowercase),
            );
        }
        fragments.sort();
        fragments.dedup();
        fragments
    }
}

/// The password rules for `context`.
pub fn password_rules(context: &PasswordContext) -> Vec<Rule> {
    let min_length = context.min_length();
    let mut rules = vec![
        Rule {
            id: "min_length",
            message: format!("At least {min_length} characters"),
            check: Check::MinLength { value: min_length },
        },
        Rule {
            id: "no_control_characters",
            message: "No tabs, line breaks or other control characters".to_string(),
            check: Check::NotRegex {
                pattern: CONTROL_CHARACTERS,
            },
        },
    ];
    if context.complexity {
        rules.push(Rule {
            id: "character_classes",
            message: format!(
                "At least {COMPLEX_PASSWORD_MIN_CLASSES} of: lower-case letters, upper-case letters, digits, symbols"
            ),
            check: Check::MinClasses {
                value: COMPLEX_PASSWORD_MIN_CLASSES,
                classes: CHARACTER_CLASSES.to_vec(),
            },
        });
        let fragments = context.personal_fragments();
        if !fragments.is_empty() {
            rules.push(Rule {
                id: "no_personal_data",
                message: "Must not contain the mailbox name, the domain or parts of your name"
                    .to_string(),
                check: Check::NotContains { values: fragments },
            });
        }
    }
    rules.extend(ascii_and_length_rules());
    rules
}

/// The rules every password meets regardless of the domain policy: a length cap and plain ASCII.
fn ascii_and_length_rules() -> [Rule; 2] {
    [
        Rule {
            id: "password_max_length",
            message: format!("At most {PASSWORD_MAX_LENGTH} characters"),
            check: Check::MaxLength {
                value: PASSWORD_MAX_LENGTH,
            },
        },
        Rule {
            id: "password_ascii",
            message: "Only letters A-Z, digits, spaces and keyboard symbols (other alphabets do not work in every mail app)".to_string(),
            check: Check::NotRegex { pattern: NON_ASCII },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complex_context() -> PasswordContext {
        PasswordContext {
            complexity: true,
            localpart: Some("jdoe".into()),
            domain: Some("example.com".into()),
            givenname: Some("John".into()),
            surname: Some("Van-Houten Li".into()),
            ..PasswordContext::default()
        }
    }

    fn failed_ids(rules: &[Rule], value: &str) -> Vec<&'static str> {
        rules
            .iter()
            .filter(|rule| !rule.passes(value))
            .map(|rule| rule.id)
            .collect()
    }

    #[test]
    fn every_builtin_pattern_compiles() {
        for pattern in [
            LOCALPART_CHARSET,
            LOCALPART_BAD_DOTS,
            CONTROL_CHARACTERS,
            NON_ASCII,
        ]
        .into_iter()
        .chain(CHARACTER_CLASSES)
        {
            assert!(Regex::new(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn localpart_charset_rule_fails_and_passes() {
        let rules = localpart_rules(&default_reserved());
        assert_eq!(failed_ids(&rules, "j.doe_1-x"), Vec::<&str>::new());
        assert_eq!(failed_ids(&rules, "j doe"), vec!["localpart_charset"]);
        assert_eq!(failed_ids(&rules, "jö"), vec!["localpart_charset"]);
        assert_eq!(failed_ids(&rules, "a+b"), vec!["localpart_charset"]);
        assert_eq!(failed_ids(&rules, ""), vec!["localpart_charset"]);
    }

    #[test]
    fn localpart_dot_rule_fails_and_passes() {
        let rules = localpart_syntax_rules();
        for bad in [".jdoe", "jdoe.", "j..doe"] {
            assert_eq!(failed_ids(&rules, bad), vec!["localpart_dots"], "{bad}");
        }
        assert!(failed_ids(&rules, "j.d.oe").is_empty());
    }

    #[test]
    fn localpart_length_rule_fails_and_passes() {
        let rules = localpart_syntax_rules();
        assert!(failed_ids(&rules, &"a".repeat(64)).is_empty());
        assert_eq!(
            failed_ids(&rules, &"a".repeat(65)),
            vec!["localpart_max_length"]
        );
    }

    /// Every name the default list must hold (issue 17 item 7), written out here on purpose (as
    /// text, not a copy of the constant): the test goes red when any single entry is dropped from
    /// `DEFAULT_RESERVED_LOCALPARTS`.
    const REQUIRED_RESERVED: &str = "info marketing sales support abuse noc security postmaster \
        hostmaster usenet news webmaster www uucp ftp no-reply noreply mailer-daemon root admin \
        administrator ssl-admin ssladmin ssl-administrator sslwebmaster it billing";

    #[test]
    fn every_required_name_is_refused_by_the_default_list_in_any_case() {
        let rules = localpart_rules(&default_reserved());
        let required: Vec<&str> = REQUIRED_RESERVED.split_whitespace().collect();
        for name in &required {
            for spelled in [name.to_string(), name.to_uppercase()] {
                assert_eq!(
                    failed_ids(&rules, &spelled),
                    vec!["localpart_reserved"],
                    "{spelled} must be reserved by default"
                );
            }
        }
        assert_eq!(DEFAULT_RESERVED_LOCALPARTS.len(), required.len());
    }

    #[test]
    fn reserved_names_are_refused_case_insensitively_and_configurable() {
        let rules = localpart_rules(&default_reserved());
        assert_eq!(failed_ids(&rules, "PostMaster"), vec!["localpart_reserved"]);
        assert_eq!(
            failed_ids(&rules, "mailer-daemon"),
            vec!["localpart_reserved"]
        );
        assert!(failed_ids(&rules, "postmaster2").is_empty());
        let custom = localpart_rules(&["Sales".to_string()]);
        assert_eq!(failed_ids(&custom, "sales"), vec!["localpart_reserved"]);
        assert!(failed_ids(&custom, "postmaster").is_empty());
    }

    #[test]
    fn min_length_takes_the_largest_minimum() {
        let mut context = PasswordContext::default();
        assert_eq!(context.min_length(), 1);
        context.complexity = true;
        assert_eq!(context.min_length(), 8);
        context.product_min_length = 12;
        assert_eq!(context.min_length(), 12);
        context.domain_min_length = 14;
        assert_eq!(context.min_length(), 14);
    }

    #[test]
    fn min_length_rule_fails_and_passes() {
        let rules = password_rules(&PasswordContext {
            product_min_length: 10,
            ..PasswordContext::default()
        });
        assert_eq!(failed_ids(&rules, "short"), vec!["min_length"]);
        assert!(failed_ids(&rules, "long enough").is_empty());
        // Characters, not bytes: ten code points of multi-byte text pass the length rule
        // (and fail only the ASCII rule).
        assert_eq!(failed_ids(&rules, "ääääääääää"), vec!["password_ascii"]);
        assert_eq!(
            failed_ids(&rules, "ääääääääá"),
            vec!["min_length", "password_ascii"]
        );
    }

    #[test]
    fn overlong_and_non_ascii_passwords_fail() {
        let rules = password_rules(&PasswordContext::default());
        let longest = "a".repeat(PASSWORD_MAX_LENGTH);
        assert!(failed_ids(&rules, &longest).is_empty());
        assert_eq!(
            failed_ids(&rules, &format!("{longest}b")),
            vec!["password_max_length"]
        );
        for exotic in ["Пароль-Секрет-42", "パスワード12345", "Pass😀word12"] {
            assert_eq!(
                failed_ids(&rules, exotic),
                vec!["password_ascii"],
                "{exotic}"
            );
        }
    }

    #[test]
    fn control_character_rule_fails_and_passes() {
        let rules = password_rules(&PasswordContext::default());
        assert_eq!(
            failed_ids(&rules, "tab\there"),
            vec!["no_control_characters"]
        );
        assert_eq!(failed_ids(&rules, "line\n"), vec!["no_control_characters"]);
        assert!(failed_ids(&rules, "spaces are fine").is_empty());
    }

    #[test]
    fn character_class_rule_fails_and_passes() {
        let rules = password_rules(&complex_context());
        assert_eq!(
            failed_ids(&rules, "alllowercase"),
            vec!["character_classes"]
        );
        assert_eq!(failed_ids(&rules, "lowerUPPER"), vec!["character_classes"]);
        assert!(failed_ids(&rules, "lowerUPPER1").is_empty());
        assert!(failed_ids(&rules, "lower upper 1").is_empty());
    }

    #[test]
    fn personal_data_rule_fails_and_passes() {
        let rules = password_rules(&complex_context());
        for bad in [
            "xJDOE-2024x",
            "Example.com1",
            "John-2024!",
            "Houten-99!x",
            "xxVAN-99!",
        ] {
            assert_eq!(failed_ids(&rules, bad), vec!["no_personal_data"], "{bad}");
        }
        // "Li" is only two characters long, so it may appear.
        assert!(failed_ids(&rules, "Lili-2024!").is_empty());
    }

    #[test]
    fn whmcs_generated_alphabet_passes_complex_rules() {
        let rules = password_rules(&complex_context());
        let password = r#"aB3& #<>"'\%+ zZ"#;
        assert!(failed_ids(&rules, password).is_empty());
    }

    #[test]
    fn without_complexity_no_class_or_personal_rules_are_emitted() {
        let rules = password_rules(&PasswordContext {
            localpart: Some("jdoe".into()),
            ..PasswordContext::default()
        });
        let ids: Vec<_> = rules.iter().map(|rule| rule.id).collect();
        assert_eq!(
            ids,
            vec![
                "min_length",
                "no_control_characters",
                "password_max_length",
                "password_ascii"
            ]
        );
    }

    #[test]
    fn rules_serialise_as_declarative_json() {
        let rules = password_rules(&complex_context());
        let json = serde_json::to_value(&rules).unwrap();
        assert_eq!(json[0]["kind"], "min_length");
        assert_eq!(json[0]["value"], 8);
        assert_eq!(json[2]["kind"], "min_classes");
        assert_eq!(json[2]["classes"][3], "[^A-Za-z0-9]");
        assert_eq!(json[3]["kind"], "not_contains");
        assert!(json[3]["values"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("houten")));
    }

    #[test]
    fn failures_returns_messages_in_rule_order() {
        let rules = password_rules(&complex_context());
        let messages = failures(&rules, "jdoe");
        assert_eq!(messages.len(), 3);
        assert_eq!(messages[0], "At least 8 characters");
        assert!(messages[2].starts_with("Must not contain"));
    }
}
