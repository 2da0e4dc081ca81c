//! `kerio-single`: the admin CLI and the bridge entry point (`kerio-single call`) of the
//! kerioSingle engine. All logic lives in the library; this binary parses the command line,
//! gathers the server settings and prints results.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
