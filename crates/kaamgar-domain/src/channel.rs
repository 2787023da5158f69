//! The ways a person reaches kaamgar, and a contact as a channel and an address on it. The store keeps a contact as
//! one key: a WhatsApp number as it is (`919876543210`, the keys written before channels were typed), and the local
//! channels with a prefix (`web:…`, `term:…`). Code reads a key through [`ContactKey`], never by its prefix.

use std::fmt;

/// A channel of conversation. SMS and voice will join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Channel {
    #[default]
    WhatsApp,
    /// The web chat at `/chat`.
    Web,
    /// `kaamgar chat` in a terminal.
    Terminal,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::WhatsApp, Channel::Web, Channel::Terminal];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WhatsApp => "whatsapp",
            Channel::Web => "web",
            Channel::Terminal => "terminal",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Messages stay inside kaamgar (shown by the web chat or the terminal) instead of going to a provider.
    pub fn is_local(self) -> bool {
        matches!(self, Channel::Web | Channel::Terminal)
    }

    /// Whether a free-form message may be sent now to someone who last wrote at `last_inbound_at`: always on the
    /// local channels; on WhatsApp only inside the 24-hour window, else a template must be sent.
    pub fn may_send_freely(self, last_inbound_at: Option<i64>, now: i64) -> bool {
        match self {
            Channel::WhatsApp => crate::whatsapp::policy::window_open(last_inbound_at, now),
            Channel::Web | Channel::Terminal => true,
        }
    }

    fn prefix(self) -> Option<&'static str> {
        match self {
            Channel::WhatsApp => None,
            Channel::Web => Some("web:"),
            Channel::Terminal => Some("term:"),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A contact: a channel and the address on it (a WhatsApp id, a web chat session, a terminal session).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactKey {
    channel: Channel,
    address: String,
}

impl ContactKey {
    pub fn new(channel: Channel, address: &str) -> Self {
        ContactKey {
            channel,
            address: address.to_string(),
        }
    }

    /// Reads a stored key: a local channel's prefix, or else a WhatsApp id.
    pub fn parse(key: &str) -> Self {
        for c in Channel::ALL {
            if let Some(address) = c.prefix().and_then(|p| key.strip_prefix(p)) {
                return ContactKey::new(c, address);
            }
        }
        ContactKey::new(Channel::WhatsApp, key)
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

impl fmt::Display for ContactKey {
    /// The stored form of the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.channel.prefix().unwrap_or(""))?;
        f.write_str(&self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_as_the_channel_and_address_they_were_written_from() {
        for (key, channel, address) in [
            ("919876543210", Channel::WhatsApp, "919876543210"),
            ("web:3fa9c1", Channel::Web, "3fa9c1"),
            ("term:9876543210", Channel::Terminal, "9876543210"),
        ] {
            let k = ContactKey::parse(key);
            assert_eq!((k.channel(), k.address()), (channel, address));
            assert_eq!(k.to_string(), key);
        }
        assert_eq!(ContactKey::new(Channel::Web, "x").to_string(), "web:x");
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("sms"), None);
    }

    #[test]
    fn only_whatsapp_has_a_window() {
        assert!(Channel::Web.may_send_freely(None, 1_000_000));
        assert!(!Channel::WhatsApp.may_send_freely(None, 1_000_000));
        assert!(Channel::WhatsApp.may_send_freely(Some(999_000), 1_000_000));
        assert!(!Channel::WhatsApp.may_send_freely(Some(1_000_000 - 25 * 3600), 1_000_000));
    }
}
