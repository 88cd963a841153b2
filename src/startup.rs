//! Building and running the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::auth::keys;
use crate::config::Settings;
use crate::db::Db;
use crate::service::ContentService;
use crate::service::comments::CommentService;
use crate::service::editorial::EditorialService;
use crate::{graphql, http};

pub struct Application {
    server: Server,
    port: u16,
    content: ContentService,
    flusher: tokio::task::JoinHandle<()>,
    related_index: tokio::task::JoinHandle<()>,
    retention: tokio::task::JoinHandle<()>,
    pruner: tokio::task::JoinHandle<()>,
    schedule: tokio::task::JoinHandle<()>,
    follower: tokio::task::JoinHandle<()>,
    webhooks: tokio::task::JoinHandle<()>,
    websub: Option<tokio::task::JoinHandle<()>>,
}

/// Every minute, forgets the rate-limit state of callers back to a full quota, so that a
/// flood from many addresses does not stay in memory.
fn spawn_limit_pruning(
    gate: Arc<http::gate::RateLimits>,
    comments: CommentService,
    editorial: EditorialService,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            gate.prune();
            comments.prune_limits();
            editorial.prune_limits();
        }
    })
}

impl Application {
    /// Connects to the database (running migrations) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let url = settings.database_url.clone();
        let pool_size = settings.pool_size();
        let mmap = settings.sqlite_mmap_mib * 1024 * 1024;
        let db = tokio::task::spawn_blocking(move || Db::connect_with(&url, pool_size, mmap)).await??;
        Application::with_db(db, settings)
    }

    pub fn with_db(db: Db, settings: Settings) -> anyhow::Result<Application> {
        let db = db.with_concurrency(settings.db_concurrency());
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let tokens = Arc::new(keys::load(&settings.keys, &settings.database_url)?);
        let content = ContentService::new(db.clone(), &settings.content);
        let comments = CommentService::new(
            db.clone(),
            content.clone(),
            settings.comments.clone(),
            keys::server_secret(&settings.keys, &settings.database_url)?,
        );
        let editorial = EditorialService::new(db, content.clone(), tokens, settings.editorial.clone());
        let mut site_settings = settings.site.clone();
        site_settings.api_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{port}"));
        // Shared by the schema and the HTTP layer, which looks at a document before it runs.
        let documents = graphql::ParseCache::new(4 * 1024 * 1024);
        let schema = web::Data::new(graphql::schema(
            content.clone(),
            editorial.clone(),
            comments.clone(),
            site_settings.clone(),
            settings.graphql.clone(),
            documents.clone(),
        ));
        let documents = web::Data::new(documents);
        let persisted = web::Data::new(graphql::PersistedQueries::new(&settings.persisted_queries)?);
        let retention = comments.spawn_retention();
        let limits = web::Data::new(http::gate::RateLimits::new(settings.anonymous_rate_limit));
        let pruner = spawn_limit_pruning(limits.clone().into_inner(), comments.clone(), editorial.clone());
        let comments_data = web::Data::new(comments);
        let content_data = web::Data::new(content.clone());
        let editorial_data = web::Data::new(editorial);
        let cache = web::Data::new(settings.cache.clone());
        let feed_policy = web::Data::new(settings.feeds.clone());
        let site = web::Data::new(site_settings.clone());
        let edge = web::Data::new(settings.edge.clone());
        let cors = settings.cors.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::Compress::default())
                .wrap(from_fn(http::gate::gate))
                .wrap(from_fn(http::edge::edge))
                .wrap(http::cors::middleware(&cors))
                .wrap(from_fn(http::cors::preflight_no_content))
                .wrap(from_fn(http::edge::merge_vary))
                .wrap(TracingLogger::default())
                .app_data(edge.clone())
                .app_data(content_data.clone())
                .app_data(editorial_data.clone())
                .app_data(comments_data.clone())
                .app_data(limits.clone())
                .app_data(schema.clone())
                .app_data(documents.clone())
                .app_data(persisted.clone())
                .app_data(cache.clone())
                .app_data(feed_policy.clone())
                .app_data(site.clone())
                .configure(http::configure)
                .configure(graphql::routes)
                .into_utoipa_app()
                .configure(http::routes)
                .into_app()
                .default_service(web::to(http::not_found))
        })
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        if !settings.handle_signals {
            server = server.disable_signals();
        }
        tracing::info!(port, database = %settings.database_url, "listening");
        let flusher = content.spawn_view_flusher();
        let related_index = content.spawn_related_index();
        let schedule = tokio::spawn(content.clone().watch_schedule(settings.content.schedule_check));
        let follower = tokio::spawn(content.clone().follow_log(settings.content.follow_interval));
        let websub = (!site_settings.hubs.is_empty()).then(|| {
            tokio::spawn(
                content
                    .clone()
                    .ping_hubs(site_settings.clone(), settings.content.follow_interval),
            )
        });
        let webhooks = tokio::spawn(
            content
                .clone()
                .deliver_webhooks(settings.content.webhooks.clone()),
        );
        Ok(Application {
            server: server.run(),
            port,
            content,
            flusher,
            related_index,
            retention,
            pruner,
            schedule,
            follower,
            webhooks,
            websub,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn content(&self) -> &ContentService {
        &self.content
    }

    /// Serves until SIGINT/SIGTERM (when signals are handled), finishing requests in flight,
    /// then writes the views still counted in memory.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.flusher.abort();
        self.related_index.abort();
        self.retention.abort();
        self.pruner.abort();
        self.schedule.abort();
        self.follower.abort();
        self.webhooks.abort();
        if let Some(websub) = &self.websub {
            websub.abort();
        }
        match self.content.flush_views().await {
            Ok(written) => tracing::info!(written, "views flushed on shutdown"),
            Err(e) => tracing::error!(error = %e, "views counted since the last flush are lost"),
        }
        served
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}
