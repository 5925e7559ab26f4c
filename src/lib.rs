//! jane-seats: the open application round (avoin haku) for seats on JANE, the North Karelian NGO
//! advisory board, and its municipal paikallis-JANEs.
//!
//! Layout: `domain` holds the rules in plain Rust; `store` the SQL; `api` the HTTP handlers and the
//! route table; `db` the connection type for SQLite and PostgreSQL; `server` ties them together.

pub mod api;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod ids;
pub mod mail;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tokens;
