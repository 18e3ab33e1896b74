//! Offline enrichment: what an ICAO address, a registration, a callsign and a type say about
//! an aircraft, with no network at run time.
//!
//! - [`country`]: the state of registry from the address allocation of ICAO Annex 10 Vol III.
//! - [`military_block`]: the known military sub-ranges of national address blocks.
//! - [`registration_from_address`]: registrations that a state's address scheme encodes
//!   (US N-numbers, Canadian C-F/C-G, Russian RA-/RF- numbers, ...).
//! - [`aircraft_type`]: ICAO Doc 8643 type designators (description, engines, wake).
//! - [`AircraftDb`]: aircraft database files the user points to (tar1090-db, plane-alert-db)
//!   and a small built-in set for the simulator's scenario aircraft.
//! - [`classify`]: the layered military/state classification, each result naming the layer
//!   that made it; its callsign layer reads [`CallsignTable`]s (the built-in one is data,
//!   `data/callsigns.csv`, with a source per row; a user's file extends it).
//!
//! ```
//! use picket_engine::enrich::{classify, country, AircraftFacts, Class, Layer};
//! use picket_modes::Icao;
//!
//! assert_eq!(country(Icao(0xae1f01)).map(|c| c.iso2), Some("US"));
//! let facts = AircraftFacts { callsign: Some("RFF7076"), ..AircraftFacts::address(Icao(0x1514c0)) };
//! let c = classify(&facts);
//! assert_eq!((c.class, c.layer), (Class::Military, Layer::Callsign));
//! ```
//!
//! Lookups over the address tables are binary searches over sorted static ranges and never
//! allocate.

mod callsigns;
mod classify;
mod country;
mod db;
mod military;
mod registration;
mod types;

pub use callsigns::{
    builtin_callsigns, CallsignError, CallsignReport, CallsignRule, CallsignTable, BUILTIN_CALLSIGNS_CSV,
};
pub use classify::{
    callsign_rule, classify, classify_with, registration_rule, type_rule, AircraftFacts, Class,
    Classification, Layer, PatternRule, UserOverride, REGISTRATION_RULES, TYPE_RULES,
};
pub use country::{allocation, allocations, country, Allocation, Country, Holder};
pub use db::{
    AircraftDb, AircraftRecord, BuiltinAircraft, DbCategory, DbFlags, DbSource, LoadError, LoadErrorKind,
    LoadReport, SCENARIO_AIRCRAFT,
};
pub use military::{military_block, military_blocks, MilitaryBlock};
pub use registration::{address_from_registration, registration_from_address, Registration, Scheme};
pub use types::{
    aircraft_type, aircraft_types, is_helicopter, AircraftClass, EngineCount, EngineType, TypeInfo, Wake,
};
