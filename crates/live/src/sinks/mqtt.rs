//! The `mqtt` sink: a small MQTT 3.1.1 publisher over TCP with Home Assistant discovery.
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
//! the availability topic. Connections are re-made with exponential backoff; the alert being
//! sent is retried, and the queue in front of the sink drops (and counts) what does not fit.

use anyhow::{anyhow, bail, Result};
use picket_receive::json::JsonObject;
use picket_world::events::EventKind;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::mqtt_wire::{self as wire, Connect, Publish, Qos, Reply, Will};
use super::template::{Escape, Template};
use super::{Backoff, Control, Delivery, Runtime};
use crate::config::SinkTable;

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
        if client_id.len() > 65_535 {
            bail!("client_id is too long");
        }
        Ok(MqttConfig {
            host,
            port: t.port.unwrap_or(1883),
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
        })
    }

    /// Builds the publisher (it connects on its thread).
    pub(crate) fn build(self) -> Result<Mqtt> {
        Ok(Mqtt {
            cfg: self,
            conn: None,
            packet_id: 0,
            counts: [0; EventKind::ALL.len()],
            total: 0,
            out: Vec::with_capacity(4096),
        })
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

/// An open connection.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    last_sent: Instant,
}

/// A running `mqtt` sink.
#[derive(Debug)]
pub(crate) struct Mqtt {
    cfg: MqttConfig,
    conn: Option<Conn>,
    packet_id: u16,
    counts: [u64; EventKind::ALL.len()],
    total: u64,
    out: Vec<u8>,
}

fn kind_index(k: EventKind) -> usize {
    EventKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// Home Assistant keeps at most 255 characters of a sensor state.
const STATE_MAX: usize = 255;

impl Mqtt {
    fn next_id(&mut self) -> u16 {
        self.packet_id = self.packet_id.wrapping_add(1).max(1);
        self.packet_id
    }

    fn connect(&mut self, ctl: &Control) -> io::Result<()> {
        self.conn = None;
        let timeout = ctl.bounded(self.cfg.timeout);
        let addrs: Vec<_> = (self.cfg.host.as_str(), self.cfg.port)
            .to_socket_addrs()?
            .collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the host name has no address");
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let stream = stream.ok_or(last)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(timeout))?;
        let status = self.cfg.status_topic();
        self.out.clear();
        wire::connect(
            &mut self.out,
            &Connect {
                client_id: &self.cfg.client_id,
                keep_alive_s: self.cfg.keep_alive.as_secs() as u16,
                clean_session: true,
                username: self.cfg.username.as_deref(),
                password: self.cfg.password.as_deref(),
                will: Some(Will {
                    topic: &status,
                    payload: b"offline",
                    retain: true,
                    qos: Qos::AtLeastOnce,
                }),
            },
        );
        let mut conn = Conn {
            stream,
            buf: Vec::with_capacity(256),
            last_sent: Instant::now(),
        };
        conn.stream.write_all(&self.out)?;
        match read_reply(&mut conn, timeout)? {
            Reply::Connack { code: 0, .. } => {}
            Reply::Connack { code, .. } => {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "the broker refused the connection: {}",
                        wire::connack_reason(code)
                    ),
                ))
            }
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("expected CONNACK, got {other:?}"),
                ))
            }
        }
        self.conn = Some(conn);
        // Announce: online, the discovery messages, the counters as they are.
        self.publish(&status, b"online", true, false, ctl)?;
        if self.cfg.discovery {
            for (topic, payload) in self.cfg.discovery_messages() {
                self.publish(&topic, payload.as_bytes(), true, false, ctl)?;
            }
        }
        let counts = self.counts_json();
        self.publish(
            &format!("{}/counts", self.cfg.topic),
            counts.as_bytes(),
            true,
            false,
            ctl,
        )?;
        Ok(())
    }

    /// Publishes one message and, at QoS 1, waits for its PUBACK.
    fn publish(
        &mut self,
        topic: &str,
        payload: &[u8],
        retain: bool,
        dup: bool,
        ctl: &Control,
    ) -> io::Result<()> {
        let qos = self.cfg.qos;
        let packet_id = if qos == Qos::AtLeastOnce {
            self.next_id()
        } else {
            0
        };
        self.out.clear();
        wire::publish(
            &mut self.out,
            &Publish {
                topic,
                payload,
                qos,
                retain,
                dup,
                packet_id,
            },
        );
        let timeout = ctl.bounded(self.cfg.timeout);
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
        conn.stream.set_write_timeout(Some(timeout))?;
        conn.stream.write_all(&self.out)?;
        conn.last_sent = Instant::now();
        if qos == Qos::AtLeastOnce {
            let until = Instant::now() + timeout;
            loop {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no PUBACK in time"));
                }
                match read_reply(conn, left)? {
                    Reply::Puback(id) if id == packet_id => break,
                    // A late acknowledgement of an earlier attempt, or a ping answer.
                    _ => continue,
                }
            }
        }
        Ok(())
    }

    fn ping(&mut self, ctl: &Control) -> io::Result<()> {
        let timeout = ctl.bounded(self.cfg.timeout);
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
        let mut p = Vec::with_capacity(2);
        wire::pingreq(&mut p);
        conn.stream.write_all(&p)?;
        conn.last_sent = Instant::now();
        let until = Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no PINGRESP in time"));
            }
            if read_reply(conn, left)? == Reply::Pingresp {
                return Ok(());
            }
        }
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

    /// Publishes one alert: the alert, the last alert and the counters.
    fn send(&mut self, d: &Delivery, dup: bool, ctl: &Control) -> io::Result<()> {
        let alert_topic = format!("{}/alert", self.cfg.topic);
        self.publish(&alert_topic, d.json.as_bytes(), false, dup, ctl)?;
        let last = Self::last_alert_json(d);
        self.publish(
            &format!("{}/last_alert", self.cfg.topic),
            last.as_bytes(),
            true,
            dup,
            ctl,
        )?;
        let counts = self.counts_json();
        self.publish(
            &format!("{}/counts", self.cfg.topic),
            counts.as_bytes(),
            true,
            dup,
            ctl,
        )?;
        Ok(())
    }

    fn close(&mut self, ctl: &Control) {
        if self.conn.is_some() {
            // A clean goodbye: the will is not sent on DISCONNECT, so say offline first.
            let status = self.cfg.status_topic();
            let _ = self.publish(&status, b"offline", true, false, ctl);
            if let Some(c) = self.conn.as_mut() {
                let mut p = Vec::with_capacity(2);
                wire::disconnect(&mut p);
                let _ = c.stream.write_all(&p);
                let _ = c.stream.shutdown(std::net::Shutdown::Both);
            }
        }
        self.conn = None;
    }
}

/// Reads until one whole packet is in, within `timeout`.
fn read_reply(conn: &mut Conn, timeout: Duration) -> io::Result<Reply> {
    let until = Instant::now() + timeout;
    let mut chunk = [0u8; 512];
    loop {
        match wire::parse(&conn.buf) {
            Ok(Some((p, n))) => {
                conn.buf.drain(..n);
                return p
                    .reply()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
            }
            Ok(None) => {}
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no answer from the broker in time",
            ));
        }
        conn.stream.set_read_timeout(Some(left))?;
        match conn.stream.read(&mut chunk) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the broker closed the connection",
                ))
            }
            Ok(n) => conn.buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no answer from the broker in time",
                ))
            }
            Err(e) => return Err(e),
        }
    }
}

impl Runtime for Mqtt {
    fn run(mut self: Box<Self>, rx: Receiver<Arc<Delivery>>, ctl: Control) {
        let broker = format!("{}:{}", self.cfg.host, self.cfg.port);
        // Messages on state changes only.
        let mut down_said = false;
        let mut failures = 0u32;
        let mut next_attempt = Instant::now();
        let try_connect = |m: &mut Mqtt, failures: &mut u32, down_said: &mut bool| -> bool {
            match m.connect(&ctl) {
                Ok(()) => {
                    if *down_said {
                        eprintln!("picket: sink {}: connected to {broker} again", ctl.name);
                    }
                    *down_said = false;
                    *failures = 0;
                    true
                }
                Err(e) => {
                    m.conn = None;
                    if !*down_said {
                        eprintln!(
                            "picket: sink {}: cannot publish to {broker} ({e}); retrying with backoff",
                            ctl.name
                        );
                        *down_said = true;
                    }
                    *failures += 1;
                    false
                }
            }
        };
        loop {
            let now = Instant::now();
            if self.conn.is_none()
                && now >= next_attempt
                && ctl.deadline().is_none()
                && !try_connect(&mut self, &mut failures, &mut down_said)
            {
                next_attempt = Instant::now() + self.cfg.backoff.delay(failures);
            }
            let wait = match &self.conn {
                Some(c) => (c.last_sent + self.cfg.keep_alive / 2).saturating_duration_since(now),
                None => next_attempt.saturating_duration_since(now),
            }
            .max(Duration::from_millis(10));
            let d = match rx.recv_timeout(wait) {
                Ok(d) => d,
                Err(RecvTimeoutError::Timeout) => {
                    if self.conn.is_some() && self.ping(&ctl).is_err() {
                        self.conn = None;
                        next_attempt = Instant::now();
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            self.counts[kind_index(d.alert.event.kind)] += 1;
            self.total += 1;
            // Deliver this alert, reconnecting as needed, until sent or the drain time ends.
            let mut tries = 0u32;
            loop {
                if ctl.expired() {
                    ctl.failed();
                    ctl.fail_rest(&rx);
                    self.close(&ctl);
                    return;
                }
                if self.conn.is_none() && !try_connect(&mut self, &mut failures, &mut down_said) {
                    tries += 1;
                    if !ctl.wait(self.cfg.backoff.delay(tries)) {
                        continue; // expired: counted above
                    }
                    ctl.retried();
                    continue;
                }
                match self.send(&d, tries > 0, &ctl) {
                    Ok(()) => {
                        ctl.sent();
                        break;
                    }
                    Err(e) => {
                        self.conn = None;
                        if !down_said {
                            eprintln!(
                                "picket: sink {}: lost {broker} ({e}); retrying with backoff",
                                ctl.name
                            );
                            down_said = true;
                        }
                        tries += 1;
                        if !ctl.wait(self.cfg.backoff.delay(tries)) {
                            continue;
                        }
                        ctl.retried();
                    }
                }
            }
            next_attempt = Instant::now();
        }
        self.close(&ctl);
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
