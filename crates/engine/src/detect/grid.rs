//! A coarse latitude/longitude grid for finding the pairs of aircraft within a distance of
//! each other once per data second without comparing every pair.
//!
//! Cells are [`CELL_DEG`] degrees on a side. The points are sorted by cell once per pass
//! (one `Vec` of cell key and point index packed in one `u64`, reused: integers sort in
//! about half the instructions of (key, index) pairs). Aircraft cross a cell in tens of
//! seconds, so the order of the previous pass, followed by each point's caller-given
//! stable id, is nearly the order of this one: the entries are laid out in it and sorted
//! by insertion, a few moves per pass instead of a sort from scratch (the result is the
//! same sorted list whatever the layout). Each point looks at the cells
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
    /// The ids of the points of the last build, in the order of `cells`.
    order: Vec<u32>,
    /// Scratch: the cell key and id of each point of this build, by index.
    keys: Vec<(i64, u32)>,
    /// Scratch: the index of each id in this build ([`NONE`]: absent or laid out already).
    at: Vec<u32>,
}

/// No point.
const NONE: u32 = u32::MAX;

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
    /// Sorts the points into cells: `(id, position)` of each point, in index order; the ids
    /// are distinct, small (they size a table) and stable from one build to the next for
    /// the sort to be cheap (the tracker's slots: any ids give the same grid).
    pub(crate) fn build(&mut self, points: impl Iterator<Item = (u32, LatLon)>) {
        let Grid {
            cells,
            order,
            keys,
            at,
        } = self;
        keys.clear();
        let mut top = 0;
        for (id, p) in points {
            keys.push((key(row(p.lat), column(p.lon)), id));
            top = top.max(id as usize + 1);
        }
        at.clear();
        at.resize(top, NONE);
        for (i, &(_, id)) in keys.iter().enumerate() {
            at[id as usize] = i as u32;
        }
        // The points of the last build in its order, then the others.
        cells.clear();
        for &id in order.iter() {
            if let Some(slot) = at.get_mut(id as usize) {
                if *slot != NONE {
                    cells.push(pack(keys[*slot as usize].0, *slot));
                    *slot = NONE;
                }
            }
        }
        for (i, &(k, id)) in keys.iter().enumerate() {
            if at[id as usize] != NONE {
                cells.push(pack(k, i as u32));
            }
        }
        sort_nearly_sorted(cells);
        order.clear();
        order.extend(cells.iter().map(|&v| keys[v as u32 as usize].1));
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

/// Sorts `v` by insertion, which costs a move per inversion: few when `v` is nearly in
/// order; beyond a budget of moves, by `sort_unstable` (the same result).
fn sort_nearly_sorted(v: &mut [u64]) {
    let budget = 8 * v.len() + 64;
    let mut moves = 0;
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
        moves += i - j;
        if moves > budget {
            v.sort_unstable();
            return;
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
        grid.build(points.iter().copied().enumerate().map(|(i, p)| (i as u32, p)));
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

    /// A grid built pass after pass from the last one's order is the grid built from
    /// scratch: the same sorted cells and the same pairs in the same order, while points
    /// move across cells, come, go, skip passes and change ids (slots reused by
    /// `swap_remove`), including a pass that reshuffles everything.
    #[test]
    fn incremental_builds_equal_fresh_ones() {
        let mut next = crate::detect::uniform(0x9e37_79b9_7f4a_7c15u64);
        // (position, velocity in degrees a pass), by slot.
        let mut slab: Vec<(LatLon, f64, f64)> = Vec::new();
        let mut grid = Grid::default();
        for pass in 0..400 {
            // Retire a few (swap_remove: the last slot moves), create a few.
            for _ in 0..(next() * 4.0) as usize {
                if !slab.is_empty() {
                    let i = (next() * slab.len() as f64) as usize;
                    slab.swap_remove(i.min(slab.len() - 1));
                }
            }
            for _ in 0..(next() * 5.0) as usize + usize::from(pass == 0) * 300 {
                let (lat, lon) = if next() < 0.1 {
                    (-89.9 + 179.8 * next(), -180.0 + 360.0 * next())
                } else {
                    (
                        40.0 + next() * 2.0,
                        179.0 + next() * 2.0 - 180.0 * f64::from(u8::from(next() < 0.5)),
                    )
                };
                slab.push((
                    LatLon::new(lat, normalize(lon)),
                    (next() - 0.5) * 0.02,
                    (next() - 0.5) * 0.02,
                ));
            }
            if pass == 200 {
                for p in &mut slab {
                    p.0 = LatLon::new(-60.0 + 120.0 * next(), -180.0 + 360.0 * next());
                }
            }
            for p in &mut slab {
                p.0 = LatLon::new((p.0.lat + p.1).clamp(-90.0, 90.0), normalize(p.0.lon + p.2));
            }
            // Some aircraft have no snapshot this pass.
            let points: Vec<(u32, LatLon)> = slab
                .iter()
                .enumerate()
                .filter(|_| next() > 0.05)
                .map(|(i, p)| (i as u32, p.0))
                .collect();
            grid.build(points.iter().copied());
            let mut fresh = Grid::default();
            fresh.build(
                points
                    .iter()
                    .copied()
                    .enumerate()
                    .map(|(i, (_, p))| (i as u32, p)),
            );
            assert_eq!(grid.cells, fresh.cells, "pass {pass}");
            let mut want: Vec<u64> = points
                .iter()
                .enumerate()
                .map(|(i, (_, p))| pack(key(row(p.lat), column(p.lon)), i as u32))
                .collect();
            want.sort_unstable();
            assert_eq!(grid.cells, want, "pass {pass}");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            grid.pairs(9_300.0, |i, j| a.push((i, j)));
            fresh.pairs(9_300.0, |i, j| b.push((i, j)));
            assert_eq!(a, b, "pass {pass}");
        }
    }

    fn normalize(lon: f64) -> f64 {
        picket_world::geo::normalize_lon(lon)
    }
}
