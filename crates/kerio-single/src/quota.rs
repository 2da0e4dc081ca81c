//! Quota math between WHMCS (whole MB, `0` = unlimited) and Kerio (`SizeLimit` with units).
//!
//! "MB" means mebibytes (1024 × 1024 bytes) everywhere, as WHMCS's disk usage fields and Kerio's
//! `MegaBytes` unit do.

use crate::error::{Code, Error};
use kerio_api::{ByteValueWithUnits, SizeLimit, User};

/// Bytes in one MB.
const BYTES_PER_MB: u128 = 1024 * 1024;

/// Largest quota accepted, in MB (1 PiB); larger values are almost certainly typing mistakes.
pub const MAX_QUOTA_MB: u64 = 1024 * 1024 * 1024;

/// Checks a quota given by an admin: whole MB from 0 (unlimited) to [`MAX_QUOTA_MB`].
pub fn validate_quota_mb(quota_mb: u64) -> Result<u64, Error> {
    if quota_mb > MAX_QUOTA_MB {
        return Err(Error::invalid_input(
            format!("A quota of {quota_mb} MB is larger than the supported maximum of {MAX_QUOTA_MB} MB."),
            "Give the quota in MB (1024 = 1 GB), or 0 for unlimited.",
        ));
    }
    Ok(quota_mb)
}

/// The Kerio limit for a WHMCS quota (`0` = unlimited, an inactive limit).
pub fn size_limit(quota_mb: u64) -> SizeLimit {
    SizeLimit::from_mb(quota_mb)
}

/// A Kerio limit in whole MB for WHMCS: `0` when inactive, otherwise rounded up so that an
/// active limit never reads as "unlimited".
pub fn limit_mb(limit: &SizeLimit) -> u64 {
    if !limit.is_active {
        return 0;
    }
    let mb = limit.limit.to_bytes().div_ceil(BYTES_PER_MB);
    u64::try_from(mb).unwrap_or(u64::MAX)
}

/// A Kerio user's quota in whole MB for WHMCS (`0` = unlimited, or the field was not read).
pub fn user_limit_mb(user: &User) -> u64 {
    user.disk_size_limit.as_ref().map_or(0, limit_mb)
}

/// A Kerio user's usage in MB for display (`0` when the field was not read).
pub fn user_used_mb(user: &User) -> f64 {
    used_mb(&user.consumed_size.unwrap_or_default())
}

/// A size in MB for display, rounded to two decimals.
pub fn used_mb(size: &ByteValueWithUnits) -> f64 {
    (size.to_mb_f64() * 100.0).round() / 100.0
}

/// Refuses a new quota below the mailbox's live usage, unless the product allows it.
/// An unlimited quota (`0`) is never a downgrade.
pub fn check_downgrade(
    address: &str,
    new_quota_mb: u64,
    used: &ByteValueWithUnits,
    allow_below_usage: bool,
) -> Result<(), Error> {
    let new_bytes = u128::from(new_quota_mb) * BYTES_PER_MB;
    if allow_below_usage || new_quota_mb == 0 || new_bytes >= used.to_bytes() {
        return Ok(());
    }
    Err(Error::new(
        Code::QuotaBelowUsage,
        format!(
            "The new quota of {new_quota_mb} MB for {address} is below the mailbox's current usage of {} MB.",
            used_mb(used)
        ),
        "Choose a package with a quota of at least the current usage, ask the customer to delete mail first, or allow downgrades below usage in the product's module settings.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerio_api::ByteUnits;

    #[test]
    fn zero_is_unlimited_both_ways() {
        let limit = size_limit(0);
        assert!(!limit.is_active);
        assert_eq!(limit_mb(&limit), 0);
        assert_eq!(limit_mb(&size_limit(2048)), 2048);
    }

    #[test]
    fn limits_in_other_units_convert_and_round_up() {
        let gigabytes = SizeLimit {
            is_active: true,
            limit: ByteValueWithUnits::new(2, ByteUnits::GigaBytes),
        };
        assert_eq!(limit_mb(&gigabytes), 2048);
        let tiny = SizeLimit {
            is_active: true,
            limit: ByteValueWithUnits::new(100, ByteUnits::KiloBytes),
        };
        assert_eq!(limit_mb(&tiny), 1);
    }

    #[test]
    fn used_mb_rounds_to_two_decimals() {
        assert_eq!(
            used_mb(&ByteValueWithUnits::new(12800, ByteUnits::KiloBytes)),
            12.5
        );
        assert_eq!(used_mb(&ByteValueWithUnits::new(1, ByteUnits::Bytes)), 0.0);
        assert_eq!(
            used_mb(&ByteValueWithUnits::new(1_000_000, ByteUnits::Bytes)),
            0.95
        );
    }

    #[test]
    fn downgrade_below_usage_is_refused_with_both_numbers() {
        let used = ByteValueWithUnits::new(12800, ByteUnits::KiloBytes);
        let error = check_downgrade("a@example.com", 10, &used, false).unwrap_err();
        assert_eq!(error.code, Code::QuotaBelowUsage);
        assert!(error.message.contains("10 MB"), "{}", error.message);
        assert!(error.message.contains("12.5 MB"), "{}", error.message);
    }

    #[test]
    fn downgrade_is_allowed_at_or_above_usage_unlimited_or_when_permitted() {
        let used = ByteValueWithUnits::new(10, ByteUnits::MegaBytes);
        assert!(check_downgrade("a@x.com", 10, &used, false).is_ok());
        assert!(check_downgrade("a@x.com", 0, &used, false).is_ok());
        assert!(check_downgrade("a@x.com", 5, &used, true).is_ok());
    }

    #[test]
    fn absurd_quotas_are_refused() {
        assert!(validate_quota_mb(MAX_QUOTA_MB).is_ok());
        assert_eq!(
            validate_quota_mb(MAX_QUOTA_MB + 1).unwrap_err().code,
            Code::InvalidInput
        );
    }
}
