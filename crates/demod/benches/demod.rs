//! Samples per second of the demodulator on one core (docs/BENCHMARKS.md).
//!
//! `cargo bench -p picket-demod --bench demod -- FILE [FORMAT]` demodulates a recording
//! (FORMAT as `picket decode --format`, default `iq-u8`, 2.4 MS/s); without a file it
//! renders 10 s of the simulator's dense traffic first (outside the timed loop).
//! `PICKET_BENCH_ONCE=1` runs one pass of the vectorised kernel, for callgrind.

use picket_demod::{DemodConfig, Demodulator, IqSpec, Kernel};
use picket_receive::Reader;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let spec: IqSpec = args
        .get(1)
        .map_or("iq-u8", String::as_str)
        .parse()
        .expect("an IQ format");
    let bytes = match args.first() {
        Some(path) => std::fs::read(path).expect("the recording reads"),
        None => render(spec),
    };
    let samples = bytes.len() / spec.sample.bytes_per_sample();
    // PICKET_BENCH_ONCE=1: one pass of the vector kernel (for callgrind).
    let once = std::env::var_os("PICKET_BENCH_ONCE").is_some();
    let kernels: &[Kernel] = if once {
        &[Kernel::Vector]
    } else {
        &[Kernel::Vector, Kernel::Scalar]
    };
    for &kernel in kernels {
        let mut best = f64::MAX;
        let mut frames = 0;
        for _ in 0..if once { 1 } else { 5 } {
            let mut config = DemodConfig::new(spec);
            config.kernel = kernel;
            let mut d = Demodulator::new(config);
            let (t, cpu0) = (Instant::now(), picket_bench::process_cpu_s());
            for chunk in bytes.chunks(1 << 20) {
                d.feed(chunk);
                while d.next().is_some() {}
            }
            d.finish();
            while d.next().is_some() {}
            // CPU time of the process when /proc gives it (the machine may be shared),
            // else the wall clock.
            let spent = match (cpu0, picket_bench::process_cpu_s()) {
                (Some(a), Some(b)) => b - a,
                _ => t.elapsed().as_secs_f64(),
            };
            best = best.min(spent);
            frames = d.demod_stats().frames;
        }
        println!(
            "{kernel:?}: {samples} samples, {frames} frames, {:.3} s CPU, {:.1} M samples/s per core",
            best,
            samples as f64 / best / 1e6
        );
    }
}

/// The simulator's dense traffic scenario (one copy, shared with the tests).
const DENSE: &str = include_str!("../../sim/scenarios/bench/dense.toml");

fn render(spec: IqSpec) -> Vec<u8> {
    use picket_sim::{IqFormat, IqOptions, IqStream, Scenario, Simulation, Window};
    let s = Scenario::from_toml(DENSE, "dense.toml").expect("the scenario parses");
    let sim = Simulation::new(
        &s,
        5,
        Window {
            from_s: 1800.0,
            duration_s: Some(10.0),
        },
    );
    let mut iq = IqStream::new(
        &sim,
        IqOptions {
            rate: f64::from(spec.rate_hz),
            format: IqFormat::U8,
            snr_db: 20.0,
            ..IqOptions::default()
        },
    );
    let mut bytes = Vec::new();
    while iq.fill(&mut bytes, 1 << 16) > 0 {}
    bytes
}
