//! Hand-written SQL that diesel keeps prepared. `diesel::sql_query` is parsed and planned
//! anew on every call, since its text could hold anything; a statement built here is kept
//! per connection under its text, which suits SQL that is assembled at run time from a few
//! shapes (one arm per table of the full-text index, say) and repeats with other values.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Text, Untyped};
use diesel::{QueryResult, RunQueryDsl};

/// A value bound under a name in the SQL (`:name`).
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    BigInt(i64),
}

#[derive(Debug)]
enum Piece {
    Sql(String),
    Bind(Value),
}

/// SQL with `:name` markers, each bound to its value wherever it appears.
#[derive(Debug)]
pub struct Prepared {
    pieces: Vec<Piece>,
}

impl Prepared {
    /// Splits `sql` at its markers. A colon that is part of `::` (a PostgreSQL cast) or
    /// that is not followed by one of `binds`' names stays SQL.
    pub fn new(sql: &str, binds: &[(&str, Value)]) -> Prepared {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = sql;
        while let Some(at) = rest.find(':') {
            let (before, marker) = rest.split_at(at);
            text.push_str(before);
            let name_len = marker[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(marker.len() - 1);
            let name = &marker[1..1 + name_len];
            let cast = text.ends_with(':') || marker[1..].starts_with(':');
            match binds
                .iter()
                .find(|(n, _)| *n == name)
                .filter(|_| !cast && !name.is_empty())
            {
                Some((_, value)) => {
                    pieces.push(Piece::Sql(std::mem::take(&mut text)));
                    pieces.push(Piece::Bind(value.clone()));
                    rest = &marker[1 + name_len..];
                }
                None => {
                    text.push(':');
                    rest = &marker[1..];
                }
            }
        }
        text.push_str(rest);
        pieces.push(Piece::Sql(text));
        Prepared { pieces }
    }
}

impl<DB> QueryFragment<DB> for Prepared
where
    DB: Backend + HasSqlType<Text> + HasSqlType<BigInt>,
    String: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Sql(sql) => out.push_sql(sql),
                Piece::Bind(Value::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                Piece::Bind(Value::BigInt(v)) => out.push_bind_param::<BigInt, _>(v)?,
            }
        }
        Ok(())
    }
}

impl QueryId for Prepared {
    type QueryId = ();
    // No static id: diesel keys the prepared statement by the SQL text instead.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Prepared {}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(p: &Prepared) -> String {
        p.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Sql(s) => s.clone(),
                Piece::Bind(Value::Text(v)) => format!("<{v}>"),
                Piece::Bind(Value::BigInt(v)) => format!("<{v}>"),
            })
            .collect()
    }

    #[test]
    fn a_statement_is_prepared_once_and_runs_again_with_other_values() {
        use diesel::connection::{Connection, InstrumentationEvent};
        use diesel::sqlite::SqliteConnection;
        use std::sync::{Arc, Mutex};

        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        let cached = Arc::new(Mutex::new(Vec::new()));
        let seen = cached.clone();
        c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        });
        let twice = |c: &mut SqliteConnection, v: i64| {
            Prepared::new("SELECT :v + :v AS n", &[("v", Value::BigInt(v))])
                .get_result::<N>(c)
                .unwrap()
                .n
        };
        assert_eq!(twice(&mut c, 1), 2);
        assert_eq!(twice(&mut c, 21), 42);
        assert_eq!(*cached.lock().unwrap(), ["SELECT ? + ? AS n"]);
    }

    #[test]
    fn markers_become_binds_wherever_they_appear_and_casts_stay() {
        let p = Prepared::new(
            "SELECT x::float8 FROM t WHERE a = :q AND b > :n AND c = :q AND d = ':other' LIMIT :n",
            &[("q", Value::Text("w".into())), ("n", Value::BigInt(5))],
        );
        assert_eq!(
            shape(&p),
            "SELECT x::float8 FROM t WHERE a = <w> AND b > <5> AND c = <w> AND d = ':other' LIMIT <5>"
        );
    }
}
