//! What a newsroom configures about comments: the form's words (labels and messages, so it
//! can be translated), limits, moderation, and the anti-spam layers. Read from a JSON file
//! (`--comments-config`); every key is optional.

use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommentSettings {
    pub form: FormText,
    pub fields: Fields,
    pub moderation: Moderation,
    /// Comments close this many days after publication; none: they stay open.
    pub period_days: Option<u32>,
    /// Replies may nest this deep (top-level comments are depth 0).
    pub max_depth: i32,
    /// A comment with more links than this is spam.
    pub max_links: usize,
    /// A form submitted sooner than this after it was served is spam.
    pub min_fill_seconds: i64,
    /// A form token older than this is spam.
    pub token_ttl_hours: i64,
    /// The same text on the same article within this many hours is spam.
    pub duplicate_window_hours: i64,
    pub rate_limits: RateLimits,
    pub blocklist: Blocklist,
    /// An Akismet-compatible checker; off when absent.
    pub checker: Option<Checker>,
    /// Hashed addresses and user agents are deleted after this many days.
    pub ip_retention_days: i64,
    /// The field frontends render hidden and leave empty; anything in it marks a bot.
    pub honeypot_field: String,
}

impl Default for CommentSettings {
    fn default() -> Self {
        CommentSettings {
            form: FormText::default(),
            fields: Fields::default(),
            moderation: Moderation::FirstTime,
            period_days: None,
            max_depth: 5,
            max_links: 2,
            min_fill_seconds: 3,
            token_ttl_hours: 24,
            duplicate_window_hours: 24,
            rate_limits: RateLimits::default(),
            blocklist: Blocklist::default(),
            checker: None,
            ip_retention_days: 30,
            honeypot_field: "homepage".into(),
        }
    }
}

impl CommentSettings {
    pub fn from_file(path: &Path) -> anyhow::Result<CommentSettings> {
        let text =
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let settings: CommentSettings = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a comments configuration: {e}", path.display()))?;
        if settings.max_depth < 1 {
            anyhow::bail!("{}: max_depth must be at least 1", path.display());
        }
        Ok(settings)
    }
}

/// Who gets moderated before their comment shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    /// Every comment waits for a moderator.
    Always,
    /// Comments wait unless the email already has an approved comment.
    FirstTime,
    /// Comments show at once (spam is still held).
    Never,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FormText {
    pub title: String,
    pub submit_label: String,
    /// Shown instead of the form when comments are closed.
    pub closed_message: String,
    /// Shown after a submission that waits for moderation.
    pub pending_message: String,
    /// Shown after a submission that was published at once.
    pub approved_message: String,
}

impl Default for FormText {
    fn default() -> Self {
        FormText {
            title: "Leave a reply".into(),
            submit_label: "Post comment".into(),
            closed_message: "Comments are closed.".into(),
            pending_message: "Thank you! Your comment is awaiting moderation.".into(),
            approved_message: "Thank you! Your comment is published.".into(),
        }
    }
}

/// A field's words and limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldText {
    pub label: String,
    pub placeholder: String,
    pub max_length: usize,
    /// When the field is missing or blank.
    pub required: String,
    /// When it is longer than `max_length`.
    pub too_long: String,
    /// When it is not the right kind of value (email, web address, reply).
    pub invalid: String,
}

impl Default for FieldText {
    fn default() -> Self {
        FieldText {
            label: String::new(),
            placeholder: String::new(),
            max_length: 200,
            required: "This field is required.".into(),
            too_long: "This is too long.".into(),
            invalid: "This is not valid.".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fields {
    pub comment: FieldText,
    pub name: FieldText,
    pub email: FieldText,
    pub website: FieldText,
    pub parent_id: FieldText,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            comment: FieldText {
                label: "Comment".into(),
                max_length: 5000,
                required: "Please enter your comment!".into(),
                too_long: "Your comment is too long; please keep it under 5000 characters.".into(),
                ..FieldText::default()
            },
            name: FieldText {
                label: "Name".into(),
                max_length: 100,
                required: "Please enter your name here".into(),
                too_long: "Please use a shorter name (at most 100 characters).".into(),
                ..FieldText::default()
            },
            email: FieldText {
                label: "Email".into(),
                max_length: 254,
                required: "You have entered an incorrect email address!".into(),
                too_long: "You have entered an incorrect email address!".into(),
                invalid: "You have entered an incorrect email address!".into(),
                ..FieldText::default()
            },
            website: FieldText {
                label: "Website".into(),
                max_length: 200,
                too_long: "Please use a shorter web address (at most 200 characters).".into(),
                invalid: "Please enter a web address starting with http:// or https://".into(),
                ..FieldText::default()
            },
            parent_id: FieldText {
                label: "In reply to".into(),
                max_length: 20,
                invalid: "The comment you are replying to cannot take replies.".into(),
                ..FieldText::default()
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    pub per_ip_per_minute: u32,
    pub per_ip_per_hour: u32,
    pub per_email_per_minute: u32,
    pub per_email_per_hour: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_ip_per_minute: 5,
            per_ip_per_hour: 30,
            per_email_per_minute: 5,
            per_email_per_hour: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Blocklist {
    /// Words or phrases (case-insensitive) in the comment, name or website.
    pub words: Vec<String>,
    /// Whole addresses, or `@domain` for a whole domain.
    pub emails: Vec<String>,
    /// Client addresses, as written (`203.0.113.9`, `2001:db8::1`).
    pub ips: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checker {
    /// The `comment-check` endpoint, e.g. `https://KEY.rest.akismet.com/1.1/comment-check`.
    pub url: String,
    /// The site, sent as `blog`.
    pub site: String,
    /// Milliseconds to wait before letting the comment through unchecked.
    #[serde(default = "default_checker_timeout")]
    pub timeout_ms: u64,
}

fn default_checker_timeout() -> u64 {
    2000
}
