//! The `webhook` sink: an HTTP POST (or PUT) per alert, with a body from a template, so
//! one sink serves Discord, Slack, ntfy or a custom service; retried with exponential
//! backoff on transport errors, 408, 429 and 5xx answers.

use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Duration;

use super::template::{Escape, Template};
use super::{Backoff, Control, Delivery, Runtime};
use crate::config::SinkTable;

/// A ready-made body and content type for a known service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Preset {
    /// The alert's JSON as it is.
    Generic,
    /// Discord's incoming webhooks: `{"content": summary}`.
    Discord,
    /// Slack's incoming webhooks: `{"text": summary}`.
    Slack,
    /// ntfy: the summary as plain text, the kind as title.
    Ntfy,
}

impl Preset {
    fn parse(s: &str) -> Option<Preset> {
        match s {
            "generic" => Some(Preset::Generic),
            "discord" => Some(Preset::Discord),
            "slack" => Some(Preset::Slack),
            "ntfy" => Some(Preset::Ntfy),
            _ => None,
        }
    }

    fn body(self) -> &'static str {
        match self {
            Preset::Generic => "{{json}}",
            Preset::Discord => r#"{"content":"{{summary}}"}"#,
            Preset::Slack => r#"{"text":"{{summary}}"}"#,
            Preset::Ntfy => "{{summary}}",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Preset::Ntfy => "text/plain; charset=utf-8",
            _ => "application/json",
        }
    }

    fn headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Preset::Ntfy => &[("Title", "picket: {{kind}}"), ("Tags", "airplane")],
            _ => &[],
        }
    }
}

/// Settings of a `webhook` sink.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WebhookConfig {
    /// The URL (a template: tokens and alert fields, URL-escaped).
    pub(crate) url: Template,
    /// `POST` or `PUT`.
    pub(crate) method: &'static str,
    /// The body.
    pub(crate) body: Template,
    /// The Content-Type header.
    pub(crate) content_type: String,
    /// Further headers (templates).
    pub(crate) headers: Vec<(String, Template)>,
    /// Time allowed for one request.
    pub(crate) timeout: Duration,
    /// Retries after the first attempt.
    pub(crate) retries: u32,
    /// Waits between attempts.
    pub(crate) backoff: Backoff,
}

impl WebhookConfig {
    /// Reads the settings from a `[[sink]]` table, filling tokens.
    pub(crate) fn from_table(t: &SinkTable, tokens: &BTreeMap<String, String>) -> Result<WebhookConfig> {
        let preset = match t.preset.as_deref() {
            None => Preset::Generic,
            Some(p) => Preset::parse(p)
                .ok_or_else(|| anyhow!("preset {p:?} is not one of generic, discord, slack, ntfy"))?,
        };
        let Some(url) = t.url.as_deref() else {
            bail!("a webhook needs a url");
        };
        let url = Template::parse(url, Escape::Url, tokens).map_err(|e| anyhow!("url: {e}"))?;
        let content_type = t
            .content_type
            .clone()
            .unwrap_or_else(|| preset.content_type().to_string());
        let escape = match t.escape.as_deref() {
            Some(e) => Escape::parse(e)
                .ok_or_else(|| anyhow!("escape {e:?} is not one of json, url, header, none"))?,
            None if content_type.contains("json") => Escape::Json,
            None => Escape::None,
        };
        let body = Template::parse(t.body.as_deref().unwrap_or(preset.body()), escape, tokens)
            .map_err(|e| anyhow!("body: {e}"))?;
        let mut headers = Vec::new();
        for (name, value) in preset.headers() {
            if !t
                .headers
                .as_ref()
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(name)))
            {
                headers.push((name.to_string(), Template::parse(value, Escape::Header, tokens)?));
            }
        }
        for (name, value) in t.headers.iter().flatten() {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                bail!("headers: {name:?} is not a header name");
            }
            let v =
                Template::parse(value, Escape::Header, tokens).map_err(|e| anyhow!("headers.{name}: {e}"))?;
            headers.push((name.clone(), v));
        }
        let method = match t.method.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("POST") => "POST",
            Some("PUT") => "PUT",
            Some(m) => bail!("method {m:?} is not POST or PUT"),
        };
        let cfg = WebhookConfig {
            url,
            method,
            body,
            content_type,
            headers,
            timeout: t.timeout.map_or(Duration::from_secs(10), |s| s.duration()),
            retries: t.retries.unwrap_or(5),
            backoff: Backoff {
                first: t.backoff.map_or(Duration::from_secs(1), |s| s.duration()),
                max: t.backoff_max.map_or(Duration::from_secs(60), |s| s.duration()),
            },
        };
        cfg.check_url()?;
        Ok(cfg)
    }

    fn check_url(&self) -> Result<()> {
        // A URL with alert placeholders is checked when it is used; a fixed one now.
        let head = self.url.leading_text();
        if !(head.starts_with("http://") || head.starts_with("https://")) {
            bail!("url {head:?}... must start with http:// or https://");
        }
        if let Some(u) = self.url.constant() {
            u.parse::<ureq::http::Uri>()
                .map_err(|e| anyhow!("url {u:?} is not a valid URL: {e}"))?;
        }
        Ok(())
    }

    /// Builds the HTTP agent.
    pub(crate) fn build(self) -> Result<Webhook> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(self.timeout))
            .user_agent(concat!("picket/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Webhook { cfg: self, agent })
    }
}

/// A running `webhook` sink.
#[derive(Debug)]
pub(crate) struct Webhook {
    cfg: WebhookConfig,
    agent: ureq::Agent,
}

/// What one attempt gave.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Delivered (2xx).
    Sent,
    /// Worth another try (transport error, 408, 429, 5xx), with the server's wish if any.
    Retry(String, Option<Duration>),
    /// Refused for good (other 4xx, 3xx).
    Refused(String),
}

impl Webhook {
    fn attempt(&self, d: &Delivery, ctl: &Control) -> Outcome {
        let url = self.cfg.url.render(d);
        let body = self.cfg.body.render(d);
        let mut req = match self.cfg.method {
            "PUT" => self.agent.put(&url),
            _ => self.agent.post(&url),
        }
        .header("Content-Type", &self.cfg.content_type);
        for (name, value) in &self.cfg.headers {
            req = req.header(name.as_str(), value.render(d));
        }
        let timeout = ctl.bounded(self.cfg.timeout);
        let result = req
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send(body.as_bytes());
        match result {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                // Read (a bounded part of) the body so the connection can be reused.
                let text = resp
                    .body_mut()
                    .with_config()
                    .limit(4096)
                    .read_to_string()
                    .unwrap_or_default();
                match status {
                    200..=299 => Outcome::Sent,
                    408 | 429 | 500..=599 => Outcome::Retry(format!("HTTP {status}"), retry_after),
                    _ => Outcome::Refused(format!("HTTP {status} {}", first_line(&text))),
                }
            }
            Err(e) => Outcome::Retry(e.to_string(), None),
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(200).collect()
}

impl Runtime for Webhook {
    fn run(self: Box<Self>, rx: Receiver<Arc<Delivery>>, ctl: Control) {
        // Messages on state changes only: the first failure, and the recovery.
        let mut failing = false;
        while let Ok(d) = rx.recv() {
            if ctl.expired() {
                ctl.failed();
                ctl.fail_rest(&rx);
                break;
            }
            let mut tries = 0u32;
            loop {
                match self.attempt(&d, &ctl) {
                    Outcome::Sent => {
                        ctl.sent();
                        if failing {
                            eprintln!("picket: sink {}: delivering again", ctl.name);
                            failing = false;
                        }
                        break;
                    }
                    Outcome::Refused(why) => {
                        eprintln!(
                            "picket: sink {}: the server refused an alert ({why}); not retried",
                            ctl.name
                        );
                        ctl.failed();
                        break;
                    }
                    Outcome::Retry(why, wish) => {
                        if tries >= self.cfg.retries {
                            eprintln!(
                                "picket: sink {}: gave up an alert after {} attempts ({why})",
                                ctl.name,
                                tries + 1
                            );
                            ctl.failed();
                            break;
                        }
                        tries += 1;
                        let wait = self
                            .cfg
                            .backoff
                            .delay(tries)
                            .max(wish.unwrap_or_default().min(self.cfg.backoff.max));
                        if !failing {
                            eprintln!(
                                "picket: sink {}: delivery failed ({why}); retrying with backoff",
                                ctl.name
                            );
                            failing = true;
                        }
                        if !ctl.wait(wait) {
                            // The drain time is over: give up this one and the rest.
                            ctl.failed();
                            ctl.fail_rest(&rx);
                            return;
                        }
                        ctl.retried();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(url: &str) -> SinkTable {
        SinkTable {
            kind: "webhook".into(),
            url: Some(url.into()),
            ..SinkTable::default()
        }
    }

    #[test]
    fn presets_give_body_content_type_and_headers() {
        let tokens = BTreeMap::new();
        let d = Delivery::new(super::super::tests::landing());
        let mut t = table("https://discord.invalid/api/webhooks/1/x");
        t.preset = Some("discord".into());
        let c = WebhookConfig::from_table(&t, &tokens).unwrap();
        let v: serde_json::Value = serde_json::from_str(&c.body.render(&d)).unwrap();
        assert_eq!(v["content"], d.summary.as_str());
        assert_eq!(c.content_type, "application/json");
        t.preset = Some("ntfy".into());
        let c = WebhookConfig::from_table(&t, &tokens).unwrap();
        assert_eq!(c.body.render(&d), d.summary);
        assert_eq!(c.headers[0].0, "Title");
        assert_eq!(c.headers[0].1.render(&d), "picket: landing");
        let c = WebhookConfig::from_table(&table("http://127.0.0.1:9/x"), &tokens).unwrap();
        assert_eq!(c.body.render(&d), d.json);
        assert_eq!((c.retries, c.timeout), (5, Duration::from_secs(10)));
    }

    #[test]
    fn bad_settings_are_refused() {
        let tokens = BTreeMap::new();
        for (t, what) in [
            (table("ftp://x/y"), "must start with http"),
            (
                SinkTable {
                    kind: "webhook".into(),
                    ..SinkTable::default()
                },
                "needs a url",
            ),
            (
                SinkTable {
                    preset: Some("teams".into()),
                    ..table("http://x/")
                },
                "preset \"teams\"",
            ),
            (
                SinkTable {
                    method: Some("GET".into()),
                    ..table("http://x/")
                },
                "method \"GET\"",
            ),
            (
                SinkTable {
                    headers: Some(BTreeMap::from([("Bad Name".into(), "x".into())])),
                    ..table("http://x/")
                },
                "not a header name",
            ),
        ] {
            let e = WebhookConfig::from_table(&t, &tokens).unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }
}
