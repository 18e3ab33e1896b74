//! [`Mlat`]: frames with receiver clocks in, synchronised clocks and positions out.

use std::collections::{HashMap, VecDeque};

use picket_modes::adsb::Me;
use picket_modes::altitude::decode_ac12;
use picket_modes::cpr::{decode_global_airborne, decode_local_airborne, CprParity, CprPosition, LatLon};
use picket_modes::{DecodeOptions, Decoder, Frame, Icao, Message};
use picket_receive::{Clock, Observation, ObservationSource, Received, What};

use crate::geo::{distance, Ecef, Geodetic, C};
use crate::smooth::{Smoothed, Track};
use crate::solve::{horizontal_distance, solve, Arrival, Height, NoFix, Solution, SolveConfig, MAX_ARRIVALS};
use crate::sync::{PairClock, PointOutcome, SyncConfig};

const FT: f64 = 0.3048;

/// A receiver: its name and antenna position.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiverConfig {
    /// Name, as in the configuration (`name`).
    pub name: String,
    /// Antenna position; `alt_m` is the height above the WGS-84 ellipsoid (mean sea level
    /// is close enough for a few metres of error).
    pub position: Geodetic,
}

/// Settings of the whole process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlatConfig {
    /// Copies of one transmission are matched by their bytes within this many seconds of
    /// the first copy's `time_utc`.
    pub match_window_s: f64,
    /// Pair clock fits.
    pub sync: SyncConfig,
    /// The solver.
    pub solve: SolveConfig,
    /// Receivers needed without an altitude.
    pub min_receivers: usize,
    /// Receivers needed when the reply (or a recent one) gives the altitude.
    pub min_receivers_with_height: usize,
    /// An altitude from an earlier reply is used for this long, s.
    pub altitude_age_s: f64,
    /// Receiver health is judged every this many seconds of data time.
    pub health_period_s: f64,
    /// Also solve aircraft that broadcast their own position (to check the solver).
    pub solve_adsb_aircraft: bool,
}

impl Default for MlatConfig {
    fn default() -> Self {
        MlatConfig {
            match_window_s: 0.25,
            sync: SyncConfig::default(),
            solve: SolveConfig::default(),
            min_receivers: 4,
            min_receivers_with_height: 3,
            altitude_age_s: 15.0,
            health_period_s: 10.0,
            solve_adsb_aircraft: false,
        }
    }
}

/// A position found by multilateration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// Time of the first arrival (Unix seconds, the receivers' `time_utc`).
    pub time_utc: f64,
    /// The transmitting aircraft.
    pub address: Icao,
    /// Smoothed latitude, degrees.
    pub lat: f64,
    /// Smoothed longitude, degrees.
    pub lon: f64,
    /// Smoothed horizontal 1-σ error, m.
    pub error_m: f64,
    /// This transmission's own solution: latitude, degrees.
    pub raw_lat: f64,
    /// This transmission's own solution: longitude, degrees.
    pub raw_lon: f64,
    /// This transmission's own solution: height above the ellipsoid, m.
    pub raw_alt_m: f64,
    /// This transmission's own horizontal 1-σ error (from the solver's covariance), m.
    pub raw_error_m: f64,
    /// Receivers in the solution.
    pub receivers: u8,
    /// Which receivers (bit i: configuration index i, the first 64) are in the solution.
    pub receiver_mask: u64,
    /// The altitude of a reply constrained the solution.
    pub used_altitude: bool,
    /// The barometric altitude, ft, when known.
    pub alt_baro_ft: Option<i32>,
}

impl Fix {
    /// The fix as the tracker takes it: an observation of the aircraft's position whose
    /// source is multilateration (the tracker labels the position `mlat`), heard by no one
    /// receiver ([`Received::NO_RECEIVER`]).
    pub fn to_received(&self) -> Received {
        let mut o = Observation::new(self.address, ObservationSource::Mlat);
        o.lat = Some(self.lat);
        o.lon = Some(self.lon);
        Received {
            time_utc: self.time_utc,
            clock: Clock::None,
            signal: None,
            receiver: Received::NO_RECEIVER,
            what: What::Observation(Box::new(o)),
        }
    }
}

/// How a receiver is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReceiverStatus {
    /// Not enough beacons heard with other receivers yet.
    #[default]
    Syncing,
    /// Synchronised and used.
    Ok,
    /// Its clock jumped; left out while its pairs learn again.
    ClockJump,
    /// Its timings persistently disagree with its position and the other receivers (a wrong
    /// position or an unusable clock): left out.
    Inconsistent,
    /// Nothing heard from it for a while.
    Silent,
}

impl ReceiverStatus {
    /// The name in statistics.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReceiverStatus::Syncing => "syncing",
            ReceiverStatus::Ok => "ok",
            ReceiverStatus::ClockJump => "clock_jump",
            ReceiverStatus::Inconsistent => "inconsistent",
            ReceiverStatus::Silent => "silent",
        }
    }

    /// True when the receiver's times are left out of solutions.
    pub const fn excluded(self) -> bool {
        matches!(
            self,
            ReceiverStatus::ClockJump | ReceiverStatus::Inconsistent | ReceiverStatus::Silent
        )
    }
}

/// Counters and state of one receiver.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ReceiverStats {
    /// Frames taken.
    pub frames: u64,
    /// Current status.
    pub status: ReceiverStatus,
    /// Clock jumps found.
    pub clock_jumps: u32,
    /// Health periods in which it was judged inconsistent.
    pub inconsistent_periods: u32,
    /// Beacon transmissions it contributed to synchronisation.
    pub sync_points: u64,
    /// Fixes it contributed to.
    pub fixes: u64,
    /// Median residual RMS of its usable pairs, ns (0 when none).
    pub pair_rms_ns: f64,
    /// Usable pairs at the last health check.
    pub usable_pairs: u32,
    /// `time_utc` of its latest frame.
    pub last_frame_utc: f64,
}

/// Counters of the whole process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MlatStats {
    /// Items given to [`Mlat::ingest`].
    pub items: u64,
    /// Items that were not Mode S frames.
    pub not_frames: u64,
    /// Frames without a receiver clock.
    pub no_clock: u64,
    /// Frames from a receiver index with no configuration.
    pub unknown_receiver: u64,
    /// Frames whose `time_utc` is not a number.
    pub bad_time: u64,
    /// Transmissions (groups of matched copies) closed.
    pub groups: u64,
    /// Copies from a receiver already in the group (repeated bytes): not used.
    pub duplicates: u64,
    /// Groups whose frame did not decode.
    pub decode_errors: u64,
    /// Groups whose address could not be verified.
    pub unverified: u64,
    /// Beacon transmissions used for synchronisation.
    pub beacons: u64,
    /// Pair points taken.
    pub sync_points: u64,
    /// Pair points rejected as outliers.
    pub sync_outliers: u64,
    /// Pair resets.
    pub sync_resets: u64,
    /// Groups that could be solved (a reply without position, heard by enough receivers).
    pub candidates: u64,
    /// Candidates without enough synchronised receivers.
    pub unsynchronised: u64,
    /// Fixes given.
    pub fixes: u64,
    /// No fix: too few measurements.
    pub no_fix_too_few: u64,
    /// No fix: the geometry cannot give one.
    pub no_fix_geometry: u64,
    /// No fix: the solver diverged.
    pub no_fix_diverged: u64,
    /// No fix: the measurements disagree.
    pub no_fix_inconsistent: u64,
    /// No fix: two positions fit equally well (mirror images across the receivers' line)
    /// and the aircraft's track does not say which.
    pub no_fix_ambiguous: u64,
    /// Fixes the per-aircraft smoothing rejected.
    pub smoothing_rejected: u64,
}

/// A receiver's own clock made continuous, in seconds since its first frame.
#[derive(Debug, Clone, Copy, Default)]
struct LocalClock {
    epoch: Option<u64>,
    last: u64,
    wraps: u64,
}

const WRAP_12MHZ: u64 = 1 << 48;
const DAY_NS: u64 = 86_400_000_000_000;

impl LocalClock {
    /// Seconds on this receiver's clock, None without one.
    fn seconds(&mut self, clock: Clock) -> Option<f64> {
        let (raw, period, per_s) = match clock {
            Clock::None => return None,
            Clock::Ticks12Mhz(t) => (t, WRAP_12MHZ, 12e6),
            Clock::GpsTimeOfDay { seconds, nanos } => {
                (u64::from(seconds) * 1_000_000_000 + u64::from(nanos), DAY_NS, 1e9)
            }
        };
        let epoch = *self.epoch.get_or_insert(raw);
        if raw < self.last && self.last - raw > period / 2 {
            self.wraps += 1;
        }
        self.last = raw;
        let unwrapped = raw as i128 + (self.wraps as i128) * (period as i128) - epoch as i128;
        Some(unwrapped as f64 / per_s)
    }
}

impl Rx {
    fn new(config: ReceiverConfig) -> Rx {
        Rx {
            ecef: config.position.to_ecef(),
            config,
            clock: LocalClock::default(),
            stats: ReceiverStats::default(),
            bad_streak: 0,
            good_streak: 0,
            jump_until: f64::NEG_INFINITY,
            sigma_s: 100e-9,
            skew_s: 0.0,
        }
    }
}

#[derive(Debug, Clone)]
struct Rx {
    config: ReceiverConfig,
    ecef: Ecef,
    clock: LocalClock,
    stats: ReceiverStats,
    bad_streak: u32,
    good_streak: u32,
    jump_until: f64,
    /// Noise of this receiver's timestamps, s (from its pairs).
    sigma_s: f64,
    /// How far this receiver's `time_utc` runs ahead of the others', s: learnt from the
    /// transmissions all of them heard, and taken off before matching (files whose
    /// timestamps count from their own first frame drift apart with their clocks).
    skew_s: f64,
}

/// One copy of a transmission.
#[derive(Debug, Clone, Copy)]
struct Copy1 {
    rx: u16,
    local_s: f64,
    time_utc: f64,
}

#[derive(Debug, Clone)]
struct Group {
    frame: Frame,
    opened: f64,
    copies: Vec<Copy1>,
}

#[derive(Debug, Clone, Default)]
struct Plane {
    even: Option<(CprPosition, f64)>,
    odd: Option<(CprPosition, f64)>,
    position: Option<(LatLon, f64)>,
    /// GNSS height minus barometric altitude, ft, and when.
    height_diff: Option<(i32, f64)>,
    /// Barometric altitude from replies, ft, and when.
    alt_baro: Option<(i32, f64)>,
    track: Option<Track>,
    /// Latest transmission heard, `time_utc`.
    seen: f64,
}

/// An aircraft unheard for this long is forgotten, s.
const FORGET_AFTER_S: f64 = 600.0;

/// Bands of 2,500 ft for the regional barometric-to-geometric correction.
const BANDS: usize = 24;

/// The multilateration process: sans-IO, deterministic, one per set of receivers.
#[derive(Debug)]
pub struct Mlat {
    cfg: MlatConfig,
    rx: Vec<Rx>,
    pairs: Vec<PairClock>,
    open: HashMap<[u8; 14], usize>,
    groups: Vec<Option<Group>>,
    order: VecDeque<usize>,
    free: Vec<usize>,
    decoder: Decoder,
    planes: HashMap<u32, Plane>,
    /// (GNSS − baro in ft, time) per altitude band, from beacons' velocity messages.
    bands: [Option<(f64, f64)>; BANDS],
    stats: MlatStats,
    next_health: Option<f64>,
    now: f64,
}

impl Mlat {
    /// A process for these receivers: `Received::receiver` indexes this list.
    pub fn new(receivers: Vec<ReceiverConfig>, cfg: MlatConfig) -> Mlat {
        let n = receivers.len();
        let rx = receivers.into_iter().map(Rx::new).collect();
        Mlat {
            cfg,
            rx,
            pairs: vec![PairClock::default(); n * n.saturating_sub(1) / 2],
            open: HashMap::new(),
            groups: Vec::new(),
            order: VecDeque::new(),
            free: Vec::new(),
            decoder: Decoder::new(DecodeOptions::default()),
            planes: HashMap::new(),
            bands: [None; BANDS],
            stats: MlatStats::default(),
            next_health: None,
            now: f64::NEG_INFINITY,
        }
    }

    /// Adds a receiver (one that connected during the run); its index, the next in
    /// configuration order. The pairs of the others keep what they learnt.
    pub fn add_receiver(&mut self, config: ReceiverConfig) -> usize {
        let n = self.rx.len();
        let mut pairs = vec![PairClock::default(); (n + 1) * n / 2];
        // The upper triangle of n + 1 receivers: row i gains one pair at its end.
        for i in 0..n {
            for j in i + 1..n {
                let old = self.pair_index(i, j);
                let new = i * (2 * (n + 1) - i - 1) / 2 + (j - i - 1);
                pairs[new] = std::mem::take(&mut self.pairs[old]);
            }
        }
        self.pairs = pairs;
        self.rx.push(Rx::new(config));
        n
    }

    /// The counters.
    pub fn stats(&self) -> &MlatStats {
        &self.stats
    }

    /// Each receiver's name and counters, in configuration order.
    pub fn receivers(&self) -> impl Iterator<Item = (&str, &ReceiverStats)> {
        self.rx.iter().map(|r| (r.config.name.as_str(), &r.stats))
    }

    /// How far a receiver's `time_utc` runs ahead of the others' (learnt), s. A caller that
    /// merges several recordings by time should merge by `time_utc − skew_s`.
    pub fn skew_s(&self, receiver: usize) -> f64 {
        self.rx.get(receiver).map_or(0.0, |r| r.skew_s)
    }

    /// The clock fit of a receiver pair (indices in configuration order), if any.
    pub fn pair(&self, a: usize, b: usize) -> Option<&PairClock> {
        let (i, j) = if a < b { (a, b) } else { (b, a) };
        (j < self.rx.len() && i != j).then(|| &self.pairs[self.pair_index(i, j)])
    }

    #[inline]
    fn pair_index(&self, i: usize, j: usize) -> usize {
        // Row-major upper triangle without the diagonal.
        let n = self.rx.len();
        i * (2 * n - i - 1) / 2 + (j - i - 1)
    }

    /// Takes one received item; fixes of transmissions whose matching window closed go to
    /// `out`. Items must come in `time_utc` order across receivers (within the window).
    pub fn ingest(&mut self, r: &Received, out: &mut Vec<Fix>) {
        self.stats.items += 1;
        let What::ModeS(frame) = r.what else {
            self.stats.not_frames += 1;
            return;
        };
        let ri = usize::from(r.receiver);
        if ri >= self.rx.len() {
            self.stats.unknown_receiver += 1;
            return;
        }
        let time = r.time_utc - self.rx[ri].skew_s;
        if !time.is_finite() {
            self.stats.bad_time += 1;
            return;
        }
        if time > self.now {
            self.now = time;
            self.expire(self.now - self.cfg.match_window_s, out);
            self.maybe_health();
        }
        let rx = &mut self.rx[ri];
        rx.stats.frames += 1;
        rx.stats.last_frame_utc = time;
        let Some(local_s) = rx.clock.seconds(r.clock) else {
            self.stats.no_clock += 1;
            return;
        };
        let copy = Copy1 {
            rx: r.receiver,
            local_s,
            time_utc: time,
        };
        let key = *frame.padded();
        if let Some(&g) = self.open.get(&key) {
            let group = self.groups[g].as_mut().expect("open groups are present");
            if group.copies.iter().any(|c| c.rx == r.receiver) {
                self.stats.duplicates += 1;
            } else {
                group.copies.push(copy);
            }
            return;
        }
        let group = Group {
            frame,
            opened: time,
            copies: vec![copy],
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.groups[s] = Some(group);
                s
            }
            None => {
                self.groups.push(Some(group));
                self.groups.len() - 1
            }
        };
        self.open.insert(key, slot);
        self.order.push_back(slot);
    }

    /// Closes every open group (end of input).
    pub fn finish(&mut self, out: &mut Vec<Fix>) {
        self.expire(f64::INFINITY, out);
    }

    fn expire(&mut self, before: f64, out: &mut Vec<Fix>) {
        while let Some(&slot) = self.order.front() {
            let opened = self.groups[slot].as_ref().map_or(f64::NEG_INFINITY, |g| g.opened);
            if opened > before {
                break;
            }
            self.order.pop_front();
            let Some(group) = self.groups[slot].take() else {
                continue;
            };
            self.open.remove(group.frame.padded());
            self.free.push(slot);
            self.close(&group, out);
        }
    }

    fn close(&mut self, g: &Group, out: &mut Vec<Fix>) {
        self.stats.groups += 1;
        let d = match self.decoder.decode(g.frame) {
            Ok(d) => d,
            Err(_) => {
                self.stats.decode_errors += 1;
                return;
            }
        };
        if !d.integrity.verified() {
            self.stats.unverified += 1;
            return;
        }
        let address = d.address;
        let time = g.opened;
        if d.message.df() == 17 && g.copies.len() >= 2 {
            self.learn_skew(&g.copies);
        }
        let plane = self.planes.entry(address.0).or_default();
        plane.seen = plane.seen.max(time);
        if let Some(ft) = d.message.altitude_code().and_then(|a| a.feet()) {
            plane.alt_baro = Some((ft, time));
        }
        match d.message.adsb() {
            Some(Me::AirbornePosition(p)) => {
                let Some(alt_ft) = decode_ac12(p.altitude_code).feet() else {
                    return;
                };
                let gnss = (20..=22).contains(&p.type_code);
                if !gnss {
                    plane.alt_baro = Some((alt_ft, time));
                }
                let Some(pos) = beacon_position(plane, p.cpr, time) else {
                    return;
                };
                let height_ft = if gnss {
                    f64::from(alt_ft)
                } else {
                    let own = plane.height_diff.filter(|&(_, t)| time - t <= 30.0);
                    match own {
                        Some((diff, _)) => f64::from(alt_ft + diff),
                        None => match self.correction(f64::from(alt_ft), time) {
                            Some((diff, _)) => f64::from(alt_ft) + diff,
                            // Without a height the beacon would bias the clocks.
                            None => return,
                        },
                    }
                };
                if g.copies.len() >= 2 {
                    let ecef = Geodetic::new(pos.lat, pos.lon, height_ft * FT).to_ecef();
                    self.sync_from(&g.copies, &ecef);
                }
                return;
            }
            Some(Me::AirborneVelocity(v)) => {
                if let Some(diff) = v.height_difference.ft() {
                    plane.height_diff = Some((diff, time));
                    if let Some((baro, _)) = plane.alt_baro.filter(|&(_, t)| time - t <= 30.0) {
                        let band = band_of(f64::from(baro));
                        let e = &mut self.bands[band];
                        *e = Some(match *e {
                            Some((v0, _)) => (0.9 * v0 + 0.1 * f64::from(diff), time),
                            None => (f64::from(diff), time),
                        });
                    }
                }
            }
            _ => {}
        }
        if !matches!(
            d.message,
            Message::AltitudeReply { .. }
                | Message::IdentityReply { .. }
                | Message::AllCall { .. }
                | Message::CommBAltitude { .. }
                | Message::CommBIdentity { .. }
                | Message::ShortAirAir(_)
                | Message::LongAirAir(_)
                | Message::ExtendedSquitter { .. }
        ) {
            return;
        }
        let plane = self.planes.get(&address.0).expect("inserted above");
        if !self.cfg.solve_adsb_aircraft && plane.position.is_some_and(|(_, t)| time - t <= 30.0) {
            return;
        }
        let alt_baro = plane
            .alt_baro
            .filter(|&(_, t)| time - t <= self.cfg.altitude_age_s)
            .map(|(a, _)| a);
        let need = if alt_baro.is_some() {
            self.cfg.min_receivers_with_height
        } else {
            self.cfg.min_receivers
        };
        if g.copies.len() < need {
            return;
        }
        self.stats.candidates += 1;
        if let Some(fix) = self.solve_group(g, address, alt_baro, need) {
            out.push(fix);
        }
    }

    /// Geometric minus barometric altitude near `baro_ft`, and its standard deviation (ft).
    fn correction(&self, baro_ft: f64, time: f64) -> Option<(f64, f64)> {
        let b = band_of(baro_ft);
        let fresh = |i: usize| self.bands[i].filter(|&(_, t)| time - t <= 900.0).map(|(v, _)| v);
        if let Some(v) = fresh(b) {
            return Some((v, 80.0));
        }
        for d in 1..=3 {
            for i in [b.checked_sub(d), Some(b + d)].into_iter().flatten() {
                if i < BANDS {
                    if let Some(v) = fresh(i) {
                        return Some((v, 150.0 + 150.0 * d as f64));
                    }
                }
            }
        }
        None
    }

    /// Moves each receiver's skew a little towards agreeing with the group's mean time.
    fn learn_skew(&mut self, copies: &[Copy1]) {
        let mean = copies.iter().map(|c| c.time_utc).sum::<f64>() / copies.len() as f64;
        for c in copies {
            let rx = &mut self.rx[usize::from(c.rx)];
            // Propagation differs by a few milliseconds at most: follow slowly.
            rx.skew_s += 0.02 * (c.time_utc - mean);
        }
    }

    fn sync_from(&mut self, copies: &[Copy1], beacon: &Ecef) {
        self.stats.beacons += 1;
        let mut xs: [(usize, f64); MAX_ARRIVALS] = [(0, 0.0); MAX_ARRIVALS];
        let mut n = 0;
        for c in copies.iter().take(MAX_ARRIVALS) {
            let r = usize::from(c.rx);
            let tau = distance(beacon, &self.rx[r].ecef) / C;
            xs[n] = (r, c.local_s - tau);
            n += 1;
            self.rx[r].stats.sync_points += 1;
        }
        xs[..n].sort_by_key(|&(r, _)| r);
        for a in 0..n {
            for b in a + 1..n {
                let ((i, xi), (j, xj)) = (xs[a], xs[b]);
                let k = self.pair_index(i, j);
                match self.pairs[k].add(xi, xj - xi, &self.cfg.sync) {
                    PointOutcome::Accepted => self.stats.sync_points += 1,
                    PointOutcome::Outlier => self.stats.sync_outliers += 1,
                    PointOutcome::Reset => self.stats.sync_resets += 1,
                }
            }
        }
    }

    /// The time of receiver `other`'s arrival `t` on `reference`'s clock, and its variance.
    fn on_reference(&self, reference: usize, ref_t: f64, other: usize, t: f64) -> Option<(f64, f64)> {
        let sc = &self.cfg.sync;
        if reference < other {
            let f = self.pairs[self.pair_index(reference, other)].usable(ref_t, sc)?;
            // t = x + a + b(x − xm) on `other`'s clock, x on the reference's.
            let x = (t - f.a + f.b * f.xm) / (1.0 + f.b);
            Some((x, f.variance(x)))
        } else {
            let f = self.pairs[self.pair_index(other, reference)].usable(t, sc)?;
            Some((t + f.predict(t), f.variance(t)))
        }
    }

    fn solve_group(&mut self, g: &Group, address: Icao, alt_baro: Option<i32>, need: usize) -> Option<Fix> {
        // Usable copies: receivers not left out.
        let mut copies: Vec<Copy1> = g
            .copies
            .iter()
            .copied()
            .filter(|c| !self.rx[usize::from(c.rx)].stats.status.excluded())
            .collect();
        copies.sort_by_key(|c| c.rx);
        if copies.len() < need {
            self.stats.unsynchronised += 1;
            return None;
        }
        // The reference: the receiver with usable pairs to the most others.
        let mut best = (0usize, 0usize);
        for (ai, a) in copies.iter().enumerate() {
            let count = copies
                .iter()
                .filter(|b| {
                    b.rx != a.rx
                        && self
                            .on_reference(usize::from(a.rx), a.local_s, usize::from(b.rx), b.local_s)
                            .is_some()
                })
                .count();
            if count > best.1 {
                best = (ai, count);
            }
        }
        if best.1 + 1 < need {
            self.stats.unsynchronised += 1;
            return None;
        }
        let reference = copies[best.0];
        let ref_rx = usize::from(reference.rx);
        let mut arrivals: Vec<Arrival> = Vec::with_capacity(copies.len());
        let mut used: Vec<usize> = Vec::with_capacity(copies.len());
        arrivals.push(Arrival {
            position: self.rx[ref_rx].ecef,
            time_s: 0.0,
            sigma_s: self.rx[ref_rx].sigma_s,
        });
        used.push(ref_rx);
        for c in &copies {
            let r = usize::from(c.rx);
            if r == ref_rx {
                continue;
            }
            if let Some((t, var)) = self.on_reference(ref_rx, reference.local_s, r, c.local_s) {
                arrivals.push(Arrival {
                    position: self.rx[r].ecef,
                    time_s: t - reference.local_s,
                    sigma_s: (self.rx[r].sigma_s.powi(2) + var).sqrt(),
                });
                used.push(r);
            }
        }
        let height = alt_baro.map(|ft| {
            let (diff, sigma_ft) = self.correction(f64::from(ft), g.opened).unwrap_or((0.0, 600.0));
            Height {
                alt_m: (f64::from(ft) + diff) * FT,
                sigma_m: sigma_ft * FT,
            }
        });
        let start_alt = height.map_or(9_000.0, |h| h.alt_m);
        let plane = self.planes.get(&address.0);
        let prior = plane
            .and_then(|p| p.track.as_ref())
            .filter(|t| g.opened - t.time() <= 60.0)
            .map(|t| t.predict_ecef(g.opened));
        let result = self.resolve(&arrivals, height, prior, start_alt);
        let (sol, kept) = match result {
            Ok(s) => (s, None),
            Err(NoFix::Inconsistent) if arrivals.len() > need => {
                // One receiver may be wrong: the best solution without each in turn.
                let mut best: Option<(Solution, usize)> = None;
                for leave in 0..arrivals.len() {
                    let subset: Vec<Arrival> = arrivals
                        .iter()
                        .enumerate()
                        .filter(|&(k, _)| k != leave)
                        .map(|(_, a)| *a)
                        .collect();
                    if let Ok(s) = self.resolve(&subset, height, prior, start_alt) {
                        if best.as_ref().is_none_or(|(b, _)| s.chi2 < b.chi2) {
                            best = Some((s, leave));
                        }
                    }
                }
                match best {
                    Some((s, leave)) => (s, Some(leave)),
                    None => {
                        self.stats.no_fix_inconsistent += 1;
                        return None;
                    }
                }
            }
            Err(e) => {
                match e {
                    NoFix::TooFew => self.stats.no_fix_too_few += 1,
                    NoFix::Geometry => self.stats.no_fix_geometry += 1,
                    NoFix::Diverged => self.stats.no_fix_diverged += 1,
                    NoFix::Inconsistent => self.stats.no_fix_inconsistent += 1,
                    NoFix::Ambiguous => self.stats.no_fix_ambiguous += 1,
                }
                return None;
            }
        };
        let mut receiver_mask = 0u64;
        for (k, &r) in used.iter().enumerate() {
            if Some(k) != kept {
                self.rx[r].stats.fixes += 1;
                if r < 64 {
                    receiver_mask |= 1 << r;
                }
            }
        }
        let time = g.copies.iter().map(|c| c.time_utc).fold(f64::INFINITY, f64::min);
        let plane = self.planes.get_mut(&address.0).expect("present");
        let smoothed = match plane.track.as_mut() {
            Some(t) => t.update(sol.ecef, sol.covariance_en, time),
            None => {
                let t = Track::new(sol.ecef, sol.covariance_en, time);
                plane.track = Some(t);
                Smoothed::Position {
                    lat: sol.geodetic.lat,
                    lon: sol.geodetic.lon,
                    error_m: sol.error_m,
                    speed_ms: 0.0,
                }
            }
        };
        let Smoothed::Position {
            lat, lon, error_m, ..
        } = smoothed
        else {
            self.stats.smoothing_rejected += 1;
            return None;
        };
        self.stats.fixes += 1;
        Some(Fix {
            time_utc: time,
            address,
            lat,
            lon,
            error_m,
            raw_lat: sol.geodetic.lat,
            raw_lon: sol.geodetic.lon,
            raw_alt_m: sol.geodetic.alt_m,
            raw_error_m: sol.error_m,
            receivers: (used.len() - usize::from(kept.is_some())) as u8,
            receiver_mask,
            used_altitude: height.is_some(),
            alt_baro_ft: alt_baro,
        })
    }

    /// Solves, then looks for a second solution from the mirror image of the first across
    /// the receivers' main axis: when both fit, the aircraft's predicted position must pick
    /// one, or there is no fix.
    fn resolve(
        &self,
        arrivals: &[Arrival],
        height: Option<Height>,
        prior: Option<Ecef>,
        start_alt: f64,
    ) -> Result<Solution, NoFix> {
        let first = self.solve_with_starts(arrivals, height, prior, start_alt)?;
        let Some(start) = mirror_start(arrivals, &first) else {
            return Ok(first);
        };
        let Ok(second) = solve(arrivals, height, start, &self.cfg.solve) else {
            return Ok(first);
        };
        let apart = distance(&first.ecef, &second.ecef);
        if apart <= (3.0 * (first.error_m + second.error_m)).max(1_000.0) {
            return Ok(first);
        }
        // Two consistent solutions: a clearly better fit wins, then the track.
        if second.chi2 > first.chi2 + 9.0 {
            return Ok(first);
        }
        if first.chi2 > second.chi2 + 9.0 {
            return Ok(second);
        }
        if let Some(p) = prior {
            let (d1, d2) = (
                horizontal_distance(&p, &first.ecef),
                horizontal_distance(&p, &second.ecef),
            );
            let near = |d: f64, s: &Solution| d <= 5.0 * s.error_m + 3_000.0;
            match (near(d1, &first), near(d2, &second)) {
                (true, false) => return Ok(first),
                (false, true) => return Ok(second),
                _ => {}
            }
        }
        Err(NoFix::Ambiguous)
    }

    fn solve_with_starts(
        &self,
        arrivals: &[Arrival],
        height: Option<Height>,
        prior: Option<Ecef>,
        start_alt: f64,
    ) -> Result<Solution, NoFix> {
        let cfg = &self.cfg.solve;
        if let Some(p) = prior {
            let g = Geodetic::from_ecef(p);
            if let Ok(s) = solve(
                arrivals,
                height,
                Geodetic::new(g.lat, g.lon, start_alt).to_ecef(),
                cfg,
            ) {
                return Ok(s);
            }
        }
        // The receivers' centroid, then points around it: the first start that converges
        // to a consistent solution wins.
        let centre = Geodetic::from_ecef(centroid(arrivals));
        let mut last = Err(NoFix::Diverged);
        for (dn, de) in [(0.0, 0.0), (2.5, 0.0), (-2.5, 0.0), (0.0, 5.0), (0.0, -5.0)] {
            let start =
                Geodetic::new((centre.lat + dn).clamp(-89.0, 89.0), centre.lon + de, start_alt).to_ecef();
            match solve(arrivals, height, start, cfg) {
                Ok(s) => return Ok(s),
                // The geometry does not depend on the start.
                Err(NoFix::Geometry) => return Err(NoFix::Geometry),
                Err(NoFix::TooFew) => return Err(NoFix::TooFew),
                Err(e) => last = Err(e),
            }
        }
        last
    }

    fn maybe_health(&mut self) {
        let now = self.now;
        let due = *self.next_health.get_or_insert(now + self.cfg.health_period_s);
        if now < due {
            return;
        }
        self.next_health = Some(now + self.cfg.health_period_s);
        self.health(now);
    }

    /// Judges every receiver from its pairs' behaviour since the last check.
    fn health(&mut self, now: f64) {
        self.planes.retain(|_, p| now - p.seen <= FORGET_AFTER_S);
        let n = self.rx.len();
        let sc = self.cfg.sync;
        // Median RMS of the usable pairs.
        let mut rms: Vec<f64> = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let p = &self.pairs[self.pair_index(i, j)];
                if let Some(f) = p.usable(p.last_x(), &sc) {
                    rms.push(f.rms);
                }
            }
        }
        rms.sort_by(f64::total_cmp);
        let median = rms.get(rms.len() / 2).copied().unwrap_or(100e-9);
        let limit = (4.0 * median).max(250e-9);
        let mut active = vec![0u32; n];
        let mut bad = vec![0u32; n];
        let mut resets = vec![0u32; n];
        let mut usable = vec![0u32; n];
        let mut per_rx_rms: Vec<Vec<f64>> = vec![Vec::new(); n];
        for i in 0..n {
            for j in i + 1..n {
                let k = self.pair_index(i, j);
                let p = &self.pairs[k];
                let total = p.period_accepted + p.period_outliers + p.period_resets;
                let fit = p.usable(p.last_x(), &sc).copied();
                if let Some(f) = fit {
                    for r in [i, j] {
                        usable[r] += 1;
                        per_rx_rms[r].push(f.rms);
                    }
                }
                if total == 0 {
                    continue;
                }
                let is_bad = p.period_resets > 0
                    || f64::from(p.period_outliers) > 0.3 * f64::from(total)
                    || fit.is_some_and(|f| f.rms > limit);
                for r in [i, j] {
                    active[r] += 1;
                    if is_bad {
                        bad[r] += 1;
                    }
                    resets[r] += p.period_resets;
                }
                let p = &mut self.pairs[k];
                p.period_accepted = 0;
                p.period_outliers = 0;
                p.period_resets = 0;
            }
        }
        let candidates: Vec<bool> = (0..n)
            .map(|r| active[r] >= 2 && bad[r] * 10 >= active[r] * 6)
            .collect();
        let reporting = active.iter().filter(|&&a| a > 0).count();
        let attributable = candidates.iter().filter(|&&c| c).count() * 2 < reporting.max(1);
        for r in 0..n {
            let silent = now - self.rx[r].stats.last_frame_utc > 30.0;
            let mut v = std::mem::take(&mut per_rx_rms[r]);
            v.sort_by(f64::total_cmp);
            let rx_rms = v.get(v.len() / 2).copied();
            let rx = &mut self.rx[r];
            rx.stats.usable_pairs = usable[r];
            rx.stats.pair_rms_ns = rx_rms.map_or(0.0, |x| x * 1e9);
            if let Some(x) = rx_rms {
                rx.sigma_s = (x / std::f64::consts::SQRT_2).max(15e-9);
            }
            if silent {
                rx.stats.status = ReceiverStatus::Silent;
                continue;
            }
            if attributable && candidates[r] {
                rx.good_streak = 0;
                if rx.bad_streak == 0 && resets[r] > 0 {
                    rx.stats.clock_jumps += 1;
                    rx.jump_until = now + 3.0 * self.cfg.health_period_s;
                    rx.stats.status = ReceiverStatus::ClockJump;
                    rx.bad_streak = 1;
                    // Its other pairs would take several outliers each to notice: relearn now.
                    for o in 0..n {
                        if o != r {
                            let (i, j) = if o < r { (o, r) } else { (r, o) };
                            let k = i * (2 * n - i - 1) / 2 + (j - i - 1);
                            self.pairs[k].clear();
                        }
                    }
                    continue;
                }
                rx.bad_streak += 1;
                if rx.bad_streak >= 3 {
                    if rx.stats.status != ReceiverStatus::Inconsistent {
                        rx.stats.status = ReceiverStatus::Inconsistent;
                    }
                    rx.stats.inconsistent_periods += 1;
                }
                continue;
            }
            rx.bad_streak = 0;
            rx.good_streak += 1;
            let status = rx.stats.status;
            rx.stats.status = match status {
                ReceiverStatus::Inconsistent if rx.good_streak < 3 => ReceiverStatus::Inconsistent,
                ReceiverStatus::ClockJump if now < rx.jump_until => ReceiverStatus::ClockJump,
                _ if usable[r] >= 1 => ReceiverStatus::Ok,
                _ => ReceiverStatus::Syncing,
            };
        }
    }
}

/// The mean of the receivers' positions.
fn centroid(arrivals: &[Arrival]) -> Ecef {
    let n = arrivals.len().max(1) as f64;
    let mut c = [0.0; 3];
    for a in arrivals {
        for (ci, pi) in c.iter_mut().zip(a.position) {
            *ci += pi / n;
        }
    }
    c
}

/// The mirror image of a solution across the vertical plane through the receivers' main
/// horizontal axis (their centroid and the direction they spread most along), as a start.
fn mirror_start(arrivals: &[Arrival], sol: &Solution) -> Option<Ecef> {
    let c = centroid(arrivals);
    let centre = Geodetic::from_ecef(c);
    let [e, nn, _] = centre.enu_axes();
    let en = |p: &Ecef| {
        let d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
        (crate::geo::dot(&d, &e), crate::geo::dot(&d, &nn))
    };
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for a in arrivals {
        let (x, y) = en(&a.position);
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (uy, ux) = theta.sin_cos();
    let (px, py) = en(&sol.ecef);
    let along = px * ux + py * uy;
    let (mx, my) = (2.0 * along * ux - px, 2.0 * along * uy - py);
    if (mx - px).hypot(my - py) < 1_000.0 {
        // On the axis: its own mirror.
        return None;
    }
    let p = [
        c[0] + mx * e[0] + my * nn[0],
        c[1] + mx * e[1] + my * nn[1],
        c[2] + mx * e[2] + my * nn[2],
    ];
    let g = Geodetic::from_ecef(p);
    Some(Geodetic::new(g.lat, g.lon, sol.geodetic.alt_m).to_ecef())
}

fn band_of(baro_ft: f64) -> usize {
    ((baro_ft.max(0.0) / 2500.0) as usize).min(BANDS - 1)
}

/// The position of a beacon's airborne position message: a global decode when the other
/// parity is recent, otherwise a local decode against its last position.
fn beacon_position(plane: &mut Plane, cpr: CprPosition, time: f64) -> Option<LatLon> {
    let slot = match cpr.parity {
        CprParity::Even => &mut plane.even,
        CprParity::Odd => &mut plane.odd,
    };
    *slot = Some((cpr, time));
    let other = match cpr.parity {
        CprParity::Even => plane.odd,
        CprParity::Odd => plane.even,
    }
    .filter(|&(_, t)| time - t <= 10.0);
    let global = other.and_then(|(o, _)| {
        let (even, odd) = match cpr.parity {
            CprParity::Even => (cpr, o),
            CprParity::Odd => (o, cpr),
        };
        decode_global_airborne(even, odd, cpr.parity).ok()
    });
    let recent = plane.position.filter(|&(_, t)| time - t <= 30.0);
    let local = recent.and_then(|(p, _)| decode_local_airborne(cpr, p).ok());
    let pos = match (global, local) {
        // Both: they must agree (a wrong pair or a bad reference shows as disagreement).
        (Some(g), Some(l)) => {
            if (g.lat - l.lat).abs() > 0.01 || (g.lon - l.lon).abs() > 0.02 {
                return None;
            }
            g
        }
        (Some(g), None) => g,
        (None, Some(l)) => l,
        (None, None) => return None,
    };
    plane.position = Some((pos, time));
    Some(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_12mhz_counter_is_unwrapped_past_48_bits() {
        let mut c = LocalClock::default();
        let near_end = WRAP_12MHZ - 6_000_000;
        assert_eq!(c.seconds(Clock::Ticks12Mhz(near_end)), Some(0.0));
        // One second later the counter has wrapped.
        let s = c.seconds(Clock::Ticks12Mhz(6_000_000)).unwrap();
        assert!((s - 1.0).abs() < 1e-12, "{s}");
        assert_eq!(c.seconds(Clock::None), None);
    }

    #[test]
    fn gps_time_of_day_is_unwrapped_past_midnight() {
        let mut c = LocalClock::default();
        let t0 = c.seconds(Clock::GpsTimeOfDay {
            seconds: 86_399,
            nanos: 500_000_000,
        });
        assert_eq!(t0, Some(0.0));
        let s = c
            .seconds(Clock::GpsTimeOfDay {
                seconds: 0,
                nanos: 250_000_000,
            })
            .unwrap();
        assert!((s - 0.75).abs() < 1e-12, "{s}");
    }

    #[test]
    fn frames_without_clock_or_receiver_are_counted_not_used() {
        let rx = vec![ReceiverConfig {
            name: "a".into(),
            position: Geodetic::new(60.0, 10.0, 0.0),
        }];
        let mut m = Mlat::new(rx, MlatConfig::default());
        let frame = Frame::from_hex("8d4840d6202cc371c32ce0576098").unwrap();
        let mut r = Received {
            time_utc: 1.0,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: What::ModeS(frame),
        };
        let mut out = Vec::new();
        m.ingest(&r, &mut out);
        r.receiver = 3;
        m.ingest(&r, &mut out);
        r.receiver = 0;
        r.time_utc = f64::NAN;
        r.clock = Clock::Ticks12Mhz(5);
        m.ingest(&r, &mut out);
        r.what = What::ModeAc([0, 0]);
        m.ingest(&r, &mut out);
        m.finish(&mut out);
        let s = m.stats();
        assert_eq!(
            (s.no_clock, s.unknown_receiver, s.bad_time, s.not_frames),
            (1, 1, 1, 1)
        );
        assert!(out.is_empty());
    }
}

#[cfg(test)]
mod add_receiver_tests {
    use super::*;
    use crate::geo::Geodetic;

    #[test]
    fn a_receiver_added_later_keeps_the_pairs_of_the_others() {
        let rc = |name: &str, lat: f64| ReceiverConfig {
            name: name.into(),
            position: Geodetic::new(lat, -160.0, 0.0),
        };
        let mut m = Mlat::new(
            vec![rc("a", 70.0), rc("b", 70.5), rc("c", 71.0)],
            MlatConfig::default(),
        );
        // Mark each pair so that its place can be followed.
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            let k = m.pair_index(i, j);
            m.pairs[k].accepted = (10 * i + j) as u64;
        }
        assert_eq!(m.add_receiver(rc("d", 71.5)), 3);
        assert_eq!(m.pairs.len(), 6);
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            assert_eq!(m.pair(i, j).unwrap().accepted, (10 * i + j) as u64, "{i}-{j}");
        }
        for i in 0..3 {
            assert_eq!(m.pair(i, 3).unwrap().accepted, 0);
        }
        assert_eq!(m.receivers().last().unwrap().0, "d");
    }
}
