//! The WhatsApp tables of the store, on SQLite and (when configured) PostgreSQL: the inbox stores each inbound
//! event once and hands events out in order per contact; the outbox hands each due message to one sender.

use crate::common;

use common::{backends, cleanup};
use kaamgar_domain::channel::Channel;
use kaamgar_domain::conversation::Reply;
use kaamgar_store::prelude::*;
use kaamgar_store::{NewInboxEvent, NewOutbound, OutMessage};

const WA: Channel = Channel::WhatsApp;

#[tokio::test]
async fn inbound_events_are_stored_once_and_handed_out_in_order_per_contact() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let ev = |key: &str, contact: &str| NewInboxEvent {
            key: key.into(),
            kind: "message".into(),
            contact: contact.into(),
            payload: format!("{{\"k\":\"{key}\"}}"),
        };
        let batch = [ev("m:1", "A"), ev("m:2", "B"), ev("m:3", "A")];
        let first = s.ingest_inbound(&batch, 10).await.unwrap();
        assert_eq!((first.stored, first.duplicates), (3, 0), "{}", b.name);
        let again = s.ingest_inbound(&batch, 11).await.unwrap();
        assert_eq!(
            (again.stored, again.duplicates),
            (0, 3),
            "{}: a redelivery is not stored",
            b.name
        );

        let pending = s.pending_inbound(10).await.unwrap();
        let keys: Vec<(&str, &str)> = pending
            .iter()
            .map(|e| (e.contact.as_str(), e.payload.as_str()))
            .collect();
        assert_eq!(
            keys,
            [("A", r#"{"k":"m:1"}"#), ("B", r#"{"k":"m:2"}"#)],
            "{}",
            b.name
        );
        // A failed attempt keeps the event first in line for its contact.
        s.finish_inbound(pending[0].id, Some("graph api down"), 12)
            .await
            .unwrap();
        let p = s.pending_inbound(10).await.unwrap();
        assert_eq!((p[0].id, p[0].attempts), (pending[0].id, 1), "{}", b.name);
        s.finish_inbound(pending[0].id, None, 13).await.unwrap();
        let p = s.pending_inbound(10).await.unwrap();
        let payloads: Vec<&str> = p.iter().map(|e| e.payload.as_str()).collect();
        assert_eq!(payloads, [r#"{"k":"m:2"}"#, r#"{"k":"m:3"}"#], "{}", b.name);
    }
    cleanup(bs).await;
}

#[tokio::test]
async fn the_outbox_hands_each_due_message_to_one_sender_and_keeps_its_fate() {
    let bs = backends().await;
    for b in &bs {
        let s = &b.store;
        let msg = |contact: &str, n: u32| NewOutbound {
            contact: contact.into(),
            channel: Channel::WhatsApp,
            sender_id: "106540352242922".into(),
            recipient: Some(contact.into()),
            message: Reply::Text {
                body: format!("n{n}"),
            },
            fallback: None,
        };
        let ids = s
            .enqueue_outbound(&[msg("A", 1), msg("B", 2), msg("A", 3)], 100)
            .await
            .unwrap();
        assert_eq!(ids.len(), 3);
        let first = s.claim_outbound(WA, 2, 100).await.unwrap();
        assert_eq!(
            first.iter().map(|j| j.id).collect::<Vec<_>>(),
            ids[..2],
            "{}",
            b.name
        );
        assert_eq!(first[0].attempts, 1);
        // Retried for later: not due now, due then.
        s.outbound_retry(ids[0], 160, Some(130429), "rate limited")
            .await
            .unwrap();
        let next = s.claim_outbound(WA, 10, 101).await.unwrap();
        assert_eq!(
            next.iter().map(|j| j.id).collect::<Vec<_>>(),
            [ids[2]],
            "{}",
            b.name
        );
        let later = s.claim_outbound(WA, 10, 160).await.unwrap();
        assert_eq!((later[0].id, later[0].attempts), (ids[0], 2), "{}", b.name);
        assert_eq!(
            later[0].message,
            OutMessage::Reply(Reply::Text { body: "n1".into() }),
            "the reply reads back as it was queued ({})",
            b.name
        );
        // Another channel's sender does not see WhatsApp's messages.
        s.outbound_retry(ids[0], 160, None, "again").await.unwrap();
        assert!(
            s.claim_outbound(Channel::Web, 10, 160)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.claim_outbound(WA, 10, 160).await.unwrap()[0].id, ids[0]);

        s.outbound_sent(ids[1], "wamid.OUT1", 102).await.unwrap();
        assert!(s.outbound_delivery(&report("wamid.OUT1"), 0).await.unwrap());
        assert!(
            !s.outbound_delivery(&report("wamid.UNKNOWN"), 0)
                .await
                .unwrap()
        );
        let r = s.outbound(ids[1]).await.unwrap();
        assert_eq!(
            (r.state.as_str(), r.delivery.as_deref()),
            ("sent", Some("read")),
            "{}",
            b.name
        );

        s.outbound_failed(ids[2], Some(131026), "undeliverable")
            .await
            .unwrap();
        assert_eq!(s.outbound(ids[2]).await.unwrap().state, "failed");

        // A sender that died after claiming: its message goes back to the queue.
        assert_eq!(
            s.requeue_stuck_outbound(161).await.unwrap(),
            1,
            "{}",
            b.name
        );
        assert_eq!(s.claim_outbound(WA, 10, 200).await.unwrap()[0].id, ids[0]);

        // Two senders claiming at once never get the same message.
        let more: Vec<NewOutbound> = (0..40).map(|n| msg("C", n)).collect();
        s.enqueue_outbound(&more, 300).await.unwrap();
        let (x, y) = tokio::join!(s.claim_outbound(WA, 25, 300), s.claim_outbound(WA, 25, 300));
        let mut all: Vec<i64> = x
            .unwrap()
            .into_iter()
            .chain(y.unwrap())
            .map(|j| j.id)
            .collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!((all.len(), n), (40, 40), "{}", b.name);
    }
    cleanup(bs).await;
}

fn report(id: &str) -> kaamgar_store::Delivery<'_> {
    kaamgar_store::Delivery {
        provider_id: id,
        status: "read",
        code: None,
        error: None,
        window_closed: false,
    }
}
