//! A local, Canvas-compatible FHIR R4 Media endpoint for the demo and end-to-end
//! tests: `POST /Media`, `GET /Media/{id}`, `GET /Media?patient=…`, and the
//! `content.url` redirect to signed storage URLs, with Canvas's validation rules,
//! bearer auth, CORS, SQLite persistence and (with `--dev`) an admin API for stats
//! and fault injection. See README.md for the HTTP contract.
//!
//! Modules, in the order a request meets them:
//! - [`server`]: the accept loop (connection cap) and graceful shutdown
//! - [`connection`]: one connection's timeouts, its body deadline, its abort (drop fault)
//! - [`request_log`], [`host`], [`cors`], [`auth`]: layers around the routes
//! - `routes` (private; see [`app`]): the HTTP handlers
//! - [`media`], [`sniff`], [`search`]: Canvas's rules for creates and searches
//! - [`faults`], [`stats`]: dev-only fault injection and counters
//! - [`smart`]: a dev-only SMART App Launch authorization server
//! - [`storage`], [`signing`]: SQLite store and signed storage URLs
//! - [`outcome`], [`fhir_json`]: OperationOutcome errors and FHIR-ordered JSON
//! - [`config`], [`state`]: options and shared state

pub mod auth;
pub mod config;
pub mod connection;
pub mod cors;
pub mod faults;
pub mod fhir_json;
pub mod host;
pub mod media;
pub mod outcome;
pub mod request_log;
mod routes;
pub mod search;
pub mod server;
pub mod signing;
pub mod smart;
pub mod sniff;
pub mod state;
pub mod stats;
pub mod storage;

pub use config::{Cli, Config};
pub use routes::app;
pub use server::{serve, shutdown_signal, ServeError, Server};
pub use state::AppState;
