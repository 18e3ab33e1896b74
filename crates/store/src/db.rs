//! Opening a store: the directory, its lock, the SQLite file, the schema and the checks.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, ErrorKind};

/// The database file inside the store directory.
pub const DB_FILE: &str = "picket.db";
/// The lock file inside the store directory: held (flock) by the one writing process.
pub const LOCK_FILE: &str = "picket.lock";

/// Schema version kept in `meta`; a store of another version is refused.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Raw items (frames, Mode A/C, observations): the source of truth for replay.
-- A block never spans two UTC hours; the blocks of a sealed hour are merged into one.
CREATE TABLE IF NOT EXISTS frame_blocks (
  id INTEGER PRIMARY KEY,
  hour INTEGER NOT NULL,
  t_first REAL NOT NULL,
  t_last REAL NOT NULL,
  items INTEGER NOT NULL,
  raw_bytes INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS frame_blocks_time ON frame_blocks (t_first);
CREATE INDEX IF NOT EXISTS frame_blocks_hour ON frame_blocks (hour);
-- Aircraft states, thinned: a position at least every 10 s and at every turn or level change.
-- cell: a 1-degree grid cell (floor(lat)+90)*360 + floor(lon)+180, the spatial index.
-- Clustered by aircraft and time (WITHOUT ROWID): one aircraft's day is a few pages.
CREATE TABLE IF NOT EXISTS states (
  hex TEXT NOT NULL,
  t REAL NOT NULL,
  seq INTEGER NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  cell INTEGER NOT NULL,
  alt_baro INTEGER,
  gs REAL,
  track REAL,
  baro_rate INTEGER,
  on_ground INTEGER,
  flight TEXT,
  squawk TEXT,
  PRIMARY KEY (hex, t, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS states_t ON states (t);
CREATE INDEX IF NOT EXISTS states_cell_t ON states (cell, t);
-- Every event report (and incident, or any later record kind: `record` names it) with its
-- JSON, evidence included.
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  record TEXT NOT NULL,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  phase TEXT NOT NULL,
  hex TEXT,
  onset REAL,
  t REAL NOT NULL,
  ended REAL,
  since REAL,
  place TEXT,
  place_name TEXT,
  place_country TEXT,
  lat REAL,
  lon REAL,
  rule TEXT,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_t ON events (t);
CREATE INDEX IF NOT EXISTS events_kind_t ON events (kind, t);
CREATE INDEX IF NOT EXISTS events_hex_t ON events (hex, t);
CREATE INDEX IF NOT EXISTS events_event_id ON events (event_id);
-- Aircraft seen: identity, enrichment and the layer that decided the class.
CREATE TABLE IF NOT EXISTS aircraft (
  hex TEXT PRIMARY KEY,
  first_seen REAL NOT NULL,
  last_seen REAL NOT NULL,
  flight TEXT,
  registration TEXT,
  type TEXT,
  operator TEXT,
  country TEXT,
  country_code TEXT,
  class TEXT,
  class_layer TEXT,
  class_detail TEXT,
  military INTEGER NOT NULL DEFAULT 0
);
";

/// Where a store lives.
#[derive(Debug, Clone)]
pub struct StorePaths {
    /// The directory.
    pub dir: PathBuf,
    /// The SQLite file.
    pub db: PathBuf,
    /// The lock file.
    pub lock: PathBuf,
}

impl StorePaths {
    /// The paths of a store directory.
    pub fn of(dir: &Path) -> StorePaths {
        StorePaths {
            dir: dir.to_path_buf(),
            db: dir.join(DB_FILE),
            lock: dir.join(LOCK_FILE),
        }
    }
}

/// The lock of the writing process, released when dropped (and by the kernel when the
/// process dies, even by kill -9).
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

/// Takes the store's write lock, or says who holds it.
pub fn lock(paths: &StorePaths) -> Result<WriterLock, Error> {
    std::fs::create_dir_all(&paths.dir).map_err(|e| {
        Error::io(
            ErrorKind::Open,
            format!("cannot create {}", paths.dir.display()),
            e,
        )
    })?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&paths.lock)
        .map_err(|e| {
            Error::io(
                ErrorKind::Open,
                format!("cannot open {}", paths.lock.display()),
                e,
            )
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&paths.lock).unwrap_or_default();
            return Err(Error::new(
                ErrorKind::Locked,
                format!(
                    "store {} is being written by another picket process{}; open it read-only (picket query) or stop that process",
                    paths.dir.display(),
                    match holder.trim() {
                        "" => String::new(),
                        pid => format!(" (pid {pid})"),
                    }
                ),
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::io(
                ErrorKind::Open,
                format!("cannot lock {}", paths.lock.display()),
                e,
            ))
        }
    }
    let _ = file.set_len(0);
    let _ = write!(file, "{}", std::process::id());
    Ok(WriterLock { _file: file })
}

/// Opens (creating if needed) the database for writing; the caller holds the lock.
pub fn open_write(paths: &StorePaths) -> Result<Connection, Error> {
    let existed = paths.db.exists();
    let conn = Connection::open(&paths.db)
        .map_err(|e| Error::sql(ErrorKind::Open, format!("cannot open {}", paths.db.display()), e))?;
    let ctx = |what: &str| format!("{}: {what}", paths.db.display());
    // WAL: readers never block the writer; synchronous=NORMAL: a commit is durable against a
    // crash of the process (kill -9) and the file is never corrupt after a power loss (the
    // last commits may be lost then).
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| corrupt_or(e, ctx("cannot enable WAL")))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| Error::sql(ErrorKind::Open, ctx("pragma"), e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| Error::sql(ErrorKind::Open, ctx("pragma"), e))?;
    if existed {
        check(&conn, &paths.db)?;
    }
    conn.execute_batch(SCHEMA)
        .and_then(|()| conn.execute_batch(crate::fixes::SCHEMA))
        .map_err(|e| corrupt_or(e, ctx("cannot create the schema")))?;
    let version: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0))
        .ok();
    match version {
        None => {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                [SCHEMA_VERSION.to_string()],
            )
            .map_err(|e| Error::sql(ErrorKind::Write, ctx("cannot write meta"), e))?;
        }
        Some(v) if v == SCHEMA_VERSION.to_string() => {}
        Some(v) => {
            return Err(Error::new(
                ErrorKind::Version,
                format!(
                    "{}: schema version {v}, this picket reads {SCHEMA_VERSION}",
                    paths.db.display()
                ),
            ))
        }
    }
    Ok(conn)
}

/// Opens the database read-only (no lock: WAL lets it read while another process writes).
pub fn open_read(paths: &StorePaths) -> Result<Connection, Error> {
    let conn = open_read_unchecked(paths)?;
    check(&conn, &paths.db)?;
    Ok(conn)
}

/// Opens for reading without `PRAGMA quick_check` (which reads every page: seconds, and the
/// whole file from disk when cold, on a day's store). Only the header and the schema are
/// read here; damage elsewhere shows when a query reaches it (then [`check`] says what).
pub fn open_read_unchecked(paths: &StorePaths) -> Result<Connection, Error> {
    if !paths.db.exists() {
        return Err(Error::new(
            ErrorKind::Open,
            format!(
                "no store at {} ({} is missing)",
                paths.dir.display(),
                paths.db.display()
            ),
        ));
    }
    let conn = Connection::open_with_flags(
        &paths.db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| Error::sql(ErrorKind::Open, format!("cannot open {}", paths.db.display()), e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| Error::sql(ErrorKind::Open, "pragma".into(), e))?;
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        return Err(corrupt_or(
            e,
            format!("cannot read the schema of {}", paths.db.display()),
        ));
    }
    Ok(conn)
}

fn corrupt_or(e: rusqlite::Error, what: String) -> Error {
    if is_corrupt(&e) {
        Error::new(ErrorKind::Corrupt, format!("{what}: {e}"))
    } else {
        Error::sql(ErrorKind::Open, what, e)
    }
}

pub(crate) fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase)
    )
}

/// `PRAGMA quick_check`; on a failure, a report of what can still be read.
pub fn check(conn: &Connection, db: &Path) -> Result<(), Error> {
    let result: Result<Vec<String>, rusqlite::Error> =
        conn.prepare("PRAGMA quick_check").and_then(|mut s| {
            let rows = s.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        });
    let problems = match result {
        Ok(lines) if lines.len() == 1 && lines[0] == "ok" => return Ok(()),
        Ok(lines) => lines,
        Err(e) => vec![e.to_string()],
    };
    let mut msg = format!(
        "{} is damaged: {}",
        db.display(),
        problems.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
    );
    msg.push_str("; still readable: ");
    msg.push_str(&salvage_report(conn));
    Err(Error::new(ErrorKind::Corrupt, msg))
}

/// What each table still gives when read (rows, or the error reading stopped at).
pub fn salvage_report(conn: &Connection) -> String {
    let mut parts = Vec::new();
    for table in ["frame_blocks", "states", "events", "aircraft"] {
        let mut n = 0u64;
        let mut stop = None;
        match conn.prepare(&format!("SELECT rowid FROM {table}")) {
            Ok(mut s) => match s.query([]) {
                Ok(mut rows) => loop {
                    match rows.next() {
                        Ok(Some(_)) => n += 1,
                        Ok(None) => break,
                        Err(e) => {
                            stop = Some(e.to_string());
                            break;
                        }
                    }
                },
                Err(e) => stop = Some(e.to_string()),
            },
            Err(e) => stop = Some(e.to_string()),
        }
        parts.push(match stop {
            None => format!("{table} {n} rows"),
            Some(e) => format!("{table} {n} rows before an error ({e})"),
        });
    }
    parts.join(", ")
}
