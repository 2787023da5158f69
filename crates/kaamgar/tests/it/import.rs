//! Importing skill-mapping lists as district offices export them, and every kind of bad input the issue names.

use crate::common;
#[path = "import_warnings.rs"]
mod warnings;

use common::{HINDI_HEADER, apps, csv, import_bytes, sqlite_app};
use kaamgar::import::ImportError;
use kaamgar_store::prelude::*;
use kaamgar_store::{ChangeCursor, Page, WorkerFilter};

#[tokio::test]
async fn a_hindi_list_is_imported_and_its_bad_rows_are_reported_with_line_column_and_reason() {
    let t = sqlite_app().await;
    let file = csv(&[
        &HINDI_HEADER,
        &[
            "1",
            "रमेश कुमार",
            "98765 43210",
            "पुरुष",
            "34",
            "राजमिस्त्री",
            "मढ़ौरा",
            "सारण",
        ],
        &[
            "2",
            "सुनीता देवी",
            "+91-9123456780",
            "महिला",
            "29",
            "दर्जी",
            "Sonpur",
            "Saran",
        ],
        &[
            "3",
            "मोहन राम",
            "987654321",
            "पुरुष",
            "40",
            "plumbar",
            "Marhaura",
            "Saran",
        ],
        &[
            "4",
            "अनिल",
            "9988776655",
            "पुरुष",
            "35",
            "कुछ भी",
            "Marhaura",
            "Saran",
        ],
        &[
            "5",
            "गोपाल",
            "9988776656",
            "पुरुष",
            "35",
            "electrician",
            "Xyzpur",
            "Saran",
        ],
        &["", "", "", "", "", "", "", ""],
        &[
            "7",
            "राजू",
            "9123456780",
            "पुरुष",
            "30",
            "welder",
            "Ekma",
            "Saran",
        ],
    ]);
    let (out, report) = import_bytes(&t.app, "marhaura.csv", file).await;
    let out = out.unwrap();
    assert_eq!(
        (
            out.summary.inserted,
            out.summary.rejected,
            out.summary.empty
        ),
        (2, 4, 1),
        "{:?}",
        report.errors
    );
    let reasons: Vec<(u64, &str, &str)> = report
        .errors
        .iter()
        .map(|e| (e.error.line, e.error.column.as_str(), e.error.code))
        .collect();
    assert!(
        reasons.contains(&(4, "मोबाइल नंबर", "phone_invalid")),
        "{reasons:?}"
    );
    assert!(reasons.contains(&(5, "कौशल", "trade_unknown")));
    assert!(reasons.contains(&(6, "प्रखंड", "block_unknown")));
    assert!(
        reasons.iter().any(|r| r.0 == 8 && r.2 == "phone_duplicate"),
        "{reasons:?}"
    );
    let w = t
        .app
        .store
        .list_workers(
            &WorkerFilter::default(),
            Page {
                after: 0,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(w[0].data.place.block.as_deref(), Some("Marhaura"));
    assert_eq!(w[0].data.trade, "mason");
    assert_eq!(w[1].data.place.block.as_deref(), Some("Sonepur"));
    t.cleanup().await;
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing_and_a_corrected_file_updates_only_what_changed()
 {
    for t in apps().await {
        let rows = kaamgar::demo::generate(
            &t.app.places,
            &t.app.trades,
            &kaamgar::demo::DemoOptions {
                rows: 3000,
                hindi: true,
                bad_percent: 5,
                seed: 7,
            },
        );
        let file = kaamgar::demo::to_csv(&rows).unwrap();
        let (first, _) = import_bytes(&t.app, "a.csv", file.clone()).await;
        let first = first.unwrap();
        assert!(first.summary.inserted > 2800, "{:?}", first.summary);
        let seq = t.app.store.current_seq().await.unwrap();
        let (again, _) = import_bytes(&t.app, "a.csv", file).await;
        let again = again.unwrap();
        assert_eq!(
            (again.summary.inserted, again.summary.updated),
            (0, 0),
            "{:?}",
            again.summary
        );
        assert_eq!(again.summary.unchanged, first.summary.inserted);
        assert!(
            t.app
                .store
                .changes_since(ChangeCursor::after_seq(seq), 10)
                .await
                .unwrap()
                .is_empty(),
            "an unchanged re-import leaves no trace in the change feed"
        );

        let mut fixed = rows.clone();
        fixed[10][5] = "Painter".into();
        let (third, _) =
            import_bytes(&t.app, "a.csv", kaamgar::demo::to_csv(&fixed).unwrap()).await;
        let third = third.unwrap();
        assert_eq!(third.summary.updated, 1, "{:?}", third.summary);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_file_without_the_required_columns_is_refused_and_nothing_is_written() {
    let t = sqlite_app().await;
    let (out, _) = import_bytes(
        &t.app,
        "x.csv",
        csv(&[&["Name", "Village"], &["Ramesh", "Marhaura"]]),
    )
    .await;
    match out {
        Err(ImportError::Rejected(msg)) => {
            assert!(msg.contains("mobile") && msg.contains("skill"), "{msg}")
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(
        t.app
            .store
            .count_workers(&WorkerFilter::default())
            .await
            .unwrap(),
        0
    );
    t.cleanup().await;
}

#[tokio::test]
async fn fifty_megabytes_of_garbage_is_refused_with_a_message() {
    let t = sqlite_app().await;
    let mut rng = kaamgar::demo::Rng::new(1);
    let garbage: Vec<u8> = (0..50 * 1024 * 1024)
        .map(|_| rng.next_u64() as u8)
        .collect();
    let (out, _) = import_bytes(&t.app, "garbage.csv", garbage).await;
    assert!(matches!(out, Err(ImportError::Rejected(_))), "{out:?}");
    assert_eq!(
        t.app
            .store
            .count_workers(&WorkerFilter::default())
            .await
            .unwrap(),
        0
    );
    t.cleanup().await;
}

#[tokio::test]
async fn excel_exports_in_utf16_windows_1252_and_utf8_with_bom_are_read() {
    let t = sqlite_app().await;
    // "Unicode text" from Excel: UTF-16LE with BOM, tab-separated.
    let text = "नाम\tमोबाइल\tकौशल\tप्रखंड\r\nरमेश\t9876543210\tप्लंबर\tमढ़ौरा\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    text.encode_utf16()
        .for_each(|u| utf16.extend_from_slice(&u.to_le_bytes()));
    let (out, report) = import_bytes(&t.app, "u16.txt", utf16).await;
    assert_eq!(out.unwrap().summary.inserted, 1, "{:?}", report.errors);
    // CSV from an English Windows Excel: Windows-1252 with a non-ASCII name, semicolons.
    let cp1252 = b"Name;Mobile;Skill;Block\nJos\xe9 Ram;9876543211;Carpenter;Ekma\n".to_vec();
    let (out, _) = import_bytes(&t.app, "cp1252.csv", cp1252).await;
    assert_eq!(out.unwrap().summary.inserted, 1);
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend(csv(&[
        &["नाम", "मोबाइल", "कौशल", "प्रखंड"],
        &["सीता", "9876543212", "दर्जी", "Sonepur"],
    ]));
    let (out, _) = import_bytes(&t.app, "bom.csv", bom).await;
    assert_eq!(out.unwrap().summary.inserted, 1);
    let names: Vec<String> = t
        .app
        .store
        .list_workers(
            &WorkerFilter::default(),
            Page {
                after: 0,
                limit: 10,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.data.name)
        .collect();
    assert_eq!(names, ["रमेश", "José Ram", "सीता"]);
    t.cleanup().await;
}

#[tokio::test]
async fn an_xlsx_with_a_title_row_number_cells_and_several_block_sheets_is_imported() {
    let t = sqlite_app().await;
    let title = vec!["कुशल श्रमिकों की सूची — प्रखंड मढ़ौरा".to_string()];
    let header: Vec<String> = ["क्र.सं.", "श्रमिक का नाम", "मोबाइल", "हुनर", "प्रखंड", "पिन कोड"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let row = |n: &str, p: &str, t: &str, b: &str, pin: &str| -> Vec<String> {
        ["1", n, p, t, b, pin]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let sheet1 = vec![
        title,
        vec![],
        header.clone(),
        row("रमेश", "9876543210", "नल मिस्त्री", "Marhaura", "841418"),
    ];
    let sheet2 = vec![
        header,
        row("सुरेश", "9876543211", "bijli mistri", "Sonepur", ""),
    ];
    let notes = vec![vec!["यह शीट टिप्पणियों के लिए है".to_string()]];
    let bytes = kaamgar::xlsx_write::write(
        std::io::Cursor::new(Vec::new()),
        &[
            ("Marhaura", &sheet1),
            ("Sonepur", &sheet2),
            ("Notes", &notes),
        ],
        true,
    )
    .unwrap()
    .into_inner();
    let (out, report) = import_bytes(&t.app, "blocks.xlsx", bytes).await;
    let out = out.unwrap();
    assert_eq!(out.summary.inserted, 2, "{:?}", report.errors);
    assert_eq!(out.skipped_sheets.len(), 1);
    assert_eq!(out.skipped_sheets[0].sheet, "Notes");
    let w = t
        .app
        .store
        .list_workers(
            &WorkerFilter {
                trade: Some("plumber".into()),
                ..Default::default()
            },
            Page { after: 0, limit: 5 },
        )
        .await
        .unwrap();
    assert_eq!(w[0].data.place.pin, Some(841418));
    assert_eq!(w[0].data.phone.e164(), "+919876543210");
    t.cleanup().await;
}

#[tokio::test]
async fn a_sheet_with_a_stray_cell_at_xfd1048576_is_read_without_allocating_the_whole_rectangle() {
    use std::io::Write;
    let t = sqlite_app().await;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let put = |zip: &mut zip::ZipWriter<_>, name: &str, body: &str| {
        zip.start_file(name, o).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    put(
        &mut zip,
        "[Content_Types].xml",
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    put(
        &mut zip,
        "_rels/.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        &mut zip,
        "xl/workbook.xml",
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    put(
        &mut zip,
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    );
    put(
        &mut zip,
        "xl/worksheets/sheet1.xml",
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Mobile</t></is></c><c r="C1" t="inlineStr"><is><t>Skill</t></is></c><c r="D1" t="inlineStr"><is><t>Block</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Ram</t></is></c><c r="B2"><v>9876543210</v></c><c r="C2" t="inlineStr"><is><t>Mason</t></is></c><c r="D2" t="inlineStr"><is><t>Ekma</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#,
    );
    let bytes = zip.finish().unwrap().into_inner();
    let (out, report) = import_bytes(&t.app, "stray.xlsx", bytes).await;
    assert_eq!(out.unwrap().summary.inserted, 1, "{:?}", report.errors);
    t.cleanup().await;
}

#[tokio::test]
async fn an_old_xls_file_gets_a_message_saying_how_to_save_it() {
    let t = sqlite_app().await;
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.resize(4096, 0);
    let (out, _) = import_bytes(&t.app, "old.xls", xls).await;
    match out {
        Err(ImportError::Rejected(m)) => assert!(m.contains(".xlsx"), "{m}"),
        other => panic!("{other:?}"),
    }
    t.cleanup().await;
}

#[tokio::test]
async fn an_export_reads_back_in_as_the_same_registry() {
    let t = sqlite_app().await;
    let rows = kaamgar::demo::generate(
        &t.app.places,
        &t.app.trades,
        &kaamgar::demo::DemoOptions {
            rows: 500,
            hindi: false,
            bad_percent: 0,
            seed: 3,
        },
    );
    let (first, _) = import_bytes(&t.app, "a.csv", kaamgar::demo::to_csv(&rows).unwrap()).await;
    let inserted = first.unwrap().summary.inserted;
    let mut exported = Vec::new();
    let n = kaamgar::export::workers(
        t.app.store.as_ref(),
        &t.app.trades,
        &WorkerFilter::default(),
        &mut exported,
    )
    .await
    .unwrap();
    assert_eq!(n, inserted);
    let (again, report) = import_bytes(&t.app, "export.csv", exported).await;
    let again = again.unwrap();
    assert_eq!(
        (again.summary.unchanged, again.summary.rejected),
        (inserted, 0),
        "{:?}",
        report.errors.first()
    );
    t.cleanup().await;
}
