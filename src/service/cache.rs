//! A short-lived cache of what public reads assemble. An entry lives for the configured TTL,
//! and never past the next scheduled publication time, so a scheduled article still appears
//! exactly on time: that bound is kept in the service's clock (see `Clock`), which is the
//! one publication times are compared with, and checked on every read. Writes made through this process clear it (`ContentService::invalidate`);
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
    /// The next scheduled publication when it was read: it is stale from then on.
    until: Option<NaiveDateTime>,
}

// By hand: the derive would ask `V: Clone`, but only the `Arc` is cloned.
impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Entry {
            value: self.value.clone(),
            lifetime: self.lifetime,
            until: self.until,
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
    /// Bumped by every clear. A reader takes it before reading the database and stores its
    /// answer only if it has not moved: an answer read before a write is never kept after
    /// the write cleared the cache.
    generation: AtomicU64,
}

/// The cache's generation when a reader began; see `ReadCache::insert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

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
        ReadCache {
            cache,
            ttl,
            generation: AtomicU64::new(0),
        }
    }

    /// Take before reading what will be inserted.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// The entry under `key`, unless a scheduled publication came since it was read.
    pub fn get(&self, key: &K, now: NaiveDateTime) -> Option<Arc<V>> {
        let entry = self.cache.as_ref()?.get(key)?;
        entry.until.is_none_or(|until| now < until).then_some(entry.value)
    }

    /// Keeps `value` until the TTL passes or `horizon` (the next scheduled publication,
    /// read at `now`) comes, whichever is first.
    /// Nothing is kept when the cache was cleared since `ticket` was taken.
    pub fn insert(
        &self,
        key: K,
        value: Arc<V>,
        ticket: Ticket,
        now: NaiveDateTime,
        horizon: Option<NaiveDateTime>,
    ) where
        K: Clone,
    {
        let Some(cache) = &self.cache else { return };
        let until_horizon = horizon
            .map(|h| (h - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(Duration::MAX);
        let lifetime = self.ttl.min(until_horizon);
        if lifetime.is_zero() || self.ticket() != ticket {
            return;
        }
        cache.insert(
            key.clone(),
            Entry {
                value,
                lifetime,
                until: horizon,
            },
        );
        // A clear between the check and the insert bumped the generation before it
        // invalidated: either it saw this entry, or this check sees the bump.
        if self.ticket() != ticket {
            cache.invalidate(&key);
        }
    }

    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Clock;

    #[test]
    fn an_entry_is_stale_once_the_next_publication_comes_by_the_service_clock() {
        let cache = cache();
        let clock = Clock::default();
        let now = clock.now();
        let due = now + chrono::TimeDelta::seconds(2);
        cache.insert("list", Arc::new(1), cache.ticket(), now, Some(due));
        assert_eq!(cache.get(&"list", clock.now()).as_deref(), Some(&1));
        // No time passes on the system clock; the service's clock reaches the publication.
        clock.advance(chrono::TimeDelta::seconds(3));
        assert!(cache.get(&"list", clock.now()).is_none());
    }

    fn cache() -> ReadCache<&'static str, u32> {
        ReadCache::new(Duration::from_secs(60), 1 << 20, |_| 1)
    }

    #[test]
    fn an_answer_read_before_a_write_is_not_kept_after_it() {
        let cache = cache();
        let now = Clock::default().now();
        let ticket = cache.ticket();
        // The read is under way when a write clears the cache...
        cache.clear();
        // ...and its old answer arrives afterwards.
        cache.insert("article", Arc::new(1), ticket, now, None);
        assert!(cache.get(&"article", now).is_none());
        // A read begun after the write is kept.
        cache.insert("article", Arc::new(2), cache.ticket(), now, None);
        assert_eq!(cache.get(&"article", now).as_deref(), Some(&2));
    }

    #[test]
    fn reads_racing_writes_never_leave_a_stale_entry() {
        let cache = Arc::new(cache());
        let now = Clock::default().now();
        for round in 0..2_000u32 {
            let ticket = cache.ticket();
            let writer = {
                let cache = cache.clone();
                std::thread::spawn(move || cache.clear())
            };
            cache.insert("k", Arc::new(round), ticket, now, None);
            writer.join().expect("writer");
            // The write finished after the read began: whatever the interleaving, the
            // answer read before it must be gone.
            assert!(cache.get(&"k", now).is_none(), "round {round} kept a stale entry");
        }
    }
}
