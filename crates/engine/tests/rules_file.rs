//! Rule files: what they say, and every kind of error with its line and column.

use picket_engine::enrich::Class;
use picket_engine::incident::Delivery;
use picket_engine::rules::{EventFilter, ListedAddress, MatchedBy, RuleErrorKind, RuleSet, DEFAULT_RULES};
use picket_modes::Icao;
use picket_world::events::EventKind;
use picket_world::zones::builtin_zones;

const FULL: &str = r#"
version = 1

[defaults]
cooldown = "15m"
confirm = 3
sinks = ["log"]

[[rule]]
name = "low helicopters"
description = "helicopters close to the receiver and low"
when = "helicopter and distance < 1 km and alt_baro < 500"
events = ["condition"]

[[rule]]
name = "raid"
when = "military and inside(alaska_adiz)"
events = ["zone_entry"]
count = { more_than = 2, within = "30m" }
sinks = ["log", "discord"]
cooldown = 0

[[rule]]
name = "russian flights"
when = 'callsign matches "RFF*" or watchlist("bombers")'
exclude = ["on_ground", "squawk in [7000, 2000]"]
confirm = 2

[[watchlist]]
name = "bombers"
description = "long-range aviation"
[[watchlist.entry]]
label = "Tu-160 RF-94113"
address = "156f01"
registration = "RF-94113"
callsign = "RFF*"
type = "T160"
[[watchlist.entry]]
address = "adf7c8-afffff"
[[watchlist.entry]]
country = "ru"
military = true

[[override]]
address = "43c6f2"
class = "military"
note = "RAF Voyager, tanker role"
"#;

#[test]
fn a_full_file_reads_as_written() {
    let set = RuleSet::load(FULL, "full.toml").unwrap();
    let r = set.rules();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].name, "low helicopters");
    assert_eq!(r[0].events, EventFilter::Condition);
    assert_eq!(r[0].cooldown_s, 900.0, "from [defaults]");
    assert_eq!(r[0].confirm, 3, "from [defaults]");
    assert_eq!(r[0].sinks, ["log"]);
    assert_eq!(
        r[0].when.text(),
        "helicopter and distance < 1 km and alt_baro < 500"
    );
    assert_eq!(r[1].events, EventFilter::Kinds(vec![EventKind::ZoneEntry]));
    let c = r[1].count.unwrap();
    assert_eq!(
        (c.at_least, c.within_s),
        (3, 1800.0),
        "more_than = 2 is at least 3"
    );
    assert_eq!(r[1].cooldown_s, 0.0);
    assert_eq!(r[1].sinks, ["log", "discord"]);
    assert_eq!(r[2].events, EventFilter::Any, "events default to any");
    assert_eq!(r[2].exclude.len(), 2);
    assert_eq!(r[2].confirm, 2);
    assert_eq!(set.sink_names(), ["log", "discord"]);
    assert!(set.has_condition_rules());

    let wl = &set.watchlists()[0];
    assert_eq!(wl.name, "bombers");
    assert_eq!(wl.entries.len(), 3);
    assert_eq!(wl.entries[0].address, Some(ListedAddress::One(Icao(0x156f01))));
    assert_eq!(wl.entries[0].registration.as_deref(), Some("RF94113"));
    assert_eq!(
        wl.entries[1].address,
        Some(ListedAddress::Range(Icao(0xadf7c8), Icao(0xafffff)))
    );
    assert_eq!(wl.entries[2].country.as_deref(), Some("RU"));
    let o = set.override_for(Icao(0x43c6f2)).unwrap();
    assert_eq!(o.class, Class::Military);
    assert_eq!(o.note, "RAF Voyager, tanker role");
    // The ADIZ is a built-in zone: binding succeeds.
    let mut bound = set.clone();
    bound.bind_zones(builtin_zones()).unwrap();
    assert!(MatchedBy::Traits.as_str() == "traits");
}

#[test]
fn the_default_rules_load_and_bind() {
    let mut set = RuleSet::load(DEFAULT_RULES, "default.toml").unwrap();
    set.bind_zones(builtin_zones()).unwrap();
    assert_eq!(set, {
        let mut d = RuleSet::default_rules();
        d.bind_zones(builtin_zones()).unwrap();
        d
    });
    let names: Vec<&str> = set.rules().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["military", "emergency", "watchlist"]);
    assert!(set.rules().iter().all(|r| r.confirm >= 2));
    assert!(!set.has_condition_rules());
    // The default rules tell incidents, updated at most every 30 minutes.
    assert!(set
        .rules()
        .iter()
        .all(|r| r.delivery == Delivery::Incidents && r.incident_updates_s == 1_800.0));
}

#[test]
fn delivery_by_default_per_rule_and_bad_values() {
    let set = RuleSet::load(
        concat!(
            "[defaults]\ndeliver = \"incidents\"\nincident_updates = \"10m\"\n",
            "[[rule]]\nname = \"a\"\n",
            "[[rule]]\nname = \"b\"\ndeliver = \"events\"\n",
            "[[rule]]\nname = \"c\"\nincident_updates = \"1h\"\n",
        ),
        "r.toml",
    )
    .unwrap();
    let got: Vec<(Delivery, f64)> = set
        .rules()
        .iter()
        .map(|r| (r.delivery, r.incident_updates_s))
        .collect();
    assert_eq!(
        got,
        [
            (Delivery::Incidents, 600.0),
            (Delivery::Events, 600.0),
            (Delivery::Incidents, 3_600.0)
        ]
    );
    // A file that does not say delivers one alert per event.
    let plain = RuleSet::load("[[rule]]\nname = \"a\"\n", "r.toml").unwrap();
    assert_eq!(plain.rules()[0].delivery, Delivery::Events);
    check(
        "[[rule]]\nname = \"a\"\ndeliver = \"stories\"\n",
        3,
        11,
        RuleErrorKind::Value,
        "deliver is \"incidents\" or \"events\"",
    );
}

/// (file, line, column, kind, words the message must contain)
fn check(text: &str, line: usize, column: usize, kind: RuleErrorKind, words: &str) {
    let e = RuleSet::load(text, "r.toml").expect_err(text);
    assert_eq!(
        (e.line, e.column, e.kind),
        (line, column, kind),
        "{text:?} gave {e} ({:?})",
        e.kind
    );
    assert!(e.message.contains(words), "{e}");
    assert!(
        e.to_string().starts_with(&format!("r.toml:{line}:{column}: ")),
        "{e}"
    );
}

#[test]
fn errors_name_line_column_and_what() {
    use RuleErrorKind::*;
    check("[[rule]\nname = 'x'\n", 1, 8, Syntax, "expected `]`");
    check(
        "[[rule]]\nname = \"x\"\nwen = \"military\"\n",
        3,
        1,
        Schema,
        "unknown field `wen`",
    );
    check(
        "[[rule]]\nwhen = \"military\"\n",
        1,
        1,
        Schema,
        "missing field `name`",
    );
    check("[[rule]]\nname = 5\n", 2, 8, Schema, "invalid type");
    check(
        "[[rule]]\nname = \"x\"\nwhen = \"military and altitud < 5\"\n",
        3,
        22,
        Condition,
        "unknown field `altitud`",
    );
    // Literal strings map exactly as well.
    check(
        "[[rule]]\nname = \"x\"\nwhen = 'distance < 5'\n",
        3,
        20,
        Condition,
        "needs a unit",
    );
    // Multi-line strings: the newline after the opening quotes is not counted.
    check(
        "[[rule]]\nname = \"x\"\nwhen = '''\nmilitary and\n  gs > fast'''\n",
        5,
        8,
        Condition,
        "expected a number",
    );
    check(
        "[[rule]]\nname = \"x\"\nexclude = [\"on_ground\", \"class == navy\"]\n",
        3,
        35,
        Condition,
        "not one of",
    );
    check(
        "[[rule]]\nname = \"x\"\nevents = [\"zone_entry\", \"landed\"]\n",
        3,
        25,
        Value,
        "unknown event kind \"landed\"",
    );
    check(
        "[[rule]]\nname = \"x\"\nevents = []\n",
        3,
        10,
        Value,
        "never fire",
    );
    check(
        "[[rule]]\nname = \"x\"\nevents = [\"any\", \"takeoff\"]\n",
        3,
        10,
        Value,
        "stand alone",
    );
    check(
        "[[rule]]\nname = \"x\"\ncooldown = \"10 parsecs\"\n",
        3,
        12,
        Value,
        "duration",
    );
    check(
        "[[rule]]\nname = \"x\"\nconfirm = 1\n",
        3,
        11,
        Value,
        "single frame",
    );
    check("[defaults]\nconfirm = 0\n", 2, 11, Value, "at least 2");
    check(
        "[[rule]]\nname = \"x\"\ncount = { within = \"5m\" }\n",
        3,
        9,
        Value,
        "exactly one of at_least and more_than",
    );
    check(
        "[[rule]]\nname = \"x\"\ncount = { at_least = 0, within = \"5m\" }\n",
        3,
        22,
        Value,
        "at least 1",
    );
    check(
        "[[rule]]\nname = \"x\"\nevents = [\"condition\"]\ncount = { at_least = 2, within = \"5m\" }\n",
        4,
        9,
        Value,
        "counting rule",
    );
    check(
        "[[rule]]\nname = \"a\"\n[[rule]]\nname = \"A\"\n",
        4,
        8,
        Duplicate,
        "another rule",
    );
    check(
        "[[rule]]\nname = \"x\"\nwhen = 'watchlist(\"foes\")'\n",
        3,
        19,
        Condition,
        "no watch-list named",
    );
    check(
        "[[watchlist]]\nname = \"w\"\n[[watchlist.entry]]\naddress = \"xyz\"\n",
        4,
        11,
        Value,
        "six hex digits",
    );
    check(
        "[[watchlist]]\nname = \"w\"\n[[watchlist.entry]]\naddress = \"afffff-adf7c8\"\n",
        4,
        11,
        Value,
        "above its last",
    );
    check(
        "[[watchlist]]\nname = \"w\"\n[[watchlist.entry]]\nlabel = \"nothing\"\n",
        3,
        1,
        Value,
        "needs at least one of",
    );
    check(
        "[[watchlist]]\nname = \"w\"\n[[watchlist.entry]]\ncountry = \"Russia\"\n",
        4,
        11,
        Value,
        "two-letter",
    );
    check(
        "[[watchlist]]\nname = \"w\"\n",
        1,
        1,
        Value,
        "no [[watchlist.entry]]",
    );
    check(
        "[[override]]\naddress = \"43c6f2\"\nclass = \"navy\"\n",
        3,
        9,
        Value,
        "military",
    );
    check("version = 2\n", 1, 11, Value, "version 1");
}

#[test]
fn unknown_zones_are_reported_where_they_are_named() {
    let text = "[[rule]]\nname = \"x\"\nwhen = \"military and inside(atlantis)\"\n";
    let mut set = RuleSet::load(text, "z.toml").unwrap();
    let before = set.clone();
    let e = set.bind_zones(builtin_zones()).unwrap_err();
    assert_eq!((e.line, e.column, e.kind), (3, 29, RuleErrorKind::UnknownZone));
    assert!(e.message.contains("no zone with id \"atlantis\""), "{e}");
    assert!(e.message.contains("alaska_adiz"), "lists the zones: {e}");
    let _ = before;
    // In an exclusion too, and for distance_to.
    let text = "[[rule]]\nname = \"x\"\nexclude = [\"distance_to(nowhere) < 5 km\"]\n";
    let e = RuleSet::load(text, "z.toml")
        .unwrap()
        .bind_zones(builtin_zones())
        .unwrap_err();
    assert_eq!((e.line, e.column), (3, 25));
}

#[test]
fn the_examples_of_the_documentation_load() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
    // The doc is part of the repository: missing, the test fails rather than passes.
    let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut n = 0;
    for block in doc.split("```toml\n").skip(1) {
        let text = block.split("```").next().unwrap();
        // Fragments (one key of a rule) are shown inside a sentence, not as files.
        if !text.contains("[[") {
            continue;
        }
        let mut set = RuleSet::load(text, "docs/rules.md").unwrap_or_else(|e| panic!("{e}\n{text}"));
        set.bind_zones(builtin_zones())
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        n += 1;
    }
    assert!(n >= 4, "{n} examples");
    // The default rules as the documentation shows them are the built-in ones.
    let shown = doc.split("## The default rules").nth(1).unwrap();
    let shown = shown
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let a = RuleSet::load(shown, "doc").unwrap();
    let b = RuleSet::default_rules();
    let key = |s: &RuleSet| {
        s.rules()
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.when.text().to_string(),
                    r.events.clone(),
                    r.confirm,
                    r.cooldown_s,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&a), key(&b));
}
