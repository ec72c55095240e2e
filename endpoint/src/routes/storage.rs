//! `GET /_storage/{id}?expires=…&signature=…`: the image bytes behind a signed URL.
//! Like a presigned S3 URL it needs no token; the signature is the permission.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::connection::{drop_connection, ConnectionAbort};
use crate::faults::{Action, Route};
use crate::media::is_fhir_id;
use crate::outcome::Outcome;
use crate::signing::now_unix;
use crate::state::AppState;

pub async fn signed_content(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    abort: Option<Extension<ConnectionAbort>>,
) -> Response {
    let plan = state.faults().plan(Route::Storage);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    match plan.action {
        Action::None => {}
        Action::Fail(failure) => return failure.into_outcome().into_response(),
        Action::Drop(_) => {
            state.stats().dropped(false);
            return drop_connection(&state, abort.map(|Extension(a)| a), "GET /_storage/{id}")
                .await;
        }
    }
    match serve_bytes(&state, path, query.as_deref()).await {
        Ok(response) => response,
        Err(outcome) => outcome.into_response(),
    }
}

async fn serve_bytes(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    query: Option<&str>,
) -> Result<Response, Outcome> {
    let refused = || {
        Outcome::forbidden(
            "This storage URL is invalid or has expired; request the Media's content.url again (with the token) for a fresh one.",
        )
    };
    let id = match path {
        Ok(Path(id)) if is_fhir_id(&id) => id,
        _ => return Err(refused()),
    };
    let mut expires = None;
    let mut signature = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "expires" => expires = Some(value.into_owned()),
            "signature" => signature = Some(value.into_owned()),
            _ => {}
        }
    }
    let expires_at = expires.as_deref().and_then(|e| e.parse::<u64>().ok());
    state
        .signer()
        .verify(&id, expires.as_deref(), signature.as_deref())
        .map_err(|_| refused())?;
    let lookup = id.clone();
    let (content_type, bytes) = state
        .db(move |store| store.content(&lookup))
        .await?
        .ok_or_else(|| Outcome::unknown_media(&id))?;
    let content_type = HeaderValue::from_str(&content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    // Cacheable by the browser only until the URL itself expires.
    let max_age = expires_at.unwrap_or(0).saturating_sub(now_unix());
    let cache = HeaderValue::from_str(&format!("private, max-age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("no-store"));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
}
