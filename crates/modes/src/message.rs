//! Downlink formats as owned values, with symmetric decode and encode
//! (ICAO Annex 10 Vol IV, 3.1.2 and Figure 3-8).
//!
//! [`decode`] checks the parity (fixing bit errors where allowed), recovers the address of
//! address/parity replies, and parses the fields; [`Message::encode`] builds the frame back,
//! parity included. Comm-B MB fields are kept raw here and interpreted by [`crate::commb`],
//! because which register they hold can only be inferred.

use crate::acas::Mv;
use crate::adsb::Me;
use crate::altitude::{decode_ac13, encode_ac13, Altitude};
use crate::crc::{self, ErrorBits};
use crate::frame::{Frame, Icao};
use crate::identity::Squawk;

/// Flight status (FS) of DF4/5/20/21.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlightStatus(pub u8);

impl FlightStatus {
    /// True when the status says the aircraft is on the ground (FS 1 or 3); `None` when the
    /// status does not say (FS 4 and 5 leave it open).
    pub fn on_ground(self) -> Option<bool> {
        match self.0 {
            0 | 2 => Some(false),
            1 | 3 => Some(true),
            _ => None,
        }
    }
    /// Alert: the Mode A code has changed (FS 2, 3, 4).
    pub fn alert(self) -> bool {
        matches!(self.0, 2..=4)
    }
    /// Special position identification (FS 4, 5).
    pub fn spi(self) -> bool {
        matches!(self.0, 4 | 5)
    }
}

/// The fields shared by DF4/5/20/21 before the altitude or identity code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyHeader {
    /// Flight status.
    pub fs: FlightStatus,
    /// Downlink request (5 bits).
    pub dr: u8,
    /// Utility message (6 bits).
    pub um: u8,
}

/// DF0 short air-air surveillance (ACAS) reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortAirAir {
    /// Vertical status: true = on the ground.
    pub on_ground: bool,
    /// Cross-link capability (CC).
    pub crosslink: bool,
    /// Sensitivity level of the ACAS (SL, 3 bits).
    pub sl: u8,
    /// Reply information (RI, 4 bits): ACAS capability and maximum airspeed.
    pub ri: u8,
    /// Spare bits 8, 12-13 and 18-19, kept so encoding is exact.
    pub spare: u8,
    /// Altitude code.
    pub altitude: Altitude,
}

/// DF16 long air-air surveillance (ACAS) reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongAirAir {
    /// Vertical status: true = on the ground.
    pub on_ground: bool,
    /// Sensitivity level (SL).
    pub sl: u8,
    /// Reply information (RI).
    pub ri: u8,
    /// Spare bits 7-8, 12-13 and 18-19.
    pub spare: u8,
    /// Altitude code.
    pub altitude: Altitude,
    /// The MV field (ACAS coordination).
    pub mv: Mv,
}

/// DF18 control field (CF): what the extended squitter is and how to read its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlField {
    /// CF0: ADS-B from a non-transponder device with an ICAO address.
    AdsbIcao,
    /// CF1: ADS-B with a non-ICAO (anonymous or self-assigned) address.
    AdsbOther,
    /// CF2: fine TIS-B (IMF bit of the ME field says whether the address is ICAO).
    TisbFine,
    /// CF3: coarse TIS-B airborne position.
    TisbCoarse,
    /// CF4: TIS-B and ADS-R management.
    TisbManagement,
    /// CF5: fine TIS-B for a non-ICAO address.
    TisbFineOther,
    /// CF6: ADS-R rebroadcast (IMF as for CF2).
    AdsR,
    /// CF7: reserved.
    Reserved,
}

impl ControlField {
    fn from_bits(cf: u8) -> ControlField {
        match cf & 7 {
            0 => ControlField::AdsbIcao,
            1 => ControlField::AdsbOther,
            2 => ControlField::TisbFine,
            3 => ControlField::TisbCoarse,
            4 => ControlField::TisbManagement,
            5 => ControlField::TisbFineOther,
            6 => ControlField::AdsR,
            _ => ControlField::Reserved,
        }
    }

    /// The 3-bit value.
    pub fn bits(self) -> u8 {
        self as u8
    }

    /// True when the ME field uses the ordinary ADS-B layouts (CF 0, 1, 2, 5, 6).
    pub fn carries_adsb_layout(self) -> bool {
        matches!(
            self,
            ControlField::AdsbIcao
                | ControlField::AdsbOther
                | ControlField::TisbFine
                | ControlField::TisbFineOther
                | ControlField::AdsR
        )
    }
}

/// The ME field of a DF18 squitter, by control field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Df18Body {
    /// CF 0, 1, 2, 5, 6: the ordinary ADS-B layouts.
    Adsb(Me),
    /// CF 3: coarse TIS-B airborne position.
    CoarseTisb(crate::adsb::CoarseTisbPosition),
    /// CF 4 (TIS-B/ADS-R management), 7 (reserved): kept raw.
    Raw(u64),
}

/// A decoded Mode S downlink message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Message {
    /// DF0: short air-air surveillance.
    ShortAirAir(ShortAirAir),
    /// DF4: surveillance, altitude reply.
    AltitudeReply { header: ReplyHeader, altitude: Altitude },
    /// DF5: surveillance, identity reply.
    IdentityReply { header: ReplyHeader, squawk: Squawk },
    /// DF11: all-call reply (acquisition squitter when the interrogator code is 0).
    AllCall { capability: u8, address: Icao },
    /// DF16: long air-air surveillance.
    LongAirAir(LongAirAir),
    /// DF17: extended squitter from a transponder.
    ExtendedSquitter { capability: u8, address: Icao, me: Me },
    /// DF18: extended squitter from a non-transponder device, TIS-B or ADS-R.
    NonTransponder {
        cf: ControlField,
        address: Icao,
        body: Df18Body,
    },
    /// DF19 with AF=0: military extended squitter in the DF17 layout.
    Military { address: Icao, me: Me },
    /// DF20: Comm-B, altitude reply.
    CommBAltitude {
        header: ReplyHeader,
        altitude: Altitude,
        mb: u64,
    },
    /// DF21: Comm-B, identity reply.
    CommBIdentity {
        header: ReplyHeader,
        squawk: Squawk,
        mb: u64,
    },
}

impl Message {
    /// The downlink format number.
    pub fn df(&self) -> u8 {
        match self {
            Message::ShortAirAir(_) => 0,
            Message::AltitudeReply { .. } => 4,
            Message::IdentityReply { .. } => 5,
            Message::AllCall { .. } => 11,
            Message::LongAirAir(_) => 16,
            Message::ExtendedSquitter { .. } => 17,
            Message::NonTransponder { .. } => 18,
            Message::Military { .. } => 19,
            Message::CommBAltitude { .. } => 20,
            Message::CommBIdentity { .. } => 21,
        }
    }

    /// The ADS-B ME field, for the formats that carry one in the ADS-B layout.
    pub fn adsb(&self) -> Option<&Me> {
        match self {
            Message::ExtendedSquitter { me, .. } | Message::Military { me, .. } => Some(me),
            Message::NonTransponder {
                body: Df18Body::Adsb(me),
                ..
            } => Some(me),
            _ => None,
        }
    }

    /// The altitude code, for the formats that carry one outside the ME field.
    pub fn altitude_code(&self) -> Option<Altitude> {
        match self {
            Message::ShortAirAir(m) => Some(m.altitude),
            Message::LongAirAir(m) => Some(m.altitude),
            Message::AltitudeReply { altitude, .. } | Message::CommBAltitude { altitude, .. } => {
                Some(*altitude)
            }
            _ => None,
        }
    }

    /// The Mode A code of DF5/21.
    pub fn squawk(&self) -> Option<Squawk> {
        match self {
            Message::IdentityReply { squawk, .. } | Message::CommBIdentity { squawk, .. } => Some(*squawk),
            _ => None,
        }
    }

    /// The Comm-B MB field of DF20/21.
    pub fn mb(&self) -> Option<u64> {
        match self {
            Message::CommBAltitude { mb, .. } | Message::CommBIdentity { mb, .. } => Some(*mb),
            _ => None,
        }
    }

    /// Builds the frame, parity included.
    ///
    /// `address` is the address to overlay on the parity of address/parity replies
    /// (DF0/4/5/16/20/21); the other formats carry their address in the AA field and ignore it.
    /// For DF11, `address` is ignored and the interrogator code is zero.
    pub fn encode(&self, address: Icao) -> Frame {
        let ap = address.0 & 0xFF_FFFF;
        let head = |df: u8, b6_8: u8| (u128::from(df) << 3) | u128::from(b6_8 & 7);
        let reply = |df: u8, h: &ReplyHeader, code13: u16| {
            (head(df, h.fs.0) << 24)
                | (u128::from(h.dr & 0x1F) << 19)
                | (u128::from(h.um & 0x3F) << 13)
                | u128::from(code13 & 0x1FFF)
        };
        match self {
            Message::ShortAirAir(m) => {
                // DF0 is zero in bits 1-5.
                let data = (u128::from(m.on_ground) << 26)
                    | (u128::from(m.crosslink) << 25)
                    | (u128::from((m.spare >> 4) & 1) << 24)
                    | (u128::from(m.sl & 7) << 21)
                    | (u128::from((m.spare >> 2) & 3) << 19)
                    | (u128::from(m.ri & 0xF) << 15)
                    | (u128::from(m.spare & 3) << 13)
                    | u128::from(encode_ac13(m.altitude));
                Frame::build(false, data, ap)
            }
            Message::AltitudeReply { header, altitude } => {
                Frame::build(false, reply(4, header, encode_ac13(*altitude)), ap)
            }
            Message::IdentityReply { header, squawk } => {
                Frame::build(false, reply(5, header, squawk.to_id13()), ap)
            }
            Message::AllCall { capability, address } => Frame::build(
                false,
                (head(11, *capability) << 24) | u128::from(address.0 & 0xFF_FFFF),
                0,
            ),
            Message::LongAirAir(m) => {
                let first32 = (16u128 << 27)
                    | (u128::from(m.on_ground) << 26)
                    | (u128::from((m.spare >> 4) & 3) << 24)
                    | (u128::from(m.sl & 7) << 21)
                    | (u128::from((m.spare >> 2) & 3) << 19)
                    | (u128::from(m.ri & 0xF) << 15)
                    | (u128::from(m.spare & 3) << 13)
                    | u128::from(encode_ac13(m.altitude));
                Frame::build(true, (first32 << 56) | u128::from(m.mv.emit()), ap)
            }
            Message::ExtendedSquitter {
                capability,
                address,
                me,
            } => squitter(head(17, *capability), *address, me.emit()),
            Message::NonTransponder { cf, address, body } => {
                let me = match body {
                    Df18Body::Adsb(me) => me.emit(),
                    Df18Body::CoarseTisb(p) => p.emit(),
                    Df18Body::Raw(raw) => *raw,
                };
                squitter(head(18, cf.bits()), *address, me)
            }
            Message::Military { address, me } => squitter(head(19, 0), *address, me.emit()),
            Message::CommBAltitude { header, altitude, mb } => Frame::build(
                true,
                (reply(20, header, encode_ac13(*altitude)) << 56) | u128::from(*mb),
                ap,
            ),
            Message::CommBIdentity { header, squawk, mb } => Frame::build(
                true,
                (reply(21, header, squawk.to_id13()) << 56) | u128::from(*mb),
                ap,
            ),
        }
    }
}

fn squitter(head: u128, address: Icao, me: u64) -> Frame {
    let data =
        (head << 80) | (u128::from(address.0 & 0xFF_FFFF) << 56) | u128::from(me & 0xFF_FFFF_FFFF_FFFF);
    Frame::build(true, data, 0)
}

/// How the frame's parity was checked and where its address comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integrity {
    /// DF11/17/18/19 with a zero CRC residual: the address is verified by the CRC.
    Clean,
    /// DF11 whose parity is overlaid with a non-zero interrogator code: the CRC only holds
    /// if the address is real, so it counts as verified only when `known`.
    InterrogatorCode { code: u8, known: bool },
    /// DF11/17/18 repaired by flipping the given bits.
    Corrected(ErrorBits),
    /// Address/parity reply (DF0/4/5/16/20/21): the address is the CRC residual. Any bit
    /// error gives another address, so it is trustworthy only when `known` (seen in a clean
    /// DF11/17/18).
    Recovered { known: bool },
}

impl Integrity {
    /// True when the address can be trusted.
    pub fn verified(self) -> bool {
        match self {
            Integrity::Clean | Integrity::Corrected(_) => true,
            Integrity::InterrogatorCode { known, .. } | Integrity::Recovered { known } => known,
        }
    }
}

/// A decoded frame: the message, its (possibly corrected) frame, address and integrity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decoded {
    /// The frame after any correction.
    pub frame: Frame,
    /// The aircraft address (from AA or recovered from AP).
    pub address: Icao,
    /// How the parity was checked.
    pub integrity: Integrity,
    /// The content.
    pub message: Message,
}

/// Why a frame gave no message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The parity does not check and no allowed correction explains it.
    BadCrc,
    /// A downlink format that carries no information picket uses (DF 1-3, 6-10, 12-15,
    /// 22, 23, and DF19 with AF other than 0).
    UnsupportedFormat(u8),
    /// DF24 (Comm-D, extended length message): recognised and skipped.
    CommD,
    /// The ME field is not a valid ADS-B message (e.g. a reserved value).
    BadMe(crate::adsb::AdsbError),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::BadCrc => write!(f, "CRC check failed and no allowed correction fits"),
            DecodeError::UnsupportedFormat(df) => write!(f, "downlink format {df} is not decoded"),
            DecodeError::CommD => write!(f, "Comm-D (DF24) frame skipped"),
            DecodeError::BadMe(e) => write!(f, "invalid ADS-B content: {e:?}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The set of addresses seen in clean DF11/17/18 frames, used to trust address/parity replies.
pub trait AddressBook {
    /// True when `address` has been seen in a frame whose CRC verified it.
    fn is_known(&self, address: Icao) -> bool;
}

/// Decoding options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Repair single-bit errors in DF11/17/18 (default on).
    pub fix_one_bit: bool,
    /// Also repair two-bit errors in DF17/18 (default off: more false repairs).
    pub fix_two_bits: bool,
    /// Hint for the ADS-B version of the sender, which changes how some fields read.
    pub adsb_version: Option<u8>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            fix_one_bit: true,
            fix_two_bits: false,
            adsb_version: None,
        }
    }
}

/// Decodes one frame.
pub fn decode(
    frame: Frame,
    options: &DecodeOptions,
    book: &impl AddressBook,
) -> Result<Decoded, DecodeError> {
    decode_inline(frame, options, &mut ReadOnly(book))
}

/// What decoding needs from the known addresses: [`decode`] only asks, [`Decoder`] also
/// learns the addresses of the clean and corrected DF11/17 and DF18 CF0 frames it decodes.
trait Book {
    fn known(&self, address: Icao) -> bool;
    fn learn(&mut self, address: Icao);
}

struct ReadOnly<'a, B>(&'a B);

impl<B: AddressBook> Book for ReadOnly<'_, B> {
    #[inline(always)]
    fn known(&self, address: Icao) -> bool {
        self.0.is_known(address)
    }
    #[inline(always)]
    fn learn(&mut self, _: Icao) {}
}

impl Book for KnownAddresses {
    #[inline(always)]
    fn known(&self, address: Icao) -> bool {
        self.is_known(address)
    }
    #[inline(always)]
    fn learn(&mut self, address: Icao) {
        self.insert(address)
    }
}

/// True for the formats whose clean (or corrected) frames make their address known: DF11,
/// DF17 and DF18 CF0 (ADS-B with an ICAO address).
#[inline(always)]
fn teaches_address(df: u8, bits_6_8: u8) -> bool {
    df == 11 || df == 17 || (df == 18 && bits_6_8 == 0)
}

/// The body of [`decode`] and [`Decoder::decode`], inlined into both so that the common
/// case (parity clean, or an address/parity reply) builds its `Decoded` once, in the
/// caller's slot. Frames that need a repair take the cold [`decode_corrected`].
#[inline(always)]
fn decode_inline(
    frame: Frame,
    options: &DecodeOptions,
    book: &mut impl Book,
) -> Result<Decoded, DecodeError> {
    let df = frame.df();
    let residual = frame.crc_residual();
    // One `Decoded` per family, each with only its own fields to fill in.
    match df {
        0 | 4 | 5 | 16 | 20 | 21 => {
            let address = Icao(residual);
            let known = book.known(address);
            Ok(Decoded {
                frame,
                address,
                integrity: Integrity::Recovered { known },
                message: parse_reply(&frame),
            })
        }
        11 if residual < 0x80 => {
            let address = frame.aa();
            let integrity = if residual == 0 {
                book.learn(address);
                Integrity::Clean
            } else {
                let known = book.known(address);
                Integrity::InterrogatorCode {
                    code: residual as u8,
                    known,
                }
            };
            Ok(Decoded {
                frame,
                address,
                integrity,
                message: parse_all_call(&frame),
            })
        }
        // DF19 with AF other than 0 is refused by `parse_squitter`, as before any repair.
        17..=19 if residual == 0 => {
            let message = parse_squitter(&frame, options)?;
            let address = frame.aa();
            if teaches_address(df, frame.bits_6_8()) {
                book.learn(address);
            }
            Ok(Decoded {
                frame,
                address,
                integrity: Integrity::Clean,
                message,
            })
        }
        11 | 17 | 18 | 19 => decode_corrected(frame, residual, options, book),
        24 => Err(DecodeError::CommD),
        other => Err(DecodeError::UnsupportedFormat(other)),
    }
}

/// DF11/17/18/19 whose parity does not check: repaired when the options allow, else refused.
#[cold]
#[inline(never)]
fn decode_corrected(
    frame: Frame,
    residual: u32,
    options: &DecodeOptions,
    book: &mut impl Book,
) -> Result<Decoded, DecodeError> {
    let df = frame.df();
    if df == 19 {
        return Err(if frame.bits_6_8() != 0 {
            DecodeError::UnsupportedFormat(19)
        } else {
            DecodeError::BadCrc
        });
    }
    if !options.fix_one_bit {
        return Err(DecodeError::BadCrc);
    }
    let two = options.fix_two_bits && df != 11;
    let errors = crc::locate_errors(frame.len_bits(), residual, two).ok_or(DecodeError::BadCrc)?;
    let mut fixed = frame;
    for bit in [errors.first, errors.second].into_iter().flatten() {
        fixed = fixed.with_bit_flipped(bit as usize);
    }
    let message = parse_fields(&fixed, options)?;
    let address = fixed.aa();
    if teaches_address(fixed.df(), fixed.bits_6_8()) {
        book.learn(address);
    }
    Ok(Decoded {
        frame: fixed,
        address,
        integrity: Integrity::Corrected(errors),
        message,
    })
}

/// Parses the fields of a frame without looking at its parity.
pub fn parse_fields(frame: &Frame, options: &DecodeOptions) -> Result<Message, DecodeError> {
    match frame.df() {
        0 | 4 | 5 | 16 | 20 | 21 => Ok(parse_reply(frame)),
        11 => Ok(parse_all_call(frame)),
        17..=19 => parse_squitter(frame, options),
        24 => Err(DecodeError::CommD),
        other => Err(DecodeError::UnsupportedFormat(other)),
    }
}

/// Bits `first..=last` (1-based) of the frame's first 32 bits.
#[inline(always)]
const fn head_bits(head: u32, first: u32, last: u32) -> u32 {
    (head >> (32 - last)) & ((1 << (last + 1 - first)) - 1)
}

/// DF0/4/5/16/20/21: the replies whose parity carries the address. Their fields before the
/// MV/MB field all lie in bits 1-32, read once as one word.
#[inline(always)]
fn parse_reply(frame: &Frame) -> Message {
    let head = frame.head();
    let header = ReplyHeader {
        fs: FlightStatus(head_bits(head, 6, 8) as u8),
        dr: head_bits(head, 9, 13) as u8,
        um: head_bits(head, 14, 19) as u8,
    };
    let code13 = head_bits(head, 20, 32) as u16;
    match frame.df() {
        0 => Message::ShortAirAir(ShortAirAir {
            on_ground: head_bits(head, 6, 6) == 1,
            crosslink: head_bits(head, 7, 7) == 1,
            sl: head_bits(head, 9, 11) as u8,
            ri: head_bits(head, 14, 17) as u8,
            spare: ((head_bits(head, 8, 8) as u8) << 4)
                | ((head_bits(head, 12, 13) as u8) << 2)
                | head_bits(head, 18, 19) as u8,
            altitude: decode_ac13(code13),
        }),
        4 => Message::AltitudeReply {
            header,
            altitude: decode_ac13(code13),
        },
        5 => Message::IdentityReply {
            header,
            squawk: Squawk::from_id13(code13),
        },
        16 => Message::LongAirAir(LongAirAir {
            on_ground: head_bits(head, 6, 6) == 1,
            sl: head_bits(head, 9, 11) as u8,
            ri: head_bits(head, 14, 17) as u8,
            spare: ((head_bits(head, 7, 8) as u8) << 4)
                | ((head_bits(head, 12, 13) as u8) << 2)
                | head_bits(head, 18, 19) as u8,
            altitude: decode_ac13(code13),
            mv: Mv::parse(frame.me()),
        }),
        20 => Message::CommBAltitude {
            header,
            altitude: decode_ac13(code13),
            mb: frame.me(),
        },
        // 21: the only one left.
        _ => Message::CommBIdentity {
            header,
            squawk: Squawk::from_id13(code13),
            mb: frame.me(),
        },
    }
}

/// DF11.
#[inline(always)]
fn parse_all_call(frame: &Frame) -> Message {
    Message::AllCall {
        capability: frame.bits_6_8(),
        address: frame.aa(),
    }
}

/// DF17/18/19: the extended squitters (DF19 only with AF=0).
#[inline(always)]
fn parse_squitter(frame: &Frame, options: &DecodeOptions) -> Result<Message, DecodeError> {
    let bits_6_8 = frame.bits_6_8();
    let address = frame.aa();
    Ok(match frame.df() {
        17 => Message::ExtendedSquitter {
            capability: bits_6_8,
            address,
            me: parse_me(frame, options)?,
        },
        18 => {
            let cf = ControlField::from_bits(bits_6_8);
            let body = if cf.carries_adsb_layout() {
                Df18Body::Adsb(parse_me(frame, options)?)
            } else if cf == ControlField::TisbCoarse {
                Df18Body::CoarseTisb(
                    crate::adsb::CoarseTisbPosition::parse(frame.me()).map_err(DecodeError::BadMe)?,
                )
            } else {
                Df18Body::Raw(frame.me())
            };
            Message::NonTransponder { cf, address, body }
        }
        _ if bits_6_8 == 0 => Message::Military {
            address,
            me: parse_me(frame, options)?,
        },
        _ => return Err(DecodeError::UnsupportedFormat(19)),
    })
}

#[inline(always)]
fn parse_me(frame: &Frame, options: &DecodeOptions) -> Result<Me, DecodeError> {
    Me::parse_inline(frame.me(), options.adsb_version).map_err(DecodeError::BadMe)
}

/// 64-bit words in the bitmap of all 2^24 addresses.
const KNOWN_WORDS: usize = 1 << 18;

/// The bitmap's words, boxed straight from the heap: 2 MiB would not fit on a test
/// thread's stack, as `Box::new([0; KNOWN_WORDS])` or a derived `Clone` might put them.
fn words(v: Vec<u64>) -> Box<[u64; KNOWN_WORDS]> {
    match v.into_boxed_slice().try_into() {
        Ok(bits) => bits,
        Err(_) => unreachable!("the bitmap always has KNOWN_WORDS words"),
    }
}

/// A bitmap of all 2^24 addresses (2 MiB): O(1) membership with no hashing.
pub struct KnownAddresses {
    /// A fixed-size array, so that indexing with a 24-bit address needs no bounds check.
    bits: Box<[u64; KNOWN_WORDS]>,
    count: usize,
}

impl std::fmt::Debug for KnownAddresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownAddresses")
            .field("count", &self.count)
            .finish()
    }
}

impl Clone for KnownAddresses {
    fn clone(&self) -> Self {
        KnownAddresses {
            bits: words(self.bits.to_vec()),
            count: self.count,
        }
    }
}

impl Default for KnownAddresses {
    fn default() -> Self {
        KnownAddresses {
            bits: words(vec![0; KNOWN_WORDS]),
            count: 0,
        }
    }
}

impl KnownAddresses {
    /// Marks an address as known.
    pub fn insert(&mut self, address: Icao) {
        let a = (address.0 & 0xFF_FFFF) as usize;
        let word = &mut self.bits[a >> 6];
        let mask = 1u64 << (a & 63);
        if *word & mask == 0 {
            *word |= mask;
            self.count += 1;
        }
    }

    /// Number of known addresses.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no address is known.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl AddressBook for KnownAddresses {
    #[inline]
    fn is_known(&self, address: Icao) -> bool {
        let a = (address.0 & 0xFF_FFFF) as usize;
        self.bits[a >> 6] & (1u64 << (a & 63)) != 0
    }
}

/// An address book that knows nothing (every recovered address is unverified).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAddresses;

impl AddressBook for NoAddresses {
    fn is_known(&self, _: Icao) -> bool {
        false
    }
}

/// A decoder that learns the known addresses from the clean DF11/17/18 frames it decodes.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    /// Options used for every frame.
    pub options: DecodeOptions,
    /// Addresses seen in clean frames.
    pub known: KnownAddresses,
}

impl Decoder {
    /// A decoder with the given options.
    pub fn new(options: DecodeOptions) -> Decoder {
        Decoder {
            options,
            known: KnownAddresses::default(),
        }
    }

    /// Decodes a frame and, if it is a clean or corrected DF11/17 (or DF18 with an ICAO
    /// address), remembers its address.
    pub fn decode(&mut self, frame: Frame) -> Result<Decoded, DecodeError> {
        decode_inline(frame, &self.options, &mut self.known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(hex: &str) -> Frame {
        Frame::from_hex(hex).unwrap()
    }

    /// Real frames of every decoded format (pyModeS and dump1090 tests, via
    /// ../shared/testdata/test_vectors.jsonl): decode, then encode gives the same bytes.
    #[test]
    fn every_format_round_trips_through_encode() {
        for hex in [
            "020007A0D08FF4",               // DF0
            "20001718029FCD",               // DF4
            "2800080069952A",               // DF5 (traffic_samples/sample_dump1090.bin)
            "5DAB92A2B04912",               // DF11
            "80E1969058B5025B9850641D2974", // DF16
            "8D406B902015A678D4D220AA4BDA", // DF17 identification
            "8D40058B58C901375147EFD09357", // DF17 airborne position
            "95298FCA680946499671468C7ACA", // DF18
            "A0001910204D7075D35820C25C0C", // DF20
            "A80004AAA74A072BFDEFC1D5CB4F", // DF21
        ] {
            let f = frame(hex);
            let d = decode(f, &DecodeOptions::default(), &NoAddresses).unwrap();
            assert_eq!(d.message.encode(d.address), f, "{hex}");
        }
        // This real DF5 has the spare X bit (bit 26) set; Annex 10 says it is zero and the
        // encoder writes it so, so only the content round-trips, not the bytes.
        let f = frame("2A00516D492B80");
        let d = decode(f, &DecodeOptions::default(), &NoAddresses).unwrap();
        let again = decode(
            d.message.encode(d.address),
            &DecodeOptions::default(),
            &NoAddresses,
        )
        .unwrap();
        assert_eq!(again.message, d.message);
        assert_eq!(again.address, d.address);
    }

    #[test]
    fn known_fields() {
        let d = decode(frame("2A00516D492B80"), &DecodeOptions::default(), &NoAddresses).unwrap();
        assert_eq!(d.address, Icao(0x510AF9));
        assert_eq!(d.integrity, Integrity::Recovered { known: false });
        assert_eq!(d.message.squawk(), Some(Squawk(0o0356)));
        let d = decode(frame("5DAB3D17D4BA29"), &DecodeOptions::default(), &NoAddresses).unwrap();
        assert_eq!(
            d.message,
            Message::AllCall {
                capability: 5,
                address: Icao(0xAB3D17)
            }
        );
        // Its parity carries interrogator code 1: trusted only once the address is known.
        assert_eq!(
            d.integrity,
            Integrity::InterrogatorCode {
                code: 1,
                known: false
            }
        );
        let d = decode(frame("20001718029FCD"), &DecodeOptions::default(), &NoAddresses).unwrap();
        assert_eq!(d.message.altitude_code().and_then(Altitude::feet), Some(36000));
    }

    #[test]
    fn one_bit_errors_are_repaired_and_two_only_when_asked() {
        let clean = frame("8D406B902015A678D4D220AA4BDA");
        let one = clean.with_bit_flipped(40);
        let d = decode(one, &DecodeOptions::default(), &NoAddresses).unwrap();
        assert_eq!(d.frame, clean);
        assert!(matches!(d.integrity, Integrity::Corrected(e) if e.count() == 1));
        let two = one.with_bit_flipped(70);
        assert_eq!(
            decode(two, &DecodeOptions::default(), &NoAddresses),
            Err(DecodeError::BadCrc)
        );
        let opts = DecodeOptions {
            fix_two_bits: true,
            ..DecodeOptions::default()
        };
        assert_eq!(decode(two, &opts, &NoAddresses).unwrap().frame, clean);
        let none = DecodeOptions {
            fix_one_bit: false,
            ..DecodeOptions::default()
        };
        assert_eq!(decode(one, &none, &NoAddresses), Err(DecodeError::BadCrc));
    }

    #[test]
    fn replies_are_verified_only_for_known_addresses() {
        let mut decoder = Decoder::default();
        let reply = frame("2A00516D492B80");
        assert!(!decoder.decode(reply).unwrap().integrity.verified());
        // An acquisition squitter from the same address makes it known.
        let squitter = Message::AllCall {
            capability: 5,
            address: Icao(0x510AF9),
        }
        .encode(Icao(0));
        assert!(decoder.decode(squitter).unwrap().integrity.verified());
        assert!(decoder.decode(reply).unwrap().integrity.verified());
        assert_eq!(decoder.known.len(), 1);
    }

    /// Which decoded frames teach the decoder their address: clean or corrected DF11 (II=0),
    /// DF17 and DF18 CF0; not DF11 with an interrogator code, other control fields, DF19,
    /// address/parity replies, or frames that do not decode.
    #[test]
    fn the_decoder_learns_exactly_from_verified_icao_squitters() {
        let me = 0x2015A678D4D220; // EZY85MH identification (pyModeS tests)
        let squitter =
            |df: u8, cf: u8, a: u32, me: u64| squitter(u128::from(df) << 3 | u128::from(cf), Icao(a), me);
        let all_call =
            |a: u32, ii: u32| Frame::build(false, (u128::from(11u8) << 27 | 5 << 24) | u128::from(a), ii);
        let reserved_velocity = 19 << 51; // TC 19 subtype 0: not a valid ME
        let cases = [
            (all_call(0x000001, 0), true),
            (all_call(0x000002, 0).with_bit_flipped(30), true),
            (all_call(0x000003, 9), false),
            (squitter(17, 5, 0x000004, me), true),
            (squitter(17, 5, 0x000005, me).with_bit_flipped(60), true),
            (squitter(17, 5, 0x000006, reserved_velocity), false),
            (squitter(18, 0, 0x000007, me), true),
            (squitter(18, 1, 0x000008, me), false),
            (squitter(18, 2, 0x000009, me), false),
            // Sent as CF1, received as CF0: the repaired control field decides.
            (squitter(18, 1, 0x00000A, me).with_bit_flipped(7), false),
            (squitter(19, 0, 0x00000B, me), false),
            (
                Message::AltitudeReply {
                    header: ReplyHeader {
                        fs: FlightStatus(0),
                        dr: 0,
                        um: 0,
                    },
                    altitude: Altitude::Feet25(1000),
                }
                .encode(Icao(0x00000C)),
                false,
            ),
        ];
        let mut decoder = Decoder::default();
        for (i, (f, learns)) in cases.into_iter().enumerate() {
            let before = decoder.known.len();
            let _ = decoder.decode(f);
            let address = Icao(i as u32 + 1);
            assert_eq!(decoder.known.is_known(address), learns, "case {i}: {f}");
            assert_eq!(decoder.known.len(), before + learns as usize, "case {i}");
        }
        // That frame really reads as CF0 and is repaired to CF1.
        let received = squitter(18, 1, 0x00000A, me).with_bit_flipped(7);
        assert_eq!(received.bits_6_8(), 0);
        let d = decoder.decode(received).unwrap();
        assert_eq!(d.frame.bits_6_8(), 1);
        assert!(matches!(d.integrity, Integrity::Corrected(_)));
    }

    #[test]
    fn comm_d_and_unused_formats_are_errors_not_panics() {
        let mut b = [0u8; 14];
        b[0] = 0xC8;
        assert_eq!(
            decode(Frame::new(&b).unwrap(), &DecodeOptions::default(), &NoAddresses),
            Err(DecodeError::CommD)
        );
        let short = Frame::new(&[0x08, 0, 0, 0, 0, 0, 0]).unwrap(); // DF1
        assert_eq!(
            decode(short, &DecodeOptions::default(), &NoAddresses),
            Err(DecodeError::UnsupportedFormat(1))
        );
    }
}
