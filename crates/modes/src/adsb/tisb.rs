//! DF18 CF 3: coarse TIS-B airborne position and velocity (DO-260B/ED-102A §2.2.17.3.5),
//! a layout without a type code.
//!
//! | ME bits | field                                   |
//! |---------|-----------------------------------------|
//! | 1       | IMF (1 = the AA field is not an ICAO address) |
//! | 2–3     | surveillance status                     |
//! | 4–7     | service volume ID (which TIS-B site)    |
//! | 8–19    | pressure altitude (12-bit code)         |
//! | 20      | ground track status                     |
//! | 21–25   | ground track, 360/32° units             |
//! | 26–31   | ground speed code                       |
//! | 32      | CPR format (F)                          |
//! | 33–44   | 12-bit CPR latitude                     |
//! | 45–56   | 12-bit CPR longitude                    |

use super::position::{angle_code, SurveillanceStatus};
use super::{field, flag, put, put_flag, AdsbError};
use crate::altitude::{decode_ac12, Altitude};
use crate::cpr::{CprParity, CprPosition};

/// A coarse TIS-B position report (DF18, CF 3); decode its `cpr` with
/// [`crate::cpr::decode_global_coarse`] or [`crate::cpr::decode_local_coarse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoarseTisbPosition {
    /// ME bit 1: the AA field holds a Mode A code and track number, not an ICAO address.
    pub imf: bool,
    /// ME bits 2–3.
    pub surveillance_status: SurveillanceStatus,
    /// ME bits 4–7: the TIS-B service volume (ground site) that sent it.
    pub service_volume_id: u8,
    /// ME bits 8–19: pressure altitude, 12-bit code as in airborne positions.
    pub altitude_code: u16,
    /// ME bit 20: the ground track is valid.
    pub track_valid: bool,
    /// ME bits 21–25: ground track in units of 360/32° (11.25°).
    pub track_code: u8,
    /// ME bits 26–31: 0 = no information, 1 = below 16 kt, n = 16 + 32·(n − 2) kt or more,
    /// 63 = 1,968 kt or more.
    pub ground_speed_code: u8,
    /// CPR format (bit 32) and 12-bit latitude (33–44) and longitude (45–56).
    pub cpr: CprPosition,
}

impl CoarseTisbPosition {
    /// Parses the ME field of a DF18 CF 3 squitter.
    pub fn parse(me: u64) -> Result<CoarseTisbPosition, AdsbError> {
        if me >> 56 != 0 {
            return Err(AdsbError::TooWide);
        }
        Ok(CoarseTisbPosition {
            imf: flag(me, 1),
            surveillance_status: SurveillanceStatus::from_bits(field(me, 2, 3) as u8),
            service_volume_id: field(me, 4, 7) as u8,
            altitude_code: field(me, 8, 19) as u16,
            track_valid: flag(me, 20),
            track_code: field(me, 21, 25) as u8,
            ground_speed_code: field(me, 26, 31) as u8,
            cpr: CprPosition {
                parity: CprParity::from_bit(flag(me, 32)),
                lat_cpr: field(me, 33, 44) as u32,
                lon_cpr: field(me, 45, 56) as u32,
            },
        })
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        put_flag(self.imf, 1)
            | put(u64::from(self.surveillance_status.bits()), 2, 3)
            | put(u64::from(self.service_volume_id), 4, 7)
            | put(u64::from(self.altitude_code), 8, 19)
            | put_flag(self.track_valid, 20)
            | put(u64::from(self.track_code), 21, 25)
            | put(u64::from(self.ground_speed_code), 26, 31)
            | put_flag(self.cpr.parity.is_odd(), 32)
            | put(u64::from(self.cpr.lat_cpr), 33, 44)
            | put(u64::from(self.cpr.lon_cpr), 45, 56)
    }

    /// The pressure altitude.
    pub fn altitude(&self) -> Altitude {
        decode_ac12(self.altitude_code)
    }

    /// Ground track in degrees, when valid.
    pub fn track_deg(&self) -> Option<f64> {
        self.track_valid
            .then(|| f64::from(self.track_code & 0x1F) * 11.25)
    }

    /// The 5-bit code nearest to a track in degrees.
    pub fn track_code_for(deg: f64) -> u8 {
        angle_code(deg, 32) as u8
    }

    /// Lower bound of the ground speed interval in knots.
    pub fn ground_speed_kt(&self) -> Option<f64> {
        match self.ground_speed_code & 0x3F {
            0 => None,
            1 => Some(0.0),
            n => Some(16.0 + 32.0 * f64::from(n - 2)),
        }
    }
}
