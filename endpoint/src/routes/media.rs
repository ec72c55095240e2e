//! The FHIR Media routes: create, read, search, and the content redirect.

use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http_body_util::BodyExt as _;
use serde::Serialize;
use serde_json::Value;

use crate::auth::Access;
use crate::connection::{body_timeout, drop_connection, ConnectionAbort};
use crate::faults::{Action, DropWhen, Route};
use crate::fhir_json::Fhir;
use crate::host::base_url;
use crate::media::{self, is_fhir_id};
use crate::outcome::{json_response, Outcome};
use crate::search::{Link, Search};
use crate::state::AppState;
use crate::storage::NewRecord;

/// How much of an oversized body is still read (and discarded) so that the client,
/// still sending, gets to see the 413 instead of a reset connection.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

type Abort = Option<Extension<ConnectionAbort>>;

fn abort_handle(abort: Abort) -> Option<ConnectionAbort> {
    abort.map(|Extension(a)| a)
}

/// `POST /Media`.
pub async fn create(
    State(state): State<AppState>,
    access: Option<Extension<Access>>,
    abort: Abort,
    request: Request,
) -> Response {
    state.stats().create_attempt();
    match create_media(&state, access, abort_handle(abort), request).await {
        Ok(response) | Err(response) => response,
    }
}

async fn create_media(
    state: &AppState,
    access: Option<Extension<Access>>,
    abort: Option<ConnectionAbort>,
    request: Request,
) -> Result<Response, Response> {
    if access.map(|Extension(a)| a) != Some(Access::ReadWrite) {
        return Err(Outcome::forbidden(
            "Authorization failed: this token may only read; creating Media needs a token with write access.",
        )
        .into_response());
    }
    let limit = state.config().max_body_bytes;
    let body = read_body(request, limit)
        .await
        .map_err(IntoResponse::into_response)?;
    let new = media::parse_create(&body).map_err(IntoResponse::into_response)?;

    // Once the whole request has arrived, the create runs to its end even if the client
    // goes away meanwhile (a page reload, a timeout), as a real server's would: the
    // upload queue's reconciliation has to cope with a Media that shows up after the
    // connection that sent it is gone. A spawned task is not cancelled with this future.
    let committing = tokio::spawn(commit(state.clone(), new));
    match committing.await {
        Ok(Committed::Answer(response)) => Ok(response),
        Ok(Committed::Drop(what)) => Err(drop_connection(state, abort, what).await),
        Err(err) => Err(Outcome::internal(format!("The create failed ({err}).")).into_response()),
    }
}

/// How a create that passed validation ended.
enum Committed {
    /// Answer with this (201, or an injected failure / Canvas rule refusal).
    Answer(Response),
    /// Close the connection without an answer (the drop fault), after logging `what`.
    Drop(&'static str),
}

async fn commit(state: AppState, new: media::NewMedia) -> Committed {
    match commit_media(&state, new).await {
        Ok(done) => done,
        Err(response) => Committed::Answer(response),
    }
}

async fn commit_media(state: &AppState, new: media::NewMedia) -> Result<Committed, Response> {
    let _in_flight = state.stats().create_in_flight();
    // Hold the encounter's slot for the whole handling, delay fault included, so a
    // client that overlaps creates on one encounter is caught as Canvas would.
    let attempt = new
        .encounter
        .as_deref()
        .map(|encounter| state.stats().enter_encounter(encounter));
    if let Some(attempt) = &attempt {
        if !attempt.holds_slot() {
            return Err(Outcome::business_rule(format!(
                "Another create for {} is still in progress, and Canvas does not support concurrent creates on one encounter; \
                 wait for it to finish, then send this one again.",
                new.encounter.as_deref().unwrap_or_default()
            ))
            .into_response());
        }
    }

    let plan = state.faults().plan(Route::CreateMedia);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    match plan.action {
        Action::Fail(failure) => return Err(failure.into_outcome().into_response()),
        Action::Drop(DropWhen::BeforeCommit) => {
            state.stats().dropped(false);
            return Ok(Committed::Drop("POST /Media before commit"));
        }
        Action::Drop(DropWhen::AfterCommit) | Action::None => {}
    }

    let id = uuid::Uuid::new_v4().to_string();
    let mut resource = new.resource;
    resource.insert("id".into(), Value::String(id.clone()));
    let resource_json = serde_json::to_string(&resource).map_err(|err| {
        Outcome::internal(format!(
            "The Media could not be encoded for storage ({err})."
        ))
        .into_response()
    })?;
    let content_type = new.kind.content_type();
    let patient = new.patient;
    let bytes = new.bytes;
    let stored_id = id.clone();
    state
        .db(move |store| {
            store.insert(&NewRecord {
                id: &stored_id,
                patient: &patient,
                content_type,
                resource_json: &resource_json,
                data: &bytes,
            })
        })
        .await
        .map_err(IntoResponse::into_response)?;
    state.stats().created(new.encounter.as_deref());

    if plan.action == Action::Drop(DropWhen::AfterCommit) {
        state.stats().dropped(true);
        return Ok(Committed::Drop("POST /Media after commit"));
    }
    drop(attempt);
    let location = HeaderValue::from_str(&format!("/Media/{id}")).map_err(|err| {
        Outcome::internal(format!("Could not build the Location header ({err}).")).into_response()
    })?;
    // Canvas answers 201 with the id only in Location and an empty body.
    Ok(Committed::Answer(
        (StatusCode::CREATED, [(header::LOCATION, location)]).into_response(),
    ))
}

/// Reads the body up to `limit` bytes; over it, 413 (after draining what the client is
/// still sending, within reason).
async fn read_body(request: Request, limit: usize) -> Result<Vec<u8>, Outcome> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let expects_continue = request
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let limit_u64 = limit as u64;
    if let Some(declared) = declared {
        // A client waiting for 100-continue has sent nothing yet: refuse right away.
        if declared > limit_u64
            && (expects_continue || declared > limit_u64.saturating_add(DRAIN_LIMIT))
        {
            return Err(Outcome::too_large(limit));
        }
    }
    let mut body: Body = request.into_body();
    // Content-Length is only a hint: never reserve more than a little up front for it.
    let mut buffer = Vec::with_capacity(declared.unwrap_or(0).min(limit_u64).min(1 << 20) as usize);
    let mut received: u64 = 0;
    let mut too_large = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| match body_timeout(&err) {
            Some(limit) => Outcome::body_timeout(limit),
            None => Outcome::invalid(format!(
                "The request body could not be read ({err}); send it again."
            )),
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received = received.saturating_add(data.len() as u64);
        if too_large || received > limit_u64 {
            if !too_large {
                too_large = true;
                buffer = Vec::new();
            }
            if received > limit_u64.saturating_add(DRAIN_LIMIT) {
                break;
            }
        } else {
            buffer.extend_from_slice(&data);
        }
    }
    if too_large {
        Err(Outcome::too_large(limit))
    } else {
        Ok(buffer)
    }
}

/// Applies the dev faults that target a read route. `Some` is the response to send
/// instead of the real one.
async fn injected(state: &AppState, route: Route, abort: Abort, what: &str) -> Option<Response> {
    let plan = state.faults().plan(route);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    match plan.action {
        Action::None => None,
        Action::Fail(failure) => Some(failure.into_outcome().into_response()),
        Action::Drop(_) => {
            state.stats().dropped(false);
            Some(drop_connection(state, abort_handle(abort), what).await)
        }
    }
}

/// The id from the path, or the 404 Canvas gives for ids it does not know.
fn media_id(path: Result<Path<String>, PathRejection>) -> Result<String, Outcome> {
    match path {
        Ok(Path(id)) if is_fhir_id(&id) => Ok(id),
        Ok(Path(id)) => Err(Outcome::unknown_media(&crate::request_log::printable(&id))),
        Err(_) => Err(Outcome::not_found("Unknown Media resource")),
    }
}

/// `GET /Media/{id}`.
pub async fn read(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    abort: Abort,
) -> Response {
    if let Some(response) = injected(&state, Route::ReadMedia, abort, "GET /Media/{id}").await {
        return response;
    }
    match read_media(&state, path, &headers).await {
        Ok(response) => response,
        Err(outcome) => outcome.into_response(),
    }
}

async fn read_media(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
) -> Result<Response, Outcome> {
    let id = media_id(path)?;
    let lookup = id.clone();
    let stored = state
        .db(move |store| store.resource(&lookup))
        .await?
        .ok_or_else(|| Outcome::unknown_media(&id))?;
    let resource =
        media::render(&stored, &id, &base_url(headers, state.config())).map_err(|err| {
            Outcome::internal(format!("The stored Media '{id}' is unreadable ({err})."))
        })?;
    Ok(json_response(&Fhir(&resource)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bundle<'a> {
    resource_type: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    total: u64,
    // FHIR JSON never carries empty arrays: an empty result has neither links nor entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    link: Vec<Link>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    entry: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    resource: Fhir<'a>,
}

/// `GET /Media?patient=…` (and `_id`, `_count`, `_offset`).
pub async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    abort: Abort,
) -> Response {
    if let Some(response) = injected(&state, Route::SearchMedia, abort, "GET /Media").await {
        return response;
    }
    match search_media(&state, query.as_deref(), &headers).await {
        Ok(response) => response,
        Err(outcome) => outcome.into_response(),
    }
}

async fn search_media(
    state: &AppState,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, Outcome> {
    let search = Search::parse(query)?;
    let (patient, id, count, offset) = (
        search.patient.clone(),
        search.id.clone(),
        search.count,
        search.offset,
    );
    let page = state
        .db(move |store| store.search(patient.as_deref(), id.as_deref(), count, offset))
        .await?;
    let base = base_url(headers, state.config());
    let resources = page
        .rows
        .iter()
        .map(|(id, stored)| media::render(stored, id, &base))
        .collect::<Result<Vec<Value>, _>>()
        .map_err(|err| Outcome::internal(format!("A stored Media is unreadable ({err}).")))?;
    let bundle = Bundle {
        resource_type: "Bundle",
        kind: "searchset",
        total: page.total,
        link: search.links(page.total),
        entry: resources
            .iter()
            .map(|r| Entry { resource: Fhir(r) })
            .collect(),
    };
    Ok(json_response(&bundle))
}

/// `GET /Media/{id}/files/content`: a temporary redirect to a signed storage URL, as
/// Canvas redirects to a presigned S3 URL.
pub async fn content(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    abort: Abort,
) -> Response {
    if let Some(response) = injected(
        &state,
        Route::MediaContent,
        abort,
        "GET /Media/{id}/files/content",
    )
    .await
    {
        return response;
    }
    match redirect_to_storage(&state, path, &headers).await {
        Ok(response) => response,
        Err(outcome) => outcome.into_response(),
    }
}

async fn redirect_to_storage(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
) -> Result<Response, Outcome> {
    let id = media_id(path)?;
    let lookup = id.clone();
    if !state.db(move |store| store.exists(&lookup)).await? {
        return Err(Outcome::unknown_media(&id));
    }
    let ttl: Duration = state.config().signed_url_ttl;
    let target = format!(
        "{}{}",
        base_url(headers, state.config()),
        state.signer().sign_path_for(&id, ttl)
    );
    let location = HeaderValue::from_str(&target)
        .map_err(|err| Outcome::internal(format!("Could not build the redirect ({err}).")))?;
    Ok((
        StatusCode::TEMPORARY_REDIRECT,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response())
}
