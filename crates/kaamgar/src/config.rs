//! Configuration: an optional TOML file overlaid by `KAAMGAR_*` environment variables (the environment wins).
//! Secrets are never printed: `config check` shows them as `***`.

use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Serialize};
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
    /// Seconds a worker has to accept a lead before the next one is asked.
    pub lead_timeout_secs: i64,
    /// Seconds after a lead is accepted that the citizen is asked whether the work was done.
    pub follow_up_after_secs: i64,
    /// Mark the dashboard's cookies `Secure`: set it when users reach kaamgar over HTTPS (a TLS proxy in front).
    /// Requests that arrive with `X-Forwarded-Proto: https` get `Secure` cookies either way.
    pub secure_cookies: bool,
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
            lead_timeout_secs: 15 * 60,
            follow_up_after_secs: 24 * 3600,
            secure_cookies: false,
        }
    }
}

const KEYS: [&str; 17] = [
    "database_url",
    "addr",
    "area",
    "api_token",
    "max_upload_mb",
    "log_format",
    "whatsapp_verify_token",
    "whatsapp_app_secret",
    "whatsapp_access_token",
    "whatsapp_phone_number_id",
    "whatsapp_api_base",
    "whatsapp_send_rate",
    "whatsapp_template_lead",
    "whatsapp_template_follow_up",
    "lead_timeout_secs",
    "follow_up_after_secs",
    "secure_cookies",
];

impl Config {
    /// Defaults, then the file (if given or if `kaamgar.toml` exists), then `KAAMGAR_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let mut fig = Figment::from(figment::providers::Serialized::defaults(Config::default()));
        match file {
            Some(p) if !p.exists() => bail!("configuration file {} does not exist", p.display()),
            Some(p) => fig = fig.merge(Toml::file(p)),
            None if Path::new("kaamgar.toml").exists() => {
                fig = fig.merge(Toml::file("kaamgar.toml"))
            }
            None => {}
        }
        fig = fig.merge(Env::prefixed("KAAMGAR_").only(&KEYS));
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

# Where the HTTP server listens. Listening beyond 127.0.0.1 requires api_token.
addr = "127.0.0.1:8080"

# Service area: district names, comma-separated.
area = "Saran"
# area = "Kanpur Nagar,Kanpur Dehat,Kannauj,Auraiya,Etawah,Farrukhabad"

# Bearer token for /api/v1 (secret).
# api_token = "change-me"

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

# The dashboard's cookies are marked Secure (set true when users reach kaamgar over HTTPS).
secure_cookies = false
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
