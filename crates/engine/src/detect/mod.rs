//! The detectors: what the aircraft are doing, as [`Event`]s, on the tracker's state.
//!
//! Every detector watches every aircraft (the rules decide what becomes an alert), with
//! the parameters of [`DetectorParams`], the vocabulary the simulator's ground truth uses
//! too. One small unit per detector:
//!
//! | unit | events | driven by |
//! |---|---|---|
//! | `zone` | `zone_entry`, `zone_exit` | positions |
//! | `movement` | `takeoff`, `landing`, `dwell` | messages; ticks (lost low, dwell) |
//! | `emergency` | `emergency` | messages |
//! | `first_seen` | `first_seen` | messages |
//! | `dark` | `went_dark` | ticks |
//! | `loiter` | `loiter` | 2-second samples (ticks) |
//! | `formation`, `intercept` | `formation`, `intercept`, `escort` | once per data second (ticks) |
//!
//! Driving them (the engine does this):
//! 1. after each input that updated an aircraft, [`Detectors::on_update`] with the
//!    aircraft's slot in the tracker ([`Tracker::slot`]), the aircraft, the fields that
//!    changed and its [`Traits`] (any message counts: repeated values confirm emergencies
//!    and sightings);
//! 2. after the tracker's own tick, [`Detectors::on_retired`] for each aircraft it retired,
//!    in the order it retired them, then [`Detectors::on_tick`]. The per-aircraft state is
//!    kept parallel to the tracker's slab by these two calls alone: every update of a new
//!    aircraft (the tracker puts it at the slab's end) and every retirement must be passed on. Tick-driven work runs at most once per second of data
//!    time, whatever the tick rate.
//!
//! Noise: the tracker already refuses unverified frames; the detectors in addition never
//! act on one message: zone changes need two positions, ground/air changes, emergencies and
//! sightings two messages, and the pairwise detectors minimum durations.
//!
//! Non-ICAO addresses (anonymous, self-assigned, TIS-B track files) are tracked under their
//! own [`TrackKey`] and reported as such (`~` in JSON): never as the ICAO aircraft with the
//! same number, and never in a dwell (no country can be read from them).
//!
//! Cost: the per-message path finds its state by the tracker's slot (no look-up of its
//! own: the state is kept parallel to the tracker's slab) and does a few comparisons, and allocates
//! nothing once the aircraft is known (zone distances are measured only near a boundary,
//! airports looked up only low and every few seconds). The pairwise pass sorts the located
//! aircraft into a coarse grid and compares only the pairs within the formation break
//! distance; intercepts are worked out at a join from per-aircraft histories (one sample
//! every 2 s, [`HISTORY_S`] deep), instead of following every pair.
//!
//! ```
//! use picket_engine::detect::{Detectors, Traits};
//! use picket_engine::track::{Ingested, Tracker, TrackerConfig};
//! use picket_modes::Frame;
//! use picket_world::events::DetectorParams;
//!
//! let mut tracker = Tracker::new(TrackerConfig::default());
//! let mut detectors = Detectors::new(DetectorParams::DEFAULT, picket_world::zones::builtin_zones().to_vec());
//! let mut events = Vec::new();
//! // pyModeS tests: identification of 406B90, twice.
//! let frame = Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap();
//! for t in [1_457_996_400.0, 1_457_996_401.0] {
//!     if let Ingested::Updated(u) = tracker.ingest_frame(t, frame, None) {
//!         let slot = tracker.slot(u.key).unwrap();
//!         let a = &tracker.aircraft()[slot];
//!         detectors.on_update(slot, a, u.changed, Traits::default(), &mut events);
//!     }
//! }
//! detectors.on_tick(1_457_996_402.0, &tracker, &mut events);
//! assert_eq!(events.len(), 1);
//! assert_eq!(events[0].kind.as_str(), "first_seen");
//! ```

mod dark;
mod emergency;
mod first_seen;
mod formation;
mod grid;
mod history;
mod intercept;
mod loiter;
mod movement;
mod zone;

/// Uniform numbers in [0, 1) from a xorshift generator with this seed, for the detectors'
/// randomised tests (the same sequence for the same seed).
#[cfg(test)]
pub(crate) fn uniform(mut state: u64) -> impl FnMut() -> f64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod testkit;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use picket_world::events::DetectorParams;
use picket_world::geo::{LatLon, EARTH_RADIUS_M};
use picket_world::zones::Zone;

use crate::event::Event;
use crate::track::{Aircraft, Field, FieldSet, TrackKey, Tracker};

use formation::{Pairs, Snap};
use grid::Grid;
use history::{History, Sample, SAMPLE_S};
use loiter::{Fix, Loiter};
use movement::Movement;

/// How far back the per-aircraft sample histories reach, seconds: twice the default
/// intercept join window plus the minimum closure run (see [`Detectors::new`] for the
/// actual depth, which follows the parameters).
pub const HISTORY_S: u64 = 2 * 15 * 60 + 30;

/// No snapshot (in `Detectors::snap_at`).
const NO_SNAP: u32 = u32::MAX;

/// Parked records (aircraft retired on the ground at an airport) older than this are
/// forgotten, seconds.
const PARKED_MAX_AGE_S: f64 = 30.0 * 86_400.0;

/// What the engine knows about an aircraft beyond its tracked state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traits {
    /// Military or state by the aircraft's classification: dwell is raised only for these.
    pub of_interest: bool,
}

/// Who an aircraft flies for, as far as its address and callsign tell: aircraft of one side
/// that join up are wingmen (a formation), never an intercept or an escort.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Side {
    /// ISO 3166 alpha-2 code of the address block's country, for military and state
    /// aircraft only (an air force meeting an airliner of its own country is an intercept).
    pub country: Option<[u8; 2]>,
    /// The callsign's leading letters (operator designator or tactical name: `RCH`, `FURY`),
    /// at most four, when there are at least three.
    pub operator: Option<[u8; 4]>,
}

impl Side {
    /// The side of an aircraft with this key and callsign; `of_interest`: military or state.
    pub fn of(key: TrackKey, callsign: Option<&str>, of_interest: bool) -> Side {
        let country = (of_interest && key.is_icao())
            .then(|| crate::enrich::country(key.address()))
            .flatten()
            .and_then(|c| <[u8; 2]>::try_from(c.iso2.as_bytes()).ok());
        let operator = callsign.and_then(|cs| {
            let letters = cs.trim().bytes().take_while(u8::is_ascii_alphabetic).take(4);
            let mut op = [b' '; 4];
            let mut n = 0;
            for (slot, c) in op.iter_mut().zip(letters) {
                *slot = c.to_ascii_uppercase();
                n += 1;
            }
            (n >= 3).then_some(op)
        });
        Side { country, operator }
    }

    /// Whether two aircraft fly for the same side: the same operator by callsign, or military
    /// or state aircraft of the same country.
    pub fn same(&self, other: &Side) -> bool {
        (self.operator.is_some() && self.operator == other.operator)
            || (self.country.is_some() && self.country == other.country)
    }
}

/// The detectors' counters and sizes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetectorStats {
    /// Calls of [`Detectors::on_update`].
    pub updates: u64,
    /// Pairwise passes (at most one per data second).
    pub passes: u64,
    /// Pairs compared in all passes: airborne, close enough by the grid to be measured,
    /// within the formation break distance, and either holding pair state or meeting the
    /// formation conditions but for the distance (the others cannot change anything).
    pub pairs_compared: u64,
    /// Events emitted.
    pub events: u64,
    /// On-ground flags found to be noise and ignored: a flag that flipped back before speed
    /// or height confirmed the change, or a ground flag while the altitude said the
    /// aircraft was well above the field (docs/detectors.md).
    pub ground_flag_noise: u64,
    /// Aircraft with detector state.
    pub aircraft: usize,
    /// Parked records (on the ground at an airport, not heard any more).
    pub parked: usize,
    /// Pair states held (pairs in or joining formation, open intercepts).
    pub pairs: usize,
    /// Formation groups in progress.
    pub groups: usize,
}

/// A multiplicative hasher for track keys: they are already well spread 24-bit numbers, so
/// SipHash's protection buys nothing here and costs on every message.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(23) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type KeyMap<V> = HashMap<TrackKey, V, BuildHasherDefault<KeyHasher>>;

/// Everything the detectors keep about one aircraft.
#[derive(Debug, Clone)]
struct PerAircraft {
    /// The aircraft's key (the state is found by the tracker's slot; this checks it).
    key: TrackKey,
    traits: Traits,
    side: Side,
    zone: zone::ZoneTrack,
    movement: Movement,
    emergency: emergency::EmergencyTrack,
    first: first_seen::FirstSeen,
    dark: dark::Dark,
    loiter: Loiter,
    history: History,
    /// The sine and cosine of the track last dead-reckoned, and that track's bits: the
    /// track changes once per distinct velocity, the snapshot is made every second.
    track_trig: Option<(u32, f64, f64)>,
}

impl PerAircraft {
    /// The state of an aircraft heard for the first time (or again after a retirement).
    fn new(key: TrackKey) -> PerAircraft {
        PerAircraft {
            key,
            traits: Traits::default(),
            side: Side::default(),
            zone: zone::ZoneTrack::default(),
            movement: Movement::default(),
            emergency: emergency::EmergencyTrack::default(),
            first: first_seen::FirstSeen::default(),
            dark: dark::Dark::default(),
            loiter: Loiter::default(),
            history: History::default(),
            track_trig: None,
        }
    }
}

/// All the detectors, with their per-aircraft and pairwise state.
#[derive(Debug, Clone)]
pub struct Detectors {
    params: DetectorParams,
    zones: Vec<Zone>,
    /// Per tracked aircraft, parallel to the tracker's slab ([`Tracker::slot`]): created
    /// at the slab's end with the aircraft's first update, and retired with the same
    /// `swap_remove`s the tracker's tick made, so the tracker's slot finds it without a
    /// look-up of its own.
    per: Vec<PerAircraft>,
    parked: KeyMap<Movement>,
    reported: first_seen::Reported,
    pairs: Pairs,
    grid: Grid,
    snaps: Vec<Snap>,
    /// The tracker's slot of each snapshot of the pass (parallel to `snaps`).
    snap_slots: Vec<u32>,
    /// The snapshot of each slot in the pass ([`NO_SNAP`]: none).
    snap_at: Vec<u32>,
    last_second: i64,
    last_prune: f64,
    history_len: usize,
    stats: DetectorStats,
}

impl Detectors {
    /// Detectors with these parameters and zones (typically the built-in zones plus the
    /// user's).
    pub fn new(params: DetectorParams, zones: Vec<Zone>) -> Detectors {
        let depth = 2.0 * params.intercept_join_window.as_secs_f64()
            + params.intercept_min_closure_duration.as_secs_f64();
        Detectors {
            params,
            zones,
            per: Vec::new(),
            parked: KeyMap::default(),
            reported: first_seen::Reported::default(),
            pairs: Pairs::default(),
            grid: Grid::default(),
            snaps: Vec::new(),
            snap_slots: Vec::new(),
            snap_at: Vec::new(),
            last_second: i64::MIN,
            last_prune: f64::NEG_INFINITY,
            history_len: (depth / SAMPLE_S as f64).ceil() as usize + 1,
            stats: DetectorStats::default(),
        }
    }

    /// The parameters.
    pub fn params(&self) -> &DetectorParams {
        &self.params
    }

    /// The zones.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// Replaces the zones (a reload). Every aircraft's zone state starts again from its
    /// next position, without events: an aircraft inside a new zone has not entered it.
    pub fn set_zones(&mut self, zones: Vec<Zone>) {
        self.zones = zones;
        for st in &mut self.per {
            st.zone.reset();
        }
    }

    /// Counters and sizes.
    pub fn stats(&self) -> DetectorStats {
        DetectorStats {
            aircraft: self.per.len(),
            parked: self.parked.len(),
            pairs: self.pairs.states(),
            groups: self.pairs.groups(),
            ..self.stats
        }
    }

    /// Bytes held on the heap by the per-aircraft histories and loiter windows.
    pub fn heap_bytes(&self) -> usize {
        self.per
            .iter()
            .map(|s| s.history.heap_bytes() + s.loiter.heap_bytes())
            .sum::<usize>()
            + self.per.capacity() * std::mem::size_of::<PerAircraft>()
    }

    /// Takes the state of an aircraft that an input just updated (`changed`: the fields
    /// whose value changed), appending the events it caused. `slot` is the aircraft's
    /// [`Tracker::slot`].
    ///
    /// The detectors keep their per-aircraft state parallel to the tracker's slab: call
    /// this after every input the tracker reports as [`Updated`](crate::track::Ingested),
    /// and [`Detectors::on_retired`] for every aircraft its tick retires, in its order.
    #[inline]
    pub fn on_update(
        &mut self,
        slot: usize,
        a: &Aircraft,
        changed: FieldSet,
        traits: Traits,
        out: &mut Vec<Event>,
    ) {
        let n = out.len();
        self.stats.updates += 1;
        let fresh = self.per.get(slot).is_none_or(|st| st.key != a.key);
        if fresh {
            self.adopt(slot, a.key);
        }
        let Detectors {
            params: p,
            zones,
            per,
            reported,
            ..
        } = self;
        let st = &mut per[slot];
        if fresh || st.traits != traits || changed.contains(Field::Callsign) {
            st.side = Side::of(a.key, a.callsign.as_ref().map(|c| c.as_str()), traits.of_interest);
        }
        st.traits = traits;
        st.dark.on_update();
        st.first.on_update(reported, a, out);
        st.emergency.on_update(p, a, out);
        if changed.contains(Field::Position) {
            st.zone.on_position(p, zones, a, out);
        }
        st.movement
            .on_update(p, a, &mut self.stats.ground_flag_noise, out);
        self.stats.events += (out.len() - n) as u64;
    }

    /// The state of a new aircraft at `slot` (the slab's end, where the tracker creates
    /// it), with its movement restored when it was parked.
    ///
    /// A slot that is not the slab's end and holds another aircraft means the caller broke
    /// the contract of [`Detectors::on_update`]: the state there is replaced (and the
    /// slab padded up to `slot`), so nothing panics; debug builds assert.
    #[cold]
    #[inline(never)]
    fn adopt(&mut self, slot: usize, key: TrackKey) {
        debug_assert_eq!(
            slot,
            self.per.len(),
            "detector state out of step with the tracker"
        );
        let mut st = PerAircraft::new(key);
        if let Some(mut m) = self.parked.remove(&key) {
            m.restored();
            st.movement = m;
        }
        while self.per.len() < slot {
            self.per.push(PerAircraft::new(key));
        }
        if slot == self.per.len() {
            self.per.push(st);
        } else {
            self.per[slot] = st;
        }
    }

    /// An aircraft the tracker retired (silent for its timeout) at data time `now`: ends
    /// what it was part of, reports a silence that qualifies (went dark, lost low), and
    /// remembers it if it is parked at an airport.
    pub fn on_retired(&mut self, a: &Aircraft, now: f64, out: &mut Vec<Event>) {
        let n = out.len();
        // The tracker removed it with `swap_remove` where it stood at that moment; the same
        // move here keeps `per` parallel to the slab (retirements are rare: a scan is fine).
        if let Some(slot) = self.per.iter().position(|st| st.key == a.key) {
            let mut st = self.per.swap_remove(slot);
            let p = &self.params;
            st.dark.on_tick(p, &self.zones, a, now, out);
            st.movement.on_tick(p, a, st.traits.of_interest, now, out);
            st.emergency.on_retired(a, now, out);
            st.loiter.end(a.last_seen, out);
            self.pairs.retire(a.key, a.last_seen, now, out);
            if st.movement.parked() {
                self.parked.insert(a.key, st.movement);
            } else {
                st.movement.on_retired(now, out);
            }
        }
        self.stats.events += (out.len() - n) as u64;
    }

    /// The recorded input ended at data time `now` (call after the last [`Detectors::on_tick`]):
    /// every aircraft still airborne and last heard low at a field, or at a landing site,
    /// is concluded as landed there, with the detail saying the input ended
    /// (`MovementBasis::InputEnd`). A live feed never calls this.
    pub fn finish(&mut self, now: f64, tracker: &Tracker, out: &mut Vec<Event>) {
        let n = out.len();
        for (a, st) in tracker.aircraft().iter().zip(&mut self.per) {
            if st.key == a.key {
                st.movement.on_finish(&self.params, a, now, out);
            }
        }
        self.stats.events += (out.len() - n) as u64;
    }

    /// Advances data time to `now`: silence and time checks, samples, and the pairwise
    /// pass, at most once per second of data time.
    pub fn on_tick(&mut self, now: f64, tracker: &Tracker, out: &mut Vec<Event>) {
        if !now.is_finite() {
            return;
        }
        let second = now.floor() as i64;
        if second <= self.last_second {
            return;
        }
        self.last_second = second;
        let n = out.len();
        let t = second as f64;
        let sample_k = (second % SAMPLE_S == 0).then_some(second / SAMPLE_S);
        let Detectors {
            params: p,
            zones,
            per,
            pairs,
            grid,
            snaps,
            snap_slots,
            snap_at,
            history_len,
            ..
        } = self;
        snaps.clear();
        snap_slots.clear();
        snap_at.clear();
        snap_at.resize(per.len(), NO_SNAP);
        for (slot, (a, st)) in tracker.aircraft().iter().zip(per.iter_mut()).enumerate() {
            if st.key != a.key {
                continue;
            }
            st.dark.on_tick(p, zones, a, now, out);
            st.movement.on_tick(p, a, st.traits.of_interest, now, out);
            let snap = snap_of(p, a, &st.movement, &mut st.track_trig, t);
            if let Some(k) = sample_k {
                match snap {
                    Some(s) if s.airborne => {
                        let sample = Sample {
                            lat: s.pos.lat as f32,
                            lon: s.pos.lon as f32,
                            gs: s.gs as f32,
                            track: s.track as f32,
                        };
                        st.history.push(k, sample, *history_len);
                        let fix = Fix {
                            t,
                            lat: s.pos.lat,
                            lon: s.pos.lon,
                            alt_baro: Some(s.alt),
                            gs: s.gs,
                            track: s.track,
                            airborne: true,
                            source: s.source,
                        };
                        st.loiter.feed(p, a.key, fix, &st.history, k, out);
                    }
                    _ if st.movement.on_ground() => st.loiter.end(t, out),
                    _ => {}
                }
            }
            if let Some(s) = snap {
                snap_at[slot] = snaps.len() as u32;
                snap_slots.push(slot as u32);
                snaps.push(s);
            }
        }
        // The tracker's slots as the grid's stable ids: its sort starts from the last order.
        grid.build(
            snap_slots
                .iter()
                .zip(snaps.iter())
                .map(|(&slot, s)| (slot, s.pos)),
        );
        let per_ref: &[PerAircraft] = per;
        let snap_at: &[u32] = snap_at;
        let of = |k: TrackKey| {
            tracker
                .slot(k)
                .and_then(|slot| per_ref.get(slot))
                .filter(|s| s.key == k)
        };
        pairs.pass(
            p,
            t,
            snaps,
            grid,
            |k| {
                tracker
                    .slot(k)
                    .and_then(|slot| snap_at.get(slot))
                    .filter(|&&i| i != NO_SNAP)
                    .map(|&i| i as usize)
            },
            |k| of(k).map(|s| &s.history),
            |a, b| match (of(a), of(b)) {
                (Some(x), Some(y)) => x.side.same(&y.side),
                _ => false,
            },
            out,
        );
        self.stats.passes += 1;
        self.stats.pairs_compared += self.pairs.compared;
        if now - self.last_prune >= 3_600.0 {
            self.last_prune = now;
            self.parked.retain(|_, m| now - m.last_heard < PARKED_MAX_AGE_S);
        }
        self.stats.events += (out.len() - n) as u64;
    }
}

/// The aircraft at data second `t` for the pairwise detectors: located, with speed, track
/// and altitude no older than the pair skew, its position moved on to `t` by its velocity.
fn snap_of(
    p: &DetectorParams,
    a: &Aircraft,
    m: &Movement,
    trig: &mut Option<(u32, f64, f64)>,
    t: f64,
) -> Option<Snap> {
    let skew = p.pair_max_time_skew.as_secs_f64();
    let pos = a.position.as_ref()?;
    let age = t - pos.time;
    if age.abs() > skew || !a.is_fresh(Field::Gs, t, skew) || !a.is_fresh(Field::Track, t, skew) {
        return None;
    }
    let alt = a.alt_baro.filter(|_| a.is_fresh(Field::AltBaro, t, 60.0))?;
    let track32 = a.track?;
    let (gs, track) = (f64::from(a.gs?), f64::from(track32));
    // Dead reckoning over a few seconds: flat-earth steps are exact to metres.
    let d = gs * 1852.0 / 3600.0 * age;
    let (sin_tr, cos_tr) = match *trig {
        Some((bits, s, c)) if bits == track32.to_bits() => (s, c),
        _ => {
            let (s, c) = track.to_radians().sin_cos();
            *trig = Some((track32.to_bits(), s, c));
            (s, c)
        }
    };
    let dlat = (d * cos_tr / EARTH_RADIUS_M).to_degrees();
    let cos_here = pos.lat.to_radians().cos();
    let dlon = (d * sin_tr / (EARTH_RADIUS_M * cos_here.max(1e-6))).to_degrees();
    let lat = (pos.lat + dlat).clamp(-90.0, 90.0);
    let lon = picket_world::geo::normalize_lon(pos.lon + dlon);
    Some(Snap {
        key: a.key,
        pos: LatLon::new(lat, lon),
        alt,
        gs,
        track,
        airborne: !m.on_ground() && a.on_ground != Some(true),
        source: pos.source,
        // cos(lat) moves by at most the latitude change in radians: a lower bound of the
        // snapshot's cosine without a second call.
        cos_lat: (cos_here - dlat.abs().to_radians()).max(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use picket_modes::Icao;

    #[test]
    fn sides_by_operator_and_by_country_of_military_aircraft() {
        let f22 = |a: u32, cs: &str| Side::of(TrackKey::icao(Icao(a)), Some(cs), true);
        let (fury11, fury12) = (f22(0xae1f01, "FURY11"), f22(0xae1f02, "FURY12  "));
        assert_eq!(fury11.operator, Some(*b"FURY"));
        assert_eq!(fury11.country, Some(*b"US"));
        assert!(fury11.same(&fury12));
        // A Russian bomber without a callsign: another side.
        let tu160 = Side::of(TrackKey::icao(Icao(0x156f01)), None, true);
        assert_eq!(tu160.country, Some(*b"RU"));
        assert!(!tu160.same(&fury11) && !fury11.same(&tu160));
        // US fighters of two units: one country's forces.
        assert!(f22(0xae1f03, "DUKE01").same(&fury11));
        // A US airliner met by a US fighter is not one side (civil: no country).
        let airliner = Side::of(TrackKey::icao(Icao(0xa12345)), Some("UAL123"), false);
        assert_eq!(airliner.country, None);
        assert!(!airliner.same(&fury11));
        // Two flights of one airline are one operator.
        let other = Side::of(TrackKey::icao(Icao(0xa54321)), Some("UAL9"), false);
        assert!(airliner.same(&other));
        // Short or missing letters say nothing.
        let n = Side::of(TrackKey::icao(Icao(0xa00001)), Some("N1"), false);
        assert_eq!(n, Side::default());
        assert!(!n.same(&Side::default()));
    }
}
