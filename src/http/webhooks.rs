//! Webhook endpoints and their deliveries: admins only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::body::Body;
use super::{params, private};
use crate::auth::Actor;
use crate::error::{AppError, Problem};
use crate::service::editorial::EditorialService;
use crate::service::webhooks::{
    CreatedWebhook, DeliveryPage, DeliveryView, WebhookInput, WebhookUpdate, WebhookView,
};

type Editorial = web::Data<EditorialService>;

/// Every webhook endpoint (never their secrets).
#[utoipa::path(
    operation_id = "listWebhooks",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Endpoints", body = Vec<WebhookView>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/webhooks")]
pub async fn list(editorial: Editorial, actor: Actor) -> Result<HttpResponse, AppError> {
    Ok(private::json(StatusCode::OK, &editorial.webhooks(&actor).await?))
}

/// Register an endpoint: it is sent, as signed Standard Webhooks messages, the events it
/// names from now on. The answer holds the signing secret, shown this once.
#[utoipa::path(
    operation_id = "createWebhook",
    tag = "admin",
    security(("bearer" = [])),
    request_body = WebhookInput,
    responses(
        (status = 201, description = "Registered, with its secret", body = CreatedWebhook),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad URL, event type or section", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/webhooks")]
pub async fn create(
    editorial: Editorial,
    actor: Actor,
    body: Body<WebhookInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.create_webhook(&actor, body.into_inner()).await?,
    ))
}

/// One endpoint.
#[utoipa::path(
    operation_id = "getWebhook",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/webhooks/{id}")]
pub async fn get_one(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.webhook(&actor, *id).await?,
    ))
}

/// Change an endpoint, or turn it off or on again (`enabled`).
#[utoipa::path(
    operation_id = "updateWebhook",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    request_body = WebhookUpdate,
    responses(
        (status = 200, description = "Saved", body = WebhookView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad URL, event type or section", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/v1/editor/webhooks/{id}")]
pub async fn update(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<WebhookUpdate>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.update_webhook(&actor, *id, body.into_inner()).await?,
    ))
}

/// Remove an endpoint and its deliveries.
#[utoipa::path(
    operation_id = "deleteWebhook",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/editor/webhooks/{id}")]
pub async fn remove(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    editorial.delete_webhook(&actor, *id).await?;
    Ok(private::no_content())
}

/// A new signing secret, shown this once; the old one stops signing at once.
#[utoipa::path(
    operation_id = "rotateWebhookSecret",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The new secret", body = CreatedWebhook),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/webhooks/{id}/secret")]
pub async fn rotate_secret(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.rotate_webhook_secret(&actor, *id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// The `next_before` of the previous page.
    #[param(value_type = Option<i64>)]
    before: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 20)]
    limit: Option<String>,
}

/// An endpoint's deliveries, newest first: each message, its status, attempts and the last
/// answer or error.
#[utoipa::path(
    operation_id = "listWebhookDeliveries",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Webhook id"), DeliveryParams),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "A bad before or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/editor/webhooks/{id}/deliveries")]
pub async fn deliveries(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<DeliveryParams>,
) -> Result<HttpResponse, AppError> {
    let before = match params::given("before", &query.before)? {
        Some(raw) => Some(
            raw.parse::<i64>()
                .map_err(|_| AppError::invalid("before", "before is a delivery id"))?,
        ),
        None => None,
    };
    let limit = params::limit(&query.limit)?.unwrap_or(20);
    Ok(private::json(
        StatusCode::OK,
        &editorial.webhook_deliveries(&actor, *id, before, limit).await?,
    ))
}

/// Send a delivery again now, with the same `webhook-id`, whatever became of it.
#[utoipa::path(
    operation_id = "redeliverWebhook",
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("delivery" = i64, Path, description = "Delivery id")
    ),
    responses(
        (status = 202, description = "Queued to be sent now", body = DeliveryView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/editor/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    editorial: Editorial,
    actor: Actor,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    Ok(private::json(
        StatusCode::ACCEPTED,
        &editorial.redeliver(&actor, id, delivery).await?,
    ))
}
