//! One test binary for the whole HTTP API (builds once on 2 cores).

mod api_keys;
mod auth;
mod errors;
mod health;
mod helpers;
mod openapi;
mod process;
mod site;
mod users;
