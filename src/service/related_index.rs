//! The related-articles key index held in memory: for each key, the articles that have it
//! in order of publication, so that "the nearest 48 before and after" is a binary search
//! instead of two index reads per key in the database.
//!
//! `related_keys` in the database stays the truth. The memory copy is filled from it in
//! the background at start (until then related articles read the database), follows this
//! process's writes at the next request after them, and other processes' writes through
//! `articles.updated_at` within `SYNC_EVERY`. Anything it still holds about an article
//! that has since been unpublished or deleted is harmless: every candidate is checked
//! against the database as public before it is shown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime};

use crate::db::discovery::{self as q, Candidate, NewKey};
use crate::db::{Db, DbConn};
use crate::error::AppError;

/// How often changes made by other processes are picked up.
pub const SYNC_EVERY: Duration = Duration::from_secs(5);
/// Changes are read back this far before the last sync, so that a write committed late
/// with an earlier `updated_at`, or by a process whose clock lags, is not missed.
const OVERLAP_SECONDS: i64 = 120;
/// Articles read per step while filling.
const FILL_STEP: i64 = 20_000;

/// One article in one key's list. Seconds and 32-bit ids keep a million articles with
/// sixteen keys each in about 128 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Posting {
    at: u32,
    id: u32,
}

#[derive(Debug)]
struct Entry {
    at: u32,
    slots: Box<[u32]>,
}

#[derive(Debug, Default)]
struct Postings {
    slots: HashMap<i64, u32>,
    /// The key of each slot.
    keys: Vec<i64>,
    lists: Vec<Vec<Posting>>,
    articles: HashMap<u32, Entry>,
}

fn seconds(t: NaiveDateTime) -> u32 {
    u32::try_from(t.and_utc().timestamp().max(0)).unwrap_or(u32::MAX)
}

fn instant(at: u32) -> NaiveDateTime {
    DateTime::from_timestamp(i64::from(at), 0)
        .unwrap_or_default()
        .naive_utc()
}

impl Postings {
    fn slot(&mut self, key: i64) -> u32 {
        let next = self.lists.len() as u32;
        *self.slots.entry(key).or_insert_with(|| {
            self.lists.push(Vec::new());
            self.keys.push(key);
            next
        })
    }

    /// Appends without keeping order; `sort` restores it. The bulk path.
    fn push_unsorted(&mut self, id: u32, at: u32, keys: &[i64]) {
        let slots: Box<[u32]> = keys.iter().map(|&k| self.slot(k)).collect();
        for &s in slots.iter() {
            self.lists[s as usize].push(Posting { at, id });
        }
        self.articles.insert(id, Entry { at, slots });
    }

    fn sort(&mut self) {
        for list in &mut self.lists {
            list.sort_unstable();
            list.dedup();
            list.shrink_to_fit();
        }
    }

    /// Whether `id` is held with exactly this time and these keys.
    fn holds(&self, id: u32, at: u32, keys: &[i64]) -> bool {
        let Some(entry) = self.articles.get(&id) else {
            return false;
        };
        if entry.at != at || entry.slots.len() != keys.len() {
            return false;
        }
        keys.iter()
            .all(|k| self.slots.get(k).is_some_and(|s| entry.slots.contains(s)))
    }

    fn remove(&mut self, id: u32) {
        let Some(entry) = self.articles.remove(&id) else {
            return;
        };
        let posting = Posting { at: entry.at, id };
        for &s in entry.slots.iter() {
            let list = &mut self.lists[s as usize];
            if let Ok(i) = list.binary_search(&posting) {
                list.remove(i);
            }
        }
    }

    fn insert(&mut self, id: u32, at: u32, keys: &[i64]) {
        let slots: Box<[u32]> = keys.iter().map(|&k| self.slot(k)).collect();
        let posting = Posting { at, id };
        for &s in slots.iter() {
            let list = &mut self.lists[s as usize];
            if let Err(i) = list.binary_search(&posting) {
                list.insert(i, posting);
            }
        }
        self.articles.insert(id, Entry { at, slots });
    }

    /// As `db::discovery::candidates`, from memory.
    fn candidates(&self, keys: &[i64], around: u32, lo: u32, hi: u32, per_side: usize) -> Vec<Candidate> {
        let mut out = Vec::new();
        for &key in keys {
            let Some(&slot) = self.slots.get(&key) else {
                continue;
            };
            let list = &self.lists[slot as usize];
            let split = list.partition_point(|p| p.at <= around);
            let before = list[..split]
                .iter()
                .rev()
                .take_while(|p| p.at >= lo)
                .take(per_side);
            let after = list[split..].iter().take_while(|p| p.at <= hi).take(per_side);
            out.extend(before.chain(after).map(|p| Candidate {
                key,
                article_id: i64::from(p.id),
                published_at: instant(p.at),
            }));
        }
        out
    }
}

/// Groups rows by article: (id, publication time, keys).
fn by_article(rows: Vec<NewKey>) -> Result<HashMap<u32, (u32, Vec<i64>)>, TooLarge> {
    let mut out: HashMap<u32, (u32, Vec<i64>)> = HashMap::new();
    for r in rows {
        let id = u32::try_from(r.article_id).map_err(|_| TooLarge)?;
        let e = out
            .entry(id)
            .or_insert_with(|| (seconds(r.published_at), Vec::new()));
        e.1.push(r.key);
    }
    Ok(out)
}

/// An article id beyond 32 bits: the memory index gives way to the database.
#[derive(Debug)]
struct TooLarge;

/// Which of this process's writes the index has taken in. A sync takes in the writes
/// counted before it began reading; one counted while it reads may be missed by that read,
/// so the index stays stale until a sync begun after the write has finished.
#[derive(Debug, Default)]
struct Freshness {
    /// Writes counted so far.
    written: AtomicU64,
    /// Writes the index is known to hold.
    applied: AtomicU64,
}

impl Freshness {
    fn note_write(&self) {
        self.written.fetch_add(1, Ordering::AcqRel);
    }

    /// Before a sync reads: what it will have taken in once it has applied what it read.
    fn begin(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    fn finish(&self, begun: u64) {
        self.applied.fetch_max(begun, Ordering::AcqRel);
    }

    fn is_stale(&self) -> bool {
        self.applied.load(Ordering::Acquire) < self.written.load(Ordering::Acquire)
    }
}

/// The shared index: empty until filled, then kept in step with the database.
#[derive(Debug, Default)]
pub struct RelatedIndex {
    postings: RwLock<Option<Postings>>,
    /// Changes from this instant on are not in memory yet.
    synced_to: Mutex<Option<NaiveDateTime>>,
    /// This process's writes; a reader after one syncs first.
    freshness: Freshness,
    syncing: tokio::sync::Mutex<()>,
}

impl RelatedIndex {
    pub fn new() -> Arc<RelatedIndex> {
        Arc::new(RelatedIndex::default())
    }

    /// Called on every write: the next reader brings the index up to date first.
    pub fn mark_stale(&self) {
        self.freshness.note_write();
    }

    pub fn is_stale(&self) -> bool {
        self.freshness.is_stale()
    }

    /// Syncs when a write of this process may be missing, unless a sync that finished
    /// while this one waited for its turn took it in.
    pub async fn catch_up(&self, db: &Db, now: NaiveDateTime) -> Result<(), AppError> {
        let one = self.syncing.lock().await;
        if !self.is_stale() {
            return Ok(());
        }
        self.sync_holding(db, now, one).await
    }

    /// Candidates from memory; `None` while the index is not filled, or behind a write that
    /// no sync has taken in yet (it was being filled when the write came).
    pub fn candidates(
        &self,
        keys: &[i64],
        around: NaiveDateTime,
        lo: NaiveDateTime,
        hi: NaiveDateTime,
        per_side: i64,
    ) -> Option<Vec<Candidate>> {
        if self.is_stale() {
            return None;
        }
        let guard = self.postings.read().ok()?;
        let postings = guard.as_ref()?;
        // Seconds are coarser than the database's microseconds: widen by one so nothing
        // at the edges is lost; the public check afterwards is exact.
        let hi = seconds(hi).saturating_add(1);
        Some(postings.candidates(keys, seconds(around), seconds(lo), hi, per_side.max(0) as usize))
    }

    /// The keys held for those of `ids` that the index holds; `None` when `candidates`
    /// would be.
    pub fn keys_of(&self, ids: &[i64]) -> Option<HashMap<i64, Vec<i64>>> {
        if self.is_stale() {
            return None;
        }
        let guard = self.postings.read().ok()?;
        let postings = guard.as_ref()?;
        Some(
            ids.iter()
                .filter_map(|&id| {
                    let entry = postings.articles.get(&u32::try_from(id).ok()?)?;
                    let keys = entry.slots.iter().map(|&s| postings.keys[s as usize]).collect();
                    Some((id, keys))
                })
                .collect(),
        )
    }

    /// Reads every key from the database into memory, in steps of `FILL_STEP` articles.
    pub async fn fill(&self, db: &Db, now: NaiveDateTime) -> Result<(), AppError> {
        let started = now;
        let Some(max_id) = db.run(|c| Ok(q::max_article_id(c)?)).await? else {
            self.install(Postings::default(), started);
            return Ok(());
        };
        let mut postings = Postings::default();
        let mut after = 0;
        while after < max_id {
            let up_to = after + FILL_STEP;
            let rows = db.run(move |c| Ok(q::keys_in_id_range(c, after, up_to)?)).await?;
            let Ok(grouped) = by_article(rows) else {
                tracing::warn!("article ids beyond 32 bits: related articles read the database");
                return Ok(());
            };
            for (id, (at, keys)) in grouped {
                postings.push_unsorted(id, at, &keys);
            }
            after = up_to;
        }
        postings.sort();
        let keys = postings.lists.len();
        let articles = postings.articles.len();
        self.install(postings, started);
        tracing::info!(articles, keys, "related index loaded");
        Ok(())
    }

    fn install(&self, postings: Postings, synced_to: NaiveDateTime) {
        if let Ok(mut p) = self.postings.write() {
            *p = Some(postings);
        }
        if let Ok(mut s) = self.synced_to.lock() {
            *s = Some(synced_to);
        }
    }

    /// Applies the changes made since the last sync, by any process (the background calls
    /// it every `SYNC_EVERY`). One caller at a time.
    pub async fn sync(&self, db: &Db, now: NaiveDateTime) -> Result<(), AppError> {
        let one = self.syncing.lock().await;
        self.sync_holding(db, now, one).await
    }

    async fn sync_holding(
        &self,
        db: &Db,
        now: NaiveDateTime,
        _one: tokio::sync::MutexGuard<'_, ()>,
    ) -> Result<(), AppError> {
        // Not filled yet: readers use the database, and the fill reads everything.
        let Some(since) = self.synced_to.lock().ok().and_then(|s| *s) else {
            return Ok(());
        };
        let begun = self.freshness.begin();
        let overlap = chrono::Duration::seconds(OVERLAP_SECONDS);
        let (since, until) = (since - overlap, now + overlap);
        let (changed, rows) = db
            .run(move |c: &mut DbConn| {
                let changed = q::changed_between(c, since, until)?;
                let rows = q::keys_of_articles(c, &changed)?;
                Ok((changed, rows))
            })
            .await?;
        self.apply(&changed, rows);
        if let Ok(mut s) = self.synced_to.lock() {
            *s = Some(now);
        }
        self.freshness.finish(begun);
        Ok(())
    }

    /// Forgets a deleted article at once.
    pub fn forget(&self, id: i64) {
        self.apply(&[id], Vec::new());
    }

    fn apply(&self, changed: &[i64], rows: Vec<NewKey>) {
        let Ok(grouped) = by_article(rows) else {
            if let Ok(mut p) = self.postings.write() {
                *p = None;
            }
            return;
        };
        // Most articles read back (the overlap) have not changed: find the others under
        // the read lock, so that readers are held up only by real changes.
        let differ: Vec<u32> = {
            let Ok(guard) = self.postings.read() else { return };
            let Some(postings) = guard.as_ref() else { return };
            changed
                .iter()
                .filter_map(|&id| u32::try_from(id).ok())
                .filter(|id| {
                    grouped
                        .get(id)
                        .is_none_or(|(at, keys)| !postings.holds(*id, *at, keys))
                })
                .collect()
        };
        if differ.is_empty() {
            return;
        }
        let Ok(mut guard) = self.postings.write() else {
            return;
        };
        let Some(postings) = guard.as_mut() else { return };
        for id in differ {
            postings.remove(id);
            if let Some((at, keys)) = grouped.get(&id) {
                postings.insert(id, *at, keys);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> u32 {
        day * 86_400
    }

    #[test]
    fn nearest_on_each_side_within_the_window() {
        let mut p = Postings::default();
        for id in 1..=10u32 {
            p.push_unsorted(id, at(id), &[7, if id % 2 == 0 { 8 } else { 9 }]);
        }
        p.sort();
        let ids = |c: Vec<Candidate>| c.into_iter().map(|c| (c.key, c.article_id)).collect::<Vec<_>>();
        // Two nearest at or before day 5 (newest first), two after (oldest first).
        assert_eq!(
            ids(p.candidates(&[7], at(5), at(0), at(20), 2)),
            vec![(7, 5), (7, 4), (7, 6), (7, 7)]
        );
        // The window cuts: nothing before day 4, nothing after day 6.
        assert_eq!(
            ids(p.candidates(&[8], at(5), at(4), at(6), 5)),
            vec![(8, 4), (8, 6)]
        );
        assert!(p.candidates(&[42], at(5), at(0), at(20), 5).is_empty());
    }

    #[test]
    fn a_write_during_a_sync_keeps_the_index_stale_until_the_next() {
        let f = Freshness::default();
        assert!(!f.is_stale());
        f.note_write();
        assert!(f.is_stale());
        // A sync begins after the write: readers wait for it, not use the index meanwhile.
        let begun = f.begin();
        assert!(f.is_stale(), "stale while the sync reads");
        // Another write lands while it reads: its read may have missed it.
        f.note_write();
        f.finish(begun);
        assert!(f.is_stale(), "the write during the sync is still to be taken in");
        let begun = f.begin();
        f.finish(begun);
        assert!(!f.is_stale());
    }

    #[test]
    fn an_update_moves_an_article_and_a_removal_forgets_it() {
        let mut p = Postings::default();
        p.push_unsorted(1, at(1), &[7]);
        p.push_unsorted(2, at(2), &[7]);
        p.sort();
        p.remove(1);
        p.insert(1, at(3), &[7, 8]);
        let found: Vec<i64> = p
            .candidates(&[7], at(9), at(0), at(9), 5)
            .iter()
            .map(|c| c.article_id)
            .collect();
        assert_eq!(found, vec![1, 2]);
        p.remove(2);
        let found: Vec<i64> = p
            .candidates(&[7, 8], at(9), at(0), at(9), 5)
            .iter()
            .map(|c| c.article_id)
            .collect();
        assert_eq!(found, vec![1, 1]);
    }
}
