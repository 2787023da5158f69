//! Accounts: argon2id password hashes, the random tokens of sessions, API access and CSRF (only their SHA-256
//! digests are stored), constant-time comparison, and what an account may do where (`access_of`).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use kaamgar_domain::access::{Caller, Role, Scope, ScopeLevel};
use kaamgar_store::UserRow;
use sha2::{Digest, Sha256};

/// Shortest password accepted for a new account.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("the password is longer than 256 characters")]
    TooLong,
    #[error("could not hash the password: {0}")]
    Hash(String),
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes). Slow on purpose: call it off the
/// async runtime.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > 256 {
        return Err(PasswordError::TooLong);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether the password matches the stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > 1024 {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to check against when the user does not exist, so that an unknown name costs the same time as a wrong
/// password and does not reveal which names exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password never used").unwrap_or_default())
}

/// A fresh random token: `prefix` and 32 random bytes as hex.
pub fn new_token(prefix: &str) -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    Ok(s)
}

/// The digest stored in place of a token.
pub fn token_digest(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two tokens in constant time.
pub fn same(a: &str, b: &str) -> bool {
    constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// Compares without an early exit, so response time does not reveal how much of a secret matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The role and jurisdiction of an account; `None` for an account whose row does not make sense (a block officer
/// without a block), which then cannot sign in.
pub fn access_of(u: &UserRow) -> Option<(Role, Scope)> {
    let role = Role::parse(&u.role)?;
    let scope = match role.needs() {
        ScopeLevel::State => Scope::All,
        ScopeLevel::District => Scope::District(u.district.clone()?),
        ScopeLevel::Block => Scope::Block {
            district: u.district.clone()?,
            block: u.block.clone()?,
        },
    };
    Some((role, scope))
}

/// The caller an account is: its id, name, role and jurisdiction; `None` as for [`access_of`].
pub fn caller_of(u: &UserRow) -> Option<Caller> {
    let (role, scope) = access_of(u)?;
    Some(Caller {
        user_id: Some(u.id),
        name: u.name.clone(),
        role,
        scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert_eq!(hash_password("short"), Err(PasswordError::TooShort));
    }

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let a = new_token("kg_").unwrap();
        let b = new_token("kg_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 67);
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), a);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
    }
}
