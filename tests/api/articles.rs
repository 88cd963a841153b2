use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::{Content, TestArticle, slugs, spawn_app};

const DEMO_PUBLISHED: usize = 43;

#[tokio::test]
async fn the_article_list_is_newest_first_with_a_stable_tie_break() {
    let app = spawn_app(Content::Demo).await;
    // Two articles published at the same instant must still come in a fixed order.
    let same_time = TestArticle::published("tie-a", 1).published_at;
    app.insert_articles(vec![
        TestArticle {
            published_at: same_time,
            ..TestArticle::published("tie-a", 1)
        },
        TestArticle {
            published_at: same_time,
            ..TestArticle::published("tie-b", 1)
        },
    ])
    .await;

    let items = app.all_pages("/v1/articles?limit=7").await;

    assert_eq!(items.len(), DEMO_PUBLISHED + 2);
    let times: Vec<&str> = items
        .iter()
        .map(|i| i["published_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "no article twice"
    );
    let pos = |slug: &str| slugs(&items).iter().position(|s| s == slug).unwrap();
    assert_eq!(pos("tie-b") + 1, pos("tie-a"), "equal times: higher id first");
}

#[tokio::test]
async fn list_items_are_summaries_with_bylines_section_and_media_but_no_body() {
    let app = spawn_app(Content::Demo).await;

    let page = app.get_json("/v1/articles?limit=20").await;

    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert!(page["next_cursor"].is_string());
    for item in items {
        assert!(item.get("body").is_none(), "lists carry no body");
        assert!(!item["authors"].as_array().unwrap().is_empty());
        assert!(item["section"]["slug"].is_string());
        assert!(item["dateline"].as_str().unwrap().contains(','));
    }
    let first = &items[0];
    assert_eq!(
        first["slug"],
        "a-debut-film-about-a-night-shift-bakery-wins-the-festival-s-top-prize"
    );
    assert_eq!(first["featured_media"]["credit"], "Photo: Masthead Demo Desk");
}

#[tokio::test]
async fn paging_a_section_visits_every_article_of_it_and_its_subsections_exactly_once() {
    let app = spawn_app(Content::Demo).await;
    let world_tree = app.get_json("/v1/sections/world").await;
    let mut in_world: HashSet<String> = HashSet::from(["world".to_owned()]);
    for child in world_tree["children"].as_array().unwrap() {
        in_world.insert(child["slug"].as_str().unwrap().to_owned());
    }
    // The expected set, from each article's own primary and secondary sections.
    let mut expected = HashSet::new();
    for item in app.all_pages("/v1/articles?limit=100").await {
        let slug = item["slug"].as_str().unwrap();
        let article = app.get_json(&format!("/v1/articles/{slug}")).await;
        let sections = std::iter::once(&article["section"]).chain(article["sections"].as_array().unwrap());
        if sections
            .into_iter()
            .any(|s| in_world.contains(s["slug"].as_str().unwrap()))
        {
            expected.insert(slug.to_owned());
        }
    }
    assert!(expected.len() > 15, "the demo has many World stories");

    for limit in [1, 4, 100] {
        let visited = slugs(
            &app.all_pages(&format!("/v1/articles?section=world&limit={limit}"))
                .await,
        );
        let unique: HashSet<String> = visited.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            visited.len(),
            "limit {limit}: an article came twice"
        );
        assert_eq!(unique, expected, "limit {limit}");
    }
}

#[tokio::test]
async fn an_article_has_everything_a_news_page_needs() {
    let app = spawn_app(Content::Demo).await;

    let article = app
        .get_json("/v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service")
        .await;

    assert_eq!(
        article["title"],
        "Tel-Aviv opens its first overnight light-rail service"
    );
    assert_eq!(article["dateline"], "Tel-Aviv, Israel");
    assert!(
        article["subtitle"]
            .as_str()
            .unwrap()
            .starts_with("Trains will run until 3 a.m.")
    );
    assert_eq!(article["published_at"], "2026-11-24T05:40:00Z");
    assert_eq!(article["updated_at"], "2026-11-24T11:40:00Z");
    assert_eq!(article["section"]["slug"], "middle-east");
    let path: Vec<&str> = article["section_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["World", "Middle East"]);
    assert_eq!(article["sections"][0]["slug"], "politics");
    assert_eq!(article["authors"][0]["name"], "Dana Levi");
    assert_eq!(article["authors"][0]["title"], "Middle East correspondent");
    let tags: Vec<&str> = article["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["transport", "cities", "jobs"]);
    assert_eq!(article["featured_media"]["width"], 1200);
    assert_eq!(article["corrections"].as_array().unwrap().len(), 1);
    assert!(
        article["corrections"][0]["note"]
            .as_str()
            .unwrap()
            .contains("every 20 minutes")
    );
    assert_eq!(article["comment_status"], "open");
    assert!(article["word_count"].as_i64().unwrap() > 100);
    assert_eq!(article["reading_time_minutes"], 1);
}

#[tokio::test]
async fn corrections_come_oldest_first() {
    let app = spawn_app(Content::Demo).await;

    let article = app
        .get_json("/v1/articles/central-bank-holds-rates-and-signals-a-cut-in-the-spring")
        .await;

    let notes: Vec<&str> = article["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["noted_at"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["2026-11-24T15:05:00Z", "2026-11-25T19:05:00Z"]);
}

#[tokio::test]
async fn the_body_comes_as_blocks_html_or_text_on_request() {
    let app = spawn_app(Content::Demo).await;
    let path = "/v1/articles/lisbon-caps-new-short-term-rentals-in-three-central-districts";

    let blocks = app.get_json(path).await;
    let html = app.get_json(&format!("{path}?body=html")).await;
    let text = app.get_json(&format!("{path}?body=text")).await;

    assert_eq!(blocks["body"]["format"], "blocks");
    let types: Vec<&str> = blocks["body"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "paragraph",
            "heading",
            "list",
            "heading",
            "paragraph",
            "quote",
            "paragraph"
        ]
    );
    assert!(blocks["body"].get("html").is_none());

    let html = html["body"]["html"].as_str().unwrap();
    assert!(html.starts_with("<p><strong>LISBON \u{2014} </strong>Lisbon will issue"));
    assert!(html.contains("<h2>Key points</h2>\n<ul><li>Existing licences"));
    assert!(html.contains("<blockquote><p>A neighbourhood needs neighbours.</p><footer>The deputy mayor for housing</footer></blockquote>"));

    let text = text["body"]["text"].as_str().unwrap();
    assert!(text.contains("\n\nKey points\n\n- Existing licences"));
    assert!(!text.contains('<'));
}

#[tokio::test]
async fn filters_by_tag_author_and_publication_window() {
    let app = spawn_app(Content::Demo).await;

    let oceans = app.all_pages("/v1/articles?tag=oceans").await;
    assert_eq!(
        slugs(&oceans),
        [
            "coastal-towns-adopt-a-shared-plan-for-retreat-from-the-sea",
            "lima-s-coastal-cliffs-get-a-new-walking-path-and-warning-system",
            "a-shipwreck-s-cargo-of-clay-jars-reveals-an-ancient-olive-oil-trade",
            "record-ocean-temperatures-bleach-a-third-of-a-reef-system",
            "jakarta-s-sea-wall-project-gets-its-first-full-environmental-review",
        ]
    );

    let by_kenji = app.all_pages("/v1/articles?author=kenji-mori").await;
    assert_eq!(by_kenji.len(), 9, "two of his eleven pieces are not published");
    assert!(by_kenji.iter().all(|a| {
        a["authors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["slug"] == "kenji-mori")
    }));

    let window = app
        .all_pages("/v1/articles?published_after=2026-11-23T00:00:00Z&published_before=2026-11-24T00:00:00Z")
        .await;
    assert_eq!(window.len(), 4);
    assert!(
        window
            .iter()
            .all(|a| a["published_at"].as_str().unwrap().starts_with("2026-11-23"))
    );

    let both = app.all_pages("/v1/articles?tag=transport&section=europe").await;
    assert_eq!(
        slugs(&both),
        [
            "warsaw-council-approves-a-ban-on-new-parking-in-the-old-town",
            "an-orchestra-plays-in-a-metro-station-to-open-its-new-season",
            "oslo-s-electric-ferries-pass-one-million-crossings"
        ]
    );
}

#[tokio::test]
async fn public_responses_are_cacheable_and_revalidate_with_etags() {
    let app = spawn_app(Content::Demo).await;
    let path = format!("{}/v1/articles?limit=5", app.address);

    let first = app.client.get(&path).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        first.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public, max-age=60")
    );

    let again = app
        .client
        .get(&path)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);

    let other = app
        .client
        .get(&path)
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    let _: Value = other.json().await.unwrap();
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app(Content::Empty).await;

    assert_eq!(app.get_json("/healthz").await["status"], "ok");
    let ready = app.get_json("/readyz").await;
    assert_eq!(ready["status"], "ready");
    let expected = if std::env::var(crate::helpers::POSTGRES_ENV).is_ok_and(|v| !v.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(ready["database"], expected);
}

#[tokio::test]
async fn an_empty_newsroom_answers_with_empty_lists() {
    let app = spawn_app(Content::Empty).await;

    let page = app.get_json("/v1/articles").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    assert!(page["next_cursor"].is_null());
    assert_eq!(
        app.get_json("/v1/sections").await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.get_json("/v1/tags").await["items"].as_array().unwrap().len(),
        0
    );
}
