//! The edge every request crosses before routing: where input that no handler should ever
//! see is refused once (oversized bodies, control characters in paths and query strings),
//! where the client's address is worked out (forwarded headers are believed only from
//! configured proxies), where HEAD is answered as GET, and where the security headers every
//! response carries are added.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, ResponseError, web};
use ipnet::IpNet;

use crate::error::AppError;

/// What the edge enforces; one per server.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    /// The largest request body accepted on any route, in bytes.
    pub max_body_bytes: usize,
    /// Proxies whose `Forwarded`/`X-Forwarded-For` headers are believed; nobody's by default.
    pub trusted_proxies: Vec<IpNet>,
    /// `Strict-Transport-Security` max-age in seconds; none (the header is not sent) for a
    /// server reached over plain HTTP.
    pub hsts_max_age: Option<u64>,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        EdgeSettings {
            max_body_bytes: 1024 * 1024,
            trusted_proxies: Vec::new(),
            hsts_max_age: None,
        }
    }
}

impl EdgeSettings {
    /// Parses a comma-separated list of addresses and CIDR blocks (`10.0.0.0/8, ::1`).
    pub fn parse_proxies(raw: &str) -> Result<Vec<IpNet>, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                IpNet::from_str(s)
                    .or_else(|_| IpAddr::from_str(s).map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))
            })
            .collect()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }
}

/// The address a request came from, as far as the configured proxies tell.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// The client's address: the one the edge worked out, or the TCP peer.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    req.extensions()
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| req.peer_addr().map(|a| canonical(a.ip())))
}

/// `::ffff:1.2.3.4` is 1.2.3.4: one reader, one key, whichever stack accepted the socket.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Walks the forwarded chain from the nearest hop outwards and takes the first address that
/// is not one of our proxies: everything further out was written by the client and proves
/// nothing.
fn forwarded_client(req: &ServiceRequest, settings: &EdgeSettings, peer: IpAddr) -> IpAddr {
    if !settings.trusts(peer) {
        return peer;
    }
    let mut chain: Vec<IpAddr> = Vec::new();
    let forwarded = req.headers().get_all(header::FORWARDED);
    for value in forwarded.filter_map(|v| v.to_str().ok()) {
        for element in value.split(',') {
            for pair in element.split(';') {
                let Some((name, node)) = pair.trim().split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("for")
                    && let Some(ip) = parse_node(node.trim())
                {
                    chain.push(ip);
                }
            }
        }
    }
    if chain.is_empty() {
        for value in req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
        {
            chain.extend(value.split(',').filter_map(|s| parse_node(s.trim())));
        }
    }
    for ip in chain.into_iter().rev() {
        if !settings.trusts(ip) {
            return canonical(ip);
        }
    }
    peer
}

/// A node of `Forwarded` (`192.0.2.1`, `"[2001:db8::1]:4711"`) or `X-Forwarded-For`.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim_matches('"');
    if let Ok(ip) = IpAddr::from_str(raw) {
        return Some(ip);
    }
    if let Some(rest) = raw.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| IpAddr::from_str(ip).ok());
    }
    raw.rsplit_once(':')
        .and_then(|(ip, _port)| std::net::Ipv4Addr::from_str(ip).ok())
        .map(IpAddr::V4)
}

pub use crate::content::controls::forbidden_in;

pub fn control_message(name: &str, c: char) -> String {
    crate::content::controls::message(name, c)
}

/// The path and every query parameter, decoded, free of control characters.
fn check_target(req: &ServiceRequest) -> Result<(), AppError> {
    let path = percent_encoding::percent_decode_str(req.path()).decode_utf8_lossy();
    if let Some(c) = forbidden_in(&path) {
        return Err(AppError::invalid("path", control_message("the path", c)));
    }
    let query = req.query_string();
    if !query.is_empty() {
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if let Some(c) = forbidden_in(&name) {
                return Err(AppError::invalid("query", control_message("a parameter name", c)));
            }
            if let Some(c) = forbidden_in(&value) {
                return Err(AppError::invalid(name.to_string(), control_message(&name, c)));
            }
        }
    }
    Ok(())
}

fn declared_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

pub async fn edge(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Shared, not copied, on every request.
    let settings = req
        .app_data::<web::Data<EdgeSettings>>()
        .cloned()
        .unwrap_or_else(|| web::Data::new(EdgeSettings::default()));
    // HEAD is GET without the body: the connection already knows the request was HEAD and
    // sends no body, so every GET route answers it with the very same headers.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    if let Some(peer) = req.peer_addr().map(|a| canonical(a.ip())) {
        let client = forwarded_client(&req, &settings, peer);
        req.extensions_mut().insert(ClientAddr(client));
    }
    let refused = match declared_length(&req) {
        Some(length) if length > settings.max_body_bytes as u64 => Some(AppError::PayloadTooLarge {
            limit: settings.max_body_bytes,
        }),
        _ => check_target(&req).err(),
    };
    let mut response = match refused {
        Some(error) => {
            let response = error.error_response();
            req.into_response(response).map_into_right_body()
        }
        None => next.call(req).await?.map_into_left_body(),
    };
    secure(response.headers_mut(), &settings);
    Ok(response)
}

fn secure(headers: &mut header::HeaderMap, settings: &EdgeSettings) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        // Nothing Masthead answers is a page to run scripts in (GraphiQL sets its own).
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    if let Some(max_age) = settings.hsts_max_age
        && let Ok(value) = HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains"))
    {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
    }
}

/// One `Vary` per response, each name once: the handler, compression and CORS each add the
/// names they depend on, and a cache reading two `Vary` lines may honour only one.
pub async fn merge_vary(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let mut names: Vec<String> = Vec::new();
    for value in headers.get_all(header::VARY).filter_map(|v| v.to_str().ok()) {
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name.to_owned());
            }
        }
    }
    if !names.is_empty()
        && let Ok(value) = HeaderValue::from_str(&names.join(", "))
    {
        headers.insert(header::VARY, value);
    }
    Ok(response)
}

/// The routes there are, by path template, for telling a wrong method (405 with `Allow`)
/// from a path that does not exist (404).
struct RouteTable {
    routes: Vec<(actix_web::dev::ResourceDef, Vec<Method>)>,
}

fn route_table() -> &'static RouteTable {
    static TABLE: std::sync::OnceLock<RouteTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let doc = serde_json::to_value(super::openapi()).unwrap_or_default();
        let mut routes: Vec<(actix_web::dev::ResourceDef, Vec<Method>)> = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (name, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = Method::from_bytes(name.to_ascii_uppercase().as_bytes()) else {
                    continue;
                };
                // An integer in the path matches digits only, as the route does: `bulk`
                // is not a comment id.
                let mut pattern = path.clone();
                for param in op["parameters"].as_array().into_iter().flatten() {
                    if param["in"] == "path" && param["schema"]["type"] == "integer" {
                        let name = param["name"].as_str().unwrap_or_default();
                        pattern = pattern.replace(&format!("{{{name}}}"), &format!("{{{name}:\\d+}}"));
                    }
                }
                routes.push((actix_web::dev::ResourceDef::new(pattern), vec![method]));
            }
        }
        routes.push((
            actix_web::dev::ResourceDef::new("/graphql"),
            vec![Method::GET, Method::POST],
        ));
        RouteTable { routes }
    })
}

/// The methods a path answers, when it exists.
pub fn allowed_methods(path: &str) -> Option<Vec<Method>> {
    let mut methods: Vec<Method> = route_table()
        .routes
        .iter()
        .filter(|(def, _)| def.is_match(path))
        .flat_map(|(_, m)| m.iter().cloned())
        .collect();
    if methods.is_empty() {
        return None;
    }
    if methods.contains(&Method::GET) {
        methods.push(Method::HEAD);
    }
    methods.sort_by_key(|m| m.to_string());
    methods.dedup();
    Some(methods)
}

/// 405 naming the methods the path does answer.
pub fn method_not_allowed(method: &Method, allowed: &[Method]) -> actix_web::HttpResponse {
    let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    let mut response = AppError::MethodNotAllowed {
        method: method.to_string(),
        allowed: allow.clone(),
    }
    .error_response();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    debug_assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    response
}

/// Reads a request body, refusing it once it passes the limit.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: actix_web::dev::Payload,
) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let limit = req
        .app_data::<web::Data<EdgeSettings>>()
        .map_or(EdgeSettings::default().max_body_bytes, |s| s.max_body_bytes);
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::invalid("body", format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_parse_as_addresses_and_blocks() {
        let nets = EdgeSettings::parse_proxies("10.0.0.0/8, 127.0.0.1,::1").expect("parse");
        assert_eq!(nets.len(), 3);
        assert!(EdgeSettings::parse_proxies("10.0.0.0/8,evil").is_err());
        let settings = EdgeSettings {
            trusted_proxies: nets,
            ..EdgeSettings::default()
        };
        assert!(settings.trusts("10.1.2.3".parse().expect("ip")));
        assert!(settings.trusts("::ffff:127.0.0.1".parse().expect("ip")));
        assert!(!settings.trusts("192.0.2.1".parse().expect("ip")));
    }

    #[test]
    fn forwarded_nodes_parse_with_ports_and_brackets() {
        assert_eq!(parse_node("192.0.2.60"), "192.0.2.60".parse().ok());
        assert_eq!(
            parse_node("\"[2001:db8:cafe::17]:4711\""),
            "2001:db8:cafe::17".parse().ok()
        );
        assert_eq!(parse_node("192.0.2.60:8080"), "192.0.2.60".parse().ok());
        assert_eq!(parse_node("unknown"), None);
        assert_eq!(parse_node("_hidden"), None);
    }
}
