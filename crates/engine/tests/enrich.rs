//! Enrichment: country and military flag by address, layered classification, the database
//! loaders on example files written for this project (`tests/data/tar1090_example.csv` and
//! `tests/data/plane_alert_example.csv`: invented rows, including deliberately bad ones), and
//! the readsb snapshots of the shared test data as real-world expectations.

mod shared_data;

use picket_engine::enrich::{
    address_from_registration, classify, country, military_block, registration_from_address, type_rule,
    AircraftDb, AircraftFacts, Class, DbCategory, DbSource, Layer, LoadErrorKind, Scheme, UserOverride,
    SCENARIO_AIRCRAFT,
};
use picket_modes::Icao;
use std::path::PathBuf;

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn addresses_to_country_and_military_flag() {
    // (address, ISO country, inside a known military range)
    let table: &[(u32, Option<&str>, bool)] = &[
        (0xAE1F01, Some("US"), true),  // US military range (scenario F-22)
        (0xADF7C8, Some("US"), true),  // first address above the civil N-number range
        (0xADF7C7, Some("US"), false), // N99999, the last civil one
        (0xA3E31A, Some("US"), false), // N35GR, civil (readsb snapshot)
        (0xC20001, Some("CA"), true),  // Canadian military range
        (0xC004E9, Some("CA"), false), // C-FBWI, civil
        (0xE40123, Some("BR"), true),  // Brazilian military range
        (0xE48123, Some("BR"), false), // Brazilian civil
        (0x43C123, Some("GB"), true),  // UK military range
        (0x406B90, Some("GB"), false), // EZY85MH of pyModeS' sample flight
        (0x3B7800, Some("FR"), true),
        (0x3F5000, Some("DE"), true),
        (0x480100, Some("NL"), true),
        (0x738A10, Some("IL"), true),
        (0x7CF900, Some("AU"), true),
        (0x800250, Some("IN"), true),
        (0x1514C0, Some("RU"), false), // Russia has no known military range
        (0x0D8123, Some("VE"), false), // nor has Venezuela
        (0x0AC123, Some("CO"), false), // nor Colombia
        (0x780AA8, Some("CN"), false), // nor China
        (0x899010, Some("TW"), false),
        (0x4D2401, Some("MT"), false), // 9H-WAC, in Malta's grown block
        (0xF00001, None, false),       // ICAO temporary block
        (0x000000, None, false),
        (0xB00000, None, false),
    ];
    for &(a, iso, mil) in table {
        assert_eq!(country(Icao(a)).map(|c| c.iso2), iso, "{a:06X}");
        assert_eq!(military_block(Icao(a)).is_some(), mil, "{a:06X}");
    }
}

#[test]
fn layered_classification() {
    let c = |f: AircraftFacts<'_>| {
        let c = classify(&f);
        (c.class, c.layer)
    };
    let at = AircraftFacts::address;
    // Address block.
    assert_eq!(c(at(Icao(0xAE1F01))), (Class::Military, Layer::AddressBlock));
    assert_eq!(c(at(Icao(0xC20001))), (Class::Military, Layer::AddressBlock));
    assert_eq!(c(at(Icao(0xE40123))), (Class::Military, Layer::AddressBlock));
    // Registration: Russian RF- state aviation, Venezuelan YVO, Colombian FAC, numeric serials.
    let reg = |a, r| AircraftFacts {
        registration: Some(r),
        ..at(Icao(a))
    };
    assert_eq!(c(reg(0x156F01, "RF-94113")), (Class::State, Layer::Registration));
    assert_eq!(c(reg(0x0D8101, "YVO101")), (Class::State, Layer::Registration));
    assert_eq!(
        c(reg(0x0AC101, "FAC1101")),
        (Class::Military, Layer::Registration)
    );
    assert_eq!(c(reg(0x0D8105, "0207")), (Class::Military, Layer::Registration));
    // A civil-looking registration decides nothing.
    assert_eq!(c(reg(0x1514C0, "RA-86496")), (Class::Unknown, Layer::Fallback));
    // Callsign and type.
    let cs = AircraftFacts {
        callsign: Some("RFF7076 "),
        ..at(Icao(0x1514C0))
    };
    assert_eq!(c(cs), (Class::Military, Layer::Callsign));
    let ty = AircraftFacts {
        type_designator: Some("T160"),
        ..at(Icao(0x156F01))
    };
    assert_eq!(c(ty), (Class::Military, Layer::Type));
    // Nothing at all.
    assert_eq!(c(AircraftFacts::default()), (Class::Unknown, Layer::Fallback));
    // A non-ICAO address is never matched against the blocks.
    let anon = AircraftFacts {
        address: None,
        callsign: Some("EJA809"),
        ..Default::default()
    };
    assert_eq!(c(anon), (Class::Unknown, Layer::Fallback));
}

#[test]
fn layer_order_is_override_db_address_registration_callsign_type() {
    let db = AircraftDb::with_builtin();
    let mut civil_db = AircraftDb::new();
    civil_db.load_plane_alert(b"$ICAO,$Registration,#CMPG\nAE1F01,N1,Civ\n");
    let everything = AircraftFacts {
        address: Some(Icao(0xAE1F01)),
        registration: Some("RF-94113"),
        callsign: Some("SAM44"),
        type_designator: Some("T160"),
        db: db.get(Icao(0xAE1F01)),
        user_override: Some(UserOverride {
            class: Class::Civil,
            note: "airshow visitor",
        }),
    };
    let layer = |f: &AircraftFacts<'_>| classify(f).layer;
    let mut f = everything;
    assert_eq!(layer(&f), Layer::Override);
    assert_eq!(classify(&f).class, Class::Civil);
    f.user_override = None;
    assert_eq!(layer(&f), Layer::AircraftDb);
    // A database record that says civil is decisive too, before the address block.
    f.db = civil_db.get(Icao(0xAE1F01));
    assert_eq!((classify(&f).class, layer(&f)), (Class::Civil, Layer::AircraftDb));
    f.db = None;
    assert_eq!(layer(&f), Layer::AddressBlock);
    f.address = Some(Icao(0x156F01));
    assert_eq!(layer(&f), Layer::Registration);
    f.registration = None;
    assert_eq!((classify(&f).class, layer(&f)), (Class::State, Layer::Callsign));
    f.callsign = None;
    assert_eq!(layer(&f), Layer::Type);
    f.type_designator = None;
    assert_eq!(layer(&f), Layer::Fallback);
}

#[test]
fn scenario_aircraft_classify_from_the_builtin_set() {
    let db = AircraftDb::with_builtin();
    assert_eq!(db.len(), SCENARIO_AIRCRAFT.len());
    for a in SCENARIO_AIRCRAFT {
        let rec = db.get(Icao(a.address)).unwrap();
        assert_eq!(rec.registration, Some(a.registration));
        assert_eq!(rec.source(), DbSource::BuiltIn);
        let c = classify(&AircraftFacts {
            db: Some(rec),
            ..AircraftFacts::address(Icao(a.address))
        });
        assert_eq!(
            (c.class, c.layer),
            (Class::Military, Layer::AircraftDb),
            "{}",
            a.registration
        );
        assert!(c.detail.contains(a.operator), "{}", c.detail);
        // Without the database, another layer still catches each of them.
        let bare = AircraftFacts {
            registration: Some(a.registration),
            callsign: a.callsign,
            type_designator: Some(a.type_designator),
            ..AircraftFacts::address(Icao(a.address))
        };
        assert!(classify(&bare).of_interest(), "{}", a.registration);
        assert_eq!(
            country(Icao(a.address)).map(|c| c.iso2),
            Some(if a.address >= 0xA00000 { "US" } else { "RU" })
        );
    }
}

#[test]
fn tar1090_example_file() {
    let mut db = AircraftDb::new();
    let report = db.load_tar1090(&data("tar1090_example.csv"));
    let bad: Vec<(usize, LoadErrorKind)> = report.errors.iter().map(|e| (e.line, e.kind)).collect();
    assert_eq!(
        bad,
        [
            (4, LoadErrorKind::BadAddress),
            (6, LoadErrorKind::BadFlags),
            (8, LoadErrorKind::MissingFields { found: 2, needed: 4 }),
            (9, LoadErrorKind::BadYear),
            (11, LoadErrorKind::NotUtf8),
        ]
    );
    assert_eq!(
        report.errors[0].to_string(),
        "line 4: the ICAO address is not six hexadecimal digits"
    );
    assert_eq!((report.loaded, report.merged, report.skipped), (8, 1, 5));
    assert_eq!(db.len(), 7);

    let c17 = db.get(Icao(0xAE0001)).unwrap();
    assert_eq!(c17.registration, Some("09-0001"));
    assert_eq!(c17.type_designator, Some("C17"));
    assert_eq!(c17.description, Some("Boeing C-17A Globemaster III"));
    assert_eq!(c17.operator, Some("United States Air Force"));
    assert_eq!(c17.year, Some(2009));
    assert!(c17.flags.military() && !c17.flags.ladd());

    // "1001": military and LADD.
    let herc = db.get(Icao(0x400001)).unwrap();
    assert!(herc.flags.military() && herc.flags.ladd() && !herc.flags.interesting());
    // Empty optional fields.
    let dash8 = db.get(Icao(0xC0FFEE)).unwrap();
    assert_eq!((dash8.flags.0, dash8.year, dash8.operator), (0, None, None));
    // The second row for A00001 only filled what the first lacked and added its flag.
    let n1 = db.get(Icao(0xA00001)).unwrap();
    assert_eq!(n1.registration, Some("N1"));
    assert_eq!(n1.operator, Some("Example Flying Club"));
    assert!(n1.flags.interesting());
    assert_eq!(db.get(Icao(0x3C6444)), None);

    let rec = db.get(Icao(0x1551E0)).unwrap();
    let c = classify(&AircraftFacts {
        db: Some(rec),
        ..AircraftFacts::address(Icao(0x1551E0))
    });
    assert_eq!((c.class, c.layer), (Class::Military, Layer::AircraftDb));
    assert!(c.detail.starts_with("tar1090-db: military flag"), "{}", c.detail);
}

#[test]
fn plane_alert_example_file() {
    let mut db = AircraftDb::new();
    let report = db.load_plane_alert(&data("plane_alert_example.csv"));
    let bad: Vec<(usize, LoadErrorKind)> = report.errors.iter().map(|e| (e.line, e.kind)).collect();
    assert_eq!(
        bad,
        [
            (6, LoadErrorKind::BadAddress),
            (7, LoadErrorKind::BadCategory),
            (8, LoadErrorKind::UnterminatedQuote)
        ]
    );
    assert_eq!((report.loaded, report.skipped), (5, 3));

    let il62 = db.get(Icao(0x1514C0)).unwrap();
    assert_eq!(il62.registration, Some("RA-86496"));
    assert_eq!(il62.operator, Some("Example Air Force"));
    assert_eq!(il62.description, Some("Ilyushin Il-62M"));
    assert_eq!(il62.type_designator, Some("IL62"));
    assert_eq!(il62.category, Some(DbCategory::Military));
    assert_eq!(
        il62.tags,
        [Some("VIP Transport"), Some("Four Engines"), Some("Example")]
    );
    assert_eq!(il62.group, Some("Other Air Forces"));

    let police = db.get(Icao(0xA0B0C0)).unwrap();
    assert_eq!(police.operator, Some("Example Police, Air Unit"));
    assert_eq!(police.tags[0], Some("Police"));
    assert_eq!(police.tags[1], Some("Tag with \"quotes\""));

    let class = |a: u32| {
        classify(&AircraftFacts {
            db: db.get(Icao(a)),
            ..AircraftFacts::address(Icao(a))
        })
        .class
    };
    assert_eq!(class(0x1514C0), Class::Military);
    assert_eq!(class(0x0D8101), Class::State);
    assert_eq!(class(0x0AC101), Class::Military);
    assert_eq!(class(0xA0B0C0), Class::State);
    assert_eq!(class(0x40ABCD), Class::Civil);
}

#[test]
fn both_files_merge() {
    let mut db = AircraftDb::with_builtin();
    db.load_tar1090(&data("tar1090_example.csv"));
    let report = db.load_plane_alert(&data("plane_alert_example.csv"));
    // 0x1514C0 is both a built-in scenario aircraft and a plane-alert example row.
    assert_eq!(report.merged, 1);
    let rec = db.get(Icao(0x1514C0)).unwrap();
    assert!(rec.has_source(DbSource::BuiltIn) && rec.has_source(DbSource::PlaneAlert));
    // The built-in operator stays; the tags come from plane-alert.
    assert_eq!(rec.operator, Some("Russian Air Force"));
    assert_eq!(rec.tags[0], Some("VIP Transport"));
    assert_eq!(db.iter().count(), db.len());
    assert!(db
        .iter()
        .zip(db.iter().skip(1))
        .all(|(a, b)| a.address < b.address));
}

#[test]
fn garbage_never_panics() {
    let mut db = AircraftDb::new();
    let mut junk = Vec::new();
    for i in 0u32..4000 {
        // Deterministic pseudo-random bytes biased toward separators and hex digits.
        let x = i.wrapping_mul(2_654_435_761).rotate_left(i % 31);
        junk.push(b";,\"\n0aF1 \xff-"[(x % 11) as usize]);
    }
    let r1 = db.load_tar1090(&junk);
    let r2 = db.load_plane_alert(&junk);
    assert!(db.len() <= r1.loaded + r2.loaded);
    assert!(r1.skipped + r2.skipped > 0);
    for s in [
        "",
        "N",
        "N1ZZZ",
        "RA-",
        "HL",
        "C-F",
        "\u{1F600}",
        "N99999999999999",
    ] {
        let _ = address_from_registration(s);
        let _ = type_rule(s);
    }
}

// ---- Real data: readsb snapshots (sdre-rust-adsb-parser test_data) --------------------

struct Seen {
    hex: String,
    registration: Option<String>,
    type_designator: Option<String>,
    db_flags: u64,
}

fn readsb_snapshots() -> Option<Vec<Seen>> {
    let dir = shared_data::shared_file("sdre-rust-adsb-parser/test_data")?;
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut out = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        // aircraft_N.json: one aircraft.json document; json_N.json: one object a line.
        let objects: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(doc) => doc["aircraft"].as_array().cloned().unwrap_or_default(),
            Err(_) => text
                .lines()
                .map(|l| l.trim().trim_end_matches(','))
                .filter(|l| l.starts_with('{'))
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        };
        for a in objects {
            let s = |k: &str| {
                a[k].as_str()
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            out.push(Seen {
                hex: s("hex").unwrap_or_default(),
                registration: s("r"),
                type_designator: s("t"),
                db_flags: a["dbFlags"].as_u64().unwrap_or(0),
            });
        }
    }
    Some(out)
}

fn icao(hex: &str) -> Option<Icao> {
    // "~" marks a non-ICAO address in readsb's output.
    u32::from_str_radix(hex, 16).ok().map(Icao)
}

#[test]
fn readsb_military_flags_agree() {
    let Some(seen) = readsb_snapshots() else { return };
    let military: Vec<&Seen> = seen.iter().filter(|s| s.db_flags & 1 != 0).collect();
    let mut agreed = 0;
    let mut misses = Vec::new();
    for s in &military {
        let a = icao(&s.hex).expect("readsb flags only ICAO addresses military");
        let by_range = military_block(a).is_some();
        let by_type = s.type_designator.as_deref().and_then(type_rule).is_some();
        if by_range || by_type {
            agreed += 1;
        } else {
            misses.push(&s.hex);
        }
        // readsb's flag comes from its range list for these: picket's address layer agrees.
        if by_range {
            let c = classify(&AircraftFacts::address(a));
            assert_eq!(
                (c.class, c.layer),
                (Class::Military, Layer::AddressBlock),
                "{}",
                s.hex
            );
        }
    }
    // Measured on the 5 aircraft.json and 3 JSON-lines snapshots: 16 aircraft rows (12
    // distinct addresses, all in the US range 0xADF7C8-0xAFFFFF: T38, E3TF, C30J, B350, V22,
    // H60, B762, B212) are flagged military by readsb, and all 16 agree through the address
    // layer (the type layer alone would catch only the T38, E3TF, C30J and V22: B350, H60,
    // B762 and B212 have civil users). No misses, so the bound is all of them.
    eprintln!(
        "readsb military flags: {agreed} of {} agree; misses: {misses:?}",
        military.len()
    );
    assert!(
        military.len() >= 16,
        "expected the snapshots' 16 military rows, found {}",
        military.len()
    );
    assert_eq!(agreed, military.len(), "misses: {misses:?}");

    // The other way: every address in a picket military range is flagged military by readsb.
    for s in &seen {
        if let Some(a) = icao(&s.hex).filter(|a| military_block(*a).is_some()) {
            assert!(
                s.db_flags & 1 != 0,
                "{a} is in a military range but readsb does not flag it"
            );
        }
    }
}

#[test]
fn readsb_registrations_match_the_address_schemes() {
    let Some(seen) = readsb_snapshots() else { return };
    let (mut checked, mut us, mut ca) = (0, 0, 0);
    for s in &seen {
        let (Some(a), Some(r)) = (icao(&s.hex), s.registration.as_deref()) else {
            continue;
        };
        let Some(derived) = registration_from_address(a) else {
            continue;
        };
        checked += 1;
        match derived.scheme() {
            Scheme::UsNNumber => us += 1,
            Scheme::Canada => ca += 1,
            _ => {}
        }
        assert_eq!(derived.as_str(), r, "{a}");
        assert_eq!(address_from_registration(r), Some(a), "{r}");
    }
    // Measured: 514 rows with a registration and an address-derived one (497 US rows of 432
    // distinct civil N-numbers, 16 rows of 10 Canadian C-F/C-G aircraft, one Korean HL8080);
    // all 514 equal, none differ.
    eprintln!("address-derived registrations: {checked} rows checked ({us} US, {ca} Canada), all equal");
    assert!(us >= 497 && ca >= 16, "{us} US, {ca} Canadian rows");
}

/// The callsign layer reads the user's rows before the built-in table: a prefix the
/// built-in table does not know becomes military, and a row replaces a built-in one.
#[test]
fn a_users_callsign_file_extends_the_callsign_layer() {
    use picket_engine::rules::{Enrichment, Reported, RuleSet};
    use picket_engine::track::TrackKey;
    use picket_modes::Callsign;
    let rules = RuleSet::empty();
    let at = |db: &AircraftDb, cs: &str| {
        let e = Enrichment::compute(
            TrackKey::icao(Icao(0x4ca123)),
            Some(Callsign::new(cs)),
            Reported::default(),
            db,
            &rules,
        );
        (
            e.classification.class,
            e.classification.layer,
            e.classification.detail.to_string(),
        )
    };
    let mut db = AircraftDb::new();
    assert_eq!(at(&db, "BOLT11").1, Layer::Fallback);
    let (c, l, detail) = at(&db, "HUAF604");
    assert_eq!((c, l), (Class::Military, Layer::Callsign));
    assert_eq!(
        detail,
        "callsign HUAF604: Hungarian Air Force (HUAF, HU; tactical)"
    );
    let report = db.load_callsigns(
        b"prefix,class,country,operator,source\nBOLT,military,US,US Marine Corps,my notes\nHUAF,state,HU,Hungarian government,my notes\nbolt,x\n",
    );
    assert_eq!((report.loaded, report.skipped), (2, 1));
    assert_eq!(
        report.errors[0].to_string(),
        "line 4: 2 columns, expected 5 (prefix, class, country, operator, source)"
    );
    assert_eq!(at(&db, "BOLT11").0, Class::Military);
    assert_eq!(at(&db, "HUAF604").0, Class::State);
    // The built-in rows the user did not replace still apply.
    assert_eq!(at(&db, "RCH471").0, Class::Military);
}
