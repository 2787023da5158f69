//! The rest of `serve --demo`: two weeks of synthetic service requests (more on weekdays, in busy months and at
//! the hours people write; offers, acceptances and ratings in plausible proportions, ratings reaching the
//! workers), a registry that looks worked on (busy, inactive and verified workers), and demo accounts.

use crate::app::App;
use crate::demo::Rng;
use anyhow::Result;
use kaamgar_app::accounts::new_token;
use kaamgar_domain::access::Scope;
use kaamgar_domain::ids::WorkerId;
use kaamgar_domain::request::{OfferStatus, RequestStatus};
use kaamgar_domain::worker::Availability;
use kaamgar_store::prelude::*;
use kaamgar_store::{Mark, NewRequest, NewUser, Page, StoreError, WorkerFilter};

/// Trades people ask for most, with weights (per hundred), before the season's changes.
const ASKED: [(&str, u64); 9] = [
    ("plumber", 22),
    ("electrician", 20),
    ("mason", 14),
    ("carpenter", 12),
    ("painter", 8),
    ("tailor", 8),
    ("barber", 8),
    ("welder", 8),
    ("ac_mechanic", 3),
];

/// India time is UTC + 5:30.
const IST: i64 = 19_800;

/// Requests by hour of the day (India time): hardly any at night, a morning and an evening peak.
const BY_HOUR: [u64; 24] = [
    0, 0, 0, 0, 0, 1, 3, 6, 9, 10, 9, 8, 7, 6, 6, 7, 8, 9, 8, 6, 4, 2, 1, 0,
];

/// How busy a weekday is, in percent (0 = Sunday).
const BY_WEEKDAY: [u64; 7] = [70, 115, 105, 100, 100, 100, 95];

/// How busy a month is, in percent (1 = January): the monsoon's leaks and faults, Diwali's painting and the
/// wedding season's building.
const BY_MONTH: [u64; 12] = [95, 100, 105, 110, 110, 120, 120, 115, 105, 110, 115, 100];

/// A trade's weight in a month: plumbers and electricians in the monsoon, painters before Diwali, masons and
/// carpenters in the dry building season, AC mechanics in the summer.
fn seasonal(trade: &str, month: u32) -> u64 {
    let base = ASKED.iter().find(|a| a.0 == trade).map_or(0, |a| a.1);
    let percent = match (trade, month) {
        ("plumber", 6..=9) => 150,
        ("electrician", 6..=9) => 130,
        ("painter", 9..=11) => 200,
        ("mason" | "carpenter", 11 | 12 | 1..=3) => 130,
        ("ac_mechanic", 4..=6) => 400,
        ("ac_mechanic", 11 | 12 | 1 | 2) => 20,
        _ => 100,
    };
    base * percent
}

/// Picks a trade for a request made in `month`.
fn asked_trade(rng: &mut Rng, month: u32) -> &'static str {
    let weights: Vec<u64> = ASKED.iter().map(|a| seasonal(a.0, month)).collect();
    let sums: Vec<u64> = weights
        .iter()
        .scan(0, |acc, w| {
            *acc += w;
            Some(*acc)
        })
        .collect();
    ASKED[crate::demo::weighted(rng, &sums)].0
}

/// A citizen's rating: mostly good, some poor.
fn stars(rng: &mut Rng) -> u8 {
    match rng.below(100) {
        0..=44 => 5,
        45..=74 => 4,
        75..=89 => 3,
        90..=95 => 2,
        _ => 1,
    }
}

/// Adds about `per_day` requests a day for the 14 days before `now`, more on weekdays and in busy months, at the
/// hours people write; the last few hours' requests are partly still waiting for a worker.
pub async fn fill_requests(app: &App, per_day: u64, now: i64) -> Result<u64> {
    let mut rng = Rng::new(2026);
    let blocks = crate::demo::block_sizes(&app.places);
    if blocks.is_empty() {
        return Ok(0);
    }
    let sums = crate::demo::cumulative(&blocks);
    let hours: Vec<u64> = BY_HOUR
        .iter()
        .scan(0, |acc, w| {
            *acc += w;
            Some(*acc)
        })
        .collect();
    let today = (now + IST).div_euclid(86_400);
    let mut made = 0;
    let mut pools = Pools::new();
    for day in (today - 13)..=today {
        let month: u32 = kaamgar_app::export::date(day * 86_400)[5..7]
            .parse()
            .unwrap_or(1);
        let weekday = (day + 4).rem_euclid(7) as usize;
        let n = per_day * BY_WEEKDAY[weekday] * BY_MONTH[month as usize - 1] / 10_000
            * (85 + rng.below(31))
            / 100;
        // A day's requests are written in one transaction.
        let mut tx = app.store.begin().await?;
        for _ in 0..n {
            let hour = crate::demo::weighted(&mut rng, &hours) as i64;
            let created = day * 86_400 - IST + hour * 3600 + rng.below(3600) as i64;
            if created > now {
                continue;
            }
            let b = &blocks[crate::demo::weighted(&mut rng, &sums)];
            let trade = asked_trade(&mut rng, month);
            let workers = three_workers(app, &mut pools, &mut rng, b, trade).await?;
            let asked = Asked {
                block: b,
                trade,
                created,
                citizen: made,
            };
            one_request(&mut tx, &mut rng, &asked, &workers, now).await?;
            made += 1;
        }
        tx.commit().await?;
    }
    Ok(made)
}

/// Workers of a (district, block, trade), read once.
type Pools = std::collections::HashMap<(String, String, String), Vec<WorkerId>>;

/// Up to three workers of the trade in the block, from a pool read once per block and trade.
async fn three_workers(
    app: &App,
    pools: &mut Pools,
    rng: &mut Rng,
    b: &crate::demo::BlockSize,
    trade: &str,
) -> Result<Vec<WorkerId>> {
    let key = (b.district.clone(), b.block.clone(), trade.to_string());
    if !pools.contains_key(&key) {
        let filter = WorkerFilter {
            trade: Some(trade.into()),
            district: Some(b.district.clone()),
            block: Some(b.block.clone()),
            ..WorkerFilter::default()
        };
        let found = app
            .store
            .list_workers(
                &filter,
                Page {
                    after: 0,
                    limit: 300,
                },
            )
            .await?;
        pools.insert(key.clone(), found.iter().map(|w| WorkerId(w.id)).collect());
    }
    let pool = &pools[&key];
    let start = rng.below(pool.len().max(1) as u64) as usize;
    Ok(pool
        .iter()
        .cycle()
        .skip(start)
        .take(pool.len().min(3))
        .copied()
        .collect())
}

/// What a demo citizen asked for, where and when.
struct Asked<'a> {
    block: &'a crate::demo::BlockSize,
    trade: &'a str,
    created: i64,
    /// The citizen's number in the demo (`demo:{n}`).
    citizen: u64,
}

/// One request with its offers to `workers` and how it ended.
async fn one_request(
    tx: &mut Box<dyn kaamgar_store::Tx>,
    rng: &mut Rng,
    asked: &Asked<'_>,
    workers: &[WorkerId],
    now: i64,
) -> Result<()> {
    let Asked {
        block: b,
        trade,
        created,
        citizen: i,
    } = *asked;
    let phone = format!("+9197{:08}", rng.below(100_000_000));
    let req = NewRequest {
        citizen: format!("demo:{i}"),
        citizen_phone: Some(phone),
        channel: kaamgar_domain::channel::Channel::WhatsApp,
        trade: trade.into(),
        place_name: b.block.clone(),
        district: b.district.clone(),
        block: Some(b.block.clone()),
        lat: b.lat,
        lon: b.lon,
        message: format!("{trade} chahiye"),
    };
    let id = tx.create_request(&req, created).await?;
    let mut row = tx.request(id).await?.ok_or(StoreError::NotFound)?;
    row.candidates = workers.to_vec();
    // A request of the last three hours may still be waiting: nobody picked yet, or a worker being asked.
    if now - created < 3 * 3600 && rng.chance(35) {
        if let Some(w) = workers.first().filter(|_| rng.chance(50)) {
            tx.create_offer(id, *w, 1, created + 60).await?;
            row.status = RequestStatus::Offered;
        }
        tx.save_request(&row, created + 60).await?;
        return Ok(());
    }
    let roll = rng.below(100);
    let mut t = created + 60;
    for (rank, w) in workers.iter().enumerate() {
        let offer = tx.create_offer(id, *w, rank as i64 + 1, t).await?;
        let answer = t + 120 + rng.below(1_800) as i64;
        let (status, last) = match roll {
            0..=64 if rank == 0 || rng.chance(50) => (OfferStatus::Accepted, true),
            0..=64 => (OfferStatus::Declined, false),
            65..=79 => (OfferStatus::Expired, rank + 1 == workers.len()),
            _ => (OfferStatus::Declined, rank + 1 == workers.len()),
        };
        tx.set_offer(offer, status, answer.min(now)).await?;
        t = answer;
        if status == OfferStatus::Accepted {
            row.worker_id = Some(*w);
            row.accepted_at = Some(answer.min(now));
            tx.record_exchange(id, *w, &req.citizen, answer.min(now))
                .await?;
        }
        if last {
            break;
        }
    }
    row.status = match (row.worker_id, roll) {
        (Some(w), r) if r < 40 && created < now - 86_400 => {
            // The rating reaches the worker, as the bot's follow-up would have added it.
            let s = stars(rng);
            row.rating = Some(i64::from(s));
            tx.add_rating(w, s, (t + 86_400).min(now)).await?;
            RequestStatus::Rated
        }
        (Some(_), r) if r < 55 && created < now - 86_400 => RequestStatus::Done,
        (Some(_), _) => RequestStatus::Accepted,
        (None, 65..=79) => RequestStatus::Expired,
        (None, 95..) => RequestStatus::Cancelled,
        (None, _) => RequestStatus::Declined,
    };
    if matches!(
        row.status,
        RequestStatus::Expired | RequestStatus::Declined | RequestStatus::Cancelled
    ) {
        row.closed_at = Some(t.min(now));
    }
    tx.save_request(&row, t.min(now)).await?;
    Ok(())
}

/// Makes the demo registry look worked on: some workers busy or no longer working, and a share verified by the
/// block office that differs from block to block (some offices have done more than others).
pub async fn liven_registry(app: &App, now: i64) -> Result<()> {
    let mut rng = Rng::new(2027);
    let mut rate_of = std::collections::HashMap::new();
    let mut after = 0;
    loop {
        let page = app
            .store
            .list_workers(
                &WorkerFilter::default(),
                Page {
                    after,
                    limit: 5_000,
                },
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let (mut busy, mut inactive, mut verified) = (Vec::new(), Vec::new(), Vec::new());
        for w in &page {
            let block = w.data.place.block.clone().unwrap_or_default();
            let rate = *rate_of.entry(block).or_insert_with(|| 10 + rng.below(45));
            let id = WorkerId(w.id);
            match rng.below(100) {
                0..=5 => busy.push(id),
                6..=8 => inactive.push(id),
                _ => {}
            }
            if rng.chance(rate) {
                verified.push(id);
            }
        }
        let mut tx = app.store.begin().await?;
        tx.mark_many(&busy, Mark::Availability(Availability::Busy), now)
            .await?;
        tx.mark_many(&inactive, Mark::Availability(Availability::Inactive), now)
            .await?;
        tx.mark_many(&verified, Mark::Verified, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// A demo account created at this start, with its password to print once.
pub struct DemoAccount {
    pub name: &'static str,
    pub role: &'static str,
    pub scope: Scope,
    pub password: String,
}

/// What `serve --demo` found or made: the accounts created now, or the names of those already there.
pub enum DemoAccounts {
    Created(Vec<DemoAccount>),
    Existing(Vec<String>),
}

/// Creates a district administrator, a training partner and a block officer for the first district of the service
/// area, when there are no accounts yet.
pub async fn accounts(app: &App, now: i64) -> Result<DemoAccounts> {
    let existing = app.store.list_users().await?;
    if !existing.is_empty() {
        return Ok(DemoAccounts::Existing(
            existing.into_iter().map(|u| u.name).collect(),
        ));
    }
    let Some(&d) = app.places.area().first() else {
        return Ok(DemoAccounts::Created(Vec::new()));
    };
    let district = app
        .places
        .district(d)
        .map(|i| i.name.clone())
        .unwrap_or_default();
    let block = app.places.blocks_of(d).map(|b| b.name.clone()).min();
    let mut out = Vec::new();
    let mut plan = vec![
        ("admin", "district_admin", Scope::District(district.clone())),
        (
            "partner",
            "training_partner",
            Scope::District(district.clone()),
        ),
    ];
    if let Some(b) = block {
        plan.push((
            "block",
            "block_officer",
            Scope::Block {
                district: district.clone(),
                block: b,
            },
        ));
    }
    for (name, role, scope) in plan {
        let password = new_token("")?[..16].to_string();
        let hash = crate::users::hash_off_runtime(&password).await?;
        let user = NewUser {
            name: name.into(),
            password_hash: hash,
            role: role.into(),
            district: scope.district().map(str::to_string),
            block: scope.block().map(str::to_string),
            lang: "hi".into(),
        };
        app.store.create_user(&user, now).await?;
        out.push(DemoAccount {
            name,
            role,
            scope,
            password,
        });
    }
    Ok(DemoAccounts::Created(out))
}

/// A fresh API token of the demo district administrator, for trying the API (`None` when there is no `admin`).
/// Each start makes one; `kaamgar user disable admin` revokes them all.
pub async fn api_token(app: &App, now: i64) -> Result<Option<String>> {
    let user = match app.store.user_by_name("admin").await {
        Ok(u) => u,
        Err(kaamgar_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let token = new_token("kg_")?;
    app.store
        .create_api_token(
            &kaamgar_app::accounts::token_digest(&token),
            user.id,
            "demo",
            now,
        )
        .await?;
    Ok(Some(token))
}
