//! Weighing the items of a message: trades, intent, count and time, and the place (negations, markers, service
//! area, the sender's context).

use super::scan::{Item, ItemKind};
use super::*;

impl Understander {
    pub(super) fn weigh(&self, items: &[Item<'_>], ctx: &Context) -> Understanding {
        let mut found = self.trades_named(items);
        let Cues {
            mut need,
            offer,
            asked,
            cancelled,
            smalltalk,
            aside,
            day,
            part,
            count,
        } = read_cues(items);
        let place = self.choose_place(items, ctx);
        // A message that asks for nobody names a place only plainly: a place marked, or a block or district
        // written as it is ("thanks bro" is not Bharu, "ek ber phone" not the village Ber).
        let firm =
            |p: &(PlaceRef, f32)| p.1 >= 0.97 || (p.1 >= 0.9 && p.0.kind != PlaceKind::PostOffice);
        // A complaint, praise or a question is not a request, even when it names a worker ("jo plumber aaya tha
        // usne paise zyada liye"); a worker asked for anywhere in the message ("plumber chahiye, kab tak
        // aayega?", "pichla electrician bekar tha, dusra bhejo") keeps it one.
        if let Some(topic) = not_asked(
            items,
            aside,
            smalltalk,
            (need, asked),
            offer,
            !found.is_empty(),
        ) {
            return Understanding {
                confidence: 0.8,
                place: place.filter(firm).map(|p| p.0),
                ..Understanding::other(Some(topic))
            };
        }
        // A request with nothing to say what or whom for ("madad chahiye", "paisa kab milega") is not a request
        // for a worker; a request for people without a trade ("5 log chahiye") is one for labourers.
        let wants_people = count.is_some() || items.iter().any(|it| it.has(|c| *c == Cue::People));
        if found.is_empty() && need > 0.0 {
            if wants_people && need > offer {
                if let Some(l) = self.labourer {
                    found.push((l, 0.5, 0, false));
                }
            } else if !wants_people {
                need = 0.0;
            }
        }
        let (intent, intent_conf) = if need == 0.0 && offer == 0.0 {
            if cancelled {
                (Intent::Other, 0.7)
            } else if !found.is_empty() {
                (Intent::Need, 0.7)
            } else {
                (Intent::Other, if smalltalk.is_some() { 0.9 } else { 0.6 })
            }
        } else if need >= offer {
            (Intent::Need, margin(need, offer))
        } else {
            (Intent::Offer, margin(offer, need))
        };
        let place = place.filter(|p| intent != Intent::Other || firm(p));
        if intent == Intent::Other && (cancelled || (found.is_empty() && place.is_none())) {
            return Understanding {
                confidence: intent_conf,
                when: None,
                ..Understanding::other(smalltalk)
            };
        }
        let trades: Vec<TradeRef> = found
            .iter()
            .map(|f| self.trades[f.0 as usize].clone())
            .collect();
        let trade_conf = found.first().map_or(0.8, |f| 0.6 + 0.4 * f.1.min(1.0));
        let place_conf = place.as_ref().map_or(0.9, |p| p.1);
        let confidence = (intent_conf * trade_conf * place_conf * 100.0).round() / 100.0;
        Understanding {
            intent,
            trade: trades.first().cloned(),
            trades,
            place: place.map(|p| p.0),
            count,
            when: (day.is_some() || part.is_some()).then_some(When { day, part }),
            smalltalk: smalltalk.filter(|_| intent == Intent::Other),
            confidence,
        }
    }

    /// How well `e` fits a mention, with the confidence it gives; `None` when the mention is no evidence for it.
    fn score_place(&self, e: &PlaceEntry, m: &Mention<'_>, ctx: &Context) -> Option<(f32, f32)> {
        let in_area = self.places.area.is_empty() || self.places.in_area(e.district);
        // A place needs evidence. A village of the area must be named as it is spelled, not only sound like it
        // ("usne" is not Ushti, "kamra" a room, not Kamara), and a loose match needs a marker beside it ("hafte me"
        // is not Hbti).
        if e.kind == PlaceKind::PostOffice && in_area && (!m.spelled || (m.fuzzy && !m.evidence)) {
            return None;
        }
        let mut s = 0.0f32;
        if e.kind == PlaceKind::Pin {
            s += 4.0;
        } else if in_area {
            s += 3.0;
        } else if !m.evidence && (e.kind != PlaceKind::District || m.fuzzy) {
            return None;
        } else if m.fuzzy && (m.weakly_marked || !m.marked) {
            // A far district read through a typo needs "me"/"in" beside it: "ke hisab se" is not Hisar.
            return None;
        }
        if e.kind == PlaceKind::District {
            // People name districts far more often than a small post office of the same sound elsewhere.
            s += 0.5;
        }
        if !in_area {
            // Of two far places of one name, the nearer to the service area ("Patna", not "Patan"). A village or
            // block far from the area is not what someone here means, even after "me": a local name the gazetteer
            // lacks must not turn into its namesake across India.
            let km = self.places.km_from_area(f64::from(e.lat), f64::from(e.lon));
            if e.kind != PlaceKind::District && km > FAR_KM && !self.places.area.is_empty() {
                return None;
            }
            s -= (km / 2000.0).min(0.5) as f32;
        }
        if m.marked {
            s += if m.weakly_marked { 0.5 } else { 1.0 };
        }
        if m.fuzzy {
            // A name written as it is beats one read through a typo, even a marked one ("campus me … dighwara").
            s -= 1.6;
        }
        if m.words > 1 {
            s += 0.3 * (m.words - 1) as f32;
        }
        if e.kind != PlaceKind::District
            && m.named_elsewhere
                .iter()
                .any(|&(d, p)| d == e.district && p != m.pos)
        {
            s += 2.0;
        }
        if ctx.district == Some(e.district) {
            s += 1.0;
        }
        if let Some((lat, lon)) = ctx.near {
            let d = haversine_km(lat, lon, f64::from(e.lat), f64::from(e.lon)) as f32;
            s += (1.0 - d / 100.0).max(0.0);
        }
        let conf = match (in_area || e.kind == PlaceKind::Pin, m.fuzzy, m.marked) {
            (true, false, true) => 0.97,
            (true, false, false) => 0.92,
            (true, true, _) => 0.8,
            (false, _, _) => 0.75,
        };
        Some((s, conf))
    }

    /// The trades a message names, strongest first: vague words only when nothing specific was named, a trade
    /// said no to ("plumber nahi, electrician chahiye") after the other, and general labour after the specific
    /// trade it is wanted for ("dhan ropni ke liye majdoor" wants farm labourers). Each is (trade, weight, position,
    /// vague).
    fn trades_named(&self, items: &[Item<'_>]) -> Vec<(u16, f32, usize, bool)> {
        let mut found: Vec<(u16, f32, usize, bool)> = Vec::new();
        for (pos, it) in items.iter().enumerate() {
            if let Some((t, w, generic)) = it.trade() {
                match found.iter_mut().find(|f| f.0 == t) {
                    Some(f) => f.1 = f.1.max(w),
                    None => found.push((t, w, pos, generic)),
                }
            }
        }
        if found.iter().any(|f| !f.3) {
            found.retain(|f| !f.3);
        }
        if found.len() > 1 && found.iter().any(|f| !is_negated(items, f.2)) {
            found.retain(|f| !is_negated(items, f.2));
        }
        let general = |t: u16| {
            Some(t) == self.labourer
                || self
                    .narrower
                    .iter()
                    .any(|&(g, n)| g == t && found.iter().any(|f| f.0 == n))
        };
        let mut ranked: Vec<(bool, (u16, f32, usize, bool))> =
            found.iter().map(|&f| (general(f.0), f)).collect();
        ranked.sort_by(|(ga, a), (gb, b)| ga.cmp(gb).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked.into_iter().map(|(_, f)| f).collect()
    }

    /// The place the message is about, with a confidence.
    fn choose_place(&self, items: &[Item<'_>], ctx: &Context) -> Option<(PlaceRef, f32)> {
        // Districts named in the message support places inside them.
        let mut named_districts: Vec<(DistrictId, usize)> = Vec::new();
        let mut negated = vec![false; items.len()];
        for (pos, it) in items.iter().enumerate() {
            if !matches!(it.kind, ItemKind::Place { .. } | ItemKind::Pin(_)) {
                continue;
            }
            negated[pos] = is_negated(items, pos);
            if let ItemKind::Place { ids, .. } = &it.kind
                && !negated[pos]
            {
                for &i in ids {
                    let e = &self.places.entries[i as usize];
                    if e.kind == PlaceKind::District {
                        named_districts.push((e.district, pos));
                    }
                }
            }
        }
        let mut best: Option<(f32, f32, &PlaceEntry, f32, usize)> = None;
        for (pos, it) in items.iter().enumerate() {
            if negated[pos] {
                continue;
            }
            let m = mention(items, pos);
            let (entries, fuzzy, words, spelled): (Vec<&PlaceEntry>, bool, usize, bool) =
                match &it.kind {
                    ItemKind::Place {
                        ids,
                        fuzzy,
                        words,
                        spelled,
                    } => (
                        ids.iter()
                            .map(|&i| &self.places.entries[i as usize])
                            .collect(),
                        *fuzzy,
                        *words,
                        *spelled,
                    ),
                    ItemKind::Pin(pin) => match self.places.pins.get(pin) {
                        Some(e) => (vec![e], false, 1, true),
                        None => continue,
                    },
                    _ => continue,
                };
            // "3 mahine se" counts months: a word read through a typo right after a number is not a place.
            if fuzzy
                && pos > 0
                && (matches!(items[pos - 1].kind, ItemKind::Number(_))
                    || items[pos - 1].has(|c| matches!(c, Cue::Number(_))))
            {
                continue;
            }
            let m = Mention {
                fuzzy,
                words,
                spelled,
                named_elsewhere: &named_districts,
                ..m
            };
            for e in entries {
                let Some((s, conf)) = self.score_place(e, &m, ctx) else {
                    continue;
                };
                let spec = e.kind.specificity();
                let better = match &best {
                    None => true,
                    Some((bs, bspec, ..)) => s > *bs || (s == *bs && spec > *bspec),
                };
                if better {
                    best = Some((s, spec, e, conf, pos));
                }
            }
        }
        let (_, _, e, conf, pos) = best?;
        let e = self.settle(items, &named_districts, e, pos);
        let (district, state) = self.districts.get(&e.district)?;
        Some((
            PlaceRef {
                name: self.places.name(e.name).to_string(),
                kind: e.kind,
                block: e.block.map(|b| self.places.name(b).to_string()),
                district: district.to_string(),
                state: state.to_string(),
                pin: e.pin,
                lat: round4(f64::from(e.lat)),
                lon: round4(f64::from(e.lon)),
                district_id: e.district,
            },
            conf,
        ))
    }
}

impl Understander {
    /// The place chosen at item `pos`, settled against the rest of the message.
    fn settle<'s>(
        &'s self,
        items: &[Item<'_>],
        named_districts: &[(DistrictId, usize)],
        mut e: &'s PlaceEntry,
        mut pos: usize,
    ) -> &'s PlaceEntry {
        // A village of another district than the one the message names is a namesake: "etawah civil lines" is in
        // Etawah even when the gazetteer knows Civil Lines only in Farrukhabad.
        if e.kind == PlaceKind::PostOffice
            && !named_districts.iter().any(|&(d, _)| d == e.district)
            && let Some((district, at)) = named_districts
                .iter()
                .find_map(|&(d, at)| self.district_entry(items, d, at).map(|x| (x, at)))
        {
            e = district;
            pos = at;
        }
        // A district named by a town's name ("Chapra", "Etawah") is placed at the town.
        if e.kind == PlaceKind::District
            && let ItemKind::Place { ids, .. } = &items[pos].kind
        {
            let district = e.district;
            if let Some(town) = ids
                .iter()
                .map(|&i| &self.places.entries[i as usize])
                .filter(|x| x.district == district && x.kind != PlaceKind::District)
                .max_by(|a, b| a.kind.specificity().total_cmp(&b.kind.specificity()))
            {
                e = town;
            }
        }
        e
    }

    /// The service-area district `d` as named by the place item at `at`.
    fn district_entry(&self, items: &[Item<'_>], d: DistrictId, at: usize) -> Option<&PlaceEntry> {
        let ItemKind::Place { ids, .. } = &items[at].kind else {
            return None;
        };
        ids.iter()
            .map(|&i| &self.places.entries[i as usize])
            .find(|x| x.kind == PlaceKind::District && x.district == d && self.places.in_area(d))
    }
}

/// A word taken for a place, with what surrounds it.
#[derive(Clone, Copy)]
struct Mention<'a> {
    pos: usize,
    /// A marker stands before or after it ("me", "block", "ke paas", even "ka").
    marked: bool,
    /// A marker that says more than "ka"/"wala": "banane wali" is not the village Bani.
    evidence: bool,
    /// Marked only as where someone is from, or by a genitive.
    weakly_marked: bool,
    fuzzy: bool,
    words: usize,
    spelled: bool,
    /// Districts named in the message, with their positions.
    named_elsewhere: &'a [(DistrictId, usize)],
}

/// The markers around item `pos`: prepositions and words like "block", "jila", "gram", "pin" come before a place,
/// postpositions after. The match's own facts are filled in by the caller.
fn mention(items: &[Item<'_>], pos: usize) -> Mention<'static> {
    let before = pos
        .checked_sub(1)
        .and_then(|p| items[p].marker())
        .filter(|m| {
            matches!(
                m,
                Marker::In | Marker::Block | Marker::District | Marker::Village | Marker::Pin
            )
        });
    let after = items
        .get(pos + 1)
        .and_then(Item::marker)
        .filter(|m| *m != Marker::In);
    Mention {
        pos,
        marked: before.is_some() || after.is_some(),
        evidence: before.is_some() || after.is_some_and(|m| m != Marker::Of),
        weakly_marked: after == Some(Marker::From)
            || (after == Some(Marker::Of) && before.is_none()),
        fuzzy: false,
        words: 1,
        spelled: false,
        named_elsewhere: &[],
    }
}

/// What the words of a message say besides trades and places.
struct Cues {
    need: f32,
    offer: f32,
    /// A request word itself ("chahiye", "bhejo"), not only a fault that needs one ("kharab").
    asked: bool,
    /// A request said no to ("nahi chahiye").
    cancelled: bool,
    smalltalk: Option<SmallTalk>,
    /// A complaint, praise, or a question about a service or about kaamgar.
    aside: Option<SmallTalk>,
    day: Option<Day>,
    part: Option<PartOfDay>,
    count: Option<u32>,
}

/// Weighs the request and offer words by their neighbours ("plumber chahiye" is a request, "welder hoon" an
/// offer, "naukri chahiye" a request for work) and keeps the first small talk, day, part of day and head count.
fn read_cues(items: &[Item<'_>]) -> Cues {
    let is_trade = |it: &Item<'_>| it.trade().is_some();
    let mut c = Cues {
        need: 0.0,
        offer: 0.0,
        asked: false,
        cancelled: false,
        smalltalk: None,
        aside: None,
        day: None,
        part: None,
        count: None,
    };
    let mut self_alone = 0.0f32;
    let mut offer_cues = false;
    for (pos, it) in items.iter().enumerate() {
        let negated_before =
            pos > 0 && items[pos - 1].has(|c| matches!(c, Cue::Negation | Cue::NegationBefore));
        // "naukri chahiye", "guard ki job chahiye": the request is for work, not for a worker.
        let after_offer = items[..pos]
            .iter()
            .rev()
            .find(|it| !it.is_filler())
            .is_some_and(|it| it.has(|c| matches!(c, Cue::Offer(_))));
        // "I want to register", "chahta hoon kaam karna": wanting to offer work.
        let before_offer = items[pos + 1..]
            .iter()
            .find(|it| !it.is_filler())
            .is_some_and(|it| it.has(|c| matches!(c, Cue::Offer(_))));
        for cue in it.cues() {
            match *cue {
                Cue::Need(w) => {
                    if negated_before {
                        c.cancelled = true;
                    } else if !after_offer && !before_offer {
                        c.need += w;
                        c.asked |= w >= 1.0;
                        if near(items, pos, 3, &is_trade) {
                            c.need += 1.0;
                        }
                    }
                }
                Cue::Offer(w) => {
                    c.offer += w;
                    offer_cues = true;
                }
                Cue::SelfIs(w) => {
                    if near(items, pos, 3, &is_trade) {
                        c.offer += w + 1.0;
                    } else {
                        self_alone += w * 0.4;
                    }
                }
                Cue::SmallTalk(s) if s.is_aside() && c.aside.is_none() => c.aside = Some(s),
                Cue::SmallTalk(s) if c.smalltalk.is_none() => c.smalltalk = Some(s),
                Cue::Day(d) if c.day.is_none() => c.day = Some(d),
                Cue::Part(p) if c.part.is_none() => c.part = Some(p),
                Cue::Number(n) if c.count.is_none() && counts_people(items, pos) => {
                    c.count = Some(n);
                }
                _ => {}
            }
        }
        if let ItemKind::Number(n) = it.kind
            && c.count.is_none()
            && (1..=1000).contains(&n)
            && counts_people(items, pos)
        {
            c.count = Some(n as u32);
        }
    }
    // "hoon"/"ho" alone ("kaise ho") says nothing about work; with a trade or an offer it does.
    if offer_cues || c.offer > 0.0 {
        c.offer += self_alone;
    }
    c
}

/// Whether an item matching `f` stands within `span` words of `from` on either side, filler words ("ek", "hai",
/// "ko") not counted.
fn near(items: &[Item<'_>], from: usize, span: usize, f: &dyn Fn(&Item<'_>) -> bool) -> bool {
    let within = |side: &mut dyn Iterator<Item = &Item<'_>>| {
        let mut seen = 0;
        for it in side {
            if f(it) {
                return true;
            }
            if !it.is_filler() {
                seen += 1;
                if seen >= span {
                    break;
                }
            }
        }
        false
    };
    within(&mut items[from + 1..].iter()) || within(&mut items[..from].iter().rev())
}

/// What a message that names a worker without asking for one is about: a complaint, praise or a question, thanks
/// beside a trade ("dhanyawad, plumber acha kaam karke gaya"), or a worker told about ("plumber ne …", "mistri
/// aaya tha"). `None` when it asks for a worker (any request word beside a trade) or offers work.
fn not_asked(
    items: &[Item<'_>],
    aside: Option<SmallTalk>,
    smalltalk: Option<SmallTalk>,
    (need, asked): (f32, bool),
    offer: f32,
    trade_named: bool,
) -> Option<SmallTalk> {
    // A fault told in a complaint ("kaam kharab kar diya") is not a request; a request word is.
    // Offering work is a trade named with "hoon"/"kaam chahiye"; without a trade a question
    // ("registration ho gaya kya?") stays one.
    if (offer >= 1.0 && (trade_named || aside.is_none()))
        || (trade_named && (asked || (need > 0.0 && aside.is_none())))
    {
        return None;
    }
    if aside.is_some() {
        return aside;
    }
    if !trade_named || need > 0.0 {
        return None;
    }
    let told_about = items.iter().enumerate().any(|(pos, it)| {
        it.has(|c| *c == Cue::Past)
            || (it.has(|c| *c == Cue::Agent) && pos > 0 && items[pos - 1].trade().is_some())
    });
    if smalltalk == Some(SmallTalk::Thanks) {
        Some(SmallTalk::Feedback)
    } else {
        told_about.then_some(SmallTalk::Complaint)
    }
}

/// A place or trade followed by "nahi"/"ke alawa" or preceded by "not (in)" is excluded.
fn is_negated(items: &[Item<'_>], pos: usize) -> bool {
    let neg = |i: usize| {
        items
            .get(i)
            .is_some_and(|it| it.has(|c| *c == Cue::Negation))
    };
    let except = |i: usize| items.get(i).is_some_and(|it| it.has(|c| *c == Cue::Except));
    let marker = |i: usize| items.get(i).is_some_and(|it| it.marker().is_some());
    if neg(pos + 1) || except(pos + 1) || (marker(pos + 1) && (neg(pos + 2) || except(pos + 2))) {
        return true;
    }
    // "not Chapra", "not in Chapra".
    let not = |i: usize| {
        items
            .get(i)
            .is_some_and(|it| it.has(|c| *c == Cue::NegationBefore))
    };
    (pos >= 1 && not(pos - 1)) || (pos >= 2 && marker(pos - 1) && not(pos - 2))
}

/// A number followed (within a word or two) by a trade or by people ("5 log", "do plumber").
fn counts_people(items: &[Item<'_>], pos: usize) -> bool {
    items[pos + 1..]
        .iter()
        .take(2)
        .any(|it| it.trade().is_some() || it.has(|c| *c == Cue::People))
}

fn margin(win: f32, lose: f32) -> f32 {
    let m = (win - lose) / (win + 0.5);
    (0.6 + 0.4 * m).clamp(0.5, 0.99)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
