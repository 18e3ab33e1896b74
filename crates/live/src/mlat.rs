//! Multilateration on the engine thread: every received frame goes to a [`Mlat`] (sans-IO,
//! deterministic), and its fixes go to the engine as MLAT observations.
//!
//! Each receiver keeps its own clock (the clock-domain rule): [`Mlat`] only ever compares
//! two receivers' times through the pair relation it fits on beacons. Frames come in the
//! order the engine thread takes them: time order for files and scenarios, arrival order for
//! live receivers (never sorted by comparing their clocks).

use anyhow::{bail, Result};
use picket_mlat::{Fix, Mlat, MlatConfig, ReceiverConfig};
use picket_receive::{Received, What};
use std::sync::{Arc, Mutex};

use crate::stats::MlatSnapshot;

/// Fewest receivers with positions and clocks for multilateration to be switched on by
/// default (three when the replies give their altitude).
pub const MIN_RECEIVERS: usize = 3;

/// A receiver taking part: the id its items carry and its name and position.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// `Received::receiver` of its items.
    pub id: u16,
    /// Name and antenna position.
    pub config: ReceiverConfig,
}

/// Decides whether to multilaterate: `setting` (None: automatic) and the receivers that
/// have a position and a clock. `about` says which receivers were considered, for errors.
pub fn enabled(setting: Option<bool>, stations: &[Station], about: &str) -> Result<bool> {
    match setting {
        Some(false) => Ok(false),
        None => Ok(stations.len() >= MIN_RECEIVERS),
        Some(true) if stations.len() >= MIN_RECEIVERS => Ok(true),
        Some(true) => bail!(
            "mlat needs at least {MIN_RECEIVERS} receivers with positions and timestamped frames \
             (Beast or AVR with timestamps); {about} has {}",
            stations.len()
        ),
    }
}

/// The multilateration stage of a run.
#[derive(Debug)]
pub struct MlatStage {
    mlat: Mlat,
    /// Receiver id → index in `mlat`'s list (None: not taking part).
    index: Vec<Option<u16>>,
    /// Every id is its own index (no copy of the item needed).
    identity: bool,
    fixes: Vec<Fix>,
    shared: Arc<Mutex<Option<MlatSnapshot>>>,
    /// Fixes given to the engine.
    pub fixes_out: u64,
}

impl MlatStage {
    /// A stage over these receivers; its counters are published into `shared`.
    pub fn new(stations: &[Station], shared: Arc<Mutex<Option<MlatSnapshot>>>) -> MlatStage {
        let max = stations.iter().map(|s| usize::from(s.id) + 1).max().unwrap_or(0);
        let mut index = vec![None; max];
        for (k, s) in stations.iter().enumerate() {
            index[usize::from(s.id)] = u16::try_from(k).ok();
        }
        let identity = stations.iter().enumerate().all(|(k, s)| usize::from(s.id) == k);
        let mlat = Mlat::new(
            stations.iter().map(|s| s.config.clone()).collect(),
            MlatConfig::default(),
        );
        let stage = MlatStage {
            mlat,
            index,
            identity,
            fixes: Vec::new(),
            shared,
            fixes_out: 0,
        };
        stage.publish();
        stage
    }

    /// Takes one item; the fixes it completes are appended to `out` as MLAT observations.
    ///
    /// The one cost for items that are not Mode S frames is a match.
    #[inline]
    pub fn ingest(&mut self, item: &Received, out: &mut Vec<Received>) {
        let What::ModeS(frame) = item.what else { return };
        if self.identity {
            self.mlat.ingest(item, &mut self.fixes);
        } else {
            let Some(Some(k)) = self.index.get(usize::from(item.receiver)) else {
                return;
            };
            let copy = Received {
                time_utc: item.time_utc,
                clock: item.clock,
                signal: item.signal,
                receiver: *k,
                what: What::ModeS(frame),
            };
            self.mlat.ingest(&copy, &mut self.fixes);
        }
        self.drain(out);
    }

    /// Closes every open transmission (end of input); fixes to `out`.
    pub fn finish(&mut self, out: &mut Vec<Received>) {
        self.mlat.finish(&mut self.fixes);
        self.drain(out);
        self.publish();
    }

    fn drain(&mut self, out: &mut Vec<Received>) {
        for f in self.fixes.drain(..) {
            out.push(f.to_received());
            self.fixes_out += 1;
        }
    }

    /// Copies the counters into the shared snapshot (once per data second is plenty).
    pub fn publish(&self) {
        let snap = self.snapshot();
        if let Ok(mut m) = self.shared.lock() {
            *m = Some(snap);
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> MlatSnapshot {
        MlatSnapshot {
            stats: *self.mlat.stats(),
            receivers: self.mlat.receivers().map(|(n, r)| (n.to_string(), *r)).collect(),
        }
    }
}
