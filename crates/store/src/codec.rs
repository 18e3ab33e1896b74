//! The raw-frame block: received items in a compact, lossless, compressed form.
//!
//! A block holds consecutive items in arrival order. Each field goes to a column of its own
//! (kinds, receivers, times, clocks, signals, frame bodies, parity residuals, observations),
//! so that similar bytes sit together, and the whole is deflated:
//! - times as the difference of the f64 bit patterns from the previous item (exact, and a
//!   few bytes because neighbouring times share sign, exponent and high mantissa bits);
//! - 12 MHz clocks as the difference from the previous clock of the same receiver;
//! - a frame's parity field as its CRC residual: zero for a clean DF11/17/18, the address
//!   for an address/parity reply, so it repeats instead of being noise; the parity is
//!   recomputed from the data on decoding;
//! - observations (imports, SBS or JSON sources) as their JSON line in the field
//!   dictionary, without the time;
//! - (version 2) a Mode S frame equal to one already in the block (the same transmission
//!   heard by another receiver, or an aircraft repeating its identity, velocity or
//!   all-call reply) as a reference to it: the number of distinct frames since, a byte or
//!   two in a column of its own, instead of its body and residual;
//! - (version 2) signal levels through a dictionary of the block's first 255 distinct
//!   levels: one byte for each level a receiver reports as a byte (Beast, AVR with
//!   levels), the level's four bytes only for levels beyond the dictionary.
//!
//! Decoding gives back exactly the items encoded (the round trip is tested), which is what
//! makes replay give the same events to the byte.

use std::io::{Read, Write};

use picket_modes::crc::crc24;
use picket_modes::Frame;
use picket_receive::json::JsonObject;
use picket_receive::jsonl::{write_observation_fields, JsonlReader};
use picket_receive::{Clock, Reader, ReaderConfig, Received, What};

/// [`BlockEncoder::finish`]'s level for Huffman codes of each column without matches: about
/// a quarter of deflate level 1's instructions (219 against 811 a frame) for as many bytes (docs/BENCHMARKS.md,
/// "The store's write path off the engine thread").
pub const HUFFMAN: u32 = 0;

/// Format version written as the block's first byte (version 1 blocks still decode).
const VERSION: u8 = 2;

/// Slots of the table of recent distinct frames (a power of two). The table is
/// direct-mapped: a frame goes to one slot, picked by a hash of its bytes, and replaces what
/// was there. A frame whose earlier copy was replaced is written in full again (a few bytes
/// more, never a wrong reference); in exchange a lookup is one probe of a table that stays
/// in the cache, where a map of every distinct frame of a block (up to a million) missed
/// the cache on most frames (docs/BENCHMARKS.md, "Ingest without loss").
const TABLE_SLOTS: usize = 1 << 16;

/// A Mode S frame as a table key: its length then its bytes.
type FrameKey = [u8; 15];

fn frame_key(b: &[u8]) -> FrameKey {
    let mut k = [0u8; 15];
    k[0] = b.len() as u8;
    k[1..=b.len()].copy_from_slice(b);
    k
}

/// One slot: a frame's 7 or 14 bytes and length as two words (all zero: empty, as no frame
/// has length 0), and its number among the distinct frames (`BlockEncoder::next_id`).
#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    lo: u64,
    hi: u64,
    id: u32,
}

/// The frame's bytes as the two words of its [`Slot`] (the length in the top byte).
#[inline]
fn frame_words(b: &[u8]) -> (u64, u64) {
    let mut w = [0u8; 16];
    w[..b.len()].copy_from_slice(b);
    w[15] = b.len() as u8;
    let lo = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
    let hi = u64::from_le_bytes([w[8], w[9], w[10], w[11], w[12], w[13], w[14], w[15]]);
    (lo, hi)
}

/// The slot of a frame: a multiplicative hash of its two words (the frame's last three
/// bytes, its parity, are already well mixed; the hash folds in the rest).
#[inline]
fn slot_of(lo: u64, hi: u64) -> usize {
    let h = (lo ^ hi.rotate_left(31)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> (64 - TABLE_SLOTS.trailing_zeros())) as usize
}

/// The signal-level dictionary's index: level bits to code, open addressing in twice the
/// dictionary's size (it never holds more than 255 levels, so a probe always ends).
#[derive(Debug, Clone)]
struct LevelTable {
    /// `bits << 8 | code`; 0: empty (a code is never 0).
    slots: Box<[u64; LEVEL_SLOTS]>,
    len: usize,
}

const LEVEL_SLOTS: usize = 512;

impl Default for LevelTable {
    fn default() -> LevelTable {
        LevelTable {
            slots: Box::new([0; LEVEL_SLOTS]),
            len: 0,
        }
    }
}

impl LevelTable {
    /// The level's code: its dictionary entry, a new entry while the dictionary has room
    /// (`added` is then true), or 0 beyond it.
    #[inline]
    fn code(&mut self, bits: u32) -> (u8, bool) {
        let mut i = (bits.wrapping_mul(0x9e37_79b1) >> (32 - LEVEL_SLOTS.trailing_zeros())) as usize;
        loop {
            let s = self.slots[i];
            if s == 0 {
                if self.len >= 255 {
                    return (0, false);
                }
                self.len += 1;
                self.slots[i] = (u64::from(bits) << 8) | self.len as u64;
                return (self.len as u8, true);
            }
            if (s >> 8) as u32 == bits {
                return (s as u8, false);
            }
            i = (i + 1) % LEVEL_SLOTS;
        }
    }

    fn clear(&mut self) {
        self.slots.fill(0);
        self.len = 0;
    }
}

/// Why a block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockError {
    /// What is wrong, in words.
    pub what: String,
}

impl std::fmt::Display for BlockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for BlockError {}

fn bad(what: impl Into<String>) -> BlockError {
    BlockError { what: what.into() }
}

// Item kinds (low 3 bits) and flags.
const K_SHORT: u8 = 0;
const K_LONG: u8 = 1;
const K_MODE_AC: u8 = 2;
const K_OBSERVATION: u8 = 3;
const F_SIGNAL: u8 = 1 << 3;
const C_NONE: u8 = 0;
const C_TICKS: u8 = 1 << 4;
const C_GPS: u8 = 2 << 4;
const C_MASK: u8 = 3 << 4;
const F_RECEIVER: u8 = 1 << 6;
/// Version 2: the frame is a reference to an earlier one of the block.
const F_REPEAT: u8 = 1 << 7;

/// Columns being filled.
#[derive(Debug, Default, Clone)]
pub struct BlockEncoder {
    count: u32,
    first_time: f64,
    last_time: f64,
    kinds: Vec<u8>,
    receivers: Vec<u8>,
    times: Vec<u8>,
    clocks: Vec<u8>,
    signals: Vec<u8>,
    bodies: Vec<u8>,
    residuals: Vec<u8>,
    observations: Vec<u8>,
    /// References to earlier frames (distinct frames back).
    refs: Vec<u8>,
    /// New signal levels of the dictionary, in order (f32 bits, little-endian).
    signal_dict: Vec<u8>,
    /// Levels beyond the dictionary (f32 bits, little-endian; stored as four byte planes:
    /// the sign and exponent bytes, nearly constant, then compress apart from the noise).
    signal_escapes: Vec<u8>,
    /// Recent distinct frames (direct-mapped, [`TABLE_SLOTS`]; empty until the first
    /// frame). Slots are not cleared between blocks: a slot whose number is below
    /// `block_base` belongs to an earlier block and does not match.
    frames: Vec<Slot>,
    /// The number the next distinct frame gets (counting on across blocks).
    next_id: u32,
    /// `next_id` when the block began.
    block_base: u32,
    /// Signal levels (f32 bits) and their dictionary code.
    levels: LevelTable,
    prev_time_bits: u64,
    prev_receiver: u16,
    prev_clock: Vec<u64>,
    /// Per receiver: the time and 12 MHz clock of its latest item with a clock.
    prev_timed: Vec<Option<(f64, u64)>>,
    scratch: String,
}

/// The time an item of a receiver is expected to have from its clock and the receiver's
/// previous item: the clock's advance at 12 MHz. The same float operations run on encoding
/// and decoding, so the prediction is identical on both sides.
fn predict(prev: Option<(f64, u64)>, ticks: u64) -> Option<f64> {
    let (t, c) = prev?;
    let dt = ticks.wrapping_sub(c) as i64 as f64 / 12e6;
    Some(t + dt)
}

fn slot(v: &mut Vec<Option<(f64, u64)>>, i: usize) -> &mut Option<(f64, u64)> {
    if v.len() <= i {
        v.resize(i + 1, None);
    }
    &mut v[i]
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Four-byte values as four planes: every value's first byte, then every second byte, ...
fn planes(v: &[u8]) -> Vec<u8> {
    let n = v.len() / 4;
    let mut out = vec![0u8; n * 4];
    for (i, w) in v.chunks_exact(4).enumerate() {
        for (p, &b) in w.iter().enumerate() {
            out[p * n + i] = b;
        }
    }
    out
}

/// The inverse of [`planes`] (a length not a multiple of four is cut to one).
fn unplanes(v: &[u8]) -> Vec<u8> {
    let n = v.len() / 4;
    let mut out = vec![0u8; n * 4];
    for i in 0..n {
        for p in 0..4 {
            out[i * 4 + p] = v[p * n + i];
        }
    }
    out
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

impl BlockEncoder {
    /// An empty block.
    pub fn new() -> BlockEncoder {
        BlockEncoder::default()
    }

    /// Items in the block.
    pub fn len(&self) -> u32 {
        self.count
    }

    /// No items yet.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Time of the first item.
    pub fn first_time(&self) -> f64 {
        self.first_time
    }

    /// Time of the latest item.
    pub fn last_time(&self) -> f64 {
        self.last_time
    }

    /// Bytes held before compression.
    pub fn raw_len(&self) -> usize {
        self.kinds.len()
            + self.receivers.len()
            + self.times.len()
            + self.clocks.len()
            + self.signals.len()
            + self.bodies.len()
            + self.residuals.len()
            + self.observations.len()
            + self.refs.len()
            + self.signal_dict.len()
            + self.signal_escapes.len()
    }

    /// Each column's name, bytes before compression and bytes when compressed on its own at
    /// `level` (to see where the bytes go; the block compresses the columns together).
    pub fn column_sizes(&self, level: u32) -> Vec<(&'static str, usize, usize)> {
        self.columns()
            .iter()
            .map(|(name, col)| {
                let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(level));
                let _ = z.write_all(col);
                (*name, col.len(), z.finish().map_or(0, |v| v.len()))
            })
            .collect()
    }

    /// Each column's name and bytes (experiments).
    pub fn column_bytes(&self) -> Vec<(&'static str, Vec<u8>)> {
        self.columns().iter().map(|(n, c)| (*n, c.to_vec())).collect()
    }

    fn columns(&self) -> [(&'static str, std::borrow::Cow<'_, [u8]>); 11] {
        use std::borrow::Cow::Borrowed;
        [
            ("kinds", Borrowed(&self.kinds[..])),
            ("receivers", Borrowed(&self.receivers[..])),
            ("times", Borrowed(&self.times[..])),
            ("clocks", Borrowed(&self.clocks[..])),
            ("signals", Borrowed(&self.signals[..])),
            ("bodies", Borrowed(&self.bodies[..])),
            ("residuals", Borrowed(&self.residuals[..])),
            ("observations", Borrowed(&self.observations[..])),
            ("refs", Borrowed(&self.refs[..])),
            ("signal_dict", Borrowed(&self.signal_dict[..])),
            (
                "signal_escapes",
                std::borrow::Cow::Owned(planes(&self.signal_escapes)),
            ),
        ]
    }

    /// Appends one item.
    pub fn push(&mut self, r: &Received) {
        if self.count == 0 {
            self.first_time = r.time_utc;
        }
        if self.count == 0 || r.time_utc > self.last_time || self.last_time.is_nan() {
            self.last_time = r.time_utc;
        }
        self.count += 1;
        let mut kind = match &r.what {
            What::ModeS(f) if f.is_long() => K_LONG,
            What::ModeS(_) => K_SHORT,
            What::ModeAc(_) => K_MODE_AC,
            What::Observation(_) => K_OBSERVATION,
        };
        if r.receiver != self.prev_receiver {
            kind |= F_RECEIVER;
            self.receivers.extend_from_slice(&r.receiver.to_le_bytes());
            self.prev_receiver = r.receiver;
        }
        let bits = r.time_utc.to_bits();
        // Against the clock's prediction when there is one, else against the previous item.
        let base = match r.clock {
            Clock::Ticks12Mhz(c) => {
                let s = slot(&mut self.prev_timed, usize::from(r.receiver));
                let p = predict(*s, c);
                *s = Some((r.time_utc, c));
                p.map_or(self.prev_time_bits, f64::to_bits)
            }
            _ => self.prev_time_bits,
        };
        put_varint(&mut self.times, zigzag(bits.wrapping_sub(base) as i64));
        self.prev_time_bits = bits;
        match r.clock {
            Clock::None => kind |= C_NONE,
            Clock::Ticks12Mhz(t) => {
                kind |= C_TICKS;
                let i = usize::from(r.receiver);
                if self.prev_clock.len() <= i {
                    self.prev_clock.resize(i + 1, 0);
                }
                put_varint(
                    &mut self.clocks,
                    zigzag(t.wrapping_sub(self.prev_clock[i]) as i64),
                );
                self.prev_clock[i] = t;
            }
            Clock::GpsTimeOfDay { seconds, nanos } => {
                kind |= C_GPS;
                put_varint(&mut self.clocks, u64::from(seconds));
                put_varint(&mut self.clocks, u64::from(nanos));
            }
        }
        if let Some(s) = r.signal {
            kind |= F_SIGNAL;
            let bits = s.to_bits();
            // Code 0: the level follows in four bytes; 1..=255: the dictionary's entry.
            let (code, added) = self.levels.code(bits);
            if added {
                self.signal_dict.extend_from_slice(&bits.to_le_bytes());
            }
            self.signals.push(code);
            if code == 0 {
                self.signal_escapes.extend_from_slice(&bits.to_le_bytes());
            }
        }
        match &r.what {
            What::ModeS(f) => {
                let b = f.as_bytes();
                let (lo, hi) = frame_words(b);
                if self.frames.is_empty() {
                    self.frames = vec![Slot::default(); TABLE_SLOTS];
                }
                let slot = &mut self.frames[slot_of(lo, hi)];
                if slot.lo == lo && slot.hi == hi && slot.id >= self.block_base {
                    kind |= F_REPEAT;
                    put_varint(&mut self.refs, u64::from(self.next_id - slot.id));
                    self.kinds.push(kind);
                    return;
                }
                *slot = Slot {
                    lo,
                    hi,
                    id: self.next_id,
                };
                self.next_id += 1;
                if self.next_id == u32::MAX {
                    // Numbers run out within a block (never in practice): forget the
                    // table and number on from 0; distances stay right as both ends of a
                    // reference are then numbered alike.
                    self.frames.fill(Slot::default());
                    (self.next_id, self.block_base) = (0, 0);
                }
                let n = b.len();
                self.bodies.extend_from_slice(&b[..n - 3]);
                let res = f.crc_residual();
                self.residuals.extend_from_slice(&res.to_be_bytes()[1..]);
            }
            What::ModeAc(b) => self.bodies.extend_from_slice(b),
            What::Observation(o) => {
                self.scratch.clear();
                {
                    let mut obj = JsonObject::new(&mut self.scratch);
                    write_observation_fields(&mut obj, o);
                }
                put_varint(&mut self.observations, self.scratch.len() as u64);
                self.observations.extend_from_slice(self.scratch.as_bytes());
            }
        }
        self.kinds.push(kind);
    }

    /// The compressed block, and the encoder emptied for the next one.
    ///
    /// `level` 0 ([`HUFFMAN`], the writer's): each column Huffman-coded without matches
    /// (a deflate stream all the same, see [`crate::huff`]); 1-9: deflate at that level.
    /// Either way the block inflates to the same bytes and decodes alike.
    pub fn finish(&mut self, level: u32) -> Vec<u8> {
        // The columns go to the compressor one after the other, each after its length (the
        // same stream as one buffer of them all, without copying them into one).
        let mut out = Vec::with_capacity(self.raw_len() / 2 + 64);
        out.push(VERSION);
        let columns = self.columns();
        let mut heads: Vec<Vec<u8>> = Vec::with_capacity(columns.len());
        for (i, (_, col)) in columns.iter().enumerate() {
            let mut head = Vec::with_capacity(10);
            if i == 0 {
                put_varint(&mut head, u64::from(self.count));
            }
            put_varint(&mut head, col.len() as u64);
            heads.push(head);
        }
        if level == HUFFMAN {
            let mut parts: Vec<&[u8]> = Vec::with_capacity(2 * columns.len());
            for (head, (_, col)) in heads.iter().zip(&columns) {
                parts.push(head);
                parts.push(col);
            }
            crate::huff::deflate_literals(&parts, &mut out);
        } else {
            let mut z = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::new(level));
            // Writing to a Vec cannot fail.
            for (head, (_, col)) in heads.iter().zip(&columns) {
                let _ = z.write_all(head);
                let _ = z.write_all(col);
            }
            let _ = z.finish();
        }
        drop(columns);
        // Emptied, keeping the allocations (a block's columns are megabytes: fresh ones
        // would be fresh pages, faulted in again for every block).
        // The table is emptied by moving the base past every number given (no 1.5 MB to
        // clear for each block, however small); only when the numbers would run out is it
        // cleared and numbering starts again.
        if self.next_id > u32::MAX - (1 << 25) {
            self.frames.fill(Slot::default());
            self.next_id = 0;
        }
        self.block_base = self.next_id;
        self.levels.clear();
        for col in [
            &mut self.kinds,
            &mut self.receivers,
            &mut self.times,
            &mut self.clocks,
            &mut self.signals,
            &mut self.bodies,
            &mut self.residuals,
            &mut self.observations,
            &mut self.refs,
            &mut self.signal_dict,
            &mut self.signal_escapes,
        ] {
            col.clear();
        }
        self.prev_clock.clear();
        self.prev_timed.clear();
        self.count = 0;
        self.first_time = 0.0;
        self.last_time = 0.0;
        self.prev_time_bits = 0;
        self.prev_receiver = 0;
        out
    }
}

/// A cursor over one column.
struct Col<'a> {
    name: &'static str,
    b: &'a [u8],
    at: usize,
}

impl<'a> Col<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BlockError> {
        if self.b.len() - self.at < n {
            return Err(bad(format!(
                "column {} ends early at byte {}",
                self.name, self.at
            )));
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u64, BlockError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad(format!(
            "column {}: varint too long at byte {}",
            self.name, self.at
        )))
    }
}

/// Decodes a block made by [`BlockEncoder::finish`].
pub fn decode_block(block: &[u8]) -> Result<Vec<Received>, BlockError> {
    let mut out = Vec::new();
    decode_block_into(block, &mut out)?;
    Ok(out)
}

/// Decodes a block, appending its items to `out` (nothing is appended on an error).
pub fn decode_block_into(block: &[u8], out: &mut Vec<Received>) -> Result<(), BlockError> {
    let (&version, body) = block.split_first().ok_or_else(|| bad("empty block"))?;
    if version != 1 && version != VERSION {
        return Err(bad(format!("unknown block version {version}")));
    }
    let v2 = version >= 2;
    let mut raw = Vec::with_capacity(body.len() * 4);
    flate2::read::DeflateDecoder::new(body)
        .read_to_end(&mut raw)
        .map_err(|e| bad(format!("cannot inflate: {e}")))?;
    let mut head = Col {
        name: "header",
        b: &raw,
        at: 0,
    };
    let count = head.varint()? as usize;
    let names = [
        "kinds",
        "receivers",
        "times",
        "clocks",
        "signals",
        "bodies",
        "residuals",
        "observations",
        "refs",
        "signal_dict",
        "signal_escapes",
    ];
    let names = if v2 { &names[..] } else { &names[..8] };
    let mut cols: Vec<Col<'_>> = Vec::with_capacity(names.len());
    for &name in names {
        let n = head.varint()? as usize;
        let b = head.take(n)?;
        cols.push(Col { name, b, at: 0 });
    }
    if !v2 {
        for name in ["refs", "signal_dict", "signal_escapes"] {
            cols.push(Col { name, b: &[], at: 0 });
        }
    }
    let escapes = cols.last().map(|c| unplanes(c.b)).unwrap_or_default();
    if let Some(c) = cols.last_mut() {
        c.b = &escapes;
    }
    let [kinds, receivers, times, clocks, signals, bodies, residuals, observations, refs, signal_dict, signal_escapes] =
        &mut cols[..]
    else {
        return Err(bad("bad column count"));
    };
    if kinds.b.len() != count {
        return Err(bad(format!("{} kinds for {count} items", kinds.b.len())));
    }
    let start = out.len();
    let result = (|| {
        let mut receiver = 0u16;
        let mut time_bits = 0u64;
        let mut prev_clock: Vec<u64> = Vec::new();
        let mut prev_timed: Vec<Option<(f64, u64)>> = Vec::new();
        let mut distinct: Vec<FrameKey> = Vec::new();
        let mut levels: Vec<f32> = Vec::new();
        for _ in 0..count {
            let kind = kinds.take(1)?[0];
            if kind & F_RECEIVER != 0 {
                let b = receivers.take(2)?;
                receiver = u16::from_le_bytes([b[0], b[1]]);
            }
            let time_delta = unzigzag(times.varint()?) as u64;
            let clock = match kind & C_MASK {
                C_NONE => Clock::None,
                C_TICKS => {
                    let i = usize::from(receiver);
                    if prev_clock.len() <= i {
                        prev_clock.resize(i + 1, 0);
                    }
                    let t = prev_clock[i].wrapping_add(unzigzag(clocks.varint()?) as u64);
                    prev_clock[i] = t;
                    Clock::Ticks12Mhz(t)
                }
                C_GPS => Clock::GpsTimeOfDay {
                    seconds: clocks.varint()? as u32,
                    nanos: clocks.varint()? as u32,
                },
                _ => return Err(bad("unknown clock kind")),
            };
            let level = |c: &mut Col<'_>| -> Result<f32, BlockError> {
                let b = c.take(4)?;
                Ok(f32::from_bits(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            };
            let signal = if kind & F_SIGNAL == 0 {
                None
            } else if !v2 {
                Some(level(signals)?)
            } else {
                let code = usize::from(signals.take(1)?[0]);
                if code == 0 {
                    Some(level(signal_escapes)?)
                } else if code <= levels.len() {
                    Some(levels[code - 1])
                } else if code == levels.len() + 1 {
                    let l = level(signal_dict)?;
                    levels.push(l);
                    Some(l)
                } else {
                    return Err(bad(format!(
                        "signal code {code} beyond the dictionary's {}",
                        levels.len()
                    )));
                }
            };
            let base = match clock {
                Clock::Ticks12Mhz(c) => {
                    predict(*slot(&mut prev_timed, usize::from(receiver)), c).map_or(time_bits, f64::to_bits)
                }
                _ => time_bits,
            };
            time_bits = base.wrapping_add(time_delta);
            let time_utc = f64::from_bits(time_bits);
            if let Clock::Ticks12Mhz(c) = clock {
                *slot(&mut prev_timed, usize::from(receiver)) = Some((time_utc, c));
            }
            let what = match kind & 7 {
                K_SHORT | K_LONG if v2 && kind & F_REPEAT != 0 => {
                    let back = refs.varint()?;
                    let k = usize::try_from(back)
                        .ok()
                        .and_then(|b| distinct.len().checked_sub(b))
                        .and_then(|i| distinct.get(i))
                        .ok_or_else(|| {
                            bad(format!("reference {back} back among {} frames", distinct.len()))
                        })?;
                    let n = usize::from(k[0]);
                    What::ModeS(Frame::new(&k[1..=n]).map_err(|e| bad(format!("bad frame: {e:?}")))?)
                }
                K_SHORT | K_LONG => {
                    let n = if kind & 7 == K_LONG { 14 } else { 7 };
                    let mut buf = [0u8; 14];
                    buf[..n - 3].copy_from_slice(bodies.take(n - 3)?);
                    let r = residuals.take(3)?;
                    let res = (u32::from(r[0]) << 16) | (u32::from(r[1]) << 8) | u32::from(r[2]);
                    let parity = crc24(&buf[..n - 3]) ^ res;
                    buf[n - 3..n].copy_from_slice(&parity.to_be_bytes()[1..]);
                    if v2 {
                        distinct.push(frame_key(&buf[..n]));
                    }
                    What::ModeS(Frame::new(&buf[..n]).map_err(|e| bad(format!("bad frame: {e:?}")))?)
                }
                K_MODE_AC => {
                    let b = bodies.take(2)?;
                    What::ModeAc([b[0], b[1]])
                }
                K_OBSERVATION => {
                    let n = observations.varint()? as usize;
                    let line = observations.take(n)?;
                    let mut r = JsonlReader::new(ReaderConfig::default());
                    r.feed(line);
                    r.feed(b"\n");
                    r.finish();
                    match r.next() {
                        Some(Ok(Received {
                            what: What::Observation(o),
                            ..
                        })) => What::Observation(o),
                        _ => return Err(bad("an observation does not read back")),
                    }
                }
                k => return Err(bad(format!("unknown item kind {k}"))),
            };
            out.push(Received {
                time_utc,
                clock,
                signal,
                receiver,
                what,
            });
        }
        Ok(())
    })();
    if result.is_err() {
        out.truncate(start);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use picket_receive::Observation;

    #[test]
    fn round_trip_is_exact() {
        let frames = [
            "8d4840d6202cc371c32ce0576098",
            "5d4ca7f9a0b84b",
            "a0001838ca3e51f0a8000047a2d5",
            "8f393322384a02aea63afc43dcba",
            "02e197b00179c3",
        ];
        let mut items = Vec::new();
        for (i, h) in frames.iter().enumerate() {
            items.push(Received {
                time_utc: 1_553_350_308.123_456_7 + i as f64 * 0.013_7,
                clock: if i % 2 == 0 {
                    Clock::Ticks12Mhz(1_000_000 + i as u64 * 7777)
                } else {
                    Clock::GpsTimeOfDay {
                        seconds: 45_296,
                        nanos: 500_000_000,
                    }
                },
                signal: (i != 2).then_some(-12.25 - i as f32),
                receiver: (i % 3) as u16,
                what: What::ModeS(Frame::from_hex(h).unwrap()),
            });
        }
        items.push(Received {
            time_utc: 1_553_350_309.0,
            clock: Clock::None,
            signal: None,
            receiver: 7,
            what: What::ModeAc([0x12, 0x34]),
        });
        let mut o = Observation::new(
            picket_modes::Icao(0x1514c0),
            picket_receive::ObservationSource::JsonState,
        );
        o.lat = Some(10.604_053);
        o.lon = Some(-67.005_435);
        o.alt_baro = Some(250);
        o.flight = Some("RFF7076".into());
        items.push(Received {
            time_utc: 1_553_350_310.5,
            clock: Clock::None,
            signal: None,
            receiver: 2,
            what: What::Observation(Box::new(o)),
        });
        let mut enc = BlockEncoder::new();
        for r in &items {
            enc.push(r);
        }
        assert_eq!(enc.len() as usize, items.len());
        let block = enc.finish(6);
        assert!(enc.is_empty());
        let back = decode_block(&block).unwrap();
        assert_eq!(back, items);
        // The writer's Huffman codes: the same bytes once inflated, the same items.
        for r in &items {
            enc.push(r);
        }
        let huff = enc.finish(HUFFMAN);
        assert_eq!(inflated(&huff), inflated(&block));
        assert_eq!(decode_block(&huff).unwrap(), items);
    }

    fn inflated(block: &[u8]) -> Vec<u8> {
        let mut raw = Vec::new();
        flate2::read::DeflateDecoder::new(&block[1..])
            .read_to_end(&mut raw)
            .unwrap();
        raw
    }

    /// A block of busy traffic's shape (thousands of items from a few hundred aircraft,
    /// jittered clocks, frames heard twice, byte levels, three receivers) Huffman-coded per
    /// column: it inflates to the bytes deflate would have packed, decodes to the items, and
    /// is no larger than level 1's block by more than a tenth.
    #[test]
    fn huffman_blocks_decode_as_deflate_blocks_do() {
        let mut x = 0x9e37_79b9_u64;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut items = Vec::new();
        let mut clock = 1_000_000u64;
        let mut prev = None;
        for i in 0..20_000u32 {
            let r = rand();
            clock += 200 + r % 4000;
            let f = match (i % 2, prev) {
                (1, Some(f)) => f,
                _ => {
                    let mut b = [0u8; 14];
                    b[0] = 0x8d;
                    b[1..4].copy_from_slice(&((r >> 20) % 300).to_be_bytes()[5..]);
                    b[4..11].copy_from_slice(&rand().to_be_bytes()[..7]);
                    Frame::new(&b).unwrap()
                }
            };
            prev = Some(f);
            items.push(Received {
                time_utc: 1_553_350_308.0 + clock as f64 / 12e6,
                clock: Clock::Ticks12Mhz(clock),
                signal: picket_receive::beast::rssi_of_signal_byte((r >> 40) as u8 | 1),
                receiver: (i % 3) as u16,
                what: What::ModeS(f),
            });
        }
        let mut enc = BlockEncoder::new();
        let mut encode = |level: u32| {
            for r in &items {
                enc.push(r);
            }
            enc.finish(level)
        };
        let (huff, deflate) = (encode(HUFFMAN), encode(1));
        assert_eq!(inflated(&huff), inflated(&deflate));
        assert_eq!(decode_block(&huff).unwrap(), items);
        assert!(
            huff.len() * 100 <= deflate.len() * 110,
            "{} vs {}",
            huff.len(),
            deflate.len()
        );
    }

    /// Repeated frames (the same transmission heard by several receivers) go by reference,
    /// signal levels by a dictionary until it is full, then in full: all exact, and a block
    /// of repeats with byte levels is far smaller than one of distinct frames and levels.
    #[test]
    fn repeats_and_signal_levels_round_trip_and_shrink() {
        let frames = [
            "8d4840d6202cc371c32ce0576098",
            "8d4840d658c382d690c8ac2863a7",
            "5d4ca7f9a0b84b",
            "02e197b00179c3",
        ];
        let mut items = Vec::new();
        for i in 0..3000u32 {
            let f = Frame::from_hex(frames[(i / 3) as usize % frames.len()]).unwrap();
            items.push(Received {
                time_utc: 1_553_350_308.0 + f64::from(i) * 0.001,
                clock: Clock::Ticks12Mhz(u64::from(i) * 12_000 + u64::from(i % 3) * 17),
                // More distinct levels than the dictionary holds.
                signal: Some(-40.0 + (i % 400) as f32 * 0.1),
                receiver: (i % 3) as u16,
                what: What::ModeS(f),
            });
        }
        let mut enc = BlockEncoder::new();
        for r in &items {
            enc.push(r);
        }
        let sizes = enc.column_sizes(1);
        let refs = sizes.iter().find(|c| c.0 == "refs").unwrap().1;
        assert!(refs >= 2990, "{sizes:?}");
        let block = enc.finish(1);
        assert_eq!(decode_block(&block).unwrap(), items);
        // The encoder, emptied, starts a new table: the next block decodes on its own.
        enc.push(&items[5]);
        enc.push(&items[8]);
        assert_eq!(
            decode_block(&enc.finish(1)).unwrap(),
            vec![items[5].clone(), items[8].clone()]
        );
        // Levels a receiver sends as a byte: one byte each, then compressed.
        let bytes: Vec<Received> = items
            .iter()
            .map(|r| Received {
                signal: picket_receive::beast::rssi_of_signal_byte((r.time_utc * 1000.0) as u8 | 1),
                ..r.clone()
            })
            .collect();
        for r in &bytes {
            enc.push(r);
        }
        let small = enc.finish(1);
        assert_eq!(decode_block(&small).unwrap(), bytes);
        assert!(
            small.len() < block.len() / 2,
            "{} vs {}",
            small.len(),
            block.len()
        );
    }

    /// More distinct frames than the table has slots, each repeated at distances from one
    /// to hundreds of thousands of frames: frames whose slot was taken are written in full
    /// again, the others by reference, and the block reads back exactly.
    #[test]
    fn frames_beyond_the_table_round_trip() {
        let n = 3 * TABLE_SLOTS as u64;
        let frame = |k: u64| {
            let mut b = [0u8; 14];
            b[0] = 0x8d;
            b[3..11].copy_from_slice(&k.wrapping_mul(0x2545_f491_4f6c_dd1d).to_be_bytes());
            Frame::new(&b).unwrap()
        };
        let mut items = Vec::new();
        for i in 0..n {
            // A new frame, then one from 1, 37 or n/2 distinct frames back.
            for k in [
                i,
                i.saturating_sub(1),
                i.saturating_sub(37),
                i.saturating_sub(n / 2),
            ] {
                items.push(Received {
                    time_utc: 1_700_000_000.0 + items.len() as f64 * 1e-4,
                    clock: Clock::None,
                    signal: None,
                    receiver: 0,
                    what: What::ModeS(frame(k)),
                });
            }
        }
        let mut enc = BlockEncoder::new();
        for r in &items {
            enc.push(r);
        }
        let sizes = enc.column_sizes(1);
        let refs = sizes.iter().find(|c| c.0 == "refs").unwrap().1;
        // Most near repeats go by reference; far ones mostly do not.
        assert!(refs > items.len() / 2, "{sizes:?}");
        let block = enc.finish(1);
        assert!(decode_block(&block).unwrap() == items);
    }

    #[test]
    fn version_1_blocks_still_decode() {
        // A version 1 block (before references and the level dictionary): two items.
        let mut raw = Vec::new();
        put_varint(&mut raw, 2);
        let t0 = 1_553_350_308.5f64.to_bits();
        let t1 = 1_553_350_309.0f64.to_bits();
        let mut times = Vec::new();
        put_varint(&mut times, zigzag(t0 as i64));
        put_varint(&mut times, zigzag(t1.wrapping_sub(t0) as i64));
        let f = Frame::from_hex("8d4840d6202cc371c32ce0576098").unwrap();
        let b = f.as_bytes();
        let mut bodies = b[..11].to_vec();
        bodies.extend_from_slice(&b[..11]);
        let signals: Vec<u8> = (-12.5f32).to_bits().to_le_bytes().to_vec();
        let cols: [Vec<u8>; 8] = [
            vec![K_LONG | F_SIGNAL, K_LONG],
            vec![],
            times,
            vec![],
            signals,
            bodies,
            vec![0; 6],
            vec![],
        ];
        for c in &cols {
            put_varint(&mut raw, c.len() as u64);
            raw.extend_from_slice(c);
        }
        let mut block = vec![1u8];
        let mut z = flate2::write::DeflateEncoder::new(&mut block, flate2::Compression::new(1));
        z.write_all(&raw).unwrap();
        z.finish().unwrap();
        let back = decode_block(&block).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].signal, Some(-12.5));
        assert_eq!(back[1].signal, None);
        assert_eq!(back[1].time_utc, 1_553_350_309.0);
        assert!(back.iter().all(|r| r.what == What::ModeS(f)));
    }

    #[test]
    fn damaged_blocks_are_errors_not_panics() {
        let mut enc = BlockEncoder::new();
        for i in 0..50 {
            enc.push(&Received {
                time_utc: 100.0 + f64::from(i),
                clock: Clock::Ticks12Mhz(u64::from(i as u32) * 12_000_000),
                signal: Some(-3.0),
                receiver: 0,
                what: What::ModeS(Frame::from_hex("8d4840d6202cc371c32ce0576098").unwrap()),
            });
        }
        let block = enc.finish(6);
        assert!(decode_block(&[]).is_err());
        assert!(decode_block(&[9, 1, 2]).is_err());
        for cut in [1, 2, block.len() / 2, block.len() - 1] {
            assert!(decode_block(&block[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = block.clone();
        for i in 1..flipped.len() {
            flipped[i] ^= 0x55;
            let mut out = vec![];
            // Either an error or some items, never a panic.
            let _ = decode_block_into(&flipped, &mut out);
            flipped[i] ^= 0x55;
        }
    }
}
