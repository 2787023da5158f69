//! A service request's lifecycle and its offers. A request is `open` until a worker is offered it, `offered`
//! while one is being asked, `accepted` once one says yes, then `done` and `rated` after the follow-up; it ends
//! `declined` when every worker asked said no, `expired` when nobody was found or answered, and `cancelled` by
//! the citizen. Every offer is kept, for the fairness of matching and for reports.

use crate::ids::WorkerId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Open,
    Offered,
    Accepted,
    Done,
    Rated,
    Declined,
    Expired,
    Cancelled,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 8] = [
        RequestStatus::Open,
        RequestStatus::Offered,
        RequestStatus::Accepted,
        RequestStatus::Done,
        RequestStatus::Rated,
        RequestStatus::Declined,
        RequestStatus::Expired,
        RequestStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Offered => "offered",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Done => "done",
            RequestStatus::Rated => "rated",
            RequestStatus::Declined => "declined",
            RequestStatus::Expired => "expired",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Still looking for a worker: a citizen may pick, a worker may be offered it.
    pub fn is_searching(self) -> bool {
        matches!(self, RequestStatus::Open | RequestStatus::Offered)
    }

    /// Whether the lifecycle allows going from `self` to `to`.
    pub fn can_become(self, to: RequestStatus) -> bool {
        use RequestStatus::*;
        match (self, to) {
            (Open, Offered | Expired | Cancelled) => true,
            (Offered, Offered | Open | Accepted | Declined | Expired | Cancelled) => true,
            // A search again after nobody came reopens the request.
            (Declined | Expired, Open | Offered) => true,
            (Accepted, Done | Cancelled) => true,
            (Done, Rated) => true,
            _ => false,
        }
    }
}

/// Who asks for a change of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    /// A citizen, by their contact key (the request's own citizen or anybody else).
    Citizen(&'a str),
    /// A worker, by their registry id.
    Worker(WorkerId),
    /// kaamgar itself: matching, lead timeouts, follow-ups.
    System,
    /// An official acting from the dashboard (audited there): asks another worker, or closes the request.
    Official,
}

/// A change of a request, with what it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A worker is being asked (the citizen picked one, or the next one is asked).
    Offer,
    /// The asked worker said yes.
    Accept { worker: WorkerId },
    /// Every worker asked said no: the request ends.
    Decline,
    /// Nobody was found or answered: the request ends, with the reason when there is one.
    Expire { note: Option<&'static str> },
    /// The citizen withdrew it or said the work was not done: it ends, with the reason.
    Cancel { note: &'static str },
    /// The citizen says the work was done.
    Done,
    /// The citizen says the accepted work was not done: it ends as cancelled (`not_done`).
    NotDone,
    /// The citizen's rating of the work: the request ends.
    Rate { stars: u8 },
    /// An official closes a request that is still searching or was never confirmed done, with the reason.
    Close { reason: CloseReason },
}

impl Change {
    /// Whether a request in `status` may take this change: the transition table, and the answers to the follow-up
    /// only for accepted work.
    pub fn allowed_from(self, status: RequestStatus) -> bool {
        status.can_become(self.target())
            && (!matches!(self, Change::NotDone) || status == RequestStatus::Accepted)
    }

    /// The status the change leads to.
    pub fn target(self) -> RequestStatus {
        match self {
            Change::Offer => RequestStatus::Offered,
            Change::Accept { .. } => RequestStatus::Accepted,
            Change::Decline => RequestStatus::Declined,
            Change::Expire { .. } => RequestStatus::Expired,
            Change::Cancel { .. } | Change::NotDone | Change::Close { .. } => {
                RequestStatus::Cancelled
            }
            Change::Done => RequestStatus::Done,
            Change::Rate { .. } => RequestStatus::Rated,
        }
    }
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("a request that is {from} cannot become {to}", from = .from.as_str(), to = .to.as_str())]
    Illegal {
        from: RequestStatus,
        to: RequestStatus,
    },
    #[error("this request is not theirs to change")]
    NotTheirs,
}

/// Why an official closed a request (stored as the request's note, `closed:<reason>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The citizen found somebody themself, or the work was done outside kaamgar.
    ServedOutside,
    /// The citizen could not be reached.
    CitizenUnreachable,
    /// Another request for the same work.
    Duplicate,
    /// A test, a mistake or not a real need.
    NotARequest,
    /// No worker of this trade can be found for it.
    NoWorker,
}

impl CloseReason {
    pub const ALL: [CloseReason; 5] = [
        CloseReason::ServedOutside,
        CloseReason::CitizenUnreachable,
        CloseReason::Duplicate,
        CloseReason::NotARequest,
        CloseReason::NoWorker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::ServedOutside => "served_outside",
            CloseReason::CitizenUnreachable => "citizen_unreachable",
            CloseReason::Duplicate => "duplicate",
            CloseReason::NotARequest => "not_a_request",
            CloseReason::NoWorker => "no_worker",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The note a closed request keeps.
    pub fn note(self) -> &'static str {
        match self {
            CloseReason::ServedOutside => "closed:served_outside",
            CloseReason::CitizenUnreachable => "closed:citizen_unreachable",
            CloseReason::Duplicate => "closed:duplicate",
            CloseReason::NotARequest => "closed:not_a_request",
            CloseReason::NoWorker => "closed:no_worker",
        }
    }
}

/// A request still searching this long after it was made has waited too long: officials see it flagged.
pub const STALE_AFTER_SECS: i64 = 3600;

/// How a request turned out, as officials filter them: each is a set of statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still looking for a worker.
    Waiting,
    /// Still looking for a worker [`STALE_AFTER_SECS`] after it was made.
    Stale,
    /// A worker said yes; the work is not confirmed yet.
    Connected,
    /// The citizen said the work was done (and may have rated it).
    Done,
    /// Nobody took it or nobody was found.
    Unserved,
    /// Withdrawn by the citizen or closed by an official.
    Cancelled,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Waiting,
        Outcome::Stale,
        Outcome::Connected,
        Outcome::Done,
        Outcome::Unserved,
        Outcome::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Waiting => "waiting",
            Outcome::Stale => "stale",
            Outcome::Connected => "connected",
            Outcome::Done => "done",
            Outcome::Unserved => "unserved",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// The text catalogue's key for its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Outcome::Waiting => "outcome_waiting",
            Outcome::Stale => "outcome_stale",
            Outcome::Connected => "outcome_connected",
            Outcome::Done => "outcome_done",
            Outcome::Unserved => "outcome_unserved",
            Outcome::Cancelled => "outcome_cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s.trim())
    }

    pub fn statuses(self) -> &'static [RequestStatus] {
        use RequestStatus::*;
        match self {
            Outcome::Waiting | Outcome::Stale => &[Open, Offered],
            Outcome::Connected => &[Accepted],
            Outcome::Done => &[Done, Rated],
            Outcome::Unserved => &[Declined, Expired],
            Outcome::Cancelled => &[Cancelled],
        }
    }
}

/// Whether a request in `status` made at `created_at` has waited too long by `now`.
pub fn is_stale(status: RequestStatus, created_at: i64, now: i64) -> bool {
    status.is_searching() && now - created_at >= STALE_AFTER_SECS
}

/// What a request's lifecycle holds: its status and the facts its changes record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub status: RequestStatus,
    /// The worker who accepted.
    pub worker: Option<WorkerId>,
    pub rating: Option<i64>,
    /// Why it ended, when that is not plain from the status (`no_workers`, `cancelled_by_citizen`, `not_done`).
    pub note: Option<String>,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
}

impl Lifecycle {
    /// Makes `change` as `by` on the request of `citizen` (its contact key), or refuses it: an illegal transition,
    /// or an actor who may not make it (only the request's citizen cancels, confirms and rates it; only the worker
    /// named accepts; only the citizen or kaamgar offers it; only kaamgar declares it declined or expired).
    /// Nothing changes when it is refused.
    pub fn apply(
        &mut self,
        citizen: &str,
        by: Actor<'_>,
        change: Change,
        now: i64,
    ) -> Result<(), Refused> {
        let to = change.target();
        if !change.allowed_from(self.status) {
            return Err(Refused::Illegal {
                from: self.status,
                to,
            });
        }
        let own = matches!(by, Actor::Citizen(c) if c == citizen);
        let allowed = match change {
            Change::Offer => own || matches!(by, Actor::System | Actor::Official),
            Change::Accept { worker } => by == Actor::Worker(worker),
            Change::Decline | Change::Expire { .. } => by == Actor::System,
            Change::Cancel { .. } | Change::NotDone | Change::Done | Change::Rate { .. } => own,
            Change::Close { .. } => by == Actor::Official,
        };
        if !allowed {
            return Err(Refused::NotTheirs);
        }
        self.status = to;
        match change {
            Change::Offer | Change::Done => {}
            Change::Accept { worker } => {
                self.worker = Some(worker);
                self.accepted_at = Some(now);
            }
            Change::Decline => self.closed_at = Some(now),
            Change::Expire { note } => {
                if let Some(n) = note {
                    self.note = Some(n.to_string());
                }
                self.closed_at = Some(now);
            }
            Change::Cancel { note } => {
                self.note = Some(note.to_string());
                self.closed_at = Some(now);
            }
            Change::Close { reason } => {
                self.note = Some(reason.note().to_string());
                self.closed_at = Some(now);
            }
            Change::NotDone => {
                self.note = Some("not_done".into());
                self.closed_at = Some(now);
            }
            Change::Rate { stars } => {
                self.rating = Some(i64::from(stars));
                self.closed_at = Some(now);
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    Offered,
    Accepted,
    Declined,
    /// The worker did not answer in time.
    Expired,
    /// The request was cancelled or taken while this offer was open.
    Withdrawn,
}

impl OfferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferStatus::Offered => "offered",
            OfferStatus::Accepted => "accepted",
            OfferStatus::Declined => "declined",
            OfferStatus::Expired => "expired",
            OfferStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            OfferStatus::Offered,
            OfferStatus::Accepted,
            OfferStatus::Declined,
            OfferStatus::Expired,
            OfferStatus::Withdrawn,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::RequestStatus::*;
    use super::*;

    #[test]
    fn the_happy_path_is_allowed_and_endings_are_final() {
        for (a, b) in [
            (Open, Offered),
            (Offered, Accepted),
            (Accepted, Done),
            (Done, Rated),
        ] {
            assert!(a.can_become(b), "{a:?} -> {b:?}");
        }
        for end in [Rated, Cancelled] {
            for to in RequestStatus::ALL {
                assert!(!end.can_become(to), "{end:?} is final");
            }
        }
        assert!(
            !Accepted.can_become(Offered),
            "an accepted request is not offered again"
        );
        assert!(Expired.can_become(Open), "search again");
    }

    fn open() -> Lifecycle {
        Lifecycle {
            status: Open,
            worker: None,
            rating: None,
            note: None,
            accepted_at: None,
            closed_at: None,
        }
    }

    #[test]
    fn a_request_goes_from_offer_to_rating_and_records_each_fact() {
        let mut l = open();
        l.apply("wa:1", Actor::Citizen("wa:1"), Change::Offer, 10)
            .unwrap();
        l.apply(
            "wa:1",
            Actor::Worker(WorkerId(7)),
            Change::Accept {
                worker: WorkerId(7),
            },
            20,
        )
        .unwrap();
        assert_eq!(
            (l.status, l.worker, l.accepted_at),
            (Accepted, Some(WorkerId(7)), Some(20))
        );
        l.apply("wa:1", Actor::Citizen("wa:1"), Change::Done, 30)
            .unwrap();
        l.apply(
            "wa:1",
            Actor::Citizen("wa:1"),
            Change::Rate { stars: 4 },
            40,
        )
        .unwrap();
        assert_eq!(
            (l.status, l.rating, l.closed_at),
            (Rated, Some(4), Some(40))
        );
    }

    #[test]
    fn an_official_may_ask_another_worker_or_close_but_not_speak_for_the_citizen() {
        let mut l = open();
        l.apply("wa:1", Actor::Official, Change::Offer, 10).unwrap();
        let close = Change::Close {
            reason: CloseReason::Duplicate,
        };
        assert_eq!(
            l.apply("wa:1", Actor::System, close, 11),
            Err(Refused::NotTheirs)
        );
        for change in [Change::Done, Change::Rate { stars: 5 }] {
            assert!(l.apply("wa:1", Actor::Official, change, 12).is_err());
        }
        l.apply("wa:1", Actor::Official, close, 13).unwrap();
        assert_eq!(
            (l.status, l.note.as_deref(), l.closed_at),
            (Cancelled, Some("closed:duplicate"), Some(13))
        );
        assert!(
            l.apply("wa:1", Actor::Official, close, 14).is_err(),
            "final"
        );
        let mut ended = open();
        ended.status = Expired;
        assert!(ended.apply("wa:1", Actor::Official, close, 15).is_err());
        assert!(is_stale(Offered, 0, STALE_AFTER_SECS));
        assert!(!is_stale(Offered, 1, STALE_AFTER_SECS));
        assert!(!is_stale(Accepted, 0, 10 * STALE_AFTER_SECS));
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        for r in CloseReason::ALL {
            assert_eq!(CloseReason::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn only_the_requests_own_people_change_it_and_a_refusal_changes_nothing() {
        let mut l = open();
        l.apply("wa:1", Actor::System, Change::Offer, 10).unwrap();
        let before = l.clone();
        for (by, change) in [
            (Actor::Citizen("wa:2"), Change::Cancel { note: "x" }),
            (
                Actor::Worker(WorkerId(8)),
                Change::Accept {
                    worker: WorkerId(7),
                },
            ),
            (
                Actor::Citizen("wa:1"),
                Change::Accept {
                    worker: WorkerId(7),
                },
            ),
            (Actor::Citizen("wa:1"), Change::Expire { note: None }),
            (Actor::Worker(WorkerId(7)), Change::Decline),
            (Actor::Citizen("wa:2"), Change::Offer),
        ] {
            assert_eq!(
                l.apply("wa:1", by, change, 11),
                Err(Refused::NotTheirs),
                "{by:?} {change:?}"
            );
            assert_eq!(l, before);
        }
    }

    #[test]
    fn every_change_follows_the_transition_table_whoever_asks() {
        let changes = [
            Change::Offer,
            Change::Accept {
                worker: WorkerId(7),
            },
            Change::Decline,
            Change::Expire {
                note: Some("no_workers"),
            },
            Change::Cancel {
                note: "cancelled_by_citizen",
            },
            Change::NotDone,
            Change::Done,
            Change::Rate { stars: 5 },
        ];
        let actors = [
            Actor::System,
            Actor::Citizen("wa:1"),
            Actor::Worker(WorkerId(7)),
        ];
        for from in RequestStatus::ALL {
            for change in changes {
                let legal = actors.iter().any(|by| {
                    let mut l = Lifecycle {
                        status: from,
                        ..open()
                    };
                    l.apply("wa:1", *by, change, 1).is_ok()
                });
                assert_eq!(legal, change.allowed_from(from), "{from:?} {change:?}");
                assert!(!legal || from.can_become(change.target()));
                if !legal {
                    let mut l = Lifecycle {
                        status: from,
                        ..open()
                    };
                    assert_eq!(
                        l.apply("wa:1", Actor::System, change, 1),
                        Err(Refused::Illegal {
                            from,
                            to: change.target()
                        })
                    );
                }
            }
        }
        let mut l = open();
        assert!(
            l.apply("wa:1", Actor::Citizen("wa:1"), Change::Rate { stars: 5 }, 1)
                .is_err()
        );
        assert!(
            l.apply("wa:1", Actor::Citizen("wa:1"), Change::NotDone, 1)
                .is_err()
        );
        assert_eq!(
            l.status, Open,
            "an open request is neither rated nor answered as not done"
        );
    }

    #[test]
    fn statuses_read_back() {
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            OfferStatus::parse("withdrawn"),
            Some(OfferStatus::Withdrawn)
        );
        assert_eq!(RequestStatus::parse("nonsense"), None);
    }
}
