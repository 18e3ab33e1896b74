//! Query results as text: an aligned table, JSON lines, CSV, GeoJSON (RFC 7946) and KML 2.2.
//!
//! Times are RFC 3339 UTC with milliseconds in the table, CSV, GeoJSON and KML, and Unix
//! seconds too in JSON; positions WGS 84 degrees; KML altitudes metres (from `alt_baro` in
//! feet).

use std::fmt::Write;

use serde_json::{json, Map, Value};

use crate::query::{Deployment, EventHit, Track};
use crate::rows::AircraftRow;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header line (RFC 4180 quoting).
    Csv,
    /// A GeoJSON FeatureCollection.
    GeoJson,
    /// A KML 2.2 document (Google Earth).
    Kml,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "table" => Format::Table,
            "jsonl" | "json" => Format::Jsonl,
            "csv" => Format::Csv,
            "geojson" => Format::GeoJson,
            "kml" => Format::Kml,
            other => {
                return Err(format!(
                    "unknown format {other:?} (table, jsonl, csv, geojson, kml)"
                ))
            }
        })
    }
}

/// RFC 3339 UTC with milliseconds (picket's one formatter, in `picket_receive::time`).
pub use picket_receive::time::format_utc as utc;

/// `3d 12h 5m` style.
pub fn duration(s: f64) -> String {
    let s = s.max(0.0).round() as i64;
    let (d, h, m) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    if d > 0 {
        format!("{d}d {h}h {m}m")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m {}s", s % 60)
    }
}

fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<width$}  ", width = w[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, header.to_vec());
    for r in rows {
        line(&mut out, r.iter().map(String::as_str).collect());
    }
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn kml_doc(name: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n<name>{}</name>\n{body}</Document>\n</kml>\n",
        xml(name)
    )
}

fn aircraft_props(a: &AircraftRow) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("hex".into(), json!(a.hex));
    for (k, v) in [
        ("flight", &a.flight),
        ("registration", &a.registration),
        ("type", &a.type_designator),
        ("operator", &a.operator),
        ("country", &a.country),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    m.insert("military".into(), json!(a.military));
    m.insert("class".into(), json!(a.class));
    m.insert("class_layer".into(), json!(a.class_layer));
    m
}

fn geojson(features: Vec<Value>) -> String {
    let mut s = serde_json::to_string(&json!({"type": "FeatureCollection", "features": features}))
        .unwrap_or_default();
    s.push('\n');
    s
}

const EVENT_HEADER: [&str; 11] = [
    "time",
    "kind",
    "phase",
    "hex",
    "registration",
    "type",
    "flight",
    "country",
    "place",
    "place_name",
    "onset",
];

fn event_cells(h: &EventHit) -> Vec<String> {
    let e = &h.event;
    let a = h.aircraft.as_ref();
    vec![
        utc(e.t),
        e.kind.clone(),
        e.phase.clone(),
        opt(&e.hex),
        a.map(|a| opt(&a.registration)).unwrap_or_default(),
        a.map(|a| opt(&a.type_designator)).unwrap_or_default(),
        a.map(|a| opt(&a.flight)).unwrap_or_default(),
        a.map(|a| opt(&a.country)).unwrap_or_default(),
        opt(&e.place),
        opt(&e.place_name),
        e.onset.map(utc).unwrap_or_default(),
    ]
}

/// Event reports.
pub fn events(hits: &[EventHit], format: Format) -> String {
    match format {
        Format::Table => table(&EVENT_HEADER, &hits.iter().map(event_cells).collect::<Vec<_>>()),
        Format::Csv => {
            let mut h = EVENT_HEADER.to_vec();
            h.extend(["lat", "lon", "event_id", "rule"]);
            let rows: Vec<Vec<String>> = hits
                .iter()
                .map(|x| {
                    let mut c = event_cells(x);
                    c.extend([
                        opt(&x.event.lat),
                        opt(&x.event.lon),
                        x.event.event_id.clone(),
                        opt(&x.event.rule),
                    ]);
                    c
                })
                .collect();
            csv(&h, &rows)
        }
        // The stored report as the sinks wrote it (docs/events.md).
        Format::Jsonl => hits.iter().map(|h| format!("{}\n", h.event.json)).collect(),
        Format::GeoJson => geojson(
            hits.iter()
                .map(|h| {
                    let e = &h.event;
                    let mut p = h.aircraft.as_ref().map(aircraft_props).unwrap_or_default();
                    p.insert("kind".into(), json!(e.kind));
                    p.insert("phase".into(), json!(e.phase));
                    p.insert("time".into(), json!(utc(e.t)));
                    p.insert("event_id".into(), json!(e.event_id));
                    if let Some(pl) = &e.place {
                        p.insert("place".into(), json!(pl));
                    }
                    let geometry = match (e.lat, e.lon) {
                        (Some(lat), Some(lon)) => json!({"type": "Point", "coordinates": [lon, lat]}),
                        _ => Value::Null,
                    };
                    json!({"type": "Feature", "geometry": geometry, "properties": p})
                })
                .collect(),
        ),
        Format::Kml => {
            let mut body = String::new();
            for h in hits {
                let e = &h.event;
                let (Some(lat), Some(lon)) = (e.lat, e.lon) else {
                    continue;
                };
                let who = h
                    .aircraft
                    .as_ref()
                    .and_then(|a| a.registration.clone())
                    .or(e.hex.clone())
                    .unwrap_or_default();
                let _ = write!(
                    body,
                    "<Placemark>\n<name>{} {} {}</name>\n<description>{} {}</description>\n<TimeStamp><when>{}</when></TimeStamp>\n<Point><coordinates>{lon:.6},{lat:.6},0</coordinates></Point>\n</Placemark>\n",
                    xml(&e.kind),
                    xml(&who),
                    xml(&opt(&e.place)),
                    xml(&e.phase),
                    xml(&opt(&e.place_name)),
                    utc(e.t)
                );
            }
            kml_doc("picket events", &body)
        }
    }
}

const AIRCRAFT_HEADER: [&str; 11] = [
    "hex",
    "registration",
    "type",
    "flight",
    "operator",
    "country",
    "class",
    "class_layer",
    "first_seen",
    "last_seen",
    "class_detail",
];

fn aircraft_cells(a: &AircraftRow) -> Vec<String> {
    vec![
        a.hex.clone(),
        opt(&a.registration),
        opt(&a.type_designator),
        opt(&a.flight),
        opt(&a.operator),
        opt(&a.country),
        a.class.clone(),
        a.class_layer.clone(),
        utc(a.first_seen),
        utc(a.last_seen),
        a.class_detail.clone(),
    ]
}

/// Aircraft seen.
pub fn aircraft(rows: &[AircraftRow], format: Format) -> String {
    match format {
        Format::Table => table(
            &AIRCRAFT_HEADER,
            &rows.iter().map(aircraft_cells).collect::<Vec<_>>(),
        ),
        Format::Csv => csv(
            &AIRCRAFT_HEADER,
            &rows.iter().map(aircraft_cells).collect::<Vec<_>>(),
        ),
        Format::Jsonl | Format::GeoJson | Format::Kml => {
            let objs: Vec<Value> = rows
                .iter()
                .map(|a| {
                    let mut p = aircraft_props(a);
                    p.insert("first_seen".into(), json!(a.first_seen));
                    p.insert("last_seen".into(), json!(a.last_seen));
                    p.insert("class_detail".into(), json!(a.class_detail));
                    Value::Object(p)
                })
                .collect();
            match format {
                Format::GeoJson => geojson(
                    objs.into_iter()
                        .map(|p| json!({"type": "Feature", "geometry": null, "properties": p}))
                        .collect(),
                ),
                Format::Kml => {
                    let mut body = String::new();
                    for a in rows {
                        let _ = write!(
                            body,
                            "<Placemark>\n<name>{}</name>\n<description>{} {}</description>\n</Placemark>\n",
                            xml(&a.hex),
                            xml(&opt(&a.registration)),
                            xml(&opt(&a.type_designator))
                        );
                    }
                    kml_doc("picket aircraft", &body)
                }
                _ => objs.iter().map(|o| format!("{o}\n")).collect(),
            }
        }
    }
}

/// Tracks: a LineString per aircraft (GeoJSON, KML), one line per position (JSON lines,
/// CSV), a line per aircraft (table).
pub fn tracks(tracks: &[Track], format: Format) -> String {
    match format {
        Format::Table => {
            let rows: Vec<Vec<String>> = tracks
                .iter()
                .map(|t| {
                    let a = &t.aircraft;
                    vec![
                        a.hex.clone(),
                        opt(&a.registration),
                        opt(&a.type_designator),
                        t.points.len().to_string(),
                        utc(t.points[0].t),
                        utc(t.points[t.points.len() - 1].t),
                    ]
                })
                .collect();
            table(&["hex", "registration", "type", "points", "from", "to"], &rows)
        }
        Format::Csv | Format::Jsonl => {
            let header = [
                "hex",
                "time",
                "lat",
                "lon",
                "alt_baro",
                "gs",
                "track",
                "baro_rate",
                "on_ground",
                "flight",
                "squawk",
            ];
            if format == Format::Jsonl {
                let n: usize = tracks.iter().map(|t| t.points.len()).sum();
                let mut out = Vec::with_capacity(n * 240);
                for t in tracks {
                    for p in &t.points {
                        state_json(&mut out, p);
                        out.push(b'\n');
                    }
                }
                return String::from_utf8_lossy(&out).into_owned();
            }
            let rows: Vec<Vec<String>> = tracks
                .iter()
                .flat_map(|t| t.points.iter())
                .map(|p| {
                    vec![
                        p.hex.clone(),
                        utc(p.t),
                        format!("{:.6}", p.lat),
                        format!("{:.6}", p.lon),
                        opt(&p.alt_baro),
                        opt(&p.gs),
                        opt(&p.track),
                        opt(&p.baro_rate),
                        opt(&p.on_ground),
                        opt(&p.flight),
                        opt(&p.squawk),
                    ]
                })
                .collect();
            csv(&header, &rows)
        }
        Format::GeoJson => geojson(
            tracks
                .iter()
                .map(|t| {
                    let mut p = aircraft_props(&t.aircraft);
                    p.insert("start".into(), json!(utc(t.points[0].t)));
                    p.insert("end".into(), json!(utc(t.points[t.points.len() - 1].t)));
                    p.insert(
                        "times".into(),
                        json!(t.points.iter().map(|p| p.t).collect::<Vec<_>>()),
                    );
                    let coords: Vec<Value> = t
                        .points
                        .iter()
                        .map(|p| match p.alt_baro {
                            Some(a) => json!([p.lon, p.lat, f64::from(a) * 0.3048]),
                            None => json!([p.lon, p.lat]),
                        })
                        .collect();
                    // A LineString needs two positions; a lone one is a Point.
                    let geometry = if coords.len() >= 2 {
                        json!({"type": "LineString", "coordinates": coords})
                    } else {
                        json!({"type": "Point", "coordinates": coords[0]})
                    };
                    json!({"type": "Feature", "geometry": geometry, "properties": p})
                })
                .collect(),
        ),
        Format::Kml => {
            let mut body = String::new();
            for t in tracks {
                let a = &t.aircraft;
                let coords: Vec<String> = t
                    .points
                    .iter()
                    .map(|p| {
                        format!(
                            "{:.6},{:.6},{:.0}",
                            p.lon,
                            p.lat,
                            f64::from(p.alt_baro.unwrap_or(0).max(0)) * 0.3048
                        )
                    })
                    .collect();
                let geometry = if coords.len() >= 2 {
                    format!(
                        "<LineString>\n<altitudeMode>absolute</altitudeMode>\n<coordinates>{}</coordinates>\n</LineString>",
                        coords.join(" ")
                    )
                } else {
                    format!("<Point><coordinates>{}</coordinates></Point>", coords[0])
                };
                let _ = write!(
                    body,
                    "<Placemark>\n<name>{} {}</name>\n<description>{} {}</description>\n<TimeSpan><begin>{}</begin><end>{}</end></TimeSpan>\n{geometry}\n</Placemark>\n",
                    xml(&a.hex),
                    xml(&opt(&a.registration)),
                    xml(&opt(&a.type_designator)),
                    xml(&opt(&a.operator)),
                    utc(t.points[0].t),
                    utc(t.points[t.points.len() - 1].t),
                );
            }
            kml_doc("picket tracks", &body)
        }
    }
}

/// One state as the JSON object of a track's JSON lines, written field by field (a
/// `serde_json::Value` per point cost most of a long track's export): the keys in the
/// order serde_json's map writes them (sorted), each value by serde_json itself (`f32`
/// through `Value::from`, as `json!` converts it), so the bytes are those of `json!`.
fn state_json(out: &mut Vec<u8>, p: &crate::rows::StateRow) {
    // Writing into a Vec cannot fail, and these values always serialize.
    macro_rules! put {
        ($key:expr, $v:expr) => {
            out.extend_from_slice($key);
            let _ = serde_json::to_writer(&mut *out, $v);
        };
    }
    put!(b"{\"alt_baro\":", &p.alt_baro);
    put!(b",\"baro_rate\":", &p.baro_rate);
    put!(b",\"flight\":", &p.flight);
    put!(b",\"gs\":", &p.gs.map(Value::from));
    put!(b",\"hex\":", &p.hex);
    put!(b",\"lat\":", &p.lat);
    put!(b",\"lon\":", &p.lon);
    put!(b",\"on_ground\":", &p.on_ground);
    put!(b",\"squawk\":", &p.squawk);
    put!(b",\"time\":", &p.t);
    put!(b",\"track\":", &p.track.map(Value::from));
    out.push(b'}');
}

/// Stays on the ground.
pub fn deployments(deps: &[Deployment], format: Format) -> String {
    let header = [
        "hex",
        "registration",
        "type",
        "place",
        "place_name",
        "start",
        "end",
        "duration",
        "ongoing",
    ];
    let cells = |d: &Deployment| {
        vec![
            d.aircraft.hex.clone(),
            opt(&d.aircraft.registration),
            opt(&d.aircraft.type_designator),
            d.place.clone(),
            opt(&d.place_name),
            utc(d.start),
            utc(d.end),
            duration(d.duration_s()),
            d.ongoing.to_string(),
        ]
    };
    let rows: Vec<Vec<String>> = deps.iter().map(cells).collect();
    match format {
        Format::Table => table(&header, &rows),
        Format::Csv => csv(&header, &rows),
        Format::Jsonl | Format::GeoJson | Format::Kml => {
            let objs: Vec<(Value, Option<(f64, f64)>)> = deps
                .iter()
                .map(|d| {
                    let mut p = aircraft_props(&d.aircraft);
                    p.insert("place".into(), json!(d.place));
                    p.insert("place_name".into(), json!(d.place_name));
                    p.insert("start".into(), json!(utc(d.start)));
                    p.insert("end".into(), json!(utc(d.end)));
                    p.insert("duration_s".into(), json!(d.duration_s().round()));
                    p.insert("ongoing".into(), json!(d.ongoing));
                    let at =
                        picket_world::airports::airport(&d.place).map(|a| (a.position.lat, a.position.lon));
                    (Value::Object(p), at)
                })
                .collect();
            match format {
                Format::Jsonl => objs.iter().map(|(o, _)| format!("{o}\n")).collect(),
                Format::GeoJson => geojson(
                    objs.into_iter()
                        .map(|(p, at)| {
                            let g = at.map_or(
                                Value::Null,
                                |(lat, lon)| json!({"type": "Point", "coordinates": [lon, lat]}),
                            );
                            json!({"type": "Feature", "geometry": g, "properties": p})
                        })
                        .collect(),
                ),
                _ => {
                    let mut body = String::new();
                    for (d, (_, at)) in deps.iter().zip(objs) {
                        let point = at
                            .map(|(lat, lon)| {
                                format!("<Point><coordinates>{lon:.6},{lat:.6},0</coordinates></Point>\n")
                            })
                            .unwrap_or_default();
                        let _ = write!(
                            body,
                            "<Placemark>\n<name>{} at {}</name>\n<description>{}</description>\n<TimeSpan><begin>{}</begin><end>{}</end></TimeSpan>\n{point}</Placemark>\n",
                            xml(d.aircraft.registration.as_deref().unwrap_or(&d.aircraft.hex)),
                            xml(&d.place),
                            xml(&duration(d.duration_s())),
                            utc(d.start),
                            utc(d.end)
                        );
                    }
                    kml_doc("picket deployments", &body)
                }
            }
        }
    }
}

/// Tracks as Parquet: one row per position (`hex`, `time` in Unix seconds, `lat`, `lon`,
/// `alt_baro`, `gs`, `track`, `baro_rate`, `flight`, `squawk`, `registration`, `type`).
pub fn tracks_parquet(tracks: &[Track]) -> Vec<u8> {
    use crate::parquet::{write, Column, Values};
    let pts: Vec<(&AircraftRow, &crate::rows::StateRow)> = tracks
        .iter()
        .flat_map(|t| t.points.iter().map(move |p| (&t.aircraft, p)))
        .collect();
    let f = |g: &dyn Fn(&crate::rows::StateRow) -> Option<f64>| {
        Values::F64(pts.iter().map(|(_, p)| g(p)).collect())
    };
    let s = |g: &dyn Fn(&AircraftRow, &crate::rows::StateRow) -> Option<String>| {
        Values::Str(pts.iter().map(|(a, p)| g(a, p)).collect())
    };
    let col = |name, values, required| Column {
        name,
        values,
        required,
    };
    write(&[
        col("hex", s(&|_, p| Some(p.hex.clone())), true),
        col("time", f(&|p| Some(p.t)), true),
        col("lat", f(&|p| Some(p.lat)), true),
        col("lon", f(&|p| Some(p.lon)), true),
        col(
            "alt_baro",
            Values::I32(pts.iter().map(|(_, p)| p.alt_baro).collect()),
            false,
        ),
        col("gs", f(&|p| p.gs.map(f64::from)), false),
        col("track", f(&|p| p.track.map(f64::from)), false),
        col(
            "baro_rate",
            Values::I32(pts.iter().map(|(_, p)| p.baro_rate).collect()),
            false,
        ),
        col("flight", s(&|_, p| p.flight.clone()), false),
        col("squawk", s(&|_, p| p.squawk.clone()), false),
        col("registration", s(&|a, _| a.registration.clone()), false),
        col("type", s(&|a, _| a.type_designator.clone()), false),
    ])
}

/// Event reports as Parquet: `time`, `kind`, `phase`, `hex`, `onset`, `ended`, `place`,
/// `place_country`, `lat`, `lon`, `registration`, `type`, `country`, `event_id`, `json`.
pub fn events_parquet(hits: &[EventHit]) -> Vec<u8> {
    use crate::parquet::{write, Column, Values};
    let f = |g: &dyn Fn(&EventHit) -> Option<f64>| Values::F64(hits.iter().map(g).collect());
    let s = |g: &dyn Fn(&EventHit) -> Option<String>| Values::Str(hits.iter().map(g).collect());
    let col = |name, values, required| Column {
        name,
        values,
        required,
    };
    let a = |h: &EventHit, g: fn(&AircraftRow) -> Option<String>| h.aircraft.as_ref().and_then(g);
    write(&[
        col("time", f(&|h| Some(h.event.t)), true),
        col("kind", s(&|h| Some(h.event.kind.clone())), true),
        col("phase", s(&|h| Some(h.event.phase.clone())), true),
        col("hex", s(&|h| h.event.hex.clone()), false),
        col("onset", f(&|h| h.event.onset), false),
        col("ended", f(&|h| h.event.ended), false),
        col("place", s(&|h| h.event.place.clone()), false),
        col("place_country", s(&|h| h.event.place_country.clone()), false),
        col("lat", f(&|h| h.event.lat), false),
        col("lon", f(&|h| h.event.lon), false),
        col("registration", s(&|h| a(h, |a| a.registration.clone())), false),
        col("type", s(&|h| a(h, |a| a.type_designator.clone())), false),
        col("country", s(&|h| a(h, |a| a.country.clone())), false),
        col("event_id", s(&|h| Some(h.event.event_id.clone())), true),
        col("json", s(&|h| Some(h.event.json.clone())), true),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::StateRow;

    /// What the track's JSON lines were before `state_json`: a `json!` object per point.
    fn by_value(p: &StateRow) -> String {
        json!({
            "hex": p.hex, "time": p.t, "lat": p.lat, "lon": p.lon, "alt_baro": p.alt_baro,
            "gs": p.gs, "track": p.track, "baro_rate": p.baro_rate, "on_ground": p.on_ground,
            "flight": p.flight, "squawk": p.squawk,
        })
        .to_string()
    }

    #[test]
    fn a_states_json_is_byte_for_byte_what_json_writes() {
        let full = StateRow {
            hex: "4855f9".into(),
            t: 1_718_391_196.544_230_7,
            lat: 40.783_391_402_939_614,
            lon: -73.872_382_424_094_44,
            alt_baro: Some(-25),
            gs: Some(155.926_27),
            track: Some(0.1),
            baro_rate: Some(128),
            on_ground: Some(false),
            flight: Some("KLM\"63\\07".into()),
            squawk: Some("5246".into()),
        };
        let empty = StateRow {
            hex: "~abc123".into(),
            t: 1e9,
            lat: 0.0,
            lon: -0.0,
            alt_baro: None,
            gs: Some(f32::NAN),
            track: Some(f32::INFINITY),
            baro_rate: None,
            on_ground: None,
            flight: None,
            squawk: None,
        };
        let odd = StateRow {
            t: f64::NAN,
            gs: Some(1e-7),
            track: Some(359.999_98),
            ..full.clone()
        };
        for p in [&full, &empty, &odd] {
            let mut out = Vec::new();
            state_json(&mut out, p);
            assert_eq!(String::from_utf8(out).unwrap(), by_value(p));
        }
        let track = Track {
            aircraft: AircraftRow::default(),
            points: vec![full.clone(), empty.clone()],
        };
        assert_eq!(
            tracks(std::slice::from_ref(&track), Format::Jsonl),
            format!("{}\n{}\n", by_value(&full), by_value(&empty))
        );
    }
}
