//! The registry as a spreadsheet: the columns the importer reads (named in English or in Hindi, both read back),
//! one row per worker, every free-text cell safe to open in Excel. The command line and the dashboard's download
//! write the same rows, a page of workers at a time, so memory stays flat however large the registry is.

use kaamgar_domain::trade::TradeCatalogue;
use kaamgar_domain::worker::Worker;
use kaamgar_store::{Page, Result, Store, WorkerFilter};

/// The columns, in English.
pub const HEADER_EN: [&str; 20] = [
    "kaamgar id",
    "name",
    "mobile",
    "gender",
    "age",
    "skill",
    "secondary skills",
    "experience",
    "village",
    "panchayat",
    "block",
    "district",
    "pin code",
    "languages",
    "availability",
    "source",
    "consent",
    "consent date",
    "latitude",
    "longitude",
];

/// The same columns in Hindi, each a name the importer recognises for its field.
pub const HEADER_HI: [&str; 20] = [
    "क्रमांक",
    "नाम",
    "मोबाइल",
    "लिंग",
    "आयु",
    "कौशल",
    "अन्य कौशल",
    "अनुभव",
    "गाँव",
    "पंचायत",
    "प्रखंड",
    "जिला",
    "पिन कोड",
    "भाषा",
    "उपलब्धता",
    "स्रोत",
    "सहमति",
    "सहमति तिथि",
    "अक्षांश",
    "देशांतर",
];

/// Workers read per page.
pub const PAGE: i64 = 5000;

/// Makes a free-text cell safe to open in a spreadsheet: text starting with `=`, `+`, `-` or `@` (or a tab or
/// carriage return before one) would run as a formula in Excel, so it gets a leading apostrophe, which Excel hides
/// and the importer ignores.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{text}")),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// Appends one CSV line (RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled).
pub fn write_line<S: AsRef<str>>(out: &mut Vec<u8>, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let f = f.as_ref();
        if f.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(f.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// The next page of the filter's workers after `after` (in id order), written as CSV lines onto `out`; the id
/// to continue after, or `None` when there were none left.
pub async fn page(
    store: &dyn Store,
    trades: &TradeCatalogue,
    filter: &WorkerFilter,
    after: i64,
    out: &mut Vec<u8>,
) -> Result<Option<(i64, u64)>> {
    let page = store
        .list_workers(filter, Page { after, limit: PAGE })
        .await?;
    let Some(last) = page.last().map(|w| w.id) else {
        return Ok(None);
    };
    for w in &page {
        write_line(out, &record(w, trades));
    }
    Ok(Some((last, page.len() as u64)))
}

/// One worker's row.
pub fn record(worker: &Worker, trades: &TradeCatalogue) -> Vec<String> {
    let d = &worker.data;
    let p = &d.place;
    let trade_name = |slug: &str| {
        trades
            .by_slug(slug)
            .map_or_else(|| slug.to_string(), |t| t.name_en.clone())
    };
    let opt = |v: Option<String>| v.unwrap_or_default();
    let text = |v: &str| spreadsheet_safe(v).into_owned();
    vec![
        worker.id.to_string(),
        text(&d.name),
        d.phone.e164(),
        opt(d.gender.map(|g| g.as_str().to_string())),
        opt(d.age.map(|a| a.to_string())),
        trade_name(&d.trade),
        d.other_trades
            .iter()
            .map(|t| trade_name(t))
            .collect::<Vec<_>>()
            .join(", "),
        opt(d.experience_years.map(|e| e.to_string())),
        text(&opt(p.village.clone())),
        text(&opt(p.panchayat.clone())),
        text(&opt(p.block.clone())),
        text(&p.district),
        opt(p.pin.map(|v| v.to_string())),
        text(&d.languages.join(", ")),
        d.availability.as_str().to_string(),
        text(&d.source),
        d.consent.method.as_str().to_string(),
        date(d.consent.given_at),
        p.lat.to_string(),
        p.lon.to_string(),
    ]
}

/// YYYY-MM-DD for unix seconds.
pub fn date(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaamgar_domain::import::{Field, Header};

    #[test]
    fn both_headers_are_read_back_as_the_same_fields() {
        let read = |h: &[&str]| {
            Header::recognise(&h.iter().map(|s| s.to_string()).collect::<Vec<_>>()).fields
        };
        let en = read(&HEADER_EN);
        assert_eq!(en, read(&HEADER_HI));
        for f in [
            Field::Name,
            Field::Phone,
            Field::Trade,
            Field::OtherTrades,
            Field::Block,
            Field::ConsentDate,
        ] {
            assert!(en.contains(&Some(f)), "{f:?}");
        }
    }

    #[test]
    fn lines_are_quoted_only_where_needed_and_formulas_neutralised() {
        let mut out = Vec::new();
        write_line(
            &mut out,
            &["a", "b,c", "say \"hi\"", "x\ny", &spreadsheet_safe("=1+1")],
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\",'=1+1\r\n"
        );
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("रमेश"), "रमेश");
        assert_eq!(date(0), "1970-01-01");
    }
}
