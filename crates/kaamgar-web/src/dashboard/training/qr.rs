//! A QR code as an SVG the page carries inline (no script, no image request): one path of the dark modules, with
//! the four-module quiet zone. Only text kaamgar writes goes in.

use std::fmt::Write;

/// The SVG of `text`'s QR code (error correction M); `None` when the text is too long for one.
pub fn svg(text: &str) -> Option<String> {
    use qrcode::{Color, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let n = code.width();
    let size = n + 8;
    let mut d = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            let _ = write!(d, "M{} {}h1v1h-1z", 4 + i % n, 4 + i / n);
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"QR\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{d}\" \
         fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_session_code_fits_and_the_svg_is_one_path() {
        let text = kaamgar_app::training::session_qr_text(
            Some("919876543210"),
            &format!("q{}", "ab".repeat(32)),
        );
        assert!(text.starts_with("https://wa.me/919876543210?text=%E0%A4%B9"));
        let svg = super::svg(&text).unwrap();
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(!svg.contains("style"));
    }
}
