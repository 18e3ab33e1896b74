//! Questions asked of the history: a [`Filter`] in, rows out. The CLI (`picket query`)
//! and the HTTP server call these; neither sees SQL.
//!
//! SQL narrows by time (and, for states, by the 1° grid cells an area touches); the exact
//! area and the aircraft conditions are then checked on the rows.

use std::collections::{BTreeMap, HashSet};

use picket_world::borders::Country;
use picket_world::geo::{in_box, LatLon, Polygon};
use picket_world::zones::Zone;
use rusqlite::types::Value;

use crate::error::{read_err, Error};
use crate::history::History;
use crate::rows::{cells_of_box, AircraftRow, EventRow, StateRow};

/// An area.
#[derive(Debug, Clone)]
pub enum Area {
    /// A box: south, west, north, east (degrees; west > east crosses the antimeridian).
    Bbox {
        /// Southern edge.
        south: f64,
        /// Western edge.
        west: f64,
        /// Northern edge.
        north: f64,
        /// Eastern edge.
        east: f64,
    },
    /// A polygon.
    Polygon(Polygon),
    /// A zone (built-in or from a GeoJSON file); its altitude band is ignored.
    Zone(Box<Zone>),
    /// A country's territory; events at its airports count even if their position is off.
    Country(&'static Country),
    /// A circle: around an airport or a point.
    Around {
        /// Centre.
        centre: LatLon,
        /// Radius, metres.
        radius_m: f64,
    },
}

impl Area {
    /// Whether a position is inside.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        let p = LatLon { lat, lon };
        match self {
            Area::Bbox {
                south,
                west,
                north,
                east,
            } => in_box(p, [*west, *south, *east, *north]),
            Area::Polygon(poly) => poly.contains(p),
            Area::Zone(z) => z.contains(p, None),
            Area::Country(c) => c.shape.contains(p),
            Area::Around { centre, radius_m } => centre.distance_m(p) <= *radius_m,
        }
    }

    /// A box around the area: south, west, north, east.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        match self {
            Area::Bbox {
                south,
                west,
                north,
                east,
            } => (*south, *west, *north, *east),
            Area::Polygon(p) => ring_box(p.exterior.bbox()),
            Area::Zone(z) => shape_box(&z.shape),
            Area::Country(c) => multi_box(&c.shape.polygons),
            Area::Around { centre, radius_m } => {
                let dlat = radius_m / 111_000.0;
                let (south, north) = ((centre.lat - dlat).max(-90.0), (centre.lat + dlat).min(90.0));
                // Near a pole (or for a huge circle) every longitude.
                let widest = south.abs().max(north.abs());
                if widest >= 89.0 {
                    return (south, -180.0, north, 180.0);
                }
                let dlon = dlat / widest.to_radians().cos();
                if dlon >= 180.0 {
                    return (south, -180.0, north, 180.0);
                }
                // Longitudes wrap: a circle across the antimeridian is a box whose west
                // edge is east of its east edge (west > east), as `Area::Bbox` reads it.
                (
                    south,
                    wrap_lon(centre.lon - dlon),
                    north,
                    wrap_lon(centre.lon + dlon),
                )
            }
        }
    }
}

/// A longitude brought into -180..180.
fn wrap_lon(lon: f64) -> f64 {
    let w = (lon + 180.0).rem_euclid(360.0) - 180.0;
    if w == -180.0 && lon > 0.0 {
        180.0
    } else {
        w
    }
}

/// Ring boxes are (min_lat, min_lon, max_lat, max_lon).
fn ring_box(b: (f64, f64, f64, f64)) -> (f64, f64, f64, f64) {
    b
}

fn multi_box(polys: &[Polygon]) -> (f64, f64, f64, f64) {
    let mut b = (90.0f64, 180.0f64, -90.0f64, -180.0f64);
    for p in polys {
        let r = p.exterior.bbox();
        b = (b.0.min(r.0), b.1.min(r.1), b.2.max(r.2), b.3.max(r.3));
    }
    b
}

fn shape_box(s: &picket_world::geo::Shape) -> (f64, f64, f64, f64) {
    use picket_world::geo::Shape;
    match s {
        Shape::Polygon(p) => ring_box(p.exterior.bbox()),
        Shape::MultiPolygon(m) => multi_box(&m.polygons),
        Shape::Circle(c) => Area::Around {
            centre: c.centre,
            radius_m: c.radius_m,
        }
        .bbox(),
    }
}

/// What to look for. Every condition given must hold; empty means "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// From this data time (Unix seconds), inclusive.
    pub from: Option<f64>,
    /// To this data time, inclusive.
    pub to: Option<f64>,
    /// Where.
    pub area: Option<Area>,
    /// Addresses (`3c4b26`, `~1234ab`).
    pub hex: Vec<String>,
    /// Registration (exact, case-insensitive).
    pub registration: Option<String>,
    /// Callsign pattern in the rules' notation (`*` any run, `?` one character, `#` a digit,
    /// `@` a letter; case-insensitive).
    pub callsign: Option<String>,
    /// ICAO type designator (exact, case-insensitive).
    pub type_designator: Option<String>,
    /// Operator (a case-insensitive part of the name).
    pub operator: Option<String>,
    /// Country of the aircraft (its address block): ISO code or name.
    pub country: Option<String>,
    /// Military or state aircraft only.
    pub military: bool,
    /// Event kinds (`landing`, `dwell`, …); for tracks and aircraft: aircraft with such an
    /// event (in the area, when one is given).
    pub kinds: Vec<String>,
    /// Events too that no rule raised (a run stores every detector event beside the
    /// alerts); false: the alerts only.
    pub all_events: bool,
    /// Rows at most (0: no limit).
    pub limit: usize,
}

/// An event report with the aircraft it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHit {
    /// The report.
    pub event: EventRow,
    /// The aircraft, when the store knows it.
    pub aircraft: Option<AircraftRow>,
}

/// One aircraft's positions in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// The aircraft.
    pub aircraft: AircraftRow,
    /// Its stored states.
    pub points: Vec<StateRow>,
}

/// A stay on the ground at one airport (a deployment), from the dwell events.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// The aircraft.
    pub aircraft: AircraftRow,
    /// Airport ident.
    pub place: String,
    /// Airport name.
    pub place_name: Option<String>,
    /// On the ground since (the landing).
    pub start: f64,
    /// The end (take-off or the last data), or the last report while it goes on.
    pub end: f64,
    /// Still going on at the end of the store.
    pub ongoing: bool,
}

impl Deployment {
    /// Seconds.
    pub fn duration_s(&self) -> f64 {
        self.end - self.start
    }
}

impl Filter {
    fn span(&self) -> (f64, f64) {
        (self.from.unwrap_or(f64::MIN), self.to.unwrap_or(f64::MAX))
    }

    fn has_aircraft_conditions(&self) -> bool {
        !self.hex.is_empty()
            || self.registration.is_some()
            || self.callsign.is_some()
            || self.type_designator.is_some()
            || self.operator.is_some()
            || self.country.is_some()
            || self.military
    }

    /// Whether an aircraft meets the aircraft conditions (`flight`: a callsign seen with it).
    pub fn matches_aircraft(&self, a: Option<&AircraftRow>, hex: Option<&str>, flight: Option<&str>) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_ref()
                .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w.trim())))
        };
        let hex = hex.or(a.map(|a| a.hex.as_str()));
        if !self.hex.is_empty() && !hex.is_some_and(|h| self.hex.iter().any(|w| w.eq_ignore_ascii_case(h))) {
            return false;
        }
        if !eq(&self.registration, a.and_then(|a| a.registration.as_deref()))
            || !eq(
                &self.type_designator,
                a.and_then(|a| a.type_designator.as_deref()),
            )
        {
            return false;
        }
        if let Some(pat) = &self.callsign {
            let f = flight.or(a.and_then(|a| a.flight.as_deref()));
            if !f.is_some_and(|f| picket_engine::rules::pattern_matches(pat, f)) {
                return false;
            }
        }
        if let Some(op) = &self.operator {
            let op = op.to_lowercase();
            if !a
                .and_then(|a| a.operator.as_deref())
                .is_some_and(|o| o.to_lowercase().contains(&op))
            {
                return false;
            }
        }
        if let Some(c) = &self.country {
            let c = c.trim();
            let ok = a.is_some_and(|a| {
                a.country_code
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(c))
                    || a.country.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(c))
            });
            if !ok {
                return false;
            }
        }
        if self.military && !a.is_some_and(|a| a.military) {
            return false;
        }
        true
    }

    fn event_in_area(&self, e: &EventRow) -> bool {
        match &self.area {
            None => true,
            Some(Area::Country(c)) => {
                e.place_country.as_deref() == Some(c.code)
                    || matches!((e.lat, e.lon), (Some(lat), Some(lon)) if c.shape.contains(LatLon { lat, lon }))
            }
            Some(Area::Zone(z)) if e.place.as_deref() == Some(z.id.as_str()) => true,
            Some(area) => matches!((e.lat, e.lon), (Some(lat), Some(lon)) if area.contains(lat, lon)),
        }
    }
}

const AIRCRAFT_COLS: &str = "hex, first_seen, last_seen, flight, registration, type, operator, country, country_code, class, class_layer, class_detail, military";
const EVENT_COLS: &str =
    "record, event_id, kind, phase, hex, onset, t, ended, since, place, place_name, place_country, lat, lon, rule, json";
const STATE_COLS: &str = "hex, t, lat, lon, alt_baro, gs, track, baro_rate, on_ground, flight, squawk";

fn aircraft_of(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<AircraftRow> {
    Ok(AircraftRow {
        hex: r.get(at)?,
        first_seen: r.get(at + 1)?,
        last_seen: r.get(at + 2)?,
        flight: r.get(at + 3)?,
        registration: r.get(at + 4)?,
        type_designator: r.get(at + 5)?,
        operator: r.get(at + 6)?,
        country: r.get(at + 7)?,
        country_code: r.get(at + 8)?,
        class: r.get::<_, Option<String>>(at + 9)?.unwrap_or_default(),
        class_layer: r.get::<_, Option<String>>(at + 10)?.unwrap_or_default(),
        class_detail: r.get::<_, Option<String>>(at + 11)?.unwrap_or_default(),
        military: r.get(at + 12)?,
    })
}

fn event_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        record: r.get(0)?,
        event_id: r.get(1)?,
        kind: r.get(2)?,
        phase: r.get(3)?,
        hex: r.get(4)?,
        onset: r.get(5)?,
        t: r.get(6)?,
        ended: r.get(7)?,
        since: r.get(8)?,
        place: r.get(9)?,
        place_name: r.get(10)?,
        place_country: r.get(11)?,
        lat: r.get(12)?,
        lon: r.get(13)?,
        rule: r.get(14)?,
        json: r.get(15)?,
    })
}

fn state_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<StateRow> {
    Ok(StateRow {
        hex: r.get(0)?,
        t: r.get(1)?,
        lat: r.get(2)?,
        lon: r.get(3)?,
        alt_baro: r.get(4)?,
        gs: r.get::<_, Option<f64>>(5)?.map(|v| v as f32),
        track: r.get::<_, Option<f64>>(6)?.map(|v| v as f32),
        baro_rate: r.get(7)?,
        on_ground: r.get(8)?,
        flight: r.get(9)?,
        squawk: r.get(10)?,
    })
}

impl History {
    /// One aircraft by address.
    pub fn aircraft_by_hex(&self, hex: &str) -> Result<Option<AircraftRow>, Error> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {AIRCRAFT_COLS} FROM aircraft WHERE hex = ?1"))
            .map_err(read_err)?;
        let mut rows = s.query([hex]).map_err(read_err)?;
        match rows.next().map_err(read_err)? {
            Some(r) => Ok(Some(aircraft_of(r, 0).map_err(read_err)?)),
            None => Ok(None),
        }
    }

    /// Event reports in the time range (by report time), of the kinds, in the area, about
    /// aircraft that meet the conditions; in time order.
    pub fn events(&self, f: &Filter) -> Result<Vec<EventHit>, Error> {
        self.events_where(f, false, |_| true)
    }

    /// [`History::events`], newest first when `newest_first`, keeping only the hits `keep`
    /// accepts, and stopping at `f.limit` kept: rows are read lazily, so the newest 500 of
    /// a day's events read those 500 (and the ones the conditions refuse), not the day.
    pub fn events_where(
        &self,
        f: &Filter,
        newest_first: bool,
        mut keep: impl FnMut(&EventHit) -> bool,
    ) -> Result<Vec<EventHit>, Error> {
        let (from, to) = f.span();
        let mut sql = format!(
            "SELECT e.{}, {} FROM events e LEFT JOIN aircraft a ON a.hex = e.hex WHERE e.t >= ?1 AND e.t <= ?2",
            EVENT_COLS.replace(", ", ", e."),
            AIRCRAFT_COLS
                .split(", ")
                .map(|c| format!("a.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut params: Vec<Value> = vec![Value::Real(from), Value::Real(to)];
        if !f.all_events {
            sql.push_str(" AND e.record = 'alert'");
        }
        if !f.kinds.is_empty() {
            sql.push_str(&format!(
                " AND e.kind IN ({})",
                (0..f.kinds.len())
                    .map(|i| format!("?{}", i + 3))
                    .collect::<Vec<_>>()
                    .join(",")
            ));
            params.extend(f.kinds.iter().map(|k| Value::Text(k.clone())));
        }
        sql.push_str(if newest_first {
            " ORDER BY e.t DESC, e.id DESC"
        } else {
            " ORDER BY e.t, e.id"
        });
        let mut s = self.conn.prepare(&sql).map_err(read_err)?;
        let rows = s
            .query_map(rusqlite::params_from_iter(params), |r| {
                let e = event_of(r)?;
                let a = match r.get::<_, Option<String>>(16)? {
                    Some(_) => Some(aircraft_of(r, 16)?),
                    None => None,
                };
                Ok(EventHit {
                    event: e,
                    aircraft: a,
                })
            })
            .map_err(read_err)?;
        let mut out = Vec::new();
        for hit in rows {
            let hit = hit.map_err(read_err)?;
            if !f.event_in_area(&hit.event) {
                continue;
            }
            let flight = hit.aircraft.as_ref().and_then(|a| a.flight.clone());
            if !f.matches_aircraft(hit.aircraft.as_ref(), hit.event.hex.as_deref(), flight.as_deref())
                || !keep(&hit)
            {
                continue;
            }
            out.push(hit);
            if f.limit > 0 && out.len() >= f.limit {
                break;
            }
        }
        Ok(out)
    }

    /// Aircraft seen in the time range that meet the conditions; with event kinds, those
    /// with such an event; with an area, those with a state (or such an event) inside.
    pub fn aircraft(&self, f: &Filter) -> Result<Vec<AircraftRow>, Error> {
        let (from, to) = f.span();
        let candidates: Vec<AircraftRow> = if !f.kinds.is_empty() {
            let mut seen = HashSet::new();
            self.events(&Filter {
                limit: 0,
                ..f.clone()
            })?
            .into_iter()
            .filter_map(|h| h.aircraft)
            .filter(|a| seen.insert(a.hex.clone()))
            .collect()
        } else {
            let mut v = Vec::new();
            if f.hex.is_empty() {
                let mut s = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT {AIRCRAFT_COLS} FROM aircraft WHERE last_seen >= ?1 AND first_seen <= ?2 ORDER BY first_seen"
                    ))
                    .map_err(read_err)?;
                let rows = s.query_map([from, to], |r| aircraft_of(r, 0)).map_err(read_err)?;
                for a in rows {
                    let a = a.map_err(read_err)?;
                    if f.matches_aircraft(Some(&a), None, None) {
                        v.push(a);
                    }
                }
            } else {
                // By address: each through the primary key, not a scan of every aircraft
                // of the store (tens of thousands a day).
                let mut seen = HashSet::new();
                for hex in &f.hex {
                    let hex = hex.trim().to_ascii_lowercase();
                    if !seen.insert(hex.clone()) {
                        continue;
                    }
                    if let Some(a) = self.aircraft_by_hex(&hex)? {
                        if a.last_seen >= from
                            && a.first_seen <= to
                            && f.matches_aircraft(Some(&a), None, None)
                        {
                            v.push(a);
                        }
                    }
                }
                v.sort_by(|a, b| a.first_seen.total_cmp(&b.first_seen));
            }
            if let Some(area) = &f.area {
                let inside = self.hexes_in_area(area, from, to)?;
                v.retain(|a| inside.contains(&a.hex));
            }
            v
        };
        let mut out = candidates;
        if f.limit > 0 {
            out.truncate(f.limit);
        }
        Ok(out)
    }

    fn hexes_in_area(&self, area: &Area, from: f64, to: f64) -> Result<HashSet<String>, Error> {
        let (s, w, n, e) = area.bbox();
        let cells = cells_of_box(s, w, n, e);
        let mut out = HashSet::new();
        let mut st = self
            .conn
            .prepare_cached("SELECT hex, lat, lon FROM states WHERE cell = ?1 AND t >= ?2 AND t <= ?3")
            .map_err(read_err)?;
        for c in cells {
            let rows = st
                .query_map(rusqlite::params![c, from, to], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?, r.get::<_, f64>(2)?))
                })
                .map_err(read_err)?;
            for row in rows {
                let (hex, lat, lon) = row.map_err(read_err)?;
                if !out.contains(&hex) && area.contains(lat, lon) {
                    out.insert(hex);
                }
            }
        }
        Ok(out)
    }

    /// One aircraft's stored states in the time range.
    pub fn states_of(&self, hex: &str, from: f64, to: f64) -> Result<Vec<StateRow>, Error> {
        let mut s = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STATE_COLS} FROM states WHERE hex = ?1 AND t >= ?2 AND t <= ?3 ORDER BY t"
            ))
            .map_err(read_err)?;
        let rows = s
            .query_map(rusqlite::params![hex, from, to], state_of)
            .map_err(read_err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(read_err)
    }

    /// The tracks of the aircraft [`History::aircraft`] finds, over the time range.
    pub fn tracks(&self, f: &Filter) -> Result<Vec<Track>, Error> {
        let (from, to) = f.span();
        let mut out = Vec::new();
        for a in self.aircraft(f)? {
            let points = self.states_of(&a.hex, from, to)?;
            if !points.is_empty() {
                out.push(Track { aircraft: a, points });
            }
        }
        Ok(out)
    }

    /// The sky at `t`: each aircraft's latest state within `window_s` before it (a map's
    /// timeline), in the area and meeting the conditions.
    pub fn sky_at(&self, t: f64, window_s: f64, f: &Filter) -> Result<Vec<StateRow>, Error> {
        let mut s = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STATE_COLS} FROM states WHERE t > ?1 AND t <= ?2 ORDER BY t"
            ))
            .map_err(read_err)?;
        let rows = s.query_map([t - window_s, t], state_of).map_err(read_err)?;
        let mut latest: BTreeMap<String, StateRow> = BTreeMap::new();
        for r in rows {
            let r = r.map_err(read_err)?;
            latest.insert(r.hex.clone(), r);
        }
        let mut out = Vec::new();
        for (_, st) in latest {
            if f.area.as_ref().is_some_and(|a| !a.contains(st.lat, st.lon)) {
                continue;
            }
            if f.has_aircraft_conditions() {
                let a = self.aircraft_by_hex(&st.hex)?;
                if !f.matches_aircraft(a.as_ref(), Some(&st.hex), st.flight.as_deref()) {
                    continue;
                }
            }
            out.push(st);
        }
        Ok(out)
    }

    /// Stays on the ground at one airport, from the dwell reports (with the landing before
    /// and the take-off after when stored): start, end, duration. A stay overlaps the time
    /// range; its airport is in the area.
    pub fn deployments(&self, f: &Filter) -> Result<Vec<Deployment>, Error> {
        let dwell = Filter {
            from: None,
            to: None,
            kinds: vec!["dwell".into()],
            limit: 0,
            ..f.clone()
        };
        let mut groups: BTreeMap<(String, String, i64), Deployment> = BTreeMap::new();
        for h in self.events(&dwell)? {
            let e = &h.event;
            let (Some(hex), Some(place)) = (e.hex.clone(), e.place.clone()) else {
                continue;
            };
            let since = e.since.or(e.onset).unwrap_or(e.t);
            // One stay per aircraft, airport and landing time (to the second).
            let key = (hex.clone(), place.clone(), since.round() as i64);
            let end = e.ended.unwrap_or(e.t);
            let ended = e.phase == "ended";
            let d = groups.entry(key).or_insert_with(|| Deployment {
                aircraft: h.aircraft.clone().unwrap_or_else(|| AircraftRow {
                    hex: hex.clone(),
                    ..AircraftRow::default()
                }),
                place: place.clone(),
                place_name: e.place_name.clone(),
                start: since,
                end,
                ongoing: true,
            });
            if end >= d.end {
                d.end = end;
                // A dwell re-raised each day ends at midnight and starts again; the stay
                // goes on until a report ends it without a next one.
                d.ongoing = !ended;
            }
        }
        // A stay whose last dwell ended at a midnight and that has no later report is
        // still ongoing only if a started report follows; the take-off ends it.
        let takeoffs = self.events(&Filter {
            from: None,
            to: None,
            kinds: vec!["takeoff".into()],
            area: None,
            limit: 0,
            ..f.clone()
        })?;
        let (from, to) = f.span();
        let mut out = Vec::new();
        for ((hex, place, _), mut d) in groups {
            if let Some(t) = takeoffs
                .iter()
                .filter(|h| {
                    h.event.hex.as_deref() == Some(hex.as_str())
                        && h.event.place.as_deref() == Some(place.as_str())
                })
                .map(|h| h.event.onset.unwrap_or(h.event.t))
                .filter(|&t| t >= d.start)
                .min_by(f64::total_cmp)
            {
                d.end = t;
                d.ongoing = false;
            }
            if d.end >= from && d.start <= to {
                out.push(d);
            }
        }
        out.sort_by(|a, b| a.start.total_cmp(&b.start));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Area;

    #[test]
    fn bbox_contains_edges_and_antimeridian() {
        let plain = Area::Bbox {
            south: 10.0,
            west: -70.0,
            north: 12.0,
            east: -66.0,
        };
        assert!(plain.contains(10.5, -67.0));
        assert!(plain.contains(12.0, -70.0), "edges are inside");
        assert!(!plain.contains(12.1, -67.0));
        assert!(!plain.contains(10.5, -65.9));
        // West east of east: the box crosses the antimeridian.
        let across = Area::Bbox {
            south: -20.0,
            west: 170.0,
            north: -10.0,
            east: -170.0,
        };
        assert!(across.contains(-15.0, 175.0));
        assert!(across.contains(-15.0, -175.0));
        assert!(across.contains(-15.0, 180.0));
        assert!(!across.contains(-15.0, 0.0));
        assert!(!across.contains(-21.0, 175.0));
    }
}
