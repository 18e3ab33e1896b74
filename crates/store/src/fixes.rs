//! Multilateration's fixes: items the run made itself (observations whose source is
//! [`ObservationSource::Mlat`]), kept apart from the frame blocks in their own table.
//!
//! Each fix keeps its place in the item stream of the run: right after the `n`th of the
//! consecutive items received at time `t` (its [`Anchor`]). A replay follows the stored items
//! with the same [`Anchors`] and feeds each fix where the run did, so the engine sees the
//! same items in the same order and gives the same alerts. The items themselves carry only
//! their time, so the anchor of a fix is exact as long as the items' times do not go back
//! and return to a time already left (file and scenario runs are in time order; live runs
//! stamp items with their arrival).

use picket_receive::json::JsonObject;
use picket_receive::jsonl::{write_observation_fields, JsonlReader};
use picket_receive::{Clock, ObservationSource, Reader, ReaderConfig, Received, What};
use rusqlite::{params, Connection};

/// The table (created with the rest of the schema; stores written before it simply have no
/// fixes).
pub(crate) const SCHEMA: &str = "
-- Multilateration's fixes (observations the run made from several receivers' frames).
-- after_t, after_n: the fix came right after the after_n-th consecutive item of time after_t.
CREATE TABLE IF NOT EXISTS fixes (
  id INTEGER PRIMARY KEY,
  t REAL NOT NULL,
  after_t REAL NOT NULL,
  after_n INTEGER NOT NULL,
  receiver INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fixes_time ON fixes (t);
";

/// Whether an item is a fix of multilateration (stored in the fixes table, not the blocks).
pub fn is_fix(r: &Received) -> bool {
    matches!(&r.what, What::Observation(o) if o.source == ObservationSource::Mlat)
}

/// A place in the item stream: after the `n`th (from 1) of the consecutive items of time `t`
/// (`n` 0: before any item).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Anchor {
    /// Time of the item.
    pub t: f64,
    /// Its rank among the consecutive items of that time.
    pub n: u32,
}

/// Follows a stream of items (the recorder's and the replay's alike) and says where it is.
#[derive(Debug, Clone, Copy)]
pub struct Anchors {
    at: Anchor,
}

impl Default for Anchors {
    fn default() -> Anchors {
        Anchors {
            at: Anchor {
                t: f64::NEG_INFINITY,
                n: 0,
            },
        }
    }
}

impl Anchors {
    /// Takes an item (not a fix) of time `t`; its anchor.
    pub fn item(&mut self, t: f64) -> Anchor {
        if t == self.at.t {
            self.at.n += 1;
        } else {
            self.at = Anchor { t, n: 1 };
        }
        self.at
    }

    /// The place after the last item.
    pub fn current(&self) -> Anchor {
        self.at
    }
}

/// A stored fix.
#[derive(Debug, Clone, PartialEq)]
pub struct FixRow {
    /// Where it goes in the item stream.
    pub after: Anchor,
    /// The fix.
    pub item: Received,
}

/// Writes fixes (inside the writer's open transaction).
pub(crate) fn insert(conn: &Connection, rows: &[FixRow]) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut s = conn.prepare_cached(
        "INSERT INTO fixes (t, after_t, after_n, receiver, json) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut json = String::new();
    for f in rows {
        let What::Observation(o) = &f.item.what else {
            continue;
        };
        json.clear();
        {
            let mut obj = JsonObject::new(&mut json);
            write_observation_fields(&mut obj, o);
        }
        s.execute(params![
            f.item.time_utc,
            f.after.t,
            f.after.n,
            f.item.receiver,
            json
        ])?;
    }
    Ok(())
}

/// Rows that do not read back: (row id, why).
pub(crate) type BadRows = Vec<(i64, String)>;

/// The fixes whose time is in `[from, to]`, in the order they were recorded; rows that do
/// not read back are given as (row id, why).
pub(crate) fn read(conn: &Connection, from: f64, to: f64) -> rusqlite::Result<(Vec<FixRow>, BadRows)> {
    let exists: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'fixes'",
        [],
        |r| r.get(0),
    )?;
    let (mut rows, mut bad) = (Vec::new(), Vec::new());
    if exists == 0 {
        return Ok((rows, bad));
    }
    let mut s = conn.prepare(
        "SELECT id, t, after_t, after_n, receiver, json FROM fixes WHERE t >= ?1 AND t <= ?2 ORDER BY id",
    )?;
    let mut q = s.query([from, to])?;
    while let Some(row) = q.next()? {
        let id: i64 = row.get(0)?;
        let (t, after_t, after_n, receiver, json): (f64, f64, u32, u16, String) =
            (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
        match decode(t, receiver, &json) {
            Some(item) => rows.push(FixRow {
                after: Anchor {
                    t: after_t,
                    n: after_n,
                },
                item,
            }),
            None => bad.push((id, format!("fix {id}: its observation does not read back"))),
        }
    }
    Ok((rows, bad))
}

/// A fix from its stored parts.
fn decode(t: f64, receiver: u16, json: &str) -> Option<Received> {
    let mut r = JsonlReader::new(ReaderConfig::default());
    r.feed(json.as_bytes());
    r.feed(b"\n");
    r.finish();
    let Some(Ok(Received {
        what: What::Observation(mut o),
        ..
    })) = r.next()
    else {
        return None;
    };
    o.source = ObservationSource::Mlat;
    Some(Received {
        time_utc: t,
        clock: Clock::None,
        signal: None,
        receiver,
        what: What::Observation(o),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use picket_modes::Icao;
    use picket_receive::Observation;

    #[test]
    fn anchors_count_the_items_of_one_time() {
        let mut a = Anchors::default();
        assert_eq!(a.current().n, 0);
        assert_eq!(a.item(1.0), Anchor { t: 1.0, n: 1 });
        assert_eq!(a.item(1.0), Anchor { t: 1.0, n: 2 });
        assert_eq!(a.item(2.5), Anchor { t: 2.5, n: 1 });
        assert!(Anchor { t: 1.0, n: 2 } < Anchor { t: 2.5, n: 1 });
        assert!(Anchor { t: 2.5, n: 1 } < Anchor { t: 2.5, n: 2 });
    }

    #[test]
    fn a_fix_reads_back_as_it_was() {
        let mut o = Observation::new(Icao(0x156f01), ObservationSource::Mlat);
        o.lat = Some(70.123_456_789);
        o.lon = Some(-160.987_654_321);
        let item = Received {
            time_utc: 1_700_000_000.123_456,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: What::Observation(Box::new(o)),
        };
        assert!(is_fix(&item));
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        let row = FixRow {
            after: Anchor {
                t: 1_700_000_000.2,
                n: 3,
            },
            item,
        };
        insert(&conn, std::slice::from_ref(&row)).unwrap();
        let (rows, bad) = read(&conn, 0.0, 2e9).unwrap();
        assert!(bad.is_empty());
        assert_eq!(rows, vec![row]);
        // An observation of another source is not a fix.
        let mut other = rows[0].item.clone();
        if let What::Observation(o) = &mut other.what {
            o.source = ObservationSource::JsonState;
        }
        assert!(!is_fix(&other));
    }
}
