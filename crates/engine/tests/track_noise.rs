//! Noise cases: what one bad frame must never do to the tracker.

mod track_support;

use picket_engine::track::{Dropped, Field, Ingested, TrackKey, Tracker, TrackerConfig};
use picket_modes::adsb::EmergencyState;
use picket_modes::cpr::CprParity;
use picket_modes::{Frame, Icao, Squawk};
use track_support::*;

const A: Icao = Icao(0x4CA1B2);
const T0: f64 = 1_700_000_000.0;

fn key() -> TrackKey {
    TrackKey::icao(A)
}

fn updated(r: Ingested) -> picket_engine::track::Update {
    match r {
        Ingested::Updated(u) => u,
        other => panic!("expected an update, got {other:?}"),
    }
}

/// A tracker that has followed the straight flight for `seconds`.
fn tracking(seconds: u32) -> Tracker {
    let mut t = Tracker::new(TrackerConfig::default());
    for (time, frame, _) in straight_flight(A, T0, seconds) {
        t.ingest_frame(time, frame, None);
    }
    t
}

#[test]
fn corrupted_position_frame_never_moves_the_aircraft() {
    // One position report per run has counts that passed the CRC but are wrong (as a
    // frame repaired at the wrong bit would be): in latitude or longitude, high or
    // middle bits, so the decoded position lands from ~10 km to hundreds of km away.
    for (dlat, dlon) in [
        (1 << 16, 0),
        (1 << 11, 0),
        (0, 1 << 16),
        (0, 1 << 12),
        (1 << 15, 1 << 14),
    ] {
        let mut tracker = Tracker::new(TrackerConfig::default());
        let flight = straight_flight(A, T0, 60);
        let mut accepted_after = 0;
        for (i, (time, frame, _)) in flight.into_iter().enumerate() {
            let frame = if i == 60 {
                let good = picket_modes::message::decode(
                    frame,
                    &Default::default(),
                    &picket_modes::message::NoAddresses,
                )
                .unwrap();
                let Some(picket_modes::adsb::Me::AirbornePosition(p)) = good.message.adsb().copied() else {
                    panic!("frame 60 is a position")
                };
                let mut cpr = p.cpr;
                cpr.lat_cpr ^= dlat;
                cpr.lon_cpr ^= dlon;
                position_cpr(A, cpr, 35_000)
            } else {
                frame
            };
            let before = tracker.get(key()).and_then(|a| a.position);
            let u = updated(tracker.ingest_frame(time, frame, None));
            let p = tracker.get(key()).unwrap().position;
            if i == 60 {
                assert!(
                    u.rejected.contains(Field::Position),
                    "bad report refused ({dlat:#x}, {dlon:#x})"
                );
                assert_eq!(p, before, "the aircraft did not move");
            }
            if let Some(p) = p {
                // The accepted position is where the aircraft really was at its time.
                let off = distance_m((p.lat, p.lon), track_support::truth(p.time - T0));
                assert!(
                    off < 10.0,
                    "frame {i}: {off:.0} m off the truth ({dlat:#x}, {dlon:#x})"
                );
            }
            if i > 60 && u.changed.contains(Field::Position) {
                accepted_after += 1;
            }
        }
        // No lock-out: every later position report but the first (which pairs with the
        // bad one and is decoded locally instead) still moves the aircraft; 59 remain.
        assert!(
            accepted_after >= 58,
            "{accepted_after} positions after the bad one ({dlat:#x}, {dlon:#x})"
        );
        let stats = tracker.stats();
        assert_eq!(stats.reacquired, 0);
        assert!(stats.positions_rejected_global + stats.positions_rejected_local >= 1);
    }
}

#[test]
fn bad_first_pair_does_not_lock_the_track_out() {
    // The very first even report is corrupted, so the first global position is wrong (no
    // track exists yet to check it against). The good pairs that follow disagree with it
    // and agree with each other: the tracker re-acquires from them.
    let mut tracker = Tracker::new(TrackerConfig::default());
    let flight = straight_flight(A, T0, 30);
    let mut wrong_first = None;
    for (i, (time, frame, _)) in flight.into_iter().enumerate() {
        let frame = if i == 0 {
            let (lat, lon) = track_support::truth(0.0);
            let mut cpr = cpr_of(lat, lon, CprParity::Even);
            cpr.lat_cpr ^= 1 << 14;
            position_cpr(A, cpr, 35_000)
        } else {
            frame
        };
        tracker.ingest_frame(time, frame, None);
        if wrong_first.is_none() {
            wrong_first = tracker.get(key()).and_then(|a| a.position);
        }
    }
    let first = wrong_first.expect("a first position");
    assert!(distance_m((first.lat, first.lon), track_support::truth(first.time - T0)) > 50_000.0);
    let a = tracker.get(key()).unwrap();
    let p = a.position.unwrap();
    assert!(distance_m((p.lat, p.lon), track_support::truth(p.time - T0)) < 10.0);
    assert_eq!(tracker.stats().reacquired, 1);
}

#[test]
fn reply_from_unknown_address_creates_no_aircraft() {
    let mut tracker = tracking(5);
    let stranger = Icao(0x3C6DD5);
    let frames: [Frame; 6] = [
        altitude_reply(stranger, 35_000),
        identity_reply(stranger, 0o1000),
        commb_altitude(stranger, 35_000, 0),
        commb_identity(stranger, 0o1000, 0),
        picket_modes::message::Message::ShortAirAir(picket_modes::message::ShortAirAir {
            on_ground: false,
            crosslink: false,
            sl: 0,
            ri: 0,
            spare: 0,
            altitude: picket_modes::Altitude::Feet25(35_000),
        })
        .encode(stranger),
        // DF11 answering an interrogator with a non-zero code: verified only if known.
        Frame::build(
            false,
            (11u128 << 27) | (5 << 24) | u128::from(stranger.0),
            0x000012,
        ),
    ];
    for (i, frame) in frames.into_iter().enumerate() {
        let r = tracker.ingest_frame(T0 + 10.0 + i as f64, frame, None);
        assert_eq!(r, Ingested::Dropped(Dropped::Unverified), "frame {i}: {frame}");
    }
    assert_eq!(tracker.len(), 1);
    assert!(tracker.get(TrackKey::icao(stranger)).is_none());
    assert_eq!(tracker.stats().dropped_unverified, 6);
}

#[test]
fn unverified_emergency_squawk_or_altitude_changes_nothing() {
    // A tracked aircraft squawking 1000 at FL350; then a DF5 saying 7700 and a DF4 saying
    // 100,000 ft, each with one bit of its parity field hit by noise: the recovered address
    // is no longer one the tracker knows.
    let mut tracker = tracking(5);
    tracker.ingest_frame(T0 + 5.0, status(A, EmergencyState::None, 0o1000), None);
    let before = tracker.get(key()).unwrap().clone();
    assert_eq!(before.squawk, Some(Squawk(0o1000)));
    assert_eq!(before.alt_baro, Some(35_000));

    let mayday = identity_reply(A, 0o7700).with_bit_flipped(50);
    let climb = altitude_reply(A, 100_000).with_bit_flipped(40);
    for (i, frame) in [mayday, climb].into_iter().enumerate() {
        let r = tracker.ingest_frame(T0 + 6.0 + i as f64, frame, None);
        assert_eq!(r, Ingested::Dropped(Dropped::Unverified));
    }
    let after = tracker.get(key()).unwrap();
    assert_eq!(after.squawk, Some(Squawk(0o1000)));
    assert_eq!(after.emergency, Some(EmergencyState::None));
    assert_eq!(after.alt_baro, Some(35_000));
    assert_eq!(after.counts, before.counts);
    assert_eq!(after.last_seen, before.last_seen);
}

#[test]
fn one_reply_with_a_new_squawk_is_not_enough() {
    // Even from a known address, a reply's parity cannot tell a bit error in its ID field
    // from the truth: 7700 is taken only when a second reply repeats it.
    let mut tracker = tracking(5);
    tracker.ingest_frame(T0 + 5.0, status(A, EmergencyState::None, 0o1000), None);
    let u = updated(tracker.ingest_frame(T0 + 6.0, identity_reply(A, 0o7700), None));
    assert!(u.rejected.contains(Field::Squawk));
    assert_eq!(tracker.get(key()).unwrap().squawk, Some(Squawk(0o1000)));
    let u = updated(tracker.ingest_frame(T0 + 7.0, identity_reply(A, 0o7700), None));
    assert!(u.changed.contains(Field::Squawk));
    assert_eq!(tracker.get(key()).unwrap().squawk, Some(Squawk(0o7700)));
}

#[test]
fn one_frame_with_an_impossible_altitude_is_not_enough() {
    // 35,000 ft to 100,000 ft in a second is beyond any aircraft: held until confirmed.
    let mut tracker = tracking(5);
    let u = updated(tracker.ingest_frame(T0 + 6.0, altitude_reply(A, 100_000), None));
    assert!(u.rejected.contains(Field::AltBaro));
    assert_eq!(tracker.get(key()).unwrap().alt_baro, Some(35_000));
    // The next ordinary altitude is taken as usual and the odd one is forgotten.
    tracker.ingest_frame(T0 + 6.5, altitude_reply(A, 35_000), None);
    assert_eq!(tracker.get(key()).unwrap().alt_baro, Some(35_000));
    // Two agreeing frames confirm even a big change (a real one, e.g. after a gap in
    // reception, or a wrong first altitude being corrected).
    tracker.ingest_frame(T0 + 7.0, altitude_reply(A, 12_000), None);
    assert_eq!(tracker.get(key()).unwrap().alt_baro, Some(35_000));
    tracker.ingest_frame(T0 + 7.5, altitude_reply(A, 12_000), None);
    assert_eq!(tracker.get(key()).unwrap().alt_baro, Some(12_000));
    assert_eq!(tracker.stats().altitude_rejected, 2);
}

#[test]
fn silent_aircraft_is_retired() {
    let mut tracker = tracking(5);
    let last = tracker.get(key()).unwrap().last_seen;
    let mut retired = Vec::new();
    tracker.tick(last + 299.0, &mut retired);
    assert!(retired.is_empty());
    assert_eq!(tracker.len(), 1);
    tracker.tick(last + 300.5, &mut retired);
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].key, key());
    assert!(retired[0].position.is_some(), "the final state is handed over");
    assert!(tracker.get(key()).is_none());
    assert_eq!(tracker.stats().retired, 1);
    // Retired means unknown: its replies no longer attach.
    let r = tracker.ingest_frame(last + 301.0, altitude_reply(A, 35_000), None);
    assert_eq!(r, Ingested::Dropped(Dropped::Unverified));
    assert!(tracker.is_empty());
}

#[test]
fn repaired_all_call_attaches_but_creates_nothing() {
    // A DF11 with one bit repaired is too weak to invent an aircraft from.
    let mut tracker = Tracker::new(TrackerConfig::default());
    let frame = all_call(A).with_bit_flipped(20);
    assert_eq!(
        tracker.ingest_frame(T0, frame, None),
        Ingested::Dropped(Dropped::Untracked)
    );
    assert!(tracker.is_empty());
    assert!(matches!(tracker.ingest_frame(T0 + 1.0, all_call(A), None), Ingested::Updated(u) if u.created));
    assert!(matches!(tracker.ingest_frame(T0 + 2.0, frame, None), Ingested::Updated(u) if !u.created));
}

#[test]
fn adsb_emergency_is_taken_from_one_verified_frame() {
    // The CRC of an extended squitter covers its content: no second frame is needed.
    let mut tracker = tracking(2);
    let u = updated(tracker.ingest_frame(T0 + 3.0, status(A, EmergencyState::General, 0o7700), None));
    assert!(u.changed.contains(Field::Squawk) && u.changed.contains(Field::Emergency));
    let a = tracker.get(key()).unwrap();
    assert_eq!(
        (a.squawk, a.emergency),
        (Some(Squawk(0o7700)), Some(EmergencyState::General))
    );
}
