//! Sign-in, refresh tokens and the token attacks the verifier must refuse.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use masthead::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Content, PASSWORD, TEST_SECRET, TestApp, spawn_app};

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut base = json!({
        "sub": "1", "role": "admin", "iat": now, "nbf": now, "exp": now + 600,
        "iss": "masthead", "aud": "masthead-editorial", "jti": "x"
    });
    for (k, v) in overrides.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn sign(alg: Algorithm, kid: Option<String>, key: &[u8], claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid;
    encode(&header, claims, &EncodingKey::from_secret(key)).unwrap()
}

fn kid() -> Option<String> {
    Some(masthead::auth::keys::kid_of(TEST_SECRET.as_bytes()))
}

fn b64(v: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn me_status(app: &TestApp, token: &str) -> (u16, Value) {
    app.call(Method::GET, "/v1/auth/me", Some(token), None).await
}

#[tokio::test]
async fn a_valid_token_works_and_every_forged_one_gets_401() {
    let app = spawn_app(Content::Empty).await;
    let good = app.sign_in_as("admin@example.org", Role::Admin).await;
    let (status, me) = me_status(&app, &good).await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "admin");
    let user_id = me["id"].as_i64().unwrap().to_string();

    let valid = claims(json!({ "sub": user_id }));
    let header_none = json!({ "alg": "none", "typ": "JWT", "kid": kid() });
    let attacks = [
        ("alg none", format!("{}.{}.", b64(&header_none), b64(&valid))),
        (
            "wrong key",
            sign(
                Algorithm::HS256,
                kid(),
                b"a-completely-different-secret-key!!!",
                &valid,
            ),
        ),
        (
            "unknown kid",
            sign(
                Algorithm::HS256,
                Some("deadbeef".into()),
                TEST_SECRET.as_bytes(),
                &valid,
            ),
        ),
        (
            "no kid",
            sign(Algorithm::HS256, None, TEST_SECRET.as_bytes(), &valid),
        ),
        ("HS/RS confusion", {
            let header = json!({ "alg": "RS256", "typ": "JWT", "kid": kid() });
            let forged = sign(Algorithm::HS256, kid(), TEST_SECRET.as_bytes(), &valid);
            let sig = forged.rsplit('.').next().unwrap().to_owned();
            format!("{}.{}.{sig}", b64(&header), b64(&valid))
        }),
        (
            "HS512 instead of HS256",
            sign(Algorithm::HS512, kid(), TEST_SECRET.as_bytes(), &valid),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                kid(),
                TEST_SECRET.as_bytes(),
                &claims(json!({ "sub": user_id, "exp": 1_000_000_000 })),
            ),
        ),
        (
            "not yet valid",
            sign(
                Algorithm::HS256,
                kid(),
                TEST_SECRET.as_bytes(),
                &claims(json!({ "sub": user_id, "nbf": 4_000_000_000i64, "exp": 4_000_000_600i64 })),
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::HS256,
                kid(),
                TEST_SECRET.as_bytes(),
                &claims(json!({ "sub": user_id, "iss": "someone-else" })),
            ),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::HS256,
                kid(),
                TEST_SECRET.as_bytes(),
                &claims(json!({ "sub": user_id, "aud": "masthead-preview" })),
            ),
        ),
        ("tampered payload", {
            let parts: Vec<&str> = good.split('.').collect();
            let elevated = claims(json!({ "sub": "999" }));
            format!("{}.{}.{}", parts[0], b64(&elevated), parts[2])
        }),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, token) in attacks {
        let (status, body) = me_status(&app, &token).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["code"], "unauthenticated", "{name}");
        let res = app.graphql_as(Some(&token), "{ me { email } }", json!({})).await;
        assert!(
            res["data"].is_null() || res["data"]["me"].is_null(),
            "{name} over GraphQL: {res}"
        );
    }
}

#[tokio::test]
async fn refresh_rotates_and_reusing_a_spent_token_revokes_the_chain() {
    let app = spawn_app(Content::Empty).await;
    app.sign_in_as("ed@example.org", Role::Editor).await;
    let (_, first) = app
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({ "email": "ed@example.org", "password": PASSWORD })),
        )
        .await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();

    let (status, second) = app
        .call(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": r1 })),
        )
        .await;
    assert_eq!(status, 200);
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(
        me_status(&app, second["access_token"].as_str().unwrap()).await.0,
        200
    );

    // The spent one is refused, and presenting it revokes its successor too.
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": r1 })),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": r2 })),
        )
        .await;
    assert_eq!(status, 401, "the whole chain is revoked after a reuse");
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app(Content::Empty).await;
    app.sign_in_as("a@example.org", Role::Author).await;
    let (_, pair) = app
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({ "email": "a@example.org", "password": PASSWORD })),
        )
        .await;
    let refresh = pair["refresh_token"].as_str().unwrap();

    let (status, _) = app
        .call(
            Method::POST,
            "/v1/auth/logout",
            None,
            Some(json!({ "refresh_token": refresh })),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": refresh })),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_wrong_email_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app(Content::Empty).await;
    app.sign_in_as("real@example.org", Role::Editor).await;

    let (s1, b1) = app
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({ "email": "real@example.org", "password": "wrong password!!" })),
        )
        .await;
    let (s2, b2) = app
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({ "email": "nobody@example.org", "password": "wrong password!!" })),
        )
        .await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(b1, b2);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account() {
    let app = spawn_app(Content::Empty).await;
    app.sign_in_as("target@example.org", Role::Editor).await;

    let mut limited = None;
    for _ in 0..8 {
        let res = app
            .client
            .post(format!("{}/v1/auth/token", app.address))
            .json(&json!({ "email": "target@example.org", "password": "guess guess guess" }))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), 401);
    }
    let res = limited.expect("the sixth attempt within a minute is refused");
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
}

#[tokio::test]
async fn disabled_users_lose_access_at_once() {
    let app = spawn_app(Content::Empty).await;
    let admin = app.sign_in_as("root@example.org", Role::Admin).await;
    let author = app.sign_in_as("gone@example.org", Role::Author).await;
    let (_, me) = me_status(&app, &author).await;

    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/editor/users/{}", me["id"]),
            Some(&admin),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(me_status(&app, &author).await.0, 401);
}
