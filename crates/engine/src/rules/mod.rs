//! Watch rules: which events become alerts, for which aircraft, where they go, and how
//! noise is kept out. The file format (TOML) is documented in docs/rules.md.
//!
//! ```
//! use picket_engine::rules::RuleSet;
//! let rules = RuleSet::load(r#"
//! [[rule]]
//! name = "low helicopters"
//! when = "helicopter and distance < 1 km and alt_baro < 500"
//! events = ["condition"]
//!
//! [[rule]]
//! name = "bombers in the ADIZ"
//! when = "military and inside(alaska_adiz)"
//! events = ["zone_entry"]
//! count = { at_least = 2, within = "30m" }
//! "#, "example.toml").unwrap();
//! assert_eq!(rules.rules().len(), 2);
//!
//! let err = RuleSet::load("[[rule]]\nname = \"x\"\nwhen = \"altitud < 5\"\n", "bad.toml").unwrap_err();
//! assert_eq!((err.line, err.column), (3, 9));
//! assert_eq!(err.to_string(), "bad.toml:3:9: unknown field `altitud` (the fields are listed in docs/rules.md)");
//! ```
//!
//! A [`RuleSet`] is immutable once loaded; the engine swaps it whole
//! ([`crate::engine::Engine::set_rules`]), so a file that fails to load leaves the running
//! rules as they were.

mod expr;
mod file;
mod pattern;
mod runtime;
mod subject;
mod watch;

use std::fmt;

use picket_modes::Icao;
use picket_world::events::EventKind;
use picket_world::zones::Zone;

use crate::enrich::Class;

pub use expr::{Expr, ExprError};
pub use pattern::{matches as pattern_matches, Pattern};
pub use runtime::{RuleState, RuleStats};
pub use subject::{Enrichment, EventFacts, Reported, Source, Subject};
pub use watch::{match_lists, ListedAddress, MatchedBy, WatchEntry, WatchFacts, WatchHit, WatchList};

/// The default rule file: military and state aircraft, emergencies, watch-listed aircraft.
pub const DEFAULT_RULES: &str = include_str!("../../rules/default.toml");

/// Which events a rule wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Every event kind.
    Any,
    /// These kinds.
    Kinds(Vec<EventKind>),
    /// No detector event: the rule raises its own when its condition becomes true for an
    /// aircraft (and ends it when the condition stops holding).
    Condition,
}

impl EventFilter {
    /// Whether a detector event of this kind is wanted.
    pub fn accepts(&self, kind: EventKind) -> bool {
        match self {
            EventFilter::Any => true,
            EventFilter::Kinds(k) => k.contains(&kind),
            EventFilter::Condition => false,
        }
    }
}

/// A counting condition: at least `at_least` distinct aircraft with a matching event within
/// `within_s` seconds of data time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountSpec {
    /// How many distinct aircraft.
    pub at_least: u32,
    /// The sliding window, seconds.
    pub within_s: f64,
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique name; alerts carry it.
    pub name: String,
    /// What the rule is for.
    pub description: Option<String>,
    /// The condition on the aircraft (and event).
    pub when: Expr,
    /// Conditions that suppress the alert when any holds.
    pub exclude: Vec<Expr>,
    /// The events it wants.
    pub events: EventFilter,
    /// Sink names alerts go to (empty: every sink).
    pub sinks: Vec<String>,
    /// No new alert for the same aircraft, event kind and place within this many seconds.
    pub cooldown_s: f64,
    /// Messages the aircraft must have sent (and, for condition rules, consecutive updates
    /// on which the condition held) before an alert; at least 2.
    pub confirm: u32,
    /// A counting condition, if any.
    pub count: Option<CountSpec>,
    /// False to keep a rule in the file without using it.
    pub enabled: bool,
    /// How its alerts go out: one per event report, or grouped into incidents.
    pub delivery: crate::incident::Delivery,
    /// Least data time between two updates of one incident, seconds.
    pub incident_updates_s: f64,
    /// Byte offsets of the condition and the exclusions in the file (for errors found when
    /// binding zones).
    when_at: usize,
    exclude_at: Vec<usize>,
    /// The tracked fields `when` reads (see `Expr::fields`).
    when_fields: crate::track::FieldSet,
}

/// A user's classification of one address (the override layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The address.
    pub address: Icao,
    /// The class to use.
    pub class: Class,
    /// Why.
    pub note: String,
}

/// What is wrong with a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// The text is not valid TOML.
    Syntax,
    /// An unknown or missing key, or a value of the wrong TOML type.
    Schema,
    /// A value of the right type that is not acceptable (a bad duration, address, kind...).
    Value,
    /// A condition that does not parse.
    Condition,
    /// Two rules, watch-lists or overrides with the same name or address.
    Duplicate,
    /// A condition names a zone the engine does not have.
    UnknownZone,
}

impl RuleErrorKind {
    /// A short name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleErrorKind::Syntax => "syntax",
            RuleErrorKind::Schema => "schema",
            RuleErrorKind::Value => "value",
            RuleErrorKind::Condition => "condition",
            RuleErrorKind::Duplicate => "duplicate",
            RuleErrorKind::UnknownZone => "unknown zone",
        }
    }
}

/// A rule file error: file, 1-based line and column (0 when unknown) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The file name the text came from.
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// The class of problem.
    pub kind: RuleErrorKind,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for RuleError {
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

impl std::error::Error for RuleError {}

/// A loaded rule file: rules, watch-lists and classification overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    origin: String,
    text: String,
    rules: Vec<Rule>,
    watchlists: Vec<WatchList>,
    overrides: Vec<Override>,
}

impl RuleSet {
    /// Reads a rule file; `origin` names it in errors.
    pub fn load(text: &str, origin: &str) -> Result<RuleSet, RuleError> {
        file::load(text, origin)
    }

    /// The default rules ([`DEFAULT_RULES`]).
    pub fn default_rules() -> RuleSet {
        // The embedded file is checked by the tests; an empty set is the safe fallback.
        RuleSet::load(DEFAULT_RULES, "default.toml").unwrap_or_else(|_| RuleSet::empty())
    }

    /// The default rules' text delivering one alert per event instead of incidents
    /// (`deliver = "events"`): for tools and tests that read every event's alert.
    pub fn default_rules_per_event_text() -> String {
        DEFAULT_RULES.replace("deliver = \"incidents\"", "deliver = \"events\"")
    }

    /// The default rules delivering one alert per event ([`RuleSet::default_rules_per_event_text`]).
    pub fn default_rules_per_event() -> RuleSet {
        RuleSet::load(
            &RuleSet::default_rules_per_event_text(),
            "default.toml (per event)",
        )
        .unwrap_or_else(|_| RuleSet::empty())
    }

    /// No rules: nothing becomes an alert.
    pub fn empty() -> RuleSet {
        RuleSet {
            origin: String::new(),
            text: String::new(),
            rules: Vec::new(),
            watchlists: Vec::new(),
            overrides: Vec::new(),
        }
    }

    /// Where the rules came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this name.
    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// The watch-lists, in file order.
    pub fn watchlists(&self) -> &[WatchList] {
        &self.watchlists
    }

    /// The classification overrides.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    /// The override for an address, if any.
    pub fn override_for(&self, address: Icao) -> Option<&Override> {
        self.overrides.iter().find(|o| o.address == address)
    }

    /// Every sink name the rules use, each once, in order of first use (for the caller to
    /// check against its configured sinks).
    pub fn sink_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in self.rules.iter().flat_map(|r| &r.sinks) {
            if !out.contains(&s.as_str()) {
                out.push(s);
            }
        }
        out
    }

    /// True when some enabled rule raises events from its own condition.
    pub fn has_condition_rules(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.enabled && r.events == EventFilter::Condition)
    }

    /// Resolves the zone names of every condition against `zones` (by id); an unknown zone
    /// is an error at the place it is named.
    pub fn bind_zones(&mut self, zones: &[Zone]) -> Result<(), RuleError> {
        let ids: Vec<&str> = zones.iter().map(|z| z.id.as_str()).collect();
        let (origin, text) = (&self.origin, &self.text);
        for r in &mut self.rules {
            let bind = |e: &mut Expr, base: usize| {
                e.bind_zones(&ids).map_err(|(offset, id)| {
                    let (line, column) = file::locate(text, base + offset);
                    RuleError {
                        origin: origin.clone(),
                        line,
                        column,
                        kind: RuleErrorKind::UnknownZone,
                        message: format!(
                            "no zone with id \"{id}\" (zones: {})",
                            if ids.is_empty() {
                                "none loaded".to_string()
                            } else {
                                ids.join(", ")
                            }
                        ),
                    }
                })
            };
            bind(&mut r.when, r.when_at)?;
            for (x, at) in r.exclude.iter_mut().zip(&r.exclude_at) {
                bind(x, *at)?;
            }
        }
        Ok(())
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::empty()
    }
}
