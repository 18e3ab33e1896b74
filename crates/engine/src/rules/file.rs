//! The rule file format (TOML), read into a [`RuleSet`].
//!
//! Serde derives live here only, on private mirror structs of the file; every value that
//! needs checking beyond its TOML type keeps its span, so an error names the line and column
//! of the offending value and says what is wrong.

use std::ops::Range;

use picket_modes::Icao;
use picket_world::events::EventKind;
use serde::Deserialize;
use toml::Spanned;

use crate::incident::Delivery;

use super::expr::{Expr, ExprError};
use super::pattern::Pattern;
use super::watch::{normalize_registration, ListedAddress, WatchEntry, WatchList};
use super::{CountSpec, EventFilter, Override, Rule, RuleError, RuleErrorKind, RuleSet};
use crate::enrich::Class;

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRules {
    version: Option<S<i64>>,
    defaults: Option<FileDefaults>,
    #[serde(default)]
    rule: Vec<S<FileRule>>,
    #[serde(default)]
    watchlist: Vec<S<FileWatchList>>,
    #[serde(default, rename = "override")]
    overrides: Vec<S<FileOverride>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDefaults {
    cooldown: Option<S<FileDuration>>,
    confirm: Option<S<i64>>,
    sinks: Option<Vec<S<String>>>,
    deliver: Option<S<String>>,
    incident_updates: Option<S<FileDuration>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FileDuration {
    Seconds(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRule {
    name: S<String>,
    description: Option<String>,
    when: Option<S<String>>,
    events: Option<S<Vec<S<String>>>>,
    exclude: Option<Vec<S<String>>>,
    sinks: Option<Vec<S<String>>>,
    cooldown: Option<S<FileDuration>>,
    confirm: Option<S<i64>>,
    count: Option<S<FileCount>>,
    enabled: Option<bool>,
    deliver: Option<S<String>>,
    incident_updates: Option<S<FileDuration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCount {
    at_least: Option<S<i64>>,
    more_than: Option<S<i64>>,
    within: S<FileDuration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWatchList {
    name: S<String>,
    description: Option<String>,
    #[serde(default)]
    entry: Vec<S<FileEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    label: Option<String>,
    address: Option<S<String>>,
    registration: Option<S<String>>,
    callsign: Option<S<String>>,
    #[serde(rename = "type")]
    type_designator: Option<S<String>>,
    operator: Option<S<String>>,
    country: Option<S<String>>,
    military: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOverride {
    address: S<String>,
    class: S<String>,
    note: Option<String>,
}

/// 1-based line and column (characters) of a byte offset.
pub(crate) fn locate(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, before[line_start..].chars().count() + 1)
}

struct Ctx<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Ctx<'_> {
    fn error(&self, offset: usize, kind: RuleErrorKind, message: impl Into<String>) -> RuleError {
        let (line, column) = locate(self.text, offset);
        RuleError {
            origin: self.origin.to_string(),
            line,
            column,
            kind,
            message: message.into(),
        }
    }

    fn at(&self, span: Range<usize>, kind: RuleErrorKind, message: impl Into<String>) -> RuleError {
        self.error(span.start, kind, message)
    }

    fn value(&self, span: Range<usize>, message: impl Into<String>) -> RuleError {
        self.at(span, RuleErrorKind::Value, message)
    }

    /// Byte offset in the file of the first character of a string value's content.
    fn content_start(&self, span: &Range<usize>) -> usize {
        let raw = self.text.get(span.clone()).unwrap_or("");
        let skip = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
            // A newline right after the opening delimiter is not part of the string.
            let after = &raw[3..];
            3 + if after.starts_with("\r\n") {
                2
            } else {
                usize::from(after.starts_with('\n'))
            }
        } else {
            usize::from(raw.starts_with('"') || raw.starts_with('\''))
        };
        span.start + skip
    }

    fn expr(&self, s: &S<String>, lists: &[&str]) -> Result<(Expr, usize), RuleError> {
        let base = self.content_start(&s.span());
        Expr::parse(s.get_ref(), lists)
            .map(|e| (e, base))
            .map_err(|ExprError { offset, message }| {
                self.error(base + offset, RuleErrorKind::Condition, message)
            })
    }

    fn duration(&self, d: &S<FileDuration>) -> Result<f64, RuleError> {
        let v = match d.get_ref() {
            FileDuration::Seconds(s) => Some(*s as f64).filter(|s| *s >= 0.0),
            FileDuration::Text(t) => parse_duration(t),
        };
        v.ok_or_else(|| {
            self.value(
                d.span(),
                "expected a duration such as \"90s\", \"10m\", \"1h30m\" (largest unit first) or a number of seconds",
            )
        })
    }

    fn confirm(&self, c: &S<i64>) -> Result<u32, RuleError> {
        match u32::try_from(*c.get_ref()) {
            Ok(n) if n >= 2 => Ok(n),
            _ => Err(self.value(
                c.span(),
                "confirm must be a whole number of at least 2: picket never alerts on a single frame",
            )),
        }
    }
}

/// Durations: picket's one grammar (`picket_receive::time::parse_duration`: `90s`, `10m`,
/// `1h30m`, `2d`, `1.5h`, `500ms`, a bare number of seconds).
pub(crate) fn parse_duration(text: &str) -> Option<f64> {
    picket_receive::time::parse_duration(text).ok()
}

fn parse_address(s: &str) -> Option<Icao> {
    let s = s.trim();
    if s.is_empty() || s.len() > 6 {
        return None;
    }
    u32::from_str_radix(s, 16).ok().map(Icao)
}

pub(crate) fn load(text: &str, origin: &str) -> Result<RuleSet, RuleError> {
    let cx = Ctx { text, origin };
    let file: FileRules = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim_end().to_string();
        let kind = if message.contains("unknown field")
            || message.contains("missing field")
            || message.contains("invalid type")
        {
            RuleErrorKind::Schema
        } else {
            RuleErrorKind::Syntax
        };
        if e.span().is_none() {
            RuleError {
                origin: origin.to_string(),
                line: 0,
                column: 0,
                kind,
                message,
            }
        } else {
            cx.error(offset, kind, message)
        }
    })?;
    if let Some(v) = &file.version {
        if *v.get_ref() != 1 {
            return Err(cx.value(v.span(), "unsupported version: this picket reads version 1"));
        }
    }

    // Watch-lists first: conditions may name them.
    let mut watchlists = Vec::new();
    for wl in &file.watchlist {
        let span = wl.span();
        let wl = wl.get_ref();
        let name = wl.name.get_ref().trim();
        if name.is_empty() {
            return Err(cx.value(wl.name.span(), "a watch-list needs a name"));
        }
        if watchlists
            .iter()
            .any(|w: &WatchList| w.name.eq_ignore_ascii_case(name))
        {
            return Err(cx.at(
                wl.name.span(),
                RuleErrorKind::Duplicate,
                format!("another watch-list is named \"{name}\""),
            ));
        }
        if wl.entry.is_empty() {
            return Err(cx.value(span, format!("watch-list \"{name}\" has no [[watchlist.entry]]")));
        }
        let mut entries = Vec::new();
        for e in &wl.entry {
            entries.push(entry(&cx, e)?);
        }
        watchlists.push(WatchList {
            name: name.to_string(),
            description: wl.description.clone(),
            entries,
        });
    }
    let list_names: Vec<&str> = watchlists.iter().map(|w| w.name.as_str()).collect();

    let mut overrides = Vec::new();
    for o in &file.overrides {
        let o = o.get_ref();
        let Some(address) = parse_address(o.address.get_ref()) else {
            return Err(cx.value(o.address.span(), "expected an ICAO address of six hex digits"));
        };
        let class = match o.class.get_ref().trim().to_ascii_lowercase().as_str() {
            "military" => Class::Military,
            "state" => Class::State,
            "civil" => Class::Civil,
            _ => {
                return Err(cx.value(
                    o.class.span(),
                    "class must be \"military\", \"state\" or \"civil\"",
                ))
            }
        };
        if overrides.iter().any(|x: &Override| x.address == address) {
            return Err(cx.at(
                o.address.span(),
                RuleErrorKind::Duplicate,
                "another override names this address",
            ));
        }
        overrides.push(Override {
            address,
            class,
            note: o.note.clone().unwrap_or_default(),
        });
    }

    let (mut def_cooldown, mut def_confirm, mut def_sinks) = (0.0, 2, Vec::new());
    let (mut def_deliver, mut def_updates) = (Delivery::Events, DEFAULT_INCIDENT_UPDATES_S);
    if let Some(d) = &file.defaults {
        if let Some(x) = &d.deliver {
            def_deliver = delivery(&cx, x)?;
        }
        if let Some(x) = &d.incident_updates {
            def_updates = cx.duration(x)?;
        }
        if let Some(c) = &d.cooldown {
            def_cooldown = cx.duration(c)?;
        }
        if let Some(c) = &d.confirm {
            def_confirm = cx.confirm(c)?;
        }
        if let Some(s) = &d.sinks {
            def_sinks = sinks(&cx, s)?;
        }
    }

    let mut rules: Vec<Rule> = Vec::new();
    for r in &file.rule {
        let r = r.get_ref();
        let name = r.name.get_ref().trim();
        if name.is_empty() {
            return Err(cx.value(r.name.span(), "a rule needs a name"));
        }
        if rules.iter().any(|x| x.name.eq_ignore_ascii_case(name)) {
            return Err(cx.at(
                r.name.span(),
                RuleErrorKind::Duplicate,
                format!("another rule is named \"{name}\""),
            ));
        }
        let (when, when_at) = match &r.when {
            Some(w) => cx.expr(w, &list_names)?,
            None => (Expr::always(), r.name.span().start),
        };
        let (mut exclude, mut exclude_at) = (Vec::new(), Vec::new());
        for x in r.exclude.iter().flatten() {
            let (e, at) = cx.expr(x, &list_names)?;
            exclude.push(e);
            exclude_at.push(at);
        }
        let events = match &r.events {
            None => EventFilter::Any,
            Some(list) => event_filter(&cx, list)?,
        };
        let count = match &r.count {
            None => None,
            Some(c) => Some(count(&cx, c)?),
        };
        if count.is_some() && events == EventFilter::Condition {
            // A counting rule counts aircraft over events; a condition rule raises its own.
            return Err(cx.value(
                r.count.as_ref().map_or(0..0, Spanned::span),
                "a counting rule counts events: give it event kinds or \"any\", not \"condition\"",
            ));
        }
        let when_fields = when.fields();
        rules.push(Rule {
            name: name.to_string(),
            description: r.description.clone(),
            when,
            exclude,
            events,
            sinks: match &r.sinks {
                Some(s) => sinks(&cx, s)?,
                None => def_sinks.clone(),
            },
            cooldown_s: match &r.cooldown {
                Some(c) => cx.duration(c)?,
                None => def_cooldown,
            },
            confirm: match &r.confirm {
                Some(c) => cx.confirm(c)?,
                None => def_confirm,
            },
            count,
            enabled: r.enabled.unwrap_or(true),
            delivery: match &r.deliver {
                Some(x) => delivery(&cx, x)?,
                None => def_deliver,
            },
            incident_updates_s: match &r.incident_updates {
                Some(x) => cx.duration(x)?,
                None => def_updates,
            },
            when_fields,
            when_at,
            exclude_at,
        });
    }
    Ok(RuleSet {
        origin: origin.to_string(),
        text: text.to_string(),
        rules,
        watchlists,
        overrides,
    })
}

/// Least time between two updates of one incident when the file does not say (`incident_updates`).
pub(crate) const DEFAULT_INCIDENT_UPDATES_S: f64 = 30.0 * 60.0;

fn delivery(cx: &Ctx<'_>, v: &S<String>) -> Result<Delivery, RuleError> {
    match v.get_ref().trim() {
        "events" => Ok(Delivery::Events),
        "incidents" => Ok(Delivery::Incidents),
        other => Err(cx.value(
            v.span(),
            format!("deliver is \"incidents\" or \"events\", not \"{other}\""),
        )),
    }
}

fn sinks(cx: &Ctx<'_>, list: &[S<String>]) -> Result<Vec<String>, RuleError> {
    let mut out = Vec::new();
    for s in list {
        let name = s.get_ref().trim();
        if name.is_empty() {
            return Err(cx.value(s.span(), "a sink name cannot be empty"));
        }
        out.push(name.to_string());
    }
    Ok(out)
}

fn event_filter(cx: &Ctx<'_>, list: &S<Vec<S<String>>>) -> Result<EventFilter, RuleError> {
    let span = list.span();
    let list = list.get_ref();
    let mut kinds = Vec::new();
    let mut any = false;
    let mut condition = false;
    for item in list {
        let name = item.get_ref().trim();
        match name {
            "any" => any = true,
            "condition" => condition = true,
            _ => match name.parse::<EventKind>() {
                Ok(k) => {
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                }
                Err(_) => {
                    let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                    return Err(cx.value(
                        item.span(),
                        format!(
                            "unknown event kind \"{name}\" (expected \"any\", \"condition\" or one of {})",
                            names.join(", ")
                        ),
                    ));
                }
            },
        }
    }
    match (any, condition, kinds.is_empty()) {
        (false, false, true) => Err(cx.value(span, "events is empty: the rule would never fire")),
        (true, false, true) => Ok(EventFilter::Any),
        (false, true, true) => Ok(EventFilter::Condition),
        (false, false, false) => Ok(EventFilter::Kinds(kinds)),
        _ => Err(cx.value(
            span,
            "\"any\" and \"condition\" stand alone: list either one of them or event kinds",
        )),
    }
}

fn count(cx: &Ctx<'_>, c: &S<FileCount>) -> Result<CountSpec, RuleError> {
    let span = c.span();
    let c = c.get_ref();
    let at_least = match (&c.at_least, &c.more_than) {
        (Some(n), None) => u32::try_from(*n.get_ref())
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| cx.value(n.span(), "at_least must be a whole number of at least 1"))?,
        (None, Some(n)) => u32::try_from(*n.get_ref())
            .ok()
            .and_then(|n| n.checked_add(1))
            .ok_or_else(|| cx.value(n.span(), "more_than must be a whole number of at least 0"))?,
        _ => return Err(cx.value(span, "a count needs exactly one of at_least and more_than")),
    };
    let within_s = cx.duration(&c.within)?;
    if within_s <= 0.0 {
        return Err(cx.value(c.within.span(), "the window must be longer than zero"));
    }
    Ok(CountSpec { at_least, within_s })
}

fn pattern(cx: &Ctx<'_>, s: &S<String>) -> Result<Pattern, RuleError> {
    Pattern::new(s.get_ref()).ok_or_else(|| cx.value(s.span(), "a pattern must be non-empty ASCII text"))
}

fn entry(cx: &Ctx<'_>, e: &S<FileEntry>) -> Result<WatchEntry, RuleError> {
    let span = e.span();
    let e = e.get_ref();
    let address = match &e.address {
        None => None,
        Some(a) => {
            let text = a.get_ref();
            let bad = || {
                cx.value(
                    a.span(),
                    "expected an ICAO address (six hex digits, \"156f01\") or a range (\"adf7c8-afffff\")",
                )
            };
            match text.split_once('-') {
                Some((lo, hi)) => {
                    let (lo, hi) = (
                        parse_address(lo).ok_or_else(bad)?,
                        parse_address(hi).ok_or_else(bad)?,
                    );
                    if lo.0 > hi.0 {
                        return Err(cx.value(a.span(), "the range's first address is above its last"));
                    }
                    Some(ListedAddress::Range(lo, hi))
                }
                None => Some(ListedAddress::One(parse_address(text).ok_or_else(bad)?)),
            }
        }
    };
    let registration = match &e.registration {
        None => None,
        Some(r) => {
            let n = normalize_registration(r.get_ref());
            if n.is_empty() || !n.is_ascii() {
                return Err(cx.value(r.span(), "a registration must be non-empty ASCII text"));
            }
            Some(n.into_boxed_str())
        }
    };
    let country = match &e.country {
        None => None,
        Some(c) => {
            let t = c.get_ref().trim();
            if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(cx.value(c.span(), "country is an ISO 3166 two-letter code, e.g. \"RU\""));
            }
            Some(t.to_ascii_uppercase().into_boxed_str())
        }
    };
    let out = WatchEntry {
        label: e.label.clone(),
        address,
        registration,
        callsign: e.callsign.as_ref().map(|s| pattern(cx, s)).transpose()?,
        type_designator: e.type_designator.as_ref().map(|s| pattern(cx, s)).transpose()?,
        operator: e.operator.as_ref().map(|s| pattern(cx, s)).transpose()?,
        country,
        military: e.military,
    };
    let has_trait = out.callsign.is_some()
        || out.type_designator.is_some()
        || out.operator.is_some()
        || out.country.is_some()
        || out.military.is_some();
    if !out.is_identity() && !has_trait {
        return Err(cx.value(
            span,
            "a watch-list entry needs at least one of address, registration, callsign, type, operator, country, military",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Some(90.0));
        assert_eq!(parse_duration("10m"), Some(600.0));
        assert_eq!(parse_duration("1h30m"), Some(5400.0));
        assert_eq!(parse_duration("1.5h"), Some(5400.0));
        assert_eq!(parse_duration("2d"), Some(172_800.0));
        assert_eq!(parse_duration("0"), Some(0.0));
        // The one grammar: a bare number is seconds, as in flags and scenarios.
        assert_eq!(parse_duration("10"), Some(10.0));
        for bad in ["", "m", "10 parsecs", "1h-3m", "30m1h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn locate_counts_characters() {
        let t = "a = 1\nbé = 2\n";
        assert_eq!(locate(t, 0), (1, 1));
        assert_eq!(locate(t, 6), (2, 1));
        assert_eq!(locate(t, 10), (2, 4));
    }
}
