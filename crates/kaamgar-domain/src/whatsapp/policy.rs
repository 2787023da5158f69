//! Rules for talking on WhatsApp that do not depend on the conversation: the 24-hour customer-service window, and a
//! per-contact flood guard so that one number cannot keep the bot (and the other conversations) busy.

use std::collections::HashMap;

/// Meta's customer-service window: free-form messages only within 24 hours of the person's last message.
pub const WINDOW_SECS: i64 = 24 * 3600;

/// Whether a free-form message may be sent now, given when the person last wrote (unix seconds).
pub fn window_open(last_inbound: Option<i64>, now: i64) -> bool {
    last_inbound.is_some_and(|t| now >= t && now - t < WINDOW_SECS)
}

/// A token bucket per contact: `burst` messages at once, then one every `every_secs`.
#[derive(Debug)]
pub struct FloodGuard {
    burst: f64,
    every_secs: f64,
    buckets: HashMap<String, (f64, i64)>,
}

/// Contacts remembered at most; idle ones are forgotten first.
const MAX_CONTACTS: usize = 100_000;

impl FloodGuard {
    pub fn new(burst: u32, every_secs: u32) -> Self {
        FloodGuard {
            burst: f64::from(burst.max(1)),
            every_secs: f64::from(every_secs.max(1)),
            buckets: HashMap::new(),
        }
    }

    /// Whether this contact's message at `now` (unix seconds) should be handled; false while they flood.
    pub fn allow(&mut self, contact: &str, now: i64) -> bool {
        if self.buckets.len() >= MAX_CONTACTS && !self.buckets.contains_key(contact) {
            self.forget_idle(now);
        }
        let (burst, every) = (self.burst, self.every_secs);
        let (tokens, at) = self
            .buckets
            .entry(contact.to_string())
            .or_insert((burst, now));
        let elapsed = (now - *at).max(0) as f64;
        *tokens = (*tokens + elapsed / every).min(burst);
        *at = now.max(*at);
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Drops contacts whose bucket has refilled (they have been quiet long enough to be new again).
    fn forget_idle(&mut self, now: i64) {
        let full_after = (self.burst * self.every_secs) as i64;
        self.buckets.retain(|_, (_, at)| now - *at < full_after);
        if self.buckets.len() >= MAX_CONTACTS {
            // Everyone is active: forget the longest-quiet half rather than grow without bound.
            let mut ats: Vec<i64> = self.buckets.values().map(|(_, at)| *at).collect();
            ats.sort_unstable();
            let cut = ats[ats.len() / 2];
            self.buckets.retain(|_, (_, at)| *at > cut);
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_24_hours_from_the_last_message() {
        assert!(window_open(Some(1000), 1000));
        assert!(window_open(Some(1000), 1000 + WINDOW_SECS - 1));
        assert!(!window_open(Some(1000), 1000 + WINDOW_SECS));
        assert!(!window_open(None, 1000));
        assert!(
            !window_open(Some(2000), 1000),
            "a clock behind the message is not trusted"
        );
    }

    #[test]
    fn a_flood_is_cut_and_the_contact_recovers_while_others_are_untouched() {
        let mut g = FloodGuard::new(5, 6);
        let allowed = (0..20).filter(|_| g.allow("A", 100)).count();
        assert_eq!(allowed, 5);
        assert!(g.allow("B", 100), "another contact is not affected");
        assert!(!g.allow("A", 105));
        assert!(g.allow("A", 106), "one message back after 6 seconds");
        assert!(
            g.allow("A", 100 + 6 * 10),
            "and a full burst after a quiet minute"
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let mut g = FloodGuard::new(2, 1);
        for i in 0..(MAX_CONTACTS + 10) {
            g.allow(&i.to_string(), i as i64);
        }
        assert!(g.len() <= MAX_CONTACTS);
    }
}
