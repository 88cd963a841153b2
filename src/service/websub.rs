//! WebSub (W3C): feeds name their hubs (`--websub-hub`), and every change to a feed's
//! content is announced to each hub (`hub.mode=publish`, `hub.url=` the feed), which then
//! fetches the feed and pushes it to its subscribers. The changes are read from the change
//! log, after a position kept in the database, so a server that dies before it told the
//! hubs leaves the telling to the next one; a hub that does not answer is asked again a few
//! times (it is a hint: subscribers still poll now and then).

use std::collections::BTreeSet;
use std::time::Duration;

use super::ContentService;
use super::feeds::{FeedScope, SiteSettings};
use crate::db::changes as log;
use crate::db::webhooks::{advance_cursor, cursor};

const CURSOR: &str = "websub";
/// The feed files that name the hubs (ninjs has no place for them).
const ANNOUNCED: [&str; 3] = ["rss.xml", "atom.xml", "feed.json"];

impl ContentService {
    /// Runs for the life of the server when hubs are configured.
    pub async fn ping_hubs(self, site: SiteSettings, every: Duration) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("Masthead/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        loop {
            match self.feeds_changed(&site).await {
                Ok(Some((from, to, topics))) => {
                    for hub in &site.hubs {
                        for topic in &topics {
                            ping(&client, hub, topic).await;
                        }
                    }
                    // Moved on once told: a server that died before leaves it to the next.
                    let moved = self
                        .db
                        .run(move |c| Ok(advance_cursor(c, CURSOR, from, to)?))
                        .await;
                    if let Err(e) = moved {
                        tracing::warn!(error = %e, "WebSub position not saved; the hubs may be told again");
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "change log not read for WebSub"),
            }
            self.next_change(every).await;
        }
    }

    /// The feeds whose content changed since the last announcement: (from, to, feed URLs).
    async fn feeds_changed(
        &self,
        site: &SiteSettings,
    ) -> Result<Option<(i64, i64, Vec<String>)>, crate::error::AppError> {
        let found = self
            .db
            .run(|c| {
                let last = log::last(c)?;
                let from = cursor(c, CURSOR, last)?;
                if from >= last {
                    return Ok(None);
                }
                let of = |kind: &str, all: &[(String, i64)]| -> Vec<i64> {
                    all.iter().filter(|(k, _)| k == kind).map(|(_, id)| *id).collect()
                };
                let changed = log::entities_between(c, from, last)?;
                let (articles, sections, tags, authors) = (
                    of("article", &changed),
                    of("section", &changed),
                    of("tag", &changed),
                    of("author", &changed),
                );
                // Comments are in no feed.
                if articles.is_empty() && sections.is_empty() && tags.is_empty() && authors.is_empty() {
                    advance_cursor(c, CURSOR, from, last)?;
                    return Ok(None);
                }
                let slugs = log::feed_slugs(c, &articles, &sections, &tags, &authors)?;
                Ok(Some((from, last, slugs)))
            })
            .await?;
        let Some((from, to, [sections, tags, authors])) = found else {
            return Ok(None);
        };
        let scopes = std::iter::once(FeedScope::All)
            .chain(sections.into_iter().map(FeedScope::Section))
            .chain(tags.into_iter().map(FeedScope::Tag))
            .chain(authors.into_iter().map(FeedScope::Author));
        let topics: BTreeSet<String> = scopes
            .flat_map(|scope| {
                let path = scope.path();
                ANNOUNCED.map(|file| site.api_link(&format!("{path}/{file}")))
            })
            .collect();
        Ok(Some((from, to, topics.into_iter().collect())))
    }
}

/// Tells one hub that one feed changed, trying three times.
async fn ping(client: &reqwest::Client, hub: &str, topic: &str) {
    let mut wait = Duration::from_millis(500);
    for attempt in 1..=3 {
        let sent = client
            .post(hub)
            .form(&[("hub.mode", "publish"), ("hub.url", topic)])
            .send()
            .await;
        let error = match sent {
            Ok(answer) if answer.status().is_success() => return,
            Ok(answer) => format!("answered {}", answer.status()),
            Err(e) => e.without_url().to_string(),
        };
        if attempt == 3 {
            tracing::warn!(%hub, %topic, %error, "WebSub hub not told of a change");
            return;
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
}
