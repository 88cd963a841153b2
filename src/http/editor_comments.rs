//! Comment moderation for moderators and up.

use super::body::Body;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{params, private};
use crate::auth::Actor;
use crate::error::{AppError, Problem};
use crate::service::editorial::EditorialService;
use crate::service::editorial::comments::{Action, ModeratedComment, ModerationPage, QueueFilter};

type Editorial = web::Data<EditorialService>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `pending`, `approved`, `spam` or `trash`; all when absent.
    status: Option<String>,
    /// Article slug.
    article: Option<String>,
    /// Submitted at or after (RFC 3339 or a date).
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Submitted before (RFC 3339 or a date).
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, default = 50)]
    limit: Option<String>,
    cursor: Option<String>,
}

/// The moderation queue, newest first (moderators and up).
#[utoipa::path(
    operation_id = "listModerationQueue",
    tag = "moderation",
    security(("bearer" = [])),
    params(QueueParams),
    responses(
        (status = 200, description = "A page of comments", body = ModerationPage),
    )
)]
#[get("/v1/editor/comments")]
pub async fn queue(
    editorial: Editorial,
    actor: Actor,
    query: web::Query<QueueParams>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let filter = QueueFilter {
        status: params::slug(&q.status),
        article: params::slug(&q.article),
        since: params::instant("since", &q.since)?,
        until: params::instant("until", &q.until)?,
        limit: params::limit(&q.limit)?,
        cursor: params::slug(&q.cursor),
    };
    Ok(private::json(
        StatusCode::OK,
        &editorial.comment_queue(&actor, filter).await?,
    ))
}

/// Act on one comment (moderators and up): `approve` publishes it (also rescuing one held
/// as spam), `spam` holds it as spam (kept, never shown), `trash` removes it from view, and
/// `restore` brings it back to the queue as pending.
#[utoipa::path(
    operation_id = "moderateComment",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Comment id"),
        ("action" = Action, Path, description = "approve, spam, trash or restore")
    ),
    responses(
        (status = 200, description = "Done", body = ModeratedComment),
        (status = 400, description = "Not an action", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such comment", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/comments/{id:\\d+}/{action}")]
pub async fn act(
    editorial: Editorial,
    actor: Actor,
    path: web::Path<(i64, Action)>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    match editorial.moderate(&actor, vec![id], action).await {
        Ok(mut done) => Ok(private::json(StatusCode::OK, &done.pop())),
        Err(AppError::Validation(_)) => Err(AppError::not_found("comment", format!("with id {id}"))),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentEdit {
    /// The new text (plain text).
    pub text: String,
}

/// Rewrite a comment's text (moderators and up).
#[utoipa::path(
    operation_id = "editComment",
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Comment id")),
    request_body = CommentEdit,
    responses(
        (status = 200, description = "Saved", body = ModeratedComment),
        (status = 404, description = "No such comment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The text is empty or too long", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/v1/editor/comments/{id:\\d+}")]
pub async fn edit(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<CommentEdit>,
) -> Result<HttpResponse, AppError> {
    let saved = editorial
        .edit_comment(&actor, *id, body.into_inner().text)
        .await?;
    Ok(private::json(StatusCode::OK, &saved))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkModeration {
    /// 1 to 200 comment ids.
    pub ids: Vec<i64>,
    pub action: Action,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub items: Vec<ModeratedComment>,
}

/// Apply one action to many comments at once, all or none (moderators and up).
#[utoipa::path(
    operation_id = "moderateComments",
    tag = "moderation",
    security(("bearer" = [])),
    request_body = BulkModeration,
    responses(
        (status = 200, description = "Done", body = BulkResult),
        (status = 422, description = "Unknown ids, or too many", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/comments/bulk")]
pub async fn bulk(
    editorial: Editorial,
    actor: Actor,
    body: Body<BulkModeration>,
) -> Result<HttpResponse, AppError> {
    let BulkModeration { ids, action } = body.into_inner();
    let items = editorial.moderate(&actor, ids, action).await?;
    Ok(private::json(StatusCode::OK, &BulkResult { items }))
}
