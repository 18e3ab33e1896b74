//! Writes examples/sample.beast, the demo recording of the README, with picket's own
//! encoder: three aircraft flying straight for two minutes, sending what real transponders
//! send (identification, airborne positions and velocities, acquisition squitters, and
//! replies to interrogations with Comm-B registers 2,0 and 6,0).
//!
//! Regenerate with: `cargo run -p picket --example make_sample -- examples/sample.beast`

use picket_modes::adsb::{
    AirbornePosition, AirborneVelocity, Category, GroundVelocity, HeightDifference, Identification, Me,
    SurveillanceStatus, Velocity, VerticalRate, VerticalRateSource,
};
use picket_modes::commb::{AircraftIdentification, HeadingAndSpeed};
use picket_modes::cpr::{encode_airborne, CprParity, LatLon};
use picket_modes::message::{FlightStatus, ReplyHeader};
use picket_modes::{Altitude, Callsign, Icao, Message, Squawk};
use picket_receive::beast::write_message;

struct Plane {
    address: Icao,
    callsign: &'static str,
    squawk: u16,
    lat: f64,
    lon: f64,
    alt_ft: i32,
    gs_kt: f64,
    track_deg: f64,
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/sample.beast".into());
    let planes = [
        // Illustrative addresses: a Russian-block transport, a US-military tanker, an airliner.
        Plane {
            address: Icao(0x1514c0),
            callsign: "RFF7076",
            squawk: 0o2000,
            lat: 12.2,
            lon: -66.4,
            alt_ft: 33000,
            gs_kt: 470.0,
            track_deg: 160.0,
        },
        Plane {
            address: Icao(0xae1f40),
            callsign: "RCH211",
            squawk: 0o4521,
            lat: 11.6,
            lon: -67.3,
            alt_ft: 28000,
            gs_kt: 430.0,
            track_deg: 75.0,
        },
        Plane {
            address: Icao(0x0ac51b),
            callsign: "AVA019",
            squawk: 0o1145,
            lat: 11.1,
            lon: -66.0,
            alt_ft: 37000,
            gs_kt: 455.0,
            track_deg: 290.0,
        },
    ];
    let mut bytes = Vec::new();
    // A fixed, simple interleave: every 100 ms each aircraft may send something.
    for step in 0..1200u64 {
        let t = step as f64 * 0.1;
        for (i, p) in planes.iter().enumerate() {
            let dist_nm = p.gs_kt * t / 3600.0;
            let (s, c) = p.track_deg.to_radians().sin_cos();
            let lat = p.lat + dist_nm * c / 60.0;
            let lon = p.lon + dist_nm * s / (60.0 * lat.to_radians().cos());
            // The counter starts at 1 s: a zero counter means "no timestamp" in Beast.
            let ticks = ((1.0 + t + i as f64 * 0.013) * 12e6) as u64;
            let phase = (step + i as u64 * 3) % 50;
            let me = match phase {
                0 | 25 => Some(Me::Identification(Identification::new(
                    Category::from_type_code(4, 5).unwrap(),
                    &Callsign::new(p.callsign),
                ))),
                p5 if p5 % 5 == 1 => {
                    let parity = if (p5 / 5) % 2 == 0 {
                        CprParity::Even
                    } else {
                        CprParity::Odd
                    };
                    Some(Me::AirbornePosition(AirbornePosition {
                        type_code: 11,
                        surveillance_status: SurveillanceStatus::NoCondition,
                        nic_b: false,
                        altitude_code: AirbornePosition::altitude_code_for(Altitude::Feet25(p.alt_ft)),
                        utc_sync: false,
                        cpr: encode_airborne(LatLon { lat, lon }, parity),
                    }))
                }
                p5 if p5 % 5 == 3 => Some(Me::AirborneVelocity(AirborneVelocity {
                    intent_change: false,
                    ifr_capability: true,
                    nac_v: 1,
                    velocity: Velocity::Ground(GroundVelocity::from_components_kt(p.gs_kt * s, p.gs_kt * c)),
                    vertical_rate: VerticalRate::from_fpm(VerticalRateSource::Barometric, Some(0.0)),
                    reserved: 0,
                    height_difference: HeightDifference::from_ft(Some(-150.0)),
                })),
                _ => None,
            };
            let header = ReplyHeader {
                fs: FlightStatus(0),
                dr: 0,
                um: 0,
            };
            let message = match (me, phase) {
                (Some(me), _) => Message::ExtendedSquitter {
                    capability: 5,
                    address: p.address,
                    me,
                },
                (None, 12) => Message::AllCall {
                    capability: 5,
                    address: p.address,
                },
                (None, 17) => Message::AltitudeReply {
                    header,
                    altitude: Altitude::Feet25(p.alt_ft),
                },
                (None, 22) => Message::IdentityReply {
                    header,
                    squawk: Squawk(p.squawk),
                },
                (None, 32) => Message::CommBAltitude {
                    header,
                    altitude: Altitude::Feet25(p.alt_ft),
                    mb: picket_modes::commb::Register::AircraftIdentification(AircraftIdentification {
                        callsign: Callsign::new(p.callsign),
                    })
                    .emit(),
                },
                (None, 42) => {
                    let hs = HeadingAndSpeed {
                        heading_deg: Some(p.track_deg - 3.0),
                        ias_kt: Some(280),
                        mach: Some(0.78),
                        baro_rate_fpm: Some(0),
                        inertial_rate_fpm: Some(0),
                    };
                    Message::CommBIdentity {
                        header,
                        squawk: Squawk(p.squawk),
                        mb: hs.emit(),
                    }
                }
                _ => continue,
            };
            let frame = message.encode(p.address);
            let kind = if frame.is_long() { b'3' } else { b'2' };
            write_message(&mut bytes, kind, ticks, 120 + i as u8 * 20, frame.as_bytes());
        }
    }
    std::fs::write(&out, &bytes).unwrap_or_else(|e| panic!("cannot write {out}: {e}"));
    eprintln!("wrote {} bytes to {out}", bytes.len());
}
