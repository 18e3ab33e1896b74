//! Text templates with `{{name}}` placeholders for webhook bodies, URLs and headers, so one
//! webhook serves Discord, Slack, ntfy or a custom service.
//!
//! Tokens (`{{token.NAME}}`) are filled in when the template is built; the alert's fields
//! when it is rendered. Values are escaped for the place they go: inside a JSON string,
//! into a URL, or as they are.

use anyhow::{bail, Result};
use picket_engine::event::{class_name, Place};
use std::collections::BTreeMap;
use std::fmt::Write;

use super::Delivery;

/// The placeholders an alert fills, with what each holds (for messages and docs/run.md).
pub(crate) const FIELDS: &[(&str, &str)] = &[
    ("summary", "one line for people"),
    ("json", "the whole alert as a JSON object (never escaped)"),
    ("kind", "event kind (zone_entry, landing, ...)"),
    ("phase", "started, updated or ended"),
    ("rule", "the rule's name"),
    ("id", "event id (16 hex digits)"),
    ("hex", "the aircraft's address"),
    ("flight", "callsign"),
    ("registration", "registration"),
    ("type", "ICAO type designator"),
    ("operator", "operator"),
    ("country", "country of the address block"),
    ("class", "civil, military, state or unknown"),
    ("military", "true or false"),
    ("place", "zone or airport name"),
    ("zone", "zone id"),
    ("airport", "airport ident"),
    ("others", "other aircraft involved, comma separated"),
    ("confidence", "low, medium or high"),
    ("time", "time of the report, ISO 8601 UTC"),
    ("onset", "start of the event, ISO 8601 UTC"),
    ("lat", "latitude at the time"),
    ("lon", "longitude at the time"),
    ("alt_baro", "barometric altitude at the time, ft"),
];

/// How a value is escaped where it is put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// Inside a JSON string: quotes, backslashes and control characters escaped.
    Json,
    /// Percent-encoded, for URLs.
    Url,
    /// Control characters replaced by spaces (HTTP header values).
    Header,
    /// As it is.
    None,
}

impl Escape {
    /// Parses `json`, `url`, `header` or `none`.
    pub(crate) fn parse(s: &str) -> Option<Escape> {
        match s {
            "json" => Some(Escape::Json),
            "url" => Some(Escape::Url),
            "header" => Some(Escape::Header),
            "none" => Some(Escape::None),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Field(&'static str),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
    escape: Escape,
}

impl Template {
    /// Parses `text`, filling tokens from `tokens`; unknown placeholders are errors.
    pub(crate) fn parse(text: &str, escape: Escape, tokens: &BTreeMap<String, String>) -> Result<Template> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            literal.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                bail!("a `{{{{` is not closed by `}}}}`");
            };
            let name = after[..close].trim();
            if let Some(token) = name.strip_prefix("token.") {
                let Some(v) = tokens.get(token) else {
                    bail!("{{{{token.{token}}}}}: no token {token:?} in [tokens]");
                };
                literal.push_str(v);
            } else if let Some((field, _)) = FIELDS.iter().find(|(f, _)| *f == name) {
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Field(field));
            } else {
                let names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
                bail!(
                    "unknown placeholder {{{{{name}}}}} (known: {}, token.NAME)",
                    names.join(", ")
                );
            }
            rest = &after[close + 2..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces, escape })
    }

    /// Whether the template has no alert placeholder (a constant).
    pub(crate) fn constant(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// The fixed text before the first placeholder.
    pub(crate) fn leading_text(&self) -> &str {
        match self.pieces.first() {
            Some(Piece::Text(t)) => t,
            _ => "",
        }
    }

    /// The text for one alert.
    pub(crate) fn render(&self, d: &Delivery) -> String {
        let mut out = String::with_capacity(256);
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field("json") => out.push_str(&d.json),
                Piece::Field(f) => {
                    let v = value(f, d);
                    escape_into(&mut out, &v, self.escape);
                }
            }
        }
        out
    }
}

/// The value of a placeholder for an alert ("" when absent).
fn value(field: &str, d: &Delivery) -> String {
    let a = &d.alert;
    let e = &a.event;
    let s = &a.aircraft;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    match field {
        "summary" => d.summary.clone(),
        "kind" => e.kind.as_str().into(),
        "phase" => e.phase.as_str().into(),
        "rule" => a.rule.clone(),
        "id" => format!("{:016x}", e.id),
        "hex" => e.subject.to_string(),
        "flight" => opt(&s.flight),
        "registration" => opt(&s.registration),
        "type" => opt(&s.type_designator),
        "operator" => opt(&s.operator),
        "country" => opt(&s.country),
        "class" => class_name(s.class).into(),
        "military" => s.military.to_string(),
        "place" => match &e.place {
            Some(Place::Zone { name, .. }) | Some(Place::Airport { name, .. }) => name.clone(),
            None => String::new(),
        },
        "zone" => e.zone().unwrap_or_default().into(),
        "airport" => e.airport().unwrap_or_default().into(),
        "others" => e
            .others
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(","),
        "confidence" => e.confidence.as_str().into(),
        "time" => crate::format_utc(e.time),
        "onset" => crate::format_utc(e.onset),
        "lat" => s.lat.map(|v| format!("{v:.5}")).unwrap_or_default(),
        "lon" => s.lon.map(|v| format!("{v:.5}")).unwrap_or_default(),
        "alt_baro" => s.alt_baro.map(|v| v.to_string()).unwrap_or_default(),
        _ => String::new(),
    }
}

fn escape_into(out: &mut String, v: &str, how: Escape) {
    match how {
        Escape::None => out.push_str(v),
        Escape::Header => out.extend(v.chars().map(|c| if c.is_control() { ' ' } else { c })),
        Escape::Json => {
            for c in v.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 => {
                        let _ = write!(out, "\\u{:04x}", c as u32);
                    }
                    c => out.push(c),
                }
            }
        }
        Escape::Url => {
            for b in v.bytes() {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    out.push(b as char);
                } else {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::landing;
    use super::*;

    fn tokens() -> BTreeMap<String, String> {
        BTreeMap::from([("hook".to_string(), "abc/123".to_string())])
    }

    #[test]
    fn fields_are_filled_and_escaped_for_json() {
        let mut alert = landing();
        alert.aircraft.operator = Some("The \"Air\" Force\n".into());
        let d = Delivery::new(alert);
        let t = Template::parse(
            r#"{"content":"{{summary}}","op":"{{ operator }}","hex":"{{hex}}","raw":{{json}}}"#,
            Escape::Json,
            &tokens(),
        )
        .unwrap();
        let body = t.render(&d);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["content"], d.summary.as_str());
        assert_eq!(v["op"], "The \"Air\" Force\n");
        assert_eq!(v["hex"], "1514c0");
        assert_eq!(v["raw"]["kind"], "landing");
        assert_eq!(v["raw"]["airport"], "SVMI");
    }

    #[test]
    fn tokens_are_filled_at_build_time_and_urls_escaped() {
        let t = Template::parse("https://x.invalid/{{token.hook}}", Escape::Url, &tokens()).unwrap();
        assert_eq!(t.constant(), Some("https://x.invalid/abc/123"));
        let t = Template::parse("https://x.invalid/a?t={{summary}}", Escape::Url, &tokens()).unwrap();
        let d = Delivery::new(landing());
        assert!(t
            .render(&d)
            .starts_with("https://x.invalid/a?t=RFF7012%20%28IL62%2C"));
        let t = Template::parse("{{kind}} {{time}}", Escape::Header, &tokens()).unwrap();
        assert_eq!(t.render(&d), "landing 2019-03-23T16:00:05.500Z");
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        let e = Template::parse("{{sumary}}", Escape::None, &tokens())
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown placeholder {{sumary}}"), "{e}");
        let e = Template::parse("{{token.nope}}", Escape::None, &tokens())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no token \"nope\""), "{e}");
        let e = Template::parse("a {{kind", Escape::None, &tokens())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not closed"), "{e}");
    }
}
