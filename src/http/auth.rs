use super::body::Body;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::private;
use crate::auth::Actor;
use crate::error::{AppError, Problem};
use crate::service::editorial::views::{TokenPair, UserView};
use crate::service::editorial::{EditorialService, LoginInput, RefreshInput};

type Editorial = web::Data<EditorialService>;

/// Sign in with email and password: a short-lived access token and a refresh token.
#[utoipa::path(
    operation_id = "signIn",
    tag = "auth",
    request_body = LoginInput,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/auth/token")]
pub async fn token(
    req: HttpRequest,
    editorial: Editorial,
    body: Body<LoginInput>,
) -> Result<HttpResponse, AppError> {
    let pair = editorial.login(body.into_inner(), private::peer(&req)).await?;
    Ok(private::json(StatusCode::OK, &pair))
}

/// Trade a refresh token for a new pair; the old one stops working.
#[utoipa::path(
    operation_id = "refreshToken",
    tag = "auth",
    request_body = RefreshInput,
    responses(
        (status = 200, description = "New tokens", body = TokenPair),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/auth/refresh")]
pub async fn refresh(editorial: Editorial, body: Body<RefreshInput>) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.refresh(body.into_inner()).await?,
    ))
}

/// Sign out: revokes the refresh token and every token rotated from the same sign-in.
#[utoipa::path(operation_id = "signOut", tag = "auth", request_body = RefreshInput, responses((status = 204, description = "Signed out")))]
#[post("/v1/auth/logout")]
pub async fn logout(editorial: Editorial, body: Body<RefreshInput>) -> Result<HttpResponse, AppError> {
    editorial.logout(body.into_inner()).await?;
    Ok(private::no_content())
}

/// The signed-in user.
#[utoipa::path(
    operation_id = "getCurrentUser",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/auth/me")]
pub async fn me(editorial: Editorial, actor: Actor) -> Result<HttpResponse, AppError> {
    Ok(private::json(StatusCode::OK, &editorial.me(&actor).await?))
}
