//! Aircraft states for the detectors' unit tests, built field by field (the tracker's own
//! tests cover how frames become states; the integration tests in tests/detect_*.rs go
//! through the tracker).

use picket_modes::Icao;

use super::movement::Movement;
use crate::track::{AddressKind, Aircraft, Field, Position, PositionMethod, PositionSource, TrackKey};

/// An aircraft of address `address` heard at `t` (one ADS-B message counted).
pub(crate) fn heard(address: u32, t: f64) -> Aircraft {
    let mut a = Aircraft::new(TrackKey::icao(Icao(address)), AddressKind::AdsbIcao, t);
    a.counts.total = 1;
    a
}

/// An aircraft heard at `t` and a movement detector of its own (the movement tests' set-up).
pub(crate) fn subject(address: u32, t: f64) -> (Aircraft, Movement) {
    (heard(address, t), Movement::default())
}

/// An ADS-B position fixed globally at `t`, in the air or on the surface.
fn adsb_position(t: f64, lat: f64, lon: f64, surface: bool) -> Position {
    Position {
        lat,
        lon,
        time: t,
        source: PositionSource::Adsb,
        method: PositionMethod::Global,
        surface,
        nic: Some(8),
        rc_m: None,
        nac_p: None,
    }
}

/// Marks that the message at `t` set these fields.
pub(crate) fn carried(a: &mut Aircraft, t: f64, fields: &[Field]) {
    a.last_seen = a.last_seen.max(t);
    a.counts.total += 1;
    for &f in fields {
        a.accept(f, t, false, 0.0);
    }
}

/// Sets an airborne position, altitude, speed and track at `t`.
pub(crate) fn fly(a: &mut Aircraft, t: f64, lat: f64, lon: f64, alt: i32, gs: f32, track: f32) {
    a.position = Some(adsb_position(t, lat, lon, false));
    a.alt_baro = Some(alt);
    a.gs = Some(gs);
    a.track = Some(track);
    a.on_ground = Some(false);
    carried(
        a,
        t,
        &[
            Field::Position,
            Field::AltBaro,
            Field::Gs,
            Field::Track,
            Field::OnGround,
        ],
    );
}

/// Sets a surface position and speed at `t`.
pub(crate) fn taxi(a: &mut Aircraft, t: f64, lat: f64, lon: f64, gs: f32, track: f32) {
    a.position = Some(adsb_position(t, lat, lon, true));
    a.gs = Some(gs);
    a.track = Some(track);
    a.on_ground = Some(true);
    carried(a, t, &[Field::Position, Field::Gs, Field::Track, Field::OnGround]);
}

/// A new aircraft flying at `t`.
pub(crate) fn flying(address: u32, t: f64, lat: f64, lon: f64, alt: i32, gs: f32, track: f32) -> Aircraft {
    let mut a = heard(address, t);
    fly(&mut a, t, lat, lon, alt, gs, track);
    a
}
