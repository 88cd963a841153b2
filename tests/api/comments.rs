//! The reader comment form: definition, submission, anti-spam, moderation, threads and
//! durability, as frontends and moderators use them.

use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Content, TEST_SECRET, TestApp, TestArticle, gql_code, spawn_app_with};
use masthead::auth::Role;
use masthead::auth::keys::{KeySettings, server_secret};
use masthead::service::comments::spam::Signer;

const SLUG: &str = "harbour-talks";
const EMAIL: &str = "Reader@Example.org";

async fn newsroom_with(adjust: impl FnOnce(&mut masthead::config::Settings)) -> TestApp {
    let app = spawn_app_with(Content::Empty, adjust).await;
    app.insert_articles(vec![
        TestArticle::published(SLUG, 5),
        TestArticle::published("other-story", 6),
        TestArticle::published("old-story", 24 * 400),
        TestArticle::published("draft-story", 1).with_status("draft", None),
    ])
    .await;
    app
}

async fn newsroom() -> TestApp {
    newsroom_with(|_| {}).await
}

/// A token the test server would have issued `seconds_ago` (the tests know its key, as a
/// frontend that waited would hold such a token).
fn token(_app: &TestApp, article_id: i64, seconds_ago: i64) -> String {
    let keys = KeySettings {
        secret: Some(TEST_SECRET.to_owned()),
        ..KeySettings::default()
    };
    let url = masthead::db::DatabaseUrl::parse("sqlite:///unused.db").unwrap();
    let signer = Signer::new(server_secret(&keys, &url).unwrap());
    signer.form_token(
        article_id,
        Utc::now().naive_utc() - chrono::Duration::seconds(seconds_ago),
    )
}

async fn article_id(app: &TestApp, slug: &str) -> i64 {
    let db = app.db.clone();
    let slug = slug.to_owned();
    tokio::task::spawn_blocking(move || {
        db.run_blocking(move |c| Ok(masthead::db::editorial::slug_owner(c, &slug)?.unwrap()))
    })
    .await
    .unwrap()
    .unwrap()
}

fn valid(token: &str, text: &str) -> Value {
    json!({
        "comment": text,
        "name": "Dana Reader",
        "email": EMAIL,
        "website": "https://dana.example.org",
        "form_token": token,
    })
}

async fn submit(app: &TestApp, slug: &str, body: Value, key: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .post(format!("{}/v1/articles/{slug}/comments", app.address))
        .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
        .json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn queue(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/v1/editor/comments?{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_frontend_following_the_form_definition_gets_its_comment_published() {
    // The minimum fill time (3 s by default) shortened, so the test waits less.
    let app = newsroom().await;
    let form = app.get_json(&format!("/v1/comment-form?article={SLUG}")).await;
    assert_eq!(form["open"], true);
    assert_eq!(form["title"], "Leave a reply");
    assert_eq!(form["honeypot_field"], "homepage");
    let fields: Vec<&str> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "comment",
            "name",
            "email",
            "website",
            "parent_id",
            "form_token",
            "homepage"
        ]
    );
    assert_eq!(form["method"], "POST");
    assert_eq!(form["enctype"], "application/x-www-form-urlencoded");
    assert_eq!(form["fields"][5]["type"], "hidden");
    assert_eq!(form["fields"][5]["value"], form["token"]);
    assert_eq!(form["fields"][6]["value"], "");
    assert_eq!(
        form["fields"][0]["messages"]["required"],
        "Please enter your comment!"
    );
    assert_eq!(
        form["fields"][1]["messages"]["required"],
        "Please enter your name here"
    );
    assert_eq!(
        form["fields"][2]["messages"]["invalid"],
        "You have entered an incorrect email address!"
    );
    assert_eq!(form["fields"][2]["type"], "email");
    assert_eq!(form["fields"][3]["required"], false);
    let action = form["action"].as_str().unwrap().to_owned();
    // GraphQL serves the same definition.
    let res = app
        .graphql(
            &format!(r#"{{ commentForm(articleSlug: "{SLUG}") {{ open token honeypotField fields {{ name required messages {{ code message }} }} }} }}"#),
            json!({}),
        )
        .await;
    let gql_form = &res["data"]["commentForm"];
    assert_eq!(gql_form["open"], true, "{res}");
    assert!(gql_form["token"].as_str().is_some_and(|t| t.starts_with("v1.")));
    assert_eq!(gql_form["honeypotField"], "homepage");
    assert_eq!(
        gql_form["fields"][0]["messages"][0],
        json!({"code": "required", "message": "Please enter your comment!"})
    );

    // A person takes more than the minimum fill time.
    app.advance_clock(chrono::Duration::seconds(4));
    // The frontend knows nothing but the definition: what has a value is sent as it is, the
    // rest is what the reader typed.
    let typed = json!({
        "comment": "Thanks for this.\nThe second line.\n\nSee https://example.com/x",
        "name": "Dana Reader",
        "email": EMAIL,
    });
    let posted: Vec<(String, String)> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap().to_owned();
            let value = f["value"]
                .as_str()
                .or(typed[&name].as_str())
                .unwrap_or_default()
                .to_owned();
            (name, value)
        })
        .collect();
    let method = reqwest::Method::from_bytes(form["method"].as_str().unwrap().as_bytes()).unwrap();
    let res = app
        .client
        .request(method, format!("{}{action}", app.address))
        .header("user-agent", "Mozilla/5.0 Firefox/128.0")
        .form(&posted)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert!(!res.headers().contains_key("masthead-warning"));
    let accepted: Value = res.json().await.unwrap();
    assert_eq!(
        accepted["status"], "pending",
        "first-time commenters are moderated: {accepted}"
    );
    let id = accepted["id"].as_i64().unwrap();

    // Nothing shows until a moderator approves it.
    let thread = app.get_json(&format!("/v1/articles/{SLUG}/comments")).await;
    assert_eq!(thread["items"], json!([]));
    let moderator = app.sign_in_as("mod@example.com", Role::Moderator).await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/editor/comments/{id}/approve"),
            Some(&moderator),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let res = app.get(&format!("/v1/articles/{SLUG}/comments")).await;
    let text = res.text().await.unwrap();
    assert!(
        !text.to_lowercase().contains("reader@example.org"),
        "the email never leaves: {text}"
    );
    assert!(!text.contains("127.0.0.1"));
    let thread: Value = serde_json::from_str(&text).unwrap();
    let c = &thread["items"][0];
    assert_eq!(c["id"], id);
    assert_eq!(c["author_name"], "Dana Reader");
    assert_eq!(c["depth"], 0);
    let expected_hash: String = Sha256::digest(b"reader@example.org")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(c["avatar_hash"], expected_hash);
    assert_eq!(
        c["html"],
        "<p>Thanks for this.<br>\nThe second line.</p>\n<p>See <a href=\"https://example.com/x\" rel=\"nofollow ugc\">https://example.com/x</a></p>\n"
    );

    let res = app
        .graphql(
            &format!(r#"{{ article(slug: "{SLUG}") {{ commentCount comments {{ edges {{ node {{ authorName avatarHash html }} }} }} }} }}"#),
            json!({}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["article"]["commentCount"], 1);
    assert_eq!(
        res["data"]["article"]["comments"]["edges"][0]["node"]["avatarHash"],
        expected_hash
    );
    assert!(!res.to_string().to_lowercase().contains("reader@example.org"));

    // Her next comment is published at once: she has an approved one, whatever the case
    // she types her address in this time.
    let id_num = article_id(&app, SLUG).await;
    let mut second = valid(&token(&app, id_num, 10), "A second thought.");
    second["email"] = json!("reader@EXAMPLE.org");
    let (status, body) = submit(&app, SLUG, second, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (202, Some("approved")),
        "{body}"
    );
}

#[tokio::test]
async fn every_invalid_field_is_reported_with_the_forms_message() {
    let app = newsroom().await;
    let id = article_id(&app, SLUG).await;
    let (status, body) = submit(
        &app,
        SLUG,
        json!({"comment": "   ", "form_token": token(&app, id, 10)}),
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_array().unwrap();
    let pairs: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("comment", "required", "Please enter your comment!"),
            ("name", "required", "Please enter your name here"),
            (
                "email",
                "required",
                "You have entered an incorrect email address!"
            ),
        ]
    );
    let (status, body) = submit(
        &app,
        SLUG,
        json!({
            "comment": "x".repeat(5001),
            "name": "Dana",
            "email": "not-an-email@",
            "website": "ftp://files.example.org",
            "parent_id": "abc",
            "form_token": token(&app, id, 10),
        }),
        None,
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<(&str, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("comment", "too_long"),
            ("email", "invalid"),
            ("website", "invalid"),
            ("parent_id", "invalid")
        ]
    );
    // Nothing was stored by the failures.
    let moderator = app.sign_in_as("mod@example.com", Role::Moderator).await;
    assert!(queue(&app, &moderator, "").await.is_empty());

    // Unknown and unpublished articles are 404; GraphQL says the same.
    let (status, _) = submit(&app, "draft-story", valid("x", "Hello"), None).await;
    assert_eq!(status, 404);
    let res = app
        .graphql(
            r#"mutation { submitComment(articleSlug: "harbour-talks", input: { comment: "", name: "D", email: "d@example.org" }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(gql_code(&res).as_deref(), Some("VALIDATION_FAILED"), "{res}");
}

#[tokio::test]
async fn closed_articles_refuse_comments() {
    let app = newsroom_with(|s| s.comments.period_days = Some(30)).await;
    let id = article_id(&app, "old-story").await;
    let form = app.get_json("/v1/comment-form?article=old-story").await;
    assert_eq!(form["open"], false);
    assert!(form["token"].is_null());
    assert!(form["closes_at"].is_string());
    let (status, body) = submit(&app, "old-story", valid(&token(&app, id, 10), "Late."), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("comments_closed")),
        "{body}"
    );

    let editor = app.sign_in_as("editor@example.com", Role::Editor).await;
    let harbour = article_id(&app, SLUG).await;
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/articles/{harbour}"),
            Some(&editor),
            Some(json!({"comment_status": "closed"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = submit(&app, SLUG, valid(&token(&app, harbour, 10), "Hi."), None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("comments_closed")));
    app.get_problem("/v1/comment-form?article=nope", 404).await;
    app.get_problem("/v1/comment-form", 400).await;
}

/// Submits and returns the spam reason moderators see (None: not spam).
async fn verdict(app: &TestApp, moderator: &str, body: Value) -> Option<String> {
    let (status, answer) = submit(app, SLUG, body, None).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(
        answer["status"], "pending",
        "spam is answered like a moderated comment"
    );
    let id = answer["id"].as_i64().unwrap();
    let items = queue(app, moderator, "").await;
    let item = items.iter().find(|i| i["id"] == id).unwrap();
    item["spam_reason"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn each_spam_layer_catches_its_case_and_legitimate_comments_pass() {
    // An Akismet-compatible checker that calls anything with "viagra" spam.
    let checker = actix_web::HttpServer::new(|| {
        actix_web::App::new().route(
            "/1.1/comment-check",
            actix_web::web::post().to(
                |form: actix_web::web::Form<std::collections::HashMap<String, String>>| async move {
                    let spam = form.get("comment_content").is_some_and(|c| c.contains("viagra"));
                    if spam { "true" } else { "false" }
                },
            ),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let port = checker.addrs()[0].port();
    tokio::spawn(checker.run());

    let app = newsroom_with(move |s| {
        s.comments.blocklist.words = vec!["casino".into()];
        s.comments.blocklist.emails = vec!["@spam.example".into()];
        s.comments.checker = Some(
            serde_json::from_value(json!({
                "url": format!("http://127.0.0.1:{port}/1.1/comment-check"),
                "site": "https://news.example.org"
            }))
            .unwrap(),
        );
    })
    .await;
    let moderator = app.sign_in_as("mod@example.com", Role::Moderator).await;
    let id = article_id(&app, SLUG).await;
    let good = || token(&app, id, 10);

    assert_eq!(
        verdict(&app, &moderator, valid(&good(), "A real point about the port.")).await,
        None
    );
    let mut trapped = valid(&good(), "Nice.");
    trapped["homepage"] = json!("http://bot.example");
    assert_eq!(
        verdict(&app, &moderator, trapped).await.as_deref(),
        Some("honeypot")
    );
    let mut missing = valid("", "No token here.");
    missing.as_object_mut().unwrap().remove("form_token");
    assert_eq!(
        verdict(&app, &moderator, missing).await.as_deref(),
        Some("form_token_missing")
    );
    let forged = good().replace("v1.", "v1.9");
    assert_eq!(
        verdict(&app, &moderator, valid(&forged, "Forged."))
            .await
            .as_deref(),
        Some("form_token_forged")
    );
    let other_article = token(&app, article_id(&app, "other-story").await, 10);
    assert_eq!(
        verdict(&app, &moderator, valid(&other_article, "Wrong article."))
            .await
            .as_deref(),
        Some("form_token_forged")
    );
    assert_eq!(
        verdict(&app, &moderator, valid(&token(&app, id, 25 * 3600), "Stale."))
            .await
            .as_deref(),
        Some("form_token_expired")
    );
    let fresh = app.get_json(&format!("/v1/comment-form?article={SLUG}")).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        verdict(&app, &moderator, valid(&fresh, "Too quick."))
            .await
            .as_deref(),
        Some("submitted_too_fast")
    );
    assert_eq!(
        verdict(
            &app,
            &moderator,
            valid(&good(), "http://a.example http://b.example www.c.example")
        )
        .await
        .as_deref(),
        Some("too_many_links")
    );
    assert_eq!(
        verdict(&app, &moderator, valid(&good(), "Best CASINO odds"))
            .await
            .as_deref(),
        Some("blocked_word")
    );
    let mut blocked = valid(&good(), "From a bad domain.");
    blocked["email"] = json!("x@SPAM.example");
    assert_eq!(
        verdict(&app, &moderator, blocked).await.as_deref(),
        Some("blocked_email")
    );
    assert_eq!(
        verdict(&app, &moderator, valid(&good(), "Cheap viagra"))
            .await
            .as_deref(),
        Some("external_checker")
    );
    // The first text passed; the same text again within a day is a duplicate.
    assert_eq!(
        verdict(&app, &moderator, valid(&good(), "A real point about  the PORT."))
            .await
            .as_deref(),
        Some("duplicate")
    );
    // Spam is kept for moderators and never shown.
    let spam = queue(&app, &moderator, "status=spam").await;
    assert_eq!(spam.len(), 11);
    let thread = app.get_json(&format!("/v1/articles/{SLUG}/comments")).await;
    assert_eq!(thread["items"], json!([]));
}

#[tokio::test]
async fn blocked_addresses_are_spam() {
    let app = newsroom_with(|s| s.comments.blocklist.ips = vec!["127.0.0.1".into()]).await;
    let moderator = app.sign_in_as("mod@example.com", Role::Moderator).await;
    let id = article_id(&app, SLUG).await;
    assert_eq!(
        verdict(&app, &moderator, valid(&token(&app, id, 10), "Hello."))
            .await
            .as_deref(),
        Some("blocked_ip")
    );
}

#[tokio::test]
async fn too_many_comments_from_one_address_get_429_with_retry_after() {
    let app = newsroom_with(|s| {
        s.comments.rate_limits = Default::default();
    })
    .await;
    let id = article_id(&app, SLUG).await;
    for i in 0..5 {
        let mut body = valid(&token(&app, id, 10), &format!("Comment number {i}."));
        body["email"] = json!(format!("reader{i}@example.org"));
        assert_eq!(submit(&app, SLUG, body, None).await.0, 202);
    }
    let res = app
        .client
        .post(format!("{}/v1/articles/{SLUG}/comments", app.address))
        .json(&valid(&token(&app, id, 10), "One too many."))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn a_retried_submission_returns_the_first_answer_and_stores_one_comment() {
    let app = newsroom().await;
    let id = article_id(&app, SLUG).await;
    let body = valid(&token(&app, id, 10), "Said once.");
    let first = submit(&app, SLUG, body.clone(), Some("key-123")).await;
    let again = submit(&app, SLUG, body, Some("key-123")).await;
    assert_eq!(first.0, 202);
    assert_eq!(first, again);
    let moderator = app.sign_in_as("mod@example.com", Role::Moderator).await;
    assert_eq!(queue(&app, &moderator, "").await.len(), 1);
    let (status, problem) = submit(
        &app,
        SLUG,
        valid(&token(&app, id, 10), "Something else."),
        Some("key-123"),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );

    let res = app
        .graphql(
            r#"mutation($t: String) { a: submitComment(articleSlug: "harbour-talks", idempotencyKey: "g-1", input: { comment: "Via GraphQL", name: "D", email: "d@example.org", formToken: $t }) { id status }
                 b: submitComment(articleSlug: "harbour-talks", idempotencyKey: "g-1", input: { comment: "Via GraphQL", name: "D", email: "d@example.org", formToken: $t }) { id status } }"#,
            json!({"t": token(&app, id, 10)}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["a"], res["data"]["b"]);
    assert_eq!(queue(&app, &moderator, "").await.len(), 2);
}

#[tokio::test]
async fn replies_nest_under_approved_comments_up_to_the_maximum_depth() {
    let app = newsroom_with(|s| {
        s.comments.max_depth = 2;
        s.comments.moderation = masthead::service::comments::settings::Moderation::Never;
    })
    .await;
    let id = article_id(&app, SLUG).await;
    let (_, top) = submit(&app, SLUG, valid(&token(&app, id, 10), "Top."), None).await;
    assert_eq!(top["status"], "approved");
    let mut reply = valid(&token(&app, id, 10), "Reply.");
    reply["parent_id"] = top["id"].clone();
    let (status, answer) = submit(&app, SLUG, reply, None).await;
    assert_eq!(status, 202, "{answer}");
    let mut deeper = valid(&token(&app, id, 10), "Too deep.");
    deeper["parent_id"] = answer["id"].clone();
    let (status, problem) = submit(&app, SLUG, deeper, None).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "parent_id");
    // A parent on another article is refused too.
    let other = article_id(&app, "other-story").await;
    let mut elsewhere = valid(&token(&app, other, 10), "Elsewhere.");
    elsewhere["parent_id"] = top["id"].clone();
    assert_eq!(submit(&app, "other-story", elsewhere, None).await.0, 422);

    let thread = app
        .get_json(&format!("/v1/articles/{SLUG}/comments?limit=1"))
        .await;
    assert_eq!(thread["items"][0]["depth"], 0);
    let next = thread["next_cursor"].as_str().unwrap();
    let page2 = app
        .get_json(&format!("/v1/articles/{SLUG}/comments?limit=1&cursor={next}"))
        .await;
    assert_eq!(page2["items"][0]["parent_id"], top["id"]);
    assert_eq!(page2["items"][0]["depth"], 1);
    assert!(page2["next_cursor"].is_null());

    let res = app
        .graphql(
            &format!(r#"{{ article(slug: "{SLUG}") {{ commentCount comments(first: 10) {{ edges {{ node {{ text replies {{ text depth }} }} }} }} }} }}"#),
            json!({}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    // The reply is under its parent only, not a top-level edge as well.
    assert_eq!(
        res["data"]["article"]["comments"]["edges"],
        json!([{ "node": {"text": "Top.", "replies": [{"text": "Reply.", "depth": 1}]} }])
    );
    assert_eq!(
        res["data"]["article"]["commentCount"], 2,
        "the count includes replies"
    );
}

#[tokio::test]
async fn moderation_needs_a_moderator_and_is_audited() {
    let app = newsroom().await;
    let id = article_id(&app, SLUG).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (_, a) = submit(
            &app,
            SLUG,
            valid(&token(&app, id, 10), &format!("Comment {i}.")),
            None,
        )
        .await;
        ids.push(a["id"].as_i64().unwrap());
    }
    let contributor = app.sign_in_as("writer@example.com", Role::Contributor).await;
    let (status, _) = app
        .call(Method::GET, "/v1/editor/comments", Some(&contributor), None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/editor/comments/{}/approve", ids[0]),
            Some(&contributor),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.call(Method::GET, "/v1/editor/comments", None, None).await;
    assert_eq!(status, 401);

    let moderator = app.sign_in_as("mod@example.com", Role::Moderator).await;
    assert_eq!(queue(&app, &moderator, "status=pending").await.len(), 3);
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/editor/comments/bulk",
            Some(&moderator),
            Some(json!({"ids": [ids[0], ids[1]], "action": "approve"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, edited) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/comments/{}", ids[0]),
            Some(&moderator),
            Some(json!({"text": "Edited <b>text</b>."})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(edited["html"], "<p>Edited &lt;b&gt;text&lt;/b&gt;.</p>\n");
    for action in ["spam", "restore", "trash"] {
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/v1/editor/comments/{}/{action}", ids[1]),
                Some(&moderator),
                None,
            )
            .await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/editor/comments/999999/approve",
            Some(&moderator),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let thread = app.get_json(&format!("/v1/articles/{SLUG}/comments")).await;
    let texts: Vec<&str> = thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Edited <b>text</b>."]);

    // GraphQL: the same rules.
    let q = format!(
        r#"mutation {{ moderateComments(ids: ["{}"], action: APPROVE) {{ status }} }}"#,
        ids[2]
    );
    let denied = app.graphql_as(Some(&contributor), &q, json!({})).await;
    assert_eq!(gql_code(&denied).as_deref(), Some("FORBIDDEN"));
    let done = app.graphql_as(Some(&moderator), &q, json!({})).await;
    assert_eq!(
        done["data"]["moderateComments"],
        json!([{"status": "approved"}]),
        "{done}"
    );
    let listed = app
        .graphql_as(
            Some(&moderator),
            r#"{ moderationQueue(filter: { status: "trash" }) { items { id authorEmail } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["moderationQueue"]["items"][0]["id"],
        ids[1].to_string()
    );

    let admin = app.sign_in_as("admin@example.com", Role::Admin).await;
    let (_, audit) = app
        .call(Method::GET, "/v1/editor/audit?limit=100", Some(&admin), None)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "comment.approve",
        "comment.edit",
        "comment.spam",
        "comment.restore",
        "comment.trash",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
}

#[tokio::test]
async fn every_accepted_submission_of_a_burst_is_stored_exactly_once() {
    // One test client is one address: its per-address limits are raised for the burst.
    let app = newsroom_with(|s| s.anonymous_rate_limit = 0).await;
    let id = article_id(&app, SLUG).await;
    let tok = token(&app, id, 10);
    let mut tasks = Vec::new();
    for i in 0..500 {
        let client = app.client.clone();
        let url = format!("{}/v1/articles/{SLUG}/comments", app.address);
        let mut body = valid(&tok, &format!("Burst comment number {i}."));
        body["email"] = json!(format!("burst{i}@example.org"));
        tasks.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("idempotency-key", format!("burst-{i}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 202, "{body}");
        assert!(
            ids.insert(body["id"].as_i64().unwrap()),
            "an id was answered twice"
        );
    }
    let db = app.db.clone();
    let stored: Vec<i64> = tokio::task::spawn_blocking(move || {
        db.run_blocking(|c| {
            Ok(masthead::db::comments::queue(
                c,
                &masthead::db::comments::QueueQuery {
                    limit: 10_000,
                    ..Default::default()
                },
            )?
            .into_iter()
            .map(|r| r.id)
            .collect())
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(stored.len(), 500);
    assert_eq!(stored.into_iter().collect::<std::collections::HashSet<_>>(), ids);
}

#[tokio::test]
async fn a_submission_without_the_token_says_why_in_a_header() {
    let app = newsroom().await;
    let res = app
        .client
        .post(format!("{}/v1/articles/{SLUG}/comments", app.address))
        .json(&json!({ "comment": "Hi there", "name": "A Reader", "email": EMAIL }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "answered like any pending comment");
    let warning = res.headers()["masthead-warning"].to_str().unwrap().to_owned();
    assert!(warning.contains("form_token"), "{warning}");
}

#[tokio::test]
async fn an_approved_comment_purges_that_articles_comments_and_nothing_else() {
    let cdn = crate::helpers::PurgeReceiver::start(0);
    let url = cdn.url.parse().unwrap();
    let app = newsroom_with(move |s| s.content.purge.url = Some(url)).await;
    let id = article_id(&app, SLUG).await;
    // The articles the test wrote behind the server's back were announced as a change of
    // everything.
    cdn.wait_for(0, &["article", "list"]).await;
    let since = cdn.requests().len();
    let comments = app.get(&format!("/v1/articles/{SLUG}/comments")).await;
    assert_eq!(
        comments.headers()["surrogate-key"],
        format!("comments comments-{id}").as_str()
    );
    let (status, accepted) = submit(&app, SLUG, valid(&token(&app, id, 10), "Held for review."), None).await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["status"], "pending");

    let moderator = app.sign_in_as("mod@example.com", Role::Moderator).await;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/editor/comments/{}/approve", accepted["id"]),
            Some(&moderator),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let purged = cdn.wait_for(since, &[&format!("comments-{id}"), "graphql"]).await;
    assert_eq!(
        purged,
        [format!("comments-{id}"), "graphql".to_owned()],
        "a pending comment purges nothing"
    );
}
