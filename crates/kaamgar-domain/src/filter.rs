//! Worker filters as people write them ("नल मिस्त्री", "marhora", "व्यस्त") resolved to the stored forms, for every
//! front door that lists workers (API, CLI, dashboard).

use crate::places::PlaceDirectory;
use crate::trade::{TradeCatalogue, TradeMatch};
use crate::worker::Availability;

/// A resolved filter: trade slug, canonical district and block names. All parts are combined with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerFilter {
    /// Trade slug; matches primary and secondary trades.
    pub trade: Option<String>,
    pub district: Option<String>,
    pub block: Option<String>,
    pub availability: Option<Availability>,
    pub source: Option<String>,
    pub verified: Option<bool>,
    /// Part of the name, or the last digits of the phone number (at least four).
    pub search: Option<String>,
}

/// What a person asked for, before resolution.
#[derive(Debug, Clone, Default)]
pub struct FilterInput<'a> {
    pub trade: Option<&'a str>,
    pub district: Option<&'a str>,
    pub block: Option<&'a str>,
    pub availability: Option<&'a str>,
    pub source: Option<&'a str>,
    pub verified: Option<bool>,
    pub search: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    /// `trade_unknown`, `district_unknown`, `block_unknown` or `availability_invalid`.
    pub code: &'static str,
    pub message: String,
}

fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

impl WorkerFilter {
    pub fn resolve(
        trades: &TradeCatalogue,
        places: &PlaceDirectory,
        input: &FilterInput<'_>,
    ) -> Result<Self, FilterError> {
        let trade = match present(input.trade) {
            None => None,
            Some(t) => match trades.lookup(t) {
                TradeMatch::Found(tr) => Some(tr.slug.clone()),
                TradeMatch::Unknown { suggestions } => {
                    let hint: Vec<&str> = suggestions.iter().map(|s| s.slug.as_str()).collect();
                    let message = if hint.is_empty() {
                        format!("unknown trade '{t}'")
                    } else {
                        format!("unknown trade '{t}'; closest: {}", hint.join(", "))
                    };
                    return Err(FilterError {
                        code: "trade_unknown",
                        message,
                    });
                }
            },
        };
        let district_id = match present(input.district) {
            None => None,
            Some(d) => Some(places.resolve_district(d).map_err(|e| FilterError {
                code: "district_unknown",
                message: e.to_string(),
            })?),
        };
        let district = district_id
            .and_then(|d| places.district(d))
            .map(|i| i.name.clone());
        let block = match (present(input.block), district_id) {
            (None, _) => None,
            (Some(b), Some(d)) => Some(
                places
                    .resolve_block(d, b)
                    .map_err(|e| FilterError {
                        code: "block_unknown",
                        message: e.to_string(),
                    })?
                    .name
                    .clone(),
            ),
            (Some(b), None) => {
                let found = places
                    .area()
                    .iter()
                    .find_map(|d| places.resolve_block(*d, b).ok());
                Some(
                    found
                        .ok_or_else(|| FilterError {
                            code: "block_unknown",
                            message: format!("unknown block '{b}' in the service area"),
                        })?
                        .name
                        .clone(),
                )
            }
        };
        let availability = match present(input.availability) {
            None => None,
            Some(a) => Some(Availability::parse(a).ok_or_else(|| FilterError {
                code: "availability_invalid",
                message: format!("availability '{a}': use available, busy or inactive"),
            })?),
        };
        Ok(WorkerFilter {
            trade,
            district,
            block,
            availability,
            source: present(input.source).map(str::to_string),
            verified: input.verified,
            search: present(input.search).map(|s| s.chars().take(60).collect()),
        })
    }
}
