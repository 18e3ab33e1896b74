//! The rtl_tcp protocol, without the socket.
//!
//! An rtl_tcp server (from the rtl-sdr package) sends a 12-byte header, then unsigned 8-bit
//! I/Q samples for as long as the connection lasts. The header is the magic `RTL0`, the
//! tuner type and the number of gain steps, both 32-bit big-endian. The client steers the
//! dongle with 5-byte commands: a command byte and a 32-bit big-endian parameter.

use std::fmt;

/// Length of the server's header.
pub const HEADER_LEN: usize = 12;

/// The server's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Tuner type (1 E4000, 2 FC0012, 3 FC0013, 4 FC2580, 5 R820T, 6 R828D).
    pub tuner: u32,
    /// Number of gain steps the tuner offers.
    pub gain_count: u32,
}

impl Header {
    /// Reads the 12 header bytes; `None` when the magic is not `RTL0`.
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Option<Header> {
        if &bytes[..4] != b"RTL0" {
            return None;
        }
        let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Some(Header {
            tuner: word(4),
            gain_count: word(8),
        })
    }

    /// The 12 header bytes.
    pub fn emit(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..4].copy_from_slice(b"RTL0");
        out[4..8].copy_from_slice(&self.tuner.to_be_bytes());
        out[8..].copy_from_slice(&self.gain_count.to_be_bytes());
        out
    }

    /// The tuner's name.
    pub fn tuner_name(&self) -> &'static str {
        match self.tuner {
            1 => "E4000",
            2 => "FC0012",
            3 => "FC0013",
            4 => "FC2580",
            5 => "R820T",
            6 => "R828D",
            _ => "unknown",
        }
    }
}

/// A command to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// 0x01: centre frequency, Hz.
    Frequency(u32),
    /// 0x02: sample rate, samples per second.
    SampleRate(u32),
    /// 0x03: gain mode; `true` is manual (then `Gain` applies), `false` the tuner's AGC.
    ManualGain(bool),
    /// 0x04: tuner gain, tenths of a dB.
    Gain(u32),
    /// 0x05: frequency correction, ppm.
    FrequencyCorrection(i32),
    /// 0x08: the RTL2832's digital AGC.
    RtlAgc(bool),
    /// 0x0e: the bias tee (power for an LNA on the antenna cable).
    BiasTee(bool),
    /// Any other command byte and parameter.
    Other(u8, u32),
}

impl Command {
    /// The 5 bytes on the wire.
    pub fn emit(&self) -> [u8; 5] {
        let (code, value) = match *self {
            Command::Frequency(f) => (0x01, f),
            Command::SampleRate(r) => (0x02, r),
            Command::ManualGain(m) => (0x03, u32::from(m)),
            Command::Gain(g) => (0x04, g),
            Command::FrequencyCorrection(p) => (0x05, p as u32),
            Command::RtlAgc(on) => (0x08, u32::from(on)),
            Command::BiasTee(on) => (0x0e, u32::from(on)),
            Command::Other(c, v) => (c, v),
        };
        let v = value.to_be_bytes();
        [code, v[0], v[1], v[2], v[3]]
    }

    /// Reads 5 bytes from the wire (what a server does).
    pub fn parse(bytes: [u8; 5]) -> Command {
        let v = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        match bytes[0] {
            0x01 => Command::Frequency(v),
            0x02 => Command::SampleRate(v),
            0x03 => Command::ManualGain(v != 0),
            0x04 => Command::Gain(v),
            0x05 => Command::FrequencyCorrection(v as i32),
            0x08 => Command::RtlAgc(v != 0),
            0x0e => Command::BiasTee(v != 0),
            c => Command::Other(c, v),
        }
    }
}

/// What to ask of the dongle when connecting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Centre frequency, Hz (1090 MHz).
    pub frequency_hz: u32,
    /// Sample rate, samples per second.
    pub rate_hz: u32,
    /// Tuner gain in dB; `None` for the tuner's AGC.
    pub gain_db: Option<f32>,
    /// Frequency correction, ppm.
    pub ppm: i32,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            frequency_hz: 1_090_000_000,
            rate_hz: 2_400_000,
            gain_db: None,
            ppm: 0,
        }
    }
}

impl Tuning {
    /// The commands that set the dongle up, in the order they are sent.
    pub fn commands(&self) -> Vec<Command> {
        let mut out = vec![
            Command::SampleRate(self.rate_hz),
            Command::Frequency(self.frequency_hz),
        ];
        if self.ppm != 0 {
            out.push(Command::FrequencyCorrection(self.ppm));
        }
        match self.gain_db {
            Some(g) => {
                out.push(Command::ManualGain(true));
                out.push(Command::Gain((g * 10.0).round().max(0.0) as u32));
            }
            None => out.push(Command::ManualGain(false)),
        }
        out.push(Command::RtlAgc(false));
        out
    }
}

/// The client's view of the stream: the header first, then samples.
#[derive(Debug, Clone, Default)]
pub struct Client {
    header: [u8; HEADER_LEN],
    have: usize,
    parsed: Option<Header>,
}

/// The stream did not start with an rtl_tcp header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRtlTcp;

impl fmt::Display for NotRtlTcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the server did not start with the rtl_tcp header (\"RTL0\")")
    }
}

impl std::error::Error for NotRtlTcp {}

impl Client {
    /// A client that has read nothing yet.
    pub fn new() -> Client {
        Client::default()
    }

    /// The header, once read.
    pub fn header(&self) -> Option<Header> {
        self.parsed
    }

    /// Takes a chunk from the server and returns the sample bytes in it (after the header).
    pub fn feed<'a>(&mut self, chunk: &'a [u8]) -> Result<&'a [u8], NotRtlTcp> {
        if self.parsed.is_some() {
            return Ok(chunk);
        }
        let need = (HEADER_LEN - self.have).min(chunk.len());
        self.header[self.have..self.have + need].copy_from_slice(&chunk[..need]);
        self.have += need;
        if self.have < HEADER_LEN {
            return Ok(&[]);
        }
        self.parsed = Some(Header::parse(&self.header).ok_or(NotRtlTcp)?);
        Ok(&chunk[need..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_reads_back_and_splits_from_the_samples() {
        let h = Header {
            tuner: 5,
            gain_count: 29,
        };
        let bytes = h.emit();
        assert_eq!(&bytes, b"RTL0\x00\x00\x00\x05\x00\x00\x00\x1d");
        assert_eq!(Header::parse(&bytes), Some(h));
        assert_eq!(h.tuner_name(), "R820T");
        let mut stream = bytes.to_vec();
        stream.extend_from_slice(&[127, 128, 129]);
        let mut c = Client::new();
        assert_eq!(c.feed(&stream[..5]), Ok(&[][..]));
        assert_eq!(c.feed(&stream[5..13]), Ok(&[127][..]));
        assert_eq!(c.feed(&stream[13..]), Ok(&[128, 129][..]));
        assert_eq!(c.header(), Some(h));
        assert_eq!(Client::new().feed(b"HTTP/1.1 200 OK\r\n"), Err(NotRtlTcp));
    }

    #[test]
    fn commands_are_five_bytes_big_endian() {
        assert_eq!(
            Command::Frequency(1_090_000_000).emit(),
            [0x01, 0x40, 0xf8, 0x14, 0x80]
        );
        assert_eq!(
            Command::SampleRate(2_400_000).emit(),
            [0x02, 0x00, 0x24, 0x9f, 0x00]
        );
        assert_eq!(Command::Gain(496).emit(), [0x04, 0, 0, 0x01, 0xf0]);
        for c in [
            Command::ManualGain(true),
            Command::FrequencyCorrection(-3),
            Command::BiasTee(true),
            Command::Other(0x0d, 7),
        ] {
            assert_eq!(Command::parse(c.emit()), c);
        }
        let t = Tuning {
            gain_db: Some(49.6),
            ..Tuning::default()
        };
        assert_eq!(
            t.commands(),
            vec![
                Command::SampleRate(2_400_000),
                Command::Frequency(1_090_000_000),
                Command::ManualGain(true),
                Command::Gain(496),
                Command::RtlAgc(false),
            ]
        );
    }
}
