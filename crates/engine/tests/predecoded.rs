//! Frames decoded on another thread (`track::predecode` + `Engine::ingest_predecoded`) give
//! exactly what the engine gives when it decodes them itself: the same result per item, the
//! same events and alerts in the same order. The frames include what depends on the one
//! thing a reader thread cannot know, whether an address is known: address/parity replies
//! of tracked and of unknown aircraft, DF11 with interrogator codes, repaired and
//! unrepairable frames, and copies of one transmission from several receivers.

use picket_engine::engine::{next_tick_due, Engine, EngineConfig, Output};
use picket_engine::event::{write_alert, write_event};
use picket_engine::rules::RuleSet;
use picket_engine::track::{predecode, Dropped, Ingested};
use picket_modes::message::DecodeError;
use picket_receive::{Received, What};
use picket_sim::{Scenario, Simulation, Window};

/// Every event becomes an alert, so that the alerts are many.
fn engine() -> Engine {
    let rules = RuleSet::load("[[rule]]\nname = \"all\"\nwhen = \"true\"\n", "all.toml").unwrap();
    Engine::try_new(EngineConfig {
        rules,
        ..EngineConfig::default()
    })
    .unwrap()
}

/// Items of a scenario window, with variants mixed in: every 7th Mode S frame again with
/// one bit flipped (a repair, or for a reply another, unknown address), every 11th with
/// three bits flipped (mostly beyond repair), every 13th DF11 with an interrogator code
/// laid over its parity.
fn items() -> Vec<Received> {
    let s = Scenario::builtin("caracas").expect("built-in scenario");
    let sim = Simulation::new(
        &s,
        s.seed,
        Window {
            from_s: 0.0,
            duration_s: Some(600.0),
        },
    );
    let mut items = Vec::new();
    for (n, h) in sim.frames().enumerate() {
        let r = h.received;
        if let What::ModeS(f) = r.what {
            let mut push = |f| {
                let mut v = r.clone();
                v.what = What::ModeS(f);
                v.time_utc += 1e-4;
                items.push(v);
            };
            let bits = f.len_bits();
            if n % 7 == 0 {
                push(f.with_bit_flipped((n / 7) % bits));
            }
            if n % 11 == 0 {
                push(
                    f.with_bit_flipped(n % bits)
                        .with_bit_flipped((n + 17) % bits)
                        .with_bit_flipped((n + 40) % bits),
                );
            }
            if n % 13 == 0 && f.df() == 11 {
                // Interrogator code 5 laid over the last byte of the parity.
                push(f.with_bit_flipped(bits - 1).with_bit_flipped(bits - 3));
            }
        }
        items.push(r);
    }
    items.sort_by(|a, b| a.time_utc.total_cmp(&b.time_utc));
    items
}

#[test]
fn predecoded_frames_give_what_the_engine_gives() {
    let items = items();
    let mut own = engine();
    let mut pre = engine();
    let options = pre.decode_options();
    let (mut out_own, mut out_pre) = (Output::new(), Output::new());
    let (mut plain, mut plain_alerts) = (engine(), Vec::new());
    let (mut pre_plain, mut pre_plain_alerts) = (engine(), Vec::new());
    // Events and alerts without the aircraft keys (`*_events`), decoded here and before.
    let (mut ev, mut out_ev) = (engine(), Output::new());
    let (mut ev_pre, mut out_ev_pre) = (engine(), Output::new());
    let mut next = f64::NEG_INFINITY;
    let mut replies_taken = 0u32;
    let mut unverified = 0u32;
    let mut bad = 0u32;
    let mut events = 0usize;
    for r in &items {
        let t = r.time_utc;
        if t >= next {
            own.tick_into(t, &mut out_own);
            pre.tick_into(t, &mut out_pre);
            plain.tick(t, &mut plain_alerts);
            pre_plain.tick(t, &mut pre_plain_alerts);
            ev.tick_events(t, &mut out_ev);
            ev_pre.tick_events(t, &mut out_ev_pre);
            next = next_tick_due(t);
        }
        let decoded = match r.what {
            What::ModeS(f) => Some(predecode(f, &options)),
            _ => None,
        };
        let a = own.ingest_into(r, &mut out_own);
        let b = pre.ingest_predecoded_into(r, decoded.as_ref(), &mut out_pre);
        assert_eq!(a, b, "the same result for {r:?}");
        assert_eq!(ev.ingest_events(r, &mut out_ev), a);
        assert_eq!(
            ev_pre.ingest_predecoded_events(r, decoded.as_ref(), &mut out_ev_pre),
            a
        );
        plain.ingest(r, &mut plain_alerts);
        pre_plain.ingest_predecoded(r, decoded.as_ref(), &mut pre_plain_alerts);
        if let What::ModeS(f) = r.what {
            let reply = matches!(f.df(), 0 | 4 | 5 | 16 | 20 | 21);
            match a {
                Ingested::Updated(_) if reply => replies_taken += 1,
                Ingested::Dropped(Dropped::Unverified) => unverified += 1,
                Ingested::Dropped(Dropped::Decode(DecodeError::BadCrc)) => bad += 1,
                _ => {}
            }
        }
        assert_eq!(out_own.changed, out_pre.changed);
        assert_eq!(out_own.removed, out_pre.removed);
        let json = |o: &Output| {
            let mut s = String::new();
            for e in &o.events {
                write_event(&mut s, e);
                s.push('\n');
            }
            for al in &o.alerts {
                write_alert(&mut s, al);
                s.push('\n');
            }
            s
        };
        assert_eq!(
            json(&out_own),
            json(&out_pre),
            "the same events and alerts at {t}"
        );
        for o in [&out_ev, &out_ev_pre] {
            assert!(o.changed.is_empty() && o.removed.is_empty());
            assert_eq!(json(o), json(&out_own), "events and alerts only, at {t}");
        }
        events += out_own.events.len();
        out_own.clear();
        out_pre.clear();
        out_ev.clear();
        out_ev_pre.clear();
    }
    assert_eq!(plain_alerts, pre_plain_alerts);
    assert_eq!(own.tracker_stats(), pre.tracker_stats());
    eprintln!("replies taken {replies_taken}, unverified {unverified}, beyond repair {bad}, events {events}, alerts {}", plain_alerts.len());
    // The test proves something only if each case happened.
    assert!(
        replies_taken > 1_000,
        "replies of known aircraft taken: {replies_taken}"
    );
    assert!(
        unverified > 100,
        "replies of unknown addresses refused: {unverified}"
    );
    assert!(bad > 100, "frames beyond repair: {bad}");
    assert!(events > 0, "no events: nothing compared");
    assert!(!plain_alerts.is_empty(), "no alerts: nothing compared");
}
