//! The bot where a citizen or a worker used to be stuck: a place outside the service area, a search that finds
//! nobody (search farther, a related trade, keep the request open), the helpline, a web-chat citizen being
//! connected, leads that say what the work is, engaged workers, registration with experience, typed answers and
//! availability said in a sentence. Hindi and English, WhatsApp and web chat.

use crate::bot_support::*;
use crate::common::{self, call, get};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kaamgar_domain::conversation::Shown;
use serde_json::{Value, json};

const HELPLINE: &str = "1800 345 6789";

async fn with_helpline() -> common::TestApp {
    let mut t = common::sqlite_app().await;
    t.app.config.helpline = Some(HELPLINE.into());
    t
}

fn ids(s: &Shown) -> Vec<&str> {
    s.choices.iter().map(|c| c.id.as_str()).collect()
}

#[tokio::test]
async fn a_place_outside_the_area_is_said_with_the_nearest_place_inside() {
    let t = with_helpline().await;
    let b = setup(&t).await;
    let out = b.text(CITIZEN, T0, "plumber chahiye patna me").await;
    let reply = only(&out, CITIZEN);
    assert!(
        reply.text.contains("Saran") && reply.text.contains("पटना") || reply.text.contains("Patna"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("किमी"),
        "how far the nearest served place is: {}",
        reply.text
    );
    assert!(
        reply.text.contains(HELPLINE),
        "the helpline: {}",
        reply.text
    );
    assert!(
        !ids(reply).iter().any(|i| i.starts_with("pick:")),
        "no search outside the area"
    );
    // The next message names a place inside: the request goes on with the trade already said.
    let out = b.text(CITIZEN, T0 + 10, "marhaura").await;
    assert_eq!(only(&out, CITIZEN).choices.len(), 3, "{out:?}");

    let out = b
        .text("919123450001", T0 + 20, "I need a plumber in Lucknow")
        .await;
    let reply = only(&out, "919123450001");
    assert!(reply.text.contains("serves Saran"), "{}", reply.text);
    t.cleanup().await;
}

#[tokio::test]
async fn help_and_examples_name_places_of_the_service_area_and_dead_ends_give_the_helpline() {
    let t = with_helpline().await;
    let b = setup(&t).await;
    let out = b.text(CITIZEN, T0, "help").await;
    let help = only(&out, CITIZEN);
    assert!(
        !help.text.contains("Saifai") && !help.text.contains("सैफई"),
        "{}",
        help.text
    );
    let saran_block = ["Amnour", "Baniapur", "Chapra", "Dariapur", "Dighwara"]
        .iter()
        .any(|b| help.text.contains(b));
    assert!(saran_block, "an example from Saran: {}", help.text);
    let out = b.text(CITIZEN, T0 + 5, "asdf qwer zxcv").await;
    assert!(only(&out, CITIZEN).text.contains(HELPLINE));
    let out = b.text(CITIZEN, T0 + 6, "ration card kaise banega").await;
    assert!(only(&out, CITIZEN).text.contains(HELPLINE));
    t.cleanup().await;
}

#[tokio::test]
async fn a_search_that_finds_nobody_near_offers_farther_workers_a_related_trade_and_the_helpline() {
    let t = with_helpline().await;
    let b = setup(&t).await;
    // The plumbers are in Marhaura, about 40 km from Sonepur.
    let out = b.text(CITIZEN, T0, "Sonepur me plumber chahiye").await;
    let none = only(&out, CITIZEN);
    assert!(
        none.text.contains("किमी"),
        "the nearest one's distance: {}",
        none.text
    );
    assert!(none.text.contains(HELPLINE));
    let wider = ids(none)
        .into_iter()
        .find(|i| i.starts_with("wider:"))
        .expect("search farther")
        .to_string();
    assert!(ids(none).iter().any(|i| i.starts_with("keep:")));
    let out = b.tap(CITIZEN, T0 + 10, &wider).await;
    let list = only(&out, CITIZEN);
    assert_eq!(list.choices.len(), 3, "farther workers found: {list:?}");
    assert!(ids(list).iter().all(|i| i.starts_with("pick:")));

    // Nobody cleans drains near Marhaura, but plumbers are there.
    let other = "919123450002";
    let out = b
        .text(other, T0 + 20, "I need a sewer cleaner in Marhaura")
        .await;
    let none = only(&out, other);
    let instead = ids(none)
        .into_iter()
        .find(|i| i.starts_with("instead:"))
        .unwrap_or_else(|| panic!("a related trade: {none:?}"))
        .to_string();
    assert!(instead.ends_with(":plumber"), "{instead}");
    assert!(none.text.contains("Plumber"), "{}", none.text);
    let out = b.tap(other, T0 + 30, &instead).await;
    assert_eq!(only(&out, other).choices.len(), 3);
    t.cleanup().await;
}

#[tokio::test]
async fn a_request_kept_open_is_offered_to_a_worker_who_registers_later() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b
        .text(CITIZEN, T0, "bijli mistri chahiye marhaura me")
        .await;
    let none = only(&out, CITIZEN);
    let keep = ids(none)
        .into_iter()
        .find(|i| i.starts_with("keep:"))
        .expect("keep it open")
        .to_string();
    let out = b.tap(CITIZEN, T0 + 10, &keep).await;
    assert!(only(&out, CITIZEN).text.contains("खुला रहेगा"), "{out:?}");
    // Tapped again (or replayed): still one request kept open.
    let out = b.tap(CITIZEN, T0 + 12, &keep).await;
    assert!(only(&out, CITIZEN).text.contains("खुला रहेगा"), "{out:?}");
    let (_, open) = call(&b.router, get("/api/v1/requests?status=open")).await;
    assert_eq!(open["requests"].as_array().unwrap().len(), 1, "{open}");

    // An electrician registers in Marhaura, saying their experience in their own words.
    let w = "919700000077";
    let out = b
        .text(
            w,
            T0 + 60,
            "main bijli mistri hoon marhaura me, kaam chahiye",
        )
        .await;
    let ask = only(&out, w);
    assert!(
        ask.text.contains("कितने साल"),
        "experience is asked: {}",
        ask.text
    );
    let out = b.text(w, T0 + 70, "17 साल").await;
    let consent = only(&out, w);
    assert!(consent.text.contains("17 साल का अनुभव"), "{}", consent.text);
    let out = b.text(w, T0 + 80, "haan").await;
    assert!(only(&out, w).text.contains("पंजीकृत"), "{out:?}");

    // Nothing before the next look; then the citizen is shown the new worker.
    assert!(to(&b.run(T0 + 600).await, CITIZEN).is_empty());
    let out = b.run(T0 + 10 + 30 * 60 + 1).await;
    let msgs = to(&out, CITIZEN);
    assert_eq!(msgs.len(), 2, "{out:?}");
    assert!(msgs[0].text.contains("अच्छी ख़बर"));
    assert_eq!(msgs[1].choices.len(), 1, "the one electrician");
    let desc = msgs[1].choices[0].description.clone().unwrap_or_default();
    assert!(desc.contains("17"), "their experience is shown: {desc}");
    // The citizen picks by typing the number.
    let out = b.text(CITIZEN, T0 + 2000, "1").await;
    assert!(
        !to(&out, w).is_empty(),
        "the lead goes to the electrician: {out:?}"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_request_kept_open_closes_with_a_word_when_nobody_turns_free() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b.text(CITIZEN, T0, "I need a carpenter in Marhaura").await;
    let keep = ids(only(&out, CITIZEN))
        .into_iter()
        .find(|i| i.starts_with("keep:"))
        .unwrap()
        .to_string();
    b.tap(CITIZEN, T0 + 10, &keep).await;
    // The citizen keeps writing, so the window stays open; the searches go on every half hour for a day.
    let mut t_now = T0 + 10;
    let mut ended = None;
    for _ in 0..60 {
        t_now += 30 * 60 + 1;
        let out = b.run(t_now).await;
        if let Some(m) = to(&out, CITIZEN).first() {
            ended = Some(m.text.clone());
            break;
        }
        if t_now > T0 + 20 * 3600 && t_now < T0 + 20 * 3600 + 1900 {
            b.text(CITIZEN, t_now, "koi mila?").await;
        }
    }
    let ended = ended.expect("told when the request closes");
    assert!(ended.contains("closed") || ended.contains("बंद"), "{ended}");
    assert!(
        t_now >= T0 + 24 * 3600 - 3600,
        "after about a day: {}",
        t_now - T0
    );
    let (_, list) = call(&b.router, get("/api/v1/requests?status=expired")).await;
    assert!(list["requests"].as_array().unwrap().len() >= 2);
    t.cleanup().await;
}

#[tokio::test]
async fn a_worker_with_an_accepted_job_or_an_open_lead_is_not_offered_to_others() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b.text(CITIZEN, T0, "plumber chahiye marhaura me").await;
    let first = only(&out, CITIZEN).choices[0].id.clone();
    let (worker_wa, _) = worker_of(b.store.as_ref(), &first).await;
    let worker_id = first.rsplit(':').next().unwrap().to_string();
    b.pick(CITIZEN, T0 + 5, &first).await;
    // Being asked: a second citizen a minute later gets the others.
    let second = "919123450003";
    let out = b.text(second, T0 + 60, "plumber chahiye marhaura me").await;
    let l2 = only(&out, second);
    assert!(
        !l2.choices
            .iter()
            .any(|c| c.id.ends_with(&format!(":{worker_id}"))),
        "{l2:?}"
    );
    // The worker accepts by typing "1" (the first button).
    let out = b.text(&worker_wa, T0 + 90, "1").await;
    assert!(
        only(&out, &worker_wa).text.contains("+919123456780"),
        "{out:?}"
    );
    // Engaged: a third citizen an hour later does not get them either.
    let third = "919123450004";
    let out = b
        .text(third, T0 + 3600, "plumber chahiye marhaura me")
        .await;
    let l3 = only(&out, third);
    assert!(
        !l3.choices
            .iter()
            .any(|c| c.id.ends_with(&format!(":{worker_id}"))),
        "{l3:?}"
    );
    // Once the citizen says the work is done, the worker is offered again.
    b.run(T0 + 24 * 3600 + 120).await;
    b.text(CITIZEN, T0 + 25 * 3600, "haan ho gaya").await;
    let fourth = "919123450005";
    let out = b
        .text(fourth, T0 + 25 * 3600 + 60, "plumber chahiye marhaura me")
        .await;
    let l4 = only(&out, fourth);
    assert_eq!(l4.choices.len(), 3);
    t.cleanup().await;
}

#[tokio::test]
async fn a_lead_says_the_trade_the_place_the_distance_when_and_the_citizens_words_without_their_number()
 {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let out = b
        .text(
            CITIZEN,
            T0,
            "kal subah plumber chahiye marhaura me, nal toot gaya, call 9123456780",
        )
        .await;
    let first = only(&out, CITIZEN).choices[0].id.clone();
    let (worker_wa, _) = worker_of(b.store.as_ref(), &first).await;
    // The worker wrote today, so the lead comes with buttons rather than a template.
    let out = b
        .text(
            &worker_wa,
            T0 + 5,
            "bhai abhi free hoon, koi kaam ho to batana",
        )
        .await;
    assert!(
        only(&out, &worker_wa).text.contains("फिर से"),
        "free in a sentence: {out:?}"
    );
    let out = b.pick(CITIZEN, T0 + 10, &first).await;
    let lead = only(&out, &worker_wa);
    assert_eq!(lead.kind, "interactive");
    for part in ["प्लंबर", "Marhaura", "किमी", "कल", "nal toot gaya"] {
        assert!(lead.text.contains(part), "{part}: {}", lead.text);
    }
    assert!(
        !lead.text.contains("9123456780"),
        "no number in a lead: {}",
        lead.text
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_web_chat_citizen_gets_the_workers_number_and_the_worker_knows_they_will_call() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let res = tower::ServiceExt::oneshot(b.router.clone(), get("/chat"))
        .await
        .unwrap();
    let jar = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let post = |body: Value| {
        Request::post("/chat/messages")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, jar.clone())
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let lines = |router: axum::Router| {
        let jar = jar.clone();
        async move {
            let mut req = get("/chat/messages");
            req.headers_mut()
                .insert(header::COOKIE, jar.parse().unwrap());
            let (s, v) = call(&router, req).await;
            assert_eq!(s, StatusCode::OK);
            v["lines"].as_array().unwrap().clone()
        }
    };
    let (s, _) = call(
        &b.router,
        post(json!({"text": "I need a plumber in Marhaura"})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    b.run(T0).await;
    let l = lines(b.router.clone()).await;
    let list = l
        .iter()
        .find(|l| l["from_bot"] == true && !l["choices"].as_array().unwrap().is_empty())
        .unwrap();
    let pick = list["choices"][0]["id"].as_str().unwrap().to_string();
    let (worker_wa, _) = worker_of(b.store.as_ref(), &pick).await;
    call(
        &b.router,
        post(json!({"choice": {"id": pick, "title": "1"}})),
    )
    .await;
    let out = b.run(T0 + 10).await;
    let lead = only(&out, &worker_wa);
    let accept = lead
        .choices
        .iter()
        .find(|c| c.id.ends_with(":yes"))
        .unwrap()
        .id
        .clone();
    let out = b.template_tap(&worker_wa, T0 + 60, &accept).await;
    let told = only(&out, &worker_wa);
    assert!(
        told.text.contains("वेब चैट") || told.text.contains("web chat"),
        "{}",
        told.text
    );
    assert!(
        !told.text.contains("ग्राहक पर"),
        "never 'call the customer on the customer': {}",
        told.text
    );
    // The page reads the new line without the citizen writing anything.
    let l = lines(b.router.clone()).await;
    let last = l
        .iter()
        .filter(|l| l["from_bot"] == true)
        .map(|l| l["text"].as_str().unwrap().to_string())
        .find(|t| t.contains("agreed"))
        .unwrap_or_else(|| panic!("the citizen is told: {l:?}"));
    assert!(last.contains("+9198000000"), "the worker's number: {last}");
    assert!(last.contains("call them now"), "{last}");
    t.cleanup().await;
}

#[tokio::test]
async fn the_experience_question_never_traps_and_an_age_is_not_experience() {
    let t = common::sqlite_app().await;
    let b = setup(&t).await;
    let w = "919700000088";
    let out = b
        .text(
            w,
            T0,
            "main 25 saal ka hoon, plumber ka kaam karta hoon marhaura me",
        )
        .await;
    assert!(
        only(&out, w).text.contains("कितने साल"),
        "an age is not experience: {out:?}"
    );
    let out = b.text(w, T0 + 10, "pata nahi").await;
    assert!(
        only(&out, w).text.contains("कितने साल"),
        "asked once more: {out:?}"
    );
    let out = b.text(w, T0 + 20, "malum nahi bhai").await;
    let consent = only(&out, w);
    assert!(
        consent.text.contains("अनुभव के साल नहीं बताए"),
        "then it moves on: {}",
        consent.text
    );
    let out = b.text(w, T0 + 30, "haan").await;
    assert!(only(&out, w).text.contains("पंजीकृत"), "{out:?}");
    t.cleanup().await;
}
