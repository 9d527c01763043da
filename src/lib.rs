//! Byline: a headless blogging CMS served as a JSON API over embedded SQLite.
//!
//! Layers, each importing only those below it (`tests/api/layers.rs` checks):
//! `error` decides every status code; `domain` holds values that are always valid; `db` holds
//! the connection, migrations and queue claims; `mail` the e-mail templates and sender;
//! `services` the rules and transactions; `jobs` the background work; `routes` and `cli`
//! translate HTTP and the command line into service calls; `startup` wires it all.

pub mod auth;
pub mod cli;
pub mod config;
pub mod content;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod http_cache;
pub mod jobs;
pub mod json;
pub mod mail;
pub mod media_store;
pub mod openapi;
pub mod outbound;
pub mod rate_limit;
pub mod routes;
pub mod security_headers;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
