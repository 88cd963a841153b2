//! Users, partner keys and the audit log: admins only.

use super::body::Body;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{params, private};
use crate::auth::Actor;
use crate::error::{AppError, Problem};
use crate::service::editorial::views::{ApiKeyView, AuditPage, CreatedApiKey, UserView};
use crate::service::editorial::{ApiKeyInput, EditorialService, NewUserInput, UserUpdate};

type Editorial = web::Data<EditorialService>;

/// All users.
#[utoipa::path(
    operation_id = "listUsers",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Users", body = Vec<UserView>),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/users")]
pub async fn users(editorial: Editorial, actor: Actor) -> Result<HttpResponse, AppError> {
    Ok(private::json(StatusCode::OK, &editorial.users(&actor).await?))
}

/// Create a user.
#[utoipa::path(
    operation_id = "createUser",
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewUserInput,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/editor/users")]
pub async fn create_user(
    editorial: Editorial,
    actor: Actor,
    body: Body<NewUserInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.create_user(&actor, body.into_inner()).await?,
    ))
}

/// Change a user's name, role, author profile or password, or disable them (which also signs
/// them out everywhere).
#[utoipa::path(
    operation_id = "updateUser",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "Saved", body = UserView),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin cannot be disabled or demoted (`last_admin`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/v1/editor/users/{id}")]
pub async fn update_user(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<UserUpdate>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.update_user(&actor, *id, body.into_inner()).await?,
    ))
}

/// Partner keys (never the keys themselves).
#[utoipa::path(
    operation_id = "listApiKeys",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Keys", body = Vec<ApiKeyView>),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/keys")]
pub async fn keys(editorial: Editorial, actor: Actor) -> Result<HttpResponse, AppError> {
    Ok(private::json(StatusCode::OK, &editorial.keys(&actor).await?))
}

/// Create a partner key; the answer holds the key, shown this once.
#[utoipa::path(
    operation_id = "createApiKey",
    tag = "admin",
    security(("bearer" = [])),
    request_body = ApiKeyInput,
    responses(
        (status = 201, description = "The key", body = CreatedApiKey),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/editor/keys")]
pub async fn create_key(
    editorial: Editorial,
    actor: Actor,
    body: Body<ApiKeyInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.create_key(&actor, body.into_inner()).await?,
    ))
}

/// Revoke a partner key.
#[utoipa::path(
    operation_id = "revokeApiKey",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such active key", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/editor/keys/{id}")]
pub async fn revoke_key(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    editorial.revoke_key(&actor, *id).await?;
    Ok(private::no_content())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The `next_before` of the previous page.
    #[param(value_type = Option<i64>)]
    before: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 20)]
    limit: Option<String>,
}

/// Every editorial action, newest first.
#[utoipa::path(
    operation_id = "listAuditLog",
    tag = "admin",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "A page of the log", body = AuditPage),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/audit")]
pub async fn audit(
    editorial: Editorial,
    actor: Actor,
    query: web::Query<AuditParams>,
) -> Result<HttpResponse, AppError> {
    let before = match params::given("before", &query.before)? {
        Some(raw) => Some(
            raw.parse::<i64>()
                .map_err(|_| AppError::invalid("before", "before is an audit entry id"))?,
        ),
        None => None,
    };
    let limit = params::limit(&query.limit)?.unwrap_or(20);
    Ok(private::json(
        StatusCode::OK,
        &editorial.audit_log(&actor, before, limit).await?,
    ))
}
