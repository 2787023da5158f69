//! Configuration: an optional TOML file overlaid by `KAAMGAR_*` environment variables (the environment wins).
//! Secrets are never printed: `config check` shows them as `***`.

use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Format, Toml};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;

pub const DEFAULT_GRAPH_API_BASE: &str = "https://graph.facebook.com/v23.0";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://kaamgar.db` (default, embedded) or `postgres://user:pass@host/db`.
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub addr: String,
    /// Service area: comma-separated district names.
    pub area: String,
    /// Bearer token required on `/api/v1/*` (except the OpenAPI document). Required when listening beyond loopback.
    pub api_token: Option<String>,
    /// Largest list upload accepted, in MB.
    pub max_upload_mb: u64,
    /// `text` or `json` logs.
    pub log_format: String,
    pub whatsapp_verify_token: Option<String>,
    pub whatsapp_app_secret: Option<String>,
    pub whatsapp_access_token: Option<String>,
    pub whatsapp_phone_number_id: Option<String>,
    pub whatsapp_api_base: String,
    /// Messages a second sent per business number (Meta's default throughput is 80).
    pub whatsapp_send_rate: f64,
    /// Approved template for a lead sent outside the 24-hour window (parameters: trade, place; quick replies:
    /// accept, decline).
    pub whatsapp_template_lead: String,
    /// Approved template for the follow-up (parameters: worker name, trade; quick replies: done, not done).
    pub whatsapp_template_follow_up: String,
    /// Approved template for an invitation to a training batch (parameters: name, programme, centre, first
    /// session; quick replies: join, not now).
    pub whatsapp_template_invite: String,
    /// Approved template for a certificate (header: the PDF document; parameters: name, certificate, verification
    /// address).
    pub whatsapp_template_certificate: String,
    /// Seconds a worker has to accept a lead before the next one is asked.
    pub lead_timeout_secs: i64,
    /// Seconds after a lead is accepted that the citizen is asked whether the work was done.
    pub follow_up_after_secs: i64,
    /// A phone number people can call; the bot gives it wherever it cannot help further.
    pub helpline: Option<String>,
    /// The WhatsApp business number people write to (digits with the country code): a session's QR code opens a
    /// chat with it, "हाज़िर" and the session's code already typed.
    pub whatsapp_number: Option<String>,
    /// Seconds a worker who accepted a job is not offered other leads (unless the job is marked done sooner).
    pub engaged_secs: i64,
    /// Workers within this many km are offered first; farther ones when the citizen asks to search farther.
    pub search_near_km: f64,
    /// Mark the dashboard's cookies `Secure`: set it when users reach kaamgar over HTTPS (a TLS proxy in front).
    /// Requests that arrive with `X-Forwarded-Proto: https` get `Secure` cookies either way.
    pub secure_cookies: bool,
    /// The server's secret key (at least 32 characters). Unset with SQLite: a key file is created beside the
    /// database at first start. Required with PostgreSQL, the same on every server.
    pub secret_key: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses or networks, comma-separated). Empty:
    /// the peer's own address counts, which behind a proxy is the proxy's for everybody.
    pub trusted_proxies: String,
    /// The address users reach kaamgar at (`https://kaamgar.saran.example`). Requests for another host are
    /// refused; listening beyond 127.0.0.1 needs it.
    pub public_url: Option<String>,
    /// A separate listen address for `/metrics` without a token (keep it off the public network). Without it,
    /// `/metrics` needs the service token.
    pub metrics_addr: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://kaamgar.db".into(),
            addr: "127.0.0.1:8080".into(),
            area: "Saran".into(),
            api_token: None,
            max_upload_mb: 64,
            log_format: "text".into(),
            whatsapp_verify_token: None,
            whatsapp_app_secret: None,
            whatsapp_access_token: None,
            whatsapp_phone_number_id: None,
            whatsapp_api_base: DEFAULT_GRAPH_API_BASE.into(),
            whatsapp_send_rate: 80.0,
            whatsapp_template_lead: "kaamgar_lead".into(),
            whatsapp_template_follow_up: "kaamgar_follow_up".into(),
            whatsapp_template_invite: "kaamgar_training_invite".into(),
            whatsapp_template_certificate: "kaamgar_certificate".into(),
            lead_timeout_secs: 15 * 60,
            follow_up_after_secs: 24 * 3600,
            helpline: None,
            whatsapp_number: None,
            engaged_secs: 6 * 3600,
            search_near_km: 30.0,
            secure_cookies: false,
            secret_key: None,
            trusted_proxies: String::new(),
            public_url: None,
            metrics_addr: None,
        }
    }
}

/// How a setting's environment value is read. Text is taken byte for byte (Meta's phone-number id is all digits,
/// tokens can look like numbers or booleans); typed settings are parsed here so a bad value names its variable.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// Empty means "not set", so `KAAMGAR_API_TOKEN=` in a compose file does not become an empty secret.
    OptionalText,
    Whole,
    Seconds,
    Rate,
    Flag,
}

const SETTINGS: [(&str, Kind); 27] = [
    ("database_url", Kind::Text),
    ("addr", Kind::Text),
    ("area", Kind::Text),
    ("api_token", Kind::OptionalText),
    ("max_upload_mb", Kind::Whole),
    ("log_format", Kind::Text),
    ("whatsapp_verify_token", Kind::OptionalText),
    ("whatsapp_app_secret", Kind::OptionalText),
    ("whatsapp_access_token", Kind::OptionalText),
    ("whatsapp_phone_number_id", Kind::OptionalText),
    ("whatsapp_api_base", Kind::Text),
    ("whatsapp_send_rate", Kind::Rate),
    ("whatsapp_template_lead", Kind::Text),
    ("whatsapp_template_follow_up", Kind::Text),
    ("whatsapp_template_invite", Kind::Text),
    ("whatsapp_template_certificate", Kind::Text),
    ("lead_timeout_secs", Kind::Seconds),
    ("follow_up_after_secs", Kind::Seconds),
    ("helpline", Kind::OptionalText),
    ("whatsapp_number", Kind::OptionalText),
    ("engaged_secs", Kind::Seconds),
    ("search_near_km", Kind::Rate),
    ("secure_cookies", Kind::Flag),
    ("secret_key", Kind::OptionalText),
    ("trusted_proxies", Kind::Text),
    ("public_url", Kind::OptionalText),
    ("metrics_addr", Kind::OptionalText),
];

/// The `KAAMGAR_*` variables that name a setting, as figment values. Other `KAAMGAR_*` variables (`KAAMGAR_LOG`,
/// the test switches) are not settings and are left alone.
fn env_settings(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<figment::value::Dict> {
    let mut dict = figment::value::Dict::new();
    for (name, raw) in vars {
        let Some(key) = name.to_str().and_then(|n| n.strip_prefix("KAAMGAR_")) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        let Some(&(_, kind)) = SETTINGS.iter().find(|(k, _)| *k == key) else {
            continue;
        };
        let var = format!("KAAMGAR_{}", key.to_ascii_uppercase());
        let raw = raw
            .into_string()
            .map_err(|_| anyhow::anyhow!("{var} is not valid UTF-8"))?;
        let value = match kind {
            Kind::Text => figment::value::Value::from(raw),
            Kind::OptionalText if raw.is_empty() => continue,
            Kind::OptionalText => figment::value::Value::from(raw),
            Kind::Whole => figment::value::Value::from(
                raw.trim()
                    .parse::<u64>()
                    .map_err(|_| anyhow::anyhow!("{var} must be a whole number, not '{raw}'"))?,
            ),
            Kind::Seconds => {
                figment::value::Value::from(raw.trim().parse::<i64>().map_err(|_| {
                    anyhow::anyhow!("{var} must be a number of seconds, not '{raw}'")
                })?)
            }
            Kind::Rate => {
                let rate = raw.trim().parse::<f64>().ok().filter(|r| r.is_finite());
                figment::value::Value::from(rate.ok_or_else(|| {
                    anyhow::anyhow!("{var} must be a number (messages a second), not '{raw}'")
                })?)
            }
            Kind::Flag => figment::value::Value::from(
                parse_flag(&raw)
                    .ok_or_else(|| anyhow::anyhow!("{var} must be true or false, not '{raw}'"))?,
            ),
        };
        dict.insert(key, value);
    }
    Ok(dict)
}

fn parse_flag(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

impl Config {
    /// Defaults, then the file (if given or if `kaamgar.toml` exists), then `KAAMGAR_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        Config::load_with_env(file, std::env::vars_os())
    }

    /// [`Config::load`] with the environment given, so tests need not change the process's own.
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Config> {
        let mut fig = Figment::from(figment::providers::Serialized::defaults(Config::default()));
        match file {
            Some(p) if !p.exists() => bail!("configuration file {} does not exist", p.display()),
            Some(p) => fig = fig.merge(Toml::file(p)),
            None if Path::new("kaamgar.toml").exists() => {
                fig = fig.merge(Toml::file("kaamgar.toml"))
            }
            None => {}
        }
        fig = fig.merge(figment::providers::Serialized::defaults(env_settings(env)?));
        let cfg: Config = fig.extract().context("reading configuration")?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<()> {
        let url = self.database_url.as_str();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            bail!("KAAMGAR_DATABASE_URL must start with sqlite:// or postgres://");
        }
        self.socket_addr()?;
        if self.area_districts().is_empty() {
            bail!("KAAMGAR_AREA must name at least one district");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("KAAMGAR_LOG_FORMAT must be text or json");
        }
        if !(self.whatsapp_send_rate > 0.0 && self.whatsapp_send_rate <= 1000.0) {
            bail!("KAAMGAR_WHATSAPP_SEND_RATE must be between 0 and 1000 messages a second");
        }
        for (key, name) in [
            (
                "KAAMGAR_WHATSAPP_TEMPLATE_LEAD",
                &self.whatsapp_template_lead,
            ),
            (
                "KAAMGAR_WHATSAPP_TEMPLATE_FOLLOW_UP",
                &self.whatsapp_template_follow_up,
            ),
            (
                "KAAMGAR_WHATSAPP_TEMPLATE_INVITE",
                &self.whatsapp_template_invite,
            ),
            (
                "KAAMGAR_WHATSAPP_TEMPLATE_CERTIFICATE",
                &self.whatsapp_template_certificate,
            ),
        ] {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                bail!("{key} must be a template name: lower-case letters, digits and _");
            }
        }
        if !(60..=24 * 3600).contains(&self.lead_timeout_secs) {
            bail!("KAAMGAR_LEAD_TIMEOUT_SECS must be between 60 and 86400");
        }
        if !(60..=30 * 24 * 3600).contains(&self.follow_up_after_secs) {
            bail!("KAAMGAR_FOLLOW_UP_AFTER_SECS must be between 60 and 2592000");
        }
        if !(0..=7 * 24 * 3600).contains(&self.engaged_secs) {
            bail!("KAAMGAR_ENGAGED_SECS must be between 0 and 604800");
        }
        if !(1.0..=120.0).contains(&self.search_near_km) {
            bail!("KAAMGAR_SEARCH_NEAR_KM must be between 1 and 120");
        }
        if let Some(h) = &self.helpline {
            let ok = h.chars().count() <= 20
                && h.chars().any(|c| c.is_ascii_digit())
                && h.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'));
            if !ok {
                bail!(
                    "KAAMGAR_HELPLINE must be a phone number (digits, spaces, + and -), not '{h}'"
                );
            }
        }
        if let Some(n) = &self.whatsapp_number
            && !(n.len() >= 10 && n.len() <= 15 && n.bytes().all(|b| b.is_ascii_digit()))
        {
            bail!(
                "KAAMGAR_WHATSAPP_NUMBER must be the business number's digits with the country code, e.g. 919876543210"
            );
        }
        self.public_host()?;
        if let Some(a) = &self.metrics_addr {
            a.parse::<SocketAddr>().with_context(|| {
                format!("KAAMGAR_METRICS_ADDR '{a}' is not an address like 127.0.0.1:9090")
            })?;
        }
        kaamgar_web::dashboard::client::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("KAAMGAR_TRUSTED_PROXIES: {e}"))?;
        if self.max_upload_mb == 0 || self.max_upload_mb > 1024 {
            bail!("KAAMGAR_MAX_UPLOAD_MB must be between 1 and 1024");
        }
        Ok(())
    }

    pub fn socket_addr(&self) -> Result<SocketAddr> {
        self.addr.parse().with_context(|| {
            format!(
                "KAAMGAR_ADDR '{}' is not an address like 127.0.0.1:8080",
                self.addr
            )
        })
    }

    /// The host of `KAAMGAR_PUBLIC_URL` (`https://kaamgar.saran.example/` → `kaamgar.saran.example`).
    pub fn public_host(&self) -> Result<Option<String>> {
        let Some(url) = &self.public_url else {
            return Ok(None);
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .with_context(|| {
                format!("KAAMGAR_PUBLIC_URL '{url}' must start with https:// or http://")
            })?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = kaamgar_web::host_name(authority);
        if host.is_empty() || host.contains('@') {
            bail!("KAAMGAR_PUBLIC_URL '{url}' has no host");
        }
        Ok(Some(host.to_ascii_lowercase()))
    }

    pub fn area_districts(&self) -> Vec<String> {
        self.area
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The configuration as TOML with every secret replaced by `***`.
    pub fn redacted_toml(&self) -> String {
        let mut c = self.clone();
        c.database_url = kaamgar_store::redact(&c.database_url);
        for s in [
            &mut c.api_token,
            &mut c.whatsapp_verify_token,
            &mut c.whatsapp_app_secret,
            &mut c.whatsapp_access_token,
            &mut c.secret_key,
        ] {
            if s.is_some() {
                *s = Some("***".into());
            }
        }
        let mut out = String::new();
        for (k, v) in serde_json::to_value(&c)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
        {
            match v {
                serde_json::Value::Null => out.push_str(&format!("# {k} is not set\n")),
                other => out.push_str(&format!("{k} = {other}\n")),
            }
        }
        out
    }
}

pub const EXAMPLE: &str = r#"# kaamgar configuration. Every key can also be set as an environment variable
# KAAMGAR_<KEY IN CAPITALS>, which wins over this file.

# Embedded SQLite (default) or PostgreSQL: "postgres://kaamgar:secret@127.0.0.1:5432/kaamgar"
database_url = "sqlite://kaamgar.db"

# Where the HTTP server listens. Listening beyond 127.0.0.1 requires public_url.
addr = "127.0.0.1:8080"

# Service area: district names, comma-separated.
area = "Saran"
# area = "Kanpur Nagar,Kanpur Dehat,Kannauj,Auraiya,Etawah,Farrukhabad"

# The service token (secret): full access to /api/v1 and /metrics. Accounts get their own tokens with
# `kaamgar user token NAME`; nobody calls the API without a token.
# api_token = "change-me"

# The address users reach kaamgar at; requests for other hosts are refused. Needed to listen beyond 127.0.0.1.
# public_url = "https://kaamgar.saran.example"
# A separate listener for /metrics without a token (keep it off the public network).
# metrics_addr = "127.0.0.1:9090"

max_upload_mb = 64
log_format = "text"

# WhatsApp Cloud API (secrets).
# whatsapp_verify_token = ""
# whatsapp_app_secret = ""
# whatsapp_access_token = ""
# whatsapp_phone_number_id = ""
whatsapp_api_base = "https://graph.facebook.com/v23.0"
# Messages a second per business number.
whatsapp_send_rate = 80
# Approved message templates used outside WhatsApp's 24-hour window.
whatsapp_template_lead = "kaamgar_lead"
whatsapp_template_follow_up = "kaamgar_follow_up"

# A worker has this long to accept a lead; the citizen is asked about the work this long after.
lead_timeout_secs = 900
follow_up_after_secs = 86400

# A number people can call, given wherever the bot cannot help further (e.g. "1800 345 6789").
# helpline = ""
# The WhatsApp business number people write to, digits with the country code: a training session's QR code opens a
# chat with it, "हाज़िर" and the session's code typed in.
# whatsapp_number = "919876543210"
# A worker who accepted a job is not offered other leads for this long, unless the citizen says it is done sooner.
engaged_secs = 21600
# Workers within this many km are offered first; farther ones when the citizen asks to search farther.
search_near_km = 30

# The dashboard's cookies are marked Secure (set true when users reach kaamgar over HTTPS).
secure_cookies = false

# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client, e.g. "127.0.0.1" when nginx
# runs on the same machine. Sign-in limits count per client address.
trusted_proxies = ""

# The server's secret key (secret, at least 32 characters; `openssl rand -hex 32`). It keys the erasure register.
# Unset with SQLite: kaamgar.key is created beside the database at first start; back it up with the database.
# Required with PostgreSQL, the same on every server.
# secret_key = ""
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_a_valid_configuration() {
        let cfg: Config =
            Figment::from(figment::providers::Serialized::defaults(Config::default()))
                .merge(Toml::string(EXAMPLE))
                .extract()
                .unwrap();
        cfg.validate().unwrap();
        assert_eq!(cfg.area_districts(), ["Saran"]);
    }

    fn env(vars: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        vars.iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn string_settings_take_the_environment_value_byte_for_byte() {
        let odd = [
            "109876543210987",
            "123456",
            "true",
            "1.5",
            "[abc]",
            "\"quoted\"",
            " spaced ",
            "0",
        ];
        for value in odd {
            let cfg = Config::load_with_env(
                None,
                env(&[
                    ("KAAMGAR_WHATSAPP_PHONE_NUMBER_ID", value),
                    ("KAAMGAR_API_TOKEN", value),
                    ("KAAMGAR_WHATSAPP_APP_SECRET", value),
                    ("KAAMGAR_WHATSAPP_VERIFY_TOKEN", value),
                    ("KAAMGAR_WHATSAPP_ACCESS_TOKEN", value),
                ]),
            )
            .unwrap_or_else(|e| panic!("{value}: {e:#}"));
            for got in [
                &cfg.whatsapp_phone_number_id,
                &cfg.api_token,
                &cfg.whatsapp_app_secret,
                &cfg.whatsapp_verify_token,
                &cfg.whatsapp_access_token,
            ] {
                assert_eq!(got.as_deref(), Some(value));
            }
        }
    }

    #[test]
    fn a_numeric_area_or_template_is_read_as_text_and_judged_by_its_own_rule() {
        let e = Config::load_with_env(None, env(&[("KAAMGAR_AREA", "123")])).unwrap();
        assert_eq!(e.area, "123");
        let e =
            Config::load_with_env(None, env(&[("KAAMGAR_WHATSAPP_TEMPLATE_LEAD", "1")])).unwrap();
        assert_eq!(e.whatsapp_template_lead, "1");
    }

    #[test]
    fn a_bad_typed_setting_names_its_variable() {
        for (var, value) in [
            ("KAAMGAR_MAX_UPLOAD_MB", "lots"),
            ("KAAMGAR_LEAD_TIMEOUT_SECS", "15m"),
            ("KAAMGAR_WHATSAPP_SEND_RATE", "fast"),
            ("KAAMGAR_SECURE_COOKIES", "maybe"),
        ] {
            let e = Config::load_with_env(None, env(&[(var, value)])).unwrap_err();
            let msg = format!("{e:#}");
            assert!(msg.contains(var) && msg.contains(value), "{msg}");
        }
        let cfg = Config::load_with_env(
            None,
            env(&[
                ("KAAMGAR_MAX_UPLOAD_MB", " 32 "),
                ("KAAMGAR_SECURE_COOKIES", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.max_upload_mb, 32);
        assert!(cfg.secure_cookies);
    }

    #[test]
    fn an_empty_secret_is_not_set_and_other_kaamgar_variables_are_ignored() {
        let cfg = Config::load_with_env(
            None,
            env(&[
                ("KAAMGAR_API_TOKEN", ""),
                ("KAAMGAR_LOG", "debug"),
                ("KAAMGAR_BROWSER_TESTS", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.api_token, None);
    }

    #[test]
    fn redaction_hides_every_secret() {
        let c = Config {
            database_url: "postgres://k:pw@h/db".into(),
            api_token: Some("tok".into()),
            whatsapp_app_secret: Some("shh".into()),
            ..Config::default()
        };
        let t = c.redacted_toml();
        assert!(
            !t.contains("pw@") && !t.contains("tok\"") && !t.contains("shh"),
            "{t}"
        );
    }
}
