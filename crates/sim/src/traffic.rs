//! Background airline traffic: ordinary flights between real airports of the area and
//! overflights crossing it, deterministic from the seed.
//!
//! Addresses are drawn from the civil part of each airline's national ICAO block (the military
//! sub-ranges are avoided), so that the monitor's classification sees airliners. The airlines
//! and types are illustrative, picked by region (north of 45°N: Alaska and the North Pacific;
//! south: the Caribbean).

use picket_modes::identity::Squawk;
use picket_world::airports::{Airport, AirportKind};

use crate::geo::{norm180, NM};
use crate::perf::{Category, Performance};
use crate::rng::Rng;
use crate::scenario::{AircraftSpec, BackgroundSpec, End, InitialState, Phase, RunwayRef, Transponder};

/// An airline: ICAO prefix, civil address range, types flown, share of ADS-B versions.
#[derive(Debug, Clone, Copy)]
struct Airline {
    prefix: &'static str,
    block: (u32, u32),
    types: &'static [&'static str],
}

const CARIBBEAN: &[Airline] = &[
    Airline {
        prefix: "AVA",
        block: (0x0AC000, 0x0ACFFF),
        types: &["A320", "A319", "B788"],
    },
    Airline {
        prefix: "CMP",
        block: (0x0C2000, 0x0C2FFF),
        types: &["B738", "B38M"],
    },
    Airline {
        prefix: "VCV",
        block: (0x0D8000, 0x0DFFFF),
        types: &["E190", "A320"],
    },
    Airline {
        prefix: "LER",
        block: (0x0D8000, 0x0DFFFF),
        types: &["MD83", "E190"],
    },
    Airline {
        prefix: "KLM",
        block: (0x484000, 0x487FFF),
        types: &["B772", "B789", "E190"],
    },
    Airline {
        prefix: "IBE",
        block: (0x340000, 0x34FFFF),
        types: &["A333", "A359"],
    },
    Airline {
        prefix: "AAL",
        block: (0xA10000, 0xACFFFF),
        types: &["B738", "A321"],
    },
    Airline {
        prefix: "JBU",
        block: (0xA10000, 0xACFFFF),
        types: &["A320", "A321"],
    },
    Airline {
        prefix: "AMX",
        block: (0x0D0000, 0x0D7FFF),
        types: &["B738", "B788"],
    },
];

const NORTH: &[Airline] = &[
    Airline {
        prefix: "ASA",
        block: (0xA10000, 0xACFFFF),
        types: &["B738", "B739"],
    },
    Airline {
        prefix: "RVF",
        block: (0xA10000, 0xACFFFF),
        types: &["DH8D", "DH8B"],
    },
    Airline {
        prefix: "FDX",
        block: (0xA10000, 0xACFFFF),
        types: &["MD11", "B77L"],
    },
    Airline {
        prefix: "UPS",
        block: (0xA10000, 0xACFFFF),
        types: &["B744", "MD11"],
    },
    Airline {
        prefix: "KAL",
        block: (0x718000, 0x71FFFF),
        types: &["B77L", "B748"],
    },
    Airline {
        prefix: "CCA",
        block: (0x780000, 0x7BFFFF),
        types: &["B77W", "A359"],
    },
    Airline {
        prefix: "JAL",
        block: (0x840000, 0x87FFFF),
        types: &["B77W", "B788"],
    },
    Airline {
        prefix: "ACA",
        block: (0xC00000, 0xC1FFFF),
        types: &["B788", "B77W"],
    },
];

/// Airports suitable for airline traffic: large or medium, with a paved runway of 1,800 m or
/// more whose thresholds are known.
fn usable(a: &Airport) -> bool {
    matches!(a.kind, AirportKind::Large | AirportKind::Medium)
        && !a.military
        && a.runways.iter().any(|r| {
            r.is_paved()
                && r.length_m().unwrap_or(0.0) >= 1800.0
                && r.ends.iter().all(|e| e.threshold.is_some())
        })
}

/// The runway end of `a` most into the wind blowing from `wind_from`.
fn runway_for_wind(a: &Airport, wind_from: f64) -> Option<RunwayRef> {
    let mut best: Option<(f64, RunwayRef)> = None;
    for r in &a.runways {
        if !(r.is_paved() && r.length_m().unwrap_or(0.0) >= 1800.0) {
            continue;
        }
        for i in 0..2 {
            let (end, far) = (&r.ends[i], &r.ends[1 - i]);
            let (Some(t), Some(f)) = (end.threshold, far.threshold) else {
                continue;
            };
            let heading = end.heading_true.unwrap_or_else(|| t.bearing_to(f));
            let off = norm180(heading - wind_from).abs();
            if best.as_ref().is_none_or(|b| off < b.0) {
                best = Some((
                    off,
                    RunwayRef {
                        airport: a.ident.to_string(),
                        designator: end.designator.to_string(),
                        threshold: t,
                        far_threshold: f,
                        heading,
                        elevation_ft: end.elevation_ft.or(a.elevation_ft).unwrap_or(0) as f64,
                        length_m: r.length_m().unwrap_or_else(|| t.distance_m(f)),
                    },
                ));
            }
        }
    }
    best.map(|b| b.1)
}

/// A cruise flight level obeying the semicircular rule: odd thousands eastbound (track 0-179),
/// even westbound, within `lo`..=`hi` feet.
fn flight_level(rng: &mut Rng, track: f64, lo: f64, hi: f64) -> f64 {
    let east = (0.0..180.0).contains(&track);
    let mut levels = Vec::new();
    let mut fl = 100;
    while fl <= 430 {
        let alt = fl as f64 * 100.0;
        let odd = (fl / 10) % 2 == 1;
        if alt >= lo && alt <= hi && odd == east {
            levels.push(alt);
        }
        fl += 10;
    }
    if levels.is_empty() {
        return lo.max(10_000.0);
    }
    *rng.pick(&levels).unwrap_or(&lo)
}

/// Generates the background flights of a scenario lasting `duration_s`.
pub fn background(spec: &BackgroundSpec, duration_s: f64, seed: u64, taken: &[u32]) -> Vec<AircraftSpec> {
    let mut rng = Rng::keyed(&[seed, 0xBAC6_4057]);
    let airports: Vec<&'static Airport> = if spec.airports.is_empty() {
        picket_world::airports::within(spec.centre, spec.radius_nm * NM)
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| usable(a))
            .collect()
    } else {
        spec.airports
            .iter()
            .filter_map(|c| picket_world::airports::airport(c))
            .collect()
    };
    let airlines = if spec.centre.lat > 45.0 { NORTH } else { CARIBBEAN };
    let wind_from = rng.range(0.0, 360.0);
    let mut used: Vec<u32> = taken.to_vec();
    let mut callsigns: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for _ in 0..spec.flights {
        let Some(airline) = rng.pick(airlines).copied() else {
            break;
        };
        let type_designator = rng.pick(airline.types).copied().unwrap_or("A320");
        let class = Performance::class_of_type(type_designator).unwrap_or(crate::perf::PerfClass::Jet);
        let mut performance = Performance::of_class(class);
        performance.cruise_kt *= rng.range(0.96, 1.02);
        let address = loop {
            let a = airline.block.0 + rng.below((airline.block.1 - airline.block.0 + 1) as u64) as u32;
            if !used.contains(&a) {
                used.push(a);
                break a;
            }
        };
        let callsign = loop {
            let c = format!("{}{}", airline.prefix, 10 + rng.below(9000));
            if !callsigns.contains(&c) {
                callsigns.push(c.clone());
                break c;
            }
        };
        // ADS-B versions as seen in airline fleets: mostly version 2, some 1, a few 0.
        let transponder = match rng.below(10) {
            0 => Transponder::Adsb0,
            1 | 2 => Transponder::Adsb1,
            _ => Transponder::Adsb2,
        };
        let squawk =
            Squawk(((1 + rng.below(6)) << 9 | rng.below(8) << 6 | rng.below(8) << 3 | rng.below(8)) as u16);
        let overflight = airports.len() < 2 || rng.chance(spec.overflight_share);
        let local = if overflight {
            None
        } else {
            local_route(&mut rng, &airports, wind_from)
        };
        let max_alt: f64 = if class == crate::perf::PerfClass::Turboprop {
            25_000.0
        } else {
            41_000.0
        };
        let (start_s, initial, phases) = match local {
            Some((dep, arr, rdep, rarr)) => {
                let track = dep.position.bearing_to(arr.position);
                let dist_nm = dep.position.distance_nm(arr.position);
                let (lo, hi): (f64, f64) = if dist_nm < 150.0 {
                    (14_000.0, 24_000.0)
                } else if dist_nm < 300.0 {
                    (24_000.0, 34_000.0)
                } else {
                    (31_000.0, 39_000.0)
                };
                let cruise = flight_level(&mut rng, track, lo, hi.min(max_alt));
                let mid = dep
                    .position
                    .destination(track, dist_nm * NM / 2.0)
                    .destination(track + 90.0, rng.range(-8.0, 8.0) * NM);
                let start = rng.range(-5400.0, duration_s - 600.0);
                let phases = vec![
                    Phase::Park {
                        at: Some(dep.position),
                        end: End::After(rng.range(60.0, 600.0)),
                    },
                    Phase::Takeoff { runway: rdep },
                    Phase::FlyTo {
                        to: mid,
                        alt_ft: Some(cruise),
                        speed_kt: None,
                    },
                    Phase::Approach { runway: rarr },
                    Phase::Park {
                        at: Some(arr.position),
                        end: End::After(rng.range(60.0, 300.0)),
                    },
                ];
                (start, None, phases)
            }
            None => {
                let a = rng.range(0.0, 360.0);
                let entry = spec.centre.destination(a, spec.radius_nm * NM);
                let exit = spec
                    .centre
                    .destination(a + 180.0 + rng.range(-50.0, 50.0), spec.radius_nm * NM);
                let track = entry.bearing_to(exit);
                let alt = flight_level(&mut rng, track, 29_000.0, max_alt.min(41_000.0));
                let speed = performance.cruise_kt;
                let crossing_s = entry.distance_nm(exit) / speed * 3600.0;
                let start = rng.range(-crossing_s * 0.8, duration_s - 300.0);
                let initial = InitialState {
                    position: entry,
                    alt_ft: alt,
                    speed_kt: speed,
                    track,
                };
                let phases = vec![Phase::FlyTo {
                    to: exit,
                    alt_ft: Some(alt),
                    speed_kt: Some(speed),
                }];
                (start, Some(initial), phases)
            }
        };
        out.push(AircraftSpec {
            address,
            callsign: Some(callsign),
            registration: None,
            type_designator: Some(type_designator.to_string()),
            description: None,
            category: Category::of_class(class),
            transponder,
            squawk,
            start_s: start_s.floor(),
            initial,
            phases,
            windows: Vec::new(),
            performance,
            interest: false,
            vanish_when_done: true,
        });
    }
    out
}

type Local = (&'static Airport, &'static Airport, RunwayRef, RunwayRef);

fn local_route(rng: &mut Rng, airports: &[&'static Airport], wind_from: f64) -> Option<Local> {
    for _ in 0..20 {
        let dep = *rng.pick(airports)?;
        let arr = *rng.pick(airports)?;
        if dep.ident == arr.ident || dep.position.distance_nm(arr.position) < 80.0 {
            continue;
        }
        if let (Some(a), Some(b)) = (runway_for_wind(dep, wind_from), runway_for_wind(arr, wind_from)) {
            return Some((dep, arr, a, b));
        }
    }
    None
}

/// The position of the airports a background spec would use (for the tests and `--list`).
pub fn area_airports(spec: &BackgroundSpec) -> Vec<&'static str> {
    if spec.airports.is_empty() {
        picket_world::airports::within(spec.centre, spec.radius_nm * NM)
            .into_iter()
            .filter(|(a, _)| usable(a))
            .map(|(a, _)| a.ident)
            .collect()
    } else {
        spec.airports
            .iter()
            .filter_map(|c| picket_world::airports::airport(c))
            .map(|a| a.ident)
            .collect()
    }
}
