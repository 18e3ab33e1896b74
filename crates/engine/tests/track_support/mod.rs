//! Frames for the tracker tests, built with `Message::encode`.
#![allow(dead_code)]

use picket_modes::adsb::{
    AirbornePosition, AirborneVelocity, AircraftStatus, Category, EmergencyState, EmergencyStatus,
    GroundVelocity, HeightDifference, Identification, Me, SurveillanceStatus, Velocity, VerticalRate,
    VerticalRateSource,
};
use picket_modes::cpr::{self, CprParity, CprPosition, LatLon};
use picket_modes::message::{FlightStatus, Message, ReplyHeader};
use picket_modes::{Altitude, Callsign, Frame, Icao, Squawk};

/// DF17 with an ME field.
pub(crate) fn adsb(address: Icao, me: Me) -> Frame {
    Message::ExtendedSquitter {
        capability: 5,
        address,
        me,
    }
    .encode(Icao(0))
}

/// The CPR counts of a position.
pub(crate) fn cpr_of(lat: f64, lon: f64, parity: CprParity) -> CprPosition {
    cpr::encode_airborne(LatLon { lat, lon }, parity)
}

/// DF17 airborne position (TC 11) with the given CPR counts and barometric altitude.
pub(crate) fn position_cpr(address: Icao, cpr: CprPosition, alt_ft: i32) -> Frame {
    adsb(
        address,
        Me::AirbornePosition(AirbornePosition {
            type_code: 11,
            surveillance_status: SurveillanceStatus::NoCondition,
            nic_b: false,
            altitude_code: AirbornePosition::altitude_code_for(Altitude::Feet25(alt_ft)),
            utc_sync: false,
            cpr,
        }),
    )
}

/// DF17 airborne position at (lat, lon).
pub(crate) fn position(address: Icao, lat: f64, lon: f64, alt_ft: i32, parity: CprParity) -> Frame {
    position_cpr(address, cpr_of(lat, lon, parity), alt_ft)
}

/// DF17 airborne velocity over ground.
pub(crate) fn velocity(address: Icao, east_kt: f64, north_kt: f64) -> Frame {
    adsb(
        address,
        Me::AirborneVelocity(AirborneVelocity {
            intent_change: false,
            ifr_capability: false,
            nac_v: 1,
            velocity: Velocity::Ground(GroundVelocity::from_components_kt(east_kt, north_kt)),
            vertical_rate: VerticalRate::from_fpm(VerticalRateSource::Barometric, Some(0.0)),
            reserved: 0,
            height_difference: HeightDifference::from_ft(None),
        }),
    )
}

/// DF17 identification.
pub(crate) fn identification(address: Icao, callsign: &str) -> Frame {
    let category = Category::from_type_code(4, 3).unwrap();
    adsb(
        address,
        Me::Identification(Identification::new(category, &Callsign::new(callsign))),
    )
}

/// DF17 emergency/priority status with a squawk.
pub(crate) fn status(address: Icao, emergency: EmergencyState, squawk: u16) -> Frame {
    adsb(
        address,
        Me::AircraftStatus(AircraftStatus::Emergency(EmergencyStatus::new(
            emergency,
            Squawk(squawk),
        ))),
    )
}

/// DF11 all-call reply (interrogator code 0).
pub(crate) fn all_call(address: Icao) -> Frame {
    Message::AllCall {
        capability: 5,
        address,
    }
    .encode(Icao(0))
}

fn header() -> ReplyHeader {
    ReplyHeader {
        fs: FlightStatus(0),
        dr: 0,
        um: 0,
    }
}

/// DF4 altitude reply from `address` (Gillham code, 100 ft steps).
pub(crate) fn altitude_reply(address: Icao, alt_ft: i32) -> Frame {
    Message::AltitudeReply {
        header: header(),
        altitude: Altitude::Feet100(alt_ft),
    }
    .encode(address)
}

/// DF5 identity reply from `address`.
pub(crate) fn identity_reply(address: Icao, squawk: u16) -> Frame {
    Message::IdentityReply {
        header: header(),
        squawk: Squawk(squawk),
    }
    .encode(address)
}

/// DF20 Comm-B altitude reply carrying `mb`.
pub(crate) fn commb_altitude(address: Icao, alt_ft: i32, mb: u64) -> Frame {
    Message::CommBAltitude {
        header: header(),
        altitude: Altitude::Feet25(alt_ft),
        mb,
    }
    .encode(address)
}

/// DF21 Comm-B identity reply carrying `mb`.
pub(crate) fn commb_identity(address: Icao, squawk: u16, mb: u64) -> Frame {
    Message::CommBIdentity {
        header: header(),
        squawk: Squawk(squawk),
        mb,
    }
    .encode(address)
}

/// A straight flight due east at 450 kt and FL350 from (52°N, 4°E): every 0.5 s a position
/// report of alternating parity, every second a velocity report. Returns (time, frame,
/// the true position at that time).
pub(crate) fn straight_flight(address: Icao, t0: f64, seconds: u32) -> Vec<(f64, Frame, (f64, f64))> {
    let mut out = Vec::new();
    for k in 0..seconds * 2 {
        let t = t0 + f64::from(k) * 0.5;
        let here = truth(t - t0);
        let parity = if k % 2 == 0 {
            CprParity::Even
        } else {
            CprParity::Odd
        };
        out.push((t, position(address, here.0, here.1, 35_000, parity), here));
        if k % 2 == 1 {
            out.push((t + 0.1, velocity(address, 450.0, 0.0), truth(t + 0.1 - t0)));
        }
    }
    out
}

/// Where the straight flight is `dt` seconds after its start.
pub(crate) fn truth(dt: f64) -> (f64, f64) {
    let metres = dt * 450.0 * 1852.0 / 3600.0;
    let lat: f64 = 52.0;
    (
        lat,
        4.0 + (metres / (6_371_008.8 * lat.to_radians().cos())).to_degrees(),
    )
}

/// Great-circle distance in metres.
pub(crate) fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    picket_world::geo::LatLon::new(a.0, a.1).distance_m(picket_world::geo::LatLon::new(b.0, b.1))
}
