//! Related articles and popular articles, over REST and GraphQL, on small hand-built data.

use std::time::Duration;

use chrono::Utc;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Content, TestApp, TestArticle, gql_code, slugs, spawn_app_with};
use masthead::auth::Role;

fn article(slug: &str, title: &str, hours_ago: i64, section: &str, tags: &[&str]) -> TestArticle {
    TestArticle {
        title: title.into(),
        section: section.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..TestArticle::published(slug, hours_ago)
    }
}

/// A source sharing two rare tags with one article and one common tag with many.
async fn newsroom() -> TestApp {
    newsroom_with(|_| {}).await
}

async fn newsroom_with(adjust: impl FnOnce(&mut masthead::config::Settings)) -> TestApp {
    let app = spawn_app_with(Content::Empty, adjust).await;
    let mut articles = vec![
        article(
            "source",
            "Harbour cranes idle",
            10,
            "economy",
            &["rare-a", "rare-b", "common"],
        ),
        article(
            "two-rare",
            "Quarterly grain exports",
            20,
            "world",
            &["rare-a", "rare-b"],
        ),
        article("one-common", "Museum reopens doors", 12, "world", &["common"]),
        article("same-section", "Bakers raise prices", 30, "economy", &["common"]),
        article(
            "ancient",
            "Cranes idle at harbour",
            24 * 365 * 7,
            "economy",
            &["rare-a", "rare-b"],
        ),
        article(
            "draft-twin",
            "Harbour cranes idle again",
            9,
            "economy",
            &["rare-a", "rare-b"],
        )
        .with_status("draft", None),
        article(
            "future-twin",
            "Harbour cranes idle still",
            0,
            "economy",
            &["rare-a", "rare-b"],
        )
        .with_status("scheduled", Some(Utc::now() + chrono::Duration::days(2))),
    ];
    let fillers = ["violin", "orchard", "glacier", "satellite", "lantern", "meadow"];
    for (i, word) in fillers.iter().enumerate() {
        articles.push(article(
            &format!("filler-{i}"),
            &format!("{word} festival"),
            40 + i as i64,
            "culture",
            &["common"],
        ));
    }
    app.insert_articles(articles).await;
    app
}

#[tokio::test]
async fn two_rare_tags_outrank_one_common_tag_and_unpublished_never_shows() {
    let app = newsroom().await;
    let body = app.get_json("/v1/articles/source/related?limit=20").await;
    let items = body["items"].as_array().expect("items");
    let order: Vec<String> = items
        .iter()
        .map(|i| i["article"]["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order[0], "two-rare", "{order:?}");
    let pos = |s: &str| order.iter().position(|o| o == s);
    assert!(pos("one-common").is_some(), "{order:?}");
    assert!(pos("two-rare") < pos("one-common"));
    for hidden in ["source", "draft-twin", "future-twin", "ancient"] {
        assert_eq!(pos(hidden), None, "{hidden} must not be related: {order:?}");
    }
    // Same data, same order; scores descend.
    let again = app.get_json("/v1/articles/source/related?limit=20").await;
    assert_eq!(again, body);
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // Reasons say what is shared.
    let reasons = &items[0]["reasons"];
    assert_eq!(
        reasons[0],
        json!({"kind": "shared_tags", "names": ["rare-a", "rare-b"]})
    );
    let same = &items[pos("same-section").unwrap()]["reasons"];
    assert!(
        same.as_array()
            .unwrap()
            .contains(&json!({"kind": "same_section", "names": ["economy"]})),
        "{same}"
    );

    // The default limit is 5; limits outside 1..=20 are refused.
    let short = app.get_json("/v1/articles/source/related").await;
    assert!(short["items"].as_array().unwrap().len() <= 5);
    let problem = app.get_problem("/v1/articles/source/related?limit=21", 400).await;
    assert_eq!(problem["parameter"], "limit");
    app.get_problem("/v1/articles/draft-twin/related", 404).await;
}

#[tokio::test]
async fn more_like_this_keeps_to_the_section() {
    let app = newsroom().await;
    let body = app.get_json("/v1/articles/source/related?scope=section").await;
    let order: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["article"]["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["same-section"]);
    let problem = app
        .get_problem("/v1/articles/source/related?scope=planet", 400)
        .await;
    assert_eq!(problem["parameter"], "scope");

    let res = app
        .graphql(
            r#"{ article(slug: "source") { related(first: 3) { article { slug } score reasons { kind names } }
                 section: related(scope: SECTION) { article { slug } } } }"#,
            json!({}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let related = &res["data"]["article"]["related"];
    assert_eq!(related[0]["article"]["slug"], "two-rare");
    assert_eq!(related[0]["reasons"][0]["kind"], "SHARED_TAGS");
    assert_eq!(related.as_array().unwrap().len(), 3);
    assert_eq!(
        res["data"]["article"]["section"][0]["article"]["slug"],
        "same-section"
    );
}

#[tokio::test]
async fn editors_pin_related_articles_first() {
    let app = newsroom().await;
    let token = app.sign_in_as("editor@example.com", Role::Editor).await;
    let source = app.get_json("/v1/articles/source").await;
    let id = source["id"].as_i64().unwrap();
    let path = format!("/v1/editor/articles/{id}");

    let (status, problem) = app
        .call(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"related": ["nope", "source"]})),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["related[0]", "related[1]"]);

    let (status, saved) = app
        .call(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"related": ["filler-3", "draft-twin"]})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["related"], json!(["filler-3", "draft-twin"]));

    let body = app.get_json("/v1/articles/source/related").await;
    let items = body["items"].as_array().unwrap();
    // The pinned draft stays hidden; the pinned article leads.
    assert_eq!(items[0]["article"]["slug"], "filler-3");
    assert_eq!(items[0]["reasons"], json!([{"kind": "pinned", "names": []}]));
    assert!(items[0]["score"].is_null());
    assert_eq!(items[1]["article"]["slug"], "two-rare");
    assert!(
        !slugs(&items.iter().map(|i| i["article"].clone()).collect::<Vec<_>>())
            .contains(&"draft-twin".to_owned())
    );
}

/// Related articles follow the newsroom's writes at once: a publish brings an article in,
/// an unpublish or a delete takes it out, with nothing waiting for a refresh.
#[tokio::test]
async fn related_follows_publishing_at_once() {
    let app = newsroom().await;
    let token = app.sign_in_as("editor@example.com", Role::Editor).await;
    let before = related_slugs(&app, "source").await;
    assert_eq!(before[0], "two-rare");
    assert!(!before.contains(&"draft-twin".to_owned()));

    let (status, draft) = app
        .call(
            Method::GET,
            "/v1/editor/articles?status=draft",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{draft}");
    let twin_id = draft["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == "draft-twin")
        .expect("the draft twin is listed")["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{twin_id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let after = related_slugs(&app, "source").await;
    assert_eq!(
        after[0], "draft-twin",
        "the freshly published twin leads: {after:?}"
    );

    let two_rare = app.get_json("/v1/articles/two-rare").await["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{two_rare}/unpublish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/v1/editor/articles/{twin_id}"),
            Some(&token),
            None,
        )
        .await;
    assert!(status == 204 || status == 200, "{status} {body}");
    let last = related_slugs(&app, "source").await;
    assert!(!last.contains(&"two-rare".to_owned()), "{last:?}");
    assert!(!last.contains(&"draft-twin".to_owned()), "{last:?}");
    assert!(!last.is_empty(), "the rest still relate");
}

/// Articles unpublished behind the key index's back (by another instance, say, before it
/// syncs) are still never shown, and the list is filled from the next best, even when more
/// of the best are gone than are read ahead.
#[tokio::test]
async fn related_skips_articles_unpublished_elsewhere_and_fills_the_list() {
    let app = newsroom().await;
    let all = related_slugs(&app, "source").await;
    assert!(all.len() >= 9, "{all:?}");
    let hidden: Vec<String> = all[..4].to_vec();
    let list = hidden
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // Straight to the database: this instance is not told, and updated_at is left alone.
    app.db
        .run(move |c| {
            use diesel::RunQueryDsl;
            let sql = format!("UPDATE articles SET status = 'draft' WHERE slug IN ({list})");
            masthead::with_conn!(c, |c| diesel::sql_query(sql.clone()).execute(c))?;
            Ok(())
        })
        .await
        .unwrap();
    let body = app.get_json("/v1/articles/source/related?limit=5").await;
    assert_eq!(slugs_of_related(&body), all[4..9].to_vec());
}

fn slugs_of_related(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["article"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn related_slugs(app: &TestApp, slug: &str) -> Vec<String> {
    let body = app
        .get_json(&format!("/v1/articles/{slug}/related?limit=20"))
        .await;
    slugs_of_related(&body)
}

async fn view(app: &TestApp, slug: &str, agent: &str) -> u16 {
    app.client
        .post(format!("{}/v1/articles/{slug}/views", app.address))
        .header("user-agent", agent)
        .send()
        .await
        .expect("beacon")
        .status()
        .as_u16()
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1";
const CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// Writes what was counted, as the flusher would within its interval, then asks.
async fn popular(app: &TestApp, query: &str) -> Vec<(String, i64)> {
    app.flush_views().await;
    let body = app.get_json(&format!("/v1/popular?{query}")).await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["article"]["slug"].as_str().unwrap().to_owned(),
                i["views"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn views_are_counted_once_per_reader_and_never_for_bots() {
    let app = newsroom().await;
    let mut said = Vec::new();
    for agent in [FIREFOX, SAFARI, CHROME, FIREFOX, GOOGLEBOT] {
        let res = app
            .client
            .post(format!("{}/v1/articles/two-rare/views", app.address))
            .header("user-agent", agent)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        said.push(res.headers()["masthead-view"].to_str().unwrap().to_owned());
    }
    // Every test client shares one address: the second Firefox is a repeat, Googlebot a bot.
    assert_eq!(said, ["counted", "counted", "counted", "repeat", "bot"]);
    assert_eq!(view(&app, "one-common", FIREFOX).await, 204);
    // The image beacon counts too.
    let pixel = app
        .client
        .get(format!("{}/v1/articles/one-common/views.gif", app.address))
        .header("user-agent", SAFARI)
        .send()
        .await
        .unwrap();
    assert_eq!(pixel.status(), 200);
    assert_eq!(pixel.headers()["content-type"], "image/gif");
    assert!(pixel.bytes().await.unwrap().starts_with(b"GIF89a"));
    // Unpublished articles take no views.
    assert_eq!(view(&app, "draft-twin", FIREFOX).await, 404);
    assert_eq!(view(&app, "future-twin", FIREFOX).await, 404);

    let res = app
        .graphql(r#"mutation { recordView(slug: "same-section") }"#, json!({}))
        .await;
    assert!(res["errors"].is_null(), "{res}");

    let top = popular(&app, "window=1h").await;
    assert_eq!(
        top,
        [("two-rare".to_owned(), 3), ("one-common".to_owned(), 2)],
        "GraphQL's beacon came without a user agent, so it is not counted either"
    );

    let res = app
        .graphql(
            r#"{ popular(window: HOUR, first: 1) { views article { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        res["data"]["popular"],
        json!([{"views": 3, "article": {"slug": "two-rare"}}])
    );
}

#[tokio::test]
async fn popular_respects_windows_sections_and_publication() {
    let app = newsroom().await;
    let ids: std::collections::HashMap<String, i64> = {
        let db = app.db.clone();
        tokio::task::spawn_blocking(move || {
            db.run_blocking(|c| {
                let mut out = std::collections::HashMap::new();
                for slug in [
                    "two-rare",
                    "one-common",
                    "same-section",
                    "draft-twin",
                    "future-twin",
                ] {
                    out.insert(
                        slug.to_owned(),
                        masthead::db::editorial::slug_owner(c, slug)?.unwrap(),
                    );
                }
                Ok(out)
            })
        })
        .await
        .unwrap()
        .unwrap()
    };
    let now = Utc::now().naive_utc();
    let rows = vec![
        (now - chrono::Duration::days(3), ids["two-rare"], 50),
        (now - chrono::Duration::minutes(5), ids["one-common"], 7),
        (now - chrono::Duration::minutes(5), ids["same-section"], 9),
        (now - chrono::Duration::minutes(5), ids["draft-twin"], 1000),
        (now - chrono::Duration::minutes(5), ids["future-twin"], 1000),
        (now - chrono::Duration::days(40), ids["one-common"], 1000),
    ];
    let hour = |t: chrono::NaiveDateTime| {
        use chrono::DurationRound;
        t.duration_trunc(chrono::Duration::hours(1)).unwrap()
    };
    let rows: Vec<_> = rows.into_iter().map(|(t, id, v)| (hour(t), id, v)).collect();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.run_blocking(|c| Ok(masthead::db::discovery::add_views(c, &rows)?))
    })
    .await
    .unwrap()
    .unwrap();
    app.views_written_behind();

    let day = popular(&app, "window=24h").await;
    assert_eq!(
        day,
        [("same-section".to_owned(), 9), ("one-common".to_owned(), 7)]
    );
    let week = popular(&app, "window=7d").await;
    assert_eq!(week[0], ("two-rare".to_owned(), 50));
    assert_eq!(week.len(), 3, "{week:?}");
    let month = popular(&app, "window=30d&section=world").await;
    assert_eq!(month, [("two-rare".to_owned(), 50), ("one-common".to_owned(), 7)]);

    let problem = app.get_problem("/v1/popular?window=2h", 400).await;
    assert_eq!(problem["parameter"], "window");
    let problem = app.get_problem("/v1/popular?section=atlantis", 400).await;
    assert_eq!(problem["parameter"], "section");
    let res = app.graphql("{ popular(first: 99) { views } }", json!({})).await;
    assert_eq!(gql_code(&res).as_deref(), Some("INVALID_PARAMETER"), "{res}");
}

/// Views written by another instance show once the totals are older than their TTL (10 s by
/// default, kept by the server's clock), and keep showing as more arrive: totals are recomputed only when
/// views were added, and each addition is noticed.
#[tokio::test]
async fn views_added_by_another_instance_show_within_the_totals_ttl() {
    let app = newsroom().await;
    let id = {
        let db = app.db.clone();
        tokio::task::spawn_blocking(move || {
            db.run_blocking(|c| Ok(masthead::db::editorial::slug_owner(c, "one-common")?.unwrap()))
        })
        .await
        .unwrap()
        .unwrap()
    };
    let add = |views: i64| {
        use chrono::DurationRound;
        let hour = Utc::now()
            .naive_utc()
            .duration_trunc(chrono::Duration::hours(1))
            .unwrap();
        let db = app.db.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                db.run_blocking(|c| Ok(masthead::db::discovery::add_views(c, &[(hour, id, views)])?))
            })
            .await
            .unwrap()
            .unwrap();
        }
    };
    // Each request names a different limit: the response cache holds each URL for 5 s.
    assert_eq!(popular(&app, "window=1h&limit=10").await, []);
    add(5).await;
    assert_eq!(
        popular(&app, "window=1h&limit=11").await,
        [],
        "totals are kept for their TTL"
    );
    for (total, limits) in [(5, 12..30), (8, 30..50)] {
        if total == 8 {
            add(3).await;
        }
        app.advance_clock(chrono::Duration::seconds(11));
        // The first request after the TTL answers the old totals and has them recomputed in
        // the background; the new totals show as soon as that is done.
        let mut seen = Vec::new();
        for limit in limits {
            seen = popular(&app, &format!("window=1h&limit={limit}")).await;
            if seen == [("one-common".to_owned(), total)] {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(seen, [("one-common".to_owned(), total)]);
    }
}
