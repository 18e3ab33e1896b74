//! Multilateration on the engine thread: every received frame goes to a [`Mlat`] (sans-IO,
//! deterministic), and its fixes go to the engine as MLAT observations.
//!
//! Each receiver keeps its own clock (the clock-domain rule): [`Mlat`] only ever compares
//! two receivers' times through the pair relation it fits on beacons. Frames come in the
//! order the engine thread takes them: time order for files and scenarios, arrival order for
//! live receivers (never sorted by comparing their clocks).

use anyhow::{bail, Context, Result};
use picket_mlat::geo::Geodetic;
use picket_mlat::{Fix, Mlat, MlatConfig, ReceiverConfig};
use picket_receive::{ClockKind, Format, Received, What};
use std::path::PathBuf;
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

/// A recording with its receiver (an `--input` of `picket run` or `picket mlat`):
/// `name=NAME,lat=DEG,lon=DEG[,alt=METRES],path=FILE[,format=beast][,clock=12mhz|gps]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReceiver {
    /// The receiver's name and antenna position (alt: metres, default 0).
    pub receiver: ReceiverConfig,
    /// The recording.
    pub path: PathBuf,
    /// Its format (detected when absent).
    pub format: Option<Format>,
    /// How its timestamps read.
    pub clock: ClockKind,
}

impl FileReceiver {
    /// Whether an `--input` value is a receiver spec rather than a plain path.
    pub fn is_spec(text: &str) -> bool {
        text.starts_with("name=") || text.starts_with("path=") || text.contains(",path=")
    }

    /// Parses a spec; errors say which key is wrong.
    pub fn parse(text: &str) -> Result<FileReceiver> {
        let (mut name, mut lat, mut lon, mut alt, mut path, mut format, mut clock) =
            (None, None, None, 0.0, None, None, ClockKind::Ticks12Mhz);
        for part in text.split(',') {
            let Some((k, v)) = part.split_once('=') else {
                bail!("--input {text:?}: {part:?} is not key=value");
            };
            let num = |v: &str| -> Result<f64> {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .with_context(|| format!("--input {text:?}: {k}={v:?} is not a number"))
            };
            match k.trim() {
                "name" => name = Some(v.trim().to_string()),
                "lat" => lat = Some(num(v)?),
                "lon" => lon = Some(num(v)?),
                "alt" => alt = num(v)?,
                "path" => path = Some(PathBuf::from(v)),
                "format" => {
                    format = Some(
                        v.parse::<Format>()
                            .map_err(|e| anyhow::anyhow!("--input {text:?}: format {v:?}: {e}"))?,
                    )
                }
                "clock" => {
                    clock = match v.trim() {
                        "12mhz" => ClockKind::Ticks12Mhz,
                        "gps" => ClockKind::GpsTimeOfDay,
                        other => bail!("--input {text:?}: clock {other:?} is not 12mhz or gps"),
                    }
                }
                other => {
                    bail!(
                        "--input {text:?}: unknown key {other:?} (name, lat, lon, alt, path, format, clock)"
                    )
                }
            }
        }
        let (Some(name), Some(lat), Some(lon), Some(path)) = (name, lat, lon, path) else {
            bail!("--input {text:?}: name, lat, lon and path are required");
        };
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            bail!("--input {text:?}: position out of range");
        }
        Ok(FileReceiver {
            receiver: ReceiverConfig {
                name,
                position: Geodetic::new(lat, lon, alt),
            },
            path,
            format,
            clock,
        })
    }
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

/// A fix as the `result` line mlat-server sends an mlat-client (its `ecef` format: the
/// position in ECEF metres, the receivers in the solution; no covariance).
pub fn result_line(f: &Fix) -> String {
    let [x, y, z] = Geodetic::new(f.lat, f.lon, f.raw_alt_m).to_ecef();
    format!(
        "{{\"result\":{{\"@\":{:.3},\"addr\":\"{:06x}\",\"ecef\":[{:.0},{:.0},{:.0}],\"cov\":null,\"n\":{},\"nd\":{}}}}}\n",
        f.time_utc, f.address.0, x, y, z, f.receivers, f.receivers
    )
}

/// The multilateration stage of a run.
#[derive(Debug)]
pub struct MlatStage {
    mlat: Mlat,
    /// Receiver id → index in `mlat`'s list (None: not taking part).
    index: Vec<Option<u16>>,
    /// Every id is its own index (no copy of the item needed).
    identity: bool,
    /// Index in `mlat`'s list → receiver id.
    ids: Vec<u16>,
    /// Receivers that want the fixes they took part in (mlat-clients that asked for
    /// results), by index in `mlat`'s list: a line of the protocol's `result` each.
    results: Vec<(usize, tokio::sync::mpsc::Sender<String>)>,
    fixes: Vec<Fix>,
    shared: Arc<Mutex<Option<MlatSnapshot>>>,
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
            ids: stations.iter().map(|s| s.id).collect(),
            results: Vec::new(),
            fixes: Vec::new(),
            shared,
        };
        stage.publish();
        stage
    }

    /// Adds a receiver that joined during the run (an mlat-client feeder); its items carry
    /// `station.id`.
    pub fn add_station(&mut self, station: &Station) {
        let id = usize::from(station.id);
        if self.index.len() <= id {
            self.index.resize(id + 1, None);
        }
        let k = self.mlat.add_receiver(station.config.clone());
        self.index[id] = u16::try_from(k).ok();
        self.identity &= id == k;
        self.ids.push(station.id);
    }

    /// Sends the receiver with this id the fixes it takes part in, as lines of the
    /// mlat-client protocol's `result` (dropped when it does not keep up).
    pub fn send_results(&mut self, id: u16, to: tokio::sync::mpsc::Sender<String>) {
        if let Some(k) = self.ids.iter().position(|&i| i == id) {
            self.results.push((k, to));
        }
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
        if !self.results.is_empty() {
            self.results.retain(|(_, to)| !to.is_closed());
            for f in &self.fixes {
                let mut line = None;
                for (k, to) in &self.results {
                    if *k < 64 && f.receiver_mask & (1u64 << k) != 0 {
                        let l = line.get_or_insert_with(|| result_line(f));
                        let _ = to.try_send(l.clone());
                    }
                }
            }
        }
        for f in self.fixes.drain(..) {
            out.push(f.to_received());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_specs_parse_and_errors_say_what() {
        let s = FileReceiver::parse("name=nome,lat=64.51,lon=-165.44,alt=12,path=/tmp/nome.bin,clock=gps")
            .unwrap();
        assert_eq!(s.receiver.name, "nome");
        assert_eq!(s.receiver.position, Geodetic::new(64.51, -165.44, 12.0));
        assert_eq!(s.path, PathBuf::from("/tmp/nome.bin"));
        assert_eq!(s.clock, ClockKind::GpsTimeOfDay);
        let e = FileReceiver::parse("name=a,lat=x,lon=1,path=f")
            .unwrap_err()
            .to_string();
        assert!(e.contains("lat=\"x\" is not a number"), "{e}");
        let e = FileReceiver::parse("name=a,lat=1,lon=1").unwrap_err().to_string();
        assert!(e.contains("required"), "{e}");
        let e = FileReceiver::parse("name=a,lat=1,lon=1,path=f,colour=red")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown key \"colour\""), "{e}");
        assert!(FileReceiver::is_spec("name=a,lat=1,lon=1,path=f"));
        assert!(!FileReceiver::is_spec("/data/rx1.beast"));
    }

    #[test]
    fn mlat_is_on_by_default_with_three_positioned_receivers() {
        let st = |id| Station {
            id,
            config: ReceiverConfig {
                name: format!("r{id}"),
                position: Geodetic::new(70.0, -160.0 + f64::from(id), 0.0),
            },
        };
        let three = [st(0), st(1), st(2)];
        assert!(enabled(None, &three, "x").unwrap());
        assert!(!enabled(None, &three[..2], "x").unwrap());
        assert!(!enabled(Some(false), &three, "x").unwrap());
        assert!(enabled(Some(true), &three[..2], "x").is_err());
    }

    #[test]
    fn receivers_not_taking_part_are_skipped_and_ids_mapped() {
        // Items of receiver 5 go to the stage's receiver 1; receiver 3 is not in it.
        let stations = [
            Station {
                id: 2,
                config: ReceiverConfig {
                    name: "a".into(),
                    position: Geodetic::new(70.0, -160.0, 0.0),
                },
            },
            Station {
                id: 5,
                config: ReceiverConfig {
                    name: "b".into(),
                    position: Geodetic::new(70.5, -158.0, 0.0),
                },
            },
        ];
        let mut stage = MlatStage::new(&stations, Arc::default());
        let frame = picket_modes::Frame::new(&[0x5d, 0x4c, 0xa2, 0xd4, 0x97, 0x26, 0x4d]).unwrap();
        let mut out = Vec::new();
        for rx in [2u16, 3, 5] {
            stage.ingest(
                &Received {
                    time_utc: 1_565_290_000.0,
                    clock: picket_receive::Clock::Ticks12Mhz(1_000),
                    signal: None,
                    receiver: rx,
                    what: What::ModeS(frame),
                },
                &mut out,
            );
        }
        let snap = stage.snapshot();
        assert_eq!(snap.receivers[0].1.frames, 1);
        assert_eq!(snap.receivers[1].1.frames, 1);
        assert_eq!(snap.stats.items, 2);
    }
}
