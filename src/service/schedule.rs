//! Articles that become public at their scheduled time, with nobody writing: every cache
//! here already expires at the next scheduled publication (the horizon), but a CDN keeps
//! what it was told to keep, so each such article is announced as changed when its time
//! comes, as a write would have, and entered in the change log. (Delta sync does not rely
//! on this entry: it also asks which publication times passed.) The change log's old
//! entries are pruned here too.

use std::time::Duration;

use super::{Change, ContentService};

impl ContentService {
    /// Runs for the life of the server: every `every`, asks which articles became public
    /// since the last look (by the service's clock) and treats each as changed.
    pub async fn watch_schedule(self, every: Duration) {
        let mut since = self.now();
        let mut pruned = since - chrono::TimeDelta::days(1);
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
                    let ids = crate::db::articles::scheduled_due(c, since, now)?;
                    if !ids.is_empty() {
                        c.transaction(|c| super::sync::log_published(c, &ids, now))?;
                    }
                    Ok(ids)
                })
                .await;
            match due {
                Ok(ids) => {
                    for id in ids {
                        tracing::info!(article_id = id, "scheduled article is public now");
                        self.changed(Change::Article(id));
                    }
                    since = now;
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
    /// related index and event streams follow within `every`. (This server's own writes come
    /// round too, and clear what was just filled again: harmless, and rare next to reads.)
    pub async fn follow_log(self, every: Duration) {
        use crate::db::changes as log;
        let mut seen = loop {
            match self.db.run(|c| Ok(log::last(c)?)).await {
                Ok(last) => break last,
                Err(e) => tracing::warn!(error = %e, "change log not read"),
            }
            tokio::time::sleep(every).await;
        };
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let after = seen;
            let read = self
                .db
                .run(move |c| {
                    let last = log::last(c)?;
                    let entities = if last > after {
                        log::entities_between(c, after, last)?
                    } else {
                        Vec::new()
                    };
                    Ok((last, entities))
                })
                .await;
            let (last, entities) = match read {
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
            seen = last;
        }
    }
}
