//! UTC times (RFC 3339) and durations ("3d", "2h30m", "90s") as scenario files write them.

use std::fmt;

/// Nanoseconds since the Unix epoch (UTC, no leap seconds), as every output carries time.
pub type UnixNanos = i64;

/// Why a time or duration string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// Not `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`.
    BadTimestamp,
    /// A field out of its range (month 13, hour 25, ...).
    OutOfRange,
    /// Not a sequence of `<number><unit>` with units d, h, m, s, ms.
    BadDuration,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeError::BadTimestamp => "expected an RFC 3339 UTC time such as 2019-03-23T14:00:00Z",
            TimeError::OutOfRange => "a date or time field is out of range",
            TimeError::BadDuration => "expected a duration such as 90s, 45m, 2h30m or 3d",
        })
    }
}

impl std::error::Error for TimeError {}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &c| {
        acc.checked_mul(10)?.checked_add((c - b'0') as u32)
    })
}

/// Parses an RFC 3339 timestamp into nanoseconds since the Unix epoch.
pub fn parse_rfc3339(text: &str) -> Result<UnixNanos, TimeError> {
    let s = text.trim().as_bytes();
    if s.len() < 20 || s[4] != b'-' || s[7] != b'-' || !matches!(s[10], b'T' | b't' | b' ') {
        return Err(TimeError::BadTimestamp);
    }
    if s[13] != b':' || s[16] != b':' {
        return Err(TimeError::BadTimestamp);
    }
    let year = digits(&s[0..4]).ok_or(TimeError::BadTimestamp)? as i64;
    let month = digits(&s[5..7]).ok_or(TimeError::BadTimestamp)?;
    let day = digits(&s[8..10]).ok_or(TimeError::BadTimestamp)?;
    let hour = digits(&s[11..13]).ok_or(TimeError::BadTimestamp)?;
    let minute = digits(&s[14..16]).ok_or(TimeError::BadTimestamp)?;
    let second = digits(&s[17..19]).ok_or(TimeError::BadTimestamp)?;
    let mut rest = &s[19..];
    let mut nanos: i64 = 0;
    if let Some((&b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(TimeError::BadTimestamp);
        }
        for (i, &c) in frac[..n].iter().enumerate().take(9) {
            nanos += (c - b'0') as i64 * 10i64.pow(8 - i as u32);
        }
        rest = &frac[n..];
    }
    let offset_s: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2]).ok_or(TimeError::BadTimestamp)? as i64;
            let m = digits(&[*m1, *m2]).ok_or(TimeError::BadTimestamp)? as i64;
            if h > 23 || m > 59 {
                return Err(TimeError::OutOfRange);
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return Err(TimeError::BadTimestamp),
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day == 0 || day > month_days[month as usize - 1] {
        return Err(TimeError::OutOfRange);
    }
    // A leap second (:60) is folded into the next second: outputs carry no leap seconds.
    if hour > 23 || minute > 59 || second > 60 {
        return Err(TimeError::OutOfRange);
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour as i64 * 3600 + minute as i64 * 60 + second as i64 - offset_s;
    Ok(secs * 1_000_000_000 + nanos)
}

/// Formats nanoseconds since the epoch as RFC 3339 UTC with millisecond precision.
pub fn format_rfc3339(ns: UnixNanos) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let millis = ns.rem_euclid(1_000_000_000) / 1_000_000;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Parses a duration like `90s`, `45m`, `2h30m`, `3d`, `1.5h`, `250ms` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<f64, TimeError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(TimeError::BadDuration);
    }
    if let Ok(v) = s.parse::<f64>() {
        return if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(TimeError::BadDuration)
        };
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut total = 0.0;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let value: f64 = s[start..i].parse().map_err(|_| TimeError::BadDuration)?;
        let ustart = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = match &s[ustart..i] {
            "d" => 86_400.0,
            "h" => 3600.0,
            "m" | "min" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(TimeError::BadDuration),
        };
        total += value * unit;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
    }
    Ok(total)
}

/// Formats seconds as a compact duration (`3d`, `4h30m`, `90s` → `1m30s`).
pub fn format_duration(seconds: f64) -> String {
    let total = seconds.round() as i64;
    if total <= 0 {
        return "0s".to_string();
    }
    let (d, h, m, s) = (total / 86_400, (total / 3600) % 24, (total / 60) % 60, total % 60);
    let mut out = String::new();
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{u}"));
        }
    }
    out
}

/// A scenario time: `+2h30m` (after the scenario start) or an absolute RFC 3339 time.
/// Returns seconds relative to `start`.
pub fn parse_scenario_time(text: &str, start: UnixNanos) -> Result<f64, TimeError> {
    let t = text.trim();
    if let Some(rel) = t.strip_prefix('+') {
        return parse_duration(rel);
    }
    if t.len() >= 20 && t.as_bytes()[4] == b'-' {
        let abs = parse_rfc3339(t)?;
        return Ok((abs - start) as f64 / 1e9);
    }
    // A bare duration also means "after the start": the common case needs no plus sign.
    parse_duration(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_rfc3339() {
        // 2019-03-23T14:00:00Z = 1553349600 (date -d @1553349600 -u).
        assert_eq!(
            parse_rfc3339("2019-03-23T14:00:00Z"),
            Ok(1_553_349_600_000_000_000)
        );
        assert_eq!(
            parse_rfc3339("2019-03-23T10:00:00-04:00"),
            Ok(1_553_349_600_000_000_000)
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.5Z"), Ok(500_000_000));
        assert_eq!(
            format_rfc3339(1_553_349_600_250_000_000),
            "2019-03-23T14:00:00.250Z"
        );
        assert_eq!(parse_rfc3339("2019-02-29T00:00:00Z"), Err(TimeError::OutOfRange));
        assert_eq!(
            parse_rfc3339("2020-02-29T00:00:00Z")
                .map(format_rfc3339)
                .as_deref(),
            Ok("2020-02-29T00:00:00.000Z")
        );
        assert_eq!(parse_rfc3339("2019-03-23 14:00"), Err(TimeError::BadTimestamp));
        assert_eq!(parse_rfc3339("yesterday"), Err(TimeError::BadTimestamp));
        assert_eq!(format_rfc3339(-1_000_000), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("2h30m"), Ok(9000.0));
        assert_eq!(parse_duration("3d"), Ok(259_200.0));
        assert_eq!(parse_duration("1.5h"), Ok(5400.0));
        assert_eq!(parse_duration("250ms"), Ok(0.25));
        assert_eq!(parse_duration("42"), Ok(42.0));
        assert_eq!(parse_duration("3 weeks"), Err(TimeError::BadDuration));
        assert_eq!(parse_duration("-5s"), Err(TimeError::BadDuration));
        assert_eq!(format_duration(9000.0), "2h30m");
        assert_eq!(format_duration(259_200.0), "3d");
    }

    #[test]
    fn scenario_times_are_relative_or_absolute() {
        let start = parse_rfc3339("2019-03-23T14:00:00Z").unwrap();
        assert_eq!(parse_scenario_time("+1h", start), Ok(3600.0));
        assert_eq!(parse_scenario_time("30m", start), Ok(1800.0));
        assert_eq!(parse_scenario_time("2019-03-23T13:00:00Z", start), Ok(-3600.0));
    }
}
