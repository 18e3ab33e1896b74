//! Went dark: an aircraft stops transmitting inside a zone or within
//! [`DetectorParams::went_dark_zone_distance_m`] of one.
//!
//! Checked on ticks: an aircraft heard by at least two messages, silent for
//! [`DetectorParams::went_dark_silence`], whose last position (no older than
//! [`LAST_POSITION_MAX_AGE_S`] before its last message) is inside or near a zone. The onset
//! is the last message; the zone is the one whose boundary is nearest (inside counts as
//! nearest). Raised once per silence: a message resets it. A receiver cannot tell a
//! transponder switched off from an aircraft leaving coverage, so the confidence is medium;
//! rules decide which aircraft matter (by default those of interest).

use picket_world::events::{DetectorParams, EventKind};
use picket_world::zones::Zone;

use super::zone::position_evidence;
use crate::event::{Confidence, Detail, Event, Place};
use crate::track::Aircraft;

/// Oldest last position (seconds before the last message) that still places the aircraft.
pub(crate) const LAST_POSITION_MAX_AGE_S: f64 = 300.0;

/// One aircraft's went-dark state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Dark {
    reported: bool,
}

impl Dark {
    /// A message was heard.
    pub(crate) fn on_update(&mut self) {
        self.reported = false;
    }

    /// Checks the silence of `a` at data time `now` (inline: nearly always heard lately or
    /// reported already).
    #[inline]
    pub(crate) fn on_tick(
        &mut self,
        p: &DetectorParams,
        zones: &[Zone],
        a: &Aircraft,
        now: f64,
        out: &mut Vec<Event>,
    ) {
        if self.reported || now - a.last_seen < p.went_dark_silence.as_secs_f64() {
            return;
        }
        self.silent(p, zones, a, now, out);
    }

    #[inline(never)]
    fn silent(&mut self, p: &DetectorParams, zones: &[Zone], a: &Aircraft, now: f64, out: &mut Vec<Event>) {
        self.reported = true;
        if a.counts.total < 2 {
            return;
        }
        let Some(pos) = a
            .position
            .as_ref()
            .filter(|pos| a.last_seen - pos.time <= LAST_POSITION_MAX_AGE_S)
        else {
            return;
        };
        let here = pos.latlon();
        let near = zones
            .iter()
            .filter(|z| z.altitude_in_band(a.alt_baro) || z.floor_ft.is_none() && z.ceiling_ft.is_none())
            .map(|z| (z, z.signed_distance_m(here)))
            .filter(|(_, d)| *d <= p.went_dark_zone_distance_m)
            .min_by(|x, y| x.1.total_cmp(&y.1));
        let Some((z, d)) = near else {
            return;
        };
        let mut e = Event::new(EventKind::WentDark, a.key, a.last_seen, now).with_place(Place::Zone {
            id: z.id.clone(),
            name: z.name.clone(),
        });
        e.confidence = Confidence::Medium;
        e.detail = Detail::WentDark {
            last_heard: a.last_seen,
            zone_distance_m: Some(d),
        };
        e.push_evidence(position_evidence(a, "last position"));
        out.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{flying, heard};
    use picket_world::zones::builtin_zone;

    #[test]
    fn silent_near_a_zone_after_the_silence_and_once() {
        let p = DetectorParams::DEFAULT;
        let zones = vec![builtin_zone("alaska_adiz").unwrap().clone()];
        let mut out = Vec::new();
        // Inside the Alaska ADIZ (north of the coast).
        let mut a = flying(0x156f01, 1_000.0, 71.5, -160.0, 33_000, 450.0, 90.0);
        let mut d = Dark::default();
        d.on_tick(&p, &zones, &a, 1_119.0, &mut out);
        assert!(out.is_empty());
        d.on_tick(&p, &zones, &a, 1_120.0, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].kind, out[0].onset, out[0].time),
            (EventKind::WentDark, 1_000.0, 1_120.0)
        );
        assert_eq!(out[0].zone(), Some("alaska_adiz"));
        d.on_tick(&p, &zones, &a, 1_500.0, &mut out);
        assert_eq!(out.len(), 1, "once per silence");
        // Heard again, then silent again: a second event.
        crate::detect::testkit::fly(&mut a, 2_000.0, 71.5, -160.0, 33_000, 450.0, 90.0);
        d.on_update();
        d.on_tick(&p, &zones, &a, 2_200.0, &mut out);
        assert_eq!(out.len(), 2);
        assert_ne!(out[0].id, out[1].id);
    }

    #[test]
    fn far_from_zones_unlocated_or_heard_once_raises_nothing() {
        let p = DetectorParams::DEFAULT;
        let zones = vec![builtin_zone("alaska_adiz").unwrap().clone()];
        let mut out = Vec::new();
        // Over Germany.
        let far = flying(0x3c0001, 0.0, 50.0, 10.0, 33_000, 450.0, 90.0);
        Dark::default().on_tick(&p, &zones, &far, 500.0, &mut out);
        // Mode S only: heard twice, never located.
        let mut unlocated = heard(0x156f02, 0.0);
        unlocated.counts.total = 5;
        Dark::default().on_tick(&p, &zones, &unlocated, 500.0, &mut out);
        // One frame only.
        let mut once = flying(0x156f03, 0.0, 71.5, -160.0, 33_000, 450.0, 90.0);
        once.counts.total = 1;
        Dark::default().on_tick(&p, &zones, &once, 500.0, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
