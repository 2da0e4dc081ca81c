//! `kerio-emulator` command line: `serve` runs the emulator until SIGTERM/SIGINT, `seed`
//! bulk-creates domains and users in a state directory.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kerio_emulator::latency::Latency;
use kerio_emulator::state::SizeUnits;
use kerio_emulator::version::KerioVersion;
use kerio_emulator::{seed, start, AdminSpec, Config};
use serde_json::json;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// mimalloc instead of the system allocator: the emulator builds and drops a JSON value per user
/// for every page it serves, and at 100,000 mailboxes glibc's malloc was a third of its CPU time,
/// time the benchmarks would otherwise count as the server's (bench/README.md). The emulator is a
/// test tool; its memory is not a product figure.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A faithful Kerio Connect emulator (admin JSON-RPC API and webmail login).
#[derive(Parser)]
#[command(name = "kerio-emulator", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the admin API and webmail until SIGTERM/SIGINT; prints one JSON line when ready.
    Serve(ServeArgs),
    /// Bulk-create domains d001.example… with users user00001… (password Seed-Passw0rd!).
    Seed {
        /// State directory (created if missing).
        #[arg(long)]
        state: PathBuf,
        /// Number of domains.
        #[arg(long)]
        domains: usize,
        /// Users in each domain.
        #[arg(long)]
        users_per_domain: usize,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// State directory (SQLite database, cert.pem, key.pem).
    #[arg(long)]
    state: PathBuf,
    /// Admin API address, e.g. 127.0.0.1:4040 (port 0 = ephemeral).
    #[arg(long)]
    admin_listen: SocketAddr,
    /// Webmail address, e.g. 127.0.0.1:8443 (port 0 = ephemeral).
    #[arg(long)]
    client_listen: SocketAddr,
    /// IMAP address (implicit TLS), e.g. 127.0.0.1:993 (port 0 = ephemeral).
    #[arg(long, default_value = "127.0.0.1:0")]
    imap_listen: SocketAddr,
    /// FullAdmin to create if missing: LOGIN@DOMAIN:PASSWORD (an existing account is not changed).
    #[arg(long = "admin", value_parser = AdminSpec::parse)]
    admins: Vec<AdminSpec>,
    /// Domain to create if missing (repeatable; the first domain ever created is primary).
    #[arg(long = "domain")]
    domains: Vec<String>,
    /// Serve plain HTTP instead of HTTPS.
    #[arg(long)]
    plain: bool,
    /// Licence limit on active users (server-wide).
    #[arg(long)]
    license_users: Option<u32>,
    /// Extra host name for the certificate (repeatable).
    #[arg(long = "hostname")]
    hostnames: Vec<String>,
    /// Session idle timeout in seconds.
    #[arg(long, default_value_t = 1800)]
    session_idle_secs: u64,
    /// Simulated network distance: every connection pays one round trip of this many ms for the
    /// TCP connect, one for the TLS handshake and one per request/response (0 = loopback).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// How reported sizes (consumedSize, diskSizeLimit, statistics) are expressed: exact (the
    /// largest exact unit), or always bytes, kilobytes or megabytes rounded down.
    #[arg(long, env = kerio_emulator::SIZE_UNITS_ENV, default_value = "exact", value_parser = SizeUnits::parse)]
    size_units: SizeUnits,
    /// Make the webmail form login require the CSRF token of its login page (as a server with
    /// sign-in protection might), to test single sign-on against both behaviours.
    #[arg(long)]
    webmail_csrf: bool,
    /// The Kerio Connect version to model where versions differ (10.0.8, 9.2.8).
    #[arg(long, default_value = "10.0.8", value_parser = KerioVersion::parse)]
    kerio_version: KerioVersion,
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let mut signals =
        Signals::new([SIGTERM, SIGINT]).map_err(|e| format!("cannot handle signals: {e}"))?;
    let mut config = Config::for_tests(args.state.clone());
    config.admin_listen = args.admin_listen;
    config.client_listen = args.client_listen;
    config.imap_listen = args.imap_listen;
    config.admins = args.admins;
    config.domains = args.domains;
    config.plain = args.plain;
    config.license_users = args.license_users;
    config.hostnames = args.hostnames;
    config.session_idle_secs = args.session_idle_secs;
    config.latency = Latency::from_millis(args.latency_ms);
    config.size_units = args.size_units;
    config.webmail_csrf = args.webmail_csrf;
    config.kerio_version = args.kerio_version;
    let running = start(config).map_err(|e| format!("cannot start: {e}"))?;
    let ready = json!({
        "admin_url": running.admin_url(),
        "webmail_url": running.webmail_url(),
        "imaps_url": running.imaps_url(),
        "cert_file": running.cert_file(),
        "fingerprint_sha256": running.fingerprint_sha256(),
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{ready}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(stdout);
    eprintln!(
        "kerio-emulator: serving {} and {}",
        running.admin_url(),
        running.webmail_url()
    );
    if let Some(signal) = signals.forever().next() {
        eprintln!("kerio-emulator: signal {signal}, stopping");
    }
    running.stop();
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Seed {
            state,
            domains,
            users_per_domain,
        } => seed(&state, domains, users_per_domain)
            .map(|report| {
                println!(
                    "{}",
                    json!({
                        "domains_created": report.domains_created,
                        "users_created": report.users_created,
                    })
                );
            })
            .map_err(|e| format!("seed failed: {e}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kerio-emulator: {message}");
            ExitCode::FAILURE
        }
    }
}
