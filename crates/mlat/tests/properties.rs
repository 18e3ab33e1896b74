//! No input makes multilateration panic: random frames, clocks, receivers and times, in any
//! order, including times that go backwards and are not numbers.

use picket_mlat::geo::Geodetic;
use picket_mlat::{Mlat, MlatConfig, ReceiverConfig};
use picket_modes::Frame;
use picket_receive::{Clock, Received, What};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_input_never_panics_and_every_item_is_counted() {
    let receivers: Vec<ReceiverConfig> = (0..5)
        .map(|i| ReceiverConfig {
            name: format!("r{i}"),
            position: Geodetic::new(50.0 + 0.3 * f64::from(i), 10.0 - 0.2 * f64::from(i), 100.0),
        })
        .collect();
    // A few real frames (DF17 positions, DF11, DF4) among random ones, so that groups form.
    let real = [
        "8d4840d6202cc371c32ce0576098",
        "8d40621d58c382d690c8ac2863a7",
        "8d40621d58c386435cc412692ad6",
        "5d4840d6c3a5b4",
        "20000ca8f70aa7",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut mlat = Mlat::new(receivers, MlatConfig::default());
    let mut out = Vec::new();
    let mut t = 1.7e9;
    let n = 200_000u64;
    for _ in 0..n {
        let frame = if rng.below(3) == 0 {
            Frame::from_hex(real[rng.below(real.len() as u64) as usize]).unwrap()
        } else {
            let len = if rng.below(2) == 0 { 7 } else { 14 };
            let mut b = [0u8; 14];
            for x in b.iter_mut().take(len) {
                *x = rng.next() as u8;
            }
            match Frame::new(&b[..len]) {
                Ok(f) => f,
                Err(_) => continue,
            }
        };
        t += match rng.below(100) {
            0 => -5.0,
            1 => 100.0,
            _ => rng.below(1000) as f64 * 1e-6,
        };
        let time_utc = if rng.below(1000) == 0 { f64::NAN } else { t };
        let clock = match rng.below(10) {
            0 => Clock::None,
            1 => Clock::GpsTimeOfDay {
                seconds: rng.below(86_400) as u32,
                nanos: rng.below(1_000_000_000) as u32,
            },
            _ => Clock::Ticks12Mhz(rng.next() & ((1 << 48) - 1)),
        };
        let r = Received {
            time_utc,
            clock,
            signal: None,
            receiver: rng.below(7) as u16,
            what: What::ModeS(frame),
        };
        mlat.ingest(&r, &mut out);
    }
    mlat.finish(&mut out);
    let s = mlat.stats();
    assert!(s.items > n / 2);
    assert!(
        s.groups > 0 && s.unknown_receiver > 0 && s.no_clock > 0 && s.bad_time > 0,
        "{s:?}"
    );
    for f in &out {
        assert!(f.lat.is_finite() && f.lon.is_finite() && f.error_m.is_finite());
    }
}
