//! The engine as `picket run` drives it: loading rules, zones and aircraft databases from
//! files (errors with file and line), ingesting items, ticking data time, reloading.

use anyhow::{anyhow, bail, Context, Result};
use picket_engine::engine::{Engine, EngineConfig, Output};
use picket_engine::enrich::AircraftDb;
use picket_engine::event::Alert;
use picket_engine::rules::RuleSet;
use picket_engine::track::{Ingested, Predecoded, TrackerConfig};
use picket_receive::Received;
use picket_world::events::DetectorParams;
use picket_world::geo::LatLon;
use picket_world::zones::{builtin_zones, load_geojson, Zone};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the engine is built from (and what a reload re-reads).
#[derive(Debug, Clone)]
pub struct WorldFiles {
    /// Rules file; None: the built-in default rules.
    pub rules: Option<PathBuf>,
    /// Zone files.
    pub zones: Vec<PathBuf>,
    /// Whether the built-in zones are loaded too.
    pub builtin_zones: bool,
    /// Aircraft database files.
    pub aircraft_db: Vec<PathBuf>,
    /// The user's callsign tables (rows read before the built-in table's).
    pub callsigns: Vec<PathBuf>,
    /// The receivers' positions (the first is the tracker's reference).
    pub receivers: Vec<LatLon>,
    /// The receiver's range, NM.
    pub range_nm: Option<f64>,
    /// Positions kept per aircraft trail (0: none; the map and the API want some).
    pub trail_len: usize,
}

/// Rules and zones as loaded (the part SIGHUP reloads).
#[derive(Debug, Clone)]
pub struct Watch {
    /// The rules.
    pub rules: RuleSet,
    /// Every zone.
    pub zones: Vec<Zone>,
}

impl WorldFiles {
    /// Reads and checks the rules and zones.
    pub fn load_watch(&self) -> Result<Watch> {
        let mut zones: Vec<Zone> = if self.builtin_zones {
            builtin_zones().to_vec()
        } else {
            Vec::new()
        };
        for p in &self.zones {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read zones {name}"))?;
            let loaded = load_geojson(&text).map_err(|e| {
                let feature = e.feature.map(|f| format!("feature {f}: ")).unwrap_or_default();
                anyhow!("{name}:{}:{}: {feature}{}", e.line, e.column, e.kind.as_str())
            })?;
            for z in loaded {
                if let Some(old) = zones.iter_mut().find(|o| o.id == z.id) {
                    // A user's zone replaces a built-in one of the same id.
                    *old = z;
                } else {
                    zones.push(z);
                }
            }
        }
        let rules = match &self.rules {
            Some(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read rules {name}"))?;
                RuleSet::load(&text, &name).map_err(|e| anyhow!("{e}"))?
            }
            None => RuleSet::default_rules(),
        };
        // The engine binds the rules' zone names to the zones, and refuses unknown ones.
        Ok(Watch { rules, zones })
    }

    /// Loads the built-in aircraft records and every database file.
    pub fn load_db(&self) -> Result<(AircraftDb, Vec<String>)> {
        let mut db = AircraftDb::with_builtin();
        let mut notes = Vec::new();
        for p in &self.aircraft_db {
            notes.push(load_db_file(&mut db, p)?);
        }
        for p in &self.callsigns {
            notes.push(load_callsign_file(&mut db, p)?);
        }
        Ok((db, notes))
    }
}

/// Reads one aircraft database file (gzip-compressed or not; tar1090-db or plane-alert-db
/// layout, told apart by the first line) into `db`; returns a line for the log.
pub fn load_db_file(db: &mut AircraftDb, path: &Path) -> Result<String> {
    let name = path.display().to_string();
    let raw = std::fs::read(path).with_context(|| format!("cannot read aircraft database {name}"))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .with_context(|| format!("{name}: cannot decompress"))?;
        out
    } else {
        raw
    };
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let report = if first.contains(&b';') {
        db.load_tar1090(&bytes)
    } else {
        db.load_plane_alert(&bytes)
    };
    if report.loaded == 0 && report.skipped > 0 {
        let e = &report.errors[0];
        bail!("{name}:{}: {} (no record could be read)", e.line, e.kind);
    }
    for e in report.errors.iter().take(3) {
        eprintln!("picket: {name}:{}: {}; line skipped", e.line, e.kind);
    }
    Ok(format!(
        "{name}: {} records ({} layout, {} merged, {} lines skipped)",
        report.loaded,
        report.source.name(),
        report.merged,
        report.skipped
    ))
}

/// Reads a user's callsign table (the layout of the built-in `callsigns.csv`:
/// `prefix,class,country,operator,source`) into `db`; its rows are read before the
/// built-in table's. Returns a line for the log.
pub fn load_callsign_file(db: &mut AircraftDb, path: &Path) -> Result<String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read callsign table {name}"))?;
    let report = db.load_callsigns(&bytes);
    if report.loaded == 0 && report.skipped > 0 {
        let e = &report.errors[0];
        bail!("{name}:{}: {} (no row could be read)", e.line, e.message);
    }
    for e in report.errors.iter().take(3) {
        eprintln!("picket: {name}:{}: {}; line skipped", e.line, e.message);
    }
    Ok(format!(
        "{name}: {} callsign rows ({} lines skipped)",
        report.loaded, report.skipped
    ))
}

/// How much of the engine's output a step fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The alerts only.
    Alerts,
    /// Every event and the alerts (a recorder without a map to update).
    Events,
    /// Events, alerts, and the aircraft changed and retired (the live server's map).
    Full,
}

/// The engine with what it was built from.
#[derive(Debug)]
pub struct Pipeline {
    engine: Engine,
    files_rules: Option<PathBuf>,
}

impl Pipeline {
    /// Builds the engine; a rule naming an unknown zone is an error.
    pub fn new(files: &WorldFiles, watch: Watch, db: AircraftDb) -> Result<Pipeline> {
        let tracker = TrackerConfig {
            receiver: files.receivers.first().copied(),
            receiver_range_nm: files.range_nm.or(TrackerConfig::default().receiver_range_nm),
            trail_len: files.trail_len,
            ..TrackerConfig::default()
        };
        let engine = Engine::try_new(EngineConfig {
            tracker,
            receivers: files.receivers.clone(),
            zones: watch.zones,
            aircraft_db: Arc::new(db),
            rules: watch.rules,
            detectors: DetectorParams::default(),
        })
        .map_err(|e| anyhow!("{e}"))?;
        Ok(Pipeline {
            engine,
            files_rules: files.rules.clone(),
        })
    }

    /// Takes one item; alerts are appended to `alerts`.
    pub fn ingest(&mut self, r: &Received, alerts: &mut Vec<Alert>) -> Ingested {
        self.engine.ingest(r, alerts)
    }

    /// Takes one item into `out`, as much as `detail` asks: every event, alert and aircraft
    /// key ([`Engine::ingest_into`]), the events and alerts, or the alerts only (the
    /// cheaper [`Engine::ingest`]).
    pub fn step_ingest(&mut self, r: &Received, out: &mut Output, detail: Detail) -> Ingested {
        match detail {
            Detail::Full => self.engine.ingest_into(r, out),
            Detail::Events => self.engine.ingest_events(r, out),
            Detail::Alerts => self.engine.ingest(r, &mut out.alerts),
        }
    }

    /// [`Pipeline::step_ingest`] of an item whose frame a reader decoded already
    /// ([`crate::connect::Batch::predecode`]; `None` for an item that is no Mode S frame).
    #[inline(always)]
    pub fn step_ingest_predecoded(
        &mut self,
        r: &Received,
        decoded: Option<&Predecoded>,
        out: &mut Output,
        detail: Detail,
    ) -> Ingested {
        match detail {
            Detail::Full => self.engine.ingest_predecoded_into(r, decoded, out),
            Detail::Events => self.engine.ingest_predecoded_events(r, decoded, out),
            Detail::Alerts => self.engine.ingest_predecoded(r, decoded, &mut out.alerts),
        }
    }

    /// Advances data time into `out`, as [`Pipeline::step_ingest`] takes an item.
    pub fn step_tick(&mut self, now: f64, out: &mut Output, detail: Detail) {
        match detail {
            Detail::Full => self.engine.tick_into(now, out),
            Detail::Events => self.engine.tick_events(now, out),
            Detail::Alerts => self.engine.tick(now, &mut out.alerts),
        }
    }

    /// Replaces rules and zones; on an error nothing changes.
    pub fn reload(&mut self, watch: Watch) -> Result<()> {
        self.engine
            .reload(watch.rules, watch.zones)
            .map_err(|e| anyhow!("{e}"))
    }

    /// The rules in use.
    pub fn rules(&self) -> &RuleSet {
        self.engine.rules()
    }

    /// Zones in use.
    pub fn zones(&self) -> usize {
        self.engine.zones().len()
    }

    /// Where the rules come from.
    pub fn rules_name(&self) -> String {
        match &self.files_rules {
            Some(p) => p.display().to_string(),
            None => "built-in default rules".into(),
        }
    }

    /// The engine (to look at its aircraft; the history store reads states from it).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, to restore it from history before the run.
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }
}
