//! Command line: subcommands, server settings, mailbox passwords, output and exit codes.
//!
//! Every subcommand becomes one bridge operation (same names, arguments and errors as
//! `kerio-single call`), so the CLI and the WHMCS module behave identically.

mod config;
mod render;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kerio_api::Secret;
use kerio_single::address::Address;
use kerio_single::bridge;
use kerio_single::error::{Error, ExitKind};
use kerio_single::ops::listing::FoundUsage;
use kerio_single::ops::Progress;
use kerio_single::server::ServerSettings;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Examples and exit codes shown by `--help`.
const AFTER_HELP: &str = "\
Server settings come from flags, then KERIO_* environment variables, then a --config file
(`key = value` lines: host, port, username, password, tls_fingerprint, ca_file, timeout,
webmail_url, secure, allow_plain_http). The admin password is read only from KERIO_PASSWORD or the config file;
mailbox passwords only from --password-stdin or KERIO_MAILBOX_PASSWORD. Neither is ever printed.

Examples:
  export KERIO_HOST=mail.example.com KERIO_USER=admin@example.com
  export KERIO_FINGERPRINT=AB:CD:...            # SHA-256 of Kerio's certificate
  read -rs KERIO_PASSWORD && export KERIO_PASSWORD
  kerio-single test-connection
  printf '%s\\n' \"$NEW_PASSWORD\" | kerio-single account create jdoe@example.com \\
      --service-id 42 --quota 2048 --given-name John --surname Doe --password-stdin
  kerio-single account info jdoe@example.com --service 42
  kerio-single account suspend jdoe@example.com --service 42 --domain example.com
  kerio-single account quota jdoe@example.com 1024 --service 42
  kerio-single account adopt boss@example.com --service 43
  kerio-single account aliases jdoe@example.com --service 42 --add sales --add info --remove old
  kerio-single account forward jdoe@example.com --service 42 --to jd@example.net --no-keep-copy
  kerio-single account terminate jdoe@example.com --service 42 --mode archive --archive-mailbox archive@example.com
  kerio-single usage --domain example.com
  kerio-single --config /etc/kerio-single.conf list --json
  echo '{\"v\":1,\"op\":\"check_password\",\"server\":null,\"args\":{\"password\":\"x\"}}' | kerio-single call

Exit codes:
  0  success
  1  `call` could not read its request from stdin
  2  usage error or invalid input (bad flag, address, password, quota, settings)
  3  Kerio refused the operation (not found, not owned, already taken, quota below usage, ...)
  4  connection, TLS, authentication or permission failure";

/// kerio-single: manage Kerio Connect mailboxes sold through WHMCS (and the WHMCS module's engine).
#[derive(Parser)]
#[command(name = "kerio-single", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    server: ServerFlags,
    /// Print the full JSON response (result or error, and the API transcript) instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// Where the Kerio server is and how to trust it.
#[derive(Args)]
struct ServerFlags {
    /// Read server settings from FILE (`key = value` lines; flags and environment win).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Kerio host name or IP address.
    #[arg(long, global = true, env = "KERIO_HOST")]
    host: Option<String>,
    /// Administration port [default: 4040].
    #[arg(long, global = true, env = "KERIO_PORT")]
    port: Option<u16>,
    /// Admin login, e.g. admin@example.com (password: KERIO_PASSWORD or config file).
    #[arg(long, global = true, env = "KERIO_USER")]
    user: Option<String>,
    /// Pin the server certificate's SHA-256 fingerprint (hex, colons optional).
    #[arg(long, global = true, env = "KERIO_FINGERPRINT")]
    fingerprint: Option<String>,
    /// Trust certificates signed by the CA in this PEM file.
    #[arg(long, global = true, env = "KERIO_CA_FILE", value_name = "FILE")]
    ca_file: Option<String>,
    /// Do not verify the certificate at all (prefer --fingerprint).
    #[arg(long, global = true, env = "KERIO_INSECURE")]
    insecure: bool,
    /// Use plain HTTP instead of HTTPS (sets allow_plain_http): only for the emulator or a
    /// test server on loopback; the admin password travels in clear.
    #[arg(long, global = true, env = "KERIO_PLAIN")]
    plain: bool,
    /// Read timeout in seconds [default: 30].
    #[arg(long, global = true, env = "KERIO_TIMEOUT", value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Webmail URL for SSO [default: https://HOST/webmail/].
    #[arg(long, global = true, env = "KERIO_WEBMAIL_URL", value_name = "URL")]
    webmail_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Log in, check the admin's role, show the version and the certificate fingerprint.
    TestConnection,
    /// Show the Kerio version, domains, password policies and licence use.
    ServerInfo,
    /// Create, inspect and change one mailbox.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Used and limit MB of the given mailboxes, or of every mailbox (of --domain).
    Usage {
        /// Only mailboxes of this domain (when no addresses are given).
        #[arg(long)]
        domain: Option<String>,
        /// Mailbox addresses to report.
        addresses: Vec<String>,
    },
    /// List every mailbox with status, quota, usage and WHMCS service id.
    List {
        /// Only this domain.
        #[arg(long)]
        domain: Option<String>,
    },
    /// Check a password against the rules (password from stdin or KERIO_MAILBOX_PASSWORD).
    CheckPassword {
        #[command(flatten)]
        rules: RuleFlags,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Print the password and mailbox-name rules as JSON (as the order form gets them).
    PasswordRules {
        #[command(flatten)]
        rules: RuleFlags,
    },
    /// Bridge for the WHMCS module: one JSON request on stdin, one JSON response on stdout.
    Call,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create a mailbox (safe to retry with the same --service-id).
    Create {
        /// The new address, e.g. jdoe@example.com.
        address: String,
        /// WHMCS service id, recorded in the Kerio user's description.
        #[arg(long, visible_alias = "service", value_name = "ID")]
        service_id: u64,
        /// Quota in MB; 0 = unlimited.
        #[arg(long, default_value_t = 0)]
        quota: u64,
        /// First name.
        #[arg(long)]
        given_name: Option<String>,
        /// Last name.
        #[arg(long)]
        surname: Option<String>,
        /// Only allow these domains (repeatable).
        #[arg(long = "allowed-domain", visible_alias = "domain")]
        allowed_domains: Vec<String>,
        /// Minimum password length of the product.
        #[arg(long)]
        min_password_length: Option<u64>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Show status, quota, usage, last login and aliases.
    Info {
        /// The mailbox address.
        address: String,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// Disable the mailbox (mail is kept).
    Suspend {
        /// The mailbox address.
        address: String,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// Enable the mailbox again.
    Unsuspend {
        /// The mailbox address.
        address: String,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// Remove the mailbox.
    Terminate {
        /// The mailbox address.
        address: String,
        /// What happens to the mail.
        #[arg(long, value_enum, default_value_t = TerminateMode::Delete)]
        mode: TerminateMode,
        /// Mailbox that receives the mail with --mode archive.
        #[arg(long)]
        archive_mailbox: Option<String>,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// Set a new password (from stdin or KERIO_MAILBOX_PASSWORD).
    Password {
        /// The mailbox address.
        address: String,
        /// Minimum password length of the product.
        #[arg(long)]
        min_password_length: Option<u64>,
        #[command(flatten)]
        owner: OwnerFlags,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Set the quota in MB (0 = unlimited); refuses less than the current usage.
    Quota {
        /// The mailbox address.
        address: String,
        /// New quota in MB.
        quota_mb: u64,
        /// Allow a quota below the current usage.
        #[arg(long)]
        allow_below_usage: bool,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// Mark an existing, unmarked mailbox (e.g. imported by Server Sync) as the service's.
    Adopt {
        /// The mailbox address.
        address: String,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// List the mailbox's aliases, or add and remove some. Changes run one at a time, every
    /// `--add` first, then every `--remove`, each its own checked action; the run stops at the
    /// first refusal (the changes before it stay made) and prints the mailbox as it then is.
    Aliases {
        /// The mailbox address.
        address: String,
        /// Alias to add (local part or address in the mailbox's domain; repeatable).
        #[arg(long, value_name = "ALIAS")]
        add: Vec<String>,
        /// Alias to remove (repeatable).
        #[arg(long, value_name = "ALIAS")]
        remove: Vec<String>,
        /// The service's alias limit (default: no product limit, 1000).
        #[arg(long, default_value_t = kerio_single::ops::selfservice::MAX_LIST_LIMIT)]
        max_aliases: u64,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// Show forwarding, set its targets, or turn it off.
    Forward {
        /// The mailbox address.
        address: String,
        /// Target address (repeatable).
        #[arg(long = "to", value_name = "ADDRESS", conflicts_with = "off")]
        to: Vec<String>,
        /// Keep a copy in the mailbox (the default).
        #[arg(long, conflicts_with = "no_keep_copy")]
        keep_copy: bool,
        /// Forward only, keep no copy.
        #[arg(long)]
        no_keep_copy: bool,
        /// Turn forwarding off.
        #[arg(long)]
        off: bool,
        /// The product's limit of target addresses (default: no product limit, 1000).
        #[arg(long, default_value_t = kerio_single::ops::selfservice::MAX_LIST_LIMIT)]
        max_targets: u64,
        #[command(flatten)]
        owner: OwnerFlags,
    },
    /// Print the webmail auto-login page (HTML containing the password; handle with care).
    Sso {
        /// The mailbox address.
        address: String,
        #[command(flatten)]
        owner: OwnerFlags,
        #[command(flatten)]
        password: PasswordSource,
    },
}

/// The WHMCS service a mailbox command acts for: only its own mailbox is touched.
#[derive(Args)]
struct OwnerFlags {
    /// WHMCS service id whose mailbox this is (its mark `WHMCS service #ID`).
    #[arg(long = "service", value_name = "ID")]
    service_id: u64,
    /// A domain the product sells (repeatable); none = no domain restriction.
    #[arg(long = "domain", value_name = "DOMAIN")]
    domains: Vec<String>,
    /// The Kerio user id stored for the service (a shortcut, checked like the address).
    #[arg(long, value_name = "KERIO_ID")]
    user_id: Option<String>,
}

impl OwnerFlags {
    /// The bridge args naming `address` for this owner.
    fn args(&self, address: &str) -> Value {
        json!({"address": address, "service_id": self.service_id,
            "allowed_domains": self.domains, "user_id": self.user_id})
    }
}

/// Adds `extra` (an object) to the `args` object.
fn with_args(mut args: Value, extra: Value) -> Value {
    if let (Some(args), Value::Object(extra)) = (args.as_object_mut(), extra) {
        args.extend(extra);
    }
    args
}

/// Terminate modes.
#[derive(Clone, Copy, ValueEnum)]
enum TerminateMode {
    /// Delete the user and the mailbox.
    Delete,
    /// Delete the user, keep the mail on the server.
    Keep,
    /// Delete the user, move the mail to --archive-mailbox.
    Archive,
}

impl TerminateMode {
    fn name(self) -> &'static str {
        match self {
            TerminateMode::Delete => "delete",
            TerminateMode::Keep => "keep",
            TerminateMode::Archive => "archive",
        }
    }
}

/// What the password rules depend on.
#[derive(Args)]
struct RuleFlags {
    /// Read the password policy of this domain from Kerio.
    #[arg(long)]
    domain: Option<String>,
    /// The mailbox name (a complex password must not contain it).
    #[arg(long)]
    localpart: Option<String>,
    /// Minimum length of the product.
    #[arg(long)]
    min_length: Option<u64>,
    /// First name.
    #[arg(long)]
    given_name: Option<String>,
    /// Last name.
    #[arg(long)]
    surname: Option<String>,
}

impl RuleFlags {
    fn to_args(&self) -> Value {
        json!({"domain": self.domain, "localpart": self.localpart, "min_length": self.min_length,
               "givenname": self.given_name, "surname": self.surname})
    }
}

/// Where a mailbox password comes from (never a flag value).
#[derive(Args)]
struct PasswordSource {
    /// Read the mailbox password from the first line of stdin (else KERIO_MAILBOX_PASSWORD).
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordSource {
    /// The mailbox password: first stdin line without its line ending, or the environment.
    fn read(&self) -> Result<Secret, Error> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| {
                Error::invalid_input(
                    format!("The password could not be read from stdin ({e})."),
                    "Pipe the password followed by a newline into --password-stdin.",
                )
            })?;
            let password = line.strip_suffix('\n').unwrap_or(&line);
            return Ok(Secret::new(password.strip_suffix('\r').unwrap_or(password)));
        }
        std::env::var("KERIO_MAILBOX_PASSWORD")
            .map(Secret::new)
            .map_err(|_| {
                Error::invalid_input(
                    "No mailbox password given.",
                    "Use --password-stdin (e.g. `printf '%s\\n' \"$PW\" | kerio-single … --password-stdin`) or set KERIO_MAILBOX_PASSWORD.",
                )
            })
    }
}

/// Runs the CLI.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Call) {
        return call();
    }
    match run(&cli) {
        Ok(kind) => ExitCode::from(kind as u8),
        Err(error) => {
            print_error(&json!(error));
            ExitCode::from(error.code.exit_kind() as u8)
        }
    }
}

/// `call`: the bridge. Exit 1 only when stdin cannot be read.
fn call() -> ExitCode {
    let mut request = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut request) {
        eprintln!("kerio-single call: could not read the JSON request from stdin ({e}).");
        return ExitCode::from(1);
    }
    let mut progress = BridgeProgress::default();
    let text = bridge::handle_line(&request, &mut progress);
    progress.emit_pending();
    emit(&text);
    ExitCode::SUCCESS
}

/// The bridge's progress sink: the figures a streaming `usage` finds go to stdout while it reads
/// on, in lines `{"partial":{"usage":[[position, used MB, limit MB],…]}}` before the answer
/// (docs/bridge-protocol.md), so the module can store them meanwhile. A line is written once
/// [`FIGURES_PER_LINE`] figures have gathered, and the rest just before the answer.
#[derive(Default)]
struct BridgeProgress {
    pending: Vec<(usize, u64, u64)>,
}

/// Figures per partial line (~35 KB): the module stages 5,000 at a time, so lines of a page each
/// (100 figures) only cost it a wake-up and a decode per page — 1,000 for 100,000 mailboxes.
const FIGURES_PER_LINE: usize = 2000;

impl BridgeProgress {
    /// Writes the figures gathered so far as one partial line, if there are any.
    fn emit_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        #[derive(Serialize)]
        struct Figures<'a> {
            usage: &'a [(usize, u64, u64)],
        }
        #[derive(Serialize)]
        struct Line<'a> {
            partial: Figures<'a>,
        }
        let figures = Figures {
            usage: &self.pending,
        };
        // Serialised straight from the figures: a line is only integers, so this cannot fail.
        let mut line = serde_json::to_string(&Line { partial: figures }).unwrap_or_default();
        line.push('\n');
        emit(&line);
        self.pending.clear();
    }
}

impl Progress for BridgeProgress {
    fn users_read(&mut self, _domain: &str, _done: u64, _total: u64) {}

    fn usage_found(&mut self, found: &[FoundUsage]) {
        self.pending.extend(
            found
                .iter()
                .map(|&(position, [used, limit])| (position, used, limit)),
        );
        if self.pending.len() >= FIGURES_PER_LINE {
            self.emit_pending();
        }
    }
}

/// A subcommand as a bridge operation.
struct Invocation {
    op: &'static str,
    args: Value,
    /// Whether the op can run without a server when no host is configured.
    server_optional: bool,
}

/// Runs one subcommand and prints its outcome; the returned kind is the exit status. A subcommand
/// of several changes (`account aliases --add A --add B`) runs them in order and stops at the first
/// refusal; the last answer (the refusal, or the mailbox after the last change) is printed.
fn run(cli: &Cli) -> Result<ExitKind, Error> {
    let server = server_settings(&cli.server)?;
    let mut invocations = invocations(&cli.command)?;
    let last = invocations.pop().ok_or_else(|| {
        Error::invalid_request("the command names no operation to run".to_string())
    })?;
    for invocation in invocations {
        let (kind, response) = execute(invocation, &server);
        if kind != ExitKind::Ok {
            return Ok(print_response(cli, kind, &response));
        }
    }
    let (kind, response) = execute(last, &server);
    if cli.json || kind != ExitKind::Ok {
        return Ok(print_response(cli, kind, &response));
    }
    print_result(&cli.command, &response["result"])
}

/// Prints a response as JSON (`--json`) or, for a failure, its error as text; returns `kind`.
fn print_response(cli: &Cli, kind: ExitKind, response: &Value) -> ExitKind {
    if cli.json {
        emit(&(serde_json::to_string_pretty(response).unwrap_or_default() + "\n"));
    } else {
        print_error(&response["error"]);
    }
    kind
}

/// Runs one operation through the bridge; its exit kind and scrubbed response.
fn execute(invocation: Invocation, server: &ServerSettings) -> (ExitKind, Value) {
    let server = (!invocation.server_optional || !server.host.is_empty()).then_some(server);
    let mut secrets: Vec<String> = server
        .iter()
        .map(|s| s.password.expose().to_string())
        .collect();
    if let Some(password) = invocation.args.get("password").and_then(Value::as_str) {
        secrets.push(password.to_string());
    }
    let mut progress = TerminalProgress::new();
    let outcome = bridge::execute(invocation.op, server, invocation.args, &mut progress);
    progress.finish();
    let kind = match &outcome.result {
        Ok(_) => ExitKind::Ok,
        Err(error) => error.code.exit_kind(),
    };
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    (kind, bridge::response(invocation.op, outcome, &secrets))
}

/// Server settings from flags and environment, then the config file.
fn server_settings(flags: &ServerFlags) -> Result<ServerSettings, Error> {
    let mut settings = ServerSettings {
        host: flags.host.clone().unwrap_or_default(),
        port: flags.port.map(u64::from),
        secure: flags.plain.then_some(false),
        username: flags.user.clone().unwrap_or_default(),
        password: Secret::new(std::env::var("KERIO_PASSWORD").unwrap_or_default()),
        tls_fingerprint: flags.fingerprint.clone(),
        ca_file: flags.ca_file.clone(),
        timeout_s: flags.timeout,
        webmail_url: flags.webmail_url.clone(),
        insecure: flags.insecure.then_some(true),
        allow_plain_http: flags.plain.then_some(true),
    };
    if let Some(path) = &flags.config {
        config::apply_file(&mut settings, path)?;
    }
    Ok(settings)
}

/// Maps a subcommand to its operation and JSON arguments.
fn invocation(command: &Command) -> Result<Invocation, Error> {
    let needs_server = |op, args| Invocation {
        op,
        args,
        server_optional: false,
    };
    Ok(match command {
        Command::TestConnection => needs_server("test_connection", json!({})),
        Command::ServerInfo => needs_server("server_info", json!({})),
        Command::Usage { domain, addresses } if addresses.is_empty() => {
            needs_server("list_accounts", json!({"domain": domain}))
        }
        Command::Usage { addresses, .. } => needs_server("usage", json!({"addresses": addresses})),
        Command::List { domain } => needs_server("list_accounts", json!({"domain": domain})),
        Command::CheckPassword { rules, password } => {
            let mut args = rules.to_args();
            args["password"] = json!(password.read()?.expose());
            Invocation {
                op: "check_password",
                args,
                server_optional: true,
            }
        }
        Command::PasswordRules { rules } => Invocation {
            op: "password_rules",
            args: rules.to_args(),
            server_optional: true,
        },
        Command::Account(account) => account_invocation(account)?,
        Command::Call => unreachable!("`call` is handled before any invocation is built"),
    })
}

/// The operations a subcommand runs, in order: one for most; for `account aliases`, one per
/// `--add` then one per `--remove` (the listing when there are none).
fn invocations(command: &Command) -> Result<Vec<Invocation>, Error> {
    let Command::Account(AccountCommand::Aliases {
        address,
        add,
        remove,
        max_aliases,
        owner,
    }) = command
    else {
        return Ok(vec![invocation(command)?]);
    };
    if add.is_empty() && remove.is_empty() {
        return Ok(vec![invocation(command)?]);
    }
    let change = |op: &'static str, alias: &String| Invocation {
        op,
        args: with_args(
            owner.args(address),
            json!({"alias": alias, "max_aliases": max_aliases}),
        ),
        server_optional: false,
    };
    Ok(add
        .iter()
        .map(|alias| change("add_alias", alias))
        .chain(remove.iter().map(|alias| change("remove_alias", alias)))
        .collect())
}

/// Maps an `account` subcommand to its operation and JSON arguments.
fn account_invocation(command: &AccountCommand) -> Result<Invocation, Error> {
    let (op, args) = match command {
        AccountCommand::Create {
            address,
            service_id,
            quota,
            given_name,
            surname,
            allowed_domains,
            min_password_length,
            password,
        } => {
            let address = Address::parse(address)?;
            (
                "create_account",
                json!({
                "localpart": address.local(), "domain": address.domain(),
                "password": password.read()?.expose(), "givenname": given_name, "surname": surname,
                "quota_mb": quota, "service_id": service_id, "allowed_domains": allowed_domains,
                "min_password_length": min_password_length}),
            )
        }
        AccountCommand::Info { address, owner } => ("account_info", owner.args(address)),
        AccountCommand::Suspend { address, owner } => ("suspend", owner.args(address)),
        AccountCommand::Unsuspend { address, owner } => ("unsuspend", owner.args(address)),
        AccountCommand::Adopt { address, owner } => ("adopt", owner.args(address)),
        AccountCommand::Aliases { address, owner, .. } => ("aliases", owner.args(address)),
        AccountCommand::Forward { address, owner, .. } if !forward_changes(command) => {
            ("aliases", owner.args(address))
        }
        AccountCommand::Forward {
            address,
            to,
            no_keep_copy,
            off,
            max_targets,
            owner,
            ..
        } => (
            "set_forwarding",
            with_args(
                owner.args(address),
                json!({"to": if *off { &[][..] } else { &to[..] },
                    "keep_copy": !no_keep_copy, "max_targets": max_targets}),
            ),
        ),
        AccountCommand::Terminate {
            address,
            mode,
            archive_mailbox,
            owner,
        } => (
            "terminate",
            with_args(
                owner.args(address),
                json!({"mode": mode.name(), "archive_mailbox": archive_mailbox}),
            ),
        ),
        AccountCommand::Password {
            address,
            min_password_length,
            owner,
            password,
        } => (
            "change_password",
            with_args(
                owner.args(address),
                json!({"password": password.read()?.expose(),
                    "min_password_length": min_password_length}),
            ),
        ),
        AccountCommand::Quota {
            address,
            quota_mb,
            allow_below_usage,
            owner,
        } => (
            "change_package",
            with_args(
                owner.args(address),
                json!({"quota_mb": quota_mb, "allow_downgrade_below_usage": allow_below_usage}),
            ),
        ),
        AccountCommand::Sso {
            address,
            owner,
            password,
        } => (
            "sso",
            with_args(
                owner.args(address),
                json!({"password": password.read()?.expose()}),
            ),
        ),
    };
    Ok(Invocation {
        op,
        args,
        server_optional: false,
    })
}

/// Prints a successful result as text; returns the exit status.
fn print_result(command: &Command, result: &Value) -> Result<ExitKind, Error> {
    let text = match command {
        Command::TestConnection => render::pairs(&[
            ("product", render::text(&result["product"])),
            ("version", render::text(&result["version"])),
            ("admin", render::text(&result["user"])),
            ("role", render::text(&result["role"])),
            ("scope", render::text(&result["scope"])),
            ("domains", comma_list(&result["domains"])),
            ("tls fingerprint", render::text(&result["tls_fingerprint"])),
        ]),
        Command::ServerInfo => server_info_text(result),
        Command::Usage { addresses, .. } if addresses.is_empty() => render::table(
            &["ADDRESS", "USED_MB", "LIMIT_MB"],
            &render::object_rows(&result["accounts"], &["address", "used_mb", "quota_mb"]),
        ),
        Command::Usage { .. } => usage_text(result),
        Command::List { .. } => render::table(
            &["ADDRESS", "STATUS", "QUOTA_MB", "USED_MB", "SERVICE"],
            &render::object_rows(
                &result["accounts"],
                &["address", "status", "quota_mb", "used_mb", "service_id"],
            ),
        ),
        Command::CheckPassword { .. } => return Ok(check_password_text(result)),
        Command::PasswordRules { .. } => {
            serde_json::to_string_pretty(result).unwrap_or_default() + "\n"
        }
        Command::Account(account) => account_text(account, result),
        Command::Call => unreachable!("`call` prints its own response"),
    };
    emit(&text);
    Ok(ExitKind::Ok)
}

/// Text of an `account` subcommand's result.
fn account_text(command: &AccountCommand, result: &Value) -> String {
    let address = render::text(&result["address"]);
    match command {
        AccountCommand::Create { .. } if result["created"] == true => format!(
            "Created {address} (quota {}).\n",
            render::quota(&result["quota_mb"])
        ),
        AccountCommand::Create { .. } => {
            format!("{address} already exists for this service; nothing changed.\n")
        }
        AccountCommand::Info { .. } => render::pairs(&[
            ("address", address),
            ("name", render::text(&result["full_name"])),
            ("status", render::text(&result["status"])),
            ("quota", render::quota(&result["quota_mb"])),
            ("used", format!("{} MB", render::text(&result["used_mb"]))),
            ("items", render::text(&result["items"])),
            ("last login", last_login(result)),
            ("aliases", comma_list(&result["aliases"])),
            ("description", render::text(&result["description"])),
        ]),
        AccountCommand::Suspend { .. } | AccountCommand::Unsuspend { .. } => {
            let state = if matches!(command, AccountCommand::Suspend { .. }) {
                "suspended"
            } else {
                "active"
            };
            if result["changed"] == true {
                format!("{address} is now {state}.\n")
            } else {
                format!("{address} already was {state}; nothing changed.\n")
            }
        }
        AccountCommand::Terminate {
            mode: TerminateMode::Keep,
            ..
        } if result["removed"] == true => kept_mail_text(&address),
        AccountCommand::Terminate { mode, .. } if result["removed"] == true => {
            format!("Removed {address} (mode {}).\n", mode.name())
        }
        AccountCommand::Terminate { .. } => {
            format!(
                "{address}: {}; nothing to do.\n",
                render::text(&result["note"])
            )
        }
        AccountCommand::Password { .. } => format!("Password of {address} changed.\n"),
        AccountCommand::Adopt { .. } if result["adopted"] == true => {
            format!("Adopted {address}: it is now marked as this service's mailbox.\n")
        }
        AccountCommand::Adopt { .. } => {
            format!("{address} already is this service's mailbox; nothing changed.\n")
        }
        AccountCommand::Quota { .. } => format!(
            "Quota of {address} is now {} (used {} MB).\n",
            render::quota(&result["quota_mb"]),
            render::text(&result["used_mb"])
        ),
        AccountCommand::Aliases { .. } | AccountCommand::Forward { .. } => {
            self_service_text(&address, result)
        }
        AccountCommand::Sso { .. } => render::text(&result["html"]),
    }
}

/// Whether an `account forward` run changes something (else it only shows the setting).
fn forward_changes(command: &AccountCommand) -> bool {
    matches!(command, AccountCommand::Forward { to, keep_copy, no_keep_copy, off, .. }
        if !to.is_empty() || *keep_copy || *no_keep_copy || *off)
}

/// What `account terminate --mode keep` tells the admin: Kerio keeps the mail, and the address
/// carries it to whoever is created under it next.
fn kept_mail_text(address: &str) -> String {
    format!(
        "Removed {address} (mode keep). Kerio keeps its mail: the address now carries the kept mail, \
         and the next mailbox created as {address} gets it, whoever orders it. Create it again only \
         for the same customer; otherwise purge the kept mail first (WHMCS: \"Purge kept mail now\" \
         on the terminated service, or the daily purge after the product's kept days).\n"
    )
}

/// Text of `account aliases` / `account forward`: the mailbox's aliases and forwarding.
fn self_service_text(address: &str, result: &Value) -> String {
    let forwarding = match result["forward_to"].as_array() {
        Some(list) if !list.is_empty() => format!(
            "{} ({})",
            comma_list(&result["forward_to"]),
            if result["keep_copy"] == true {
                "copy kept"
            } else {
                "no copy kept"
            }
        ),
        _ => "off".to_string(),
    };
    let note = if result["changed"] == true {
        "changed"
    } else {
        "nothing changed"
    };
    render::pairs(&[
        ("address", address.to_string()),
        ("status", render::text(&result["status"])),
        ("aliases", comma_list(&result["aliases"])),
        ("forwarding", forwarding),
        ("result", note.to_string()),
    ])
}

/// Last login as "UNIX-TIME (PROTOCOL)" or "never".
fn last_login(result: &Value) -> String {
    match result["last_login"].as_i64() {
        Some(time) => format!("{time} ({})", render::text(&result["last_login_protocol"])),
        None => "never".to_string(),
    }
}

/// A list of strings comma-separated, or "-".
fn comma_list(value: &Value) -> String {
    let list: Vec<String> = value
        .as_array()
        .map(|a| a.iter().map(render::text).collect())
        .unwrap_or_default();
    if list.is_empty() {
        "-".to_string()
    } else {
        list.join(", ")
    }
}

/// Text of `server-info`.
fn server_info_text(result: &Value) -> String {
    let rows: Vec<Vec<String>> = result["domains"]
        .as_array()
        .map(|domains| {
            domains
                .iter()
                .map(|d| {
                    vec![
                        render::text(&d["name"]),
                        render::text(&d["users"]["current"]),
                        render::text(&d["users"]["limit"]),
                        render::text(&d["password_policy"]["complexity"]),
                        render::text(&d["password_policy"]["min_length"]),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "Kerio Connect {} - licence: {} of {} users\n{}",
        render::text(&result["version"]),
        render::text(&result["licence"]["current"]),
        render::text(&result["licence"]["limit"]),
        render::table(&["DOMAIN", "USERS", "LIMIT", "COMPLEX_PW", "MIN_PW"], &rows)
    )
}

/// Text of `usage ADDRESS…`.
fn usage_text(result: &Value) -> String {
    let mut text = render::table(
        &["ADDRESS", "USED_MB", "LIMIT_MB"],
        &render::object_rows(&result["accounts"], &["address", "used_mb", "limit_mb"]),
    );
    let missing: Vec<String> = result["not_found"]
        .as_array()
        .map(|a| a.iter().map(render::text).collect())
        .unwrap_or_default();
    if !missing.is_empty() {
        text.push_str(&format!("not found: {}\n", missing.join(", ")));
    }
    text
}

/// Prints the `check-password` verdict; a failing password exits with the usage status.
fn check_password_text(result: &Value) -> ExitKind {
    if result["ok"] == true {
        emit("The password meets every rule.\n");
        return ExitKind::Ok;
    }
    let mut text = "The password breaks these rules:\n".to_string();
    for failure in result["failures"].as_array().into_iter().flatten() {
        text.push_str(&format!("  - {}\n", render::text(failure)));
    }
    emit(&text);
    ExitKind::Usage
}

/// Writes `text` to stdout; a closed pipe (e.g. `| head`) is not an error worth a panic.
fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Prints an error object (`message`, `hint`, and for the admin at the CLI `admin_detail`) on
/// stderr.
fn print_error(error: &Value) {
    eprintln!(
        "error: {}\nhint: {}",
        render::text(&error["message"]),
        render::text(&error["hint"])
    );
    if let Some(detail) = error.get("admin_detail") {
        eprintln!("detail: {}", render::text(detail));
    }
}

/// A one-line progress indicator on stderr, drawn only when stderr is a terminal.
struct TerminalProgress {
    enabled: bool,
    drawn: bool,
}

impl TerminalProgress {
    fn new() -> Self {
        TerminalProgress {
            enabled: std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    /// Clears the indicator line.
    fn finish(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
            self.drawn = false;
        }
    }
}

impl Progress for TerminalProgress {
    fn users_read(&mut self, domain: &str, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        eprint!("\r\x1b[2K{domain}: {done}/{total} mailboxes read");
        let _ = std::io::stderr().flush();
        self.drawn = true;
    }
}
