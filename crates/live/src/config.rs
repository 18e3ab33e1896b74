//! The configuration file of `picket run` (TOML) and its merge with the command line.
//!
//! Every error names the file, the line and what is wrong. Paths in the file are relative to
//! the file's directory. A flag given on the command line replaces the file's setting.

use anyhow::{anyhow, bail, Context, Result};
use picket_world::geo::LatLon;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

use crate::connect::{Endpoint, Protocol, ReceiverSpec};
use picket_receive::ClockKind;

/// A position in a text file, for messages: `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file's name as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A duration written as `"90s"`, `"250ms"`, `"2m"`, `"1h30m"` or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub f64);

impl Seconds {
    /// As a `Duration`.
    pub fn duration(self) -> Duration {
        Duration::from_secs_f64(self.0.clamp(0.0, 1e9))
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Seconds, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"30s\", \"500ms\", \"2m\" or a number of seconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
                if v < 0 {
                    return Err(E::custom("a duration cannot be negative"));
                }
                Ok(Seconds(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
                Ok(Seconds(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seconds, E> {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(E::custom(
                        "a duration must be a finite number of seconds, 0 or more",
                    ));
                }
                Ok(Seconds(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Seconds, E> {
                picket_receive::time::parse_duration(v).map(Seconds).map_err(|_| {
                    E::custom(format!(
                        "{v:?} is not a duration (e.g. \"30s\", \"500ms\", \"2m\")"
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// One path or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single path.
    One(String),
    /// A list of paths.
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The file as written (see docs/picket.example.toml).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Rules file; absent: the built-in default rules.
    rules: Option<String>,
    /// GeoJSON zone files, added to the built-in zones.
    zones: Option<OneOrMany>,
    /// Whether the built-in zones are loaded too.
    builtin_zones: Option<bool>,
    /// Aircraft database files (tar1090-db CSV, optionally .gz, or plane-alert-db CSV).
    aircraft_db: Option<OneOrMany>,
    /// The user's callsign tables (the layout of the built-in callsigns.csv).
    callsigns: Option<OneOrMany>,
    /// How long sinks may take to deliver what is queued at the end.
    drain_timeout: Option<Seconds>,
    /// History: the store directory (picket-store).
    store: Option<String>,
    /// One table (`[receiver]`: the position of the one receiver) or an array of live
    /// receivers (`[[receiver]]` with `connect`).
    receiver: Option<Spanned<toml::Value>>,
    input: Option<Spanned<InputTable>>,
    output: Option<Spanned<OutputTable>>,
    /// How often an `aircraft.json` receiver is polled.
    poll: Option<Seconds>,
    /// Serve the map, the API and the metrics on this address (`127.0.0.1:8080`).
    http: Option<String>,
    /// Publish the receivers' positions in the API and on the map (default: not).
    publish_receiver_position: Option<bool>,
    /// Multilateration: on, off (absent: on when three receivers have positions and clocks).
    mlat: Option<bool>,
    #[serde(default)]
    tokens: BTreeMap<String, Spanned<TokenValue>>,
    #[serde(default)]
    sink: Vec<Spanned<SinkTable>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiverTable {
    name: Option<String>,
    connect: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    position: Option<String>,
    /// Antenna height, metres (multilateration).
    alt: Option<f64>,
    range_nm: Option<f64>,
    gps_clock: Option<bool>,
    start: Option<String>,
}

/// `[output]`: the feed servers (all opt-in, loopback unless `allow_remote`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputTable {
    beast: Option<String>,
    avr: Option<String>,
    sbs: Option<String>,
    beast_in: Option<String>,
    avr_in: Option<String>,
    mlat_server: Option<String>,
    beast_push: Option<OneOrMany>,
    allow_remote: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputTable {
    files: Option<OneOrMany>,
    format: Option<String>,
    start: Option<String>,
    gps_clock: Option<bool>,
    scenario: Option<String>,
    seed: Option<u64>,
    from: Option<String>,
    duration: Option<String>,
    speed: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TokenValue {
    Literal(String),
    Source(TokenSource),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenSource {
    env: Option<String>,
    file: Option<String>,
}

/// A `[[sink]]` table as written: one flat set of keys, checked against its `type` later so
/// that every mistake gets the line of its table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkTable {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub queue: Option<usize>,
    pub kinds: Option<Vec<String>>,
    pub rules: Option<Vec<String>>,
    // jsonl
    pub path: Option<String>,
    pub append: Option<bool>,
    // webhook
    pub url: Option<String>,
    pub method: Option<String>,
    pub preset: Option<String>,
    pub body: Option<String>,
    pub content_type: Option<String>,
    pub escape: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub timeout: Option<Seconds>,
    pub retries: Option<u32>,
    pub backoff: Option<Seconds>,
    pub backoff_max: Option<Seconds>,
    // mqtt
    pub host: Option<String>,
    pub port: Option<u16>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub topic: Option<String>,
    pub qos: Option<u8>,
    pub discovery: Option<bool>,
    pub discovery_prefix: Option<String>,
    pub node_id: Option<String>,
    pub keep_alive: Option<Seconds>,
    pub tls: Option<bool>,
    pub ca_file: Option<String>,
}

impl SinkTable {
    /// The keys that are set, by name (to refuse those that do not apply to the type).
    pub fn set_keys(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        let mut add = |set: bool, name: &'static str| {
            if set {
                k.push(name)
            }
        };
        add(self.path.is_some(), "path");
        add(self.append.is_some(), "append");
        add(self.url.is_some(), "url");
        add(self.method.is_some(), "method");
        add(self.preset.is_some(), "preset");
        add(self.body.is_some(), "body");
        add(self.content_type.is_some(), "content_type");
        add(self.escape.is_some(), "escape");
        add(self.headers.is_some(), "headers");
        add(self.timeout.is_some(), "timeout");
        add(self.retries.is_some(), "retries");
        add(self.backoff.is_some(), "backoff");
        add(self.backoff_max.is_some(), "backoff_max");
        add(self.host.is_some(), "host");
        add(self.port.is_some(), "port");
        add(self.client_id.is_some(), "client_id");
        add(self.username.is_some(), "username");
        add(self.password.is_some(), "password");
        add(self.topic.is_some(), "topic");
        add(self.qos.is_some(), "qos");
        add(self.discovery.is_some(), "discovery");
        add(self.discovery_prefix.is_some(), "discovery_prefix");
        add(self.node_id.is_some(), "node_id");
        add(self.keep_alive.is_some(), "keep_alive");
        add(self.tls.is_some(), "tls");
        add(self.ca_file.is_some(), "ca_file");
        k
    }
}

/// A sink as configured, with where it was written (for messages).
#[derive(Debug, Clone)]
pub struct SinkSpec {
    /// The table.
    pub table: SinkTable,
    /// Where the table starts (`<command line>` for flags).
    pub origin: Origin,
}

/// Where frames come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Files (or stdin), merged in time order.
    Files(Vec<PathBuf>),
    /// Live receivers (and pushed input on the listen ports of [`OutputSettings`]).
    Live {
        /// The receivers picket connects to.
        receivers: Vec<ReceiverSpec>,
    },
    /// The simulator.
    Scenario {
        /// A built-in scenario's name or a scenario file.
        name: String,
        /// The seed (the scenario's own when absent).
        seed: Option<u64>,
        /// Start of the window, as `picket simulate` takes it (`+30m`, RFC 3339).
        from: Option<String>,
        /// Length of the window (`2h`).
        duration: Option<String>,
    },
}

/// Everything `picket run` needs, from the file and the flags.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where frames come from.
    pub source: Source,
    /// The input format (detected when absent).
    pub format: Option<String>,
    /// Start time of dateless recordings.
    pub start: Option<String>,
    /// Beast timestamps are GPS time of day.
    pub gps_clock: bool,
    /// Replay speed (None: as fast as possible).
    pub speed: Option<f64>,
    /// The receiver's position.
    pub receiver: Option<LatLon>,
    /// The receiver's range, NM.
    pub range_nm: Option<f64>,
    /// Rules file.
    pub rules: Option<PathBuf>,
    /// Zone files.
    pub zones: Vec<PathBuf>,
    /// Whether the built-in zones are loaded too.
    pub builtin_zones: bool,
    /// Aircraft database files.
    pub aircraft_db: Vec<PathBuf>,
    /// The user's callsign tables.
    pub callsigns: Vec<PathBuf>,
    /// Sinks.
    pub sinks: Vec<SinkSpec>,
    /// Token values by name.
    pub tokens: BTreeMap<String, String>,
    /// Time the sinks get to deliver what is queued at the end.
    pub drain_timeout: Duration,
    /// Feed servers and pushed input.
    pub outputs: OutputSettings,
    /// How often `aircraft.json` receivers are polled.
    pub poll_interval: Duration,
    /// Serve the map, the API and the metrics here (beyond loopback only with
    /// `outputs.allow_remote`); the token of state-changing requests is `tokens["http"]`.
    pub http: Option<String>,
    /// Publish the receivers' positions in `/data/receiver.json`, `/api/receivers` and on
    /// the map (`--publish-receiver-position`, `publish_receiver_position`); off by default.
    pub publish_receiver_position: bool,
    /// The history store's directory (`--store`, `store`).
    pub store: Option<PathBuf>,
    /// Multilateration: on, off, or None: on when at least three receivers have positions
    /// and clocks.
    pub mlat: Option<bool>,
    /// With [`Source::Files`]: each file's receiver, when given (`--input name=..,path=..`);
    /// empty when none is.
    pub file_receivers: Vec<Option<crate::mlat::FileReceiver>>,
}

/// Feed outputs and input listeners.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutputSettings {
    /// Serve Beast on this address.
    pub beast: Option<String>,
    /// Serve AVR on this address.
    pub avr: Option<String>,
    /// Serve SBS on this address.
    pub sbs: Option<String>,
    /// Push the Beast output to these `host:port`s (a peer's Beast input port).
    pub beast_push: Vec<String>,
    /// Accept pushed input: (protocol, address).
    pub listen: Vec<(Protocol, String)>,
    /// Accept mlat-client connections (the protocol it speaks to mlat-server) here.
    pub mlat_server: Option<String>,
    /// Binds other than loopback are allowed.
    pub allow_remote: bool,
}

/// The default poll interval of `aircraft.json` receivers.
pub const DEFAULT_POLL: Duration = Duration::from_secs(1);

/// The default time the sinks get at the end.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// What the command line says (each `Some`/non-empty replaces the file's setting).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub inputs: Vec<PathBuf>,
    pub format: Option<String>,
    pub start: Option<String>,
    pub gps_clock: bool,
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    pub from: Option<String>,
    pub duration: Option<String>,
    pub speed: Option<f64>,
    pub receiver: Option<String>,
    pub rules: Option<PathBuf>,
    pub zones: Vec<PathBuf>,
    pub aircraft_db: Vec<PathBuf>,
    pub callsigns: Vec<PathBuf>,
    pub jsonl: Option<PathBuf>,
    pub drain_timeout: Option<String>,
    /// `--connect`, each `[NAME=]URL[@LAT,LON]`.
    pub connect: Vec<String>,
    pub beast_out: Option<String>,
    pub avr_out: Option<String>,
    pub sbs_out: Option<String>,
    pub beast_in: Option<String>,
    pub avr_in: Option<String>,
    /// `--mlat-server`: accept mlat-client connections here.
    pub mlat_server: Option<String>,
    pub beast_push: Vec<String>,
    pub allow_remote: bool,
    pub poll: Option<String>,
    /// Alerts go to the terminal as text: no default JSON lines on stdout.
    pub text: bool,
    /// `--http ADDR`.
    pub http: Option<String>,
    /// `--publish-receiver-position`.
    pub publish_receiver_position: bool,
    /// `--store DIR`.
    pub store: Option<PathBuf>,
    /// `--mlat true|false`.
    pub mlat: Option<bool>,
}

/// Parses `LAT,LON` in degrees.
pub fn parse_position(text: &str) -> Result<LatLon, String> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| format!("{text:?} is not LAT,LON (e.g. 10.54,-66.87)"))?;
    let lat: f64 = a
        .trim()
        .parse()
        .map_err(|_| format!("latitude {:?} is not a number", a.trim()))?;
    let lon: f64 = b
        .trim()
        .parse()
        .map_err(|_| format!("longitude {:?} is not a number", b.trim()))?;
    check_position(lat, lon)
}

fn check_position(lat: f64, lon: f64) -> Result<LatLon, String> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("latitude {lat} is outside -90..90"));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("longitude {lon} is outside -180..180"));
    }
    Ok(LatLon::new(lat, lon))
}

/// A configuration error at a place in a file.
fn at(file: &str, text: &str, span: Range<usize>, what: impl fmt::Display) -> anyhow::Error {
    anyhow!("{}:{}: {what}", file, line_of(text, span.start))
}

/// A TOML error as `file:line: what (`the line`)`.
pub fn toml_error(name: &str, text: &str, e: &toml::de::Error) -> anyhow::Error {
    let line = e.span().map_or(1, |s| line_of(text, s.start));
    let what = e.message().trim_end();
    match text.lines().nth(line - 1).map(str::trim) {
        Some(l) if !l.is_empty() && l.len() <= 120 => anyhow!("{name}:{line}: {what} (`{l}`)"),
        _ => anyhow!("{name}:{line}: {what}"),
    }
}

/// Reads and checks a configuration file.
fn read_file(path: &Path) -> Result<(File, String, String)> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
    let file: File = toml::from_str(&text).map_err(|e| toml_error(&name, &text, &e))?;
    Ok((file, text, name))
}

impl Settings {
    /// Reads the configuration file (if any) and applies the flags over it.
    pub fn resolve(config: Option<&Path>, flags: Overrides) -> Result<Settings> {
        let (file, text, name) = match config {
            Some(p) => read_file(p)?,
            None => (File::default(), String::new(), String::new()),
        };
        let base = config
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let rel = |p: &str| -> PathBuf {
            let p = PathBuf::from(p);
            if p.is_absolute() || p.as_os_str() == "-" {
                p
            } else {
                base.join(p)
            }
        };

        // Receiver.
        let mut receiver = None;
        let mut range_nm = None;
        let mut live_receivers: Vec<ReceiverSpec> = Vec::new();
        let tables: Vec<ReceiverTable> = match file.receiver.as_ref().map(|r| r.get_ref()) {
            None => Vec::new(),
            Some(v) => {
                let span = file.receiver.as_ref().map_or(0..0, |r| r.span());
                let one = |v: &toml::Value| -> Result<ReceiverTable> {
                    ReceiverTable::deserialize(v.clone()).map_err(|e| {
                        at(
                            &name,
                            &text,
                            span.clone(),
                            format!("[receiver]: {}", e.message().trim_end()),
                        )
                    })
                };
                match v {
                    toml::Value::Array(a) => a.iter().map(one).collect::<Result<_>>()?,
                    v => vec![one(v)?],
                }
            }
        };
        let receiver_span = file.receiver.as_ref().map_or(0..0, |r| r.span());
        for (i, r) in tables.iter().enumerate() {
            let Some(url) = &r.connect else { continue };
            let e = |m: String| {
                at(
                    &name,
                    &text,
                    receiver_span.clone(),
                    format!("[[receiver]] {}: {m}", i + 1),
                )
            };
            let endpoint: Endpoint = url.parse().map_err(|x: anyhow::Error| e(format!("{x:#}")))?;
            let position = match (&r.position, r.lat, r.lon) {
                (Some(p), None, None) => Some(parse_position(p).map_err(e)?),
                (None, Some(lat), Some(lon)) => Some(check_position(lat, lon).map_err(e)?),
                (None, None, None) => None,
                _ => return Err(e("give lat and lon, or position = \"LAT,LON\"".into())),
            };
            let start = match &r.start {
                Some(t) => Some(
                    picket_receive::time::parse_time(t)
                        .ok_or_else(|| e(format!("start {t:?} is not an RFC 3339 time or Unix seconds")))?,
                ),
                None => None,
            };
            live_receivers.push(ReceiverSpec {
                name: r.name.clone().unwrap_or_else(|| format!("rx{i}")),
                endpoint,
                position,
                alt_m: match r.alt {
                    Some(a) if !(a.is_finite() && a.abs() < 100_000.0) => {
                        return Err(e(format!("alt {a} is not a height in metres")))
                    }
                    a => a,
                },
                clock: if r.gps_clock.unwrap_or(false) {
                    ClockKind::GpsTimeOfDay
                } else {
                    ClockKind::Ticks12Mhz
                },
                start,
            });
        }
        if let Some(r) = tables.iter().find(|r| r.connect.is_none()) {
            let span = receiver_span.clone();
            receiver = Some(match (&r.position, r.lat, r.lon) {
                (Some(p), None, None) => parse_position(p).map_err(|e| at(&name, &text, span.clone(), e))?,
                (None, Some(lat), Some(lon)) => {
                    check_position(lat, lon).map_err(|e| at(&name, &text, span.clone(), e))?
                }
                _ => {
                    return Err(at(
                        &name,
                        &text,
                        span,
                        "[receiver] needs either lat and lon, or position = \"LAT,LON\"",
                    ))
                }
            });
            if let Some(n) = r.range_nm {
                if !(n > 0.0 && n <= 1000.0) {
                    return Err(at(&name, &text, span, format!("range_nm {n} is outside 0..1000")));
                }
                range_nm = Some(n);
            }
        }
        if let Some(p) = &flags.receiver {
            receiver = Some(parse_position(p).map_err(|e| anyhow!("--receiver: {e}"))?);
        }
        if !flags.connect.is_empty() {
            live_receivers = flags
                .connect
                .iter()
                .enumerate()
                .map(|(i, c)| ReceiverSpec::parse_flag(c, i).map_err(|e| anyhow!("--connect: {e:#}")))
                .collect::<Result<_>>()?;
        }
        // --start and --gps-clock apply to the connections given on the command line.
        let flag_start = match &flags.start {
            Some(t) if !flags.connect.is_empty() => Some(
                picket_receive::time::parse_time(t)
                    .ok_or_else(|| anyhow!("--start {t:?} is not an RFC 3339 time or Unix seconds"))?,
            ),
            _ => None,
        };
        if !flags.connect.is_empty() {
            for r in &mut live_receivers {
                r.start = flag_start;
                if flags.gps_clock {
                    r.clock = ClockKind::GpsTimeOfDay;
                }
            }
        }

        // Outputs.
        let out = file
            .output
            .as_ref()
            .map(|o| o.get_ref().clone())
            .unwrap_or_default();
        let mut listen = Vec::new();
        if let Some(a) = flags.beast_in.clone().or(out.beast_in) {
            listen.push((Protocol::Beast, a));
        }
        if let Some(a) = flags.avr_in.clone().or(out.avr_in) {
            listen.push((Protocol::Avr, a));
        }
        let outputs = OutputSettings {
            beast: flags.beast_out.clone().or(out.beast),
            avr: flags.avr_out.clone().or(out.avr),
            sbs: flags.sbs_out.clone().or(out.sbs),
            beast_push: if flags.beast_push.is_empty() {
                out.beast_push.map(OneOrMany::into_vec).unwrap_or_default()
            } else {
                flags.beast_push.clone()
            },
            listen,
            mlat_server: flags.mlat_server.clone().or(out.mlat_server),
            allow_remote: flags.allow_remote || out.allow_remote.unwrap_or(false),
        };
        let poll_interval = match &flags.poll {
            Some(s) => picket_sim::time::parse_duration(s)
                .map(|s| Seconds(s).duration())
                .map_err(|_| anyhow!("--poll {s:?} is not a duration"))?,
            None => file.poll.map_or(DEFAULT_POLL, Seconds::duration),
        };
        if poll_interval < Duration::from_millis(100) {
            bail!("poll interval {poll_interval:?} is below 100 ms");
        }

        // Input.
        let input = file.input.as_ref().map(|i| i.get_ref());
        let input_span = file.input.as_ref().map(|i| i.span()).unwrap_or(0..0);
        let files: Vec<PathBuf> = input
            .and_then(|i| i.files.clone())
            .map(|f| f.into_vec().iter().map(|p| rel(p)).collect())
            .unwrap_or_default();
        let file_scenario = input.and_then(|i| i.scenario.clone());
        if !files.is_empty() && file_scenario.is_some() {
            return Err(at(
                &name,
                &text,
                input_span,
                "[input] has both files and scenario; give one",
            ));
        }
        // `--input name=..,lat=..,lon=..,path=FILE`: a recording with its receiver.
        let mut file_receivers = Vec::new();
        let mut input_paths = Vec::new();
        for p in &flags.inputs {
            match p.to_str() {
                Some(t) if crate::mlat::FileReceiver::is_spec(t) => {
                    let r = crate::mlat::FileReceiver::parse(t)?;
                    input_paths.push(r.path.clone());
                    file_receivers.push(Some(r));
                }
                _ => {
                    input_paths.push(p.clone());
                    file_receivers.push(None);
                }
            }
        }
        if file_receivers.iter().all(Option::is_none) {
            file_receivers.clear();
        }
        let source = if !flags.inputs.is_empty() {
            Source::Files(input_paths)
        } else if let Some(s) = &flags.scenario {
            Source::Scenario {
                name: s.clone(),
                seed: flags.seed.or(input.and_then(|i| i.seed)),
                from: flags.from.clone().or(input.and_then(|i| i.from.clone())),
                duration: flags.duration.clone().or(input.and_then(|i| i.duration.clone())),
            }
        } else if let Some(s) = file_scenario {
            // A scenario file named in the config is relative to it; a built-in name is not.
            let name_or_path = if s.ends_with(".toml") {
                rel(&s).display().to_string()
            } else {
                s
            };
            Source::Scenario {
                name: name_or_path,
                seed: flags.seed.or(input.and_then(|i| i.seed)),
                from: flags.from.clone().or(input.and_then(|i| i.from.clone())),
                duration: flags.duration.clone().or(input.and_then(|i| i.duration.clone())),
            }
        } else if !flags.connect.is_empty() || (!live_receivers.is_empty() && files.is_empty()) {
            Source::Live {
                receivers: live_receivers,
            }
        } else if !files.is_empty() {
            Source::Files(files)
        } else if !outputs.listen.is_empty() || outputs.mlat_server.is_some() {
            Source::Live {
                receivers: Vec::new(),
            }
        } else {
            bail!("no input: give --input FILE, --scenario NAME, --connect URL, or [input] or [[receiver]] in the configuration file");
        };
        if outputs.mlat_server.is_some() && !matches!(source, Source::Live { .. }) {
            bail!(
                "--mlat-server (mlat_server) is live input: it cannot be combined with files or a scenario"
            );
        }
        if !outputs.listen.is_empty() && !matches!(source, Source::Live { .. }) {
            bail!("pushed input (--beast-in, --avr-in, beast_in, avr_in) is live input: it cannot be combined with files or a scenario");
        }
        if matches!(source, Source::Files(_))
            && (flags.seed.is_some() || flags.from.is_some() || flags.duration.is_some())
        {
            bail!("--seed, --from and --duration apply to --scenario only");
        }
        let speed = flags.speed.or(input.and_then(|i| i.speed));
        if let Some(s) = speed {
            if !(s.is_finite() && s > 0.0) {
                bail!("speed {s} must be a number greater than 0");
            }
        }

        // Rules, zones, databases.
        let rules = flags.rules.clone().or(file.rules.as_deref().map(rel));
        let zones = if flags.zones.is_empty() {
            file.zones
                .clone()
                .map(|z| z.into_vec().iter().map(|p| rel(p)).collect())
                .unwrap_or_default()
        } else {
            flags.zones.clone()
        };
        let aircraft_db = if flags.aircraft_db.is_empty() {
            file.aircraft_db
                .clone()
                .map(|z| z.into_vec().iter().map(|p| rel(p)).collect())
                .unwrap_or_default()
        } else {
            flags.aircraft_db.clone()
        };
        let callsigns = if flags.callsigns.is_empty() {
            file.callsigns
                .clone()
                .map(|z| z.into_vec().iter().map(|p| rel(p)).collect())
                .unwrap_or_default()
        } else {
            flags.callsigns.clone()
        };

        // Tokens.
        let mut tokens = BTreeMap::new();
        for (key, value) in &file.tokens {
            let v = match value.get_ref() {
                TokenValue::Literal(s) => s.clone(),
                TokenValue::Source(TokenSource {
                    env: Some(var),
                    file: None,
                }) => std::env::var(var).map_err(|_| {
                    at(
                        &name,
                        &text,
                        value.span(),
                        format!("token {key}: environment variable {var} is not set"),
                    )
                })?,
                TokenValue::Source(TokenSource {
                    env: None,
                    file: Some(f),
                }) => {
                    let p = rel(f);
                    std::fs::read_to_string(&p)
                        .map(|s| s.trim().to_string())
                        .map_err(|e| {
                            at(
                                &name,
                                &text,
                                value.span(),
                                format!("token {key}: cannot read {}: {e}", p.display()),
                            )
                        })?
                }
                TokenValue::Source(_) => {
                    return Err(at(
                        &name,
                        &text,
                        value.span(),
                        format!("token {key}: give a string, {{ env = \"VAR\" }} or {{ file = \"path\" }}"),
                    ))
                }
            };
            tokens.insert(key.clone(), v);
        }

        // Sinks.
        let mut sinks: Vec<SinkSpec> = file
            .sink
            .iter()
            .map(|s| {
                let mut table = s.get_ref().clone();
                if table.kind == "jsonl" {
                    if let Some(p) = &table.path {
                        table.path = Some(rel(p).display().to_string());
                    }
                }
                SinkSpec {
                    table,
                    origin: Origin {
                        file: name.clone(),
                        line: line_of(&text, s.span().start),
                    },
                }
            })
            .collect();
        if let Some(p) = &flags.jsonl {
            sinks.push(SinkSpec {
                table: SinkTable {
                    kind: "jsonl".into(),
                    name: Some("--jsonl".into()),
                    path: Some(p.display().to_string()),
                    ..SinkTable::default()
                },
                origin: Origin {
                    file: "<command line>".into(),
                    line: 0,
                },
            });
        }
        if sinks.is_empty() && !flags.text {
            sinks.push(SinkSpec {
                table: SinkTable {
                    kind: "jsonl".into(),
                    name: Some("stdout".into()),
                    path: Some("-".into()),
                    ..SinkTable::default()
                },
                origin: Origin {
                    file: "<default>".into(),
                    line: 0,
                },
            });
        }

        let drain_timeout = match &flags.drain_timeout {
            Some(s) => picket_receive::time::parse_duration(s)
                .map(|s| Seconds(s).duration())
                .map_err(|_| anyhow!("--drain-timeout {s:?} is not a duration"))?,
            None => file.drain_timeout.map_or(DEFAULT_DRAIN, Seconds::duration),
        };

        Ok(Settings {
            source,
            format: flags.format.or(input.and_then(|i| i.format.clone())),
            start: flags.start.or(input.and_then(|i| i.start.clone())),
            gps_clock: flags.gps_clock || input.and_then(|i| i.gps_clock).unwrap_or(false),
            speed,
            receiver,
            range_nm,
            rules,
            zones,
            builtin_zones: file.builtin_zones.unwrap_or(true),
            aircraft_db,
            callsigns,
            sinks,
            tokens,
            drain_timeout,
            outputs,
            poll_interval,
            http: flags.http.clone().or(file.http),
            publish_receiver_position: flags.publish_receiver_position
                || file.publish_receiver_position.unwrap_or(false),
            store: flags.store.clone().or(file.store.as_deref().map(rel)),
            mlat: flags.mlat.or(file.mlat),
            file_receivers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_config(text: &str) -> (tempdir::Dir, PathBuf) {
        let dir = tempdir::Dir::new();
        let path = dir.path().join("picket.toml");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        (dir, path)
    }

    /// A temporary directory removed on drop (std only).
    mod tempdir {
        use std::path::{Path, PathBuf};
        use std::sync::atomic::{AtomicU32, Ordering};

        static N: AtomicU32 = AtomicU32::new(0);

        pub(super) struct Dir(PathBuf);

        impl Dir {
            pub(super) fn new() -> Dir {
                let p = std::env::temp_dir().join(format!(
                    "picket-config-test-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub(super) fn path(&self) -> &Path {
                &self.0
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn a_full_file_resolves_with_paths_relative_to_it() {
        let (dir, path) = write_config(
            r#"
rules = "rules.toml"
zones = ["a.geojson", "/abs/b.geojson"]
aircraft_db = "aircraft.csv.gz"
drain_timeout = "3s"

[receiver]
lat = 10.54
lon = -66.87
range_nm = 250

[input]
files = ["x.beast"]
start = "2024-01-01T00:00:00Z"

[tokens]
hook = "secret"

[[sink]]
type = "jsonl"
path = "alerts.jsonl"

[[sink]]
type = "webhook"
name = "discord"
url = "https://example.invalid/{{token.hook}}"
"#,
        );
        let s = Settings::resolve(Some(&path), Overrides::default()).unwrap();
        assert_eq!(s.source, Source::Files(vec![dir.path().join("x.beast")]));
        assert_eq!(s.rules, Some(dir.path().join("rules.toml")));
        assert_eq!(
            s.zones,
            vec![dir.path().join("a.geojson"), PathBuf::from("/abs/b.geojson")]
        );
        assert_eq!(s.aircraft_db, vec![dir.path().join("aircraft.csv.gz")]);
        assert_eq!(s.receiver, Some(LatLon::new(10.54, -66.87)));
        assert_eq!(s.range_nm, Some(250.0));
        assert_eq!(s.drain_timeout, Duration::from_secs(3));
        assert_eq!(s.tokens["hook"], "secret");
        assert_eq!(s.sinks.len(), 2);
        assert_eq!(
            s.sinks[0].table.path.as_deref(),
            Some(dir.path().join("alerts.jsonl").to_str().unwrap())
        );
        assert_eq!(s.sinks[1].origin.line, 23);
    }

    #[test]
    fn flags_override_the_file() {
        let (_dir, path) = write_config(
            "rules = \"r.toml\"\n[receiver]\nposition = \"1,2\"\n[input]\nscenario = \"caracas\"\nspeed = 4\n",
        );
        let flags = Overrides {
            inputs: vec![PathBuf::from("/tmp/in.beast")],
            receiver: Some("-33.5,151.25".into()),
            rules: Some(PathBuf::from("/tmp/other.toml")),
            speed: Some(2.0),
            ..Overrides::default()
        };
        let s = Settings::resolve(Some(&path), flags).unwrap();
        assert_eq!(s.source, Source::Files(vec![PathBuf::from("/tmp/in.beast")]));
        assert_eq!(s.receiver, Some(LatLon::new(-33.5, 151.25)));
        assert_eq!(s.rules, Some(PathBuf::from("/tmp/other.toml")));
        assert_eq!(s.speed, Some(2.0));
        // The default sink is JSON lines on stdout.
        assert_eq!(s.sinks[0].table.kind, "jsonl");
        assert_eq!(s.sinks[0].table.path.as_deref(), Some("-"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        for (text, line, what) in [
            (
                "rules = \"r\"\n\n[receiver]\nlat = 100\nlon = 0\n",
                3,
                "latitude 100",
            ),
            ("[input]\nscenario = \"caracas\"\nspead = 3\n", 3, "spead"),
            (
                "[input]\nscenario = \"x\"\n\n[[sink]]\ntype = \"mqtt\"\nport = \"x\"\n",
                6,
                "port",
            ),
            ("zones = [\"a\"\n", 1, ""),
            (
                "[input]\nscenario = \"x\"\n[tokens]\nt = { env = \"PICKET_NO_SUCH_VAR_X\" }\n",
                4,
                "PICKET_NO_SUCH_VAR_X",
            ),
            (
                "drain_timeout = \"soon\"\n[input]\nscenario = \"x\"\n",
                1,
                "not a duration",
            ),
        ] {
            let (_dir, path) = write_config(text);
            let e = Settings::resolve(Some(&path), Overrides::default())
                .unwrap_err()
                .to_string();
            let want = format!("{}:{line}: ", path.display());
            assert!(e.starts_with(&want), "{text:?}: {e}");
            assert!(e.contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn positions_are_checked() {
        assert_eq!(parse_position(" 10.5 , -66.25"), Ok(LatLon::new(10.5, -66.25)));
        assert!(parse_position("10.5").is_err());
        assert!(parse_position("10.5,x").is_err());
        assert!(parse_position("10.5,200").is_err());
    }

    #[test]
    fn durations_read_strings_and_numbers() {
        #[derive(Deserialize)]
        struct T {
            a: Seconds,
            b: Seconds,
            c: Seconds,
        }
        let t: T = toml::from_str("a = \"250ms\"\nb = 3\nc = 1.5").unwrap();
        assert_eq!((t.a.0, t.b.0, t.c.0), (0.25, 3.0, 1.5));
        assert!(toml::from_str::<T>("a = -1\nb = 1\nc = 1").is_err());
    }
}
