//! Two `masthead serve` processes on one database, as behind a load balancer: what an editor
//! publishes through one shows on the other (article, delta sync, live events, feeds) within
//! a second, and so do the views one of them counted, with every cache on (PostgreSQL: LISTEN/NOTIFY; SQLite: the change log read
//! four times a second).

use std::time::{Duration, Instant};

use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ServerProcess, prepared_database};

/// Asks `probe` every 20 ms until it says yes; answers how long that took from `since`.
async fn seen<F, Fut>(what: &str, since: Instant, mut probe: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    loop {
        if probe().await {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(10),
            "{what}: not seen in ten seconds"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_publication_through_one_server_shows_on_the_other_within_a_second() {
    let database = prepared_database(&[("editor@example.org", Role::Editor)]).await;
    let url = database.url_string();
    let (writer, reader) = tokio::join!(ServerProcess::start(&url, &[]), ServerProcess::start(&url, &[]));
    let editor = writer.sign_in("editor@example.org").await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", reader.address)).send();

    // What a reader of the second server holds before: a sync token, an open event stream,
    // the feed and a 404 for the article, all cached there.
    let synced: Value = get("/v1/sync?limit=200").await.unwrap().json().await.unwrap();
    let token = synced["next_token"].as_str().expect("one page").to_owned();
    let slug = "harbour-tunnel-opens-to-traffic";
    assert_eq!(get(&format!("/v1/articles/{slug}")).await.unwrap().status(), 404);
    let feed = get("/feeds/rss.xml").await.unwrap().text().await.unwrap();
    assert!(!feed.contains("Harbour tunnel"));
    let mut events = get("/v1/events?types=published").await.unwrap();
    let first = events.chunk().await.unwrap().expect("the stream opens");
    assert!(String::from_utf8_lossy(&first).starts_with("retry:"));

    let draft = writer
        .ok(
            &editor,
            Method::POST,
            "/v1/editor/articles",
            Some(json!({
                "title": "Harbour tunnel opens to traffic",
                "section": "middle-east",
                "authors": [{ "slug": "dana-levi" }],
                "body": [{ "type": "paragraph", "content": [{ "text": "Cars first, then buses." }] }]
            })),
        )
        .await;
    let id = draft["id"].as_i64().unwrap();
    writer
        .ok(
            &editor,
            Method::POST,
            &format!("/v1/editor/articles/{id}/publish"),
            Some(json!({})),
        )
        .await;
    let published = Instant::now();

    let (article, sync, feed, event) = tokio::join!(
        seen("the article", published, || async {
            get(&format!("/v1/articles/{slug}")).await.unwrap().status() == 200
        }),
        seen("the article in a delta sync", published, || async {
            let delta: Value = get(&format!("/v1/sync?token={}", urlencode(&token)))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            delta["articles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == id)
        }),
        seen("the article in the feed", published, || async {
            get("/feeds/rss.xml")
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .contains("Harbour tunnel")
        }),
        async {
            let mut buffer = String::new();
            loop {
                let chunk = tokio::time::timeout(Duration::from_secs(10), events.chunk())
                    .await
                    .expect("an event within ten seconds")
                    .unwrap()
                    .expect("the stream stays open");
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                if buffer.contains("event: published") && buffer.contains(&format!("\"article_id\":{id}")) {
                    return published.elapsed();
                }
            }
        },
    );
    for (what, took) in [
        ("article", article),
        ("sync", sync),
        ("feed", feed),
        ("event", event),
    ] {
        assert!(
            took < Duration::from_secs(1),
            "the {what} took {took:?} to show on the other server"
        );
    }
}

/// Readers' views counted by one server show in the other's popular list within a second
/// of being written to the database, though the other had the list cached and its totals
/// were fresh.
#[tokio::test]
async fn views_flushed_by_one_server_show_in_the_others_popular_list_within_a_second() {
    const SLUG: &str = "tel-aviv-opens-its-first-overnight-light-rail-service";
    let database = prepared_database(&[]).await;
    let url = database.url_string();
    let (mut counter, reader) =
        tokio::join!(ServerProcess::start(&url, &[]), ServerProcess::start(&url, &[]));
    let client = reqwest::Client::new();
    let popular = || async {
        let list: Value = client
            .get(format!("{}/v1/popular?window=1h", reader.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["article"]["slug"].as_str().unwrap().to_owned(),
                    i["views"].as_i64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(popular().await.is_empty(), "nobody has read anything yet");

    for agent in [
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    ] {
        let beacon = client
            .post(format!("{}/v1/articles/{SLUG}/views", counter.address))
            .header("user-agent", agent)
            .send()
            .await
            .unwrap();
        assert_eq!(beacon.status(), 204);
        assert_eq!(beacon.headers()["masthead-view"], "counted");
    }
    // A graceful stop writes what the server counted (its next timed flush is 30 s away).
    counter.stop().await;
    let flushed = Instant::now();
    let took = seen("the views in the popular list", flushed, || async {
        popular().await == [(SLUG.to_owned(), 2)]
    })
    .await;
    assert!(
        took < Duration::from_secs(1),
        "the views took {took:?} to show on the other server"
    );
}

fn urlencode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}
