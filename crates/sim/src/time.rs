//! UTC times (RFC 3339) and durations ("3d", "2h30m", "90s") as scenario files write them:
//! picket's one time vocabulary (`picket_receive::time`), plus the scenario-relative time.

pub use picket_receive::time::{
    format_duration, format_rfc3339, parse_duration, parse_rfc3339, TimeError, UnixNanos,
};

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
    fn scenario_times_are_relative_or_absolute() {
        let start = parse_rfc3339("2019-03-23T14:00:00Z").unwrap();
        assert_eq!(parse_scenario_time("+1h", start), Ok(3600.0));
        assert_eq!(parse_scenario_time("30m", start), Ok(1800.0));
        assert_eq!(parse_scenario_time("2019-03-23T13:00:00Z", start), Ok(-3600.0));
    }
}
