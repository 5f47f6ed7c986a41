//! The entries of a feed's last body, so that the next body's unchanged
//! entries are not parsed again. Most polls of a changed feed bring one
//! new entry among fifty known ones; parsing the fifty cost most of the
//! poll.
//!
//! An entry is known by a hash of its text exactly as the body wrote it,
//! start tag to end tag. A body whose entries all stand side by side (only
//! white space between them) is cut into its head, its entries and its
//! tail; the entries the last body also had are left out, and the rest is
//! parsed as one document. Anything unusual falls back to parsing the
//! whole body: entries not side by side, a cut document that parses to
//! another number of entries than it holds, or a new entry whose link a
//! left-out entry may also have (whether a link is unique in the feed
//! decides an item's keys: `sources::item_keys`).
//!
//! Leaving an entry out is safe because it was in the last body, and the
//! poller keeps that body's entries only once its items are recorded.
//!
//! Each entry takes 8 bytes, as 10,000 feeds of 50 entries are held at
//! once: 48 bits of the entry's hash (two different entries of one feed
//! share them about once in 5 × 10¹² new entries) and 16 of its link's (a
//! shared value only costs a whole parse).

use xxhash_rust::xxh3::xxh3_64;

/// What a poller remembers of its source's last body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Known {
    /// Each entry as its hash (high 48 bits) and its link's (low 16),
    /// sorted.
    entries: Box<[u64]>,
}

const LINK_BITS: u32 = 16;

impl Known {
    /// From each entry's text hash ([`entry_hash`]) and link hash
    /// ([`link_hash`]).
    pub(super) fn new(pairs: impl Iterator<Item = (u64, u16)>) -> Self {
        let mut entries: Vec<u64> = pairs
            .map(|(entry, link)| entry << LINK_BITS | u64::from(link))
            .collect();
        entries.sort_unstable();
        Known {
            entries: entries.into(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries are remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The link hash of a known entry; `None` when the entry is not known.
    pub(super) fn link(&self, entry: u64) -> Option<u16> {
        let at = self.entries.partition_point(|&e| e >> LINK_BITS < entry);
        self.entries
            .get(at)
            .filter(|&&e| e >> LINK_BITS == entry)
            .map(|&e| e as u16)
    }
}

/// The hash an entry is known by: 48 bits.
pub(super) fn entry_hash(entry: &str) -> u64 {
    xxh3_64(entry.as_bytes()) >> LINK_BITS
}

/// The hash of an item's link in the form `item_keys` compares links; 0
/// for none.
pub(super) fn link_hash(link: Option<&str>) -> u16 {
    link.map_or(0, |l| {
        // 0 stands for "no link": a link that hashes to 0 counts as 1.
        (xxh3_64(crate::sources::canonical_link(l).as_bytes()) as u16).max(1)
    })
}

/// Whether only white space stands between consecutive entries, so that
/// leaving some out leaves a document of the same shape.
pub(super) fn side_by_side(document: &str, spans: &[(usize, usize)]) -> bool {
    spans
        .windows(2)
        .all(|w| document[w[0].1..w[1].0].trim().is_empty())
}
