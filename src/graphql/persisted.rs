//! Persisted queries, as Apollo's clients speak them: a request may name its document by
//! SHA-256 (`extensions.persistedQuery.sha256Hash`) instead of carrying it, so a query goes
//! over GET in a short URL that a CDN caches like any REST route.
//!
//! - **Automatic** (APQ): an unknown hash is answered `PersistedQueryNotFound`; the client
//!   sends the document once with its hash, which is checked and remembered (in memory,
//!   per server: another server asks once too).
//! - **Allow-list** (`--graphql-persisted-only`): only the documents of a manifest the
//!   newsroom's apps were built with (`@apollo/generate-persisted-query-manifest`'s format)
//!   run, by hash or by text; nothing is remembered, anything else is refused.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// Where the allow-list comes from, and whether it is the only thing that runs.
#[derive(Debug, Clone, Default)]
pub struct PersistedSettings {
    /// An Apollo persisted query manifest: its documents are known from the start.
    pub manifest: Option<PathBuf>,
    /// Refuse every document that is not in the manifest.
    pub only: bool,
}

/// Why a request naming a persisted query is not run.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The hash names no document this server knows: send the document with it.
    NotFound,
    /// The document sent does not hash to the hash sent with it.
    HashMismatch,
    /// Allow-list mode: the document is not one of the manifest's.
    NotInList,
    /// `persistedQuery` is not `{"version": 1, "sha256Hash": "<64 hex digits>"}`.
    Malformed(String),
}

impl Refusal {
    /// `PersistedQueryNotFound` is the message Apollo's link looks for before it retries.
    pub fn message(&self) -> String {
        match self {
            Refusal::NotFound => "PersistedQueryNotFound".into(),
            Refusal::HashMismatch => "provided sha256Hash does not match the query".into(),
            Refusal::NotInList => "only the persisted queries of this newsroom's apps run here".into(),
            Refusal::Malformed(why) => why.clone(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotFound => "PERSISTED_QUERY_NOT_FOUND",
            Refusal::HashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            Refusal::NotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            Refusal::Malformed(_) => "BAD_REQUEST",
        }
    }
}

#[derive(Clone)]
pub struct PersistedQueries {
    /// Learned from clients (APQ), bounded by bytes.
    learned: moka::sync::Cache<String, Arc<str>>,
    /// From the manifest.
    listed: Arc<HashMap<String, Arc<str>>>,
    only: bool,
}

impl PersistedQueries {
    pub fn new(settings: &PersistedSettings) -> anyhow::Result<PersistedQueries> {
        let listed = match &settings.manifest {
            Some(path) => read_manifest(path)?,
            None => HashMap::new(),
        };
        if settings.only && listed.is_empty() {
            anyhow::bail!(
                "--graphql-persisted-only needs the queries it allows: --graphql-persisted-queries FILE"
            );
        }
        Ok(PersistedQueries {
            learned: moka::sync::Cache::builder()
                .max_capacity(8 * 1024 * 1024)
                .weigher(|k: &String, v: &Arc<str>| u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX))
                .build(),
            listed: Arc::new(listed),
            only: settings.only,
        })
    }

    /// Fills in the document of a request that names one by hash and applies the
    /// allow-list. Answers the hash to [`Self::remember`] once the document is known to
    /// parse, when the client sent both.
    pub fn resolve(&self, request: &mut async_graphql::Request) -> Result<Option<String>, Refusal> {
        let hash = named_hash(request)?;
        let sent = !request.query.trim().is_empty();
        match hash {
            Some(hash) if !sent => {
                let found = self
                    .listed
                    .get(&hash)
                    .cloned()
                    .or_else(|| (!self.only).then(|| self.learned.get(&hash)).flatten());
                request.query = found.ok_or(Refusal::NotFound)?.to_string();
                Ok(None)
            }
            Some(hash) => {
                if sha256_hex(&request.query) != hash {
                    return Err(Refusal::HashMismatch);
                }
                if self.only && !self.listed.contains_key(&hash) {
                    return Err(Refusal::NotInList);
                }
                Ok((!self.only).then_some(hash))
            }
            None if sent && self.only => {
                if self.listed.contains_key(&sha256_hex(&request.query)) {
                    Ok(None)
                } else {
                    Err(Refusal::NotInList)
                }
            }
            None => Ok(None),
        }
    }

    pub fn remember(&self, hash: String, query: &str) {
        self.learned.insert(hash, Arc::from(query));
    }
}

/// `extensions.persistedQuery.sha256Hash`, checked.
fn named_hash(request: &async_graphql::Request) -> Result<Option<String>, Refusal> {
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let malformed = || {
        Refusal::Malformed(
            "extensions.persistedQuery is {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}".into(),
        )
    };
    let persisted = persisted.clone().into_json().map_err(|_| malformed())?;
    if persisted.get("version").and_then(|v| v.as_i64()) != Some(1) {
        return Err(malformed());
    }
    let hash = persisted
        .get("sha256Hash")
        .and_then(|h| h.as_str())
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(malformed)?;
    Ok(Some(hash.to_ascii_lowercase()))
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An Apollo persisted query manifest: `{"format": "apollo-persisted-query-manifest",
/// "version": 1, "operations": [{"id", "name", "type", "body"}]}`, each id the SHA-256 of
/// its body, as Apollo's link computes it.
fn read_manifest(path: &std::path::Path) -> anyhow::Result<HashMap<String, Arc<str>>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Manifest {
        format: String,
        version: u32,
        operations: Vec<Operation>,
    }
    #[derive(serde::Deserialize)]
    struct Operation {
        id: String,
        body: String,
    }
    let raw = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let manifest: Manifest = serde_json::from_slice(&raw)
        .map_err(|e| anyhow::anyhow!("{} is not a persisted query manifest: {e}", path.display()))?;
    if manifest.format != "apollo-persisted-query-manifest" || manifest.version != 1 {
        anyhow::bail!(
            "{}: expected format apollo-persisted-query-manifest, version 1",
            path.display()
        );
    }
    manifest
        .operations
        .into_iter()
        .map(|op| {
            if sha256_hex(&op.body) != op.id.to_ascii_lowercase() {
                anyhow::bail!(
                    "{}: operation {} is not the SHA-256 of its body",
                    path.display(),
                    op.id
                );
            }
            Ok((op.id.to_ascii_lowercase(), Arc::from(op.body)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(query: &str, hash: &str) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(query);
        request.extensions.insert(
            "persistedQuery".into(),
            async_graphql::Value::from_json(serde_json::json!({ "version": 1, "sha256Hash": hash })).unwrap(),
        );
        request
    }

    #[test]
    fn a_hash_is_learned_from_its_document_and_then_enough() {
        let apq = PersistedQueries::new(&PersistedSettings::default()).unwrap();
        let query = "{ articles(first: 1) { edges { cursor } } }";
        let hash = sha256_hex(query);
        assert_eq!(apq.resolve(&mut named("", &hash)), Err(Refusal::NotFound));
        assert_eq!(apq.resolve(&mut named(query, &hash)), Ok(Some(hash.clone())));
        apq.remember(hash.clone(), query);
        let mut by_hash = named("", &hash.to_ascii_uppercase());
        assert_eq!(apq.resolve(&mut by_hash), Ok(None));
        assert_eq!(by_hash.query, query);
        assert_eq!(
            apq.resolve(&mut named("{ sections { id } }", &hash)),
            Err(Refusal::HashMismatch)
        );
        assert!(matches!(
            apq.resolve(&mut named("", "abc")),
            Err(Refusal::Malformed(_))
        ));
    }
}
