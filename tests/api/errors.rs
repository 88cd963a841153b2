//! Bad input gets a problem document that names what was wrong.

use crate::helpers::{Content, spawn_app};

#[tokio::test]
async fn bad_list_parameters_name_the_parameter() {
    let app = spawn_app(Content::Demo).await;

    let cases = [
        ("/v1/articles?limit=0", "limit"),
        ("/v1/articles?limit=101", "limit"),
        ("/v1/articles?limit=ten", "limit"),
        ("/v1/articles?cursor=not-a-cursor", "cursor"),
        ("/v1/articles?published_after=yesterday", "published_after"),
        ("/v1/articles?published_before=2026-13-01", "published_before"),
        ("/v1/articles?section=atlantis", "section"),
        ("/v1/articles?tag=no-such-tag", "tag"),
        ("/v1/articles?author=nobody", "author"),
        (
            "/v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service?body=pdf",
            "body",
        ),
        ("/v1/tags?limit=1000", "limit"),
        ("/v1/authors?cursor=%%%", "cursor"),
    ];
    for (path, parameter) in cases {
        let problem = app.get_problem(path, 400).await;
        assert_eq!(problem["code"], "invalid_parameter", "{path}");
        assert_eq!(problem["parameter"], parameter, "{path}");
        assert!(
            problem["detail"].as_str().unwrap().contains(parameter),
            "{path}: {problem}"
        );
    }
}

#[tokio::test]
async fn a_cursor_from_one_list_cannot_be_forged_from_another_kind() {
    let app = spawn_app(Content::Demo).await;
    let tags = app.get_json("/v1/tags?limit=2").await;
    let tag_cursor = tags["next_cursor"].as_str().unwrap();

    let problem = app
        .get_problem(&format!("/v1/articles?cursor={tag_cursor}"), 400)
        .await;
    assert_eq!(problem["parameter"], "cursor");
}

#[tokio::test]
async fn unknown_things_are_404_problems() {
    let app = spawn_app(Content::Demo).await;

    for path in [
        "/v1/articles/no-such-story",
        "/v1/sections/atlantis",
        "/v1/tags/nope",
        "/v1/authors/nobody",
        "/v2/anything",
    ] {
        let problem = app.get_problem(path, 404).await;
        assert_eq!(problem["code"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn graphql_errors_carry_a_code_and_the_argument() {
    let app = spawn_app(Content::Demo).await;

    let res = app
        .graphql(
            "{ articles(first: 500) { edges { cursor } } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res["errors"][0]["extensions"]["code"], "INVALID_PARAMETER");
    assert_eq!(res["errors"][0]["extensions"]["parameter"], "first");

    let res = app
        .graphql(
            "{ articles(after: \"garbage\") { edges { cursor } } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res["errors"][0]["extensions"]["parameter"], "after");

    let res = app.graphql("{ article { id } }", serde_json::json!({})).await;
    assert_eq!(res["errors"][0]["extensions"]["code"], "INVALID_PARAMETER");

    let res = app
        .graphql(
            "{ articles(filter: { section: \"atlantis\" }) { edges { cursor } } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res["errors"][0]["extensions"]["code"], "INVALID_PARAMETER");
    assert_eq!(res["errors"][0]["extensions"]["parameter"], "section");
}
