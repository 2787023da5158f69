//! LGD (Local Government Directory) codes: states, districts, sub-districts and blocks, replaced as a whole on
//! each import so the tables always match one official release.

use crate::rows::placeholders;
use crate::{Backend, Result, SqlStore};
use kaamgar_domain::places::{LgdBlock, LgdDistrict};
use sqlx::{AssertSqlSafe, Row};

/// The four official lists, already parsed.
#[derive(Debug, Clone, Default)]
pub struct LgdData {
    /// (code, name)
    pub states: Vec<(u32, String)>,
    /// (code, state code, name)
    pub districts: Vec<(u32, u32, String)>,
    /// (code, district code, name)
    pub subdistricts: Vec<(u32, u32, String)>,
    /// (code, district code, name)
    pub blocks: Vec<(u32, u32, String)>,
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

async fn insert_all(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    table: &str,
    rows: &[(u32, u32, String)],
    three: bool,
) -> Result<()> {
    let cols = if three { 3 } else { 2 };
    for chunk in rows.chunks(2000) {
        let sql = format!(
            "INSERT INTO {table} VALUES {}",
            placeholders(backend, chunk.len(), cols, 0)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (code, parent, name) in chunk {
            q = q.bind(i64::from(*code));
            if three {
                q = q.bind(i64::from(*parent));
            }
            q = q.bind(name.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl crate::PlacesStore for SqlStore {
    async fn replace_lgd(&self, d: &LgdData) -> Result<()> {
        let mut tx = self.write.begin().await?;
        for t in [
            "lgd_blocks",
            "lgd_subdistricts",
            "lgd_districts",
            "lgd_states",
        ] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {t}")))
                .execute(&mut *tx)
                .await?;
        }
        let states: Vec<(u32, u32, String)> =
            d.states.iter().map(|(c, n)| (*c, 0, n.clone())).collect();
        insert_all(
            &mut tx,
            self.backend,
            "lgd_states (code, name)",
            &states,
            false,
        )
        .await?;
        insert_all(
            &mut tx,
            self.backend,
            "lgd_districts (code, state_code, name)",
            &d.districts,
            true,
        )
        .await?;
        insert_all(
            &mut tx,
            self.backend,
            "lgd_subdistricts (code, district_code, name)",
            &d.subdistricts,
            true,
        )
        .await?;
        insert_all(
            &mut tx,
            self.backend,
            "lgd_blocks (code, district_code, name)",
            &d.blocks,
            true,
        )
        .await?;
        // Place names changed meaning: read models must rebuild their place data too.
        SqlStore::next_seq(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn lgd(&self) -> Result<(Vec<LgdDistrict>, Vec<LgdBlock>)> {
        let rows = sqlx::query(
            "SELECT d.code AS code, d.name AS name, d.state_code AS state_code, s.name AS state_name \
             FROM lgd_districts d JOIN lgd_states s ON s.code = d.state_code ORDER BY d.code",
        )
        .fetch_all(&self.read)
        .await?;
        let mut districts = Vec::with_capacity(rows.len());
        for r in rows {
            districts.push(LgdDistrict {
                code: to_u32(r.try_get("code")?),
                name: r.try_get("name")?,
                state_code: to_u32(r.try_get("state_code")?),
                state_name: r.try_get("state_name")?,
            });
        }
        let rows = sqlx::query(
            "SELECT b.code AS code, b.name AS name, b.district_code AS district_code, d.name AS district_name, \
             s.name AS state_name FROM lgd_blocks b JOIN lgd_districts d ON d.code = b.district_code \
             JOIN lgd_states s ON s.code = d.state_code ORDER BY b.code",
        )
        .fetch_all(&self.read)
        .await?;
        let mut blocks = Vec::with_capacity(rows.len());
        for r in rows {
            blocks.push(LgdBlock {
                code: to_u32(r.try_get("code")?),
                name: r.try_get("name")?,
                district_code: to_u32(r.try_get("district_code")?),
                district_name: r.try_get("district_name")?,
                state_name: r.try_get("state_name")?,
            });
        }
        Ok((districts, blocks))
    }
}
