//! An invitation to a training batch as the invited person reads it, in their language: two buttons (join, not
//! now) while WhatsApp's 24-hour window is open, else the approved template with the same two quick replies. A
//! typed "haan" or "nahi" answers it too (the conversation notes the question).

use super::{Choice, Lang, Msg, Reply, Tap, text};
use crate::ids::EnrolmentId;

/// What an invitation says.
#[derive(Debug, Clone, PartialEq)]
pub struct InviteView {
    pub enrolment: EnrolmentId,
    /// The invited person's name.
    pub name: String,
    /// The programme's title in the person's language.
    pub programme: String,
    pub centre: String,
    /// The first session, as people read dates ("12-01-2027 10:00").
    pub start: String,
}

impl InviteView {
    fn args(&self) -> [(&'static str, &str); 4] {
        [
            ("name", &self.name),
            ("programme", &self.programme),
            ("centre", &self.centre),
            ("start", &self.start),
        ]
    }

    fn taps(&self) -> [(Tap, Msg); 2] {
        [true, false].map(|accept| {
            (
                Tap::Invite {
                    enrolment: self.enrolment,
                    accept,
                },
                if accept { Msg::BtnJoin } else { Msg::BtnNotNow },
            )
        })
    }
}

/// The invitation with its two buttons.
pub fn invitation(lang: Lang, v: &InviteView) -> Reply {
    Reply::Buttons {
        body: text(lang, Msg::Invitation, &v.args()),
        buttons: v
            .taps()
            .into_iter()
            .map(|(tap, m)| Choice {
                id: tap.id(),
                title: text(lang, m, &[]),
                description: None,
            })
            .collect(),
        footer: None,
    }
}

/// The same invitation as the approved template `name` (parameters: name, programme, centre, first session).
pub fn invitation_template(lang: Lang, v: &InviteView, name: &str) -> Reply {
    Reply::Template {
        name: name.to_string(),
        language: lang.code().into(),
        body_params: v.args().iter().map(|(_, a)| a.to_string()).collect(),
        quick_replies: v.taps().iter().map(|(t, _)| t.id()).collect(),
        document: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buttons_and_the_template_carry_the_same_answers() {
        let v = InviteView {
            enrolment: EnrolmentId(12),
            name: "सुनीता देवी".into(),
            programme: "पंचायत नेतृत्व".into(),
            centre: "बिठूर कौशल केंद्र".into(),
            start: "12-01-2027 10:00".into(),
        };
        let Reply::Buttons { body, buttons, .. } = invitation(Lang::Hi, &v) else {
            panic!("buttons expected")
        };
        assert!(body.contains("सुनीता देवी") && body.contains("बिठूर कौशल केंद्र"));
        let ids: Vec<_> = buttons.iter().map(|b| b.id.clone()).collect();
        assert_eq!(ids, ["invite:12:yes", "invite:12:no"]);
        let Reply::Template {
            quick_replies,
            body_params,
            ..
        } = invitation_template(Lang::En, &v, "kaamgar_training_invite")
        else {
            panic!("template expected")
        };
        assert_eq!(quick_replies, ids);
        assert_eq!(body_params.len(), 4);
        assert_eq!(
            Tap::parse(&ids[0]),
            Some(Tap::Invite {
                enrolment: EnrolmentId(12),
                accept: true
            })
        );
    }
}
