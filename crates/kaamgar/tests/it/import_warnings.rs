//! Lists as offices type them in a hurry: doubtful values are warnings and the worker is imported, suggestions
//! stay in the service area, the report speaks Hindi and English, and a workbook bomb is refused.

use super::*;
use kaamgar_store::prelude::*;

/// A row of a fuller Hindi list: name, mobile, age, experience, skill, village, block, district.
const FULL_HEADER: [&str; 8] = [
    "नाम",
    "मोबाइल",
    "उम्र",
    "अनुभव",
    "कौशल",
    "गाँव",
    "प्रखंड",
    "जिला",
];

#[tokio::test]
async fn a_doubtful_value_is_a_warning_and_the_worker_is_imported() {
    let t = sqlite_app().await;
    let file = csv(&[
        &FULL_HEADER,
        // 2: experience long for the age (family trade since childhood): kept, with a warning.
        &["रामू", "9811100001", "27", "22", "नाई", "", "मढ़ौरा", "सारण"],
        // 3: more years of work than of life: imported, experience left empty.
        &[
            "श्यामू",
            "9811100002",
            "27",
            "30",
            "dhobi",
            "",
            "Marhaura",
            "Saran",
        ],
        // 4 and 5: ages outside 14–80: imported, age left empty.
        &[
            "बबलू",
            "9811100003",
            "9",
            "",
            "kumhar",
            "",
            "Marhaura",
            "Saran",
        ],
        &[
            "बूढ़ा",
            "9811100004",
            "95",
            "",
            "darzi",
            "",
            "Marhaura",
            "Saran",
        ],
        // 6: a village that is not a post office of the district: imported at the block's centre.
        &[
            "गोलू",
            "9811100005",
            "30",
            "5",
            "बाल काटना",
            "नयागाँवटोला",
            "Marhaura",
            "Saran",
        ],
        // 7: a trade named by its work, in Hinglish.
        &[
            "मोनू",
            "9811100006",
            "30",
            "5",
            "kapde dhona",
            "",
            "Marhaura",
            "Saran",
        ],
        // 8: no valid phone: the only kind of row that is rejected here.
        &[
            "सोनू",
            "12345",
            "30",
            "5",
            "plumber",
            "",
            "Marhaura",
            "Saran",
        ],
    ]);
    let (out, report) = import_bytes(&t.app, "marhaura.csv", file).await;
    let out = out.unwrap();
    assert_eq!(
        (
            out.summary.inserted,
            out.summary.warned,
            out.summary.rejected
        ),
        (6, 5, 1),
        "{:?}",
        report.errors
    );
    let codes: Vec<(u64, &str, &str)> = report
        .errors
        .iter()
        .map(|e| (e.error.line, e.error.code, e.error.severity.as_str()))
        .collect();
    for want in [
        (2, "experience_long_for_age", "warning"),
        (3, "experience_exceeds_age", "warning"),
        (4, "age_out_of_range", "warning"),
        (5, "age_out_of_range", "warning"),
        (6, "village_not_found", "warning"),
        (8, "phone_invalid", "rejected"),
    ] {
        assert!(codes.contains(&want), "{want:?} in {codes:?}");
    }
    assert!(report.errors.iter().all(|e| !e.error.reason_hi.is_empty()));
    let by_phone = async |p: &str| {
        let f = WorkerFilter::default();
        let all = t
            .app
            .store
            .list_workers(
                &f,
                Page {
                    after: 0,
                    limit: 20,
                },
            )
            .await
            .unwrap();
        all.into_iter()
            .find(|w| w.data.phone.e164().ends_with(p))
            .unwrap()
    };
    let w = by_phone("00001").await;
    assert_eq!((w.data.age, w.data.experience_years), (Some(27), Some(22)));
    assert_eq!(w.data.trade, "barber");
    let w = by_phone("00002").await;
    assert_eq!((w.data.age, w.data.experience_years), (Some(27), None));
    assert_eq!(by_phone("00003").await.data.age, None);
    let w = by_phone("00005").await;
    assert_eq!(w.data.trade, "barber", "बाल काटना is the barber's work");
    assert_eq!(w.data.place.village.as_deref(), Some("नयागाँवटोला"));
    assert_eq!(by_phone("00006").await.data.trade, "washerman");
    t.cleanup().await;
}

#[tokio::test]
async fn suggestions_stay_inside_the_service_area() {
    let t = sqlite_app().await;
    let file = csv(&[
        &HINDI_HEADER,
        &[
            "1",
            "रमेश",
            "9811100011",
            "पुरुष",
            "30",
            "plumber",
            "मढ़ौरा",
            "पटना",
        ],
        &[
            "2",
            "सुरेश",
            "9811100012",
            "पुरुष",
            "30",
            "plumber",
            "Marhaura",
            "Patna",
        ],
        &[
            "3",
            "महेश",
            "9811100013",
            "पुरुष",
            "30",
            "plumber",
            "मढ़ौरा",
            "सारन्न",
        ],
    ]);
    let (out, report) = import_bytes(&t.app, "saran.csv", file).await;
    let out = out.unwrap();
    let text: String = report
        .errors
        .iter()
        .map(|e| format!("{} {}\n", e.error.code, e.error.reason))
        .collect();
    for far in ["Harij", "Patan", "Sidhpur", "Chanasma", "Gujarat"] {
        assert!(!text.contains(far), "{far} suggested: {text}");
    }
    assert!(out.summary.rejected >= 2, "{text}");
    // A typo of the area's own district still finds it.
    assert!(out.summary.inserted >= 1, "{text}");
    t.cleanup().await;
}

#[tokio::test]
async fn the_report_file_says_each_problem_in_hindi_and_english_with_its_outcome() {
    use kaamgar::import::report::{CsvReport, REPORT_COLUMNS};
    let t = sqlite_app().await;
    let file = csv(&[
        &FULL_HEADER,
        &["रामू", "9811100021", "95", "", "नाई", "", "मढ़ौरा", "सारण"],
        &[
            "=HYPERLINK(\"http://x\")",
            "123",
            "30",
            "",
            "नाई",
            "",
            "मढ़ौरा",
            "सारण",
        ],
    ]);
    let mut report = CsvReport::new(Vec::new()).unwrap();
    let opts = kaamgar::import::ImportOptions {
        file_name: "r.csv".into(),
        source: "test".into(),
        consent: kaamgar_domain::worker::ConsentMethod::SurveyForm,
        now: 1_780_000_000,
        only: None,
    };
    kaamgar::importer::run(
        &t.app,
        kaamgar::import::source::Input::Memory(std::io::Cursor::new(file)),
        &opts,
        &mut report,
        std::sync::Arc::new(kaamgar::import::Progress::default()),
    )
    .await
    .unwrap();
    let text = String::from_utf8(report.into_inner().unwrap()).unwrap();
    assert!(
        text.contains(REPORT_COLUMNS[6]) && text.contains(REPORT_COLUMNS[7]),
        "{text}"
    );
    assert!(
        text.contains("warning / चेतावनी") && text.contains("age_out_of_range"),
        "{text}"
    );
    assert!(
        text.contains("rejected / अस्वीकृत") && text.contains("phone_invalid"),
        "{text}"
    );
    assert!(text.contains("उम्र 14 से 80 के बाहर है"), "{text}");
    assert!(
        !text.contains("\n=HYPERLINK") && !text.contains(",=HYPERLINK"),
        "{text}"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_workbook_that_inflates_to_a_huge_cell_is_refused_before_anything_is_written() {
    use std::io::Write;
    let t = sqlite_app().await;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    zip.write_all(b"<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>")
        .unwrap();
    let chunk = vec![b'A'; 1 << 20];
    for _ in 0..32 {
        zip.write_all(&chunk).unwrap();
    }
    zip.write_all(b"</t></is></c></row></sheetData></worksheet>")
        .unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 200_000, "a small upload: {}", bytes.len());
    let (out, _) = import_bytes(&t.app, "bomb.xlsx", bytes).await;
    match out {
        Err(ImportError::Rejected(why)) => assert!(why.contains("longer than"), "{why}"),
        other => panic!("{other:?}"),
    }
    let total = t
        .app
        .store
        .count_workers(&WorkerFilter::default())
        .await
        .unwrap();
    assert_eq!(total, 0);
    t.cleanup().await;
}
