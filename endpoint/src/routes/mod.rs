//! The HTTP surface: which paths exist, who may call them, and the layers around them.
//! The handlers are in the submodules; the layers in [`crate::host`], [`crate::cors`],
//! [`crate::auth`] and [`crate::request_log`].

mod admin;
mod fallback;
mod media;
mod smart;
mod static_files;
mod storage;

use std::sync::Arc;

use axum::middleware;
use axum::routing::get;
use axum::Router;

use crate::host::AllowedHosts;
use crate::state::AppState;
use crate::{auth, cors, host, request_log};
use fallback::method_not_allowed;

/// The whole application. Served by [`crate::Server`], whose connections also support
/// the drop fault; any other server gets everything else.
pub fn app(state: AppState) -> Router {
    let config = state.config();
    // route_layer covers only the routes added before it: the FHIR API needs a token,
    // the signed storage URLs and static files do not, the admin API needs its own.
    let mut router = Router::new()
        .route(
            "/Media",
            get(media::search)
                .post(media::create)
                .fallback(method_not_allowed),
        )
        .route("/Media/{id}", get(media::read).fallback(method_not_allowed))
        .route(
            "/Media/{id}/files/content",
            get(media::content).fallback(method_not_allowed),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .route(
            "/_storage/{id}",
            get(storage::signed_content).fallback(method_not_allowed),
        );
    if config.dev {
        let admin = admin::router().merge(smart::admin_router()).route_layer(
            middleware::from_fn_with_state(state.clone(), auth::require_admin_token),
        );
        router = router.merge(admin).merge(smart::router());
    }
    router = match &config.static_dir {
        Some(dir) => router.fallback_service(static_files::router(dir)),
        None => router.fallback(fallback::no_such_path),
    };
    // Outermost last: every request is logged, then its Host checked, then CORS.
    let hosts = Arc::new(AllowedHosts::new(config));
    router
        .layer(cors::layer(config, &hosts))
        .layer(middleware::from_fn_with_state(
            hosts,
            host::require_allowed_host,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_log::log_requests,
        ))
        .with_state(state)
}
