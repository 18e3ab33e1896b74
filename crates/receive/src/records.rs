//! Decoded trajectories as OpenSky and the `traffic` library write them: pandas JSON, one
//! object per state in "records" orient (`[{"timestamp": 1533101250000, "icao24":
//! "3003ae", "latitude": ..., ...}, ...]`) or the columns of "columns" orient
//! (`{"icao24": {"0": "3003ae", ...}, "latitude": {"0": ...}, ...}`).
//!
//! The [`JsonlReader`](crate::jsonl::JsonlReader) reads both: an object with `icao24` is
//! such a state. This module turns it into the field dictionary (docs/fields.md), so that
//! one observation reader serves every JSON source:
//!
//! | record | dictionary | conversion |
//! |---|---|---|
//! | `timestamp` | `time` | milliseconds (any value above 10¹¹) to seconds; ISO strings kept |
//! | `icao24` | `hex` | |
//! | `callsign` | `flight` | |
//! | `altitude` | `alt_baro` | ft |
//! | `geoaltitude` | `alt_geom` | ft |
//! | `groundspeed` | `gs` | kt |
//! | `track` | `track` | degrees, negative values (seen in exports) brought into 0–360 |
//! | `vertical_rate` | `baro_rate` | ft/min |
//! | `latitude`, `longitude` | `lat`, `lon` | |
//! | `onground` | `on_ground` | |
//! | `squawk` | `squawk` | a number (`7100`) or a string (`"7000"`) |
//! | `alert`, `spi` | same | |
//! | `registration` | `registration` | |
//! | `typecode` | `type` | |
//!
//! `null` values are absent values. Other members (`origin`, `last_position`, `hour`,
//! `flight_id`...) are left out. Records are in the file's order, which in these exports
//! is usually flight by flight, not time order: a caller that replays several aircraft
//! sorts the items by time first.

use serde_json::{Map, Value};

use crate::fields as f;

/// The member that marks a record (and, holding an object, a document in columns orient).
pub const ICAO24: &str = "icao24";

/// Renames of record members to the field dictionary; the values need no conversion.
const RENAMES: [(&str, &str); 11] = [
    ("callsign", f::FLIGHT),
    ("registration", f::REGISTRATION),
    ("typecode", f::TYPE),
    ("altitude", f::ALT_BARO),
    ("geoaltitude", f::ALT_GEOM),
    ("groundspeed", f::GS),
    ("vertical_rate", f::BARO_RATE),
    ("latitude", f::LAT),
    ("longitude", f::LON),
    ("onground", f::ON_GROUND),
    ("alert", f::ALERT),
];

/// Timestamps above this are milliseconds (10¹¹ seconds is in the year 5138).
const MILLIS_ABOVE: f64 = 1e11;

/// True when `map` is a document in columns orient: `icao24` maps row labels to values.
pub fn is_columns(map: &Map<String, Value>) -> bool {
    matches!(map.get(ICAO24), Some(Value::Object(_)))
}

/// True when `map` is one record.
pub fn is_record(map: &Map<String, Value>) -> bool {
    matches!(map.get(ICAO24), Some(Value::String(_)))
}

/// The rows of a document in columns orient, in the order of the `icao24` column's labels
/// (pandas writes them in row order). Columns that are not objects are ignored; a row
/// lacks the members whose column lacks its label.
pub fn rows_of_columns(map: &Map<String, Value>) -> Vec<Map<String, Value>> {
    let Some(Value::Object(index)) = map.get(ICAO24) else {
        return Vec::new();
    };
    let mut labels: Vec<(&String, Option<u64>)> = index.keys().map(|k| (k, k.parse().ok())).collect();
    // Numeric labels in numeric order (serde_json's map sorts keys as strings).
    labels.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
    labels
        .into_iter()
        .map(|(label, _)| {
            let mut row = Map::new();
            for (name, column) in map {
                if let Value::Object(values) = column {
                    if let Some(v) = values.get(label) {
                        row.insert(name.clone(), v.clone());
                    }
                }
            }
            row
        })
        .collect()
}

/// One record in the field dictionary's names and units (see the module documentation).
pub fn to_dictionary(record: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let present = |k: &str| record.get(k).filter(|v| !v.is_null());
    if let Some(v) = present(ICAO24) {
        out.insert(f::HEX.to_string(), v.clone());
    }
    match present(f::JET1090_TIMESTAMP) {
        Some(Value::Number(n)) => {
            if let Some(t) = n.as_f64() {
                let s = if t.abs() > MILLIS_ABOVE { t / 1000.0 } else { t };
                if let Some(n) = serde_json::Number::from_f64(s) {
                    out.insert(f::TIME.to_string(), Value::Number(n));
                }
            }
        }
        Some(v) => {
            out.insert(f::TIME.to_string(), v.clone());
        }
        None => {}
    }
    for (from, to) in RENAMES {
        if let Some(v) = present(from) {
            out.insert(to.to_string(), v.clone());
        }
    }
    if let Some(v) = present(f::SPI) {
        out.insert(f::SPI.to_string(), v.clone());
    }
    match present(f::TRACK) {
        Some(Value::Number(n)) => {
            if let Some(t) = n.as_f64().filter(|t| t.is_finite()) {
                if let Some(n) = serde_json::Number::from_f64(t.rem_euclid(360.0)) {
                    out.insert(f::TRACK.to_string(), Value::Number(n));
                }
            }
        }
        Some(v) => {
            // Kept as is: the reader counts a value of the wrong type.
            out.insert(f::TRACK.to_string(), v.clone());
        }
        None => {}
    }
    match present(f::SQUAWK) {
        Some(Value::Number(n)) => {
            let digits = n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|x| x.fract() == 0.0 && *x >= 0.0)
                    .map(|x| x as u64)
            });
            let text = digits.map_or_else(|| n.to_string(), |d| format!("{d:04}"));
            out.insert(f::SQUAWK.to_string(), Value::String(text));
        }
        Some(v) => {
            out.insert(f::SQUAWK.to_string(), v.clone());
        }
        None => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> Map<String, Value> {
        match serde_json::from_str(text).unwrap() {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn a_record_in_dictionary_names() {
        let r = obj(
            r#"{"timestamp":1558732719000,"icao24":"4b43ac","callsign":"REGA1","altitude":1950.0,
            "geoaltitude":2175.0,"groundspeed":51.08,"track":-93.5,"vertical_rate":768.0,
            "latitude":47.3665,"longitude":8.5007,"onground":false,"squawk":7100,"spi":false,
            "hour":1558731600,"origin":null}"#,
        );
        assert!(is_record(&r) && !is_columns(&r));
        let d = to_dictionary(&r);
        assert_eq!(d["hex"], "4b43ac");
        assert_eq!(d["time"].as_f64(), Some(1_558_732_719.0));
        assert_eq!(d["flight"], "REGA1");
        assert_eq!(d["alt_baro"].as_f64(), Some(1950.0));
        assert_eq!(d["alt_geom"].as_f64(), Some(2175.0));
        assert_eq!(d["track"].as_f64(), Some(266.5));
        assert_eq!(d["baro_rate"].as_f64(), Some(768.0));
        assert_eq!(d["on_ground"], false);
        assert_eq!(d["squawk"], "7100");
        assert!(!d.contains_key("hour") && !d.contains_key("origin"));
        // Seconds stay seconds; a string squawk stays as written.
        let d = to_dictionary(&obj(
            r#"{"timestamp":1533101250.5,"icao24":"3003ae","squawk":"0040"}"#,
        ));
        assert_eq!(d["time"].as_f64(), Some(1_533_101_250.5));
        assert_eq!(d["squawk"], "0040");
    }

    #[test]
    fn columns_become_rows_in_label_order() {
        let doc = obj(
            r#"{"icao24":{"0":"4b1815","1":"4b1815","10":"4b1815","2":"4b1815"},
            "altitude":{"0":1525,"1":null,"2":1550,"10":1600},"onground":{"0":true,"1":true}}"#,
        );
        assert!(is_columns(&doc));
        let rows = rows_of_columns(&doc);
        let alts: Vec<Option<f64>> = rows
            .iter()
            .map(|r| to_dictionary(r).get("alt_baro").and_then(Value::as_f64))
            .collect();
        assert_eq!(alts, [Some(1525.0), None, Some(1550.0), Some(1600.0)]);
        assert_eq!(rows[3].get("onground"), None);
    }
}
