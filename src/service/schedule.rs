//! Articles that become public at their scheduled time, with nobody writing: every cache
//! here already expires at the next scheduled publication (the horizon), but a CDN keeps
//! what it was told to keep, so each such article is announced as changed when its time
//! comes, as a write would have.

use std::time::Duration;

use super::{Change, ContentService};

impl ContentService {
    /// Runs for the life of the server: every `every`, asks which articles became public
    /// since the last look (by the service's clock) and treats each as changed.
    pub async fn watch_schedule(self, every: Duration) {
        let mut since = self.now();
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
                .run(move |c| Ok(crate::db::articles::became_public(c, since, now)?))
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
        }
    }
}
