//! Watch-lists: aircraft (or kinds of aircraft) to follow, matched by address or address
//! range, registration, callsign pattern, type designator, operator, country and military
//! flag.
//!
//! An entry that names one aircraft (an address or a registration) is an *identity* entry.
//! It matches by its address, by its registration, or, when it gives a callsign pattern, by
//! the callsign together with every other trait it gives (type, operator, country,
//! military). So an aircraft that changes its address (a re-hexed airframe, a tactical code,
//! a rotating privacy address) is still caught by what it says about itself, and the match
//! reports the listed address the aircraft was seen without ([`WatchHit::new_address_of`]).
//! A type alone never stands for one airframe: an entry with an address and a type but no
//! callsign is not matched by the type.
//!
//! An entry with neither address nor registration is a *class* entry: it matches every
//! aircraft that has all the traits it gives (`type = "T160"`, `country = "RU", military =
//! true`).

use picket_modes::Icao;

use super::pattern::Pattern;

/// A listed address: one, or an inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedAddress {
    /// One address.
    One(Icao),
    /// Every address from the first to the last, inclusive.
    Range(Icao, Icao),
}

impl ListedAddress {
    /// Whether `a` is (in) the listed address.
    pub fn contains(self, a: Icao) -> bool {
        match self {
            ListedAddress::One(x) => x == a,
            ListedAddress::Range(lo, hi) => lo.0 <= a.0 && a.0 <= hi.0,
        }
    }

    /// The (first) listed address.
    pub fn first(self) -> Icao {
        match self {
            ListedAddress::One(x) | ListedAddress::Range(x, _) => x,
        }
    }
}

/// One entry of a watch-list. Every trait given must hold (see the module documentation for
/// how identity entries match).
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEntry {
    /// A label for alerts ("Tu-160 RF-94113").
    pub label: Option<String>,
    /// Address or address range.
    pub address: Option<ListedAddress>,
    /// Registration, upper-cased without hyphens and spaces.
    pub registration: Option<Box<str>>,
    /// Callsign pattern.
    pub callsign: Option<Pattern>,
    /// Type designator pattern.
    pub type_designator: Option<Pattern>,
    /// Operator pattern (database operator name).
    pub operator: Option<Pattern>,
    /// Country of registry (ISO 3166-1 alpha-2, from the address block), upper case.
    pub country: Option<Box<str>>,
    /// Military (or state) classification wanted: true for military or state, false for
    /// neither.
    pub military: Option<bool>,
}

impl WatchEntry {
    /// True when the entry names one aircraft (an address or a registration).
    pub fn is_identity(&self) -> bool {
        self.address.is_some() || self.registration.is_some()
    }
}

/// A named watch-list.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchList {
    /// Name, used by rules: `watchlist("name")`.
    pub name: String,
    /// What the list is for.
    pub description: Option<String>,
    /// The entries.
    pub entries: Vec<WatchEntry>,
}

/// How an entry matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchedBy {
    /// The aircraft's address is the listed address or in the listed range.
    Address,
    /// The registration.
    Registration,
    /// The callsign and the entry's other traits.
    Traits,
    /// Every trait of a class entry.
    Class,
}

impl MatchedBy {
    /// snake_case name for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Address => "address",
            MatchedBy::Registration => "registration",
            MatchedBy::Traits => "traits",
            MatchedBy::Class => "class",
        }
    }
}

/// A watch-list entry that matched an aircraft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WatchHit {
    /// Index of the list in the rule set.
    pub list: u16,
    /// Index of the entry in the list.
    pub entry: u16,
    /// How it matched.
    pub by: MatchedBy,
    /// The listed address when the aircraft matched an identity entry by other traits
    /// while flying another address: the entry seen under a new address.
    pub new_address_of: Option<Icao>,
}

/// What a watch-list looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct WatchFacts<'a> {
    /// The ICAO address; `None` for non-ICAO (anonymous, TIS-B track) addresses, which no
    /// address entry matches.
    pub address: Option<Icao>,
    /// Registration (database, reported or derived from the address).
    pub registration: Option<&'a str>,
    /// Callsign.
    pub callsign: Option<&'a str>,
    /// Type designator.
    pub type_designator: Option<&'a str>,
    /// Operator.
    pub operator: Option<&'a str>,
    /// Country of registry, ISO alpha-2.
    pub country: Option<&'a str>,
    /// Military or state classification.
    pub military: bool,
}

fn reg_eq(listed: &str, reg: &str) -> bool {
    let r = reg
        .bytes()
        .filter(|b| !matches!(b, b'-' | b' '))
        .map(|b| b.to_ascii_uppercase());
    listed.bytes().eq(r)
}

/// Upper-cased registration without separators, as entries store it.
pub(crate) fn normalize_registration(r: &str) -> String {
    r.trim()
        .bytes()
        .filter(|b| !matches!(b, b'-' | b' '))
        .map(|b| char::from(b.to_ascii_uppercase()))
        .collect()
}

impl WatchEntry {
    /// Every trait other than address and registration holds (absent traits hold; a trait
    /// the aircraft has no value for does not).
    fn traits_hold(&self, f: &WatchFacts<'_>) -> bool {
        let pat = |p: &Option<Pattern>, v: Option<&str>| match p {
            None => true,
            Some(p) => v.is_some_and(|v| p.matches(v)),
        };
        pat(&self.callsign, f.callsign)
            && pat(&self.type_designator, f.type_designator)
            && pat(&self.operator, f.operator)
            && !matches!(self.country.as_deref(),
                Some(c) if !f.country.is_some_and(|x| x.eq_ignore_ascii_case(c)))
            && !matches!(self.military, Some(m) if m != f.military)
    }

    /// How the entry matches the aircraft, if it does, and the listed address it was seen
    /// without.
    pub fn matches(&self, f: &WatchFacts<'_>) -> Option<(MatchedBy, Option<Icao>)> {
        if !self.is_identity() {
            return self.traits_hold(f).then_some((MatchedBy::Class, None));
        }
        let at_listed = match (self.address, f.address) {
            (Some(l), Some(a)) => l.contains(a),
            _ => false,
        };
        if at_listed {
            return Some((MatchedBy::Address, None));
        }
        let moved = self.address.map(ListedAddress::first);
        if let (Some(listed), Some(reg)) = (&self.registration, f.registration) {
            if reg_eq(listed, reg) {
                return Some((MatchedBy::Registration, moved));
            }
        }
        if self.callsign.is_some() && self.traits_hold(f) {
            return Some((MatchedBy::Traits, moved));
        }
        None
    }
}

/// Every hit of `lists` on the aircraft, in list and entry order.
pub fn match_lists(lists: &[WatchList], f: &WatchFacts<'_>, out: &mut Vec<WatchHit>) {
    for (li, list) in lists.iter().enumerate() {
        for (ei, e) in list.entries.iter().enumerate() {
            if let Some((by, new_address_of)) = e.matches(f) {
                out.push(WatchHit {
                    list: u16::try_from(li).unwrap_or(u16::MAX),
                    entry: u16::try_from(ei).unwrap_or(u16::MAX),
                    by,
                    new_address_of,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tu160() -> WatchEntry {
        WatchEntry {
            label: Some("Tu-160 RF-94113".into()),
            address: Some(ListedAddress::One(Icao(0x156f01))),
            registration: Some("RF94113".into()),
            callsign: Some(Pattern::new("RFF*").unwrap()),
            type_designator: Some(Pattern::new("T160").unwrap()),
            operator: None,
            country: None,
            military: None,
        }
    }

    #[test]
    fn identity_entry_follows_a_new_address() {
        let e = tu160();
        let at = |a: u32| WatchFacts {
            address: Some(Icao(a)),
            ..Default::default()
        };
        assert_eq!(e.matches(&at(0x156f01)), Some((MatchedBy::Address, None)));
        // Same callsign family and type under another address: caught, reported as moved.
        let moved = WatchFacts {
            callsign: Some("RFF9001"),
            type_designator: Some("T160"),
            ..at(0x15aaaa)
        };
        assert_eq!(e.matches(&moved), Some((MatchedBy::Traits, Some(Icao(0x156f01)))));
        // A callsign alone is not enough when the entry also gives a type.
        let other = WatchFacts {
            callsign: Some("RFF9001"),
            type_designator: Some("IL76"),
            ..at(0x15aaaa)
        };
        assert_eq!(e.matches(&other), None);
        // Type unknown: not (yet) matched.
        assert_eq!(
            e.matches(&WatchFacts {
                callsign: Some("RFF9001"),
                ..at(0x15aaaa)
            }),
            None
        );
        // Registration, hyphenated or not.
        let reg = WatchFacts {
            registration: Some("rf-94113"),
            ..at(0x15bbbb)
        };
        assert_eq!(
            e.matches(&reg),
            Some((MatchedBy::Registration, Some(Icao(0x156f01))))
        );
        // A non-ICAO address never matches by address, but does by traits.
        let anon = WatchFacts {
            address: None,
            callsign: Some("RFF1"),
            type_designator: Some("T160"),
            ..Default::default()
        };
        assert_eq!(e.matches(&anon), Some((MatchedBy::Traits, Some(Icao(0x156f01)))));
    }

    #[test]
    fn type_alone_never_stands_for_an_airframe() {
        let e = WatchEntry {
            callsign: None,
            ..tu160()
        };
        let f = WatchFacts {
            address: Some(Icao(0x15cccc)),
            type_designator: Some("T160"),
            callsign: Some("RFF1"),
            ..Default::default()
        };
        assert_eq!(e.matches(&f), None);
    }

    #[test]
    fn class_entries_and_ranges() {
        let e = WatchEntry {
            label: None,
            address: None,
            registration: None,
            callsign: None,
            type_designator: None,
            operator: None,
            country: Some("RU".into()),
            military: Some(true),
        };
        let f = WatchFacts {
            address: Some(Icao(0x150000)),
            country: Some("RU"),
            military: true,
            ..Default::default()
        };
        assert_eq!(e.matches(&f), Some((MatchedBy::Class, None)));
        assert_eq!(e.matches(&WatchFacts { military: false, ..f }), None);
        let r = ListedAddress::Range(Icao(0xADF7C8), Icao(0xAFFFFF));
        assert!(r.contains(Icao(0xae1f01)) && !r.contains(Icao(0xa00001)));
        let mut hits = Vec::new();
        let lists = [WatchList {
            name: "x".into(),
            description: None,
            entries: vec![e, tu160()],
        }];
        match_lists(&lists, &f, &mut hits);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].list, hits[0].entry), (0, 0));
    }
}
