//! Both backends' migrations create the same tables and columns.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_migrations::MigrationHarness;
use jane_seats::db::{self, DbConn};

use crate::support::{Backend, TestApp};

#[derive(QueryableByName)]
struct Table {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// table -> column -> (portable type, nullable)
type Shape = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn sqlite_shape(conn: &mut DbConn) -> Shape {
    let tables: Vec<Table> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name != '__diesel_schema_migrations'",
    )
    .load(conn)
    .unwrap();
    let mut shape = Shape::new();
    for table in tables {
        let columns: Vec<SqliteColumn> = diesel::sql_query(format!(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{}')",
            table.name
        ))
        .load(conn)
        .unwrap();
        shape.insert(
            table.name,
            columns
                .into_iter()
                // SQLite lets a non-integer primary key be NULL unless declared NOT NULL; PostgreSQL
                // never does. Both refuse NULL ids in practice (the service always sets them).
                .map(|c| {
                    (
                        c.name,
                        (c.r#type.to_uppercase(), c.notnull == 0 && c.pk == 0),
                    )
                })
                .collect(),
        );
    }
    shape
}

fn postgres_shape(conn: &mut DbConn) -> Shape {
    let columns: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name != '__diesel_schema_migrations'",
    )
    .load(conn)
    .unwrap();
    let mut shape = Shape::new();
    for c in columns {
        let portable = match c.data_type.as_str() {
            "text" => "TEXT",
            "integer" => "INTEGER",
            "bigint" => "BIGINT",
            "double precision" => "DOUBLE PRECISION",
            "date" => "DATE",
            "timestamp without time zone" => "TIMESTAMP",
            other => panic!(
                "column {}.{} has the non-portable type {other}",
                c.table_name, c.column_name
            ),
        };
        shape
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, (portable.to_owned(), c.is_nullable == "YES"));
    }
    shape
}

#[cfg(postgres_tests)]
#[actix_web::test]
async fn both_backends_migrate_to_the_same_tables_and_columns() {
    let sqlite = TestApp::start(Backend::Sqlite).await;
    let sqlite_shape = sqlite.db.run(|conn| Ok(sqlite_shape(conn))).await.unwrap();
    assert!(sqlite_shape.contains_key("calls") && sqlite_shape.contains_key("seats"));
    let postgres = TestApp::start(Backend::Postgres).await;
    let postgres_shape = postgres
        .db
        .run(|conn| Ok(postgres_shape(conn)))
        .await
        .unwrap();
    assert_eq!(sqlite_shape, postgres_shape);
}

#[actix_web::test]
async fn sqlite_enforces_foreign_keys_and_uses_wal() {
    let app = TestApp::start(Backend::Sqlite).await;
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let mode: Mode = app
        .db
        .run(|conn| Ok(diesel::sql_query("PRAGMA journal_mode").get_result(conn)?))
        .await
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
    let orphan = app
        .db
        .run(|conn| {
            Ok(diesel::sql_query(
                "INSERT INTO seats (id, council_id, theme, role, position, created_at) \
                 VALUES ('x', 'no-such-council', 'sports', 'deputy', 1, '2027-01-01 00:00:00')",
            )
            .execute(conn))
        })
        .await
        .unwrap();
    assert!(orphan.is_err(), "a seat of a missing council is refused");
}

fn shape_of(conn: &mut DbConn) -> Shape {
    if conn.is_postgres() {
        postgres_shape(conn)
    } else {
        sqlite_shape(conn)
    }
}

/// Every migration's down script undoes its up script: reverting all of them leaves no table,
/// and applying them again gives the same tables and columns.
async fn migrations_revert_and_apply_again(app: TestApp) {
    let (migrated, reverted, again) = app
        .db
        .run(|conn| {
            let migrated = shape_of(conn);
            let reverted = match conn {
                DbConn::Postgres(pg) => pg
                    .revert_all_migrations(db::POSTGRES_MIGRATIONS)
                    .map(|v| v.len()),
                DbConn::Sqlite(lite) => lite
                    .revert_all_migrations(db::SQLITE_MIGRATIONS)
                    .map(|v| v.len()),
            }
            .map_err(|e| anyhow::anyhow!("revert: {e}"))?;
            let empty = shape_of(conn);
            assert!(empty.is_empty(), "left after reverting: {:?}", empty.keys());
            db::run_migrations(conn)?;
            Ok((migrated, reverted, shape_of(conn)))
        })
        .await
        .unwrap();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert_eq!(reverted, migrations);
    assert_eq!(migrated, again);
}

crate::db_tests!(migrations_revert_and_apply_again);
