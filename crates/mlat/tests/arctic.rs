//! Multilateration on the `arctic_mlat` scenario: the Tu-160s send no ADS-B position; seven
//! coastal receivers with free-running clocks (offsets, drifts of tens of ppm, 50 ns jitter)
//! hear them and the airliners that serve as clock beacons.

mod support;

use picket_engine::detect::{Detectors, Traits};
use picket_engine::event::{Event, Phase};
use picket_engine::track::{Ingested, PositionSource, TrackKey, Tracker, TrackerConfig};
use picket_mlat::{Mlat, MlatConfig, ReceiverStatus};
use picket_modes::Icao;
use picket_sim::{Scenario, Simulation, Window};
use picket_world::events::{DetectorParams, EventKind};
use picket_world::zones::builtin_zones;
use support::*;

/// The scenario's timestamp jitter, s.
const JITTER_S: f64 = 50e-9;
/// What the replies' altitude tells about the height: their 25 ft steps.
const HEIGHT_SIGMA_M: f64 = 25.0 * FT;

#[test]
fn tu160s_are_located_within_twice_the_cramer_rao_bound() {
    let s = Scenario::builtin("arctic_mlat").unwrap();
    let rx = receivers(&s);
    assert!(rx.len() >= 6);
    let r = run(
        &s,
        3_400.0,
        200.0,
        rx.clone(),
        MlatConfig::default(),
        |_| true,
        false,
    );
    // Every receiver synchronised, none left out, no jump.
    for (name, st) in &r.receivers {
        assert_eq!(st.status, ReceiverStatus::Ok, "{name}: {st:?}");
        assert_eq!(st.clock_jumps, 0, "{name}");
        assert!(st.pair_rms_ns > 40.0 && st.pair_rms_ns < 150.0, "{name}: {st:?}");
    }
    for b in BOMBERS {
        let n = r.fixes.iter().filter(|f| f.address.0 == b).count();
        // About two replies a second each over 200 s, less the first seconds of sync.
        assert!(n >= 150, "{b:06x}: {n} fixes; {:?}", r.stats);
    }
    let ecef: Vec<_> = rx.iter().map(|r| r.position.to_ecef()).collect();
    let mut crb = Vec::new();
    let mut within_3_sigma = 0;
    let (smooth, raw) = r.bomber_errors();
    let bomber_fixes: Vec<_> = r
        .fixes
        .iter()
        .filter(|f| BOMBERS.contains(&f.address.0))
        .collect();
    for (f, err) in bomber_fixes.iter().zip(&raw) {
        let truth = r.truth_at(f.address.0, f.time_utc).unwrap();
        let used: Vec<_> = (0..ecef.len())
            .filter(|i| f.receiver_mask & (1 << i) != 0)
            .map(|i| ecef[i])
            .collect();
        assert_eq!(used.len(), usize::from(f.receivers));
        crb.push(crb_horizontal_m(
            truth,
            &used,
            JITTER_S,
            f.used_altitude.then_some(HEIGHT_SIGMA_M),
        ));
        if *err <= 3.0 * f.raw_error_m {
            within_3_sigma += 1;
        }
    }
    let (med, p95) = (percentile(&raw, 0.5), percentile(&raw, 0.95));
    let (crb_med, crb_p95) = (percentile(&crb, 0.5), percentile(&crb, 0.95));
    let (smed, sp95) = (percentile(&smooth, 0.5), percentile(&smooth, 0.95));
    println!(
        "Tu-160 fixes: {}; error per fix median {med:.0} m, p95 {p95:.0} m; Cramér–Rao bound median \
         {crb_med:.0} m, p95 {crb_p95:.0} m; smoothed median {smed:.0} m, p95 {sp95:.0} m",
        raw.len()
    );
    assert!(
        med <= 2.0 * crb_med,
        "median {med:.0} m against a bound of {crb_med:.0} m"
    );
    // The bound is on the mean square: compare root mean squares too.
    let rms = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt();
    let (rms_err, rms_crb) = (rms(&raw), rms(&crb));
    println!("root mean square: error {rms_err:.0} m, bound {rms_crb:.0} m");
    assert!(rms_err <= 2.0 * rms_crb, "{rms_err:.0} m against {rms_crb:.0} m");
    // The smoothing helps, and the error estimate is honest.
    assert!(smed < med, "{smed} {med}");
    assert!(sp95 < 400.0, "{sp95}");
    assert!(
        within_3_sigma * 10 >= raw.len() * 9,
        "{within_3_sigma} of {}",
        raw.len()
    );
}

/// The bombers' entry into the Alaska ADIZ and their formation, seen by the tracker and the
/// detectors on multilateration positions (and not without them).
#[test]
fn bombers_zone_entry_and_formation_are_detected_on_mlat_positions() {
    let s = Scenario::builtin("arctic_mlat").unwrap();
    let (from, len) = (3_450.0, 180.0);
    let sim = Simulation::new(
        &s,
        s.seed,
        Window {
            from_s: from,
            duration_s: Some(len),
        },
    );
    let truth: Vec<_> = sim
        .truth_events()
        .into_iter()
        .filter(|t| t.kind == EventKind::ZoneEntry && BOMBERS.contains(&t.aircraft[0]))
        .collect();
    assert_eq!(truth.len(), 2, "{truth:?}");
    let mut mlat = Mlat::new(receivers(&s), MlatConfig::default());
    let mut with = Detection::new();
    let mut without = Detection::new();
    let mut fixes = Vec::new();
    for h in sim.frames() {
        let r = &h.received;
        with.tick(r.time_utc);
        without.tick(r.time_utc);
        fixes.clear();
        mlat.ingest(r, &mut fixes);
        for f in &fixes {
            with.ingest(&f.to_received());
        }
        with.ingest(r);
        without.ingest(r);
    }
    // The formation of the two bombers, too (they fly 1 nm apart all through the window).
    let formation = |events: &[Event]| {
        events.iter().any(|e| {
            e.kind == EventKind::Formation
                && BOMBERS.contains(&e.subject.address().0)
                && e.others.iter().any(|o| BOMBERS.contains(&o.address().0))
        })
    };
    assert!(formation(&with.events), "no formation of the bombers");
    assert!(!formation(&without.events));
    for t in &truth {
        let onset = t.onset as f64 / 1e9;
        let found = with
            .events
            .iter()
            .find(|e| {
                e.kind == EventKind::ZoneEntry
                    && e.phase != Phase::Ended
                    && e.subject.address().0 == t.aircraft[0]
                    && e.zone() == Some("alaska_adiz")
            })
            .unwrap_or_else(|| panic!("no zone entry of {:06x}", t.aircraft[0]));
        println!(
            "{:06x}: zone entry at +{:.0} s, detected with onset +{:.0} s",
            t.aircraft[0],
            onset - s.start as f64 / 1e9,
            found.onset - s.start as f64 / 1e9
        );
        assert!((found.onset - onset).abs() <= 60.0, "{} vs {onset}", found.onset);
        assert!(
            !without
                .events
                .iter()
                .any(|e| e.kind == EventKind::ZoneEntry && e.subject.address().0 == t.aircraft[0]),
            "without multilateration the bombers have no position"
        );
        // Labelled as what it is, in the state and its JSON.
        let a = with.tracker.get(TrackKey::icao(Icao(t.aircraft[0]))).unwrap();
        assert_eq!(a.position.unwrap().source, PositionSource::Mlat);
        let mut json = String::new();
        let mut obj = picket_receive::json::JsonObject::new(&mut json);
        picket_engine::state_json::write_aircraft(&mut obj, a, a.position.unwrap().time, None);
        obj.finish();
        assert!(json.contains(r#""position_source":"mlat""#), "{json}");
    }
}

struct Detection {
    tracker: Tracker,
    det: Detectors,
    events: Vec<Event>,
    retired: Vec<picket_engine::track::Aircraft>,
    next_tick: f64,
}

impl Detection {
    fn new() -> Detection {
        Detection {
            tracker: Tracker::new(TrackerConfig::default()),
            det: Detectors::new(DetectorParams::DEFAULT, builtin_zones().to_vec()),
            events: Vec::new(),
            retired: Vec::new(),
            next_tick: f64::NEG_INFINITY,
        }
    }

    fn tick(&mut self, t: f64) {
        if t < self.next_tick {
            return;
        }
        let now = t.floor();
        self.tracker.tick(now, &mut self.retired);
        for a in self.retired.drain(..) {
            self.det.on_retired(&a, now, &mut self.events);
        }
        self.det.on_tick(now, &self.tracker, &mut self.events);
        self.next_tick = now + 1.0;
    }

    fn ingest(&mut self, r: &picket_receive::Received) {
        if let Ingested::Updated(u) = self.tracker.ingest(r) {
            let slot = self.tracker.slot(u.key).unwrap();
            let a = &self.tracker.aircraft()[slot];
            let tr = Traits { of_interest: true };
            self.det.on_update(slot, a, u.changed, tr, &mut self.events);
        }
    }
}

/// Deterministic: the same frames in the same order give the same fixes, bit for bit.
#[test]
fn same_frames_same_fixes() {
    let s = Scenario::builtin("arctic_mlat").unwrap();
    let a = run(
        &s,
        3_500.0,
        60.0,
        receivers(&s),
        MlatConfig::default(),
        |_| true,
        true,
    );
    assert!(a.fixes.len() > 50, "{}", a.fixes.len());
    let mut mlat = Mlat::new(receivers(&s), MlatConfig::default());
    let mut again = Vec::new();
    for r in &a.frames {
        mlat.ingest(r, &mut again);
    }
    mlat.finish(&mut again);
    assert_eq!(a.fixes, again);
}
