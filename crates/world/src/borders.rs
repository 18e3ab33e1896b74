//! Country borders (Natural Earth 1:110m admin-0, public domain, via the npm package
//! `world-atlas`) and "which country is this position over".
//!
//! The 1:110m scale is coarse: coasts are accurate to a few kilometres and small islands
//! and states (Curaçao, Aruba, La Orchila, Singapore...) are missing, so the answer is
//! right over land away from coasts and `None` over the sea. Antarctica is left out.
//!
//! ```
//! use picket_world::borders::country_at;
//! assert_eq!(country_at(10.5, -66.9), Some("VE")); // Caracas
//! assert_eq!(country_at(64.8, -147.7), Some("US")); // Fairbanks
//! assert_eq!(country_at(40.0, -40.0), None); // North Atlantic
//! ```

use std::sync::OnceLock;

use crate::geo::{LatLon, MultiPolygon, Polygon, Ring};

const COUNTRIES_TSV: &str = include_str!("../data/countries.tsv");

/// A country's outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code (`VE`; `XK` for Kosovo).
    pub code: &'static str,
    /// Natural Earth's short name (`Venezuela`, `Bosnia and Herz.`).
    pub name: &'static str,
    /// The land area.
    pub shape: MultiPolygon,
}

fn parse_ring(text: &str) -> Option<Ring> {
    let mut points = Vec::new();
    for pair in text.split(' ') {
        let (lon, lat) = pair.split_once(',')?;
        points.push(LatLon::new(lat.parse().ok()?, lon.parse().ok()?));
    }
    Ring::new(&points).ok()
}

fn parse_country(line: &'static str) -> Option<Country> {
    let mut fields = line.split('\t');
    let (code, name, polys) = (fields.next()?, fields.next()?, fields.next()?);
    let mut polygons = Vec::new();
    for poly in polys.split('|') {
        let mut rings = poly.split(';').map(parse_ring);
        let exterior = rings.next()??;
        let holes = rings.collect::<Option<Vec<Ring>>>()?;
        polygons.push(Polygon { exterior, holes });
    }
    Some(Country {
        code,
        name,
        shape: MultiPolygon { polygons },
    })
}

fn parse(text: &'static str) -> (Vec<Country>, usize) {
    let mut skipped = 0;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        match parse_country(line) {
            Some(c) => out.push(c),
            None => skipped += 1,
        }
    }
    (out, skipped)
}

fn table() -> &'static (Vec<Country>, usize) {
    static TABLE: OnceLock<(Vec<Country>, usize)> = OnceLock::new();
    TABLE.get_or_init(|| parse(COUNTRIES_TSV))
}

/// All countries, sorted by code.
pub fn countries() -> &'static [Country] {
    &table().0
}

/// Lines of the embedded data that failed to parse (zero for the shipped file).
pub fn skipped_lines() -> usize {
    table().1
}

/// The country whose land contains `p`.
pub fn country_containing(p: LatLon) -> Option<&'static Country> {
    if !p.is_valid() {
        return None;
    }
    countries().iter().find(|c| c.shape.contains(p))
}

/// True when `p` is over the sea: a valid position on no country's land. At 1:110m this is
/// right more than a few kilometres off the coast; small islands are missing (over them it
/// says sea), and so is Antarctica.
///
/// ```
/// use picket_world::borders::over_sea;
/// use picket_world::geo::LatLon;
/// assert!(over_sea(LatLon::new(17.0, -66.0))); // Caribbean Sea
/// assert!(!over_sea(LatLon::new(47.4, 8.6))); // Zurich
/// ```
pub fn over_sea(p: LatLon) -> bool {
    p.is_valid() && country_containing(p).is_none()
}

/// ISO 3166-1 alpha-2 code of the country at (`lat`, `lon`); `None` over the sea.
pub fn country_at(lat: f64, lon: f64) -> Option<&'static str> {
    country_containing(LatLon::new(lat, lon)).map(|c| c.code)
}

/// The country with this ISO alpha-2 code, case-insensitive.
pub fn country(code: &str) -> Option<&'static Country> {
    countries()
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_file_parses() {
        assert_eq!(skipped_lines(), 0);
        assert!(countries().len() >= 170, "{}", countries().len());
        assert!(countries().windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(country("ve").unwrap().name, "Venezuela");
    }

    #[test]
    fn known_places() {
        let cases = [
            (10.5, -66.9, Some("VE")),  // Caracas
            (4.7, -74.1, Some("CO")),   // Bogota
            (61.2, -149.9, Some("US")), // Anchorage
            (64.5, -165.0, Some("US")), // inland of Nome
            (54.4, -110.3, Some("CA")), // Cold Lake
            (68.3, -133.5, Some("CA")), // Inuvik
            (76.4, -68.0, Some("GL")),  // inland of Thule
            (55.75, 37.6, Some("RU")),  // Moscow
            (64.7, 177.5, Some("RU")),  // Anadyr, east of 180 in Russia's far east
            (66.0, -172.0, Some("RU")), // Chukotka west of the antimeridian
            (-17.8, 178.0, Some("FJ")), // Viti Levu
            (48.85, 2.35, Some("FR")),  // Paris
            (-33.9, 151.2, Some("AU")), // Sydney
            (42.66, 21.16, Some("XK")), // Pristina
            (35.2, 33.6, Some("CY")),   // north of Nicosia (N. Cyprus merged into CY)
            (9.5, 44.0, Some("SO")),    // Hargeisa (Somaliland merged into SO)
            (0.0, -30.0, None),         // Atlantic
            (72.0, -160.0, None),       // Chukchi Sea
            (-80.0, 0.0, None),         // Antarctica is not included
        ];
        for (lat, lon, want) in cases {
            assert_eq!(country_at(lat, lon), want, "{lat},{lon}");
        }
        assert_eq!(country_at(f64::NAN, 0.0), None);
    }

    #[test]
    fn malformed_lines_are_counted() {
        let (c, skipped) = parse("AA\tA\t0,0 1,0 1,1\nBB\tB\t0,0 1,x 1,1\nCC\tC\nDD\tD\t0,0 1,0\n");
        assert_eq!(c.len(), 1);
        assert_eq!(skipped, 3);
    }
}
