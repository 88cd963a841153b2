//! The GraphQL adapter over the same service as REST. Resolvers call service methods; the
//! relations of articles go through per-request dataloaders so lists cost a fixed number of
//! statements.

mod comments;
mod discovery;
mod editorial;
mod loaders;
mod parse_cache;
mod query;
mod scalars;
mod types;

use actix_web::ResponseError;
use actix_web::{HttpResponse, guard, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};
use async_graphql_actix_web::GraphQLRequest;

use crate::auth::Actor;
use crate::service::ContentService;
use crate::service::editorial::EditorialService;
use crate::service::feeds::SiteSettings;
pub use loaders::Loaders;

/// The query root: public reads and the editorial queries.
#[derive(MergedObject, Default)]
pub struct Query(
    query::PublicQuery,
    discovery::DiscoveryQuery,
    comments::CommentQuery,
    editorial::EditorialQuery,
);

/// The mutation root: editorial writes and readers' view beacons.
#[derive(MergedObject, Default)]
pub struct Mutation(
    editorial::EditorialMutation,
    discovery::DiscoveryMutation,
    comments::CommentMutation,
);

pub type MastheadSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema without data: enough to print its SDL.
pub fn schema_builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(16)
        .limit_complexity(10_000)
}

pub fn schema(
    content: ContentService,
    editorial: EditorialService,
    comments: crate::service::comments::CommentService,
    site: SiteSettings,
) -> MastheadSchema {
    schema_builder()
        .extension(parse_cache::ParseCache::new(4 * 1024 * 1024))
        .data(content)
        .data(editorial)
        .data(comments)
        .data(site)
        .finish()
}

/// The SDL as checked in at `schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

async fn execute(
    schema: web::Data<MastheadSchema>,
    content: web::Data<ContentService>,
    req: actix_web::HttpRequest,
    actor: Actor,
    request: GraphQLRequest,
) -> HttpResponse {
    let request = request.into_inner();
    // Anonymous queries are answered from the response cache when the very same request was
    // answered moments ago; see `ContentService::cache_response` for how long that is.
    let key = if actor == Actor::Anonymous {
        response_cache_key(&request)
    } else {
        None
    };
    if let Some(body) = key.as_deref().and_then(|k| content.cached_response(k)) {
        return json_response(body.body.clone());
    }
    let key = key.filter(|_| is_read_only(&request.query));
    let loaders = Loaders::new(content.get_ref().clone());
    let mut request = request.data(loaders).data(actor);
    if let Some(addr) = req.peer_addr() {
        request = request.data(editorial::ClientAddress(addr.ip().to_string()));
    }
    request = request.data(discovery::ClientInfo {
        address: req.peer_addr().map(|a| a.ip()),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    });
    let response = schema.execute(request).await;
    let cacheable = response.is_ok();
    let body = match serde_json::to_vec(&response) {
        Ok(body) => body,
        Err(e) => return crate::error::AppError::internal(e).error_response(),
    };
    if let (Some(key), true) = (key, cacheable) {
        let body = std::sync::Arc::new(crate::service::Rendered::new(body.clone()));
        if let Err(e) = content.cache_response(key, body).await {
            tracing::debug!(error = %e, "response not cached");
        }
    }
    json_response(body)
}

fn json_response(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(body)
}

/// Only documents made of queries are cached (checked on a miss, before the first insert).
fn is_read_only(query: &str) -> bool {
    use async_graphql::parser::types::OperationType;
    async_graphql::parser::parse_query(query).is_ok_and(|doc| {
        doc.operations
            .iter()
            .all(|(_, op)| op.node.ty == OperationType::Query)
    })
}

/// The request as text: the same text gets the same response while the cache holds it.
fn response_cache_key(request: &async_graphql::Request) -> Option<String> {
    let variables = serde_json::to_string(&request.variables).ok()?;
    Some(format!(
        "graphql\0{}\0{}\0{}",
        request.operation_name.as_deref().unwrap_or(""),
        variables,
        request.query
    ))
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
