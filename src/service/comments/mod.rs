//! The reader comment form: its definition, submissions (validated, checked for spam,
//! moderated, idempotent) and the public threads. A comment answered 202 is committed.

pub mod settings;
pub mod spam;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use crate::content::cursor::{Kind, TimeCursor};
use crate::content::status::{CommentStatus, Discussion};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use self::settings::{CommentSettings, FieldText, Moderation};
use self::spam::{Signer, Suspect, hex};
use super::articles::ArticleLookup;
use super::views::Article;
use super::{ContentService, utc};
use crate::content::comment_text::comment_html;
use crate::content::controls;
use crate::db::Db;
use crate::db::comments::{self as q, CommentRow, NewComment};
use crate::error::{AppError, FieldError};

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 100;
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// One submission as the client sent it; every field is optional until validated.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub comment: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// Raw, so that a non-number is reported on its field.
    pub parent_id: Option<String>,
    pub form_token: Option<String>,
    pub honeypot: Option<String>,
    pub idempotency_key: Option<String>,
}

/// Who sent it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: Option<IpAddr>,
    pub user_agent: String,
}

/// The answer to an accepted submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Accepted {
    pub id: i64,
    /// `pending` (awaiting moderation) or `approved` (published).
    pub status: CommentStatus,
    /// For the reader, from the form's configuration.
    pub message: String,
}

/// A form field as a frontend renders and checks it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FormField {
    pub name: String,
    /// `textarea`, `text`, `email`, `url` or `hidden`.
    pub r#type: String,
    pub label: String,
    pub placeholder: String,
    pub required: bool,
    pub max_length: usize,
    /// The messages the API answers with, by error code (`required`, `too_long`, `invalid`).
    pub messages: HashMap<String, String>,
    /// Send this value as it is (the form token); `""` for the honeypot, which a person
    /// never fills; none for what the reader types.
    pub value: Option<String>,
}

/// Everything a frontend needs to render the comment form of one article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentForm {
    pub article: String,
    /// Whether the article takes comments now.
    pub open: bool,
    /// When it stops taking them; none when it does not close by age.
    pub closes_at: Option<DateTime<Utc>>,
    pub title: String,
    pub submit_label: String,
    pub closed_message: String,
    /// Where to send the form, with `method` and `enctype` (JSON with the same names is
    /// taken too).
    pub action: String,
    pub method: String,
    pub enctype: String,
    /// Every field the submission carries, each under the exact name to send, the token and
    /// the honeypot included: a frontend that renders them all posts a valid comment.
    pub fields: Vec<FormField>,
    /// Send it back as `form_token`; it proves the form was served here, and when.
    pub token: Option<String>,
    /// Render this field hidden and leave it empty.
    pub honeypot_field: String,
    /// Replies nest up to this depth (top-level comments are 0).
    pub max_depth: i32,
    /// Send a fresh value as the `Idempotency-Key` header so retries never post twice.
    pub idempotency_header: String,
}

/// How a page of a thread is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threading {
    /// Every published comment in order, replies with `parent_id` and `depth` (REST).
    Flat,
    /// Top-level comments only; each brings its replies (GraphQL `replies`), so no reply
    /// is listed twice.
    TopLevel,
}

/// A published comment as readers see it. Never carries the email or the address.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicComment {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: String,
    pub author_url: Option<String>,
    /// SHA-256 of the trimmed, lower-cased email, as Gravatar takes it.
    pub avatar_hash: String,
    pub created_at: DateTime<Utc>,
    /// The text as safe HTML: escaped, in paragraphs, bare links made `nofollow ugc`.
    pub html: String,
    /// The text as written (plain text: escape it before showing).
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentPage {
    pub items: Vec<PublicComment>,
    pub next_cursor: Option<String>,
    /// The article they are about, for the caches.
    #[serde(skip)]
    pub article_id: i64,
}

pub fn avatar_hash(email: &str) -> String {
    hex(&Sha256::digest(email.trim().to_lowercase().as_bytes()))
}

pub fn public_comment(row: &CommentRow) -> PublicComment {
    PublicComment {
        id: row.id,
        parent_id: row.parent_id,
        depth: row.depth,
        author_name: row.author_name.clone(),
        author_url: row.author_url.clone(),
        avatar_hash: avatar_hash(&row.author_email),
        created_at: utc(row.created_at),
        html: comment_html(&row.body),
        text: row.body.clone(),
    }
}

pub(crate) fn text_hash(text: &str) -> String {
    let normalised: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    hex(&Sha256::digest(normalised.as_bytes()))
}

pub(crate) fn cursor_of(row: &CommentRow) -> String {
    TimeCursor {
        at: row.created_at,
        id: row.id,
    }
    .encode(Kind::Comment)
}

/// The cursor of the position after `c` in its thread.
pub fn cursor_at(c: &PublicComment) -> String {
    TimeCursor {
        at: c.created_at.naive_utc(),
        id: c.id,
    }
    .encode(Kind::Comment)
}

pub(crate) fn decode_cursor(raw: &str) -> Option<(NaiveDateTime, i64)> {
    TimeCursor::decode(Kind::Comment, raw).map(|c| (c.at, c.id))
}

type Limiter = Option<DefaultKeyedRateLimiter<String>>;

fn limiter(per: u32, quota: fn(NonZeroU32) -> Quota) -> Limiter {
    NonZeroU32::new(per).map(|n| RateLimiter::keyed(quota(n)))
}

/// Submission limits per client address and per email.
struct Limits {
    ip_minute: Limiter,
    ip_hour: Limiter,
    email_minute: Limiter,
    email_hour: Limiter,
}

impl Limits {
    fn new(s: &settings::RateLimits) -> Limits {
        Limits {
            ip_minute: limiter(s.per_ip_per_minute, Quota::per_minute),
            ip_hour: limiter(s.per_ip_per_hour, Quota::per_hour),
            email_minute: limiter(s.per_email_per_minute, Quota::per_minute),
            email_hour: limiter(s.per_email_per_hour, Quota::per_hour),
        }
    }

    /// Forgets addresses and emails whose quota has refilled.
    fn prune(&self) {
        for l in [
            &self.ip_minute,
            &self.ip_hour,
            &self.email_minute,
            &self.email_hour,
        ]
        .into_iter()
        .flatten()
        {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    fn check(&self, ip: Option<&str>, email: &str) -> Result<(), AppError> {
        use governor::clock::{Clock, DefaultClock};
        let checks = [
            (&self.ip_minute, ip),
            (&self.ip_hour, ip),
            (&self.email_minute, Some(email)),
            (&self.email_hour, Some(email)),
        ];
        for (limiter, key) in checks {
            if let (Some(l), Some(key)) = (limiter, key)
                && let Err(not_until) = l.check_key(&key.to_owned())
            {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(AppError::RateLimited {
                    retry_after_seconds: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }
}

/// The public side of comments.
#[derive(Clone)]
pub struct CommentService {
    db: Db,
    content: ContentService,
    settings: Arc<CommentSettings>,
    signer: Signer,
    limits: Arc<Limits>,
    http: reqwest::Client,
}

impl CommentService {
    pub fn new(db: Db, content: ContentService, settings: CommentSettings, key: [u8; 32]) -> CommentService {
        CommentService {
            db,
            content,
            limits: Arc::new(Limits::new(&settings.rate_limits)),
            settings: Arc::new(settings),
            signer: Signer::new(key),
            http: reqwest::Client::new(),
        }
    }

    pub fn settings(&self) -> &CommentSettings {
        &self.settings
    }

    async fn article(&self, slug: &str) -> Result<Arc<Article>, AppError> {
        self.content
            .article(ArticleLookup::slug(slug))
            .await?
            .ok_or_else(|| AppError::not_found("article", format!("with slug {slug:?}")))
    }

    fn closes_at(&self, article: &Article) -> Option<NaiveDateTime> {
        let days = self.settings.period_days?;
        Some(article.summary.published_at.naive_utc() + Duration::days(i64::from(days)))
    }

    fn is_open(&self, article: &Article, now: NaiveDateTime) -> bool {
        article.summary.comment_status == Discussion::Open && self.closes_at(article).is_none_or(|t| now < t)
    }

    /// The form of one public article, with a fresh token when it is open.
    pub async fn form(&self, slug: &str) -> Result<CommentForm, AppError> {
        let bundle = self.article(slug).await?;
        let now = self.content.now();
        let open = self.is_open(&bundle, now);
        let s = &self.settings;
        let field = |name: &str, kind: &str, text: &FieldText, required: bool| {
            let mut messages = HashMap::new();
            if required {
                messages.insert("required".to_owned(), text.required.clone());
            }
            messages.insert("too_long".to_owned(), text.too_long.clone());
            if matches!(kind, "email" | "url" | "hidden") {
                messages.insert("invalid".to_owned(), text.invalid.clone());
            }
            FormField {
                name: name.to_owned(),
                r#type: kind.to_owned(),
                label: text.label.clone(),
                placeholder: text.placeholder.clone(),
                required,
                max_length: text.max_length,
                messages,
                value: None,
            }
        };
        let token = open.then(|| self.signer.form_token(bundle.summary.id, now));
        let hidden = |name: &str, value: String, required: bool| FormField {
            name: name.to_owned(),
            r#type: "hidden".into(),
            label: String::new(),
            placeholder: String::new(),
            required,
            max_length: value.len().max(200),
            messages: HashMap::new(),
            value: Some(value),
        };
        let mut fields = vec![
            field("comment", "textarea", &s.fields.comment, true),
            field("name", "text", &s.fields.name, true),
            field("email", "email", &s.fields.email, true),
            field("website", "url", &s.fields.website, false),
            field("parent_id", "hidden", &s.fields.parent_id, false),
        ];
        if let Some(token) = &token {
            fields.push(hidden("form_token", token.clone(), true));
        }
        fields.push(hidden(&s.honeypot_field, String::new(), false));
        Ok(CommentForm {
            article: bundle.summary.slug.clone(),
            open,
            closes_at: self.closes_at(&bundle).map(utc),
            title: s.form.title.clone(),
            submit_label: s.form.submit_label.clone(),
            closed_message: s.form.closed_message.clone(),
            action: format!(
                "/v1/articles/{}/comments",
                crate::content::slug::encode(&bundle.summary.slug)
            ),
            method: "POST".into(),
            enctype: "application/x-www-form-urlencoded".into(),
            fields,
            token,
            honeypot_field: s.honeypot_field.clone(),
            max_depth: s.max_depth,
            idempotency_header: "Idempotency-Key".into(),
        })
    }

    /// Takes one submission. Answers only once the comment is committed.
    pub async fn submit(&self, slug: &str, sub: Submission, client: Client) -> Result<Accepted, AppError> {
        let bundle = self.article(slug).await?;
        let now = self.content.now();
        if !self.is_open(&bundle, now) {
            return Err(AppError::CommentsClosed(
                self.settings.form.closed_message.clone(),
            ));
        }
        let article_id = bundle.summary.id;
        let key = match sub.idempotency_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) if k.len() > MAX_IDEMPOTENCY_KEY || k.chars().any(char::is_control) => {
                return Err(AppError::invalid(
                    "Idempotency-Key",
                    format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters"),
                ));
            }
            Some(k) => Some(k.to_owned()),
        };
        let fields = self.validate_fields(&sub)?;
        let request_hash = hex(&Sha256::digest(
            serde_json::json!([
                article_id,
                fields.comment,
                fields.name,
                fields.email,
                fields.website,
                fields.parent_id
            ])
            .to_string()
            .as_bytes(),
        ));
        if let Some(k) = &key {
            let found = self.db.run({
                let k = k.clone();
                move |c| Ok(q::by_idempotency_key(c, &k)?)
            });
            if let Some(first) = found.await? {
                return self.replay(first, &request_hash);
            }
        }
        let ip_hash = client.ip.map(|ip| self.signer.address_hash(ip));
        self.limits.check(ip_hash.as_deref(), &fields.email)?;

        let suspect = Suspect {
            honeypot: sub.honeypot.as_deref(),
            comment: &fields.comment,
            name: &fields.name,
            email: &fields.email,
            website: fields.website.as_deref(),
            ip: client.ip,
        };
        let mut reason = spam::local_layers(&suspect, &self.settings).or_else(|| {
            self.signer
                .check_token(sub.form_token.as_deref(), article_id, now, &self.settings)
        });
        if reason.is_none()
            && let Some(checker) = &self.settings.checker
        {
            reason = spam::external_check(
                &self.http,
                checker,
                &suspect,
                &client.user_agent,
                &bundle.summary.slug,
            )
            .await;
        }

        let settings = self.settings.clone();
        let hash = text_hash(&fields.comment);
        let user_agent =
            (!client.user_agent.is_empty()).then(|| client.user_agent.chars().take(500).collect());
        let hash_in = request_hash.clone();
        let result = self
            .db
            .run(move |c| {
                let depth = match fields.parent_id {
                    Some(pid) => q::by_id(c, pid)?
                        .filter(|p| p.article_id == article_id && p.status == CommentStatus::Approved)
                        .filter(|p| p.depth + 1 < settings.max_depth)
                        .map(|p| p.depth + 1)
                        .ok_or_else(|| {
                            AppError::field("parent_id", "invalid", settings.fields.parent_id.invalid.clone())
                        })?,
                    None => 0,
                };
                let window = now - Duration::hours(settings.duplicate_window_hours);
                if reason.is_none() && q::has_duplicate(c, article_id, &hash, window)? {
                    reason = Some("duplicate");
                }
                let status = match (reason, settings.moderation) {
                    (Some(_), _) => CommentStatus::Spam,
                    (None, Moderation::Never) => CommentStatus::Approved,
                    (None, Moderation::FirstTime) if q::has_approved(c, &fields.email)? => {
                        CommentStatus::Approved
                    }
                    (None, _) => CommentStatus::Pending,
                };
                // Spam is answered as pending: a spammer learns nothing from the answer.
                let answered = if status == CommentStatus::Approved {
                    CommentStatus::Approved
                } else {
                    CommentStatus::Pending
                };
                let row = NewComment {
                    article_id,
                    parent_id: fields.parent_id,
                    depth,
                    status,
                    author_name: fields.name,
                    author_email: fields.email,
                    author_url: fields.website,
                    body: fields.comment,
                    text_hash: hash,
                    ip_hash,
                    user_agent,
                    spam_reason: reason.map(str::to_owned),
                    idempotency_key: key.clone(),
                    answered_status: answered,
                    request_hash: hash_in,
                    created_at: now,
                    updated_at: now,
                };
                match c.transaction(|c| Ok::<_, AppError>(q::insert(c, &row)?)) {
                    Ok(id) => Ok(Ok((id, answered))),
                    // The same key raced in from a retry: the first one won.
                    Err(AppError::Internal(e))
                        if matches!(
                            e.downcast_ref::<DieselError>(),
                            Some(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
                        ) && key.is_some() =>
                    {
                        let first = q::by_idempotency_key(c, key.as_deref().unwrap_or_default())?
                            .ok_or_else(|| AppError::internal(e))?;
                        Ok(Err(first))
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        match result {
            Ok((id, status)) => {
                if status == CommentStatus::Approved {
                    self.content
                        .changed(crate::service::Change::Comments(vec![article_id]));
                }
                Ok(self.accepted(id, status))
            }
            Err(first) => self.replay(first, &request_hash),
        }
    }

    fn accepted(&self, id: i64, status: CommentStatus) -> Accepted {
        let form = &self.settings.form;
        Accepted {
            id,
            status,
            message: if status == CommentStatus::Approved {
                form.approved_message.clone()
            } else {
                form.pending_message.clone()
            },
        }
    }

    fn replay(&self, first: CommentRow, request_hash: &str) -> Result<Accepted, AppError> {
        if first.request_hash != request_hash {
            return Err(AppError::KeyReused(
                "this Idempotency-Key was used for a different submission; use a new key for a new comment"
                    .into(),
            ));
        }
        Ok(self.accepted(first.id, first.answered_status))
    }

    /// Every field checked at once; each error carries the form's own message.
    fn validate_fields(&self, sub: &Submission) -> Result<Valid, AppError> {
        let f = &self.settings.fields;
        let mut errors = Vec::new();
        let mut text = |name: &str, value: &Option<String>, spec: &FieldText, required: bool| {
            let raw = value.as_deref().unwrap_or_default();
            // Free text loses its control characters; in a name or an address one is a
            // mistake to report.
            let raw = if name == "comment" {
                controls::strip(raw)
            } else {
                if let Some(c) = controls::forbidden_in(raw) {
                    errors.push(FieldError::new(
                        name,
                        "control_character",
                        controls::message(name, c),
                    ));
                }
                raw.to_owned()
            };
            let v = raw.trim().to_owned();
            if v.is_empty() {
                if required {
                    errors.push(FieldError::new(name, "required", spec.required.clone()));
                }
            } else if v.chars().count() > spec.max_length {
                errors.push(FieldError::new(name, "too_long", spec.too_long.clone()));
            }
            v
        };
        let comment = text("comment", &sub.comment, &f.comment, true);
        let name = text("name", &sub.name, &f.name, true);
        // Addresses differ only in case in practice: one commenter, one first-time check,
        // one rate limit, one avatar.
        let email = text("email", &sub.email, &f.email, true).to_lowercase();
        let website = text("website", &sub.website, &f.website, false);
        let parent = text("parent_id", &sub.parent_id, &f.parent_id, false);
        if !email.is_empty()
            && !errors.iter().any(|e| e.field == "email")
            && !email_address::EmailAddress::is_valid(&email)
        {
            errors.push(FieldError::new("email", "invalid", f.email.invalid.clone()));
        }
        if !website.is_empty() && !errors.iter().any(|e| e.field == "website") && !is_web_address(&website) {
            errors.push(FieldError::new("website", "invalid", f.website.invalid.clone()));
        }
        let parent_id = match parent.as_str() {
            "" | "0" => None,
            raw => match raw.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    if !errors.iter().any(|e| e.field == "parent_id") {
                        errors.push(FieldError::new(
                            "parent_id",
                            "invalid",
                            f.parent_id.invalid.clone(),
                        ));
                    }
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Valid {
            comment,
            name,
            email,
            website: (!website.is_empty()).then_some(website),
            parent_id,
        })
    }

    /// Approved comments of a public article, oldest first; replies carry their parent.
    pub async fn thread(
        &self,
        slug_or_id: ArticleLookup,
        shape: Threading,
        limit: Option<i64>,
        cursor: Option<&str>,
        names: (&str, &str),
    ) -> Result<CommentPage, AppError> {
        let (limit_name, cursor_name) = names;
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::invalid(
                limit_name,
                format!("{limit_name} must be between 1 and {MAX_PAGE}, got {limit}"),
            ));
        }
        let after = match cursor {
            Some(raw) => Some(decode_cursor(raw).ok_or_else(|| {
                AppError::invalid(
                    cursor_name,
                    format!("{cursor_name} is not a cursor this API issued"),
                )
            })?),
            None => None,
        };
        let bundle = self
            .content
            .article(slug_or_id.clone())
            .await?
            .ok_or_else(|| AppError::not_found("article", slug_or_id.describe()))?;
        let article_id = bundle.summary.id;
        let mut rows = self
            .db
            .run(move |c| {
                Ok(q::approved_page(
                    c,
                    article_id,
                    after,
                    limit + 1,
                    shape == Threading::TopLevel,
                )?)
            })
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok(CommentPage {
            article_id,
            next_cursor: more.then(|| rows.last().map(cursor_of)).flatten(),
            items: rows.iter().map(public_comment).collect(),
        })
    }

    /// Deletes hashed addresses past the retention; runs hourly.
    pub async fn forget_old_addresses(&self) -> Result<usize, AppError> {
        let before = self.content.now() - Duration::days(self.settings.ip_retention_days);
        self.db.run(move |c| Ok(q::forget_addresses(c, before)?)).await
    }

    /// Forgets the rate-limit state of clients back to a full quota.
    pub fn prune_limits(&self) {
        self.limits.prune();
    }

    pub fn spawn_retention(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match this.forget_old_addresses().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(comments = n, "forgot client addresses past retention"),
                    Err(e) => {
                        tracing::warn!(error = %e, "client addresses not forgotten; retrying in an hour")
                    }
                }
            }
        })
    }
}

/// Reads of published comments that GraphQL batches across articles and comments.
impl ContentService {
    /// Approved replies of many comments, oldest first, by parent.
    pub async fn comment_replies(
        &self,
        parents: Vec<i64>,
    ) -> Result<HashMap<i64, Vec<PublicComment>>, AppError> {
        let rows = self
            .db()
            .run(move |c| Ok(q::approved_replies(c, &parents)?))
            .await?;
        let mut out: HashMap<i64, Vec<PublicComment>> = HashMap::new();
        for row in &rows {
            if let Some(p) = row.parent_id {
                out.entry(p).or_default().push(public_comment(row));
            }
        }
        Ok(out)
    }

    /// Approved comments per article.
    pub async fn comment_counts(&self, article_ids: Vec<i64>) -> Result<HashMap<i64, i64>, AppError> {
        let rows = self
            .db()
            .run(move |c| Ok(q::approved_counts(c, &article_ids)?))
            .await?;
        Ok(rows.into_iter().collect())
    }
}

struct Valid {
    comment: String,
    name: String,
    email: String,
    website: Option<String>,
    parent_id: Option<i64>,
}

fn is_web_address(raw: &str) -> bool {
    url::Url::parse(raw)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
}
