//! The tracker's memo of decoded frames (`Tracker::ingest` keeps each aircraft's last clean
//! velocity, target state, operational status, identification and all-call, and takes a
//! frame equal to a kept one without decoding it again) changes nothing: item by item the
//! same result, and in the end the same states and counters, as a tracker given a fresh
//! decode of every frame (`predecode` + `Tracker::ingest_predecoded`, which never looks at
//! the memo). On a real capture, and on a simulated window with damaged frames mixed in
//! (repairs, unrepairable frames, all-calls with interrogator codes, copies).

mod shared_data;
use shared_data::shared_file;

use picket_engine::track::{predecode, Ingested, Tracker, TrackerConfig};
use picket_receive::jsonl::JsonlReader;
use picket_receive::{ReaderConfig, Received, What};
use picket_sim::{Scenario, Simulation, Window};
use picket_world::geo::LatLon;

/// Feeds `items` to a tracker through `ingest` (with the memo) and to another through a
/// fresh decode of each frame, comparing as it goes; gives how many items updated an
/// aircraft.
fn same_as_fresh_decodes(items: &[Received], config: TrackerConfig) -> usize {
    let mut memo = Tracker::new(config);
    let mut fresh = Tracker::new(config);
    let options = config.decode;
    let mut retired = (Vec::new(), Vec::new());
    let mut next_tick = f64::NEG_INFINITY;
    let mut updated = 0;
    for r in items {
        if r.time_utc >= next_tick {
            memo.tick(r.time_utc, &mut retired.0);
            fresh.tick(r.time_utc, &mut retired.1);
            next_tick = r.time_utc.floor() + 1.0;
        }
        let decoded = match r.what {
            What::ModeS(f) => Some(predecode(f, &options)),
            _ => None,
        };
        let a = memo.ingest(r);
        let b = fresh.ingest_predecoded(r, decoded.as_ref());
        assert_eq!(a, b, "the same result for {r:?}");
        if matches!(a, Ingested::Updated(_)) {
            updated += 1;
        }
    }
    assert_eq!(memo.stats(), fresh.stats());
    assert_eq!(memo.len(), fresh.len());
    for (x, y) in memo.aircraft().iter().zip(fresh.aircraft()) {
        assert_eq!(format!("{x:?}"), format!("{y:?}"));
    }
    assert_eq!(format!("{:?}", retired.0), format!("{:?}", retired.1));
    updated
}

/// `items` with damaged copies mixed in, a little later than their originals: every 5th
/// Mode S frame with one bit flipped (repaired, or for a reply another address), every 9th
/// with three (mostly beyond repair), every 4th DF11 with an interrogator code laid over its
/// parity, and every 6th frame again unchanged from a second receiver (a duplicate).
fn with_damage(items: Vec<Received>) -> Vec<Received> {
    let mut out = Vec::new();
    for (n, r) in items.into_iter().enumerate() {
        if let What::ModeS(f) = r.what {
            let mut push = |f, receiver| {
                let mut v = r.clone();
                v.what = What::ModeS(f);
                v.receiver = receiver;
                v.time_utc += 1e-4;
                out.push(v);
            };
            let bits = f.len_bits();
            if n % 5 == 0 {
                push(f.with_bit_flipped((n / 5) % bits), r.receiver);
            }
            if n % 9 == 0 {
                push(
                    f.with_bit_flipped(n % bits)
                        .with_bit_flipped((n + 17) % bits)
                        .with_bit_flipped((n + 40) % bits),
                    r.receiver,
                );
            }
            if n % 4 == 0 && f.df() == 11 {
                push(
                    f.with_bit_flipped(bits - 1).with_bit_flipped(bits - 3),
                    r.receiver,
                );
            }
            if n % 6 == 0 {
                push(f, r.receiver.wrapping_add(1));
            }
        }
        out.push(r);
    }
    out.sort_by(|a, b| a.time_utc.total_cmp(&b.time_utc));
    out
}

#[test]
fn memo_changes_nothing_on_a_real_capture() {
    // traffic's full_flight_short.jsonl: 57,793 real frames of a flight from Paris CDG,
    // with the all-calls, surveillance replies and Comm-B of its neighbours.
    let Some(path) = shared_file("traffic_samples/full_flight_short.jsonl") else {
        return;
    };
    let items = shared_data::read_with(&path, JsonlReader::new(ReaderConfig::default()));
    assert!(items.len() > 50_000, "{} items", items.len());
    let config = TrackerConfig {
        receiver: Some(LatLon::new(49.0097, 2.5479)),
        ..TrackerConfig::default()
    };
    let updated = same_as_fresh_decodes(&items, config);
    assert!(updated > 50_000, "{updated} updates");
    let damaged = with_damage(items);
    same_as_fresh_decodes(&damaged, config);
}

#[test]
fn memo_changes_nothing_on_a_simulated_window_with_damaged_frames() {
    let s = Scenario::builtin("caracas").expect("built-in scenario");
    let sim = Simulation::new(
        &s,
        s.seed,
        Window {
            from_s: 0.0,
            duration_s: Some(900.0),
        },
    );
    let items: Vec<Received> = sim.frames().map(|h| h.received).collect();
    let config = TrackerConfig {
        receiver: s.receivers.first().map(|r| r.position),
        ..TrackerConfig::default()
    };
    let updated = same_as_fresh_decodes(&with_damage(items), config);
    assert!(updated > 10_000, "{updated} updates");
}
