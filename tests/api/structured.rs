//! An article as search engines and news partners read it: schema.org NewsArticle JSON-LD
//! and IPTC ninjs. (Other people's validators judge both in tests/external.)

use serde_json::{Value, json};

use crate::helpers::{Content, spawn_app_with};

const SLUG: &str = "tel-aviv-opens-its-first-overnight-light-rail-service";

#[tokio::test]
async fn an_article_describes_itself_as_a_schema_org_news_article() {
    let app = spawn_app_with(Content::Demo, |s| {
        s.site.url = "https://news.example.org".into();
        s.site.logo_url = Some("https://news.example.org/logo.png".into());
    })
    .await;
    let article = app.get_json(&format!("/v1/articles/{SLUG}")).await;
    let res = app.get(&format!("/v1/articles/{SLUG}/jsonld")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/ld+json");
    assert!(
        res.headers()["surrogate-key"]
            .to_str()
            .unwrap()
            .contains(&format!("article-{}", article["id"]))
    );
    let ld: Value = res.json().await.unwrap();

    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    let page = format!("https://news.example.org/middle-east/{SLUG}");
    assert_eq!(ld["url"], page.as_str());
    assert_eq!(ld["headline"], article["title"]);
    assert_eq!(ld["alternativeHeadline"], article["subtitle"]);
    assert_eq!(
        ld["locationCreated"],
        json!({ "@type": "Place", "name": "Tel-Aviv, Israel" })
    );
    assert_eq!(ld["author"][0]["name"], "Dana Levi");
    assert_eq!(
        ld["author"][0]["url"],
        "https://news.example.org/authors/dana-levi"
    );
    assert_eq!(
        ld["publisher"]["logo"]["url"],
        "https://news.example.org/logo.png"
    );
    assert_eq!(ld["image"][0]["url"], article["featured_media"]["url"]);
    assert_eq!(ld["image"][0]["creditText"], article["featured_media"]["credit"]);
    assert_eq!(ld["articleSection"][0], "World", "the path from the root first");
    assert!(
        ld["articleSection"]
            .as_array()
            .unwrap()
            .contains(&json!("Middle East"))
    );
    assert!(ld["keywords"].as_array().unwrap().contains(&json!("Transport")));
    assert_eq!(
        ld["correction"][0]["text"], article["corrections"][0]["note"],
        "{ld}"
    );
    assert_eq!(ld["isAccessibleForFree"], true);
    let published = chrono::DateTime::parse_from_rfc3339(ld["datePublished"].as_str().unwrap()).unwrap();
    let listed = chrono::DateTime::parse_from_rfc3339(article["published_at"].as_str().unwrap()).unwrap();
    assert_eq!(published, listed);

    let gql = app
        .graphql(
            "query($s: String) { article(slug: $s) { jsonLd } }",
            json!({ "s": SLUG }),
        )
        .await;
    assert_eq!(
        gql["data"]["article"]["jsonLd"], ld,
        "GraphQL and REST say the same"
    );
    let listed = app
        .graphql("{ articles(first: 3) { edges { node { jsonLd } } } }", json!({}))
        .await;
    assert_eq!(
        listed["data"]["articles"]["edges"][2]["node"]["jsonLd"]["@type"],
        "NewsArticle"
    );

    app.get_problem("/v1/articles/no-such-story/jsonld", 404).await;
}

#[tokio::test]
async fn a_partner_asking_for_ninjs_gets_an_iptc_news_item_from_the_same_url() {
    let app = spawn_app_with(Content::Demo, |_| {}).await;
    let path = format!("/v1/articles/{SLUG}");
    let article = app.get_json(&path).await;
    let res = app.get_with(&path, &[("accept", "application/ninjs+json")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/ninjs+json");
    assert!(res.headers()["vary"].to_str().unwrap().starts_with("Accept, "));
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["standard"]["version"], "2.2");
    assert_eq!(item["type"], "text");
    assert_eq!(
        item["headlines"][0],
        json!({ "role": "main", "value": article["title"] })
    );
    assert_eq!(item["located"], "Tel-Aviv, Israel");
    assert_eq!(item["by"], "Dana Levi");
    let body = &item["bodies"][0];
    assert_eq!(body["contenttype"], "text/html");
    assert!(
        body["value"]
            .as_str()
            .unwrap()
            .contains("<h2>Who rides after midnight</h2>")
    );
    assert_eq!(item["associations"][0]["type"], "picture");
    assert!(
        item["descriptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["role"] == "correction")
    );

    // The JSON answer of the same URL is not mixed up with it in any cache.
    let again = app.get_json(&path).await;
    assert_eq!(again, article);
    let json_res = app.get(&path).await;
    assert!(
        json_res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}
