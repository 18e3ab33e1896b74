//! Compact Position Reporting: the pure math of DO-260B Appendix A §A.1.7 (also ICAO
//! Doc 9871 and Annex 10 Vol IV), with no aircraft state.
//!
//! A position is sent as a pair of counts (`lat_cpr`, `lon_cpr`) that locate it inside a
//! latitude zone and a longitude zone, in one of two alternating zone layouts: even (60
//! latitude zones per 360°) and odd (59). One report alone is ambiguous; an even/odd pair
//! decodes globally, and one report decodes locally against a reference position within
//! half a zone. Three resolutions exist:
//!
//! | format   | zone size (even) | transmitted bits | decode functions                  |
//! |----------|------------------|------------------|-----------------------------------|
//! | airborne | 6°               | 17               | [`decode_global_airborne`], [`decode_local_airborne`] |
//! | surface  | 1.5°             | 17 (of 19)       | [`decode_global_surface`], [`decode_local_surface`]   |
//! | coarse   | 6°               | 12 (TIS-B)       | [`decode_global_coarse`], [`decode_local_coarse`]     |
//!
//! The number of longitude zones, NL(lat), comes from a table of the 58 latitudes where it
//! changes (no trigonometry at run time); a test checks the table against the closed form.
//!
//! ```
//! use picket_modes::cpr::{self, CprParity, LatLon};
//! let here = LatLon { lat: 52.2572, lon: 3.9194 };
//! let even = cpr::encode_airborne(here, CprParity::Even);
//! let odd = cpr::encode_airborne(here, CprParity::Odd);
//! let back = cpr::decode_global_airborne(even, odd, CprParity::Odd).unwrap();
//! assert!((back.lat - here.lat).abs() < 1e-4 && (back.lon - here.lon).abs() < 1e-4);
//! ```

use std::fmt;

/// Number of latitude zones between the equator and a pole (DO-260B §A.1.7).
pub const NZ: u32 = 15;

/// The latitudes (degrees, ascending) at which NL drops by one: entry `k` is where NL goes
/// from `59 - k` to `58 - k` (DO-260B §A.1.7: the table of transition latitudes).
///
/// Computed as `acos(sqrt((1 - cos(π / (2·NZ))) / (1 - cos(2π / NL)))) · 180 / π` for
/// NL = 59 down to 2; `nl_table_matches_closed_form` re-derives every entry.
const NL_TRANSITIONS: [f64; 58] = [
    10.47047129996848,
    14.828174368686794,
    18.186263570713354,
    21.029394926028463,
    23.545044865570706,
    25.829247070587755,
    27.938987101219045,
    29.911356857318083,
    31.77209707681077,
    33.53993436298484,
    35.22899597796385,
    36.85025107593526,
    38.41241892412256,
    39.922566843338615,
    41.38651832260239,
    42.80914012243555,
    44.194549514192744,
    45.546267226602346,
    46.867332524987454,
    48.160391280966216,
    49.42776439255687,
    50.67150165553835,
    51.893424691687684,
    53.09516152796003,
    54.278174722729,
    55.44378444495043,
    56.59318756205918,
    57.72747353866114,
    58.84763776148457,
    59.954592766940294,
    61.04917774246351,
    62.13216659210329,
    63.20427479381928,
    64.2661652256744,
    65.31845309682089,
    66.36171008382617,
    67.39646774084667,
    68.4232202208333,
    69.44242631144024,
    70.454510749876,
    71.45986473028982,
    72.45884544728945,
    73.45177441667865,
    74.43893415725137,
    75.42056256653356,
    76.39684390794469,
    77.36789461328188,
    78.33374082922747,
    79.29428225456925,
    80.24923213280512,
    81.19801349271948,
    82.13956980510606,
    83.07199444719814,
    83.99173562980565,
    84.89166190702085,
    85.75541620944418,
    86.535369975121,
    87.0,
];

/// The number of longitude zones at a latitude, NL(lat), from 59 at the equator to 1 at
/// the poles (DO-260B §A.1.7); a binary search over the transition table.
///
/// A latitude exactly on a transition belongs to the higher latitude band (NL(87°) = 1).
/// NaN gives 59.
#[inline]
pub fn nl(lat: f64) -> u32 {
    let a = lat.abs();
    59 - NL_TRANSITIONS.partition_point(|&t| t <= a) as u32
}

/// True when `nl(lat) == n`, from the two transitions around band `n` (no search): the
/// second latitude of a pair is checked against the first one's band this way.
#[inline]
fn in_nl_band(lat: f64, n: u32) -> bool {
    let a = lat.abs();
    if a.is_nan() {
        return n == 59;
    }
    // nl(lat) = n exactly when 59 − n transitions lie at or below |lat|.
    let k = 59usize.saturating_sub(n as usize);
    let above_lower = k == 0 || NL_TRANSITIONS.get(k - 1).is_some_and(|&t| t <= a);
    let below_upper = NL_TRANSITIONS.get(k).is_none_or(|&t| t > a);
    (1..=59).contains(&n) && above_lower && below_upper
}

/// Which of the two alternating zone layouts a report uses: the F bit (0 even, 1 odd).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CprParity {
    /// F = 0: 60 latitude zones (4·NZ).
    Even,
    /// F = 1: 59 latitude zones (4·NZ − 1).
    Odd,
}

impl CprParity {
    /// From the F bit: `true` (1) is odd.
    #[inline]
    pub const fn from_bit(odd: bool) -> CprParity {
        if odd {
            CprParity::Odd
        } else {
            CprParity::Even
        }
    }

    /// The F bit: `true` (1) for odd.
    #[inline]
    pub const fn is_odd(self) -> bool {
        matches!(self, CprParity::Odd)
    }

    /// i in the standard's formulas: 0 even, 1 odd.
    #[inline]
    const fn index(self) -> u32 {
        self.is_odd() as u32
    }
}

/// One encoded position as a message carries it: the F bit and the two raw counts
/// (17 bits for airborne and surface, 12 bits for coarse TIS-B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CprPosition {
    /// Even or odd zone layout.
    pub parity: CprParity,
    /// Encoded latitude (YZ), the position inside its latitude zone.
    pub lat_cpr: u32,
    /// Encoded longitude (XZ), the position inside its longitude zone.
    pub lon_cpr: u32,
}

/// A WGS-84 position in degrees: latitude positive north, longitude positive east.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatLon {
    /// Latitude, -90..=90.
    pub lat: f64,
    /// Longitude; decoders return it in -180..180.
    pub lon: f64,
}

/// Why CPR counts gave no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CprError {
    /// The even and odd latitudes lie in bands with different NL: the aircraft crossed a
    /// longitude-zone boundary between the two reports (DO-260B §A.1.7, global decoding), or the pair is
    /// inconsistent. Wait for a fresh pair.
    ZoneMismatch,
    /// The decoded latitude falls outside -90..=90: the two reports do not belong together.
    OutOfRange,
    /// The report passed as even is odd, or the one passed as odd is even.
    ParityMismatch,
    /// A count does not fit the format's width (17 or 12 bits).
    CountTooWide,
    /// The reference position is not finite or its latitude is outside -90..=90.
    BadReference,
}

impl fmt::Display for CprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CprError::ZoneMismatch => "even and odd reports lie in different longitude-zone bands",
            CprError::OutOfRange => "decoded latitude is outside -90..90",
            CprError::ParityMismatch => "the even/odd arguments have the wrong parity",
            CprError::CountTooWide => "a CPR count is wider than the format allows",
            CprError::BadReference => "the reference position is not a valid position",
        })
    }
}

impl std::error::Error for CprError {}

/// The constants of one CPR resolution.
#[derive(Clone, Copy)]
struct Format {
    /// Width of the transmitted counts.
    bits: u32,
    /// Width used when encoding (19 for surface, DO-260B §A.1.7 encoding: Nb = 19, then the 17
    /// low bits are sent).
    encode_bits: u32,
    /// Degrees spanned by the 4·NZ − i latitude zones when decoding: 360, or 90 for surface.
    span: f64,
}

const AIRBORNE: Format = Format {
    bits: 17,
    encode_bits: 17,
    span: 360.0,
};
const SURFACE: Format = Format {
    bits: 17,
    encode_bits: 19,
    span: 90.0,
};
const COARSE: Format = Format {
    bits: 12,
    encode_bits: 12,
    span: 360.0,
};

/// MOD(x, y) of the standard: x − y·⌊x / y⌋, always in [0, y) for y > 0.
#[inline]
fn modulo(x: f64, y: f64) -> f64 {
    x - y * floor(x / y)
}

/// Brings a longitude into -180..180.
#[inline]
fn normalise_lon(lon: f64) -> f64 {
    lon - floor((lon + 180.0) / 360.0) * 360.0
}

/// Encodes with the airborne format: 17-bit counts (DO-260B §A.1.7 encoding, Nb = 17).
///
/// Latitudes are clamped to -90..=90; a non-finite coordinate is treated as 0.
pub fn encode_airborne(pos: LatLon, parity: CprParity) -> CprPosition {
    encode(AIRBORNE, pos, parity)
}

/// Encodes with the surface format: counts computed at 19 bits over the airborne zones,
/// of which the 17 low bits are sent (DO-260B §A.1.7 encoding, Nb = 19).
///
/// This equals a 17-bit encoding over zones four times smaller (1.5° latitude zones),
/// which is how the surface decoders read it.
pub fn encode_surface(pos: LatLon, parity: CprParity) -> CprPosition {
    encode(SURFACE, pos, parity)
}

/// Encodes with the 12-bit format of coarse TIS-B airborne positions (DO-260B §A.1.7
/// encoding, Nb = 12).
pub fn encode_coarse(pos: LatLon, parity: CprParity) -> CprPosition {
    encode(COARSE, pos, parity)
}

fn encode(format: Format, pos: LatLon, parity: CprParity) -> CprPosition {
    let lat = if pos.lat.is_finite() {
        pos.lat.clamp(-90.0, 90.0)
    } else {
        0.0
    };
    let lon = if pos.lon.is_finite() { pos.lon } else { 0.0 };
    let i = f64::from(parity.index());
    let scale = f64::from(1u32 << format.encode_bits);
    // Encoding always works over the 360° layout; Nb carries the surface refinement.
    let dlat = 360.0 / (60.0 - i);
    let yz = (scale * modulo(lat, dlat) / dlat + 0.5).floor();
    // The latitude the receiver will decode, which picks the longitude zone size.
    let rlat = dlat * (yz / scale + (lat / dlat).floor());
    let zones = f64::from(nl(rlat)) - i;
    let dlon = if zones > 0.0 { 360.0 / zones } else { 360.0 };
    let xz = (scale * modulo(lon, dlon) / dlon + 0.5).floor();
    let mask = (1u32 << format.bits) - 1;
    CprPosition {
        parity,
        lat_cpr: (yz as u32) & mask,
        lon_cpr: (xz as u32) & mask,
    }
}

/// Checks the pair's parities and widths.
fn check_pair(format: Format, even: CprPosition, odd: CprPosition) -> Result<(), CprError> {
    if even.parity != CprParity::Even || odd.parity != CprParity::Odd {
        return Err(CprError::ParityMismatch);
    }
    let limit = 1u32 << format.bits;
    if even.lat_cpr >= limit || even.lon_cpr >= limit || odd.lat_cpr >= limit || odd.lon_cpr >= limit {
        return Err(CprError::CountTooWide);
    }
    Ok(())
}

fn check_reference(reference: LatLon) -> Result<(), CprError> {
    if reference.lat.is_finite() && reference.lon.is_finite() && reference.lat.abs() <= 90.0 {
        Ok(())
    } else {
        Err(CprError::BadReference)
    }
}

/// The two candidate latitudes of a pair, each in [0, span), from the latitude index j
/// (DO-260B §A.1.7, global decoding). j is computed in integers, so it is exact.
#[inline(always)]
fn global_latitudes(format: Format, even: CprPosition, odd: CprPosition) -> (f64, f64) {
    let scale = 1i64 << format.bits;
    let (yz0, yz1) = (i64::from(even.lat_cpr), i64::from(odd.lat_cpr));
    // Floor division by a power of two: an arithmetic shift.
    let j = (59 * yz0 - 60 * yz1 + scale / 2) >> format.bits;
    // 1/scale is a power of two, so the product is exactly the quotient.
    let per_count = 1.0 / scale as f64;
    let rlat0 = format.span / 60.0 * (j.rem_euclid(60) as f64 + yz0 as f64 * per_count);
    let rlat1 = format.span / 59.0 * (j.rem_euclid(59) as f64 + yz1 as f64 * per_count);
    (rlat0, rlat1)
}

/// `x.floor()`, bit for bit (negative zero, NaN and infinities included), without the
/// library call that `f64::floor` compiles to on the baseline x86-64 target (it lacks
/// SSE4.1's `roundsd`): about 6 instructions instead of 25.
///
/// ```
/// use picket_modes::cpr::floor;
/// for x in [-2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.5, 1e300, -1e300, 4503599627370495.5] {
///     assert_eq!(floor(x).to_bits(), x.floor().to_bits());
/// }
/// assert!(floor(f64::NAN).is_nan());
/// ```
#[inline(always)]
pub fn floor(x: f64) -> f64 {
    // Below 2^52 in magnitude a value may have a fraction, and fits an i64; at or above
    // it (and for NaN, which fails the comparison, and the infinities) it is its own floor.
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64 as f64;
        if t > x {
            t - 1.0
        } else if t == x {
            x
        } else {
            t
        }
    } else {
        x
    }
}

/// The longitude in [0, span) of the most recent report, given the common NL
/// (DO-260B §A.1.7, global decoding).
#[inline(always)]
fn global_longitude(format: Format, even: CprPosition, odd: CprPosition, latest: CprParity, nl: u32) -> f64 {
    let scale = 1i64 << format.bits;
    let (xz0, xz1) = (i64::from(even.lon_cpr), i64::from(odd.lon_cpr));
    let nl = i64::from(nl);
    let m = (xz0 * (nl - 1) - xz1 * nl + scale / 2) >> format.bits;
    let i = i64::from(latest.index());
    let zones = (nl - i).max(1);
    let xz = if latest.is_odd() { xz1 } else { xz0 };
    format.span / zones as f64 * (m.rem_euclid(zones) as f64 + xz as f64 * (1.0 / scale as f64))
}

/// Global airborne decode from an even/odd pair; `latest` names the more recent report,
/// whose position is returned (DO-260B §A.1.7, globally unambiguous airborne decoding).
///
/// The pair must be no more than about 10 s apart for the answer to be right; the caller
/// owns that rule. Fails with [`CprError::ZoneMismatch`] when the two latitudes fall in
/// bands with different NL.
pub fn decode_global_airborne(
    even: CprPosition,
    odd: CprPosition,
    latest: CprParity,
) -> Result<LatLon, CprError> {
    decode_global_360(AIRBORNE, even, odd, latest)
}

/// Global decode of a coarse TIS-B pair (12-bit counts, airborne zones).
pub fn decode_global_coarse(
    even: CprPosition,
    odd: CprPosition,
    latest: CprParity,
) -> Result<LatLon, CprError> {
    decode_global_360(COARSE, even, odd, latest)
}

#[inline(always)]
fn decode_global_360(
    format: Format,
    even: CprPosition,
    odd: CprPosition,
    latest: CprParity,
) -> Result<LatLon, CprError> {
    check_pair(format, even, odd)?;
    let (mut rlat0, mut rlat1) = global_latitudes(format, even, odd);
    // Latitudes in the upper quarter of the circle are the southern hemisphere.
    if rlat0 >= 270.0 {
        rlat0 -= 360.0;
    }
    if rlat1 >= 270.0 {
        rlat1 -= 360.0;
    }
    if rlat0.abs() > 90.0 || rlat1.abs() > 90.0 {
        return Err(CprError::OutOfRange);
    }
    let nl0 = nl(rlat0);
    if !in_nl_band(rlat1, nl0) {
        return Err(CprError::ZoneMismatch);
    }
    let lat = if latest.is_odd() { rlat1 } else { rlat0 };
    let lon = global_longitude(format, even, odd, latest, nl0);
    Ok(LatLon {
        lat,
        lon: normalise_lon(lon),
    })
}

/// Global surface decode from an even/odd pair, `latest` being the more recent report
/// (DO-260B §A.1.7, globally unambiguous surface decoding).
///
/// Surface zones span 90°, so a pair has two latitude solutions (north and south) and four
/// longitude solutions 90° apart; the ones nearest `reference` are chosen (the receiver's
/// position, or the aircraft's last known one). The reference must be within 45° of the
/// aircraft in both latitude and longitude. At the poles and the equator, which encode
/// alike, a reference beyond 45° north or south picks the pole.
pub fn decode_global_surface(
    even: CprPosition,
    odd: CprPosition,
    latest: CprParity,
    reference: LatLon,
) -> Result<LatLon, CprError> {
    check_pair(SURFACE, even, odd)?;
    check_reference(reference)?;
    let (rlat0, rlat1) = global_latitudes(SURFACE, even, odd);
    let rlat0 = nearest_hemisphere(rlat0, reference.lat);
    let rlat1 = nearest_hemisphere(rlat1, reference.lat);
    let nl0 = nl(rlat0);
    if !in_nl_band(rlat1, nl0) {
        return Err(CprError::ZoneMismatch);
    }
    let lat = if latest.is_odd() { rlat1 } else { rlat0 };
    let lon = global_longitude(SURFACE, even, odd, latest, nl0);
    // Move by whole quadrants towards the reference, then normalise.
    let lon = lon + ((reference.lon - lon + 45.0) / 90.0).floor() * 90.0;
    Ok(LatLon {
        lat,
        lon: normalise_lon(lon),
    })
}

/// Picks between a northern-hemisphere surface latitude in [0, 90) and its southern twin
/// (90° less) by the reference latitude.
fn nearest_hemisphere(rlat: f64, ref_lat: f64) -> f64 {
    if rlat == 0.0 {
        // -90, 0 and +90 all encode to zero.
        if ref_lat < -45.0 {
            -90.0
        } else if ref_lat > 45.0 {
            90.0
        } else {
            0.0
        }
    } else if rlat - ref_lat > 45.0 {
        rlat - 90.0
    } else {
        rlat
    }
}

/// Local airborne decode of one report against a reference position within half a zone
/// (about 180 NM) of the aircraft (DO-260B §A.1.7, locally unambiguous decoding).
///
/// Any answer is returned: whether the reference was close enough is for the caller to
/// judge (a range check against the receiver, or the distance from the last position).
pub fn decode_local_airborne(pos: CprPosition, reference: LatLon) -> Result<LatLon, CprError> {
    decode_local(AIRBORNE, pos, reference)
}

/// Local surface decode against a reference within half a zone (about 45 NM)
/// (DO-260B §A.1.7, locally unambiguous decoding).
pub fn decode_local_surface(pos: CprPosition, reference: LatLon) -> Result<LatLon, CprError> {
    decode_local(SURFACE, pos, reference)
}

/// Local decode of a coarse TIS-B report (12-bit counts, airborne zones).
pub fn decode_local_coarse(pos: CprPosition, reference: LatLon) -> Result<LatLon, CprError> {
    decode_local(COARSE, pos, reference)
}

fn decode_local(format: Format, pos: CprPosition, reference: LatLon) -> Result<LatLon, CprError> {
    check_reference(reference)?;
    let limit = 1u32 << format.bits;
    if pos.lat_cpr >= limit || pos.lon_cpr >= limit {
        return Err(CprError::CountTooWide);
    }
    let scale = f64::from(limit);
    let i = pos.parity.index();
    let dlat = format.span / f64::from(60 - i);
    let yz = f64::from(pos.lat_cpr) / scale;
    let j = (reference.lat / dlat).floor() + (0.5 + modulo(reference.lat, dlat) / dlat - yz).floor();
    let lat = dlat * (j + yz);
    if lat.abs() > 90.0 {
        return Err(CprError::OutOfRange);
    }
    let zones = nl(lat).saturating_sub(i);
    let dlon = if zones > 0 {
        format.span / f64::from(zones)
    } else {
        format.span
    };
    let xz = f64::from(pos.lon_cpr) / scale;
    let m = (reference.lon / dlon).floor() + (0.5 + modulo(reference.lon, dlon) / dlon - xz).floor();
    Ok(LatLon {
        lat,
        lon: normalise_lon(dlon * (m + xz)),
    })
}

/// A small deterministic generator for property tests (SplitMix64), shared by the tests
/// of this crate's wire modules.
#[cfg(test)]
pub(crate) mod test_rng {
    /// SplitMix64: tiny, fast, and good enough to spread test inputs.
    #[derive(Debug, Clone)]
    pub(crate) struct Rng(u64);

    impl Rng {
        pub(crate) fn new(seed: u64) -> Rng {
            Rng(seed)
        }

        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        pub(crate) fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Uniform in [lo, hi).
        pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.unit()
        }

        /// `bits` random bits, right-aligned.
        pub(crate) fn bits(&mut self, bits: u32) -> u64 {
            if bits == 0 {
                0
            } else {
                self.next_u64() >> (64 - bits)
            }
        }

        pub(crate) fn bool(&mut self) -> bool {
            self.next_u64() >> 63 == 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_rng::Rng;
    use super::*;

    /// `floor` is `f64::floor` bit for bit: random bit patterns (every exponent, NaNs and
    /// infinities among them), values around integers and the 2^52 boundary.
    #[test]
    fn floor_is_the_library_floor_bit_for_bit() {
        let mut rng = Rng::new(7);
        let mut xs: Vec<f64> = (0..200_000).map(|_| f64::from_bits(rng.next_u64())).collect();
        xs.extend((0..200_000).map(|_| rng.range(-1e6, 1e6)));
        for k in [0.0f64, 1.0, 2.0, 179.0, 180.0, 4_503_599_627_370_496.0, 9.3e18] {
            for x in [k, -k] {
                xs.extend([x, x.next_up(), x.next_down()]);
            }
        }
        xs.extend([
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
        ]);
        for x in xs {
            let (got, want) = (floor(x), x.floor());
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{x:e}: {got:e} against {want:e}"
            );
        }
    }

    #[test]
    fn in_nl_band_agrees_with_nl_everywhere() {
        let mut lats: Vec<f64> = (-90_000..=90_000).map(|i| f64::from(i) * 0.001).collect();
        for &t in &NL_TRANSITIONS {
            for l in [t, -t] {
                lats.extend([l, l.next_up(), l.next_down()]);
            }
        }
        lats.push(f64::NAN);
        for lat in lats {
            for n in 0..=60 {
                assert_eq!(in_nl_band(lat, n), nl(lat) == n, "lat {lat} n {n}");
            }
        }
    }

    /// Closed-form NL (DO-260B §A.1.7), with trigonometry: the reference for the table.
    fn nl_closed_form(lat: f64) -> u32 {
        let lat = lat.abs();
        if lat == 0.0 {
            return 59;
        }
        if lat >= 87.0 {
            return 1;
        }
        let nz = f64::from(NZ);
        let a = 1.0 - (std::f64::consts::PI / (2.0 * nz)).cos();
        let b = lat.to_radians().cos().powi(2);
        (2.0 * std::f64::consts::PI / (1.0 - a / b).acos()).floor() as u32
    }

    #[test]
    fn nl_table_matches_closed_form() {
        let nz = f64::from(NZ);
        let a = 1.0 - (std::f64::consts::PI / (2.0 * nz)).cos();
        for (k, &t) in NL_TRANSITIONS.iter().enumerate() {
            let zones = 59.0 - k as f64;
            let exact = (a / (1.0 - (2.0 * std::f64::consts::PI / zones).cos()))
                .sqrt()
                .acos()
                .to_degrees();
            assert!((exact - t).abs() < 1e-9, "entry {k}: {t} vs {exact}");
            // Either side of each transition, the closed form agrees with the lookup.
            assert_eq!(nl(t - 1e-7), nl_closed_form(t - 1e-7), "below {t}");
            assert_eq!(nl(t + 1e-7), nl_closed_form(t + 1e-7), "above {t}");
            assert_eq!(nl(t - 1e-7), 59 - k as u32);
            assert_eq!(nl(-(t + 1e-7)), 58 - k as u32);
        }
        let mut rng = Rng::new(7);
        for _ in 0..20_000 {
            let lat = rng.range(-90.0, 90.0);
            assert_eq!(nl(lat), nl_closed_form(lat), "lat {lat}");
        }
    }

    #[test]
    fn nl_known_values() {
        assert_eq!(nl(0.0), 59);
        assert_eq!(nl(10.47), 59);
        assert_eq!(nl(52.0), 36);
        assert_eq!(nl(-52.0), 36);
        assert_eq!(nl(86.9), 2);
        assert_eq!(nl(87.0), 1);
        assert_eq!(nl(90.0), 1);
        assert_eq!(nl(f64::NAN), 59);
    }

    fn even(lat: u32, lon: u32) -> CprPosition {
        CprPosition {
            parity: CprParity::Even,
            lat_cpr: lat,
            lon_cpr: lon,
        }
    }

    fn odd(lat: u32, lon: u32) -> CprPosition {
        CprPosition {
            parity: CprParity::Odd,
            lat_cpr: lat,
            lon_cpr: lon,
        }
    }

    fn close(got: LatLon, lat: f64, lon: f64) -> bool {
        (got.lat - lat).abs() < 1e-6 && (got.lon - lon).abs() < 1e-6
    }

    // Literal cases transcribed from flightaware/dump1090 cprtests (the CSV files in
    // ../shared/testdata/dump1090-fa_cprtests); the whole files run in `dump1090_cprtests`.

    #[test]
    fn global_airborne_known_pair() {
        // cprGlobalAirborneTests.csv row 1.
        let (e, o) = (even(80536, 9432), odd(61720, 9192));
        let got = decode_global_airborne(e, o, CprParity::Even).unwrap();
        assert!(close(got, 51.686646, 0.700156), "{got:?}");
        let got = decode_global_airborne(e, o, CprParity::Odd).unwrap();
        assert!(close(got, 51.686763, 0.701294), "{got:?}");
    }

    #[test]
    fn global_surface_known_pairs() {
        let (e, o) = (even(105730, 9259), odd(29693, 8997));
        // cprGlobalSurfaceTests.csv: reference (52, -130) picks the -90..0 quadrant.
        let got = decode_global_surface(
            e,
            o,
            CprParity::Even,
            LatLon {
                lat: 52.0,
                lon: -130.0,
            },
        )
        .unwrap();
        assert!(close(got, 52.209984, -89.823399), "{got:?}");
        // Reference (7, 0) picks the southern hemisphere.
        let got = decode_global_surface(e, o, CprParity::Odd, LatLon { lat: 7.0, lon: 0.0 }).unwrap();
        assert!(close(got, -37.790024, 0.134299), "{got:?}");
        // Reference (140, ...) wraps across the antimeridian.
        let got = decode_global_surface(
            e,
            o,
            CprParity::Odd,
            LatLon {
                lat: 52.0,
                lon: 140.0,
            },
        )
        .unwrap();
        assert!(close(got, 52.209976, -179.823493), "{got:?}");
        // All-zero counts near the south pole.
        let got = decode_global_surface(
            even(0, 0),
            odd(0, 0),
            CprParity::Even,
            LatLon {
                lat: -46.0,
                lon: -180.0,
            },
        )
        .unwrap();
        assert!(close(got, -90.0, -180.0), "{got:?}");
    }

    #[test]
    fn local_known_reports() {
        // cprRelativeTests.csv: odd airborne against (48.7, 0); even surface against (52, -1.05).
        let got = decode_local_airborne(odd(61720, 9192), LatLon { lat: 48.7, lon: 0.0 }).unwrap();
        assert!(close(got, 51.686763, 0.701294), "{got:?}");
        let got = decode_local_surface(
            even(105730, 9259),
            LatLon {
                lat: 52.0,
                lon: -1.05,
            },
        )
        .unwrap();
        assert!(close(got, 52.209984, 0.176601), "{got:?}");
    }

    #[test]
    fn pymodes_local_references() {
        // test_vectors.jsonl rows from junzis/pyModeS tests/test_cpr.py: a local decode of
        // 8D40058B58C901375147EFD09357 (even 39848, 83951) against (49, 6) gives
        // (49.82410, 6.06785); the "numerical challenge" 8D06A15358BF17FF7D4A84B47B95
        // (odd 131006, 84612) against (30.508474576271183, 36) gives (30.50540, 33.44787).
        let got = decode_local_airborne(even(39848, 83951), LatLon { lat: 49.0, lon: 6.0 }).unwrap();
        assert!(
            (got.lat - 49.8241).abs() < 1e-4 && (got.lon - 6.06785).abs() < 1e-5,
            "{got:?}"
        );
        let got = decode_local_airborne(
            odd(131006, 84612),
            LatLon {
                lat: 30.508474576271183,
                lon: 36.0,
            },
        )
        .unwrap();
        assert!(
            (got.lat - 30.5054).abs() < 1e-4 && (got.lon - 33.44787).abs() < 1e-5,
            "{got:?}"
        );
    }

    #[test]
    fn errors_are_values() {
        let e = even(80536, 9432);
        let o = odd(61720, 9192);
        assert_eq!(
            decode_global_airborne(o, e, CprParity::Even),
            Err(CprError::ParityMismatch)
        );
        assert_eq!(
            decode_global_airborne(even(1 << 17, 0), o, CprParity::Even),
            Err(CprError::CountTooWide)
        );
        assert_eq!(
            decode_global_coarse(even(1 << 12, 0), odd(0, 0), CprParity::Even),
            Err(CprError::CountTooWide)
        );
        let bad = LatLon {
            lat: f64::NAN,
            lon: 0.0,
        };
        assert_eq!(decode_local_airborne(e, bad), Err(CprError::BadReference));
        assert_eq!(
            decode_global_surface(e, o, CprParity::Even, bad),
            Err(CprError::BadReference)
        );
        assert_eq!(
            decode_local_airborne(e, LatLon { lat: 91.0, lon: 0.0 }),
            Err(CprError::BadReference)
        );
        // A pair whose latitudes straddle an NL transition: encode either side of 52.0 N's
        // band edge (51.8934...) and pair the halves.
        let t = NL_TRANSITIONS[22];
        let e = encode_airborne(
            LatLon {
                lat: t - 0.01,
                lon: 10.0,
            },
            CprParity::Even,
        );
        let o = encode_airborne(
            LatLon {
                lat: t + 0.01,
                lon: 10.0,
            },
            CprParity::Odd,
        );
        assert_eq!(
            decode_global_airborne(e, o, CprParity::Odd),
            Err(CprError::ZoneMismatch)
        );
        // Counts that put the latitude in the forbidden 90..270 band.
        let mut found_out_of_range = false;
        for yz1 in (0..(1u32 << 17)).step_by(997) {
            if decode_global_airborne(even(0, 0), odd(yz1, 0), CprParity::Even) == Err(CprError::OutOfRange) {
                found_out_of_range = true;
                break;
            }
        }
        assert!(found_out_of_range);
    }

    /// The rows of one cprtests CSV file as numbers (header and comment columns dropped).
    fn read_cprtests(name: &str, columns: usize) -> Option<Vec<Vec<f64>>> {
        // Skipped when absent, a failure when PICKET_REQUIRE_TESTDATA=1 (crate::testdata).
        let path = crate::testdata::file(&format!("dump1090-fa_cprtests/{name}"))?;
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rows: Vec<Vec<f64>> = text
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                l.split(',')
                    .take(columns)
                    .map(|v| v.trim().parse::<f64>().expect("number"))
                    .collect()
            })
            .collect();
        assert!(!rows.is_empty(), "{name} has no rows");
        Some(rows)
    }

    fn check(result: Result<LatLon, CprError>, expected_ok: f64, lat: f64, lon: f64, what: &str) {
        if expected_ok == 0.0 {
            let got = result.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(close(got, lat, lon), "{what}: got {got:?}, want ({lat}, {lon})");
        } else {
            assert!(result.is_err(), "{what}: want an error, got {result:?}");
        }
    }

    #[test]
    fn dump1090_cprtests() {
        let c = |v: f64| v as u32;
        if let Some(rows) = read_cprtests("cprGlobalAirborneTests.csv", 10) {
            for (n, r) in rows.iter().enumerate() {
                let (e, o) = (even(c(r[0]), c(r[1])), odd(c(r[2]), c(r[3])));
                let what = format!("airborne row {n}");
                check(
                    decode_global_airborne(e, o, CprParity::Even),
                    r[4],
                    r[5],
                    r[6],
                    &what,
                );
                check(
                    decode_global_airborne(e, o, CprParity::Odd),
                    r[7],
                    r[8],
                    r[9],
                    &what,
                );
            }
        }
        if let Some(rows) = read_cprtests("cprGlobalSurfaceTests.csv", 12) {
            for (n, r) in rows.iter().enumerate() {
                let reference = LatLon { lat: r[0], lon: r[1] };
                let (e, o) = (even(c(r[2]), c(r[3])), odd(c(r[4]), c(r[5])));
                let what = format!("surface row {n}");
                check(
                    decode_global_surface(e, o, CprParity::Even, reference),
                    r[6],
                    r[7],
                    r[8],
                    &what,
                );
                check(
                    decode_global_surface(e, o, CprParity::Odd, reference),
                    r[9],
                    r[10],
                    r[11],
                    &what,
                );
            }
        }
        if let Some(rows) = read_cprtests("cprRelativeTests.csv", 9) {
            for (n, r) in rows.iter().enumerate() {
                let reference = LatLon { lat: r[0], lon: r[1] };
                let pos = CprPosition {
                    parity: CprParity::from_bit(r[4] != 0.0),
                    lat_cpr: c(r[2]),
                    lon_cpr: c(r[3]),
                };
                let result = if r[5] != 0.0 {
                    decode_local_surface(pos, reference)
                } else {
                    decode_local_airborne(pos, reference)
                };
                check(result, r[6], r[7], r[8], &format!("relative row {n}"));
            }
        }
    }

    /// Longitude difference folded into -180..180.
    fn dlon(a: f64, b: f64) -> f64 {
        normalise_lon(a - b)
    }

    /// True when an NL transition lies within `margin` degrees of `lat`.
    fn near_transition(lat: f64, margin: f64) -> bool {
        nl(lat - margin) != nl(lat + margin)
    }

    /// Random positions with extra weight on the hard places: poles, equator,
    /// antimeridian, NL transitions.
    fn interesting_position(rng: &mut Rng) -> LatLon {
        let lat = match rng.next_u64() % 6 {
            0 => rng.range(-90.0, -89.0),
            1 => rng.range(89.0, 90.0),
            2 => {
                NL_TRANSITIONS[(rng.next_u64() % 58) as usize] * if rng.bool() { 1.0 } else { -1.0 }
                    + rng.range(-1e-3, 1e-3)
            }
            3 => rng.range(-1e-3, 1e-3),
            _ => rng.range(-90.0, 90.0),
        };
        let lat = lat.clamp(-90.0, 90.0);
        let lon = match rng.next_u64() % 4 {
            0 => rng.range(179.99, 180.0) * if rng.bool() { 1.0 } else { -1.0 },
            _ => rng.range(-180.0, 180.0),
        };
        LatLon { lat, lon }
    }

    /// One quantum of the format at a latitude: (latitude degrees, longitude degrees).
    fn quantum(span: f64, bits: u32, lat: f64, parity: CprParity) -> (f64, f64) {
        let i = parity.index();
        let scale = f64::from(1u32 << bits);
        let zones = nl(lat).saturating_sub(i).max(1);
        (span / f64::from(60 - i) / scale, span / f64::from(zones) / scale)
    }

    #[test]
    fn airborne_round_trips_everywhere() {
        let mut rng = Rng::new(0xC0FFEE);
        let mut decoded = 0;
        for _ in 0..50_000 {
            let p = interesting_position(&mut rng);
            let e = encode_airborne(p, CprParity::Even);
            let o = encode_airborne(p, CprParity::Odd);
            for latest in [CprParity::Even, CprParity::Odd] {
                let (qlat, qlon) = quantum(360.0, 17, p.lat, latest);
                match decode_global_airborne(e, o, latest) {
                    Ok(got) => {
                        decoded += 1;
                        assert!((got.lat - p.lat).abs() <= qlat, "{p:?} {latest:?} -> {got:?}");
                        // Near a pole one longitude quantum is wide; allow one extra.
                        assert!(
                            dlon(got.lon, p.lon).abs() <= 2.0 * qlon,
                            "{p:?} {latest:?} -> {got:?}"
                        );
                        assert!((-180.0..180.0).contains(&got.lon));
                    }
                    Err(CprError::ZoneMismatch) => {
                        assert!(
                            near_transition(p.lat, 2.0 * qlat),
                            "{p:?}: spurious zone mismatch"
                        );
                    }
                    Err(other) => panic!("{p:?}: {other}"),
                }
                // Local decode from a reference within a degree.
                let pos = if latest.is_odd() { o } else { e };
                let reference = LatLon {
                    lat: (p.lat + rng.range(-1.0, 1.0)).clamp(-90.0, 90.0),
                    lon: p.lon + rng.range(-1.0, 1.0),
                };
                let got = decode_local_airborne(pos, reference).unwrap();
                assert!(
                    (got.lat - p.lat).abs() <= qlat,
                    "local {p:?} {reference:?} -> {got:?}"
                );
                if !near_transition(p.lat, 2.0 * qlat) {
                    assert!(
                        dlon(got.lon, p.lon).abs() <= 2.0 * qlon,
                        "local {p:?} {reference:?} -> {got:?}"
                    );
                }
            }
        }
        assert!(decoded > 99_000, "only {decoded} decoded");
    }

    #[test]
    fn surface_round_trips_everywhere() {
        let mut rng = Rng::new(0x5EED);
        for _ in 0..50_000 {
            let p = interesting_position(&mut rng);
            let e = encode_surface(p, CprParity::Even);
            let o = encode_surface(p, CprParity::Odd);
            // A receiver within 20° of the aircraft.
            let reference = LatLon {
                lat: (p.lat + rng.range(-20.0, 20.0)).clamp(-90.0, 90.0),
                lon: p.lon + rng.range(-20.0, 20.0),
            };
            for latest in [CprParity::Even, CprParity::Odd] {
                let (qlat, qlon) = quantum(90.0, 17, p.lat, latest);
                match decode_global_surface(e, o, latest, reference) {
                    Ok(got) => {
                        assert!(
                            (got.lat - p.lat).abs() <= qlat,
                            "{p:?} {reference:?} {latest:?} -> {got:?}"
                        );
                        // The poles have no longitude: any answer is right there.
                        if p.lat.abs() < 90.0 - qlat {
                            assert!(
                                dlon(got.lon, p.lon).abs() <= 2.0 * qlon,
                                "{p:?} {latest:?} -> {got:?}"
                            );
                        }
                    }
                    Err(CprError::ZoneMismatch) => assert!(near_transition(p.lat, 2.0 * qlat), "{p:?}"),
                    Err(other) => panic!("{p:?}: {other}"),
                }
                let pos = if latest.is_odd() { o } else { e };
                let near = LatLon {
                    lat: (p.lat + rng.range(-0.3, 0.3)).clamp(-90.0, 90.0),
                    lon: p.lon + rng.range(-0.3, 0.3),
                };
                let got = decode_local_surface(pos, near).unwrap();
                assert!((got.lat - p.lat).abs() <= qlat, "local {p:?} {near:?} -> {got:?}");
                if !near_transition(p.lat, 2.0 * qlat) && p.lat.abs() < 90.0 - qlat {
                    assert!(
                        dlon(got.lon, p.lon).abs() <= 2.0 * qlon,
                        "local {p:?} {near:?} -> {got:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn coarse_round_trips() {
        let mut rng = Rng::new(12);
        for _ in 0..20_000 {
            let p = interesting_position(&mut rng);
            let e = encode_coarse(p, CprParity::Even);
            let o = encode_coarse(p, CprParity::Odd);
            assert!(e.lat_cpr < 4096 && e.lon_cpr < 4096 && o.lat_cpr < 4096 && o.lon_cpr < 4096);
            let (qlat, qlon) = quantum(360.0, 12, p.lat, CprParity::Odd);
            match decode_global_coarse(e, o, CprParity::Odd) {
                Ok(got) => {
                    assert!((got.lat - p.lat).abs() <= qlat, "{p:?} -> {got:?}");
                    assert!(dlon(got.lon, p.lon).abs() <= 2.0 * qlon, "{p:?} -> {got:?}");
                }
                Err(CprError::ZoneMismatch) => assert!(near_transition(p.lat, 2.0 * qlat)),
                Err(other) => panic!("{p:?}: {other}"),
            }
            let got = decode_local_coarse(o, p).unwrap();
            assert!((got.lat - p.lat).abs() <= qlat, "local {p:?} -> {got:?}");
        }
    }

    #[test]
    fn encoding_never_panics_on_odd_input() {
        for lat in [
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            1e300,
            -1e300,
            90.0,
            -90.0,
            0.0,
        ] {
            for lon in [f64::NAN, f64::INFINITY, 1e300, -1e300, 180.0, -180.0, 540.0] {
                for parity in [CprParity::Even, CprParity::Odd] {
                    let a = encode_airborne(LatLon { lat, lon }, parity);
                    let s = encode_surface(LatLon { lat, lon }, parity);
                    let c = encode_coarse(LatLon { lat, lon }, parity);
                    assert!(a.lat_cpr < 1 << 17 && a.lon_cpr < 1 << 17);
                    assert!(s.lat_cpr < 1 << 17 && s.lon_cpr < 1 << 17);
                    assert!(c.lat_cpr < 1 << 12 && c.lon_cpr < 1 << 12);
                }
            }
        }
    }

    #[test]
    fn decoding_never_panics_on_any_counts() {
        let mut rng = Rng::new(99);
        for _ in 0..20_000 {
            let e = even(rng.bits(18) as u32, rng.bits(18) as u32);
            let o = odd(rng.bits(18) as u32, rng.bits(18) as u32);
            let r = LatLon {
                lat: rng.range(-90.0, 90.0),
                lon: rng.range(-400.0, 400.0),
            };
            for latest in [CprParity::Even, CprParity::Odd] {
                if let Ok(p) = decode_global_airborne(e, o, latest) {
                    assert!(p.lat.abs() <= 90.0 && (-180.0..180.0).contains(&p.lon));
                }
                if let Ok(p) = decode_global_surface(e, o, latest, r) {
                    assert!(p.lat.abs() <= 90.0 && (-180.0..180.0).contains(&p.lon));
                }
            }
            if let Ok(p) = decode_local_airborne(e, r) {
                assert!(p.lat.abs() <= 90.0 && (-180.0..180.0).contains(&p.lon));
            }
            let _ = decode_local_surface(o, r);
        }
    }
}
