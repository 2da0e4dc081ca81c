//! # kerio-api — a client for the Kerio Connect Administration API
//!
//! This crate speaks Kerio Connect's administration API — JSON-RPC 2.0 over HTTPS at
//! `https://HOST:4040/admin/api/jsonrpc/` — and nothing else: it knows the wire format, the
//! session rules and the data types, but no business rules (those live in `kerio-single`).
//!
//! * [`Client`] keeps one session: `Session.login` with an application object, then every call
//!   carries the session cookies, the `X-Token` header and the body `token`. When Kerio answers
//!   "session expired" (-32001) it logs in again once with the remembered credentials and repeats
//!   the call once. One `ureq` agent per client keeps connections alive.
//! * Typed calls ([`Client::users_get`], [`Client::users_create`], …) use the types of
//!   [`User`], [`Domain`], [`SearchQuery`] and exact byte units ([`ByteValueWithUnits`]).
//! * Every failure is a distinct [`Error`] variant whose `Display` tells a hosting admin what to
//!   check; a non-empty per-item `errors` list of create/set/remove is an error, never success.
//! * Every exchange is kept as an [`Exchange`] for the module log, with passwords and tokens
//!   replaced by `********`; cookies are never recorded. [`Secret`] keeps passwords out of
//!   `Debug` and `Display`.
//!
//! ## TLS trust modes ([`Trust`])
//!
//! * **`SystemRoots`** (default): the operating system's CA store, or the bundled Mozilla roots
//!   when it is empty. Right for a Kerio with a certificate from a public CA.
//! * **`CaFile(path)`**: only the certificates of a PEM file — an internal CA, or Kerio's own
//!   self-signed certificate exported from its administration.
//! * **`Fingerprint(sha256)`**: exactly the certificate with this SHA-256 fingerprint (hex, colons
//!   and case ignored); name and expiry are not checked, handshake signatures are. This is the
//!   practical choice for Kerio's default self-signed certificate without turning checks off.
//! * **`Insecure`**: any certificate. Only when asked for explicitly; never the default.
//!
//! In every mode the fingerprint of the certificate the server presented is recorded, so after a
//! rejected handshake [`Client::presented_fingerprint`] (and the [`TlsError`] message) shows the
//! value an admin can pin.

#![warn(missing_docs)]

mod client;
mod cookies;
mod endpoint;
mod error;
mod query;
mod secret;
mod tls;
mod transcript;
mod transport;
mod types;
mod units;

pub use client::{
    decode_response, parse_field, Application, Client, ClientConfig, FollowUp, UsersAnswer,
    UsersRead, MAX_CONNECTIONS, MAX_CONNECTIONS_FAR,
};
pub use endpoint::{admin_url, url_host};
pub use error::{fill_placeholders, Error, ItemError, TlsError, SESSION_EXPIRED};
pub use query::{Combining, Comparator, Condition, Direction, SearchQuery, SortOrder};
pub use secret::{Secret, MASK};
pub use tls::{
    client_config as tls_client_config, fingerprint_of, normalize_fingerprint,
    PresentedFingerprint, Trust,
};
pub use transcript::{
    capped, recorded, recorded_briefly, redact, Exchange, DETAILED_REPEATS, MAX_RECORDED_ITEMS,
    MAX_STRING_BYTES,
};
pub use types::{
    AllowedUsers, CreateResult, Domain, EmailForwarding, Entity, LastLogin, ListResult,
    ProductInfo, RemovalMethod, RemovalMode, RemovalRequest, ServerVersion, User, UserCountInfo,
    UserDetails, UserRight,
};
pub use units::{ByteUnits, ByteValueWithUnits, ItemCountLimit, SizeLimit};
