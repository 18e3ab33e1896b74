//! TC 19: airborne velocity, subtypes 1–4 (DO-260B §2.2.3.2.6; Doc 9871 Table A-2-9).

use super::position::angle_code;
use super::{field, flag, put, put_flag, AdsbError};

/// Where the vertical rate comes from (ME bit 36; Doc 9871 Table A-2-9a): 0 = GNSS
/// (geometric), 1 = barometric. (rs1090 0.7 reports this bit inverted.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerticalRateSource {
    /// Bit 36 = 0: geometric rate (readsb `geom_rate`).
    Gnss,
    /// Bit 36 = 1: barometric rate (readsb `baro_rate`).
    Barometric,
}

/// Vertical rate (ME bits 36–46).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerticalRate {
    /// Bit 36.
    pub source: VerticalRateSource,
    /// Bit 37: 1 = descending.
    pub down: bool,
    /// Bits 38–46: 0 = no information, otherwise 1 + |rate| / 64 ft/min (511 means more
    /// than 32,608 ft/min).
    pub code: u16,
}

impl VerticalRate {
    /// The rate in feet per minute, negative when descending.
    pub fn fpm(&self) -> Option<i32> {
        let magnitude = i32::from(self.code & 0x1FF).checked_sub(1)? * 64;
        Some(if self.down { -magnitude } else { magnitude })
    }

    /// Encodes a rate in feet per minute (`None` or NaN: no information), saturating.
    pub fn from_fpm(source: VerticalRateSource, fpm: Option<f64>) -> VerticalRate {
        match fpm.filter(|v| !v.is_nan()) {
            None => VerticalRate {
                source,
                down: false,
                code: 0,
            },
            Some(v) => VerticalRate {
                source,
                down: v < 0.0,
                code: magnitude_code(v.abs() / 64.0, 511),
            },
        }
    }
}

/// Difference between GNSS height and barometric altitude (ME bits 49–56).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeightDifference {
    /// Bit 49: 1 = the GNSS height is below the barometric altitude.
    pub below: bool,
    /// Bits 50–56: 0 = no information, otherwise 1 + |difference| / 25 ft (127 means more
    /// than 3,137.5 ft).
    pub code: u8,
}

impl HeightDifference {
    /// GNSS height minus barometric altitude, in feet.
    pub fn ft(&self) -> Option<i32> {
        let magnitude = i32::from(self.code & 0x7F).checked_sub(1)? * 25;
        Some(if self.below { -magnitude } else { magnitude })
    }

    /// Encodes a difference in feet (`None` or NaN: no information), saturating.
    pub fn from_ft(ft: Option<f64>) -> HeightDifference {
        match ft.filter(|v| !v.is_nan()) {
            None => HeightDifference {
                below: false,
                code: 0,
            },
            Some(v) => HeightDifference {
                below: v < 0.0,
                code: magnitude_code(v.abs() / 25.0, 127) as u8,
            },
        }
    }
}

/// Subtypes 1 and 2: velocity over ground as east-west and north-south components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroundVelocity {
    /// Subtype 2: the components count 4 kt steps instead of 1 kt.
    pub supersonic: bool,
    /// ME bit 14: 1 = flying west.
    pub west: bool,
    /// ME bits 15–24: 0 = no information, otherwise 1 + |east-west speed| in steps.
    pub east_west_code: u16,
    /// ME bit 25: 1 = flying south.
    pub south: bool,
    /// ME bits 26–35: 0 = no information, otherwise 1 + |north-south speed| in steps.
    pub north_south_code: u16,
}

impl GroundVelocity {
    fn step(&self) -> i32 {
        if self.supersonic {
            4
        } else {
            1
        }
    }

    /// Eastward component in knots (negative = westward).
    pub fn east_kt(&self) -> Option<i32> {
        let v = i32::from(self.east_west_code & 0x3FF).checked_sub(1)? * self.step();
        Some(if self.west { -v } else { v })
    }

    /// Northward component in knots (negative = southward).
    pub fn north_kt(&self) -> Option<i32> {
        let v = i32::from(self.north_south_code & 0x3FF).checked_sub(1)? * self.step();
        Some(if self.south { -v } else { v })
    }

    /// Ground speed in knots.
    pub fn ground_speed_kt(&self) -> Option<f64> {
        let (e, n) = (f64::from(self.east_kt()?), f64::from(self.north_kt()?));
        Some(e.hypot(n))
    }

    /// Track over ground in degrees, 0–360 clockwise from true north; `None` when the
    /// speed is zero or unknown.
    pub fn track_deg(&self) -> Option<f64> {
        let (e, n) = (self.east_kt()?, self.north_kt()?);
        if e == 0 && n == 0 {
            return None;
        }
        Some(f64::from(e).atan2(f64::from(n)).to_degrees().rem_euclid(360.0))
    }

    /// Encodes components in knots, choosing subtype 2 when a component exceeds the
    /// 1,022 kt subsonic range; NaN is "no information".
    pub fn from_components_kt(east_kt: f64, north_kt: f64) -> GroundVelocity {
        let supersonic = east_kt.abs() > 1022.5 || north_kt.abs() > 1022.5;
        let step = if supersonic { 4.0 } else { 1.0 };
        let code = |v: f64| {
            if v.is_nan() {
                0
            } else {
                magnitude_code(v.abs() / step, 1023)
            }
        };
        GroundVelocity {
            supersonic,
            west: east_kt < 0.0,
            east_west_code: code(east_kt),
            south: north_kt < 0.0,
            north_south_code: code(north_kt),
        }
    }
}

/// Subtypes 3 and 4: airspeed and heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AirVelocity {
    /// Subtype 4: the airspeed counts 4 kt steps instead of 1 kt.
    pub supersonic: bool,
    /// ME bit 14: the heading is available.
    pub heading_available: bool,
    /// ME bits 15–24: heading in units of 360/1024°, referenced to magnetic north unless
    /// the operational status says true north (HRD).
    pub heading_code: u16,
    /// ME bit 25: 0 = indicated airspeed, 1 = true airspeed.
    pub true_airspeed: bool,
    /// ME bits 26–35: 0 = no information, otherwise 1 + airspeed in steps.
    pub airspeed_code: u16,
}

impl AirVelocity {
    /// Heading in degrees, when available.
    pub fn heading_deg(&self) -> Option<f64> {
        self.heading_available
            .then(|| f64::from(self.heading_code & 0x3FF) * 360.0 / 1024.0)
    }

    /// Airspeed in knots, IAS or TAS as `true_airspeed` says.
    pub fn airspeed_kt(&self) -> Option<i32> {
        let step = if self.supersonic { 4 } else { 1 };
        Some((i32::from(self.airspeed_code & 0x3FF).checked_sub(1)?) * step)
    }

    /// Encodes heading and airspeed (`None`/NaN: not available), choosing subtype 4 above
    /// 1,022 kt.
    pub fn from_values(
        heading_deg: Option<f64>,
        airspeed_kt: Option<f64>,
        true_airspeed: bool,
    ) -> AirVelocity {
        let heading = heading_deg.filter(|h| h.is_finite());
        let speed = airspeed_kt.filter(|s| !s.is_nan());
        let supersonic = speed.is_some_and(|s| s.abs() > 1022.5);
        let step = if supersonic { 4.0 } else { 1.0 };
        AirVelocity {
            supersonic,
            heading_available: heading.is_some(),
            heading_code: heading.map_or(0, |h| angle_code(h, 1024) as u16),
            true_airspeed,
            airspeed_code: speed.map_or(0, |s| magnitude_code(s.abs() / step, 1023)),
        }
    }
}

/// ME bits 6–35 by subtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Velocity {
    /// Subtypes 1 (subsonic) and 2 (supersonic).
    Ground(GroundVelocity),
    /// Subtypes 3 (subsonic) and 4 (supersonic).
    Air(AirVelocity),
}

impl Velocity {
    /// The subtype, 1–4.
    pub fn subtype(&self) -> u8 {
        match self {
            Velocity::Ground(g) => 1 + u8::from(g.supersonic),
            Velocity::Air(a) => 3 + u8::from(a.supersonic),
        }
    }
}

/// TC 19: airborne velocity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AirborneVelocity {
    /// ME bit 9: intent change flag (a change in the target state within the last 4 s);
    /// the IMF in DF18 fine TIS-B and ADS-R.
    pub intent_change: bool,
    /// ME bit 10: IFR capability flag (version 1: capable of ADS-B applications needing
    /// class A1 or above); reserved in version 2.
    pub ifr_capability: bool,
    /// ME bits 11–13: NACv (versions 1–2), NUCr (version 0); the codes map one to one.
    pub nac_v: u8,
    /// Subtype and ME bits 14–35.
    pub velocity: Velocity,
    /// ME bits 36–46.
    pub vertical_rate: VerticalRate,
    /// ME bits 47–48, reserved.
    pub reserved: u8,
    /// ME bits 49–56.
    pub height_difference: HeightDifference,
}

impl AirborneVelocity {
    #[inline(always)]
    pub(crate) fn parse(me: u64) -> Result<AirborneVelocity, AdsbError> {
        let subtype = field(me, 6, 8) as u8;
        let velocity = match subtype {
            1 | 2 => Velocity::Ground(GroundVelocity {
                supersonic: subtype == 2,
                west: flag(me, 14),
                east_west_code: field(me, 15, 24) as u16,
                south: flag(me, 25),
                north_south_code: field(me, 26, 35) as u16,
            }),
            3 | 4 => Velocity::Air(AirVelocity {
                supersonic: subtype == 4,
                heading_available: flag(me, 14),
                heading_code: field(me, 15, 24) as u16,
                true_airspeed: flag(me, 25),
                airspeed_code: field(me, 26, 35) as u16,
            }),
            _ => {
                return Err(AdsbError::ReservedSubtype {
                    type_code: 19,
                    subtype,
                })
            }
        };
        Ok(AirborneVelocity {
            intent_change: flag(me, 9),
            ifr_capability: flag(me, 10),
            nac_v: field(me, 11, 13) as u8,
            velocity,
            vertical_rate: VerticalRate {
                source: if flag(me, 36) {
                    VerticalRateSource::Barometric
                } else {
                    VerticalRateSource::Gnss
                },
                down: flag(me, 37),
                code: field(me, 38, 46) as u16,
            },
            reserved: field(me, 47, 48) as u8,
            height_difference: HeightDifference {
                below: flag(me, 49),
                code: field(me, 50, 56) as u8,
            },
        })
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        let body = match self.velocity {
            Velocity::Ground(g) => {
                put_flag(g.west, 14)
                    | put(u64::from(g.east_west_code), 15, 24)
                    | put_flag(g.south, 25)
                    | put(u64::from(g.north_south_code), 26, 35)
            }
            Velocity::Air(a) => {
                put_flag(a.heading_available, 14)
                    | put(u64::from(a.heading_code), 15, 24)
                    | put_flag(a.true_airspeed, 25)
                    | put(u64::from(a.airspeed_code), 26, 35)
            }
        };
        put(19, 1, 5)
            | put(u64::from(self.velocity.subtype()), 6, 8)
            | put_flag(self.intent_change, 9)
            | put_flag(self.ifr_capability, 10)
            | put(u64::from(self.nac_v), 11, 13)
            | body
            | put_flag(self.vertical_rate.source == VerticalRateSource::Barometric, 36)
            | put_flag(self.vertical_rate.down, 37)
            | put(u64::from(self.vertical_rate.code), 38, 46)
            | put(u64::from(self.reserved), 47, 48)
            | put_flag(self.height_difference.below, 49)
            | put(u64::from(self.height_difference.code), 50, 56)
    }

    /// The subtype, 1–4.
    pub fn subtype(&self) -> u8 {
        self.velocity.subtype()
    }

    /// Ground speed in knots (subtypes 1–2).
    pub fn ground_speed_kt(&self) -> Option<f64> {
        match &self.velocity {
            Velocity::Ground(g) => g.ground_speed_kt(),
            Velocity::Air(_) => None,
        }
    }

    /// Track over ground in degrees (subtypes 1–2).
    pub fn track_deg(&self) -> Option<f64> {
        match &self.velocity {
            Velocity::Ground(g) => g.track_deg(),
            Velocity::Air(_) => None,
        }
    }

    /// Heading in degrees (subtypes 3–4).
    pub fn heading_deg(&self) -> Option<f64> {
        match &self.velocity {
            Velocity::Air(a) => a.heading_deg(),
            Velocity::Ground(_) => None,
        }
    }

    /// Indicated airspeed in knots (subtypes 3–4 with the IAS flag).
    pub fn ias_kt(&self) -> Option<i32> {
        match &self.velocity {
            Velocity::Air(a) if !a.true_airspeed => a.airspeed_kt(),
            _ => None,
        }
    }

    /// True airspeed in knots (subtypes 3–4 with the TAS flag).
    pub fn tas_kt(&self) -> Option<i32> {
        match &self.velocity {
            Velocity::Air(a) if a.true_airspeed => a.airspeed_kt(),
            _ => None,
        }
    }

    /// Vertical rate in feet per minute; see [`AirborneVelocity::vertical_rate_source`].
    pub fn vertical_rate_fpm(&self) -> Option<i32> {
        self.vertical_rate.fpm()
    }

    /// Whether the vertical rate is geometric or barometric.
    pub fn vertical_rate_source(&self) -> VerticalRateSource {
        self.vertical_rate.source
    }

    /// GNSS height minus barometric altitude, in feet.
    pub fn gnss_minus_baro_ft(&self) -> Option<i32> {
        self.height_difference.ft()
    }
}

/// 1 + the rounded magnitude, capped at `max` (the codes' "more than" value).
fn magnitude_code(steps: f64, max: u16) -> u16 {
    let n = steps.round() + 1.0;
    if n >= f64::from(max) {
        max
    } else {
        n as u16
    }
}
