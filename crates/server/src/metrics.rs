//! `/metrics`: Prometheus text exposition format 0.0.4.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `picket_frames_total` | counter | `df` |
//! | `picket_mode_ac_total`, `picket_observations_total`, `picket_bad_frames_total` | counter | |
//! | `picket_aircraft_tracked` | gauge | |
//! | `picket_events_total` | counter | `kind` |
//! | `picket_alerts_total` | counter | `rule` |
//! | `picket_sink_alerts_{sent,dropped,failed}_total`, `picket_sink_retries_total` | counter | `sink` |
//! | `picket_receiver_frames_total`, `picket_receiver_errors_total` | counter | `receiver` |
//! | `picket_receiver_frames_per_second`, `picket_receiver_connected` | gauge | `receiver` |
//! | `picket_pipeline_lag_seconds` | gauge | |
//! | `picket_http_requests_total`, `picket_http_streams_{dropped,refused}_total` | counter | |
//! | `picket_http_streams_open` | gauge | |

use std::fmt::{Display, Write as _};
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;

use crate::AppState;

/// Appends a label value escaped as the format says (backslash, quote, newline).
fn label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A metric family being written.
struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &'static str, kind: &str, help: &str) -> Family<'a> {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        Family { out, name }
    }

    fn value(&mut self, v: impl Display) -> &mut Self {
        let _ = writeln!(self.out, "{} {v}", self.name);
        self
    }

    fn labelled(&mut self, key: &str, value: &str, v: impl Display) -> &mut Self {
        let _ = write!(self.out, "{}{{{key}=\"", self.name);
        label(self.out, value);
        let _ = writeln!(self.out, "\"}} {v}");
        self
    }
}

/// A float as the format writes it.
fn float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// The whole exposition.
pub fn render(s: &AppState) -> String {
    let m = s.hub.metrics();
    let receivers = s.hub.receivers();
    let c = &s.hub.counters;
    let mut out = String::with_capacity(4096);
    {
        let mut f = Family::new(
            &mut out,
            "picket_frames_total",
            "counter",
            "Mode S frames by downlink format.",
        );
        for (df, n) in m.frames_by_df.iter().enumerate() {
            if *n > 0 {
                f.labelled("df", &df.to_string(), n);
            }
        }
    }
    Family::new(&mut out, "picket_mode_ac_total", "counter", "Mode A/C replies.").value(m.mode_ac);
    Family::new(
        &mut out,
        "picket_observations_total",
        "counter",
        "Decoded observations (SBS, JSON states).",
    )
    .value(m.observations);
    Family::new(
        &mut out,
        "picket_bad_frames_total",
        "counter",
        "Frames that gave no message, and read errors.",
    )
    .value(m.bad_frames);
    Family::new(
        &mut out,
        "picket_aircraft_tracked",
        "gauge",
        "Aircraft tracked now.",
    )
    .value(s.hub.snapshot().aircraft.len());
    {
        let mut f = Family::new(
            &mut out,
            "picket_events_total",
            "counter",
            "Detector events by kind (every phase; whether or not a rule raised an alert).",
        );
        for (kind, n) in &m.events_by_kind {
            f.labelled("kind", kind, n);
        }
    }
    {
        let mut f = Family::new(&mut out, "picket_alerts_total", "counter", "Alerts by rule.");
        for (rule, n) in &m.alerts_by_rule {
            f.labelled("rule", rule, n);
        }
    }
    type SinkField = fn(&crate::SinkInfo) -> u64;
    let sink_families: [(&'static str, &str, SinkField); 4] = [
        ("picket_sink_alerts_sent_total", "Alerts a sink delivered.", |x| {
            x.sent
        }),
        (
            "picket_sink_alerts_dropped_total",
            "Alerts a sink dropped (queue full).",
            |x| x.dropped,
        ),
        (
            "picket_sink_alerts_failed_total",
            "Alerts a sink failed to deliver for good.",
            |x| x.failed,
        ),
        ("picket_sink_retries_total", "Delivery retries of a sink.", |x| {
            x.retries
        }),
    ];
    for (name, help, get) in sink_families {
        let mut f = Family::new(&mut out, name, "counter", help);
        for sink in &m.sinks {
            f.labelled("sink", &sink.name, get(sink));
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "picket_receiver_frames_total",
            "counter",
            "Frames a receiver delivered.",
        );
        for r in receivers.iter() {
            f.labelled("receiver", &r.name, r.frames);
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "picket_receiver_errors_total",
            "counter",
            "Bad frames and read errors of a receiver.",
        );
        for r in receivers.iter() {
            f.labelled("receiver", &r.name, r.errors);
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "picket_receiver_frames_per_second",
            "gauge",
            "A receiver's recent frame rate.",
        );
        for r in receivers.iter() {
            f.labelled("receiver", &r.name, float(r.frames_per_s));
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "picket_receiver_connected",
            "gauge",
            "1 when a receiver is connected or open.",
        );
        for r in receivers.iter() {
            f.labelled("receiver", &r.name, u8::from(r.connected));
        }
    }
    Family::new(
        &mut out,
        "picket_pipeline_lag_seconds",
        "gauge",
        "Delay between an item's arrival and the engine taking it.",
    )
    .value(float(m.lag_s));
    Family::new(
        &mut out,
        "picket_http_requests_total",
        "counter",
        "HTTP requests answered.",
    )
    .value(c.requests.load(Ordering::Relaxed));
    Family::new(
        &mut out,
        "picket_http_streams_open",
        "gauge",
        "Live streams open.",
    )
    .value(c.streams_open.load(Ordering::Relaxed));
    Family::new(
        &mut out,
        "picket_http_streams_dropped_total",
        "counter",
        "Live streams closed because their client fell behind.",
    )
    .value(c.streams_dropped.load(Ordering::Relaxed));
    Family::new(
        &mut out,
        "picket_http_streams_refused_total",
        "counter",
        "Live streams refused (too many open).",
    )
    .value(c.streams_refused.load(Ordering::Relaxed));
    out
}

pub(crate) async fn metrics(State(s): State<AppState>) -> Response {
    let mut r = Response::new(render(&s).into());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}
