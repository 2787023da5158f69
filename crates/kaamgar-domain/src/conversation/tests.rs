use super::*;
use crate::ids::{EnrolmentId, OfferId, RequestId, WorkerId};

#[test]
fn every_tap_reads_back_as_itself() {
    let taps = [
        Tap::MenuNeed,
        Tap::MenuOffer,
        Tap::MenuHelp,
        Tap::Trade("plumber".into()),
        Tap::Pick {
            request: RequestId(7),
            worker: WorkerId(12),
        },
        Tap::Lead {
            offer: OfferId(3),
            accept: true,
        },
        Tap::Lead {
            offer: OfferId(3),
            accept: false,
        },
        Tap::Done {
            request: RequestId(9),
            done: false,
        },
        Tap::Rate {
            request: RequestId(9),
            stars: 5,
        },
        Tap::Consent(true),
        Tap::Invite {
            enrolment: EnrolmentId(41),
            accept: false,
        },
        Tap::Again {
            request: RequestId(4),
        },
        Tap::Wider {
            request: RequestId(4),
        },
        Tap::Instead {
            request: RequestId(4),
            trade: "electrician".into(),
        },
        Tap::KeepOpen {
            request: RequestId(4),
        },
    ];
    for t in taps {
        assert_eq!(Tap::parse(&t.id()), Some(t.clone()), "{}", t.id());
    }
}

#[test]
fn forged_or_broken_ids_are_not_taps() {
    for id in [
        "",
        "lead:abc:yes",
        "lead:3:maybe",
        "lead:-3:yes",
        "lead:0:yes",
        "rate:9:6",
        "rate:9:0",
        "pick:1",
        "pick:1:2:3",
        "trade:",
        "lead:99999999999999999999:yes",
    ] {
        assert_eq!(Tap::parse(id), None, "{id}");
    }
}

#[test]
fn a_conversation_state_survives_storage_and_old_states_read_as_idle_defaults() {
    let c = Conversation {
        lang: Lang::En,
        lang_fixed: true,
        stage: Stage::Choosing {
            request: RequestId(4),
            workers: vec![WorkerId(1), WorkerId(2), WorkerId(3)],
        },
        opted_out: false,
        spot: None,
    };
    let json = serde_json::to_string(&c).expect("serialise");
    assert_eq!(serde_json::from_str::<Conversation>(&json).ok(), Some(c));
    let empty: Conversation = serde_json::from_str("{}").expect("defaults");
    assert_eq!(empty, Conversation::default());
}
