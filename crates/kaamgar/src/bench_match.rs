//! `kaamgar bench match --workers N [--postgis postgres://…]`: the matching index on a synthetic registry with
//! realistic clustering (workers around real post offices, dense in the service area, thinner across Bihar and Uttar
//! Pradesh, a skewed mix of trades), and optionally the same queries against PostgreSQL + PostGIS (GiST index, KNN
//! `ORDER BY geom <-> point` with the trade filter) for the ratio.

use crate::demo::Rng;
use crate::reference;
use anyhow::{Context, Result, bail};
use kaamgar_domain::gazetteer::Gazetteer;
use kaamgar_domain::matching::{MatchIndex, MatchQuery, MatchWorker};
use std::time::Instant;

/// Districts where most synthetic workers live (the service areas of Saran and the Kanpur division).
const DENSE: [&str; 7] = [
    "Saran",
    "Kanpur Nagar",
    "Kanpur Dehat",
    "Etawah",
    "Auraiya",
    "Farrukhabad",
    "Kannauj",
];

struct Synth {
    /// (lat, lon) of post offices, dense-area offices repeated so they carry 70 % of the workers.
    centres: Vec<(f64, f64)>,
    dense: Vec<(f64, f64)>,
    trades: u16,
}

impl Synth {
    fn new(g: &Gazetteer, trades: u16) -> Result<Self> {
        let dense_ids: Vec<u32> = DENSE.iter().flat_map(|n| g.districts_named(n)).collect();
        let mut dense = Vec::new();
        let mut wide = Vec::new();
        for o in &g.offices {
            let d = g.district_of(o);
            let state = g.state_name(d);
            if dense_ids.contains(&d) {
                dense.push((o.lat, o.lon));
            } else if state == "Bihar" || state == "Uttar Pradesh" {
                wide.push((o.lat, o.lon));
            }
        }
        if dense.is_empty() || wide.is_empty() {
            bail!("the gazetteer lacks the benchmark's districts");
        }
        // 70 % dense, 30 % wide: repeat the dense offices accordingly.
        let reps = ((0.7 / 0.3) * wide.len() as f64 / dense.len() as f64).ceil() as usize;
        let mut centres = wide;
        for _ in 0..reps.max(1) {
            centres.extend_from_slice(&dense);
        }
        Ok(Synth {
            centres,
            dense,
            trades,
        })
    }

    /// A trade index with a skewed distribution: a few trades (mason, labourer, electrician …) are common.
    fn trade(&self, rng: &mut Rng) -> u16 {
        let u = (rng.below(1_000_000) as f64 + 0.5) / 1_000_000.0;
        // Zipf-like: index ∝ u^3 spreads most workers over the first trades.
        ((u * u * u) * f64::from(self.trades)) as u16 % self.trades
    }

    fn worker(&self, id: i64, rng: &mut Rng) -> MatchWorker {
        let (lat, lon) = *rng.pick(&self.centres);
        // Scatter within about 3 km of the post office.
        let jitter = |rng: &mut Rng| (rng.below(6001) as f64 - 3000.0) / 111_000.0;
        let mut trades = vec![self.trade(rng)];
        if rng.chance(12) {
            trades.push(self.trade(rng));
        }
        let rated = rng.chance(40);
        MatchWorker {
            id,
            lat: lat + jitter(rng),
            lon: lon + jitter(rng),
            trades,
            available: rng.chance(85),
            verified: rng.chance(30),
            certified: rng.chance(5),
            rating: rated.then(|| 2.5 + rng.below(26) as f32 / 10.0),
            rating_count: if rated { 1 + rng.below(40) as u32 } else { 0 },
            experience_years: Some(rng.below(25) as u8),
        }
    }

    fn query(&self, rng: &mut Rng, now: i64) -> MatchQuery {
        let (lat, lon) = *rng.pick(&self.dense);
        MatchQuery {
            trade: self.trade(rng),
            lat,
            lon,
            limit: 5,
            now,
        }
    }
}

pub async fn run(
    workers: usize,
    queries: usize,
    postgis: Option<&str>,
) -> Result<serde_json::Value> {
    let trades = reference::trades()?.all().len() as u16;
    let g = tokio::task::spawn_blocking(reference::gazetteer).await??;
    let synth = Synth::new(&g, trades)?;
    let now = 1_790_000_000;

    let t0 = Instant::now();
    let mut idx = MatchIndex::new();
    let mut rng = Rng::new(7);
    for id in 1..=workers as i64 {
        idx.upsert(&synth.worker(id, &mut rng));
    }
    idx.compact();
    let build = t0.elapsed().as_secs_f64();
    let rss_after_build = crate::bench::peak_rss_mib();

    let mut qrng = Rng::new(11);
    let qs: Vec<MatchQuery> = (0..queries).map(|_| synth.query(&mut qrng, now)).collect();
    // Warm up, then time each query.
    for q in qs.iter().take(1000) {
        std::hint::black_box(idx.query(q)?);
    }
    let mut lat_us: Vec<f64> = Vec::with_capacity(qs.len());
    let mut returned = 0usize;
    let t1 = Instant::now();
    for q in &qs {
        let s = Instant::now();
        let a = idx.query(q)?;
        lat_us.push(s.elapsed().as_secs_f64() * 1e6);
        returned += a.results.len();
    }
    let total = t1.elapsed().as_secs_f64();
    let (p50, p99, max) = percentiles(&mut lat_us);
    let mut report = serde_json::json!({
        "bench": "match",
        "workers": workers,
        "indexed": idx.len(),
        "queries": qs.len(),
        "mean_results": round3(returned as f64 / qs.len() as f64),
        "build_s": round3(build),
        "index_bytes_per_worker": round3(idx.bytes_per_worker()),
        "peak_rss_mib_after_build": rss_after_build,
        "in_process": {
            "p50_us": round3(p50),
            "p99_us": round3(p99),
            "max_us": round3(max),
            "queries_per_second_one_core": (qs.len() as f64 / total).round(),
        },
    });
    if let Some(url) = postgis {
        let pg = postgis_side(url, &synth, workers, &qs).await?;
        let ratio = pg["p99_us"].as_f64().unwrap_or(0.0) / p99.max(1e-9);
        report["postgis"] = pg;
        report["p99_ratio_postgis_over_index"] = serde_json::json!(round3(ratio));
    }
    Ok(report)
}

/// Loads the same synthetic workers into a scratch PostgreSQL database with PostGIS and times the same queries.
async fn postgis_side(
    url: &str,
    synth: &Synth,
    workers: usize,
    qs: &[MatchQuery],
) -> Result<serde_json::Value> {
    use sqlx::Row;
    let name = format!("kaamgar_bench_match_{}", std::process::id());
    let fresh = kaamgar_store::scratch::create_postgres_database(url, &name)
        .await
        .context("creating a scratch database")?;
    let result = async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&fresh)
            .await?;
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis")
            .execute(&pool)
            .await
            .context("CREATE EXTENSION postgis (apt-get install postgresql-15-postgis-3)")?;
        sqlx::query(
            "CREATE TABLE w (id bigint PRIMARY KEY, trade int NOT NULL, other_trades int[] NOT NULL, \
             available boolean NOT NULL, geom geometry(Point, 4326) NOT NULL)",
        )
        .execute(&pool)
        .await?;
        let t0 = Instant::now();
        let mut rng = Rng::new(7);
        let batch = 50_000;
        let mut id = 1i64;
        while id <= workers as i64 {
            let (mut ids, mut tr, mut other, mut av, mut la, mut lo) =
                (vec![], vec![], vec![], vec![], vec![], vec![]);
            for _ in 0..batch {
                if id > workers as i64 {
                    break;
                }
                let w = synth.worker(id, &mut rng);
                ids.push(w.id);
                tr.push(i32::from(w.trades[0]));
                other.push(
                    w.trades[1..]
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                );
                av.push(w.available);
                la.push(w.lat);
                lo.push(w.lon);
                id += 1;
            }
            sqlx::query(
                "INSERT INTO w SELECT i, t, CASE WHEN o = '' THEN '{}'::int[] ELSE string_to_array(o, ',')::int[] END, \
                 a, ST_SetSRID(ST_MakePoint(lo, la), 4326) \
                 FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bool[], $5::float8[], $6::float8[]) \
                 AS u(i, t, o, a, la, lo)",
            )
            .bind(&ids)
            .bind(&tr)
            .bind(&other)
            .bind(&av)
            .bind(&la)
            .bind(&lo)
            .execute(&pool)
            .await?;
        }
        sqlx::query("CREATE INDEX w_geom ON w USING gist (geom)")
            .execute(&pool)
            .await?;
        sqlx::query("ANALYZE w").execute(&pool).await?;
        let load = t0.elapsed().as_secs_f64();
        let sql = "SELECT id, ST_DistanceSphere(geom, ST_SetSRID(ST_MakePoint($2, $1), 4326)) AS m FROM w \
                   WHERE available AND (trade = $3 OR $3 = ANY(other_trades)) \
                   ORDER BY geom <-> ST_SetSRID(ST_MakePoint($2, $1), 4326) LIMIT $4";
        let run = |q: &MatchQuery| {
            sqlx::query(sql)
                .bind(q.lat)
                .bind(q.lon)
                .bind(i32::from(q.trade))
                .bind(q.limit as i64)
                .fetch_all(&pool)
        };
        let n = qs.len().min(2000);
        for q in qs.iter().take(100) {
            run(q).await?;
        }
        let mut lat_us = Vec::with_capacity(n);
        let mut rows = 0usize;
        for q in qs.iter().take(n) {
            let s = Instant::now();
            let r = run(q).await?;
            lat_us.push(s.elapsed().as_secs_f64() * 1e6);
            rows += r.len();
            if let Some(first) = r.first() {
                let _: f64 = first.try_get("m")?;
            }
        }
        let (p50, p99, max) = percentiles(&mut lat_us);
        pool.close().await;
        Ok::<_, anyhow::Error>(serde_json::json!({
            "load_and_index_s": round3(load),
            "queries": n,
            "mean_results": round3(rows as f64 / n as f64),
            "p50_us": round3(p50),
            "p99_us": round3(p99),
            "max_us": round3(max),
        }))
    }
    .await;
    let _ = kaamgar_store::scratch::drop_postgres_database(url, &name).await;
    result
}

fn percentiles(v: &mut [f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
    (at(0.5), at(0.99), at(1.0))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
