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
    // What SQL cannot do: tables named by number.
    super::search::build_missing_bands(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    use diesel::sqlite::SqliteConnection;
    use diesel_migrations::MigrationHarness;

    use super::{SQLITE, run};
    use crate::db::DbConn;

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

    /// Reverts migrations until `version` is the last one applied.
    fn back_to(c: &mut SqliteConnection, version: &str) {
        while c
            .applied_migrations()
            .unwrap()
            .iter()
            .any(|v| v.to_string().replace('-', "") > version.replace('-', ""))
        {
            c.revert_last_migration(SQLITE).unwrap();
        }
    }

    fn sqlite(conn: &mut DbConn) -> &mut SqliteConnection {
        match conn {
            DbConn::Sqlite(c) => c,
            DbConn::Pg(_) => unreachable!(),
        }
    }

    /// Upgrading a database that already holds articles indexes them again from their
    /// blocks, tags and bylines, in the index of all (its band) and in the recent one;
    /// going back restores the single index, then the stored-text index.
    #[test]
    fn the_contentless_indexes_are_filled_from_existing_articles() {
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        let c = sqlite(&mut conn);
        c.run_pending_migrations(SQLITE).unwrap();
        // Back to before the search text migrations (and all after them).
        back_to(c, "2026-11-25-000005");
        diesel::sql_query(
            "INSERT INTO sections (id, slug, name, created_at, updated_at) VALUES (1, 'world', 'World', '2026-01-01', '2026-01-01')",
        )
        .execute(c)
        .unwrap();
        diesel::sql_query(
            r#"INSERT INTO articles (id, slug, title, status, published_at, created_at, updated_at, section_id, body)
               VALUES (7, 'ferry', 'Ferry strike ends', 'STATUS', '2026-01-02', '2026-01-02', '2026-01-02', 1,
               '[{"type":"paragraph","content":[{"text":"Dockworkers ","marks":[{"type":"bold"}]},{"text":"returned at dawn."}]},
                 {"type":"quote","text":"We held firm","attribution":"Union chair"},
                 {"type":"image","media_id":1,"caption":"Gulls over the pier","credit":"Lena Stark"}]')"#
                .replace("STATUS", crate::content::status::ArticleStatus::Published.as_str()),
        )
        .execute(c)
        .unwrap();
        run(&mut conn).unwrap();
        let c = sqlite(&mut conn);
        for words in [
            "ferry",
            "dockworkers dawn",
            "\"held firm\"",
            "gulls",
            "stark",
            "chair",
        ] {
            for table in ["article_search_band_0", "article_search_recent"] {
                assert_eq!(find_in(c, table, words), vec![7], "{table}: {words}");
            }
        }
        assert!(
            find_in(c, "article_search_band_0", "bold").is_empty(),
            "marks are not text"
        );
        // Back before the bands (and what came after them), then before the stored text.
        back_to(c, "2026-11-26-000007");
        assert_eq!(find_in(c, "article_search", "gulls"), vec![7]);
        back_to(c, "2026-11-25-000005");
        assert_eq!(find_in(c, "article_search", "gulls"), vec![7]);
        // Up again: the band left behind by going down is rebuilt, not doubled.
        run(&mut conn).unwrap();
        assert_eq!(
            find_in(sqlite(&mut conn), "article_search_band_0", "gulls"),
            vec![7]
        );
    }
}
