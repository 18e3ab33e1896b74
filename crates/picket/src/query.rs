//! `picket query`: questions to the history store (the logic is picket-store's; this is the
//! command line).

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, ValueEnum};
use picket_receive::time::parse_time;
use picket_server::{HistoryError, QueryAnswer, QueryError, StoreQuery};
use picket_store::export::{self, Format};
use picket_store::{Area, Filter, History};
use picket_world::geo::{LatLon, Polygon};
use picket_world::zones::{builtin_zones, load_geojson};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum What {
    /// Event reports (landings, dwells, zone entries, …).
    Events,
    /// Aircraft seen, with identity and classification.
    Aircraft,
    /// The tracks of the aircraft found (GeoJSON/KML LineStrings).
    Tracks,
    /// Stays on the ground at one airport (deployments): start, end, duration.
    Deployments,
    /// The sky at one time (`--at`): each aircraft's latest position.
    Sky,
    /// What the store holds.
    Info,
}

/// Arguments of `picket query`.
#[derive(Debug, Args)]
pub(crate) struct QueryArgs {
    /// What to list.
    #[arg(value_enum, default_value = "events")]
    what: What,
    /// The store directory (as given to `picket run --store`).
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// From this time (RFC 3339, a date, or Unix seconds).
    #[arg(long)]
    from: Option<String>,
    /// To this time (a date alone includes the whole day).
    #[arg(long)]
    to: Option<String>,
    /// For `sky`: the time to look at.
    #[arg(long)]
    at: Option<String>,
    /// Area: a box `SOUTH,WEST,NORTH,EAST` in degrees.
    #[arg(long, value_name = "S,W,N,E", allow_hyphen_values = true)]
    bbox: Option<String>,
    /// Area: a polygon `LAT LON; LAT LON; …` (three corners at least).
    #[arg(long, value_name = "POINTS", allow_hyphen_values = true)]
    polygon: Option<String>,
    /// Area: a zone by id (built-in, or from `--zones`).
    #[arg(long, value_name = "ID")]
    zone: Option<String>,
    /// Zone file (GeoJSON) for `--zone`.
    #[arg(long, value_name = "FILE")]
    zones: Vec<PathBuf>,
    /// Area: a country's territory (ISO code or name); events at its airports count.
    #[arg(long = "in-country", value_name = "COUNTRY")]
    in_country: Option<String>,
    /// Area: around an airport (ICAO or IATA code).
    #[arg(long, value_name = "CODE")]
    airport: Option<String>,
    /// Area: around a point `LAT,LON`.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    around: Option<String>,
    /// Radius for `--airport` and `--around`: metres, or with `km` / `nm` (default 10km).
    #[arg(long)]
    radius: Option<String>,
    /// Aircraft address (hex); repeatable.
    #[arg(long)]
    hex: Vec<String>,
    /// Registration.
    #[arg(long)]
    registration: Option<String>,
    /// Callsign pattern (`*` and `?`).
    #[arg(long)]
    callsign: Option<String>,
    /// ICAO type designator (e.g. IL62, A124).
    #[arg(long = "type")]
    type_designator: Option<String>,
    /// Operator (part of the name).
    #[arg(long)]
    operator: Option<String>,
    /// Country of the aircraft (address block): ISO code or name.
    #[arg(long)]
    country: Option<String>,
    /// Military and state aircraft only.
    #[arg(long)]
    military: bool,
    /// Event kind (landing, takeoff, dwell, zone_entry, …); repeatable.
    #[arg(long)]
    kind: Vec<String>,
    /// Events too that no rule raised (every detector event a run saw); default: alerts.
    #[arg(long)]
    all_events: bool,
    /// Output: table, jsonl, csv, geojson, kml, parquet (events and tracks, with --output).
    #[arg(long, default_value = "table")]
    format: String,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// At most N rows.
    #[arg(long, default_value_t = 0)]
    limit: usize,
}

fn time_arg(name: &str, text: &str, end_of_day: bool) -> Result<f64> {
    let t = parse_time(text)
        .ok_or_else(|| anyhow!("--{name} {text:?} is not a time (RFC 3339, a date or Unix seconds)"))?;
    // A date alone as the end of a range means the whole day.
    Ok(if end_of_day && text.trim().len() == 10 {
        t + 86_399.999
    } else {
        t
    })
}

fn radius_m(text: Option<&str>) -> Result<f64> {
    let Some(t) = text else { return Ok(10_000.0) };
    let t = t.trim().to_ascii_lowercase();
    let (num, mult) = if let Some(n) = t.strip_suffix("km") {
        (n, 1000.0)
    } else if let Some(n) = t.strip_suffix("nm") {
        (n, 1852.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 1.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| anyhow!("--radius {t:?} is not a distance (e.g. 10km, 5nm, 800m)"))?;
    Ok(v * mult)
}

fn latlon(text: &str) -> Result<LatLon> {
    let mut it = text.split([',', ' ']).filter(|s| !s.is_empty());
    let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) else {
        bail!("{text:?} is not LAT,LON");
    };
    Ok(LatLon {
        lat: a.trim().parse().map_err(|_| anyhow!("{text:?}: bad latitude"))?,
        lon: b.trim().parse().map_err(|_| anyhow!("{text:?}: bad longitude"))?,
    })
}

impl QueryArgs {
    fn area(&self) -> Result<Option<Area>> {
        let given = [
            self.bbox.is_some(),
            self.polygon.is_some(),
            self.zone.is_some(),
            self.in_country.is_some(),
            self.airport.is_some(),
            self.around.is_some(),
        ];
        if given.iter().filter(|&&g| g).count() > 1 {
            bail!("give one area: --bbox, --polygon, --zone, --in-country, --airport or --around");
        }
        if let Some(b) = &self.bbox {
            let v: Vec<f64> = b
                .split(',')
                .map(|s| s.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| anyhow!("--bbox {b:?} is not SOUTH,WEST,NORTH,EAST"))?;
            let [south, west, north, east] = v[..] else {
                bail!("--bbox {b:?} is not SOUTH,WEST,NORTH,EAST");
            };
            return Ok(Some(Area::Bbox {
                south,
                west,
                north,
                east,
            }));
        }
        if let Some(p) = &self.polygon {
            let pts: Vec<LatLon> = p
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(latlon)
                .collect::<Result<_>>()?;
            let poly = Polygon::new(&pts, &[]).map_err(|e| anyhow!("--polygon: {e}"))?;
            return Ok(Some(Area::Polygon(poly)));
        }
        if let Some(id) = &self.zone {
            let mut zones = builtin_zones().to_vec();
            for f in &self.zones {
                let text =
                    std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
                let z = load_geojson(&text)
                    .map_err(|e| anyhow!("{}:{}: {}", f.display(), e.line, e.kind.as_str()))?;
                zones.extend(z);
            }
            let z = zones
                .into_iter()
                .find(|z| z.id == *id)
                .ok_or_else(|| anyhow!("no zone {id:?} (built-in zones, or give --zones FILE)"))?;
            return Ok(Some(Area::Zone(Box::new(z))));
        }
        if let Some(c) = &self.in_country {
            let found = picket_world::borders::country(&c.to_ascii_uppercase()).or_else(|| {
                picket_world::borders::countries()
                    .iter()
                    .find(|x| x.name.eq_ignore_ascii_case(c.trim()))
            });
            let country =
                found.ok_or_else(|| anyhow!("--in-country {c:?}: no such country (ISO code or name)"))?;
            return Ok(Some(Area::Country(country)));
        }
        if let Some(code) = &self.airport {
            let up = code.to_ascii_uppercase();
            let a = picket_world::airports::airport(&up)
                .or_else(|| picket_world::airports::airport_by_iata(&up))
                .ok_or_else(|| anyhow!("--airport {code:?}: unknown airport"))?;
            return Ok(Some(Area::Around {
                centre: a.position,
                radius_m: radius_m(self.radius.as_deref())?,
            }));
        }
        if let Some(p) = &self.around {
            return Ok(Some(Area::Around {
                centre: latlon(p)?,
                radius_m: radius_m(self.radius.as_deref())?,
            }));
        }
        Ok(None)
    }

    fn filter(&self) -> Result<Filter> {
        Ok(Filter {
            from: self
                .from
                .as_deref()
                .map(|t| time_arg("from", t, false))
                .transpose()?,
            to: self.to.as_deref().map(|t| time_arg("to", t, true)).transpose()?,
            area: self.area()?,
            hex: self.hex.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
            registration: self.registration.clone(),
            callsign: self.callsign.clone(),
            type_designator: self.type_designator.clone(),
            operator: self.operator.clone(),
            country: self.country.clone(),
            military: self.military,
            kinds: self.kind.clone(),
            all_events: self.all_events,
            limit: self.limit,
        })
    }
}

/// The bytes of an answer in a format: `json` is the array of what `jsonl` writes a line of
/// (the HTTP API's default), `parquet` the file for events and tracks.
fn checked_format(args: &QueryArgs) -> Result<Option<Format>> {
    let f = args.format.to_ascii_lowercase();
    if f == "parquet" {
        if !matches!(args.what, What::Events | What::Tracks) {
            bail!("--format parquet is written for events and tracks");
        }
        return Ok(None);
    }
    if args.what == What::Sky && args.at.is_none() {
        bail!("sky needs --at TIME");
    }
    let format: Format = f
        .parse()
        .map_err(|e: String| anyhow!("--format: {e} (or parquet)"))?;
    Ok(Some(format))
}

/// The media type of a format's bytes (`json` and `jsonl` apart).
pub(crate) fn content_type(format: &str) -> &'static str {
    match format.to_ascii_lowercase().as_str() {
        "json" => "application/json",
        "jsonl" => "application/x-ndjson",
        "csv" => "text/csv; charset=utf-8",
        "geojson" => "application/geo+json",
        "kml" => "application/vnd.google-earth.kml+xml",
        "parquet" => "application/vnd.apache.parquet",
        _ => "text/plain; charset=utf-8",
    }
}

pub(crate) fn run(args: &QueryArgs) -> Result<ExitCode> {
    let filter = args.filter()?;
    checked_format(args)?;
    if args.format.eq_ignore_ascii_case("parquet") && args.output.is_none() {
        bail!("--format parquet needs --output FILE");
    }
    // `info` checks every page of the store first (a read of the whole file: seconds on a
    // day's store); a question reads only the pages it needs, and when it fails the check
    // says whether the file is damaged and what can still be read.
    let history = if args.what == What::Info {
        History::open(&args.store)
    } else {
        History::open_unchecked(&args.store)
    }
    .map_err(|e| anyhow!("{e}"))?;
    let bytes = answer(args, &filter, &history).map_err(|err| match history.damage() {
        Some(damage) => anyhow!("{damage}"),
        None => err,
    })?;
    match &args.output {
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (| head) is not an error worth reporting.
            let _ = out.write_all(&bytes);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `/api/history/{what}`'s question as the command line's: the same names, read by the same
/// code (`hex` and `kind` are comma-separated lists; `info`, which reads the whole file, is
/// not served). `zones`: the run's zone files, for `zone`.
pub(crate) fn from_http(q: &StoreQuery, store: PathBuf, zones: Vec<PathBuf>) -> Result<QueryArgs> {
    let what = What::from_str(&q.what, true)
        .ok()
        .filter(|w| *w != What::Info)
        .ok_or_else(|| anyhow!("{:?}: events, aircraft, tracks, deployments or sky", q.what))?;
    let list = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    Ok(QueryArgs {
        what,
        store,
        from: q.from.clone(),
        to: q.to.clone(),
        at: q.at.clone(),
        bbox: q.bbox.clone(),
        polygon: q.polygon.clone(),
        zone: q.zone.clone(),
        zones,
        in_country: q.in_country.clone(),
        airport: q.airport.clone(),
        around: q.around.clone(),
        radius: q.radius.clone(),
        hex: list(&q.hex),
        registration: q.registration.clone(),
        callsign: q.callsign.clone(),
        type_designator: q.type_designator.clone(),
        operator: q.operator.clone(),
        country: q.country.clone(),
        military: q.military.unwrap_or(false),
        kind: list(&q.kind),
        all_events: q.all_events.unwrap_or(false),
        format: q.format.clone().unwrap_or_else(|| "json".into()),
        output: None,
        limit: q.limit.unwrap_or(0),
    })
}

/// Answers a question of `/api/history/{what}` from an open store.
pub(crate) fn answer_http(args: &QueryArgs, history: &History) -> Result<QueryAnswer, QueryError> {
    let filter = args.filter().map_err(|e| QueryError::Bad(e.to_string()))?;
    checked_format(args).map_err(|e| QueryError::Bad(e.to_string()))?;
    let body = answer(args, &filter, history).map_err(|e| {
        QueryError::Failed(HistoryError(
            history.damage().map_or(e.to_string(), |d| d.to_string()),
        ))
    })?;
    Ok(QueryAnswer {
        content_type: content_type(&args.format),
        body,
    })
}

/// JSON lines as one JSON array.
fn json_array(lines: &str) -> String {
    let mut out = String::with_capacity(lines.len() + 2);
    out.push('[');
    for (i, l) in lines.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(l);
    }
    out.push_str("]\n");
    out
}

fn answer(args: &QueryArgs, filter: &Filter, history: &History) -> Result<Vec<u8>> {
    let filter = filter.clone();
    let e = |e: picket_store::Error| anyhow!("{e}");
    let Some(format) = checked_format(args)? else {
        return Ok(match args.what {
            What::Events => export::events_parquet(&history.events(&filter).map_err(e)?),
            What::Tracks => export::tracks_parquet(&history.tracks(&filter).map_err(e)?),
            _ => bail!("--format parquet is written for events and tracks"),
        });
    };
    let text = match args.what {
        What::Events => export::events(&history.events(&filter).map_err(e)?, format),
        What::Aircraft => export::aircraft(&history.aircraft(&filter).map_err(e)?, format),
        What::Tracks => export::tracks(&history.tracks(&filter).map_err(e)?, format),
        What::Deployments => export::deployments(&history.deployments(&filter).map_err(e)?, format),
        What::Sky => {
            let at = args
                .at
                .as_deref()
                .ok_or_else(|| anyhow!("sky needs --at TIME"))
                .and_then(|t| time_arg("at", t, false))?;
            let states = history.sky_at(at, 60.0, &filter).map_err(e)?;
            let tracks: Vec<picket_store::Track> = states
                .into_iter()
                .map(|s| picket_store::Track {
                    aircraft: history.aircraft_by_hex(&s.hex).ok().flatten().unwrap_or_else(|| {
                        picket_store::AircraftRow {
                            hex: s.hex.clone(),
                            ..Default::default()
                        }
                    }),
                    points: vec![s],
                })
                .collect();
            export::tracks(&tracks, format)
        }
        What::Info => {
            let x = history.extent().map_err(e)?;
            let mut s = String::new();
            if let Some((a, b)) = x.frames {
                s.push_str(&format!("frames      {} .. {}\n", export::utc(a), export::utc(b)));
            }
            s.push_str(&format!(
                "raw items   {} in {} blocks: {} bytes compressed ({:.2} per item), {} before\n",
                x.items,
                x.blocks,
                x.frame_bytes,
                x.frame_bytes as f64 / x.items.max(1) as f64,
                x.raw_bytes
            ));
            s.push_str(&format!(
                "states      {}\nevents      {}\naircraft    {}\n",
                x.states, x.events, x.aircraft
            ));
            s
        }
    };
    Ok(if args.format.eq_ignore_ascii_case("json") {
        json_array(&text).into_bytes()
    } else {
        text.into_bytes()
    })
}
