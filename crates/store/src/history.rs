//! Reading a store: raw items in a time range, the open lasting events, the extent.

use std::path::Path;

use picket_receive::Received;
use rusqlite::Connection;

use crate::codec::decode_block_into;
use crate::db::{check, open_read, open_read_unchecked, StorePaths};
use crate::error::{read_err, Error};
use crate::fixes::Anchors;

/// A store opened read-only (any number of readers, beside one writer).
#[derive(Debug)]
pub struct History {
    pub(crate) conn: Connection,
    /// Where it is.
    pub paths: StorePaths,
}

/// What reading raw items met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Blocks read.
    pub blocks: u64,
    /// Items given.
    pub items: u64,
    /// Blocks that could not be decoded (skipped), with their ids and why (and fixes that
    /// do not read back, with their row ids).
    pub bad_blocks: Vec<(i64, String)>,
    /// Multilateration's fixes given (by [`History::for_each_item_and_fix`]).
    pub fixes: u64,
}

/// What the store holds, in numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extent {
    /// First and last data time of the raw items.
    pub frames: Option<(f64, f64)>,
    /// Raw items.
    pub items: u64,
    /// Their compressed bytes.
    pub frame_bytes: u64,
    /// Their bytes before compression.
    pub raw_bytes: u64,
    /// Blocks.
    pub blocks: u64,
    /// States.
    pub states: u64,
    /// Event rows.
    pub events: u64,
    /// Aircraft.
    pub aircraft: u64,
}

/// An event started and not ended in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenEvent {
    /// Its id.
    pub event_id: String,
    /// Kind.
    pub kind: String,
    /// Subject.
    pub hex: Option<String>,
    /// When it began.
    pub onset: f64,
    /// When what it measures began (a dwell's time on the ground), if earlier.
    pub since: Option<f64>,
}

impl History {
    /// Opens the store in `dir` read-only; a damaged file is an error that says what can
    /// still be read.
    pub fn open(dir: &Path) -> Result<History, Error> {
        let paths = StorePaths::of(dir);
        let conn = open_read(&paths)?;
        Ok(History { conn, paths })
    }

    /// Opens the store for queries without checking every page first ([`History::open`]
    /// does, which costs a read of the whole file: seconds on a day's store). Damage in the
    /// pages a query reads makes that query fail; [`History::damage`] then says what.
    pub fn open_unchecked(dir: &Path) -> Result<History, Error> {
        let paths = StorePaths::of(dir);
        let conn = open_read_unchecked(&paths)?;
        Ok(History { conn, paths })
    }

    /// The full check (`PRAGMA quick_check`): `Some` when the file is damaged, with what can
    /// still be read.
    pub fn damage(&self) -> Option<Error> {
        check(&self.conn, &self.paths.db).err()
    }

    /// The SQLite connection (for adapters that need their own query).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Calls `f` with every raw item whose time is in `[from, to]`, in the order received.
    /// A block that does not decode is skipped and reported.
    pub fn for_each_item(
        &self,
        from: f64,
        to: f64,
        mut f: impl FnMut(&Received),
    ) -> Result<ReadReport, Error> {
        let mut report = ReadReport::default();
        let mut s = self
            .conn
            .prepare("SELECT id, data FROM frame_blocks WHERE t_last >= ?1 AND t_first <= ?2 ORDER BY id")
            .map_err(read_err)?;
        let mut rows = s.query([from, to]).map_err(read_err)?;
        let mut items = Vec::new();
        loop {
            let row = match rows.next() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    report.bad_blocks.push((-1, e.to_string()));
                    break;
                }
            };
            let id: i64 = row.get(0).map_err(read_err)?;
            let data: Vec<u8> = match row.get(1) {
                Ok(d) => d,
                Err(e) => {
                    report.bad_blocks.push((id, e.to_string()));
                    continue;
                }
            };
            items.clear();
            if let Err(e) = decode_block_into(&data, &mut items) {
                report.bad_blocks.push((id, e.what));
                continue;
            }
            report.blocks += 1;
            for r in &items {
                if r.time_utc >= from && r.time_utc <= to {
                    report.items += 1;
                    f(r);
                }
            }
        }
        Ok(report)
    }

    /// Calls `f` with every raw item and every multilateration fix whose time is in
    /// `[from, to]`, each fix right after the item it followed in the run (see
    /// [`crate::fixes`]): what the engine of the run took, in its order.
    pub fn for_each_item_and_fix(
        &self,
        from: f64,
        to: f64,
        mut f: impl FnMut(&Received),
    ) -> Result<ReadReport, Error> {
        let (fixes, bad) = crate::fixes::read(&self.conn, from, to).map_err(read_err)?;
        let mut fixes = fixes.into_iter().peekable();
        let mut anchors = Anchors::default();
        let mut given = 0u64;
        let mut report = self.for_each_item(from, to, |r| {
            let at = anchors.item(r.time_utc);
            while let Some(x) = fixes.next_if(|x| x.after < at) {
                given += 1;
                f(&x.item);
            }
            f(r);
        })?;
        for x in fixes {
            given += 1;
            f(&x.item);
        }
        report.fixes = given;
        report.bad_blocks.extend(bad);
        Ok(report)
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, Error> {
        match self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        {
            Ok(v) => Ok(Some(v)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(read_err(e)),
        }
    }

    /// First and last data time of the raw items.
    pub fn frame_span(&self) -> Result<Option<(f64, f64)>, Error> {
        self.conn
            .query_row("SELECT MIN(t_first), MAX(t_last) FROM frame_blocks", [], |r| {
                Ok(r.get::<_, Option<f64>>(0)?.zip(r.get::<_, Option<f64>>(1)?))
            })
            .map_err(read_err)
    }

    /// First and last data time of the stored states (the positions a timeline shows).
    pub fn state_span(&self) -> Result<Option<(f64, f64)>, Error> {
        self.conn
            // Two subqueries: each is one end of the (t) index; MIN and MAX in one SELECT
            // read every state (0.35 s on two hours of busy).
            .query_row(
                "SELECT (SELECT MIN(t) FROM states), (SELECT MAX(t) FROM states)",
                [],
                |r| Ok(r.get::<_, Option<f64>>(0)?.zip(r.get::<_, Option<f64>>(1)?)),
            )
            .map_err(read_err)
    }

    /// What the store holds.
    pub fn extent(&self) -> Result<Extent, Error> {
        let count = |sql: &str| -> Result<u64, Error> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(read_err)
        };
        let (items, frame_bytes, raw_bytes, blocks) = self
            .conn
            .query_row(
                "SELECT COALESCE(SUM(items),0), COALESCE(SUM(LENGTH(data)),0), COALESCE(SUM(raw_bytes),0), COUNT(*) FROM frame_blocks",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)),
            )
            .map_err(read_err)?;
        Ok(Extent {
            frames: self.frame_span()?,
            items: items as u64,
            frame_bytes: frame_bytes as u64,
            raw_bytes: raw_bytes as u64,
            blocks: blocks as u64,
            states: count("SELECT COUNT(*) FROM states")?,
            events: count("SELECT COUNT(*) FROM events")?,
            aircraft: count("SELECT COUNT(*) FROM aircraft")?,
        })
    }

    /// Events reported started and never ended (lasting events open at the end of the
    /// store: a dwell, a loiter, a formation).
    pub fn open_events(&self) -> Result<Vec<OpenEvent>, Error> {
        let mut s = self
            .conn
            .prepare(
                "SELECT event_id, kind, hex, MIN(onset), MIN(since) FROM events GROUP BY event_id
                 HAVING SUM(phase = 'ended') = 0 ORDER BY MIN(onset)",
            )
            .map_err(read_err)?;
        let rows = s
            .query_map([], |r| {
                Ok(OpenEvent {
                    event_id: r.get(0)?,
                    kind: r.get(1)?,
                    hex: r.get(2)?,
                    onset: r.get::<_, Option<f64>>(3)?.unwrap_or(f64::NAN),
                    since: r.get(4)?,
                })
            })
            .map_err(read_err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(read_err)
    }

    /// Checks every raw block: (good blocks, items in them, bad blocks with why).
    pub fn verify_blocks(&self) -> Result<ReadReport, Error> {
        self.for_each_item(f64::NEG_INFINITY, f64::INFINITY, |_| {})
    }
}
