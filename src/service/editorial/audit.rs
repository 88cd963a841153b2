//! The audit log: every editorial action, written in the same transaction as the action.

use chrono::NaiveDateTime;

use super::EditorialService;
use super::views::{AuditEntry, AuditPage};
use crate::auth::{Actor, Role};
use crate::db::DbConn;
use crate::db::accounts::{self, NewAudit};
use crate::error::AppError;
use crate::service::utc;

/// Who did it, as the log shows it.
pub(super) struct Who {
    pub id: Option<i64>,
    pub label: String,
}

impl Who {
    pub fn user(id: i64, email: &str) -> Who {
        Who {
            id: Some(id),
            label: email.to_owned(),
        }
    }

    pub fn system() -> Who {
        Who {
            id: None,
            label: "masthead-cli".to_owned(),
        }
    }
}

pub(super) fn record(
    c: &mut DbConn,
    who: &Who,
    action: &str,
    target: &str,
    summary: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    accounts::insert_audit(
        c,
        &NewAudit {
            at: now,
            actor_id: who.id,
            actor: who.label.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            summary: summary.to_owned(),
        },
    )?;
    Ok(())
}

impl EditorialService {
    /// Newest first; admins only.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        before: Option<i64>,
        limit: i64,
    ) -> Result<AuditPage, AppError> {
        actor.require(Role::Admin)?;
        if !(1..=100).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("limit must be between 1 and 100, got {limit}"),
            ));
        }
        let rows = self
            .db
            .run(move |c| Ok(accounts::list_audit(c, before, limit + 1)?))
            .await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<AuditEntry> = rows
            .into_iter()
            .take(limit as usize)
            .map(|r| AuditEntry {
                id: r.id,
                at: utc(r.at),
                actor: r.actor,
                action: r.action,
                target: r.target,
                summary: r.summary,
            })
            .collect();
        let next_before = if more { items.last().map(|e| e.id) } else { None };
        Ok(AuditPage { items, next_before })
    }
}
