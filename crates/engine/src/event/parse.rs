//! Reading events and alerts back from the JSON [`super::write_event`] and
//! [`super::write_alert`] write (a bus consumer, the history store): by hand from a
//! `serde_json::Value`, so the core types carry no serde derives.
//!
//! Reading is the writer's inverse: write → read → write gives the same bytes. Fields the
//! reader does not know are ignored (the schema may gain fields within a version); a
//! missing required field, a value of the wrong type or out of range, or another schema
//! version is an error naming the field.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

use picket_modes::Icao;
use picket_receive::fields;
use picket_world::events::{EmergencyKind, EventKind};
use picket_world::geo::LatLon;
use serde_json::{Map, Value};

use super::{
    AircraftSummary, Alert, Confidence, Detail, Event, Evidence, Link, LoiterShape, MovementBasis,
    NewAddress, Phase, Place, Site, SCHEMA_VERSION,
};
use crate::enrich::{Class, Layer};
use crate::incident::{Entry, Incident};
use crate::track::{PositionSource, TrackKey};

/// Why an event or alert could not be read: the field (a path such as
/// `detail.links[0].onset`, empty for the whole text) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where: the field's path.
    pub field: String,
    /// What.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "field `{}`: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

fn err(field: impl Into<String>, message: impl Into<String>) -> ParseError {
    ParseError {
        field: field.into(),
        message: message.into(),
    }
}

impl Event {
    /// Reads an event from its JSON object (one line of `--events`, see docs/events.md).
    pub fn from_json(text: &str) -> Result<Event, ParseError> {
        let v: Value = serde_json::from_str(text).map_err(|e| err("", format!("not JSON: {e}")))?;
        Event::from_json_value(&v)
    }

    /// Reads an event from an already parsed JSON value.
    pub fn from_json_value(v: &Value) -> Result<Event, ParseError> {
        event(&Obj::root(v)?)
    }
}

impl Alert {
    /// Reads an alert from its JSON object (the event's fields, `rule`, `aircraft`,
    /// `new_address_of`).
    pub fn from_json(text: &str) -> Result<Alert, ParseError> {
        let v: Value = serde_json::from_str(text).map_err(|e| err("", format!("not JSON: {e}")))?;
        Alert::from_json_value(&v)
    }

    /// Reads an alert from an already parsed JSON value.
    pub fn from_json_value(v: &Value) -> Result<Alert, ParseError> {
        let o = Obj::root(v)?;
        let event = event(&o)?;
        let rule = o.str("rule")?.to_owned();
        let ac = o.obj("aircraft")?;
        let aircraft = AircraftSummary {
            military: ac.bool("military")?,
            layer: ac.name("class_layer", layer_from_name)?,
            class_detail: ac.opt_string("class_detail")?.unwrap_or_default(),
            lat: ac.opt_f64(fields::LAT)?,
            lon: ac.opt_f64(fields::LON)?,
            alt_baro: ac.opt_int(fields::ALT_BARO)?,
            // The aircraft writes `none` for an aircraft with no position.
            position_source: match ac.opt_str("position_source")? {
                Some("none") => None,
                _ => ac.position_source()?,
            },
            ..summary(&ac)?
        };
        let new_address_of = match o.opt_obj("new_address_of")? {
            None => None,
            Some(n) => Some(NewAddress {
                entry: n.str("entry")?.to_owned(),
                previous: n.keys("previous")?,
                matched_by: n.array("matched_by", |i, m| {
                    let path = format!("{}[{i}]", n.path("matched_by"));
                    let s = m.as_str().ok_or_else(|| err(&path, "not a string"))?;
                    intern(s).ok_or_else(|| err(&path, TOO_MANY))
                })?,
            }),
        };
        let incident = match o.opt_obj("incident")? {
            None => None,
            Some(i) => Some(Box::new(incident(&i)?)),
        };
        Ok(Alert {
            rule,
            event,
            aircraft,
            new_address_of,
            incident,
        })
    }
}

/// The member of `all` whose name is `s`: the one reading of every name table (each enum
/// has its names in one `match` and its members in one `ALL` array).
fn by_name<T: Copy>(all: &[T], name: fn(T) -> &'static str, s: &str) -> Option<T> {
    all.iter().copied().find(|&x| name(x) == s)
}

fn shape_from_name(s: &str) -> Option<LoiterShape> {
    by_name(&LoiterShape::ALL, LoiterShape::as_str, s)
}

/// The place of an event or of an incident's timeline entry: `zone` (with `zone_name`) or
/// `airport` (with `airport_name`), not both; a timeline entry carries no names.
fn place(o: &Obj<'_>) -> Result<Option<Place>, ParseError> {
    Ok(match (o.opt_str("zone")?, o.opt_str("airport")?) {
        (Some(_), Some(_)) => return Err(err(o.path("airport"), "a zone or an airport, not both")),
        (Some(id), None) => Some(Place::Zone {
            id: id.to_owned(),
            name: o.opt_string("zone_name")?.unwrap_or_default(),
        }),
        (None, Some(ident)) => Some(Place::Airport {
            ident: ident.to_owned(),
            name: o.opt_string("airport_name")?.unwrap_or_default(),
        }),
        (None, None) => None,
    })
}

/// 16 hex digits, as ids are written.
fn id_of(o: &Obj<'_>, key: &str) -> Result<u64, ParseError> {
    let text = o.str(key)?;
    if text.len() != 16 {
        return Err(err(o.path(key), "not 16 hex digits"));
    }
    u64::from_str_radix(text, 16).map_err(|_| err(o.path(key), "not 16 hex digits"))
}

/// The identity of an aircraft summary (address, callsign, registration, type, operator,
/// country, class), and the rest as an incident's participant has it: no position, the
/// fallback layer. An alert's `aircraft` has the rest too.
fn summary(o: &Obj<'_>) -> Result<AircraftSummary, ParseError> {
    let class = o.name("class", class_from_name)?;
    Ok(AircraftSummary {
        hex: o.key(fields::HEX)?,
        flight: o.opt_string(fields::FLIGHT)?,
        registration: o.opt_string(fields::REGISTRATION)?,
        type_designator: o.opt_string(fields::TYPE)?,
        operator: o.opt_string("operator")?,
        country: o.opt_string("country")?,
        military: class == Class::Military,
        class,
        layer: Layer::Fallback,
        class_detail: String::new(),
        lat: None,
        lon: None,
        alt_baro: None,
        position_source: None,
    })
}

/// An alert's `incident` object (the fields `incident::write_incident_fields` writes).
fn incident(o: &Obj<'_>) -> Result<Incident, ParseError> {
    let participants = o.objects("participants", summary)?;
    let timeline = o.objects("timeline", |e| {
        let others = e.keys("others")?;
        let place = place(e)?;
        Ok(Entry {
            event: id_of(e, "event")?,
            kind: e.name("kind", |s| s.parse().ok())?,
            phase: e.name("phase", phase_from_name)?,
            subject: e.key(fields::HEX)?,
            others,
            onset: e.f64("onset")?,
            time: e.f64(fields::TIME)?,
            place,
        })
    })?;
    let merged_into = match o.opt_str("merged_into")? {
        None => None,
        Some(_) => Some(id_of(o, "merged_into")?),
    };
    Ok(Incident {
        id: id_of(o, "id")?,
        phase: o.name("phase", phase_from_name)?,
        opened: o.f64("opened")?,
        time: o.f64(fields::TIME)?,
        closed: o.opt_f64("closed")?,
        headline: o.str("headline")?.to_owned(),
        participants,
        timeline,
        merged_into,
    })
}

/// The class of a JSON name (`civil`, `military`, `state`, `unknown`).
pub fn class_from_name(name: &str) -> Option<Class> {
    by_name(&Class::ALL, super::class_name, name)
}

/// The layer of a JSON name (`override`, `aircraft_db`, ...).
pub fn layer_from_name(name: &str) -> Option<Layer> {
    by_name(&Layer::ALL, super::layer_name, name)
}

/// A track key from its JSON text: 6 hex digits, `~` first for a non-ICAO address.
pub fn track_key_from_str(s: &str) -> Option<TrackKey> {
    let (non_icao, digits) = match s.strip_prefix('~') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let a = Icao(u32::from_str_radix(digits, 16).ok()?);
    Some(if non_icao {
        TrackKey::non_icao(a)
    } else {
        TrackKey::icao(a)
    })
}

fn phase_from_name(s: &str) -> Option<Phase> {
    by_name(&Phase::ALL, Phase::as_str, s)
}

fn confidence_from_name(s: &str) -> Option<Confidence> {
    by_name(&Confidence::ALL, Confidence::as_str, s)
}

fn basis_from_name(s: &str) -> Option<MovementBasis> {
    by_name(&MovementBasis::ALL, MovementBasis::as_str, s)
}

fn emergency_from_name(s: &str) -> Option<EmergencyKind> {
    by_name(&EmergencyKind::ALL, EmergencyKind::as_str, s)
}

/// Four octal digits, as the writer prints a squawk.
fn squawk_from_str(s: &str) -> Option<u16> {
    if s.len() != 4 || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u16::from_str_radix(s, 8).ok()
}

const TOO_MANY: &str = "too many distinct short texts (evidence notes, runways, traits) have been read";

/// Most distinct texts the reader keeps for the fields whose type is `&'static str`
/// (evidence notes, runways, watch-list traits): a small vocabulary in practice; the cap
/// keeps hostile input from growing memory without bound.
const MAX_INTERNED: usize = 4096;
/// Longest such text.
const MAX_INTERNED_LEN: usize = 256;

/// The `&'static str` of a short text from a small vocabulary: each distinct text is
/// allocated once for the life of the process.
fn intern(s: &str) -> Option<&'static str> {
    static TABLE: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    if s.is_empty() {
        return Some("");
    }
    if s.len() > MAX_INTERNED_LEN {
        return None;
    }
    let mut guard = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    let table = guard.get_or_insert_with(HashSet::new);
    if let Some(&known) = table.get(s) {
        return Some(known);
    }
    if table.len() >= MAX_INTERNED {
        return None;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    table.insert(leaked);
    Some(leaked)
}

/// A JSON object with its path, for error messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn root(v: &'a Value) -> Result<Obj<'a>, ParseError> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                path: String::new(),
            }),
            _ => Err(err("", "not a JSON object")),
        }
    }

    fn path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn req(&self, key: &str) -> Result<&'a Value, ParseError> {
        self.get(key).ok_or_else(|| err(self.path(key), "missing"))
    }

    fn str(&self, key: &str) -> Result<&'a str, ParseError> {
        self.req(key)?
            .as_str()
            .ok_or_else(|| err(self.path(key), "not a string"))
    }

    fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| err(self.path(key), "not a string")),
        }
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, ParseError> {
        Ok(self.opt_str(key)?.map(str::to_owned))
    }

    fn f64_of(&self, key: &str, v: &Value) -> Result<f64, ParseError> {
        v.as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| err(self.path(key), "not a finite number"))
    }

    fn f64(&self, key: &str) -> Result<f64, ParseError> {
        self.f64_of(key, self.req(key)?)
    }

    fn opt_f64(&self, key: &str) -> Result<Option<f64>, ParseError> {
        self.get(key).map(|v| self.f64_of(key, v)).transpose()
    }

    fn int<T: TryFrom<i64>>(&self, key: &str) -> Result<T, ParseError> {
        self.req(key)?
            .as_i64()
            .and_then(|x| T::try_from(x).ok())
            .ok_or_else(|| err(self.path(key), "not an integer in range"))
    }

    fn opt_int<T: TryFrom<i64>>(&self, key: &str) -> Result<Option<T>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.int(key).map(Some),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, ParseError> {
        self.req(key)?
            .as_bool()
            .ok_or_else(|| err(self.path(key), "not true or false"))
    }

    fn name<T>(&self, key: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, ParseError> {
        let s = self.str(key)?;
        parse(s).ok_or_else(|| err(self.path(key), format!("unknown value {s:?}")))
    }

    fn key(&self, key: &str) -> Result<TrackKey, ParseError> {
        self.name(key, track_key_from_str)
    }

    fn item_key(&self, key: &str, i: usize, v: &Value) -> Result<TrackKey, ParseError> {
        let path = format!("{}[{i}]", self.path(key));
        let s = v.as_str().ok_or_else(|| err(&path, "not a string"))?;
        track_key_from_str(s).ok_or_else(|| err(&path, format!("not an address: {s:?}")))
    }

    fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj {
                map,
                path: self.path(key),
            })),
            Some(_) => Err(err(self.path(key), "not an object")),
        }
    }

    fn obj(&self, key: &str) -> Result<Obj<'a>, ParseError> {
        self.opt_obj(key)?.ok_or_else(|| err(self.path(key), "missing"))
    }

    fn opt_array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, ParseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(err(self.path(key), "not an array")),
        }
    }

    fn item_obj(&self, key: &str, i: usize, v: &'a Value) -> Result<Obj<'a>, ParseError> {
        let path = format!("{}[{i}]", self.path(key));
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => Err(err(path, "not an object")),
        }
    }

    /// The items of the array `key`, each read by `item` with its index; none when the key
    /// is absent. The one reading of every array of an event, alert or incident.
    fn array<T>(
        &self,
        key: &str,
        mut item: impl FnMut(usize, &'a Value) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        match self.opt_array(key)? {
            None => Ok(Vec::new()),
            Some(items) => items.iter().enumerate().map(|(i, v)| item(i, v)).collect(),
        }
    }

    /// The optional `position_source` (`adsb`, `mlat`, ...).
    fn position_source(&self) -> Result<Option<PositionSource>, ParseError> {
        match self.opt_str("position_source")? {
            None => Ok(None),
            Some(s) => position_source_from_name(s)
                .map(Some)
                .ok_or_else(|| err(self.path("position_source"), format!("unknown value {s:?}"))),
        }
    }

    /// The array `key` of addresses (`others`, `previous`); none when absent.
    fn keys(&self, key: &str) -> Result<Vec<TrackKey>, ParseError> {
        self.array(key, |i, v| self.item_key(key, i, v))
    }

    /// The array `key` of objects, each read by `item`; none when absent.
    fn objects<T>(
        &self,
        key: &str,
        mut item: impl FnMut(&Obj<'a>) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        self.array(key, |i, v| item(&self.item_obj(key, i, v)?))
    }
}

fn event(o: &Obj<'_>) -> Result<Event, ParseError> {
    let schema: u32 = o.int("schema")?;
    if schema != SCHEMA_VERSION {
        return Err(err(
            "schema",
            format!("version {schema}, this reader knows version {SCHEMA_VERSION}"),
        ));
    }
    let id = id_of(o, "id")?;
    let kind: EventKind = o.name("kind", |s| s.parse().ok())?;
    let others = o.keys("others")?;
    let place = place(o)?;
    let evidence = o.objects("evidence", evidence)?;
    let detail = match o.opt_obj("detail")? {
        None => Detail::None,
        Some(d) => detail(kind, &d)?,
    };
    Ok(Event {
        id,
        kind,
        phase: o.name("phase", phase_from_name)?,
        subject: o.key(fields::HEX)?,
        others,
        onset: o.f64("onset")?,
        time: o.f64(fields::TIME)?,
        ended: o.opt_f64("end")?,
        place,
        confidence: o.name("confidence", confidence_from_name)?,
        evidence,
        detail,
    })
}

fn evidence(o: &Obj<'_>) -> Result<Evidence, ParseError> {
    let note = match o.opt_str("note")? {
        None => "",
        Some(s) => intern(s).ok_or_else(|| err(o.path("note"), TOO_MANY))?,
    };
    Ok(Evidence {
        time: o.f64(fields::TIME)?,
        hex: o.key(fields::HEX)?,
        lat: o.opt_f64(fields::LAT)?,
        lon: o.opt_f64(fields::LON)?,
        alt_baro: o.opt_int(fields::ALT_BARO)?,
        gs: o.opt_f64(fields::GS)?.map(|x| x as f32),
        note,
        position_source: o.position_source()?,
    })
}

/// A position source from its JSON name (`mlat`, `tisb`, `adsr`, `other`, `adsb`).
fn position_source_from_name(s: &str) -> Option<PositionSource> {
    by_name(&PositionSource::ALL, PositionSource::name, s)
}

/// The detail object of an event of `kind` (the kind says which fields it has).
fn detail(kind: EventKind, d: &Obj<'_>) -> Result<Detail, ParseError> {
    Ok(match kind {
        EventKind::ZoneEntry | EventKind::ZoneExit => Detail::Zone {
            boundary_m: d.f64("boundary_m")?,
        },
        EventKind::Takeoff | EventKind::Landing => Detail::Movement {
            basis: d.name("basis", basis_from_name)?,
            runway: match d.opt_str("runway")? {
                None => None,
                Some(s) => Some(intern(s).ok_or_else(|| err(d.path("runway"), TOO_MANY))?),
            },
            site: match d.opt_str("site")? {
                None => None,
                Some(name) => {
                    let sea = match name {
                        "sea" => true,
                        "place" => false,
                        _ => return Err(err(d.path("site"), format!("not a site: {name:?}"))),
                    };
                    let (lat, lon) = (d.f64(fields::LAT)?, d.f64(fields::LON)?);
                    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                        return Err(err(d.path(fields::LAT), "not a position"));
                    }
                    Some(Site {
                        position: LatLon::new(lat, lon),
                        sea,
                    })
                }
            },
        },
        EventKind::Dwell => Detail::Dwell {
            since: d.f64("since")?,
            hours: d.f64("hours")?,
            day: d.int("day")?,
        },
        EventKind::Formation => Detail::Formation {
            members: d.int("members")?,
            max_distance_m: d.f64("max_distance_m")?,
            max_vertical_ft: d.int("max_vertical_ft")?,
            links: d.objects("links", |l| {
                let pair = l.req("aircraft")?.as_array().filter(|p| p.len() == 2);
                let pair = pair.ok_or_else(|| err(l.path("aircraft"), "not a pair of addresses"))?;
                Ok(Link {
                    a: l.item_key("aircraft", 0, &pair[0])?,
                    b: l.item_key("aircraft", 1, &pair[1])?,
                    onset: l.f64("onset")?,
                    ended: l.opt_f64("end")?,
                })
            })?,
        },
        EventKind::Intercept | EventKind::Escort => Detail::Intercept {
            closure_kt: d.f64("closure_kt")?,
            join: d.opt_f64("join")?,
            separation: d.opt_f64("separation")?,
        },
        EventKind::Loiter => Detail::Loiter {
            centre: {
                let (lat, lon) = (d.f64(fields::LAT)?, d.f64(fields::LON)?);
                if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                    return Err(err(d.path(fields::LAT), "not a position"));
                }
                LatLon::new(lat, lon)
            },
            size_m: d.f64("size_m")?,
            period_s: d.opt_f64("period_s")?,
            turn_deg: d.f64("turn_deg")?,
            shape: d.name("shape", shape_from_name)?,
            leg_m: d.opt_f64("leg_m")?,
            width_m: d.f64("width_m")?,
            orientation_deg: d.f64("orientation_deg")?,
            alt_band: match (d.opt_int("alt_min")?, d.opt_int("alt_max")?) {
                (Some(lo), Some(hi)) => Some((lo, hi)),
                (None, None) => None,
                _ => return Err(err(d.path("alt_max"), "alt_min and alt_max come together")),
            },
            laps: d.f64("laps")?,
        },
        EventKind::Emergency => Detail::Emergency {
            state: d.name(fields::EMERGENCY, emergency_from_name)?,
            squawk: match d.opt_str(fields::SQUAWK)? {
                None => None,
                Some(s) => Some(
                    squawk_from_str(s).ok_or_else(|| err(d.path(fields::SQUAWK), "not 4 octal digits"))?,
                ),
            },
            messages: d.int("messages")?,
        },
        EventKind::WentDark => Detail::WentDark {
            last_heard: d.f64("last_heard")?,
            zone_distance_m: d.opt_f64("zone_distance_m")?,
        },
        EventKind::FirstSeen => Detail::FirstSeen {
            day: d.int("day")?,
            located: d.bool("located")?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::{write_alert, write_event, MAX_EVIDENCE};
    use super::*;

    fn key(a: u32) -> TrackKey {
        TrackKey::icao(Icao(a))
    }

    /// One event of every kind, with the detail its detector gives it and every optional
    /// field set in some and absent in others.
    fn one_of_each() -> Vec<Event> {
        let zone = Place::Zone {
            id: "us-adiz-alaska".into(),
            name: "Alaska \"ADIZ\" \\ north".into(),
        };
        let airport = Place::Airport {
            ident: "SVMI".into(),
            name: "Simón Bolívar".into(),
        };
        let mut out = Vec::new();
        for kind in EventKind::ALL {
            let mut e = Event::new(kind, key(0x156f01), 1_565_290_000.125, 1_565_290_100.5);
            let detail = match kind {
                EventKind::ZoneEntry | EventKind::ZoneExit => {
                    e = e.with_place(zone.clone());
                    Detail::Zone { boundary_m: -1958.0 }
                }
                EventKind::Takeoff => {
                    e = e.with_place(airport.clone());
                    Detail::Movement {
                        basis: MovementBasis::OnGround,
                        runway: Some("10"),
                        site: None,
                    }
                }
                EventKind::Landing => {
                    e = e.with_place(airport.clone());
                    e.confidence = Confidence::Low;
                    Detail::Movement {
                        basis: MovementBasis::LostLow,
                        runway: None,
                        site: None,
                    }
                }
                EventKind::Dwell => {
                    e = e.with_place(airport.clone());
                    e.phase = Phase::Updated;
                    Detail::Dwell {
                        since: 1_565_200_000.0,
                        hours: 24.75,
                        day: 18_117,
                    }
                }
                EventKind::Formation => {
                    e.others = vec![key(0x156f02), TrackKey::non_icao(Icao(0xabcdef))];
                    e.phase = Phase::Ended;
                    e.ended = Some(1_565_290_100.5);
                    Detail::Formation {
                        members: 3,
                        max_distance_m: 812.0,
                        max_vertical_ft: -200,
                        links: vec![
                            Link {
                                a: key(0x156f01),
                                b: key(0x156f02),
                                onset: 1_565_290_000.125,
                                ended: None,
                            },
                            Link {
                                a: key(0x156f02),
                                b: TrackKey::non_icao(Icao(0xabcdef)),
                                onset: 1_565_290_010.0,
                                ended: Some(1_565_290_090.0),
                            },
                        ],
                    }
                }
                EventKind::Intercept | EventKind::Escort => {
                    e.others = vec![key(0x4ca123)];
                    e = e.with_place(zone.clone());
                    Detail::Intercept {
                        closure_kt: 412.0,
                        join: Some(1_565_290_050.0),
                        separation: None,
                    }
                }
                EventKind::Loiter => Detail::Loiter {
                    centre: LatLon::new(10.6, -67.0),
                    size_m: 20_000.0,
                    period_s: Some(240.0),
                    turn_deg: 800.0,
                    shape: LoiterShape::Racetrack,
                    leg_m: Some(120_000.0),
                    width_m: 30_000.0,
                    orientation_deg: 75.0,
                    alt_band: Some((24_800, 25_200)),
                    laps: 3.5,
                },
                EventKind::Emergency => {
                    e.confidence = Confidence::High;
                    Detail::Emergency {
                        state: EmergencyKind::NoCommunications,
                        squawk: Some(0o7600),
                        messages: 3,
                    }
                }
                EventKind::WentDark => {
                    e = e.with_place(zone.clone());
                    Detail::WentDark {
                        last_heard: 1_565_290_000.125,
                        zone_distance_m: Some(-3.0),
                    }
                }
                EventKind::FirstSeen => Detail::FirstSeen {
                    day: 18_117,
                    located: false,
                },
            };
            e.detail = detail;
            for i in 0..(kind as usize % (MAX_EVIDENCE + 1)) {
                e.push_evidence(Evidence {
                    time: 1_565_290_000.0 + i as f64,
                    hex: key(0x156f01),
                    lat: (i % 2 == 0).then_some(64.5 + i as f64 / 1e6),
                    lon: (i % 2 == 0).then_some(-165.25),
                    alt_baro: (i % 3 != 0).then_some(30_000 - 25 * i as i32),
                    gs: (i % 3 != 1).then_some(480.5),
                    note: if i == 0 { "" } else { "in formation" },
                    position_source: (i % 2 == 0 && i % 4 != 0).then_some(PositionSource::Mlat),
                });
            }
            out.push(e);
        }
        // An event with no detail at all.
        out.push(Event::new(EventKind::Emergency, key(1), 0.0, 0.0));
        // Movements away from airports: at a place, and a possible ship at sea.
        for (sea, basis) in [
            (false, MovementBasis::TrackStart),
            (true, MovementBasis::TouchAndGo),
        ] {
            let mut e = Event::new(EventKind::Landing, key(2), 10.0, 20.0);
            e.detail = Detail::Movement {
                basis,
                runway: None,
                site: Some(Site {
                    position: LatLon::new(12.5, -66.25),
                    sea,
                }),
            };
            out.push(e);
        }
        let mut e = Event::new(EventKind::Takeoff, key(3), 10.0, 20.0);
        e.detail = Detail::Movement {
            basis: MovementBasis::InputEnd,
            runway: None,
            site: None,
        };
        out.push(e);
        out
    }

    fn event_json(e: &Event) -> String {
        let mut s = String::new();
        write_event(&mut s, e);
        s
    }

    #[test]
    fn every_event_kind_round_trips_to_the_same_bytes() {
        let events = one_of_each();
        assert!(events.len() > EventKind::ALL.len());
        for e in events {
            let first = event_json(&e);
            let back = Event::from_json(&first).unwrap_or_else(|err| panic!("{first}: {err}"));
            assert_eq!(event_json(&back), first);
            // And the values themselves (the writer rounds, these values need no rounding).
            assert_eq!(back, e, "{first}");
        }
    }

    fn alert(e: Event) -> Alert {
        Alert {
            rule: "military \"watch\"".into(),
            aircraft: AircraftSummary {
                hex: e.subject,
                flight: Some("RFF7071".into()),
                registration: Some("RF-94113".into()),
                type_designator: Some("T160".into()),
                operator: None,
                country: Some("Russian Federation".into()),
                military: true,
                class: Class::Military,
                layer: Layer::Callsign,
                class_detail: "callsign RFF: Russian Air Force".into(),
                lat: Some(71.411001),
                lon: None,
                alt_baro: Some(33_000),
                position_source: Some(PositionSource::Mlat),
            },
            new_address_of: (e.kind == EventKind::FirstSeen).then(|| NewAddress {
                entry: "tu-160 pair".into(),
                previous: vec![key(0x156f00), TrackKey::non_icao(Icao(0x000001))],
                matched_by: vec!["callsign", "type"],
            }),
            // Every other alert tells an incident, as rules delivering incidents write it.
            incident: e.id.is_multiple_of(2).then(|| {
                Box::new(Incident {
                    id: e.id,
                    phase: e.phase,
                    opened: e.onset,
                    time: e.time,
                    closed: e.ended,
                    headline: "2 Tu-160 (Russia) entered the Alaska ADIZ".into(),
                    participants: vec![AircraftSummary {
                        hex: e.subject,
                        flight: Some("RFF7071".into()),
                        registration: None,
                        type_designator: Some("T160".into()),
                        operator: None,
                        country: Some("Russian Federation".into()),
                        military: true,
                        class: Class::Military,
                        layer: Layer::Fallback,
                        class_detail: String::new(),
                        lat: None,
                        lon: None,
                        alt_baro: None,
                        position_source: None,
                    }],
                    timeline: vec![Entry {
                        event: e.id,
                        kind: e.kind,
                        phase: e.phase,
                        subject: e.subject,
                        others: e.others.clone(),
                        onset: e.onset,
                        time: e.time,
                        place: None,
                    }],
                    merged_into: e.id.is_multiple_of(4).then_some(7),
                })
            }),
            event: e,
        }
    }

    #[test]
    fn every_alert_round_trips_to_the_same_bytes() {
        for (i, e) in one_of_each().into_iter().enumerate() {
            let mut a = alert(e);
            // Every class and layer name.
            a.aircraft.class = [Class::Civil, Class::Military, Class::State, Class::Unknown][i % 4];
            a.aircraft.layer = layer_from_name(
                [
                    "override",
                    "aircraft_db",
                    "address_block",
                    "registration",
                    "callsign",
                    "type",
                    "fallback",
                ][i % 7],
            )
            .unwrap();
            if i % 2 == 0 {
                a.aircraft.class_detail.clear();
                a.aircraft.flight = None;
            }
            let mut first = String::new();
            write_alert(&mut first, &a);
            let back = Alert::from_json(&first).unwrap_or_else(|err| panic!("{first}: {err}"));
            let mut second = String::new();
            write_alert(&mut second, &back);
            assert_eq!(second, first);
            assert_eq!(back, a);
        }
    }

    #[test]
    fn an_alert_is_read_as_its_event_and_unknown_fields_are_ignored() {
        let e = one_of_each().remove(0);
        let mut s = String::new();
        write_alert(&mut s, &alert(e.clone()));
        assert_eq!(Event::from_json(&s).unwrap(), e);
        let extra = s.replacen("{", r#"{"added_later":[1,{"x":null}],"#, 1);
        assert_eq!(Alert::from_json(&extra).unwrap().event, e);
    }

    #[test]
    fn bad_input_is_an_error_naming_the_field() {
        let good = event_json(&one_of_each()[5]);
        let cases = [
            ("not json", ""),
            ("[1]", ""),
            (&good.replace(r#""schema":1"#, r#""schema":2"#), "schema"),
            (&good.replace(r#""kind":"formation""#, r#""kind":"raid""#), "kind"),
            (&good.replace(r#""phase":"ended""#, r#""phase":"over""#), "phase"),
            (
                &good.replace(r#""hex":"156f01","others""#, r#""hex":"156g01","others""#),
                "hex",
            ),
            (
                &good.replace(r#""others":["156f02""#, r#""others":["156f0""#),
                "others[0]",
            ),
            (
                &good.replace(r#""members":3"#, r#""members":-3"#),
                "detail.members",
            ),
            (
                &good.replace(r#""onset":1565290010.000"#, r#""onset":"soon""#),
                "detail.links[1].onset",
            ),
            (&good.replace(r#""time":1565290100.500"#, r#""tim":1"#), "time"),
            (
                &good.replace(r#""max_vertical_ft":-200,"#, ""),
                "detail.max_vertical_ft",
            ),
        ];
        for (text, field) in cases {
            let e = Event::from_json(text).expect_err(text);
            assert_eq!(e.field, field, "{text}: {e}");
        }
        let mut s = String::new();
        write_alert(&mut s, &alert(one_of_each().remove(9)));
        let bad = s.replace(r#""class_layer":"callsign""#, r#""class_layer":"rumour""#);
        assert_eq!(Alert::from_json(&bad).unwrap_err().field, "aircraft.class_layer");
        let bad = s.replace(r#""squawk":"7600""#, r#""squawk":"7800""#);
        assert_eq!(Alert::from_json(&bad).unwrap_err().field, "detail.squawk");
    }

    #[test]
    fn track_keys_and_squawks_parse_strictly() {
        assert_eq!(track_key_from_str("156f01"), Some(key(0x156f01)));
        assert_eq!(
            track_key_from_str("~ABCDEF"),
            Some(TrackKey::non_icao(Icao(0xabcdef)))
        );
        for bad in ["", "~", "156f0", "156f012", "+56f01", "~~56f01", "15 f01"] {
            assert_eq!(track_key_from_str(bad), None, "{bad}");
        }
        assert_eq!(squawk_from_str("7700"), Some(0o7700));
        assert_eq!(squawk_from_str("0000"), Some(0));
        for bad in ["770", "77000", "7780", "+770"] {
            assert_eq!(squawk_from_str(bad), None, "{bad}");
        }
    }

    #[test]
    fn interned_texts_are_shared_and_bounded_in_length() {
        let a = intern("a note read back").unwrap();
        let b = intern(&String::from("a note read back")).unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(intern(&"x".repeat(MAX_INTERNED_LEN + 1)), None);
    }

    /// Each name table read both ways: every member's name reads back to it, names are
    /// distinct, and a name no member has reads as nothing.
    #[test]
    fn every_enum_name_reads_back_to_its_member() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            name: fn(T) -> &'static str,
            read: fn(&str) -> Option<T>,
        ) {
            let mut names = HashSet::new();
            for &x in all {
                assert!(names.insert(name(x)), "{x:?}: name {} twice", name(x));
                assert_eq!(read(name(x)), Some(x));
            }
            assert_eq!(read("no_such_name"), None);
        }
        check(&Phase::ALL, Phase::as_str, phase_from_name);
        check(&Confidence::ALL, Confidence::as_str, confidence_from_name);
        check(&MovementBasis::ALL, MovementBasis::as_str, basis_from_name);
        check(&LoiterShape::ALL, LoiterShape::as_str, shape_from_name);
        check(&EmergencyKind::ALL, EmergencyKind::as_str, emergency_from_name);
        check(
            &PositionSource::ALL,
            PositionSource::name,
            position_source_from_name,
        );
        check(&Class::ALL, super::super::class_name, class_from_name);
        check(&Layer::ALL, super::super::layer_name, layer_from_name);
    }

    #[test]
    fn an_event_or_a_timeline_entry_with_a_zone_and_an_airport_is_refused() {
        let line = r#"{"schema":1,"id":"0000000000000001","kind":"landing","phase":"started","hex":"4ca011","onset":1.0,"time":2.0,"zone":"z","airport":"SVMI","confidence":"low","detail":{"basis":"lost_low"},"evidence":[]}"#;
        let e = Event::from_json(line).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("airport", "a zone or an airport, not both")
        );
        let ok = line.replace(r#""zone":"z","#, "");
        let ev = Event::from_json(&ok).unwrap();
        assert!(matches!(ev.place, Some(Place::Airport { ref ident, .. }) if ident == "SVMI"));
    }
}
