//! First-seen evidence: an item whose list claims a date earlier than the night zwgk first
//! saw it, although an earlier night's crawl of the same list already reached back past
//! that date without it, was put up later than it says (倒签发稿日期, 伪造发稿日期).
//!
//! The check is deliberately narrow, so that a flag is evidence an assessor can sign:
//! - the earlier crawl happened more than [`TOLERANCE_DAYS`] after the claimed date;
//! - the earlier crawl's listing reached back to the claimed date or before (its oldest dated
//!   item is no newer), so the item would have been listed had it existed (lists are newest
//!   first);
//! - the item was in no list in that crawl (an item that moved between paging windows or
//!   columns has an earlier first sighting), and its page was never fetched before.
//!
//! Both crawls are in the store, and so in the evidence package.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::store::{ListSnapshot, Sighting};

/// Days between the claimed date and an earlier crawl before an absence counts: sites batch
/// their uploads, and a list page may be cached for a day or two.
pub const TOLERANCE_DAYS: i64 = 3;

/// One item that appeared later than it claims.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Backdating {
    pub item_url: String,
    pub title: Option<String>,
    pub list_url: String,
    pub claimed: NaiveDate,
    /// The China date of the crawl that first saw it.
    pub first_seen: NaiveDate,
    pub first_run: i64,
    /// The earlier crawl whose listing reached back past the claimed date without it.
    pub earlier_run: i64,
    pub earlier_seen: NaiveDate,
    pub earlier_oldest: NaiveDate,
}

impl Backdating {
    /// 「《…》标注日期2025-11-20，但2025-12-01抓取的该栏目列表（已列至2025-10-08）中没有这条，首次出现于2025-12-03」
    pub fn reason_zh(&self) -> String {
        format!(
            "《{}》标注日期{}，但{}抓取的该栏目列表（已列至{}的信息）中没有这条，首次出现于{}的抓取",
            self.title.as_deref().unwrap_or(&self.item_url),
            self.claimed,
            self.earlier_seen,
            self.earlier_oldest,
            self.first_seen
        )
    }
}

/// The China date of a stored RFC 3339 time.
fn china_date(stored: &str) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(stored)
        .ok()
        .map(|t| (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(8)).date_naive())
}

/// Every item of the run that appeared later than its claimed date, by the rules above.
/// `page_first_run` gives the first run in which each item's own page was fetched.
pub fn backdated(
    sightings: &[Sighting],
    snapshots: &BTreeMap<String, Vec<ListSnapshot>>,
    page_first_run: &BTreeMap<String, i64>,
) -> Vec<Backdating> {
    // An item's first sighting is its earliest in any list.
    let mut items: BTreeMap<&str, Vec<&Sighting>> = BTreeMap::new();
    for s in sightings {
        items.entry(s.item_url.as_str()).or_default().push(s);
    }
    let mut found = Vec::new();
    for (item_url, seen) in items {
        let Some(first) = seen.iter().min_by_key(|s| s.first_run) else {
            continue;
        };
        let Some(claimed) = seen
            .iter()
            .find_map(|s| s.claimed_date.as_deref())
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            continue;
        };
        if page_first_run
            .get(item_url)
            .is_some_and(|&page_run| page_run < first.first_run)
        {
            continue;
        }
        let Some(first_seen) = china_date(&first.first_seen_at) else {
            continue;
        };
        // The latest earlier crawl of one of its lists that proves the absence.
        let proof = seen
            .iter()
            .filter_map(|s| snapshots.get(&s.list_url))
            .flatten()
            .filter(|snap| snap.run_id < first.first_run)
            .filter_map(|snap| {
                let seen_on = china_date(&snap.fetched_at)?;
                let oldest = NaiveDate::parse_from_str(snap.oldest_date.as_deref()?, "%Y-%m-%d").ok()?;
                ((seen_on - claimed).num_days() > TOLERANCE_DAYS && oldest <= claimed)
                    .then_some((snap, seen_on, oldest))
            })
            .max_by_key(|(snap, ..)| snap.run_id);
        if let Some((snap, earlier_seen, earlier_oldest)) = proof {
            found.push(Backdating {
                item_url: item_url.to_string(),
                title: first.title.clone(),
                list_url: snap.list_url.clone(),
                claimed,
                first_seen,
                first_run: first.first_run,
                earlier_run: snap.run_id,
                earlier_seen,
                earlier_oldest,
            });
        }
    }
    found.sort_by(|a, b| b.first_seen.cmp(&a.first_seen).then(a.item_url.cmp(&b.item_url)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(list: &str, item: &str, claimed: &str, run: i64, at: &str) -> Sighting {
        Sighting {
            list_url: list.into(),
            item_url: item.into(),
            title: Some(format!("标题{item}")),
            claimed_date: Some(claimed.into()),
            first_run: run,
            first_seen_at: at.into(),
        }
    }

    fn snapshot(list: &str, run: i64, at: &str, oldest: &str) -> ListSnapshot {
        ListSnapshot {
            list_url: list.into(),
            run_id: run,
            fetched_at: at.into(),
            items: 20,
            oldest_date: Some(oldest.into()),
        }
    }

    #[test]
    fn an_item_missing_from_an_earlier_list_that_reached_its_date_is_back_dated() {
        let snapshots = BTreeMap::from([(
            "/tzgg/".to_string(),
            vec![
                snapshot("/tzgg/", 1, "2025-12-01T14:00:00Z", "2025-10-08"),
                snapshot("/tzgg/", 2, "2025-12-03T14:00:00Z", "2025-10-08"),
            ],
        )]);
        let sightings = vec![
            // Inserted on night 2 with a date of 11-20: night 1 (12-01) listed back to 10-08.
            sighting("/tzgg/", "/tzgg/late.html", "2025-11-20", 2, "2025-12-03T14:00:00Z"),
            // Listed on night 1 already.
            sighting("/tzgg/", "/tzgg/old.html", "2025-11-20", 1, "2025-12-01T14:00:00Z"),
            // New on night 2 and dated within the tolerance of night 1: not evidence.
            sighting("/tzgg/", "/tzgg/fresh.html", "2025-11-30", 2, "2025-12-03T14:00:00Z"),
            // Dated before anything night 1 listed: the list did not reach it.
            sighting("/tzgg/", "/tzgg/ancient.html", "2025-09-01", 2, "2025-12-03T14:00:00Z"),
        ];
        let flags = backdated(&sightings, &snapshots, &BTreeMap::new());
        assert_eq!(flags.len(), 1, "{flags:?}");
        let flag = &flags[0];
        assert_eq!(flag.item_url, "/tzgg/late.html");
        assert_eq!((flag.first_run, flag.earlier_run), (2, 1));
        assert_eq!(flag.first_seen.to_string(), "2025-12-03");
        assert_eq!(
            flag.reason_zh(),
            "《标题/tzgg/late.html》标注日期2025-11-20，但2025-12-01抓取的该栏目列表（已列至2025-10-08的信息）中没有这条，首次出现于2025-12-03的抓取"
        );
    }

    #[test]
    fn an_item_that_moved_between_lists_or_whose_page_was_seen_before_is_not_flagged() {
        let snapshots = BTreeMap::from([
            (
                "/a/index.html".to_string(),
                vec![snapshot("/a/index.html", 1, "2025-12-01T14:00:00Z", "2025-10-01")],
            ),
            (
                "/a/index_1.html".to_string(),
                vec![snapshot("/a/index_1.html", 1, "2025-12-01T14:00:00Z", "2025-06-01")],
            ),
        ]);
        let moved = vec![
            sighting("/a/index.html", "/a/x.html", "2025-11-01", 1, "2025-12-01T14:00:00Z"),
            sighting("/a/index_1.html", "/a/x.html", "2025-11-01", 2, "2025-12-03T14:00:00Z"),
        ];
        assert!(backdated(&moved, &snapshots, &BTreeMap::new()).is_empty());
        let relisted = vec![sighting(
            "/a/index.html",
            "/a/y.html",
            "2025-11-01",
            2,
            "2025-12-03T14:00:00Z",
        )];
        let pages = BTreeMap::from([("/a/y.html".to_string(), 1)]);
        assert!(backdated(&relisted, &snapshots, &pages).is_empty());
        assert_eq!(backdated(&relisted, &snapshots, &BTreeMap::new()).len(), 1);
    }
}
