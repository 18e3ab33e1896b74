//! A small JSON object writer that appends to a `String`: no allocation beyond the output,
//! absent values omitted (never `null`), numbers printed shortest.
//!
//! ```
//! use picket_receive::json::JsonObject;
//! let mut s = String::new();
//! {
//!     let mut o = JsonObject::new(&mut s);
//!     o.num("time", 1553349600.25).str("hex", "406b90").opt_num("alt_baro", Some(36000));
//!     o.opt_num::<f32>("gs", None).bool("on_ground", false);
//!     o.array("nav_modes").str("autopilot").str("tcas");
//!     o.object("acas_ra").num("ara", 3);
//! } // dropping the writer closes the object
//! assert_eq!(
//!     s,
//!     r#"{"time":1553349600.25,"hex":"406b90","alt_baro":36000,"on_ground":false,"nav_modes":["autopilot","tcas"],"acas_ra":{"ara":3}}"#
//! );
//! ```

use std::fmt::{self, Write};

/// A number JSON can hold: integers as they are, floats printed shortest (non-finite
/// floats are left out, since JSON has no such value).
pub trait JsonNumber: Copy {
    /// Appends the number; false (and nothing written) when it cannot be written.
    fn write_to(self, out: &mut String) -> bool;
    /// True when the number can be written.
    fn is_writable(self) -> bool;
}

macro_rules! json_int {
    ($($t:ty),*) => {$(
        impl JsonNumber for $t {
            #[inline]
            fn write_to(self, out: &mut String) -> bool {
                push_int(out, self as i128);
                true
            }
            #[inline]
            fn is_writable(self) -> bool {
                true
            }
        }
    )*};
}
json_int!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

macro_rules! json_float {
    ($($t:ty),*) => {$(
        impl JsonNumber for $t {
            #[inline]
            fn write_to(self, out: &mut String) -> bool {
                if !self.is_finite() {
                    return false;
                }
                if self == self.trunc() && self.abs() < 1e15 {
                    // Whole floats print without a fraction, as integers do.
                    push_int(out, self as i128);
                } else {
                    let _ = write!(out, "{}", self);
                }
                true
            }
            #[inline]
            fn is_writable(self) -> bool {
                self.is_finite()
            }
        }
    )*};
}
json_float!(f32, f64);

/// Appends an integer in decimal without going through `fmt`.
#[inline]
fn push_int(out: &mut String, v: i128) {
    let mut buf = [0u8; 40];
    let mut i = buf.len();
    let neg = v < 0;
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Appends `s` as a JSON string, quotes included.
#[inline]
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    push_escaped(out, s);
    out.push('"');
}

/// Appends the escaped content of a JSON string (no quotes).
#[inline]
fn push_escaped(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(esc);
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

/// Writes a `Display` value into a JSON string, escaping as it goes.
struct Escaper<'a>(&'a mut String);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

/// A JSON object being written; it is closed when dropped.
#[derive(Debug)]
pub struct JsonObject<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> JsonObject<'a> {
    /// Opens an object at the end of `out`.
    #[inline]
    pub fn new(out: &'a mut String) -> JsonObject<'a> {
        out.push('{');
        JsonObject { out, empty: true }
    }

    #[inline]
    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        push_str(self.out, key);
        self.out.push(':');
    }

    /// A string member.
    #[inline]
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        push_str(self.out, value);
        self
    }

    /// A number member; a non-finite float is left out.
    #[inline]
    pub fn num<N: JsonNumber>(&mut self, key: &str, value: N) -> &mut Self {
        if value.is_writable() {
            self.key(key);
            value.write_to(self.out);
        }
        self
    }

    /// A float member with a fixed number of decimals (for positions and times written to
    /// a known resolution); a non-finite value is left out.
    #[inline]
    pub fn fixed(&mut self, key: &str, value: f64, decimals: usize) -> &mut Self {
        if value.is_finite() {
            self.key(key);
            let _ = write!(self.out, "{:.*}", decimals, value);
        }
        self
    }

    /// A boolean member.
    #[inline]
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// Bytes as a lower-case hex string member.
    #[inline]
    pub fn hex(&mut self, key: &str, bytes: &[u8]) -> &mut Self {
        self.key(key);
        self.out.push('"');
        crate::hex::push_lower(self.out, bytes);
        self.out.push('"');
        self
    }

    /// A string member from anything `Display` (escaped).
    #[inline]
    pub fn display<D: fmt::Display>(&mut self, key: &str, value: D) -> &mut Self {
        self.key(key);
        self.out.push('"');
        let _ = write!(Escaper(self.out), "{value}");
        self.out.push('"');
        self
    }

    /// A member whose value is already JSON text.
    #[inline]
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// A string member when present.
    #[inline]
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    /// A number member when present.
    #[inline]
    pub fn opt_num<N: JsonNumber>(&mut self, key: &str, value: Option<N>) -> &mut Self {
        if let Some(v) = value {
            self.num(key, v);
        }
        self
    }

    /// A fixed-decimals member when present.
    #[inline]
    pub fn opt_fixed(&mut self, key: &str, value: Option<f64>, decimals: usize) -> &mut Self {
        if let Some(v) = value {
            self.fixed(key, v, decimals);
        }
        self
    }

    /// A boolean member when present.
    #[inline]
    pub fn opt_bool(&mut self, key: &str, value: Option<bool>) -> &mut Self {
        if let Some(v) = value {
            self.bool(key, v);
        }
        self
    }

    /// A `Display` member when present.
    #[inline]
    pub fn opt_display<D: fmt::Display>(&mut self, key: &str, value: Option<D>) -> &mut Self {
        if let Some(v) = value {
            self.display(key, v);
        }
        self
    }

    /// Opens a nested object member; it closes when dropped.
    #[inline]
    pub fn object(&mut self, key: &str) -> JsonObject<'_> {
        self.key(key);
        JsonObject::new(self.out)
    }

    /// Opens an array member; it closes when dropped.
    #[inline]
    pub fn array(&mut self, key: &str) -> JsonArray<'_> {
        self.key(key);
        JsonArray::new(self.out)
    }

    /// Closes the object (the same as dropping it).
    pub fn finish(self) {}
}

impl Drop for JsonObject<'_> {
    #[inline]
    fn drop(&mut self) {
        self.out.push('}');
    }
}

/// A JSON array being written; it is closed when dropped.
#[derive(Debug)]
pub struct JsonArray<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> JsonArray<'a> {
    /// Opens an array at the end of `out`.
    #[inline]
    pub fn new(out: &'a mut String) -> JsonArray<'a> {
        out.push('[');
        JsonArray { out, empty: true }
    }

    #[inline]
    fn sep(&mut self) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
    }

    /// A string element.
    #[inline]
    pub fn str(&mut self, value: &str) -> &mut Self {
        self.sep();
        push_str(self.out, value);
        self
    }

    /// A number element; a non-finite float is left out.
    #[inline]
    pub fn num<N: JsonNumber>(&mut self, value: N) -> &mut Self {
        if value.is_writable() {
            self.sep();
            value.write_to(self.out);
        }
        self
    }

    /// A boolean element.
    #[inline]
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.sep();
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// An element from anything `Display`, as a string.
    #[inline]
    pub fn display<D: fmt::Display>(&mut self, value: D) -> &mut Self {
        self.sep();
        self.out.push('"');
        let _ = write!(Escaper(self.out), "{value}");
        self.out.push('"');
        self
    }

    /// An element that is already JSON text.
    #[inline]
    pub fn raw(&mut self, json: &str) -> &mut Self {
        self.sep();
        self.out.push_str(json);
        self
    }

    /// Opens a nested object element.
    #[inline]
    pub fn object(&mut self) -> JsonObject<'_> {
        self.sep();
        JsonObject::new(self.out)
    }

    /// Opens a nested array element.
    #[inline]
    pub fn array(&mut self) -> JsonArray<'_> {
        self.sep();
        JsonArray::new(self.out)
    }

    /// Closes the array (the same as dropping it).
    pub fn finish(self) {}
}

impl Drop for JsonArray<'_> {
    #[inline]
    fn drop(&mut self) {
        self.out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(f: impl FnOnce(&mut JsonObject<'_>)) -> String {
        let mut s = String::new();
        f(&mut JsonObject::new(&mut s));
        s
    }

    #[test]
    fn numbers_print_shortest_and_non_finite_is_left_out() {
        let s = obj(|o| {
            o.num("a", 0u8)
                .num("b", -5i32)
                .num("c", u64::MAX)
                .num("d", 0.1f32)
                .num("e", 0.1f64);
            o.num("f", f64::NAN)
                .num("g", f32::INFINITY)
                .num("h", 36000.0f64)
                .num("i", -0.5f32);
            o.num("j", 1720248189.525094f64)
                .fixed("k", 52.123456789, 6)
                .fixed("l", f64::NAN, 3);
        });
        assert_eq!(
            s,
            r#"{"a":0,"b":-5,"c":18446744073709551615,"d":0.1,"e":0.1,"h":36000,"i":-0.5,"j":1720248189.525094,"k":52.123457}"#
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["j"].as_f64(), Some(1720248189.525094));
    }

    #[test]
    fn strings_are_escaped() {
        let s = obj(|o| {
            o.str("q", "a\"b\\c\nd\u{1}é")
                .display("hex", format_args!("{:06x}", 0x406b90));
            o.opt_str("none", None)
                .opt_bool("t", Some(true))
                .opt_display::<u8>("x", None);
        });
        assert_eq!(s, r#"{"q":"a\"b\\c\nd\u0001é","hex":"406b90","t":true}"#);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["q"], "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn nests_objects_and_arrays() {
        let s = obj(|o| {
            {
                let mut a = o.array("a");
                a.num(1).str("x").bool(false).num(f64::NAN);
                a.object().num("k", 2);
                a.array().raw("null");
            }
            o.object("empty").finish();
            o.hex("frame", &[0x8d, 0x40]).raw("r", "[1]");
        });
        assert_eq!(
            s,
            r#"{"a":[1,"x",false,{"k":2},[null]],"empty":{},"frame":"8d40","r":[1]}"#
        );
    }
}
