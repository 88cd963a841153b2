//! Webhooks as a partner receives them: registered by an admin, signed by the Standard
//! Webhooks rules, retried when the endpoint fails, logged with manual redelivery, disabled
//! when it keeps failing, and delivered after the sender is killed mid-request.

use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Content, PurgeReceiver, PurgeRequest, ServerProcess, TestApp, prepared_database, spawn_app_with,
};

async fn app() -> TestApp {
    spawn_app_with(Content::Demo, |s| {
        s.content.webhooks.allow_private = true;
        s.content.webhooks.first_retry = std::time::Duration::from_millis(100);
        s.content.webhooks.poll = std::time::Duration::from_millis(50);
    })
    .await
}

/// Checks a message's signature as a receiver does: HMAC-SHA256 over `id.timestamp.body`
/// with the secret's key, against each `v1,` signature in the header.
fn verify(secret: &str, request: &PurgeRequest) {
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .unwrap();
    let id = request.header("webhook-id").expect("webhook-id");
    let timestamp = request.header("webhook-timestamp").expect("webhook-timestamp");
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "a timestamp of now, not {age} s off");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{}", request.raw).as_bytes());
    let expected = format!("v1,{}", engine.encode(mac.finalize().into_bytes()));
    let given = request.header("webhook-signature").expect("webhook-signature");
    assert!(
        given.split(' ').any(|s| s == expected),
        "{given} is not {expected}"
    );
}

async fn wait_for_requests(receiver: &PurgeReceiver, n: usize) -> Vec<PurgeRequest> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let seen = receiver.requests();
        if seen.len() >= n {
            return seen;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {n} requests came",
            seen.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn register(app: &TestApp, admin: &str, body: Value) -> (i64, String) {
    let created = app
        .ok(admin, Method::POST, "/v1/editor/webhooks", Some(body))
        .await;
    let secret = created["secret"]
        .as_str()
        .expect("the secret, shown once")
        .to_owned();
    (created["webhook"]["id"].as_i64().unwrap(), secret)
}

async fn publish(app: &TestApp, editor: &str, title: &str, section: &str) -> i64 {
    let id = app.draft(editor, title, section).await;
    app.ok(
        editor,
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(json!({})),
    )
    .await;
    id
}

#[tokio::test]
async fn a_publication_reaches_the_endpoints_that_asked_for_it_signed() {
    let app = app().await;
    let admin = app.sign_in_as("admin@example.org", Role::Admin).await;
    let editor = app.sign_in_as("editor@example.org", Role::Editor).await;
    let all = PurgeReceiver::start(0);
    let unpublished_only = PurgeReceiver::start(0);
    let sport_only = PurgeReceiver::start(0);
    let (all_id, secret) = register(
        &app,
        &admin,
        json!({ "url": all.url, "description": "Partner app" }),
    )
    .await;
    register(
        &app,
        &admin,
        json!({ "url": unpublished_only.url, "events": ["article.unpublished"] }),
    )
    .await;
    register(&app, &admin, json!({ "url": sport_only.url, "section": "sport" })).await;

    // The list shows what is registered, never a secret.
    let listed = app.ok(&admin, Method::GET, "/v1/editor/webhooks", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert!(!listed.to_string().contains(&secret));
    assert_eq!(listed[0]["events"].as_array().unwrap().len(), 4);
    assert_eq!(listed[2]["section"], "sport");

    let id = publish(&app, &editor, "Port strike ends after a week", "middle-east").await;
    let request = wait_for_requests(&all, 1).await.remove(0);
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    verify(&secret, &request);
    assert_eq!(request.body["type"], "article.published");
    assert_eq!(request.body["data"]["article_id"], id);
    assert_eq!(
        request.body["data"]["article"]["title"],
        "Port strike ends after a week"
    );
    assert!(request.body["timestamp"].as_str().is_some());

    // Unpublishing reaches the endpoint that asked only for that, with the same signing.
    app.ok(
        &editor,
        Method::POST,
        &format!("/v1/editor/articles/{id}/unpublish"),
        None,
    )
    .await;
    let seen = wait_for_requests(&unpublished_only, 1).await;
    assert_eq!(seen[0].body["type"], "article.unpublished");
    wait_for_requests(&all, 2).await;
    assert_eq!(
        unpublished_only.requests().len(),
        1,
        "it did not ask for publications"
    );
    // Filtered by section, it is told of no publication elsewhere (but of every withdrawal,
    // as the event stream: it may hold the article from before a move).
    assert!(
        sport_only
            .requests()
            .iter()
            .all(|r| r.body["type"] != "article.published"),
        "nothing was published under sport"
    );

    // The delivery log says what was sent and how it went.
    let log = app
        .ok(
            &admin,
            Method::GET,
            &format!("/v1/editor/webhooks/{all_id}/deliveries"),
            None,
        )
        .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["event_type"], "article.unpublished");
    assert_eq!(items[1]["status"], "delivered");
    assert_eq!(items[1]["response_status"], 200);
    assert_eq!(items[1]["message_id"], request.header("webhook-id").unwrap());
    assert_eq!(items[1]["payload"], request.body);

    // The same endpoints over GraphQL.
    let res = app
        .graphql_as(
            Some(&admin),
            "{ webhooks { id url events section enabled createdAt } }",
            json!({}),
        )
        .await;
    assert_eq!(res["data"]["webhooks"].as_array().unwrap().len(), 3, "{res}");
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_until_it_answers_and_can_be_sent_again() {
    let app = app().await;
    let admin = app.sign_in_as("admin@example.org", Role::Admin).await;
    let editor = app.sign_in_as("editor@example.org", Role::Editor).await;
    let receiver = PurgeReceiver::start(2);
    let (hook, secret) = register(&app, &admin, json!({ "url": receiver.url })).await;
    publish(&app, &editor, "Ferry service resumes", "middle-east").await;

    let seen = wait_for_requests(&receiver, 3).await;
    let id = seen[0].header("webhook-id").unwrap().to_owned();
    for request in &seen {
        assert_eq!(
            request.header("webhook-id"),
            Some(id.as_str()),
            "one message, tried again"
        );
        verify(&secret, request);
    }
    assert_eq!(
        seen.iter().map(|r| r.accepted).collect::<Vec<_>>(),
        [false, false, true]
    );
    let deliveries = format!("/v1/editor/webhooks/{hook}/deliveries");
    let delivery = loop {
        let log = app.ok(&admin, Method::GET, &deliveries, None).await;
        if log["items"][0]["status"] == "delivered" {
            break log["items"][0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(delivery["attempts"], 3);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        receiver.requests().len(),
        3,
        "delivered once it answered, not again"
    );

    // An admin sends it again: the same message.
    let again = app
        .ok(
            &admin,
            Method::POST,
            &format!("{deliveries}/{}/redeliver", delivery["id"]),
            None,
        )
        .await;
    assert_eq!(again["status"], "pending");
    let seen = wait_for_requests(&receiver, 4).await;
    assert_eq!(seen[3].header("webhook-id"), Some(id.as_str()));
    assert_eq!(seen[3].raw, seen[0].raw);
    let (status, problem) = app
        .call(
            Method::POST,
            &format!("{deliveries}/999999/redeliver"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn an_endpoint_that_fails_for_days_is_disabled_with_the_reason() {
    let app = app().await;
    let admin = app.sign_in_as("admin@example.org", Role::Admin).await;
    let editor = app.sign_in_as("editor@example.org", Role::Editor).await;
    let receiver = PurgeReceiver::start(usize::MAX);
    let (hook, _) = register(&app, &admin, json!({ "url": receiver.url })).await;
    publish(&app, &editor, "Storm closes the coast road", "middle-east").await;
    wait_for_requests(&receiver, 1).await;

    // Days pass with every attempt failing: the delivery is given up, the endpoint disabled.
    app.advance_clock(Duration::days(6));
    let path = format!("/v1/editor/webhooks/{hook}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let endpoint = loop {
        let endpoint = app.ok(&admin, Method::GET, &path, None).await;
        if endpoint["enabled"] == false {
            break endpoint;
        }
        assert!(std::time::Instant::now() < deadline, "still enabled: {endpoint}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let reason = endpoint["disabled_reason"].as_str().expect("a reason");
    assert!(reason.contains("answered 503"), "{reason}");
    let log = app
        .ok(&admin, Method::GET, &format!("{path}/deliveries"), None)
        .await;
    assert_eq!(log["items"][0]["status"], "failed");
    assert_eq!(log["items"][0]["last_error"], "answered 503 Service Unavailable");

    // Disabled, it is sent nothing; turned on again, it is sent what happens next.
    let before = receiver.requests().len();
    publish(&app, &editor, "Coast road reopens", "middle-east").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(receiver.requests().len(), before);
    let on = app
        .ok(&admin, Method::PATCH, &path, Some(json!({ "enabled": true })))
        .await;
    assert_eq!(
        (on["enabled"].clone(), on["disabled_reason"].clone()),
        (json!(true), Value::Null)
    );
    publish(&app, &editor, "Coast road closes again", "middle-east").await;
    let seen = wait_for_requests(&receiver, before + 1).await;
    assert_eq!(
        seen[before].body["data"]["article"]["title"],
        "Coast road closes again"
    );
}

#[tokio::test]
async fn bad_registrations_are_refused_by_field_and_only_admins_register() {
    // The server's defaults: no endpoint on this machine or a private network.
    let app = spawn_app_with(Content::Demo, |_| {}).await;
    let admin = app.sign_in_as("admin@example.org", Role::Admin).await;
    let editor = app.sign_in_as("editor@example.org", Role::Editor).await;
    let cases = [
        (json!({ "url": "http://127.0.0.1:9/hook" }), "url"),
        (json!({ "url": "http://169.254.169.254/latest" }), "url"),
        (json!({ "url": "ftp://hooks.example.com/" }), "url"),
        (
            json!({ "url": "https://hooks.example.com/", "events": ["article.eaten"] }),
            "events[0]",
        ),
        (
            json!({ "url": "https://hooks.example.com/", "events": [] }),
            "events",
        ),
        (
            json!({ "url": "https://hooks.example.com/", "section": "no-such-section" }),
            "section",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = app
            .call(
                Method::POST,
                "/v1/editor/webhooks",
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/editor/webhooks",
            Some(&admin),
            Some(json!({ "url": "https://hooks.example.com/", "secret": "mine" })),
        )
        .await;
    assert_eq!(status, 422, "an unknown field is refused, not ignored");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/editor/webhooks",
            Some(&editor),
            Some(json!({ "url": "https://hooks.example.com/" })),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.call(Method::GET, "/v1/editor/webhooks", None, None).await;
    assert_eq!(status, 401);
    assert_eq!(
        app.ok(&admin, Method::GET, "/v1/editor/webhooks", None).await,
        json!([])
    );

    // A public endpoint is taken; rotating its secret shows a new one once.
    let created = app
        .ok(
            &admin,
            Method::POST,
            "/v1/editor/webhooks",
            Some(json!({ "url": "https://hooks.example.com/masthead" })),
        )
        .await;
    let id = created["webhook"]["id"].as_i64().unwrap();
    let rotated = app
        .ok(
            &admin,
            Method::POST,
            &format!("/v1/editor/webhooks/{id}/secret"),
            None,
        )
        .await;
    assert!(rotated["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_ne!(rotated["secret"], created["secret"]);
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/editor/webhooks/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/v1/editor/webhooks/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_server_killed_mid_delivery_delivers_the_same_message_after_restart() {
    let database = prepared_database(&[
        ("admin@example.org", Role::Admin),
        ("editor@example.org", Role::Editor),
    ])
    .await;
    let url = database.url_string();
    let args = ["--webhooks-allow-private", "--webhook-timeout", "1"];
    let mut first = ServerProcess::start(&url, &args).await;
    let admin = first.sign_in("admin@example.org").await;
    let editor = first.sign_in("editor@example.org").await;
    let receiver = PurgeReceiver::start_with(0, true);
    let created = first
        .ok(
            &admin,
            Method::POST,
            "/v1/editor/webhooks",
            Some(json!({ "url": receiver.url })),
        )
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let draft = first
        .ok(
            &editor,
            Method::POST,
            "/v1/editor/articles",
            Some(json!({
                "title": "Breaking: the bridge is open",
                "section": "middle-east",
                "authors": [{ "slug": "dana-levi" }],
                "body": [{ "type": "paragraph", "content": [{ "text": "A paragraph." }] }]
            })),
        )
        .await;
    first
        .ok(
            &editor,
            Method::POST,
            &format!("/v1/editor/articles/{}/publish", draft["id"]),
            Some(json!({ "breaking": true })),
        )
        .await;

    // The endpoint has the request and has not answered when the server dies.
    let sent = wait_for_requests(&receiver, 1).await.remove(0);
    first.kill();
    let _second = ServerProcess::start(&url, &args).await;
    let seen = wait_for_requests(&receiver, 2).await;
    let again = &seen[1];
    assert!(again.accepted);
    assert_eq!(
        again.header("webhook-id"),
        sent.header("webhook-id"),
        "the same message"
    );
    assert_eq!(again.raw, sent.raw);
    assert_eq!(again.body["data"]["breaking"], true);
    verify(&secret, again);
}

#[tokio::test]
async fn graphql_registers_endpoints_and_reads_and_redelivers_their_deliveries() {
    let app = app().await;
    let admin = app.sign_in_as("admin@example.org", Role::Admin).await;
    let editor = app.sign_in_as("editor@example.org", Role::Editor).await;
    let receiver = PurgeReceiver::start(0);
    let created = app
        .graphql_as(
            Some(&admin),
            "mutation($url: String!) { createWebhook(input: { url: $url, events: [\"article.published\"] }) { secret webhook { id events enabled } } }",
            json!({ "url": receiver.url }),
        )
        .await;
    let hook = &created["data"]["createWebhook"];
    assert!(
        hook["secret"].as_str().unwrap_or_default().starts_with("whsec_"),
        "{created}"
    );
    assert_eq!(hook["webhook"]["events"], json!(["article.published"]));
    let id = hook["webhook"]["id"].clone();

    publish(&app, &editor, "Night market reopens", "middle-east").await;
    wait_for_requests(&receiver, 1).await;
    let query = "query($id: ID!) { webhookDeliveries(webhook: $id) { items { id status attempts eventType payload } nextBefore } }";
    let delivery = loop {
        let res = app.graphql_as(Some(&admin), query, json!({ "id": id })).await;
        let first = res["data"]["webhookDeliveries"]["items"][0].clone();
        if first["status"] == "DELIVERED" {
            break first;
        }
        assert!(res["errors"].is_null(), "{res}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(delivery["eventType"], "article.published");
    assert_eq!(
        delivery["payload"]["data"]["article"]["title"],
        "Night market reopens"
    );

    let again = app
        .graphql_as(
            Some(&admin),
            "mutation($w: ID!, $d: ID!) { redeliverWebhook(webhook: $w, delivery: $d) { status } }",
            json!({ "w": id, "d": delivery["id"] }),
        )
        .await;
    assert_eq!(again["data"]["redeliverWebhook"]["status"], "PENDING", "{again}");
    wait_for_requests(&receiver, 2).await;

    // Editors are not admins: the same errors as REST, with a code.
    let refused = app
        .graphql_as(Some(&editor), "{ webhooks { id } }", json!({}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}
