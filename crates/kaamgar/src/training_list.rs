//! `kaamgar training enrol --batch ID FILE`: a list of trainees (CSV in any of the encodings offices export, or
//! XLSX) enrolled into a batch, each row on its own — the enrolment window, capacity, waiting list and duplicates
//! decided as for one trainee — with a report beside the list naming every row's outcome and reason. Column names
//! are read in English or Hindi (नाम, मोबाइल, पद, पंचायत, प्रखंड, जिला …); a registered worker may be named by id.

use crate::app::App;
use crate::config::Config;
use crate::import::source::{CsvRows, Format, Input, Row, XlsxBook, head_of, sniff_format};
use anyhow::{Context, Result, bail};
use kaamgar_app::training::{By, ListHow};
use kaamgar_domain::access::Caller;
use kaamgar_domain::ids::BatchId;
use kaamgar_domain::training::model::TraineeForm;
use kaamgar_store::prelude::*;
use std::path::{Path, PathBuf};

/// More rows than any programme's list (a batch holds at most 1,000).
const MAX_TRAINEES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    WorkerId,
    Name,
    Phone,
    Office,
    Panchayat,
    Block,
    District,
}

/// What a header cell names, folded (lower case, no spaces, dots, underscores or hyphens, nukta dropped).
fn column(cell: &str) -> Option<Col> {
    let k: String = cell
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '_' | '-' | '/' | ':' | '\u{93C}'))
        .collect();
    Some(match k.as_str() {
        "workerid" | "कामगारआईडी" | "कामगारसंख्या" => {
            Col::WorkerId
        }
        "name"
        | "fullname"
        | "trainee"
        | "traineename"
        | "participant"
        | "participantname"
        | "naam"
        | "नाम"
        | "प्रशिक्षुकानाम"
        | "प्रतिभागीकानाम"
        | "पूरानाम" => Col::Name,
        "phone"
        | "mobile"
        | "mobileno"
        | "mobilenumber"
        | "phonenumber"
        | "phoneno"
        | "contact"
        | "contactno"
        | "whatsapp"
        | "whatsappno"
        | "मोबाइल"
        | "मोबाइलनंबर"
        | "मोबाइलनं"
        | "मोबाइलसंख्या"
        | "फोन"
        | "फोननंबर"
        | "संपर्क" => Col::Phone,
        "office" | "post" | "designation" | "officeheld" | "पद" | "पदनाम" => {
            Col::Office
        }
        "panchayat" | "grampanchayat" | "gp" | "पंचायत" | "ग्रामपंचायत" => {
            Col::Panchayat
        }
        "block"
        | "blockname"
        | "prakhand"
        | "vikaskhand"
        | "प्रखंड"
        | "प्रखण्ड"
        | "ब्लॉक"
        | "ब्लाक"
        | "विकासखंड"
        | "विकासखण्ड" => Col::Block,
        "district" | "jila" | "zila" | "janpad" | "जिला" | "जनपद" => Col::District,
        _ => return None,
    })
}

/// The header among a sheet's first ten rows: the first that names a name and a phone (or a worker id).
fn header(row: &[String]) -> Option<Vec<Option<Col>>> {
    let cols: Vec<Option<Col>> = row.iter().map(|c| column(c)).collect();
    let has = |c: Col| cols.contains(&Some(c));
    ((has(Col::Name) && has(Col::Phone)) || has(Col::WorkerId)).then_some(cols)
}

fn form_of(cols: &[Option<Col>], cells: &[String]) -> Option<TraineeForm> {
    let mut f = TraineeForm::default();
    let mut any = false;
    for (c, v) in cols.iter().zip(cells) {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        any = true;
        match c {
            Some(Col::WorkerId) => f.worker_id = v.parse().ok().or(Some(-1)),
            Some(Col::Name) => f.name = Some(v.into()),
            Some(Col::Phone) => f.phone = Some(v.into()),
            Some(Col::Office) => f.office = Some(v.into()),
            Some(Col::Panchayat) => f.panchayat = Some(v.into()),
            Some(Col::Block) => f.block = Some(v.into()),
            Some(Col::District) => f.district = Some(v.into()),
            None => {}
        }
    }
    any.then_some(f)
}

/// The trainees of a list with their line numbers; nothing when no header is found.
pub fn read(mut input: Input, file_name: &str) -> Result<Vec<(u64, TraineeForm)>> {
    let head = head_of(&mut input, 64 * 1024)?;
    let mut rows: Vec<Row> = Vec::new();
    match sniff_format(&head, file_name)? {
        Format::Csv => {
            let mut csv = CsvRows::new(&head, input);
            while let Some(r) = csv.next_row()? {
                rows.push(r);
                if rows.len() > MAX_TRAINEES + 10 {
                    bail!("the list has more than {MAX_TRAINEES} rows");
                }
            }
        }
        Format::Xlsx => {
            let mut book = XlsxBook::open(input)?;
            let first = book
                .sheets
                .first()
                .cloned()
                .context("the workbook has no sheet")?;
            book.for_each_row(&first, |r| {
                rows.push(r);
                Ok(rows.len() <= MAX_TRAINEES + 10)
            })?;
            if rows.len() > MAX_TRAINEES + 10 {
                bail!("the list has more than {MAX_TRAINEES} rows");
            }
        }
    }
    let Some(at) = rows
        .iter()
        .take(10)
        .position(|(_, cells)| header(cells).is_some())
    else {
        bail!(
            "no header row found in the first ten rows: name the columns नाम / name and मोबाइल / phone (or worker id)"
        );
    };
    let cols = header(&rows[at].1).unwrap_or_default();
    Ok(rows
        .iter()
        .skip(at + 1)
        .filter_map(|(line, cells)| form_of(&cols, cells).map(|f| (*line, f)))
        .collect())
}

/// The list reader the API and the dashboard use.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListReader;

impl kaamgar_app::training::TraineeLists for ListReader {
    fn read(&self, body: Vec<u8>, file_name: &str) -> Result<Vec<(u64, TraineeForm)>, String> {
        read(Input::Memory(std::io::Cursor::new(body)), file_name).map_err(|e| format!("{e:#}"))
    }
}

/// What to enrol and how.
#[derive(Debug, Clone)]
pub struct ListEnrolment<'a> {
    pub batch: i64,
    pub file: &'a Path,
    /// The dashboard account to act as (the operator without one).
    pub as_user: Option<&'a str>,
    pub wait_if_full: bool,
    /// Where the report goes (default: FILE.enrolment.csv).
    pub report: Option<PathBuf>,
}

/// The command: reads the list, enrols every row as the account (the operator without one) at `now`, writes the
/// report.
pub async fn enrol(cfg: Config, job: ListEnrolment<'_>, now: i64) -> Result<()> {
    let ListEnrolment {
        batch,
        file,
        as_user,
        wait_if_full,
        report,
    } = job;
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let name = file
        .file_name()
        .map_or_else(|| "list".into(), |n| n.to_string_lossy().into_owned());
    let trainees = read(Input::File(std::io::BufReader::new(f)), &name)?;
    let app = App::open(cfg).await?;
    let caller = match as_user {
        Some(n) => {
            let user = app
                .store
                .user_by_name(n)
                .await
                .with_context(|| format!("--as {n}: there is no such account"))?;
            kaamgar_app::accounts::caller_of(&user)
                .filter(|_| !user.disabled)
                .with_context(|| {
                    format!("--as {n}: the account is disabled or has no valid role")
                })?
        }
        None => Caller::operator("command line"),
    };
    let training = crate::serve::training(&app)?;
    let by = By {
        caller: &caller,
        ip: None,
    };
    let report_path = report.unwrap_or_else(|| {
        let mut p = file.as_os_str().to_owned();
        p.push(".enrolment.csv");
        PathBuf::from(p)
    });
    let how = ListHow {
        wait_if_full,
        invite: false,
    };
    let r = training
        .enrol_list(by, BatchId(batch), &trainees, how, now)
        .await
        .map_err(|e| anyhow::anyhow!("batch {batch}: {e}"))?;
    std::fs::write(&report_path, r.csv())
        .with_context(|| format!("writing the report {}", report_path.display()))?;
    println!(
        "{} rows: {} enrolled, {} on the waiting list, {} refused (report: {})\n\
         {} पंक्तियाँ: {} नामांकित, {} प्रतीक्षा सूची में, {} अस्वीकृत",
        r.rows,
        r.enrolled,
        r.waiting,
        r.refused,
        report_path.display(),
        r.rows,
        r.enrolled,
        r.waiting,
        r.refused
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hindi_and_english_headers_are_read_below_a_title_row() {
        let list = "प्रशिक्षण सूची, चरण 2\nक्रम,नाम,मोबाइल नं.,पद,ग्राम पंचायत,प्रखंड,जिला\n1,सुनीता देवी,9811199901,ग्राम प्रधान,जलालपुर,मढ़ौरा,सारण\n,,,,,,\n2,Ramesh Kumar,98111 99902,,,,\n";
        let rows = read(
            Input::Memory(std::io::Cursor::new(list.as_bytes().to_vec())),
            "l.csv",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 3);
        assert_eq!(rows[0].1.name.as_deref(), Some("सुनीता देवी"));
        assert_eq!(rows[0].1.office.as_deref(), Some("ग्राम प्रधान"));
        assert_eq!(rows[0].1.block.as_deref(), Some("मढ़ौरा"));
        assert_eq!(rows[1].1.phone.as_deref(), Some("98111 99902"));
        let none = read(
            Input::Memory(std::io::Cursor::new(b"a,b\n1,2\n".to_vec())),
            "x.csv",
        );
        assert!(none.is_err());
    }
}
