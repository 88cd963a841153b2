//! Integration tests: each starts the real server on a random port with a fresh database
//! and speaks HTTP to it, as a client would.

mod helpers;

mod abuse;
mod articles;
mod browser;
mod caching;
mod cli;
mod cluster;
mod comments;
mod contracts;
mod discovery;
mod documents;
mod editorial;
mod errors;
mod events;
mod feeds;
mod graphql;
mod import;
mod persisted;
mod purges;
mod readme;
mod roles;
mod search;
mod structured;
mod sync;
mod taxonomy;
mod tokens;
mod visibility;
mod webhooks;
