//! TC 29: target state and status (register 6,2). The 2-bit subtype (ME bits 6–7) names
//! the layout: 0 is version 1 (DO-260A §2.2.3.2.7.1; Doc 9871 Table B-2-98), 1 is
//! version 2 (DO-260B §2.2.3.2.7.1; Doc 9871 Appendix C, register 6,2).

use super::status::EmergencyState;
use super::{field, flag, put, put_flag, AdsbError};

/// Where a version 1 target altitude or heading comes from (2 bits; "data available /
/// source indicator").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetDataSource {
    /// 0: no valid target.
    NotAvailable,
    /// 1: the autopilot control panel (MCP/FCU).
    ControlPanel,
    /// 2: holding the current altitude, or the current heading/track.
    Holding,
    /// 3: the FMS / RNAV system.
    Fms,
}

impl TargetDataSource {
    /// From the 2-bit code.
    pub const fn from_bits(bits: u8) -> TargetDataSource {
        match bits & 3 {
            0 => TargetDataSource::NotAvailable,
            1 => TargetDataSource::ControlPanel,
            2 => TargetDataSource::Holding,
            _ => TargetDataSource::Fms,
        }
    }

    /// The 2-bit code.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

/// A version 1 vertical or horizontal mode indicator (2 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetMode {
    /// 0: unknown mode or information unavailable.
    Unknown,
    /// 1: acquiring the target.
    Acquiring,
    /// 2: capturing or maintaining the target.
    CapturingOrMaintaining,
    /// 3: reserved.
    Reserved,
}

impl TargetMode {
    /// From the 2-bit code.
    pub const fn from_bits(bits: u8) -> TargetMode {
        match bits & 3 {
            0 => TargetMode::Unknown,
            1 => TargetMode::Acquiring,
            2 => TargetMode::CapturingOrMaintaining,
            _ => TargetMode::Reserved,
        }
    }

    /// The 2-bit code.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

/// TC 29 subtype 0: the version 1 (DO-260A) layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TargetStateV1 {
    /// ME bits 8–9.
    pub vertical_source: TargetDataSource,
    /// ME bit 10: 0 = the target altitude is a flight level (pressure), 1 = above MSL.
    pub altitude_msl: bool,
    /// ME bit 11: backward compatibility flag, 0 in this layout.
    pub backward_compatibility: bool,
    /// ME bits 12–13: target altitude capability (0 holding altitude only, 1 also the
    /// control panel, 2 also FMS/RNAV, 3 reserved).
    pub altitude_capability: u8,
    /// ME bits 14–15.
    pub vertical_mode: TargetMode,
    /// ME bits 16–25: target altitude code, −1,000 ft + 100 ft × code (valid to 1010).
    pub altitude_code: u16,
    /// ME bits 26–27.
    pub horizontal_source: TargetDataSource,
    /// ME bits 28–36: target heading or track angle in whole degrees, 0–359.
    pub heading_deg: u16,
    /// ME bit 37: 0 = target heading, 1 = target track angle.
    pub is_track: bool,
    /// ME bits 38–39.
    pub horizontal_mode: TargetMode,
    /// ME bits 40–43.
    pub nac_p: u8,
    /// ME bit 44: the barometric altitude is cross-checked.
    pub nic_baro: bool,
    /// ME bits 45–46.
    pub sil: u8,
    /// ME bits 47–51, reserved (bit 51 is the IMF in DF18 fine TIS-B and ADS-R).
    pub reserved: u8,
    /// ME bits 52–53: capability/mode codes (DO-260A: ACAS operational or unknown, ACAS RA
    /// active), kept raw.
    pub capability_modes: u8,
    /// ME bits 54–56.
    pub emergency: EmergencyState,
}

impl TargetStateV1 {
    /// Target altitude in feet, when a source is given and the code is in range.
    pub fn target_altitude_ft(&self) -> Option<i32> {
        let valid = self.vertical_source != TargetDataSource::NotAvailable && self.altitude_code <= 1010;
        valid.then(|| -1000 + 100 * i32::from(self.altitude_code))
    }

    /// Target heading or track in degrees, when a source is given.
    pub fn target_heading_deg(&self) -> Option<u16> {
        (self.horizontal_source != TargetDataSource::NotAvailable && self.heading_deg < 360)
            .then_some(self.heading_deg)
    }
}

/// Where a version 2 selected altitude comes from (ME bit 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectedAltitudeSource {
    /// 0: the autopilot control panel (MCP/FCU): readsb `nav_altitude_mcp`.
    ControlPanel,
    /// 1: the flight management system: readsb `nav_altitude_fms`.
    Fms,
}

/// TC 29 subtype 1: the version 2 (DO-260B) layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TargetStateV2 {
    /// ME bit 8: SIL supplement (0 = probability per flight hour, 1 = per sample).
    pub sil_supplement: bool,
    /// ME bit 9.
    pub altitude_source: SelectedAltitudeSource,
    /// ME bits 10–20: 0 = no data, otherwise 1 + selected altitude / 32 ft.
    pub selected_altitude_code: u16,
    /// ME bits 21–29: 0 = no data, otherwise 1 + (QNH − 800 hPa) / 0.8 hPa.
    pub baro_setting_code: u16,
    /// ME bit 30: the selected heading is valid.
    pub heading_available: bool,
    /// ME bits 31–39: selected heading, sign and 8 bits, in units of 180/256°; read as
    /// unsigned it is 0–360°.
    pub heading_code: u16,
    /// ME bits 40–43.
    pub nac_p: u8,
    /// ME bit 44: the barometric altitude is cross-checked.
    pub nic_baro: bool,
    /// ME bits 45–46.
    pub sil: u8,
    /// ME bit 47: the mode bits 48–50, 52 and 54 are valid.
    pub modes_valid: bool,
    /// ME bit 48.
    pub autopilot: bool,
    /// ME bit 49.
    pub vnav: bool,
    /// ME bit 50.
    pub altitude_hold: bool,
    /// ME bit 51: reserved for the ADS-R flag (the IMF in DF18 fine TIS-B and ADS-R).
    pub adsr_flag: bool,
    /// ME bit 52.
    pub approach: bool,
    /// ME bit 53: TCAS/ACAS operational (not covered by `modes_valid`).
    pub acas_operational: bool,
    /// ME bit 54.
    pub lnav: bool,
    /// ME bits 55–56, reserved.
    pub reserved: u8,
}

impl TargetStateV2 {
    /// Selected altitude in feet (32 ft steps).
    pub fn selected_altitude_ft(&self) -> Option<i32> {
        let code = i32::from(self.selected_altitude_code & 0x7FF);
        (code != 0).then(|| (code - 1) * 32)
    }

    /// Barometric pressure setting (QNH) in hectopascals.
    pub fn baro_setting_hpa(&self) -> Option<f64> {
        let code = self.baro_setting_code & 0x1FF;
        (code != 0).then(|| 800.0 + f64::from(code - 1) * 0.8)
    }

    /// Selected heading in degrees, 0–360.
    pub fn selected_heading_deg(&self) -> Option<f64> {
        self.heading_available
            .then(|| f64::from(self.heading_code & 0x1FF) * 180.0 / 256.0)
    }

    fn mode(&self, on: bool) -> Option<bool> {
        self.modes_valid.then_some(on)
    }

    /// Autopilot engaged, when the mode bits are valid.
    pub fn autopilot_engaged(&self) -> Option<bool> {
        self.mode(self.autopilot)
    }

    /// VNAV mode engaged, when the mode bits are valid.
    pub fn vnav_engaged(&self) -> Option<bool> {
        self.mode(self.vnav)
    }

    /// Altitude hold mode, when the mode bits are valid.
    pub fn altitude_hold_engaged(&self) -> Option<bool> {
        self.mode(self.altitude_hold)
    }

    /// Approach mode, when the mode bits are valid.
    pub fn approach_engaged(&self) -> Option<bool> {
        self.mode(self.approach)
    }

    /// LNAV mode engaged, when the mode bits are valid.
    pub fn lnav_engaged(&self) -> Option<bool> {
        self.mode(self.lnav)
    }

    /// The 11-bit code nearest to an altitude in feet (0 ft and below encode as 0 ft; NaN
    /// gives "no data").
    pub fn selected_altitude_code_for(ft: f64) -> u16 {
        if ft.is_nan() {
            return 0;
        }
        ((ft.max(0.0) / 32.0).round() + 1.0).min(2047.0) as u16
    }

    /// The 9-bit code nearest to a pressure setting (NaN gives "no data").
    pub fn baro_setting_code_for(hpa: f64) -> u16 {
        if hpa.is_nan() {
            return 0;
        }
        (((hpa - 800.0).max(0.0) / 0.8).round() + 1.0).min(511.0) as u16
    }

    /// The 9-bit code nearest to a heading in degrees.
    pub fn heading_code_for(deg: f64) -> u16 {
        super::position::angle_code(deg, 512) as u16
    }
}

/// TC 29: target state and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetState {
    /// Subtype 0: version 1 layout.
    V1(TargetStateV1),
    /// Subtype 1: version 2 layout.
    V2(TargetStateV2),
}

impl TargetState {
    #[inline(always)]
    pub(crate) fn parse(me: u64) -> Result<TargetState, AdsbError> {
        match field(me, 6, 7) as u8 {
            0 => Ok(TargetState::V1(TargetStateV1 {
                vertical_source: TargetDataSource::from_bits(field(me, 8, 9) as u8),
                altitude_msl: flag(me, 10),
                backward_compatibility: flag(me, 11),
                altitude_capability: field(me, 12, 13) as u8,
                vertical_mode: TargetMode::from_bits(field(me, 14, 15) as u8),
                altitude_code: field(me, 16, 25) as u16,
                horizontal_source: TargetDataSource::from_bits(field(me, 26, 27) as u8),
                heading_deg: field(me, 28, 36) as u16,
                is_track: flag(me, 37),
                horizontal_mode: TargetMode::from_bits(field(me, 38, 39) as u8),
                nac_p: field(me, 40, 43) as u8,
                nic_baro: flag(me, 44),
                sil: field(me, 45, 46) as u8,
                reserved: field(me, 47, 51) as u8,
                capability_modes: field(me, 52, 53) as u8,
                emergency: EmergencyState::from_bits(field(me, 54, 56) as u8),
            })),
            1 => Ok(TargetState::V2(TargetStateV2 {
                sil_supplement: flag(me, 8),
                altitude_source: if flag(me, 9) {
                    SelectedAltitudeSource::Fms
                } else {
                    SelectedAltitudeSource::ControlPanel
                },
                selected_altitude_code: field(me, 10, 20) as u16,
                baro_setting_code: field(me, 21, 29) as u16,
                heading_available: flag(me, 30),
                heading_code: field(me, 31, 39) as u16,
                nac_p: field(me, 40, 43) as u8,
                nic_baro: flag(me, 44),
                sil: field(me, 45, 46) as u8,
                modes_valid: flag(me, 47),
                autopilot: flag(me, 48),
                vnav: flag(me, 49),
                altitude_hold: flag(me, 50),
                adsr_flag: flag(me, 51),
                approach: flag(me, 52),
                acas_operational: flag(me, 53),
                lnav: flag(me, 54),
                reserved: field(me, 55, 56) as u8,
            })),
            subtype => Err(AdsbError::ReservedSubtype {
                type_code: 29,
                subtype,
            }),
        }
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        put(29, 1, 5)
            | match self {
                TargetState::V1(t) => {
                    put(0, 6, 7)
                        | put(u64::from(t.vertical_source.bits()), 8, 9)
                        | put_flag(t.altitude_msl, 10)
                        | put_flag(t.backward_compatibility, 11)
                        | put(u64::from(t.altitude_capability), 12, 13)
                        | put(u64::from(t.vertical_mode.bits()), 14, 15)
                        | put(u64::from(t.altitude_code), 16, 25)
                        | put(u64::from(t.horizontal_source.bits()), 26, 27)
                        | put(u64::from(t.heading_deg), 28, 36)
                        | put_flag(t.is_track, 37)
                        | put(u64::from(t.horizontal_mode.bits()), 38, 39)
                        | put(u64::from(t.nac_p), 40, 43)
                        | put_flag(t.nic_baro, 44)
                        | put(u64::from(t.sil), 45, 46)
                        | put(u64::from(t.reserved), 47, 51)
                        | put(u64::from(t.capability_modes), 52, 53)
                        | put(u64::from(t.emergency.bits()), 54, 56)
                }
                TargetState::V2(t) => {
                    put(1, 6, 7)
                        | put_flag(t.sil_supplement, 8)
                        | put_flag(t.altitude_source == SelectedAltitudeSource::Fms, 9)
                        | put(u64::from(t.selected_altitude_code), 10, 20)
                        | put(u64::from(t.baro_setting_code), 21, 29)
                        | put_flag(t.heading_available, 30)
                        | put(u64::from(t.heading_code), 31, 39)
                        | put(u64::from(t.nac_p), 40, 43)
                        | put_flag(t.nic_baro, 44)
                        | put(u64::from(t.sil), 45, 46)
                        | put_flag(t.modes_valid, 47)
                        | put_flag(t.autopilot, 48)
                        | put_flag(t.vnav, 49)
                        | put_flag(t.altitude_hold, 50)
                        | put_flag(t.adsr_flag, 51)
                        | put_flag(t.approach, 52)
                        | put_flag(t.acas_operational, 53)
                        | put_flag(t.lnav, 54)
                        | put(u64::from(t.reserved), 55, 56)
                }
            }
    }

    /// NACp, in either layout.
    pub fn nac_p(&self) -> u8 {
        match self {
            TargetState::V1(t) => t.nac_p,
            TargetState::V2(t) => t.nac_p,
        }
    }

    /// SIL, in either layout.
    pub fn sil(&self) -> u8 {
        match self {
            TargetState::V1(t) => t.sil,
            TargetState::V2(t) => t.sil,
        }
    }

    /// NICbaro, in either layout.
    pub fn nic_baro(&self) -> bool {
        match self {
            TargetState::V1(t) => t.nic_baro,
            TargetState::V2(t) => t.nic_baro,
        }
    }
}
