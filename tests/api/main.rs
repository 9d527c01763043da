//! One test binary for the whole HTTP API (builds once on 2 cores).

mod api_keys;
mod auth;
mod comments;
mod contact;
mod errors;
mod feeds;
mod hardening;
mod health;
mod helpers;
mod import;
mod layers;
mod media;
mod moving_in;
mod newsletters;
mod openapi;
mod posts;
mod process;
mod robustness;
mod roles;
mod scale;
mod site;
mod site_dir;
mod subscribers;
mod tags;
mod users;
mod webhooks;
