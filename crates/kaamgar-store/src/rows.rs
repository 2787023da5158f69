//! Mapping between `workers` rows and domain types, and the column order shared by every insert.
//! The Any driver carries only primitive types, so enums and lists are stored as text and checked on the way out.

use crate::{Backend, Result, StoreError};
use kaamgar_domain::PhoneNumber;
use kaamgar_domain::places::{Place, Precision};
use kaamgar_domain::worker::{Availability, Consent, ConsentMethod, Gender, NewWorker, Worker};
use sqlx::any::AnyRow;
use sqlx::query::Query;
use sqlx::{Any, Row};

pub(crate) type AnyQuery<'q> = Query<'q, Any, sqlx::any::AnyArguments>;

/// Columns written from a `NewWorker`, in bind order.
pub(crate) const DATA_COLUMNS: [&str; 24] = [
    "phone",
    "name",
    "gender",
    "age",
    "trade",
    "other_trades",
    "experience_years",
    "village",
    "panchayat",
    "block",
    "block_lgd",
    "district",
    "district_lgd",
    "state",
    "pin",
    "lat",
    "lon",
    "place_precision",
    "languages",
    "availability",
    "source",
    "consent_at",
    "consent_method",
    "content_hash",
];

pub(crate) const SELECT_WORKER: &str = "SELECT id, phone, name, gender, age, trade, other_trades, experience_years, \
    village, panchayat, block, block_lgd, district, district_lgd, state, pin, lat, lon, place_precision, languages, \
    availability, source, consent_at, consent_method, verified, rating_sum, rating_count, created_at, updated_at, seq, \
    deleted_at FROM workers";

/// `($1, $2, …), (…)` for `rows` tuples of `cols` values, numbering from `start + 1` on PostgreSQL; plain `?` on
/// SQLite, where `$N` is a named parameter that sqlx resolves by name for every bind (quadratic in big batches).
pub(crate) fn placeholders(backend: Backend, rows: usize, cols: usize, start: usize) -> String {
    if backend == Backend::Sqlite {
        let tuple = format!("({})", vec!["?"; cols].join(", "));
        return vec![tuple; rows].join(", ");
    }
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(start + r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

/// One column value of a worker row, typed as stored.
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Float(f64),
}

impl Value {
    /// The SQL type name, for PostgreSQL array casts.
    pub(crate) fn pg_type(&self) -> &'static str {
        match self {
            Value::Text(_) => "text",
            Value::Int(_) => "bigint",
            Value::Float(_) => "float8",
        }
    }

    /// The value as PostgreSQL's text input reads it; `None` for SQL NULL.
    pub(crate) fn as_text(&self) -> Option<String> {
        match self {
            Value::Text(v) => v.clone(),
            Value::Int(v) => v.map(|i| i.to_string()),
            Value::Float(f) => Some(f.to_string()),
        }
    }
}

/// The `DATA_COLUMNS` of one worker, in order: the single place that maps a worker to its columns.
pub(crate) fn data_values(w: &NewWorker, hash: i64) -> [Value; 24] {
    let p = &w.place;
    let text = |s: &str| Value::Text(Some(s.to_string()));
    [
        text(&w.phone.e164()),
        text(&w.name),
        Value::Text(w.gender.map(|g| g.as_str().to_string())),
        Value::Int(w.age.map(i64::from)),
        text(&w.trade),
        text(&w.other_trades.join(",")),
        Value::Int(w.experience_years.map(i64::from)),
        Value::Text(p.village.clone()),
        Value::Text(p.panchayat.clone()),
        Value::Text(p.block.clone()),
        Value::Int(p.block_lgd.map(i64::from)),
        text(&p.district),
        Value::Int(p.district_lgd.map(i64::from)),
        text(&p.state),
        Value::Int(p.pin.map(i64::from)),
        Value::Float(p.lat),
        Value::Float(p.lon),
        text(p.precision.as_str()),
        text(&w.languages.join(",")),
        text(w.availability.as_str()),
        text(&w.source),
        Value::Int(Some(w.consent.given_at)),
        text(w.consent.method.as_str()),
        Value::Int(Some(hash)),
    ]
}

/// Binds the `DATA_COLUMNS` of one worker.
pub(crate) fn bind_data<'q>(mut q: AnyQuery<'q>, w: &NewWorker, hash: i64) -> AnyQuery<'q> {
    for v in data_values(w, hash) {
        q = match v {
            Value::Text(t) => q.bind(t),
            Value::Int(i) => q.bind(i),
            Value::Float(f) => q.bind(f),
        };
    }
    q
}

/// A stable 64-bit FNV-1a hash of everything an import can change, so a re-import can tell "same" from "changed"
/// without comparing every column in SQL. The consent time is left out: a list without consent dates records the
/// time of import, and importing the same list again does not change when consent was given.
pub(crate) fn content_hash(w: &NewWorker) -> i64 {
    let mut w = w.clone();
    w.consent.given_at = 0;
    let text = serde_json::to_string(&w).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h as i64
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} '{v}'"))
}

pub(crate) fn list(s: String) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn small(v: Option<i64>) -> Option<u8> {
    v.and_then(|x| u8::try_from(x).ok())
}

fn code(v: Option<i64>) -> Option<u32> {
    v.and_then(|x| u32::try_from(x).ok())
}

pub(crate) fn worker_from_row(r: &AnyRow) -> Result<Worker> {
    let phone: String = r.try_get("phone")?;
    let gender: Option<String> = r.try_get("gender")?;
    let precision: String = r.try_get("place_precision")?;
    let availability: String = r.try_get("availability")?;
    let method: String = r.try_get("consent_method")?;
    let data = NewWorker {
        // Erased workers keep a placeholder instead of a phone; they are never returned by reads.
        phone: PhoneNumber::parse(&phone).map_err(|_| corrupt("phone", "(hidden)"))?,
        name: r.try_get("name")?,
        gender: match gender {
            Some(g) => Some(Gender::parse(&g).ok_or_else(|| corrupt("gender", &g))?),
            None => None,
        },
        age: small(r.try_get("age")?),
        trade: r.try_get("trade")?,
        other_trades: list(r.try_get("other_trades")?),
        experience_years: small(r.try_get("experience_years")?),
        place: Place {
            village: r.try_get("village")?,
            panchayat: r.try_get("panchayat")?,
            block: r.try_get("block")?,
            block_lgd: code(r.try_get("block_lgd")?),
            district: r.try_get("district")?,
            district_lgd: code(r.try_get("district_lgd")?),
            state: r.try_get("state")?,
            pin: code(r.try_get("pin")?),
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
            precision: Precision::parse(&precision)
                .ok_or_else(|| corrupt("precision", &precision))?,
        },
        languages: list(r.try_get("languages")?),
        availability: Availability::parse(&availability)
            .ok_or_else(|| corrupt("availability", &availability))?,
        source: r.try_get("source")?,
        consent: Consent {
            given_at: r.try_get("consent_at")?,
            method: ConsentMethod::parse(&method)
                .ok_or_else(|| corrupt("consent method", &method))?,
        },
    };
    let verified: i64 = r.try_get("verified")?;
    Ok(Worker {
        id: r.try_get("id")?,
        data,
        verified: verified != 0,
        rating_sum: r.try_get("rating_sum")?,
        rating_count: r.try_get("rating_count")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        seq: r.try_get("seq")?,
    })
}

#[cfg(test)]
mod tests {
    use super::placeholders;
    use crate::Backend;

    #[test]
    fn numbers_placeholders_across_rows() {
        assert_eq!(
            placeholders(Backend::Postgres, 2, 2, 1),
            "($2, $3), ($4, $5)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 2, 2, 1), "(?, ?), (?, ?)");
    }
}
