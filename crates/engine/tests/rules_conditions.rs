//! Each kind of condition, evaluated on aircraft built from observations (the tracker takes
//! them as another tool's decoded values) and enriched as the engine does.

use picket_engine::enrich::AircraftDb;
use picket_engine::event::{Event, Place};
use picket_engine::rules::{Enrichment, EventFacts, Reported, RuleSet, Subject};
use picket_engine::track::{Aircraft, TrackKey, Tracker, TrackerConfig};
use picket_modes::adsb::{Category, Identification, Me};
use picket_modes::message::Message;
use picket_modes::{Callsign, Icao};
use picket_receive::{Observation, ObservationSource};
use picket_world::events::EventKind;
use picket_world::geo::LatLon;
use picket_world::zones::{builtin_zones, Zone};

const T0: f64 = 1_565_290_000.0;
/// The receiver: Nome, Alaska.
const NOME: LatLon = LatLon {
    lat: 64.51,
    lon: -165.44,
};

struct World {
    lists: &'static str,
    tracker: Tracker,
    db: AircraftDb,
    rules: RuleSet,
    zones: Vec<Zone>,
}

impl World {
    fn new(lists: &'static str) -> World {
        let mut zones = builtin_zones().to_vec();
        zones.push(Zone::circle("nome", "Nome 20 km", NOME, 20_000.0));
        let mut rules = RuleSet::load(lists, "t.toml").unwrap();
        rules.bind_zones(&zones).unwrap();
        World {
            lists,
            tracker: Tracker::new(TrackerConfig::default()),
            db: AircraftDb::with_builtin(),
            rules,
            zones,
        }
    }

    /// Two observations of `o` one second apart (the second confirms the first).
    fn observe(&mut self, o: Observation) -> TrackKey {
        self.tracker.ingest_observation(T0, &o);
        self.tracker.ingest_observation(T0 + 1.0, &o);
        TrackKey::icao(o.hex)
    }

    fn enrichment(&self, a: &Aircraft, reported_type: Option<&str>) -> Enrichment {
        Enrichment::compute(
            a.key,
            a.callsign,
            Reported {
                registration: None,
                type_designator: reported_type,
            },
            &self.db,
            &self.rules,
        )
    }

    /// Evaluates `expr` on aircraft `key` (with an optional event), as the condition of a
    /// rule in a file with the world's watch-lists.
    fn eval(
        &self,
        key: TrackKey,
        expr: &str,
        event: Option<&Event>,
        reported_type: Option<&str>,
    ) -> Option<bool> {
        let text = format!("{}\n[[rule]]\nname = 'x'\nwhen = '''{expr}'''\n", self.lists);
        let mut set = RuleSet::load(&text, "e.toml").unwrap_or_else(|err| panic!("{expr}: {err}"));
        set.bind_zones(&self.zones).unwrap();
        let e = &set.rules()[0].when;
        let a = self.tracker.get(key).unwrap();
        let enrichment = self.enrichment(a, reported_type);
        let s = Subject {
            aircraft: a,
            enrichment: &enrichment,
            now: T0 + 2.0,
            event: event.map(EventFacts::of),
            receivers: &[NOME],
            zones: &self.zones,
            watchlists: self.rules.watchlists(),
        };
        e.eval(&s)
    }
}

fn obs(hex: u32) -> Observation {
    Observation::new(Icao(hex), ObservationSource::JsonState)
}

const LISTS: &str = r#"
[[watchlist]]
name = "bears"
[[watchlist.entry]]
label = "Il-62 RA-86496"
address = "1514c0"
callsign = "RFF7076"
type = "IL62"
"#;

#[test]
fn helicopter_close_and_low() {
    let mut w = World::new(LISTS);
    // A rotorcraft (ADS-B emitter category A7) 600 m from the receiver at 400 ft.
    let near = NOME.destination(90.0, 600.0);
    let heli = w.observe(Observation {
        alt_baro: Some(400),
        lat: Some(near.lat),
        lon: Some(near.lon),
        ..obs(0xa12345)
    });
    let cond = "helicopter and distance < 1 km and alt_baro < 500";
    assert_eq!(w.eval(heli, cond, None, None), None, "no category yet");
    let a7 = Category::from_type_code(4, 7).unwrap();
    let ident = Message::ExtendedSquitter {
        capability: 5,
        address: Icao(0xa12345),
        me: Me::Identification(Identification::new(a7, &Callsign::new("LIFE1"))),
    }
    .encode(Icao(0));
    w.tracker.ingest_frame(T0 + 1.5, ident, None);
    assert_eq!(w.eval(heli, cond, None, None), Some(true));
    assert_eq!(w.eval(heli, "distance < 500 m", None, None), Some(false));
    assert_eq!(w.eval(heli, "distance < 0.5 nm", None, None), Some(true));
    assert_eq!(
        w.eval(heli, "alt_baro < 100 m", None, None),
        Some(false),
        "400 ft = 122 m"
    );
    // A Doc 8643 helicopter type reported by the source decides even without a category.
    let h2 = w.observe(Observation {
        alt_baro: Some(300),
        lat: Some(near.lat),
        lon: Some(near.lon),
        ..obs(0xa12346)
    });
    assert_eq!(
        w.eval(h2, "helicopter", None, None),
        None,
        "nothing says what it is"
    );
    assert_eq!(w.eval(h2, "helicopter", None, Some("EC35")), Some(true));
    assert_eq!(w.eval(h2, "helicopter", None, Some("B738")), Some(false));
    // Unknown values make the whole conjunction unknown, never true.
    let noalt = w.observe(Observation {
        lat: Some(near.lat),
        lon: Some(near.lon),
        ..obs(0xa12347)
    });
    let e = |c: &str| w.eval(noalt, c, None, Some("EC35"));
    assert_eq!(e(cond), None);
    assert_eq!(e(&format!("not ({cond})")), None);
    assert_eq!(e("helicopter or alt_baro < 500"), Some(true));
    assert_eq!(e("not helicopter and alt_baro < 500"), Some(false));
}

#[test]
fn classification_layers_and_text_fields() {
    let mut w = World::new(LISTS);
    // Built-in set: the scenario's Il-62 (database layer).
    let il62 = w.observe(Observation {
        flight: Some("RFF7076".into()),
        squawk: Some(0o2061),
        ..obs(0x1514c0)
    });
    assert_eq!(w.eval(il62, "military", None, None), Some(true));
    assert_eq!(w.eval(il62, "layer == aircraft_db", None, None), Some(true));
    assert_eq!(
        w.eval(il62, "class == military and not civil and not state", None, None),
        Some(true)
    );
    assert_eq!(w.eval(il62, "callsign matches \"RFF*\"", None, None), Some(true));
    assert_eq!(w.eval(il62, "flight ~ [AFL*, rff70##]", None, None), Some(true));
    assert_eq!(
        w.eval(il62, "country == RU and country_name == 'Russia'", None, None),
        Some(true)
    );
    assert_eq!(
        w.eval(il62, "registration == 'RA86496'", None, None),
        Some(true),
        "hyphen ignored"
    );
    assert_eq!(w.eval(il62, "type in [T160, IL62]", None, None), Some(true));
    assert_eq!(w.eval(il62, "squawk == 2061", None, None), Some(true));
    assert_eq!(
        w.eval(il62, "squawk in [7500, 7600, 7700]", None, None),
        Some(false)
    );
    assert_eq!(w.eval(il62, "hex == 1514C0", None, None), Some(true));
    assert_eq!(
        w.eval(il62, "watchlisted and watchlist == bears", None, None),
        Some(true)
    );
    assert_eq!(w.eval(il62, "watchlist(\"bears\")", None, None), Some(true));
    assert_eq!(w.eval(il62, "new_address", None, None), Some(false));
    // US military address block (address layer), callsign layer, fallback.
    let f22 = w.observe(Observation {
        flight: Some("FURY11".into()),
        ..obs(0xae1f99)
    });
    assert_eq!(
        w.eval(f22, "military and layer == address_block", None, None),
        Some(true)
    );
    let reach = w.observe(Observation {
        flight: Some("RCH471".into()),
        ..obs(0xa00001)
    });
    assert_eq!(
        w.eval(reach, "military and layer == callsign", None, None),
        Some(true)
    );
    let airliner = w.observe(Observation {
        flight: Some("KLM1234".into()),
        ..obs(0x484506)
    });
    assert_eq!(w.eval(airliner, "military or state", None, None), Some(false));
    assert_eq!(
        w.eval(airliner, "class == unknown and layer == fallback", None, None),
        Some(true)
    );
    assert_eq!(
        w.eval(airliner, "registration == 'N1'", None, None),
        None,
        "no registration known"
    );
    assert_eq!(w.eval(airliner, "watchlisted", None, None), Some(false));
}

#[test]
fn zones_airports_and_events() {
    let mut w = World::new(LISTS);
    let adiz = w.observe(Observation {
        alt_baro: Some(33_000),
        lat: Some(71.5),
        lon: Some(-160.0),
        ..obs(0x156f02)
    });
    assert_eq!(
        w.eval(adiz, "military and inside(alaska_adiz)", None, None),
        Some(true)
    );
    assert_eq!(w.eval(adiz, "inside(nome)", None, None), Some(false));
    // Inside the 20 km circle around Nome.
    let inside = w.observe(Observation {
        alt_baro: Some(33_000),
        lat: Some(NOME.lat + 0.05),
        lon: Some(NOME.lon),
        gs: Some(450.0),
        ..obs(0x156f01)
    });
    assert_eq!(
        w.eval(inside, "inside(nome) and military", None, None),
        Some(true)
    );
    assert_eq!(
        w.eval(inside, "distance_to(PAOM) < 20 km", None, None),
        Some(true),
        "Nome airport"
    );
    assert_eq!(
        w.eval(inside, "distance_to(nome) == 0 m", None, None),
        Some(true),
        "0 inside a zone"
    );
    assert_eq!(
        w.eval(inside, "alt_baro >= FL330 and gs > 400", None, None),
        Some(true)
    );
    let far = w.observe(Observation {
        alt_baro: Some(33_000),
        lat: Some(NOME.lat + 1.0),
        lon: Some(NOME.lon),
        ..obs(0x156f04)
    });
    assert_eq!(w.eval(far, "inside(nome)", None, None), Some(false));
    let unlocated = w.observe(obs(0x156f03));
    assert_eq!(w.eval(unlocated, "inside(nome)", None, None), None);
    assert_eq!(
        w.eval(unlocated, "located or mode_s_only", None, None),
        Some(false)
    );

    // Event fields: only known while an event is judged.
    let e = Event::new(EventKind::ZoneEntry, inside, T0, T0 + 1.0).with_place(Place::Zone {
        id: "alaska_adiz".into(),
        name: "Alaska ADIZ".into(),
    });
    assert_eq!(
        w.eval(
            inside,
            "kind == zone_entry and place == alaska_adiz",
            Some(&e),
            None
        ),
        Some(true)
    );
    assert_eq!(
        w.eval(
            inside,
            "phase == started and confidence == medium",
            Some(&e),
            None
        ),
        Some(true)
    );
    assert_eq!(w.eval(inside, "kind == landing", Some(&e), None), Some(false));
    assert_eq!(w.eval(inside, "kind == zone_entry", None, None), None);
    // Seen and message counts.
    assert_eq!(
        w.eval(inside, "seen <= 1 s and messages >= 2", None, None),
        Some(true)
    );
}

#[test]
fn a_listed_aircraft_under_a_new_address_is_flagged() {
    let mut w = World::new(LISTS);
    let moved = w.observe(Observation {
        flight: Some("RFF7076".into()),
        ..obs(0x15aaaa)
    });
    // The callsign alone does not stand for the airframe: the entry also gives a type.
    assert_eq!(w.eval(moved, "watchlisted", None, None), Some(false));
    // With the type reported (an SBS/JSON source), callsign and type catch it.
    assert_eq!(
        w.eval(moved, "watchlisted and new_address", None, Some("IL62")),
        Some(true)
    );
    let a = w.tracker.get(moved).unwrap();
    let e = w.enrichment(a, Some("IL62"));
    let hit = e.new_address().unwrap();
    assert_eq!(hit.new_address_of, Some(Icao(0x1514c0)));
}
