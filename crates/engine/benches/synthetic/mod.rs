//! The synthetic aircraft of the `track` and `detect` benchmarks: straight, level flights
//! whose frames are built with `Message::encode`.

use picket_modes::adsb::{
    AirbornePosition, AirborneVelocity, Category, GroundVelocity, HeightDifference, Identification, Me,
    SurveillanceStatus, Velocity, VerticalRate, VerticalRateSource,
};
use picket_modes::cpr::{self, CprParity, LatLon};
use picket_modes::message::{FlightStatus, Message, ReplyHeader};
use picket_modes::{Altitude, Callsign, Frame, Icao, Squawk};

/// A small deterministic generator (xorshift64*).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One straight, level flight.
pub(crate) struct Flight {
    /// Its number (callsign `TSTnnnn`, squawk 1000 + n).
    pub(crate) n: usize,
    pub(crate) address: Icao,
    /// Latitude and longitude at the start, degrees.
    pub(crate) start: (f64, f64),
    /// Radians from north.
    pub(crate) heading: f64,
    pub(crate) gs_kt: f64,
    pub(crate) alt_ft: i32,
    /// Seconds after `t0` of its first frame.
    pub(crate) phase: f64,
}

/// Hands every frame of `f` over `seconds` from `t0` to `push(time, frame)`: airborne
/// positions 2/s, velocities and altitude replies 1/s, identification and identity replies
/// every 5 s, and with `all_call` a DF11 beside them.
pub(crate) fn flight_frames(
    f: &Flight,
    t0: f64,
    seconds: u32,
    all_call: bool,
    mut push: impl FnMut(f64, Frame),
) {
    let header = ReplyHeader {
        fs: FlightStatus(0),
        dr: 0,
        um: 0,
    };
    let address = f.address;
    let squitter = |me| {
        Message::ExtendedSquitter {
            capability: 5,
            address,
            me,
        }
        .encode(Icao(0))
    };
    let (east, north) = (f.gs_kt * f.heading.sin(), f.gs_kt * f.heading.cos());
    let callsign = Callsign::new(&format!("TST{:04}", f.n));
    for k in 0..seconds * 2 {
        let t = t0 + f.phase + f64::from(k) * 0.5;
        let dt_h = f64::from(k) * 0.5 / 3600.0;
        let lat = f.start.0 + north * dt_h / 60.0;
        let lon = f.start.1 + east * dt_h / 60.0 / lat.to_radians().cos();
        let parity = if k % 2 == 0 {
            CprParity::Even
        } else {
            CprParity::Odd
        };
        let me = Me::AirbornePosition(AirbornePosition {
            type_code: 11,
            surveillance_status: SurveillanceStatus::NoCondition,
            nic_b: false,
            altitude_code: AirbornePosition::altitude_code_for(Altitude::Feet25(f.alt_ft)),
            utc_sync: false,
            cpr: cpr::encode_airborne(LatLon { lat, lon }, parity),
        });
        push(t, squitter(me));
        if k % 2 == 1 {
            let v = Me::AirborneVelocity(AirborneVelocity {
                intent_change: false,
                ifr_capability: false,
                nac_v: 1,
                velocity: Velocity::Ground(GroundVelocity::from_components_kt(east, north)),
                vertical_rate: VerticalRate::from_fpm(VerticalRateSource::Barometric, Some(0.0)),
                reserved: 0,
                height_difference: HeightDifference::from_ft(None),
            });
            push(t + 0.05, squitter(v));
            let reply = Message::AltitudeReply {
                header,
                altitude: Altitude::Feet25(f.alt_ft),
            };
            push(t + 0.1, reply.encode(address));
        }
        if k % 10 == 3 {
            let id = Identification::new(Category::from_type_code(4, 3).unwrap(), &callsign);
            push(t + 0.2, squitter(Me::Identification(id)));
            let reply = Message::IdentityReply {
                header,
                squawk: Squawk(0o1000 + (f.n as u16 & 0o777)),
            };
            push(t + 0.3, reply.encode(address));
            if all_call {
                push(
                    t + 0.4,
                    Message::AllCall {
                        capability: 5,
                        address,
                    }
                    .encode(Icao(0)),
                );
            }
        }
    }
}
