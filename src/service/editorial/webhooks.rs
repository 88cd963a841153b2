//! Webhook endpoints, registered by admins (deliveries: `service::webhooks`).

use super::EditorialService;
use super::audit::record;
use crate::auth::{Actor, Role};
use crate::db::webhooks::{self as q, NewWebhook, WebhookChanges};
use crate::error::{AppError, FieldError};
use crate::service::SectionTree;
use crate::service::webhooks::{
    CreatedWebhook, DeliveryPage, DeliveryView, WebhookInput, WebhookUpdate, WebhookView, check_events,
    check_url, delivery_view, new_secret, view,
};

fn section_slug(tree: &SectionTree, id: Option<i64>) -> Option<String> {
    id.and_then(|id| tree.get(id).map(|s| s.slug.clone()))
}

/// The section named by slug, as a field error when there is none.
fn section_id(tree: &SectionTree, slug: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let found = tree.by_slug(slug.trim()).map(|s| s.id);
    if found.is_none() {
        errors.push(FieldError::new(
            "section",
            "unknown",
            format!("There is no section {slug:?}."),
        ));
    }
    found
}

impl EditorialService {
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookView>, AppError> {
        let tree = self.content.section_tree().await?;
        let (this, actor) = (self.clone(), actor.clone());
        let rows = self
            .db
            .run(move |c| {
                this.current_in(c, &actor, Role::Admin)?;
                Ok(q::list(c)?)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let section = section_slug(&tree, r.section_id);
                view(r, section)
            })
            .collect())
    }

    pub async fn webhook(&self, actor: &Actor, id: i64) -> Result<WebhookView, AppError> {
        let tree = self.content.section_tree().await?;
        let (this, actor) = (self.clone(), actor.clone());
        let row = self
            .db
            .run(move |c| {
                this.current_in(c, &actor, Role::Admin)?;
                q::get(c, id)?.ok_or_else(|| AppError::not_found("webhook", format!("with id {id}")))
            })
            .await?;
        let section = section_slug(&tree, row.section_id);
        Ok(view(row, section))
    }

    /// Registers an endpoint; it is sent the events that happen from now on. The answer holds
    /// the signing secret, shown this once.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        input: WebhookInput,
    ) -> Result<CreatedWebhook, AppError> {
        let tree = self.content.section_tree().await?;
        let mut errors = Vec::new();
        let url = check_url(&input.url, self.content.webhook_settings().allow_private)
            .map_err(|e| errors.push(e))
            .ok();
        let events = check_events(input.events.as_deref(), &mut errors);
        let section = input
            .section
            .as_deref()
            .and_then(|slug| section_id(&tree, slug, &mut errors));
        let description = input.description.unwrap_or_default().trim().to_owned();
        check_description(&description, &mut errors);
        let Some(url) = url.filter(|_| errors.is_empty()) else {
            return Err(AppError::Validation(errors));
        };
        let secret = new_secret();
        let (this, actor, now, shown) = (self.clone(), actor.clone(), self.now(), secret.clone());
        let row = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                c.transaction(|c| {
                    let after_seq = crate::db::changes::last(c)?;
                    let id = q::insert(
                        c,
                        &NewWebhook {
                            url: url.to_string(),
                            description,
                            events: events.join(","),
                            section_id: section,
                            secret,
                            enabled: true,
                            after_seq,
                            created_by: Some(me.id),
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                    record(
                        c,
                        &me.who(),
                        "webhook.create",
                        &format!("webhook:{id}"),
                        url.as_str(),
                        now,
                    )?;
                    q::get(c, id)?.ok_or_else(|| AppError::internal(anyhow::anyhow!("webhook vanished")))
                })
            })
            .await?;
        self.content.endpoints_changed();
        let section = section_slug(&tree, row.section_id);
        Ok(CreatedWebhook {
            secret: shown,
            webhook: view(row, section),
        })
    }

    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: i64,
        input: WebhookUpdate,
    ) -> Result<WebhookView, AppError> {
        let tree = self.content.section_tree().await?;
        let mut errors = Vec::new();
        let mut changes = WebhookChanges {
            updated_at: Some(self.now()),
            ..Default::default()
        };
        if let Some(raw) = &input.url {
            changes.url = check_url(raw, self.content.webhook_settings().allow_private)
                .map_err(|e| errors.push(e))
                .ok()
                .map(String::from);
        }
        if input.events.is_some() {
            changes.events = Some(check_events(input.events.as_deref(), &mut errors).join(","));
        }
        if let Some(description) = &input.description {
            let description = description.trim().to_owned();
            check_description(&description, &mut errors);
            changes.description = Some(description);
        }
        if let Some(slug) = &input.section {
            changes.section_id = Some(if slug.trim().is_empty() {
                None
            } else {
                section_id(&tree, slug, &mut errors)
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let (this, actor, now) = (self.clone(), actor.clone(), self.now());
        let row = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                c.transaction(|c| {
                    let before = q::get(c, id)?
                        .ok_or_else(|| AppError::not_found("webhook", format!("with id {id}")))?;
                    match input.enabled {
                        Some(true) if !before.enabled => {
                            changes.enabled = Some(true);
                            changes.disabled_reason = Some(None);
                            changes.failing_since = Some(None);
                            changes.after_seq = Some(crate::db::changes::last(c)?);
                        }
                        Some(false) if before.enabled => {
                            changes.enabled = Some(false);
                            changes.disabled_reason = Some(None);
                        }
                        _ => {}
                    }
                    q::update(c, id, &changes)?;
                    record(
                        c,
                        &me.who(),
                        "webhook.update",
                        &format!("webhook:{id}"),
                        &before.url,
                        now,
                    )?;
                    q::get(c, id)?.ok_or_else(|| AppError::internal(anyhow::anyhow!("webhook vanished")))
                })
            })
            .await?;
        self.content.endpoints_changed();
        let section = section_slug(&tree, row.section_id);
        Ok(view(row, section))
    }

    /// A new signing secret, shown this once; the old one stops signing at once.
    pub async fn rotate_webhook_secret(&self, actor: &Actor, id: i64) -> Result<CreatedWebhook, AppError> {
        let secret = new_secret();
        let (this, who, now, stored) = (self.clone(), actor.clone(), self.now(), secret.clone());
        self.db
            .run(move |c| {
                let me = this.current_in(c, &who, Role::Admin)?;
                c.transaction(|c| {
                    let changes = WebhookChanges {
                        secret: Some(stored),
                        updated_at: Some(now),
                        ..Default::default()
                    };
                    if q::update(c, id, &changes)? == 0 {
                        return Err(AppError::not_found("webhook", format!("with id {id}")));
                    }
                    record(
                        c,
                        &me.who(),
                        "webhook.rotate",
                        &format!("webhook:{id}"),
                        "new secret",
                        now,
                    )
                })
            })
            .await?;
        Ok(CreatedWebhook {
            secret,
            webhook: self.webhook(actor, id).await?,
        })
    }

    pub async fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        let (this, actor, now) = (self.clone(), actor.clone(), self.now());
        self.db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                c.transaction(|c| {
                    if q::delete(c, id)? == 0 {
                        return Err(AppError::not_found("webhook", format!("with id {id}")));
                    }
                    record(
                        c,
                        &me.who(),
                        "webhook.delete",
                        &format!("webhook:{id}"),
                        "deleted",
                        now,
                    )
                })
            })
            .await
    }

    /// An endpoint's deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<DeliveryPage, AppError> {
        if !(1..=100).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("limit must be between 1 and 100, got {limit}"),
            ));
        }
        let (this, actor) = (self.clone(), actor.clone());
        let rows = self
            .db
            .run(move |c| {
                this.current_in(c, &actor, Role::Admin)?;
                if q::get(c, id)?.is_none() {
                    return Err(AppError::not_found("webhook", format!("with id {id}")));
                }
                Ok(q::deliveries(c, id, before, limit + 1)?)
            })
            .await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<DeliveryView> = rows.into_iter().take(limit as usize).map(delivery_view).collect();
        let next_before = if more { items.last().map(|d| d.id) } else { None };
        Ok(DeliveryPage { items, next_before })
    }

    /// Sends a delivery again now (same message id), whatever became of it.
    pub async fn redeliver(
        &self,
        actor: &Actor,
        webhook: i64,
        delivery: i64,
    ) -> Result<DeliveryView, AppError> {
        let (this, actor, now) = (self.clone(), actor.clone(), self.now());
        let row = self
            .db
            .run(move |c| {
                let me = this.current_in(c, &actor, Role::Admin)?;
                c.transaction(|c| {
                    if q::redeliver(c, webhook, delivery, now)? == 0 {
                        return Err(AppError::not_found(
                            "delivery",
                            format!("{delivery} of webhook {webhook}"),
                        ));
                    }
                    record(
                        c,
                        &me.who(),
                        "webhook.redeliver",
                        &format!("webhook:{webhook}"),
                        &format!("delivery {delivery}"),
                        now,
                    )?;
                    q::delivery(c, webhook, delivery)?
                        .ok_or_else(|| AppError::internal(anyhow::anyhow!("delivery vanished")))
                })
            })
            .await?;
        self.content.endpoints_changed();
        Ok(delivery_view(row))
    }
}

fn check_description(description: &str, errors: &mut Vec<FieldError>) {
    if description.chars().count() > 500 {
        errors.push(FieldError::new(
            "description",
            "too_long",
            "The description is limited to 500 characters.",
        ));
    }
}
