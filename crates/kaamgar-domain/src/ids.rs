//! Typed record ids: a worker's id cannot be passed where a request's is expected. Stored as the database's integer
//! (`.0` when binding, `Id(row.get(..))` when reading), written as the integer in JSON and text.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

record_id!(
    /// A worker in the registry.
    WorkerId
);
record_id!(
    /// A citizen's service request.
    RequestId
);
record_id!(
    /// A lead: one worker asked about one request.
    OfferId
);

record_id!(
    /// A training centre.
    CentreId
);
record_id!(
    /// A training programme (its modules and completion rule).
    ProgrammeId
);
record_id!(
    /// A batch of a programme: its phase, dates, capacity and sessions.
    BatchId
);
record_id!(
    /// One session of a batch.
    SessionId
);
record_id!(
    /// One trainee's place in a batch (enrolled or waiting).
    EnrolmentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_write_as_their_integer() {
        assert_eq!("42".parse::<RequestId>(), Ok(RequestId(42)));
        assert!("4x".parse::<OfferId>().is_err());
        assert_eq!(WorkerId(7).to_string(), "7");
        assert_eq!(serde_json::to_string(&OfferId(9)).unwrap(), "9");
    }
}
