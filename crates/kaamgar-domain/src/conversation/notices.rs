//! Messages the bot builds from facts the application found (candidates, an accepted lead, a follow-up), in the
//! recipient's language. Pure: the application decides whom they go to and whether a template is needed.

use super::{Lang, Local, Msg, Tap, text};
use crate::conversation::{Choice, Reply};
use crate::ids::{OfferId, RequestId, WorkerId};
use crate::trade::TradeCatalogue;
use crate::understand::{Day, When};

/// A worker as shown to a citizen before they accept: never their number.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateView {
    pub worker_id: WorkerId,
    pub name: String,
    pub distance_km: f64,
    pub rating: Option<f32>,
    pub experience_years: Option<u8>,
    pub verified: bool,
}

/// A service request as messages mention it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestView {
    pub id: RequestId,
    pub trade: String,
    pub place: String,
    pub text: String,
}

/// Template names configured for messages that may have to go outside the 24-hour window.
#[derive(Debug, Clone, PartialEq)]
pub struct Templates {
    /// Parameters: trade, place. Quick replies: accept, decline.
    pub lead: String,
    /// Parameters: worker name, trade. Quick replies: done, not done.
    pub follow_up: String,
}

pub fn trade_name(trades: &TradeCatalogue, slug: &str, lang: Lang) -> String {
    match trades.by_slug(slug) {
        Some(t) if lang == Lang::Hi => t.name_hi.clone(),
        Some(t) => t.name_en.clone(),
        None => slug.replace('_', " "),
    }
}

fn buttons(lang: Lang, body: String, taps: &[(Tap, Msg)]) -> Reply {
    Reply::Buttons {
        body,
        buttons: taps
            .iter()
            .map(|(tap, m)| Choice {
                id: tap.id(),
                title: text(lang, *m, &[]),
                description: None,
            })
            .collect(),
        footer: None,
    }
}

pub fn plain(lang: Lang, m: Msg, args: &[(&str, &str)]) -> Reply {
    Reply::Text {
        body: text(lang, m, args),
    }
}

/// Messages after which the bot cannot help further by itself: the helpline follows them.
const DEAD_ENDS: [Msg; 6] = [
    Msg::NotUnderstood,
    Msg::ComplaintHeard,
    Msg::ServiceElsewhere,
    Msg::PlaceUnknown,
    Msg::RegErased,
    Msg::RegNeedsPhone,
];

/// A message of the catalogue with the deployment's places filled in, and the helpline after a dead end.
pub fn local_text(lang: Lang, m: Msg, local: &Local) -> String {
    let body = text(lang, m, &local.args());
    if DEAD_ENDS.contains(&m) {
        helpline(lang, body, local)
    } else {
        body
    }
}

/// `body` with the helpline's line after it, when one is set.
pub fn helpline(lang: Lang, body: String, local: &Local) -> String {
    match &local.helpline {
        Some(phone) => format!("{body}\n{}", text(lang, Msg::Helpline, &[("phone", phone)])),
        None => body,
    }
}

/// A plain message of the catalogue, local places filled in, helpline after a dead end.
pub fn say(lang: Lang, m: Msg, local: &Local) -> Reply {
    Reply::Text {
        body: local_text(lang, m, local),
    }
}

/// The welcome with the three ways in.
pub fn menu(lang: Lang, m: Msg, local: &Local) -> Reply {
    buttons(
        lang,
        local_text(lang, m, local),
        &[
            (Tap::MenuNeed, Msg::BtnNeed),
            (Tap::MenuOffer, Msg::BtnOffer),
            (Tap::MenuHelp, Msg::BtnHelp),
        ],
    )
}

/// The trades most asked for, offered as a list when the trade was not said.
const COMMON: [&str; 10] = [
    "plumber",
    "electrician",
    "mason",
    "carpenter",
    "painter",
    "labourer",
    "motor_mechanic",
    "ac_mechanic",
    "tailor",
    "barber",
];

pub fn trade_list(lang: Lang, trades: &TradeCatalogue, m: Msg) -> Reply {
    Reply::List {
        body: text(lang, m, &[]),
        button: text(lang, Msg::ListButton, &[]),
        rows: COMMON
            .iter()
            .filter(|s| trades.by_slug(s).is_some())
            .map(|s| Choice {
                id: Tap::Trade((*s).to_string()).id(),
                title: trade_name(trades, s, lang),
                description: None,
            })
            .collect(),
    }
}

pub fn ask_place(lang: Lang, trades: &TradeCatalogue, trade: &str, m: Msg) -> Reply {
    Reply::LocationRequest {
        body: text(lang, m, &[("trade", &trade_name(trades, trade, lang))]),
    }
}

fn describe(lang: Lang, c: &CandidateView) -> String {
    let km = if c.distance_km < 10.0 {
        format!("{:.1}", c.distance_km)
    } else {
        format!("{:.0}", c.distance_km)
    };
    let mut parts = vec![text(lang, Msg::RowKm, &[("km", &km)])];
    parts.push(match c.rating {
        Some(r) => text(lang, Msg::RowRating, &[("rating", &format!("{r:.1}"))]),
        None => text(lang, Msg::RowNew, &[]),
    });
    if let Some(y) = c.experience_years.filter(|y| *y > 0) {
        parts.push(text(lang, Msg::RowYears, &[("years", &y.to_string())]));
    }
    if c.verified {
        parts.push(text(lang, Msg::RowVerified, &[]));
    }
    parts.join(" · ")
}

/// The workers found, as a list to choose from (name, distance, rating; no numbers).
pub fn candidates(
    lang: Lang,
    trades: &TradeCatalogue,
    req: &RequestView,
    found: &[CandidateView],
) -> Reply {
    let body = text(
        lang,
        Msg::Candidates,
        &[
            ("count", &found.len().to_string()),
            ("trade", &trade_name(trades, &req.trade, lang)),
            ("place", &req.place),
        ],
    );
    Reply::List {
        body,
        button: text(lang, Msg::ListButton, &[]),
        rows: found
            .iter()
            .enumerate()
            .map(|(i, c)| Choice {
                id: Tap::Pick {
                    request: req.id,
                    worker: c.worker_id,
                }
                .id(),
                title: format!("{}. {}", i + 1, c.name),
                description: Some(describe(lang, c)),
            })
            .collect(),
    }
}

/// What can still help when a search found nobody (or nobody took the work): a farther worker, a related trade,
/// keeping the request open.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alternatives {
    /// The nearest free worker of the trade lies this far, beyond the usual distance.
    pub farther_km: Option<f64>,
    /// A related trade with free workers near (slug, how many).
    pub instead: Option<(String, usize)>,
    /// The request can be kept open and searched again.
    pub keep_open: bool,
}

/// Nobody free near the place (`head` says which way: none found, or none took it), with what can still help as
/// buttons, and the helpline.
pub fn no_workers(
    lang: Lang,
    trades: &TradeCatalogue,
    req: &RequestView,
    head: Msg,
    alt: &Alternatives,
    local: &Local,
) -> Reply {
    let trade = trade_name(trades, &req.trade, lang);
    let mut lines = vec![text(
        lang,
        head,
        &[("trade", &trade), ("place", &req.place)],
    )];
    let mut taps: Vec<(Tap, String)> = Vec::new();
    if let Some(km) = alt.farther_km {
        lines.push(text(
            lang,
            Msg::FartherNote,
            &[("trade", &trade), ("km", &format!("{km:.0}"))],
        ));
        let tap = Tap::Wider { request: req.id };
        taps.push((tap, text(lang, Msg::BtnWider, &[])));
    }
    if let Some((slug, count)) = &alt.instead {
        let other = trade_name(trades, slug, lang);
        lines.push(text(
            lang,
            Msg::InsteadNote,
            &[("other", &other), ("count", &count.to_string())],
        ));
        let tap = Tap::Instead {
            request: req.id,
            trade: slug.clone(),
        };
        taps.push((tap, other));
    }
    if alt.keep_open {
        lines.push(text(lang, Msg::KeepOpenNote, &[("trade", &trade)]));
        let tap = Tap::KeepOpen { request: req.id };
        taps.push((tap, text(lang, Msg::BtnKeepOpen, &[])));
    }
    let body = helpline(lang, lines.join("\n"), local);
    if taps.is_empty() {
        return Reply::Text { body };
    }
    Reply::Buttons {
        body,
        buttons: taps
            .into_iter()
            .map(|(tap, title)| Choice {
                id: tap.id(),
                title,
                description: None,
            })
            .collect(),
        footer: None,
    }
}

/// kaamgar does not serve the place named: what it covers and the nearest place inside.
pub fn out_of_area(lang: Lang, local: &Local, place: &str, near: &str, km: f64) -> Reply {
    let body = text(
        lang,
        Msg::OutOfArea,
        &[
            ("area", &local.coverage),
            ("place", place),
            ("near", near),
            ("km", &format!("{km:.0}")),
        ],
    );
    Reply::LocationRequest {
        body: helpline(lang, body, local),
    }
}

pub fn asked(lang: Lang, name: &str, minutes: i64) -> Reply {
    plain(
        lang,
        Msg::AskedWorker,
        &[("name", name), ("minutes", &minutes.to_string())],
    )
}

/// Where and when a lead's work is, as the worker reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LeadFacts {
    /// From the worker to the place.
    pub km: Option<f64>,
    /// When the citizen said they need it.
    pub when: Option<When>,
}

/// The lead to a worker inside the 24-hour window: the trade, the place and how far, when, the citizen's own words
/// (never their number), and accept and decline buttons.
pub fn lead_offer(
    lang: Lang,
    trades: &TradeCatalogue,
    req: &RequestView,
    offer: OfferId,
    facts: LeadFacts,
) -> Reply {
    let short: String = crate::text::mask_numbers(&req.text)
        .chars()
        .take(300)
        .collect();
    let km = facts.km.map_or_else(String::new, |km| {
        let km = if km < 10.0 {
            format!("{km:.1}")
        } else {
            format!("{km:.0}")
        };
        text(lang, Msg::LeadKm, &[("km", &km)])
    });
    let when = match facts.when.and_then(|w| w.day) {
        Some(Day::Now) => text(lang, Msg::WhenNow, &[]),
        Some(Day::Today) => text(lang, Msg::WhenToday, &[]),
        Some(Day::Tomorrow) => text(lang, Msg::WhenTomorrow, &[]),
        _ => String::new(),
    };
    buttons(
        lang,
        text(
            lang,
            Msg::LeadOffer,
            &[
                ("trade", &trade_name(trades, &req.trade, lang)),
                ("place", &req.place),
                ("km", &km),
                ("when", &when),
                ("text", &short),
            ],
        ),
        &[
            (
                Tap::Lead {
                    offer,
                    accept: true,
                },
                Msg::BtnAccept,
            ),
            (
                Tap::Lead {
                    offer,
                    accept: false,
                },
                Msg::BtnDecline,
            ),
        ],
    )
}

/// The same lead as an approved template, for a worker who has not written in the last 24 hours.
pub fn lead_template(
    lang: Lang,
    trades: &TradeCatalogue,
    req: &RequestView,
    offer: OfferId,
    t: &Templates,
) -> Reply {
    Reply::Template {
        name: t.lead.clone(),
        language: lang.code().into(),
        body_params: vec![trade_name(trades, &req.trade, lang), req.place.clone()],
        quick_replies: vec![
            Tap::Lead {
                offer,
                accept: true,
            }
            .id(),
            Tap::Lead {
                offer,
                accept: false,
            }
            .id(),
        ],
        document: None,
    }
}

/// The worker who accepted: the citizen's number, or — for a citizen without one (the web chat) — that the citizen
/// has the worker's number and will call.
pub fn worker_connected(lang: Lang, place: &str, citizen_phone: Option<&str>) -> Reply {
    match citizen_phone {
        Some(phone) => plain(
            lang,
            Msg::WorkerConnected,
            &[("place", place), ("phone", phone)],
        ),
        None => plain(lang, Msg::WorkerConnectedWeb, &[("place", place)]),
    }
}

pub fn citizen_connected(
    lang: Lang,
    trades: &TradeCatalogue,
    name: &str,
    trade: &str,
    phone: &str,
    will_call: bool,
) -> Reply {
    plain(
        lang,
        if will_call {
            Msg::CitizenConnectedWeb
        } else {
            Msg::CitizenConnected
        },
        &[
            ("name", name),
            ("trade", &trade_name(trades, trade, lang)),
            ("phone", phone),
        ],
    )
}

/// The citizen is told the worker said no (or nothing) and who was asked next.
pub fn next_asked(lang: Lang, before: &str, next: &str, no_answer: bool) -> Reply {
    let m = if no_answer {
        Msg::NoAnswerNext
    } else {
        Msg::DeclinedNext
    };
    plain(lang, m, &[("name", before), ("next", next)])
}

pub fn follow_up(lang: Lang, trades: &TradeCatalogue, req: &RequestView, name: &str) -> Reply {
    buttons(
        lang,
        text(
            lang,
            Msg::FollowUp,
            &[
                ("name", name),
                ("trade", &trade_name(trades, &req.trade, lang)),
            ],
        ),
        &[
            (
                Tap::Done {
                    request: req.id,
                    done: true,
                },
                Msg::BtnDone,
            ),
            (
                Tap::Done {
                    request: req.id,
                    done: false,
                },
                Msg::BtnNotDone,
            ),
        ],
    )
}

pub fn follow_up_template(
    lang: Lang,
    trades: &TradeCatalogue,
    req: &RequestView,
    name: &str,
    t: &Templates,
) -> Reply {
    Reply::Template {
        name: t.follow_up.clone(),
        language: lang.code().into(),
        body_params: vec![name.to_string(), trade_name(trades, &req.trade, lang)],
        quick_replies: vec![
            Tap::Done {
                request: req.id,
                done: true,
            }
            .id(),
            Tap::Done {
                request: req.id,
                done: false,
            }
            .id(),
        ],
        document: None,
    }
}

pub fn ask_rating(lang: Lang, request: RequestId, name: &str) -> Reply {
    let rows = [
        (5, Msg::Rating5),
        (4, Msg::Rating4),
        (3, Msg::Rating3),
        (2, Msg::Rating2),
        (1, Msg::Rating1),
    ];
    Reply::List {
        body: text(lang, Msg::AskRating, &[("name", name)]),
        button: text(lang, Msg::ListButton, &[]),
        rows: rows
            .iter()
            .map(|(stars, m)| Choice {
                id: Tap::Rate {
                    request,
                    stars: *stars,
                }
                .id(),
                title: text(lang, *m, &[]),
                description: None,
            })
            .collect(),
    }
}

pub fn not_done(lang: Lang, trades: &TradeCatalogue, req: &RequestView, local: &Local) -> Reply {
    buttons(
        lang,
        helpline(
            lang,
            text(
                lang,
                Msg::NotDone,
                &[("trade", &trade_name(trades, &req.trade, lang))],
            ),
            local,
        ),
        &[(Tap::Again { request: req.id }, Msg::BtnAgain)],
    )
}

/// Years of experience as the consent question repeats them ("17 साल का अनुभव"), never as an age.
pub fn experience(lang: Lang, years: Option<u8>) -> String {
    match years {
        None => text(lang, Msg::ExperienceNotSaid, &[]),
        Some(0) => text(lang, Msg::ExperienceNew, &[]),
        Some(y) => text(lang, Msg::ExperienceYears, &[("years", &y.to_string())]),
    }
}

pub fn consent(
    lang: Lang,
    trades: &TradeCatalogue,
    trade: &str,
    place: &str,
    years: Option<u8>,
) -> Reply {
    buttons(
        lang,
        text(
            lang,
            Msg::RegConsent,
            &[
                ("trade", &trade_name(trades, trade, lang)),
                ("place", place),
                ("experience", &experience(lang, years)),
            ],
        ),
        &[
            (Tap::Consent(true), Msg::BtnAgree),
            (Tap::Consent(false), Msg::BtnDisagree),
        ],
    )
}

pub fn registered(lang: Lang, trades: &TradeCatalogue, trade: &str, available: bool) -> Reply {
    let status = text(
        lang,
        if available {
            Msg::StatusFree
        } else {
            Msg::StatusBusy
        },
        &[],
    );
    plain(
        lang,
        Msg::Registered,
        &[
            ("trade", &trade_name(trades, trade, lang)),
            ("status", &status),
        ],
    )
}
