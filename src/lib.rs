//! jane-seats: the open application round (avoin haku) for seats on JANE, the North Karelian NGO
//! advisory board, and its municipal paikallis-JANEs.
//!
//! Layout (arrows point down only): `api` (JSON handlers, the route table) and `web` (pages for
//! people) -> `round` (the
//! workflows of the open call) -> `store` (SQL) -> `db` (the connection type for SQLite and
//! PostgreSQL); every layer may use `domain` (the rules in plain Rust) and `input` (checked input
//! documents). `mail` renders and sends messages; `server` ties them together.

pub mod api;
pub mod app;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod ids;
pub mod input;
pub mod mail;
pub mod round;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tokens;
pub mod web;
