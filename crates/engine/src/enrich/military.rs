//! Known military sub-ranges of national address blocks.
//!
//! States assign addresses to their military aircraft from parts of their block; where that
//! part is known, an address inside it is military whatever else the aircraft says. The
//! ranges below are the ones readsb flags as military (`updateTypeReg()` in wiedehopf/readsb
//! `aircraft.c`, whose comments name each range with the two-letter codes of the original
//! list, e.g. "3b7000-3bffff = france mil_2(fs)"); the same list drives tar1090's and the
//! adsb.lol/adsb.fi "military" filters. Two ranges that readsb once had are left out because
//! readsb itself disabled them after civil aircraft were seen inside: Slovenia
//! (0x506F32-0x506FFF) and Chile (0xE80600-0xE806FF). readsb also narrowed France
//! (0x3A8000 -> 0x3AA000, 0x3B0000 -> 0x3B7000) and Australia (0x7C9000-0x7CBFFF ->
//! 0x7CAFFF; 0x7D0000-0x7FFFFF dropped): the narrowed forms are used.
//!
//! The US range is exact by construction: the civil N-number register maps algorithmically
//! onto 0xA00001-0xADF7C7 (see `registration.rs`), so every US address above it belongs to an
//! aircraft outside the civil register (military and some other federal aircraft). Canada's
//! civil C-F/C-G scheme likewise ends far below 0xC20000.

use picket_modes::Icao;

/// A known military address range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilitaryBlock {
    /// First address of the range.
    pub first: u32,
    /// Last address of the range (inclusive).
    pub last: u32,
    /// ISO 3166-1 alpha-2 code of the state whose block holds the range.
    pub iso2: &'static str,
    /// What the range is, for the classification's detail.
    pub what: &'static str,
}

impl MilitaryBlock {
    /// Whether the address lies in the range.
    pub const fn contains(&self, address: Icao) -> bool {
        address.0 >= self.first && address.0 <= self.last
    }
}

/// The military range containing the address, if any.
pub fn military_block(address: Icao) -> Option<&'static MilitaryBlock> {
    let i = MILITARY.partition_point(|b| b.first <= address.0);
    let b = MILITARY.get(i.checked_sub(1)?)?;
    b.contains(address).then_some(b)
}

/// The whole list, sorted by first address.
pub fn military_blocks() -> &'static [MilitaryBlock] {
    MILITARY
}

const fn m(first: u32, last: u32, iso2: &'static str, what: &'static str) -> MilitaryBlock {
    MilitaryBlock {
        first,
        last,
        iso2,
        what,
    }
}

// Each line: the range as readsb lists it (the readsb comment's own name in brackets).
static MILITARY: &[MilitaryBlock] = &[
    m(
        0x010070,
        0x01008F,
        "EG",
        "Egyptian military address range (readsb: egypt_mil)",
    ),
    m(
        0x0A4000,
        0x0A4FFF,
        "DZ",
        "Algerian military address range (readsb: algeria mil)",
    ),
    m(
        0x33FF00,
        0x33FFFF,
        "IT",
        "Italian military address range (readsb: italy mil)",
    ),
    m(
        0x350000,
        0x37FFFF,
        "ES",
        "Spanish military address range (readsb: spain mil)",
    ),
    m(
        0x3AA000,
        0x3AFFFF,
        "FR",
        "French military address range 1 (readsb: france mil_1, narrowed)",
    ),
    m(
        0x3B7000,
        0x3BFFFF,
        "FR",
        "French military address range 2 (readsb: france mil_2, narrowed)",
    ),
    m(
        0x3EA000,
        0x3EBFFF,
        "DE",
        "German military address range 1 (readsb: germany mil_1)",
    ),
    m(
        0x3F4000,
        0x3FBFFF,
        "DE",
        "German military address ranges 2-3 (readsb: germany mil_2, mil_3)",
    ),
    m(
        0x400000,
        0x40003F,
        "GB",
        "UK military address range 1 (readsb: united kingdom mil_1)",
    ),
    m(
        0x43C000,
        0x43CFFF,
        "GB",
        "UK military address range 2 (readsb: united kingdom mil)",
    ),
    m(
        0x444000,
        0x446FFF,
        "AT",
        "Austrian military address range (readsb: austria mil)",
    ),
    m(
        0x44F000,
        0x44FFFF,
        "BE",
        "Belgian military address range (readsb: belgium mil)",
    ),
    m(
        0x457000,
        0x457FFF,
        "BG",
        "Bulgarian military address range (readsb: bulgaria mil)",
    ),
    m(
        0x45F400,
        0x45F4FF,
        "DK",
        "Danish military address range (readsb: denmark mil)",
    ),
    m(
        0x468000,
        0x4683FF,
        "GR",
        "Greek military address range (readsb: greece mil)",
    ),
    m(
        0x473C00,
        0x473C0F,
        "HU",
        "Hungarian military address range (readsb: hungary mil)",
    ),
    m(
        0x478100,
        0x4781FF,
        "NO",
        "Norwegian military address range (readsb: norway mil)",
    ),
    m(
        0x480000,
        0x480FFF,
        "NL",
        "Dutch military address range (readsb: netherlands mil)",
    ),
    m(
        0x48D800,
        0x48D87F,
        "PL",
        "Polish military address range (readsb: poland mil)",
    ),
    m(
        0x497C00,
        0x497CFF,
        "PT",
        "Portuguese military address range (readsb: portugal mil)",
    ),
    m(
        0x498420,
        0x49842F,
        "CZ",
        "Czech military address range (readsb: czech republic mil)",
    ),
    m(
        0x4B7000,
        0x4B7FFF,
        "CH",
        "Swiss military address range (readsb: switzerland mil)",
    ),
    m(
        0x4B8200,
        0x4B82FF,
        "TR",
        "Turkish military address range (readsb: turkey mil)",
    ),
    m(
        0x70C070,
        0x70C07F,
        "OM",
        "Omani military address range (readsb: oman mil)",
    ),
    m(
        0x710258,
        0x71028F,
        "SA",
        "Saudi military address ranges 1-3 (readsb: saudi arabia mil_1..3)",
    ),
    m(
        0x710380,
        0x71039F,
        "SA",
        "Saudi military address range 4 (readsb: saudi arabia mil_4)",
    ),
    m(
        0x738A00,
        0x738AFF,
        "IL",
        "Israeli military address range (readsb: israel mil)",
    ),
    m(
        0x7C822E,
        0x7C84FF,
        "AU",
        "Australian military address range 1 (readsb: australia mil_1)",
    ),
    m(
        0x7C8800,
        0x7C88FF,
        "AU",
        "Australian military address range 7 (readsb: australia mil_7)",
    ),
    m(
        0x7C9000,
        0x7CAFFF,
        "AU",
        "Australian military address ranges 8-9 (readsb: australia mil_8, mil_9)",
    ),
    m(
        0x7CF800,
        0x7CFAFF,
        "AU",
        "Australian military address range (readsb: australia mil)",
    ),
    m(
        0x800200,
        0x8002FF,
        "IN",
        "Indian military address range (readsb: india mil)",
    ),
    m(
        0xADF7C8,
        0xAFFFFF,
        "US",
        "US address above the civil N-number range (readsb: united states mil_1..5)",
    ),
    m(
        0xC20000,
        0xC3FFFF,
        "CA",
        "Canadian military address range (readsb: canada mil)",
    ),
    m(
        0xE40000,
        0xE41FFF,
        "BR",
        "Brazilian military address range (readsb: brazil mil)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::country;

    #[test]
    fn list_is_sorted_disjoint_and_inside_its_states_block() {
        for w in MILITARY.windows(2) {
            assert!(
                w[0].last < w[1].first,
                "{:06X} overlaps {:06X}",
                w[0].first,
                w[1].first
            );
        }
        for b in MILITARY {
            assert!(b.first <= b.last);
            for a in [b.first, b.last] {
                let c = country(Icao(a)).unwrap_or_else(|| panic!("{a:06X} is in no state's block"));
                assert_eq!(c.iso2, b.iso2, "{a:06X}");
            }
        }
    }

    #[test]
    fn edges() {
        assert!(military_block(Icao(0xADF7C7)).is_none());
        assert_eq!(military_block(Icao(0xADF7C8)).map(|b| b.iso2), Some("US"));
        assert_eq!(military_block(Icao(0xAFFFFF)).map(|b| b.iso2), Some("US"));
        assert!(military_block(Icao(0xB00000)).is_none());
        assert!(military_block(Icao(0xC1FFFF)).is_none());
        assert_eq!(military_block(Icao(0xC20000)).map(|b| b.iso2), Some("CA"));
        assert_eq!(military_block(Icao(0xE41FFF)).map(|b| b.iso2), Some("BR"));
        assert!(military_block(Icao(0xE42000)).is_none());
        // Disabled upstream because civil aircraft use them.
        assert!(military_block(Icao(0x506F80)).is_none());
        assert!(military_block(Icao(0xE80680)).is_none());
        assert!(military_block(Icao(0x000000)).is_none());
    }
}
