//! Browser frontends on another origin: CORS preflights and responses, as a browser sends
//! and reads them.

use reqwest::Method;

use crate::helpers::{Content, TestApp, spawn_app, spawn_app_with};

const FRONTEND: &str = "http://localhost:3000";

async fn preflight(
    app: &TestApp,
    path: &str,
    method: &str,
    headers: &str,
    origin: &str,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(Method::OPTIONS, format!("{}{path}", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method);
    if !headers.is_empty() {
        req = req.header("Access-Control-Request-Headers", headers);
    }
    req.send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[tokio::test]
async fn public_reads_are_open_to_any_origin_by_default() {
    let app = spawn_app(Content::Demo).await;
    for (path, method, headers) in [
        ("/v1/articles", "GET", ""),
        ("/graphql", "POST", "content-type"),
        ("/graphql", "GET", ""),
        (
            "/v1/articles/some-story/comments",
            "POST",
            "content-type, idempotency-key",
        ),
        ("/v1/articles/some-story/views", "POST", ""),
        ("/feeds/rss.xml", "GET", "if-none-match"),
    ] {
        let res = preflight(&app, path, method, headers, FRONTEND).await;
        assert_eq!(res.status(), 204, "{method} {path}");
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            FRONTEND,
            "{method} {path}"
        );
        assert!(header(&res, "access-control-allow-methods").contains(&method.to_ascii_lowercase()));
        assert!(header(&res, "access-control-max-age").parse::<u32>().unwrap() > 0);
        for h in headers.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            assert!(
                header(&res, "access-control-allow-headers").contains(h),
                "{path}: {h}"
            );
        }
    }
    let res = app
        .client
        .get(format!("{}/v1/articles", app.address))
        .header("Origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "access-control-allow-origin"), FRONTEND);
    let exposed = header(&res, "access-control-expose-headers");
    for h in ["etag", "link", "location", "retry-after", "ratelimit-remaining"] {
        assert!(exposed.contains(h), "{h} is not exposed: {exposed}");
    }
    assert!(header(&res, "vary").contains("origin"));
}

#[tokio::test]
async fn credentials_and_editorial_routes_need_a_named_origin() {
    let open = spawn_app(Content::Empty).await;
    for (path, method, headers) in [
        ("/v1/editor/articles", "POST", "authorization, content-type"),
        ("/v1/auth/token", "POST", "content-type"),
        ("/graphql", "POST", "authorization, content-type"),
        ("/v1/articles", "GET", "x-api-key"),
    ] {
        let res = preflight(&open, path, method, headers, FRONTEND).await;
        assert!(
            header(&res, "access-control-allow-origin").is_empty(),
            "{method} {path} with {headers} was opened to any origin"
        );
    }
    let cms = spawn_app_with(Content::Empty, |s| {
        s.cors = masthead::http::cors::CorsSettings::parse("https://cms.example.org").unwrap();
    })
    .await;
    let res = preflight(
        &cms,
        "/v1/editor/articles/1",
        "PATCH",
        "authorization, content-type, if-match",
        "https://cms.example.org",
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        "https://cms.example.org"
    );
    assert!(header(&res, "access-control-allow-headers").contains("if-match"));
    // Named origins only: any other is refused, for reads too.
    let res = preflight(&cms, "/v1/articles", "GET", "", FRONTEND).await;
    assert!(header(&res, "access-control-allow-origin").is_empty());
}

#[tokio::test]
async fn the_explorer_is_served_whole_by_masthead() {
    let app = spawn_app(Content::Empty).await;
    let page = app.get_with("/graphql", &[("accept", "text/html")]).await;
    assert_eq!(page.status(), 200);
    let policy = header(&page, "content-security-policy");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "no inline script: {policy}"
    );
    assert!(!policy.contains("http"), "no other host is allowed: {policy}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    let assets: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/graphql/assets/"))
        .collect();
    assert_eq!(assets.len(), 5, "{assets:?}");
    for path in assets.iter().chain(
        [
            "/graphql/assets/LICENSE-graphiql",
            "/graphql/assets/LICENSE-react",
        ]
        .iter(),
    ) {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let kind = header(&res, "content-type");
        let expected = if path.ends_with(".js") {
            "text/javascript"
        } else if path.ends_with(".css") {
            "text/css"
        } else {
            "text/plain"
        };
        assert!(kind.starts_with(expected), "{path}: {kind}");
        assert!(header(&res, "cache-control").contains("immutable"), "{path}");
    }
    app.get_problem("/graphql/assets/nothing.js", 404).await;
}
