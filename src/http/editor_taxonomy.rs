//! Sections, tags, authors and media records for the CMS.

use super::body::Body;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};

use super::private;
use crate::auth::Actor;
use crate::error::{AppError, Problem};
use crate::service::editorial::views::MediaView;
use crate::service::editorial::{AuthorInput, EditorialService, MediaInput, SectionInput, TagInput};
use crate::service::views::{AuthorView, SectionNode, TagView};

type Editorial = web::Data<EditorialService>;

/// Create a section (editors and up).
#[utoipa::path(
    operation_id = "createSection",
    tag = "editorial",
    security(("bearer" = [])),
    request_body = SectionInput,
    responses(
        (status = 201, description = "Created", body = SectionNode),
    )
)]
#[post("/v1/editor/sections")]
pub async fn create_section(
    editorial: Editorial,
    actor: Actor,
    body: Body<SectionInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.save_section(&actor, None, body.into_inner()).await?,
    ))
}

/// Change a section (editors and up); fields left out keep their value.
#[utoipa::path(
    operation_id = "updateSection",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    request_body = SectionInput,
    responses(
        (status = 200, description = "Saved", body = SectionNode),
    )
)]
#[patch("/v1/editor/sections/{id}")]
pub async fn update_section(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<SectionInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial
            .save_section(&actor, Some(*id), body.into_inner())
            .await?,
    ))
}

/// Delete a section (editors and up).
#[utoipa::path(
    operation_id = "deleteSection",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/editor/sections/{id}")]
pub async fn delete_section(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    editorial.delete_section(&actor, *id).await?;
    Ok(private::no_content())
}

/// Create a tag (editors and up).
#[utoipa::path(
    operation_id = "createTag",
    tag = "editorial",
    security(("bearer" = [])),
    request_body = TagInput,
    responses(
        (status = 201, description = "Created", body = TagView),
    )
)]
#[post("/v1/editor/tags")]
pub async fn create_tag(
    editorial: Editorial,
    actor: Actor,
    body: Body<TagInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.save_tag(&actor, None, body.into_inner()).await?,
    ))
}

/// Change a tag (editors and up); fields left out keep their value.
#[utoipa::path(
    operation_id = "updateTag",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    request_body = TagInput,
    responses(
        (status = 200, description = "Saved", body = TagView),
    )
)]
#[patch("/v1/editor/tags/{id}")]
pub async fn update_tag(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<TagInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.save_tag(&actor, Some(*id), body.into_inner()).await?,
    ))
}

/// Delete a tag (editors and up).
#[utoipa::path(
    operation_id = "deleteTag",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/editor/tags/{id}")]
pub async fn delete_tag(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    editorial.delete_tag(&actor, *id).await?;
    Ok(private::no_content())
}

/// Create a author (editors and up).
#[utoipa::path(
    operation_id = "createAuthor",
    tag = "editorial",
    security(("bearer" = [])),
    request_body = AuthorInput,
    responses(
        (status = 201, description = "Created", body = AuthorView),
    )
)]
#[post("/v1/editor/authors")]
pub async fn create_author(
    editorial: Editorial,
    actor: Actor,
    body: Body<AuthorInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.save_author(&actor, None, body.into_inner()).await?,
    ))
}

/// Change a author (editors and up); fields left out keep their value.
#[utoipa::path(
    operation_id = "updateAuthor",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    request_body = AuthorInput,
    responses(
        (status = 200, description = "Saved", body = AuthorView),
    )
)]
#[patch("/v1/editor/authors/{id}")]
pub async fn update_author(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<AuthorInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial
            .save_author(&actor, Some(*id), body.into_inner())
            .await?,
    ))
}

/// Delete a author (editors and up).
#[utoipa::path(
    operation_id = "deleteAuthor",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/editor/authors/{id}")]
pub async fn delete_author(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    editorial.delete_author(&actor, *id).await?;
    Ok(private::no_content())
}

/// Create a media (contributors and up).
#[utoipa::path(
    operation_id = "createMedia",
    tag = "editorial",
    security(("bearer" = [])),
    request_body = MediaInput,
    responses(
        (status = 201, description = "Created", body = MediaView),
    )
)]
#[post("/v1/editor/media")]
pub async fn create_media(
    editorial: Editorial,
    actor: Actor,
    body: Body<MediaInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::CREATED,
        &editorial.save_media(&actor, None, body.into_inner()).await?,
    ))
}

/// Change a media (editors and up); fields left out keep their value.
#[utoipa::path(
    operation_id = "updateMedia",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    request_body = MediaInput,
    responses(
        (status = 200, description = "Saved", body = MediaView),
    )
)]
#[patch("/v1/editor/media/{id}")]
pub async fn update_media(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
    body: Body<MediaInput>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.save_media(&actor, Some(*id), body.into_inner()).await?,
    ))
}

/// Delete a media (editors and up).
#[utoipa::path(
    operation_id = "deleteMedia",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/v1/editor/media/{id}")]
pub async fn delete_media(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    editorial.delete_media(&actor, *id).await?;
    Ok(private::no_content())
}

/// One section by id (any signed-in user).
#[utoipa::path(
    operation_id = "getEditorSection",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "The section", body = SectionNode),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/editor/sections/{id}")]
pub async fn get_section(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.section_by_id(&actor, *id).await?,
    ))
}

/// One tag by id (any signed-in user).
#[utoipa::path(
    operation_id = "getEditorTag",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "The tag", body = TagView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/editor/tags/{id}")]
pub async fn get_tag(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.tag_by_id(&actor, *id).await?,
    ))
}

/// One author by id (any signed-in user).
#[utoipa::path(
    operation_id = "getEditorAuthor",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "The author", body = AuthorView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/editor/authors/{id}")]
pub async fn get_author(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.author_by_id(&actor, *id).await?,
    ))
}

/// One media by id (any signed-in user).
#[utoipa::path(
    operation_id = "getMedia",
    tag = "editorial",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "The media", body = MediaView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/editor/media/{id}")]
pub async fn get_media(
    editorial: Editorial,
    actor: Actor,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(private::json(
        StatusCode::OK,
        &editorial.media_by_id(&actor, *id).await?,
    ))
}
