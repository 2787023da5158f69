//! `kaamgar user …`: officials' accounts from the command line. Passwords are asked for on a terminal (not echoed)
//! or read from the first line of standard input, so that scripts can create accounts; they are stored as argon2id
//! hashes. API tokens are printed once and stored as SHA-256 digests.

use crate::app::{App, now};
use crate::config::Config;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use kaamgar_app::accounts::{hash_password, new_token, token_digest};
use kaamgar_domain::access::{Role, ScopeLevel};
use kaamgar_store::{AccountStore, NewUser, StoreError};
use std::io::{BufRead, IsTerminal, Write};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Roles: state_admin, district_admin, block_officer, viewer, training_partner, employer,
    /// child_protection. The password is asked for on a terminal, or read from the first line of standard input.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// The district the account works in (every role except state_admin).
        #[arg(long)]
        district: Option<String>,
        /// The block (block_officer).
        #[arg(long)]
        block: Option<String>,
        /// Language of the dashboard until the user switches: hi or en.
        #[arg(long, default_value = "hi")]
        lang: String,
    },
    /// List accounts (never their passwords).
    List,
    /// Set a new password (read like `add`); ends the account's sessions.
    Password { name: String },
    /// Disable an account; ends its sessions and revokes its API tokens.
    Disable { name: String },
    /// Create an API token for an account: printed once, stored only as a digest. Use it as
    /// `Authorization: Bearer <token>`; it sees what the account sees.
    Token {
        name: String,
        #[arg(long, default_value = "integration")]
        label: String,
    },
}

pub async fn run(cfg: Config, cmd: UserCommand) -> Result<()> {
    let app = App::open(cfg).await?;
    let store = app.store.as_ref();
    match cmd {
        UserCommand::Add {
            name,
            role,
            district,
            block,
            lang,
        } => {
            let user = new_user(
                &app,
                &name,
                &role,
                district.as_deref(),
                block.as_deref(),
                &lang,
            )?;
            let password = read_password()?;
            let hash = hash_password(&password)?;
            let id = match store
                .create_user(
                    &NewUser {
                        password_hash: hash,
                        ..user
                    },
                    now(),
                )
                .await
            {
                Err(StoreError::NameTaken) => bail!("an account named '{name}' already exists"),
                other => other.context("creating the account")?,
            };
            println!("account {id} '{name}' created ({role})");
        }
        UserCommand::List => {
            for u in store.list_users().await? {
                let place = [u.district.as_deref(), u.block.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" / ");
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{}\t{}\t{}", u.id, u.name, u.role, place, state);
            }
        }
        UserCommand::Password { name } => {
            let u = find(store, &name).await?;
            let hash = hash_password(&read_password()?)?;
            store.set_user_password(u, &hash, now()).await?;
            println!("password changed for '{name}'; their sessions have ended");
        }
        UserCommand::Disable { name } => {
            let u = find(store, &name).await?;
            store.disable_user(u, now()).await?;
            println!("'{name}' is disabled; sessions ended and API tokens revoked");
        }
        UserCommand::Token { name, label } => {
            let u = find(store, &name).await?;
            let token = new_token("kg_")?;
            store
                .create_api_token(&token_digest(&token), u, &label, now())
                .await?;
            println!("{token}");
            eprintln!("this token is shown once; store it safely");
        }
    }
    Ok(())
}

/// Hashes a password on a blocking thread (argon2 takes tens of milliseconds).
pub async fn hash_off_runtime(password: &str) -> Result<String> {
    let p = password.to_string();
    Ok(tokio::task::spawn_blocking(move || hash_password(&p)).await??)
}

async fn find(store: &dyn kaamgar_store::Store, name: &str) -> Result<i64> {
    match store.user_by_name(name).await {
        Ok(u) => Ok(u.id),
        Err(StoreError::NotFound) => bail!("no account named '{name}'"),
        Err(e) => Err(e.into()),
    }
}

/// The account as given, with district and block checked against the gazetteer and stored by their canonical
/// names (the names worker records carry).
fn new_user(
    app: &App,
    name: &str,
    role: &str,
    district: Option<&str>,
    block: Option<&str>,
    lang: &str,
) -> Result<NewUser> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        bail!("the account name must be 1 to 60 characters, without control characters");
    }
    let role = Role::parse(role).with_context(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role '{role}'; use one of {}", all.join(", "))
    })?;
    if !matches!(lang, "hi" | "en") {
        bail!("--lang must be hi or en");
    }
    let level = role.needs();
    let (district, block) = match level {
        ScopeLevel::State => (None, None),
        _ => {
            let d = district.with_context(|| format!("a {} needs --district", role.as_str()))?;
            let id = app.places.resolve_district(d)?;
            let dname = app
                .places
                .district(id)
                .map(|i| i.name.clone())
                .context("district without a name")?;
            let b = match (level, block) {
                (ScopeLevel::Block, None) => bail!("a block_officer needs --block"),
                (ScopeLevel::Block, Some(b)) => Some(app.places.resolve_block(id, b)?.name.clone()),
                (_, Some(_)) => bail!("--block is only for block_officer accounts"),
                (_, None) => None,
            };
            (Some(dname), b)
        }
    };
    Ok(NewUser {
        name: name.to_string(),
        password_hash: String::new(),
        role: role.as_str().to_string(),
        district,
        block,
        lang: lang.to_string(),
    })
}

/// A password from the terminal (without echo, asked twice) or the first line of standard input.
fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = prompt("Password: ")?;
    if prompt("Repeat the password: ")? != first {
        bail!("the passwords differ");
    }
    Ok(first)
}

fn prompt(text: &str) -> Result<String> {
    eprint!("{text}");
    std::io::stderr().flush().ok();
    let echo_off = std::process::Command::new("stty")
        .arg("-echo")
        .status()
        .is_ok_and(|s| s.success());
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if echo_off {
        let _ = std::process::Command::new("stty").arg("echo").status();
    }
    eprintln!();
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
