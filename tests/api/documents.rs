//! Stored article documents: an article read once is served to everyone after from its
//! ready bytes, in one indexed read, and every write keeps those bytes true, whoever makes
//! it (this server, another one, the command line, plain SQL).

use std::time::Duration;

use diesel::RunQueryDsl;
use serde_json::Value;

use crate::helpers::{Content, TestApp, spawn_app_with};

const PATH: &str = "/v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service";

/// The read cache in memory off: every request goes to the database, as on the long tail.
async fn uncached_app() -> TestApp {
    spawn_app_with(Content::Demo, |s| s.content.read_cache_ttl = Duration::ZERO).await
}

/// Changes the database behind the server's back, as another server would.
fn write_behind(app: &TestApp, sql: &'static str) {
    app.db
        .run_blocking(|c| Ok(masthead::with_conn!(c, |c| diesel::sql_query(sql).execute(c))?))
        .expect(sql);
}

/// Reads `path` until the server answers it with one statement: the document a first read
/// stores (after its response, off the request's path) is there.
async fn until_stored(app: &TestApp, path: &str) -> Value {
    for _ in 0..250 {
        let before = app.statements().get();
        let res = app.get(path).await;
        let statements = app.statements().get() - before;
        assert_eq!(res.status(), 200, "{path}");
        let body = res.json().await.unwrap();
        if statements == 1 {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{path} never came from a stored document");
}

#[tokio::test]
async fn an_article_read_once_is_served_from_one_stored_read() {
    let app = uncached_app().await;
    let assembled: Value = app.get_json(PATH).await;
    let stored = until_stored(&app, PATH).await;
    assert_eq!(
        stored, assembled,
        "the stored document is the response it replaces"
    );

    // Each body format is its own document.
    let html = until_stored(&app, &format!("{PATH}?body=html")).await;
    assert_eq!(html["body"]["format"], "html");
    assert!(html["body"]["html"].as_str().unwrap().contains("<p>"), "{html}");
    assert_eq!(html["title"], assembled["title"]);
}

#[tokio::test]
async fn writes_from_anywhere_reach_the_stored_documents() {
    let app = uncached_app().await;
    until_stored(&app, PATH).await;

    write_behind(
        &app,
        "UPDATE authors SET name = 'Dana Levi-Katz' WHERE slug = 'dana-levi'",
    );
    let article = app.get_json(PATH).await;
    assert_eq!(article["authors"][0]["name"], "Dana Levi-Katz");

    until_stored(&app, PATH).await;
    write_behind(
        &app,
        "UPDATE tags SET name = 'Public transport' WHERE slug = 'transport'",
    );
    assert_eq!(app.get_json(PATH).await["tags"][0]["name"], "Public transport");

    // The server's section tree is cached for seconds; the document must not be built
    // from it once a section changed.
    until_stored(&app, PATH).await;
    write_behind(
        &app,
        "UPDATE sections SET name = 'The World' WHERE slug = 'world'",
    );
    assert_eq!(app.get_json(PATH).await["section_path"][0]["name"], "The World");

    until_stored(&app, PATH).await;
    write_behind(
        &app,
        "UPDATE media SET caption = 'The first night train' WHERE id = \
         (SELECT featured_media_id FROM articles \
          WHERE slug = 'tel-aviv-opens-its-first-overnight-light-rail-service')",
    );
    assert_eq!(
        app.get_json(PATH).await["featured_media"]["caption"],
        "The first night train"
    );

    until_stored(&app, PATH).await;
    write_behind(
        &app,
        "INSERT INTO corrections (article_id, noted_at, note) SELECT id, published_at, \
         'A second correction.' FROM articles \
         WHERE slug = 'tel-aviv-opens-its-first-overnight-light-rail-service'",
    );
    let corrections = app.get_json(PATH).await["corrections"].clone();
    assert_eq!(corrections.as_array().unwrap().len(), 2, "{corrections}");

    until_stored(&app, PATH).await;
    write_behind(
        &app,
        "UPDATE articles SET title = 'Night trains for Tel-Aviv' \
         WHERE slug = 'tel-aviv-opens-its-first-overnight-light-rail-service'",
    );
    assert_eq!(app.get_json(PATH).await["title"], "Night trains for Tel-Aviv");

    // Visibility is never stored: an article withdrawn is gone at once.
    until_stored(&app, PATH).await;
    write_behind(
        &app,
        "UPDATE articles SET status = 'draft' \
         WHERE slug = 'tel-aviv-opens-its-first-overnight-light-rail-service'",
    );
    app.get_problem(PATH, 404).await;
}

#[tokio::test]
async fn a_document_built_before_a_write_is_not_stored_after_it() {
    let app = uncached_app().await;
    let stored = app
        .db
        .run_blocking(|c| {
            use masthead::db::articles as q;
            let id = q::find_public(
                c,
                q::ArticleKey::Slug("tel-aviv-opens-its-first-overnight-light-rail-service"),
                chrono::Utc::now().naive_utc(),
            )?
            .unwrap()
            .0
            .id;
            // A reader reads the generation, a writer changes the article, then the reader
            // tries to store what it built from the old article.
            let generation = q::content_generation(c)?;
            masthead::with_conn!(c, |c| diesel::sql_query(
                "UPDATE articles SET title = 'Changed meanwhile' WHERE slug = \
                 'tel-aviv-opens-its-first-overnight-light-rail-service'"
            )
            .execute(c))?;
            let stale = q::store_document(c, id, "blocks", ("W/\"stale\"", b"{}", ""), generation)?;
            let now = q::content_generation(c)?;
            let fresh = q::store_document(c, id, "blocks", ("W/\"fresh\"", b"{}", ""), now)?;
            Ok((stale, fresh))
        })
        .unwrap();
    assert_eq!(stored, (false, true));
}
