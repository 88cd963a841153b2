//! Server-Sent Events: what readers saw happen to articles, as it happens, from the change
//! log. Event ids are log positions, so a client that reconnects with `Last-Event-ID`
//! (browsers' EventSource does it by itself) misses nothing the log still holds.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::Bytes;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Content, params};
use crate::content::status::EventKind;
use crate::error::{AppError, Problem};
use crate::service::sync::{EventFilter, Tick};

/// A comment line this often keeps proxies from closing a quiet stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

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
    use futures_util::StreamExt;
    // Tell EventSource how soon to reconnect, then the events as they come.
    let opening =
        futures_util::stream::once(async { Ok::<_, AppError>(Bytes::from_static(b"retry: 3000\n\n")) });
    let events = content
        .event_stream(filter, start, HEARTBEAT)
        .map(|tick| match tick {
            Tick::Event(event) => {
                let data = serde_json::to_string(&event).map_err(AppError::internal)?;
                Ok(Bytes::from(format!(
                    "id: {}\nevent: {}\ndata: {data}\n\n",
                    event.id,
                    event.kind.as_str()
                )))
            }
            Tick::Quiet => Ok(Bytes::from_static(b": heartbeat\n\n")),
        });
    let body = opening.chain(events);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Compressing would hold events back until a block fills.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        // nginx would otherwise hold events back to fill its buffer.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}
