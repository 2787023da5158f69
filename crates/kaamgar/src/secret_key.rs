//! The server's secret key: `KAAMGAR_SECRET_KEY`, or for an SQLite database a key file created beside it at first
//! start (readable by its owner only). The erasure register is keyed with it, so the key belongs in every backup of
//! the database: without it an erased person's list row could come back.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Shortest `KAAMGAR_SECRET_KEY` accepted (a 128-bit key written in hex).
pub const MIN_SECRET_LEN: usize = 32;
/// The key file's name, beside an SQLite database.
pub const KEY_FILE: &str = "kaamgar.key";

/// The secret key's bytes for this configuration.
pub fn load(config: &Config) -> Result<Vec<u8>> {
    if let Some(secret) = &config.secret_key {
        if secret.len() < MIN_SECRET_LEN {
            bail!(
                "KAAMGAR_SECRET_KEY must be at least {MIN_SECRET_LEN} characters (e.g. the output of `openssl rand -hex 32`)"
            );
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let url = config.database_url.as_str();
    if url.contains(":memory:") {
        // A database that lives as long as the process needs no key that outlives it.
        return Ok(fresh()?.into_bytes());
    }
    match sqlite_dir(url) {
        Some(dir) => load_or_create(&dir.join(KEY_FILE)),
        None => bail!(
            "set KAAMGAR_SECRET_KEY (at least {MIN_SECRET_LEN} characters, the same on every server of this \
             PostgreSQL database); it keys the erasure register"
        ),
    }
}

/// The folder of an SQLite database file (`sqlite://data/kaamgar.db?mode=rwc` → `data`).
fn sqlite_dir(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    let parent = Path::new(path).parent()?;
    Some(if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent.to_path_buf()
    })
}

fn fresh() -> Result<String> {
    kaamgar_app::accounts::new_token("").context("no randomness for a secret key")
}

fn load_or_create(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let key = text.trim();
            if key.len() < MIN_SECRET_LEN {
                bail!("the key file {} is damaged (too short)", path.display());
            }
            return Ok(key.as_bytes().to_vec());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("reading the key file {}", path.display()));
        }
    }
    let key = fresh()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating the key file {}", path.display()))?;
    writeln!(file, "{key}")
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing the key file {}", path.display()))?;
    tracing::info!(path = %path.display(), "created the secret key file; keep it with the database's backups");
    Ok(key.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_sits_beside_the_sqlite_database() {
        assert_eq!(sqlite_dir("sqlite://kaamgar.db"), Some(PathBuf::from(".")));
        assert_eq!(
            sqlite_dir("sqlite:///var/lib/kaamgar/k.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/kaamgar"))
        );
        assert_eq!(sqlite_dir("postgres://h/db"), None);
    }

    #[test]
    fn a_key_file_is_created_once_for_its_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            database_url: format!("sqlite://{}", dir.path().join("k.db").display()),
            ..Config::default()
        };
        let first = load(&config).unwrap();
        assert_eq!(load(&config).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_secret_and_postgres_without_one_are_refused() {
        let short = Config {
            secret_key: Some("short".into()),
            ..Config::default()
        };
        assert!(format!("{:#}", load(&short).unwrap_err()).contains("KAAMGAR_SECRET_KEY"));
        let pg = Config {
            database_url: "postgres://h/db".into(),
            ..Config::default()
        };
        assert!(format!("{:#}", load(&pg).unwrap_err()).contains("KAAMGAR_SECRET_KEY"));
    }
}
