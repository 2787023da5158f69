//! The erasure register's keyed phone hash. A plain SHA-256 of a 10-digit mobile is reversed in seconds by hashing
//! every number, so the register keeps HMAC-SHA256 under a key derived from the server's secret. The key's
//! fingerprint is kept in the database: a server started with another key refuses to run instead of quietly
//! letting erased people be imported again.

use crate::sql::SqlStore;
use crate::{Result, StoreError};
use hmac::{Hmac, Mac};
use kaamgar_domain::PhoneNumber;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::sync::Arc;

/// The key of the erasure register, derived from the server's secret key.
#[derive(Clone)]
pub struct PhoneKey(Arc<[u8; 32]>);

impl std::fmt::Debug for PhoneKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhoneKey(***)")
    }
}

impl PhoneKey {
    /// Derives the register's key from the server's secret (a purpose label keeps it apart from other uses).
    pub fn derive(secret: &[u8]) -> PhoneKey {
        PhoneKey(Arc::new(mac_of(secret, b"kaamgar erasure register v1")))
    }

    /// The register's entry for a phone: HMAC over the phone's unkeyed digest, so rows written before the key
    /// existed can be re-keyed without knowing the phone.
    pub(crate) fn hash(&self, phone: PhoneNumber) -> String {
        self.over(&unkeyed(phone))
    }

    fn over(&self, unkeyed_hex: &str) -> String {
        hex(&mac_of(self.0.as_slice(), unkeyed_hex.as_bytes()))
    }

    fn fingerprint(&self) -> String {
        hex(&mac_of(self.0.as_slice(), b"fingerprint"))
    }
}

fn mac_of(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn unkeyed(p: PhoneNumber) -> String {
    hex(&Sha256::digest(p.e164().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SqlStore {
    /// Takes the server's key for the erasure register: checks it against the fingerprint stored by the first start
    /// (and stores it then), and re-keys entries written as plain SHA-256 by earlier versions. Returns how many
    /// entries were re-keyed. Until a key is adopted, erasure checks fail rather than pass.
    pub async fn adopt_phone_key(&mut self, key: PhoneKey) -> Result<u64> {
        let mut tx = self.write.begin().await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT fingerprint FROM secret_checks WHERE name = 'erasure'")
                .fetch_optional(&mut *tx)
                .await?;
        match stored {
            Some(f) if f != key.fingerprint() => return Err(StoreError::KeyMismatch),
            Some(_) => {}
            None => {
                sqlx::query("INSERT INTO secret_checks (name, fingerprint) VALUES ('erasure', $1)")
                    .bind(key.fingerprint())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let old: Vec<String> = sqlx::query("SELECT phone_hash FROM erasures WHERE keyed = 0")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("phone_hash"))
            .collect::<Result<_, _>>()?;
        for h in &old {
            sqlx::query("UPDATE erasures SET phone_hash = $1, keyed = 1 WHERE phone_hash = $2")
                .bind(key.over(h))
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.phone_key = Some(key);
        Ok(old.len() as u64)
    }

    pub(crate) fn phone_key(&self) -> Result<&PhoneKey> {
        self.phone_key.as_ref().ok_or(StoreError::NoSecretKey)
    }

    /// The register's entry for a phone, under the adopted key.
    pub(crate) fn phone_hash(&self, phone: PhoneNumber) -> Result<String> {
        Ok(self.phone_key()?.hash(phone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keyed_hash_depends_on_the_key_and_is_not_the_plain_digest() {
        let p = PhoneNumber::parse("9876543210").unwrap();
        let a = PhoneKey::derive(b"one secret of enough length here");
        let b = PhoneKey::derive(b"another secret of enough length!");
        assert_ne!(a.hash(p), b.hash(p));
        assert_ne!(a.hash(p), unkeyed(p));
        assert_eq!(a.hash(p), a.over(&unkeyed(p)));
        assert_eq!(a.hash(p).len(), 64);
    }

    #[tokio::test]
    async fn plain_entries_of_earlier_versions_are_rekeyed_and_another_key_is_refused() {
        let mut store = SqlStore::connect("sqlite::memory:").await.unwrap();
        crate::Store::migrate(&store).await.unwrap();
        let p = PhoneNumber::parse("9876543210").unwrap();
        sqlx::query("INSERT INTO erasures (phone_hash, erased_at, reason) VALUES ($1, 1, 'old')")
            .bind(unkeyed(p))
            .execute(&store.write)
            .await
            .unwrap();
        let key = PhoneKey::derive(b"the first secret key of this db!");
        assert!(matches!(store.phone_hash(p), Err(StoreError::NoSecretKey)));
        assert_eq!(store.adopt_phone_key(key.clone()).await.unwrap(), 1);
        let stored: String = sqlx::query_scalar("SELECT phone_hash FROM erasures")
            .fetch_one(&store.read)
            .await
            .unwrap();
        assert_eq!(stored, key.hash(p));
        assert_eq!(store.adopt_phone_key(key).await.unwrap(), 0);
        let other = PhoneKey::derive(b"a different secret key, mistyped");
        assert!(matches!(
            store.adopt_phone_key(other).await,
            Err(StoreError::KeyMismatch)
        ));
    }
}
