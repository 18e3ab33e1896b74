//! The simulation: a scenario, a seed and a window, giving truth states, truth events and
//! (see [`crate::frames`]) the frames each receiver hears.

use picket_world::events::DetectorParams;

use crate::scenario::{AircraftSpec, Scenario};
use crate::time::{format_duration, format_rfc3339, UnixNanos};
use crate::truth::{TruthEvent, TruthEvents};
use crate::world::{TruthStates, World};

/// The part of a scenario to produce, in seconds after its start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Start of the window, seconds after the scenario start.
    pub from_s: f64,
    /// Length of the window, seconds (None: to the scenario's end).
    pub duration_s: Option<f64>,
}

impl Window {
    /// The whole scenario.
    pub const ALL: Window = Window {
        from_s: 0.0,
        duration_s: None,
    };
}

/// A scenario prepared for one seed and window: the scripted and background aircraft.
#[derive(Debug, Clone)]
pub struct Simulation {
    scenario: Scenario,
    seed: u64,
    aircraft: Vec<AircraftSpec>,
    from_s: f64,
    to_s: f64,
}

impl Simulation {
    /// Prepares a simulation; the window is clipped to the scenario.
    pub fn new(scenario: &Scenario, seed: u64, window: Window) -> Simulation {
        let mut aircraft = scenario.aircraft.clone();
        if let Some(bg) = &scenario.background {
            let taken: Vec<u32> = aircraft.iter().map(|a| a.address).collect();
            aircraft.extend(crate::traffic::background(bg, scenario.duration_s, seed, &taken));
        }
        let from_s = window.from_s.clamp(0.0, scenario.duration_s);
        let to_s = match window.duration_s {
            Some(d) => (from_s + d.max(0.0)).min(scenario.duration_s),
            None => scenario.duration_s,
        };
        Simulation {
            scenario: scenario.clone(),
            seed,
            aircraft,
            from_s,
            to_s,
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Every aircraft: the scenario's, then the background flights.
    pub fn aircraft(&self) -> &[AircraftSpec] {
        &self.aircraft
    }

    /// The window, seconds after the start: `[from, to)`.
    pub fn window_s(&self) -> (f64, f64) {
        (self.from_s, self.to_s)
    }

    /// UTC time of a moment given in seconds after the start.
    pub fn utc(&self, t_s: f64) -> UnixNanos {
        self.scenario.start + (t_s * 1e9).round() as i64
    }

    /// A fresh world at its first moment (before the window: aircraft may appear earlier).
    pub fn world(&self) -> World {
        World::new(
            self.aircraft.clone(),
            self.scenario.atmosphere,
            self.scenario.start,
        )
    }

    /// The true state of every aircraft once a second within the window.
    pub fn truth_states(&self) -> TruthStates {
        TruthStates::new(self.world(), self.from_s, self.to_s)
    }

    /// The frames every receiver hears within the window, in time-of-arrival order.
    pub fn frames(&self) -> crate::frames::Frames {
        crate::frames::Frames::new(self)
    }

    /// The ground-truth events whose onset lies within the window, computed over the whole
    /// scenario up to the window's end with the default detector parameters.
    pub fn truth_events(&self) -> Vec<TruthEvent> {
        self.truth_events_with(DetectorParams::DEFAULT)
    }

    /// The ground-truth events with the given detector parameters.
    pub fn truth_events_with(&self, params: DetectorParams) -> Vec<TruthEvent> {
        let zones = picket_world::zones::builtin_zones();
        let mut ev = TruthEvents::new(params, &self.aircraft, &self.scenario.receivers, zones);
        // Only scripted aircraft have events: run a world of those alone, which is much cheaper
        // than stepping the background traffic (nothing scripted depends on it). They come
        // first in the aircraft list, so their indices are unchanged.
        let scripted = self.aircraft[..self.scenario.aircraft.len()].to_vec();
        let world = World::new(scripted, self.scenario.atmosphere, self.scenario.start);
        for s in TruthStates::new(world, 0.0, self.to_s) {
            ev.push(s);
        }
        let (from, to) = (self.utc(self.from_s), self.utc(self.to_s));
        ev.finish()
            .into_iter()
            .filter(|e| e.onset >= from && e.onset < to)
            .collect()
    }
}

/// A built-in scenario's summary, as `picket simulate --list` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioInfo {
    /// Name.
    pub name: String,
    /// UTC start.
    pub start: UnixNanos,
    /// Length, seconds.
    pub duration_s: f64,
    /// Scripted aircraft.
    pub aircraft: usize,
    /// Background flights.
    pub background_flights: u32,
    /// One line of description.
    pub description: String,
}

impl std::fmt::Display for ScenarioInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<10} {}  {:>6}  {:>2} aircraft + {:>3} background  {}",
            self.name,
            format_rfc3339(self.start),
            format_duration(self.duration_s),
            self.aircraft,
            self.background_flights,
            self.description
        )
    }
}

/// The built-in scenario files, embedded.
const BUILTIN: &[(&str, &str)] = &[
    ("caracas", include_str!("../scenarios/caracas.toml")),
    ("orchila", include_str!("../scenarios/orchila.toml")),
    ("arctic", include_str!("../scenarios/arctic.toml")),
    ("arctic_mlat", include_str!("../scenarios/arctic_mlat.toml")),
    ("carrier", include_str!("../scenarios/carrier.toml")),
];

impl Scenario {
    /// A built-in scenario by name (`caracas`, `orchila`, `arctic`, `arctic_mlat`).
    pub fn builtin(name: &str) -> Option<Scenario> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        // The embedded files are checked by the tests; a defect would show as "not found".
        Scenario::from_toml(text, name).ok()
    }

    /// The names of the built-in scenarios.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    /// The text of a built-in scenario file (to show or copy as an example).
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }
}

/// Summaries of the built-in scenarios.
pub fn list() -> Vec<ScenarioInfo> {
    Scenario::builtin_names()
        .filter_map(Scenario::builtin)
        .map(|s| ScenarioInfo {
            name: s.name.clone(),
            start: s.start,
            duration_s: s.duration_s,
            aircraft: s.aircraft.len(),
            background_flights: s.background.as_ref().map_or(0, |b| b.flights),
            description: s.description.clone(),
        })
        .collect()
}
