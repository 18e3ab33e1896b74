//! Flight-model tests: each phase flown through the whole model, checked against what a real
//! aircraft would do.

use crate::geo::{along_track_m, cross_track_m, norm180, NM};
use crate::scenario::Scenario;
use crate::world::{TruthState, TruthStates, World};

const HEAD: &str = r#"
start = "2019-03-23T14:00:00Z"
duration = "2h"
"#;

fn run(body: &str, seconds: f64) -> (Scenario, Vec<TruthState>) {
    let text = format!("{HEAD}{body}");
    let s = Scenario::from_toml(&text, "test").unwrap_or_else(|e| panic!("{e}"));
    let world = World::new(s.aircraft.clone(), s.atmosphere, s.start);
    let states = TruthStates::new(world, 0.0, seconds).collect();
    (s, states)
}

fn of(states: &[TruthState], i: usize) -> Vec<TruthState> {
    states.iter().filter(|s| s.aircraft == i).copied().collect()
}

#[test]
fn takeoff_rolls_on_the_centreline_and_lifts_off_at_rotation_speed() {
    let (s, states) = run(
        r#"
[[aircraft]]
hex = "ae1f01"
type = "B738"
[[aircraft.phase]]
kind = "takeoff"
airport = "PAED"
runway = "06"
[[aircraft.phase]]
kind = "climb"
alt_ft = 10000
"#,
        400.0,
    );
    let perf = s.aircraft[0].performance;
    let Some(crate::scenario::Phase::Takeoff { runway }) = s.aircraft[0].phases.first() else {
        unreachable!()
    };
    let liftoff = states
        .iter()
        .position(|s| !s.on_ground)
        .expect("never lifted off");
    let roll = &states[..liftoff];
    for st in roll {
        assert!(cross_track_m(st.position, runway.threshold, runway.heading).abs() < 5.0);
        assert!(norm180(st.track_deg - runway.heading).abs() < 1.0);
    }
    let lo = states[liftoff];
    assert!(
        lo.gs_kt >= perf.vr_kt && lo.gs_kt < perf.vr_kt + 10.0,
        "{}",
        lo.gs_kt
    );
    let along = along_track_m(lo.position, runway.threshold, runway.heading);
    assert!(
        along > 500.0 && along < runway.length_m,
        "lift-off {along} m down the runway"
    );
    // About 35-45 s of roll for a narrow-body.
    assert!((30..=50).contains(&liftoff), "{liftoff} s");
    let last = states.last().unwrap();
    assert!(last.alt_baro_ft > 5000.0, "{}", last.alt_baro_ft);
    for w in states.windows(2) {
        assert!((w[1].gs_kt - w[0].gs_kt).abs() <= perf.ground_accel_kt_s + 1e-9);
        assert!(w[1].baro_rate_fpm <= perf.climb_fpm + 1e-9);
    }
}

#[test]
fn approach_from_the_wrong_side_lands_on_the_runway() {
    // From the north-east of Maiquetía, landing on 10 (heading east): the aircraft must fly a
    // downwind and base to line up, then touch down in the first third.
    let (s, states) = run(
        r#"
[[aircraft]]
hex = "1514c0"
type = "IL62"
lat = 10.9
lon = -66.6
alt_ft = 12000
speed_kt = 280
track = 250
[[aircraft.phase]]
kind = "approach"
airport = "SVMI"
runway = "10"
[[aircraft.phase]]
kind = "park"
"#,
        3000.0,
    );
    let Some(crate::scenario::Phase::Approach { runway }) = s.aircraft[0].phases.first() else {
        unreachable!()
    };
    let td = states.iter().position(|s| s.on_ground).expect("never landed");
    let t = states[td];
    let along = along_track_m(t.position, runway.threshold, runway.heading);
    let cross = cross_track_m(t.position, runway.threshold, runway.heading);
    assert!(
        along > 0.0 && along < runway.length_m / 2.0,
        "touchdown {along} m past the threshold"
    );
    assert!(cross.abs() < 20.0, "touchdown {cross} m off the centreline");
    assert!(norm180(t.track_deg - runway.heading).abs() < 3.0);
    let before = states[td - 1];
    assert!(
        before.baro_rate_fpm > -600.0,
        "hard landing at {} fpm",
        before.baro_rate_fpm
    );
    // The final 5 nm are flown on the glide path and centreline.
    for st in &states[td - 180..td] {
        let d = -along_track_m(st.position, runway.threshold, runway.heading) / NM;
        if (1.0..5.0).contains(&d) {
            let gs_alt = 235.0 + 50.0 + d * NM / 0.3048 * 3f64.to_radians().tan();
            assert!(
                (st.alt_baro_ft - gs_alt).abs() < 150.0,
                "{d} nm: {} vs {gs_alt}",
                st.alt_baro_ft
            );
            assert!(cross_track_m(st.position, runway.threshold, runway.heading).abs() < 150.0);
        }
        assert!(st.turn_rate_deg_s.abs() <= 3.0 + 1e-9);
    }
    let end = states.last().unwrap();
    assert!(end.on_ground && end.gs_kt < 0.5, "stopped: {}", end.gs_kt);
}

#[test]
fn orbit_stays_on_its_circle() {
    let (_, states) = run(
        r#"
[[aircraft]]
hex = "a00001"
type = "B738"
lat = 61.0
lon = -150.0
alt_ft = 20000
speed_kt = 300
track = 90
[[aircraft.phase]]
kind = "orbit"
lat = 61.1
lon = -150.0
radius_nm = 8
direction = "left"
duration = "40m"
"#,
        2400.0,
    );
    let centre = picket_world::geo::LatLon::new(61.1, -150.0);
    let mut turned = 0.0;
    for st in &states[600..] {
        let r = st.position.distance_nm(centre);
        assert!((r - 8.0).abs() < 0.5, "radius {r}");
        assert!(st.turn_rate_deg_s <= 0.0, "left orbit turned right");
        turned += st.turn_rate_deg_s;
    }
    // 300 kt on an 8 nm radius: a lap every 10 minutes.
    assert!(turned < -360.0 * 2.5, "{turned}");
}

#[test]
fn hold_flies_a_racetrack() {
    let (_, states) = run(
        r#"
[[aircraft]]
hex = "a00002"
type = "B738"
lat = 61.5
lon = -150.0
alt_ft = 15000
speed_kt = 220
track = 180
[[aircraft.phase]]
kind = "hold"
lat = 61.2
lon = -150.0
inbound_course = 180
leg_nm = 5
direction = "right"
duration = "30m"
"#,
        1800.0,
    );
    let fix = picket_world::geo::LatLon::new(61.2, -150.0);
    // Right-hand racetrack with the inbound course 180: everything lies north of the fix (the
    // legs) and west of the inbound line (the holding side): 5 nm legs, turns of about 1.3 nm
    // radius (standard rate at 220 kt).
    for st in &states[400..] {
        let along = along_track_m(st.position, fix, 180.0) / NM;
        let cross = cross_track_m(st.position, fix, 180.0) / NM;
        assert!(along > -7.0 && along < 2.0, "{along}");
        assert!(cross > -0.6 && cross < 4.0, "{cross}");
    }
}

#[test]
fn formation_holds_the_slot_and_intercept_joins() {
    let (s, states) = run(
        r#"
[[aircraft]]
hex = "156f01"
type = "T160"
lat = 72.0
lon = -160.0
alt_ft = 33000
speed_kt = 480
track = 150
[[aircraft.phase]]
kind = "cruise"
duration = "10m"
[[aircraft.phase]]
kind = "turn"
heading = 300
direction = "right"
# A formation leader turns gently so that the wingman on the outside can keep up.
bank_deg = 15
[[aircraft.phase]]
kind = "cruise"

[[aircraft]]
hex = "156f02"
type = "T160"
lat = 72.02
lon = -160.02
alt_ft = 33000
speed_kt = 480
track = 150
[[aircraft.phase]]
kind = "formation"
leader = "156f01"
behind_nm = 1
right_nm = -0.5

[[aircraft]]
hex = "ae1f01"
type = "F22"
lat = 70.5
lon = -157.0
alt_ft = 25000
speed_kt = 450
track = 0
[[aircraft.phase]]
kind = "intercept"
target = "156f01"
behind_nm = 0.5
right_nm = 1
duration = "20m"
"#,
        2400.0,
    );
    let lead = of(&states, 0);
    let wing = of(&states, 1);
    let fighter = of(&states, 2);
    let slot_error = |l: &TruthState, f: &TruthState, behind: f64, right: f64| {
        let slot = crate::flight::slot_of(
            &crate::flight::Kin {
                pos: l.position,
                alt_ft: l.alt_baro_ft,
                gs_kt: l.gs_kt,
                track: l.track_deg,
                vrate_fpm: 0.0,
                bank_deg: 0.0,
                turn_rate: 0.0,
                on_ground: false,
            },
            &crate::scenario::Offset {
                behind_nm: behind,
                right_nm: right,
                above_ft: 0.0,
            },
        );
        f.position.distance_nm(slot)
    };
    let mut worst = 0.0f64;
    for (l, f) in lead.iter().zip(&wing).skip(120) {
        worst = worst.max(slot_error(l, f, 1.0, -0.5));
        assert!((l.alt_baro_ft - f.alt_baro_ft).abs() < 200.0);
    }
    // Through a 150° turn the wingman stays within a quarter of a mile of its slot.
    assert!(worst < 0.25, "formation slot error {worst} nm");
    let joined = fighter
        .iter()
        .zip(&lead)
        .position(|(f, l)| slot_error(l, f, 0.5, 1.0) < 0.5)
        .expect("the fighter never joined");
    assert!(joined > 60, "joined implausibly fast at {joined}");
    for (l, f) in lead.iter().zip(&fighter).skip(joined + 60).take(600) {
        assert!(slot_error(l, f, 0.5, 1.0) < 0.4);
    }
    assert!(s.aircraft[2].performance.max_kt >= fighter.iter().map(|f| f.gs_kt).fold(0.0, f64::max));
}

#[test]
fn taxi_and_park_follow_the_path_slowly() {
    let (_, states) = run(
        r#"
[[aircraft]]
hex = "152a1f"
type = "IL76"
[[aircraft.phase]]
kind = "park"
lat = 11.8046
lon = -66.1900
duration = "1m"
[[aircraft.phase]]
kind = "taxi"
path = [[11.8060, -66.1880], [11.8070, -66.1850]]
[[aircraft.phase]]
kind = "park"
"#,
        600.0,
    );
    let end = picket_world::geo::LatLon::new(11.8070, -66.1850);
    for st in &states {
        assert!(st.on_ground);
        assert!(st.gs_kt <= 15.0 + 1e-9);
    }
    let last = states.last().unwrap();
    assert!(
        last.position.distance_m(end) < 10.0,
        "{}",
        last.position.distance_m(end)
    );
    assert!(last.gs_kt < 0.1);
}

#[test]
fn windows_and_turns_by_angle() {
    let (_, states) = run(
        r#"
[[aircraft]]
hex = "a00003"
type = "A320"
lat = 10.0
lon = -66.0
alt_ft = 30000
speed_kt = 440
track = 0
[[aircraft.phase]]
kind = "turn"
by_deg = 270
direction = "left"
bank_deg = 25
[[aircraft.phase]]
kind = "cruise"
[[aircraft.window]]
from = "+1m"
to = "+2m"
transponder = "off"
"#,
        400.0,
    );
    let last = states.last().unwrap();
    assert!(norm180(last.track_deg - 90.0).abs() < 2.0, "{}", last.track_deg);
    let total: f64 = states.iter().map(|s| s.turn_rate_deg_s).sum();
    assert!((total + 270.0).abs() < 5.0, "{total}");
    assert_eq!(states[90].transponder, crate::scenario::TransponderState::Off);
    assert_ne!(states[150].transponder, crate::scenario::TransponderState::Off);
}
