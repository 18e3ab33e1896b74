//! Trails: the last N accepted positions of an aircraft, kept outside its state.

/// One point of a trail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrailPoint {
    /// Data time of the position.
    pub time: f64,
    /// Latitude, degrees (f32 keeps about 1 m).
    pub lat: f32,
    /// Longitude, degrees.
    pub lon: f32,
    /// Barometric altitude at the time, ft.
    pub alt_baro: Option<i32>,
    /// On the ground at the time.
    pub on_ground: bool,
}

/// A ring buffer of the last `capacity` positions; allocated once, at its first point.
#[derive(Debug, Clone, Default)]
pub struct Trail {
    points: Vec<TrailPoint>,
    /// Index of the oldest point once the buffer is full.
    head: usize,
}

impl Trail {
    /// Adds a point, dropping the oldest when `capacity` points are held.
    pub(crate) fn push(&mut self, point: TrailPoint, capacity: usize) {
        if capacity == 0 {
            return;
        }
        if self.points.len() < capacity {
            if self.points.capacity() == 0 {
                self.points.reserve_exact(capacity);
            }
            self.points.push(point);
        } else {
            self.points[self.head] = point;
            self.head = (self.head + 1) % self.points.len();
        }
    }

    /// Number of points held.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when the trail holds no point.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The points, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &TrailPoint> {
        let (newer, older) = self.points.split_at(self.head);
        older.iter().chain(newer)
    }

    /// The newest point.
    pub fn last(&self) -> Option<&TrailPoint> {
        if self.points.is_empty() {
            None
        } else {
            let i = (self.head + self.points.len() - 1) % self.points.len();
            self.points.get(i)
        }
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<TrailPoint>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: f64) -> TrailPoint {
        TrailPoint {
            time: t,
            lat: 0.0,
            lon: 0.0,
            alt_baro: None,
            on_ground: false,
        }
    }

    #[test]
    fn keeps_the_newest_points_in_order() {
        let mut trail = Trail::default();
        for t in 0..10 {
            trail.push(p(f64::from(t)), 4);
        }
        let times: Vec<f64> = trail.iter().map(|p| p.time).collect();
        assert_eq!(times, [6.0, 7.0, 8.0, 9.0]);
        assert_eq!(trail.last().map(|p| p.time), Some(9.0));
        assert_eq!(trail.heap_bytes(), 4 * std::mem::size_of::<TrailPoint>());
    }
}
