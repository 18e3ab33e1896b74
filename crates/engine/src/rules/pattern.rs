//! Text patterns of rule and watch-list files: `*` any run of characters, `?` one character,
//! `#` one digit, `@` one letter; other characters match themselves, letter case ignored.
//!
//! The `#`/`@` notation is the one of the classification tables (`enrich::classify`), so a
//! pattern copied from there means the same here; `*` may appear anywhere.

use std::fmt;

/// A compiled pattern (upper-cased bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct Pattern {
    bytes: Box<[u8]>,
}

impl Pattern {
    /// Compiles a pattern; `None` for an empty one or one that is not ASCII.
    pub fn new(text: &str) -> Option<Pattern> {
        let t = text.trim();
        if t.is_empty() || !t.is_ascii() {
            return None;
        }
        Some(Pattern {
            bytes: t.bytes().map(|b| b.to_ascii_uppercase()).collect(),
        })
    }

    /// The pattern as written (upper-cased).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes).unwrap_or("")
    }

    /// True when the pattern has no wildcard: it matches one text only.
    pub fn is_literal(&self) -> bool {
        !self.bytes.iter().any(|b| matches!(b, b'*' | b'?' | b'#' | b'@'))
    }

    /// Whether `text` (surrounding spaces ignored) matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        glob(&self.bytes, text.trim().as_bytes())
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.as_str())
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `text` matches `pattern` written as text (the same notation and rules as
/// [`Pattern::matches`], without compiling it): for filters given once per question, such
/// as `picket query --callsign` and the HTTP API's `callsign=`.
pub fn matches(pattern: &str, text: &str) -> bool {
    glob(pattern.trim().as_bytes(), text.trim().as_bytes())
}

fn one(p: u8, c: u8) -> bool {
    match p {
        b'?' => true,
        b'#' => c.is_ascii_digit(),
        b'@' => c.is_ascii_alphabetic(),
        _ => c.eq_ignore_ascii_case(&p),
    }
}

/// Greedy matching with one backtrack point (the last `*`): linear in practice, never
/// worse than pattern × text.
fn glob(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && one(p[pi], t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Pattern::new(p).unwrap().matches(t)
    }

    #[test]
    fn text_patterns_match_as_compiled_ones() {
        for (p, t) in [
            ("RFF*", "RFF7076"),
            ("rff70?6", "RFF7076"),
            ("RFF*", "AFR123"),
            ("*", ""),
            ("*76", "RFF7076"),
            ("RFF7", "RFF7076"),
            ("RFF####", "RFF7076"),
            ("@@@*", "RF7076"),
        ] {
            assert_eq!(matches(p, t), m(p, t), "{p} {t}");
        }
        assert!(matches("rff70?6", "RFF7076"));
        assert!(!matches("RFF7", "RFF7076"));
    }

    #[test]
    fn wildcards() {
        assert!(m("RFF*", "RFF7076"));
        assert!(m("rff*", "RFF"));
        assert!(!m("RFF*", "AFL123"));
        assert!(m("RFF#*", "RFF7"));
        assert!(!m("RFF#*", "RFFA"));
        assert!(m("*11", "FURY11"));
        assert!(m("F*Y1?", "FURY12"));
        assert!(!m("F*Y1?", "FURY123"));
        assert!(m("@@@###", "afl123"));
        assert!(m("A*B*C", "AxxBxxBxxC"));
        assert!(!m("A*B*C", "AxxBxxBxx"));
        assert!(m("T160", " t160 "));
        assert!(m("**", ""));
        assert!(Pattern::new("  ").is_none());
        assert!(Pattern::new("Ü*").is_none());
        assert!(Pattern::new("T160").unwrap().is_literal());
        assert!(!Pattern::new("RFF*").unwrap().is_literal());
    }
}
