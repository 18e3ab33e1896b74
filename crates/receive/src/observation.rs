//! [`Observation`]: decoded values from a source that sends states instead of frames.
//!
//! Names and units are those of picket's field dictionary (docs/fields.md), which follows
//! readsb's `aircraft.json`.

use picket_modes::Icao;

/// Decoded values about one aircraft from an SBS/BaseStation line or a JSON state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observation {
    /// The aircraft's 24-bit address (`hex`).
    pub hex: Icao,
    /// The address is not an ICAO address (readsb writes it with a `~` prefix).
    pub non_icao: bool,
    /// Where the values came from.
    pub source: ObservationSource,
    /// Callsign, spaces trimmed (`flight`).
    pub flight: Option<String>,
    /// Barometric altitude, ft (`alt_baro`).
    pub alt_baro: Option<i32>,
    /// Geometric altitude, ft (`alt_geom`).
    pub alt_geom: Option<i32>,
    /// Ground speed, kt (`gs`).
    pub gs: Option<f32>,
    /// Indicated air speed, kt (`ias`).
    pub ias: Option<u16>,
    /// True air speed, kt (`tas`).
    pub tas: Option<u16>,
    /// Mach number (`mach`).
    pub mach: Option<f32>,
    /// True track over ground, degrees (`track`).
    pub track: Option<f32>,
    /// Magnetic heading, degrees (`mag_heading`).
    pub mag_heading: Option<f32>,
    /// True heading, degrees (`true_heading`).
    pub true_heading: Option<f32>,
    /// Barometric vertical rate, ft/min (`baro_rate`).
    pub baro_rate: Option<i32>,
    /// Geometric vertical rate, ft/min (`geom_rate`).
    pub geom_rate: Option<i32>,
    /// Mode A code: the four octal digits as a number, 0..=0o7777 (`squawk`).
    pub squawk: Option<u16>,
    /// Emergency state as readsb names it (`emergency`).
    pub emergency: Option<Emergency>,
    /// Emitter category such as `A3` (`category`).
    pub category: Option<String>,
    /// Latitude, degrees (`lat`).
    pub lat: Option<f64>,
    /// Longitude, degrees (`lon`).
    pub lon: Option<f64>,
    /// On the ground (`on_ground`; readsb writes `"alt_baro": "ground"`).
    pub on_ground: Option<bool>,
    /// Flight status alert (`alert`).
    pub alert: Option<bool>,
    /// Special position identification (`spi`).
    pub spi: Option<bool>,
    /// Navigation integrity category (`nic`).
    pub nic: Option<u8>,
    /// Navigation accuracy category, position (`nac_p`).
    pub nac_p: Option<u8>,
    /// Source integrity level (`sil`).
    pub sil: Option<u8>,
    /// ADS-B version (`version`).
    pub version: Option<u8>,
    /// Signal level, dBFS (`rssi`).
    pub rssi: Option<f32>,
    /// Registration from the source's database (readsb `r`).
    pub registration: Option<String>,
    /// ICAO type designator from the source's database (readsb `t`).
    pub type_code: Option<String>,
    /// readsb database flags (`dbFlags`: 1 military, 2 interesting, 4 PIA, 8 LADD).
    pub db_flags: Option<u32>,
}

impl Observation {
    /// An observation of `hex` with no values yet.
    pub fn new(hex: Icao, source: ObservationSource) -> Observation {
        Observation {
            hex,
            source,
            ..Observation::default()
        }
    }

    /// True when no value beyond the address is present.
    pub fn is_empty(&self) -> bool {
        let without_address = Observation {
            hex: Icao(0),
            non_icao: false,
            source: self.source,
            ..self.clone()
        };
        without_address
            == Observation {
                source: self.source,
                ..Observation::default()
            }
    }
}

/// Where an observation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ObservationSource {
    /// An SBS/BaseStation line (port 30003).
    Sbs,
    /// A JSON state (readsb `aircraft.json`, JSON lines of states).
    JsonState,
    /// picket's own multilateration: a position solved from several receivers' times of
    /// arrival (its receivers' frames carry no position).
    Mlat,
    /// Anything else.
    #[default]
    Other,
}

/// Emergency or priority status, with readsb's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emergency {
    /// No emergency.
    None,
    /// General emergency (7700).
    General,
    /// Lifeguard / medical.
    Lifeguard,
    /// Minimum fuel.
    MinFuel,
    /// No communications (7600).
    NoRadio,
    /// Unlawful interference (7500).
    Unlawful,
    /// Downed aircraft.
    Downed,
    /// Reserved value.
    Reserved,
}

impl Emergency {
    /// readsb's name: `none`, `general`, `lifeguard`, `minfuel`, `nordo`, `unlawful`,
    /// `downed`, `reserved`.
    pub const fn name(self) -> &'static str {
        match self {
            Emergency::None => "none",
            Emergency::General => "general",
            Emergency::Lifeguard => "lifeguard",
            Emergency::MinFuel => "minfuel",
            Emergency::NoRadio => "nordo",
            Emergency::Unlawful => "unlawful",
            Emergency::Downed => "downed",
            Emergency::Reserved => "reserved",
        }
    }

    /// Reads readsb's name.
    pub fn from_name(name: &str) -> Option<Emergency> {
        Some(match name {
            "none" => Emergency::None,
            "general" => Emergency::General,
            "lifeguard" => Emergency::Lifeguard,
            "minfuel" => Emergency::MinFuel,
            "nordo" => Emergency::NoRadio,
            "unlawful" => Emergency::Unlawful,
            "downed" => Emergency::Downed,
            "reserved" => Emergency::Reserved,
            _ => return None,
        })
    }

    /// The emergency a squawk declares (7500, 7600, 7700), if any.
    pub fn from_squawk(squawk: u16) -> Option<Emergency> {
        match squawk {
            0o7500 => Some(Emergency::Unlawful),
            0o7600 => Some(Emergency::NoRadio),
            0o7700 => Some(Emergency::General),
            _ => None,
        }
    }
}

/// Reads a squawk written as four octal digits ("7700").
pub fn parse_squawk(text: &str) -> Option<u16> {
    let t = text.as_bytes();
    if t.len() != 4 {
        return None;
    }
    let mut v = 0u16;
    for &c in t {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        v = (v << 3) | u16::from(c - b'0');
    }
    Some(v)
}

/// Writes a squawk as four octal digits.
pub fn squawk_digits(squawk: u16) -> [u8; 4] {
    let s = squawk & 0o7777;
    [
        b'0' + (s >> 9) as u8,
        b'0' + ((s >> 6) & 7) as u8,
        b'0' + ((s >> 3) & 7) as u8,
        b'0' + (s & 7) as u8,
    ]
}

/// Reads an address as readsb writes it: six hex digits, `~` first for a non-ICAO address.
/// Returns the address and whether it is non-ICAO.
pub fn parse_hex_address(text: &str) -> Option<(Icao, bool)> {
    let (t, non_icao) = match text.strip_prefix('~') {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    if t.len() != 6 || !t.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(t, 16).ok().map(|v| (Icao(v), non_icao))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squawks_are_octal_digits() {
        assert_eq!(parse_squawk("7700"), Some(0o7700));
        assert_eq!(parse_squawk("0000"), Some(0));
        assert_eq!(parse_squawk("d276"), None); // seen in readsb test data
        assert_eq!(parse_squawk("11919"), None);
        assert_eq!(parse_squawk("7800"), None);
        assert_eq!(&squawk_digits(0o7227), b"7227");
        assert_eq!(&squawk_digits(0o0012), b"0012");
    }

    #[test]
    fn addresses_with_and_without_tilde() {
        assert_eq!(parse_hex_address("a3e31a"), Some((Icao(0xa3e31a), false)));
        assert_eq!(parse_hex_address("~0e86c5"), Some((Icao(0x0e86c5), true)));
        assert_eq!(parse_hex_address("A3E31A"), Some((Icao(0xa3e31a), false)));
        assert_eq!(parse_hex_address("a3e31"), None);
        assert_eq!(parse_hex_address("+3e31a"), None);
    }

    #[test]
    fn emergency_names_round_trip() {
        for e in [
            Emergency::None,
            Emergency::General,
            Emergency::Lifeguard,
            Emergency::MinFuel,
            Emergency::NoRadio,
            Emergency::Unlawful,
            Emergency::Downed,
            Emergency::Reserved,
        ] {
            assert_eq!(Emergency::from_name(e.name()), Some(e));
        }
        assert_eq!(Emergency::from_squawk(0o7500), Some(Emergency::Unlawful));
        assert_eq!(Emergency::from_squawk(0o1200), None);
    }

    #[test]
    fn empty_means_only_an_address() {
        let mut o = Observation::new(Icao(0x406b90), ObservationSource::Sbs);
        assert!(o.is_empty());
        o.alt_baro = Some(36000);
        assert!(!o.is_empty());
    }
}
