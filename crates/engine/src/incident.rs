//! Incidents: the events of one encounter told as one story.
//!
//! A rule that delivers incidents (the default rules do; see docs/rules.md) hands every
//! alert it raises to an [`Incidents`] book instead of sending it. The book groups alerts
//! into incidents and sends one message when an incident opens, then updates at a bounded
//! rate, then one when it closes:
//!
//! - **Linked by participants**: an alert about an aircraft already in an open incident
//!   (as subject or as another aircraft: a formation partner, an interceptor, an escort)
//!   belongs to it; an alert linking two open incidents (a fighter of one intercepting a
//!   bomber of the other) merges them into the older one, and the younger one closes
//!   with `merged_into`.
//! - **Linked by place and operator**: an alert about an aircraft of the same operator, or a
//!   military or state aircraft of the same country, as a participant belongs to its
//!   incident when it happens at the same airport or zone within [`PLACE_WINDOW_S`], or
//!   within [`NEAR_M`] of it (or where either is not located) within [`NEAR_WINDOW_S`]
//!   (two Russian Air Force transports landing at one airport the same day).
//!
//! Delivery: the first alert opens the incident and is sent at once. Every later alert
//! goes into its timeline; an update is sent when the incident's headline changed (a new
//! participant, a new kind of action) and the last message is at least the rule's
//! `incident_updates` interval old, else at the first tick after the interval
//! ([`Incidents::flush`]). An incident closes, with one last message carrying the whole
//! timeline, when every event in it has ended and nothing happened for [`QUIET_S`], or
//! after [`IDLE_S`] without any news.
//!
//! ```
//! use picket_engine::incident::headline_of;
//! assert_eq!(headline_of(&[], &[]), "incident");
//! ```

use std::fmt::Write as _;

use picket_receive::fields;
use picket_receive::json::JsonObject;
use picket_world::events::EventKind;

use crate::enrich::{aircraft_type, Class};
use crate::event::{class_name, AircraftSummary, Alert, Phase, Place};
use crate::track::TrackKey;

/// An alert about an aircraft of a participant's side at the same airport or zone joins the
/// incident within this many seconds of its last news (the same day).
pub const PLACE_WINDOW_S: f64 = 24.0 * 3_600.0;
/// An alert about an aircraft of a participant's side near a participant (or not located)
/// joins the incident within this many seconds of its last news.
pub const NEAR_WINDOW_S: f64 = 2.0 * 3_600.0;
/// How near, metres.
pub const NEAR_M: f64 = 500_000.0;
/// An incident whose events have all ended closes after this much data time without news
/// (an hour: fighters scrambled and heard on the way out belong to the story they meet).
pub const QUIET_S: f64 = 3_600.0;
/// An incident with events still open (a dwell) closes after this much data time without
/// news.
pub const IDLE_S: f64 = 36.0 * 3_600.0;
/// Most timeline entries an incident keeps (the first half and the latest).
pub const MAX_TIMELINE: usize = 200;

/// One event report in an incident's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The event's id.
    pub event: u64,
    /// What happened.
    pub kind: EventKind,
    /// The report's phase.
    pub phase: Phase,
    /// The event's subject.
    pub subject: TrackKey,
    /// The other aircraft of the event.
    pub others: Vec<TrackKey>,
    /// When the event began.
    pub onset: f64,
    /// When it was reported.
    pub time: f64,
    /// The zone or airport.
    pub place: Option<Place>,
}

/// An incident as one message tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Stable within a run: derived from the id of its first event.
    pub id: u64,
    /// Opened ([`Phase::Started`]), grown ([`Phase::Updated`]) or closed ([`Phase::Ended`]).
    pub phase: Phase,
    /// Onset of its first event.
    pub opened: f64,
    /// Data time of this message.
    pub time: f64,
    /// When it closed (data time of its last news).
    pub closed: Option<f64>,
    /// The story in a sentence.
    pub headline: String,
    /// Every aircraft involved, in order of appearance, as last reported.
    pub participants: Vec<AircraftSummary>,
    /// The event reports, in order (at most [`MAX_TIMELINE`]).
    pub timeline: Vec<Entry>,
    /// Set on the closing message of an incident merged into another one.
    pub merged_into: Option<u64>,
}

/// How a rule's alerts are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// One alert per event report.
    #[default]
    Events,
    /// Events grouped into incidents: one alert when an incident opens, updates at a
    /// bounded rate, one when it closes.
    Incidents,
}

impl Delivery {
    /// The rule file's name: `events`, `incidents`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Delivery::Events => "events",
            Delivery::Incidents => "incidents",
        }
    }
}

/// What the books counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IncidentStats {
    /// Incidents opened.
    pub opened: u64,
    /// Update messages sent.
    pub updates: u64,
    /// Incidents closed (merged ones included).
    pub closed: u64,
    /// Alerts taken into incidents.
    pub events: u64,
}

#[derive(Debug, Clone)]
struct Open {
    incident: Incident,
    /// The latest alert taken in: what the next message carries as its event.
    latest: Alert,
    /// Headline of the last message sent.
    sent_headline: String,
    last_sent: f64,
    /// Data time of the latest alert taken in.
    last_news: f64,
    /// Events started and not ended.
    open_events: Vec<u64>,
    /// Every event id seen.
    events: Vec<u64>,
    /// Last known position of each participant (parallel to `incident.participants`).
    positions: Vec<Option<(f64, f64)>>,
    /// Places of its events, with when.
    places: Vec<(Place, f64)>,
}

/// One rule's incidents.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    open: Vec<Open>,
    stats: IncidentStats,
}

/// Same side: the same operator, or military/state aircraft of one country.
fn same_side(a: &AircraftSummary, b: &AircraftSummary) -> bool {
    fn op(s: &AircraftSummary) -> Option<&str> {
        s.operator.as_deref().filter(|o| !o.is_empty())
    }
    if op(a).is_some() && op(a) == op(b) {
        return true;
    }
    let of_interest = |s: &AircraftSummary| matches!(s.class, Class::Military | Class::State);
    of_interest(a) && of_interest(b) && a.country.is_some() && a.country == b.country
}

fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    picket_world::geo::LatLon::new(a.0, a.1).distance_m(picket_world::geo::LatLon::new(b.0, b.1))
}

fn same_place(a: &Place, b: &Place) -> bool {
    match (a, b) {
        (Place::Zone { id: x, .. }, Place::Zone { id: y, .. }) => x == y,
        (Place::Airport { ident: x, .. }, Place::Airport { ident: y, .. }) => x == y,
        _ => false,
    }
}

fn incident_id(first_event: u64) -> u64 {
    // A different number from the event's own id, stable across runs.
    first_event.rotate_left(17) ^ 0x1dc1_de47_0000_0001
}

impl Incidents {
    /// The counters.
    pub fn stats(&self) -> IncidentStats {
        self.stats
    }

    /// Incidents open.
    pub fn open(&self) -> usize {
        self.open.len()
    }

    /// Takes an alert the rule raised; appends the messages this causes. `interval`: the
    /// least data time between two updates of one incident, seconds.
    pub fn take(&mut self, alert: Alert, interval: f64, out: &mut Vec<Alert>) {
        self.stats.events += 1;
        let e = &alert.event;
        let now = e.time;
        let mut linked: Vec<usize> = (0..self.open.len())
            .filter(|&i| {
                let o = &self.open[i];
                o.events.contains(&e.id)
                    || e.aircraft()
                        .any(|k| o.incident.participants.iter().any(|p| p.hex == k))
            })
            .collect();
        if linked.is_empty() {
            linked.extend(
                (0..self.open.len())
                    .filter(|&i| self.related(&self.open[i], &alert))
                    .min_by(|&x, &y| {
                        self.open[x]
                            .incident
                            .opened
                            .total_cmp(&self.open[y].incident.opened)
                    }),
            );
        }
        let Some(&first) = linked.iter().min_by(|&&x, &&y| {
            self.open[x]
                .incident
                .opened
                .total_cmp(&self.open[y].incident.opened)
        }) else {
            self.start(alert, out);
            return;
        };
        // Merge the younger linked incidents into the oldest.
        let keep_id = self.open[first].incident.id;
        let mut gone: Vec<Open> = Vec::new();
        let mut idx: Vec<usize> = linked.into_iter().filter(|&i| i != first).collect();
        idx.sort_unstable_by(|a, b| b.cmp(a));
        for i in idx {
            gone.push(self.open.remove(i));
        }
        let keep = self
            .open
            .iter()
            .position(|o| o.incident.id == keep_id)
            .unwrap_or(0);
        for mut g in gone {
            let mut msg = g.incident.clone();
            msg.phase = Phase::Ended;
            msg.time = now;
            msg.closed = Some(g.last_news);
            msg.merged_into = Some(keep_id);
            self.stats.closed += 1;
            out.push(Alert {
                incident: Some(Box::new(msg)),
                ..g.latest.clone()
            });
            let k = &mut self.open[keep];
            for (p, pos) in g.incident.participants.drain(..).zip(g.positions.drain(..)) {
                if !k.incident.participants.iter().any(|q| q.hex == p.hex) {
                    k.incident.participants.push(p);
                    k.positions.push(pos);
                }
            }
            k.incident.timeline.append(&mut g.incident.timeline);
            k.incident.timeline.sort_by(|a, b| a.time.total_cmp(&b.time));
            k.events.append(&mut g.events);
            k.open_events.append(&mut g.open_events);
            k.places.append(&mut g.places);
            k.incident.opened = k.incident.opened.min(g.incident.opened);
        }
        let o = &mut self.open[keep];
        o.absorb(alert);
        if o.incident.headline != o.sent_headline && now - o.last_sent >= interval {
            self.stats.updates += 1;
            out.push(o.message(Phase::Updated, now));
        }
    }

    /// Whether an alert not about a participant belongs to an open incident by place and
    /// operator.
    fn related(&self, o: &Open, a: &Alert) -> bool {
        let now = a.event.time;
        let Some(i) = o
            .incident
            .participants
            .iter()
            .position(|p| same_side(p, &a.aircraft))
        else {
            return false;
        };
        if let Some(place) = &a.event.place {
            if o.places
                .iter()
                .any(|(p, t)| same_place(p, place) && now - t <= PLACE_WINDOW_S)
            {
                return true;
            }
        }
        if now - o.last_news > NEAR_WINDOW_S {
            return false;
        }
        let here = a.aircraft.lat.zip(a.aircraft.lon);
        match (here, o.positions.get(i).copied().flatten()) {
            (Some(x), Some(y)) => distance_m(x, y) <= NEAR_M,
            _ => true,
        }
    }

    fn start(&mut self, alert: Alert, out: &mut Vec<Alert>) {
        let e = &alert.event;
        let incident = Incident {
            id: incident_id(e.id),
            phase: Phase::Started,
            opened: e.onset,
            time: e.time,
            closed: None,
            headline: String::new(),
            participants: Vec::new(),
            timeline: Vec::new(),
            merged_into: None,
        };
        let mut o = Open {
            incident,
            latest: alert.clone(),
            sent_headline: String::new(),
            last_sent: e.time,
            last_news: e.time,
            open_events: Vec::new(),
            events: Vec::new(),
            positions: Vec::new(),
            places: Vec::new(),
        };
        let now = e.time;
        o.absorb(alert);
        self.stats.opened += 1;
        out.push(o.message(Phase::Started, now));
        self.open.push(o);
    }

    /// Advances data time: sends the updates the interval held back, closes the incidents
    /// that are over.
    pub fn flush(&mut self, now: f64, interval: f64, out: &mut Vec<Alert>) {
        let mut i = 0;
        while i < self.open.len() {
            let o = &mut self.open[i];
            let quiet = now - o.last_news;
            if (o.open_events.is_empty() && quiet >= QUIET_S) || quiet >= IDLE_S {
                let mut o = self.open.remove(i);
                let mut msg = o.message(Phase::Ended, now);
                if let Some(inc) = &mut msg.incident {
                    inc.closed = Some(o.last_news);
                }
                self.stats.closed += 1;
                out.push(msg);
                continue;
            }
            if o.incident.headline != o.sent_headline && now - o.last_sent >= interval {
                self.stats.updates += 1;
                out.push(o.message(Phase::Updated, now));
            }
            i += 1;
        }
    }
}

impl Open {
    fn absorb(&mut self, alert: Alert) {
        let e = &alert.event;
        self.last_news = self.last_news.max(e.time);
        if !self.events.contains(&e.id) {
            self.events.push(e.id);
        }
        // Events that last (a formation, an intercept, an orbit, a stay) keep the incident
        // open until they end; the others (a sighting, a zone crossing, going dark) are
        // moments.
        let lasting = matches!(
            e.kind,
            EventKind::Formation
                | EventKind::Intercept
                | EventKind::Escort
                | EventKind::Loiter
                | EventKind::Emergency
                | EventKind::Dwell
        );
        match e.phase {
            Phase::Ended => self.open_events.retain(|&x| x != e.id),
            _ if lasting && !self.open_events.contains(&e.id) => self.open_events.push(e.id),
            _ => {}
        }
        // An aircraft that landed is on the ground until it takes off: its stay (a
        // deployment, reported daily) is part of the story.
        let on_ground = (1u64 << 63) | u64::from(e.subject.raw());
        match e.kind {
            EventKind::Landing if !self.open_events.contains(&on_ground) => self.open_events.push(on_ground),
            EventKind::Takeoff => self.open_events.retain(|&x| x != on_ground),
            _ => {}
        }
        if let Some(p) = &e.place {
            self.places.push((p.clone(), e.time));
            if self.places.len() > 64 {
                self.places.remove(0);
            }
        }
        let here = alert.aircraft.lat.zip(alert.aircraft.lon);
        match self
            .incident
            .participants
            .iter()
            .position(|p| p.hex == alert.aircraft.hex)
        {
            Some(i) => {
                self.incident.participants[i] = alert.aircraft.clone();
                if here.is_some() {
                    self.positions[i] = here;
                }
            }
            None => {
                self.incident.participants.push(alert.aircraft.clone());
                self.positions.push(here);
            }
        }
        // Others not reported as subjects yet: listed by address until they are.
        for k in &e.others {
            if !self.incident.participants.iter().any(|p| p.hex == *k) {
                self.incident.participants.push(bare(*k));
                self.positions.push(None);
            }
        }
        if self.incident.timeline.len() >= MAX_TIMELINE {
            self.incident.timeline.remove(MAX_TIMELINE / 2);
        }
        self.incident.timeline.push(Entry {
            event: e.id,
            kind: e.kind,
            phase: e.phase,
            subject: e.subject,
            others: e.others.clone(),
            onset: e.onset,
            time: e.time,
            place: e.place.clone(),
        });
        self.incident.headline = headline_of(&self.incident.participants, &self.incident.timeline);
        self.latest = alert;
    }

    fn message(&mut self, phase: Phase, now: f64) -> Alert {
        self.last_sent = now;
        self.sent_headline = self.incident.headline.clone();
        let mut inc = self.incident.clone();
        inc.phase = phase;
        inc.time = now;
        Alert {
            incident: Some(Box::new(inc)),
            ..self.latest.clone()
        }
    }
}

/// A participant known only by address (reported as another aircraft of an event).
fn bare(hex: TrackKey) -> AircraftSummary {
    AircraftSummary {
        hex,
        flight: None,
        registration: None,
        type_designator: None,
        operator: None,
        country: None,
        military: false,
        class: Class::Unknown,
        layer: crate::enrich::Layer::Fallback,
        class_detail: String::new(),
        lat: None,
        lon: None,
        alt_baro: None,
        position_source: None,
    }
}

/// The side label of a participant: its country, else its operator, else "unknown".
fn side_label(p: &AircraftSummary) -> &str {
    p.country
        .as_deref()
        .or(p.operator.as_deref())
        .unwrap_or("unknown")
}

/// "2 Tu-160 (Russia)", "1 Il-62 and 1 An-124 (Russia)".
fn describe_side(members: &[&AircraftSummary]) -> String {
    let mut kinds: Vec<(String, u32)> = Vec::new();
    for p in members {
        let name = p
            .type_designator
            .as_deref()
            .map(|t| aircraft_type(t).map_or(t.to_string(), |i| i.model.to_string()))
            .or_else(|| p.flight.clone())
            .unwrap_or_else(|| "aircraft".to_string());
        match kinds.iter_mut().find(|(k, _)| *k == name) {
            Some((_, n)) => *n += 1,
            None => kinds.push((name, 1)),
        }
    }
    let mut s = String::new();
    for (i, (k, n)) in kinds.iter().enumerate() {
        if i > 0 {
            s.push_str(if i + 1 == kinds.len() { " and " } else { ", " });
        }
        let _ = write!(s, "{n} {k}");
    }
    let label = members.first().map_or("unknown", |p| side_label(p));
    if label != "unknown" {
        let _ = write!(s, " ({label})");
    }
    s
}

fn minutes(s: f64) -> String {
    let m = (s / 60.0).round().max(0.0) as i64;
    if m >= 120 {
        format!("{} h {} min", m / 60, m % 60)
    } else {
        format!("{m} min")
    }
}

fn place_name(p: &Option<Place>) -> &str {
    match p {
        Some(Place::Zone { name, .. }) => name,
        Some(Place::Airport { name, ident }) => {
            if name.is_empty() {
                ident
            } else {
                name
            }
        }
        None => "",
    }
}

/// The headline of an incident: its side (the intercepted side, else the side of its first
/// participant), what that side did in order, and who met it. The words are documented in docs/events.md.
pub fn headline_of(participants: &[AircraftSummary], timeline: &[Entry]) -> String {
    let Some(first) = participants.first() else {
        return "incident".to_string();
    };
    let label_of = |k: TrackKey| participants.iter().find(|p| p.hex == k).map(side_label);
    // The story is told from the side that was intercepted, if any, else from the side of
    // the first participant.
    let target = timeline
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Intercept | EventKind::Escort))
        .find_map(|e| {
            let t = label_of(*e.others.first()?)?;
            (t != "unknown" && Some(t) != label_of(e.subject)).then_some(t)
        });
    let home = target.unwrap_or_else(|| side_label(first)).to_string();
    let on_home = |k: TrackKey| {
        participants
            .iter()
            .find(|p| p.hex == k)
            .is_none_or(|p| side_label(p) == home || side_label(p) == "unknown")
    };
    let home_members: Vec<&AircraftSummary> = participants
        .iter()
        .filter(|p| side_label(p) == home || (side_label(p) == "unknown" && p.type_designator.is_some()))
        .collect();
    let away: Vec<&AircraftSummary> = participants
        .iter()
        .filter(|p| side_label(p) != home && side_label(p) != "unknown")
        .collect();
    let mut phrases: Vec<String> = Vec::new();
    fn push(phrases: &mut Vec<String>, p: String) {
        if !phrases.contains(&p) {
            phrases.push(p);
        }
    }
    let (mut intercepted, mut escorted, mut intercepting) = (false, false, false);
    let mut entries: Vec<(String, f64)> = Vec::new();
    let mut formation = false;
    for e in timeline.iter().filter(|e| e.phase != Phase::Ended) {
        let home_subject = on_home(e.subject);
        match e.kind {
            EventKind::Intercept | EventKind::Escort => {
                let target_home = e.others.iter().any(|&k| on_home(k));
                if target_home && !home_subject {
                    if e.kind == EventKind::Intercept {
                        intercepted = true;
                    } else {
                        escorted = true;
                    }
                    let what = match (intercepted, escorted) {
                        (true, true) => "intercepted and escorted",
                        (true, false) => "intercepted",
                        _ => "escorted",
                    };
                    phrases.retain(|p| !p.starts_with("intercepted") && !p.starts_with("escorted"));
                    push(&mut phrases, format!("{what} by {}", describe_side(&away)));
                } else if home_subject && !intercepting {
                    intercepting = true;
                    push(&mut phrases, format!("intercepted {}", describe_side(&away)));
                }
            }
            _ if !home_subject => {}
            EventKind::ZoneEntry => {
                let zone = place_name(&e.place).to_string();
                if !entries.iter().any(|(z, _)| *z == zone) {
                    entries.push((zone.clone(), e.onset));
                }
                push(&mut phrases, format!("entered the {zone}"));
            }
            EventKind::ZoneExit if phrases.iter().any(|p| p.starts_with("left")) => {}
            EventKind::ZoneExit => {
                let zone = place_name(&e.place);
                match entries.iter().find(|(z, _)| z == zone) {
                    Some((_, t)) => push(&mut phrases, format!("left after {}", minutes(e.onset - t))),
                    None => push(&mut phrases, format!("left the {zone}")),
                }
            }
            EventKind::Takeoff => push(&mut phrases, format!("took off from {}", place_name(&e.place))),
            EventKind::Landing => push(&mut phrases, format!("landed at {}", place_name(&e.place))),
            EventKind::Dwell => push(
                &mut phrases,
                format!("stayed on the ground at {}", place_name(&e.place)),
            ),
            EventKind::WentDark => push(&mut phrases, "went dark".to_string()),
            EventKind::Loiter => push(&mut phrases, "flew an orbit".to_string()),
            EventKind::Emergency => push(&mut phrases, "declared an emergency".to_string()),
            EventKind::Formation => formation = true,
            EventKind::FirstSeen => {}
        }
    }
    if phrases.is_empty() {
        phrases.push(if formation { "flew in formation" } else { "seen" }.to_string());
    }
    format!("{} {}", describe_side(&home_members), phrases.join("; "))
}

/// Writes an incident's fields into a JSON object (the `incident` member of an alert; see
/// docs/events.md).
pub fn write_incident_fields(o: &mut JsonObject<'_>, inc: &Incident) {
    o.display("id", IdHex(inc.id))
        .str("phase", inc.phase.as_str())
        .str("headline", &inc.headline)
        .fixed("opened", inc.opened, 3)
        .fixed(fields::TIME, inc.time, 3)
        .opt_fixed("closed", inc.closed, 3);
    if let Some(m) = inc.merged_into {
        o.display("merged_into", IdHex(m));
    }
    {
        let mut arr = o.array("participants");
        for p in &inc.participants {
            let mut po = arr.object();
            po.display(fields::HEX, p.hex)
                .opt_str(fields::FLIGHT, p.flight.as_deref())
                .opt_str(fields::REGISTRATION, p.registration.as_deref())
                .opt_str(fields::TYPE, p.type_designator.as_deref())
                .opt_str("operator", p.operator.as_deref())
                .opt_str("country", p.country.as_deref())
                .str("class", class_name(p.class));
        }
    }
    let mut arr = o.array("timeline");
    for e in &inc.timeline {
        let mut eo = arr.object();
        eo.display("event", IdHex(e.event))
            .str("kind", e.kind.as_str())
            .str("phase", e.phase.as_str())
            .display(fields::HEX, e.subject);
        if !e.others.is_empty() {
            let mut others = eo.array("others");
            for k in &e.others {
                others.display(k);
            }
        }
        eo.fixed("onset", e.onset, 3).fixed(fields::TIME, e.time, 3);
        match &e.place {
            Some(Place::Zone { id, .. }) => {
                eo.str("zone", id);
            }
            Some(Place::Airport { ident, .. }) => {
                eo.str("airport", ident);
            }
            None => {}
        }
    }
}

/// Fixed-width lower-case hex of an id, as event ids are written.
#[derive(Debug, Clone, Copy)]
struct IdHex(u64);

impl std::fmt::Display for IdHex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Layer;
    use crate::event::Event;
    use picket_modes::Icao;

    fn key(a: u32) -> TrackKey {
        TrackKey::icao(Icao(a))
    }

    fn aircraft(a: u32, ty: &str, country: &str, class: Class, at: (f64, f64)) -> AircraftSummary {
        AircraftSummary {
            hex: key(a),
            flight: None,
            registration: None,
            type_designator: Some(ty.into()),
            operator: None,
            country: Some(country.into()),
            military: class != Class::Civil,
            class,
            layer: Layer::Type,
            class_detail: String::new(),
            lat: Some(at.0),
            lon: Some(at.1),
            alt_baro: Some(30_000),
            position_source: None,
        }
    }

    fn tu160(a: u32) -> AircraftSummary {
        aircraft(a, "T160", "Russia", Class::Military, (70.0, -165.0))
    }

    fn f22(a: u32) -> AircraftSummary {
        aircraft(a, "F22", "United States", Class::Military, (69.0, -160.0))
    }

    fn adiz() -> Place {
        Place::Zone {
            id: "alaska_adiz".into(),
            name: "Alaska ADIZ".into(),
        }
    }

    fn alert(kind: EventKind, who: &AircraftSummary, others: &[u32], t: f64, place: Option<Place>) -> Alert {
        let mut e = Event::new(kind, who.hex, t, t);
        e.others = others.iter().map(|&a| key(a)).collect();
        if let Some(p) = place {
            e = e.with_place(p);
        }
        Alert {
            rule: "military".into(),
            event: e,
            aircraft: who.clone(),
            new_address_of: None,
            incident: None,
        }
    }

    fn incident(a: &Alert) -> &Incident {
        a.incident.as_deref().unwrap()
    }

    #[test]
    fn the_headline_tells_the_story_from_the_intercepted_side() {
        let (b1, b2, f1, f2) = (tu160(0x156f01), tu160(0x156f02), f22(0xae1f01), f22(0xae1f02));
        let entry =
            |kind, who: &AircraftSummary, others: Vec<TrackKey>, onset: f64, place: Option<Place>| Entry {
                event: 0,
                kind,
                phase: Phase::Started,
                subject: who.hex,
                others,
                onset,
                time: onset,
                place,
            };
        // The fighters were seen first; the story is still the bombers'.
        let participants = vec![f1.clone(), f2.clone(), b1.clone(), b2.clone()];
        let timeline = vec![
            entry(EventKind::FirstSeen, &f1, vec![], 0.0, None),
            entry(EventKind::ZoneEntry, &b1, vec![], 100.0, Some(adiz())),
            entry(EventKind::ZoneEntry, &f1, vec![], 200.0, Some(adiz())),
            entry(EventKind::Intercept, &f1, vec![b1.hex], 300.0, None),
            entry(EventKind::Escort, &f2, vec![b2.hex], 600.0, None),
            entry(EventKind::ZoneExit, &b1, vec![], 1_600.0, Some(adiz())),
            entry(EventKind::ZoneExit, &b2, vec![], 1_700.0, Some(adiz())),
            entry(EventKind::WentDark, &b2, vec![], 1_800.0, Some(adiz())),
        ];
        assert_eq!(
            headline_of(&participants, &timeline),
            "2 Tu-160 (Russia) entered the Alaska ADIZ; intercepted and escorted by 2 F-22 Raptor \
             (United States); left after 25 min; went dark"
        );
        // Before the intercept, the story of the first participant's side.
        assert_eq!(
            headline_of(&participants, &timeline[..1]),
            "2 F-22 Raptor (United States) seen"
        );
        assert_eq!(
            headline_of(&participants[..1], &timeline[..1]),
            "1 F-22 Raptor (United States) seen"
        );
    }

    #[test]
    fn opened_at_once_updated_at_a_bounded_rate_merged_and_closed() {
        let (b1, b2, f1) = (tu160(0x156f01), tu160(0x156f02), f22(0xae1f01));
        let mut book = Incidents::default();
        let mut out = Vec::new();
        let interval = 1_800.0;
        book.take(
            alert(EventKind::FirstSeen, &b1, &[], 0.0, None),
            interval,
            &mut out,
        );
        assert_eq!(out.len(), 1, "opened at once");
        let bombers = incident(&out[0]).id;
        assert_eq!(incident(&out[0]).phase, Phase::Started);
        // The wingman: same country, near, within the window: the same incident, held back.
        book.take(
            alert(EventKind::FirstSeen, &b2, &[], 60.0, None),
            interval,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        // The fighters: another side, another incident.
        book.take(
            alert(EventKind::FirstSeen, &f1, &[], 120.0, None),
            interval,
            &mut out,
        );
        assert_eq!(out.len(), 2);
        let fighters = incident(&out[1]).id;
        assert_ne!(fighters, bombers);
        // Nothing before the interval; then the held-back update with both bombers.
        book.flush(1_000.0, interval, &mut out);
        assert_eq!(out.len(), 2);
        book.flush(1_801.0, interval, &mut out);
        assert_eq!(out.len(), 3);
        let u = incident(&out[2]);
        assert_eq!(
            (u.id, u.phase, u.participants.len()),
            (bombers, Phase::Updated, 2)
        );
        assert_eq!(u.headline, "2 Tu-160 (Russia) seen");
        // A flush with no change sends nothing.
        book.flush(3_000.0, interval, &mut out);
        assert_eq!(out.len(), 3);
        // The intercept links the two: the younger (fighters) merges into the older.
        book.take(
            alert(EventKind::Intercept, &f1, &[0x156f01], 3_100.0, None),
            interval,
            &mut out,
        );
        let merged = incident(&out[3]);
        assert_eq!(
            (merged.id, merged.phase, merged.merged_into),
            (fighters, Phase::Ended, Some(bombers))
        );
        // The story's update waits for the interval since its last message.
        assert_eq!(out.len(), 4);
        book.flush(3_601.0, interval, &mut out);
        let story = incident(&out[4]);
        assert_eq!(
            (story.id, story.phase, story.participants.len()),
            (bombers, Phase::Updated, 3)
        );
        assert!(
            story
                .headline
                .ends_with("intercepted by 1 F-22 Raptor (United States)"),
            "{}",
            story.headline
        );
        assert_eq!(book.open(), 1);
        // The intercept is lasting: no close while it is open...
        book.flush(3_100.0 + QUIET_S + 10.0, interval, &mut out);
        assert_eq!(out.len(), 5);
        // ...and an hour after it ended, the incident closes with its whole timeline.
        let mut end = alert(EventKind::Intercept, &f1, &[0x156f01], 3_100.0, None);
        end.event.phase = Phase::Ended;
        end.event.time = 9_000.0;
        book.take(end, interval, &mut out);
        book.flush(9_000.0 + QUIET_S + 1.0, interval, &mut out);
        let last = incident(out.last().unwrap());
        assert_eq!(
            (last.id, last.phase, last.closed),
            (bombers, Phase::Ended, Some(9_000.0))
        );
        assert_eq!(last.timeline.len(), 5);
        assert_eq!(book.open(), 0);
        let s = book.stats();
        assert_eq!((s.opened, s.updates, s.closed, s.events), (2, 2, 2, 5));
    }

    #[test]
    fn same_place_same_day_by_operator() {
        let il62 = AircraftSummary {
            operator: Some("Russian Air Force".into()),
            ..aircraft(0x1514c0, "IL62", "Russia", Class::Military, (10.6, -67.0))
        };
        let an124 = AircraftSummary {
            operator: Some("Russian Air Force".into()),
            lat: None,
            lon: None,
            ..aircraft(0x150d8a, "A124", "Russia", Class::Military, (0.0, 0.0))
        };
        let svmi = Place::Airport {
            ident: "SVMI".into(),
            name: "Maiquetia".into(),
        };
        let mut book = Incidents::default();
        let mut out = Vec::new();
        book.take(
            alert(EventKind::Landing, &il62, &[], 0.0, Some(svmi.clone())),
            1_800.0,
            &mut out,
        );
        // Twenty hours later, the same airport: the same story.
        book.take(
            alert(EventKind::Landing, &an124, &[], 72_000.0, Some(svmi)),
            1_800.0,
            &mut out,
        );
        assert_eq!(book.open(), 1);
        let last = incident(out.last().unwrap());
        assert_eq!(last.participants.len(), 2);
        assert!(
            last.headline.starts_with("1 Il-62 and 1 An-124"),
            "{}",
            last.headline
        );
        // An airliner landing there is not part of it.
        let airliner = aircraft(0x0d0001, "A320", "Venezuela", Class::Civil, (10.6, -67.0));
        let place = Place::Airport {
            ident: "SVMI".into(),
            name: "Maiquetia".into(),
        };
        book.take(
            alert(EventKind::Landing, &airliner, &[], 72_100.0, Some(place)),
            1_800.0,
            &mut out,
        );
        assert_eq!(book.open(), 2);
    }
}
