//! Feeding stored items through an engine: replay, and the restore that gives a restarted
//! picket the memory of the one before.
//!
//! [`Driver`] calls the engine exactly as `picket run` does (a tick at the first item of
//! each data second, before ingesting it; a last tick at the time of the last item), so the
//! same items give the same alerts, byte for byte.

use picket_engine::engine::Engine;
use picket_engine::event::Alert;
use picket_receive::Received;

use crate::error::Error;
use crate::history::{History, ReadReport};

/// Drives an engine with items in arrival order, ticking data time as `picket run` does.
#[derive(Debug, Clone)]
pub struct Driver {
    next_tick: f64,
    first: Option<f64>,
    last: f64,
}

impl Default for Driver {
    fn default() -> Driver {
        Driver {
            next_tick: f64::NEG_INFINITY,
            first: None,
            last: 0.0,
        }
    }
}

impl Driver {
    /// A driver before its first item.
    pub fn new() -> Driver {
        Driver::default()
    }

    /// Ticks when a new data second begins, then ingests `r`.
    pub fn feed(&mut self, engine: &mut Engine, r: &Received, alerts: &mut Vec<Alert>) {
        let t = r.time_utc;
        if self.first.is_none() {
            self.first = Some(t);
        }
        if t > self.last {
            self.last = t;
        }
        if t >= self.next_tick {
            engine.tick(t, alerts);
            // The one rule of the live run-time, so a replay ticks exactly as the run did.
            self.next_tick = picket_engine::engine::next_tick_due(t);
        }
        engine.ingest(r, alerts);
    }

    /// The last tick, at the latest item's time (nothing when there was no item).
    pub fn finish(&mut self, engine: &mut Engine, alerts: &mut Vec<Alert>) {
        if self.first.is_some() {
            engine.tick(self.last, alerts);
        }
    }

    /// Time of the latest item.
    pub fn last_time(&self) -> Option<f64> {
        self.first.map(|_| self.last)
    }
}

/// How far back a restart replays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestoreOptions {
    /// Always replay at least from the start of the UTC day of the last stored item (so
    /// first-seen-today holds), and at least this many seconds.
    pub min_s: f64,
    /// Seconds before the onset of an open lasting event (a landing is detected from the
    /// approach before it).
    pub margin_s: f64,
    /// Never more than this many seconds.
    pub max_s: f64,
}

impl Default for RestoreOptions {
    fn default() -> RestoreOptions {
        RestoreOptions {
            min_s: 3600.0,
            margin_s: 1800.0,
            max_s: 7.0 * 86_400.0,
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restored {
    /// Data time replayed from and to (None: the store was empty).
    pub span: Option<(f64, f64)>,
    /// Events open at the end of the store that the replay covered.
    pub open_events: usize,
    /// Alerts the replay raised (already reported before the restart; not passed on).
    pub muted_alerts: u64,
    /// Reading.
    pub read: ReadReport,
}

/// Where a restore starts: the start of the last item's UTC day, `min_s` before it, or
/// `margin_s` before the earliest open event (its onset or what it measures from),
/// whichever is earliest, but never more than `max_s` back.
pub fn restore_from(history: &History, o: RestoreOptions) -> Result<Option<(f64, f64, usize)>, Error> {
    let Some((_, last)) = history.frame_span()? else {
        return Ok(None);
    };
    let mut from = ((last / 86_400.0).floor() * 86_400.0).min(last - o.min_s);
    let open = history.open_events()?;
    for e in &open {
        let start = e.since.unwrap_or(e.onset).min(e.onset);
        if start.is_finite() {
            from = from.min(start - o.margin_s);
        }
    }
    from = from.max(last - o.max_s);
    Ok(Some((from, last, open.len())))
}

/// Replays the stored items of the restore horizon through `engine` with its alerts muted:
/// the engine then knows the aircraft on the ground and since when, the open dwells and
/// formations, who was seen today, as the process before it did.
pub fn restore(history: &History, engine: &mut Engine, o: RestoreOptions) -> Result<Restored, Error> {
    let Some((from, to, open_events)) = restore_from(history, o)? else {
        return Ok(Restored::default());
    };
    let mut driver = Driver::new();
    let mut alerts = Vec::new();
    let mut muted = 0u64;
    let read = history.for_each_item_and_fix(from, to, |r| {
        driver.feed(engine, r, &mut alerts);
        muted += alerts.len() as u64;
        alerts.clear();
    })?;
    Ok(Restored {
        span: Some((from, to)),
        open_events,
        muted_alerts: muted,
        read,
    })
}
