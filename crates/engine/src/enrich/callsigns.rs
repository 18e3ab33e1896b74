//! The callsign table: which callsign prefixes military and state operators fly under, with
//! their country, class and source. The built-in table is data
//! (`crates/engine/data/callsigns.csv`, compiled in); a user's file in the same format
//! extends it ([`CallsignTable::load`], [`crate::enrich::AircraftDb::load_callsigns`]).
//!
//! ```
//! use picket_engine::enrich::{builtin_callsigns, CallsignTable, Class};
//!
//! let rule = builtin_callsigns().find("RCH471").unwrap();
//! assert_eq!((rule.class, rule.country.as_deref()), (Class::Military, Some("US")));
//! assert!(builtin_callsigns().find("RCHA").is_none(), "a prefix is followed by a digit");
//!
//! let (mine, report) = CallsignTable::load(b"prefix,class,country,operator,source\nBOLT,military,US,USMC,my notes\nBAD,civil,,x,y\n");
//! assert_eq!((mine.len(), report.loaded, report.skipped), (1, 1, 1));
//! assert_eq!(report.errors[0].line, 3);
//! ```

use std::fmt;
use std::sync::OnceLock;

use super::classify::Class;

/// The built-in table's text.
pub const BUILTIN_CALLSIGNS_CSV: &str = include_str!("../../data/callsigns.csv");

/// One row: a callsign prefix and who flies under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallsignRule {
    /// The prefix (upper case letters); a callsign matches when it is the prefix followed by
    /// a digit and then anything.
    pub prefix: String,
    /// Military or state.
    pub class: Class,
    /// ISO 3166-1 alpha-2 code of the state the operator flies for (`None`: multinational).
    pub country: Option<String>,
    /// Who flies under it.
    pub operator: String,
    /// Where the fact comes from.
    pub source: String,
}

impl CallsignRule {
    /// Whether the callsign (trailing spaces allowed) is this prefix, a digit, then anything.
    pub fn matches(&self, callsign: &str) -> bool {
        let cs = callsign.trim().as_bytes();
        let p = self.prefix.as_bytes();
        cs.len() > p.len()
            && cs[..p.len()].eq_ignore_ascii_case(p)
            && cs[p.len()].is_ascii_digit()
            && cs.iter().all(u8::is_ascii_alphanumeric)
    }
}

/// What is wrong with a line of a callsign file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallsignError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CallsignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What a load did: rows read, lines skipped and the first errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallsignReport {
    /// Rows read.
    pub loaded: usize,
    /// Lines skipped for an error.
    pub skipped: usize,
    /// The first 100 errors, in line order.
    pub errors: Vec<CallsignError>,
}

/// A table of callsign rules, longest prefix first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallsignTable {
    rules: Vec<CallsignRule>,
}

impl CallsignTable {
    /// Reads a table: comment lines (`#`), an optional header line, then rows of `prefix,
    /// class, country, operator, source`. Bad lines are skipped and reported with their
    /// line number; the rest is kept.
    pub fn load(bytes: &[u8]) -> (CallsignTable, CallsignReport) {
        let mut t = CallsignTable::default();
        let mut report = CallsignReport::default();
        let text = String::from_utf8_lossy(bytes);
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("prefix,") {
                continue;
            }
            match parse_row(line) {
                Ok(rule) => {
                    t.rules.retain(|r| r.prefix != rule.prefix);
                    t.rules.push(rule);
                    report.loaded += 1;
                }
                Err(message) => {
                    report.skipped += 1;
                    if report.errors.len() < 100 {
                        report.errors.push(CallsignError { line: i + 1, message });
                    }
                }
            }
        }
        t.sort();
        (t, report)
    }

    /// Adds the rows of `other`; a row with a prefix already present replaces it.
    pub fn extend(&mut self, other: CallsignTable) {
        for rule in other.rules {
            self.rules.retain(|r| r.prefix != rule.prefix);
            self.rules.push(rule);
        }
        self.sort();
    }

    fn sort(&mut self) {
        // Longest prefix first: HUAF before a three-letter prefix that starts it.
        self.rules
            .sort_by(|a, b| b.prefix.len().cmp(&a.prefix.len()).then(a.prefix.cmp(&b.prefix)));
    }

    /// The rule a callsign matches, if any.
    pub fn find(&self, callsign: &str) -> Option<&CallsignRule> {
        self.rules.iter().find(|r| r.matches(callsign))
    }

    /// The rules.
    pub fn rules(&self) -> &[CallsignRule] {
        &self.rules
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

fn parse_row(line: &str) -> Result<CallsignRule, String> {
    let cols: Vec<&str> = line.split(',').map(str::trim).collect();
    let [prefix, class, country, operator, source] = cols[..] else {
        return Err(format!(
            "{} columns, expected 5 (prefix, class, country, operator, source)",
            cols.len()
        ));
    };
    if prefix.len() < 2 || prefix.len() > 6 || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("prefix {prefix:?} is not 2 to 6 upper-case letters"));
    }
    let class = match class {
        "military" => Class::Military,
        "state" => Class::State,
        other => return Err(format!("class {other:?} is not military or state")),
    };
    if !country.is_empty() && (country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(format!("country {country:?} is not an ISO 3166-1 alpha-2 code"));
    }
    if operator.is_empty() || source.is_empty() {
        return Err("a row needs its operator and its source".to_string());
    }
    Ok(CallsignRule {
        prefix: prefix.to_string(),
        class,
        country: (!country.is_empty()).then(|| country.to_string()),
        operator: operator.to_string(),
        source: source.to_string(),
    })
}

/// The built-in table (parsed once).
pub fn builtin_callsigns() -> &'static CallsignTable {
    static TABLE: OnceLock<CallsignTable> = OnceLock::new();
    TABLE.get_or_init(|| CallsignTable::load(BUILTIN_CALLSIGNS_CSV.as_bytes()).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_loads_whole_with_every_listed_prefix() {
        let (t, report) = CallsignTable::load(BUILTIN_CALLSIGNS_CSV.as_bytes());
        assert_eq!(report.skipped, 0, "{:?}", report.errors);
        assert_eq!(t.len(), report.loaded);
        for p in [
            "RCH", "CNV", "RRR", "ASCOT", "ASY", "CFC", "GAF", "IAM", "HUAF", "PLF", "SUI", "BAF", "DUKE",
        ] {
            assert!(t.rules().iter().any(|r| r.prefix == p), "{p}");
        }
        for r in t.rules() {
            assert!(!r.source.is_empty() && !r.operator.is_empty(), "{r:?}");
            // Every source is one the file's header explains: an ICAO designator says how it
            // was checked, anything else is a tactical callsign.
            let icao = r.source.starts_with("ICAO Doc 8585 [");
            assert!(icao || r.source.starts_with("tactical"), "{r:?}");
            if icao {
                assert_eq!(r.prefix.len(), 3, "ICAO designators have three letters: {r:?}");
                assert!(
                    r.source.contains("[checked: L") || r.source.contains("[not in L1]"),
                    "{r:?}"
                );
            }
        }
        // SAM is a US special air mission callsign; the ICAO designator SAM is a Colombian
        // airline's, so the row must not claim Doc 8585.
        let sam = t.rules().iter().find(|r| r.prefix == "SAM").unwrap();
        assert!(sam.source.starts_with("tactical"), "{sam:?}");
    }

    #[test]
    fn matching_needs_a_digit_after_the_prefix() {
        let t = builtin_callsigns();
        assert_eq!(t.find("HUAF604").map(|r| r.country.as_deref()), Some(Some("HU")));
        assert_eq!(t.find("ascot1a ").map(|r| r.prefix.as_str()), Some("ASCOT"));
        assert_eq!(t.find("DUKE01").map(|r| r.class), Some(Class::Military));
        for civil in ["SUIT12", "DUKES", "GAFA", "RCH", "AFL1234", "RCH 12", ""] {
            assert!(t.find(civil).is_none(), "{civil}");
        }
    }

    #[test]
    fn a_users_rows_extend_and_override_and_bad_lines_are_reported() {
        let (mine, report) = CallsignTable::load(
            b"# mine\nBOLT,military,US,US Marine Corps,my notes\nGAF,state,DE,German government,my notes\nX,military,,a,b\nTOO,few\n",
        );
        assert_eq!((report.loaded, report.skipped), (2, 2));
        assert_eq!(report.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5]);
        let mut t = builtin_callsigns().clone();
        let n = t.len();
        t.extend(mine);
        assert_eq!(t.len(), n + 1);
        assert_eq!(
            t.find("BOLT11").map(|r| r.operator.as_str()),
            Some("US Marine Corps")
        );
        assert_eq!(t.find("GAF683").map(|r| r.class), Some(Class::State));
    }
}
