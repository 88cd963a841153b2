//! `masthead import wordpress` against the real WordPress on this machine (set up by
//! `.ci/run`: ../shared/wordpress with its seeded posts, then
//! tests/fixtures/wordpress/newsroom.php). Runs when MASTHEAD_TEST_WORDPRESS_URL and
//! MASTHEAD_TEST_WORDPRESS_PASSWORD (the admin's application password) are set; CI sets
//! them and fails if WordPress cannot be set up.

use std::collections::BTreeSet;
use std::io::Write;

use serde_json::{Value, json};

use crate::helpers::{Content, TestApp, spawn_app_with};

/// One test at a time uses the WordPress: one edits a post the others compare.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct WordPress {
    url: String,
    password: String,
    http: reqwest::Client,
}

impl WordPress {
    fn from_env() -> Option<WordPress> {
        let url = std::env::var("MASTHEAD_TEST_WORDPRESS_URL").ok()?;
        let password = std::env::var("MASTHEAD_TEST_WORDPRESS_PASSWORD").ok()?;
        Some(WordPress {
            url: url.trim_end_matches('/').to_owned(),
            password,
            http: reqwest::Client::new(),
        })
    }

    /// Every published post, as anyone reads them.
    async fn published(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for page in 1.. {
            let res = self
                .http
                .get(format!(
                    "{}/wp-json/wp/v2/posts?per_page=100&page={page}&orderby=id&order=asc",
                    self.url
                ))
                .send()
                .await
                .expect("WordPress answers");
            let pages: usize = res.headers()["x-wp-totalpages"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            out.extend(res.json::<Vec<Value>>().await.unwrap());
            if page >= pages {
                break;
            }
        }
        out
    }

    async fn terms(&self, kind: &str) -> std::collections::HashMap<i64, String> {
        let list: Vec<Value> = self
            .http
            .get(format!("{}/wp-json/wp/v2/{kind}?per_page=100&page=1", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut all: Vec<Value> = list;
        for page in 2..10 {
            let more: Value = self
                .http
                .get(format!(
                    "{}/wp-json/wp/v2/{kind}?per_page=100&page={page}",
                    self.url
                ))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            match more.as_array() {
                Some(items) if !items.is_empty() => all.extend(items.iter().cloned()),
                _ => break,
            }
        }
        all.iter()
            .map(|t| (t["id"].as_i64().unwrap(), decode(t["slug"].as_str().unwrap())))
            .collect()
    }

    /// Changes a post as an editor in WordPress would.
    async fn edit(&self, id: i64, fields: Value) {
        let res = self
            .http
            .post(format!("{}/wp-json/wp/v2/posts/{id}", self.url))
            .basic_auth("admin", Some(&self.password))
            .json(&fields)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "WordPress edit: {}",
            res.text().await.unwrap()
        );
    }
}

fn decode(slug: &str) -> String {
    percent_encoding::percent_decode_str(slug)
        .decode_utf8_lossy()
        .into_owned()
}

/// The words of a text or of HTML's text: letters and digits only, so list markers, quote
/// marks and tabs between table cells do not count.
fn words(text: &str) -> Vec<String> {
    let text = if text.contains('<') {
        // Text of separate elements never runs together (`</li><li>`).
        scraper::Html::parse_fragment(text)
            .root_element()
            .text()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        text.to_owned()
    };
    let text = html_escape::decode_html_entities(&text).into_owned();
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Runs `masthead import wordpress` against the test database; answers its stdout.
fn import(app: &TestApp, wp: &WordPress) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args(["import", "wordpress", "--database-url", &app.database_url()])
        .args(["--url", &wp.url, "--user", "admin", "--dateline-from-body"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run masthead import");
    writeln!(child.stdin.take().unwrap(), "{}", wp.password).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the import failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn a_wordpress_newsroom_moves_over_with_its_old_links() {
    let Some(wp) = WordPress::from_env() else {
        eprintln!("skipped: MASTHEAD_TEST_WORDPRESS_URL and MASTHEAD_TEST_WORDPRESS_PASSWORD are not set");
        return;
    };
    let _wordpress = ONE_AT_A_TIME.lock().await;
    // Hundreds of reads in a row, as a migration check makes them; and the old site's
    // addresses answered here too.
    let app = spawn_app_with(Content::Empty, |s| {
        s.anonymous_rate_limit = 0;
        s.site.serve_wordpress_paths = true;
    })
    .await;
    let report = import(&app, &wp);
    assert!(report.contains("0 failed"), "{report}");
    assert!(report.contains("blocks kept as HTML: 1 (in 1 posts)"), "{report}");
    app.settle().await;

    let posts = every_published_post_matches(&app, &wp).await;

    // The newsroom page: dateline, deck, blocks, and its comment thread without the
    // pending comment or anyone's email.
    let page: Value = app.get_json("/v1/articles/tel-aviv-overnight-light-rail").await;
    assert_eq!(page["dateline"], "TEL-AVIV");
    assert_eq!(
        page["subtitle"],
        "The Red Line becomes the first in the region to run through the night"
    );
    assert_eq!(page["section_path"][0]["slug"], "world");
    assert_eq!(page["section"]["slug"], "middle-east");
    let types: Vec<&str> = page["body"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "paragraph",
            "heading",
            "list",
            "quote",
            "quote",
            "separator",
            "paragraph"
        ]
    );
    assert_eq!(
        page["body"]["blocks"][2]["items"][0][0],
        json!({"text": "Every 20 minutes:", "marks": [{"type": "bold"}]})
    );
    assert_eq!(page["body"]["blocks"][4]["attribution"], "The operator");
    let comments: Value = app
        .get_json("/v1/articles/tel-aviv-overnight-light-rail/comments")
        .await;
    let thread = comments["items"].as_array().unwrap();
    assert_eq!(thread.len(), 2, "{comments}");
    assert_eq!(thread[0]["author_name"], "Noa Reader");
    assert_eq!(thread[1]["parent_id"], thread[0]["id"]);
    assert!(!comments.to_string().contains("@example.org"), "{comments}");

    // Featured image, inline image and embeds.
    let pictured: Value = app.get_json("/v1/articles/the-night-shift-on-the-red-line").await;
    assert_eq!(
        pictured["featured_media"]["url"],
        "http://127.0.0.1:8081/wp-content/uploads/2025/09/platform.jpg"
    );
    assert_eq!(
        pictured["featured_media"]["alt"],
        "An empty platform lit at night"
    );
    assert_eq!(
        pictured["featured_media"]["caption"],
        "The Allenby platform at 2 a.m."
    );
    let blocks = pictured["body"]["blocks"].as_array().unwrap();
    assert_eq!(blocks[1]["type"], "image");
    assert_eq!(blocks[1]["caption"], "In the cab at 3 a.m.");
    assert_eq!(
        blocks[2],
        json!({"type": "embed", "provider": "youtube", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"})
    );
    assert_eq!(blocks[3]["provider"], "twitter");

    // The classic post: a table, a separator, and what no block describes kept as HTML.
    let classic: Value = app.get_json("/v1/articles/night-timetable").await;
    let blocks = classic["body"]["blocks"].as_array().unwrap();
    assert!(
        blocks
            .iter()
            .any(|b| b["type"] == "table" && b["header"] == json!(["Station", "First night train"]))
    );
    assert!(blocks.iter().any(|b| b["type"] == "separator"));
    assert!(
        blocks
            .iter()
            .any(|b| b["type"] == "html" && b["html"].as_str().unwrap().contains("<details>"))
    );

    // Drafts and scheduled posts came over but are not public.
    for slug in ["fares-review-draft", "purple-line-opening"] {
        assert_eq!(
            app.get(&format!("/v1/articles/{slug}")).await.status(),
            404,
            "{slug}"
        );
    }

    // Old addresses.
    let newsroom = posts
        .iter()
        .find(|p| p["slug"] == "tel-aviv-overnight-light-rail")
        .unwrap();
    let link = newsroom["link"].as_str().unwrap();
    let permalink = &link[link.find("/20").expect("a dated permalink")..];
    let id = newsroom["id"].as_i64().unwrap();
    for (old, kind, api) in [
        (
            permalink.to_owned(),
            "article",
            "/v1/articles/tel-aviv-overnight-light-rail".to_owned(),
        ),
        (
            format!("/?p={id}"),
            "article",
            "/v1/articles/tel-aviv-overnight-light-rail".to_owned(),
        ),
        (
            "/category/world/middle-east/".to_owned(),
            "section",
            "/v1/sections/middle-east".to_owned(),
        ),
        (
            "/category/world/middle-east/feed/".to_owned(),
            "feed",
            "/feeds/sections/middle-east/rss.xml".to_owned(),
        ),
        (
            "/tag/transport/".to_owned(),
            "tag",
            "/v1/tags/transport".to_owned(),
        ),
        ("/feed/".to_owned(), "feed", "/feeds/rss.xml".to_owned()),
    ] {
        let res = app.get(&format!("/v1/redirects?path={}", url_encode(&old))).await;
        assert_eq!(res.status(), 200, "{old}");
        let found: Value = res.json().await.unwrap();
        assert_eq!(found["type"], kind, "{old}: {found}");
        assert_eq!(found["api_path"], api.as_str(), "{old}: {found}");
    }
    let users = wp.terms("users").await;
    let author = &users[&newsroom["author"].as_i64().unwrap()];
    let found: Value = app
        .get_json(&format!("/v1/redirects?path=/author/{author}/"))
        .await;
    assert_eq!(found["api_path"], format!("/v1/authors/{author}"));
    let res = app.get("/v1/redirects?path=/?p=999999").await;
    assert_eq!(res.status(), 404);

    // --serve-wordpress-paths: the old addresses themselves answer with a 301.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (old, to) in [
        (
            permalink.to_owned(),
            "https://news.example.com/middle-east/tel-aviv-overnight-light-rail".to_owned(),
        ),
        (
            format!("/?p={id}"),
            "https://news.example.com/middle-east/tel-aviv-overnight-light-rail".to_owned(),
        ),
        // This API's own address (--public-url) before the feed's path.
        (
            "/category/world/middle-east/feed/".to_owned(),
            "/feeds/sections/middle-east/rss.xml".to_owned(),
        ),
    ] {
        let res = browser.get(format!("{}{old}", app.address)).send().await.unwrap();
        assert_eq!(res.status(), 301, "{old}");
        let location = res.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("http") && location.ends_with(&to),
            "{old}: {location}"
        );
    }
    let res = browser
        .get(format!("{}/2020/01/01/never-was/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let graphql = app
        .graphql(
            r#"query($p: String!) { redirect(path: $p) { type slug apiPath } }"#,
            json!({ "p": permalink }),
        )
        .await;
    assert_eq!(
        graphql["data"]["redirect"]["slug"], "tel-aviv-overnight-light-rail",
        "{graphql}"
    );

    // A second run changes nothing: a delta sync from before it holds no article.
    let mut path = "/v1/sync?limit=200".to_owned();
    let token = loop {
        let page: Value = app.get_json(&path).await;
        match (page["next_page"].as_str(), page["next_token"].as_str()) {
            (Some(more), _) => path = format!("/v1/sync?limit=200&token={}", url_encode(more)),
            (None, Some(done)) => break Some(done.to_owned()),
            _ => break None,
        }
    };
    let token = token.expect("a sync token");
    let again = import(&app, &wp);
    assert!(again.contains("posts: 0 imported, 0 updated"), "{again}");
    app.settle().await;
    let delta: Value = app
        .get_json(&format!("/v1/sync?token={}", url_encode(&token)))
        .await;
    assert!(delta["articles"].as_array().unwrap().is_empty(), "{delta}");

    // An edit in WordPress shows after the next run.
    let classic_id = posts.iter().find(|p| p["slug"] == "night-timetable").unwrap()["id"]
        .as_i64()
        .unwrap();
    let title = format!("Night timetable, revised {}", uuid::Uuid::new_v4().simple());
    wp.edit(classic_id, json!({ "title": title })).await;
    // And an article the newsroom deleted here stays deleted.
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.run_blocking(|c| {
            let id =
                masthead::db::editorial::slug_owner(c, "the-night-shift-on-the-red-line")?.expect("imported");
            Ok(masthead::db::editorial::delete_article(c, id)?)
        })
    })
    .await
    .unwrap()
    .unwrap();
    let third = import(&app, &wp);
    assert!(third.contains("posts: 0 imported, 1 updated"), "{third}");
    assert!(third.contains(" 1 skipped, 0 failed"), "{third}");
    app.written_behind();
    assert_eq!(
        app.get("/v1/articles/the-night-shift-on-the-red-line")
            .await
            .status(),
        404
    );
    app.settle().await;
    let edited: Value = app.get_json("/v1/articles/night-timetable").await;
    assert_eq!(edited["title"], title.as_str());
}

/// Every published post of WordPress is public in `app` with the same title, slug, time,
/// sections, tags, author and words (for at least 99.9 % of posts); answers the posts.
async fn every_published_post_matches(app: &TestApp, wp: &WordPress) -> Vec<Value> {
    let categories = wp.terms("categories").await;
    let tags = wp.terms("tags").await;
    let users = wp.terms("users").await;
    let posts = wp.published().await;
    assert!(
        posts.len() > 300,
        "the seeded set and the fixture's posts: {}",
        posts.len()
    );
    let mut different = Vec::new();
    for post in &posts {
        let slug = decode(post["slug"].as_str().unwrap());
        let path = format!(
            "/v1/articles/{}?body=text",
            percent_encoding::utf8_percent_encode(&slug, percent_encoding::NON_ALPHANUMERIC)
        );
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200, "post {} ({slug}) is public", post["id"]);
        let article: Value = res.json().await.unwrap();
        let title =
            html_escape::decode_html_entities(post["title"]["rendered"].as_str().unwrap()).into_owned();
        assert_eq!(article["title"], title.as_str(), "post {}", post["id"]);
        assert_eq!(
            article["published_at"].as_str().unwrap(),
            format!("{}Z", post["date_gmt"].as_str().unwrap()),
            "post {}",
            post["id"]
        );
        let cats: Vec<String> = post["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| categories[&c.as_i64().unwrap()].clone())
            .collect();
        assert_eq!(
            article["section"]["slug"],
            cats[0].as_str(),
            "post {}",
            post["id"]
        );
        let secondary: Vec<&str> = article["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["slug"].as_str().unwrap())
            .collect();
        assert_eq!(
            secondary,
            cats[1..].iter().map(String::as_str).collect::<Vec<_>>()
        );
        let want: BTreeSet<String> = post["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| tags[&t.as_i64().unwrap()].clone())
            .collect();
        let got: BTreeSet<String> = article["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "post {}", post["id"]);
        assert_eq!(
            article["authors"][0]["slug"],
            users[&post["author"].as_i64().unwrap()].as_str(),
            "post {}",
            post["id"]
        );
        let theirs = words(post["content"]["rendered"].as_str().unwrap());
        let ours = words(&format!(
            "{} {}",
            article["dateline"].as_str().unwrap(),
            article["body"]["text"].as_str().unwrap()
        ));
        if theirs != ours {
            different.push(format!("post {}: {theirs:?}\n  vs {ours:?}", post["id"]));
        }
    }
    assert!(
        different.len() * 1000 <= posts.len(),
        "the words differ in {} of {} posts:\n{}",
        different.len(),
        posts.len(),
        different.join("\n")
    );

    posts
}

fn url_encode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

#[tokio::test]
async fn a_wordpress_export_file_imports_to_the_same_newsroom() {
    let Some(wp) = WordPress::from_env() else {
        eprintln!("skipped: MASTHEAD_TEST_WORDPRESS_URL and MASTHEAD_TEST_WORDPRESS_PASSWORD are not set");
        return;
    };
    let _wordpress = ONE_AT_A_TIME.lock().await;
    // WordPress's own exporter, export_wp(), as Tools → Export runs it.
    let export = tempfile::NamedTempFile::new().unwrap();
    let made = std::process::Command::new("php")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/wordpress/export.php"
        ))
        .stdout(export.reopen().unwrap())
        .status()
        .expect("run php");
    assert!(made.success(), "the export");
    let app = spawn_app_with(Content::Empty, |s| s.anonymous_rate_limit = 0).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args([
            "import",
            "wordpress",
            "--database-url",
            &app.database_url(),
            "--dateline-from-body",
        ])
        .arg("--wxr")
        .arg(export.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("0 failed"), "{report}");
    app.settle().await;

    let posts = every_published_post_matches(&app, &wp).await;
    let page: Value = app.get_json("/v1/articles/tel-aviv-overnight-light-rail").await;
    assert_eq!(page["dateline"], "TEL-AVIV");
    assert_eq!(
        page["subtitle"],
        "The Red Line becomes the first in the region to run through the night"
    );
    let comments: Value = app
        .get_json("/v1/articles/tel-aviv-overnight-light-rail/comments")
        .await;
    assert_eq!(comments["items"].as_array().unwrap().len(), 2, "{comments}");
    let pictured: Value = app.get_json("/v1/articles/the-night-shift-on-the-red-line").await;
    assert_eq!(
        pictured["featured_media"]["alt"],
        "An empty platform lit at night"
    );
    assert_eq!(pictured["featured_media"]["width"], 1600);
    for slug in ["fares-review-draft", "purple-line-opening"] {
        assert_eq!(
            app.get(&format!("/v1/articles/{slug}")).await.status(),
            404,
            "{slug}"
        );
    }
    let newsroom = posts
        .iter()
        .find(|p| p["slug"] == "tel-aviv-overnight-light-rail")
        .unwrap();
    let link = newsroom["link"].as_str().unwrap();
    for old in [
        &link[link.find("/20").unwrap()..],
        "/category/world/middle-east/",
        "/tag/transport/",
    ] {
        let res = app.get(&format!("/v1/redirects?path={}", url_encode(old))).await;
        assert_eq!(res.status(), 200, "{old}");
    }

    // Again from the same file: nothing changes.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_masthead"))
        .args([
            "import",
            "wordpress",
            "--database-url",
            &app.database_url(),
            "--dateline-from-body",
        ])
        .arg("--wxr")
        .arg(export.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&again.stdout);
    assert!(report.contains("posts: 0 imported, 0 updated"), "{report}");
}
