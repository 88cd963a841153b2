//! Migrations for each backend, embedded in the binary and run on start.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

pub(super) fn run(conn: &mut DbConn) -> anyhow::Result<()> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE),
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES),
    }
    .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    for version in applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    use diesel::sqlite::SqliteConnection;
    use diesel_migrations::MigrationHarness;

    use super::SQLITE;

    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        rowid: i64,
    }

    fn find_in(c: &mut SqliteConnection, table: &str, words: &str) -> Vec<i64> {
        diesel::sql_query(format!(
            "SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid"
        ))
        .bind::<Text, _>(words)
        .load::<Found>(c)
        .unwrap()
        .into_iter()
        .map(|f| f.rowid)
        .collect()
    }

    fn find(c: &mut SqliteConnection, words: &str) -> Vec<i64> {
        find_in(c, "article_search", words)
    }

    /// Upgrading a database that already holds articles indexes them again from their
    /// blocks, tags and bylines, in the index of all and in the recent one; going back
    /// restores the stored-text index.
    #[test]
    fn the_contentless_indexes_are_filled_from_existing_articles() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        c.run_pending_migrations(SQLITE).unwrap();
        c.revert_last_migration(SQLITE).unwrap();
        c.revert_last_migration(SQLITE).unwrap();
        diesel::sql_query(
            "INSERT INTO sections (id, slug, name, created_at, updated_at) VALUES (1, 'world', 'World', '2026-01-01', '2026-01-01')",
        )
        .execute(&mut c)
        .unwrap();
        diesel::sql_query(
            r#"INSERT INTO articles (id, slug, title, status, published_at, created_at, updated_at, section_id, body)
               VALUES (7, 'ferry', 'Ferry strike ends', 'published', '2026-01-02', '2026-01-02', '2026-01-02', 1,
               '[{"type":"paragraph","content":[{"text":"Dockworkers ","marks":[{"type":"bold"}]},{"text":"returned at dawn."}]},
                 {"type":"quote","text":"We held firm","attribution":"Union chair"},
                 {"type":"image","media_id":1,"caption":"Gulls over the pier","credit":"Lena Stark"}]')"#,
        )
        .execute(&mut c)
        .unwrap();
        c.run_pending_migrations(SQLITE).unwrap();
        for words in [
            "ferry",
            "dockworkers dawn",
            "\"held firm\"",
            "gulls",
            "stark",
            "chair",
        ] {
            assert_eq!(find(&mut c, words), vec![7], "{words}");
            assert_eq!(
                find_in(&mut c, "article_search_recent", words),
                vec![7],
                "{words}"
            );
        }
        assert!(find(&mut c, "bold").is_empty(), "marks are not text");
        c.revert_last_migration(SQLITE).unwrap();
        c.revert_last_migration(SQLITE).unwrap();
        assert_eq!(find(&mut c, "gulls"), vec![7]);
    }
}
