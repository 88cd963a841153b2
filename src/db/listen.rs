//! PostgreSQL's LISTEN/NOTIFY for the change log: a trigger (see the outbox migration)
//! notifies `masthead_changes` whenever a transaction adds to the log, and a listener here
//! wakes whoever follows the log, so servers sharing the database see each other's writes
//! at once instead of at their next look.

use std::sync::Weak;
use std::time::Duration;

use diesel::prelude::*;

use super::{DatabaseUrl, Db, DbConn};

const CHANNEL: &str = "masthead_changes";

impl Db {
    /// On PostgreSQL, starts a thread with its own connection that LISTENs and wakes `wake`
    /// on every notification (and after every reconnection, when some may have been missed);
    /// it ends when `wake` is dropped. Answers whether it started (not on SQLite).
    pub fn listen_for_changes(&self, wake: Weak<tokio::sync::Notify>) -> bool {
        let DatabaseUrl::Postgres(_) = &self.url else {
            return false;
        };
        let url = self.url.clone();
        std::thread::Builder::new()
            .name("masthead-listen".into())
            .spawn(move || listen(&url, &wake))
            .is_ok()
    }
}

fn listen(url: &DatabaseUrl, wake: &Weak<tokio::sync::Notify>) {
    // Notifications are read from the connection's buffer without a round trip: looking
    // every few milliseconds costs the database nothing.
    const LOOK: Duration = Duration::from_millis(10);
    while wake.strong_count() > 0 {
        let mut conn = match url.establish() {
            Ok(DbConn::Pg(conn)) => conn,
            Ok(DbConn::Sqlite(_)) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot connect to LISTEN for changes; trying again");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if let Err(e) = diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn) {
            tracing::warn!(error = %e, "LISTEN failed; trying again");
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        tracing::debug!("listening for changes");
        let mut heard = true;
        loop {
            let Some(wake) = wake.upgrade() else { return };
            let mut broken = false;
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(_) => heard = true,
                    Err(e) => {
                        tracing::warn!(error = %e, "the LISTEN connection broke; reconnecting");
                        broken = true;
                        break;
                    }
                }
            }
            if heard {
                // Stored when nobody waits yet: the follower reads the log on its next wait.
                wake.notify_one();
                heard = false;
            }
            if broken {
                break;
            }
            drop(wake);
            std::thread::sleep(LOOK);
        }
    }
}
