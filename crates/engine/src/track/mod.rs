//! The tracker: one state per aircraft from decoded frames and observations.
//!
//! [`Tracker`] is sans-IO and deterministic: every input carries its data time, and
//! [`Tracker::tick`] retires the aircraft silent for longer than the timeout at a time the
//! caller gives. The same inputs always give the same states.
//!
//! Trust rules:
//! - An aircraft is created only by a frame whose parity verifies its address: a clean
//!   DF11/17/18/19, or a DF17/18 with a repaired bit. A repaired DF11 (56 bits) attaches to a
//!   known aircraft but creates none: a one-bit repair of a short frame too often invents an
//!   address.
//! - The tracker is the [`AddressBook`] of the decoder: an address is known while it is
//!   tracked and heard in a clean DF11/17/18 (or repaired DF17/18) within
//!   [`TrackerConfig::known_window_s`]. Address/parity replies (DF0/4/5/16/20/21) attach only
//!   to known aircraft and never create one; an unverified frame changes nothing.
//! - A new squawk from a reply needs a second reply; an altitude implying more than
//!   [`TrackerConfig::max_vertical_rate_fpm`] needs a second frame; a position must pass the
//!   speed check (see the `position` module).
//! - Comm-B registers are inferred against the aircraft's known state and applied only when
//!   unambiguous, marked as Comm-B-sourced ([`Aircraft::from_commb`]); they never replace a
//!   fresh value from ADS-B.
//!
//! ```
//! use picket_engine::track::{Tracker, TrackerConfig, TrackKey};
//! use picket_modes::{Frame, Icao};
//! let mut tracker = Tracker::new(TrackerConfig::default());
//! // pyModeS tests: identification of 406B90, EZY85MH.
//! let frame = Frame::from_hex("8D406B902015A678D4D220AA4BDA").unwrap();
//! tracker.ingest_frame(1_457_996_400.0, frame, None);
//! let a = tracker.get(TrackKey::icao(Icao(0x406B90))).unwrap();
//! assert_eq!(a.callsign.unwrap().as_str(), "EZY85MH");
//! ```

mod aircraft;
mod apply;
mod index;
mod position;
mod trail;

pub use aircraft::{
    Accuracy, AddressKind, Aircraft, Counts, Field, FieldSet, Nav, NavModes, Position, PositionMethod,
    PositionSource, TrackKey,
};
pub use trail::{Trail, TrailPoint};

/// A multiply-xorshift hash for track keys: keys are 25-bit numbers chosen by nobody
/// hostile, so a DoS-resistant hash (SipHash, about a hundred instructions a look-up) only
/// costs time. The engine's and the store's maps keyed by aircraft use it.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHash(u64);

impl std::hash::Hasher for KeyHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        let x = (self.0 ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
}

/// A hash map keyed by aircraft, with [`KeyHash`].
pub type KeyMap<V> = std::collections::HashMap<TrackKey, V, std::hash::BuildHasherDefault<KeyHash>>;

use picket_modes::adsb::Me;
use picket_modes::message::{
    decode, AddressBook, ControlField, DecodeError, DecodeOptions, Decoded, Df18Body, NoAddresses,
};
use picket_modes::message::{Integrity, Message};
use picket_modes::{Frame, Icao};
use picket_receive::{Observation, ObservationSource, Received, What};
use picket_world::geo::LatLon;

use apply::Apply;
use index::AddressIndex;

/// Tracker settings. Times are seconds of data time, speeds knots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackerConfig {
    /// Retire an aircraft silent for longer than this. Default 300 s.
    pub timeout_s: f64,
    /// Values older than this are stale: a position is no longer a local-decode reference
    /// nor current, a Comm-B value may replace an ADS-B one. Default 60 s.
    pub stale_s: f64,
    /// An address stays known for address/parity replies this long after its last clean
    /// DF11/17/18. Default 300 s.
    pub known_window_s: f64,
    /// The receiver's position: the reference for surface decoding when the aircraft has
    /// no position yet, and for local decoding (see `receiver_range_nm`).
    pub receiver: Option<LatLon>,
    /// The receiver's maximum range, NM, when known. Global positions beyond it are
    /// rejected; when it is at most 180 NM (half a CPR zone), a single airborne report is
    /// decoded against the receiver's position before any pair arrives (a surface report
    /// when it is at most 45 NM).
    pub receiver_range_nm: Option<f64>,
    /// Longest time between the even and odd airborne reports of a global pair. Default 10 s.
    pub pair_window_s: f64,
    /// The same for surface reports, which are sent less often. Default 25 s.
    pub surface_pair_window_s: f64,
    /// Lowest speed bound of the airborne speed check (the check uses the larger of this
    /// and 1.5 × ground speed + 100 kt). Default 1000 kt.
    pub airborne_speed_kt: f64,
    /// Lowest speed bound of the surface speed check (the larger of this and 1.5 × ground
    /// speed + 20 kt). Default 150 kt.
    pub surface_speed_kt: f64,
    /// Fastest believable altitude change; a faster one waits for a confirming frame.
    /// Default 20,000 ft/min.
    pub max_vertical_rate_fpm: f64,
    /// Consecutive global positions that fail the speed check but agree with each other
    /// before the track is re-acquired from them. Default 4.
    pub reacquire_after: u8,
    /// Positions kept per aircraft in its trail (0: no trails). Default 0.
    pub trail_len: usize,
    /// Decoder options.
    pub decode: DecodeOptions,
    /// The same frame (identical bits) arriving from another receiver within this time is one
    /// transmission heard by several receivers: it is taken once, so it never "confirms"
    /// itself. Applies to [`Tracker::ingest`], which knows the receiver.
    /// Default 0.1 s (receivers hear one transmission within milliseconds of each other,
    /// while a transponder repeats a message no faster than every ~0.4 s). 0 turns it off.
    pub duplicate_window_s: f64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            timeout_s: 300.0,
            stale_s: 60.0,
            known_window_s: 300.0,
            receiver: None,
            receiver_range_nm: None,
            pair_window_s: 10.0,
            surface_pair_window_s: 25.0,
            airborne_speed_kt: 1000.0,
            surface_speed_kt: 150.0,
            max_vertical_rate_fpm: 20_000.0,
            reacquire_after: 4,
            trail_len: 0,
            decode: DecodeOptions::default(),
            duplicate_window_s: 0.1,
        }
    }
}

impl TrackerConfig {
    fn receiver_cpr(&self) -> Option<picket_modes::cpr::LatLon> {
        self.receiver
            .filter(|r| r.is_valid())
            .map(|r| picket_modes::cpr::LatLon {
                lat: r.lat,
                lon: r.lon,
            })
    }
}

/// What the tracker counted. Every input lands in exactly one of `updated` and the
/// `dropped_*` counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrackerStats {
    /// Mode S frames given to the tracker.
    pub frames: u64,
    /// Observations given to the tracker.
    pub observations: u64,
    /// Inputs that updated an aircraft.
    pub updated: u64,
    /// Frames the decoder refused (bad CRC, unsupported format, invalid content).
    pub dropped_decode: u64,
    /// Frames whose address is not verified (replies from unknown addresses, DF11 with an
    /// interrogator code of an unknown address).
    pub dropped_unverified: u64,
    /// Verified frames for an address with no aircraft that may not create one.
    pub dropped_untracked: u64,
    /// Frames that carry nothing about an aircraft (DF18 management, reserved).
    pub dropped_unsupported: u64,
    /// Mode A/C replies (never tracked).
    pub dropped_mode_ac: u64,
    /// Inputs with a time that is not a finite number.
    pub dropped_bad_time: u64,
    /// Frames already taken from another receiver (see [`TrackerConfig::duplicate_window_s`]).
    pub dropped_duplicate: u64,
    /// Aircraft created.
    pub created: u64,
    /// Aircraft retired by `tick`.
    pub retired: u64,
    /// Positions accepted from global pairs.
    pub positions_global: u64,
    /// Positions accepted from local decodes.
    pub positions_local: u64,
    /// Positions accepted from observations.
    pub positions_observed: u64,
    /// Global positions that failed the speed check.
    pub positions_rejected_global: u64,
    /// Local positions that failed the speed check.
    pub positions_rejected_local: u64,
    /// Observed positions that failed the checks.
    pub positions_rejected_observed: u64,
    /// Positions ignored because a fresh one from a better source stands.
    pub positions_outranked: u64,
    /// Tracks re-acquired from agreeing global positions after the speed check refused them.
    pub reacquired: u64,
    /// CPR pairs that gave no position (zone mismatch, out of range).
    pub cpr_errors: u64,
    /// Surface pairs with no reference position to decode against.
    pub cpr_no_reference: u64,
    /// Global positions beyond the receiver's range.
    pub cpr_out_of_range: u64,
    /// Position reports older than the current position.
    pub out_of_order: u64,
    /// Altitudes held back by the vertical rate check.
    pub altitude_rejected: u64,
    /// Reply squawks waiting for confirmation.
    pub squawk_unconfirmed: u64,
    /// Comm-B replies with exactly one fitting register, applied.
    pub commb_applied: u64,
    /// Comm-B replies with several fitting registers, not applied.
    pub commb_ambiguous: u64,
    /// Comm-B replies that fit no known register.
    pub commb_unknown: u64,
}

/// Why an input changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// The decoder refused the frame.
    Decode(DecodeError),
    /// The frame's address is not verified (see [`Integrity::verified`]).
    Unverified,
    /// The address is verified but not tracked, and this kind of frame creates no aircraft.
    Untracked,
    /// The frame carries nothing about an aircraft.
    Unsupported,
    /// A Mode A/C reply.
    ModeAc,
    /// The input's time is not a finite number.
    BadTime,
    /// The same transmission was already taken from another receiver.
    Duplicate,
}

/// What one input did to an aircraft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Update {
    /// The aircraft.
    pub key: TrackKey,
    /// The input created it.
    pub created: bool,
    /// Fields whose value changed.
    pub changed: FieldSet,
    /// Fields whose new value a check refused (position speed, altitude rate, squawk
    /// confirmation).
    pub rejected: FieldSet,
}

/// The result of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// An aircraft was updated (perhaps with no value changing).
    Updated(Update),
    /// Nothing changed.
    Dropped(Dropped),
}

/// Memory held by the tracker, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryUse {
    /// Aircraft states (the slab's capacity × the state's size, and the same for each
    /// aircraft's memo of decoded frames: 320 bytes).
    pub states: usize,
    /// Trails.
    pub trails: usize,
    /// The address index.
    pub index: usize,
}

/// Where a verified frame goes.
struct Route {
    key: TrackKey,
    kind: AddressKind,
    source: PositionSource,
    /// The frame may create an aircraft.
    create: bool,
    /// The frame confirms the address for address/parity replies.
    confirm: bool,
}

/// The aircraft tracker.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackerConfig,
    index: AddressIndex,
    aircraft: Vec<Aircraft>,
    /// Parallel to `aircraft`; empty when trails are off.
    trails: Vec<Trail>,
    stats: TrackerStats,
    now: f64,
    recent: RecentFrames,
    /// Parallel to `aircraft`: the last clean frame of each kind that repeats unchanged,
    /// decoded (see [`DecodeMemo`]).
    memo: Vec<DecodeMemo>,
    /// What a new aircraft's memo starts with: a clean frame, decoded.
    memo_blank: Decoded,
}

/// The kinds of frame kept in an aircraft's [`DecodeMemo`]: the ADS-B messages an aircraft
/// repeats unchanged for seconds or minutes (velocity, target state, operational status,
/// identification) and the all-call reply. In the busy benchmark 97-100 % of each kind are
/// the same bytes as the aircraft's previous frame of that kind.
const MEMO_KINDS: usize = 5;

/// The slot of a frame's kind in a [`DecodeMemo`], for the frames whose address is in
/// clear (DF11 and DF17, AA): `None` for the others (positions change every time, and the
/// address of a reply is known only after its CRC).
#[inline(always)]
fn memo_kind(frame: &Frame) -> Option<usize> {
    // By type code (the first 5 bits of a DF17's ME field, byte 4): velocity 19, target
    // state 29, operational status 31, identification 1-4.
    const BY_TYPE_CODE: [u8; 32] = {
        let mut t = [u8::MAX; 32];
        t[19] = 0;
        t[29] = 1;
        t[31] = 2;
        t[1] = 3;
        t[2] = 3;
        t[3] = 3;
        t[4] = 3;
        t
    };
    let b = frame.padded();
    match b[0] >> 3 {
        17 => {
            let kind = BY_TYPE_CODE[usize::from(b[4] >> 3)];
            (kind != u8::MAX).then_some(usize::from(kind))
        }
        11 => Some(4),
        _ => None,
    }
}

/// `a == b`, as two 8-byte words and the length (the derived comparison takes four).
#[inline(always)]
fn same_frame(a: &Frame, b: &Frame) -> bool {
    let words = |f: &Frame| {
        let p = f.padded();
        let mut head = [0u8; 8];
        let mut tail = [0u8; 8];
        head.copy_from_slice(&p[..8]);
        tail.copy_from_slice(&p[6..]);
        (u64::from_le_bytes(head), u64::from_le_bytes(tail))
    };
    words(a) == words(b) && a.len() == b.len()
}

/// One aircraft's last clean frame of each memo kind, with what [`decode`] made of it.
///
/// Decoding a clean DF11 or DF17 depends on nothing but the frame's bytes and the
/// decoder's options (the address book is asked only about replies and DF11 with an
/// interrogator code, whose frames are never kept here), so a frame equal to a kept one
/// decodes to the kept `Decoded`: it skips the CRC and the field extraction. The memo is
/// found by the aircraft's slot and the kind, but only the bytes decide a hit: whatever an
/// entry holds (another aircraft's frame after the slab moved, the blank), it is a clean
/// frame with its own decoding.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct DecodeMemo([MemoEntry; MEMO_KINDS]);

/// A clean frame and its decoding (its own `frame` field is the key), one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct MemoEntry(Decoded);

/// The frames taken in the last moments, to recognise one transmission heard by several
/// receivers: a direct-mapped table of 64-bit frame fingerprints, each with its time (to
/// the microsecond, 48 bits counted from the first frame) and receiver id packed in a
/// second word, so the check is one hash and one 16-byte load per frame (64 KiB in all:
/// it stays in the L2 cache beside the states). A frame whose fingerprint matches
/// another's within the window is taken for a copy of it; the fingerprint is no
/// cryptographic hash, so a transmitter that crafts such a pair can make the tracker drop
/// the second frame (as it could jam it).
#[derive(Debug, Clone)]
struct RecentFrames {
    /// (fingerprint, microseconds since `base` << 16 | receiver); fingerprint 0 is empty.
    slots: Vec<(u64, u64)>,
    /// Data time of the first frame checked.
    base: Option<f64>,
}

impl RecentFrames {
    const SLOTS: usize = 4096;
    const MASK48: u64 = (1 << 48) - 1;

    fn new() -> RecentFrames {
        RecentFrames {
            slots: vec![(0, 0); Self::SLOTS],
            base: None,
        }
    }

    /// True when the same frame came from another receiver within `window` before `time`
    /// (a receiver never hears one transmission twice, so the same frame from the same
    /// receiver is a new transmission, however coarse the timestamps); records it.
    #[inline]
    fn seen_again(&mut self, frame: &Frame, receiver: u16, time: f64, window: f64) -> bool {
        let b = frame.padded();
        let mut head = [0u8; 8];
        let mut tail = [0u8; 8];
        head.copy_from_slice(&b[..8]);
        tail.copy_from_slice(&b[6..]);
        let fp = (u64::from_le_bytes(head) ^ u64::from_le_bytes(tail).rotate_left(29))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            | 1;
        if !time.is_finite() {
            return false; // dropped for its time by the caller, and never a base
        }
        let base = *self.base.get_or_insert(time);
        // Microseconds modulo 2^48 (8.9 years): differences up to half that are exact.
        let us = (((time - base) * 1e6) as i64 as u64) & Self::MASK48;
        let slot = &mut self.slots[(fp >> 52) as usize & (Self::SLOTS - 1)];
        let since = us.wrapping_sub(slot.1 >> 16) & Self::MASK48;
        let again = slot.0 == fp
            && (slot.1 & 0xFFFF) as u16 != receiver
            && since < 1 << 47
            && since as f64 <= window * 1e6;
        if !again {
            *slot = (fp, (us << 16) | u64::from(receiver));
        }
        again
    }
}

impl Tracker {
    /// A tracker with no aircraft.
    pub fn new(config: TrackerConfig) -> Tracker {
        Tracker {
            config,
            index: AddressIndex::new(),
            aircraft: Vec::new(),
            trails: Vec::new(),
            stats: TrackerStats::default(),
            now: f64::NEG_INFINITY,
            recent: RecentFrames::new(),
            memo: Vec::new(),
            memo_blank: memo_blank(&config.decode),
        }
    }

    /// The settings.
    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> &TrackerStats {
        &self.stats
    }

    /// The latest data time seen (inputs and ticks); `-inf` before any.
    pub fn now(&self) -> f64 {
        self.now
    }

    /// Number of tracked aircraft.
    pub fn len(&self) -> usize {
        self.aircraft.len()
    }

    /// True when no aircraft is tracked.
    pub fn is_empty(&self) -> bool {
        self.aircraft.is_empty()
    }

    /// The aircraft with this key.
    pub fn get(&self, key: TrackKey) -> Option<&Aircraft> {
        self.index
            .get(key.raw())
            .map(|slot| &self.aircraft[slot as usize])
    }

    /// The slot of the aircraft with this key: its index in [`Tracker::aircraft`]. A new
    /// aircraft takes the slot after the last; [`Tracker::tick`] retires aircraft in slab
    /// order, moving the last aircraft into the slot of each it removes (`swap_remove`). A
    /// caller that repeats those moves keeps its own per-aircraft state in a `Vec` parallel
    /// to the slab, found by this one look-up instead of a map of its own.
    #[inline]
    pub fn slot(&self, key: TrackKey) -> Option<usize> {
        self.index.get(key.raw()).map(|slot| slot as usize)
    }

    /// Every tracked aircraft, in a deterministic order (creation order, changed by
    /// retirements).
    pub fn aircraft(&self) -> &[Aircraft] {
        &self.aircraft
    }

    /// The trail of the aircraft with this key (`None` when trails are off).
    pub fn trail(&self, key: TrackKey) -> Option<&Trail> {
        self.index
            .get(key.raw())
            .and_then(|slot| self.trails.get(slot as usize))
    }

    /// Memory held, in bytes.
    pub fn memory(&self) -> MemoryUse {
        MemoryUse {
            states: self.aircraft.capacity() * std::mem::size_of::<Aircraft>()
                + self.memo.capacity() * std::mem::size_of::<DecodeMemo>(),
            trails: self.trails.iter().map(Trail::heap_bytes).sum::<usize>()
                + self.trails.capacity() * std::mem::size_of::<Trail>(),
            index: self.index.heap_bytes(),
        }
    }

    /// The same frame from the same receiver again within the duplicate window: counted
    /// (a frame taken and dropped) and to be dropped.
    #[inline]
    fn duplicate(&mut self, frame: &Frame, received: &Received) -> bool {
        let window = self.config.duplicate_window_s;
        let again = window > 0.0
            && self
                .recent
                .seen_again(frame, received.receiver, received.time_utc, window);
        if again {
            self.stats.frames += 1;
            self.stats.dropped_duplicate += 1;
        }
        again
    }

    /// Takes one received item: a Mode S frame, a Mode A/C reply or an observation.
    pub fn ingest(&mut self, received: &Received) -> Ingested {
        match &received.what {
            What::ModeS(frame) => {
                if self.duplicate(frame, received) {
                    return Ingested::Dropped(Dropped::Duplicate);
                }
                self.ingest_frame(received.time_utc, *frame, received.signal)
            }
            What::ModeAc(_) => {
                self.stats.dropped_mode_ac += 1;
                Ingested::Dropped(Dropped::ModeAc)
            }
            What::Observation(o) => self.ingest_observation(received.time_utc, o),
        }
    }

    /// Takes one received item whose frame was decoded elsewhere (on a reader thread) by
    /// [`predecode`] with this tracker's [`TrackerConfig::decode`] options: `decoded` is
    /// that result, `None` for an item that is no Mode S frame (then this is
    /// [`Tracker::ingest`]).
    ///
    /// Gives exactly what [`Tracker::ingest`] gives for the same item: the duplicate check
    /// runs on the received frame as there, and the one thing decoding needs from the
    /// tracker, whether the address of an address/parity reply or of a DF11 with an
    /// interrogator code is known, is answered here, at the same point, against the
    /// tracker's state (a reader thread cannot know it).
    pub fn ingest_predecoded(&mut self, received: &Received, decoded: Option<&Predecoded>) -> Ingested {
        let (What::ModeS(frame), Some(decoded)) = (&received.what, decoded) else {
            return self.ingest(received);
        };
        if self.duplicate(frame, received) {
            return Ingested::Dropped(Dropped::Duplicate);
        }
        let time = received.time_utc;
        self.stats.frames += 1;
        if !time.is_finite() {
            self.stats.dropped_bad_time += 1;
            return Ingested::Dropped(Dropped::BadTime);
        }
        self.advance(time);
        match &decoded.0 {
            Ok(d) => {
                let verified = match d.integrity {
                    Integrity::Clean | Integrity::Corrected(_) => true,
                    Integrity::InterrogatorCode { .. } | Integrity::Recovered { .. } => {
                        self.is_known(d.address)
                    }
                };
                self.take_verified(time, d, verified, received.signal)
            }
            Err(e) => {
                self.stats.dropped_decode += 1;
                Ingested::Dropped(Dropped::Decode(*e))
            }
        }
    }

    /// Decodes a frame (with the tracker as the address book) and takes it.
    pub fn ingest_frame(&mut self, time: f64, frame: Frame, rssi: Option<f32>) -> Ingested {
        self.stats.frames += 1;
        if !time.is_finite() {
            self.stats.dropped_bad_time += 1;
            return Ingested::Dropped(Dropped::BadTime);
        }
        self.advance(time);
        if let Some(kind) = memo_kind(&frame) {
            return self.ingest_memo_kind(time, frame, kind, rssi);
        }
        // Matched by reference: moving the decoded value out of the result costs a store
        // forwarding stall per frame.
        let result = decode(frame, &self.config.decode, &*self);
        match &result {
            Ok(d) => self.take_decoded(time, d, rssi),
            Err(e) => {
                self.stats.dropped_decode += 1;
                Ingested::Dropped(Dropped::Decode(*e))
            }
        }
    }

    /// [`Tracker::ingest_frame`]'s path for a DF11 or DF17 of a memo kind: the aircraft is
    /// looked up by the frame's AA first; a frame equal to the one its memo holds for
    /// `kind` takes the memo's decoding, and any other clean frame is decoded and kept
    /// there. Either way the address is looked up once (a clean frame's route key is its
    /// AA). Frames of untracked addresses, and frames that are not clean, take the general
    /// path.
    #[inline(always)]
    fn ingest_memo_kind(&mut self, time: f64, frame: Frame, kind: usize, rssi: Option<f32>) -> Ingested {
        let found = self.index.get(TrackKey::icao(frame.aa()).raw());
        let Some(slot) = found else {
            return self.decode_and_take(time, frame, rssi);
        };
        let slot = slot as usize;
        if !same_frame(&self.memo[slot].0[kind].0.frame, &frame) {
            if let Some(taken) = self.decode_into_memo(time, frame, slot, kind, rssi) {
                return taken;
            }
        }
        // The aircraft, the settings, the counters and the memo are separate fields: the
        // decoding is read in place, not copied out of the memo.
        let d = &self.memo[slot].0[kind].0;
        let route = clean_route(d);
        let (changed, rejected) = update(
            &mut self.aircraft[slot],
            &self.config,
            &mut self.stats,
            time,
            d,
            &route,
            rssi,
        );
        self.updated(slot, route.key, false, changed, rejected)
    }

    /// Decodes `frame` into the memo entry `kind` of the aircraft at `slot` when it is clean
    /// (`None`: the caller takes it from there); takes any other frame as
    /// [`Tracker::ingest_frame`] would, leaving the entry as it was.
    #[inline(never)]
    fn decode_into_memo(
        &mut self,
        time: f64,
        frame: Frame,
        slot: usize,
        kind: usize,
        rssi: Option<f32>,
    ) -> Option<Ingested> {
        let result = decode(frame, &self.config.decode, &*self);
        match &result {
            Ok(d) if matches!(d.integrity, Integrity::Clean) => {
                self.memo[slot].0[kind] = MemoEntry(*d);
                None
            }
            Ok(d) => Some(self.take_decoded(time, d, rssi)),
            Err(e) => {
                self.stats.dropped_decode += 1;
                Some(Ingested::Dropped(Dropped::Decode(*e)))
            }
        }
    }

    /// Decodes a frame with the tracker as the address book and takes it.
    #[inline(never)]
    fn decode_and_take(&mut self, time: f64, frame: Frame, rssi: Option<f32>) -> Ingested {
        let result = decode(frame, &self.config.decode, &*self);
        match &result {
            Ok(d) => self.take_decoded(time, d, rssi),
            Err(e) => {
                self.stats.dropped_decode += 1;
                Ingested::Dropped(Dropped::Decode(*e))
            }
        }
    }

    /// Takes a frame decoded elsewhere. Its `integrity` must come from a decode against
    /// this tracker (or a book that agrees with it): the tracker trusts it.
    pub fn ingest_decoded(&mut self, time: f64, decoded: &Decoded, rssi: Option<f32>) -> Ingested {
        self.stats.frames += 1;
        if !time.is_finite() {
            self.stats.dropped_bad_time += 1;
            return Ingested::Dropped(Dropped::BadTime);
        }
        self.advance(time);
        self.take_decoded(time, decoded, rssi)
    }

    #[inline]
    fn take_decoded(&mut self, time: f64, d: &Decoded, rssi: Option<f32>) -> Ingested {
        self.take_verified(time, d, d.integrity.verified(), rssi)
    }

    /// Takes a decoded frame whose address is trusted when `verified`.
    fn take_verified(&mut self, time: f64, d: &Decoded, verified: bool, rssi: Option<f32>) -> Ingested {
        if !verified {
            self.stats.dropped_unverified += 1;
            return Ingested::Dropped(Dropped::Unverified);
        }
        let Some(route) = route(d) else {
            self.stats.dropped_unsupported += 1;
            return Ingested::Dropped(Dropped::Unsupported);
        };
        let (slot, created) = match self.index.get(route.key.raw()) {
            Some(slot) => (slot as usize, false),
            None if route.create => (self.create(route.key, route.kind, time), true),
            None => {
                self.stats.dropped_untracked += 1;
                return Ingested::Dropped(Dropped::Untracked);
            }
        };
        self.stats.updated += 1;
        let (cfg, stats) = (&self.config, &mut self.stats);
        let a = &mut self.aircraft[slot];
        a.counts.add_df(d.frame.df());
        touch(a, time, rssi);
        if route.confirm && time > a.verified_at {
            a.verified_at = time;
        }
        if route.kind <= a.kind || time - a.kind_seen > cfg.stale_s {
            a.kind = route.kind;
            a.kind_seen = time;
        }
        let mut apply = Apply::new(a, cfg, stats, time);
        apply.message(&d.message, route.source);
        let update = Update {
            key: route.key,
            created,
            changed: apply.changed,
            rejected: apply.rejected,
        };
        if update.changed.contains(Field::Position) {
            self.push_trail(slot);
        }
        Ingested::Updated(update)
    }

    /// The update of the aircraft at `slot`, its trail extended when its position changed.
    #[inline(always)]
    fn updated(
        &mut self,
        slot: usize,
        key: TrackKey,
        created: bool,
        changed: FieldSet,
        rejected: FieldSet,
    ) -> Ingested {
        if changed.contains(Field::Position) && !self.trails.is_empty() {
            self.push_trail(slot);
        }
        Ingested::Updated(Update {
            key,
            created,
            changed,
            rejected,
        })
    }

    /// Takes an observation (decoded values from SBS or JSON states, or a multilateration
    /// fix). Observations create aircraft (another tool verified them), but never make an
    /// address known for address/parity replies; their positions are marked
    /// [`PositionSource::Mlat`] when they come from multilateration, [`PositionSource::Other`]
    /// otherwise.
    pub fn ingest_observation(&mut self, time: f64, o: &Observation) -> Ingested {
        self.stats.observations += 1;
        if !time.is_finite() {
            self.stats.dropped_bad_time += 1;
            return Ingested::Dropped(Dropped::BadTime);
        }
        self.advance(time);
        let key = if o.non_icao {
            TrackKey::non_icao(o.hex)
        } else {
            TrackKey::icao(o.hex)
        };
        let (slot, created) = match self.index.get(key.raw()) {
            Some(slot) => (slot as usize, false),
            None => (self.create(key, AddressKind::Observation, time), true),
        };
        self.stats.updated += 1;
        let (cfg, stats) = (&self.config, &mut self.stats);
        let a = &mut self.aircraft[slot];
        a.counts.total = a.counts.total.saturating_add(1);
        a.counts.observations = a.counts.observations.saturating_add(1);
        touch(a, time, o.rssi);
        let mut apply = Apply::new(a, cfg, stats, time);
        // Multilateration is picket's own, and labelled as such; other tools' positions
        // are `other`.
        let source = match o.source {
            ObservationSource::Mlat => PositionSource::Mlat,
            _ => PositionSource::Other,
        };
        apply.observation(o, source);
        let update = Update {
            key,
            created,
            changed: apply.changed,
            rejected: apply.rejected,
        };
        if update.changed.contains(Field::Position) {
            self.push_trail(slot);
        }
        Ingested::Updated(update)
    }

    /// Retires the aircraft silent for longer than the timeout at data time `now`, moving
    /// their final states into `retired` (in slab order).
    pub fn tick(&mut self, now: f64, retired: &mut Vec<Aircraft>) {
        if !now.is_finite() {
            return;
        }
        self.advance(now);
        let mut slot = 0;
        while slot < self.aircraft.len() {
            if now - self.aircraft[slot].last_seen > self.config.timeout_s {
                retired.push(self.remove(slot));
                self.stats.retired += 1;
            } else {
                slot += 1;
            }
        }
    }

    fn advance(&mut self, time: f64) {
        if time > self.now {
            self.now = time;
        }
    }

    fn create(&mut self, key: TrackKey, kind: AddressKind, time: f64) -> usize {
        let slot = self.aircraft.len();
        self.aircraft.push(Aircraft::new(key, kind, time));
        self.memo
            .push(DecodeMemo([MemoEntry(self.memo_blank); MEMO_KINDS]));
        if self.config.trail_len > 0 {
            self.trails.push(Trail::default());
        }
        self.index.insert(key.raw(), slot as u32);
        self.stats.created += 1;
        slot
    }

    /// Removes the aircraft at `slot`; the last one takes its place.
    fn remove(&mut self, slot: usize) -> Aircraft {
        let gone = self.aircraft.swap_remove(slot);
        self.memo.swap_remove(slot);
        if slot < self.trails.len() {
            self.trails.swap_remove(slot);
        }
        self.index.remove(gone.key.raw());
        if let Some(moved) = self.aircraft.get(slot) {
            self.index.insert(moved.key.raw(), slot as u32);
        }
        gone
    }

    fn push_trail(&mut self, slot: usize) {
        let Some(trail) = self.trails.get_mut(slot) else {
            return;
        };
        let a = &self.aircraft[slot];
        if let Some(p) = &a.position {
            let point = TrailPoint {
                time: p.time,
                lat: p.lat as f32,
                lon: p.lon as f32,
                alt_baro: a.alt_baro,
                on_ground: a.on_ground == Some(true),
            };
            trail.push(point, self.config.trail_len);
        }
    }
}

/// A Mode S frame decoded away from the tracker (on a reader thread), for
/// [`Tracker::ingest_predecoded`] and [`crate::engine::Engine::ingest_predecoded`].
///
/// Decoded against no address book: whether an address/parity reply's address is known is
/// left for the tracker to answer when it takes the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Predecoded(pub Result<Decoded, DecodeError>);

/// Decodes `frame` as the tracker would with these options, except that no address counts
/// as known (see [`Predecoded`]). Pure: call it on any thread.
#[inline]
pub fn predecode(frame: Frame, options: &DecodeOptions) -> Predecoded {
    Predecoded(decode(frame, options, &NoAddresses))
}

/// A clean DF11, decoded with `options`: what every entry of a new aircraft's
/// [`DecodeMemo`] holds (a frame and its true decoding, as every entry must).
fn memo_blank(options: &DecodeOptions) -> Decoded {
    // An all-call of address 000001 with capability 0 and its parity.
    let frame = picket_modes::message::Message::AllCall {
        capability: 0,
        address: Icao(1),
    }
    .encode(Icao(1));
    match decode(frame, options, &NoAddresses) {
        Ok(d) if matches!(d.integrity, Integrity::Clean) => d,
        other => unreachable!("a clean all-call decodes cleanly: {other:?}"),
    }
}

/// Applies a verified, routed frame to its aircraft `a`: counters, last-seen time and
/// signal, verification and kind, then the message. Gives the fields changed and refused.
#[inline(always)]
fn update(
    a: &mut Aircraft,
    cfg: &TrackerConfig,
    stats: &mut TrackerStats,
    time: f64,
    d: &Decoded,
    route: &Route,
    rssi: Option<f32>,
) -> (FieldSet, FieldSet) {
    stats.updated += 1;
    a.counts.add_df(d.frame.df());
    touch(a, time, rssi);
    if route.confirm && time > a.verified_at {
        a.verified_at = time;
    }
    if route.kind <= a.kind || time - a.kind_seen > cfg.stale_s {
        a.kind = route.kind;
        a.kind_seen = time;
    }
    let mut apply = Apply::new(a, cfg, stats, time);
    apply.message(&d.message, route.source);
    (apply.changed, apply.rejected)
}

/// Last-seen time and smoothed signal level.
#[inline]
fn touch(a: &mut Aircraft, time: f64, rssi: Option<f32>) {
    if time > a.last_seen {
        a.last_seen = time;
    }
    if let Some(s) = rssi.filter(|s| s.is_finite()) {
        // An exponential average over about the last eight messages, in dBFS.
        a.rssi = Some(a.rssi.map_or(s, |r| r + (s - r) * 0.125));
    }
}

/// [`route`] of a clean DF11 or DF17 (an all-call or an extended squitter): the route of
/// every frame a [`DecodeMemo`] holds, without the match over every message.
#[inline(always)]
fn clean_route(d: &Decoded) -> Route {
    let kind = if matches!(d.message, Message::AllCall { .. }) {
        AddressKind::ModeS
    } else {
        AddressKind::AdsbIcao
    };
    let r = Route {
        key: TrackKey::icao(d.address),
        kind,
        source: PositionSource::Adsb,
        create: true,
        confirm: true,
    };
    debug_assert!(route(d).is_some_and(|o| o.key == r.key
        && o.kind == r.kind
        && o.source == r.source
        && o.create
        && o.confirm));
    r
}

/// The aircraft a verified frame belongs to, and what it may do.
fn route(d: &Decoded) -> Option<Route> {
    let clean = matches!(d.integrity, Integrity::Clean);
    let repaired = matches!(d.integrity, Integrity::Corrected(_));
    let icao = TrackKey::icao(d.address);
    let other = TrackKey::non_icao(d.address);
    let r = |key, kind, source, create, confirm| {
        Some(Route {
            key,
            kind,
            source,
            create,
            confirm,
        })
    };
    match &d.message {
        Message::AllCall { .. } => r(icao, AddressKind::ModeS, PositionSource::Adsb, clean, clean),
        Message::ExtendedSquitter { .. } | Message::Military { .. } => {
            let ok = clean || repaired;
            r(icao, AddressKind::AdsbIcao, PositionSource::Adsb, ok, ok)
        }
        Message::NonTransponder { cf, body, .. } => {
            let ok = clean || repaired;
            let imf = match body {
                Df18Body::Adsb(me) => me.imf().unwrap_or(false),
                Df18Body::CoarseTisb(p) => p.imf,
                // Management messages (CF4) and reserved CF7 say nothing of the address.
                Df18Body::Raw(_) => false,
            };
            let pick = |imf: bool, icao_kind, other_kind| {
                if imf {
                    (other, other_kind)
                } else {
                    (icao, icao_kind)
                }
            };
            let ((key, kind), source, confirm) = match cf {
                ControlField::AdsbIcao => (
                    (icao, AddressKind::AdsbIcaoNonTransponder),
                    PositionSource::Adsb,
                    ok,
                ),
                ControlField::AdsbOther => ((other, AddressKind::AdsbOther), PositionSource::Adsb, false),
                ControlField::TisbFine | ControlField::TisbCoarse => (
                    pick(imf, AddressKind::TisbIcao, AddressKind::TisbOther),
                    PositionSource::Tisb,
                    false,
                ),
                ControlField::TisbFineOther => ((other, AddressKind::TisbOther), PositionSource::Tisb, false),
                ControlField::AdsR => (
                    pick(imf, AddressKind::AdsrIcao, AddressKind::AdsrOther),
                    PositionSource::Adsr,
                    false,
                ),
                ControlField::TisbManagement | ControlField::Reserved => return None,
            };
            // Ground stations' surface system status (TC 24) is not an aircraft's.
            if matches!(body, Df18Body::Adsb(Me::SurfaceSystemStatus(_))) && *cf == ControlField::AdsbIcao {
                return r(key, kind, source, false, false);
            }
            r(key, kind, source, ok, confirm)
        }
        // Address/parity replies: the address is verified only because it is known.
        Message::ShortAirAir(_)
        | Message::AltitudeReply { .. }
        | Message::IdentityReply { .. }
        | Message::LongAirAir(_)
        | Message::CommBAltitude { .. }
        | Message::CommBIdentity { .. } => r(icao, AddressKind::ModeS, PositionSource::Adsb, false, false),
    }
}

/// The tracker is the decoder's address book: an address is known while it is tracked and
/// was heard in a clean DF11/17/18 within `known_window_s` of the latest data time.
impl AddressBook for Tracker {
    #[inline]
    fn is_known(&self, address: Icao) -> bool {
        match self.index.get(TrackKey::icao(address).raw()) {
            Some(slot) => self.now - self.aircraft[slot as usize].verified_at <= self.config.known_window_s,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `same_frame` is `==`: on real frames of both lengths, each with every one-bit change
    /// (in the bytes the two words overlap on too).
    #[test]
    fn same_frame_is_equality() {
        let frames: Vec<Frame> = [
            "8D406B902015A678D4D220AA4BDA",
            "8D40058B58C901375147EFD09357",
            "A0001910204D7075D35820C25C0C",
            "5DAB92A2B04912",
            "20001718029FCD",
        ]
        .iter()
        .map(|h| Frame::from_hex(h).unwrap())
        .collect();
        let mut all = frames.clone();
        for f in &frames {
            for bit in 0..f.len_bits() {
                all.push(f.with_bit_flipped(bit));
            }
        }
        for a in &all {
            for b in &all {
                assert_eq!(same_frame(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    /// Every entry of every aircraft's memo is a clean frame with its own decoding, as
    /// [`decode`] gives it now: the memo's whole premise. Checked after a simulated window
    /// with retirements, so that the slab has moved memos about.
    #[test]
    fn every_memo_entry_is_its_frames_decoding() {
        let s = picket_sim::Scenario::builtin("caracas").expect("built-in scenario");
        let sim = picket_sim::Simulation::new(
            &s,
            s.seed,
            picket_sim::Window {
                from_s: 0.0,
                duration_s: Some(1200.0),
            },
        );
        let config = TrackerConfig {
            timeout_s: 30.0,
            ..TrackerConfig::default()
        };
        let mut tracker = Tracker::new(config);
        let mut retired = Vec::new();
        let mut next_tick = f64::NEG_INFINITY;
        for h in sim.frames() {
            let t = h.received.time_utc;
            if t >= next_tick {
                tracker.tick(t, &mut retired);
                next_tick = t.floor() + 1.0;
            }
            tracker.ingest(&h.received);
        }
        assert!(tracker.stats().retired > 0, "some aircraft retired");
        assert_eq!(tracker.memo.len(), tracker.aircraft.len());
        let mut kept = [0usize; MEMO_KINDS];
        for memo in &tracker.memo {
            for (kind, MemoEntry(d)) in memo.0.iter().enumerate() {
                assert_eq!(Ok(*d), decode(d.frame, &config.decode, &NoAddresses));
                assert_eq!(d.integrity, Integrity::Clean);
                if d.frame != tracker.memo_blank.frame {
                    assert_eq!(memo_kind(&d.frame), Some(kind), "{:?}", d.frame);
                    kept[kind] += 1;
                }
            }
        }
        // Velocities, target states, operational statuses, identifications and all-calls
        // were all kept for some aircraft.
        assert!(kept.iter().all(|&n| n > 0), "{kept:?}");
    }
}
