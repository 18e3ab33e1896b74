//! What a rule looks at: an aircraft's state, its enrichment (cached per aircraft by the
//! engine) and the event at hand.

use std::borrow::Cow;

use picket_modes::Callsign;
use picket_world::events::EmergencyKind;
use picket_world::geo::LatLon;
use picket_world::zones::Zone;

use crate::enrich::{
    aircraft_type, classify_with, country, registration_from_address, AircraftClass, AircraftDb,
    AircraftFacts, Class, Classification, Country, Layer, TypeInfo, UserOverride, Wake,
};
use crate::event::{class_name, layer_name, Event};
use crate::track::{Aircraft, TrackKey};

use super::expr::{Flag, NumField, StrField};
use super::watch::{match_lists, WatchFacts, WatchHit, WatchList};
use super::RuleSet;

/// Where an enrichment value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Reported by the source of the data (an SBS or JSON input carrying `r`/`t`).
    Reported,
    /// An aircraft database record.
    AircraftDb,
    /// Computed from the address (a national registration scheme).
    Address,
}

/// Everything known about an aircraft beyond its transmissions: computed when the aircraft
/// appears and again when its callsign changes or the rules are replaced, cached by the
/// engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrichment {
    /// Country of registry from the address block (`None` for non-ICAO addresses).
    pub country: Option<&'static Country>,
    /// Military/state classification and the layer that made it.
    pub classification: Classification,
    /// Registration.
    pub registration: Option<Box<str>>,
    /// Where the registration came from.
    pub registration_source: Option<Source>,
    /// ICAO type designator (reported, else database).
    pub type_designator: Option<Box<str>>,
    /// The designator's Doc 8643 entry.
    pub type_info: Option<&'static TypeInfo>,
    /// Type description (database, else Doc 8643's model name).
    pub description: Option<Box<str>>,
    /// Operator (database).
    pub operator: Option<Box<str>>,
    /// Watch-list entries that match, in list and entry order.
    pub watch: Vec<WatchHit>,
    /// The callsign this enrichment was computed with.
    pub callsign: Option<Callsign>,
}

impl Enrichment {
    /// Computes the enrichment of an aircraft with this key and callsign, and the
    /// registration and type its data source reported, if any.
    pub fn compute(
        key: TrackKey,
        callsign: Option<Callsign>,
        reported: Reported<'_>,
        db: &AircraftDb,
        rules: &RuleSet,
    ) -> Enrichment {
        let icao = key.is_icao().then(|| key.address());
        let record = icao.and_then(|a| db.get(a));
        let cs = callsign.as_ref().map(Callsign::as_str).filter(|s| !s.is_empty());
        let user_override = icao.and_then(|a| rules.override_for(a)).map(|o| UserOverride {
            class: o.class,
            note: &o.note,
        });
        let facts = AircraftFacts {
            address: icao,
            registration: reported.registration,
            callsign: cs,
            type_designator: reported.type_designator,
            db: record,
            user_override,
        };
        let user_callsigns = (!db.callsigns().is_empty()).then(|| db.callsigns());
        let classification = classify_with(&facts, user_callsigns);
        let (registration, registration_source) =
            match (reported.registration, record.and_then(|r| r.registration)) {
                (Some(r), _) => (Some(Box::from(r)), Some(Source::Reported)),
                (None, Some(r)) => (Some(Box::from(r)), Some(Source::AircraftDb)),
                (None, None) => match icao.and_then(registration_from_address) {
                    Some(r) => (Some(Box::from(r.as_str())), Some(Source::Address)),
                    None => (None, None),
                },
            };
        let type_designator: Option<Box<str>> = reported
            .type_designator
            .or(record.and_then(|r| r.type_designator))
            .map(Box::from);
        let type_info = type_designator.as_deref().and_then(aircraft_type);
        let description = record
            .and_then(|r| r.description)
            .map(Box::from)
            .or_else(|| type_info.map(|t| Box::from(t.model)));
        let operator: Option<Box<str>> = record.and_then(|r| r.operator).map(Box::from);
        let country = icao.and_then(country);
        let mut watch = Vec::new();
        match_lists(
            rules.watchlists(),
            &WatchFacts {
                address: icao,
                registration: registration.as_deref(),
                callsign: cs,
                type_designator: type_designator.as_deref(),
                operator: operator.as_deref(),
                country: country.map(|c| c.iso2),
                military: classification.of_interest(),
            },
            &mut watch,
        );
        Enrichment {
            country,
            classification,
            registration,
            registration_source,
            type_designator,
            type_info,
            description,
            operator,
            watch,
            callsign,
        }
    }

    /// An enrichment that knows nothing (unknown class, fallback layer).
    pub fn unknown() -> Enrichment {
        Enrichment {
            country: None,
            classification: Classification {
                class: Class::Unknown,
                layer: Layer::Fallback,
                detail: Cow::Borrowed("no layer decided"),
            },
            registration: None,
            registration_source: None,
            type_designator: None,
            type_info: None,
            description: None,
            operator: None,
            watch: Vec::new(),
            callsign: None,
        }
    }

    /// Military or state.
    pub fn of_interest(&self) -> bool {
        self.classification.of_interest()
    }

    /// The first watch-list hit that is a listed aircraft seen under a new address.
    pub fn new_address(&self) -> Option<&WatchHit> {
        self.watch.iter().find(|h| h.new_address_of.is_some())
    }
}

/// Registration and type reported by the data source (SBS, JSON states), if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reported<'a> {
    /// Registration.
    pub registration: Option<&'a str>,
    /// ICAO type designator.
    pub type_designator: Option<&'a str>,
}

/// What a condition sees of the event it is asked about.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts<'a> {
    /// Event kind name (`zone_entry`, ...).
    pub kind: &'a str,
    /// Zone id or airport ident.
    pub place: Option<&'a str>,
    /// `low`, `medium`, `high`.
    pub confidence: &'a str,
    /// `started`, `updated`, `ended`.
    pub phase: &'a str,
}

impl<'a> EventFacts<'a> {
    /// The facts of an event.
    pub fn of(e: &'a Event) -> EventFacts<'a> {
        EventFacts {
            kind: e.kind.as_str(),
            place: e.zone().or(e.airport()),
            confidence: e.confidence.as_str(),
            phase: e.phase.as_str(),
        }
    }
}

/// An aircraft, its enrichment and perhaps an event, at a data time: what conditions read.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The aircraft's state.
    pub aircraft: &'a Aircraft,
    /// Its enrichment.
    pub enrichment: &'a Enrichment,
    /// Data time.
    pub now: f64,
    /// The event being judged, if any.
    pub event: Option<EventFacts<'a>>,
    /// Receiver positions (for `distance`).
    pub receivers: &'a [LatLon],
    /// The engine's zones (for `inside(...)`).
    pub zones: &'a [Zone],
    /// The rule set's watch-lists (for `watchlist`).
    pub watchlists: &'a [WatchList],
}

fn emergency_kind(a: &Aircraft) -> Option<EmergencyKind> {
    a.emergency
        .and_then(|e| EmergencyKind::from_adsb_status(e.bits()))
        .or_else(|| {
            // Squawk digits read as a decimal number, as the vocabulary expects.
            let s = a.squawk?.0;
            let dec = (s >> 9) * 1000 + ((s >> 6) & 7) * 100 + ((s >> 3) & 7) * 10 + (s & 7);
            EmergencyKind::from_squawk(dec)
        })
}

fn wake_name(w: Wake) -> &'static str {
    match w {
        Wake::Light => "L",
        Wake::LightMedium => "L/M",
        Wake::Medium => "M",
        Wake::Heavy => "H",
        Wake::Super => "J",
    }
}

impl Subject<'_> {
    /// The latest position.
    pub fn position(&self) -> Option<LatLon> {
        self.aircraft.position.as_ref().map(|p| p.latlon())
    }

    pub(crate) fn flag(&self, f: Flag) -> Option<bool> {
        let a = self.aircraft;
        let class = self.enrichment.classification.class;
        Some(match f {
            Flag::Military => class == Class::Military,
            Flag::State => class == Class::State,
            Flag::Civil => class == Class::Civil,
            Flag::OfInterest => matches!(class, Class::Military | Class::State),
            Flag::Helicopter => {
                if let Some(t) = self.enrichment.type_info {
                    matches!(t.class, AircraftClass::Helicopter | AircraftClass::Gyrocopter)
                } else {
                    // Emitter category A7: rotorcraft.
                    let c = a.category?;
                    c.as_byte() == 0xA7
                }
            }
            Flag::OnGround => a.on_ground?,
            Flag::Airborne => !a.on_ground?,
            Flag::Emergency => emergency_kind(a).is_some(),
            Flag::Watchlisted => !self.enrichment.watch.is_empty(),
            Flag::NewAddress => self.enrichment.new_address().is_some(),
            Flag::NonIcao => !a.key.is_icao(),
            Flag::Located => a.position.is_some(),
            Flag::ModeSOnly => a.kind == crate::track::AddressKind::ModeS,
        })
    }

    pub(crate) fn num(&self, f: NumField) -> Option<f64> {
        let a = self.aircraft;
        let i = |v: Option<i32>| v.map(f64::from);
        let fl = |v: Option<f32>| v.map(f64::from);
        match f {
            NumField::AltBaro => i(a.alt_baro),
            NumField::AltGeom => i(a.alt_geom),
            NumField::Altitude => i(a.alt_baro.or(a.alt_geom)),
            NumField::Gs => fl(a.gs),
            NumField::Ias => a.ias.map(f64::from),
            NumField::Tas => a.tas.map(f64::from),
            NumField::Mach => fl(a.mach),
            NumField::Track => fl(a.track),
            NumField::Heading => fl(a.true_heading.or(a.mag_heading)),
            NumField::BaroRate => i(a.baro_rate),
            NumField::GeomRate => i(a.geom_rate),
            NumField::VertRate => i(a.baro_rate.or(a.geom_rate)),
            NumField::Lat => self.position().map(|p| p.lat),
            NumField::Lon => self.position().map(|p| p.lon),
            NumField::Distance => {
                let p = self.position()?;
                self.receivers
                    .iter()
                    .map(|r| r.distance_m(p))
                    .min_by(f64::total_cmp)
            }
            NumField::Rssi => fl(a.rssi),
            NumField::Messages => Some(f64::from(a.counts.total)),
            NumField::Seen => Some(self.now - a.last_seen),
            NumField::SeenPos => a.position.as_ref().map(|p| self.now - p.time),
            NumField::Version => a.version.map(f64::from),
            NumField::NacP => a.accuracy.nac_p.map(f64::from),
            NumField::Nic => a.position.as_ref().and_then(|p| p.nic).map(f64::from),
        }
    }

    /// Whether `pred` holds for the field's value (for any of them, for multi-valued
    /// fields); `None` when the field has no value.
    pub(crate) fn any_text(&self, f: StrField, mut pred: impl FnMut(&str) -> bool) -> Option<bool> {
        let a = self.aircraft;
        let e = self.enrichment;
        let mut buf = [0u8; 7];
        let one = |v: Option<&str>, pred: &mut dyn FnMut(&str) -> bool| v.map(pred);
        match f {
            StrField::Hex => Some(pred(a.key.hex_text(&mut buf))),
            StrField::Flight => one(
                a.callsign
                    .as_ref()
                    .map(Callsign::as_str)
                    .filter(|s| !s.is_empty()),
                &mut pred,
            ),
            StrField::Squawk => {
                let s = a.squawk?.0;
                for (i, shift) in [9, 6, 3, 0].into_iter().enumerate() {
                    buf[i] = b'0' + ((s >> shift) & 7) as u8;
                }
                Some(pred(std::str::from_utf8(&buf[..4]).unwrap_or("")))
            }
            StrField::Registration => one(e.registration.as_deref(), &mut pred),
            StrField::Type => one(e.type_designator.as_deref(), &mut pred),
            StrField::Model => one(e.type_info.map(|t| t.model), &mut pred),
            StrField::Manufacturer => one(e.type_info.map(|t| t.manufacturer), &mut pred),
            StrField::Operator => one(e.operator.as_deref(), &mut pred),
            StrField::Country => one(e.country.map(|c| c.iso2), &mut pred),
            StrField::CountryName => one(e.country.map(|c| c.name), &mut pred),
            StrField::Class => Some(pred(class_name(e.classification.class))),
            StrField::Layer => Some(pred(layer_name(e.classification.layer))),
            StrField::Category => {
                let c = a.category?;
                let b = c.as_byte();
                buf[0] = b"0123456789ABCDEF"[usize::from(b >> 4)];
                buf[1] = b'0' + (b & 7);
                Some(pred(std::str::from_utf8(&buf[..2]).unwrap_or("")))
            }
            StrField::AddressKind => Some(pred(a.kind.name())),
            StrField::PositionSource => one(a.position.as_ref().map(|p| p.source.name()), &mut pred),
            StrField::EmergencyKind => one(emergency_kind(a).map(EmergencyKind::as_str), &mut pred),
            StrField::Watchlist => {
                if e.watch.is_empty() {
                    return None;
                }
                Some(e.watch.iter().any(|h| {
                    self.watchlists
                        .get(usize::from(h.list))
                        .is_some_and(|l| pred(&l.name))
                }))
            }
            StrField::Kind => one(self.event.map(|x| x.kind), &mut pred),
            StrField::Place => one(self.event.and_then(|x| x.place), &mut pred),
            StrField::Confidence => one(self.event.map(|x| x.confidence), &mut pred),
            StrField::Phase => one(self.event.map(|x| x.phase), &mut pred),
            StrField::Wake => one(e.type_info.map(|t| wake_name(t.wake)), &mut pred),
        }
    }

    /// Inside zone `index` (area and altitude band); unknown without a position, or without
    /// an altitude when the zone has a band.
    pub(crate) fn inside(&self, index: usize) -> Option<bool> {
        let z = self.zones.get(index)?;
        let p = self.position()?;
        let banded = z.floor_ft.is_some() || z.ceiling_ft.is_some();
        if banded && self.aircraft.alt_baro.is_none() {
            return if z.shape.contains(p) { None } else { Some(false) };
        }
        Some(z.contains(p, self.aircraft.alt_baro))
    }

    /// Distance to zone `index`'s boundary, 0 inside.
    pub(crate) fn zone_distance_m(&self, index: usize) -> Option<f64> {
        let z = self.zones.get(index)?;
        Some(z.signed_distance_m(self.position()?).max(0.0))
    }

    /// On watch-list `index`.
    pub(crate) fn on_list(&self, index: usize) -> bool {
        self.enrichment.watch.iter().any(|h| usize::from(h.list) == index)
    }
}
