//! picket's run-time: where frames come from (files, scenarios, live receivers), the one
//! thread that owns the [`picket_engine::engine::Engine`], the alert sinks and the feed
//! servers.
//!
//! ```text
//! receivers (tokio tasks) ─┐  Batch                 ┌─▶ sinks (threads, bounded queues)
//! file/scenario thread ────┼─▶ bounded channel ─▶ engine thread ─▶ SBS output
//!        │                 │   (arrival order)      └─▶ stats, summary, --text
//!        └─▶ Beast/AVR outputs (per-client bounded queues)
//! ```
//!
//! The engine stays sans-IO: this crate gives it items and asks it when its next tick is
//! due ([`driver::next_tick_due`]), so silence-based detectors run on time on a quiet feed.
//! tokio lives here, at the edge only (sockets and timers); the engine thread runs plain
//! synchronous code between two channel reads. See docs/ARCHITECTURE.md.

pub mod config;
pub mod connect;
pub mod driver;
pub mod input;
pub mod mlat;
pub mod mlat_server;
pub mod pipeline;
pub(crate) mod rtltcp;
pub mod serve;
pub(crate) mod sinks;
pub mod source;
pub mod stats;

pub use picket_receive::time::format_utc;

/// The wall clock as Unix seconds: the arrival time of live data (docs/time.md).
pub fn now_utc() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
