//! Position integrity and accuracy: NIC and containment radius from the type code and the
//! NIC supplements (versions 1–2; the TYPE code definitions of DO-260B and Doc 9871
//! Table C-2, and Doc 9871 §B.2.3.10.6), NUCp for version 0 (DO-260), and the NACp/NACv
//! accuracy bounds.

/// The NIC supplement bits known for an aircraft: A from its operational status (version 1
/// calls it simply "NIC supplement"), B from its airborne positions (version 2), C from its
/// surface capability class (version 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NicSupplements {
    /// NIC supplement-A (TC 31 bit 44).
    pub a: bool,
    /// NIC supplement-B (airborne position bit 8, version 2).
    pub b: bool,
    /// NIC supplement-C (surface capability class bit 20, version 2).
    pub c: bool,
}

/// Navigation integrity category and its horizontal containment radius.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Integrity {
    /// NIC, 0–11.
    pub nic: u8,
    /// Containment radius Rc in metres; `None` when unknown (NIC 0).
    pub rc_m: Option<f64>,
}

/// NIC and Rc of a position message from its type code, the sender's ADS-B version and the
/// supplements; `None` for type codes that carry no position.
///
/// Version 1 uses only supplement A; version 2 uses A and B in the air and A and C on the
/// surface. Version 0 defines no NIC: it is derived here as for version 1 with no
/// supplement (as readsb does); use [`Nucp`] for what version 0 actually says. Supplement
/// combinations the standard leaves undefined take the row that has the supplement clear.
pub fn position_integrity(type_code: u8, version: u8, supplements: NicSupplements) -> Option<Integrity> {
    let v2 = version >= 2;
    let NicSupplements { a, b, c } = if version == 0 {
        NicSupplements::default()
    } else {
        supplements
    };
    let (nic, rc_m) = match type_code {
        0 | 18 | 22 => (0, None),
        5 | 9 | 20 => (11, Some(7.5)),
        6 | 10 | 21 => (10, Some(25.0)),
        7 => {
            if a {
                (9, Some(75.0))
            } else {
                (8, Some(185.2))
            }
        }
        8 if v2 => match (a, c) {
            (true, true) => (7, Some(370.4)),
            (true, false) => (6, Some(555.6)),
            (false, true) => (6, Some(1111.2)),
            (false, false) => (0, None),
        },
        8 => (0, None),
        11 => {
            if a && (b || !v2) {
                (9, Some(75.0))
            } else {
                (8, Some(185.2))
            }
        }
        12 => (7, Some(370.4)),
        13 if v2 => match (a, b) {
            (false, true) => (6, Some(555.6)),
            (true, true) => (6, Some(1111.2)),
            _ => (6, Some(926.0)),
        },
        13 => (6, Some(if a { 1111.2 } else { 926.0 })),
        14 => (5, Some(1852.0)),
        15 => (4, Some(3704.0)),
        16 => {
            if a && (b || !v2) {
                (3, Some(7408.0))
            } else {
                (2, Some(14816.0))
            }
        }
        17 => (1, Some(37040.0)),
        _ => return None,
    };
    Some(Integrity { nic, rc_m })
}

/// Navigation uncertainty category for position, what version 0 (DO-260) senders encode in
/// the type code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nucp {
    /// NUCp, 0–9.
    pub nucp: u8,
    /// Horizontal protection limit in metres; `None` when unknown.
    pub hpl_m: Option<f64>,
    /// 95% containment radius (μ) in metres; `None` when unknown.
    pub rc_m: Option<f64>,
}

impl Nucp {
    /// NUCp of a position type code (surface 5–8, airborne 9–18 and 20–22, and 0).
    pub fn from_type_code(type_code: u8) -> Option<Nucp> {
        let nucp = match type_code {
            0 | 18 | 22 => 0,
            5 | 9 | 20 => 9,
            6 | 10 | 21 => 8,
            7 | 11 => 7,
            8 | 12 => 6,
            13 => 5,
            14 => 4,
            15 => 3,
            16 => 2,
            17 => 1,
            _ => return None,
        };
        // (HPL, μ) by NUCp 1..=9.
        const LIMITS: [(f64, f64); 9] = [
            (37040.0, 18520.0),
            (18520.0, 9260.0),
            (3704.0, 1852.0),
            (1852.0, 926.0),
            (926.0, 463.0),
            (370.4, 185.2),
            (185.2, 92.6),
            (25.0, 10.0),
            (7.5, 3.0),
        ];
        let limits = usize::from(nucp).checked_sub(1).map(|i| LIMITS[i]);
        Some(Nucp {
            nucp,
            hpl_m: limits.map(|l| l.0),
            rc_m: limits.map(|l| l.1),
        })
    }
}

/// The 95% horizontal accuracy bound (EPU) in metres of a NACp code; `None` for 0
/// (unknown, or 10 NM or more) and the reserved codes 12–15.
pub fn nac_p_epu_m(nac_p: u8) -> Option<f64> {
    Some(match nac_p {
        1 => 18520.0,
        2 => 7408.0,
        3 => 3704.0,
        4 => 1852.0,
        5 => 926.0,
        6 => 555.6,
        7 => 185.2,
        8 => 92.6,
        9 => 30.0,
        10 => 10.0,
        11 => 3.0,
        _ => return None,
    })
}

/// The 95% horizontal velocity error bound (HFOMr) in metres per second of a NACv code;
/// `None` for 0 (unknown, or 10 m/s or more) and the reserved codes.
pub fn nac_v_hfom_mps(nac_v: u8) -> Option<f64> {
    Some(match nac_v {
        1 => 10.0,
        2 => 3.0,
        3 => 1.0,
        4 => 0.3,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(tc: u8, version: u8, a: bool, b: bool, c: bool) -> (u8, Option<f64>) {
        let i = position_integrity(tc, version, NicSupplements { a, b, c }).unwrap();
        (i.nic, i.rc_m)
    }

    #[test]
    fn version_2_airborne_table() {
        // DO-260B TYPE code table (Doc 9871 Table C-2), airborne rows.
        assert_eq!(rc(9, 2, false, false, false), (11, Some(7.5)));
        assert_eq!(rc(10, 2, false, false, false), (10, Some(25.0)));
        assert_eq!(rc(11, 2, true, true, false), (9, Some(75.0)));
        assert_eq!(rc(11, 2, false, false, false), (8, Some(185.2)));
        assert_eq!(rc(12, 2, false, false, false), (7, Some(370.4)));
        assert_eq!(rc(13, 2, false, true, false).1.unwrap().round(), 556.0);
        assert_eq!(rc(13, 2, false, false, false), (6, Some(926.0)));
        assert_eq!(rc(13, 2, true, true, false).1.unwrap().round(), 1111.0);
        assert_eq!(rc(14, 2, false, false, false), (5, Some(1852.0)));
        assert_eq!(rc(15, 2, false, false, false), (4, Some(3704.0)));
        assert_eq!(rc(16, 2, true, true, false), (3, Some(7408.0)));
        assert_eq!(rc(16, 2, false, false, false), (2, Some(14816.0)));
        assert_eq!(rc(17, 2, false, false, false), (1, Some(37040.0)));
        assert_eq!(rc(18, 2, true, true, true), (0, None));
        assert_eq!(rc(20, 2, false, false, false), (11, Some(7.5)));
        assert_eq!(rc(21, 2, false, false, false), (10, Some(25.0)));
        assert_eq!(rc(22, 2, false, false, false), (0, None));
        assert_eq!(position_integrity(19, 2, NicSupplements::default()), None);
        assert_eq!(position_integrity(4, 2, NicSupplements::default()), None);
    }

    #[test]
    fn version_2_surface_table() {
        assert_eq!(rc(5, 2, false, false, false), (11, Some(7.5)));
        assert_eq!(rc(6, 2, false, false, false), (10, Some(25.0)));
        assert_eq!(rc(7, 2, true, false, false), (9, Some(75.0)));
        assert_eq!(rc(7, 2, false, false, false), (8, Some(185.2)));
        assert_eq!(rc(8, 2, true, false, true), (7, Some(370.4)));
        assert_eq!(rc(8, 2, true, false, false).1.unwrap().round(), 556.0);
        assert_eq!(rc(8, 2, false, false, true).1.unwrap().round(), 1111.0);
        assert_eq!(rc(8, 2, false, false, false), (0, None));
    }

    #[test]
    fn version_1_uses_one_supplement_and_version_0_none() {
        // Doc 9871 §B.2.3.10.6 (version 1): TC 11/13/16 with the supplement set.
        assert_eq!(rc(11, 1, true, false, false), (9, Some(75.0)));
        assert_eq!(rc(13, 1, true, false, false).1.unwrap().round(), 1111.0);
        assert_eq!(rc(16, 1, true, false, false), (3, Some(7408.0)));
        assert_eq!(rc(8, 1, true, false, true), (0, None));
        // Version 0 ignores supplements.
        assert_eq!(rc(11, 0, true, true, true), (8, Some(185.2)));
    }

    #[test]
    fn nucp_from_type_code() {
        // pyModeS tests: 8D40058B58C901375147EFD09357 (TC 11) has NUCp 7.
        let n = Nucp::from_type_code(11).unwrap();
        assert_eq!((n.nucp, n.hpl_m, n.rc_m), (7, Some(185.2), Some(92.6)));
        assert_eq!(Nucp::from_type_code(9).unwrap().nucp, 9);
        assert_eq!(Nucp::from_type_code(18).unwrap().hpl_m, None);
        assert_eq!(Nucp::from_type_code(5).unwrap().nucp, 9);
        assert_eq!(Nucp::from_type_code(8).unwrap().nucp, 6);
        assert_eq!(Nucp::from_type_code(19), None);
    }

    #[test]
    fn accuracy_bounds() {
        assert_eq!(nac_p_epu_m(0), None);
        assert_eq!(nac_p_epu_m(9), Some(30.0));
        assert_eq!(nac_p_epu_m(11), Some(3.0));
        assert_eq!(nac_p_epu_m(12), None);
        assert_eq!(nac_v_hfom_mps(2), Some(3.0));
        assert_eq!(nac_v_hfom_mps(5), None);
    }
}
