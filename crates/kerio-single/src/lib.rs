//! kerioSingle engine: every Kerio Connect mailbox operation the WHMCS module needs, the rules
//! behind them, the JSON bridge the PHP module calls, and the pieces of the admin CLI.
pub mod address;
pub mod error;
pub mod rules;
pub mod sso;
