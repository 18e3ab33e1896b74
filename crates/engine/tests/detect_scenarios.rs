//! The detectors against the simulator's ground truth: windows of the built-in scenarios
//! run through the tracker and the detectors (no rules), and every observable truth event
//! of the window must be found with the same kind, aircraft and place, its onset within
//! 5 s, and detected no later than the detector's minimum duration plus 5 s (intercepts:
//! at the join). Events about the scripted aircraft must all be true ones.

mod detect_support;

use detect_support::{allowed_delay, describe, describe_event, matches, run, Run};
use picket_engine::event::{Detail, Phase};
use picket_world::events::{DetectorParams, EventKind};

fn check(r: &Run, expect_kinds: &[EventKind]) {
    let p = DetectorParams::DEFAULT;
    let mut missing = Vec::new();
    let mut seen_kinds = Vec::new();
    for t in r.truth.iter().filter(|t| t.observable) {
        let found = matches(t, &r.events);
        let limit = match (t.kind, t.join) {
            (EventKind::Intercept, Some(j)) => j as f64 / 1e9 + 5.0,
            _ => t.onset as f64 / 1e9 + allowed_delay(t.kind, &p),
        };
        if !found.iter().any(|&(_, detected)| detected <= limit) {
            missing.push(format!("{} (found {:?})", describe(t, r.start), found));
        }
        seen_kinds.push(t.kind);
    }
    assert!(missing.is_empty(), "missed:\n{}", missing.join("\n"));
    for k in expect_kinds {
        assert!(seen_kinds.contains(k), "the window has no observable {k}");
    }
    // Precision: every started event about a scripted aircraft of these kinds is a truth
    // event (formations: every link).
    let scripted: Vec<u32> = r.truth.iter().flat_map(|t| t.aircraft.iter().copied()).collect();
    let truth_of = |kind: EventKind, a: u32, b: Option<u32>, onset: f64| {
        r.truth.iter().any(|t| {
            t.kind == kind
                && t.aircraft[0] == a
                && b.is_none_or(|b| t.aircraft.get(1) == Some(&b))
                && (t.onset as f64 / 1e9 - onset).abs() <= 5.0
        })
    };
    for e in r.events.iter().filter(|e| e.phase != Phase::Ended) {
        let a = e.subject.address().0;
        if !scripted.contains(&a) {
            continue;
        }
        let ok = match e.kind {
            EventKind::ZoneEntry | EventKind::ZoneExit | EventKind::Takeoff | EventKind::Landing => {
                e.phase == Phase::Started && truth_of(e.kind, a, None, e.onset)
            }
            EventKind::Intercept | EventKind::Escort => {
                truth_of(e.kind, a, e.others.first().map(|o| o.address().0), e.onset)
            }
            EventKind::Formation => match &e.detail {
                Detail::Formation { links, .. } => links.iter().all(|l| {
                    let (x, y) = (l.a.address().0, l.b.address().0);
                    truth_of(EventKind::Formation, x, Some(y), l.onset)
                        || truth_of(EventKind::Formation, y, Some(x), l.onset)
                }),
                _ => false,
            },
            _ => true,
        };
        assert!(ok, "not in the truth: {}", describe_event(e, r.start));
    }
}

/// Arctic, from before the bombers' formation to after they go dark: zone entries of the
/// bombers and the fighters, the bombers' formation, four intercepts (each fighter on each
/// bomber, never one fighter on its wingman), escorts, zone exits and going dark.
#[test]
fn arctic_formation_intercept_escort_zone_and_dark() {
    let r = run("arctic", 2_900.0, 3_700.0);
    check(
        &r,
        &[
            EventKind::ZoneEntry,
            EventKind::Formation,
            EventKind::Intercept,
            EventKind::Escort,
            EventKind::ZoneExit,
            EventKind::WentDark,
        ],
    );
    // One formation group of four at its largest, with the join times of the fighters.
    let biggest = r
        .events
        .iter()
        .filter_map(|e| match &e.detail {
            Detail::Formation { members, .. } if e.kind == EventKind::Formation => Some(*members),
            _ => None,
        })
        .max();
    assert_eq!(biggest, Some(4));
    let groups: std::collections::BTreeSet<u64> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Formation)
        .map(|e| e.id)
        .collect();
    assert_eq!(groups.len(), 1, "one group, updated");
    // The fighters (FURY11, FURY12) are wingmen: neither intercepts nor escorts the other.
    let fighters = [0xae1f01, 0xae1f02];
    assert!(
        !r.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Intercept | EventKind::Escort)
                && e.aircraft().all(|k| fighters.contains(&k.address().0))),
        "an intercept within one side"
    );
}

/// Caracas, around the two landings at SVMI.
#[test]
fn caracas_landings() {
    let r = run("caracas", 4_500.0, 2_100.0);
    check(&r, &[EventKind::Landing]);
}

/// Orchila, from the landing at La Orchila to the first dwell report six hours later.
#[test]
fn orchila_landing_and_dwell() {
    let r = run("orchila", 5_200.0, 22_000.0);
    check(&r, &[EventKind::Landing, EventKind::Dwell]);
}

/// Carrier: every recovery aboard the carrier steaming at 20 kt is a landing at sea (a
/// possible ship landing, with its position, no airport), every catapult launch a take-off
/// at sea.
#[test]
fn carrier_recoveries_and_launches_reported_at_sea() {
    let r = run("carrier", 0.0, 9_000.0);
    check(&r, &[EventKind::Landing, EventKind::Takeoff]);
    let s = picket_sim::Scenario::builtin("carrier").unwrap();
    let moves: Vec<_> = r
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Landing | EventKind::Takeoff) && e.phase == Phase::Started)
        .collect();
    let truth = r
        .truth
        .iter()
        .filter(|t| matches!(t.kind, EventKind::Landing | EventKind::Takeoff))
        .count();
    assert_eq!(moves.len(), truth, "{moves:#?}");
    let landings = moves.iter().filter(|e| e.kind == EventKind::Landing).count();
    assert_eq!(landings, 4, "four recoveries");
    for e in moves {
        let Detail::Movement { site: Some(site), .. } = e.detail else {
            panic!("not at a site: {e:?}");
        };
        assert!(site.sea && e.airport().is_none(), "{e:?}");
        // On the ship's track: within 1 km of where the ship was at the onset.
        let t = e.onset - s.start as f64 / 1e9;
        let ship = picket_world::geo::LatLon::new(16.8, -66.2).destination(90.0, 20.0 * 1852.0 / 3600.0 * t);
        assert!(site.position.distance_m(ship) < 1_000.0, "{e:?} ship at {ship:?}");
    }
}
