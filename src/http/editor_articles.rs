use super::body::Body;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{params, private};
use crate::auth::Actor;
use crate::error::{AppError, Problem};
use crate::service::editorial::views::{EditorArticle, EditorArticlePage, PreviewLink, RevisionView};
use crate::service::editorial::{ArticleInput, EditorialFilter, EditorialService, PublishInput};
use crate::service::views::Article;

type Editorial = web::Data<EditorialService>;

fn article(status: StatusCode, a: EditorArticle) -> HttpResponse {
    let version = a.version;
    private::versioned(status, &a, version)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `draft`, `scheduled`, `published` or `archived`.
    status: Option<String>,
    /// Words in the title.
    q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 20)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// Articles in every status, newest change first (contributors see their own).
#[utoipa::path(
    operation_id = "listEditorArticles",
    tag = "editorial",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "A page of articles", body = EditorArticlePage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/articles")]
pub async fn list(
    editorial: Editorial,
    actor: Actor,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let filter = EditorialFilter {
        status: params::slug(&q.status),
        search: params::slug(&q.q),
        limit: params::limit(&q.limit)?,
        cursor: params::slug(&q.cursor),
    };
    Ok(private::json(
        StatusCode::OK,
        &editorial.editor_articles(&actor, filter).await?,
    ))
}

/// Create a draft. The body may be blocks (`body`) or HTML (`body_html`).
#[utoipa::path(
    operation_id = "createArticle",
    tag = "editorial",
    security(("bearer" = [])),
    request_body = ArticleInput,
    responses(
        (status = 201, description = "The new draft", body = EditorArticle),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/editor/articles")]
pub async fn create(
    editorial: Editorial,
    actor: Actor,
    body: Body<ArticleInput>,
) -> Result<HttpResponse, AppError> {
    Ok(article(
        StatusCode::CREATED,
        editorial.create_article(&actor, body.into_inner()).await?,
    ))
}

/// One article in any status.
#[utoipa::path(
    operation_id = "getEditorArticle",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id")),
    responses(
        (status = 200, description = "The article; its ETag is its version", body = EditorArticle),
        (status = 403, description = "Not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/articles/{id}")]
pub async fn get_one(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(article(
        StatusCode::OK,
        editorial.editor_article(&actor, *id).await?,
    ))
}

/// Change an article. Send `If-Match` with the version you edited: if someone saved since,
/// the answer is 412 and nothing is overwritten.
#[utoipa::path(
    operation_id = "updateArticle",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "The version edited, e.g. \"3\"")),
    request_body = ArticleInput,
    responses(
        (status = 200, description = "The saved article", body = EditorArticle),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone saved a newer version", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/editor/articles/{id}")]
pub async fn update(
    req: HttpRequest,
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<ArticleInput>,
) -> Result<HttpResponse, AppError> {
    let version = private::if_match(&req)?;
    Ok(article(
        StatusCode::OK,
        editorial
            .update_article(&actor, *id, version, body.into_inner())
            .await?,
    ))
}

/// Delete an article and its history.
#[utoipa::path(
    operation_id = "deleteArticle",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/editor/articles/{id}")]
pub async fn remove(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    editorial.delete_article(&actor, *id).await?;
    Ok(private::no_content())
}

/// Publish now, or schedule with a future `published_at`.
#[utoipa::path(
    operation_id = "publishArticle",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "The version edited")),
    request_body(content = Option<PublishInput>, description = "Optional publication time"),
    responses(
        (status = 200, description = "Published or scheduled", body = EditorArticle),
        (status = 412, description = "Someone saved a newer version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not ready to publish", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/articles/{id}/publish")]
pub async fn publish(
    req: HttpRequest,
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<Option<PublishInput>>,
) -> Result<HttpResponse, AppError> {
    let version = private::if_match(&req)?;
    let input = body.into_inner().unwrap_or_default();
    Ok(article(
        StatusCode::OK,
        editorial.publish(&actor, *id, version, input).await?,
    ))
}

/// Take an article back to draft.
#[utoipa::path(
    operation_id = "unpublishArticle",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "The version edited")),
    responses(
        (status = 200, description = "Now a draft", body = EditorArticle),
        (status = 412, description = "Someone saved a newer version", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/articles/{id}/unpublish")]
pub async fn unpublish(
    req: HttpRequest,
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let version = private::if_match(&req)?;
    Ok(article(
        StatusCode::OK,
        editorial.unpublish(&actor, *id, version).await?,
    ))
}

/// Archive an article: it leaves every public list and route.
#[utoipa::path(
    operation_id = "archiveArticle",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "The version edited")),
    responses(
        (status = 200, description = "Archived", body = EditorArticle),
        (status = 412, description = "Someone saved a newer version", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/articles/{id}/archive")]
pub async fn archive(
    req: HttpRequest,
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let version = private::if_match(&req)?;
    Ok(article(
        StatusCode::OK,
        editorial.archive(&actor, *id, version).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    pub note: String,
}

/// Append a correction; it is shown publicly with its time.
#[utoipa::path(
    operation_id = "addArticleCorrection",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id")),
    request_body = CorrectionInput,
    responses(
        (status = 201, description = "The article with the correction", body = EditorArticle),
        (status = 422, description = "Empty or too long", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/articles/{id}/corrections")]
pub async fn correct(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<CorrectionInput>,
) -> Result<HttpResponse, AppError> {
    Ok(article(
        StatusCode::CREATED,
        editorial
            .add_correction(&actor, *id, body.into_inner().note)
            .await?,
    ))
}

/// Every saved version, newest first.
#[utoipa::path(
    operation_id = "listArticleRevisions",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id")),
    responses(
        (status = 200, description = "Revisions", body = Vec<RevisionView>),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/articles/{id}/revisions")]
pub async fn revisions(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.revisions(&actor, *id).await?,
    ))
}

/// One saved version.
#[utoipa::path(
    operation_id = "getArticleRevision",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id"), ("version" = i32, Path, description = "Version")),
    responses(
        (status = 200, description = "The revision", body = RevisionView),
        (status = 404, description = "No such revision", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/articles/{id}/revisions/{version}")]
pub async fn revision(
    editorial: Editorial,
    actor: Actor,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, AppError> {
    let (id, version) = path.into_inner();
    Ok(private::json(
        StatusCode::OK,
        &editorial.revision(&actor, id, version).await?,
    ))
}

/// Bring back an old version's content; this is saved as a new revision.
#[utoipa::path(
    operation_id = "restoreArticleRevision",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id"), ("version" = i32, Path, description = "Version to restore"), ("If-Match" = Option<String>, Header, description = "The current version")),
    responses(
        (status = 200, description = "The restored article", body = EditorArticle),
        (status = 404, description = "No such revision", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Someone saved a newer version", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/articles/{id}/revisions/{version}/restore")]
pub async fn restore(
    req: HttpRequest,
    editorial: Editorial,
    actor: Actor,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, AppError> {
    let (id, from) = path.into_inner();
    let version = private::if_match(&req)?;
    Ok(article(
        StatusCode::OK,
        editorial.restore_revision(&actor, id, from, version).await?,
    ))
}

/// A signed link to preview a draft or scheduled article (valid one hour by default).
#[utoipa::path(
    operation_id = "createPreviewToken",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id")),
    responses(
        (status = 201, description = "The link", body = PreviewLink),
    )
)]
#[post("/v1/editor/articles/{id}/preview-token")]
pub async fn preview_token(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.preview_link(&actor, *id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// `blocks` (default), `html` or `text`.
    body: Option<String>,
}

/// An article as it will look, for whoever holds the preview token.
#[utoipa::path(
    operation_id = "getArticlePreview",
    tag = "editorial",
    params(("token" = String, Path, description = "The preview token"), PreviewParams),
    responses(
        (status = 200, description = "The article", body = Article),
        (status = 401, description = "Expired or forged token", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/preview/{token}")]
pub async fn preview(
    editorial: Editorial,
    token: web::Path<String>,
    query: web::Query<PreviewParams>,
) -> Result<HttpResponse, AppError> {
    let format = params::body_format(&query.body)?;
    let article: Article = editorial.preview(&token, format).await?;
    Ok(private::json(StatusCode::OK, &article))
}
