//! Public history as observations: readsb/tar1090 trace files (globe_history), traffic's
//! trajectory JSON (pandas records, as in traffic's samples) and OpenSky state-vector CSV.
//!
//! Each reader gives [`Received`] observations in time order and the rows it skipped, each
//! with where (record or line) and why. Units are converted to the field dictionary's
//! (feet, knots, ft/min).

use std::io::Read;

use picket_modes::Icao;
use picket_receive::jsonl::JsonlReader;
use picket_receive::observation::parse_hex_address;
use picket_receive::{Clock, Observation, ObservationSource, Reader, ReaderConfig, Received, TimeBase, What};
use serde_json::Value;

use crate::rows::StateRow;

/// The formats [`read`] knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// A readsb/tar1090 trace file (`trace_full_<hex>.json`, globe_history).
    Trace,
    /// traffic's JSON: an array of records (`icao24`, `timestamp`, `latitude`, …).
    Traffic,
    /// OpenSky state vectors as CSV (`time,icao24,lat,lon,velocity,…`).
    OpenSkyCsv,
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where: `record 12`, `trace[3]`, `line 7`.
    pub at: String,
    /// Why.
    pub why: String,
}

/// What a file gave.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Observations in time order.
    pub items: Vec<Received>,
    /// Rows skipped.
    pub skipped: Vec<Skipped>,
}

const FT_PER_M: f64 = 1.0 / 0.3048;
const KT_PER_MS: f64 = 3600.0 / 1852.0;

/// Undoes gzip when the bytes start with its magic.
pub fn gunzip_if(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 6);
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot decompress: {e}"))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

/// Tells the format from the first bytes.
pub fn detect(bytes: &[u8]) -> Option<ImportFormat> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let t = head.trim_start();
    if t.starts_with('{') && head.contains("\"trace\"") {
        Some(ImportFormat::Trace)
    } else if t.starts_with('[') {
        Some(ImportFormat::Traffic)
    } else if t.starts_with("time,") || t.contains("icao24") {
        Some(ImportFormat::OpenSkyCsv)
    } else {
        None
    }
}

/// Reads a file's bytes (gzip undone) in the given format.
pub fn read(bytes: &[u8], format: ImportFormat) -> Result<Imported, String> {
    let mut out = match format {
        ImportFormat::Trace => read_trace(bytes)?,
        ImportFormat::Traffic => read_traffic(bytes)?,
        ImportFormat::OpenSkyCsv => read_opensky_csv(bytes)?,
    };
    out.items.sort_by(|a, b| a.time_utc.total_cmp(&b.time_utc));
    Ok(out)
}

fn item(time: f64, o: Observation) -> Received {
    Received {
        time_utc: time,
        clock: Clock::None,
        signal: None,
        receiver: 0,
        what: What::Observation(Box::new(o)),
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn squawk(v: &Value) -> Option<u16> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u16::from_str_radix(&s, 8).ok()
}

fn address(s: &str) -> Option<(Icao, bool)> {
    parse_hex_address(&s.trim().to_ascii_lowercase())
}

/// readsb's trace: `{"icao", "r", "t", "timestamp", "trace": [[dt, lat, lon, alt|"ground",
/// gs, track, flags, vrate, details|null, source, alt_geom, geom_rate, ias, roll], …]}`.
pub fn read_trace(bytes: &[u8]) -> Result<Imported, String> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("not JSON: line {}, column {}: {e}", e.line(), e.column()))?;
    let hex = doc
        .get("icao")
        .and_then(Value::as_str)
        .ok_or("no \"icao\" in the trace")?;
    let (icao, non_icao) = address(hex).ok_or_else(|| format!("\"icao\": {hex:?} is not an address"))?;
    let base = doc
        .get("timestamp")
        .and_then(num)
        .ok_or("no \"timestamp\" in the trace")?;
    let registration = doc.get("r").and_then(text);
    let type_code = doc.get("t").and_then(text);
    let rows = doc
        .get("trace")
        .and_then(Value::as_array)
        .ok_or("no \"trace\" array")?;
    let mut out = Imported::default();
    let mut flight: Option<String> = None;
    for (i, row) in rows.iter().enumerate() {
        let at = format!("trace[{i}]");
        let Some(r) = row.as_array() else {
            out.skipped.push(Skipped {
                at,
                why: "not an array".into(),
            });
            continue;
        };
        let g = |k: usize| r.get(k).unwrap_or(&Value::Null);
        let Some(dt) = num(g(0)) else {
            out.skipped.push(Skipped {
                at,
                why: "no time offset".into(),
            });
            continue;
        };
        let mut o = Observation::new(icao, ObservationSource::JsonState);
        o.non_icao = non_icao;
        o.registration = registration.clone();
        o.type_code = type_code.clone();
        o.lat = num(g(1));
        o.lon = num(g(2));
        if o.lat.is_some_and(|v| !(-90.0..=90.0).contains(&v))
            || o.lon.is_some_and(|v| !(-180.0..=180.0).contains(&v))
        {
            out.skipped.push(Skipped {
                at,
                why: "position out of range".into(),
            });
            continue;
        }
        match g(3) {
            Value::String(s) if s == "ground" => o.on_ground = Some(true),
            v => {
                o.alt_baro = num(v).map(|a| a.round() as i32);
                if o.alt_baro.is_some() {
                    o.on_ground = Some(false);
                }
            }
        }
        o.gs = num(g(4)).map(|v| v as f32);
        o.track = num(g(5)).map(|v| v as f32);
        let flags = num(g(6)).unwrap_or(0.0) as u32;
        if let Some(v) = num(g(7)) {
            // Bit 2 of the flags: the vertical rate is geometric.
            if flags & 4 != 0 {
                o.geom_rate = Some(v.round() as i32);
            } else {
                o.baro_rate = Some(v.round() as i32);
            }
        }
        if let Some(d) = g(8).as_object() {
            if let Some(f) = d.get("flight").and_then(text) {
                flight = Some(f);
            }
            o.squawk = d.get("squawk").and_then(squawk);
            o.ias = d.get("ias").and_then(num).map(|v| v as u16);
            o.tas = d.get("tas").and_then(num).map(|v| v as u16);
            o.mach = d.get("mach").and_then(num).map(|v| v as f32);
            o.mag_heading = d.get("mag_heading").and_then(num).map(|v| v as f32);
            o.true_heading = d.get("true_heading").and_then(num).map(|v| v as f32);
            o.version = d.get("version").and_then(num).map(|v| v as u8);
            o.nic = d.get("nic").and_then(num).map(|v| v as u8);
            o.nac_p = d.get("nac_p").and_then(num).map(|v| v as u8);
            o.sil = d.get("sil").and_then(num).map(|v| v as u8);
            o.category = d.get("category").and_then(text);
        }
        o.flight = flight.clone();
        o.alt_geom = num(g(10)).map(|v| v.round() as i32);
        if o.ias.is_none() {
            o.ias = num(g(12)).map(|v| v as u16);
        }
        out.items.push(item(base + dt, o));
    }
    Ok(out)
}

/// traffic's and OpenSky's trajectory JSON (pandas records or columns orient: `icao24`,
/// `timestamp` in ms or ISO, `latitude`, `longitude`, `altitude` ft, `groundspeed` kt,
/// `track`, `vertical_rate` ft/min, `callsign`, `onground`, `squawk`, `geoaltitude` ft, …),
/// read by the receive crate's JSON reader, the one every JSON source goes through
/// (`picket_receive::records` translates the records): a record without a time or an
/// address is skipped with the line it is on and why.
pub fn read_traffic(bytes: &[u8]) -> Result<Imported, String> {
    if !bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[' || b == b'{')
    {
        return Err("not JSON: neither an array nor an object".into());
    }
    let mut reader = JsonlReader::new(ReaderConfig {
        // A record without its own time gets this (NaN) and is skipped.
        time_base: TimeBase::Arrival,
        ..ReaderConfig::default()
    });
    reader.feed_at(bytes, f64::NAN);
    reader.finish();
    let mut out = Imported::default();
    while let Some(item) = reader.next() {
        match item {
            Ok(r) if !r.time_utc.is_finite() => out.skipped.push(Skipped {
                at: format!("record of {}", address_of(&r)),
                why: "no timestamp".into(),
            }),
            Ok(r) if matches!(r.what, What::Observation(_)) => out.items.push(r),
            Ok(r) => out.skipped.push(Skipped {
                at: format!("item at {:.3}", r.time_utc),
                why: "not a trajectory record".into(),
            }),
            Err(e) => out.skipped.push(Skipped {
                at: e.at.to_string(),
                why: e.kind.to_string(),
            }),
        }
    }
    Ok(out)
}

fn address_of(r: &Received) -> String {
    match &r.what {
        What::Observation(o) => o.hex.to_string(),
        _ => "?".into(),
    }
}

/// OpenSky's state vectors (`states_*.csv`): `time,icao24,lat,lon,velocity,heading,
/// vertrate,callsign,onground,alert,spi,squawk,baroaltitude,geoaltitude,lastposupdate,
/// lastcontact`, SI units.
pub fn read_opensky_csv(bytes: &[u8]) -> Result<Imported, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or("empty file")?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let col = |name: &str| cols.iter().position(|c| *c == name);
    let (Some(c_time), Some(c_icao)) = (col("time"), col("icao24")) else {
        return Err("line 1: no time and icao24 columns".into());
    };
    let c = |n: &str| col(n);
    let (c_lat, c_lon, c_vel, c_head, c_vr, c_cs, c_gnd, c_sq, c_baro, c_geo, c_pos) = (
        c("lat"),
        c("lon"),
        c("velocity"),
        c("heading"),
        c("vertrate"),
        c("callsign"),
        c("onground"),
        c("squawk"),
        c("baroaltitude"),
        c("geoaltitude"),
        c("lastposupdate"),
    );
    let mut out = Imported::default();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("line {}", n + 1);
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |i: Option<usize>| i.and_then(|i| f.get(i)).copied().filter(|s| !s.is_empty());
        let fnum = |i: Option<usize>| {
            get(i)
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let Some((icao, non_icao)) = get(Some(c_icao)).and_then(address) else {
            out.skipped.push(Skipped {
                at,
                why: "no icao24 address".into(),
            });
            continue;
        };
        // The position's own time when given, else the vector's.
        let Some(t) = fnum(c_pos).or(fnum(Some(c_time))) else {
            out.skipped.push(Skipped {
                at,
                why: "no time".into(),
            });
            continue;
        };
        let mut o = Observation::new(icao, ObservationSource::JsonState);
        o.non_icao = non_icao;
        o.lat = fnum(c_lat);
        o.lon = fnum(c_lon);
        o.gs = fnum(c_vel).map(|v| (v * KT_PER_MS) as f32);
        o.track = fnum(c_head).map(|v| v as f32);
        o.baro_rate = fnum(c_vr).map(|v| (v * FT_PER_M * 60.0).round() as i32);
        o.flight = get(c_cs).map(str::to_string);
        o.on_ground = get(c_gnd).map(|s| s.eq_ignore_ascii_case("true") || s == "1");
        o.squawk = get(c_sq).and_then(|s| squawk(&Value::String(s.to_string())));
        o.alt_baro = fnum(c_baro).map(|v| (v * FT_PER_M).round() as i32);
        o.alt_geom = fnum(c_geo).map(|v| (v * FT_PER_M).round() as i32);
        out.items.push(item(t, o));
    }
    Ok(out)
}

/// The state row of an observation with a position (the file's values, unthinned).
pub fn state_of(r: &Received) -> Option<StateRow> {
    let o = r.what.observation()?;
    let (lat, lon) = (o.lat?, o.lon?);
    Some(StateRow {
        hex: if o.non_icao {
            format!("~{:06x}", o.hex.0)
        } else {
            format!("{:06x}", o.hex.0)
        },
        t: r.time_utc,
        lat,
        lon,
        alt_baro: o.alt_baro,
        gs: o.gs,
        track: o.track,
        baro_rate: o.baro_rate,
        on_ground: o.on_ground,
        flight: o.flight.clone(),
        squawk: o.squawk.map(|s| format!("{s:04o}")),
    })
}
