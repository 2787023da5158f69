//! The bot's conversations as a pure state machine: (conversation state, what the person sent) → (new state, replies,
//! effects). The state is a small serialisable value kept per contact; effects are what the application must do
//! (open a service request, offer a lead, register a worker …) and report back through the message builders in
//! [`notices`]. No clock reads, no I/O: the same engine serves WhatsApp, the web chat and the terminal, and tests
//! drive it with scripts. Every text comes from the catalogue ([`catalogue`]).

pub mod catalogue;
mod engine;
pub mod invite;
pub mod notices;
mod reply;
pub mod words;
pub mod worker_says;

#[cfg(test)]
mod tests;

use crate::places::PlaceDirectory;
pub use catalogue::{Lang, Msg, text};
pub use engine::Bot;
pub use reply::{Choice, HeaderDocument, Reply, Shown};

use crate::ids::{EnrolmentId, OfferId, RequestId, WorkerId};
use crate::understand::PlaceRef;
use serde::{Deserialize, Serialize};

/// What a deployment tells people besides the conversation: places of its own service area for the examples in
/// its texts, the districts it covers, and the helpline shown wherever the bot cannot help further.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Local {
    /// Two places of the service area ("plumber needed in {place}").
    pub examples: [String; 2],
    /// The service area's districts, as a list people read ("Saran, Kanpur Nagar").
    pub coverage: String,
    /// `KAAMGAR_HELPLINE`: a number people can call; shown on every dead end when set.
    pub helpline: Option<String>,
}

impl Local {
    /// The examples and coverage from the service area (its first districts' blocks, alphabetically); with no
    /// area, two places of the default one.
    pub fn new(places: &PlaceDirectory, helpline: Option<String>) -> Local {
        let mut names = Vec::new();
        let mut blocks = Vec::new();
        for &d in places.area() {
            if let Some(info) = places.district(d) {
                names.push(info.name.clone());
            }
            let mut b: Vec<&str> = places.blocks_of(d).map(|b| b.name.as_str()).collect();
            b.sort_unstable();
            blocks.push(b);
        }
        // One example from each of the first two districts, or two from the only one.
        let mut picks: Vec<String> = Vec::new();
        for b in &blocks {
            if let Some(first) = b.first() {
                picks.push((*first).to_string());
            }
        }
        if picks.len() < 2
            && let Some(name) = blocks.iter().flatten().nth(1)
        {
            picks.push((*name).to_string());
        }
        let mut picks = picks.into_iter();
        let a = picks.next().unwrap_or_else(|| "Marhaura".into());
        let b = picks.next().unwrap_or_else(|| a.clone());
        Local {
            examples: [a, b],
            coverage: names.join(", "),
            helpline: helpline
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty()),
        }
    }

    /// The placeholders every text may use: `{place}`, `{place2}` (examples), `{area}`.
    pub fn args(&self) -> [(&str, &str); 3] {
        [
            ("place", self.examples[0].as_str()),
            ("place2", self.examples[1].as_str()),
            ("area", self.coverage.as_str()),
        ]
    }
}

/// A place as the conversation remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spot {
    pub name: String,
    pub district: String,
    #[serde(default)]
    pub state: String,
    pub block: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// The gazetteer's district, for checking the service area; `None` in conversations saved before.
    #[serde(default)]
    pub district_id: Option<u32>,
}

impl From<&PlaceRef> for Spot {
    fn from(p: &PlaceRef) -> Self {
        Spot {
            name: p.name.clone(),
            district: p.district.clone(),
            state: p.state.clone(),
            block: p.block.clone(),
            lat: p.lat,
            lon: p.lon,
            district_id: Some(p.district_id),
        }
    }
}

/// What the bot remembers of one contact between messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Conversation {
    #[serde(default)]
    pub lang: Lang,
    /// The person chose the language: stop guessing it from their messages.
    #[serde(default)]
    pub lang_fixed: bool,
    #[serde(default)]
    pub stage: Stage,
    #[serde(default)]
    pub opted_out: bool,
    /// The last place they named or shared, used when a later request names none.
    #[serde(default)]
    pub spot: Option<Spot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Idle,
    /// A citizen was asked which worker they need.
    NeedTrade {
        text: String,
    },
    /// A citizen was asked where.
    NeedPlace {
        trade: String,
        text: String,
    },
    /// A citizen was shown candidates for a request.
    Choosing {
        request: RequestId,
        workers: Vec<WorkerId>,
    },
    /// A worker was asked to accept the citizen's request.
    Waiting {
        request: RequestId,
    },
    /// Worker registration: which trade, where, and consent.
    RegTrade,
    RegPlace {
        trade: String,
    },
    /// Worker registration: how many years they have done the work.
    RegExperience {
        trade: String,
        place: Spot,
        /// Asked a second time: whatever comes next moves on.
        #[serde(default)]
        again: bool,
    },
    RegConsent {
        trade: String,
        place: Spot,
        /// Years of experience; `None` from conversations saved before the question was asked.
        #[serde(default)]
        years: Option<u8>,
    },
    /// The citizen said the work was done and was asked to rate it.
    Rating {
        request: RequestId,
    },
    /// A worker was sent this lead and has not answered: a typed "haan" or "nahi" answers it.
    LeadAsked {
        offer: OfferId,
    },
    /// The citizen was asked whether the work was done: a typed "haan" or "nahi" answers it.
    DoneAsked {
        request: RequestId,
    },
    /// Sent an invitation to a training batch: a typed "haan" or "nahi" answers it.
    InviteAsked {
        enrolment: EnrolmentId,
    },
}

/// What the person sent, from any channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Text(String),
    /// A reply button, list row or template quick reply: its id (payload) and title.
    Choice {
        id: String,
        title: String,
    },
    Location {
        lat: f64,
        lon: f64,
        name: Option<String>,
    },
    /// Images, audio, stickers …
    Unsupported {
        kind: String,
    },
}

/// What is known about the sender beyond the conversation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Me {
    /// The sender is this registered worker.
    pub worker: Option<WorkerFacts>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerFacts {
    pub id: WorkerId,
    pub name: String,
    pub trade: String,
    pub available: bool,
}

/// What the application must do after a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store a service request and search for workers; answer with [`notices::candidates`] or
    /// [`notices::no_workers`] and [`Bot::shown`].
    OpenRequest {
        trade: String,
        spot: Spot,
        text: String,
    },
    /// The citizen picked a worker: offer them the lead.
    Pick {
        request: RequestId,
        worker: WorkerId,
    },
    /// Cancel the request (or the contact's open request when `None`).
    Cancel {
        request: Option<RequestId>,
    },
    /// A worker answered a lead.
    AnswerLead {
        offer: OfferId,
        accept: bool,
    },
    SetAvailable(bool),
    Register {
        trade: String,
        spot: Spot,
        years: Option<u8>,
    },
    OptOut,
    OptIn,
    /// The follow-up's answer.
    WorkDone {
        request: RequestId,
        done: bool,
    },
    Rate {
        request: RequestId,
        stars: u8,
    },
    /// Search again for a request that found nobody or whose work was not done: as it was, farther than the
    /// usual distance (`wider`), or for another trade (`trade`).
    Again {
        request: RequestId,
        wider: bool,
        trade: Option<String>,
    },
    /// Keep a request that found nobody open, searching again from time to time.
    KeepOpen {
        request: RequestId,
    },
    /// The answer to an invitation to a training batch: the application seats them (or not) and answers.
    AnswerInvite {
        enrolment: EnrolmentId,
        accept: bool,
    },
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub conv: Conversation,
    pub replies: Vec<Reply>,
    pub effects: Vec<Effect>,
}

/// Ids of buttons and list rows: what a tap means, whatever the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tap {
    MenuNeed,
    MenuOffer,
    MenuHelp,
    Trade(String),
    Pick {
        request: RequestId,
        worker: WorkerId,
    },
    Lead {
        offer: OfferId,
        accept: bool,
    },
    Done {
        request: RequestId,
        done: bool,
    },
    Rate {
        request: RequestId,
        stars: u8,
    },
    Consent(bool),
    Again {
        request: RequestId,
    },
    /// Search farther than the usual distance.
    Wider {
        request: RequestId,
    },
    /// Search for a related trade instead.
    Instead {
        request: RequestId,
        trade: String,
    },
    KeepOpen {
        request: RequestId,
    },
    /// Join (or not) the training batch one was invited to.
    Invite {
        enrolment: EnrolmentId,
        accept: bool,
    },
}

impl Tap {
    pub fn id(&self) -> String {
        match self {
            Tap::MenuNeed => "menu:need".into(),
            Tap::MenuOffer => "menu:offer".into(),
            Tap::MenuHelp => "menu:help".into(),
            Tap::Trade(s) => format!("trade:{s}"),
            Tap::Pick { request, worker } => format!("pick:{request}:{worker}"),
            Tap::Lead { offer, accept } => format!("lead:{offer}:{}", yes_no(*accept)),
            Tap::Done { request, done } => format!("done:{request}:{}", yes_no(*done)),
            Tap::Rate { request, stars } => format!("rate:{request}:{stars}"),
            Tap::Consent(yes) => format!("consent:{}", yes_no(*yes)),
            Tap::Again { request } => format!("again:{request}"),
            Tap::Wider { request } => format!("wider:{request}"),
            Tap::Instead { request, trade } => format!("instead:{request}:{trade}"),
            Tap::KeepOpen { request } => format!("keep:{request}"),
            Tap::Invite { enrolment, accept } => format!("invite:{enrolment}:{}", yes_no(*accept)),
        }
    }

    /// Reads an id back; anything else (an old or forged id) is `None`.
    pub fn parse(id: &str) -> Option<Tap> {
        let parts: Vec<&str> = id.split(':').collect();
        let num = |s: &str| s.parse::<i64>().ok().filter(|n| *n > 0);
        let yes = |s: &str| match s {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        Some(match parts.as_slice() {
            ["menu", "need"] => Tap::MenuNeed,
            ["menu", "offer"] => Tap::MenuOffer,
            ["menu", "help"] => Tap::MenuHelp,
            ["trade", slug] if !slug.is_empty() => Tap::Trade((*slug).to_string()),
            ["pick", r, w] => Tap::Pick {
                request: RequestId(num(r)?),
                worker: WorkerId(num(w)?),
            },
            ["lead", o, a] => Tap::Lead {
                offer: OfferId(num(o)?),
                accept: yes(a)?,
            },
            ["done", r, d] => Tap::Done {
                request: RequestId(num(r)?),
                done: yes(d)?,
            },
            ["rate", r, s] => Tap::Rate {
                request: RequestId(num(r)?),
                stars: s.parse::<u8>().ok().filter(|s| (1..=5).contains(s))?,
            },
            ["consent", y] => Tap::Consent(yes(y)?),
            ["again", r] => Tap::Again {
                request: RequestId(num(r)?),
            },
            ["wider", r] => Tap::Wider {
                request: RequestId(num(r)?),
            },
            ["instead", r, slug] if !slug.is_empty() => Tap::Instead {
                request: RequestId(num(r)?),
                trade: (*slug).to_string(),
            },
            ["keep", r] => Tap::KeepOpen {
                request: RequestId(num(r)?),
            },
            ["invite", e, a] => Tap::Invite {
                enrolment: EnrolmentId(num(e)?),
                accept: yes(a)?,
            },
            _ => return None,
        })
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
