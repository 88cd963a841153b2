//! Surrogate keys and the purge hook, so that a CDN can keep public responses for long and
//! still drop exactly what a write changed.
//!
//! Every cacheable response says what it shows in `Surrogate-Key` (Fastly, Varnish with
//! xkey) and `Cache-Tag` (Cloudflare): a group key for its kind (`article`, `list`, `feed`,
//! `sections`, `tags`, `authors`, `comments`, `graphql`) and, for an article, the id of
//! everything it prints (`article-12 section-3 section-7 tag-40 author-5 media-9`). Ids,
//! not slugs: a rename is one key, and the old slug's key would otherwise be lost.
//!
//! Every change to public content names the keys to drop ([`Change::surrogate_keys`]) and
//! the purger sends them to the configured endpoint after the write has committed, off the
//! write's path: a purge that fails is retried with backoff and never fails or slows the
//! write. Purges are held in memory until sent; a server that dies with some unsent leaves
//! those responses to expire by their `s-maxage`.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Rendered;
use super::responses::{Change, Scope};

/// The keys a response of `scope` is filed under, its own (an article's) included.
pub fn keys_of(scope: Scope, rendered: &Rendered) -> String {
    let group = match scope {
        Scope::Article => "article",
        Scope::List | Scope::Popular => "list",
        Scope::Feed => "feed",
        Scope::Sections => "sections",
        Scope::Tags => "tags",
        Scope::Authors => "authors",
        Scope::Comments => {
            return match rendered.article {
                Some(article) => format!("comments comments-{article}"),
                None => "comments".to_owned(),
            };
        }
        Scope::Graphql(_) => "graphql",
    };
    if rendered.keys.is_empty() {
        group.to_owned()
    } else {
        format!("{group} {}", rendered.keys)
    }
}

/// The keys of one article's response, from what it prints.
pub fn article_keys(article: &super::views::Article, media: Option<i64>) -> String {
    let mut keys = vec![format!("article-{}", article.summary.id)];
    let sections: BTreeSet<i64> = std::iter::once(article.summary.section.id)
        .chain(article.section_path.iter().map(|s| s.id))
        .chain(article.sections.iter().map(|s| s.id))
        .collect();
    keys.extend(sections.into_iter().map(|id| format!("section-{id}")));
    keys.extend(article.summary.tags.iter().map(|t| format!("tag-{}", t.id)));
    keys.extend(article.summary.authors.iter().map(|a| format!("author-{}", a.id)));
    keys.extend(media.map(|id| format!("media-{id}")));
    keys.join(" ")
}

impl Change {
    /// The keys under which every response this change made stale is filed; empty when a
    /// CDN should let them expire by themselves (view counts move every few seconds).
    pub fn surrogate_keys(&self) -> Vec<String> {
        let lists = ["list", "feed", "graphql"].map(String::from);
        let with = |own: Vec<String>| own.into_iter().chain(lists.clone()).collect();
        match self {
            Change::Content => [
                "article", "list", "feed", "sections", "tags", "authors", "comments", "graphql",
            ]
            .map(String::from)
            .to_vec(),
            // Its comments answer 404 once it is not public.
            Change::Article(id) => with(vec![format!("article-{id}"), format!("comments-{id}")]),
            Change::Section(id) => with(vec![format!("section-{id}"), "sections".into()]),
            Change::Tag(id) => with(vec![format!("tag-{id}"), "tags".into()]),
            Change::Author(id) => with(vec![format!("author-{id}"), "authors".into()]),
            Change::Media(id) => with(vec![format!("media-{id}")]),
            Change::Comments(articles) => {
                let ids: BTreeSet<i64> = articles.iter().copied().collect();
                ids.into_iter()
                    .map(|id| format!("comments-{id}"))
                    .chain(["graphql".to_owned()])
                    .collect()
            }
            Change::Views => Vec::new(),
        }
    }
}

/// The request shapes CDNs accept for purging by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeStyle {
    /// Fastly's batch purge: `POST` with `{"surrogate_keys": [...]}` (and the
    /// `Surrogate-Key` header), e.g. to `https://api.fastly.com/service/ID/purge`.
    Fastly,
    /// Varnish with vmod-xkey: `PURGE` with the keys in an `xkey-purge` header.
    Xkey,
    /// Cloudflare's purge by tag: `POST` with `{"tags": [...]}`, e.g. to
    /// `https://api.cloudflare.com/client/v4/zones/ID/purge_cache`.
    Cloudflare,
}

impl std::str::FromStr for PurgeStyle {
    type Err = String;

    fn from_str(raw: &str) -> Result<PurgeStyle, String> {
        match raw {
            "fastly" => Ok(PurgeStyle::Fastly),
            "xkey" => Ok(PurgeStyle::Xkey),
            "cloudflare" => Ok(PurgeStyle::Cloudflare),
            _ => Err("the purge style is fastly, xkey or cloudflare".to_owned()),
        }
    }
}

impl PurgeStyle {
    /// Keys in one request: Cloudflare takes at most 30 tags a call, Fastly 256 keys.
    fn batch(self) -> usize {
        match self {
            PurgeStyle::Cloudflare => 30,
            PurgeStyle::Fastly | PurgeStyle::Xkey => 256,
        }
    }
}

/// Where purges go; none configured, none are sent.
#[derive(Debug, Clone)]
pub struct PurgeSettings {
    pub url: Option<url::Url>,
    pub style: PurgeStyle,
    /// Sent with every purge, e.g. `Fastly-Key: …` or `Authorization: Bearer …`.
    pub headers: Vec<(String, String)>,
    /// Tries per batch before it is given up (and logged).
    pub attempts: u32,
    /// The wait before the first retry; doubled each time, with jitter.
    pub first_retry: Duration,
}

impl Default for PurgeSettings {
    fn default() -> Self {
        PurgeSettings {
            url: None,
            style: PurgeStyle::Fastly,
            headers: Vec::new(),
            attempts: 8,
            first_retry: Duration::from_millis(500),
        }
    }
}

/// Hands keys to the sender task; a no-op when no endpoint is configured.
pub(super) struct Purger {
    queue: Option<mpsc::UnboundedSender<Vec<String>>>,
}

impl Purger {
    /// Starts the sender when an endpoint is configured and a runtime is there to run it.
    pub fn new(settings: &PurgeSettings) -> Purger {
        let runtime = tokio::runtime::Handle::try_current().ok();
        let queue = settings.url.clone().zip(runtime).map(|(url, runtime)| {
            let (tx, rx) = mpsc::unbounded_channel();
            runtime.spawn(send_purges(url, settings.clone(), rx));
            tx
        });
        Purger { queue }
    }

    pub fn purge(&self, keys: Vec<String>) {
        if let Some(queue) = &self.queue
            && !keys.is_empty()
            && queue.send(keys).is_err()
        {
            tracing::warn!("the purge sender has stopped; purge not sent");
        }
    }
}

/// Sends what is queued, many writes' keys at once when they come together.
async fn send_purges(url: url::Url, settings: PurgeSettings, mut rx: mpsc::UnboundedReceiver<Vec<String>>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    while let Some(first) = rx.recv().await {
        let mut keys: BTreeSet<String> = first.into_iter().collect();
        while let Ok(more) = rx.try_recv() {
            keys.extend(more);
        }
        let keys: Vec<String> = keys.into_iter().collect();
        for batch in keys.chunks(settings.style.batch()) {
            send_batch(&client, &url, &settings, batch).await;
        }
    }
}

async fn send_batch(client: &reqwest::Client, url: &url::Url, settings: &PurgeSettings, keys: &[String]) {
    let mut wait = settings.first_retry;
    for attempt in 1..=settings.attempts.max(1) {
        let outcome = request(client, url, settings, keys).send().await;
        let error = match outcome {
            Ok(response) if response.status().is_success() => {
                tracing::debug!(keys = keys.len(), "purged");
                return;
            }
            Ok(response) => format!("answered {}", response.status()),
            Err(e) => e.to_string(),
        };
        if attempt == settings.attempts.max(1) {
            tracing::error!(%error, keys = %keys.join(" "), "purge given up");
            return;
        }
        tracing::warn!(%error, attempt, "purge failed; retrying");
        // Jitter spreads the retries of several servers purging the same keys.
        let jitter = rand::random_range(0.5..1.5);
        tokio::time::sleep(wait.mul_f64(jitter)).await;
        wait = (wait * 2).min(Duration::from_secs(60));
    }
}

fn request(
    client: &reqwest::Client,
    url: &url::Url,
    settings: &PurgeSettings,
    keys: &[String],
) -> reqwest::RequestBuilder {
    let request = match settings.style {
        PurgeStyle::Fastly => client
            .post(url.clone())
            .header("Surrogate-Key", keys.join(" "))
            .json(&serde_json::json!({ "surrogate_keys": keys })),
        PurgeStyle::Xkey => client
            .request(
                reqwest::Method::from_bytes(b"PURGE").unwrap_or(reqwest::Method::POST),
                url.clone(),
            )
            .header("xkey-purge", keys.join(" ")),
        PurgeStyle::Cloudflare => client
            .post(url.clone())
            .json(&serde_json::json!({ "tags": keys })),
    };
    settings
        .headers
        .iter()
        .fold(request, |request, (name, value)| request.header(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_change_drops_the_article_and_every_list() {
        assert_eq!(
            Change::Article(7).surrogate_keys(),
            ["article-7", "comments-7", "list", "feed", "graphql"]
        );
        assert_eq!(
            Change::Comments(vec![3, 1, 3]).surrogate_keys(),
            ["comments-1", "comments-3", "graphql"]
        );
        assert!(Change::Views.surrogate_keys().is_empty());
    }

    #[test]
    fn every_group_key_is_dropped_by_a_change_of_everything() {
        let all = Change::Content.surrogate_keys();
        let rendered = Rendered::new(Vec::new());
        for scope in [
            Scope::Article,
            Scope::List,
            Scope::Popular,
            Scope::Feed,
            Scope::Sections,
            Scope::Tags,
            Scope::Authors,
            Scope::Comments,
            Scope::Graphql(Default::default()),
        ] {
            let keys = keys_of(scope, &rendered);
            let group = keys.split(' ').next().unwrap_or_default();
            assert!(all.iter().any(|k| k == group), "{scope:?} files under {group}");
        }
    }
}
