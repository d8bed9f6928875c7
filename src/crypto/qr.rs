//! QR codes as inline SVG, drawn by us (no image library, no outside service), for the TOTP
//! enrolment page: the `otpauth://` URI an authenticator app scans.

use std::fmt::Write as _;

use qrcodegen::{QrCode, QrCodeEcc};

/// Modules of white space around the code (the quiet zone ISO/IEC 18004 asks for).
const QUIET_ZONE: i32 = 4;

/// `text` as an SVG document scaled to its box: one path of unit squares, black on white.
/// `None` if the text is too long for any QR code (over ~2,900 bytes).
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size() + 2 * QUIET_ZONE;
    let mut path = String::new();
    for y in 0..code.size() {
        for x in 0..code.size() {
            if code.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE);
            }
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_a_square_code_with_its_quiet_zone() {
        let svg = super::svg("otpauth://totp/Portcullis:ann%40example.com?secret=ABC").unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
        // The top-left finder pattern starts right after the quiet zone.
        assert!(svg.contains("M4,4h1v1h-1z"), "{svg}");
        assert!(!svg.contains("M0,0h1"));
        assert!(super::svg(&"x".repeat(5000)).is_none());
    }
}
