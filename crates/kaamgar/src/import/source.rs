//! Reading a list file as rows of text cells, whatever the district office exported: CSV/TSV in UTF-8 (with or
//! without BOM), UTF-16 ("Unicode text") or Windows-1252, or an XLSX workbook read cell by cell.

use anyhow::{Context, Result, bail};
use calamine::{DataRef, Reader, Xlsx};
use encoding_rs::{Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use kaamgar_domain::worker::civil_from_days;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};

/// Columns beyond this are ignored: a real list has a few dozen; a stray far cell must not cost memory.
pub const MAX_COLUMNS: usize = 200;
/// Rows beyond this are refused (a sheet has at most 1,048,576 anyway; a CSV could be endless).
pub const MAX_ROWS: u64 = 5_000_000;

/// One row: the 1-based line (CSV) or row number (sheet) and its cells.
pub type Row = (u64, Vec<String>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Decides the format from the first bytes, not the file name (uploads are often misnamed).
pub fn sniff_format(head: &[u8], name: &str) -> Result<Format> {
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        bail!(
            "'{name}' is an old Excel 97-2003 (.xls) file; open it in Excel or LibreOffice and save it as .xlsx or .csv"
        );
    }
    if head.starts_with(b"%PDF") {
        bail!("'{name}' is a PDF; kaamgar needs the list as a spreadsheet (.xlsx) or .csv");
    }
    Ok(Format::Csv)
}

/// Picks the text encoding: a BOM decides; otherwise UTF-16 without BOM shows as many NUL bytes, valid UTF-8 is
/// UTF-8, and anything else is taken as Windows-1252 (what Excel writes for "CSV" on an English Windows).
pub fn sniff_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return enc;
    }
    let sample = &head[..head.len().min(4096)];
    let nul_even = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let nul_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if sample.len() >= 8 && nul_odd * 3 > sample.len() / 2 && nul_even == 0 {
        return UTF_16LE;
    }
    if sample.len() >= 8 && nul_even * 3 > sample.len() / 2 && nul_odd == 0 {
        return UTF_16BE;
    }
    match std::str::from_utf8(head) {
        Ok(_) => UTF_8,
        // A multi-byte character cut at the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => UTF_8,
        Err(_) => WINDOWS_1252,
    }
}

/// A reader that turns any supported encoding into UTF-8 as it streams (invalid bytes become U+FFFD, which the
/// row check reports), dropping a BOM.
pub struct Utf8Reader<R: Read> {
    inner: R,
    decoder: Decoder,
    in_buf: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl<R: Read> Utf8Reader<R> {
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        Utf8Reader {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            in_buf: vec![0; 64 * 1024],
            out: Vec::new(),
            out_pos: 0,
            eof: false,
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.eof {
            let n = self.inner.read(&mut self.in_buf)?;
            let last = n == 0;
            let mut s = String::with_capacity(n * 3 + 16);
            let needed = self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 3 + 16);
            s.reserve(needed);
            let (_, _, _) = self
                .decoder
                .decode_to_string(&self.in_buf[..n], &mut s, last);
            self.out = s.into_bytes();
            self.eof = last;
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.fill()?;
            if self.out.is_empty() {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// Counts bytes read, for the progress bar.
pub struct Counting<R> {
    pub inner: R,
    pub count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Rows of a delimited text file.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<Utf8Reader<R>>,
    record: csv::StringRecord,
}

impl<R: Read> CsvRows<R> {
    /// `head` is the start of the file (for sniffing); `inner` reads the whole file from its start.
    pub fn new(head: &[u8], inner: R) -> Self {
        let encoding = sniff_encoding(head);
        let delimiter = sniff_delimiter(head, encoding);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(Utf8Reader::new(inner, encoding));
        CsvRows {
            reader,
            record: csv::StringRecord::new(),
        }
    }

    pub fn next_row(&mut self) -> Result<Option<Row>> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                if line > MAX_ROWS {
                    bail!("the file has more than {MAX_ROWS} lines; split it by block");
                }
                Ok(Some((
                    line,
                    self.record
                        .iter()
                        .take(MAX_COLUMNS)
                        .map(str::to_string)
                        .collect(),
                )))
            }
            Err(e) => Err(e).context("reading a CSV record"),
        }
    }
}

/// Comma, semicolon or tab: whichever the first line uses most (Excel in some locales writes semicolons,
/// "Unicode text" exports use tabs).
fn sniff_delimiter(head: &[u8], encoding: &'static Encoding) -> u8 {
    let (text, _) = encoding.decode_with_bom_removal(&head[..head.len().min(16 * 1024)]);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |c: char| first.matches(c).count();
    [(b',', count(',')), (b'\t', count('\t')), (b';', count(';'))]
        .into_iter()
        .max_by_key(|x| x.1)
        .filter(|x| x.1 > 0)
        .map_or(b',', |x| x.0)
}

/// Reads every sheet of an XLSX workbook cell by cell (never the whole used rectangle: a stray cell at XFD1048576
/// must not allocate gigabytes).
pub struct XlsxBook<RS: Read + Seek> {
    book: Xlsx<RS>,
    pub sheets: Vec<String>,
}

impl<RS: Read + Seek> XlsxBook<RS> {
    /// Opens a workbook once [`super::xlsx_guard::check`] has found it within the limits.
    pub fn open(mut rs: RS) -> Result<Self> {
        super::xlsx_guard::check(&mut rs, &super::xlsx_guard::XlsxLimits::default())?;
        rs.seek(SeekFrom::Start(0))
            .context("reading the workbook again")?;
        let book: Xlsx<RS> =
            Xlsx::new(rs).context("opening the workbook (is it a valid .xlsx file?)")?;
        let sheets = book.sheet_names();
        Ok(XlsxBook { book, sheets })
    }

    /// Calls `each` with every non-empty row of a sheet, in order; `each` returns false to stop early.
    pub fn for_each_row(
        &mut self,
        sheet: &str,
        mut each: impl FnMut(Row) -> Result<bool>,
    ) -> Result<()> {
        let mut cells = self
            .book
            .worksheet_cells_reader(sheet)
            .with_context(|| format!("reading sheet '{sheet}'"))?;
        let mut current: Option<(u32, Vec<String>)> = None;
        while let Some(cell) = cells
            .next_cell()
            .with_context(|| format!("reading a cell of sheet '{sheet}'"))?
        {
            let (r, c) = cell.get_position();
            if c as usize >= MAX_COLUMNS {
                continue;
            }
            if u64::from(r) >= MAX_ROWS {
                bail!("sheet '{sheet}' has more than {MAX_ROWS} rows");
            }
            let text = cell_text(cell.get_value());
            match &mut current {
                Some((row, values)) if *row == r => put(values, c as usize, text),
                _ => {
                    if let Some((row, values)) = current.take()
                        && !each((u64::from(row) + 1, values))?
                    {
                        return Ok(());
                    }
                    let mut values = Vec::new();
                    put(&mut values, c as usize, text);
                    current = Some((r, values));
                }
            }
        }
        if let Some((row, values)) = current {
            each((u64::from(row) + 1, values))?;
        }
        Ok(())
    }
}

fn put(values: &mut Vec<String>, col: usize, text: String) {
    if values.len() <= col {
        values.resize(col + 1, String::new());
    }
    values[col] = text;
}

/// A cell as the text a person would read: whole numbers without ".0" (phone numbers and PINs are often number
/// cells), dates as YYYY-MM-DD.
fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => {
            if *b {
                "TRUE".into()
            } else {
                "FALSE".into()
            }
        }
        DataRef::DateTime(d) => {
            let days = d.as_f64().floor() as i64;
            // Excel's day 0 is 1899-12-30 (1900 system).
            let (y, m, dd) = civil_from_days(days - 25_569);
            format!("{y:04}-{m:02}-{dd:02}")
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// Reads up to `n` bytes from the start of a seekable source and rewinds it.
pub fn head_of<R: Read + Seek>(r: &mut R, n: usize) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.by_ref()
        .take(n as u64)
        .read_to_end(&mut head)
        .context("reading the start of the file")?;
    r.seek(SeekFrom::Start(0)).context("rewinding the file")?;
    Ok(head)
}

/// A buffered file or an in-memory upload, both seekable.
pub enum Input {
    File(BufReader<std::fs::File>),
    Memory(Cursor<Vec<u8>>),
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::File(f) => f.read(buf),
            Input::Memory(m) => m.read(buf),
        }
    }
}

impl Seek for Input {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Input::File(f) => f.seek(pos),
            Input::Memory(m) => m.seek(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut r = CsvRows::new(bytes, bytes);
        let mut out = Vec::new();
        while let Some((_, cells)) = r.next_row().unwrap() {
            out.push(cells);
        }
        out
    }

    #[test]
    fn reads_utf8_with_and_without_bom() {
        assert_eq!(rows_of("नाम,मोबाइल\n".as_bytes())[0], ["नाम", "मोबाइल"]);
        assert_eq!(
            rows_of("\u{feff}नाम,मोबाइल\n".as_bytes())[0],
            ["नाम", "मोबाइल"]
        );
    }

    #[test]
    fn reads_utf16_unicode_text_exports_with_tabs() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "नाम\tमोबाइल\r\nरमेश\t9876543210\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let rows = rows_of(&bytes);
        assert_eq!(rows[1], ["रमेश", "9876543210"]);
    }

    #[test]
    fn reads_windows_1252_exports() {
        let bytes = b"Name;Village\nJos\xe9;Marhaura\n";
        assert_eq!(rows_of(bytes)[1], ["José", "Marhaura"]);
    }

    #[test]
    fn converts_excel_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_428), (2020, 6, 15));
    }
}
