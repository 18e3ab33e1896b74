//! TC 1–4: aircraft identification and category (DO-260B §2.2.3.2.5; Doc 9871 Table A-2-8,
//! register 0,8).

use super::{field, put};
use crate::callsign::Callsign;
use std::fmt;

/// The category set, named by the letter the type code stands for (TC 4 = A ... TC 1 = D).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategorySet {
    /// TC 4: aircraft by weight and performance.
    A,
    /// TC 3: gliders, balloons, parachutists, UAVs, space vehicles.
    B,
    /// TC 2: surface vehicles and obstacles.
    C,
    /// TC 1: reserved.
    D,
}

impl CategorySet {
    /// The type code that carries this set.
    pub const fn type_code(self) -> u8 {
        match self {
            CategorySet::A => 4,
            CategorySet::B => 3,
            CategorySet::C => 2,
            CategorySet::D => 1,
        }
    }

    /// The set a type code 1–4 carries.
    pub const fn from_type_code(tc: u8) -> Option<CategorySet> {
        match tc {
            4 => Some(CategorySet::A),
            3 => Some(CategorySet::B),
            2 => Some(CategorySet::C),
            1 => Some(CategorySet::D),
            _ => None,
        }
    }

    /// 'A' to 'D'.
    pub const fn letter(self) -> char {
        match self {
            CategorySet::A => 'A',
            CategorySet::B => 'B',
            CategorySet::C => 'C',
            CategorySet::D => 'D',
        }
    }
}

/// The emitter category: a set and a 3-bit code (the CA field, ME bits 6–8), written "A3".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Category {
    /// The set, from the type code.
    pub set: CategorySet,
    /// The code within the set, 0–7 (0 = no category information).
    pub code: u8,
}

impl Category {
    /// From a type code 1–4 and the 3-bit code.
    pub const fn from_type_code(tc: u8, code: u8) -> Option<Category> {
        match CategorySet::from_type_code(tc) {
            Some(set) => Some(Category { set, code: code & 7 }),
            None => None,
        }
    }

    /// The category as one byte, 0xA0–0xD7, as readsb's `category` (hex "A3").
    pub const fn as_byte(self) -> u8 {
        ((0x0E - self.set.type_code()) << 4) | (self.code & 7)
    }

    /// True when the code carries information (code 0 means "no category information").
    pub const fn is_known(self) -> bool {
        self.code != 0
    }

    /// What the category means (DO-260B §2.2.3.2.5.2).
    pub fn description(self) -> &'static str {
        match (self.set, self.code & 7) {
            (_, 0) => "no category information",
            (CategorySet::A, 1) => "light (< 15500 lb)",
            (CategorySet::A, 2) => "small (15500 to 75000 lb)",
            (CategorySet::A, 3) => "large (75000 to 300000 lb)",
            (CategorySet::A, 4) => "high vortex large",
            (CategorySet::A, 5) => "heavy (> 300000 lb)",
            (CategorySet::A, 6) => "high performance (> 5 g and > 400 kt)",
            (CategorySet::A, _) => "rotorcraft",
            (CategorySet::B, 1) => "glider or sailplane",
            (CategorySet::B, 2) => "lighter-than-air",
            (CategorySet::B, 3) => "parachutist or skydiver",
            (CategorySet::B, 4) => "ultralight, hang-glider or paraglider",
            (CategorySet::B, 6) => "unmanned aerial vehicle",
            (CategorySet::B, 7) => "space or trans-atmospheric vehicle",
            (CategorySet::C, 1) => "surface emergency vehicle",
            (CategorySet::C, 2) => "surface service vehicle",
            (CategorySet::C, 3) => "point obstacle",
            (CategorySet::C, 4) => "cluster obstacle",
            (CategorySet::C, 5) => "line obstacle",
            _ => "reserved",
        }
    }
}

/// "A3", as readsb writes it.
impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.set.letter(), self.code & 7)
    }
}

/// TC 1–4: identification (callsign) and emitter category.
///
/// The characters are kept as sent, so that frames carrying codes outside the character
/// set (real, CRC-clean ones exist) still parse and re-emit exactly; [`Callsign`] shows
/// such codes as `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identification {
    /// Emitter category (type code and ME bits 6–8).
    pub category: Category,
    /// ME bits 9–56: eight 6-bit characters (Annex 10 Vol IV Table 3-9), first in the top bits.
    pub characters: u64,
}

impl Identification {
    pub(crate) fn parse(me: u64) -> Identification {
        let tc = field(me, 1, 5) as u8;
        Identification {
            // The caller dispatches TC 1–4 only; D is the harmless fallback.
            category: Category::from_type_code(tc, field(me, 6, 8) as u8).unwrap_or(Category {
                set: CategorySet::D,
                code: 0,
            }),
            characters: field(me, 9, 56),
        }
    }

    /// An identification from a category and a callsign (characters outside the set
    /// become code 0).
    pub fn new(category: Category, callsign: &Callsign) -> Identification {
        Identification {
            category,
            characters: callsign.to_ais6(),
        }
    }

    /// The 56-bit ME field.
    pub fn emit(&self) -> u64 {
        put(u64::from(self.category.set.type_code()), 1, 5)
            | put(u64::from(self.category.code), 6, 8)
            | put(self.characters, 9, 56)
    }

    /// The callsign, trailing spaces kept in the array (codes outside the set read `#`).
    pub fn callsign(&self) -> Callsign {
        Callsign::from_ais6(self.characters)
    }

    /// True when all eight codes are letters (1–26), space (32) or digits (48–57).
    pub fn callsign_is_valid(&self) -> bool {
        // One bit per valid code; the eight tests are and-ed without an early exit.
        const VALID: u64 = (((1u64 << 27) - 1) & !1) | (1 << 32) | (((1u64 << 58) - 1) & !((1u64 << 48) - 1));
        (0..8).fold(true, |ok, i| {
            ok & (VALID >> ((self.characters >> (42 - 6 * i)) & 0x3F) & 1 == 1)
        })
    }
}
