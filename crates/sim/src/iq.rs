//! Radio samples: the frames one receiver hears, as the complex baseband an SDR would record.
//!
//! Mode S replies and squitters are pulse-position modulated at 1 Mbit/s (ICAO Annex 10 Vol IV,
//! 3.1.2.1): an 8 µs preamble with 0.5 µs pulses at 0, 1, 3.5 and 4.5 µs, then one bit per
//! microsecond, a pulse in the first half for 1 and in the second half for 0. Each frame is a
//! carrier with a random phase and a small frequency offset, switched by that envelope; each
//! sample integrates the envelope over its own interval (an SDR's anti-alias filter, roughly),
//! overlapping frames add up, and complex white Gaussian noise sits underneath.
//!
//! Output is interleaved I/Q: unsigned 8-bit (`u8`, 127.5 is zero, as RTL-SDR dongles give) or
//! signed 16-bit little-endian (`s16`), at 2.0 or 2.4 MS/s.

use crate::frames::{Frames, Heard};
use crate::rng::Rng;
use crate::sim::Simulation;

/// The sample encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IqFormat {
    /// Unsigned 8-bit I/Q pairs, zero at 127.5 (RTL-SDR, dump1090's `UC8`).
    U8,
    /// Signed 16-bit little-endian I/Q pairs (dump1090's `SC16`).
    S16,
}

impl IqFormat {
    /// Bytes per complex sample.
    pub fn bytes_per_sample(self) -> usize {
        match self {
            IqFormat::U8 => 2,
            IqFormat::S16 => 4,
        }
    }
}

/// How to make the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IqOptions {
    /// Sample rate, samples per second (2.0e6 or 2.4e6).
    pub rate: f64,
    /// Sample encoding.
    pub format: IqFormat,
    /// Signal-to-noise ratio of a frame at the reference level, dB (peak pulse power over noise power).
    pub snr_db: f64,
    /// Noise standard deviation of each of I and Q, in full-scale units (1.0 is full scale).
    pub noise_rms: f64,
    /// When true, each frame's level follows its signal level relative to -20 dBFS (near
    /// aircraft louder, far ones fainter); when false every frame has `snr_db`.
    pub level_from_signal: bool,
    /// Which receiver's reception to render.
    pub receiver: u16,
}

impl Default for IqOptions {
    fn default() -> Self {
        IqOptions {
            rate: 2.4e6,
            format: IqFormat::U8,
            snr_db: 25.0,
            noise_rms: 0.02,
            level_from_signal: false,
            receiver: 0,
        }
    }
}

/// One frame being rendered: its start (seconds from the first sample), amplitude, carrier and chips.
#[derive(Debug, Clone)]
struct Burst {
    start: f64,
    amplitude: f64,
    freq_hz: f64,
    phase: f64,
    /// Half-microsecond chips: preamble then two per bit.
    chips: Vec<bool>,
}

impl Burst {
    fn end(&self) -> f64 {
        self.start + self.chips.len() as f64 * CHIP_S
    }
}

/// Duration of a half-microsecond chip.
const CHIP_S: f64 = 0.5e-6;
/// The preamble's chips: pulses at 0, 1, 3.5 and 4.5 µs of 8 µs.
const PREAMBLE: [bool; 16] = [
    true, false, true, false, false, false, false, true, false, true, false, false, false, false, false,
    false,
];

/// A stream of I/Q samples for one receiver over a simulation's window.
#[derive(Debug)]
pub struct IqStream {
    frames: std::iter::Peekable<Frames>,
    options: IqOptions,
    /// UTC second of sample 0.
    origin_utc: f64,
    next_sample: u64,
    total_samples: u64,
    active: Vec<Burst>,
    placed: Vec<Heard>,
    rng: Rng,
}

impl IqStream {
    /// Samples of the simulation's window as heard by `options.receiver`.
    pub fn new(sim: &Simulation, options: IqOptions) -> IqStream {
        let (from, to) = sim.window_s();
        let origin_utc = sim.scenario().start as f64 / 1e9 + from;
        IqStream {
            frames: sim.frames().peekable(),
            options,
            origin_utc,
            next_sample: 0,
            total_samples: ((to - from).max(0.0) * options.rate).round() as u64,
            active: Vec::new(),
            placed: Vec::new(),
            rng: Rng::keyed(&[sim.seed(), 0x1D_5A3F, u64::from(options.receiver)]),
        }
    }

    /// Samples in the whole stream.
    pub fn total_samples(&self) -> u64 {
        self.total_samples
    }

    /// The frames rendered so far (those of the receiver, in order).
    pub fn placed(&self) -> &[Heard] {
        &self.placed
    }

    /// Appends up to `max_samples` samples to `out`; returns how many (0 at the end).
    pub fn fill(&mut self, out: &mut Vec<u8>, max_samples: usize) -> usize {
        let n = (self.total_samples - self.next_sample).min(max_samples as u64) as usize;
        if n == 0 {
            return 0;
        }
        let dt = 1.0 / self.options.rate;
        let block_start = self.next_sample as f64 * dt;
        let block_end = (self.next_sample + n as u64) as f64 * dt;
        self.admit(block_end);
        let mut i_buf = vec![0.0f64; n];
        let mut q_buf = vec![0.0f64; n];
        let sigma = self.options.noise_rms;
        for k in 0..n {
            let (a, b) = normal_pair(&mut self.rng);
            i_buf[k] = a * sigma;
            q_buf[k] = b * sigma;
        }
        for burst in &self.active {
            let first = (((burst.start - block_start) / dt).floor().max(0.0)) as usize;
            let last = (((burst.end() - block_start) / dt).ceil().max(0.0) as usize).min(n);
            for k in first..last {
                let ts = block_start + k as f64 * dt;
                let te = ts + dt;
                let env = envelope(burst, ts, te) / dt;
                if env > 0.0 {
                    let ph = burst.phase + 2.0 * std::f64::consts::PI * burst.freq_hz * (ts - burst.start);
                    i_buf[k] += burst.amplitude * env * ph.cos();
                    q_buf[k] += burst.amplitude * env * ph.sin();
                }
            }
        }
        out.reserve(n * self.options.format.bytes_per_sample());
        for k in 0..n {
            match self.options.format {
                IqFormat::U8 => {
                    out.push((127.5 + 127.5 * i_buf[k]).round().clamp(0.0, 255.0) as u8);
                    out.push((127.5 + 127.5 * q_buf[k]).round().clamp(0.0, 255.0) as u8);
                }
                IqFormat::S16 => {
                    out.extend_from_slice(
                        &((32767.0 * i_buf[k]).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes(),
                    );
                    out.extend_from_slice(
                        &((32767.0 * q_buf[k]).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes(),
                    );
                }
            }
        }
        self.next_sample += n as u64;
        self.active.retain(|b| b.end() > block_end);
        n
    }

    /// Takes the receiver's frames that start before `until` (seconds from sample 0).
    fn admit(&mut self, until: f64) {
        while let Some(h) = self.frames.peek() {
            let start = h.received.time_utc - self.origin_utc;
            if start >= until {
                break;
            }
            let Some(h) = self.frames.next() else { break };
            if h.received.receiver != self.options.receiver {
                continue;
            }
            let Some(frame) = h.received.what.frame() else {
                continue;
            };
            let mut chips = PREAMBLE.to_vec();
            for byte in frame.as_bytes() {
                for bit in (0..8).rev() {
                    let one = (byte >> bit) & 1 == 1;
                    chips.push(one);
                    chips.push(!one);
                }
            }
            let level_db = if self.options.level_from_signal {
                self.options.snr_db + f64::from(h.received.signal.unwrap_or(-20.0)) + 20.0
            } else {
                self.options.snr_db
            };
            // Peak pulse power A² over the complex noise power 2σ².
            let amplitude = self.options.noise_rms * 2f64.sqrt() * 10f64.powf(level_db / 20.0);
            self.active.push(Burst {
                start,
                amplitude,
                freq_hz: self.rng.range(-20e3, 20e3),
                phase: self.rng.range(0.0, 2.0 * std::f64::consts::PI),
                chips,
            });
            self.placed.push(h);
        }
    }
}

/// The time (seconds) within [ts, te) that the burst's carrier is on.
fn envelope(b: &Burst, ts: f64, te: f64) -> f64 {
    let mut on = 0.0;
    let c0 = ((ts - b.start) / CHIP_S).floor().max(0.0) as usize;
    let c1 = (((te - b.start) / CHIP_S).floor().max(0.0) as usize).min(b.chips.len().saturating_sub(1));
    for c in c0..=c1 {
        if !b.chips.get(c).copied().unwrap_or(false) {
            continue;
        }
        let cs = b.start + c as f64 * CHIP_S;
        let ce = cs + CHIP_S;
        on += (te.min(ce) - ts.max(cs)).max(0.0);
    }
    on
}

/// Two independent standard normal variates (Box-Muller).
fn normal_pair(r: &mut Rng) -> (f64, f64) {
    let u1 = 1.0 - r.f64();
    let u2 = r.f64();
    let m = (-2.0 * u1.ln()).sqrt();
    let a = 2.0 * std::f64::consts::PI * u2;
    (m * a.cos(), m * a.sin())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::sim::Window;

    fn scenario() -> Scenario {
        Scenario::from_toml(
            r#"
start = "2019-03-23T14:00:00Z"
duration = "1h"
[[receiver]]
name = "rx"
lat = 11.0
lon = -66.0
loss_near = 0.0
loss_at_range = 0.0
[[aircraft]]
hex = "1514c0"
callsign = "RFF7076"
lat = 11.2
lon = -66.0
alt_ft = 30000
speed_kt = 450
"#,
            "t",
        )
        .unwrap()
    }

    /// Demodulates with decision feedback, the simplest receiver that copes with 2.0 MS/s (where
    /// a sample can straddle two chips): knowing the frame's start and the bits so far, each bit
    /// is the hypothesis whose expected sample magnitudes (over the samples that end within the
    /// bit) are closest to the samples. At high SNR it must recover every bit at both rates.
    #[test]
    fn pulses_carry_the_bits() {
        let s = scenario();
        let sim = Simulation::new(
            &s,
            1,
            Window {
                from_s: 0.0,
                duration_s: Some(2.0),
            },
        );
        for rate in [2.0e6, 2.4e6] {
            let opts = IqOptions {
                rate,
                format: IqFormat::S16,
                snr_db: 30.0,
                ..IqOptions::default()
            };
            let amplitude = opts.noise_rms * 2f64.sqrt() * 10f64.powf(opts.snr_db / 20.0) * 32767.0;
            let mut iq = IqStream::new(&sim, opts);
            let mut bytes = Vec::new();
            while iq.fill(&mut bytes, 100_000) > 0 {}
            assert_eq!(bytes.len() as u64, iq.total_samples() * 4);
            let mag = |k: usize| {
                let i = i16::from_le_bytes([bytes[4 * k], bytes[4 * k + 1]]) as f64;
                let q = i16::from_le_bytes([bytes[4 * k + 2], bytes[4 * k + 3]]) as f64;
                i.hypot(q)
            };
            let origin = s.start as f64 / 1e9;
            assert!(iq.placed().len() > 5);
            let dt = 1.0 / rate;
            for h in iq.placed() {
                let start = h.received.time_utc - origin;
                let frame = h.received.what.frame().unwrap();
                let mut chips: Vec<bool> = PREAMBLE.to_vec();
                let expected = |chips: &[bool], k: usize| {
                    let (ts, te) = (k as f64 * dt, (k + 1) as f64 * dt);
                    let mut on = 0.0;
                    for (c, &x) in chips.iter().enumerate() {
                        let (cs, ce) = (start + c as f64 * 0.5e-6, start + (c + 1) as f64 * 0.5e-6);
                        if x {
                            on += (te.min(ce) - ts.max(cs)).max(0.0);
                        }
                    }
                    amplitude * on / dt
                };
                let mut decoded = Vec::new();
                for b in 0..frame.len_bits() {
                    let (bs, be) = (start + 8e-6 + b as f64 * 1e-6, start + 9e-6 + b as f64 * 1e-6);
                    let k0 = (bs / dt).floor() as usize;
                    let k1 = (be / dt).floor() as usize; // samples ending by the bit's end
                    let cost = |one: bool| {
                        let mut c = chips.clone();
                        c.push(one);
                        c.push(!one);
                        (k0..k1).map(|k| (mag(k) - expected(&c, k)).powi(2)).sum::<f64>()
                    };
                    let one = cost(true) < cost(false);
                    chips.push(one);
                    chips.push(!one);
                    decoded.push(one);
                }
                let bits: Vec<bool> = frame
                    .as_bytes()
                    .iter()
                    .flat_map(|byte| (0..8).rev().map(move |i| (byte >> i) & 1 == 1))
                    .collect();
                assert_eq!(decoded, bits, "rate {rate}");
            }
        }
    }

    #[test]
    fn u8_noise_is_centred_and_deterministic() {
        let s = scenario();
        let sim = Simulation::new(
            &s,
            1,
            Window {
                from_s: 0.0,
                duration_s: Some(0.05),
            },
        );
        let render = || {
            let mut iq = IqStream::new(&sim, IqOptions::default());
            let mut out = Vec::new();
            while iq.fill(&mut out, 4096) > 0 {}
            out
        };
        let a = render();
        assert_eq!(a, render());
        assert_eq!(a.len(), 120_000 * 2);
        let mean = a.iter().map(|&x| x as f64).sum::<f64>() / a.len() as f64;
        assert!((mean - 127.5).abs() < 0.5, "{mean}");
    }
}
