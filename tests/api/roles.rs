//! Every role can do exactly what it should and nothing more, over REST and over GraphQL.

use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, TestApp, gql_code, spawn_app};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    CreateDraft,
    EditOwnDraft,
    PublishOwn,
    ViewOthers,
    EditOthers,
    PublishOthers,
    CreateTag,
    CreateMedia,
    ListUsers,
    CreateKey,
    ReadAudit,
}

const ACTIONS: [Action; 11] = [
    Action::CreateDraft,
    Action::EditOwnDraft,
    Action::PublishOwn,
    Action::ViewOthers,
    Action::EditOthers,
    Action::PublishOthers,
    Action::CreateTag,
    Action::CreateMedia,
    Action::ListUsers,
    Action::CreateKey,
    Action::ReadAudit,
];

/// The policy, written out: who may do what.
fn allowed(role: Option<Role>, action: Action) -> bool {
    let Some(role) = role else { return false };
    match action {
        Action::CreateDraft | Action::EditOwnDraft | Action::CreateMedia => true,
        Action::PublishOwn | Action::ViewOthers => role >= Role::Author,
        Action::EditOthers | Action::PublishOthers | Action::CreateTag => role >= Role::Editor,
        Action::ListUsers | Action::CreateKey | Action::ReadAudit => role == Role::Admin,
    }
}

fn draft(title: &str) -> Value {
    json!({ "title": title, "section": "tech", "authors": [{ "slug": "kenji-mori" }], "body_html": "<p>Words to publish.</p>" })
}

/// An article created by the newsroom's editor, for the "someone else's" actions.
async fn editors_draft(app: &TestApp, editor: &str, n: usize) -> i64 {
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/editor/articles",
            Some(editor),
            Some(draft(&format!("Editor's piece {n}"))),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// Tries an action over REST; Ok(()) when allowed, Err(status) when refused.
async fn rest(app: &TestApp, token: Option<&str>, action: Action, others: i64, n: usize) -> Result<(), u16> {
    let ok = |status: u16, body: &Value| {
        if (200..300).contains(&status) {
            Ok(())
        } else {
            assert!(
                matches!(status, 401 | 403),
                "{action:?}: unexpected {status} {body}"
            );
            Err(status)
        }
    };
    let create = |title: String| app.call(Method::POST, "/v1/editor/articles", token, Some(draft(&title)));
    let (status, body) = match action {
        Action::CreateDraft => create(format!("Draft {n}")).await,
        Action::EditOwnDraft | Action::PublishOwn => {
            let (status, body) = create(format!("Own {n}")).await;
            ok(status, &body)?;
            let id = body["id"].as_i64().unwrap();
            if action == Action::EditOwnDraft {
                app.call(
                    Method::PATCH,
                    &format!("/v1/editor/articles/{id}"),
                    token,
                    Some(json!({ "subtitle": "Edited" })),
                )
                .await
            } else {
                app.call(
                    Method::POST,
                    &format!("/v1/editor/articles/{id}/publish"),
                    token,
                    None,
                )
                .await
            }
        }
        Action::ViewOthers => {
            app.call(Method::GET, &format!("/v1/editor/articles/{others}"), token, None)
                .await
        }
        Action::EditOthers => {
            app.call(
                Method::PATCH,
                &format!("/v1/editor/articles/{others}"),
                token,
                Some(json!({ "subtitle": "Edited" })),
            )
            .await
        }
        Action::PublishOthers => {
            app.call(
                Method::POST,
                &format!("/v1/editor/articles/{others}/publish"),
                token,
                None,
            )
            .await
        }
        Action::CreateTag => {
            app.call(
                Method::POST,
                "/v1/editor/tags",
                token,
                Some(json!({ "name": format!("Tag {n}") })),
            )
            .await
        }
        Action::CreateMedia => {
            app.call(
                Method::POST,
                "/v1/editor/media",
                token,
                Some(json!({ "url": "https://img.example.org/a.jpg" })),
            )
            .await
        }
        Action::ListUsers => app.call(Method::GET, "/v1/editor/users", token, None).await,
        Action::CreateKey => {
            app.call(
                Method::POST,
                "/v1/editor/keys",
                token,
                Some(json!({ "name": "P", "scopes": ["content:read"], "tier": "basic" })),
            )
            .await
        }
        Action::ReadAudit => app.call(Method::GET, "/v1/editor/audit", token, None).await,
    };
    ok(status, &body)
}

/// The same over GraphQL; Err(code) when refused.
async fn graphql(
    app: &TestApp,
    token: Option<&str>,
    action: Action,
    others: i64,
    n: usize,
) -> Result<(), String> {
    let run = |q: String| async move {
        let res = app.graphql_as(token, &q, json!({})).await;
        match gql_code(&res) {
            None => Ok(res),
            Some(code) => {
                assert!(
                    matches!(code.as_str(), "UNAUTHENTICATED" | "FORBIDDEN"),
                    "{action:?}: {res}"
                );
                Err(code)
            }
        }
    };
    let create = |title: String| {
        run(format!(
            r#"mutation {{ createArticle(input: {{ title: "{title}", section: "tech", authors: [{{ slug: "kenji-mori" }}], bodyHtml: "<p>Words.</p>" }}) {{ id }} }}"#
        ))
    };
    match action {
        Action::CreateDraft => create(format!("G draft {n}")).await.map(drop),
        Action::EditOwnDraft | Action::PublishOwn => {
            let res = create(format!("G own {n}")).await?;
            let id = res["data"]["createArticle"]["id"].as_str().unwrap().to_owned();
            if action == Action::EditOwnDraft {
                run(format!(r#"mutation {{ updateArticle(id: "{id}", input: {{ subtitle: "Edited" }}) {{ version }} }}"#)).await.map(drop)
            } else {
                run(format!(r#"mutation {{ publishArticle(id: "{id}") {{ status }} }}"#)).await.map(drop)
            }
        }
        Action::ViewOthers => run(format!(r#"{{ editorArticle(id: "{others}") {{ title }} }}"#)).await.map(drop),
        Action::EditOthers => {
            run(format!(r#"mutation {{ updateArticle(id: "{others}", input: {{ subtitle: "Edited" }}) {{ version }} }}"#)).await.map(drop)
        }
        Action::PublishOthers => run(format!(r#"mutation {{ publishArticle(id: "{others}") {{ status }} }}"#)).await.map(drop),
        Action::CreateTag => run(format!(r#"mutation {{ createTag(input: {{ name: "G tag {n}" }}) {{ slug }} }}"#)).await.map(drop),
        Action::CreateMedia => {
            run(r#"mutation { createMedia(input: { url: "https://img.example.org/b.jpg" }) { id } }"#.into()).await.map(drop)
        }
        Action::ListUsers => run("{ users { email } }".into()).await.map(drop),
        Action::CreateKey => {
            run(r#"mutation { createApiKey(input: { name: "P", scopes: ["content:read"], tier: "basic" }) { key } }"#.into()).await.map(drop)
        }
        Action::ReadAudit => run("{ auditLog { items { action } } }".into()).await.map(drop),
    }
}

#[tokio::test]
async fn each_role_can_do_exactly_what_it_should_over_rest_and_graphql() {
    let app = spawn_app(Content::Demo).await;
    let editor = app.sign_in_as("newsroom-editor@example.org", Role::Editor).await;
    let mut callers: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
    for role in Role::ALL {
        callers.push((
            Some(role),
            Some(app.sign_in_as(&format!("{role}@example.org"), role).await),
        ));
    }

    let mut n = 0;
    let mut failures = Vec::new();
    for (role, token) in &callers {
        for action in ACTIONS {
            n += 1;
            let expected = allowed(*role, action);
            let others = editors_draft(&app, &editor, n).await;
            let over_rest = rest(&app, token.as_deref(), action, others, n).await;
            if over_rest.is_ok() != expected {
                failures.push(format!(
                    "REST {role:?} {action:?}: expected allowed={expected}, got {over_rest:?}"
                ));
            }
            if let Err(status) = over_rest {
                let want = if role.is_none() { 401 } else { 403 };
                if status != want {
                    failures.push(format!(
                        "REST {role:?} {action:?}: refused with {status}, expected {want}"
                    ));
                }
            }
            let others = editors_draft(&app, &editor, n + 10_000).await;
            let over_graphql = graphql(&app, token.as_deref(), action, others, n).await;
            if over_graphql.is_ok() != expected {
                failures.push(format!(
                    "GraphQL {role:?} {action:?}: expected allowed={expected}, got {over_graphql:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_contributor_cannot_edit_their_draft_once_it_is_published() {
    let app = spawn_app(Content::Demo).await;
    let contributor = app.sign_in_as("c@example.org", Role::Contributor).await;
    let editor = app.sign_in_as("e@example.org", Role::Editor).await;
    let (_, body) = app
        .call(
            Method::POST,
            "/v1/editor/articles",
            Some(&contributor),
            Some(draft("Mine")),
        )
        .await;
    let id = body["id"].as_i64().unwrap();

    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/editor/articles/{id}/publish"),
            Some(&editor),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/articles/{id}"),
            Some(&contributor),
            Some(json!({ "title": "Sneaky" })),
        )
        .await;
    assert_eq!(status, 403, "{body}");
}
