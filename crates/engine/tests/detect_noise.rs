//! The noise cases of the detectors, through the tracker with frames built by
//! `Message::encode`: single unverified or single verified frames raise nothing, an
//! aircraft leaving coverage at cruise is not landed, non-ICAO addresses stay apart.

#[path = "track_support/mod.rs"]
mod track_support;

use picket_engine::detect::{Detectors, Traits};
use picket_engine::event::{Detail, Event, Phase};
use picket_engine::track::{Aircraft, Ingested, TrackKey, Tracker, TrackerConfig};
use picket_modes::adsb::{AirbornePosition, EmergencyState, Me, SurveillanceStatus};
use picket_modes::cpr::CprParity;
use picket_modes::message::{ControlField, Df18Body, Message};
use picket_modes::{Altitude, Frame, Icao};
use picket_world::events::{DetectorParams, EmergencyKind, EventKind};
use picket_world::zones::builtin_zones;
use track_support::*;

struct Bench {
    tracker: Tracker,
    det: Detectors,
    events: Vec<Event>,
    retired: Vec<Aircraft>,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            tracker: Tracker::new(TrackerConfig::default()),
            det: Detectors::new(DetectorParams::DEFAULT, builtin_zones().to_vec()),
            events: Vec::new(),
            retired: Vec::new(),
        }
    }

    fn frame(&mut self, t: f64, f: Frame) {
        if let Ingested::Updated(u) = self.tracker.ingest_frame(t, f, None) {
            let slot = self.tracker.slot(u.key).unwrap();
            let a = &self.tracker.aircraft()[slot];
            let traits = Traits { of_interest: true };
            self.det.on_update(slot, a, u.changed, traits, &mut self.events);
        }
    }

    fn tick(&mut self, now: f64) {
        self.tracker.tick(now, &mut self.retired);
        for a in self.retired.drain(..) {
            self.det.on_retired(&a, now, &mut self.events);
        }
        self.det.on_tick(now, &self.tracker, &mut self.events);
    }

    fn kinds(&self) -> Vec<EventKind> {
        self.events.iter().map(|e| e.kind).collect()
    }

    fn without_first_seen(&self) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|e| e.kind != EventKind::FirstSeen)
            .collect()
    }
}

const T0: f64 = 1_565_287_200.0;

/// A straight flight heard for `seconds`, positions twice a second, velocity once.
fn fly(b: &mut Bench, address: Icao, t0: f64, seconds: u32) {
    for (t, f, _) in straight_flight(address, t0, seconds) {
        b.frame(t, f);
        if t >= t0 + 1.0 && t.fract() == 0.0 {
            b.tick(t);
        }
    }
}

#[test]
fn a_single_unverified_reply_with_7700_or_100000_ft_raises_nothing() {
    let mut b = Bench::new();
    let a = Icao(0x4ca7e1);
    // Never heard before: a DF5 saying 7700 and a DF4 saying 100,000 ft have no verified
    // address, so the tracker drops them.
    b.frame(T0, identity_reply(a, 0o7700));
    b.frame(T0 + 0.5, altitude_reply(a, 100_000));
    b.tick(T0 + 1.0);
    assert!(b.events.is_empty());
    assert!(b.tracker.is_empty());
    // Known aircraft: one DF5 with 7700 is held by the tracker, one DF4 with 100,000 ft is
    // refused by its climb-rate check; neither is an emergency or a zone event.
    fly(&mut b, a, T0 + 10.0, 20);
    b.frame(T0 + 31.0, identity_reply(a, 0o7700));
    b.frame(T0 + 31.5, altitude_reply(a, 100_000));
    b.frame(T0 + 32.0, identity_reply(a, 0o1200));
    b.tick(T0 + 33.0);
    assert!(b.without_first_seen().is_empty(), "{:?}", b.events);
}

#[test]
fn emergency_needs_two_messages_and_ends() {
    let mut b = Bench::new();
    let a = Icao(0x4ca7e2);
    fly(&mut b, a, T0, 10);
    // One ADS-B emergency status: nothing yet.
    b.frame(T0 + 11.0, status(a, EmergencyState::General, 0o7700));
    assert!(b.without_first_seen().is_empty());
    b.frame(T0 + 12.0, status(a, EmergencyState::General, 0o7700));
    let ev = b.without_first_seen();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].kind, ev[0].onset, ev[0].time),
        (EventKind::Emergency, T0 + 11.0, T0 + 12.0)
    );
    assert!(matches!(
        ev[0].detail,
        Detail::Emergency {
            state: EmergencyKind::General,
            ..
        }
    ));
    for t in [13.0, 14.0] {
        b.frame(T0 + t, status(a, EmergencyState::None, 0o1200));
    }
    let ev = b.without_first_seen();
    assert_eq!(ev.len(), 2);
    assert_eq!(
        (ev[1].phase, ev[1].ended, ev[1].id),
        (Phase::Ended, Some(T0 + 13.0), ev[0].id)
    );
}

#[test]
fn an_aircraft_leaving_coverage_at_fl350_is_not_landed() {
    let mut b = Bench::new();
    let a = Icao(0x4ca7e3);
    fly(&mut b, a, T0, 60);
    // Silence until long after the tracker retired it.
    for s in 61..1_000 {
        b.tick(T0 + f64::from(s));
    }
    assert!(b.tracker.is_empty());
    assert_eq!(b.kinds(), [EventKind::FirstSeen]);
}

#[test]
fn heard_not_located_and_non_icao_addresses_stay_apart() {
    let mut b = Bench::new();
    let a = Icao(0x156f01);
    // Mode S only: an all-call and altitude replies.
    b.frame(T0, all_call(a));
    b.frame(T0 + 0.5, altitude_reply(a, 33_000));
    b.tick(T0 + 1.0);
    assert_eq!(b.events.len(), 1);
    assert_eq!(
        b.events[0].detail,
        Detail::FirstSeen {
            day: 18_116,
            located: false
        }
    );
    assert_eq!(b.events[0].subject, TrackKey::icao(a));
    // A DF18 anonymous address with the same number is another aircraft.
    let anon = |me: Me| {
        Message::NonTransponder {
            cf: ControlField::AdsbOther,
            address: a,
            body: Df18Body::Adsb(me),
        }
        .encode(Icao(0))
    };
    let pos = |parity| {
        Me::AirbornePosition(AirbornePosition {
            type_code: 11,
            surveillance_status: SurveillanceStatus::NoCondition,
            nic_b: false,
            altitude_code: AirbornePosition::altitude_code_for(Altitude::Feet25(20_000)),
            utc_sync: false,
            cpr: cpr_of(64.5, -165.0, parity),
        })
    };
    b.frame(T0 + 2.0, anon(pos(CprParity::Even)));
    b.frame(T0 + 2.5, anon(pos(CprParity::Odd)));
    b.tick(T0 + 3.0);
    assert_eq!(b.events.len(), 2, "{:?}", b.events);
    let other = &b.events[1];
    assert_eq!(other.subject, TrackKey::non_icao(a));
    assert_ne!(other.subject, b.events[0].subject);
    let mut json = String::new();
    picket_engine::event::write_event(&mut json, other);
    assert!(json.contains(r#""hex":"~156f01""#), "{json}");
}
