//! Every text the bot sends, from one translation catalogue (`data/bot_texts.tsv`), so translators edit one file and
//! a test proves that every message exists in both languages with the same placeholders.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

const CATALOGUE: &str = include_str!("../../../../data/bot_texts.tsv");

/// The language a contact is written to. Hindi unless they write English or ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Hi,
    En,
}

impl Lang {
    /// The language code of WhatsApp templates.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Hi => "hi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hi" => Some(Lang::Hi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A message of the catalogue; its key in the file is the variant's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Msg {
    Welcome,
    BtnNeed,
    BtnOffer,
    BtnHelp,
    Help,
    AskTrade,
    ListButton,
    AskPlace,
    PlaceUnknown,
    PlaceSuggest,
    Candidates,
    RowKm,
    RowRating,
    RowNew,
    RowYears,
    RowVerified,
    NoWorkers,
    AskedWorker,
    LeadOffer,
    BtnAccept,
    BtnDecline,
    WorkerConnected,
    CitizenConnected,
    DeclinedNext,
    NoAnswerNext,
    NobodyLeft,
    BtnAgain,
    LeadClosed,
    LeadMissed,
    LeadDeclinedAck,
    FollowUp,
    BtnDone,
    BtnNotDone,
    AskRating,
    Rating5,
    Rating4,
    Rating3,
    Rating2,
    Rating1,
    RatingThanks,
    NotDone,
    Cancelled,
    NothingToCancel,
    RegAskTrade,
    RegAskPlace,
    RegConsent,
    BtnAgree,
    BtnDisagree,
    RegDone,
    RegDeclined,
    RegErased,
    RegNeedsPhone,
    Registered,
    StatusFree,
    StatusBusy,
    NowBusy,
    NowFree,
    NotAWorker,
    OptedOut,
    OptedOutHint,
    LangSet,
    NotUnderstood,
    Unsupported,
    YoureWelcome,
    SlowDown,
    TheCustomer,
    ComplaintHeard,
    FeedbackThanks,
    ServiceElsewhere,
    Helpline,
    OutOfArea,
    FartherNote,
    InsteadNote,
    KeepOpenNote,
    BtnWider,
    BtnKeepOpen,
    KeptOpen,
    FoundLater,
    OpenEnded,
    LeadKm,
    WhenNow,
    WhenToday,
    WhenTomorrow,
    WorkerConnectedWeb,
    CitizenConnectedWeb,
    AskExperience,
    ExperienceYears,
    ExperienceNew,
    ExperienceNotSaid,
    AttendanceMarked,
    AttendanceWrongCode,
    AttendanceNoSession,
    CertificateIssued,
    Invitation,
    BtnJoin,
    BtnNotNow,
    InviteAccepted,
    InviteWaiting,
    InviteDeclined,
    InviteClosed,
    InviteGone,
}

impl Msg {
    pub const ALL: [Msg; 101] = [
        Msg::Welcome,
        Msg::BtnNeed,
        Msg::BtnOffer,
        Msg::BtnHelp,
        Msg::Help,
        Msg::AskTrade,
        Msg::ListButton,
        Msg::AskPlace,
        Msg::PlaceUnknown,
        Msg::PlaceSuggest,
        Msg::Candidates,
        Msg::RowKm,
        Msg::RowRating,
        Msg::RowNew,
        Msg::RowYears,
        Msg::RowVerified,
        Msg::NoWorkers,
        Msg::AskedWorker,
        Msg::LeadOffer,
        Msg::BtnAccept,
        Msg::BtnDecline,
        Msg::WorkerConnected,
        Msg::CitizenConnected,
        Msg::DeclinedNext,
        Msg::NoAnswerNext,
        Msg::NobodyLeft,
        Msg::BtnAgain,
        Msg::LeadClosed,
        Msg::LeadMissed,
        Msg::LeadDeclinedAck,
        Msg::FollowUp,
        Msg::BtnDone,
        Msg::BtnNotDone,
        Msg::AskRating,
        Msg::Rating5,
        Msg::Rating4,
        Msg::Rating3,
        Msg::Rating2,
        Msg::Rating1,
        Msg::RatingThanks,
        Msg::NotDone,
        Msg::Cancelled,
        Msg::NothingToCancel,
        Msg::RegAskTrade,
        Msg::RegAskPlace,
        Msg::RegConsent,
        Msg::BtnAgree,
        Msg::BtnDisagree,
        Msg::RegDone,
        Msg::RegDeclined,
        Msg::RegErased,
        Msg::RegNeedsPhone,
        Msg::Registered,
        Msg::StatusFree,
        Msg::StatusBusy,
        Msg::NowBusy,
        Msg::NowFree,
        Msg::NotAWorker,
        Msg::OptedOut,
        Msg::OptedOutHint,
        Msg::LangSet,
        Msg::NotUnderstood,
        Msg::Unsupported,
        Msg::YoureWelcome,
        Msg::SlowDown,
        Msg::TheCustomer,
        Msg::ComplaintHeard,
        Msg::FeedbackThanks,
        Msg::ServiceElsewhere,
        Msg::Helpline,
        Msg::OutOfArea,
        Msg::FartherNote,
        Msg::InsteadNote,
        Msg::KeepOpenNote,
        Msg::BtnWider,
        Msg::BtnKeepOpen,
        Msg::KeptOpen,
        Msg::FoundLater,
        Msg::OpenEnded,
        Msg::LeadKm,
        Msg::WhenNow,
        Msg::WhenToday,
        Msg::WhenTomorrow,
        Msg::WorkerConnectedWeb,
        Msg::CitizenConnectedWeb,
        Msg::AskExperience,
        Msg::ExperienceYears,
        Msg::ExperienceNew,
        Msg::ExperienceNotSaid,
        Msg::AttendanceMarked,
        Msg::AttendanceWrongCode,
        Msg::AttendanceNoSession,
        Msg::CertificateIssued,
        Msg::Invitation,
        Msg::BtnJoin,
        Msg::BtnNotNow,
        Msg::InviteAccepted,
        Msg::InviteWaiting,
        Msg::InviteDeclined,
        Msg::InviteClosed,
        Msg::InviteGone,
    ];
}

type Table = HashMap<String, [String; 2]>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse(CATALOGUE))
}

fn parse(text: &str) -> Table {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (k, en, hi) = (f.next()?, f.next()?, f.next()?);
            Some((k.to_string(), [en.to_string(), hi.to_string()]))
        })
        .collect()
}

/// The message in `lang`, with `{name}` placeholders filled from `args`.
pub fn text(lang: Lang, msg: Msg, args: &[(&str, &str)]) -> String {
    let key = format!("{msg:?}");
    let Some(pair) = table().get(&key) else {
        // Only reachable if the catalogue and the code disagree, which a test rules out.
        return key;
    };
    let template = match lang {
        Lang::En => &pair[0],
        Lang::Hi => &pair[1],
    };
    fill(template, args)
}

fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
fn placeholders(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages_with_the_same_placeholders() {
        let t = parse(CATALOGUE);
        for m in Msg::ALL {
            let key = format!("{m:?}");
            let [en, hi] = t.get(&key).unwrap_or_else(|| panic!("{key} missing"));
            assert!(
                !en.trim().is_empty() && !hi.trim().is_empty(),
                "{key} empty"
            );
            assert_eq!(placeholders(en), placeholders(hi), "{key} placeholders");
        }
        assert_eq!(t.len(), Msg::ALL.len(), "the catalogue has unused keys");
    }

    #[test]
    fn button_titles_fit_whatsapp() {
        for m in Msg::ALL {
            let key = format!("{m:?}");
            if key.starts_with("Btn") || key == "ListButton" {
                for lang in [Lang::En, Lang::Hi] {
                    let s = text(lang, m, &[]);
                    assert!(s.chars().count() <= 20, "{key} {lang:?} is too long: {s}");
                }
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        assert_eq!(
            fill("a {x} b {y}", &[("x", "1")]),
            "a 1 b {y}",
            "a missing value stays visible rather than vanishing"
        );
        assert_eq!(
            fill("{x}", &[("x", "{y}")]),
            "{y}",
            "values are not re-read"
        );
        assert_eq!(fill("open { brace", &[]), "open { brace");
        let s = text(Lang::Hi, Msg::AskPlace, &[("trade", "प्लंबर")]);
        assert!(s.starts_with("प्लंबर कहाँ"));
    }
}
