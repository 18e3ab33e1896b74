//! Beast binary: the framer and the writer.
//!
//! A message is `0x1a`, a type byte, a 6-byte big-endian timestamp, a signal byte and the
//! payload: type `'1'` a Mode A/C reply (2 bytes), `'2'` a short Mode S frame (7), `'3'` a
//! long one (14). Every `0x1a` after the type byte is sent twice. Type `'4'` (status) and
//! readsb's receiver-id (`0xe3`) and UUID (`0xe4`) messages are skipped and counted; a
//! `0x1a` followed by anything else is not a message start.

use crate::error::{At, ReadError, ReadErrorKind, ReaderStats, WriteError};
use crate::hex::{payload_of, what_from_payload};
use crate::input::Input;
use crate::reader::{count_item, Reader, ReaderConfig, Stamper};
use crate::received::{Clock, ClockKind, Received, What};
use crate::time::TimeBase;
use picket_modes::Frame;

/// The escape byte that starts every message.
pub const ESC: u8 = 0x1a;
/// Type byte of a Mode A/C message.
pub const TYPE_MODE_AC: u8 = b'1';
/// Type byte of a short (56-bit) Mode S message.
pub const TYPE_SHORT: u8 = b'2';
/// Type byte of a long (112-bit) Mode S message.
pub const TYPE_LONG: u8 = b'3';
/// Type byte of a status message.
pub const TYPE_STATUS: u8 = b'4';

/// The first two bytes of a long Mode S message, read as a little-endian word.
const LONG_START: u16 = u16::from_le_bytes([ESC, TYPE_LONG]);
/// The first two bytes of a short Mode S message, read as a little-endian word.
const SHORT_START: u16 = u16::from_le_bytes([ESC, TYPE_SHORT]);

/// Payload length of a frame-carrying type; 0 for every other byte.
#[inline]
const fn payload_len(type_byte: u8) -> usize {
    match type_byte {
        TYPE_MODE_AC => 2,
        TYPE_SHORT => 7,
        TYPE_LONG => 14,
        _ => 0,
    }
}

/// True for type bytes that start a message this reader knows (frames or skipped ones).
#[inline]
const fn known_type(type_byte: u8) -> bool {
    matches!(
        type_byte,
        TYPE_MODE_AC | TYPE_SHORT | TYPE_LONG | TYPE_STATUS | 0xe3 | 0xe4
    )
}

/// Signal level in dBFS of a Beast signal byte: 20·log10(byte/255); byte 0 means no level.
pub fn rssi_of_signal_byte(byte: u8) -> Option<f32> {
    (byte != 0).then(|| 20.0 * (f32::from(byte) / 255.0).log10())
}

/// The Beast signal byte for a level in dBFS (0 when absent; at least 1 otherwise).
pub fn signal_byte(rssi: Option<f32>) -> u8 {
    match rssi {
        Some(db) if db.is_finite() => (255.0 * 10f32.powf(db / 20.0)).round().clamp(1.0, 255.0) as u8,
        Some(db) if db == f32::INFINITY => 255,
        Some(_) => 1,
        None => 0,
    }
}

/// True when any of the 16 bytes is 0x1a (an `or` over all the compares, with no early
/// exit, so that it compiles to one vector compare and a mask test).
#[inline(always)]
fn any_esc(w: &[u8; 16]) -> bool {
    w.iter().fold(false, |any, &b| any | (b == ESC))
}

/// True when the body (timestamp, signal, payload: `msg[2..9 + P]`) of the frame message
/// `msg` holds a 0x1a, or when `msg` is shorter than `9 + P` bytes.
#[inline(always)]
fn body_has_esc<const P: usize>(msg: &[u8]) -> bool {
    let Some(&[_, _, ref body @ ..]) = msg.first_chunk::<16>() else {
        return true;
    };
    if P <= 7 {
        // A short message is 16 bytes long: one window, without the start and type bytes.
        let mut w = [0u8; 16];
        w[2..].copy_from_slice(body);
        any_esc(&w)
    } else {
        // A long one (23 bytes): two overlapping windows over bytes 2..23.
        let window = |from: usize| msg.get(from..).and_then(<[u8]>::first_chunk::<16>);
        match (window(2), window(9 + P - 16)) {
            (Some(a), Some(b)) => any_esc(a) | any_esc(b),
            _ => true,
        }
    }
}

/// What the fast path found at the read position.
#[derive(Debug)]
enum Found {
    /// An unescaped frame message: its frame (`None`: the payload is no frame), timestamp,
    /// signal byte and length.
    Plain(Option<Frame>, u64, u8, usize),
    /// A frame message with doubled bytes.
    Escaped,
    /// Anything else, for the general path.
    Other,
}

/// Reads the frame message with `P` payload bytes at the start of `rest` when it is whole.
#[inline(always)]
fn scan<const P: usize>(rest: &[u8]) -> Found {
    // One length check: every read below is within the message.
    let Some(msg) = rest.get(..9 + P) else {
        return Found::Other;
    };
    if body_has_esc::<P>(msg) {
        return Found::Escaped;
    }
    let (Some(head), Some(&sig), Some(payload)) = (
        msg.first_chunk::<8>(),
        msg.get(8),
        msg.get(9..).and_then(<[u8]>::first_chunk::<P>),
    ) else {
        return Found::Other;
    };
    // The timestamp is bytes 2..8: one big-endian word without its top two bytes.
    let raw = u64::from_be_bytes(*head) & crate::received::MASK48;
    Found::Plain(Frame::new(payload).ok(), raw, sig, 9 + P)
}

/// The 48-bit big-endian number in the first six bytes.
#[inline(always)]
fn be48(b: &[u8]) -> u64 {
    (u64::from(b[0]) << 40)
        | (u64::from(b[1]) << 32)
        | (u64::from(b[2]) << 24)
        | (u64::from(b[3]) << 16)
        | (u64::from(b[4]) << 8)
        | u64::from(b[5])
}

/// A Beast message's content: timestamp, signal byte and what it carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BeastMessage {
    pub(crate) timestamp: u64,
    pub(crate) signal: u8,
    pub(crate) what: What,
}

/// Reads one whole Beast message from bytes (as stored in CSV files: usually unescaped, but
/// doubled 0x1a are undone when the length says they are there).
pub(crate) fn parse_message(bytes: &[u8]) -> Result<BeastMessage, ReadErrorKind> {
    if bytes.len() < 2 || bytes[0] != ESC {
        return Err(ReadErrorKind::Garbage);
    }
    let plen = payload_len(bytes[1]);
    if plen == 0 {
        return Err(ReadErrorKind::Garbage);
    }
    let n = 7 + plen;
    let mut body = [0u8; 21];
    let raw = &bytes[2..];
    if raw.len() == n {
        body[..n].copy_from_slice(raw);
    } else if raw.len() > n {
        // Escaped: undo the doubling.
        let mut j = 0;
        let mut k = 0;
        while k < n {
            let b = *raw.get(j).ok_or(ReadErrorKind::BadLength)?;
            if b == ESC {
                if raw.get(j + 1) != Some(&ESC) {
                    return Err(ReadErrorKind::BadLength);
                }
                j += 1;
            }
            body[k] = b;
            j += 1;
            k += 1;
        }
        if j != raw.len() {
            return Err(ReadErrorKind::BadLength);
        }
    } else {
        return Err(ReadErrorKind::Truncated);
    }
    Ok(BeastMessage {
        timestamp: be48(&body),
        signal: body[6],
        what: what_from_payload(&body[7..n])?,
    })
}

/// The next message start in `buf` from index `from` on, and true; or, when there is none,
/// the end of `buf` (keeping a trailing 0x1a whose next byte is unknown) and false.
fn sync_point(buf: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    loop {
        let Some(k) = buf.get(i..).and_then(|rest| memchr::memchr(ESC, rest)) else {
            return (buf.len(), false);
        };
        let at = i + k;
        match buf.get(at + 1) {
            None => return (at, false),
            // An escaped data byte, not a start.
            Some(&ESC) => i = at + 2,
            Some(&t) if known_type(t) => return (at, true),
            Some(_) => i = at + 1,
        }
    }
}

/// What the reader is in the middle of skipping (one state, so the common case tests one
/// value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    /// Nothing: the read position is at a message start or at unknown bytes.
    Nothing,
    /// A garbage run that started at this stream offset, reported once when it ends.
    Garbage(u64),
    /// The rest of a well-formed message that carries no frame.
    Other,
}

/// Incremental Beast reader.
///
/// Frames come out in order; garbage between messages is skipped up to the next `0x1a`
/// that starts a message, counted in `bytes_dropped` and reported once per run. No
/// allocation per frame: a message is read straight from the buffer.
#[derive(Debug)]
pub struct BeastReader {
    input: Input,
    stats: ReaderStats,
    stamper: Stamper,
    receiver: u16,
    /// Level of each signal byte, `None` for 0 (boxed: it would make the reader 2 KB larger).
    rssi: Box<[Option<f32>; 256]>,
    skip: Skip,
    /// Times come from a 12 MHz counter (the usual case, taken without further checks).
    counter12: bool,
}

impl BeastReader {
    /// A reader with the given time base, clock kind and receiver id.
    pub fn new(config: ReaderConfig) -> BeastReader {
        let mut rssi = Box::new([None; 256]);
        for (i, r) in rssi.iter_mut().enumerate() {
            *r = rssi_of_signal_byte(i as u8);
        }
        BeastReader {
            input: Input::default(),
            stats: ReaderStats::default(),
            stamper: Stamper::new(&config),
            receiver: config.receiver,
            rssi,
            skip: Skip::Nothing,
            counter12: config.time_base != TimeBase::Arrival && config.clock == ClockKind::Ticks12Mhz,
        }
    }

    /// The UTC time and receiver clock of a message with timestamp `raw` that ended just
    /// before buffer index `end`.
    #[inline(always)]
    fn stamp(&mut self, raw: u64, end: usize) -> (f64, Clock) {
        if self.counter12 {
            return self.stamper.timeline.counter_time(raw);
        }
        let time_utc = if self.stamper.arrival_mode() {
            let end = self.input.offset(end);
            self.input.arrival_for(end)
        } else {
            self.stamper.timeline.time_of(raw)
        };
        (time_utc, self.stamper.timeline.clock(raw))
    }

    /// The item of a Mode S message at buffer index `pos`, `len` bytes long in the buffer:
    /// its frame (`None`: the payload is no frame), timestamp and signal byte.
    #[inline(always)]
    fn emit(
        &mut self,
        pos: usize,
        len: usize,
        frame: Option<Frame>,
        raw: u64,
        sig: u8,
    ) -> Option<Result<Received, ReadError>> {
        self.input.pos = pos + len;
        let Some(frame) = frame else {
            return Some(Err(self.bad_frame(pos, len)));
        };
        let (time_utc, clock) = self.stamp(raw, pos + len);
        self.stats.frames += 1;
        Some(Ok(Received {
            time_utc,
            clock,
            signal: self.rssi[usize::from(sig)],
            receiver: self.receiver,
            what: What::ModeS(frame),
        }))
    }

    /// Counts and reports a message at buffer index `pos` whose payload is no frame.
    #[cold]
    #[inline(never)]
    fn bad_frame(&mut self, pos: usize, len: usize) -> ReadError {
        self.stats.bytes_dropped += len as u64;
        self.stats.count_error(ReadErrorKind::BadFrame);
        ReadError::new(At::Byte(self.input.offset(pos)), ReadErrorKind::BadFrame)
    }

    /// A Mode S message at buffer index `pos` with an escaped byte, undone from the first
    /// 0x1a on. Anything unusual (a 0x1a that is not doubled, a message that may run past
    /// the buffer) goes to the general path.
    #[inline(never)]
    fn next_escaped<const P: usize>(&mut self, pos: usize) -> Option<Result<Received, ReadError>> {
        // Body: timestamp, signal, payload. Doubled, it takes at most twice its length.
        let n = 7 + P;
        let Some(src) = self.input.buf().get(pos + 2..pos + 2 + 2 * n) else {
            return self.next_slow();
        };
        let mut body = [0u8; 21];
        // Up to the first 0x1a the bytes are the body's own.
        body[..n].copy_from_slice(&src[..n]);
        let first = src[..n].iter().position(|&b| b == ESC).unwrap_or(n);
        let mut rest = src[first..].iter();
        for slot in &mut body[first..n] {
            let Some(&b) = rest.next() else {
                return self.next_slow();
            };
            // A 0x1a must come twice; anything else means a message starts inside this one.
            if b == ESC && rest.next() != Some(&ESC) {
                return self.next_slow();
            }
            *slot = b;
        }
        let j = 2 * n - rest.len();
        let mut payload = [0u8; P];
        payload.copy_from_slice(&body[7..n]);
        self.emit(pos, 2 + j, Frame::new(&payload).ok(), be48(&body), body[6])
    }

    /// Builds the item of a message whose unescaped body (timestamp, signal, payload) is
    /// `body`, which ran from stream offset `start` to `end`.
    #[inline(always)]
    fn item(&mut self, body: &[u8], start: u64, end: u64) -> Option<Result<Received, ReadError>> {
        let what = what_from_payload(&body[7..]);
        self.finish_item(be48(body), body[6], what, start, end)
    }

    /// Stamps a message's content into an item (or counts it as an error or heartbeat).
    #[inline]
    fn finish_item(
        &mut self,
        raw: u64,
        sig: u8,
        what: Result<What, ReadErrorKind>,
        start: u64,
        end: u64,
    ) -> Option<Result<Received, ReadError>> {
        let what = match what {
            Ok(What::ModeAc([0, 0])) => {
                // readsb's heartbeat: an all-zero Mode A/C message.
                self.stats.other += 1;
                return None;
            }
            Ok(w) => w,
            Err(kind) => {
                self.stats.bytes_dropped += end - start;
                self.stats.count_error(kind);
                return Some(Err(ReadError::new(At::Byte(start), kind)));
            }
        };
        let arrival = if self.stamper.arrival_mode() {
            self.input.arrival_for(end)
        } else {
            0.0
        };
        let time_utc = self.stamper.counter(raw, arrival);
        count_item(&mut self.stats, &what);
        Some(Ok(Received {
            time_utc,
            clock: self.stamper.timeline.clock(raw),
            signal: self.rssi[usize::from(sig)],
            receiver: self.receiver,
            what,
        }))
    }

    /// Ends a garbage run: counts it and reports where it started.
    fn end_garbage(&mut self) -> Option<ReadError> {
        let Skip::Garbage(start) = self.skip else {
            return None;
        };
        self.skip = Skip::Nothing;
        self.stats.count_error(ReadErrorKind::Garbage);
        Some(ReadError::new(At::Byte(start), ReadErrorKind::Garbage))
    }

    /// Skips from `from` (an index into the buffer) to the next message start, or to the
    /// end of the buffer (keeping a trailing 0x1a whose next byte is unknown). Returns true
    /// when a message start was found at the new position.
    fn skip_to_sync(&mut self, from: usize) -> bool {
        let (pos, found) = sync_point(self.input.buf(), from);
        self.input.pos = pos;
        found
    }

    /// Everything but the common case: escaped bytes, garbage, skipped messages, partial
    /// input, the end of input.
    fn next_slow(&mut self) -> Option<Result<Received, ReadError>> {
        loop {
            let pos = self.input.pos;
            let len = self.input.buf().len();
            if self.skip == Skip::Other {
                // The skipped message runs to the next message start.
                let found = self.skip_to_sync(pos);
                if found || self.input.eof {
                    self.skip = Skip::Nothing;
                    self.stats.other += 1;
                    if self.input.eof && !found {
                        self.input.pos = len;
                        return None;
                    }
                    continue;
                }
                return None;
            }
            if pos == len {
                if self.input.eof {
                    return self.end_garbage().map(Err);
                }
                return None;
            }
            let b0 = self.input.buf()[pos];
            let b1 = self.input.buf().get(pos + 1).copied();
            let is_start = b0 == ESC && b1.is_some_and(known_type);
            if !is_start {
                if b0 == ESC && b1.is_none() && !self.input.eof {
                    return None; // wait for the type byte
                }
                // Garbage: skip to the next start, counting every byte passed.
                let start = self.input.offset(pos);
                // An escaped pair (0x1a 0x1a) is data: skip both, as skip_to_sync does.
                let pair = b0 == ESC && b1 == Some(ESC);
                let found = self.skip_to_sync(if pair { pos + 2 } else { pos + 1 });
                let mut skipped = (self.input.pos - pos) as u64;
                if !found && self.input.eof {
                    skipped += (len - self.input.pos) as u64;
                    self.input.pos = len;
                }
                self.stats.bytes_dropped += skipped;
                if self.skip == Skip::Nothing {
                    self.skip = Skip::Garbage(start);
                }
                if found || self.input.eof {
                    return self.end_garbage().map(Err);
                }
                return None;
            }
            if let Some(e) = self.end_garbage() {
                return Some(Err(e));
            }
            let t = b1.unwrap_or(0);
            let plen = payload_len(t);
            if plen == 0 {
                self.input.pos = pos + 2;
                self.skip = Skip::Other;
                continue;
            }
            // Undo the escaping into a small array.
            let n = 7 + plen;
            let mut body = [0u8; 21];
            let mut k = 0;
            let mut j = pos + 2;
            let buf = self.input.buf();
            while k < n && j < len {
                let b = buf[j];
                if b == ESC {
                    match buf.get(j + 1) {
                        Some(&ESC) => j += 1,
                        Some(_) => break, // a new message starts inside this one
                        None if self.input.eof => break,
                        None => return None,
                    }
                }
                body[k] = b;
                k += 1;
                j += 1;
            }
            let start = self.input.offset(pos);
            if k < n {
                if j >= len && !self.input.eof {
                    return None;
                }
                // Cut short by the next message or by the end of input.
                let cut = if j < len { j } else { len };
                self.stats.bytes_dropped += (cut - pos) as u64;
                self.stats.count_error(ReadErrorKind::Truncated);
                self.input.pos = cut;
                return Some(Err(ReadError::new(At::Byte(start), ReadErrorKind::Truncated)));
            }
            self.input.pos = j;
            let end = self.input.offset(j);
            if let Some(r) = self.item(&body[..n], start, end) {
                return Some(r);
            }
        }
    }
}

impl BeastReader {
    /// Room for at least `min` more bytes of input, to read into straight (no copy, as
    /// [`Reader::feed`] makes); then [`BeastReader::commit`] the bytes written.
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        self.input.spare(min)
    }

    /// Takes the first `n` bytes written into [`BeastReader::spare`] as input, as
    /// [`Reader::feed`] does; with `arrival_utc` as [`Reader::feed_at`] does.
    pub fn commit(&mut self, n: usize, arrival_utc: Option<f64>) {
        let arrival = arrival_utc.filter(|_| self.stamper.arrival_mode());
        let n = self.input.commit(n, arrival);
        self.stats.bytes += n as u64;
    }
}

impl Reader for BeastReader {
    fn feed(&mut self, chunk: &[u8]) {
        self.stats.bytes += chunk.len() as u64;
        self.input.feed(chunk, None);
    }

    fn feed_at(&mut self, chunk: &[u8], arrival_utc: f64) {
        self.stats.bytes += chunk.len() as u64;
        let arrival = self.stamper.arrival_mode().then_some(arrival_utc);
        self.input.feed(chunk, arrival);
    }

    fn finish(&mut self) {
        self.input.eof = true;
    }

    #[inline(always)]
    fn next(&mut self) -> Option<Result<Received, ReadError>> {
        // The common case, read straight from the buffer: a frame message at the read
        // position, and no garbage or skipped message pending.
        if self.skip == Skip::Nothing {
            let pos = self.input.pos;
            let rest = self.input.rest();
            // Both lengths need 16 bytes; the start and type bytes are compared as one word.
            let head = rest.first_chunk::<16>().map(|m| u16::from_le_bytes([m[0], m[1]]));
            let (long, found) = match head {
                Some(LONG_START) => (true, scan::<14>(rest)),
                Some(SHORT_START) => (false, scan::<7>(rest)),
                _ => (false, Found::Other),
            };
            match found {
                Found::Plain(frame, raw, sig, len) => return self.emit(pos, len, frame, raw, sig),
                Found::Escaped if long => return self.next_escaped::<14>(pos),
                Found::Escaped => return self.next_escaped::<7>(pos),
                Found::Other => {}
            }
        }
        self.next_slow()
    }

    fn stats(&self) -> &ReaderStats {
        &self.stats
    }
}

/// Appends one Beast message, doubling every 0x1a after the type byte.
pub fn write_message(out: &mut Vec<u8>, type_byte: u8, timestamp: u64, signal: u8, payload: &[u8]) {
    out.reserve(2 + 2 * (7 + payload.len()));
    out.push(ESC);
    out.push(type_byte);
    let ts = (timestamp & crate::received::MASK48).to_be_bytes();
    for &b in ts[2..].iter().chain(std::iter::once(&signal)).chain(payload) {
        out.push(b);
        if b == ESC {
            out.push(ESC);
        }
    }
}

/// Appends a frame or Mode A/C item as a Beast message: the timestamp from its clock, the
/// signal byte from its level.
pub fn write_beast(out: &mut Vec<u8>, item: &Received) -> Result<(), WriteError> {
    let payload = payload_of(&item.what).ok_or(WriteError::NotAFrame)?;
    let type_byte = match payload.len() {
        2 => TYPE_MODE_AC,
        7 => TYPE_SHORT,
        _ => TYPE_LONG,
    };
    write_message(
        out,
        type_byte,
        item.clock.to_beast(),
        signal_byte(item.signal),
        payload,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::received::Clock;
    use picket_modes::Frame;

    fn read_all(r: &mut BeastReader, input: &[u8]) -> Vec<Result<Received, ReadError>> {
        r.feed(input);
        r.finish();
        std::iter::from_fn(|| r.next()).collect()
    }

    // The first two messages of traffic's sample_dump1090.bin (MIT); the second has an
    // escaped 0x1a in its timestamp.
    const SAMPLE: &[u8] = &[
        0x1a, 0x32, 0x00, 0x00, 0x15, 0xa8, 0x87, 0x7e, 0x0d, 0x20, 0x00, 0x0c, 0xa8, 0xf7, 0x0a,
        0xa7, //
        0x1a, 0x32, 0x00, 0x00, 0x15, 0xbe, 0x1a, 0x1a, 0x0c, 0x0f, 0x02, 0xe1, 0x8c, 0xa8, 0xf1, 0xd2, 0xed,
    ];

    #[test]
    fn reads_known_bytes_with_an_escaped_timestamp() {
        let mut r = BeastReader::new(ReaderConfig::starting(1000.0));
        let items = read_all(&mut r, SAMPLE);
        assert_eq!(items.len(), 2);
        let a = items[0].as_ref().unwrap();
        let b = items[1].as_ref().unwrap();
        assert_eq!(a.what, What::ModeS(Frame::from_hex("20000ca8f70aa7").unwrap()));
        assert_eq!(a.clock, Clock::Ticks12Mhz(0x15a8877e));
        assert_eq!(a.time_utc, 1000.0);
        assert_eq!(a.signal, rssi_of_signal_byte(0x0d));
        assert_eq!(b.what, What::ModeS(Frame::from_hex("02e18ca8f1d2ed").unwrap()));
        assert_eq!(b.clock, Clock::Ticks12Mhz(0x15be1a0c));
        assert_eq!(b.time_utc, 1000.0 + (0x15be1a0c - 0x15a8877e) as f64 / 12e6);
        assert_eq!(b.signal, rssi_of_signal_byte(0x0f));
        assert_eq!(r.stats().frames, 2);
        assert_eq!(r.stats().error_total(), 0);
    }

    #[test]
    fn writes_the_same_bytes_back() {
        let mut r = BeastReader::new(ReaderConfig::default());
        let mut out = Vec::new();
        for item in read_all(&mut r, SAMPLE) {
            write_beast(&mut out, &item.unwrap()).unwrap();
        }
        assert_eq!(out, SAMPLE);
    }

    #[test]
    fn signal_bytes_round_trip() {
        assert_eq!(rssi_of_signal_byte(0), None);
        assert_eq!(rssi_of_signal_byte(255), Some(0.0));
        for b in 0..=255u8 {
            assert_eq!(signal_byte(rssi_of_signal_byte(b)), b);
        }
        assert_eq!(signal_byte(Some(-200.0)), 1);
        assert_eq!(signal_byte(Some(3.0)), 255);
    }

    #[test]
    fn skips_garbage_and_status_and_reports_truncation() {
        let mut input = b"junk\x1a\x1a\x1aX".to_vec();
        input.extend_from_slice(&SAMPLE[..16]);
        // A status message with a doubled 0x1a inside.
        input.extend_from_slice(&[0x1a, b'4', 1, 2, 0x1a, 0x1a, 3, 4]);
        // A message cut short by the next one.
        input.extend_from_slice(&[0x1a, b'3', 0, 0, 1]);
        input.extend_from_slice(&SAMPLE[16..]);
        // A heartbeat, then a DF17 payload in a short message.
        input.extend_from_slice(&[0x1a, b'1', 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        input.extend_from_slice(&[
            0x1a, b'2', 0, 0, 0, 0, 0, 1, 0, 0x8d, 0x40, 0x6b, 0x90, 0x20, 0x15, 0xa6,
        ]);
        // Cut short by the end of input.
        input.extend_from_slice(&[0x1a, b'3', 0, 0]);
        let mut r = BeastReader::new(ReaderConfig::default());
        let got: Vec<_> = read_all(&mut r, &input)
            .into_iter()
            .map(|x| {
                x.map(|r| r.what.frame().map(|f| f.to_string()))
                    .map_err(|e| (e.at, e.kind))
            })
            .collect();
        assert_eq!(
            got,
            vec![
                Err((At::Byte(0), ReadErrorKind::Garbage)),
                Ok(Some("20000ca8f70aa7".to_string())),
                Err((At::Byte(32), ReadErrorKind::Truncated)),
                Ok(Some("02e18ca8f1d2ed".to_string())),
                Err((At::Byte(65), ReadErrorKind::BadFrame)),
                Err((At::Byte(81), ReadErrorKind::Truncated)),
            ]
        );
        let s = r.stats();
        assert_eq!(s.frames, 2);
        assert_eq!(s.other, 2);
        assert_eq!(s.bytes_dropped, 8 + 5 + 16 + 4);
        assert_eq!(s.bytes, input.len() as u64);
    }

    #[test]
    fn parses_stored_messages_escaped_or_not() {
        let m = parse_message(&[
            0x1a, 0x32, 0x00, 0x00, 0x15, 0xbe, 0x1a, 0x0c, 0x0f, 0x02, 0xe1, 0x8c, 0xa8, 0xf1, 0xd2, 0xed,
        ])
        .unwrap();
        assert_eq!(m.timestamp, 0x15be1a0c);
        let e = parse_message(&SAMPLE[16..]).unwrap();
        assert_eq!(e.timestamp, 0x15be1a0c);
        assert_eq!(e.signal, 0x0f);
        assert_eq!(parse_message(&SAMPLE[16..20]), Err(ReadErrorKind::Truncated));
        assert_eq!(parse_message(b"\x1a\x35abc"), Err(ReadErrorKind::Garbage));
    }

    #[test]
    fn gps_clocks_are_read_as_time_of_day() {
        let raw = (45296u64 << 30) | 250_000_000;
        let mut bytes = Vec::new();
        write_message(
            &mut bytes,
            TYPE_SHORT,
            raw,
            100,
            &[0x20, 0, 0x0c, 0xa8, 0xf7, 0x0a, 0xa7],
        );
        let start = 16497.0 * 86400.0 + 100.0;
        let cfg = ReaderConfig::starting(start).with_clock(crate::received::ClockKind::GpsTimeOfDay);
        let mut r = BeastReader::new(cfg);
        let item = read_all(&mut r, &bytes).remove(0).unwrap();
        assert_eq!(
            item.clock,
            Clock::GpsTimeOfDay {
                seconds: 45296,
                nanos: 250_000_000
            }
        );
        assert_eq!(item.time_utc, 16497.0 * 86400.0 + 45296.25);
    }

    #[test]
    fn escapes_anywhere_in_a_body_read_as_the_stored_message_says() {
        // Every body position of a short and a long message, alone and with a second 0x1a,
        // read whole and fed byte by byte, against `parse_message` (the CSV path).
        let short = [0x20, 0x00, 0x0c, 0xa8, 0xf7, 0x0a, 0xa7];
        let long = [
            0x8d, 0x40, 0x6b, 0x90, 0x20, 0x15, 0xa6, 0x78, 0xd4, 0xd2, 0x20, 0xaa, 0x4b, 0xda,
        ];
        let mut cases = Vec::new();
        for payload in [&short[..], &long[..]] {
            let n = 7 + payload.len();
            for i in 0..n {
                for j in [None, Some((i + 5) % n), Some(n - 1)] {
                    let mut body = vec![0x00, 0x00, 0x15, 0xa8, 0x87, 0x7e, 0x0d];
                    body.extend_from_slice(payload);
                    body[i] = ESC;
                    if let Some(j) = j {
                        body[j] = ESC;
                    }
                    cases.push((if n == 14 { TYPE_SHORT } else { TYPE_LONG }, body));
                }
            }
        }
        let mut stream = Vec::new();
        let mut want = Vec::new();
        for (t, body) in &cases {
            let mut stored = vec![ESC, *t];
            stored.extend_from_slice(body);
            let at = stream.len() as u64;
            write_message(&mut stream, *t, be48(body), body[6], &body[7..]);
            want.push(match parse_message(&stored) {
                Ok(m) => Ok((m.what, m.signal, m.timestamp)),
                Err(kind) => Err((At::Byte(at), kind)),
            });
        }
        // A frame after them, so the last one is not at the end of the input.
        write_message(&mut stream, TYPE_SHORT, 1, 1, &short);
        let view = |x: Result<Received, ReadError>| {
            x.map(|r| (r.what, signal_byte(r.signal), r.clock.to_beast()))
                .map_err(|e| (e.at, e.kind))
        };
        let mut whole = BeastReader::new(ReaderConfig::default());
        let got: Vec<_> = read_all(&mut whole, &stream).into_iter().map(view).collect();
        assert_eq!(&got[..want.len()], &want[..]);
        assert_eq!(got.len(), want.len() + 1);
        assert!(want.iter().any(Result::is_err) && want.iter().filter(|w| w.is_ok()).count() > 100);
        let mut bytewise = BeastReader::new(ReaderConfig::default());
        let mut got2 = Vec::new();
        for b in &stream {
            bytewise.feed(std::slice::from_ref(b));
            got2.extend(std::iter::from_fn(|| bytewise.next()).map(view));
        }
        bytewise.finish();
        got2.extend(std::iter::from_fn(|| bytewise.next()).map(view));
        assert_eq!(got2, got);
        assert_eq!(bytewise.stats(), whole.stats());
    }

    #[test]
    fn live_items_take_the_arrival_of_the_chunk_that_completes_them() {
        let mut r = BeastReader::new(ReaderConfig::live());
        r.feed_at(&SAMPLE[..20], 5.0);
        r.feed_at(&SAMPLE[20..], 6.0);
        let a = r.next().unwrap().unwrap();
        let b = r.next().unwrap().unwrap();
        assert!(r.next().is_none());
        assert_eq!((a.time_utc, b.time_utc), (5.0, 6.0));
    }
}
