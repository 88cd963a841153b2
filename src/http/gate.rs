//! The gate every request passes: it works out who is calling (an access token, a partner
//! key, or nobody) and applies rate limits — per key by its tier, per address for anonymous
//! callers. Signed-in editors are not limited here; sign-in itself is (see the service).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::auth::{Actor, Resolved, TIERS, UserPrincipal};
use crate::error::AppError;
use crate::service::editorial::{EditorialService, KEY_PREFIX};

type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

pub struct RateLimits {
    /// Requests per second from one address without a key; None: not limited.
    anonymous: Option<(u32, Limiter<IpAddr>)>,
    tiers: HashMap<&'static str, (u32, Limiter<i64>)>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_second: u32, burst: u32) -> Limiter<K> {
    let per_second = NonZeroU32::new(per_second.max(1)).expect("positive");
    let burst = NonZeroU32::new(burst.max(1)).expect("positive");
    RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))
        .with_middleware::<StateInformationMiddleware>()
}

impl RateLimits {
    /// `anonymous_per_second` 0 turns the per-address limit off.
    pub fn new(anonymous_per_second: u32) -> RateLimits {
        RateLimits {
            anonymous: (anonymous_per_second > 0).then(|| {
                (
                    anonymous_per_second,
                    limiter(anonymous_per_second, anonymous_per_second * 2),
                )
            }),
            tiers: TIERS
                .iter()
                .map(|(name, rate, burst)| (*name, (*rate, limiter(*rate, *burst))))
                .collect(),
        }
    }
}

/// The outcome of a limit check, as headers (IETF RateLimit fields).
struct Quotum {
    limit: u32,
    remaining: u32,
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limit: u32,
    limiter: &Limiter<K>,
    key: &K,
) -> Result<Quotum, (Quotum, u64)> {
    match limiter.check_key(key) {
        Ok(snapshot) => Ok(Quotum {
            limit,
            remaining: snapshot.remaining_burst_capacity(),
        }),
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Err((Quotum { limit, remaining: 0 }, wait.as_secs().max(1)))
        }
    }
}

fn presented(req: &ServiceRequest) -> Option<String> {
    if let Some(key) = req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(key.trim().to_owned());
    }
    let auth = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn resolve(req: &ServiceRequest, editorial: &EditorialService) -> Result<Resolved, AppError> {
    let Some(credential) = presented(req) else {
        return Ok(Resolved::Actor(Actor::Anonymous));
    };
    if credential.starts_with(KEY_PREFIX) {
        return Ok(match editorial.authenticate_key(&credential).await? {
            Some(key) => Resolved::Actor(Actor::Key(key)),
            None => Resolved::Invalid("the API key is unknown or revoked".into()),
        });
    }
    Ok(match editorial.tokens().verify_access(&credential) {
        Ok(claims) => match claims.sub.parse() {
            Ok(id) => Resolved::Actor(Actor::User(UserPrincipal {
                id,
                role: claims.role,
            })),
            Err(_) => Resolved::Invalid("the token is invalid or has expired".into()),
        },
        Err(e) => Resolved::Invalid(e.to_string()),
    })
}

pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let editorial = req.app_data::<web::Data<EditorialService>>().cloned();
    let limits = req.app_data::<web::Data<RateLimits>>().cloned();
    let resolved = match &editorial {
        Some(editorial) => match resolve(&req, editorial).await {
            Ok(r) => r,
            Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
        },
        None => Resolved::Actor(Actor::Anonymous),
    };
    let outcome = match (&resolved, &limits) {
        (Resolved::Actor(Actor::Key(key)), Some(limits)) => limits
            .tiers
            .get(key.tier.as_str())
            .map(|(limit, l)| check(*limit, l, &key.id)),
        (Resolved::Actor(Actor::User(_)), _) => None,
        (_, Some(limits)) => match (&limits.anonymous, req.peer_addr()) {
            (Some((limit, l)), Some(addr)) => Some(check(*limit, l, &addr.ip())),
            _ => None,
        },
        _ => None,
    };
    req.extensions_mut().insert(resolved);
    let quotum = match outcome {
        Some(Err((quotum, retry_after))) => {
            let mut response = AppError::RateLimited {
                retry_after_seconds: retry_after,
            }
            .error_response();
            add_headers(&mut response, &quotum, retry_after);
            return Ok(req.into_response(response).map_into_right_body());
        }
        Some(Ok(quotum)) => Some(quotum),
        None => None,
    };
    let mut response = next.call(req).await?.map_into_left_body();
    if let Some(quotum) = quotum {
        add_headers(response.response_mut(), &quotum, 1);
    }
    Ok(response)
}

fn add_headers<B>(response: &mut actix_web::HttpResponse<B>, quotum: &Quotum, reset: u64) {
    use actix_web::http::header::{HeaderName, HeaderValue};
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", quotum.limit.to_string()),
        ("ratelimit-remaining", quotum.remaining.to_string()),
        ("ratelimit-reset", reset.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
}
