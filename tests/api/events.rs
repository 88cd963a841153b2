//! The event stream as an app listens to it: Server-Sent Events from the change log, typed,
//! filtered, resumable with Last-Event-ID, and a scheduled publication announced at its time.

use chrono::{Duration, Utc};
use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, TestApp, spawn_app_with};

struct Listener {
    res: reqwest::Response,
    buf: String,
}

impl Listener {
    async fn open(app: &TestApp, query: &str, last: Option<i64>) -> Listener {
        let mut req = app.client.get(format!("{}/v1/events{query}", app.address));
        if let Some(id) = last {
            req = req.header("last-event-id", id.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let mut listener = Listener {
            res,
            buf: String::new(),
        };
        // The stream opens with its retry hint, so the server is listening from here on.
        let first = listener.block().await;
        assert!(first.starts_with("retry:"), "{first}");
        listener
    }

    /// The next block of lines (up to a blank line).
    async fn block(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block = self.buf[..end].to_owned();
                self.buf.drain(..end + 2);
                return block;
            }
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(30), self.res.chunk())
                .await
                .expect("an event within thirty seconds")
                .unwrap_or_else(|e| panic!("the stream broke: {e:?}"))
                .expect("the stream stays open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next event: (id, type, data).
    async fn event(&mut self) -> (i64, String, Value) {
        // Keep-alive comments come every 15 s: an event that never comes must fail the test,
        // not keep it listening.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "no event within forty seconds"
            );
            let block = self.block().await;
            if block.starts_with(':') {
                continue;
            }
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                    .unwrap_or_else(|| panic!("no {name} in {block}"))
                    .to_owned()
            };
            return (
                field("id").parse().unwrap(),
                field("event"),
                serde_json::from_str(&field("data")).unwrap(),
            );
        }
    }
}

async fn newsroom() -> (TestApp, String) {
    let app = spawn_app_with(Content::Demo, |s| {
        s.content.schedule_check = std::time::Duration::from_millis(20);
    })
    .await;
    let token = app.sign_in_as("events@example.org", Role::Editor).await;
    (app, token)
}

#[tokio::test]
async fn what_readers_see_happen_reaches_a_listener_at_once_and_resumes_by_id() {
    let (app, token) = newsroom().await;
    let mut listener = Listener::open(&app, "", None).await;
    let id = app
        .draft(&token, "Breaking: the bridge reopens", "middle-east")
        .await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(json!({ "breaking": true })),
    )
    .await;
    let (published, kind, data) = listener.event().await;
    assert_eq!(kind, "published", "a draft's creation is nothing readers see");
    assert_eq!(data["article"]["title"], "Breaking: the bridge reopens");
    assert_eq!(data["breaking"], true);

    app.ok(
        &token,
        Method::PATCH,
        &format!("/v1/editor/articles/{id}"),
        Some(json!({ "subtitle": "Traffic resumes" })),
    )
    .await;
    let (_, kind, data) = listener.event().await;
    assert_eq!(
        (kind.as_str(), data["article"]["subtitle"].as_str()),
        ("updated", Some("Traffic resumes"))
    );
    let other = app.draft(&token, "Ferry strike ends", "middle-east").await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{other}/publish"),
        Some(json!({})),
    )
    .await;
    listener.event().await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{id}/unpublish"),
        None,
    )
    .await;
    let (_, kind, data) = listener.event().await;
    assert_eq!(
        (kind.as_str(), data["article_id"].as_i64()),
        ("unpublished", Some(id))
    );
    assert!(
        data["article"].is_null(),
        "nothing of an unpublished article is shown"
    );
    drop(listener);

    // Back after the first event: what came after it, and no longer what is not public.
    let mut again = Listener::open(&app, "", Some(published)).await;
    let (_, kind, data) = again.event().await;
    assert_eq!(
        (kind.as_str(), data["article_id"].as_i64()),
        ("published", Some(other))
    );
    let (_, kind, _) = again.event().await;
    assert_eq!(kind, "unpublished");
}

#[tokio::test]
async fn a_listener_hears_only_the_types_and_section_it_asked_for() {
    let (app, token) = newsroom().await;
    let mut europe = Listener::open(&app, "?types=published&section=europe", None).await;
    let elsewhere = app.draft(&token, "Gulf ports expand", "middle-east").await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{elsewhere}/publish"),
        Some(json!({})),
    )
    .await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{elsewhere}/unpublish"),
        None,
    )
    .await;
    let here = app.draft(&token, "Lisbon trams return", "europe").await;
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{here}/publish"),
        Some(json!({})),
    )
    .await;
    let (_, kind, data) = europe.event().await;
    assert_eq!(
        (kind.as_str(), data["article_id"].as_i64()),
        ("published", Some(here))
    );

    app.get_problem("/v1/events?types=published,exploded", 400).await;
    app.get_problem("/v1/events?section=atlantis", 400).await;
}

#[tokio::test]
async fn a_scheduled_article_is_announced_at_its_time_with_nobody_writing() {
    let (app, token) = newsroom().await;
    let id = app.draft(&token, "Embargoed figures", "middle-east").await;
    let at = Utc::now() + Duration::hours(1);
    app.ok(
        &token,
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(json!({ "published_at": at.to_rfc3339() })),
    )
    .await;
    let mut listener = Listener::open(&app, "", None).await;
    app.advance_clock(Duration::hours(2));
    let (_, kind, data) = listener.event().await;
    assert_eq!(
        (kind.as_str(), data["article_id"].as_i64()),
        ("published", Some(id))
    );
}
