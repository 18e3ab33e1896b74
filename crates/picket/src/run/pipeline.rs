//! The engine as `picket run` drives it: loading rules, zones and aircraft databases from
//! files (errors with file and line), ingesting items, ticking data time, reloading.

use anyhow::{anyhow, bail, Context, Result};
use picket_engine::engine::{Engine, EngineConfig};
use picket_engine::enrich::AircraftDb;
use picket_engine::event::Alert;
use picket_engine::track::TrackerConfig;
use picket_receive::Received;
use picket_world::geo::LatLon;
use picket_world::zones::{builtin_zones, load_geojson, Zone};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What the engine is built from (and what a reload re-reads).
#[derive(Debug, Clone)]
pub(crate) struct WorldFiles {
    /// Rules file; None: the built-in default rules.
    pub(crate) rules: Option<PathBuf>,
    /// Zone files.
    pub(crate) zones: Vec<PathBuf>,
    /// Whether the built-in zones are loaded too.
    pub(crate) builtin_zones: bool,
    /// Aircraft database files.
    pub(crate) aircraft_db: Vec<PathBuf>,
    /// The receiver's position.
    pub(crate) receiver: Option<LatLon>,
    /// The receiver's range, NM.
    pub(crate) range_nm: Option<f64>,
}

/// Rules and zones as loaded (the part SIGHUP reloads).
#[derive(Debug, Clone)]
pub(crate) struct Watch {
    /// The rules file's text and name (None: the built-in default).
    pub(crate) rules: Option<(String, String)>,
    /// Every zone.
    pub(crate) zones: Vec<Zone>,
}

impl WorldFiles {
    /// Reads and checks the rules and zones.
    pub(crate) fn load_watch(&self) -> Result<Watch> {
        let rules = match &self.rules {
            Some(p) => {
                let name = p.display().to_string();
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read rules {name}"))?;
                check_rules(&text, &name)?;
                Some((text, name))
            }
            None => None,
        };
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
        Ok(Watch { rules, zones })
    }

    /// Loads the built-in aircraft records and every database file.
    pub(crate) fn load_db(&self) -> Result<(AircraftDb, Vec<String>)> {
        let mut db = AircraftDb::with_builtin();
        let mut notes = Vec::new();
        for p in &self.aircraft_db {
            notes.push(load_db_file(&mut db, p)?);
        }
        Ok((db, notes))
    }
}

/// Checks a rules file. STAND-IN until the rules module (crates/engine/src/rules) exposes
/// its loader: only the TOML syntax is checked, with the line of the mistake.
fn check_rules(text: &str, name: &str) -> Result<()> {
    toml::from_str::<toml::Table>(text).map_err(|e| super::config::toml_error(name, text, &e))?;
    Ok(())
}

/// Reads one aircraft database file (gzip-compressed or not; tar1090-db or plane-alert-db
/// layout, told apart by the first line) into `db`; returns a line for the log.
fn load_db_file(db: &mut AircraftDb, path: &Path) -> Result<String> {
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

/// The engine with what it was built from.
#[derive(Debug)]
pub(crate) struct Pipeline {
    engine: Engine,
    events: Vec<picket_engine::engine::Event>,
    watch: Watch,
    #[allow(dead_code)] // Given to the engine once it takes a database.
    db: AircraftDb,
}

impl Pipeline {
    /// Builds the engine.
    pub(crate) fn new(files: &WorldFiles, watch: Watch, db: AircraftDb) -> Pipeline {
        let tracker = TrackerConfig {
            receiver: files.receiver,
            receiver_range_nm: files.range_nm.or(TrackerConfig::default().receiver_range_nm),
            ..TrackerConfig::default()
        };
        Pipeline {
            engine: Engine::new(EngineConfig { tracker }),
            events: Vec::new(),
            watch,
            db,
        }
    }

    /// Takes one item; alerts are appended to `alerts`.
    pub(crate) fn ingest(&mut self, r: &Received, _alerts: &mut Vec<Alert>) {
        self.events.clear();
        self.engine.ingest(r, &mut self.events);
    }

    /// Advances data time.
    pub(crate) fn tick(&mut self, now: f64, _alerts: &mut Vec<Alert>) {
        self.events.clear();
        self.engine.tick(now, &mut self.events);
    }

    /// Replaces rules and zones.
    pub(crate) fn reload(&mut self, watch: Watch) {
        self.watch = watch;
    }

    /// Zones in use.
    pub(crate) fn zones(&self) -> usize {
        self.watch.zones.len()
    }

    /// Where the rules come from.
    pub(crate) fn rules_name(&self) -> String {
        match &self.watch.rules {
            Some((_, name)) => name.clone(),
            None => "built-in default rules".into(),
        }
    }

    /// Aircraft tracked since the start.
    pub(crate) fn aircraft_seen(&self) -> u64 {
        self.engine.tracker().stats().created
    }
}
