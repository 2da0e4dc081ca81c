//! Kerio's byte sizes (`ByteValueWithUnits`, `SizeLimit`) and exact unit conversion.

use serde::{Deserialize, Serialize};

/// Bytes in one mebibyte, the unit WHMCS quotas use.
const BYTES_PER_MB: u128 = 1024 * 1024;

/// Kerio's `ByteUnits`: each unit is 1024 times the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ByteUnits {
    /// 1 byte.
    #[default]
    Bytes,
    /// 1024 bytes.
    KiloBytes,
    /// 1024² bytes.
    MegaBytes,
    /// 1024³ bytes.
    GigaBytes,
    /// 1024⁴ bytes.
    TeraBytes,
    /// 1024⁵ bytes.
    PetaBytes,
}

impl ByteUnits {
    /// How many bytes one of this unit holds (exact).
    pub fn bytes_per_unit(self) -> u128 {
        let exponent = match self {
            ByteUnits::Bytes => 0,
            ByteUnits::KiloBytes => 1,
            ByteUnits::MegaBytes => 2,
            ByteUnits::GigaBytes => 3,
            ByteUnits::TeraBytes => 4,
            ByteUnits::PetaBytes => 5,
        };
        1024u128.pow(exponent)
    }
}

/// Kerio's `ByteValueWithUnits`: an integer amount of a [`ByteUnits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ByteValueWithUnits {
    /// The amount, in `units`.
    pub value: u64,
    /// The unit of `value`.
    pub units: ByteUnits,
}

impl ByteValueWithUnits {
    /// A value of `value` `units`.
    pub fn new(value: u64, units: ByteUnits) -> Self {
        ByteValueWithUnits { value, units }
    }

    /// A value in mebibytes (what a WHMCS quota in "MB" means).
    pub fn from_mb(mb: u64) -> Self {
        ByteValueWithUnits::new(mb, ByteUnits::MegaBytes)
    }

    /// The exact size in bytes (u128, so even PetaBytes × u64::MAX cannot overflow).
    pub fn to_bytes(&self) -> u128 {
        u128::from(self.value) * self.units.bytes_per_unit()
    }

    /// The size in mebibytes, for display (may be fractional).
    pub fn to_mb_f64(&self) -> f64 {
        let bytes = self.to_bytes();
        let whole = bytes / BYTES_PER_MB;
        let rest = bytes % BYTES_PER_MB;
        whole as f64 + rest as f64 / BYTES_PER_MB as f64
    }
}

/// Kerio's `SizeLimit`: a quota that is only enforced when `is_active`.
///
/// Kerio requires the whole struct whenever it is sent in `Users.set`, so both fields are mandatory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SizeLimit {
    /// Whether the limit is enforced (`false` = unlimited).
    pub is_active: bool,
    /// The limit itself.
    pub limit: ByteValueWithUnits,
}

impl SizeLimit {
    /// A limit of `mb` mebibytes; `0` means unlimited (inactive), the WHMCS convention.
    pub fn from_mb(mb: u64) -> Self {
        SizeLimit {
            is_active: mb > 0,
            limit: ByteValueWithUnits::from_mb(mb),
        }
    }
}

/// Kerio's `ItemCountLimit`: a maximum number of items, enforced when `is_active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ItemCountLimit {
    /// Whether the limit is enforced.
    pub is_active: bool,
    /// The maximum number of items.
    pub limit: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_is_a_power_of_1024() {
        let units = [
            (ByteUnits::Bytes, 1u128),
            (ByteUnits::KiloBytes, 1024),
            (ByteUnits::MegaBytes, 1_048_576),
            (ByteUnits::GigaBytes, 1_073_741_824),
            (ByteUnits::TeraBytes, 1_099_511_627_776),
            (ByteUnits::PetaBytes, 1_125_899_906_842_624),
        ];
        for (unit, bytes) in units {
            assert_eq!(
                ByteValueWithUnits::new(1, unit).to_bytes(),
                bytes,
                "{unit:?}"
            );
            assert_eq!(
                ByteValueWithUnits::new(3, unit).to_bytes(),
                3 * bytes,
                "{unit:?}"
            );
        }
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let value = ByteValueWithUnits::new(u64::MAX, ByteUnits::PetaBytes);
        assert_eq!(value.to_bytes(), u128::from(u64::MAX) * (1u128 << 50));
    }

    #[test]
    fn converts_to_fractional_megabytes() {
        assert_eq!(
            ByteValueWithUnits::new(1536, ByteUnits::KiloBytes).to_mb_f64(),
            1.5
        );
        assert_eq!(
            ByteValueWithUnits::new(2, ByteUnits::GigaBytes).to_mb_f64(),
            2048.0
        );
        assert_eq!(
            ByteValueWithUnits::new(0, ByteUnits::TeraBytes).to_mb_f64(),
            0.0
        );
        assert_eq!(ByteValueWithUnits::from_mb(250).to_mb_f64(), 250.0);
        assert_eq!(
            ByteValueWithUnits::new(1, ByteUnits::Bytes).to_mb_f64(),
            1.0 / 1_048_576.0
        );
    }

    #[test]
    fn serialises_with_kerio_names() {
        let limit = SizeLimit::from_mb(2048);
        assert_eq!(
            serde_json::to_value(limit).unwrap(),
            serde_json::json!({"isActive": true, "limit": {"value": 2048, "units": "MegaBytes"}})
        );
        assert!(!SizeLimit::from_mb(0).is_active);
        let parsed: ByteValueWithUnits =
            serde_json::from_str(r#"{"value":10240,"units":"KiloBytes"}"#).unwrap();
        assert_eq!(parsed.to_mb_f64(), 10.0);
    }
}
