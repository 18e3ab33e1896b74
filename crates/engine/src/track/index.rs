//! A flat open-addressing map from a track key (25 bits) to a slot in the aircraft slab.
//!
//! Linear probing over one array of (key, slot) pairs, Fibonacci hashing, at most half
//! full, deletion by backward shift (no tombstones, so lookups never slow down over a
//! long run). One probe touches one cache line in the common case.

/// Marks an empty entry; keys use at most 25 bits.
const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(crate) struct AddressIndex {
    entries: Vec<(u32, u32)>,
    /// log2 of the capacity.
    bits: u32,
    len: usize,
}

impl AddressIndex {
    pub(crate) fn new() -> AddressIndex {
        AddressIndex::with_bits(8)
    }

    fn with_bits(bits: u32) -> AddressIndex {
        AddressIndex {
            entries: vec![(EMPTY, 0); 1 << bits],
            bits,
            len: 0,
        }
    }

    #[inline(always)]
    fn home(&self, key: u32) -> usize {
        (u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.entries.len() - 1
    }

    /// The slot of `key`.
    #[inline]
    pub(crate) fn get(&self, key: u32) -> Option<u32> {
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let (k, v) = self.entries[i];
            if k == key {
                return Some(v);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts or replaces the slot of `key`.
    pub(crate) fn insert(&mut self, key: u32, slot: u32) {
        if (self.len + 1) * 2 > self.entries.len() {
            self.grow();
        }
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let k = self.entries[i].0;
            if k == key {
                self.entries[i].1 = slot;
                return;
            }
            if k == EMPTY {
                self.entries[i] = (key, slot);
                self.len += 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Removes `key`, returning its slot.
    pub(crate) fn remove(&mut self, key: u32) -> Option<u32> {
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let (k, v) = self.entries[i];
            if k == EMPTY {
                return None;
            }
            if k == key {
                self.len -= 1;
                self.backward_shift(i);
                return Some(v);
            }
            i = (i + 1) & mask;
        }
    }

    /// Fills the hole at `hole` with later entries of the same probe run that may move
    /// there, so that every key stays reachable from its home without tombstones.
    fn backward_shift(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let (k, _) = self.entries[j];
            if k == EMPTY {
                break;
            }
            let home = self.home(k);
            // The entry at j may move to the hole if its home is not in (hole, j].
            let distance_home = j.wrapping_sub(home) & mask;
            let distance_hole = j.wrapping_sub(hole) & mask;
            if distance_home >= distance_hole {
                self.entries[hole] = self.entries[j];
                hole = j;
            }
        }
        self.entries[hole] = (EMPTY, 0);
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, AddressIndex::with_bits(self.bits + 1));
        for (k, v) in old.entries {
            if k != EMPTY {
                self.insert(k, v);
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held by the table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<(u32, u32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_a_hash_map_under_inserts_and_removes() {
        // A deterministic pseudo-random mix of inserts, replacements and removals, checked
        // against std's map after every step.
        let mut index = AddressIndex::new();
        let mut model = HashMap::new();
        let mut x: u32 = 12345;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // A small key range forces long probe runs and many collisions.
            let key = x % 700;
            if x & 3 == 0 {
                assert_eq!(index.remove(key), model.remove(&key), "step {step}");
            } else {
                index.insert(key, step);
                model.insert(key, step);
            }
            assert_eq!(index.len(), model.len());
        }
        for key in 0..700 {
            assert_eq!(index.get(key), model.get(&key).copied(), "key {key}");
        }
    }
}
