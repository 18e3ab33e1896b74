//! What the tracker keeps per aircraft, and how each source fills it.

mod track_support;

use picket_engine::engine::{Engine, EngineConfig};
use picket_engine::track::{
    AddressKind, Aircraft, Dropped, Field, Ingested, PositionMethod, PositionSource, TrackKey, Tracker,
    TrackerConfig,
};
use picket_modes::adsb::Me;
use picket_modes::commb::{AircraftIdentification, TrackAndTurn};
use picket_modes::cpr::CprParity;
use picket_modes::message::{ControlField, Df18Body, Message};
use picket_modes::{Callsign, Icao};
use picket_receive::{Clock, Observation, ObservationSource, Received, What};
use track_support::*;

const A: Icao = Icao(0x4CA1B2);
const T0: f64 = 1_700_000_000.0;

fn tracking(config: TrackerConfig, seconds: u32) -> Tracker {
    let mut t = Tracker::new(config);
    for (time, frame, _) in straight_flight(A, T0, seconds) {
        t.ingest_frame(time, frame, None);
    }
    t
}

#[test]
fn aircraft_state_fits_in_2_kib() {
    let size = std::mem::size_of::<Aircraft>();
    eprintln!("size_of::<Aircraft>() = {size} bytes");
    assert!(size <= 2048, "{size} bytes");
    // The whole tracker for one aircraft: state, index and slab slack.
    let t = tracking(TrackerConfig::default(), 2);
    let m = t.memory();
    eprintln!("one aircraft: {m:?}");
    assert_eq!(m.trails, 0);
}

#[test]
fn adsb_fills_the_state() {
    let mut t = tracking(TrackerConfig::default(), 10);
    t.ingest_frame(T0 + 10.0, identification(A, "KLM1234"), Some(-12.0));
    t.ingest_frame(T0 + 10.1, identification(A, "KLM1234"), Some(-20.0));
    let a = t.get(TrackKey::icao(A)).unwrap();
    assert_eq!(a.kind, AddressKind::AdsbIcao);
    assert_eq!(a.callsign.unwrap().as_str(), "KLM1234");
    assert_eq!(a.category.unwrap().to_string(), "A3");
    assert_eq!(a.alt_baro, Some(35_000));
    assert_eq!(a.gs, Some(450.0));
    assert_eq!(a.track, Some(90.0));
    assert_eq!(a.baro_rate, Some(0));
    assert_eq!(a.on_ground, Some(false));
    let p = a.position.unwrap();
    assert_eq!(
        (p.source, p.method, p.surface),
        (PositionSource::Adsb, PositionMethod::Global, false)
    );
    // TC 11, version 0 (no TC 31 heard): NIC 8, Rc 0.1 NM.
    assert_eq!(p.nic, Some(8));
    assert_eq!(p.rc_m, Some(185.2));
    // 20 position reports and 10 velocities, then the two identifications.
    assert_eq!(a.counts.df(17), 32);
    assert_eq!(a.counts.total, 32);
    // The signal level is smoothed: one message at -20 moves it an eighth of the way.
    assert_eq!(a.rssi, Some(-13.0));
    assert_eq!(a.seen(Field::Callsign), Some(T0 + 10.1));
    assert_eq!(a.seen(Field::Squawk), None);
    assert!(a.fresh_position(T0 + 60.0, 60.0).is_some());
    assert!(a.fresh_position(T0 + 80.0, 60.0).is_none());
}

#[test]
fn commb_values_are_applied_when_unambiguous_and_marked() {
    let mut t = tracking(TrackerConfig::default(), 10);
    // Register 2,0 from a Mode S reply: the aircraft has no ADS-B callsign, so it is taken.
    let mb = AircraftIdentification {
        callsign: Callsign::new("KLM1234"),
    }
    .emit();
    let r = t.ingest_frame(T0 + 10.0, commb_altitude(A, 35_000, mb), None);
    assert!(
        matches!(r, Ingested::Updated(u) if u.changed.contains(Field::Callsign)),
        "{r:?}"
    );
    let a = t.get(TrackKey::icao(A)).unwrap();
    assert_eq!(a.callsign.unwrap().as_str(), "KLM1234");
    assert!(a.from_commb(Field::Callsign));
    // ADS-B's identification replaces it and is not Comm-B's any more.
    t.ingest_frame(T0 + 11.0, identification(A, "KLM1235"), None);
    assert!(!t.get(TrackKey::icao(A)).unwrap().from_commb(Field::Callsign));
    // A fresh ADS-B value is never replaced by a Comm-B one.
    let mb = AircraftIdentification {
        callsign: Callsign::new("KLM9999"),
    }
    .emit();
    t.ingest_frame(T0 + 12.0, commb_identity(A, 0o1000, mb), None);
    assert_eq!(
        t.get(TrackKey::icao(A)).unwrap().callsign.unwrap().as_str(),
        "KLM1235"
    );

    // Register 5,0 matching the ADS-B track and speed: its roll and track rate, which
    // ADS-B does not send, are taken; its ground speed is not (ADS-B's is fresh).
    let mb = TrackAndTurn {
        roll_deg: Some(-30.0 * 45.0 / 256.0),
        track_deg: Some(90.0),
        groundspeed_kt: Some(448),
        track_rate_deg_s: Some(-0.40625),
        tas_kt: Some(470),
    }
    .emit();
    t.ingest_frame(T0 + 12.5, commb_altitude(A, 35_000, mb), None);
    let a = t.get(TrackKey::icao(A)).unwrap();
    assert_eq!(a.roll, Some(-5.273_437_5));
    assert!(a.from_commb(Field::Roll) && a.from_commb(Field::TrackRate) && a.from_commb(Field::Tas));
    assert_eq!(a.tas, Some(470));
    assert_eq!(a.gs, Some(450.0));
    assert!(!a.from_commb(Field::Gs));
    assert!(t.stats().commb_applied >= 2);
}

#[test]
fn non_icao_and_tisb_addresses_are_kept_apart() {
    let mut t = tracking(TrackerConfig::default(), 4);
    // DF18 CF1: an anonymous address equal to A's is another aircraft.
    let (lat, lon) = (51.0, 3.0);
    let anon = |parity| {
        let Me::AirbornePosition(p) =
            picket_modes::message::parse_fields(&position(A, lat, lon, 5_000, parity), &Default::default())
                .unwrap()
                .adsb()
                .copied()
                .unwrap()
        else {
            panic!()
        };
        Message::NonTransponder {
            cf: ControlField::AdsbOther,
            address: A,
            body: Df18Body::Adsb(Me::AirbornePosition(p)),
        }
        .encode(Icao(0))
    };
    t.ingest_frame(T0 + 5.0, anon(CprParity::Even), None);
    t.ingest_frame(T0 + 5.5, anon(CprParity::Odd), None);
    let other = TrackKey::non_icao(A);
    assert_eq!(other.to_string(), "~4ca1b2");
    let b = t.get(other).unwrap();
    assert_eq!(b.kind, AddressKind::AdsbOther);
    assert!((b.position.unwrap().lat - lat).abs() < 1e-3);
    // A is untouched, and replies for A still attach to A only.
    assert!((t.get(TrackKey::icao(A)).unwrap().position.unwrap().lat - 52.0).abs() < 1e-3);
    assert_eq!(t.len(), 2);

    // TIS-B (CF2, IMF clear) about A while A's own ADS-B position is fresh: outranked.
    let tisb = |parity| {
        let f = position(A, 52.0, 4.05, 35_000, parity);
        let me = *picket_modes::message::parse_fields(&f, &Default::default())
            .unwrap()
            .adsb()
            .unwrap();
        Message::NonTransponder {
            cf: ControlField::TisbFine,
            address: A,
            body: Df18Body::Adsb(me),
        }
        .encode(Icao(0))
    };
    t.ingest_frame(T0 + 6.0, tisb(CprParity::Even), None);
    t.ingest_frame(T0 + 6.5, tisb(CprParity::Odd), None);
    let a = t.get(TrackKey::icao(A)).unwrap();
    assert_eq!(a.position.unwrap().source, PositionSource::Adsb);
    assert_eq!(a.kind, AddressKind::AdsbIcao);
    assert_eq!(t.stats().positions_outranked, 2);
    // Once ADS-B has been silent for a minute, TIS-B is the best there is.
    t.ingest_frame(T0 + 70.0, tisb(CprParity::Even), None);
    t.ingest_frame(T0 + 70.5, tisb(CprParity::Odd), None);
    let a = t.get(TrackKey::icao(A)).unwrap();
    assert_eq!(a.position.unwrap().source, PositionSource::Tisb);
    assert_eq!(a.kind, AddressKind::TisbIcao);
}

#[test]
fn multilateration_positions_are_labelled_mlat_and_rank_above_other_tools() {
    let mut t = Tracker::new(TrackerConfig::default());
    let b = Icao(0x156F01);
    let mut o = Observation::new(b, ObservationSource::Mlat);
    o.lat = Some(72.5);
    o.lon = Some(-160.6);
    t.ingest_observation(T0, &o);
    let p = t.get(TrackKey::icao(b)).unwrap().position.unwrap();
    assert_eq!(
        (p.source, p.method),
        (PositionSource::Mlat, PositionMethod::Observed)
    );
    // Another tool's position does not replace a fresh multilateration fix.
    let mut other = Observation::new(b, ObservationSource::Sbs);
    other.lat = Some(72.501);
    other.lon = Some(-160.6);
    t.ingest_observation(T0 + 1.0, &other);
    let p = t.get(TrackKey::icao(b)).unwrap().position.unwrap();
    assert_eq!((p.source, p.lat), (PositionSource::Mlat, 72.5));
}

#[test]
fn observations_create_aircraft_but_never_make_addresses_known() {
    let mut t = Tracker::new(TrackerConfig::default());
    let b = Icao(0xE80443);
    let mut o = Observation::new(b, ObservationSource::Sbs);
    o.flight = Some("FAV101 ".into());
    o.alt_baro = Some(12_000);
    o.lat = Some(10.6);
    o.lon = Some(-67.0);
    let u = match t.ingest_observation(T0, &o) {
        Ingested::Updated(u) => u,
        other => panic!("{other:?}"),
    };
    assert!(u.created && u.changed.contains(Field::Position));
    let a = t.get(TrackKey::icao(b)).unwrap();
    assert_eq!(a.kind, AddressKind::Observation);
    assert_eq!(a.callsign.unwrap().as_str(), "FAV101");
    let p = a.position.unwrap();
    assert_eq!(
        (p.source, p.method),
        (PositionSource::Other, PositionMethod::Observed)
    );
    // A position 1,000 km away a second later is refused.
    o.lat = Some(19.6);
    let u = match t.ingest_observation(T0 + 1.0, &o) {
        Ingested::Updated(u) => u,
        other => panic!("{other:?}"),
    };
    assert!(u.rejected.contains(Field::Position));
    assert_eq!(t.get(TrackKey::icao(b)).unwrap().position.unwrap().lat, 10.6);
    // Another tool's word does not verify replies.
    let r = t.ingest_frame(T0 + 2.0, altitude_reply(b, 12_000), None);
    assert_eq!(r, Ingested::Dropped(Dropped::Unverified));
}

#[test]
fn trails_keep_the_last_positions_outside_the_state() {
    let config = TrackerConfig {
        trail_len: 8,
        ..TrackerConfig::default()
    };
    let t = tracking(config, 10);
    let trail = t.trail(TrackKey::icao(A)).unwrap();
    assert_eq!(trail.len(), 8);
    let times: Vec<f64> = trail.iter().map(|p| p.time).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    assert_eq!(
        trail.last().unwrap().time,
        t.get(TrackKey::icao(A)).unwrap().position.unwrap().time
    );
    assert!(t.memory().trails >= 8 * std::mem::size_of::<picket_engine::track::TrailPoint>());
}

#[test]
fn engine_tracks_and_retires() {
    // The facade's alerts are tested in rules_engine.rs; here only what it does with states.
    let mut engine = Engine::new(EngineConfig::default());
    let mut alerts = Vec::new();
    let received = |time, frame| Received {
        time_utc: time,
        clock: Clock::None,
        signal: None,
        receiver: 0,
        what: What::ModeS(frame),
    };
    engine.ingest(&received(T0, all_call(A)), &mut alerts);
    engine.ingest(&received(T0 + 1.0, all_call(A)), &mut alerts);
    engine.ingest(
        &received(T0 + 2.0, altitude_reply(Icao(0x123456), 1000)),
        &mut alerts,
    );
    assert_eq!(
        engine.snapshot().map(|a| a.key).collect::<Vec<_>>(),
        [TrackKey::icao(A)]
    );
    engine.tick(T0 + 200.0, &mut alerts);
    assert_eq!(engine.snapshot().count(), 1);
    engine.tick(T0 + 302.0, &mut alerts);
    assert_eq!(engine.snapshot().count(), 0);
    assert_eq!(engine.tracker().stats().retired, 1);
    assert!(
        alerts.is_empty(),
        "an ordinary aircraft raises no alert: {alerts:?}"
    );
}

#[test]
fn same_input_gives_the_same_states() {
    let run = || {
        let mut t = tracking(TrackerConfig::default(), 20);
        t.ingest_frame(T0 + 21.0, identification(A, "KLM1234"), Some(-3.0));
        format!("{:?} {:?}", t.aircraft(), t.stats())
    };
    assert_eq!(run(), run());
}

#[test]
fn bad_times_are_dropped_and_counted() {
    let mut t = tracking(TrackerConfig::default(), 2);
    let before = format!("{:?}", t.aircraft());
    for time in [f64::NAN, f64::INFINITY] {
        assert_eq!(
            t.ingest_frame(time, all_call(A), None),
            Ingested::Dropped(Dropped::BadTime)
        );
    }
    t.tick(f64::NAN, &mut Vec::new());
    assert_eq!(format!("{:?}", t.aircraft()), before);
    assert_eq!(t.stats().dropped_bad_time, 2);
}
