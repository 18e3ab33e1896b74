//! Overlapping replies (garbling): where one of two overlapping replies is 6 dB stronger,
//! it is read, whether it starts first or inside the weaker one.

use picket_demod::{DemodConfig, Demodulator, IqSpec};
use picket_modes::Frame;
use picket_receive::Reader;

const RATE: f64 = 2.4e6;

/// One reply: its frame, start (µs), amplitude (full scale 1.0), carrier offset (Hz), phase.
struct Reply {
    frame: Frame,
    start_us: f64,
    amplitude: f64,
    offset_hz: f64,
    phase: f64,
}

/// The half-microsecond chips of a reply: preamble, then two per bit.
fn chips(frame: &Frame) -> Vec<bool> {
    let mut c = vec![
        true, false, true, false, false, false, false, true, false, true, false, false, false, false, false,
        false,
    ];
    for byte in frame.as_bytes() {
        for bit in (0..8).rev() {
            let one = (byte >> bit) & 1 == 1;
            c.push(one);
            c.push(!one);
        }
    }
    c
}

/// u8 I/Q of the replies over `total_us`, with a little deterministic noise.
fn render(replies: &[Reply], total_us: f64) -> Vec<u8> {
    let n = (total_us * 1e-6 * RATE) as usize;
    let dt = 1.0 / RATE;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = Vec::with_capacity(2 * n);
    for k in 0..n {
        let (ts, te) = (k as f64 * dt, (k + 1) as f64 * dt);
        let (mut i, mut q) = (0.0, 0.0);
        for r in replies {
            let start = r.start_us * 1e-6;
            let on: f64 = chips(&r.frame)
                .iter()
                .enumerate()
                .filter(|(_, &x)| x)
                .map(|(c, _)| {
                    let (cs, ce) = (start + c as f64 * 0.5e-6, start + (c + 1) as f64 * 0.5e-6);
                    (te.min(ce) - ts.max(cs)).max(0.0)
                })
                .sum::<f64>()
                / dt;
            let ph = r.phase + 2.0 * std::f64::consts::PI * r.offset_hz * ts;
            i += r.amplitude * on * ph.cos();
            q += r.amplitude * on * ph.sin();
        }
        // Noise of 0.01 full scale per component (Box-Muller).
        let (u1, u2) = (1.0 - uniform(), uniform());
        let m = (-2.0 * u1.ln()).sqrt() * 0.01;
        i += m * (2.0 * std::f64::consts::PI * u2).cos();
        q += m * (2.0 * std::f64::consts::PI * u2).sin();
        out.push((127.5 + 127.5 * i).round().clamp(0.0, 255.0) as u8);
        out.push((127.5 + 127.5 * q).round().clamp(0.0, 255.0) as u8);
    }
    out
}

fn demodulate(bytes: &[u8]) -> Vec<Frame> {
    let mut d = Demodulator::new(DemodConfig::new(IqSpec::u8_2400()));
    d.feed(bytes);
    d.finish();
    std::iter::from_fn(|| d.next())
        .map(|r| *r.unwrap().what.frame().unwrap())
        .collect()
}

// Real DF17 frames (pyModeS tests).
const WEAK: &str = "8D406B902015A678D4D220AA4BDA";
const STRONG: &str = "8D40058B58C901375147EFD09357";

#[test]
fn a_stronger_reply_starting_inside_a_weaker_one_is_read() {
    let (weak, strong) = (Frame::from_hex(WEAK).unwrap(), Frame::from_hex(STRONG).unwrap());
    for delay_us in [20.0, 37.3, 60.0, 90.0] {
        let bytes = render(
            &[
                Reply {
                    frame: weak,
                    start_us: 50.0,
                    amplitude: 0.1,
                    offset_hz: 3e3,
                    phase: 0.3,
                },
                Reply {
                    frame: strong,
                    start_us: 50.0 + delay_us,
                    amplitude: 0.5,
                    offset_hz: -7e3,
                    phase: 2.0,
                },
            ],
            400.0,
        );
        let found = demodulate(&bytes);
        assert!(found.contains(&strong), "delay {delay_us} µs: {found:?}");
        assert!(found.iter().all(|f| *f == weak || *f == strong), "{found:?}");
    }
}

#[test]
fn a_stronger_reply_overlapped_by_a_later_weaker_one_is_read() {
    let (weak, strong) = (Frame::from_hex(WEAK).unwrap(), Frame::from_hex(STRONG).unwrap());
    for delay_us in [3.0, 20.0, 55.5, 100.0] {
        let bytes = render(
            &[
                Reply {
                    frame: strong,
                    start_us: 50.0,
                    amplitude: 0.5,
                    offset_hz: -7e3,
                    phase: 2.0,
                },
                Reply {
                    frame: weak,
                    start_us: 50.0 + delay_us,
                    amplitude: 0.12,
                    offset_hz: 11e3,
                    phase: 1.1,
                },
            ],
            400.0,
        );
        let found = demodulate(&bytes);
        assert!(found.contains(&strong), "delay {delay_us} µs: {found:?}");
        assert!(found.iter().all(|f| *f == weak || *f == strong), "{found:?}");
    }
}

#[test]
fn each_reply_alone_is_read() {
    for hex in [WEAK, STRONG] {
        let f = Frame::from_hex(hex).unwrap();
        let bytes = render(
            &[Reply {
                frame: f,
                start_us: 30.0,
                amplitude: 0.1,
                offset_hz: 0.0,
                phase: 0.0,
            }],
            300.0,
        );
        assert_eq!(demodulate(&bytes), vec![f]);
    }
}
