//! The scenario file format (TOML) and its validation into a [`Scenario`].
//!
//! Serde derives live here only, on private mirror structs of the file format; every value that
//! needs checking beyond its TOML type is kept with its span so that an error names the line and
//! column of the offending value and says what is wrong.

use std::fmt;
use std::ops::Range;

use picket_modes::identity::Squawk;
use picket_world::geo::LatLon;
use serde::Deserialize;
use toml::Spanned;

use crate::perf::{Category, PerfClass, Performance};
use crate::scenario::{
    emergency_from_name, AircraftSpec, Atmosphere, BackgroundSpec, ClockSpec, End, InitialState, Offset,
    Phase, ReceiverSpec, RunwayRef, Scenario, Ship, Transponder, TransponderState, TurnDirection, Window,
};
use crate::time::{parse_duration, parse_rfc3339, parse_scenario_time, UnixNanos};

/// A scenario file that could not be read: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file name or built-in scenario name the text came from.
    pub origin: String,
    /// 1-based line of the offending value (0 when unknown).
    pub line: usize,
    /// 1-based column (characters) of the offending value (0 when unknown).
    pub column: usize,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.origin, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: {}", self.origin, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// An error at a span, before it is turned into line and column.
struct Bad {
    span: Option<Range<usize>>,
    message: String,
}

fn bad<T>(span: Range<usize>, message: impl Into<String>) -> Result<T, Bad> {
    Err(Bad {
        span: Some(span),
        message: message.into(),
    })
}

fn locate(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, column)
}

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScenario {
    name: Option<String>,
    description: Option<String>,
    start: S<String>,
    duration: S<String>,
    seed: Option<u64>,
    atmosphere: Option<FileAtmosphere>,
    background: Option<S<FileBackground>>,
    #[serde(default)]
    receiver: Vec<S<FileReceiver>>,
    #[serde(default)]
    aircraft: Vec<S<FileAircraft>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAtmosphere {
    qnh_hpa: Option<S<f64>>,
    isa_deviation_c: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBackground {
    flights: S<i64>,
    lat: S<f64>,
    lon: S<f64>,
    radius_nm: S<f64>,
    #[serde(default)]
    airports: Vec<S<String>>,
    overflight_share: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileClock {
    offset_s: Option<S<f64>>,
    drift_ppm: Option<S<f64>>,
    jitter_ns: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileReceiver {
    name: S<String>,
    lat: S<f64>,
    lon: S<f64>,
    alt_ft: Option<S<f64>>,
    range_nm: Option<S<f64>>,
    loss_near: Option<S<f64>>,
    loss_at_range: Option<S<f64>>,
    bit_error_rate: Option<S<f64>>,
    signal_at_1nm_dbfs: Option<S<f64>>,
    clock: Option<FileClock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePerformance {
    cruise_kt: Option<S<f64>>,
    cruise_alt_ft: Option<S<f64>>,
    climb_fpm: Option<S<f64>>,
    descent_fpm: Option<S<f64>>,
    bank_deg: Option<S<f64>>,
    max_kt: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAircraft {
    hex: S<String>,
    callsign: Option<S<String>>,
    registration: Option<String>,
    #[serde(rename = "type")]
    type_designator: Option<S<String>>,
    description: Option<String>,
    category: Option<S<String>>,
    transponder: Option<S<String>>,
    squawk: Option<S<String>>,
    start: Option<S<String>>,
    lat: Option<S<f64>>,
    lon: Option<S<f64>>,
    alt_ft: Option<S<f64>>,
    speed_kt: Option<S<f64>>,
    track: Option<S<f64>>,
    interest: Option<bool>,
    performance: Option<FilePerformance>,
    #[serde(default)]
    phase: Vec<S<FilePhase>>,
    #[serde(default)]
    window: Vec<S<FileWindow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWindow {
    from: S<String>,
    to: S<String>,
    transponder: Option<S<String>>,
    squawk: Option<S<String>>,
    emergency: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePhase {
    kind: S<String>,
    airport: Option<S<String>>,
    runway: Option<S<String>>,
    lat: Option<S<f64>>,
    lon: Option<S<f64>>,
    alt_ft: Option<S<f64>>,
    speed_kt: Option<S<f64>>,
    rate_fpm: Option<S<f64>>,
    heading: Option<S<f64>>,
    by_deg: Option<S<f64>>,
    direction: Option<S<String>>,
    bank_deg: Option<S<f64>>,
    radius_nm: Option<S<f64>>,
    leg_nm: Option<S<f64>>,
    inbound_course: Option<S<f64>>,
    duration: Option<S<String>>,
    until: Option<S<String>>,
    waypoints: Option<S<Vec<Vec<f64>>>>,
    path: Option<S<Vec<Vec<f64>>>>,
    leader: Option<S<String>>,
    target: Option<S<String>>,
    behind_nm: Option<S<f64>>,
    right_nm: Option<S<f64>>,
    above_ft: Option<S<f64>>,
}

impl FilePhase {
    /// The fields present in the table, with their spans, for the per-kind check.
    fn present(&self) -> Vec<(&'static str, Range<usize>)> {
        let mut out = Vec::new();
        macro_rules! field {
            ($($name:ident),*) => {
                $(if let Some(v) = &self.$name {
                    out.push((stringify!($name), v.span()));
                })*
            };
        }
        field!(
            airport,
            runway,
            lat,
            lon,
            alt_ft,
            speed_kt,
            rate_fpm,
            heading,
            by_deg,
            direction,
            bank_deg,
            radius_nm,
            leg_nm,
            inbound_course,
            duration,
            until,
            waypoints,
            path,
            leader,
            target,
            behind_nm,
            right_nm,
            above_ft
        );
        out
    }
}

/// The phase kinds and the fields each accepts.
const PHASE_FIELDS: &[(&str, &[&str])] = &[
    ("takeoff", &["airport", "runway"]),
    ("climb", &["alt_ft", "rate_fpm", "speed_kt"]),
    ("descend", &["alt_ft", "rate_fpm", "speed_kt"]),
    ("fly_to", &["lat", "lon", "alt_ft", "speed_kt"]),
    ("route", &["waypoints"]),
    ("cruise", &["heading", "alt_ft", "speed_kt", "duration", "until"]),
    ("turn", &["heading", "by_deg", "direction", "bank_deg"]),
    (
        "orbit",
        &[
            "lat",
            "lon",
            "radius_nm",
            "direction",
            "alt_ft",
            "speed_kt",
            "duration",
            "until",
        ],
    ),
    (
        "hold",
        &[
            "lat",
            "lon",
            "inbound_course",
            "leg_nm",
            "direction",
            "alt_ft",
            "speed_kt",
            "duration",
            "until",
        ],
    ),
    ("approach", &["airport", "runway"]),
    (
        "ship_recovery",
        &["lat", "lon", "heading", "speed_kt", "alt_ft", "duration", "until"],
    ),
    (
        "ship_launch",
        &["lat", "lon", "heading", "speed_kt", "alt_ft", "duration", "until"],
    ),
    ("taxi", &["path", "speed_kt"]),
    ("park", &["lat", "lon", "duration", "until"]),
    (
        "formation",
        &["leader", "behind_nm", "right_nm", "above_ft", "duration", "until"],
    ),
    (
        "intercept",
        &[
            "target",
            "behind_nm",
            "right_nm",
            "above_ft",
            "speed_kt",
            "duration",
            "until",
        ],
    ),
];

fn num(v: &Option<S<f64>>, lo: f64, hi: f64, what: &str) -> Result<Option<f64>, Bad> {
    match v {
        None => Ok(None),
        Some(s) => {
            let x = *s.get_ref();
            if x.is_finite() && x >= lo && x <= hi {
                Ok(Some(x))
            } else {
                bad(s.span(), format!("{what} must be between {lo} and {hi}, not {x}"))
            }
        }
    }
}

fn req<T>(v: Option<T>, span: &Range<usize>, what: &str) -> Result<T, Bad> {
    v.ok_or_else(|| Bad {
        span: Some(span.clone()),
        message: format!("missing `{what}`"),
    })
}

fn lat_lon(lat: &Option<S<f64>>, lon: &Option<S<f64>>, table: &Range<usize>) -> Result<Option<LatLon>, Bad> {
    let la = num(lat, -90.0, 90.0, "`lat`")?;
    let lo = num(lon, -180.0, 180.0, "`lon`")?;
    match (la, lo) {
        (Some(a), Some(o)) => Ok(Some(LatLon::new(a, o))),
        (None, None) => Ok(None),
        (Some(_), None) => bad(table.clone(), "`lat` is given without `lon`"),
        (None, Some(_)) => bad(table.clone(), "`lon` is given without `lat`"),
    }
}

fn time_at(v: &S<String>, start: UnixNanos) -> Result<f64, Bad> {
    parse_scenario_time(v.get_ref(), start).or_else(|e| bad(v.span(), format!("`{}`: {e}", v.get_ref())))
}

fn end_of(duration: &Option<S<String>>, until: &Option<S<String>>, start: UnixNanos) -> Result<End, Bad> {
    match (duration, until) {
        (Some(d), None) => parse_duration(d.get_ref())
            .map(End::After)
            .or_else(|e| bad(d.span(), format!("`{}`: {e}", d.get_ref()))),
        (None, Some(u)) => time_at(u, start).map(End::At),
        (None, None) => Ok(End::Never),
        (Some(_), Some(u)) => bad(u.span(), "give `duration` or `until`, not both"),
    }
}

fn direction(v: &Option<S<String>>) -> Result<Option<TurnDirection>, Bad> {
    match v {
        None => Ok(None),
        Some(s) => match s.get_ref().as_str() {
            "right" => Ok(Some(TurnDirection::Right)),
            "left" => Ok(Some(TurnDirection::Left)),
            other => bad(
                s.span(),
                format!("direction must be \"left\" or \"right\", not {other:?}"),
            ),
        },
    }
}

fn runway(
    airport: &Option<S<String>>,
    rwy: &Option<S<String>>,
    table: &Range<usize>,
) -> Result<RunwayRef, Bad> {
    let a = req(airport.as_ref(), table, "airport")?;
    let r = req(rwy.as_ref(), table, "runway")?;
    let Some(ap) = picket_world::airports::airport(a.get_ref()) else {
        return bad(
            a.span(),
            format!(
                "unknown airport {:?} (expected an ICAO code such as SVMI)",
                a.get_ref()
            ),
        );
    };
    let Some((rw, end, far)) = ap.runway_end(r.get_ref()) else {
        let names: Vec<String> = ap
            .runways
            .iter()
            .map(|rw| format!("{}/{}", rw.ends[0].designator, rw.ends[1].designator))
            .collect();
        return bad(
            r.span(),
            format!(
                "{} has no runway {:?} (it has {})",
                ap.ident,
                r.get_ref(),
                names.join(", ")
            ),
        );
    };
    let (Some(threshold), Some(far_threshold)) = (end.threshold, far.threshold) else {
        return bad(
            r.span(),
            format!(
                "runway {} of {} has no threshold positions",
                r.get_ref(),
                ap.ident
            ),
        );
    };
    let heading = end
        .heading_true
        .unwrap_or_else(|| threshold.bearing_to(far_threshold));
    let elevation_ft = end.elevation_ft.or(ap.elevation_ft).unwrap_or(0) as f64;
    let length_m = rw
        .length_m()
        .unwrap_or_else(|| threshold.distance_m(far_threshold));
    Ok(RunwayRef {
        airport: ap.ident.to_string(),
        designator: end.designator.to_string(),
        threshold,
        far_threshold,
        heading,
        elevation_ft,
        length_m,
    })
}

fn offset(p: &FilePhase) -> Result<Offset, Bad> {
    Ok(Offset {
        behind_nm: num(&p.behind_nm, -50.0, 50.0, "`behind_nm`")?.unwrap_or(1.0),
        right_nm: num(&p.right_nm, -50.0, 50.0, "`right_nm`")?.unwrap_or(0.0),
        above_ft: num(&p.above_ft, -10_000.0, 10_000.0, "`above_ft`")?.unwrap_or(0.0),
    })
}

const ALT: (f64, f64) = (-2000.0, 70_000.0);
const SPEED: (f64, f64) = (0.0, 2000.0);

/// Converts one phase table; aircraft references are resolved by `lookup` (hex → index).
fn phase(
    sp: &S<FilePhase>,
    start: UnixNanos,
    lookup: &dyn Fn(&S<String>) -> Result<usize, Bad>,
    out: &mut Vec<Phase>,
) -> Result<(), Bad> {
    let p = sp.get_ref();
    let table = sp.span();
    let kind = p.kind.get_ref().as_str();
    let Some((_, allowed)) = PHASE_FIELDS.iter().find(|(k, _)| *k == kind) else {
        let kinds: Vec<&str> = PHASE_FIELDS.iter().map(|(k, _)| *k).collect();
        return bad(
            p.kind.span(),
            format!(
                "unknown phase kind {kind:?} (expected one of: {})",
                kinds.join(", ")
            ),
        );
    };
    for (name, span) in p.present() {
        if !allowed.contains(&name) {
            return bad(
                span,
                format!(
                    "`{name}` does not apply to a `{kind}` phase (it takes: {})",
                    allowed.join(", ")
                ),
            );
        }
    }
    let alt = num(&p.alt_ft, ALT.0, ALT.1, "`alt_ft`")?;
    let speed = num(&p.speed_kt, SPEED.0, SPEED.1, "`speed_kt`")?;
    let phase = match kind {
        "takeoff" => Phase::Takeoff {
            runway: runway(&p.airport, &p.runway, &table)?,
        },
        "approach" => Phase::Approach {
            runway: runway(&p.airport, &p.runway, &table)?,
        },
        "climb" | "descend" => Phase::Altitude {
            alt_ft: req(alt, &table, "alt_ft")?,
            rate_fpm: num(&p.rate_fpm, 1.0, 60_000.0, "`rate_fpm`")?,
            speed_kt: speed,
        },
        "fly_to" => Phase::FlyTo {
            to: req(lat_lon(&p.lat, &p.lon, &table)?, &table, "lat` and `lon")?,
            alt_ft: alt,
            speed_kt: speed,
        },
        "route" => {
            let w = req(p.waypoints.as_ref(), &table, "waypoints")?;
            if w.get_ref().is_empty() {
                return bad(w.span(), "`waypoints` is empty");
            }
            for point in w.get_ref() {
                let ok = point.len() == 4
                    && (-90.0..=90.0).contains(&point[0])
                    && (-180.0..=180.0).contains(&point[1])
                    && (ALT.0..=ALT.1).contains(&point[2])
                    && (SPEED.0..=SPEED.1).contains(&point[3]);
                if !ok {
                    return bad(
                        w.span(),
                        format!("each waypoint is [lat, lon, alt_ft, speed_kt] in range, not {point:?}"),
                    );
                }
                out.push(Phase::FlyTo {
                    to: LatLon::new(point[0], point[1]),
                    alt_ft: Some(point[2]),
                    speed_kt: Some(point[3]),
                });
            }
            return Ok(());
        }
        "cruise" => Phase::Cruise {
            heading: num(&p.heading, 0.0, 360.0, "`heading`")?,
            alt_ft: alt,
            speed_kt: speed,
            end: end_of(&p.duration, &p.until, start)?,
        },
        "turn" => {
            let heading = num(&p.heading, 0.0, 360.0, "`heading`")?;
            let by_deg = num(&p.by_deg, 0.0, 3600.0, "`by_deg`")?;
            let dir = direction(&p.direction)?;
            match (heading, by_deg, dir) {
                (None, None, _) => return bad(table, "a turn needs `heading` or `by_deg`"),
                (Some(_), Some(_), _) => return bad(table, "give `heading` or `by_deg`, not both"),
                (None, Some(_), None) => return bad(table, "a turn `by_deg` needs a `direction`"),
                _ => {}
            }
            Phase::Turn {
                heading,
                by_deg,
                direction: dir,
                bank_deg: num(&p.bank_deg, 5.0, 80.0, "`bank_deg`")?,
            }
        }
        "orbit" | "hold" => {
            let hold = kind == "hold";
            let centre = lat_lon(&p.lat, &p.lon, &table)?;
            if hold && centre.is_none() {
                return bad(table, "a hold needs the fix as `lat` and `lon`");
            }
            Phase::Orbit {
                centre,
                radius_nm: num(&p.radius_nm, 0.0, 100.0, "`radius_nm`")?.unwrap_or(0.0),
                leg_nm: if hold {
                    num(&p.leg_nm, 0.5, 100.0, "`leg_nm`")?.unwrap_or(4.0)
                } else {
                    0.0
                },
                inbound_course: num(&p.inbound_course, 0.0, 360.0, "`inbound_course`")?,
                direction: direction(&p.direction)?.unwrap_or(TurnDirection::Right),
                alt_ft: alt,
                speed_kt: speed,
                end: end_of(&p.duration, &p.until, start)?,
            }
        }
        "taxi" => {
            let w = req(p.path.as_ref(), &table, "path")?;
            let mut path = Vec::new();
            for point in w.get_ref() {
                match point.as_slice() {
                    [lat, lon] if (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon) => {
                        path.push(LatLon::new(*lat, *lon))
                    }
                    _ => return bad(w.span(), format!("each path point is [lat, lon], not {point:?}")),
                }
            }
            if path.is_empty() {
                return bad(w.span(), "`path` is empty");
            }
            Phase::Taxi {
                path,
                speed_kt: num(&p.speed_kt, 1.0, 40.0, "`speed_kt`")?.unwrap_or(15.0),
            }
        }
        "park" => Phase::Park {
            at: lat_lon(&p.lat, &p.lon, &table)?,
            end: end_of(&p.duration, &p.until, start)?,
        },
        "formation" => Phase::Formation {
            leader: lookup(req(p.leader.as_ref(), &table, "leader")?)?,
            offset: offset(p)?,
            end: end_of(&p.duration, &p.until, start)?,
        },
        "ship_recovery" => Phase::ShipRecovery {
            ship: ship(p, &table)?,
            end: end_of(&p.duration, &p.until, start)?,
        },
        "ship_launch" => Phase::ShipLaunch {
            ship: ship(p, &table)?,
            end: end_of(&p.duration, &p.until, start)?,
        },
        "intercept" => Phase::Intercept {
            target: lookup(req(p.target.as_ref(), &table, "target")?)?,
            offset: offset(p)?,
            speed_kt: speed,
            end: end_of(&p.duration, &p.until, start)?,
        },
        _ => return bad(p.kind.span(), format!("unknown phase kind {kind:?}")),
    };
    out.push(phase);
    Ok(())
}

/// A ship phase's ship: `lat`/`lon` at the scenario's start, `heading` (its course),
/// `speed_kt` (default 20) and `alt_ft` (the deck's height above the sea, default 60).
fn ship(p: &FilePhase, table: &Range<usize>) -> Result<Ship, Bad> {
    Ok(Ship {
        at_start: req(lat_lon(&p.lat, &p.lon, table)?, table, "lat` and `lon")?,
        course: req(num(&p.heading, 0.0, 360.0, "`heading`")?, table, "heading")?,
        speed_kt: num(&p.speed_kt, 0.0, 40.0, "`speed_kt`")?.unwrap_or(20.0),
        deck_ft: num(&p.alt_ft, 0.0, 200.0, "`alt_ft`")?.unwrap_or(60.0),
    })
}

fn parse_hex(s: &S<String>) -> Result<u32, Bad> {
    let t = s.get_ref().trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    match u32::from_str_radix(t, 16) {
        Ok(v) if t.len() == 6 => Ok(v),
        _ => bad(
            s.span(),
            format!(
                "`hex` must be six hexadecimal digits (an ICAO address), not {:?}",
                s.get_ref()
            ),
        ),
    }
}

fn transponder_state(s: &S<String>) -> Result<TransponderState, Bad> {
    match s.get_ref().as_str() {
        "off" => Ok(TransponderState::Off),
        other => Transponder::parse(other).map(TransponderState::On).ok_or_else(|| Bad {
            span: Some(s.span()),
            message: format!(
                "transponder must be one of off, adsb0, adsb1, adsb2, modes_only, non_transponder_df18, not {other:?}"
            ),
        }),
    }
}

fn squawk(s: &S<String>) -> Result<Squawk, Bad> {
    Squawk::parse(s.get_ref().trim()).ok_or_else(|| Bad {
        span: Some(s.span()),
        message: format!(
            "squawk must be four octal digits such as \"7700\", not {:?}",
            s.get_ref()
        ),
    })
}

fn aircraft(
    sa: &S<FileAircraft>,
    start: UnixNanos,
    lookup: &dyn Fn(&S<String>) -> Result<usize, Bad>,
) -> Result<AircraftSpec, Bad> {
    let a = sa.get_ref();
    let table = sa.span();
    let address = parse_hex(&a.hex)?;
    let type_designator = a
        .type_designator
        .as_ref()
        .map(|t| t.get_ref().trim().to_ascii_uppercase());
    let category = match &a.category {
        Some(c) => Some(Category::parse(c.get_ref()).ok_or_else(|| Bad {
            span: Some(c.span()),
            message: format!(
                "category must be A0..D7 (e.g. \"A5\" for heavy), not {:?}",
                c.get_ref()
            ),
        })?),
        None => None,
    };
    let class = type_designator
        .as_deref()
        .and_then(Performance::class_of_type)
        .or(category.map(Performance::class_of_category))
        .unwrap_or(PerfClass::Jet);
    let mut performance = Performance::of_class(class);
    if let Some(fp) = &a.performance {
        if let Some(v) = num(&fp.cruise_kt, 50.0, 2000.0, "`cruise_kt`")? {
            performance.cruise_kt = v;
        }
        if let Some(v) = num(&fp.cruise_alt_ft, 1000.0, 70_000.0, "`cruise_alt_ft`")? {
            performance.cruise_alt_ft = v;
        }
        if let Some(v) = num(&fp.climb_fpm, 100.0, 60_000.0, "`climb_fpm`")? {
            performance.climb_fpm = v;
        }
        if let Some(v) = num(&fp.descent_fpm, 100.0, 60_000.0, "`descent_fpm`")? {
            performance.descent_fpm = v;
        }
        if let Some(v) = num(&fp.bank_deg, 5.0, 80.0, "`bank_deg`")? {
            performance.bank_deg = v;
        }
        if let Some(v) = num(&fp.max_kt, 50.0, 2000.0, "`max_kt`")? {
            performance.max_kt = v;
        }
    }
    let transponder = match &a.transponder {
        Some(t) => match transponder_state(t)? {
            TransponderState::On(x) => x,
            TransponderState::Off => {
                return bad(
                    t.span(),
                    "an aircraft's transponder is a capability; switch it off in a [[aircraft.window]]",
                )
            }
        },
        None => Transponder::Adsb2,
    };
    if let Some(cs) = &a.callsign {
        let ok = !cs.get_ref().is_empty()
            && cs.get_ref().len() <= 8
            && cs
                .get_ref()
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !ok {
            return bad(
                cs.span(),
                format!(
                    "callsign must be 1-8 upper-case letters or digits, not {:?}",
                    cs.get_ref()
                ),
            );
        }
    }
    let start_s = match &a.start {
        Some(s) => time_at(s, start)?,
        None => 0.0,
    };
    let mut phases = Vec::new();
    for p in &a.phase {
        phase(p, start, lookup, &mut phases)?;
    }
    let position = lat_lon(&a.lat, &a.lon, &table)?;
    let placed_by_phase = matches!(
        phases.first(),
        Some(Phase::Takeoff { .. }) | Some(Phase::Park { at: Some(_), .. }) | Some(Phase::ShipLaunch { .. })
    );
    let initial = match position {
        Some(position) => {
            let alt_ft = num(&a.alt_ft, ALT.0, ALT.1, "`alt_ft`")?.unwrap_or(0.0);
            let speed_kt = num(&a.speed_kt, SPEED.0, SPEED.1, "`speed_kt`")?
                .unwrap_or_else(|| performance.schedule_kt(alt_ft));
            let track = match num(&a.track, 0.0, 360.0, "`track`")? {
                Some(t) => t,
                None => match phases.first() {
                    Some(Phase::FlyTo { to, .. }) => position.bearing_to(*to),
                    _ => 0.0,
                },
            };
            Some(InitialState {
                position,
                alt_ft,
                speed_kt,
                track,
            })
        }
        None if placed_by_phase => None,
        None => return bad(
            table,
            "give the aircraft's starting `lat` and `lon` (and `alt_ft`, `speed_kt`), or start it with a \
                 `takeoff` or a `park` phase with a position",
        ),
    };
    let mut windows = Vec::new();
    for sw in &a.window {
        let w = sw.get_ref();
        let from_s = time_at(&w.from, start)?;
        let to_s = time_at(&w.to, start)?;
        if to_s <= from_s {
            return bad(w.to.span(), "a window's `to` must be after its `from`");
        }
        let emergency = match &w.emergency {
            Some(e) => Some(emergency_from_name(e.get_ref()).ok_or_else(|| Bad {
                span: Some(e.span()),
                message: format!(
                    "emergency must be general, lifeguard, minimum_fuel, no_communications, \
                     unlawful_interference or downed, not {:?}",
                    e.get_ref()
                ),
            })?),
            None => None,
        };
        let window = Window {
            from_s,
            to_s,
            transponder: w.transponder.as_ref().map(transponder_state).transpose()?,
            squawk: w.squawk.as_ref().map(squawk).transpose()?,
            emergency,
        };
        if window.transponder.is_none() && window.squawk.is_none() && window.emergency.is_none() {
            return bad(
                sw.span(),
                "a window changes nothing: give `transponder`, `squawk` or `emergency`",
            );
        }
        windows.push(window);
    }
    Ok(AircraftSpec {
        address,
        callsign: a.callsign.as_ref().map(|c| c.get_ref().clone()),
        registration: a.registration.clone(),
        type_designator,
        description: a.description.clone(),
        category: category.unwrap_or(Category::of_class(class)),
        transponder,
        squawk: match &a.squawk {
            Some(s) => squawk(s)?,
            None => Squawk(0o2000),
        },
        start_s,
        initial,
        phases,
        windows,
        performance,
        interest: a.interest.unwrap_or(true),
        vanish_when_done: false,
    })
}

fn receiver(sr: &S<FileReceiver>) -> Result<ReceiverSpec, Bad> {
    let r = sr.get_ref();
    let table = sr.span();
    let position = req(
        lat_lon(&Some(r.lat.clone()), &Some(r.lon.clone()), &table)?,
        &table,
        "lat",
    )?;
    let clock = match &r.clock {
        Some(c) => ClockSpec {
            offset_s: num(&c.offset_s, 0.0, 1e7, "`offset_s`")?.unwrap_or(0.0),
            drift_ppm: num(&c.drift_ppm, -1000.0, 1000.0, "`drift_ppm`")?.unwrap_or(0.0),
            jitter_ns: num(&c.jitter_ns, 0.0, 1e6, "`jitter_ns`")?.unwrap_or(50.0),
        },
        None => ClockSpec {
            offset_s: 0.0,
            drift_ppm: 0.0,
            jitter_ns: 50.0,
        },
    };
    let loss_near = num(&r.loss_near, 0.0, 1.0, "`loss_near`")?.unwrap_or(0.05);
    let loss_at_range = num(&r.loss_at_range, 0.0, 1.0, "`loss_at_range`")?.unwrap_or(0.8);
    if loss_at_range < loss_near {
        if let Some(s) = &r.loss_at_range {
            return bad(
                s.span(),
                "`loss_at_range` must not be below `loss_near`: loss grows with distance",
            );
        }
    }
    Ok(ReceiverSpec {
        name: r.name.get_ref().clone(),
        position,
        alt_ft: num(&r.alt_ft, -1000.0, 30_000.0, "`alt_ft`")?.unwrap_or(0.0),
        range_nm: num(&r.range_nm, 1.0, 500.0, "`range_nm`")?.unwrap_or(250.0),
        loss_near,
        loss_at_range,
        bit_error_rate: num(&r.bit_error_rate, 0.0, 0.1, "`bit_error_rate`")?.unwrap_or(0.0),
        signal_at_1nm_dbfs: num(&r.signal_at_1nm_dbfs, -60.0, 0.0, "`signal_at_1nm_dbfs`")?.unwrap_or(-6.0),
        clock,
    })
}

fn scenario(text: &str, origin: &str) -> Result<Scenario, Bad> {
    let f: FileScenario = toml::from_str(text).map_err(|e| Bad {
        span: e.span(),
        message: e.message().trim().to_string(),
    })?;
    let start = parse_rfc3339(f.start.get_ref()).or_else(|e| bad(f.start.span(), format!("`start`: {e}")))?;
    let duration_s = parse_duration(f.duration.get_ref())
        .or_else(|e| bad(f.duration.span(), format!("`duration`: {e}")))?;
    if duration_s <= 0.0 {
        return bad(f.duration.span(), "`duration` must be positive");
    }
    // Addresses first, so that formations and intercepts can name aircraft defined later.
    let mut addresses = Vec::new();
    for a in &f.aircraft {
        let hex = parse_hex(&a.get_ref().hex)?;
        if addresses.contains(&hex) {
            return bad(
                a.get_ref().hex.span(),
                format!("aircraft {hex:06x} is defined twice"),
            );
        }
        addresses.push(hex);
    }
    let mut aircraft_list = Vec::new();
    for (i, a) in f.aircraft.iter().enumerate() {
        let lookup = |s: &S<String>| -> Result<usize, Bad> {
            let hex = parse_hex(s)?;
            match addresses.iter().position(|&x| x == hex) {
                Some(j) if j == i => bad(s.span(), "an aircraft cannot follow itself"),
                Some(j) => Ok(j),
                None => bad(s.span(), format!("no aircraft {hex:06x} in this scenario")),
            }
        };
        aircraft_list.push(aircraft(a, start, &lookup)?);
    }
    check_follow_cycles(&f.aircraft, &aircraft_list)?;
    let mut receivers = Vec::new();
    for r in &f.receiver {
        receivers.push(receiver(r)?);
    }
    let background = match &f.background {
        Some(sb) => {
            let b = sb.get_ref();
            if !(0..=10_000).contains(b.flights.get_ref()) {
                return bad(b.flights.span(), "`flights` must be between 0 and 10000");
            }
            let mut airports = Vec::new();
            for code in &b.airports {
                match picket_world::airports::airport(code.get_ref()) {
                    Some(ap)
                        if ap
                            .runways
                            .iter()
                            .any(|r| r.ends.iter().all(|e| e.threshold.is_some())) =>
                    {
                        airports.push(ap.ident.to_string())
                    }
                    Some(_) => {
                        return bad(
                            code.span(),
                            format!("airport {:?} has no runway positions", code.get_ref()),
                        )
                    }
                    None => return bad(code.span(), format!("unknown airport {:?}", code.get_ref())),
                }
            }
            Some(BackgroundSpec {
                flights: *b.flights.get_ref() as u32,
                centre: req(
                    lat_lon(&Some(b.lat.clone()), &Some(b.lon.clone()), &sb.span())?,
                    &sb.span(),
                    "lat",
                )?,
                radius_nm: num(&Some(b.radius_nm.clone()), 10.0, 2000.0, "`radius_nm`")?.unwrap_or(300.0),
                airports,
                overflight_share: num(&b.overflight_share, 0.0, 1.0, "`overflight_share`")?.unwrap_or(0.4),
            })
        }
        None => None,
    };
    let atmosphere = match &f.atmosphere {
        Some(a) => Atmosphere {
            qnh_hpa: num(&a.qnh_hpa, 900.0, 1100.0, "`qnh_hpa`")?.unwrap_or(1013.25),
            isa_deviation_c: num(&a.isa_deviation_c, -60.0, 60.0, "`isa_deviation_c`")?.unwrap_or(0.0),
        },
        None => Atmosphere::default(),
    };
    Ok(Scenario {
        name: f.name.unwrap_or_else(|| origin.to_string()),
        description: f.description.unwrap_or_default(),
        start,
        duration_s,
        seed: f.seed.unwrap_or(1),
        atmosphere,
        aircraft: aircraft_list,
        receivers,
        background,
    })
}

/// Rejects formation/intercept chains that loop (A follows B follows A).
fn check_follow_cycles(files: &[S<FileAircraft>], list: &[AircraftSpec]) -> Result<(), Bad> {
    let follows = |i: usize| -> Vec<usize> {
        list[i]
            .phases
            .iter()
            .filter_map(|p| match p {
                Phase::Formation { leader, .. } => Some(*leader),
                Phase::Intercept { target, .. } => Some(*target),
                _ => None,
            })
            .collect()
    };
    for start in 0..list.len() {
        let mut stack = follows(start);
        let mut seen = vec![false; list.len()];
        while let Some(j) = stack.pop() {
            if j == start {
                return bad(
                    files[start].get_ref().hex.span(),
                    format!(
                        "aircraft {:06x} follows itself through a chain of formations",
                        list[start].address
                    ),
                );
            }
            if !seen[j] {
                seen[j] = true;
                stack.extend(follows(j));
            }
        }
    }
    Ok(())
}

impl Scenario {
    /// Parses and validates a scenario file; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        scenario(text, origin).map_err(|b| {
            let (line, column) = match b.span {
                Some(s) => locate(text, s.start),
                None => (0, 0),
            };
            ScenarioError {
                origin: origin.to_string(),
                line,
                column,
                message: b.message,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "test"
start = "2019-03-23T14:00:00Z"
duration = "1h"

[[receiver]]
name = "rx"
lat = 10.6
lon = -67.0

[[aircraft]]
hex = "1514c0"
callsign = "RFF7076"
type = "IL62"
lat = 12.0
lon = -66.0
alt_ft = 30000
speed_kt = 450

[[aircraft.phase]]
kind = "fly_to"
lat = 11.0
lon = -66.9
alt_ft = 10000

[[aircraft.phase]]
kind = "approach"
airport = "SVMI"
runway = "10"
"#;

    fn err(text: &str) -> ScenarioError {
        Scenario::from_toml(text, "t.toml").unwrap_err()
    }

    /// The 1-based line of the first line of `text` that contains `needle`.
    fn line_of(text: &str, needle: &str) -> usize {
        text.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    #[test]
    fn parses_a_minimal_scenario() {
        let s = Scenario::from_toml(MINIMAL, "t.toml").unwrap();
        assert_eq!(s.name, "test");
        assert_eq!(s.duration_s, 3600.0);
        assert_eq!(s.aircraft.len(), 1);
        let a = &s.aircraft[0];
        assert_eq!(a.address, 0x1514c0);
        assert_eq!(a.performance.class, PerfClass::Heavy);
        assert_eq!(a.category.to_string(), "A5");
        assert_eq!(a.phases.len(), 2);
        match &a.phases[1] {
            Phase::Approach { runway } => {
                assert_eq!(runway.airport, "SVMI");
                assert!((runway.heading - 88.0).abs() < 1.0, "{}", runway.heading);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(s.receivers[0].range_nm, 250.0);
    }

    #[test]
    fn errors_give_line_column_and_reason() {
        let text = MINIMAL.replace("runway = \"10\"", "runway = \"13\"");
        let e = err(&text);
        assert_eq!(e.line, line_of(&text, "runway = \"13\""), "{e}");
        assert_eq!(e.column, 10);
        assert!(e.message.contains("SVMI has no runway \"13\""), "{e}");
        assert!(e.message.contains("10/28"), "{e}");
        assert!(e.to_string().starts_with(&format!("t.toml:{}:10: ", e.line)));

        let e = err(&MINIMAL.replace("hex = \"1514c0\"", "hex = \"1514c\""));
        assert_eq!((e.line, e.column), (line_of(MINIMAL, "hex ="), 7), "{e}");

        let text = MINIMAL.replace("kind = \"fly_to\"", "kind = \"fly_to\"\nradius_nm = 3");
        let e = err(&text);
        assert!(
            e.message
                .contains("`radius_nm` does not apply to a `fly_to` phase"),
            "{e}"
        );
        assert_eq!(e.line, line_of(&text, "radius_nm"));

        let e = err(&MINIMAL.replace("lat = 11.0", "lat = 111.0"));
        assert!(e.message.contains("`lat` must be between"), "{e}");

        let e = err(&MINIMAL.replace("alt_ft = 30000", "alt_ft = \"high\""));
        assert_eq!(e.line, line_of(MINIMAL, "alt_ft = 30000"), "{e}");
        assert!(e.message.contains("invalid type"), "{e}");

        let text = MINIMAL.replace("speed_kt = 450", "speed_kt = 450\ncolour = \"red\"");
        let e = err(&text);
        assert_eq!(e.line, line_of(&text, "colour"), "{e}");
        assert!(e.message.contains("unknown field `colour`"), "{e}");

        let e = err(&MINIMAL.replace("2019-03-23T14:00:00Z", "March 23rd"));
        assert_eq!((e.line, e.column), (line_of(MINIMAL, "start ="), 9));

        let e = err(&MINIMAL.replace(
            "[[aircraft.phase]]\nkind = \"fly_to\"",
            "[[aircraft.phase]]\nkind = \"loop\"",
        ));
        assert!(e.message.contains("unknown phase kind \"loop\""), "{e}");

        let e = err("start = ");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn formations_resolve_and_cycles_are_rejected() {
        let two = format!(
            "{MINIMAL}\n[[aircraft]]\nhex = \"150d8a\"\nlat = 12.0\nlon = -66.1\nalt_ft = 30000\n\
             [[aircraft.phase]]\nkind = \"formation\"\nleader = \"1514c0\"\nbehind_nm = 1\n"
        );
        let s = Scenario::from_toml(&two, "t").unwrap();
        assert!(matches!(
            s.aircraft[1].phases[0],
            Phase::Formation { leader: 0, .. }
        ));
        let e = err(&two.replace("leader = \"1514c0\"", "leader = \"abcdef\""));
        assert!(e.message.contains("no aircraft abcdef"), "{e}");
        let e = err(&two.replace("leader = \"1514c0\"", "leader = \"150d8a\""));
        assert!(e.message.contains("cannot follow itself"), "{e}");
        let cyc = format!("{two}\n").replace(
            "[[aircraft.phase]]\nkind = \"fly_to\"",
            "[[aircraft.phase]]\nkind = \"formation\"\nleader = \"150d8a\"\n[[aircraft.phase]]\nkind = \"fly_to\"",
        );
        let e = err(&cyc);
        assert!(e.message.contains("chain of formations"), "{e}");
    }

    #[test]
    fn windows_parse() {
        let w = format!(
            "{MINIMAL}\n[[aircraft.window]]\nfrom = \"+10m\"\nto = \"+20m\"\nsquawk = \"7700\"\n\
             [[aircraft.window]]\nfrom = \"+30m\"\nto = \"+40m\"\ntransponder = \"off\"\n"
        );
        let s = Scenario::from_toml(&w, "t").unwrap();
        let a = &s.aircraft[0];
        assert_eq!(a.squawk_at(700.0), Squawk::EMERGENCY);
        assert_eq!(a.emergency_at(700.0), Some(crate::scenario::Emergency::General));
        assert_eq!(a.emergency_at(1300.0), None);
        assert_eq!(a.transponder_at(2000.0), TransponderState::Off);
        assert_eq!(a.transponder_at(2400.0), TransponderState::On(Transponder::Adsb2));
        let e = err(&w.replace("squawk = \"7700\"", "squawk = \"7800\""));
        assert!(e.message.contains("octal"), "{e}");
        let e = err(&w.replace("to = \"+20m\"", "to = \"+5m\""));
        assert!(e.message.contains("after its `from`"), "{e}");
    }
}
