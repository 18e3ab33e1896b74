//! The server side of the protocol mlat-client speaks to mlat-server, so a feeder can point
//! an existing mlat-client at picket (`picket run --mlat-server 127.0.0.1:PORT`).
//!
//! The protocol, as the clients speak it (facts from mlat-client and mlat-server):
//! - The client sends one JSON line, the handshake: `version` (2 or 3), `user`, `lat`,
//!   `lon`, `alt` (the antenna, metres), `clock_type` (`dump1090`, `beast`, ...: the 12 MHz
//!   counter of a Beast receiver), `compress` (the methods it offers: `none`, `zlib`,
//!   `zlib2`), and optional `return_results`, `udp_transport`, ... The server answers one
//!   JSON line: `compress` (its pick), `reconnect_in`, `selective_traffic`, `heartbeat`,
//!   `return_results`, `rate_reports`, `motd`; or `deny` (a list of reasons) and
//!   `reconnect_in`, and closes.
//! - Then the client sends JSON lines: `{"sync":{"et":T,"em":HEX,"ot":T,"om":HEX}}` (an
//!   even and an odd ADS-B position message with their counter values: clock
//!   synchronisation), `{"mlat":{"t":T,"m":HEX}}` (a message to locate), and `seen`,
//!   `lost`, `heartbeat`, `rate_report`, `clock_reset`, `input_connected`,
//!   `input_disconnected`. With `zlib` the client's lines come in packets: a 16-bit
//!   big-endian length, then that many bytes of one zlib stream, each packet ended by a
//!   sync flush whose last four bytes (`00 00 ff ff`) are left out. picket picks `zlib`
//!   when offered (the server's lines then stay plain), else `none`.
//! - The server sends `start_sending`/`stop_sending` (addresses it wants the messages of,
//!   when `selective_traffic`), and `heartbeat` every 30 s (the client gives up after 60 s
//!   of silence).
//!
//! Each connection is one receiver of the run's multilateration: its handshake position, its
//! own clock (the clock-domain rule: its counter values are only compared with another
//! receiver's through the pair relation fitted on beacons). Its messages become frames with
//! its counter as their clock, given to the engine like a Beast receiver's, so the same
//! clock synchronisation and solver locate them. A client that asked (`return_results`)
//! gets the fixes it took part in as `result` lines in the `ecef` format:
//! `{"result":{"@":TIME,"addr":HEX,"ecef":[X,Y,Z],"cov":null,"n":N,"nd":N}}`.
//!
//! The parsing is sans-IO ([`handshake`], [`Session`], [`Inflater`]); tokio only carries
//! the bytes ([`run_listener`]).

use picket_mlat::geo::Geodetic;
use picket_mlat::ReceiverConfig;
use picket_modes::Frame;
use picket_receive::{Clock, Received, What};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::connect::Feed;
use crate::mlat::Station;

/// The counter rate of the clock types picket accepts (a Beast receiver's 12 MHz).
const TICKS_PER_S: f64 = 12e6;

/// The clock types whose counter runs at 12 MHz.
const CLOCK_TYPES: [&str; 3] = ["dump1090", "beast", "radarcape_12mhz"];

/// The longest line a client may send (a sync message is under 200 bytes).
const MAX_LINE: usize = 4096;

/// How often the server sends a heartbeat.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// A client silent this long is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(150);

/// Items per batch at most.
const BATCH: usize = 256;

/// How the client's lines come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain lines.
    None,
    /// zlib packets (the server's lines stay plain).
    Zlib,
}

/// An accepted handshake.
#[derive(Debug, Clone, PartialEq)]
pub struct Handshake {
    /// The client's `user`.
    pub user: String,
    /// The antenna.
    pub position: Geodetic,
    /// How the client's lines come.
    pub compress: Compression,
    /// The client wants the fixes it takes part in (`return_results`).
    pub return_results: bool,
    /// The answer line (with its newline).
    pub reply: String,
}

/// Reads a handshake line; Err is the deny line to send (with its newline) before closing.
pub fn handshake(line: &[u8]) -> Result<Handshake, String> {
    let deny = |why: String| {
        let v = serde_json::json!({ "deny": [why], "reconnect_in": 60 });
        format!("{v}\n")
    };
    let v: Value =
        serde_json::from_slice(line).map_err(|e| deny(format!("badly formatted handshake: {e}")))?;
    match v["version"].as_i64() {
        Some(2 | 3) => {}
        _ => return Err(deny("unsupported version in handshake (2 or 3)".into())),
    }
    let user = match &v["user"] {
        Value::String(s) => s.clone(),
        Value::Null => return Err(deny("missing field in handshake: user".into())),
        other => other.to_string(),
    };
    let num = |k: &str| -> Result<f64, String> {
        let x = &v[k];
        x.as_f64()
            .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|x| x.is_finite())
            .ok_or_else(|| deny(format!("missing or bad field in handshake: {k}")))
    };
    let (lat, mut lon, alt) = (num("lat")?, num("lon")?, num("alt")?);
    if !(-90.0..=90.0).contains(&lat) {
        return Err(deny("invalid latitude, should be -90 .. 90".into()));
    }
    if !(-180.0..=360.0).contains(&lon) {
        return Err(deny("invalid longitude, should be -180 .. 360".into()));
    }
    if lon > 180.0 {
        lon -= 360.0;
    }
    if !(-1000.0..=10000.0).contains(&alt) {
        return Err(deny("invalid altitude, should be -1000 .. 10000".into()));
    }
    let clock = v["clock_type"].as_str().unwrap_or("dump1090");
    if !CLOCK_TYPES.contains(&clock) {
        return Err(deny(format!(
            "clock type {clock:?} is not supported by picket (it takes {})",
            CLOCK_TYPES.join(", ")
        )));
    }
    let offered: Vec<&str> = v["compress"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let compress = if offered.contains(&"zlib") {
        Compression::Zlib
    } else if offered.contains(&"none") {
        Compression::None
    } else {
        return Err(deny("no mutually usable compression type (none, zlib)".into()));
    };
    let return_results = v["return_results"].as_bool().unwrap_or(false);
    if return_results && !matches!(v["return_result_format"].as_str(), None | Some("ecef")) {
        return Err(deny(
            "return_result_format: picket gives results as \"ecef\" only".into(),
        ));
    }
    let reply = serde_json::json!({
        "compress": if compress == Compression::Zlib { "zlib" } else { "none" },
        "reconnect_in": 10,
        "selective_traffic": true,
        "heartbeat": true,
        "return_results": return_results,
        "rate_reports": false,
        "motd": "picket multilateration",
    });
    Ok(Handshake {
        user,
        position: Geodetic::new(lat, lon, alt),
        compress,
        return_results,
        reply: format!("{reply}\n"),
    })
}

/// Counters of the mlat-client connections.
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Connections accepted (handshake done).
    pub clients: AtomicU64,
    /// Handshakes refused.
    pub denied: AtomicU64,
    /// Frames given to the engine.
    pub frames: AtomicU64,
    /// Lines that could not be read (bad JSON, bad hex, bad frame).
    pub bad_lines: AtomicU64,
}

/// One connection's state after the handshake: its messages become frames on its clock.
#[derive(Debug)]
pub struct Session {
    receiver: u16,
    /// Wall time minus counter time (s), its running minimum: the counter read as UTC.
    offset: Option<f64>,
    /// Frames given lately (a sync pair's message comes again in the next pair).
    recent: VecDeque<(u64, [u8; 14])>,
}

impl Session {
    /// A session for the receiver with this id.
    pub fn new(receiver: u16) -> Session {
        Session {
            receiver,
            offset: None,
            recent: VecDeque::with_capacity(16),
        }
    }

    /// Takes one line of the client at wall time `wall`: frames to `out`, a line to send
    /// back (if any) appended to `reply`. Err says what was wrong with the line.
    pub fn line(
        &mut self,
        line: &[u8],
        wall: f64,
        out: &mut Vec<Received>,
        reply: &mut String,
    ) -> Result<(), String> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let v: Value = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
        if let Some(s) = v.get("sync") {
            let et = ticks(&s["et"]).ok_or("sync without et")?;
            let ot = ticks(&s["ot"]).ok_or("sync without ot")?;
            let em = frame(&s["em"])?;
            let om = frame(&s["om"])?;
            self.clock(et.max(ot), wall);
            self.push(et, em, out);
            self.push(ot, om, out);
        } else if let Some(m) = v.get("mlat") {
            let t = ticks(&m["t"]).ok_or("mlat without t")?;
            let f = frame(&m["m"])?;
            self.clock(t, wall);
            self.push(t, f, out);
        } else if let Some(seen) = v.get("seen").and_then(Value::as_array) {
            // Every aircraft the feeder hears is wanted.
            let list: Vec<&str> = seen.iter().filter_map(Value::as_str).collect();
            if !list.is_empty() {
                reply.push_str(&serde_json::json!({ "start_sending": list }).to_string());
                reply.push('\n');
            }
        } else if v.get("clock_reset").is_some()
            || v.get("input_connected").is_some()
            || v.get("input_disconnected").is_some()
        {
            self.offset = None;
        }
        // heartbeat, lost, rate_report and the rest need no answer.
        Ok(())
    }

    /// Follows the counter against the wall clock: the least lag seen is the network's,
    /// and a counter that jumps back (a restarted receiver) starts again.
    fn clock(&mut self, t: u64, wall: f64) {
        let o = wall - t as f64 / TICKS_PER_S;
        self.offset = Some(match self.offset {
            Some(old) if o - old <= 5.0 => old.min(o),
            _ => o,
        });
    }

    fn push(&mut self, t: u64, f: Frame, out: &mut Vec<Received>) {
        let key = (t, *f.padded());
        if self.recent.contains(&key) {
            return;
        }
        if self.recent.len() == 16 {
            self.recent.pop_front();
        }
        self.recent.push_back(key);
        out.push(Received {
            time_utc: t as f64 / TICKS_PER_S + self.offset.unwrap_or(0.0),
            clock: Clock::Ticks12Mhz(t),
            signal: None,
            receiver: self.receiver,
            what: What::ModeS(f),
        });
    }
}

/// A counter value (an integer; mlat-client writes them as such).
fn ticks(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|x| x as u64)
    })
}

/// A frame from its hex.
fn frame(v: &Value) -> Result<Frame, String> {
    let s = v.as_str().ok_or("message without its hex")?;
    Frame::from_hex(s).map_err(|e| format!("bad message {s:?}: {e:?}"))
}

/// Undoes the client's zlib packets into lines.
pub struct Inflater {
    z: flate2::Decompress,
    pending: Vec<u8>,
    text: Vec<u8>,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater").finish_non_exhaustive()
    }
}

impl Default for Inflater {
    fn default() -> Inflater {
        Inflater {
            z: flate2::Decompress::new(true),
            pending: Vec::new(),
            text: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl Inflater {
    /// Takes bytes of the stream; calls `line` with each complete line. Err: the stream is
    /// broken (it cannot be resynchronised: the connection ends).
    pub fn feed(&mut self, data: &[u8], mut line: impl FnMut(&[u8])) -> Result<(), String> {
        self.pending.extend_from_slice(data);
        let mut at = 0;
        while self.pending.len() >= at + 2 {
            let n = usize::from(u16::from_be_bytes([self.pending[at], self.pending[at + 1]]));
            if self.pending.len() < at + 2 + n {
                break;
            }
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.pending[at + 2..at + 2 + n]);
            self.scratch.extend_from_slice(&[0, 0, 0xff, 0xff]);
            at += 2 + n;
            let mut input = &self.scratch[..];
            loop {
                let before_in = self.z.total_in();
                self.text.reserve(64 * 1024);
                self.z
                    .decompress_vec(input, &mut self.text, flate2::FlushDecompress::Sync)
                    .map_err(|e| format!("bad zlib packet: {e}"))?;
                let used = (self.z.total_in() - before_in) as usize;
                input = &input[used..];
                if input.is_empty() {
                    break;
                }
                if used == 0 && self.text.capacity() > self.text.len() {
                    return Err("bad zlib packet: no progress".into());
                }
            }
            let mut start = 0;
            while let Some(k) = self.text[start..].iter().position(|&b| b == b'\n') {
                line(&self.text[start..start + k]);
                start += k + 1;
            }
            self.text.drain(..start);
            if self.text.len() > MAX_LINE {
                return Err("a line longer than 4096 bytes".into());
            }
        }
        self.pending.drain(..at);
        Ok(())
    }
}

/// A receiver that connected, and where its results go if it asked for them.
pub type Joined = (Station, Option<tokio::sync::mpsc::Sender<String>>);

/// Receivers that connected and are not yet in the engine's multilateration.
#[derive(Debug, Clone, Default)]
pub struct Joining {
    stations: Arc<Mutex<Vec<Joined>>>,
    any: Arc<AtomicBool>,
}

impl Joining {
    /// A receiver joins (before any of its items is sent).
    pub fn push(&self, s: Joined) {
        if let Ok(mut v) = self.stations.lock() {
            v.push(s);
        }
        self.any.store(true, Ordering::Release);
    }

    /// Calls `f` with each receiver that joined since the last call (cheap when none did).
    pub fn drain(&self, mut f: impl FnMut(Joined)) {
        if self.any.swap(false, Ordering::Acquire) {
            if let Ok(mut v) = self.stations.lock() {
                for s in v.drain(..) {
                    f(s);
                }
            }
        }
    }
}

/// Accepts mlat-client connections; each gets the next receiver id from `first_id`.
pub async fn run_listener(
    listener: TcpListener,
    first_id: u16,
    joining: Joining,
    stats: Arc<ServerStats>,
    feed: Feed,
) {
    let mut next = first_id;
    loop {
        let Ok((s, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if feed.stop.load(Ordering::Relaxed) {
            return;
        }
        let id = next;
        next = next.wrapping_add(1);
        if next == Received::NO_RECEIVER {
            next = first_id;
        }
        let (joining, stats, feed) = (joining.clone(), Arc::clone(&stats), feed.clone());
        tokio::spawn(async move {
            if let Err(e) = serve_client(s, id, &joining, &stats, &feed).await {
                eprintln!("picket: mlat-client {peer}: {e}");
            }
        });
    }
}

/// One client: handshake, then its messages until it goes.
async fn serve_client(
    s: TcpStream,
    id: u16,
    joining: &Joining,
    stats: &ServerStats,
    feed: &Feed,
) -> Result<(), String> {
    let peer = s.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let (r, mut w) = s.into_split();
    let mut r = BufReader::new(r);
    let mut line = Vec::new();
    let mut limited = (&mut r).take(MAX_LINE as u64);
    let read = tokio::time::timeout(Duration::from_secs(30), limited.read_until(b'\n', &mut line)).await;
    match read {
        Ok(Ok(n)) if n > 0 && line.ends_with(b"\n") => {}
        _ => return Err("no handshake line".into()),
    }
    let hs = match handshake(&line) {
        Ok(hs) => hs,
        Err(deny) => {
            stats.denied.fetch_add(1, Ordering::Relaxed);
            let _ = w.write_all(deny.as_bytes()).await;
            return Err(format!("handshake refused: {}", deny.trim()));
        }
    };
    w.write_all(hs.reply.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stats.clients.fetch_add(1, Ordering::Relaxed);
    let name = format!("{} (mlat-client {peer})", hs.user);
    eprintln!(
        "picket: mlat-client {name} joined at {:.4},{:.4}",
        hs.position.lat, hs.position.lon
    );
    let (results_tx, mut results) = tokio::sync::mpsc::channel::<String>(256);
    joining.push((
        Station {
            id,
            config: ReceiverConfig {
                name: hs.user.clone(),
                position: hs.position,
            },
        },
        hs.return_results.then_some(results_tx),
    ));
    let mut session = Session::new(id);
    let mut inflater = (hs.compress == Compression::Zlib).then(Inflater::default);
    let mut buf = vec![0u8; 64 * 1024];
    let mut text = Vec::new();
    let mut batch = feed.pool.take();
    let mut reply = String::new();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut last_read = tokio::time::Instant::now();
    loop {
        if feed.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        tokio::select! {
            n = r.read(&mut buf) => {
                let n = n.map_err(|e| e.to_string())?;
                if n == 0 {
                    eprintln!("picket: mlat-client {name} left");
                    return Ok(());
                }
                last_read = tokio::time::Instant::now();
                let wall = crate::now_utc();
                let mut take = |l: &[u8]| {
                    if let Err(e) = session.line(l, wall, &mut batch.items, &mut reply) {
                        if stats.bad_lines.fetch_add(1, Ordering::Relaxed) < 10 {
                            eprintln!("picket: mlat-client {name}: line skipped: {e}");
                        }
                    }
                };
                match &mut inflater {
                    Some(z) => z.feed(&buf[..n], &mut take)?,
                    None => {
                        text.extend_from_slice(&buf[..n]);
                        let mut start = 0;
                        while let Some(k) = text[start..].iter().position(|&b| b == b'\n') {
                            take(&text[start..start + k]);
                            start += k + 1;
                        }
                        text.drain(..start);
                        if text.len() > MAX_LINE {
                            return Err("a line longer than 4096 bytes".into());
                        }
                    }
                }
                if !reply.is_empty() {
                    w.write_all(reply.as_bytes()).await.map_err(|e| e.to_string())?;
                    reply.clear();
                }
                if !batch.items.is_empty() {
                    stats.frames.fetch_add(batch.items.len() as u64, Ordering::Relaxed);
                    let mut full = std::mem::replace(&mut batch, feed.pool.take());
                    if let Some(options) = &feed.decode {
                        full.predecode(options);
                    }
                    if feed.tx.send(full).await.is_err() {
                        return Ok(());
                    }
                }
                debug_assert!(batch.items.len() < BATCH);
            }
            Some(line) = results.recv() => {
                w.write_all(line.as_bytes()).await.map_err(|e| e.to_string())?;
            }
            _ = heartbeat.tick() => {
                if last_read.elapsed() > READ_TIMEOUT {
                    return Err("silent for 150 s".into());
                }
                let hb = serde_json::json!({ "heartbeat": { "server_time": (crate::now_utc() * 1000.0).round() / 1000.0 } });
                w.write_all(format!("{hb}\n").as_bytes()).await.map_err(|e| e.to_string())?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HS: &str = r#"{"version":2,"client_version":"0.2.13","compress":["none","zlib","zlib2"],"selective_traffic":true,"heartbeat":true,"return_results":false,"udp_transport":false,"return_result_format":"ecef","user":"nome","lat":64.51,"lon":-165.44,"alt":12.5,"clock_type":"dump1090","privacy":false}"#;

    #[test]
    fn a_handshake_is_answered_or_denied_with_reasons() {
        let hs = handshake(HS.as_bytes()).unwrap();
        assert_eq!(hs.user, "nome");
        assert_eq!(hs.position, Geodetic::new(64.51, -165.44, 12.5));
        assert_eq!(hs.compress, Compression::Zlib);
        let v: Value = serde_json::from_str(hs.reply.trim()).unwrap();
        assert_eq!(v["compress"], "zlib");
        assert_eq!(v["heartbeat"], true);
        assert_eq!(v["return_results"], false);
        let asks = HS.replace("\"return_results\":false", "\"return_results\":true");
        let hs2 = handshake(asks.as_bytes()).unwrap();
        assert!(hs2.return_results && hs2.reply.contains("\"return_results\":true"));
        let old = asks.replace("\"ecef\"", "\"old\"");
        assert!(handshake(old.as_bytes()).unwrap_err().contains("ecef"));
        assert!(hs.reply.ends_with('\n'));
        let plain = HS.replace(r#"["none","zlib","zlib2"]"#, r#"["none"]"#);
        assert_eq!(handshake(plain.as_bytes()).unwrap().compress, Compression::None);
        for (bad, why) in [
            (HS.replace("\"version\":2", "\"version\":1"), "version"),
            (HS.replace("\"lat\":64.51", "\"lat\":95"), "latitude"),
            (HS.replace("dump1090", "sbs"), "clock type"),
            (
                HS.replace(r#"["none","zlib","zlib2"]"#, r#"["lz4"]"#),
                "compression",
            ),
            (HS.replace("\"user\":\"nome\",", ""), "user"),
            ("{not json".to_string(), "badly formatted"),
        ] {
            let deny = handshake(bad.as_bytes()).unwrap_err();
            let v: Value = serde_json::from_str(deny.trim()).unwrap();
            assert!(v["deny"][0].as_str().unwrap().contains(why), "{deny}");
        }
    }

    #[test]
    fn sync_and_mlat_messages_become_frames_on_the_receivers_clock() {
        let mut s = Session::new(7);
        let (mut out, mut reply) = (Vec::new(), String::new());
        let wall = 1_700_000_000.0;
        let sync = r#"{"sync":{"et":120000000,"em":"8d4840d6202cc371c32ce0576098","ot":132000000,"om":"8d4840d6202cc371c32ce0576098"}}"#;
        s.line(sync.as_bytes(), wall, &mut out, &mut reply).unwrap();
        // The same message at the same counter value is given once.
        assert_eq!(out.len(), 2);
        s.line(
            br#"{"mlat":{"t":144000000,"m":"5d4ca2d4971d4d"}}"#,
            wall + 1.0,
            &mut out,
            &mut reply,
        )
        .unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[2].clock, Clock::Ticks12Mhz(144_000_000));
        assert_eq!(out[2].receiver, 7);
        // 12 s on the counter after the first, one second of wall time after it.
        assert!(
            (out[2].time_utc - (wall + 1.0)).abs() < 1e-6,
            "{}",
            out[2].time_utc
        );
        assert!(
            (out[0].time_utc - (wall - 1.0)).abs() < 1e-6,
            "{}",
            out[0].time_utc
        );
        // Aircraft seen are asked for.
        s.line(br#"{"seen":["4840d6"]}"#, wall, &mut out, &mut reply)
            .unwrap();
        assert_eq!(reply, "{\"start_sending\":[\"4840d6\"]}\n");
        // Bad lines are errors, and the session goes on.
        assert!(s
            .line(b"{\"mlat\":{\"t\":1,\"m\":\"zz\"}}", wall, &mut out, &mut reply)
            .is_err());
        assert!(s.line(b"garbage", wall, &mut out, &mut reply).is_err());
        s.line(
            b"{\"heartbeat\":{\"client_time\":1.0}}",
            wall,
            &mut out,
            &mut reply,
        )
        .unwrap();
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn zlib_packets_give_back_the_lines() {
        // As the client writes them: one zlib stream, each packet sync-flushed, its length
        // first and its last four bytes left out.
        let mut z = flate2::Compress::new(flate2::Compression::new(1), true);
        let mut stream = Vec::new();
        for lines in [vec!["{\"a\":1}", "{\"b\":2}"], vec!["{\"c\":3}"]] {
            let mut data = Vec::with_capacity(1024);
            for l in lines {
                let text = format!("{l}\n");
                z.compress_vec(text.as_bytes(), &mut data, flate2::FlushCompress::None)
                    .unwrap();
            }
            z.compress_vec(&[], &mut data, flate2::FlushCompress::Sync)
                .unwrap();
            assert_eq!(&data[data.len() - 4..], &[0, 0, 0xff, 0xff]);
            data.truncate(data.len() - 4);
            stream.extend_from_slice(&(data.len() as u16).to_be_bytes());
            stream.extend_from_slice(&data);
        }
        let mut inf = Inflater::default();
        let mut got = Vec::new();
        // Fed a byte at a time: packets split anywhere.
        for b in &stream {
            inf.feed(std::slice::from_ref(b), |l| {
                got.push(String::from_utf8_lossy(l).into_owned())
            })
            .unwrap();
        }
        assert_eq!(got, ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]);
        let mut bad = Inflater::default();
        assert!(bad.feed(&[0, 3, 1, 2, 3], |_| {}).is_err());
    }
}
