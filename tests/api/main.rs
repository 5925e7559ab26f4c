//! API tests: every request goes through the real app over HTTP to a real, fresh database, on
//! SQLite always and on PostgreSQL when `TEST_POSTGRES_URL` was set at build time (see build.rs).

mod smtp;
mod support;

mod applications;
mod calls;
mod corrections;
mod councils;
mod errors;
mod exports;
mod faults;
mod mail;
mod operations;
mod pages;
mod privacy;
mod process;
mod readme;
mod reference;
mod review;
mod schema;
mod selection;
mod staff;
mod users;
