//! Dev-only admin API (mounted only with `--dev`, behind the admin token): counters,
//! fault injection and a full reset, so reliability tests can set up and check a scenario.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use super::fallback::method_not_allowed;
use crate::faults::FaultSpec;
use crate::outcome::{json_response, Outcome};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_admin/stats", get(stats).fallback(method_not_allowed))
        .route(
            "/_admin/faults",
            get(current_faults)
                .post(set_faults)
                .delete(clear_faults)
                .fallback(method_not_allowed),
        )
        .route("/_admin/reset", post(reset).fallback(method_not_allowed))
}

async fn stats(State(state): State<AppState>) -> Response {
    json_response(&state.stats().snapshot())
}

async fn current_faults(State(state): State<AppState>) -> Response {
    json_response(&state.faults().current())
}

/// Replaces the active faults; an empty body or `{}` clears them.
async fn set_faults(State(state): State<AppState>, body: Bytes) -> Response {
    let spec = if body.iter().all(u8::is_ascii_whitespace) {
        Ok(FaultSpec::default())
    } else {
        serde_json::from_slice::<FaultSpec>(&body)
    };
    let spec = match spec {
        Ok(spec) => spec,
        Err(err) => {
            return Outcome::invalid(format!(
                "The fault settings are not valid ({err}). Example: {{\"delayMs\": 300, \
                 \"failNext\": {{\"count\": 3, \"status\": 503, \"retryAfter\": 1}}, \
                 \"dropNext\": {{\"count\": 2, \"when\": \"before-commit\"}}}}"
            ))
            .into_response()
        }
    };
    match state.faults().set(spec) {
        Ok(active) => json_response(&active),
        Err(err) => {
            Outcome::invalid(format!("The fault settings are not valid: {err}.")).into_response()
        }
    }
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    state.faults().clear();
    json_response(&state.faults().current())
}

/// Wipes every Media, the counters and the faults, for test isolation.
async fn reset(State(state): State<AppState>) -> Response {
    if let Err(outcome) = state.db(|store| store.clear()).await {
        return outcome.into_response();
    }
    state.stats().reset();
    state.faults().clear();
    json_response(&json!({ "reset": true }))
}
