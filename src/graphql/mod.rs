//! The GraphQL adapter over the same service as REST. Resolvers call service methods; the
//! relations of articles go through per-request dataloaders so lists cost a fixed number of
//! statements.

mod comments;
mod discovery;
mod editorial;
mod explorer;
pub mod limits;
mod loaders;
mod parse_cache;
pub mod persisted;
mod query;
mod scalars;
mod subscriptions;
mod sync;
mod types;

use actix_web::ResponseError;
use actix_web::{HttpResponse, guard, web};
use async_graphql::{MergedObject, Schema, SchemaBuilder};

use crate::auth::Actor;
use crate::service::editorial::EditorialService;
use crate::service::feeds::SiteSettings;
use crate::service::{ContentService, Depends, ResponseKey, Scope};
pub use loaders::Loaders;
pub use parse_cache::ParseCache;
pub use persisted::{PersistedQueries, PersistedSettings};

/// The query root: public reads and the editorial queries.
#[derive(MergedObject, Default)]
pub struct Query(
    query::PublicQuery,
    discovery::DiscoveryQuery,
    discovery::RedirectQuery,
    comments::CommentQuery,
    editorial::EditorialQuery,
    sync::SyncQuery,
);

/// The mutation root: editorial writes and readers' view beacons.
#[derive(MergedObject, Default)]
pub struct Mutation(
    editorial::EditorialMutation,
    discovery::DiscoveryMutation,
    comments::CommentMutation,
);

pub type MastheadSchema = Schema<Query, Mutation, subscriptions::Subscription>;

/// The schema without data: enough to print its SDL.
pub fn schema_builder() -> SchemaBuilder<Query, Mutation, subscriptions::Subscription> {
    Schema::build(Query::default(), Mutation::default(), subscriptions::Subscription)
}

pub fn schema(
    content: ContentService,
    editorial: EditorialService,
    comments: crate::service::comments::CommentService,
    site: SiteSettings,
    limits: limits::GraphqlLimits,
    documents: ParseCache,
) -> MastheadSchema {
    schema_builder()
        // The guard first: a document the parse cache already holds is still counted and
        // its strings checked.
        .extension(limits::Guard(limits))
        .extension(documents)
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

/// What a client sent, read as the GraphQL-over-HTTP spec says: a GET carries the request
/// in its query string, a POST as a JSON object.
async fn read_request(
    req: &actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<async_graphql::Request, RequestError> {
    if req.method() == actix_web::http::Method::GET {
        #[derive(serde::Deserialize)]
        struct Params {
            query: Option<String>,
            #[serde(rename = "operationName")]
            operation_name: Option<String>,
            variables: Option<String>,
            extensions: Option<String>,
        }
        let params: Params = serde_urlencoded::from_str(req.query_string())
            .map_err(|e| RequestError::bad(format!("the query string could not be read: {e}")))?;
        let mut request = async_graphql::Request::new(params.query.unwrap_or_default());
        if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
            request = request.operation_name(name);
        }
        if let Some(raw) = params.variables.filter(|v| !v.is_empty()) {
            let variables: async_graphql::Variables = serde_json::from_str(&raw)
                .map_err(|e| RequestError::bad(format!("variables is not a JSON object: {e}")))?;
            request = request.variables(variables);
        }
        if let Some(raw) = params.extensions.filter(|v| !v.is_empty()) {
            request.extensions = serde_json::from_str(&raw)
                .map_err(|e| RequestError::bad(format!("extensions is not a JSON object: {e}")))?;
        }
        if request.query.trim().is_empty() && !names_persisted_query(&request) {
            return Err(RequestError::bad(
                "a GET request carries the GraphQL document in the query parameter, or names a persisted one in extensions",
            ));
        }
        return Ok(request);
    }
    crate::http::require_json(req).map_err(RequestError::Http)?;
    let body = crate::http::edge::read_body(req, payload.into_inner())
        .await
        .map_err(RequestError::Http)?;
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| RequestError::bad(format!("the body is not valid JSON: {e}")))?;
    let persisted = value
        .get("extensions")
        .is_some_and(|e| e.get("persistedQuery").is_some());
    match value.get("query") {
        Some(serde_json::Value::String(q)) if !q.trim().is_empty() => {}
        None if persisted => {}
        _ => {
            return Err(RequestError::bad(
                "the body is a JSON object whose query is the GraphQL document",
            ));
        }
    }
    serde_json::from_value(value)
        .map_err(|e| RequestError::bad(format!("the request could not be read: {e}")))
}

fn names_persisted_query(request: &async_graphql::Request) -> bool {
    request.extensions.contains_key("persistedQuery")
}

enum RequestError {
    /// Refused before it was read as GraphQL (size, media type): a problem document.
    Http(crate::error::AppError),
    /// Read, but not a GraphQL request.
    Bad(String),
}

impl RequestError {
    fn bad(message: impl Into<String>) -> RequestError {
        RequestError::Bad(message.into())
    }
}

/// The media type the client asked for: `application/graphql-response+json` when it names
/// it (urql, Apollo Client 4), otherwise plain JSON.
fn wants_graphql_response(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/graphql-response+json"))
}

fn media_type(graphql_response: bool) -> &'static str {
    if graphql_response {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json"
    }
}

/// A request that never ran: `errors` alone, no `data` (GraphQL over HTTP, 6.4.1).
fn request_failed(
    status: actix_web::http::StatusCode,
    graphql_response: bool,
    errors: serde_json::Value,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(media_type(graphql_response))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(serde_json::json!({ "errors": errors }).to_string())
}

/// The kind of operation the request will run (none when the name matches nothing or is
/// needed and missing); `Err` when the document does not parse.
fn operation_type(
    request: &async_graphql::Request,
    documents: &ParseCache,
) -> Result<Option<async_graphql::parser::types::OperationType>, ()> {
    let doc = documents.parse(&request.query).map_err(|_| ())?;
    let mut operations = doc.operations.iter();
    Ok(match request.operation_name.as_deref() {
        Some(name) => operations
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| op.node.ty),
        None => match operations.next() {
            Some((_, first)) => operations.next().is_none().then_some(first.node.ty),
            None => None,
        },
    })
}

async fn execute(
    schema: web::Data<MastheadSchema>,
    documents: web::Data<ParseCache>,
    persisted: web::Data<PersistedQueries>,
    content: web::Data<ContentService>,
    req: actix_web::HttpRequest,
    actor: Actor,
    payload: web::Payload,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    use async_graphql::parser::types::OperationType;
    let graphql_response = wants_graphql_response(&req);
    let mut request = match read_request(&req, payload).await {
        Ok(request) => request,
        Err(RequestError::Http(e)) => return e.error_response(),
        Err(RequestError::Bad(message)) => {
            return request_failed(
                StatusCode::BAD_REQUEST,
                graphql_response,
                serde_json::json!([{ "message": message, "extensions": { "code": "BAD_REQUEST" } }]),
            );
        }
    };
    let mut learn = match persisted.resolve(&mut request) {
        Ok(learn) => learn,
        Err(refusal) => {
            // Apollo's link retries with the document on this error, and gives up on
            // persisted queries altogether when it comes with a 400.
            let status = if refusal == persisted::Refusal::NotFound {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            return request_failed(
                status,
                graphql_response,
                serde_json::json!([{ "message": refusal.message(), "extensions": { "code": refusal.code() } }]),
            );
        }
    };
    // Anonymous queries are answered from the response cache when the very same request was
    // answered moments ago (see `service::responses`). Only queries are ever stored, so a hit
    // needs no parse to know it is one.
    let key = (actor == Actor::Anonymous)
        .then(|| response_cache_key(&request))
        .flatten();
    if let Some(key) = &key
        && let Some(rendered) = content.cached_response(key).await
    {
        // Answered before, so it parses.
        if let Some(hash) = learn.take() {
            persisted.remember(hash, &request.query);
        }
        return shared_response(&req, &rendered, graphql_response, key.scope());
    }
    let parsed = operation_type(&request, &documents);
    let parses = parsed.is_ok();
    if let Some(hash) = learn.filter(|_| parses) {
        persisted.remember(hash, &request.query);
    }
    let operation = parsed.ok().flatten();
    // GET is safe by definition: a mutation over it would sign in from a link, and leave
    // credentials in logs and browser history (GraphQL over HTTP, 7.1).
    if req.method() == actix_web::http::Method::GET
        && matches!(
            operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        let mut response = request_failed(
            StatusCode::METHOD_NOT_ALLOWED,
            graphql_response,
            serde_json::json!([{
                "message": "mutations are sent with POST",
                "extensions": { "code": "METHOD_NOT_ALLOWED" }
            }]),
        );
        response.headers_mut().insert(
            actix_web::http::header::ALLOW,
            actix_web::http::header::HeaderValue::from_static("POST"),
        );
        return response;
    }
    let key = key.filter(|_| operation == Some(OperationType::Query));
    let ticket = content.response_ticket();
    let loaders = Loaders::new(content.get_ref().clone());
    let mut request = request.data(loaders).data(actor);
    let address = crate::http::edge::client_ip(&req);
    if let Some(ip) = address {
        request = request.data(editorial::ClientAddress(ip.to_string()));
    }
    request = request.data(discovery::ClientInfo {
        address,
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    });
    let response = schema.execute(request).await;
    // Refused before it ran (parse, validation, variables, limits): no `data`, and a 4xx
    // for clients that asked for the GraphQL response media type.
    if response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
    {
        let status = if graphql_response {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        // async-graphql's own parse and validation errors carry no code; clients branch on one.
        let fallback = if !parses {
            "GRAPHQL_PARSE_FAILED"
        } else {
            "GRAPHQL_VALIDATION_FAILED"
        };
        let mut errors = response.errors;
        for error in &mut errors {
            let extensions = error.extensions.get_or_insert_with(Default::default);
            if extensions.get("code").is_none() {
                extensions.set("code", fallback);
            }
        }
        let errors = serde_json::to_value(&errors).unwrap_or_default();
        return request_failed(status, graphql_response, errors);
    }
    // A comment form's token is fresh per request; a response holding one is never shared.
    let cacheable = key.is_some() && response.is_ok() && response.cache_control.max_age != -1;
    let body = match serde_json::to_vec(&response) {
        Ok(body) => body,
        Err(e) => return crate::error::AppError::internal(e).error_response(),
    };
    match key.filter(|_| cacheable) {
        Some(key) => {
            let scope = key.scope();
            let rendered = std::sync::Arc::new(crate::service::Rendered::new(body));
            if let Err(e) = content.keep_response(key, rendered.clone(), ticket).await {
                tracing::debug!(error = %e, "response not cached");
            }
            shared_response(&req, &rendered, graphql_response, scope)
        }
        None => HttpResponse::Ok()
            .content_type(media_type(graphql_response))
            // Personal, or holding a fresh form token: no shared cache may keep it.
            .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
            .body(body),
    }
}

/// An anonymous query's response, the same for every reader: over GET it carries the same
/// validators and lifetime as REST, so browsers, apps and CDNs can keep it; a POST is not
/// kept by HTTP caches and gets the bytes alone.
fn shared_response(
    req: &actix_web::HttpRequest,
    rendered: &crate::service::Rendered,
    graphql_response: bool,
    scope: Scope,
) -> HttpResponse {
    if req.method() == actix_web::http::Method::GET {
        return crate::http::cached_response(req, rendered, media_type(graphql_response), scope);
    }
    HttpResponse::Ok()
        .content_type(media_type(graphql_response))
        .body(rendered.body.clone())
}

/// The request as text: the same text gets the same response while the cache holds it.
/// What the answer depends on is read off the text, erring on the side of more: a query
/// naming comments or popular articles is forgotten when those change too.
fn response_cache_key(request: &async_graphql::Request) -> Option<ResponseKey> {
    let variables = serde_json::to_string(&request.variables).ok()?;
    let depends = Depends {
        comments: request.query.contains("comment"),
        views: request.query.contains("popular"),
    };
    let text = format!(
        "graphql\0{}\0{}\0{}",
        request.operation_name.as_deref().unwrap_or(""),
        variables,
        request.query
    );
    Some(ResponseKey::new(text, Scope::Graphql(depends)))
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

/// Subscriptions over WebSocket (`graphql-transport-ws`, and the older `graphql-ws`).
async fn subscribe(
    schema: web::Data<MastheadSchema>,
    content: web::Data<ContentService>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let mut data = async_graphql::Data::default();
    data.insert(Loaders::new(content.get_ref().clone()));
    async_graphql_actix_web::GraphQLSubscription::new(schema.get_ref().clone())
        .with_data(data)
        .start(&req, payload)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql/assets/{name}", web::get().to(explorer::asset));
    cfg.route("/graphql/ws", web::get().to(subscribe));
    cfg.service(
        web::resource("/graphql")
            .route(
                web::get()
                    .guard(guard::fn_guard(is_browser_visit))
                    .to(explorer::page),
            )
            .route(web::get().to(execute))
            .route(web::post().to(execute))
            .default_service(web::to(crate::http::not_found)),
    );
}
