//! The anti-spam layers that need no database: the honeypot, the signed form token, links,
//! the blocklist, and the optional external checker. A layer that trips names itself; the
//! submitter is answered as if the comment were awaiting moderation, so a bot learns nothing.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::settings::{Blocklist, Checker, CommentSettings};
use crate::content::comment_text::link_count;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks form tokens, and hashes client addresses, with one server key.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl Signer {
    pub fn new(key: [u8; 32]) -> Signer {
        Signer { key }
    }

    fn keyed(&self, purpose: &str, data: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(data.as_bytes());
        mac
    }

    fn mac(&self, purpose: &str, data: &str) -> Vec<u8> {
        self.keyed(purpose, data).finalize().into_bytes().to_vec()
    }

    /// A token that says "this form was served for this article at this time".
    pub fn form_token(&self, article_id: i64, issued: NaiveDateTime) -> String {
        let payload = format!("{article_id}.{}", issued.and_utc().timestamp());
        let sig = URL_SAFE_NO_PAD.encode(&self.mac("form", &payload)[..18]);
        format!("v1.{payload}.{sig}")
    }

    /// Checks a token against the article and the clock; `None` when it passes.
    pub fn check_token(
        &self,
        token: Option<&str>,
        article_id: i64,
        now: NaiveDateTime,
        settings: &CommentSettings,
    ) -> Option<&'static str> {
        let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
            return Some("form_token_missing");
        };
        let mut parts = token.split('.');
        let (Some("v1"), Some(id), Some(issued), Some(sig), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Some("form_token_forged");
        };
        let same = URL_SAFE_NO_PAD.decode(sig).is_ok_and(|sig| {
            sig.len() == 18
                && self
                    .keyed("form", &format!("{id}.{issued}"))
                    .verify_truncated_left(&sig)
                    .is_ok()
        });
        if !same || id.parse::<i64>().ok() != Some(article_id) {
            return Some("form_token_forged");
        }
        let Ok(issued) = issued.parse::<i64>() else {
            return Some("form_token_forged");
        };
        let age = now.and_utc().timestamp() - issued;
        if age < -60 {
            Some("form_token_forged")
        } else if age > settings.token_ttl_hours * 3600 {
            Some("form_token_expired")
        } else if age < settings.min_fill_seconds {
            Some("submitted_too_fast")
        } else {
            None
        }
    }

    /// A keyed hash of the client address: equal addresses can be matched, none recovered.
    pub fn address_hash(&self, ip: IpAddr) -> String {
        hex(&self.mac("ip", &ip.to_string())[..16])
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the layers look at.
pub struct Suspect<'a> {
    pub honeypot: Option<&'a str>,
    pub comment: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub website: Option<&'a str>,
    pub ip: Option<IpAddr>,
}

/// The layers that need neither the database nor the network, cheapest first.
pub fn local_layers(s: &Suspect<'_>, settings: &CommentSettings) -> Option<&'static str> {
    if s.honeypot.is_some_and(|h| !h.trim().is_empty()) {
        return Some("honeypot");
    }
    if link_count(s.comment) + link_count(s.name) > settings.max_links {
        return Some("too_many_links");
    }
    blocked(s, &settings.blocklist)
}

fn blocked(s: &Suspect<'_>, list: &Blocklist) -> Option<&'static str> {
    let haystack = format!("{}\n{}\n{}", s.comment, s.name, s.website.unwrap_or_default()).to_lowercase();
    if list
        .words
        .iter()
        .map(|w| w.trim().to_lowercase())
        .any(|w| !w.is_empty() && haystack.contains(&w))
    {
        return Some("blocked_word");
    }
    let email = s.email.to_lowercase();
    let domain = email.rsplit_once('@').map(|(_, d)| format!("@{d}"));
    if list
        .emails
        .iter()
        .map(|e| e.trim().to_lowercase())
        .any(|e| e == email || (e.starts_with('@') && Some(&e) == domain.as_ref()))
    {
        return Some("blocked_email");
    }
    if let Some(ip) = s.ip
        && list
            .ips
            .iter()
            .filter_map(|i| i.trim().parse::<IpAddr>().ok())
            .any(|i| i == ip)
    {
        return Some("blocked_ip");
    }
    None
}

/// Asks an Akismet-compatible `comment-check` endpoint. Its answer is `true` for spam; on
/// any failure the comment goes on to moderation unchecked rather than being lost.
pub async fn external_check(
    client: &reqwest::Client,
    checker: &Checker,
    s: &Suspect<'_>,
    user_agent: &str,
    permalink: &str,
) -> Option<&'static str> {
    let ip = s.ip.map(|i| i.to_string()).unwrap_or_default();
    let form = [
        ("blog", checker.site.as_str()),
        ("user_ip", ip.as_str()),
        ("user_agent", user_agent),
        ("permalink", permalink),
        ("comment_type", "comment"),
        ("comment_author", s.name),
        ("comment_author_email", s.email),
        ("comment_author_url", s.website.unwrap_or_default()),
        ("comment_content", s.comment),
    ];
    let answer = client
        .post(&checker.url)
        .timeout(std::time::Duration::from_millis(checker.timeout_ms))
        .form(&form)
        .send()
        .await;
    match answer {
        Ok(res) if res.status().is_success() => match res.text().await.as_deref().map(str::trim) {
            Ok("true") => Some("external_checker"),
            Ok("false") => None,
            other => {
                tracing::warn!(answer = ?other.ok(), "spam checker gave no verdict; comment goes to moderation");
                None
            }
        },
        Ok(res) => {
            tracing::warn!(status = %res.status(), "spam checker failed; comment goes to moderation");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "spam checker unreachable; comment goes to moderation");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn tokens_pass_only_for_their_article_between_fill_time_and_expiry() {
        let signer = Signer::new([7; 32]);
        let settings = CommentSettings::default();
        let issued = crate::service::Clock::default().now();
        let token = signer.form_token(42, issued);
        let at = |secs| issued + Duration::seconds(secs);
        assert_eq!(signer.check_token(Some(&token), 42, at(10), &settings), None);
        assert_eq!(
            signer.check_token(Some(&token), 43, at(10), &settings),
            Some("form_token_forged")
        );
        assert_eq!(
            signer.check_token(Some(&token), 42, at(1), &settings),
            Some("submitted_too_fast")
        );
        assert_eq!(
            signer.check_token(Some(&token), 42, at(25 * 3600), &settings),
            Some("form_token_expired")
        );
        assert_eq!(
            signer.check_token(None, 42, at(10), &settings),
            Some("form_token_missing")
        );
        let forged = token.replace("v1.42.", "v1.42.1");
        assert_eq!(
            signer.check_token(Some(&forged), 42, at(10), &settings),
            Some("form_token_forged")
        );
        let other_key = Signer::new([8; 32]).form_token(42, issued);
        assert_eq!(
            signer.check_token(Some(&other_key), 42, at(10), &settings),
            Some("form_token_forged")
        );
    }

    #[test]
    fn blocklists_match_words_emails_domains_and_addresses() {
        let mut settings = CommentSettings::default();
        settings.blocklist.words = vec!["Casino".into()];
        settings.blocklist.emails = vec!["@spam.example".into(), "bad@mail.example".into()];
        settings.blocklist.ips = vec!["203.0.113.9".into()];
        let base = Suspect {
            honeypot: None,
            comment: "A fair point about rail.",
            name: "Dana",
            email: "dana@mail.example",
            website: None,
            ip: Some("198.51.100.1".parse().unwrap()),
        };
        assert_eq!(local_layers(&base, &settings), None);
        let word = Suspect {
            comment: "best CASINO bonus",
            ..base
        };
        assert_eq!(local_layers(&word, &settings), Some("blocked_word"));
        let domain = Suspect {
            email: "x@Spam.example",
            comment: base.comment,
            ..word
        };
        assert_eq!(local_layers(&domain, &settings), Some("blocked_email"));
        let ip = Suspect {
            email: "dana@mail.example",
            ip: Some("203.0.113.9".parse().unwrap()),
            ..domain
        };
        assert_eq!(local_layers(&ip, &settings), Some("blocked_ip"));
        let trap = Suspect {
            honeypot: Some("http://x"),
            ip: None,
            ..ip
        };
        assert_eq!(local_layers(&trap, &settings), Some("honeypot"));
        let links = Suspect {
            honeypot: None,
            comment: "http://a.example http://b.example http://c.example",
            ..trap
        };
        assert_eq!(local_layers(&links, &settings), Some("too_many_links"));
    }
}
