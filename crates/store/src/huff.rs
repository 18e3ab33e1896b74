//! A fast deflate writer without matches: every byte a literal of a Huffman code made for
//! the bytes it codes.
//!
//! The raw-frame block's columns are differences, references and frame bodies: a deflate at
//! level 1 spends most of its time hashing every position to find matches that are rare in
//! them (it finds 10-15 % on the bodies, nothing on the clocks), and its greedy matching codes
//! the nearly constant columns (kinds, times, signal codes) worse than a Huffman code of their
//! bytes does. This writer makes one dynamic-Huffman deflate block per column (a column's
//! bytes share their statistics) holding only literals, which any inflater reads: the block
//! format is unchanged and blocks written either way decode alike. It costs a count of the
//! bytes and a table look-up and a shift per byte (about a quarter of level 1's instructions on busy traffic).
//!
//! Everything here is from RFC 1951 (the block header, the code-length alphabet and its
//! order, canonical codes).

/// Codes of the literal/length alphabet used: the 256 bytes and the end of block (256).
const LITERALS: usize = 257;
/// Longest literal code deflate allows.
const MAX_BITS: u8 = 15;
/// Longest code of the code-length alphabet.
const MAX_CL_BITS: u8 = 7;
/// The order in which the code-length alphabet's lengths are written (RFC 1951, 3.2.7).
const CL_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
/// Input shorter than this joins the next block (a block's code costs tens of bytes).
const MIN_BLOCK: usize = 2048;

/// Bits written least significant first, as deflate packs them.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits<'_> {
    /// Appends the low `n` bits of `v` (`n` at most 32).
    #[inline(always)]
    fn put(&mut self, v: u32, n: u32) {
        self.acc |= u64::from(v) << self.n;
        self.n += n;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    /// Writes out the last bits, padded with zeros to a byte.
    fn end(mut self) {
        while self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
    }
}

/// Code lengths of a Huffman code for `freq`, none longer than `max` (symbols of frequency
/// 0 get no code). At least two symbols must have a frequency; the code is then complete.
fn code_lengths(freq: &[u64], max: u8, lens: &mut [u8]) {
    let mut f: Vec<u64> = freq.to_vec();
    loop {
        lens.fill(0);
        // Leaves sorted by frequency, then two queues (leaves, merged nodes): O(n log n).
        let mut leaves: Vec<(u64, usize)> = f
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(s, &c)| (c, s))
            .collect();
        leaves.sort_unstable();
        let n = leaves.len();
        if n < 2 {
            for &(_, s) in &leaves {
                lens[s] = 1;
            }
            return;
        }
        // Nodes 0..n are the leaves, n.. the merged ones; parent[i] is i's parent.
        let mut weight: Vec<u64> = leaves.iter().map(|l| l.0).collect();
        let mut parent = vec![0usize; 2 * n - 1];
        let (mut li, mut ni) = (0usize, n);
        let take = |weight: &Vec<u64>, li: &mut usize, ni: &mut usize| -> usize {
            if *li < n && (*ni >= weight.len() || weight[*li] <= weight[*ni]) {
                *li += 1;
                *li - 1
            } else {
                *ni += 1;
                *ni - 1
            }
        };
        for _ in 0..n - 1 {
            let a = take(&weight, &mut li, &mut ni);
            let b = take(&weight, &mut li, &mut ni);
            let id = weight.len();
            weight.push(weight[a] + weight[b]);
            parent[a] = id;
            parent[b] = id;
        }
        // Depths from the root (the last node) down: a parent's number is above its child's.
        let mut depth = vec![0u8; 2 * n - 1];
        for i in (0..2 * n - 2).rev() {
            depth[i] = depth[parent[i]].saturating_add(1);
        }
        let deepest = depth[..n].iter().copied().max().unwrap_or(0);
        if deepest <= max {
            for (i, &(_, s)) in leaves.iter().enumerate() {
                lens[s] = depth[i];
            }
            return;
        }
        // Too deep: flatten the frequencies and build again (rare: very skewed columns).
        for c in f.iter_mut().filter(|c| **c > 0) {
            *c = (*c >> 1) | 1;
        }
    }
}

/// Canonical codes of `lens`, bit-reversed for writing least significant bit first.
fn canonical(lens: &[u8], codes: &mut [u32]) {
    let mut count = [0u32; 16];
    for &l in lens {
        count[usize::from(l)] += 1;
    }
    count[0] = 0;
    let mut next = [0u32; 16];
    let mut code = 0u32;
    for bits in 1..16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    for (s, &l) in lens.iter().enumerate() {
        if l > 0 {
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            codes[s] = c.reverse_bits() >> (32 - u32::from(l));
        }
    }
}

/// Writes one dynamic block of literals for the bytes of `parts` (taken in order as one).
fn block(bits: &mut Bits<'_>, parts: &[&[u8]], last: bool) {
    // Four counts interleaved: consecutive equal bytes do not wait on one another's add.
    let mut hist = [[0u64; 256]; 4];
    for p in parts {
        let mut chunks = p.chunks_exact(4);
        for c in &mut chunks {
            hist[0][usize::from(c[0])] += 1;
            hist[1][usize::from(c[1])] += 1;
            hist[2][usize::from(c[2])] += 1;
            hist[3][usize::from(c[3])] += 1;
        }
        for &b in chunks.remainder() {
            hist[0][usize::from(b)] += 1;
        }
    }
    let mut freq = [0u64; LITERALS];
    for (s, f) in freq.iter_mut().take(256).enumerate() {
        *f = hist[0][s] + hist[1][s] + hist[2][s] + hist[3][s];
    }
    freq[256] = 1;
    // Two symbols at least, so the code is complete (a one-symbol code is not, and inflaters
    // differ on whether they take it).
    if freq[..256].iter().all(|&c| c == 0) {
        freq[0] = 1;
    }
    let mut lens = [0u8; LITERALS];
    code_lengths(&freq, MAX_BITS, &mut lens);
    let mut codes = [0u32; LITERALS];
    canonical(&lens, &mut codes);

    // The lengths of the literal code, then of two one-bit distance codes (never used; a
    // complete code again), as symbols of the code-length alphabet: 0-15 a length, 17 and
    // 18 a run of zeros.
    let mut all = [0u8; LITERALS + 2];
    all[..LITERALS].copy_from_slice(&lens);
    all[LITERALS] = 1;
    all[LITERALS + 1] = 1;
    let mut syms: Vec<(u8, u8)> = Vec::with_capacity(all.len());
    let mut i = 0;
    while i < all.len() {
        if all[i] == 0 {
            let run = all[i..].iter().take_while(|&&l| l == 0).count();
            if run >= 11 {
                let r = run.min(138);
                syms.push((18, (r - 11) as u8));
                i += r;
                continue;
            }
            if run >= 3 {
                syms.push((17, (run - 3) as u8));
                i += run;
                continue;
            }
        }
        syms.push((all[i], 0));
        i += 1;
    }
    let mut cl_freq = [0u64; 19];
    for &(s, _) in &syms {
        cl_freq[usize::from(s)] += 1;
    }
    // Two code-length symbols at least (the distance lengths give a 1; add a 0 if alone).
    if cl_freq.iter().filter(|&&c| c > 0).count() < 2 {
        cl_freq[if cl_freq[0] > 0 { 1 } else { 0 }] += 1;
    }
    let mut cl_lens = [0u8; 19];
    code_lengths(&cl_freq, MAX_CL_BITS, &mut cl_lens);
    let mut cl_codes = [0u32; 19];
    canonical(&cl_lens, &mut cl_codes);
    let hclen = CL_ORDER
        .iter()
        .rposition(|&s| cl_lens[s] > 0)
        .map_or(4, |p| (p + 1).max(4));

    bits.put(u32::from(last), 1);
    bits.put(2, 2); // dynamic Huffman codes
    bits.put((LITERALS - 257) as u32, 5);
    bits.put(1, 5); // two distance codes
    bits.put((hclen - 4) as u32, 4);
    for &s in &CL_ORDER[..hclen] {
        bits.put(u32::from(cl_lens[s]), 3);
    }
    for &(s, extra) in &syms {
        let s = usize::from(s);
        bits.put(cl_codes[s], u32::from(cl_lens[s]));
        match s {
            17 => bits.put(u32::from(extra), 3),
            18 => bits.put(u32::from(extra), 7),
            _ => {}
        }
    }
    // The bytes: a look-up and a shift each, two at a time (two codes of at most 15 bits
    // fit the 32 a put takes). The output's size is known from the counts: reserved once.
    let mut table = [0u32; 256];
    let mut total_bits = 0u64;
    for (s, e) in table.iter_mut().enumerate() {
        *e = codes[s] | (u32::from(lens[s]) << 16);
        total_bits += freq[s] * u64::from(lens[s]);
    }
    bits.out
        .reserve(usize::try_from(total_bits / 8).unwrap_or(0) + 64);
    for p in parts {
        let mut pairs = p.chunks_exact(2);
        for two in &mut pairs {
            let (a, b) = (table[usize::from(two[0])], table[usize::from(two[1])]);
            let la = a >> 16;
            bits.put((a & 0xffff) | ((b & 0xffff) << la), la + (b >> 16));
        }
        for &b in pairs.remainder() {
            let e = table[usize::from(b)];
            bits.put(e & 0xffff, e >> 16);
        }
    }
    bits.put(codes[256], u32::from(lens[256]));
}

/// Appends to `out` a raw deflate stream (no zlib header) of the concatenation of `parts`:
/// each part its own block (parts shorter than [`MIN_BLOCK`] join the next one).
pub(crate) fn deflate_literals(parts: &[&[u8]], out: &mut Vec<u8>) {
    let mut bits = Bits { out, acc: 0, n: 0 };
    let mut group: Vec<&[u8]> = Vec::new();
    let mut size = 0usize;
    let last_full = parts.iter().rposition(|p| p.len() >= MIN_BLOCK);
    for (i, p) in parts.iter().enumerate() {
        group.push(p);
        size += p.len();
        let at_end = i + 1 == parts.len();
        // A block ends after a large part (or at the end); the small parts after the last
        // large one join its block rather than make one of their own.
        let close = at_end || (size >= MIN_BLOCK && Some(i) != last_full);
        if close {
            block(&mut bits, &group, at_end);
            group.clear();
            size = 0;
        }
    }
    if parts.is_empty() {
        block(&mut bits, &[], true);
    }
    bits.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(z)
            .read_to_end(&mut out)
            .expect("the stream inflates");
        out
    }

    fn round_trip(parts: &[&[u8]]) -> usize {
        let mut z = Vec::new();
        deflate_literals(parts, &mut z);
        let want: Vec<u8> = parts.concat();
        assert_eq!(inflate(&z), want);
        z.len()
    }

    #[test]
    fn any_bytes_inflate_back_exactly() {
        // Empty, one byte, one repeated byte, every byte, noise, and mixtures of sizes
        // around the block threshold.
        round_trip(&[]);
        round_trip(&[&[]]);
        round_trip(&[&[7]]);
        round_trip(&[&[0; 10_000]]);
        let every: Vec<u8> = (0..=255).collect();
        round_trip(&[&every]);
        let mut x = 0x1234_5678_u32;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        round_trip(&[&noise]);
        round_trip(&[
            &noise[..10],
            &[],
            &noise[..3000],
            &[1, 2, 3],
            &noise[..2047],
            &[9; 5000],
            &[],
        ]);
        // Very skewed: one byte nearly always, every other byte once (code lengths beyond 15
        // before flattening).
        let mut skewed = vec![0u8; 1 << 20];
        skewed.extend(1..=255u8);
        round_trip(&[&skewed, &every]);
    }

    #[test]
    fn skewed_columns_take_well_under_a_bit_a_byte_more_than_their_entropy() {
        // 90 % zeros, the rest spread over 16 values: entropy about 0.87 bits a byte.
        let mut x = 99u32;
        let col: Vec<u8> = (0..200_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let r = (x >> 16) % 160;
                if r < 144 {
                    0
                } else {
                    (r - 143) as u8
                }
            })
            .collect();
        let n = round_trip(&[&col]);
        // A Huffman code needs at least one bit a byte: 25,000 bytes, plus the code.
        assert!(n < 25_000 + 25_000 / 2, "{n} bytes");
    }

    #[test]
    fn code_lengths_respect_the_limit_and_are_complete() {
        // Fibonacci frequencies make the deepest unlimited codes.
        let mut freq = vec![0u64; 40];
        let (mut a, mut b) = (1u64, 1u64);
        for f in freq.iter_mut() {
            *f = a;
            (a, b) = (b, a + b);
        }
        let mut lens = vec![0u8; 40];
        code_lengths(&freq, 15, &mut lens);
        assert!(lens.iter().all(|&l| (1..=15).contains(&l)));
        // Kraft: the code is complete.
        let kraft: f64 = lens.iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
        assert!((kraft - 1.0).abs() < 1e-12, "{kraft}");
    }
}
