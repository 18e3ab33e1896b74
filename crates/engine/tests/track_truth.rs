//! The tracker against the simulator's ground truth (issue 10): for windows of each built-in
//! scenario, every heard frame of every receiver goes to one tracker, and once per data
//! second each aircraft's tracked position, barometric altitude, ground speed and callsign
//! are compared with the truth. A quantity of an aircraft counts in a second only while the
//! aircraft is in coverage for it:
//! - its transponder is on and sends the quantity (ADS-B for position, speed and callsign;
//!   any Mode S transponder for the altitude, which the replies carry too), and
//! - a frame carrying it reached some receiver without bit errors within the last
//!   [`COVERAGE_S`] (for the position: one of each CPR parity within [`PAIR_S`], as a first
//!   fix needs a pair).
//!
//! In a counted second the tracked value must exist, come from a frame no older than
//! [`FRESH_S`], and match the truth at its own time within the protocol's resolution:
//! - position: one CPR cell (17-bit airborne, 19-bit-equivalent surface encoding, at the
//!   truth's latitude) of the truth position at the position's time, plus the distance flown
//!   in the longest propagation delay;
//! - altitude: 25 ft (Q-bit coding), 100 ft above 50,175 ft (Gillham);
//! - ground speed: 1 kt airborne (the velocity's east and north components are whole
//!   knots), one step of the surface movement code on the ground;
//! - callsign: equal.
//!
//! The truth "at a value's time" is the truth sample of that second carried forward the way
//! the simulator's transponders report within the second: positions along a constant turn
//! with the sample's ground speed, altitudes with its vertical rate, speeds as sampled. The
//! sample is the second of the reception time or, when a frame sent at the end of a second
//! arrived in the next one, of the reception time less the longest propagation delay
//! ([`MAX_PROPAGATION_S`]); a value matching either is correct.
//!
//! The tracker is configured as a deployment would be: the first receiver's position as the
//! reference that resolves the 90-degree ambiguity of surface pairs, no range (the receivers'
//! differ).
//!
//! Measured with each scenario's seed over these windows (printed with `--nocapture`): every
//! compared aircraft, scripted and background, matched in 100.00 % of its counted seconds on
//! every quantity. Aircraft-seconds counted (position / altitude / speed / callsign): caracas,
//! 10 aircraft, 18,139 / 18,204 / 18,228 / 15,944; orchila arrival, 2 aircraft, 2,189 / 2,316
//! / 2,370 / 1,470; orchila stay, 1 aircraft, 915 / 1,002 / 1,055 / 477; arctic, 14 aircraft,
//! 41,647 / 42,071 / 41,717 / 29,391 (the bombers send no callsign). The largest
//! errors: positions 0.49 of the tolerance (half a CPR cell: the encoder rounds), altitudes
//! 0.50 (12.5 ft), airborne speeds 0.68 (two rounded components), surface speeds 1.00 (the
//! movement code gives the low end of its interval). Before the fix to receiver-relative
//! surface decoding (engine/track/position.rs), the Il-76MD parked on La Orchila, 86 NM from
//! the Avila receiver, was first placed one surface zone (175 km) away: 98.4 % of positions.

use std::collections::{HashMap, VecDeque};

use picket_engine::track::{Aircraft, Field, TrackKey, Tracker, TrackerConfig};
use picket_modes::{cpr, Frame, Icao};
use picket_sim::scenario::{Transponder, TransponderState};
use picket_sim::{Scenario, Simulation, TruthState, Window};
use picket_world::geo::{LatLon, METRES_PER_NM};

/// A quantity is in coverage for this long after a frame carrying it was heard, seconds.
const COVERAGE_S: f64 = 5.0;
/// Both CPR parities must have been heard within this long (the tracker's pair window).
const PAIR_S: f64 = 10.0;
/// A tracked value older than this while the aircraft is in coverage is a failure.
const FRESH_S: f64 = 10.0;
/// Longest propagation delay to a receiver in these scenarios (250 NM is 1.55 ms).
const MAX_PROPAGATION_S: f64 = 0.002;
/// Metres per second per knot.
const KT: f64 = METRES_PER_NM / 3600.0;
/// Metres per degree of latitude on the sphere picket measures on.
const M_PER_DEG: f64 = picket_world::geo::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// The compared quantities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Q {
    Position,
    Altitude,
    Speed,
    Callsign,
}

const QS: [Q; 4] = [Q::Position, Q::Altitude, Q::Speed, Q::Callsign];

/// Counted and matching seconds of one quantity of one aircraft, and the first failures.
#[derive(Debug, Default, Clone)]
struct Tally {
    counted: u32,
    ok: u32,
    /// Largest error of a matching value as a share of its tolerance.
    worst_ratio: f64,
    failures: Vec<String>,
}

impl Tally {
    fn percent(&self) -> f64 {
        if self.counted == 0 {
            100.0
        } else {
            100.0 * f64::from(self.ok) / f64::from(self.counted)
        }
    }

    fn add(&mut self, result: Result<f64, String>, t: i64) {
        self.counted += 1;
        match result {
            Ok(ratio) => {
                self.ok += 1;
                self.worst_ratio = self.worst_ratio.max(ratio);
            }
            Err(why) if self.failures.len() < 6 => self.failures.push(format!("t={t}: {why}")),
            Err(_) => {}
        }
    }
}

/// One aircraft's comparison.
#[derive(Debug, Clone)]
struct Compared {
    address: u32,
    scripted: bool,
    tallies: [Tally; 4],
}

/// When each kind of content was last heard from an aircraft without bit errors.
#[derive(Debug, Clone, Copy)]
struct LastHeard {
    /// Even and odd CPR position reports.
    position: [f64; 2],
    altitude: f64,
    speed: f64,
    ident: f64,
}

impl Default for LastHeard {
    fn default() -> Self {
        LastHeard {
            position: [f64::NEG_INFINITY; 2],
            altitude: f64::NEG_INFINITY,
            speed: f64::NEG_INFINITY,
            ident: f64::NEG_INFINITY,
        }
    }
}

impl LastHeard {
    /// Notes what a clean frame carries (read from its bits, independently of the decoder).
    fn note(&mut self, frame: &Frame, time: f64) {
        match frame.df() {
            // Surveillance and air-air replies: the AC field (bits 20-32).
            0 | 4 | 16 | 20 if frame.bits(20, 32) != 0 => self.altitude = time,
            // ADS-B from a transponder, or from a non-transponder device with an ICAO address.
            17 | 18 if frame.df() == 17 || frame.bits_6_8() == 0 => {
                let tc = frame.type_code();
                // The F bit is ME bit 22.
                let parity = frame.bits(54, 54) as usize;
                match tc {
                    1..=4 => self.ident = time,
                    5..=8 => {
                        self.position[parity] = time;
                        // Movement (ME bits 6-12): 1-124 carry a speed.
                        if (1..=124).contains(&frame.bits(38, 44)) {
                            self.speed = time;
                        }
                    }
                    9..=18 => {
                        self.position[parity] = time;
                        // The altitude code (ME bits 9-20).
                        if frame.bits(41, 52) != 0 {
                            self.altitude = time;
                        }
                    }
                    // Velocity over ground (subtypes 1 and 2, ME bits 6-8).
                    19 if matches!(frame.bits(38, 40), 1 | 2) => self.speed = time,
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// One CPR cell at a latitude (metres, north and east): the airborne encoding's 17 bits over
/// a zone of 360/59 degrees of latitude and 360/max(NL-1, 1) of longitude (the odd zones,
/// the larger), a quarter of that on the surface (zones of 90 degrees).
fn cpr_cell_m(lat: f64, surface: bool) -> f64 {
    let span = if surface { 90.0 } else { 360.0 };
    let scale = f64::from(1u32 << 17);
    let dlat = span / 59.0 / scale * M_PER_DEG;
    let zones = cpr::nl(lat).saturating_sub(1).max(1);
    let dlon = span / f64::from(zones) / scale * M_PER_DEG * lat.to_radians().cos();
    dlat.hypot(dlon)
}

/// One step of the surface movement code at a speed (DO-260B Table 2-16).
fn movement_step_kt(gs: f64) -> f64 {
    match gs {
        g if g < 1.0 => 0.125,
        g if g < 2.0 => 0.25,
        g if g < 15.0 => 0.5,
        g if g < 70.0 => 1.0,
        g if g < 100.0 => 2.0,
        _ => 5.0,
    }
}

/// The truth samples of the last seconds of each aircraft.
#[derive(Debug, Default)]
struct Truth {
    recent: HashMap<usize, VecDeque<TruthState>>,
}

impl Truth {
    fn push(&mut self, s: TruthState) {
        let q = self.recent.entry(s.aircraft).or_default();
        q.push_back(s);
        while q.len() > 20 {
            q.pop_front();
        }
    }

    /// The sample of aircraft `i` at UTC second `sec`.
    fn at(&self, i: usize, sec: i64) -> Option<&TruthState> {
        self.recent
            .get(&i)?
            .iter()
            .rev()
            .find(|s| s.time.div_euclid(1_000_000_000) == sec)
    }

    /// The samples a value heard at `time` may have been sent from, with the time elapsed
    /// since each.
    fn candidates(&self, i: usize, time: f64) -> Vec<(&TruthState, f64)> {
        let mut out: Vec<(&TruthState, f64)> = Vec::new();
        for t in [time, time - MAX_PROPAGATION_S] {
            let sec = t.floor() as i64;
            if let Some(s) = self.at(i, sec) {
                if !out.iter().any(|(o, _)| o.time == s.time) {
                    out.push((s, time - sec as f64));
                }
            }
        }
        out
    }
}

/// The truth position `dt` seconds after a sample, along the sample's constant turn.
fn position_after(s: &TruthState, dt: f64) -> LatLon {
    if s.gs_kt <= 0.0 {
        return s.position;
    }
    let track = s.track_deg + s.turn_rate_deg_s * dt / 2.0;
    s.position.destination(track, s.gs_kt * KT * dt)
}

/// The smallest error/tolerance ratio over the truth samples a value may come from: a match
/// when at most 1.
fn closest(
    candidates: Vec<(&TruthState, f64)>,
    ratio: impl Fn(&TruthState, f64) -> f64,
) -> Option<(f64, &TruthState, f64)> {
    candidates
        .into_iter()
        .map(|(s, dt)| (ratio(s, dt), s, dt))
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

fn check_position(a: &Aircraft, truth: &Truth, i: usize, now: f64) -> Result<f64, String> {
    let p = a.position.ok_or("no position")?;
    if now - p.time > FRESH_S {
        return Err(format!("position {:.1} s old", now - p.time));
    }
    let tolerance = |s: &TruthState| cpr_cell_m(s.position.lat, p.surface) + s.gs_kt * KT * MAX_PROPAGATION_S;
    let error = |s: &TruthState, dt: f64| position_after(s, dt).distance_m(p.latlon());
    match closest(truth.candidates(i, p.time), |s, dt| error(s, dt) / tolerance(s)) {
        Some((r, _, _)) if r <= 1.0 => Ok(r),
        Some((_, s, dt)) => Err(format!(
            "position off by {:.1} m (allowed {:.1} m, surface {}, {:?}, age {:.1} s)",
            error(s, dt),
            tolerance(s),
            p.surface,
            p.method,
            now - p.time
        )),
        None => Err("no truth at the position's time".to_string()),
    }
}

fn check_altitude(a: &Aircraft, truth: &Truth, i: usize, now: f64) -> Result<f64, String> {
    let v = f64::from(a.alt_baro.ok_or("no altitude")?);
    let t = a.seen(Field::AltBaro).ok_or("altitude never set")?;
    if now - t > FRESH_S {
        return Err(format!("altitude {:.1} s old", now - t));
    }
    let expect = |s: &TruthState, dt: f64| {
        let climb = if s.on_ground {
            0.0
        } else {
            s.baro_rate_fpm * dt / 60.0
        };
        s.alt_baro_ft + climb
    };
    let tolerance = |ft: f64| if ft < 50_175.0 { 25.0 } else { 100.0 };
    let ratio = |s: &TruthState, dt: f64| (v - expect(s, dt)).abs() / tolerance(expect(s, dt));
    match closest(truth.candidates(i, t), ratio) {
        Some((r, _, _)) if r <= 1.0 => Ok(r),
        Some((_, s, dt)) => Err(format!("altitude {v} ft, truth {:.0} ft", expect(s, dt))),
        None => Err("no truth at the altitude's time".to_string()),
    }
}

fn check_speed(a: &Aircraft, truth: &Truth, i: usize, now: f64) -> Result<f64, String> {
    let v = f64::from(a.gs.ok_or("no ground speed")?);
    let t = a.seen(Field::Gs).ok_or("speed never set")?;
    if now - t > FRESH_S {
        return Err(format!("ground speed {:.1} s old", now - t));
    }
    let tolerance = |s: &TruthState| {
        if s.on_ground {
            movement_step_kt(s.gs_kt)
        } else {
            1.0
        }
    };
    match closest(truth.candidates(i, t), |s, _| (v - s.gs_kt).abs() / tolerance(s)) {
        Some((r, _, _)) if r <= 1.0 => Ok(r),
        Some((_, s, _)) => Err(format!(
            "ground speed {v:.2} kt, truth {:.2} kt (on the ground: {})",
            s.gs_kt, s.on_ground
        )),
        None => Err("no truth at the speed's time".to_string()),
    }
}

fn check_callsign(a: &Aircraft, expect: &str) -> Result<f64, String> {
    match a.callsign {
        Some(c) if c.as_str() == expect => Ok(0.0),
        other => Err(format!(
            "callsign {:?}, truth {expect}",
            other.map(|c| c.as_str().to_string())
        )),
    }
}

/// The tracker's settings: the defaults, with the first receiver's position as the reference
/// that resolves the surface CPR ambiguity (90 degrees: any receiver of the area will do) for
/// aircraft first heard on the ground. No range: it differs per receiver.
fn config(s: &Scenario) -> TrackerConfig {
    TrackerConfig {
        receiver: s.receivers.first().map(|r| r.position),
        ..TrackerConfig::default()
    }
}

/// Runs a window of a built-in scenario through one tracker and compares every second.
fn run(scenario: &str, from_s: f64, duration_s: f64) -> Vec<Compared> {
    let s = Scenario::builtin(scenario).expect("built-in scenario");
    let sim = Simulation::new(
        &s,
        s.seed,
        Window {
            from_s,
            duration_s: Some(duration_s),
        },
    );
    let start = s.start.div_euclid(1_000_000_000);
    let (from, to) = sim.window_s();
    let first = start + from.ceil() as i64 + 1;
    let last = start + to.floor() as i64 - 1;
    let scripted = s.aircraft.len();
    let mut compared: Vec<Compared> = sim
        .aircraft()
        .iter()
        .enumerate()
        .map(|(i, a)| Compared {
            address: a.address,
            scripted: i < scripted,
            tallies: Default::default(),
        })
        .collect();
    let mut heard = vec![LastHeard::default(); compared.len()];
    let mut truth = Truth::default();
    let mut states = sim.truth_states().peekable();
    let mut tracker = Tracker::new(config(&s));
    let mut retired = Vec::new();
    let mut frames = sim.frames().peekable();
    let mut now = first;
    while now <= last {
        // Every frame that arrived before this second, then the truth up to it.
        while let Some(h) = frames.next_if(|h| h.received.time_utc < now as f64) {
            let time = h.received.time_utc;
            if let (0, Some(frame)) = (h.bit_errors, h.received.what.frame()) {
                heard[h.aircraft].note(frame, time);
            }
            tracker.ingest(&h.received);
        }
        while let Some(st) = states.next_if(|st| st.time.div_euclid(1_000_000_000) <= now) {
            truth.push(st);
        }
        tracker.tick(now as f64, &mut retired);
        let t = now as f64;
        for (i, c) in compared.iter_mut().enumerate() {
            let Some(st) = truth.at(i, now) else { continue };
            let TransponderState::On(mode) = st.transponder else {
                continue;
            };
            let adsb = mode != Transponder::ModeSOnly;
            let h = &heard[i];
            let recent = |at: f64| t - at <= COVERAGE_S;
            let covered = [
                adsb && recent(h.position[0].max(h.position[1]))
                    && t - h.position[0].min(h.position[1]) <= PAIR_S,
                recent(h.altitude),
                adsb && recent(h.speed),
                adsb && st.callsign.is_some() && recent(h.ident),
            ];
            let a = tracker.get(TrackKey::icao(Icao(st.address)));
            for (k, q) in QS.iter().enumerate() {
                if !covered[k] {
                    continue;
                }
                let result = match a {
                    None => Err("not tracked".to_string()),
                    Some(a) => match q {
                        Q::Position => check_position(a, &truth, i, t),
                        Q::Altitude => check_altitude(a, &truth, i, t),
                        Q::Speed => check_speed(a, &truth, i, t),
                        Q::Callsign => check_callsign(a, st.callsign.as_ref().map_or("", |c| c.as_str())),
                    },
                };
                c.tallies[k].add(result, now - start);
            }
        }
        now += 1;
    }
    compared.retain(|c| c.tallies.iter().any(|t| t.counted > 0));
    compared
}

/// Prints the comparison and checks every aircraft and quantity against 99 %.
fn check(name: &str, compared: &[Compared], min_scripted_s: u32) {
    let mut bad = Vec::new();
    let mut worst = [(f64::INFINITY, 0u32); 4];
    for c in compared {
        let line: Vec<String> = QS
            .iter()
            .zip(&c.tallies)
            .map(|(q, t)| {
                format!(
                    "{q:?} {:.2} % of {} (error <= {:.2} of the tolerance)",
                    t.percent(),
                    t.counted,
                    t.worst_ratio
                )
            })
            .collect();
        if c.scripted {
            eprintln!("{name} {:06x} (scripted): {}", c.address, line.join(", "));
        }
        for (k, t) in c.tallies.iter().enumerate() {
            if t.counted > 0 && t.percent() < worst[k].0 {
                worst[k] = (t.percent(), t.counted);
            }
            if f64::from(t.ok) < 0.99 * f64::from(t.counted) {
                bad.push(format!(
                    "{:06x} {:?}: {:.2} % of {} s\n    {}",
                    c.address,
                    QS[k],
                    t.percent(),
                    t.counted,
                    t.failures.join("\n    ")
                ));
            }
        }
    }
    let total = |k: usize| compared.iter().map(|c| c.tallies[k].counted).sum::<u32>();
    eprintln!(
        "{name}: {} aircraft compared, seconds counted {}; worst: {}",
        compared.len(),
        QS.iter()
            .enumerate()
            .map(|(k, q)| format!("{q:?} {}", total(k)))
            .collect::<Vec<_>>()
            .join(", "),
        QS.iter()
            .zip(worst)
            .map(|(q, (p, n))| format!("{q:?} {p:.2} % of {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(bad.is_empty(), "{name}: below 99 %:\n{}", bad.join("\n"));
    // The scripted aircraft were really compared, on everything they send.
    for c in compared.iter().filter(|c| c.scripted) {
        for (k, t) in c.tallies.iter().enumerate() {
            let sends = QS[k] != Q::Callsign || c.address != 0x156f01 && c.address != 0x156f02;
            assert!(
                !sends || t.counted >= min_scripted_s,
                "{name} {:06x}: {:?} compared only {} s",
                c.address,
                QS[k],
                t.counted
            );
        }
    }
}

/// Caracas: the Il-62M's and the An-124's descents, approaches, landings at SVMI, taxiing and
/// parking, among the airline traffic.
#[test]
fn caracas_arrivals_match_the_truth() {
    let compared = run("caracas", 4_500.0, 2_200.0);
    check("caracas", &compared, 300);
}

/// Orchila: the Il-76MD's arrival, landing at SVLO and the first half hour of its stay.
#[test]
fn orchila_arrival_and_stay_match_the_truth() {
    let compared = run("orchila", 4_800.0, 2_400.0);
    check("orchila", &compared, 300);
}

/// Orchila: a slice of the Il-76MD's stay a day later, parked on the apron among the passing
/// airline traffic (positions every 5 s, identification every 10 s).
#[test]
fn orchila_stay_matches_the_truth() {
    let compared = run("orchila", 86_400.0, 1_200.0);
    check("orchila stay", &compared, 300);
}

/// Arctic: the bombers Mode S only, then on ADS-B in formation, the fighters' intercept and
/// escort, and the bombers going dark.
#[test]
fn arctic_bombers_and_fighters_match_the_truth() {
    let compared = run("arctic", 2_400.0, 4_200.0);
    check("arctic", &compared, 300);
}
