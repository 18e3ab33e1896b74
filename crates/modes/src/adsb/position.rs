//! Position messages: TC 0 (no position), TC 5–8 (surface, DO-260B §2.2.3.2.4; Doc 9871
//! Table A-2-6) and TC 9–18, 20–22 (airborne, DO-260B §2.2.3.2.3; Doc 9871 Table A-2-5).

use super::quality::{self, Integrity, NicSupplements, Nucp};
use super::{field, flag, put, put_flag};
use crate::altitude::{decode_ac12, encode_ac12, Altitude};
use crate::cpr::{CprParity, CprPosition};

/// Surveillance status of airborne positions (ME bits 6–7; DO-260B §2.2.3.2.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurveillanceStatus {
    /// 0: no condition information.
    NoCondition,
    /// 1: permanent alert (emergency condition).
    PermanentAlert,
    /// 2: temporary alert (Mode A code changed, other than to an emergency code).
    TemporaryAlert,
    /// 3: SPI (ident) condition; the alerts take precedence over it.
    Spi,
}

impl SurveillanceStatus {
    /// From the 2-bit code.
    pub const fn from_bits(bits: u8) -> SurveillanceStatus {
        match bits & 3 {
            0 => SurveillanceStatus::NoCondition,
            1 => SurveillanceStatus::PermanentAlert,
            2 => SurveillanceStatus::TemporaryAlert,
            _ => SurveillanceStatus::Spi,
        }
    }

    /// The 2-bit code.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

/// What the 12-bit altitude of an airborne position measures, by type code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AltitudeSource {
    /// TC 9–18: barometric pressure altitude.
    Barometric,
    /// TC 20–22: GNSS height above the WGS-84 ellipsoid (HAE).
    Gnss,
}

/// Ground speed on the surface, the 7-bit "movement" code (ME bits 6–12): a quantised,
/// nonlinear scale, finer at low speed (DO-260B §2.2.3.2.4.2).
///
/// | code    | ground speed                     | step     |
/// |---------|----------------------------------|----------|
/// | 0       | not available                    |          |
/// | 1       | stopped                          |          |
/// | 2–8     | 0.125 – 1 kt                     | 0.125 kt |
/// | 9–12    | 1 – 2 kt                         | 0.25 kt  |
/// | 13–38   | 2 – 15 kt                        | 0.5 kt   |
/// | 39–93   | 15 – 70 kt                       | 1 kt     |
/// | 94–108  | 70 – 100 kt                      | 2 kt     |
/// | 109–123 | 100 – 175 kt                     | 5 kt     |
/// | 124     | 175 kt or more                   |          |
/// | 125–127 | reserved (v2: decelerating, accelerating, backing up) | |
///
/// Version 2 (DO-260B) re-cut codes 2–8 only: code 2 is "more than 0, up to 0.125 kt" and
/// codes 3–8 divide 0.125–1 kt in six steps; [`Movement::ground_speed_bounds_kt`] applies
/// that, [`Movement::ground_speed_kt`] gives the lower bound of the version 0/1 scale (as
/// pyModeS and the upstream test expectations do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Movement(pub u8);

/// First code, lower bound (kt) and step (kt) of each linear stretch of the version 0/1 scale.
const MOVEMENT_STEPS: [(u8, f64, f64); 6] = [
    (2, 0.125, 0.125),
    (9, 1.0, 0.25),
    (13, 2.0, 0.5),
    (39, 15.0, 1.0),
    (94, 70.0, 2.0),
    (109, 100.0, 5.0),
];

impl Movement {
    /// Code 0: no information.
    pub const NOT_AVAILABLE: Movement = Movement(0);
    /// Code 1: the aircraft is stopped.
    pub const STOPPED: Movement = Movement(1);
    /// Code 124: 175 kt or more.
    pub const AT_LEAST_175_KT: Movement = Movement(124);

    /// The lower bound of the code's speed interval in knots: 0 when stopped, 175 for
    /// "175 kt or more", `None` when not available or reserved.
    pub fn ground_speed_kt(self) -> Option<f64> {
        match self.0 {
            1 => Some(0.0),
            2..=123 => {
                let &(first, low, step) = MOVEMENT_STEPS.iter().rev().find(|s| self.0 >= s.0)?;
                Some(low + f64::from(self.0 - first) * step)
            }
            124 => Some(175.0),
            _ => None,
        }
    }

    /// The code's speed interval (low, high) in knots for an ADS-B version; high is
    /// infinite for code 124. Version 2 changed codes 2–8 (see the type's table).
    pub fn ground_speed_bounds_kt(self, version: u8) -> Option<(f64, f64)> {
        if version >= 2 {
            match self.0 {
                2 => return Some((0.0, 0.125)),
                3..=8 => {
                    let step = 0.875 / 6.0;
                    let low = 0.125 + f64::from(self.0 - 3) * step;
                    return Some((low, low + step));
                }
                _ => {}
            }
        }
        match self.0 {
            1 => Some((0.0, 0.0)),
            2..=123 => {
                let low = self.ground_speed_kt()?;
                let high = Movement(self.0 + 1).ground_speed_kt()?;
                Some((low, high))
            }
            124 => Some((175.0, f64::INFINITY)),
            _ => None,
        }
    }

    /// True for code 1.
    pub fn is_stopped(self) -> bool {
        self.0 == 1
    }

    /// The code whose (version 0/1) interval holds `kt`: below 0.125 kt is "stopped",
    /// 175 kt and above is code 124, negative or NaN is "not available".
    pub fn from_kt(kt: f64) -> Movement {
        if kt.is_nan() || kt < 0.0 {
            return Movement::NOT_AVAILABLE;
        }
        if kt < 0.125 {
            return Movement::STOPPED;
        }
        if kt >= 175.0 {
            return Movement::AT_LEAST_175_KT;
        }
        // The last stretch that starts at or below `kt` (the first starts at 0.125 kt).
        let (first, low, step) = MOVEMENT_STEPS
            .iter()
            .rev()
            .copied()
            .find(|s| kt >= s.1)
            .unwrap_or(MOVEMENT_STEPS[0]);
        // The small epsilon keeps exact interval bounds (1.0 kt) in the upper code.
        let offset = ((kt - low) / step + 1e-9).floor().min(123.0) as u8;
        Movement((first + offset).min(123))
    }
}

/// TC 0: a position message without horizontal position; the barometric altitude may
/// still be present in bits 9–20 (DO-260B §2.2.3.2.3.1; Doc 9871 Table A-2-5 note).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NoPosition {
    /// ME bits 6–56, right-aligned, as sent.
    pub payload: u64,
}

impl NoPosition {
    pub(crate) fn parse(me: u64) -> NoPosition {
        NoPosition {
            payload: field(me, 6, 56),
        }
    }

    /// The 56-bit ME field (type code 0).
    pub fn emit(&self) -> u64 {
        put(self.payload, 6, 56)
    }

    /// A TC 0 message that carries only a barometric altitude.
    pub fn with_altitude(altitude: Altitude) -> NoPosition {
        NoPosition::parse(put(u64::from(encode_ac12(altitude)), 9, 20))
    }

    /// The 12-bit altitude code of bits 9–20.
    pub fn altitude_code(&self) -> u16 {
        field(self.emit(), 9, 20) as u16
    }

    /// The barometric altitude, if bits 9–20 carry one.
    pub fn altitude(&self) -> Altitude {
        decode_ac12(self.altitude_code())
    }

    /// The surveillance status of bits 6–7.
    pub fn surveillance_status(&self) -> SurveillanceStatus {
        SurveillanceStatus::from_bits(field(self.emit(), 6, 7) as u8)
    }
}

/// TC 5–8: surface position, ground speed and ground track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SurfacePosition {
    /// 5–8; says the position's integrity (NIC, or NUCp in version 0).
    pub type_code: u8,
    /// Ground speed code (ME bits 6–12).
    pub movement: Movement,
    /// Ground track status (ME bit 13): the track field is valid.
    pub track_valid: bool,
    /// Ground track (ME bits 14–20) in units of 360/128°, clockwise from true north.
    pub track_code: u8,
    /// Time flag T (ME bit 21): the time of applicability is synchronised to UTC.
    /// For DF18 fine TIS-B and ADS-R this bit is the IMF instead.
    pub utc_sync: bool,
    /// CPR parity (bit 22) and 17-bit latitude (23–39) and longitude (40–56), surface format.
    pub cpr: CprPosition,
}

impl SurfacePosition {
    pub(crate) fn parse(me: u64) -> SurfacePosition {
        SurfacePosition {
            type_code: field(me, 1, 5) as u8,
            movement: Movement(field(me, 6, 12) as u8),
            track_valid: flag(me, 13),
            track_code: field(me, 14, 20) as u8,
            utc_sync: flag(me, 21),
            cpr: parse_cpr(me),
        }
    }

    /// The 56-bit ME field. `type_code` must be 5–8.
    pub fn emit(&self) -> u64 {
        put(u64::from(self.type_code), 1, 5)
            | put(u64::from(self.movement.0), 6, 12)
            | put_flag(self.track_valid, 13)
            | put(u64::from(self.track_code), 14, 20)
            | put_flag(self.utc_sync, 21)
            | emit_cpr(self.cpr)
    }

    /// Ground speed in knots (lower bound of the movement code's interval).
    pub fn ground_speed_kt(&self) -> Option<f64> {
        self.movement.ground_speed_kt()
    }

    /// Ground track in degrees, 0–357.1875, when valid.
    pub fn track_deg(&self) -> Option<f64> {
        self.track_valid
            .then(|| f64::from(self.track_code & 0x7F) * 360.0 / 128.0)
    }

    /// The 7-bit code nearest to a track in degrees.
    pub fn track_code_for(deg: f64) -> u8 {
        angle_code(deg, 128) as u8
    }

    /// NIC and containment radius from the type code, the version and the supplements
    /// (A and C from the operational status).
    pub fn integrity(&self, version: u8, supplements: NicSupplements) -> Option<Integrity> {
        quality::position_integrity(self.type_code, version, supplements)
    }

    /// NUCp, for version 0 senders.
    pub fn nucp(&self) -> Option<Nucp> {
        Nucp::from_type_code(self.type_code)
    }
}

/// TC 9–18 and 20–22: airborne position with barometric altitude or GNSS height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AirbornePosition {
    /// 9–18 or 20–22; says the altitude source and the position's integrity.
    pub type_code: u8,
    /// ME bits 6–7.
    pub surveillance_status: SurveillanceStatus,
    /// ME bit 8: NIC supplement-B in version 2; the single antenna flag in versions 0 and 1
    /// (DO-260B §2.2.3.2.3.3); the IMF in DF18 fine TIS-B and ADS-R.
    pub nic_b: bool,
    /// ME bits 9–20: the 12-bit altitude code (Annex 10 AC13 without the M bit), used for
    /// the barometric altitude of TC 9–18 and the GNSS height of TC 20–22.
    pub altitude_code: u16,
    /// Time flag T (ME bit 21): the time of applicability is synchronised to UTC.
    pub utc_sync: bool,
    /// CPR parity (bit 22) and 17-bit latitude (23–39) and longitude (40–56).
    pub cpr: CprPosition,
}

impl AirbornePosition {
    pub(crate) fn parse(me: u64) -> AirbornePosition {
        AirbornePosition {
            type_code: field(me, 1, 5) as u8,
            surveillance_status: SurveillanceStatus::from_bits(field(me, 6, 7) as u8),
            nic_b: flag(me, 8),
            altitude_code: field(me, 9, 20) as u16,
            utc_sync: flag(me, 21),
            cpr: parse_cpr(me),
        }
    }

    /// The 56-bit ME field. `type_code` must be 9–18 or 20–22.
    pub fn emit(&self) -> u64 {
        put(u64::from(self.type_code), 1, 5)
            | put(u64::from(self.surveillance_status.bits()), 6, 7)
            | put_flag(self.nic_b, 8)
            | put(u64::from(self.altitude_code), 9, 20)
            | put_flag(self.utc_sync, 21)
            | emit_cpr(self.cpr)
    }

    /// Barometric for TC 9–18, GNSS height for TC 20–22.
    pub fn altitude_source(&self) -> AltitudeSource {
        if self.type_code >= 20 {
            AltitudeSource::Gnss
        } else {
            AltitudeSource::Barometric
        }
    }

    /// The decoded altitude code, whichever its source.
    ///
    /// The GNSS height of TC 20–22 uses the same code as the barometric altitude (25 ft
    /// steps with Q = 1): DO-260 defines both in one paragraph, and dump1090-fa, readsb and
    /// lib1090 read it so. pyModeS reads it as metres instead; we do not.
    pub fn altitude(&self) -> Altitude {
        decode_ac12(self.altitude_code)
    }

    /// Barometric altitude in feet (TC 9–18 only).
    pub fn baro_altitude_ft(&self) -> Option<i32> {
        match self.altitude_source() {
            AltitudeSource::Barometric => self.altitude().feet(),
            AltitudeSource::Gnss => None,
        }
    }

    /// GNSS height above the ellipsoid in feet (TC 20–22 only).
    pub fn gnss_height_ft(&self) -> Option<i32> {
        match self.altitude_source() {
            AltitudeSource::Gnss => self.altitude().feet(),
            AltitudeSource::Barometric => None,
        }
    }

    /// The 12-bit code for an altitude (metric altitudes cannot be sent and become 0).
    pub fn altitude_code_for(altitude: Altitude) -> u16 {
        encode_ac12(altitude)
    }

    /// NIC and containment radius from the type code, the version and the supplements: A
    /// from the operational status; B is this message's `nic_b` in version 2 (the value in
    /// `supplements.b` is ignored).
    pub fn integrity(&self, version: u8, supplements: NicSupplements) -> Option<Integrity> {
        let supplements = NicSupplements {
            b: self.nic_b,
            ..supplements
        };
        quality::position_integrity(self.type_code, version, supplements)
    }

    /// NUCp, for version 0 senders.
    pub fn nucp(&self) -> Option<Nucp> {
        Nucp::from_type_code(self.type_code)
    }
}

/// The code of an angle in `steps` per turn, rounded, wrapping at 360°; NaN gives 0.
pub(crate) fn angle_code(deg: f64, steps: u32) -> u32 {
    if !deg.is_finite() {
        return 0;
    }
    let turns = deg.rem_euclid(360.0) / 360.0;
    ((turns * f64::from(steps)).round() as u32) % steps
}

/// Bits 22–56 of both position layouts.
#[inline(always)]
fn parse_cpr(me: u64) -> CprPosition {
    CprPosition {
        parity: CprParity::from_bit(flag(me, 22)),
        lat_cpr: field(me, 23, 39) as u32,
        lon_cpr: field(me, 40, 56) as u32,
    }
}

#[inline(always)]
fn emit_cpr(cpr: CprPosition) -> u64 {
    put_flag(cpr.parity.is_odd(), 22)
        | put(u64::from(cpr.lat_cpr), 23, 39)
        | put(u64::from(cpr.lon_cpr), 40, 56)
}
