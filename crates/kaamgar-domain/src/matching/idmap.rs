//! Worker id → slot: a dense array for the registry's sequential ids, a map for any others.

use std::collections::HashMap;

/// Worker id → slot: a dense array for the registry's sequential ids, a map for any others.
#[derive(Debug, Default)]
pub(super) struct IdMap {
    pub(super) dense: Vec<u32>,
    sparse: HashMap<i64, u32>,
    len: usize,
}

const NO_SLOT: u32 = u32::MAX;

impl IdMap {
    pub(super) fn dense_index(&self, id: i64) -> Option<usize> {
        // Grow the dense part only for ids near the ones seen: the registry's ids count up from 1.
        usize::try_from(id)
            .ok()
            .filter(|&i| i < self.dense.len().max(1_000_000).saturating_mul(2))
    }

    pub(super) fn get(&self, id: i64) -> Option<u32> {
        match self.dense_index(id) {
            Some(i) => self.dense.get(i).copied().filter(|&s| s != NO_SLOT),
            None => self.sparse.get(&id).copied(),
        }
    }

    pub(super) fn insert(&mut self, id: i64, slot: u32) {
        match self.dense_index(id) {
            Some(i) => {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, NO_SLOT);
                }
                if self.dense[i] == NO_SLOT {
                    self.len += 1;
                }
                self.dense[i] = slot;
            }
            None => {
                if self.sparse.insert(id, slot).is_none() {
                    self.len += 1;
                }
            }
        }
    }

    pub(super) fn remove(&mut self, id: i64) -> Option<u32> {
        let found = match self.dense_index(id) {
            Some(i) => self
                .dense
                .get_mut(i)
                .filter(|s| **s != NO_SLOT)
                .map(|s| std::mem::replace(s, NO_SLOT)),
            None => self.sparse.remove(&id),
        };
        if found.is_some() {
            self.len -= 1;
        }
        found
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.dense.capacity() * 4 + self.sparse.capacity() * 17
    }
}
