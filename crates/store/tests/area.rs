//! Queries by area where longitudes wrap: a circle across the antimeridian.

mod common;
use common::{rows_recorder, state, temp_dir};

use std::time::Duration;

use picket_store::query::Area;
use picket_store::{AircraftRow, Filter, History};
use picket_world::geo::LatLon;

fn aircraft(hex: &str, t: f64) -> AircraftRow {
    AircraftRow {
        hex: hex.into(),
        first_seen: t,
        last_seen: t + 60.0,
        ..AircraftRow::default()
    }
}

#[test]
fn a_circle_near_the_antimeridian_reaches_across_it() {
    let dir = temp_dir("antimeridian");
    let t0 = 1_700_000_000.0;
    let mut rec = rows_recorder(&dir);
    // West of the line (179.9 W), east of it (179.95 E), and far from both (170 W).
    let planes = [("aaaaa1", -179.9), ("aaaaa2", 179.95), ("aaaaa3", -170.0)];
    rec.observe_aircraft(planes.iter().map(|(h, _)| aircraft(h, t0)).collect());
    rec.observe_states(
        planes
            .iter()
            .map(|&(h, lon)| state(h, t0 + 10.0, -17.0, lon))
            .collect(),
    );
    assert!(rec.flush(Duration::from_secs(60)));
    drop(rec);

    let h = History::open(&dir).unwrap();
    let around = |lon: f64| Filter {
        from: Some(t0),
        to: Some(t0 + 100.0),
        area: Some(Area::Around {
            centre: LatLon { lat: -17.0, lon },
            radius_m: 50_000.0,
        }),
        ..Filter::default()
    };
    for centre in [179.9, -179.95, 180.0, -180.0] {
        let mut found: Vec<String> = h
            .aircraft(&around(centre))
            .unwrap()
            .into_iter()
            .map(|a| a.hex)
            .collect();
        found.sort();
        assert_eq!(found, ["aaaaa1", "aaaaa2"], "around 17 S {centre}");
        let mut sky: Vec<String> = h
            .sky_at(t0 + 20.0, 60.0, &around(centre))
            .unwrap()
            .into_iter()
            .map(|s| s.hex)
            .collect();
        sky.sort();
        assert_eq!(sky, ["aaaaa1", "aaaaa2"], "sky around 17 S {centre}");
    }
    // The box itself: west of its east edge across the line.
    let (_, w, _, e) = around(179.9).area.unwrap().bbox();
    assert!(w > e && w < 180.0 && e > -180.0, "{w} {e}");
    let _ = std::fs::remove_dir_all(&dir);
}
