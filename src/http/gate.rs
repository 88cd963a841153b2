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

use super::edge::ClientAddr;
use crate::auth::{Actor, Resolved, TIERS, UserPrincipal};
use crate::error::AppError;
use crate::service::editorial::{EditorialService, KEY_PREFIX};

type LimiterOn<K, C> = RateLimiter<K, DefaultKeyedStateStore<K>, C, StateInformationMiddleware>;
type Limiter<K> = LimiterOn<K, DefaultClock>;

pub struct RateLimits {
    /// Requests per second from one address without a key; None: not limited.
    anonymous: Option<(u32, Limiter<IpAddr>)>,
    tiers: HashMap<&'static str, (u32, Limiter<i64>)>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_second: u32, burst: u32) -> Limiter<K> {
    limiter_on(per_second, burst, DefaultClock::default())
}

fn limiter_on<K: std::hash::Hash + Eq + Clone, C: Clock>(
    per_second: u32,
    burst: u32,
    clock: C,
) -> LimiterOn<K, C> {
    let per_second = NonZeroU32::new(per_second.max(1)).expect("positive");
    let burst = NonZeroU32::new(burst.max(1)).expect("positive");
    RateLimiter::dashmap_with_clock(Quota::per_second(per_second).allow_burst(burst), clock)
        .with_middleware::<StateInformationMiddleware>()
}

/// Forgets the keys whose quota has refilled: they are indistinguishable from keys never
/// seen, and without this a flood from many addresses would be kept forever.
fn prune<K: std::hash::Hash + Eq + Clone, C: Clock>(limiter: &LimiterOn<K, C>) {
    limiter.retain_recent();
    limiter.shrink_to_fit();
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

impl RateLimits {
    /// Drops what every limiter remembers of callers that are back to a full quota.
    pub fn prune(&self) {
        if let Some((_, l)) = &self.anonymous {
            prune(l);
        }
        for (_, l) in self.tiers.values() {
            prune(l);
        }
    }

    /// Keys remembered, for tests and metrics.
    pub fn remembered(&self) -> usize {
        self.anonymous.as_ref().map_or(0, |(_, l)| l.len())
            + self.tiers.values().map(|(_, l)| l.len()).sum::<usize>()
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

fn client_ip(req: &ServiceRequest) -> Option<IpAddr> {
    req.extensions()
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| req.peer_addr().map(|a| a.ip()))
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
        (_, Some(limits)) => match (&limits.anonymous, client_ip(&req)) {
            (Some((limit, l)), Some(ip)) => Some(check(*limit, l, &ip)),
            _ => None,
        },
        _ => None,
    };
    // The editorial API is behind a token: asked without one, it says so before it reads
    // anything else of the request.
    if matches!(resolved, Resolved::Actor(Actor::Anonymous)) && req.path().starts_with("/v1/editor/") {
        let response =
            AppError::unauthenticated("this route needs an access token: send Authorization: Bearer <token>")
                .error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    #[test]
    fn a_flood_from_many_addresses_is_forgotten_once_their_quota_refills() {
        let clock = FakeRelativeClock::default();
        let limiter: LimiterOn<u32, _> = limiter_on(10, 20, clock.clone());
        for key in 0..100_000u32 {
            assert!(limiter.check_key(&key).is_ok());
        }
        assert_eq!(limiter.len(), 100_000);
        prune(&limiter);
        assert_eq!(limiter.len(), 100_000, "quotas still draining are kept");
        clock.advance(Duration::from_secs(3));
        prune(&limiter);
        assert_eq!(limiter.len(), 0);
    }
}
