//! Snapshots (insta) of what people and programs receive: every kind of bot message as WhatsApp gets it (Graph API
//! JSON) in Hindi and English, and the public API's contract (its OpenAPI document, a worker, an error). A change
//! to any of them shows as a diff in review; `cargo insta review` (or `INSTA_UPDATE=always`) accepts it.

use crate::common;
use kaamgar_domain::ids::{OfferId, RequestId, WorkerId};

use common::{call, send, sqlite_app};
use kaamgar_domain::conversation::notices::{self, CandidateView, RequestView, Templates};
use kaamgar_domain::conversation::{Lang, Local, Msg, Reply};
use kaamgar_domain::understand::{Day, When};
use kaamgar_domain::whatsapp::ContactRef;
use kaamgar_domain::whatsapp::outbound::graph_request;
use serde_json::{Map, Value, json};

/// Every message builder of the bot, with fixed facts, as Graph API request bodies.
fn bot_messages(lang: Lang) -> Value {
    let trades = kaamgar::reference::trades().unwrap();
    let req = RequestView {
        id: RequestId(41),
        trade: "plumber".into(),
        place: "Marhaura".into(),
        text: "plumber chahiye marhaura me".into(),
    };
    let found = [
        CandidateView {
            worker_id: WorkerId(7),
            name: "रमेश कुमार".into(),
            distance_km: 1.24,
            rating: Some(4.5),
            experience_years: Some(12),
            verified: true,
        },
        CandidateView {
            worker_id: WorkerId(9),
            name: "Sunil Paswan".into(),
            distance_km: 6.8,
            rating: None,
            experience_years: None,
            verified: false,
        },
    ];
    let templates = Templates {
        lead: "kaamgar_lead".into(),
        follow_up: "kaamgar_follow_up".into(),
    };
    let local = Local {
        examples: ["Marhaura".into(), "Amnour".into()],
        coverage: "Saran".into(),
        helpline: Some("1800 345 6789".into()),
    };
    let alt = notices::Alternatives {
        farther_km: Some(41.6),
        instead: Some(("electrician".into(), 2)),
        keep_open: true,
    };
    let facts = notices::LeadFacts {
        km: Some(3.4),
        when: Some(When {
            day: Some(Day::Tomorrow),
            part: None,
        }),
    };
    let all: Vec<(&str, Reply)> = vec![
        ("menu", notices::menu(lang, Msg::Welcome, &local)),
        ("help", notices::say(lang, Msg::Help, &local)),
        (
            "not_understood",
            notices::menu(lang, Msg::NotUnderstood, &local),
        ),
        (
            "out_of_area",
            notices::out_of_area(lang, &local, "Patna", "Sonepur", 24.6),
        ),
        (
            "trade_list",
            notices::trade_list(lang, &trades, Msg::AskTrade),
        ),
        (
            "ask_place",
            notices::ask_place(lang, &trades, "electrician", Msg::AskPlace),
        ),
        (
            "candidates",
            notices::candidates(lang, &trades, &req, &found),
        ),
        (
            "no_workers",
            notices::no_workers(lang, &trades, &req, Msg::NoWorkers, &alt, &local),
        ),
        (
            "no_workers_keep_open_only",
            notices::no_workers(
                lang,
                &trades,
                &req,
                Msg::NoWorkers,
                &notices::Alternatives {
                    keep_open: true,
                    ..Default::default()
                },
                &local,
            ),
        ),
        ("asked", notices::asked(lang, "रमेश कुमार", 30)),
        (
            "lead_offer",
            notices::lead_offer(lang, &trades, &req, OfferId(88), facts),
        ),
        (
            "lead_template",
            notices::lead_template(lang, &trades, &req, OfferId(88), &templates),
        ),
        (
            "worker_connected",
            notices::worker_connected(lang, "Marhaura", Some("+919123456780")),
        ),
        (
            "worker_connected_web",
            notices::worker_connected(lang, "Marhaura", None),
        ),
        (
            "citizen_connected",
            notices::citizen_connected(
                lang,
                &trades,
                "रमेश कुमार",
                "plumber",
                "+919800000007",
                false,
            ),
        ),
        (
            "citizen_connected_web",
            notices::citizen_connected(lang, &trades, "रमेश कुमार", "plumber", "+919800000007", true),
        ),
        (
            "next_asked",
            notices::next_asked(lang, "रमेश कुमार", "Sunil Paswan", true),
        ),
        (
            "nobody_left",
            notices::no_workers(lang, &trades, &req, Msg::NobodyLeft, &alt, &local),
        ),
        (
            "follow_up",
            notices::follow_up(lang, &trades, &req, "रमेश कुमार"),
        ),
        (
            "follow_up_template",
            notices::follow_up_template(lang, &trades, &req, "रमेश कुमार", &templates),
        ),
        (
            "ask_rating",
            notices::ask_rating(lang, RequestId(41), "रमेश कुमार"),
        ),
        ("not_done", notices::not_done(lang, &trades, &req, &local)),
        (
            "consent",
            notices::consent(lang, &trades, "plumber", "Marhaura", Some(17)),
        ),
        (
            "registered",
            notices::registered(lang, &trades, "plumber", true),
        ),
    ];
    let to = ContactRef {
        wa_id: Some("919123456780".into()),
        user_id: None,
        name: None,
    };
    let mut out = Map::new();
    for (name, reply) in all {
        out.insert(name.into(), graph_request(&to, &reply).unwrap());
    }
    Value::Object(out)
}

#[test]
fn every_bot_message_in_hindi_as_whatsapp_receives_it() {
    insta::assert_json_snapshot!(bot_messages(Lang::Hi));
}

#[test]
fn every_bot_message_in_english_as_whatsapp_receives_it() {
    insta::assert_json_snapshot!(bot_messages(Lang::En));
}

#[tokio::test]
async fn the_public_api_document() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let (_, doc) = call(&r, common::get("/api/v1/openapi.json")).await;
    insta::assert_json_snapshot!(doc);
    t.cleanup().await;
}

#[tokio::test]
async fn a_registered_worker_and_a_refused_one_as_the_api_answers() {
    let t = sqlite_app().await;
    let r = kaamgar_web::router(kaamgar::serve::state(&t.app).unwrap());
    let body = json!({
        "name": "सुनीता देवी", "phone": "98765 43210", "gender": "महिला", "age": 31, "trade": "दर्जी",
        "other_trades": ["embroidery"], "block": "Marhaura", "district": "सारण", "consent": {"method": "web"}
    });
    let (_, mut created) = call(&r, send("POST", "/api/v1/workers", &body)).await;
    // What changes from run to run: the id and the times.
    for field in ["id", "created_at", "updated_at", "seq"] {
        created[field] = json!(format!("[{field}]"));
    }
    created["consent"]["given_at"] = json!("[given_at]");
    insta::assert_json_snapshot!("registered_worker", created);
    let mut bad = body.clone();
    bad["phone"] = json!("12345");
    bad["trade"] = json!("astronaut");
    let (_, refused) = call(&r, send("POST", "/api/v1/workers", &bad)).await;
    insta::assert_json_snapshot!("refused_worker", refused);
    t.cleanup().await;
}
