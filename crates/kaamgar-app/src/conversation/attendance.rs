//! A trainee's "हाज़िर" / "present" on WhatsApp (typed, or sent from the link a session's QR code opens, which
//! adds the session's code): marked in the bot's own turn, so the mark, its audit row, the answer and the inbox
//! event commit together. A message that is not a present word goes on to the conversation as usual.

use super::{BotError, BotService, Turn};
use kaamgar_domain::conversation::Msg;
use kaamgar_domain::conversation::notices::plain;
use kaamgar_domain::training::dates::india_time;
use kaamgar_domain::training::rules::{Method, is_present_word};
use kaamgar_store::ContactRow;

/// The present word and the session's code, if the text is "हाज़िर" alone or followed by a code.
pub fn present_and_code(text: &str) -> Option<Option<&str>> {
    let t = text.trim();
    if is_present_word(t) {
        return Some(None);
    }
    let (head, last) = t.rsplit_once(char::is_whitespace)?;
    let code = last.trim();
    let looks_like_code = code.len() == 65
        && code.starts_with('q')
        && code[1..].bytes().all(|b| b.is_ascii_hexdigit());
    (looks_like_code && is_present_word(head)).then_some(Some(code))
}

impl BotService {
    /// Marks the sender present when the text is a present word; `false` when it is not one (the conversation
    /// handles it).
    pub(crate) async fn attendance(
        &self,
        turn: &mut Turn,
        contact: &ContactRow,
        lang: kaamgar_domain::conversation::Lang,
        text: &str,
    ) -> Result<bool, BotError> {
        let Some(code) = present_and_code(text) else {
            return Ok(false);
        };
        let Some(phone) = super::send::phone_of(contact) else {
            return Ok(false);
        };
        let method = if code.is_some() {
            Method::Qr
        } else {
            Method::Whatsapp
        };
        let found = crate::training::running_session(
            self.store.as_ref(),
            &phone.e164(),
            code,
            method,
            turn.now,
        )
        .await;
        let reply = match found {
            Ok(f) => {
                crate::training::write_self_mark(turn.tx.as_mut(), &f, method, turn.now)
                    .await
                    .map_err(|e| BotError::Training(e.to_string()))?;
                let time = india_time(f.session.starts_at);
                plain(
                    lang,
                    Msg::AttendanceMarked,
                    &[
                        ("name", &f.enrolment.trainee.name),
                        ("topic", &f.session.topic),
                        ("time", &time),
                    ],
                )
            }
            Err(crate::training::TrainingError::Refused { .. }) => {
                plain(lang, Msg::AttendanceWrongCode, &[])
            }
            Err(crate::training::TrainingError::Store(e)) => return Err(e.into()),
            Err(_) => plain(lang, Msg::AttendanceNoSession, &[]),
        };
        self.send_to(turn, contact, &reply, None)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::present_and_code;

    #[test]
    fn a_present_word_with_or_without_a_session_code() {
        let code = format!("q{}", "ab".repeat(32));
        assert_eq!(present_and_code("हाज़िर"), Some(None));
        assert_eq!(
            present_and_code(&format!("हाज़िर {code}")),
            Some(Some(code.as_str()))
        );
        assert_eq!(
            present_and_code(&format!("present  {code} ")),
            Some(Some(code.as_str()))
        );
        assert_eq!(present_and_code("plumber chahiye"), None);
        assert_eq!(present_and_code("hazir q123"), None);
    }
}
