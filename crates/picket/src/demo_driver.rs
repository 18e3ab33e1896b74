//! The demo's engine driver: one thread that owns the `Engine`, plays scenario windows
//! paced to a speed-up, and publishes into the server's hub.
//!
//! It feeds the `Publisher` as the live run-time does for `picket run --http` (`http.rs`):
//! `on_item`, `on_events` and `on_alerts` with what `Engine::ingest_into`/`tick_into` put in
//! an `Output` (every event of every phase, and the alerts), and `publish`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use picket_engine::engine::{Engine, EngineConfig, Output};
use picket_engine::rules::{RuleSet, DEFAULT_RULES};
use picket_server::{Command, Hub, Publisher, ReceiverInfo};
use picket_sim::{Simulation, Window};

/// One scenario window of the demo.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    /// Built-in scenario name.
    pub(crate) scenario: &'static str,
    /// Window start, seconds after the scenario's start.
    pub(crate) from_s: f64,
    /// Window length, seconds.
    pub(crate) duration_s: f64,
}

/// The demo's windows, each starting shortly before its key moment: the first landing at
/// Caracas (scenario +1h21m), the landing at La Orchila (+1h30m), the Tu-160s' formation,
/// zone entries, intercept and escort off Alaska (+53m .. +1h25m).
pub(crate) const SEGMENTS: [Segment; 3] = [
    Segment {
        scenario: "caracas",
        from_s: 4_640.0,
        duration_s: 1_920.0,
    },
    Segment {
        scenario: "orchila",
        from_s: 5_160.0,
        duration_s: 900.0,
    },
    Segment {
        scenario: "arctic",
        from_s: 3_100.0,
        duration_s: 2_100.0,
    },
];

/// How often the hub gets a new snapshot (wall time).
const PUBLISH_EVERY: Duration = Duration::from_millis(250);

/// Plays the segments in a loop until `stop`, publishing into `hub`. Data time only moves
/// forward: the first pass plays the scenarios at their own dates (which are in order), each
/// later pass shifts them by a whole number of weeks past the previous pass.
pub(crate) fn play(hub: Arc<Hub>, speed: f64, stop: Arc<AtomicBool>) -> Result<()> {
    // However the player ends (an error, a panic), the server stops with it.
    let _stop_with_me = StopOnDrop(stop.clone());
    let commands = hub.take_commands();
    let mut engine = new_engine();
    hub.set_world(engine.zones(), engine.rules());
    let mut publisher = Publisher::new(hub, Vec::new());
    let mut out = Output::new();
    let mut last_data = f64::NEG_INFINITY;
    let mut shift = 0.0;
    let mut next_tick = f64::NEG_INFINITY;
    let mut next_publish = Instant::now();
    let mut lag = 0.0f64;
    for pass in 0u64.. {
        for (n, seg) in SEGMENTS.iter().enumerate() {
            // A fresh engine per window: the jump in data time between two windows would
            // otherwise read as every aircraft of the last one going silent at once (went
            // dark, formations ended), alerts the scenarios never scripted.
            engine = new_engine();
            let scenario = crate::simulate::load_scenario(seg.scenario)?;
            let sim = Simulation::new(
                &scenario,
                scenario.seed.wrapping_add(pass),
                Window {
                    from_s: seg.from_s,
                    duration_s: Some(seg.duration_s),
                },
            );
            let seg_start = sim.utc(seg.from_s) as f64 / 1e9;
            if pass > 0 && n == 0 {
                // Whole weeks past the end of the previous pass.
                const WEEK: f64 = 7.0 * 86_400.0;
                shift = ((last_data - seg_start) / WEEK).floor() * WEEK + WEEK;
            }
            // Receivers of this segment get ids of their own.
            let id0 = (n * 8) as u16;
            for (i, r) in scenario.receivers.iter().enumerate() {
                publisher.add_receiver(ReceiverInfo {
                    id: id0 + i as u16,
                    name: format!("{}/{}", seg.scenario, r.name),
                    position: Some(r.position),
                    connected: true,
                    ..ReceiverInfo::default()
                });
            }
            eprintln!(
                "picket: demo: pass {}, {} from +{:.0} s for {:.0} s of data time",
                pass + 1,
                seg.scenario,
                seg.from_s,
                seg.duration_s
            );
            let wall0 = Instant::now();
            let data0 = seg_start + shift;
            for heard in sim.frames() {
                let mut item = heard.received;
                item.time_utc += shift;
                item.receiver += id0;
                let t = item.time_utc;
                let due = wall0 + Duration::from_secs_f64(((t - data0) / speed).max(0.0));
                // Wait for the item's due time, publishing meanwhile.
                loop {
                    if stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    let now = Instant::now();
                    if now >= next_publish {
                        commands_pending(&commands, &mut engine, &mut publisher);
                        publisher.publish(&engine, last_data.max(data0), lag);
                        next_publish = now + PUBLISH_EVERY;
                    }
                    if now >= due {
                        lag = (now - due).as_secs_f64();
                        break;
                    }
                    std::thread::sleep((due - now).min(next_publish - now).min(Duration::from_millis(50)));
                }
                if t >= next_tick {
                    engine.tick_into(t, &mut out);
                    next_tick = picket_engine::engine::next_tick_due(t);
                }
                // What the tick and the item produced go to the publisher together, as the
                // live driver hands them over: every event first, then the alerts.
                let result = engine.ingest_into(&item, &mut out);
                publisher.on_item(&item, &result);
                if !out.events.is_empty() {
                    publisher.on_events(&out.events, &out.alerts);
                }
                if !out.alerts.is_empty() {
                    publisher.on_alerts(&out.alerts);
                }
                out.clear();
                last_data = last_data.max(t);
            }
            // The next window starts a little later in data time.
            last_data += 5.0;
        }
    }
    Ok(())
}

/// The demo's engine: default rules and zones, trails kept for the map.
fn new_engine() -> Engine {
    let mut config = EngineConfig::default();
    config.tracker.trail_len = picket_server::TRAIL_LEN;
    config.rules = demo_rules();
    Engine::new(config)
}

/// The default rules, with incident updates bounded at one minute of data time instead of
/// thirty: the demo plays many times faster than real time and only minutes around each key
/// moment, so a watcher sees an incident grow (the Caracas landing, the intercept) at about
/// the pace a live screen would show it.
fn demo_rules() -> RuleSet {
    const LIVE: &str = "incident_updates = \"30m\"";
    debug_assert!(DEFAULT_RULES.contains(LIVE));
    let text = DEFAULT_RULES.replace(LIVE, "incident_updates = \"1m\"");
    RuleSet::load(&text, "default.toml (demo)").unwrap_or_else(|_| RuleSet::default_rules())
}

/// Sets the stop flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Handles the server's commands. The demo's rules are the built-in ones: a reload
/// installs them again (and re-enriches every aircraft).
fn commands_pending(commands: &Option<Receiver<Command>>, engine: &mut Engine, publisher: &mut Publisher) {
    let Some(rx) = commands else {
        return;
    };
    while let Ok(c) = rx.try_recv() {
        match c {
            Command::ReloadRules => {
                let rules = engine.rules().clone();
                match engine.set_rules(rules) {
                    Ok(()) => {
                        publisher.invalidate();
                        publisher.hub().set_world(engine.zones(), engine.rules());
                        eprintln!("picket: demo: rules reloaded");
                    }
                    Err(e) => eprintln!("picket: demo: reload failed, keeping the rules in use: {e}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_rules_are_the_default_rules_with_minute_incident_updates() {
        let rules = demo_rules();
        let default = RuleSet::default_rules();
        let names = |r: &RuleSet| r.rules().iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&rules), names(&default));
        for (demo, live) in rules.rules().iter().zip(default.rules()) {
            assert_eq!(live.incident_updates_s, 1800.0);
            assert_eq!(demo.incident_updates_s, 60.0);
        }
    }
}
