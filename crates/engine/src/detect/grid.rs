//! A coarse latitude/longitude grid for finding the pairs of aircraft within a distance of
//! each other once per data second without comparing every pair.
//!
//! Cells are [`CELL_DEG`] degrees on a side. The points are sorted by cell once per pass
//! (one `Vec` of cell key and point index packed in one `u64`, reused: integers sort in
//! about half the instructions of (key, index) pairs), and each point looks at the cells
//! of its own row and the rows above and below, over as many columns as the distance spans
//! at that latitude (all of them near the poles; worked out once per row, not per point),
//! wrapping at the antimeridian.

use picket_modes::cpr::floor;
use picket_world::geo::{LatLon, EARTH_RADIUS_M};

/// Side of a cell, degrees.
const CELL_DEG: f64 = 0.1;
/// Columns around the globe.
const COLUMNS: i64 = (360.0 / CELL_DEG) as i64;

/// The grid, rebuilt by [`Grid::build`] each pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grid {
    /// Cell key (high 32 bits) and index of the point (low 32 bits), sorted: the order of
    /// (cell key, index) pairs.
    cells: Vec<u64>,
}

/// Packs a cell key (at most `1801 * COLUMNS`: latitudes from -90 to 90) and a point
/// index, in an integer that sorts as the pair does.
#[inline]
fn pack(key: i64, i: u32) -> u64 {
    (key.clamp(0, i64::from(u32::MAX)) as u64) << 32 | u64::from(i)
}

/// The cell key of a packed entry.
#[inline]
fn key_of(v: u64) -> i64 {
    (v >> 32) as i64
}

// `cpr::floor`: `f64::floor` without its library call, twice per aircraft and second.
fn row(lat: f64) -> i64 {
    floor((lat + 90.0) / CELL_DEG) as i64
}

fn column(lon: f64) -> i64 {
    (floor((lon + 180.0) / CELL_DEG) as i64).rem_euclid(COLUMNS)
}

fn key(row: i64, column: i64) -> i64 {
    row * COLUMNS + column
}

impl Grid {
    /// Sorts the points into cells.
    pub(crate) fn build(&mut self, points: impl Iterator<Item = LatLon>) {
        self.cells.clear();
        for (i, p) in points.enumerate() {
            self.cells.push(pack(key(row(p.lat), column(p.lon)), i as u32));
        }
        self.cells.sort_unstable();
    }

    /// Calls `f(i, j)` once for every pair of points (in either order) whose cells are
    /// close enough that the points may lie within `range_m` of each other (the caller
    /// measures the true distance). `range_m` must be less than a cell's height (about
    /// 11 km).
    #[cfg(test)]
    pub(crate) fn pairs(&self, range_m: f64, f: impl FnMut(usize, usize)) {
        self.pairs_by(range_m, f);
    }

    /// [`Grid::pairs`]: a sweep over the sorted cells. Each point looks forward along its
    /// own row and at the row above, so every pair is seen once; the window into the row
    /// above only moves forward, so the sweep costs no search except across the
    /// antimeridian.
    pub(crate) fn pairs_by(&self, range_m: f64, mut f: impl FnMut(usize, usize)) {
        let range_deg = (range_m / EARTH_RADIUS_M).to_degrees();
        let cells = &self.cells;
        let mut up = 0usize;
        // The span of the row last seen: rows come in order, so one cosine per row.
        let mut row_span = (i64::MIN, 0i64);
        for (s, &v) in cells.iter().enumerate() {
            let k = key_of(v);
            let (r, c) = (k.div_euclid(COLUMNS), k.rem_euclid(COLUMNS));
            let i = v as u32 as usize;
            if row_span.0 != r {
                // The narrowest column width of the two rows decides the span.
                let lat_max = (((r + 2) as f64 * CELL_DEG - 90.0).abs())
                    .max((r as f64 * CELL_DEG - 90.0).abs())
                    .min(90.0);
                let cos = lat_max.to_radians().cos();
                let span = if cos < 1e-3 {
                    COLUMNS
                } else {
                    ((range_deg / cos) / CELL_DEG).ceil() as i64 + 1
                };
                row_span = (r, span);
            }
            let span = row_span.1;
            if 2 * span + 1 >= COLUMNS {
                // Near a pole: the whole rest of the row and the whole row above.
                self.visit(key(r, c), key(r, COLUMNS - 1), Some(s), i, &mut f);
                self.visit(key(r + 1, 0), key(r + 1, COLUMNS - 1), None, i, &mut f);
                continue;
            }
            // Own row, forward.
            let hi = key(r, (c + span).min(COLUMNS - 1));
            for &v2 in &cells[s + 1..] {
                if key_of(v2) > hi {
                    break;
                }
                f(i, v2 as u32 as usize);
            }
            if c + span >= COLUMNS {
                self.visit(key(r, 0), key(r, c + span - COLUMNS), None, i, &mut f);
            }
            // The row above, through the forward-only window.
            let lo = key(r + 1, (c - span).max(0));
            let hi = key(r + 1, (c + span).min(COLUMNS - 1));
            while up < cells.len() && key_of(cells[up]) < lo {
                up += 1;
            }
            for &v2 in &cells[up..] {
                if key_of(v2) > hi {
                    break;
                }
                f(i, v2 as u32 as usize);
            }
            if c - span < 0 {
                self.visit(
                    key(r + 1, COLUMNS + c - span),
                    key(r + 1, COLUMNS - 1),
                    None,
                    i,
                    &mut f,
                );
            }
            if c + span >= COLUMNS {
                self.visit(key(r + 1, 0), key(r + 1, c + span - COLUMNS), None, i, &mut f);
            }
        }
    }

    /// Visits the points with cell keys in `[from, to]` (after sorted position `after`,
    /// when given).
    fn visit(&self, from: i64, to: i64, after: Option<usize>, i: usize, f: &mut impl FnMut(usize, usize)) {
        let start = match after {
            Some(s) => s + 1,
            None => self.cells.partition_point(|&v| key_of(v) < from),
        };
        for &v in &self.cells[start..] {
            if key_of(v) > to {
                break;
            }
            f(i, v as u32 as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair within the range is found, whatever the latitude or the antimeridian.
    #[test]
    fn finds_every_close_pair() {
        let range = 9_300.0;
        let mut points = Vec::new();
        // Clusters at the equator, at 71 N, across the antimeridian and near the pole.
        for (lat, lon) in [
            (0.0, 10.0),
            (71.3, -156.7),
            (65.0, 179.99),
            (89.95, 0.0),
            (-45.0, -0.01),
        ] {
            let c = LatLon::new(lat, lon);
            for k in 0..12 {
                points.push(c.destination(f64::from(k) * 30.0, f64::from(k) * 900.0));
            }
        }
        let mut grid = Grid::default();
        grid.build(points.iter().copied());
        let mut found = Vec::new();
        grid.pairs(range, |i, j| {
            assert_ne!(i, j);
            if points[i].distance_m(points[j]) <= range {
                found.push((i.min(j), i.max(j)));
            }
        });
        found.sort_unstable();
        let mut want = Vec::new();
        for i in 0..points.len() {
            for j in i + 1..points.len() {
                if points[i].distance_m(points[j]) <= range {
                    want.push((i, j));
                }
            }
        }
        assert!(want.len() > 100);
        assert_eq!(found, want);
    }
}
