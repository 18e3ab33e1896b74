//! Positions from CPR reports: pairing, global and local decoding, and the speed check that
//! keeps one bad report from moving an aircraft.
//!
//! Each report is decoded twice when it can be: globally with the last report of the other
//! parity (received within the pair window, same format and source), and locally against
//! the aircraft's fresh position (or the receiver's). The global answer is taken when it
//! passes the speed check; otherwise the local one. A global answer that fails while the
//! local one passes means the stored partner report was the bad one: it is forgotten so it
//! pairs no more. Global answers that keep failing the check but agree with each other mean
//! the track itself is wrong (one bad first pair): after `reacquire_after` of them the track
//! jumps to them. A single bad report therefore never moves the aircraft, and never locks it
//! out either.

use picket_modes::cpr::{self, LatLon as CprLatLon};

use super::aircraft::{Aircraft, CprFormat, CprReport, Field, Position, PositionMethod, PositionSource};
use super::{TrackerConfig, TrackerStats};

const EARTH_RADIUS_M: f64 = 6_371_008.8;
const METRES_PER_NM: f64 = 1852.0;
const KT_TO_MPS: f64 = 1852.0 / 3600.0;

/// Local decoding against the aircraft's own position: the answer must lie within this
/// distance of it (airborne). Unambiguous up to half a zone (about 180 NM); the reference
/// is at most `stale_s` old, so real answers are far closer.
const LOCAL_AIRBORNE_LIMIT_NM: f64 = 100.0;
/// The same for surface reports (half a surface zone is about 45 NM).
const LOCAL_SURFACE_LIMIT_NM: f64 = 25.0;
/// Half a surface zone: the most a receiver-relative surface decode can be trusted for.
const RECEIVER_SURFACE_LIMIT_NM: f64 = 45.0;
/// Half an airborne zone: receiver-relative airborne decoding is ambiguous beyond this.
const RECEIVER_AIRBORNE_LIMIT_NM: f64 = 180.0;
/// Margins of the speed check (readsb's values): a base distance for timing and
/// quantisation noise, and one extra second of flight.
const BASE_SURFACE_M: f64 = 100.0;
const BASE_AIRBORNE_M: f64 = 500.0;
const EXTRA_S: f64 = 1.0;

/// The local decode of a report.
enum Local {
    /// A position within the limit of the reference.
    Fix(CprLatLon, PositionMethod),
    /// A position too far from the aircraft's own: the report or the track is wrong.
    Contradicts,
    /// No reference, or the aircraft is beyond the receiver's range.
    None,
}

/// What became of one position report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The aircraft's position changed.
    Accepted,
    /// A position was decoded but failed the checks.
    Rejected,
    /// No position could be decoded yet (no partner, no reference).
    NoFix,
    /// A fresh position from a better source stands; the report was ignored.
    Outranked,
    /// The report is older than the current position.
    OutOfOrder,
}

/// Approximate great-circle distance in metres (equirectangular at the mean latitude).
///
/// Within 0.5 % of the haversine distance below a few hundred km, which is all the checks
/// need, at the cost of one cosine. The checks ask [`within_m`]; this is its definition,
/// which the tests compare it with.
#[cfg(test)]
pub(crate) fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (dlat, dlon) = deltas(lat1, lon1, lat2, lon2);
    scaled_distance_m(dlat, dlon, lat1, lat2)
}

/// The latitude and longitude differences in radians, the longitude's taken the short way
/// round the antimeridian.
#[inline]
fn deltas(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> (f64, f64) {
    let mut dlon = lon2 - lon1;
    if dlon > 180.0 {
        dlon -= 360.0;
    } else if dlon < -180.0 {
        dlon += 360.0;
    }
    ((lat2 - lat1).to_radians(), dlon.to_radians())
}

/// The distance (`distance_m`) from the differences [`deltas`] gives.
#[inline]
fn scaled_distance_m(dlat: f64, dlon: f64, lat1: f64, lat2: f64) -> f64 {
    let x = dlon * cos_approx(((lat1 + lat2) * 0.5).to_radians());
    EARTH_RADIUS_M * (x * x + dlat * dlat).sqrt()
}

/// `distance_m(lat1, lon1, lat2, lon2) <= limit_m`, exactly, mostly without the cosine.
///
/// The distance with the cosine taken as 1 is never shorter than [`distance_m`]'s in
/// floating point: [`cos_approx`] is at most 1 in magnitude, so the scaled longitude
/// difference is at most the unscaled one, and every later step (square, sum, square
/// root, product) rounds monotonically. When that bound is within the limit, so is the
/// distance; otherwise the distance is computed as [`distance_m`] computes it. A position
/// a few seconds after the last one is far within its reach, so the checks rarely need
/// the cosine.
#[inline]
pub(crate) fn within_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64, limit_m: f64) -> bool {
    let (dlat, dlon) = deltas(lat1, lon1, lat2, lon2);
    EARTH_RADIUS_M * (dlon * dlon + dlat * dlat).sqrt() <= limit_m
        || scaled_distance_m(dlat, dlon, lat1, lat2) <= limit_m
}

/// cos(x) for |x| <= π/2 (a latitude) from its Taylor series to x^12 in Horner form:
/// error below 1e-8, and several times cheaper than the library call on the per-position
/// path.
#[inline]
fn cos_approx(x: f64) -> f64 {
    let x2 = (x * x).min(std::f64::consts::FRAC_PI_2 * std::f64::consts::FRAC_PI_2);
    let c = 1.0 - x2 / 132.0;
    let c = 1.0 - x2 / 90.0 * c;
    let c = 1.0 - x2 / 56.0 * c;
    let c = 1.0 - x2 / 30.0 * c;
    let c = 1.0 - x2 / 12.0 * c;
    1.0 - x2 / 2.0 * c
}

/// How far (m) an aircraft may plausibly move in `dt` seconds: the larger of the configured
/// bound and 1.5 × its ground speed plus a margin, for the elapsed time plus one second,
/// plus a base distance.
#[inline]
fn reach_m(cfg: &TrackerConfig, gs: Option<f32>, surface: bool, dt: f64) -> f64 {
    let gs = f64::from(gs.unwrap_or(0.0));
    let (base, speed_kt) = if surface {
        (BASE_SURFACE_M, (gs * 1.5 + 20.0).max(cfg.surface_speed_kt))
    } else {
        (BASE_AIRBORNE_M, (gs * 1.5 + 100.0).max(cfg.airborne_speed_kt))
    };
    base + (dt.abs() + EXTRA_S) * speed_kt * KT_TO_MPS
}

impl Aircraft {
    /// The ground speed, if fresh enough to bound the speed check.
    fn gs_for_check(&self, time: f64, cfg: &TrackerConfig) -> Option<f32> {
        self.gs.filter(|_| self.is_fresh(Field::Gs, time, cfg.stale_s))
    }

    /// True when moving from the current position to (lat, lon) at `time` is plausible.
    fn plausible(&self, lat: f64, lon: f64, time: f64, surface: bool, cfg: &TrackerConfig) -> bool {
        let Some(last) = &self.position else {
            return true;
        };
        let surface = surface && last.surface;
        let reach = reach_m(cfg, self.gs_for_check(time, cfg), surface, time - last.time);
        within_m(last.lat, last.lon, lat, lon, reach)
    }

    /// Counts a rejected global (or observed) position towards re-acquisition; returns true
    /// when enough agreeing rejections say the track, not the reports, is wrong.
    fn note_suspect(&mut self, lat: f64, lon: f64, time: f64, surface: bool, cfg: &TrackerConfig) -> bool {
        let gs = self.gs_for_check(time, cfg);
        let agrees = self.suspect.is_some_and(|(slat, slon, t)| {
            within_m(slat, slon, lat, lon, reach_m(cfg, gs, surface, time - t))
        });
        self.streak = if agrees { self.streak.saturating_add(1) } else { 1 };
        self.suspect = Some((lat, lon, time));
        self.streak >= cfg.reacquire_after.max(1)
    }

    fn set_position(&mut self, position: Position) {
        self.accept(Field::Position, position.time, false, 0.0);
        self.position = Some(position);
    }

    /// Forgets the rejected global positions: a plausible global one (or a re-acquired
    /// track) shows that the track and the pairs agree again. A local decode does not: a
    /// track that is wrong by a whole zone still decodes reports locally near itself.
    ///
    /// `streak` is 0 exactly when there is no suspect, so the memo (a cache line of its own)
    /// is written only when there is one to forget.
    #[inline]
    fn clear_suspect(&mut self) {
        if self.streak != 0 {
            self.streak = 0;
            self.suspect = None;
        }
    }

    /// Takes one CPR report; see the module documentation for the rules.
    pub(crate) fn update_cpr(
        &mut self,
        r: CprReport,
        cfg: &TrackerConfig,
        stats: &mut TrackerStats,
    ) -> Outcome {
        if let Some(p) = &self.position {
            if r.time < p.time {
                stats.out_of_order += 1;
                return Outcome::OutOfOrder;
            }
            if r.source < p.source && r.time - p.time <= cfg.stale_s {
                stats.positions_outranked += 1;
                return Outcome::Outranked;
            }
        }
        let odd = r.cpr.parity.is_odd();
        let partner = if odd { self.even } else { self.odd };
        if odd {
            self.odd = Some(r);
        } else {
            self.even = Some(r);
        }
        let surface = r.format == CprFormat::Surface;
        let window = if surface {
            cfg.surface_pair_window_s
        } else {
            cfg.pair_window_s
        };
        let partner = partner
            .filter(|o| o.format == r.format && o.source == r.source && (r.time - o.time).abs() <= window);

        let global = partner.and_then(|o| {
            let (even, odd_r) = if odd { (o, r) } else { (r, o) };
            let decoded = match r.format {
                CprFormat::Airborne => cpr::decode_global_airborne(even.cpr, odd_r.cpr, r.cpr.parity),
                CprFormat::Coarse => cpr::decode_global_coarse(even.cpr, odd_r.cpr, r.cpr.parity),
                CprFormat::Surface => {
                    let reference = self
                        .position
                        .map(|p| CprLatLon {
                            lat: p.lat,
                            lon: p.lon,
                        })
                        .or(cfg.receiver_cpr());
                    match reference {
                        Some(reference) => {
                            cpr::decode_global_surface(even.cpr, odd_r.cpr, r.cpr.parity, reference)
                        }
                        None => {
                            stats.cpr_no_reference += 1;
                            return None;
                        }
                    }
                }
            };
            match decoded {
                Ok(p) => {
                    // The pair is as good as its worse report.
                    let nic = match (o.nic, r.nic) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        _ => None,
                    };
                    let rc = match (o.rc_m, r.rc_m) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                    Some((p, nic, rc))
                }
                Err(_) => {
                    stats.cpr_errors += 1;
                    None
                }
            }
        });
        // A global answer beyond the receiver's range is bad data (readsb does the same).
        let global = global.filter(|(p, _, _)| match (cfg.receiver, cfg.receiver_range_nm) {
            (Some(rx), Some(range)) => {
                let ok = within_m(rx.lat, rx.lon, p.lat, p.lon, range * METRES_PER_NM);
                if !ok {
                    stats.cpr_out_of_range += 1;
                }
                ok
            }
            _ => true,
        });

        let make = |lat: f64, lon: f64, method, nic, rc_m, nac_p| Position {
            lat,
            lon,
            time: r.time,
            source: r.source,
            method,
            surface,
            nic,
            rc_m,
            nac_p,
        };
        let nac_p = self.accuracy.nac_p;

        if let Some((g, nic, rc)) = global {
            if self.plausible(g.lat, g.lon, r.time, surface, cfg) {
                stats.positions_global += 1;
                self.clear_suspect();
                self.set_position(make(g.lat, g.lon, PositionMethod::Global, nic, rc, nac_p));
                return Outcome::Accepted;
            }
            stats.positions_rejected_global += 1;
            if self.note_suspect(g.lat, g.lon, r.time, surface, cfg) {
                stats.reacquired += 1;
                self.clear_suspect();
                self.set_position(make(g.lat, g.lon, PositionMethod::Global, nic, rc, nac_p));
                return Outcome::Accepted;
            }
        }
        // Decoded only now: most reports are settled by their global pair.
        match self.local_fix(r, surface, cfg, stats) {
            Local::Fix(l, method) if self.plausible(l.lat, l.lon, r.time, surface, cfg) => {
                if global.is_some() {
                    // This report agrees with the track, so its stored partner is the bad one.
                    if odd {
                        self.even = None;
                    } else {
                        self.odd = None;
                    }
                }
                stats.positions_local += 1;
                self.set_position(make(l.lat, l.lon, method, r.nic, r.rc_m, nac_p));
                Outcome::Accepted
            }
            Local::Fix(..) | Local::Contradicts => {
                stats.positions_rejected_local += 1;
                Outcome::Rejected
            }
            Local::None if global.is_some() => Outcome::Rejected,
            Local::None => Outcome::NoFix,
        }
    }

    /// Local decoding: against the aircraft's fresh position, where an answer beyond the
    /// limit contradicts the track (a bad report, or a bad track); else against the
    /// receiver, where it means the aircraft is out of range.
    fn local_fix(&self, r: CprReport, surface: bool, cfg: &TrackerConfig, stats: &mut TrackerStats) -> Local {
        if let Some(p) = self.position.filter(|p| r.time - p.time <= cfg.stale_s) {
            let limit = if surface {
                LOCAL_SURFACE_LIMIT_NM
            } else {
                LOCAL_AIRBORNE_LIMIT_NM
            };
            return match local_decode(
                r,
                CprLatLon {
                    lat: p.lat,
                    lon: p.lon,
                },
                limit,
            ) {
                Some((l, true)) => Local::Fix(l, PositionMethod::LocalAircraft),
                Some((_, false)) => Local::Contradicts,
                None => Local::None,
            };
        }
        let Some(rx) = cfg.receiver_cpr() else {
            return Local::None;
        };
        // Only when the receiver's range is known to be below half a zone, for surface
        // reports too: a local answer always lies within half a zone of its reference, so
        // checking it proves nothing, and a surface report heard from further away (a
        // receiver on a mountain sees aprons 90 NM off) decodes a whole zone wrong.
        let half_zone = if surface {
            RECEIVER_SURFACE_LIMIT_NM
        } else {
            RECEIVER_AIRBORNE_LIMIT_NM
        };
        let limit = cfg.receiver_range_nm.filter(|&r| r <= half_zone);
        match limit.and_then(|limit| local_decode(r, rx, limit)) {
            Some((l, true)) => Local::Fix(l, PositionMethod::LocalReceiver),
            Some((_, false)) => {
                stats.cpr_out_of_range += 1;
                Local::None
            }
            None => Local::None,
        }
    }

    /// Takes a position given as latitude and longitude (an observation).
    pub(crate) fn update_observed(
        &mut self,
        lat: f64,
        lon: f64,
        time: f64,
        source: PositionSource,
        cfg: &TrackerConfig,
        stats: &mut TrackerStats,
    ) -> Outcome {
        if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
            stats.positions_rejected_observed += 1;
            return Outcome::Rejected;
        }
        if let Some(p) = &self.position {
            if time < p.time {
                stats.out_of_order += 1;
                return Outcome::OutOfOrder;
            }
            if source < p.source && time - p.time <= cfg.stale_s {
                stats.positions_outranked += 1;
                return Outcome::Outranked;
            }
        }
        let surface = self.on_ground == Some(true);
        let accept = self.plausible(lat, lon, time, surface, cfg) || {
            stats.positions_rejected_observed += 1;
            let reacquire = self.note_suspect(lat, lon, time, surface, cfg);
            if reacquire {
                stats.reacquired += 1;
            }
            reacquire
        };
        if !accept {
            return Outcome::Rejected;
        }
        stats.positions_observed += 1;
        self.clear_suspect();
        let nac_p = self.accuracy.nac_p;
        self.set_position(Position {
            lat,
            lon,
            time,
            source,
            method: PositionMethod::Observed,
            surface,
            nic: None,
            rc_m: None,
            nac_p,
        });
        Outcome::Accepted
    }
}

/// Local decode of one report, and whether the answer lies within `limit_nm` of the
/// reference.
fn local_decode(r: CprReport, reference: CprLatLon, limit_nm: f64) -> Option<(CprLatLon, bool)> {
    let decoded = match r.format {
        CprFormat::Airborne => cpr::decode_local_airborne(r.cpr, reference),
        CprFormat::Surface => cpr::decode_local_surface(r.cpr, reference),
        CprFormat::Coarse => cpr::decode_local_coarse(r.cpr, reference),
    }
    .ok()?;
    let within = within_m(
        reference.lat,
        reference.lon,
        decoded.lat,
        decoded.lon,
        limit_nm * METRES_PER_NM,
    );
    Some((decoded, within))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_matches_haversine_closely() {
        // One degree of latitude, and a diagonal at 52°N across the antimeridian.
        let d = distance_m(52.0, 4.0, 53.0, 4.0);
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        let d = distance_m(52.0, 179.9, 52.1, -179.9);
        let exact = picket_world::geo::LatLon::new(52.0, 179.9)
            .distance_m(picket_world::geo::LatLon::new(52.1, -179.9));
        assert!((d - exact).abs() / exact < 0.005, "{d} vs {exact}");
    }

    #[test]
    fn cosine_approximation_is_close_over_all_latitudes() {
        for i in -900..=900 {
            let x = f64::from(i) / 10.0_f64;
            let x = x.to_radians();
            assert!((cos_approx(x) - x.cos()).abs() < 1e-8, "{x}");
        }
    }

    #[test]
    fn the_cosine_is_at_most_one_in_magnitude() {
        // What makes `within_m`'s bound a bound: every latitude in steps of a millionth of
        // a degree near the poles and the equator, and of 0.01° in between, and beyond.
        let check = |deg: f64| {
            let c = cos_approx(deg.to_radians());
            assert!(c.abs() <= 1.0, "{deg}: {c}");
        };
        for i in 0..=20_000 {
            let d = f64::from(i) * 1e-6;
            for deg in [d, -d, 90.0 - d, d - 90.0, 90.0 + d, -90.0 - d] {
                check(deg);
            }
        }
        for i in -18_000..=18_000 {
            check(f64::from(i) / 100.0);
        }
    }

    #[test]
    fn within_agrees_with_the_distance() {
        // Pairs around the limit, at every latitude band, across the antimeridian and near
        // the poles: the answer is always `distance_m(..) <= limit`.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..200_000 {
            let lat1 = next() * 180.0 - 90.0;
            let lon1 = next() * 360.0 - 180.0;
            let scale = [1e-4, 1e-2, 1.0, 10.0][(next() * 4.0) as usize % 4];
            let lat2 = (lat1 + (next() - 0.5) * scale).clamp(-90.0, 90.0);
            let mut lon2 = lon1 + (next() - 0.5) * scale * 4.0;
            if lon2 > 180.0 {
                lon2 -= 360.0;
            } else if lon2 < -180.0 {
                lon2 += 360.0;
            }
            let d = distance_m(lat1, lon1, lat2, lon2);
            // The exact distance as the limit, and the floats on either side of it.
            for limit in [d, d.next_down(), d.next_up(), d * 0.9, d * 1.1] {
                assert_eq!(
                    within_m(lat1, lon1, lat2, lon2, limit),
                    d <= limit,
                    "{lat1} {lon1} {lat2} {lon2} {limit}"
                );
            }
        }
        assert!(!within_m(f64::NAN, 0.0, 0.0, 0.0, 1e9));
    }

    #[test]
    fn reach_grows_with_time_and_speed() {
        let cfg = TrackerConfig::default();
        let one_second = reach_m(&cfg, None, false, 0.0);
        // 500 m + 1 s at 1000 kt.
        assert!((one_second - (500.0 + 514.44)).abs() < 1.0, "{one_second}");
        assert!(reach_m(&cfg, Some(900.0), false, 10.0) > reach_m(&cfg, None, false, 10.0));
        assert!(reach_m(&cfg, None, true, 10.0) < reach_m(&cfg, None, false, 10.0));
    }
}
