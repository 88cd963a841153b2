//! Writing, the publishing workflow, revisions, previews and partner keys, as a CMS and a
//! partner would use them.

use chrono::{Duration, Utc};
use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, TestApp, gql_code, spawn_app};

async fn editor(app: &TestApp) -> String {
    app.sign_in_as("editor@example.org", Role::Editor).await
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, article) = app
        .call(Method::POST, "/v1/editor/articles", Some(token), Some(body))
        .await;
    assert_eq!(status, 201, "{article}");
    article
}

fn story(title: &str) -> Value {
    json!({
        "title": title,
        "subtitle": "A deck",
        "dateline": "Haifa, Israel",
        "section": "middle-east",
        "tags": ["transport"],
        "authors": [{ "slug": "dana-levi", "role": "Reporting" }],
        "body": [{ "type": "paragraph", "content": [{ "text": "The first paragraph." }] }]
    })
}

#[tokio::test]
async fn a_draft_is_invisible_everywhere_until_it_is_published() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let article = create(&app, &token, story("Harbour tunnel opens early")).await;
    let (id, slug) = (
        article["id"].as_i64().unwrap(),
        article["slug"].as_str().unwrap().to_owned(),
    );
    assert_eq!(slug, "harbour-tunnel-opens-early");
    assert_eq!(article["status"], "draft");

    app.get_problem(&format!("/v1/articles/{slug}"), 404).await;
    for list in [
        "/v1/articles?limit=100",
        "/v1/articles?section=world&limit=100",
        "/v1/articles?tag=transport&limit=100",
    ] {
        assert!(
            !app.get(list).await.text().await.unwrap().contains(&slug),
            "{list}"
        );
    }
    let res = app
        .graphql(
            "query($s: String) { article(slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await;
    assert!(res["data"]["article"].is_null());

    let (status, published) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");

    let public = app.get_json(&format!("/v1/articles/{slug}")).await;
    assert_eq!(public["title"], "Harbour tunnel opens early");
    assert_eq!(public["authors"][0]["role"], "Reporting");
    let first = app.get_json("/v1/articles?limit=1").await;
    assert_eq!(
        first["items"][0]["slug"],
        slug.as_str(),
        "a publish clears the read caches"
    );

    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/unpublish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    app.get_problem(&format!("/v1/articles/{slug}"), 404).await;
}

#[tokio::test]
async fn a_scheduled_article_appears_by_itself_at_its_time() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let article = create(&app, &token, story("Timed embargo lifts")).await;
    let id = article["id"].as_i64().unwrap();
    let at = Utc::now() + Duration::seconds(2);

    let (status, scheduled) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/publish"),
            Some(&token),
            Some(json!({ "published_at": at.to_rfc3339() })),
        )
        .await;
    assert_eq!(status, 200, "{scheduled}");
    assert_eq!(scheduled["status"], "scheduled");
    app.get_problem("/v1/articles/timed-embargo-lifts", 404).await;
    let before = app.get_json("/v1/articles?limit=1").await;
    assert_ne!(before["items"][0]["slug"], "timed-embargo-lifts");

    app.advance_clock(Duration::seconds(3));

    app.get_json("/v1/articles/timed-embargo-lifts").await;
    let after = app.get_json("/v1/articles?limit=1").await;
    assert_eq!(after["items"][0]["slug"], "timed-embargo-lifts");
    let (_, current) = app
        .call(
            Method::GET,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(current["status"], "published");
}

#[tokio::test]
async fn two_updates_of_the_same_version_one_wins_and_nothing_is_lost() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let article = create(&app, &token, story("Contested copy")).await;
    let id = article["id"].as_i64().unwrap();
    let version = article["version"].as_i64().unwrap();

    let send = |title: &'static str| {
        app.client
            .patch(format!("{}/v1/editor/articles/{id}", app.address))
            .bearer_auth(&token)
            .header("if-match", format!("\"{version}\""))
            .json(&json!({ "title": title }))
            .send()
    };
    let (a, b) = tokio::join!(send("Version from desk A"), send("Version from desk B"));
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);

    let (_, current) = app
        .call(
            Method::GET,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            None,
        )
        .await;
    let winner = current["title"].as_str().unwrap().to_owned();
    assert!(winner.starts_with("Version from desk"));
    let (_, revisions) = app
        .call(
            Method::GET,
            &format!("/v1/editor/articles/{id}/revisions"),
            Some(&token),
            None,
        )
        .await;
    let revisions = revisions.as_array().unwrap();
    assert_eq!(revisions.len(), 2, "created + the winning update");
    assert_eq!(revisions[0]["content"]["title"], winner.as_str());

    // The loser gets a CONFLICT over GraphQL too.
    let res = app
        .graphql_as(Some(&token), &format!(r#"mutation {{ updateArticle(id: "{id}", version: {version}, input: {{ title: "Late" }}) {{ version }} }}"#), json!({}))
        .await;
    assert_eq!(gql_code(&res).as_deref(), Some("CONFLICT"));
}

#[tokio::test]
async fn invalid_input_lists_every_field_at_fault() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;

    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/editor/articles",
            Some(&token),
            Some(json!({ "title": "", "section": "atlantis", "tags": ["transport", "nope"], "authors": [{ "slug": "ghost" }], "canonical_url": "ftp://x", "comment_status": "maybe" })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["code"], "validation_failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "title",
        "section",
        "tags[1]",
        "authors[0].slug",
        "canonical_url",
        "comment_status",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }

    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/editor/articles",
            Some(&token),
            Some(json!({ "title": "x", "colour": "red" })),
        )
        .await;
    assert_eq!(status, 422, "unknown fields are refused, not ignored: {problem}");
    assert_eq!(problem["errors"][0]["field"], "colour");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
}

#[tokio::test]
async fn html_bodies_become_blocks_and_scripts_never_survive() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let mut body = story("Sanitised");
    body.as_object_mut().unwrap().remove("body");
    body["body_html"] = json!(
        "<h2>Heading</h2><p onclick=\"x()\">Safe <strong>text</strong><script>alert(1)</script></p><style>*{}</style><iframe src=\"javascript:evil()\"></iframe>"
    );
    let article = create(&app, &token, body).await;

    let json = article["body"].to_string();
    assert!(
        !json.contains("alert")
            && !json.contains("onclick")
            && !json.contains("javascript")
            && !json.contains("*{}"),
        "{json}"
    );
    assert_eq!(
        article["body"][0],
        json!({ "type": "heading", "level": 2, "text": "Heading" })
    );
    assert_eq!(
        article["body"][1]["content"][1],
        json!({ "text": "text", "marks": [{ "type": "bold" }] })
    );
}

#[tokio::test]
async fn a_published_article_keeps_its_old_slug_as_a_redirect() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let article = create(&app, &token, story("First headline")).await;
    let id = article["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(&token),
        None,
    )
    .await;

    let (status, renamed) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            Some(json!({ "slug": "better-headline" })),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(format!("{}/v1/articles/first-headline?body=html", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.headers()["location"],
        "/v1/articles/better-headline?body=html"
    );
    assert_eq!(
        app.get_json("/v1/articles/first-headline").await["slug"],
        "better-headline",
        "clients that follow redirects land on it"
    );
    let res = app
        .graphql("{ article(slug: \"first-headline\") { slug } }", json!({}))
        .await;
    assert_eq!(res["data"]["article"]["slug"], "better-headline");
}

#[tokio::test]
async fn revisions_can_be_listed_shown_and_restored() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let article = create(&app, &token, story("Original words")).await;
    let id = article["id"].as_i64().unwrap();
    app.call(
        Method::PATCH,
        &format!("/v1/editor/articles/{id}"),
        Some(&token),
        Some(json!({ "title": "Rewritten words" })),
    )
    .await;

    let (_, one) = app
        .call(
            Method::GET,
            &format!("/v1/editor/articles/{id}/revisions/1"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(one["content"]["title"], "Original words");
    let (status, restored) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/revisions/1/restore"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["title"], "Original words");
    assert_eq!(restored["version"], 3, "a restore is a new revision");
    let (_, list) = app
        .call(
            Method::GET,
            &format!("/v1/editor/articles/{id}/revisions"),
            Some(&token),
            None,
        )
        .await;
    let summaries: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["restored", "updated", "created"]);
}

#[tokio::test]
async fn corrections_are_appended_and_shown_publicly() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let article = create(&app, &token, story("Figures story")).await;
    let id = article["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(&token),
        None,
    )
    .await;

    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/corrections"),
            Some(&token),
            Some(json!({ "note": "The figure was 12, not 21." })),
        )
        .await;
    assert_eq!(status, 201);
    let public = app.get_json("/v1/articles/figures-story").await;
    assert_eq!(public["corrections"][0]["note"], "The figure was 12, not 21.");
}

#[tokio::test]
async fn a_preview_link_opens_a_draft_and_nothing_else() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let article = create(&app, &token, story("Sneak peek")).await;
    let id = article["id"].as_i64().unwrap();

    let (status, link) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/preview-token"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 201);
    let url = link["url"].as_str().unwrap();
    let preview = app.get_json(&format!("{url}?body=html")).await;
    assert_eq!(preview["title"], "Sneak peek");
    assert!(
        preview["body"]["html"]
            .as_str()
            .unwrap()
            .contains("The first paragraph.")
    );
    let res = app
        .graphql(
            "query($t: String!) { preview(token: $t) { title } }",
            json!({ "t": link["token"] }),
        )
        .await;
    assert_eq!(res["data"]["preview"]["title"], "Sneak peek");

    // The preview token is not an access token, and a forged one is refused.
    let (status, _) = app
        .call(Method::GET, "/v1/auth/me", link["token"].as_str(), None)
        .await;
    assert_eq!(status, 401);
    let forged = format!("{}x", link["token"].as_str().unwrap());
    let (status, problem) = app
        .call(Method::GET, &format!("/v1/preview/{forged}"), None, None)
        .await;
    assert_eq!(status, 401, "{problem}");
    app.get_problem("/v1/articles/sneak-peek", 404).await;
}

#[tokio::test]
async fn sections_tags_authors_and_media_are_managed_by_editors() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;

    let (status, section) = app
        .call(
            Method::POST,
            "/v1/editor/sections",
            Some(&token),
            Some(json!({ "name": "Africa", "parent": "world" })),
        )
        .await;
    assert_eq!(status, 201, "{section}");
    let world = app.get_json("/v1/sections/world").await;
    assert!(
        world["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["slug"] == "africa"),
        "writes clear the section cache"
    );

    let (status, problem) = app
        .call(Method::DELETE, "/v1/editor/sections/1", Some(&token), None)
        .await;
    assert_eq!(status, 409, "a section with articles stays: {problem}");
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/editor/sections/{}", section["id"]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 204);

    let (status, tag) = app
        .call(
            Method::POST,
            "/v1/editor/tags",
            Some(&token),
            Some(json!({ "name": "Rail freight" })),
        )
        .await;
    assert_eq!((status, tag["slug"].as_str()), (201, Some("rail-freight")));
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/editor/tags",
            Some(&token),
            Some(json!({ "name": "Rail freight" })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["code"], "taken");

    let (status, author) = app
        .call(
            Method::POST,
            "/v1/editor/authors",
            Some(&token),
            Some(json!({ "name": "Noa Ben-Ami", "title": "Reporter" })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        app.get_json(&format!("/v1/authors/{}", author["slug"].as_str().unwrap()))
            .await["title"],
        "Reporter"
    );

    let (status, media) = app
        .call(Method::POST, "/v1/editor/media", Some(&token), Some(json!({ "url": "https://img.example.org/x.jpg", "credit": "Photo: Desk", "width": 800, "height": 600 })))
        .await;
    assert_eq!(status, 201);
    let (status, fetched) = app
        .call(
            Method::GET,
            &format!("/v1/editor/media/{}", media["id"]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!((status, fetched["width"].as_i64()), (200, Some(800)));
    let (status, fetched) = app
        .call(
            Method::GET,
            &format!("/v1/editor/tags/{}", tag["id"]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!((status, fetched["name"].as_str()), (200, Some("Rail freight")));
    let (status, _) = app
        .call(Method::GET, "/v1/editor/sections/999999", Some(&token), None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/v1/editor/authors/{}", author["id"]),
            None,
            None,
        )
        .await;
    assert_eq!(status, 401);
    let mut body = story("With a picture");
    body["featured_media_id"] = media["id"].clone();
    let article = create(&app, &token, body).await;
    assert_eq!(article["featured_media"]["credit"], "Photo: Desk");
}

#[tokio::test]
async fn partner_keys_are_shown_once_listed_revoked_and_rate_limited() {
    let app = spawn_app(Content::Demo).await;
    let admin = app.sign_in_as("admin@example.org", Role::Admin).await;

    let (status, created) = app
        .call(
            Method::POST,
            "/v1/editor/keys",
            Some(&admin),
            Some(json!({ "name": "Partner", "scopes": ["content:read", "feeds:full"], "tier": "basic" })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    let (_, listed) = app.call(Method::GET, "/v1/editor/keys", Some(&admin), None).await;
    assert!(
        !listed.to_string().contains(&key),
        "the key itself is never shown again"
    );
    assert_eq!(listed[0]["scopes"], json!(["content:read", "feeds:full"]));

    // The basic tier allows 10 requests a second with bursts of 20.
    let mut limited = None;
    for _ in 0..40 {
        let res = app
            .client
            .get(format!("{}/v1/sections", app.address))
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        assert!(res.headers().contains_key("ratelimit-limit"));
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
    }
    let res = limited.expect("a burst past the tier is refused");
    assert_eq!(res.headers()["ratelimit-remaining"], "0");
    assert!(res.headers().contains_key("retry-after"));

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/editor/keys/{}", created["id"]),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let res = app
        .client
        .get(format!("{}/v1/editor/articles", app.address))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a revoked key is refused");
}

#[tokio::test]
async fn the_audit_log_records_editorial_actions() {
    let app = spawn_app(Content::Demo).await;
    let admin = app.sign_in_as("admin@example.org", Role::Admin).await;
    let article = create(&app, &admin, story("Audited")).await;
    let id = article["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("/v1/editor/articles/{id}/publish"),
        Some(&admin),
        None,
    )
    .await;
    app.call(
        Method::DELETE,
        &format!("/v1/editor/articles/{id}"),
        Some(&admin),
        None,
    )
    .await;

    let (status, log) = app
        .call(Method::GET, "/v1/editor/audit?limit=10", Some(&admin), None)
        .await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..4],
        [
            "article.delete",
            "article.publish",
            "article.create",
            "auth.login"
        ]
    );
    assert!(
        log["items"].as_array().unwrap()[..4]
            .iter()
            .all(|e| e["actor"] == "admin@example.org")
    );
    let (status, _) = app
        .call(Method::GET, "/v1/editor/audit?before=abc", Some(&admin), None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_cms_list_filters_by_status_and_title() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    create(&app, &token, story("Unique zebra headline")).await;

    let (status, drafts) = app
        .call(
            Method::GET,
            "/v1/editor/articles?status=draft&limit=100",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        drafts["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "draft")
    );
    let (_, scheduled) = app
        .call(
            Method::GET,
            "/v1/editor/articles?status=scheduled&limit=100",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        scheduled["items"].as_array().unwrap().len(),
        3,
        "the demo's embargoed pieces"
    );
    let (_, found) = app
        .call(Method::GET, "/v1/editor/articles?q=zebra", Some(&token), None)
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (status, _) = app
        .call(Method::GET, "/v1/editor/articles?status=lost", Some(&token), None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn headlines_in_any_script_keep_their_words_in_the_slug() {
    let app = spawn_app(Content::Demo).await;
    let token = editor(&app).await;
    let cases = [
        (
            "תל אביב: הרכבת הקלה נפתחת בלילה",
            "תל-אביב-הרכבת-הקלה-נפתחת-בלילה",
        ),
        ("القاهرة تستضيف المحادثات", "القاهرة-تستضيف-المحادثات"),
        ("东京地铁新线开通", "东京地铁新线开通"),
        ("Café owners in Zürich", "cafe-owners-in-zurich"),
        ("🚆🎉", "article"),
    ];
    for (title, expected) in cases {
        let article = create(&app, &token, story(title)).await;
        assert_eq!(article["slug"], expected, "{title}");
        let id = article["id"].as_i64().unwrap();
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/v1/editor/articles/{id}/publish"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    // REST, with the slug percent-encoded as every HTTP client sends it (RFC 9112 has no
    // raw UTF-8 in a request line; actix refuses it with 400).
    let encoded: String =
        url::form_urlencoded::byte_serialize("תל-אביב-הרכבת-הקלה-נפתחת-בלילה".as_bytes()).collect();
    let found = app.get_json(&format!("/v1/articles/{encoded}")).await;
    assert_eq!(found["title"], "תל אביב: הרכבת הקלה נפתחת בלילה");
    // GraphQL takes the slug as text.
    let res = app
        .graphql(
            "query($s: String) { article(slug: $s) { title } }",
            json!({ "s": "东京地铁新线开通" }),
        )
        .await;
    assert_eq!(res["data"]["article"]["title"], "东京地铁新线开通", "{res}");
    // Feeds and sitemaps link to the website with the slug percent-encoded.
    let hebrew_link = format!(
        "https://news.example.com/middle-east/{}",
        url::form_urlencoded::byte_serialize("תל-אביב-הרכבת-הקלה-נפתחת-בלילה".as_bytes()).collect::<String>()
    );
    let rss = app.get("/feeds/rss.xml").await.text().await.unwrap();
    assert!(rss.contains(&hebrew_link), "{rss}");
    let news = app.get("/sitemaps/news.xml").await.text().await.unwrap();
    assert!(news.contains(&hebrew_link), "{news}");
    assert!(
        !news.contains("/middle-east/תל"),
        "a sitemap location is never raw UTF-8"
    );
    // An editor may set such a slug by hand; an upper-case or spaced one is refused.
    let mut custom = story("Custom slug");
    custom["slug"] = json!("חדשות-הבוקר");
    assert_eq!(create(&app, &token, custom).await["slug"], "חדשות-הבוקר");
    let mut bad = story("Bad slug");
    bad["slug"] = json!("Has Spaces");
    let (status, problem) = app
        .call(Method::POST, "/v1/editor/articles", Some(&token), Some(bad))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "slug");
}
