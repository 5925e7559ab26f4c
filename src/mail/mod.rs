//! Email: what messages say (`context`, `templates`), the durable outbox they are queued in
//! (`outbox`), and the worker that delivers them (`worker`).

pub mod context;
pub mod outbox;
pub mod reminders;
pub mod templates;
pub mod worker;
