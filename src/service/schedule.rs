//! Articles that become public at their scheduled time, with nobody writing: every cache
//! here already expires at the next scheduled publication (the horizon), but a CDN keeps
//! what it was told to keep, so each such article is announced as changed when its time
//! comes, as a write would have, and entered in the change log. (Delta sync does not rely
//! on this entry: it also asks which publication times passed.) How far the schedule has
//! been looked at is kept in the database: servers sharing it announce each article once
//! between them, and one that starts after a pause announces what came due meanwhile. The
//! change log's old entries are pruned here too.

use std::time::Duration;

use super::{Change, ContentService};

impl ContentService {
    /// Runs for the life of the server: every `every`, asks which articles became public
    /// since the last look (by the service's clock) and treats each as changed.
    pub async fn watch_schedule(self, every: Duration) {
        use crate::db::webhooks::{advance_cursor, cursor};
        const CURSOR: &str = "schedule";
        let micros = |t: chrono::NaiveDateTime| t.and_utc().timestamp_micros();
        let instant = |m: i64| chrono::DateTime::from_timestamp_micros(m).map(|t| t.naive_utc());
        let start = micros(self.now());
        let mut since = loop {
            match self.db.run(move |c| Ok(cursor(c, CURSOR, start)?)).await {
                Ok(at) => break instant(at).unwrap_or_else(|| self.now()),
                Err(e) => tracing::warn!(error = %e, "schedule position not read"),
            }
            tokio::time::sleep(every).await;
        };
        let mut pruned = self.now() - chrono::TimeDelta::days(1);
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let now = self.now();
            if now <= since {
                continue;
            }
            let due = self
                .db
                .run(move |c| {
                    c.transaction(|c| {
                        // Another server took this stretch (or a later one): go on from there.
                        if !advance_cursor(c, CURSOR, micros(since), micros(now))? {
                            let at = cursor(c, CURSOR, micros(now))?;
                            return Ok((instant(at).unwrap_or(now), Vec::new()));
                        }
                        let ids = crate::db::articles::scheduled_due(c, since, now)?;
                        super::sync::log_published(c, &ids, now)?;
                        Ok((now, ids))
                    })
                })
                .await;
            match due {
                Ok((reached, ids)) => {
                    for id in ids {
                        tracing::info!(article_id = id, "scheduled article is public now");
                        self.changed(Change::Article(id));
                    }
                    since = reached;
                }
                // Looked at again on the next tick, from the same instant.
                Err(e) => tracing::warn!(error = %e, "schedule not checked"),
            }
            if now - pruned >= chrono::TimeDelta::hours(1) {
                let before = now - self.sync_retention;
                match self
                    .db
                    .run(move |c| Ok(crate::db::changes::prune(c, before)?))
                    .await
                {
                    Ok(gone) if gone > 0 => tracing::info!(gone, "old change log entries pruned"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "change log not pruned"),
                }
                pruned = now;
            }
        }
    }
}

impl ContentService {
    /// Runs for the life of the server: reads the change log for what other servers sharing
    /// the database wrote, and forgets what that made stale here, so every server's caches,
    /// related index, event streams and popular totals (from the count of view flushes)
    /// follow. On PostgreSQL the log is read as soon as a
    /// write anywhere notifies (LISTEN/NOTIFY), and every second besides, in case the
    /// listener is reconnecting; on SQLite (one machine) every `every`. (This server's own
    /// writes come round too, and clear what was just filled again: harmless, and rare next
    /// to reads.)
    pub async fn follow_log(self, every: Duration) {
        use crate::db::changes as log;
        let heard = std::sync::Arc::new(tokio::sync::Notify::new());
        let every = if self.db.listen_for_changes(std::sync::Arc::downgrade(&heard)) {
            every.max(Duration::from_secs(1))
        } else {
            every
        };
        let mut seen = loop {
            match self.db.watch(|c| Ok(log::positions(c)?)).await {
                Ok((last, flushes)) => {
                    self.views_flushed_up_to(flushes);
                    break last;
                }
                Err(e) => tracing::warn!(error = %e, "change log not read"),
            }
            tokio::time::sleep(every).await;
        };
        loop {
            let _ = tokio::time::timeout(every, heard.notified()).await;
            let after = seen;
            let read = self
                .db
                .watch(move |c| {
                    let (last, flushes) = log::positions(c)?;
                    let entities = if last > after {
                        log::entities_between(c, after, last)?
                    } else {
                        Vec::new()
                    };
                    Ok((last, flushes, entities))
                })
                .await;
            let (last, flushes, entities) = match read {
                Ok(read) => read,
                Err(e) => {
                    tracing::warn!(error = %e, "change log not read");
                    continue;
                }
            };
            let mut comments = Vec::new();
            for (kind, id) in entities {
                let change = match kind.as_str() {
                    "article" => Change::Article(id),
                    "section" => Change::Section(id),
                    "tag" => Change::Tag(id),
                    "author" => Change::Author(id),
                    _ => {
                        comments.push(id);
                        continue;
                    }
                };
                self.forget_here(&change);
            }
            if !comments.is_empty() {
                self.forget_here(&Change::Comments(comments));
            }
            self.views_flushed_up_to(flushes);
            seen = last;
        }
    }
}
