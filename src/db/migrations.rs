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
