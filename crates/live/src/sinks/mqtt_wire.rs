//! The few MQTT 3.1.1 packets a publisher needs (OASIS MQTT Version 3.1.1, section 3):
//! CONNECT, PUBLISH, PINGREQ and DISCONNECT out; CONNACK, PUBACK and PINGRESP in.
//! Sans-IO: packets are written into and parsed from byte buffers.

use std::fmt;

/// Packet types (section 2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PacketType {
    /// Connection request.
    Connect = 1,
    /// Connection acknowledgement.
    Connack = 2,
    /// Publish message.
    Publish = 3,
    /// QoS 1 publish acknowledgement.
    Puback = 4,
    /// Subscribe acknowledgement.
    Suback = 9,
    /// Ping request.
    Pingreq = 12,
    /// Ping response.
    Pingresp = 13,
    /// Disconnect notification.
    Disconnect = 14,
}

/// Quality of service of a PUBLISH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Qos {
    /// At most once.
    AtMostOnce = 0,
    /// At least once (PUBACK).
    AtLeastOnce = 1,
}

/// The last will the broker publishes when the connection drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Will<'a> {
    /// Topic.
    pub(crate) topic: &'a str,
    /// Payload.
    pub(crate) payload: &'a [u8],
    /// Retained by the broker.
    pub(crate) retain: bool,
    /// QoS.
    pub(crate) qos: Qos,
}

/// A CONNECT packet's contents (section 3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Connect<'a> {
    /// Client identifier.
    pub(crate) client_id: &'a str,
    /// Keep-alive interval, seconds.
    pub(crate) keep_alive_s: u16,
    /// Start a clean session.
    pub(crate) clean_session: bool,
    /// User name.
    pub(crate) username: Option<&'a str>,
    /// Password.
    pub(crate) password: Option<&'a str>,
    /// Last will.
    pub(crate) will: Option<Will<'a>>,
}

/// A PUBLISH packet's contents (section 3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Publish<'a> {
    /// Topic name (no wildcards).
    pub(crate) topic: &'a str,
    /// Payload.
    pub(crate) payload: &'a [u8],
    /// QoS.
    pub(crate) qos: Qos,
    /// Retained by the broker.
    pub(crate) retain: bool,
    /// A re-delivery of an earlier attempt (QoS 1).
    pub(crate) dup: bool,
    /// Packet identifier (QoS 1; never 0).
    pub(crate) packet_id: u16,
}

/// What is wrong with bytes received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireError {
    /// The remaining length has more than four bytes.
    BadLength,
    /// The packet is larger than this client accepts.
    TooLarge,
    /// A known packet with the wrong length or flags.
    Malformed(u8),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::BadLength => f.write_str("remaining length longer than 4 bytes"),
            WireError::TooLarge => f.write_str("packet too large"),
            WireError::Malformed(t) => write!(f, "malformed packet of type {t}"),
        }
    }
}

/// A packet received: its type nibble, flags and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Incoming {
    /// The type (upper 4 bits of the first byte).
    pub(crate) kind: u8,
    /// The flags (lower 4 bits).
    pub(crate) flags: u8,
    /// The variable header and payload.
    pub(crate) body: Vec<u8>,
}

/// What a received packet means to a publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reply {
    /// CONNACK with its return code (0 = accepted).
    Connack {
        /// Session present flag.
        session_present: bool,
        /// Return code (section 3.2.2.3).
        code: u8,
    },
    /// PUBACK for a packet id.
    Puback(u16),
    /// PINGRESP.
    Pingresp,
    /// SUBACK (for a subscriber).
    Suback(u16),
    /// Something else (ignored by a publisher).
    Other(u8),
}

/// Largest packet this client accepts (it only expects acknowledgements).
pub(crate) const MAX_INCOMING: usize = 1 << 20;

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    // Strings longer than 65,535 bytes cannot be sent; callers keep to that (topics and
    // ids are short), and a longer one is cut rather than corrupting the packet.
    let n = s.len().min(u16::MAX as usize);
    put_u16(out, n as u16);
    out.extend_from_slice(&s[..n]);
}

/// Appends the variable-length "remaining length" (section 2.2.3).
fn put_length(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            break;
        }
    }
}

fn packet(out: &mut Vec<u8>, first: u8, body: &[u8]) {
    out.push(first);
    put_length(out, body.len());
    out.extend_from_slice(body);
}

/// Appends a CONNECT packet.
pub(crate) fn connect(out: &mut Vec<u8>, c: &Connect<'_>) {
    let mut body = Vec::with_capacity(64);
    put_str(&mut body, b"MQTT");
    body.push(4); // protocol level 3.1.1
    let mut flags = 0u8;
    if c.clean_session {
        flags |= 0x02;
    }
    if let Some(w) = &c.will {
        flags |= 0x04 | ((w.qos as u8) << 3);
        if w.retain {
            flags |= 0x20;
        }
    }
    if c.password.is_some() {
        flags |= 0x40;
    }
    if c.username.is_some() {
        flags |= 0x80;
    }
    body.push(flags);
    put_u16(&mut body, c.keep_alive_s);
    put_str(&mut body, c.client_id.as_bytes());
    if let Some(w) = &c.will {
        put_str(&mut body, w.topic.as_bytes());
        put_str(&mut body, w.payload);
    }
    if let Some(u) = c.username {
        put_str(&mut body, u.as_bytes());
    }
    if let Some(p) = c.password {
        put_str(&mut body, p.as_bytes());
    }
    packet(out, (PacketType::Connect as u8) << 4, &body);
}

/// Appends a PUBLISH packet.
pub(crate) fn publish(out: &mut Vec<u8>, p: &Publish<'_>) {
    let mut first = (PacketType::Publish as u8) << 4 | (p.qos as u8) << 1;
    if p.retain {
        first |= 0x01;
    }
    if p.dup && p.qos != Qos::AtMostOnce {
        first |= 0x08;
    }
    out.push(first);
    let id_len = if p.qos == Qos::AtMostOnce { 0 } else { 2 };
    put_length(out, 2 + p.topic.len() + id_len + p.payload.len());
    put_str(out, p.topic.as_bytes());
    if p.qos != Qos::AtMostOnce {
        put_u16(out, p.packet_id);
    }
    out.extend_from_slice(p.payload);
}

/// Appends a SUBSCRIBE packet for one topic filter (for subscribers and tests).
#[cfg(test)]
pub(crate) fn subscribe(out: &mut Vec<u8>, packet_id: u16, filter: &str, qos: Qos) {
    let mut body = Vec::with_capacity(filter.len() + 5);
    put_u16(&mut body, packet_id);
    put_str(&mut body, filter.as_bytes());
    body.push(qos as u8);
    // SUBSCRIBE is type 8 with the reserved flags 0b0010 (section 3.8.1).
    packet(out, 0x82, &body);
}

/// Appends a PINGREQ packet.
pub(crate) fn pingreq(out: &mut Vec<u8>) {
    out.extend_from_slice(&[(PacketType::Pingreq as u8) << 4, 0]);
}

/// Appends a DISCONNECT packet.
pub(crate) fn disconnect(out: &mut Vec<u8>) {
    out.extend_from_slice(&[(PacketType::Disconnect as u8) << 4, 0]);
}

/// Parses one packet from the start of `buf`: `Ok(None)` when more bytes are needed,
/// else the packet and the bytes it took.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Incoming, usize)>, WireError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let mut len = 0usize;
    let mut shift = 0;
    let mut i = 1;
    loop {
        let Some(&b) = buf.get(i) else { return Ok(None) };
        len |= ((b & 0x7f) as usize) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if i > 4 {
            return Err(WireError::BadLength);
        }
    }
    if len > MAX_INCOMING {
        return Err(WireError::TooLarge);
    }
    if buf.len() < i + len {
        return Ok(None);
    }
    Ok(Some((
        Incoming {
            kind: first >> 4,
            flags: first & 0x0f,
            body: buf[i..i + len].to_vec(),
        },
        i + len,
    )))
}

impl Incoming {
    /// What the packet means to a publisher.
    pub(crate) fn reply(&self) -> Result<Reply, WireError> {
        let b = &self.body;
        let id = || u16::from_be_bytes([b[0], b[1]]);
        const CONNACK: u8 = PacketType::Connack as u8;
        const PUBACK: u8 = PacketType::Puback as u8;
        const SUBACK: u8 = PacketType::Suback as u8;
        const PINGRESP: u8 = PacketType::Pingresp as u8;
        match self.kind {
            CONNACK if b.len() == 2 => Ok(Reply::Connack {
                session_present: b[0] & 1 == 1,
                code: b[1],
            }),
            PUBACK if b.len() == 2 => Ok(Reply::Puback(id())),
            SUBACK if b.len() >= 3 => Ok(Reply::Suback(id())),
            PINGRESP if b.is_empty() => Ok(Reply::Pingresp),
            CONNACK | PUBACK | SUBACK | PINGRESP => Err(WireError::Malformed(self.kind)),
            k => Ok(Reply::Other(k)),
        }
    }

    /// A PUBLISH's topic and payload (for subscribers and tests).
    #[cfg(test)]
    pub(crate) fn publish(&self) -> Option<(String, &[u8])> {
        if self.kind != PacketType::Publish as u8 || self.body.len() < 2 {
            return None;
        }
        let n = u16::from_be_bytes([self.body[0], self.body[1]]) as usize;
        let topic = std::str::from_utf8(self.body.get(2..2 + n)?).ok()?.to_string();
        let qos = (self.flags >> 1) & 3;
        let start = 2 + n + if qos > 0 { 2 } else { 0 };
        Some((topic, self.body.get(start..)?))
    }
}

/// The meaning of a CONNACK return code (section 3.2.2.3).
pub(crate) fn connack_reason(code: u8) -> &'static str {
    match code {
        0 => "accepted",
        1 => "unacceptable protocol version",
        2 => "client identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorised",
        _ => "unknown return code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_bytes_follow_the_specification() {
        let mut out = Vec::new();
        connect(
            &mut out,
            &Connect {
                client_id: "picket",
                keep_alive_s: 60,
                clean_session: true,
                username: Some("u"),
                password: Some("p"),
                will: Some(Will {
                    topic: "picket/status",
                    payload: b"offline",
                    retain: true,
                    qos: Qos::AtLeastOnce,
                }),
            },
        );
        let mut want = vec![0x10];
        let body: Vec<u8> = [
            &[0, 4][..],
            b"MQTT",
            &[4, 0b1110_1110, 0, 60],
            &[0, 6],
            b"picket",
            &[0, 13],
            b"picket/status",
            &[0, 7],
            b"offline",
            &[0, 1],
            b"u",
            &[0, 1],
            b"p",
        ]
        .concat();
        want.push(body.len() as u8);
        want.extend(body);
        assert_eq!(out, want);
    }

    #[test]
    fn publish_round_trips_through_parse() {
        for (qos, retain, dup) in [(Qos::AtMostOnce, false, false), (Qos::AtLeastOnce, true, true)] {
            let payload = vec![b'x'; 300]; // a two-byte remaining length
            let mut out = Vec::new();
            publish(
                &mut out,
                &Publish {
                    topic: "picket/alert",
                    payload: &payload,
                    qos,
                    retain,
                    dup,
                    packet_id: 0x1234,
                },
            );
            let (p, n) = parse(&out).unwrap().unwrap();
            assert_eq!(n, out.len());
            assert_eq!(p.kind, 3);
            assert_eq!(p.flags & 1 == 1, retain);
            assert_eq!(p.flags & 8 == 8, dup);
            assert_eq!((p.flags >> 1) & 3, qos as u8);
            let (topic, body) = p.publish().unwrap();
            assert_eq!((topic.as_str(), body), ("picket/alert", &payload[..]));
            // Every proper prefix asks for more bytes.
            for cut in 0..out.len() {
                assert_eq!(parse(&out[..cut]), Ok(None));
            }
        }
    }

    #[test]
    fn remaining_length_encodings_of_the_specification() {
        // Table 2.4: 0, 127, 128, 16,383, 16,384, 2,097,151, 2,097,152, 268,435,455.
        for (n, bytes) in [
            (0usize, &[0x00][..]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (16_383, &[0xff, 0x7f]),
            (16_384, &[0x80, 0x80, 0x01]),
            (2_097_151, &[0xff, 0xff, 0x7f]),
            (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
            (268_435_455, &[0xff, 0xff, 0xff, 0x7f]),
        ] {
            let mut out = Vec::new();
            put_length(&mut out, n);
            assert_eq!(out, bytes, "{n}");
        }
        assert_eq!(
            parse(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Err(WireError::BadLength)
        );
        assert_eq!(parse(&[0x30, 0xff, 0xff, 0x7f]), Err(WireError::TooLarge));
    }

    #[test]
    fn acknowledgements_are_read() {
        let (p, _) = parse(&[0x20, 2, 0, 5]).unwrap().unwrap();
        assert_eq!(
            p.reply(),
            Ok(Reply::Connack {
                session_present: false,
                code: 5
            })
        );
        assert_eq!(connack_reason(5), "not authorised");
        let (p, _) = parse(&[0x40, 2, 0x12, 0x34]).unwrap().unwrap();
        assert_eq!(p.reply(), Ok(Reply::Puback(0x1234)));
        let (p, _) = parse(&[0xd0, 0]).unwrap().unwrap();
        assert_eq!(p.reply(), Ok(Reply::Pingresp));
        let (p, _) = parse(&[0x40, 1, 0]).unwrap().unwrap();
        assert_eq!(p.reply(), Err(WireError::Malformed(4)));
        let mut out = Vec::new();
        pingreq(&mut out);
        disconnect(&mut out);
        subscribe(&mut out, 7, "picket/#", Qos::AtLeastOnce);
        assert_eq!(out[..4], [0xc0, 0, 0xe0, 0]);
        assert_eq!(
            out[4..],
            [0x82, 13, 0, 7, 0, 8, b'p', b'i', b'c', b'k', b'e', b't', b'/', b'#', 1]
        );
    }
}
