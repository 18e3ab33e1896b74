//! ADS-B extended squitter content: the 56-bit ME field of DF17, DF18 (CF 0, 1, 2, 5, 6)
//! and DF19 (AF 0), for every type code of ADS-B versions 0, 1 and 2 (DO-260, DO-260A,
//! DO-260B; ICAO Doc 9871 Appendices A–C), plus the coarse TIS-B layout of DF18 CF 3.
//!
//! [`Me::parse`] turns the field into an owned value with a handful of shifts and masks;
//! [`Me::emit`] gives the same 56 bits back. Every field is kept in its wire units (the
//! raw codes, reserved bits included), so `emit(parse(x)) == x` for every `x` that parses;
//! accessors convert to physical units (`_ft`, `_kt`, `_deg`, `_fpm`, `_hpa`) and return
//! `None` for "not available". Where a field's meaning changed between versions, the
//! accessor takes the version (from the aircraft's operational status, TC 31) and says so.
//!
//! ```
//! use picket_modes::adsb::Me;
//! use picket_modes::Frame;
//! // xoolive/rs1090 decode1090 readme: ground speed 174.2 kt, track 142.93°, -832 ft/min.
//! let frame = Frame::from_hex("8D3C66E699086A919838884331C7").unwrap();
//! let Me::AirborneVelocity(v) = Me::parse(frame.me(), None).unwrap() else { panic!() };
//! assert_eq!((v.ground_speed_kt().unwrap() * 10.0).round(), 1742.0);
//! assert_eq!(v.vertical_rate_fpm(), Some(-832));
//! assert_eq!(Me::AirborneVelocity(v).emit(), frame.me());
//! ```
//!
//! Bits are numbered as in the standards: ME bit 1 is the first bit of the field (frame bit
//! 33), so a field "bits a–b" here is bits a+32 to b+32 of the frame.

mod identification;
mod operational_status;
mod position;
mod quality;
mod status;
mod target_state;
mod tisb;
mod velocity;

#[cfg(test)]
mod tests;

pub use identification::{Category, CategorySet, Identification};
pub use operational_status::{HeadingReference, OperationalStatus, OperationalStatusKind};
pub use position::{
    AirbornePosition, AltitudeSource, Movement, NoPosition, SurfacePosition, SurveillanceStatus,
};
pub use quality::{nac_p_epu_m, nac_v_hfom_mps, position_integrity, Integrity, NicSupplements, Nucp};
pub use status::{AcasRaBroadcast, AircraftStatus, EmergencyState, EmergencyStatus};
pub use target_state::{
    SelectedAltitudeSource, TargetDataSource, TargetMode, TargetState, TargetStateV1, TargetStateV2,
};
pub use tisb::CoarseTisbPosition;
pub use velocity::{
    AirVelocity, AirborneVelocity, GroundVelocity, HeightDifference, Velocity, VerticalRate,
    VerticalRateSource,
};

use crate::identity::Squawk;
use std::fmt;

/// ME bits `first..=last` (1-based) as a number.
#[inline(always)]
pub(crate) const fn field(me: u64, first: u32, last: u32) -> u64 {
    (me >> (56 - last)) & ((1u64 << (last + 1 - first)) - 1)
}

/// ME bit `n` (1-based).
#[inline(always)]
pub(crate) const fn flag(me: u64, n: u32) -> bool {
    (me >> (56 - n)) & 1 == 1
}

/// `value` placed in ME bits `first..=last`; bits beyond the field's width are dropped, so
/// an out-of-range value never spills into a neighbouring field.
#[inline(always)]
pub(crate) const fn put(value: u64, first: u32, last: u32) -> u64 {
    (value & ((1u64 << (last + 1 - first)) - 1)) << (56 - last)
}

/// `value` placed in ME bit `n`.
#[inline(always)]
pub(crate) const fn put_flag(value: bool, n: u32) -> u64 {
    (value as u64) << (56 - n)
}

/// The type code (ME bits 1–5) of a 56-bit ME field.
#[inline(always)]
pub const fn type_code(me: u64) -> u8 {
    field(me, 1, 5) as u8
}

/// Why an ME field is not a valid ADS-B message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdsbError {
    /// Bits above the 56-bit field are set.
    TooWide,
    /// A subtype the standard reserves for this type code (for example velocity subtype 0
    /// or 5–7, aircraft status subtype 0 or 3–7).
    ReservedSubtype {
        /// The type code (ME bits 1–5).
        type_code: u8,
        /// The subtype (ME bits 6–8, or 6–7 for TC 29).
        subtype: u8,
    },
}

impl fmt::Display for AdsbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdsbError::TooWide => write!(f, "ME value wider than 56 bits"),
            AdsbError::ReservedSubtype { type_code, subtype } => {
                write!(f, "type code {type_code} has no subtype {subtype}")
            }
        }
    }
}

impl std::error::Error for AdsbError {}

/// A decoded ME field in the ADS-B layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Me {
    /// TC 0: no position information (the barometric altitude may still be there).
    NoPosition(NoPosition),
    /// TC 1–4: aircraft identification and emitter category.
    Identification(Identification),
    /// TC 5–8: surface position and movement.
    SurfacePosition(SurfacePosition),
    /// TC 9–18 (barometric altitude) and 20–22 (GNSS height): airborne position.
    AirbornePosition(AirbornePosition),
    /// TC 19, subtypes 1–4: airborne velocity.
    AirborneVelocity(AirborneVelocity),
    /// TC 23: test message.
    Test(TestMessage),
    /// TC 24: surface system status, sent by ground systems; kept raw.
    SurfaceSystemStatus(RawMe),
    /// TC 28: aircraft status (emergency/priority and squawk, or ACAS RA broadcast).
    AircraftStatus(AircraftStatus),
    /// TC 29: target state and status (version 1 or 2 layout).
    TargetState(TargetState),
    /// TC 31: aircraft operational status.
    OperationalStatus(OperationalStatus),
    /// TC 25–27 and 30: reserved (trajectory change, operational coordination); kept raw.
    Reserved(RawMe),
}

impl Me {
    /// Parses a 56-bit ME field (right-aligned, as [`crate::Frame::me`] returns it).
    ///
    /// The layout of every type code is either the same in versions 0–2 or says its own
    /// version (TC 29 subtype, TC 31 version field), so `version` does not change what is
    /// parsed; version-dependent meanings are read through accessors that take a version.
    #[inline]
    pub fn parse(me: u64, version: Option<u8>) -> Result<Me, AdsbError> {
        Me::parse_inline(me, version)
    }

    /// [`Me::parse`], always inlined: the decoder's squitter path builds the message in
    /// its `Decoded` in place instead of copying it out of a returned `Result`.
    #[inline(always)]
    pub(crate) fn parse_inline(me: u64, version: Option<u8>) -> Result<Me, AdsbError> {
        let _ = version;
        if me >> 56 != 0 {
            return Err(AdsbError::TooWide);
        }
        Ok(match type_code(me) {
            0 => Me::NoPosition(NoPosition::parse(me)),
            1..=4 => Me::Identification(Identification::parse(me)),
            5..=8 => Me::SurfacePosition(SurfacePosition::parse(me)),
            9..=18 | 20..=22 => Me::AirbornePosition(AirbornePosition::parse(me)),
            19 => Me::AirborneVelocity(AirborneVelocity::parse(me)?),
            23 => Me::Test(TestMessage::parse(me)),
            24 => Me::SurfaceSystemStatus(RawMe::parse(me)),
            28 => Me::AircraftStatus(AircraftStatus::parse(me)?),
            29 => Me::TargetState(TargetState::parse(me)?),
            31 => Me::OperationalStatus(OperationalStatus::parse(me)?),
            _ => Me::Reserved(RawMe::parse(me)),
        })
    }

    /// The 56-bit ME field; the exact inverse of [`Me::parse`].
    #[inline]
    pub fn emit(&self) -> u64 {
        match self {
            Me::NoPosition(m) => m.emit(),
            Me::Identification(m) => m.emit(),
            Me::SurfacePosition(m) => m.emit(),
            Me::AirbornePosition(m) => m.emit(),
            Me::AirborneVelocity(m) => m.emit(),
            Me::Test(m) => m.emit(),
            Me::SurfaceSystemStatus(m) | Me::Reserved(m) => m.emit(),
            Me::AircraftStatus(m) => m.emit(),
            Me::TargetState(m) => m.emit(),
            Me::OperationalStatus(m) => m.emit(),
        }
    }

    /// The type code (ME bits 1–5).
    pub fn type_code(&self) -> u8 {
        type_code(self.emit())
    }

    /// The bit that DF18 fine TIS-B (CF 2, 5) and ADS-R (CF 6) messages use as the IMF
    /// (ICAO/Mode A flag: 1 = the AA field is not an ICAO 24-bit address), for the kinds
    /// that have one (DO-260B §2.2.17.3 and §2.2.18; the positions readsb and dump1090-fa
    /// use): bit 8 of airborne positions, 21 of surface positions, 9 of velocities, 56 of
    /// emergency status and operational status, 51 of target state.
    ///
    /// In DF17/19 and DF18 CF 0/1 the same bit means something else (NIC supplement-B,
    /// time flag, intent change, reserved); only the caller knows the control field.
    pub fn imf(&self) -> Option<bool> {
        match self {
            Me::AirbornePosition(p) => Some(p.nic_b),
            Me::SurfacePosition(p) => Some(p.utc_sync),
            Me::AirborneVelocity(v) => Some(v.intent_change),
            Me::AircraftStatus(AircraftStatus::Emergency(e)) => Some(e.reserved & 1 == 1),
            Me::TargetState(t) => Some(flag(t.emit(), 51)),
            Me::OperationalStatus(s) => Some(s.reserved),
            _ => None,
        }
    }
}

/// A message kept as its type code and the 51 bits that follow (TC 24, 25–27, 30).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawMe {
    /// ME bits 1–5.
    pub type_code: u8,
    /// ME bits 6–56, right-aligned.
    pub payload: u64,
}

impl RawMe {
    pub(crate) fn parse(me: u64) -> RawMe {
        RawMe {
            type_code: type_code(me),
            payload: field(me, 6, 56),
        }
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        put(u64::from(self.type_code), 1, 5) | put(self.payload, 6, 56)
    }

    /// ME bits 6–8, which most formats use as a subtype.
    pub fn subtype(&self) -> u8 {
        ((self.payload >> 48) & 7) as u8
    }
}

/// TC 23: test message (DO-260B TYPE 23). Subtype 7 carries a Mode A code in bits
/// 9–21 (1090-WP-15-20, as decoded by dump1090-fa and readsb).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TestMessage {
    /// ME bits 6–8.
    pub subtype: u8,
    /// ME bits 9–56, right-aligned.
    pub payload: u64,
}

impl TestMessage {
    pub(crate) fn parse(me: u64) -> TestMessage {
        TestMessage {
            subtype: field(me, 6, 8) as u8,
            payload: field(me, 9, 56),
        }
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        put(23, 1, 5) | put(u64::from(self.subtype), 6, 8) | put(self.payload, 9, 56)
    }

    /// The Mode A code of subtype 7, when its 13 bits are not all zero.
    pub fn squawk(&self) -> Option<Squawk> {
        let id13 = (self.payload >> 35) as u16 & 0x1FFF;
        (self.subtype == 7 && id13 != 0).then(|| Squawk::from_id13(id13))
    }
}
