//! TC 31: aircraft operational status (register 6,5; DO-260B §2.2.3.2.7.2, Doc 9871
//! Appendices B (version 1) and C (version 2)).
//!
//! The layout carries its own version number (ME bits 41–43: 0 = DO-260, 1 = DO-260A,
//! 2 = DO-260B). All 51 bits after the type code are kept as sent; the accessors read them
//! according to that version and return `None` where the version (or the airborne/surface
//! subtype) does not define the field:
//!
//! | bits  | version 1                              | version 2                              |
//! |-------|----------------------------------------|----------------------------------------|
//! | 9–24  | capability class (bit 11 = *not* ACAS) | capability class (bit 11 = ACAS)       |
//! | 25–40 | operational mode                       | operational mode (+ SAF, SDA)          |
//! | 44    | NIC supplement                         | NIC supplement-A                       |
//! | 45–48 | NACp                                   | NACp                                   |
//! | 49–50 | BAQ                                    | GVA (airborne)                         |
//! | 51–52 | SIL                                    | SIL                                    |
//! | 53    | NICbaro (air) / TRK/HDG (surface)      | NICbaro (air) / TRK/HDG (surface)      |
//! | 54    | HRD                                    | HRD                                    |
//! | 55    | reserved                               | SIL supplement                         |
//!
//! Version 0 messages define only the capability class subfields of bits 9–24, which
//! decoders read differently (dump1090-fa and lib1090 disagree on the ACAS bit), so only
//! the raw bits are offered for version 0.

use super::quality::NicSupplements;
use super::{field, flag, put, put_flag, AdsbError};

/// Airborne (subtype 0) or surface (subtype 1) operational status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationalStatusKind {
    /// Subtype 0.
    Airborne,
    /// Subtype 1.
    Surface,
}

/// Which north headings are referenced to (the HRD bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeadingReference {
    /// HRD = 0: true north.
    True,
    /// HRD = 1: magnetic north.
    Magnetic,
}

/// TC 31: aircraft operational status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationalStatus {
    /// ME bits 6–8: subtype 0 (airborne) or 1 (surface).
    pub kind: OperationalStatusKind,
    /// ME bits 9–24: capability class codes (surface: bits 9–20, then the length/width
    /// code in bits 21–24).
    pub capability_class: u16,
    /// ME bits 25–40: operational mode codes.
    pub operational_mode: u16,
    /// ME bits 41–43: ADS-B version, 0–2 (3–7 reserved).
    pub version: u8,
    /// ME bit 44: NIC supplement (version 1), NIC supplement-A (version 2).
    pub nic_supplement_a: bool,
    /// ME bits 45–48: NACp.
    pub nac_p: u8,
    /// ME bits 49–50: GVA (version 2 airborne), BAQ (version 1), reserved otherwise.
    pub gva: u8,
    /// ME bits 51–52: SIL.
    pub sil: u8,
    /// ME bit 53: NICbaro when airborne; track angle/heading (TRK/HDG) on the surface.
    pub nic_baro_or_track_heading: bool,
    /// ME bit 54: horizontal reference direction (HRD), 1 = magnetic north.
    pub hrd: bool,
    /// ME bit 55: SIL supplement (version 2: 1 = probability per sample).
    pub sil_supplement: bool,
    /// ME bit 56: reserved (the IMF in DF18 fine TIS-B and ADS-R).
    pub reserved: bool,
}

/// Length and width upper bounds in metres by length/width code 1–15 (DO-260B, aircraft
/// length and width codes of the surface capability class).
const SIZES_M: [(f64, f64); 15] = [
    (15.0, 23.0),
    (25.0, 28.5),
    (25.0, 34.0),
    (35.0, 33.0),
    (35.0, 38.0),
    (45.0, 39.5),
    (45.0, 45.0),
    (55.0, 45.0),
    (55.0, 52.0),
    (65.0, 59.5),
    (65.0, 67.0),
    (75.0, 72.5),
    (75.0, 80.0),
    (85.0, 80.0),
    (85.0, 90.0),
];

impl OperationalStatus {
    pub(crate) fn parse(me: u64) -> Result<OperationalStatus, AdsbError> {
        let kind = match field(me, 6, 8) as u8 {
            0 => OperationalStatusKind::Airborne,
            1 => OperationalStatusKind::Surface,
            subtype => {
                return Err(AdsbError::ReservedSubtype {
                    type_code: 31,
                    subtype,
                })
            }
        };
        Ok(OperationalStatus {
            kind,
            capability_class: field(me, 9, 24) as u16,
            operational_mode: field(me, 25, 40) as u16,
            version: field(me, 41, 43) as u8,
            nic_supplement_a: flag(me, 44),
            nac_p: field(me, 45, 48) as u8,
            gva: field(me, 49, 50) as u8,
            sil: field(me, 51, 52) as u8,
            nic_baro_or_track_heading: flag(me, 53),
            hrd: flag(me, 54),
            sil_supplement: flag(me, 55),
            reserved: flag(me, 56),
        })
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        put(31, 1, 5)
            | put(self.kind as u64, 6, 8)
            | put(u64::from(self.capability_class), 9, 24)
            | put(u64::from(self.operational_mode), 25, 40)
            | put(u64::from(self.version), 41, 43)
            | put_flag(self.nic_supplement_a, 44)
            | put(u64::from(self.nac_p), 45, 48)
            | put(u64::from(self.gva), 49, 50)
            | put(u64::from(self.sil), 51, 52)
            | put_flag(self.nic_baro_or_track_heading, 53)
            | put_flag(self.hrd, 54)
            | put_flag(self.sil_supplement, 55)
            | put_flag(self.reserved, 56)
    }

    fn airborne(&self) -> bool {
        self.kind == OperationalStatusKind::Airborne
    }

    /// ME bit `n` (9–24) of the capability class.
    fn cc(&self, n: u32) -> bool {
        (self.capability_class >> (24 - n)) & 1 == 1
    }

    /// ME bit `n` (25–40) of the operational mode.
    fn om(&self, n: u32) -> bool {
        (self.operational_mode >> (40 - n)) & 1 == 1
    }

    /// The capability class subfields are defined: version 1 or 2 with the format bits
    /// 9–10 zero (version 1 airborne also needs bits 13–14 zero).
    fn cc_defined(&self, versions: &[u8]) -> bool {
        let v1_air_ok = !(self.version == 1 && self.airborne()) || (self.capability_class >> 10) & 3 == 0;
        versions.contains(&self.version) && self.capability_class >> 14 == 0 && v1_air_ok
    }

    /// The operational mode subfields are defined: version 1 or 2 with bits 25–26 zero.
    fn om_defined(&self, versions: &[u8]) -> bool {
        versions.contains(&self.version) && self.operational_mode >> 14 == 0
    }

    fn air_cc(&self, versions: &[u8], n: u32) -> Option<bool> {
        (self.airborne() && self.cc_defined(versions)).then(|| self.cc(n))
    }

    fn surface_cc(&self, versions: &[u8], n: u32) -> Option<bool> {
        (!self.airborne() && self.cc_defined(versions)).then(|| self.cc(n))
    }

    /// ACAS (TCAS) operational, airborne: bit 11, which version 1 sends inverted
    /// ("not ACAS") and version 2 straight.
    pub fn acas_operational(&self) -> Option<bool> {
        match self.version {
            1 => self.air_cc(&[1], 11).map(|not_acas| !not_acas),
            _ => self.air_cc(&[2], 11),
        }
    }

    /// Cockpit display of traffic information (version 1, bit 12).
    pub fn cdti(&self) -> Option<bool> {
        self.cc_defined(&[1]).then(|| self.cc(12))
    }

    /// 1090 MHz ES receive capability (version 2, bit 12).
    pub fn es_1090_in(&self) -> Option<bool> {
        self.cc_defined(&[2]).then(|| self.cc(12))
    }

    /// UAT receive capability (version 2; airborne bit 19, surface bit 16).
    pub fn uat_in(&self) -> Option<bool> {
        self.air_cc(&[2], 19).or_else(|| self.surface_cc(&[2], 16))
    }

    /// Air-referenced velocity report capability (airborne, versions 1–2, bit 15).
    pub fn air_referenced_velocity(&self) -> Option<bool> {
        self.air_cc(&[1, 2], 15)
    }

    /// Target state report capability (airborne, versions 1–2, bit 16).
    pub fn target_state_reports(&self) -> Option<bool> {
        self.air_cc(&[1, 2], 16)
    }

    /// Trajectory change report capability level, 0–3 (airborne, versions 1–2, bits 17–18).
    pub fn trajectory_change_reports(&self) -> Option<u8> {
        (self.airborne() && self.cc_defined(&[1, 2])).then_some(((self.capability_class >> 6) & 3) as u8)
    }

    /// Position offset applied (surface, versions 1–2, bit 11): positions are of the
    /// aircraft's reference point rather than its antenna.
    pub fn position_offset_applied(&self) -> Option<bool> {
        self.surface_cc(&[1, 2], 11)
    }

    /// Class B2 transmit power below 70 W (surface, versions 1–2, bit 15).
    pub fn low_power_b2(&self) -> Option<bool> {
        self.surface_cc(&[1, 2], 15)
    }

    /// NACv of surface participants (version 2, bits 17–19).
    pub fn surface_nac_v(&self) -> Option<u8> {
        (!self.airborne() && self.cc_defined(&[2])).then_some(((self.capability_class >> 5) & 7) as u8)
    }

    /// NIC supplement-C (surface, version 2, bit 20).
    pub fn nic_supplement_c(&self) -> Option<bool> {
        self.surface_cc(&[2], 20)
    }

    /// Aircraft length/width code, 0–15 (surface, versions 1–2, bits 21–24).
    pub fn length_width_code(&self) -> Option<u8> {
        (!self.airborne() && matches!(self.version, 1 | 2)).then_some((self.capability_class & 0xF) as u8)
    }

    /// Upper bounds of the aircraft's (length, width) in metres; `None` for code 0 (no
    /// data) and for airborne messages.
    pub fn aircraft_size_m(&self) -> Option<(f64, f64)> {
        let code = self.length_width_code()?;
        SIZES_M.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// GPS antenna offset code (surface, version 2, bits 33–40), kept raw.
    pub fn antenna_offset(&self) -> Option<u8> {
        (!self.airborne() && self.om_defined(&[2])).then_some((self.operational_mode & 0xFF) as u8)
    }

    /// An ACAS resolution advisory is active (versions 1–2, bit 27).
    pub fn acas_ra_active(&self) -> Option<bool> {
        self.om_defined(&[1, 2]).then(|| self.om(27))
    }

    /// The IDENT switch is active (versions 1–2, bit 28).
    pub fn ident_active(&self) -> Option<bool> {
        self.om_defined(&[1, 2]).then(|| self.om(28))
    }

    /// Receiving ATC services (versions 1–2, bit 29).
    pub fn receiving_atc_services(&self) -> Option<bool> {
        self.om_defined(&[1, 2]).then(|| self.om(29))
    }

    /// Single antenna (version 2, bit 30).
    pub fn single_antenna(&self) -> Option<bool> {
        self.om_defined(&[2]).then(|| self.om(30))
    }

    /// System design assurance, 0–3 (version 2, bits 31–32).
    pub fn sda(&self) -> Option<u8> {
        self.om_defined(&[2])
            .then_some(((self.operational_mode >> 8) & 3) as u8)
    }

    /// NACp (versions 1–2).
    pub fn nac_p(&self) -> Option<u8> {
        matches!(self.version, 1 | 2).then_some(self.nac_p)
    }

    /// SIL (versions 1–2).
    pub fn sil(&self) -> Option<u8> {
        matches!(self.version, 1 | 2).then_some(self.sil)
    }

    /// SIL counted per sample (`true`) or per flight hour (version 2, bit 55).
    pub fn sil_per_sample(&self) -> Option<bool> {
        (self.version == 2).then_some(self.sil_supplement)
    }

    /// Geometric vertical accuracy code, 0–3 (airborne, version 2).
    pub fn gva(&self) -> Option<u8> {
        (self.airborne() && self.version == 2).then_some(self.gva)
    }

    /// NICbaro: the barometric altitude is cross-checked (airborne, versions 1–2).
    pub fn nic_baro(&self) -> Option<bool> {
        (self.airborne() && matches!(self.version, 1 | 2)).then_some(self.nic_baro_or_track_heading)
    }

    /// Surface positions report the heading (`true`) rather than the ground track
    /// (surface, versions 1–2, TRK/HDG bit; DO-260B §2.2.3.2.7.2.12).
    pub fn surface_reports_heading(&self) -> Option<bool> {
        (!self.airborne() && matches!(self.version, 1 | 2)).then_some(self.nic_baro_or_track_heading)
    }

    /// The north that headings refer to (versions 1–2).
    pub fn heading_reference(&self) -> Option<HeadingReference> {
        matches!(self.version, 1 | 2).then_some(if self.hrd {
            HeadingReference::Magnetic
        } else {
            HeadingReference::True
        })
    }

    /// The NIC supplements this message provides: A (versions 1–2) and C (version 2
    /// surface); B comes from airborne positions.
    pub fn nic_supplements(&self) -> NicSupplements {
        NicSupplements {
            a: matches!(self.version, 1 | 2) && self.nic_supplement_a,
            b: false,
            c: self.nic_supplement_c().unwrap_or(false),
        }
    }
}
