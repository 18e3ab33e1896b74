//! First seen today: the first sighting of an address in each UTC day, located or not.
//!
//! Raised at the [`CONFIRM_MESSAGES`]th message of the day (the tracker creates an
//! aircraft only from a frame whose parity verifies its address; a second message makes a
//! sighting), with the first message of the day as onset. An aircraft heard only through
//! Mode S replies (no position) is reported "heard, not located" (`located: false`). The
//! days already reported are remembered across the tracker's retirements, so an aircraft
//! that leaves and comes back the same day is not reported twice. Non-ICAO addresses are
//! reported under their own key (`~` in JSON): never as the ICAO aircraft of the same
//! number.

use std::hash::BuildHasherDefault;

use std::collections::HashMap;

use picket_world::events::EventKind;

use super::KeyHasher;
use crate::event::{Confidence, Detail, Event};
use crate::track::{Aircraft, TrackKey};

/// Messages in a day before the sighting counts.
pub(crate) const CONFIRM_MESSAGES: u32 = 2;

/// Oldest position (seconds) that still makes a sighting "located".
pub(crate) const LOCATED_MAX_AGE_S: f64 = 60.0;

/// Seconds in a day.
pub(crate) const DAY_S: f64 = 86_400.0;

/// The UTC day (days since 1970-01-01) of a data time.
pub(crate) fn utc_day(t: f64) -> i64 {
    (t / DAY_S).floor() as i64
}

/// One aircraft's sightings in the current day.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FirstSeen {
    day: i64,
    messages: u32,
    first: f64,
    done: bool,
    /// The data times of `day` (`[day start, next day's start)`) while `done`, an empty
    /// range otherwise: the messages that change nothing, told by two comparisons.
    quiet: (f64, f64),
}

/// The days already reported, per address (kept across retirements; pruned each day).
#[derive(Debug, Clone, Default)]
pub(crate) struct Reported {
    days: HashMap<TrackKey, i64, BuildHasherDefault<KeyHasher>>,
    pruned_day: i64,
}

impl FirstSeen {
    /// Takes a message of `a`.
    /// The common case inline: already reported today; the rest out of line.
    #[inline]
    pub(crate) fn on_update(&mut self, reported: &mut Reported, a: &Aircraft, out: &mut Vec<Event>) {
        let t = a.last_seen;
        if t >= self.quiet.0 && t < self.quiet.1 {
            debug_assert!(self.done);
            return;
        }
        self.on_other(reported, a, t, out);
    }

    /// The range of data times that change nothing (see `quiet`).
    fn set_quiet(&mut self) {
        self.quiet = if self.done {
            (self.day as f64 * DAY_S, (self.day + 1) as f64 * DAY_S)
        } else {
            (0.0, 0.0)
        };
    }

    /// A message of an aircraft not yet reported today (or of a new day).
    #[inline(never)]
    fn on_other(&mut self, reported: &mut Reported, a: &Aircraft, t: f64, out: &mut Vec<Event>) {
        let day = utc_day(t);
        if day != self.day || self.messages == 0 {
            if day < self.day {
                // A late message from the previous day changes nothing.
                return;
            }
            *self = FirstSeen {
                day,
                messages: 0,
                first: t,
                done: reported.days.get(&a.key) == Some(&day),
                quiet: (0.0, 0.0),
            };
            self.set_quiet();
        }
        if self.done {
            return;
        }
        self.messages += 1;
        if self.messages < CONFIRM_MESSAGES {
            return;
        }
        self.done = true;
        self.set_quiet();
        if day > reported.pruned_day {
            reported.days.retain(|_, d| *d >= day);
            reported.pruned_day = day;
        }
        reported.days.insert(a.key, day);
        let mut e = Event::new(EventKind::FirstSeen, a.key, self.first, t);
        e.confidence = Confidence::High;
        // Located: a position no older than a minute (a parked aircraft heard just after
        // midnight was located a moment before it).
        let located = a.position.is_some_and(|p| t - p.time <= LOCATED_MAX_AGE_S);
        e.detail = Detail::FirstSeen { day, located };
        let note = if located { "located" } else { "heard, not located" };
        e.push_evidence(super::zone::position_evidence(a, note));
        out.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{carried, fly, heard};
    use crate::track::Field;

    #[test]
    fn once_per_day_after_two_messages_located_or_not() {
        let mut rep = Reported::default();
        let day0 = 17_978.0 * DAY_S;
        let mut a = heard(0x156f01, day0 + 100.0);
        let mut fs = FirstSeen::default();
        let mut out = Vec::new();
        fs.on_update(&mut rep, &a, &mut out);
        assert!(out.is_empty(), "one message is not a sighting");
        carried(&mut a, day0 + 101.0, &[Field::AltBaro]);
        fs.on_update(&mut rep, &a, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].onset, out[0].time), (day0 + 100.0, day0 + 101.0));
        assert_eq!(
            out[0].detail,
            Detail::FirstSeen {
                day: 17_978,
                located: false
            }
        );
        for k in 0..10 {
            carried(&mut a, day0 + 200.0 + f64::from(k), &[Field::AltBaro]);
            fs.on_update(&mut rep, &a, &mut out);
        }
        assert_eq!(out.len(), 1);
        // Retired and back the same day: nothing; the next day: a new sighting, located.
        let mut again = FirstSeen::default();
        for k in 0..3 {
            carried(&mut a, day0 + 5_000.0 + f64::from(k), &[Field::AltBaro]);
            again.on_update(&mut rep, &a, &mut out);
        }
        assert_eq!(out.len(), 1);
        fly(&mut a, day0 + DAY_S + 3.0, 60.0, 10.0, 30_000, 400.0, 0.0);
        again.on_update(&mut rep, &a, &mut out);
        fly(&mut a, day0 + DAY_S + 4.0, 60.0, 10.0, 30_000, 400.0, 0.0);
        again.on_update(&mut rep, &a, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].onset, day0 + DAY_S + 3.0);
        assert_eq!(
            out[1].detail,
            Detail::FirstSeen {
                day: 17_979,
                located: true
            }
        );
        assert_ne!(out[0].id, out[1].id);
    }
}
