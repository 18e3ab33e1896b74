//! Rules at run time: events in, alerts out, with de-duplication, exclusions, confirmation,
//! cooldowns, counting windows and the events of condition rules.

use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;

use picket_world::events::EventKind;

use crate::event::{AircraftSummary, Alert, Detail, Event, NewAddress, Phase, Place};
use crate::incident::{Delivery, IncidentStats, Incidents};
use crate::track::TrackKey;

use super::subject::{EventFacts, Subject};
use super::watch::MatchedBy;
use super::{EventFilter, Rule, RuleSet};

/// What the rules did with what they were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleStats {
    /// Alerts raised (first reports).
    pub alerts: u64,
    /// End-of-event updates of raised alerts.
    pub ended: u64,
    /// Updates of raised alerts while their event goes on.
    pub updates: u64,
    /// Repeated first reports of an event already raised for the rule (not repeated).
    pub duplicates: u64,
    /// Matching events suppressed by an exclusion.
    pub excluded: u64,
    /// Matching events suppressed because the aircraft had too few messages.
    pub unconfirmed: u64,
    /// Matching events suppressed by a cooldown.
    pub cooled_down: u64,
    /// Matching events counted by a counting rule without reaching its threshold.
    pub counted: u64,
}

/// A condition rule's state for one aircraft.
#[derive(Debug, Clone, Default)]
struct CondState {
    /// Consecutive updates on which the condition held, and when the run began.
    held: u32,
    since: f64,
    /// Consecutive updates on which it definitely did not hold.
    failed: u32,
    /// The event raised for the current episode, and whether an alert went out for it.
    active: Option<(Event, bool)>,
}

/// A counting rule's window.
#[derive(Debug, Clone, Default)]
struct Window {
    seen: VecDeque<(f64, TrackKey)>,
    fired: bool,
}

impl Window {
    fn distinct(&self) -> usize {
        let mut keys: Vec<TrackKey> = self.seen.iter().map(|(_, k)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }
}

type CooldownKey = (u32, TrackKey, EventKind, u64);

/// The rules' memory between inputs. Rule-indexed state follows the rules by name when the
/// rule set is replaced ([`RuleState::rebind`]).
#[derive(Debug, Clone, Default)]
pub struct RuleState {
    /// (rule, event id) of raised alerts -> data time of the latest report.
    raised: HashMap<(u32, u64), f64>,
    /// (rule, aircraft, kind, place and others) -> data time of the latest alert.
    cooldown: HashMap<CooldownKey, f64>,
    windows: Vec<Window>,
    conditions: Vec<HashMap<TrackKey, CondState>>,
    /// Per rule: its incidents (used by rules that deliver incidents).
    incidents: Vec<Incidents>,
    stats: RuleStats,
}

/// Raised alerts not reported for this long (data time) are forgotten: 8 days, longer than
/// any event stays open without an update (a dwell is re-raised daily).
const FORGET_S: f64 = 8.0 * 86_400.0;

/// What makes a later event a repeat of an earlier one for the cooldown: the same place and
/// the same other aircraft (a fighter intercepting a second bomber is not a repeat).
fn scope_hash(e: &Event) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for k in &e.others {
        h.write_u32(k.address().0);
        h.write_u8(k.is_icao() as u8);
    }
    match e.place.as_ref() {
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

impl RuleState {
    /// Empty state for a rule set.
    pub fn new(rules: &RuleSet) -> RuleState {
        let n = rules.rules().len();
        RuleState {
            windows: vec![Window::default(); n],
            conditions: vec![HashMap::new(); n],
            incidents: vec![Incidents::default(); n],
            ..Default::default()
        }
    }

    /// The counters.
    pub fn stats(&self) -> &RuleStats {
        &self.stats
    }

    /// Moves the state of `old`'s rules to the rules of `new` with the same name and drops
    /// the rest, so a reload neither repeats raised alerts nor loses open episodes.
    pub fn rebind(&mut self, old: &RuleSet, new: &RuleSet) {
        let map: Vec<Option<u32>> = old
            .rules()
            .iter()
            .map(|r| {
                new.rules()
                    .iter()
                    .position(|n| n.name == r.name)
                    .map(|i| i as u32)
            })
            .collect();
        let to = |i: u32| map.get(i as usize).copied().flatten();
        self.raised = self
            .raised
            .drain()
            .filter_map(|((r, id), t)| Some(((to(r)?, id), t)))
            .collect();
        self.cooldown = self
            .cooldown
            .drain()
            .filter_map(|((r, k, kind, p), t)| Some(((to(r)?, k, kind, p), t)))
            .collect();
        let n = new.rules().len();
        let mut windows = vec![Window::default(); n];
        let mut conditions = vec![HashMap::new(); n];
        let mut incidents = vec![Incidents::default(); n];
        let old_incidents = std::mem::take(&mut self.incidents);
        for (i, ((w, c), b)) in self
            .windows
            .drain(..)
            .zip(self.conditions.drain(..))
            .zip(old_incidents)
            .enumerate()
        {
            if let Some(j) = to(i as u32) {
                windows[j as usize] = w;
                conditions[j as usize] = c;
                incidents[j as usize] = b;
            }
        }
        self.windows = windows;
        self.conditions = conditions;
        self.incidents = incidents;
    }

    /// Judges a detector event about `s.aircraft` against every rule, appending alerts.
    pub fn on_event(&mut self, rules: &RuleSet, event: &Event, s: &Subject<'_>, out: &mut Vec<Alert>) {
        let s = Subject {
            event: Some(EventFacts::of(event)),
            ..*s
        };
        for (i, rule) in rules.rules().iter().enumerate() {
            if !rule.enabled || rule.events == EventFilter::Condition {
                continue;
            }
            let key = (i as u32, event.id);
            if let Some(last) = self.raised.get_mut(&key) {
                match event.phase {
                    Phase::Ended => {
                        self.raised.remove(&key);
                        self.stats.ended += 1;
                        self.deliver(i, rule, alert(rules, rule, event.clone(), &s), out);
                    }
                    // Rare by design (a formation gains or loses a member, an orbit goes on
                    // for another two turns, a dwell enters a new day): news about the
                    // event, told under its id.
                    Phase::Updated => {
                        *last = event.time;
                        self.stats.updates += 1;
                        self.deliver(i, rule, alert(rules, rule, event.clone(), &s), out);
                    }
                    Phase::Started => {
                        *last = event.time;
                        self.stats.duplicates += 1;
                    }
                }
                continue;
            }
            // The end of an event never raised for this rule is not news.
            if event.phase == Phase::Ended || !rule.events.accepts(event.kind) {
                continue;
            }
            if !self.admit(rule, &s) {
                continue;
            }
            if let Some(c) = rule.count {
                let w = &mut self.windows[i];
                while w.seen.front().is_some_and(|(t, _)| *t < event.time - c.within_s) {
                    w.seen.pop_front();
                }
                if w.distinct() < c.at_least as usize {
                    w.fired = false;
                }
                w.seen.push_back((event.time, event.subject));
                if w.fired || w.distinct() < c.at_least as usize {
                    self.stats.counted += 1;
                    continue;
                }
                w.fired = true;
            }
            if !self.cool(i, rule, event) {
                continue;
            }
            self.raised.insert(key, event.time);
            self.stats.alerts += 1;
            self.deliver(i, rule, alert(rules, rule, event.clone(), &s), out);
        }
    }

    /// Sends an alert of rule `i` as it is, or into the rule's incidents.
    fn deliver(&mut self, i: usize, rule: &Rule, a: Alert, out: &mut Vec<Alert>) {
        match (rule.delivery, self.incidents.get_mut(i)) {
            (Delivery::Incidents, Some(book)) => book.take(a, rule.incident_updates_s, out),
            _ => out.push(a),
        }
    }

    /// Advances data time for the incidents: updates held back by their interval go out,
    /// incidents that are over close.
    pub fn flush(&mut self, now: f64, rules: &RuleSet, out: &mut Vec<Alert>) {
        for (rule, book) in rules.rules().iter().zip(&mut self.incidents) {
            if rule.delivery == Delivery::Incidents && book.open() > 0 {
                book.flush(now, rule.incident_updates_s, out);
            }
        }
    }

    /// The incident books' counters, summed over the rules.
    pub fn incident_stats(&self) -> IncidentStats {
        let mut t = IncidentStats::default();
        for b in &self.incidents {
            let s = b.stats();
            t.opened += s.opened;
            t.updates += s.updates;
            t.closed += s.closed;
            t.events += s.events;
        }
        t
    }

    /// Exclusions and confirmation.
    fn admit(&mut self, rule: &Rule, s: &Subject<'_>) -> bool {
        if rule.when.eval(s) != Some(true) {
            return false;
        }
        if rule.exclude.iter().any(|x| x.eval(s) == Some(true)) {
            self.stats.excluded += 1;
            return false;
        }
        if s.aircraft.counts.total < rule.confirm {
            self.stats.unconfirmed += 1;
            return false;
        }
        true
    }

    /// Applies the cooldown; true when the alert may go out (and records it).
    fn cool(&mut self, i: usize, rule: &Rule, e: &Event) -> bool {
        if rule.cooldown_s <= 0.0 {
            return true;
        }
        let key = (i as u32, e.subject, e.kind, scope_hash(e));
        if let Some(&t) = self.cooldown.get(&key) {
            if e.time - t < rule.cooldown_s {
                self.stats.cooled_down += 1;
                return false;
            }
        }
        self.cooldown.insert(key, e.time);
        true
    }

    /// Evaluates the condition rules on an aircraft whose state changed, raising and ending
    /// their events.
    pub fn on_update(&mut self, rules: &RuleSet, s: &Subject<'_>, out: &mut Vec<Alert>) {
        for (i, rule) in rules.rules().iter().enumerate() {
            if !rule.enabled || rule.events != EventFilter::Condition {
                continue;
            }
            // Only a message that carried what the condition reads confirms it (or refutes
            // it): a value set once by a single reply is not held twice by the next
            // identification message.
            let fields = rule.when_fields;
            let a = s.aircraft;
            if !fields.is_empty() && !fields.iter().any(|f| a.seen(f) == Some(a.last_seen)) {
                continue;
            }
            let holds = match rule.when.eval(s) {
                Some(true) if rule.exclude.iter().any(|x| x.eval(s) == Some(true)) => Some(false),
                v => v,
            };
            let key = s.aircraft.key;
            let (start, end) = {
                let st = self.conditions[i].entry(key).or_default();
                match holds {
                    Some(true) => {
                        if st.held == 0 {
                            st.since = s.now;
                        }
                        st.held = st.held.saturating_add(1);
                        st.failed = 0;
                    }
                    Some(false) => {
                        st.held = 0;
                        st.failed = st.failed.saturating_add(1);
                    }
                    None => {}
                }
                let start =
                    st.active.is_none() && st.held >= rule.confirm && s.aircraft.counts.total >= rule.confirm;
                let end = if st.failed >= rule.confirm {
                    st.active.take()
                } else {
                    None
                };
                (start.then_some(st.since), end)
            };
            if let Some(since) = start {
                let e = condition_event(rule, s, since);
                let go = self.cool(i, rule, &e);
                if go {
                    self.raised.insert((i as u32, e.id), s.now);
                    self.stats.alerts += 1;
                    self.deliver(i, rule, alert(rules, rule, e.clone(), s), out);
                }
                if let Some(st) = self.conditions[i].get_mut(&key) {
                    st.active = Some((e, go));
                }
            }
            if let Some((e, alerted)) = end {
                self.end_condition(i, rules, rule, e, alerted, s, out);
            }
            if self.conditions[i]
                .get(&key)
                .is_some_and(|st| st.active.is_none() && st.held == 0)
            {
                // Nothing to remember: keeps the map as small as the matching aircraft.
                self.conditions[i].remove(&key);
            }
        }
    }

    /// The aircraft was retired: the open episodes of condition rules end.
    pub fn on_retired(&mut self, rules: &RuleSet, s: &Subject<'_>, out: &mut Vec<Alert>) {
        for (i, rule) in rules.rules().iter().enumerate() {
            if let Some(st) = self.conditions.get_mut(i).and_then(|c| c.remove(&s.aircraft.key)) {
                if let Some((e, alerted)) = st.active {
                    self.end_condition(i, rules, rule, e, alerted, s, out);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn end_condition(
        &mut self,
        i: usize,
        rules: &RuleSet,
        rule: &Rule,
        mut e: Event,
        alerted: bool,
        s: &Subject<'_>,
        out: &mut Vec<Alert>,
    ) {
        if !alerted {
            return;
        }
        self.raised.remove(&(i as u32, e.id));
        e.phase = Phase::Ended;
        e.time = s.now;
        e.ended = Some(s.now);
        self.stats.ended += 1;
        self.deliver(i, rule, alert(rules, rule, e, s), out);
    }

    /// Forgets what can no longer matter at data time `now`: raised alerts not reported
    /// for days, expired cooldowns and counting windows.
    pub fn prune(&mut self, now: f64, rules: &RuleSet) {
        self.raised.retain(|_, t| now - *t < FORGET_S);
        let cooldowns: Vec<f64> = rules.rules().iter().map(|r| r.cooldown_s).collect();
        self.cooldown
            .retain(|(i, ..), t| cooldowns.get(*i as usize).is_some_and(|c| now - *t < *c));
        for (w, r) in self.windows.iter_mut().zip(rules.rules()) {
            if let Some(c) = r.count {
                while w.seen.front().is_some_and(|(t, _)| *t < now - c.within_s) {
                    w.seen.pop_front();
                }
            }
        }
    }
}

/// The event a condition rule raises: a zone entry when the condition requires a zone,
/// else a first sighting (of the aircraft matching the condition).
fn condition_event(rule: &Rule, s: &Subject<'_>, since: f64) -> Event {
    let located = s.aircraft.position.is_some();
    match rule.when.required_zone().and_then(|z| s.zones.get(z)) {
        Some(z) => {
            let mut e =
                Event::new(EventKind::ZoneEntry, s.aircraft.key, since, s.now).with_place(Place::Zone {
                    id: z.id.clone(),
                    name: z.name.clone(),
                });
            if let Some(p) = s.position() {
                e.detail = Detail::Zone {
                    boundary_m: z.signed_distance_m(p),
                };
            }
            e
        }
        None => {
            let mut e = Event::new(EventKind::FirstSeen, s.aircraft.key, since, s.now);
            e.detail = Detail::FirstSeen {
                day: (since / 86_400.0).floor() as i64,
                located,
            };
            e
        }
    }
}

/// The summary of the aircraft at the time of the event.
pub(crate) fn summary(s: &Subject<'_>) -> AircraftSummary {
    let a = s.aircraft;
    let e = s.enrichment;
    AircraftSummary {
        hex: a.key,
        flight: a
            .callsign
            .as_ref()
            .map(|c| c.as_str().to_string())
            .filter(|c| !c.is_empty()),
        registration: e.registration.as_deref().map(str::to_string),
        type_designator: e.type_designator.as_deref().map(str::to_string),
        operator: e.operator.as_deref().map(str::to_string),
        country: e.country.map(|c| c.name.to_string()),
        military: e.of_interest(),
        class: e.classification.class,
        layer: e.classification.layer,
        class_detail: e.classification.detail.to_string(),
        lat: a.position.as_ref().map(|p| p.lat),
        lon: a.position.as_ref().map(|p| p.lon),
        alt_baro: a.alt_baro,
        position_source: a.position.as_ref().map(|p| p.source),
    }
}

fn new_address(rules: &RuleSet, s: &Subject<'_>) -> Option<NewAddress> {
    let hit = s.enrichment.new_address()?;
    let listed = hit.new_address_of?;
    let list = rules.watchlists().get(usize::from(hit.list))?;
    let entry = list.entries.get(usize::from(hit.entry))?;
    let name = entry
        .label
        .clone()
        .unwrap_or_else(|| format!("{} #{}", list.name, hit.entry + 1));
    let matched_by = match hit.by {
        MatchedBy::Registration => vec!["registration"],
        _ => {
            let mut v = Vec::new();
            if entry.callsign.is_some() {
                v.push("callsign");
            }
            if entry.type_designator.is_some() {
                v.push("type");
            }
            if entry.operator.is_some() {
                v.push("operator");
            }
            if entry.country.is_some() {
                v.push("country");
            }
            if entry.military.is_some() {
                v.push("military");
            }
            v
        }
    };
    Some(NewAddress {
        entry: name,
        previous: vec![TrackKey::icao(listed)],
        matched_by,
    })
}

fn alert(rules: &RuleSet, rule: &Rule, event: Event, s: &Subject<'_>) -> Alert {
    Alert {
        rule: rule.name.clone(),
        event,
        aircraft: summary(s),
        new_address_of: new_address(rules, s),
        incident: None,
    }
}
