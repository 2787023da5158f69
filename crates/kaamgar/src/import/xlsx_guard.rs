//! Checks a workbook before the XLSX reader opens it. An .xlsx is a zip of XML parts, and a small upload can
//! inflate to gigabytes: one 512 MB cell, a shared-strings part of millions of entries (the reader keeps them all,
//! and reserves what the part's `uniqueCount` claims), a million near-empty rows. Every part is inflated through a
//! fixed buffer and measured as it streams — the sizes the zip declares are not trusted — and the workbook is
//! refused, with nothing written, once a limit is passed.

use anyhow::{Result, bail};
use std::io::{Read, Seek};

/// What a workbook may hold. District lists are far below each; the limits bound memory, not lists.
#[derive(Debug, Clone, Copy)]
pub struct XlsxLimits {
    /// Parts (files) in the zip.
    pub entries: usize,
    /// All parts inflated together.
    pub total_bytes: u64,
    /// The shared-strings part inflated.
    pub shared_strings_bytes: u64,
    /// Entries of the shared-strings part (and what its `uniqueCount`/`count` may claim).
    pub shared_strings: u64,
    /// Bytes between two markup characters: the longest cell text, attribute or tag.
    pub run_bytes: u64,
    /// Rows of all sheets together.
    pub rows: u64,
}

impl Default for XlsxLimits {
    fn default() -> Self {
        XlsxLimits {
            entries: 10_000,
            total_bytes: 512 << 20,
            shared_strings_bytes: 64 << 20,
            shared_strings: 1_000_000,
            // Excel's own longest cell (32,767 characters) fully escaped, with room to spare.
            run_bytes: 256 << 10,
            rows: 1_048_576,
        }
    }
}

/// Inflates every part once and refuses the workbook when it passes a limit. Leaves the reader where it was not:
/// the caller seeks back to the start.
pub fn check<R: Read + Seek>(input: &mut R, limits: &XlsxLimits) -> Result<()> {
    let mut zip = zip::ZipArchive::new(input)
        .map_err(|e| anyhow::anyhow!("the file is not a valid .xlsx workbook ({e})"))?;
    if zip.len() > limits.entries {
        bail!(
            "the workbook has {} parts; a list has a few dozen",
            zip.len()
        );
    }
    let mut total = 0u64;
    let mut rows = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| anyhow::anyhow!("a part of the workbook cannot be read ({e})"))?;
        let name = part
            .name()
            .map(|n| n.replace('\\', "/").to_ascii_lowercase())
            .unwrap_or_default();
        let shared = name.ends_with("sharedstrings.xml");
        let mut scan = Scan::default();
        loop {
            let n = part
                .read(&mut buf)
                .map_err(|e| anyhow::anyhow!("a part of the workbook is damaged ({e})"))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limits.total_bytes {
                bail!(
                    "the workbook inflates to more than {} MB; save the list as CSV or split it",
                    limits.total_bytes >> 20
                );
            }
            scan.feed(&buf[..n]);
            if scan.longest_run > limits.run_bytes {
                bail!(
                    "a cell or tag in '{name}' is longer than {} kB; no list cell is that long",
                    limits.run_bytes >> 10
                );
            }
            if shared && scan.bytes > limits.shared_strings_bytes {
                bail!(
                    "the workbook's shared strings are larger than {} MB",
                    limits.shared_strings_bytes >> 20
                );
            }
            if shared && (scan.si > limits.shared_strings || scan.claimed > limits.shared_strings) {
                bail!(
                    "the workbook holds more than {} different texts",
                    limits.shared_strings
                );
            }
            if rows + scan.rows > limits.rows {
                bail!("the workbook has more than {} rows", limits.rows);
            }
        }
        rows += scan.rows;
    }
    Ok(())
}

/// Counts what matters while a part streams by, across buffer boundaries.
#[derive(Default)]
struct Scan {
    bytes: u64,
    /// Bytes since the last `<` or `>`.
    run: u64,
    longest_run: u64,
    /// `<si>` entries (shared strings) and `<row` elements (sheets) seen.
    si: u64,
    rows: u64,
    /// The largest `uniqueCount`/`count` the shared-strings part claims.
    claimed: u64,
    /// The current tag's first bytes, to recognise `<si>`, `<row …` and the `sst` counts.
    tag: Vec<u8>,
    in_tag: bool,
}

impl Scan {
    fn feed(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        for &b in data {
            match b {
                b'<' => {
                    self.close_run();
                    self.in_tag = true;
                    self.tag.clear();
                }
                b'>' => {
                    self.close_run();
                    if self.in_tag {
                        self.end_tag();
                    }
                    self.in_tag = false;
                }
                _ => {
                    self.run += 1;
                    if self.in_tag && self.tag.len() < 512 {
                        self.tag.push(b);
                    }
                }
            }
        }
        self.longest_run = self.longest_run.max(self.run);
    }

    fn close_run(&mut self) {
        self.longest_run = self.longest_run.max(self.run);
        self.run = 0;
    }

    fn end_tag(&mut self) {
        // Element names may carry a namespace prefix (`x:row`).
        let name_end = self
            .tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(self.tag.len());
        let name = &self.tag[..name_end];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        match local {
            b"si" => self.si += 1,
            b"row" => self.rows += 1,
            b"sst" => {
                for attr in [&b"uniqueCount=\""[..], &b"count=\""[..]] {
                    if let Some(at) = find(&self.tag, attr) {
                        let digits: Vec<u8> = self.tag[at + attr.len()..]
                            .iter()
                            .copied()
                            .take_while(u8::is_ascii_digit)
                            .take(19)
                            .collect();
                        let n = std::str::from_utf8(&digits)
                            .ok()
                            .and_then(|s| s.parse::<u64>().ok())
                            .unwrap_or(u64::MAX);
                        self.claimed = self.claimed.max(n);
                    }
                }
            }
            _ => {}
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// Writes one part's body.
    type Part<'a> = (&'a str, &'a dyn Fn(&mut dyn Write));

    /// A workbook whose parts are written by `parts`, deflated.
    fn workbook(parts: &[Part<'_>]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, write) in parts {
            zip.start_file(*name, opts).unwrap();
            write(&mut zip);
        }
        zip.finish().unwrap().into_inner()
    }

    fn small() -> XlsxLimits {
        XlsxLimits {
            entries: 50,
            total_bytes: 8 << 20,
            shared_strings_bytes: 2 << 20,
            shared_strings: 10_000,
            run_bytes: 64 << 10,
            rows: 20_000,
        }
    }

    fn refused(bytes: Vec<u8>) -> String {
        format!(
            "{:#}",
            check(&mut Cursor::new(bytes), &small()).unwrap_err()
        )
    }

    #[test]
    fn one_huge_cell_is_refused_while_it_streams() {
        let bomb = workbook(&[("xl/worksheets/sheet1.xml", &|w| {
            w.write_all(b"<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>")
                .unwrap();
            let chunk = vec![b'A'; 1 << 20];
            for _ in 0..6 {
                w.write_all(&chunk).unwrap();
            }
            w.write_all(b"</t></is></c></row></sheetData></worksheet>")
                .unwrap();
        })]);
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        assert!(refused(bomb).contains("longer than"));
    }

    #[test]
    fn too_many_shared_strings_or_a_false_count_are_refused() {
        let many = workbook(&[("xl/sharedStrings.xml", &|w| {
            w.write_all(b"<sst>").unwrap();
            for _ in 0..20_000 {
                w.write_all(b"<si><t>a</t></si>").unwrap();
            }
            w.write_all(b"</sst>").unwrap();
        })]);
        assert!(refused(many).contains("different texts"));
        let claims = workbook(&[("xl/sharedStrings.xml", &|w| {
            w.write_all(b"<x:sst xmlns:x=\"s\" count=\"1\" uniqueCount=\"4000000000\"><x:si><x:t>a</x:t></x:si></x:sst>")
                .unwrap();
        })]);
        assert!(refused(claims).contains("different texts"));
    }

    #[test]
    fn a_million_near_empty_rows_and_a_huge_inflation_are_refused() {
        let rows = workbook(&[("xl/worksheets/sheet1.xml", &|w| {
            w.write_all(b"<worksheet><sheetData>").unwrap();
            for r in 1..=30_000 {
                write!(w, "<row r=\"{r}\"/>").unwrap();
            }
            w.write_all(b"</sheetData></worksheet>").unwrap();
        })]);
        assert!(refused(rows).contains("rows"));
        let inflated = workbook(&[("xl/styles.xml", &|w| {
            let chunk = b"<a/>".repeat(1 << 18);
            for _ in 0..10 {
                w.write_all(&chunk).unwrap();
            }
        })]);
        assert!(refused(inflated).contains("inflates"));
    }

    #[test]
    fn an_ordinary_workbook_passes() {
        let ok = workbook(&[
            ("xl/sharedStrings.xml", &|w| {
                w.write_all(b"<sst count=\"2\" uniqueCount=\"2\"><si><t>name</t></si><si><t>\xe0\xa4\xb0\xe0\xa4\xae\xe0\xa5\x87\xe0\xa4\xb6</t></si></sst>").unwrap();
            }),
            ("xl/worksheets/sheet1.xml", &|w| {
                w.write_all(b"<worksheet><sheetData><row r=\"1\"><c t=\"s\"><v>0</v></c></row><row r=\"2\"><c t=\"s\"><v>1</v></c></row></sheetData></worksheet>").unwrap();
            }),
        ]);
        check(&mut Cursor::new(ok), &small()).unwrap();
        assert!(refused(b"PK\x03\x04 not a zip".to_vec()).contains("not a valid"));
    }
}
