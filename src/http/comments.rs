//! The reader comment form: its definition, submissions (JSON or a plain HTML form) and the
//! published threads.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Content, cache, params};
use crate::error::{AppError, Problem};
use crate::service::comments::{Accepted, Client, CommentForm, CommentPage, CommentService, Submission};
use crate::service::{ArticleLookup, Rendered, Scope};

pub(crate) type Comments = web::Data<CommentService>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormParams {
    /// The article's slug.
    article: Option<String>,
}

/// The comment form of an article: fields with labels, limits and messages, whether it is
/// open and until when, a signed form token to send back, and the honeypot field's name.
#[utoipa::path(
    operation_id = "getCommentForm",
    tag = "comments",
    params(FormParams),
    responses(
        (status = 200, description = "The form definition", body = CommentForm),
        (status = 400, description = "No article given", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/comment-form")]
pub async fn form(comments: Comments, query: web::Query<FormParams>) -> Result<HttpResponse, AppError> {
    let slug = params::present(&query.article).ok_or_else(|| {
        AppError::invalid(
            "article",
            "article is required: the slug of the article to comment on",
        )
    })?;
    let form = comments.form(slug).await?;
    // The token inside is fresh per request: never shared through a cache.
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(form))
}

/// A submission, as JSON or as `application/x-www-form-urlencoded` with the same names.
/// Documents the body; the handler reads it field by field so that each problem is
/// reported on its own field.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentInput {
    /// Plain text; line breaks are kept. The limits are the default form's (see
    /// `GET /v1/comment-form` for this newsroom's).
    #[schema(min_length = 1, max_length = 5000, pattern = r"\S")]
    pub comment: String,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Never shown: it gives the avatar and lets moderators reach the commenter.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// http(s) only.
    #[schema(
        max_length = 200,
        pattern = r"^https?://[a-z0-9]+(\.[a-z0-9]+)*(/[A-Za-z0-9._~/-]*)?$"
    )]
    pub website: Option<String>,
    /// The id of the approved comment this replies to.
    pub parent_id: Option<i64>,
    /// The `token` of the form definition.
    pub form_token: String,
}

fn field(map: &HashMap<String, String>, name: &str) -> Option<String> {
    map.get(name).cloned()
}

fn submission(req: &HttpRequest, body: &[u8], honeypot: &str) -> Result<Submission, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let map: HashMap<String, String> = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map_err(|e| AppError::invalid("body", format!("the form could not be read: {e}")))?
            .into_iter()
            .collect()
    } else if content_type.starts_with("application/json") {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|e| AppError::invalid("body", format!("the body is not a JSON object: {e}")))?;
        object
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some((k, s)),
                other => Some((k, other.to_string())),
            })
            .collect()
    } else {
        return Err(AppError::invalid(
            "Content-Type",
            "send application/json or application/x-www-form-urlencoded",
        ));
    };
    Ok(Submission {
        comment: field(&map, "comment"),
        name: field(&map, "name"),
        email: field(&map, "email"),
        website: field(&map, "website"),
        parent_id: field(&map, "parent_id"),
        form_token: field(&map, "form_token"),
        honeypot: field(&map, honeypot),
        idempotency_key: req
            .headers()
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    })
}

pub fn client(req: &HttpRequest) -> Client {
    Client {
        ip: super::edge::client_ip(req),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Posts a comment. Answered 202 once it is stored: `approved` comments show at once,
/// `pending` ones after moderation. Send an `Idempotency-Key` header so a retry returns
/// the first answer instead of posting twice.
#[utoipa::path(
    operation_id = "submitComment",
    tag = "comments",
    params(
        ("slug" = String, Path, description = "The article's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "A fresh value per comment; retries with it get the first answer")
    ),
    request_body(content(
        (CommentInput = "application/json"),
        (CommentInput = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 202, description = "Stored", body = Accepted),
        (status = 403, description = "Comments are closed on this article", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key was used for a different comment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields at fault, each with the form's message", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many comments from this address or email; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/articles/{slug}/comments")]
pub async fn submit(
    req: HttpRequest,
    comments: Comments,
    slug: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = super::edge::read_body(&req, payload.into_inner()).await?;
    let sub = submission(&req, &body, &comments.settings().honeypot_field)?;
    let without_token = sub.form_token.as_deref().is_none_or(|t| t.trim().is_empty());
    let accepted = comments.submit(&slug, sub, client(&req)).await?;
    let mut response = HttpResponse::Accepted();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if without_token {
        // Answered like any pending comment, so a spammer learns nothing; a developer
        // wiring up a form sees why no comment ever appears.
        response.insert_header((
            "masthead-warning",
            "form_token missing: the comment was filed as spam; send the form_token field of GET /v1/comment-form",
        ));
    }
    Ok(response.json(accepted))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadParams {
    /// Page size, 1 to 100.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 50)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The published comments of an article, oldest first. Replies carry `parent_id` and
/// `depth`, so a frontend can nest them.
#[utoipa::path(
    operation_id = "listArticleComments",
    tag = "comments",
    params(("slug" = String, Path, description = "The article's slug"), ThreadParams),
    responses(
        (status = 200, description = "A page of comments", body = CommentPage),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/articles/{slug}/comments")]
pub async fn thread(
    req: HttpRequest,
    content: Content,
    comments: Comments,
    slug: web::Path<String>,
    query: web::Query<ThreadParams>,
) -> Result<HttpResponse, AppError> {
    let limit = params::limit(&query.limit)?;
    let cursor = params::slug(&query.cursor);
    let lookup = ArticleLookup::slug(slug.into_inner());
    let thread = async {
        let page = comments
            .thread(
                lookup,
                crate::service::comments::Threading::Flat,
                limit,
                cursor.as_deref(),
                ("limit", "cursor"),
            )
            .await?;
        let bytes = serde_json::to_vec(&page).map_err(AppError::internal)?;
        Ok(std::sync::Arc::new(Rendered::new(bytes).about(page.article_id)))
    };
    cache::public_bytes(&req, &content, Scope::Comments, thread).await
}
