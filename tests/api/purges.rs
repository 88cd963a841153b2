//! Surrogate keys and purges, as a CDN in front of Masthead sees them: every cacheable
//! response says what it shows, and every change to public content tells the CDN exactly
//! which of them to drop.

use chrono::{Duration, Utc};
use masthead::auth::Role;
use masthead::service::purge::PurgeStyle;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, PurgeReceiver, TestApp, spawn_app_with};

fn surrogate_keys(res: &reqwest::Response) -> Vec<String> {
    let keys = res.headers()["surrogate-key"].to_str().unwrap().to_owned();
    let tags = res.headers()["cache-tag"].to_str().unwrap();
    assert_eq!(tags, keys.replace(' ', ","), "Cache-Tag lists the same keys");
    keys.split(' ').map(str::to_owned).collect()
}

async fn keys_of(app: &TestApp, path: &str) -> Vec<String> {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    surrogate_keys(&res)
}

/// A server whose purges go to `cdn`, announced with a Fastly API token.
async fn behind(cdn: &PurgeReceiver, style: PurgeStyle) -> TestApp {
    let url = cdn.url.parse().unwrap();
    spawn_app_with(Content::Demo, move |s| {
        s.content.purge.url = Some(url);
        s.content.purge.style = style;
        s.content.purge.headers = vec![("Fastly-Key".into(), "cdn-token".into())];
        s.content.purge.first_retry = std::time::Duration::from_millis(10);
        s.content.schedule_check = std::time::Duration::from_millis(20);
    })
    .await
}

/// The newest article: (id, slug, its REST body).
async fn newest(app: &TestApp) -> (i64, String, Value) {
    let list = app.get_json("/v1/articles?limit=1").await;
    let slug = list["items"][0]["slug"].as_str().unwrap().to_owned();
    let article = app.get_json(&format!("/v1/articles/{slug}")).await;
    (article["id"].as_i64().unwrap(), slug, article)
}

fn ids(article: &Value, field: &str) -> Vec<i64> {
    article[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_public_response_names_what_it_shows() {
    // No response cache: the second read of the article comes from its stored document.
    let app = spawn_app_with(Content::Demo, |s| {
        s.content.read_cache_ttl = std::time::Duration::ZERO;
    })
    .await;
    let (id, slug, article) = newest(&app).await;
    let path = format!("/v1/articles/{slug}");
    let keys = keys_of(&app, &path).await;
    assert_eq!(keys[..2], ["article".to_owned(), format!("article-{id}")]);
    let mut expected: Vec<String> = ids(&article, "section_path")
        .into_iter()
        .chain(ids(&article, "sections"))
        .map(|s| format!("section-{s}"))
        .collect();
    expected.extend(ids(&article, "tags").iter().map(|t| format!("tag-{t}")));
    expected.extend(ids(&article, "authors").iter().map(|a| format!("author-{a}")));
    assert!(expected.len() >= 3, "a section, a tag and an author: {article}");
    for key in &expected {
        assert!(keys.contains(key), "{key} missing from {keys:?}");
    }
    assert!(
        keys.iter().any(|k| k.starts_with("media-")),
        "the featured image: {keys:?}"
    );

    // Once stored, the document read back from the database carries the same keys.
    let db = app.db.clone();
    let stored = tokio::task::spawn_blocking(move || {
        for _ in 0..250 {
            let found = db
                .run_blocking(move |c| {
                    Ok(masthead::db::articles::find_public_document(
                        c,
                        masthead::db::articles::ArticleKey::Id(id),
                        "blocks",
                        Utc::now().naive_utc(),
                    )?)
                })
                .unwrap();
            if let Some((_, _, _, keys)) = found {
                return keys;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the document was never stored");
    })
    .await
    .unwrap();
    assert_eq!(format!("article {stored}"), keys.join(" "));
    assert_eq!(keys_of(&app, &path).await, keys);

    for (path, expected) in [
        ("/v1/articles?limit=5", vec!["list"]),
        ("/v1/sections/middle-east", vec!["list"]),
        ("/v1/tags/transport", vec!["list"]),
        ("/v1/search?q=rail", vec!["list"]),
        ("/v1/popular", vec!["list"]),
        ("/v1/sections", vec!["sections"]),
        ("/v1/tags", vec!["tags"]),
        ("/v1/authors", vec!["authors"]),
        ("/feeds/rss.xml", vec!["feed"]),
        ("/sitemap.xml", vec!["feed"]),
    ] {
        assert_eq!(keys_of(&app, path).await, expected, "{path}");
    }
    assert_eq!(
        keys_of(&app, &format!("/v1/articles/{slug}/comments")).await,
        ["comments".to_owned(), format!("comments-{id}")]
    );
    let gql = app
        .graphql_get("{ articles(first: 1) { edges { node { title } } } }", &[])
        .await;
    assert_eq!(surrogate_keys(&gql), ["graphql"]);
}

#[tokio::test]
async fn a_write_purges_exactly_the_keys_of_what_it_changed() {
    let cdn = PurgeReceiver::start(0);
    let app = behind(&cdn, PurgeStyle::Fastly).await;
    let token = app.sign_in_as("editor@example.org", Role::Editor).await;
    let (id, slug, article) = newest(&app).await;
    let held = keys_of(&app, &format!("/v1/articles/{slug}")).await;

    app.ok(
        &token,
        Method::PATCH,
        &format!("/v1/editor/articles/{id}"),
        Some(json!({ "subtitle": "A sharper deck" })),
    )
    .await;
    let article_key = format!("article-{id}");
    let purged = cdn.wait_for(0, &[&article_key, "list", "feed", "graphql"]).await;
    assert!(held.contains(&article_key));
    for key in &purged {
        let other_article = key.starts_with("article-") && *key != article_key;
        let taxonomy = ["section-", "tag-", "author-", "media-"]
            .iter()
            .any(|p| key.starts_with(p));
        assert!(!other_article && !taxonomy, "{key} was not changed: {purged:?}");
    }
    let request = &cdn.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("fastly-key"), Some("cdn-token"));
    assert_eq!(
        request.header("surrogate-key"),
        Some(request.keys().join(" ").as_str())
    );
    // The CDN fetches it again and gets the new deck.
    let fresh = app.get_json(&format!("/v1/articles/{slug}")).await;
    assert_eq!(fresh["subtitle"], "A sharper deck");

    // A renamed tag drops every article that prints it, and the tag pages.
    let since = cdn.requests().len();
    let tag = ids(&article, "tags")[0];
    app.ok(
        &token,
        Method::PATCH,
        &format!("/v1/editor/tags/{tag}"),
        Some(json!({ "name": "Transit" })),
    )
    .await;
    let tag_key = format!("tag-{tag}");
    let purged = cdn.wait_for(since, &[&tag_key, "tags", "list"]).await;
    assert!(held.contains(&tag_key), "the article is filed under its tag");
    assert!(!purged.iter().any(|k| k.starts_with("article-")), "{purged:?}");
}

#[tokio::test]
async fn a_scheduled_publication_purges_when_its_time_comes_with_nobody_writing() {
    let cdn = PurgeReceiver::start(0);
    let app = behind(&cdn, PurgeStyle::Fastly).await;
    let token = app.sign_in_as("editor@example.org", Role::Editor).await;
    let (status, draft) = app
        .call(
            Method::POST,
            "/v1/editor/articles",
            Some(&token),
            Some(json!({
                "title": "Embargoed budget figures",
                "section": "middle-east",
                "authors": [{ "slug": "dana-levi" }],
                "body": [{ "type": "paragraph", "content": [{ "text": "Figures." }] }]
            })),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    let at = Utc::now() + Duration::hours(1);
    let (status, scheduled) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/publish"),
            Some(&token),
            Some(json!({ "published_at": at.to_rfc3339() })),
        )
        .await;
    assert_eq!(status, 200, "{scheduled}");
    assert_eq!(scheduled["status"], "scheduled");
    let article_key = format!("article-{id}");
    cdn.wait_for(0, &[&article_key]).await;
    let since = cdn.requests().len();

    app.advance_clock(Duration::hours(2));
    cdn.wait_for(since, &[&article_key, "list", "feed", "graphql"])
        .await;
    app.get_json("/v1/articles/embargoed-budget-figures").await;
}

#[tokio::test]
async fn a_failing_purge_endpoint_is_retried_and_never_fails_the_write() {
    let cdn = PurgeReceiver::start(2);
    let app = behind(&cdn, PurgeStyle::Fastly).await;
    let token = app.sign_in_as("editor@example.org", Role::Editor).await;
    let (id, _, _) = newest(&app).await;
    app.ok(
        &token,
        Method::PATCH,
        &format!("/v1/editor/articles/{id}"),
        Some(json!({ "subtitle": "Edited while the CDN is down" })),
    )
    .await;
    let article_key = format!("article-{id}");
    cdn.wait_for(0, &[&article_key]).await;
    let requests = cdn.requests();
    assert_eq!(
        requests.iter().map(|r| r.accepted).collect::<Vec<_>>(),
        [false, false, true],
        "two failures, then the same purge again"
    );
    assert!(requests.iter().all(|r| r.keys() == requests[2].keys()));
}

#[tokio::test]
async fn each_purge_style_speaks_its_cdns_api() {
    for style in [PurgeStyle::Xkey, PurgeStyle::Cloudflare] {
        let cdn = PurgeReceiver::start(0);
        let app = behind(&cdn, style).await;
        let token = app.sign_in_as("editor@example.org", Role::Editor).await;
        let (id, _, _) = newest(&app).await;
        app.ok(
            &token,
            Method::PATCH,
            &format!("/v1/editor/articles/{id}"),
            Some(json!({ "subtitle": "Styled" })),
        )
        .await;
        let article_key = format!("article-{id}");
        cdn.wait_for(0, &[&article_key]).await;
        let request = &cdn.requests()[0];
        match style {
            PurgeStyle::Xkey => {
                assert_eq!(request.method, "PURGE");
                assert!(request.header("xkey-purge").unwrap().contains(&article_key));
            }
            _ => {
                assert_eq!(request.method, "POST");
                assert!(
                    request.body["tags"]
                        .as_array()
                        .unwrap()
                        .contains(&json!(article_key))
                );
            }
        }
    }
}
