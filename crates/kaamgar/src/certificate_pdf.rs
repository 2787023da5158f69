//! A certificate as a one-page PDF (A4 landscape) in Hindi and English, with a QR code carrying the verification
//! URL and the whole signed credential folded into its fragment (`kaamgar_domain::training::compact`). Text is
//! shaped by rustybuzz through krilla, so conjuncts and vowel signs come out right, in Lohit Devanagari (OFL 1.1,
//! `data/fonts/`, embedded as a subset). The PDF shows only what the credential says.

use kaamgar_domain::training::compact::qr_text;
use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use serde_json::Value;

static FONT: &[u8] = include_bytes!("../../../data/fonts/Lohit-Devanagari.ttf");

const W: f32 = 842.0;
const H: f32 = 595.0;

/// Makes certificate PDFs; the font is read once.
#[derive(Clone)]
pub struct PdfMaker {
    font: Font,
}

impl std::fmt::Debug for PdfMaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PdfMaker")
    }
}

impl PdfMaker {
    pub fn new() -> anyhow::Result<Self> {
        let font = Font::new(FONT.into(), 0)
            .ok_or_else(|| anyhow::anyhow!("the bundled Devanagari font cannot be read"))?;
        Ok(PdfMaker { font })
    }
}

fn text_of<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h)?);
    pb.finish()
}

impl kaamgar_app::training::CertificatePdf for PdfMaker {
    fn render(
        &self,
        credential: &Value,
        verify_url: &str,
        withdrawn: Option<&str>,
    ) -> Result<Vec<u8>, String> {
        let mut doc = Document::new();
        let settings = PageSettings::from_wh(W, H).ok_or("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut s = page.surface();
        s.set_fill(Some(Fill::default()));
        // A frame.
        for (x, y, w, h) in [
            (24.0, 24.0, W - 48.0, 3.0),
            (24.0, H - 27.0, W - 48.0, 3.0),
            (24.0, 24.0, 3.0, H - 48.0),
            (W - 27.0, 24.0, 3.0, H - 48.0),
        ] {
            if let Some(p) = rect(x, y, w, h) {
                s.draw_path(&p);
            }
        }
        let lines = lines(credential, verify_url);
        for (y, size, text) in lines {
            if !text.trim().is_empty() {
                s.draw_text(
                    Point::from_xy(60.0, y),
                    self.font.clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
        match withdrawn {
            // A withdrawn certificate says so across the page, and its QR leads to the check only.
            Some(stamp) => {
                s.set_fill(Some(Fill {
                    paint: krilla::color::rgb::Color::new(180, 20, 20).into(),
                    ..Fill::default()
                }));
                s.draw_text(
                    Point::from_xy(60.0, 470.0),
                    self.font.clone(),
                    40.0,
                    stamp,
                    false,
                    TextDirection::Auto,
                );
                s.set_fill(Some(Fill::default()));
                draw_qr(&mut s, verify_url, verify_url);
            }
            None => draw_qr(&mut s, &qr_text(verify_url, credential), verify_url),
        }
        s.finish();
        page.finish();
        doc.finish().map_err(|e| format!("{e:?}"))
    }
}

/// The certificate's lines: (baseline, font size, text). Each line is shaped as one script run (its first
/// letter's): a Latin name and a Hindi office go on lines of their own, and mixed lines start with their Devanagari
/// or a number.
fn lines(credential: &Value, verify_url: &str) -> [(f32, f32, String); 13] {
    let subject = credential
        .get("credentialSubject")
        .cloned()
        .unwrap_or_default();
    let a = subject.get("achievement").cloned().unwrap_or_default();
    let hours = a.get("hours").map(Value::to_string).unwrap_or_default();
    [
        (80.0, 26.0, "प्रमाणपत्र · Certificate".into()),
        (125.0, 22.0, text_of(&a, &["certificateHi"]).into()),
        (152.0, 16.0, text_of(&a, &["certificate"]).into()),
        (
            200.0,
            13.0,
            "प्रमाणित किया जाता है कि · This certifies that".into(),
        ),
        (238.0, 24.0, text_of(&subject, &["name"]).into()),
        (262.0, 13.0, text_of(&subject, &["office"]).into()),
        (288.0, 13.0, "ने यह प्रशिक्षण पूरा किया · has completed".into()),
        (312.0, 16.0, text_of(&a, &["nameHi"]).into()),
        (336.0, 13.0, text_of(&a, &["name"]).into()),
        (
            372.0,
            12.0,
            format!(
                "{hours} घंटे / hours · {} · {}, {}",
                text_of(&subject, &["completed"]),
                text_of(&a, &["centre"]),
                text_of(&a, &["district"])
            ),
        ),
        (
            400.0,
            11.0,
            format!(
                "मान्य / valid {} – {}",
                &text_of(credential, &["validFrom"])
                    .chars()
                    .take(10)
                    .collect::<String>(),
                &text_of(credential, &["validUntil"])
                    .chars()
                    .take(10)
                    .collect::<String>()
            ),
        ),
        (520.0, 9.0, format!("जाँचें / check: {verify_url}")),
        (
            538.0,
            7.0,
            format!("जारीकर्ता / issuer: {}", text_of(credential, &["issuer"])),
        ),
    ]
}

/// The QR code in the lower right corner: the URL with the folded credential, or the URL alone if the fold does
/// not fit a QR code.
fn draw_qr(s: &mut krilla::surface::Surface<'_>, full: &str, url: &str) {
    use qrcode::{EcLevel, QrCode};
    let Ok(code) = QrCode::with_error_correction_level(full.as_bytes(), EcLevel::L)
        .or_else(|_| QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M))
    else {
        return;
    };
    let n = code.width();
    let size = 200.0;
    let (x0, y0) = (W - 60.0 - size, H - 60.0 - size);
    let m = size / (n as f32 + 8.0);
    let mut pb = PathBuilder::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark
            && let Some(r) = Rect::from_xywh(
                x0 + (4 + i % n) as f32 * m,
                y0 + (4 + i / n) as f32 * m,
                m,
                m,
            )
        {
            pb.push_rect(r);
        }
    }
    if let Some(p) = pb.finish() {
        s.draw_path(&p);
    }
}
