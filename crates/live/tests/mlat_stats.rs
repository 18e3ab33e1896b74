//! Multilateration's counters in the live stats snapshot (what the HTTP server shows): each
//! receiver's clock status and synchronised pairs, and the fixes, after a run of the
//! `arctic_mlat` scenario; none when multilateration is off.

use picket_live::config::{Overrides, Settings};
use picket_live::driver::{self, Control, RunOptions};
use picket_mlat::ReceiverStatus;

fn run(mlat: Option<bool>) -> Control {
    let settings = Settings::resolve(
        None,
        Overrides {
            scenario: Some("arctic_mlat".into()),
            from: Some("3540".into()),
            duration: Some("20s".into()),
            text: true,
            mlat,
            ..Overrides::default()
        },
    )
    .unwrap();
    let control = Control::default();
    driver::run(
        &settings,
        &RunOptions {
            quiet: true,
            text: false,
            ..RunOptions::default()
        },
        &control,
    )
    .unwrap();
    control
}

#[test]
fn the_stats_snapshot_shows_each_receivers_clock_status() {
    let control = run(None);
    let m = control.stats.get().unwrap().mlat().expect("mlat ran");
    assert_eq!(m.receivers.len(), 7);
    for (name, r) in &m.receivers {
        assert_eq!(r.status, ReceiverStatus::Ok, "{name}: {r:?}");
        assert!(r.usable_pairs >= 3, "{name}: {r:?}");
        assert!(r.frames > 0, "{name}");
    }
    assert!(m.stats.fixes > 20, "{:?}", m.stats);
    assert_eq!(m.receivers[0].0, "utqiagvik");

    let control = run(Some(false));
    assert!(control.stats.get().unwrap().mlat().is_none());
}
