//! Reuses parsed documents: clients send the same few query strings over and over, and
//! parsing is a large share of a small query's cost.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};

/// Cheap to clone: clones share one cache.
#[derive(Clone)]
pub struct ParseCache {
    documents: moka::sync::Cache<String, ExecutableDocument>,
}

impl ParseCache {
    /// Keeps up to `max_bytes` of query text (and its parsed form) in memory.
    pub fn new(max_bytes: u64) -> ParseCache {
        ParseCache {
            documents: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|query: &String, _doc| u32::try_from(query.len() * 8).unwrap_or(u32::MAX))
                .build(),
        }
    }
}

impl ParseCache {
    /// The parsed document of `query`, from the cache when it was parsed before; the HTTP
    /// layer looks at it (is it a mutation?) before the schema runs it.
    pub fn parse(&self, query: &str) -> async_graphql::parser::Result<ExecutableDocument> {
        if let Some(document) = self.documents.get(query) {
            return Ok(document);
        }
        let document = async_graphql::parser::parse_query(query)?;
        self.documents.insert(query.to_owned(), document.clone());
        Ok(document)
    }
}

impl ExtensionFactory for ParseCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ParseCacheExtension {
            documents: self.documents.clone(),
        })
    }
}

struct ParseCacheExtension {
    documents: moka::sync::Cache<String, ExecutableDocument>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for ParseCacheExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Some(document) = self.documents.get(query) {
            return Ok(document);
        }
        let document = next.run(ctx, query, variables).await?;
        self.documents.insert(query.to_owned(), document.clone());
        Ok(document)
    }
}
