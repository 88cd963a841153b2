use serde_json::Value;

use crate::helpers::{Content, slugs, spawn_app};

#[tokio::test]
async fn the_section_tree_has_roots_and_children_in_order() {
    let app = spawn_app(Content::Demo).await;

    let tree = app.get_json("/v1/sections").await;

    let roots = slugs(tree["items"].as_array().unwrap());
    assert_eq!(
        roots,
        [
            "world", "politics", "business", "tech", "science", "climate", "culture", "sport"
        ]
    );
    let world_children = slugs(tree["items"][0]["children"].as_array().unwrap());
    assert_eq!(world_children, ["middle-east", "europe", "americas", "asia"]);
    assert_eq!(
        slugs(tree["items"][2]["children"].as_array().unwrap()),
        ["markets"]
    );
}

#[tokio::test]
async fn a_section_page_has_its_place_in_the_tree_and_its_articles() {
    let app = spawn_app(Content::Demo).await;

    let europe = app.get_json("/v1/sections/europe").await;
    assert_eq!(europe["name"], "Europe");
    assert_eq!(europe["parent"]["slug"], "world");
    assert_eq!(slugs(europe["path"].as_array().unwrap()), ["world", "europe"]);
    assert_eq!(europe["children"].as_array().unwrap().len(), 0);
    let first_page = slugs(europe["articles"]["items"].as_array().unwrap());
    let listed = slugs(&app.all_pages("/v1/articles?section=europe").await);
    assert_eq!(first_page, listed[..first_page.len().min(listed.len())]);

    let world = app.get_json("/v1/sections/world").await;
    assert!(world["parent"].is_null());
    assert_eq!(world["articles"]["items"].as_array().unwrap().len(), 20);
    assert!(world["articles"]["next_cursor"].is_string());
    let cursor = world["articles"]["next_cursor"].as_str().unwrap();
    let next = app
        .get_json(&format!("/v1/articles?section=world&cursor={cursor}"))
        .await;
    assert!(!next["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn tags_and_authors_page_alphabetically() {
    let app = spawn_app(Content::Demo).await;

    let tags = app.all_pages("/v1/tags?limit=7").await;
    assert_eq!(tags.len(), 32);
    let names: Vec<&str> = tags.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    let authors = app.all_pages("/v1/authors?limit=4").await;
    let names: Vec<&str> = authors.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Amara Okafor",
            "Dana Levi",
            "Ines Carvalho",
            "Kenji Mori",
            "Leo Martins",
            "Marek Nowak"
        ]
    );
}

#[tokio::test]
async fn tag_and_author_pages_carry_their_articles() {
    let app = spawn_app(Content::Demo).await;

    let tag = app.get_json("/v1/tags/archaeology").await;
    assert_eq!(tag["name"], "Archaeology");
    let items = tag["articles"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|a| {
        a["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["slug"] == "archaeology")
    }));

    let author: Value = app.get_json("/v1/authors/dana-levi").await;
    assert_eq!(author["title"], "Middle East correspondent");
    assert!(author["bio"].as_str().unwrap().contains("Tel-Aviv"));
    let items = author["articles"]["items"].as_array().unwrap();
    assert!(items.len() >= 6);
    assert!(items.iter().all(|a| {
        a["authors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["slug"] == "dana-levi")
    }));
}
