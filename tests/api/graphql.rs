use serde_json::{Value, json};

use crate::helpers::{Content, slugs, spawn_app};

const ARTICLE_FIELDS: &str = r#"
    id slug title subtitle dateline excerpt publishedAt updatedAt canonicalUrl language commentStatus
    wordCount readingTimeMinutes
    section { slug name } sectionPath { slug } sections { slug }
    tags { slug name } authors { slug name title avatarUrl role }
    featuredMedia { url alt caption credit width height }
    corrections { notedAt note }
    blocks: body { format blocks } html: body(format: HTML) { html } text: body(format: TEXT) { text }
"#;

#[tokio::test]
async fn the_same_article_over_rest_and_graphql_agrees() {
    let app = spawn_app(Content::Demo).await;
    let slug = "tel-aviv-opens-its-first-overnight-light-rail-service";
    let rest = app.get_json(&format!("/v1/articles/{slug}")).await;
    let html = app.get_json(&format!("/v1/articles/{slug}?body=html")).await;
    let text = app.get_json(&format!("/v1/articles/{slug}?body=text")).await;

    let by_slug = app
        .graphql(
            &format!("query($s: String) {{ article(slug: $s) {{ {ARTICLE_FIELDS} }} }}"),
            json!({ "s": slug }),
        )
        .await;
    let id = rest["id"].to_string();
    let by_id = app
        .graphql(
            &format!("query($id: ID) {{ article(id: $id) {{ {ARTICLE_FIELDS} }} }}"),
            json!({ "id": id }),
        )
        .await;
    assert_eq!(by_slug, by_id);
    let gql = &by_slug["data"]["article"];

    assert_eq!(gql["id"], rest["id"].to_string());
    for (g, r) in [
        ("slug", "slug"),
        ("title", "title"),
        ("subtitle", "subtitle"),
        ("dateline", "dateline"),
        ("excerpt", "excerpt"),
        ("publishedAt", "published_at"),
        ("updatedAt", "updated_at"),
        ("canonicalUrl", "canonical_url"),
        ("language", "language"),
        ("commentStatus", "comment_status"),
        ("wordCount", "word_count"),
        ("readingTimeMinutes", "reading_time_minutes"),
    ] {
        assert_eq!(gql[g], rest[r], "{g}");
    }
    assert_eq!(gql["section"]["slug"], rest["section"]["slug"]);
    assert_eq!(
        slugs(gql["sectionPath"].as_array().unwrap()),
        slugs(rest["section_path"].as_array().unwrap())
    );
    assert_eq!(
        slugs(gql["sections"].as_array().unwrap()),
        slugs(rest["sections"].as_array().unwrap())
    );
    assert_eq!(
        slugs(gql["tags"].as_array().unwrap()),
        slugs(rest["tags"].as_array().unwrap())
    );
    let authors: Vec<Value> = rest["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!({ "slug": a["slug"], "name": a["name"], "title": a["title"], "avatarUrl": a["avatar_url"], "role": a["role"] }))
        .collect();
    assert_eq!(gql["authors"], Value::Array(authors));
    assert_eq!(gql["featuredMedia"], rest["featured_media"]);
    assert_eq!(gql["corrections"][0]["note"], rest["corrections"][0]["note"]);
    assert_eq!(
        gql["corrections"][0]["notedAt"],
        rest["corrections"][0]["noted_at"]
    );
    assert_eq!(gql["blocks"]["format"], "BLOCKS");
    assert_eq!(gql["blocks"]["blocks"], rest["body"]["blocks"]);
    assert_eq!(gql["html"]["html"], html["body"]["html"]);
    assert_eq!(gql["text"]["text"], text["body"]["text"]);
}

#[tokio::test]
async fn paging_the_connection_matches_the_rest_list() {
    let app = spawn_app(Content::Demo).await;
    let rest = slugs(&app.all_pages("/v1/articles?section=world&limit=100").await);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let res = app
            .graphql(
                r#"query($after: String) {
                    articles(filter: { section: "world" }, first: 4, after: $after) {
                        edges { cursor node { slug } }
                        pageInfo { hasNextPage endCursor }
                    }
                }"#,
                json!({ "after": after }),
            )
            .await;
        let conn = &res["data"]["articles"];
        let edges = conn["edges"].as_array().unwrap();
        seen.extend(
            edges
                .iter()
                .map(|e| e["node"]["slug"].as_str().unwrap().to_owned()),
        );
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        assert_eq!(conn["pageInfo"]["endCursor"], edges.last().unwrap()["cursor"]);
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, rest);
}

#[tokio::test]
async fn list_relations_are_batched_so_statements_do_not_grow_with_page_size() {
    let app = spawn_app(Content::Demo).await;
    let query = |n: usize| {
        format!(
            "{{ articles(first: {n}) {{ edges {{ node {{ slug authors {{ name }} tags {{ slug }} section {{ slug parent {{ slug }} }} featuredMedia {{ url }} corrections {{ note }} body(format: TEXT) {{ text }} }} }} }} }}"
        )
    };
    // Warm the section cache so both runs measure the same work.
    app.graphql(&query(1), json!({})).await;

    // Background work (the view flusher, the related index) shares the counter: the fewest
    // of three runs of each is what the query itself costs. A comment makes each run a new
    // request, which the response cache has not seen.
    let counter = app.statements();
    let fewest = |n: usize| {
        let (app, counter, query) = (&app, &counter, &query);
        async move {
            let mut best = (u64::MAX, Value::Null);
            for run in 0..3 {
                let before = counter.get();
                let res = app
                    .graphql(&format!("{}\n# run {run}", query(n)), json!({}))
                    .await;
                let used = counter.get() - before;
                if used < best.0 {
                    best = (used, res);
                }
            }
            best
        }
    };
    let (small_statements, small) = fewest(5).await;
    let (large_statements, large) = fewest(40).await;

    assert_eq!(small["data"]["articles"]["edges"].as_array().unwrap().len(), 5);
    assert_eq!(large["data"]["articles"]["edges"].as_array().unwrap().len(), 40);
    assert!(large["errors"].is_null());
    assert_eq!(
        small_statements, large_statements,
        "statements must not grow with `first`"
    );
    assert!(
        large_statements <= 8,
        "{large_statements} statements for one page"
    );
}

#[tokio::test]
async fn sections_tags_and_authors_navigate_the_graph() {
    let app = spawn_app(Content::Demo).await;

    let res = app
        .graphql(
            r#"{
                sections { slug children { slug parent { slug } } }
                section(slug: "middle-east") { name path { slug } articles(first: 2) { edges { node { slug } } pageInfo { hasNextPage } } }
                tag(slug: "oceans") { name articles(first: 10) { edges { node { slug } } } }
                author(slug: "kenji-mori") { name title articles(first: 3) { pageInfo { hasNextPage } } }
                tags(first: 3) { edges { node { slug } } pageInfo { hasNextPage endCursor } }
                authors(first: 10) { edges { node { slug } } pageInfo { hasNextPage } }
                missing: section(slug: "atlantis") { slug }
            }"#,
            json!({}),
        )
        .await;
    let data = &res["data"];
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(data["sections"][0]["slug"], "world");
    assert_eq!(data["sections"][0]["children"][0]["parent"]["slug"], "world");
    assert_eq!(
        data["section"]["path"],
        json!([{ "slug": "world" }, { "slug": "middle-east" }])
    );
    assert_eq!(data["section"]["articles"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(data["tag"]["articles"]["edges"].as_array().unwrap().len(), 5);
    assert_eq!(data["author"]["title"], "Technology reporter");
    assert_eq!(data["tags"]["edges"].as_array().unwrap().len(), 3);
    assert_eq!(data["authors"]["edges"].as_array().unwrap().len(), 6);
    assert_eq!(data["authors"]["pageInfo"]["hasNextPage"], false);
    assert!(data["missing"].is_null());
}

#[tokio::test]
async fn graphql_answers_get_requests_and_serves_graphiql_to_browsers() {
    let app = spawn_app(Content::Demo).await;

    let res: Value = app
        .client
        .get(format!("{}/graphql?query=%7Bsections%7Bslug%7D%7D", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["data"]["sections"][0]["slug"], "world");

    let page = app.get_with("/graphql", &[("accept", "text/html")]).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

/// A tag on an article carries the description the newsroom gave it, read only when the
/// query asks for it, in a list and on a single article alike.
#[tokio::test]
async fn an_articles_tags_carry_their_descriptions_when_asked() {
    let app = spawn_app(Content::Demo).await;
    let token = app
        .sign_in_as("editor@example.org", masthead::auth::Role::Editor)
        .await;
    let tag = app.get_json("/v1/tags/transport").await;
    let (status, saved) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/editor/tags/{}", tag["id"]),
            Some(&token),
            Some(json!({ "description": "Trains, trams and buses." })),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    let slug = "tel-aviv-opens-its-first-overnight-light-rail-service";
    let one = app
        .graphql(
            &format!(r#"{{ article(slug: "{slug}") {{ tags {{ slug description }} }} }}"#),
            json!({}),
        )
        .await;
    let tags = one["data"]["article"]["tags"].as_array().unwrap().clone();
    assert!(
        tags.contains(&json!({ "slug": "transport", "description": "Trains, trams and buses." })),
        "{one}"
    );
    let list = app
        .graphql(
            "{ articles(first: 20) { edges { node { slug tags { slug description } } } } }",
            json!({}),
        )
        .await;
    let node = list["data"]["articles"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["slug"] == slug)
        .cloned()
        .unwrap_or_else(|| panic!("{list}"));
    assert!(
        node["tags"]
            .as_array()
            .unwrap()
            .contains(&json!({ "slug": "transport", "description": "Trains, trams and buses." })),
        "{node}"
    );
}
