//! The README's shell examples, run as written against a demo server, so the docs cannot
//! drift from what the server does. Each block runs in bash with the server's address put in
//! for `http://127.0.0.1:8080`, `cargo run --release --` replaced by the built binary, and
//! the few placeholders (a cursor, an ETag, a token, a key) filled from earlier answers.
//! Every request must succeed unless the README shows it failing, and where the README shows
//! an answer, the answer must have the fields it shows.

use std::collections::BTreeSet;
use std::process::Command;

use masthead::auth::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Content, spawn_app};

const README: &str = include_str!("../../README.md");

/// The ```sh blocks, in order.
fn shell_blocks() -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = README;
    while let Some(start) = rest.find("```sh\n") {
        let body = &rest[start + 6..];
        let end = body.find("```").expect("closed block");
        blocks.push(body[..end].to_owned());
        rest = &body[end..][3..];
    }
    blocks
}

/// The JSON keys and header names the README shows in `# ...` lines after commands.
fn shown_names(block: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in block.lines().filter(|l| l.trim_start().starts_with("# ")) {
        let mut parts = line.split('"');
        parts.next();
        while let (Some(name), Some(after)) = (parts.next(), parts.next()) {
            if after.starts_with(':') && !name.is_empty() && !name.contains(' ') {
                names.insert(name.to_owned());
            }
        }
        if let Some(header) = line.split("... ").nth(1).and_then(|h| h.split(':').next())
            && header.starts_with("masthead-")
        {
            names.insert(header.to_owned());
        }
    }
    names
}

struct Run {
    stdout: String,
    /// `status url` of every curl, in order.
    statuses: Vec<(u16, String)>,
}

fn run(script: &str) -> Run {
    // Every curl reports its status on stderr, so pipes and $(...) see the body alone.
    let prelude = "set -euo pipefail\ncurl() { command curl -sS -w '%{stderr}@@ %{http_code} %{url_effective}\\n' \"$@\"; }\n";
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{prelude}{script}"))
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the example failed:\n{script}\n{stderr}");
    let statuses = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("@@ "))
        .map(|l| {
            let (code, url) = l.split_once(' ').unwrap_or((l, ""));
            (code.parse().unwrap_or(0), url.to_owned())
        })
        .collect();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        statuses,
    }
}

#[tokio::test]
async fn every_shell_example_in_the_readme_works_as_written() {
    let app = spawn_app(Content::Demo).await;
    let blocks = shell_blocks();
    let binary = env!("CARGO_BIN_EXE_masthead");
    let database = app.database_url();

    // What the placeholders stand for, read from the server as a reader would.
    let first = app.get_json("/v1/articles?limit=5").await;
    let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
    let etag = app.get("/v1/sections").await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let form = app
        .get_json("/v1/comment-form?article=tel-aviv-opens-its-first-overnight-light-rail-service")
        .await;
    let form_token = form["token"].as_str().unwrap().to_owned();
    let synced = app.get_json("/v1/sync?limit=200").await;
    let sync_token = synced["next_token"]
        .as_str()
        .expect("one page holds the demo")
        .to_owned();
    let admin = app.sign_in_as("keys@example.org", Role::Admin).await;
    let (_, key) = app
        .call(
            Method::POST,
            "/v1/editor/keys",
            Some(&admin),
            Some(json!({ "name": "Partner", "scopes": ["feeds:full"], "tier": "standard" })),
        )
        .await;
    let key = key["key"].as_str().expect("a new key").to_owned();

    let mut ran = 0;
    for (index, block) in blocks.iter().enumerate() {
        // Set-up blocks (building, the test suite itself, a PostgreSQL server) are what CI
        // and a newcomer run by hand; every block that talks to the API runs here.
        if !block.contains("127.0.0.1:8080") && !block.contains("user create") {
            continue;
        }
        if block.contains("createdb") || block.contains("cargo test") || block.contains(" serve") {
            continue;
        }
        // A form's token is good once the reader took some seconds to fill it in.
        if block.contains("\"form_token\"") {
            app.advance_clock(chrono::Duration::seconds(4));
        }
        let script = block
            .replace("http://127.0.0.1:8080", &app.address)
            .replace("cargo run --release --", binary)
            .replace("--password-stdin", &format!("--password-stdin --database-url {database}"))
            .replace("<next_cursor from the previous page>", &cursor)
            .replace("<next_token from the last page>", &sync_token)
            .replace("\"<etag from a previous response>\"", &etag)
            .replace("'.../related?scope=section'", &format!(
                "'{}/v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service/related?scope=section'",
                app.address
            ))
            .replace("\"form_token\":\"<token>\"", &format!("\"form_token\":\"{form_token}\""))
            .replace("$KEY", &key);
        let result = tokio::task::spawn_blocking(move || run(&script)).await.unwrap();
        ran += 1;
        for (status, url) in &result.statuses {
            // The one example that shows an error on purpose.
            let expected_error = url.contains("limit=500");
            if expected_error {
                assert_eq!(*status, 400, "block {index}: {url}");
            } else {
                assert!(
                    (200..400).contains(status),
                    "block {index}: {url} answered {status}\n{}",
                    result.stdout
                );
            }
        }
        let output = result.stdout.to_ascii_lowercase();
        for name in shown_names(block) {
            assert!(
                output.contains(&format!("\"{}\"", name.to_ascii_lowercase()))
                    || output.contains(&format!("{name}:")),
                "block {index}: the README shows {name:?}, the answer has none:\n{}",
                result.stdout
            );
        }
    }
    assert!(ran >= 8, "only {ran} blocks ran");

    // The editorial walk-through left its article published, as it says.
    let article = app
        .get_json("/v1/articles/night-buses-return-to-the-harbour-line")
        .await;
    assert_eq!(article["excerpt"], "Three routes run again.");
}

/// The article page's one GraphQL request, as the README shows it: the example frontend's
/// own query, within the price limit, and cacheable over GET.
#[tokio::test]
async fn the_article_page_query_in_the_readme_is_the_frontends_and_answers_over_get() {
    let start = README
        .find("```graphql\nquery ArticlePage")
        .expect("the query is in the README")
        + 11;
    let query = &README[start..][..README[start..].find("```").unwrap()];
    let frontend = include_str!("../../examples/web/src/article.ts");
    let from = frontend.find("export const ARTICLE_PAGE = `").unwrap() + 29;
    let theirs = &frontend[from..][..frontend[from..].find('`').unwrap()];
    assert_eq!(
        query.trim(),
        theirs.trim(),
        "the README shows the frontend's query"
    );

    let app = spawn_app(Content::Demo).await;
    let slug = "tel-aviv-opens-its-first-overnight-light-rail-service";
    let res = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            ("query", query),
            ("variables", &json!({ "slug": slug }).to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    let article = &body["data"]["article"];
    assert_eq!(article["dateline"], "Tel-Aviv, Israel");
    assert!(!article["related"].as_array().unwrap().is_empty());
    assert_eq!(article["jsonLd"]["@type"], "NewsArticle");
}
