//! JSON lines: the reader and the writer.
//!
//! The reader takes a stream of JSON objects: one per line (JSON lines), pretty-printed over
//! many lines (a whole readsb `aircraft.json`), or elements of a top-level array. Each
//! object is:
//! - a **frame** when it has `frame` (hex): picket's own lines (`time`, `frame`, `rssi`,
//!   `receiver`, `clock`, `gps_tod`) and jet1090's (`timestamp`, `frame`, and decoded fields
//!   that are ignored; jet1090 writes a 56-bit frame as 28 hex digits, the frame then 7
//!   bytes left over from its buffer: those are dropped and counted in `frames_trimmed`);
//! - an **observation** when it has `hex` instead, in the field dictionary (readsb names);
//! - a readsb **snapshot** when it has an `aircraft` array: one observation per aircraft;
//! - an OpenSky / `traffic` **record** when it has `icao24` (pandas JSON, "records" orient,
//!   or a whole document in "columns" orient: one observation per row), translated to the
//!   field dictionary by [`records`](crate::records).
//!
//! Times: `time`, else `timestamp`, else `now` (readsb; in a snapshot the document's), less
//! `seen` (readsb: seconds since the aircraft was last heard) when present; an object with
//! none of these takes the reader's time base. readsb writes `"alt_baro": "ground"` for an
//! aircraft on the ground: that reads as `on_ground: true`.
//!
//! Resynchronisation: text between objects that is not JSON is skipped a line at a time; an
//! object broken off (a raw newline inside a string, or a `{` at the start of a line while
//! an object is still open) is reported and reading restarts there.

use crate::error::{At, ReadError, ReadErrorKind, ReaderStats, WriteError};
use crate::fields as f;
use crate::hex::{payload_of, what_from_hex};
use crate::input::Input;
use crate::json::JsonObject;
use crate::observation::{
    parse_hex_address, parse_squawk, squawk_digits, Emergency, Observation, ObservationSource,
};
use crate::reader::{count_item, Reader, ReaderConfig, Stamper};
use crate::received::{Clock, Received, What};
use crate::records;
use crate::time::{parse_time, plausible_time};
use serde_json::{Map, Value};
use std::collections::VecDeque;

/// Largest JSON value accepted (a readsb aircraft.json of a busy site is a few MB).
const MAX_VALUE: usize = 64 * 1024 * 1024;

/// What the splitter found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Split {
    /// A complete top-level object: `buf[start..end]`, starting on `line`.
    Value { start: usize, end: usize, line: u64 },
    /// A line of text that is not JSON was skipped.
    Garbage { line: u64 },
    /// An object was broken off (or cut by the end of input).
    Broken { line: u64, kind: ReadErrorKind },
}

/// Finds complete top-level JSON objects in the input, incrementally.
#[derive(Debug, Default)]
struct Splitter {
    input: Input,
    /// Line of the byte at the scan position (1-based).
    line: u64,
    /// Offset from `input.pos` where scanning resumes.
    scan: usize,
    /// An object is open: its first line.
    open: Option<u64>,
    depth: u32,
    in_string: bool,
    escape: bool,
    prev: u8,
    /// Skipping a line of garbage that started on this line.
    garbage: Option<u64>,
    /// Skipping after a too-long object, up to the next `{` at the start of a line.
    resync: bool,
}

impl Splitter {
    fn next(&mut self) -> Option<Split> {
        if self.line == 0 {
            self.line = 1;
        }
        // The fields, not `buf()`: the position changes while the bytes are read.
        let buf = &self.input.store[..self.input.end];
        let mut i = self.input.pos + self.scan;
        while i < buf.len() {
            let c = buf[i];
            let prev = self.prev;
            self.prev = c;
            if self.resync {
                if c == b'{' && prev == b'\n' {
                    self.resync = false;
                    self.prev = 0;
                    self.input.pos = i;
                    self.scan = 0;
                    continue;
                }
                if c == b'\n' {
                    self.line += 1;
                }
                i += 1;
                continue;
            }
            if let Some(line) = self.garbage {
                if c == b'\n' {
                    self.line += 1;
                    self.garbage = None;
                    self.input.pos = i + 1;
                    self.scan = 0;
                    return Some(Split::Garbage { line });
                }
                i += 1;
                continue;
            }
            match self.open {
                None => match c {
                    b'\n' => {
                        self.line += 1;
                        i += 1;
                    }
                    b' ' | b'\t' | b'\r' | b',' | b'[' | b']' => i += 1,
                    // A byte order mark before the first value.
                    0xEF | 0xBB | 0xBF if self.input.offset(i) < 3 => i += 1,
                    b'{' => {
                        self.input.pos = i;
                        self.open = Some(self.line);
                        self.depth = 1;
                        self.in_string = false;
                        self.escape = false;
                        i += 1;
                    }
                    _ => {
                        self.garbage = Some(self.line);
                        i += 1;
                    }
                },
                Some(line) => {
                    if self.in_string {
                        if self.escape {
                            self.escape = false;
                        } else if c == b'\\' {
                            self.escape = true;
                        } else if c == b'"' {
                            self.in_string = false;
                        } else if c == b'\n' {
                            // JSON strings hold no raw newline: this object was cut off.
                            self.open = None;
                            self.input.pos = i;
                            self.scan = 0;
                            self.prev = 0;
                            return Some(Split::Broken {
                                line,
                                kind: ReadErrorKind::BadJson,
                            });
                        }
                    } else {
                        match c {
                            b'"' => self.in_string = true,
                            b'{' if prev == b'\n' => {
                                // A new object at the start of a line: the open one was
                                // cut off (pretty-printed documents indent inner objects).
                                self.open = None;
                                self.input.pos = i;
                                self.scan = 0;
                                self.prev = b'\n';
                                return Some(Split::Broken {
                                    line,
                                    kind: ReadErrorKind::BadJson,
                                });
                            }
                            b'{' | b'[' => self.depth += 1,
                            b'}' | b']' => {
                                self.depth -= 1;
                                if self.depth == 0 {
                                    self.open = None;
                                    let start = self.input.pos;
                                    self.input.pos = i + 1;
                                    self.scan = 0;
                                    return Some(Split::Value {
                                        start,
                                        end: i + 1,
                                        line,
                                    });
                                }
                            }
                            b'\n' => self.line += 1,
                            _ => {}
                        }
                    }
                    i += 1;
                    if i - self.input.pos > MAX_VALUE {
                        self.open = None;
                        self.resync = true;
                        self.input.pos = i;
                        self.scan = 0;
                        return Some(Split::Broken {
                            line,
                            kind: ReadErrorKind::TooLong,
                        });
                    }
                }
            }
        }
        // Out of input: keep an open object, drop what was skipped.
        if self.open.is_some() {
            self.scan = i - self.input.pos;
        } else {
            self.input.pos = i;
            self.scan = 0;
        }
        if self.input.eof {
            if let Some(line) = self.open.take() {
                self.input.pos = buf.len();
                self.scan = 0;
                return Some(Split::Broken {
                    line,
                    kind: ReadErrorKind::Truncated,
                });
            }
            if let Some(line) = self.garbage.take() {
                return Some(Split::Garbage { line });
            }
        }
        None
    }
}

/// Incremental reader of JSON lines and readsb JSON documents.
#[derive(Debug)]
pub struct JsonlReader {
    split: Splitter,
    stats: ReaderStats,
    stamper: Stamper,
    receiver: u16,
    queue: VecDeque<Result<Received, ReadError>>,
}

impl JsonlReader {
    /// A reader with the given time base (for objects without a time) and receiver id.
    pub fn new(config: ReaderConfig) -> JsonlReader {
        JsonlReader {
            split: Splitter::default(),
            stats: ReaderStats::default(),
            stamper: Stamper::new(&config),
            receiver: config.receiver,
            queue: VecDeque::new(),
        }
    }

    fn error(&mut self, line: u64, kind: ReadErrorKind) -> ReadError {
        self.stats.lines_dropped += 1;
        self.stats.count_error(kind);
        ReadError::new(At::Line(line), kind)
    }

    /// Turns one object into items (queued), or an error.
    fn handle(&mut self, bytes: &[u8], line: u64, arrival: f64) -> Result<(), ReadErrorKind> {
        let value: Value = serde_json::from_slice(bytes).map_err(|_| ReadErrorKind::BadJson)?;
        let Value::Object(map) = value else {
            return Err(ReadErrorKind::BadJson);
        };
        if let Some(Value::Array(aircraft)) = map.get(f::READSB_AIRCRAFT) {
            let now = map.get(f::READSB_NOW).and_then(Value::as_f64);
            for a in aircraft {
                let item = match a {
                    Value::Object(m) => self.observation(m, now, arrival),
                    _ => Err(ReadErrorKind::BadField),
                };
                let item = match item {
                    Ok(r) => {
                        count_item(&mut self.stats, &r.what);
                        Ok(r)
                    }
                    Err(kind) => Err(self.error(line, kind)),
                };
                self.queue.push_back(item);
            }
            self.stats.other += u64::from(aircraft.is_empty());
            return Ok(());
        }
        if records::is_columns(&map) {
            // A whole trajectory in pandas "columns" orient: one observation per row.
            let rows = records::rows_of_columns(&map);
            self.stats.other += u64::from(rows.is_empty());
            for row in rows {
                let item = match self.observation(&records::to_dictionary(&row), None, arrival) {
                    Ok(r) => {
                        count_item(&mut self.stats, &r.what);
                        Ok(r)
                    }
                    Err(kind) => Err(self.error(line, kind)),
                };
                self.queue.push_back(item);
            }
            return Ok(());
        }
        let r = if map.contains_key(f::FRAME) {
            self.frame(&map, arrival)?
        } else if records::is_record(&map) {
            self.observation(&records::to_dictionary(&map), None, arrival)?
        } else if map.contains_key(f::HEX) {
            self.observation(&map, None, arrival)?
        } else {
            return Err(ReadErrorKind::MissingField);
        };
        count_item(&mut self.stats, &r.what);
        self.queue.push_back(Ok(r));
        Ok(())
    }

    /// The absolute time an object carries, if any.
    fn own_time(map: &Map<String, Value>, now: Option<f64>) -> Result<Option<f64>, ReadErrorKind> {
        let t = [f::TIME, f::JET1090_TIMESTAMP, f::READSB_NOW]
            .iter()
            .find_map(|k| map.get(*k));
        let t = match t {
            // A time far outside the plausible range (`"now": 1e300`) places nothing.
            Some(Value::Number(n)) => Some(
                n.as_f64()
                    .filter(|t| plausible_time(*t))
                    .ok_or(ReadErrorKind::BadTime)?,
            ),
            Some(Value::String(s)) => Some(parse_time(s).ok_or(ReadErrorKind::BadTime)?),
            Some(_) => return Err(ReadErrorKind::BadTime),
            None => now,
        };
        // readsb's `seen`: seconds before `now` (a day at most is plausible).
        let seen = map
            .get(f::READSB_SEEN)
            .and_then(Value::as_f64)
            .filter(|s| (0.0..=86_400.0).contains(s));
        Ok(t.filter(|t| t.is_finite()).map(|t| t - seen.unwrap_or(0.0)))
    }

    fn frame(&mut self, map: &Map<String, Value>, arrival: f64) -> Result<Received, ReadErrorKind> {
        let Some(Value::String(hex)) = map.get(f::FRAME) else {
            return Err(ReadErrorKind::BadField);
        };
        let what = match what_from_hex(hex.as_bytes()) {
            // jet1090 writes every frame from a 14-byte buffer: a 56-bit frame comes with 7
            // trailing bytes that are not part of it.
            Err(ReadErrorKind::BadFrame) if hex.len() == 28 => {
                self.stats.frames_trimmed += 1;
                what_from_hex(&hex.as_bytes()[..14])?
            }
            r => r?,
        };
        let clock = match (
            map.get(f::CLOCK).and_then(Value::as_u64),
            map.get(f::GPS_TOD).and_then(Value::as_f64),
        ) {
            (Some(t), _) => Clock::Ticks12Mhz(t & crate::received::MASK48),
            (None, Some(tod)) if (0.0..262_144.0).contains(&tod) => {
                let seconds = tod.floor();
                let nanos = ((tod - seconds) * 1e9).round().min(999_999_999.0);
                Clock::GpsTimeOfDay {
                    seconds: seconds as u32,
                    nanos: nanos as u32,
                }
            }
            _ => Clock::None,
        };
        let time_utc = match Self::own_time(map, None)? {
            Some(t) => self.stamper.absolute(t),
            None if clock != Clock::None => self.stamper.counter(clock.to_beast(), arrival),
            None => self.stamper.fallback(arrival),
        };
        let signal = map
            .get(f::RSSI)
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite())
            .map(|v| v as f32);
        let receiver = map
            .get(f::RECEIVER)
            .and_then(Value::as_u64)
            .and_then(|r| u16::try_from(r).ok())
            .unwrap_or(self.receiver);
        Ok(Received {
            time_utc,
            clock,
            signal,
            receiver,
            what,
        })
    }

    fn observation(
        &mut self,
        map: &Map<String, Value>,
        now: Option<f64>,
        arrival: f64,
    ) -> Result<Received, ReadErrorKind> {
        let hex = match map.get(f::HEX) {
            Some(Value::String(s)) => parse_hex_address(s.trim()).ok_or(ReadErrorKind::BadField)?,
            Some(_) => return Err(ReadErrorKind::BadField),
            None => return Err(ReadErrorKind::MissingField),
        };
        let time_utc = match Self::own_time(map, now)? {
            Some(t) => self.stamper.absolute(t),
            None => self.stamper.fallback(arrival),
        };
        let mut o = Observation::new(hex.0, ObservationSource::JsonState);
        o.non_icao = hex.1;
        let mut get = Getter { map, ignored: 0 };
        o.flight = get.string(f::FLIGHT);
        match map.get(f::ALT_BARO) {
            Some(Value::String(s)) if s == "ground" => o.on_ground = Some(true),
            _ => o.alt_baro = get.int(f::ALT_BARO),
        }
        o.alt_geom = get.int(f::ALT_GEOM);
        o.gs = get.float(f::GS).map(|v| v as f32);
        o.ias = get.int(f::IAS);
        o.tas = get.int(f::TAS);
        o.mach = get.float(f::MACH).map(|v| v as f32);
        o.track = get.float(f::TRACK).map(|v| v as f32);
        o.mag_heading = get.float(f::MAG_HEADING).map(|v| v as f32);
        o.true_heading = get.float(f::TRUE_HEADING).map(|v| v as f32);
        o.baro_rate = get.int(f::BARO_RATE);
        o.geom_rate = get.int(f::GEOM_RATE);
        o.squawk = get.string(f::SQUAWK).and_then(|s| get.check(parse_squawk(&s)));
        o.emergency = get
            .string(f::EMERGENCY)
            .and_then(|s| get.check(Emergency::from_name(&s)));
        o.category = get.string(f::CATEGORY);
        o.lat = get.float(f::LAT);
        o.lon = get.float(f::LON);
        if let Some(g) = get.flag(f::ON_GROUND) {
            o.on_ground = Some(g);
        }
        o.alert = get.flag(f::ALERT);
        o.spi = get.flag(f::SPI);
        o.nic = get.int(f::NIC);
        o.nac_p = get.int(f::NAC_P);
        o.sil = get.int(f::SIL);
        o.version = get.int(f::VERSION);
        o.rssi = get.float(f::RSSI).map(|v| v as f32);
        o.registration = get
            .string(f::READSB_REGISTRATION)
            .or_else(|| get.string(f::REGISTRATION));
        // picket writes `type`; readsb's `type` is the kind of address ("adsb_icao"): only a
        // designator-like value is a type, from `t` as from `type`, so that what is read
        // writes back and reads again the same (found by fuzzing).
        let designator =
            |t: &String| t.len() <= 4 && t.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        o.type_code = get
            .string(f::READSB_TYPE)
            .filter(designator)
            .or_else(|| get.string(f::TYPE).filter(designator));
        o.db_flags = get.int(f::DB_FLAGS);
        // Values out of their plausible range (`gs: -5`, `track: 99999`, `lat: 1000`).
        self.stats.fields_ignored += get.ignored + u64::from(o.drop_implausible());
        Ok(Received {
            time_utc,
            clock: Clock::None,
            signal: o.rssi,
            receiver: self.receiver,
            what: What::Observation(Box::new(o)),
        })
    }
}

/// Reads optional members, counting the ones of the wrong type.
struct Getter<'a> {
    map: &'a Map<String, Value>,
    ignored: u64,
}

impl Getter<'_> {
    fn check<T>(&mut self, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.ignored += 1;
        }
        v
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.map.get(key)? {
            Value::String(s) => {
                let t = s.trim();
                (!t.is_empty()).then(|| t.to_string())
            }
            _ => self.check(None),
        }
    }

    fn float(&mut self, key: &str) -> Option<f64> {
        let v = self.map.get(key)?.as_f64().filter(|v| v.is_finite());
        self.check(v)
    }

    fn int<T: TryFrom<i64>>(&mut self, key: &str) -> Option<T> {
        let v = self.map.get(key)?;
        let n = v.as_i64().or_else(|| {
            v.as_f64()
                .filter(|x| x.is_finite() && x.abs() < 9e15)
                .map(|x| x.round() as i64)
        });
        let v = n.and_then(|n| T::try_from(n).ok());
        self.check(v)
    }

    fn flag(&mut self, key: &str) -> Option<bool> {
        let v = match self.map.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            _ => None,
        };
        self.check(v)
    }
}

impl JsonlReader {
    /// Room for at least `min` more bytes of input, to read into straight (no copy, as
    /// [`Reader::feed`] makes); then [`JsonlReader::commit`] the bytes written.
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        self.split.input.spare(min)
    }

    /// Takes the first `n` bytes written into [`JsonlReader::spare`] as input, as
    /// [`Reader::feed`] does; with `arrival_utc` as [`Reader::feed_at`] does.
    pub fn commit(&mut self, n: usize, arrival_utc: Option<f64>) {
        let arrival = arrival_utc.filter(|_| self.stamper.arrival_mode());
        let n = self.split.input.commit(n, arrival);
        self.stats.bytes += n as u64;
    }
}

impl Reader for JsonlReader {
    fn feed(&mut self, chunk: &[u8]) {
        self.stats.bytes += chunk.len() as u64;
        self.split.input.feed(chunk, None);
    }

    fn feed_at(&mut self, chunk: &[u8], arrival_utc: f64) {
        self.stats.bytes += chunk.len() as u64;
        let arrival = self.stamper.arrival_mode().then_some(arrival_utc);
        self.split.input.feed(chunk, arrival);
    }

    fn finish(&mut self) {
        self.split.input.eof = true;
    }

    fn next(&mut self) -> Option<Result<Received, ReadError>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            let ev = self.split.next();
            let partial = self.split.input.eof && self.stats.bytes > 0 && self.split.prev != b'\n';
            self.stats.lines = self.split.line.saturating_sub(1) + u64::from(partial);
            match ev? {
                Split::Value { start, end, line } => {
                    let arrival = self.split.input.arrival_for(self.split.input.offset(end));
                    // The bytes stay valid until the next feed: copy nothing, parse in place.
                    let bytes = self.split.input.take_store();
                    let r = self.handle(&bytes[start..end], line, arrival);
                    self.split.input.put_back(bytes);
                    if let Err(kind) = r {
                        return Some(Err(self.error(line, kind)));
                    }
                }
                Split::Garbage { line } => return Some(Err(self.error(line, ReadErrorKind::Garbage))),
                Split::Broken { line, kind } => return Some(Err(self.error(line, kind))),
            }
        }
    }

    fn stats(&self) -> &ReaderStats {
        &self.stats
    }
}

/// Writes an observation's values as members of `obj`, in the field dictionary: `hex`
/// first, absent values left out (the caller writes `time`).
pub fn write_observation_fields(obj: &mut JsonObject<'_>, o: &Observation) {
    if o.non_icao {
        obj.display(f::HEX, format_args!("~{:06x}", o.hex.0 & 0xFF_FFFF));
    } else {
        obj.display(f::HEX, format_args!("{:06x}", o.hex.0 & 0xFF_FFFF));
    }
    obj.opt_str(f::FLIGHT, o.flight.as_deref())
        .opt_num(f::ALT_BARO, o.alt_baro)
        .opt_num(f::ALT_GEOM, o.alt_geom)
        .opt_num(f::GS, o.gs)
        .opt_num(f::IAS, o.ias)
        .opt_num(f::TAS, o.tas)
        .opt_num(f::MACH, o.mach)
        .opt_num(f::TRACK, o.track)
        .opt_num(f::MAG_HEADING, o.mag_heading)
        .opt_num(f::TRUE_HEADING, o.true_heading)
        .opt_num(f::BARO_RATE, o.baro_rate)
        .opt_num(f::GEOM_RATE, o.geom_rate);
    if let Some(s) = o.squawk {
        let d = squawk_digits(s);
        obj.str(f::SQUAWK, std::str::from_utf8(&d).unwrap_or("0000"));
    }
    obj.opt_str(f::EMERGENCY, o.emergency.map(Emergency::name))
        .opt_str(f::CATEGORY, o.category.as_deref())
        .opt_num(f::LAT, o.lat)
        .opt_num(f::LON, o.lon)
        .opt_bool(f::ON_GROUND, o.on_ground)
        .opt_bool(f::ALERT, o.alert)
        .opt_bool(f::SPI, o.spi)
        .opt_num(f::NIC, o.nic)
        .opt_num(f::NAC_P, o.nac_p)
        .opt_num(f::SIL, o.sil)
        .opt_num(f::VERSION, o.version)
        .opt_num(f::RSSI, o.rssi)
        .opt_str(f::REGISTRATION, o.registration.as_deref())
        .opt_str(f::TYPE, o.type_code.as_deref())
        .opt_num(f::DB_FLAGS, o.db_flags);
}

/// Writes the item-level members of a frame: `time`, `frame`, then `rssi`, `receiver`
/// (when not 0), `clock` or `gps_tod` when present. Returns false for an observation.
pub fn write_frame_fields(obj: &mut JsonObject<'_>, item: &Received) -> bool {
    let Some(payload) = payload_of(&item.what) else {
        return false;
    };
    obj.num(f::TIME, item.time_utc)
        .hex(f::FRAME, payload)
        .opt_num(f::RSSI, item.signal);
    if item.receiver != 0 {
        obj.num(f::RECEIVER, item.receiver);
    }
    match item.clock {
        Clock::None => {}
        Clock::Ticks12Mhz(t) => {
            obj.num(f::CLOCK, t);
        }
        Clock::GpsTimeOfDay { seconds, nanos } => {
            obj.num(f::GPS_TOD, f64::from(seconds) + f64::from(nanos) * 1e-9);
        }
    }
    true
}

/// Appends one JSON line: a frame as `{"time":..,"frame":"..",..}`, an observation as
/// `{"time":..,"hex":"..",..}` in the field dictionary.
pub fn write_json_line(out: &mut String, item: &Received) -> Result<(), WriteError> {
    {
        let mut obj = JsonObject::new(out);
        if !write_frame_fields(&mut obj, item) {
            if let What::Observation(o) = &item.what {
                obj.num(f::TIME, item.time_utc);
                write_observation_fields(&mut obj, o);
            }
        }
    }
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{read_all, Got};
    use picket_modes::{Frame, Icao};

    fn read(text: &str, cfg: ReaderConfig) -> (Vec<Got>, JsonlReader) {
        let mut r = JsonlReader::new(cfg);
        let v = read_all(&mut r, text.as_bytes());
        (v, r)
    }

    #[test]
    fn implausible_times_and_values_are_refused_and_counted() {
        let text = "{\"now\":1e300,\"hex\":\"4ca123\",\"gs\":400}\n\
                    {\"time\":-5,\"frame\":\"5d4ca7f9a0b84b\"}\n\
                    {\"time\":\"2150-01-01T00:00:00Z\",\"hex\":\"4ca123\"}\n\
                    {\"now\":1565290000,\"hex\":\"4ca123\",\"gs\":-5,\"track\":99999,\"lat\":1000,\"lon\":2.5,\"alt_baro\":9000000,\"mach\":0.8}\n";
        let (items, r) = read(text, ReaderConfig::default());
        let errs: Vec<_> = items.iter().filter_map(|x| x.as_ref().err().copied()).collect();
        assert_eq!(
            errs,
            vec![
                (1, ReadErrorKind::BadTime),
                (2, ReadErrorKind::BadTime),
                (3, ReadErrorKind::BadTime)
            ]
        );
        assert_eq!(r.stats().errors(ReadErrorKind::BadTime), 3);
        let o = items[3].as_ref().unwrap().what.observation().unwrap();
        assert_eq!((o.gs, o.track, o.lat, o.alt_baro), (None, None, None, None));
        assert_eq!((o.lon, o.mach), (Some(2.5), Some(0.8)));
        assert_eq!(r.stats().fields_ignored, 4);
    }

    #[test]
    fn reads_jet1090_and_picket_frame_lines() {
        // The first line of traffic's full_flight_short.jsonl (rs1090's decode left out).
        let text = "{\"timestamp\":1720248189.525094,\"frame\":\"8f393322384a02aea63afc43dcba\",\"df\":\"17\"}\n\
                    {\"time\":1.5,\"frame\":\"5d4ca7f9a0b84b\",\"rssi\":-12.5,\"receiver\":3,\"clock\":1234}\n\
                    {\"time\":2.5,\"frame\":\"7700\",\"gps_tod\":45296.25}\n";
        let (items, r) = read(text, ReaderConfig::default());
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.time_utc, 1720248189.525094);
        assert_eq!(
            a.what,
            What::ModeS(Frame::from_hex("8f393322384a02aea63afc43dcba").unwrap())
        );
        let b = items[1].as_ref().unwrap();
        assert_eq!(
            (b.signal, b.receiver, b.clock),
            (Some(-12.5), 3, Clock::Ticks12Mhz(1234))
        );
        let c = items[2].as_ref().unwrap();
        assert_eq!(c.what, What::ModeAc([0x77, 0]));
        assert_eq!(
            c.clock,
            Clock::GpsTimeOfDay {
                seconds: 45296,
                nanos: 250_000_000
            }
        );
        assert_eq!((r.stats().frames, r.stats().mode_ac, r.stats().lines), (2, 1, 3));
        // A DF4 from full_flight_short.jsonl: 7 bytes of frame, 7 left over.
        let (items, r) = read(
            "{\"timestamp\":1720248190.012853,\"frame\":\"212800bf40f1ef7e5817e9cc428d\"}",
            ReaderConfig::default(),
        );
        assert_eq!(
            items[0].as_ref().unwrap().what,
            What::ModeS(Frame::from_hex("212800bf40f1ef").unwrap())
        );
        assert_eq!(r.stats().frames_trimmed, 1);
    }

    #[test]
    fn reads_readsb_states_lines_and_snapshots() {
        // Shapes from sdre-rust-adsb-parser's readsb test data (values shortened).
        let text = r#"{"now" : 1704737598.122,"hex":"c01049","flight":"ACA932  ","r":"C-FGEI","t":"B789","alt_baro":39000,"track":150.02,"squawk":"d276","lat":37.516867,"lon":-108.917621,"nic":0,"seen":0.1,"rssi":-49.5},
{"hex":"aa6abc","alt_baro":"ground","squawk":"7227","emergency":"none","category":"A2","dbFlags":8,"type":"adsb_icao"},
{
  "now": 1700513836.875,
  "messages": 11329251,
  "aircraft": [
    {
      "hex": "a3e31a",
      "flight": "N35GR   ",
      "alt_baro": 45000,
      "gs": 489.0,
      "mlat": [],
      "seen": 0.875
    },
    {
      "hex": "~0e86c5",
      "seen": 0.6
    },
    { "nohex": 1 }
  ]
}
"#;
        let (items, r) = read(text, ReaderConfig::starting(1000.0));
        assert_eq!(items.len(), 5);
        let o = |i: usize| items[i].as_ref().unwrap().what.observation().unwrap().clone();
        let a = o(0);
        assert_eq!(items[0].as_ref().unwrap().time_utc, 1704737598.122 - 0.1);
        assert_eq!(a.hex, Icao(0xc01049));
        assert_eq!(a.flight.as_deref(), Some("ACA932"));
        assert_eq!(a.registration.as_deref(), Some("C-FGEI"));
        assert_eq!(a.type_code.as_deref(), Some("B789"));
        assert_eq!((a.alt_baro, a.squawk, a.nic), (Some(39000), None, Some(0)));
        assert_eq!(a.rssi, Some(-49.5));
        let b = o(1);
        assert_eq!(items[1].as_ref().unwrap().time_utc, 1704737598.122 - 0.1); // no time: the last
        assert_eq!(
            (b.on_ground, b.alt_baro, b.squawk),
            (Some(true), None, Some(0o7227))
        );
        assert_eq!(
            (b.emergency, b.db_flags, b.type_code.as_deref()),
            (Some(Emergency::None), Some(8), None)
        );
        let c = o(2);
        assert_eq!(items[2].as_ref().unwrap().time_utc, 1700513836.0);
        assert_eq!((c.alt_baro, c.gs), (Some(45000), Some(489.0)));
        let d = o(3);
        assert!(d.non_icao);
        assert_eq!(items[4], Err((3, ReadErrorKind::MissingField)));
        assert_eq!(r.stats().observations, 4);
        assert_eq!(r.stats().fields_ignored, 1); // the squawk "d276"
    }

    #[test]
    fn resynchronises_after_broken_objects_and_garbage() {
        let text = "garbage line\n{\"frame\":\"5d4ca7f9a0b84b\"\n{\"frame\":\"5d4ca7f9a0b84b\"}\n\
                    {\"frame\":\"5d4c\nxx\n{\"frame\":\"5d4ca7f9a0b84\"}\n[1]\n{\"time\":1}\n{\"frame\":";
        let (items, r) = read(text, ReaderConfig::default());
        let got: Vec<_> = items
            .iter()
            .map(|x| x.as_ref().map(|_| ()).map_err(|e| *e))
            .collect();
        assert_eq!(
            got,
            vec![
                Err((1, ReadErrorKind::Garbage)),
                Err((2, ReadErrorKind::BadJson)),
                Ok(()),
                Err((4, ReadErrorKind::BadJson)),
                Err((5, ReadErrorKind::Garbage)),
                Err((6, ReadErrorKind::BadLength)),
                Err((7, ReadErrorKind::Garbage)),
                Err((8, ReadErrorKind::MissingField)),
                Err((9, ReadErrorKind::Truncated)),
            ]
        );
        assert_eq!(r.stats().frames, 1);
    }

    #[test]
    fn writes_frames_and_observations() {
        let frame = Received {
            time_utc: 1720248189.525094,
            clock: Clock::Ticks12Mhz(1234),
            signal: Some(-12.5),
            receiver: 2,
            what: What::ModeS(Frame::from_hex("5d4ca7f9a0b84b").unwrap()),
        };
        let mut o = Observation::new(Icao(0x0e86c5), ObservationSource::Sbs);
        o.non_icao = true;
        o.flight = Some("N35GR".into());
        o.squawk = Some(0o0012);
        o.on_ground = Some(true);
        o.gs = Some(0.1);
        let obs = Received {
            time_utc: 5.0,
            clock: Clock::None,
            signal: None,
            receiver: 0,
            what: What::Observation(Box::new(o)),
        };
        let mut s = String::new();
        write_json_line(&mut s, &frame).unwrap();
        write_json_line(&mut s, &obs).unwrap();
        assert_eq!(
            s,
            "{\"time\":1720248189.525094,\"frame\":\"5d4ca7f9a0b84b\",\"rssi\":-12.5,\"receiver\":2,\"clock\":1234}\n\
             {\"time\":5,\"hex\":\"~0e86c5\",\"flight\":\"N35GR\",\"gs\":0.1,\"squawk\":\"0012\",\"on_ground\":true}\n"
        );
        let (items, _) = read(&s, ReaderConfig::default());
        assert_eq!(items[0].as_ref().unwrap(), &frame);
        let back = items[1].as_ref().unwrap();
        let mut want = obs.clone();
        if let What::Observation(o) = &mut want.what {
            o.source = ObservationSource::JsonState;
        }
        assert_eq!(back, &want);
    }
}
