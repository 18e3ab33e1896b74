//! TC 28: extended squitter aircraft status (register 6,1; DO-260B §2.2.3.2.7.8, Doc 9871
//! Table A-2-97): subtype 1 emergency/priority status with the Mode A code, subtype 2 ACAS
//! resolution advisory broadcast.

use super::{field, put, AdsbError};
use crate::acas::ResolutionAdvisory;
use crate::identity::Squawk;

/// Emergency/priority status (3 bits; TC 28/1 bits 9–11 and TC 29 version 1 bits 54–56).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmergencyState {
    /// 0: no emergency.
    None,
    /// 1: general emergency (squawk 7700).
    General,
    /// 2: lifeguard / medical emergency.
    Lifeguard,
    /// 3: minimum fuel.
    MinimumFuel,
    /// 4: no communications (squawk 7600).
    NoCommunications,
    /// 5: unlawful interference (squawk 7500).
    UnlawfulInterference,
    /// 6: downed aircraft.
    DownedAircraft,
    /// 7: reserved.
    Reserved,
}

impl EmergencyState {
    /// From the 3-bit code.
    pub const fn from_bits(bits: u8) -> EmergencyState {
        match bits & 7 {
            0 => EmergencyState::None,
            1 => EmergencyState::General,
            2 => EmergencyState::Lifeguard,
            3 => EmergencyState::MinimumFuel,
            4 => EmergencyState::NoCommunications,
            5 => EmergencyState::UnlawfulInterference,
            6 => EmergencyState::DownedAircraft,
            _ => EmergencyState::Reserved,
        }
    }

    /// The 3-bit code.
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// readsb's `emergency` vocabulary: none, general, lifeguard, minfuel, nordo,
    /// unlawful, downed, reserved.
    pub const fn name(self) -> &'static str {
        match self {
            EmergencyState::None => "none",
            EmergencyState::General => "general",
            EmergencyState::Lifeguard => "lifeguard",
            EmergencyState::MinimumFuel => "minfuel",
            EmergencyState::NoCommunications => "nordo",
            EmergencyState::UnlawfulInterference => "unlawful",
            EmergencyState::DownedAircraft => "downed",
            EmergencyState::Reserved => "reserved",
        }
    }
}

/// TC 28 subtype 1: emergency/priority status and Mode A code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EmergencyStatus {
    /// ME bits 9–11.
    pub emergency: EmergencyState,
    /// ME bits 12–24: the Mode A code in the 13-bit ID layout (X bit included, as sent).
    pub mode_a_code: u16,
    /// ME bits 25–56, reserved (bit 56 is the IMF in DF18 fine TIS-B and ADS-R).
    pub reserved: u32,
}

impl EmergencyStatus {
    /// A status with a squawk and the reserved bits clear.
    pub fn new(emergency: EmergencyState, squawk: Squawk) -> EmergencyStatus {
        EmergencyStatus {
            emergency,
            mode_a_code: squawk.to_id13(),
            reserved: 0,
        }
    }

    /// The Mode A code (4 octal digits).
    pub fn squawk(&self) -> Squawk {
        Squawk::from_id13(self.mode_a_code)
    }
}

/// TC 28 subtype 2: an ACAS resolution advisory, in the layout of register 3,0 bits 9–56.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcasRaBroadcast {
    /// ME bits 9–56.
    pub ra: ResolutionAdvisory,
}

/// TC 28: aircraft status, by subtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AircraftStatus {
    /// Subtype 1.
    Emergency(EmergencyStatus),
    /// Subtype 2.
    AcasRa(AcasRaBroadcast),
}

impl AircraftStatus {
    pub(crate) fn parse(me: u64) -> Result<AircraftStatus, AdsbError> {
        match field(me, 6, 8) as u8 {
            1 => Ok(AircraftStatus::Emergency(EmergencyStatus {
                emergency: EmergencyState::from_bits(field(me, 9, 11) as u8),
                mode_a_code: field(me, 12, 24) as u16,
                reserved: field(me, 25, 56) as u32,
            })),
            2 => Ok(AircraftStatus::AcasRa(AcasRaBroadcast {
                ra: ResolutionAdvisory::parse(field(me, 9, 56)),
            })),
            subtype => Err(AdsbError::ReservedSubtype {
                type_code: 28,
                subtype,
            }),
        }
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        put(28, 1, 5)
            | match self {
                AircraftStatus::Emergency(e) => {
                    put(1, 6, 8)
                        | put(u64::from(e.emergency.bits()), 9, 11)
                        | put(u64::from(e.mode_a_code), 12, 24)
                        | put(u64::from(e.reserved), 25, 56)
                }
                AircraftStatus::AcasRa(r) => put(2, 6, 8) | put(r.ra.emit(), 9, 56),
            }
    }

    /// The subtype, 1 or 2.
    pub fn subtype(&self) -> u8 {
        match self {
            AircraftStatus::Emergency(_) => 1,
            AircraftStatus::AcasRa(_) => 2,
        }
    }
}
