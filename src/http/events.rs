//! Server-Sent Events: what readers saw happen to articles, as it happens, from the change
//! log. Event ids are log positions, so a client that reconnects with `Last-Event-ID`
//! (browsers' EventSource does it by itself) misses nothing the log still holds.

use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::Bytes;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, params};
use crate::content::status::EventKind;
use crate::error::{AppError, Problem};
use crate::service::ContentService;
use crate::service::sync::EventFilter;

/// A comment line this often keeps proxies from closing a quiet stream.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a quiet stream waits before looking at the log again (other servers' writes).
const POLL: Duration = Duration::from_secs(1);
/// Events read from the log at a time: a slow reader is sent no more than it takes.
const BATCH: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Comma-separated: `published`, `updated`, `unpublished`, `deleted`; all by default.
    #[param(example = "published,updated")]
    types: Option<String>,
    /// Only articles of this section and its sub-sections (for `published` and `updated`).
    section: Option<String>,
}

/// Article events as Server-Sent Events (`text/event-stream`): `event:` is the type, `id:`
/// the position to resume after (`Last-Event-ID`), `data:` the event as JSON; a comment
/// line every 15 seconds when nothing happens.
#[utoipa::path(
    operation_id = "streamEvents",
    tag = "articles",
    params(EventParams, ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "An endless stream of events", content_type = "text/event-stream"),
        (status = 400, description = "An unknown event type or section, or a bad Last-Event-ID", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/events")]
pub async fn events(
    req: HttpRequest,
    content: Content,
    query: web::Query<EventParams>,
) -> Result<HttpResponse, AppError> {
    let p = query.into_inner();
    let mut filter = EventFilter::default();
    if let Some(types) = params::given("types", &p.types)? {
        for kind in types.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            let kind: EventKind = kind.parse().map_err(|_| {
                AppError::invalid(
                    "types",
                    format!("types are published, updated, unpublished or deleted, not {kind:?}"),
                )
            })?;
            filter.types.push(kind);
        }
    }
    if let Some(section) = params::slug(&p.section) {
        let tree = content.section_tree().await?;
        filter.sections = tree
            .scope(Some(&section))
            .map_err(|_| AppError::invalid("section", format!("there is no section {section:?}")))?;
    }
    let start = match req.headers().get("last-event-id") {
        Some(raw) => raw
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| *v >= 0)
            .ok_or_else(|| {
                AppError::invalid("Last-Event-ID", "Last-Event-ID is an event id this stream sent")
            })?,
        None => content.last_event_id().await?,
    };
    let stream = Stream {
        content: content.get_ref().clone(),
        filter,
        position: start,
        quiet_since: Instant::now(),
        opened: false,
    };
    let body = futures_util::stream::unfold(stream, |mut s| async move {
        let chunk = s.next().await;
        Some((chunk, s))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Compressing would hold events back until a block fills.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        // nginx would otherwise hold events back to fill its buffer.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}

struct Stream {
    content: ContentService,
    filter: EventFilter,
    position: i64,
    quiet_since: Instant,
    opened: bool,
}

impl Stream {
    /// The next bytes to send: events, or a heartbeat when it has been quiet.
    async fn next(&mut self) -> Result<Bytes, AppError> {
        if !self.opened {
            self.opened = true;
            // Tell EventSource how soon to reconnect.
            return Ok(Bytes::from_static(b"retry: 3000\n\n"));
        }
        loop {
            let (batch, reached) = match self
                .content
                .events_after(self.position, &self.filter, BATCH)
                .await
            {
                Ok(read) => read,
                // A busy or restarting database: the listener keeps its stream and gets
                // the events once it answers again.
                Err(e) => {
                    tracing::warn!(error = %e, "events not read; trying again");
                    tokio::time::sleep(POLL).await;
                    continue;
                }
            };
            self.position = reached;
            if !batch.is_empty() {
                self.quiet_since = Instant::now();
                let mut out = String::new();
                for event in batch {
                    let data = serde_json::to_string(&event).map_err(AppError::internal)?;
                    out.push_str(&format!(
                        "id: {}\nevent: {}\ndata: {data}\n\n",
                        event.id, event.kind
                    ));
                }
                return Ok(Bytes::from(out));
            }
            if self.quiet_since.elapsed() >= HEARTBEAT {
                self.quiet_since = Instant::now();
                return Ok(Bytes::from_static(b": heartbeat\n\n"));
            }
            self.content.next_change(POLL).await;
        }
    }
}
