//! GraphiQL, served by Masthead itself at pinned versions (vendored from npm with their
//! licences, see `graphiql/update.sh`): the explorer works on a machine without internet
//! and behind strict proxies, and its page may load nothing but these files.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// Versioned names: a new version is a new URL, so the files can be cached for good.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql-3.9.0.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/graphiql-3.9.0.min.js"),
    ),
    (
        "graphiql-3.9.0.min.css",
        "text/css; charset=utf-8",
        include_bytes!("graphiql/graphiql-3.9.0.min.css"),
    ),
    (
        "react-18.3.1.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/react-18.3.1.min.js"),
    ),
    (
        "react-dom-18.3.1.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/react-dom-18.3.1.min.js"),
    ),
    (
        "explorer-2.js",
        "text/javascript; charset=utf-8",
        START.as_bytes(),
    ),
    (
        "LICENSE-graphiql",
        "text/plain; charset=utf-8",
        include_bytes!("graphiql/LICENSE-graphiql"),
    ),
    (
        "LICENSE-react",
        "text/plain; charset=utf-8",
        include_bytes!("graphiql/LICENSE-react"),
    ),
];

/// Starts the explorer against this server's endpoint; a file of its own so that the page's
/// policy needs no inline script.
const START: &str = r##"// GraphiQL against this server's /graphql.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: new URL("/graphql", window.location.href).toString() });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var query = "# The newest articles; Ctrl-Enter runs it, the docs on the left list everything.\n" +
    "{\n  articles(first: 5) {\n    nodes { slug title dateline publishedAt section { name } }\n  }\n}\n";
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: query, defaultEditorToolsVisibility: true }));
})();
"##;

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Masthead GraphQL explorer</title>
  <link rel="stylesheet" href="/graphql/assets/graphiql-3.9.0.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/graphql/assets/react-18.3.1.min.js"></script>
  <script src="/graphql/assets/react-dom-18.3.1.min.js"></script>
  <script src="/graphql/assets/graphiql-3.9.0.min.js"></script>
  <script src="/graphql/assets/explorer-2.js"></script>
</body>
</html>
"#;

/// Only this server's own files; GraphiQL sets styles inline and draws icons from data URLs.
pub const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                          img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                          frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

pub async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(file, _, _)| *file == name.as_str()) {
        Some((_, content_type, bytes)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes),
        None => actix_web::ResponseError::error_response(&crate::error::AppError::not_found(
            "explorer file",
            name.as_str(),
        )),
    }
}
