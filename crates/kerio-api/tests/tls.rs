//! TLS trust modes against the emulator's self-signed certificate over real HTTPS.

mod common;

use common::{emulator, emulator_with, pinned_config, ADMIN, ADMIN_PASSWORD};
use kerio_api::{Client, ClientConfig, Error, Secret, TlsError, Trust};

fn login_with(config: ClientConfig) -> (Client, Result<(), Error>) {
    let mut client = Client::new(config).unwrap();
    let outcome = client.login(ADMIN, &Secret::new(ADMIN_PASSWORD));
    (client, outcome)
}

#[test]
fn pinned_fingerprint_is_accepted_in_any_spelling() {
    let emulator = emulator();
    let fingerprint = emulator.running.fingerprint_sha256();
    for spelling in [
        fingerprint.clone(),
        fingerprint.replace(':', "").to_lowercase(),
    ] {
        let mut config = pinned_config(&emulator.running);
        config.trust = Trust::Fingerprint(spelling);
        let (mut client, outcome) = login_with(config);
        outcome.unwrap();
        assert_eq!(client.who_am_i().unwrap().login_name, "admin");
        assert_eq!(client.presented_fingerprint(), Some(fingerprint.clone()));
    }
}

#[test]
fn wrong_pinned_fingerprint_is_rejected_and_shows_the_presented_one() {
    let emulator = emulator();
    let presented = emulator.running.fingerprint_sha256();
    let wrong = "00".repeat(32);
    let mut config = pinned_config(&emulator.running);
    config.trust = Trust::Fingerprint(wrong.clone());
    let (client, outcome) = login_with(config);
    let error = outcome.unwrap_err();
    let expected = kerio_api::normalize_fingerprint(&wrong).unwrap();
    assert_eq!(
        error,
        Error::Tls(TlsError::FingerprintMismatch {
            expected,
            presented: presented.clone()
        })
    );
    assert!(error.to_string().contains(&presented), "{error}");
    assert_eq!(client.presented_fingerprint(), Some(presented));
    assert!(!client.is_logged_in());
}

#[test]
fn self_signed_certificate_is_untrusted_by_system_roots_and_the_message_offers_its_fingerprint() {
    let emulator = emulator();
    let mut config = pinned_config(&emulator.running);
    config.trust = Trust::SystemRoots;
    let (client, outcome) = login_with(config);
    let presented = emulator.running.fingerprint_sha256();
    match outcome.unwrap_err() {
        Error::Tls(TlsError::Untrusted {
            presented: Some(shown),
            detail,
        }) => {
            assert_eq!(shown, presented);
            assert!(!detail.is_empty());
        }
        other => panic!("expected an untrusted-certificate error, got {other:?}"),
    }
    assert_eq!(client.presented_fingerprint(), Some(presented));
}

#[test]
fn ca_file_with_the_emulator_certificate_is_trusted() {
    let emulator = emulator();
    let mut config = pinned_config(&emulator.running);
    config.trust = Trust::CaFile(emulator.running.cert_file());
    let (mut client, outcome) = login_with(config);
    outcome.unwrap();
    assert_eq!(client.server_version().unwrap().product, "Kerio Connect");
}

#[test]
fn ca_file_with_another_certificate_is_untrusted() {
    let emulator = emulator();
    let other = common::emulator();
    let mut config = pinned_config(&emulator.running);
    config.trust = Trust::CaFile(other.running.cert_file());
    let (_, outcome) = login_with(config);
    assert!(
        matches!(
            outcome,
            Err(Error::Tls(TlsError::Untrusted {
                presented: Some(_),
                ..
            }))
        ),
        "{outcome:?}"
    );
}

#[test]
fn insecure_mode_accepts_the_certificate_and_still_records_it() {
    let emulator = emulator();
    let mut config = pinned_config(&emulator.running);
    config.trust = Trust::Insecure;
    let (client, outcome) = login_with(config);
    outcome.unwrap();
    assert_eq!(
        client.presented_fingerprint(),
        Some(emulator.running.fingerprint_sha256())
    );
}

#[test]
fn https_to_a_plain_http_port_is_a_tls_error_and_http_url_works_with_plain() {
    let emulator = emulator_with(|config| config.plain = true);
    let http_url = emulator.running.admin_url();
    assert!(http_url.starts_with("http://"), "{http_url}");

    let mut config = pinned_config(&emulator.running);
    config.url = http_url.replacen("http://", "https://", 1);
    let (_, outcome) = login_with(config);
    assert!(
        matches!(outcome, Err(Error::Tls(TlsError::Other(_)))),
        "{outcome:?}"
    );

    let (client, outcome) = login_with(ClientConfig::new(http_url));
    outcome.unwrap();
    assert_eq!(client.presented_fingerprint(), None);
}
