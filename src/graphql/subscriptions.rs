//! GraphQL subscriptions over `graphql-transport-ws` (at `/graphql/ws`): the same article
//! events as `GET /v1/events`, from the same stream of the change log.

use async_graphql::{Context, Enum, ErrorExtensions, ID, Object, Result, Subscription};
use futures_util::{Stream, StreamExt};

use super::scalars::DateTimeUtc;
use super::types::{Article, content};
use crate::content::status::EventKind;
use crate::service::sync::{ArticleEvent, EventFilter, Tick};

/// What readers saw happen to an article.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ArticleEventType")]
pub enum EventType {
    Published,
    Updated,
    Unpublished,
    Deleted,
}

impl From<EventKind> for EventType {
    fn from(kind: EventKind) -> EventType {
        match kind {
            EventKind::Published => EventType::Published,
            EventKind::Updated => EventType::Updated,
            EventKind::Unpublished => EventType::Unpublished,
            EventKind::Deleted => EventType::Deleted,
        }
    }
}

pub struct ArticleEventObject(ArticleEvent);

#[Object(name = "ArticleEvent")]
impl ArticleEventObject {
    /// Its place in the change log.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    #[graphql(name = "type")]
    async fn kind(&self) -> EventType {
        self.0.kind.into()
    }
    async fn article_id(&self) -> ID {
        ID(self.0.article_id.to_string())
    }
    /// Set by the editor who published it.
    async fn breaking(&self) -> bool {
        self.0.breaking
    }
    async fn at(&self) -> DateTimeUtc {
        DateTimeUtc(self.0.at)
    }
    /// The article, for `PUBLISHED` and `UPDATED`.
    async fn article(&self) -> Option<Article> {
        self.0.article.clone().map(|a| Article::Summary(Box::new(a)))
    }
}

#[derive(Default)]
pub struct Subscription;

/// Subscriptions never send a keep-alive of their own here: the transport pings.
const QUIET: std::time::Duration = std::time::Duration::from_secs(3600);

async fn events(
    ctx: &Context<'_>,
    kind: EventKind,
    section: Option<String>,
) -> Result<impl Stream<Item = ArticleEvent> + use<>> {
    let content = content(ctx).clone();
    let sections = match section {
        Some(slug) => content
            .section_tree()
            .await
            .map_err(|e| e.extend())?
            .scope(Some(&slug))
            .map_err(|e| e.extend())?,
        None => None,
    };
    let start = content.last_event_id().await.map_err(|e| e.extend())?;
    let filter = EventFilter {
        types: vec![kind],
        sections,
    };
    Ok(content
        .event_stream(filter, start, QUIET)
        .filter_map(|tick| async move {
            match tick {
                Tick::Event(event) => Some(*event),
                Tick::Quiet => None,
            }
        }))
}

#[Subscription]
impl Subscription {
    /// Articles as they become public (on the spot, or at their scheduled time), of a
    /// section and its sub-sections when given.
    async fn article_published(
        &self,
        ctx: &Context<'_>,
        section: Option<String>,
    ) -> Result<impl Stream<Item = ArticleEventObject> + use<>> {
        Ok(events(ctx, EventKind::Published, section)
            .await?
            .map(ArticleEventObject))
    }

    /// Changes to one public article.
    async fn article_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<impl Stream<Item = ArticleEventObject> + use<>> {
        let id: i64 = id.parse().map_err(|_| {
            async_graphql::Error::new("id is an article id")
                .extend_with(|_, e| e.set("code", "INVALID_PARAMETER"))
        })?;
        Ok(events(ctx, EventKind::Updated, None)
            .await?
            .filter(move |e| std::future::ready(e.article_id == id))
            .map(ArticleEventObject))
    }
}
