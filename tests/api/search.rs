//! Full-text search as a reader uses it.

use std::collections::HashSet;

use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, TestApp, spawn_app};

fn slugs_of(results: &Value) -> Vec<String> {
    results["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["article"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn publish(app: &TestApp, token: &str, title: &str, body: &str) -> i64 {
    let (status, article) = app
        .call(
            Method::POST,
            "/v1/editor/articles",
            Some(token),
            Some(json!({ "title": title, "section": "tech", "authors": [{ "slug": "kenji-mori" }], "body_html": body })),
        )
        .await;
    assert_eq!(status, 201, "{article}");
    let id = article["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/publish"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    id
}

#[tokio::test]
async fn search_finds_stemmed_words_and_marks_them() {
    let app = spawn_app(Content::Demo).await;

    let results = app.get_json("/v1/search?q=ferry").await;
    assert_eq!(
        slugs_of(&results)[0],
        "oslo-s-electric-ferries-pass-one-million-crossings",
        "ferry finds ferries"
    );
    let snippet = results["items"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>"), "{snippet}");
    assert!(results["items"][0]["article"]["authors"][0]["name"].is_string());

    let by_author = app.get_json("/v1/search?q=Okafor").await;
    assert!(
        !by_author["items"].as_array().unwrap().is_empty(),
        "author names are searchable"
    );
}

#[tokio::test]
async fn a_title_match_outranks_a_body_match_and_phrases_match_whole() {
    let app = spawn_app(Content::Demo).await;
    let editor = app.sign_in_as("editor@example.org", Role::Editor).await;
    publish(
        &app,
        &editor,
        "Budget talks stall",
        "<p>The zephyrine committee met again.</p>",
    )
    .await;
    publish(
        &app,
        &editor,
        "Zephyrine winds return",
        "<p>Forecasters expect gusts.</p>",
    )
    .await;

    let results = app.get_json("/v1/search?q=zephyrine").await;
    assert_eq!(
        slugs_of(&results),
        ["zephyrine-winds-return", "budget-talks-stall"]
    );

    let phrase = app.get_json("/v1/search?q=%22committee%20met%22").await;
    assert_eq!(slugs_of(&phrase), ["budget-talks-stall"]);
    let apart = app.get_json("/v1/search?q=%22met%20committee%22").await;
    assert!(slugs_of(&apart).is_empty(), "a phrase matches in order only");
}

#[tokio::test]
async fn unpublished_articles_are_never_found_and_the_index_follows_edits() {
    let app = spawn_app(Content::Demo).await;
    let editor = app.sign_in_as("editor@example.org", Role::Editor).await;
    let (_, draft) = app
        .call(Method::POST, "/v1/editor/articles", Some(&editor), Some(json!({ "title": "Quokka census", "section": "science", "authors": [{ "slug": "amara-okafor" }], "body_html": "<p>Counting quokkas.</p>" })))
        .await;
    let id = draft["id"].as_i64().unwrap();
    assert!(
        slugs_of(&app.get_json("/v1/search?q=quokka").await).is_empty(),
        "drafts are not found"
    );

    app.call(
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(&editor),
        None,
    )
    .await;
    assert_eq!(
        slugs_of(&app.get_json("/v1/search?q=quokka").await),
        ["quokka-census"]
    );

    app.call(
        Method::PATCH,
        &format!("/v1/editor/articles/{id}"),
        Some(&editor),
        Some(json!({ "title": "Wombat census", "body_html": "<p>Counting wombats.</p>" })),
    )
    .await;
    assert!(
        slugs_of(&app.get_json("/v1/search?q=quokka").await).is_empty(),
        "edits reindex"
    );
    assert_eq!(slugs_of(&app.get_json("/v1/search?q=wombat").await).len(), 1);

    app.call(
        Method::POST,
        &format!("/v1/editor/articles/{id}/unpublish"),
        Some(&editor),
        None,
    )
    .await;
    assert!(
        slugs_of(&app.get_json("/v1/search?q=wombat").await).is_empty(),
        "unpublished articles leave the results"
    );
    let gql = app
        .graphql(
            "{ search(query: \"wombat\") { edges { node { article { slug } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(gql["data"]["search"]["edges"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn results_page_with_cursors_and_filter_by_section() {
    let app = spawn_app(Content::Demo).await;

    let mut seen = Vec::new();
    let mut path = "/v1/search?q=city&limit=3".to_owned();
    loop {
        let page = app.get_json(&path).await;
        seen.extend(slugs_of(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/search?q=city&limit=3&cursor={c}"),
            None => break,
        }
    }
    assert!(seen.len() > 3);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "no result twice"
    );

    let gql = app
        .graphql("{ search(query: \"city\", first: 100) { edges { node { article { slug } snippet } } pageInfo { hasNextPage } } }", json!({}))
        .await;
    let gql_slugs: Vec<&str> = gql["data"]["search"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["article"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(gql_slugs, seen, "GraphQL and REST rank the same");

    let europe = app.get_json("/v1/search?q=city&section=europe&limit=100").await;
    let europe_slugs: HashSet<String> = app
        .all_pages("/v1/articles?section=europe&limit=100")
        .await
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect();
    assert!(slugs_of(&europe).iter().all(|s| europe_slugs.contains(s)));
}

#[tokio::test]
async fn empty_and_overlong_queries_are_refused_clearly() {
    let app = spawn_app(Content::Demo).await;

    for path in [
        "/v1/search",
        "/v1/search?q=",
        "/v1/search?q=%20%20",
        &format!("/v1/search?q={}", "a".repeat(201)),
    ] {
        let problem = app.get_problem(path, 400).await;
        assert_eq!(problem["parameter"], "q", "{path}");
    }
    app.get_problem("/v1/search?q=rail&cursor=nope", 400).await;
    let gql = app
        .graphql("{ search(query: \"\") { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(gql["errors"][0]["extensions"]["parameter"], "query");
}

#[tokio::test]
async fn renaming_or_deleting_a_tag_or_author_updates_what_search_finds() {
    let app = spawn_app(Content::Demo).await;
    let token = app.sign_in_as("editor@example.com", Role::Editor).await;
    let id = publish(&app, &token, "Quiet harbour", "<p>Boats rest.</p>").await;
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            Some(json!({ "tags": ["transport"] })),
        )
        .await;
    assert_eq!(status, 200);
    let tag = app.get_json("/v1/tags/transport").await;
    let tag_id = tag["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/tags/{tag_id}"),
            Some(&token),
            Some(json!({ "name": "Zeppelinology" })),
        )
        .await;
    assert_eq!(status, 200);
    let found = app.get_json("/v1/search?q=zeppelinology").await;
    assert!(slugs_of(&found).contains(&"quiet-harbour".to_owned()), "{found}");

    let author = app.get_json("/v1/authors/kenji-mori").await;
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/authors/{}", author["id"]),
            Some(&token),
            Some(json!({ "name": "Quintessa Marbleworth" })),
        )
        .await;
    assert_eq!(status, 200);
    let found = app.get_json("/v1/search?q=marbleworth").await;
    assert!(slugs_of(&found).contains(&"quiet-harbour".to_owned()), "{found}");

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/editor/tags/{tag_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let found = app.get_json("/v1/search?q=zeppelinology").await;
    assert_eq!(slugs_of(&found), Vec::<String>::new());
}

/// An old article with a rare word, then 2,600 newer ones saying "harbour", the 2,591st
/// three times in its title.
fn keeper_and_harbour_reports() -> Vec<crate::helpers::TestArticle> {
    use crate::helpers::TestArticle;
    let mut articles = vec![TestArticle {
        title: "Quixotic lighthouse keeper retires".into(),
        ..TestArticle::published("old-keeper", 24 * 400)
    }];
    for i in 0..2600 {
        articles.push(TestArticle {
            title: match i {
                2590 => "Harbour harbour harbour report".into(),
                600 => "Tides, tides, tides and tides at the harbour".into(),
                300 => "Harbour report number 300: tides and spring tides".into(),
                // A word in a few articles spread over time (and over the index's bands).
                _ if i % 300 == 0 && i <= 1200 => format!("Harbour report number {i}: spring tides"),
                _ => format!("Harbour report number {i}"),
            },
            ..TestArticle::published(&format!("harbour-{i}"), 24 * 300 - i as i64)
        });
    }
    articles
}

/// A word found only in an old article is found behind thousands of newer articles that
/// match something else, and a word in all of them still ranks its best first.
#[tokio::test]
async fn a_rare_old_match_is_found_behind_many_newer_ones() {
    let app = spawn_app(Content::Empty).await;
    app.insert_articles(keeper_and_harbour_reports()).await;

    let found = app.get_json("/v1/search?q=quixotic").await;
    assert_eq!(slugs_of(&found), ["old-keeper"]);
    let common = app.get_json("/v1/search?q=harbour&limit=5").await;
    let slugs = slugs_of(&common);
    assert_eq!(slugs.len(), 5);
    assert!(!slugs.contains(&"old-keeper".to_owned()));
    // Among the newest matches, the one that says it thrice leads.
    assert_eq!(slugs[0], "harbour-2590", "{slugs:?}");

    // Only the oldest 200 reports pass a date filter: they rank last among 2,600 matches,
    // found by ranking and checking deeper, alike in score and so newest first.
    let before = (chrono::Utc::now() - chrono::Duration::minutes((24 * 300 - 200) * 60 + 30))
        .format("%Y-%m-%dT%H:%M:%SZ");
    let old = app
        .get_json(&format!("/v1/search?q=harbour&limit=5&published_before={before}"))
        .await;
    assert_eq!(
        slugs_of(&old),
        [
            "harbour-199",
            "harbour-198",
            "harbour-197",
            "harbour-196",
            "harbour-195"
        ]
    );
}

/// One number from the database, by the query for each backend (SQLite, PostgreSQL).
async fn number_by(app: &TestApp, sqlite: String, pg: String) -> i64 {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;
    use masthead::db::DbConn;
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = BigInt)]
        value: i64,
    }
    app.db
        .run(move |c| {
            let found: Value = match c {
                DbConn::Sqlite(c) => diesel::sql_query(sqlite).get_result(c)?,
                DbConn::Pg(c) => diesel::sql_query(pg).get_result(c)?,
            };
            Ok(found.value)
        })
        .await
        .unwrap()
}

async fn number(app: &TestApp, sql: &str) -> i64 {
    number_by(app, sql.to_owned(), sql.to_owned()).await
}

/// How many entries of the recent full-text index hold `word`.
async fn recent_matches(app: &TestApp, word: &str) -> i64 {
    number_by(
        app,
        format!("SELECT count(*) AS value FROM article_search_recent WHERE article_search_recent MATCH '{word}'"),
        format!("SELECT count(*) AS value FROM article_search_recent WHERE document @@ to_tsquery('english', '{word}')"),
    )
    .await
}

/// The newest articles have a full-text index of their own, whose floor moves up as
/// articles arrive, and the index of all is split into bands of ids: a common word is
/// ranked among the newest, a rare old one found in its band, a word spread over several
/// bands ranked across them, and all follow writes.
#[tokio::test]
async fn search_ranks_among_the_newest_and_finds_the_oldest_as_the_recent_index_moves() {
    let app = spawn_app(Content::Demo).await;
    number(
        &app,
        "UPDATE article_search_recent_floor SET span = 1000 RETURNING span AS value",
    )
    .await;
    // The demo's few articles all lie in the first band at either width.
    assert!(number(&app, "SELECT max(id) AS value FROM articles").await < 500);
    number(
        &app,
        "UPDATE article_search_bands SET span = 500 RETURNING span AS value",
    )
    .await;
    app.insert_articles(keeper_and_harbour_reports()).await;
    let floor = number(&app, "SELECT floor AS value FROM article_search_recent_floor").await;
    let newest = number(&app, "SELECT max(id) AS value FROM articles").await;
    assert!(
        (1000..=2000).contains(&(newest - floor)),
        "the floor moved up with the articles: {floor} of {newest}"
    );
    assert_eq!(
        recent_matches(&app, "harbour").await,
        newest - floor,
        "the recent index holds exactly the articles above its floor"
    );

    let common = app.get_json("/v1/search?q=harbour&limit=5").await;
    let slugs = slugs_of(&common);
    assert_eq!(slugs[0], "harbour-2590", "{slugs:?}");
    assert_eq!(slugs.len(), 5);
    let found = app.get_json("/v1/search?q=quixotic").await;
    assert_eq!(slugs_of(&found), ["old-keeper"]);
    assert_eq!(
        number(&app, "SELECT count AS value FROM article_search_bands").await,
        newest / 500 + 1,
        "a band for every 500 ids"
    );
    // One of the five is above the floor, four lie in two bands below it (0 and 300 in
    // the first, 600 and 900 in the second), ranked together: four times, then twice
    // from the older band, then once.
    let spread = app.get_json("/v1/search?q=tides").await;
    let slugs = slugs_of(&spread);
    let at = |i: u32| slugs.iter().position(|s| *s == format!("harbour-{i}"));
    assert_eq!(slugs.len(), 5, "{slugs:?}");
    assert!(at(1200).is_some(), "{slugs:?}");
    assert!(at(600) < at(300), "{slugs:?}");
    assert!(at(300) < at(900) && at(300) < at(0), "{slugs:?}");

    // "harbour" is in every recent article, far more than one in 16 of the span: next
    // to a rarer word it only filters (SQLite), so the same five are found, ranked as by
    // "tides" alone, and an article with the rare word but not the common one is not.
    assert!(recent_matches(&app, "harbour").await >= 1000 / 16);
    let both = slugs_of(&app.get_json("/v1/search?q=tides%20harbour").await);
    if matches!(app.db.backend(), masthead::db::Backend::Sqlite) {
        assert_eq!(both, slugs);
    } else {
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        assert_eq!(sorted(both), sorted(slugs));
    }
    let found = app.get_json("/v1/search?q=quixotic%20harbour").await;
    assert_eq!(slugs_of(&found), Vec::<String>::new());
    let found = app.get_json("/v1/search?q=quixotic%20transport").await;
    assert_eq!(slugs_of(&found), ["old-keeper"]);

    // An old article rewritten is found by its new words; a new one is found, then gone
    // once deleted.
    let token = app.sign_in_as("editor@example.com", Role::Editor).await;
    let old = app.get_json("/v1/articles/old-keeper").await;
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/articles/{}", old["id"]),
            Some(&token),
            Some(json!({ "body_html": "<p>Marmalade tastings resume at the lighthouse.</p>" })),
        )
        .await;
    assert_eq!(status, 200);
    let found = app.get_json("/v1/search?q=marmalade").await;
    assert_eq!(slugs_of(&found), ["old-keeper"]);
    let id = publish(
        &app,
        &token,
        "Airships moor at the harbour",
        "<p>Zeppelins return.</p>",
    )
    .await;
    let found = app.get_json("/v1/search?q=zeppelins").await;
    assert_eq!(slugs_of(&found), ["airships-moor-at-the-harbour"]);
    assert_eq!(recent_matches(&app, "zeppelins").await, 1);
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let found = app.get_json("/v1/search?q=zeppelins").await;
    assert_eq!(slugs_of(&found), Vec::<String>::new());
    assert_eq!(recent_matches(&app, "zeppelins").await, 0);
}
