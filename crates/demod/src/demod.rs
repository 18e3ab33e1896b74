//! The demodulator: I/Q bytes in, verified Mode S frames out.

use crate::sample::{convert_s16, IqSpec, MagnitudeTable, Sample, FULL_SCALE};
use crate::tables::{Phase, Tables, LONG_BITS, MAX_BIT_TAPS, MAX_PRE_TAPS, ONE};
use picket_modes::message::{Integrity, KnownAddresses};
use picket_modes::{decode, DecodeError, DecodeOptions, Frame};
use picket_receive::{Clock, ReadError, Reader, ReaderConfig, ReaderStats, Received, TimeBase, What};
use std::collections::VecDeque;

/// Samples converted and screened at a time (the working set stays in L1/L2).
const BLOCK: usize = 1 << 14;
/// Phases tried per sample of candidate start.
const PHASES: usize = 8;
/// The screen passes when (pulses − quiet) exceeds this many noise means.
const SCREEN_NOISE: f32 = 3.5;
/// A preamble is sliced when its pulse amplitude is this many times its quiet samples' mean.
const PREAMBLE_RATIO: i64 = 3; // over 2: i.e. 1.5
/// ... and this many times the noise mean (over 2).
const PREAMBLE_NOISE: i64 = 3;
/// ... and each of its four pulses this many quarters of that mean.
const PULSE_RATIO: i64 = 5;
/// A syndrome repair is believed only when every bit it flips is among this many of the
/// frame's least confident bits.
const WEAK_BITS_FOR_REPAIR: usize = 16;
/// Soft repair: subsets of this many least confident bits are tried on a failed DF11/17/18.
const SOFT_REPAIR_BITS: usize = 5;

/// How the screen runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernel {
    /// Block-wise loops that the compiler vectorises (the default).
    #[default]
    Vector,
    /// One sample at a time: the reference the vector path must agree with.
    Scalar,
}

/// What the demodulator needs to know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemodConfig {
    /// Sample encoding and rate.
    pub spec: IqSpec,
    /// Time base and receiver id, as for the frame readers.
    pub reader: ReaderConfig,
    /// CRC repair (1-bit by default; 2-bit for DF17/18 when asked).
    pub decode: DecodeOptions,
    /// Soft repair: also try flipping the least confident bits of a failed DF11/17/18.
    pub soft_repair: bool,
    /// Vectorised or scalar screen.
    pub kernel: Kernel,
}

impl DemodConfig {
    /// The defaults for a spec: file time base from 2000-01-01, 1-bit repair, soft repair.
    pub fn new(spec: IqSpec) -> DemodConfig {
        DemodConfig {
            spec,
            reader: ReaderConfig::default(),
            decode: DecodeOptions::default(),
            soft_repair: true,
            kernel: Kernel::Vector,
        }
    }
}

/// What the demodulator has seen and found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemodStats {
    /// Samples processed.
    pub samples: u64,
    /// Sample positions that passed the cheap screen.
    pub screened: u64,
    /// Preambles good enough to slice.
    pub preambles: u64,
    /// Frames yielded.
    pub frames: u64,
    /// ... of which their CRC was clean (or their address known).
    pub clean: u64,
    /// ... repaired by the CRC syndrome (1 or 2 bits).
    pub repaired: u64,
    /// ... repaired by flipping their least confident bits.
    pub soft_repaired: u64,
    /// ... address/parity replies whose address was known.
    pub recovered: u64,
    /// Preambles whose bits gave no acceptable frame.
    pub rejected: u64,
    /// Noise floor: mean magnitude of the samples, dBFS (running).
    pub noise_dbfs: f32,
    /// Mean signal of the frames yielded, dBFS.
    pub mean_signal_dbfs: f32,
}

/// The Mode S demodulator: feed it I/Q bytes in chunks of any size, take `Received` frames.
///
/// Frames come out in order of their start. `clock` is a 12 MHz count from the first
/// sample (sample index × 12 MHz / rate, the fractional phase included), `signal` the
/// frame's pulse amplitude in dBFS.
pub struct Demodulator {
    config: DemodConfig,
    table: Option<MagnitudeTable>,
    tables: Tables,
    /// Magnitudes: `mags[..len]` hold samples `base..base+len`.
    mags: Vec<u16>,
    len: usize,
    base: u64,
    /// Next candidate start (index into `mags`).
    pos: usize,
    screen: Vec<i16>,
    partial: [u8; 4],
    partial_len: usize,
    known: KnownAddresses,
    out: VecDeque<Received>,
    reader_stats: ReaderStats,
    stats: DemodStats,
    noise: f32,
    /// Magnitudes converted since the noise floor last moved: their sum and count.
    noise_sum: u64,
    noise_count: u64,
    /// Whether `noise` holds an estimate yet (the first block's mean seeds it).
    noise_seeded: bool,
    signal_sum: f64,
    /// The last sample (absolute) of the frame read last.
    tail_until: u64,
    /// Live input: the UTC time of sample 0.
    anchor: f64,
    anchored: bool,
    finished: bool,
    confidence: [i32; LONG_BITS],
    /// Pulse amplitude of the frame being judged.
    amp: i32,
    /// The residual a single flipped bit adds, per bit of a long frame.
    syndromes: [u32; LONG_BITS],
    /// Per phase of the candidate being examined: the length decision feedback read and how
    /// many of its bits were doubtful (0, 0: not worth sequence estimation).
    near_miss: [(u8, u8); PHASES],
}

impl std::fmt::Debug for Demodulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demodulator")
            .field("spec", &self.config.spec)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Demodulator {
    /// A demodulator for `config` (its rate must be 2.0 to 4.0 MS/s; others are clamped).
    pub fn new(config: DemodConfig) -> Demodulator {
        let rate = config
            .spec
            .rate_hz
            .clamp(crate::sample::MIN_RATE_HZ, crate::sample::MAX_RATE_HZ);
        let tables = Tables::new(rate, PHASES);
        let capacity = BLOCK + 2 * tables.span + 64;
        Demodulator {
            table: (config.spec.sample == Sample::U8).then(MagnitudeTable::new),
            config: DemodConfig {
                spec: config.spec.with_rate(rate),
                ..config
            },
            tables,
            mags: vec![0; capacity],
            len: 0,
            base: 0,
            pos: 0,
            screen: vec![0; capacity],
            partial: [0; 4],
            partial_len: 0,
            known: KnownAddresses::default(),
            out: VecDeque::with_capacity(256),
            reader_stats: ReaderStats::default(),
            stats: DemodStats {
                noise_dbfs: f32::NEG_INFINITY,
                mean_signal_dbfs: f32::NEG_INFINITY,
                ..DemodStats::default()
            },
            noise: 0.0,
            noise_sum: 0,
            noise_count: 0,
            noise_seeded: false,
            signal_sum: 0.0,
            tail_until: 0,
            anchor: 0.0,
            anchored: false,
            finished: false,
            confidence: [0; LONG_BITS],
            amp: 0,
            near_miss: [(0, 0); PHASES],
            syndromes: std::array::from_fn(|b| {
                let mut bytes = [0u8; 14];
                bytes[b / 8] = 0x80 >> (b % 8);
                picket_modes::crc::residual(&bytes)
            }),
        }
    }

    /// The demodulator's counters.
    pub fn demod_stats(&self) -> &DemodStats {
        &self.stats
    }

    /// The addresses learnt from clean and repaired DF11/17/18 frames.
    pub fn known(&self) -> &KnownAddresses {
        &self.known
    }

    /// The configuration in use.
    pub fn config(&self) -> &DemodConfig {
        &self.config
    }

    fn push_bytes(&mut self, mut chunk: &[u8]) {
        self.reader_stats.bytes += chunk.len() as u64;
        let bps = self.config.spec.sample.bytes_per_sample();
        // Complete a sample split across chunks.
        if self.partial_len > 0 {
            let need = (bps - self.partial_len).min(chunk.len());
            self.partial[self.partial_len..self.partial_len + need].copy_from_slice(&chunk[..need]);
            self.partial_len += need;
            chunk = &chunk[need..];
            if self.partial_len < bps {
                return;
            }
            let p = self.partial;
            self.partial_len = 0;
            self.convert(&p[..bps]);
        }
        let whole = chunk.len() / bps * bps;
        let (now, rest) = chunk.split_at(whole);
        self.convert(now);
        chunk = rest;
        self.partial[..chunk.len()].copy_from_slice(chunk);
        self.partial_len = chunk.len();
    }

    /// Converts whole samples to magnitudes, demodulating whenever a block is full.
    fn convert(&mut self, bytes: &[u8]) {
        let bps = self.config.spec.sample.bytes_per_sample();
        let mut bytes = bytes;
        let cap = BLOCK + self.tables.span;
        while !bytes.is_empty() {
            if self.len >= cap {
                self.process(false);
            }
            let n = (bytes.len() / bps).min(cap - self.len);
            let (now, rest) = bytes.split_at(n * bps);
            let dst = &mut self.mags[self.len..self.len + n];
            match (self.config.spec.sample, &self.table) {
                (Sample::U8, Some(t)) => t.convert(now, dst),
                (Sample::U8, None) => {
                    for (o, p) in dst.iter_mut().zip(now.chunks_exact(2)) {
                        *o = crate::sample::u8_magnitude(p[0], p[1]);
                    }
                }
                (Sample::S16Le, _) => convert_s16(now, false, dst),
                (Sample::S16Be, _) => convert_s16(now, true, dst),
            }
            // The noise floor's sums (cheap and vectorised); the estimate moves in `process`.
            self.noise_sum += dst.iter().map(|&m| u64::from(m)).sum::<u64>();
            self.noise_count += n as u64;
            self.stats.samples += n as u64;
            self.len += n;
            bytes = rest;
        }
    }

    /// Demodulates what is buffered; at the end (`last`), everything.
    fn process(&mut self, last: bool) {
        self.update_noise();
        let span = self.tables.span;
        if last {
            // Quiet padding, so that frames near the end can be sliced.
            let end = (self.len + span).min(self.mags.len());
            self.mags[self.len..end].fill(0);
        }
        let limit = if last {
            self.len
        } else {
            self.len.saturating_sub(span)
        };
        if limit > self.pos {
            self.scan(self.pos, limit);
            self.pos = self.pos.max(limit);
        }
        // Keep what later candidates still need.
        let keep_from = self.pos.min(self.len);
        if keep_from > 0 {
            self.mags.copy_within(keep_from..self.len, 0);
            self.len -= keep_from;
            self.pos -= keep_from;
            self.base += keep_from as u64;
        }
        self.stats.noise_dbfs = dbfs(self.noise);
    }

    /// The noise floor: a running mean of the means of the samples converted since the last
    /// block was demodulated, each weighing by its count. It moves here, once per block,
    /// never per input chunk: a block is a fixed run of samples, so the estimate (and every
    /// threshold drawn from it) is the same however the input was split.
    fn update_noise(&mut self) {
        if self.noise_count == 0 {
            return;
        }
        let mean = self.noise_sum as f32 / self.noise_count as f32;
        self.noise = if self.noise_seeded {
            let w = (self.noise_count as f32 / 262_144.0).min(1.0);
            self.noise + (mean - self.noise) * w
        } else {
            self.noise_seeded = true;
            mean
        };
        self.noise_sum = 0;
        self.noise_count = 0;
    }

    fn threshold(&self) -> i16 {
        (self.noise * SCREEN_NOISE).clamp(24.0, 16000.0) as i16
    }

    /// Screens `from..to` and examines the candidates.
    fn scan(&mut self, from: usize, to: usize) {
        let t = self.threshold();
        let on = self.tables.screen_on;
        let off = self.tables.screen_off;
        match self.config.kernel {
            Kernel::Vector => screen_vector(&self.mags, from, to, on, off, &mut self.screen),
            Kernel::Scalar => screen_scalar(&self.mags, from, to, on, off, &mut self.screen),
        }
        let mut j = from;
        while j < to {
            // Skip whole runs below the threshold with a vectorised maximum.
            let end = (j + 32).min(to);
            let max = self.screen[j..end].iter().fold(i16::MIN, |a, &b| a.max(b));
            if max <= t {
                j = end;
                continue;
            }
            while j < end {
                if self.screen[j] > t {
                    self.stats.screened += 1;
                    if let Some(consumed) = self.examine(j) {
                        j += consumed;
                        break;
                    }
                }
                j += 1;
            }
        }
        self.pos = self.pos.max(j);
    }

    /// Tries a frame starting near sample `j`; returns the samples it covers when one is
    /// accepted.
    fn examine(&mut self, j: usize) -> Option<usize> {
        let m = &self.mags[j..j + self.tables.span];
        let pre = self.tables.pre_len;
        // The phase whose preamble template correlates best (the templates are zero past
        // `pre`, so the whole fixed length is summed: it vectorises).
        let window: &[u16; MAX_PRE_TAPS] = m[..MAX_PRE_TAPS].try_into().ok()?;
        let mut best = 0;
        let mut best_corr = i32::MIN;
        for (p, phase) in self.tables.phases.iter().enumerate() {
            let c: i32 = phase
                .corr
                .iter()
                .zip(window.iter())
                .map(|(&w, &x)| i32::from(w) * i32::from(x as i16))
                .sum();
            if c > best_corr {
                best_corr = c;
                best = p;
            }
        }
        if best_corr <= 0 {
            return None;
        }
        let (amp, quiet) = preamble_levels(&self.tables.phases[best], m, pre);
        let noise = i64::from(self.noise as i32).max(1);
        if amp * 2 < PREAMBLE_RATIO * quiet || amp * 2 < PREAMBLE_NOISE * noise {
            return None;
        }
        // Every pulse must stand out from the quiet samples, not just their sum.
        let floor = quiet * PULSE_RATIO / 4;
        if self.tables.phases[best]
            .peaks
            .iter()
            .any(|&k| i64::from(m[usize::from(k)]) <= floor)
        {
            return None;
        }
        self.stats.preambles += 1;
        let n = self.tables.phases.len();
        // In the last 8 µs of a frame just read, whose pulses make many candidates there,
        // only the best phase and its neighbours, and no sequence estimation: a reply that
        // starts there stands out clearly or not at all.
        let in_tail = self.base + j as u64 <= self.tail_until;
        let tried = if in_tail { 3 } else { n };
        // best, best + 1, best - 1, best + 2, ...
        let order = (0..tried).map(|i| (best + n + if i % 2 == 1 { i / 2 + 1 } else { n - i / 2 }) % n);
        for p in order {
            if let Some(found) = self.slice_and_check(j, p, false) {
                return Some(found);
            }
        }
        // Sequence estimation where decision feedback failed, at the best phase and its
        // neighbours.
        for p in [best, best + 1, best.wrapping_sub(1)] {
            if in_tail {
                break;
            }
            if p < n {
                if let Some(found) = self.slice_and_check(j, p, true) {
                    return Some(found);
                }
            }
        }
        self.stats.rejected += 1;
        None
    }

    /// Slices the bits at phase `p` and accepts the frame if its parity allows.
    fn slice_and_check(&mut self, j: usize, p: usize, mlse: bool) -> Option<usize> {
        let phase = &self.tables.phases[p];
        let m = &self.mags[j..j + self.tables.span];
        let (amp, _) = preamble_levels(phase, m, self.tables.pre_len);
        let amp = amp as i32;
        self.amp = amp;
        let offset = phase.offset;
        let (nbits, word) = if mlse {
            // Only for a frame that decision feedback nearly read (as it left it at this
            // phase): noise and garbled mixtures have many doubtful bits and are not worth
            // the sequence search.
            let (nbits, doubtful) = self.near_miss[p];
            let nbits = usize::from(nbits);
            if nbits == 0 || usize::from(doubtful) > nbits / 4 {
                return None;
            }
            let noise = self.noise as i32;
            let w = slice_mlse(phase, m, amp, noise, nbits, &mut self.confidence);
            // The format may change with the sequence: its length must still fit.
            if df_bits((w >> (nbits - 5)) as u8) != Some(nbits) {
                return None;
            }
            (nbits, w)
        } else {
            self.near_miss[p] = (0, 0);
            let (nbits, word) = slice(phase, m, amp, &mut self.confidence)?;
            let floor = amp * ONE / 10;
            let doubtful = self.confidence[..nbits].iter().filter(|&&c| c < floor).count();
            self.near_miss[p] = (nbits as u8, doubtful as u8);
            (nbits, word)
        };
        let bytes = (word << (128 - nbits)).to_be_bytes();
        let frame = Frame::new(&bytes[..nbits / 8]).ok()?;
        let accepted = self.judge(frame, nbits)?;
        // The next candidate may start within this frame's last 8 µs: a reply that begins
        // while this one ends has its preamble there (its bits are clear of this frame).
        let consumed = (offset + (2 * nbits) as f64 * self.tables.per_chip) as usize;
        let sample = self.base + j as u64;
        self.tail_until = sample + (offset + (16 + 2 * nbits) as f64 * self.tables.per_chip) as u64;
        let exact = sample as f64 + offset;
        let ticks = (exact * 12e6 / f64::from(self.config.spec.rate_hz)).round() as u64;
        let time_utc = match self.config.reader.time_base {
            TimeBase::Arrival => self.anchor + exact / f64::from(self.config.spec.rate_hz),
            TimeBase::Start(s) => s + exact / f64::from(self.config.spec.rate_hz),
        };
        let signal = dbfs(amp as f32);
        self.signal_sum += f64::from(signal);
        self.stats.frames += 1;
        self.stats.mean_signal_dbfs = (self.signal_sum / self.stats.frames as f64) as f32;
        self.reader_stats.frames += 1;
        self.out.push_back(Received {
            time_utc,
            clock: Clock::Ticks12Mhz(ticks),
            signal: Some(signal),
            receiver: self.config.reader.receiver,
            what: What::ModeS(accepted),
        });
        Some(consumed.max(1))
    }

    /// Accepts a sliced frame by the decoder's rules: clean or repaired DF11/17/18 (a repair
    /// only where the flipped bits were doubtful), address/parity replies and DF11 with an
    /// interrogator code only with a known address. Returns the frame to yield.
    fn judge(&mut self, frame: Frame, nbits: usize) -> Option<Frame> {
        match decode(frame, &self.config.decode, &self.known) {
            Ok(d) => match d.integrity {
                Integrity::Clean => {
                    self.learn(&d.frame, d.address);
                    self.stats.clean += 1;
                    Some(d.frame)
                }
                Integrity::Corrected(e) => {
                    let weak = self.weakest(nbits, WEAK_BITS_FOR_REPAIR);
                    let doubtful = [e.first, e.second]
                        .into_iter()
                        .flatten()
                        .all(|b| weak.as_slice().contains(&b));
                    if !doubtful || !self.steady(nbits) {
                        return None;
                    }
                    self.learn(&d.frame, d.address);
                    self.stats.repaired += 1;
                    Some(d.frame)
                }
                Integrity::InterrogatorCode { code, known } => self.interrogator_code(frame, code, known),
                Integrity::Recovered { known } => {
                    if known && self.steady(nbits) {
                        self.stats.recovered += 1;
                        Some(frame)
                    } else {
                        None
                    }
                }
            },
            Err(DecodeError::BadMe(_)) if frame.crc_residual() == 0 => {
                self.stats.clean += 1;
                Some(frame)
            }
            Err(DecodeError::BadCrc) if self.config.soft_repair => self.soft_repair(frame, nbits),
            Err(_) => None,
        }
    }

    /// Flips subsets of two or three of the least confident bits of a DF17/18 whose
    /// parity fails; accepts the first subset that makes it clean.
    #[cold]
    fn soft_repair(&mut self, frame: Frame, nbits: usize) -> Option<Frame> {
        let df = frame.df();
        if !matches!(df, 17 | 18) || !self.steady(nbits) {
            return None;
        }
        let mut weak = self.weakest(nbits, SOFT_REPAIR_BITS);
        // The DF field decides the length: a repair there would be a different frame.
        weak.retain(|b| b >= 5);
        let weak = weak.as_slice();
        // The residual is linear in the bits: flipping a set of bits XORs their syndromes.
        let residual = frame.crc_residual();
        for mask in 1u32..(1 << weak.len()) {
            if !(2..=3).contains(&mask.count_ones()) {
                continue;
            }
            let flipped = weak
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .fold(0, |acc, (_, &b)| acc ^ self.syndromes[usize::from(b)]);
            if flipped != residual {
                continue;
            }
            let f = weak
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .fold(frame, |f, (_, &b)| f.with_bit_flipped(usize::from(b)));
            let Ok(d) = decode(f, &self.config.decode, &self.known) else {
                continue;
            };
            if d.integrity != Integrity::Clean {
                continue;
            }
            self.learn(&f, d.address);
            self.stats.soft_repaired += 1;
            return Some(f);
        }
        None
    }

    /// A DF11 whose residual reads as an interrogator code. Errors in its last seven bits
    /// look the same: when one or two doubtful bits make up the whole residual, they are
    /// repaired to a clean all-call reply; a code with any doubtful bit, or of one or two
    /// bits (errors cannot be told from such a code), is refused; a code of three bits or
    /// more is believed for a known address whose frame is steady.
    fn interrogator_code(&mut self, frame: Frame, code: u8, known: bool) -> Option<Frame> {
        // Doubtful: among the least confident and below half the frame's median confidence
        // (a strong, clean reply has no doubtful bits however its ranks fall).
        // On the stack: this runs for every DF11 whose parity reads as a code.
        let mut ranked = [0i32; 56];
        ranked.copy_from_slice(&self.confidence[..56]);
        let half_median = *ranked.select_nth_unstable(28).1 / 2;
        let mut weak = self.weakest(56, WEAK_BITS_FOR_REPAIR);
        weak.retain(|b| self.confidence[usize::from(b)] < half_median);
        let weak = weak.as_slice();
        // The parity bits the code sets: bit i of the residual is bit 55 - i of the frame.
        let mut set = [0u8; 7];
        let mut set_len = 0;
        for i in (0..7u8).filter(|i| code & (1 << i) != 0) {
            set[set_len] = 55 - i;
            set_len += 1;
        }
        let set = &set[..set_len];
        let doubtful = set.iter().filter(|b| weak.contains(b)).count();
        if doubtful == set.len() && set.len() <= 2 && self.config.decode.fix_one_bit {
            // One or two doubtful parity bits explain the whole code: an error, repaired
            // (unless repairs are off, `--no-fix`: then refused below).
            let fixed = set.iter().fold(frame, |f, &b| f.with_bit_flipped(usize::from(b)));
            self.learn(&fixed, fixed.aa());
            self.stats.repaired += 1;
            return Some(fixed);
        }
        // A code that is partly doubtful, or of one or two bits (as likely confident errors,
        // which slicing at 2.0 MS/s makes, as a code), is refused.
        if doubtful > 0 || set.len() < 3 || !known || !self.steady(56) {
            return None;
        }
        self.stats.recovered += 1;
        Some(frame)
    }

    /// True when at most an eighth of the frame's bits are doubtful (a decision statistic
    /// under a tenth of the pulse amplitude, where a clean bit gives a quarter or more):
    /// a real reply with a few errors, not noise or a mis-sliced mixture.
    fn steady(&self, nbits: usize) -> bool {
        let floor = self.amp * ONE / 10;
        let doubtful = self.confidence[..nbits].iter().filter(|&&c| c < floor).count();
        doubtful <= nbits / 8
    }

    /// The `count` (at most [`WEAK_BITS_FOR_REPAIR`]) least confident bits, weakest first.
    fn weakest(&self, nbits: usize, count: usize) -> WeakBits {
        let mut idx = [0u8; LONG_BITS];
        for (i, b) in idx.iter_mut().enumerate() {
            *b = i as u8;
        }
        let idx = &mut idx[..nbits];
        let key = |b: &u8| (self.confidence[usize::from(*b)], *b);
        let n = count.min(nbits).min(WEAK_BITS_FOR_REPAIR);
        if n < nbits {
            idx.select_nth_unstable_by_key(n, key);
        }
        let weakest = &mut idx[..n];
        weakest.sort_unstable_by_key(key);
        let mut out = WeakBits {
            bits: [0; WEAK_BITS_FOR_REPAIR],
            len: n,
        };
        out.bits[..n].copy_from_slice(weakest);
        out
    }

    /// Remembers the address of a clean or repaired DF11, DF17 or DF18 with an ICAO address.
    fn learn(&mut self, frame: &Frame, address: picket_modes::Icao) {
        let df = frame.df();
        if df == 11 || df == 17 || (df == 18 && frame.bits_6_8() == 0) {
            self.known.insert(address);
        }
    }
}

/// A frame's least confident bit positions, weakest first: a fixed array, so that judging a
/// frame allocates nothing.
#[derive(Debug, Clone, Copy)]
struct WeakBits {
    bits: [u8; WEAK_BITS_FOR_REPAIR],
    len: usize,
}

impl WeakBits {
    fn as_slice(&self) -> &[u8] {
        &self.bits[..self.len]
    }

    /// Keeps the positions `keep` accepts, in order.
    fn retain(&mut self, keep: impl Fn(u8) -> bool) {
        let mut n = 0;
        for i in 0..self.len {
            let b = self.bits[i];
            if keep(b) {
                self.bits[n] = b;
                n += 1;
            }
        }
        self.len = n;
    }
}

/// Least-squares pulse amplitude and mean of the quiet samples of a preamble.
#[inline]
fn preamble_levels(phase: &Phase, m: &[u16], pre: usize) -> (i64, i64) {
    let dot: i64 = (0..pre).map(|k| i64::from(phase.on[k]) * i64::from(m[k])).sum();
    let amp = dot * i64::from(ONE) / phase.on_energy.max(1);
    let q: i64 = phase.quiet[..phase.quiet_len]
        .iter()
        .map(|&k| i64::from(m[usize::from(k)]))
        .sum();
    (amp, q / phase.quiet_len.max(1) as i64)
}

/// Slices the bits with decision feedback: each bit's statistic is corrected for what the
/// previous bit's pulse (known) and the next bit's (half, unknown) leak into its samples.
/// Returns the number of bits (56 or 112), or `None` for a downlink format not worth
/// slicing further.
#[inline]
fn slice(phase: &Phase, m: &[u16], amp: i32, conf: &mut [i32; LONG_BITS]) -> Option<(usize, u128)> {
    let mut word = 0u128;
    let mut prev_zero = false;
    let mut nbits = LONG_BITS;
    let mut b = 0;
    while b < nbits {
        let t = &phase.bits[b];
        let first = usize::from(t.first);
        let s = &m[first..first + MAX_BIT_TAPS];
        let mut d: i32 = t.w.iter().zip(s).map(|(&w, &x)| w * i32::from(x)).sum();
        if prev_zero {
            d -= amp * t.prev_zero;
        }
        if b + 1 < nbits {
            d -= amp * t.next_half;
        }
        let one = d > 0;
        word = (word << 1) | u128::from(one);
        conf[b] = d.abs();
        prev_zero = !one;
        b += 1;
        if b == 5 {
            nbits = df_bits(word as u8)?;
        }
    }
    Some((nbits, word))
}

/// The length of the downlink formats worth slicing.
fn df_bits(df: u8) -> Option<usize> {
    match df {
        0 | 4 | 5 | 11 => Some(56),
        16..=21 => Some(112),
        _ => None,
    }
}

/// Slices the bits by maximum-likelihood sequence estimation (Viterbi over the value of the
/// next bit): each sample is expected at the noise mean plus the amplitude times its "on"
/// overlap, which depends on its own bit and the next one, and the sequence with the least
/// squared error wins. It reads what decision feedback cannot where samples straddle chips
/// (2.0 MS/s at half-sample phases). The confidences are the decision statistics with
/// both neighbours known.
fn slice_mlse(
    phase: &Phase,
    m: &[u16],
    amp: i32,
    noise: i32,
    nbits: usize,
    conf: &mut [i32; LONG_BITS],
) -> u128 {
    let amp = i64::from(amp);
    let noise = i64::from(noise).min(amp);
    const SHIFT: u32 = ONE.trailing_zeros();
    // cost[x]: least squared error of the bits so far with the current bit = x.
    let mut cost = [0i64; 2];
    let (mut back0, mut back1) = (0u128, 0u128);
    for b in 0..nbits {
        let t = &phase.bits[b];
        let first = usize::from(t.own_first);
        let mut e = [[0i64; 2]; 2]; // e[x][y]: this bit x, the next y
        for (k, ov) in t.own[..usize::from(t.own_len)].iter().enumerate() {
            let sample = i64::from(m[first + k]);
            for (x, ex) in e.iter_mut().enumerate() {
                for (y, exy) in ex.iter_mut().enumerate() {
                    let own = i64::from(if x == 1 { ov[0] } else { ov[1] });
                    let on = own + if y == 1 { i64::from(ov[2]) } else { 0 };
                    // `on` and `amp - noise` are never negative: a shift divides.
                    let d = sample - (noise + (((amp - noise) * on) >> SHIFT));
                    *exy += d * d;
                }
            }
        }
        let last = b + 1 == nbits;
        let mut next = [i64::MAX; 2];
        for (y, slot) in next.iter_mut().enumerate().take(if last { 1 } else { 2 }) {
            let via0 = cost[0] + e[0][y];
            let via1 = cost[1] + e[1][y];
            *slot = via0.min(via1);
            let mark = u128::from(via1 < via0) << b;
            if y == 0 {
                back0 |= mark;
            } else {
                back1 |= mark;
            }
        }
        cost = next;
    }
    // Trace back from "after the frame: off".
    let mut word = 0u128;
    let mut y = 0;
    for b in (0..nbits).rev() {
        let x = if y == 0 {
            (back0 >> b) & 1
        } else {
            (back1 >> b) & 1
        };
        word |= x << (nbits - 1 - b);
        y = x;
    }
    // Confidences: the matched filter with the previous and next bits taken out.
    let amp = amp as i32;
    let bit = |i: usize| (word >> (nbits - 1 - i)) & 1 == 1;
    for (b, (t, c)) in phase.bits.iter().zip(conf.iter_mut()).take(nbits).enumerate() {
        let first = usize::from(t.first);
        let s = &m[first..first + MAX_BIT_TAPS];
        let mut d: i32 = t.w.iter().zip(s).map(|(&w, &x)| w * i32::from(x)).sum();
        if b > 0 && !bit(b - 1) {
            d -= amp * t.prev_zero;
        }
        if b + 1 < nbits && bit(b + 1) {
            d -= amp * 2 * t.next_half;
        }
        // A statistic that disagrees with the sequence's choice is doubtful: zero.
        *c = if (d > 0) == bit(b) { d.abs() } else { 0 };
    }
    word
}

/// The screen over `from..to`, one sample at a time: pulses minus quiet samples.
fn screen_scalar(m: &[u16], from: usize, to: usize, on: [usize; 4], off: [usize; 4], out: &mut [i16]) {
    for j in from..to {
        let hi = on.iter().map(|&k| i32::from(m[j + k])).sum::<i32>();
        let lo = off.iter().map(|&k| i32::from(m[j + k])).sum::<i32>();
        out[j] = (hi - lo).clamp(-32768, 32767) as i16;
    }
}

/// The same screen written as whole-slice passes that vectorise (16-bit lanes; magnitudes
/// are below 4096, so sums of four fit).
fn screen_vector(m: &[u16], from: usize, to: usize, on: [usize; 4], off: [usize; 4], out: &mut [i16]) {
    let n = to - from;
    let s = |k: usize| &m[from + k..from + k + n];
    let (a, b, c, d) = (s(on[0]), s(on[1]), s(on[2]), s(on[3]));
    let (e, f, g, h) = (s(off[0]), s(off[1]), s(off[2]), s(off[3]));
    let o = &mut out[from..to];
    for i in 0..n {
        let hi = a[i] as i16 + b[i] as i16 + c[i] as i16 + d[i] as i16;
        let lo = e[i] as i16 + f[i] as i16 + g[i] as i16 + h[i] as i16;
        o[i] = hi - lo;
    }
}

/// A magnitude as dBFS.
fn dbfs(mag: f32) -> f32 {
    if mag <= 0.0 {
        return f32::NEG_INFINITY;
    }
    20.0 * (mag / FULL_SCALE).log10()
}

impl Reader for Demodulator {
    fn feed(&mut self, chunk: &[u8]) {
        self.push_bytes(chunk);
    }

    /// Live input: the sample counter keeps time, anchored at the arrival of the first
    /// chunk (a chunk arrives when its last sample does) and moved forward when the wall
    /// clock runs more than half a second ahead of it (samples lost upstream, a paused
    /// stream); never back, so times only grow (input faster than real time keeps the
    /// sample clock).
    fn feed_at(&mut self, chunk: &[u8], arrival_utc: f64) {
        let bps = self.config.spec.sample.bytes_per_sample() as u64;
        let end = (self.reader_stats.bytes + chunk.len() as u64) / bps;
        let since_start = end as f64 / f64::from(self.config.spec.rate_hz);
        if !self.anchored || arrival_utc - (self.anchor + since_start) > 0.5 {
            self.anchor = arrival_utc - since_start;
            self.anchored = true;
        }
        self.push_bytes(chunk);
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            // A last sample cut short (an odd length) is counted, not read.
            self.reader_stats.bytes_dropped += self.partial_len as u64;
            self.partial_len = 0;
            self.process(true);
            self.stats.noise_dbfs = dbfs(self.noise);
        }
    }

    fn next(&mut self) -> Option<Result<Received, ReadError>> {
        self.out.pop_front().map(Ok)
    }

    fn stats(&self) -> &ReaderStats {
        &self.reader_stats
    }
}
