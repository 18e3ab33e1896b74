//! Query latency on an existing store (docs/BENCHMARKS.md, "Queries on a real busy store"):
//! one aircraft's day (`History::tracks` by address, what `picket query tracks --hex` runs)
//! and all landings in one country for a month (`History::events`, `--kind landing
//! --all-events --in-country`), in one process: the first call of each reads the pages
//! from the OS (cold when the file was evicted from the page cache before), then RUNS more
//! calls give the warm median.
//!
//! ```text
//! cargo run --release -p picket-store --example query_store -- STORE HEX DAY_FROM COUNTRY MONTH_FROM MONTH_TO [RUNS]
//! ```
//!
//! Times are Unix seconds; the day is DAY_FROM .. DAY_FROM + 86,400.

use std::path::Path;
use std::time::Instant;

use picket_store::query::Area;
use picket_store::{Filter, History};

fn ms(f: impl FnOnce() -> usize) -> (usize, f64) {
    let t = Instant::now();
    let n = f();
    (n, t.elapsed().as_secs_f64() * 1e3)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() < 6 {
        eprintln!("usage: query_store STORE HEX DAY_FROM COUNTRY MONTH_FROM MONTH_TO [RUNS]");
        std::process::exit(2);
    }
    let num = |i: usize| -> f64 { a[i].parse().expect("Unix seconds") };
    let (store, hex, day0, code, m0, m1) = (Path::new(&a[0]), &a[1], num(2), &a[3], num(4), num(5));
    let runs: usize = a.get(6).and_then(|r| r.parse().ok()).unwrap_or(21);
    let country = picket_world::borders::country(code).expect("an ISO country code");

    let (_, open_ms) = ms(|| {
        History::open_unchecked(store).expect("the store opens");
        0
    });
    let h = History::open_unchecked(store).expect("the store opens");
    let day = Filter {
        from: Some(day0),
        to: Some(day0 + 86_400.0),
        hex: vec![hex.clone()],
        ..Filter::default()
    };
    let landings = Filter {
        from: Some(m0),
        to: Some(m1),
        area: Some(Area::Country(country)),
        kinds: vec!["landing".into()],
        all_events: true,
        ..Filter::default()
    };
    let track = || {
        h.tracks(&day)
            .expect("tracks")
            .iter()
            .map(|t| t.points.len())
            .sum()
    };
    let events = || h.events(&landings).expect("events").len();
    let (states, day_first) = ms(track);
    let (hits, month_first) = ms(events);
    let day_warm = median((0..runs).map(|_| ms(track).1).collect());
    let month_warm = median((0..runs).map(|_| ms(events).1).collect());
    println!("open without the check: {open_ms:.2} ms");
    println!("one aircraft's day ({hex}, {states} states): first {day_first:.2} ms, median of {runs} after {day_warm:.2} ms");
    println!("landings in {code} for the month ({hits}): first {month_first:.2} ms, median of {runs} after {month_warm:.2} ms");
}
