//! Typo-tolerant lookup of phonetic keys by deletion neighbourhoods: every key is stored under the strings left
//! when up to its typo budget of letters is deleted, so a lookup costs a handful of hash probes instead of an edit
//! distance against every known name.

use crate::text::{bounded_distance, typo_budget};
use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct FuzzyIndex {
    deletes: HashMap<Box<str>, Vec<u32>>,
    keys: Vec<Box<str>>,
}

impl FuzzyIndex {
    /// Adds `key` (already a skeleton; each key once). Keys too short for a typo budget are not added.
    pub fn insert(&mut self, key: &str) {
        let budget = typo_budget(key.len());
        if budget == 0 || !key.is_ascii() {
            return;
        }
        let slot = self.keys.len() as u32;
        self.keys.push(key.into());
        for variant in deletions(key, budget) {
            let ids = self.deletes.entry(variant.into_boxed_str()).or_default();
            if ids.last() != Some(&slot) {
                ids.push(slot);
            }
        }
    }

    /// Keys within the typo budget of `query`, closest first, as (distance, key).
    pub fn lookup(&self, query: &str) -> Vec<(usize, &str)> {
        let budget = typo_budget(query.len());
        if budget == 0 || !query.is_ascii() {
            return Vec::new();
        }
        let mut seen: Vec<u32> = Vec::new();
        let mut out: Vec<(usize, &str)> = Vec::new();
        for variant in deletions(query, budget) {
            for &slot in self.deletes.get(variant.as_str()).into_iter().flatten() {
                if seen.contains(&slot) {
                    continue;
                }
                seen.push(slot);
                let key = &self.keys[slot as usize];
                let allowed = budget.min(typo_budget(key.len()));
                if let Some(d) = bounded_distance(query, key, allowed) {
                    out.push((d, key));
                }
            }
        }
        out.sort_unstable();
        out
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

/// The key itself and every string made by deleting up to `budget` of its letters.
fn deletions(key: &str, budget: usize) -> Vec<String> {
    let mut out = vec![key.to_string()];
    let mut frontier = vec![key.to_string()];
    for _ in 0..budget {
        let mut next = Vec::new();
        for s in &frontier {
            for i in 0..s.len() {
                let mut v = String::with_capacity(s.len() - 1);
                v.push_str(&s[..i]);
                v.push_str(&s[i + 1..]);
                if !out.contains(&v) {
                    out.push(v.clone());
                    next.push(v);
                }
            }
        }
        frontier = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_one_and_two_edits_away() {
        let mut f = FuzzyIndex::default();
        f.insert("ilktrisin");
        f.insert("mrhur");
        f.insert("plunbir");
        assert_eq!(f.lookup("ilktrsin").first().map(|x| x.1), Some("ilktrisin"));
        assert_eq!(
            f.lookup("ilkttrisiin").first().map(|x| x.1),
            Some("ilktrisin")
        );
        assert_eq!(f.lookup("mrhor").first().map(|x| x.1), Some("mrhur"));
        assert_eq!(f.lookup("plunbar").first().map(|x| x.1), Some("plunbir"));
        assert!(f.lookup("sunpur").is_empty());
        // Short queries get no typo budget.
        assert!(f.lookup("mrh").is_empty());
    }
}
