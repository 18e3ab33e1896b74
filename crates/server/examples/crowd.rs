//! A crowd of synthetic aircraft through the real engine into the hub, for the server's
//! benchmarks (docs/BENCHMARKS.md, "The map and the API"):
//!
//! ```sh
//! # aircraft.json for 10,000 aircraft: time to write it, and a whole request through the router
//! cargo run --release -p picket-server --example crowd -- --aircraft 10000 --json
//! # serve 1,000 moving aircraft for the browser benchmark (web/test/bench.mjs)
//! cargo run --release -p picket-server --example crowd -- --aircraft 1000 --serve 127.0.0.1:0
//! ```
//!
//! Straight, level flights around 10.9N 66.9W (where the page opens), within ±14 degrees,
//! their frames built with `Message::encode`: airborne positions twice a second, velocity
//! once, identification every 5 s.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use picket_engine::engine::{Engine, EngineConfig};
use picket_modes::adsb::{
    AirbornePosition, AirborneVelocity, Category, GroundVelocity, HeightDifference, Identification, Me,
    SurveillanceStatus, Velocity, VerticalRate, VerticalRateSource,
};
use picket_modes::cpr::{self, CprParity, LatLon};
use picket_modes::message::Message;
use picket_modes::{Altitude, Callsign, Frame, Icao};
use picket_receive::{Clock, Received, What};
use picket_server::{readsb, router, AppState, Hub, Publisher, ServerConfig};
use tower::ServiceExt;

struct Flight {
    address: Icao,
    lat: f64,
    lon: f64,
    east_kt: f64,
    north_kt: f64,
    alt_ft: i32,
    callsign: Callsign,
}

fn flights(n: usize) -> Vec<Flight> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut unit = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|i| {
            let heading = unit() * std::f64::consts::TAU;
            let gs = 250.0 + 250.0 * unit();
            Flight {
                address: Icao(0x0c0000 + i as u32 * 7),
                lat: 10.9 + (unit() - 0.5) * 28.0,
                lon: -66.9 + (unit() - 0.5) * 28.0,
                east_kt: gs * heading.sin(),
                north_kt: gs * heading.cos(),
                alt_ft: 2_000 + 25 * (unit() * 1_400.0) as i32,
                callsign: Callsign::new(&format!("CRD{i:04}")),
            }
        })
        .collect()
}

fn squitter(address: Icao, me: Me) -> Frame {
    Message::ExtendedSquitter {
        capability: 5,
        address,
        me,
    }
    .encode(Icao(0))
}

/// The frames of second `k` (from `t0`) of every flight, in time order.
fn second(fl: &[Flight], t0: f64, k: u64, out: &mut Vec<Received>) {
    out.clear();
    for (i, f) in fl.iter().enumerate() {
        let phase = (i % 500) as f64 / 500.0 * 0.45;
        for half in 0..2u64 {
            let dt = k as f64 + half as f64 * 0.5;
            let lat = f.lat + f.north_kt * dt / 3600.0 / 60.0;
            let lon = f.lon + f.east_kt * dt / 3600.0 / 60.0 / lat.to_radians().cos();
            let parity = if half == 0 {
                CprParity::Even
            } else {
                CprParity::Odd
            };
            let me = Me::AirbornePosition(AirbornePosition {
                type_code: 11,
                surveillance_status: SurveillanceStatus::NoCondition,
                nic_b: false,
                altitude_code: AirbornePosition::altitude_code_for(Altitude::Feet25(f.alt_ft)),
                utc_sync: false,
                cpr: cpr::encode_airborne(LatLon { lat, lon }, parity),
            });
            let t = t0 + dt + phase;
            out.push(item(t, squitter(f.address, me)));
        }
        let v = Me::AirborneVelocity(AirborneVelocity {
            intent_change: false,
            ifr_capability: false,
            nac_v: 1,
            velocity: Velocity::Ground(GroundVelocity::from_components_kt(f.east_kt, f.north_kt)),
            vertical_rate: VerticalRate::from_fpm(VerticalRateSource::Barometric, Some(0.0)),
            reserved: 0,
            height_difference: HeightDifference::from_ft(None),
        });
        out.push(item(t0 + k as f64 + phase + 0.2, squitter(f.address, v)));
        if k.is_multiple_of(5) {
            let id = Identification::new(Category::from_type_code(4, 3).unwrap(), &f.callsign);
            out.push(item(
                t0 + k as f64 + phase + 0.3,
                squitter(f.address, Me::Identification(id)),
            ));
        }
    }
    out.sort_by(|a, b| a.time_utc.total_cmp(&b.time_utc));
}

fn item(t: f64, f: Frame) -> Received {
    Received {
        time_utc: t,
        clock: Clock::None,
        signal: Some(-20.0),
        receiver: 0,
        what: What::ModeS(f),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let n: usize = arg("--aircraft").map_or(10_000, |v| v.parse().unwrap());
    let fl = flights(n);
    let hub = Arc::new(Hub::new());
    let mut engine = Engine::new(EngineConfig::default());
    hub.set_world(engine.zones(), engine.rules());
    let mut publisher = Publisher::new(hub.clone(), Vec::new());
    let mut alerts = Vec::new();
    let t0 = 1_700_000_000.0;
    let mut buf = Vec::new();
    // Three seconds give every flight a CPR pair and a callsign.
    for k in 0..3 {
        second(&fl, t0, k, &mut buf);
        engine.tick(t0 + k as f64, &mut alerts);
        for r in &buf {
            let res = engine.ingest(r, &mut alerts);
            publisher.on_item(r, &res);
        }
    }
    publisher.publish(&engine, t0 + 3.0, 0.0);
    let snap = hub.snapshot();
    let located = snap
        .aircraft
        .iter()
        .filter(|a| a.state.position.is_some())
        .count();
    eprintln!(
        "crowd: {} aircraft tracked, {located} located",
        snap.aircraft.len()
    );

    if args.iter().any(|a| a == "--json") {
        let runs = 50;
        let mut write = Vec::new();
        let mut bytes = 0;
        let cpu0 = picket_bench::process_cpu_s();
        for _ in 0..runs {
            let t = Instant::now();
            let s = readsb::aircraft_json(&snap);
            write.push(t.elapsed().as_secs_f64() * 1e3);
            bytes = s.len();
        }
        if let (Some(a), Some(b)) = (cpu0, picket_bench::process_cpu_s()) {
            println!(
                "aircraft.json write: {:.2} ms of CPU time per write (mean of {runs})",
                (b - a) * 1e3 / f64::from(runs)
            );
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut request = Vec::new();
        for _ in 0..runs {
            // A new snapshot each time: the request writes the JSON (no cached copy).
            publisher.invalidate();
            publisher.publish(&engine, t0 + 3.0, 0.0);
            let app = router(AppState::new(hub.clone(), ServerConfig::default()));
            let t = Instant::now();
            let len = rt.block_on(async {
                let r = app
                    .oneshot(
                        Request::builder()
                            .uri("/data/aircraft.json")
                            .body(Body::empty())
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                r.into_body().collect().await.unwrap().to_bytes().len()
            });
            request.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(len, bytes);
        }
        let stat = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2], v[v.len() * 95 / 100], v[v.len() - 1])
        };
        let (m, p, x) = stat(&mut write);
        println!("aircraft.json, {n} aircraft, {bytes} bytes: write median {m:.2} ms, p95 {p:.2} ms, max {x:.2} ms");
        let (m, p, x) = stat(&mut request);
        println!("GET /data/aircraft.json through the router (fresh snapshot): median {m:.2} ms, p95 {p:.2} ms, max {x:.2} ms");
        // Later requests of the same snapshot share its JSON.
        let app = router(AppState::new(hub.clone(), ServerConfig::default()));
        let mut cached = Vec::new();
        for _ in 0..runs {
            let app = app.clone();
            let t = Instant::now();
            rt.block_on(async {
                let r = app
                    .oneshot(
                        Request::builder()
                            .uri("/data/aircraft.json")
                            .body(Body::empty())
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                r.into_body().collect().await.unwrap().to_bytes().len()
            });
            cached.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (m, p, x) = stat(&mut cached);
        println!(
            "GET /data/aircraft.json again (same snapshot): median {m:.3} ms, p95 {p:.3} ms, max {x:.3} ms"
        );
        return;
    }

    if let Some(addr) = arg("--serve") {
        let listener = picket_server::bind(addr.parse().unwrap(), false).unwrap();
        eprintln!(
            "crowd: serving the map at http://{}/",
            listener.local_addr().unwrap()
        );
        let stop = Arc::new(AtomicBool::new(false));
        let feeder = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                // The crowd moves on in real time; published four times a second.
                let wall0 = Instant::now();
                let mut next_publish = Instant::now();
                for k in 3.. {
                    second(&fl, t0, k, &mut buf);
                    engine.tick(t0 + k as f64, &mut alerts);
                    for r in &buf {
                        let due = wall0 + Duration::from_secs_f64(r.time_utc - t0 - 3.0);
                        let now = Instant::now();
                        if now < due {
                            std::thread::sleep(due - now);
                        }
                        let res = engine.ingest(r, &mut alerts);
                        publisher.on_item(r, &res);
                        if Instant::now() >= next_publish {
                            publisher.publish(&engine, r.time_utc, 0.0);
                            next_publish += Duration::from_millis(250);
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                }
            })
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let app = router(AppState::new(hub, ServerConfig::default()));
        rt.block_on(picket_server::serve(listener, app, std::future::pending()))
            .unwrap();
        stop.store(true, Ordering::Relaxed);
        let _ = feeder.join();
    }
}
