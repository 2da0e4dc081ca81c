//! Server version profiles (`serve --kerio-version`): behaviours known to differ between Kerio
//! Connect versions. The default is the newest modelled version.

/// A modelled Kerio Connect version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KerioVersion {
    /// Connect 10.0.8 build 9228 (the version the emulator was first checked against) [V].
    #[default]
    V10_0_8,
    /// Connect 9.2.8 [V: an independent client tested on it]; build number [I].
    V9_2_8,
}

impl KerioVersion {
    /// The version names `--kerio-version` accepts.
    pub const NAMES: [&'static str; 2] = ["10.0.8", "9.2.8"];

    /// Parses a name of [`KerioVersion::NAMES`].
    pub fn parse(name: &str) -> Result<KerioVersion, String> {
        match name {
            "10.0.8" => Ok(KerioVersion::V10_0_8),
            "9.2.8" => Ok(KerioVersion::V9_2_8),
            other => Err(format!(
                "unknown Kerio version {other:?}: use one of {}",
                KerioVersion::NAMES.join(", ")
            )),
        }
    }

    /// Major, minor, revision and build numbers.
    pub fn numbers(self) -> (u32, u32, u32, u32) {
        match self {
            KerioVersion::V10_0_8 => (10, 0, 8, 9228),
            KerioVersion::V9_2_8 => (9, 2, 8, 5363),
        }
    }

    /// Whether the administration form login needs its `kerio_csrf_token`: yes on 10.x
    /// [V: rce-writeup, 10.0.9], no on 9.2.8 [V: an independent client posts the form without it].
    pub fn admin_form_csrf(self) -> bool {
        self.numbers().0 >= 10
    }
}
