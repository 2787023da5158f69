//! The index's rules: nearest first, busy workers out, widening radius, secondary trades, declines, bad
//! queries, and leads rotating evenly among equals.

use super::*;
use proptest::prelude::*;

const MARHAURA: (f64, f64) = (25.954, 84.8085);

fn worker(id: i64, lat: f64, lon: f64, trades: &[u16]) -> MatchWorker {
    MatchWorker {
        id,
        lat,
        lon,
        trades: trades.to_vec(),
        available: true,
        verified: false,
        certified: false,
        rating: None,
        rating_count: 0,
        experience_years: Some(5),
    }
}

fn q(limit: usize, now: i64) -> MatchQuery {
    MatchQuery {
        trade: 1,
        lat: MARHAURA.0,
        lon: MARHAURA.1,
        limit,
        now,
    }
}

#[test]
fn nearest_first_and_busy_workers_are_not_offered() {
    let mut idx = MatchIndex::build([
        worker(1, 25.96, 84.81, &[1]),
        worker(2, 25.80, 84.73, &[1]),
        worker(3, 25.955, 84.809, &[2]),
        worker(4, 25.97, 84.85, &[1]),
    ]);
    let ids = |a: MatchAnswer| a.results.iter().map(|r| r.worker_id).collect::<Vec<_>>();
    assert_eq!(ids(idx.query(&q(5, 0)).unwrap()), [1, 4, 2]);
    idx.set_available(1, false);
    assert_eq!(ids(idx.query(&q(5, 0)).unwrap()), [4, 2]);
    idx.remove(4);
    assert_eq!(ids(idx.query(&q(5, 0)).unwrap()), [2]);
    assert_eq!(idx.len(), 3);
}

#[test]
fn the_radius_widens_only_when_too_few_are_near() {
    let idx = MatchIndex::build([worker(1, 25.96, 84.81, &[1]), worker(2, 26.50, 85.30, &[1])]);
    let a = idx.query(&q(1, 0)).unwrap();
    assert_eq!(a.radius_km, RADII_KM[0]);
    let a = idx.query(&q(2, 0)).unwrap();
    assert_eq!(a.results.len(), 2);
    assert!(a.radius_km > 60.0, "{a:?}");
}

#[test]
fn a_secondary_trade_ranks_below_an_equal_primary_one() {
    let idx = MatchIndex::build([
        worker(1, 25.955, 84.809, &[7, 1]),
        worker(2, 25.957, 84.811, &[1]),
    ]);
    let a = idx.query(&q(2, 0)).unwrap();
    assert_eq!(a.results[0].worker_id, 2);
    assert!(a.results[1].secondary_trade);
    assert!(a.results[1].reason.contains("second trade"));
}

#[test]
fn a_certified_worker_ranks_first_among_equals_in_their_own_trade_only() {
    let certified = |mut w: MatchWorker| {
        w.certified = true;
        w
    };
    let mut rated = worker(4, 25.9545, 84.8088, &[1]);
    rated.rating = Some(4.8);
    rated.rating_count = 12;
    let idx = MatchIndex::build([
        worker(1, 25.9541, 84.8086, &[1]),
        certified(worker(2, 25.956, 84.810, &[1])),
        certified(worker(3, 25.9542, 84.8087, &[7, 1])),
        rated,
    ]);
    let a = idx.query(&q(4, 0)).unwrap();
    let ids: Vec<i64> = a.results.iter().map(|r| r.worker_id).collect();
    // A good rating still counts first; then the certificate, over the nearer uncertified worker; a certificate
    // in another trade gives no lift.
    assert_eq!(ids, [4, 2, 1, 3], "{a:?}");
    assert!(a.results[1].certified && a.results[1].reason.contains("certified"));
    assert!(!a.results[3].certified);
}

#[test]
fn a_decline_de_prioritises_for_a_few_days_only() {
    let mut idx = MatchIndex::build([
        worker(1, 25.955, 84.809, &[1]),
        worker(2, 25.956, 84.810, &[1]),
    ]);
    let t = EPOCH + 1000;
    idx.record_outcome(1, LeadOutcome::Declined, t);
    assert_eq!(idx.query(&q(1, t + 1000)).unwrap().results[0].worker_id, 2);
    let later = t + DECLINE_PENALTY_SECS + 1;
    let first = idx.query(&q(2, later)).unwrap();
    assert_eq!(first.results.len(), 2, "declined, not hidden");
}

#[test]
fn offers_and_declines_arriving_out_of_order_rank_as_in_order() {
    let workers = || {
        (0..4)
            .map(|i| worker(i, 25.955 + i as f64 * 0.0001, 84.809, &[1]))
            .collect::<Vec<_>>()
    };
    let t = EPOCH + 5_000_000;
    let offers = [
        (0, t),
        (1, t + 3_600),
        (0, t + 86_400),
        (2, t + 200_000),
        (1, t + 400_000),
    ];
    let mut in_order = MatchIndex::build(workers());
    for (w, at) in offers {
        in_order.record_offer(w, at);
    }
    in_order.record_outcome(3, LeadOutcome::Declined, t + 10);
    in_order.record_outcome(3, LeadOutcome::NoAnswer, t + 500_000);
    let mut shuffled = MatchIndex::build(workers());
    for i in [4, 1, 3, 0, 2] {
        shuffled.record_offer(offers[i].0, offers[i].1);
    }
    shuffled.record_outcome(3, LeadOutcome::NoAnswer, t + 500_000);
    shuffled.record_outcome(3, LeadOutcome::Declined, t + 10);
    for now in [t + 400_001, t + 600_000, t + 2_000_000] {
        let ids = |idx: &MatchIndex| -> Vec<i64> {
            idx.query(&q(4, now))
                .unwrap()
                .results
                .iter()
                .map(|r| r.worker_id)
                .collect()
        };
        assert_eq!(ids(&in_order), ids(&shuffled), "at {now}");
    }
    // The later decline counts, not the one that arrived last.
    assert_eq!(
        in_order.query(&q(4, t + 500_100)).unwrap().results[3].worker_id,
        3
    );
    assert_eq!(
        shuffled.query(&q(4, t + 500_100)).unwrap().results[3].worker_id,
        3
    );
}

#[test]
fn bad_queries_are_refused() {
    let idx = MatchIndex::new();
    let mut bad = q(5, 0);
    bad.lat = 51.5;
    assert!(matches!(
        idx.query(&bad),
        Err(MatchError::OutsideIndia { .. })
    ));
    assert_eq!(idx.query(&q(0, 0)), Err(MatchError::Limit(0)));
    assert_eq!(idx.query(&q(10_000, 0)), Err(MatchError::Limit(10_000)));
}

proptest! {
    /// Over many identical requests, leads spread evenly among equally suitable workers.
    #[test]
    fn leads_rotate_evenly_among_equals(n in 2usize..12, rounds in 1usize..6, limit in 1usize..4) {
        let workers: Vec<MatchWorker> = (0..n as i64)
            .map(|i| worker(i, 25.955 + i as f64 * 0.0001, 84.809, &[1]))
            .collect();
        let mut idx = MatchIndex::build(workers);
        let mut offers = vec![0u32; n];
        let mut now = EPOCH + 1_000_000;
        for _ in 0..rounds * n {
            let a = idx.query(&q(limit.min(n), now)).unwrap();
            // The citizen is shown `limit` workers; the first is offered the lead.
            let w = a.results[0].worker_id;
            idx.record_offer(w, now);
            offers[w as usize] += 1;
            now += 60;
        }
        let (lo, hi) = (offers.iter().min().unwrap(), offers.iter().max().unwrap());
        prop_assert!(hi - lo <= 1, "{offers:?}");
    }
}
