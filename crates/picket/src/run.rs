//! `picket run`: the command line of the watch service; the run-time itself (sources, live
//! receivers, the engine thread, sinks, feed servers) is `picket-live`.

use anyhow::Result;
use clap::Args;
use picket_live::config::{Overrides, Settings};
use picket_live::driver::{self, Control, EngineObserver, RunOptions, RunRecorder};
use picket_live::input::InputFormat;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// Arguments of `picket run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Configuration file (TOML): receivers, input, outputs, rules, zones, aircraft
    /// databases, sinks, tokens. A flag given here replaces the file's setting.
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Input file, any format of `picket decode` (`-` reads stdin); repeat for several
    /// receivers (merged in time order).
    #[arg(long = "input", short = 'i', value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// Connect to a live receiver: `[NAME=]beast://HOST:PORT`, `avr://…`, `sbs://…` or
    /// `http://HOST/data/aircraft.json`, or an rtl_tcp server's I/Q samples
    /// (`rtltcp://HOST:PORT[?gain=DB&ppm=N&freq=HZ&rate=MSPS]`, demodulated on a thread of its
    /// own), optionally `@LAT,LON[,ALT]` (ALT: antenna height in metres, for
    /// multilateration); repeatable. Reconnects with backoff.
    #[arg(long, value_name = "URL", conflicts_with_all = ["inputs", "scenario"])]
    connect: Vec<String>,
    /// Input format (beast, avr, hex, csv, sbs, jsonl, iq-u8, iq-s16le, iq-s16be); detected
    /// from the first bytes if absent.
    #[arg(long)]
    format: Option<InputFormat>,
    /// IQ sample rate in MS/s (2.0 to 4.0; default 2.4), of --input IQ and rtltcp:// receivers.
    #[arg(long, value_name = "MSPS")]
    rate: Option<String>,
    /// UTC start of Beast/AVR recordings whose timestamps have no date (RFC 3339 or Unix
    /// seconds). With --connect: the feed is a recording being replayed, timed by its own
    /// clock instead of arrival.
    #[arg(long)]
    start: Option<String>,
    /// The Beast timestamps are GPS time of day (Radarcape style), not a 12 MHz counter.
    #[arg(long)]
    gps_clock: bool,
    /// Run a simulated scenario instead of files: a built-in name (caracas, orchila, arctic)
    /// or a scenario file.
    #[arg(long, conflicts_with = "inputs", value_name = "NAME")]
    scenario: Option<String>,
    /// Scenario seed (default: the scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Start of the scenario window (`+30m` or RFC 3339).
    #[arg(long, allow_hyphen_values = true)]
    from: Option<String>,
    /// Length of the scenario window (`2h`).
    #[arg(long)]
    duration: Option<String>,
    /// Play the input at N times real time (default: as fast as possible).
    #[arg(long, value_name = "N")]
    speed: Option<f64>,
    /// Rules file (TOML; default: the built-in rules watching military and state aircraft and
    /// emergencies).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Zone file (GeoJSON), added to the built-in zones; repeatable.
    #[arg(long, value_name = "FILE")]
    zones: Vec<PathBuf>,
    /// Aircraft database: tar1090-db CSV (optionally .gz) or plane-alert-db CSV; repeatable.
    #[arg(long = "aircraft-db", value_name = "FILE")]
    aircraft_db: Vec<PathBuf>,
    /// A callsign table of your own (CSV: prefix,class,country,operator,source, the layout
    /// of the built-in table), read before the built-in one; repeatable.
    #[arg(long, value_name = "FILE")]
    callsigns: Vec<PathBuf>,
    /// Receiver position, degrees.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    receiver: Option<String>,
    /// Also write alerts as JSON lines to FILE (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    jsonl: Option<PathBuf>,
    /// Print one readable line per alert on stdout (UTC time, aircraft, what, where)
    /// instead of the default JSON lines.
    #[arg(long)]
    text: bool,
    /// Serve a Beast feed of what is received on HOST:PORT (e.g. 127.0.0.1:30005).
    #[arg(long, value_name = "HOST:PORT")]
    beast_out: Option<String>,
    /// Serve an AVR feed of what is received on HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    avr_out: Option<String>,
    /// Serve an SBS (BaseStation) feed of the tracked aircraft on HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    sbs_out: Option<String>,
    /// Push the Beast feed to a peer's Beast input port (e.g. readsb's 30004); repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    beast_push: Vec<String>,
    /// Accept pushed Beast input on HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    beast_in: Option<String>,
    /// Accept pushed AVR input on HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    avr_in: Option<String>,
    /// Accept mlat-client connections on HOST:PORT (the protocol mlat-client speaks to
    /// mlat-server): each feeder is one more receiver of the multilateration.
    #[arg(long, value_name = "HOST:PORT")]
    mlat_server: Option<String>,
    /// Allow outputs, listeners and --http on addresses other than loopback.
    #[arg(long)]
    allow_remote: bool,
    /// Serve the live map, the API and /metrics on this address (`127.0.0.1:8080`); the
    /// token of state-changing requests is `[tokens] http` in the config file.
    #[arg(long, value_name = "IP:PORT")]
    http: Option<String>,
    /// Publish the receivers' positions in /data/receiver.json, /api/receivers and on the
    /// map (off by default: a receiver's position is its owner's home).
    #[arg(long)]
    publish_receiver_position: bool,
    /// How often an aircraft.json receiver is polled (default 1s).
    #[arg(long, value_name = "DURATION")]
    poll: Option<String>,
    /// Time the sinks get at the end to deliver what is queued (default 10s).
    #[arg(long, value_name = "DURATION")]
    drain_timeout: Option<String>,
    /// Keep history in this store directory (frames, states, events, aircraft); on start,
    /// restore from it what the detectors need.
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// How far back the restore at start replays the store at most (`2h`; `0s`: nothing).
    /// Default: from the start of the UTC day of the last stored item, or the onset of the
    /// earliest open event, at most 7 days — every frame since midnight, minutes of CPU on a
    /// busy store. Shorter is faster, and forgets what happened before it (who was seen
    /// today, the ground and dwell timers of earlier landings).
    #[arg(long, value_name = "DURATION")]
    restore_max: Option<String>,
    /// Multilaterate (`--mlat` or `--mlat true`; `--mlat false` turns it off). Default: on
    /// when at least three receivers with positions send timestamped frames (Beast).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    mlat: Option<bool>,
    /// Print no summary at the end.
    #[arg(long, short = 'q')]
    quiet: bool,
}

impl RunArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            inputs: self.inputs.clone(),
            // `--rate` rides on the format's name (`iq-u8@2.0`, or `iq@2.0` when detected).
            format: match (self.format, &self.rate) {
                (f, None) => f.map(|f| f.to_string()),
                (Some(f), Some(r)) => Some(format!("{}@{r}", f.to_string().split('@').next().unwrap_or(""))),
                (None, Some(r)) => Some(format!("iq@{r}")),
            },
            start: self.start.clone(),
            gps_clock: self.gps_clock,
            scenario: self.scenario.clone(),
            seed: self.seed,
            from: self.from.clone(),
            duration: self.duration.clone(),
            speed: self.speed,
            receiver: self.receiver.clone(),
            rules: self.rules.clone(),
            zones: self.zones.clone(),
            aircraft_db: self.aircraft_db.clone(),
            callsigns: self.callsigns.clone(),
            jsonl: self.jsonl.clone(),
            drain_timeout: self.drain_timeout.clone(),
            connect: self
                .connect
                .iter()
                .map(|c| with_rtltcp_rate(c, self.rate.as_deref()))
                .collect(),
            beast_out: self.beast_out.clone(),
            avr_out: self.avr_out.clone(),
            sbs_out: self.sbs_out.clone(),
            beast_in: self.beast_in.clone(),
            avr_in: self.avr_in.clone(),
            mlat_server: self.mlat_server.clone(),
            beast_push: self.beast_push.clone(),
            allow_remote: self.allow_remote,
            http: self.http.clone(),
            publish_receiver_position: self.publish_receiver_position,
            poll: self.poll.clone(),
            text: self.text,
            store: self.store.clone(),
            mlat: self.mlat,
        }
    }
}

/// `--rate` for an `rtltcp://` receiver: its `rate=` option unless the URL has one.
fn with_rtltcp_rate(connect: &str, rate: Option<&str>) -> String {
    let Some(rate) = rate else {
        return connect.to_string();
    };
    if !connect.contains("rtltcp://") || connect.contains("rate=") {
        return connect.to_string();
    }
    // The options go before a trailing `@LAT,LON`.
    let (url, at) = match connect.rsplit_once('@') {
        Some((u, p)) if p.contains(',') => (u, format!("@{p}")),
        _ => (connect, String::new()),
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}rate={rate}{at}")
}

/// SIGHUP asks for a reload, SIGINT/SIGTERM for a stop (a second one ends the process at
/// once, for an input blocked on a read).
fn install_signals() -> Result<Control> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::flag;
    let control = Control::default();
    flag::register(SIGHUP, control.reload.clone())?;
    for sig in [SIGINT, SIGTERM] {
        // Order matters: the shutdown check runs before the flag is set.
        flag::register_conditional_shutdown(sig, 130, control.stop.clone())?;
        flag::register(sig, control.stop.clone())?;
    }
    Ok(control)
}

pub(crate) fn run(args: &RunArgs) -> Result<ExitCode> {
    let settings = Settings::resolve(args.config.as_deref(), args.overrides())?;
    let control = install_signals()?;
    let observer = match &settings.http {
        Some(addr) => {
            let o = crate::http::start(
                addr,
                &settings,
                control.reload.clone(),
                control.stop.clone(),
                control.stats.clone(),
            )?;
            Some(Arc::new(Mutex::new(o)) as Arc<Mutex<dyn EngineObserver>>)
        }
        None => None,
    };
    let restore_max = args
        .restore_max
        .as_deref()
        .map(|t| {
            picket_receive::time::parse_duration(t)
                .map_err(|_| anyhow::anyhow!("--restore-max {t:?} is not a duration (2h, 30m, 0s)"))
        })
        .transpose()?;
    let options = RunOptions {
        quiet: args.quiet,
        text: args.text,
        observer,
        // History (picket-store): restores the engine from the store, then records the run.
        recorder: crate::history::StoreHook::new(&settings, args.quiet, restore_max)
            .map(|h| Arc::new(Mutex::new(h)) as Arc<Mutex<dyn RunRecorder>>),
    };
    driver::run(&settings, &options, &control)?;
    Ok(ExitCode::SUCCESS)
}
