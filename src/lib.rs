//! Masthead: a headless content API for news publishers.

pub mod auth;
pub mod cli;
pub mod config;
pub mod content;
pub mod contracts;
pub mod db;
pub mod error;
pub mod feeds;
pub mod graphql;
pub mod http;
pub mod import;
pub mod seed;
pub mod service;
pub mod startup;
pub mod telemetry;
