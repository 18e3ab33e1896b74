//! Layered military/state classification.
//!
//! Each layer looks at one kind of evidence and either decides or passes. The first layer
//! that decides wins, in this order (strongest first):
//!
//! 1. [`Layer::Override`]: the user's own statement about the aircraft.
//! 2. [`Layer::AircraftDb`]: a database record: the tar1090-db military flag or
//!    plane-alert-db's CMPG column (Mil → military, Gov/Pol → state, Civ → civil). A record
//!    marked both military and civil (the two databases disagree) counts as military: a
//!    false alarm costs less than a missed aircraft.
//! 3. [`Layer::AddressBlock`]: the address lies in a known military range
//!    ([`super::military_block`]).
//! 4. [`Layer::Registration`]: the registration (reported, else from the database) matches a
//!    military or state pattern ([`registration_rule`]). A registration derived from the
//!    address is never used here: it is civil by construction, and for Russia the RA-/RF-
//!    prefix is not in the address.
//! 5. [`Layer::Callsign`]: the callsign starts with a military or state operator designator
//!    ([`callsign_rule`]).
//! 6. [`Layer::Type`]: the type designator (reported, else from the database) names a type
//!    only armed forces fly ([`type_rule`]).
//!
//! Only positive evidence decides in layers 3-6: an address outside the known ranges, a
//! civil-looking registration (the Russian Air Force flies RA- aircraft) or an airline
//! callsign says nothing. When no layer decides the result is [`Class::Unknown`] with
//! [`Layer::Fallback`].
//!
//! Patterns are written in a small notation: `#` is one digit, `@` one letter, `*` (last
//! only) anything; other characters match themselves, letter case ignored. Registrations are
//! matched with hyphens and spaces removed ("RF-94113" and "RF94113" alike).

use super::{military_block, AircraftRecord, DbCategory};
use picket_modes::Icao;
use std::borrow::Cow;

/// What an aircraft is, for the purpose of watching it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Civil aircraft.
    Civil,
    /// Military aircraft.
    Military,
    /// State (government, police, customs, state aviation) aircraft that are not plainly
    /// military.
    State,
    /// No layer decided.
    Unknown,
}

/// Which kind of evidence made a classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// The user's override.
    Override,
    /// An aircraft database record.
    AircraftDb,
    /// A known military address range.
    AddressBlock,
    /// A registration pattern.
    Registration,
    /// A callsign pattern.
    Callsign,
    /// A type designator.
    Type,
    /// Nothing decided.
    Fallback,
}

impl Class {
    /// Every class, in declaration order.
    pub const ALL: [Class; 4] = [Class::Civil, Class::Military, Class::State, Class::Unknown];
}

impl Layer {
    /// Every layer, strongest first (the order [`classify`] tries them in).
    pub const ALL: [Layer; 7] = [
        Layer::Override,
        Layer::AircraftDb,
        Layer::AddressBlock,
        Layer::Registration,
        Layer::Callsign,
        Layer::Type,
        Layer::Fallback,
    ];
}

/// A classification and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The class.
    pub class: Class,
    /// The layer that decided.
    pub layer: Layer,
    /// What the layer saw, in words (e.g. "callsign RFF: Russian Air Force").
    pub detail: Cow<'static, str>,
}

impl Classification {
    /// Whether the aircraft is military or state, the ones picket watches by default.
    pub fn of_interest(&self) -> bool {
        matches!(self.class, Class::Military | Class::State)
    }
}

/// The user's own classification of an aircraft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserOverride<'a> {
    /// The class to use.
    pub class: Class,
    /// Why, in the user's words (goes into the detail).
    pub note: &'a str,
}

/// Everything known about an aircraft that the layers look at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AircraftFacts<'a> {
    /// The ICAO address, or `None` for non-ICAO, anonymous and TIS-B track-file addresses,
    /// which belong to no state's block.
    pub address: Option<Icao>,
    /// Registration reported by a source (e.g. an SBS or JSON input), if any.
    pub registration: Option<&'a str>,
    /// Callsign as broadcast (trailing spaces are fine).
    pub callsign: Option<&'a str>,
    /// ICAO type designator reported by a source, if any.
    pub type_designator: Option<&'a str>,
    /// The aircraft database record for the address, if any.
    pub db: Option<AircraftRecord<'a>>,
    /// The user's override, if any.
    pub user_override: Option<UserOverride<'a>>,
}

impl AircraftFacts<'_> {
    /// Facts holding only an ICAO address.
    pub fn address(address: Icao) -> Self {
        AircraftFacts {
            address: Some(address),
            ..Default::default()
        }
    }
}

/// A pattern and what a match means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternRule {
    /// The pattern (see the module documentation).
    pub pattern: &'static str,
    /// The class a match gives.
    pub class: Class,
    /// What a match means, with its source.
    pub what: &'static str,
}

/// Classify an aircraft: the first layer that decides wins (see the module documentation).
/// The callsign layer reads the built-in table.
pub fn classify(f: &AircraftFacts<'_>) -> Classification {
    classify_with(f, None)
}

/// [`classify`], the callsign layer reading `callsigns` (the user's rows) before the
/// built-in table.
pub fn classify_with(f: &AircraftFacts<'_>, callsigns: Option<&CallsignTable>) -> Classification {
    let decided = |class, layer, detail: Cow<'static, str>| Classification { class, layer, detail };

    if let Some(o) = f.user_override {
        return decided(
            o.class,
            Layer::Override,
            format!("user override: {}", o.note).into(),
        );
    }
    if let Some(rec) = f.db {
        if let Some((class, why)) = db_class(&rec) {
            let op = rec.operator.map(|o| format!(" ({o})")).unwrap_or_default();
            return decided(
                class,
                Layer::AircraftDb,
                format!("{}: {why}{op}", rec.source().name()).into(),
            );
        }
    }
    if let Some(b) = f.address.and_then(military_block) {
        return decided(Class::Military, Layer::AddressBlock, b.what.into());
    }
    let registration = f.registration.or(f.db.and_then(|r| r.registration));
    if let Some(reg) = registration {
        if let Some(rule) = registration_rule(reg) {
            return decided(
                rule.class,
                Layer::Registration,
                format!("registration {reg}: {}", rule.what).into(),
            );
        }
    }
    if let Some(cs) = f.callsign {
        if let Some(rule) = callsigns.and_then(|t| t.find(cs)).or_else(|| callsign_rule(cs)) {
            let country = rule
                .country
                .as_deref()
                .map(|c| format!(", {c}"))
                .unwrap_or_default();
            return decided(
                rule.class,
                Layer::Callsign,
                format!(
                    "callsign {}: {} ({}{country}; {})",
                    cs.trim(),
                    rule.operator,
                    rule.prefix,
                    rule.source
                )
                .into(),
            );
        }
    }
    let type_designator = f.type_designator.or(f.db.and_then(|r| r.type_designator));
    if let Some(t) = type_designator {
        if let Some(rule) = type_rule(t) {
            return decided(
                rule.class,
                Layer::Type,
                format!("type {}: {}", t.trim(), rule.what).into(),
            );
        }
    }
    decided(Class::Unknown, Layer::Fallback, "no layer decided".into())
}

fn db_class(rec: &AircraftRecord<'_>) -> Option<(Class, &'static str)> {
    if rec.category == Some(DbCategory::Military) {
        return Some((Class::Military, "category Mil"));
    }
    if rec.flags.military() {
        return Some((Class::Military, "military flag"));
    }
    match rec.category? {
        DbCategory::Government => Some((Class::State, "category Gov")),
        DbCategory::Police => Some((Class::State, "category Pol")),
        DbCategory::Civil => Some((Class::Civil, "category Civ")),
        DbCategory::Military => None,
    }
}

/// The military/state rule a registration matches, if any.
///
/// Besides [`REGISTRATION_RULES`], a registration made only of digits and separators
/// ("06-4101", "0207", "10+01") is military: every civil registration begins with its
/// state's nationality mark (ICAO Annex 7), and these are armed forces' serials (US
/// fiscal-year serials, German "nn+nn", numbered Latin American and Russian military
/// aircraft).
pub fn registration_rule(registration: &str) -> Option<&'static PatternRule> {
    let mut buf = [0u8; 16];
    let mut n = 0;
    for b in registration.trim().bytes().filter(|b| !matches!(b, b'-' | b' ')) {
        *buf.get_mut(n)? = b.to_ascii_uppercase();
        n += 1;
    }
    let r = &buf[..n];
    if r.iter().filter(|b| b.is_ascii_digit()).count() >= 2
        && r.iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'/' | b'.'))
    {
        return Some(&NO_NATIONALITY_MARK);
    }
    REGISTRATION_RULES
        .iter()
        .find(|rule| matches(rule.pattern.as_bytes(), r))
}

/// The built-in callsign table's rule a callsign matches, if any.
pub fn callsign_rule(callsign: &str) -> Option<&'static CallsignRule> {
    builtin_callsigns().find(callsign)
}

/// The rule for a type designator that only armed forces fly, if it is one.
pub fn type_rule(type_designator: &str) -> Option<&'static PatternRule> {
    let t = type_designator.trim().as_bytes();
    TYPE_RULES.iter().find(|rule| matches(rule.pattern.as_bytes(), t))
}

fn matches(pattern: &[u8], text: &[u8]) -> bool {
    let mut t = text.iter();
    for (i, &p) in pattern.iter().enumerate() {
        if p == b'*' && i == pattern.len() - 1 {
            return true;
        }
        let Some(&c) = t.next() else { return false };
        let ok = match p {
            b'#' => c.is_ascii_digit(),
            b'@' => c.is_ascii_alphabetic(),
            _ => c.eq_ignore_ascii_case(&p),
        };
        if !ok {
            return false;
        }
    }
    t.next().is_none()
}

static NO_NATIONALITY_MARK: PatternRule = PatternRule {
    pattern: "(digits only)",
    class: Class::Military,
    what: "serial without a nationality mark, so not a civil registration (ICAO Annex 7)",
};

const fn rule(pattern: &'static str, class: Class, what: &'static str) -> PatternRule {
    PatternRule { pattern, class, what }
}

use Class::{Military as MIL, State as STATE};

use super::callsigns::{builtin_callsigns, CallsignRule, CallsignTable};

/// Registration patterns (hyphens and spaces removed before matching).
pub static REGISTRATION_RULES: &[PatternRule] = &[
    // Russia has no known military address range; state aviation (air force, FSB border
    // guard, MChS, Rosgvardiya) registers its aircraft with the RF- mark instead of RA-.
    rule(
        "RF#####",
        STATE,
        "Russian state aviation register (RF-), military or other state service",
    ),
    // Venezuela: official (government) aircraft are registered YVO plus a number.
    rule("YVO#*", STATE, "Venezuelan official government register (YVO)"),
    // Venezuelan military aviation (Fuerza Aérea Venezolana, now Aviación Militar
    // Bolivariana) serials as aircraft databases write them. By convention, not checked
    // against a register; purely numeric Venezuelan serials fall under the digits rule.
    rule("FAV#*", MIL, "Venezuelan military aviation serial (FAV)"),
    rule(
        "AMB#*",
        MIL,
        "Venezuelan military aviation serial (AMB, Aviación Militar Bolivariana)",
    ),
    // Colombia: the services' own marks (plane-alert-db: FAC1282 Colombian Air Force C295,
    // EJC-1108 Colombian Army).
    rule("FAC#*", MIL, "Colombian Air Force serial (FAC)"),
    rule("EJC#*", MIL, "Colombian Army serial (EJC)"),
    rule(
        "ARC#*",
        MIL,
        "Colombian Navy serial (ARC, Armada de la República de Colombia)",
    ),
    rule("PNC#*", STATE, "Colombian National Police (PNC)"),
    // FAB: Força Aérea Brasileira ("FAB2101") and Fuerza Aérea Boliviana ("FAB-001").
    rule("FAB#*", MIL, "Brazilian or Bolivian Air Force serial (FAB)"),
    rule("FAE#*", MIL, "Ecuadorian Air Force serial (FAE)"),
    rule("FAP#*", MIL, "Peruvian Air Force serial (FAP)"),
    // FAM: Fuerza Aérea Mexicana, and Mozambique's air force (plane-alert-db: FAM-002).
    rule("FAM#*", MIL, "air force serial (FAM: Mexico or Mozambique)"),
    // Italy: Matricola Militare.
    rule("MM####*", MIL, "Italian military serial (MM)"),
    // UK military serials: two letters and three digits in the X and Z series (plane-alert-db:
    // ZJ705 RAF Griffin, XW199 RAF Puma, ZZ178 RAF C-17).
    rule("X@###", MIL, "UK military serial"),
    rule("Z@###", MIL, "UK military serial"),
];

/// Type designators (ICAO Doc 8643) of types only armed forces fly. Types with civil users
/// (UH-60/S-70 fire fighters, Bell 212, C-130's civil L-100 twin aside) are left out: a
/// type alone is the weakest evidence.
pub static TYPE_RULES: &[PatternRule] = &[
    rule("T160", MIL, "Tupolev Tu-160 bomber"),
    rule("TU95", MIL, "Tupolev Tu-95/Tu-142 bomber and maritime patrol"),
    rule("T22M", MIL, "Tupolev Tu-22M bomber"),
    rule("TU22", MIL, "Tupolev Tu-22 bomber"),
    rule("TU16", MIL, "Tupolev Tu-16/Xian H-6 bomber"),
    rule("B52", MIL, "Boeing B-52 bomber"),
    rule("B1", MIL, "Rockwell B-1 bomber"),
    rule("B2", MIL, "Northrop B-2 bomber"),
    rule("F22", MIL, "Lockheed Martin F-22 fighter"),
    rule("F35", MIL, "Lockheed Martin F-35 fighter"),
    rule("F16", MIL, "General Dynamics F-16 fighter"),
    rule("F15", MIL, "Boeing F-15 fighter"),
    rule("F18H", MIL, "McDonnell Douglas F/A-18 Hornet"),
    rule("F18S", MIL, "Boeing F/A-18E/F Super Hornet, EA-18G Growler"),
    rule("F14", MIL, "Grumman F-14 fighter"),
    rule("F117", MIL, "Lockheed F-117 attack aircraft"),
    rule("A10", MIL, "Fairchild A-10 attack aircraft"),
    rule("EUFI", MIL, "Eurofighter Typhoon"),
    rule("RFAL", MIL, "Dassault Rafale"),
    rule("TOR", MIL, "Panavia Tornado"),
    rule("SU24", MIL, "Sukhoi Su-24 bomber"),
    rule("SU25", MIL, "Sukhoi Su-25 attack aircraft"),
    rule("SU27", MIL, "Sukhoi Su-27 family fighter"),
    rule("SU57", MIL, "Sukhoi Su-57 fighter"),
    rule("MG25", MIL, "Mikoyan MiG-25"),
    rule("MG29", MIL, "Mikoyan MiG-29"),
    rule("MG31", MIL, "Mikoyan MiG-31 interceptor"),
    rule("J10", MIL, "Chengdu J-10 fighter"),
    rule("J20", MIL, "Chengdu J-20 fighter"),
    rule("MI24", MIL, "Mil Mi-24/35 attack helicopter"),
    rule("MI28", MIL, "Mil Mi-28 attack helicopter"),
    rule("KA50", MIL, "Kamov Ka-50 attack helicopter"),
    rule("KA52", MIL, "Kamov Ka-52 attack helicopter"),
    rule("H64", MIL, "Boeing AH-64 Apache"),
    rule("V22", MIL, "Bell-Boeing V-22 Osprey"),
    rule("C17", MIL, "Boeing C-17 Globemaster III"),
    rule("C5M", MIL, "Lockheed C-5 Galaxy"),
    rule("A400", MIL, "Airbus A400M"),
    rule("Y20", MIL, "Xian Y-20 transport"),
    rule("C30J", MIL, "Lockheed Martin C-130J Super Hercules"),
    rule("K35R", MIL, "Boeing KC-135R/T, C-135FR tanker"),
    rule("K35E", MIL, "Boeing KC-135E tanker"),
    rule("R135", MIL, "Boeing RC-135 reconnaissance"),
    rule("E3TF", MIL, "Boeing E-3 Sentry AWACS (TF33)"),
    rule("E3CF", MIL, "Boeing E-3 Sentry AWACS (CFM56)"),
    rule("E6", MIL, "Boeing E-6 Mercury"),
    rule("P8", MIL, "Boeing P-8 Poseidon"),
    rule("U2", MIL, "Lockheed U-2 reconnaissance"),
    rule("A50", MIL, "Beriev A-50 AEW&C"),
    rule("IL38", MIL, "Ilyushin Il-38 maritime patrol"),
    rule("C2", MIL, "Grumman C-2 Greyhound"),
    rule("E2", MIL, "Grumman E-2 Hawkeye"),
    rule("T38", MIL, "Northrop T-38 Talon trainer"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_notation() {
        assert!(matches(b"RFF#*", b"RFF7076"));
        assert!(matches(b"RFF#*", b"rff7"));
        assert!(!matches(b"RFF#*", b"RFF"));
        assert!(!matches(b"RFF#*", b"RFFA12"));
        assert!(matches(b"RF#####", b"RF94113"));
        assert!(!matches(b"RF#####", b"RF941134"));
        assert!(!matches(b"RF#####", b"RF9411"));
        assert!(matches(b"X@###", b"XW199"));
        assert!(matches(b"T160", b"t160"));
        assert!(!matches(b"B1", b"B12"));
    }

    #[test]
    fn every_type_rule_names_a_doc_8643_designator() {
        for r in TYPE_RULES {
            assert!(crate::enrich::aircraft_type(r.pattern).is_some(), "{}", r.pattern);
        }
    }

    #[test]
    fn registrations() {
        let class = |r: &str| registration_rule(r).map(|x| x.class);
        assert_eq!(class("RF-94113"), Some(Class::State));
        assert_eq!(class("RA-86496"), None);
        assert_eq!(class("YVO226"), Some(Class::State));
        assert_eq!(class("YV2984"), None);
        assert_eq!(class("FAC1282"), Some(Class::Military));
        assert_eq!(class("FAB2101"), Some(Class::Military));
        assert_eq!(class("06-4101"), Some(Class::Military));
        assert_eq!(class("10+01"), Some(Class::Military));
        assert_eq!(class("0207"), Some(Class::Military));
        assert_eq!(class("ZJ705"), Some(Class::Military));
        assert_eq!(class("MM62243"), Some(Class::Military));
        // Civil registrations.
        for civil in [
            "N35GR", "C-FBWI", "G-EZTH", "HL8080", "B-LJN", "9H-WAC", "ZS-ABJ", "5", "",
        ] {
            assert_eq!(class(civil), None, "{civil}");
        }
        // Longer than any registration: not matched, no panic.
        assert_eq!(class("12345678901234567890"), None);
    }

    #[test]
    fn callsigns() {
        let class = |c: &str| callsign_rule(c).map(|x| x.class);
        assert_eq!(class("RFF7076 "), Some(Class::Military));
        assert_eq!(class("RCH471"), Some(Class::Military));
        assert_eq!(class("SAM44"), Some(Class::State));
        assert_eq!(class("NATO01"), Some(Class::Military));
        for civil in ["AFL1234", "RCHA", "SAMSUNG", "EJA809", "N35GR", ""] {
            assert_eq!(class(civil), None, "{civil}");
        }
    }
}
