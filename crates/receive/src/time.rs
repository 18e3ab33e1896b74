//! Time at the edge (docs/time.md): the time base a reader is given, the conversion of
//! receiver clocks to UTC, and picket's one vocabulary of dates and durations: the one
//! date-time reader (strict RFC 3339 for flags, configuration and scenarios
//! ([`parse_rfc3339`]); the shapes data files use, on the same code ([`parse_time`])), and
//! the one duration grammar ([`parse_duration`]: `90s`, `15m`, `1h15m`, `2d`, `500ms`), and
//! the one writer of data times ([`format_utc`]).

use crate::received::{Clock, ClockKind, MASK48};

/// How a reader assigns `time_utc` to items whose format has no absolute time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeBase {
    /// Live input: every item gets the arrival time passed with the chunk that completed it
    /// ([`crate::Reader::feed_at`]).
    Arrival,
    /// Files without dates: Unix seconds UTC of the first item. 12 MHz counters count from
    /// it; GPS times of day count from UTC midnight of its day.
    Start(f64),
}

/// The default start for dateless files: 2000-01-01T00:00:00Z, obviously not a real date.
pub const DEFAULT_START: f64 = 946_684_800.0;

/// Seconds in a UTC day.
const DAY: f64 = 86_400.0;

/// Readsb marks frames synthesised from a multilateration result with this timestamp
/// ("\xFF\x00MLAT"); it is no reading of the receiver's clock.
const MAGIC_MLAT: u64 = 0xFF00_4D4C_4154;
/// The same mark for frames made from UAT messages.
const MAGIC_UAT: u64 = 0xFF00_4D4C_4155;

/// Turns a receiver's 48-bit timestamps into UTC from a start time (the `Start` time base).
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    start: f64,
    kind: ClockKind,
    /// 12 MHz: the last raw counter and the ticks since the first one, widened past the
    /// 48-bit wrap.
    last_raw: Option<u64>,
    ticks: i64,
    /// GPS: UTC midnight of the current day.
    midnight: f64,
    /// The time given to the last item (for items without a timestamp).
    last_time: f64,
}

impl Timeline {
    pub(crate) fn new(start: f64, kind: ClockKind) -> Timeline {
        Timeline {
            start,
            kind,
            last_raw: None,
            ticks: 0,
            midnight: (start / DAY).floor() * DAY,
            last_time: start,
        }
    }

    /// The UTC time of an item whose receiver clock read `raw` (0: no timestamp).
    #[inline]
    pub(crate) fn time_of(&mut self, raw: u64) -> f64 {
        let raw = raw & MASK48;
        // One compare in the common case: 0 (wrapping to the top) and both magic values
        // land at or above MAGIC_MLAT - 1; the exact test runs only there.
        if raw.wrapping_sub(1) >= MAGIC_MLAT - 1 && (raw == 0 || raw | 1 == MAGIC_UAT) {
            return self.last_time;
        }
        let t = match self.kind {
            ClockKind::Ticks12Mhz => {
                if let Some(last) = self.last_raw {
                    // A signed 48-bit difference: small steps back (reordered frames) stay
                    // small instead of reading as a wrap of 271 days. Shifting the 48 bits
                    // to the top and back sign-extends them.
                    self.ticks += (raw.wrapping_sub(last) << 16) as i64 >> 16;
                }
                self.last_raw = Some(raw);
                self.start + self.ticks as f64 / 12e6
            }
            ClockKind::GpsTimeOfDay => self.gps_time_of(raw),
        };
        self.last_time = t;
        t
    }

    /// `time_of` and `clock` together for a 12 MHz counter (the reader checks the kind
    /// once): the same values, with one compare for the marks in the common case.
    #[inline(always)]
    pub(crate) fn counter_time(&mut self, raw: u64) -> (f64, Clock) {
        // Not masked first: whatever is above 48 bits takes the general path, which masks.
        if raw.wrapping_sub(1) >= MAGIC_MLAT - 1 {
            // No timestamp, a mark, a reading near the top of the counter (or above it).
            return (self.time_of(raw), self.clock(raw));
        }
        // The first reading counts from itself.
        let last = self.last_raw.unwrap_or(raw);
        self.ticks += (raw.wrapping_sub(last) << 16) as i64 >> 16;
        self.last_raw = Some(raw);
        let t = self.start + self.ticks as f64 / 12e6;
        self.last_time = t;
        (t, Clock::Ticks12Mhz(raw))
    }

    /// `time_of` for GPS times of day (kept apart: the 12 MHz counter is the common case).
    fn gps_time_of(&mut self, raw: u64) -> f64 {
        let tod = (raw >> 30) as f64 + (raw & ((1 << 30) - 1)) as f64 * 1e-9;
        let mut t = self.midnight + tod;
        if self.last_raw.is_some() {
            // Midnight passed when the time of day jumps back by more than 12 h; a
            // jump forward by as much is a late frame from before midnight.
            if t < self.last_time - DAY / 2.0 {
                self.midnight += DAY;
                t += DAY;
            } else if t > self.last_time + DAY / 2.0 {
                self.midnight -= DAY;
                t -= DAY;
            }
        }
        self.last_raw = Some(raw);
        t
    }

    /// The time of the last item (for items without any time of their own).
    pub(crate) fn last_time(&self) -> f64 {
        self.last_time
    }

    /// Records the time of an item timed by other means, so later items without a
    /// timestamp follow it.
    pub(crate) fn set_last_time(&mut self, t: f64) {
        self.last_time = t;
    }

    /// The clock value to report beside the UTC time.
    #[inline]
    pub(crate) fn clock(&self, raw: u64) -> Clock {
        Clock::from_beast(raw, self.kind)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A UTC time broken into its parts, for writing dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcParts {
    /// Year.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
    /// Milliseconds, 0..=999.
    pub millis: u32,
}

impl UtcParts {
    /// Breaks Unix seconds into date and time, rounded to the millisecond.
    pub fn from_unix(t: f64) -> UtcParts {
        let ms = if t.is_finite() {
            (t * 1000.0).round() as i64
        } else {
            0
        };
        let secs = ms.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        UtcParts {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            millis: ms.rem_euclid(1000) as u32,
        }
    }
}

/// The latest plausible data time: 2100-01-01T00:00:00Z. Times of the data run from 1970
/// (Unix second 0; dateless recordings count from picket's default start in 2000) to here;
/// anything else (`"now": 1e300`, a year 9999) is a mistake and is refused.
pub const LATEST_PLAUSIBLE: f64 = 4_102_444_800.0;

/// Whether a data time (Unix seconds) is plausible: from 1970 to 2100.
pub fn plausible_time(t: f64) -> bool {
    (0.0..=LATEST_PLAUSIBLE).contains(&t)
}

/// Reads a time: Unix seconds (with fraction), or ISO 8601 taken as UTC unless it carries an
/// offset (`2015-03-03 12:34:56.789`, `2015-03-03T12:34:56Z`, `...+02:00`). Times outside
/// 1970 to 2100 ([`plausible_time`]) are refused.
pub fn parse_time(text: &str) -> Option<f64> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        return parse_iso(b).filter(|t| plausible_time(*t));
    }
    if b.is_empty()
        || !b
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| plausible_time(*v))
}

/// Reads `n` ASCII digits.
fn digits(b: &[u8], n: usize) -> Option<u32> {
    if b.len() < n {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..n] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Reads a date `YYYY?MM?DD` with any one-byte separators.
pub(crate) fn parse_date(b: &[u8]) -> Option<i64> {
    if b.len() != 10 {
        return None;
    }
    let y = digits(b, 4)?;
    let m = digits(&b[5..], 2)?;
    let d = digits(&b[8..], 2)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(i64::from(y), m) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, d))
}

/// Whether a year of the proleptic Gregorian calendar is a leap year.
pub const fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in a month (1..=12) of a year; 0 for a month out of range.
pub const fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A time of day: whole seconds since midnight and the digits of the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeOfDay<'a> {
    pub(crate) seconds: u32,
    pub(crate) fraction: &'a [u8],
}

/// Reads a time of day `HH:MM[:SS[.fraction]]`.
pub(crate) fn parse_time_of_day(b: &[u8]) -> Option<TimeOfDay<'_>> {
    let h = digits(b, 2)?;
    if b.get(2) != Some(&b':') {
        return None;
    }
    let m = digits(&b[3..], 2)?;
    let mut s = 0;
    let mut fraction: &[u8] = &[];
    let rest = &b[5..];
    if !rest.is_empty() {
        if rest[0] != b':' {
            return None;
        }
        s = digits(&rest[1..], 2)?;
        let frac = &rest[3..];
        if !frac.is_empty() {
            if frac[0] != b'.' && frac[0] != b',' || frac.len() < 2 || frac.len() > 19 {
                return None;
            }
            fraction = &frac[1..];
            if !fraction.iter().all(u8::is_ascii_digit) {
                return None;
            }
        }
    }
    // 60 for a leap second.
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(TimeOfDay {
        seconds: h * 3600 + m * 60 + s,
        fraction,
    })
}

/// Unix seconds of a day, a time of day and an offset in seconds, rounded once from the
/// exact decimal (so `…56.789` reads as the same `f64` as the text `"…56.789"`).
pub(crate) fn unix_seconds(days: i64, tod: TimeOfDay<'_>, offset: i64) -> f64 {
    let whole = days * 86_400 + i64::from(tod.seconds) - offset;
    if tod.fraction.is_empty() {
        return whole as f64;
    }
    if whole < 0 {
        // Before 1970 the decimal would need borrowing; one extra rounding is fine there.
        let mut v = 0.0;
        let mut scale = 0.1;
        for &c in tod.fraction {
            v += f64::from(c - b'0') * scale;
            scale *= 0.1;
        }
        return whole as f64 + v;
    }
    // "<whole>.<fraction>": at most 19 + 1 + 18 characters.
    let mut buf = [0u8; 40];
    let mut k = 20;
    let mut v = whole as u64;
    loop {
        k -= 1;
        buf[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf[20] = b'.';
    let frac = &tod.fraction[..tod.fraction.len().min(18)];
    buf[21..21 + frac.len()].copy_from_slice(frac);
    std::str::from_utf8(&buf[k..21 + frac.len()])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(whole as f64)
}

/// Reads a date and a time of day given apart (SBS, spaced CSV) as UTC.
pub(crate) fn date_and_time(date: &[u8], time: &[u8]) -> Option<f64> {
    let d = parse_date(date)?;
    let t = parse_time_of_day(time)?;
    Some(unix_seconds(d, t, 0)).filter(|t| plausible_time(*t))
}

fn parse_iso(b: &[u8]) -> Option<f64> {
    let dt = parse_datetime(b, false).ok()?;
    Some(unix_seconds(dt.days, dt.tod, dt.offset))
}

/// A date, a time of day and the offset from UTC it was written in, seconds.
struct DateTime<'a> {
    days: i64,
    tod: TimeOfDay<'a>,
    offset: i64,
}

/// The one date-time reader. `strict`: RFC 3339 exactly,
/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM)`. Otherwise also the shapes
/// data files use: a date alone, no seconds, a comma before the fraction, no zone (UTC),
/// `+HH` and `+HHMM` offsets. Both check the calendar (no 2019-02-31; 2020-02-29 but not
/// 2019-02-29) and every field's range; `:60` is a leap second, counted as the next second.
fn parse_datetime(b: &[u8], strict: bool) -> Result<DateTime<'_>, TimeError> {
    use TimeError::{BadTimestamp as Bad, OutOfRange as Range};
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(Bad);
    }
    for i in [0, 1, 2, 3, 5, 6, 8, 9] {
        if !b[i].is_ascii_digit() {
            return Err(Bad);
        }
    }
    let days = parse_date(&b[..10]).ok_or(Range)?;
    let rest = &b[10..];
    if rest.is_empty() {
        return if strict {
            Err(Bad)
        } else {
            Ok(DateTime {
                days,
                tod: TimeOfDay {
                    seconds: 0,
                    fraction: &[],
                },
                offset: 0,
            })
        };
    }
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return Err(Bad);
    }
    let rest = &rest[1..];
    // The time of day runs up to an offset or Z.
    let end = rest
        .iter()
        .position(|&c| matches!(c, b'Z' | b'z' | b'+' | b'-'))
        .unwrap_or(rest.len());
    let (time, zone) = rest.split_at(end);
    if strict {
        // HH:MM:SS, then a '.' fraction of at least one digit.
        let shape = time.len() >= 8
            && time[2] == b':'
            && time[5] == b':'
            && (time.len() == 8 || time[8] == b'.' && time.len() > 9);
        if !shape || zone.is_empty() {
            return Err(Bad);
        }
    }
    let shape_ok = time.len() >= 5
        && time[..2].iter().all(u8::is_ascii_digit)
        && time[2] == b':'
        && time[3..5].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        return Err(Bad);
    }
    let tod = parse_time_of_day(time).ok_or(if time_shape_is_fine(time) { Range } else { Bad })?;
    let offset = match zone {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), hm @ ..] => {
            let (h, m) = match hm.len() {
                5 if hm[2] == b':' => (digits(hm, 2), digits(&hm[3..], 2)),
                2 if !strict => (digits(hm, 2), Some(0)),
                4 if !strict => (digits(hm, 2), digits(&hm[2..], 2)),
                _ => return Err(Bad),
            };
            let (h, m) = (h.ok_or(Bad)?, m.ok_or(Bad)?);
            if h > 23 || m > 59 {
                return Err(Range);
            }
            let off = i64::from(h * 3600 + m * 60);
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return Err(Bad),
    };
    Ok(DateTime { days, tod, offset })
}

/// Whether a time of day has the digits and separators of `HH:MM[:SS[.fraction]]` (so a
/// refusal by [`parse_time_of_day`] is a field out of range).
fn time_shape_is_fine(b: &[u8]) -> bool {
    let d = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    match b.len() {
        5 => d(0..2) && d(3..5),
        8 => d(0..2) && d(3..5) && d(6..8) && b[5] == b':',
        n if n > 9 => {
            d(0..2)
                && d(3..5)
                && d(6..8)
                && b[5] == b':'
                && matches!(b[8], b'.' | b',')
                && d(9..n)
                && n - 9 <= 18
        }
        _ => false,
    }
}

/// Nanoseconds since the Unix epoch (UTC, no leap seconds): the simulator's and the
/// scenarios' time.
pub type UnixNanos = i64;

/// Why a time or a duration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// Not `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
    BadTimestamp,
    /// A field out of its range: month 13, 2019-02-31, hour 24, offset +24:00, or a time
    /// outside the years 1678 to 2261 that nanoseconds since 1970 can hold.
    OutOfRange,
    /// Not a duration: `<number><unit>` parts, largest unit first, units `d`, `h`, `m`
    /// (or `min`), `s`, `ms`; or a bare number of seconds; at most 100 years.
    BadDuration,
}

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeError::BadTimestamp => "expected an RFC 3339 time such as 2019-03-23T14:00:00Z",
            TimeError::OutOfRange => "a date or time field is out of range (no such day, hour or offset)",
            TimeError::BadDuration => {
                "expected a duration such as 500ms, 90s, 15m, 1h15m or 2d (largest unit first), or a number of seconds"
            }
        })
    }
}

impl std::error::Error for TimeError {}

/// Reads an RFC 3339 time (`2019-03-23T14:00:00Z`, `2019-03-23T10:00:00.25-04:00`) strictly:
/// the calendar is checked (no 2019-02-31, leap years right), a zone is required, the
/// fraction is kept to the nanosecond (further digits are dropped).
pub fn parse_rfc3339(text: &str) -> Result<UnixNanos, TimeError> {
    let dt = parse_datetime(text.trim().as_bytes(), true)?;
    let secs = dt.days * 86_400 + i64::from(dt.tod.seconds) - dt.offset;
    let mut nanos = 0i64;
    for (i, &c) in dt.tod.fraction.iter().take(9).enumerate() {
        nanos += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
    }
    secs.checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(nanos))
        .ok_or(TimeError::OutOfRange)
}

/// Reads an RFC 3339 time as Unix seconds.
pub fn parse_rfc3339_seconds(text: &str) -> Result<f64, TimeError> {
    let dt = parse_datetime(text.trim().as_bytes(), true)?;
    Ok(unix_seconds(dt.days, dt.tod, dt.offset))
}

/// Writes nanoseconds since the epoch as RFC 3339 UTC to the millisecond
/// (`2019-03-23T14:00:00.250Z`).
pub fn format_rfc3339(ns: UnixNanos) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let millis = ns.rem_euclid(1_000_000_000) / 1_000_000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Writes Unix seconds as RFC 3339 UTC to the millisecond (`2019-03-23T14:00:00.250Z`),
/// rounded to the nearest millisecond as [`UtcParts::from_unix`] rounds: the one way every
/// crate writes a data time for people (tables, exports, logs, templates).
pub fn format_utc(t: f64) -> String {
    let p = UtcParts::from_unix(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.millis
    )
}

/// Longest duration accepted: 100 years (longer ones are typing mistakes, and would not fit
/// a `std::time::Duration` made from them in every unit).
pub const MAX_DURATION_S: f64 = 100.0 * 365.25 * 86_400.0;

/// Reads a duration in seconds, picket's one grammar for flags, configuration, rules and
/// scenarios: `<number><unit>` parts, largest unit first, each unit at most once, optionally
/// separated by spaces: `500ms`, `90s`, `15m`, `1h15m`, `2h 30m`, `2d`, `1.5h`; units `d`,
/// `h`, `m` (or `min`), `s`, `ms`. A bare number is seconds (`42`, `0`, `0.5`). Refused:
/// empty text, signs, exponents, unknown units, `15m1h`, `1h1h`, more than 100 years.
pub fn parse_duration(text: &str) -> Result<f64, TimeError> {
    use TimeError::BadDuration as Bad;
    let s = text.trim();
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(Bad);
    }
    let number = |part: &str| -> Result<f64, TimeError> {
        // Digits with at most one point, a digit on at least one side.
        let ok = !part.is_empty()
            && part.bytes().all(|c| c.is_ascii_digit() || c == b'.')
            && part.bytes().filter(|&c| c == b'.').count() <= 1
            && part != ".";
        if !ok {
            return Err(Bad);
        }
        part.parse::<f64>().map_err(|_| Bad)
    };
    if b.iter().all(|&c| c.is_ascii_digit() || c == b'.') {
        let v = number(s)?;
        return if v <= MAX_DURATION_S { Ok(v) } else { Err(Bad) };
    }
    let mut i = 0;
    let mut total = 0.0;
    // Units in order: an index into UNITS that must increase.
    const UNITS: [(&str, f64); 6] = [
        ("d", 86_400.0),
        ("h", 3_600.0),
        ("m", 60.0),
        ("min", 60.0),
        ("s", 1.0),
        ("ms", 0.001),
    ];
    let mut last_unit: Option<usize> = None;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let value = number(&s[start..i])?;
        let ustart = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[ustart..i];
        let k = UNITS.iter().position(|(u, _)| *u == unit).ok_or(Bad)?;
        // `m` and `min` are the same unit.
        let rank = if k >= 3 { k - 1 } else { k };
        if last_unit.is_some_and(|r| rank <= r) {
            return Err(Bad);
        }
        last_unit = Some(rank);
        total += value * UNITS[k].1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
    }
    if total.is_finite() && total <= MAX_DURATION_S {
        Ok(total)
    } else {
        Err(Bad)
    }
}

/// Writes seconds as a compact duration rounded to the second (`2h30m`, `3d`, `1m30s`,
/// `0s`), which [`parse_duration`] reads back.
pub fn format_duration(seconds: f64) -> String {
    let total = if seconds.is_finite() {
        seconds.round() as i64
    } else {
        0
    };
    if total <= 0 {
        return "0s".to_string();
    }
    let (d, h, m, s) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60);
    let mut out = String::new();
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{u}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 1, 1) as f64 * DAY, DEFAULT_START);
        assert_eq!(days_from_civil(2015, 3, 3), 16497);
        for d in [-1000, -1, 0, 1, 59, 60, 16497, 20000, 100_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn times_in_the_shapes_files_use() {
        assert_eq!(parse_time("1457996400"), Some(1457996400.0));
        assert_eq!(parse_time(" 1698140962.119813 "), Some(1698140962.119813));
        let base = 16497.0 * DAY; // 2015-03-03
        let t = parse_time("2015-03-03T16:12:24.846557").unwrap();
        assert!((t - (base + 16.0 * 3600.0 + 12.0 * 60.0 + 24.846557)).abs() < 1e-6);
        assert_eq!(parse_time("2015-03-03 12:34:56.789").unwrap(), base + 45296.789);
        assert_eq!(parse_time("2015-03-03T12:34:56Z"), Some(base + 45296.0));
        assert_eq!(parse_time("2015-03-03T14:34:56+02:00"), Some(base + 45296.0));
        assert_eq!(parse_time("2015-03-03T12:04:56-0030"), Some(base + 45296.0));
        assert_eq!(parse_time("2015-03-03"), Some(base));
        assert_eq!(parse_time("2015-13-03T00:00:00"), None);
        assert_eq!(parse_time("8D406B909945DE"), None);
        // Read once from the decimal: exactly the f64 of the same text.
        assert_eq!(
            date_and_time(b"2015/03/03", b"12:34:56.789"),
            Some(1425386096.789)
        );
        assert_eq!(
            parse_time("2015-03-03T12:34:56.123456789Z"),
            "1425386096.123456789".parse().ok()
        );
        assert_eq!(parse_time("nan"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn rfc3339_is_strict_about_the_calendar_and_the_shape() {
        use TimeError::{BadTimestamp as Bad, OutOfRange as Range};
        // 2019-03-23T14:00:00Z = 1553349600 (date -d @1553349600 -u).
        let t = 1_553_349_600_000_000_000;
        assert_eq!(parse_rfc3339("2019-03-23T14:00:00Z"), Ok(t));
        assert_eq!(parse_rfc3339(" 2019-03-23t14:00:00z "), Ok(t));
        assert_eq!(parse_rfc3339("2019-03-23 14:00:00Z"), Ok(t));
        assert_eq!(parse_rfc3339("2019-03-23T10:00:00-04:00"), Ok(t));
        assert_eq!(parse_rfc3339("2019-03-24T01:30:00+11:30"), Ok(t));
        assert_eq!(parse_rfc3339("2019-03-23T14:00:00.25Z"), Ok(t + 250_000_000));
        assert_eq!(
            parse_rfc3339("2019-03-23T14:00:00.123456789123Z"),
            Ok(t + 123_456_789)
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.5Z"), Ok(500_000_000));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Ok(-1_000_000_000));
        // A leap second is the next second.
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
        // Leap years: 2020 and 2000 are, 2019 and 1900 are not.
        assert!(parse_rfc3339("2020-02-29T00:00:00Z").is_ok());
        assert!(parse_rfc3339("2000-02-29T00:00:00Z").is_ok());
        for (bad, why) in [
            ("2019-02-29T00:00:00Z", Range),
            ("1900-02-29T00:00:00Z", Range),
            ("2019-02-31T00:00:00Z", Range),
            ("2019-04-31T00:00:00Z", Range),
            ("2019-13-01T00:00:00Z", Range),
            ("2019-00-01T00:00:00Z", Range),
            ("2019-01-00T00:00:00Z", Range),
            ("2019-01-01T24:00:00Z", Range),
            ("2019-01-01T23:60:00Z", Range),
            ("2019-01-01T23:59:61Z", Range),
            ("2019-01-01T00:00:00+24:00", Range),
            ("2019-01-01T00:00:00+01:60", Range),
            // Nanoseconds since 1970 hold the years 1678 to 2261 only.
            ("9999-12-31T23:59:59Z", Range),
            ("2019-03-23T14:00:00", Bad),
            ("2019-03-23T14:00Z", Bad),
            ("2019-03-23", Bad),
            ("2019-03-23T14:00:00.Z", Bad),
            ("2019-03-23T14:00:00,5Z", Bad),
            ("2019-03-23T14:00:00+0100", Bad),
            ("2019-03-23T14:00:00+01", Bad),
            ("2019-3-23T14:00:00Z", Bad),
            ("2019-03-23X14:00:00Z", Bad),
            ("20190323T140000Z", Bad),
            ("+2019-03-23T14:00:00Z", Bad),
            ("yesterday", Bad),
            ("", Bad),
        ] {
            assert_eq!(parse_rfc3339(bad), Err(why), "{bad}");
        }
        assert_eq!(
            parse_rfc3339_seconds("2019-03-23T14:00:00.25Z"),
            Ok(1_553_349_600.25)
        );
    }

    #[test]
    fn rfc3339_formats_and_reads_back() {
        assert_eq!(
            format_rfc3339(1_553_349_600_250_000_000),
            "2019-03-23T14:00:00.250Z"
        );
        assert_eq!(format_rfc3339(-1_000_000), "1969-12-31T23:59:59.999Z");
        for ns in [
            0,
            951_782_400_000_000_000,
            1_582_934_400_123_000_000,
            -86_400_000_000_000,
        ] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ns)), Ok(ns));
        }
    }

    #[test]
    fn data_file_times_share_the_calendar_checks() {
        // The lenient shapes of data files, on the same reader: still no 2019-02-31.
        assert_eq!(parse_time("2019-02-31 00:00:00"), None);
        assert_eq!(parse_time("2019-02-29"), None);
        assert!(parse_time("2020-02-29").is_some());
        assert_eq!(parse_time("2015-03-03T12:00:00+25:00"), None);
        assert_eq!(date_and_time(b"2019/02/31", b"00:00:00"), None);
        assert_eq!(date_and_time(b"2019/04/30", b"00:00:00"), Some(1_556_582_400.0));
        // Only 1970 to 2100 is a plausible data time.
        for bad in ["1e300", "-5", "99999999999", "2150-01-01", "1969-12-31T23:59:59Z"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
        assert_eq!(parse_time("0"), Some(0.0));
        assert_eq!(parse_time("2100-01-01"), Some(LATEST_PLAUSIBLE));
        assert_eq!(date_and_time(b"2150/01/01", b"00:00:00"), None);
    }

    #[test]
    fn one_duration_grammar() {
        for (text, want) in [
            ("90s", 90.0),
            ("15m", 900.0),
            ("15min", 900.0),
            ("1h15m", 4500.0),
            ("2h 30m", 9000.0),
            ("2d", 172_800.0),
            ("1d2h3m4s5ms", 93_784.005),
            ("500ms", 0.5),
            ("1.5h", 5400.0),
            (".5s", 0.5),
            ("42", 42.0),
            ("0", 0.0),
            ("0.25", 0.25),
            (" 3d ", 259_200.0),
        ] {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in [
            "", " ", "s", "-5s", "+5s", "-5", "1e3", "1e3s", "3 weeks", "5x", "15m1h", "1h1h", "1m1min",
            "1s1m", "1..5s", ".", ".s", "1h-5m", "inf", "nan", "NaN", "1h 2", "101y", "40000d", "5 s",
        ] {
            assert_eq!(parse_duration(bad), Err(TimeError::BadDuration), "{bad:?}");
        }
        assert!(parse_duration("36500d").is_ok(), "100 years is the limit");
        for s in [0.0, 59.0, 90.0, 3600.0, 4500.0, 9000.0, 259_200.0, 93_784.0] {
            assert_eq!(parse_duration(&format_duration(s)), Ok(s), "{s}");
        }
        assert_eq!(format_duration(9000.0), "2h30m");
        assert_eq!(format_duration(-4.0), "0s");
        assert_eq!(format_duration(f64::NAN), "0s");
    }

    #[test]
    fn seconds_are_written_to_the_rounded_millisecond() {
        assert_eq!(format_utc(1_553_349_600.25), "2019-03-23T14:00:00.250Z");
        assert_eq!(format_utc(0.0), "1970-01-01T00:00:00.000Z");
        // 0.9996 s rounds up into the next second, minute, hour and day.
        assert_eq!(format_utc(86_399.999_6), "1970-01-02T00:00:00.000Z");
        assert_eq!(format_utc(-0.001), "1969-12-31T23:59:59.999Z");
        // What it writes reads back.
        let back = parse_rfc3339_seconds(&format_utc(1_700_000_000.123)).unwrap();
        assert!((back - 1_700_000_000.123).abs() < 1e-6, "{back}");
    }

    #[test]
    fn utc_parts_of_a_time() {
        let p = UtcParts::from_unix(16497.0 * DAY + 45296.789);
        assert_eq!(
            p,
            UtcParts {
                year: 2015,
                month: 3,
                day: 3,
                hour: 12,
                minute: 34,
                second: 56,
                millis: 789
            }
        );
    }

    #[test]
    fn counters_count_from_the_start_across_the_wrap() {
        let mut tl = Timeline::new(1000.0, ClockKind::Ticks12Mhz);
        let near_wrap = (1 << 48) - 6_000_000; // half a second before the wrap
        assert_eq!(tl.time_of(near_wrap), 1000.0);
        assert_eq!(tl.time_of(6_000_001), 1000.0 + 12_000_001.0 / 12e6);
        // No timestamp: the previous frame's time.
        assert_eq!(tl.time_of(0), tl.last_time());
        // A small step back stays a small step back.
        let t = tl.time_of(6_000_000 - 12_000 + 1);
        assert_eq!(t, 1000.0 + 11_988_001.0 / 12e6);
    }

    #[test]
    fn counters_follow_the_plain_rules_at_the_edges() {
        // The rules written out plainly: no timestamp and readsb's marks keep the last time;
        // steps are signed 48-bit differences.
        let plain = |raws: &[u64]| {
            let (mut last, mut ticks, mut t) = (None::<u64>, 0i64, 1000.0);
            let mut out = Vec::new();
            for &raw in raws {
                let raw = raw & MASK48;
                if raw != 0 && raw != MAGIC_MLAT && raw != MAGIC_UAT {
                    if let Some(l) = last {
                        let d = raw.wrapping_sub(l) & MASK48;
                        ticks += if d >= 1 << 47 {
                            d as i64 - (1 << 48)
                        } else {
                            d as i64
                        };
                    }
                    last = Some(raw);
                    t = 1000.0 + ticks as f64 / 12e6;
                }
                out.push(t);
            }
            out
        };
        let raws = [
            0,
            MAGIC_MLAT,
            MAGIC_MLAT - 1,
            MAGIC_UAT,
            MAGIC_UAT + 1,
            MAGIC_MLAT - 2,
            MASK48,
            1,
            (1 << 47) + 1,
            1,
            (1 << 47) + 2,
            MAGIC_MLAT | (1 << 48),
            5 | (7 << 48),
            0xFF00_4D4C_4150,
            0xFF00_4D4C_4157,
            u64::MAX,
        ];
        let mut tl = Timeline::new(1000.0, ClockKind::Ticks12Mhz);
        let got: Vec<f64> = raws.iter().map(|&r| tl.time_of(r)).collect();
        assert_eq!(got, plain(&raws));
        // The reader's combined path gives the same times and clocks.
        let mut both = Timeline::new(1000.0, ClockKind::Ticks12Mhz);
        for (&raw, &t) in raws.iter().zip(&got) {
            assert_eq!(
                both.counter_time(raw),
                (t, Clock::from_beast(raw, ClockKind::Ticks12Mhz))
            );
        }
        assert_eq!(got[1], 1000.0);
        // MAGIC_MLAT - 1 is a real reading, and MAGIC_UAT + 1 three ticks after it.
        assert_eq!(got[4], 1000.0 + 3.0 / 12e6);
    }

    #[test]
    fn gps_time_of_day_rolls_over_midnight() {
        let start = 16497.0 * DAY + 3600.0; // 2015-03-03 01:00
        let mut tl = Timeline::new(start, ClockKind::GpsTimeOfDay);
        let raw = |s: u64, ns: u64| (s << 30) | ns;
        assert_eq!(tl.time_of(raw(86_399, 500_000_000)), 16497.0 * DAY + 86_399.5);
        // Past midnight: the next day.
        assert_eq!(tl.time_of(raw(1, 0)), 16498.0 * DAY + 1.0);
        // A late frame from before midnight stays on the earlier day.
        assert_eq!(tl.time_of(raw(86_399, 900_000_000)), 16497.0 * DAY + 86_399.9);
        assert_eq!(tl.time_of(raw(2, 0)), 16498.0 * DAY + 2.0);
    }
}
