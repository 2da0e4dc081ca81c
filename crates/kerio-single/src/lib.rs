//! kerioSingle engine: every Kerio Connect mailbox operation the WHMCS module needs, the rules
//! behind them, the JSON bridge the PHP module calls, and the library half of the admin CLI.
//!
//! Layout, from the outside in:
//! * [`bridge`]: one JSON request in, one JSON response out, a streaming `usage` writing its
//!   figures as lines first (docs/bridge-protocol.md);
//! * [`ops`]: the operations (`create_account`, `usage`, …) as library functions;
//! * [`session`]: one logged-in Kerio session and the lookups the operations share;
//! * [`rules`], [`address`], [`quota`], [`ownership`], [`sso`]: the product's rules, pure;
//! * [`import`]: bringing old mail in from another IMAP server (`import_probe`);
//! * [`error`] and [`translate`]: the stable error codes and how Kerio/transport errors map to them.

#![warn(missing_docs)]

pub mod address;
pub mod bridge;
pub mod de;
pub mod error;
pub mod import;
pub mod ops;
pub mod ownership;
pub mod quota;
pub mod rules;
pub mod server;
pub mod session;
pub mod sso;
pub mod translate;
