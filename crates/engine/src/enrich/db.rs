//! Aircraft databases: the files a user points to, and a small built-in set.
//!
//! Two layouts load:
//!
//! - **tar1090-db** (`aircraft.csv`, semicolon-separated, no header):
//!   `ICAO;REG;TYPE;FLAGS;LONGTYPE;YEAR;OWNOP;`. `FLAGS` is a string of `0`/`1` characters
//!   where character *j* is bit *j* (the way readsb reads it, `dbFlags |= (c == '1') << j`):
//!   bit 0 military, bit 1 interesting, bit 2 PIA (privacy ICAO address), bit 3 LADD (limiting
//!   aircraft data displayed). So `10` is military and `0001` is LADD. Only the first four
//!   fields are required (older files stop after `LONGTYPE`).
//! - **plane-alert-db** (`plane-alert-db.csv`, comma-separated, with a header):
//!   `$ICAO,$Registration,$Operator,$Type,$ICAO Type,#CMPG,$Tag 1,$#Tag 2,$#Tag 3,Category,$#Link`.
//!   Columns are found by their header names (the `$`/`#` marks are ignored), so extra
//!   columns such as the image links of the `-images` variants are fine. `CMPG` is one of
//!   `Civ`, `Mil`, `Gov`, `Pol`.
//!
//! The loaders take the file's bytes (the caller reads and, for `aircraft.csv.gz`,
//! decompresses them: the engine does no I/O). A bad line is skipped, counted and reported
//! with its line number and what is wrong; loading goes on. Records live in one sorted vector
//! with their text in one string arena, so a 600,000-line tar1090-db costs about 72 bytes a
//! record plus its text. Loading a second file merges: an address already present keeps its
//! fields and gains only the ones it lacked; flags are OR-ed.

use picket_modes::Icao;
use std::borrow::Cow;
use std::fmt;

/// Database flag bits, as tar1090-db and readsb's `dbFlags` number them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct DbFlags(pub u8);

impl DbFlags {
    /// Bit 0: military.
    pub const MILITARY: u8 = 1;
    /// Bit 1: interesting.
    pub const INTERESTING: u8 = 2;
    /// Bit 2: PIA, a privacy ICAO address (rotating, not the aircraft's registered one).
    pub const PIA: u8 = 4;
    /// Bit 3: LADD, the owner asked for limited display.
    pub const LADD: u8 = 8;

    /// Whether the military bit is set.
    pub const fn military(self) -> bool {
        self.0 & Self::MILITARY != 0
    }
    /// Whether the interesting bit is set.
    pub const fn interesting(self) -> bool {
        self.0 & Self::INTERESTING != 0
    }
    /// Whether the PIA bit is set.
    pub const fn pia(self) -> bool {
        self.0 & Self::PIA != 0
    }
    /// Whether the LADD bit is set.
    pub const fn ladd(self) -> bool {
        self.0 & Self::LADD != 0
    }
}

/// plane-alert-db's `CMPG` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbCategory {
    /// `Civ`: civil.
    Civil,
    /// `Mil`: military.
    Military,
    /// `Gov`: government.
    Government,
    /// `Pol`: police.
    Police,
}

impl DbCategory {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "civ" => DbCategory::Civil,
            "mil" => DbCategory::Military,
            "gov" => DbCategory::Government,
            "pol" => DbCategory::Police,
            _ => return None,
        })
    }

    fn code(self) -> u8 {
        self as u8 + 1
    }

    fn from_code(c: u8) -> Option<Self> {
        [
            DbCategory::Civil,
            DbCategory::Military,
            DbCategory::Government,
            DbCategory::Police,
        ]
        .get(c.checked_sub(1)? as usize)
        .copied()
    }
}

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbSource {
    /// A tar1090-db CSV file.
    Tar1090,
    /// A plane-alert-db CSV file.
    PlaneAlert,
    /// picket's built-in set ([`SCENARIO_AIRCRAFT`]).
    BuiltIn,
}

impl DbSource {
    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            DbSource::Tar1090 => "tar1090-db",
            DbSource::PlaneAlert => "plane-alert-db",
            DbSource::BuiltIn => "built-in set",
        }
    }
}

/// One aircraft as the loaded databases describe it (a view into the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AircraftRecord<'a> {
    /// ICAO address.
    pub address: Icao,
    /// Registration.
    pub registration: Option<&'a str>,
    /// ICAO type designator.
    pub type_designator: Option<&'a str>,
    /// Long type description (tar1090 `LONGTYPE`, plane-alert `$Type`).
    pub description: Option<&'a str>,
    /// Owner or operator (tar1090 `OWNOP`, plane-alert `$Operator`).
    pub operator: Option<&'a str>,
    /// Year built.
    pub year: Option<u16>,
    /// Flag bits.
    pub flags: DbFlags,
    /// plane-alert category.
    pub category: Option<DbCategory>,
    /// plane-alert tags 1-3.
    pub tags: [Option<&'a str>; 3],
    /// plane-alert `Category` column (its grouping, e.g. "Other Air Forces").
    pub group: Option<&'a str>,
    sources: u8,
}

impl AircraftRecord<'_> {
    /// Whether the record has data from this source.
    pub fn has_source(&self, source: DbSource) -> bool {
        self.sources & source.bit() != 0
    }

    /// The first source (in [`DbSource`] order) that contributed to the record.
    pub fn source(&self) -> DbSource {
        [DbSource::Tar1090, DbSource::PlaneAlert, DbSource::BuiltIn]
            .into_iter()
            .find(|s| self.has_source(*s))
            .unwrap_or(DbSource::BuiltIn)
    }
}

/// An aircraft of the built-in set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinAircraft {
    /// ICAO address.
    pub address: u32,
    /// Registration.
    pub registration: &'static str,
    /// ICAO type designator.
    pub type_designator: &'static str,
    /// Type description.
    pub description: &'static str,
    /// Operator.
    pub operator: &'static str,
    /// Callsign flown in the scenario, if any.
    pub callsign: Option<&'static str>,
    /// Category.
    pub category: DbCategory,
}

/// The aircraft of interest in the simulator's built-in scenarios.
///
/// ILLUSTRATIVE values, not real aircraft: each address was chosen inside the right national
/// block (Russia 0x100000-0x1FFFFF; United States 0xA00000-0xAFFFFF, military sub-range
/// 0xADF7C8-0xAFFFFF) to go with a plausible registration and type. The Russian addresses do
/// not follow Russia's numeric scheme (RA-86496 would be 0x1551E0), so the registration
/// derived from such an address differs from the one listed here.
pub static SCENARIO_AIRCRAFT: &[BuiltinAircraft] = &[
    b(0x1514c0, "RA-86496", "IL62", "Ilyushin Il-62M", Some("RFF7076")),
    b(
        0x150d8a,
        "RA-82010",
        "A124",
        "Antonov An-124-100 Ruslan",
        Some("RFF7077"),
    ),
    b(0x152a1f, "RA-78817", "IL76", "Ilyushin Il-76MD", Some("RFF8001")),
    b(0x156f01, "RF-94113", "T160", "Tupolev Tu-160", None),
    b(0x156f02, "RF-94114", "T160", "Tupolev Tu-160", None),
    BuiltinAircraft {
        address: 0xae1f01,
        registration: "06-4101",
        type_designator: "F22",
        description: "Lockheed Martin F-22A Raptor",
        operator: "United States Air Force",
        callsign: Some("FURY11"),
        category: DbCategory::Military,
    },
    BuiltinAircraft {
        address: 0xae1f02,
        registration: "06-4102",
        type_designator: "F22",
        description: "Lockheed Martin F-22A Raptor",
        operator: "United States Air Force",
        callsign: Some("FURY12"),
        category: DbCategory::Military,
    },
];

const fn b(
    address: u32,
    registration: &'static str,
    type_designator: &'static str,
    description: &'static str,
    callsign: Option<&'static str>,
) -> BuiltinAircraft {
    BuiltinAircraft {
        address,
        registration,
        type_designator,
        description,
        operator: "Russian Air Force",
        callsign,
        category: DbCategory::Military,
    }
}

/// What is wrong with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The line is not UTF-8.
    NotUtf8,
    /// Fewer fields than the layout needs.
    MissingFields {
        /// Fields found.
        found: usize,
        /// Fields needed.
        needed: usize,
    },
    /// The address is not six hexadecimal digits.
    BadAddress,
    /// The tar1090 `FLAGS` field is not a string of `0`/`1` (at most 16).
    BadFlags,
    /// The year is not four digits.
    BadYear,
    /// The plane-alert `CMPG` field is not Civ, Mil, Gov or Pol.
    BadCategory,
    /// A quoted field has no closing quote.
    UnterminatedQuote,
    /// A field longer than 65,535 bytes.
    FieldTooLong,
    /// The plane-alert header has no ICAO column.
    NoAddressColumn,
}

impl fmt::Display for LoadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadErrorKind::NotUtf8 => write!(f, "the line is not UTF-8"),
            LoadErrorKind::MissingFields { found, needed } => {
                write!(f, "{found} fields where at least {needed} are needed")
            }
            LoadErrorKind::BadAddress => write!(f, "the ICAO address is not six hexadecimal digits"),
            LoadErrorKind::BadFlags => write!(f, "FLAGS is not a string of 0 and 1 (at most 16)"),
            LoadErrorKind::BadYear => write!(f, "the year is not four digits"),
            LoadErrorKind::BadCategory => write!(f, "CMPG is not one of Civ, Mil, Gov, Pol"),
            LoadErrorKind::UnterminatedQuote => write!(f, "a quoted field has no closing quote"),
            LoadErrorKind::FieldTooLong => write!(f, "a field is longer than 65535 bytes"),
            LoadErrorKind::NoAddressColumn => write!(f, "the header has no ICAO column"),
        }
    }
}

/// One skipped line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong.
    pub kind: LoadErrorKind,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// What a load did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Which layout.
    pub source: DbSource,
    /// Records read from good lines.
    pub loaded: usize,
    /// Of those, records whose address was already present (merged into it).
    pub merged: usize,
    /// Lines skipped for an error.
    pub skipped: usize,
    /// The first [`LoadReport::MAX_ERRORS`] errors, in line order.
    pub errors: Vec<LoadError>,
}

impl LoadReport {
    /// How many errors a report keeps (all are counted in `skipped`).
    pub const MAX_ERRORS: usize = 100;

    fn new(source: DbSource) -> Self {
        LoadReport {
            source,
            loaded: 0,
            merged: 0,
            skipped: 0,
            errors: Vec::new(),
        }
    }

    fn error(&mut self, line: usize, kind: LoadErrorKind) {
        self.skipped += 1;
        if self.errors.len() < Self::MAX_ERRORS {
            self.errors.push(LoadError { line, kind });
        }
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} records ({} merged into existing addresses), {} lines skipped",
            self.source.name(),
            self.loaded,
            self.merged,
            self.skipped
        )
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    len: u16,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    icao: u32,
    registration: Span,
    type_designator: Span,
    description: Span,
    operator: Span,
    tags: [Span; 3],
    group: Span,
    year: u16,
    flags: u8,
    category: u8,
    sources: u8,
}

impl Entry {
    fn new(icao: u32, source: DbSource) -> Self {
        Entry {
            icao,
            registration: Span::default(),
            type_designator: Span::default(),
            description: Span::default(),
            operator: Span::default(),
            tags: [Span::default(); 3],
            group: Span::default(),
            year: 0,
            flags: 0,
            category: 0,
            sources: source.bit(),
        }
    }

    // Fill what `self` lacks from `other`, which came later.
    fn absorb(&mut self, other: &Entry) {
        fn fill(a: &mut Span, b: Span) {
            if a.len == 0 {
                *a = b;
            }
        }
        fill(&mut self.registration, other.registration);
        fill(&mut self.type_designator, other.type_designator);
        fill(&mut self.description, other.description);
        fill(&mut self.operator, other.operator);
        for (a, b) in self.tags.iter_mut().zip(other.tags) {
            fill(a, b);
        }
        fill(&mut self.group, other.group);
        if self.year == 0 {
            self.year = other.year;
        }
        if self.category == 0 {
            self.category = other.category;
        }
        self.flags |= other.flags;
        self.sources |= other.sources;
    }
}

/// Aircraft records by ICAO address, and the user's callsign rows.
#[derive(Debug, Clone, Default)]
pub struct AircraftDb {
    /// The user's callsign rows (read before the built-in table).
    callsigns: super::callsigns::CallsignTable,
    entries: Vec<Entry>,
    text: String,
}

impl AircraftDb {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// A database holding the built-in set.
    pub fn with_builtin() -> Self {
        let mut db = Self::new();
        db.load_builtin();
        db
    }

    /// Number of addresses with a record.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no record is loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The record for the address, if any.
    pub fn get(&self, address: Icao) -> Option<AircraftRecord<'_>> {
        let i = self.entries.binary_search_by_key(&address.0, |e| e.icao).ok()?;
        Some(self.view(&self.entries[i]))
    }

    /// Every record, in address order.
    pub fn iter(&self) -> impl Iterator<Item = AircraftRecord<'_>> + '_ {
        self.entries.iter().map(|e| self.view(e))
    }

    fn view(&self, e: &Entry) -> AircraftRecord<'_> {
        let s = |span: Span| {
            let start = span.start as usize;
            (span.len > 0)
                .then(|| self.text.get(start..start + span.len as usize))
                .flatten()
        };
        AircraftRecord {
            address: Icao(e.icao),
            registration: s(e.registration),
            type_designator: s(e.type_designator),
            description: s(e.description),
            operator: s(e.operator),
            year: (e.year != 0).then_some(e.year),
            flags: DbFlags(e.flags),
            category: DbCategory::from_code(e.category),
            tags: e.tags.map(s),
            group: s(e.group),
            sources: e.sources,
        }
    }

    /// Adds a callsign file (the format of `crates/engine/data/callsigns.csv`): its rows are
    /// read before the built-in table's, and a row with a prefix already loaded replaces it.
    pub fn load_callsigns(&mut self, bytes: &[u8]) -> super::callsigns::CallsignReport {
        let (table, report) = super::callsigns::CallsignTable::load(bytes);
        self.callsigns.extend(table);
        report
    }

    /// The user's callsign rows (empty unless [`AircraftDb::load_callsigns`] was called).
    pub fn callsigns(&self) -> &super::callsigns::CallsignTable {
        &self.callsigns
    }

    /// Add the built-in set ([`SCENARIO_AIRCRAFT`]).
    pub fn load_builtin(&mut self) -> LoadReport {
        let mut report = LoadReport::new(DbSource::BuiltIn);
        let mut rows = Vec::with_capacity(SCENARIO_AIRCRAFT.len());
        for a in SCENARIO_AIRCRAFT {
            let mut e = Entry::new(a.address, DbSource::BuiltIn);
            let mut arena = Arena::new(&mut self.text);
            // The built-in strings are short; `put` cannot fail on them.
            e.registration = arena.put(a.registration).unwrap_or_default();
            e.type_designator = arena.put(a.type_designator).unwrap_or_default();
            e.description = arena.put(a.description).unwrap_or_default();
            e.operator = arena.put(a.operator).unwrap_or_default();
            arena.commit();
            e.category = a.category.code();
            if a.category == DbCategory::Military {
                e.flags = DbFlags::MILITARY;
            }
            rows.push(e);
        }
        self.merge(rows, &mut report);
        report
    }

    /// Load a tar1090-db CSV file (`ICAO;REG;TYPE;FLAGS;LONGTYPE;YEAR;OWNOP;`).
    pub fn load_tar1090(&mut self, bytes: &[u8]) -> LoadReport {
        let mut report = LoadReport::new(DbSource::Tar1090);
        let mut rows = Vec::new();
        for (n, line) in lines(bytes) {
            let Ok(line) = std::str::from_utf8(line) else {
                report.error(n, LoadErrorKind::NotUtf8);
                continue;
            };
            let fields: Vec<&str> = line.split(';').map(str::trim).collect();
            // A header line, which tar1090-db itself does not have but hand-made files may.
            if n == 1 && fields[0].eq_ignore_ascii_case("icao") {
                continue;
            }
            match self.tar1090_row(&fields) {
                Ok(e) => rows.push(e),
                Err(kind) => report.error(n, kind),
            }
        }
        self.merge(rows, &mut report);
        report
    }

    fn tar1090_row(&mut self, f: &[&str]) -> Result<Entry, LoadErrorKind> {
        let field = |i: usize| f.get(i).copied().unwrap_or("");
        if f.len() < 4 {
            return Err(LoadErrorKind::MissingFields {
                found: f.len(),
                needed: 4,
            });
        }
        let icao = parse_address(f[0])?;
        let flags = parse_flags(f[3])?;
        let year = parse_year(field(5))?;
        let mut e = Entry::new(icao, DbSource::Tar1090);
        e.flags = flags;
        e.year = year;
        let mut arena = Arena::new(&mut self.text);
        e.registration = arena.put(f[1])?;
        e.type_designator = arena.put(f[2])?;
        e.description = arena.put(field(4))?;
        e.operator = arena.put(field(6))?;
        arena.commit();
        Ok(e)
    }

    /// Load a plane-alert-db CSV file.
    pub fn load_plane_alert(&mut self, bytes: &[u8]) -> LoadReport {
        let mut report = LoadReport::new(DbSource::PlaneAlert);
        let mut rows = Vec::new();
        let mut columns = Columns::DEFAULT;
        for (n, line) in lines(bytes) {
            let Ok(line) = std::str::from_utf8(line) else {
                report.error(n, LoadErrorKind::NotUtf8);
                continue;
            };
            let fields = match split_csv(line) {
                Ok(f) => f,
                Err(kind) => {
                    report.error(n, kind);
                    continue;
                }
            };
            if n == 1 && Columns::is_header(&fields) {
                match Columns::from_header(&fields) {
                    Some(c) => columns = c,
                    None => report.error(n, LoadErrorKind::NoAddressColumn),
                }
                continue;
            }
            match self.plane_alert_row(&fields, &columns) {
                Ok(e) => rows.push(e),
                Err(kind) => report.error(n, kind),
            }
        }
        self.merge(rows, &mut report);
        report
    }

    fn plane_alert_row(&mut self, f: &[Cow<'_, str>], c: &Columns) -> Result<Entry, LoadErrorKind> {
        let field = |i: Option<usize>| i.and_then(|i| f.get(i)).map(|s| s.trim()).unwrap_or("");
        if f.len() <= c.icao {
            return Err(LoadErrorKind::MissingFields {
                found: f.len(),
                needed: c.icao + 1,
            });
        }
        let icao = parse_address(f[c.icao].trim())?;
        let category = match field(c.cmpg) {
            "" => 0,
            s => DbCategory::parse(s).ok_or(LoadErrorKind::BadCategory)?.code(),
        };
        let mut e = Entry::new(icao, DbSource::PlaneAlert);
        e.category = category;
        let mut arena = Arena::new(&mut self.text);
        e.registration = arena.put(field(c.registration))?;
        e.operator = arena.put(field(c.operator))?;
        e.description = arena.put(field(c.long_type))?;
        e.type_designator = arena.put(field(c.icao_type))?;
        for (span, col) in e.tags.iter_mut().zip(c.tags) {
            *span = arena.put(field(col))?;
        }
        e.group = arena.put(field(c.group))?;
        arena.commit();
        Ok(e)
    }

    // Merge freshly parsed rows (in file order) into the sorted entries: earlier data wins
    // field by field, later data fills gaps.
    fn merge(&mut self, rows: Vec<Entry>, report: &mut LoadReport) {
        let before = self.entries.len();
        let added = rows.len();
        report.loaded += added;
        self.entries.extend(rows);
        // Stable: existing entries, then rows in file order, stay in that order per address.
        self.entries.sort_by_key(|e| e.icao);
        let mut out: Vec<Entry> = Vec::with_capacity(self.entries.len());
        for e in self.entries.drain(..) {
            match out.last_mut() {
                Some(last) if last.icao == e.icao => last.absorb(&e),
                _ => out.push(e),
            }
        }
        // Every row that did not create an address was merged into one.
        report.merged += before + added - out.len();
        self.entries = out;
    }
}

// Text appended for a row is dropped again if the row turns out bad.
struct Arena<'a> {
    text: &'a mut String,
    mark: usize,
    committed: bool,
}

impl<'a> Arena<'a> {
    fn new(text: &'a mut String) -> Self {
        let mark = text.len();
        Arena {
            text,
            mark,
            committed: false,
        }
    }

    fn put(&mut self, s: &str) -> Result<Span, LoadErrorKind> {
        if s.is_empty() {
            return Ok(Span::default());
        }
        let len = u16::try_from(s.len()).map_err(|_| LoadErrorKind::FieldTooLong)?;
        let start = u32::try_from(self.text.len()).map_err(|_| LoadErrorKind::FieldTooLong)?;
        self.text.push_str(s);
        Ok(Span { start, len })
    }

    fn commit(mut self) {
        self.committed = true;
    }
}

impl Drop for Arena<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.text.truncate(self.mark);
        }
    }
}

/// Column positions of a plane-alert file.
#[derive(Debug, Clone, Copy)]
struct Columns {
    icao: usize,
    registration: Option<usize>,
    operator: Option<usize>,
    long_type: Option<usize>,
    icao_type: Option<usize>,
    cmpg: Option<usize>,
    tags: [Option<usize>; 3],
    group: Option<usize>,
}

impl Columns {
    // The documented order, used when a file has no header.
    const DEFAULT: Columns = Columns {
        icao: 0,
        registration: Some(1),
        operator: Some(2),
        long_type: Some(3),
        icao_type: Some(4),
        cmpg: Some(5),
        tags: [Some(6), Some(7), Some(8)],
        group: Some(9),
    };

    fn name(field: &str) -> String {
        field
            .trim()
            .trim_start_matches(['$', '#'])
            .trim()
            .to_ascii_lowercase()
    }

    fn is_header(fields: &[Cow<'_, str>]) -> bool {
        fields
            .first()
            .is_some_and(|f| f.trim().starts_with('$') || Self::name(f) == "icao")
    }

    fn from_header(fields: &[Cow<'_, str>]) -> Option<Columns> {
        let names: Vec<String> = fields.iter().map(|f| Self::name(f)).collect();
        let find = |n: &str| names.iter().position(|x| x == n);
        Some(Columns {
            icao: find("icao")?,
            registration: find("registration"),
            operator: find("operator"),
            long_type: find("type"),
            icao_type: find("icao type"),
            cmpg: find("cmpg"),
            tags: [find("tag 1"), find("tag 2"), find("tag 3")],
            group: find("category"),
        })
    }
}

// Lines with their 1-based numbers, without the line end; empty lines are skipped.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    // A UTF-8 byte order mark is not part of the first field.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
}

fn parse_address(s: &str) -> Result<u32, LoadErrorKind> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LoadErrorKind::BadAddress);
    }
    u32::from_str_radix(s, 16).map_err(|_| LoadErrorKind::BadAddress)
}

fn parse_flags(s: &str) -> Result<u8, LoadErrorKind> {
    if s.len() > 16 || !s.bytes().all(|b| b == b'0' || b == b'1') {
        return Err(LoadErrorKind::BadFlags);
    }
    // Bits above 7 have no meaning yet; they are read and dropped.
    Ok(s.bytes()
        .take(8)
        .enumerate()
        .fold(0, |f, (j, b)| f | (((b == b'1') as u8) << j)))
}

fn parse_year(s: &str) -> Result<u16, LoadErrorKind> {
    if s.is_empty() {
        return Ok(0);
    }
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LoadErrorKind::BadYear);
    }
    s.parse().map_err(|_| LoadErrorKind::BadYear)
}

// RFC 4180 fields: commas separate, a field may be quoted, "" inside quotes is a quote.
fn split_csv(line: &str) -> Result<Vec<Cow<'_, str>>, LoadErrorKind> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        if let Some(q) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = q.char_indices();
            let end = loop {
                match chars.next() {
                    None => return Err(LoadErrorKind::UnterminatedQuote),
                    Some((i, '"')) => {
                        if q[i + 1..].starts_with('"') {
                            value.push('"');
                            chars.next();
                        } else {
                            break i + 1;
                        }
                    }
                    Some((_, c)) => value.push(c),
                }
            };
            out.push(Cow::Owned(value));
            rest = &q[end..];
            // Anything between the closing quote and the next comma is dropped.
            match rest.find(',') {
                Some(i) => rest = &rest[i + 1..],
                None => return Ok(out),
            }
        } else {
            match rest.find(',') {
                Some(i) => {
                    out.push(Cow::Borrowed(&rest[..i]));
                    rest = &rest[i + 1..];
                }
                None => {
                    out.push(Cow::Borrowed(rest));
                    return Ok(out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_a_bit_string_in_readsb_order() {
        assert_eq!(parse_flags(""), Ok(0));
        assert_eq!(parse_flags("00"), Ok(0));
        assert_eq!(parse_flags("10"), Ok(DbFlags::MILITARY));
        assert_eq!(parse_flags("01"), Ok(DbFlags::INTERESTING));
        assert_eq!(parse_flags("0001"), Ok(DbFlags::LADD));
        assert_eq!(
            parse_flags("1011"),
            Ok(DbFlags::MILITARY | DbFlags::PIA | DbFlags::LADD)
        );
        assert_eq!(parse_flags("2"), Err(LoadErrorKind::BadFlags));
        assert_eq!(parse_flags("11111111111111111"), Err(LoadErrorKind::BadFlags));
    }

    #[test]
    fn csv_splitting() {
        assert_eq!(split_csv("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(split_csv(r#"a,"b, ""c""",d"#).unwrap(), ["a", r#"b, "c""#, "d"]);
        assert_eq!(split_csv(r#""x""#).unwrap(), ["x"]);
        assert_eq!(split_csv(r#"a,"b"#), Err(LoadErrorKind::UnterminatedQuote));
        assert_eq!(split_csv("").unwrap(), [""]);
    }

    #[test]
    fn merge_keeps_first_fields_and_fills_gaps() {
        let mut db = AircraftDb::new();
        let r1 = db.load_tar1090(b"ABCDEF;N1;;00;;;\n");
        assert_eq!((r1.loaded, r1.merged), (1, 0));
        let r2 = db.load_plane_alert(
            b"$ICAO,$Registration,$Operator,$Type,$ICAO Type,#CMPG\nABCDEF,N2,Op,Long,B738,Gov\n",
        );
        assert_eq!((r2.loaded, r2.merged, r2.skipped), (1, 1, 0));
        let rec = db.get(Icao(0xABCDEF)).unwrap();
        assert_eq!(rec.registration, Some("N1"));
        assert_eq!(rec.type_designator, Some("B738"));
        assert_eq!(rec.operator, Some("Op"));
        assert_eq!(rec.category, Some(DbCategory::Government));
        assert!(rec.has_source(DbSource::Tar1090) && rec.has_source(DbSource::PlaneAlert));
        assert_eq!(db.len(), 1);
    }

    #[test]
    fn a_bad_row_leaves_no_text_behind() {
        let mut db = AircraftDb::new();
        // The description fails after the registration and type were stored.
        let line = format!(
            "ABCDEF;N1;B738;00;{};;\nABCDE0;N2;B738;00;;;\n",
            "x".repeat(70_000)
        );
        let report = db.load_tar1090(line.as_bytes());
        assert_eq!(
            report.errors,
            [LoadError {
                line: 1,
                kind: LoadErrorKind::FieldTooLong
            }]
        );
        assert_eq!(db.len(), 1);
        assert_eq!(db.text, "N2B738");
        assert_eq!(db.get(Icao(0xABCDE0)).unwrap().registration, Some("N2"));
    }
}
