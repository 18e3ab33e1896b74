//! The names of picket's field dictionary (docs/fields.md), written once.
//!
//! Where readsb's `aircraft.json` has the quantity, the name and unit are readsb's.

/// Unix seconds UTC with fraction.
pub const TIME: &str = "time";
/// A frame, lower-case hex.
pub const FRAME: &str = "frame";
/// Signal level, dBFS.
pub const RSSI: &str = "rssi";
/// Receiver id, when not 0.
pub const RECEIVER: &str = "receiver";
/// The receiver's 12 MHz counter.
pub const CLOCK: &str = "clock";
/// The receiver's GPS time of day, seconds.
pub const GPS_TOD: &str = "gps_tod";

/// 24-bit address, 6 lower-case hex digits (`~` first when not ICAO).
pub const HEX: &str = "hex";
/// Callsign.
pub const FLIGHT: &str = "flight";
/// Barometric altitude, ft.
pub const ALT_BARO: &str = "alt_baro";
/// Geometric altitude, ft.
pub const ALT_GEOM: &str = "alt_geom";
/// Ground speed, kt.
pub const GS: &str = "gs";
/// Indicated air speed, kt.
pub const IAS: &str = "ias";
/// True air speed, kt.
pub const TAS: &str = "tas";
/// Mach number.
pub const MACH: &str = "mach";
/// True track, degrees.
pub const TRACK: &str = "track";
/// Magnetic heading, degrees.
pub const MAG_HEADING: &str = "mag_heading";
/// True heading, degrees.
pub const TRUE_HEADING: &str = "true_heading";
/// Barometric vertical rate, ft/min.
pub const BARO_RATE: &str = "baro_rate";
/// Geometric vertical rate, ft/min.
pub const GEOM_RATE: &str = "geom_rate";
/// Mode A code, four octal digits.
pub const SQUAWK: &str = "squawk";
/// Emergency state.
pub const EMERGENCY: &str = "emergency";
/// Emitter category.
pub const CATEGORY: &str = "category";
/// Latitude, degrees.
pub const LAT: &str = "lat";
/// Longitude, degrees.
pub const LON: &str = "lon";
/// On the ground.
pub const ON_GROUND: &str = "on_ground";
/// Flight status alert.
pub const ALERT: &str = "alert";
/// Special position identification.
pub const SPI: &str = "spi";
/// Navigation integrity category.
pub const NIC: &str = "nic";
/// Navigation accuracy category, position.
pub const NAC_P: &str = "nac_p";
/// Source integrity level.
pub const SIL: &str = "sil";
/// ADS-B version.
pub const VERSION: &str = "version";
/// Registration.
pub const REGISTRATION: &str = "registration";
/// ICAO type designator.
pub const TYPE: &str = "type";
/// readsb database flags.
pub const DB_FLAGS: &str = "dbFlags";

/// readsb's name for the registration.
pub const READSB_REGISTRATION: &str = "r";
/// readsb's name for the type designator (its `type` is the kind of address).
pub const READSB_TYPE: &str = "t";
/// readsb's snapshot time (aircraft.json `now`).
pub const READSB_NOW: &str = "now";
/// readsb's seconds since the aircraft was last heard.
pub const READSB_SEEN: &str = "seen";
/// readsb's list of aircraft in aircraft.json.
pub const READSB_AIRCRAFT: &str = "aircraft";
/// jet1090's time of a frame.
pub const JET1090_TIMESTAMP: &str = "timestamp";
