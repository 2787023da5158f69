//! The rest of `serve --demo`: two weeks of synthetic service requests (with offers, acceptances and ratings in
//! plausible proportions, so the dashboard has something to show), and demo accounts to sign in with.

use crate::app::App;
use crate::demo::Rng;
use anyhow::Result;
use kaamgar_app::accounts::new_token;
use kaamgar_domain::access::Scope;
use kaamgar_domain::ids::WorkerId;
use kaamgar_domain::request::{OfferStatus, RequestStatus};
use kaamgar_store::prelude::*;
use kaamgar_store::{NewRequest, NewUser, Page, StoreError, WorkerFilter};

/// Trades people ask for most, with weights.
const ASKED: [(&str, u64); 8] = [
    ("plumber", 22),
    ("electrician", 20),
    ("mason", 14),
    ("carpenter", 12),
    ("painter", 8),
    ("tailor", 8),
    ("barber", 8),
    ("welder", 8),
];

/// Adds `per_day` requests a day for the 14 days before `now` (fewer today, in proportion to the hour).
pub async fn fill_requests(app: &App, per_day: u64, now: i64) -> Result<u64> {
    let mut rng = Rng::new(2026);
    let districts: Vec<u32> = app.places.area().to_vec();
    let blocks: Vec<(String, String, f64, f64)> = districts
        .iter()
        .filter_map(|&d| Some((app.places.district(d)?.name.clone(), d)))
        .flat_map(|(name, d)| {
            app.places
                .blocks_of(d)
                .map(move |b| (name.clone(), b.name.clone(), b.lat, b.lon))
                .collect::<Vec<_>>()
        })
        .collect();
    if blocks.is_empty() {
        return Ok(0);
    }
    let total_weight: u64 = ASKED.iter().map(|a| a.1).sum();
    let mut made = 0;
    for i in 0..per_day * 14 {
        let spread = (i * 14 * 86_400 / (per_day * 14)) as i64;
        let created = (now - 14 * 86_400 + spread + rng.below(600) as i64).min(now);
        let (district, block, lat, lon) = rng.pick(&blocks).clone();
        let mut w = rng.below(total_weight);
        let trade = ASKED
            .iter()
            .find(|(_, weight)| {
                let hit = w < *weight;
                w = w.saturating_sub(*weight);
                hit
            })
            .map_or("plumber", |a| a.0);
        let filter = WorkerFilter {
            trade: Some(trade.into()),
            district: Some(district.clone()),
            block: Some(block.clone()),
            ..WorkerFilter::default()
        };
        let after = rng.below(40) as i64 * 100;
        let mut workers = app
            .store
            .list_workers(&filter, Page { after, limit: 3 })
            .await?;
        if workers.is_empty() {
            workers = app
                .store
                .list_workers(&filter, Page { after: 0, limit: 3 })
                .await?;
        }
        let phone = format!("+9197{:08}", rng.below(100_000_000));
        let req = NewRequest {
            citizen: format!("demo:{i}"),
            citizen_phone: Some(phone),
            channel: kaamgar_domain::channel::Channel::WhatsApp,
            trade: trade.into(),
            place_name: block.clone(),
            district,
            block: Some(block),
            lat,
            lon,
            message: format!("{trade} chahiye"),
        };
        let mut tx = app.store.begin().await?;
        let id = tx.create_request(&req, created).await?;
        let mut row = tx.request(id).await?.ok_or(StoreError::NotFound)?;
        row.candidates = workers.iter().map(|w| WorkerId(w.id)).collect();
        let roll = rng.below(100);
        let mut t = created + 60;
        for (rank, w) in workers.iter().enumerate() {
            let offer = tx
                .create_offer(id, WorkerId(w.id), rank as i64 + 1, t)
                .await?;
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
                row.worker_id = Some(WorkerId(w.id));
                row.accepted_at = Some(answer.min(now));
                tx.record_exchange(id, WorkerId(w.id), &req.citizen, answer.min(now))
                    .await?;
            }
            if last {
                break;
            }
        }
        row.status = match (row.accepted_at, roll) {
            (Some(_), r) if r < 40 && created < now - 86_400 => {
                row.rating = Some(3 + rng.below(3) as i64);
                RequestStatus::Rated
            }
            (Some(_), r) if r < 55 && created < now - 86_400 => RequestStatus::Done,
            (Some(_), _) => RequestStatus::Accepted,
            (None, 65..=79) => RequestStatus::Expired,
            (None, 95..) => RequestStatus::Cancelled,
            (None, _) => RequestStatus::Declined,
        };
        tx.save_request(&row, t.min(now)).await?;
        tx.commit().await?;
        made += 1;
    }
    Ok(made)
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

/// Creates a district administrator and a block officer for the first district of the service area, when there
/// are no accounts yet.
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
    let mut plan = vec![("admin", "district_admin", Scope::District(district.clone()))];
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
