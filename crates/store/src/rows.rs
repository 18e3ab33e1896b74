//! The rows the store keeps beside the raw frames, and how they are made from the engine's
//! output: thinned states, event reports, aircraft seen.

use picket_engine::engine::Engine;
use picket_engine::enrich::Class;
use picket_engine::event::{class_name, layer_name, write_alert, write_event, Alert, Detail, Event, Place};
use picket_engine::rules::Enrichment;
use picket_engine::track::{Aircraft, KeyMap, TrackKey};
use picket_modes::Callsign;
use picket_world::geo::LatLon;

/// One stored aircraft state.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// Address as picket writes it (`~` before a non-ICAO one).
    pub hex: String,
    /// Data time of the position (Unix seconds).
    pub t: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Barometric altitude, ft.
    pub alt_baro: Option<i32>,
    /// Ground speed, kt.
    pub gs: Option<f32>,
    /// Track over ground, degrees.
    pub track: Option<f32>,
    /// Barometric vertical rate, ft/min.
    pub baro_rate: Option<i32>,
    /// On the ground.
    pub on_ground: Option<bool>,
    /// Callsign.
    pub flight: Option<String>,
    /// Mode A code, four octal digits.
    pub squawk: Option<String>,
}

/// A state as the engine thread takes it: numbers and the callsign's bytes, no text (the
/// writer thread makes the [`StateRow`], with the address, callsign and squawk as strings:
/// formatting them cost about 1,700 instructions a state on the engine thread).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateTaken {
    key: TrackKey,
    t: f64,
    lat: f64,
    lon: f64,
    alt_baro: Option<i32>,
    gs: Option<f32>,
    track: Option<f32>,
    baro_rate: Option<i32>,
    on_ground: Option<bool>,
    callsign: Option<Callsign>,
    squawk: Option<u16>,
}

impl StateTaken {
    /// The row as it is stored.
    pub fn row(&self) -> StateRow {
        StateRow {
            hex: key_text(self.key),
            t: self.t,
            lat: self.lat,
            lon: self.lon,
            alt_baro: self.alt_baro,
            gs: self.gs,
            track: self.track,
            baro_rate: self.baro_rate,
            on_ground: self.on_ground,
            flight: self
                .callsign
                .as_ref()
                .map(|c| c.as_str().to_string())
                .filter(|c| !c.is_empty()),
            squawk: self.squawk.map(squawk_text),
        }
    }
}

/// The address as `TrackKey`'s `Display` writes it, without the formatter: the writer makes
/// one for every stored state (the formatter's machinery was most of the row's making,
/// about 1,700 instructions a state).
pub fn key_text(key: TrackKey) -> String {
    key.hex_text(&mut [0; 7]).to_string()
}

/// A Mode A code as four octal digits (`format!("{s:04o}")`, which gives more digits for
/// values beyond 12 bits: those go through it).
pub fn squawk_text(s: u16) -> String {
    if s > 0o7777 {
        return format!("{s:04o}");
    }
    let mut t = String::with_capacity(4);
    for i in (0..4).rev() {
        t.push(char::from(b'0' + ((s >> (3 * i)) & 7) as u8));
    }
    t
}

/// One stored event report (or any later record kind, named by `record`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// `alert` (an event a rule raised) or `event` (a detector's report); open for
    /// `incident` and later kinds.
    pub record: String,
    /// The event's id (the same for every report of one event).
    pub event_id: String,
    /// The kind (`landing`, `dwell`, …).
    pub kind: String,
    /// `started`, `updated`, `ended`.
    pub phase: String,
    /// The subject aircraft.
    pub hex: Option<String>,
    /// When the event began.
    pub onset: Option<f64>,
    /// Time of this report.
    pub t: f64,
    /// When the event ended.
    pub ended: Option<f64>,
    /// For lasting events, when what they measure began (a dwell's `since`).
    pub since: Option<f64>,
    /// Airport ident or zone id.
    pub place: Option<String>,
    /// Airport or zone name.
    pub place_name: Option<String>,
    /// ISO code of the country of the place (the airport's, else the position's).
    pub place_country: Option<String>,
    /// Where, degrees (the first located evidence, else the aircraft's position).
    pub lat: Option<f64>,
    /// Where, degrees.
    pub lon: Option<f64>,
    /// The rule that raised it (alerts).
    pub rule: Option<String>,
    /// The whole report in the event schema (docs/events.md).
    pub json: String,
}

/// One aircraft seen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AircraftRow {
    /// Address.
    pub hex: String,
    /// First message (data time).
    pub first_seen: f64,
    /// Latest message.
    pub last_seen: f64,
    /// Callsign.
    pub flight: Option<String>,
    /// Registration.
    pub registration: Option<String>,
    /// ICAO type designator.
    pub type_designator: Option<String>,
    /// Operator.
    pub operator: Option<String>,
    /// Country of the address block (name).
    pub country: Option<String>,
    /// Its ISO code.
    pub country_code: Option<String>,
    /// `military`, `state`, `civil`, `unknown`.
    pub class: String,
    /// The layer that decided the class.
    pub class_layer: String,
    /// What the layer saw.
    pub class_detail: String,
    /// Military or state.
    pub military: bool,
}

fn place_parts(place: &Option<Place>) -> (Option<String>, Option<String>, Option<String>) {
    match place {
        Some(Place::Airport { ident, name }) => (
            Some(ident.clone()),
            Some(name.clone()),
            picket_world::airports::airport(ident).map(|a| a.country.to_string()),
        ),
        Some(Place::Zone { id, name }) => (Some(id.clone()), Some(name.clone()), None),
        None => (None, None, None),
    }
}

fn event_row(record: &str, e: &Event, rule: Option<&str>, at: Option<(f64, f64)>, json: String) -> EventRow {
    let (place, place_name, mut place_country) = place_parts(&e.place);
    let located = e.evidence.iter().find_map(|v| Some((v.lat?, v.lon?))).or(at);
    if place_country.is_none() {
        if let Some((lat, lon)) = located {
            place_country = picket_world::borders::country_at(lat, lon).map(str::to_string);
        }
    }
    EventRow {
        record: record.to_string(),
        event_id: format!("{:016x}", e.id),
        kind: e.kind.as_str().to_string(),
        phase: e.phase.as_str().to_string(),
        hex: Some(e.subject.to_string()),
        onset: Some(e.onset),
        t: e.time,
        ended: e.ended,
        since: match e.detail {
            Detail::Dwell { since, .. } => Some(since),
            _ => None,
        },
        place,
        place_name,
        place_country,
        lat: located.map(|p| p.0),
        lon: located.map(|p| p.1),
        rule: rule.map(str::to_string),
        json,
    }
}

/// The row of an alert (its JSON as `write_alert` writes it).
pub fn alert_row(a: &Alert) -> EventRow {
    let mut json = String::new();
    write_alert(&mut json, a);
    let at = a.aircraft.lat.zip(a.aircraft.lon);
    event_row("alert", &a.event, Some(&a.rule), at, json)
}

/// The row of a detector's event (its JSON as `write_event` writes it).
pub fn event_only_row(e: &Event) -> EventRow {
    let mut json = String::new();
    write_event(&mut json, e);
    event_row("event", e, None, None, json)
}

/// The row of an aircraft and its enrichment.
pub fn aircraft_row(a: &Aircraft, e: &Enrichment) -> AircraftRow {
    AircraftRow {
        hex: key_text(a.key),
        first_seen: a.first_seen,
        last_seen: a.last_seen,
        flight: a
            .callsign
            .as_ref()
            .map(|c| c.as_str().to_string())
            .filter(|c| !c.is_empty()),
        registration: e.registration.as_deref().map(str::to_string),
        type_designator: e.type_designator.as_deref().map(str::to_string),
        operator: e.operator.as_deref().map(str::to_string),
        country: e.country.map(|c| c.name.to_string()),
        country_code: e.country.map(|c| c.iso2.to_string()),
        class: class_name(e.classification.class).to_string(),
        class_layer: layer_name(e.classification.layer).to_string(),
        class_detail: e.classification.detail.to_string(),
        military: matches!(e.classification.class, Class::Military | Class::State),
    }
}

/// When a new position is worth storing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thinning {
    /// At least one position every this many seconds.
    pub every_s: f64,
    /// A turn: the track changed by at least this many degrees.
    pub turn_deg: f32,
    /// A level change: the altitude changed by at least this many feet.
    pub climb_ft: i32,
    /// On the ground a turn counts only once the aircraft has moved this many metres from
    /// the last kept position: an aircraft taxiing or turning on the spot at a few knots
    /// turns by the threshold every second or two while moving metres (it kept a state
    /// every 1.6 s on the busy scenario's airports); the 10 s states still come.
    pub ground_turn_m: f64,
}

impl Default for Thinning {
    fn default() -> Thinning {
        Thinning {
            every_s: 10.0,
            turn_deg: 5.0,
            climb_ft: 200,
            ground_turn_m: 50.0,
        }
    }
}

impl Thinning {
    /// Every position (imports: the files are thinned already).
    pub const ALL: Thinning = Thinning {
        every_s: 0.0,
        turn_deg: 0.0,
        climb_ft: 0,
        ground_turn_m: 0.0,
    };
}

#[derive(Debug, Clone, Copy)]
struct Kept {
    t: f64,
    lat: f64,
    lon: f64,
    track: Option<f32>,
    alt: Option<i32>,
    on_ground: Option<bool>,
    squawk: Option<u16>,
    /// The class sent with the aircraft row, and the last_seen it had.
    class: Class,
    sent_seen: f64,
}

/// Decides which states to keep: a position at least every `every_s`, and at every turn,
/// level change, ground/air change or squawk change.
#[derive(Debug, Default)]
pub struct Thinner {
    params: Option<Thinning>,
    kept: KeyMap<Kept>,
}

impl Thinner {
    /// A thinner with these thresholds.
    pub fn new(params: Thinning) -> Thinner {
        Thinner {
            params: Some(params),
            kept: KeyMap::default(),
        }
    }

    /// Looks at every aircraft of the engine: states worth keeping go to `states`, aircraft
    /// seen for the first time (or whose class changed, or every minute) to `aircraft`.
    /// None: that kind of row is not wanted and not built (the thinning's memory is kept
    /// all the same).
    pub fn collect(
        &mut self,
        engine: &Engine,
        mut states: Option<&mut Vec<StateTaken>>,
        mut aircraft: Option<&mut Vec<AircraftRow>>,
    ) {
        let p = self.params.unwrap_or_default();
        for (a, e) in engine.enriched() {
            let Some(pos) = a.position.as_ref() else {
                continue;
            };
            let squawk = a.squawk.map(|s| s.0);
            let class = e.classification.class;
            let fresh = Kept {
                t: pos.time,
                lat: pos.lat,
                lon: pos.lon,
                track: a.track,
                alt: a.alt_baro,
                on_ground: a.on_ground,
                squawk,
                class,
                sent_seen: a.last_seen,
            };
            // One lookup per aircraft (this runs for every aircraft once a data second).
            match self.kept.entry(a.key) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    // First sight: the aircraft row and the state.
                    if let Some(v) = aircraft.as_deref_mut() {
                        v.push(aircraft_row(a, e));
                    }
                    if let Some(v) = states.as_deref_mut() {
                        v.push(state_taken(a, pos.lat, pos.lon, pos.time));
                    }
                    slot.insert(fresh);
                }
                std::collections::hash_map::Entry::Occupied(mut slot) => {
                    let k = slot.get_mut();
                    let keep = pos.time > k.t
                        && (pos.time - k.t >= p.every_s
                            || (turned(k.track, a.track) >= p.turn_deg
                                && (a.on_ground != Some(true)
                                    || metres_between(k.lat, k.lon, pos.lat, pos.lon) >= p.ground_turn_m))
                            || matches!((k.alt, a.alt_baro), (Some(x), Some(y)) if (x - y).abs() >= p.climb_ft)
                            || k.on_ground != a.on_ground
                            || k.squawk != squawk);
                    // The aircraft row when its class changes and every minute.
                    let send = k.class != class || a.last_seen - k.sent_seen >= 60.0;
                    let sent_seen = if send { a.last_seen } else { k.sent_seen };
                    if send {
                        if let Some(v) = aircraft.as_deref_mut() {
                            v.push(aircraft_row(a, e));
                        }
                    }
                    if keep {
                        if let Some(v) = states.as_deref_mut() {
                            v.push(state_taken(a, pos.lat, pos.lon, pos.time));
                        }
                        *k = Kept { sent_seen, ..fresh };
                    } else {
                        k.class = class;
                        k.sent_seen = sent_seen;
                    }
                }
            }
        }
    }

    /// At the end of a run: the last states worth keeping (when `states` is given) and the
    /// aircraft row of every aircraft the engine holds, each once.
    pub fn finish(
        &mut self,
        engine: &Engine,
        states: Option<&mut Vec<StateTaken>>,
        aircraft: &mut Vec<AircraftRow>,
    ) {
        if states.is_some() {
            self.collect(engine, states, None);
        }
        for (a, e) in engine.enriched() {
            aircraft.push(aircraft_row(a, e));
        }
    }

    /// Forgets aircraft not seen since `before` (bounded memory).
    pub fn prune(&mut self, before: f64) {
        self.kept.retain(|_, k| k.t >= before);
    }
}

/// Metres between two nearby positions (equirectangular: exact enough over the few hundred
/// metres it is asked about, and cheap).
fn metres_between(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const M_PER_DEG: f64 = 111_195.0;
    let dlat = lat2 - lat1;
    let dlon = (lon2 - lon1) * ((lat1 + lat2) * 0.5).to_radians().cos();
    (dlat * dlat + dlon * dlon).sqrt() * M_PER_DEG
}

fn turned(a: Option<f32>, b: Option<f32>) -> f32 {
    match (a, b) {
        (Some(a), Some(b)) => {
            let d = (a - b).abs() % 360.0;
            d.min(360.0 - d)
        }
        _ => 0.0,
    }
}

fn state_taken(a: &Aircraft, lat: f64, lon: f64, t: f64) -> StateTaken {
    StateTaken {
        key: a.key,
        t,
        lat,
        lon,
        alt_baro: a.alt_baro,
        gs: a.gs,
        track: a.track,
        baro_rate: a.baro_rate,
        on_ground: a.on_ground,
        callsign: a.callsign,
        squawk: a.squawk.map(|s| s.0),
    }
}

/// The 1-degree grid cell of a position (the states' spatial index).
pub fn cell(lat: f64, lon: f64) -> i64 {
    let r = ((lat.floor() + 90.0).clamp(0.0, 179.0)) as i64;
    let c = ((lon.floor() + 180.0).rem_euclid(360.0)) as i64;
    r * 360 + c
}

/// Every cell a box touches.
pub fn cells_of_box(south: f64, west: f64, north: f64, east: f64) -> Vec<i64> {
    let mut out = Vec::new();
    let (r0, r1) = ((south.floor() as i64).max(-90), (north.floor() as i64).min(89));
    let lons: Vec<i64> = if west <= east {
        (west.floor() as i64..=east.floor() as i64).collect()
    } else {
        (west.floor() as i64..180)
            .chain(-180..=east.floor() as i64)
            .collect()
    };
    for r in r0..=r1 {
        for &c in &lons {
            out.push(cell(r as f64 + 0.5, c as f64 + 0.5));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A position as the world crate's type.
pub fn latlon(lat: f64, lon: f64) -> LatLon {
    LatLon { lat, lon }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picket_engine::engine::{EngineConfig, Output};
    use picket_modes::adsb::{AirbornePosition, Category, Identification, Me, SurveillanceStatus};
    use picket_modes::cpr::{self, CprParity, LatLon};
    use picket_modes::message::Message;
    use picket_modes::{Altitude, Callsign, Frame, Icao};
    use picket_receive::{Clock, Received, What};

    #[test]
    fn addresses_and_squawks_are_written_as_the_formatter_writes_them() {
        for a in (0..=0xFF_FFFFu32)
            .step_by(4093)
            .chain([0, 1, 0xabcdef, 0xFF_FFFF])
        {
            for key in [TrackKey::icao(Icao(a)), TrackKey::non_icao(Icao(a))] {
                assert_eq!(key_text(key), key.to_string());
            }
        }
        for s in 0..=u16::MAX {
            assert_eq!(squawk_text(s), format!("{s:04o}"));
        }
    }

    fn adsb(address: Icao, me: Me) -> Frame {
        Message::ExtendedSquitter {
            capability: 5,
            address,
            me,
        }
        .encode(Icao(0))
    }

    /// An engine tracking 4ca1b2 flying east with positions, and 4ca1b3 heard only by its
    /// identification (no position).
    fn engine() -> Engine {
        let mut engine = Engine::new(EngineConfig::default());
        let mut out = Output::new();
        let t0 = 1_700_000_000.0;
        let mut frames = Vec::new();
        for i in 0..20u32 {
            let parity = if i % 2 == 0 {
                CprParity::Even
            } else {
                CprParity::Odd
            };
            let cpr = cpr::encode_airborne(
                LatLon {
                    lat: 52.0,
                    lon: 4.0 + f64::from(i) * 0.001,
                },
                parity,
            );
            let me = Me::AirbornePosition(AirbornePosition {
                type_code: 11,
                surveillance_status: SurveillanceStatus::NoCondition,
                nic_b: false,
                altitude_code: AirbornePosition::altitude_code_for(Altitude::Feet25(35_000)),
                utc_sync: false,
                cpr,
            });
            frames.push((t0 + f64::from(i) * 0.5, adsb(Icao(0x4ca1b2), me)));
        }
        let category = Category::from_type_code(4, 3).unwrap();
        for i in 0..2u32 {
            let me = Me::Identification(Identification::new(category, &Callsign::new("KLM1")));
            frames.push((t0 + 10.0 + f64::from(i), adsb(Icao(0x4ca1b3), me)));
        }
        for (t, f) in frames {
            let r = Received {
                time_utc: t,
                clock: Clock::None,
                signal: None,
                receiver: 0,
                what: What::ModeS(f),
            };
            engine.ingest_into(&r, &mut out);
        }
        engine
    }

    #[test]
    fn the_end_of_a_run_gives_each_aircraft_once() {
        let engine = engine();
        let tracked = engine.enriched().count();
        assert_eq!(tracked, 2);
        let mut t = Thinner::new(Thinning::default());
        let (mut states, mut aircraft) = (Vec::new(), Vec::new());
        t.collect(&engine, Some(&mut states), Some(&mut aircraft));
        assert_eq!(states.len(), 1, "{states:?}");
        assert_eq!(states[0].row().hex, "4ca1b2");
        assert_eq!(aircraft.len(), 1);
        // The end: every aircraft once (with or without a position), no state again.
        let (mut states, mut aircraft) = (Vec::new(), Vec::new());
        t.finish(&engine, Some(&mut states), &mut aircraft);
        assert!(states.is_empty());
        let mut hexes: Vec<&str> = aircraft.iter().map(|a| a.hex.as_str()).collect();
        hexes.sort_unstable();
        hexes.dedup();
        assert_eq!(aircraft.len(), tracked, "{aircraft:?}");
        assert_eq!(hexes.len(), tracked);
        // A thinner that has seen nothing yet: its last states, and each aircraft once (not
        // once from the thinning and again from the end).
        let mut fresh = Thinner::new(Thinning::default());
        let (mut states, mut aircraft) = (Vec::new(), Vec::new());
        fresh.finish(&engine, Some(&mut states), &mut aircraft);
        assert_eq!(states.len(), 1);
        assert_eq!(aircraft.len(), tracked, "{aircraft:?}");
        // Without states wanted, none are built, and the aircraft rows still come.
        let mut t = Thinner::new(Thinning::default());
        let mut aircraft = Vec::new();
        t.collect(&engine, None, Some(&mut aircraft));
        assert_eq!(aircraft.len(), 1);
        let mut aircraft = Vec::new();
        t.finish(&engine, None, &mut aircraft);
        assert_eq!(aircraft.len(), tracked);
    }

    /// An aircraft seen through observations every second for two minutes: `turn_per_s`
    /// degrees of turn and `speed_mps` metres a second along its track; the states kept
    /// when the thinner looks once a second, as the recorder does.
    fn states_of_a_turning_aircraft(on_ground: bool, turn_per_s: f32, speed_mps: f64) -> Vec<StateRow> {
        use picket_receive::{Observation, ObservationSource};
        let mut engine = Engine::new(EngineConfig::default());
        let mut out = Output::new();
        let mut thinner = Thinner::new(Thinning::default());
        let mut states = Vec::new();
        let t0 = 1_718_388_700.0;
        let (mut lat, mut lon) = (42.8876, -72.2709);
        for i in 0..120u32 {
            let track = (f64::from(i) * f64::from(turn_per_s)).rem_euclid(360.0);
            lat += speed_mps * track.to_radians().cos() / 111_195.0;
            lon += speed_mps * track.to_radians().sin() / (111_195.0 * lat.to_radians().cos());
            let mut o = Observation::new(Icao(0xac025), ObservationSource::JsonState);
            o.lat = Some(lat);
            o.lon = Some(lon);
            o.track = Some(track as f32);
            o.gs = Some((speed_mps * 1.943_844) as f32);
            o.on_ground = Some(on_ground);
            o.alt_baro = (!on_ground).then_some(3_000);
            let r = Received {
                time_utc: t0 + f64::from(i),
                clock: Clock::None,
                signal: None,
                receiver: 0,
                what: What::Observation(Box::new(o)),
            };
            engine.ingest_into(&r, &mut out);
            thinner.collect(&engine, Some(&mut states), None);
        }
        states.iter().map(StateTaken::row).collect()
    }

    #[test]
    fn on_the_ground_a_turn_counts_once_the_aircraft_has_moved() {
        // Taxiing in a slow circle (3 kt, 2.8 degrees a second: a "turn" every 2 s): a state
        // every 10 s, not every other second.
        let slow = states_of_a_turning_aircraft(true, 2.8, 1.5);
        assert!(slow.iter().all(|s| s.on_ground == Some(true)));
        assert!((12..=13).contains(&slow.len()), "{} states", slow.len());
        for w in slow.windows(2) {
            assert!(w[1].t - w[0].t >= 10.0, "{} then {}", w[0].t, w[1].t);
        }
        // Turning as fast while moving 15 m/s (30 kt): 50 m every 4 s, so the turns count
        // again, at most every 4 s.
        let fast = states_of_a_turning_aircraft(true, 2.8, 15.0);
        assert!(fast.len() >= 25, "{} states", fast.len());
        // In the air every turn of 5 degrees counts, however slow.
        let air = states_of_a_turning_aircraft(false, 2.8, 1.5);
        assert!(air.len() >= 55, "{} states", air.len());
    }
}
