//! A minimal XLSX writer (one sheet, inline strings) for the demo-data generator and tests. Workbooks written
//! here open in Excel and LibreOffice; the importer reads them like any office export.

use anyhow::{Context, Result};
use std::io::{Seek, Write};
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>SHEETS</Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

/// Writes a workbook with one sheet per `(name, rows)`. With `numbers`, cells of up to 15 digits are written as
/// number cells, as Excel stores typed-in phone numbers and PINs; everything else is text.
pub fn write<W: Write + Seek>(
    out: W,
    sheets: &[(&str, &[Vec<String>])],
    numbers: bool,
) -> Result<W> {
    let mut zip = zip::ZipWriter::new(out);
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let overrides: String = (1..=sheets.len())
        .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    zip.start_file("[Content_Types].xml", opts)
        .context("writing the workbook")?;
    zip.write_all(CONTENT_TYPES.replace("SHEETS", &overrides).as_bytes())?;
    zip.start_file("_rels/.rels", opts)?;
    zip.write_all(ROOT_RELS.as_bytes())?;
    let mut wb = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        wb.push_str(&format!(
            r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
            escape(name)
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
    }
    wb.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    zip.start_file("xl/workbook.xml", opts)?;
    zip.write_all(wb.as_bytes())?;
    zip.start_file("xl/_rels/workbook.xml.rels", opts)?;
    zip.write_all(rels.as_bytes())?;
    for (i, (_, rows)) in sheets.iter().enumerate() {
        zip.start_file(format!("xl/worksheets/sheet{}.xml", i + 1), opts)?;
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)?;
        for (r, row) in rows.iter().enumerate() {
            let mut line = format!(r#"<row r="{}">"#, r + 1);
            for (c, v) in row.iter().enumerate() {
                if v.is_empty() {
                    continue;
                }
                if numbers && v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()) {
                    line.push_str(&format!(r#"<c r="{}{}"><v>{v}</v></c>"#, column(c), r + 1));
                } else {
                    line.push_str(&format!(
                        r#"<c r="{}{}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                        column(c),
                        r + 1,
                        escape(v)
                    ));
                }
            }
            line.push_str("</row>");
            zip.write_all(line.as_bytes())?;
        }
        zip.write_all(b"</sheetData></worksheet>")?;
    }
    zip.finish().context("finishing the workbook")
}

/// 0 → A, 25 → Z, 26 → AA.
pub fn column(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\t' || *c == '\n')
        .fold(String::with_capacity(s.len()), |mut o, c| {
            match c {
                '&' => o.push_str("&amp;"),
                '<' => o.push_str("&lt;"),
                '>' => o.push_str("&gt;"),
                '"' => o.push_str("&quot;"),
                _ => o.push(c),
            }
            o
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_columns_like_excel() {
        assert_eq!(super::column(0), "A");
        assert_eq!(super::column(25), "Z");
        assert_eq!(super::column(26), "AA");
        assert_eq!(super::column(16_383), "XFD");
    }
}
