//! Payloads exactly as Meta documents them: text, reply button, list reply, template quick reply, location, image,
//! statuses with errors, several entries and changes in one body, business-scoped user ids, and bad bodies.

use super::*;

fn wrap(value: &str) -> String {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{value},"field":"messages"}}]}}]}}"#
    )
}

const META: &str = r#""messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}"#;

#[test]
fn reads_a_text_message_with_its_contact() {
    let body = wrap(&format!(
        r#"{{{META},"contacts":[{{"profile":{{"name":"Sheena Nelson"}},"wa_id":"919876543210"}}],"messages":[{{"from":"919876543210","id":"wamid.A1","timestamp":"1749416383","type":"text","text":{{"body":"plumber chahiye marhaura me"}}}}]}}"#
    ));
    let ev = parse_webhook(body.as_bytes()).unwrap();
    assert_eq!(ev.len(), 1);
    let InboundEvent::Message(m) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(m.id, "wamid.A1");
    assert_eq!(m.phone_number_id, "106540352242922");
    assert_eq!(m.from.wa_id.as_deref(), Some("919876543210"));
    assert_eq!(m.from.name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(m.timestamp, 1_749_416_383);
    assert_eq!(
        m.body,
        MessageBody::Text {
            body: "plumber chahiye marhaura me".into()
        }
    );
    assert_eq!(ev[0].dedupe_key(), "m:wamid.A1");
}

#[test]
fn reads_buttons_lists_template_replies_locations_and_the_rest() {
    let msgs = [
        r#"{"context":{"from":"15550783881","id":"wamid.OUT1"},"from":"919800000001","id":"wamid.B1","timestamp":"1","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"accept:42","title":"स्वीकार"}}}"#,
        r#"{"from":"919800000001","id":"wamid.B2","timestamp":"2","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"worker:7","title":"Ramesh","description":"2 km"}}}"#,
        r#"{"context":{"from":"15550783881","id":"wamid.OUT2"},"from":"919800000001","id":"wamid.B3","timestamp":"3","type":"button","button":{"payload":"decline:42","text":"मना करें"}}"#,
        r#"{"from":"919800000001","id":"wamid.B4","timestamp":"4","type":"location","location":{"latitude":25.954,"longitude":84.8085,"name":"Marhaura","address":"Saran"}}"#,
        r#"{"from":"919800000001","id":"wamid.B5","timestamp":"5","type":"image","image":{"mime_type":"image/jpeg","sha256":"x","id":"m1"}}"#,
        r#"{"from":"919800000001","id":"wamid.B6","timestamp":"6","type":"reaction","reaction":{"message_id":"wamid.OUT1","emoji":"👍"}}"#,
        r#"{"from":"919800000001","id":"wamid.B7","timestamp":"7","type":"unsupported","errors":[{"code":131051,"title":"Message type unknown"}]}"#,
    ];
    let body = wrap(&format!(
        r#"{{{META},"contacts":[{{"profile":{{"name":"R"}},"wa_id":"919800000001"}}],"messages":[{}]}}"#,
        msgs.join(",")
    ));
    let ev = parse_webhook(body.as_bytes()).unwrap();
    let bodies: Vec<MessageBody> = ev
        .iter()
        .map(|e| match e {
            InboundEvent::Message(m) => m.body.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        bodies[0],
        MessageBody::ButtonReply {
            id: "accept:42".into(),
            title: "स्वीकार".into()
        }
    );
    assert_eq!(
        bodies[1],
        MessageBody::ListReply {
            id: "worker:7".into(),
            title: "Ramesh".into()
        }
    );
    assert_eq!(
        bodies[2],
        MessageBody::TemplateButton {
            payload: "decline:42".into(),
            text: "मना करें".into()
        }
    );
    assert!(matches!(bodies[3], MessageBody::Location { lat, .. } if (lat - 25.954).abs() < 1e-9));
    assert_eq!(
        bodies[4],
        MessageBody::Unsupported {
            kind: "image".into()
        }
    );
    assert_eq!(
        bodies[5],
        MessageBody::Unsupported {
            kind: "reaction".into()
        }
    );
    assert_eq!(
        bodies[6],
        MessageBody::Unsupported {
            kind: "unsupported".into()
        }
    );
    let InboundEvent::Message(first) = &ev[0] else {
        unreachable!()
    };
    assert_eq!(first.context_id.as_deref(), Some("wamid.OUT1"));
}

#[test]
fn reads_statuses_with_error_codes() {
    let body = wrap(&format!(
        r#"{{{META},"statuses":[{{"id":"wamid.OUT1","status":"delivered","timestamp":"10","recipient_id":"919800000001"}},{{"id":"wamid.OUT2","status":"failed","timestamp":"11","recipient_id":"919800000002","errors":[{{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{{"details":"More than 24 hours"}}}}]}}]}}"#
    ));
    let ev = parse_webhook(body.as_bytes()).unwrap();
    let InboundEvent::Status(s) = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(s.status, DeliveryStatus::Failed);
    assert_eq!(
        s.errors,
        [StatusError {
            code: 131047,
            title: "Re-engagement message".into()
        }]
    );
    assert_eq!(ev[0].dedupe_key(), "s:wamid.OUT1:delivered");
    assert_eq!(ev[1].contact_key(), Some("919800000002"));
}

#[test]
fn keys_contacts_on_the_business_scoped_user_id_when_present() {
    let body = wrap(&format!(
        r#"{{{META},"contacts":[{{"profile":{{"name":"Bob","username":"@bob"}},"user_id":"IN.1648738043044942"}}],"messages":[{{"from_user_id":"IN.1648738043044942","id":"wamid.U1","timestamp":"1","type":"text","text":{{"body":"hi"}}}}]}}"#
    ));
    let ev = parse_webhook(body.as_bytes()).unwrap();
    let InboundEvent::Message(m) = &ev[0] else {
        panic!()
    };
    assert_eq!(m.from.wa_id, None);
    assert_eq!(ev[0].contact_key(), Some("IN.1648738043044942"));
}

#[test]
fn several_entries_and_changes_in_one_body_all_count() {
    let change = |id: &str| {
        format!(
            r#"{{"value":{{{META},"contacts":[{{"wa_id":"91980000000{id}"}}],"messages":[{{"from":"91980000000{id}","id":"wamid.{id}","timestamp":"1","type":"text","text":{{"body":"x"}}}}]}},"field":"messages"}}"#
        )
    };
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{},{}]}},{{"id":"2","changes":[{}]}}]}}"#,
        change("1"),
        change("2"),
        change("3")
    );
    assert_eq!(parse_webhook(body.as_bytes()).unwrap().len(), 3);
}

#[test]
fn an_unreadable_message_is_recorded_and_the_others_of_the_notification_are_kept() {
    let body = wrap(&format!(
        r#"{{{META},"messages":[
            {{"from":"919800000001","id":"wamid.OK1","timestamp":"5","type":"text","text":{{"body":"plumber chahiye"}}}},
            {{"from":"919800000002","id":"wamid.NOTYPE","timestamp":"5","text":{{"body":"no type"}}}},
            {{"from":"919800000003","id":"wamid.OK2","timestamp":"5","type":"text","text":{{"body":"bijli wala"}}}}
        ],"statuses":[{{"status":"read"}}]}}"#
    ));
    let ev = parse_webhook(body.as_bytes()).unwrap();
    assert_eq!(ev.len(), 4);
    assert!(matches!(&ev[0], InboundEvent::Message(m) if m.id == "wamid.OK1"));
    match &ev[1] {
        InboundEvent::Rejected(r) => {
            assert_eq!(r.id.as_deref(), Some("wamid.NOTYPE"));
            assert_eq!(r.contact.as_deref(), Some("919800000002"));
            assert!(r.reason.contains("type"), "{}", r.reason);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&ev[2], InboundEvent::Message(m) if m.id == "wamid.OK2"));
    assert!(matches!(&ev[3], InboundEvent::Rejected(r) if r.id.is_none()));
    // A redelivery gives the same keys, so it is recognised.
    let again = parse_webhook(body.as_bytes()).unwrap();
    assert_eq!(ev[1].dedupe_key(), again[1].dedupe_key());
    assert_ne!(ev[1].dedupe_key(), ev[3].dedupe_key());
}

#[test]
fn bad_bodies_are_refused_with_a_reason() {
    assert!(matches!(
        parse_webhook(b"{not json"),
        Err(WebhookError::Json(_))
    ));
    assert!(matches!(parse_webhook(b"[]"), Err(WebhookError::Json(_))));
    assert!(matches!(
        parse_webhook(br#"{"object":"page","entry":[]}"#),
        Err(WebhookError::NotWhatsApp(_))
    ));
    let no_meta = wrap(r#"{"messages":[{"from":"1","id":"w","type":"text","text":{"body":"x"}}]}"#);
    assert!(matches!(
        parse_webhook(no_meta.as_bytes()),
        Err(WebhookError::Missing(_))
    ));
    let no_from = wrap(&format!(
        r#"{{{META},"messages":[{{"id":"w","type":"text","text":{{"body":"x"}}}}]}}"#
    ));
    let ev = parse_webhook(no_from.as_bytes()).unwrap();
    assert!(matches!(&ev[..], [InboundEvent::Rejected(r)] if r.id.as_deref() == Some("w")));
    // Other fields (template status updates, account alerts) carry no events and are not errors.
    let other = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]}"#;
    assert_eq!(parse_webhook(other.as_bytes()).unwrap(), []);
}
