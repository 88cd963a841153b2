//! Drafts, articles scheduled for the future and archived articles must not leak through
//! any public route or query.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{Content, TestApp, TestArticle, slugs, spawn_app};

const HIDDEN: [&str; 4] = [
    "hidden-draft",
    "hidden-scheduled",
    "hidden-archived",
    "hidden-future-published",
];

async fn app_with_hidden_articles() -> TestApp {
    let app = spawn_app(Content::Demo).await;
    let future = Some(Utc::now() + Duration::days(2));
    app.insert_articles(vec![
        TestArticle::published("hidden-draft", 1).with_status("draft", None),
        TestArticle::published("hidden-scheduled", 1).with_status("scheduled", future),
        TestArticle::published("hidden-archived", 1)
            .with_status("archived", Some(Utc::now() - Duration::days(1))),
        TestArticle::published("hidden-future-published", 1).with_status("published", future),
        TestArticle::published("visible-control", 1),
    ])
    .await;
    app
}

#[tokio::test]
async fn unpublished_articles_are_not_reachable_by_slug() {
    let app = app_with_hidden_articles().await;

    for slug in HIDDEN.iter().chain(
        [
            "draft-transit-fares-review",
            "embargoed-year-end-inflation-figures",
        ]
        .iter(),
    ) {
        let problem = app.get_problem(&format!("/v1/articles/{slug}"), 404).await;
        assert_eq!(problem["code"], "not_found");
    }
    app.get_json("/v1/articles/visible-control").await;
}

#[tokio::test]
async fn unpublished_articles_are_in_no_rest_list() {
    let app = app_with_hidden_articles().await;

    let lists = [
        "/v1/articles?limit=100",
        "/v1/articles?limit=100&section=middle-east",
        "/v1/articles?limit=100&section=world",
        "/v1/articles?limit=100&tag=transport",
        "/v1/articles?limit=100&author=dana-levi",
        "/v1/articles?limit=100&published_after=2000-01-01",
    ];
    for list in lists {
        let found = slugs(&app.all_pages(list).await);
        assert!(
            found.contains(&"visible-control".to_owned()),
            "{list} lists the control article"
        );
        for hidden in HIDDEN {
            assert!(!found.contains(&hidden.to_owned()), "{list} leaks {hidden}");
        }
        assert!(
            !found
                .iter()
                .any(|s| s.starts_with("draft-") || s.starts_with("embargoed-")),
            "{list}"
        );
    }
    for page in [
        "/v1/sections/middle-east",
        "/v1/tags/transport",
        "/v1/authors/dana-levi",
    ] {
        let detail = app.get_json(page).await;
        let found = slugs(detail["articles"]["items"].as_array().unwrap());
        assert!(found.contains(&"visible-control".to_owned()), "{page}");
        for hidden in HIDDEN {
            assert!(!found.contains(&hidden.to_owned()), "{page} leaks {hidden}");
        }
    }
}

#[tokio::test]
async fn unpublished_articles_are_not_reachable_over_graphql() {
    let app = app_with_hidden_articles().await;

    for slug in HIDDEN {
        let res = app
            .graphql(
                "query($s: String) { article(slug: $s) { id } }",
                json!({ "s": slug }),
            )
            .await;
        assert_eq!(res["data"]["article"], serde_json::Value::Null, "{slug}");
    }
    // By id too: ids of hidden articles are guessable.
    let control = app.get_json("/v1/articles/visible-control").await;
    let control_id = control["id"].as_i64().unwrap();
    for id in (control_id - 4)..control_id {
        let res = app
            .graphql(
                "query($id: ID) { article(id: $id) { slug } }",
                json!({ "id": id.to_string() }),
            )
            .await;
        assert_eq!(res["data"]["article"], serde_json::Value::Null, "article {id}");
    }
    let lists = app
        .graphql(
            r#"{
              articles(first: 100) { edges { node { slug } } }
              section(slug: "middle-east") { articles(first: 100) { edges { node { slug } } } }
              tag(slug: "transport") { articles(first: 100) { edges { node { slug } } } }
              author(slug: "dana-levi") { articles(first: 100) { edges { node { slug } } } }
            }"#,
            json!({}),
        )
        .await;
    let text = lists.to_string();
    assert!(text.contains("visible-control"));
    for hidden in HIDDEN {
        assert!(!text.contains(hidden), "GraphQL leaks {hidden}");
    }
}

#[tokio::test]
async fn a_scheduled_article_appears_by_itself_when_its_time_comes() {
    let app = spawn_app(Content::Demo).await;
    let soon = Utc::now() + Duration::seconds(2);
    app.insert_articles(vec![
        TestArticle::published("on-the-hour", 0).with_status("scheduled", Some(soon)),
    ])
    .await;

    app.get_problem("/v1/articles/on-the-hour", 404).await;
    // Read (and so cache) the lists it will join before its time comes.
    let before = app.get_json("/v1/articles?limit=1").await;
    assert_ne!(before["items"][0]["slug"], "on-the-hour");
    let section = app.get_json("/v1/sections/middle-east").await;
    assert_ne!(section["articles"]["items"][0]["slug"], "on-the-hour");
    let newest = "{ articles(first: 1) { edges { node { slug } } } }";
    let gql = app.graphql(newest, json!({})).await;
    assert_ne!(gql["data"]["articles"]["edges"][0]["node"]["slug"], "on-the-hour");
    app.advance_clock(Duration::seconds(3));

    let article = app.get_json("/v1/articles/on-the-hour").await;
    assert_eq!(article["slug"], "on-the-hour");
    let first = app.get_json("/v1/articles?limit=1").await;
    assert_eq!(first["items"][0]["slug"], "on-the-hour");
    let section = app.get_json("/v1/sections/middle-east").await;
    assert_eq!(section["articles"]["items"][0]["slug"], "on-the-hour");
    let gql = app.graphql(newest, json!({})).await;
    assert_eq!(gql["data"]["articles"]["edges"][0]["node"]["slug"], "on-the-hour");
}
