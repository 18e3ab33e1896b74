//! What the store's integration tests share: a fresh directory per test, a cruising state
//! row, a recorder that takes rows as given, and one whose writer is stalled.
#![allow(dead_code)] // each test file uses its own part

use picket_store::{Gate, Recorder, StateRow, StoreOptions};

/// A fresh (removed if present) directory under the system's temp dir, one per test and
/// process.
pub(crate) fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("picket-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A state row of an aircraft cruising east at FL350.
pub(crate) fn state(hex: &str, t: f64, lat: f64, lon: f64) -> StateRow {
    StateRow {
        hex: hex.into(),
        t,
        lat,
        lon,
        alt_baro: Some(35_000),
        gs: Some(480.0),
        track: Some(90.0),
        baro_rate: Some(0),
        on_ground: Some(false),
        flight: None,
        squawk: None,
    }
}

/// A recorder that keeps every row it is given (no thinning of the engine's states, no
/// drops).
pub(crate) fn rows_recorder(dir: &std::path::Path) -> Recorder {
    Recorder::open(
        dir,
        StoreOptions {
            lossless: true,
            engine_states: false,
            ..StoreOptions::default()
        },
    )
    .unwrap()
}

/// A recorder whose writer waits at a closed [`Gate`] (returned, to open it), with a queue of
/// two batches: live (`lossless: false`, drops what does not fit) or a replay's (waits).
pub(crate) fn stalled_recorder(dir: &std::path::Path, lossless: bool) -> (Recorder, std::sync::Arc<Gate>) {
    let gate = Gate::closed();
    let rec = Recorder::open(
        dir,
        StoreOptions {
            queue_batches: 2,
            gate: Some(gate.clone()),
            lossless,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    (rec, gate)
}
