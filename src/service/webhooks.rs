//! Webhooks: admins register endpoints, and every article event of the change log that an
//! endpoint asked for is delivered to it as a signed Standard Webhooks message
//! (<https://www.standardwebhooks.com>): `webhook-id`, `webhook-timestamp` and
//! `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the
//! endpoint's `whsec_` secret).
//!
//! Delivery is at least once, from the database: each endpoint remembers how far in the
//! change log it has been given events, and the deliveries made from there wait in an
//! outbox table until an attempt succeeds. A server takes a delivery by stamping it
//! `locked_until`; one that dies mid-request lets it go when that passes, and another (or
//! the same, restarted) sends it again with the same `webhook-id`. Failed attempts are
//! retried with exponential backoff and jitter for `retry_for`; an endpoint on which every
//! attempt has failed for `disable_after` is disabled, with the reason.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sync::{ArticleEvent, EventFilter};
use super::{ContentService, utc};
use crate::content::status::{DeliveryStatus, EventKind};
use crate::db::webhooks::{self as q, Claimed, DeliveryRow, NewDelivery, WebhookRow};
use crate::error::{AppError, FieldError};

/// The event types an endpoint can ask for: the article events of the event stream.
pub const EVENT_TYPES: [&str; 4] = [
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.deleted",
];

fn event_type(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Published => EVENT_TYPES[0],
        EventKind::Updated => EVENT_TYPES[1],
        EventKind::Unpublished => EVENT_TYPES[2],
        EventKind::Deleted => EVENT_TYPES[3],
    }
}

fn event_kind(name: &str) -> Option<EventKind> {
    EventKind::ALL.iter().copied().find(|k| event_type(*k) == name)
}

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// How long one attempt may take.
    pub timeout: Duration,
    /// The wait before the first retry; doubled after each failure, with jitter.
    pub first_retry: Duration,
    /// The longest wait between two attempts.
    pub max_retry_wait: Duration,
    /// How long a delivery is retried before it is given up.
    pub retry_for: Duration,
    /// How long every attempt to an endpoint may fail before it is disabled.
    pub disable_after: Duration,
    /// Whether endpoints may be on loopback, private or link-local addresses (a test, or a
    /// receiver inside the newsroom's network); off, an admin cannot point the server at
    /// its own network.
    pub allow_private: bool,
    /// Attempts in flight at once.
    pub in_flight: usize,
    /// How often the change log and the outbox are looked at (this server's own writes are
    /// looked at at once).
    pub poll: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            timeout: Duration::from_secs(10),
            first_retry: Duration::from_secs(5),
            max_retry_wait: Duration::from_secs(6 * 3600),
            retry_for: Duration::from_secs(3 * 86_400),
            disable_after: Duration::from_secs(5 * 86_400),
            allow_private: false,
            in_flight: 16,
            poll: Duration::from_millis(250),
        }
    }
}

/// A webhook endpoint as admins see it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// The event types it is sent, e.g. `article.published`.
    pub events: Vec<String>,
    /// Only articles filed under this section (by slug) or below; null: every section.
    pub section: Option<String>,
    /// Whether deliveries are made; off when an admin turned it off or it kept failing.
    pub enabled: bool,
    /// Why it was disabled, when it was disabled for failing.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; null while it answers.
    #[graphql(skip)]
    pub failing_since: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    pub updated_at: DateTime<Utc>,
}

/// A new (or rotated) endpoint secret, shown this once: verify signatures with it.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct CreatedWebhook {
    /// `whsec_` and the base64 key, as Standard Webhooks libraries take it.
    pub secret: String,
    pub webhook: WebhookView,
}

/// One message to one endpoint, with how its attempts went.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct DeliveryView {
    pub id: i64,
    /// The `webhook-id` header, the same on every attempt.
    pub message_id: String,
    pub event_type: String,
    #[graphql(skip)]
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The status code of the last attempt's answer, if one came.
    pub response_status: Option<i32>,
    /// What went wrong with the last attempt.
    pub last_error: Option<String>,
    /// When it is tried next, while pending.
    #[graphql(skip)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    pub finished_at: Option<DateTime<Utc>>,
    /// The body sent: `{"type", "timestamp", "data"}`.
    #[schema(value_type = Object)]
    #[graphql(skip)]
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<DeliveryView>,
    /// Pass as `before` for older deliveries; null at the oldest.
    pub next_before: Option<i64>,
}

/// The body of every message, as Standard Webhooks lays it out.
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: DateTime<Utc>,
    data: &'a ArticleEvent,
}

pub(crate) fn view(row: WebhookRow, section: Option<String>) -> WebhookView {
    WebhookView {
        id: row.id,
        url: row.url,
        description: row.description,
        events: row
            .events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        section,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since.map(utc),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

pub(crate) fn delivery_view(row: DeliveryRow) -> DeliveryView {
    let status: DeliveryStatus = row.status.parse().unwrap_or(DeliveryStatus::Pending);
    DeliveryView {
        id: row.id,
        message_id: row.message_id,
        event_type: row.event_type,
        status,
        attempts: row.attempts,
        response_status: row.response_status,
        last_error: row.last_error,
        next_attempt_at: (status == DeliveryStatus::Pending).then(|| utc(row.next_attempt_at)),
        created_at: utc(row.created_at),
        finished_at: row.finished_at.map(utc),
        payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
    }
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub(crate) fn new_secret() -> String {
    use base64::Engine;
    let key: [u8; 32] = rand::random();
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(key))
}

/// The `webhook-signature` of a message: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` keyed by the secret's bytes.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Result<String, AppError> {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| AppError::internal(anyhow::anyhow!("a webhook secret is not base64: {e}")))?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(AppError::internal)?;
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", engine.encode(mac.finalize().into_bytes())))
}

/// Checks an endpoint URL: absolute http(s), and, unless `allow_private`, not on this
/// machine or a private network (the names are resolved again at each attempt).
pub(crate) fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, FieldError> {
    let bad = |detail: &str| FieldError::new("url", "invalid", detail);
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("Give an absolute http or https URL."))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("Give an absolute http or https URL."));
    }
    let private = match url.host() {
        None => return Err(bad("Give an absolute http or https URL.")),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
    };
    if private && !allow_private {
        return Err(bad(
            "The endpoint is on this machine or a private network, which this server does not call (see --webhooks-allow-private).",
        ));
    }
    Ok(url)
}

/// Whether an address is on the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            !(ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 224)
        }
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = ip.segments()[0];
                !(ip.is_loopback()
                    || ip.is_unspecified()
                    || ip.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// Resolves endpoint names to public addresses only: a name that an attacker points at
/// 127.0.0.1 after registering it is refused at the attempt.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The event types named in an endpoint's input, checked; all of them when none are named.
pub(crate) fn check_events(given: Option<&[String]>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let Some(given) = given else {
        return EVENT_TYPES.map(String::from).to_vec();
    };
    if given.is_empty() {
        errors.push(FieldError::new(
            "events",
            "required",
            "Name at least one event type, or leave events out for all of them.",
        ));
    }
    for (i, name) in given.iter().enumerate() {
        if event_kind(name).is_none() {
            errors.push(FieldError::new(
                format!("events[{i}]"),
                "unknown",
                format!(
                    "Unknown event type {name:?}; the types are {}.",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
    }
    let mut events: Vec<String> = EVENT_TYPES
        .iter()
        .filter(|t| given.iter().any(|g| g == *t))
        .map(|t| t.to_string())
        .collect();
    events.dedup();
    events
}

impl ContentService {
    /// Runs for the life of the server: turns new change log events into deliveries, and
    /// sends the deliveries that are due.
    pub async fn deliver_webhooks(self, settings: WebhookSettings) {
        let mut client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Masthead-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !settings.allow_private {
            client = client.dns_resolver(Arc::new(PublicOnly));
        }
        let client = client.build().unwrap_or_default();
        let settings = Arc::new(settings);
        let slots = Arc::new(tokio::sync::Semaphore::new(settings.in_flight.max(1)));
        // Whether any endpoint is enabled, looked at again every few seconds (another
        // server's admin) and at once after an admin here changed one: with none, nothing
        // else is read, however often content changes.
        let recheck = settings.poll * 8;
        let mut any: Option<(bool, std::time::Instant)> = None;
        loop {
            let stale = any.is_none_or(|(_, at)| at.elapsed() >= recheck);
            if stale
                || self
                    .endpoints_changed
                    .swap(false, std::sync::atomic::Ordering::Relaxed)
            {
                match self.db.run(|c| Ok(q::any_enabled(c)?)).await {
                    Ok(found) => any = Some((found, std::time::Instant::now())),
                    Err(e) => tracing::warn!(error = %e, "webhook endpoints not read; trying again"),
                }
            }
            if any.is_some_and(|(found, _)| found) {
                self.webhooks_step(&client, &settings, &slots).await;
            }
            self.next_change(settings.poll).await;
        }
    }

    /// Turns new events into deliveries and starts the attempts that are due.
    async fn webhooks_step(
        &self,
        client: &reqwest::Client,
        settings: &Arc<WebhookSettings>,
        slots: &Arc<tokio::sync::Semaphore>,
    ) {
        if let Err(e) = self.enqueue_webhooks().await {
            tracing::warn!(error = %e, "webhook events not read; trying again");
        }
        let free = slots.available_permits();
        if free == 0 {
            return;
        }
        match self.claim_deliveries(free, settings).await {
            Ok(claimed) => {
                for delivery in claimed {
                    let Ok(slot) = slots.clone().acquire_owned().await else {
                        return;
                    };
                    let (this, client, settings) = (self.clone(), client.clone(), settings.clone());
                    tokio::spawn(async move {
                        this.attempt(&client, &settings, delivery).await;
                        drop(slot);
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "webhook deliveries not read; trying again"),
        }
    }

    /// Tells the dispatcher that an admin here changed an endpoint or a delivery.
    pub(crate) fn endpoints_changed(&self) {
        self.endpoints_changed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.wake();
    }

    /// Makes the deliveries of every enabled endpoint from where it stands in the log.
    async fn enqueue_webhooks(&self) -> Result<(), AppError> {
        let (hooks, last) = self
            .db
            .run(|c| Ok((q::enabled(c)?, crate::db::changes::last(c)?)))
            .await?;
        let hooks: Vec<WebhookRow> = hooks.into_iter().filter(|h| h.after_seq < last).collect();
        if hooks.is_empty() {
            return Ok(());
        }
        let tree = self.section_tree().await?;
        for hook in hooks {
            let filter = EventFilter {
                types: hook.events.split(',').filter_map(event_kind).collect(),
                sections: hook.section_id.map(|id| tree.with_descendants(id)),
            };
            let (events, mut reached) = self.events_after(hook.after_seq, &filter, 100).await?;
            if reached == hook.after_seq {
                // Nothing after it but entries that are not events: every entry up to `last`
                // had committed when `last` was read, so none can come in between.
                reached = last;
            }
            let now = self.now();
            let mut deliveries = Vec::with_capacity(events.len());
            for event in &events {
                let kind = event_type(event.kind);
                let payload = serde_json::to_string(&Envelope {
                    kind,
                    timestamp: event.at,
                    data: event,
                })
                .map_err(AppError::internal)?;
                deliveries.push(NewDelivery {
                    webhook_id: hook.id,
                    seq: event.id,
                    message_id: format!("msg_{}_{}", hook.id, event.id),
                    event_type: kind.to_owned(),
                    payload,
                    status: DeliveryStatus::Pending.as_str(),
                    attempts: 0,
                    next_attempt_at: now,
                    retry_from: now,
                    created_at: now,
                });
            }
            let (id, from) = (hook.id, hook.after_seq);
            self.db
                .run(move |c| {
                    c.transaction(|c| {
                        // Another server moved it first: it made these deliveries.
                        if q::advance(c, id, from, reached)? {
                            q::enqueue(c, &deliveries)?;
                        }
                        Ok(())
                    })
                })
                .await?;
        }
        Ok(())
    }

    async fn claim_deliveries(
        &self,
        at_most: usize,
        settings: &WebhookSettings,
    ) -> Result<Vec<Claimed>, AppError> {
        let now = self.now();
        // Held past the attempt's own timeout, so that only a server that died lets it go.
        let hold = chrono::TimeDelta::from_std(settings.timeout * 2 + Duration::from_secs(1))
            .unwrap_or(chrono::TimeDelta::MAX);
        self.db
            .run(move |c| Ok(q::claim(c, now, now + hold, at_most as i64)?))
            .await
    }

    /// Sends one delivery and records how it went.
    async fn attempt(&self, client: &reqwest::Client, settings: &WebhookSettings, delivery: Claimed) {
        // Receivers compare the timestamp with their own clock: the system's, not a test's.
        let timestamp = Utc::now().timestamp();
        let outcome = match sign(
            &delivery.secret,
            &delivery.message_id,
            timestamp,
            &delivery.payload,
        ) {
            Ok(signature) => client
                .post(&delivery.url)
                .header("webhook-id", &delivery.message_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(delivery.payload.clone())
                .send()
                .await
                .map_err(|e| e.without_url().to_string()),
            Err(e) => Err(e.to_string()),
        };
        let (status, error) = match outcome {
            Ok(answer) if answer.status().is_success() => (Some(answer.status().as_u16() as i32), None),
            Ok(answer) => (
                Some(answer.status().as_u16() as i32),
                Some(format!("answered {}", answer.status())),
            ),
            Err(e) => (None, Some(e)),
        };
        let now = self.now();
        let record = self
            .record_attempt(settings, &delivery, status, error.clone(), now)
            .await;
        match (record, error) {
            (Err(e), _) => {
                tracing::warn!(error = %e, delivery = delivery.id, "a webhook attempt was not recorded; it will be made again")
            }
            (Ok(()), None) => tracing::debug!(delivery = delivery.id, "webhook delivered"),
            (Ok(()), Some(error)) => {
                tracing::info!(delivery = delivery.id, attempt = delivery.attempts, %error, "webhook attempt failed")
            }
        }
    }

    async fn record_attempt(
        &self,
        settings: &WebhookSettings,
        delivery: &Claimed,
        status: Option<i32>,
        error: Option<String>,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        let delta = |d: Duration| chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX);
        let (id, hook) = (delivery.id, delivery.webhook_id);
        let Some(error) = error else {
            return self
                .db
                .run(move |c| {
                    c.transaction(|c| {
                        q::finish(c, id, DeliveryStatus::Delivered, status, None, now, now)?;
                        q::update(
                            c,
                            hook,
                            &q::WebhookChanges {
                                failing_since: Some(None),
                                ..Default::default()
                            },
                        )?;
                        Ok(())
                    })
                })
                .await;
        };
        let given_up = now - delivery.retry_from >= delta(settings.retry_for);
        let exponent = delivery.attempts.clamp(1, 30) as u32 - 1;
        let wait = settings
            .first_retry
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(settings.max_retry_wait)
            .mul_f64(rand::random_range(0.5..1.5));
        let next = now + delta(wait);
        let disable_after = delta(settings.disable_after);
        self.db
            .run(move |c| {
                c.transaction(|c| {
                    let state = if given_up {
                        DeliveryStatus::Failed
                    } else {
                        DeliveryStatus::Pending
                    };
                    q::finish(c, id, state, status, Some(&error), next, now)?;
                    let Some(row) = q::get(c, hook)? else {
                        return Ok(());
                    };
                    let since = row.failing_since.unwrap_or(now);
                    let mut changes = q::WebhookChanges {
                        failing_since: Some(Some(since)),
                        ..Default::default()
                    };
                    if row.enabled && now - since >= disable_after {
                        changes.enabled = Some(false);
                        changes.disabled_reason = Some(Some(format!(
                            "Every delivery has failed since {}; the last: {error}.",
                            utc(since).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        )));
                        changes.updated_at = Some(now);
                        tracing::warn!(webhook = hook, %error, "webhook endpoint disabled: it kept failing");
                    }
                    q::update(c, hook, &changes)?;
                    Ok(())
                })
            })
            .await
    }
}

/// What an admin sends to register an endpoint.
#[derive(Debug, Clone, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where deliveries are POSTed (http or https).
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Event types to send (see `article.*`); all of them when left out.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// Only articles filed under this section (slug) or below.
    #[serde(default)]
    pub section: Option<String>,
}

/// What an admin changes on an endpoint; what is left out stays.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, async_graphql::InputObject)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// A section slug; an empty string for every section.
    #[serde(default)]
    pub section: Option<String>,
    /// Turns deliveries on or off. Turned back on, an endpoint is sent what happens from
    /// then on (what happened while it was off is not sent), and what was waiting.
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_the_one_the_standard_webhooks_spec_gives() {
        // The example of the Standard Webhooks specification (and its libraries' tests).
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .expect("signed");
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        for raw in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:192.168.0.1]/",
            "ftp://example.com/",
            "not a url",
        ] {
            assert!(check_url(raw, false).is_err(), "{raw}");
        }
        assert!(check_url("https://hooks.example.com/masthead", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/", true).is_err());
    }
}
