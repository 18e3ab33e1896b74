//! Frames for the tracker tests, built with `Message::encode`, and the engine tests' test
//! box with traffic flying into it.
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

/// Centre of the test zone `box`, a 20 km circle over the Norwegian Sea.
pub(crate) const BOX_CENTRE: picket_world::geo::LatLon = picket_world::geo::LatLon { lat: 66.0, lon: 2.0 };

/// The built-in zones and the test box.
pub(crate) fn zones_with_box() -> Vec<picket_world::zones::Zone> {
    let mut z = picket_world::zones::builtin_zones().to_vec();
    z.push(picket_world::zones::Zone::circle(
        "box", "Test box", BOX_CENTRE, 20_000.0,
    ));
    z
}

/// An item of receiver 0 with no clock.
pub(crate) fn received(time: f64, what: picket_receive::What) -> picket_receive::Received {
    picket_receive::Received {
        time_utc: time,
        clock: picket_receive::Clock::None,
        signal: None,
        receiver: 0,
        what,
    }
}

/// Observations of an aircraft flying at 450 kt from 40 km out on `bearing` from the box's
/// centre towards it, one a second for `seconds`, starting at `t`. It enters the box (1 NM
/// past its edge) about 95 s after the start.
pub(crate) fn inbound(
    hex: u32,
    callsign: &str,
    t: f64,
    bearing: f64,
    seconds: u32,
) -> Vec<(f64, picket_receive::Observation)> {
    let start = BOX_CENTRE.destination(bearing, 40_000.0);
    let track = (bearing + 180.0) % 360.0;
    (0..seconds)
        .map(|k| {
            let p = start.destination(track, 231.5 * f64::from(k));
            let o = picket_receive::Observation {
                flight: Some(callsign.into()),
                alt_baro: Some(30_000),
                gs: Some(450.0),
                track: Some(track as f32),
                lat: Some(p.lat),
                lon: Some(p.lon),
                ..picket_receive::Observation::new(Icao(hex), picket_receive::ObservationSource::JsonState)
            };
            (t + f64::from(k), o)
        })
        .collect()
}
