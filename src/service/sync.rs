//! Delta sync, as offline apps and partners keep a copy: a first sync pages through every
//! public article, section, tag and author; each page ends with a token, and a sync with
//! the last token answers only what changed since, with a tombstone for everything that
//! stopped being public (or was deleted).
//!
//! What changed is read from the change log (written in each write's own transaction, so
//! nothing committed is missed) plus the articles whose scheduled time came in between,
//! which no write announces. A token is a log position and the instant it was cut; it is
//! good while the log still holds what came after it (`sync_retention`), and answered 410
//! after that, so the client starts over rather than silently missing changes.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

use super::relations::Relations;
use super::views::{Article, ArticleSummary, AuthorView, TagView};
use super::{ArticleLookup, Change, ContentService, utc};
use crate::content::cursor::{self, Kind};
use crate::content::status::EventKind;
use crate::db::DbConn;
use crate::db::changes::{self as log_q, Entity};
use crate::error::AppError;

/// Records what `change` made different, in the writer's transaction. A section, tag, author
/// or media change also changes every article that prints it.
pub(crate) fn log(c: &mut DbConn, change: &Change, at: NaiveDateTime) -> Result<(), AppError> {
    use crate::db::taxonomy_writes as t;
    let mut entities = Vec::new();
    let articles = match *change {
        // An article's own writes log it with what readers saw (`log_article`): only they
        // know whether it was public before.
        Change::Article(_) => Vec::new(),
        Change::Section(id) => {
            entities.push(Entity::Section(id));
            log_q::articles_under_section(c, id)?
        }
        Change::Tag(id) => {
            entities.push(Entity::Tag(id));
            t::tagged_article_ids(c, id)?
        }
        Change::Author(id) => {
            entities.push(Entity::Author(id));
            t::bylined_article_ids(c, id)?
        }
        Change::Media(id) => log_q::articles_showing_media(c, id)?,
        Change::Comments(ref ids) => {
            entities.extend(ids.iter().map(|&id| Entity::Comments(id)));
            Vec::new()
        }
        Change::Content | Change::Views => Vec::new(),
    };
    entities.extend(articles.into_iter().map(Entity::Article));
    Ok(log_q::record(c, &entities, at)?)
}

/// Whether article `id` is public at `now`.
pub(crate) fn is_public(c: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, AppError> {
    Ok(!crate::db::articles::public_by_ids(c, &[id], now)?.is_empty())
}

/// Records a write to one article, with what readers saw happen given whether it was public
/// (before, after): published, updated, unpublished, or nothing they could see.
pub(crate) fn log_article(
    c: &mut DbConn,
    id: i64,
    (before, after): (bool, bool),
    breaking: bool,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let action = match (before, after) {
        (false, true) => EventKind::Published,
        (true, true) => EventKind::Updated,
        (true, false) => EventKind::Unpublished,
        (false, false) => return Ok(log_q::record(c, &[Entity::Article(id)], at)?),
    };
    Ok(log_q::record_event(
        c,
        id,
        action,
        breaking && action == EventKind::Published,
        at,
    )?)
}

/// Records an article's deletion: an event for readers when it was public.
pub(crate) fn log_deleted(
    c: &mut DbConn,
    id: i64,
    was_public: bool,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    if was_public {
        Ok(log_q::record_event(c, id, EventKind::Deleted, false, at)?)
    } else {
        Ok(log_q::record(c, &[Entity::Article(id)], at)?)
    }
}

/// Records that scheduled articles became public at their time.
pub(crate) fn log_published(c: &mut DbConn, ids: &[i64], at: NaiveDateTime) -> Result<(), AppError> {
    for &id in ids {
        log_q::record_event(c, id, EventKind::Published, false, at)?;
    }
    Ok(())
}

/// Records that these articles changed (before a write removes what would tell).
pub(crate) fn log_articles(c: &mut DbConn, ids: &[i64], at: NaiveDateTime) -> Result<(), AppError> {
    let entities: Vec<Entity> = ids.iter().copied().map(Entity::Article).collect();
    Ok(log_q::record(c, &entities, at)?)
}

/// A section as a synced copy keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SyncedSection {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i32,
}

/// An article as a sync page carries it: a summary, or whole with `full=true`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SyncedArticle {
    Summary(Box<ArticleSummary>),
    Full(Box<Article>),
}

/// What a tombstone is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema, async_graphql::Enum)]
#[serde(rename_all = "lowercase")]
pub enum SyncedKind {
    Article,
    Section,
    Tag,
    Author,
}

/// Something the client holds that is no longer public: drop it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Tombstone {
    #[serde(rename = "type")]
    pub kind: SyncedKind,
    pub id: i64,
    pub deleted_at: DateTime<Utc>,
}

/// One page of a sync.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SyncPage {
    /// Public articles, created or changed: put them in place of what the client holds.
    /// Summaries, or whole articles (with `section_path`, `sections`, `corrections` and
    /// `body`) with `full=true`.
    #[schema(value_type = Vec<ArticleSummary>)]
    pub articles: Vec<SyncedArticle>,
    pub sections: Vec<SyncedSection>,
    pub tags: Vec<TagView>,
    pub authors: Vec<AuthorView>,
    /// What to drop.
    pub deleted: Vec<Tombstone>,
    /// More of this sync: ask again with it as `token`.
    pub next_page: Option<String>,
    /// The sync is complete: keep it, and ask with it as `token` next time.
    pub next_token: Option<String>,
}

/// A point in the log: everything up to `seq`, and publications up to `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    seq: i64,
    at: NaiveDateTime,
}

/// What a sync sends, in this order, each kind by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Sections = 0,
    Tags = 1,
    Authors = 2,
    Articles = 3,
}

impl Phase {
    fn next(self) -> Option<Phase> {
        match self {
            Phase::Sections => Some(Phase::Tags),
            Phase::Tags => Some(Phase::Authors),
            Phase::Authors => Some(Phase::Articles),
            Phase::Articles => None,
        }
    }

    fn from_number(n: i64) -> Option<Phase> {
        [Phase::Sections, Phase::Tags, Phase::Authors, Phase::Articles]
            .into_iter()
            .find(|p| *p as i64 == n)
    }
}

/// Where a sync stands: from (none for a first sync) to, and the kind and last id answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    from: Option<Mark>,
    to: Mark,
    phase: Phase,
    after: i64,
}

fn micros(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp_micros()
}

fn instant(raw: &str) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_micros(raw.parse().ok()?).map(|t| t.naive_utc())
}

impl Mark {
    fn token(self) -> String {
        cursor::encode(Kind::SyncToken, &[&self.seq, &micros(self.at)])
    }
}

impl Position {
    fn page(self) -> String {
        let (from_seq, from_at) = self.from.map_or((-1, 0), |m| (m.seq, micros(m.at)));
        cursor::encode(
            Kind::SyncPage,
            &[
                &from_seq,
                &from_at,
                &self.to.seq,
                &micros(self.to.at),
                &(self.phase as i64),
                &self.after,
            ],
        )
    }

    /// A token or a page this API issued; `None` for anything else.
    fn decode(raw: &str, to: Mark) -> Option<Position> {
        if let Some(f) = cursor::decode(Kind::SyncToken, raw, 2) {
            let from = Mark {
                seq: f[0].parse().ok()?,
                at: instant(&f[1])?,
            };
            return Some(Position {
                from: Some(from),
                to,
                phase: Phase::Sections,
                after: 0,
            });
        }
        let f = cursor::decode(Kind::SyncPage, raw, 6)?;
        let from_seq: i64 = f[0].parse().ok()?;
        let from = (from_seq >= 0)
            .then(|| {
                Some(Mark {
                    seq: from_seq,
                    at: instant(&f[1])?,
                })
            })
            .flatten();
        Some(Position {
            from,
            to: Mark {
                seq: f[2].parse().ok()?,
                at: instant(&f[3])?,
            },
            phase: Phase::from_number(f[4].parse().ok()?)?,
            after: f[5].parse().ok()?,
        })
    }
}

/// The most articles one page may carry.
pub const MAX_SYNC_PAGE: i64 = 200;

impl ContentService {
    /// One page of a sync: the first sync without `token`, else what changed since the
    /// token (a `next_token`) or the rest of a sync under way (a `next_page`).
    pub async fn sync(
        &self,
        token: Option<&str>,
        full: bool,
        limit: Option<i64>,
        names: (&str, &str),
    ) -> Result<SyncPage, AppError> {
        let (token_name, limit_name) = names;
        let limit = limit.unwrap_or(100);
        if !(1..=MAX_SYNC_PAGE).contains(&limit) {
            return Err(AppError::invalid(
                limit_name,
                format!("{limit_name} must be between 1 and {MAX_SYNC_PAGE}, got {limit}"),
            ));
        }
        let now = self.now();
        let (last, oldest) = self.db.run(|c| Ok((log_q::last(c)?, log_q::oldest(c)?))).await?;
        let here = Mark { seq: last, at: now };
        let position = match token {
            None => Position {
                from: None,
                to: here,
                phase: Phase::Sections,
                after: 0,
            },
            Some(raw) => Position::decode(raw, here).ok_or_else(|| {
                AppError::invalid(
                    token_name,
                    format!("{token_name} is not a sync token this API issued"),
                )
            })?,
        };
        if let Some(from) = position.from {
            // The entries after the token are gone (or it is older than they are kept).
            let pruned = oldest.is_some_and(|o| o > from.seq + 1) || oldest.is_none() && last > from.seq;
            if pruned || now - from.at > self.sync_retention {
                return Err(AppError::SyncTokenExpired(format!(
                    "this {token_name} is older than the {} days changes are kept; sync from the start (without {token_name})",
                    self.sync_retention.num_days()
                )));
            }
        }
        let tree = self.section_tree().await?;
        let page = self.db.run(move |c| read_page(c, position, limit)).await?;
        let mut out = SyncPage {
            articles: Vec::new(),
            sections: Vec::new(),
            tags: page.tags.into_iter().map(super::taxonomy::tag_view).collect(),
            authors: page
                .authors
                .into_iter()
                .map(super::taxonomy::author_view)
                .collect(),
            deleted: page.deleted,
            next_page: None,
            next_token: None,
        };
        out.sections = page
            .sections
            .into_iter()
            .map(|s| SyncedSection {
                id: s.id,
                slug: s.slug,
                name: s.name,
                description: s.description,
                parent_id: s.parent_id,
                position: s.position,
            })
            .collect();
        for row in page.articles {
            let id = row.id;
            if full {
                match self.article(ArticleLookup::Id(id)).await? {
                    Some(article) => out
                        .articles
                        .push(SyncedArticle::Full(Box::new((*article).clone()))),
                    // Unpublished since the page was read: the next sync says so.
                    None => continue,
                }
            } else {
                out.articles
                    .push(SyncedArticle::Summary(Box::new(super::articles::summary(
                        row,
                        &page.relations,
                        &tree,
                    ))));
            }
        }
        out.deleted.sort_by_key(|t| (t.kind, t.id));
        match page.next {
            Some((phase, after)) => {
                out.next_page = Some(
                    Position {
                        phase,
                        after,
                        ..position
                    }
                    .page(),
                )
            }
            None => out.next_token = Some(position.to.token()),
        }
        Ok(out)
    }
}

struct RawPage {
    articles: Vec<crate::db::articles::ArticleRow>,
    relations: Relations,
    sections: Vec<crate::db::taxonomy::SectionRow>,
    tags: Vec<crate::db::taxonomy::TagRow>,
    authors: Vec<crate::db::taxonomy::AuthorRow>,
    deleted: Vec<Tombstone>,
    /// Set when there is more: where the next page starts.
    next: Option<(Phase, i64)>,
}

/// One page: up to `limit` items (tombstones included) from where `at` stands, sections
/// first, then tags, authors and articles, each kind in id order.
fn read_page(c: &mut DbConn, at: Position, limit: i64) -> Result<RawPage, AppError> {
    let mut page = RawPage {
        articles: Vec::new(),
        relations: Relations::default(),
        sections: Vec::new(),
        tags: Vec::new(),
        authors: Vec::new(),
        deleted: Vec::new(),
        next: None,
    };
    let (mut phase, mut after, mut budget) = (at.phase, at.after, limit);
    loop {
        let more = match phase {
            Phase::Sections => sections_page(c, at, after, budget, &mut page)?,
            Phase::Tags => tags_page(c, at, after, budget, &mut page)?,
            Phase::Authors => authors_page(c, at, after, budget, &mut page)?,
            Phase::Articles => articles_page(c, at, after, budget, &mut page)?,
        };
        if let Some(last) = more {
            page.next = Some((phase, last));
            break;
        }
        let Some(following) = phase.next() else { break };
        (phase, after) = (following, 0);
        budget = limit - page.len();
        if budget <= 0 {
            page.next = Some((phase, 0));
            break;
        }
    }
    let ids: Vec<i64> = page.articles.iter().map(|r| r.id).collect();
    let media: Vec<i64> = page.articles.iter().filter_map(|r| r.featured_media_id).collect();
    page.relations = Relations::load(c, &ids, &media)?;
    Ok(page)
}

impl RawPage {
    fn len(&self) -> i64 {
        (self.articles.len()
            + self.sections.len()
            + self.tags.len()
            + self.authors.len()
            + self.deleted.len()) as i64
    }
}

fn tombstone(kind: SyncedKind, id: i64, when: NaiveDateTime) -> Tombstone {
    Tombstone {
        kind,
        id,
        deleted_at: utc(when),
    }
}

/// Ids changed in a delta, each with when.
type Changed = Vec<(i64, NaiveDateTime)>;

/// Of the ids changed in a delta (by id), those after `after`: at most `budget`, and
/// whether more are left (the last id given).
fn changed_after(
    c: &mut DbConn,
    kind: &str,
    at: Position,
    from: Mark,
    after: i64,
    budget: i64,
) -> Result<(Changed, Option<i64>), AppError> {
    let mut ids = log_q::changed(c, kind, from.seq, at.to.seq)?;
    ids.retain(|(id, _)| *id > after);
    ids.sort_unstable();
    Ok(cut(ids, budget, |p| p.0))
}

/// The first `budget` of `items`, and the id of the last one kept when some are left out.
fn cut<T>(mut items: Vec<T>, budget: i64, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    let budget = budget.max(0) as usize;
    if items.len() <= budget {
        return (items, None);
    }
    items.truncate(budget);
    let last = items.last().map(&id).unwrap_or(0);
    (items, Some(last))
}

fn sections_page(
    c: &mut DbConn,
    at: Position,
    after: i64,
    budget: i64,
    page: &mut RawPage,
) -> Result<Option<i64>, AppError> {
    let mut all = crate::db::taxonomy::all_sections(c)?;
    all.sort_by_key(|s| s.id);
    match at.from {
        None => {
            all.retain(|s| s.id > after);
            let (rows, more) = cut(all, budget, |s| s.id);
            page.sections = rows;
            Ok(more)
        }
        Some(from) => {
            let (ids, more) = changed_after(c, "section", at, from, after, budget)?;
            for (id, when) in ids {
                match all.iter().find(|s| s.id == id) {
                    Some(s) => page.sections.push(s.clone()),
                    None => page.deleted.push(tombstone(SyncedKind::Section, id, when)),
                }
            }
            Ok(more)
        }
    }
}

fn tags_page(
    c: &mut DbConn,
    at: Position,
    after: i64,
    budget: i64,
    page: &mut RawPage,
) -> Result<Option<i64>, AppError> {
    match at.from {
        None => {
            let rows = crate::db::taxonomy::tags_after(c, after, budget + 1)?;
            let (rows, more) = cut(rows, budget, |t| t.id);
            page.tags = rows;
            Ok(more)
        }
        Some(from) => {
            let (ids, more) = changed_after(c, "tag", at, from, after, budget)?;
            let found: HashMap<i64, _> =
                crate::db::articles::tags_by_id(c, &ids.iter().map(|p| p.0).collect::<Vec<_>>())?
                    .into_iter()
                    .map(|r| (r.id, r))
                    .collect();
            for (id, when) in ids {
                match found.get(&id) {
                    Some(r) => page.tags.push(r.clone()),
                    None => page.deleted.push(tombstone(SyncedKind::Tag, id, when)),
                }
            }
            Ok(more)
        }
    }
}

fn authors_page(
    c: &mut DbConn,
    at: Position,
    after: i64,
    budget: i64,
    page: &mut RawPage,
) -> Result<Option<i64>, AppError> {
    use crate::db::taxonomy as t;
    match at.from {
        None => {
            let rows = t::authors_after(c, after, budget + 1)?;
            let (rows, more) = cut(rows, budget, |a| a.id);
            page.authors = rows;
            Ok(more)
        }
        Some(from) => {
            let (ids, more) = changed_after(c, "author", at, from, after, budget)?;
            let found: HashMap<i64, _> = t::authors_by_ids(c, &ids.iter().map(|p| p.0).collect::<Vec<_>>())?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            for (id, when) in ids {
                match found.get(&id) {
                    Some(r) => page.authors.push(r.clone()),
                    None => page.deleted.push(tombstone(SyncedKind::Author, id, when)),
                }
            }
            Ok(more)
        }
    }
}

fn articles_page(
    c: &mut DbConn,
    at: Position,
    after: i64,
    budget: i64,
    page: &mut RawPage,
) -> Result<Option<i64>, AppError> {
    use crate::db::articles as a;
    let to = at.to;
    match at.from {
        None => {
            let rows = a::public_after_id(c, after, budget + 1, to.at)?;
            let (rows, more) = cut(rows, budget, |r| r.id);
            page.articles = rows;
            Ok(more)
        }
        Some(from) => {
            let mut candidates: BTreeMap<i64, NaiveDateTime> =
                log_q::changed(c, "article", from.seq, to.seq)?
                    .into_iter()
                    .collect();
            for id in a::became_public(c, from.at, to.at)? {
                candidates.entry(id).or_insert(to.at);
            }
            let ids: Vec<(i64, NaiveDateTime)> = candidates
                .range(after + 1..)
                .map(|(id, when)| (*id, *when))
                .collect();
            let (ids, more) = cut(ids, budget, |p| p.0);
            let public: HashMap<i64, _> =
                a::public_by_ids(c, &ids.iter().map(|p| p.0).collect::<Vec<_>>(), to.at)?
                    .into_iter()
                    .map(|r| (r.id, r))
                    .collect();
            for (id, when) in ids {
                match public.get(&id) {
                    Some(row) => page.articles.push(row.clone()),
                    None => page.deleted.push(tombstone(SyncedKind::Article, id, when)),
                }
            }
            Ok(more)
        }
    }
}

/// What readers saw happen to an article, as the event stream and webhooks tell it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticleEvent {
    /// The change log position: resume after it with `Last-Event-ID`.
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub article_id: i64,
    /// Set by the editor who published it.
    pub breaking: bool,
    pub at: DateTime<Utc>,
    /// The article as a list shows it, for `published` and `updated`.
    pub article: Option<ArticleSummary>,
}

/// Which events a listener wants.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Event types; all when empty.
    pub types: Vec<EventKind>,
    /// Only articles filed under these sections (for `published` and `updated`; a listener
    /// learns of every `unpublished` and `deleted`, since the article's filing is gone).
    pub sections: Option<Vec<i64>>,
}

impl ContentService {
    /// The last change log position, where a new listener starts.
    pub async fn last_event_id(&self) -> Result<i64, AppError> {
        self.db.run(|c| Ok(log_q::last(c)?)).await
    }

    /// Events after `after` that pass `filter`, oldest first, and the position read up to
    /// (which moves on even when every event read was filtered out). Articles that are not
    /// public any more are not shown as published or updated: their later event says so.
    pub async fn events_after(
        &self,
        after: i64,
        filter: &EventFilter,
        limit: i64,
    ) -> Result<(Vec<ArticleEvent>, i64), AppError> {
        let tree = self.section_tree().await?;
        let clock = self.clock.clone();
        let (rows, found, relations) = self
            .db
            .run(move |c| {
                let rows = log_q::events_after(c, after, limit)?;
                // "Now" once the rows are read: an article published by a write that
                // committed after an earlier "now" would otherwise look not public yet, and
                // its event be passed over for good.
                let now = rows.iter().map(|r| r.4).fold(clock.now(), std::cmp::max);
                let ids: Vec<i64> = rows
                    .iter()
                    .filter(|r| matches!(r.2, EventKind::Published | EventKind::Updated))
                    .map(|r| r.1)
                    .collect();
                let found = crate::db::articles::public_by_ids(c, &ids, now)?;
                let media: Vec<i64> = found.iter().filter_map(|r| r.featured_media_id).collect();
                let relations = Relations::load(c, &ids, &media)?;
                Ok((rows, found, relations))
            })
            .await?;
        let reached = rows.last().map_or(after, |r| r.0);
        let found: HashMap<i64, _> = found.into_iter().map(|r| (r.id, r)).collect();
        let mut events = Vec::new();
        for (seq, article_id, kind, breaking, at) in rows {
            if !filter.types.is_empty() && !filter.types.contains(&kind) {
                continue;
            }
            let article = match kind {
                EventKind::Published | EventKind::Updated => {
                    let Some(row) = found.get(&article_id) else {
                        continue;
                    };
                    if let Some(sections) = &filter.sections
                        && !sections.contains(&row.section_id)
                    {
                        continue;
                    }
                    Some(super::articles::summary(row.clone(), &relations, &tree))
                }
                _ => None,
            };
            events.push(ArticleEvent {
                id: seq,
                kind,
                article_id,
                breaking,
                at: utc(at),
                article,
            });
        }
        Ok((events, reached))
    }
}

/// What an event stream yields: an event, or word that it has been quiet for a while (for
/// keep-alive lines).
pub enum Tick {
    Event(Box<ArticleEvent>),
    Quiet,
}

/// How long a quiet stream waits before looking at the log again (other servers' writes).
const POLL: std::time::Duration = std::time::Duration::from_secs(1);
/// Events read from the log at a time: a slow listener is given no more than it takes.
const BATCH: i64 = 100;

impl ContentService {
    /// The events after `after` that pass `filter`, as they happen, for as long as the
    /// listener listens; `Quiet` after every `quiet` without one. A busy database delays
    /// events, never ends the stream.
    pub fn event_stream(
        &self,
        filter: EventFilter,
        after: i64,
        quiet: std::time::Duration,
    ) -> impl futures_util::Stream<Item = Tick> + Send + use<> {
        struct State {
            content: ContentService,
            filter: EventFilter,
            position: i64,
            pending: std::collections::VecDeque<ArticleEvent>,
            quiet_since: std::time::Instant,
            quiet: std::time::Duration,
        }
        let state = State {
            content: self.clone(),
            filter,
            position: after,
            pending: Default::default(),
            quiet_since: std::time::Instant::now(),
            quiet,
        };
        futures_util::stream::unfold(state, |mut s| async move {
            loop {
                if let Some(event) = s.pending.pop_front() {
                    return Some((Tick::Event(Box::new(event)), s));
                }
                match s.content.events_after(s.position, &s.filter, BATCH).await {
                    Ok((batch, reached)) => {
                        s.position = reached;
                        if !batch.is_empty() {
                            s.quiet_since = std::time::Instant::now();
                            s.pending.extend(batch);
                            continue;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "events not read; trying again"),
                }
                if s.quiet_since.elapsed() >= s.quiet {
                    s.quiet_since = std::time::Instant::now();
                    return Some((Tick::Quiet, s));
                }
                s.content.next_change(POLL).await;
            }
        })
    }
}
