//! picket-store: the history. The only crate that knows its database (SQLite, embedded).
//!
//! - [`Recorder`]: the pipeline's side. Every received item, the thinned aircraft states,
//!   every alert and the aircraft seen go to a writer thread behind a bounded queue; the
//!   pipeline never waits for the disk (see [`writer`] for the policy when it cannot keep
//!   up, and on a full disk).
//! - [`fixes`]: multilateration's fixes, items the run made itself, in their own table
//!   with their place in the item stream (a replay feeds them where the run did).
//! - [`History`]: a store opened read-only: raw items for replay, the queries of
//!   [`query`], checks of a damaged file.
//! - [`replay`]: the [`Driver`] that feeds items to an engine as `picket run` does, and the
//!   restore that gives a restarted picket the memory of the one before.
//! - [`import`]: readsb/tar1090 traces, traffic/OpenSky trajectories and state vectors as
//!   observations.
//!
//! ```
//! use picket_store::{History, Recorder, StoreOptions};
//! use picket_engine::engine::{Engine, EngineConfig};
//! use picket_receive::{Clock, Received, What};
//! use picket_modes::Frame;
//!
//! let dir = std::env::temp_dir().join(format!("picket-store-doc-{}", std::process::id()));
//! let engine = Engine::new(EngineConfig::default());
//! let mut rec = Recorder::open(&dir, StoreOptions::default()).unwrap();
//! let item = Received {
//!     time_utc: 1_553_350_308.5,
//!     clock: Clock::None,
//!     signal: None,
//!     receiver: 0,
//!     what: What::ModeS(Frame::from_hex("8d4840d6202cc371c32ce0576098").unwrap()),
//! };
//! rec.observe(Some(&item), &[], &engine);
//! let report = rec.finish();
//! assert_eq!(report.written, 1);
//! let history = History::open(&dir).unwrap();
//! let mut back = Vec::new();
//! history.for_each_item(0.0, 2e9, |r| back.push(r.clone())).unwrap();
//! assert_eq!(back, vec![item]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

pub mod codec;
pub mod db;
pub mod error;
pub mod export;
pub mod fixes;
pub mod history;
mod huff;
pub mod import;
pub mod parquet;
pub mod query;
pub mod replay;
pub mod rows;
pub mod writer;

pub use error::{Error, ErrorKind};
pub use history::{Extent, History, OpenEvent, ReadReport};
pub use query::{Area, Deployment, EventHit, Filter, Track};
pub use replay::{restore, Driver, RestoreOptions, Restored};
pub use rows::{AircraftRow, EventRow, StateRow, StateTaken, Thinning};
pub use writer::{Counters, Gate, Recorder, Report, Retention, StoreOptions};
