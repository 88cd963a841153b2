//! What an attacker or a careless client sends: queries that multiply, headers that would
//! poison caches, mistyped and oversized bodies, control characters, mutations over GET,
//! admins locking themselves out, wrong methods. Each is refused cleanly and changes
//! nothing.

use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, TestApp, spawn_app, spawn_app_with};

const MULTIPLYING: &str = "{ articles(first: 100) { nodes { tags { articles(first: 100) { nodes { tags { articles(first: 100) { nodes { tags { articles(first: 100) { nodes { tags { articles(first: 100) { nodes { slug } } } } } } } } } } } } } } }";

/// The whole article page in one request, as the README documents it.
const ARTICLE_PAGE: &str = r#"query Page($slug: String!) {
  article(slug: $slug) {
    id slug title subtitle dateline excerpt publishedAt updatedAt readingTimeMinutes
    section { slug name } sectionPath { slug name }
    authors { slug name title avatarUrl role }
    tags { slug name }
    featuredMedia { url alt caption credit width height }
    corrections { notedAt note }
    body(format: BLOCKS) { format blocks }
    related(first: 5) { score reasons { kind names } article { slug title publishedAt featuredMedia { url alt } } }
    moreLikeThis: related(first: 5, scope: SECTION) { article { slug title } }
    commentCount
    comments(first: 50) { nodes { id authorName avatarHash createdAt html depth replies { id authorName createdAt html depth } } pageInfo { hasNextPage endCursor } }
  }
  commentForm(articleSlug: $slug) { open title submitLabel token honeypotField fields { name label required maxLength } }
  popular(first: 10) { views article { slug title } }
}"#;

async fn post_graphql(app: &TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await
        .expect("request")
}

fn code(res: &Value) -> &str {
    res["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_query_that_multiplies_lists_is_refused_before_it_runs() {
    let app = spawn_app(Content::Demo).await;
    let started = std::time::Instant::now();
    let res = app.graphql(MULTIPLYING, json!({})).await;
    assert_eq!(code(&res), "QUERY_TOO_COSTLY", "{res}");
    let message = res["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("limit is 25000"), "{message}");
    assert!(res["errors"][0]["extensions"]["cost"].as_u64().unwrap() > 25_000);
    assert!(res.get("data").is_none_or(Value::is_null), "{res}");
    // Refused without touching the database: a generous bound for a debug build.
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    // The whole article page still fits the budget.
    let page = app
        .graphql(
            ARTICLE_PAGE,
            json!({ "slug": "tel-aviv-opens-its-first-overnight-light-rail-service" }),
        )
        .await;
    assert!(page["errors"].is_null(), "{page}");
    assert_eq!(
        page["data"]["article"]["slug"],
        "tel-aviv-opens-its-first-overnight-light-rail-service"
    );
    assert!(page["data"]["commentForm"]["token"].is_string());

    // What the README says it costs.
    let strict = spawn_app_with(Content::Demo, |s| s.graphql.max_cost = 1).await;
    let priced = strict
        .graphql(
            ARTICLE_PAGE,
            json!({ "slug": "tel-aviv-opens-its-first-overnight-light-rail-service" }),
        )
        .await;
    let cost = priced["errors"][0]["extensions"]["cost"]
        .as_u64()
        .expect("priced");
    assert!((2_000..4_000).contains(&cost), "the article page costs {cost}");
}

#[tokio::test]
async fn a_connection_inside_a_list_pages_at_most_ten() {
    let app = spawn_app(Content::Demo).await;
    let res = app
        .graphql(
            "{ tags(first: 2) { nodes { articles(first: 50) { nodes { slug } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&res), "INVALID_PARAMETER", "{res}");
    assert_eq!(res["errors"][0]["extensions"]["parameter"], "first");
    let res = app
        .graphql(
            "{ tags(first: 2) { nodes { articles { nodes { slug } } } } }",
            json!({}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    for tag in res["data"]["tags"]["nodes"].as_array().unwrap() {
        assert!(tag["articles"]["nodes"].as_array().unwrap().len() <= 10);
    }
}

#[tokio::test]
async fn aliases_and_response_size_are_bounded() {
    let app = spawn_app_with(Content::Demo, |s| s.graphql.max_fields = 40).await;
    let aliases: String = (0..31).map(|i| format!("a{i}: sections {{ slug }} ")).collect();
    let res = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(code(&res), "TOO_MANY_ALIASES", "{res}");
    // Priced cheaply (sections counts as ten), but more fields than the response may hold.
    let res = app
        .graphql("{ articles(first: 30) { nodes { slug title } } }", json!({}))
        .await;
    assert_eq!(code(&res), "RESPONSE_TOO_LARGE", "{res}");
}

#[tokio::test]
async fn forwarded_host_headers_never_reach_links_or_caches() {
    let app = spawn_app_with(Content::Demo, |s| {
        s.public_url = Some("https://api.news.example.com".into());
    })
    .await;
    for path in [
        "/sitemap.xml",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
    ] {
        let poisoned = app
            .client
            .get(format!("{}{path}", app.address))
            .header("X-Forwarded-Host", "evil.example")
            .header("X-Forwarded-Proto", "http")
            .header("Forwarded", "host=evil.example;proto=http")
            .header("Host", "evil.example")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!poisoned.contains("evil.example"), "{path}: {poisoned}");
        let clean = app.get(path).await.text().await.unwrap();
        assert!(!clean.contains("evil.example"), "{path} was cached poisoned");
        assert!(
            clean.contains("https://api.news.example.com/"),
            "{path} links to the configured public URL: {clean}"
        );
    }
}

async fn limited_twice(app: &TestApp, forwarded_for: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let res = app
            .client
            .get(format!("{}/healthz", app.address))
            .header("X-Forwarded-For", forwarded_for)
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // One request a second with a burst of two: the third in a row is refused.
    let trusted = spawn_app_with(Content::Empty, |s| {
        s.anonymous_rate_limit = 1;
        s.edge.trusted_proxies = masthead::http::edge::EdgeSettings::parse_proxies("127.0.0.1").unwrap();
    })
    .await;
    assert_eq!(limited_twice(&trusted, "198.51.100.1").await, [200, 200, 429]);
    // Another reader behind the same proxy has a quota of their own; a spoofed hop further
    // out changes nothing.
    assert_eq!(
        limited_twice(&trusted, "6.6.6.6, 198.51.100.2").await,
        [200, 200, 429]
    );
    assert_eq!(limited_twice(&trusted, "7.7.7.7, 198.51.100.2").await[0], 429);

    let untrusted = spawn_app_with(Content::Empty, |s| s.anonymous_rate_limit = 1).await;
    assert_eq!(limited_twice(&untrusted, "198.51.100.1").await, [200, 200, 429]);
    assert_eq!(
        limited_twice(&untrusted, "198.51.100.2").await[0],
        429,
        "without a trusted proxy the header is the client's word and is ignored"
    );
}

#[tokio::test]
async fn a_malformed_publish_body_publishes_nothing() {
    let app = spawn_app(Content::Demo).await;
    let token = app.sign_in_as("editor@example.org", Role::Editor).await;
    let (status, article) = app
        .call(
            Method::POST,
            "/v1/editor/articles",
            Some(&token),
            Some(json!({
                "title": "Embargoed until the vote",
                "section": "middle-east",
                "authors": [{ "slug": "dana-levi" }],
                "body": [{ "type": "paragraph", "content": [{ "text": "Not yet." }] }]
            })),
        )
        .await;
    assert_eq!(status, 201, "{article}");
    let id = article["id"].as_i64().unwrap();
    let url = format!("{}/v1/editor/articles/{id}/publish", app.address);
    let cases: [(&str, u16, &str); 5] = [
        (r#"{"published_at":"2030-13-45"}"#, 422, "published_at"),
        (r#"{"published_at":20300101}"#, 422, "published_at"),
        (r#"{"publish_at":"2030-01-01T00:00:00Z"}"#, 422, "publish_at"),
        (r#"{"published_at":"2030-01-01T00:0"#, 400, "body"),
        ("[1,2", 400, "body"),
    ];
    for (body, status, field) in cases {
        let res = app
            .client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{body}");
        let problem: Value = res.json().await.unwrap();
        let named = problem["errors"][0]["field"]
            .as_str()
            .or(problem["parameter"].as_str())
            .unwrap_or_default();
        assert_eq!(named, field, "{body}: {problem}");
    }
    let res = app
        .client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(r#"{"published_at":"2030-01-01T00:00:00Z"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let (_, now) = app
        .call(
            Method::GET,
            &format!("/v1/editor/articles/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(now["status"], "draft", "nothing was published: {now}");
    // Other write routes are as strict.
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/editor/tags",
            Some(&token),
            Some(json!({ "name": "Ports", "colour": "blue" })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "colour");
    // An empty body still publishes now, as documented.
    let res = app.client.post(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app_with(Content::Empty, |s| s.edge.max_body_bytes = 64 * 1024).await;
    let big = format!(
        "{{\"query\":\"{{ sections {{ slug }} }}\",\"pad\":\"{}\"}}",
        "x".repeat(100_000)
    );
    for path in ["/graphql", "/v1/auth/token", "/v1/articles/anything/comments"] {
        let res = app
            .client
            .post(format!("{}{path}", app.address))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 413, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "payload_too_large");
    }
    // Sent in chunks without a length, the limit holds as well.
    let address = app.address.trim_start_matches("http://").to_owned();
    let status = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        let mut request = b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for _ in 0..20 {
            request.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
            request.extend_from_slice(&[b' '; 8192]);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        // The server may answer and close before it has read everything.
        let _ = stream.write_all(&request);
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
}

#[tokio::test]
async fn control_characters_are_refused_at_the_edge() {
    let app = spawn_app(Content::Demo).await;
    for (path, parameter) in [
        ("/v1/search?q=ferry%00", "q"),
        ("/v1/articles?tag=%00", "tag"),
        ("/v1/articles/abc%00def", "path"),
        ("/v1/comment-form?article=a%00", "article"),
        ("/feeds/tags/a%00b/rss.xml", "path"),
        ("/v1/articles?section=a%0Bb", "section"),
    ] {
        let problem = app.get_problem(path, 400).await;
        assert_eq!(problem["parameter"], parameter, "{path}");
    }
    let res = app
        .graphql(
            "query($s: String) { article(slug: $s) { id } }",
            json!({ "s": "a\u{0}b" }),
        )
        .await;
    assert_eq!(code(&res), "INVALID_PARAMETER", "{res}");
    let res = app
        .graphql(r#"{ article(slug: "a\u0000b") { id } }"#, json!({}))
        .await;
    assert_eq!(code(&res), "INVALID_PARAMETER", "{res}");

    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({ "email": "a\u{0}@example.org", "password": "x" })),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "email");

    let token = app.sign_in_as("editor@example.org", Role::Editor).await;
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/editor/tags",
            Some(&token),
            Some(json!({ "name": "A\u{0}B" })),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["code"], "control_character");
}

#[tokio::test]
async fn feeds_stay_well_formed_whatever_the_database_holds() {
    let app = spawn_app(Content::Demo).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        db.run_blocking(|c| {
            masthead::with_conn!(c, |c| diesel::sql_query(
                "UPDATE articles SET title = 'Ferry\u{b} resumes' WHERE slug = 'tel-aviv-opens-its-first-overnight-light-rail-service'"
            )
            .execute(c))?;
            Ok::<_, masthead::error::AppError>(())
        })
    })
    .await
    .unwrap()
    .unwrap();
    app.written_behind();
    for path in ["/feeds/rss.xml", "/feeds/atom.xml", "/sitemaps/news.xml"] {
        let body = app.get(path).await.text().await.unwrap();
        assert!(!body.contains('\u{b}'), "{path}");
        let mut reader = quick_xml::Reader::from_str(&body);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{path} is not well-formed: {e}"),
            }
        }
        if path != "/sitemaps/news.xml" {
            assert!(body.contains("Ferry resumes"), "{path}");
        }
    }
}

#[tokio::test]
async fn mutations_are_not_run_over_get() {
    let app = spawn_app(Content::Empty).await;
    let query = "mutation { login(email: \"a@example.org\", password: \"secret\") { accessToken } }";
    let res = app.graphql_get(query, &[]).await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "METHOD_NOT_ALLOWED");
    // Queries over GET still work.
    let res = app.graphql_get("{ sections { slug } }", &[]).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn every_reader_gets_a_comment_form_token_of_their_own() {
    let app = spawn_app(Content::Demo).await;
    let query =
        "{ commentForm(articleSlug: \"tel-aviv-opens-its-first-overnight-light-rail-service\") { token } }";
    let first = app.graphql(query, json!({})).await;
    // Tokens carry their issue time in seconds: the second reader comes a second later.
    app.advance_clock(chrono::Duration::seconds(1));
    let second = app.graphql(query, json!({})).await;
    let (a, b) = (
        first["data"]["commentForm"]["token"].as_str().unwrap(),
        second["data"]["commentForm"]["token"].as_str().unwrap(),
    );
    assert_ne!(
        a, b,
        "the second reader got the first reader's token from a cache"
    );
}

#[tokio::test]
async fn the_last_admin_cannot_lock_everyone_out() {
    let app = spawn_app(Content::Empty).await;
    let token = app.sign_in_as("admin@example.org", Role::Admin).await;
    let (_, me) = app.call(Method::GET, "/v1/auth/me", Some(&token), None).await;
    let id = me["id"].as_i64().unwrap();
    for change in [json!({ "disabled": true }), json!({ "role": "editor" })] {
        let (status, problem) = app
            .call(
                Method::PATCH,
                &format!("/v1/editor/users/{id}"),
                Some(&token),
                Some(change.clone()),
            )
            .await;
        assert_eq!(status, 409, "{change}: {problem}");
        assert_eq!(problem["code"], "last_admin");
    }
    // With a second admin, the first may step down.
    let (status, other) = app
        .call(
            Method::POST,
            "/v1/editor/users",
            Some(&token),
            Some(json!({
                "email": "second@example.org",
                "display_name": "Second",
                "role": "admin",
                "password": "another long passphrase"
            })),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/users/{id}"),
            Some(&token),
            Some(json!({ "role": "editor" })),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app_with(Content::Empty, |s| s.edge.hsts_max_age = Some(31_536_000)).await;
    for path in ["/healthz", "/v1/articles", "/nowhere"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(h.contains_key("content-security-policy"), "{path}");
        assert_eq!(
            h["strict-transport-security"],
            "max-age=31536000; includeSubDomains"
        );
    }
    let res = app.get_with("/graphql", &[("accept", "text/html")]).await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let plain = spawn_app(Content::Empty).await;
    assert!(
        !plain
            .get("/healthz")
            .await
            .headers()
            .contains_key("strict-transport-security")
    );
}

#[tokio::test]
async fn head_answers_as_get_and_a_wrong_method_is_405() {
    let app = spawn_app(Content::Demo).await;
    for path in [
        "/healthz",
        "/v1/articles",
        "/feeds/rss.xml",
        "/sitemap.xml",
        "/v1/sections",
    ] {
        let get = app.get(path).await;
        let get_type = get.headers()["content-type"].clone();
        let res = app
            .client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "HEAD {path}");
        assert_eq!(res.headers()["content-type"], get_type, "HEAD {path}");
        assert!(res.text().await.unwrap().is_empty(), "HEAD {path} sent a body");
    }
    let res = app
        .client
        .delete(format!("{}/v1/articles", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app
        .client
        .put(format!("{}/graphql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD, POST");
    app.get_problem("/v1/nowhere", 404).await;
}

#[tokio::test]
async fn graphql_request_errors_follow_graphql_over_http() {
    let app = spawn_app(Content::Empty).await;
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ nosuchfield }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let res = post_graphql(&app, json!({ "query": "{ sections { slug " })).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED", "{body}");
    let res = post_graphql(&app, json!({ "query": "{ nosuchfield }" })).await;
    assert_eq!(res.status(), 200, "plain JSON clients keep 200");
}

/// Strings a fuzzer would try: control characters, lone percent signs, quotes, other
/// scripts, very long runs, JSON and SQL fragments.
fn hostile(rng: &mut rand_chacha::ChaCha8Rng) -> String {
    use rand::Rng;
    const PIECES: &[&str] = &[
        "\u{0}",
        "\u{1}",
        "\u{b}",
        "\u{1b}",
        "\u{7f}",
        "\t",
        "\n",
        "%",
        "%00",
        "%zz",
        "'",
        "\"",
        "\\",
        "\\u0000",
        "' OR 1=1 --",
        "{",
        "}",
        "[",
        "]",
        "&",
        "=",
        "?",
        "#",
        "/",
        "..",
        "תל אביב",
        "القاهرة",
        "東京",
        "🙂",
        "\u{fffe}",
        "\u{200b}",
        "a",
        "Z",
        "0",
        "-",
        " ",
        "null",
        "<script>",
    ];
    let len = rng.random_range(0..12);
    let mut s: String = (0..len)
        .map(|_| PIECES[rng.random_range(0..PIECES.len())])
        .collect();
    if rng.random_ratio(1, 20) {
        s.push_str(&"x".repeat(5000));
    }
    s
}

#[tokio::test]
async fn no_input_makes_the_server_fail() {
    use rand::SeedableRng;
    let app = spawn_app(Content::Demo).await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for round in 0..120 {
        let input = hostile(&mut rng);
        let paths = [
            format!("/v1/search?q={}", enc(&input)),
            format!("/v1/articles?tag={}&section={}", enc(&input), enc(&input)),
            format!("/v1/articles/{}", enc(&input).replace('+', "%20")),
            format!("/v1/comment-form?article={}", enc(&input)),
            format!("/feeds/tags/{}/rss.xml", enc(&input).replace('+', "%20")),
            format!("/v1/articles?cursor={}", enc(&input)),
        ];
        for path in &paths {
            let status = app.get(path).await.status().as_u16();
            assert!(status < 500, "round {round}: GET {path} answered {status}");
        }
        let gql = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({
                "query": "query($s: String, $q: String!) { article(slug: $s) { id } search(query: $q) { nodes { slug } } }",
                "variables": { "s": input, "q": input }
            }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!(gql < 500, "round {round}: GraphQL answered {gql} for {input:?}");
        for (path, body) in [
            ("/v1/auth/token", json!({ "email": input, "password": input })),
            (
                "/v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service/comments",
                json!({ "comment": input, "name": input, "email": "reader@example.org", "website": input }),
            ),
        ] {
            let (status, problem) = app.call(Method::POST, path, None, Some(body)).await;
            assert!(
                status < 500,
                "round {round}: POST {path} answered {status}: {problem}"
            );
        }
        let raw = app
            .client
            .post(format!("{}/v1/auth/token", app.address))
            .header("content-type", "application/json")
            .body(input.clone())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!(raw < 500, "round {round}: a raw body answered {raw}");
    }
}
