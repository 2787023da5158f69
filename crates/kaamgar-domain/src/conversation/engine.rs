//! One step of a conversation: commands first (stop, language, busy/free, cancel), then the answer the bot was
//! waiting for (a trade, a place, consent, a number from a list), then a fresh reading of the message.

use super::notices::{self, menu, plain, say};
use super::words::{Command, answer, cancelled, command, detect, digit};
use super::worker_says::{availability_said, years_of_work};
use super::{Conversation, Effect, Input, Lang, Local, Me, Msg, Spot, Stage, Step, Tap};
use crate::ids::{RequestId, WorkerId};
use crate::matching::in_india;
use crate::places::PlaceDirectory;
use crate::trade::TradeCatalogue;
use crate::understand::{Context, Intent, SmallTalk, Understander, Understanding};

/// The engine with what it reads from: the understander, the trades and the places.
#[derive(Debug, Clone, Copy)]
pub struct Bot<'a> {
    pub understander: &'a Understander,
    pub trades: &'a TradeCatalogue,
    pub places: &'a PlaceDirectory,
    /// How long a worker has to accept a lead, as told to the citizen.
    pub lead_minutes: i64,
    /// The deployment's example places, coverage and helpline.
    pub local: &'a Local,
}

impl<'a> Bot<'a> {
    pub fn step(&self, conv: &Conversation, me: &Me, input: &Input) -> Step {
        let mut s = Step {
            conv: conv.clone(),
            replies: Vec::new(),
            effects: Vec::new(),
        };
        match input {
            Input::Text(t) => self.on_text(&mut s, me, t),
            Input::Choice { id, title } => match Tap::parse(id) {
                Some(tap) if !s.conv.opted_out => self.on_tap(&mut s, me, tap),
                // An old or unknown button: read its title as if typed.
                _ => self.on_text(&mut s, me, title),
            },
            Input::Location { lat, lon, name } => {
                if s.conv.opted_out {
                    s.replies.push(plain(s.conv.lang, Msg::OptedOutHint, &[]));
                } else {
                    self.on_location(&mut s, me, *lat, *lon, name.as_deref());
                }
            }
            Input::Unsupported { .. } => {
                let m = if s.conv.opted_out {
                    Msg::OptedOutHint
                } else {
                    Msg::Unsupported
                };
                s.replies.push(plain(s.conv.lang, m, &[]));
            }
        }
        s
    }

    /// After [`Effect::OpenRequest`] or [`Effect::Again`]: the candidates shown for `request` (none found: idle).
    pub fn shown(conv: &mut Conversation, request: RequestId, workers: &[WorkerId]) {
        conv.stage = if workers.is_empty() {
            Stage::Idle
        } else {
            Stage::Choosing {
                request,
                workers: workers.to_vec(),
            }
        };
    }

    /// A whole-message command (stop, start, a language, help, cancel, busy, free, a yes or no to consent); false
    /// when the command means nothing here and the message is read on.
    fn on_command(&self, s: &mut Step, me: &Me, cmd: Command, lang_before: Lang) -> bool {
        let lang = s.conv.lang;
        match cmd {
            Command::Stop => {
                s.conv.opted_out = true;
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::OptOut);
                // The one message after "stop": the confirmation, in the language they used so far.
                s.replies.push(plain(lang_before, Msg::OptedOut, &[]));
            }
            Command::Start => s.replies.push(menu(lang, Msg::Welcome, self.local)),
            Command::Language(l) => {
                s.conv.lang = l;
                s.conv.lang_fixed = true;
                s.replies.push(plain(l, Msg::LangSet, &[]));
            }
            Command::Help => s.replies.push(menu(lang, Msg::Help, self.local)),
            Command::Cancel => {
                let request = match &s.conv.stage {
                    Stage::Choosing { request, .. } | Stage::Waiting { request } => Some(*request),
                    _ => None,
                };
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::Cancel { request });
            }
            Command::Busy | Command::Free => {
                let free = cmd == Command::Free;
                if matches!(s.conv.stage, Stage::LeadAsked { .. }) {
                    s.conv.stage = Stage::Idle;
                }
                if me.worker.is_some() {
                    s.effects.push(Effect::SetAvailable(free));
                    let m = if free { Msg::NowFree } else { Msg::NowBusy };
                    s.replies.push(plain(lang, m, &[]));
                } else {
                    s.replies.push(plain(lang, Msg::NotAWorker, &[]));
                }
            }
            Command::Yes | Command::No => match s.conv.stage {
                Stage::RegConsent { .. } => self.on_tap(s, me, Tap::Consent(cmd == Command::Yes)),
                _ => return false,
            },
        }
        true
    }

    /// A typed answer to the question on screen: "haan, kar dunga" or "nahi aa paunga" to a lead, "haan ho gaya" to
    /// the follow-up, a number from a list or a rating. Any other message moves on from a yes-or-no question.
    fn on_answer(&self, s: &mut Step, me: &Me, text: &str) -> bool {
        // The buttons' words, or their place: 1 is the first button (yes), 2 the second.
        let yes_no = |text: &str| {
            answer(text).or_else(|| match digit(text) {
                Some(1) => Some(true),
                Some(2) => Some(false),
                _ => None,
            })
        };
        let tap = match s.conv.stage {
            Stage::LeadAsked { offer } => yes_no(text).map(|accept| Tap::Lead { offer, accept }),
            Stage::DoneAsked { request } => yes_no(text).map(|done| Tap::Done { request, done }),
            Stage::InviteAsked { enrolment } => {
                yes_no(text).map(|accept| Tap::Invite { enrolment, accept })
            }
            _ => None,
        };
        if matches!(
            s.conv.stage,
            Stage::LeadAsked { .. } | Stage::DoneAsked { .. } | Stage::InviteAsked { .. }
        ) {
            s.conv.stage = Stage::Idle;
        }
        let tap = tap.or_else(|| {
            let n = digit(text)?;
            match &s.conv.stage {
                Stage::Choosing { request, workers } if (n as usize) <= workers.len() => {
                    Some(Tap::Pick {
                        request: *request,
                        worker: workers[n as usize - 1],
                    })
                }
                Stage::Rating { request } if n <= 5 => Some(Tap::Rate {
                    request: *request,
                    stars: n,
                }),
                _ => None,
            }
        });
        match tap {
            Some(tap) => {
                self.on_tap(s, me, tap);
                true
            }
            None => false,
        }
    }

    fn on_text(&self, s: &mut Step, me: &Me, text: &str) {
        let lang_before = s.conv.lang;
        let cmd = command(text);
        if s.conv.opted_out {
            if cmd == Some(Command::Start) {
                s.conv.opted_out = false;
                s.effects.push(Effect::OptIn);
                s.replies.push(menu(s.conv.lang, Msg::Welcome, self.local));
            } else {
                s.replies.push(plain(s.conv.lang, Msg::OptedOutHint, &[]));
            }
            return;
        }
        if !s.conv.lang_fixed
            && let Some(l) = detect(text)
        {
            s.conv.lang = l;
        }
        if let Some(c) = cmd
            && self.on_command(s, me, c, lang_before)
        {
            return;
        }
        if self.on_answer(s, me, text) {
            return;
        }
        if let Stage::RegExperience {
            trade,
            place,
            again,
        } = s.conv.stage.clone()
        {
            return self.experience_answer(s, text, trade, place, again);
        }
        let lang = s.conv.lang;
        let ctx = Context {
            near: s.conv.spot.as_ref().map(|p| (p.lat, p.lon)),
            district: None,
        };
        let u = self.understander.understand(text, &ctx);
        let named = u.place.as_ref().map(Spot::from);
        if let Some(p) = &named {
            s.conv.spot = Some(p.clone());
        }
        match s.conv.stage.clone() {
            Stage::NeedTrade { text: first } if u.intent != Intent::Offer => match &u.trade {
                Some(t) => {
                    let joined = format!("{first} {text}").trim().to_string();
                    self.need(s, t.slug.clone(), s.conv.spot.clone(), joined)
                }
                None => s
                    .replies
                    .push(notices::trade_list(lang, self.trades, Msg::AskTrade)),
            },
            Stage::NeedPlace { trade, text: first } if u.intent != Intent::Offer => {
                let trade = u.trade.as_ref().map_or(trade, |t| t.slug.clone());
                match named {
                    Some(p) => self.need(s, trade, Some(p), format!("{first} {text}")),
                    None => self.place_unknown(s, text, trade, first),
                }
            }
            Stage::RegTrade if u.intent != Intent::Need => match &u.trade {
                Some(t) => self.register(s, me, Some(t.slug.clone()), named),
                None => s
                    .replies
                    .push(notices::trade_list(lang, self.trades, Msg::RegAskTrade)),
            },
            Stage::RegPlace { trade } if u.intent != Intent::Need => match named {
                Some(p) => self.register(s, me, Some(trade), Some(p)),
                None => {
                    s.replies.push(say(lang, Msg::PlaceUnknown, self.local));
                    self.suggest(s, text);
                }
            },
            // A worker saying "abhi free hoon, kaam ho to batana" in a sentence.
            _ if me.worker.is_some() && u.intent != Intent::Need => match availability_said(text) {
                Some(free) => {
                    let cmd = if free { Command::Free } else { Command::Busy };
                    self.on_command(s, me, cmd, lang_before);
                }
                None => self.fresh(s, me, &u, text),
            },
            _ => self.fresh(s, me, &u, text),
        }
    }

    /// The answer to "how many years have you done this work": a number (in figures or words, "17 साल"); asked
    /// again when there is none.
    fn experience_answer(&self, s: &mut Step, text: &str, trade: String, place: Spot, again: bool) {
        match years_of_work(text, true) {
            // Asked once more; after that the registration goes on without it.
            None if !again => self.ask_experience(s, trade, place, true),
            years => self.ask_consent(s, trade, place, years),
        }
    }

    fn ask_experience(&self, s: &mut Step, trade: String, place: Spot, again: bool) {
        let lang = s.conv.lang;
        let name = notices::trade_name(self.trades, &trade, lang);
        s.replies
            .push(plain(lang, Msg::AskExperience, &[("trade", &name)]));
        s.conv.stage = Stage::RegExperience {
            trade,
            place,
            again,
        };
    }

    fn ask_consent(&self, s: &mut Step, trade: String, place: Spot, years: Option<u8>) {
        let lang = s.conv.lang;
        s.replies.push(notices::consent(
            lang,
            self.trades,
            &trade,
            &place.name,
            years,
        ));
        s.conv.stage = Stage::RegConsent {
            trade,
            place,
            years,
        };
    }

    fn fresh(&self, s: &mut Step, me: &Me, u: &Understanding, text: &str) {
        let lang = s.conv.lang;
        let trade = u.trade.as_ref().map(|t| t.slug.clone());
        match u.intent {
            Intent::Need => self.need_or_ask(s, trade, u, text),
            Intent::Offer => {
                let named = u.place.as_ref().map(Spot::from);
                self.register_with(s, me, trade, named, years_of_work(text, false))
            }
            Intent::Other => match u.smalltalk {
                Some(SmallTalk::Thanks | SmallTalk::Bye) => {
                    s.conv.stage = Stage::Idle;
                    s.replies.push(plain(lang, Msg::YoureWelcome, &[]));
                }
                Some(SmallTalk::Help | SmallTalk::Question) => {
                    s.replies.push(menu(lang, Msg::Help, self.local))
                }
                // Not a request: no search is started.
                Some(SmallTalk::Complaint) => {
                    s.conv.stage = Stage::Idle;
                    s.replies.push(menu(lang, Msg::ComplaintHeard, self.local));
                }
                Some(SmallTalk::Feedback) => {
                    s.conv.stage = Stage::Idle;
                    s.replies.push(plain(lang, Msg::FeedbackThanks, &[]));
                }
                Some(SmallTalk::Service) => {
                    s.replies
                        .push(menu(lang, Msg::ServiceElsewhere, self.local))
                }
                Some(SmallTalk::Greeting | SmallTalk::Yes) => {
                    s.conv.stage = Stage::Idle;
                    s.replies.push(menu(lang, Msg::Welcome, self.local));
                }
                // A trade named on its own ("plumber?") is a request.
                None if trade.is_some() && !cancelled(text) => self.need_or_ask(s, trade, u, text),
                None => s.replies.push(menu(lang, Msg::NotUnderstood, self.local)),
            },
        }
    }

    fn need_or_ask(&self, s: &mut Step, trade: Option<String>, u: &Understanding, text: &str) {
        let place = u.place.as_ref().map(Spot::from).or(s.conv.spot.clone());
        match trade {
            Some(t) => self.need(s, t, place, text.to_string()),
            None => {
                s.conv.stage = Stage::NeedTrade {
                    text: text.to_string(),
                };
                s.replies
                    .push(notices::trade_list(s.conv.lang, self.trades, Msg::AskTrade));
            }
        }
    }

    /// Whether the service area covers a place: by its district's id, or its names for places saved before.
    fn serves(&self, spot: &Spot) -> bool {
        match spot.district_id {
            Some(d) => self.places.area().is_empty() || self.places.area().contains(&d),
            None => self.places.serves(&spot.district, &spot.state),
        }
    }

    /// A request with its trade: open it when the place is known, else ask where.
    fn need(&self, s: &mut Step, trade: String, place: Option<Spot>, text: String) {
        match place {
            Some(spot) if !self.serves(&spot) => {
                // Outside the service area: say so, and where the nearest served place is.
                let lang = s.conv.lang;
                let reply = match self.places.nearest_in_area(spot.lat, spot.lon) {
                    Some((b, km)) => {
                        notices::out_of_area(lang, self.local, &spot.name, &b.name, km)
                    }
                    None => say(lang, Msg::PlaceUnknown, self.local),
                };
                s.replies.push(reply);
                s.conv.spot = None;
                s.conv.stage = Stage::NeedPlace { trade, text };
            }
            Some(spot) => {
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::OpenRequest {
                    trade,
                    spot,
                    text: text.trim().to_string(),
                });
            }
            None => {
                s.replies.push(notices::ask_place(
                    s.conv.lang,
                    self.trades,
                    &trade,
                    Msg::AskPlace,
                ));
                s.conv.stage = Stage::NeedPlace { trade, text };
            }
        }
    }

    fn place_unknown(&self, s: &mut Step, text: &str, trade: String, first: String) {
        s.replies
            .push(say(s.conv.lang, Msg::PlaceUnknown, self.local));
        self.suggest(s, text);
        s.conv.stage = Stage::NeedPlace { trade, text: first };
    }

    fn suggest(&self, s: &mut Step, text: &str) {
        let near: Vec<String> = self
            .understander
            .place_suggestions(text)
            .into_iter()
            .take(3)
            .collect();
        if !near.is_empty() {
            s.replies.push(plain(
                s.conv.lang,
                Msg::PlaceSuggest,
                &[("places", &near.join(", "))],
            ));
        }
    }

    /// Worker registration, from whatever the message already said.
    fn register(&self, s: &mut Step, me: &Me, trade: Option<String>, place: Option<Spot>) {
        self.register_with(s, me, trade, place, None)
    }

    fn register_with(
        &self,
        s: &mut Step,
        me: &Me,
        trade: Option<String>,
        place: Option<Spot>,
        years: Option<u8>,
    ) {
        let lang = s.conv.lang;
        if let Some(w) = &me.worker {
            s.conv.stage = Stage::Idle;
            let reply = notices::registered(lang, self.trades, &w.trade, w.available);
            return s.replies.push(reply);
        }
        match (trade, place) {
            (Some(trade), Some(place)) => match years {
                Some(years) => self.ask_consent(s, trade, place, Some(years)),
                None => self.ask_experience(s, trade, place, false),
            },
            (Some(trade), None) => {
                s.replies.push(notices::ask_place(
                    lang,
                    self.trades,
                    &trade,
                    Msg::RegAskPlace,
                ));
                s.conv.stage = Stage::RegPlace { trade };
            }
            (None, _) => {
                s.replies
                    .push(notices::trade_list(lang, self.trades, Msg::RegAskTrade));
                s.conv.stage = Stage::RegTrade;
            }
        }
    }

    fn on_tap(&self, s: &mut Step, me: &Me, tap: Tap) {
        let lang = s.conv.lang;
        // A tap on the question's own buttons answers it.
        if matches!(
            (&tap, &s.conv.stage),
            (Tap::Lead { .. }, Stage::LeadAsked { .. })
                | (Tap::Invite { .. }, Stage::InviteAsked { .. })
        ) {
            s.conv.stage = Stage::Idle;
        }
        match tap {
            Tap::MenuNeed => {
                s.conv.stage = Stage::NeedTrade {
                    text: String::new(),
                };
                s.replies
                    .push(notices::trade_list(lang, self.trades, Msg::AskTrade));
            }
            Tap::MenuOffer => self.register(s, me, None, None),
            Tap::MenuHelp => s.replies.push(say(lang, Msg::Help, self.local)),
            Tap::Trade(slug) if self.trades.by_slug(&slug).is_some() => match &s.conv.stage {
                Stage::RegTrade => self.register(s, me, Some(slug), None),
                Stage::NeedTrade { text } => {
                    let text = text.clone();
                    self.need(s, slug, s.conv.spot.clone(), text)
                }
                _ => self.need(s, slug, None, String::new()),
            },
            Tap::Trade(_) => s.replies.push(menu(lang, Msg::NotUnderstood, self.local)),
            Tap::Pick { request, worker } => {
                s.conv.stage = Stage::Waiting { request };
                s.effects.push(Effect::Pick { request, worker });
            }
            Tap::Lead { offer, accept } => s.effects.push(Effect::AnswerLead { offer, accept }),
            Tap::Invite { enrolment, accept } => {
                s.effects.push(Effect::AnswerInvite { enrolment, accept })
            }
            Tap::Done { request, done } => {
                s.conv.stage = if done {
                    Stage::Rating { request }
                } else {
                    Stage::Idle
                };
                s.effects.push(Effect::WorkDone { request, done });
            }
            Tap::Rate { request, stars } => {
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::Rate { request, stars });
            }
            Tap::Consent(yes) => match std::mem::take(&mut s.conv.stage) {
                Stage::RegConsent {
                    trade,
                    place,
                    years,
                } if yes => s.effects.push(Effect::Register {
                    trade,
                    spot: place,
                    years,
                }),
                Stage::RegConsent { .. } => s.replies.push(plain(lang, Msg::RegDeclined, &[])),
                other => {
                    // Consent to a registration that is no longer on the table.
                    s.conv.stage = other;
                    s.replies.push(menu(lang, Msg::NotUnderstood, self.local));
                }
            },
            Tap::Again { request } => {
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::Again {
                    request,
                    wider: false,
                    trade: None,
                });
            }
            Tap::Wider { request } => {
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::Again {
                    request,
                    wider: true,
                    trade: None,
                });
            }
            Tap::Instead { request, trade } if self.trades.by_slug(&trade).is_some() => {
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::Again {
                    request,
                    wider: false,
                    trade: Some(trade),
                });
            }
            Tap::Instead { .. } => s.replies.push(menu(lang, Msg::NotUnderstood, self.local)),
            Tap::KeepOpen { request } => {
                s.conv.stage = Stage::Idle;
                s.effects.push(Effect::KeepOpen { request });
            }
        }
    }

    fn on_location(&self, s: &mut Step, me: &Me, lat: f64, lon: f64, name: Option<&str>) {
        let lang = s.conv.lang;
        let block = in_india(lat, lon)
            .then(|| self.places.nearest_block(lat, lon))
            .flatten();
        let Some(b) = block else {
            return s.replies.push(say(lang, Msg::PlaceUnknown, self.local));
        };
        let (district, state) = self
            .places
            .district(b.district)
            .map(|d| (d.name.clone(), d.state.clone()))
            .unwrap_or_default();
        let label = name
            .map(str::trim)
            .filter(|n| !n.is_empty() && n.chars().count() <= 60)
            .map_or_else(|| b.name.clone(), str::to_string);
        let spot = Spot {
            name: label,
            district,
            state,
            block: Some(b.name.clone()),
            lat,
            lon,
            district_id: Some(b.district),
        };
        s.conv.spot = Some(spot.clone());
        match s.conv.stage.clone() {
            Stage::NeedPlace { trade, text } => self.need(s, trade, Some(spot), text),
            Stage::RegPlace { trade } => self.register(s, me, Some(trade), Some(spot)),
            Stage::NeedTrade { .. } => {
                s.replies
                    .push(notices::trade_list(lang, self.trades, Msg::AskTrade))
            }
            Stage::RegTrade => {
                s.replies
                    .push(notices::trade_list(lang, self.trades, Msg::RegAskTrade))
            }
            _ => s.replies.push(menu(lang, Msg::Welcome, self.local)),
        }
    }
}
