//! Weighing the items of a message: trades, intent, count and time, and the place (negations, markers, service
//! area, the sender's context).

use super::scan::{Item, ItemKind};
use super::*;

impl Understander {
    pub(super) fn weigh(&self, items: &[Item<'_>], ctx: &Context) -> Understanding {
        // Neighbours, skipping filler words ("ek", "hai", "ko").
        let near = |from: usize, span: usize, f: &dyn Fn(&Item<'_>) -> bool| -> bool {
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
        };
        let is_trade = |it: &Item<'_>| it.trade().is_some();

        // Trades, strongest first; vague words only when nothing specific was named.
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
        // "plumber nahi, electrician chahiye": a trade said no to gives way to the other.
        let said_no = |pos: usize| {
            items
                .get(pos + 1)
                .is_some_and(|it| it.has(|c| *c == Cue::Negation))
        };
        if found.len() > 1 && found.iter().any(|f| !said_no(f.2)) {
            found.retain(|f| !said_no(f.2));
        }
        // General labour ("majdoor") is what a more specific trade named beside it is done by: "dhan ropni ke liye
        // majdoor" wants farm labourers.
        let general = |t: u16| Some(t) == self.labourer;
        found.sort_by(|a, b| {
            general(a.0)
                .cmp(&general(b.0))
                .then(b.1.total_cmp(&a.1))
                .then(a.2.cmp(&b.2))
        });

        // Intent.
        let (mut need, mut offer, mut cancelled) = (0.0f32, 0.0f32, false);
        let mut smalltalk = None;
        let (mut day, mut part, mut count) = (None, None, None);
        let mut self_alone = 0.0f32;
        let mut offer_cues = false;
        // A complaint, praise, or a question about a service or about kaamgar.
        let mut aside: Option<SmallTalk> = None;
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
            for c in it.cues() {
                match *c {
                    Cue::Need(w) => {
                        if negated_before {
                            cancelled = true;
                        } else if !after_offer && !before_offer {
                            need += w;
                            if near(pos, 3, &is_trade) {
                                need += 1.0;
                            }
                        }
                    }
                    Cue::Offer(w) => {
                        offer += w;
                        offer_cues = true;
                    }
                    Cue::SelfIs(w) => {
                        if near(pos, 3, &is_trade) {
                            offer += w + 1.0;
                        } else {
                            self_alone += w * 0.4;
                        }
                    }
                    Cue::SmallTalk(s) if s.is_aside() && aside.is_none() => aside = Some(s),
                    Cue::SmallTalk(s) if smalltalk.is_none() => smalltalk = Some(s),
                    Cue::Day(d) if day.is_none() => day = Some(d),
                    Cue::Part(p) if part.is_none() => part = Some(p),
                    Cue::Number(n) if count.is_none() && counts_people(items, pos) => {
                        count = Some(n);
                    }
                    _ => {}
                }
            }
            if let ItemKind::Number(n) = it.kind
                && count.is_none()
                && (1..=1000).contains(&n)
                && counts_people(items, pos)
            {
                count = Some(n as u32);
            }
        }
        // "hoon"/"ho" alone ("kaise ho") says nothing about work; with a trade or an offer it does.
        if offer_cues || offer > 0.0 {
            offer += self_alone;
        }
        // A complaint, praise or a question is not a request, even when it names a worker ("jo plumber aaya tha
        // usne paise zyada liye").
        let place = self.choose_place(items, ctx);
        // Thanks beside a trade with nothing asked ("dhanyawad, plumber acha kaam karke gaya") is praise; a worker
        // who did something ("plumber ne …", "mistri aaya tha") with nothing asked is told about, not asked for.
        let told_about = items.iter().enumerate().any(|(pos, it)| {
            it.has(|c| *c == Cue::Past)
                || (it.has(|c| *c == Cue::Agent) && pos > 0 && items[pos - 1].trade().is_some())
        });
        let aside = aside.or_else(|| {
            let thanks = smalltalk == Some(SmallTalk::Thanks);
            let topic = if thanks {
                SmallTalk::Feedback
            } else {
                SmallTalk::Complaint
            };
            ((thanks || told_about) && need == 0.0 && offer < 1.0 && !found.is_empty())
                .then_some(topic)
        });
        // A worker asked for anywhere in the message ("plumber chahiye, kab tak aayega?", "pichla electrician
        // bekar tha, dusra bhejo") keeps it a request.
        if let Some(topic) = aside {
            let asked = !found.is_empty() && need > 0.0;
            if !asked && offer < 1.0 {
                return Understanding {
                    confidence: 0.8,
                    place: place.map(|p| p.0),
                    ..Understanding::other(Some(topic))
                };
            }
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
            // Prepositions and words like "block", "jila", "gram", "pin" come before a place; postpositions after.
            let before = pos
                .checked_sub(1)
                .and_then(|p| items[p].marker())
                .filter(|m| {
                    matches!(
                        m,
                        Marker::In
                            | Marker::Block
                            | Marker::District
                            | Marker::Village
                            | Marker::Pin
                    )
                });
            let after = items
                .get(pos + 1)
                .and_then(Item::marker)
                .filter(|m| *m != Marker::In);
            let marked = before.is_some() || after.is_some();
            // "X ka/ki/wala" says little: "banane wali" is not the village Bani.
            let evidence = before.is_some() || after.is_some_and(|m| m != Marker::Of);
            let from = after == Some(Marker::From);
            let genitive = after == Some(Marker::Of) && before.is_none();
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
            for e in entries {
                // A place needs evidence: a village matched only loosely, with no marker ("me", "gaon", "ke paas")
                // next to it, is an ordinary word that sounds like one ("usne" is not Ushti, "pani" not Panania).
                // A village must be named as it is spelled, not only sound like it ("kamra" is a room, not
                // Kamara; "hafte me" is not Hbti), and a loose match needs a marker beside it.
                let in_area = self.places.area.is_empty() || self.places.in_area(e.district);
                if e.kind == PlaceKind::PostOffice && in_area && (!spelled || (fuzzy && !evidence))
                {
                    continue;
                }
                let mut s = 0.0f32;
                if e.kind == PlaceKind::Pin {
                    s += 4.0;
                } else if in_area {
                    s += 3.0;
                } else if !evidence && (e.kind != PlaceKind::District || fuzzy) {
                    continue;
                }
                if e.kind == PlaceKind::District {
                    // People name districts far more often than a small post office of the same sound elsewhere.
                    s += 0.5;
                }
                if !in_area {
                    // Of two far places of one name, the nearer to the service area ("Patna", not "Patan"). A
                    // village or block far from the area is not what someone here means, even after "me": a
                    // local name the gazetteer lacks must not turn into its namesake across India.
                    let km = self.places.km_from_area(f64::from(e.lat), f64::from(e.lon));
                    if e.kind != PlaceKind::District && km > FAR_KM && !self.places.area.is_empty()
                    {
                        continue;
                    }
                    s -= (km / 2000.0).min(0.5) as f32;
                }
                if marked {
                    s += if from || genitive { 0.5 } else { 1.0 };
                }
                if fuzzy {
                    s -= 1.0;
                }
                if words > 1 {
                    s += 0.3 * (words - 1) as f32;
                }
                if e.kind != PlaceKind::District
                    && named_districts
                        .iter()
                        .any(|&(d, p)| d == e.district && p != pos)
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
                let spec = e.kind.specificity();
                let conf = match (in_area || e.kind == PlaceKind::Pin, fuzzy, marked) {
                    (true, false, true) => 0.97,
                    (true, false, false) => 0.92,
                    (true, true, _) => 0.8,
                    (false, _, _) => 0.75,
                };
                let better = match &best {
                    None => true,
                    Some((bs, bspec, ..)) => s > *bs || (s == *bs && spec > *bspec),
                };
                if better {
                    best = Some((s, spec, e, conf, pos));
                }
            }
        }
        let (_, _, mut e, conf, pos) = best?;
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

/// A place followed by "nahi"/"ke alawa" or preceded by "not (in)" is excluded.
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
