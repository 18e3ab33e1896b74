//! One transmission heard by several receivers is one message: it is taken once, so it
//! never confirms itself (a single emergency squitter heard three times stays single).

mod track_support;

use picket_engine::track::{Dropped, Ingested, Tracker, TrackerConfig};
use picket_modes::adsb::{AircraftStatus, EmergencyState, EmergencyStatus, Me};
use picket_modes::Frame;
use picket_modes::{Icao, Message, Squawk};
use picket_receive::{Clock, Received, What};
use track_support::*;

const A: Icao = Icao(0x4CA1B2);
const T0: f64 = 1_700_000_000.0;

#[test]
fn the_same_frame_from_another_receiver_is_taken_once() {
    let mut t = Tracker::new(TrackerConfig::default());
    for (time, frame, _) in straight_flight(A, T0, 20) {
        t.ingest_frame(time, frame, None);
    }
    let status = Message::ExtendedSquitter {
        capability: 5,
        address: A,
        me: Me::AircraftStatus(AircraftStatus::Emergency(EmergencyStatus::new(
            EmergencyState::General,
            Squawk(0o7700),
        ))),
    }
    .encode(A);
    let t1 = T0 + 21.0;
    assert!(matches!(t.ingest(&heard(t1, 0, status)), Ingested::Updated(_)));
    // Two more receivers hear the same transmission a few hundred microseconds later.
    assert_eq!(
        t.ingest(&heard(t1 + 0.0003, 1, status)),
        Ingested::Dropped(Dropped::Duplicate)
    );
    assert_eq!(
        t.ingest(&heard(t1 + 0.0011, 2, status)),
        Ingested::Dropped(Dropped::Duplicate)
    );
    assert_eq!(t.stats().dropped_duplicate, 2);
    // The transponder's next status message, a second later, is a new message.
    assert!(matches!(
        t.ingest(&heard(t1 + 1.0, 1, status)),
        Ingested::Updated(_)
    ));
    // The same receiver never hears one transmission twice: with whole-second timestamps,
    // two equal messages in one second are two messages.
    assert!(matches!(
        t.ingest(&heard(t1 + 1.0, 1, status)),
        Ingested::Updated(_)
    ));
}

#[test]
fn duplicates_are_kept_when_the_window_is_zero() {
    let config = TrackerConfig {
        duplicate_window_s: 0.0,
        ..TrackerConfig::default()
    };
    let mut t = Tracker::new(config);
    let flight = straight_flight(A, T0, 5);
    let (time, frame, _) = flight[0];
    assert!(matches!(t.ingest(&heard(time, 0, frame)), Ingested::Updated(_)));
    assert!(matches!(
        t.ingest(&heard(time + 0.001, 1, frame)),
        Ingested::Updated(_)
    ));
}

fn heard(time: f64, receiver: u16, frame: Frame) -> Received {
    Received {
        time_utc: time,
        clock: Clock::None,
        signal: None,
        receiver,
        what: What::ModeS(frame),
    }
}

/// Two different frames whose fingerprints agree in all but the low 16 bits (found by a
/// reviewer against a version that kept the receiver id there) are two messages: the
/// second, from another receiver 10 ms later, is taken.
#[test]
fn frames_that_differ_only_in_the_low_fingerprint_bits_are_not_copies() {
    let mut t = Tracker::new(TrackerConfig::default());
    let df24 = Frame::from_hex("c210917d057ea978d4d2d8ab4bda").unwrap();
    let df17 = Frame::from_hex("8d406b902015a678d4d220aa4bda").unwrap();
    assert!(matches!(
        t.ingest(&heard(T0, 1, df24)),
        Ingested::Dropped(Dropped::Decode(_))
    ));
    assert!(matches!(
        t.ingest(&heard(T0 + 0.01, 2, df17)),
        Ingested::Updated(_)
    ));
    assert_eq!(t.stats().dropped_duplicate, 0);
}

/// A frame without a valid time neither counts as a copy nor spoils the check for the
/// frames after it; a copy in the window is a copy to the microsecond, and one past it is
/// a new message.
#[test]
fn the_duplicate_check_survives_bad_times_and_keeps_its_window() {
    let mut t = Tracker::new(TrackerConfig::default());
    let df17 = Frame::from_hex("8d406b902015a678d4d220aa4bda").unwrap();
    assert_eq!(
        t.ingest(&heard(f64::NAN, 1, df17)),
        Ingested::Dropped(Dropped::BadTime)
    );
    assert!(matches!(t.ingest(&heard(T0, 1, df17)), Ingested::Updated(_)));
    let window = TrackerConfig::default().duplicate_window_s;
    assert_eq!(
        t.ingest(&heard(T0 + window - 1e-5, 2, df17)),
        Ingested::Dropped(Dropped::Duplicate)
    );
    assert!(matches!(
        t.ingest(&heard(T0 + 2.0 * window + 1e-5, 3, df17)),
        Ingested::Updated(_)
    ));
}
