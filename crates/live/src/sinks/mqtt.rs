//! The `mqtt` sink: MQTT 3.1.1 through rumqttc (a maintained client), plain or TLS, with
//! Home Assistant discovery.
//!
//! Topics (prefix `picket` by default):
//! - `picket/status`: `online` / `offline` (retained; `offline` is also the last will);
//! - `picket/alert`: every alert's JSON (docs/events.md), not retained;
//! - `picket/last_alert`: the last alert, retained: `summary`, `kind`, `phase`, `rule`,
//!   `hex`, `flight`, `registration`, `type`, `place`, `time` and the whole `alert`;
//! - `picket/counts`: alerts since start, retained: `total` and one count per event kind.
//!
//! Home Assistant discovery (retained, under `homeassistant/` by default) describes one
//! device with a "last alert" sensor, a total and a counter per event kind, all bound to
//! the availability topic.
//!
//! Delivery: up to [`MAX_ALERTS_HELD`] alerts are in flight at once (their publishes go out
//! without waiting for each acknowledgement; packet identifiers are picket's, at most
//! [`MAX_PACKET_IDS`]). The session is persistent (clean session off): after a lost
//! connection, when the broker still has the session, the publishes it did not acknowledge
//! are sent again with their packet identifiers and the DUP flag; when it has not (a broker
//! restart), they are sent again as new publishes (DUP clear, as MQTT 3.1.1 section 3.3.1.1
//! wants for a first delivery in a session). An alert counts as sent when its `alert`
//! publish is acknowledged (QoS 1) or written (QoS 0). Connections are re-made with
//! exponential backoff; the queue in front of the sink drops (and counts) what does not fit.

use anyhow::{anyhow, bail, Context as _, Result};
use picket_receive::json::JsonObject;
use picket_world::events::EventKind;
use rumqttc::{
    Event, EventLoop, Incoming, LastWill, MqttOptions, Outgoing, Publish, QoS, Request, TlsConfiguration,
    Transport,
};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc as tmpsc;
use tokio::time::Instant;

use super::template::{Escape, Template};
use super::{Backoff, Control, Delivery, Runtime};
use crate::config::SinkTable;

/// The quality of service of the publishes (QoS 2 is not offered: alerts are idempotent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Qos {
    /// Fire and forget.
    AtMostOnce,
    /// Acknowledged; sent again until acknowledged.
    AtLeastOnce,
}

impl Qos {
    fn rumqttc(self) -> QoS {
        match self {
            Qos::AtMostOnce => QoS::AtMostOnce,
            Qos::AtLeastOnce => QoS::AtLeastOnce,
        }
    }
}

/// Most alerts the sink holds beyond its queue (in flight or waiting for a connection).
pub(crate) const MAX_ALERTS_HELD: usize = 16;

/// Packet identifiers in use at most: three publishes per alert held, and the announcement
/// (status, discovery, counters) of a connection.
pub(crate) const MAX_PACKET_IDS: u16 = 3 * MAX_ALERTS_HELD as u16 + 32;

/// Settings of an `mqtt` sink.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MqttConfig {
    /// Broker host name or address.
    pub(crate) host: String,
    /// Broker port.
    pub(crate) port: u16,
    /// Client identifier.
    pub(crate) client_id: String,
    /// User name.
    pub(crate) username: Option<String>,
    /// Password.
    pub(crate) password: Option<String>,
    /// Topic prefix.
    pub(crate) topic: String,
    /// QoS of the alerts (0 or 1).
    pub(crate) qos: Qos,
    /// Publish Home Assistant discovery messages.
    pub(crate) discovery: bool,
    /// Home Assistant's discovery prefix.
    pub(crate) discovery_prefix: String,
    /// Node id: the device's id in Home Assistant and part of every unique id.
    pub(crate) node_id: String,
    /// Keep-alive interval.
    pub(crate) keep_alive: Duration,
    /// Time allowed to connect and for each acknowledgement.
    pub(crate) timeout: Duration,
    /// Waits between connection attempts.
    pub(crate) backoff: Backoff,
    /// TLS: `None` for plain TCP; else the CA certificates file (PEM) to trust, or `None`
    /// inside for Mozilla's roots.
    pub(crate) tls: Option<Option<PathBuf>>,
}

fn constant(field: &str, text: &str, tokens: &BTreeMap<String, String>) -> Result<String> {
    let t = Template::parse(text, Escape::None, tokens).map_err(|e| anyhow!("{field}: {e}"))?;
    match t.constant() {
        Some(s) => Ok(s.to_string()),
        None => bail!("{field}: only {{{{token.NAME}}}} placeholders are allowed here"),
    }
}

fn topic_ok(t: &str) -> bool {
    !t.is_empty() && !t.contains(['+', '#', '\0']) && !t.starts_with('/') && !t.ends_with('/')
}

impl MqttConfig {
    /// Reads the settings from a `[[sink]]` table, filling tokens.
    pub(crate) fn from_table(t: &SinkTable, tokens: &BTreeMap<String, String>) -> Result<MqttConfig> {
        let Some(host) = t.host.clone() else {
            bail!("an mqtt sink needs a host");
        };
        let node_id = t.node_id.clone().unwrap_or_else(|| "picket".into());
        if node_id.is_empty()
            || !node_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            bail!("node_id {node_id:?} may hold only letters, digits, _ and -");
        }
        let topic = t.topic.clone().unwrap_or_else(|| "picket".into());
        if !topic_ok(&topic) {
            bail!("topic {topic:?} must be a topic name without wildcards or leading/trailing /");
        }
        let discovery_prefix = t
            .discovery_prefix
            .clone()
            .unwrap_or_else(|| "homeassistant".into());
        if !topic_ok(&discovery_prefix) {
            bail!("discovery_prefix {discovery_prefix:?} is not a topic name");
        }
        let qos = match t.qos.unwrap_or(1) {
            0 => Qos::AtMostOnce,
            1 => Qos::AtLeastOnce,
            q => bail!("qos {q} is not supported (0 or 1)"),
        };
        let keep_alive = t.keep_alive.map_or(Duration::from_secs(30), |s| s.duration());
        if keep_alive < Duration::from_secs(1) || keep_alive.as_secs() > u16::MAX as u64 {
            bail!("keep_alive must be between 1 s and 18 h");
        }
        let client_id = t.client_id.clone().unwrap_or_else(|| format!("picket-{node_id}"));
        let tls = match (t.tls.unwrap_or(false), &t.ca_file) {
            (false, Some(_)) => bail!("ca_file is a setting of TLS: set tls = true too"),
            (false, None) => None,
            (true, ca) => Some(ca.as_ref().map(PathBuf::from)),
        };
        if client_id.len() > 65_535 {
            bail!("client_id is too long");
        }
        Ok(MqttConfig {
            host,
            port: t.port.unwrap_or(if tls.is_some() { 8883 } else { 1883 }),
            client_id,
            username: t
                .username
                .as_deref()
                .map(|u| constant("username", u, tokens))
                .transpose()?,
            password: t
                .password
                .as_deref()
                .map(|p| constant("password", p, tokens))
                .transpose()?,
            topic,
            qos,
            discovery: t.discovery.unwrap_or(true),
            discovery_prefix,
            node_id,
            keep_alive,
            timeout: t.timeout.map_or(Duration::from_secs(5), |s| s.duration()),
            backoff: Backoff {
                first: t.backoff.map_or(Duration::from_secs(1), |s| s.duration()),
                max: t.backoff_max.map_or(Duration::from_secs(60), |s| s.duration()),
            },
            tls,
        })
    }

    /// Builds the publisher (it connects on its thread). A CA file that cannot be read or
    /// holds no certificate is an error here, before the run starts.
    pub(crate) fn build(self) -> Result<Mqtt> {
        let tls = match &self.tls {
            None => None,
            Some(ca) => Some(Arc::new(tls_config(ca.as_deref())?)),
        };
        Ok(Mqtt {
            cfg: self,
            tls,
            counts: [0; EventKind::ALL.len()],
            total: 0,
        })
    }

    fn options(&self, tls: Option<&Arc<rustls::ClientConfig>>) -> MqttOptions {
        let mut o = MqttOptions::new(self.client_id.clone(), self.host.clone(), self.port);
        o.set_keep_alive(self.keep_alive)
            .set_clean_session(false)
            .set_inflight(MAX_PACKET_IDS)
            .set_max_packet_size(1 << 20, 1 << 20)
            .set_last_will(LastWill::new(
                self.status_topic(),
                "offline",
                QoS::AtLeastOnce,
                true,
            ));
        if let (Some(u), p) = (&self.username, &self.password) {
            o.set_credentials(u.clone(), p.clone().unwrap_or_default());
        }
        if let Some(c) = tls {
            o.set_transport(Transport::Tls(TlsConfiguration::Rustls(c.clone())));
        }
        o
    }

    fn status_topic(&self) -> String {
        format!("{}/status", self.topic)
    }

    /// The discovery messages: (topic, payload), retained.
    pub(crate) fn discovery_messages(&self) -> Vec<(String, String)> {
        let node = &self.node_id;
        let device = |o: &mut JsonObject<'_>| {
            let mut d = o.object("device");
            d.raw("identifiers", &format!("[\"{node}\"]"))
                .str("name", "picket")
                .str("manufacturer", "picket")
                .str("model", "picket run")
                .str("sw_version", env!("CARGO_PKG_VERSION"));
        };
        let mut out = Vec::new();
        let mut sensor =
            |object: &str, name: &str, state: &str, template: &str, icon: &str, counter: bool| {
                let mut s = String::with_capacity(512);
                {
                    let mut o = JsonObject::new(&mut s);
                    o.str("name", name)
                        .str("unique_id", &format!("{node}_{object}"))
                        .str("object_id", &format!("{node}_{object}"))
                        .str("state_topic", state)
                        .str("value_template", template)
                        .str("availability_topic", &self.status_topic())
                        .str("icon", icon);
                    if counter {
                        o.str("state_class", "total_increasing")
                            .str("unit_of_measurement", "alerts");
                    } else {
                        o.str("json_attributes_topic", state);
                    }
                    device(&mut o);
                }
                out.push((
                    format!("{}/sensor/{node}/{object}/config", self.discovery_prefix),
                    s,
                ));
            };
        let last = format!("{}/last_alert", self.topic);
        let counts = format!("{}/counts", self.topic);
        sensor(
            "last_alert",
            "Last alert",
            &last,
            "{{ value_json.summary }}",
            "mdi:airplane-alert",
            false,
        );
        sensor(
            "alerts_total",
            "Alerts",
            &counts,
            "{{ value_json.total }}",
            "mdi:counter",
            true,
        );
        for k in EventKind::ALL {
            let label = k.as_str().replace('_', " ");
            let mut name = format!("{label} alerts");
            name[..1].make_ascii_uppercase();
            sensor(
                &format!("{}_alerts", k.as_str()),
                &name,
                &counts,
                &format!("{{{{ value_json.{} }}}}", k.as_str()),
                "mdi:counter",
                true,
            );
        }
        out
    }
}

/// The TLS settings: ring as the crypto provider, the CA file's certificates or Mozilla's
/// roots.
fn tls_config(ca_file: Option<&std::path::Path>) -> Result<rustls::ClientConfig> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("ca_file {}", path.display()))?
                .collect::<Result<_, _>>()
                .with_context(|| format!("ca_file {}", path.display()))?;
            if certs.is_empty() {
                bail!("ca_file {}: no certificate in it", path.display());
            }
            for c in certs {
                roots
                    .add(c)
                    .with_context(|| format!("ca_file {}", path.display()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A running `mqtt` sink.
#[derive(Debug)]
pub(crate) struct Mqtt {
    cfg: MqttConfig,
    tls: Option<Arc<rustls::ClientConfig>>,
    counts: [u64; EventKind::ALL.len()],
    total: u64,
}

fn kind_index(k: EventKind) -> usize {
    EventKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// Home Assistant keeps at most 255 characters of a sensor state.
const STATE_MAX: usize = 255;

/// What a publish is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The `alert` publish of an alert: its acknowledgement makes the alert sent.
    Alert,
    /// `last_alert` and `counts` after an alert.
    Companion,
    /// Status, discovery and counters announced on each connection.
    Announce,
    /// `offline` at the end.
    Goodbye,
}

/// Where a publish is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for a connection or a packet identifier.
    Queued,
    /// Handed to the client (in its pending list); `written` once it went out on this
    /// connection.
    Issued { written: bool },
}

/// One publish of the outbox.
#[derive(Debug)]
struct Entry {
    id: u64,
    publish: Publish,
    role: Role,
    stage: Stage,
}

/// The publishes not yet done, in the order they were made, and the packet identifiers
/// they hold.
#[derive(Debug, Default)]
struct Outbox {
    entries: VecDeque<Entry>,
    /// Ids of the entries handed to the client and not yet written, in hand-over order
    /// (the client writes its pending list in order).
    unwritten: VecDeque<u64>,
    next_id: u64,
    used: Vec<bool>,
}

impl Outbox {
    fn new() -> Outbox {
        Outbox {
            used: vec![false; usize::from(MAX_PACKET_IDS) + 1],
            ..Outbox::default()
        }
    }

    fn push(&mut self, publish: Publish, role: Role) {
        self.next_id += 1;
        self.entries.push_back(Entry {
            id: self.next_id,
            publish,
            role,
            stage: Stage::Queued,
        });
    }

    fn alerts_held(&self) -> usize {
        self.entries.iter().filter(|e| e.role == Role::Alert).count()
    }

    fn free_packet_id(&mut self) -> Option<u16> {
        let p = (1..=MAX_PACKET_IDS).find(|&p| !self.used[usize::from(p)])?;
        self.used[usize::from(p)] = true;
        Some(p)
    }

    /// Hands the queued publishes to the client, in order, as far as packet identifiers go.
    fn issue(&mut self, el: &mut EventLoop) {
        for i in 0..self.entries.len() {
            if self.entries[i].stage != Stage::Queued {
                continue;
            }
            if self.entries[i].publish.qos != QoS::AtMostOnce {
                let Some(p) = self.free_packet_id() else { break };
                self.entries[i].publish.pkid = p;
            }
            let e = &mut self.entries[i];
            e.publish.dup = false;
            e.stage = Stage::Issued { written: false };
            el.pending.push_back(Request::Publish(e.publish.clone()));
            self.unwritten.push_back(e.id);
        }
    }

    /// Removes a finished entry (acknowledged, or written at QoS 0); its role.
    fn finish(&mut self, index: usize) -> Role {
        let e = self.entries.remove(index).expect("an index of the outbox");
        if e.publish.pkid != 0 {
            self.used[usize::from(e.publish.pkid)] = false;
        }
        e.role
    }

    /// The client wrote a publish: the oldest one handed over.
    fn written(&mut self) -> Option<Role> {
        let id = self.unwritten.pop_front()?;
        let i = self.entries.iter().position(|e| e.id == id)?;
        if self.entries[i].publish.qos == QoS::AtMostOnce {
            return Some(self.finish(i));
        }
        self.entries[i].stage = Stage::Issued { written: true };
        None
    }

    /// The broker acknowledged packet `pkid`.
    fn acked(&mut self, pkid: u16) -> Option<Role> {
        let i = self
            .entries
            .iter()
            .position(|e| e.publish.pkid == pkid && matches!(e.stage, Stage::Issued { written: true }))?;
        Some(self.finish(i))
    }

    /// A new connection: what the client held is forgotten (its pending list is rebuilt
    /// here), the previous connection's announcement dropped, and every publish handed over
    /// before is handed over again first, in its order: with its packet identifier and the
    /// DUP flag when the broker kept the session and it had been written, as a new publish
    /// otherwise. Then `announce`, then the rest. Returns how many alerts are sent again.
    fn reconnected(&mut self, el: &mut EventLoop, session_present: bool, announce: Vec<Publish>) -> usize {
        el.pending.clear();
        self.unwritten.clear();
        let mut i = 0;
        while i < self.entries.len() {
            if self.entries[i].role == Role::Announce {
                self.finish(i);
            } else {
                i += 1;
            }
        }
        let mut again = 0;
        for e in self.entries.iter_mut() {
            let Stage::Issued { written } = e.stage else {
                continue;
            };
            e.publish.dup = session_present && written && e.publish.qos != QoS::AtMostOnce;
            e.stage = Stage::Issued { written: false };
            el.pending.push_back(Request::Publish(e.publish.clone()));
            self.unwritten.push_back(e.id);
            again += usize::from(e.role == Role::Alert);
        }
        // The announcement goes before the queued alerts.
        let first_queued = self
            .entries
            .iter()
            .position(|e| e.stage == Stage::Queued)
            .unwrap_or(self.entries.len());
        for (k, p) in announce.into_iter().enumerate() {
            self.next_id += 1;
            self.entries.insert(
                first_queued + k,
                Entry {
                    id: self.next_id,
                    publish: p,
                    role: Role::Announce,
                    stage: Stage::Queued,
                },
            );
        }
        self.issue(el);
        again
    }

    /// Connection lost: nothing is in the client's hands any more.
    fn disconnected(&mut self) {
        self.unwritten.clear();
    }
}

impl Mqtt {
    fn publish(&self, topic: String, payload: impl Into<Vec<u8>>, retain: bool) -> Publish {
        let mut p = Publish::new(topic, self.cfg.qos.rumqttc(), payload);
        p.retain = retain;
        p
    }

    /// What each connection announces: online, the discovery messages, the counters.
    fn announcement(&self) -> Vec<Publish> {
        let mut v = vec![self.publish(self.cfg.status_topic(), "online", true)];
        if self.cfg.discovery {
            for (topic, payload) in self.cfg.discovery_messages() {
                v.push(self.publish(topic, payload, true));
            }
        }
        v.push(self.publish(format!("{}/counts", self.cfg.topic), self.counts_json(), true));
        v
    }

    fn counts_json(&self) -> String {
        let mut s = String::with_capacity(256);
        let mut o = JsonObject::new(&mut s);
        o.num("total", self.total);
        for (k, n) in EventKind::ALL.iter().zip(self.counts) {
            o.num(k.as_str(), n);
        }
        o.finish();
        s
    }

    fn last_alert_json(d: &Delivery) -> String {
        let a = &d.alert;
        let mut summary: String = d.summary.chars().take(STATE_MAX).collect();
        if summary.len() < d.summary.len() {
            summary.pop();
            summary.push('…');
        }
        let mut s = String::with_capacity(d.json.len() + 256);
        let mut o = JsonObject::new(&mut s);
        o.str("summary", &summary)
            .str("kind", a.event.kind.as_str())
            .str("phase", a.event.phase.as_str())
            .str("rule", &a.rule)
            .display("hex", a.event.subject)
            .opt_str("flight", a.aircraft.flight.as_deref())
            .opt_str("registration", a.aircraft.registration.as_deref())
            .opt_str("type", a.aircraft.type_designator.as_deref());
        match &a.event.place {
            Some(picket_engine::event::Place::Zone { name, .. })
            | Some(picket_engine::event::Place::Airport { name, .. }) => {
                o.str("place", name);
            }
            None => {}
        }
        o.str("time", &crate::format_utc(a.event.time))
            .raw("alert", &d.json);
        o.finish();
        s
    }

    /// Queues one alert: the alert, the last alert and the counters.
    fn enqueue(&mut self, d: &Delivery, outbox: &mut Outbox) {
        self.counts[kind_index(d.alert.event.kind)] += 1;
        self.total += 1;
        let t = &self.cfg.topic;
        outbox.push(
            self.publish(format!("{t}/alert"), d.json.as_bytes(), false),
            Role::Alert,
        );
        outbox.push(
            self.publish(format!("{t}/last_alert"), Self::last_alert_json(d), true),
            Role::Companion,
        );
        outbox.push(
            self.publish(format!("{t}/counts"), self.counts_json(), true),
            Role::Companion,
        );
    }

    /// Drives the client until the queue is closed and everything is delivered, or the
    /// drain time is over.
    async fn drive(&mut self, mut el: EventLoop, mut input: tmpsc::Receiver<Arc<Delivery>>, ctl: &Control) {
        let broker = format!("{}:{}", self.cfg.host, self.cfg.port);
        let mut outbox = Outbox::new();
        let mut connected = false;
        let mut input_open = true;
        let mut failures = 0u32;
        let mut down_said = false;
        let mut retry_at: Option<Instant> = None;
        let mut goodbye = false;
        let mut leaving = false;
        loop {
            if ctl.expired() {
                break;
            }
            let done = !input_open && outbox.entries.iter().all(|e| e.role == Role::Announce);
            if done && !goodbye {
                if !connected {
                    break;
                }
                // Say offline (the will is not sent on DISCONNECT), then leave.
                goodbye = true;
                outbox.push(
                    self.publish(self.cfg.status_topic(), "offline", true),
                    Role::Goodbye,
                );
                outbox.issue(&mut el);
            }
            if goodbye && !leaving && outbox.entries.iter().all(|e| e.role != Role::Goodbye) {
                leaving = true;
                el.pending.push_back(Request::Disconnect(rumqttc::Disconnect));
            }
            // Not while a connection is being made: a new alert would cancel the attempt
            // (every other await of the client's poll can be cancelled safely).
            let take = input_open
                && !goodbye
                && (connected || retry_at.is_some())
                && outbox.alerts_held() < MAX_ALERTS_HELD;
            // While the run ends, wake up in time to notice the drain deadline.
            let check = ctl
                .deadline()
                .map(|d| Instant::from_std(d).min(Instant::now() + Duration::from_millis(50)));
            tokio::select! {
                biased;
                d = input.recv(), if take => match d {
                    Some(d) => {
                        self.enqueue(&d, &mut outbox);
                        if connected {
                            outbox.issue(&mut el);
                        }
                    }
                    None => input_open = false,
                },
                _ = tokio::time::sleep_until(retry_at.unwrap_or_else(Instant::now)), if retry_at.is_some() => {
                    retry_at = None;
                }
                _ = tokio::time::sleep_until(check.unwrap_or_else(Instant::now)), if check.is_some() => {}
                ev = el.poll(), if retry_at.is_none() => match ev {
                    Ok(Event::Incoming(Incoming::ConnAck(ack))) => {
                        connected = true;
                        // Events of the lost connection still buffered are not this one's.
                        el.state.events.clear();
                        failures = 0;
                        if down_said {
                            eprintln!("picket: sink {}: connected to {broker} again", ctl.name);
                            down_said = false;
                        }
                        let again = outbox.reconnected(&mut el, ack.session_present, self.announcement());
                        for _ in 0..again {
                            ctl.retried();
                        }
                    }
                    Ok(Event::Outgoing(Outgoing::Publish(_))) => {
                        if outbox.written() == Some(Role::Alert) {
                            ctl.sent();
                        }
                    }
                    Ok(Event::Incoming(Incoming::PubAck(a))) => {
                        if outbox.acked(a.pkid) == Some(Role::Alert) {
                            ctl.sent();
                        }
                    }
                    Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                        // The client writes DISCONNECT and flushes before telling.
                        return;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let was_connected = std::mem::replace(&mut connected, false);
                        outbox.disconnected();
                        if goodbye {
                            break;
                        }
                        if !down_said {
                            let what = if was_connected { "lost" } else { "cannot publish to" };
                            eprintln!("picket: sink {}: {what} {broker} ({e}); retrying with backoff", ctl.name);
                            down_said = true;
                        }
                        failures += 1;
                        if outbox.alerts_held() > 0 {
                            ctl.retried();
                        }
                        retry_at = Some(Instant::now() + ctl.bounded(self.cfg.backoff.delay(failures)));
                    }
                },
            }
        }
        // The drain time is over: give up what is left.
        let left = outbox.alerts_held() as u64;
        for _ in 0..left {
            ctl.failed();
        }
        input.close();
        while let Ok(_d) = input.try_recv() {
            ctl.failed();
        }
    }
}

impl Runtime for Mqtt {
    fn run(mut self: Box<Self>, rx: Receiver<Arc<Delivery>>, ctl: Control) {
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("picket: sink {}: cannot start its runtime ({e})", ctl.name);
                for _ in rx.iter() {
                    ctl.failed();
                }
                return;
            }
        };
        let mut options = self.cfg.options(self.tls.as_ref());
        options.set_request_channel_capacity(1);
        let mut el = EventLoop::new(options, 1);
        el.network_options
            .set_connection_timeout(ctl.bounded(self.cfg.timeout).as_secs().max(1));
        // The queue is a blocking channel: one thread hands its alerts over one at a time.
        let (tx, input) = tmpsc::channel::<Arc<Delivery>>(1);
        let hand = {
            let ctl = ctl.clone();
            std::thread::Builder::new()
                .name(format!("sink-{}-queue", ctl.name))
                .spawn(move || {
                    for d in rx.iter() {
                        if tx.blocking_send(d).is_err() {
                            // The sink gave up (drain time over): so does the rest.
                            ctl.failed();
                            ctl.fail_rest(&rx);
                            return;
                        }
                    }
                })
        };
        let hand = match hand {
            Ok(h) => h,
            Err(e) => {
                eprintln!("picket: sink {}: cannot start its queue thread ({e})", ctl.name);
                return;
            }
        };
        rt.block_on(self.drive(el, input, &ctl));
        let _ = hand.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SinkTable {
        SinkTable {
            kind: "mqtt".into(),
            host: Some("127.0.0.1".into()),
            ..SinkTable::default()
        }
    }

    #[test]
    fn defaults_and_tokens() {
        let tokens = BTreeMap::from([("pw".to_string(), "s3cret".to_string())]);
        let t = SinkTable {
            username: Some("picket".into()),
            password: Some("{{token.pw}}".into()),
            ..table()
        };
        let c = MqttConfig::from_table(&t, &tokens).unwrap();
        assert_eq!(c.port, 1883);
        assert_eq!(c.client_id, "picket-picket");
        assert_eq!(c.password.as_deref(), Some("s3cret"));
        assert_eq!(c.qos, Qos::AtLeastOnce);
        assert_eq!(c.topic, "picket");
        for (bad, what) in [
            (
                SinkTable {
                    topic: Some("a/#".into()),
                    ..table()
                },
                "wildcards",
            ),
            (
                SinkTable {
                    qos: Some(2),
                    ..table()
                },
                "qos 2",
            ),
            (
                SinkTable {
                    password: Some("{{summary}}".into()),
                    ..table()
                },
                "only {{token.NAME}}",
            ),
            (
                SinkTable {
                    host: None,
                    ..table()
                },
                "needs a host",
            ),
        ] {
            let e = MqttConfig::from_table(&bad, &tokens).unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }

    /// A broker played by the test over loopback, with rumqttc's packet codec.
    struct FakeBroker {
        stream: std::net::TcpStream,
        buf: bytes::BytesMut,
    }

    impl FakeBroker {
        fn accept(l: &std::net::TcpListener) -> FakeBroker {
            let (stream, _) = l.accept().unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            FakeBroker {
                stream,
                buf: bytes::BytesMut::new(),
            }
        }

        fn read(&mut self) -> rumqttc::Packet {
            use std::io::Read;
            loop {
                match rumqttc::Packet::read(&mut self.buf, 1 << 20) {
                    Ok(p) => return p,
                    Err(rumqttc::Error::InsufficientBytes(_)) => {}
                    Err(e) => panic!("bad packet from picket: {e:?}"),
                }
                let mut chunk = [0u8; 4096];
                let n = self.stream.read(&mut chunk).expect("picket sends within 20 s");
                assert!(n > 0, "picket closed the connection");
                self.buf.extend_from_slice(&chunk[..n]);
            }
        }

        fn connack(&mut self, session_present: bool) {
            match self.read() {
                rumqttc::Packet::Connect(c) => {
                    assert!(!c.clean_session, "the session is persistent");
                    assert_eq!(c.client_id, "picket-picket");
                }
                other => panic!("expected CONNECT, got {other:?}"),
            }
            let mut b = bytes::BytesMut::new();
            rumqttc::ConnAck::new(rumqttc::ConnectReturnCode::Success, session_present)
                .write(&mut b)
                .unwrap();
            self.send(&b);
        }

        fn send(&mut self, b: &[u8]) {
            use std::io::Write;
            self.stream.write_all(b).unwrap();
        }

        fn puback(&mut self, pkid: u16) {
            let mut b = bytes::BytesMut::new();
            rumqttc::PubAck::new(pkid).write(&mut b).unwrap();
            self.send(&b);
        }

        /// The next `n` publishes (pings are answered).
        fn publishes(&mut self, n: usize) -> Vec<Publish> {
            let mut v = Vec::new();
            while v.len() < n {
                match self.read() {
                    rumqttc::Packet::Publish(p) => v.push(p),
                    rumqttc::Packet::PingReq => self.send(&[0xd0, 0]),
                    other => panic!("expected PUBLISH, got {other:?}"),
                }
            }
            v
        }
    }

    fn fake_sink(
        port: u16,
    ) -> (
        std::sync::mpsc::SyncSender<Arc<Delivery>>,
        Control,
        std::thread::JoinHandle<()>,
    ) {
        fake_sink_with(port, 1)
    }

    fn fake_sink_with(
        port: u16,
        qos: u8,
    ) -> (
        std::sync::mpsc::SyncSender<Arc<Delivery>>,
        Control,
        std::thread::JoinHandle<()>,
    ) {
        let t = SinkTable {
            port: Some(port),
            discovery: Some(false),
            qos: Some(qos),
            backoff: Some(crate::config::Seconds(0.01)),
            backoff_max: Some(crate::config::Seconds(0.05)),
            ..table()
        };
        let m = MqttConfig::from_table(&t, &BTreeMap::new())
            .unwrap()
            .build()
            .unwrap();
        let ctl = Control {
            counters: Arc::default(),
            closing: Arc::new((
                std::sync::Mutex::new(super::super::Closing::default()),
                std::sync::Condvar::new(),
            )),
            name: "t".into(),
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        let c = ctl.clone();
        let worker = std::thread::spawn(move || Box::new(m).run(rx, c));
        (tx, ctl, worker)
    }

    fn topics(ps: &[Publish]) -> Vec<&str> {
        ps.iter().map(|p| p.topic.as_str()).collect()
    }

    #[test]
    fn unacknowledged_publishes_go_again_with_dup_only_in_a_resumed_session() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (tx, ctl, worker) = fake_sink(l.local_addr().unwrap().port());
        tx.send(Arc::new(Delivery::new(super::super::tests::landing())))
            .unwrap();

        // First connection: the announcement and the alert, nothing acknowledged.
        let mut b = FakeBroker::accept(&l);
        b.connack(false);
        let first = b.publishes(5);
        assert_eq!(
            topics(&first),
            [
                "picket/status",
                "picket/counts",
                "picket/alert",
                "picket/last_alert",
                "picket/counts"
            ]
        );
        assert!(first
            .iter()
            .all(|p| !p.dup && p.qos == QoS::AtLeastOnce && p.pkid != 0));
        drop(b);

        // The broker lost the session: the alert goes again as a new publish (no DUP), before
        // the new announcement.
        let mut b = FakeBroker::accept(&l);
        b.connack(false);
        let second = b.publishes(5);
        assert_eq!(
            topics(&second),
            [
                "picket/alert",
                "picket/last_alert",
                "picket/counts",
                "picket/status",
                "picket/counts"
            ]
        );
        assert!(second.iter().all(|p| !p.dup), "{second:?}");
        assert_eq!(second[0].payload, first[2].payload);
        drop(b);

        // The broker kept the session: the same packets again, same identifiers, DUP set;
        // the announcement is new (DUP clear).
        let mut b = FakeBroker::accept(&l);
        b.connack(true);
        let third = b.publishes(5);
        assert_eq!(topics(&third), topics(&second));
        for (p, q) in third[..3].iter().zip(&second[..3]) {
            assert!(p.dup, "{p:?}");
            assert_eq!((p.pkid, &p.payload), (q.pkid, &q.payload));
        }
        assert!(third[3..].iter().all(|p| !p.dup));
        for p in &third {
            b.puback(p.pkid);
        }
        // The end: offline, acknowledged, then DISCONNECT.
        drop(tx);
        let bye = b.publishes(1);
        assert_eq!(
            (bye[0].topic.as_str(), &bye[0].payload[..]),
            ("picket/status", &b"offline"[..])
        );
        b.puback(bye[0].pkid);
        assert_eq!(b.read(), rumqttc::Packet::Disconnect);
        worker.join().unwrap();
        let c = ctl.counters.values();
        assert_eq!((c.sent, c.failed), (1, 0));
        assert!(c.retried >= 2, "{c:?}");
    }

    #[test]
    fn alerts_go_out_without_waiting_for_each_acknowledgement() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (tx, ctl, worker) = fake_sink(l.local_addr().unwrap().port());
        for _ in 0..5 {
            tx.send(Arc::new(Delivery::new(super::super::tests::landing())))
                .unwrap();
        }
        let mut b = FakeBroker::accept(&l);
        b.connack(false);
        // 2 announced + 3 per alert, all before any acknowledgement (the old client sent one
        // and waited).
        let ps = b.publishes(2 + 15);
        assert_eq!(topics(&ps).iter().filter(|t| **t == "picket/alert").count(), 5);
        let mut ids: Vec<u16> = ps.iter().map(|p| p.pkid).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ps.len(), "distinct packet identifiers in flight");
        // Acknowledged out of order: every alert is sent all the same.
        for p in ps.iter().rev() {
            b.puback(p.pkid);
        }
        drop(tx);
        let bye = b.publishes(1);
        b.puback(bye[0].pkid);
        assert_eq!(b.read(), rumqttc::Packet::Disconnect);
        worker.join().unwrap();
        assert_eq!(ctl.counters.values().sent, 5);
    }

    #[test]
    fn at_qos_0_an_alert_is_sent_once_written() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (tx, ctl, worker) = fake_sink_with(l.local_addr().unwrap().port(), 0);
        let mut b = FakeBroker::accept(&l);
        b.connack(false);
        for _ in 0..3 {
            tx.send(Arc::new(Delivery::new(super::super::tests::landing())))
                .unwrap();
        }
        drop(tx);
        // 2 announced + 3 per alert + offline, no packet identifiers, then DISCONNECT.
        let ps = b.publishes(2 + 9 + 1);
        assert!(ps
            .iter()
            .all(|p| p.qos == QoS::AtMostOnce && p.pkid == 0 && !p.dup));
        assert_eq!(ps.last().unwrap().payload, &b"offline"[..]);
        assert_eq!(b.read(), rumqttc::Packet::Disconnect);
        worker.join().unwrap();
        assert_eq!(ctl.counters.values().sent, 3);
    }

    #[test]
    fn tls_settings_are_checked_when_built() {
        let t = SinkTable {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..table()
        };
        let e = MqttConfig::from_table(&t, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("set tls = true"), "{e}");
        let t = SinkTable {
            tls: Some(true),
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..table()
        };
        let c = MqttConfig::from_table(&t, &BTreeMap::new()).unwrap();
        assert_eq!(c.port, 8883);
        let e = format!("{:#}", c.build().unwrap_err());
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
        let t = SinkTable {
            tls: Some(true),
            ..table()
        };
        // Mozilla's roots.
        assert!(MqttConfig::from_table(&t, &BTreeMap::new())
            .unwrap()
            .build()
            .is_ok());
    }

    #[test]
    fn discovery_describes_one_device_with_a_sensor_per_kind() {
        let c = MqttConfig::from_table(&table(), &BTreeMap::new()).unwrap();
        let msgs = c.discovery_messages();
        assert_eq!(msgs.len(), 2 + EventKind::ALL.len());
        let (topic, payload) = &msgs[0];
        assert_eq!(topic, "homeassistant/sensor/picket/last_alert/config");
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(v["state_topic"], "picket/last_alert");
        assert_eq!(v["json_attributes_topic"], "picket/last_alert");
        assert_eq!(v["availability_topic"], "picket/status");
        assert_eq!(v["device"]["identifiers"][0], "picket");
        let (topic, payload) = &msgs[2];
        assert_eq!(topic, "homeassistant/sensor/picket/zone_entry_alerts/config");
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(v["name"], "Zone entry alerts");
        assert_eq!(v["value_template"], "{{ value_json.zone_entry }}");
        assert_eq!(v["state_class"], "total_increasing");
    }

    #[test]
    fn last_alert_and_counts_payloads() {
        let mut m = MqttConfig::from_table(&table(), &BTreeMap::new())
            .unwrap()
            .build()
            .unwrap();
        let d = Delivery::new(super::super::tests::landing());
        let v: serde_json::Value = serde_json::from_str(&Mqtt::last_alert_json(&d)).unwrap();
        assert_eq!(v["summary"], d.summary.as_str());
        assert_eq!(v["kind"], "landing");
        assert_eq!(v["alert"]["airport"], "SVMI");
        m.counts[kind_index(EventKind::Landing)] = 2;
        m.total = 2;
        let v: serde_json::Value = serde_json::from_str(&m.counts_json()).unwrap();
        assert_eq!(v["total"], 2);
        assert_eq!(v["landing"], 2);
        assert_eq!(v["zone_entry"], 0);
    }
}
