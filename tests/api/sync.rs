//! Delta sync as an offline app keeps its copy: a first sync, then only what changed, with
//! tombstones for what stopped being public; and a client that syncs after every batch of
//! random editorial work ends with exactly what a fresh first sync gives.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use masthead::auth::Role;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, TestApp, spawn_app};

/// What a client holds, by kind and id.
#[derive(Debug, Default, PartialEq)]
struct Copy {
    items: BTreeMap<(String, i64), Value>,
}

impl Copy {
    /// Syncs every page from `token` and applies it; answers the next token.
    async fn sync(&mut self, app: &TestApp, token: Option<&str>, limit: u32) -> String {
        let mut next = token.map(str::to_owned);
        loop {
            let path = match &next {
                Some(t) => format!("/v1/sync?limit={limit}&token={}", urlencode(t)),
                None => format!("/v1/sync?limit={limit}"),
            };
            let page = app.get_json(&path).await;
            let held: usize = ["articles", "sections", "tags", "authors", "deleted"]
                .iter()
                .map(|f| page[f].as_array().unwrap().len())
                .sum();
            assert!(
                held <= limit as usize,
                "a page holds at most {limit} items, not {held}"
            );
            for (kind, field) in [
                ("article", "articles"),
                ("section", "sections"),
                ("tag", "tags"),
                ("author", "authors"),
            ] {
                for item in page[field].as_array().unwrap() {
                    self.items
                        .insert((kind.to_owned(), item["id"].as_i64().unwrap()), item.clone());
                }
            }
            for gone in page["deleted"].as_array().unwrap() {
                self.items.remove(&(
                    gone["type"].as_str().unwrap().to_owned(),
                    gone["id"].as_i64().unwrap(),
                ));
            }
            match (page["next_page"].as_str(), page["next_token"].as_str()) {
                (Some(more), None) => next = Some(more.to_owned()),
                (None, Some(done)) => return done.to_owned(),
                other => panic!("a page ends with next_page or next_token: {other:?}"),
            }
        }
    }

    fn articles(&self) -> Vec<i64> {
        self.items
            .keys()
            .filter(|(k, _)| k == "article")
            .map(|(_, id)| *id)
            .collect()
    }
}

fn urlencode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

async fn editor(app: &TestApp) -> String {
    app.sign_in_as("sync-editor@example.org", Role::Editor).await
}

#[tokio::test]
async fn a_first_sync_then_only_what_changed_with_tombstones() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let mut copy = Copy::default();
    let next = copy.sync(&app, None, 10).await;
    let listed = app.all_pages("/v1/articles?limit=100").await;
    assert_eq!(
        copy.articles().len(),
        listed.len(),
        "every public article, page by page"
    );
    assert!(copy.items.keys().any(|(k, _)| k == "section"));

    // Nothing changed: nothing comes.
    let empty = app
        .get_json(&format!("/v1/sync?token={}", urlencode(&next)))
        .await;
    assert_eq!(empty["articles"], json!([]));
    assert_eq!(empty["deleted"], json!([]));
    assert!(empty["next_token"].is_string(), "a token that goes on from now");

    let edited = listed[0]["id"].as_i64().unwrap();
    let unpublished = listed[1]["id"].as_i64().unwrap();
    app.ok(
        &token,
        Method::PATCH,
        &format!("/v1/editor/articles/{edited}"),
        Some(json!({ "subtitle": "A new deck" })),
    )
    .await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{unpublished}/unpublish"),
        None,
    )
    .await;
    let fresh = app
        .draft(&token, "Ferry timetable changes for winter", "middle-east")
        .await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{fresh}/publish"),
        Some(json!({})),
    )
    .await;

    let delta = app
        .get_json(&format!("/v1/sync?token={}", urlencode(&next)))
        .await;
    let ids: Vec<i64> = delta["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [edited, fresh]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    let changed = delta["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == edited)
        .unwrap();
    assert_eq!(changed["subtitle"], "A new deck");
    let gone = &delta["deleted"][0];
    assert_eq!(
        (gone["type"].as_str(), gone["id"].as_i64()),
        (Some("article"), Some(unpublished))
    );
    assert!(gone["deleted_at"].is_string());

    // Whole articles for those who ask.
    let whole = app
        .get_json(&format!("/v1/sync?full=true&token={}", urlencode(&next)))
        .await;
    assert!(whole["articles"][0]["body"]["blocks"].is_array());
    // And GraphQL says the same.
    let gql = app
        .graphql(
            "query($t: String) { sync(token: $t) { articles { id subtitle } deleted { type id } nextToken } }",
            json!({ "t": next }),
        )
        .await;
    assert_eq!(gql["data"]["sync"]["deleted"][0]["type"], "ARTICLE");
    assert_eq!(gql["data"]["sync"]["articles"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_scheduled_article_comes_by_sync_when_its_time_comes() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let mut copy = Copy::default();
    let next = copy.sync(&app, None, 100).await;
    let id = app.draft(&token, "Embargoed rail figures", "middle-east").await;
    let at = Utc::now() + Duration::hours(1);
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(json!({ "published_at": at.to_rfc3339() })),
    )
    .await;
    let next = copy.sync(&app, Some(&next), 100).await;
    assert!(!copy.articles().contains(&id), "not before its time");
    app.advance_clock(Duration::hours(2));
    copy.sync(&app, Some(&next), 100).await;
    assert!(copy.articles().contains(&id), "at its time, with nobody writing");
}

#[tokio::test]
async fn a_token_older_than_the_log_keeps_is_gone_and_says_start_over() {
    let app = spawn_app(Content::Demo).await;
    let mut copy = Copy::default();
    let next = copy.sync(&app, None, 100).await;
    app.advance_clock(Duration::days(31));
    let problem = app
        .get_problem(&format!("/v1/sync?token={}", urlencode(&next)), 410)
        .await;
    assert_eq!(problem["code"], "sync_token_expired");
    let gql = app
        .graphql(
            "query($t: String) { sync(token: $t) { nextToken } }",
            json!({ "t": next }),
        )
        .await;
    assert_eq!(
        crate::helpers::gql_code(&gql).as_deref(),
        Some("SYNC_TOKEN_EXPIRED")
    );
    let forged = app.get_problem("/v1/sync?token=bm90LWEtdG9rZW4", 400).await;
    assert_eq!(forged["parameter"], "token");
}

/// Random editorial work in batches; after each, the client syncs from its last token. At
/// the end its copy is exactly a fresh first sync.
#[tokio::test]
async fn a_client_syncing_after_random_work_holds_what_a_first_sync_gives() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut pool: Vec<i64> = app
        .all_pages("/v1/articles?limit=100")
        .await
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    let tags = app.get_json("/v1/tags?limit=100").await["items"]
        .as_array()
        .unwrap()
        .clone();
    let sections = app.get_json("/v1/sections").await["items"]
        .as_array()
        .unwrap()
        .clone();
    let authors = app.get_json("/v1/authors?limit=100").await["items"]
        .as_array()
        .unwrap()
        .clone();
    let mut copy = Copy::default();
    let mut next = copy.sync(&app, None, 7).await;
    for batch in 0..6 {
        for step in 0..6 {
            let id = pool[rng.random_range(0..pool.len())];
            let article = format!("/v1/editor/articles/{id}");
            match rng.random_range(0..10) {
                0 => {
                    let new = app
                        .draft(&token, &format!("Story {batch} {step}"), "middle-east")
                        .await;
                    app.ok(
                        &token,
                        Method::POST,
                        &format!("/v1/editor/articles/{new}/publish"),
                        Some(json!({})),
                    )
                    .await;
                    pool.push(new);
                }
                1 => {
                    let new = app
                        .draft(&token, &format!("Scheduled {batch} {step}"), "middle-east")
                        .await;
                    let at = Utc::now() + Duration::minutes(rng.random_range(10..120));
                    app.ok(
                        &token,
                        Method::POST,
                        &format!("/v1/editor/articles/{new}/publish"),
                        Some(json!({ "published_at": at.to_rfc3339() })),
                    )
                    .await;
                    pool.push(new);
                }
                2 => {
                    app.call(
                        Method::PATCH,
                        &article,
                        Some(&token),
                        Some(json!({ "subtitle": format!("Deck {batch}.{step}") })),
                    )
                    .await;
                }
                3 => {
                    app.call(Method::POST, &format!("{article}/unpublish"), Some(&token), None)
                        .await;
                }
                4 => {
                    app.call(Method::POST, &format!("{article}/archive"), Some(&token), None)
                        .await;
                }
                5 => {
                    app.call(
                        Method::POST,
                        &format!("{article}/publish"),
                        Some(&token),
                        Some(json!({})),
                    )
                    .await;
                }
                6 => {
                    app.call(Method::DELETE, &article, Some(&token), None).await;
                    pool.retain(|p| *p != id);
                }
                7 => {
                    let tag = &tags[rng.random_range(0..tags.len())];
                    app.ok(
                        &token,
                        Method::PATCH,
                        &format!("/v1/editor/tags/{}", tag["id"]),
                        Some(json!({ "name": format!("Tag {batch}.{step}") })),
                    )
                    .await;
                }
                8 => {
                    let section = &sections[rng.random_range(0..sections.len())];
                    app.ok(
                        &token,
                        Method::PATCH,
                        &format!("/v1/editor/sections/{}", section["id"]),
                        Some(json!({ "name": format!("Section {batch}.{step}") })),
                    )
                    .await;
                }
                _ => {
                    let author = &authors[rng.random_range(0..authors.len())];
                    app.ok(
                        &token,
                        Method::PATCH,
                        &format!("/v1/editor/authors/{}", author["id"]),
                        Some(json!({ "name": format!("Author {batch}.{step}") })),
                    )
                    .await;
                }
            }
        }
        // Time passes: some scheduled articles come due.
        app.advance_clock(Duration::minutes(30));
        next = copy.sync(&app, Some(&next), 7).await;
        let mut fresh = Copy::default();
        fresh.sync(&app, None, 50).await;
        assert_eq!(copy, fresh, "after batch {batch}");
    }
}
