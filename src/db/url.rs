//! Database URLs: which backend, and how to open a connection to it.

use std::fmt;
use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A parsed `DATABASE_URL`. Anything that is not an explicit `sqlite://` or `postgres://`
/// URL is refused: a typo must not silently create a SQLite file named after it.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub const DEFAULT: &'static str = "sqlite://masthead.db";

    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite://") {
            if rest.is_empty() || rest == "/" {
                return Err(format!(
                    "the SQLite URL {raw:?} names no file: use sqlite://relative/path.db or sqlite:///absolute/path.db"
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        Err(format!(
            "unsupported database URL {:?}: expected sqlite://relative/path.db, sqlite:///absolute/path.db or postgres://user@host/db",
            redact(raw)
        ))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    pub(super) fn establish(&self) -> ConnectionResult<DbConn> {
        match self {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => Ok(DbConn::Pg(PgConnection::establish(url)?)),
        }
    }
}

/// Hides a password in a URL before it is printed or logged.
fn redact(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &raw[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &raw[..scheme_end + 3],
                    &userinfo[..colon],
                    &raw[at..]
                ),
                None => raw.to_owned(),
            }
        }
        _ => raw.to_owned(),
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_sqlite_paths() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/m.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/m.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/m.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/var/lib/m.db"))
        );
    }

    #[test]
    fn postgres_urls_are_accepted_and_redacted() {
        let url = DatabaseUrl::parse("postgres://app:secret@db/news").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert_eq!(url.to_string(), "postgres://app:***@db/news");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["masthead.db", "mysql://x/y", "sqlite://", "", "file:news.db"] {
            let err = DatabaseUrl::parse(bad).unwrap_err();
            assert!(err.contains("sqlite://"), "{bad}: {err}");
        }
    }
}
