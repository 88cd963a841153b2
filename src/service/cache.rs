//! A short-lived cache of what public reads assemble. An entry lives for the configured TTL,
//! and never past the next scheduled publication time, so a scheduled article still appears
//! exactly on time. Writes made through this process clear it (`ContentService::invalidate`);
//! other instances see a change within the TTL, the same bound a CDN gives.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::QueryResult;
use moka::Expiry;
use moka::sync::Cache;

use crate::db::DbConn;

pub(super) struct Entry<V> {
    pub value: Arc<V>,
    lifetime: Duration,
}

// By hand: the derive would ask `V: Clone`, but only the `Arc` is cloned.
impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Entry {
            value: self.value.clone(),
            lifetime: self.lifetime,
        }
    }
}

struct UntilHorizon;

impl<K, V> Expiry<K, Entry<V>> for UntilHorizon {
    fn expire_after_create(&self, _key: &K, value: &Entry<V>, _created_at: Instant) -> Option<Duration> {
        Some(value.lifetime)
    }
}

pub(super) struct ReadCache<K, V> {
    cache: Option<Cache<K, Entry<V>>>,
    ttl: Duration,
}

impl<K, V> ReadCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// `ttl` zero turns caching off; `weigh` estimates an entry's bytes against `max_bytes`.
    pub fn new(ttl: Duration, max_bytes: u64, weigh: fn(&V) -> u32) -> ReadCache<K, V> {
        let cache = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(move |_k: &K, e: &Entry<V>| weigh(&e.value))
                .expire_after(UntilHorizon)
                .build()
        });
        ReadCache { cache, ttl }
    }

    pub fn enabled(&self) -> bool {
        self.cache.is_some()
    }

    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        self.cache.as_ref()?.get(key).map(|e| e.value)
    }

    /// Keeps `value` until the TTL passes or `horizon` (the next scheduled publication,
    /// read at `now`) comes, whichever is first.
    pub fn insert(&self, key: K, value: Arc<V>, now: NaiveDateTime, horizon: Option<NaiveDateTime>) {
        let Some(cache) = &self.cache else { return };
        let until_horizon = horizon
            .map(|h| (h - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(Duration::MAX);
        let lifetime = self.ttl.min(until_horizon);
        if !lifetime.is_zero() {
            cache.insert(key, Entry { value, lifetime });
        }
    }

    pub fn clear(&self) {
        if let Some(cache) = &self.cache {
            cache.invalidate_all();
        }
    }
}

/// The next scheduled publication, which bounds every cached entry. It is remembered until
/// it passes, a write through this process clears it, or `ttl` lapses (a write by another
/// process), rather than asked of the database for every entry cached.
pub(crate) struct Horizon {
    ttl: Duration,
    slot: Mutex<Option<(Option<NaiveDateTime>, Instant)>>,
    /// Bumped by every clear, so that an answer read before a write is not kept after it.
    generation: AtomicU64,
}

impl Horizon {
    pub fn new(ttl: Duration) -> Horizon {
        Horizon {
            ttl,
            slot: Mutex::new(None),
            generation: AtomicU64::new(0),
        }
    }

    /// The remembered answer while it holds (outer `None`: the database must be asked).
    pub fn remembered(&self, now: NaiveDateTime) -> Option<Option<NaiveDateTime>> {
        let slot = self.slot.lock().ok()?;
        let (next, since) = (*slot)?;
        (since.elapsed() < self.ttl && next.is_none_or(|n| now < n)).then_some(next)
    }

    pub fn at(&self, c: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
        if let Some(next) = self.remembered(now) {
            return Ok(next);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let next = crate::db::articles::next_publication_after(c, now)?;
        if let Ok(mut slot) = self.slot.lock()
            && self.generation.load(Ordering::Acquire) == generation
        {
            *slot = Some((next, Instant::now()));
        }
        Ok(next)
    }

    pub fn clear(&self) {
        if let Ok(mut slot) = self.slot.lock() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            *slot = None;
        }
    }
}
