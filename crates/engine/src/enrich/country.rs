//! The allocation of 24-bit aircraft addresses to states (ICAO Annex 10 Vol III, Part I,
//! Chapter 9, Appendix, Table 9-1).
//!
//! The Annex gives each block as a bit pattern: the first 4, 6, 9, 12 or 14 bits are fixed and
//! the rest number the aircraft, so a block is a start address and a prefix length (1,048,576,
//! 262,144, 32,768, 4,096 or 1,024 addresses). The table below was written from the Annex's
//! second edition (July 2007, amendments through 88-A of 14/11/2013) as transcribed
//! independently by dump1090-fa/readsb (`flags.js`), the icao24-utils PHP library and the
//! flydent crate (binary prefixes), cross-checked against each other; where they disagreed
//! the bit pattern decided (0x0C4000 is the Dominican Republic, 0x07C000 Sudan has 4,096
//! addresses). Later allocations that the 2007 table lacks are marked "(later)" and name
//! their evidence. Names are short English names; `iso2` is ISO 3166-1 alpha-2.

use picket_modes::Icao;

/// A state of registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// Short English name ("Russia", "United States").
    pub name: &'static str,
    /// ISO 3166-1 alpha-2 code ("RU", "US").
    pub iso2: &'static str,
}

/// Who holds an address block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A state (or, for Taiwan, the territory that uses the block).
    State(Country),
    /// A block ICAO keeps for itself (temporary addresses, special use).
    Icao(&'static str),
}

/// One block of the allocation table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    /// First address of the block.
    pub start: u32,
    /// Number of fixed leading bits (4, 6, 9, 12 or 14).
    pub prefix_bits: u8,
    /// Who holds it.
    pub holder: Holder,
}

impl Allocation {
    /// Number of addresses in the block.
    pub const fn size(&self) -> u32 {
        1 << (24 - self.prefix_bits as u32)
    }

    /// Last address of the block.
    pub const fn end(&self) -> u32 {
        self.start + self.size() - 1
    }

    /// Whether the address lies in the block.
    pub const fn contains(&self, address: Icao) -> bool {
        address.0 >= self.start && address.0 <= self.end()
    }

    /// The state holding the block, if a state does.
    pub const fn country(&self) -> Option<&Country> {
        match &self.holder {
            Holder::State(c) => Some(c),
            Holder::Icao(_) => None,
        }
    }
}

/// The allocation block containing the address, if any.
pub fn allocation(address: Icao) -> Option<&'static Allocation> {
    // Blocks are sorted and disjoint: the candidate is the last block starting at or before
    // the address.
    let i = ALLOCATIONS.partition_point(|a| a.start <= address.0);
    let a = ALLOCATIONS.get(i.checked_sub(1)?)?;
    a.contains(address).then_some(a)
}

/// The state of registry that the address belongs to, if its block is allocated to a state.
pub fn country(address: Icao) -> Option<&'static Country> {
    allocation(address)?.country()
}

/// The whole table, sorted by start address.
pub fn allocations() -> &'static [Allocation] {
    ALLOCATIONS
}

const fn s(start: u32, prefix_bits: u8, name: &'static str, iso2: &'static str) -> Allocation {
    Allocation {
        start,
        prefix_bits,
        holder: Holder::State(Country { name, iso2 }),
    }
}

const fn icao(start: u32, prefix_bits: u8, what: &'static str) -> Allocation {
    Allocation {
        start,
        prefix_bits,
        holder: Holder::Icao(what),
    }
}

// Prefix lengths by block size: 4 bits = 1 Mi addresses, 6 = 256 Ki, 9 = 32 Ki, 12 = 4 Ki,
// 14 = 1 Ki.
static ALLOCATIONS: &[Allocation] = &[
    // AFI region
    s(0x004000, 14, "Zimbabwe", "ZW"),
    s(0x006000, 12, "Mozambique", "MZ"),
    s(0x008000, 9, "South Africa", "ZA"),
    s(0x010000, 9, "Egypt", "EG"),
    s(0x018000, 9, "Libya", "LY"),
    s(0x020000, 9, "Morocco", "MA"),
    s(0x028000, 9, "Tunisia", "TN"),
    s(0x030000, 14, "Botswana", "BW"),
    s(0x032000, 12, "Burundi", "BI"),
    s(0x034000, 12, "Cameroon", "CM"),
    s(0x035000, 14, "Comoros", "KM"),
    s(0x036000, 12, "Congo", "CG"),
    s(0x038000, 12, "Côte d'Ivoire", "CI"),
    s(0x03E000, 12, "Gabon", "GA"),
    s(0x040000, 12, "Ethiopia", "ET"),
    s(0x042000, 12, "Equatorial Guinea", "GQ"),
    s(0x044000, 12, "Ghana", "GH"),
    s(0x046000, 12, "Guinea", "GN"),
    s(0x048000, 14, "Guinea-Bissau", "GW"),
    s(0x04A000, 14, "Lesotho", "LS"),
    s(0x04C000, 12, "Kenya", "KE"),
    s(0x050000, 12, "Liberia", "LR"),
    s(0x054000, 12, "Madagascar", "MG"),
    s(0x058000, 12, "Malawi", "MW"),
    s(0x05A000, 14, "Maldives", "MV"),
    s(0x05C000, 12, "Mali", "ML"),
    s(0x05E000, 14, "Mauritania", "MR"),
    s(0x060000, 14, "Mauritius", "MU"),
    s(0x062000, 12, "Niger", "NE"),
    s(0x064000, 12, "Nigeria", "NG"),
    s(0x068000, 12, "Uganda", "UG"),
    s(0x06A000, 14, "Qatar", "QA"),
    s(0x06C000, 12, "Central African Republic", "CF"),
    s(0x06E000, 12, "Rwanda", "RW"),
    s(0x070000, 12, "Senegal", "SN"),
    s(0x074000, 14, "Seychelles", "SC"),
    s(0x076000, 14, "Sierra Leone", "SL"),
    s(0x078000, 12, "Somalia", "SO"),
    s(0x07A000, 14, "Eswatini", "SZ"),
    s(0x07C000, 12, "Sudan", "SD"),
    s(0x080000, 12, "Tanzania", "TZ"),
    s(0x084000, 12, "Chad", "TD"),
    s(0x088000, 12, "Togo", "TG"),
    s(0x08A000, 12, "Zambia", "ZM"),
    s(0x08C000, 12, "DR Congo", "CD"),
    s(0x090000, 12, "Angola", "AO"),
    s(0x094000, 14, "Benin", "BJ"),
    s(0x096000, 14, "Cabo Verde", "CV"),
    s(0x098000, 14, "Djibouti", "DJ"),
    s(0x09A000, 12, "Gambia", "GM"),
    s(0x09C000, 12, "Burkina Faso", "BF"),
    s(0x09E000, 14, "São Tomé and Príncipe", "ST"),
    s(0x0A0000, 9, "Algeria", "DZ"),
    // CAR and SAM regions (first part)
    s(0x0A8000, 12, "Bahamas", "BS"),
    s(0x0AA000, 14, "Barbados", "BB"),
    s(0x0AB000, 14, "Belize", "BZ"),
    s(0x0AC000, 12, "Colombia", "CO"),
    s(0x0AE000, 12, "Costa Rica", "CR"),
    s(0x0B0000, 12, "Cuba", "CU"),
    s(0x0B2000, 12, "El Salvador", "SV"),
    s(0x0B4000, 12, "Guatemala", "GT"),
    s(0x0B6000, 12, "Guyana", "GY"),
    s(0x0B8000, 12, "Haiti", "HT"),
    s(0x0BA000, 12, "Honduras", "HN"),
    s(0x0BC000, 14, "Saint Vincent and the Grenadines", "VC"),
    s(0x0BE000, 12, "Jamaica", "JM"),
    s(0x0C0000, 12, "Nicaragua", "NI"),
    s(0x0C2000, 12, "Panama", "PA"),
    s(0x0C4000, 12, "Dominican Republic", "DO"),
    s(0x0C6000, 12, "Trinidad and Tobago", "TT"),
    s(0x0C8000, 12, "Suriname", "SR"),
    s(0x0CA000, 14, "Antigua and Barbuda", "AG"),
    s(0x0CC000, 14, "Grenada", "GD"),
    s(0x0D0000, 9, "Mexico", "MX"),
    s(0x0D8000, 9, "Venezuela", "VE"),
    s(0x100000, 4, "Russia", "RU"),
    s(0x201000, 14, "Namibia", "NA"),
    s(0x202000, 14, "Eritrea", "ER"),
    // EUR region
    s(0x300000, 6, "Italy", "IT"),
    s(0x340000, 6, "Spain", "ES"),
    s(0x380000, 6, "France", "FR"),
    s(0x3C0000, 6, "Germany", "DE"),
    // The UK block also serves the Crown Dependencies and Overseas Territories (Bermuda,
    // Cayman Islands, Isle of Man, ...): their sub-assignments are national, not ICAO's.
    s(0x400000, 6, "United Kingdom", "GB"),
    s(0x440000, 9, "Austria", "AT"),
    s(0x448000, 9, "Belgium", "BE"),
    s(0x450000, 9, "Bulgaria", "BG"),
    s(0x458000, 9, "Denmark", "DK"),
    s(0x460000, 9, "Finland", "FI"),
    s(0x468000, 9, "Greece", "GR"),
    s(0x470000, 9, "Hungary", "HU"),
    s(0x478000, 9, "Norway", "NO"),
    s(0x480000, 9, "Netherlands", "NL"),
    s(0x488000, 9, "Poland", "PL"),
    s(0x490000, 9, "Portugal", "PT"),
    s(0x498000, 9, "Czechia", "CZ"),
    s(0x4A0000, 9, "Romania", "RO"),
    s(0x4A8000, 9, "Sweden", "SE"),
    s(0x4B0000, 9, "Switzerland", "CH"),
    s(0x4B8000, 9, "Türkiye", "TR"),
    // Allocated to Yugoslavia; Serbia holds it.
    s(0x4C0000, 9, "Serbia", "RS"),
    s(0x4C8000, 14, "Cyprus", "CY"),
    s(0x4CA000, 12, "Ireland", "IE"),
    s(0x4CC000, 12, "Iceland", "IS"),
    s(0x4D0000, 14, "Luxembourg", "LU"),
    // The 2007 table gives Malta 1,024 addresses (0x4D2000-0x4D23FF); Maltese aircraft have
    // flown with 0x4D24xx-0x4D25xx since 2022 (9H-WAC = 0x4D2401; jet1090 pull request 440),
    // so the block is taken as 4,096 addresses. Nothing else is allocated up to 0x4D4000.
    s(0x4D2000, 12, "Malta", "MT"),
    s(0x4D4000, 14, "Monaco", "MC"),
    s(0x500000, 14, "San Marino", "SM"),
    s(0x501000, 14, "Albania", "AL"),
    s(0x501C00, 14, "Croatia", "HR"),
    s(0x502C00, 14, "Latvia", "LV"),
    s(0x503C00, 14, "Lithuania", "LT"),
    s(0x504C00, 14, "Moldova", "MD"),
    s(0x505C00, 14, "Slovakia", "SK"),
    s(0x506C00, 14, "Slovenia", "SI"),
    s(0x507C00, 14, "Uzbekistan", "UZ"),
    s(0x508000, 9, "Ukraine", "UA"),
    s(0x510000, 14, "Belarus", "BY"),
    s(0x511000, 14, "Estonia", "EE"),
    s(0x512000, 14, "North Macedonia", "MK"),
    s(0x513000, 14, "Bosnia and Herzegovina", "BA"),
    s(0x514000, 14, "Georgia", "GE"),
    s(0x515000, 14, "Tajikistan", "TJ"),
    // (later) Montenegro, independent in 2006, listed by readsb's flags.ts and tar1090.
    s(0x516000, 14, "Montenegro", "ME"),
    // MID region
    s(0x600000, 14, "Armenia", "AM"),
    s(0x600800, 14, "Azerbaijan", "AZ"),
    s(0x601000, 14, "Kyrgyzstan", "KG"),
    s(0x601800, 14, "Turkmenistan", "TM"),
    // ASIA region
    s(0x680000, 14, "Bhutan", "BT"),
    s(0x681000, 14, "Micronesia", "FM"),
    s(0x682000, 14, "Mongolia", "MN"),
    s(0x683000, 14, "Kazakhstan", "KZ"),
    s(0x684000, 14, "Palau", "PW"),
    s(0x700000, 12, "Afghanistan", "AF"),
    s(0x702000, 12, "Bangladesh", "BD"),
    s(0x704000, 12, "Myanmar", "MM"),
    s(0x706000, 12, "Kuwait", "KW"),
    s(0x708000, 12, "Laos", "LA"),
    s(0x70A000, 12, "Nepal", "NP"),
    s(0x70C000, 14, "Oman", "OM"),
    s(0x70E000, 12, "Cambodia", "KH"),
    s(0x710000, 9, "Saudi Arabia", "SA"),
    s(0x718000, 9, "South Korea", "KR"),
    s(0x720000, 9, "North Korea", "KP"),
    s(0x728000, 9, "Iraq", "IQ"),
    s(0x730000, 9, "Iran", "IR"),
    s(0x738000, 9, "Israel", "IL"),
    s(0x740000, 9, "Jordan", "JO"),
    s(0x748000, 9, "Lebanon", "LB"),
    s(0x750000, 9, "Malaysia", "MY"),
    s(0x758000, 9, "Philippines", "PH"),
    s(0x760000, 9, "Pakistan", "PK"),
    s(0x768000, 9, "Singapore", "SG"),
    s(0x770000, 9, "Sri Lanka", "LK"),
    s(0x778000, 9, "Syria", "SY"),
    // Hong Kong (0x789xxx) and Macao use national sub-assignments inside China's block.
    s(0x780000, 6, "China", "CN"),
    s(0x7C0000, 6, "Australia", "AU"),
    s(0x800000, 6, "India", "IN"),
    s(0x840000, 6, "Japan", "JP"),
    s(0x880000, 9, "Thailand", "TH"),
    s(0x888000, 9, "Viet Nam", "VN"),
    s(0x890000, 12, "Yemen", "YE"),
    s(0x894000, 12, "Bahrain", "BH"),
    s(0x895000, 14, "Brunei", "BN"),
    s(0x896000, 12, "United Arab Emirates", "AE"),
    s(0x897000, 14, "Solomon Islands", "SB"),
    s(0x898000, 12, "Papua New Guinea", "PG"),
    // Table 9-1 lists this block as ICAO's (note 2); the aircraft using it are Taiwan's
    // (B-nnnnn), so the holder is named for them.
    s(0x899000, 14, "Taiwan", "TW"),
    s(0x8A0000, 9, "Indonesia", "ID"),
    // NAM/PAC region
    s(0x900000, 14, "Marshall Islands", "MH"),
    s(0x901000, 14, "Cook Islands", "CK"),
    s(0x902000, 14, "Samoa", "WS"),
    s(0xA00000, 4, "United States", "US"),
    s(0xC00000, 6, "Canada", "CA"),
    s(0xC80000, 9, "New Zealand", "NZ"),
    s(0xC88000, 12, "Fiji", "FJ"),
    s(0xC8A000, 14, "Nauru", "NR"),
    s(0xC8C000, 14, "Saint Lucia", "LC"),
    s(0xC8D000, 14, "Tonga", "TO"),
    s(0xC8E000, 14, "Kiribati", "KI"),
    s(0xC90000, 14, "Vanuatu", "VU"),
    // (later) The following six blocks are listed by tar1090's flags.js and are not in the
    // 2007 table; Timor-Leste's is corroborated by 4W-AAL flying as 0xC95000 (jet1090 issue
    // 3). Their size is not known here: 1,024 addresses, like every other small allocation.
    s(0xC91000, 14, "Andorra", "AD"),
    s(0xC92000, 14, "Dominica", "DM"),
    s(0xC93000, 14, "Saint Kitts and Nevis", "KN"),
    s(0xC94000, 14, "South Sudan", "SS"),
    s(0xC95000, 14, "Timor-Leste", "TL"),
    s(0xC97000, 14, "Tuvalu", "TV"),
    // SAM region
    s(0xE00000, 6, "Argentina", "AR"),
    s(0xE40000, 6, "Brazil", "BR"),
    s(0xE80000, 12, "Chile", "CL"),
    s(0xE84000, 12, "Ecuador", "EC"),
    s(0xE88000, 12, "Paraguay", "PY"),
    s(0xE8C000, 12, "Peru", "PE"),
    s(0xE90000, 12, "Uruguay", "UY"),
    s(0xE94000, 12, "Bolivia", "BO"),
    // ICAO's own blocks (Table 9-1 notes 1 and 2).
    icao(0xF00000, 9, "ICAO temporary addresses"),
    icao(0xF09000, 14, "ICAO special use"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_aligned_and_disjoint() {
        for a in ALLOCATIONS {
            assert!(matches!(a.prefix_bits, 4 | 6 | 9 | 12 | 14), "{a:?}");
            assert_eq!(
                a.start % a.size(),
                0,
                "block {:06X} is not aligned to its size",
                a.start
            );
            if let Holder::State(c) = a.holder {
                assert!(
                    c.iso2.len() == 2 && c.iso2.bytes().all(|b| b.is_ascii_uppercase()),
                    "{c:?}"
                );
            }
        }
        for w in ALLOCATIONS.windows(2) {
            assert!(
                w[0].end() < w[1].start,
                "{:06X} overlaps {:06X}",
                w[0].start,
                w[1].start
            );
        }
    }

    #[test]
    fn every_block_edge_resolves_to_its_block() {
        for a in ALLOCATIONS {
            assert_eq!(allocation(Icao(a.start)), Some(a));
            assert_eq!(allocation(Icao(a.end())), Some(a));
        }
    }

    #[test]
    fn gaps_and_extremes_are_unallocated() {
        assert_eq!(allocation(Icao(0x000000)), None);
        assert_eq!(allocation(Icao(0x003FFF)), None);
        assert_eq!(allocation(Icao(0x0043FF + 1)), None);
        assert_eq!(allocation(Icao(0xFFFFFF)), None);
        assert_eq!(allocation(Icao(0xB00000)), None);
        // Addresses wider than 24 bits are not addresses.
        assert_eq!(allocation(Icao(0x1_000_000)), None);
    }

    #[test]
    fn icao_blocks_have_no_country() {
        assert!(allocation(Icao(0xF00001)).is_some());
        assert_eq!(country(Icao(0xF00001)), None);
        assert_eq!(country(Icao(0xF09000)), None);
    }
}
