//! Persisted queries as Apollo's clients use them: a document named by its SHA-256, learned
//! once and then sent over GET in a short URL a CDN caches; and the allow-list mode where
//! only the newsroom's own apps' queries run.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Content, TestApp, spawn_app, spawn_app_with};

const QUERY: &str = "query Latest { articles(first: 2) { edges { node { title } } } }";

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn named(hash: &str) -> String {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string()
}

/// A GET naming a document by hash only, as Apollo's link sends it.
async fn by_hash(app: &TestApp, hash: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("operationName", "Latest"), ("extensions", &named(hash))]);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

/// A POST carrying the document, with its hash when given.
async fn with_document(app: &TestApp, query: &str, hash: Option<&str>) -> (u16, Value) {
    let mut body = json!({ "query": query });
    if let Some(hash) = hash {
        body["extensions"] = serde_json::from_str(&named(hash)).unwrap();
    }
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_query_named_by_hash_is_learned_once_then_served_over_get_like_rest() {
    let app = spawn_app(Content::Demo).await;
    let hash = sha256(QUERY);

    let unknown = by_hash(&app, &hash, &[]).await;
    assert_eq!(
        unknown.status(),
        200,
        "Apollo's link retries on a 200, gives up on a 400"
    );
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(code(&unknown), "PERSISTED_QUERY_NOT_FOUND");

    let (status, wrong) = with_document(&app, "{ sections { id } }", Some(&hash)).await;
    assert_eq!((status, code(&wrong)), (400, "PERSISTED_QUERY_HASH_MISMATCH"));

    let (status, first) = with_document(&app, QUERY, Some(&hash)).await;
    assert_eq!(status, 200, "{first}");
    let titles = first["data"]["articles"]["edges"].as_array().unwrap().len();
    assert_eq!(titles, 2);

    let res = by_hash(&app, &hash, &[]).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    assert_eq!(res.headers()["surrogate-key"], "graphql");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let again: Value = res.json().await.unwrap();
    assert_eq!(again, first);
    let revalidated = by_hash(&app, &hash, &[("if-none-match", &etag)]).await;
    assert_eq!(revalidated.status(), 304);
}

#[tokio::test]
async fn a_mutation_named_by_hash_is_still_refused_over_get() {
    let app = spawn_app(Content::Demo).await;
    let mutation = "mutation Latest { signOut }";
    let hash = sha256(mutation);
    let (_, learned) = with_document(&app, mutation, Some(&hash)).await;
    assert!(learned["errors"].is_array(), "{learned}");
    let res = by_hash(&app, &hash, &[]).await;
    assert_eq!(res.status(), 405);
}

fn manifest(dir: &std::path::Path, queries: &[&str]) -> std::path::PathBuf {
    let operations: Vec<Value> = queries
        .iter()
        .map(|q| json!({ "id": sha256(q), "name": "Latest", "type": "query", "body": q }))
        .collect();
    let path = dir.join("persisted-query-manifest.json");
    std::fs::write(
        &path,
        json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": operations })
            .to_string(),
    )
    .unwrap();
    path
}

#[tokio::test]
async fn the_allow_list_runs_its_queries_and_refuses_every_other_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), &[QUERY]);
    let app = spawn_app_with(Content::Demo, move |s| {
        s.persisted_queries.manifest = Some(path);
        s.persisted_queries.only = true;
    })
    .await;

    let res = by_hash(&app, &sha256(QUERY), &[]).await;
    assert_eq!(res.status(), 200, "known from the first request");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["articles"]["edges"].as_array().unwrap().len(), 2);
    let (status, by_text) = with_document(&app, QUERY, None).await;
    assert_eq!(status, 200, "{by_text}");

    let other = "{ sections { id } }";
    let (status, refused) = with_document(&app, other, None).await;
    assert_eq!((status, code(&refused)), (400, "PERSISTED_QUERY_NOT_IN_LIST"));
    let (status, refused) = with_document(&app, other, Some(&sha256(other))).await;
    assert_eq!(
        (status, code(&refused)),
        (400, "PERSISTED_QUERY_NOT_IN_LIST"),
        "nothing is learned"
    );
    let unknown: Value = by_hash(&app, &sha256(other), &[]).await.json().await.unwrap();
    assert_eq!(code(&unknown), "PERSISTED_QUERY_NOT_FOUND");
}
