//! The Bitstring Status List (W3C): one bit per issued credential, set when it is revoked (or suspended), published
//! GZIP'd and base64url-encoded in a credential of its own.

use super::multibase::{base64url_decode, base64url_encode};

/// The smallest status list (16 KB of bits): one index in it tells nothing about how many certificates exist.
pub const STATUS_LIST_BITS: usize = 131_072;

/// A revocation list: bit `i` set means the credential at index `i` is revoked. Index 0 is the most significant bit
/// of the first byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl StatusList {
    pub fn new(bits: usize) -> Self {
        StatusList {
            bytes: vec![0; bits.max(STATUS_LIST_BITS).div_ceil(8)],
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn set(&mut self, index: usize, on: bool) {
        if let Some(b) = self.bytes.get_mut(index / 8) {
            let mask = 0x80u8 >> (index % 8);
            if on {
                *b |= mask;
            } else {
                *b &= !mask;
            }
        }
    }

    /// `None` for an index beyond the list.
    pub fn get(&self, index: usize) -> Option<bool> {
        self.bytes
            .get(index / 8)
            .map(|b| b & (0x80u8 >> (index % 8)) != 0)
    }

    /// The `encodedList`: GZIP, then multibase base64url without padding (`u…`).
    pub fn encode(&self) -> String {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
        let zipped = gz.finish().unwrap_or_default();
        format!("u{}", base64url_encode(&zipped))
    }

    /// Reads an `encodedList`, refusing one that is not GZIP'd base64url, shorter than the minimum, or that would
    /// inflate beyond a few megabytes.
    pub fn decode(encoded: &str) -> Option<Self> {
        use std::io::Read;
        let zipped = base64url_decode(encoded.strip_prefix('u')?)?;
        let mut bytes = Vec::new();
        let limit = 8 * 1024 * 1024;
        flate2::read::GzDecoder::new(&zipped[..])
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        (bytes.len() <= limit as usize && bytes.len() * 8 >= STATUS_LIST_BITS)
            .then_some(StatusList { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_list_sets_reads_and_travels() {
        let mut l = StatusList::new(0);
        assert_eq!(l.len(), STATUS_LIST_BITS);
        l.set(0, true);
        l.set(94_567, true);
        let back = StatusList::decode(&l.encode()).unwrap();
        assert_eq!(back.get(0), Some(true));
        assert_eq!(back.get(1), Some(false));
        assert_eq!(back.get(94_567), Some(true));
        assert_eq!(back.get(STATUS_LIST_BITS), None);
        assert_eq!(
            back.bytes[0], 0x80,
            "index 0 is the first byte's left-most bit"
        );
        // The specification's example: an empty list of the minimum size.
        let spec = StatusList::decode(
            "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
        )
        .unwrap();
        assert_eq!(spec.len(), STATUS_LIST_BITS);
        assert!(spec.bytes.iter().all(|b| *b == 0));
        for bad in ["", "u", "xH4sI", "u!!!!", "uAAAA"] {
            assert!(StatusList::decode(bad).is_none(), "{bad}");
        }
    }
}
