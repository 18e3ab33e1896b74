//! A per-aircraft ring of kinematic samples on a fixed data-time grid (one every
//! [`SAMPLE_S`] seconds), so that pairwise questions about the past ("was this fighter
//! closing on that bomber ten minutes before it joined?") can be answered when they arise,
//! instead of tracking every pair of aircraft all the time.

/// Seconds between two samples.
pub(crate) const SAMPLE_S: i64 = 2;

/// One sample: where the aircraft was and how it moved (`gs` NaN: no sample).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sample {
    pub(crate) lat: f32,
    pub(crate) lon: f32,
    /// Ground speed, kt.
    pub(crate) gs: f32,
    /// Track, degrees.
    pub(crate) track: f32,
}

impl Sample {
    const NONE: Sample = Sample {
        lat: 0.0,
        lon: 0.0,
        gs: f32::NAN,
        track: 0.0,
    };

    /// Velocity east and north, kt.
    pub(crate) fn velocity_kt(&self) -> (f64, f64) {
        let t = f64::from(self.track).to_radians();
        let v = f64::from(self.gs);
        (v * t.sin(), v * t.cos())
    }
}

/// The last `capacity` samples, indexed by grid step (`time / SAMPLE_S`). Allocated once,
/// at the first sample.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    buf: Vec<Sample>,
    /// Grid step of the newest sample; meaningless while `buf` is empty.
    newest: i64,
    /// Samples held (at most `buf.len()`).
    len: usize,
}

impl History {
    /// Records the sample of grid step `k`. Steps skipped since the last one are recorded as
    /// missing; a step older than the newest is ignored.
    pub(crate) fn push(&mut self, k: i64, s: Sample, capacity: usize) {
        if capacity == 0 {
            return;
        }
        if self.buf.is_empty() {
            self.buf = vec![Sample::NONE; capacity];
            self.newest = k - 1;
        }
        if k <= self.newest {
            return;
        }
        let cap = self.buf.len();
        let gap = (k - self.newest - 1).min(cap as i64) as usize;
        for step in 1..=gap {
            let i = (self.newest + step as i64).rem_euclid(cap as i64) as usize;
            self.buf[i] = Sample::NONE;
        }
        self.buf[k.rem_euclid(cap as i64) as usize] = s;
        self.len = (self.len + (k - self.newest) as usize).min(cap);
        self.newest = k;
    }

    /// The sample of grid step `k`, if held and valid.
    pub(crate) fn get(&self, k: i64) -> Option<Sample> {
        if self.buf.is_empty() || k > self.newest || self.newest - k >= self.len as i64 {
            return None;
        }
        let s = self.buf[k.rem_euclid(self.buf.len() as i64) as usize];
        (!s.gs.is_nan()).then_some(s)
    }

    /// The oldest grid step held (`None` when empty).
    pub(crate) fn oldest(&self) -> Option<i64> {
        (self.len > 0).then(|| self.newest - self.len as i64 + 1)
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity() * std::mem::size_of::<Sample>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: f32) -> Sample {
        Sample {
            lat: v,
            lon: 0.0,
            gs: 100.0,
            track: 0.0,
        }
    }

    #[test]
    fn keeps_the_last_samples_and_marks_gaps() {
        let mut h = History::default();
        assert_eq!(h.get(0), None);
        for k in 10..14 {
            h.push(k, s(k as f32), 4);
        }
        assert_eq!(h.oldest(), Some(10));
        assert_eq!(h.get(10).map(|x| x.lat), Some(10.0));
        assert_eq!(h.get(13).map(|x| x.lat), Some(13.0));
        assert_eq!(h.get(14), None);
        h.push(16, s(16.0), 4);
        assert_eq!(h.oldest(), Some(13));
        assert_eq!(h.get(12), None, "dropped");
        assert_eq!(h.get(13).map(|x| x.lat), Some(13.0));
        assert_eq!(h.get(14), None, "missing step");
        assert_eq!(h.get(15), None, "missing step");
        assert_eq!(h.get(16).map(|x| x.lat), Some(16.0));
        h.push(15, s(15.0), 4);
        assert_eq!(h.get(15), None, "older than the newest: ignored");
        h.push(100, s(100.0), 4);
        assert_eq!(h.oldest(), Some(97));
        assert_eq!(h.get(16), None);
        assert_eq!(h.get(99), None);
        assert_eq!(h.get(100).map(|x| x.lat), Some(100.0));
        assert_eq!(h.heap_bytes(), 4 * 16);
    }

    #[test]
    fn velocity_components() {
        let east = Sample {
            lat: 0.0,
            lon: 0.0,
            gs: 400.0,
            track: 90.0,
        };
        let (e, n) = east.velocity_kt();
        assert!((e - 400.0).abs() < 1e-9 && n.abs() < 1e-9);
    }
}
