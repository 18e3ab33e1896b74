//! Rule conditions: a small boolean language over the fields of an aircraft, its enrichment
//! and the event at hand (grammar and field list in docs/rules.md).
//!
//! ```text
//! helicopter and distance < 1 km and alt_baro < 500
//! military and inside("alaska_adiz")
//! callsign matches "RFF*" or (country == RU and not civil)
//! ```
//!
//! Logic is three-valued: a comparison on a value nobody knows (no altitude heard yet) is
//! *unknown*, `not unknown` is unknown, and a rule fires only on a definite *true*, so a
//! missing value never fires a rule nor lifts an exclusion.

use std::fmt;

use picket_world::events::EventKind;
use picket_world::geo::{LatLon, METRES_PER_NM};

use super::pattern::Pattern;
use super::subject::Subject;
use crate::track::{Field as Tracked, FieldSet};

/// A condition that failed to parse: byte offset into the condition text and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset of the offending token in the condition text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.offset + 1, self.message)
    }
}

/// Boolean fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flag {
    Military,
    State,
    Civil,
    OfInterest,
    Helicopter,
    OnGround,
    Airborne,
    Emergency,
    Watchlisted,
    NewAddress,
    NonIcao,
    Located,
    ModeSOnly,
}

/// What a number means, for its units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dim {
    /// Feet by default; `m` and `FL` literals accepted.
    Altitude,
    /// Metres internally; a unit (`m`, `km`, `nm`) is required.
    Length,
    /// Knots.
    Speed,
    /// Degrees.
    Angle,
    /// Feet per minute.
    Rate,
    /// Seconds by default; `s`, `min`, `h`.
    Time,
    /// No unit.
    Plain,
}

/// Numeric fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumField {
    AltBaro,
    AltGeom,
    Altitude,
    Gs,
    Ias,
    Tas,
    Mach,
    Track,
    Heading,
    BaroRate,
    GeomRate,
    VertRate,
    Lat,
    Lon,
    Distance,
    Rssi,
    Messages,
    Seen,
    SeenPos,
    Version,
    NacP,
    Nic,
}

/// Text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrField {
    Hex,
    Flight,
    Squawk,
    Registration,
    Type,
    Model,
    Manufacturer,
    Operator,
    Country,
    CountryName,
    Class,
    Layer,
    Category,
    AddressKind,
    PositionSource,
    EmergencyKind,
    Watchlist,
    Kind,
    Place,
    Confidence,
    Phase,
    Wake,
}

enum Field {
    Flag(Flag),
    Num(NumField, Dim),
    Str(StrField),
}

fn field(name: &str) -> Option<Field> {
    use Field::{Flag as F, Num as N, Str as S};
    Some(match name {
        "military" => F(Flag::Military),
        "state" => F(Flag::State),
        "civil" => F(Flag::Civil),
        "of_interest" => F(Flag::OfInterest),
        "helicopter" => F(Flag::Helicopter),
        "on_ground" => F(Flag::OnGround),
        "airborne" => F(Flag::Airborne),
        "emergency" => F(Flag::Emergency),
        "watchlisted" => F(Flag::Watchlisted),
        "new_address" => F(Flag::NewAddress),
        "non_icao" => F(Flag::NonIcao),
        "located" => F(Flag::Located),
        "mode_s_only" => F(Flag::ModeSOnly),
        "alt_baro" => N(NumField::AltBaro, Dim::Altitude),
        "alt_geom" => N(NumField::AltGeom, Dim::Altitude),
        "altitude" => N(NumField::Altitude, Dim::Altitude),
        "gs" => N(NumField::Gs, Dim::Speed),
        "ias" => N(NumField::Ias, Dim::Speed),
        "tas" => N(NumField::Tas, Dim::Speed),
        "mach" => N(NumField::Mach, Dim::Plain),
        "track" => N(NumField::Track, Dim::Angle),
        "heading" => N(NumField::Heading, Dim::Angle),
        "baro_rate" => N(NumField::BaroRate, Dim::Rate),
        "geom_rate" => N(NumField::GeomRate, Dim::Rate),
        "vert_rate" => N(NumField::VertRate, Dim::Rate),
        "lat" => N(NumField::Lat, Dim::Angle),
        "lon" => N(NumField::Lon, Dim::Angle),
        "distance" => N(NumField::Distance, Dim::Length),
        "rssi" => N(NumField::Rssi, Dim::Plain),
        "messages" => N(NumField::Messages, Dim::Plain),
        "seen" => N(NumField::Seen, Dim::Time),
        "seen_pos" => N(NumField::SeenPos, Dim::Time),
        "version" => N(NumField::Version, Dim::Plain),
        "nac_p" => N(NumField::NacP, Dim::Plain),
        "nic" => N(NumField::Nic, Dim::Plain),
        "hex" => S(StrField::Hex),
        "flight" | "callsign" => S(StrField::Flight),
        "squawk" => S(StrField::Squawk),
        "registration" | "r" => S(StrField::Registration),
        "type" | "t" => S(StrField::Type),
        "model" => S(StrField::Model),
        "manufacturer" => S(StrField::Manufacturer),
        "operator" => S(StrField::Operator),
        "country" => S(StrField::Country),
        "country_name" => S(StrField::CountryName),
        "class" => S(StrField::Class),
        "layer" => S(StrField::Layer),
        "category" => S(StrField::Category),
        "address_kind" => S(StrField::AddressKind),
        "position_source" => S(StrField::PositionSource),
        "emergency_kind" => S(StrField::EmergencyKind),
        "watchlist" => S(StrField::Watchlist),
        "kind" | "event" => S(StrField::Kind),
        "place" => S(StrField::Place),
        "confidence" => S(StrField::Confidence),
        "phase" => S(StrField::Phase),
        "wake" => S(StrField::Wake),
        _ => return None,
    })
}

/// Every field name (the documentation test checks docs/rules.md lists them all).
#[cfg(test)]
pub(crate) const FIELD_NAMES: &[&str] = &[
    "military",
    "state",
    "civil",
    "of_interest",
    "helicopter",
    "on_ground",
    "airborne",
    "emergency",
    "watchlisted",
    "new_address",
    "non_icao",
    "located",
    "mode_s_only",
    "alt_baro",
    "alt_geom",
    "altitude",
    "gs",
    "ias",
    "tas",
    "mach",
    "track",
    "heading",
    "baro_rate",
    "geom_rate",
    "vert_rate",
    "lat",
    "lon",
    "distance",
    "rssi",
    "messages",
    "seen",
    "seen_pos",
    "version",
    "nac_p",
    "nic",
    "hex",
    "flight",
    "callsign",
    "squawk",
    "registration",
    "type",
    "model",
    "manufacturer",
    "operator",
    "country",
    "country_name",
    "class",
    "layer",
    "category",
    "address_kind",
    "position_source",
    "emergency_kind",
    "watchlist",
    "kind",
    "place",
    "confidence",
    "phase",
    "wake",
];

/// Closed sets of values, checked when the rule file is read.
fn allowed_values(f: StrField) -> Option<&'static [&'static str]> {
    const CLASSES: &[&str] = &["military", "state", "civil", "unknown"];
    const LAYERS: &[&str] = &[
        "override",
        "aircraft_db",
        "address_block",
        "registration",
        "callsign",
        "type",
        "fallback",
    ];
    const CONFIDENCE: &[&str] = &["low", "medium", "high"];
    const PHASES: &[&str] = &["started", "updated", "ended"];
    const EMERGENCIES: &[&str] = &[
        "general",
        "lifeguard",
        "minimum_fuel",
        "no_communications",
        "unlawful_interference",
        "downed",
        "reserved",
    ];
    const SOURCES: &[&str] = &["adsb", "tisb", "adsr", "mlat", "other"];
    const KINDS: &[&str] = &[
        "adsb_icao",
        "adsb_icao_nt",
        "adsb_other",
        "adsr_icao",
        "adsr_other",
        "tisb_icao",
        "tisb_other",
        "mode_s",
        "other",
    ];
    const WAKE: &[&str] = &["L", "L/M", "M", "H", "J"];
    match f {
        StrField::Class => Some(CLASSES),
        StrField::Layer => Some(LAYERS),
        StrField::Confidence => Some(CONFIDENCE),
        StrField::Phase => Some(PHASES),
        StrField::EmergencyKind => Some(EMERGENCIES),
        StrField::PositionSource => Some(SOURCES),
        StrField::AddressKind => Some(KINDS),
        StrField::Wake => Some(WAKE),
        _ => None,
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn test(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
}

/// Where `distance_to(...)` measures to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// An airport's reference point.
    Airport(LatLon),
    /// A zone's boundary (0 inside), by id; bound to an index of the engine's zones.
    Zone {
        id: Box<str>,
        index: Option<usize>,
        offset: usize,
    },
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Const(bool),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Flag(Flag),
    Num {
        field: NumField,
        op: Cmp,
        value: f64,
    },
    NumIn {
        field: NumField,
        values: Vec<f64>,
    },
    /// Equality with one of the values (upper-cased; registrations without separators).
    Str {
        field: StrField,
        values: Vec<Box<str>>,
    },
    Glob {
        field: StrField,
        patterns: Vec<Pattern>,
    },
    /// Inside a zone (area and altitude band).
    Inside {
        id: Box<str>,
        index: Option<usize>,
        offset: usize,
    },
    Distance {
        target: Target,
        op: Cmp,
        metres: f64,
    },
    /// On the named watch-list (index into the rule set's lists).
    OnList(usize),
}

/// A condition with its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    text: Box<str>,
    pub(crate) root: Node,
}

impl Expr {
    /// The condition that always holds.
    pub fn always() -> Expr {
        Expr {
            text: "true".into(),
            root: Node::Const(true),
        }
    }

    /// Parses a condition; `lists` are the watch-list names `watchlist("...")` may name.
    pub fn parse(text: &str, lists: &[&str]) -> Result<Expr, ExprError> {
        let tokens = lex(text)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            end: text.len(),
            lists,
        };
        let root = p.or()?;
        if let Some(t) = p.peek() {
            return Err(ExprError {
                offset: t.offset,
                message: format!("expected `and`, `or` or the end, found {}", t.describe()),
            });
        }
        Ok(Expr {
            text: text.into(),
            root,
        })
    }

    /// The text the condition was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the condition holds: `Some(true)` or `Some(false)`, `None` when it depends
    /// on a value not known.
    pub fn eval(&self, s: &Subject<'_>) -> Option<bool> {
        eval(&self.root, s)
    }

    /// Resolves zone references against the engine's zones; returns the byte offset and id
    /// of the first unknown one.
    pub(crate) fn bind_zones(&mut self, ids: &[&str]) -> Result<(), (usize, String)> {
        bind(&mut self.root, ids)
    }

    /// The tracked fields the condition reads: a message that carries none of them says
    /// nothing new about it (empty: the condition reads no tracked field).
    pub(crate) fn fields(&self) -> FieldSet {
        let mut set = FieldSet::EMPTY;
        collect(&self.root, &mut set);
        set
    }

    /// The zone a condition requires the aircraft to be inside (a top-level `inside(...)`
    /// term, alone or in a conjunction), bound index.
    pub(crate) fn required_zone(&self) -> Option<usize> {
        fn find(n: &Node) -> Option<usize> {
            match n {
                Node::Inside { index, .. } => *index,
                Node::And(v) => v.iter().find_map(find),
                _ => None,
            }
        }
        find(&self.root)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn collect(n: &Node, set: &mut FieldSet) {
    use Tracked as F;
    let fields: &[F] = match n {
        Node::Not(a) => return collect(a, set),
        Node::And(v) | Node::Or(v) => return v.iter().for_each(|c| collect(c, set)),
        Node::Const(_) | Node::OnList(_) => &[],
        Node::Inside { .. } | Node::Distance { .. } => &[F::Position],
        Node::Flag(f) => match f {
            Flag::OnGround | Flag::Airborne => &[F::OnGround],
            Flag::Emergency => &[F::Squawk, F::Emergency],
            Flag::Helicopter => &[F::Category],
            Flag::Located => &[F::Position],
            _ => &[],
        },
        Node::Num { field, .. } | Node::NumIn { field, .. } => match field {
            NumField::AltBaro => &[F::AltBaro],
            NumField::AltGeom => &[F::AltGeom],
            NumField::Altitude => &[F::AltBaro, F::AltGeom],
            NumField::Gs => &[F::Gs],
            NumField::Ias => &[F::Ias],
            NumField::Tas => &[F::Tas],
            NumField::Mach => &[F::Mach],
            NumField::Track => &[F::Track],
            NumField::Heading => &[F::TrueHeading, F::MagHeading],
            NumField::BaroRate => &[F::BaroRate],
            NumField::GeomRate => &[F::GeomRate],
            NumField::VertRate => &[F::BaroRate, F::GeomRate],
            NumField::Lat | NumField::Lon | NumField::Distance | NumField::SeenPos | NumField::Nic => {
                &[F::Position]
            }
            NumField::Version => &[F::Version],
            NumField::NacP => &[F::Accuracy],
            NumField::Rssi | NumField::Messages | NumField::Seen => &[],
        },
        Node::Str { field, .. } | Node::Glob { field, .. } => match field {
            StrField::Flight => &[F::Callsign],
            StrField::Squawk => &[F::Squawk],
            StrField::Category => &[F::Category],
            StrField::EmergencyKind => &[F::Squawk, F::Emergency],
            StrField::PositionSource => &[F::Position],
            _ => &[],
        },
    };
    for f in fields {
        set.insert(*f);
    }
}

fn bind(n: &mut Node, ids: &[&str]) -> Result<(), (usize, String)> {
    let look = |id: &str, offset: usize| {
        ids.iter()
            .position(|z| z.eq_ignore_ascii_case(id))
            .ok_or_else(|| (offset, id.to_string()))
    };
    match n {
        Node::Not(a) => bind(a, ids),
        Node::And(v) | Node::Or(v) => v.iter_mut().try_for_each(|c| bind(c, ids)),
        Node::Inside { id, index, offset } => {
            *index = Some(look(id, *offset)?);
            Ok(())
        }
        Node::Distance {
            target: Target::Zone { id, index, offset },
            ..
        } => {
            *index = Some(look(id, *offset)?);
            Ok(())
        }
        _ => Ok(()),
    }
}

// --- evaluation ---------------------------------------------------------------------------

fn eval(n: &Node, s: &Subject<'_>) -> Option<bool> {
    match n {
        Node::Const(b) => Some(*b),
        Node::Not(a) => eval(a, s).map(|b| !b),
        Node::And(v) => {
            let mut unknown = false;
            for c in v {
                match eval(c, s) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        Node::Or(v) => {
            let mut unknown = false;
            for c in v {
                match eval(c, s) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            (!unknown).then_some(false)
        }
        Node::Flag(f) => s.flag(*f),
        Node::Num { field, op, value } => s.num(*field).map(|x| op.test(x, *value)),
        Node::NumIn { field, values } => s.num(*field).map(|x| values.contains(&x)),
        Node::Str { field, values } => s.any_text(*field, |t| values.iter().any(|v| text_eq(*field, t, v))),
        Node::Glob { field, patterns } => s.any_text(*field, |t| patterns.iter().any(|p| p.matches(t))),
        Node::Inside { index, .. } => s.inside(index.as_ref().copied()?),
        Node::Distance { target, op, metres } => {
            let d = match target {
                Target::Airport(p) => s.position()?.distance_m(*p),
                Target::Zone { index, .. } => s.zone_distance_m(index.as_ref().copied()?)?,
            };
            Some(op.test(d, *metres))
        }
        Node::OnList(i) => Some(s.on_list(*i)),
    }
}

/// Registrations compare without hyphens and spaces ("RF-94113" = "RF94113"); every text
/// compares without regard to letter case.
fn text_eq(field: StrField, text: &str, value: &str) -> bool {
    if field == StrField::Registration {
        let a = text.bytes().filter(|b| !matches!(b, b'-' | b' '));
        let b = value.bytes().filter(|b| !matches!(b, b'-' | b' '));
        a.map(|c| c.to_ascii_uppercase())
            .eq(b.map(|c| c.to_ascii_uppercase()))
    } else {
        text.trim().eq_ignore_ascii_case(value)
    }
}

// --- lexing -------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: field, keyword, number, unit or unquoted value.
    Word(String),
    /// A quoted string.
    Str(String),
    Op(Cmp),
    Tilde,
    Bang,
    AndAnd,
    OrOr,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    offset: usize,
}

impl Token {
    fn describe(&self) -> String {
        match &self.tok {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Op(_) | Tok::Tilde | Tok::Bang | Tok::AndAnd | Tok::OrOr => "an operator".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'*' | b'?' | b'#' | b'@' | b'-' | b'+' | b'/')
}

fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let two = |s: &[u8]| b[i..].starts_with(s);
        let (tok, len) = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'[' => (Tok::LBracket, 1),
            b']' => (Tok::RBracket, 1),
            b',' => (Tok::Comma, 1),
            b'~' => (Tok::Tilde, 1),
            _ if two(b"==") => (Tok::Op(Cmp::Eq), 2),
            _ if two(b"!=") || two(b"<>") => (Tok::Op(Cmp::Ne), 2),
            _ if two(b"<=") => (Tok::Op(Cmp::Le), 2),
            _ if two(b">=") => (Tok::Op(Cmp::Ge), 2),
            _ if two(b"&&") => (Tok::AndAnd, 2),
            _ if two(b"||") => (Tok::OrOr, 2),
            b'=' => (Tok::Op(Cmp::Eq), 1),
            b'<' => (Tok::Op(Cmp::Lt), 1),
            b'>' => (Tok::Op(Cmp::Gt), 1),
            b'!' => (Tok::Bang, 1),
            b'"' | b'\'' => {
                let Some(end) = b[i + 1..].iter().position(|&x| x == c) else {
                    return Err(ExprError {
                        offset: start,
                        message: "unterminated string".into(),
                    });
                };
                let s = &text[i + 1..i + 1 + end];
                (Tok::Str(s.to_string()), end + 2)
            }
            _ if is_word_byte(c) => {
                let n = b[i..].iter().take_while(|&&x| is_word_byte(x)).count();
                (Tok::Word(text[i..i + n].to_string()), n)
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(ExprError {
                    offset: start,
                    message: format!("unexpected character `{ch}`"),
                });
            }
        };
        out.push(Token { tok, offset: start });
        i += len;
    }
    Ok(out)
}

// --- parsing ------------------------------------------------------------------------------

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
    lists: &'a [&'a str],
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        offset,
        message: message.into(),
    })
}

fn keyword(t: &Tok, k: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(k))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.offset)
    }

    fn eat(&mut self, f: impl Fn(&Tok) -> bool) -> bool {
        if self.peek().is_some_and(|t| f(&t.tok)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ExprError> {
        match self.next() {
            Some(t) if t.tok == want => Ok(()),
            Some(t) => err(t.offset, format!("expected {what}, found {}", t.describe())),
            None => err(self.end, format!("expected {what} before the end")),
        }
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        let mut v = vec![self.and()?];
        while self.eat(|t| keyword(t, "or") || *t == Tok::OrOr) {
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 { v.remove(0) } else { Node::Or(v) })
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut v = vec![self.not()?];
        while self.eat(|t| keyword(t, "and") || *t == Tok::AndAnd) {
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 { v.remove(0) } else { Node::And(v) })
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        if self.eat(|t| keyword(t, "not") || *t == Tok::Bang) {
            return Ok(Node::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Node, ExprError> {
        let Some(t) = self.next() else {
            return err(self.end, "expected a condition before the end");
        };
        match t.tok {
            Tok::LParen => {
                let n = self.or()?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(n)
            }
            Tok::Word(ref w) => {
                let lower = w.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => return Ok(Node::Const(true)),
                    "false" => return Ok(Node::Const(false)),
                    "inside" | "distance_to" | "watchlist"
                        if self.peek().is_some_and(|n| n.tok == Tok::LParen) =>
                    {
                        return self.call(&lower, t.offset);
                    }
                    _ => {}
                }
                let Some(f) = field(&lower) else {
                    return err(
                        t.offset,
                        format!("unknown field `{w}` (the fields are listed in docs/rules.md)"),
                    );
                };
                self.comparison(f, &lower, t.offset)
            }
            _ => err(t.offset, format!("expected a condition, found {}", t.describe())),
        }
    }

    /// `inside("zone")`, `distance_to("SVMI") < 20 km`, `watchlist("name")`.
    fn call(&mut self, name: &str, offset: usize) -> Result<Node, ExprError> {
        self.expect(Tok::LParen, "`(`")?;
        let arg_at = self.here();
        let arg = match self.next() {
            Some(Token {
                tok: Tok::Str(s) | Tok::Word(s),
                ..
            }) => s,
            Some(t) => return err(t.offset, format!("expected a name, found {}", t.describe())),
            None => return err(self.end, "expected a name before the end"),
        };
        self.expect(Tok::RParen, "`)`")?;
        match name {
            "inside" => Ok(Node::Inside {
                id: arg.into(),
                index: None,
                offset: arg_at,
            }),
            "watchlist" => match self.lists.iter().position(|l| l.eq_ignore_ascii_case(&arg)) {
                Some(i) => Ok(Node::OnList(i)),
                None => err(arg_at, format!("no watch-list named \"{arg}\" in this file")),
            },
            _ => {
                // An airport ident when the table has it, else a zone id (checked when the
                // rules are given to the engine, which knows the zones).
                let target = match picket_world::airports::airport(&arg) {
                    Some(a) => Target::Airport(a.position),
                    None => Target::Zone {
                        id: arg.into(),
                        index: None,
                        offset: arg_at,
                    },
                };
                let Some(Token { tok: Tok::Op(op), .. }) = self.next() else {
                    return err(
                        offset,
                        "distance_to(...) must be compared with a distance, e.g. `distance_to(\"SVMI\") < 20 km`",
                    );
                };
                let metres = self.number(Dim::Length)?;
                Ok(Node::Distance { target, op, metres })
            }
        }
    }

    fn comparison(&mut self, f: Field, name: &str, offset: usize) -> Result<Node, ExprError> {
        let op = match self.peek().map(|t| &t.tok) {
            Some(Tok::Op(op)) => Some(*op),
            Some(Tok::Tilde) => None,
            Some(t) if keyword(t, "matches") || keyword(t, "in") => None,
            _ => {
                return match f {
                    Field::Flag(flag) => Ok(Node::Flag(flag)),
                    _ => err(
                        offset,
                        format!("`{name}` is not a yes/no field: compare it, e.g. `{name} == ...`"),
                    ),
                };
            }
        };
        let op_tok = self.next().map(|t| t.tok);
        let is_in = matches!(&op_tok, Some(t) if keyword(t, "in"));
        let is_match =
            matches!(&op_tok, Some(Tok::Tilde)) || matches!(&op_tok, Some(t) if keyword(t, "matches"));
        match f {
            Field::Flag(flag) => {
                let at = self.here();
                let want = match self.next().map(|t| t.tok) {
                    Some(t) if keyword(&t, "true") => true,
                    Some(t) if keyword(&t, "false") => false,
                    _ => return err(at, format!("`{name}` is yes/no: compare it with true or false")),
                };
                match op {
                    Some(Cmp::Eq) if want => Ok(Node::Flag(flag)),
                    Some(Cmp::Ne) if !want => Ok(Node::Flag(flag)),
                    Some(Cmp::Eq | Cmp::Ne) => Ok(Node::Not(Box::new(Node::Flag(flag)))),
                    _ => err(offset, format!("`{name}` is yes/no: use == or !=")),
                }
            }
            Field::Num(field, dim) => {
                if is_match {
                    return err(offset, format!("`{name}` is a number: `matches` is for text"));
                }
                if is_in {
                    let values = self.list(|p| p.number(dim))?;
                    return Ok(Node::NumIn { field, values });
                }
                let value = self.number(dim)?;
                Ok(Node::Num {
                    field,
                    op: op.unwrap_or(Cmp::Eq),
                    value,
                })
            }
            Field::Str(field) => {
                if is_match {
                    let patterns = if self.peek().is_some_and(|t| t.tok == Tok::LBracket) {
                        self.list(|p| p.pattern())?
                    } else {
                        vec![self.pattern()?]
                    };
                    return Ok(Node::Glob { field, patterns });
                }
                let values = if is_in {
                    self.list(|p| p.text(field))?
                } else {
                    vec![self.text(field)?]
                };
                match op {
                    None | Some(Cmp::Eq) => Ok(Node::Str { field, values }),
                    Some(Cmp::Ne) => Ok(Node::Not(Box::new(Node::Str { field, values }))),
                    Some(_) => err(offset, format!("`{name}` is text: use ==, !=, in or matches")),
                }
            }
        }
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, ExprError>,
    ) -> Result<Vec<T>, ExprError> {
        self.expect(Tok::LBracket, "`[`")?;
        let mut v = Vec::new();
        if self.eat(|t| *t == Tok::RBracket) {
            return Ok(v);
        }
        loop {
            v.push(item(self)?);
            if self.eat(|t| *t == Tok::RBracket) {
                return Ok(v);
            }
            self.expect(Tok::Comma, "`,` or `]`")?;
        }
    }

    fn pattern(&mut self) -> Result<Pattern, ExprError> {
        let at = self.here();
        match self.next().map(|t| t.tok) {
            Some(Tok::Str(s) | Tok::Word(s)) => Pattern::new(&s).ok_or_else(|| ExprError {
                offset: at,
                message: "a pattern must be non-empty ASCII text".into(),
            }),
            _ => err(at, "expected a pattern such as \"RFF*\""),
        }
    }

    fn text(&mut self, field: StrField) -> Result<Box<str>, ExprError> {
        let at = self.here();
        let s = match self.next().map(|t| t.tok) {
            Some(Tok::Str(s) | Tok::Word(s)) => s,
            _ => return err(at, "expected a value (a word, or text in quotes)"),
        };
        let s = s.trim();
        if let Some(allowed) = allowed_values(field) {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(s)) {
                return err(at, format!("\"{s}\" is not one of {}", allowed.join(", ")));
            }
        }
        if field == StrField::Kind && s.parse::<EventKind>().is_err() && !s.eq_ignore_ascii_case("condition")
        {
            let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            return err(at, format!("\"{s}\" is not an event kind ({})", names.join(", ")));
        }
        Ok(s.to_ascii_uppercase().into())
    }

    /// A number in the field's unit, with an optional unit word (attached or separate).
    fn number(&mut self, dim: Dim) -> Result<f64, ExprError> {
        let at = self.here();
        let word = match self.next().map(|t| t.tok) {
            Some(Tok::Word(w)) => w,
            _ => return err(at, "expected a number"),
        };
        // Flight levels: FL350 = 35,000 ft.
        if dim == Dim::Altitude {
            if let Some(fl) = word
                .strip_prefix("FL")
                .or_else(|| word.strip_prefix("fl"))
                .and_then(|d| d.parse::<u32>().ok())
            {
                return Ok(f64::from(fl) * 100.0);
            }
        }
        let split = word
            .bytes()
            .position(|b| b.is_ascii_alphabetic())
            .unwrap_or(word.len());
        let (num, attached) = word.split_at(split);
        let Ok(value) = num.parse::<f64>() else {
            return err(at, format!("expected a number, found `{word}`"));
        };
        if !value.is_finite() {
            return err(at, "the number must be finite");
        }
        let unit = if !attached.is_empty() {
            Some(attached.to_string())
        } else {
            match self.peek().map(|t| &t.tok) {
                Some(Tok::Word(w)) if is_unit(w) => {
                    let w = w.clone();
                    self.pos += 1;
                    Some(w)
                }
                _ => None,
            }
        };
        match unit {
            Some(u) => match unit_factor(dim, &u) {
                Some(k) => Ok(value * k),
                None => err(
                    at,
                    format!("`{u}` is not a unit for this field ({})", units_of(dim)),
                ),
            },
            None if dim == Dim::Length => err(
                at,
                format!(
                    "a distance needs a unit ({}): `{num} nm` or `{num} km`",
                    units_of(dim)
                ),
            ),
            None => Ok(value),
        }
    }
}

/// Every unit word, whatever its dimension (so `alt_baro < 5 km` is a unit error, not a
/// stray word).
fn is_unit(word: &str) -> bool {
    const UNITS: &[&str] = &["ft", "m", "km", "nm", "kt", "kmh", "deg", "fpm", "s", "min", "h"];
    UNITS.iter().any(|u| u.eq_ignore_ascii_case(word))
}

fn unit_factor(dim: Dim, unit: &str) -> Option<f64> {
    let u = unit.to_ascii_lowercase();
    match (dim, u.as_str()) {
        (Dim::Altitude, "ft") => Some(1.0),
        (Dim::Altitude, "m") => Some(1.0 / 0.3048),
        (Dim::Length, "m") => Some(1.0),
        (Dim::Length, "km") => Some(1000.0),
        (Dim::Length, "nm") => Some(METRES_PER_NM),
        (Dim::Speed, "kt") => Some(1.0),
        (Dim::Speed, "kmh") => Some(1.0 / 1.852),
        (Dim::Angle, "deg") => Some(1.0),
        (Dim::Rate, "fpm") => Some(1.0),
        (Dim::Time, "s") => Some(1.0),
        (Dim::Time, "min") => Some(60.0),
        (Dim::Time, "h") => Some(3600.0),
        _ => None,
    }
}

fn units_of(dim: Dim) -> &'static str {
    match dim {
        Dim::Altitude => "ft (default), m, or FL350",
        Dim::Length => "m, km, nm",
        Dim::Speed => "kt (default), kmh",
        Dim::Angle => "deg (default)",
        Dim::Rate => "fpm (default)",
        Dim::Time => "s (default), min, h",
        Dim::Plain => "no unit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Node, ExprError> {
        Expr::parse(t, &["friends", "hunted"]).map(|e| e.root)
    }

    #[test]
    fn precedence_and_units() {
        let n = parse("helicopter and distance < 1 km and alt_baro < 500").unwrap();
        assert_eq!(
            n,
            Node::And(vec![
                Node::Flag(Flag::Helicopter),
                Node::Num {
                    field: NumField::Distance,
                    op: Cmp::Lt,
                    value: 1000.0
                },
                Node::Num {
                    field: NumField::AltBaro,
                    op: Cmp::Lt,
                    value: 500.0
                },
            ])
        );
        // `and` binds tighter than `or`; `not` tighter than both.
        let n = parse("military or state and not civil").unwrap();
        assert!(matches!(n, Node::Or(ref v) if matches!(v[1], Node::And(_))));
        assert_eq!(
            parse("alt_baro >= FL350").unwrap(),
            Node::Num {
                field: NumField::AltBaro,
                op: Cmp::Ge,
                value: 35_000.0
            }
        );
        assert_eq!(
            parse("distance<=2nm").unwrap(),
            Node::Num {
                field: NumField::Distance,
                op: Cmp::Le,
                value: 2.0 * METRES_PER_NM
            }
        );
        assert_eq!(
            parse("seen > 2 min").unwrap(),
            Node::Num {
                field: NumField::Seen,
                op: Cmp::Gt,
                value: 120.0
            }
        );
        assert!(matches!(parse("military == false").unwrap(), Node::Not(_)));
        assert!(matches!(
            parse("(military || state) && !civil").unwrap(),
            Node::And(_)
        ));
    }

    #[test]
    fn text_values_and_patterns() {
        assert_eq!(
            parse("callsign matches \"RFF*\"").unwrap(),
            Node::Glob {
                field: StrField::Flight,
                patterns: vec![Pattern::new("RFF*").unwrap()]
            }
        );
        assert!(matches!(parse("flight ~ RFF*").unwrap(), Node::Glob { .. }));
        assert!(
            matches!(parse("type in [T160, tu95]").unwrap(), Node::Str { ref values, .. } if values.len() == 2)
        );
        assert!(
            matches!(parse("squawk == 7700").unwrap(), Node::Str { ref values, .. } if &*values[0] == "7700")
        );
        assert!(matches!(parse("kind != zone_entry").unwrap(), Node::Not(_)));
        assert!(matches!(parse("watchlist(\"hunted\")").unwrap(), Node::OnList(1)));
        assert!(matches!(
            parse("inside(alaska_adiz)").unwrap(),
            Node::Inside { .. }
        ));
        assert!(matches!(
            parse("distance_to(SVMI) < 20 km").unwrap(),
            Node::Distance {
                target: Target::Airport(_),
                ..
            }
        ));
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        let e = parse("military and altitud < 5").unwrap_err();
        assert_eq!(e.offset, 13);
        assert!(e.message.contains("unknown field `altitud`"), "{e}");
        let e = parse("distance < 5").unwrap_err();
        assert_eq!(e.offset, 11);
        assert!(e.message.contains("needs a unit"), "{e}");
        let e = parse("alt_baro < 5 km").unwrap_err();
        assert!(e.message.contains("not a unit"), "{e}");
        let e = parse("class == airforce").unwrap_err();
        assert_eq!(e.offset, 9);
        let e = parse("kind == landed").unwrap_err();
        assert!(e.message.contains("not an event kind"), "{e}");
        let e = parse("(military").unwrap_err();
        assert_eq!(e.offset, 9);
        let e = parse("military state").unwrap_err();
        assert_eq!(e.offset, 9);
        let e = parse("callsign").unwrap_err();
        assert!(e.message.contains("not a yes/no field"), "{e}");
        let e = parse("watchlist(\"enemies\")").unwrap_err();
        assert_eq!(e.offset, 10);
        let e = parse("flight == 'RFF").unwrap_err();
        assert!(e.message.contains("unterminated"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("gs < 100 ; drop").is_err());
    }

    #[test]
    fn field_names_all_parse_and_are_documented() {
        // The doc is part of the repository: missing, the test fails rather than passes.
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md"))
            .expect("docs/rules.md");
        for f in FIELD_NAMES {
            assert!(field(f).is_some(), "{f}");
            assert!(
                doc.contains(&format!("`{f}`")),
                "docs/rules.md does not list `{f}`"
            );
        }
    }
}
