//! Multilateration benchmark (a plain binary): `cargo bench -p picket-mlat --bench solve`.
//!
//! 1. The solver alone: synthetic arrivals at 4 receivers (with an altitude), solves per
//!    second on one core, without and with the altitude row.
//! 2. The whole process on simulated receivers: N receivers on a ring of radius R around
//!    50°N 10°E, each with its own clock (offset, tens of ppm of drift, 50 ns jitter), 16
//!    ADS-B airliners as beacons and 40 Mode S-only aircraft inside the ring (120 s). The
//!    frames are generated first; the timed part is `Mlat::ingest` over all of them. Reports
//!    frames and fixes per second of CPU time (one core) and the fixes' horizontal error
//!    against the truth (after the first 30 s, which synchronise the clocks).

use std::collections::HashMap;
use std::time::Instant;

use picket_mlat::geo::{distance, Geodetic, C};
use picket_mlat::solve::{solve, Arrival, Height, SolveConfig};
use picket_mlat::{Mlat, MlatConfig, ReceiverConfig};
use picket_receive::Received;
use picket_sim::{Scenario, Simulation, Window};

fn main() {
    solver_alone();
    println!();
    println!(
        "| receivers | ring radius | frames/s | fixes | fixes/s | median error | p95 error | median (smoothed) | CPU / wall |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for &(n, r_km) in &[
        (4, 50.0),
        (4, 100.0),
        (4, 200.0),
        (6, 100.0),
        (8, 50.0),
        (8, 100.0),
        (8, 200.0),
    ] {
        pipeline(n, r_km);
    }
}

fn solver_alone() {
    let rx: Vec<_> = [(50.0, 10.0), (50.5, 11.2), (49.4, 10.9), (49.8, 9.0)]
        .iter()
        .map(|&(la, lo)| Geodetic::new(la, lo, 100.0).to_ecef())
        .collect();
    // Targets on a grid inside the receivers, with a start 2 km off.
    let mut cases = Vec::new();
    for i in 0..100 {
        let truth = Geodetic::new(49.6 + 0.008 * i as f64, 9.6 + 0.015 * i as f64, 10_000.0);
        let t = truth.to_ecef();
        let arrivals: Vec<Arrival> = rx
            .iter()
            .map(|r| Arrival {
                position: *r,
                time_s: 0.1 + distance(&t, r) / C,
                sigma_s: 50e-9,
            })
            .collect();
        let start = Geodetic::new(truth.lat + 0.02, truth.lon, 9_000.0).to_ecef();
        cases.push((arrivals, start));
    }
    let cfg = SolveConfig::default();
    let h = Some(Height {
        alt_m: 10_000.0,
        sigma_m: 25.0,
    });
    for (label, with_height) in [
        ("4 receivers, no altitude", false),
        ("4 receivers + altitude", true),
    ] {
        let rounds = 1000;
        let (t0, c0) = (Instant::now(), picket_bench::process_cpu_s().unwrap_or(f64::NAN));
        let mut ok = 0;
        for _ in 0..rounds {
            for (a, s) in &cases {
                if solve(a, if with_height { h } else { None }, *s, &cfg).is_ok() {
                    ok += 1;
                }
            }
        }
        let (wall, cpu) = (
            t0.elapsed().as_secs_f64(),
            picket_bench::process_cpu_s().unwrap_or(f64::NAN) - c0,
        );
        let dt = if cpu.is_finite() && cpu > 0.0 { cpu } else { wall };
        let n = rounds * cases.len();
        println!(
            "solver alone, {label}: {n} solves in {dt:.3} s of CPU ({wall:.3} s wall) = {:.0} solves/s \
             ({:.2} µs each), {ok} converged",
            n as f64 / dt,
            dt / n as f64 * 1e6
        );
    }
}

const FT: f64 = 0.3048;

/// A deterministic generator for the scenario's placements.
struct Lcg(u64);
impl Lcg {
    fn f(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn scenario(n: usize, r_km: f64) -> Scenario {
    let (clat, clon) = (50.0f64, 10.0f64);
    let dlat = |km: f64| km / 111.2;
    let dlon = |km: f64| km / (111.2 * clat.to_radians().cos());
    let mut text = String::from(
        "name = \"ring\"\ndescription = \"bench\"\nstart = \"2024-01-01T12:00:00Z\"\nduration = \"10m\"\nseed = 5\n\n",
    );
    let mut g = Lcg(n as u64 * 1000 + r_km as u64);
    for k in 0..n {
        let a = std::f64::consts::TAU * (k as f64 + 0.2 * g.f()) / n as f64;
        text.push_str(&format!(
            "[[receiver]]\nname = \"r{k}\"\nlat = {:.5}\nlon = {:.5}\nalt_ft = {:.0}\nrange_nm = 250\n\
             clock = {{ offset_s = {:.3}, drift_ppm = {:.1}, jitter_ns = 50 }}\n\n",
            clat + dlat(r_km * a.cos()),
            clon + dlon(r_km * a.sin()),
            50.0 + 300.0 * g.f(),
            1000.0 * g.f(),
            80.0 * g.f() - 40.0,
        ));
    }
    let aircraft = |hex: u32, adsb: bool, spread_km: f64, g: &mut Lcg| {
        let (x, y) = loop {
            let (x, y) = (2.0 * g.f() - 1.0, 2.0 * g.f() - 1.0);
            if x * x + y * y <= 1.0 {
                break (x * spread_km, y * spread_km);
            }
        };
        format!(
            "[[aircraft]]\nhex = \"{hex:06x}\"\ntype = \"B738\"\n{}transponder = \"{}\"\nlat = {:.5}\nlon = {:.5}\n\
             alt_ft = {:.0}\nspeed_kt = {:.0}\ntrack = {:.0}\n\n",
            if adsb { format!("callsign = \"BCN{}\"\n", hex % 1000) } else { String::new() },
            if adsb { "adsb2" } else { "modes_only" },
            clat + dlat(y),
            clon + dlon(x),
            20_000.0 + 18_000.0 * g.f(),
            300.0 + 200.0 * g.f(),
            360.0 * g.f()
        )
    };
    for i in 0..16 {
        text.push_str(&aircraft(0x3c0000 + i, true, r_km * 1.2, &mut g));
    }
    for i in 0..40 {
        text.push_str(&aircraft(0x3d0000 + i, false, r_km * 0.5, &mut g));
    }
    Scenario::from_toml(&text, "ring").unwrap_or_else(|e| panic!("{e}"))
}

fn pipeline(n: usize, r_km: f64) {
    let s = scenario(n, r_km);
    let sim = Simulation::new(
        &s,
        s.seed,
        Window {
            from_s: 0.0,
            duration_s: Some(120.0),
        },
    );
    let start = s.start as f64 / 1e9;
    let mut truth = HashMap::new();
    for st in sim.truth_states() {
        truth.insert(
            (st.address, st.t_s.round() as i64),
            Geodetic::new(st.position.lat, st.position.lon, st.alt_geom_ft * FT),
        );
    }
    let frames: Vec<Received> = sim.frames().map(|h| h.received).collect();
    let receivers: Vec<ReceiverConfig> = s
        .receivers
        .iter()
        .map(|r| ReceiverConfig {
            name: r.name.clone(),
            position: Geodetic::new(r.position.lat, r.position.lon, r.alt_ft * FT),
        })
        .collect();
    // Five runs over the same frames (the CPU clock ticks every 10 ms): the figures are
    // for one run, the time is the mean.
    const RUNS: u32 = 5;
    let mut fixes = Vec::with_capacity(20_000);
    let (t0, c0) = (Instant::now(), picket_bench::process_cpu_s().unwrap_or(f64::NAN));
    for _ in 0..RUNS {
        fixes.clear();
        let mut mlat = Mlat::new(receivers.clone(), MlatConfig::default());
        for f in &frames {
            mlat.ingest(f, &mut fixes);
        }
        mlat.finish(&mut fixes);
    }
    let wall = t0.elapsed().as_secs_f64() / f64::from(RUNS);
    // Per core: the process's CPU time when the system tells it (other work shares the
    // cores), else wall time.
    let cpu = (picket_bench::process_cpu_s().unwrap_or(f64::NAN) - c0) / f64::from(RUNS);
    let dt = if cpu.is_finite() && cpu > 0.0 { cpu } else { wall };
    let mut raw = Vec::new();
    let mut smooth = Vec::new();
    for f in &fixes {
        // Leave the first 30 s (clock sync) out of the accuracy figures.
        let t = f.time_utc - start - 0.001;
        if t < 30.0 {
            continue;
        }
        let s0 = t.floor() as i64;
        let (Some(a), Some(b)) = (truth.get(&(f.address.0, s0)), truth.get(&(f.address.0, s0 + 1))) else {
            continue;
        };
        let w = t - s0 as f64;
        let tg = Geodetic::new(a.lat + (b.lat - a.lat) * w, a.lon + (b.lon - a.lon) * w, a.alt_m);
        let d = |lat: f64, lon: f64| {
            let dn = (lat - tg.lat) * 111_200.0;
            let de = (lon - tg.lon) * 111_200.0 * tg.lat.to_radians().cos();
            dn.hypot(de)
        };
        raw.push(d(f.raw_lat, f.raw_lon));
        smooth.push(d(f.lat, f.lon));
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v.get(((v.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "| {n} | {r_km:.0} km | {:.0} | {} | {:.0} | {:.0} m | {:.0} m | {:.0} m | {:.2} s / {:.2} s |",
        frames.len() as f64 / dt,
        fixes.len(),
        fixes.len() as f64 / dt,
        pct(&mut raw, 0.5),
        pct(&mut raw, 0.95),
        pct(&mut smooth, 0.5),
        dt,
        wall
    );
}
