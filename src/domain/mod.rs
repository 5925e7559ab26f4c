//! The rules of an open call, in plain Rust: no actix, no diesel. Everything here is unit-tested
//! on its own; the HTTP and storage layers only translate to and from these types.

pub mod access;
pub mod application;
pub mod call;
pub mod council;
pub mod coverage;
pub mod delivery;
pub mod field;
pub mod localized;
pub mod notification;
pub mod reference;
pub mod review;
pub mod rules;
pub mod scoring;
pub mod seat_plan;
pub mod selection;
pub mod theme;
