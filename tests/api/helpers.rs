//! A real server on a random port over a fresh database: a SQLite file in a temporary
//! directory, or, when MASTHEAD_TEST_POSTGRES_URL is set, a PostgreSQL database of its own
//! that is dropped afterwards.

use std::sync::Once;

use chrono::{DateTime, Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use masthead::config::Settings;
use masthead::db::seed_writes::{self as w, ArticleBatch, NewArticle};
use masthead::db::{DatabaseUrl, Db, StatementCounter};
use masthead::startup::Application;
use serde_json::Value;

pub const POSTGRES_ENV: &str = "MASTHEAD_TEST_POSTGRES_URL";
/// The HS256 secret test servers sign with, so tests can forge tokens on purpose.
pub const TEST_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes";

static TRACING: Once = Once::new();

/// A database that exists for one test.
pub enum TestDatabase {
    Sqlite {
        url: DatabaseUrl,
        _dir: tempfile::TempDir,
    },
    Postgres {
        url: DatabaseUrl,
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        match std::env::var(POSTGRES_ENV) {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("masthead_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL does not answer: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let url = replace_database(&admin_url, &name);
                TestDatabase::Postgres {
                    url: DatabaseUrl::parse(&url).expect("postgres url"),
                    admin_url,
                    name,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url =
                    DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("masthead.db").display()))
                        .expect("sqlite url");
                TestDatabase::Sqlite { url, _dir: dir }
            }
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }

    /// The URL as a string, for the CLI.
    pub fn url_string(&self) -> String {
        match self {
            TestDatabase::Sqlite { url, .. } => url.to_string(),
            TestDatabase::Postgres { admin_url, name, .. } => replace_database(admin_url, name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name, .. } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    content: masthead::service::ContentService,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the server must let go of the database first.
    _database: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let stop = self.handle.stop(false);
        drop(stop);
    }
}

/// What goes into the database before the server starts.
pub enum Content {
    Empty,
    Demo,
}

pub async fn spawn_app(content: Content) -> TestApp {
    spawn_app_with(content, |_| {}).await
}

/// A server whose settings `adjust` changes first (on top of the test defaults).
pub async fn spawn_app_with(content: Content, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            masthead::telemetry::init(masthead::telemetry::LogFormat::Human);
        }
    });
    let database = TestDatabase::create();
    let url = database.url().clone();
    let db = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, 4).expect("connect and migrate");
        if let Content::Demo = content {
            masthead::seed::demo::load(&db).expect("load demo newsroom");
        }
        db
    })
    .await
    .expect("setup task");
    let mut settings = Settings::new("127.0.0.1:0", database.url().clone());
    settings.workers = Some(1);
    settings.handle_signals = false;
    settings.keys.secret = Some(TEST_SECRET.to_owned());
    settings.content.views.flush_interval = std::time::Duration::from_millis(100);
    // Every test client shares one address; only the rate-limit test keeps the real limits.
    settings.comments.rate_limits.per_ip_per_minute = 10_000;
    settings.comments.rate_limits.per_ip_per_hour = 10_000;
    settings.comments.rate_limits.per_email_per_minute = 10_000;
    settings.comments.rate_limits.per_email_per_hour = 10_000;
    adjust(&mut settings);
    let app = Application::with_db(db.clone(), settings).expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let content = app.content().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        content,
        handle,
        _database: database,
    }
}

impl TestApp {
    /// The database's URL, for the command line.
    pub fn database_url(&self) -> String {
        self._database.url_string()
    }

    /// Tells the server that the database was written behind its back, as every write
    /// through it does itself.
    pub fn written_behind(&self) {
        self.content.invalidate();
    }

    /// Moves the server's clock forward: what a test would otherwise sleep through (a
    /// scheduled article coming due, a form's fill time, a TTL kept by that clock).
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.content.clock().advance(by);
    }

    /// Writes the views counted so far, as the server's flusher does every interval.
    pub async fn flush_views(&self) {
        self.content.flush_views().await.expect("views flushed");
    }

    /// Tells the server that views were added to the database behind its back.
    pub fn views_written_behind(&self) {
        self.content.forget_view_totals();
    }

    pub fn statements(&self) -> StatementCounter {
        self.db.statements()
    }

    /// Waits until the server's background readers are done with the last write (the
    /// change log follower reads it as soon as PostgreSQL notifies): no statement for 200 ms.
    pub async fn settle(&self) {
        let statements = self.statements();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut last = statements.get();
        while std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let now = statements.get();
            if now == last {
                return;
            }
            last = now;
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request")
    }

    /// GET with request headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{}", self.address, path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.expect("request")
    }

    /// A GraphQL query over GET, as a CDN-fronted client sends it.
    pub async fn graphql_get(&self, query: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self
            .client
            .get(format!("{}/graphql", self.address))
            .query(&[("query", query)]);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.expect("request")
    }

    /// GET that must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        let status = res.status();
        let body = res.text().await.expect("body");
        assert_eq!(status, 200, "GET {path} answered {status}: {body}");
        serde_json::from_str(&body).expect("JSON body")
    }

    /// GET that must fail with a problem document; returns it.
    pub async fn get_problem(&self, path: &str, status: u16) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status().as_u16(), status, "GET {path}");
        assert_eq!(
            res.headers().get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "GET {path}"
        );
        let body: Value = res.json().await.expect("problem JSON");
        assert_eq!(body["status"], status);
        assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string());
        body
    }

    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let res = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
        res.json().await.expect("GraphQL JSON")
    }

    /// Follows `next_cursor` from `path` (which must already have a query string) to the end.
    pub async fn all_pages(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut url = path.to_owned();
        for _ in 0..10_000 {
            let page = self.get_json(&url).await;
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(cursor) => url = format!("{path}&cursor={cursor}"),
                None => return items,
            }
        }
        panic!("pagination of {path} never ended");
    }

    /// Adds articles straight to the database, as the editorial side would have.
    pub async fn insert_articles(&self, articles: Vec<TestArticle>) {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            db.run_blocking(|c| {
                let (mut next, _) = w::next_ids(c)?;
                let mut batch = ArticleBatch::default();
                for a in articles {
                    let id = next;
                    next += 1;
                    let section_id = section_id(c, &a.section);
                    let at = a.published_at.map(|t| t.naive_utc());
                    batch.articles.push(NewArticle {
                        id,
                        status: a.status.parse().expect("a status"),
                        published_at: at,
                        created_at: Utc::now().naive_utc(),
                        columns: masthead::db::editorial::ArticleColumns {
                            slug: a.slug.clone(),
                            title: a.title.clone(),
                            subtitle: String::new(),
                            dateline: "Testville".into(),
                            excerpt: String::new(),
                            body: r#"[{"type":"paragraph","content":[{"text":"Body."}]}]"#.into(),
                            section_id,
                            featured_media_id: None,
                            canonical_url: None,
                            language: "en".into(),
                            comment_status: masthead::content::status::Discussion::Open,
                            word_count: 1,
                            reading_time_minutes: 1,
                            updated_at: Utc::now().naive_utc(),
                        },
                    });
                    for (i, tag) in a.tags.iter().enumerate() {
                        batch.tags.push(w::NewArticleTag {
                            article_id: id,
                            tag_id: tag_id(c, tag),
                            position: i as i32,
                        });
                    }
                    for (i, author) in a.authors.iter().enumerate() {
                        batch.authors.push(w::NewArticleAuthor {
                            article_id: id,
                            author_id: author_id(c, author),
                            position: i as i32,
                            role: None,
                        });
                    }
                }
                w::insert_batch(c, &batch)?;
                w::sync_id_sequences(c)?;
                for article in &batch.articles {
                    masthead::service::search::reindex(c, article.id)?;
                }
                Ok(())
            })
        })
        .await
        .expect("insert task")
        .expect("insert articles");
        self.written_behind();
    }
}

fn section_id(c: &mut masthead::db::DbConn, slug: &str) -> i64 {
    let now = Utc::now().naive_utc();
    w::ensure_section(
        c,
        &w::NewSection {
            slug: slug.into(),
            name: slug.into(),
            description: String::new(),
            parent_id: None,
            position: 99,
            created_at: now,
            updated_at: now,
        },
    )
    .expect("section")
}

fn tag_id(c: &mut masthead::db::DbConn, slug: &str) -> i64 {
    let now = Utc::now().naive_utc();
    w::ensure_tag(
        c,
        &w::NewTag {
            slug: slug.into(),
            name: slug.into(),
            description: String::new(),
            created_at: now,
            updated_at: now,
        },
    )
    .expect("tag")
}

fn author_id(c: &mut masthead::db::DbConn, slug: &str) -> i64 {
    let now = Utc::now().naive_utc();
    w::ensure_author(
        c,
        &w::NewAuthor {
            slug: slug.into(),
            name: slug.into(),
            title: String::new(),
            bio: String::new(),
            avatar_url: None,
            created_at: now,
            updated_at: now,
        },
    )
    .expect("author")
}

/// An article for a test, in an existing or new section, tags and authors (by slug).
pub struct TestArticle {
    pub slug: String,
    pub title: String,
    pub status: &'static str,
    pub published_at: Option<DateTime<Utc>>,
    pub section: String,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
}

impl TestArticle {
    pub fn published(slug: &str, hours_ago: i64) -> TestArticle {
        TestArticle {
            slug: slug.into(),
            title: format!("Title of {slug}"),
            status: "published",
            published_at: Some(Utc::now() - Duration::hours(hours_ago)),
            section: "middle-east".into(),
            tags: vec!["transport".into()],
            authors: vec!["dana-levi".into()],
        }
    }

    pub fn with_status(mut self, status: &'static str, published_at: Option<DateTime<Utc>>) -> TestArticle {
        self.status = status;
        self.published_at = published_at;
        self
    }
}

pub fn slugs(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["slug"].as_str().expect("slug").to_owned())
        .collect()
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Creates a user with `role` (as `masthead user create` would) and signs them in over
    /// HTTP; returns their access token.
    pub async fn sign_in_as(&self, email: &str, role: masthead::auth::Role) -> String {
        let db = self.db.clone();
        let email_owned = email.to_owned();
        tokio::task::spawn_blocking(move || {
            masthead::service::editorial::EditorialService::offline(db)
                .create_user_offline(masthead::service::editorial::NewUserInput {
                    email: email_owned,
                    display_name: "Test User".into(),
                    role,
                    password: PASSWORD.into(),
                    author: None,
                })
                .expect("create user")
        })
        .await
        .expect("user task");
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/v1/auth/token",
                None,
                Some(serde_json::json!({ "email": email, "password": PASSWORD })),
            )
            .await;
        assert_eq!(status, 200, "sign in: {body}");
        body["access_token"].as_str().expect("access token").to_owned()
    }

    /// Any request; returns the status and the JSON body (Null when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, format!("{}{}", self.address, path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("request");
        res.json().await.expect("GraphQL JSON")
    }
}

/// The `extensions.code` of the first GraphQL error, if any.
pub fn gql_code(res: &Value) -> Option<String> {
    res["errors"][0]["extensions"]["code"].as_str().map(str::to_owned)
}

/// One request a CDN's purge API received.
#[derive(Debug, Clone)]
pub struct PurgeRequest {
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The body as sent, byte for byte (signatures are over it).
    pub raw: String,
    /// Whether it was answered with success (the receiver fails the first few on purpose).
    pub accepted: bool,
}

impl PurgeRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The keys, however the purge style carries them.
    pub fn keys(&self) -> Vec<String> {
        let listed = ["surrogate_keys", "tags"]
            .iter()
            .find_map(|field| self.body[field].as_array().cloned());
        match listed {
            Some(keys) => keys.iter().map(|k| k.as_str().unwrap().to_owned()).collect(),
            None => self
                .header("xkey-purge")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// A stand-in for a CDN's purge API on a random port: records every request and answers
/// 503 to the first `failures` of them.
#[derive(Clone)]
pub struct PurgeReceiver {
    pub url: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<PurgeRequest>>>,
}

impl PurgeReceiver {
    pub fn start(failures: usize) -> PurgeReceiver {
        PurgeReceiver::start_with(failures, false)
    }

    /// A receiver that also leaves its first request unanswered (for a minute), as an
    /// endpoint that is slow while the sender dies.
    pub fn start_with(failures: usize, hang_first: bool) -> PurgeReceiver {
        use std::sync::{Arc, Mutex};
        let seen: Arc<Mutex<Vec<PurgeRequest>>> = Arc::default();
        let recorded = seen.clone();
        let server = actix_web::HttpServer::new(move || {
            let recorded = recorded.clone();
            actix_web::App::new().default_service(actix_web::web::to(
                move |req: actix_web::HttpRequest, body: actix_web::web::Bytes| {
                    let recorded = recorded.clone();
                    async move {
                        let first = {
                            let mut seen = recorded.lock().unwrap();
                            let accepted = seen.len() >= failures && !(hang_first && seen.is_empty());
                            seen.push(PurgeRequest {
                                method: req.method().to_string(),
                                headers: req
                                    .headers()
                                    .iter()
                                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
                                    .collect(),
                                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                                raw: String::from_utf8_lossy(&body).into_owned(),
                                accepted,
                            });
                            (seen.len() == 1, accepted)
                        };
                        let (first, accepted) = first;
                        if hang_first && first {
                            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                        }
                        if accepted {
                            actix_web::HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
                        } else {
                            actix_web::HttpResponse::ServiceUnavailable().finish()
                        }
                    }
                },
            ))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .expect("bind the purge receiver");
        let url = format!("http://127.0.0.1:{}/purge", server.addrs()[0].port());
        tokio::spawn(server.run());
        PurgeReceiver { url, seen }
    }

    pub fn requests(&self) -> Vec<PurgeRequest> {
        self.seen.lock().unwrap().clone()
    }

    /// Every key accepted in the requests from the `since`-th on.
    pub fn purged(&self, since: usize) -> Vec<String> {
        self.requests()
            .iter()
            .skip(since)
            .filter(|r| r.accepted)
            .flat_map(PurgeRequest::keys)
            .collect()
    }

    /// Waits (up to ten seconds) until the accepted purges from the `since`-th request on
    /// name every one of `keys`, and answers all they named: the purger sends after the
    /// write has answered, so a test has to wait for it.
    pub async fn wait_for(&self, since: usize, keys: &[&str]) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let purged = self.purged(since);
            if keys.iter().all(|k| purged.iter().any(|p| p == k)) {
                return purged;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no purge of {keys:?}; purged so far: {purged:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// A second server on the same database, as in a cluster behind a load balancer.
pub struct Peer {
    pub address: String,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl Peer {
    pub async fn get_json(&self, path: &str) -> Value {
        let res = reqwest::get(format!("{}{}", self.address, path))
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "{path}");
        res.json().await.expect("JSON")
    }
}

impl TestApp {
    pub async fn spawn_peer(&self) -> Peer {
        let url = DatabaseUrl::parse(&self.database_url()).expect("database url");
        let for_db = url.clone();
        let db = tokio::task::spawn_blocking(move || Db::connect(&for_db, 4).expect("connect"))
            .await
            .expect("connect task");
        let mut settings = Settings::new("127.0.0.1:0", url);
        settings.workers = Some(1);
        settings.handle_signals = false;
        settings.keys.secret = Some(TEST_SECRET.to_owned());
        let app = Application::with_db(db, settings).expect("build peer");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Peer { address, handle }
    }
}

impl TestApp {
    /// A request that must succeed (2xx); answers its JSON.
    pub async fn ok(&self, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.call(method, path, Some(token), body).await;
        assert!((200..300).contains(&status), "{path}: {status} {answer}");
        answer
    }

    /// A draft with a byline, a tag and a paragraph, as a CMS creates one; answers its id.
    pub async fn draft(&self, token: &str, title: &str, section: &str) -> i64 {
        let article = self
            .ok(
                token,
                reqwest::Method::POST,
                "/v1/editor/articles",
                Some(serde_json::json!({
                    "title": title,
                    "section": section,
                    "tags": ["transport"],
                    "authors": [{ "slug": "dana-levi" }],
                    "body": [{ "type": "paragraph", "content": [{ "text": "A paragraph." }] }]
                })),
            )
            .await;
        article["id"].as_i64().expect("an id")
    }
}

/// `masthead serve` as its own process, on a database a test prepared: for what only a real
/// process shows (SIGKILL, two servers sharing a database).
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
}

impl ServerProcess {
    pub async fn start(database_url: &str, args: &[&str]) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let quiet = std::env::var_os("TEST_LOG").is_none();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_masthead"))
            .args(["serve", "--database-url", database_url])
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("MASTHEAD_JWT_SECRET", TEST_SECRET)
            .env("MASTHEAD_ANONYMOUS_RATE_LIMIT", "0")
            .stdout(std::process::Stdio::null())
            .stderr(if quiet {
                std::process::Stdio::null()
            } else {
                std::process::Stdio::inherit()
            })
            .spawn()
            .expect("start masthead serve");
        let server = ServerProcess {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Ok(res) = reqwest::get(format!("{}/readyz", server.address)).await
                && res.status() == 200
            {
                return server;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "masthead serve did not answer within a minute"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, nothing flushed.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as a service manager stops it: a graceful shutdown (views flushed); waits
    /// until the process has exited.
    pub async fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "SIGTERM sent");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while self.child.try_wait().expect("process status").is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "masthead serve did not stop within 30 s of SIGTERM"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A fresh database with the demo newsroom and these users (password `PASSWORD`), for
/// servers started as processes.
pub async fn prepared_database(users: &[(&str, masthead::auth::Role)]) -> TestDatabase {
    let database = TestDatabase::create();
    let url = database.url().clone();
    let users: Vec<(String, masthead::auth::Role)> = users.iter().map(|(e, r)| (e.to_string(), *r)).collect();
    tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, 2).expect("connect and migrate");
        masthead::seed::demo::load(&db).expect("demo newsroom");
        let editorial = masthead::service::editorial::EditorialService::offline(db);
        for (email, role) in users {
            editorial
                .create_user_offline(masthead::service::editorial::NewUserInput {
                    email,
                    display_name: "Test User".into(),
                    role,
                    password: PASSWORD.into(),
                    author: None,
                })
                .expect("create user");
        }
    })
    .await
    .expect("setup task");
    database
}

impl ServerProcess {
    /// Signs in over HTTP; answers the access token.
    pub async fn sign_in(&self, email: &str) -> String {
        let res: Value = reqwest::Client::new()
            .post(format!("{}/v1/auth/token", self.address))
            .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("tokens");
        res["access_token"].as_str().expect("an access token").to_owned()
    }

    /// A request that must succeed (2xx); answers its JSON (Null when there is none).
    pub async fn ok(&self, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = reqwest::Client::new()
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}
