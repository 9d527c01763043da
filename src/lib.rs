//! Byline: a headless blogging CMS served as a JSON API over embedded SQLite.
//!
//! Layers: `routes` translate HTTP, `services` hold the rules and transactions, `db` holds Diesel
//! and SQL, `domain` holds values that are always valid, and `error` decides every status code.

pub mod auth;
pub mod cli;
pub mod config;
pub mod content;
pub mod db;
pub mod domain;
pub mod error;
pub mod mail;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod security_headers;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod webhook_worker;
