//! A bounded cache of document embeddings. A document's token embeddings
//! depend only on the document (and the model that owns the cache), so
//! candidates repeated across queries (paging, multivector sets, hybrid sets
//! that share rows) are encoded once. Entries are evicted least recently
//! used first once the cache holds more than its byte budget.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

/// A text's identity: its 64-bit SipHash and its length.
pub type Key = (u64, usize);

/// Bytes an entry costs beyond its embeddings (map slots, order index, Arc).
const ENTRY_OVERHEAD: usize = 96;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: usize,
    pub bytes: usize,
    pub capacity: usize,
}

pub struct EmbeddingCache {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    map: HashMap<Key, (Arc<[f32]>, u64)>,
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
    hits: u64,
    misses: u64,
}

impl EmbeddingCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::new(State::default()),
        }
    }

    pub fn key(text: &str) -> Key {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        (hasher.finish(), text.len())
    }

    /// The cached embeddings of `key`, counting a hit or a miss.
    pub fn get(&self, key: Key) -> Option<Arc<[f32]>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tick += 1;
        let tick = state.tick;
        match state.map.get_mut(&key) {
            Some((embeddings, used)) => {
                let (embeddings, old) = (embeddings.clone(), std::mem::replace(used, tick));
                state.order.remove(&old);
                state.order.insert(tick, key);
                state.hits += 1;
                Some(embeddings)
            }
            None => {
                state.misses += 1;
                None
            }
        }
    }

    pub fn insert(&self, key: Key, embeddings: Arc<[f32]>) {
        let size = embeddings.len() * 4 + ENTRY_OVERHEAD;
        if size > self.capacity {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tick += 1;
        let tick = state.tick;
        if let Some((old, used)) = state.map.insert(key, (embeddings, tick)) {
            state.order.remove(&used);
            state.bytes -= old.len() * 4 + ENTRY_OVERHEAD;
        }
        state.order.insert(tick, key);
        state.bytes += size;
        while state.bytes > self.capacity {
            let Some((_, oldest)) = state.order.pop_first() else {
                break;
            };
            if let Some((evicted, _)) = state.map.remove(&oldest) {
                state.bytes -= evicted.len() * 4 + ENTRY_OVERHEAD;
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        CacheStats {
            hits: state.hits,
            misses: state.misses,
            entries: state.map.len(),
            bytes: state.bytes,
            capacity: self.capacity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_within_the_budget() {
        let entry = |n: usize| -> Arc<[f32]> { vec![0.0; n].into() };
        let cache = EmbeddingCache::new(3 * (40 + ENTRY_OVERHEAD));
        let (a, b, c, d) = (
            EmbeddingCache::key("a"),
            EmbeddingCache::key("b"),
            EmbeddingCache::key("c"),
            EmbeddingCache::key("d"),
        );
        cache.insert(a, entry(10));
        cache.insert(b, entry(10));
        cache.insert(c, entry(10));
        assert!(cache.get(a).is_some()); // a is now the most recent
        cache.insert(d, entry(10)); // evicts b
        assert!(cache.get(b).is_none());
        assert!(cache.get(a).is_some() && cache.get(c).is_some() && cache.get(d).is_some());
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.hits, stats.misses), (3, 4, 1));
        assert!(stats.bytes <= stats.capacity);
        cache.insert(EmbeddingCache::key("huge"), entry(10_000)); // larger than the cache: skipped
        assert_eq!(cache.stats().entries, 3);
    }
}
