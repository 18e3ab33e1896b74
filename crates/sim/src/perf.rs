//! Aircraft performance classes: the limits the kinematic model flies within.

/// A broad performance class, chosen from the type designator or the emitter category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerfClass {
    /// Piston or light single/twin.
    Light,
    /// Regional turboprop (ATR 72, Dash 8).
    Turboprop,
    /// Narrow-body or regional jet (A320, B737, E190).
    Jet,
    /// Wide-body or heavy transport (B777, A330, Il-76, An-124, Tu-160).
    Heavy,
    /// Fighter or other high-performance jet.
    Fighter,
}

/// Kinematic limits and typical speeds of one aircraft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    /// The class these numbers came from.
    pub class: PerfClass,
    /// Rotation speed on take-off, knots.
    pub vr_kt: f64,
    /// Final approach speed, knots.
    pub v_app_kt: f64,
    /// Cruise true airspeed, knots (ground speed with no wind).
    pub cruise_kt: f64,
    /// Typical cruise altitude, feet.
    pub cruise_alt_ft: f64,
    /// Climb rate, feet per minute (below 10,000 ft; less higher up).
    pub climb_fpm: f64,
    /// Descent rate, feet per minute.
    pub descent_fpm: f64,
    /// Airborne acceleration, knots per second.
    pub accel_kt_s: f64,
    /// Airborne deceleration, knots per second.
    pub decel_kt_s: f64,
    /// Take-off roll acceleration, knots per second.
    pub ground_accel_kt_s: f64,
    /// Braking on the landing roll, knots per second.
    pub brake_kt_s: f64,
    /// Bank limit in turns, degrees.
    pub bank_deg: f64,
    /// Roll rate, degrees per second.
    pub roll_rate_deg_s: f64,
    /// Upper bound on the turn rate whatever the bank gives (standard rate for transports).
    pub max_turn_rate_deg_s: f64,
    /// Change of vertical rate, feet per minute per second.
    pub vaccel_fpm_s: f64,
    /// Maximum speed, knots.
    pub max_kt: f64,
    /// Taxi speed, knots.
    pub taxi_kt: f64,
}

impl Performance {
    /// Typical numbers for a class.
    pub fn of_class(class: PerfClass) -> Performance {
        let p = |vr_kt,
                 v_app_kt,
                 cruise_kt,
                 cruise_alt_ft,
                 climb_fpm,
                 descent_fpm,
                 accel_kt_s,
                 ground_accel_kt_s,
                 bank_deg,
                 roll_rate_deg_s,
                 max_turn_rate_deg_s,
                 vaccel_fpm_s,
                 max_kt| Performance {
            class,
            vr_kt,
            v_app_kt,
            cruise_kt,
            cruise_alt_ft,
            climb_fpm,
            descent_fpm,
            accel_kt_s,
            decel_kt_s: accel_kt_s * 1.2,
            ground_accel_kt_s,
            brake_kt_s: 3.5,
            bank_deg,
            roll_rate_deg_s,
            max_turn_rate_deg_s,
            vaccel_fpm_s,
            max_kt,
            taxi_kt: 15.0,
        };
        match class {
            PerfClass::Light => p(
                65.0, 75.0, 150.0, 9000.0, 700.0, 700.0, 1.0, 2.5, 25.0, 10.0, 3.0, 150.0, 180.0,
            ),
            PerfClass::Turboprop => p(
                110.0, 115.0, 275.0, 22000.0, 1500.0, 1500.0, 1.0, 3.0, 25.0, 7.0, 3.0, 200.0, 300.0,
            ),
            PerfClass::Jet => p(
                145.0, 138.0, 450.0, 37000.0, 2500.0, 2300.0, 1.2, 4.0, 25.0, 6.0, 3.0, 200.0, 490.0,
            ),
            PerfClass::Heavy => p(
                155.0, 145.0, 475.0, 35000.0, 2000.0, 2200.0, 1.0, 3.5, 25.0, 5.0, 3.0, 200.0, 520.0,
            ),
            PerfClass::Fighter => p(
                160.0, 150.0, 480.0, 30000.0, 10000.0, 6000.0, 5.0, 8.0, 30.0, 30.0, 6.0, 1500.0, 650.0,
            ),
        }
    }

    /// The class of an ICAO type designator (Doc 8643), if known to this small table.
    pub fn class_of_type(designator: &str) -> Option<PerfClass> {
        const FIGHTER: &[&str] = &[
            "F22", "F35", "F15", "F16", "F18", "F18H", "F18S", "CF18", "SU27", "SU30", "SU35", "MG29",
            "MG31", "EUFI", "RFAL", "TOR", "F14", "F4", "A10", "T38",
        ];
        const HEAVY: &[&str] = &[
            "IL62", "IL76", "IL96", "A124", "A225", "T160", "TU95", "T95", "TU22", "B744", "B748", "B77W",
            "B77L", "B772", "B773", "B788", "B789", "B78X", "A332", "A333", "A339", "A359", "A35K", "A388",
            "B763", "B764", "MD11", "C17", "C5M", "K35R", "KC10", "E3TF", "A400", "B52", "B1", "C130",
        ];
        const JET: &[&str] = &[
            "A318", "A319", "A320", "A321", "A20N", "A21N", "B737", "B738", "B739", "B38M", "B39M", "B752",
            "B753", "E170", "E175", "E190", "E195", "E75L", "CRJ2", "CRJ7", "CRJ9", "BCS1", "BCS3", "MD82",
            "MD83", "T154", "T204", "SU95",
        ];
        const TURBOPROP: &[&str] = &[
            "AT72", "AT76", "AT45", "DH8A", "DH8B", "DH8C", "DH8D", "SF34", "B190", "C208", "C2",
        ];
        let d = designator.trim().to_ascii_uppercase();
        let d = d.as_str();
        if FIGHTER.contains(&d) {
            Some(PerfClass::Fighter)
        } else if HEAVY.contains(&d) {
            Some(PerfClass::Heavy)
        } else if JET.contains(&d) {
            Some(PerfClass::Jet)
        } else if TURBOPROP.contains(&d) {
            Some(PerfClass::Turboprop)
        } else {
            None
        }
    }

    /// The class implied by an ADS-B emitter category (set A), when the type is unknown.
    pub fn class_of_category(category: Category) -> PerfClass {
        match (category.set, category.code) {
            (b'A', 1) => PerfClass::Light,
            (b'A', 2) => PerfClass::Turboprop,
            (b'A', 5) => PerfClass::Heavy,
            (b'A', 6) => PerfClass::Fighter,
            _ => PerfClass::Jet,
        }
    }

    /// Climb rate at an altitude: transports climb slower as the air thins.
    pub fn climb_fpm_at(&self, alt_ft: f64) -> f64 {
        if self.class == PerfClass::Fighter {
            return self.climb_fpm;
        }
        let f = if alt_ft < 10_000.0 {
            1.0
        } else if alt_ft < 24_000.0 {
            0.8
        } else if alt_ft < 30_000.0 {
            0.6
        } else {
            0.45
        };
        self.climb_fpm * f
    }

    /// Default speed at an altitude: 250 kt below 10,000 ft (the usual limit), rising to cruise.
    pub fn schedule_kt(&self, alt_ft: f64) -> f64 {
        let low = self.cruise_kt.min(250.0);
        if alt_ft < 10_000.0 {
            return low;
        }
        let top = self.cruise_alt_ft.max(11_000.0);
        let f = ((alt_ft - 10_000.0) / (top - 10_000.0)).clamp(0.0, 1.0);
        let start = self.cruise_kt.min(300.0);
        start + (self.cruise_kt - start) * f
    }
}

/// ADS-B emitter category: set (A-D) and code (0-7), as `A5` is "heavy".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Set letter, b'A' to b'D'.
    pub set: u8,
    /// Code 0-7 within the set.
    pub code: u8,
}

impl Category {
    /// Parses `A0`..`D7`.
    pub fn parse(text: &str) -> Option<Category> {
        let b = text.trim().as_bytes();
        match b {
            [s @ b'A'..=b'D', c @ b'0'..=b'7'] => Some(Category {
                set: *s,
                code: c - b'0',
            }),
            [s @ b'a'..=b'd', c @ b'0'..=b'7'] => Some(Category {
                set: s.to_ascii_uppercase(),
                code: c - b'0',
            }),
            _ => None,
        }
    }

    /// The ADS-B type code carrying this set in identification messages (A=4, B=3, C=2, D=1).
    pub fn type_code(self) -> u8 {
        match self.set {
            b'A' => 4,
            b'B' => 3,
            b'C' => 2,
            _ => 1,
        }
    }

    /// The usual category of a performance class.
    pub fn of_class(class: PerfClass) -> Category {
        let code = match class {
            PerfClass::Light => 1,
            PerfClass::Turboprop => 2,
            PerfClass::Jet => 3,
            PerfClass::Heavy => 5,
            PerfClass::Fighter => 6,
        };
        Category { set: b'A', code }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.set as char, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_categories() {
        assert_eq!(Performance::class_of_type("f22"), Some(PerfClass::Fighter));
        assert_eq!(Performance::class_of_type("A124"), Some(PerfClass::Heavy));
        assert_eq!(Performance::class_of_type("ZZZZ"), None);
        let cat = Category::parse("A5").unwrap();
        assert_eq!(cat.type_code(), 4);
        assert_eq!(cat.to_string(), "A5");
        assert_eq!(Performance::class_of_category(cat), PerfClass::Heavy);
        assert_eq!(Category::parse("E1"), None);
        let jet = Performance::of_class(PerfClass::Jet);
        assert_eq!(jet.schedule_kt(5000.0), 250.0);
        assert_eq!(jet.schedule_kt(40_000.0), 450.0);
        assert!(jet.climb_fpm_at(35_000.0) < jet.climb_fpm_at(5000.0));
    }
}
