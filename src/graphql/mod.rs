//! The GraphQL adapter over the same service as REST. Resolvers call service methods; the
//! relations of articles go through per-request dataloaders so lists cost a fixed number of
//! statements.

mod loaders;
mod query;
mod scalars;
mod types;

use actix_web::{HttpResponse, guard, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};

use crate::service::ContentService;
pub use loaders::Loaders;
pub use query::Query;

pub type MastheadSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema without data: enough to print its SDL.
pub fn schema_builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .limit_depth(16)
        .limit_complexity(10_000)
}

pub fn schema(content: ContentService) -> MastheadSchema {
    schema_builder().data(content).finish()
}

/// The SDL as checked in at `schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

async fn execute(
    schema: web::Data<MastheadSchema>,
    content: web::Data<ContentService>,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let loaders = Loaders::new(content.get_ref().clone());
    schema.execute(request.into_inner().data(loaders)).await.into()
}

async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").finish())
}

/// A browser opening `/graphql` gets GraphiQL; anything else is a GraphQL request.
fn is_browser_visit(ctx: &guard::GuardContext<'_>) -> bool {
    let accepts_html = ctx
        .head()
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    accepts_html && !ctx.head().uri.query().unwrap_or("").contains("query=")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::get().guard(guard::fn_guard(is_browser_visit)).to(graphiql))
            .route(web::get().to(execute))
            .route(web::post().to(execute)),
    );
}
