//! Events (what the detectors report) and alerts (an event a rule asked for), with their one
//! JSON writer each and its reader ([`Event::from_json`], [`Alert::from_json`]: write, read
//! and write again gives the same bytes). The schema is documented and versioned in
//! docs/events.md.
//!
//! An event has a lifetime: it is reported [`Phase::Started`] when detected, possibly
//! [`Phase::Updated`] while it lasts (a formation gains a member, an orbit's centre moves, a
//! dwell enters a new day), and [`Phase::Ended`] when it is over. Every report of one event
//! carries the same [`Event::id`].
//!
//! ```
//! use picket_engine::event::{write_event, Confidence, Detail, Event, Phase};
//! use picket_engine::track::TrackKey;
//! use picket_modes::Icao;
//! use picket_world::events::{EmergencyKind, EventKind};
//!
//! let subject = TrackKey::icao(Icao(0x156f01));
//! let mut e = Event::new(EventKind::Emergency, subject, 1565287200.0, 1565287201.5);
//! e.confidence = Confidence::High;
//! e.detail = Detail::Emergency { state: EmergencyKind::General, squawk: Some(0o7700), messages: 2 };
//! let mut s = String::new();
//! write_event(&mut s, &e);
//! assert!(s.starts_with(r#"{"schema":1,"id":""#));
//! assert!(s.contains(r#""kind":"emergency","phase":"started","hex":"156f01""#));
//! assert!(s.contains(r#""detail":{"emergency":"general","squawk":"7700","messages":2}"#));
//! ```

use std::fmt;
use std::hash::Hasher;

use picket_modes::Squawk;
use picket_receive::fields;
use picket_receive::json::{JsonArray, JsonObject};
use picket_world::events::{EmergencyKind, EventKind};
use picket_world::geo::LatLon;

use crate::enrich::{Class, Layer};
use crate::track::{PositionSource, TrackKey};

mod parse;

pub use parse::{class_from_name, layer_from_name, track_key_from_str, ParseError};

/// Version of the JSON schema written by [`write_event`] and [`write_alert`] (field
/// `schema`). Raised when a field changes meaning or disappears; new fields do not raise it.
pub const SCHEMA_VERSION: u32 = 1;

/// Most evidence items an event carries (the first ones and the latest ones are kept).
pub const MAX_EVIDENCE: usize = 8;

/// Where an event is in its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// First report: the event was detected.
    Started,
    /// The event is still going on and something about it changed.
    Updated,
    /// The event is over (`ended` is set).
    Ended,
}

impl Phase {
    /// Every phase, in declaration order (the reader finds a name's phase among them).
    pub const ALL: [Phase; 3] = [Phase::Started, Phase::Updated, Phase::Ended];

    /// The JSON name: `started`, `updated`, `ended`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Started => "started",
            Phase::Updated => "updated",
            Phase::Ended => "ended",
        }
    }
}

/// Where an event happened, when it happened at a named place.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    /// A zone (built-in or from the user's GeoJSON).
    Zone {
        /// The zone's id.
        id: String,
        /// The zone's name.
        name: String,
    },
    /// An airport or base.
    Airport {
        /// ICAO (or local) identifier, e.g. `SVMI`.
        ident: String,
        /// Name.
        name: String,
    },
}

/// How sure the detector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    /// Inferred from an absence or from indirect evidence (e.g. a landing concluded from a
    /// track lost low and slow near a runway).
    Low,
    /// Several consistent observations, some of them indirect.
    Medium,
    /// Directly observed and confirmed by several messages (surface positions, the
    /// on-ground flag, positions on both sides of a boundary).
    High,
}

impl Confidence {
    /// Every confidence, lowest first.
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

    /// The JSON name: `low`, `medium`, `high`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One observation behind an event: when, where, how high and fast, and what it showed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// Data time (Unix seconds).
    pub time: f64,
    /// The aircraft observed (events about several aircraft carry evidence of each).
    pub hex: TrackKey,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Barometric altitude, ft.
    pub alt_baro: Option<i32>,
    /// Ground speed, kt.
    pub gs: Option<f32>,
    /// What this observation shows, in a few words (`"surface position"`, `"squawk 7700"`).
    pub note: &'static str,
    /// Where the position came from when it is not the aircraft's own ADS-B (multilateration,
    /// TIS-B, ADS-R, another tool); None: ADS-B, or no position.
    pub position_source: Option<PositionSource>,
}

impl Evidence {
    /// The label of a position of this source in evidence: None for the aircraft's own
    /// ADS-B, the source otherwise (multilateration, TIS-B, ...).
    pub const fn label(source: PositionSource) -> Option<PositionSource> {
        match source {
            PositionSource::Adsb => None,
            s => Some(s),
        }
    }

    /// Evidence with no position, altitude or speed.
    pub const fn at(time: f64, hex: TrackKey, note: &'static str) -> Evidence {
        Evidence {
            time,
            hex,
            lat: None,
            lon: None,
            alt_baro: None,
            gs: None,
            note,
            position_source: None,
        }
    }
}

/// How a take-off or landing was concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MovementBasis {
    /// Surface position reports (or the ADS-B on-ground flag) on the ground side.
    OnGround,
    /// Low and slow at the field (below the height and speed limits), no ground report.
    LowAndSlow,
    /// The track was lost low and slow near the field (landings only).
    LostLow,
    /// The track began low at the field (or at a place) and climbed away: a take-off seen
    /// from the air, by data without any on-ground flag (take-offs only, low confidence).
    TrackStart,
    /// The recorded input ended with the aircraft low at the field (landings only).
    InputEnd,
    /// A low, slow pass over the sea that climbed away again: a touch-and-go or a wave-off
    /// at a ship (landings at sea only).
    TouchAndGo,
}

impl MovementBasis {
    /// Every basis, in declaration order.
    pub const ALL: [MovementBasis; 6] = [
        MovementBasis::OnGround,
        MovementBasis::LowAndSlow,
        MovementBasis::LostLow,
        MovementBasis::TrackStart,
        MovementBasis::InputEnd,
        MovementBasis::TouchAndGo,
    ];

    /// The JSON name: `on_ground`, `low_and_slow`, `lost_low`, `track_start`, `input_end`,
    /// `touch_and_go`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MovementBasis::OnGround => "on_ground",
            MovementBasis::LowAndSlow => "low_and_slow",
            MovementBasis::LostLow => "lost_low",
            MovementBasis::TrackStart => "track_start",
            MovementBasis::InputEnd => "input_end",
            MovementBasis::TouchAndGo => "touch_and_go",
        }
    }
}

/// Where a take-off or landing away from any airport happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    /// The deciding position (the last one heard for a landing, the first for a take-off,
    /// the lowest of a touch-and-go).
    pub position: LatLon,
    /// Over the sea (no land of the coarse coastline under it): a possible ship (aircraft
    /// carrier or other ship with a deck).
    pub sea: bool,
}

impl Site {
    /// The JSON name: `sea` or `place`.
    pub const fn as_str(&self) -> &'static str {
        if self.sea {
            "sea"
        } else {
            "place"
        }
    }
}

/// The shape of an orbit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoiterShape {
    /// About as wide as long, turning one way.
    Circle,
    /// Two straight legs joined by turns one way, longer than wide (holding, refuelling
    /// and surveillance tracks).
    Racetrack,
    /// Turning one way, then the other: no net turn over a lap.
    FigureEight,
    /// A repeated path of no regular shape.
    Irregular,
}

impl LoiterShape {
    /// Every shape, in declaration order.
    pub const ALL: [LoiterShape; 4] = [
        LoiterShape::Circle,
        LoiterShape::Racetrack,
        LoiterShape::FigureEight,
        LoiterShape::Irregular,
    ];

    /// The JSON name: `circle`, `racetrack`, `figure_eight`, `irregular`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LoiterShape::Circle => "circle",
            LoiterShape::Racetrack => "racetrack",
            LoiterShape::FigureEight => "figure_eight",
            LoiterShape::Irregular => "irregular",
        }
    }
}

/// The kind-specific part of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// Nothing beyond the common fields.
    None,
    /// Zone entry or exit.
    Zone {
        /// Signed distance to the boundary at the deciding position, metres (negative
        /// inside).
        boundary_m: f64,
    },
    /// Take-off or landing.
    Movement {
        /// What the conclusion rests on.
        basis: MovementBasis,
        /// The runway in use, when the track's direction matches one.
        runway: Option<&'static str>,
        /// Where it happened when that is no airport (the event then has no place): a
        /// helicopter's landing site, or a possible ship at sea.
        site: Option<Site>,
    },
    /// Dwell (deployment) on the ground at an airport.
    Dwell {
        /// Start of the stay on the ground (Unix seconds).
        since: f64,
        /// Hours on the ground at the time of the report.
        hours: f64,
        /// UTC day (days since 1970-01-01) the report belongs to.
        day: i64,
    },
    /// Formation: the group is `subject` + `others`.
    Formation {
        /// Aircraft in the group.
        members: u32,
        /// Largest horizontal separation between linked members at the report, metres.
        max_distance_m: f64,
        /// Largest vertical separation between linked members at the report, ft.
        max_vertical_ft: i32,
        /// The pairs flying together (the group is their connected set), with the time each
        /// pair began to meet the formation conditions; a pair that separated is reported
        /// once more with its `ended` set.
        links: Vec<Link>,
    },
    /// Intercept (subject = the interceptor, others = the intercepted aircraft) or escort.
    Intercept {
        /// Highest closure rate seen, kt.
        closure_kt: f64,
        /// When the interceptor joined (formation conditions first met).
        join: Option<f64>,
        /// When the two separated.
        separation: Option<f64>,
    },
    /// Loiter / orbit.
    Loiter {
        /// Centre of the pattern.
        centre: LatLon,
        /// Length of the pattern along its long axis, metres.
        size_m: f64,
        /// Time per lap, seconds.
        period_s: Option<f64>,
        /// Accumulated turn since the onset, degrees.
        turn_deg: f64,
        /// The pattern's shape.
        shape: LoiterShape,
        /// Length of a racetrack's straight legs, metres.
        leg_m: Option<f64>,
        /// Width of the pattern across its long axis, metres.
        width_m: f64,
        /// Direction of the long axis, degrees from true north (0 to 180).
        orientation_deg: f64,
        /// Lowest and highest barometric altitude flown in it, ft.
        alt_band: Option<(i32, i32)>,
        /// Laps flown since the onset.
        laps: f64,
    },
    /// Emergency.
    Emergency {
        /// The emergency state.
        state: EmergencyKind,
        /// The squawk, when the emergency came from it (octal digits as stored by [`Squawk`]).
        squawk: Option<u16>,
        /// Messages that carried it before it was raised.
        messages: u32,
    },
    /// Went dark.
    WentDark {
        /// Data time the aircraft was last heard.
        last_heard: f64,
        /// Distance from the zone's boundary at the last position, metres (negative inside).
        zone_distance_m: Option<f64>,
    },
    /// First seen this UTC day.
    FirstSeen {
        /// UTC day (days since 1970-01-01).
        day: i64,
        /// False for an aircraft heard but not located (Mode S replies, no position).
        located: bool,
    },
}

/// Two aircraft of a formation flying together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// One aircraft (the lower key).
    pub a: TrackKey,
    /// The other.
    pub b: TrackKey,
    /// When the pair began to meet the formation conditions.
    pub onset: f64,
    /// When the pair's separation began (reported after `formation_break_duration`).
    pub ended: Option<f64>,
}

/// Something a detector saw. See the module documentation and docs/events.md.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stable within a run: a hash of (kind, subject, onset, place); the same for every
    /// report of one event.
    pub id: u64,
    /// What happened.
    pub kind: EventKind,
    /// Where the event is in its lifetime.
    pub phase: Phase,
    /// The aircraft the event is about (the interceptor for an intercept).
    pub subject: TrackKey,
    /// Other aircraft involved: formation partners, intercepted or escorted aircraft.
    pub others: Vec<TrackKey>,
    /// Data time the event began (Unix seconds).
    pub onset: f64,
    /// Data time of this report (detection, update or end).
    pub time: f64,
    /// Data time the event ended.
    pub ended: Option<f64>,
    /// The zone or airport.
    pub place: Option<Place>,
    /// How sure the detector is.
    pub confidence: Confidence,
    /// The observations behind it, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<Evidence>,
    /// The kind-specific part.
    pub detail: Detail,
}

impl Event {
    /// A started event with no place, others, evidence or detail, medium confidence, and
    /// its id computed.
    pub fn new(kind: EventKind, subject: TrackKey, onset: f64, time: f64) -> Event {
        let mut e = Event {
            id: 0,
            kind,
            phase: Phase::Started,
            subject,
            others: Vec::new(),
            onset,
            time,
            ended: None,
            place: None,
            confidence: Confidence::Medium,
            evidence: Vec::new(),
            detail: Detail::None,
        };
        e.id = e.compute_id();
        e
    }

    /// Sets the place and recomputes the id (the place is part of it).
    pub fn with_place(mut self, place: Place) -> Event {
        self.place = Some(place);
        self.id = self.compute_id();
        self
    }

    /// The id of (kind, subject, onset to the millisecond, place): FNV-1a, so it is the same
    /// on every platform and in every run.
    pub fn compute_id(&self) -> u64 {
        let mut h = Fnv::default();
        h.write(self.kind.as_str().as_bytes());
        h.write_u32(self.subject.address().0);
        h.write_u8(self.subject.is_icao() as u8);
        h.write_i64((self.onset * 1000.0).round() as i64);
        match &self.place {
            None => h.write_u8(0),
            Some(Place::Zone { id, .. }) => {
                h.write_u8(1);
                h.write(id.as_bytes());
            }
            Some(Place::Airport { ident, .. }) => {
                h.write_u8(2);
                h.write(ident.as_bytes());
            }
        }
        h.finish()
    }

    /// Adds evidence, keeping the first half and the latest of at most [`MAX_EVIDENCE`].
    pub fn push_evidence(&mut self, e: Evidence) {
        if self.evidence.len() >= MAX_EVIDENCE {
            // Keep the oldest MAX_EVIDENCE/2 (how it began) and slide the rest.
            self.evidence.remove(MAX_EVIDENCE / 2);
        }
        self.evidence.push(e);
    }

    /// The event's zone id, if it happened in a zone.
    pub fn zone(&self) -> Option<&str> {
        match &self.place {
            Some(Place::Zone { id, .. }) => Some(id),
            _ => None,
        }
    }

    /// The event's airport ident, if it happened at an airport.
    pub fn airport(&self) -> Option<&str> {
        match &self.place {
            Some(Place::Airport { ident, .. }) => Some(ident),
            _ => None,
        }
    }

    /// Every aircraft involved, subject first.
    pub fn aircraft(&self) -> impl Iterator<Item = TrackKey> + '_ {
        std::iter::once(self.subject).chain(self.others.iter().copied())
    }
}

/// 64-bit FNV-1a: a hash whose value never changes between platforms or Rust versions.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Fixed-width lower-case hex of an event id (JSON numbers lose precision above 2^53).
#[derive(Debug, Clone, Copy)]
struct IdHex(u64);

impl fmt::Display for IdHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// What an alert says about the aircraft, at the time of the event.
#[derive(Debug, Clone, PartialEq)]
pub struct AircraftSummary {
    /// Address.
    pub hex: TrackKey,
    /// Callsign.
    pub flight: Option<String>,
    /// Registration.
    pub registration: Option<String>,
    /// ICAO type designator.
    pub type_designator: Option<String>,
    /// Operator.
    pub operator: Option<String>,
    /// Country of the address block.
    pub country: Option<String>,
    /// Military or state, by the classification.
    pub military: bool,
    /// The classification.
    pub class: Class,
    /// The layer that made it.
    pub layer: Layer,
    /// What the layer saw.
    pub class_detail: String,
    /// Latitude at the time of the event.
    pub lat: Option<f64>,
    /// Longitude at the time of the event.
    pub lon: Option<f64>,
    /// Barometric altitude at the time of the event, ft.
    pub alt_baro: Option<i32>,
    /// Where `lat`/`lon` came from (`"position_source"`: `adsb`, `mlat`, ..., or `none`
    /// without a position).
    pub position_source: Option<PositionSource>,
}

/// A watch-list entry seen under an address it was not listed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAddress {
    /// The watch-list entry's name.
    pub entry: String,
    /// Addresses the entry was known under (listed, or seen before in this run).
    pub previous: Vec<TrackKey>,
    /// The traits that matched (`callsign`, `type`, `registration`, ...).
    pub matched_by: Vec<&'static str>,
}

/// An event that a rule asked for: one per (rule, event) report.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The rule's name.
    pub rule: String,
    /// The event.
    pub event: Event,
    /// The subject aircraft.
    pub aircraft: AircraftSummary,
    /// Set when a watch-list entry matched under a new address.
    pub new_address_of: Option<NewAddress>,
    /// The incident this message tells, for rules that deliver incidents (`event` is then
    /// the incident's latest event).
    pub incident: Option<Box<crate::incident::Incident>>,
}

/// The JSON name of a classification class.
pub const fn class_name(class: Class) -> &'static str {
    match class {
        Class::Civil => "civil",
        Class::Military => "military",
        Class::State => "state",
        Class::Unknown => "unknown",
    }
}

/// The JSON name of a classification layer.
pub const fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Override => "override",
        Layer::AircraftDb => "aircraft_db",
        Layer::AddressBlock => "address_block",
        Layer::Registration => "registration",
        Layer::Callsign => "callsign",
        Layer::Type => "type",
        Layer::Fallback => "fallback",
    }
}

/// Appends one event as a JSON object (no newline).
pub fn write_event(out: &mut String, e: &Event) {
    let mut o = JsonObject::new(out);
    event_fields(&mut o, e);
}

/// Appends one alert as a JSON object (no newline): the event's fields, `rule`, the
/// `aircraft` summary and `new_address_of`.
pub fn write_alert(out: &mut String, a: &Alert) {
    let mut o = JsonObject::new(out);
    event_fields(&mut o, &a.event);
    o.str("rule", &a.rule);
    {
        let s = &a.aircraft;
        let mut ac = o.object("aircraft");
        ac.display(fields::HEX, s.hex)
            .opt_str(fields::FLIGHT, s.flight.as_deref())
            .opt_str(fields::REGISTRATION, s.registration.as_deref())
            .opt_str(fields::TYPE, s.type_designator.as_deref())
            .opt_str("operator", s.operator.as_deref())
            .opt_str("country", s.country.as_deref())
            .bool("military", s.military)
            .str("class", class_name(s.class))
            .str("class_layer", layer_name(s.layer));
        if !s.class_detail.is_empty() {
            ac.str("class_detail", &s.class_detail);
        }
        ac.opt_fixed(fields::LAT, s.lat, 6)
            .opt_fixed(fields::LON, s.lon, 6)
            .opt_num(fields::ALT_BARO, s.alt_baro)
            .str(
                "position_source",
                s.position_source.map_or("none", PositionSource::name),
            );
    }
    if let Some(n) = &a.new_address_of {
        let mut no = o.object("new_address_of");
        no.str("entry", &n.entry);
        if !n.previous.is_empty() {
            let mut arr = no.array("previous");
            for k in &n.previous {
                arr.display(k);
            }
        }
        if !n.matched_by.is_empty() {
            let mut arr = no.array("matched_by");
            for m in &n.matched_by {
                arr.str(m);
            }
        }
    }
    if let Some(inc) = &a.incident {
        let mut io = o.object("incident");
        crate::incident::write_incident_fields(&mut io, inc);
    }
}

/// The squawk's four octal digits.
fn squawk_text(squawk: u16) -> Squawk {
    Squawk(squawk)
}

fn event_fields(o: &mut JsonObject<'_>, e: &Event) {
    o.num("schema", SCHEMA_VERSION)
        .display("id", IdHex(e.id))
        .str("kind", e.kind.as_str())
        .str("phase", e.phase.as_str())
        .display(fields::HEX, e.subject);
    if !e.others.is_empty() {
        let mut arr = o.array("others");
        for k in &e.others {
            arr.display(k);
        }
    }
    o.fixed("onset", e.onset, 3)
        .fixed(fields::TIME, e.time, 3)
        .opt_fixed("end", e.ended, 3);
    match &e.place {
        Some(Place::Zone { id, name }) => {
            o.str("zone", id).str("zone_name", name);
        }
        Some(Place::Airport { ident, name }) => {
            o.str("airport", ident).str("airport_name", name);
        }
        None => {}
    }
    o.str("confidence", e.confidence.as_str());
    if !matches!(e.detail, Detail::None) {
        let mut d = o.object("detail");
        detail_fields(&mut d, &e.detail);
    }
    if !e.evidence.is_empty() {
        let mut arr = o.array("evidence");
        for ev in &e.evidence {
            evidence_object(&mut arr, ev);
        }
    }
}

fn evidence_object(arr: &mut JsonArray<'_>, ev: &Evidence) {
    let mut o = arr.object();
    o.fixed(fields::TIME, ev.time, 3)
        .display(fields::HEX, ev.hex)
        .opt_fixed(fields::LAT, ev.lat, 6)
        .opt_fixed(fields::LON, ev.lon, 6)
        .opt_num(fields::ALT_BARO, ev.alt_baro)
        .opt_fixed(fields::GS, ev.gs.map(f64::from), 1);
    if !ev.note.is_empty() {
        o.str("note", ev.note);
    }
    if let Some(s) = ev.position_source {
        o.str("position_source", s.name());
    }
}

fn detail_fields(d: &mut JsonObject<'_>, detail: &Detail) {
    match *detail {
        Detail::None => {}
        Detail::Zone { boundary_m } => {
            d.fixed("boundary_m", boundary_m, 0);
        }
        Detail::Movement { basis, runway, site } => {
            d.str("basis", basis.as_str()).opt_str("runway", runway);
            if let Some(site) = site {
                d.str("site", site.as_str())
                    .fixed(fields::LAT, site.position.lat, 6)
                    .fixed(fields::LON, site.position.lon, 6);
            }
        }
        Detail::Dwell { since, hours, day } => {
            d.fixed("since", since, 3)
                .fixed("hours", hours, 2)
                .num("day", day);
        }
        Detail::Formation {
            members,
            max_distance_m,
            max_vertical_ft,
            ref links,
        } => {
            d.num("members", members)
                .fixed("max_distance_m", max_distance_m, 0)
                .num("max_vertical_ft", max_vertical_ft);
            if !links.is_empty() {
                let mut arr = d.array("links");
                for l in links {
                    let mut o = arr.object();
                    {
                        let mut pair = o.array("aircraft");
                        pair.display(l.a).display(l.b);
                    }
                    o.fixed("onset", l.onset, 3).opt_fixed("end", l.ended, 3);
                }
            }
        }
        Detail::Intercept {
            closure_kt,
            join,
            separation,
        } => {
            d.fixed("closure_kt", closure_kt, 0)
                .opt_fixed("join", join, 3)
                .opt_fixed("separation", separation, 3);
        }
        Detail::Loiter {
            centre,
            size_m,
            period_s,
            turn_deg,
            shape,
            leg_m,
            width_m,
            orientation_deg,
            alt_band,
            laps,
        } => {
            d.fixed(fields::LAT, centre.lat, 6)
                .fixed(fields::LON, centre.lon, 6)
                .fixed("size_m", size_m, 0)
                .opt_fixed("period_s", period_s, 0)
                .fixed("turn_deg", turn_deg, 0)
                .str("shape", shape.as_str())
                .opt_fixed("leg_m", leg_m, 0)
                .fixed("width_m", width_m, 0)
                .fixed("orientation_deg", orientation_deg, 0)
                .opt_num("alt_min", alt_band.map(|b| b.0))
                .opt_num("alt_max", alt_band.map(|b| b.1))
                .fixed("laps", laps, 1);
        }
        Detail::Emergency {
            state,
            squawk,
            messages,
        } => {
            d.str(fields::EMERGENCY, state.as_str())
                .opt_display(fields::SQUAWK, squawk.map(squawk_text))
                .num("messages", messages);
        }
        Detail::WentDark {
            last_heard,
            zone_distance_m,
        } => {
            d.fixed("last_heard", last_heard, 3)
                .opt_fixed("zone_distance_m", zone_distance_m, 0);
        }
        Detail::FirstSeen { day, located } => {
            d.num("day", day).bool("located", located);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picket_modes::Icao;

    fn key(a: u32) -> TrackKey {
        TrackKey::icao(Icao(a))
    }

    #[test]
    fn id_is_stable_and_depends_on_kind_subject_onset_place() {
        let a = Event::new(EventKind::ZoneEntry, key(0x156f01), 1000.0, 1010.0);
        let b = Event::new(EventKind::ZoneEntry, key(0x156f01), 1000.0, 2000.0);
        assert_eq!(a.id, b.id, "the report time is not part of the id");
        // A fixed value: the id must not change between runs, platforms or versions.
        assert_eq!(
            a.id,
            Event::new(EventKind::ZoneEntry, key(0x156f01), 1000.0, 0.0).id
        );
        let c = Event::new(EventKind::ZoneExit, key(0x156f01), 1000.0, 1010.0);
        let d = Event::new(EventKind::ZoneEntry, key(0x156f02), 1000.0, 1010.0);
        let e = Event::new(EventKind::ZoneEntry, key(0x156f01), 1001.0, 1010.0);
        let f = Event::new(
            EventKind::ZoneEntry,
            TrackKey::non_icao(Icao(0x156f01)),
            1000.0,
            0.0,
        );
        let g = a.clone().with_place(Place::Zone {
            id: "adiz".into(),
            name: "ADIZ".into(),
        });
        for other in [&c, &d, &e, &f, &g] {
            assert_ne!(a.id, other.id);
        }
    }

    #[test]
    fn evidence_is_bounded_and_keeps_the_beginning() {
        let mut e = Event::new(EventKind::Loiter, key(1), 0.0, 0.0);
        for i in 0..20 {
            e.push_evidence(Evidence::at(i as f64, key(1), ""));
        }
        assert_eq!(e.evidence.len(), MAX_EVIDENCE);
        let times: Vec<f64> = e.evidence.iter().map(|x| x.time).collect();
        assert_eq!(times, [0.0, 1.0, 2.0, 3.0, 16.0, 17.0, 18.0, 19.0]);
    }

    #[test]
    fn event_json_has_every_field_and_omits_absent_ones() {
        let mut e = Event::new(EventKind::Intercept, key(0xa00001), 1565290000.0, 1565290100.25).with_place(
            Place::Zone {
                id: "us-adiz-alaska".into(),
                name: "Alaska \"ADIZ\"".into(),
            },
        );
        e.others = vec![key(0x156f01), TrackKey::non_icao(Icao(0xabcdef))];
        e.phase = Phase::Ended;
        e.ended = Some(1565290100.25);
        e.confidence = Confidence::High;
        e.detail = Detail::Intercept {
            closure_kt: 412.4,
            join: Some(1565290050.0),
            separation: None,
        };
        e.push_evidence(Evidence {
            time: 1565290000.0,
            hex: key(0xa00001),
            lat: Some(64.5),
            lon: Some(-165.25),
            alt_baro: Some(30000),
            gs: Some(480.04),
            note: "closing",
            position_source: Some(PositionSource::Mlat),
        });
        let mut s = String::new();
        write_event(&mut s, &e);
        let want = format!(
            concat!(
                r#"{{"schema":1,"id":"{:016x}","kind":"intercept","phase":"ended","hex":"a00001","#,
                r#""others":["156f01","~abcdef"],"onset":1565290000.000,"time":1565290100.250,"#,
                r#""end":1565290100.250,"zone":"us-adiz-alaska","zone_name":"Alaska \"ADIZ\"","#,
                r#""confidence":"high","detail":{{"closure_kt":412,"join":1565290050.000}},"#,
                r#""evidence":[{{"time":1565290000.000,"hex":"a00001","lat":64.500000,"#,
                r#""lon":-165.250000,"alt_baro":30000,"gs":480.0,"note":"closing","position_source":"mlat"}}]}}"#
            ),
            e.id
        );
        assert_eq!(s, want);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["others"][1], "~abcdef");
    }

    #[test]
    fn every_detail_writes_valid_json() {
        let details = [
            Detail::None,
            Detail::Zone { boundary_m: -1900.4 },
            Detail::Movement {
                basis: MovementBasis::LostLow,
                runway: Some("10"),
                site: None,
            },
            Detail::Movement {
                basis: MovementBasis::TouchAndGo,
                runway: None,
                site: Some(Site {
                    position: LatLon::new(17.5, -66.25),
                    sea: true,
                }),
            },
            Detail::Dwell {
                since: 1.0,
                hours: 6.5,
                day: 17_978,
            },
            Detail::Formation {
                members: 2,
                max_distance_m: 800.0,
                max_vertical_ft: 200,
                links: vec![Link {
                    a: key(1),
                    b: key(2),
                    onset: 5.0,
                    ended: Some(9.5),
                }],
            },
            Detail::Loiter {
                centre: LatLon::new(10.6, -67.0),
                size_m: 150_000.0,
                period_s: Some(1_620.0),
                turn_deg: 800.0,
                shape: LoiterShape::Racetrack,
                leg_m: Some(120_000.0),
                width_m: 30_000.0,
                orientation_deg: 75.0,
                alt_band: Some((24_900, 25_100)),
                laps: 2.2,
            },
            Detail::Emergency {
                state: EmergencyKind::NoCommunications,
                squawk: Some(0o7600),
                messages: 3,
            },
            Detail::WentDark {
                last_heard: 5.0,
                zone_distance_m: Some(-3.0),
            },
            Detail::FirstSeen {
                day: 17_978,
                located: false,
            },
        ];
        for d in details {
            let mut e = Event::new(EventKind::Emergency, key(1), 0.0, 0.0);
            e.detail = d.clone();
            let mut s = String::new();
            write_event(&mut s, &e);
            let v: serde_json::Value = serde_json::from_str(&s).unwrap_or_else(|err| panic!("{s}: {err}"));
            assert_eq!(v["schema"], 1);
            assert_eq!(v.get("detail").is_some(), d != Detail::None, "{s}");
            if let Detail::Formation { .. } = d {
                assert_eq!(v["detail"]["links"][0]["aircraft"][1], "000002");
                assert_eq!(v["detail"]["links"][0]["end"], 9.5);
            }
            if let Detail::Loiter { .. } = d {
                assert_eq!(v["detail"]["shape"], "racetrack");
                assert_eq!(v["detail"]["leg_m"], 120000);
                assert_eq!(v["detail"]["alt_max"], 25100);
                assert_eq!(v["detail"]["laps"], 2.2);
            }
            if let Detail::Emergency { .. } = d {
                assert_eq!(v["detail"]["squawk"], "7600");
                assert_eq!(v["detail"]["emergency"], "no_communications");
            }
        }
    }

    #[test]
    fn alert_json_adds_rule_aircraft_and_new_address() {
        let e = Event::new(EventKind::FirstSeen, key(0x156f01), 10.0, 10.0);
        let a = Alert {
            rule: "military".into(),
            event: e,
            aircraft: AircraftSummary {
                hex: key(0x156f01),
                flight: Some("RFF7071".into()),
                registration: Some("RF-94113".into()),
                type_designator: Some("T160".into()),
                operator: None,
                country: Some("Russian Federation".into()),
                military: true,
                class: Class::Military,
                layer: Layer::Callsign,
                class_detail: "callsign RFF: Russian Air Force".into(),
                lat: None,
                lon: None,
                alt_baro: Some(33000),
                position_source: None,
            },
            new_address_of: Some(NewAddress {
                entry: "tu-160 pair".into(),
                previous: vec![key(0x156f00)],
                matched_by: vec!["callsign", "type"],
            }),
            incident: None,
        };
        let mut s = String::new();
        write_alert(&mut s, &a);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["kind"], "first_seen");
        assert_eq!(v["rule"], "military");
        assert_eq!(v["aircraft"]["flight"], "RFF7071");
        assert_eq!(v["aircraft"]["class_layer"], "callsign");
        assert_eq!(v["aircraft"]["alt_baro"], 33000);
        assert!(v["aircraft"].get("lat").is_none());
        assert_eq!(v["aircraft"]["position_source"], "none");
        assert!(v["aircraft"].get("operator").is_none());
        assert_eq!(v["new_address_of"]["previous"][0], "156f00");
        assert_eq!(v["new_address_of"]["matched_by"][1], "type");
    }
}
