//! Questions by aircraft address: the aircraft rows are looked up by key, with the time
//! range, the other conditions and the area still applied, in order of first sight.

mod common;
use common::{rows_recorder, state, temp_dir};

use std::time::Duration;

use picket_store::query::Area;
use picket_store::{AircraftRow, Filter, History};

#[test]
fn aircraft_and_tracks_by_address() {
    let dir = temp_dir("by-address");
    let t0 = 1_700_000_000.0;
    let mut rec = rows_recorder(&dir);
    // Seen one after the other, an hour each; a1 and a3 fly the same type.
    let planes = [
        ("a00001", 2.0, "B738"),
        ("a00002", 0.0, "A320"),
        ("a00003", 1.0, "B738"),
    ];
    rec.observe_aircraft(
        planes
            .iter()
            .map(|&(hex, hour, ty)| AircraftRow {
                hex: hex.into(),
                first_seen: t0 + hour * 3600.0,
                last_seen: t0 + hour * 3600.0 + 3599.0,
                type_designator: Some(ty.into()),
                ..AircraftRow::default()
            })
            .collect(),
    );
    let mut states = Vec::new();
    for (i, &(hex, hour, _)) in planes.iter().enumerate() {
        for k in 0..360 {
            let t = t0 + hour * 3600.0 + k as f64 * 10.0;
            states.push(state(hex, t, 40.0 + i as f64, -73.0 + k as f64 * 0.001));
        }
    }
    rec.observe_states(states);
    assert!(rec.flush(Duration::from_secs(60)));
    drop(rec);

    let h = History::open_unchecked(&dir).unwrap();
    let found = |f: &Filter| -> Vec<String> { h.aircraft(f).unwrap().into_iter().map(|a| a.hex).collect() };
    let by = |hex: &[&str]| Filter {
        hex: hex.iter().map(|s| s.to_string()).collect(),
        ..Filter::default()
    };
    // In order of first sight, each once, unknown addresses ignored, case ignored.
    assert_eq!(
        found(&by(&["a00001", "A00002", "a00002", "ffffff", "a00003"])),
        ["a00002", "a00003", "a00001"]
    );
    // The time range: only those seen in it.
    let mut f = by(&["a00001", "a00002"]);
    f.from = Some(t0 + 2.0 * 3600.0);
    assert_eq!(found(&f), ["a00001"]);
    // The other conditions still apply.
    let mut f = by(&["a00001", "a00002", "a00003"]);
    f.type_designator = Some("b738".into());
    assert_eq!(found(&f), ["a00003", "a00001"]);
    // And the area: a3 flies at 42 N.
    f.area = Some(Area::Bbox {
        south: 41.5,
        west: -74.0,
        north: 42.5,
        east: -72.0,
    });
    assert_eq!(found(&f), ["a00003"]);
    // One aircraft's day: its track, every state in time order.
    let tracks = h.tracks(&by(&["a00003"])).unwrap();
    assert_eq!(tracks.len(), 1);
    assert_eq!(tracks[0].points.len(), 360);
    assert!(tracks[0].points.windows(2).all(|w| w[0].t < w[1].t));
    assert!(tracks[0].points.iter().all(|p| p.hex == "a00003"));
    let _ = std::fs::remove_dir_all(&dir);
}
