//! `picket run --http ADDR`: the server's hub filled from the live run-time's engine thread
//! (through its `EngineObserver` seam), served on a thread of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use picket_engine::engine::Engine;
use picket_engine::event::{Alert, Event};
use picket_engine::track::Ingested;
use picket_live::config::{Settings, Source};
use picket_live::driver::EngineObserver;
use picket_live::stats::LiveStats;
use picket_receive::Received;
use picket_server::{router, AppState, Command, Hub, Publisher, ReceiverInfo, ServerConfig};

/// How often the hub gets a new snapshot (wall time).
const PUBLISH_EVERY: Duration = Duration::from_millis(250);

/// The engine thread's side: counts, alerts and snapshots into the hub; the server's
/// commands into the run's flags.
#[derive(Debug)]
pub(crate) struct HttpObserver {
    publisher: Publisher,
    commands: Option<Receiver<Command>>,
    reload: Arc<AtomicBool>,
    next: Instant,
    world_set: bool,
    /// Data time of the last item taken.
    last_item: f64,
    /// The live receivers' names and connection counters, once the run has started.
    stats: Arc<OnceLock<LiveStats>>,
}

impl EngineObserver for HttpObserver {
    fn on_item(&mut self, item: &Received, ingested: &Ingested) {
        self.publisher.on_item(item, ingested);
        self.last_item = item.time_utc;
    }

    fn on_alerts(&mut self, alerts: &[Alert]) {
        self.publisher.on_alerts(alerts);
    }

    fn on_events(&mut self, events: &[Event], alerts: &[Alert]) {
        self.publisher.on_events(events, alerts);
    }

    fn on_engine(&mut self, engine: &Engine, now: f64) {
        if !self.world_set {
            self.publisher.hub().set_world(engine.zones(), engine.rules());
            self.world_set = true;
        }
        let wall = Instant::now();
        if wall < self.next {
            return;
        }
        self.next = wall + PUBLISH_EVERY;
        if let Some(rx) = &self.commands {
            while let Ok(c) = rx.try_recv() {
                match c {
                    // The run's own reload (as on SIGHUP): rules and zones read again.
                    Command::ReloadRules => self.reload.store(true, Ordering::Relaxed),
                }
            }
        }
        if let Some(stats) = self.stats.get() {
            // Live receivers have ids in the order of their list.
            for (i, r) in stats.receivers().iter().enumerate() {
                if let Ok(id) = u16::try_from(i) {
                    self.publisher
                        .set_receiver_status(id, &r.name, r.connected, r.bad_frames);
                }
            }
        }
        // Live items are stamped with their arrival: the wall clock minus that is how far
        // the engine is behind. A replay's data time is no arrival time: no lag to show.
        let behind = picket_live::now_utc() - self.last_item;
        let lag = if (0.0..3600.0).contains(&behind) {
            behind
        } else {
            0.0
        };
        self.publisher.publish(engine, now, lag);
    }

    fn on_reload(&mut self, engine: &Engine) {
        self.publisher.invalidate();
        self.publisher.hub().set_world(engine.zones(), engine.rules());
    }
}

/// The receivers the server starts with, and whether their positions are published.
#[derive(Debug)]
struct Published {
    list: Vec<ReceiverInfo>,
    positions: bool,
}

/// The configured receivers with their positions: the live receivers in the order of their
/// list (their ids), or the one `[receiver]` of a file or scenario run as receiver 0. The
/// server shows the positions only when `publish_receiver_position` says so.
fn receivers(settings: &Settings) -> Published {
    let list = match &settings.source {
        Source::Live { receivers } => receivers
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                Some(ReceiverInfo {
                    id: u16::try_from(i).ok()?,
                    name: r.name.clone(),
                    position: r.position,
                    ..ReceiverInfo::default()
                })
            })
            .collect(),
        Source::Files(_) | Source::Scenario { .. } => settings
            .receiver
            .map(|p| ReceiverInfo {
                id: 0,
                name: "receiver 0".to_owned(),
                position: Some(p),
                connected: true,
                ..ReceiverInfo::default()
            })
            .into_iter()
            .collect(),
    };
    Published {
        list,
        positions: settings.publish_receiver_position,
    }
}

/// Binds `addr` (loopback unless the settings allow remote binds), serves the map and the
/// API on a thread of its own until `stop`, and returns the observer to hand to the run.
pub(crate) fn start(
    addr: &str,
    settings: &Settings,
    reload: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    stats: Arc<OnceLock<LiveStats>>,
) -> Result<HttpObserver> {
    let addr = addr
        .parse()
        .map_err(|_| anyhow!("http address {addr:?} is not IP:PORT (127.0.0.1:8080)"))?;
    let receivers = receivers(settings);
    let listener = picket_server::bind(addr, settings.outputs.allow_remote)
        .with_context(|| format!("serving HTTP on {addr}"))?;
    let local = listener.local_addr()?;
    let hub = Arc::new(Hub::new());
    let commands = hub.take_commands();
    let mut state = AppState::new(
        hub.clone(),
        ServerConfig {
            token: settings.tokens.get("http").cloned(),
            publish_receiver_position: receivers.positions,
            ..ServerConfig::default()
        },
    );
    if let Some(dir) = settings.store.clone() {
        // The map's timeline and older events come from the run's store.
        state = state.with_history(Arc::new(crate::history::StoreHistory::new(
            dir,
            settings.zones.clone(),
        )));
    }
    let app = router(state);
    std::thread::Builder::new()
        .name("picket-http".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(r) => r,
                Err(e) => return eprintln!("picket: http: {e}"),
            };
            let stopped = async move {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            };
            let served = runtime.block_on(async {
                tokio::select! {
                    r = picket_server::serve(listener, app, std::future::pending()) => r,
                    () = stopped => Ok(()),
                }
            });
            if let Err(e) = served {
                eprintln!("picket: http: {e}");
            }
        })?;
    eprintln!("picket: serving the map at http://{local}/");
    Ok(HttpObserver {
        publisher: Publisher::new(hub, receivers.list),
        commands,
        reload,
        next: Instant::now(),
        world_set: false,
        last_item: f64::NEG_INFINITY,
        stats,
    })
}
