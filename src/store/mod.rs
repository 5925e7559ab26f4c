//! SQL, one module per resource. Functions take a `&mut DbConn` and return domain-shaped values;
//! they do not know about HTTP. The handlers in `api::*` call them through `Db::run`.

pub mod applications;
pub mod audit;
pub mod calls;
pub mod councils;
pub mod idempotency;
pub mod notifications;
pub mod privacy;
pub mod reference;
pub mod review;
pub mod seats;
pub mod selection;
pub mod users;

/// A keyset page: rows after `after` (an id), at most `limit` of them.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// `rows` were fetched with `limit + 1`: the extra row, if any, says that there is a next page.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Self {
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if has_more {
            rows.last().map(cursor_of)
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
