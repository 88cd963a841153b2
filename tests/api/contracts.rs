//! The checked-in contract files must be exactly what the code produces. On a mismatch,
//! run `cargo run -- export-schema` and commit the result.

use std::path::Path;

use masthead::contracts;
use serde_json::Value;

use crate::helpers::{Content, spawn_app};

fn checked_in(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap_or_default()
}

fn assert_current(rel: &str, generated: &str) {
    let current = checked_in(rel);
    if current != generated {
        let line = current
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or(0, |i| i + 1);
        panic!(
            "{rel} is stale (first difference near line {line}): run `cargo run -- export-schema` and commit it"
        );
    }
}

#[test]
fn schema_graphql_is_the_sdl_of_the_running_schema() {
    assert_current(contracts::SCHEMA_GRAPHQL, &contracts::graphql_sdl());
}

#[test]
fn openapi_json_describes_the_routes_the_code_registers() {
    assert_current(contracts::OPENAPI_JSON, &contracts::openapi_json());
}

#[test]
fn every_operation_has_its_own_meaningful_id() {
    // Client generators name methods after operationIds: a repeated one collides.
    let doc: Value = serde_json::from_str(&contracts::openapi_json()).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                panic!("{method} {path} has no operationId");
            };
            assert!(
                id.len() >= 5 && id.chars().next().unwrap().is_ascii_lowercase(),
                "{id}"
            );
            assert!(seen.insert(id.to_owned()), "{id} is used twice ({method} {path})");
        }
    }
    assert!(seen.contains("listArticles") && seen.contains("listEditorArticles"));
}

#[test]
fn migrations_come_in_pairs_for_both_backends() {
    let names = |backend: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

#[tokio::test]
async fn the_server_serves_the_checked_in_openapi_document() {
    let app = spawn_app(Content::Empty).await;

    let served = app.get_json("/openapi.json").await;

    let file: Value = serde_json::from_str(&checked_in(contracts::OPENAPI_JSON)).unwrap();
    assert_eq!(served, file);
    assert_eq!(served["openapi"], "3.1.0");
}

#[tokio::test]
async fn every_documented_route_answers_as_documented() {
    let app = spawn_app(Content::Demo).await;
    let doc: Value = serde_json::from_str(&contracts::openapi_json()).unwrap();
    let sample = |param: &str, path: &str| match (param, path) {
        ("slug", p) if p.starts_with("/v1/articles") => {
            "tel-aviv-opens-its-first-overnight-light-rail-service"
        }
        ("slug", p) if p.starts_with("/v1/sections") => "world",
        ("slug", p) if p.starts_with("/v1/tags") => "transport",
        ("slug", p) if p.starts_with("/v1/authors") => "dana-levi",
        ("slug", "/feeds/{kind}/{slug}/{file}") => "world",
        ("kind", _) => "sections",
        ("file", _) => "rss.xml",
        ("name", _) => "news.xml",
        _ => panic!("no sample value for {param} in {path}"),
    };

    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30, "{} paths documented", paths.len());
    for (template, ops) in paths {
        // Public reads only: editorial routes need a token and are covered by their own tests.
        let Some(get) = ops.get("get") else { continue };
        if get.get("security").is_some() || template.starts_with("/v1/preview/") {
            continue;
        }
        let mut path = template.clone();
        for param in ops["get"]["parameters"].as_array().into_iter().flatten() {
            if param["in"] == "path" {
                let name = param["name"].as_str().unwrap();
                path = path.replace(&format!("{{{name}}}"), sample(name, template));
            }
        }
        if template == "/v1/search" {
            path.push_str("?q=city");
        }
        if template == "/v1/comment-form" {
            path.push_str("?article=tel-aviv-opens-its-first-overnight-light-rail-service");
        }
        if template == "/v1/redirects" {
            // An old address, as an import records it.
            let db = app.db.clone();
            tokio::task::spawn_blocking(move || {
                db.run_blocking(|c| {
                    let id = masthead::db::editorial::slug_owner(
                        c,
                        "tel-aviv-opens-its-first-overnight-light-rail-service",
                    )?
                    .expect("the demo article");
                    let now = chrono::Utc::now().naive_utc();
                    Ok(masthead::db::imports::add_redirect(
                        c,
                        "/2026/12/07/old-link/",
                        "article",
                        Some(id),
                        None,
                        now,
                    )?)
                })
            })
            .await
            .unwrap()
            .unwrap();
            path.push_str("?path=/2026/12/07/old-link/");
        }
        let res = app.get(&path).await;
        let status = res.status().as_u16().to_string();
        assert!(
            ops["get"]["responses"].get(&status).is_some(),
            "GET {path} answered {status}, which is not documented"
        );
        assert_eq!(status, "200", "GET {path}");
    }
}
