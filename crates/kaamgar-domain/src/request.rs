//! A service request's lifecycle and its offers. A request is `open` until a worker is offered it, `offered`
//! while one is being asked, `accepted` once one says yes, then `done` and `rated` after the follow-up; it ends
//! `declined` when every worker asked said no, `expired` when nobody was found or answered, and `cancelled` by
//! the citizen. Every offer is kept, for the fairness of matching and for reports.

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
