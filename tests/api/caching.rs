//! HTTP caching as browsers, apps and CDNs see it: stable content-hash validators, one
//! `Vary`, `Last-Modified` where a time is known, and GraphQL GET responses as cacheable
//! as REST.

use base64::Engine;
use serde_json::Value;
use sha2::Digest;

use crate::helpers::{Content, TestApp, spawn_app};

async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    app.get_with(path, headers).await
}

fn all(res: &reqwest::Response, name: &str) -> Vec<String> {
    res.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn validators_are_content_hashes_shared_by_every_encoding() {
    let app = spawn_app(Content::Demo).await;
    let plain = fetch(&app, "/v1/articles?limit=3", &[]).await;
    let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
    let body = plain.bytes().await.unwrap();
    // The same bytes give the same tag on any server and with any build.
    let digest = sha2::Sha256::digest(&body);
    let expected = format!(
        "W/\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18])
    );
    assert_eq!(etag, expected);

    let gzipped = fetch(&app, "/v1/articles?limit=3", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(
        gzipped.headers()["etag"].to_str().unwrap(),
        etag,
        "a weak tag for both encodings"
    );
    let vary = all(&gzipped, "vary");
    assert_eq!(vary.len(), 1, "one Vary: {vary:?}");
    assert!(vary[0].to_ascii_lowercase().contains("accept-encoding"));

    let revalidated = fetch(
        &app,
        "/v1/articles?limit=3",
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(revalidated.status(), 304);
    assert_eq!(
        all(&revalidated, "vary").len(),
        1,
        "a 304 names what it varies on"
    );
    assert_eq!(revalidated.headers()["etag"].to_str().unwrap(), etag);
    // A strong form of the same tag matches too (weak comparison).
    let strong = etag.trim_start_matches("W/");
    assert_eq!(
        fetch(&app, "/v1/articles?limit=3", &[("if-none-match", strong)])
            .await
            .status(),
        304
    );
}

#[tokio::test]
async fn every_sitemap_says_when_it_last_changed() {
    let app = spawn_app(Content::Demo).await;
    for path in [
        "/sitemap.xml",
        "/sitemaps/news.xml",
        "/sitemaps/sections.xml",
        "/feeds/rss.xml",
    ] {
        let res = fetch(&app, path, &[]).await;
        assert_eq!(res.status(), 200, "{path}");
        let last_modified = res
            .headers()
            .get("last-modified")
            .unwrap_or_else(|| panic!("{path}"));
        let again = fetch(
            &app,
            path,
            &[("if-modified-since", last_modified.to_str().unwrap())],
        )
        .await;
        assert_eq!(again.status(), 304, "{path}");
    }
}

#[tokio::test]
async fn anonymous_graphql_get_queries_are_cacheable_like_rest() {
    let app = spawn_app(Content::Demo).await;
    let query = "{ sections { slug name } }";
    let res = app.graphql_get(query, &[]).await;
    assert_eq!(res.status(), 200);
    let cache_control = res.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache_control.starts_with("public, max-age="), "{cache_control}");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert!(body["data"]["sections"].is_array());
    let again = app.graphql_get(query, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);

    // A form token is for one reader: never stored by anyone.
    let form = app
        .graphql_get(
            "{ commentForm(articleSlug: \"tel-aviv-opens-its-first-overnight-light-rail-service\") { token } }",
            &[],
        )
        .await;
    assert_eq!(form.status(), 200);
    assert!(
        form.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    assert!(form.headers().get("etag").is_none());
}

/// Counted views reach the popular list at the next flush, but leave every other cached
/// response where it was: an article, a list and a feed are answered without the database
/// after the flush, while the popular list is read again and shows the view. An editorial
/// write then clears them all.
#[tokio::test]
async fn a_view_flush_clears_only_what_counts_views() {
    const SLUG: &str = "tel-aviv-opens-its-first-overnight-light-rail-service";
    let app = spawn_app(Content::Demo).await;
    let kept = [
        format!("/v1/articles/{SLUG}"),
        "/v1/articles?limit=5".to_owned(),
        "/feeds/rss.xml".to_owned(),
    ];
    for path in &kept {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    let before: Value = app.get_json("/v1/popular?window=24h").await;
    assert!(before["items"].as_array().unwrap().is_empty(), "{before}");

    let beacon = app
        .client
        .post(format!("{}/v1/articles/{SLUG}/views", app.address))
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(beacon.status(), 204);
    app.flush_views().await;
    // The flush is counted where every server looks (the change log follower reads it,
    // at once on PostgreSQL): let that read pass before counting.
    app.settle().await;

    let statements = app.statements();
    let start = statements.get();
    for path in &kept {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    assert_eq!(statements.get() - start, 0, "answered from the cache");
    let after: Value = app.get_json("/v1/popular?window=24h").await;
    assert_eq!(after["items"][0]["article"]["slug"], SLUG, "{after}");
    assert!(statements.get() > start, "the popular list was read again");

    app.written_behind();
    let start = statements.get();
    assert_eq!(app.get(&kept[1]).await.status(), 200);
    assert!(statements.get() > start, "a write clears the rest too");
}

/// An edit to one article leaves every other article's response cached: only that article
/// and the lists are read again, and the edit shows at once.
#[tokio::test]
async fn an_edit_to_one_article_leaves_the_others_cached() {
    let app = spawn_app(Content::Demo).await;
    let token = app
        .sign_in_as("editor@example.org", masthead::auth::Role::Editor)
        .await;
    let other = "/v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service";
    let edited = "/v1/articles/haifa-port-adds-shore-power-for-cruise-ships";
    let list = "/v1/articles?limit=5";
    for path in [other, edited, list] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    let id = app.get_json(edited).await["id"].as_i64().unwrap();
    let (status, saved) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            Some(serde_json::json!({ "subtitle": "Ships plug in from March" })),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    app.settle().await;

    let statements = app.statements();
    let start = statements.get();
    assert_eq!(app.get(other).await.status(), 200);
    assert_eq!(statements.get() - start, 0, "another article stays cached");
    assert_eq!(app.get_json(edited).await["subtitle"], "Ships plug in from March");
    let page = app.get_json(list).await;
    let shown = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .map(|a| a["subtitle"].clone());
    assert!(
        shown.is_none_or(|s| s == "Ships plug in from March"),
        "the list shows the edit: {page}"
    );
    assert!(
        statements.get() > start,
        "the edited article and the list were read again"
    );
}

/// CDNs get their own lifetime and may serve a stale copy while revalidating or while the
/// server fails, as configured; articles, lists, feeds and GraphQL GETs say the same.
#[tokio::test]
async fn cdn_directives_follow_the_configuration() {
    let app = crate::helpers::spawn_app_with(Content::Demo, |s| {
        s.cache.max_age_seconds = 30;
        s.cache.shared_max_age_seconds = Some(600);
        s.cache.stale_while_revalidate_seconds = 120;
        s.cache.stale_if_error_seconds = 3600;
        s.feeds.max_age_seconds = 90;
    })
    .await;
    let directives = "s-maxage=600, stale-while-revalidate=120, stale-if-error=3600";
    for (path, max_age) in [
        (
            "/v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service",
            30,
        ),
        ("/v1/articles?limit=3", 30),
        ("/feeds/rss.xml", 90),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.headers()["cache-control"],
            format!("public, max-age={max_age}, {directives}").as_str(),
            "{path}"
        );
    }
    let res = app.graphql_get("{ sections { slug } }", &[]).await;
    assert_eq!(
        res.headers()["cache-control"],
        format!("public, max-age=30, {directives}").as_str()
    );
    // The defaults: a day of stale-if-error, five minutes of stale-while-revalidate.
    let plain = spawn_app(Content::Demo).await;
    let res = plain.get("/v1/articles?limit=3").await;
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
    );
}

#[tokio::test]
async fn a_write_through_one_server_shows_on_another_within_a_second() {
    let app = spawn_app(Content::Demo).await;
    let peer = app.spawn_peer().await;
    let token = app
        .sign_in_as("cluster@example.org", masthead::auth::Role::Editor)
        .await;
    let listed = app.get_json("/v1/articles?limit=1").await;
    let (id, slug) = (
        listed["items"][0]["id"].as_i64().unwrap(),
        listed["items"][0]["slug"].as_str().unwrap().to_owned(),
    );
    let path = format!("/v1/articles/{slug}");
    // The other server holds it in its response cache.
    peer.get_json(&path).await;
    peer.get_json(&path).await;

    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            Some(serde_json::json!({ "subtitle": "Written through the first server" })),
        )
        .await;
    assert_eq!(status, 200);
    let written = std::time::Instant::now();
    loop {
        let seen = peer.get_json(&path).await;
        if seen["subtitle"] == "Written through the first server" {
            break;
        }
        assert!(
            written.elapsed() < std::time::Duration::from_secs(1),
            "the other server still answers the old article after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
