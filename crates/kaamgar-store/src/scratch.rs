//! Throw-away PostgreSQL databases for benchmarks and tests: created from an administrative URL, dropped after.

use crate::Result;
use sqlx::{AssertSqlSafe, Connection};

/// Creates (or re-creates) database `name` next to the one `admin_url` points at and returns its URL.
/// `name` must be a plain identifier.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String> {
    let statements = [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ];
    administer(admin_url, name, &statements).await?;
    Ok(replace_database(admin_url, name))
}

pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<()> {
    administer(
        admin_url,
        name,
        &[format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")],
    )
    .await
}

/// Runs database-level statements about database `name` on an administrative connection.
async fn administer(admin_url: &str, name: &str, statements: &[String]) -> Result<()> {
    assert!(
        name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "database name must be an identifier"
    );
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    for statement in statements {
        sqlx::raw_sql(AssertSqlSafe(statement.clone()))
            .execute(&mut admin)
            .await?;
    }
    admin.close().await?;
    Ok(())
}

/// `postgres://u@h:5432/test?x=y` with the database replaced by `name`.
pub fn replace_database(url: &str, name: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map_or((url, None), |(h, q)| (h, Some(q)));
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    let root = match head[authority_start..].find('/') {
        Some(i) => &head[..authority_start + i],
        None => head,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            super::replace_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
