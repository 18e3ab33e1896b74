//! Emergencies: the squawks 7500, 7600 and 7700 and every ADS-B emergency/priority state.
//!
//! The emergency of an aircraft is its ADS-B state when that says one, else its squawk's.
//! A new emergency (or its end) is taken only after
//! [`DetectorParams::emergency_min_messages`] consecutive messages carrying the squawk or
//! the state say so; the onset is the first of them. A change from one emergency to another
//! ends the first event and starts a second.

use picket_modes::adsb::EmergencyState;
use picket_modes::Squawk;
use picket_world::events::{DetectorParams, EmergencyKind, EventKind};

use crate::event::{Confidence, Detail, Event, Evidence, Phase};
use crate::track::{Aircraft, Field};

/// The emergency kind of an ADS-B emergency/priority state.
pub(crate) fn adsb_kind(state: EmergencyState) -> Option<EmergencyKind> {
    match state {
        EmergencyState::None => None,
        EmergencyState::General => Some(EmergencyKind::General),
        EmergencyState::Lifeguard => Some(EmergencyKind::Lifeguard),
        EmergencyState::MinimumFuel => Some(EmergencyKind::MinimumFuel),
        EmergencyState::NoCommunications => Some(EmergencyKind::NoCommunications),
        EmergencyState::UnlawfulInterference => Some(EmergencyKind::UnlawfulInterference),
        EmergencyState::DownedAircraft => Some(EmergencyKind::Downed),
        EmergencyState::Reserved => Some(EmergencyKind::Reserved),
    }
}

/// The four octal digits of a squawk read as a decimal number (0o7700 -> 7700).
pub(crate) fn squawk_digits(s: Squawk) -> u16 {
    let v = s.0;
    ((v >> 9) & 7) * 1000 + ((v >> 6) & 7) * 100 + ((v >> 3) & 7) * 10 + (v & 7)
}

/// One aircraft's emergency state.
#[derive(Debug, Clone, Default)]
pub(crate) struct EmergencyTrack {
    /// The emergency raised and not yet ended.
    /// Boxed: rare, and every aircraft carries this state.
    active: Option<Box<Event>>,
    /// A change seen but not yet confirmed: the new kind, its first message, count.
    candidate: Option<(Option<EmergencyKind>, f64, u32)>,
}

impl EmergencyTrack {
    /// Takes a message of `a` (any message: only those carrying a squawk or an emergency
    /// state count).
    ///
    /// Inline: most messages carry neither, and leave at the first test without a call.
    #[inline(always)]
    pub(crate) fn on_update(&mut self, p: &DetectorParams, a: &Aircraft, out: &mut Vec<Event>) {
        let t = a.last_seen;
        let carried_squawk = a.seen(Field::Squawk) == Some(t);
        let carried_state = a.seen(Field::Emergency) == Some(t);
        if !carried_squawk && !carried_state {
            return;
        }
        self.on_carried(p, a, t, out);
    }

    /// A message that carried a squawk or an emergency state, at data time `t`.
    #[inline(never)]
    fn on_carried(&mut self, p: &DetectorParams, a: &Aircraft, t: f64, out: &mut Vec<Event>) {
        let by_state = a.emergency.and_then(adsb_kind);
        let by_squawk = a
            .squawk
            .and_then(|s| EmergencyKind::from_squawk(squawk_digits(s)));
        let kind = by_state.or(by_squawk);
        let current = match &self.active {
            Some(e) => match e.detail {
                Detail::Emergency { state, .. } => Some(state),
                _ => None,
            },
            _ => None,
        };
        if kind == current {
            self.candidate = None;
            return;
        }
        let (first, count) = match self.candidate {
            Some((k, first, n)) if k == kind => (first, n + 1),
            _ => (t, 1),
        };
        if count < p.emergency_min_messages.max(1) {
            self.candidate = Some((kind, first, count));
            return;
        }
        self.candidate = None;
        if let Some(mut e) = self.active.take() {
            e.phase = Phase::Ended;
            e.time = t;
            e.ended = Some(first);
            out.push(*e);
        }
        if let Some(state) = kind {
            let mut e = Event::new(EventKind::Emergency, a.key, first, t);
            e.confidence = Confidence::High;
            let squawk = a.squawk.filter(|_| by_state.is_none() || by_squawk == kind);
            e.detail = Detail::Emergency {
                state,
                squawk: squawk.map(|s| s.0),
                messages: count,
            };
            let mut ev = super::zone::position_evidence(a, "");
            ev.time = t;
            ev.note = if by_state.is_some() {
                "ADS-B emergency state"
            } else {
                "emergency squawk"
            };
            e.push_evidence(Evidence { ..ev });
            out.push(e.clone());
            self.active = Some(Box::new(e));
        }
    }

    /// The aircraft is gone: ends the active emergency at its last message.
    pub(crate) fn on_retired(&mut self, a: &Aircraft, now: f64, out: &mut Vec<Event>) {
        if let Some(mut e) = self.active.take() {
            e.phase = Phase::Ended;
            e.time = now;
            e.ended = Some(a.last_seen);
            out.push(*e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{carried, heard};

    fn squawk(a: &mut Aircraft, t: f64, code: u16) {
        a.squawk = Some(Squawk(code));
        carried(a, t, &[Field::Squawk]);
    }

    #[test]
    fn squawk_7700_needs_two_messages_and_ends_when_cleared() {
        let p = DetectorParams::DEFAULT;
        let mut a = heard(0x4ca123, 0.0);
        let mut em = EmergencyTrack::default();
        let mut out = Vec::new();
        squawk(&mut a, 1.0, 0o1200);
        em.on_update(&p, &a, &mut out);
        squawk(&mut a, 2.0, 0o7700);
        em.on_update(&p, &a, &mut out);
        assert!(out.is_empty(), "one message is not enough");
        // A message that carries no squawk does not count either way.
        carried(&mut a, 2.5, &[Field::AltBaro]);
        em.on_update(&p, &a, &mut out);
        assert!(out.is_empty());
        squawk(&mut a, 3.0, 0o7700);
        em.on_update(&p, &a, &mut out);
        assert_eq!(out.len(), 1);
        let e = &out[0];
        assert_eq!(
            (e.kind, e.phase, e.onset, e.time),
            (EventKind::Emergency, Phase::Started, 2.0, 3.0)
        );
        assert_eq!(
            e.detail,
            Detail::Emergency {
                state: EmergencyKind::General,
                squawk: Some(0o7700),
                messages: 2
            }
        );
        // Repeats change nothing; one 1200 is not the end; two are.
        squawk(&mut a, 4.0, 0o7700);
        em.on_update(&p, &a, &mut out);
        squawk(&mut a, 5.0, 0o1200);
        em.on_update(&p, &a, &mut out);
        squawk(&mut a, 6.0, 0o7700);
        em.on_update(&p, &a, &mut out);
        squawk(&mut a, 7.0, 0o1200);
        em.on_update(&p, &a, &mut out);
        assert_eq!(out.len(), 1);
        squawk(&mut a, 8.0, 0o1200);
        em.on_update(&p, &a, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[1].phase, out[1].ended, out[1].id),
            (Phase::Ended, Some(7.0), out[0].id)
        );
    }

    #[test]
    fn adsb_states_and_a_change_of_emergency() {
        let p = DetectorParams::DEFAULT;
        let mut a = heard(0x4ca123, 0.0);
        let mut em = EmergencyTrack::default();
        let mut out = Vec::new();
        for t in [1.0, 2.0] {
            a.emergency = Some(EmergencyState::MinimumFuel);
            a.squawk = Some(Squawk(0o2000));
            carried(&mut a, t, &[Field::Emergency, Field::Squawk]);
            em.on_update(&p, &a, &mut out);
        }
        assert_eq!(out.len(), 1);
        assert!(matches!(
            out[0].detail,
            Detail::Emergency {
                state: EmergencyKind::MinimumFuel,
                squawk: None,
                ..
            }
        ));
        for t in [3.0, 4.0] {
            a.emergency = Some(EmergencyState::NoCommunications);
            a.squawk = Some(Squawk(0o7600));
            carried(&mut a, t, &[Field::Emergency, Field::Squawk]);
            em.on_update(&p, &a, &mut out);
        }
        assert_eq!(out.len(), 3);
        assert_eq!((out[1].phase, out[1].ended), (Phase::Ended, Some(3.0)));
        assert_eq!(out[2].phase, Phase::Started);
        assert!(matches!(
            out[2].detail,
            Detail::Emergency {
                state: EmergencyKind::NoCommunications,
                squawk: Some(0o7600),
                ..
            }
        ));
        em.on_retired(&a, 400.0, &mut out);
        assert_eq!(
            (out[3].phase, out[3].ended, out[3].id),
            (Phase::Ended, Some(4.0), out[2].id)
        );
    }

    #[test]
    fn every_adsb_state_and_squawk_digits() {
        assert_eq!(squawk_digits(Squawk(0o7500)), 7500);
        assert_eq!(squawk_digits(Squawk(0o0017)), 17);
        let kinds: Vec<_> = (0..8).map(|b| adsb_kind(EmergencyState::from_bits(b))).collect();
        assert_eq!(kinds[0], None);
        assert_eq!(kinds[6], Some(EmergencyKind::Downed));
        assert!(kinds[1..].iter().all(Option::is_some));
    }
}
