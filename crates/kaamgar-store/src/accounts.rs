//! Officials' accounts: users, sign-in sessions and API tokens (only SHA-256 digests of their secrets are stored,
//! so a copy of the database does not let anyone in), and the audit log of writes and sensitive reads.

use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Row};

const NAME_UNIQUE: &str = "users_name_key";

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub district: Option<String>,
    pub block: Option<String>,
    pub lang: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub district: Option<String>,
    pub block: Option<String>,
    pub lang: String,
    pub disabled: bool,
    pub created_at: i64,
}

/// A live session with its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: UserRow,
    pub csrf: String,
    pub created_at: i64,
    pub seen_at: i64,
    pub expires_at: i64,
}

/// A sign-in session to open. Only digests of the session token are stored.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf: &'a str,
    pub now: i64,
    pub expires_at: i64,
    /// The digest of a session cookie brought to the sign-in: that session ends (a new sign-in never reuses one).
    pub replaces: Option<&'a str>,
}

/// One line of the audit log. `outcome` is `ok`, `denied` or `invalid`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: i64,
    pub user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Fails with `NameTaken` when the name is in use.
    async fn create_user(&self, u: &NewUser, now: i64) -> Result<i64>;
    async fn user_by_name(&self, name: &str) -> Result<UserRow>;
    async fn list_users(&self) -> Result<Vec<UserRow>>;
    async fn set_user_lang(&self, id: i64, lang: &str, now: i64) -> Result<()>;
    async fn set_user_password(&self, id: i64, password_hash: &str, now: i64) -> Result<()>;
    /// Disables an account and ends its sessions and tokens.
    async fn disable_user(&self, id: i64, now: i64) -> Result<()>;

    /// Opens a session, ends the one it replaces (a cookie brought to the sign-in) and writes the audit row, in
    /// one transaction.
    async fn create_session(&self, s: &NewSession<'_>, audit: &AuditEntry) -> Result<()>;
    /// The session if it exists, has not expired and its user is enabled.
    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>>;
    async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()>;
    /// Ends a session; with an audit row (signing out) both are written in one transaction.
    async fn delete_session(&self, token_hash: &str, audit: Option<&AuditEntry>) -> Result<()>;
    async fn delete_expired_sessions(&self, now: i64) -> Result<u64>;

    async fn create_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        label: &str,
        now: i64,
    ) -> Result<()>;
    /// The enabled user an unrevoked token belongs to.
    async fn api_token_user(&self, token_hash: &str, now: i64) -> Result<Option<UserRow>>;

    async fn audit(&self, e: &AuditEntry) -> Result<()>;
    /// Entries with ids below `before`, newest first; with `district`, only what that district's users did.
    async fn audit_log(
        &self,
        before: i64,
        limit: i64,
        district: Option<&str>,
    ) -> Result<Vec<(i64, AuditEntry)>> {
        let f = AuditFilter {
            district: district.map(str::to_string),
            ..Default::default()
        };
        self.audit_find(&f, before, limit).await
    }
    /// The audit log newest first below the row id `before`, as the filter narrows it.
    async fn audit_find(
        &self,
        f: &AuditFilter,
        before: i64,
        limit: i64,
    ) -> Result<Vec<(i64, AuditEntry)>>;
}

/// Which audit rows to read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Only what the officials of this district did.
    pub district: Option<String>,
    /// The name the row was written under.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Of one record (`worker:12`).
    pub target: Option<String>,
    /// At or after this time.
    pub from: Option<i64>,
    /// Before this time.
    pub to: Option<i64>,
}

const USER_COLUMNS: &str = "u.id, u.name, u.password_hash, u.role, u.district, u.block, u.lang, u.disabled_at, u.created_at";

fn user_from(r: &sqlx::any::AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        role: r.try_get("role")?,
        district: r.try_get("district")?,
        block: r.try_get("block")?,
        lang: r.try_get("lang")?,
        disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        created_at: r.try_get("created_at")?,
    })
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_user(&self, u: &NewUser, now: i64) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, password_hash, role, district, block, lang, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(&u.name)
        .bind(&u.password_hash)
        .bind(&u.role)
        .bind(&u.district)
        .bind(&u.block)
        .bind(&u.lang)
        .bind(now)
        .fetch_one(&self.write)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db)
                if db.is_unique_violation()
                    && db.constraint().is_none_or(|c| c == NAME_UNIQUE) =>
            {
                StoreError::NameTaken
            }
            _ => StoreError::Database(e),
        })?;
        Ok(id)
    }

    async fn user_by_name(&self, name: &str) -> Result<UserRow> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.name = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from(&row)
    }

    async fn list_users(&self) -> Result<Vec<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(user_from).collect()
    }

    async fn set_user_lang(&self, id: i64, lang: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE users SET lang = $1, updated_at = $2 WHERE id = $3")
            .bind(lang)
            .bind(now)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn set_user_password(&self, id: i64, password_hash: &str, now: i64) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        // A new password ends every session opened with the old one.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn disable_user(&self, id: i64, now: i64) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query("UPDATE users SET disabled_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(&self, s: &NewSession<'_>, audit: &AuditEntry) -> Result<()> {
        let mut tx = self.write.begin().await?;
        if let Some(old) = s.replaces {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(s.token_hash)
        .bind(s.user_id)
        .bind(s.csrf)
        .bind(s.now)
        .bind(s.expires_at)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf, s.created_at AS s_created, s.seen_at, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| {
            Ok(SessionRow {
                user: user_from(&r)?,
                csrf: r.try_get("csrf")?,
                created_at: r.try_get("s_created")?,
                seen_at: r.try_get("seen_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str, audit: Option<&AuditEntry>) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        if let Some(a) = audit {
            insert_audit(&mut *tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }

    async fn create_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        label: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(label)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn api_token_user(&self, token_hash: &str, now: i64) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?
        else {
            return Ok(None);
        };
        // Last use to the minute is enough, and spares a write per API call.
        let last: Option<i64> = row.try_get("last_used_at")?;
        if last.is_none_or(|t| now - t >= 60) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&self.write)
                .await?;
        }
        user_from(&row).map(Some)
    }

    async fn audit(&self, e: &AuditEntry) -> Result<()> {
        insert_audit(&self.write, e).await
    }

    async fn audit_find(
        &self,
        f: &AuditFilter,
        before: i64,
        limit: i64,
    ) -> Result<Vec<(i64, AuditEntry)>> {
        // Only the conditions asked for are written, so each can use its index (actor, action, target, at).
        let mut sql =
            "SELECT id, at, user_id, actor, action, target, outcome, detail, ip FROM audit_log \
                       WHERE id < $1"
                .to_string();
        let mut texts: Vec<&str> = Vec::new();
        let mut times: Vec<i64> = Vec::new();
        if f.district.is_some() {
            texts.push(f.district.as_deref().unwrap_or_default());
            sql.push_str(&format!(
                " AND user_id IN (SELECT id FROM users WHERE district = ${})",
                texts.len() + 1
            ));
        }
        for (col, v) in [
            ("actor", &f.actor),
            ("action", &f.action),
            ("target", &f.target),
        ] {
            if let Some(v) = v {
                texts.push(v);
                sql.push_str(&format!(" AND {col} = ${}", texts.len() + 1));
            }
        }
        for (cond, v) in [("at >=", f.from), ("at <", f.to)] {
            if let Some(v) = v {
                times.push(v);
                sql.push_str(&format!(" AND {cond} ${}", texts.len() + times.len() + 1));
            }
        }
        sql.push_str(&format!(
            " ORDER BY id DESC LIMIT ${}",
            texts.len() + times.len() + 2
        ));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before);
        for t in texts {
            q = q.bind(t.to_string());
        }
        for t in times {
            q = q.bind(t);
        }
        let rows = q.bind(limit).fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    AuditEntry {
                        at: r.try_get("at")?,
                        user_id: r.try_get("user_id")?,
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        outcome: r.try_get("outcome")?,
                        detail: r.try_get("detail")?,
                        ip: r.try_get("ip")?,
                    },
                ))
            })
            .collect()
    }
}

/// The audit row of a write made in a [`crate::Tx`], committed with it.
#[async_trait]
pub trait AuditWrites: Send {
    async fn audit(&mut self, e: &AuditEntry) -> Result<()>;
}

#[async_trait]
impl AuditWrites for crate::tx::SqlTx {
    async fn audit(&mut self, e: &AuditEntry) -> Result<()> {
        insert_audit(&mut *self.tx, e).await
    }
}

/// Writes one audit row, on the pool or inside a caller's transaction (a write and its record together).
pub(crate) async fn insert_audit<'e, E>(executor: E, e: &AuditEntry) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, action, target, outcome, detail, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.at)
    .bind(e.user_id)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.target)
    .bind(&e.outcome)
    .bind(&e.detail)
    .bind(&e.ip)
    .execute(executor)
    .await?;
    Ok(())
}
