//! Popular articles: readers' views counted in memory, flushed in batches to hourly buckets,
//! and ranked over a window.
//!
//! A view costs a map update, never a database write: a flusher adds the counts to
//! `article_views` every `flush_interval`, and a graceful shutdown flushes what is left. If
//! a flush fails, its counts go back into memory for the next one. Bots (by user agent) and
//! the same client viewing the same article again within the repeat window are not counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DurationRound, NaiveDateTime, TimeDelta};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::ContentService;
use super::articles::{ArticleLookup, summary};
use super::relations::Relations;
use super::views::ArticleSummary;
use crate::db::DbConn;
use crate::db::articles::{self as article_queries, ArticleRow};
use crate::db::discovery as q;
use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 10;
pub const MAX_LIMIT: i64 = 50;

#[derive(Debug, Clone)]
pub struct ViewSettings {
    /// How often counted views are written to the database.
    pub flush_interval: Duration,
    /// The same client viewing the same article again within this is not counted again.
    pub repeat_window: Duration,
    /// Hourly buckets older than this are deleted.
    pub retention: Duration,
    /// Totals older than this are recomputed even without a flush of this process (views
    /// added elsewhere, such as by another instance).
    pub totals_ttl: Duration,
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            flush_interval: Duration::from_secs(30),
            repeat_window: Duration::from_secs(30 * 60),
            retention: Duration::from_secs(90 * 86_400),
            totals_ttl: Duration::from_secs(10),
        }
    }
}

/// The time windows popular lists are ranked over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, ToSchema, async_graphql::Enum)]
#[graphql(name = "PopularWindow")]
pub enum Window {
    /// The last hour.
    Hour,
    /// The last 24 hours.
    #[default]
    Day,
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
}

impl Window {
    pub fn parse(name: &str, raw: Option<&str>) -> Result<Window, AppError> {
        match raw {
            Some("1h") => Ok(Window::Hour),
            None | Some("24h") => Ok(Window::Day),
            Some("7d") => Ok(Window::Week),
            Some("30d") => Ok(Window::Month),
            Some(other) => Err(AppError::invalid(
                name,
                format!("{name} is one of 1h, 24h, 7d or 30d, got {other:?}"),
            )),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Hour => "1h",
            Window::Day => "24h",
            Window::Week => "7d",
            Window::Month => "30d",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn hours(self) -> i64 {
        match self {
            Window::Hour => 1,
            Window::Day => 24,
            Window::Week => 7 * 24,
            Window::Month => 30 * 24,
        }
    }
}

fn hour_of(t: NaiveDateTime) -> NaiveDateTime {
    t.duration_trunc(TimeDelta::hours(1)).unwrap_or(t)
}

/// What a view beacon tells about its reader.
pub struct Viewer<'a> {
    pub address: Option<std::net::IpAddr>,
    pub user_agent: &'a str,
}

/// Whether a beacon was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Yes,
    Bot,
    Repeat,
}

impl Counted {
    /// As the beacon's `Masthead-View` header says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Counted::Yes => "counted",
            Counted::Bot => "bot",
            Counted::Repeat => "repeat",
        }
    }
}

/// Views counted since the last flush, per (hour, article).
pub(super) struct ViewCounter {
    pending: Mutex<HashMap<(NaiveDateTime, i64), i64>>,
    recent: moka::sync::Cache<[u8; 16], ()>,
    bots: isbot::Bots,
    /// Keys the client fingerprints, so addresses are never kept as they are.
    salt: [u8; 16],
    settings: ViewSettings,
    last_prune: Mutex<Option<std::time::Instant>>,
    /// Totals per window, most viewed first, as of the last flush: one computation serves
    /// every popular request until the next flush. One lock per window, so concurrent
    /// requests wait for a single computation instead of each running it.
    totals: [tokio::sync::Mutex<Option<Totals>>; 4],
    /// Bumped by every flush that wrote something; totals of an older one are stale.
    generation: std::sync::atomic::AtomicU64,
    /// Whether stale totals of a window are being recomputed in the background.
    refreshing: [std::sync::atomic::AtomicBool; 4],
    /// Per window, the totals of the buckets no flush adds to any more; summed once an
    /// hour instead of at every recomputation.
    settled: [Mutex<Option<Settled>>; 4],
    /// Sections of viewed articles (primary first), until a write may have moved them.
    sections: Mutex<HashMap<i64, Vec<i64>>>,
    /// One flush at a time: a flush that returns has written every view counted before it
    /// began, even those another flush had taken and was still writing.
    flushing: tokio::sync::Mutex<()>,
    /// The database's count of view flushes (every server's) as of this process's last
    /// flush or look: a count past it means another server's views were written.
    flushes_known: std::sync::atomic::AtomicI64,
}

struct Settled {
    since: NaiveDateTime,
    until: NaiveDateTime,
    totals: HashMap<i64, i64>,
    /// The views of the open hours last merged onto these, sorted by article.
    merged_open: Option<Vec<(i64, i64)>>,
}

struct Totals {
    generation: u64,
    /// When they were computed, by the service's clock.
    at: NaiveDateTime,
    ranked: Arc<Vec<Viewed>>,
}

/// An article's views in a window, with its sections (primary first), so that section
/// lists are picked in memory.
struct Viewed {
    id: i64,
    views: i64,
    sections: Vec<i64>,
}

impl ViewCounter {
    pub fn new(settings: ViewSettings) -> ViewCounter {
        ViewCounter {
            pending: Mutex::new(HashMap::new()),
            recent: moka::sync::Cache::builder()
                .max_capacity(2_000_000)
                .time_to_live(settings.repeat_window)
                .build(),
            bots: isbot::Bots::default(),
            salt: rand::random(),
            settings,
            last_prune: Mutex::new(None),
            totals: Default::default(),
            generation: Default::default(),
            refreshing: Default::default(),
            settled: Default::default(),
            sections: Default::default(),
            flushing: Default::default(),
            flushes_known: Default::default(),
        }
    }

    fn count(&self, article_id: i64, viewer: &Viewer<'_>, now: NaiveDateTime) -> Counted {
        if viewer.user_agent.trim().is_empty() || self.bots.is_bot(viewer.user_agent) {
            return Counted::Bot;
        }
        let mut hash = Sha256::new();
        hash.update(self.salt);
        hash.update(article_id.to_le_bytes());
        if let Some(addr) = viewer.address {
            hash.update(addr.to_string().as_bytes());
        }
        hash.update(viewer.user_agent.as_bytes());
        let mut fingerprint = [0u8; 16];
        fingerprint.copy_from_slice(&hash.finalize()[..16]);
        let entry = self.recent.entry(fingerprint).or_insert(());
        if !entry.is_fresh() {
            return Counted::Repeat;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        *pending.entry((hour_of(now), article_id)).or_default() += 1;
        Counted::Yes
    }

    fn take(&self) -> HashMap<(NaiveDateTime, i64), i64> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn put_back(&self, counts: HashMap<(NaiveDateTime, i64), i64>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for (k, v) in counts {
            *pending.entry(k).or_default() += v;
        }
    }

    fn prune_due(&self) -> bool {
        let mut last = self.last_prune.lock().unwrap_or_else(|e| e.into_inner());
        let due = last.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600));
        if due {
            *last = Some(std::time::Instant::now());
        }
        due
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PopularArticle {
    pub article: ArticleSummary,
    /// Views in the window.
    pub views: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PopularList {
    /// `1h`, `24h`, `7d` or `30d`.
    pub window: String,
    pub items: Vec<PopularArticle>,
}

impl ContentService {
    /// Every article's views over `window`, most first; computed ahead at start and again
    /// after every flush or write of this process. Totals that are only old are answered
    /// while one background task recomputes them.
    async fn window_totals(&self, window: Window, now: NaiveDateTime) -> Result<Arc<Vec<Viewed>>, AppError> {
        use std::sync::atomic::Ordering;
        let generation = self.views.generation.load(Ordering::Relaxed);
        let mut slot = self.views.totals[window.index()].lock().await;
        // Totals from before a flush of this process are recomputed before answering, so a
        // flushed view shows at once; totals only older than the TTL (views flushed by other
        // processes) are answered while a background task recomputes them.
        if let Some(t) = slot.as_ref().filter(|t| t.generation == generation) {
            let fresh = (now - t.at).to_std().unwrap_or_default() < self.views.settings.totals_ttl;
            if !fresh && !self.views.refreshing[window.index()].swap(true, Ordering::AcqRel) {
                let this = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = this.refresh_totals(window, generation).await {
                        tracing::warn!(error = %e, "popular totals not refreshed");
                    }
                    this.views.refreshing[window.index()].store(false, Ordering::Release);
                });
            }
            return Ok(t.ranked.clone());
        }
        let ranked = self.compute_totals(window, now, None, false).await?;
        *slot = Some(Totals {
            generation,
            at: now,
            ranked: ranked.clone(),
        });
        Ok(ranked)
    }

    async fn refresh_totals(&self, window: Window, generation: u64) -> Result<(), AppError> {
        let previous = self.views.totals[window.index()]
            .lock()
            .await
            .as_ref()
            .filter(|t| t.generation == generation)
            .map(|t| t.ranked.clone());
        let now = self.now();
        let ranked = self.compute_totals(window, now, previous, true).await?;
        *self.views.totals[window.index()].lock().await = Some(Totals {
            generation,
            at: now,
            ranked,
        });
        Ok(())
    }

    /// The totals of `window` at `now`. `previous`, the totals of this generation, is given
    /// back as it is when no views were added since it was computed: other processes' views
    /// are looked for every few seconds, and merging and sorting a month of views each time
    /// would take a core away from the readers for nothing. In the `background`, it runs
    /// outside the queue of readers' database work, so that four windows recomputed at
    /// once never hold every turn while readers wait.
    async fn compute_totals(
        &self,
        window: Window,
        now: NaiveDateTime,
        previous: Option<Arc<Vec<Viewed>>>,
        background: bool,
    ) -> Result<Arc<Vec<Viewed>>, AppError> {
        // Every bucket that overlaps the window. Flushes add to the current hour, and to
        // the one before just after the hour turns; older buckets are settled.
        let since = hour_of(now - TimeDelta::hours(window.hours()));
        let open_from = (hour_of(now) - TimeDelta::hours(1)).max(since);
        let views = self.views.clone();
        // All of it, merging and sorting included, off the request threads.
        let work = move |c: &mut DbConn| {
            let mut open = q::view_totals(c, open_from, None)?;
            open.sort_unstable();
            let unchanged = views.settled[window.index()]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .is_some_and(|s| {
                    s.since == since && s.until == open_from && s.merged_open.as_ref() == Some(&open)
                });
            if let (true, Some(previous)) = (unchanged, previous) {
                return Ok(previous);
            }
            let lock = |m: &Mutex<Option<Settled>>| {
                m.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .as_ref()
                    .filter(|s| s.since == since && s.until == open_from)
                    .map(|s| s.totals.clone())
            };
            let mut totals = match lock(&views.settled[window.index()]) {
                Some(totals) => totals,
                None => {
                    let totals: HashMap<i64, i64> = if open_from > since {
                        q::view_totals(c, since, Some(open_from))?.into_iter().collect()
                    } else {
                        HashMap::new()
                    };
                    *views.settled[window.index()]
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = Some(Settled {
                        since,
                        until: open_from,
                        totals: totals.clone(),
                        merged_open: None,
                    });
                    totals
                }
            };
            for &(id, count) in &open {
                *totals.entry(id).or_default() += count;
            }
            let mut totals: Vec<(i64, i64)> = totals.into_iter().collect();
            totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
            // Sections of articles not seen before.
            let unknown: Vec<i64> = {
                let sections = views.sections.lock().unwrap_or_else(|e| e.into_inner());
                totals
                    .iter()
                    .map(|t| t.0)
                    .filter(|id| !sections.contains_key(id))
                    .collect()
            };
            let mut found: Vec<(i64, Vec<i64>)> = Vec::with_capacity(unknown.len());
            for chunk in unknown.chunks(1000) {
                let primary: HashMap<i64, i64> =
                    article_queries::section_ids_of(c, chunk)?.into_iter().collect();
                let mut secondary = super::relations::load_secondary_sections(c, chunk)?;
                for &id in chunk {
                    let Some(&home) = primary.get(&id) else { continue };
                    let mut sections = vec![home];
                    sections.extend(secondary.remove(&id).unwrap_or_default());
                    found.push((id, sections));
                }
            }
            let mut sections = views.sections.lock().unwrap_or_else(|e| e.into_inner());
            sections.extend(found);
            let ranked = totals
                .into_iter()
                .filter_map(|(id, views)| {
                    sections.get(&id).map(|s| Viewed {
                        id,
                        views,
                        sections: s.clone(),
                    })
                })
                .collect::<Vec<_>>();
            if let Some(s) = views.settled[window.index()]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
                .filter(|s| s.since == since && s.until == open_from)
            {
                s.merged_open = Some(open);
            }
            Ok(Arc::new(ranked))
        };
        if background {
            self.db.run_in_background(work).await
        } else {
            self.db.run(work).await
        }
    }

    /// Forgets the sections of viewed articles and the totals that carry them: a write may
    /// have moved an article.
    pub(super) fn forget_view_sections(&self) {
        self.views
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);

        self.views
            .sections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Forgets every total, settled hours included: for views written to the database by
    /// something other than a flush (an import), which may touch any hour.
    pub fn forget_view_totals(&self) {
        for settled in &self.views.settled {
            *settled.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        self.forget_view_sections();
    }

    /// Counts one reader's view of a public article.
    pub async fn record_view(&self, lookup: ArticleLookup, viewer: Viewer<'_>) -> Result<Counted, AppError> {
        let article = self
            .article(lookup.clone())
            .await?
            .ok_or_else(|| AppError::not_found("article", lookup.describe()))?;
        Ok(self.views.count(article.summary.id, &viewer, self.now()))
    }

    /// Writes counted views to their hourly buckets and, once an hour, drops buckets past
    /// the retention. Returns how many (hour, article) counts were written.
    pub async fn flush_views(&self) -> Result<usize, AppError> {
        let _one_at_a_time = self.views.flushing.lock().await;
        let counts = self.views.take();
        let prune_before = self.views.prune_due().then(|| {
            hour_of(self.now()) - TimeDelta::from_std(self.views.settings.retention).unwrap_or_default()
        });
        if counts.is_empty() && prune_before.is_none() {
            return Ok(0);
        }
        let rows: Vec<(NaiveDateTime, i64, i64)> = counts.iter().map(|(&(h, a), &v)| (h, a, v)).collect();
        let result = self
            .db
            .run(move |c| {
                c.transaction(|c| {
                    let written = q::add_views(c, &rows)?;
                    if let Some(before) = prune_before {
                        q::prune_views(c, before)?;
                    }
                    // Tells the servers sharing the database to look at the totals again.
                    let flushes = if written > 0 {
                        Some(crate::db::changes::count_views_flush(c)?)
                    } else {
                        None
                    };
                    Ok::<_, AppError>((written, flushes))
                })
            })
            .await;
        match result {
            Ok((written, flushes)) => {
                if let Some(flushes) = flushes {
                    // Any other server's flush counted before this one committed before it
                    // too, so the totals computed from now on hold it as well.
                    self.views
                        .flushes_known
                        .fetch_max(flushes, std::sync::atomic::Ordering::Relaxed);
                    self.views_changed_here();
                }
                Ok(written)
            }
            Err(e) => {
                self.views.put_back(counts);
                Err(e)
            }
        }
    }

    /// Popular lists answered from totals or responses computed before would hide new
    /// counts; nothing else cached holds a count (and no CDN keeps one: nothing to purge).
    fn views_changed_here(&self) {
        self.views
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.forget_here(&super::Change::Views);
    }

    /// Told the database's count of view flushes, by the change log follower: when another
    /// server flushed since this one last knew, its views show in the next popular list.
    pub(super) fn views_flushed_up_to(&self, flushes: i64) {
        let known = self
            .views
            .flushes_known
            .fetch_max(flushes, std::sync::atomic::Ordering::Relaxed);
        if flushes > known {
            self.views_changed_here();
        }
    }

    /// Computes every window's totals ahead, then flushes views every `flush_interval`
    /// until the process ends.
    pub fn spawn_view_flusher(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        let every = self.views.settings.flush_interval;
        tokio::spawn(async move {
            // The first totals of each window take a full aggregation: do it now, so that
            // no reader waits for it.
            for window in [Window::Hour, Window::Day, Window::Week, Window::Month] {
                if let Err(e) = this.window_totals(window, this.now()).await {
                    tracing::warn!(error = %e, "popular totals not computed ahead");
                }
            }
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = this.flush_views().await {
                    tracing::warn!(error = %e, "views not flushed; kept for the next flush");
                }
            }
        })
    }

    /// The most viewed public articles over `window`, optionally in a section and its
    /// sub-sections. Views still in memory count from the next flush.
    pub async fn popular(
        &self,
        window: Window,
        section: Option<String>,
        limit: Option<i64>,
        limit_name: &str,
    ) -> Result<PopularList, AppError> {
        let limit = super::paging::limit_within(limit, DEFAULT_LIMIT, MAX_LIMIT, limit_name)?;
        let tree = self.section_tree().await?;
        let section_ids = tree.scope(section.as_deref())?;
        let now = self.now();
        let ranked = self.window_totals(window, now).await?;
        // Walk down the ranking until `limit` public articles of the section are found.
        let (picked, rows, rel) = self
            .db
            .run(move |c| {
                let mut picked: Vec<(i64, i64)> = Vec::new();
                let mut rows = HashMap::new();
                // Sections come from the totals; visibility is checked now, so an article
                // unpublished since the totals were computed never shows.
                let candidates: Vec<&Viewed> = ranked
                    .iter()
                    .filter(|v| {
                        section_ids
                            .as_ref()
                            .is_none_or(|s| v.sections.iter().any(|x| s.contains(x)))
                    })
                    .collect();
                let chunk = (limit as usize * 2).max(50);
                for batch in candidates.chunks(chunk) {
                    let ids: Vec<i64> = batch.iter().map(|v| v.id).collect();
                    let found: HashMap<i64, _> = article_queries::public_by_ids(c, &ids, now)?
                        .into_iter()
                        .map(|r| (r.id, r))
                        .collect();
                    for v in batch {
                        let (id, views) = (v.id, v.views);
                        let Some(row) = found.get(&id) else { continue };
                        picked.push((id, views));
                        rows.insert(id, row.clone());
                        if picked.len() == limit as usize {
                            break;
                        }
                    }
                    if picked.len() == limit as usize {
                        break;
                    }
                }
                let ids: Vec<i64> = picked.iter().map(|p| p.0).collect();
                let media: Vec<i64> = rows
                    .values()
                    .filter_map(|r: &ArticleRow| r.featured_media_id)
                    .collect();
                let rel = Relations::load(c, &ids, &media)?;
                Ok((picked, rows, rel))
            })
            .await?;
        let mut rows = rows;
        let mut items = Vec::new();
        for (id, views) in picked {
            let Some(row) = rows.remove(&id) else { continue };
            items.push(PopularArticle {
                article: summary(row, &rel, &tree),
                views,
            });
        }
        Ok(PopularList {
            window: window.label().to_owned(),
            items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(ua: &str) -> Viewer<'_> {
        Viewer {
            address: Some([192, 0, 2, 7].into()),
            user_agent: ua,
        }
    }

    const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    #[test]
    fn bots_and_repeats_are_not_counted() {
        let counter = ViewCounter::new(ViewSettings::default());
        let now = crate::service::Clock::default().now();
        assert_eq!(counter.count(1, &viewer(BROWSER), now), Counted::Yes);
        assert_eq!(counter.count(1, &viewer(BROWSER), now), Counted::Repeat);
        assert_eq!(counter.count(2, &viewer(BROWSER), now), Counted::Yes);
        assert_eq!(
            counter.count(
                1,
                &viewer("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
                now
            ),
            Counted::Bot
        );
        assert_eq!(counter.count(1, &viewer(""), now), Counted::Bot);
        let pending = counter.take();
        assert_eq!(pending.values().sum::<i64>(), 2);
        assert!(counter.take().is_empty());
    }

    #[test]
    fn windows_parse_from_their_labels() {
        for w in [Window::Hour, Window::Day, Window::Week, Window::Month] {
            assert_eq!(Window::parse("window", Some(w.label())).unwrap(), w);
        }
        assert!(Window::parse("window", Some("2h")).is_err());
    }
}
