//! How bad a problem in a list row is, and what each problem code says in Hindi. A row is rejected only when it
//! cannot make a usable record (no valid phone, no trade, no place, no name, no consent, outside the uploader's
//! jurisdiction); a doubtful value is a warning: the worker is imported and the value kept or left empty.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row was not imported.
    Rejected,
    /// The worker was imported; one value was kept as written or left empty.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Rejected => "rejected",
            Severity::Warning => "warning",
        }
    }

    pub fn hindi(self) -> &'static str {
        match self {
            Severity::Rejected => "अस्वीकृत",
            Severity::Warning => "चेतावनी",
        }
    }
}

/// Every problem code a row can get, with its Hindi explanation (the English reason is written per row with the
/// value it is about).
pub const CODES: [(&str, &str); 25] = [
    ("encoding", "फ़ाइल के अक्षर पढ़े नहीं जा सके; फ़ाइल को UTF-8 में सहेजें"),
    ("name_missing", "नाम नहीं लिखा है"),
    ("name_invalid", "नाम ठीक नहीं है"),
    ("phone_invalid", "मोबाइल नंबर सही 10 अंकों का भारतीय नंबर नहीं है"),
    ("gender_invalid", "लिंग समझ नहीं आया; खाली छोड़ा गया"),
    ("age_invalid", "उम्र संख्या नहीं है; खाली छोड़ी गई"),
    (
        "age_out_of_range",
        "उम्र 14 से 80 के बाहर है; खाली छोड़ी गई, सूची जाँचें",
    ),
    ("experience_invalid", "अनुभव संख्या नहीं है; खाली छोड़ा गया"),
    (
        "experience_exceeds_age",
        "अनुभव उम्र से ज़्यादा है; खाली छोड़ा गया",
    ),
    (
        "experience_long_for_age",
        "अनुभव उम्र के हिसाब से लंबा है (बचपन से काम); जैसा लिखा वैसा रखा गया",
    ),
    ("trade_missing", "कौशल नहीं लिखा है"),
    ("trade_unknown", "कौशल पहचाना नहीं गया"),
    (
        "trade_part_unknown",
        "कौशल का एक हिस्सा पहचाना नहीं गया; बाकी कौशल रखे गए",
    ),
    (
        "other_trade_unknown",
        "अन्य कौशल पहचाना नहीं गया; छोड़ दिया गया",
    ),
    ("district_unknown", "ज़िला पहचाना नहीं गया"),
    ("block_unknown", "प्रखंड पहचाना नहीं गया"),
    ("pin_invalid", "पिन कोड सही नहीं है या ज़िले से मेल नहीं खाता"),
    ("place_missing", "कोई स्थान (प्रखंड, गाँव या पिन) नहीं लिखा है"),
    (
        "village_not_found",
        "गाँव नहीं मिला; प्रखंड या पिन का केंद्र लिया गया",
    ),
    ("availability_invalid", "उपलब्धता समझ नहीं आई; उपलब्ध माना गया"),
    (
        "consent_missing",
        "सहमति दर्ज नहीं है; बिना सहमति पंजीकरण नहीं होता",
    ),
    ("date_invalid", "तारीख समझ नहीं आई; आयात की तारीख ली गई"),
    (
        "outside_jurisdiction",
        "यह स्थान अपलोड करने वाले अधिकारी के क्षेत्र से बाहर है",
    ),
    ("phone_duplicate", "यह मोबाइल नंबर इसी सूची में पहले आ चुका है"),
    (
        "worker_erased",
        "इस व्यक्ति ने अपना डेटा मिटाने को कहा था; वे स्वयं फिर से पंजीकरण करें",
    ),
];

/// Codes the store adds after the row mapping.
pub const STORE_CODES: [(&str, &str); 1] = [(
    "worker_removed",
    "यह कामगार रजिस्टर से हटाया गया था; सूची से वापस नहीं जोड़ा जाता",
)];

/// The Hindi explanation of a problem code.
pub fn hindi(code: &str) -> &'static str {
    CODES
        .iter()
        .chain(STORE_CODES.iter())
        .find(|(c, _)| *c == code)
        .map_or("इस पंक्ति में समस्या है", |(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_hindi_text() {
        for (code, text) in CODES.iter().chain(STORE_CODES.iter()) {
            assert_eq!(hindi(code), *text);
            assert!(
                text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)),
                "{code}"
            );
        }
        assert_eq!(hindi("no_such_code"), "इस पंक्ति में समस्या है");
    }
}
