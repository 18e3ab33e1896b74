//! One aircraft's state: what it is, where it is, and when each value was last heard.

use std::fmt;

use picket_modes::adsb::{Category, EmergencyState, HeadingReference};
use picket_modes::cpr::CprPosition;
use picket_modes::{Callsign, Icao, Squawk};
use picket_world::geo::LatLon;

/// The key of a track: the 24-bit address plus a flag for non-ICAO addresses.
///
/// Anonymous, self-assigned and TIS-B track-file addresses live in a space of their own:
/// such an address may equal a real ICAO address without being that aircraft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackKey(u32);

impl TrackKey {
    const NON_ICAO: u32 = 1 << 24;

    /// The key of an ICAO 24-bit address.
    pub const fn icao(address: Icao) -> TrackKey {
        TrackKey(address.0 & 0xFF_FFFF)
    }

    /// The key of a non-ICAO address (DF18 CF1/CF5, or the IMF set).
    pub const fn non_icao(address: Icao) -> TrackKey {
        TrackKey((address.0 & 0xFF_FFFF) | Self::NON_ICAO)
    }

    /// The 24-bit address.
    pub const fn address(self) -> Icao {
        Icao(self.0 & 0xFF_FFFF)
    }

    /// True for an ICAO address.
    pub const fn is_icao(self) -> bool {
        self.0 & Self::NON_ICAO == 0
    }

    /// The 25-bit value used by the index.
    pub(crate) const fn raw(self) -> u32 {
        self.0
    }
}

/// As readsb writes it: six lower-case hex digits, `~` first for a non-ICAO address.
impl TrackKey {
    /// The key as `Display` writes it (`~` before a non-ICAO address, six lower-case hex
    /// digits), into `buf` without the formatter: for paths that make one per item or row.
    pub fn hex_text(self, buf: &mut [u8; 7]) -> &str {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let a = self.address().0;
        let mut n = 0;
        if !self.is_icao() {
            buf[0] = b'~';
            n = 1;
        }
        for i in 0..6 {
            buf[n + i] = HEX[((a >> (20 - 4 * i)) & 0xF) as usize];
        }
        std::str::from_utf8(&buf[..n + 6]).unwrap_or("")
    }
}

impl fmt::Display for TrackKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_icao() {
            f.write_str("~")?;
        }
        write!(f, "{:06x}", self.address().0)
    }
}

/// What kind of address the aircraft has and how it is best heard (readsb's `type`).
///
/// Declared from the most to the least direct; an aircraft keeps the most direct kind
/// heard within the last minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressKind {
    /// ADS-B from a transponder (DF17, or DF19 military ADS-B): ICAO address.
    AdsbIcao,
    /// ADS-B from a non-transponder device with an ICAO address (DF18 CF0).
    AdsbIcaoNonTransponder,
    /// ADS-B with an anonymous or self-assigned address (DF18 CF1).
    AdsbOther,
    /// ADS-R rebroadcast of an ICAO address (DF18 CF6, IMF clear).
    AdsrIcao,
    /// ADS-R rebroadcast of a non-ICAO address (DF18 CF6, IMF set).
    AdsrOther,
    /// TIS-B report for an ICAO address (DF18 CF2/3, IMF clear).
    TisbIcao,
    /// TIS-B report for a non-ICAO address or track file (DF18 CF2/3 with IMF, CF5).
    TisbOther,
    /// Mode S only (DF11 and the surveillance replies): ICAO address, no ADS-B heard.
    ModeS,
    /// Only known from observations (SBS, JSON states) of other tools.
    Observation,
}

impl AddressKind {
    /// readsb's name for the kind (`adsb_icao`, `tisb_other`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            AddressKind::AdsbIcao => "adsb_icao",
            AddressKind::AdsbIcaoNonTransponder => "adsb_icao_nt",
            AddressKind::AdsbOther => "adsb_other",
            AddressKind::AdsrIcao => "adsr_icao",
            AddressKind::AdsrOther => "adsr_other",
            AddressKind::TisbIcao => "tisb_icao",
            AddressKind::TisbOther => "tisb_other",
            AddressKind::ModeS => "mode_s",
            AddressKind::Observation => "other",
        }
    }

    /// True when the address is an ICAO 24-bit address.
    pub const fn is_icao(self) -> bool {
        !matches!(
            self,
            AddressKind::AdsbOther | AddressKind::AdsrOther | AddressKind::TisbOther
        )
    }
}

/// Where a position came from (the field dictionary's `position_source`).
///
/// Declared from the least to the most trusted: a fresh position of a better source is
/// not overwritten by a worse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PositionSource {
    /// An observation from another tool (SBS, JSON states): never a verified position.
    Other,
    /// Multilateration.
    Mlat,
    /// TIS-B (a ground radar's track rebroadcast).
    Tisb,
    /// ADS-R (another link's ADS-B rebroadcast).
    Adsr,
    /// ADS-B, from the aircraft itself.
    Adsb,
}

impl PositionSource {
    /// Every source, least trusted first.
    pub const ALL: [PositionSource; 5] = [
        PositionSource::Other,
        PositionSource::Mlat,
        PositionSource::Tisb,
        PositionSource::Adsr,
        PositionSource::Adsb,
    ];

    /// The field dictionary's name: `adsb`, `tisb`, `adsr`, `mlat`, `other`.
    pub const fn name(self) -> &'static str {
        match self {
            PositionSource::Other => "other",
            PositionSource::Mlat => "mlat",
            PositionSource::Tisb => "tisb",
            PositionSource::Adsr => "adsr",
            PositionSource::Adsb => "adsb",
        }
    }
}

/// How a position was obtained from CPR reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PositionMethod {
    /// Global decode of an even/odd pair.
    Global,
    /// Local decode against the aircraft's last position.
    LocalAircraft,
    /// Local decode against the receiver's position.
    LocalReceiver,
    /// Given as latitude and longitude by an observation.
    Observed,
}

/// An accepted position and how good it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees, -180..180.
    pub lon: f64,
    /// Data time of the report that gave it (Unix seconds).
    pub time: f64,
    /// Where it came from.
    pub source: PositionSource,
    /// How it was decoded.
    pub method: PositionMethod,
    /// From a surface position report.
    pub surface: bool,
    /// Navigation integrity category of the report (the worse of a pair's two).
    pub nic: Option<u8>,
    /// Containment radius implied by the NIC, metres.
    pub rc_m: Option<f32>,
    /// Navigation accuracy category for position at the time (from TC 29/31).
    pub nac_p: Option<u8>,
}

impl Position {
    /// The position as a geodesy value.
    pub fn latlon(&self) -> LatLon {
        LatLon::new(self.lat, self.lon)
    }
}

/// A quantity of the state, for per-field last-seen times and change sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Field {
    /// `flight`.
    Callsign,
    /// `squawk`.
    Squawk,
    /// `category`.
    Category,
    /// `alt_baro`.
    AltBaro,
    /// `alt_geom`.
    AltGeom,
    /// `lat`/`lon`.
    Position,
    /// `gs`.
    Gs,
    /// `ias`.
    Ias,
    /// `tas`.
    Tas,
    /// `mach`.
    Mach,
    /// `track`.
    Track,
    /// `track_rate`.
    TrackRate,
    /// `roll`.
    Roll,
    /// `mag_heading`.
    MagHeading,
    /// `true_heading`.
    TrueHeading,
    /// `baro_rate`.
    BaroRate,
    /// `geom_rate`.
    GeomRate,
    /// `on_ground`.
    OnGround,
    /// `emergency`.
    Emergency,
    /// `nav_altitude_mcp`.
    NavAltitudeMcp,
    /// `nav_altitude_fms`.
    NavAltitudeFms,
    /// `nav_qnh`.
    NavQnh,
    /// `nav_heading`.
    NavHeading,
    /// `nav_modes`.
    NavModes,
    /// `version`.
    Version,
    /// The accuracy and integrity values (`nac_p`, `nac_v`, `sil`, `gva`, `sda`, ...).
    Accuracy,
}

impl Field {
    /// Number of fields.
    pub const COUNT: usize = 26;

    /// Every field, in declaration order.
    pub const ALL: [Field; Field::COUNT] = [
        Field::Callsign,
        Field::Squawk,
        Field::Category,
        Field::AltBaro,
        Field::AltGeom,
        Field::Position,
        Field::Gs,
        Field::Ias,
        Field::Tas,
        Field::Mach,
        Field::Track,
        Field::TrackRate,
        Field::Roll,
        Field::MagHeading,
        Field::TrueHeading,
        Field::BaroRate,
        Field::GeomRate,
        Field::OnGround,
        Field::Emergency,
        Field::NavAltitudeMcp,
        Field::NavAltitudeFms,
        Field::NavQnh,
        Field::NavHeading,
        Field::NavModes,
        Field::Version,
        Field::Accuracy,
    ];

    /// The field dictionary's name (docs/fields.md); `lat` stands for the position and
    /// `nac_p` for the accuracy group.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Callsign => "flight",
            Field::Squawk => "squawk",
            Field::Category => "category",
            Field::AltBaro => "alt_baro",
            Field::AltGeom => "alt_geom",
            Field::Position => "lat",
            Field::Gs => "gs",
            Field::Ias => "ias",
            Field::Tas => "tas",
            Field::Mach => "mach",
            Field::Track => "track",
            Field::TrackRate => "track_rate",
            Field::Roll => "roll",
            Field::MagHeading => "mag_heading",
            Field::TrueHeading => "true_heading",
            Field::BaroRate => "baro_rate",
            Field::GeomRate => "geom_rate",
            Field::OnGround => "on_ground",
            Field::Emergency => "emergency",
            Field::NavAltitudeMcp => "nav_altitude_mcp",
            Field::NavAltitudeFms => "nav_altitude_fms",
            Field::NavQnh => "nav_qnh",
            Field::NavHeading => "nav_heading",
            Field::NavModes => "nav_modes",
            Field::Version => "version",
            Field::Accuracy => "nac_p",
        }
    }
}

/// A set of [`Field`]s (one bit each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FieldSet(u32);

impl FieldSet {
    /// The empty set.
    pub const EMPTY: FieldSet = FieldSet(0);

    /// True when `field` is in the set.
    #[inline]
    pub const fn contains(self, field: Field) -> bool {
        self.0 & (1 << field as u32) != 0
    }

    /// Adds `field`.
    #[inline]
    pub fn insert(&mut self, field: Field) {
        self.0 |= 1 << field as u32;
    }

    /// Removes `field`.
    #[inline]
    pub fn remove(&mut self, field: Field) {
        self.0 &= !(1 << field as u32);
    }

    /// True when the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The fields in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |&f| self.contains(f))
    }
}

/// Autopilot modes (`nav_modes`), one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NavModes(pub u8);

impl NavModes {
    /// Autopilot engaged.
    pub const AUTOPILOT: u8 = 1;
    /// Vertical navigation.
    pub const VNAV: u8 = 2;
    /// Altitude hold.
    pub const ALTHOLD: u8 = 4;
    /// Approach.
    pub const APPROACH: u8 = 8;
    /// Lateral navigation.
    pub const LNAV: u8 = 16;
    /// ACAS (TCAS) operational.
    pub const TCAS: u8 = 32;

    /// The field dictionary's names of the modes set.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        const NAMES: [&str; 6] = ["autopilot", "vnav", "althold", "approach", "lnav", "tcas"];
        (0..6).filter(move |i| self.0 & (1 << i) != 0).map(|i| NAMES[i])
    }
}

/// Selected (autopilot/FMS) values.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Nav {
    /// MCP/FCU selected altitude, ft.
    pub altitude_mcp: Option<i32>,
    /// FMS selected altitude, ft.
    pub altitude_fms: Option<i32>,
    /// Altimeter setting, hPa.
    pub qnh_hpa: Option<f32>,
    /// Selected heading, degrees.
    pub heading: Option<f32>,
    /// Engaged modes.
    pub modes: Option<NavModes>,
}

/// Accuracy and integrity values from the operational status and target state messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Accuracy {
    /// NIC supplement-A (TC 31).
    pub nic_a: bool,
    /// NIC supplement-C (TC 31, surface, version 2).
    pub nic_c: bool,
    /// Navigation accuracy category, position.
    pub nac_p: Option<u8>,
    /// Navigation accuracy category, velocity.
    pub nac_v: Option<u8>,
    /// Source integrity level.
    pub sil: Option<u8>,
    /// SIL counted per sample (`true`) or per hour.
    pub sil_per_sample: Option<bool>,
    /// Geometric vertical accuracy.
    pub gva: Option<u8>,
    /// System design assurance.
    pub sda: Option<u8>,
    /// Barometric altitude cross-checked.
    pub nic_baro: Option<bool>,
}

/// Message counts: total, by downlink format, and observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Every message attached to the aircraft.
    pub total: u32,
    /// Observations (SBS, JSON states) among them.
    pub observations: u32,
    by_df: [u32; 10],
}

/// The downlink formats counted separately, in the order of `Counts::by_df`.
const COUNTED_DFS: [u8; 10] = [0, 4, 5, 11, 16, 17, 18, 19, 20, 21];

impl Counts {
    /// Messages of downlink format `df` (0 for formats that are never attached).
    pub fn df(&self, df: u8) -> u32 {
        COUNTED_DFS
            .iter()
            .position(|&d| d == df)
            .map_or(0, |i| self.by_df[i])
    }

    #[inline]
    pub(crate) fn add_df(&mut self, df: u8) {
        self.total = self.total.saturating_add(1);
        // One table look-up, not a match: the index in `by_df` of each format, or NONE.
        const NONE: u8 = u8::MAX;
        const SLOT: [u8; 32] = {
            let mut t = [NONE; 32];
            let mut i = 0;
            while i < COUNTED_DFS.len() {
                t[COUNTED_DFS[i] as usize] = i as u8;
                i += 1;
            }
            t
        };
        let i = SLOT[usize::from(df & 31)];
        if let Some(n) = self.by_df.get_mut(usize::from(i)) {
            *n = n.saturating_add(1);
        }
    }
}

/// Which CPR layout a report used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CprFormat {
    Airborne,
    Surface,
    Coarse,
}

/// One CPR report kept for pairing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CprReport {
    pub(crate) cpr: CprPosition,
    pub(crate) time: f64,
    pub(crate) format: CprFormat,
    pub(crate) source: PositionSource,
    pub(crate) nic: Option<u8>,
    pub(crate) rc_m: Option<f32>,
}

/// A ground velocity vector in knots and its speed and track (`track` NaN when the speed
/// is zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GroundVector {
    pub(crate) east_north: (i32, i32),
    pub(crate) gs: f32,
    pub(crate) track: f32,
}

impl GroundVector {
    /// A vector no report gives (components are at most ±4,088 kt).
    const NONE: GroundVector = GroundVector {
        east_north: (i32::MIN, i32::MIN),
        gs: f32::NAN,
        track: f32::NAN,
    };
}

/// The slot in `Aircraft::seen` of each [`Field`]'s last-seen time, by message kind rather
/// than in the public order: the eight times an airborne position or a ground velocity
/// report reads or writes share the array's first cache line (slots 0-7); the target state,
/// status and emergency fields the second; airspeed, heading and Comm-B fields the third;
/// identification the last.
const SEEN_SLOT: [u8; Field::COUNT] = {
    // Fields in slot order.
    const ORDER: [Field; Field::COUNT] = [
        // Positions and ground velocities.
        Field::AltBaro,
        Field::Gs,
        Field::Position,
        Field::OnGround,
        Field::Track,
        Field::BaroRate,
        Field::AltGeom,
        Field::Accuracy,
        // Target state, operational status, emergency status.
        Field::NavAltitudeMcp,
        Field::NavAltitudeFms,
        Field::NavQnh,
        Field::NavHeading,
        Field::NavModes,
        Field::Emergency,
        Field::Squawk,
        Field::Version,
        // Airspeed velocities and Comm-B registers.
        Field::MagHeading,
        Field::TrueHeading,
        Field::Ias,
        Field::Tas,
        Field::GeomRate,
        Field::Mach,
        Field::TrackRate,
        Field::Roll,
        // Identification.
        Field::Callsign,
        Field::Category,
    ];
    let mut slots = [u8::MAX; Field::COUNT];
    let mut i = 0;
    while i < Field::COUNT {
        let field = ORDER[i] as usize;
        assert!(slots[field] == u8::MAX, "a field twice in the slot order");
        slots[field] = i as u8;
        i += 1;
    }
    slots
};

/// The slot of `field`'s last-seen time (a constant wherever the field is).
#[inline(always)]
const fn seen_slot(field: Field) -> usize {
    SEEN_SLOT[field as usize] as usize
}

/// The state of one tracked aircraft.
///
/// Every value is the latest accepted one; [`Aircraft::seen`] gives when it was last heard
/// (data time), so a reader decides what is stale. Values are in the field dictionary's
/// units (docs/fields.md).
///
/// Laid out in declaration order (`repr(C)`, 64-byte aligned) by what each kind of frame
/// touches, so that one touches as few cache lines as it can (the test `layout` pins it):
/// - line 0: what every frame updates (last-seen time, counters, signal level);
/// - line 1: what every verified frame reads (the verification and kind times, the kind)
///   and the values positions and velocities share (altitude, ground speed, accuracy,
///   version, on-ground, the Comm-B marks);
/// - lines 2-5: the last-seen times, in the private slot order of [`SEEN_SLOT`] (a position
///   or a ground velocity touches line 2 only), then the rejected-position memo;
/// - line 6: the even and odd CPR reports (positions);
/// - line 7: the position and the pending altitude (positions);
/// - line 8: the velocity memo and the velocity values (velocities);
/// - then what identification, status and Comm-B frames change.
///
/// An airborne position touches lines 0, 1, 2, 6 and 7, a ground velocity lines 0, 1, 2
/// and 8, an all-call reply lines 0 and 1.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Aircraft {
    /// Data time of the latest message.
    pub last_seen: f64,
    /// Message counts.
    pub counts: Counts,
    /// Signal level, dBFS, smoothed over the last messages.
    pub rssi: Option<f32>,
    /// Data time of the last clean DF11/17/18 (or corrected DF17/18): the address is known.
    pub(crate) verified_at: f64,
    /// Data time the current `kind` was last heard.
    pub(crate) kind_seen: f64,
    /// Barometric altitude, ft.
    pub alt_baro: Option<i32>,
    /// Ground speed, kt.
    pub gs: Option<f32>,
    from_commb: FieldSet,
    /// Accuracy and integrity.
    pub accuracy: Accuracy,
    /// ADS-B version (TC 31).
    pub version: Option<u8>,
    /// Kind of address and how it is best heard.
    pub kind: AddressKind,
    /// On the ground (surface position, VS or FS).
    pub on_ground: Option<bool>,
    /// Which north the ADS-B headings refer to (magnetic until TC 31 says otherwise).
    pub(crate) heading_reference: HeadingReference,
    /// Consecutive rejected global decodes that agree with each other; 0 exactly when
    /// `suspect` is `None`.
    pub(crate) streak: u8,
    /// Address and address space.
    pub key: TrackKey,
    /// Last-seen time of each field, in [`SEEN_SLOT`] order.
    seen: [f64; Field::COUNT],
    /// The last global decode that the speed check rejected, and its time.
    pub(crate) suspect: Option<(f64, f64, f64)>,
    /// Magnetic heading, degrees.
    pub mag_heading: Option<f32>,
    /// Indicated air speed, kt.
    pub ias: Option<u16>,
    /// True air speed, kt.
    pub tas: Option<u16>,
    /// The last even and odd CPR reports.
    pub(crate) even: Option<CprReport>,
    pub(crate) odd: Option<CprReport>,
    /// Latest accepted position.
    pub position: Option<Position>,
    /// An altitude that failed the rate check, waiting for a second frame to confirm it.
    pub(crate) alt_pending: Option<(i32, f64)>,
    /// Mode A code.
    pub squawk: Option<Squawk>,
    /// ADS-B emergency/priority state.
    pub emergency: Option<EmergencyState>,
    /// The last ground velocity vector (east, north, kt) and the ground speed and track
    /// computed from it: in steady flight the next report repeats it, and the square root
    /// and arc tangent need not be computed again.
    pub(crate) ground_vector: GroundVector,
    /// True track over ground, degrees.
    pub track: Option<f32>,
    /// Barometric vertical rate, ft/min.
    pub baro_rate: Option<i32>,
    /// Geometric (GNSS) altitude, ft.
    pub alt_geom: Option<i32>,
    /// Geometric vertical rate, ft/min.
    pub geom_rate: Option<i32>,
    /// A squawk from a surveillance reply, waiting for a second reply to confirm it.
    pub(crate) squawk_pending: Option<(Squawk, f64)>,
    /// Emitter category.
    pub category: Option<Category>,
    /// Callsign.
    pub callsign: Option<Callsign>,
    /// Mach number.
    pub mach: Option<f32>,
    /// Rate of change of track, degrees/s.
    pub track_rate: Option<f32>,
    /// Roll angle, degrees (negative = left).
    pub roll: Option<f32>,
    /// True heading, degrees.
    pub true_heading: Option<f32>,
    /// Data time of the first message.
    pub first_seen: f64,
    /// Selected values.
    pub nav: Nav,
}

impl Aircraft {
    pub(crate) fn new(key: TrackKey, kind: AddressKind, time: f64) -> Aircraft {
        Aircraft {
            key,
            kind,
            first_seen: time,
            last_seen: time,
            callsign: None,
            squawk: None,
            category: None,
            alt_baro: None,
            alt_geom: None,
            position: None,
            gs: None,
            ias: None,
            tas: None,
            mach: None,
            track: None,
            track_rate: None,
            roll: None,
            mag_heading: None,
            true_heading: None,
            baro_rate: None,
            geom_rate: None,
            on_ground: None,
            emergency: None,
            nav: Nav::default(),
            version: None,
            accuracy: Accuracy::default(),
            rssi: None,
            counts: Counts::default(),
            seen: [f64::NEG_INFINITY; Field::COUNT],
            from_commb: FieldSet::EMPTY,
            verified_at: f64::NEG_INFINITY,
            kind_seen: time,
            ground_vector: GroundVector::NONE,
            heading_reference: HeadingReference::Magnetic,
            streak: 0,
            alt_pending: None,
            even: None,
            odd: None,
            squawk_pending: None,
            suspect: None,
        }
    }

    /// The 24-bit address.
    pub fn address(&self) -> Icao {
        self.key.address()
    }

    /// Data time `field` was last set, if ever.
    #[inline]
    pub fn seen(&self, field: Field) -> Option<f64> {
        let t = self.seen[seen_slot(field)];
        t.is_finite().then_some(t)
    }

    /// Seconds since `field` was last set, at data time `now`.
    pub fn age(&self, field: Field, now: f64) -> Option<f64> {
        self.seen(field).map(|t| now - t)
    }

    /// True when `field` was set no more than `max_age` seconds before `now`.
    #[inline]
    pub fn is_fresh(&self, field: Field, now: f64, max_age: f64) -> bool {
        now - self.seen[seen_slot(field)] <= max_age
    }

    /// True when the current value of `field` came from a Comm-B register (inferred from a
    /// DF20/21 reply) rather than from ADS-B or an observation.
    pub fn from_commb(&self, field: Field) -> bool {
        self.from_commb.contains(field)
    }

    /// The position, if it is no older than `max_age` seconds at `now`.
    pub fn fresh_position(&self, now: f64, max_age: f64) -> Option<&Position> {
        self.position.as_ref().filter(|p| now - p.time <= max_age)
    }

    /// Data time of the last clean DF11/17/18 from this address, if any.
    pub fn last_verified(&self) -> Option<f64> {
        let t = self.verified_at;
        t.is_finite().then_some(t)
    }

    /// Marks `field` as set at `time` from a Comm-B register or not. Returns false (and
    /// changes nothing) when the frame is older than the value, or when a Comm-B value would
    /// replace a value from a better source heard within `defer_s`.
    #[inline]
    pub(crate) fn accept(&mut self, field: Field, time: f64, commb: bool, defer_s: f64) -> bool {
        let last = self.seen[seen_slot(field)];
        if time < last {
            return false;
        }
        if commb {
            if !self.from_commb.contains(field) && time - last < defer_s {
                return false;
            }
            self.from_commb.insert(field);
        } else {
            self.from_commb.remove(field);
        }
        self.seen[seen_slot(field)] = time;
        true
    }
}

#[cfg(test)]
mod layout {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    /// The cache line (64 bytes) a field starts in, and the one its last byte is in.
    fn lines(offset: usize, size: usize) -> (usize, usize) {
        (offset / 64, (offset + size - 1) / 64)
    }

    /// The cache line of `field`'s last-seen time.
    fn seen_line(field: Field) -> usize {
        (offset_of!(Aircraft, seen) + 8 * seen_slot(field)) / 64
    }

    #[test]
    fn each_kind_of_frame_touches_few_lines() {
        assert_eq!(align_of::<Aircraft>(), 64);
        let pin = |line: usize, fields: &[(usize, usize)]| {
            for &(offset, size) in fields {
                assert_eq!(lines(offset, size), (line, line), "offset {offset} size {size}");
            }
        };
        // Line 0: every frame.
        pin(
            0,
            &[
                (offset_of!(Aircraft, last_seen), 8),
                (offset_of!(Aircraft, counts), size_of::<Counts>()),
                (offset_of!(Aircraft, rssi), size_of::<Option<f32>>()),
            ],
        );
        // Line 1: every verified frame, and the values positions and velocities share.
        pin(
            1,
            &[
                (offset_of!(Aircraft, verified_at), 8),
                (offset_of!(Aircraft, kind_seen), 8),
                (offset_of!(Aircraft, kind), 1),
                (offset_of!(Aircraft, alt_baro), 8),
                (offset_of!(Aircraft, gs), 8),
                (offset_of!(Aircraft, from_commb), 4),
                (offset_of!(Aircraft, accuracy), size_of::<Accuracy>()),
                (offset_of!(Aircraft, version), size_of::<Option<u8>>()),
                (offset_of!(Aircraft, on_ground), 1),
                (offset_of!(Aircraft, heading_reference), 1),
                (offset_of!(Aircraft, streak), 1),
            ],
        );
        // Line 2: the last-seen times a position or a ground velocity reads or writes.
        assert_eq!(offset_of!(Aircraft, seen), 128);
        for field in [
            Field::AltBaro,
            Field::AltGeom,
            Field::Gs,
            Field::Track,
            Field::BaroRate,
            Field::Position,
            Field::OnGround,
            Field::Accuracy,
        ] {
            assert_eq!(seen_line(field), 2, "{field:?}");
        }
        // Line 3: those of target states, operational and emergency status.
        for field in [
            Field::NavAltitudeMcp,
            Field::NavAltitudeFms,
            Field::NavQnh,
            Field::NavHeading,
            Field::NavModes,
            Field::Emergency,
            Field::Squawk,
            Field::Version,
        ] {
            assert_eq!(seen_line(field), 3, "{field:?}");
        }
        // Line 6: the CPR reports; line 7: the position and the pending altitude.
        let cpr = size_of::<Option<CprReport>>();
        pin(
            6,
            &[
                (offset_of!(Aircraft, even), cpr),
                (offset_of!(Aircraft, odd), cpr),
            ],
        );
        pin(
            7,
            &[
                (offset_of!(Aircraft, position), size_of::<Option<Position>>()),
                (offset_of!(Aircraft, alt_pending), size_of::<Option<(i32, f64)>>()),
            ],
        );
        // Line 8: a ground velocity's memo and values.
        pin(
            8,
            &[
                (offset_of!(Aircraft, ground_vector), size_of::<GroundVector>()),
                (offset_of!(Aircraft, track), 8),
                (offset_of!(Aircraft, baro_rate), 8),
                (offset_of!(Aircraft, alt_geom), 8),
                (offset_of!(Aircraft, geom_rate), 8),
            ],
        );
        // No bigger than before the regrouping (11 lines).
        assert!(size_of::<Aircraft>() <= 11 * 64, "{}", size_of::<Aircraft>());
    }

    #[test]
    fn every_field_has_its_own_seen_slot() {
        let mut taken = [false; Field::COUNT];
        for field in Field::ALL {
            let slot = seen_slot(field);
            assert!(!taken[slot], "{field:?} shares slot {slot}");
            taken[slot] = true;
        }
    }

    #[test]
    fn seen_times_are_per_field_whatever_the_slot_order() {
        // Each field set at its own time reads back its own time, and a field never set
        // stays unset, through the public accessors.
        let mut a = Aircraft::new(TrackKey::icao(Icao(0xABCDEF)), AddressKind::AdsbIcao, 0.0);
        for (i, field) in Field::ALL.into_iter().enumerate().skip(1) {
            assert!(a.accept(field, 100.0 + i as f64, false, 0.0));
        }
        assert_eq!(a.seen(Field::ALL[0]), None);
        for (i, field) in Field::ALL.into_iter().enumerate().skip(1) {
            assert_eq!(a.seen(field), Some(100.0 + i as f64), "{field:?}");
            assert!(a.is_fresh(field, 100.0 + i as f64, 0.0));
            assert!(!a.is_fresh(field, 101.0 + i as f64, 0.5));
        }
    }
}
